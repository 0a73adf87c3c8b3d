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
	/* a blocking finding is only something that could not be read
	 * (its code ends in "_unknown"): not viable on this evidence */
	bool blocked_by_unknowns;
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

/* What one check-vfio run asks: the devices, whether they are to be
 * assigned together (named devices, or one script for all: their steps
 * must not undo each other), and the risks the user accepted. */
struct vfio_request {
	const size_t *devs;  /* indices into snapshot.dev */
	size_t ndevs;
	bool together;
	/* steps for a device whose host use could not be read
	 * (--accept-unknown-host-use) */
	bool accept_unknown_host_use;
	/* vfio_request_prepare: for each function of the snapshot, the
	 * request's device (index into devs) whose steps disable its VFs
	 * (it is a PF with VFs enabled), else -1; and the first of its VFs
	 * the request names (index into devs), else -1 */
	int *vfs_disabled_by;
	int *vf_requested;
	bool disables_vfs; /* some step of the request disables a PF's VFs */
	int unplaced_vf;   /* a VF the request names whose PF is unknown (index into devs), or -1 */
};
/* Works out what the steps of REQ's devices do to each other (with
 * together; else nothing).  Release with vfio_request_release. */
void vfio_request_prepare(const struct snapshot *s, struct vfio_request *req);
void vfio_request_release(struct vfio_request *req);

struct status_report;
/* Checks device DEV of S (P: iommu_presence_analyse of S; ST: status_analyse
 * of S, whose interrupt_remapping check decides MSI isolation; TREE:
 * pci_tree_build of S, for the devices a bus reset reaches) as part of REQ
 * (NULL: alone, no risk accepted). */
void vfio_check_device(const struct snapshot *s, const struct iommu_presence *p, const struct status_report *st,
		       const struct pci_tree *tree, const struct vfio_request *req, size_t dev,
		       struct vfio_check *out);
void vfio_check_release(struct vfio_check *c);

/* The functions `check-vfio --all` checks: every one but bridges (a
 * bridge header, or class 06: host, ISA and PCI bridges), which VFIO never
 * takes. */
bool vfio_checked_by_all(const struct pci_device *d);

/* True if DRIVER leaves a group viable (driver_managed_dma: vfio-pci and
 * its variants, pci-stub, pcieport). */
bool vfio_driver_managed_dma(const char *driver);

#endif
