/* mapcheck.h - whether a planned VFIO mapping layout fits an IOMMU group
 * (`iommuctl map-check`): explicit IOVA ranges, or the guest-physical RAM
 * layout QEMU gives a q35 or pc (i440fx) guest, checked against what
 * vfio_iommu_type1 enforces on VFIO_IOMMU_MAP_DMA: the group's reserved
 * regions, the IOMMU domain's aperture (address width), the smallest page
 * the domain maps and the dma_entry_limit module parameter.
 *
 * Pure functions over a const snapshot loaded with SNAP_LOAD_HOST (the
 * units' registers and /sys/module/vfio_iommu_type1/parameters); the
 * kernel and QEMU rules, cited, are in analysis-mapcheck.c. */
#ifndef IOMMUCTL_MAPCHECK_H
#define IOMMUCTL_MAPCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "util.h"

/* vfio_iommu_type1's dma_entry_limit when the module is not loaded (its
 * default, U16_MAX) */
#define MAPCHECK_DEFAULT_ENTRY_LIMIT 65535

/* One VFIO_IOMMU_MAP_DMA call: [start, end] (end inclusive) and, for a
 * guest layout, QEMU's name of the memory region ("ram-below-4g"). */
struct map_range {
	uint64_t start, end;
	const char *name; /* static string, or NULL for a --range */
};

/* ---- QEMU's guest-physical RAM layout -------------------------------------------- */

/* DEFAULT: the platform's own (virt on Arm, q35 otherwise), chosen by
 * mapcheck_check from the snapshot. */
enum guest_machine { GUEST_MACHINE_DEFAULT, GUEST_MACHINE_Q35, GUEST_MACHINE_PC, GUEST_MACHINE_VIRT };
const char *guest_machine_id(enum guest_machine m); /* "q35", "pc", "virt" */
/* What --machine takes, as guest_machine_parse reads it; NULL-terminated. */
extern const char *const guest_machine_ids[];
bool guest_machine_parse(const char *s, enum guest_machine *out);

struct guest_layout {
	enum guest_machine machine;
	uint64_t ram;             /* bytes of guest RAM (-m) */
	uint64_t below_4g;        /* RAM below 4 GiB, from 0 */
	uint64_t above_4g;        /* RAM above it */
	uint64_t above_4g_start;  /* 4 GiB, or 1 TiB when relocated */
	bool relocated;           /* moved past the AMD HyperTransport hole */
	uint64_t pci_hole_start;  /* the 32-bit PCI hole: [below_4g, 4 GiB - 1] */
	uint64_t pci_hole_end;    /* (virt: the 32-bit PCIe window below RAM) */
	struct map_range ram_ranges[2];
	size_t nranges;
};

/* The layout QEMU (7.1 or later machine types) builds for RAM bytes of
 * guest RAM.  AMD_CPU: the guest's CPU is an AMD one (QEMU then moves RAM
 * above 4 GiB to 1 TiB when the guest's address space would reach the
 * HyperTransport hole).  RAM must be above 0. */
void guest_layout_compute(enum guest_machine m, uint64_t ram, bool amd_cpu, struct guest_layout *out);

/* ---- the check ------------------------------------------------------------------- */

enum map_conflict_kind {
	MAP_CONFLICT_ALIGNMENT,   /* not a multiple of the smallest page: -EINVAL */
	MAP_CONFLICT_OVERLAP,     /* overlaps an earlier mapping: -EEXIST */
	MAP_CONFLICT_ENTRY_LIMIT, /* dma_entry_limit mappings already: -ENOSPC */
	MAP_CONFLICT_APERTURE,    /* beyond the domain's aperture: -EINVAL */
	MAP_CONFLICT_MSI,         /* in an msi region: -EINVAL */
	MAP_CONFLICT_DIRECT,      /* in a direct (RMRR, unity) region: -EINVAL */
	MAP_CONFLICT_RESERVED,    /* in a reserved region: -EINVAL */
};
/* "alignment", "overlap", "entry_limit", "aperture", "msi", "direct",
 * "reserved" */
const char *map_conflict_kind_id(enum map_conflict_kind k);

/* "EINVAL", "EEXIST", "ENOSPC" for -EINVAL, ... */
const char *map_errno_id(int err);

struct map_conflict {
	enum map_conflict_kind kind;
	uint64_t start, end;      /* the exact addresses in conflict (end inclusive) */
	size_t range;             /* index into mapcheck_report.ranges */
	int err;                  /* what VFIO_IOMMU_MAP_DMA returns: -EINVAL, ... */
	char *message;            /* what is wrong, and what the kernel and QEMU say */
};

/* One of the group's reserved regions, as vfio_iommu_type1 treats it. */
struct map_resv {
	const struct resv_region *region; /* points into the snapshot */
	bool excluded;            /* removed from the usable IOVA ranges (all but direct-relaxable) */
	bool hit;                 /* some mapping overlaps it */
	char *where;              /* for a guest layout, where it lies ("inside the 32-bit PCI hole") */
};

struct mapcheck_request {
	int group;                /* the IOMMU group id */
	const struct map_range *ranges; /* explicit ranges (when guest_ram is 0) */
	size_t nranges;
	/* or the RAM of a QEMU guest of that machine type: its layout, with
	 * the guest's CPU taken to be of the host's vendor (AMD when the
	 * group's IOMMU is AMD-Vi) */
	uint64_t guest_ram;
	enum guest_machine machine;
};

struct mapcheck_report {
	int group;
	const char *unit;         /* the IOMMU unit of the group's devices, or NULL */
	const char *driver;       /* its driver ("intel", "amd", "virtio", ...), or NULL */
	struct map_range *ranges; /* the mappings checked, in order */
	size_t nranges;
	struct guest_layout guest;
	bool has_guest;
	/* the domain's aperture (iommu_domain geometry) */
	bool aperture_known;
	uint64_t aperture_end;    /* it starts at 0 */
	unsigned address_bits;
	char *aperture_why;       /* where the width comes from, or why it is unknown */
	uint64_t pgsize_bitmap;   /* the page sizes VFIO reports (iova_pgsizes) */
	char *pgsize_why;
	long entry_limit;
	bool entry_limit_default; /* the module's default: the snapshot has no parameter */
	/* VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE: the aperture less the excluded
	 * regions (empty when the aperture is unknown) */
	struct map_range *iova_ranges;
	size_t niova;
	struct map_resv *resv;
	size_t nresv;
	struct map_conflict *conflicts;
	size_t nconflicts;
	struct strvec notes;      /* facts and assumptions, one sentence each */
};

/* Checks Q against group Q->group of S.  Returns 0; -ENOENT when S has no
 * such group; -EIO when the group's reserved regions could not be read
 * (*why, heap, says which file). */
int mapcheck_analyse(const struct snapshot *s, const struct mapcheck_request *q, struct mapcheck_report *out,
		     char **why);
void mapcheck_report_init(struct mapcheck_report *r);
void mapcheck_report_release(struct mapcheck_report *r);

/* ---- rendering (render-mapcheck.c) ------------------------------------------------ */

/* Text: the domain's limits, the mappings and reserved regions as tables,
 * then every conflict.  WIDTH: a terminal's width to wrap sentences at (0:
 * none).  Returns 0, or -1 if the output failed. */
int render_mapcheck_text(const struct snapshot *s, const struct mapcheck_report *r, size_t width);
/* The map-check document ({"schema_version": 1, "conflicts": [...], ...}). */
int json_print_mapcheck(const struct snapshot *s, const struct mapcheck_report *r, const char *names_warning,
			bool pretty);

#endif
