/* cmd-status.c - `iommuctl status`: the host-wide IOMMU picture in one
 * screen, one PASS/WARN/FAIL/INFO/UNKNOWN line per check; exit 1 when a
 * check fails. */
#include "cmd.h"
#include "diag.h"
#include "status.h"

struct status_options {
	int format; /* enum output_format */
};

static const struct cmd_option status_options[] = {
	OPTIONS_COLUMNS,
	OPTIONS_TABLE_FORMAT(NULL),
	OPTIONS_SELECT(NULL),
	{.name = "format", .kind = OPT_CHOICE, .arg = "FMT", OWN_FIELD(struct status_options, format),
	 .choices = output_format_ids,
	 .help = "text (default) or prometheus (node_exporter textfile collector)"},
	OPTIONS_END,
};

static int status_run(struct app *app, struct request *req)
{
	const struct status_options *o = req->own;
	struct list_options *lo = &req->lo;
	struct snapshot s;
	struct selection sel;
	struct status_report r;
	int rc;

	if (o->format == FORMAT_PROMETHEUS && (app->json || lo->raw || lo->pairs || lo->noheadings || lo->columns ||
					       req->list_columns))
		return app_usage_error(app, "--format prometheus cannot be combined with %s",
				       app->json ? "--json" : req->list_columns ? "--list-columns" : "-o, -r, -P or -n");
	rc = app_table_options(app, req);
	if (rc >= 0)
		return rc;
	rc = app_load(app, req->load, &s);
	if (rc == EXIT_OK)
		rc = app_select(app, req, &s, 0, false, &sel);
	if (rc != EXIT_OK) {
		snapshot_release(&s);
		return rc;
	}
	status_analyse_selected(&s, sel.narrowed ? sel.dev : NULL, &r);
	app_print_warnings(app, &s);
	if ((o->format == FORMAT_PROMETHEUS ? render_status_prometheus(&s, &r)
	     : app->json ? json_print_status(&s, &r, names_warning(app->names), app->pretty)
			 : render_status_text(&s, &r, lo)) < 0)
		rc = app_output_failed(app);
	else
		/* a check that may have failed is not a pass */
		rc = r.failed ? EXIT_BLOCKING : r.undecided ? EXIT_ENV : EXIT_OK;
	status_report_release(&r);
	selection_release(&sel);
	snapshot_release(&s);
	return rc;
}

const struct command cmd_status = {
	.name = "status",
	.summary = "Check the host's IOMMU, interrupt remapping and VFIO: PASS, WARN or FAIL each.",
	.synopsis = "[OPTIONS]",
	.options = status_options,
	.own_size = sizeof(struct status_options),
	.load = SNAP_LOAD_ALL,
	.columns = &status_columns,
	.run = status_run,
};
