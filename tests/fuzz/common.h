/* common.h - helpers shared by the libFuzzer targets (tests/fuzz/fuzz-*.c):
 * snapshots built in memory and one pass of every analysis over a snapshot,
 * so that each parser's consumers are fuzzed with it. */
#ifndef IOMMUCTL_FUZZ_COMMON_H
#define IOMMUCTL_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* DATA as a heap string (NUL-terminated; an embedded NUL ends it early, as
 * it would any C string the product is given). */
char *fuzz_string(const uint8_t *data, size_t size);

/* Adds function BDF to S with configuration space CFG (LEN bytes, copied
 * into an allocation of exactly LEN so that any read past it is caught),
 * decoded as the loader decodes it (less than the 64-byte header: none is
 * kept), below the function at index PARENT (-1: on host bridge 0).  S's
 * functions must be added in address order.  Returns the new function's
 * index. */
size_t fuzz_add_function(struct snapshot *s, const char *bdf, const uint8_t *cfg, size_t len, int parent);

/* A synthetic configuration space of LEN (256 or 4096) bytes: VENDOR:DEVICE,
 * class CLS, header type HEADER, a PCIe capability of TYPE (enum pcie_type)
 * at 0x40 (TYPE -1: a conventional function, no capability) with FLR
 * and, when ACS_CAP is non-zero and LEN is 4096, an ACS extended
 * capability at 0x100 with ACS_CAP and ACS_CTL. */
void fuzz_config(uint8_t *cfg, size_t len, unsigned vendor, unsigned device, unsigned cls, unsigned header,
		 int type, unsigned acs_cap, unsigned acs_ctl);

/* Starts S as a host with CMDLINE (a heap string S takes; NULL: unread):
 * the host facts of a Linux 6.1 x86 machine with interrupt remapping and
 * VFIO loaded, one Intel unit (dmar0) whose registers are those of QEMU's
 * VT-d, and a default swiotlb pool of 32768 slabs, 100 in use. */
void fuzz_host(struct snapshot *s, char *cmdline);
/* Gives each function of S a group of its own (DMA-FQ, served by dmar0),
 * as a kernel with an IOMMU would have found them; call after the last
 * fuzz_add_function. */
void fuzz_groups(struct snapshot *s);

/* Runs what the commands run over S: IOMMU presence, status, check-vfio of
 * every function, swiotlb and its devices, the isolation rules on the real
 * groups and predicted ones (with pcie_acs_override honoured and not),
 * explain of every group.  S's groups are replaced by the prediction. */
void fuzz_analyse(struct snapshot *s);

/* diff_analyse of OLD against NEW over every area, its report walked as
 * the renderers walk it; with SAME (OLD and NEW are one snapshot), aborts
 * unless it finds no change. */
void fuzz_diff(const struct snapshot *old, const struct snapshot *new, bool same);

#endif
