/* cmd-swiotlb.c - `iommuctl swiotlb [stats|devices]`: how full the swiotlb
 * bounce-buffer pools are (once, or sampled with --watch; text, JSON or
 * Prometheus), and which devices bounce through them and why. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "diag.h"
#include "swiotlb.h"

enum { OPT_WATCH = OPT_FIRST_COMMAND_OPTION, OPT_COUNT, OPT_FORMAT };

static const struct option swiotlb_options[] = {
	{"watch", required_argument, NULL, OPT_WATCH},
	{"count", required_argument, NULL, OPT_COUNT},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"raw", no_argument, NULL, 'r'},
	{"pairs", no_argument, NULL, 'P'},
	{"noheadings", no_argument, NULL, 'n'},
	GLOBAL_LONG_OPTIONS,
	{NULL, 0, NULL, 0},
};

static const struct opt_help swiotlb_help[] = {
	{"stats", "the pools: size, use, high-water mark, forcing, sizing advice (the default)"},
	{"devices", "each function: does its DMA bounce, and why"},
	{"    --watch SECONDS", "stats: sample every SECONDS (a table, or JSON lines with -j)"},
	{"    --count N", "stats: stop after N samples (with --watch)"},
	{"    --format FMT", "stats: text (default) or prometheus (node_exporter textfile collector)"},
	{"-r, --raw", "devices: raw output, no alignment"},
	{"-P, --pairs", "devices: KEY=\"value\" output"},
	{"-n, --noheadings", "devices: no headings (nor the summary)"},
	{NULL, NULL},
};

struct swiotlb_args {
	bool devices;
	double watch;      /* seconds; 0: once */
	long count;        /* samples; 0: unbounded */
	bool prometheus;
	struct list_options lo;
};

/* Sampling faster than watch(1) allows only spins the CPU: debugfs counters
 * are read whole each time. */
#define WATCH_MIN_SECONDS 0.1

static bool parse_positive(const char *s, double *out)
{
	char *end;
	double v;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= WATCH_MIN_SECONDS) || v > 86400)
		return false;
	*out = v;
	return true;
}

static int parse_args(struct app *app, int argc, char **argv, struct swiotlb_args *a)
{
	int opt;
	bool have_count = false;
	memset(a, 0, sizeof(*a));
	optind = 0; /* glibc: 0 re-initialises, so that this scan permutes (no '+') */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, app->cmd->shortopts, app->cmd->options, NULL)) != -1) {
		if (app_global_option(app, opt, optarg))
			continue;
		switch (opt) {
		case OPT_WATCH:
			if (!parse_positive(optarg, &a->watch))
				return app_usage_error(app, "--watch needs a number of seconds from 0.1 to 86400, not '%s'", optarg);
			break;
		case OPT_COUNT: {
			char *end;
			errno = 0;
			a->count = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || a->count < 1)
				return app_usage_error(app, "--count needs a whole number above 0, not '%s'", optarg);
			have_count = true;
			break;
		}
		case OPT_FORMAT:
			if (!strcmp(optarg, "prometheus"))
				a->prometheus = true;
			else if (strcmp(optarg, "text") != 0)
				return app_usage_error(app, "--format is text or prometheus, not '%s'", optarg);
			break;
		case 'r':
			a->lo.raw = true;
			break;
		case 'P':
			a->lo.pairs = true;
			break;
		case 'n':
			a->lo.noheadings = true;
			break;
		case 'h':
			app_command_help(app->cmd);
			return EXIT_OK;
		case ':':
			return app_usage_error(app, "option '%s' needs an argument", argv[optind - 1]);
		default:
			return app_usage_error(app, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		if (!strcmp(argv[optind], "devices"))
			a->devices = true;
		else if (strcmp(argv[optind], "stats") != 0)
			return app_usage_error(app, "'%s' is not a swiotlb subcommand (stats or devices)", argv[optind]);
		optind++;
	}
	if (optind < argc)
		return app_usage_error(app, "unexpected argument '%s'", argv[optind]);
	if (have_count && !a->watch)
		return app_usage_error(app, "--count goes with --watch");
	if (a->devices && (a->watch || a->prometheus))
		return app_usage_error(app, "--watch and --format are for swiotlb stats");
	if (!a->devices && (a->lo.raw || a->lo.pairs || a->lo.noheadings))
		return app_usage_error(app, "-r, -P and -n are for swiotlb devices");
	if (a->prometheus && (app->json || a->watch))
		return app_usage_error(app, "--format prometheus cannot be combined with %s",
				       app->json ? "--json" : "--watch");
	if (a->lo.raw && a->lo.pairs)
		return app_usage_error(app, "--raw and --pairs cannot be combined");
	return -1;
}

/* The exit status of a state: 3 when the counters could not be read. */
static int state_status(const struct swiotlb_report *r)
{
	return r->state == SWIOTLB_NO_DEBUGFS || r->state == SWIOTLB_NO_PERMISSION ? EXIT_ENV : EXIT_OK;
}

static int run_devices(struct app *app, const struct swiotlb_args *a)
{
	struct snapshot s;
	struct swiotlb_report r;
	struct swiotlb_device *d;
	size_t n;
	int rc = app_load(app, SNAP_LOAD_DMA, &s);
	if (rc != EXIT_OK) {
		snapshot_release(&s);
		return rc;
	}
	swiotlb_analyse(&s, &r);
	swiotlb_devices(&s, &r, &d, &n);
	app_print_warnings(app, &s);
	if ((app->json ? json_print_swiotlb_devices(&s, &r, d, n, names_warning(app->names), app->pretty)
		       : render_swiotlb_devices_text(&s, &r, d, n, &a->lo)) < 0)
		rc = app_output_failed(app);
	swiotlb_devices_release(d, n);
	swiotlb_report_release(&r);
	snapshot_release(&s);
	return rc;
}

static void now_text(char *out, size_t n)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void watch_row(const struct swiotlb_report *r, const char *when, bool first)
{
	const struct swiotlb_pool_stats *p = r->npools && r->pools[0].pool->is_default ? &r->pools[0] : NULL;
	char used[32] = "-", pct[16] = "-", hi[32] = "-";
	if (first)
		printf("%-20s  %-13s  %10s  %6s  %10s\n", "TIME", "STATE", "USED", "USED%", "HIWATER");
	if (p && p->used.slabs >= 0)
		format_bytes((unsigned long long)p->used_bytes, used, sizeof(used));
	if (p && p->used_pct >= 0)
		snprintf(pct, sizeof(pct), "%.1f", p->used_pct);
	if (p && p->hiwater.slabs >= 0)
		format_bytes((unsigned long long)p->hiwater_bytes, hi, sizeof(hi));
	printf("%-20s  %-13s  %10s  %6s  %10s\n", when, swiotlb_state_id(r->state), used, pct, hi);
	fflush(stdout);
}

static int run_stats(struct app *app, const struct swiotlb_args *a)
{
	int rc = EXIT_OK;
	for (long i = 0; a->count == 0 || i < (a->watch ? a->count : 1); i++) {
		struct snapshot s;
		struct swiotlb_report r;
		char when[32];
		int out;
		if (i > 0) {
			struct timespec ts = {(time_t)a->watch, (long)((a->watch - (double)(time_t)a->watch) * 1e9)};
			while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
				;
		}
		rc = app_load(app, SNAP_LOAD_SWIOTLB, &s);
		if (rc != EXIT_OK) {
			snapshot_release(&s);
			return rc;
		}
		swiotlb_analyse(&s, &r);
		now_text(when, sizeof(when));
		if (i == 0)
			app_print_warnings(app, &s);
		if (i == 0 && (app->json || a->prometheus || a->watch) &&
		    (r.state == SWIOTLB_NO_PERMISSION || r.state == SWIOTLB_NO_DEBUGFS))
			diag_warning("%s; %s", r.message, r.remedy);
		if (a->prometheus)
			out = render_swiotlb_prometheus(&r);
		else if (app->json)
			out = json_print_swiotlb_stats(&s, &r, names_warning(app->names), a->watch ? when : NULL,
						       a->watch ? false : app->pretty);
		else if (a->watch) {
			watch_row(&r, when, i == 0);
			out = ferror(stdout) ? -1 : 0;
		} else
			out = render_swiotlb_stats_text(&s, &r);
		if (app->json && a->watch)
			fflush(stdout);
		rc = out < 0 ? app_output_failed(app)
			     : state_status(&r);
		swiotlb_report_release(&r);
		snapshot_release(&s);
		if (out < 0 || !a->watch)
			break;
	}
	return rc;
}

static int swiotlb_run(struct app *app, int argc, char **argv)
{
	struct swiotlb_args a;
	int rc = parse_args(app, argc, argv, &a);
	if (rc >= 0)
		return rc;
	return a.devices ? run_devices(app, &a) : run_stats(app, &a);
}

const struct command cmd_swiotlb = {
	.name = "swiotlb",
	.run = swiotlb_run,
	.args = "[stats] [--watch SECONDS [--count N]] [--format text|prometheus] | devices [-r|-P] [-n]",
	.summary = "Show how full the swiotlb bounce buffers are, and which devices bounce.",
	.options = swiotlb_options,
	/* no '+': options may come before or after the subcommand */
	.shortopts = ":rPnhjp",
	.help = swiotlb_help,
};
