/* cmd-simulate.c - `iommuctl simulate [--format FMT] [--aw BITS]
 * [--strict|--lazy] [TRACE]`: replays a trace of IOMMU operations through
 * the software models and reports each result and the totals.  The trace
 * streams (a line at a time), so replay is linear in its length. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "diag.h"
#include "simulate.h"

struct simulate_options {
	int format;   /* enum pt_format */
	unsigned aw;  /* 0: the format's default */
	bool strict, lazy, forcedac, sac_every_map, totals;
	unsigned iotlb_entries; /* 0: the default */
};

/* --aw BITS: 12 to 64 */
static bool parse_aw(const char *arg, void *field)
{
	uint64_t v;
	if (!parse_u64(arg, 10, &v) || v < 12 || v > 64)
		return false;
	*(unsigned *)field = (unsigned)v;
	return true;
}

/* --iotlb-entries N: sets of 4 ways, at least one set */
static bool parse_entries(const char *arg, void *field)
{
	uint64_t v;
	if (!parse_u64(arg, 10, &v) || v < 4 || v > (1u << 24) || (v & (v - 1)))
		return false;
	*(unsigned *)field = (unsigned)v;
	return true;
}

#define SIM_FIELD(f) OWN_FIELD(struct simulate_options, f)
static const struct cmd_option simulate_options[] = {
	{.name = "format", .kind = OPT_CHOICE, .arg = "FMT", SIM_FIELD(format), .choices = pt_format_ids,
	 .help = "page-table format: intel-vtd (default), amd-v1, arm-lpae-4k, arm-lpae-16k, arm-lpae-64k"},
	{.name = "aw", .kind = OPT_VALUE, .arg = "BITS", SIM_FIELD(aw), .parse = parse_aw,
	 .invalid = "needs a number of bits from 12 to 64",
	 .help = "input address width in bits (default 48; the format's own range)"},
	{.name = "strict", .kind = OPT_FLAG, SIM_FIELD(strict),
	 .help = "strict invalidation (a DMA domain): dma_unmap invalidates at once"},
	{.name = "lazy", .kind = OPT_FLAG, SIM_FIELD(lazy),
	 .help = "lazy invalidation (a DMA-FQ domain, the default): a flush queue"},
	{.name = "forcedac", .kind = OPT_FLAG, SIM_FIELD(forcedac), .help = "as iommu.forcedac=1: no 32-bit IOVAs first"},
	{.name = "sac-every-map", .kind = OPT_FLAG, SIM_FIELD(sac_every_map),
	 .help = "as kernels before 6.6: 32-bit IOVAs first on every dma_map"},
	{.name = "iotlb-entries", .kind = OPT_VALUE, .arg = "N", SIM_FIELD(iotlb_entries), .parse = parse_entries,
	 .invalid = "needs a power of two from 4 to 16777216",
	 .help = "IOTLB size in entries (a power of two; default 512)"},
	{.name = "totals", .kind = OPT_FLAG, SIM_FIELD(totals), .help = "print only the totals (for long traces)"},
	OPTIONS_END,
};

static const struct cmd_operand trace_operand = {
	.name = "TRACE",
	.kind = OPERAND_FILE,
	.max = 1,
	.help = "the trace of operations to replay (none or -: standard input)",
};

static int simulate_run(struct app *app, struct request *req)
{
	const struct simulate_options *o = req->own;
	const char *trace = req->noperands && strcmp(req->operands[0], "-") ? req->operands[0] : NULL;
	struct sim_config cfg;
	struct sim *sim;
	struct sim_result r;
	struct sim_totals t;
	struct sim_output out;
	struct pt_geometry geo;
	struct stat st;
	bool json = app->json;
	char *line = NULL, *why = NULL, err[256];
	size_t cap = 0;
	unsigned long lineno = 0;
	FILE *f;
	int rc = -1, step;

	if (o->strict && o->lazy)
		return app_usage_error(app, "--strict and --lazy cannot be combined");
	sim_config_default(&cfg, (enum pt_format)o->format);
	cfg.aw = o->aw;
	cfg.lazy = !o->strict;
	cfg.forcedac = o->forcedac;
	cfg.sac_every_time = o->sac_every_map;
	cfg.iotlb_entries = o->iotlb_entries;
	if (sim_create(&cfg, &sim, &why) < 0) {
		rc = app_usage_error(app, "%s", why);
		free(why);
		return rc;
	}
	f = trace ? fopen(trace, "re") : stdin;
	if (f && f != stdin && fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		f = NULL;
		errno = EISDIR;
	}
	if (!f) {
		rc = app_fail(app, EXIT_ENV, "cannot read '%s': %s", trace, strerror(errno));
		sim_free(sim);
		return rc;
	}
	sim_get_geometry(sim, &geo);
	sim_output_begin(&out, app->json, app->pretty, o->totals, &cfg, &geo, app_width(app));
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		step = sim_step(sim, lineno, line, &r, err, sizeof(err));
		if (step < 0) {
			char *msg = xasprintf("%s line %lu: %s", trace ? trace : "(stdin)", lineno, err);
			/* under -j the error ends the document already begun */
			app->json = false;
			rc = app_usage_error(app, "%s", msg);
			app->json = json;
			sim_output_abort(&out, msg, rc);
			free(msg);
			break;
		}
		if (step > 0)
			sim_output_result(&out, &r);
	}
	if (rc < 0 && ferror(f)) {
		char *msg = xasprintf("cannot read '%s': %s", trace ? trace : "(stdin)", strerror(errno));
		app->json = false;
		rc = app_fail(app, EXIT_ENV, "%s", msg);
		app->json = json;
		sim_output_abort(&out, msg, rc);
		free(msg);
	}
	if (rc < 0) {
		sim_get_totals(sim, &t);
		if (sim_output_end(&out, &t) < 0)
			rc = app_output_failed(app);
		else
			rc = t.failed || t.faults ? EXIT_BLOCKING : EXIT_OK;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	sim_free(sim);
	return rc;
}

const struct command cmd_simulate = {
	.name = "simulate",
	.summary = "Replay a trace of IOMMU operations through the page-table, IOVA and IOTLB models.",
	.synopsis = "[--format FMT] [--aw BITS] [--strict|--lazy] [OPTIONS] [TRACE]",
	.options = simulate_options,
	.operand = &trace_operand,
	.own_size = sizeof(struct simulate_options),
	.run = simulate_run,
};
