/* app.c - what the commands share once the parser has run: errors, help
 * text from the option rows, loading with error reporting, the terminal,
 * tables' options and the selection of functions. */
#define _GNU_SOURCE
#include "cmd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analysis.h"
#include "diag.h"

const char *const output_format_ids[] = {"text", "prometheus", NULL};

const struct cmd_operand group_or_device_operand = {
	.name = "GROUP|BDF",
	.kind = OPERAND_GROUP_OR_DEVICE,
	.help = "only this group, or the group of this function (0000:05:00.0, 05:00.0 or 5:0.0)",
};

const struct cmd_operand one_device_operand = {
	.name = "BDF",
	.kind = OPERAND_DEVICE,
	.max = 1,
	.help = "the device: 0000:01:00.0, or 01:00.0 (1:0.0) in domain 0",
};

/* ---- help ---------------------------------------------------------------------- */

void print_option_help(FILE *f, const struct cmd_option *rows, const struct command *cmd, size_t width)
{
	for (const struct cmd_option *o = rows; o->name; o++) {
		bool has_short = o->short_name && !(cmd && (o->flags & OPTF_SHORT_BEFORE));
		char *spec;
		if (cmd && (o->flags & OPTF_BEFORE_COMMAND))
			continue;
		if (has_short)
			spec = xasprintf("  -%c, --%s%s%s", o->short_name, o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		else
			spec = xasprintf("      --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		if (strlen(spec) > 24) {
			fprintf(f, "%s\n", spec);
			print_wrapped(f, "                         ", "                         ", o->help, width);
		} else {
			char *first = xasprintf("%-24s ", spec);
			print_wrapped(f, first, "                         ", o->help, width);
			free(first);
		}
		free(spec);
	}
}

/* ---- errors ---------------------------------------------------------------------- */

/* The format attribute lets clang's -Wformat-nonliteral (make fuzz) check the
 * callers' formats instead of rejecting FMT. */
__attribute__((format(printf, 3, 0))) static int usage_error(struct app *app, const char *see, const char *fmt,
							     va_list ap)
{
	char *msg;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	fflush(stdout);
	if (app->cmd)
		fprintf(stderr, "iommuctl %s: %s (see iommuctl %s %s)\n", app->cmd_name, msg ? msg : "", app->cmd_name,
			see);
	else
		fprintf(stderr, "iommuctl: %s (see iommuctl %s)\n", msg ? msg : "", see);
	if (app->json && msg)
		json_print(json_error_doc(msg, EXIT_USAGE), app->pretty);
	free(msg);
	return EXIT_USAGE;
}

int app_usage_error(struct app *app, const char *fmt, ...)
{
	va_list ap;
	int rc;
	va_start(ap, fmt);
	rc = usage_error(app, "--help", fmt, ap);
	va_end(ap);
	return rc;
}

int app_usage_error_see(struct app *app, const char *see, const char *fmt, ...)
{
	va_list ap;
	int rc;
	va_start(ap, fmt);
	rc = usage_error(app, see, fmt, ap);
	va_end(ap);
	return rc;
}

int app_fail(struct app *app, int status, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	diag_error("%s", msg ? msg : "error");
	if (app->json && msg)
		json_print(json_error_doc(msg, status), app->pretty);
	free(msg);
	return status;
}

int app_output_failed(struct app *app)
{
	return app_fail(app, EXIT_ENV, "cannot write the output: %s", strerror(errno ? errno : EIO));
}

const struct pci_device *app_find_device(struct app *app, const struct snapshot *s, const struct pci_addr *a, int *rc)
{
	const struct pci_device *d = snapshot_find_device(s, a);
	if (!d) {
		char bdf[PCI_BDF_MAX];
		pci_addr_format(a, bdf);
		*rc = app_usage_error(app, "there is no PCI function %s", bdf);
	}
	return d;
}

/* ---- loading ----------------------------------------------------------------------- */

/* The same for ROOT, which WHAT names in messages ("--root", "OLD"). */
static int root_failed(struct app *app, const char *root, const char *what, int err, char *why)
{
	bool is_root = !strcmp(what, "--root");
	int rc = why ? app_fail(app, EXIT_ENV, "cannot read the snapshot archive '%s'%s%s%s: %s", root,
				is_root ? "" : " (", is_root ? "" : what, is_root ? "" : ")", why)
	       : is_root ? app_fail(app, EXIT_ENV, "cannot open root directory '%s': %s", root, strerror(-err))
			 : app_fail(app, EXIT_ENV, "cannot open %s '%s': %s", what, root, strerror(-err));
	free(why);
	return rc;
}

int app_root_failed(struct app *app, int err, char *why)
{
	return root_failed(app, app->root, "--root", err, why);
}

/* A snapshot carries the names its machine showed (.iommuctl/pci.ids):
 * copied into a memfd so that libpci reads the file found inside the root,
 * however the root's links point. */
static int snapshot_names_fd(struct sysroot *sr)
{
	struct buf b;
	int fd = -1;
	buf_init(&b);
	if (sr_read(sr, ".iommuctl/pci.ids", 64u << 20, 0, &b) == 0) {
		fd = memfd_create("iommuctl-pci.ids", MFD_CLOEXEC);
		if (fd >= 0 && write(fd, b.data ? b.data : "", b.len) != (ssize_t)b.len) {
			close(fd);
			fd = -1;
		}
	}
	buf_release(&b);
	return fd;
}

int app_load(struct app *app, unsigned flags, struct snapshot *s)
{
	return app_load_root(app, app->root, "--root", &app->sr, flags, s);
}

int app_load_root(struct app *app, const char *root, const char *what, struct sysroot **sr, unsigned flags,
		  struct snapshot *s)
{
	struct names_options no;
	int err;

	snapshot_init(s);
	if (!*sr) {
		char *why = NULL;
		err = sysroot_open_why(root, sr, &why);
		if (err)
			return root_failed(app, root, what, err, why);
	}
	err = snapshot_load(*sr, flags, s);
	if (err)
		return app_fail(app, EXIT_ENV, "cannot read '/sys': %s (%s%s%s)", strerror(-err),
				sysroot_is_live(*sr) ? "is sysfs mounted?" : "is ", sysroot_is_live(*sr) ? "" : what,
				sysroot_is_live(*sr) ? "" : " a directory made by 'iommuctl snapshot'?");
	no.pci_ids = app->pci_ids ? app->pci_ids : getenv("IOMMUCTL_PCI_IDS");
	if (no.pci_ids && !*no.pci_ids)
		no.pci_ids = NULL;
	no.live = sysroot_is_live(*sr);
	no.numeric = app->numeric;
	if (!app->names) {
		/* (a second root, diff's OLD, takes the names of the first) */
		if (app->names_fd < 0 && !no.pci_ids && !no.live && !no.numeric)
			app->names_fd = snapshot_names_fd(*sr);
		no.snapshot_ids_fd = app->names_fd;
		app->names = names_open(&no);
	}
	names_resolve(app->names, s);
	return EXIT_OK;
}

bool app_load_platform(struct app *app, struct snapshot *s)
{
	snapshot_init(s);
	if (!app->sr && sysroot_open(app->root, &app->sr))
		return false;
	return snapshot_load(app->sr, SNAP_LOAD_CMDLINE_ONLY, s) == 0;
}

void app_print_warnings(const struct app *app, const struct snapshot *s)
{
	diag_print_issues(s);
	if (app->names && names_warning(app->names))
		diag_warning("%s", names_warning(app->names));
}

void app_release(struct app *app)
{
	names_free(app->names);
	app->names = NULL;
	sysroot_free(app->sr);
	app->sr = NULL;
	if (app->names_fd >= 0)
		close(app->names_fd);
	app->names_fd = -1;
}

/* ---- the terminal -------------------------------------------------------------------- */

bool app_color(const struct app *app)
{
	const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
	if (app->json || app->color == COLOR_NEVER)
		return false;
	if (app->color == COLOR_ALWAYS)
		return true;
	/* NO_COLOR (no-color.org): any non-empty value turns colour off */
	return isatty(STDOUT_FILENO) && !(no_color && *no_color) && !(term && !strcmp(term, "dumb"));
}

size_t app_width(const struct app *app)
{
	(void)app;
	return terminal_width();
}

int app_table_options(struct app *app, struct request *req)
{
	const struct column_table *table = app->cmd->columns;
	struct list_options *lo = &req->lo;
	char *bad = NULL;
	int cols[64];

	if (lo->raw && lo->pairs)
		return app_usage_error(app, "--raw and --pairs cannot be combined");
	if (table && columns_pick(table, lo, cols, ARRAY_SIZE(cols), &bad) < 0) {
		int rc = app_usage_error_see(app, "--list-columns", "%s", bad);
		free(bad);
		return rc;
	}
	lo->numeric = app->numeric;
	lo->color = app_color(app);
	lo->width = lo->raw || lo->pairs ? 0 : app_width(app);
	if (table && req->list_columns) {
		int rc = app->json ? json_print(json_columns_doc(table), app->pretty) : render_columns_text(table, lo);
		return rc < 0 ? app_output_failed(app) : EXIT_OK;
	}
	return -1;
}

/* ---- the selection ----------------------------------------------------------------------- */

/* The -s and -d parsers (OPT_VALUE rows writing struct pci_select). */
bool parse_slot_filter(const char *arg, void *field)
{
	return pci_select_parse_slot(field, arg) == NULL;
}

bool parse_id_filter(const char *arg, void *field)
{
	return pci_select_parse_id(field, arg) == NULL;
}

static bool filter_set(const struct pci_select *f)
{
	return f->domain >= 0 || f->bus >= 0 || f->slot >= 0 || f->func >= 0 || f->vendor >= 0 || f->device >= 0 ||
	       f->device_class >= 0 || f->prog_if >= 0;
}

/* The operands that name groups or functions. */
static size_t selecting_operands(const struct request *req)
{
	return req->operands_select ? req->noperands : 0;
}

bool request_narrowed(const struct request *req)
{
	return selecting_operands(req) || filter_set(&req->filter);
}

static bool filter_matches(const struct pci_select *f, const struct pci_device *d)
{
	bool ident = d->ident_known && (d->class_known || (f->device_class < 0 && f->prog_if < 0));
	return pci_select_match(f, &d->addr, ident ? &d->ident : NULL);
}

/* Function I named by an operand: listed once, in the order named. */
static void name_device(struct selection *sel, bool *named, size_t i)
{
	if (named[i])
		return;
	named[i] = true;
	sel->named[sel->nnamed++] = i;
}

int app_select(struct app *app, const struct request *req, const struct snapshot *s, unsigned flags, bool predicted,
	       struct selection *sel)
{
	size_t nops = selecting_operands(req);
	bool *named;
	memset(sel, 0, sizeof(*sel));
	sel->dev = xcalloc(s->ndev + 1, sizeof(*sel->dev));
	sel->named = xcalloc(s->ndev + 1, sizeof(*sel->named));
	sel->groups = xcalloc(nops + 1, sizeof(*sel->groups));
	named = xcalloc(s->ndev + 1, sizeof(*named));
	for (size_t i = 0; i < nops; i++) {
		const char *arg = req->operands[i];
		struct pci_addr a;
		int gid;
		if (is_decimal(arg)) {
			const struct iommu_group *g;
			if (!parse_int(arg, &gid) || !(g = snapshot_find_group(s, gid))) {
				free(named);
				selection_release(sel);
				return app_usage_error(app, "there is no %sIOMMU group %s", predicted ? "predicted " : "", arg);
			}
			sel->groups[sel->ngroups++] = gid;
			for (size_t m = 0; m < g->ndev; m++)
				name_device(sel, named, g->dev[m]);
		} else {
			const struct pci_device *d;
			pci_addr_parse_lenient(arg, &a);
			if (!(d = snapshot_find_device(s, &a))) {
				free(named);
				selection_release(sel);
				return app_usage_error(app, "there is no PCI function %s", arg);
			}
			name_device(sel, named, (size_t)(d - s->dev));
		}
	}
	if ((flags & SELECT_SUBTREE) && nops)
		/* parents come before their children: one pass down */
		for (size_t i = 0; i < s->ndev; i++)
			for (int up = s->dev[i].parent; up >= 0 && !named[i]; up = s->dev[up].parent)
				named[i] = named[up];
	for (size_t i = 0; i < s->ndev; i++)
		sel->dev[i] = (!nops || named[i]) && filter_matches(&req->filter, &s->dev[i]);
	/* the named functions the filter keeps, in their order */
	{
		size_t kept = 0;
		for (size_t k = 0; k < sel->nnamed; k++)
			if (sel->dev[sel->named[k]])
				sel->named[kept++] = sel->named[k];
		sel->nnamed = kept;
	}
	if (flags & SELECT_ANCESTORS)
		for (size_t i = 0; i < s->ndev; i++)
			for (int up = sel->dev[i] ? s->dev[i].parent : -1; up >= 0 && !sel->dev[up]; up = s->dev[up].parent)
				sel->dev[up] = true;
	sel->narrowed = request_narrowed(req);
	free(named);
	return EXIT_OK;
}

void selection_release(struct selection *sel)
{
	free(sel->dev);
	free(sel->named);
	free(sel->groups);
	memset(sel, 0, sizeof(*sel));
}

/* ---- isolation and the list commands ------------------------------------------------- */

int app_load_isolation(struct app *app, unsigned flags, struct snapshot *s, struct isolation *iso, bool predict)
{
	struct prediction probe;
	int rc = app_load(app, flags | SNAP_LOAD_ISOLATION, s);
	if (rc != EXIT_OK)
		return rc;
	isolation_choose(iso, s, predict);
	predict_groups(iso, &probe);
	if (!probe.complete) {
		const struct pci_device *d = &s->dev[probe.unknown_dev];
		prediction_release(&probe);
		isolation_release(iso);
		app_print_warnings(app, s);
		if (s->from_lspci) {
			unsigned u = d->unknown;
			return app_fail(app, EXIT_ENV,
					"cannot tell how the kernel isolates %s: the lspci dump the snapshot was built from "
					"does not say %s (see the warnings about /.iommuctl/lspci)",
					d->bdf,
					u & (1u << PROV_PLACEMENT)    ? "where it sits in the PCI hierarchy"
					: u & (1u << PROV_IDS)        ? "its vendor and device ids"
					: u & (1u << PROV_CAPABILITIES) ? "its capabilities"
					: u & (1u << PROV_ACS)        ? "its ACS controls"
								      : "enough of it");
		}
		/* 64 bytes is what an unprivileged read gives; anything else
		 * is a broken file, said in the warnings */
		if (d->config_len == PCI_CFG_HEADER_SIZE)
			return app_fail(app, EXIT_ENV,
					"cannot tell how the kernel isolates %s: its configuration space past 64 bytes (the "
					"PCIe and ACS capabilities) is readable only by root (run iommuctl as root)",
					d->bdf);
		return app_fail(app, EXIT_ENV,
				"cannot tell how the kernel isolates %s: its configuration space could not be read (see the "
				"warning about its config)",
				d->bdf);
	}
	prediction_release(&probe);
	return EXIT_OK;
}

/* --why: one sentence per group of several devices. */
static struct group_why *groups_why(const struct isolation *iso, const struct prediction *pred)
{
	const struct snapshot *s = iso->s;
	struct group_why *why = xcalloc(s->ngrp + 1, sizeof(*why));
	for (size_t i = 0; i < s->ngrp; i++) {
		struct explanation e;
		strvec_init(&why[i].codes);
		if (group_member_count(&s->grp[i]) < 2)
			continue;
		explain_group(iso, pred, s->grp[i].id, &e);
		why[i].summary = explanation_sentence(s, &e);
		for (size_t r = 0; r < e.nreasons; r++)
			if (!strvec_contains(&why[i].codes, e.reasons[r].code))
				strvec_push(&why[i].codes, e.reasons[r].code);
		explanation_release(&e);
	}
	return why;
}

int app_run_list(struct app *app, struct request *req, enum list_kind kind, bool predict, bool why_asked)
{
	struct snapshot s;
	struct isolation iso;
	struct prediction pred;
	struct group_why *why = NULL;
	struct iommu_presence presence;
	struct selection sel = {0};
	size_t nwhy = 0;
	bool isolation = predict || why_asked;
	int rc = app_table_options(app, req);

	if (rc >= 0)
		return rc;
	req->lo.predicted = predict;
	rc = isolation ? app_load_isolation(app, req->load, &s, &iso, predict) : app_load(app, req->load, &s);
	if (rc != EXIT_OK) {
		snapshot_release(&s);
		return rc;
	}
	iommu_presence_analyse(&s, &presence);
	if (isolation) {
		predict_groups(&iso, &pred);
		if (predict)
			prediction_apply(&pred, &s);
		if (why_asked) {
			why = groups_why(&iso, &pred);
			nwhy = s.ngrp;
		}
	}
	rc = app_select(app, req, &s, 0, predict, &sel);
	if (rc == EXIT_OK) {
		struct list_view v = {.s = &s,
				      .presence = &presence,
				      .predicted = predict,
				      .why = why,
				      .names_warning = names_warning(app->names),
				      .acs_rule = predict ? &iso.acs_req : NULL,
				      .selected = sel.narrowed ? sel.dev : NULL};
		app_print_warnings(app, &s);
		if (app->json)
			rc = kind == LIST_GROUPS ? json_print_groups(&v, app->pretty) : json_print_devices(&v, app->pretty);
		else
			rc = kind == LIST_GROUPS ? render_groups_text(&v, &req->lo) : render_devices_text(&v, &req->lo);
		rc = rc < 0 ? app_output_failed(app) : EXIT_OK;
	}
	selection_release(&sel);
	iommu_presence_release(&presence);
	for (size_t i = 0; i < nwhy; i++) {
		free(why[i].summary);
		strvec_release(&why[i].codes);
	}
	free(why);
	if (isolation) {
		prediction_release(&pred);
		isolation_release(&iso);
	}
	snapshot_release(&s);
	return rc;
}
