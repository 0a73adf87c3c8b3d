/* pgtable.h - a software model of the IOMMU page tables the Linux kernel
 * builds (KERNEL-FACTS.md section 7): Intel VT-d second-stage tables, AMD-Vi
 * v1 tables and ARM LPAE stage-1 tables with 4K, 16K and 64K granules.
 *
 * The tables are real multi-level radix tables in memory, one heap block per
 * table page holding its entries as the format lays them out, so that table
 * counts, table memory and walk depth are the kernel's.  Mapping and
 * unmapping follow the kernel's code path: iommu_map()/iommu_unmap() in
 * drivers/iommu/iommu.c split the range with iommu_pgsize(), then the
 * format's driver code does what it does, quirks included:
 *
 *   VT-d  drivers/iommu/intel/iommu.c  __domain_mapping, switch_to_super_page,
 *         intel_iommu_unmap, domain_unmap, dma_pte_clear_level, pfn_to_dma_pte
 *   AMD   drivers/iommu/amd/io_pgtable.c  iommu_v1_map_pages, alloc_pte,
 *         increase_address_space, iommu_v1_unmap_pages, fetch_pte
 *   ARM   drivers/iommu/io-pgtable-arm.c  arm_lpae_map_pages, __arm_lpae_map,
 *         arm_lpae_init_pte, __arm_lpae_unmap, arm_lpae_alloc_pgtable
 *         (the post-6.13 code: arm_lpae_split_blk_unmap was removed by commit
 *         33729a5fc0ca "Remove split on unmap behavior"; a partial unmap of
 *         a block is refused)
 *
 * The driver code followed is that of the kernels that still have these
 * per-driver page tables (about 6.13 to 6.17; the VT-d and AMD copies read
 * use iommu_pages_list); from about 6.18 the kernel moves formats to the
 * common generic_pt code, whose answers for the odd cases below may differ.
 *
 * Where the kernel's behaviour differs per format (an IOVA already mapped,
 * a partial unmap of a large page, an unmap of nothing) the model does what
 * that format's code does; see pt_map() and pt_unmap().  Nothing here is
 * thread-safe: one table, one thread.
 *
 * Tables are freed where the kernel frees them, and only there:
 *   VT-d  on unmap, every table whose whole span the range of one
 *         intel_iommu_unmap() call covers (domain_unmap); on map, the
 *         tables below a new superpage (switch_to_super_page).
 *   AMD   never on unmap; on map, the tables below a new large page
 *         (free_clear_pte).  Its levels only grow.
 *   ARM   on unmap, a table whose parent entry is unmapped as one piece of
 *         its span (__arm_lpae_unmap); on map, the table a block replaces
 *         (arm_lpae_init_pte).  Unmapping its pages one by one frees none.
 *   The top table lives as long as the pt_table.
 *
 * Entry encodings (pt_walk_step.entry, bit numbers of the 64-bit entry):
 *   VT-d  R 0, W 1, SP (superpage) 7, address 12-51.  A table entry is
 *         address|R|W (pfn_to_dma_pte).
 *   AMD   PR 0, next level 9-11, address 12-51, FC 60, IR 61, IW 62.  A
 *         table entry is PM_LEVEL_PDE(level, address) (PR|IR|IW, next level
 *         = the level of the table holding it); a leaf has next level 0, a
 *         page of a size between the natural ones has next level 7 and its
 *         size folded into the address bits (PAGE_SIZE_PTE), repeated in
 *         each of its 2^((log2 size - 12) % 9) entries.
 *   ARM   valid 0, type 1 (table/page 1, block 0), AP[2:1] 6-7 (UNPRIV 6,
 *         RDONLY 7), SH 8-9 (outer shareable), AF 10, nG 11, address
 *         granule..47.
 * The "address" of a table entry is the model's physical address of the
 * child table: its page number in the model's table pool times the granule
 * (the kernel's virt_to_phys of the table page).
 *
 * Level numbers are each format's own:
 *   VT-d  1 (4 KiB entries) .. 5; the top table of a 4-level table is 4.
 *   AMD   0 (4 KiB entries) .. 5 (PM_LEVEL_INDEX); the top is mode - 1.
 *   ARM   3 (granule entries) up from the start level (0, 1 or 2).
 * A table's level is the level of its entries. */
#ifndef IOMMUCTL_PGTABLE_H
#define IOMMUCTL_PGTABLE_H

#include <stdbool.h>
#include <stdint.h>

enum pt_format { PT_INTEL_VTD, PT_AMD_V1, PT_ARM_LPAE_4K, PT_ARM_LPAE_16K, PT_ARM_LPAE_64K };
#define PT_FORMAT_COUNT 5

/* "intel-vtd", "amd-v1", "arm-lpae-4k", "arm-lpae-16k", "arm-lpae-64k";
 * NULL for a value outside the enum. */
const char *pt_format_id(enum pt_format f);
/* Those ids, indexed by the enum, NULL-terminated. */
extern const char *const pt_format_ids[PT_FORMAT_COUNT + 1];
bool pt_format_parse(const char *id, enum pt_format *out);

struct pt_config {
	enum pt_format format;
	/* Input address width, bits; 0 = the format's default (48).
	 *   VT-d: 31..57; the levels are agaw + 2 with agaw =
	 *         DIV_ROUND_UP(aw - 30, 9) (39 -> 3, 48 -> 4, 57 -> 5; 46, a
	 *         common MGAW, -> 4), the aperture 2^aw - 1.
	 *   AMD:  32..64; the table starts at 3 levels and grows to
	 *         DIV_ROUND_UP(aw - 12, 9) (at least 3).
	 *   ARM:  the ias, 32..48. */
	unsigned aw;
	/* 0 = every leaf size the format allows at that width; otherwise a
	 * subset of those that includes the granule.  VT-d superpage support is
	 * a number of levels (SLLPS), so its subsets are 4K, 4K|2M, 4K|2M|1G. */
	uint64_t pgsize_bitmap;
};

struct pt_geometry {
	unsigned levels;         /* levels of the table as built (AMD v1 grows on demand: current) */
	unsigned max_levels;
	unsigned aw;             /* bits of IOVA the table translates */
	uint64_t granule;        /* smallest page */
	uint64_t pgsize_bitmap;  /* leaf sizes usable */
	uint64_t iova_max;       /* last translatable IOVA (inclusive) */
};

struct pt_table;

/* 0, or -EINVAL when the geometry is impossible (aw out of range for the
 * format, a bitmap without the granule or with a size the format cannot
 * map).  *out is a new empty table (its top table allocated). */
int pt_create(const struct pt_config *cfg, struct pt_table **out);
void pt_free(struct pt_table *t);
void pt_get_geometry(const struct pt_table *t, struct pt_geometry *g);

#define PT_PROT_READ 1u
#define PT_PROT_WRITE 2u

/* iommu_map(): splits [iova, iova+size) with iommu_pgsize() into the
 * largest pages the bitmap and the joint alignment of iova and phys allow,
 * and maps them as the format's driver does.  Returns
 *   0        mapped (see below for what "already mapped" does)
 *   -EINVAL  iova, phys or size not a multiple of the granule, size 0,
 *            [iova, iova+size) beyond iova_max, phys beyond the format's
 *            output addresses (52 bits; ARM 48), prot without READ or WRITE.
 *            (The kernel returns 0 for size 0 and, beyond the aperture,
 *            -EFAULT (VT-d), -ERANGE (ARM) or -ENOMEM (AMD, which cannot
 *            grow further); the model reports all of these as -EINVAL.)
 *   -EEXIST  ARM: a leaf already maps part of the range (arm_lpae_init_pte,
 *            __arm_lpae_map "We require an unmap first").  A block mapped
 *            over a table frees the table and whatever it mapped.
 *   -EFAULT  VT-d only: a smaller page inside an existing superpage.  The
 *            kernel's pfn_to_dma_pte() then walks the superpage's memory as
 *            if it were a page table (undefined behaviour); the model
 *            refuses instead.
 * Already mapped, VT-d: a 4 KiB PTE that is already set is left as it was
 * and the call still returns 0 ("DMA PTE for vPFN ... already set", a
 * WARN); a superpage replaces whatever was mapped below it
 * (switch_to_super_page frees those tables).
 * Already mapped, AMD: the new mapping replaces the old, returning 0: a
 * table below is freed (free_clear_pte), a large page above is dropped in
 * favour of a new table (alloc_pte), so the rest of that large page becomes
 * unmapped.
 * On failure, as in iommu_map(), what this call mapped is unmapped again.
 * Each WARN the kernel would print adds one to pt_stats.kernel_warnings.
 * Write-only stays write-only on VT-d and AMD; ARM stage 1 cannot express
 * it and maps it read-write (arm_lpae_prot_to_pte). */
int pt_map(struct pt_table *t, uint64_t iova, uint64_t phys, uint64_t size, unsigned prot);

/* iommu_unmap(): returns the bytes unmapped, which can exceed SIZE, and
 * sets *err (err may be NULL).
 *   VT-d  intel_iommu_unmap() widens each piece to the page (or the
 *         missing table) found at its first IOVA and clears everything in
 *         [iova, iova + returned): a 4 KiB unmap inside nothing at all
 *         returns the span of the empty entry (up to 512 GiB) with *err 0.
 *         Tables whose whole span is cleared are freed.  A range that ends
 *         or starts inside a superpage it does not cover sets -EFAULT and
 *         unmaps nothing more (the kernel would walk the superpage's memory
 *         as a table).
 *   AMD   each page found is unmapped whole (a 4 KiB unmap inside a 2 MiB
 *         page returns 2 MiB); an empty entry in an existing leaf table
 *         counts as 4 KiB unmapped (fetch_pte does not test it); an empty
 *         entry above the leaf table stops the unmap: *err = -ENOENT.  No
 *         table is ever freed by an unmap.
 *   ARM   a piece of a block is refused ("Unmap of a partial large IOPTE is
 *         not allowed", 0 bytes): *err = -EINVAL; an empty entry stops the
 *         unmap: *err = -ENOENT.  A piece the size of a table's span frees
 *         that table; 4 KiB unmaps free none.
 * *err = -EINVAL, nothing done, for size 0, an IOVA or size that is not a
 * multiple of the granule, or a range beyond iova_max. */
uint64_t pt_unmap(struct pt_table *t, uint64_t iova, uint64_t size, int *err);

/* The fast path (iova_to_phys): true and *phys when mapped (and
 * *page_size, *prot if non-NULL).  Never allocates. */
bool pt_translate(const struct pt_table *t, uint64_t iova, uint64_t *phys, uint64_t *page_size,
		  unsigned *prot);

/* A traced walk: one step per level visited, top first. */
struct pt_walk_step {
	unsigned level;          /* the format's numbering (above) */
	unsigned index;          /* entry index in that table */
	uint64_t entry;          /* the entry as stored (encodings above) */
	bool leaf;               /* this entry maps a page */
};
struct pt_walk {
	unsigned nsteps;
	struct pt_walk_step step[8];
	bool mapped;
	uint64_t phys, page_size;
	unsigned prot;
};
void pt_walk(const struct pt_table *t, uint64_t iova, struct pt_walk *w);

struct pt_stats {
	uint64_t table_pages;        /* tables allocated, the top one included */
	uint64_t table_bytes;        /* their real size in the format (ARM pgd may be < granule) */
	uint64_t table_pages_by_level[8]; /* by the format's level number */
	uint64_t pages_by_size[64];  /* leaf pages mapped, by log2(size) (AMD replicated PTEs count once per page) */
	uint64_t mapped_bytes;
	uint64_t model_bytes;        /* heap the model itself uses for tables */
	uint64_t kernel_warnings;    /* WARN()s the kernel would have printed */
};
void pt_get_stats(const struct pt_table *t, struct pt_stats *st);

#endif
