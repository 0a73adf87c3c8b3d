/* vfio.h - can a device be handed to a VM through VFIO, and what exactly
 * to do if not yet (KERNEL-FACTS.md section 3: the 5.19+ DMA-ownership
 * model and the older driver whitelist, interrupt remapping, RMRR/direct
 * regions, resets, no-IOMMU mode).  Pure functions over a snapshot loaded
 * with SNAP_LOAD_ALL. */
#ifndef IOMMUCTL_VFIO_H
#define IOMMUCTL_VFIO_H

#include <stdbool.h>
#include <stddef.h>

#include "analysis.h"
#include "model.h"

enum vfio_verdict {
	VFIO_VIABLE,        /* VFIO can open it now */
	VFIO_AFTER_STEPS,   /* it can once the steps are done */
	VFIO_NOT_VIABLE,    /* binding drivers cannot fix it */
};
const char *vfio_verdict_id(enum vfio_verdict v); /* "viable", ... */

/* One shell command, in order. */
struct vfio_step {
	char *command;
	int subject;   /* the device it concerns, or -1 */
	char *purpose;
};

struct vfio_check {
	size_t dev;
	int group;                 /* -1: none */
	enum vfio_verdict verdict;
	/* VFIO_GROUP_FLAGS_VIABLE as the kernel would report it now: no
	 * member bound to a driver that uses the kernel's DMA API */
	bool group_viable;
	struct finding *findings;
	size_t nfindings;
	struct vfio_step *steps;
	size_t nsteps;
	struct strvec persistent;  /* the same with driverctl (survives reboots) */
	/* resets */
	bool flr;                  /* Function Level Reset in Device Capabilities */
	bool flr_known;
	const char *reset_method;  /* the kernel's list, NULL if unknown */
	/* what VFIO's hot (secondary-bus) reset of it also resets; false
	 * when it can have none (a root bus, a VF, topology unknown) */
	bool bus_reset_known;
	size_t *bus_reset_also;
	size_t nbus_reset_also;
};

struct status_report;
/* Checks device DEV of S (P: iommu_presence_analyse of S; ST: status_analyse
 * of S, whose interrupt_remapping check decides MSI isolation; TREE:
 * pci_tree_build of S, for the devices a bus reset reaches). */
void vfio_check_device(const struct snapshot *s, const struct iommu_presence *p, const struct status_report *st,
		       const struct pci_tree *tree, size_t dev, struct vfio_check *out);
void vfio_check_release(struct vfio_check *c);

/* True if DRIVER leaves a group viable (driver_managed_dma: vfio-pci and
 * its variants, pci-stub, pcieport). */
bool vfio_driver_managed_dma(const char *driver);

#endif
