/* model.h - a snapshot of the system's PCI functions, IOMMU groups and IOMMU
 * units, loaded through sysroot into plain structs.
 *
 * The loader never prints and never exits: whatever could not be read is
 * recorded in snapshot.issues (path, errno, detail) and the field concerned
 * is marked unknown.  Renderers turn issues into warnings. */
#ifndef IOMMUCTL_MODEL_H
#define IOMMUCTL_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dma.h"
#include "firmware.h"
#include "host.h"
#include "pci.h"
#include "provenance.h"
#include "sysroot.h"
#include "util.h"

/* One line of a group's reserved_regions: [start, end] (end inclusive) and
 * the type string as the kernel prints it ("direct", "direct-relaxable",
 * "reserved", "msi"). */
struct resv_region {
	uint64_t start;
	uint64_t end;
	char *type;
};

struct pci_device {
	struct pci_addr addr;
	char bdf[PCI_BDF_MAX];
	bool ident_known;
	/* the configuration header was read: header type and multifunction
	 * are known (uevent, the fallback, has neither) */
	bool header_known;
	struct pci_ident ident;
	bool revision_known;
	bool class_known;
	/* How much configuration space was read (64 bytes without privilege,
	 * 256 or 4096 with it; SNAP_LOAD_CONFIG, else 0).  The bytes are not
	 * kept: what is decoded from them is (ident, caps), 4 KiB a function
	 * being 64 MiB on a 16k-function SR-IOV host. */
	size_t config_len;
	/* Capabilities decoded from the configuration space
	 * (SNAP_LOAD_CONFIG); caps.known is false when only the unprivileged
	 * 64 bytes could be read. */
	struct pci_caps caps;
	/* An SR-IOV virtual function: its id registers read all ones; the
	 * kernel never treats it as multifunction. */
	bool virtfn;
	/* A VF: its PF (index into snapshot.dev), found from the PF's
	 * SR-IOV capability (First VF Offset, VF Stride, NumVFs, as
	 * pci_iov_virtfn_bus/devfn place VFs); -1 otherwise or when no PF's
	 * configuration space places it. */
	int physfn;
	/* Where it sits (SNAP_LOAD_TOPOLOGY), from its sysfs location. */
	bool topology_known;
	int parent;      /* the bridge above it (the kernel's bus->self): an
			  * index into snapshot.dev, or -1 on a root bus */
	int host_bridge; /* its root bus's host bridge: index into
			  * snapshot.host_bridges, or -1 */
	int dma_dev;     /* behind an Intel VMD controller: the controller's
			  * index, whose requester ID it uses; else -1 */
	/* SNAP_LOAD_HOST: what VFIO and resets care about */
	char *reset_method;     /* the enabled methods ("flr bus"), NULL if
				 * the attribute is absent (before 5.15) */
	bool reset_method_known;
	char *driver_override;  /* NULL when unset ("(null)") */
	int boot_vga;           /* VGA devices: 1 or 0; -1 otherwise */
	int sriov_numvfs;       /* PFs: VFs enabled; -1 otherwise */
	/* SNAP_LOAD_DMA: the masks as the last driver set them (fls64 of
	 * the mask: 32 for DMA_BIT_MASK(32)); -1 unknown */
	int dma_mask_bits;
	int coherent_dma_mask_bits;
	char *removable;        /* "removable" (below an external-facing
				 * port), "fixed", "unknown"; NULL if absent */
	const char *driver;  /* points into snapshot.drivers; NULL: none */
	bool driver_known;
	int group;           /* IOMMU group id, or -1 */
	int unit;            /* index into snapshot.units, or -1 */
	/* A snapshot built from an lspci dump (snapshot.from_lspci): the facts
	 * of this function iommuctl synthesised, and those the dump does not
	 * tell (bits 1u << enum prov_fact). */
	unsigned synthesised;
	unsigned unknown;
	/* Names, filled by names_resolve(); NULL when unknown. */
	const char *vendor_name;
	const char *device_name;
	const char *class_name;
};

struct iommu_group {
	int id;
	char *type;   /* the kernel's spelling ("DMA-FQ", ...); NULL if unread */
	char *name;   /* the optional `name` attribute ("vfio-noiommu"), or NULL */
	bool resv_known;
	struct resv_region *resv;
	size_t nresv;
	bool members_known;
	size_t *dev;  /* PCI members: indices into snapshot.dev, sorted */
	size_t ndev;
	struct strvec other; /* members that are not PCI functions */
	/* Their buses, in the same order ("platform", "amba", ... from each
	 * member's `subsystem` link); "" where it could not be read. */
	struct strvec other_bus;
};

struct iommu_unit {
	char *name;         /* "dmar0", "ivhd0", "smmu3.0x...", "virtio1" */
	const char *driver; /* "intel", "amd", "arm-smmu-v3", "arm-smmu", "virtio", or NULL */
	bool members_known;
	struct strvec members; /* device names as listed, sorted */
	/* SNAP_LOAD_HOST: the unit's registers, as the driver shows them */
	bool regs_known;
	uint64_t cap, ecap;     /* Intel CAP_REG/ECAP_REG; AMD: cap (header) */
	uint64_t features;      /* AMD: the EFR */
	char *version;          /* Intel "1:0" */
};

/* Something that could not be read or made no sense.  err is a negative
 * errno, or 0 with DETAIL saying what was malformed. */
struct load_issue {
	char *path;   /* root-relative, with a leading '/' */
	int err;
	char *detail;
	/* A snapshot built from an lspci dump: the conclusions rest on a fact
	 * iommuctl synthesised or could not know (FACT, a prov_fact_name(), with
	 * SOURCE), for these functions (none: the snapshot as a whole). */
	const char *fact;
	enum prov_source source;
	struct strvec functions;
};

/* Where a directory the conclusions rest on stood: present with N entries,
 * missing (-ENOENT) or unreadable (another -errno). */
struct source {
	int err;
	size_t entries;
};

struct snapshot {
	struct pci_device *dev; /* sorted by address */
	size_t ndev;
	struct iommu_group *grp; /* sorted by id */
	size_t ngrp;
	struct iommu_unit *unit; /* sorted by name */
	size_t nunit;
	struct strvec drivers;   /* owns the driver names devices point to */
	struct strvec host_bridges; /* "pci0000:00", ... (SNAP_LOAD_TOPOLOGY) */
	bool topology_loaded;

	struct source pci_devices;   /* /sys/bus/pci/devices */
	struct source pci_drivers;   /* /sys/bus/pci/drivers */
	struct source iommu_groups;  /* /sys/kernel/iommu_groups */
	struct source class_iommu;   /* /sys/class/iommu */

	char *cmdline;     /* /proc/cmdline without the newline; NULL if unread */
	int cmdline_err;
	/* ACPI tables that describe an IOMMU (DMAR, IVRS, IORT, VIOT) found
	 * under /sys/firmware/acpi/tables; looked for only when no IOMMU unit
	 * is registered. */
	bool fw_tables_checked;
	bool fw_acpi;      /* /sys/firmware/acpi/tables exists */
	struct strvec fw_tables;

	/* Functions whose whole configuration space was asked for
	 * (SNAP_LOAD_CONFIG) but only the unprivileged 64 bytes came. */
	size_t config_restricted;
	char *config_restricted_path;

	/* ACPI or device tree (always), the SMMUs and MSI controllers they
	 * describe (SNAP_LOAD_HOST) */
	struct firmware_facts fw;
	/* SNAP_LOAD_HOST */
	struct host_facts host;
	/* SNAP_LOAD_DMA */
	struct dma_facts dma;

	/* Built by snapshot --from-lspci: .iommuctl/lspci says where each fact
	 * came from (the functions' synthesised and unknown bits). */
	bool from_lspci;

	struct load_issue *issues;
	size_t nissues;
	size_t cap_issues;
};

enum snapshot_load_flags {
	/* Keep each function's whole configuration space (for ACS and
	 * capabilities; the snapshot command wants it too). */
	SNAP_LOAD_CONFIG = 1u << 0,
	/* Find each function's place in the hierarchy (one link read per
	 * function). */
	SNAP_LOAD_TOPOLOGY = 1u << 1,
	/* What VFIO and a host-wide status need: /dev/vfio, module
	 * parameters, reset methods, mounts, routes, interrupt remapping,
	 * the IOMMU units' registers, the ACPI tables. */
	SNAP_LOAD_HOST = 1u << 2,
	/* The swiotlb pools (debugfs) and the memory map: what `swiotlb
	 * stats` samples. */
	SNAP_LOAD_SWIOTLB = 1u << 3,
	/* Where DMA goes without translation: the pools, the memory map and
	 * each function's DMA masks. */
	SNAP_LOAD_DMA = SNAP_LOAD_SWIOTLB | 1u << 4,
	/* Only the kernel command line (`iommuctl cmdline`): no PCI, no
	 * groups. */
	SNAP_LOAD_CMDLINE_ONLY = 1u << 5,
	/* What the isolation analysis needs (topology, explain, predict). */
	SNAP_LOAD_ISOLATION = SNAP_LOAD_CONFIG | SNAP_LOAD_TOPOLOGY,
	SNAP_LOAD_ALL = SNAP_LOAD_CONFIG | SNAP_LOAD_TOPOLOGY | SNAP_LOAD_HOST | SNAP_LOAD_DMA,
};

void snapshot_init(struct snapshot *s);
void snapshot_release(struct snapshot *s);

/* Loads the system seen through SR.  Returns 0, or a negative errno when
 * /sys itself cannot be read (nothing useful can be said then). */
int snapshot_load(struct sysroot *sr, unsigned flags, struct snapshot *s);

/* Look-ups (binary searches over the sorted arrays). */
struct pci_device *snapshot_find_device(const struct snapshot *s, const struct pci_addr *a);
/* By kernel name ("0000:01:00.0"); NULL for anything else. */
struct pci_device *snapshot_find_by_name(const struct snapshot *s, const char *name);
/* The last PCI function named in a sysfs path (the device a block or
 * network device hangs off), or NULL. */
struct pci_device *snapshot_device_in_path(const struct snapshot *s, const char *path);
const struct iommu_group *snapshot_find_group(const struct snapshot *s, int id);

/* The PCI hierarchy as lists (SNAP_LOAD_TOPOLOGY): the functions whose
 * place is known, by the bridge above them, each list in address order, so
 * that walking the tree costs one visit per function. */
struct pci_tree {
	size_t *start; /* [ndev + 1]: the children of i are kids[start[i]] up to kids[start[i + 1]] */
	int *kids;
	int *roots;    /* the functions on a root bus (parent -1) */
	size_t nroots;
};
void pci_tree_build(const struct snapshot *s, struct pci_tree *t);
void pci_tree_release(struct pci_tree *t);
/* The functions below PARENT (an index into s->dev), or with PARENT -1 those
 * on a root bus; *N gets how many. */
static inline const int *pci_tree_children(const struct pci_tree *t, int parent, size_t *n)
{
	if (parent < 0) {
		*n = t->nroots;
		return t->roots;
	}
	*n = t->start[parent + 1] - t->start[parent];
	return t->kids + t->start[parent];
}

/* Parses a function's sysfs location ("../../../devices/pci0000:00/
 * 0000:00:03.0/0000:01:00.0") into D's parent, host bridge and DMA device,
 * adding host bridges to S.  Returns false if the location makes no sense. */
bool parse_device_location(struct snapshot *s, struct pci_device *d, const char *target);

/* Parsers, exposed for unit tests and fuzzing.  They record problems as
 * issues against PATH. */
bool parse_resv_regions(struct snapshot *s, const char *path, const char *text, struct resv_region **out, size_t *n);
void snapshot_add_issue(struct snapshot *s, const char *path, int err, const char *detail);
/* An issue saying the conclusions rest on FACT of FUNCTIONS (NULL: the
 * snapshot as a whole), which iommuctl synthesised or could not know. */
void snapshot_add_synthesised(struct snapshot *s, const char *detail, enum prov_fact fact, enum prov_source source,
			      const struct strvec *functions);

#endif
