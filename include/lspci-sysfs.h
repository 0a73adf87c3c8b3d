/* lspci-sysfs.h - the sysfs tree the machine of an lspci dump held, as far
 * as the dump tells it: what `iommuctl snapshot --from-lspci` writes, so
 * that every command reads it as it reads a captured tree.  Pure: an
 * lspci_dump in, a list of files and links out (the caller writes them
 * through sysroot).
 *
 * Written, for each function: its place under /sys/devices (below the
 * bridge whose secondary bus it is on, below its host bridge "pciDDDD:BB",
 * below the Intel VMD controller for domains from 0x10000), the link
 * /sys/bus/pci/devices/BDF to it, its `config` (the bytes of a hex dump,
 * or rebuilt from the decoded lines) and `uevent`, its driver's link and
 * its IOMMU group's link; .iommuctl/pci.ids (the names the dump shows),
 * .iommuctl/lspci (where every fact came from, provenance.h) and
 * .iommuctl/info.  What a dump cannot say (group types, reserved regions,
 * IOMMU units, the command line) is not written: unknown, never
 * invented. */
#ifndef IOMMUCTL_LSPCI_SYSFS_H
#define IOMMUCTL_LSPCI_SYSFS_H

#include <stdbool.h>
#include <stddef.h>

#include "lspci.h"

struct sysfs_entry {
	char *path;   /* relative to the snapshot's root */
	bool link;    /* a symbolic link to DATA; else a file holding DATA */
	char *data;
	size_t len;
};

struct sysfs_tree {
	struct sysfs_entry *e;
	size_t n, cap;
	size_t functions, groups;
	size_t synthesised;  /* facts synthesised (.iommuctl/lspci) */
	size_t unknown;      /* facts the dump does not tell */
};

void sysfs_tree_init(struct sysfs_tree *t);
void sysfs_tree_release(struct sysfs_tree *t);

/* Builds T from D.  INPUT names the dump(s) for the metadata.  Returns
 * true, or false with ERR (status 2: the dump contradicts itself so that
 * no tree can hold it). */
bool lspci_sysfs_build(const struct lspci_dump *d, const char *input, struct sysfs_tree *t, struct lspci_error *err);

#endif
