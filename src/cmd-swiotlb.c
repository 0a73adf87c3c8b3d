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

struct swiotlb_options {
	double watch; /* seconds; 0: once */
	long count;   /* samples; 0: unbounded */
	int format;   /* enum output_format */
};

/* Sampling faster than watch(1) allows only spins the CPU: debugfs counters
 * are read whole each time. */
#define WATCH_MIN_SECONDS 0.1

/* --watch SECONDS: from 0.1 to a day */
static bool parse_seconds(const char *arg, void *field)
{
	char *end;
	double v;
	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v >= WATCH_MIN_SECONDS) || v > 86400)
		return false;
	*(double *)field = v;
	return true;
}

/* --count N: a whole number above 0 */
static bool parse_count(const char *arg, void *field)
{
	char *end;
	long v;
	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 1)
		return false;
	*(long *)field = v;
	return true;
}

static const struct cmd_option swiotlb_options[] = {
	{.name = "watch", .kind = OPT_VALUE, .arg = "SECONDS", OWN_FIELD(struct swiotlb_options, watch),
	 .parse = parse_seconds, .invalid = "needs a number of seconds from 0.1 to 86400", .only_with = "stats",
	 .help = "sample every SECONDS (a table, or JSON lines with -j)"},
	{.name = "count", .kind = OPT_VALUE, .arg = "N", OWN_FIELD(struct swiotlb_options, count), .parse = parse_count,
	 .invalid = "needs a whole number above 0", .only_with = "stats",
	 .help = "stop after N samples (with --watch)"},
	{.name = "format", .kind = OPT_CHOICE, .arg = "FMT", OWN_FIELD(struct swiotlb_options, format),
	 .choices = output_format_ids, .only_with = "stats",
	 .help = "text (default) or prometheus (node_exporter textfile collector)"},
	OPTIONS_TABLE_FORMAT("devices"),
	OPTIONS_SELECT("devices"),
	OPTIONS_END,
};

static const char *const swiotlb_subcommands[] = {"stats", "devices", NULL};

static const struct cmd_operand swiotlb_operand = {
	.name = "stats|devices",
	.kind = OPERAND_CHOICE,
	.max = 1,
	.choices = swiotlb_subcommands,
	.invalid = "is not a swiotlb subcommand (stats or devices)",
	.help = "stats (the default): the pools' size, use and high-water mark, forcing and sizing advice; devices: each "
		"function, whether its DMA bounces and why",
};

/* The exit status of a state: 3 when the counters could not be read. */
static int state_status(const struct swiotlb_report *r)
{
	return r->state == SWIOTLB_NO_DEBUGFS || r->state == SWIOTLB_NO_PERMISSION ? EXIT_ENV : EXIT_OK;
}

static int run_devices(struct app *app, struct request *req)
{
	struct snapshot s;
	struct selection sel;
	struct swiotlb_report r;
	struct swiotlb_device *d;
	size_t n;
	int rc = app_table_options(app, req);
	if (rc >= 0)
		return rc;
	rc = app_load(app, SNAP_LOAD_DMA, &s);
	if (rc == EXIT_OK)
		rc = app_select(app, req, &s, 0, false, &sel);
	if (rc != EXIT_OK) {
		snapshot_release(&s);
		return rc;
	}
	swiotlb_analyse(&s, &r);
	swiotlb_devices(&s, &r, &d, &n);
	if (sel.narrowed) {
		size_t kept = 0;
		for (size_t k = 0; k < n; k++)
			if (sel.dev[d[k].dev])
				d[kept++] = d[k];
			else
				free(d[k].reason);
		n = kept;
	}
	app_print_warnings(app, &s);
	if ((app->json ? json_print_swiotlb_devices(&s, &r, d, n, names_warning(app->names), app->pretty)
		       : render_swiotlb_devices_text(&s, &r, d, n, &req->lo)) < 0)
		rc = app_output_failed(app);
	swiotlb_devices_release(d, n);
	swiotlb_report_release(&r);
	selection_release(&sel);
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

static int run_stats(struct app *app, const struct swiotlb_options *a)
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
		if (i == 0 && (app->json || a->format == FORMAT_PROMETHEUS || a->watch) &&
		    (r.state == SWIOTLB_NO_PERMISSION || r.state == SWIOTLB_NO_DEBUGFS))
			diag_warning("%s; %s", r.message, r.remedy);
		if (a->format == FORMAT_PROMETHEUS)
			out = render_swiotlb_prometheus(&r);
		else if (app->json)
			out = json_print_swiotlb_stats(&s, &r, names_warning(app->names), a->watch ? when : NULL,
						       a->watch ? false : app->pretty);
		else if (a->watch) {
			watch_row(&r, when, i == 0);
			out = ferror(stdout) ? -1 : 0;
		} else
			out = render_swiotlb_stats_text(&s, &r, app_width(app));
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

static int swiotlb_run(struct app *app, struct request *req)
{
	const struct swiotlb_options *o = req->own;
	if (req->noperands && !strcmp(req->operands[0], "devices"))
		return run_devices(app, req);
	if (o->count && !o->watch)
		return app_usage_error(app, "--count goes with --watch");
	if (o->format == FORMAT_PROMETHEUS && (app->json || o->watch))
		return app_usage_error(app, "--format prometheus cannot be combined with %s",
				       app->json ? "--json" : "--watch");
	return run_stats(app, o);
}

const struct command cmd_swiotlb = {
	.name = "swiotlb",
	.summary = "Show how full the swiotlb bounce buffers are, and which devices bounce.",
	.synopsis = "[stats] [OPTIONS] | devices [OPTIONS]",
	.options = swiotlb_options,
	.operand = &swiotlb_operand,
	.own_size = sizeof(struct swiotlb_options),
	.run = swiotlb_run,
};
