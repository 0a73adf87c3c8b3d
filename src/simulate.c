/* simulate.c - the trace replay behind `iommuctl simulate`: each line goes
 * through the page-table model, the IOVA allocator and the IOTLB the way
 * the kernel's paths chain them:
 *  - iommu_map / iommu_unmap (drivers/iommu/iommu.c): the page table, and
 *    for an unmap an IOTLB invalidation of the range before it returns
 *    (iommu_iotlb_sync), whatever the domain's flush policy;
 *  - dma-iommu's map (iommu_dma_map_page): iommu_dma_alloc_iova, then
 *    iommu_map of the granule-aligned range; its unmap
 *    (__iommu_dma_unmap): the page table, then strict invalidation and the
 *    IOVA freed, or (DMA-FQ) the IOVA queued until the flush;
 *  - a device access: the IOTLB, else a page walk whose result is cached,
 *    else a fault (DMAR / AMD-Vi IO_PAGE_FAULT). */
#define _GNU_SOURCE
#include "simulate.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iotlb.h"
#include "util.h"

#define MSI_START 0xfee00000ull
#define MSI_END 0xfeefffffull
/* where the buffers dma_map places start: above 4 GiB, so that a 32-bit
 * device could not reach them without the IOMMU */
#define PHYS_BASE (1ull << 32)

struct dma_handle {
	uint64_t iova, size, phys;
	bool live;
};

struct sim {
	struct sim_config cfg;
	struct pt_table *pt;
	struct pt_geometry geo;
	struct iova_domain iovad;
	struct iova_dev dev;
	struct iotlb tlb;
	struct dma_handle *handles;
	size_t nhandles, caphandles;
	uint64_t next_phys;
	uint64_t ops, failed, translations, faults, dma_live;
};

static const char *const op_names[] = {"map", "unmap", "translate", "dma_map", "dma_unmap", "reserve", "advance",
				       "flush"};

const char *sim_op_name(enum sim_op op)
{
	return op_names[op];
}

void sim_config_default(struct sim_config *c, enum pt_format format)
{
	memset(c, 0, sizeof(*c));
	c->format = format;
	c->lazy = true;
	c->msi_window = format == PT_INTEL_VTD || format == PT_AMD_V1;
}

/* The IOTLB let go of a dma_unmap'd range: its IOVA may be reused now. */
static void release_iova(void *ctx, uint64_t iova, uint64_t size)
{
	struct sim *s = ctx;
	iova_dma_free(&s->iovad, iova, size);
}

int sim_create(const struct sim_config *c, struct sim **out, char **why)
{
	struct sim *s = xcalloc(1, sizeof(*s));
	struct pt_config pc = {.format = c->format, .aw = c->aw};
	struct iova_config ic;
	struct iotlb_config tc;
	int err;

	*out = NULL;
	*why = NULL;
	s->cfg = *c;
	if (!s->cfg.max_map_pages)
		s->cfg.max_map_pages = SIM_MAX_PAGES_PER_MAP;
	if (!s->cfg.max_table_bytes)
		s->cfg.max_table_bytes = SIM_MAX_TABLE_BYTES;
	err = pt_create(&pc, &s->pt);
	if (err) {
		*why = xasprintf("%s cannot translate %u-bit addresses", pt_format_id(c->format), c->aw);
		free(s);
		return err;
	}
	pt_get_geometry(s->pt, &s->geo);
	iova_config_default(&ic);
	ic.granule = s->geo.granule;
	ic.aperture_end = s->geo.iova_max;
	ic.sac_mode = c->sac_every_time ? IOVA_SAC_EVERY_TIME : IOVA_SAC_UNTIL_FAILURE;
	err = iova_domain_init(&s->iovad, &ic);
	if (!err && c->msi_window && s->geo.iova_max >= MSI_END)
		err = iovad_reserve(&s->iovad, MSI_START, MSI_END);
	iotlb_config_default(&tc);
	if (c->iotlb_entries)
		tc.entries = c->iotlb_entries;
	tc.mode = c->lazy ? IOTLB_LAZY : IOTLB_STRICT;
	tc.release = release_iova;
	tc.release_ctx = s;
	if (!err && iotlb_init(&s->tlb, &tc) < 0) {
		*why = xasprintf("an IOTLB of %u entries cannot be built (a power of two is needed)", tc.entries);
		iova_domain_release(&s->iovad);
		pt_free(s->pt);
		free(s);
		return -EINVAL;
	}
	if (err) {
		*why = xstrdup("the IOVA domain cannot be set up for this geometry");
		pt_free(s->pt);
		free(s);
		return err;
	}
	iova_dev_init(&s->dev, true, c->forcedac);
	s->next_phys = PHYS_BASE;
	*out = s;
	return 0;
}

void sim_free(struct sim *s)
{
	if (!s)
		return;
	iotlb_release(&s->tlb);
	iova_domain_release(&s->iovad);
	pt_free(s->pt);
	free(s->handles);
	free(s);
}

/* ---- parsing --------------------------------------------------------------------- */

/* A number: decimal or 0x hex, and with SUFFIXES a K, M or G multiplier. */
static bool parse_number(const char *w, bool suffixes, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;
	if (!w || !isdigit((unsigned char)*w))
		return false;
	errno = 0;
	v = strtoull(w, &end, w[0] == '0' && (w[1] == 'x' || w[1] == 'X') ? 16 : 10);
	if (errno || end == w)
		return false;
	if (suffixes && *end && !end[1]) {
		shift = *end == 'K' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : 64;
		end++;
	}
	if (*end || shift == 64 || (shift && v > (~0ull >> shift)))
		return false;
	*out = v << shift;
	return true;
}

/* "10ms", "5us", "1s", "250" (ns) */
static bool parse_time(const char *w, uint64_t *ns)
{
	static const struct {
		const char *unit;
		uint64_t ns;
	} units[] = {{"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000}};
	char *end;
	unsigned long long v;
	if (!w || !isdigit((unsigned char)*w))
		return false;
	errno = 0;
	v = strtoull(w, &end, 10);
	if (errno)
		return false;
	if (!*end) {
		*ns = v;
		return true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (!strcmp(end, units[i].unit) && v <= UINT64_MAX / units[i].ns) {
			*ns = v * units[i].ns;
			return true;
		}
	return false;
}

#define MAX_WORDS 6

/* Splits LINE (up to a '#') into at most MAX_WORDS words in BUF. */
static int split_words(const char *line, char *buf, size_t buflen, char **w)
{
	size_t len = strcspn(line, "#\n");
	int n = 0;
	if (len >= buflen)
		return -2;
	memcpy(buf, line, len);
	buf[len] = '\0';
	for (char *p = buf; *p;) {
		while (*p == ' ' || *p == '\t' || *p == '\r')
			*p++ = '\0';
		if (!*p)
			break;
		if (n == MAX_WORDS)
			return -1;
		w[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r')
			p++;
	}
	return n;
}

/* ---- the operations ------------------------------------------------------------------ */

static void pages_delta(const struct pt_stats *before, const struct pt_stats *after, uint64_t *out)
{
	for (unsigned k = 0; k < 64; k++)
		out[k] = after->pages_by_size[k] > before->pages_by_size[k]
				 ? after->pages_by_size[k] - before->pages_by_size[k]
				 : 0;
}

/* Read on every operation: the counter itself, not iotlb_get_stats (which
 * walks the cache for open stale windows). */
static uint64_t full_flushes(const struct iotlb *t)
{
	return t->stats.full_flushes;
}

/* The pages iommu_map's iommu_pgsize loop (drivers/iommu/iommu.c) splits
 * [iova, iova + size) into, counted without mapping: a batch at a time,
 * so the loop runs a few times per page size, not once per page. */
static uint64_t pages_needed(uint64_t bitmap, uint64_t iova, uint64_t phys, uint64_t size)
{
	uint64_t pages = 0;
	while (size) {
		uint64_t cand = bitmap, merge = iova | phys, pg, count, bigger;
		/* the sizes up to SIZE, and to the joint alignment */
		cand &= size >= 1ull << 63 ? ~0ull : (1ull << (64 - __builtin_clzll(size))) - 1;
		if (merge)
			cand &= (merge & -merge) | ((merge & -merge) - 1);
		if (!cand)
			return 0; /* unaligned: pt_map refuses it */
		pg = 1ull << (63 - __builtin_clzll(cand));
		count = size / pg;
		/* stop where a bigger page becomes possible */
		bigger = bitmap & ~((pg << 1) - 1);
		if (bigger) {
			uint64_t next = bigger & -bigger;
			if (((iova ^ phys) & (next - 1)) == 0) {
				uint64_t off = (next - (iova & (next - 1))) & (next - 1);
				if (off && off + next <= size)
					count = off / pg;
			}
		}
		pages += count;
		iova += count * pg, phys += count * pg, size -= count * pg;
	}
	return pages;
}

static void do_map(struct sim *s, uint64_t iova, uint64_t phys, uint64_t size, unsigned prot, struct sim_result *r)
{
	struct pt_stats before, after;
	pt_get_stats(s->pt, &before);
	/* a model, not the machine: a map of terabytes in 4 KiB pages would
	 * take minutes and gigabytes; the kernel would do it, the model
	 * refuses it, and says so */
	if (pages_needed(s->geo.pgsize_bitmap, iova, phys, size) > s->cfg.max_map_pages ||
	    before.table_bytes > s->cfg.max_table_bytes) {
		r->err = -E2BIG;
		r->outcome = "failed";
		r->too_big = true;
		return;
	}
	r->err = pt_map(s->pt, iova, phys, size, prot);
	pt_get_stats(s->pt, &after);
	pages_delta(&before, &after, r->pages_by_size);
	r->ok = r->err == 0;
	r->outcome = r->ok ? "mapped" : "failed";
}

static void do_translate(struct sim *s, uint64_t iova, struct sim_result *r)
{
	uint64_t phys;
	unsigned prot;
	struct pt_walk w;
	enum iotlb_result hit = iotlb_lookup(&s->tlb, iova, &phys, &prot);
	s->translations++;
	r->ok = true;
	if (hit != IOTLB_MISS) {
		r->phys = phys;
		r->outcome = hit == IOTLB_HIT ? "hit" : "stale";
		return;
	}
	pt_walk(s->pt, iova, &w);
	r->walk_levels = w.nsteps;
	if (!w.mapped) {
		s->faults++;
		r->ok = false;
		r->err = -EFAULT;
		r->outcome = "fault";
		return;
	}
	r->phys = w.phys;
	r->outcome = "miss";
	iotlb_fill(&s->tlb, iova & ~(w.page_size - 1), w.page_size, w.phys & ~(w.page_size - 1), w.prot);
}

static void do_dma_map(struct sim *s, uint64_t size, unsigned mask_bits, struct sim_result *r)
{
	uint64_t g = s->geo.granule, len = (size + g - 1) & ~(g - 1), iova, align = g;
	uint64_t limit = mask_bits >= 64 ? UINT64_MAX : (1ull << mask_bits) - 1;
	bool fell_back = false;
	struct dma_handle *h;
	/* the buffer: page-allocator style, aligned to its size up to 1 GiB */
	while (align < len && align < (1ull << 30))
		align <<= 1;
	r->err = iova_dma_alloc(&s->iovad, &s->dev, len, limit, &iova, &fell_back);
	r->sac_fallback = fell_back;
	if (r->err) {
		r->outcome = "failed";
		return;
	}
	s->next_phys = (s->next_phys + align - 1) & ~(align - 1);
	r->phys = s->next_phys;
	r->iova = iova;
	do_map(s, iova, s->next_phys, len, PT_PROT_READ | PT_PROT_WRITE, r);
	if (!r->ok) {
		iova_dma_free(&s->iovad, iova, len);
		return;
	}
	s->next_phys += len;
	xgrow((void **)&s->handles, &s->caphandles, s->nhandles + 1, sizeof(*s->handles));
	h = &s->handles[s->nhandles++];
	*h = (struct dma_handle){iova, len, r->phys, true};
	r->handle = s->nhandles;
	s->dma_live++;
}

static void do_dma_unmap(struct sim *s, uint64_t handle, struct sim_result *r)
{
	struct dma_handle *h = handle >= 1 && handle <= s->nhandles ? &s->handles[handle - 1] : NULL;
	int err = 0;
	if (!h || !h->live) {
		r->err = -EINVAL;
		r->outcome = "failed";
		return;
	}
	r->iova = h->iova;
	r->size = h->size;
	pt_unmap(s->pt, h->iova, h->size, &err);
	iotlb_unmap(&s->tlb, h->iova, h->size);
	h->live = false;
	s->dma_live--;
	r->ok = true;
	r->outcome = s->cfg.lazy ? "queued" : "unmapped";
}

int sim_step(struct sim *s, unsigned long lineno, const char *line, struct sim_result *r, char *why, size_t whylen)
{
	char buf[512], *w[MAX_WORDS];
	int n = split_words(line, buf, sizeof(buf), w);
	uint64_t a = 0, b = 0, c = 0, flushes;
	unsigned prot = PT_PROT_READ | PT_PROT_WRITE;

	if (n == 0)
		return 0;
	memset(r, 0, sizeof(*r));
	r->line = lineno;
#define BAD(...)                                                                                                       \
	do {                                                                                                           \
		snprintf(why, whylen, __VA_ARGS__);                                                                    \
		return -1;                                                                                             \
	} while (0)
	if (n == -2)
		BAD("the line is longer than %zu bytes", sizeof(buf) - 1);
	if (n < 0)
		BAD("too many words");
	if (!strcmp(w[0], "map")) {
		if (n < 4 || n > 5 || !parse_number(w[1], false, &a) || !parse_number(w[2], false, &b) ||
		    !parse_number(w[3], true, &c))
			BAD("map takes IOVA PHYS SIZE [r|w|rw]");
		if (n == 5) {
			prot = !strcmp(w[4], "r") ? PT_PROT_READ : !strcmp(w[4], "w") ? PT_PROT_WRITE
							      : !strcmp(w[4], "rw")  ? PT_PROT_READ | PT_PROT_WRITE
										       : 0;
			if (!prot)
				BAD("map's protection is r, w or rw, not '%s'", w[4]);
		}
		r->op = SIM_MAP;
	} else if (!strcmp(w[0], "unmap") || !strcmp(w[0], "reserve")) {
		if (n != 3 || !parse_number(w[1], false, &a) || !parse_number(w[2], true, &b))
			BAD("%s takes IOVA SIZE", w[0]);
		r->op = w[0][0] == 'u' ? SIM_UNMAP : SIM_RESERVE;
	} else if (!strcmp(w[0], "translate")) {
		if (n != 2 || !parse_number(w[1], false, &a))
			BAD("translate takes IOVA");
		r->op = SIM_TRANSLATE;
	} else if (!strcmp(w[0], "dma_map")) {
		b = 64;
		if (n < 2 || n > 3 || !parse_number(w[1], true, &a) || (n == 3 && !parse_number(w[2], false, &b)) ||
		    !a || b < 12 || b > 64)
			BAD("dma_map takes SIZE (above 0) [MASK_BITS (12 to 64)]");
		r->op = SIM_DMA_MAP;
	} else if (!strcmp(w[0], "dma_unmap")) {
		if (n != 2 || !parse_number(w[1], false, &a))
			BAD("dma_unmap takes HANDLE");
		r->op = SIM_DMA_UNMAP;
	} else if (!strcmp(w[0], "advance")) {
		if (n != 2 || !parse_time(w[1], &a))
			BAD("advance takes TIME (ns, or with us, ms, s)");
		r->op = SIM_ADVANCE;
	} else if (!strcmp(w[0], "flush")) {
		if (n != 1)
			BAD("flush takes nothing");
		r->op = SIM_FLUSH;
	} else {
		BAD("'%s' is not an operation (map, unmap, translate, dma_map, dma_unmap, reserve, advance, flush)", w[0]);
	}
#undef BAD

	s->ops++;
	flushes = full_flushes(&s->tlb);
	switch (r->op) {
	case SIM_MAP:
		r->iova = a, r->phys = b, r->size = c;
		do_map(s, a, b, c, prot, r);
		break;
	case SIM_UNMAP: {
		int err = 0;
		uint64_t done = pt_unmap(s->pt, a, b, &err);
		r->iova = a;
		r->size = done;
		r->err = err;
		r->ok = err == 0;
		r->outcome = r->ok ? "unmapped" : "failed";
		if (done)
			iotlb_invalidate_range(&s->tlb, a, done);
		break;
	}
	case SIM_TRANSLATE:
		r->iova = a;
		do_translate(s, a, r);
		break;
	case SIM_DMA_MAP:
		r->size = a;
		do_dma_map(s, a, (unsigned)b, r);
		break;
	case SIM_DMA_UNMAP:
		r->handle = a;
		do_dma_unmap(s, a, r);
		break;
	case SIM_RESERVE:
		r->iova = a, r->size = b;
		r->err = b ? iovad_reserve(&s->iovad, a, a + b - 1) : -EINVAL;
		r->ok = r->err == 0;
		r->outcome = r->ok ? "reserved" : "failed";
		break;
	case SIM_ADVANCE:
		r->size = a;
		iotlb_advance(&s->tlb, a);
		r->ok = true;
		r->outcome = "advanced";
		break;
	case SIM_FLUSH:
		iotlb_flush(&s->tlb);
		r->ok = true;
		r->outcome = "flushed";
		break;
	}
	r->flushes = full_flushes(&s->tlb) - flushes;
	if (!r->ok && r->op != SIM_TRANSLATE)
		s->failed++;
	return 1;
}

void sim_get_totals(const struct sim *s, struct sim_totals *t)
{
	struct iotlb_stats ts;
	const struct iova_stats *is = iova_get_stats(&s->iovad);
	memset(t, 0, sizeof(*t));
	pt_get_stats(s->pt, &t->pt);
	/* AMD v1 tables grow levels on demand: the geometry now */
	pt_get_geometry(s->pt, &t->geo);
	t->ops = s->ops;
	t->failed = s->failed;
	t->translations = s->translations;
	t->faults = s->faults;
	iotlb_get_stats(&s->tlb, &ts);
	t->iotlb_hits = ts.hits;
	t->iotlb_misses = ts.misses;
	t->iotlb_stale_hits = ts.stale_hits;
	t->iotlb_evictions = ts.evictions;
	t->range_invalidations = ts.range_invalidations;
	t->full_flushes = ts.full_flushes;
	t->invalidations = ts.range_invalidations + ts.full_flushes;
	t->stale_window_ns = ts.max_stale_ns;
	t->stale_window_ops = ts.max_stale_ops;
	t->iova_allocs = is->allocs;
	t->iova_frees = is->frees;
	t->iova_failures = is->failures;
	t->iova_rcache_hits = is->rcache_hits;
	t->iova_sac_fallbacks = is->sac_fallbacks;
	t->iova_live = is->live_allocs;
	t->iova_live_bytes = is->live_bytes;
	t->iova_free_below_4g = iova_free_bytes_below(&s->iovad, (1ull << 32) - 1);
	t->iova_largest_free_below_4g = iova_largest_free_block(&s->iovad, (1ull << 32) - 1);
	t->dma_live = s->dma_live;
}

void sim_get_geometry(const struct sim *s, struct pt_geometry *g)
{
	*g = s->geo;
}
