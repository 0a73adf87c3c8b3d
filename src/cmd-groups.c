/* cmd-groups.c - `iommuctl groups`: every IOMMU group, its default domain
 * type, reserved regions and members. */
#include "cmd.h"
#include "diag.h"

struct groups_options {
	bool predict;
	bool why;
};

static const struct cmd_option groups_options[] = {
	OPTIONS_COLUMNS,
	{.name = "tree", .short_name = 't', .kind = OPT_FLAG, REQ_FIELD(lo.tree),
	 .help = "show a tree: each group with its devices under it"},
	{.name = "predict", .kind = OPT_FLAG, OWN_FIELD(struct groups_options, predict),
	 .help = "the groups the kernel would form, from topology, ACS and quirks"},
	{.name = "why", .kind = OPT_FLAG, OWN_FIELD(struct groups_options, why),
	 .help = "say why each group of several devices holds them"},
	OPTIONS_TABLE_FORMAT(NULL),
	OPTIONS_SELECT(NULL),
	OPTIONS_END,
};

static int groups_run(struct app *app, struct request *req)
{
	const struct groups_options *o = req->own;
	return app_run_list(app, req, LIST_GROUPS, o->predict, o->why);
}

const struct command cmd_groups = {
	.name = "groups",
	.summary = "List IOMMU groups: default domain type, reserved regions and member devices.",
	.synopsis = "[OPTIONS] [GROUP|BDF]...",
	.options = groups_options,
	.operand = &group_or_device_operand,
	.own_size = sizeof(struct groups_options),
	.columns = &groups_columns,
	.run = groups_run,
};
