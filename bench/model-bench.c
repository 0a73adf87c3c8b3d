/* model-bench.c - how fast the page-table model (include/pgtable.h) walks,
 * maps and unmaps, and how much memory it takes, on one core.
 *
 * For each format, with granule-sized pages only:
 *   translate  pt_translate() of random IOVAs over a mapped 1 GiB range
 *   map+unmap  pt_map() then pt_unmap() of one granule, IOVAs in turn
 *              over a 1 GiB range whose tables already exist
 *   memory     the model's heap for the tables of that 1 GiB against the
 *              format's own table bytes
 * then the IOTLB (include/iotlb.h, 512 entries, 4 ways): lookups of random
 * IOVAs among the 4 KiB pages it holds, every one a hit;
 * and a PASS/MISS line per target from the issue (for the 4 KiB formats:
 * >= 20 million translations/s, >= 5 million map+unmap pairs/s, model
 * memory within 10% of the tables'; >= 100 million IOTLB hits/s).  Figures only: the exit status is 0
 * unless the model itself fails.
 *
 * Rates are per second of the thread's CPU time.
 *
 * Usage: model-bench [SECONDS]   CPU time per measurement (default 0.5) */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "iotlb.h"
#include "pgtable.h"

#define GiB (1ull << 30)

/* The thread's CPU time: on a machine shared with other work, wall time
 * would count the time spent waiting for a CPU. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static struct pt_table *table_for(enum pt_format f)
{
	struct pt_table *t;
	struct pt_geometry g;
	struct pt_config cfg = {.format = f, .aw = 48};

	if (pt_create(&cfg, &t))
		return NULL;
	pt_get_geometry(t, &g);
	pt_free(t);
	cfg.pgsize_bitmap = g.granule; /* granule pages only */
	if (pt_create(&cfg, &t))
		return NULL;
	return t;
}

struct result {
	double translate_per_s, pairs_per_s;
	struct pt_stats st;
	uint64_t granule;
};

/* Random translations over [0, 1 GiB), in batches until SECONDS pass. */
static int bench_translate(enum pt_format f, double seconds, struct result *r)
{
	struct pt_table *t = table_for(f);
	struct pt_geometry g;
	uint64_t s = 0x9e3779b97f4a7c15ull, sink = 0, n = 0;

	if (!t)
		return -1;
	pt_get_geometry(t, &g);
	r->granule = g.granule;
	/* phys far from iova, so a wrong walk cannot pass for a right one */
	if (pt_map(t, 0, 1ull << 40, GiB, PT_PROT_READ | PT_PROT_WRITE))
		return -1;
	pt_get_stats(t, &r->st);
	double t0 = now(), t1;
	do {
		for (int i = 0; i < 1000000; i++) {
			uint64_t iova = xorshift(&s) & (GiB - 1), pa;

			if (!pt_translate(t, iova, &pa, NULL, NULL) || pa != (1ull << 40) + iova) {
				fprintf(stderr, "model-bench: %s: 0x%llx translated wrongly\n", pt_format_id(f),
					(unsigned long long)iova);
				return -1;
			}
			sink += pa;
		}
		n += 1000000;
		t1 = now();
	} while (t1 - t0 < seconds);
	r->translate_per_s = (double)n / (t1 - t0);
	pt_free(t);
	return sink == 0 ? -1 : 0;
}

/* Map and unmap one granule at each IOVA of a 1 GiB range in turn. */
static int bench_map_unmap(enum pt_format f, double seconds, struct result *r)
{
	struct pt_table *t = table_for(f);
	struct pt_geometry g;
	uint64_t n = 0, iova = 0;

	if (!t)
		return -1;
	pt_get_geometry(t, &g);
	/* one pass first, so that every table exists (no format frees the
	 * tables of a granule unmap) */
	for (uint64_t a = 0; a < GiB; a += g.granule)
		if (pt_map(t, a, a, g.granule, PT_PROT_READ) || pt_unmap(t, a, g.granule, NULL) != g.granule)
			return -1;
	double t0 = now(), t1;
	do {
		for (int i = 0; i < 100000; i++) {
			int err;

			if (pt_map(t, iova, iova ^ (1ull << 40), g.granule, PT_PROT_READ | PT_PROT_WRITE)
			    || pt_unmap(t, iova, g.granule, &err) != g.granule || err)
				return -1;
			iova = (iova + g.granule) & (GiB - 1);
		}
		n += 100000;
		t1 = now();
	} while (t1 - t0 < seconds);
	r->pairs_per_s = (double)n / (t1 - t0);
	struct pt_stats st;
	pt_get_stats(t, &st);
	pt_free(t);
	return st.mapped_bytes == 0 ? 0 : -1;
}

/* IOTLB hits: fill every entry with a 4 KiB page, then look up random
 * IOVAs among those pages.  Returns hits per CPU second, or -1. */
static double bench_iotlb(double seconds)
{
	struct iotlb t;
	struct iotlb_config c;
	uint64_t pages[IOTLB_DEFAULT_ENTRIES], s = 0x2545f4914f6cdd1dull, n = 0, sink = 0;
	unsigned npages = 0;
	double t0, t1;

	iotlb_config_default(&c);
	if (iotlb_init(&t, &c))
		return -1;
	/* consecutive pages spread over every set, so all stay cached */
	for (unsigned i = 0; i < IOTLB_DEFAULT_ENTRIES; i++) {
		uint64_t iova = (uint64_t)i << 12;
		if (iotlb_fill(&t, iova, 4096, iova ^ (1ull << 40), 3))
			return -1;
		pages[npages++] = iova;
	}
	t0 = now();
	do {
		for (int i = 0; i < 1000000; i++) {
			uint64_t r = xorshift(&s), iova = pages[r % npages] | (r >> 52), pa;
			if (iotlb_lookup(&t, iova, &pa, NULL) != IOTLB_HIT || pa != (iova ^ (1ull << 40))) {
				fprintf(stderr, "model-bench: iotlb: 0x%llx missed or translated wrongly\n",
					(unsigned long long)iova);
				return -1;
			}
			sink += pa;
		}
		n += 1000000;
		t1 = now();
	} while (t1 - t0 < seconds);
	iotlb_release(&t);
	return sink ? (double)n / (t1 - t0) : -1;
}

int main(int argc, char **argv)
{
	static const enum pt_format formats[] = {PT_INTEL_VTD, PT_AMD_V1, PT_ARM_LPAE_4K, PT_ARM_LPAE_16K,
						 PT_ARM_LPAE_64K};
	struct result res[sizeof(formats) / sizeof(formats[0])];
	double seconds = argc > 1 ? atof(argv[1]) : 0.5;
	bool ok_translate = true, ok_pairs = true, ok_memory = true;

	if (seconds <= 0) {
		fprintf(stderr, "usage: model-bench [SECONDS]\n");
		return 2;
	}
	printf("page-table model (bench/model-bench): 1 GiB mapped in granule pages, aw 48, one thread,\n"
	       "rates per second of its CPU time, %.1f s per figure\n\n",
	       seconds);
	printf("%-13s %8s %16s %18s %7s %11s %11s %7s\n", "format", "granule", "translations/s", "map+unmap pairs/s",
	       "tables", "table KiB", "model KiB", "model/");
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		struct result *r = &res[i];

		memset(r, 0, sizeof(*r));
		if (bench_translate(formats[i], seconds, r) || bench_map_unmap(formats[i], seconds, r)) {
			fprintf(stderr, "model-bench: %s failed\n", pt_format_id(formats[i]));
			return 1;
		}
		double ratio = (double)r->st.model_bytes / (double)r->st.table_bytes;
		printf("%-13s %6lluK %14.1fM %16.1fM %7llu %11.1f %11.1f %7.3f\n", pt_format_id(formats[i]),
		       (unsigned long long)(r->granule >> 10), r->translate_per_s / 1e6, r->pairs_per_s / 1e6,
		       (unsigned long long)r->st.table_pages, (double)r->st.table_bytes / 1024.0,
		       (double)r->st.model_bytes / 1024.0, ratio);
		if (r->granule == 4096) {
			ok_translate &= r->translate_per_s >= 20e6;
			ok_pairs &= r->pairs_per_s >= 5e6;
			ok_memory &= ratio <= 1.10;
		}
	}
	double hits = bench_iotlb(seconds);
	if (hits < 0) {
		fprintf(stderr, "model-bench: iotlb failed\n");
		return 1;
	}
	printf("\niotlb (512 entries, 4 ways): %.1fM hits/s\n", hits / 1e6);
	printf("\ntargets (4 KiB formats: intel-vtd, amd-v1, arm-lpae-4k):\n");
	printf("  %-44s %s\n", ">= 20 million translations/s", ok_translate ? "PASS" : "MISS");
	printf("  %-44s %s\n", ">= 5 million 4 KiB map+unmap pairs/s", ok_pairs ? "PASS" : "MISS");
	printf("  %-44s %s\n", "model memory within 10% of the table memory", ok_memory ? "PASS" : "MISS");
	printf("  %-44s %s\n", ">= 100 million IOTLB hits/s", hits >= 100e6 ? "PASS" : "MISS");
	return 0;
}
