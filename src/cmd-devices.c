/* cmd-devices.c - `iommuctl devices`: every PCI function, with or without
 * an IOMMU group. */
#include "cmd.h"

static const struct option devices_options[] = {
	{"output", required_argument, NULL, 'o'},
	{"raw", no_argument, NULL, 'r'},
	{"pairs", no_argument, NULL, 'P'},
	{"noheadings", no_argument, NULL, 'n'},
	{"list-columns", no_argument, NULL, OPT_LIST_COLUMNS},
	GLOBAL_LONG_OPTIONS,
	{NULL, 0, NULL, 0},
};

static const struct opt_help devices_help[] = {
	{"-o, --output COLS", "columns to show (COLS, or +COLS to add to the defaults)"},
	{"    --list-columns", "list the columns and what they show"},
	{"-r, --raw", "raw output: no alignment"},
	{"-P, --pairs", "KEY=\"value\" output"},
	{"-n, --noheadings", "do not print headings"},
	{NULL, NULL},
};

static int devices_run(struct app *app, int argc, char **argv)
{
	return app_run_list(app, LIST_DEVICES, argc, argv);
}

const struct command cmd_devices = {
	.name = "devices",
	.run = devices_run,
	.args = "[OPTIONS]",
	.summary = "List every PCI function with its IOMMU group, driver and IOMMU unit.",
	.options = devices_options,
	.shortopts = "+:o:rPnhjp",
	.help = devices_help,
};
