/* test-pgtable.c - the IOMMU page-table model (include/pgtable.h): table
 * counts derived by hand from KERNEL-FACTS.md section 7, the geometry of
 * each format, what each format's kernel code does with overlapping maps,
 * partial unmaps and unmaps of nothing, and property tests: thousands of
 * random maps, unmaps and translations per format, checked after every step
 * against a plain list of mapped intervals. */
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

#include "pgtable.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define RW (PT_PROT_READ | PT_PROT_WRITE)

static struct pt_table *make(enum pt_format f, unsigned aw, uint64_t bitmap)
{
	struct pt_config cfg = {.format = f, .aw = aw, .pgsize_bitmap = bitmap};
	struct pt_table *t = NULL;

	assert_int_equal(pt_create(&cfg, &t), 0);
	assert_non_null(t);
	return t;
}

static struct pt_stats stats(const struct pt_table *t)
{
	struct pt_stats st;

	pt_get_stats(t, &st);
	return st;
}

/* IOVA translates to PHYS in a page of PGSIZE (0: any). */
static void assert_maps(const struct pt_table *t, uint64_t iova, uint64_t phys, uint64_t pgsize)
{
	uint64_t pa = 0, size = 0;

	if (!pt_translate(t, iova, &pa, &size, NULL))
		fail_msg("0x%llx is not mapped", (unsigned long long)iova);
	if (pa != phys)
		fail_msg("0x%llx -> 0x%llx, not 0x%llx", (unsigned long long)iova, (unsigned long long)pa,
			 (unsigned long long)phys);
	if (pgsize && size != pgsize)
		fail_msg("0x%llx is in a page of 0x%llx, not 0x%llx", (unsigned long long)iova,
			 (unsigned long long)size, (unsigned long long)pgsize);
}

static void assert_unmapped(const struct pt_table *t, uint64_t iova)
{
	uint64_t pa;

	if (pt_translate(t, iova, &pa, NULL, NULL))
		fail_msg("0x%llx is mapped (to 0x%llx)", (unsigned long long)iova, (unsigned long long)pa);
}

/* The table memory the model uses is within 10% of the format's. */
static void assert_model_memory(const struct pt_table *t)
{
	struct pt_stats st = stats(t);

	if (st.model_bytes > st.table_bytes + st.table_bytes / 10 || st.model_bytes < st.table_bytes)
		fail_msg("model %llu bytes for %llu bytes of tables", (unsigned long long)st.model_bytes,
			 (unsigned long long)st.table_bytes);
}

/* ---- formats and geometry --------------------------------------------------------- */

static void format_ids(void **state)
{
	(void)state;
	for (int f = 0; f < PT_FORMAT_COUNT; f++) {
		enum pt_format back;
		const char *id = pt_format_id((enum pt_format)f);

		assert_non_null(id);
		assert_true(pt_format_parse(id, &back));
		assert_int_equal(back, f);
	}
	enum pt_format x = PT_AMD_V1;
	assert_string_equal(pt_format_id(PT_ARM_LPAE_16K), "arm-lpae-16k");
	assert_false(pt_format_parse("intel", &x));
	assert_false(pt_format_parse(NULL, &x));
	assert_int_equal(x, PT_AMD_V1);
	assert_null(pt_format_id((enum pt_format)PT_FORMAT_COUNT));
}

static void geometry(void **state)
{
	static const struct {
		enum pt_format f;
		unsigned aw;
		unsigned levels, max_levels;
		uint64_t granule, bitmap, top_bytes;
	} cases[] = {
		{PT_INTEL_VTD, 0, 4, 4, 4 * KiB, 4 * KiB | 2 * MiB | GiB, 4096},
		{PT_INTEL_VTD, 39, 3, 3, 4 * KiB, 4 * KiB | 2 * MiB | GiB, 4096},
		{PT_INTEL_VTD, 46, 4, 4, 4 * KiB, 4 * KiB | 2 * MiB | GiB, 4096}, /* agaw 2 */
		{PT_INTEL_VTD, 57, 5, 5, 4 * KiB, 4 * KiB | 2 * MiB | GiB, 4096},
		/* 4K..2^47 but 512G: level (47-12)/9 = 3 is the deepest 4 levels reach */
		{PT_AMD_V1, 0, 3, 4, 4 * KiB, ((1ull << 48) - 1) & ~0xfffull & ~(1ull << 39), 4096},
		{PT_AMD_V1, 64, 3, 6, 4 * KiB, ((1ull << 52) - 1) & ~0xfffull & ~(1ull << 39), 4096},
		{PT_ARM_LPAE_4K, 0, 4, 4, 4 * KiB, 4 * KiB | 2 * MiB | GiB, 4096},
		{PT_ARM_LPAE_4K, 39, 3, 3, 4 * KiB, 4 * KiB | 2 * MiB | GiB, 4096},
		{PT_ARM_LPAE_4K, 32, 3, 3, 4 * KiB, 4 * KiB | 2 * MiB | GiB, 32}, /* pgd of 4 */
		{PT_ARM_LPAE_16K, 48, 4, 4, 16 * KiB, 16 * KiB | 32 * MiB, 16},  /* pgd of 2 */
		{PT_ARM_LPAE_16K, 36, 2, 2, 16 * KiB, 16 * KiB | 32 * MiB, 16384},
		{PT_ARM_LPAE_64K, 0, 3, 3, 64 * KiB, 64 * KiB | 512 * MiB, 512}, /* pgd of 64 */
		{PT_ARM_LPAE_64K, 42, 2, 2, 64 * KiB, 64 * KiB | 512 * MiB, 65536},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pt_table *t = make(cases[i].f, cases[i].aw, 0);
		struct pt_geometry g;
		struct pt_stats st = stats(t);
		unsigned aw = cases[i].aw ? cases[i].aw : 48;

		pt_get_geometry(t, &g);
		assert_int_equal(g.levels, cases[i].levels);
		assert_int_equal(g.max_levels, cases[i].max_levels);
		assert_int_equal(g.aw, aw);
		assert_int_equal(g.granule, cases[i].granule);
		assert_int_equal(g.pgsize_bitmap, cases[i].bitmap);
		assert_int_equal(g.iova_max, aw == 64 ? ~0ull : (1ull << aw) - 1);
		assert_int_equal(st.table_pages, 1);
		assert_int_equal(st.table_bytes, cases[i].top_bytes);
		assert_int_equal(st.mapped_bytes, 0);
		pt_free(t);
	}
}

static void geometry_refused(void **state)
{
	static const struct pt_config bad[] = {
		{PT_INTEL_VTD, 30, 0},
		{PT_INTEL_VTD, 58, 0},
		{PT_INTEL_VTD, 48, 2 * MiB},                /* no granule */
		{PT_INTEL_VTD, 48, 4 * KiB | GiB},          /* 1G without 2M: not a level count */
		{PT_INTEL_VTD, 48, 4 * KiB | 8 * KiB},      /* not a VT-d size */
		{PT_AMD_V1, 31, 0},
		{PT_AMD_V1, 48, 4 * KiB | (1ull << 39)},    /* 512G is not an AMD v1 size */
		{PT_AMD_V1, 39, 4 * KiB | (1ull << 45)},    /* beyond what 3 levels hold */
		{PT_ARM_LPAE_4K, 31, 0},
		{PT_ARM_LPAE_4K, 49, 0},
		{PT_ARM_LPAE_16K, 48, 4 * KiB},
		{PT_ARM_LPAE_64K, 48, 64 * KiB | 2 * MiB},
		{(enum pt_format)PT_FORMAT_COUNT, 48, 0},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pt_table *t = NULL;

		if (pt_create(&bad[i], &t) != -EINVAL)
			fail_msg("case %zu was accepted", i);
		assert_null(t);
	}
	struct pt_table *t = make(PT_INTEL_VTD, 48, 4 * KiB); /* intel_iommu=sp_off */
	struct pt_geometry g;
	pt_get_geometry(t, &g);
	assert_int_equal(g.pgsize_bitmap, 4 * KiB);
	pt_free(t);
}

/* ---- hand-derived counts ---------------------------------------------------------- */

/* 1 GiB at 0 in 4 KiB pages, 4-level VT-d: the top table, one table at
 * levels 3 and 2, and 512 leaf tables (7.1: T_l = floor(b/2^(12+9l)) + 1). */
static void vtd_counts(void **state)
{
	(void)state;
	struct pt_table *t = make(PT_INTEL_VTD, 48, 4 * KiB);
	assert_int_equal(pt_map(t, 0, 0, GiB, RW), 0);
	struct pt_stats st = stats(t);
	assert_int_equal(st.table_pages, 1 + 1 + 1 + 512);
	assert_int_equal(st.table_bytes, 515 * 4096);
	assert_int_equal(st.table_pages_by_level[4], 1);
	assert_int_equal(st.table_pages_by_level[3], 1);
	assert_int_equal(st.table_pages_by_level[2], 1);
	assert_int_equal(st.table_pages_by_level[1], 512);
	assert_int_equal(st.pages_by_size[12], 262144);
	assert_int_equal(st.mapped_bytes, GiB);
	assert_model_memory(t);
	assert_maps(t, GiB - 1, GiB - 1, 4 * KiB);
	assert_unmapped(t, GiB);
	pt_free(t);

	/* with 2 MiB pages: no leaf tables */
	t = make(PT_INTEL_VTD, 48, 4 * KiB | 2 * MiB);
	assert_int_equal(pt_map(t, 0, 0, GiB, RW), 0);
	st = stats(t);
	assert_int_equal(st.table_pages, 3);
	assert_int_equal(st.pages_by_size[21], 512);
	assert_int_equal(st.pages_by_size[12], 0);
	assert_maps(t, 0x12345678, 0x12345678, 2 * MiB);
	pt_free(t);

	/* with 1 GiB pages: one entry of the level-3 table */
	t = make(PT_INTEL_VTD, 48, 0);
	assert_int_equal(pt_map(t, GiB, 5 * GiB, GiB, PT_PROT_READ), 0);
	st = stats(t);
	assert_int_equal(st.table_pages, 2);
	assert_int_equal(st.pages_by_size[30], 1);
	assert_maps(t, GiB + 42, 5 * GiB + 42, GiB);
	pt_free(t);

	/* 5 levels add one table */
	t = make(PT_INTEL_VTD, 57, 4 * KiB);
	assert_int_equal(pt_map(t, 0, 0, GiB, RW), 0);
	assert_int_equal(stats(t).table_pages, 516);
	assert_int_equal(stats(t).table_pages_by_level[5], 1);
	pt_free(t);
	t = make(PT_INTEL_VTD, 57, 4 * KiB | 2 * MiB);
	assert_int_equal(pt_map(t, 0, 0, GiB, RW), 0);
	assert_int_equal(stats(t).table_pages, 4);
	pt_free(t);
}

/* 7.5: [0x201000, 0x600000) with iova = phys splits into 511 4 KiB pages up
 * to 0x400000 and one 2 MiB page. */
static void pgsize_split(void **state)
{
	(void)state;
	for (int f = 0; f < 3; f++) {
		static const enum pt_format fmts[3] = {PT_INTEL_VTD, PT_AMD_V1, PT_ARM_LPAE_4K};
		enum pt_format fmt = fmts[f];
		struct pt_table *t = make(fmt, 48, 4 * KiB | 2 * MiB | GiB);
		struct pt_stats st;

		assert_int_equal(pt_map(t, 0x201000, 0x201000, 0x3ff000, RW), 0);
		st = stats(t);
		assert_int_equal(st.pages_by_size[12], 511);
		assert_int_equal(st.pages_by_size[21], 1);
		assert_int_equal(st.mapped_bytes, 0x3ff000);
		assert_maps(t, 0x3fffff, 0x3fffff, 4 * KiB);
		assert_maps(t, 0x5ff123, 0x5ff123, 2 * MiB);
		assert_unmapped(t, 0x200fff);
		assert_unmapped(t, 0x600000);
		pt_free(t);
	}
	/* phys offset by 4 KiB from iova: no 2 MiB page fits */
	struct pt_table *t = make(PT_INTEL_VTD, 48, 0);
	assert_int_equal(pt_map(t, 0x200000, 0x201000, 4 * MiB, RW), 0);
	assert_int_equal(stats(t).pages_by_size[12], 1024);
	assert_int_equal(stats(t).pages_by_size[21], 0);
	pt_free(t);
}

/* ARM 64K granule, ias 48: 3 levels from level 1, a pgd of 64 entries. */
static void arm_64k_pgd(void **state)
{
	(void)state;
	struct pt_table *t = make(PT_ARM_LPAE_64K, 48, 0);
	struct pt_walk w;

	assert_int_equal(stats(t).table_bytes, 512);
	assert_int_equal(pt_map(t, 5ull << 42, 0x10000, 64 * KiB, PT_PROT_READ), 0);
	struct pt_stats st = stats(t);
	assert_int_equal(st.table_pages, 3);
	assert_int_equal(st.table_bytes, 512 + 2 * 65536);
	assert_int_equal(st.table_pages_by_level[1], 1);
	assert_int_equal(st.table_pages_by_level[2], 1);
	assert_int_equal(st.table_pages_by_level[3], 1);
	pt_walk(t, (5ull << 42) + 0x1234, &w);
	assert_true(w.mapped);
	assert_int_equal(w.nsteps, 3);
	assert_int_equal(w.step[0].level, 1);
	assert_int_equal(w.step[0].index, 5);
	assert_int_equal(w.step[2].level, 3);
	assert_true(w.step[2].leaf);
	assert_int_equal(w.step[2].entry & 3, 3); /* a page descriptor */
	assert_int_equal(w.phys, 0x11234);
	assert_int_equal(w.prot, PT_PROT_READ);
	/* a 512 MiB block sits in a level-2 table */
	assert_int_equal(pt_map(t, 512 * MiB, GiB, 512 * MiB, RW), 0);
	assert_int_equal(stats(t).table_pages, 4);
	pt_walk(t, 512 * MiB + 7, &w);
	assert_int_equal(w.nsteps, 2);
	assert_int_equal(w.step[1].entry & 3, 1); /* a block descriptor */
	assert_int_equal(w.page_size, 512 * MiB);
	assert_int_equal(w.phys, GiB + 7);
	pt_free(t);
}

/* AMD v1 starts at 3 levels (39 bits) and grows for an IOVA above 512 GiB. */
static void amd_growth(void **state)
{
	(void)state;
	struct pt_table *t = make(PT_AMD_V1, 48, 0);
	struct pt_geometry g;
	struct pt_walk w;

	assert_int_equal(pt_map(t, 0, 0, 4 * KiB, RW), 0);
	assert_int_equal(stats(t).table_pages, 3);
	assert_int_equal(pt_map(t, 512 * GiB, 0x7000, 4 * KiB, RW), 0);
	pt_get_geometry(t, &g);
	assert_int_equal(g.levels, 4);
	struct pt_stats st = stats(t);
	/* the new top, the old top (now below it), three new tables for 512G */
	assert_int_equal(st.table_pages, 3 + 1 + 3);
	assert_int_equal(st.table_pages_by_level[3], 1);
	assert_int_equal(st.table_pages_by_level[2], 2);
	pt_walk(t, 512 * GiB + 5, &w);
	assert_true(w.mapped);
	assert_int_equal(w.nsteps, 4);
	assert_int_equal(w.step[0].level, 3);
	assert_int_equal(w.step[0].index, 1);
	assert_int_equal((w.step[0].entry >> 9) & 7, 3); /* PM_LEVEL_PDE(3, ...) */
	assert_int_equal(w.phys, 0x7005);
	/* what was mapped before the growth is still there, one level deeper */
	pt_walk(t, 0, &w);
	assert_int_equal(w.nsteps, 4);
	assert_int_equal(w.step[0].index, 0);
	assert_true(w.mapped);
	/* aw 48 ends at 4 levels */
	assert_int_equal(pt_map(t, 1ull << 48, 0, 4 * KiB, RW), -EINVAL);
	pt_free(t);

	t = make(PT_AMD_V1, 57, 0);
	assert_int_equal(pt_map(t, (1ull << 56) + 4 * KiB, 0, 4 * KiB, RW), 0);
	pt_get_geometry(t, &g);
	assert_int_equal(g.levels, 5);
	assert_int_equal(stats(t).table_pages, 1 + 1 + 1 + 4); /* two growths, then 4 tables below */
	assert_maps(t, (1ull << 56) + 4 * KiB, 0, 4 * KiB);
	pt_free(t);
}

/* AMD sizes between the natural ones are replicated PTEs, counted once. */
static void amd_replicated(void **state)
{
	(void)state;
	struct pt_table *t = make(PT_AMD_V1, 48, 0);
	struct pt_walk w0, w3;

	assert_int_equal(pt_map(t, 0, 0x10000, 16 * KiB, RW), 0);
	struct pt_stats st = stats(t);
	assert_int_equal(st.pages_by_size[14], 1);
	assert_int_equal(st.pages_by_size[12], 0);
	assert_int_equal(st.mapped_bytes, 16 * KiB);
	assert_int_equal(st.table_pages, 3);
	pt_walk(t, 0, &w0);
	pt_walk(t, 0x3000, &w3);
	assert_int_equal(w0.step[2].index, 0);
	assert_int_equal(w3.step[2].index, 3);
	assert_int_equal(w0.step[2].entry, w3.step[2].entry); /* 4 identical PTEs */
	assert_int_equal((w0.step[2].entry >> 9) & 7, 7);     /* next level 7 */
	/* PAGE_SIZE_PTE: address 0x10000 | 0x3fff without bit 13 */
	assert_int_equal(w0.step[2].entry & 0x000ffffffffff000ull, 0x11000);
	assert_maps(t, 0x3abc, 0x13abc, 16 * KiB);
	assert_unmapped(t, 0x4000);

	assert_int_equal(pt_map(t, 0x8000, 0x28000, 32 * KiB, PT_PROT_WRITE), 0);
	assert_int_equal(stats(t).pages_by_size[15], 1);
	uint64_t pa, size;
	unsigned prot;
	assert_true(pt_translate(t, 0xffff, &pa, &size, &prot));
	assert_int_equal(pa, 0x2ffff);
	assert_int_equal(size, 32 * KiB);
	assert_int_equal(prot, PT_PROT_WRITE);

	/* 4 MiB: two PTEs of the level-1 table; 512 GiB is not an AMD size, so
	 * it maps as two 256 GiB pages of 256 PTEs each in the top table */
	assert_int_equal(pt_map(t, 4 * MiB, 8 * MiB, 4 * MiB, RW), 0);
	assert_int_equal(stats(t).pages_by_size[22], 1);
	assert_maps(t, 8 * MiB - 1, 12 * MiB - 1, 4 * MiB);
	pt_free(t);
	t = make(PT_AMD_V1, 48, 0);
	assert_int_equal(pt_map(t, 0, 0, 512 * GiB, RW), 0);
	st = stats(t);
	assert_int_equal(st.pages_by_size[38], 2);
	assert_int_equal(st.table_pages, 1);
	assert_int_equal(st.mapped_bytes, 512 * GiB);
	assert_maps(t, 300 * GiB, 300 * GiB, 256 * GiB);
	/* unmapping 4 KiB of it takes the whole 256 GiB page */
	int err = 1;
	assert_int_equal(pt_unmap(t, 0, 4 * KiB, &err), 256 * GiB);
	assert_int_equal(err, 0);
	assert_unmapped(t, 255 * GiB);
	assert_maps(t, 256 * GiB, 256 * GiB, 256 * GiB);
	assert_int_equal(stats(t).pages_by_size[38], 1);
	pt_free(t);
}

static void walk_steps(void **state)
{
	(void)state;
	struct pt_table *t = make(PT_INTEL_VTD, 48, 0);
	struct pt_walk w;
	uint64_t iova = (3ull << 39) | (5ull << 30) | (7ull << 21) | (9ull << 12);

	assert_int_equal(pt_map(t, iova, 0xabc000, 4 * KiB, PT_PROT_READ), 0);
	pt_walk(t, iova + 0x10, &w);
	assert_true(w.mapped);
	assert_int_equal(w.nsteps, 4);
	static const unsigned want_index[4] = {3, 5, 7, 9};
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(w.step[i].level, 4 - i);
		assert_int_equal(w.step[i].index, want_index[i]);
		assert_int_equal(w.step[i].leaf, i == 3);
		assert_int_equal(w.step[i].entry & 3, i == 3 ? 1 : 3); /* tables are R|W */
	}
	assert_int_equal(w.step[3].entry, 0xabc001);
	assert_int_equal(w.phys, 0xabc010);
	assert_int_equal(w.page_size, 4 * KiB);
	assert_int_equal(w.prot, PT_PROT_READ);
	/* an unmapped IOVA stops at the empty entry */
	pt_walk(t, 1ull << 39, &w);
	assert_false(w.mapped);
	assert_int_equal(w.nsteps, 1);
	assert_int_equal(w.step[0].entry, 0);
	pt_walk(t, iova + 4 * KiB, &w);
	assert_false(w.mapped);
	assert_int_equal(w.nsteps, 4);
	assert_false(w.step[3].leaf);
	/* a 2 MiB superpage has the SP bit at level 2 */
	assert_int_equal(pt_map(t, 2 * MiB, 4 * MiB, 2 * MiB, RW), 0);
	pt_walk(t, 2 * MiB + 1, &w);
	assert_int_equal(w.nsteps, 3);
	assert_true(w.step[2].leaf);
	assert_int_equal(w.step[2].entry, 4 * MiB | 0x80 | 3);
	pt_free(t);
}

/* ---- errors and each format's rules ------------------------------------------------ */

static void invalid_arguments(void **state)
{
	(void)state;
	for (int f = 0; f < PT_FORMAT_COUNT; f++) {
		struct pt_table *t = make((enum pt_format)f, 48, 0);
		struct pt_geometry g;
		uint64_t gr;
		int err = 0;

		pt_get_geometry(t, &g);
		gr = g.granule;
		assert_int_equal(pt_map(t, gr / 2, 0, gr, RW), -EINVAL);
		assert_int_equal(pt_map(t, 0, gr / 2, gr, RW), -EINVAL);
		assert_int_equal(pt_map(t, 0, 0, gr + gr / 2, RW), -EINVAL);
		assert_int_equal(pt_map(t, 0, 0, 0, RW), -EINVAL);
		assert_int_equal(pt_map(t, 0, 0, gr, 0), -EINVAL);
		assert_int_equal(pt_map(t, g.iova_max + 1 - gr, 0, 2 * gr, RW), -EINVAL);
		assert_int_equal(pt_map(t, 0, 1ull << 60, gr, RW), -EINVAL);
		assert_int_equal(pt_unmap(t, gr / 2, gr, &err), 0);
		assert_int_equal(err, -EINVAL);
		err = 0;
		assert_int_equal(pt_unmap(t, 0, 0, &err), 0);
		assert_int_equal(err, -EINVAL);
		assert_int_equal(stats(t).table_pages, 1);
		assert_int_equal(stats(t).mapped_bytes, 0);
		/* the last page of the aperture maps */
		assert_int_equal(pt_map(t, g.iova_max + 1 - gr, 0, gr, RW), 0);
		assert_maps(t, g.iova_max, gr - 1, gr);
		assert_unmapped(t, g.iova_max - gr);
		pt_free(t);
	}
}

/* VT-d: an existing 4 KiB PTE is kept and the map still succeeds
 * (__domain_mapping's "already set" WARN); a superpage replaces what is
 * below it; a page inside a superpage is refused. */
static void vtd_overlap(void **state)
{
	(void)state;
	struct pt_table *t = make(PT_INTEL_VTD, 48, 0);

	assert_int_equal(pt_map(t, 0x5000, 0xa000, 4 * KiB, RW), 0);
	assert_int_equal(pt_map(t, 0x4000, 0xb000, 8 * KiB, RW), 0);
	assert_int_equal(stats(t).kernel_warnings, 1);
	assert_maps(t, 0x4000, 0xb000, 4 * KiB);
	assert_maps(t, 0x5000, 0xa000, 4 * KiB); /* the old PTE */
	assert_int_equal(stats(t).pages_by_size[12], 2);

	/* 2 MiB over them: the leaf table goes */
	assert_int_equal(stats(t).table_pages, 4);
	assert_int_equal(pt_map(t, 0, 64 * MiB, 2 * MiB, RW), 0);
	assert_int_equal(stats(t).table_pages, 3);
	assert_maps(t, 0x5000, 64 * MiB + 0x5000, 2 * MiB);
	assert_int_equal(stats(t).pages_by_size[12], 0);
	assert_int_equal(stats(t).mapped_bytes, 2 * MiB);

	/* 4 KiB inside the superpage: the kernel would walk into it */
	assert_int_equal(pt_map(t, 0x1000, 0x1000, 4 * KiB, RW), -EFAULT);
	assert_maps(t, 0x1000, 64 * MiB + 0x1000, 2 * MiB);
	pt_free(t);

	/* a map that fails after mapping part of itself is undone: [1M, 3M)
	 * maps 4 KiB pages up to 2M, then meets the superpage at 2M */
	t = make(PT_INTEL_VTD, 48, 0);
	assert_int_equal(pt_map(t, 2 * MiB, 2 * MiB, 2 * MiB, RW), 0);
	assert_int_equal(pt_map(t, MiB, MiB, 2 * MiB, RW), -EFAULT);
	assert_unmapped(t, MiB);
	assert_unmapped(t, 2 * MiB - 4 * KiB);
	assert_maps(t, 2 * MiB, 2 * MiB, 2 * MiB);
	assert_int_equal(stats(t).mapped_bytes, 2 * MiB);
	pt_free(t);
}

/* AMD: a new mapping replaces the old one without a word. */
static void amd_overlap(void **state)
{
	(void)state;
	struct pt_table *t = make(PT_AMD_V1, 48, 0);

	assert_int_equal(pt_map(t, 0x5000, 0xa000, 4 * KiB, RW), 0);
	assert_int_equal(pt_map(t, 0x4000, 0xc000, 8 * KiB, RW), 0); /* an 8K page over it */
	assert_maps(t, 0x5000, 0xd000, 8 * KiB);
	assert_int_equal(stats(t).pages_by_size[12], 0);
	assert_int_equal(stats(t).pages_by_size[13], 1);
	assert_int_equal(stats(t).kernel_warnings, 0);

	/* 2 MiB over the leaf table frees it (free_clear_pte) */
	assert_int_equal(stats(t).table_pages, 3);
	assert_int_equal(pt_map(t, 0, 64 * MiB, 2 * MiB, RW), 0);
	assert_int_equal(stats(t).table_pages, 2);
	assert_maps(t, 0x5000, 64 * MiB + 0x5000, 2 * MiB);
	/* 4 KiB inside it: a new table replaces the 2 MiB page, whose rest is lost */
	assert_int_equal(pt_map(t, 0x1000, 0x77000, 4 * KiB, RW), 0);
	assert_maps(t, 0x1000, 0x77000, 4 * KiB);
	assert_unmapped(t, 0);
	assert_unmapped(t, 0x2000);
	assert_int_equal(stats(t).mapped_bytes, 4 * KiB);
	assert_int_equal(stats(t).table_pages, 3);
	pt_free(t);
}

/* ARM: -EEXIST for a leaf in the way (nothing of the call stays mapped); a
 * block over a table frees the table. */
static void arm_overlap(void **state)
{
	(void)state;
	struct pt_table *t = make(PT_ARM_LPAE_4K, 48, 0);

	assert_int_equal(pt_map(t, 0x2000, 0xa000, 4 * KiB, RW), 0);
	assert_int_equal(pt_map(t, 0x2000, 0xb000, 4 * KiB, RW), -EEXIST);
	assert_int_equal(pt_map(t, 0x1000, 0xb000, 8 * KiB, RW), -EEXIST);
	assert_unmapped(t, 0x1000);
	assert_maps(t, 0x2000, 0xa000, 4 * KiB);
	assert_int_equal(stats(t).kernel_warnings, 2);

	/* across a table boundary: the first page maps, the second fails, the
	 * first is unmapped again */
	assert_int_equal(pt_map(t, 0x200000, 0x200000, 4 * KiB, RW), 0);
	assert_int_equal(pt_map(t, 0x1ff000, 0x1000, 8 * KiB, RW), -EEXIST);
	assert_unmapped(t, 0x1ff000);
	assert_maps(t, 0x200000, 0x200000, 4 * KiB);

	/* a block over the table holding 0x2000 */
	assert_int_equal(stats(t).table_pages, 5);
	assert_int_equal(pt_map(t, 0, 16 * MiB, 2 * MiB, PT_PROT_WRITE), 0);
	assert_int_equal(stats(t).table_pages, 4);
	assert_maps(t, 0x2000, 16 * MiB + 0x2000, 2 * MiB);
	uint64_t pa;
	unsigned prot;
	assert_true(pt_translate(t, 0, &pa, NULL, &prot));
	assert_int_equal(prot, RW); /* stage 1 has no write-only */
	/* a page inside the block */
	assert_int_equal(pt_map(t, 0x3000, 0x3000, 4 * KiB, RW), -EEXIST);
	pt_free(t);
}

/* Unmapping part of a large page. */
static void partial_unmap(void **state)
{
	(void)state;
	int err;

	/* VT-d widens to the superpage from its start... */
	struct pt_table *t = make(PT_INTEL_VTD, 48, 0);
	assert_int_equal(pt_map(t, 2 * MiB, 2 * MiB, 2 * MiB, RW), 0);
	err = 1;
	assert_int_equal(pt_unmap(t, 2 * MiB, 4 * KiB, &err), 2 * MiB);
	assert_int_equal(err, 0);
	assert_unmapped(t, 3 * MiB);
	assert_int_equal(stats(t).mapped_bytes, 0);
	/* ...but from inside it the kernel would recurse into its memory */
	assert_int_equal(pt_map(t, 2 * MiB, 2 * MiB, 2 * MiB, RW), 0);
	assert_int_equal(pt_unmap(t, 3 * MiB, 4 * KiB, &err), 0);
	assert_int_equal(err, -EFAULT);
	assert_maps(t, 3 * MiB, 3 * MiB, 2 * MiB);
	pt_free(t);

	/* AMD unmaps the whole page, wherever in it the range starts */
	t = make(PT_AMD_V1, 48, 0);
	assert_int_equal(pt_map(t, 2 * MiB, 2 * MiB, 2 * MiB, RW), 0);
	assert_int_equal(pt_unmap(t, 3 * MiB, 4 * KiB, &err), 2 * MiB);
	assert_int_equal(err, 0);
	assert_unmapped(t, 2 * MiB);
	assert_int_equal(stats(t).mapped_bytes, 0);
	pt_free(t);

	/* ARM refuses (no split since 6.13) */
	for (int f = PT_ARM_LPAE_4K; f <= PT_ARM_LPAE_64K; f++) {
		struct pt_geometry g;

		t = make((enum pt_format)f, 48, 0);
		pt_get_geometry(t, &g);
		uint64_t block = g.pgsize_bitmap & ~g.granule;
		block &= -block; /* the smallest block */
		assert_int_equal(pt_map(t, block, 0, block, RW), 0);
		err = 0;
		assert_int_equal(pt_unmap(t, block + g.granule, g.granule, &err), 0);
		assert_int_equal(err, -EINVAL);
		assert_int_equal(stats(t).kernel_warnings, 1);
		assert_maps(t, block + g.granule, g.granule, block);
		assert_int_equal(pt_unmap(t, block, block, &err), block);
		assert_int_equal(err, 0);
		assert_unmapped(t, block);
		pt_free(t);
	}
}

/* Unmapping what is not mapped. */
static void unmap_nothing(void **state)
{
	(void)state;
	int err;

	/* VT-d: widened to the empty top-level entry, 512 GiB, no error */
	struct pt_table *t = make(PT_INTEL_VTD, 48, 0);
	err = 1;
	assert_int_equal(pt_unmap(t, 0, 4 * KiB, &err), 512 * GiB);
	assert_int_equal(err, 0);
	/* and so a 4 KiB unmap where nothing is mapped takes the page after
	 * it: [4K, 8K) is widened to the empty 2 MiB entry, [4K, 2M+4K) */
	assert_int_equal(pt_map(t, 2 * MiB, 0, 4 * KiB, RW), 0);
	assert_int_equal(pt_unmap(t, 4 * KiB, 4 * KiB, &err), 2 * MiB);
	assert_int_equal(err, 0);
	assert_unmapped(t, 2 * MiB);
	assert_int_equal(stats(t).mapped_bytes, 0);
	assert_int_equal(pt_map(t, 0, 0, 4 * KiB, RW), 0);
	assert_int_equal(pt_unmap(t, 0x1000, 4 * KiB, &err), 4 * KiB); /* the leaf table exists */
	assert_maps(t, 0, 0, 4 * KiB);
	pt_free(t);

	/* AMD: an empty entry above the leaf table stops it; in a leaf table
	 * the empty entry "unmaps" */
	t = make(PT_AMD_V1, 48, 0);
	err = 0;
	assert_int_equal(pt_unmap(t, 0, 4 * KiB, &err), 0);
	assert_int_equal(err, -ENOENT);
	assert_int_equal(pt_map(t, 0, 0, 4 * KiB, RW), 0);
	assert_int_equal(pt_unmap(t, 0x1000, 4 * KiB, &err), 4 * KiB);
	assert_int_equal(err, 0);
	assert_int_equal(pt_unmap(t, 0, 4 * MiB, &err), 2 * MiB); /* up to the missing table */
	assert_int_equal(err, -ENOENT);
	assert_unmapped(t, 0);
	pt_free(t);

	/* ARM: nothing, with a WARN */
	t = make(PT_ARM_LPAE_16K, 48, 0);
	assert_int_equal(pt_unmap(t, 0, 16 * KiB, &err), 0);
	assert_int_equal(err, -ENOENT);
	assert_int_equal(pt_map(t, 0, 0, 16 * KiB, RW), 0);
	assert_int_equal(pt_unmap(t, 0, 32 * KiB, &err), 16 * KiB); /* stops at the empty entry */
	assert_int_equal(err, -ENOENT);
	assert_int_equal(stats(t).kernel_warnings, 3);
	pt_free(t);
}

/* Where each format frees tables on unmap. */
static void unmap_frees_tables(void **state)
{
	(void)state;
	static const struct {
		enum pt_format f;
		uint64_t tables, left_after_whole, left_after_pages;
	} cases[] = {
		/* VT-d frees a table whose whole span one unmap covers */
		{PT_INTEL_VTD, 4, 3, 4},
		/* AMD never frees on unmap (and starts at 3 levels) */
		{PT_AMD_V1, 3, 3, 3},
		/* ARM frees it when a piece of the table's span is unmapped at once */
		{PT_ARM_LPAE_4K, 4, 3, 4},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pt_table *t = make(cases[i].f, 48, 0);
		int err;

		/* phys 4 KiB off: 512 pages of 4 KiB in one leaf table */
		assert_int_equal(pt_map(t, 0, 0x1000, 2 * MiB, RW), 0);
		assert_int_equal(stats(t).table_pages, cases[i].tables);
		assert_int_equal(stats(t).pages_by_size[12], 512);
		assert_int_equal(pt_unmap(t, 0, 2 * MiB, &err), 2 * MiB);
		assert_int_equal(err, 0);
		assert_int_equal(stats(t).table_pages, cases[i].left_after_whole);
		assert_int_equal(pt_map(t, 0, 0x1000, 2 * MiB, RW), 0);
		for (uint64_t a = 0; a < 2 * MiB; a += 4 * KiB)
			assert_int_equal(pt_unmap(t, a, 4 * KiB, &err), 4 * KiB);
		assert_int_equal(stats(t).table_pages, cases[i].left_after_pages);
		assert_int_equal(stats(t).mapped_bytes, 0);
		assert_unmapped(t, 0);
		pt_free(t);
	}
}

/* ---- property tests -------------------------------------------------------------- */

static uint64_t rng_next(uint64_t *s)
{
	/* splitmix64 */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rng_below(uint64_t *s, uint64_t n)
{
	return rng_next(s) % n;
}

/* The reference: what is mapped, as intervals. */
struct ref_map {
	uint64_t iova, len, phys;
	unsigned prot;
};

struct reference {
	struct ref_map v[256];
	size_t n;
	uint64_t bytes;
};

static const struct ref_map *ref_find(const struct reference *r, uint64_t iova)
{
	for (size_t i = 0; i < r->n; i++)
		if (iova >= r->v[i].iova && iova - r->v[i].iova < r->v[i].len)
			return &r->v[i];
	return NULL;
}

static bool ref_free(const struct reference *r, uint64_t iova, uint64_t len)
{
	for (size_t i = 0; i < r->n; i++)
		if (iova < r->v[i].iova + r->v[i].len && r->v[i].iova < iova + len)
			return false;
	return true;
}

static void check_probe(const struct pt_table *t, const struct reference *r, enum pt_format f, uint64_t iova)
{
	const struct ref_map *m = ref_find(r, iova);
	uint64_t pa = 0, size = 0;
	unsigned prot = 0;
	bool mapped = pt_translate(t, iova, &pa, &size, &prot);

	if (!m) {
		if (mapped)
			fail_msg("%s: 0x%llx maps to 0x%llx, the reference has nothing", pt_format_id(f),
				 (unsigned long long)iova, (unsigned long long)pa);
		return;
	}
	if (!mapped)
		fail_msg("%s: 0x%llx is not mapped, the reference maps it to 0x%llx", pt_format_id(f),
			 (unsigned long long)iova, (unsigned long long)(m->phys + iova - m->iova));
	if (pa != m->phys + (iova - m->iova))
		fail_msg("%s: 0x%llx -> 0x%llx, the reference says 0x%llx", pt_format_id(f), (unsigned long long)iova,
			 (unsigned long long)pa, (unsigned long long)(m->phys + iova - m->iova));
	/* ARM stage 1 cannot make a page write-only */
	unsigned want = f >= PT_ARM_LPAE_4K && m->prot == PT_PROT_WRITE ? RW : m->prot;
	if (prot != want)
		fail_msg("%s: 0x%llx prot %u, the reference says %u", pt_format_id(f), (unsigned long long)iova, prot,
			 want);
	/* the page holding iova lies inside the mapping */
	if ((iova & ~(size - 1)) < m->iova || (iova | (size - 1)) >= m->iova + m->len)
		fail_msg("%s: 0x%llx is in a page of 0x%llx beyond its mapping", pt_format_id(f),
			 (unsigned long long)iova, (unsigned long long)size);
}

/* A random range to map: mostly a few granules, sometimes an aligned run of
 * one of the format's page sizes (its phys aligned too, or deliberately not),
 * in one of a few windows of the address space. */
static void pick_range(uint64_t *s, const struct pt_geometry *g, uint64_t *iova, uint64_t *len, uint64_t *phys)
{
	uint64_t sizes[64];
	unsigned nsizes = 0;

	for (unsigned k = 0; k < 64; k++)
		if ((g->pgsize_bitmap >> k & 1) && k <= 31) /* keep each map cheap */
			sizes[nsizes++] = 1ull << k;
	uint64_t windows[] = {0, 1ull << 32, g->iova_max > (1ull << 40) ? (1ull << 40) - (1ull << 33) : 0};
	uint64_t base = windows[rng_below(s, 3)], span = 1ull << 33;
	uint64_t pg = sizes[rng_below(s, nsizes)];

	switch (rng_below(s, 4)) {
	case 0: /* an aligned run of a large page */
		*len = pg * (1 + rng_below(s, 3));
		*iova = base + (rng_below(s, span / pg - 3) * pg);
		*phys = rng_below(s, 1ull << 14) * pg % (1ull << 44);
		*phys &= ~(pg - 1);
		break;
	case 1: /* large, phys misaligned by a granule */
		*len = g->granule * (1 + rng_below(s, 600));
		*iova = base + (rng_below(s, span / pg - 3) * pg);
		*phys = (rng_below(s, 1ull << 20) * pg + g->granule) % (1ull << 44);
		break;
	default: /* a few granules anywhere */
		*len = g->granule * (1 + rng_below(s, 20));
		*iova = base + rng_below(s, span / g->granule - 64) * g->granule;
		*phys = rng_below(s, 1ull << 30) * g->granule % (1ull << 44);
		break;
	}
}

static void property_run(enum pt_format f, unsigned aw, uint64_t seed, unsigned steps)
{
	struct pt_table *t = make(f, aw, 0);
	struct reference *r = calloc(1, sizeof(*r));
	struct pt_geometry g;
	uint64_t s = seed;

	assert_non_null(r);
	pt_get_geometry(t, &g);
	for (unsigned step = 0; step < steps; step++) {
		uint64_t op = rng_below(&s, 10);

		if (r->n == 0 || (op < 5 && r->n < 200)) {
			uint64_t iova, len, phys;
			unsigned prot = 1 + (unsigned)rng_below(&s, 3);

			pick_range(&s, &g, &iova, &len, &phys);
			if (!ref_free(r, iova, len))
				continue;
			int ret = pt_map(t, iova, phys, len, prot);
			if (ret)
				fail_msg("%s step %u: map 0x%llx+0x%llx -> 0x%llx: %d", pt_format_id(f), step,
					 (unsigned long long)iova, (unsigned long long)len, (unsigned long long)phys, ret);
			r->v[r->n++] = (struct ref_map){iova, len, phys, prot};
			r->bytes += len;
		} else if (op < 9) {
			size_t i = rng_below(&s, r->n);
			int err = 1;
			uint64_t done = pt_unmap(t, r->v[i].iova, r->v[i].len, &err);

			if (done != r->v[i].len || err)
				fail_msg("%s step %u: unmap 0x%llx+0x%llx: %llu bytes, error %d", pt_format_id(f), step,
					 (unsigned long long)r->v[i].iova, (unsigned long long)r->v[i].len,
					 (unsigned long long)done, err);
			r->bytes -= r->v[i].len;
			r->v[i] = r->v[--r->n];
		} else {
			/* a walk agrees with the fast path */
			const struct ref_map *m = &r->v[rng_below(&s, r->n)];
			uint64_t iova = m->iova + rng_below(&s, m->len), pa = 0;
			struct pt_walk w;

			pt_walk(t, iova, &w);
			assert_true(w.mapped);
			assert_true(pt_translate(t, iova, &pa, NULL, NULL));
			assert_int_equal(w.phys, pa);
			assert_true(w.step[w.nsteps - 1].leaf);
		}
		/* after every step: random probes, probes at the edges of a
		 * mapping, and the mapped byte count */
		for (int k = 0; k < 8; k++) {
			const struct ref_map *m = r->n ? &r->v[rng_below(&s, r->n)] : NULL;
			uint64_t iova;

			switch (k & 3) {
			case 0:
				iova = rng_below(&s, 1ull << 34);
				break;
			case 1:
				iova = m ? m->iova - (m->iova ? 1 : 0) : 0;
				break;
			case 2:
				iova = m ? m->iova + m->len - 1 + (k & 4 ? 1 : 0) : 0;
				break;
			default:
				iova = m ? m->iova + rng_below(&s, m->len) : 0;
				break;
			}
			if (iova <= g.iova_max)
				check_probe(t, r, f, iova);
		}
		struct pt_stats st = stats(t);
		if (st.mapped_bytes != r->bytes)
			fail_msg("%s step %u: %llu bytes mapped, the reference has %llu", pt_format_id(f), step,
				 (unsigned long long)st.mapped_bytes, (unsigned long long)r->bytes);
	}
	/* everything unmapped: no page left, the leaf counts back to zero */
	while (r->n) {
		int err;
		assert_int_equal(pt_unmap(t, r->v[r->n - 1].iova, r->v[r->n - 1].len, &err), r->v[r->n - 1].len);
		r->n--;
	}
	struct pt_stats st = stats(t);
	assert_int_equal(st.mapped_bytes, 0);
	for (int k = 0; k < 64; k++)
		assert_int_equal(st.pages_by_size[k], 0);
	assert_int_equal(st.kernel_warnings, 0);
	free(r);
	pt_free(t);
}

static void property_vtd(void **state)
{
	(void)state;
	property_run(PT_INTEL_VTD, 48, 1, 3000);
	property_run(PT_INTEL_VTD, 39, 2, 1500);
}

static void property_amd(void **state)
{
	(void)state;
	property_run(PT_AMD_V1, 48, 3, 3000);
	property_run(PT_AMD_V1, 64, 4, 1500);
}

static void property_arm(void **state)
{
	(void)state;
	property_run(PT_ARM_LPAE_4K, 48, 5, 3000);
	property_run(PT_ARM_LPAE_16K, 48, 6, 2000);
	property_run(PT_ARM_LPAE_64K, 48, 7, 2000);
	property_run(PT_ARM_LPAE_4K, 36, 8, 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(format_ids),
		cmocka_unit_test(geometry),
		cmocka_unit_test(geometry_refused),
		cmocka_unit_test(vtd_counts),
		cmocka_unit_test(pgsize_split),
		cmocka_unit_test(arm_64k_pgd),
		cmocka_unit_test(amd_growth),
		cmocka_unit_test(amd_replicated),
		cmocka_unit_test(walk_steps),
		cmocka_unit_test(invalid_arguments),
		cmocka_unit_test(vtd_overlap),
		cmocka_unit_test(amd_overlap),
		cmocka_unit_test(arm_overlap),
		cmocka_unit_test(partial_unmap),
		cmocka_unit_test(unmap_nothing),
		cmocka_unit_test(unmap_frees_tables),
		cmocka_unit_test(property_vtd),
		cmocka_unit_test(property_amd),
		cmocka_unit_test(property_arm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
