/* test-iova.c - the IOVA allocator model: placements derived by hand from
 * drivers/iommu/iova.c and dma-iommu.c, the rcache, the SAC rule, and a
 * random trace checked against a brute-force reference. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "iova.h"

#define PAGE 4096ull
#define LIMIT32 0xffffffffull
#define LIMIT48 ((1ull << 48) - 1)

static uint64_t alloc_ok(struct iova_domain *d, uint64_t size, uint64_t limit)
{
	uint64_t iova = 0;
	assert_int_equal(iova_alloc(d, size, limit, &iova), 0);
	return iova;
}

static void init_default(struct iova_domain *d)
{
	struct iova_config c;
	iova_config_default(&c);
	assert_int_equal(iova_domain_init(d, &c), 0);
}

static void bad_configs(void **state)
{
	struct iova_config c;
	struct iova_domain d;
	(void)state;
	iova_config_default(&c);
	c.granule = 2048;
	assert_int_equal(iova_domain_init(&d, &c), -EINVAL);
	c.granule = 3 * 4096;
	assert_int_equal(iova_domain_init(&d, &c), -EINVAL);
	iova_config_default(&c);
	c.start_pfn = 0; /* pfn 0 is never handed out */
	assert_int_equal(iova_domain_init(&d, &c), -EINVAL);
	iova_config_default(&c);
	c.aperture_end = 0;
	assert_int_equal(iova_domain_init(&d, &c), -EINVAL);
}

/* Top-down, size-aligned: each block is the highest aligned one left.
 * The first three match the kernel; from the 33-page request on, the
 * kernel would walk down from its cached node (the 64-page block) and
 * leave the holes above it alone (0xfff40000, then 0xfff3f000, ...): the
 * approximation iova.h describes. */
static void placement_top_down(void **state)
{
	struct iova_domain d;
	const struct iova_stats *st;
	(void)state;
	init_default(&d);
	assert_int_equal(alloc_ok(&d, PAGE, LIMIT32), 0xfffff000);
	/* 3 pages round to 4 (an rcache size), aligned to 16 KiB: the free run
	 * is pfns 1..0xffffe, so (0xfffff - 4) & ~3 = 0xffff8 */
	assert_int_equal(alloc_ok(&d, 3 * PAGE, LIMIT32), 0xffff8000);
	/* 64 pages: no rounding, 256 KiB alignment below 0xffff8 */
	assert_int_equal(alloc_ok(&d, 64 * PAGE, LIMIT32), 0xfff80000);
	/* 33 pages align to 64 as well: the 56 free pages above the 64-page
	 * block (0xfffc0..0xffff7) hold one at 0xfffc0 */
	assert_int_equal(alloc_ok(&d, 33 * PAGE, LIMIT32), 0xfffc0000);
	/* the hole between the 4-page block and the first page is next */
	assert_int_equal(alloc_ok(&d, PAGE, LIMIT32), 0xffffe000);
	assert_int_equal(alloc_ok(&d, PAGE, LIMIT32), 0xffffd000);
	assert_int_equal(alloc_ok(&d, PAGE, LIMIT32), 0xffffc000);
	/* then the top of the run between the 33-page and 4-page blocks */
	assert_int_equal(alloc_ok(&d, PAGE, LIMIT32), 0xffff7000);
	/* an unaligned size in bytes rounds up to the granule */
	assert_int_equal(alloc_ok(&d, 100, LIMIT32), 0xffff6000);
	/* a limit inside the aperture but not at a block boundary */
	assert_int_equal(alloc_ok(&d, 2 * PAGE, 0x12345fff), 0x12344000);
	st = iova_get_stats(&d);
	assert_int_equal(st->live_allocs, 10);
	assert_int_equal(st->live_bytes, (1 + 4 + 64 + 33 + 5 + 2) * PAGE);
	assert_int_equal(st->allocs, 10);
	assert_int_equal(st->failures, 0);
	iova_domain_release(&d);
}

static void reservations(void **state)
{
	struct iova_domain d;
	uint64_t a;
	(void)state;
	init_default(&d);
	/* the x86 MSI window, as iova_reserve_iommu_regions reserves it */
	assert_int_equal(iovad_reserve(&d, 0xfee00000, 0xfeefffff), 0);
	assert_int_equal(iova_get_stats(&d)->reserved_bytes, 0x100000);
	assert_int_equal(alloc_ok(&d, 0x100000, 0xfeffffff), 0xfef00000);
	/* the next 1 MiB block down is the MSI window: skipped */
	assert_int_equal(alloc_ok(&d, 0x100000, 0xfeffffff), 0xfed00000);
	/* one page with the limit inside the window lands below it */
	assert_int_equal(alloc_ok(&d, PAGE, 0xfee80000), 0xfecff000);
	/* overlapping an allocation: refused */
	assert_int_equal(iovad_reserve(&d, 0xfed80000, 0xfed80fff), -EBUSY);
	assert_int_equal(iovad_reserve(&d, 0x2000, 0x1000), -EINVAL);
	/* reserve_iova merging: overlapping and containing ranges count once */
	assert_int_equal(iovad_reserve(&d, 0x10000, 0x1ffff), 0);
	assert_int_equal(iovad_reserve(&d, 0x8000, 0x17fff), 0);
	assert_int_equal(iovad_reserve(&d, 0x12000, 0x12fff), 0);
	assert_int_equal(iovad_reserve(&d, 0x1c000, 0x27fff), 0);
	assert_int_equal(iova_get_stats(&d)->reserved_bytes, 0x100000 + 0x20000);
	/* pfn 0 is below the domain: reserving it costs nothing */
	assert_int_equal(iovad_reserve(&d, 0, 0xfff), 0);
	assert_int_equal(iova_get_stats(&d)->reserved_bytes, 0x100000 + 0x20000);
	/* beyond the aperture: ignored */
	assert_int_equal(iovad_reserve(&d, 1ull << 50, (1ull << 50) + 0xfff), 0);
	/* every allocation below 0x28000 avoids 0x8000..0x27fff */
	for (int i = 0; i < 7; i++) {
		a = alloc_ok(&d, PAGE, 0x27fff);
		assert_true(a >= 0x1000 && a < 0x8000);
		assert_int_equal(a, 0x7000 - (uint64_t)i * PAGE);
	}
	assert_int_equal(iova_alloc(&d, PAGE, 0x27fff, &a), -ENOMEM);
	assert_int_equal(iova_get_stats(&d)->failures, 1);
	iova_domain_release(&d);
}

static void dma_limits_and_forcedac(void **state)
{
	struct iova_domain d;
	struct iova_dev pci, dac, plat;
	uint64_t a;
	bool fb;
	(void)state;
	init_default(&d);
	iova_dev_init(&pci, true, false);
	iova_dev_init(&dac, true, true);
	iova_dev_init(&plat, false, false);
	assert_true(pci.sac_workaround);
	assert_false(dac.sac_workaround);
	assert_false(plat.sac_workaround);
	/* a 64-bit mask: clamped to the 48-bit aperture */
	assert_int_equal(iova_dma_alloc(&d, &dac, PAGE, UINT64_MAX, &a, &fb), 0);
	assert_int_equal(a, 0xfffffffff000);
	assert_false(fb);
	assert_int_equal(iova_dma_alloc(&d, &plat, 2 * PAGE, UINT64_MAX, &a, &fb), 0);
	assert_int_equal(a, 0xffffffffc000);
	/* a PCI device without forcedac starts below 4 GiB */
	assert_int_equal(iova_dma_alloc(&d, &pci, PAGE, UINT64_MAX, &a, &fb), 0);
	assert_int_equal(a, 0xfffff000);
	assert_false(fb);
	assert_true(pci.sac_workaround);
	/* a 32-bit mask never needs the trick */
	assert_int_equal(iova_dma_alloc(&d, &pci, PAGE, 0xffffffff, &a, &fb), 0);
	assert_int_equal(a, 0xffffe000);
	/* bus_dma_limit: min_not_zero with the mask */
	dac.bus_dma_limit = (1ull << 40) - 1;
	assert_int_equal(iova_dma_alloc(&d, &dac, PAGE, UINT64_MAX, &a, &fb), 0);
	assert_int_equal(a, 0xfffffff000);
	assert_int_equal(iova_dma_alloc(&d, &dac, PAGE, 0, &a, &fb), 0);
	assert_int_equal(a, 0xffffffe000);
	assert_int_equal(iova_dma_free(&d, 0xffffffe000, PAGE), 0);
	assert_int_equal(iova_get_stats(&d)->sac_fallbacks, 0);
	assert_int_equal(iova_addr_bits(LIMIT48), 48);
	assert_int_equal(iova_addr_bits(LIMIT32), 32);
	assert_int_equal(iova_addr_bits(UINT64_MAX), 64);
	assert_int_equal(iova_addr_bits(0), 1);
	iova_domain_release(&d);
}

/* 16 free pages below 4 GiB, the rest of the 32-bit space reserved. */
static void init_small_32bit(struct iova_domain *d, enum iova_sac_mode mode)
{
	struct iova_config c;
	iova_config_default(&c);
	c.rcache = false; /* frees go straight back to the tree */
	c.sac_mode = mode;
	assert_int_equal(iova_domain_init(d, &c), 0);
	assert_int_equal(iovad_reserve(d, 0, 0xfffeffff), 0);
}

static void sac_fallback_once(void **state)
{
	struct iova_domain d;
	struct iova_dev dev;
	uint64_t a;
	bool fb;
	(void)state;
	init_small_32bit(&d, IOVA_SAC_UNTIL_FAILURE);
	iova_dev_init(&dev, true, false);
	for (int i = 0; i < 16; i++) {
		assert_int_equal(iova_dma_alloc(&d, &dev, PAGE, UINT64_MAX, &a, &fb), 0);
		assert_int_equal(a, 0xfffff000 - (uint64_t)i * PAGE);
		assert_false(fb);
	}
	/* the 32-bit space is full: one fallback, and the notice */
	assert_int_equal(iova_dma_alloc(&d, &dev, PAGE, UINT64_MAX, &a, &fb), 0);
	assert_true(fb);
	assert_false(dev.sac_workaround);
	assert_int_equal(a, 0xfffffffff000);
	assert_int_equal(iova_addr_bits(LIMIT48), 48);
	/* it sticks: with a 32-bit page free again, the device stays high */
	assert_int_equal(iova_dma_free(&d, 0xfffff000, PAGE), 0);
	assert_int_equal(iova_dma_alloc(&d, &dev, PAGE, UINT64_MAX, &a, &fb), 0);
	assert_false(fb);
	assert_int_equal(a, 0xffffffffe000);
	assert_int_equal(iova_get_stats(&d)->sac_fallbacks, 1);
	/* another PCI device still starts low */
	{
		struct iova_dev other;
		iova_dev_init(&other, true, false);
		assert_int_equal(iova_dma_alloc(&d, &other, PAGE, UINT64_MAX, &a, &fb), 0);
		assert_int_equal(a, 0xfffff000);
		assert_false(fb);
	}
	iova_domain_release(&d);
}

static void sac_every_time_before_6_6(void **state)
{
	struct iova_domain d;
	struct iova_dev dev;
	uint64_t a;
	bool fb;
	(void)state;
	init_small_32bit(&d, IOVA_SAC_EVERY_TIME);
	iova_dev_init(&dev, true, false);
	for (int i = 0; i < 16; i++)
		assert_int_equal(iova_dma_alloc(&d, &dev, PAGE, UINT64_MAX, &a, &fb), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(iova_dma_alloc(&d, &dev, PAGE, UINT64_MAX, &a, &fb), 0);
		assert_false(fb);
		assert_int_equal(a, 0xfffffffff000 - (uint64_t)i * PAGE);
	}
	assert_true(dev.sac_workaround);
	assert_int_equal(iova_get_stats(&d)->sac_fallbacks, 3);
	/* no memory: a freed 32-bit page is used again at once */
	assert_int_equal(iova_dma_free(&d, 0xffff8000, PAGE), 0);
	assert_int_equal(iova_dma_alloc(&d, &dev, PAGE, UINT64_MAX, &a, &fb), 0);
	assert_int_equal(a, 0xffff8000);
	assert_int_equal(iova_get_stats(&d)->sac_fallbacks, 3);
	iova_domain_release(&d);
}

/* iova.c's max32_alloc_size: after a failure, 32-bit-limited requests of
 * that size or more fail at once until a free below 4 GiB. */
static void max32_fast_fail(void **state)
{
	struct iova_domain d;
	uint64_t a, first;
	(void)state;
	init_small_32bit(&d, IOVA_SAC_UNTIL_FAILURE);
	first = alloc_ok(&d, PAGE, LIMIT32);
	assert_int_equal(first, 0xfffff000);
	/* below the free pages: fails, and records size 1 */
	assert_int_equal(iova_alloc(&d, PAGE, 0xfffeffff, &a), -ENOMEM);
	/* 0xffffe000 is free, yet the request fails fast */
	assert_int_equal(iova_alloc(&d, PAGE, LIMIT32, &a), -ENOMEM);
	/* a 64-bit limit is not affected */
	assert_int_equal(alloc_ok(&d, PAGE, LIMIT48), 0xfffffffff000);
	assert_int_equal(iova_free(&d, first, PAGE), 0);
	assert_int_equal(alloc_ok(&d, PAGE, LIMIT32), 0xfffff000);
	assert_int_equal(alloc_ok(&d, PAGE, LIMIT32), 0xffffe000);
	assert_int_equal(iova_get_stats(&d)->failures, 2);
	iova_domain_release(&d);
}

static void rcache_lifo_and_limit(void **state)
{
	struct iova_domain d;
	uint64_t a, b, c, x;
	const struct iova_stats *st;
	(void)state;
	init_default(&d);
	st = iova_get_stats(&d);
	a = alloc_ok(&d, PAGE, LIMIT32);
	b = alloc_ok(&d, PAGE, LIMIT32);
	c = alloc_ok(&d, PAGE, LIMIT32);
	assert_int_equal(st->rcache_misses, 3);
	assert_int_equal(iova_free(&d, a, PAGE), 0);
	assert_int_equal(iova_free(&d, b, PAGE), 0);
	assert_int_equal(iova_free(&d, c, PAGE), 0);
	assert_int_equal(st->cached_allocs, 3);
	assert_int_equal(st->cached_bytes, 3 * PAGE);
	assert_int_equal(st->live_allocs, 0);
	/* cached IOVAs are not free space */
	assert_int_equal(iova_free_bytes_below(&d, LIMIT32), (0xfffffull - 3) * PAGE);
	/* the newest that fits the limit first */
	assert_int_equal(alloc_ok(&d, PAGE, LIMIT32), c);
	assert_int_equal(alloc_ok(&d, 100, LIMIT32), b);
	/* a is above this limit: a miss, and the tree answers */
	x = alloc_ok(&d, PAGE, a - 1);
	assert_true(x < c);
	assert_int_equal(st->rcache_hits, 2);
	assert_int_equal(st->rcache_misses, 4);
	assert_int_equal(alloc_ok(&d, PAGE, LIMIT32), a);
	/* 3 pages are cached as 4; the free gives the size it asked for */
	x = alloc_ok(&d, 3 * PAGE, LIMIT32);
	assert_int_equal(iova_free(&d, x, 2 * PAGE), -EINVAL);
	assert_int_equal(iova_free(&d, x + PAGE, 3 * PAGE), -EINVAL);
	assert_int_equal(iova_free(&d, x, 3 * PAGE), 0);
	assert_int_equal(iova_free(&d, x, 3 * PAGE), -EINVAL); /* twice */
	assert_int_equal(alloc_ok(&d, 4 * PAGE, LIMIT32), x);
	/* 32 granules is the largest cached size; 33 go to the tree */
	x = alloc_ok(&d, 17 * PAGE, LIMIT32);
	assert_int_equal(x & (32 * PAGE - 1), 0);
	assert_int_equal(iova_free(&d, x, 17 * PAGE), 0);
	assert_int_equal(alloc_ok(&d, 32 * PAGE, LIMIT32), x);
	x = alloc_ok(&d, 33 * PAGE, LIMIT32);
	assert_int_equal(iova_free(&d, x, 33 * PAGE), 0);
	assert_int_equal(st->cached_allocs, 0);
	assert_int_equal(iova_free(&d, 0x1000, PAGE), -EINVAL); /* never allocated */
	iova_domain_release(&d);
}

/* Magazines of 2 and a depot of 1: the seventh free pushes the loaded
 * magazine (the 5th and 6th IOVAs) back to the tree. */
static void rcache_depot_bound(void **state)
{
	struct iova_config c;
	struct iova_domain d;
	uint64_t p[7];
	(void)state;
	iova_config_default(&c);
	c.mag_size = 2;
	c.depot_mags = 1;
	assert_int_equal(iova_domain_init(&d, &c), 0);
	for (int i = 0; i < 7; i++)
		p[i] = alloc_ok(&d, PAGE, LIMIT32);
	for (int i = 0; i < 7; i++)
		assert_int_equal(iova_free(&d, p[i], PAGE), 0);
	assert_int_equal(iova_get_stats(&d)->cached_allocs, 5);
	/* in the tree (free) now: p[4] and p[5]; the others are cached */
	for (int i = 0; i < 7; i++)
		assert_int_equal(iovad_reserve(&d, p[i], p[i] + PAGE - 1), i == 4 || i == 5 ? 0 : -EBUSY);
	/* loaded holds p[6], then prev (swapped in) p[1], p[0], then the depot
	 * p[3], p[2] */
	assert_int_equal(alloc_ok(&d, PAGE, LIMIT32), p[6]);
	assert_int_equal(alloc_ok(&d, PAGE, LIMIT32), p[1]);
	assert_int_equal(alloc_ok(&d, PAGE, LIMIT32), p[0]);
	assert_int_equal(alloc_ok(&d, PAGE, LIMIT32), p[3]);
	assert_int_equal(alloc_ok(&d, PAGE, LIMIT32), p[2]);
	assert_int_equal(iova_get_stats(&d)->rcache_hits, 5);
	iova_domain_release(&d);
}

/* A full tree empties the rcaches and tries again (alloc_iova_fast). */
static void rcache_flush_on_full(void **state)
{
	struct iova_config c;
	struct iova_domain d;
	uint64_t a;
	(void)state;
	iova_config_default(&c);
	c.aperture_end = 16 * PAGE - 1; /* pfns 1..15 */
	assert_int_equal(iova_domain_init(&d, &c), 0);
	for (uint64_t pfn = 15; pfn >= 1; pfn--)
		assert_int_equal(alloc_ok(&d, PAGE, UINT64_MAX), pfn * PAGE);
	assert_int_equal(iova_alloc(&d, PAGE, UINT64_MAX, &a), -ENOMEM);
	for (uint64_t pfn = 1; pfn <= 15; pfn++)
		assert_int_equal(iova_free(&d, pfn * PAGE, PAGE), 0);
	assert_int_equal(iova_free_bytes_below(&d, UINT64_MAX), 0);
	assert_int_equal(alloc_ok(&d, 2 * PAGE, UINT64_MAX), 14 * PAGE);
	/* the failure above emptied the (then empty) rcaches once already */
	assert_int_equal(iova_get_stats(&d)->rcache_flushes, 2);
	assert_int_equal(iova_get_stats(&d)->cached_allocs, 0);
	assert_int_equal(iova_free_bytes_below(&d, UINT64_MAX), 13 * PAGE);
	iova_domain_release(&d);
}

static void fragmentation(void **state)
{
	struct iova_domain d;
	(void)state;
	init_default(&d);
	/* pfn 0 is never free */
	assert_int_equal(iova_free_bytes_below(&d, LIMIT32), (0xfffffull) * PAGE);
	assert_int_equal(iova_largest_free_block(&d, LIMIT32), 1ull << 31);
	assert_int_equal(iova_largest_free_block(&d, LIMIT48), 1ull << 47);
	assert_int_equal(iova_free_bytes_below(&d, 0x2fff), 2 * PAGE);
	/* pfns 1 and 2 hold no 2-aligned pair */
	assert_int_equal(iova_largest_free_block(&d, 0x2fff), PAGE);
	alloc_ok(&d, PAGE, LIMIT32);
	assert_int_equal(iova_free_bytes_below(&d, LIMIT32), (0xfffffull - 1) * PAGE);
	assert_int_equal(iova_largest_free_block(&d, LIMIT32), 1ull << 30);
	/* a limit cutting a free run: only the part below counts */
	assert_int_equal(iova_free_bytes_below(&d, 0x7fffffff), (0x7ffffull) * PAGE);
	assert_int_equal(iova_largest_free_block(&d, 0x7fffffff), 1ull << 30);
	iova_domain_release(&d);
}

/* ---- the random trace against a reference --------------------------------- */

#define RPAGES 1024u
#define RBASE 0x100000ull /* 4 GiB: no 32-bit fast-fail in the way */

enum { R_FREE, R_RESV, R_LIVE, R_CACHED };

struct ref {
	uint8_t st[RPAGES];
	uint64_t len[RPAGES]; /* at the first page of an allocation */
	uint64_t req[RPAGES]; /* the size asked for, in pages */
};

static uint64_t pow2_up(uint64_t n)
{
	uint64_t p = 1;
	while (p < n)
		p <<= 1;
	return p;
}

/* The highest free LEN-page block aligned to pow2_up(LEN) ending at or
 * below LIMIT_PFN, or 0. */
static uint64_t ref_highest(const struct ref *r, uint64_t len, uint64_t limit_pfn)
{
	uint64_t align = pow2_up(len);
	for (uint64_t pfn = (limit_pfn + 1 - len) & ~(align - 1); pfn >= RBASE; pfn -= align) {
		bool free_run = true;
		for (uint64_t i = 0; i < len && free_run; i++)
			free_run = r->st[pfn + i - RBASE] == R_FREE;
		if (free_run)
			return pfn;
		if (pfn < align)
			break;
	}
	return 0;
}

static uint64_t ref_free_below(const struct ref *r, uint64_t limit_pfn)
{
	uint64_t n = 0;
	for (uint64_t pfn = RBASE; pfn <= limit_pfn; pfn++)
		n += r->st[pfn - RBASE] == R_FREE;
	return n;
}

static uint64_t ref_largest(const struct ref *r, uint64_t limit_pfn)
{
	for (uint64_t size = RPAGES; size >= 1; size >>= 1)
		if (limit_pfn + 1 >= RBASE + size && ref_highest(r, size, limit_pfn) != 0)
			return size;
	return 0;
}

static void ref_mark(struct ref *r, uint64_t pfn, uint64_t len, uint8_t st)
{
	for (uint64_t i = 0; i < len; i++)
		r->st[pfn + i - RBASE] = st;
}

static void random_trace(bool rcache, unsigned seed)
{
	struct iova_config c;
	struct iova_domain d;
	struct ref *r = calloc(1, sizeof(*r));
	uint64_t live[RPAGES];
	size_t nlive = 0;
	const struct iova_stats *st;
	assert_non_null(r);
	srand(seed);
	iova_config_default(&c);
	c.start_pfn = RBASE;
	c.aperture_end = (RBASE + RPAGES) * PAGE - 1;
	c.rcache = rcache;
	c.seed = seed;
	assert_int_equal(iova_domain_init(&d, &c), 0);
	st = iova_get_stats(&d);
	/* two reserved windows */
	assert_int_equal(iovad_reserve(&d, (RBASE + 700) * PAGE, (RBASE + 709) * PAGE - 1), 0);
	ref_mark(r, RBASE + 700, 9, R_RESV);
	assert_int_equal(iovad_reserve(&d, (RBASE + 100) * PAGE + 5, (RBASE + 101) * PAGE), 0);
	ref_mark(r, RBASE + 100, 2, R_RESV);
	for (int step = 0; step < 6000; step++) {
		bool do_alloc = nlive == 0 || rand() % 100 < 55;
		if (do_alloc) {
			uint64_t req = 1 + (uint64_t)(rand() % (rand() % 4 == 0 ? 70 : 8));
			uint64_t len = rcache && req < 32 ? pow2_up(req) : req;
			uint64_t limit_pfn = RBASE + (uint64_t)(rand() % RPAGES);
			uint64_t hits = st->rcache_hits, flushes = st->rcache_flushes, iova = 0, pfn, want;
			int rc = iova_alloc(&d, req * PAGE, limit_pfn * PAGE + PAGE - 1, &iova);
			pfn = iova / PAGE;
			if (st->rcache_flushes != flushes)
				for (uint64_t i = 0; i < RPAGES; i++)
					if (r->st[i] == R_CACHED)
						r->st[i] = R_FREE;
			if (rc == 0 && st->rcache_hits != hits) {
				/* from the cache: one the trace freed, of this size */
				assert_int_equal(r->st[pfn - RBASE], R_CACHED);
				assert_int_equal(r->len[pfn - RBASE], len);
				assert_true(pfn + len - 1 <= limit_pfn);
			} else {
				want = limit_pfn + 1 >= RBASE + len ? ref_highest(r, len, limit_pfn) : 0;
				assert_int_equal(rc, want ? 0 : -ENOMEM);
				if (rc != 0)
					continue;
				assert_int_equal(pfn, want);
			}
			/* no overlap, aligned, within the limit, not reserved */
			assert_int_equal(pfn % pow2_up(len), 0);
			assert_true(pfn + len - 1 <= limit_pfn);
			for (uint64_t i = 0; i < len; i++)
				assert_true(r->st[pfn + i - RBASE] == R_FREE ||
					    (r->st[pfn + i - RBASE] == R_CACHED && st->rcache_hits != hits));
			ref_mark(r, pfn, len, R_LIVE);
			r->len[pfn - RBASE] = len;
			r->req[pfn - RBASE] = req;
			live[nlive++] = pfn;
		} else {
			size_t k = (size_t)rand() % nlive;
			uint64_t pfn = live[k], len = r->len[pfn - RBASE];
			assert_int_equal(iova_free(&d, pfn * PAGE, r->req[pfn - RBASE] * PAGE), 0);
			ref_mark(r, pfn, len, rcache && len <= 32 ? R_CACHED : R_FREE);
			live[k] = live[--nlive];
		}
		if (step % 50 == 0) {
			uint64_t limit_pfn = RBASE + (uint64_t)(rand() % RPAGES);
			assert_int_equal(iova_free_bytes_below(&d, limit_pfn * PAGE + PAGE - 1),
					 ref_free_below(r, limit_pfn) * PAGE);
			assert_int_equal(iova_largest_free_block(&d, limit_pfn * PAGE + PAGE - 1),
					 ref_largest(r, limit_pfn) * PAGE);
		}
		assert_int_equal(st->live_allocs, nlive);
	}
	if (rcache)
		assert_true(st->rcache_hits > 100);
	assert_true(st->failures > 10); /* the trace did fill the domain */
	iova_domain_release(&d);
	free(r);
}

static void random_vs_reference(void **state)
{
	(void)state;
	random_trace(false, 1);
	random_trace(false, 7);
}

static void random_vs_reference_rcache(void **state)
{
	(void)state;
	random_trace(true, 3);
	random_trace(true, 11);
}

/* Tree nodes visited per free or allocation, over OPS random replacements
 * among LIVE live allocations, half of them below 4 GiB. */
static double steps_per_op(int live, int ops)
{
	struct iova_config c;
	struct iova_domain d;
	uint64_t *iovas = calloc((size_t)live, sizeof(*iovas));
	uint64_t *sizes = calloc((size_t)live, sizeof(*sizes)), steps;
	assert_non_null(iovas);
	assert_non_null(sizes);
	iova_config_default(&c);
	c.rcache = false; /* every operation goes through the tree */
	assert_int_equal(iova_domain_init(&d, &c), 0);
	srand(5);
	for (int i = 0; i < live; i++) {
		sizes[i] = (1 + (uint64_t)(rand() % 40)) * PAGE;
		iovas[i] = alloc_ok(&d, sizes[i], rand() % 2 ? LIMIT32 : LIMIT48);
	}
	steps = iova_get_stats(&d)->tree_steps;
	for (int op = 0; op < ops; op++) {
		int k = rand() % live;
		assert_int_equal(iova_free(&d, iovas[k], sizes[k]), 0);
		sizes[k] = (1 + (uint64_t)(rand() % 40)) * PAGE;
		iovas[k] = alloc_ok(&d, sizes[k], rand() % 2 ? LIMIT32 : LIMIT48);
	}
	steps = iova_get_stats(&d)->tree_steps - steps;
	iova_domain_release(&d);
	free(iovas);
	free(sizes);
	return (double)steps / (2.0 * ops);
}

/* The cost grows with log n, not n: ten times the live allocations cost
 * a few more steps (log2 5000 = 12.3, log2 50000 = 15.6), where a scan
 * of the allocations would cost ten times as many. */
static void cost_per_operation(void **state)
{
	double small = steps_per_op(5000, 50000), large = steps_per_op(50000, 100000);
	(void)state;
	assert_true(large < 10 * 16);
	assert_true(large / small < 1.6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bad_configs),
		cmocka_unit_test(placement_top_down),
		cmocka_unit_test(reservations),
		cmocka_unit_test(dma_limits_and_forcedac),
		cmocka_unit_test(sac_fallback_once),
		cmocka_unit_test(sac_every_time_before_6_6),
		cmocka_unit_test(max32_fast_fail),
		cmocka_unit_test(rcache_lifo_and_limit),
		cmocka_unit_test(rcache_depot_bound),
		cmocka_unit_test(rcache_flush_on_full),
		cmocka_unit_test(fragmentation),
		cmocka_unit_test(random_vs_reference),
		cmocka_unit_test(random_vs_reference_rcache),
		cmocka_unit_test(cost_per_operation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
