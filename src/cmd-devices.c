/* cmd-devices.c - `iommuctl devices`: every PCI function, with or without
 * an IOMMU group. */
#include "cmd.h"
#include "diag.h"

static const struct cmd_option devices_options[] = {
	OPTIONS_COLUMNS,
	OPTIONS_TABLE_FORMAT(NULL),
	OPTIONS_SELECT(NULL),
	OPTIONS_END,
};

static int devices_run(struct app *app, struct request *req)
{
	return app_run_list(app, req, LIST_DEVICES, false, false);
}

const struct command cmd_devices = {
	.name = "devices",
	.summary = "List every PCI function with its IOMMU group, driver and IOMMU unit.",
	.synopsis = "[OPTIONS] [GROUP|BDF]...",
	.options = devices_options,
	.operand = &group_or_device_operand,
	.columns = &devices_columns,
	.run = devices_run,
};
