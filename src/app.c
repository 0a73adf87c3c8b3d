/* app.c - what the commands share: loading with error reporting, global
 * options after a command, help, and the list commands' options. */
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

bool app_global_option(struct app *app, int opt, const char *arg)
{
	switch (opt) {
	case OPT_ROOT:
		app->root = arg;
		return true;
	case 'j':
		app->json = true;
		return true;
	case 'p':
		app->json = app->pretty = true;
		return true;
	case OPT_NUMERIC:
		app->numeric = true;
		return true;
	case OPT_PCI_IDS:
		app->pci_ids = arg;
		return true;
	default:
		return false;
	}
}

void app_command_help(const struct command *cmd)
{
	printf("Usage: iommuctl [GLOBAL OPTIONS] %s %s\n\n%s\n", cmd->name, cmd->args, cmd->summary);
	for (const struct opt_help *h = cmd->help; h && h->spec; h++)
		if (h->spec[0] != '-' && h->spec[0] != ' ')
			printf("%s  %-22s %s\n", h == cmd->help ? "\nArguments:\n" : "", h->spec, h->help);
	printf("\nOptions:\n");
	for (const struct opt_help *h = cmd->help; h && h->spec; h++)
		if (h->spec[0] == '-' || h->spec[0] == ' ')
			printf("  %-22s %s\n", h->spec, h->help);
	printf("  %-22s %s\n", "-j, --json", "JSON output");
	printf("  %-22s %s\n", "-p, --pretty", "indented JSON output (implies --json)");
	printf("  %-22s %s\n", "    --root DIR", "read the system from DIR (a snapshot) instead of /");
	printf("  %-22s %s\n", "    --numeric", "show ids instead of names");
	printf("  %-22s %s\n", "    --pci-ids FILE", "take names from this pci.ids file");
	printf("  %-22s %s\n", "-h, --help", "show this help");
	printf("\nSee iommuctl(8) for the columns, the JSON format and exit statuses.\n");
}

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
		fprintf(stderr, "iommuctl %s: %s (see iommuctl %s %s)\n", app->cmd->name, msg ? msg : "", app->cmd->name,
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

int app_other_option(struct app *app, int opt, char **argv)
{
	if (opt == 'h') {
		app_command_help(app->cmd);
		return EXIT_OK;
	}
	if (opt == ':')
		return app_usage_error(app, "option '%s' needs an argument", argv[optind - 1]);
	return app_usage_error(app, "unknown option '%s'", argv[optind - 1]);
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
		err = sysroot_open(root, sr);
		if (err && !strcmp(what, "--root"))
			return app_fail(app, EXIT_ENV, "cannot open root directory '%s': %s", root, strerror(-err));
		if (err)
			return app_fail(app, EXIT_ENV, "cannot open %s '%s': %s", what, root, strerror(-err));
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

bool app_parse_device(const char *arg, struct pci_addr *a)
{
	char *full;
	bool ok;
	if (pci_addr_parse(arg, a))
		return true;
	full = xasprintf("0000:%s", arg);
	ok = pci_addr_parse(full, a);
	free(full);
	return ok;
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

/* ---- list commands ------------------------------------------------------ */

int app_parse_list_options(struct app *app, enum list_kind kind, int argc, char **argv, struct list_request *req)
{
	const struct command *cmd = app->cmd;
	int opt;
	char *bad = NULL;

	memset(req, 0, sizeof(*req));
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, cmd->shortopts, cmd->options, NULL)) != -1) {
		if (app_global_option(app, opt, optarg))
			continue;
		switch (opt) {
		case 'o':
			req->lo.columns = optarg;
			break;
		case 'r':
			req->lo.raw = true;
			break;
		case 'P':
			req->lo.pairs = true;
			break;
		case 'n':
			req->lo.noheadings = true;
			break;
		case 't':
			req->lo.tree = true;
			break;
		case OPT_LIST_COLUMNS:
			req->list_columns = true;
			break;
		case OPT_PREDICT:
			req->predict = true;
			break;
		case OPT_WHY:
			req->why = true;
			break;
		case 'h':
			app_command_help(cmd);
			return EXIT_OK;
		case ':':
			return app_usage_error(app, "option '%s' needs an argument", argv[optind - 1]);
		default:
			return app_usage_error(app, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return app_usage_error(app, "unexpected argument '%s'", argv[optind]);
	if (req->lo.raw && req->lo.pairs)
		return app_usage_error(app, "--raw and --pairs cannot be combined");
	if (!columns_valid(kind, &req->lo, &bad)) {
		int rc = app_usage_error_see(app, "--list-columns", "%s", bad);
		free(bad);
		return rc;
	}
	req->lo.numeric = app->numeric;
	req->lo.predicted = req->predict;
	/* NO_COLOR (no-color.org): any non-empty value turns colour off */
	req->lo.color = !app->json && isatty(STDOUT_FILENO) && !(getenv("NO_COLOR") && *getenv("NO_COLOR"));
	if (req->list_columns) {
		int rc = app->json ? json_print(json_columns_doc(kind), app->pretty) : render_columns_text(kind, &req->lo);
		return rc < 0 ? app_fail(app, EXIT_ENV, "cannot write the output") : EXIT_OK;
	}
	return -1;
}

/* P: whether an IOMMU is active, judged before any predicted groups were
 * put in S. */
static int render_list(struct app *app, enum list_kind kind, const struct list_request *req, const struct snapshot *s,
		       const struct group_why *why, struct iommu_presence *p, const struct acs_request *acs_rule)
{
	struct list_view v = {s, p, req->predict, why, names_warning(app->names), req->predict ? acs_rule : NULL};
	int rc;

	app_print_warnings(app, s);
	if (app->json)
		rc = kind == LIST_GROUPS ? json_print_groups(&v, app->pretty) : json_print_devices(&v, app->pretty);
	else
		rc = kind == LIST_GROUPS ? render_groups_text(&v, &req->lo) : render_devices_text(&v, &req->lo);
	iommu_presence_release(p);
	if (rc < 0)
		return app_output_failed(app);
	return EXIT_OK;
}

int app_load_isolation(struct app *app, struct snapshot *s, struct isolation *iso, bool predict)
{
	struct prediction probe;
	int rc = app_load(app, SNAP_LOAD_ISOLATION, s);
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

int app_run_list(struct app *app, enum list_kind kind, int argc, char **argv)
{
	struct list_request req;
	struct snapshot s;
	struct isolation iso;
	struct prediction pred;
	struct group_why *why = NULL;
	struct iommu_presence presence;
	size_t nwhy = 0;
	int rc = app_parse_list_options(app, kind, argc, argv, &req);
	if (rc >= 0)
		return rc;
	if (!req.predict && !req.why) {
		rc = app_load(app, 0, &s);
		if (rc == EXIT_OK) {
			iommu_presence_analyse(&s, &presence);
			rc = render_list(app, kind, &req, &s, NULL, &presence, NULL);
		}
		snapshot_release(&s);
		return rc;
	}
	rc = app_load_isolation(app, &s, &iso, req.predict);
	if (rc != EXIT_OK) {
		snapshot_release(&s);
		return rc;
	}
	iommu_presence_analyse(&s, &presence);
	predict_groups(&iso, &pred);
	if (req.predict)
		prediction_apply(&pred, &s);
	if (req.why) {
		why = groups_why(&iso, &pred);
		nwhy = s.ngrp;
	}
	rc = render_list(app, kind, &req, &s, why, &presence, &iso.acs_req);
	for (size_t i = 0; i < nwhy; i++) {
		free(why[i].summary);
		strvec_release(&why[i].codes);
	}
	free(why);
	prediction_release(&pred);
	isolation_release(&iso);
	snapshot_release(&s);
	return rc;
}
