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

/* --addr, and whether it was given (it is required) */
struct phys_option {
	uint64_t phys;
	bool given;
};

struct dma_path_options {
	struct phys_option addr;
	uint64_t size;
	int direction; /* enum dma_direction */
	const char *cmdline;
};

/* --addr: decimal or 0x hex, no unit */
static bool parse_addr(const char *arg, void *field)
{
	struct phys_option *addr = field;
	if (!parse_size_suffix(arg, &addr->phys) || strpbrk(arg, "KkMmGgTt"))
		return false;
	addr->given = true;
	return true;
}

/* A length above 0: bytes, or with K, M, G, T. */
static bool parse_length(const char *arg, void *field)
{
	uint64_t v;
	if (!parse_size_suffix(arg, &v) || !v)
		return false;
	*(uint64_t *)field = v;
	return true;
}

static const struct cmd_option dma_path_options[] = {
	{.name = "addr", .kind = OPT_VALUE, .arg = "PHYS", OWN_FIELD(struct dma_path_options, addr),
	 .parse = parse_addr, .invalid = "needs a physical address (decimal or 0x hex)",
	 .help = "the buffer's physical address (decimal or 0x hex; required)"},
	{.name = "size", .kind = OPT_VALUE, .arg = "N", OWN_FIELD(struct dma_path_options, size), .parse = parse_length,
	 .invalid = "needs a length above 0 (bytes, or with K, M, G)",
	 .help = "its length in bytes, or with K, M, G (default 4096)"},
	{.name = "direction", .kind = OPT_CHOICE, .arg = "DIR", OWN_FIELD(struct dma_path_options, direction),
	 .choices = dma_direction_ids,
	 .help = "to-device, from-device or bidirectional (the default)"},
	{.name = "cmdline", .kind = OPT_STRING, .arg = "STRING", OWN_FIELD(struct dma_path_options, cmdline),
	 .help = "what-if: the same mapping after a reboot with this kernel command line"},
	OPTIONS_END,
};

static const struct dma_path_options dma_path_defaults = {.size = 4096, .direction = DMA_DIR_BIDIRECTIONAL};

static int dma_path_run(struct app *app, struct request *req)
{
	const struct dma_path_options *o = req->own;
	struct dma_path_request q = {.phys = o->addr.phys, .size = o->size, .dir = (enum dma_direction)o->direction,
				     .cmdline = o->cmdline};
	struct pci_addr a;
	struct snapshot s;
	struct swiotlb_report r;
	struct dma_path p;
	const struct pci_device *d;
	char *why = NULL;
	int rc;

	if (!req->noperands)
		return app_usage_error(app, "no device given");
	pci_addr_parse_lenient(req->operands[0], &a);
	if (!o->addr.given)
		return app_usage_error(app, "--addr is required");
	if (q.phys + q.size - 1 < q.phys || q.phys + q.size - 1 > (1ull << 63) - 1)
		return app_usage_error(app, "the buffer must end below 2^63");

	rc = app_load(app, req->load, &s);
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
			       : render_dma_path_text(&s, &q, &p, app->numeric, app_width(app))) < 0)
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
	.summary = "Predict one DMA mapping of a device: direct, bounced, translated or failed.",
	.synopsis = "BDF --addr PHYS [--size N] [--direction DIR] [--cmdline STRING]",
	.options = dma_path_options,
	.operand = &one_device_operand,
	.own_size = sizeof(struct dma_path_options),
	.own_defaults = &dma_path_defaults,
	.load = SNAP_LOAD_DMA | SNAP_LOAD_HOST | SNAP_LOAD_ISOLATION,
	.run = dma_path_run,
};
