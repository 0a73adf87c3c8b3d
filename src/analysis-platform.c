/* analysis-platform.c - the machine's kind and the rules that differ by
 * platform (platform.h).
 *
 * Kernel sources behind the rules:
 *  - drivers/pci/pci.c pci_request_acs / pci_enable_acs: ACS is turned on
 *    during enumeration only if requested before it.  On x86 every IOMMU
 *    driver requests it at init; under ACPI on Arm the IORT code does
 *    (drivers/acpi/arm64/iort.c); under a device tree only
 *    of_iommu_configure() does, when a device's driver probes, which is
 *    after the host bridge enumerated its bus (observed on Debian's 6.1 and
 *    6.12 arm64 kernels, KERNEL-FACTS 10.2).
 *  - MSI isolation: vfio_iommu_type1 wants irq_domain_check_msi_remap()
 *    (<= 6.2) or iommu_group_has_isolated_msi() (6.3+); on Arm the GICv3
 *    ITS's irq domain carries that flag, GICv2m's does not (10.4).
 *  - drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_insert_master: a
 *    second master with a StreamID already in the tree is refused ("stream
 *    N already in tree"), so it gets no group (10.3). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isolation.h"
#include "platform.h"

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static enum arch arch_of_machine(const char *m)
{
	if (!m)
		return ARCH_UNKNOWN;
	if (!strcmp(m, "x86_64") || !strcmp(m, "i686") || !strcmp(m, "i586") || !strcmp(m, "i386"))
		return ARCH_X86;
	if (!strcmp(m, "aarch64") || !strcmp(m, "arm64") || !strncmp(m, "armv", 4))
		return ARCH_ARM;
	return ARCH_UNKNOWN;
}

/* Distribution kernels name their flavour: Debian -amd64 / -arm64,
 * Fedora and RHEL .x86_64 / .aarch64. */
static enum arch arch_of_release(const char *r)
{
	static const char *const x86[] = {"-amd64", ".x86_64", "-686", "-686-pae", "-x86_64"};
	static const char *const arm[] = {"-arm64", ".aarch64", "-armmp", "-aarch64", "-rpi-v8", "-rpi-2712"};
	if (!r)
		return ARCH_UNKNOWN;
	for (size_t i = 0; i < ARRAY_SIZE(x86); i++)
		if (ends_with(r, x86[i]))
			return ARCH_X86;
	for (size_t i = 0; i < ARRAY_SIZE(arm); i++)
		if (ends_with(r, arm[i]))
			return ARCH_ARM;
	return ARCH_UNKNOWN;
}

/* The architecture with its evidence; WHY may be NULL. */
static enum arch decide(const struct snapshot *s, char **why)
{
	enum arch a;
	for (size_t i = 0; i < s->nunit; i++) {
		const char *d = s->unit[i].driver;
		if (!d)
			continue;
		a = !strcmp(d, "intel") || !strcmp(d, "amd") ? ARCH_X86 : !strncmp(d, "arm-smmu", 8) ? ARCH_ARM : ARCH_UNKNOWN;
		if (a != ARCH_UNKNOWN) {
			if (why)
				*why = xasprintf("the IOMMU unit %s (%s)", s->unit[i].name, d);
			return a;
		}
	}
	for (size_t i = 0; i < s->fw_tables.n; i++) {
		const char *t = s->fw_tables.v[i];
		a = !strcmp(t, "DMAR") || !strcmp(t, "IVRS") ? ARCH_X86 : !strcmp(t, "IORT") ? ARCH_ARM : ARCH_UNKNOWN;
		if (a != ARCH_UNKNOWN) {
			if (why)
				*why = xasprintf("the ACPI table %s", t);
			return a;
		}
	}
	if (s->fw.nsmmu || s->fw.dt_its) {
		if (why)
			*why = xstrdup("the firmware's Arm SMMU or GIC ITS");
		return ARCH_ARM;
	}
	if ((a = arch_of_machine(s->host.machine)) != ARCH_UNKNOWN) {
		if (why)
			*why = xasprintf("the machine %s", s->host.machine);
		return a;
	}
	if ((a = arch_of_release(s->host.kernel_release)) != ARCH_UNKNOWN) {
		if (why)
			*why = xasprintf("the kernel release %s", s->host.kernel_release);
		return a;
	}
	if (s->host.x86 == 1 || s->host.its_msi == 1) {
		if (why)
			*why = xstrdup(s->host.x86 == 1 ? "/proc/interrupts (local APIC timer)" : "/proc/interrupts (GIC ITS)");
		return s->host.x86 == 1 ? ARCH_X86 : ARCH_ARM;
	}
	if (s->fw.dt_arm) {
		if (why)
			*why = xstrdup("the device tree's arm, nodes");
		return ARCH_ARM;
	}
	return ARCH_UNKNOWN;
}

enum arch platform_arch(const struct snapshot *s)
{
	return decide(s, NULL);
}

char *platform_arch_evidence(const struct snapshot *s)
{
	char *why = NULL;
	decide(s, &why);
	return why;
}

/* ---- ACS ------------------------------------------------------------------------ */

void platform_acs_request(const struct snapshot *s, struct acs_request *r)
{
	const struct host_facts *h = &s->host;
	memset(r, 0, sizeof(*r));
	if (s->fw.acpi == 1) {
		r->requested = r->certain = true;
		r->code = "acpi";
		enum arch a = platform_arch(s);
		r->message = xasprintf("ACPI firmware: %s asks for ACS before PCI enumeration, so the kernel turns each "
				       "port's ACS controls on as it enumerates",
				       a == ARCH_ARM   ? "the IORT code"
				       : a == ARCH_X86 ? "the IOMMU driver"
						       : "the IOMMU's code (the IOMMU drivers on x86, the IORT code on Arm)");
	} else if (s->fw.devicetree == 1) {
		r->requested = false;
		if (h->kver_major && !kernel_at_least(h, 6, 13)) {
			r->certain = true;
			r->code = "devicetree_late";
			r->message = xasprintf(
				"device tree, Linux %d.%d: the kernel asks for ACS only when a device's driver probes "
				"(of_iommu_configure), after the host bridge enumerated the bus, so the ACS controls stay "
				"as the firmware left them",
				h->kver_major, h->kver_minor);
		} else {
			r->certain = false;
			r->code = "devicetree_unverified";
			r->message = xasprintf(
				"device tree, %s: up to 6.12 the kernel asks for ACS only when a device's driver probes, "
				"after enumeration, and iommuctl knows no release that asks earlier (a proposed change "
				"asks when the host bridge's node has an iommu-map); so it takes the ACS controls as the "
				"firmware left them, and a kernel that asks earlier would form smaller groups",
				h->kernel_release ? "a kernel after 6.12" : "an unknown kernel");
		}
	} else if (s->ngrp > 0) {
		/* the kernel formed its groups with the controls it set or
		 * left: what was read (an lspci dump of a running machine
		 * says no more of its firmware) is what it decided */
		r->requested = false;
		r->certain = true;
		r->code = "observed";
		r->message = xstrdup("neither ACPI tables nor a device tree were read, but IOMMU groups exist: the kernel "
				     "formed them with the ACS controls as read, which are taken as they are");
	} else {
		r->requested = true;
		r->certain = false;
		r->code = "assumed";
		r->message = xstrdup("neither ACPI tables nor a device tree were read: iommuctl assumes the kernel turns "
				     "ACS on before enumeration, as it does under ACPI");
	}
}

void acs_request_release(struct acs_request *r)
{
	free(r->message);
	memset(r, 0, sizeof(*r));
}

/* ---- MSI isolation ---------------------------------------------------------------- */

void platform_msi_isolation(const struct snapshot *s, struct msi_isolation *m)
{
	const struct firmware_facts *f = &s->fw;
	enum arch a = platform_arch(s);
	memset(m, 0, sizeof(*m));
	m->isolated = -1;
	if (a == ARCH_X86) {
		m->kind = MSI_ISO_IRQ_REMAPPING;
		return;
	}
	if (a != ARCH_ARM) {
		m->kind = MSI_ISO_UNKNOWN_KIND;
		return;
	}
	m->kind = MSI_ISO_MSI_CONTROLLER;
	if (s->host.its_msi == 1) {
		m->isolated = 1;
		m->controller = "GICv3 ITS";
		m->evidence = xstrdup("/proc/interrupts lists ITS-MSI interrupt chips");
		return;
	}
	if (f->loaded && f->pci_hosts_msi) {
		static const struct {
			int isolated;
			const char *controller, *evidence;
		} by_kind[] = {
			[MSI_CTRL_GICV3_ITS] = {1, "GICv3 ITS",
						"the device tree's PCI host bridge sends MSIs to an arm,gic-v3-its node "
						"(msi-map/msi-parent)"},
			[MSI_CTRL_GICV2M] = {0, "GICv2m",
					     "the device tree's PCI host bridge sends MSIs to a GICv2m frame "
					     "(arm,gic-v2m-frame), which does not tell devices apart"},
			[MSI_CTRL_OTHER] = {0, "an MSI controller other than a GICv3 ITS",
					    "the device tree's PCI host bridge sends MSIs to a controller that is not a "
					    "GICv3 ITS"},
			[MSI_CTRL_UNKNOWN] = {-1, NULL,
					      "the device tree's PCI host bridge has an msi-map, but the node it points at "
					      "is not in the snapshot"},
		};
		m->isolated = by_kind[f->pci_msi].isolated;
		m->controller = by_kind[f->pci_msi].controller;
		m->evidence = xstrdup(by_kind[f->pci_msi].evidence);
		return;
	}
	if (f->loaded && f->iort == 1) {
		if (f->iort_its_groups && (f->iort_rc_to_its || f->iort_rc_to_smmu)) {
			m->isolated = 1;
			m->controller = "GICv3 ITS";
			m->evidence = xasprintf("the ACPI IORT table maps the PCI root complex%s to %zu ITS group%s",
						f->iort_rc_to_smmu ? " (through the SMMU)" : "", f->iort_its_groups,
						f->iort_its_groups == 1 ? "" : "s");
		} else {
			m->isolated = 0;
			m->evidence = xstrdup(f->iort_its_groups ? "the ACPI IORT table maps no PCI root complex to an ITS"
								 : "the ACPI IORT table has no ITS group");
		}
		return;
	}
	if (f->loaded && f->pci_hosts && !f->pci_hosts_msi && f->devicetree == 1) {
		m->isolated = 0;
		m->evidence = xstrdup("the device tree's PCI host bridge names no MSI controller (no msi-map or "
				      "msi-parent)");
		return;
	}
	if (s->host.its_msi == 0) {
		m->isolated = 0;
		m->evidence = xstrdup("/proc/interrupts lists no ITS-MSI interrupt chip");
		return;
	}
}

void msi_isolation_release(struct msi_isolation *m)
{
	free(m->evidence);
	memset(m, 0, sizeof(*m));
}

/* ---- StreamID collisions ---------------------------------------------------------- */

bool platform_has_unit_driver(const struct snapshot *s, const char *driver)
{
	for (size_t i = 0; i < s->nunit; i++)
		if (s->unit[i].driver && !strcmp(s->unit[i].driver, driver))
			return true;
	return false;
}

/* (platform.h) The topmost bridge whose requester ID DEV's DMA carries (a PCIe-to-PCI or
 * conventional bridge; PCIe ports pass IDs through), or -1. */
int dma_alias_bridge(const struct snapshot *s, size_t dev)
{
	int alias = -1;
	if (!s->dev[dev].topology_known)
		return -1;
	for (int b = s->dev[dev].parent; b >= 0; b = s->dev[b].parent) {
		const struct pci_caps *c = &s->dev[b].caps;
		if (!c->known)
			return -1;
		if (c->pcie && (c->pcie_type == PCIE_TYPE_ROOT_PORT || c->pcie_type == PCIE_TYPE_UPSTREAM ||
				c->pcie_type == PCIE_TYPE_DOWNSTREAM))
			continue;
		alias = b;
	}
	return alias;
}

int streamid_taken_by(const struct snapshot *s, size_t dev, int *bridge)
{
	int br;
	if (bridge)
		*bridge = -1;
	if (!platform_has_unit_driver(s, "arm-smmu-v3") || s->dev[dev].group >= 0 || (br = dma_alias_bridge(s, dev)) < 0)
		return -1;
	for (size_t o = 0; o < s->ndev; o++)
		if (o != dev && (int)o != br && s->dev[o].group >= 0 && dma_alias_bridge(s, o) == br) {
			if (bridge)
				*bridge = br;
			return (int)o;
		}
	return -1;
}

char *streamid_collision_text(const struct snapshot *s, size_t dev, int owner, int bridge)
{
	const struct pci_device *b = &s->dev[bridge], *o = &s->dev[owner];
	char d_[PCI_BDF_MAX], o_[PCI_BDF_MAX], b_[PCI_BDF_MAX], rid[32] = "";
	short_bdf(&s->dev[dev], d_);
	short_bdf(o, o_);
	short_bdf(b, b_);
	/* a PCIe-to-PCI bridge's alias: its secondary bus, devfn 0 */
	if (b->caps.bus_numbers)
		snprintf(rid, sizeof(rid), " (%02x:00.0)", b->caps.secondary_bus);
	return xasprintf("StreamID collision: %s's DMA carries the requester ID of PCIe-to-PCI bridge %s's secondary "
			 "bus%s, as %s's does, and arm-smmu-v3 gave that StreamID to %s first and refused %s (\"already "
			 "in tree\"), so %s has no group; its DMA is translated by %s's domain (group %d), and VFIO "
			 "cannot take it",
			 d_, b_, rid, o_, o_, d_, d_, o_, o->group);
}
