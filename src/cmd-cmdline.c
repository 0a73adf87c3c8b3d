/* cmd-cmdline.c - `iommuctl cmdline [--cmdline STRING]`: every IOMMU-, DMA-,
 * swiotlb-, ACS- and VFIO-related parameter of the kernel command line
 * (/proc/cmdline, or the one given), what it does, what overrides it, and
 * the settings in force after the kernel's precedence rules. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "platform.h"
#include "cmdline.h"
#include "diag.h"

enum { OPT_CMDLINE = OPT_FIRST_COMMAND_OPTION };

static const struct option cmdline_options[] = {
	{"cmdline", required_argument, NULL, OPT_CMDLINE},
	GLOBAL_LONG_OPTIONS,
	{NULL, 0, NULL, 0},
};

static const struct opt_help cmdline_help[] = {
	{"    --cmdline STRING", "explain STRING instead of /proc/cmdline (what a reboot with it would do)"},
	{NULL, NULL},
};

static int cmdline_run(struct app *app, int argc, char **argv)
{
	const char *given = NULL, *text, *source;
	struct snapshot s;
	struct iommu_cmdline c;
	int opt, rc = EXIT_OK, out;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, app->cmd->shortopts, app->cmd->options, NULL)) != -1) {
		if (app_global_option(app, opt, optarg))
			continue;
		switch (opt) {
		case OPT_CMDLINE:
			given = optarg;
			break;
		default:
			return app_other_option(app, opt, argv);
		}
	}
	if (optind < argc)
		return app_usage_error(app, "unexpected argument '%s'", argv[optind]);

	snapshot_init(&s);
	if (given) {
		text = given;
		source = "--cmdline";
		/* the machine's kind still decides the wording, where known */
		if (!app_load_platform(app, &s)) {
			snapshot_release(&s);
			snapshot_init(&s);
		}
	} else {
		rc = app_load(app, SNAP_LOAD_CMDLINE_ONLY, &s);
		if (rc != EXIT_OK) {
			snapshot_release(&s);
			return rc;
		}
		if (!s.cmdline) {
			rc = app_fail(app, EXIT_ENV, "cannot read '/proc/cmdline': %s%s", strerror(-s.cmdline_err),
				      sysroot_is_live(app->sr) ? " (is /proc mounted?)"
							       : " (this snapshot has no kernel command line; give one "
								 "with --cmdline)");
			snapshot_release(&s);
			return rc;
		}
		text = s.cmdline;
		source = "/proc/cmdline";
	}
	iommu_cmdline_parse(text, &c);
	c.arch = (int)platform_arch(&s);
	out = app->json ? json_print_cmdline(text, source, &c, given ? NULL : json_warnings(&s, NULL), app->pretty)
			: render_cmdline_text(text, source, &c, terminal_width());
	if (out < 0)
		rc = app_output_failed(app);
	iommu_cmdline_release(&c);
	snapshot_release(&s);
	return rc;
}

const struct command cmd_cmdline = {
	.name = "cmdline",
	.run = cmdline_run,
	.args = "[--cmdline STRING]",
	.summary = "Explain the kernel command line's IOMMU, DMA, swiotlb, ACS and VFIO parameters.",
	.options = cmdline_options,
	.shortopts = "+:hjp",
	.help = cmdline_help,
};
