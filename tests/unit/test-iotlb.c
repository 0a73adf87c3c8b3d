/* test-iotlb.c - the IOTLB model: lookups and fills, eviction, strict and
 * lazy invalidation counts as dma-iommu's flush queue makes them, stale
 * hits and their windows, and IOVAs going back to the allocator only
 * after the flush. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "iotlb.h"
#include "iova.h"
#include "util.h"

#define PAGE 4096ull
#define MS 1000000ull
#define BASE 0x100000000ull

/* The ranges handed back, in order. */
struct released {
	uint64_t iova[4096], size[4096];
	size_t n;
};

static void record_release(void *ctx, uint64_t iova, uint64_t size)
{
	struct released *r = ctx;
	assert_true(r->n < ARRAY_SIZE(r->iova));
	r->iova[r->n] = iova;
	r->size[r->n] = size;
	r->n++;
}

static void init_mode(struct iotlb *t, enum iotlb_mode mode, struct released *r)
{
	struct iotlb_config c;
	iotlb_config_default(&c);
	c.mode = mode;
	c.release = r ? record_release : NULL;
	c.release_ctx = r;
	assert_int_equal(iotlb_init(t, &c), 0);
}

static void init_geometry(struct iotlb *t, unsigned entries, unsigned ways, enum iotlb_mode mode)
{
	struct iotlb_config c;
	iotlb_config_default(&c);
	c.entries = entries;
	c.ways = ways;
	c.mode = mode;
	assert_int_equal(iotlb_init(t, &c), 0);
}

static struct iotlb_stats stats_of(const struct iotlb *t)
{
	struct iotlb_stats s;
	iotlb_get_stats(t, &s);
	return s;
}

static enum iotlb_result look(struct iotlb *t, uint64_t iova)
{
	uint64_t phys;
	return iotlb_lookup(t, iova, &phys, NULL);
}

static void bad_configs(void **state)
{
	struct iotlb_config c;
	struct iotlb t;
	(void)state;
	iotlb_config_default(&c);
	c.entries = 500;
	assert_int_equal(iotlb_init(&t, &c), -EINVAL);
	iotlb_config_default(&c);
	c.ways = 3;
	assert_int_equal(iotlb_init(&t, &c), -EINVAL);
	c.ways = 1024;
	assert_int_equal(iotlb_init(&t, &c), -EINVAL);
	iotlb_config_default(&c);
	c.fq_size = 100;
	assert_int_equal(iotlb_init(&t, &c), -EINVAL);
}

static void lookup_and_fill(void **state)
{
	struct iotlb t;
	uint64_t phys = 0;
	unsigned prot = 0;
	struct iotlb_stats s;
	(void)state;
	init_mode(&t, IOTLB_STRICT, NULL);
	assert_int_equal(iotlb_lookup(&t, BASE + 0x123, &phys, &prot), IOTLB_MISS);
	assert_int_equal(iotlb_fill(&t, BASE + 0x123, PAGE, 0x7654321, 3), 0);
	assert_int_equal(iotlb_lookup(&t, BASE + 0x456, &phys, &prot), IOTLB_HIT);
	assert_int_equal(phys, 0x7654456);
	assert_int_equal(prot, 3);
	assert_int_equal(look(&t, BASE + PAGE), IOTLB_MISS);
	/* a 2 MiB page answers for every 4 KiB inside it */
	assert_int_equal(iotlb_fill(&t, 0x40000000, 2ull << 20, 0x80000000, 1), 0);
	assert_int_equal(iotlb_lookup(&t, 0x401ff008, &phys, &prot), IOTLB_HIT);
	assert_int_equal(phys, 0x801ff008);
	assert_int_equal(prot, 1);
	assert_int_equal(iotlb_lookup(&t, 0x40000000, &phys, NULL), IOTLB_HIT);
	assert_int_equal(phys, 0x80000000);
	assert_int_equal(look(&t, 0x40200000), IOTLB_MISS);
	/* filling the same page again replaces it in place */
	assert_int_equal(iotlb_fill(&t, BASE, PAGE, 0x9000, 2), 0);
	assert_int_equal(iotlb_lookup(&t, BASE + 8, &phys, &prot), IOTLB_HIT);
	assert_int_equal(phys, 0x9008);
	assert_int_equal(prot, 2);
	assert_int_equal(iotlb_fill(&t, BASE, 3000, 0, 0), -EINVAL);
	assert_int_equal(iotlb_fill(&t, BASE, 2048, 0, 0), -EINVAL);
	s = stats_of(&t);
	assert_int_equal(s.lookups, 7);
	assert_int_equal(s.hits, 4);
	assert_int_equal(s.misses, 3);
	assert_int_equal(s.fills, 3);
	assert_int_equal(s.evictions, 0);
	assert_int_equal(s.ops, 10);
	iotlb_release(&t);
}

/* Pages that share a set: with 4 ways the least recently used goes. */
static void eviction_lru(void **state)
{
	struct iotlb t;
	const uint64_t stride = 128 * PAGE; /* 512 entries / 4 ways = 128 sets */
	(void)state;
	init_mode(&t, IOTLB_STRICT, NULL);
	for (uint64_t i = 0; i < 4; i++)
		assert_int_equal(iotlb_fill(&t, BASE + i * stride, PAGE, i * PAGE, 0), 0);
	assert_int_equal(look(&t, BASE), IOTLB_HIT); /* page 0 is now the newest */
	assert_int_equal(iotlb_fill(&t, BASE + 4 * stride, PAGE, 0, 0), 0);
	assert_int_equal(stats_of(&t).evictions, 1);
	assert_int_equal(look(&t, BASE + stride), IOTLB_MISS); /* page 1 was the LRU */
	assert_int_equal(look(&t, BASE), IOTLB_HIT);
	assert_int_equal(look(&t, BASE + 2 * stride), IOTLB_HIT);
	assert_int_equal(look(&t, BASE + 3 * stride), IOTLB_HIT);
	assert_int_equal(look(&t, BASE + 4 * stride), IOTLB_HIT);
	/* other sets are untouched: 127 more sets of 4 fit without eviction */
	for (uint64_t i = 1; i < 128; i++)
		assert_int_equal(iotlb_fill(&t, BASE + i * PAGE, PAGE, 0, 0), 0);
	assert_int_equal(stats_of(&t).evictions, 1);
	iotlb_release(&t);
}

static void eviction_direct_mapped(void **state)
{
	struct iotlb t;
	(void)state;
	init_geometry(&t, 4, 1, IOTLB_STRICT);
	assert_int_equal(iotlb_fill(&t, BASE, PAGE, 0x1000, 0), 0);
	assert_int_equal(iotlb_fill(&t, BASE + PAGE, PAGE, 0x2000, 0), 0);
	assert_int_equal(iotlb_fill(&t, BASE + 4 * PAGE, PAGE, 0x3000, 0), 0); /* set 0 again */
	assert_int_equal(look(&t, BASE), IOTLB_MISS);
	assert_int_equal(look(&t, BASE + PAGE), IOTLB_HIT);
	assert_int_equal(look(&t, BASE + 4 * PAGE), IOTLB_HIT);
	assert_int_equal(stats_of(&t).evictions, 1);
	iotlb_release(&t);
}

/* Fully associative (one set of 128 ways): any page goes anywhere. */
static void eviction_fully_associative(void **state)
{
	struct iotlb t;
	(void)state;
	init_geometry(&t, 128, 128, IOTLB_STRICT);
	for (uint64_t i = 0; i < 128; i++)
		assert_int_equal(iotlb_fill(&t, BASE + i * 0x10000000ull, PAGE, i * PAGE, 0), 0);
	/* looked up in order: page 0 is the least recently used */
	for (uint64_t i = 0; i < 128; i++)
		assert_int_equal(look(&t, BASE + i * 0x10000000ull), IOTLB_HIT);
	assert_int_equal(iotlb_fill(&t, 0x1000, PAGE, 0, 0), 0);
	assert_int_equal(look(&t, BASE), IOTLB_MISS);
	assert_int_equal(look(&t, 0x1000), IOTLB_HIT);
	assert_int_equal(look(&t, BASE + 127 * 0x10000000ull), IOTLB_HIT);
	assert_int_equal(stats_of(&t).evictions, 1);
	iotlb_release(&t);
}

static void strict_unmap(void **state)
{
	struct iotlb t;
	struct released *r = calloc(1, sizeof(*r));
	struct iotlb_stats s;
	(void)state;
	assert_non_null(r);
	init_mode(&t, IOTLB_STRICT, r);
	for (uint64_t i = 0; i < 1000; i++) {
		assert_int_equal(iotlb_fill(&t, BASE + i * PAGE, PAGE, i * PAGE, 3), 0);
		assert_int_equal(look(&t, BASE + i * PAGE), IOTLB_HIT);
		iotlb_unmap(&t, BASE + i * PAGE, PAGE);
		/* gone at once, and the IOVA is back */
		assert_int_equal(look(&t, BASE + i * PAGE), IOTLB_MISS);
		assert_int_equal(r->n, i + 1);
		assert_int_equal(r->iova[i], BASE + i * PAGE);
	}
	/* a range over several cached pages, and one over a 2 MiB page */
	for (uint64_t i = 0; i < 8; i++)
		assert_int_equal(iotlb_fill(&t, BASE + i * PAGE, PAGE, 0, 0), 0);
	assert_int_equal(iotlb_fill(&t, 0x40000000, 2ull << 20, 0, 0), 0);
	iotlb_unmap(&t, BASE + 2 * PAGE, 4 * PAGE);
	assert_int_equal(look(&t, BASE + PAGE), IOTLB_HIT);
	for (uint64_t i = 2; i < 6; i++)
		assert_int_equal(look(&t, BASE + i * PAGE), IOTLB_MISS);
	assert_int_equal(look(&t, BASE + 6 * PAGE), IOTLB_HIT);
	iotlb_unmap(&t, 0x40100000, PAGE); /* inside the 2 MiB page */
	assert_int_equal(look(&t, 0x40000000), IOTLB_MISS);
	/* a range larger than the cache: every entry is looked at once */
	iotlb_unmap(&t, 0, UINT64_MAX);
	assert_int_equal(look(&t, BASE), IOTLB_MISS);
	s = stats_of(&t);
	assert_int_equal(s.range_invalidations, 1003);
	assert_int_equal(s.full_flushes, 0);
	assert_int_equal(s.stale_hits, 0);
	assert_int_equal(s.queued, 0);
	assert_int_equal(s.max_stale_ns, 0);
	iotlb_release(&t);
	free(r);
}

/* The flush queue: stale hits until the 256th unmap flushes the 255
 * queued before it; the 256th stays queued until the timer. */
static void lazy_queue_full(void **state)
{
	struct iotlb t;
	struct released *r = calloc(1, sizeof(*r));
	struct iotlb_stats s;
	(void)state;
	assert_non_null(r);
	init_mode(&t, IOTLB_LAZY, r);
	for (uint64_t i = 0; i < 300; i++)
		assert_int_equal(iotlb_fill(&t, BASE + i * PAGE, PAGE, i * PAGE, 3), 0);
	for (uint64_t i = 0; i < 255; i++) {
		iotlb_unmap(&t, BASE + i * PAGE, PAGE);
		assert_int_equal(look(&t, BASE + i * PAGE), IOTLB_HIT_STALE);
		assert_int_equal(look(&t, BASE), IOTLB_HIT_STALE);
	}
	assert_int_equal(r->n, 0);
	s = stats_of(&t);
	assert_int_equal(s.full_flushes, 0);
	assert_int_equal(s.queue_depth, 255);
	assert_int_equal(s.stale_hits, 510);
	/* the 256th */
	iotlb_unmap(&t, BASE + 255 * PAGE, PAGE);
	s = stats_of(&t);
	assert_int_equal(s.full_flushes, 1);
	assert_int_equal(s.flushes_queue_full, 1);
	assert_int_equal(s.queue_depth, 1);
	assert_int_equal(r->n, 255);
	for (size_t i = 0; i < 255; i++)
		assert_int_equal(r->iova[i], BASE + i * PAGE); /* oldest first */
	/* the flush took every entry, the 256th page's included */
	for (uint64_t i = 0; i < 300; i++)
		assert_int_equal(look(&t, BASE + i * PAGE), IOTLB_MISS);
	/* the timer armed by the first unmap (at 0 ns) releases the 256th */
	iotlb_advance(&t, 10 * MS - 1);
	assert_int_equal(r->n, 255);
	iotlb_advance(&t, 1);
	assert_int_equal(r->n, 256);
	assert_int_equal(r->iova[255], BASE + 255 * PAGE);
	s = stats_of(&t);
	assert_int_equal(s.full_flushes, 2);
	assert_int_equal(s.flushes_timer, 1);
	assert_int_equal(s.queue_depth, 0);
	assert_int_equal(s.queued, 256);
	assert_int_equal(s.range_invalidations, 0);
	iotlb_release(&t);
	free(r);
}

/* N unmaps with no time passing: flushes at the 256th, 511th, 766th...
 * (floor((N - 1) / 255)), then one by the timer for the rest; strict: N. */
static void invalidation_counts(void **state)
{
	const unsigned ns[] = {1, 255, 256, 300, 511, 1000, 2560};
	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(ns); k++) {
		struct iotlb lazy, strict;
		init_mode(&lazy, IOTLB_LAZY, NULL);
		init_mode(&strict, IOTLB_STRICT, NULL);
		for (unsigned i = 0; i < ns[k]; i++) {
			iotlb_unmap(&lazy, BASE + i * PAGE, PAGE);
			iotlb_unmap(&strict, BASE + i * PAGE, PAGE);
		}
		assert_int_equal(stats_of(&lazy).full_flushes, (ns[k] - 1) / 255);
		assert_int_equal(stats_of(&strict).range_invalidations, ns[k]);
		iotlb_advance(&lazy, 10 * MS);
		assert_int_equal(stats_of(&lazy).full_flushes, (ns[k] - 1) / 255 + 1);
		assert_int_equal(stats_of(&lazy).queue_depth, 0);
		iotlb_release(&lazy);
		iotlb_release(&strict);
	}
}

/* One unmap a millisecond: the timer flushes every 10 ms. It is armed by
 * the first unmap after the last flush and later unmaps do not push it. */
static void lazy_timer(void **state)
{
	struct iotlb t;
	struct released *r = calloc(1, sizeof(*r));
	(void)state;
	assert_non_null(r);
	init_mode(&t, IOTLB_LAZY, r);
	for (uint64_t i = 0; i < 50; i++) {
		iotlb_unmap(&t, BASE + i * PAGE, PAGE);
		iotlb_advance(&t, MS);
		assert_int_equal(stats_of(&t).flushes_timer, (i + 1) / 10);
		assert_int_equal(r->n, (i + 1) / 10 * 10);
	}
	assert_int_equal(stats_of(&t).full_flushes, 5);
	/* no unmap, no timer */
	iotlb_advance(&t, 100 * MS);
	assert_int_equal(stats_of(&t).full_flushes, 5);
	/* a long jump fires the timer at its own time */
	iotlb_unmap(&t, BASE, PAGE);
	iotlb_advance(&t, 1000 * MS);
	assert_int_equal(stats_of(&t).full_flushes, 6);
	iotlb_release(&t);
	free(r);
}

static void stale_windows(void **state)
{
	struct iotlb t;
	struct iotlb_stats s;
	uint64_t phys = 0;
	(void)state;
	init_mode(&t, IOTLB_LAZY, NULL);
	assert_int_equal(iotlb_fill(&t, BASE, PAGE, 0x5000, 3), 0); /* op 1 */
	iotlb_unmap(&t, BASE, PAGE);                                /* op 2, t = 0 */
	for (int i = 0; i < 5; i++) {                              /* ops 3-7 */
		assert_int_equal(iotlb_lookup(&t, BASE + 16, &phys, NULL), IOTLB_HIT_STALE);
		assert_int_equal(phys, 0x5010); /* the old translation, still used */
	}
	iotlb_advance(&t, 3 * MS);
	/* still open: the stats count it up to now */
	s = stats_of(&t);
	assert_int_equal(s.stale_hits, 5);
	assert_int_equal(s.max_stale_ns, 3 * MS);
	assert_int_equal(s.max_stale_ops, 5);
	iotlb_advance(&t, 20 * MS); /* the timer fires at 10 ms */
	s = stats_of(&t);
	assert_int_equal(s.max_stale_ns, 10 * MS);
	assert_int_equal(s.max_stale_ops, 5);
	assert_int_equal(look(&t, BASE), IOTLB_MISS);
	/* an unmapped page that was never cached: nothing stale to hit */
	iotlb_unmap(&t, BASE + PAGE, PAGE);
	assert_int_equal(look(&t, BASE + PAGE), IOTLB_MISS);
	iotlb_release(&t);
}

/* An eviction ends a stale window before the flush does. */
static void stale_window_ends_on_eviction(void **state)
{
	struct iotlb t;
	struct iotlb_stats s;
	(void)state;
	init_geometry(&t, 1, 1, IOTLB_LAZY);
	assert_int_equal(iotlb_fill(&t, BASE, PAGE, 0x5000, 3), 0);
	iotlb_unmap(&t, BASE, PAGE);
	iotlb_advance(&t, 2 * MS);
	assert_int_equal(look(&t, BASE), IOTLB_HIT_STALE);
	assert_int_equal(iotlb_fill(&t, BASE + PAGE, PAGE, 0x6000, 3), 0);
	assert_int_equal(look(&t, BASE), IOTLB_MISS);
	iotlb_advance(&t, 20 * MS);
	s = stats_of(&t);
	assert_int_equal(s.evictions, 1);
	assert_int_equal(s.max_stale_ns, 2 * MS);
	assert_int_equal(s.max_stale_ops, 2);
	assert_int_equal(s.stale_hits, 1);
	iotlb_release(&t);
}

/* ---- with the IOVA allocator ---------------------------------------------- */

struct dma {
	struct iova_domain iovad;
	struct iova_dev dev;
};

static void free_to_allocator(void *ctx, uint64_t iova, uint64_t size)
{
	struct dma *d = ctx;
	assert_int_equal(iova_dma_free(&d->iovad, iova, size), 0);
}

static void allocator_gets_iovas_after_flush(void **state)
{
	for (int lazy = 0; lazy <= 1; lazy++) {
		struct dma d;
		struct iova_config ic;
		struct iotlb_config tc;
		struct iotlb t;
		uint64_t iova[300], again;
		bool fb;
		(void)state;
		iova_config_default(&ic);
		assert_int_equal(iova_domain_init(&d.iovad, &ic), 0);
		iova_dev_init(&d.dev, true, false);
		iotlb_config_default(&tc);
		tc.mode = lazy ? IOTLB_LAZY : IOTLB_STRICT;
		tc.release = free_to_allocator;
		tc.release_ctx = &d;
		assert_int_equal(iotlb_init(&t, &tc), 0);
		for (int i = 0; i < 300; i++) {
			assert_int_equal(iova_dma_alloc(&d.iovad, &d.dev, PAGE, UINT64_MAX, &iova[i], &fb), 0);
			assert_int_equal(iotlb_fill(&t, iova[i], PAGE, 0x10000000 + (uint64_t)i * PAGE, 3), 0);
		}
		iotlb_unmap(&t, iova[0], PAGE);
		assert_int_equal(iova_dma_alloc(&d.iovad, &d.dev, PAGE, UINT64_MAX, &again, &fb), 0);
		if (!lazy) {
			/* strict: freed at once, and the rcache hands it out again */
			assert_int_equal(again, iova[0]);
			iotlb_release(&t);
			iova_domain_release(&d.iovad);
			continue;
		}
		/* lazy: still allocated until the flush, so never reused early */
		assert_true(again != iova[0]);
		assert_int_equal(iova_get_stats(&d.iovad)->live_allocs, 301);
		for (int i = 1; i < 256; i++)
			iotlb_unmap(&t, iova[i], PAGE);
		/* the 256th unmap flushed 255: they are free (in the rcache) */
		assert_int_equal(iova_get_stats(&d.iovad)->live_allocs, 301 - 255);
		assert_int_equal(iova_get_stats(&d.iovad)->cached_allocs, 255);
		iotlb_advance(&t, 10 * MS);
		assert_int_equal(iova_get_stats(&d.iovad)->live_allocs, 301 - 256);
		iotlb_release(&t);
		iova_domain_release(&d.iovad);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bad_configs),
		cmocka_unit_test(lookup_and_fill),
		cmocka_unit_test(eviction_lru),
		cmocka_unit_test(eviction_direct_mapped),
		cmocka_unit_test(eviction_fully_associative),
		cmocka_unit_test(strict_unmap),
		cmocka_unit_test(lazy_queue_full),
		cmocka_unit_test(invalidation_counts),
		cmocka_unit_test(lazy_timer),
		cmocka_unit_test(stale_windows),
		cmocka_unit_test(stale_window_ends_on_eviction),
		cmocka_unit_test(allocator_gets_iovas_after_flush),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
