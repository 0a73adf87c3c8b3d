/* cmd-diff.c - `iommuctl diff OLD [NEW]`: what changed between two
 * snapshots, or a snapshot and the system being read (--root, or /), and
 * whether it matters.  Exit 0 nothing changed, 1 some change reduces
 * isolation or breaks passthrough, 4 changes that are all neutral or
 * improvements. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "diag.h"
#include "diff.h"

enum { OPT_ONLY = OPT_FIRST_COMMAND_OPTION };

static const struct option diff_options[] = {
	{"only", required_argument, NULL, OPT_ONLY},
	GLOBAL_LONG_OPTIONS,
	{NULL, 0, NULL, 0},
};

static const struct opt_help diff_help[] = {
	{"OLD", "the state before: a snapshot (made by 'iommuctl snapshot'), or / for this machine"},
	{"NEW", "the state after, the same way (default: --root, or this machine)"},
	{"    --only AREAS", "compare only these areas (comma-separated): groups, devices, types, resv, acs, drivers, "
			   "vfio, units, host, cmdline, swiotlb"},
	{NULL, NULL},
};

static int diff_run(struct app *app, int argc, char **argv)
{
	struct diff_request req = {.areas = DIFF_AREAS_ALL};
	struct snapshot os, ns;
	struct sysroot *old_sr = NULL;
	struct diff_side old, new;
	struct diff_report r;
	const char *old_name, *new_name = NULL;
	int opt, rc;

	optind = 0; /* options before or after OLD and NEW */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, app->cmd->shortopts, app->cmd->options, NULL)) != -1) {
		if (app_global_option(app, opt, optarg))
			continue;
		if (opt == OPT_ONLY) {
			char *bad = NULL;
			if (!diff_areas_parse(optarg, &req.areas, &bad)) {
				rc = app_usage_error(app,
						     "unknown area '%s' in --only (areas: groups, devices, types, resv, "
						     "acs, drivers, vfio, units, host, cmdline, swiotlb)",
						     bad);
				free(bad);
				return rc;
			}
		} else {
			return app_other_option(app, opt, argv);
		}
	}
	if (optind >= argc)
		return app_usage_error(app, "which state to compare with? give OLD (a snapshot, or / for this machine)");
	old_name = argv[optind];
	if (optind + 1 < argc)
		new_name = argv[optind + 1];
	if (optind + 2 < argc)
		return app_usage_error(app, "unexpected argument '%s'", argv[optind + 2]);
	if (new_name && strcmp(app->root, "/") != 0)
		return app_usage_error(app, "give NEW or --root, not both: both name the state after");
	if (new_name)
		app->root = new_name;

	rc = app_load_root(app, app->root, new_name ? "NEW" : "--root", &app->sr, SNAP_LOAD_ALL, &ns);
	if (rc != EXIT_OK) {
		snapshot_release(&ns);
		return rc;
	}
	rc = app_load_root(app, old_name, "OLD", &old_sr, SNAP_LOAD_ALL, &os);
	if (rc != EXIT_OK) {
		snapshot_release(&os);
		snapshot_release(&ns);
		sysroot_free(old_sr);
		return rc;
	}
	diff_side_init(&old, &os);
	diff_side_init(&new, &ns);
	diff_analyse(&old, &new, &req, &r);
	diag_print_issues_of(&os, "OLD");
	diag_print_issues_of(&ns, "NEW");
	if (names_warning(app->names))
		diag_warning("%s", names_warning(app->names));
	{
		struct diff_view v = {&r, old_name, app->root, req.areas, &os, &ns, names_warning(app->names)};
		if ((app->json ? json_print_diff(&v, app->pretty) : render_diff_text(&v, terminal_width())) < 0)
			rc = app_output_failed(app);
		else
			rc = r.count[DIFF_REDUCES] ? EXIT_BLOCKING : r.n ? EXIT_CHANGED : EXIT_OK;
	}
	diff_report_release(&r);
	diff_side_release(&old);
	diff_side_release(&new);
	snapshot_release(&os);
	snapshot_release(&ns);
	sysroot_free(old_sr);
	return rc;
}

const struct command cmd_diff = {
	.name = "diff",
	.run = diff_run,
	.args = "[--only AREAS] OLD [NEW]",
	.summary = "Say what changed between two snapshots (or a snapshot and this machine), and whether it matters.",
	.options = diff_options,
	.shortopts = ":hjp",
	.help = diff_help,
};
