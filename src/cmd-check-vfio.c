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

enum { OPT_ALL = OPT_FIRST_COMMAND_OPTION, OPT_SCRIPT, OPT_ACCEPT_UNKNOWN_HOST_USE };

static const struct option check_vfio_options[] = {
	{"all", no_argument, NULL, OPT_ALL},
	{"script", no_argument, NULL, OPT_SCRIPT},
	{"accept-unknown-host-use", no_argument, NULL, OPT_ACCEPT_UNKNOWN_HOST_USE},
	GLOBAL_LONG_OPTIONS,
	{NULL, 0, NULL, 0},
};

static const struct opt_help check_vfio_help[] = {
	{"BDF", "a device: 0000:01:00.0, or 01:00.0 in domain 0"},
	{"    --all", "check every function but bridges (class 06: host, ISA and PCI bridges)"},
	{"    --script", "print only the steps, as a shell script to review and run"},
	{"    --accept-unknown-host-use", "give the steps for a device whose use by the host (root file system, "
					"default route) could not be read"},
	{NULL, NULL},
};

struct check_ctx {
	const struct iommu_presence *presence;
	const struct status_report *status;
	const struct vfio_request *req;
};

static void check_one(const struct vfio_view *v, size_t i, struct vfio_check *out)
{
	const struct check_ctx *cx = v->ctx;
	vfio_check_device(v->s, cx->presence, cx->status, cx->req, cx->req->devs[i], out);
}

static int check_vfio_run(struct app *app, int argc, char **argv)
{
	struct snapshot s;
	struct iommu_presence presence;
	struct status_report status;
	struct vfio_tally tally;
	size_t *devs = NULL, ndevs = 0;
	bool all = false, script = false, accept_unknown = false;
	int opt, rc;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, app->cmd->shortopts, app->cmd->options, NULL)) != -1) {
		if (app_global_option(app, opt, optarg))
			continue;
		if (opt == OPT_ALL)
			all = true;
		else if (opt == OPT_SCRIPT)
			script = true;
		else if (opt == OPT_ACCEPT_UNKNOWN_HOST_USE)
			accept_unknown = true;
		else if (opt == 'h') {
			app_command_help(app->cmd);
			return EXIT_OK;
		} else if (opt == ':')
			return app_usage_error(app, "option '%s' needs an argument", argv[optind - 1]);
		else
			return app_usage_error(app, "unknown option '%s'", argv[optind - 1]);
	}
	if (script && app->json)
		return app_usage_error(app, "--script and --json cannot be combined");
	if (all && optind < argc)
		return app_usage_error(app, "give devices or --all, not both");
	if (!all && optind >= argc)
		return app_usage_error(app, "which device? give its address (e.g. 01:00.0) or --all");
	for (int i = optind; i < argc; i++) {
		struct pci_addr a;
		if (!app_parse_device(argv[i], &a))
			return app_usage_error(app, "'%s' is not a PCI address (0000:01:00.0 or 01:00.0)", argv[i]);
	}

	rc = app_load(app, SNAP_LOAD_CONFIG | SNAP_LOAD_TOPOLOGY | SNAP_LOAD_HOST, &s);
	if (rc != EXIT_OK) {
		snapshot_release(&s);
		return rc;
	}
	devs = xcalloc((size_t)argc + s.ndev + 1, sizeof(*devs));
	for (int i = optind; i < argc; i++) {
		struct pci_addr a;
		const struct pci_device *d;
		bool dup = false;
		app_parse_device(argv[i], &a);
		d = snapshot_find_device(&s, &a);
		if (!d) {
			rc = app_usage_error(app, "there is no PCI function %s", argv[i]);
			free(devs);
			snapshot_release(&s);
			return rc;
		}
		for (size_t k = 0; k < ndevs; k++)
			dup = dup || devs[k] == (size_t)(d - s.dev);
		if (!dup)
			devs[ndevs++] = (size_t)(d - s.dev);
	}
	if (all)
		for (size_t i = 0; i < s.ndev; i++)
			if (vfio_checked_by_all(&s.dev[i]))
				devs[ndevs++] = i;

	iommu_presence_analyse(&s, &presence);
	status_analyse(&s, &status);
	{
		/* named devices, or one script: assigned together */
		struct vfio_request req = {.devs = devs, .ndevs = ndevs, .together = !all || script,
					   .accept_unknown_host_use = accept_unknown};
		struct check_ctx cx = {&presence, &status, &req};
		struct vfio_view v = {&s, ndevs, check_one, &cx, names_warning(app->names), app->numeric};
		vfio_request_prepare(&s, &req);
		app_print_warnings(app, &s);
		if ((app->json ? json_print_check_vfio(&v, app->pretty, &tally)
		     : script ? render_check_vfio_script(&v, &tally)
			      : render_check_vfio_text(&v, &tally)) < 0)
			rc = app_fail(app, EXIT_ENV, "cannot write the output");
		else
			rc = tally.not_viable ? EXIT_BLOCKING : tally.after_steps ? EXIT_STEPS : EXIT_OK;
		vfio_request_release(&req);
	}
	status_report_release(&status);
	iommu_presence_release(&presence);
	free(devs);
	snapshot_release(&s);
	return rc;
}

const struct command cmd_check_vfio = {
	.name = "check-vfio",
	.run = check_vfio_run,
	.args = "[--script] [--accept-unknown-host-use] BDF... | --all",
	.summary = "Say whether VFIO can take each device now, and the exact steps if not yet.",
	.options = check_vfio_options,
	.shortopts = "+:hjp",
	.help = check_vfio_help,
};
