/* cmd-status.c - `iommuctl status`: the host-wide IOMMU picture in one
 * screen, one PASS/WARN/FAIL/INFO/UNKNOWN line per check; exit 1 when a
 * check fails. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cmd.h"
#include "diag.h"
#include "status.h"

static const struct option status_options[] = {
	{"output", required_argument, NULL, 'o'},
	{"raw", no_argument, NULL, 'r'},
	{"pairs", no_argument, NULL, 'P'},
	{"noheadings", no_argument, NULL, 'n'},
	{"list-columns", no_argument, NULL, OPT_LIST_COLUMNS},
	{"format", required_argument, NULL, OPT_FIRST_COMMAND_OPTION},
	GLOBAL_LONG_OPTIONS,
	{NULL, 0, NULL, 0},
};

static const struct opt_help status_help[] = {
	{"-o, --output COLS", "columns to show (COLS, or +COLS to add to the defaults)"},
	{"    --list-columns", "list the columns and what they show"},
	{"-r, --raw", "raw output: no alignment"},
	{"-P, --pairs", "KEY=\"value\" output"},
	{"-n, --noheadings", "do not print headings (nor the verdict)"},
	{"    --format FMT", "text (default) or prometheus (node_exporter textfile collector)"},
	{NULL, NULL},
};

/* The list commands' options (app_parse_list_options), for status's own
 * columns.  Returns -1 to go on, or an exit status. */
static int parse_options(struct app *app, int argc, char **argv, struct list_options *lo, bool *list_columns,
			 bool *prometheus)
{
	int opt;
	char *bad = NULL;

	memset(lo, 0, sizeof(*lo));
	*list_columns = false;
	*prometheus = false;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, app->cmd->shortopts, app->cmd->options, NULL)) != -1) {
		if (app_global_option(app, opt, optarg))
			continue;
		switch (opt) {
		case 'o':
			lo->columns = optarg;
			break;
		case 'r':
			lo->raw = true;
			break;
		case 'P':
			lo->pairs = true;
			break;
		case 'n':
			lo->noheadings = true;
			break;
		case OPT_LIST_COLUMNS:
			*list_columns = true;
			break;
		case OPT_FIRST_COMMAND_OPTION:
			if (!strcmp(optarg, "prometheus"))
				*prometheus = true;
			else if (strcmp(optarg, "text") != 0)
				return app_usage_error(app, "--format is text or prometheus, not '%s'", optarg);
			break;
		case 'h':
			app_command_help(app->cmd);
			return EXIT_OK;
		case ':':
			return app_usage_error(app, "option '%s' needs an argument", argv[optind - 1]);
		default:
			return app_usage_error(app, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return app_usage_error(app, "unexpected argument '%s'", argv[optind]);
	if (lo->raw && lo->pairs)
		return app_usage_error(app, "--raw and --pairs cannot be combined");
	if (*prometheus && (app->json || lo->raw || lo->pairs || lo->noheadings || lo->columns || *list_columns))
		return app_usage_error(app, "--format prometheus cannot be combined with %s",
				       app->json ? "--json" : *list_columns ? "--list-columns" : "-o, -r, -P or -n");
	if (lo->columns && !status_columns_valid(lo->columns, &bad)) {
		int rc = app_usage_error_see(app, "--list-columns", "%s", bad);
		free(bad);
		return rc;
	}
	lo->numeric = app->numeric;
	/* NO_COLOR (no-color.org): any non-empty value turns colour off */
	lo->color = !app->json && isatty(STDOUT_FILENO) && !(getenv("NO_COLOR") && *getenv("NO_COLOR"));
	if (*list_columns) {
		int rc = app->json ? json_print_status_columns(app->pretty) : render_status_columns_text(lo);
		return rc < 0 ? app_fail(app, EXIT_ENV, "cannot write the output") : EXIT_OK;
	}
	return -1;
}

/* A terminal's width when the table goes to one (its long cells are broken
 * at words to fit), else 0. */
static size_t text_width(const struct list_options *lo)
{
	struct winsize ws;
	if (lo->raw || lo->pairs || !isatty(STDOUT_FILENO))
		return 0;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

static int status_run(struct app *app, int argc, char **argv)
{
	struct list_options lo;
	struct snapshot s;
	struct status_report r;
	bool list_columns, prometheus;
	int rc = parse_options(app, argc, argv, &lo, &list_columns, &prometheus);
	if (rc >= 0)
		return rc;
	rc = app_load(app, SNAP_LOAD_ALL, &s);
	if (rc != EXIT_OK) {
		snapshot_release(&s);
		return rc;
	}
	status_analyse(&s, &r);
	app_print_warnings(app, &s);
	if ((prometheus ? render_status_prometheus(&s, &r)
	     : app->json ? json_print_status(&s, &r, names_warning(app->names), app->pretty)
			 : render_status_text(&s, &r, &lo, text_width(&lo))) < 0)
		rc = app_output_failed(app);
	else
		/* a check that may have failed is not a pass */
		rc = r.failed ? EXIT_BLOCKING : r.undecided ? EXIT_ENV : EXIT_OK;
	status_report_release(&r);
	snapshot_release(&s);
	return rc;
}

const struct command cmd_status = {
	.name = "status",
	.run = status_run,
	.args = "[OPTIONS]",
	.summary = "Check the host's IOMMU, interrupt remapping and VFIO: PASS, WARN or FAIL each.",
	.options = status_options,
	.shortopts = "+:o:rPnhjp",
	.help = status_help,
};
