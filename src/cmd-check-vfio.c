/* cmd-check-vfio.c - `iommuctl check-vfio BDF...`: can each device be handed
 * to a VM through VFIO, and exactly what to do if not yet.  Read-only: the
 * steps are printed, never run.  Exit 0 all viable, 1 any not viable, 4 any
 * viable only after the steps. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "diag.h"
#include "status.h"

struct check_vfio_options {
	bool all;
	bool script;
	bool accept_unknown_host_use;
};

static const struct cmd_option check_vfio_options[] = {
	{.name = "all", .kind = OPT_FLAG, OWN_FIELD(struct check_vfio_options, all),
	 .help = "check every function but bridges (class 06: host, ISA and PCI bridges)"},
	{.name = "script", .kind = OPT_FLAG, OWN_FIELD(struct check_vfio_options, script),
	 .help = "print only the steps, as a shell script to review and run"},
	{.name = "accept-unknown-host-use", .kind = OPT_FLAG, OWN_FIELD(struct check_vfio_options, accept_unknown_host_use),
	 .help = "give the steps for a device whose use by the host (root file system, default route) could not be read"},
	OPTIONS_SELECT(NULL),
	OPTIONS_END,
};

static const struct cmd_operand check_vfio_operand = {
	.name = "BDF",
	.kind = OPERAND_DEVICE,
	.help = "a device: 0000:01:00.0, or 01:00.0 (1:0.0) in domain 0",
};

struct check_ctx {
	const struct iommu_presence *presence;
	const struct status_report *status;
	const struct pci_tree *tree;
	const struct vfio_request *req;
};

static void check_one(const struct vfio_view *v, size_t i, struct vfio_check *out)
{
	const struct check_ctx *cx = v->ctx;
	vfio_check_device(v->s, cx->presence, cx->status, cx->tree, cx->req, cx->req->devs[i], out);
}

static int check_vfio_run(struct app *app, struct request *req)
{
	const struct check_vfio_options *o = req->own;
	struct snapshot s;
	struct selection sel;
	struct iommu_presence presence;
	struct status_report status;
	struct vfio_tally tally;
	struct pci_tree tree;
	size_t *devs = NULL, ndevs = 0;
	int rc;

	if (o->script && app->json)
		return app_usage_error(app, "--script and --json cannot be combined");
	if (o->all && req->noperands)
		return app_usage_error(app, "give devices or --all, not both");
	if (!o->all && !request_narrowed(req))
		return app_usage_error(app, "which device? give its address (e.g. 01:00.0), --all, -s or -d");
	rc = app_load(app, req->load, &s);
	if (rc == EXIT_OK)
		rc = app_select(app, req, &s, 0, false, &sel);
	if (rc != EXIT_OK) {
		snapshot_release(&s);
		return rc;
	}
	devs = xcalloc(s.ndev + 1, sizeof(*devs));
	if (req->noperands) {
		memcpy(devs, sel.named, sel.nnamed * sizeof(*devs));
		ndevs = sel.nnamed;
	} else {
		for (size_t i = 0; i < s.ndev; i++)
			if (sel.dev[i] && vfio_checked_by_all(&s.dev[i]))
				devs[ndevs++] = i;
	}
	if (sel.narrowed && !ndevs) {
		rc = app_usage_error(app, "no PCI function is selected");
		goto out;
	}

	iommu_presence_analyse(&s, &presence);
	status_analyse(&s, &status);
	pci_tree_build(&s, &tree);
	{
		/* devices named, or one script: assigned together */
		struct vfio_request vr = {.devs = devs, .ndevs = ndevs, .together = req->noperands || o->script,
					  .accept_unknown_host_use = o->accept_unknown_host_use};
		struct check_ctx cx = {&presence, &status, &tree, &vr};
		struct vfio_view v = {&s, ndevs, check_one, &cx, names_warning(app->names), app->numeric,
				      app_width(app)};
		vfio_request_prepare(&s, &vr);
		app_print_warnings(app, &s);
		if ((app->json ? json_print_check_vfio(&v, app->pretty, &tally)
		     : o->script ? render_check_vfio_script(&v, &tally)
				 : render_check_vfio_text(&v, &tally)) < 0)
			rc = app_output_failed(app);
		else
			rc = tally.not_viable ? EXIT_BLOCKING : tally.after_steps ? EXIT_STEPS : EXIT_OK;
		vfio_request_release(&vr);
	}
	pci_tree_release(&tree);
	status_report_release(&status);
	iommu_presence_release(&presence);
out:
	free(devs);
	selection_release(&sel);
	snapshot_release(&s);
	return rc;
}

const struct command cmd_check_vfio = {
	.name = "check-vfio",
	.summary = "Say whether VFIO can take each device now, and the exact steps if not yet.",
	.synopsis = "[--script] [--accept-unknown-host-use] [OPTIONS] BDF... | --all | -s SLOT | -d ID",
	.options = check_vfio_options,
	.operand = &check_vfio_operand,
	.own_size = sizeof(struct check_vfio_options),
	.load = SNAP_LOAD_CONFIG | SNAP_LOAD_TOPOLOGY | SNAP_LOAD_HOST,
	.run = check_vfio_run,
};
