/* dmapath.h - where one streaming DMA mapping goes (`iommuctl dma-path`):
 * straight to the physical address, through a swiotlb bounce slot, through
 * the IOMMU at an IOVA, or nowhere (the mapping fails) - on this machine
 * as the snapshot shows it, or after a reboot with another command line.
 *
 * Pure function over a snapshot loaded with SNAP_LOAD_DMA | SNAP_LOAD_HOST
 * (KERNEL-FACTS.md 5.4, 5.5, 7.4). */
#ifndef IOMMUCTL_DMAPATH_H
#define IOMMUCTL_DMAPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmdline.h"
#include "model.h"
#include "swiotlb.h"

enum dma_direction { DMA_DIR_TO_DEVICE, DMA_DIR_FROM_DEVICE, DMA_DIR_BIDIRECTIONAL };
const char *dma_direction_id(enum dma_direction d); /* "to-device", ... */
/* Those ids, indexed by the enum, NULL-terminated. */
extern const char *const dma_direction_ids[];
bool dma_direction_parse(const char *s, enum dma_direction *out);

enum dma_path_kind { DMA_PATH_DIRECT, DMA_PATH_BOUNCE, DMA_PATH_TRANSLATED, DMA_PATH_FAIL };
const char *dma_path_id(enum dma_path_kind k); /* "direct", "bounce", "translated", "fail" */

struct dma_path_request {
	size_t dev;                  /* index into snapshot.dev */
	uint64_t phys, size;
	enum dma_direction dir;
	/* the command line of the what-if, or NULL for the machine as it is */
	const char *cmdline;
};

struct dma_path {
	enum dma_path_kind path;
	bool translated;             /* an IOMMU translates the address the device uses */
	const char *domain_type;     /* "DMA", "DMA-FQ", "identity", or NULL (no IOMMU) */
	bool domain_type_guessed;    /* the kernel's build decides: x86's default taken */
	int dma_mask_bits;
	uint64_t dma_limit;          /* the last address the device can reach */
	bool has_bus_range;
	uint64_t bus_start, bus_end; /* what the device is given (end inclusive) */
	bool bus_range_first_fit;    /* an IOVA: the allocator's first choice in an empty domain */
	bool iova_32bit_first;       /* the allocator tries below 4 GiB first */
	uint64_t bounce_slabs;       /* slabs of the pool a bounce takes */
	const char *pool;            /* the pool it bounces through, or NULL */
	bool pool_present;           /* a swiotlb pool exists (would exist, for a what-if) */
	char *kernel_message;        /* what the kernel logs on failure, or NULL */
	struct strvec reasons;       /* why, one sentence each, in order */
};

/* 0, or -EINVAL with *why (heap) when the request makes no sense (size 0,
 * the range wraps, the device's DMA mask is unknown). */
int dma_path_predict(const struct snapshot *s, const struct swiotlb_report *r, const struct dma_path_request *q,
		     struct dma_path *out, char **why);
void dma_path_release(struct dma_path *p);

#endif
