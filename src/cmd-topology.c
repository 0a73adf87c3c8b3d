/* cmd-topology.c - `iommuctl topology` (alias `tree`): the PCI hierarchy
 * from each host bridge down, with port types, groups and ACS. */
#include "cmd.h"
#include "diag.h"

static const struct cmd_option topology_options[] = {
	OPTIONS_COLUMNS,
	OPTIONS_TABLE_FORMAT(NULL),
	OPTIONS_SELECT(NULL),
	OPTIONS_END,
};

static const struct cmd_operand topology_operand = {
	.name = "GROUP|BDF",
	.kind = OPERAND_GROUP_OR_DEVICE,
	.help = "only the subtree below this function (0000:00:07.0, 00:07.0 or 0:7.0), or below the functions of this "
		"group",
};

static int topology_run(struct app *app, struct request *req)
{
	struct snapshot s;
	struct isolation iso;
	struct selection sel;
	int rc = app_table_options(app, req);
	if (rc >= 0)
		return rc;
	req->lo.tree = true; /* the hierarchy is drawn as a tree */
	rc = app_load(app, req->load, &s);
	if (rc == EXIT_OK)
		rc = app_select(app, req, &s, SELECT_SUBTREE | SELECT_ANCESTORS, false, &sel);
	if (rc != EXIT_OK) {
		snapshot_release(&s);
		return rc;
	}
	/* verdicts as the kernel reaches them with an IOMMU active: on this
	 * machine's controls if it has one, else as it would set them */
	isolation_choose(&iso, &s, s.ngrp == 0);
	app_print_warnings(app, &s);
	rc = app->json ? json_print_topology(&s, &iso, sel.narrowed ? sel.dev : NULL, s.ngrp == 0,
					    names_warning(app->names), app->pretty)
		       : render_topology_text(&s, &iso, sel.narrowed ? sel.dev : NULL, &req->lo);
	rc = rc < 0 ? app_output_failed(app) : EXIT_OK;
	selection_release(&sel);
	isolation_release(&iso);
	snapshot_release(&s);
	return rc;
}

const struct command cmd_topology = {
	.name = "topology",
	.summary = "Show the PCI hierarchy with port types, IOMMU groups and ACS.",
	.synopsis = "[OPTIONS] [GROUP|BDF]...",
	.options = topology_options,
	.operand = &topology_operand,
	.load = SNAP_LOAD_ISOLATION,
	.columns = &topology_columns,
	.run = topology_run,
};

/* `tree`: the same command under another name */
const struct command cmd_tree = {
	.name = "tree",
	.summary = "Alias of topology.",
	.alias_of = &cmd_topology,
};
