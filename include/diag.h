/* diag.h - messages to the user on stderr, exit statuses, and the wording
 * of load issues (the fact, then what to do). */
#ifndef IOMMUCTL_DIAG_H
#define IOMMUCTL_DIAG_H

#include "model.h"

/* Exit statuses (documented in iommuctl(8), EXIT STATUS). */
enum {
	EXIT_OK = 0,
	EXIT_BLOCKING = 1, /* a check found a blocking problem */
	EXIT_USAGE = 2,    /* bad command line or argument */
	EXIT_ENV = 3,      /* cannot read (or write) what is needed */
	EXIT_STEPS = 4,    /* check-vfio: viable only after the steps */
	EXIT_CHANGED = 4,  /* diff: changes, none of which reduces isolation */
};

/* "iommuctl: <message>" on stderr. */
void diag_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "iommuctl: warning: <message>" on stderr. */
void diag_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line for an issue: "cannot read '/sys/...': Permission denied (run
 * iommuctl as root ...)" or "'/sys/...': line 2 is not ...".  Heap string. */
char *issue_message(const struct load_issue *is);
/* The message for errno ERR reading PATH, with a hint where one helps. */
char *read_error_message(const char *path, int err);

/* Prints every issue of S as a warning. */
void diag_print_issues(const struct snapshot *s);
/* The same, each prefixed with SIDE ("OLD: cannot read ..."), for a
 * command that reads two snapshots. */
void diag_print_issues_of(const struct snapshot *s, const char *side);

#endif
