/* render.h - turning a snapshot (and its analysis) into output: human
 * tables and trees through libsmartcols, JSON through jansson.  Renderers
 * never read files; both formats come from the same structs. */
#ifndef IOMMUCTL_RENDER_H
#define IOMMUCTL_RENDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "analysis.h"
#include "isolation.h"
#include "model.h"

#define IOMMUCTL_SCHEMA_VERSION 1

/* Options of list commands (lsblk's conventions). */
struct list_options {
	const char *columns; /* -o: "A,B" replaces the defaults, "+A,B" adds */
	bool raw;            /* -r */
	bool pairs;          /* -P: KEY="value" */
	bool noheadings;     /* -n */
	bool tree;           /* -t (groups) */
	bool numeric;        /* --numeric: ids instead of names */
	bool color;          /* highlight shared groups (a terminal) */
	bool predicted;      /* groups --predict: no type, no reserved regions */
};

enum list_kind { LIST_GROUPS, LIST_DEVICES, LIST_TOPOLOGY };

/* Checks a -o specification.  Returns false and sets *why (heap) to what is
 * wrong with it ("unknown column 'FOO'"). */
bool columns_valid(enum list_kind kind, const struct list_options *o, char **why);

/* --list-columns for KIND: a table of names and descriptions (or JSON). */
int render_columns_text(enum list_kind kind, const struct list_options *o);
json_t *json_columns_doc(enum list_kind kind);

/* Why a group holds more than one device (groups --why). */
struct group_why {
	char *summary; /* one sentence */
	struct strvec codes;
};

/* What a list command shows: the snapshot (whose groups are the kernel's,
 * or predicted ones), whether an IOMMU is active, and optional reasons. */
struct list_view {
	const struct snapshot *s;
	const struct iommu_presence *presence;
	bool predicted;
	const struct group_why *why; /* indexed like s->grp; NULL without --why */
	const char *names_warning;
};

/* explain: one explanation per group asked about. */
struct explain_view {
	const struct snapshot *s;
	const struct isolation *iso;
	bool predicted;
	const struct explanation *ex;
	size_t nex;
	const char *names_warning;
};
int render_explain_text(const struct explain_view *v);
int json_print_explain(const struct explain_view *v, bool pretty);

/* topology: the PCI hierarchy, with ACS and its verdicts from ISO. */
int render_topology_text(const struct snapshot *s, const struct isolation *iso, const struct list_options *o);
/* PREDICTED: the verdicts are those the kernel would reach once an IOMMU
 * driver enables ACS (no IOMMU here). */
int json_print_topology(const struct snapshot *s, const struct isolation *iso, bool predicted, const char *names_warning,
			bool pretty);

/* Human output.  Returns 0, or -1 if libsmartcols failed. */
int render_groups_text(const struct list_view *v, const struct list_options *o);
int render_devices_text(const struct list_view *v, const struct list_options *o);

/* The groups and devices documents ({"schema_version": 1, ...}), written
 * to stdout a member at a time (memory stays flat on hosts with thousands
 * of functions); warnings are the snapshot's issues plus the names
 * warning.  Return 0 or -1 (a write error). */
int json_print_groups(const struct list_view *v, bool pretty);
int json_print_devices(const struct list_view *v, bool pretty);
json_t *json_error_doc(const char *message, int exit_status);
/* Prints DOC (consumed) on stdout, indented if PRETTY.  Returns 0 or -1. */
int json_print(json_t *doc, bool pretty);

#endif
