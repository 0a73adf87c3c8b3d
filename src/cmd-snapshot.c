/* cmd-snapshot.c - `iommuctl snapshot DIR`: copy everything iommuctl reads
 * into DIR, mirroring the root, so that `iommuctl --root DIR X` prints what
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

#ifndef IOMMUCTL_VERSION
#define IOMMUCTL_VERSION "unknown"
#endif

enum { OPT_FORCE = OPT_FIRST_COMMAND_OPTION };

static const struct option snapshot_options[] = {
	GLOBAL_LONG_OPTIONS,
	{"force", no_argument, NULL, OPT_FORCE},
	{NULL, 0, NULL, 0},
};

static const struct opt_help snapshot_help[] = {
	{"DIR", "where to write the snapshot: a new or empty directory"},
	{"    --force", "replace the snapshot DIR holds (only a directory iommuctl snapshot wrote)"},
	{NULL, NULL},
};

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

static int snapshot_run(struct app *app, int argc, char **argv)
{
	struct snapshot s;
	const char *dir;
	char *errpath = NULL;
	bool force = false;
	int opt, err, rc;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, app->cmd->shortopts, app->cmd->options, NULL)) != -1) {
		if (app_global_option(app, opt, optarg))
			continue;
		if (opt == 'h') {
			app_command_help(app->cmd);
			return EXIT_OK;
		}
		if (opt == OPT_FORCE) {
			force = true;
			continue;
		}
		if (opt == ':')
			return app_usage_error(app, "option '%s' needs an argument", argv[optind - 1]);
		return app_usage_error(app, "unknown option '%s'", argv[optind - 1]);
	}
	if (optind >= argc)
		return app_usage_error(app, "missing the directory to write the snapshot to");
	if (optind + 1 < argc)
		return app_usage_error(app, "unexpected argument '%s'", argv[optind + 1]);
	dir = argv[optind];

	err = sysroot_open(app->root, &app->sr);
	if (err)
		return app_fail(app, EXIT_ENV, "cannot open root directory '%s': %s", app->root, strerror(-err));
	err = sysroot_record_begin(app->sr, dir, force);
	if (err == -ENOTEMPTY)
		return app_usage_error(app, "'%s' is not empty: give a new or empty directory, or --force to replace a snapshot", dir);
	if (err == -EEXIST)
		return app_usage_error(app, "'%s' is not empty and holds no snapshot: --force replaces only a snapshot", dir);
	if (err == -ENOTDIR)
		return app_usage_error(app, "'%s' exists and is not a directory", dir);
	if (err)
		return app_fail(app, EXIT_ENV, "cannot create a directory beside '%s': %s", dir, strerror(-err));

	rc = app_load(app, SNAP_LOAD_ALL, &s);
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
	} else {
		printf("Wrote a snapshot of %s to %s: %zu PCI functions, %zu IOMMU groups.\n"
		       "Read it with: iommuctl --root %s groups\n",
		       app->root, dir, s.ndev, s.ngrp, dir);
		rc = EXIT_OK;
	}
	snapshot_release(&s);
	return rc;
}

const struct command cmd_snapshot = {
	.name = "snapshot",
	.run = snapshot_run,
	.args = "[--force] DIR",
	.summary = "Copy everything iommuctl reads into DIR, to read later with --root DIR.",
	.options = snapshot_options,
	.shortopts = "+:hjp",
	.help = snapshot_help,
};
