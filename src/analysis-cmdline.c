/* analysis-cmdline.c - the kernel command line, read as the kernel reads it.
 *
 * Sources followed (KERNEL-FACTS.md 4.2, 5.3, 6):
 *  - init/main.c: early_param handlers run first, in command-line order
 *    (parse_early_param), then __setup handlers and built-in module
 *    parameters (parse_args); '-' and '_' are alike in names (parameq).
 *  - arch/x86/kernel/pci-dma.c iommu_setup: iommu= items by strncmp prefix;
 *    pt/nopt set the default domain; off sets no_iommu; soft enables
 *    swiotlb; forcesac/allowdac/nodac are ignored with a warning; usedac
 *    ends the parsing.
 *  - drivers/iommu/iommu.c: iommu.passthrough=, iommu.strict= (kstrtobool);
 *    iommu_subsys_init: lazy unless strict; drivers/iommu/dma-iommu.c
 *    iommu.forcedac=.
 *  - drivers/iommu/intel/iommu.c intel_iommu_setup and drivers/iommu/amd/
 *    init.c parse_amd_iommu_options: else-if chains of strncmp prefixes,
 *    anything else "Unknown option"; amd_iommu=on is not an option;
 *    intel_iommu=strict / amd_iommu=fullflush call iommu_set_dma_strict()
 *    from __setup, after the early iommu.strict=.
 *  - drivers/iommu/irq_remapping.c setup_irqremap / setup_nointremap.
 *  - kernel/dma/swiotlb.c setup_io_tlb_npages: <nslabs> rounded up to
 *    IO_TLB_SEGSIZE, <nareas> rounded up to a power of two (0 -> 1),
 *    "force"/"noforce" compared whole; noforce wins (swiotlb_init_remap
 *    returns before it looks at force).
 *  - drivers/pci/pci.c pci_setup: noats, disable_acs_redir=, config_acs=.
 *  - vfio, vfio_pci, vfio_iommu_type1, iommufd module parameters. */
#define _GNU_SOURCE
#include "cmdline.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "dma.h"

enum action {
	A_NONE,
	A_PT,
	A_NOPT,
	A_PASSTHROUGH,
	A_STRICT,
	A_LEGACY_STRICT,
	A_FORCEDAC,
	A_FORCEDAC_ON,
	A_IOMMU_OFF,
	A_IOMMU_SOFT,
	A_IOMMU_ON,
	A_INTEL_ON,
	A_INTEL_OFF,
	A_SM_ON,
	A_SM_OFF,
	A_SP_OFF,
	A_AMD_OFF,
	A_AMD_ON,
	A_AMD_ISOLATION,
	A_AMD_V1,
	A_AMD_V2,
	A_AMD_4K,
	A_AMD_V2SIZES,
	A_INTREMAP_ON,
	A_INTREMAP_OFF,
	A_NOPOST,
	A_SWIOTLB_SIZE,
	A_SWIOTLB_AREAS,
	A_SWIOTLB_FORCE,
	A_SWIOTLB_NOFORCE,
	A_ACS_OVERRIDE,
	A_NOATS,
	A_TYPE1_UNSAFE,
	A_IOMMUFD_UNSAFE,
	A_NOIOMMU,
	A_ENTRY_LIMIT,
	A_MEM_ENCRYPT,
};

int kernel_bool(const char *v)
{
	if (!v)
		return -1;
	switch (v[0]) {
	case 'y':
	case 'Y':
	case '1':
		return 1;
	case 'n':
	case 'N':
	case '0':
		return 0;
	case 'o':
	case 'O':
		if (v[1] == 'n' || v[1] == 'N')
			return 1;
		if (v[1] == 'f' || v[1] == 'F')
			return 0;
		return -1;
	default:
		return -1;
	}
}

/* ---- what each parameter and item means ------------------------------------------ */

/* One item of a comma-separated option, matched as the kernel matches it:
 * by strncmp prefix, the first of the table that fits. */
struct item_spec {
	const char *prefix;
	enum action act;
	const char *setting;
	bool valid;
	const char *effect;
};

#define GART_EFFECT "an option of the AMD K8 GART (aperture) driver: no effect on Intel VT-d or AMD-Vi"

/* x86 iommu= (iommu_setup).  Longer words first: "forcesac" must not be
 * taken for "force". */
static const struct item_spec iommu_items[] = {
	{"off", A_IOMMU_OFF, "iommu_enabled", true,
	 "no_iommu: no IOMMU driver starts (Intel VT-d, AMD-Vi, GART), and no swiotlb pool is set up unless forced"},
	{"noforce", A_NONE, "gart_force", true, GART_EFFECT},
	{"forcesac", A_NONE, NULL, false, "ignored: the kernel logs \"forcesac option ignored.\""},
	{"force", A_NONE, "gart_force", true, GART_EFFECT},
	{"biomerge", A_NONE, NULL, true, GART_EFFECT},
	{"nopanic", A_NONE, "gart_panic", true, GART_EFFECT},
	{"panic", A_NONE, "gart_panic", true, GART_EFFECT},
	{"nomerge", A_NONE, "gart_merge", true, GART_EFFECT},
	{"merge", A_NONE, "gart_merge", true, GART_EFFECT},
	{"allowdac", A_NONE, NULL, false, "ignored: the kernel logs \"allowdac option ignored.\""},
	{"nodac", A_NONE, NULL, false, "ignored: the kernel logs \"nodac option ignored.\""},
	{"usedac", A_NONE, NULL, true,
	 "stops the VIA bridge quirk from limiting DMA to 32 bits; the kernel reads no further item of this option"},
	{"soft", A_IOMMU_SOFT, "swiotlb_enable", true, "turns swiotlb on: a bounce-buffer pool is set up at boot"},
	{"nopt", A_NOPT, "default_domain", true,
	 "the default domain is translated (DMA or DMA-FQ): devices reach only what their driver maps"},
	{"pt", A_PT, "default_domain", true,
	 "the default domain is identity (passthrough): devices bound to host drivers reach all memory untranslated; "
	 "VFIO still isolates the devices it is given"},
	{"fullflush", A_NONE, NULL, true, GART_EFFECT},
	{"nofullflush", A_NONE, NULL, true, GART_EFFECT},
	{"noagp", A_NONE, NULL, true, GART_EFFECT},
	{"noaperture", A_NONE, NULL, true, GART_EFFECT},
	{"memaper", A_NONE, NULL, true, GART_EFFECT},
	{"allowed", A_NONE, NULL, true, GART_EFFECT},
	{NULL, 0, NULL, false, NULL},
};

/* intel_iommu= (intel_iommu_setup), in the kernel's order. */
static const struct item_spec intel_items[] = {
	{"on", A_INTEL_ON, "intel_iommu_enabled", true, "Intel VT-d DMA remapping on (\"DMAR: IOMMU enabled\")"},
	{"off", A_INTEL_OFF, "intel_iommu_enabled", true,
	 "Intel VT-d DMA remapping off, platform opt-in ignored (\"DMAR: IOMMU disabled\"): no groups, no VFIO"},
	{"igfx_off", A_NONE, "intel_igfx", true,
	 "the integrated graphics device is not translated (its dedicated DMAR unit is left off)"},
	{"forcedac", A_FORCEDAC_ON, "forcedac", true,
	 "deprecated spelling of iommu.forcedac=1: PCI devices get IOVAs above 4 GiB without trying 32-bit first"},
	{"strict", A_LEGACY_STRICT, "strict", true,
	 "deprecated spelling of iommu.strict=1 (strict IOTLB invalidation); as a __setup option it beats "
	 "iommu.strict=0 wherever that stands"},
	{"sp_off", A_SP_OFF, "intel_superpages", true,
	 "no super pages: the DMA page tables use 4 KiB pages only (more table memory, more IOTLB misses)"},
	{"sm_on", A_SM_ON, "intel_scalable_mode", true,
	 "scalable mode on where the hardware has it (first-stage tables, PASID)"},
	{"sm_off", A_SM_OFF, "intel_scalable_mode", true, "scalable mode off: legacy (second-stage) translation"},
	{"tboot_noforce", A_NONE, NULL, true, "under tboot, VT-d is not forced on"},
	{NULL, 0, NULL, false, NULL},
};

/* amd_iommu= (parse_amd_iommu_options), in the kernel's order. */
static const struct item_spec amd_items[] = {
	{"fullflush", A_LEGACY_STRICT, "strict", true,
	 "deprecated spelling of iommu.strict=1 (strict IOTLB invalidation); as a __setup option it beats "
	 "iommu.strict=0 wherever that stands"},
	{"force_enable", A_NONE, NULL, true, "AMD-Vi is enabled even on Stoney Ridge, where it is off by default"},
	{"off", A_AMD_OFF, "amd_iommu_enabled", true, "AMD-Vi off: no groups, no VFIO"},
	{"force_isolation", A_AMD_ISOLATION, NULL, true,
	 "every device gets its own translated domain: none is left in passthrough"},
	{"pgtbl_v1", A_AMD_V1, "amd_pgtable", true, "DMA domains use the v1 (AMD-specific) page table"},
	{"pgtbl_v2", A_AMD_V2, "amd_pgtable", true,
	 "DMA domains use the v2 (x86-64 format) page table where the hardware allows it, else v1"},
	{"irtcachedis", A_NONE, NULL, true, "the interrupt remapping table cache is disabled"},
	{"nohugepages", A_AMD_4K, "amd_pgsizes", true, "v1 page tables use 4 KiB pages only"},
	{"v2_pgsizes_only", A_AMD_V2SIZES, "amd_pgsizes", true, "v1 page tables use 4 KiB, 2 MiB and 1 GiB pages only"},
	{NULL, 0, NULL, false, NULL},
};

/* intremap= (setup_irqremap), in the kernel's order. */
static const struct item_spec intremap_items[] = {
	{"on", A_INTREMAP_ON, "interrupt_remapping", true, "interrupt remapping on (the default where the hardware has it)"},
	{"off", A_INTREMAP_OFF, "interrupt_remapping", true,
	 "interrupt remapping off: devices can forge MSIs, so VFIO refuses assignment unless "
	 "allow_unsafe_interrupts is set"},
	{"nosid", A_NONE, NULL, true, "interrupt source-id checking off: one device can raise another's interrupts"},
	{"no_x2apic_optout", A_NONE, NULL, true, "the firmware's x2APIC opt-out is ignored"},
	{"nopost", A_NOPOST, "posted_interrupts", true, "no posted interrupts (VM interrupts go through the host)"},
	{NULL, 0, NULL, false, NULL},
};

/* amd_iommu_intr= (parse_amd_iommu_intr). */
static const struct item_spec amd_intr_items[] = {
	{"legacy_ga", A_NONE, "amd_intr_mode", true, "guest interrupt remapping in legacy GA mode (no AVIC posting)"},
	{"legacy", A_NONE, "amd_intr_mode", true, "legacy interrupt remapping (no guest virtual APIC)"},
	{"vapic", A_NONE, "amd_intr_mode", true, "guest virtual APIC mode: interrupts posted to AVIC guests"},
	{NULL, 0, NULL, false, NULL},
};

/* The pci= items that decide isolation (pci_setup); others are not ours. */
static const struct item_spec pci_items[] = {
	{"noats", A_NOATS, "ats", true, "ATS off for every device: no device-side IOTLB, translated requests refused"},
	{"disable_acs_redir=", A_NONE, "acs_redir", true,
	 "clears ACS request/completion redirect and egress control on the named devices: their groups grow"},
	{"config_acs=", A_NONE, "config_acs", true,
	 "sets or clears ACS control bits on the named devices (6.11+): groups change accordingly"},
	{NULL, 0, NULL, false, NULL},
};

enum kind { K_LIST, K_BOOL, K_FLAG, K_UINT, K_ANY, K_SWIOTLB, K_ONOFF, K_PCI_IDS };

struct param_spec {
	const char *name;   /* '_' where the kernel has either */
	bool early;
	enum kind kind;
	enum action act;
	const char *setting;
	const struct item_spec *items; /* K_LIST */
	const char *effect;            /* for the scalar kinds */
	const char *unknown_item;      /* K_LIST: what the kernel does with an unknown item */
};

static const struct param_spec params[] = {
	{"iommu", true, K_LIST, A_NONE, NULL, iommu_items, NULL, "no effect: not an iommu= item this kernel knows"},
	{"iommu.passthrough", true, K_BOOL, A_PASSTHROUGH, "default_domain", NULL,
	 "the default domain: identity (1, passthrough) or translated (0)", NULL},
	{"iommu.strict", true, K_BOOL, A_STRICT, "strict", NULL,
	 "IOTLB invalidation for translated domains: strict (1, type DMA) or lazy through a flush queue (0, "
	 "type DMA-FQ)",
	 NULL},
	{"iommu.forcedac", true, K_BOOL, A_FORCEDAC, "forcedac", NULL,
	 "1: PCI devices get IOVAs above 4 GiB at once instead of trying 32-bit addresses first", NULL},
	{"intel_iommu", false, K_LIST, A_NONE, NULL, intel_items, NULL,
	 "no effect: the kernel logs \"DMAR: Unknown option\""},
	{"amd_iommu", false, K_LIST, A_NONE, NULL, amd_items, NULL,
	 "no effect: the kernel logs \"AMD-Vi: Unknown option\""},
	{"amd_iommu_intr", false, K_LIST, A_NONE, NULL, amd_intr_items, NULL, "no effect: not an amd_iommu_intr= mode"},
	{"amd_iommu_dump", false, K_FLAG, A_NONE, NULL, NULL, "the IVRS table is dumped to the kernel log at boot", NULL},
	{"ivrs_ioapic", false, K_ANY, A_NONE, NULL, NULL,
	 "overrides the firmware's IVRS mapping of an IOAPIC to a PCI id (for interrupt remapping)", NULL},
	{"ivrs_hpet", false, K_ANY, A_NONE, NULL, NULL,
	 "overrides the firmware's IVRS mapping of an HPET to a PCI id (for interrupt remapping)", NULL},
	{"ivrs_acpihid", false, K_ANY, A_NONE, NULL, NULL,
	 "overrides the firmware's IVRS mapping of an ACPI device to a PCI id", NULL},
	{"intremap", true, K_LIST, A_NONE, NULL, intremap_items, NULL, "no effect: not an intremap= item"},
	{"nointremap", true, K_FLAG, A_INTREMAP_OFF, "interrupt_remapping", NULL,
	 "deprecated spelling of intremap=off: interrupt remapping off, so VFIO refuses assignment unless "
	 "allow_unsafe_interrupts is set",
	 NULL},
	{"swiotlb", true, K_SWIOTLB, A_NONE, NULL, NULL, NULL, NULL},
	{"pci", true, K_LIST, A_NONE, NULL, pci_items, NULL, NULL},
	{"mem_encrypt", true, K_ONOFF, A_MEM_ENCRYPT, "mem_encrypt", NULL,
	 "AMD SME memory encryption: on disables the passthrough default and makes devices that cannot reach "
	 "encrypted addresses bounce through swiotlb",
	 NULL},
	{"vfio_pci.ids", false, K_PCI_IDS, A_NONE, "vfio_pci.ids", NULL,
	 "vfio-pci claims these vendor:device ids when it loads, before their own drivers", NULL},
	{"vfio_pci.disable_vga", false, K_BOOL, A_NONE, "vfio_pci.disable_vga", NULL,
	 "1: vfio-pci gives guests no access to legacy VGA ranges", NULL},
	{"vfio_pci.nointxmask", false, K_BOOL, A_NONE, "vfio_pci.nointxmask", NULL,
	 "1: INTx is not masked at the device (for devices that ignore DisINTx)", NULL},
	{"vfio_pci.disable_idle_d3", false, K_BOOL, A_NONE, "vfio_pci.disable_idle_d3", NULL,
	 "1: idle assigned devices are not put into D3", NULL},
	{"vfio_pci.enable_sriov", false, K_BOOL, A_NONE, "vfio_pci.enable_sriov", NULL,
	 "1: a user of vfio-pci may enable SR-IOV VFs on a PF it owns", NULL},
	{"vfio_pci.disable_denylist", false, K_BOOL, A_NONE, "vfio_pci.disable_denylist", NULL,
	 "1: vfio-pci also binds devices on its denylist (some Intel QAT)", NULL},
	{"pci_stub.ids", false, K_PCI_IDS, A_NONE, "pci_stub.ids", NULL,
	 "pci-stub claims these vendor:device ids: it keeps host drivers off them and does not block VFIO", NULL},
	{"vfio_iommu_type1.allow_unsafe_interrupts", false, K_BOOL, A_TYPE1_UNSAFE, "type1_unsafe_interrupts", NULL,
	 "1: VFIO (type1) assigns devices even where interrupts are not remapped, so a guest can forge MSIs", NULL},
	{"vfio_iommu_type1.dma_entry_limit", false, K_UINT, A_ENTRY_LIMIT, "dma_entry_limit", NULL, NULL, NULL},
	{"vfio_iommu_type1.disable_hugepages", false, K_BOOL, A_NONE, "type1_disable_hugepages", NULL,
	 "1: VFIO maps guest memory in 4 KiB pages only (slower, more IOMMU table memory)", NULL},
	{"iommufd.allow_unsafe_interrupts", false, K_BOOL, A_IOMMUFD_UNSAFE, "iommufd_unsafe_interrupts", NULL,
	 "1: iommufd assigns devices even without MSI isolation (6.2+)", NULL},
	{"vfio.enable_unsafe_noiommu_mode", false, K_BOOL, A_NOIOMMU, "noiommu_mode", NULL,
	 "1: VFIO offers devices without any IOMMU (no-IOMMU mode): no isolation at all, root-only", NULL},
	{"arm_smmu.disable_bypass", false, K_BOOL, A_NONE, "arm_smmu.disable_bypass", NULL,
	 "SMMUv1/v2: traffic from unattached streams aborts (1) or bypasses translation (0)", NULL},
	{"arm_smmu.force_stage", false, K_UINT, A_NONE, "arm_smmu.force_stage", NULL,
	 "SMMUv1/v2: the translation stage used (1 or 2)", NULL},
	{"arm_smmu_v3.disable_bypass", false, K_BOOL, A_NONE, "arm_smmu_v3.disable_bypass", NULL,
	 "SMMUv3: traffic from unattached streams aborts (1) or bypasses translation (0)", NULL},
	{"arm_smmu_v3.disable_msipolling", false, K_BOOL, A_NONE, "arm_smmu_v3.disable_msipolling", NULL,
	 "SMMUv3: command-queue completion is polled instead of signalled by MSI", NULL},
	{"dma_debug", true, K_ANY, A_NONE, "dma_debug", NULL, "off: DMA-API debugging (CONFIG_DMA_API_DEBUG) is disabled",
	 NULL},
	{"dma_debug_entries", true, K_UINT, A_NONE, "dma_debug_entries", NULL,
	 "the number of mappings DMA-API debugging tracks", NULL},
	{"dma_debug_driver", false, K_ANY, A_NONE, "dma_debug_driver", NULL,
	 "DMA-API debugging reports errors of this driver only", NULL},
	{"coherent_pool", true, K_ANY, A_NONE, "coherent_pool", NULL,
	 "the size of the atomic DMA pool for coherent allocations that cannot sleep", NULL},
	{"pcie_acs_override", true, K_ANY, A_ACS_OVERRIDE, "acs_override", NULL,
	 "an out-of-tree patch: claims isolation the hardware does not report (downstream, multifunction, "
	 "id:vvvv:dddd), splitting groups whose devices can still reach each other; mainline kernels ignore it",
	 NULL},
	{NULL, false, 0, A_NONE, NULL, NULL, NULL, NULL},
};

/* The prefixes under which an unknown parameter still concerns us. */
static const char *const related_prefixes[] = {"iommu.", "vfio_pci.", "vfio_iommu_type1.", "iommufd.", "vfio.",
					       "arm_smmu.", "arm_smmu_v3.", "pci_stub.", "intel_iommu.", "amd_iommu."};

static char fold(char c)
{
	return c == '-' ? '_' : c;
}

/* If TOKEN is parameter NAME ('-' and '_' alike), its value (after '=';
 * "" for a bare NAME) or NULL.  ivrs_* also take "[id]=..." directly. */
static const char *param_value(const char *token, const char *name)
{
	size_t i = 0;
	for (; name[i]; i++)
		if (fold(token[i]) != fold(name[i]))
			return NULL;
	if (token[i] == '=')
		return token + i + 1;
	if (token[i] == '[' && !strncmp(name, "ivrs_", 5))
		return token + i;
	return token[i] == '\0' ? token + i : NULL;
}

static bool has_related_prefix(const char *token)
{
	for (size_t i = 0; i < ARRAY_SIZE(related_prefixes); i++) {
		const char *p = related_prefixes[i];
		size_t j = 0;
		while (p[j] && fold(token[j]) == fold(p[j]))
			j++;
		if (!p[j])
			return true;
	}
	return false;
}

static struct cmdline_item *add_item(struct iommu_cmdline *c, const char *token, const char *name, size_t namelen,
				     const char *value, size_t valuelen, bool early)
{
	struct cmdline_item *it;
	c->items = xrealloc(c->items, (c->nitems + 1) * sizeof(*c->items));
	it = &c->items[c->nitems++];
	memset(it, 0, sizeof(*it));
	it->token = token;
	it->name = xstrndup(name, namelen);
	it->value = value ? xstrndup(value, valuelen) : NULL;
	it->early = early;
	it->overridden_by = -1;
	return it;
}

static const struct item_spec *match_item(const struct item_spec *items, const char *item, size_t len)
{
	for (const struct item_spec *s = items; s->prefix; s++) {
		size_t n = strlen(s->prefix);
		if (len >= n && !strncmp(item, s->prefix, n))
			return s;
	}
	return NULL;
}

static void list_items(struct iommu_cmdline *c, const char *token, const struct param_spec *ps, const char *v)
{
	size_t namelen = (size_t)(v - token) - (v > token && v[-1] == '=' ? 1 : 0);
	bool stopped = false;
	for (const char *p = v; *p;) {
		size_t len = strcspn(p, ",");
		const struct item_spec *is = match_item(ps->items, p, len);
		/* pci= has many items: only the isolation ones are ours */
		if (is || ps->items != pci_items) {
			struct cmdline_item *it = add_item(c, token, token, namelen, p, len, ps->early);
			if (stopped) {
				it->known = is != NULL;
				it->effect = xstrdup("ignored: iommu=usedac ends the parsing of this option");
			} else if (is) {
				it->known = true;
				it->valid = is->valid;
				it->action = is->act;
				it->setting = is->setting;
				it->effect = xstrdup(is->effect);
				stopped = ps->items == iommu_items && !strcmp(is->prefix, "usedac");
			} else if (ps->items == amd_items && len == 2 && !strncmp(p, "on", 2)) {
				it->known = true;
				it->action = A_AMD_ON;
				it->effect = xstrdup("not an option: the kernel logs \"AMD-Vi: Unknown option - 'on'\"; "
						     "AMD-Vi starts without any option");
			} else if (ps->items == iommu_items && len == 2 && !strncmp(p, "on", 2)) {
				it->action = A_IOMMU_ON;
				it->effect = xstrdup("not an iommu= item: no effect (Intel VT-d is turned on with "
						     "intel_iommu=on; AMD-Vi needs no option)");
			} else {
				it->effect = xstrdup(ps->unknown_item);
			}
		}
		p += len;
		while (*p == ',')
			p++;
	}
}

static char *swiotlb_size_effect(long long slabs)
{
	char b[32];
	return xasprintf("the default bounce-buffer pool holds %lld slabs of 2 KiB (%s); the number is rounded up to "
			 "a multiple of 128",
			 slabs, format_bytes((unsigned long long)slabs * SWIOTLB_SLAB_BYTES, b, sizeof(b)));
}

/* setup_io_tlb_npages: [<nslabs>][,<nareas>][,force|noforce], numbers as
 * simple_strtoul(..., 0) reads them (decimal, 0x hex, 0 octal). */
static void swiotlb_items(struct iommu_cmdline *c, const char *token, const char *v)
{
	size_t namelen = (size_t)(v - token) - 1;
	struct cmdline_item *it;
	char *end;
	if (isdigit((unsigned char)*v)) {
		unsigned long long n = strtoull(v, &end, 0);
		long long slabs = n > (1ull << 40) ? (long long)(1ull << 40) : (long long)((n + 127) / 128 * 128);
		it = add_item(c, token, token, namelen, v, (size_t)(end - v), true);
		it->known = it->valid = true;
		it->action = A_SWIOTLB_SIZE;
		it->setting = "swiotlb_size";
		it->effect = swiotlb_size_effect(slabs);
		v = end;
	}
	if (*v == ',')
		v++;
	if (isdigit((unsigned char)*v)) {
		strtoull(v, &end, 0);
		it = add_item(c, token, token, namelen, v, (size_t)(end - v), true);
		it->known = it->valid = true;
		it->action = A_SWIOTLB_AREAS;
		it->setting = "swiotlb_areas";
		it->effect = xstrdup("the pool is split into this many areas (rounded up to a power of two; 0 means 1), "
				     "each with its own lock");
		v = end;
	}
	if (*v == ',')
		v++;
	if (!*v)
		return;
	it = add_item(c, token, token, namelen, v, strlen(v), true);
	it->known = true;
	if (!strcmp(v, "force")) {
		it->valid = true;
		it->action = A_SWIOTLB_FORCE;
		it->setting = "swiotlb_force";
		it->effect = xstrdup("every streaming DMA mapping that no IOMMU translates bounces through swiotlb");
	} else if (!strcmp(v, "noforce")) {
		it->valid = true;
		it->action = A_SWIOTLB_NOFORCE;
		it->setting = "swiotlb_disable";
		it->effect = xstrdup("no swiotlb pool at all: a device whose DMA mask cannot reach a buffer fails to map "
				     "it (\"DMA addr ... overflow\")");
	} else {
		it->effect = xstrdup("ignored: the kernel compares this part with \"force\" and \"noforce\" whole");
	}
}

/* How many of the fields of "%x:%x:%x:%x:%x:%x" the kernel's sscanf fills
 * from ID (lib/vsprintf.c vsscanf): a field is hex digits after optional
 * white space and an optional 0x; a ':' must follow to go on. */
static int pci_id_fields(const char *id)
{
	int fields = 0;
	for (const char *p = id; fields < 6;) {
		while (isspace((unsigned char)*p))
			p++;
		if (!isxdigit((unsigned char)*p))
			break;
		if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char)p[2]))
			p += 2;
		while (isxdigit((unsigned char)*p))
			p++;
		fields++;
		if (*p++ != ':')
			break;
	}
	return fields;
}

/* vfio_pci.ids= and pci_stub.ids= (vfio_pci_fill_ids, pci_stub_init): the
 * comma-separated ids are read one at a time; one with fewer than two
 * fields (vendor:device) is skipped with "invalid id string" and the others
 * still count.  Returns the ids skipped, comma-separated, or NULL; *GOOD:
 * how many count. */
static char *invalid_pci_ids(const char *v, size_t *good)
{
	struct buf bad;
	char *copy = xstrdup(v), *p = copy, *id;
	buf_init(&bad);
	*good = 0;
	while ((id = strsep(&p, ",")))
		if (*id && pci_id_fields(id) < 2)
			buf_appendf(&bad, "%s\"%s\"", bad.len ? ", " : "", id);
		else if (*id)
			(*good)++;
	free(copy);
	if (!bad.len) {
		buf_release(&bad);
		return NULL;
	}
	return buf_steal(&bad);
}

/* A scalar parameter: its value checked as the kernel's parser checks it. */
static void scalar_item(struct iommu_cmdline *c, const char *token, const struct param_spec *ps, const char *v)
{
	size_t namelen = *v || v[-1] == '=' ? (size_t)(v - token) - (v[-1] == '=') : strlen(token);
	bool bare = !*v && token[namelen] != '=';
	struct cmdline_item *it = add_item(c, token, token, namelen, bare ? NULL : v, strlen(v), ps->early);
	char *bad;
	it->known = ps->act != A_ACS_OVERRIDE;
	it->out_of_tree = ps->act == A_ACS_OVERRIDE;
	it->setting = ps->setting;
	it->action = ps->act;
	switch (ps->kind) {
	case K_BOOL:
		/* early params need a value; module bools take a bare name as Y */
		it->valid = kernel_bool(v) >= 0 || (bare && !ps->early);
		break;
	case K_ONOFF:
		it->valid = !strcmp(v, "on") || !strcmp(v, "off");
		break;
	case K_UINT: {
		uint64_t n;
		it->valid = parse_u64(v, 0, &n) && n <= 0xffffffffu;
		break;
	}
	case K_FLAG:
		it->valid = true;
		break;
	case K_PCI_IDS: {
		size_t good;
		if ((bad = invalid_pci_ids(v, &good))) {
			it->valid = false;
			it->effect = xasprintf("%s skips %s (\"invalid id string\": an id is vendor:device in hex)%s",
					       strncmp(ps->name, "vfio", 4) ? "pci-stub" : "vfio-pci", bad,
					       good ? "; the other ids still count" : "");
			free(bad);
			return;
		}
		it->valid = good > 0;
		break;
	}
	default:
		it->valid = *v != '\0';
		break;
	}
	if (!it->valid) {
		it->effect = xasprintf("ignored: %s", bare ? "it needs a value" : "the kernel does not accept this value");
		it->action = A_NONE;
		it->setting = NULL;
	} else if (ps->act == A_ENTRY_LIMIT) {
		it->effect = xasprintf("a VFIO container holds at most %s DMA mappings (default 65535): a guest with "
				       "more memory regions fails to start",
				       v);
	} else {
		it->effect = xstrdup(ps->effect);
	}
}

static const struct param_spec *find_param(const char *token, const char **value)
{
	for (const struct param_spec *ps = params; ps->name; ps++)
		if ((*value = param_value(token, ps->name)))
			return ps;
	return NULL;
}

/* Reads TOKEN into items, if it concerns us. */
static void read_token(struct iommu_cmdline *c, const char *token)
{
	const char *v;
	const struct param_spec *ps = find_param(token, &v);
	if (!ps) {
		const char *eq = strchr(token, '=');
		/* video=efifb:off and friends: what GPU passthrough needs */
		if ((v = param_value(token, "video")) &&
		    (!strcmp(v, "efifb:off") || !strcmp(v, "vesafb:off") || !strcmp(v, "simplefb:off"))) {
			struct cmdline_item *it = add_item(c, token, token, 5, v, strlen(v), false);
			it->known = it->valid = true;
			it->setting = "boot_framebuffer";
			it->effect = xasprintf("no %.*s framebuffer: the boot GPU's memory stays free for vfio-pci",
					       (int)(strchr(v, ':') - v), v);
		} else if (has_related_prefix(token)) {
			size_t namelen = eq ? (size_t)(eq - token) : strlen(token);
			struct cmdline_item *it =
				add_item(c, token, token, namelen, eq ? eq + 1 : NULL, eq ? strlen(eq + 1) : 0, false);
			it->effect = xstrdup("not a parameter of this kernel or its modules: ignored");
		}
		return;
	}
	if (ps->items == intel_items)
		c->intel_any = token;
	if (ps->kind == K_LIST)
		list_items(c, token, ps, v);
	else if (ps->kind == K_SWIOTLB)
		swiotlb_items(c, token, v);
	else
		scalar_item(c, token, ps, v);
}

/* ---- applying the items in the kernel's order ------------------------------------ */

static void apply(struct iommu_cmdline *c, const struct cmdline_item *it)
{
	const char *t = it->token, *v = it->value ? it->value : "";
	switch ((enum action)it->action) {
	case A_PT:
	case A_NOPT:
		c->passthrough = it->action == A_PT;
		c->passthrough_by = t;
		break;
	case A_PASSTHROUGH:
		c->passthrough = kernel_bool(v);
		c->passthrough_by = t;
		break;
	case A_STRICT:
		c->strict = kernel_bool(v);
		c->strict_by = t;
		break;
	case A_LEGACY_STRICT:
		c->legacy_strict_by = t;
		break;
	case A_FORCEDAC:
	case A_FORCEDAC_ON:
		c->forcedac = it->action == A_FORCEDAC_ON ? 1 : kernel_bool(v);
		c->forcedac_by = t;
		break;
	case A_IOMMU_OFF:
		c->iommu_off_by = t;
		break;
	case A_IOMMU_SOFT:
		c->iommu_soft_by = t;
		break;
	case A_IOMMU_ON:
		c->iommu_on = t;
		break;
	case A_INTEL_ON:
	case A_INTEL_OFF:
		c->intel_enabled = it->action == A_INTEL_ON;
		c->intel_enabled_by = t;
		c->intel_off_by = it->action == A_INTEL_OFF ? t : NULL;
		break;
	case A_SM_ON:
	case A_SM_OFF:
		c->scalable_mode = it->action == A_SM_ON;
		c->sm_on = c->scalable_mode == 1;
		break;
	case A_SP_OFF:
		c->superpages_off = true;
		break;
	case A_AMD_OFF:
		c->amd_off_by = t;
		break;
	case A_AMD_ON:
		c->amd_on = t;
		break;
	case A_AMD_ISOLATION:
		c->amd_force_isolation = true;
		break;
	case A_AMD_V1:
	case A_AMD_V2:
		c->amd_pgtable = it->action == A_AMD_V1 ? "v1" : "v2";
		break;
	case A_AMD_4K:
	case A_AMD_V2SIZES:
		c->amd_pgsizes = it->action == A_AMD_4K ? "4K" : "4K/2M/1G";
		break;
	case A_INTREMAP_ON:
		c->intremap = 1;
		c->irq_post = 1;
		c->intremap_by = t;
		c->intremap_off_by = NULL;
		break;
	case A_INTREMAP_OFF:
		c->intremap = 0;
		c->irq_post = 0;
		c->intremap_by = c->intremap_off_by = t;
		break;
	case A_NOPOST:
		c->irq_post = 0;
		break;
	case A_SWIOTLB_SIZE: {
		unsigned long long n = strtoull(v, NULL, 0);
		c->swiotlb_nslabs = n > (1ull << 40) ? (long long)(1ull << 40) : (long long)((n + 127) / 128 * 128);
		c->swiotlb_by = t;
		break;
	}
	case A_SWIOTLB_AREAS: {
		/* swiotlb_adjust_nareas: 0 -> 1, else the next power of two */
		unsigned long long n = strtoull(v, NULL, 0), p = 1;
		while (p < n && p < (1ull << 20))
			p <<= 1;
		c->swiotlb_nareas = (long long)p;
		c->swiotlb_by = t;
		break;
	}
	case A_SWIOTLB_FORCE:
		c->swiotlb_force_by = c->swiotlb_by = t;
		break;
	case A_SWIOTLB_NOFORCE:
		c->swiotlb_noforce_by = c->swiotlb_by = t;
		break;
	case A_ACS_OVERRIDE:
		c->acs_override = t;
		break;
	case A_NOATS:
		c->ats_off = true;
		break;
	case A_TYPE1_UNSAFE:
		c->type1_unsafe = *v ? kernel_bool(v) : 1;
		c->type1_unsafe_by = t;
		break;
	case A_IOMMUFD_UNSAFE:
		c->iommufd_unsafe = *v ? kernel_bool(v) : 1;
		c->iommufd_unsafe_by = t;
		break;
	case A_NOIOMMU:
		c->noiommu_mode = *v ? kernel_bool(v) : 1;
		c->noiommu_mode_by = t;
		break;
	case A_ENTRY_LIMIT:
		c->dma_entry_limit = (long long)strtoull(v, NULL, 0);
		break;
	case A_MEM_ENCRYPT:
		c->mem_encrypt = !strcmp(v, "on");
		break;
	case A_NONE:
		break;
	}
}

/* The last item applied with SETTING, or -1. */
static int last_with(const struct iommu_cmdline *c, const int *order, size_t n, const char *setting)
{
	int last = -1;
	for (size_t k = 0; k < n; k++)
		if (c->items[order[k]].setting && !strcmp(c->items[order[k]].setting, setting))
			last = order[k];
	return last;
}

static void mark_overridden(struct iommu_cmdline *c, const char *setting, int by)
{
	for (size_t i = 0; i < c->nitems; i++)
		if ((int)i != by && c->items[i].setting && !strcmp(c->items[i].setting, setting) &&
		    c->items[i].overridden_by < 0)
			c->items[i].overridden_by = by;
}

void iommu_cmdline_parse(const char *cmdline, struct iommu_cmdline *c)
{
	int *order;
	size_t n = 0;

	memset(c, 0, sizeof(*c));
	strvec_init(&c->tokens);
	c->passthrough = c->strict = c->forcedac = c->intremap = c->irq_post = -1;
	c->intel_enabled = c->scalable_mode = c->mem_encrypt = -1;
	c->type1_unsafe = c->iommufd_unsafe = c->noiommu_mode = -1;
	c->swiotlb_nslabs = c->swiotlb_nareas = c->dma_entry_limit = -1;
	cmdline_split(cmdline, &c->tokens);
	for (size_t i = 0; i < c->tokens.n; i++)
		read_token(c, c->tokens.v[i]);

	/* parse_early_param, then parse_args: the order the kernel applies */
	order = xcalloc(c->nitems ? c->nitems : 1, sizeof(*order));
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < c->nitems; i++)
			if (c->items[i].early == (pass == 0))
				order[n++] = (int)i;
	for (size_t k = 0; k < n; k++) {
		struct cmdline_item *it = &c->items[order[k]];
		apply(c, it);
		if (it->setting) {
			/* every earlier holder of the setting is overridden by this one */
			for (size_t j = 0; j < k; j++) {
				struct cmdline_item *prev = &c->items[order[j]];
				if (prev->setting && !strcmp(prev->setting, it->setting))
					prev->overridden_by = order[k];
			}
		}
	}
	/* noforce beats force and iommu=soft wherever they stand; iommu=off
	 * keeps the vendor drivers from starting at all */
	{
		int noforce = last_with(c, order, n, "swiotlb_disable");
		int off = last_with(c, order, n, "iommu_enabled");
		if (noforce >= 0) {
			mark_overridden(c, "swiotlb_force", noforce);
			mark_overridden(c, "swiotlb_enable", noforce);
		}
		if (off >= 0)
			for (size_t i = 0; i < c->nitems; i++)
				if (c->items[i].action == A_INTEL_ON && c->items[i].overridden_by < 0)
					c->items[i].overridden_by = off;
	}
	free(order);
}

void iommu_cmdline_release(struct iommu_cmdline *c)
{
	for (size_t i = 0; i < c->nitems; i++) {
		free(c->items[i].name);
		free(c->items[i].value);
		free(c->items[i].effect);
	}
	free(c->items);
	strvec_release(&c->tokens);
	memset(c, 0, sizeof(*c));
}

int cmdline_strict(const struct iommu_cmdline *c)
{
	return c->legacy_strict_by ? 1 : c->strict;
}

const char *cmdline_default_domain(const struct iommu_cmdline *c, int *translated)
{
	int strict = cmdline_strict(c);
	*translated = c->passthrough < 0 ? -1 : !c->passthrough;
	if (c->passthrough == 1)
		return "identity";
	if (c->passthrough == 0 && strict >= 0)
		return strict ? "DMA" : "DMA-FQ";
	return NULL;
}

int cmdline_swiotlb_force(const struct iommu_cmdline *c)
{
	if (c->swiotlb_noforce_by)
		return 0;
	return c->swiotlb_force_by ? 1 : -1;
}

/* ---- the settings in force, as data ------------------------------------------------ */

static struct cmdline_setting *setting(struct cmdline_setting *out, size_t *n, const char *key,
				       enum cmdline_setting_type type, const char *by)
{
	struct cmdline_setting *e = &out[(*n)++];
	memset(e, 0, sizeof(*e));
	e->key = key;
	e->type = type;
	e->by = by;
	return e;
}

/* A 1/0/-1 flag: true/false, or unset. */
static void set_tri(struct cmdline_setting *out, size_t *n, const char *key, int v, const char *by)
{
	struct cmdline_setting *e = setting(out, n, key, CSET_BOOL, by);
	e->set = v >= 0;
	e->b = v > 0;
}

/* A flag that is false or unset: an option turns off what is otherwise on. */
static void set_off(struct cmdline_setting *out, size_t *n, const char *key, bool off)
{
	set_tri(out, n, key, off ? 0 : -1, NULL);
}

static void set_flag(struct cmdline_setting *out, size_t *n, const char *key, const char *by)
{
	struct cmdline_setting *e = setting(out, n, key, CSET_BOOL, by);
	e->set = true;
	e->b = by != NULL;
}

static struct cmdline_setting *set_string(struct cmdline_setting *out, size_t *n, const char *key, const char *v,
					   bool derived)
{
	struct cmdline_setting *e = setting(out, n, key, CSET_STRING, NULL);
	e->set = v != NULL;
	e->s = v;
	e->derived = derived;
	return e;
}

static void set_count(struct cmdline_setting *out, size_t *n, const char *key, long long v, const char *by,
		      bool derived)
{
	struct cmdline_setting *e = setting(out, n, key, CSET_INT, by);
	e->set = v >= 0;
	e->i = v;
	e->derived = derived;
}

size_t cmdline_effective(const struct iommu_cmdline *c, struct cmdline_setting *out)
{
	size_t n = 0;
	int translated;
	const char *type = cmdline_default_domain(c, &translated);
	const char *strict_by = c->legacy_strict_by ? c->legacy_strict_by : c->strict_by;
	long long slabs = c->swiotlb_nslabs;

	set_string(out, &n, "default_domain_type", type, false)->by = c->passthrough_by;
	set_string(out, &n, "default_domain_by", c->passthrough_by, true);
	set_tri(out, &n, "translated", translated, c->passthrough_by);
	out[n - 1].derived = true;
	set_tri(out, &n, "strict", cmdline_strict(c), strict_by);
	set_string(out, &n, "strict_by", strict_by, true);
	set_tri(out, &n, "forcedac", c->forcedac, c->forcedac_by);
	set_flag(out, &n, "iommu_off", c->iommu_off_by);
	set_tri(out, &n, "intel_iommu", c->intel_enabled, c->intel_enabled_by);
	set_flag(out, &n, "amd_iommu_off", c->amd_off_by);
	set_tri(out, &n, "intel_scalable_mode", c->scalable_mode, NULL);
	set_off(out, &n, "intel_superpages", c->superpages_off);
	set_string(out, &n, "amd_pgtable", c->amd_pgtable, false);
	set_string(out, &n, "amd_page_sizes", c->amd_pgsizes, false);
	set_tri(out, &n, "interrupt_remapping", c->intremap, c->intremap ? c->intremap_by : c->intremap_off_by);
	set_tri(out, &n, "posted_interrupts", c->irq_post, NULL);
	set_tri(out, &n, "swiotlb_force", cmdline_swiotlb_force(c),
		c->swiotlb_noforce_by ? c->swiotlb_noforce_by : c->swiotlb_force_by);
	set_flag(out, &n, "swiotlb_disabled", c->swiotlb_noforce_by);
	set_count(out, &n, "swiotlb_slabs", slabs, c->swiotlb_by, false);
	set_count(out, &n, "swiotlb_bytes", slabs >= 0 ? slabs * (long long)SWIOTLB_SLAB_BYTES : -1, c->swiotlb_by,
		  true);
	set_count(out, &n, "swiotlb_areas", c->swiotlb_nareas, c->swiotlb_by, false);
	set_string(out, &n, "swiotlb_enabled_by", c->iommu_soft_by, false);
	set_off(out, &n, "ats", c->ats_off);
	set_string(out, &n, "acs_override", c->acs_override, false);
	set_tri(out, &n, "mem_encrypt", c->mem_encrypt, NULL);
	set_tri(out, &n, "vfio_allow_unsafe_interrupts", c->type1_unsafe, c->type1_unsafe_by);
	set_tri(out, &n, "iommufd_allow_unsafe_interrupts", c->iommufd_unsafe, c->iommufd_unsafe_by);
	set_tri(out, &n, "vfio_noiommu_mode", c->noiommu_mode, c->noiommu_mode_by);
	set_count(out, &n, "vfio_dma_entry_limit", c->dma_entry_limit, NULL, false);
	return n;
}
