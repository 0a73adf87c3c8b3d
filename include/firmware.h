/* firmware.h - what the firmware tells the kernel about IOMMUs and MSI
 * controllers: whether the machine was described by ACPI or a device tree,
 * the Arm SMMUs and GIC MSI controllers of the device tree
 * (/sys/firmware/devicetree/base: compatible, phandle, iommu-map, iommus,
 * msi-map, msi-parent) and of the ACPI IORT table.  Loaded through sysroot
 * with the rest of the snapshot (model-firmware.c); never prints.  Sources:
 * KERNEL-FACTS.md section 10; Documentation/devicetree/bindings/pci/
 * pci-iommu.yaml, pci-msi.txt; the IORT specification (Arm DEN 0049). */
#ifndef IOMMUCTL_FIRMWARE_H
#define IOMMUCTL_FIRMWARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* An Arm SMMU the firmware describes. */
struct fw_smmu {
	char *where;   /* the device-tree node ("smmuv3@9050000") or "IORT" */
	int version;   /* 3 (arm,smmu-v3), 2 (arm,smmu-v2, arm,mmu-500, ...), 1 */
	uint64_t base; /* IORT: the register base; 0 unknown */
};

/* The kind of an MSI controller PCI devices signal to. */
enum msi_ctrl_kind {
	MSI_CTRL_UNKNOWN,   /* pointed at, but its node was not read */
	MSI_CTRL_GICV3_ITS, /* arm,gic-v3-its: translates MSIs per DeviceID (isolated) */
	MSI_CTRL_GICV2M,    /* arm,gic-v2m-frame: one doorbell for all (not isolated) */
	MSI_CTRL_OTHER,     /* another msi-controller */
};

struct firmware_facts {
	/* presence, read with every load: 1 present, 0 absent, -1 unreadable */
	int acpi;        /* /sys/firmware/acpi/tables */
	int devicetree;  /* /sys/firmware/devicetree/base */
	/* the details (SNAP_LOAD_HOST) */
	bool loaded;
	char *dt_model;                 /* the root's `model`, NULL if none */
	bool dt_arm;                    /* some node is compatible with "arm,..." */
	size_t dt_nodes;                /* nodes read */
	bool dt_truncated;              /* more nodes than iommuctl reads */
	struct fw_smmu *smmu;
	size_t nsmmu;
	/* PCI host bridges of the device tree (device_type "pci" below the
	 * root or a bus node), and what they say */
	size_t pci_hosts;
	size_t pci_hosts_iommu_map;     /* with an iommu-map (or iommus) */
	size_t pci_hosts_msi;           /* with an msi-map or msi-parent */
	/* the MSI controller the PCI hosts point at (the least isolating one
	 * when they differ); MSI_CTRL_UNKNOWN with msi_target_missing when the
	 * node pointed at was not found */
	enum msi_ctrl_kind pci_msi;
	bool msi_target_missing;
	/* every GIC ITS / v2m node of the device tree */
	size_t dt_its, dt_v2m;
	/* ACPI IORT: 1 read and parsed, 0 absent, -errno unreadable, -EILSEQ
	 * malformed */
	int iort;
	size_t iort_its_groups;         /* ITS group nodes */
	size_t iort_root_complexes;
	size_t iort_rc_to_smmu;         /* root complexes whose IDs map to an SMMU */
	size_t iort_rc_to_its;          /* ... straight to an ITS group */
};

void firmware_facts_init(struct firmware_facts *f);
void firmware_facts_release(struct firmware_facts *f);

/* Parses an IORT table (the whole file) into F's iort_* fields and SMMUs.
 * Returns false if it is not a well-formed IORT (F then holds what was
 * parsed before the fault). */
bool parse_iort(const uint8_t *data, size_t len, struct firmware_facts *f);

#endif
