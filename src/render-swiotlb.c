/* render-swiotlb.c - `swiotlb stats` and `swiotlb devices` as text, JSON and
 * Prometheus text-collector output, from the same swiotlb report. */
#include <libsmartcols.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "render.h"
#include "swiotlb.h"

/* ---- stats: text ---------------------------------------------------------------- */

static const char *sz(long long bytes, char *out, size_t n)
{
	return bytes < 0 ? "unknown" : format_bytes((unsigned long long)bytes, out, n);
}

static void print_count(const char *label, const struct swiotlb_count *c, long long bytes, double pct,
			const char *absent)
{
	char b[32];
	printf("  %-12s", label);
	if (c->underflow)
		printf("reads 2^64-1 or near it: a wrapped counter (a kernel accounting bug), not usage\n");
	else if (c->slabs < 0)
		printf("%s\n", absent);
	else if (pct >= 0)
		printf("%s (%lld slabs, %.1f%%)\n", sz(bytes, b, sizeof(b)), c->slabs, pct);
	else
		printf("%s (%lld slabs)\n", sz(bytes, b, sizeof(b)), c->slabs);
}

static void print_pool(const struct swiotlb_pool_stats *p)
{
	char b[32];
	if (p->pool->is_default)
		printf("Default pool: %s (%lld slabs of 2 KiB)\n", sz(p->total_bytes, b, sizeof(b)), p->nslabs.slabs);
	else
		printf("Restricted DMA pool %s: %s (%lld slabs of 2 KiB; every mapping of its devices bounces)\n",
		       p->pool->name, sz(p->total_bytes, b, sizeof(b)), p->nslabs.slabs);
	print_count("used:", &p->used, p->used_bytes, p->used_pct, "unknown");
	print_count("high-water:", &p->hiwater, p->hiwater_bytes, p->hiwater_pct,
		    "not kept by this kernel (io_tlb_used_hiwater is 6.4+)");
	if (p->pool->transient_nslabs.present)
		print_count("transient:", &p->transient, p->transient.slabs < 0 ? -1 : p->transient.slabs * 2048, -1,
			    "unknown");
}


int render_swiotlb_stats_text(const struct snapshot *s, const struct swiotlb_report *r, size_t width)
{
	char *text = NULL;
	(void)s;
	printf("swiotlb: %s\n", swiotlb_state_id(r->state));
	if (r->message)
		print_wrapped(stdout, "  ", "  ", r->message, width);
	if (r->remedy)
		print_wrapped(stdout, "  fix: ", "       ", r->remedy, width);
	for (size_t i = 0; i < r->npools; i++)
		if (r->pools[i].nslabs.slabs != 0 || !r->pools[i].pool->is_default)
			print_pool(&r->pools[i]);
	if (!r->cmdline_known || r->forced == 1) {
		print_field("Forced:", 14, !r->cmdline_known
					      ? "unknown (/proc/cmdline could not be read)"
					      : "yes (swiotlb=force: every streaming DMA without an IOMMU bounces)",
			    width);
	} else {
		text = xasprintf("no (unless this is a confidential-computing guest, %s, where all DMA bounces)",
				 r->arch == ARCH_X86 ? "SEV or TDX" : r->arch == ARCH_ARM ? "an Arm CCA realm"
											: "SEV, TDX or a CCA realm");
		print_field("Forced:", 14, text, width);
		free(text);
	}
	if (r->setting) {
		int len = (int)strcspn(r->setting, " \t\n");
		char b[32];
		if (r->requested_slabs >= 0)
			text = xasprintf("%.*s (%lld slabs, %s)", len, r->setting, r->requested_slabs,
					 sz(r->requested_slabs * 2048, b, sizeof(b)));
		else
			text = xasprintf("%.*s", len, r->setting);
		print_field("Setting:", 14, text, width);
		free(text);
	} else if (r->cmdline_known)
		print_field("Setting:", 14, "none on the command line (64 MiB when a pool is set up)", width);
	if (r->advice)
		print_field("Advice:", 14, r->advice, width);
	return ferror(stdout) ? -1 : 0;
}

/* ---- stats: JSON ------------------------------------------------------------------ */

static json_t *count_json(const struct swiotlb_count *c)
{
	return json_int_if(c->slabs >= 0, c->slabs);
}

static json_t *ll_json(long long v)
{
	return json_int_if(v >= 0, v);
}

static json_t *pct_json(double v)
{
	return v < 0 ? json_null() : json_real((double)(long long)(v * 10 + 0.5) / 10);
}

static json_t *pool_json(const struct swiotlb_pool_stats *p)
{
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(p->pool->name));
	json_object_set_new(o, "default", json_boolean(p->pool->is_default));
	json_object_set_new(o, "nslabs", count_json(&p->nslabs));
	json_object_set_new(o, "used", count_json(&p->used));
	json_object_set_new(o, "hiwater", count_json(&p->hiwater));
	json_object_set_new(o, "transient_nslabs", count_json(&p->transient));
	json_object_set_new(o, "total_bytes", ll_json(p->total_bytes));
	json_object_set_new(o, "used_bytes", ll_json(p->used_bytes));
	json_object_set_new(o, "hiwater_bytes", ll_json(p->hiwater_bytes));
	json_object_set_new(o, "used_percent", pct_json(p->used_pct));
	json_object_set_new(o, "hiwater_percent", pct_json(p->hiwater_pct));
	json_object_set_new(o, "used_underflow", json_boolean(p->used.underflow));
	json_object_set_new(o, "hiwater_underflow", json_boolean(p->hiwater.underflow));
	return o;
}

json_t *json_swiotlb(const struct swiotlb_report *r)
{
	json_t *o = json_object(), *pools = json_array();
	const struct swiotlb_pool_stats *d = r->npools && r->pools[0].pool->is_default ? &r->pools[0] : NULL;
	char *setting = NULL;
	json_object_set_new(o, "present", json_boolean(r->present));
	json_object_set_new(o, "state", json_string(swiotlb_state_id(r->state)));
	json_object_set_new(o, "nslabs", d ? count_json(&d->nslabs) : json_null());
	json_object_set_new(o, "used", d ? count_json(&d->used) : json_null());
	json_object_set_new(o, "hiwater", d ? count_json(&d->hiwater) : json_null());
	json_object_set_new(o, "transient_nslabs", d ? count_json(&d->transient) : json_null());
	json_object_set_new(o, "slab_bytes", json_integer(SWIOTLB_SLAB_BYTES));
	json_object_set_new(o, "total_bytes", d ? ll_json(d->total_bytes) : json_null());
	json_object_set_new(o, "used_bytes", d ? ll_json(d->used_bytes) : json_null());
	json_object_set_new(o, "hiwater_bytes", d ? ll_json(d->hiwater_bytes) : json_null());
	json_object_set_new(o, "used_percent", d ? pct_json(d->used_pct) : json_null());
	json_object_set_new(o, "used_underflow", json_boolean(d && d->used.underflow));
	json_object_set_new(o, "hiwater_underflow", json_boolean(d && d->hiwater.underflow));
	json_object_set_new(o, "forced", json_tri(r->forced));
	json_object_set_new(o, "disabled", r->cmdline_known ? json_boolean(r->disabled) : json_null());
	if (r->setting)
		setting = strndup(r->setting, strcspn(r->setting, " \t\n"));
	json_object_set_new(o, "setting", json_str_or_null(setting));
	free(setting);
	json_object_set_new(o, "requested_slabs", ll_json(r->requested_slabs));
	for (size_t i = 0; i < r->npools; i++)
		json_array_append_new(pools, pool_json(&r->pools[i]));
	json_object_set_new(o, "pools", pools);
	json_object_set_new(o, "message", json_str_or_null(r->message));
	json_object_set_new(o, "remedy", json_str_or_null(r->remedy));
	json_object_set_new(o, "advice", json_str_or_null(r->advice));
	json_object_set_new(o, "advised_slabs", ll_json(r->advice_slabs));
	return o;
}

int json_print_swiotlb_stats(const struct snapshot *s, const struct swiotlb_report *r, const char *names_warning,
			     const char *when, bool pretty)
{
	json_t *doc = json_object();
	json_object_set_new(doc, "schema_version", json_integer(IOMMUCTL_SCHEMA_VERSION));
	if (when)
		json_object_set_new(doc, "time", json_string(when));
	json_object_set_new(doc, "swiotlb", json_swiotlb(r));
	json_object_set_new(doc, "warnings", json_warnings(s, names_warning));
	return json_print_real(doc, pretty, 15); /* percentages: 3.3, not 3.2999999999999998 */
}

/* ---- stats: Prometheus ------------------------------------------------------------- */

static void metric_head(const char *name, const char *help)
{
	printf("# HELP iommuctl_swiotlb_%s %s\n# TYPE iommuctl_swiotlb_%s gauge\n", name, help, name);
}

static void pool_metric(const struct swiotlb_report *r, const char *name, const char *help,
			const struct swiotlb_count *(*get)(const struct swiotlb_pool_stats *), long long scale)
{
	bool any = false;
	for (size_t i = 0; i < r->npools; i++) {
		const struct swiotlb_count *c = get(&r->pools[i]);
		if (c->slabs < 0)
			continue;
		if (!any)
			metric_head(name, help);
		any = true;
		printf("iommuctl_swiotlb_%s{pool=\"%s\"} %lld\n", name, r->pools[i].pool->name, c->slabs * scale);
	}
}

static const struct swiotlb_count *get_total(const struct swiotlb_pool_stats *p)
{
	return &p->nslabs;
}
static const struct swiotlb_count *get_used(const struct swiotlb_pool_stats *p)
{
	return &p->used;
}
static const struct swiotlb_count *get_hiwater(const struct swiotlb_pool_stats *p)
{
	return &p->hiwater;
}
static const struct swiotlb_count *get_transient(const struct swiotlb_pool_stats *p)
{
	return &p->transient;
}

int render_swiotlb_prometheus(const struct swiotlb_report *r)
{
	bool underflow = false;
	metric_head("info", "The swiotlb state as iommuctl read it (the label), always 1.");
	printf("iommuctl_swiotlb_info{state=\"%s\"} 1\n", swiotlb_state_id(r->state));
	metric_head("present", "1 if a swiotlb bounce-buffer pool exists.");
	printf("iommuctl_swiotlb_present %d\n", r->present);
	if (r->forced >= 0) {
		metric_head("forced", "1 if swiotlb=force makes every streaming DMA bounce.");
		printf("iommuctl_swiotlb_forced %d\n", r->forced);
	}
	pool_metric(r, "slabs", "Slabs (2 KiB each) in the pool.", get_total, 1);
	pool_metric(r, "size_bytes", "Size of the pool in bytes.", get_total, SWIOTLB_SLAB_BYTES);
	pool_metric(r, "used_slabs", "Slabs in use now.", get_used, 1);
	pool_metric(r, "used_bytes", "Bytes in use now.", get_used, SWIOTLB_SLAB_BYTES);
	pool_metric(r, "hiwater_slabs", "Most slabs ever in use at once (kernel 6.4+).", get_hiwater, 1);
	pool_metric(r, "transient_slabs", "Slabs in transient dynamic pools (kernel 6.9+).", get_transient, 1);
	for (size_t i = 0; i < r->npools; i++)
		underflow = underflow || r->pools[i].used.underflow || r->pools[i].hiwater.underflow;
	metric_head("counter_underflow", "1 if a counter read as a wrapped negative number (a kernel bug).");
	printf("iommuctl_swiotlb_counter_underflow %d\n", underflow);
	return ferror(stdout) ? -1 : 0;
}

/* ---- devices ----------------------------------------------------------------------- */

enum { DC_BDF, DC_DRIVER, DC_MASK, DC_PATH, DC_BOUNCES, DC_REASON };

int render_swiotlb_devices_text(const struct snapshot *s, const struct swiotlb_report *r,
				const struct swiotlb_device *d, size_t n, const struct list_options *o)
{
	static const char *const names[] = {"BDF", "DRIVER", "MASK", "PATH", "BOUNCES", "REASON"};
	struct libscols_table *tb = table_new(o);
	if (!tb)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!scols_table_new_column(tb, names[i], i == DC_REASON ? 0.5 : 0, i == DC_REASON ? SCOLS_FL_WRAP : 0))
			goto fail;
	for (size_t k = 0; k < n; k++) {
		const struct pci_device *dev = &s->dev[d[k].dev];
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		char mask[16];
		if (dev->dma_mask_bits < 0)
			snprintf(mask, sizeof(mask), "?");
		else
			snprintf(mask, sizeof(mask), "%d", dev->dma_mask_bits);
		if (!ln || scols_line_set_data(ln, DC_BDF, dev->bdf) ||
		    scols_line_set_data(ln, DC_DRIVER, dev->driver ? dev->driver : dev->driver_known ? "-" : "?") ||
		    scols_line_set_data(ln, DC_MASK, mask) || scols_line_set_data(ln, DC_PATH, d[k].path) ||
		    scols_line_set_data(ln, DC_BOUNCES, d[k].fails ? "fails" : swiotlb_bounce_id(d[k].bounces)) ||
		    scols_line_set_data(ln, DC_REASON, d[k].reason))
			goto fail;
	}
	if (table_print(tb, o) < 0)
		return -1;
	if (!o->raw && !o->pairs && !o->noheadings) {
		char top[32];
		size_t bounce = 0;
		for (size_t k = 0; k < n; k++)
			bounce += d[k].bounces == BOUNCE_ALWAYS || d[k].bounces == BOUNCE_ABOVE_MASK ||
				  d[k].bounces == BOUNCE_UNALIGNED;
		char *text = xasprintf("RAM ends at %s (%s); swiotlb: %s. %zu of %zu functions can bounce.",
				       s->dma.ram_top ? format_bytes(s->dma.ram_top, top, sizeof(top)) : "an unknown address",
				       s->dma.memmap_source ? s->dma.memmap_source : "no memory map could be read",
				       swiotlb_state_id(r->state), bounce, n);
		putchar('\n');
		print_wrapped(stdout, "", "", text, o->width);
		free(text);
	}
	return ferror(stdout) ? -1 : 0;
fail:
	scols_unref_table(tb);
	return -1;
}

int json_print_swiotlb_devices(const struct snapshot *s, const struct swiotlb_report *r,
			       const struct swiotlb_device *d, size_t n, const char *names_warning, bool pretty)
{
	json_t *doc = json_object(), *arr = json_array();
	json_object_set_new(doc, "schema_version", json_integer(IOMMUCTL_SCHEMA_VERSION));
	json_object_set_new(doc, "ram_top", json_addr_if(s->dma.ram_top != 0, s->dma.ram_top));
	json_object_set_new(doc, "memory_map_source",
			    json_str_or_null(s->dma.memmap_source));
	json_object_set_new(doc, "swiotlb_state", json_string(swiotlb_state_id(r->state)));
	json_object_set_new(doc, "swiotlb_forced", json_tri(r->forced));
	for (size_t k = 0; k < n; k++) {
		const struct pci_device *dev = &s->dev[d[k].dev];
		json_t *o = json_object();
		json_object_set_new(o, "bdf", json_string(dev->bdf));
		json_object_set_new(o, "driver", json_str_or_null(dev->driver));
		json_object_set_new(o, "group", json_int_if(dev->group >= 0, dev->group));
		json_object_set_new(o, "dma_mask_bits", json_int_if(dev->dma_mask_bits >= 0, dev->dma_mask_bits));
		json_object_set_new(o, "coherent_dma_mask_bits",
				    json_int_if(dev->coherent_dma_mask_bits >= 0, dev->coherent_dma_mask_bits));
		json_object_set_new(o, "path", json_string(d[k].path));
		json_object_set_new(o, "bounces", json_string(swiotlb_bounce_id(d[k].bounces)));
		json_object_set_new(o, "fails", json_boolean(d[k].fails));
		json_object_set_new(o, "reason", json_string(d[k].reason));
		json_array_append_new(arr, o);
	}
	json_object_set_new(doc, "devices", arr);
	json_object_set_new(doc, "warnings", json_warnings(s, names_warning));
	return json_print(doc, pretty);
}
