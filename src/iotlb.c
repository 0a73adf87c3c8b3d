/* iotlb.c - the IOTLB model of iotlb.h. The flush queue follows
 * drivers/iommu/dma-iommu.c: queue_iova, fq_full, fq_ring_add,
 * fq_ring_free, fq_flush_iotlb and fq_flush_timeout; the strict path
 * follows __iommu_dma_unmap (iommu_unmap_fast, iommu_iotlb_sync, then
 * iommu_dma_free_iova). */
#include "iotlb.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static bool is_pow2(uint64_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

static unsigned tag_shift(uint64_t tag)
{
	return (unsigned)(tag & ((1u << IOTLB_TAG_SHIFT_BITS) - 1));
}

static uint64_t make_tag(uint64_t vpn, unsigned shift)
{
	return vpn << IOTLB_TAG_SHIFT_BITS | shift;
}

/* The first slot of the set holding page VPN. */
static unsigned set_base(const struct iotlb *t, uint64_t vpn)
{
	return (unsigned)((vpn & t->set_mask) << t->ways_shift);
}

void iotlb_config_default(struct iotlb_config *c)
{
	memset(c, 0, sizeof(*c));
	c->entries = IOTLB_DEFAULT_ENTRIES;
	c->ways = IOTLB_DEFAULT_WAYS;
	c->mode = IOTLB_STRICT;
	c->fq_size = IOVA_DEFAULT_FQ_SIZE;
	c->fq_timeout_ns = IOVA_DEFAULT_FQ_TIMEOUT_NS;
}

int iotlb_init(struct iotlb *t, const struct iotlb_config *c)
{
	struct iotlb_config cfg = *c;
	memset(t, 0, sizeof(*t));
	if (cfg.entries == 0)
		cfg.entries = IOTLB_DEFAULT_ENTRIES;
	if (cfg.ways == 0)
		cfg.ways = IOTLB_DEFAULT_WAYS;
	if (cfg.fq_size == 0)
		cfg.fq_size = IOVA_DEFAULT_FQ_SIZE;
	if (cfg.fq_timeout_ns == 0)
		cfg.fq_timeout_ns = IOVA_DEFAULT_FQ_TIMEOUT_NS;
	if (!is_pow2(cfg.entries) || !is_pow2(cfg.ways) || cfg.ways > cfg.entries ||
	    !is_pow2(cfg.fq_size) || cfg.fq_size < 2)
		return -EINVAL;
	t->cfg = cfg;
	t->ways = cfg.ways;
	t->ways_shift = (unsigned)__builtin_ctz(cfg.ways);
	t->set_mask = cfg.entries / cfg.ways - 1;
	t->tags = xmalloc(cfg.entries * sizeof(*t->tags));
	for (unsigned i = 0; i < cfg.entries; i++)
		t->tags[i] = IOTLB_NO_TAG;
	t->pte = xcalloc(cfg.entries, sizeof(*t->pte));
	t->last_use = xcalloc(cfg.entries, sizeof(*t->last_use));
	t->stale_since = xcalloc(cfg.entries, sizeof(*t->stale_since));
	t->fq = xcalloc(cfg.fq_size, sizeof(*t->fq));
	return 0;
}

void iotlb_release(struct iotlb *t)
{
	free(t->tags);
	free(t->pte);
	free(t->last_use);
	free(t->stale_since);
	free(t->fq);
	memset(t, 0, sizeof(*t));
}

static void note_window(struct iotlb_stats *s, const struct iotlb_stale_since *since, uint64_t now_ns,
			uint64_t ops)
{
	if (now_ns - since->ns > s->max_stale_ns)
		s->max_stale_ns = now_ns - since->ns;
	if (ops - since->op > s->max_stale_ops)
		s->max_stale_ops = ops - since->op;
}

/* Empties slot I; a stale entry's window closes now. */
static void drop_entry(struct iotlb *t, unsigned i)
{
	unsigned shift = tag_shift(t->tags[i]);
	if (t->pte[i] & IOTLB_PTE_STALE) {
		note_window(&t->stats, &t->stale_since[i], t->now_ns, t->ops);
		t->nstale--;
	}
	t->pte[i] = 0;
	if (--t->shift_count[shift] == 0)
		t->shift_mask &= ~(1ull << shift);
	t->tags[i] = IOTLB_NO_TAG;
}

/* The slot for TAG in the set at BASE: its own if cached, else a free
 * one, else the least recently used. */
static unsigned pick_way(const struct iotlb *t, unsigned base, uint64_t tag)
{
	unsigned lru = base;
	for (unsigned i = base; i < base + t->ways; i++)
		if (t->tags[i] == tag)
			return i;
	for (unsigned i = base; i < base + t->ways; i++) {
		if (t->tags[i] == IOTLB_NO_TAG)
			return i;
		if (t->last_use[i] < t->last_use[lru])
			lru = i;
	}
	return lru;
}

int iotlb_fill(struct iotlb *t, uint64_t iova, uint64_t page_size, uint64_t phys, unsigned prot)
{
	unsigned shift, victim;
	uint64_t tag;
	if (!is_pow2(page_size) || page_size < 4096)
		return -EINVAL;
	t->ops++;
	t->stats.fills++;
	shift = (unsigned)__builtin_ctzll(page_size);
	tag = make_tag(iova >> shift, shift);
	victim = pick_way(t, set_base(t, iova >> shift), tag);
	if (t->tags[victim] != IOTLB_NO_TAG) {
		if (t->tags[victim] != tag)
			t->stats.evictions++;
		drop_entry(t, victim);
	}
	t->tags[victim] = tag;
	t->pte[victim] = (phys & ~(page_size - 1)) | (uint64_t)(prot & 0xff) << 1;
	t->last_use[victim] = t->ops;
	t->shift_count[shift]++;
	t->shift_mask |= 1ull << shift;
	return 0;
}

/* Calls FN on every slot whose page overlaps [iova, iova + size): by
 * probing the set of each page when that is cheaper than looking at all
 * entries. */
static void for_each_overlap(struct iotlb *t, uint64_t iova, uint64_t size,
			     void (*fn)(struct iotlb *t, unsigned i))
{
	uint64_t last = iova + size - 1, probes = 0;
	if (size == 0)
		return;
	for (uint64_t m = t->shift_mask; m != 0; m &= m - 1) {
		unsigned shift = (unsigned)__builtin_ctzll(m);
		probes += ((last >> shift) - (iova >> shift) + 1) * t->ways;
	}
	if (probes >= t->cfg.entries) {
		for (unsigned i = 0; i < t->cfg.entries; i++) {
			uint64_t tag = t->tags[i], page;
			unsigned shift;
			if (tag == IOTLB_NO_TAG)
				continue;
			shift = tag_shift(tag);
			page = (tag >> IOTLB_TAG_SHIFT_BITS) << shift;
			if (page <= last && page + ((1ull << shift) - 1) >= iova)
				fn(t, i);
		}
		return;
	}
	for (uint64_t m = t->shift_mask; m != 0; m &= m - 1) {
		unsigned shift = (unsigned)__builtin_ctzll(m);
		for (uint64_t vpn = iova >> shift; vpn <= last >> shift; vpn++) {
			uint64_t tag = make_tag(vpn, shift);
			unsigned base = set_base(t, vpn);
			for (unsigned i = base; i < base + t->ways; i++)
				if (t->tags[i] == tag)
					fn(t, i);
		}
	}
}

static void mark_stale(struct iotlb *t, unsigned i)
{
	if (t->pte[i] & IOTLB_PTE_STALE)
		return;
	t->pte[i] |= IOTLB_PTE_STALE;
	t->stale_since[i] = (struct iotlb_stale_since){t->now_ns, t->ops};
	t->nstale++;
}

static void release(struct iotlb *t, uint64_t iova, uint64_t size)
{
	if (t->cfg.release)
		t->cfg.release(t->cfg.release_ctx, iova, size);
}

/* fq_flush_iotlb then fq_ring_free: with one CPU every queued range was
 * queued before this flush started, so all of them are released. */
static void flush_all(struct iotlb *t)
{
	unsigned mask = t->cfg.fq_size - 1;
	for (unsigned i = 0; i < t->cfg.entries; i++)
		if (t->tags[i] != IOTLB_NO_TAG)
			drop_entry(t, i);
	t->stats.full_flushes++;
	while (t->fq_head != t->fq_tail) {
		struct iotlb_queued q = t->fq[t->fq_head];
		t->fq_head = (t->fq_head + 1) & mask;
		t->stats.queue_depth--;
		release(t, q.iova, q.size);
	}
}

void iotlb_unmap(struct iotlb *t, uint64_t iova, uint64_t size)
{
	unsigned mask = t->cfg.fq_size - 1;
	t->ops++;
	t->stats.unmaps++;
	if (t->cfg.mode == IOTLB_STRICT) {
		for_each_overlap(t, iova, size, drop_entry);
		t->stats.range_invalidations++;
		release(t, iova, size);
		return;
	}
	for_each_overlap(t, iova, size, mark_stale);
	/* queue_iova: fq_full keeps one slot of the ring empty, so the 256th
	 * range finds 255 queued and flushes them first */
	if (((t->fq_tail + 1) & mask) == t->fq_head) {
		t->stats.flushes_queue_full++;
		flush_all(t);
	}
	t->fq[t->fq_tail] = (struct iotlb_queued){iova, size};
	t->fq_tail = (t->fq_tail + 1) & mask;
	t->stats.queued++;
	t->stats.queue_depth++;
	/* the timer is armed by the first queueing after it last fired, and
	 * not pushed back by later ones */
	if (!t->timer_on) {
		t->timer_on = true;
		t->deadline_ns = t->now_ns + t->cfg.fq_timeout_ns;
	}
}

void iotlb_invalidate_range(struct iotlb *t, uint64_t iova, uint64_t size)
{
	/* an unmap in the operation counts, as iotlb_unmap's */
	t->ops++;
	t->stats.unmaps++;
	for_each_overlap(t, iova, size, drop_entry);
	t->stats.range_invalidations++;
}

void iotlb_advance(struct iotlb *t, uint64_t ns)
{
	uint64_t target = t->now_ns + ns;
	if (t->timer_on && t->deadline_ns <= target) {
		/* fq_flush_timeout, at its own time: windows close then */
		t->now_ns = t->deadline_ns;
		t->timer_on = false;
		t->stats.flushes_timer++;
		flush_all(t);
	}
	t->now_ns = target;
}

void iotlb_flush(struct iotlb *t)
{
	flush_all(t);
}

void iotlb_get_stats(const struct iotlb *t, struct iotlb_stats *out)
{
	*out = t->stats;
	out->ops = t->ops;
	out->lookups = t->ops - t->stats.fills - t->stats.unmaps;
	out->misses = t->misses;
	out->hits = out->lookups - t->misses;
	out->stale_hits = t->stale_hits;
	if (t->nstale == 0)
		return;
	/* windows still open count up to now */
	for (unsigned i = 0; i < t->cfg.entries; i++)
		if (t->pte[i] & IOTLB_PTE_STALE)
			note_window(out, &t->stale_since[i], t->now_ns, t->ops);
}
