/* model-internal.h - loaders shared between the model's source files. */
#ifndef IOMMUCTL_MODEL_INTERNAL_H
#define IOMMUCTL_MODEL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "sysroot.h"

/* model-host.c: SNAP_LOAD_HOST (host.h). */
void load_host(struct snapshot *s, struct sysroot *sr);
/* The kernel release (/proc/version) and the machine (uname -m, or a
 * snapshot's record of it), read with every load. */
void load_platform_basics(struct snapshot *s, struct sysroot *sr);

/* model-firmware.c: whether the machine has ACPI tables and a device tree
 * (every load), and what they describe (SNAP_LOAD_HOST; firmware.h). */
void load_firmware_presence(struct snapshot *s, struct sysroot *sr);
void load_firmware(struct snapshot *s, struct sysroot *sr);

/* model-dma.c: SNAP_LOAD_SWIOTLB, and with ALL the functions' masks too
 * (SNAP_LOAD_DMA; dma.h). */
void load_dma(struct snapshot *s, struct sysroot *sr, bool all);

/* model-provenance.c: a snapshot built from an lspci dump.  Reads
 * .iommuctl/lspci (if there) into each function's synthesised and unknown
 * bits, and marks unknown what the dump does not tell (ids, class,
 * capabilities); PROVENANCE_ISSUES then says, as issues, which of those
 * facts the conclusions of a load with FLAGS rest on. */
void load_provenance(struct snapshot *s, struct sysroot *sr);
void provenance_issues(struct snapshot *s, unsigned flags);

/* Reads PATH (at most MAX bytes) as a string; NULL if it cannot be read,
 * with the -errno in *ERR (if not NULL) and, when REPORT is set and the
 * file is there, an issue recorded. */
char *model_read_text(struct snapshot *s, struct sysroot *sr, const char *path, size_t max, bool report, int *err);

/* The loader's attribute parsers, pure (exposed for unit tests and
 * fuzzing).  They may modify TEXT. */
/* A function's `uevent` (PCI_ID, PCI_SUBSYS_ID, PCI_CLASS lines) into D's
 * identity; true if it had a PCI_ID line. */
bool parse_uevent_ident(char *text, struct pci_device *d);
/* dma_mask_bits and consistent_dma_mask_bits: 0 to 64, or -1. */
int parse_mask_bits(char *text);
/* An IOMMU unit's register attribute in hex (Intel cap/ecap, AMD cap and
 * features, whose "EFR:EFR2" form gives the EFR). */
bool parse_register(char *text, uint64_t *out);

#endif
