/* render.h - turning a snapshot (and its analysis) into output: human
 * tables and trees through libsmartcols, JSON through jansson.  Renderers
 * never read files; both formats come from the same structs. */
#ifndef IOMMUCTL_RENDER_H
#define IOMMUCTL_RENDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "analysis.h"
#include "isolation.h"
#include "model.h"
#include "vfio.h"

#define IOMMUCTL_SCHEMA_VERSION 2

/* Options of list commands (lsblk's conventions). */
struct list_options {
	const char *columns; /* -o: "A,B" replaces the defaults, "+A,B" adds */
	bool raw;            /* -r */
	bool pairs;          /* -P: KEY="value" */
	bool noheadings;     /* -n */
	bool tree;           /* -t (groups) */
	bool numeric;        /* --numeric: ids instead of names */
	bool color;          /* highlight (a terminal, or --color=always) */
	bool predicted;      /* groups --predict: no type, no reserved regions */
	size_t width;        /* the terminal's width; 0: not a terminal */
};

/* One column of a table, as lsblk's infos[]: its name, libsmartcols width
 * hint and flags, and what it shows (--list-columns). */
struct column_info {
	const char *name;
	double whint;
	int flags;
	unsigned kinds;  /* which tables of a shared set have it (0: all) */
	bool tree_only;  /* only in a tree (groups --tree) */
	const char *help;
};
/* A table's columns: the set it draws from, the bit of its kind in
 * column_info.kinds, and the columns shown by default (in a tree, and not). */
struct column_table {
	const struct column_info *cols;
	size_t ncols;
	unsigned kind;
	bool always_tree;
	const int *defaults;
	size_t ndefaults;
	const int *tree_defaults;
	size_t ntree_defaults;
};
enum list_kind { LIST_GROUPS, LIST_DEVICES, LIST_TOPOLOGY };
extern const struct column_table groups_columns, devices_columns, topology_columns;

/* The columns -o picks (the defaults, replaced by "A,B" or extended by
 * "+A,B"; a tree keeps its column first) into OUT.  Returns their number,
 * or -1 with *WHY (heap) saying what is wrong ("unknown column 'FOO'"). */
int columns_pick(const struct column_table *t, const struct list_options *o, int *out, size_t max, char **why);
/* A libsmartcols table with O's format (-r, -P, -n, colour), which never
 * pads the line after its last cell with something in it. */
struct libscols_table;
struct libscols_table *table_new(const struct list_options *o);
/* Prints TB (consumed).  On a terminal (O->width) it fits the width:
 * libsmartcols shares it out by the columns' width hints, as in lsblk;
 * then the cells of a SCOLS_FL_TRUNC column are cut with "..." and those
 * of a SCOLS_FL_WRAP column broken at words.  Returns 0, or -1. */
int table_print(struct libscols_table *tb, const struct list_options *o);
/* --list-columns of T: a table of names and descriptions (or JSON). */
int render_columns_text(const struct column_table *t, const struct list_options *o);
json_t *json_columns_doc(const struct column_table *t);

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
	/* predicted: the ACS rule the prediction followed */
	const struct acs_request *acs_rule;
	/* per function: selected (-s, -d, operands); NULL: every one.  A
	 * group is shown when it holds a selected function. */
	const bool *selected;
};
/* The ACS rule of a prediction as JSON ({"code", "requested", "certain",
 * "message"}), or null. */
json_t *json_acs_rule(const struct acs_request *r);

/* Whether a list shows group G: it holds a selected function (or nothing
 * is selected). */
bool list_group_shown(const struct list_view *v, const struct iommu_group *g);
/* Whether topology shows host bridge H: a function below it is (SHOWN
 * NULL: all are). */
bool topology_host_shown(const struct snapshot *s, const bool *shown, int h);

/* explain: one explanation per group asked about. */
struct explain_view {
	const struct snapshot *s;
	const struct isolation *iso;
	bool predicted;
	const struct explanation *ex;
	size_t nex;
	const char *names_warning;
};
/* WIDTH: a terminal's, to break the sentences at words; 0: none. */
int render_explain_text(const struct explain_view *v, size_t width);
int json_print_explain(const struct explain_view *v, bool pretty);

/* topology: the PCI hierarchy, with ACS and its verdicts from ISO. */
/* SHOWN: per function, whether it is drawn (a selected function and the
 * bridges above it); NULL: all. */
int render_topology_text(const struct snapshot *s, const struct isolation *iso, const bool *shown,
			 const struct list_options *o);
/* PREDICTED: the verdicts are those the kernel would reach once an IOMMU
 * driver enables ACS (no IOMMU here). */
int json_print_topology(const struct snapshot *s, const struct isolation *iso, const bool *shown, bool predicted,
			const char *names_warning, bool pretty);

/* check-vfio: one verdict per device asked about.  The checks are made one
 * at a time as they are written (CHECK fills OUT for the I-th device; the
 * renderer releases it), so memory stays flat over thousands of functions;
 * TALLY counts the verdicts written. */
struct vfio_tally {
	size_t viable, after_steps, not_viable;
};
struct vfio_view {
	const struct snapshot *s;
	size_t n;
	void (*check)(const struct vfio_view *v, size_t i, struct vfio_check *out);
	const void *ctx;
	const char *names_warning;
	bool numeric;
	size_t width;  /* the terminal's; 0: not a terminal */
};
void vfio_tally_add(struct vfio_tally *t, enum vfio_verdict v);
int render_check_vfio_text(const struct vfio_view *v, struct vfio_tally *tally);
/* --script: the steps of every device as one shell script, commands once
 * each, in order; devices that cannot be made viable are comments. */
int render_check_vfio_script(const struct vfio_view *v, struct vfio_tally *tally);
int json_print_check_vfio(const struct vfio_view *v, bool pretty, struct vfio_tally *tally);

/* "Red Hat, Inc. Virtio network device" (lspci's wording when a name is
 * missing), or "1af4:1041" when NUMERIC.  Heap string. */
char *device_name_text(const struct pci_device *d, bool numeric);

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
/* The "warnings" array every document ends with: the snapshot's load
 * issues ({"path", "message"}) and the names warning (path null). */
json_t *json_warnings(const struct snapshot *s, const char *names_warning);
/* swiotlb stats and devices (render-swiotlb.c); WHEN: the sample's time
 * under --watch, else NULL. */
struct swiotlb_report;
struct swiotlb_device;
int render_swiotlb_stats_text(const struct snapshot *s, const struct swiotlb_report *r, size_t width);
json_t *json_swiotlb(const struct swiotlb_report *r);
int json_print_swiotlb_stats(const struct snapshot *s, const struct swiotlb_report *r, const char *names_warning,
			     const char *when, bool pretty);
int render_swiotlb_prometheus(const struct swiotlb_report *r);
int render_swiotlb_devices_text(const struct snapshot *s, const struct swiotlb_report *r,
				const struct swiotlb_device *d, size_t n, const struct list_options *o);
int json_print_swiotlb_devices(const struct snapshot *s, const struct swiotlb_report *r,
			       const struct swiotlb_device *d, size_t n, const char *names_warning, bool pretty);
/* Small builders: S or null; V when KNOWN, else null; a 1/0/-1 flag as
 * true/false/null. */
json_t *json_str_or_null(const char *s);
json_t *json_int_if(bool known, long long v);
json_t *json_tri(int v);
/* Quantities of the address space, exact in every JSON reader (jq 1.6 and
 * JavaScript keep integers exact only up to 2^53): an address, mask or
 * register as "0x" and 16 hex digits; the size of the range START..END
 * (inclusive, up to the whole 2^64) and any other byte count of the
 * address space as "0x" and hex digits without padding.  Schema 2. */
json_t *json_addr(uint64_t v);
json_t *json_addr_if(bool known, uint64_t v);
json_t *json_hex_size(uint64_t v);
json_t *json_range_size(uint64_t start, uint64_t end);
/* S as a JSON string; bytes that are not UTF-8 become '?'. */
json_t *json_string_lossy(const char *s);

/* cmdline (render-cmdline.c): SOURCE is "/proc/cmdline" or "--cmdline";
 * WIDTH a terminal's width (0: none).  WARNINGS (consumed) may be NULL. */
struct iommu_cmdline;
int render_cmdline_text(const char *cmdline, const char *source, const struct iommu_cmdline *c, size_t width);
int json_print_cmdline(const char *cmdline, const char *source, const struct iommu_cmdline *c, json_t *warnings,
		       bool pretty);
/* dma-path (render-dmapath.c) */
struct dma_path_request;
struct dma_path;
int render_dma_path_text(const struct snapshot *s, const struct dma_path_request *q, const struct dma_path *p,
			 bool numeric, size_t width);
int json_print_dma_path(const struct snapshot *s, const struct dma_path_request *q, const struct dma_path *p,
			const char *names_warning, bool pretty);
/* The "effective" object: the settings in force. */
json_t *json_cmdline_effective(const struct iommu_cmdline *c);
/* TEXT broken into lines of at most WIDTH characters at spaces (a longer
 * word gets a line of its own).  Heap string. */
char *text_word_wrap(const char *text, size_t width);
/* Prints FIRST then TEXT on F, broken at words so that no line passes
 * WIDTH (0: one line), the lines after the first led by REST (NULL: as many
 * blanks as FIRST is wide); a newline ends it. */
void print_wrapped(FILE *f, const char *first, const char *rest, const char *text, size_t width);
/* A column whose cells were broken with text_word_wrap: it wraps at their
 * newlines (which it prints as they are).  0, or -1. */
struct libscols_column;
int render_wrap_column(struct libscols_column *cl);
/* "Label:      TEXT" on stdout: LABEL padded to LABELW columns, TEXT
 * broken at words for WIDTH, its other lines under it. */
void print_field(const char *label, size_t labelw, const char *text, size_t width);
/* The width of the terminal on standard output, or 0 when it is not one. */
size_t terminal_width(void);

/* Prints DOC (consumed) on stdout, indented if PRETTY.  Returns 0 or -1. */
int json_print(json_t *doc, bool pretty);
/* The same with reals written to PRECISION significant digits (0: enough
 * to read back the same double), for measured fractions such as 3.3. */
int json_print_real(json_t *doc, bool pretty, int precision);

#endif
