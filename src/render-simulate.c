/* render-simulate.c - `iommuctl simulate` output: a line per operation and
 * the totals (text), or one JSON document (schema: man/iommuctl.schema.json,
 * simulate_document) whose results are written as they come, so that a
 * trace of millions of lines needs no memory for them (with -p the
 * document is built first, to indent it). */
#define _GNU_SOURCE
#include "simulate.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

const char *sim_size_name(unsigned log2, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	unsigned u = log2 >= 10 ? (log2 - 10) / 10 : 0;
	if (log2 < 10)
		snprintf(buf, len, "%lluB", 1ull << log2);
	else
		snprintf(buf, len, "%llu%c", 1ull << (log2 - 10 - 10 * u), units[u < 5 ? u : 5]);
	return buf;
}

/* BYTES in the largest binary unit that holds it whole: "4092 KiB", not
 * a rounded "4.0 MiB" (unmap sizes say exactly what went). */
static const char *exact_bytes(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	unsigned u = 0;
	while (u + 1 < ARRAY_SIZE(units) && bytes && bytes % 1024 == 0) {
		bytes /= 1024;
		u++;
	}
	snprintf(buf, len, "%llu %s", (unsigned long long)bytes, units[u]);
	return buf;
}

static json_t *pages_json(const uint64_t *pages)
{
	json_t *o = json_object();
	char b[16];
	for (unsigned k = 0; k < 64; k++)
		if (pages[k])
			json_object_set_new(o, sim_size_name(k, b, sizeof(b)), json_integer((json_int_t)pages[k]));
	return o;
}

static const char *page_sizes_text(uint64_t bitmap, char *buf, size_t len)
{
	size_t n = 0;
	char b[16], b2[16];
	buf[0] = '\0';
	if (__builtin_popcountll(bitmap) > 6) {
		/* AMD v1: every power of two from 4K to 2^51 but 512G */
		unsigned lo = (unsigned)__builtin_ctzll(bitmap), hi = 63 - (unsigned)__builtin_clzll(bitmap);
		snprintf(buf, len, "%s to %s (%d sizes)", sim_size_name(lo, b, sizeof(b)), sim_size_name(hi, b2, sizeof(b2)),
			 __builtin_popcountll(bitmap));
		return buf;
	}
	for (unsigned k = 0; k < 64 && n < len; k++)
		if (bitmap >> k & 1)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "/" : "", sim_size_name(k, b, sizeof(b)));
	return buf;
}

/* ---- JSON ---------------------------------------------------------------------------- */

static json_t *result_json(const struct sim_result *r)
{
	bool addr = r->op == SIM_MAP || r->op == SIM_UNMAP || r->op == SIM_TRANSLATE || r->op == SIM_RESERVE ||
		    (r->op == SIM_DMA_MAP && r->ok) || (r->op == SIM_DMA_UNMAP && r->ok);
	bool phys = (r->op == SIM_MAP) || (r->op == SIM_DMA_MAP && r->ok) || (r->op == SIM_TRANSLATE && r->ok);
	json_t *o = json_object();
	json_object_set_new(o, "line", json_integer((json_int_t)r->line));
	json_object_set_new(o, "op", json_string(sim_op_name(r->op)));
	json_object_set_new(o, "ok", json_boolean(r->ok));
	json_object_set_new(o, "outcome", json_string(r->outcome));
	json_object_set_new(o, "error", r->err ? json_string(strerrorname_np(-r->err)) : json_null());
	json_object_set_new(o, "iova", json_addr_if(addr, r->iova));
	json_object_set_new(o, "phys", json_addr_if(phys, r->phys));
	json_object_set_new(o, "size", r->op != SIM_TRANSLATE && r->op != SIM_FLUSH && r->op != SIM_ADVANCE &&
						       !(r->op == SIM_DMA_UNMAP && !r->ok)
					       ? json_hex_size(r->size)
					       : json_null());
	json_object_set_new(o, "handle", json_int_if(r->handle != 0 && (r->op == SIM_DMA_MAP || r->op == SIM_DMA_UNMAP),
						 (long long)r->handle));
	json_object_set_new(o, "pages", pages_json(r->pages_by_size));
	json_object_set_new(o, "walk_levels", json_int_if(r->walk_levels > 0, r->walk_levels));
	json_object_set_new(o, "flushes", json_integer((json_int_t)r->flushes));
	json_object_set_new(o, "sac_fallback", json_boolean(r->sac_fallback));
	return o;
}

static json_t *header_json(const struct sim_config *c, const struct sim_totals *t)
{
	json_t *o = json_object(), *sizes = json_array();
	char b[16];
	json_object_set_new(o, "schema_version", json_integer(IOMMUCTL_SCHEMA_VERSION));
	json_object_set_new(o, "format", json_string(pt_format_id(c->format)));
	json_object_set_new(o, "aw", json_integer(t->geo.aw));
	json_object_set_new(o, "levels", json_integer(t->geo.levels));
	json_object_set_new(o, "granule", json_integer((json_int_t)t->geo.granule));
	for (unsigned k = 0; k < 64; k++)
		if (t->geo.pgsize_bitmap >> k & 1)
			json_array_append_new(sizes, json_string(sim_size_name(k, b, sizeof(b))));
	json_object_set_new(o, "page_sizes", sizes);
	json_object_set_new(o, "invalidation", json_string(c->lazy ? "lazy" : "strict"));
	json_object_set_new(o, "forcedac", json_boolean(c->forcedac));
	return o;
}

static json_t *totals_json(const struct sim_totals *t)
{
	json_t *o = json_object(), *lv = json_object();
	char b[16];
#define N(k, v) json_object_set_new(o, k, json_integer((json_int_t)(v)))
	N("operations", t->ops);
	N("failed", t->failed);
	N("table_pages", t->pt.table_pages);
	N("table_bytes", t->pt.table_bytes);
	for (unsigned l = 0; l < 8; l++)
		if (t->pt.table_pages_by_level[l]) {
			snprintf(b, sizeof(b), "%u", l);
			json_object_set_new(lv, b, json_integer((json_int_t)t->pt.table_pages_by_level[l]));
		}
	json_object_set_new(o, "table_pages_by_level", lv);
	json_object_set_new(o, "pages_by_size", pages_json(t->pt.pages_by_size));
	N("levels", t->geo.levels);
	N("mapped_bytes", t->pt.mapped_bytes);
	N("kernel_warnings", t->pt.kernel_warnings);
	N("translations", t->translations);
	N("faults", t->faults);
	N("iotlb_hits", t->iotlb_hits);
	N("iotlb_misses", t->iotlb_misses);
	N("iotlb_stale_hits", t->iotlb_stale_hits);
	N("iotlb_evictions", t->iotlb_evictions);
	N("invalidations", t->invalidations);
	N("range_invalidations", t->range_invalidations);
	N("full_flushes", t->full_flushes);
	N("stale_window_ns", t->stale_window_ns);
	N("stale_window_ops", t->stale_window_ops);
	N("iova_allocs", t->iova_allocs);
	N("iova_frees", t->iova_frees);
	N("iova_failures", t->iova_failures);
	N("iova_rcache_hits", t->iova_rcache_hits);
	N("iova_sac_fallbacks", t->iova_sac_fallbacks);
	N("iova_live", t->iova_live);
	N("iova_live_bytes", t->iova_live_bytes);
	N("iova_free_bytes_below_4g", t->iova_free_below_4g);
	N("iova_largest_free_block_below_4g", t->iova_largest_free_below_4g);
	N("dma_live", t->dma_live);
#undef N
	return o;
}

/* ---- text ------------------------------------------------------------------------------ */

/* On a terminal too narrow for the detail after the addresses, it goes
 * below them, indented under OP. */
#define DETAIL_COLUMN 68
#define DETAIL_MIN 30

static void result_text(const struct sim_result *r, size_t width)
{
	struct buf row;
	char detail[256] = "", b[16];
	size_t n = 0;
	if (r->op == SIM_TRANSLATE && !r->ok)
		n += (size_t)snprintf(detail + n, sizeof(detail) - n, "no translation: the IOMMU blocks it and logs a fault");
	else if (r->too_big)
		n += (size_t)snprintf(detail + n, sizeof(detail) - n,
				      "E2BIG: more than the model maps at once (16 Mi pages, or tables past 1 GiB)");
	else if (r->err)
		n += (size_t)snprintf(detail + n, sizeof(detail) - n, "%s (%s)", strerrorname_np(-r->err),
				      strerror(-r->err));
	for (unsigned k = 0; k < 64 && n < sizeof(detail); k++)
		if (r->pages_by_size[k])
			n += (size_t)snprintf(detail + n, sizeof(detail) - n, "%s%llu x %s", n ? ", " : "",
					      (unsigned long long)r->pages_by_size[k], sim_size_name(k, b, sizeof(b)));
	if (r->op == SIM_DMA_MAP && r->ok && n < sizeof(detail))
		n += (size_t)snprintf(detail + n, sizeof(detail) - n, "%shandle %llu", n ? "; " : "",
				      (unsigned long long)r->handle);
	if (r->sac_fallback && n < sizeof(detail))
		n += (size_t)snprintf(detail + n, sizeof(detail) - n, "%sno room below 4 GiB: \"Using 64-bit DMA "
				      "addresses\" from now on", n ? "; " : "");
	if (r->walk_levels && n < sizeof(detail))
		n += (size_t)snprintf(detail + n, sizeof(detail) - n, "%swalk: %u level%s", n ? "; " : "", r->walk_levels,
				      r->walk_levels == 1 ? "" : "s");
	if (r->op == SIM_DMA_UNMAP && r->ok && !strcmp(r->outcome, "queued") && n < sizeof(detail))
		n += (size_t)snprintf(detail + n, sizeof(detail) - n, "in the flush queue: the IOTLB keeps it until a flush");
	if (r->op == SIM_TRANSLATE && !strcmp(r->outcome, "stale") && n < sizeof(detail))
		n += (size_t)snprintf(detail + n, sizeof(detail) - n, "unmapped, but the IOTLB still translates it");
	if (r->flushes && n < sizeof(detail))
		snprintf(detail + n, sizeof(detail) - n, "%sIOTLB flushed", n ? "; " : "");
	buf_init(&row);
	buf_appendf(&row, "%5lu  %-9s  %-8s  ", r->line, sim_op_name(r->op), r->outcome);
	if (r->op == SIM_ADVANCE || r->op == SIM_FLUSH || ((r->op == SIM_DMA_MAP || r->op == SIM_DMA_UNMAP) && !r->ok))
		buf_appendf(&row, "%-18s  %-18s  ", "-", "-");
	else if (r->op == SIM_DMA_UNMAP || r->op == SIM_UNMAP || r->op == SIM_RESERVE || (r->op == SIM_TRANSLATE && !r->ok))
		buf_appendf(&row, "0x%016llx  %-18s  ", (unsigned long long)r->iova, "-");
	else
		buf_appendf(&row, "0x%016llx  0x%016llx  ", (unsigned long long)r->iova, (unsigned long long)r->phys);
	if ((r->op == SIM_UNMAP || r->op == SIM_DMA_UNMAP || r->op == SIM_RESERVE) && r->ok) {
		char sz[32], *whole = xasprintf("%s%s%s", exact_bytes(r->size, sz, sizeof(sz)), detail[0] ? "; " : "",
						detail);
		snprintf(detail, sizeof(detail), "%s", whole);
		free(whole);
	}
	if (!detail[0]) {
		/* no blanks at the end of the line */
		while (row.len && row.data[row.len - 1] == ' ')
			row.data[--row.len] = '\0';
		printf("%s\n", row.data);
	} else if (width && width < DETAIL_COLUMN + DETAIL_MIN) {
		printf("%.*s\n", (int)(row.len - 2), row.data);
		print_wrapped(stdout, "       ", NULL, detail, width);
	} else {
		print_wrapped(stdout, row.data, NULL, detail, width);
	}
	buf_release(&row);
}

/* "  operations        TEXT", broken at words under TEXT for WIDTH */
__attribute__((format(printf, 3, 4))) static void total_line(size_t width, const char *label, const char *fmt, ...)
{
	va_list ap;
	char *text, *first = xasprintf("  %-18s", label);
	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	print_wrapped(stdout, first, NULL, text, width);
	free(text);
	free(first);
}

static void totals_text(const struct sim_config *c, const struct sim_totals *t, bool after_results, size_t width)
{
	char a[32], b2[32], sizes[128], nm[16], *head;
	struct buf b;
	head = xasprintf("Totals (%s, %u-bit, %u levels, %s pages, %s invalidation%s):", pt_format_id(c->format),
			 t->geo.aw, t->geo.levels, page_sizes_text(t->geo.pgsize_bitmap, sizes, sizeof(sizes)),
			 c->lazy ? "lazy" : "strict", c->forcedac ? ", forcedac" : "");
	if (after_results)
		putchar('\n');
	print_wrapped(stdout, "", "  ", head, width);
	free(head);
	total_line(width, "operations", "%llu (%llu failed)", (unsigned long long)t->ops, (unsigned long long)t->failed);
	buf_init(&b);
	buf_appendf(&b, "%llu (%s)", (unsigned long long)t->pt.table_pages, format_bytes(t->pt.table_bytes, a, sizeof(a)));
	for (unsigned l = 0, any = 0; l < 8; l++)
		if (t->pt.table_pages_by_level[l])
			buf_appendf(&b, "%s level %u: %llu", any++ ? "," : ";", l,
				    (unsigned long long)t->pt.table_pages_by_level[l]);
	total_line(width, "table pages", "%s", b.data);
	buf_reset(&b);
	for (unsigned k = 0; k < 64; k++)
		if (t->pt.pages_by_size[k])
			buf_appendf(&b, "%s%llu x %s", b.len ? ", " : "", (unsigned long long)t->pt.pages_by_size[k],
				    sim_size_name(k, nm, sizeof(nm)));
	total_line(width, "pages", "%s (%s mapped)", b.len ? b.data : "none", format_bytes(t->pt.mapped_bytes, a, sizeof(a)));
	buf_release(&b);
	total_line(width, "translations", "%llu: %llu IOTLB hits (%llu stale), %llu misses, %llu faults",
		   (unsigned long long)t->translations, (unsigned long long)t->iotlb_hits,
		   (unsigned long long)t->iotlb_stale_hits, (unsigned long long)t->iotlb_misses,
		   (unsigned long long)t->faults);
	total_line(width, "invalidations", "%llu (%llu of a range, %llu full flushes)",
		   (unsigned long long)t->invalidations, (unsigned long long)t->range_invalidations,
		   (unsigned long long)t->full_flushes);
	if (t->stale_window_ns || t->stale_window_ops)
		total_line(width, "stale window", "%.3f ms, %llu IOTLB operations at the longest",
			   (double)t->stale_window_ns / 1e6, (unsigned long long)t->stale_window_ops);
	total_line(width, "IOVA allocator", "%llu allocations, %llu frees, %llu failed, %llu from the range caches, %llu live (%s)",
		   (unsigned long long)t->iova_allocs, (unsigned long long)t->iova_frees,
		   (unsigned long long)t->iova_failures, (unsigned long long)t->iova_rcache_hits,
		   (unsigned long long)t->iova_live, format_bytes(t->iova_live_bytes, a, sizeof(a)));
	total_line(width, "below 4 GiB", "%s free, the largest aligned block %s",
		   format_bytes(t->iova_free_below_4g, a, sizeof(a)),
		   format_bytes(t->iova_largest_free_below_4g, b2, sizeof(b2)));
	if (t->iova_sac_fallbacks)
		total_line(width, "32-bit fallbacks", "%llu (\"Using 64-bit DMA addresses\")",
			   (unsigned long long)t->iova_sac_fallbacks);
	if (t->pt.kernel_warnings)
		total_line(width, "kernel warnings", "%llu (the kernel would WARN, e.g. a PTE already set)",
			   (unsigned long long)t->pt.kernel_warnings);
}

/* ---- the stream ----------------------------------------------------------------------------- */

/* The document's head without its closing brace: '{"schema_version":1,...' */
static void print_json_head(const struct sim_config *cfg, const struct pt_geometry *geo)
{
	struct sim_totals t = {.geo = *geo};
	json_t *head = header_json(cfg, &t);
	char *text = json_dumps(head, JSON_PRESERVE_ORDER | JSON_COMPACT);
	json_decref(head);
	if (text) {
		text[strlen(text) - 1] = '\0';
		fputs(text, stdout);
		free(text);
	}
}

void sim_output_begin(struct sim_output *o, bool json, bool pretty, bool totals_only, const struct sim_config *cfg,
		      const struct pt_geometry *geo, size_t width)
{
	memset(o, 0, sizeof(*o));
	o->width = width;
	o->json = json || pretty;
	o->pretty = pretty;
	o->totals_only = totals_only;
	o->cfg = cfg;
	if (o->pretty) {
		o->doc = json_array();
	} else if (o->json) {
		print_json_head(cfg, geo);
		fputs(",\"results\":[", stdout);
	} else if (!totals_only) {
		printf(" LINE  OP         OUTCOME   IOVA                PHYS                DETAIL\n");
	}
}

void sim_output_result(struct sim_output *o, const struct sim_result *r)
{
	if (o->totals_only)
		return;
	if (o->pretty) {
		json_array_append_new(o->doc, result_json(r));
	} else if (o->json) {
		json_t *j = result_json(r);
		if (o->results)
			putchar(',');
		json_dumpf(j, stdout, JSON_PRESERVE_ORDER | JSON_COMPACT);
		json_decref(j);
	} else {
		result_text(r, o->width);
	}
	o->results++;
}

int sim_output_end(struct sim_output *o, const struct sim_totals *t)
{
	if (o->pretty) {
		json_t *doc = header_json(o->cfg, t);
		json_object_set_new(doc, "results", o->doc);
		json_object_set_new(doc, "totals", totals_json(t));
		o->doc = NULL;
		return json_print(doc, true);
	} else if (o->json) {
		json_t *tot = totals_json(t);
		fputs("],\"totals\":", stdout);
		json_dumpf(tot, stdout, JSON_PRESERVE_ORDER | JSON_COMPACT);
		json_decref(tot);
		fputs("}\n", stdout);
	} else {
		totals_text(o->cfg, t, !o->totals_only, o->width);
	}
	return ferror(stdout) ? -1 : 0;
}

void sim_output_abort(struct sim_output *o, const char *message, int status)
{
	json_t *err;
	if (!o->json)
		return;
	err = json_error_doc(message, status);
	if (o->pretty) {
		json_decref(o->doc);
		o->doc = NULL;
		json_print(err, true);
		return;
	}
	/* the results so far, then the error that ended them */
	fputs("],\"error\":", stdout);
	json_dumpf(json_object_get(err, "error"), stdout, JSON_PRESERVE_ORDER | JSON_COMPACT);
	json_decref(err);
	fputs("}\n", stdout);
}
