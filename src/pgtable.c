/* pgtable.c - the IOMMU page-table model (include/pgtable.h).
 *
 * Internally a level is counted from the leaf: l = 0 is the table whose
 * entries map one granule, l = levels - 1 the top table.  Each table page
 * is one heap block (its entries, nothing else) in a pool indexed by page
 * number; an entry's address field holds page number << granule shift, so
 * a walk is the hardware's: read the entry, mask the address, index. */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "pgtable.h"
#include "util.h"

/* drivers/iommu/intel/iommu.h: DMA_PTE_READ, DMA_PTE_WRITE, DMA_PTE_LARGE_PAGE */
#define VTD_R 1ull
#define VTD_W 2ull
#define VTD_SP (1ull << 7)
#define ADDR_MASK_52 0x000ffffffffff000ull
/* drivers/iommu/amd/amd_iommu_types.h: IOMMU_PTE_PR/FC/IR/IW, PM_LEVEL_ENC */
#define AMD_PR 1ull
#define AMD_FC (1ull << 60)
#define AMD_IR (1ull << 61)
#define AMD_IW (1ull << 62)
#define AMD_NL(e) ((unsigned)((e) >> 9) & 7u)
#define AMD_NL_ENC(x) ((uint64_t)(x) << 9)
#define AMD_NL_REPLICATED 7u /* PAGE_MODE_7_LEVEL */
/* drivers/iommu/io-pgtable-arm.c: ARM_LPAE_PTE_* */
#define ARM_TYPE_MASK 3ull
#define ARM_TYPE_TABLE 3ull /* also the page type at the last level */
#define ARM_TYPE_BLOCK 1ull
#define ARM_AP_UNPRIV (1ull << 6)
#define ARM_AP_RDONLY (2ull << 6)
#define ARM_SH_OS (2ull << 8)
#define ARM_AF (1ull << 10)
#define ARM_NG (1ull << 11)
#define ARM_OAS 48

struct pt_table {
	enum pt_format format;
	unsigned aw;
	unsigned gshift;        /* log2 of the granule */
	unsigned bpl;           /* index bits per level */
	unsigned top_bits;      /* index bits of the top table (ARM: pgd_bits) */
	unsigned levels, max_levels;
	unsigned vtd_superpage; /* VT-d: superpage levels (domain->iommu_superpage) */
	uint64_t iova_max, phys_max;
	uint64_t pgsize_bitmap;
	uint64_t addr_mask;     /* the address bits of an entry */
	uint32_t root;
	/* per level: where its index starts in an IOVA and how wide it is */
	unsigned char shift[8];
	uint64_t index_mask[8];

	uint64_t **pool;        /* table page number -> its entries; NULL when free */
	uint32_t pool_len;
	size_t pool_cap;
	uint32_t *free_ids;
	size_t nfree, free_cap;

	uint64_t table_pages, table_bytes, heap_bytes, warnings, mapped_bytes;
	uint64_t by_level[8];
	uint64_t ptes_by_size[64]; /* leaf entries, by log2 of the page they belong to */
};

/* ---- geometry helpers ----------------------------------------------------------- */

static inline unsigned lvl_shift(const struct pt_table *t, unsigned l)
{
	return t->shift[l];
}

static inline uint64_t lvl_span(const struct pt_table *t, unsigned l)
{
	return 1ull << lvl_shift(t, l);
}

static inline unsigned lvl_bits(const struct pt_table *t, unsigned l)
{
	return l == t->levels - 1 ? t->top_bits : t->bpl;
}

static inline unsigned lvl_index(const struct pt_table *t, unsigned l, uint64_t iova)
{
	return (unsigned)((iova >> t->shift[l]) & t->index_mask[l]);
}

static inline uint64_t *child_of(const struct pt_table *t, uint64_t e)
{
	return t->pool[(e & t->addr_mask) >> t->gshift];
}

static inline uint32_t child_id(const struct pt_table *t, uint64_t e)
{
	return (uint32_t)((e & t->addr_mask) >> t->gshift);
}

/* The format's own number for internal level l (see pgtable.h). */
static unsigned format_level(const struct pt_table *t, unsigned l)
{
	switch (t->format) {
	case PT_INTEL_VTD:
		return l + 1;
	case PT_AMD_V1:
		return l;
	default:
		return 3 - l;
	}
}

static inline uint64_t mask_upto(unsigned bit)
{
	return bit >= 63 ? ~0ull : (2ull << bit) - 1;
}

static inline unsigned log2_u64(uint64_t v)
{
	return 63u - (unsigned)__builtin_clzll(v);
}

/* AMD: the PTEs a page of SIZE takes at its level (PAGE_SIZE_PTE_COUNT). */
static inline unsigned amd_replicas(uint64_t size)
{
	return 1u << ((log2_u64(size) - 12) % 9);
}

/* AMD: the size a next-level-7 PTE encodes (PTE_PAGE_SIZE: the first zero
 * address bit marks half the size). */
static inline uint64_t amd_pte_page_size(uint64_t e)
{
	return 1ull << (1 + __builtin_ctzll(~(e | 0xfffull)));
}

/* AMD PM_LEVEL_SIZE(mode): the last address a table of MODE levels reaches. */
static inline uint64_t amd_level_size(unsigned mode)
{
	return mode < 6 ? (1ull << (12 + 9 * mode)) - 1 : ~0ull;
}

/* The format is a parameter of these two so that the walk can be compiled
 * once per format with it constant. */
static inline bool format_entry_present(enum pt_format f, uint64_t e)
{
	return f == PT_INTEL_VTD ? (e & (VTD_R | VTD_W)) != 0 : (e & 1) != 0;
}

/* True when present entry E at level l maps a page rather than a table. */
static inline bool format_entry_is_leaf(enum pt_format f, unsigned l, uint64_t e)
{
	switch (f) {
	case PT_INTEL_VTD:
		return l == 0 || (e & VTD_SP);
	case PT_AMD_V1:
		return l == 0 || AMD_NL(e) == 0 || AMD_NL(e) == AMD_NL_REPLICATED;
	default:
		/* iopte_leaf(); a block type at the last level is reserved and
		 * never written, taken as a leaf so no walk goes below it */
		return l == 0 || (e & ARM_TYPE_MASK) == ARM_TYPE_BLOCK;
	}
}

static inline bool entry_present(const struct pt_table *t, uint64_t e)
{
	return format_entry_present(t->format, e);
}

static inline bool entry_is_leaf(const struct pt_table *t, unsigned l, uint64_t e)
{
	return format_entry_is_leaf(t->format, l, e);
}

/* The size of the page leaf E at level l belongs to. */
static inline uint64_t leaf_page_size(const struct pt_table *t, unsigned l, uint64_t e)
{
	if (t->format == PT_AMD_V1 && AMD_NL(e) == AMD_NL_REPLICATED)
		return amd_pte_page_size(e);
	return lvl_span(t, l);
}

static inline unsigned leaf_prot(const struct pt_table *t, uint64_t e)
{
	switch (t->format) {
	case PT_INTEL_VTD:
		return (e & VTD_R ? PT_PROT_READ : 0) | (e & VTD_W ? PT_PROT_WRITE : 0);
	case PT_AMD_V1:
		return (e & AMD_IR ? PT_PROT_READ : 0) | (e & AMD_IW ? PT_PROT_WRITE : 0);
	default:
		/* stage 1 has no write-only: AP says read-only or read-write */
		return PT_PROT_READ | (e & ARM_AP_RDONLY ? 0 : PT_PROT_WRITE);
	}
}

/* ---- table pages and accounting ------------------------------------------------- */

static uint32_t table_alloc(struct pt_table *t, unsigned l)
{
	size_t bytes = (size_t)8 << lvl_bits(t, l);
	uint32_t id;

	if (t->nfree) {
		id = t->free_ids[--t->nfree];
	} else {
		xgrow((void **)&t->pool, &t->pool_cap, (size_t)t->pool_len + 1, sizeof(*t->pool));
		id = t->pool_len++;
	}
	t->pool[id] = xcalloc(1, bytes);
	t->table_pages++;
	t->table_bytes += bytes;
	/* the block and glibc's chunk header */
	t->heap_bytes += malloc_usable_size(t->pool[id]) + sizeof(size_t);
	t->by_level[format_level(t, l)]++;
	return id;
}

static void table_release(struct pt_table *t, uint32_t id, unsigned l)
{
	t->table_pages--;
	t->table_bytes -= (uint64_t)8 << lvl_bits(t, l);
	t->heap_bytes -= malloc_usable_size(t->pool[id]) + sizeof(size_t);
	t->by_level[format_level(t, l)]--;
	free(t->pool[id]);
	t->pool[id] = NULL;
	xgrow((void **)&t->free_ids, &t->free_cap, t->nfree + 1, sizeof(*t->free_ids));
	t->free_ids[t->nfree++] = id;
}

static inline void leaf_account(struct pt_table *t, unsigned l, uint64_t e, int64_t d)
{
	t->ptes_by_size[log2_u64(leaf_page_size(t, l, e))] += (uint64_t)d;
	t->mapped_bytes += (uint64_t)d * lvl_span(t, l);
}

/* Drops what table ID at level l maps; frees it and the tables below when
 * FREE_TABLES, else leaves them allocated and unreachable (a leak the kernel
 * has, see amd_unmap_pages). */
static void subtree_drop(struct pt_table *t, uint32_t id, unsigned l, bool free_tables)
{
	uint64_t *tbl = t->pool[id];
	unsigned n = 1u << lvl_bits(t, l);

	for (unsigned i = 0; i < n; i++) {
		uint64_t e = tbl[i];

		if (!entry_present(t, e))
			continue;
		if (entry_is_leaf(t, l, e))
			leaf_account(t, l, e, -1);
		else
			subtree_drop(t, child_id(t, e), l - 1, free_tables);
	}
	if (free_tables)
		table_release(t, id, l);
	else
		memset(tbl, 0, (size_t)8 << lvl_bits(t, l));
}

/* Clears the present entry *ep at level l: a leaf is unmapped, a table is
 * freed with everything below it. */
static void entry_clear(struct pt_table *t, unsigned l, uint64_t *ep)
{
	uint64_t e = *ep;

	if (entry_is_leaf(t, l, e))
		leaf_account(t, l, e, -1);
	else
		subtree_drop(t, child_id(t, e), l - 1, true);
	*ep = 0;
}

static inline void leaf_write(struct pt_table *t, unsigned l, uint64_t *ep, uint64_t e)
{
	*ep = e;
	leaf_account(t, l, e, 1);
}

/* ---- iommu_pgsize (drivers/iommu/iommu.c) --------------------------------------- */

/* The largest page in BITMAP no bigger than SIZE to which iova and paddr are
 * both aligned, and how many of them to map before a larger page fits
 * (the next larger size, when iova and paddr share its offset and the range
 * reaches past its next boundary by a whole page). */
static uint64_t pick_pgsize(uint64_t bitmap, uint64_t iova, uint64_t paddr, uint64_t size, uint64_t *count)
{
	uint64_t addr_merge = iova | paddr;
	uint64_t pgsizes = bitmap & mask_upto(log2_u64(size));
	unsigned idx;

	if (addr_merge)
		pgsizes &= mask_upto((unsigned)__builtin_ctzll(addr_merge));
	idx = log2_u64(pgsizes); /* nonzero: everything is granule-aligned */

	uint64_t bigger = bitmap & ~mask_upto(idx);
	if (bigger) {
		uint64_t next = bigger & -bigger;

		if (!((iova ^ paddr) & (next - 1))) {
			uint64_t offset = next - (addr_merge & (next - 1)), end;

			if (!__builtin_add_overflow(offset, next, &end) && end <= size)
				size = offset;
		}
	}
	*count = size >> idx;
	return 1ull << idx;
}

/* ---- Intel VT-d (drivers/iommu/intel/iommu.c) ----------------------------------- */

/* pfn_to_dma_pte() with a target level: the table holding IOVA's entry at
 * level TL, allocating the tables on the way.  -EFAULT where a superpage
 * sits above TL: the kernel would take the superpage's memory for a table. */
static int vtd_pte_for(struct pt_table *t, uint64_t iova, unsigned tl, uint64_t **tblp)
{
	uint64_t *tbl = t->pool[t->root];

	for (unsigned l = t->levels - 1; l > tl; l--) {
		uint64_t *ep = &tbl[lvl_index(t, l, iova)];

		if (!entry_present(t, *ep))
			*ep = ((uint64_t)table_alloc(t, l - 1) << t->gshift) | VTD_R | VTD_W;
		else if (*ep & VTD_SP)
			return -EFAULT;
		tbl = child_of(t, *ep);
	}
	*tblp = tbl;
	return 0;
}

/* hardware_largepage_caps(): the largest level both pfns are aligned to,
 * within the superpage support and the pages left. */
static unsigned vtd_largepage_level(const struct pt_table *t, uint64_t iov_pfn, uint64_t phys_pfn, uint64_t pages)
{
	unsigned support = t->vtd_superpage, level = 1;
	uint64_t merge = iov_pfn | phys_pfn;

	while (support && !(merge & 511)) {
		pages >>= 9;
		if (!pages)
			break;
		merge >>= 9;
		level++;
		support--;
	}
	return level;
}

/* __domain_mapping() for one map_pages call. */
static int vtd_map_pages(struct pt_table *t, uint64_t iova, uint64_t pa, uint64_t pgsize, uint64_t count,
			 unsigned prot, uint64_t *mapped)
{
	uint64_t nr = (pgsize * count) >> 12, iov_pfn = iova >> 12, phys_pfn = pa >> 12;
	uint64_t attr = (prot & PT_PROT_READ ? VTD_R : 0) | (prot & PT_PROT_WRITE ? VTD_W : 0);
	uint64_t *tbl = NULL, lvl_pages = 1;
	unsigned l = 0, idx = 0;

	while (nr) {
		if (!tbl) {
			l = vtd_largepage_level(t, iov_pfn, phys_pfn, nr) - 1;
			int ret = vtd_pte_for(t, iov_pfn << 12, l, &tbl);
			if (ret) {
				/* the kernel reports nothing mapped and leaves what
				 * this call wrote; counting it lets iommu_map's
				 * unwinding take it back */
				*mapped = (iov_pfn << 12) - iova;
				return ret;
			}
			idx = lvl_index(t, l, iov_pfn << 12);
			lvl_pages = 1ull << (9 * l);
			if (l > 0) {
				/* switch_to_super_page(): what was mapped below the
				 * superpages goes, tables and all */
				uint64_t remove = nr < (512 - idx) * lvl_pages ? nr : (512 - idx) * lvl_pages;
				for (uint64_t p = 0, i = idx; p < remove; p += lvl_pages, i++)
					if (entry_present(t, tbl[i]))
						entry_clear(t, l, &tbl[i]);
			}
		}
		uint64_t e = (phys_pfn << 12) | attr | (l > 0 ? VTD_SP : 0);
		if (tbl[idx])
			t->warnings++; /* "DMA PTE for vPFN 0x%lx already set": kept */
		else
			leaf_write(t, l, &tbl[idx], e);
		nr -= lvl_pages;
		iov_pfn += lvl_pages;
		phys_pfn += lvl_pages;
		idx++;
		if (!nr || idx == 512 || (l > 0 && nr < lvl_pages))
			tbl = NULL;
	}
	*mapped = pgsize * count;
	return 0;
}

/* dma_pte_clear_level() over [start, last] (bytes, inclusive) in table ID at
 * level l, whose span starts at BASE.  Entries wholly inside go (tables
 * freed), partly covered tables are entered.  With DRY, only finds whether
 * a superpage is partly covered (-EFAULT): the kernel would recurse into
 * its memory. */
static int vtd_clear_level(struct pt_table *t, uint32_t id, unsigned l, uint64_t base, uint64_t start,
			   uint64_t last, bool dry)
{
	uint64_t *tbl = t->pool[id], span = lvl_span(t, l);
	uint64_t pos = start > base ? start : base;
	unsigned i = lvl_index(t, l, pos), n = 1u << lvl_bits(t, l);

	do {
		uint64_t ent = pos & ~(span - 1), e = tbl[i];

		if (entry_present(t, e)) {
			if (start <= ent && last >= ent + span - 1) {
				if (!dry)
					entry_clear(t, l, &tbl[i]);
			} else if (l > 0) {
				if (e & VTD_SP)
					return -EFAULT;
				int ret = vtd_clear_level(t, child_id(t, e), l - 1, ent, start, last, dry);
				if (ret)
					return ret;
			}
		}
		pos = ent + span;
	} while (++i < n && pos <= last);
	return 0;
}

/* intel_iommu_unmap(): widened to the page, or the empty entry, found at
 * IOVA; everything in the range goes (domain_unmap). */
static uint64_t vtd_unmap_pages(struct pt_table *t, uint64_t iova, uint64_t pgsize, uint64_t count, int *err)
{
	uint64_t size = pgsize * count, table_max = (1ull << (12 + 9 * t->levels)) - 1;
	uint64_t *tbl = t->pool[t->root], *ep;
	unsigned l = t->levels - 1;

	if (iova > table_max)
		return 0; /* pfn_to_dma_pte(): beyond the domain */
	for (;;) {
		ep = &tbl[lvl_index(t, l, iova)];
		if (!entry_present(t, *ep) || (*ep & VTD_SP) || l == 0)
			break;
		tbl = child_of(t, *ep);
		l--;
	}
	if (size <= lvl_span(t, l)) {
		size = lvl_span(t, l);
		if (!(iova & (size - 1))) {
			/* exactly the entry found: domain_unmap clears it and
			 * nothing else (no table spans so little) */
			if (entry_present(t, *ep))
				entry_clear(t, l, ep);
			return size;
		}
	}
	uint64_t last = iova + size - 1;
	if (last > table_max) {
		t->warnings++; /* domain_unmap: WARN_ON(!domain_pfn_supported()) */
		return size;
	}
	/* Not modelled: a range of exactly [0, 2^aw) also frees the top table
	 * in domain_unmap, leaving the domain without one. */
	if (vtd_clear_level(t, t->root, t->levels - 1, 0, iova, last, true)) {
		*err = -EFAULT;
		return 0;
	}
	vtd_clear_level(t, t->root, t->levels - 1, 0, iova, last, false);
	return size;
}

/* ---- AMD v1 (drivers/iommu/amd/io_pgtable.c) ------------------------------------ */

/* increase_address_space(): a new top table whose first entry is the old one. */
static void amd_grow(struct pt_table *t)
{
	uint32_t old = t->root;

	t->levels++; /* before the allocation: the new top is a table of level mode */
	t->root = table_alloc(t, t->levels - 1);
	t->pool[t->root][0] = ((uint64_t)old << 12) | AMD_NL_ENC(t->levels - 1) | AMD_PR | AMD_IR | AMD_IW;
}

/* Clears the group of replicated PTEs that E (at TBL[idx], level l) is part of. */
static void amd_clear_replicas(struct pt_table *t, unsigned l, uint64_t *tbl, unsigned idx, uint64_t e)
{
	unsigned cnt = amd_replicas(amd_pte_page_size(e)), first = idx & ~(cnt - 1);

	/* "Unmap the replicated PTEs that still match the original" */
	for (unsigned i = first; i < first + cnt; i++)
		if (tbl[i] == e) {
			leaf_account(t, l, e, -1);
			tbl[i] = 0;
		}
}

/* alloc_pte(): the table at the level of PGSIZE holding IOVA's entries. */
static int amd_alloc_pte(struct pt_table *t, uint64_t iova, uint64_t pgsize, uint64_t **tblp)
{
	uint64_t last = iova + pgsize - 1;
	unsigned end_l = (log2_u64(pgsize) - 12) / 9;

	while (last > amd_level_size(t->levels) || t->levels - 1 < end_l) {
		if (t->levels == t->max_levels) {
			t->warnings++; /* WARN_ON_ONCE(mode == amd_iommu_hpt_level) */
			return -ENOMEM;
		}
		amd_grow(t);
	}
	uint64_t *tbl = t->pool[t->root];
	unsigned l = t->levels - 1;
	while (l > end_l) {
		unsigned idx = lvl_index(t, l, iova);
		uint64_t e = tbl[idx];

		if ((e & AMD_PR) && AMD_NL(e) == AMD_NL_REPLICATED) {
			amd_clear_replicas(t, l, tbl, idx, e);
			continue;
		}
		if (!(e & AMD_PR) || AMD_NL(e) == 0) {
			/* an empty entry, or a large page that a table replaces:
			 * the rest of that page is no longer mapped */
			if (e & AMD_PR)
				leaf_account(t, l, e, -1);
			tbl[idx] = ((uint64_t)table_alloc(t, l - 1) << 12) | AMD_NL_ENC(l) | AMD_PR | AMD_IR | AMD_IW;
			continue;
		}
		tbl = child_of(t, e);
		l--;
	}
	*tblp = tbl;
	return 0;
}

/* iommu_v1_map_pages(): each page replaces whatever its entries held. */
static int amd_map_pages(struct pt_table *t, uint64_t iova, uint64_t pa, uint64_t pgsize, uint64_t count,
			 unsigned prot, uint64_t *mapped)
{
	unsigned cnt = amd_replicas(pgsize), l = (log2_u64(pgsize) - 12) / 9;
	uint64_t attr = AMD_PR | AMD_FC | (prot & PT_PROT_READ ? AMD_IR : 0) | (prot & PT_PROT_WRITE ? AMD_IW : 0);

	for (; count; count--, iova += pgsize, pa += pgsize) {
		uint64_t *tbl;
		int ret = amd_alloc_pte(t, iova, pgsize, &tbl);

		if (ret)
			return ret;
		unsigned idx = lvl_index(t, l, iova);
		for (unsigned i = 0; i < cnt; i++)
			if (tbl[idx + i] & AMD_PR)
				entry_clear(t, l, &tbl[idx + i]); /* free_clear_pte() */
		uint64_t e = pa | attr;
		if (cnt > 1) /* PAGE_SIZE_PTE(): the size folded into the address */
			e = (((pa | (pgsize - 1)) & ~(pgsize >> 1)) & ADDR_MASK_52) | AMD_NL_ENC(AMD_NL_REPLICATED) | attr;
		for (unsigned i = 0; i < cnt; i++)
			leaf_write(t, l, &tbl[idx + i], e);
		*mapped += pgsize;
	}
	return 0;
}

/* fetch_pte(): IOVA's leaf entry (the first of a replicated group), its
 * level and page size; NULL where an entry above the leaf table is empty.
 * An empty entry in a leaf table is returned as it is. */
static uint64_t *amd_fetch_pte(const struct pt_table *t, uint64_t iova, unsigned *lp, uint64_t *size)
{
	if (iova > amd_level_size(t->levels))
		return NULL;
	uint64_t *tbl = t->pool[t->root];
	unsigned l = t->levels - 1, idx = lvl_index(t, l, iova);

	while (l > 0) {
		uint64_t e = tbl[idx];

		if (!(e & AMD_PR))
			return NULL;
		if (AMD_NL(e) == AMD_NL_REPLICATED || AMD_NL(e) == 0)
			break;
		tbl = child_of(t, e);
		l--;
		idx = lvl_index(t, l, iova);
	}
	*lp = l;
	*size = lvl_span(t, l);
	if ((tbl[idx] & AMD_PR) && AMD_NL(tbl[idx]) == AMD_NL_REPLICATED) {
		*size = amd_pte_page_size(tbl[idx]);
		idx &= ~(amd_replicas(*size) - 1); /* first_pte_l7() */
	}
	return &tbl[idx];
}

/* iommu_v1_unmap_pages(): every page found goes whole; tables stay. */
static uint64_t amd_unmap_pages(struct pt_table *t, uint64_t iova, uint64_t pgsize, uint64_t count, int *err)
{
	uint64_t size = pgsize * count, unmapped = 0, unmap_size;
	unsigned l;

	while (unmapped < size) {
		uint64_t *ep = amd_fetch_pte(t, iova, &l, &unmap_size);

		if (!ep) {
			*err = -ENOENT;
			return unmapped;
		}
		for (unsigned i = 0, cnt = amd_replicas(unmap_size); i < cnt; i++) {
			uint64_t e = ep[i];

			if (!(e & AMD_PR))
				continue;
			if (entry_is_leaf(t, l, e))
				leaf_account(t, l, e, -1);
			else /* a table in a stale replica's slot: zeroed, never freed */
				subtree_drop(t, child_id(t, e), l - 1, false);
			ep[i] = 0;
		}
		iova = (iova & ~(unmap_size - 1)) + unmap_size;
		unmapped += unmap_size;
	}
	return unmapped;
}

/* ---- ARM LPAE stage 1 (drivers/iommu/io-pgtable-arm.c) -------------------------- */

/* arm_lpae_max_entries(): entries from idx to the end of its table page. */
static unsigned arm_max_entries(const struct pt_table *t, unsigned l, unsigned idx)
{
	unsigned per_page = 1u << t->bpl, n = 1u << lvl_bits(t, l);
	unsigned m = per_page - (idx & (per_page - 1));

	return m < n - idx ? m : n - idx;
}

/* __arm_lpae_map() and arm_lpae_init_pte(): as many pages as fit in the
 * table; -EEXIST on a leaf in the way, a table where a block goes is freed. */
static int arm_map_pages(struct pt_table *t, uint64_t iova, uint64_t pa, uint64_t pgsize, uint64_t count,
			 unsigned prot, uint64_t *mapped)
{
	unsigned target = (log2_u64(pgsize) - t->gshift) / t->bpl, l = t->levels - 1;
	uint64_t *tbl = t->pool[t->root];

	for (; l > target; l--) {
		uint64_t *ep = &tbl[lvl_index(t, l, iova)];

		if (!*ep)
			*ep = ((uint64_t)table_alloc(t, l - 1) << t->gshift) | ARM_TYPE_TABLE;
		else if (entry_is_leaf(t, l, *ep)) {
			t->warnings++; /* "We require an unmap first" */
			return -EEXIST;
		}
		tbl = child_of(t, *ep);
	}
	unsigned idx = lvl_index(t, l, iova), num = arm_max_entries(t, l, idx);
	if (count < num)
		num = (unsigned)count;
	for (unsigned i = 0; i < num; i++) {
		uint64_t e = tbl[idx + i];

		if (!e)
			continue;
		if (entry_is_leaf(t, l, e)) {
			t->warnings++;
			return -EEXIST;
		}
		entry_clear(t, l, &tbl[idx + i]);
	}
	uint64_t attr = ARM_NG | ARM_AP_UNPRIV | ARM_SH_OS | ARM_AF | (l == 0 ? ARM_TYPE_TABLE : ARM_TYPE_BLOCK);
	if (!(prot & PT_PROT_WRITE))
		attr |= ARM_AP_RDONLY;
	for (unsigned i = 0; i < num; i++)
		leaf_write(t, l, &tbl[idx + i], (pa + i * pgsize) | attr);
	*mapped += num * pgsize;
	return 0;
}

/* __arm_lpae_unmap(): whole entries of the page size only. */
static uint64_t arm_unmap_pages(struct pt_table *t, uint64_t iova, uint64_t pgsize, uint64_t count, int *err)
{
	uint64_t *tbl = t->pool[t->root];

	if (iova > t->iova_max) {
		t->warnings++; /* WARN_ON(iaext) */
		*err = -EINVAL;
		return 0;
	}
	for (unsigned l = t->levels - 1;; l--) {
		unsigned idx = lvl_index(t, l, iova);
		uint64_t e = tbl[idx];

		if (!e) {
			t->warnings++;
			*err = -ENOENT;
			return 0;
		}
		if (pgsize == lvl_span(t, l)) {
			unsigned num = arm_max_entries(t, l, idx), i;

			if (count < num)
				num = (unsigned)count;
			for (i = 0; i < num; i++) {
				if (!tbl[idx + i]) {
					t->warnings++;
					break;
				}
				entry_clear(t, l, &tbl[idx + i]);
			}
			return i * pgsize;
		}
		if (entry_is_leaf(t, l, e)) {
			t->warnings++; /* "Unmap of a partial large IOPTE is not allowed" */
			*err = -EINVAL;
			return 0;
		}
		tbl = child_of(t, e);
	}
}

/* ---- the API -------------------------------------------------------------------- */

const char *const pt_format_ids[PT_FORMAT_COUNT + 1] = {
	[PT_INTEL_VTD] = "intel-vtd",
	[PT_AMD_V1] = "amd-v1",
	[PT_ARM_LPAE_4K] = "arm-lpae-4k",
	[PT_ARM_LPAE_16K] = "arm-lpae-16k",
	[PT_ARM_LPAE_64K] = "arm-lpae-64k",
	NULL,
};

const char *pt_format_id(enum pt_format f)
{
	return (unsigned)f < PT_FORMAT_COUNT ? pt_format_ids[f] : NULL;
}

bool pt_format_parse(const char *id, enum pt_format *out)
{
	for (unsigned i = 0; id && i < PT_FORMAT_COUNT; i++)
		if (!strcmp(id, pt_format_ids[i])) {
			*out = (enum pt_format)i;
			return true;
		}
	return false;
}

/* Sets the geometry of T from CFG; false when it is impossible. */
static bool geometry_init(struct pt_table *t, const struct pt_config *cfg)
{
	unsigned aw = cfg->aw ? cfg->aw : 48;
	uint64_t allowed = 0;

	t->format = cfg->format;
	t->aw = aw;
	switch (cfg->format) {
	case PT_INTEL_VTD: {
		/* width_to_agaw(), agaw_to_level() */
		if (aw < 31 || aw > 57)
			return false;
		t->gshift = 12;
		t->bpl = 9;
		t->levels = t->max_levels = (aw - 30 + 8) / 9 + 2;
		t->phys_max = (1ull << 52) - 1;
		allowed = (1ull << 12) | (1ull << 21) | (1ull << 30);
		break;
	}
	case PT_AMD_V1:
		if (aw < 32 || aw > 64)
			return false;
		t->gshift = 12;
		t->bpl = 9;
		t->levels = 3; /* v1_alloc_pgtable(): PAGE_MODE_3_LEVEL */
		t->max_levels = (aw - 12 + 8) / 9 < 3 ? 3 : (aw - 12 + 8) / 9;
		t->phys_max = (1ull << 52) - 1;
		/* AMD_IOMMU_PGSIZES: GENMASK_ULL(51, 12) ^ SZ_512G */
		for (unsigned p = 12; p <= 51; p++)
			if (p != 39 && (p - 12) / 9 < t->max_levels && p <= aw)
				allowed |= 1ull << p;
		break;
	case PT_ARM_LPAE_4K:
	case PT_ARM_LPAE_16K:
	case PT_ARM_LPAE_64K: {
		static const unsigned shifts[] = {12, 14, 16};
		/* arm_lpae_restrict_pgsizes() */
		static const uint64_t sizes[] = {
			(1ull << 12) | (1ull << 21) | (1ull << 30),
			(1ull << 14) | (1ull << 25),
			(1ull << 16) | (1ull << 29),
		};
		unsigned g = cfg->format - PT_ARM_LPAE_4K, va_bits;

		if (aw < 32 || aw > 48)
			return false;
		t->gshift = shifts[g];
		t->bpl = t->gshift - 3;
		/* arm_lpae_alloc_pgtable() */
		va_bits = aw - t->gshift;
		t->levels = t->max_levels = (va_bits + t->bpl - 1) / t->bpl;
		t->top_bits = va_bits - t->bpl * (t->levels - 1);
		t->phys_max = (1ull << ARM_OAS) - 1;
		for (unsigned p = t->gshift; p < 64; p++)
			if ((sizes[g] >> p & 1) && (p - t->gshift) / t->bpl < t->levels && p <= aw)
				allowed |= 1ull << p;
		break;
	}
	default:
		return false;
	}
	if (cfg->format == PT_INTEL_VTD || cfg->format == PT_AMD_V1)
		t->top_bits = t->bpl;
	t->iova_max = aw >= 64 ? ~0ull : (1ull << aw) - 1;
	t->addr_mask = (cfg->format == PT_INTEL_VTD || cfg->format == PT_AMD_V1)
			       ? ADDR_MASK_52
			       : ((1ull << ARM_OAS) - 1) & ~((1ull << t->gshift) - 1);
	for (unsigned l = 0; l < t->max_levels; l++) {
		t->shift[l] = (unsigned char)(t->gshift + t->bpl * l);
		t->index_mask[l] = (1ull << (l == t->levels - 1 ? t->top_bits : t->bpl)) - 1;
	}
	t->pgsize_bitmap = cfg->pgsize_bitmap ? cfg->pgsize_bitmap : allowed;
	if ((t->pgsize_bitmap & ~allowed) || !(t->pgsize_bitmap & (1ull << t->gshift)))
		return false;
	if (cfg->format == PT_INTEL_VTD) {
		/* superpage support is a count of levels (cap_super_page_val):
		 * 1 GiB pages come with 2 MiB ones */
		if ((t->pgsize_bitmap & (1ull << 30)) && !(t->pgsize_bitmap & (1ull << 21)))
			return false;
		t->vtd_superpage = (unsigned)__builtin_popcountll(t->pgsize_bitmap) - 1;
	}
	return true;
}

int pt_create(const struct pt_config *cfg, struct pt_table **out)
{
	struct pt_table *t = xcalloc(1, sizeof(*t));

	if (!cfg || !geometry_init(t, cfg)) {
		free(t);
		return -EINVAL;
	}
	t->root = table_alloc(t, t->levels - 1);
	*out = t;
	return 0;
}

void pt_free(struct pt_table *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; i < t->pool_len; i++)
		free(t->pool[i]);
	free(t->pool);
	free(t->free_ids);
	free(t);
}

void pt_get_geometry(const struct pt_table *t, struct pt_geometry *g)
{
	g->levels = t->levels;
	g->max_levels = t->max_levels;
	g->aw = t->aw;
	g->granule = 1ull << t->gshift;
	g->pgsize_bitmap = t->pgsize_bitmap;
	g->iova_max = t->iova_max;
}

static bool range_ok(const struct pt_table *t, uint64_t start, uint64_t size, uint64_t max)
{
	return size && !((start | size) & ((1ull << t->gshift) - 1)) && start <= max && size - 1 <= max - start;
}

int pt_map(struct pt_table *t, uint64_t iova, uint64_t phys, uint64_t size, unsigned prot)
{
	uint64_t left = size;
	int ret = 0;

	if (!(prot & (PT_PROT_READ | PT_PROT_WRITE)) || !range_ok(t, iova, size, t->iova_max)
	    || !range_ok(t, phys, size, t->phys_max))
		return -EINVAL;
	/* iommu_map_nosync() */
	for (uint64_t va = iova, pa = phys; left;) {
		uint64_t count, mapped = 0, pg = pick_pgsize(t->pgsize_bitmap, va, pa, left, &count);

		switch (t->format) {
		case PT_INTEL_VTD:
			ret = vtd_map_pages(t, va, pa, pg, count, prot, &mapped);
			break;
		case PT_AMD_V1:
			ret = amd_map_pages(t, va, pa, pg, count, prot, &mapped);
			break;
		default:
			ret = arm_map_pages(t, va, pa, pg, count, prot, &mapped);
			break;
		}
		left -= mapped;
		if (ret)
			break;
		va += mapped;
		pa += mapped;
	}
	if (ret && size - left)
		pt_unmap(t, iova, size - left, NULL);
	return ret;
}

uint64_t pt_unmap(struct pt_table *t, uint64_t iova, uint64_t size, int *err)
{
	uint64_t unmapped = 0;
	int e = 0;

	if (!range_ok(t, iova, size, t->iova_max)) {
		if (err)
			*err = -EINVAL;
		return 0;
	}
	/* __iommu_unmap(): until SIZE bytes (or more) are gone, or nothing is */
	while (unmapped < size) {
		uint64_t count, pg = pick_pgsize(t->pgsize_bitmap, iova, iova, size - unmapped, &count), done;

		switch (t->format) {
		case PT_INTEL_VTD:
			done = vtd_unmap_pages(t, iova, pg, count, &e);
			break;
		case PT_AMD_V1:
			done = amd_unmap_pages(t, iova, pg, count, &e);
			break;
		default:
			done = arm_unmap_pages(t, iova, pg, count, &e);
			break;
		}
		if (!done)
			break;
		iova += done;
		unmapped += done;
	}
	if (err)
		*err = unmapped >= size ? 0 : e;
	return unmapped;
}

/* The walk every translation takes (each format's iova_to_phys), recording
 * the steps in W when it is not NULL; F is t->format (or, for ARM, any ARM
 * format), a constant where it is inlined. */
static inline __attribute__((always_inline)) bool walk_format(const struct pt_table *t, enum pt_format f,
							      uint64_t iova, struct pt_walk *w, uint64_t *phys,
							      uint64_t *page_size, unsigned *prot)
{
	const uint64_t *tbl = t->pool[t->root];
	unsigned l = t->levels - 1;

	if (iova > t->iova_max || (f == PT_AMD_V1 && iova > amd_level_size(t->levels)))
		return false;
	for (;;) {
		unsigned idx = lvl_index(t, l, iova);
		uint64_t e = tbl[idx];
		bool present = format_entry_present(f, e), leaf = present && format_entry_is_leaf(f, l, e);

		if (w) {
			struct pt_walk_step *s = &w->step[w->nsteps++];
			s->level = format_level(t, l);
			s->index = idx;
			s->entry = e;
			s->leaf = leaf;
		}
		if (!present)
			return false;
		if (leaf) {
			uint64_t size = leaf_page_size(t, l, e), base = e;

			if (f == PT_AMD_V1 && AMD_NL(e) == AMD_NL_REPLICATED) {
				/* iommu_v1_iova_to_phys() reads the group's first PTE */
				base = tbl[idx & ~(amd_replicas(size) - 1)];
				if (!(base & AMD_PR))
					return false;
			}
			*phys = (base & t->addr_mask & ~(size - 1)) | (iova & (size - 1));
			*page_size = size;
			*prot = leaf_prot(t, e);
			return true;
		}
		tbl = child_of(t, e);
		l--;
	}
}

static bool walk_impl(const struct pt_table *t, uint64_t iova, struct pt_walk *w, uint64_t *phys,
		      uint64_t *page_size, unsigned *prot)
{
	switch (t->format) {
	case PT_INTEL_VTD:
		return walk_format(t, PT_INTEL_VTD, iova, w, phys, page_size, prot);
	case PT_AMD_V1:
		return walk_format(t, PT_AMD_V1, iova, w, phys, page_size, prot);
	default:
		return walk_format(t, PT_ARM_LPAE_4K, iova, w, phys, page_size, prot);
	}
}

bool pt_translate(const struct pt_table *t, uint64_t iova, uint64_t *phys, uint64_t *page_size, unsigned *prot)
{
	uint64_t pa, size;
	unsigned p;

	if (!walk_impl(t, iova, NULL, &pa, &size, &p))
		return false;
	*phys = pa;
	if (page_size)
		*page_size = size;
	if (prot)
		*prot = p;
	return true;
}

void pt_walk(const struct pt_table *t, uint64_t iova, struct pt_walk *w)
{
	memset(w, 0, sizeof(*w));
	w->mapped = walk_impl(t, iova, w, &w->phys, &w->page_size, &w->prot);
}

void pt_get_stats(const struct pt_table *t, struct pt_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->table_pages = t->table_pages;
	st->table_bytes = t->table_bytes;
	memcpy(st->table_pages_by_level, t->by_level, sizeof(st->table_pages_by_level));
	for (unsigned k = 0; k < 64; k++)
		st->pages_by_size[k] = t->format == PT_AMD_V1 && k >= 12 ? t->ptes_by_size[k] / amd_replicas(1ull << k)
									  : t->ptes_by_size[k];
	st->mapped_bytes = t->mapped_bytes;
	st->model_bytes = t->heap_bytes + sizeof(*t) + t->pool_cap * sizeof(*t->pool)
			  + t->free_cap * sizeof(*t->free_ids);
	st->kernel_warnings = t->warnings;
}
