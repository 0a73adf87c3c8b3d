/* cmd-groups.c - `iommuctl groups`: every IOMMU group, its default domain
 * type, reserved regions and members. */
#include "cmd.h"

static const struct option groups_options[] = {
	{"output", required_argument, NULL, 'o'},
	{"raw", no_argument, NULL, 'r'},
	{"pairs", no_argument, NULL, 'P'},
	{"noheadings", no_argument, NULL, 'n'},
	{"tree", no_argument, NULL, 't'},
	{"list-columns", no_argument, NULL, OPT_LIST_COLUMNS},
	{"predict", no_argument, NULL, OPT_PREDICT},
	{"why", no_argument, NULL, OPT_WHY},
	GLOBAL_LONG_OPTIONS,
	{NULL, 0, NULL, 0},
};

static const struct opt_help groups_help[] = {
	{"-o, --output COLS", "columns to show (COLS, or +COLS to add to the defaults)"},
	{"    --list-columns", "list the columns and what they show"},
	{"-t, --tree", "show a tree: each group with its devices under it"},
	{"    --predict", "the groups the kernel would form, from topology, ACS and quirks"},
	{"    --why", "say why each group of several devices holds them"},
	{"-r, --raw", "raw output: no alignment, no tree lines"},
	{"-P, --pairs", "KEY=\"value\" output"},
	{"-n, --noheadings", "do not print headings (nor the summary)"},
	{NULL, NULL},
};

static int groups_run(struct app *app, int argc, char **argv)
{
	return app_run_list(app, LIST_GROUPS, argc, argv);
}

const struct command cmd_groups = {
	.name = "groups",
	.run = groups_run,
	.args = "[OPTIONS]",
	.summary = "List IOMMU groups: default domain type, reserved regions and member devices.",
	.options = groups_options,
	.shortopts = "+:o:rPnthjp",
	.help = groups_help,
};
