/* cmd-explain.c - `iommuctl explain [GROUP|BDF]...`: why functions share a
 * group (or one is alone), and what would split it. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "diag.h"

struct explain_options {
	bool predict;
};

static const struct cmd_option explain_options[] = {
	{.name = "predict", .kind = OPT_FLAG, OWN_FIELD(struct explain_options, predict),
	 .help = "explain the groups the kernel would form (the default without an IOMMU)"},
	OPTIONS_SELECT(NULL),
	OPTIONS_END,
};

static const struct cmd_operand explain_operand = {
	.name = "GROUP|BDF",
	.kind = OPERAND_GROUP_OR_DEVICE,
	.help = "a group number, or a device (0000:05:00.0, 05:00.0 or 5:0.0); none: every group of several devices",
};

/* The groups to explain, in the order asked: those of the functions the
 * operands name (a group number names its members) and -s and -d keep, or
 * those of every function -s and -d select, or every group of several
 * devices. */
static int wanted_groups(struct app *app, const struct request *req, const struct snapshot *s, bool predict,
			 int **out, size_t *n)
{
	struct selection sel;
	int *wanted = xcalloc(s->ndev + req->noperands + s->ngrp + 1, sizeof(*wanted));
	int rc = app_select(app, req, s, 0, predict, &sel);

	*out = wanted;
	*n = 0;
	for (size_t i = 0, g = 0; rc == EXIT_OK && i < req->noperands; i++) {
		const struct pci_device *d;
		struct pci_addr a;
		if (is_decimal(req->operands[i])) {
			const struct iommu_group *grp = snapshot_find_group(s, sel.groups[g++]);
			bool kept = grp->ndev == 0;
			for (size_t m = 0; m < grp->ndev; m++)
				kept = kept || sel.dev[grp->dev[m]];
			if (kept)
				wanted[(*n)++] = grp->id;
			continue;
		}
		pci_addr_parse_lenient(req->operands[i], &a);
		d = snapshot_find_device(s, &a);
		if (!sel.dev[d - s->dev])
			continue;
		if (d->group >= 0) {
			wanted[(*n)++] = d->group;
			continue;
		}
		{
			int bridge, owner = predict ? -1 : streamid_taken_by(s, (size_t)(d - s->dev), &bridge);
			char *why = owner >= 0 ? streamid_collision_text(s, (size_t)(d - s->dev), owner, bridge)
					       : xasprintf("the IOMMU does not translate its DMA%s",
							   predict ? "" : " (it is outside every IOMMU unit's scope)");
			rc = app_fail(app, EXIT_BLOCKING, "%s is in no IOMMU group: %s", d->bdf, why);
			free(why);
		}
	}
	if (rc == EXIT_OK && sel.narrowed && !req->noperands)
		for (size_t i = 0; i < s->ndev; i++)
			if (sel.dev[i] && s->dev[i].group >= 0)
				wanted[(*n)++] = s->dev[i].group;
	if (rc == EXIT_OK && sel.narrowed && !*n)
		rc = app_usage_error(app, "no function in an IOMMU group is selected");
	if (rc == EXIT_OK && !sel.narrowed)
		for (size_t i = 0; i < s->ngrp; i++)
			if (group_member_count(&s->grp[i]) > 1)
				wanted[(*n)++] = s->grp[i].id;
	selection_release(&sel);
	return rc;
}

static int explain_run(struct app *app, struct request *req)
{
	const struct explain_options *o = req->own;
	struct snapshot s;
	struct isolation iso, iso_override;
	struct prediction pred;
	enum tri override_active = TRI_UNKNOWN;
	struct explanation *ex = NULL;
	size_t nex = 0, nwanted = 0;
	int *wanted = NULL, rc;
	unsigned char *seen = NULL;
	bool predict = o->predict, have_override = false;

	rc = app_load_isolation(app, req->load, &s, &iso, predict);
	if (rc != EXIT_OK) {
		snapshot_release(&s);
		return rc;
	}
	if (!predict && s.ngrp == 0) {
		/* no IOMMU groups: explain the ones the kernel would form */
		isolation_release(&iso);
		isolation_choose(&iso, &s, true);
		predict = true;
	}
	/* the rules chosen honour pcie_acs_override only if this kernel did */
	if (!predict)
		override_active = iso.override ? TRI_YES : TRI_NO;
	/* what pcie_acs_override claims, applied or not */
	isolation_init(&iso_override, &s, predict, true);
	have_override = iso_override.override;
	predict_groups(&iso, &pred);
	if (predict)
		prediction_apply(&pred, &s);

	rc = wanted_groups(app, req, &s, predict, &wanted, &nwanted);
	if (rc != EXIT_OK)
		goto out;
	ex = xcalloc(nwanted + 1, sizeof(*ex));
	seen = xcalloc(s.ngrp + 1, sizeof(*seen));
	for (size_t i = 0; i < nwanted; i++) {
		/* each group once (every wanted group is one of s.grp) */
		const struct iommu_group *g = snapshot_find_group(&s, wanted[i]);
		if (g && seen[g - s.grp]++)
			continue;
		explain_group(&iso, &pred, wanted[i], &ex[nex]);
		if (have_override)
			explain_acs_override(&iso_override, predict ? TRI_UNKNOWN : override_active, &ex[nex]);
		nex++;
	}
	{
		struct explain_view v = {&s, &iso, predict, ex, nex, names_warning(app->names)};
		app_print_warnings(app, &s);
		rc = (app->json ? json_print_explain(&v, app->pretty) : render_explain_text(&v, app_width(app))) < 0
			     ? app_output_failed(app)
			     : EXIT_OK;
	}
out:
	for (size_t i = 0; i < nex; i++)
		explanation_release(&ex[i]);
	free(ex);
	free(seen);
	free(wanted);
	isolation_release(&iso_override);
	prediction_release(&pred);
	isolation_release(&iso);
	snapshot_release(&s);
	return rc;
}

const struct command cmd_explain = {
	.name = "explain",
	.summary = "Explain why devices share an IOMMU group, and what would split it.",
	.synopsis = "[OPTIONS] [GROUP|BDF]...",
	.options = explain_options,
	.operand = &explain_operand,
	.own_size = sizeof(struct explain_options),
	.run = explain_run,
};
