/* analysis-mapcheck.c - whether a VFIO mapping layout fits an IOMMU group.
 *
 * Kernel rules followed (drivers/vfio/vfio_iommu_type1.c):
 *  - vfio_dma_do_map, in this order: IOVA and size must be multiples of the
 *    smallest page of the container's pgsize_bitmap, else -EINVAL; a range
 *    overlapping an existing mapping (vfio_find_dma) is -EEXIST; after
 *    dma_entry_limit mappings (iommu->dma_avail, default U16_MAX) -ENOSPC;
 *    a range not inside one node of the IOVA list
 *    (vfio_iommu_iova_dma_valid) is -EINVAL.
 *  - vfio_iommu_type1_attach_group: the IOVA list starts as the domain's
 *    geometry [aperture_start, aperture_end] and vfio_iommu_resv_exclude
 *    removes every reserved region of the group
 *    (iommu_get_group_resv_regions) except IOMMU_RESV_DIRECT_RELAXABLE;
 *    msi regions (hardware or software-managed) are removed too.
 *  - vfio_update_pgsize_bitmap: the AND of the domains' pgsize_bitmap, with
 *    sizes below PAGE_SIZE hidden behind PAGE_SIZE.
 * Domain geometry and page sizes of the unmanaged domain VFIO allocates:
 *  - drivers/iommu/intel/iommu.c: the unit's agaw is the largest SAGAW bit
 *    not above width_to_agaw(DEFAULT_DOMAIN_ADDRESS_WIDTH = 57); the
 *    domain's gaw = min(agaw_to_width(agaw), cap_mgaw); aperture_end =
 *    __DOMAIN_MAX_ADDR(gaw) = 2^gaw - 1 for second-stage tables (first-stage
 *    ones lose the top bit); pgsize_bitmap = 4K, plus 2M (and 1G) by
 *    fls(cap_super_page_val) (domain_super_pgsize_bitmap), 4K only with
 *    intel_iommu=sp_off.  KERNEL-FACTS.md 7.2.
 *  - drivers/iommu/amd/iommu.c: unmanaged domains use v1 tables whatever
 *    amd_iommu=pgtbl_v2 says; dma_max_address() is ~0ULL for v1 (the
 *    newest kernels cap it at what amd_iommu_hpt_level levels reach);
 *    AMD_IOMMU_PGSIZES =
 *    GENMASK_ULL(51, 12) ^ SZ_512G.  KERNEL-FACTS.md 7.3.
 *  - drivers/iommu/virtio-iommu.c: the input range and page mask come from
 *    the device's config space, which sysfs does not show.
 * QEMU's guest-physical layout (qemu hw/i386/pc_q35.c pc_q35_init,
 * hw/i386/pc_piix.c pc_init1, hw/i386/pc.c pc_memory_init, pc_max_used_gpa,
 * pc_pci_hole64_start; hw/pci-host/q35.c, i440fx.c hole64 sizes;
 * hw/vfio/listener.c vfio_listener_region_add for what it says). */
#define _GNU_SOURCE
#include "mapcheck.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "status.h"

#define GIB (1ull << 30)
#define FOUR_GIB (4ull << 30)
#define PAGE_SIZE_X86 4096ull
/* hw/i386/pc.c: the HyperTransport range AMD IOMMUs reserve, and where
 * QEMU 7.1+ moves RAM above 4 GiB for an AMD vCPU */
#define AMD_HT_START 0xfd00000000ull
#define AMD_HT_END 0xffffffffffull
#define AMD_ABOVE_1TB_START (AMD_HT_END + 1)

/* hw/arm/virt.c base_memmap: RAM from 1 GiB up to 256 GiB (VIRT_MEM, in
 * one piece; its 32-bit PCIe MMIO window (VIRT_PCIE_MMIO) lies below it */
#define VIRT_RAM_START 0x40000000ull
#define VIRT_PCIE_MMIO_START 0x10000000ull
#define VIRT_PCIE_MMIO_END 0x3efeffffull

const char *const guest_machine_ids[] = {"q35", "pc", "virt", NULL};

const char *guest_machine_id(enum guest_machine m)
{
	return m == GUEST_MACHINE_PC ? "pc" : m == GUEST_MACHINE_VIRT ? "virt" : "q35";
}

bool guest_machine_parse(const char *s, enum guest_machine *out)
{
	if (!strcmp(s, "q35"))
		*out = GUEST_MACHINE_Q35;
	else if (!strcmp(s, "pc"))
		*out = GUEST_MACHINE_PC;
	else if (!strcmp(s, "virt"))
		*out = GUEST_MACHINE_VIRT;
	else
		return false;
	return true;
}

void guest_layout_compute(enum guest_machine m, uint64_t ram, bool amd_cpu, struct guest_layout *out)
{
	uint64_t lowmem, hole64_size, hole64_start;
	memset(out, 0, sizeof(*out));
	out->machine = m;
	out->ram = ram;
	if (m == GUEST_MACHINE_VIRT) {
		/* Arm virt: RAM from 1 GiB, contiguous */
		out->below_4g = ram < FOUR_GIB - VIRT_RAM_START ? ram : FOUR_GIB - VIRT_RAM_START;
		out->above_4g = ram - out->below_4g;
		out->above_4g_start = FOUR_GIB;
		out->pci_hole_start = VIRT_PCIE_MMIO_START;
		out->pci_hole_end = VIRT_PCIE_MMIO_END;
		out->ram_ranges[0] = (struct map_range){VIRT_RAM_START, VIRT_RAM_START + ram - 1, "ram"};
		out->nranges = 1;
		return;
	}
	out->pci_hole_end = 0xffffffffull;
	if (m == GUEST_MACHINE_Q35) {
		/* pc_q35_init: leave 1/2 GiB for PCI and 256 MiB for MMCONFIG,
		 * and split at 2 GiB once RAM does not fit below 0xb0000000 */
		lowmem = ram >= 0xb0000000ull ? 0x80000000ull : 0xb0000000ull;
		hole64_size = 1ull << 35; /* Q35_PCI_HOST_HOLE64_SIZE_DEFAULT */
	} else {
		/* pc_init1 (gigabyte_align, every current machine type) */
		lowmem = ram >= 0xe0000000ull ? 0xc0000000ull : 0xe0000000ull;
		hole64_size = 1ull << 31; /* I440FX_PCI_HOST_HOLE64_SIZE_DEFAULT */
	}
	out->below_4g = ram < lowmem ? ram : lowmem;
	out->above_4g = ram - out->below_4g;
	out->above_4g_start = FOUR_GIB;
	out->pci_hole_start = out->below_4g;
	/* pc_memory_init: an AMD vCPU whose highest guest-physical address
	 * (the end of the 64-bit PCI hole, pc_max_used_gpa) reaches the
	 * HyperTransport hole gets its RAM above 4 GiB moved to 1 TiB */
	hole64_start = (FOUR_GIB + out->above_4g + GIB - 1) & ~(GIB - 1);
	if (amd_cpu && hole64_start + hole64_size - 1 >= AMD_HT_START) {
		out->above_4g_start = AMD_ABOVE_1TB_START;
		out->relocated = true;
	}
	out->ram_ranges[0] = (struct map_range){0, out->below_4g - 1, "ram-below-4g"};
	out->nranges = 1;
	if (out->above_4g)
		out->ram_ranges[out->nranges++] = (struct map_range){out->above_4g_start,
								      out->above_4g_start + out->above_4g - 1,
								      "ram-above-4g"};
}

const char *map_conflict_kind_id(enum map_conflict_kind k)
{
	static const char *const ids[] = {"alignment", "overlap", "entry_limit", "aperture",
					  "msi",       "direct",  "reserved"};
	return ids[k];
}

void mapcheck_report_init(struct mapcheck_report *r)
{
	memset(r, 0, sizeof(*r));
	r->group = -1;
	strvec_init(&r->notes);
}

void mapcheck_report_release(struct mapcheck_report *r)
{
	free(r->ranges);
	free(r->aperture_why);
	free(r->pgsize_why);
	free(r->iova_ranges);
	for (size_t i = 0; i < r->nresv; i++)
		free(r->resv[i].where);
	free(r->resv);
	for (size_t i = 0; i < r->nconflicts; i++)
		free(r->conflicts[i].message);
	free(r->conflicts);
	strvec_release(&r->notes);
	mapcheck_report_init(r);
}

/* ---- the domain VFIO would build ------------------------------------------------- */

/* intel_iommu=...,sp_off,... on the command line the snapshot holds */
static bool intel_superpages_off(const struct snapshot *s)
{
	const char *p = s->cmdline;
	while (p && (p = strstr(p, "intel_iommu=")) != NULL) {
		size_t len = strcspn(p, " \t");
		char *opt = xstrndup(p, len);
		bool off = strstr(opt, "sp_off") != NULL;
		free(opt);
		if (off)
			return true;
		p += len;
	}
	return false;
}

static void intel_domain(const struct snapshot *s, const struct iommu_unit *u, struct mapcheck_report *r)
{
	struct intel_iommu_caps c;
	unsigned width;
	if (!u->regs_known) {
		r->aperture_why = xasprintf("%s's CAP register is not in the snapshot", u->name);
		r->pgsize_bitmap = PAGE_SIZE_X86;
		r->pgsize_why = xstrdup("4 KiB at least (the CAP register would say which larger pages)");
		return;
	}
	intel_iommu_caps_decode(u->cap, u->ecap, &c);
	if (!c.nwidths) {
		r->aperture_why = xasprintf("%s's CAP (%llx) sets no SAGAW width: the driver refuses the unit", u->name,
					    (unsigned long long)u->cap);
	} else {
		/* widths[] ascends and never exceeds 57, the driver's default */
		width = c.widths[c.nwidths - 1];
		r->address_bits = width < c.mgaw ? width : c.mgaw;
		r->aperture_known = true;
		r->aperture_end = (1ull << r->address_bits) - 1;
		r->aperture_why = xasprintf("%s's CAP %llx: SAGAW up to %u bits (%u-level tables), MGAW %u bits", u->name,
					    (unsigned long long)u->cap, width, c.levels[c.nwidths - 1], c.mgaw);
		if (c.scalable_mode && c.first_stage)
			strvec_pushf(&r->notes, "%s supports scalable mode with first-stage tables: a kernel that gives VFIO a first-stage "
				"domain keeps to the lower canonical half, 2^%u - 1",
			     u->name, r->address_bits - 1);
	}
	r->pgsize_bitmap = PAGE_SIZE_X86;
	if (intel_superpages_off(s)) {
		r->pgsize_why = xstrdup("4 KiB only: intel_iommu=sp_off is on the command line");
		return;
	}
	/* fls(SLLPS): one level of superpages is 2 MiB, two are 2 MiB and 1 GiB */
	if (c.super_1g)
		r->pgsize_bitmap |= (2ull << 20) | GIB;
	else if (c.super_2m)
		r->pgsize_bitmap |= 2ull << 20;
	r->pgsize_why = xasprintf("CAP.SLLPS: %s", c.super_1g ? "2 MiB and 1 GiB superpages"
						  : c.super_2m ? "2 MiB superpages"
							       : "no superpages");
}

static void amd_domain(struct mapcheck_report *r)
{
	r->aperture_known = true;
	r->address_bits = 64;
	r->aperture_end = ~0ull;
	r->aperture_why = xstrdup("AMD-Vi v1 page tables, which VFIO's domains always use, cover the whole 64-bit IOVA "
				  "space");
	r->pgsize_bitmap = ((~0ull >> 12) << 12 & ((1ull << 52) - 1)) ^ (1ull << 39);
	r->pgsize_why = xstrdup("AMD-Vi v1: every power of two from 4 KiB to 2^51 but 512 GiB");
}

static void describe_domain(const struct snapshot *s, struct mapcheck_report *r)
{
	const struct iommu_group *g = snapshot_find_group(s, r->group);
	const struct iommu_unit *u = NULL;
	for (size_t i = 0; g && i < g->ndev && !u; i++)
		if (s->dev[g->dev[i]].unit >= 0)
			u = &s->unit[s->dev[g->dev[i]].unit];
	if (u) {
		r->unit = u->name;
		r->driver = u->driver;
	}
	if (u && u->driver && !strcmp(u->driver, "intel")) {
		intel_domain(s, u, r);
	} else if (u && u->driver && !strcmp(u->driver, "amd")) {
		amd_domain(r);
	} else {
		if (u && u->driver && !strncmp(u->driver, "arm-smmu", 8))
			r->aperture_why = xasprintf("the SMMU's input address size (IAS) bounds it, and %s reports that only "
						    "in the kernel log (dmesg: \"%s ...: ias N-bit, oas N-bit\"), not in "
						    "sysfs",
						    u->driver, u->driver);
		else if (u && u->driver && !strcmp(u->driver, "virtio"))
			r->aperture_why = xasprintf("virtio-iommu %s takes its input range from the device's "
						    "configuration (the driver logs it as \"input address: N bits\"), "
						    "which sysfs does not show",
						    u->name);
		else if (u)
			r->aperture_why = xasprintf("the %s driver's aperture is not shown in sysfs",
						    u->driver ? u->driver : "unknown");
		else
			r->aperture_why = xstrdup("no IOMMU unit is linked to the group's devices");
		if (u && u->driver && !strncmp(u->driver, "arm-smmu", 8)) {
			/* io-pgtable-arm picks the granule of the kernel's page
			 * size: 4 KiB pages give the 4 KiB LPAE format */
			r->pgsize_bitmap = PAGE_SIZE_X86 | 1ull << 21 | 1ull << 30;
			r->pgsize_why = xstrdup("ARM LPAE with the 4 KiB granule (4 KiB, 2 MiB, 1 GiB), which io-pgtable-arm "
						"uses under a 4 KiB-page kernel; assumed: sysfs shows neither the kernel's "
						"page size nor the SMMU's granules (a 16 KiB or 64 KiB page kernel uses that "
						"granule)");
		} else {
			r->pgsize_bitmap = PAGE_SIZE_X86;
			r->pgsize_why = xstrdup("4 KiB assumed: the driver's page sizes are not shown in sysfs");
		}
	}
	/* vfio_update_pgsize_bitmap: nothing below PAGE_SIZE */
	if (r->pgsize_bitmap & (PAGE_SIZE_X86 - 1))
		r->pgsize_bitmap = (r->pgsize_bitmap & ~(PAGE_SIZE_X86 - 1)) | PAGE_SIZE_X86;

	if (s->host.params.type1_dma_entry_limit >= 0) {
		r->entry_limit = s->host.params.type1_dma_entry_limit;
	} else {
		r->entry_limit = MAPCHECK_DEFAULT_ENTRY_LIMIT;
		r->entry_limit_default = true;
	}
}

/* ---- the usable IOVA ranges ----------------------------------------------------- */

static bool resv_excluded(const struct resv_region *rr)
{
	return strcmp(rr->type, "direct-relaxable") != 0;
}

/* vfio_iommu_resv_exclude: cut [s, e] out of every node */
static void iova_exclude(struct mapcheck_report *r, uint64_t s, uint64_t e, size_t *cap)
{
	for (size_t i = 0; i < r->niova; i++) {
		struct map_range n = r->iova_ranges[i];
		if (s > n.end || e < n.start)
			continue;
		if (s > n.start && e < n.end) {
			xgrow((void **)&r->iova_ranges, cap, r->niova + 1, sizeof(*r->iova_ranges));
			memmove(&r->iova_ranges[i + 2], &r->iova_ranges[i + 1],
				(r->niova - i - 1) * sizeof(*r->iova_ranges));
			r->iova_ranges[i].end = s - 1;
			r->iova_ranges[i + 1] = (struct map_range){e + 1, n.end, NULL};
			r->niova++;
			i++;
		} else if (s > n.start) {
			r->iova_ranges[i].end = s - 1;
		} else if (e < n.end) {
			r->iova_ranges[i].start = e + 1;
		} else {
			memmove(&r->iova_ranges[i], &r->iova_ranges[i + 1], (r->niova - i - 1) * sizeof(*r->iova_ranges));
			r->niova--;
			i--;
		}
	}
}

static void build_iova_list(const struct iommu_group *g, struct mapcheck_report *r)
{
	size_t cap = 4;
	if (!r->aperture_known)
		return;
	r->iova_ranges = xcalloc(cap, sizeof(*r->iova_ranges));
	r->iova_ranges[0] = (struct map_range){0, r->aperture_end, NULL};
	r->niova = 1;
	for (size_t i = 0; i < g->nresv; i++)
		if (resv_excluded(&g->resv[i]))
			iova_exclude(r, g->resv[i].start, g->resv[i].end, &cap);
}

/* ---- the conflicts -------------------------------------------------------------- */

const char *map_errno_id(int err)
{
	switch (err) {
	case -EINVAL:
		return "EINVAL";
	case -EEXIST:
		return "EEXIST";
	case -ENOSPC:
		return "ENOSPC";
	}
	return "EIO";
}

static char *range_text(const struct map_range *m)
{
	if (m->name)
		return xasprintf("0x%llx-0x%llx (%s)", (unsigned long long)m->start, (unsigned long long)m->end, m->name);
	return xasprintf("0x%llx-0x%llx", (unsigned long long)m->start, (unsigned long long)m->end);
}

static void add_conflict(struct mapcheck_report *r, size_t *cap, enum map_conflict_kind kind, size_t range,
			 uint64_t start, uint64_t end, int err, const char *why)
{
	const struct map_range *m = &r->ranges[range];
	char *what = range_text(m);
	struct map_conflict *c;
	struct buf b;
	xgrow((void **)&r->conflicts, cap, r->nconflicts + 1, sizeof(*r->conflicts));
	c = &r->conflicts[r->nconflicts++];
	c->kind = kind;
	c->range = range;
	c->start = start;
	c->end = end;
	c->err = err;
	buf_init(&b);
	buf_appendf(&b, "VFIO_IOMMU_MAP_DMA of %s fails with -%s: %s", what, map_errno_id(err), why);
	/* hw/vfio/listener.c vfio_listener_region_add (QEMU 8.2+ wording;
	 * before: vfio_dma_map); at start-up the device then fails to realize */
	if (m->name)
		buf_appendf(&b, "; QEMU: \"Region %s: vfio_container_dma_map(..., 0x%llx, 0x%llx, ...) = %d (%s)\"",
			    m->name, (unsigned long long)m->start, (unsigned long long)(m->end - m->start + 1), err,
			    strerror(-err));
	c->message = buf_steal(&b);
	free(what);
}

static enum map_conflict_kind resv_kind(const char *type)
{
	if (!strcmp(type, "msi"))
		return MAP_CONFLICT_MSI;
	if (!strcmp(type, "direct"))
		return MAP_CONFLICT_DIRECT;
	return MAP_CONFLICT_RESERVED;
}

static const char *resv_meaning(const char *type)
{
	if (!strcmp(type, "msi"))
		return "the MSI doorbell window, where a device's writes are interrupts";
	if (!strcmp(type, "direct"))
		return "a 1:1 mapping the firmware requires (RMRR or unity range)";
	if (!strcmp(type, "reserved"))
		return "an IOVA range the IOMMU never translates";
	return "a reserved region";
}

static void check_range(const struct iommu_group *g, size_t i, bool *accepted, size_t *naccepted,
			struct mapcheck_report *r, size_t *cap)
{
	const struct map_range *m = &r->ranges[i];
	uint64_t minpg = r->pgsize_bitmap & -r->pgsize_bitmap;
	size_t before = r->nconflicts;
	char *why;

	if ((m->start | (m->end + 1)) & (minpg - 1)) {
		char sz[32];
		why = xasprintf("its start or size is not a multiple of %s, the smallest page the domain maps",
				format_bytes(minpg, sz, sizeof(sz)));
		add_conflict(r, cap, MAP_CONFLICT_ALIGNMENT, i, m->start, m->end, -EINVAL, why);
		free(why);
	}
	for (size_t j = 0; j < i; j++) {
		const struct map_range *o = &r->ranges[j];
		char *other;
		if (!accepted[j] || o->start > m->end || o->end < m->start)
			continue;
		other = range_text(o);
		why = xasprintf("it overlaps the earlier mapping %s", other);
		add_conflict(r, cap, MAP_CONFLICT_OVERLAP, i, m->start > o->start ? m->start : o->start,
			     m->end < o->end ? m->end : o->end, -EEXIST, why);
		free(why);
		free(other);
	}
	if (r->nconflicts == before && *naccepted >= (size_t)r->entry_limit) {
		why = xasprintf("the container already holds %ld mappings, vfio_iommu_type1's dma_entry_limit%s", r->entry_limit,
				r->entry_limit_default ? " (its default)" : "");
		add_conflict(r, cap, MAP_CONFLICT_ENTRY_LIMIT, i, m->start, m->end, -ENOSPC, why);
		free(why);
	}
	if (r->aperture_known && m->end > r->aperture_end) {
		why = xasprintf("the IOMMU domain's aperture ends at 0x%llx (%u-bit addresses), so vfio_iommu_type1's "
				"usable IOVA ranges stop there",
				(unsigned long long)r->aperture_end, r->address_bits);
		add_conflict(r, cap, MAP_CONFLICT_APERTURE, i, m->start > r->aperture_end ? m->start : r->aperture_end + 1,
			     m->end, -EINVAL, why);
		free(why);
	}
	for (size_t k = 0; k < g->nresv; k++) {
		const struct resv_region *rr = &g->resv[k];
		if (rr->start > m->end || rr->end < m->start)
			continue;
		r->resv[k].hit = true;
		if (!r->resv[k].excluded)
			continue;
		why = xasprintf("0x%llx-0x%llx is group %d's %s region, %s; vfio_iommu_type1 excludes it from the "
				"usable IOVA ranges",
				(unsigned long long)rr->start, (unsigned long long)rr->end, r->group, rr->type,
				resv_meaning(rr->type));
		add_conflict(r, cap, resv_kind(rr->type), i, m->start > rr->start ? m->start : rr->start,
			     m->end < rr->end ? m->end : rr->end, -EINVAL, why);
		free(why);
	}
	accepted[i] = r->nconflicts == before;
	if (accepted[i])
		(*naccepted)++;
}

/* Where a reserved region lies in the guest's physical address space. */
static char *guest_where(const struct guest_layout *l, const struct map_resv *v)
{
	const struct resv_region *rr = v->region;
	uint64_t ram_end = l->ram_ranges[l->nranges - 1].end;
	if (v->hit && !v->excluded)
		return xasprintf("overlaps guest RAM, which VFIO maps anyway: vfio_iommu_type1 keeps %s regions usable "
				 "and the 1:1 mapping goes when VFIO takes the group",
				 rr->type);
	if (v->hit)
		return xstrdup("overlaps guest RAM");
	if (rr->start >= l->pci_hole_start && rr->end < FOUR_GIB)
		return xasprintf("inside the 32-bit PCI hole (0x%llx-0xffffffff), where QEMU maps no RAM",
				 (unsigned long long)l->pci_hole_start);
	if (l->relocated && rr->start >= AMD_HT_START && rr->end <= AMD_HT_END)
		return xstrdup("inside the HyperTransport hole, which QEMU skips by placing RAM above 4 GiB at 1 TiB");
	if (rr->start > ram_end)
		return xasprintf("above the guest's RAM, which ends at 0x%llx", (unsigned long long)ram_end);
	return xstrdup("outside the guest's RAM");
}

int mapcheck_analyse(const struct snapshot *s, const struct mapcheck_request *q, struct mapcheck_report *out,
		     char **why)
{
	const struct iommu_group *g = snapshot_find_group(s, q->group);
	size_t cap = 0, naccepted = 0;
	bool *accepted;

	mapcheck_report_init(out);
	if (!g)
		return -ENOENT;
	if (!g->resv_known) {
		*why = xasprintf("/sys/kernel/iommu_groups/%d/reserved_regions", g->id);
		return -EIO;
	}
	out->group = g->id;
	describe_domain(s, out);
	if (q->guest_ram) {
		enum guest_machine m = q->machine;
		/* the platform's own machine type unless one was given */
		if (m == GUEST_MACHINE_DEFAULT) {
			enum arch a = platform_arch(s);
			m = a == ARCH_ARM ? GUEST_MACHINE_VIRT : GUEST_MACHINE_Q35;
			if (a == ARCH_UNKNOWN)
				strvec_pushf(&out->notes, "the machine's architecture is unknown: the guest is taken to be a q35 "
							  "one (give --machine virt for an Arm guest)");
		}
		/* under KVM the guest usually runs the host's CPU model */
		guest_layout_compute(m, q->guest_ram, out->driver && !strcmp(out->driver, "amd"), &out->guest);
		out->has_guest = true;
		out->nranges = out->guest.nranges;
		out->ranges = xcalloc(out->nranges, sizeof(*out->ranges));
		memcpy(out->ranges, out->guest.ram_ranges, out->nranges * sizeof(*out->ranges));
	} else {
		out->nranges = q->nranges;
		out->ranges = xcalloc(out->nranges ? out->nranges : 1, sizeof(*out->ranges));
		memcpy(out->ranges, q->ranges, out->nranges * sizeof(*out->ranges));
	}
	build_iova_list(g, out);

	out->nresv = g->nresv;
	out->resv = xcalloc(g->nresv ? g->nresv : 1, sizeof(*out->resv));
	for (size_t k = 0; k < g->nresv; k++) {
		out->resv[k].region = &g->resv[k];
		out->resv[k].excluded = resv_excluded(&g->resv[k]);
	}
	accepted = xcalloc(out->nranges ? out->nranges : 1, sizeof(*accepted));
	for (size_t i = 0; i < out->nranges; i++)
		check_range(g, i, accepted, &naccepted, out, &cap);
	free(accepted);
	for (size_t k = 0; k < out->nresv; k++) {
		const struct map_resv *v = &out->resv[k];
		if (out->has_guest)
			out->resv[k].where = guest_where(&out->guest, v);
		else if (v->hit && !v->excluded)
			strvec_pushf(&out->notes, "0x%llx-0x%llx (%s) overlaps a mapping, which is no conflict: "
						  "vfio_iommu_type1 keeps %s regions usable, and the 1:1 mapping goes "
						  "when VFIO takes the group",
				     (unsigned long long)v->region->start, (unsigned long long)v->region->end,
				     v->region->type, v->region->type);
	}

	if (out->entry_limit_default)
		strvec_pushf(&out->notes, "vfio_iommu_type1 is not loaded (the snapshot has no dma_entry_limit): its default, %d "
			  "mappings, is assumed",
		     MAPCHECK_DEFAULT_ENTRY_LIMIT);
	for (size_t k = 0; k < out->nresv; k++)
		if (!strcmp(out->resv[k].region->type, "direct") && kernel_at_least(&s->host, 6, 6)) {
			strvec_pushf(&out->notes, "group %d has a direct region: since Linux 6.6 the kernel refuses to give such a "
				  "device to VFIO at all (it needs a 1:1 mapping)",
			     out->group);
			break;
		}
	if (out->has_guest && out->guest.machine == GUEST_MACHINE_VIRT) {
		strvec_pushf(&out->notes, "the layout is QEMU's for an Arm virt machine: RAM from 0x%llx in one piece, above "
					  "the 32-bit PCIe window 0x%llx-0x%llx",
			     VIRT_RAM_START, VIRT_PCIE_MMIO_START, VIRT_PCIE_MMIO_END);
	} else if (out->has_guest) {
		const struct guest_layout *l = &out->guest;
		strvec_pushf(&out->notes, "the layout is QEMU's for a %s machine (7.1 or later machine types) with no memory hotplug "
			  "(maxmem): RAM below 4 GiB ends at 0x%llx, the rest starts at 0x%llx",
		     guest_machine_id(l->machine), (unsigned long long)l->below_4g,
		     (unsigned long long)l->above_4g_start);
		if (l->relocated)
			strvec_pushf(&out->notes, "the guest's CPU is taken to be an AMD one, like the host's (the IOMMU is AMD-Vi): QEMU "
				  "moves RAM above 4 GiB to 1 TiB, past the HyperTransport hole, since its address space "
				  "would reach 0x%llx",
			     AMD_HT_START);
		strvec_pushf(&out->notes, "QEMU maps each RAM region with one VFIO_IOMMU_MAP_DMA call or a few (the legacy VGA window "
			  "0xa0000-0xbffff and the BIOS areas below 1 MiB split the first), all inside the ranges shown");
	}
	return 0;
}
