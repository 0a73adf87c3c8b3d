/* iotlb.h - an IOTLB model with dma-iommu's two invalidation policies
 * (KERNEL-FACTS.md 7.6, drivers/iommu/dma-iommu.c):
 *
 *  - strict (DMA domains): an unmap invalidates its range at once, one
 *    invalidation per unmap call (iommu_iotlb_sync), and the IOVA goes
 *    back to the allocator straight after;
 *  - lazy (DMA-FQ domains): an unmap clears the page table but leaves the
 *    IOTLB entries valid and queues the IOVA range (queue_iova). One
 *    invalidation of everything (flush_iotlb_all) happens when an unmap
 *    finds the queue full or when the timer, armed by the first unmap
 *    after the previous timer flush, expires; the queued IOVAs go back to
 *    the allocator only after it (fq_ring_free).
 *
 * Until that flush, a device can still translate through the stale
 * entries: the model counts each such "stale hit" and records the longest
 * time, in virtual nanoseconds and in IOTLB operations (lookups, fills and
 * unmaps), that a stale translation stayed usable (from its unmap until a
 * flush or an eviction removed it).
 *
 * The cache: ENTRIES entries (default 512) in sets of WAYS (default 4,
 * least recently used replaced); WAYS = 1 is direct-mapped, WAYS =
 * ENTRIES fully associative. VT-d and AMD-Vi do not document their IOTLB
 * organisation; this one is a plausible, cheap model. An entry translates
 * one page of any power-of-two size; a page of 2^s bytes is indexed by
 * (iova >> s) mod sets, so a lookup probes one set per page size present
 * in the cache (usually one). A hit costs a few nanoseconds.
 *
 * One CPU: the kernel keeps one flush queue per CPU (or one for the whole
 * domain on IOMMUs with shadow_on_flush, IOVA_SINGLE_FQ_SIZE 32768 and a
 * 1000 ms timeout: set fq_size and fq_timeout_ns for those); here there is
 * one queue. The kernel's timeout is msecs_to_jiffies(10), so it fires on
 * the next tick at or after 10 ms; the model fires at exactly 10 ms. */
#ifndef IOMMUCTL_IOTLB_H
#define IOMMUCTL_IOTLB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IOTLB_DEFAULT_ENTRIES 512
#define IOTLB_DEFAULT_WAYS 4
/* drivers/iommu/dma-iommu.c */
#define IOVA_DEFAULT_FQ_SIZE 256                 /* a ring: holds 255 ranges */
#define IOVA_DEFAULT_FQ_TIMEOUT_NS 10000000ull   /* IOVA_DEFAULT_FQ_TIMEOUT, 10 ms */

enum iotlb_mode {
	IOTLB_STRICT,
	IOTLB_LAZY,
};

enum iotlb_result {
	IOTLB_MISS,
	IOTLB_HIT,
	IOTLB_HIT_STALE,   /* a hit on a page unmapped but not yet flushed */
};

/* Called with each unmapped range once no IOTLB entry can translate it
 * any more: at once in strict mode, after the flush in lazy mode (oldest
 * first). The caller frees the IOVA then (e.g. iova_dma_free). */
typedef void iotlb_release_fn(void *ctx, uint64_t iova, uint64_t size);

struct iotlb_config {
	unsigned entries;        /* a power of two; 0: 512 */
	unsigned ways;           /* a power of two <= entries; 0: 4 */
	enum iotlb_mode mode;
	unsigned fq_size;        /* ring slots, a power of two >= 2; 0: 256 */
	uint64_t fq_timeout_ns;  /* 0: 10 ms */
	iotlb_release_fn *release; /* may be NULL */
	void *release_ctx;
};
void iotlb_config_default(struct iotlb_config *c);

struct iotlb_stats {
	uint64_t ops;            /* lookups + fills + unmaps */
	uint64_t lookups;
	uint64_t hits;           /* stale hits included */
	uint64_t misses;
	uint64_t fills;
	uint64_t unmaps;
	uint64_t evictions;      /* valid entries replaced by a fill */
	uint64_t range_invalidations; /* strict: one per unmap */
	uint64_t full_flushes;   /* lazy: queue full or timer, and iotlb_flush */
	uint64_t flushes_queue_full;
	uint64_t flushes_timer;
	uint64_t queued;         /* ranges queued since init */
	uint64_t queue_depth;    /* ranges queued now */
	uint64_t stale_hits;
	uint64_t max_stale_ns;   /* the longest stale window, including any */
	uint64_t max_stale_ops;  /* still open at iotlb_get_stats */
};

/* Internal state, here so that an IOTLB can live on the stack and the
 * lookup can be inlined. */
#define IOTLB_NO_TAG UINT64_MAX
#define IOTLB_TAG_SHIFT_BITS 6    /* a tag is (iova >> s) << 6 | s */
#define IOTLB_PTE_STALE 1ull      /* pte bit 0; bits 1-8 hold prot */
#define IOTLB_PTE_FLAGS 0xfffull  /* pages are >= 4 KiB: the low bits are free */

struct iotlb_stale_since {
	uint64_t ns, op;
};

struct iotlb_queued {
	uint64_t iova, size;
};

struct iotlb {
	/* the lookup's working set first */
	uint64_t *tags;          /* per slot: the tag, or IOTLB_NO_TAG */
	uint64_t *pte;           /* per slot: page address | prot << 1 | stale */
	uint64_t *last_use;      /* per slot: ops at the last use, for LRU */
	uint64_t shift_mask;     /* bit s set: some slot holds a 2^s page */
	uint64_t set_mask;
	unsigned ways, ways_shift;
	uint64_t ops, misses, stale_hits;
	/* the rest */
	struct iotlb_config cfg;
	struct iotlb_stale_since *stale_since;
	unsigned shift_count[64];
	size_t nstale;
	uint64_t now_ns;
	bool timer_on;
	uint64_t deadline_ns;
	struct iotlb_queued *fq; /* ring of cfg.fq_size */
	unsigned fq_head, fq_tail;
	struct iotlb_stats stats; /* the counters not kept above */
};

/* 0, or -EINVAL for sizes that are not powers of two or ways > entries. */
int iotlb_init(struct iotlb *t, const struct iotlb_config *c);
/* Queued ranges are dropped without release(): the kernel tears them
 * down with the domain (iommu_dma_free_fq). */
void iotlb_release(struct iotlb *t);

/* Translates IOVA: on a hit *phys (the page's address plus the offset)
 * and *prot (if not NULL) are set. Inline: a hit is a handful of
 * instructions. */
static inline enum iotlb_result iotlb_lookup(struct iotlb *t, uint64_t iova, uint64_t *phys,
					     unsigned *prot)
{
	const uint64_t *tags = t->tags;
	unsigned ways = t->ways, chunk = ways < 64 ? ways : 64;
	uint64_t ops = ++t->ops;
	for (uint64_t m = t->shift_mask; m != 0; m &= m - 1) {
		unsigned s = (unsigned)__builtin_ctzll(m);
		uint64_t vpn = iova >> s, tag = vpn << IOTLB_TAG_SHIFT_BITS | s;
		size_t base = (size_t)(vpn & t->set_mask) << t->ways_shift;
		for (size_t c = base; c < base + ways; c += chunk) {
			/* which way matches, without a branch per way: a hit
			 * in a random way would mispredict */
			uint64_t match = 0, pte;
			size_t i;
			for (unsigned w = 0; w < chunk; w++)
				match |= (uint64_t)(tags[c + w] == tag) << w;
			if (match == 0)
				continue;
			i = c + (size_t)__builtin_ctzll(match);
			pte = t->pte[i];
			t->last_use[i] = ops;
			*phys = (pte & ~IOTLB_PTE_FLAGS) + (iova & ((1ull << s) - 1));
			if (prot)
				*prot = (unsigned)(pte >> 1) & 0xff;
			if (pte & IOTLB_PTE_STALE) {
				t->stale_hits++;
				return IOTLB_HIT_STALE;
			}
			return IOTLB_HIT;
		}
	}
	t->misses++;
	return IOTLB_MISS;
}

/* After a page walk: caches the page of PAGE_SIZE bytes (a power of two,
 * at least 4 KiB) holding IOVA, mapped at PHYS (both rounded down to the
 * page) with PROT (8 bits). 0, or -EINVAL for another page size. */
int iotlb_fill(struct iotlb *t, uint64_t iova, uint64_t page_size, uint64_t phys, unsigned prot);

/* The caller has cleared [iova, iova + size) from the page table: strict
 * invalidates it now and releases it; lazy marks its entries stale and
 * queues it, flushing everything first if the queue is full. */
void iotlb_unmap(struct iotlb *t, uint64_t iova, uint64_t size);

/* iommu_unmap's own iommu_iotlb_sync: the caller cleared [iova, iova +
 * size) from the page table outside dma-iommu, and the range is
 * invalidated now in either mode (counted as a range invalidation);
 * nothing is queued or released. */
void iotlb_invalidate_range(struct iotlb *t, uint64_t iova, uint64_t size);

/* Moves the virtual clock on; the flush timer fires if it expires. */
void iotlb_advance(struct iotlb *t, uint64_t ns);

/* Invalidates everything and releases every queued range now (as on
 * flush_iotlb_all), in either mode. */
void iotlb_flush(struct iotlb *t);

void iotlb_get_stats(const struct iotlb *t, struct iotlb_stats *out);

#endif
