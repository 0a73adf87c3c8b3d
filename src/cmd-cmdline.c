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

struct cmdline_options {
	const char *cmdline;
};

static const struct cmd_option cmdline_options[] = {
	{.name = "cmdline", .kind = OPT_STRING, .arg = "STRING", OWN_FIELD(struct cmdline_options, cmdline),
	 .help = "explain STRING instead of /proc/cmdline (what a reboot with it would do)"},
	OPTIONS_END,
};

static int cmdline_run(struct app *app, struct request *req)
{
	const char *given = ((const struct cmdline_options *)req->own)->cmdline, *text, *source;
	struct snapshot s;
	struct iommu_cmdline c;
	int rc = EXIT_OK, out;

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
		rc = app_load(app, req->load, &s);
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
			: render_cmdline_text(text, source, &c, app_width(app));
	if (out < 0)
		rc = app_output_failed(app);
	iommu_cmdline_release(&c);
	snapshot_release(&s);
	return rc;
}

const struct command cmd_cmdline = {
	.name = "cmdline",
	.summary = "Explain the kernel command line's IOMMU, DMA, swiotlb, ACS and VFIO parameters.",
	.synopsis = "[--cmdline STRING]",
	.options = cmdline_options,
	.own_size = sizeof(struct cmdline_options),
	.load = SNAP_LOAD_CMDLINE_ONLY,
	.run = cmdline_run,
};
