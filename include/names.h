/* names.h - vendor, device and class names for PCI ids.
 *
 * Sources, first match wins:
 *  1. a pci.ids file pinned with --pci-ids FILE or IOMMUCTL_PCI_IDS;
 *  2. for a snapshot (--root DIR), the names the snapshot recorded in
 *     DIR/.iommuctl/pci.ids (so a capture shows the reporter's names);
 *  3. on the live system, the udev hardware database (libudev hwdb);
 *  4. libpci's pci.ids.
 * With --numeric nothing is looked up. */
#ifndef IOMMUCTL_NAMES_H
#define IOMMUCTL_NAMES_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"

struct names;

struct names_options {
	const char *pci_ids;   /* pinned file, or NULL */
	int snapshot_ids_fd;   /* open fd of DIR/.iommuctl/pci.ids, or -1 */
	bool live;             /* root is "/": hwdb may be used */
	bool numeric;          /* no look-ups at all */
};

/* Never fails: without a database every look-up answers NULL. */
struct names *names_open(const struct names_options *opt);
void names_free(struct names *n);
/* Which source answers: "hwdb", "pci.ids", "snapshot" (the names a
 * snapshot carries), "none". */
const char *names_source(const struct names *n);
/* A warning from loading the database (malformed pci.ids ...), or NULL. */
const char *names_warning(const struct names *n);

const char *names_vendor(struct names *n, uint16_t vendor);
const char *names_device(struct names *n, uint16_t vendor, uint16_t device);
/* The sub-class name ("Ethernet controller"), else the base class name. */
const char *names_class(struct names *n, uint32_t class_code);

/* Fills vendor_name, device_name and class_name of every device; the
 * strings belong to N.  Called before any other look-up, it lets libpci
 * read only the part of pci.ids that S needs: later look-ups of other
 * vendors then find nothing. */
void names_resolve(struct names *n, struct snapshot *s);

/* The pci.ids file names come from without a snapshot: PINNED if given,
 * else libpci's default.  Heap string. */
char *names_pci_ids_path(const char *pinned);

/* The names S's devices show, as a pci.ids file (vendors, devices, classes)
 * for a snapshot to carry.  Heap string. */
char *names_pci_ids_text(const struct snapshot *s);

#endif
