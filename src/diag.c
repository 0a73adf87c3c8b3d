/* diag.c - error and warning wording. */
#define _GNU_SOURCE
#include "diag.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void diag_error(const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fputs("iommuctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void diag_warning(const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fputs("iommuctl: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const char *hint_for(const char *path, int err)
{
	if (err == -EACCES || err == -EPERM) {
		if (strncmp(path, "/sys/kernel/debug", 17) == 0)
			return " (run iommuctl as root, with debugfs mounted: mount -t debugfs none /sys/kernel/debug)";
		return " (run iommuctl as root)";
	}
	if (err == -ELOOP)
		return " (a symbolic link loop, or a link that points outside the root)";
	if (err == -EFBIG)
		return " (larger than any kernel attribute: not a sysfs file)";
	if (err == -EAGAIN || err == -ENXIO)
		return " (not a regular file)";
	return "";
}

char *read_error_message(const char *path, int err)
{
	return xasprintf("cannot read '%s': %s%s", path, strerror(-err), hint_for(path, err));
}

char *issue_message(const struct load_issue *is)
{
	if (is->err && is->detail)
		return xasprintf("cannot read '%s' (%s): %s%s", is->path, is->detail, strerror(-is->err),
				 hint_for(is->path, is->err));
	if (is->err)
		return read_error_message(is->path, is->err);
	return xasprintf("'%s': %s", is->path, is->detail ? is->detail : "malformed");
}

void diag_print_issues(const struct snapshot *s)
{
	diag_print_issues_of(s, NULL);
}

void diag_print_issues_of(const struct snapshot *s, const char *side)
{
	for (size_t i = 0; i < s->nissues; i++) {
		char *m = issue_message(&s->issues[i]);
		diag_warning("%s%s%s", side ? side : "", side ? ": " : "", m);
		free(m);
	}
}
