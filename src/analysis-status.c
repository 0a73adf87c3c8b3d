/* analysis-status.c - the host-wide IOMMU status: one check per question,
 * each PASS, WARN, FAIL, INFO or UNKNOWN with its reason and remedy.
 *
 * Rules (KERNEL-FACTS.md):
 *  - 1.4: Intel CAP/ECAP and AMD capability header/EFR bits, decoded as the
 *    drivers' cap_*, ecap_* and FEATURE_* macros do.
 *  - 1.5: the driver from /sys/class/iommu names; ACPI DMAR, IVRS, IORT,
 *    VIOT describe the hardware; interrupt remapping shows as IR- chips in
 *    /proc/interrupts, its support as Intel ECAP.IR (every unit must have it:
 *    intel_irq_remapping_supported).
 *  - 1.2, 4.1-4.3: the group `type` files are the truth (the kernel log can
 *    be stale); DMA is strict, DMA-FQ lazy.  Among iommu.passthrough=,
 *    iommu=pt and iommu=nopt the last wins; intel_iommu=strict and
 *    amd_iommu=fullflush (__setup, run after the early params) beat
 *    iommu.strict=0; Intel caching mode (unless first-stage tables are used)
 *    and AMD NpCache force strict; without ECAP.PT the Intel driver forces
 *    DMA; untrusted devices always get DMA.
 *  - 3.1, 3.4, 3.6: /dev/vfio/vfio, /dev/vfio/N, /dev/vfio/noiommu-N,
 *    /dev/iommu (6.2), /dev/vfio/devices (6.6); vfio_iommu_type1 refuses a
 *    group without MSI isolation unless allow_unsafe_interrupts=1; no-IOMMU
 *    mode isolates nothing.
 *  - 6: amd_iommu=on and iommu=on are not kernel options; intel_iommu=on is.
 *
 * What the snapshot lacks is UNKNOWN, never PASS or FAIL: captures made
 * before iommuctl read the host facts have no /proc/version, /proc/interrupts,
 * /sys/module or /dev. */
#define _GNU_SOURCE
#include "platform.h"
#include "status.h"
#include "swiotlb.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

/* ---- register decoders ------------------------------------------------------ */

static bool bit(uint64_t v, unsigned n)
{
	return (v >> n) & 1;
}

void intel_iommu_caps_decode(uint64_t cap, uint64_t ecap, struct intel_iommu_caps *o)
{
	memset(o, 0, sizeof(*o));
	o->domains = 1ul << (4 + 2 * (cap & 7));
	o->caching_mode = bit(cap, 7);
	o->sagaw = (cap >> 8) & 0x1f;
	/* AGAW k: 30 + 9k bits, k + 2 levels; bit 4 (64 bits) is reserved */
	for (unsigned k = 0; k < 4; k++)
		if (o->sagaw & (1u << k)) {
			o->widths[o->nwidths] = 30 + 9 * k;
			o->levels[o->nwidths] = k + 2;
			o->nwidths++;
		}
	o->mgaw = (unsigned)((cap >> 16) & 0x3f) + 1;
	o->super_2m = bit(cap, 34);
	o->super_1g = bit(cap, 35);
	o->fl1gp = bit(cap, 56);
	o->posted_interrupts = bit(cap, 59);
	o->fl5lp = bit(cap, 60);

	o->coherent = bit(ecap, 0);
	o->queued_invalidation = bit(ecap, 1);
	o->device_tlb = bit(ecap, 2);
	o->interrupt_remapping = bit(ecap, 3);
	o->x2apic = bit(ecap, 4);
	o->pass_through = bit(ecap, 6);
	o->snoop_control = bit(ecap, 7);
	o->nested = bit(ecap, 26);
	o->page_requests = bit(ecap, 29);
	o->pasid = bit(ecap, 40);
	o->scalable_mode = bit(ecap, 43);
	o->second_stage = bit(ecap, 46);
	o->first_stage = bit(ecap, 47);
}

void amd_iommu_caps_decode(uint64_t cap, uint64_t efr, struct amd_iommu_caps *o)
{
	unsigned hats = (efr >> 10) & 3, gats = (efr >> 12) & 3;
	memset(o, 0, sizeof(*o));
	o->iotlb = bit(cap, 24);
	o->np_cache = bit(cap, 26);
	o->efr_supported = bit(cap, 27);
	o->prefetch = bit(efr, 0);
	o->ppr = bit(efr, 1);
	o->x2apic = bit(efr, 2);
	o->nx = bit(efr, 3);
	o->guest_translation = bit(efr, 4);
	o->invalidate_all = bit(efr, 6);
	o->guest_apic = bit(efr, 7);
	o->hardware_errors = bit(efr, 8);
	o->performance_counters = bit(efr, 9);
	/* HATS 0, 1, 2: 4, 5, 6 levels; 3 is reserved (host translation
	 * disabled on recent specifications) */
	o->host_levels = hats < 3 ? hats + 4 : 0;
	o->guest_levels = gats < 2 ? gats + 4 : 0;
	o->guest_apic_vapic = bit(efr, 21);
	o->snp = bit(efr, 63);
}

/* ---- helpers ---------------------------------------------------------------------- */

const char *status_state_id(enum status_state st)
{
	switch (st) {
	case STATUS_PASS:
		return "pass";
	case STATUS_WARN:
		return "warn";
	case STATUS_FAIL:
		return "fail";
	case STATUS_INFO:
		return "info";
	default:
		return "unknown";
	}
}

static void add_check(struct status_report *r, const char *code, enum status_state st, const char *title,
		      const char *subject, char *detail, char *remedy)
{
	struct status_check *c;
	r->checks = xrealloc(r->checks, (r->nchecks + 1) * sizeof(*r->checks));
	c = &r->checks[r->nchecks++];
	c->code = code;
	c->state = st;
	c->title = title;
	c->subject = subject ? xstrdup(subject) : NULL;
	c->detail = detail;
	c->remedy = remedy;
	if (st == STATUS_FAIL)
		r->failed = true;
	if (st == STATUS_UNKNOWN && status_check_can_fail(code))
		r->undecided = true;
}

bool status_check_can_fail(const char *code)
{
	return !strcmp(code, "iommu_hardware") || !strcmp(code, "iommu_driver") || !strcmp(code, "interrupt_remapping") ||
	       !strcmp(code, "msi_isolation");
}

static const struct status_check *find_check(const struct status_report *r, const char *code)
{
	for (size_t i = 0; i < r->nchecks; i++)
		if (!strcmp(r->checks[i].code, code))
			return &r->checks[i];
	return NULL;
}

static bool driver_is(const struct iommu_unit *u, const char *d)
{
	return u->driver && strcmp(u->driver, d) == 0;
}

static const char *driver_text(const char *d)
{
	if (!d)
		return "an unrecognised driver";
	if (!strcmp(d, "intel"))
		return "intel-iommu (Intel VT-d)";
	if (!strcmp(d, "amd"))
		return "amd-iommu (AMD-Vi)";
	if (!strcmp(d, "arm-smmu-v3"))
		return "arm-smmu-v3 (Arm SMMUv3)";
	if (!strcmp(d, "arm-smmu"))
		return "arm-smmu (Arm SMMU v1/v2)";
	if (!strcmp(d, "virtio"))
		return "virtio-iommu";
	return d;
}

static const char *table_text(const char *t)
{
	if (!strcmp(t, "DMAR"))
		return "DMAR (Intel VT-d)";
	if (!strcmp(t, "IVRS"))
		return "IVRS (AMD-Vi)";
	if (!strcmp(t, "IORT"))
		return "IORT (Arm SMMU)";
	return "VIOT (virtio-iommu)";
}

static const char *type_meaning(const char *t)
{
	if (!strcmp(t, "DMA"))
		return "translated, strict invalidation";
	if (!strcmp(t, "DMA-FQ"))
		return "translated, lazy invalidation";
	if (!strcmp(t, "identity"))
		return "passthrough: not translated";
	if (!strcmp(t, "blocked"))
		return "blocked: no DMA";
	if (!strcmp(t, "unknown"))
		return "no default domain";
	return "unmanaged";
}

static bool is_noiommu_group(const struct iommu_group *g)
{
	return g->name && !strcmp(g->name, "vfio-noiommu");
}

static size_t type_groups(const struct status_report *r, const char *type)
{
	for (size_t i = 0; i < r->ntypes; i++)
		if (!strcmp(r->types[i].type, type))
			return r->types[i].groups;
	return 0;
}

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* "a, b and c" */
static void append_list(struct buf *b, const struct strvec *v)
{
	for (size_t i = 0; i < v->n; i++)
		buf_appendf(b, "%s%s", i == 0 ? "" : i + 1 == v->n ? " and " : ", ", v->v[i]);
}

#define RETAKE_SNAPSHOT "run iommuctl on the live system, or take the snapshot again with this iommuctl"

/* ---- the checks ----------------------------------------------------------------- */

struct ctx {
	const struct snapshot *s;
	const bool *selected; /* the functions the device lists name; NULL: all */
	struct status_report *r;
	struct iommu_presence p;
	struct iommu_cmdline cmd;
};

static void check_kernel_release(struct ctx *c)
{
	const struct host_facts *h = &c->s->host;
	if (h->kernel_release)
		add_check(c->r, "kernel_release", STATUS_INFO, "kernel", NULL, xasprintf("Linux %s", h->kernel_release),
			  NULL);
	else
		add_check(c->r, "kernel_release", STATUS_UNKNOWN, "kernel", NULL,
			  xstrdup("the kernel release is unknown (/proc/version could not be read): iommuctl assumes the "
				  "rules of current kernels"),
			  xstrdup(RETAKE_SNAPSHOT));
}

/* The Arm SMMUs the firmware describes: "the device tree describes an
 * SMMUv3 (smmuv3@9050000), and 1 of 1 PCI host bridge maps its requester IDs
 * to an IOMMU (iommu-map)"; "" when it describes none. */
static void describe_fw_smmus(struct buf *b, const struct snapshot *s)
{
	const struct firmware_facts *f = &s->fw;
	bool iort = f->iort == 1;
	if (!f->loaded || !f->nsmmu)
		return;
	buf_appendf(b, "the %s describes ", iort ? "ACPI IORT table" : "device tree");
	for (size_t i = 0; i < f->nsmmu; i++) {
		const struct fw_smmu *m = &f->smmu[i];
		buf_appendf(b, "%s%s", i ? ", " : "",
			    m->version == 3 ? "an SMMUv3" : m->version == 2 ? "an SMMUv2" : "an SMMUv1");
		if (strcmp(m->where, "IORT"))
			buf_appendf(b, " (%s)", m->where);
		else if (m->base)
			buf_appendf(b, " at %#" PRIx64, m->base);
	}
	if (iort)
		buf_appendf(b, ", and maps %zu of %zu PCI root %s to an SMMU", f->iort_rc_to_smmu, f->iort_root_complexes,
			    plural(f->iort_root_complexes, "complex", "complexes"));
	else if (f->pci_hosts)
		buf_appendf(b, ", and %zu of %zu PCI host %s %s requester IDs to an IOMMU (iommu-map)",
			    f->pci_hosts_iommu_map, f->pci_hosts, plural(f->pci_hosts, "bridge", "bridges"),
			    f->pci_hosts == 1 ? "maps its" : "map their");
}

static void check_hardware(struct ctx *c)
{
	const struct snapshot *s = c->s;
	struct buf b;
	buf_init(&b);
	if (s->fw_tables.n) {
		buf_appendf(&b, "the ACPI tables describe ");
		for (size_t i = 0; i < s->fw_tables.n; i++)
			buf_appendf(&b, "%s%s", i ? " and " : "", table_text(s->fw_tables.v[i]));
		if (s->fw.nsmmu) {
			buf_appendf(&b, "; ");
			describe_fw_smmus(&b, s);
		}
		add_check(c->r, "iommu_hardware", STATUS_PASS, "IOMMU hardware", NULL, buf_steal(&b), NULL);
	} else if (s->fw.loaded && s->fw.nsmmu) {
		describe_fw_smmus(&b, s);
		add_check(c->r, "iommu_hardware", STATUS_PASS, "IOMMU hardware", NULL, buf_steal(&b), NULL);
	} else if (s->nunit || c->p.present) {
		if (s->nunit)
			buf_appendf(&b, "the kernel registered %zu IOMMU %s", s->nunit, plural(s->nunit, "unit", "units"));
		else
			buf_appendf(&b, "IOMMU groups exist");
		if (s->fw.loaded && s->fw.devicetree == 1)
			buf_appendf(&b, " (the device tree describes no SMMU iommuctl knows: a unit described otherwise)");
		else if (!s->fw_acpi)
			buf_appendf(&b, " (there is no /sys/firmware/acpi/tables to check the firmware's description)");
		else
			buf_appendf(&b, " (no %s among the ACPI tables: a platform described otherwise)",
				    iommu_table_names(s));
		add_check(c->r, "iommu_hardware", STATUS_PASS, "IOMMU hardware", NULL, buf_steal(&b), NULL);
	} else if (s->fw_acpi) {
		buf_release(&b);
		add_check(c->r, "iommu_hardware", STATUS_FAIL, "IOMMU hardware", NULL,
			  xasprintf("the ACPI tables include no %s: the firmware describes no IOMMU", iommu_table_names(s)),
			  iommu_enable_remedy(s));
	} else if (s->fw.loaded && s->fw.devicetree == 1) {
		buf_release(&b);
		add_check(c->r, "iommu_hardware", STATUS_FAIL, "IOMMU hardware", NULL,
			  xasprintf("the device tree (%zu nodes read) describes no SMMU (arm,smmu-v3, arm,smmu-v2, "
				    "arm,mmu-500, ...) and no IOMMU unit is registered",
				    s->fw.dt_nodes),
			  iommu_enable_remedy(s));
	} else {
		buf_release(&b);
		add_check(c->r, "iommu_hardware", STATUS_UNKNOWN, "IOMMU hardware", NULL,
			  xstrdup("/sys/firmware/acpi/tables does not exist (no ACPI, or not in this snapshot) and no IOMMU "
				  "unit is registered: whether the firmware describes an IOMMU cannot be told"),
			  xstrdup(RETAKE_SNAPSHOT " (it reads /sys/firmware/acpi/tables and the device tree)"));
	}
}

static void check_driver(struct ctx *c)
{
	const struct snapshot *s = c->s;
	struct status_report *r = c->r;
	struct buf b;
	if (!c->p.present) {
		const struct status_check *hw = find_check(r, "iommu_hardware");
		add_check(r, "iommu_driver", STATUS_FAIL, "IOMMU driver", NULL, xstrdup(c->p.absent.message),
			  hw && hw->state == STATUS_FAIL ? xstrdup("enable the IOMMU hardware first (iommu_hardware)")
						   : xstrdup(c->p.absent.remedy));
		return;
	}
	buf_init(&b);
	if (!s->nunit && s->from_lspci) {
		/* a snapshot built from an lspci dump: its group lines */
		buf_appendf(&b, "IOMMU groups exist (the lspci dump's IOMMU group lines); which driver made them is "
				"unknown: lspci does not show the IOMMU units");
	} else if (!s->nunit) {
		buf_appendf(&b, "IOMMU groups exist but no unit is registered in /sys/class/iommu (a driver that "
				"registers none)");
	} else {
		for (size_t d = 0; d < r->drivers.n; d++) {
			const char *drv = strcmp(r->drivers.v[d], "") ? r->drivers.v[d] : NULL;
			struct strvec names;
			strvec_init(&names);
			for (size_t i = 0; i < s->nunit; i++)
				if (drv ? driver_is(&s->unit[i], drv) : !s->unit[i].driver)
					strvec_push(&names, s->unit[i].name);
			buf_appendf(&b, "%s%s with %zu %s: ", d ? "; " : "", driver_text(drv), names.n,
				    plural(names.n, "unit", "units"));
			append_list(&b, &names);
			strvec_release(&names);
		}
	}
	if (c->p.noiommu_groups)
		buf_appendf(&b, "; %zu VFIO no-IOMMU %s, which isolate nothing", c->p.noiommu_groups,
			    plural(c->p.noiommu_groups, "group", "groups"));
	add_check(r, "iommu_driver", STATUS_PASS, "IOMMU driver", NULL, buf_steal(&b), NULL);
}

static void describe_intel(struct buf *b, const struct iommu_unit *u, const struct intel_iommu_caps *k)
{
	buf_appendf(b, "VT-d %s; ", u->version ? u->version : "?");
	if (k->nwidths) {
		buf_appendf(b, "address widths");
		for (unsigned i = 0; i < k->nwidths; i++)
			buf_appendf(b, "%s %u-bit (%u-level)", i ? "," : "", k->widths[i], k->levels[i]);
	} else {
		buf_appendf(b, "no address width (SAGAW 0)");
	}
	buf_appendf(b, ", MGAW %u; super pages %s; ", k->mgaw,
		    k->super_2m && k->super_1g ? "2M 1G" : k->super_2m ? "2M" : k->super_1g ? "1G" : "none");
	buf_appendf(b, "interrupt remapping %s", k->interrupt_remapping ? (k->x2apic ? "yes (x2APIC)" : "yes (xAPIC only)")
									  : "no");
	buf_appendf(b, ", pass-through %s, snoop control %s, queued invalidation %s, device TLB %s",
		    k->pass_through ? "yes" : "no", k->snoop_control ? "yes" : "no", k->queued_invalidation ? "yes" : "no",
		    k->device_tlb ? "yes" : "no");
	buf_appendf(b, ", caching mode %s", k->caching_mode ? "yes (a virtual IOMMU)" : "no");
	buf_appendf(b, ", scalable mode %s", k->scalable_mode ? "yes" : "no");
	if (k->scalable_mode)
		buf_appendf(b, " (first stage %s%s%s, second stage %s)", k->first_stage ? "yes" : "no",
			    k->first_stage && k->fl1gp ? ", 1G pages" : "", k->first_stage && k->fl5lp ? ", 5-level" : "",
			    k->second_stage ? "yes" : "no");
	buf_appendf(b, ", nested %s, posted interrupts %s; %lu domains", k->nested ? "yes" : "no",
		    k->posted_interrupts ? "yes" : "no", k->domains);
}

static void describe_amd(struct buf *b, const struct amd_iommu_caps *k)
{
	static const struct {
		size_t off;
		const char *name;
	} feats[] = {
		{offsetof(struct amd_iommu_caps, prefetch), "PREF"},
		{offsetof(struct amd_iommu_caps, ppr), "PPR"},
		{offsetof(struct amd_iommu_caps, x2apic), "X2APIC"},
		{offsetof(struct amd_iommu_caps, nx), "NX"},
		{offsetof(struct amd_iommu_caps, guest_translation), "GT"},
		{offsetof(struct amd_iommu_caps, invalidate_all), "IA"},
		{offsetof(struct amd_iommu_caps, guest_apic), "GA"},
		{offsetof(struct amd_iommu_caps, hardware_errors), "HE"},
		{offsetof(struct amd_iommu_caps, performance_counters), "PC"},
		{offsetof(struct amd_iommu_caps, guest_apic_vapic), "GAM_VAPIC"},
		{offsetof(struct amd_iommu_caps, snp), "SNP"},
	};
	size_t n = 0;
	buf_appendf(b, "AMD-Vi; ");
	if (k->host_levels)
		buf_appendf(b, "host page tables up to %u levels", k->host_levels);
	else
		buf_appendf(b, "host page-table levels reserved (HATS 3)");
	buf_appendf(b, "; features:");
	for (size_t i = 0; i < ARRAY_SIZE(feats); i++)
		if (*(const bool *)((const char *)k + feats[i].off)) {
			buf_appendf(b, " %s", feats[i].name);
			n++;
		}
	if (!n)
		buf_appendf(b, " none");
	if (k->guest_translation && k->guest_levels)
		buf_appendf(b, "; guest page tables up to %u levels", k->guest_levels);
	buf_appendf(b, "; IOTLB %s, NpCache %s", k->iotlb ? "yes" : "no", k->np_cache ? "yes (a virtual IOMMU)" : "no");
	if (!k->efr_supported)
		buf_appendf(b, " (no extended feature register)");
}

static void check_units(struct ctx *c)
{
	const struct snapshot *s = c->s;
	for (size_t i = 0; i < c->r->nunits; i++) {
		const struct status_unit *su = &c->r->units[i];
		const struct iommu_unit *u = &s->unit[su->index];
		struct buf b;
		buf_init(&b);
		if (su->intel)
			describe_intel(&b, u, &su->intel_caps);
		else if (su->amd)
			describe_amd(&b, &su->amd_caps);
		if (su->intel || su->amd) {
			buf_appendf(&b, "; %zu %s", u->members.n, plural(u->members.n, "device", "devices"));
			add_check(c->r, "iommu_unit", STATUS_INFO, "IOMMU unit", u->name, buf_steal(&b), NULL);
		} else if (driver_is(u, "intel") || driver_is(u, "amd")) {
			buf_release(&b);
			add_check(c->r, "iommu_unit", STATUS_UNKNOWN, "IOMMU unit", u->name,
				  xasprintf("%s; its registers (%s) are not in the snapshot; %zu %s", driver_text(u->driver),
					    driver_is(u, "intel") ? "intel-iommu/cap, ecap" : "amd-iommu/cap, features",
					    u->members.n, plural(u->members.n, "device", "devices")),
				  xstrdup(RETAKE_SNAPSHOT));
		} else if (u->driver && !strncmp(u->driver, "arm-smmu", 8)) {
			bool v3 = !strcmp(u->driver, "arm-smmu-v3");
			int bypass = v3 ? c->s->host.params.smmu_v3_disable_bypass : c->s->host.params.smmu_disable_bypass;
			const char *param = v3 ? "arm_smmu_v3.disable_bypass" : "arm_smmu.disable_bypass";
			buf_appendf(&b, "%s; Linux publishes no SMMU registers in sysfs: its features (input and output "
					"address sizes, stages) are only in the kernel log (dmesg: \"%s ...: ias N-bit, oas "
					"N-bit (features 0x...)\"); %zu %s",
				    driver_text(u->driver), u->driver, u->members.n, plural(u->members.n, "device", "devices"));
			if (bypass == 1)
				buf_appendf(&b, "; %s=Y: DMA from a device the SMMU has no entry for is aborted", param);
			else if (bypass == 0)
				buf_appendf(&b, "; %s=N: DMA from a device the SMMU has no entry for bypasses it, "
						"untranslated",
					    param);
			add_check(c->r, "iommu_unit", bypass == 0 ? STATUS_WARN : STATUS_INFO, "IOMMU unit", u->name,
				  buf_steal(&b),
				  bypass == 0 ? xasprintf("boot with %s=1 (the default) so that unknown devices cannot "
							  "bypass the SMMU",
							  param)
					      : NULL);
		} else {
			buf_release(&b);
			add_check(c->r, "iommu_unit", STATUS_INFO, "IOMMU unit", u->name,
				  xasprintf("%s (its driver shows no registers in sysfs); %zu %s", driver_text(u->driver),
					    u->members.n, plural(u->members.n, "device", "devices")),
				  NULL);
		}
	}
}

static void check_groups(struct ctx *c)
{
	const struct snapshot *s = c->s;
	size_t real = 0, shared = 0, outside = 0, selected = 0;
	size_t named[4]; /* the first functions in no group, to name */
	struct buf b;
	if (!c->p.present) {
		add_check(c->r, "iommu_groups", STATUS_INFO, "IOMMU groups", NULL,
			  xstrdup("none: no IOMMU is active (iommuctl groups --predict shows the groups the kernel would "
				  "form)"),
			  NULL);
		return;
	}
	for (size_t i = 0; i < s->ngrp; i++)
		if (!is_noiommu_group(&s->grp[i])) {
			real++;
			shared += group_member_count(&s->grp[i]) > 1;
		}
	buf_init(&b);
	buf_appendf(&b, "%zu %s for %zu PCI %s; %zu %s more than one device", real, plural(real, "group", "groups"),
		    s->ndev, plural(s->ndev, "function", "functions"), shared, plural(shared, "holds", "hold"));
	if (shared)
		buf_appendf(&b, " (iommuctl groups --why tells why)");
	for (size_t i = 0; i < s->ndev; i++) {
		bool in = !c->selected || c->selected[i];
		int bridge, owner = s->dev[i].group < 0 && in ? streamid_taken_by(s, i, &bridge) : -1;
		selected += in;
		if (owner >= 0) {
			buf_appendf(&b, "; %s has no group because of a StreamID collision with %s (its DMA is translated "
					"by group %d)",
				    s->dev[i].bdf, s->dev[owner].bdf, s->dev[owner].group);
			continue;
		}
		if (s->dev[i].group < 0 && in && outside < ARRAY_SIZE(named))
			named[outside] = i;
		outside += s->dev[i].group < 0 && in;
	}
	if (c->selected && !outside)
		buf_appendf(&b, selected == 1 ? "; the function selected is in a group"
					      : "; the %zu functions selected are in groups",
			    selected);
	if (outside) {
		size_t shown = 0;
		if (c->selected)
			buf_appendf(&b, "; of the %zu %s selected, %zu %s", selected,
				    plural(selected, "function", "functions"), outside, plural(outside, "is", "are"));
		else
			buf_appendf(&b, "; %zu %s", outside, plural(outside, "function", "functions"));
		buf_appendf(&b, " in no group, so not translated (an IOMMU's own function, outside every unit's scope, "
				"or not probed yet):");
		for (; shown < outside && shown < ARRAY_SIZE(named); shown++)
			buf_appendf(&b, " %s", s->dev[named[shown]].bdf);
		if (outside > shown)
			buf_appendf(&b, " and %zu more", outside - shown);
	}
	add_check(c->r, "iommu_groups", STATUS_INFO, "IOMMU groups", NULL, buf_steal(&b), NULL);
}

/* "DMA-FQ (translated, lazy invalidation) in all 18 groups" or "DMA-FQ in
 * 16 groups, identity in 2" */
static void describe_types(struct buf *b, const struct status_report *r)
{
	if (r->ntypes == 1 && !r->groups_untyped) {
		buf_appendf(b, "%s (%s) in %s%zu %s", r->types[0].type, type_meaning(r->types[0].type),
			    r->types[0].groups > 1 ? "all " : "", r->types[0].groups,
			    plural(r->types[0].groups, "group", "groups"));
		return;
	}
	for (size_t i = 0; i < r->ntypes; i++)
		buf_appendf(b, "%s%s in %zu %s", i ? ", " : "", r->types[i].type, r->types[i].groups,
			    plural(r->types[i].groups, "group", "groups"));
	if (r->groups_untyped)
		buf_appendf(b, "%sunknown in %zu %s", r->ntypes ? ", " : "", r->groups_untyped,
			    plural(r->groups_untyped, "group", "groups"));
}

/* An Intel unit without ECAP.PT, or NULL. */
static const char *unit_without_pt(const struct ctx *c)
{
	for (size_t i = 0; i < c->r->nunits; i++)
		if (c->r->units[i].intel && !c->r->units[i].intel_caps.pass_through)
			return c->s->unit[c->r->units[i].index].name;
	return NULL;
}

static void check_default_domain(struct ctx *c)
{
	struct status_report *r = c->r;
	const struct iommu_cmdline *cmd = &c->cmd;
	size_t known = 0, identity = type_groups(r, "identity"), none = type_groups(r, "unknown");
	size_t translated = type_groups(r, "DMA") + type_groups(r, "DMA-FQ");
	enum status_state st = STATUS_PASS;
	char *remedy = NULL;
	struct buf b;

	for (size_t i = 0; i < r->ntypes; i++)
		known += r->types[i].groups;
	if (!c->p.present) {
		add_check(r, "default_domain", STATUS_INFO, "default domain", NULL, xstrdup("none: no IOMMU is active"),
			  NULL);
		return;
	}
	buf_init(&b);
	if (!known) {
		buf_appendf(&b, "unknown: no group's type file could be read (it appeared in Linux 5.11)");
		if (cmd->passthrough >= 0)
			buf_appendf(&b, "; the command line asks for %s (%s)",
				    cmd->passthrough ? "passthrough" : "translation", cmd->passthrough_by);
		add_check(r, "default_domain", STATUS_UNKNOWN, "default domain", NULL, buf_steal(&b),
			  xstrdup("the kernel log says which: dmesg | grep 'Default domain type'"));
		return;
	}
	describe_types(&b, r);
	if (identity == known) {
		if (cmd->passthrough == 1) {
			buf_appendf(&b, ", set by %s on the command line", cmd->passthrough_by);
			r->default_domain_by = xstrdup(cmd->passthrough_by);
		} else {
			buf_appendf(&b, "; not from the command line: the kernel's build default "
					"(CONFIG_IOMMU_DEFAULT_PASSTHROUGH) or Intel's platform opt-in");
		}
	} else if (translated == known) {
		if (cmd->passthrough == 1) {
			const char *nopt = unit_without_pt(c);
			if (nopt)
				buf_appendf(&b, ", although %s asks for passthrough: %s has no pass-through support "
						"(ECAP.PT 0), so the Intel driver translates every device",
					    cmd->passthrough_by, nopt);
			else
				buf_appendf(&b, ", although %s asks for passthrough: the IOMMU driver, untrusted "
						"(external-facing) devices or writes to the groups' type files chose "
						"otherwise",
					    cmd->passthrough_by);
		} else if (cmd->passthrough == 0) {
			buf_appendf(&b, ", set by %s on the command line", cmd->passthrough_by);
			r->default_domain_by = xstrdup(cmd->passthrough_by);
		} else if (!c->s->cmdline) {
			/* an unread command line is not one without the options */
			buf_appendf(&b, "; what chose it is not known: /proc/cmdline could not be read");
		} else {
			buf_appendf(&b, "; the kernel's default: the command line has no iommu=pt, iommu=nopt or "
					"iommu.passthrough=");
		}
	} else {
		buf_appendf(&b, ": the groups differ, by the IOMMU driver's choice for some devices, untrusted devices "
				"(always DMA) or writes to the groups' type files");
		if (cmd->passthrough >= 0)
			buf_appendf(&b, "; the command line asks for %s (%s)",
				    cmd->passthrough ? "passthrough" : "translation", cmd->passthrough_by);
	}
	if (identity) {
		st = STATUS_WARN;
		buf_appendf(&b, "; the DMA of identity groups reaches all memory untranslated (VFIO still isolates "
				"the devices it assigns to VMs)");
		if (identity == known && cmd->passthrough == 1)
			remedy = xasprintf("remove %s from the kernel command line for the IOMMU to translate the host's "
					   "DMA (keep it only if you want untranslated host DMA)",
					   cmd->passthrough_by);
		else if (identity == known)
			remedy = xstrdup("add iommu.passthrough=0 to the kernel command line for the IOMMU to translate "
					 "the host's DMA");
		else
			remedy = xstrdup("write DMA-FQ (or DMA) to /sys/kernel/iommu_groups/N/type of the identity "
					 "groups while no driver using the DMA API is bound to their devices, or set "
					 "iommu.passthrough=0 on the kernel command line");
	}
	if (none) {
		st = STATUS_WARN;
		buf_appendf(&b, "; %zu %s no default domain, so %s devices cannot use the DMA API", none,
			    plural(none, "group has", "groups have"), plural(none, "its", "their"));
		if (!remedy)
			remedy = xstrdup("look for 'Failed to allocate default IOMMU domain' in the kernel log "
					 "(dmesg)");
	}
	if (r->ntypes == 1 && !r->groups_untyped)
		r->default_domain = r->types[0].type;
	add_check(r, "default_domain", st, "default domain", NULL, buf_steal(&b), remedy);
}

/* Why DMA is strict here, if the command line or the hardware says:
 * sets r->invalidation_by and appends the reason to B. */
static void strict_reason(struct ctx *c, struct buf *b)
{
	const struct iommu_cmdline *cmd = &c->cmd;
	struct status_report *r = c->r;
	for (size_t i = 0; i < r->nunits && !r->invalidation_by; i++) {
		const struct status_unit *u = &r->units[i];
		const char *name = c->s->unit[u->index].name;
		/* intel/iommu.c: with CM, batching is disallowed unless DMA
		 * domains use first-stage tables (scalable mode with FLTS) */
		if (u->intel && u->intel_caps.caching_mode &&
		    !(u->intel_caps.scalable_mode && u->intel_caps.first_stage && cmd->sm_on)) {
			r->invalidation_by = xstrdup("caching_mode");
			buf_appendf(b, ", forced by %s's caching mode (CAP.CM: a virtual VT-d): Linux disallows "
				       "batching (\"IOMMU batching disallowed due to virtualization\")",
				    name);
		} else if (u->amd && u->amd_caps.np_cache) {
			r->invalidation_by = xstrdup("np_cache");
			buf_appendf(b, ", forced by %s's NpCache (a virtual AMD-Vi): Linux uses strict mode", name);
		}
	}
	if (r->invalidation_by) {
		if (cmd->strict == 0)
			buf_appendf(b, " (this overrides %s)", cmd->strict_by);
		return;
	}
	if (cmd->legacy_strict_by) {
		r->invalidation_by = xstrdup(cmd->legacy_strict_by);
		buf_appendf(b, ", set by %s on the command line (deprecated; it beats iommu.strict=0)",
			    cmd->legacy_strict_by);
	} else if (cmd->strict == 1) {
		r->invalidation_by = xstrdup(cmd->strict_by);
		buf_appendf(b, ", set by %s on the command line", cmd->strict_by);
	} else {
		buf_appendf(b, ", not from the command line: the kernel's build default (CONFIG_IOMMU_DEFAULT_DMA_STRICT) "
			       "or an IOMMU that cannot defer flushes");
	}
}

static void check_invalidation(struct ctx *c)
{
	struct status_report *r = c->r;
	const struct iommu_cmdline *cmd = &c->cmd;
	size_t strict = type_groups(r, "DMA"), lazy = type_groups(r, "DMA-FQ"), known = 0;
	struct buf b;
	for (size_t i = 0; i < r->ntypes; i++)
		known += r->types[i].groups;
	if (!c->p.present) {
		add_check(r, "invalidation", STATUS_INFO, "IOTLB invalidation", NULL, xstrdup("none: no IOMMU is active"),
			  NULL);
		return;
	}
	buf_init(&b);
	if (!known) {
		buf_appendf(&b, "unknown: no group's type file could be read");
		if (cmd->legacy_strict_by || cmd->strict >= 0)
			buf_appendf(&b, "; the command line asks for %s (%s)",
				    cmd->legacy_strict_by || cmd->strict == 1 ? "strict" : "lazy",
				    cmd->legacy_strict_by ? cmd->legacy_strict_by : cmd->strict_by);
		add_check(r, "invalidation", STATUS_UNKNOWN, "IOTLB invalidation", NULL, buf_steal(&b),
			  xstrdup("the kernel log says which: dmesg | grep 'TLB invalidation policy' (it can be stale "
				  "when the driver forces strict later)"));
		return;
	}
	if (!strict && !lazy) {
		buf_appendf(&b, "not applicable: no group is translated");
		add_check(r, "invalidation", STATUS_INFO, "IOTLB invalidation", NULL, buf_steal(&b), NULL);
		return;
	}
	if (strict && !lazy) {
		r->invalidation = "strict";
		buf_appendf(&b, "strict: DMA in %s%zu translated %s", strict > 1 ? "all " : "", strict,
			    plural(strict, "group", "groups"));
		strict_reason(c, &b);
		buf_appendf(&b, "; the IOTLB is flushed before each unmap returns");
		add_check(r, "invalidation", STATUS_PASS, "IOTLB invalidation", NULL, buf_steal(&b), NULL);
		return;
	}
	if (!strict) {
		r->invalidation = "lazy";
		buf_appendf(&b, "lazy: DMA-FQ in %s%zu translated %s", lazy > 1 ? "all " : "", lazy,
			    plural(lazy, "group", "groups"));
		if (cmd->strict == 0) {
			r->invalidation_by = xstrdup(cmd->strict_by);
			buf_appendf(&b, ", set by %s on the command line", cmd->strict_by);
		} else if (!c->s->cmdline) {
			buf_appendf(&b, ", by the kernel's build default or the command line (/proc/cmdline could "
					"not be read)");
		} else {
			buf_appendf(&b, ", the kernel's build default (%s; the command line has no "
					"iommu.strict=)",
				    platform_arch(c->s) == ARCH_X86 ? "lazy on x86" : "CONFIG_IOMMU_DEFAULT_DMA_LAZY");
		}
		buf_appendf(&b, "; a device can still reach an unmapped buffer until the next batched flush (a "
				"timer of 10 ms or more)");
	} else {
		r->invalidation = "mixed";
		buf_appendf(&b, "mixed: DMA (strict) in %zu %s, DMA-FQ (lazy) in %zu: untrusted devices are always "
				"strict, and a group's type file can be written",
			    strict, plural(strict, "group", "groups"), lazy);
	}
	add_check(r, "invalidation", STATUS_INFO, "IOTLB invalidation", NULL, buf_steal(&b),
		  xstrdup("for strict invalidation, add iommu.strict=1 to the kernel command line (it costs some I/O "
			  "throughput)"));
}

static char *ir_remedy(const struct ctx *c)
{
	const struct snapshot *s = c->s;
	static const char unsafe[] = "; only if you accept that devices can forge interrupts: "
				     "vfio_iommu_type1.allow_unsafe_interrupts=1";
	if (c->r->ir_supported == 0)
		return xasprintf("the VT-d hardware cannot remap interrupts: in a VM, turn it on in the virtual IOMMU "
				 "(QEMU: -machine q35,kernel-irqchip=split -device intel-iommu,intremap=on); on real "
				 "hardware, enable VT-d (interrupt remapping) in the firmware setup%s",
				 unsafe);
	if (platform_has_unit_driver(s, "intel") || strvec_contains(&s->fw_tables, "DMAR"))
		return xasprintf("look for DMAR-IR messages in the kernel log (dmesg): the firmware may opt out of "
				 "x2APIC or leave an IOAPIC outside every unit (intremap=no_x2apic_optout, a firmware "
				 "update)%s",
				 unsafe);
	if (platform_has_unit_driver(s, "amd") || strvec_contains(&s->fw_tables, "IVRS"))
		return xasprintf("look for AMD-Vi interrupt remapping messages in the kernel log (dmesg) and enable the "
				 "IOMMU in the firmware setup (QEMU: -machine q35,kernel-irqchip=split -device "
				 "amd-iommu,intremap=on)%s",
				 unsafe);
	if (platform_has_unit_driver(s, "virtio"))
		return xasprintf("virtio-iommu does not remap interrupts: give the VM a virtual VT-d or AMD-Vi with "
				 "interrupt remapping (QEMU: -machine q35,kernel-irqchip=split -device "
				 "intel-iommu,intremap=on)%s",
				 unsafe);
	return xasprintf("enable the IOMMU's interrupt remapping in the firmware setup%s", unsafe);
}

/* Arm: the MSI controller isolates MSIs (a GICv3 ITS) or not (GICv2m, none);
 * there is no interrupt remapping to speak of (KERNEL-FACTS 10.4). */
static void check_msi_isolation(struct ctx *c, bool unsafe)
{
	struct status_report *r = c->r;
	struct msi_isolation m;
	static const char unsafe_remedy[] = "; only if you accept that devices can forge interrupts: "
					    "vfio_iommu_type1.allow_unsafe_interrupts=1";
	platform_msi_isolation(c->s, &m);
	r->ir_active = m.isolated;
	if (m.isolated == 1) {
		add_check(r, "msi_isolation", STATUS_PASS, "MSI isolation", NULL,
			  xasprintf("isolated by the %s, which translates each device's MSIs by its DeviceID: %s",
				    m.controller, m.evidence),
			  NULL);
	} else if (m.isolated == 0) {
		enum status_state st = !c->p.present ? STATUS_INFO : unsafe ? STATUS_WARN : STATUS_FAIL;
		add_check(r, "msi_isolation", st, "MSI isolation", NULL,
			  xasprintf("not isolated%s%s: %s; devices can forge MSIs, so vfio_iommu_type1 refuses their "
				    "groups%s",
				    m.controller ? " by the " : "", m.controller ? m.controller : "", m.evidence,
				    unsafe ? " unless allow_unsafe_interrupts=1, which is set" : ""),
			  st == STATUS_INFO ? NULL
					    : xasprintf("give PCI an MSI controller that isolates: a GICv3 with an ITS "
							"(the platform's firmware; QEMU: -machine virt,gic-version=3)%s",
							unsafe_remedy));
	} else {
		add_check(r, "msi_isolation", c->p.present ? STATUS_UNKNOWN : STATUS_INFO, "MSI isolation", NULL,
			  xasprintf("not known: %s",
				    m.evidence ? m.evidence
					       : "neither /proc/interrupts nor the firmware's MSI controller (the device "
						 "tree's msi-map or msi-parent target, the IORT's ITS groups) could be read"),
			  c->p.present ? xstrdup(RETAKE_SNAPSHOT) : NULL);
	}
	msi_isolation_release(&m);
}

static void check_interrupt_remapping(struct ctx *c)
{
	const struct snapshot *s = c->s;
	struct status_report *r = c->r;
	const char *ir_less = NULL;
	bool unsafe = s->host.params.type1_allow_unsafe_interrupts == 1 || c->cmd.type1_unsafe == 1;
	size_t intel = 0, intel_ir = 0, intel_units = 0;

	if (platform_arch(s) == ARCH_ARM) {
		check_msi_isolation(c, unsafe);
		return;
	}

	/* Intel: every unit must support it (intel_irq_remapping_supported) */
	for (size_t i = 0; i < s->nunit; i++)
		intel_units += driver_is(&s->unit[i], "intel");
	for (size_t i = 0; i < r->nunits; i++)
		if (r->units[i].intel) {
			intel++;
			if (r->units[i].intel_caps.interrupt_remapping)
				intel_ir++;
			else if (!ir_less)
				ir_less = s->unit[r->units[i].index].name;
		}
	r->ir_supported = ir_less ? 0 : intel && intel == intel_units && intel_ir == intel ? 1 : -1;
	r->ir_active = s->host.ir_active;
	r->ir_disabled_by = c->cmd.intremap_off_by ? xstrdup(c->cmd.intremap_off_by) : NULL;

	if (s->host.ir_active == 1) {
		add_check(r, "interrupt_remapping", STATUS_PASS, "interrupt remapping", NULL,
			  xasprintf("active: /proc/interrupts lists remapped (IR-) interrupt chips%s",
				    r->ir_supported == 1 ? "; the units support it (ECAP.IR)" : ""),
			  NULL);
	} else if (!c->p.present) {
		add_check(r, "interrupt_remapping", STATUS_INFO, "interrupt remapping", NULL,
			  xstrdup(s->host.ir_active == 0 ? "inactive: there is no IOMMU to remap interrupts"
							 : "none: there is no IOMMU to remap interrupts"),
			  NULL);
	} else if (c->cmd.intremap_off_by) {
		add_check(r, "interrupt_remapping", unsafe ? STATUS_WARN : STATUS_FAIL, "interrupt remapping", NULL,
			  xasprintf("disabled by %s on the command line: devices can forge interrupts, and "
				    "vfio_iommu_type1 refuses their groups%s",
				    c->cmd.intremap_off_by,
				    unsafe ? " unless allow_unsafe_interrupts=1, which is set" : ""),
			  xasprintf("remove %s from the kernel command line", c->cmd.intremap_off_by));
	} else if (ir_less) {
		add_check(r, "interrupt_remapping", unsafe ? STATUS_WARN : STATUS_FAIL, "interrupt remapping", NULL,
			  xasprintf("not supported: %s cannot remap interrupts (ECAP.IR 0), so devices can forge "
				    "interrupts and vfio_iommu_type1 refuses their groups%s",
				    ir_less, unsafe ? " unless allow_unsafe_interrupts=1, which is set" : ""),
			  ir_remedy(c));
	} else if (s->host.ir_active == 0) {
		add_check(r, "interrupt_remapping", unsafe ? STATUS_WARN : STATUS_FAIL, "interrupt remapping", NULL,
			  xasprintf("inactive: /proc/interrupts lists no remapped (IR-) interrupt chip%s, so devices can "
				    "forge interrupts and vfio_iommu_type1 refuses their groups%s",
				    r->ir_supported == 1 ? " although the units support it (ECAP.IR)" : "",
				    unsafe ? " unless allow_unsafe_interrupts=1, which is set" : ""),
			  ir_remedy(c));
	} else {
		add_check(r, "interrupt_remapping", STATUS_UNKNOWN, "interrupt remapping", NULL,
			  xasprintf("not recorded: /proc/interrupts could not be read%s",
				    r->ir_supported == 1 ? "; the units support it (ECAP.IR) and the command line does "
							   "not turn it off"
							 : ""),
			  xstrdup(RETAKE_SNAPSHOT));
	}
}

static void check_cmdline(struct ctx *c)
{
	const struct snapshot *s = c->s;
	const struct iommu_cmdline *cmd = &c->cmd;
	bool amd_only = (platform_has_unit_driver(s, "amd") || strvec_contains(&s->fw_tables, "IVRS")) && !platform_has_unit_driver(s, "intel") &&
			!strvec_contains(&s->fw_tables, "DMAR");
	struct buf why, fix;
	if (!s->cmdline) {
		add_check(c->r, "kernel_cmdline", STATUS_UNKNOWN, "kernel command line", NULL,
			  xstrdup("/proc/cmdline could not be read"), xstrdup(RETAKE_SNAPSHOT));
		return;
	}
	buf_init(&why);
	buf_init(&fix);
#define PROBLEM(w, f)                                                                                                  \
	do {                                                                                                           \
		char *w_ = (w), *f_ = (f);                                                                             \
		buf_appendf(&why, "%s%s", why.len ? "; " : "", w_);                                                    \
		buf_appendf(&fix, "%s%s", fix.len ? "; " : "", f_);                                                    \
		free(w_);                                                                                              \
		free(f_);                                                                                              \
	} while (0)
	if (cmd->amd_on)
		PROBLEM(xasprintf("%s is not a kernel option (the kernel logs \"AMD-Vi: Unknown option - 'on'\"): AMD-Vi "
				  "starts without one",
				  cmd->amd_on),
			xasprintf("remove %s", cmd->amd_on));
	if (cmd->iommu_on)
		PROBLEM(xasprintf("%s is not an option the kernel knows: it has no effect", cmd->iommu_on),
			xasprintf("remove %s (Intel VT-d is turned on with intel_iommu=on; AMD-Vi needs no option)",
				  cmd->iommu_on));
	if (cmd->intel_any && amd_only)
		PROBLEM(xasprintf("%s has no effect on an AMD IOMMU", cmd->intel_any),
			xasprintf("remove %s (AMD-Vi needs no option)", cmd->intel_any));
	if (cmd->legacy_strict_by)
		PROBLEM(xasprintf("%s is deprecated", cmd->legacy_strict_by),
			xasprintf("replace %s with iommu.strict=1", cmd->legacy_strict_by));
	if (cmd->acs_override)
		PROBLEM(xasprintf("%s is an out-of-tree patch: it makes the kernel split groups whose devices the "
				  "hardware does not isolate (iommuctl explain says what it changes)",
				  cmd->acs_override),
			xasprintf("remove %s unless you accept that devices in the split groups can reach each other",
				  cmd->acs_override));
#undef PROBLEM
	if (why.len) {
		add_check(c->r, "kernel_cmdline", STATUS_WARN, "kernel command line", NULL, buf_steal(&why),
			  buf_steal(&fix));
		return;
	}
	buf_release(&fix);
	if (c->p.cmdline_options.n) {
		buf_appendf(&why, "IOMMU options: ");
		for (size_t i = 0; i < c->p.cmdline_options.n; i++)
			buf_appendf(&why, "%s%s", i ? " " : "", c->p.cmdline_options.v[i]);
	} else {
		buf_appendf(&why, "no IOMMU option");
	}
	add_check(c->r, "kernel_cmdline", STATUS_INFO, "kernel command line", NULL, buf_steal(&why), NULL);
}

/* vfio_pci depends on vfio_pci_core and vfio, vfio_iommu_type1 on vfio: any
 * of them, or the container node, means vfio is there. */
static bool vfio_core(const struct host_facts *h)
{
	return h->params.vfio_loaded || h->params.vfio_pci_loaded || h->params.type1_loaded || h->vfio.container;
}

static void check_vfio_modules(struct ctx *c)
{
	const struct host_facts *h = &c->s->host;
	const struct host_params *p = &h->params;
	struct strvec on, off;
	struct buf b;
	if (!c->r->modules_known) {
		add_check(c->r, "vfio_modules", STATUS_UNKNOWN, "VFIO modules", NULL,
			  xasprintf("unknown: /sys/module cannot be read (%s)",
				    strerror(-(h->params.modules_err ? h->params.modules_err : -ENOENT))),
			  xstrdup(RETAKE_SNAPSHOT));
		return;
	}
	strvec_init(&on);
	strvec_init(&off);
	strvec_push(vfio_core(h) ? &on : &off, "vfio");
	strvec_push(p->vfio_pci_loaded ? &on : &off, "vfio_pci");
	strvec_push(p->type1_loaded ? &on : &off, "vfio_iommu_type1");
	/* /dev/iommu came in 6.2 */
	if (p->iommufd_loaded || h->vfio.iommufd || kernel_at_least(h, 6, 2))
		strvec_push(p->iommufd_loaded || h->vfio.iommufd ? &on : &off, "iommufd");
	buf_init(&b);
	if (on.n) {
		append_list(&b, &on);
		buf_appendf(&b, " loaded");
	}
	if (off.n) {
		buf_appendf(&b, "%s", on.n ? "; " : "");
		append_list(&b, &off);
		buf_appendf(&b, " not loaded");
	}
	if (p->vfio_pci_loaded && (p->type1_loaded || p->iommufd_loaded || h->vfio.iommufd))
		add_check(c->r, "vfio_modules", STATUS_PASS, "VFIO modules", NULL, buf_steal(&b), NULL);
	else
		add_check(c->r, "vfio_modules", STATUS_INFO, "VFIO modules", NULL, buf_steal(&b),
			  xstrdup(c->p.present ? "to assign devices to VMs: modprobe vfio-pci vfio_iommu_type1"
					       : "VFIO needs an IOMMU first (iommu_driver)"));
	strvec_release(&on);
	strvec_release(&off);
}

static void check_vfio_unsafe(struct ctx *c)
{
	const struct host_facts *h = &c->s->host;
	const struct host_params *p = &h->params;
	const struct iommu_cmdline *cmd = &c->cmd;
	struct buf why, fix;
	bool known = c->r->modules_known;
	buf_init(&why);
	buf_init(&fix);
	if ((known && p->type1_allow_unsafe_interrupts == 1) || cmd->type1_unsafe == 1) {
		buf_appendf(&why, "vfio_iommu_type1.allow_unsafe_interrupts is on%s%s%s: devices assigned without "
				  "interrupt remapping can forge interrupts",
			    cmd->type1_unsafe == 1 ? " (" : "", cmd->type1_unsafe == 1 ? cmd->type1_unsafe_by : "",
			    cmd->type1_unsafe == 1 ? ")" : "");
		buf_appendf(&fix, "turn interrupt remapping on and remove allow_unsafe_interrupts (kernel command line, "
				  "/etc/modprobe.d)");
	}
	if ((known && p->iommufd_allow_unsafe_interrupts == 1) || cmd->iommufd_unsafe == 1) {
		buf_appendf(&why, "%siommufd.allow_unsafe_interrupts is on", why.len ? "; " : "");
		buf_appendf(&fix, "%sremove iommufd.allow_unsafe_interrupts", fix.len ? "; " : "");
	}
	if ((known && (p->noiommu_mode == 1 || h->vfio.nnoiommu)) || cmd->noiommu_mode == 1 || c->p.noiommu_groups) {
		buf_appendf(&why, "%sVFIO no-IOMMU mode is on: it hands devices to user space with no isolation at all "
				  "and taints the kernel",
			    why.len ? "; " : "");
		buf_appendf(&fix, "%sset vfio.enable_unsafe_noiommu_mode=0 (or drop it from the kernel command line and "
				  "/etc/modprobe.d)",
			    fix.len ? "; " : "");
	}
	if (why.len) {
		add_check(c->r, "vfio_unsafe_options", STATUS_WARN, "VFIO unsafe options", NULL, buf_steal(&why),
			  buf_steal(&fix));
		return;
	}
	buf_release(&fix);
	buf_release(&why);
	if (!known)
		add_check(c->r, "vfio_unsafe_options", STATUS_UNKNOWN, "VFIO unsafe options", NULL,
			  xasprintf("unknown: /sys/module cannot be read (%s); the command line sets none",
				    strerror(-(h->params.modules_err ? h->params.modules_err : -ENOENT))),
			  xstrdup(RETAKE_SNAPSHOT));
	else
		add_check(c->r, "vfio_unsafe_options", STATUS_PASS, "VFIO unsafe options", NULL,
			  xasprintf("off: %s; %s",
				    p->type1_allow_unsafe_interrupts == 0 ? "vfio_iommu_type1.allow_unsafe_interrupts is N"
									  : "no allow_unsafe_interrupts on the command line",
				    p->noiommu_mode == 0 ? "vfio.enable_unsafe_noiommu_mode is N" : "no VFIO no-IOMMU group"),
			  NULL);
}

static void check_vfio_nodes(struct ctx *c)
{
	const struct host_facts *h = &c->s->host;
	const struct vfio_nodes *v = &h->vfio;
	struct buf b;
	if (!c->r->nodes_known) {
		add_check(c->r, "vfio_nodes", STATUS_UNKNOWN, "VFIO device nodes", NULL,
			  xasprintf("unknown: /dev cannot be read (%s)", strerror(-(v->dev_err ? v->dev_err : -ENOENT))),
			  xstrdup(RETAKE_SNAPSHOT));
		return;
	}
	if (v->unknown.n) {
		buf_init(&b);
		buf_appendf(&b, "unknown: the capture holds ");
		for (size_t i = 0; i < v->unknown.n; i++)
			buf_appendf(&b, "%s%s", i ? ", " : "", v->unknown.v[i]);
		buf_appendf(&b, " as plain %s, not as the device %s iommuctl snapshot records (\"char MAJOR:MINOR\"): "
				"whether %s device %s is not known",
			    plural(v->unknown.n, "file", "files"), plural(v->unknown.n, "node", "nodes"),
			    v->unknown.n == 1 ? "it was a" : "they were", v->unknown.n == 1 ? "node" : "nodes");
		add_check(c->r, "vfio_nodes", STATUS_UNKNOWN, "VFIO device nodes", NULL, buf_steal(&b),
			  xstrdup(RETAKE_SNAPSHOT));
		return;
	}
	if (v->dir_err && v->dir_err != -ENOENT) {
		add_check(c->r, "vfio_nodes", STATUS_UNKNOWN, "VFIO device nodes", NULL,
			  xasprintf("/dev/vfio cannot be read: %s", strerror(-v->dir_err)), xstrdup("run iommuctl as root"));
		return;
	}
	buf_init(&b);
	if (v->dir_err == -ENOENT && !v->iommufd) {
		buf_appendf(&b, "no /dev/vfio and no /dev/iommu");
		if (vfio_core(h)) {
			buf_appendf(&b, ", although vfio is loaded");
			add_check(c->r, "vfio_nodes", STATUS_WARN, "VFIO device nodes", NULL, buf_steal(&b),
				  xstrdup("check that devtmpfs is mounted on /dev and that udev runs"));
		} else {
			buf_appendf(&b, ": VFIO is not loaded");
			add_check(c->r, "vfio_nodes", STATUS_INFO, "VFIO device nodes", NULL, buf_steal(&b),
				  xstrdup(c->p.present ? "modprobe vfio-pci creates them" : "VFIO needs an IOMMU first"));
		}
		return;
	}
	buf_appendf(&b, "%s", v->container ? "/dev/vfio/vfio (container)" : "no /dev/vfio/vfio");
	if (v->ngroups) {
		buf_appendf(&b, "; group %s", plural(v->ngroups, "node", "nodes"));
		for (size_t i = 0; i < v->ngroups; i++)
			buf_appendf(&b, "%s/dev/vfio/%d", i ? ", " : " ", v->groups[i]);
	} else {
		buf_appendf(&b, "; no group node (no device bound to vfio-pci)");
	}
	if (v->nnoiommu)
		buf_appendf(&b, "; %zu no-IOMMU group %s (/dev/vfio/noiommu-N)", v->nnoiommu,
			    plural(v->nnoiommu, "node", "nodes"));
	if (v->iommufd)
		buf_appendf(&b, "; /dev/iommu (iommufd)");
	else if (kernel_at_least(h, 6, 2))
		buf_appendf(&b, "; no /dev/iommu (iommufd not loaded)");
	if (v->cdevs)
		buf_appendf(&b, "; %zu device %s in /dev/vfio/devices", v->cdevs, plural(v->cdevs, "cdev", "cdevs"));
	if (v->nnoiommu)
		add_check(c->r, "vfio_nodes", STATUS_WARN, "VFIO device nodes", NULL, buf_steal(&b),
			  xstrdup("no-IOMMU groups isolate nothing: set vfio.enable_unsafe_noiommu_mode=0"));
	else if (v->container || v->iommufd)
		add_check(c->r, "vfio_nodes", STATUS_PASS, "VFIO device nodes", NULL, buf_steal(&b), NULL);
	else
		add_check(c->r, "vfio_nodes", STATUS_INFO, "VFIO device nodes", NULL, buf_steal(&b),
			  xstrdup("without /dev/vfio/vfio, VFIO is used through iommufd (/dev/iommu) or not at all"));
}

/* ---- the report --------------------------------------------------------------------- */

static void collect(struct ctx *c)
{
	const struct snapshot *s = c->s;
	struct status_report *r = c->r;
	r->present = c->p.present;
	r->modules_known = s->host.loaded && s->host.params.modules_err == 0;
	r->nodes_known = s->host.loaded && s->host.vfio.dev_err == 0;
	r->vfio_loaded = r->modules_known ? vfio_core(&s->host) : -1;
	for (size_t i = 0; i < c->p.cmdline_options.n; i++)
		strvec_push(&r->cmdline_options, c->p.cmdline_options.v[i]);
	for (size_t i = 0; i < s->nunit; i++) {
		const struct iommu_unit *u = &s->unit[i];
		struct status_unit *su;
		const char *d = u->driver ? u->driver : "";
		if (!strvec_contains(&r->drivers, d))
			strvec_push(&r->drivers, d);
		r->units = xrealloc(r->units, (r->nunits + 1) * sizeof(*r->units));
		su = &r->units[r->nunits++];
		memset(su, 0, sizeof(*su));
		su->index = i;
		if (u->regs_known && driver_is(u, "intel")) {
			su->intel = true;
			intel_iommu_caps_decode(u->cap, u->ecap, &su->intel_caps);
		} else if (u->regs_known && driver_is(u, "amd")) {
			su->amd = true;
			amd_iommu_caps_decode(u->cap, u->features, &su->amd_caps);
		}
	}
	for (size_t i = 0; i < s->ngrp; i++) {
		const struct iommu_group *g = &s->grp[i];
		size_t t;
		if (is_noiommu_group(g))
			continue;
		if (!g->type) {
			r->groups_untyped++;
			continue;
		}
		for (t = 0; t < r->ntypes && strcmp(r->types[t].type, g->type); t++)
			;
		if (t == r->ntypes) {
			r->types = xrealloc(r->types, (r->ntypes + 1) * sizeof(*r->types));
			r->types[r->ntypes].type = g->type;
			r->types[r->ntypes].groups = 0;
			r->ntypes++;
		}
		r->types[t].groups++;
	}
}

/* swiotlb: is a bounce-buffer pool there, how full, forced (snapshots
 * loaded with SNAP_LOAD_DMA only). */
static void check_swiotlb(struct ctx *c)
{
	struct swiotlb_report w;
	const struct swiotlb_pool_stats *d;
	char size[32];
	if (!c->s->dma.loaded)
		return;
	swiotlb_analyse(c->s, &w);
	d = w.npools && w.pools[0].pool->is_default ? &w.pools[0] : NULL;
	if (w.state == SWIOTLB_ACTIVE && d && d->total_bytes >= 0) {
		const char *forced = w.forced == 1 ? "; swiotlb=force: every DMA without an IOMMU bounces" : "";
		char *detail;
		format_bytes((unsigned long long)d->total_bytes, size, sizeof(size));
		if (d->used_pct >= 0)
			detail = xasprintf("%s pool, %.1f%% in use%s", size, d->used_pct, forced);
		else
			detail = xasprintf("%s pool%s", size, forced);
		add_check(c->r, "swiotlb", w.advice_slabs >= 0 ? STATUS_WARN : STATUS_INFO, "swiotlb", NULL, detail,
			  w.advice_slabs >= 0 ? xstrdup(w.advice) : NULL);
	} else if (w.state == SWIOTLB_ACTIVE || w.state == SWIOTLB_NO_POOL) {
		add_check(c->r, "swiotlb", STATUS_INFO, "swiotlb", NULL,
			  xstrdup(w.state == SWIOTLB_ACTIVE ? "a pool is set up" : w.message),
			  w.remedy ? xstrdup(w.remedy) : NULL);
	} else {
		add_check(c->r, "swiotlb", STATUS_UNKNOWN, "swiotlb", NULL, xstrdup(w.message), xstrdup(w.remedy));
	}
	swiotlb_report_release(&w);
}

void status_analyse(const struct snapshot *s, struct status_report *out)
{
	status_analyse_selected(s, NULL, out);
}

void status_analyse_selected(const struct snapshot *s, const bool *selected, struct status_report *out)
{
	struct ctx c = {.s = s, .selected = selected, .r = out};
	memset(out, 0, sizeof(*out));
	strvec_init(&out->drivers);
	strvec_init(&out->cmdline_options);
	out->ir_active = out->ir_supported = -1;
	iommu_presence_analyse(s, &c.p);
	iommu_cmdline_parse(s->cmdline, &c.cmd);
	collect(&c);

	check_kernel_release(&c);
	check_hardware(&c);
	check_driver(&c);
	check_units(&c);
	check_groups(&c);
	check_default_domain(&c);
	check_invalidation(&c);
	check_interrupt_remapping(&c);
	check_cmdline(&c);
	check_vfio_modules(&c);
	check_vfio_unsafe(&c);
	check_vfio_nodes(&c);
	check_swiotlb(&c);

	iommu_cmdline_release(&c.cmd);
	iommu_presence_release(&c.p);
}

void status_report_release(struct status_report *r)
{
	for (size_t i = 0; i < r->nchecks; i++) {
		free(r->checks[i].subject);
		free(r->checks[i].detail);
		free(r->checks[i].remedy);
	}
	free(r->checks);
	free(r->units);
	free(r->types);
	free(r->invalidation_by);
	free(r->default_domain_by);
	free(r->ir_disabled_by);
	strvec_release(&r->drivers);
	strvec_release(&r->cmdline_options);
	memset(r, 0, sizeof(*r));
}

const struct status_check *status_find(const struct status_report *r, const char *code)
{
	for (size_t i = 0; i < r->nchecks; i++)
		if (!strcmp(r->checks[i].code, code))
			return &r->checks[i];
	return NULL;
}
