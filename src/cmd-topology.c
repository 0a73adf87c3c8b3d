/* cmd-topology.c - `iommuctl topology` (alias `tree`): the PCI hierarchy
 * from each host bridge down, with port types, groups and ACS. */
#include <errno.h>
#include <string.h>

#include "cmd.h"
#include "diag.h"

static const struct option topology_options[] = {
	{"output", required_argument, NULL, 'o'},
	{"raw", no_argument, NULL, 'r'},
	{"pairs", no_argument, NULL, 'P'},
	{"noheadings", no_argument, NULL, 'n'},
	{"list-columns", no_argument, NULL, OPT_LIST_COLUMNS},
	GLOBAL_LONG_OPTIONS,
	{NULL, 0, NULL, 0},
};

static const struct opt_help topology_help[] = {
	{"-o, --output COLS", "columns to show (COLS, or +COLS to add to the defaults)"},
	{"    --list-columns", "list the columns and what they show"},
	{"-r, --raw", "raw output: no alignment, no tree lines"},
	{"-P, --pairs", "KEY=\"value\" output"},
	{"-n, --noheadings", "do not print headings"},
	{NULL, NULL},
};

static int topology_run(struct app *app, int argc, char **argv)
{
	struct list_request req;
	struct snapshot s;
	struct isolation iso;
	int rc = app_parse_list_options(app, LIST_TOPOLOGY, argc, argv, &req);
	if (rc >= 0)
		return rc;
	req.lo.tree = true; /* the hierarchy is drawn as a tree */
	rc = app_load(app, SNAP_LOAD_ISOLATION, &s);
	if (rc != EXIT_OK) {
		snapshot_release(&s);
		return rc;
	}
	/* verdicts as the kernel reaches them with an IOMMU active: on this
	 * machine's controls if it has one, else as it would set them */
	isolation_choose(&iso, &s, s.ngrp == 0);
	app_print_warnings(app, &s);
	rc = app->json ? json_print_topology(&s, &iso, s.ngrp == 0, names_warning(app->names), app->pretty)
		       : render_topology_text(&s, &iso, &req.lo);
	if (rc < 0)
		rc = app_output_failed(app);
	else
		rc = EXIT_OK;
	isolation_release(&iso);
	snapshot_release(&s);
	return rc;
}

const struct command cmd_topology = {
	.name = "topology",
	.run = topology_run,
	.args = "[OPTIONS]",
	.summary = "Show the PCI hierarchy with port types, IOMMU groups and ACS.",
	.options = topology_options,
	.shortopts = "+:o:rPnhjp",
	.help = topology_help,
};

/* `tree`: the same command under another name */
const struct command cmd_tree = {
	.name = "tree",
	.run = topology_run,
	.args = "[OPTIONS]",
	.summary = "Alias of topology.",
	.options = topology_options,
	.shortopts = "+:o:rPnhjp",
	.help = topology_help,
};
