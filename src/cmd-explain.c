/* cmd-explain.c - `iommuctl explain [GROUP|BDF]...`: why functions share a
 * group (or one is alone), and what would split it. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "diag.h"

static const struct option explain_options[] = {
	{"predict", no_argument, NULL, OPT_PREDICT},
	GLOBAL_LONG_OPTIONS,
	{NULL, 0, NULL, 0},
};

static const struct opt_help explain_help[] = {
	{"GROUP|BDF", "a group number, or a device (0000:05:00.0 or 05:00.0); none: every group of several devices"},
	{"    --predict", "explain the groups the kernel would form (the default without an IOMMU)"},
	{NULL, NULL},
};

static int explain_run(struct app *app, int argc, char **argv)
{
	struct snapshot s;
	struct isolation iso, iso_override;
	struct prediction pred;
	enum tri override_active = TRI_UNKNOWN;
	struct explanation *ex = NULL;
	size_t nex = 0;
	int *wanted = NULL, opt, rc;
	size_t nwanted = 0;
	bool predict = false, have_override = false;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, app->cmd->shortopts, app->cmd->options, NULL)) != -1) {
		if (app_global_option(app, opt, optarg))
			continue;
		if (opt == OPT_PREDICT)
			predict = true;
		else if (opt == 'h') {
			app_command_help(app->cmd);
			return EXIT_OK;
		} else if (opt == ':')
			return app_usage_error(app, "option '%s' needs an argument", argv[optind - 1]);
		else
			return app_usage_error(app, "unknown option '%s'", argv[optind - 1]);
	}
	for (int i = optind; i < argc; i++) {
		struct pci_addr a;
		if (!is_decimal(argv[i]) && !app_parse_device(argv[i], &a))
			return app_usage_error(app, "'%s' is neither a group number nor a PCI address", argv[i]);
	}

	rc = app_load_isolation(app, &s, &iso, predict);
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

	wanted = xcalloc((size_t)argc + s.ngrp + 1, sizeof(*wanted));
	for (int i = optind; i < argc; i++) {
		struct pci_addr a;
		int gid = -1;
		if (is_decimal(argv[i])) {
			if (!parse_int(argv[i], &gid) || !snapshot_find_group(&s, gid)) {
				rc = app_usage_error_see(app, "--help",
							 "there is no %sIOMMU group %s", predict ? "predicted " : "", argv[i]);
				goto out;
			}
		} else {
			const struct pci_device *d;
			app_parse_device(argv[i], &a);
			d = snapshot_find_device(&s, &a);
			if (!d) {
				rc = app_usage_error(app, "there is no PCI function %s", argv[i]);
				goto out;
			}
			if (d->group < 0) {
				int bridge, owner = predict ? -1 : streamid_taken_by(&s, (size_t)(d - s.dev), &bridge);
				if (owner >= 0) {
					char *why = streamid_collision_text(&s, (size_t)(d - s.dev), owner, bridge);
					rc = app_fail(app, EXIT_BLOCKING, "%s is in no IOMMU group: %s", d->bdf, why);
					free(why);
				} else {
					rc = app_fail(app, EXIT_BLOCKING,
						      "%s is in no IOMMU group: the IOMMU does not translate its DMA%s", d->bdf,
						      predict ? "" : " (it is outside every IOMMU unit's scope)");
				}
				goto out;
			}
			gid = d->group;
		}
		wanted[nwanted++] = gid;
	}
	if (optind >= argc)
		for (size_t i = 0; i < s.ngrp; i++)
			if (group_member_count(&s.grp[i]) > 1)
				wanted[nwanted++] = s.grp[i].id;

	ex = xcalloc(nwanted + 1, sizeof(*ex));
	for (size_t i = 0; i < nwanted; i++) {
		bool dup = false;
		for (size_t j = 0; j < nex; j++)
			dup = dup || ex[j].group == wanted[i];
		if (dup)
			continue;
		explain_group(&iso, &pred, wanted[i], &ex[nex]);
		if (have_override)
			explain_acs_override(&iso_override, predict ? TRI_UNKNOWN : override_active, &ex[nex]);
		nex++;
	}
	{
		struct explain_view v = {&s, &iso, predict, ex, nex, names_warning(app->names)};
		app_print_warnings(app, &s);
		rc = (app->json ? json_print_explain(&v, app->pretty) : render_explain_text(&v)) < 0
			     ? app_fail(app, EXIT_ENV, "cannot write the output")
			     : EXIT_OK;
	}
out:
	for (size_t i = 0; i < nex; i++)
		explanation_release(&ex[i]);
	free(ex);
	free(wanted);
	isolation_release(&iso_override);
	prediction_release(&pred);
	isolation_release(&iso);
	snapshot_release(&s);
	return rc;
}

const struct command cmd_explain = {
	.name = "explain",
	.run = explain_run,
	.args = "[--predict] [GROUP|BDF]...",
	.summary = "Explain why devices share an IOMMU group, and what would split it.",
	.options = explain_options,
	.shortopts = "+:hjp",
	.help = explain_help,
};
