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

struct diff_options {
	unsigned areas;
};

static const struct diff_options diff_defaults = {.areas = DIFF_AREAS_ALL};

static bool parse_areas(const char *arg, void *field)
{
	char *bad = NULL;
	bool ok = diff_areas_parse(arg, field, &bad);
	free(bad);
	return ok;
}

static const struct cmd_option diff_options[] = {
	{.name = "only", .kind = OPT_VALUE, .arg = "AREAS", OWN_FIELD(struct diff_options, areas), .parse = parse_areas,
	 .invalid = "needs areas among groups, devices, types, resv, acs, drivers, vfio, units, host, cmdline and "
		    "swiotlb, separated by commas",
	 .choices = diff_area_names, .complete = COMPLETE_LIST,
	 .help = "compare only these areas (comma-separated): groups, devices, types, resv, acs, drivers, vfio, "
		 "units, host, cmdline, swiotlb"},
	OPTIONS_SELECT(NULL),
	OPTIONS_END,
};

static const struct cmd_operand states_operand = {
	.name = "OLD [NEW]",
	.kind = OPERAND_FILE,
	.min = 1,
	.max = 2,
	.missing = "which state to compare with? give OLD (a snapshot, or / for this machine)",
	.help = "the states before and after: snapshots (directories or FILE.tar.zst, made by 'iommuctl "
		"snapshot'), or / for this machine; NEW defaults to --root, or this machine",
};

static int diff_run(struct app *app, struct request *req)
{
	const struct diff_options *o = req->own;
	struct diff_request dq = {.areas = o->areas};
	struct snapshot os, ns;
	struct selection osel, nsel;
	struct sysroot *old_sr = NULL;
	struct diff_side old, new;
	struct diff_report r;
	const char *old_name = req->operands[0], *new_name = req->noperands > 1 ? req->operands[1] : NULL;
	int rc;

	if (new_name && strcmp(app->root, "/") != 0)
		return app_usage_error(app, "give NEW or --root, not both: both name the state after");
	if (new_name)
		app->root = new_name;

	rc = app_load_root(app, app->root, new_name ? "NEW" : "--root", &app->sr, req->load, &ns);
	if (rc != EXIT_OK) {
		snapshot_release(&ns);
		return rc;
	}
	rc = app_load_root(app, old_name, "OLD", &old_sr, req->load, &os);
	if (rc != EXIT_OK) {
		snapshot_release(&os);
		snapshot_release(&ns);
		sysroot_free(old_sr);
		return rc;
	}
	/* -s and -d: the functions of either side they select */
	memset(&osel, 0, sizeof(osel));
	memset(&nsel, 0, sizeof(nsel));
	if (request_narrowed(req)) {
		bool any = false;
		app_select(app, req, &os, 0, false, &osel);
		app_select(app, req, &ns, 0, false, &nsel);
		for (size_t i = 0; i < os.ndev && !any; i++)
			any = osel.dev[i];
		for (size_t i = 0; i < ns.ndev && !any; i++)
			any = nsel.dev[i];
		if (!any) {
			rc = app_usage_error(app, "no PCI function is selected, in OLD or in NEW");
			goto out;
		}
		dq.old_selected = osel.dev;
		dq.new_selected = nsel.dev;
	}
	diff_side_init(&old, &os);
	diff_side_init(&new, &ns);
	diff_analyse(&old, &new, &dq, &r);
	diag_print_issues_of(&os, "OLD");
	diag_print_issues_of(&ns, "NEW");
	if (names_warning(app->names))
		diag_warning("%s", names_warning(app->names));
	{
		struct diff_view v = {&r, old_name, app->root, dq.areas, &os, &ns, names_warning(app->names)};
		if ((app->json ? json_print_diff(&v, app->pretty) : render_diff_text(&v, app_width(app))) < 0)
			rc = app_output_failed(app);
		else
			rc = r.count[DIFF_REDUCES] ? EXIT_BLOCKING : r.n ? EXIT_CHANGED : EXIT_OK;
	}
	diff_report_release(&r);
	diff_side_release(&old);
	diff_side_release(&new);
out:
	selection_release(&osel);
	selection_release(&nsel);
	snapshot_release(&os);
	snapshot_release(&ns);
	sysroot_free(old_sr);
	return rc;
}

const struct command cmd_diff = {
	.name = "diff",
	.summary = "Say what changed between two snapshots (or a snapshot and this machine), and whether it matters.",
	.synopsis = "[--only AREAS] [-s SLOT] [-d ID] OLD [NEW]",
	.options = diff_options,
	.operand = &states_operand,
	.own_size = sizeof(struct diff_options),
	.own_defaults = &diff_defaults,
	.load = SNAP_LOAD_ALL,
	.run = diff_run,
};
