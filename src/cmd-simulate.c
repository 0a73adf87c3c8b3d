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

enum {
	OPT_FORMAT = OPT_FIRST_COMMAND_OPTION,
	OPT_AW,
	OPT_STRICT,
	OPT_LAZY,
	OPT_FORCEDAC,
	OPT_SAC_EVERY_MAP,
	OPT_IOTLB_ENTRIES,
	OPT_TOTALS,
};

static const struct option simulate_options[] = {
	{"format", required_argument, NULL, OPT_FORMAT},
	{"aw", required_argument, NULL, OPT_AW},
	{"strict", no_argument, NULL, OPT_STRICT},
	{"lazy", no_argument, NULL, OPT_LAZY},
	{"forcedac", no_argument, NULL, OPT_FORCEDAC},
	{"sac-every-map", no_argument, NULL, OPT_SAC_EVERY_MAP},
	{"iotlb-entries", required_argument, NULL, OPT_IOTLB_ENTRIES},
	{"totals", no_argument, NULL, OPT_TOTALS},
	GLOBAL_LONG_OPTIONS,
	{NULL, 0, NULL, 0},
};

static const struct opt_help simulate_help[] = {
	{"    --format FMT", "page-table format: intel-vtd (default), amd-v1, arm-lpae-4k, arm-lpae-16k, arm-lpae-64k"},
	{"    --aw BITS", "input address width in bits (default 48; the format's own range)"},
	{"    --strict", "strict invalidation (a DMA domain): dma_unmap invalidates at once"},
	{"    --lazy", "lazy invalidation (a DMA-FQ domain, the default): a flush queue"},
	{"    --forcedac", "as iommu.forcedac=1: no 32-bit IOVAs first"},
	{"    --sac-every-map", "as kernels before 6.6: 32-bit IOVAs first on every dma_map"},
	{"    --iotlb-entries N", "IOTLB size in entries (a power of two; default 512)"},
	{"    --totals", "print only the totals (for long traces)"},
	{NULL, NULL},
};

struct simulate_args {
	struct sim_config cfg;
	bool totals_only;
	const char *trace;
};

static int parse_args(struct app *app, int argc, char **argv, struct simulate_args *a)
{
	enum pt_format format = PT_INTEL_VTD;
	int opt, strict = -1;
	bool forcedac = false, every = false;
	unsigned aw = 0, entries = 0;

	memset(a, 0, sizeof(*a));
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, app->cmd->shortopts, app->cmd->options, NULL)) != -1) {
		uint64_t v;
		if (app_global_option(app, opt, optarg))
			continue;
		switch (opt) {
		case OPT_FORMAT:
			if (!pt_format_parse(optarg, &format))
				return app_usage_error(app, "--format is intel-vtd, amd-v1, arm-lpae-4k, arm-lpae-16k or "
							    "arm-lpae-64k, not '%s'",
						       optarg);
			break;
		case OPT_AW:
			if (!parse_u64(optarg, 10, &v) || v < 12 || v > 64)
				return app_usage_error(app, "--aw needs a number of bits from 12 to 64, not '%s'", optarg);
			aw = (unsigned)v;
			break;
		case OPT_STRICT:
		case OPT_LAZY:
			strict = opt == OPT_STRICT;
			break;
		case OPT_FORCEDAC:
			forcedac = true;
			break;
		case OPT_SAC_EVERY_MAP:
			every = true;
			break;
		case OPT_IOTLB_ENTRIES:
			/* sets of 4 ways: at least one set */
			if (!parse_u64(optarg, 10, &v) || v < 4 || v > (1u << 24) || (v & (v - 1)))
				return app_usage_error(app, "--iotlb-entries needs a power of two from 4 to 16777216, not '%s'",
						       optarg);
			entries = (unsigned)v;
			break;
		case OPT_TOTALS:
			a->totals_only = true;
			break;
		default:
			return app_other_option(app, opt, argv);
		}
	}
	if (optind + 1 < argc)
		return app_usage_error(app, "unexpected argument '%s'", argv[optind + 1]);
	a->trace = optind < argc && strcmp(argv[optind], "-") ? argv[optind] : NULL;
	sim_config_default(&a->cfg, format);
	a->cfg.aw = aw;
	a->cfg.lazy = strict != 1;
	a->cfg.forcedac = forcedac;
	a->cfg.sac_every_time = every;
	a->cfg.iotlb_entries = entries;
	return -1;
}

static int simulate_run(struct app *app, int argc, char **argv)
{
	struct simulate_args a;
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
	int rc = parse_args(app, argc, argv, &a), step;

	if (rc >= 0)
		return rc;
	if (sim_create(&a.cfg, &sim, &why) < 0) {
		rc = app_usage_error(app, "%s", why);
		free(why);
		return rc;
	}
	f = a.trace ? fopen(a.trace, "re") : stdin;
	if (f && f != stdin && fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		f = NULL;
		errno = EISDIR;
	}
	if (!f) {
		rc = app_fail(app, EXIT_ENV, "cannot read '%s': %s", a.trace, strerror(errno));
		sim_free(sim);
		return rc;
	}
	sim_get_geometry(sim, &geo);
	sim_output_begin(&out, app->json, app->pretty, a.totals_only, &a.cfg, &geo);
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		step = sim_step(sim, lineno, line, &r, err, sizeof(err));
		if (step < 0) {
			char *msg = xasprintf("%s line %lu: %s", a.trace ? a.trace : "(stdin)", lineno, err);
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
		char *msg = xasprintf("cannot read '%s': %s", a.trace ? a.trace : "(stdin)", strerror(errno));
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
	.run = simulate_run,
	.args = "[--format FMT] [--aw BITS] [--strict|--lazy] [OPTIONS] [TRACE]",
	.summary = "Replay a trace of IOMMU operations through the page-table, IOVA and IOTLB models.",
	.options = simulate_options,
	.shortopts = ":hjp",
	.help = simulate_help,
};
