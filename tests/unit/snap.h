/* snap.h - snapshots built in memory for unit tests over the analyses:
 * hosts, IOMMU units, functions and groups as the loader would fill them.
 * Include after cmocka.h (the builders assert). */
#ifndef IOMMUCTL_TEST_SNAP_H
#define IOMMUCTL_TEST_SNAP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

/* dmar0 of fixtures/q35-intel-vfio-partial: VT-d with interrupt remapping. */
#define QEMU_CAP 0xd2008c22260206ull
#define QEMU_ECAP 0xf00f4aull

enum vendor { NONE, INTEL, AMD };

/* An IOMMU unit NAME of DRIVER ("intel", "amd", ...) with its registers
 * (REGS: readable) CAP and ECAP; for AMD the second register is the EFR
 * (features). */
static inline void add_unit(struct snapshot *s, const char *name, const char *driver, bool regs, uint64_t cap,
			    uint64_t ecap)
{
	struct iommu_unit *u;
	s->unit = realloc(s->unit, (s->nunit + 1) * sizeof(*s->unit));
	u = &s->unit[s->nunit++];
	memset(u, 0, sizeof(*u));
	u->name = strdup(name);
	u->driver = driver; /* the loader points at static names too */
	strvec_init(&u->members);
	u->regs_known = regs;
	if (!strcmp(driver, "amd"))
		u->features = ecap;
	else
		u->ecap = ecap;
	u->cap = cap;
	if (!strcmp(driver, "intel"))
		u->version = strdup("1:0");
}

/* A host of VENDOR's (NONE: no IOMMU unit and no ACPI table) running
 * Linux MAJOR.MINOR (0: the release could not be read), with interrupt
 * remapping active, vfio, vfio_pci and vfio_iommu_type1 loaded and no
 * unsafe option. */
static inline void host(struct snapshot *s, enum vendor v, int major, int minor)
{
	snapshot_init(s);
	s->cmdline = strdup(v == INTEL ? "intel_iommu=on" : "quiet");
	s->cmdline_err = 0;
	s->fw_tables_checked = true;
	s->fw_acpi = true;
	s->topology_loaded = true;
	s->host.loaded = true;
	if (major) {
		if (asprintf(&s->host.kernel_release, "%d.%d.0-1-amd64", major, minor) < 0)
			abort();
		s->host.kver_major = major;
		s->host.kver_minor = minor;
	}
	s->host.ir_active = 1;
	s->host.x86 = 1;
	s->host.its_msi = 0;
	s->host.params.vfio_loaded = true;
	s->host.params.vfio_pci_loaded = true;
	s->host.params.type1_loaded = true;
	s->host.params.type1_allow_unsafe_interrupts = 0;
	s->host.params.noiommu_mode = 0;
	s->host.params.vfio_pci_disable_denylist = 0;
	s->host.vfio.container = true;
	if (v == INTEL) {
		strvec_push(&s->fw_tables, "DMAR");
		add_unit(s, "dmar0", "intel", true, QEMU_CAP, QEMU_ECAP);
	} else if (v == AMD) {
		strvec_push(&s->fw_tables, "IVRS");
		add_unit(s, "ivhd0", "amd", false, 0, 0);
	}
}

static inline const char *driver_name(struct snapshot *s, const char *driver)
{
	if (!driver)
		return NULL;
	for (size_t i = 0; i < s->drivers.n; i++)
		if (!strcmp(s->drivers.v[i], driver))
			return s->drivers.v[i];
	strvec_push(&s->drivers, driver);
	return s->drivers.v[s->drivers.n - 1];
}

/* A function BDF (added in address order) of VENDOR:DEVICE with header
 * type HEADER, bound to DRIVER (NULL: none), in group GROUP (-1: none),
 * below bridge PARENT (-1: on a root bus).  It is PCIe with FLR, and
 * reset_method reads "flr". */
static inline size_t add_dev(struct snapshot *s, const char *bdf, uint16_t vendor, uint16_t device,
			     uint8_t header, const char *driver, int group, int parent)
{
	struct pci_device *d;
	if (s->ndev)
		assert_true(strcmp(s->dev[s->ndev - 1].bdf, bdf) < 0);
	s->dev = realloc(s->dev, (s->ndev + 1) * sizeof(*s->dev));
	d = &s->dev[s->ndev];
	memset(d, 0, sizeof(*d));
	assert_true(pci_addr_parse(bdf, &d->addr));
	pci_addr_format(&d->addr, d->bdf);
	assert_string_equal(d->bdf, bdf);
	d->ident_known = d->header_known = d->revision_known = d->class_known = true;
	d->ident.vendor_id = vendor;
	d->ident.device_id = device;
	d->ident.header_type = header;
	d->ident.class_code = header ? 0x060400 : 0x020000;
	d->caps.known = true;
	d->caps.pcie = true;
	d->caps.pcie_type = header ? PCIE_TYPE_ROOT_PORT : PCIE_TYPE_ENDPOINT;
	d->caps.flr = !header;
	d->topology_known = true;
	d->parent = parent;
	d->host_bridge = 0;
	d->dma_dev = -1;
	d->reset_method = header ? NULL : strdup("flr");
	d->reset_method_known = true;
	d->boot_vga = -1;
	d->sriov_numvfs = -1;
	d->physfn = -1;
	d->driver = driver_name(s, driver);
	d->driver_known = true;
	d->group = group;
	d->unit = group >= 0 && s->nunit ? 0 : -1;
	return s->ndev++;
}

/* Group ID (added in increasing order) of default domain TYPE. */
static inline void add_group(struct snapshot *s, int id, const char *type)
{
	struct iommu_group *g;
	if (s->ngrp)
		assert_true(s->grp[s->ngrp - 1].id < id);
	s->grp = realloc(s->grp, (s->ngrp + 1) * sizeof(*s->grp));
	g = &s->grp[s->ngrp++];
	memset(g, 0, sizeof(*g));
	g->id = id;
	g->type = type ? strdup(type) : NULL;
	g->resv_known = true;
	strvec_init(&g->other);
}

static inline struct iommu_group *group(struct snapshot *s, int id)
{
	for (size_t i = 0; i < s->ngrp; i++)
		if (s->grp[i].id == id)
			return &s->grp[i];
	fail_msg("no group %d", id);
	return NULL;
}

static inline void add_resv(struct snapshot *s, int id, uint64_t start, uint64_t end, const char *type)
{
	struct iommu_group *g = group(s, id);
	g->resv = realloc(g->resv, (g->nresv + 1) * sizeof(*g->resv));
	g->resv[g->nresv].start = start;
	g->resv[g->nresv].end = end;
	g->resv[g->nresv].type = strdup(type);
	g->nresv++;
}

/* The groups' member lists, from the devices' group ids (again). */
static inline void finish(struct snapshot *s)
{
	for (size_t i = 0; i < s->ngrp; i++) {
		struct iommu_group *g = &s->grp[i];
		g->members_known = true;
		free(g->dev);
		g->dev = NULL;
		g->ndev = 0;
		for (size_t k = 0; k < s->ndev; k++)
			if (s->dev[k].group == g->id) {
				g->dev = realloc(g->dev, (g->ndev + 1) * sizeof(*g->dev));
				g->dev[g->ndev++] = k;
			}
	}
	s->iommu_groups.entries = s->ngrp;
	s->class_iommu.entries = s->nunit;
}

#endif
