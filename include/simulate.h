/* simulate.h - replays a trace of IOMMU operations (`iommuctl simulate`)
 * through the software models: the page-table formats (pgtable.h), the
 * IOVA allocator (iova.h) and the IOTLB with strict or lazy invalidation
 * (iotlb.h).
 *
 * The trace format, one operation a line ('#' starts a comment; numbers
 * are decimal or 0x hex, sizes may end in K, M or G):
 *   map IOVA PHYS SIZE [r|w|rw]  iommu_map: split into pages as the kernel does
 *   unmap IOVA SIZE              iommu_unmap: cleared and invalidated at once
 *   translate IOVA               a device access: the IOTLB, else a page walk
 *   dma_map SIZE [MASK_BITS]     dma-iommu: an IOVA below the device's mask
 *                                (64 bits unless given) mapped to a buffer
 *                                the model places; prints a handle
 *   dma_unmap HANDLE             dma-iommu unmap: strict invalidates now,
 *                                lazy queues the IOVA until a flush
 *   reserve IOVA SIZE            a reserved region: never allocated
 *   advance TIME                 the virtual clock (ns, or with us, ms, s):
 *                                the lazy flush timer may fire
 *   flush                        flush_iotlb_all
 *
 * Pure: no files; the command reads the trace and prints the results. */
#ifndef IOMMUCTL_SIMULATE_H
#define IOMMUCTL_SIMULATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iova.h"
#include "pgtable.h"

struct sim_config {
	enum pt_format format;
	unsigned aw;               /* 0: the format's default */
	bool lazy;                 /* DMA-FQ: flush queue; else strict (DMA) */
	bool forcedac;             /* iommu.forcedac=1 */
	bool sac_every_time;       /* before 6.6: 32-bit first on every dma_map */
	unsigned iotlb_entries;    /* 0: the model's default */
	bool msi_window;           /* reserve 0xfee00000-0xfeefffff (x86) */
	uint64_t max_map_pages;    /* 0: SIM_MAX_PAGES_PER_MAP */
	uint64_t max_table_bytes;  /* 0: SIM_MAX_TABLE_BYTES */
};
/* x86 formats reserve the MSI window, Arm ones (whose MSI window dma-iommu
 * manages itself) do not. */
void sim_config_default(struct sim_config *c, enum pt_format format);

enum sim_op { SIM_MAP, SIM_UNMAP, SIM_TRANSLATE, SIM_DMA_MAP, SIM_DMA_UNMAP, SIM_RESERVE, SIM_ADVANCE, SIM_FLUSH };
const char *sim_op_name(enum sim_op op);

/* What one operation did. */
struct sim_result {
	unsigned long line;
	enum sim_op op;
	bool ok;
	int err;                 /* negative errno of a failed operation */
	const char *outcome;     /* "mapped", "unmapped", "hit", "miss", "stale",
				  * "fault", "queued", "failed", "reserved",
				  * "advanced", "flushed" */
	uint64_t iova, phys, size;
	uint64_t handle;         /* dma_map, dma_unmap */
	uint64_t pages_by_size[64]; /* map, dma_map: the leaf pages it made, by log2 */
	unsigned walk_levels;    /* translate: levels walked on a miss */
	uint64_t flushes;        /* IOTLB full flushes this operation caused */
	bool sac_fallback;       /* dma_map: "Using N-bit DMA addresses" */
	bool too_big;            /* refused by the model's own limits (E2BIG) */
};

/* The model's own limits by default (sim_config can lower them), so that
 * a trace cannot make it run for minutes or take gigabytes: at most 16 Mi
 * leaf pages in one map (64 GiB of 4 KiB pages), and no map once the
 * tables take 1 GiB. */
#define SIM_MAX_PAGES_PER_MAP (1ull << 24)
#define SIM_MAX_TABLE_BYTES (1ull << 30)

struct sim_totals {
	struct pt_stats pt;
	struct pt_geometry geo;
	uint64_t ops, failed;
	uint64_t translations, faults;
	uint64_t iotlb_hits, iotlb_misses, iotlb_stale_hits, iotlb_evictions;
	uint64_t invalidations;           /* range invalidations + full flushes */
	uint64_t range_invalidations, full_flushes;
	uint64_t stale_window_ns, stale_window_ops;
	uint64_t iova_allocs, iova_frees, iova_failures, iova_rcache_hits, iova_sac_fallbacks;
	uint64_t iova_live, iova_live_bytes;
	uint64_t iova_free_below_4g, iova_largest_free_below_4g;
	uint64_t dma_live;                /* handles mapped and not unmapped */
};

struct sim;
/* 0, or -EINVAL with *why (heap) for an impossible configuration. */
int sim_create(const struct sim_config *c, struct sim **out, char **why);
void sim_free(struct sim *s);

/* Runs LINE (number LINENO).  Returns 1 with *R filled for an operation,
 * 0 for a blank or comment line, -1 with WHY for a line that is not an
 * operation (nothing is done then). */
int sim_step(struct sim *s, unsigned long lineno, const char *line, struct sim_result *r, char *why, size_t whylen);
void sim_get_totals(const struct sim *s, struct sim_totals *t);
void sim_get_geometry(const struct sim *s, struct pt_geometry *g);

/* ---- output (render-simulate.c): streamed, a result at a time ------------------ */

struct sim_output {
	bool json, pretty, totals_only;
	size_t width;            /* text: a terminal's width; 0: none */
	const struct sim_config *cfg;
	unsigned long results;
	void *doc;               /* -p: the document built in memory (json_t) */
};
void sim_output_begin(struct sim_output *o, bool json, bool pretty, bool totals_only, const struct sim_config *cfg,
		      const struct pt_geometry *geo, size_t width);
void sim_output_result(struct sim_output *o, const struct sim_result *r);
/* The totals, and the end of the document.  0, or -1 if the output failed. */
int sim_output_end(struct sim_output *o, const struct sim_totals *t);
/* After an error (MESSAGE, exit STATUS): under -j the document ends with an
 * "error" object after the results so far (with -p the error document
 * stands alone); nothing in text. */
void sim_output_abort(struct sim_output *o, const char *message, int status);
/* "4K", "2M", "1G", "512G": a page size of 2^LOG2 bytes. */
const char *sim_size_name(unsigned log2, char *buf, size_t len);

#endif
