/* cmd-snapshot.c - `iommuctl snapshot DEST`: copy everything iommuctl reads
 * into DEST (a directory, one archive, or a tar on standard output),
 * mirroring the root, so that `iommuctl --root DEST X` prints what
 * `iommuctl X` printed here.  The copy is made by loading the system with
 * sysroot recording every file, link and directory it reads: what is copied
 * is by construction what is read, and nothing else. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "diag.h"
#include "lspci-sysfs.h"
#include "lspci.h"

#ifndef IOMMUCTL_VERSION
#define IOMMUCTL_VERSION "unknown"
#endif

/* --from-lspci FILE, up to twice (-vvnn text, a -xxxx hex dump) */
struct lspci_files {
	const char *v[2];
	int n; /* as often as given */
};

struct snapshot_options {
	bool force;
	struct lspci_files lspci;
};

static bool add_lspci_file(const char *arg, void *field)
{
	struct lspci_files *f = field;
	if (f->n < 2)
		f->v[f->n] = arg;
	f->n++;
	return true;
}

static const struct cmd_option snapshot_options[] = {
	{.name = "force", .kind = OPT_FLAG, OWN_FIELD(struct snapshot_options, force),
	 .help = "replace the snapshot DEST holds (only a directory or archive iommuctl snapshot wrote)"},
	{.name = "from-lspci", .kind = OPT_VALUE, .arg = "FILE", OWN_FIELD(struct snapshot_options, lspci),
	 .parse = add_lspci_file, .complete = COMPLETE_FILE,
	 .help = "build it from lspci -vvnn and/or -xxxx output (- for stdin; twice: text and hex)"},
	OPTIONS_END,
};

static const struct cmd_operand dir_operand = {
	.name = "DEST",
	.kind = OPERAND_FILE,
	.min = 1,
	.max = 1,
	.missing = "missing where to write the snapshot (a directory, FILE.tar.zst or -)",
	.help = "where to write the snapshot: a new or empty directory; FILE.tar, .tar.gz, .tar.xz or .tar.zst: one "
		"archive; -: a tar on standard output",
};

/* "Read it with: iommuctl --root DIR groups" */
static void print_read_with(const struct app *app, const char *dir)
{
	char *text = xasprintf("iommuctl --root %s groups", dir);
	print_wrapped(stdout, "Read it with: ", "  ", text, app_width(app));
	free(text);
}

/* sysroot_record_begin's refusals, as usage errors or the failure they are. */
static int record_begin_failed(struct app *app, const char *dir, int err, bool force)
{
	bool archive = sysroot_record_form(dir) != SR_RECORD_DIR;
	if (err == -ENOTEMPTY)
		return app_usage_error(app, "'%s' is not empty: give a new or empty directory, or --force to replace a snapshot", dir);
	if (err == -EEXIST && archive && !force)
		return app_usage_error(app, "'%s' exists: give a new name, or --force to replace a snapshot", dir);
	if (err == -EEXIST && archive)
		return app_usage_error(app, "'%s' exists and is not a snapshot archive: --force replaces only a snapshot", dir);
	if (err == -EEXIST)
		return app_usage_error(app, "'%s' is not empty and holds no snapshot: --force replaces only a snapshot", dir);
	if (err == -ENOTDIR)
		return app_usage_error(app, "'%s' exists and is not a directory", dir);
	if (err == -EISDIR)
		return app_usage_error(app, "'%s' is a directory: a name ending in .tar, .tar.gz, .tar.xz or .tar.zst is an archive to write", dir);
	if (err == -ENOTTY)
		return app_usage_error(app, "standard output is a terminal: send the tar archive to a file or a pipe");
	return app_fail(app, EXIT_ENV, "cannot create %s beside '%s': %s", archive ? "a file" : "a directory", dir,
			strerror(-err));
}

/* Reads and parses one dump; EXIT_OK or the status after saying why not. */
static int read_dump(struct app *app, const char *file, struct lspci_dump *d)
{
	struct buf b;
	struct lspci_error e;
	const char *shown = strcmp(file, "-") == 0 ? "standard input" : file;
	int err, rc = EXIT_OK;

	buf_init(&b);
	err = sysroot_read_input(file, LSPCI_INPUT_MAX, &b);
	if (err == -EFBIG)
		rc = app_fail(app, EXIT_USAGE, "'%s' is larger than %u MiB: not an lspci dump", shown, LSPCI_INPUT_MAX >> 20);
	else if (err)
		rc = app_fail(app, EXIT_ENV, "cannot read '%s': %s", shown, strerror(-err));
	else if (!lspci_parse(b.data ? b.data : "", b.len, d, &e)) {
		if (e.line)
			rc = app_fail(app, e.status, "'%s' line %u: %s", shown, e.line, e.message);
		else
			rc = app_fail(app, e.status, "'%s': %s", shown, e.message);
		lspci_error_release(&e);
	}
	buf_release(&b);
	return rc;
}

/* snapshot --from-lspci FILE [--from-lspci FILE] DIR */
static int snapshot_from_lspci(struct app *app, const char *const *files, int nfiles, const char *dir, bool force)
{
	struct lspci_dump dump, more;
	struct lspci_error e;
	struct sysfs_tree t;
	struct buf ids;
	char *ids_path, *input, *errpath = NULL;
	int rc, err;

	rc = read_dump(app, files[0], &dump);
	if (rc != EXIT_OK)
		return rc;
	if (nfiles > 1) {
		rc = read_dump(app, files[1], &more);
		if (rc != EXIT_OK) {
			lspci_dump_release(&dump);
			return rc;
		}
		if (!lspci_merge(&dump, &more, &e)) {
			rc = app_fail(app, e.status, "'%s' line %u: %s", files[1], e.line, e.message);
			lspci_error_release(&e);
		}
		lspci_dump_release(&more);
		if (rc != EXIT_OK) {
			lspci_dump_release(&dump);
			return rc;
		}
	}
	/* names without "[vvvv:dddd]": their ids from pci.ids */
	buf_init(&ids);
	ids_path = names_pci_ids_path(app->pci_ids ? app->pci_ids : getenv("IOMMUCTL_PCI_IDS"));
	if (sysroot_read_input(ids_path, 64u << 20, &ids) != 0)
		buf_reset(&ids);
	lspci_resolve_names(&dump, ids.len ? ids.data : NULL);
	buf_release(&ids);
	free(ids_path);

	input = nfiles > 1 ? xasprintf("%s %s", files[0], files[1]) : xstrdup(files[0]);
	lspci_sysfs_build(&dump, input, &t, &e);
	free(input);
	lspci_dump_release(&dump);

	err = sysroot_open("/", &app->sr);
	if (err) {
		sysfs_tree_release(&t);
		return app_fail(app, EXIT_ENV, "cannot open '/': %s", strerror(-err));
	}
	err = sysroot_record_begin(app->sr, dir, force);
	if (err) {
		sysfs_tree_release(&t);
		return record_begin_failed(app, dir, err, force);
	}
	for (size_t i = 0; i < t.n; i++) {
		if (t.e[i].link)
			sysroot_record_extra_link(app->sr, t.e[i].path, t.e[i].data);
		else
			sysroot_record_extra(app->sr, t.e[i].path, t.e[i].data, t.e[i].len);
	}
	err = sysroot_record_commit(app->sr, &errpath);
	if (err) {
		rc = app_fail(app, EXIT_ENV, "cannot write '%s/%s': %s", dir, errpath ? errpath : "", strerror(-err));
		free(errpath);
		sysfs_tree_release(&t);
		return rc;
	}
	if (app->json) {
		json_t *doc = json_object();
		json_object_set_new(doc, "schema_version", json_integer(IOMMUCTL_SCHEMA_VERSION));
		json_object_set_new(doc, "snapshot",
				    json_pack("{s:s, s:n, s:s, s:I, s:I, s:I, s:I, s:I}", "path", dir, "root", "source", "lspci",
					      "pci_functions", (json_int_t)t.functions, "iommu_groups", (json_int_t)t.groups,
					      "warnings", (json_int_t)0, "synthesised_facts", (json_int_t)t.synthesised,
					      "unknown_facts", (json_int_t)t.unknown));
		rc = json_print(doc, app->pretty) < 0 ? EXIT_ENV : EXIT_OK;
	} else {
		/* (beside a tar on standard output, not in it) */
		FILE *f = sysroot_record_form(dir) == SR_RECORD_STDOUT ? stderr : stdout;
		char *text = xasprintf("Wrote a snapshot built from lspci output to %s: %zu PCI functions, %zu IOMMU "
				       "groups; %zu facts synthesised, %zu unknown (%s/%s says which).",
				       dir, t.functions, t.groups, t.synthesised, t.unknown, dir, PROVENANCE_FILE);
		print_wrapped(f, "", "", text, app_width(app));
		free(text);
		if (f == stdout)
			print_read_with(app, dir);
		rc = EXIT_OK;
	}
	sysfs_tree_release(&t);
	return rc;
}

static char *info_text(const struct app *app, const struct snapshot *s)
{
	struct utsname u;
	char when[32] = "";
	time_t now = time(NULL);
	struct tm tm;
	if (gmtime_r(&now, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	return xasprintf("# iommuctl snapshot: a copy of what iommuctl read, mirroring /.\n"
			 "# Read it with: iommuctl --root DIR COMMAND\n"
			 "iommuctl_version=%s\ncreated=%s\nroot=%s\nkernel_release=%s\nmachine=%s\nuid=%u\n"
			 "names=%s\npci_functions=%zu\niommu_groups=%zu\nwarnings=%zu\n",
			 IOMMUCTL_VERSION, when, app->root, sysroot_is_live(app->sr) ? u.release : "(not live)",
			 s->host.machine ? s->host.machine : "unknown",
			 (unsigned)getuid(), app->numeric ? "none" : names_source(app->names), s->ndev, s->ngrp,
			 s->nissues);
}

static int snapshot_run(struct app *app, struct request *req)
{
	const struct snapshot_options *o = req->own;
	const char *dir = req->operands[0];
	bool force = o->force;
	struct snapshot s;
	char *errpath = NULL, *why = NULL;
	enum sr_record_form form;
	bool archive;
	int err, rc;

	if (!*dir)
		return app_usage_error(app, "an empty name is no place to write a snapshot");
	form = sysroot_record_form(dir);
	archive = form != SR_RECORD_DIR;
	if (form == SR_RECORD_STDOUT && app->json)
		return app_usage_error(app, "-j cannot share standard output with the tar archive");
	if (o->lspci.n > 2)
		return app_usage_error(app, "--from-lspci given more than twice (once for -vvnn text, once for a -xxxx hex "
					    "dump)");
	if (o->lspci.n) {
		if (strcmp(app->root, "/") != 0)
			return app_usage_error(app, "--root and --from-lspci cannot be combined: the dump is the system");
		if (o->lspci.n == 2 && strcmp(o->lspci.v[0], "-") == 0 && strcmp(o->lspci.v[1], "-") == 0)
			return app_usage_error(app, "standard input ('-') can be read only once");
		return snapshot_from_lspci(app, o->lspci.v, o->lspci.n, dir, force);
	}

	err = sysroot_open_why(app->root, &app->sr, &why);
	if (err)
		return app_root_failed(app, err, why);
	err = sysroot_record_begin(app->sr, dir, force);
	if (err)
		return record_begin_failed(app, dir, err, force);

	rc = app_load(app, req->load, &s);
	if (rc != EXIT_OK) {
		sysroot_record_abort(app->sr);
		snapshot_release(&s);
		return rc;
	}
	if (!app->numeric) {
		char *ids = names_pci_ids_text(&s);
		sysroot_record_extra(app->sr, ".iommuctl/pci.ids", ids, strlen(ids));
		free(ids);
	}
	{
		char *info = info_text(app, &s);
		sysroot_record_extra(app->sr, ".iommuctl/info", info, strlen(info));
		free(info);
	}
	err = sysroot_record_commit(app->sr, &errpath);
	if (err) {
		if (form == SR_RECORD_STDOUT)
			rc = app_fail(app, EXIT_ENV, "cannot write the tar archive to standard output (at '%s'): %s",
				      errpath ? errpath : "", strerror(-err));
		else if (archive)
			rc = app_fail(app, EXIT_ENV, "cannot write '%s'%s%s%s: %s", dir, errpath && *errpath ? " (at '" : "",
				      errpath && *errpath ? errpath : "", errpath && *errpath ? "')" : "", strerror(-err));
		else
			rc = app_fail(app, EXIT_ENV, "cannot write '%s/%s': %s", dir, errpath ? errpath : "", strerror(-err));
		free(errpath);
		snapshot_release(&s);
		return rc;
	}
	app_print_warnings(app, &s);
	if (app->json) {
		json_t *doc = json_object();
		json_object_set_new(doc, "schema_version", json_integer(IOMMUCTL_SCHEMA_VERSION));
		json_object_set_new(doc, "snapshot",
				    json_pack("{s:s, s:s, s:I, s:I, s:I}", "path", dir, "root", app->root, "pci_functions",
					      (json_int_t)s.ndev, "iommu_groups", (json_int_t)s.ngrp, "warnings",
					      (json_int_t)s.nissues));
		rc = json_print(doc, app->pretty) < 0 ? EXIT_ENV : EXIT_OK;
	} else if (form == SR_RECORD_STDOUT) {
		/* standard output holds the archive: the summary goes beside it */
		fprintf(stderr, "Wrote a snapshot of %s to standard output (tar): %zu PCI functions, %zu IOMMU groups.\n",
			app->root, s.ndev, s.ngrp);
		rc = EXIT_OK;
	} else {
		char *text = xasprintf("Wrote a snapshot of %s to %s: %zu PCI functions, %zu IOMMU groups.", app->root, dir,
				       s.ndev, s.ngrp);
		print_wrapped(stdout, "", "", text, app_width(app));
		free(text);
		print_read_with(app, dir);
		rc = EXIT_OK;
	}
	snapshot_release(&s);
	return rc;
}

const struct command cmd_snapshot = {
	.name = "snapshot",
	.summary = "Copy everything iommuctl reads into DEST (a directory, FILE.tar.zst or -), to read later with --root DEST.",
	.synopsis = "[--force] [--from-lspci FILE [--from-lspci FILE]] DEST",
	.options = snapshot_options,
	.operand = &dir_operand,
	.own_size = sizeof(struct snapshot_options),
	.load = SNAP_LOAD_ALL,
	.run = snapshot_run,
};
