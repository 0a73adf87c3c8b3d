/* cmd-dma-path.c - `iommuctl dma-path BDF --addr PHYS [--size N]
 * [--direction DIR] [--cmdline STRING]`: what happens to one streaming DMA
 * mapping of that device - direct, bounced, translated or failed - now, or
 * after a reboot with another command line; exit 1 when it would fail. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "diag.h"
#include "dmapath.h"
#include "swiotlb.h"

enum { OPT_ADDR = OPT_FIRST_COMMAND_OPTION, OPT_SIZE, OPT_DIRECTION, OPT_CMDLINE };

static const struct option dma_path_options[] = {
	{"addr", required_argument, NULL, OPT_ADDR},
	{"size", required_argument, NULL, OPT_SIZE},
	{"direction", required_argument, NULL, OPT_DIRECTION},
	{"cmdline", required_argument, NULL, OPT_CMDLINE},
	GLOBAL_LONG_OPTIONS,
	{NULL, 0, NULL, 0},
};

static const struct opt_help dma_path_help[] = {
	{"    --addr PHYS", "the buffer's physical address (decimal or 0x hex; required)"},
	{"    --size N", "its length in bytes, or with K, M, G (default 4096)"},
	{"    --direction DIR", "to-device, from-device or bidirectional (the default)"},
	{"    --cmdline STRING", "what-if: the same mapping after a reboot with this kernel command line"},
	{NULL, NULL},
};

static int dma_path_run(struct app *app, int argc, char **argv)
{
	struct dma_path_request q = {.size = 4096, .dir = DMA_DIR_BIDIRECTIONAL};
	struct pci_addr a;
	struct snapshot s;
	struct swiotlb_report r;
	struct dma_path p;
	const struct pci_device *d;
	bool have_addr = false;
	char *why = NULL;
	int opt, rc;

	optind = 0; /* options before or after the device */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, app->cmd->shortopts, app->cmd->options, NULL)) != -1) {
		if (app_global_option(app, opt, optarg))
			continue;
		switch (opt) {
		case OPT_ADDR:
			if (!parse_size_suffix(optarg, &q.phys) || strpbrk(optarg, "KkMmGgTt"))
				return app_usage_error(app, "--addr needs a physical address (decimal or 0x hex), not '%s'",
						       optarg);
			have_addr = true;
			break;
		case OPT_SIZE:
			if (!parse_size_suffix(optarg, &q.size) || !q.size)
				return app_usage_error(app, "--size needs a length above 0 (bytes, or with K, M, G), not '%s'",
						       optarg);
			break;
		case OPT_DIRECTION:
			if (!dma_direction_parse(optarg, &q.dir))
				return app_usage_error(app, "--direction is to-device, from-device or bidirectional, not '%s'",
						       optarg);
			break;
		case OPT_CMDLINE:
			q.cmdline = optarg;
			break;
		default:
			return app_other_option(app, opt, argv);
		}
	}
	/* getopt moved the operands to the end */
	if (optind >= argc)
		return app_usage_error(app, "no device given");
	if (optind + 1 < argc)
		return app_usage_error(app, "unexpected argument '%s'", argv[optind + 1]);
	if (!app_parse_device(argv[optind], &a))
		return app_usage_error(app, "'%s' is not a PCI address (DDDD:BB:DD.F or BB:DD.F)", argv[optind]);
	if (!have_addr)
		return app_usage_error(app, "--addr is required");
	if (q.phys + q.size - 1 < q.phys || q.phys + q.size - 1 > (1ull << 63) - 1)
		return app_usage_error(app, "the buffer must end below 2^63");

	rc = app_load(app, SNAP_LOAD_DMA | SNAP_LOAD_HOST | SNAP_LOAD_ISOLATION, &s);
	if (rc != EXIT_OK) {
		snapshot_release(&s);
		return rc;
	}
	if (!(d = app_find_device(app, &s, &a, &rc))) {
		snapshot_release(&s);
		return rc;
	}
	q.dev = (size_t)(d - s.dev);
	swiotlb_analyse(&s, &r);
	app_print_warnings(app, &s);
	if (dma_path_predict(&s, &r, &q, &p, &why) < 0) {
		rc = app_fail(app, EXIT_ENV, "cannot predict the mapping: %s", why);
		free(why);
	} else {
		if ((app->json ? json_print_dma_path(&s, &q, &p, names_warning(app->names), app->pretty)
			       : render_dma_path_text(&s, &q, &p, app->numeric)) < 0)
			rc = app_output_failed(app);
		else
			rc = p.path == DMA_PATH_FAIL ? EXIT_BLOCKING : EXIT_OK;
		dma_path_release(&p);
	}
	swiotlb_report_release(&r);
	snapshot_release(&s);
	return rc;
}

const struct command cmd_dma_path = {
	.name = "dma-path",
	.run = dma_path_run,
	.args = "BDF --addr PHYS [--size N] [--direction DIR] [--cmdline STRING]",
	.summary = "Predict one DMA mapping of a device: direct, bounced, translated or failed.",
	.options = dma_path_options,
	.shortopts = ":hjp",
	.help = dma_path_help,
};
