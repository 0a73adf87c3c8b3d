/* dma.h - how DMA reaches memory where no IOMMU translates it: the swiotlb
 * bounce-buffer pools as debugfs shows them (KERNEL-FACTS.md 5.2), the
 * extent of system RAM from the firmware memory map, and each function's
 * DMA masks (pci_device.dma_mask_bits).  Loaded through sysroot with
 * SNAP_LOAD_DMA; never prints, never exits. */
#ifndef IOMMUCTL_DMA_H
#define IOMMUCTL_DMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* IO_TLB_SHIFT is 11: one slab is 2 KiB; a bounce is at most IO_TLB_SEGSIZE
 * (128) contiguous slabs, 256 KiB. */
#define SWIOTLB_SLAB_BYTES 2048u
#define SWIOTLB_SEGSIZE 128u

/* One debugfs counter: absent (this kernel has no such file), unreadable
 * (err), or a value as printed. */
struct dma_counter {
	bool present;
	int err;          /* 0, or -errno when present but unreadable/malformed */
	uint64_t value;
};
#define DMA_COUNTER_OK(c) ((c).present && !(c).err)

struct swiotlb_pool {
	char *name;       /* "swiotlb" for the default pool, else the restricted
			   * DMA pool's reserved-memory node name */
	bool is_default;
	struct dma_counter nslabs, used, hiwater, transient_nslabs;
};

/* One entry of the firmware memory map: [start, end], end inclusive, and
 * the type as the kernel prints it ("System RAM", "Reserved", ...). */
struct memmap_range {
	uint64_t start, end;
	char *type;
};

struct dma_facts {
	bool loaded;
	/* /sys/kernel/debug/swiotlb: 0 listed, else -errno (-ENOENT: not
	 * there; -EACCES: debugfs is root-only) */
	int swiotlb_err;
	/* debugfs on /sys/kernel/debug per the mount table: 1, 0, -1 unknown */
	int debugfs_mounted;
	struct swiotlb_pool *pools;   /* the default pool first */
	size_t npools;
	/* the memory map, sorted by start */
	struct memmap_range *memmap;
	size_t nmemmap;
	const char *memmap_source;    /* "/sys/firmware/memmap", "/proc/iomem" or NULL */
	bool iomem_hidden;            /* /proc/iomem showed only zeros (not root) */
	uint64_t ram_top;             /* last byte of System RAM + 1; 0 if unknown */
};

void dma_facts_init(struct dma_facts *f);
void dma_facts_release(struct dma_facts *f);

/* Bytes of SLABS swiotlb slabs. */
static inline uint64_t swiotlb_bytes(uint64_t slabs)
{
	return slabs * SWIOTLB_SLAB_BYTES;
}

#endif
