/* platform.h - which kind of machine a snapshot is, from its own evidence,
 * and the rules that differ by platform: whether the kernel turns ACS on
 * before PCI enumeration (ACPI vs device tree), what isolates MSIs
 * (interrupt remapping on x86, a GICv3 ITS on Arm), the Arm SMMU's
 * StreamID collisions.  Pure functions over a const snapshot.  Sources:
 * KERNEL-FACTS.md sections 2.6, 3.4 and 10. */
#ifndef IOMMUCTL_PLATFORM_H
#define IOMMUCTL_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

enum arch { ARCH_UNKNOWN, ARCH_X86, ARCH_ARM };

/* The architecture and the first piece of evidence that told it (a static
 * or heap string in *EVIDENCE, see platform_arch_evidence); ARCH_UNKNOWN when
 * the snapshot holds none: never x86 by default.  Evidence, strongest
 * first: the IOMMU units' drivers (intel, amd / arm-smmu*), the ACPI tables
 * (DMAR, IVRS / IORT), the machine (uname -m, as a snapshot records it),
 * the kernel release's flavour (-amd64 / -arm64), /proc/interrupts (LOC: /
 * ITS-), a device tree with arm, compatible nodes. */
enum arch platform_arch(const struct snapshot *s);
/* Why platform_arch said so: "the IOMMU unit smmu3.0x...'s driver", ... (a
 * heap string; NULL for ARCH_UNKNOWN). */
char *platform_arch_evidence(const struct snapshot *s);

/* Whether the kernel turns the ACS controls on while it enumerates PCI,
 * before groups form (pci_request_acs() before pci_enable_acs(), 2.6,
 * 10.2).  For a running system with an IOMMU the observed ACS Control is
 * the truth; this is the rule a prediction follows. */
struct acs_request {
	bool requested;      /* the rule applied */
	bool certain;        /* the rule is known for this platform and kernel */
	const char *code;    /* acpi, devicetree_late, devicetree_unverified,
			      * assumed */
	char *message;       /* one sentence: the rule and why */
};
void platform_acs_request(const struct snapshot *s, struct acs_request *r);
void acs_request_release(struct acs_request *r);

/* What isolates MSIs on this machine, and whether it does. */
enum msi_isolation_kind {
	MSI_ISO_UNKNOWN_KIND,     /* the architecture is unknown */
	MSI_ISO_IRQ_REMAPPING,    /* x86: Intel / AMD interrupt remapping */
	MSI_ISO_MSI_CONTROLLER,   /* Arm: the MSI controller (GICv3 ITS) */
};
struct msi_isolation {
	enum msi_isolation_kind kind;
	int isolated;             /* 1, 0, -1 unknown (Arm only; x86 is
				   * status's interrupt remapping check) */
	const char *controller;   /* "GICv3 ITS", "GICv2m", ... or NULL */
	char *evidence;           /* where that was read (heap) */
};
void platform_msi_isolation(const struct snapshot *s, struct msi_isolation *m);
void msi_isolation_release(struct msi_isolation *m);

/* Whether an IOMMU unit here is driven by DRIVER ("intel", "amd",
 * "arm-smmu-v3", ...). */
bool platform_has_unit_driver(const struct snapshot *s, const char *driver);

/* The topmost bridge whose requester ID DEV's DMA carries (a PCIe-to-PCI
 * or conventional bridge; PCIe ports pass IDs through), or -1 (none, or
 * the topology or a bridge's configuration space is unknown). */
int dma_alias_bridge(const struct snapshot *s, size_t dev);

/* A StreamID collision (10.3): DEV has no group, yet an arm-smmu-v3 unit
 * serves the functions whose DMA carries the same requester ID (a PCIe-to-
 * PCI bridge's alias).  Returns the function that took that StreamID (in a
 * group), or -1; *BRIDGE gets the bridge whose alias they share. */
int streamid_taken_by(const struct snapshot *s, size_t dev, int *bridge);
/* One sentence saying so, for explain and check-vfio (heap). */
char *streamid_collision_text(const struct snapshot *s, size_t dev, int owner, int bridge);

#endif
