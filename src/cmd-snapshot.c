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

struct snapshot_options {
	bool force;
};

static const struct cmd_option snapshot_options[] = {
	{.name = "force", .kind = OPT_FLAG, OWN_FIELD(struct snapshot_options, force),
	 .help = "replace the snapshot DIR holds (only a directory iommuctl snapshot wrote)"},
	OPTIONS_END,
};

static const struct cmd_operand dir_operand = {
	.name = "DIR",
	.kind = OPERAND_DIR,
	.min = 1,
	.max = 1,
	.missing = "missing the directory to write the snapshot to",
	.help = "where to write the snapshot: a new or empty directory",
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

static int snapshot_run(struct app *app, struct request *req)
{
	bool force = ((const struct snapshot_options *)req->own)->force;
	const char *dir = req->operands[0];
	struct snapshot s;
	char *errpath = NULL;
	int err, rc;

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
		char *text = xasprintf("Wrote a snapshot of %s to %s: %zu PCI functions, %zu IOMMU groups.", app->root, dir,
				       s.ndev, s.ngrp);
		print_wrapped(stdout, "", "", text, app_width(app));
		free(text);
		text = xasprintf("iommuctl --root %s groups", dir);
		print_wrapped(stdout, "Read it with: ", "  ", text, app_width(app));
		free(text);
		rc = EXIT_OK;
	}
	snapshot_release(&s);
	return rc;
}

const struct command cmd_snapshot = {
	.name = "snapshot",
	.summary = "Copy everything iommuctl reads into DIR, to read later with --root DIR.",
	.synopsis = "[--force] DIR",
	.options = snapshot_options,
	.operand = &dir_operand,
	.own_size = sizeof(struct snapshot_options),
	.load = SNAP_LOAD_ALL,
	.run = snapshot_run,
};
