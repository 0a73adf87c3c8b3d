/* iova.h - a model of dma-iommu's IOVA allocator (KERNEL-FACTS.md 7.4):
 * the size-aligned, top-down allocator of drivers/iommu/iova.c with its
 * per-size range caches, reservations, and the PCI 32-bit-first rule of
 * iommu_dma_alloc_iova in drivers/iommu/dma-iommu.c.
 *
 * Addresses and sizes are bytes; inside, the domain counts granules
 * ("pfns" in the kernel's words: IOVA page numbers, not CPU page frames).
 *
 * What is exact and what is approximated:
 *  - Exact: the granule, pfn 0 never handed out (start_pfn >= 1), size
 *    rounding (n < 32 granules rounds up to a power of two when the rcache
 *    is on), size alignment (the start aligned to roundup_pow_of_two(n)),
 *    the limit, reserve_iova's merging, the rcache magazines (LIFO pop
 *    with the limit check, loaded/prev swap, the depot bound, the rcache
 *    flush and retry when the tree is full), the max32_alloc_size
 *    fast-fail, and the SAC rule before and after 6.6.
 *  - Approximated: the kernel starts each search at a cached node
 *    (cached32_node below 4 GiB, cached_node above: the last allocation,
 *    moved up by frees above it), takes the first fit going down from
 *    there, and looks above it only when nothing fits below. So it skips
 *    the holes that alignment leaves above its last allocation (after 1,
 *    3 and 64 pages at the top of the 32-bit space, a 33-page request goes
 *    to 0xfff40000, below the 64-page block, where this model takes the
 *    hole at 0xfffc0000), and after frees it can place a block below a
 *    higher free one. This model always takes the highest free
 *    size-aligned block whose end is <= the limit. The two agree while no
 *    hole lies above the kernel's cached node, e.g. for allocations of
 *    one power-of-two size with no frees.
 *  - One CPU: the kernel keeps a loaded and a prev magazine per CPU per
 *    size; here there is one CPU, so one pair per size, plus the depot.
 *  - Before about 6.7 the depot held at most MAX_GLOBAL_MAGS (32) full
 *    magazines and the next full one went back to the tree; about 6.7 ("iommu/
 *    iova: Make the rcache depot scale better") lets it grow and trims it
 *    to one magazine per online CPU every 100 ms. There is no clock here:
 *    depot_mags bounds the depot (default 32, the older rule).
 *
 * Cost: the tree is a treap (balanced with random priorities from a
 * seeded generator, so runs are reproducible) of the allocated and
 * reserved ranges, each node augmented with the free gap below it, a key
 * saying exactly which size-aligned requests that gap can hold, and the
 * subtree's largest key and sum of gaps. An allocation descends only into
 * subtrees that hold a fitting gap, so it costs O(log n) expected: the
 * one gap cut by the limit is the only place it can look in vain. */
#ifndef IOMMUCTL_IOVA_H
#define IOMMUCTL_IOVA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* include/linux/iova.h / drivers/iommu/iova.c */
#define IOVA_RANGE_CACHE_MAX_SIZE 6 /* caches hold sizes 2^0 .. 2^5 granules */
#define IOVA_MAG_SIZE 127           /* 128 in older kernels */
#define IOVA_MAX_GLOBAL_MAGS 32     /* the depot bound before about 6.7 */

/* How a PCI device's first allocations try the 32-bit space. */
enum iova_sac_mode {
	/* 6.6+: try below 4 GiB until the first failure, then never again
	 * for this device ("Using %d-bit DMA addresses"). */
	IOVA_SAC_UNTIL_FAILURE,
	/* before 6.6: try below 4 GiB first on every allocation. */
	IOVA_SAC_EVERY_TIME,
};

struct iova_config {
	uint64_t granule;        /* bytes; a power of two >= 4096 */
	uint64_t start_pfn;      /* first usable granule, >= 1 (dma-iommu:
	                          * max(1, aperture_start >> shift)) */
	uint64_t aperture_end;   /* last usable byte address (e.g. 2^48 - 1) */
	bool rcache;             /* alloc_iova_fast's range caches */
	unsigned mag_size;       /* magazine capacity; 0: IOVA_MAG_SIZE */
	unsigned depot_mags;     /* depot bound; 0: IOVA_MAX_GLOBAL_MAGS */
	enum iova_sac_mode sac_mode;
	uint32_t seed;           /* tree balancing; any value, 0 included */
};

/* 4 KiB granule, start pfn 1, 48-bit aperture, rcache on, 6.6+ SAC. */
void iova_config_default(struct iova_config *c);

/* Counters since init. Sizes are what the tree holds: an allocation of n
 * granules counts roundup(n) granules when the rcache rounds it. */
struct iova_stats {
	uint64_t live_allocs;    /* handed out and not freed */
	uint64_t live_bytes;
	uint64_t cached_allocs;  /* freed into an rcache, still in the tree */
	uint64_t cached_bytes;
	uint64_t reserved_bytes; /* reserved inside [start_pfn, aperture] */
	uint64_t allocs;         /* successful iova_alloc / iova_dma_alloc */
	uint64_t frees;          /* successful iova_free / iova_dma_free */
	uint64_t failures;       /* allocations that returned -ENOMEM */
	uint64_t rcache_hits;    /* allocation attempts served by an rcache */
	uint64_t rcache_misses;  /* cacheable attempts the rcache could not serve */
	uint64_t rcache_flushes; /* times a full tree emptied the rcaches */
	uint64_t sac_fallbacks;  /* 32-bit attempts that failed, so the full
	                          * limit was used (6.6+: once per device) */
	uint64_t tree_steps;     /* tree nodes visited, to check the cost */
};

/* One node of the tree; internal, here so that a domain can live on the
 * stack. */
struct iova_node {
	uint64_t lo, hi;         /* the range, in granules, inclusive */
	uint64_t gap;            /* free granules just below lo */
	uint64_t fit;            /* what the gap can hold (iova.c gap_fit) */
	uint64_t max_fit;        /* the largest fit in this subtree */
	uint64_t sum_gap;        /* free granules in this subtree's gaps */
	uint32_t left, right;    /* pool indices; 0 is none */
	uint32_t prio;
	uint8_t kind;
};

struct iova_magazine {
	unsigned size;
	uint32_t *nodes;         /* node indices, the most recent last */
};

struct iova_rcache {
	struct iova_magazine loaded, prev;
	struct iova_magazine *depot; /* full magazines, the newest last */
	size_t depot_size, depot_cap;
};

struct iova_domain {
	struct iova_config cfg;
	unsigned shift;
	uint64_t max_pfn;         /* aperture_end >> shift */
	uint64_t dma_32bit_pfn;   /* 1 << (32 - shift) */
	uint64_t max32_alloc_size;
	struct iova_node *nodes;  /* pool; index 0 unused */
	size_t nnodes, cap;
	uint32_t free_list, root, floor, anchor;
	uint32_t rng;
	struct iova_rcache rcaches[IOVA_RANGE_CACHE_MAX_SIZE];
	struct iova_stats stats;
};

/* A device as dma-iommu sees it. */
struct iova_dev {
	bool pci;
	/* dev->iommu->pci_32bit_workaround: set for PCI devices unless
	 * iommu.forcedac=1; cleared by the first failed 32-bit try (6.6+). */
	bool sac_workaround;
	uint64_t bus_dma_limit;   /* 0: none */
};
void iova_dev_init(struct iova_dev *dev, bool pci, bool forcedac);

/* 0, or -EINVAL for a granule that is not a power of two >= 4096, a
 * start_pfn of 0, or an aperture that ends before start_pfn. */
int iova_domain_init(struct iova_domain *d, const struct iova_config *c);
void iova_domain_release(struct iova_domain *d);

/* reserve_iova(pfn(start), pfn(end)): the granules holding [start, end]
 * are never handed out. A range overlapping earlier reservations extends
 * them, as the kernel does; parts beyond the aperture are ignored. 0, or
 * -EINVAL (end < start), or -EBUSY when the range overlaps an allocation
 * (the kernel reserves only while setting the domain up). */
int iovad_reserve(struct iova_domain *d, uint64_t start, uint64_t end_inclusive);

/* alloc_iova_fast: SIZE bytes (rounded up to the granule) whose last byte
 * is <= LIMIT (clamped to the aperture). The rcache first, then the tree,
 * then the tree again after emptying the rcaches. 0 and *iova, or -EINVAL
 * (size 0) or -ENOMEM. */
int iova_alloc(struct iova_domain *d, uint64_t size, uint64_t limit, uint64_t *iova);

/* free_iova_fast: IOVA (an offset inside its first granule is ignored)
 * and the SIZE it was allocated with. Small sizes go to their rcache
 * (which may push a full magazine back to the tree), others to the tree.
 * 0, or -EINVAL when IOVA does not start a live allocation of that size. */
int iova_free(struct iova_domain *d, uint64_t iova, uint64_t size);

/* iommu_dma_alloc_iova: limit = min_not_zero(dma_limit, bus_dma_limit),
 * clamped to the aperture; for a PCI device with sac_workaround and a
 * limit above 4 GiB - 1, first below 4 GiB without emptying the rcaches,
 * then the full limit. *fell_back says this call cleared the device's
 * workaround (6.6+ mode only): the kernel then logs "Using %d-bit DMA
 * addresses" with iova_addr_bits(limit). Returns like iova_alloc. */
int iova_dma_alloc(struct iova_domain *d, struct iova_dev *dev, uint64_t size,
		   uint64_t dma_limit, uint64_t *iova, bool *fell_back);
/* iommu_dma_free_iova without a flush queue (see iotlb.h for that). */
int iova_dma_free(struct iova_domain *d, uint64_t iova, uint64_t size);

/* bits_per(limit): the bit count the kernel prints, 48 for 2^48 - 1. */
int iova_addr_bits(uint64_t limit);

const struct iova_stats *iova_get_stats(const struct iova_domain *d);

/* Free bytes at or below LIMIT: the granules in [start_pfn, limit] that
 * are neither allocated, reserved nor held by an rcache. */
uint64_t iova_free_bytes_below(const struct iova_domain *d, uint64_t limit);

/* The largest free size-aligned block at or below LIMIT, in bytes: the
 * largest 2^k granules such that some run of 2^k free granules (free as
 * above) starts at a multiple of 2^k and ends at or below LIMIT, i.e. the
 * largest power-of-two allocation the tree could still satisfy. 0 when
 * nothing is free. */
uint64_t iova_largest_free_block(const struct iova_domain *d, uint64_t limit);

#endif
