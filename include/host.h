/* host.h - what the host itself uses and allows, for VFIO checks and the
 * host-wide status: VFIO device nodes and module parameters, the kernel
 * release, interrupt remapping, the devices under the root file system and
 * the default route, and the IOMMU units' registers.  Loaded through
 * sysroot like the rest of the snapshot (snapshot_load with
 * SNAP_LOAD_HOST); never prints, never exits. */
#ifndef IOMMUCTL_HOST_H
#define IOMMUCTL_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* Why the host needs a device: it holds a mounted file system the system
 * runs from, carries the default route, or is the boot display. */
struct host_use {
	size_t dev;   /* index into snapshot.dev */
	char *what;   /* "/ (ext4 on /dev/nvme0n1p2)", "the default route (eth0)" */
	char *kind;   /* "root_storage", "default_route" */
};

/* Why some use of the host could not be known: what could not be read
 * (PATH, root-relative with a leading '/', and ERR, a negative errno, or 0
 * with the text in WHAT), for which KIND of use, and the mount or route it
 * concerns (NULL: all of them).  Any device a host driver holds may then
 * be one the host needs. */
struct host_use_gap {
	char *kind;   /* "root_storage", "default_route" */
	char *path;
	int err;
	char *what;   /* "/ (ext4 on /dev/vda1)", or NULL */
};

struct vfio_nodes {
	int dev_err;            /* /dev itself: 0, or -errno (then nothing below is known) */
	int dir_err;            /* /dev/vfio: 0, or -errno */
	bool container;         /* /dev/vfio/vfio is a character device */
	/* entries a capture holds as plain files that are not the nodes
	 * iommuctl snapshot records ("char MAJOR:MINOR"): whether they
	 * were device nodes is unknown ("/dev/vfio/16", ...) */
	struct strvec unknown;
	int *groups;            /* /dev/vfio/N that are character devices */
	size_t ngroups;
	int *noiommu_groups;    /* /dev/vfio/noiommu-N */
	size_t nnoiommu;
	size_t cdevs;           /* /dev/vfio/devices/vfioX */
	bool iommufd;           /* /dev/iommu */
};

/* A boolean module parameter: unknown (-1) when the module is not loaded
 * or the file is unreadable. */
struct host_params {
	int modules_err; /* /sys/module: 0, or -errno (then nothing here is known) */
	bool vfio_loaded, vfio_pci_loaded, type1_loaded, iommufd_loaded;
	int type1_allow_unsafe_interrupts;
	long type1_dma_entry_limit;   /* -1 unknown */
	int iommufd_allow_unsafe_interrupts;
	int noiommu_mode;             /* vfio.enable_unsafe_noiommu_mode */
	int vfio_pci_disable_denylist; /* vfio_pci.disable_denylist */
	/* arm_smmu_v3.disable_bypass / arm_smmu.disable_bypass (read where
	 * a unit of that driver is registered): Y aborts the DMA of devices
	 * the SMMU has no entry for, N lets it through untranslated */
	int smmu_v3_disable_bypass, smmu_disable_bypass;
};

struct host_facts {
	bool loaded;
	bool kernel_release_read;
	char *kernel_release;         /* "6.1.0-56-amd64", NULL if unread */
	char *machine;                /* uname -m ("aarch64", "x86_64"): this
				       * machine's, or a snapshot's as recorded;
				       * NULL unknown */
	int kver_major, kver_minor;   /* 0 0 if unknown */
	/* interrupt remapping seen in /proc/interrupts (IR- chips): 1 yes,
	 * 0 no, -1 unreadable */
	int ir_active;
	/* Arm: the GICv3 ITS isolates MSIs (ITS-MSI chips): 1, 0, -1 */
	int its_msi;
	/* /proc/interrupts is an x86 one (LOC:, the local timer): 1, 0, -1 */
	int x86;
	struct vfio_nodes vfio;
	struct host_params params;
	struct host_use *uses;
	size_t nuses;
	/* what kept some uses from being known: mounts or routes that could
	 * not be read, a mounted device that could not be traced */
	struct host_use_gap *gaps;
	size_t ngaps;
};

void host_facts_init(struct host_facts *h);
void host_facts_release(struct host_facts *h);

/* The uses of device DEV (NULL-terminated scan: returns the next use of DEV
 * after *cursor, or NULL). */
const struct host_use *host_use_of(const struct host_facts *h, size_t dev, size_t *cursor);
/* The gaps of KIND ("root_storage", "default_route"), as
 * host_use_of scans uses. */
const struct host_use_gap *host_gap_of(const struct host_facts *h, const char *kind, size_t *cursor);
/* Records a gap (copies its strings; WHAT may be NULL). */
void host_add_gap(struct host_facts *h, const char *kind, const char *path, int err, const char *what);
/* True if the kernel release is at least MAJOR.MINOR (unknown: false). */
bool kernel_at_least(const struct host_facts *h, int major, int minor);

#endif
