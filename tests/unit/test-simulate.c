/* test-simulate.c - the trace replay: how the page-table model, the IOVA
 * allocator and the IOTLB chain for each operation (KERNEL-FACTS.md 7.4-7.6):
 * strict vs lazy dma_unmap, the raw unmap's own invalidation, the flush
 * queue's timer and size, IOVA reuse only after the flush, the 32-bit
 * first rule, and lines that are not operations. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simulate.h"

static struct sim *new_sim(enum pt_format f, bool lazy)
{
	struct sim_config c;
	struct sim *s;
	char *why = NULL;
	sim_config_default(&c, f);
	c.lazy = lazy;
	assert_int_equal(sim_create(&c, &s, &why), 0);
	assert_null(why);
	return s;
}

/* Runs LINE, which must be an operation; returns its result. */
static struct sim_result run(struct sim *s, const char *line)
{
	static unsigned long n;
	struct sim_result r;
	char why[256] = "";
	if (sim_step(s, ++n, line, &r, why, sizeof(why)) != 1)
		fail_msg("'%s': %s", line, why);
	return r;
}

static void lazy_keeps_stale_until_the_timer(void **state)
{
	struct sim *s = new_sim(PT_INTEL_VTD, true);
	struct sim_result r;
	struct sim_totals t;
	(void)state;
	r = run(s, "dma_map 4096");
	assert_true(r.ok);
	assert_int_equal(r.iova, 0xfffff000);
	assert_int_equal(r.handle, 1);
	assert_string_equal(run(s, "translate 0xfffff000").outcome, "miss");
	assert_string_equal(run(s, "dma_unmap 1").outcome, "queued");
	assert_string_equal(run(s, "translate 0xfffff123").outcome, "stale");
	/* the IOVA is not free yet: a new buffer gets the next one down */
	assert_int_equal(run(s, "dma_map 4096").iova, 0xffffe000);
	assert_int_equal(run(s, "advance 9999999").flushes, 0);
	r = run(s, "advance 1");
	assert_int_equal(r.flushes, 1);
	assert_string_equal(run(s, "translate 0xfffff000").outcome, "fault");
	/* after the flush it comes back (through the range cache) */
	assert_int_equal(run(s, "dma_map 4K").iova, 0xfffff000);
	sim_get_totals(s, &t);
	assert_int_equal(t.iotlb_stale_hits, 1);
	assert_int_equal(t.full_flushes, 1);
	assert_int_equal(t.range_invalidations, 0);
	assert_int_equal(t.stale_window_ns, 10000000);
	assert_int_equal(t.faults, 1);
	assert_int_equal(t.dma_live, 2);
	sim_free(s);
}

static void strict_invalidates_each_unmap(void **state)
{
	struct sim *s = new_sim(PT_INTEL_VTD, false);
	struct sim_totals t;
	char line[64];
	(void)state;
	for (int i = 1; i <= 300; i++) {
		assert_true(run(s, "dma_map 8K").ok);
		snprintf(line, sizeof(line), "dma_unmap %d", i);
		assert_string_equal(run(s, line).outcome, "unmapped");
	}
	sim_get_totals(s, &t);
	assert_int_equal(t.range_invalidations, 300);
	assert_int_equal(t.full_flushes, 0);
	assert_int_equal(t.iova_live, 0);
	sim_free(s);
	/* lazy: one flush per 255 queued ranges, the ring's capacity */
	s = new_sim(PT_INTEL_VTD, true);
	for (int i = 1; i <= 300; i++) {
		assert_true(run(s, "dma_map 8K").ok);
		snprintf(line, sizeof(line), "dma_unmap %d", i);
		run(s, line);
	}
	sim_get_totals(s, &t);
	assert_int_equal(t.full_flushes, 1);
	assert_int_equal(t.range_invalidations, 0);
	sim_free(s);
}

/* iommu_unmap syncs at once, lazy domain or not; a 2 MiB page splits the
 * map of [0x201000, 0x600000) as iommu_pgsize does. */
static void raw_map_and_unmap(void **state)
{
	struct sim *s = new_sim(PT_INTEL_VTD, true);
	struct sim_result r;
	struct sim_totals t;
	(void)state;
	r = run(s, "map 0x201000 0x201000 0x3ff000 rw");
	assert_true(r.ok);
	assert_int_equal(r.pages_by_size[12], 511);
	assert_int_equal(r.pages_by_size[21], 1);
	assert_string_equal(run(s, "translate 0x400000").outcome, "miss");
	assert_string_equal(run(s, "translate 0x5ff000").outcome, "hit");
	r = run(s, "unmap 0x400000 2M");
	assert_true(r.ok);
	assert_int_equal(r.size, 2 << 20);
	assert_string_equal(run(s, "translate 0x5ff000").outcome, "fault");
	sim_get_totals(s, &t);
	assert_int_equal(t.range_invalidations, 1);
	assert_int_equal(t.iotlb_stale_hits, 0);
	sim_free(s);
	/* Arm refuses a map over a mapping */
	s = new_sim(PT_ARM_LPAE_4K, true);
	assert_true(run(s, "map 0x1000 0x1000 4K").ok);
	r = run(s, "map 0x1000 0x5000 4K");
	assert_false(r.ok);
	assert_int_equal(r.err, -EEXIST);
	sim_free(s);
}

/* 32-bit first, then the full mask once (6.6+); a 32-bit device never
 * leaves 4 GiB; the MSI window is never handed out on x86. */
static void iova_rules(void **state)
{
	struct sim *s = new_sim(PT_AMD_V1, true);
	struct sim_result r;
	(void)state;
	/* [0xc0000000, 0xffffffff] holds the MSI window: the next 1 GiB down */
	assert_int_equal(run(s, "dma_map 1G").iova, 0x80000000);
	/* and so does [0xfe000000, 0xffffffff] */
	assert_int_equal(run(s, "dma_map 32M").iova, 0xfc000000);
	assert_int_equal(run(s, "dma_map 1G").iova, 0x40000000);
	r = run(s, "dma_map 1G");
	assert_true(r.sac_fallback);
	assert_true(r.iova >= 1ull << 32);
	r = run(s, "dma_map 1G 32");
	assert_false(r.ok);
	assert_int_equal(r.err, -ENOMEM);
	assert_string_equal(run(s, "reserve 0x1000 4K").outcome, "reserved");
	sim_free(s);
}

static void lines_that_are_not_operations(void **state)
{
	static const char *const bad[] = {"mapp 1 2 3", "map 0x1000 0x1000", "map 1 2 3 rwx", "dma_map 0",
					  "dma_map 4K 65", "advance 3 days", "flush now", "translate", "unmap 0x1000 4Q",
					  "map 0x1000 0x2000 4K x y z w"};
	struct sim *s = new_sim(PT_INTEL_VTD, true);
	struct sim_result r;
	char why[256];
	(void)state;
	assert_int_equal(sim_step(s, 1, "   # a comment", &r, why, sizeof(why)), 0);
	assert_int_equal(sim_step(s, 2, "", &r, why, sizeof(why)), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		if (sim_step(s, 3, bad[i], &r, why, sizeof(why)) != -1 || !why[0])
			fail_msg("'%s' was taken", bad[i]);
	}
	assert_int_equal(run(s, "dma_unmap 99").err, -EINVAL);
	sim_free(s);
}

/* Found by fuzz-simulate: 4 TiB at addresses only 4 KiB apart is a
 * billion 4 KiB pages; the model refuses it at once, and counts pages as
 * iommu_pgsize would. */
static void model_limits(void **state)
{
	struct sim *s = new_sim(PT_AMD_V1, true);
	struct sim_result r;
	(void)state;
	r = run(s, "map 0x201000 0x202000 0x3ff00201000");
	assert_false(r.ok);
	assert_int_equal(r.err, -E2BIG);
	assert_true(r.too_big);
	/* the same size in 512 GiB-aligned, equally offset addresses: big pages */
	r = run(s, "map 0x8000000000 0x8000000000 0x40000000000");
	assert_true(r.ok);
	sim_free(s);
	s = new_sim(PT_INTEL_VTD, true);
	/* 64 GiB and a page of 4 KiB pages is one page too many */
	r = run(s, "map 0x1000 0x2000 0x1000001000");
	assert_int_equal(r.err, -E2BIG);
	assert_true(run(s, "map 0x1000 0x2000 0x100000").ok);
	sim_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lazy_keeps_stale_until_the_timer),
		cmocka_unit_test(strict_invalidates_each_unmap),
		cmocka_unit_test(raw_map_and_unmap),
		cmocka_unit_test(iova_rules),
		cmocka_unit_test(lines_that_are_not_operations),
		cmocka_unit_test(model_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
