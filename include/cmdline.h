/* cmdline.h - the kernel command line as the kernel reads it: every IOMMU-,
 * DMA-, swiotlb-, ACS- and VFIO-related parameter, what it does, which
 * later one overrides it, and the settings in force once the kernel's
 * precedence rules have run (KERNEL-FACTS.md 4.2, 5.3, 6).
 *
 * The kernel applies the command line in two passes: first every
 * early_param in order (iommu=, iommu.*, intremap=, swiotlb=, pci=, ...),
 * then the __setup handlers and built-in module parameters (intel_iommu=,
 * amd_iommu=, vfio_iommu_type1.*, ...).  So intel_iommu=strict beats
 * iommu.strict=0 wherever each stands.  iommu_cmdline_parse() applies the
 * items in that order; of the items that decide the same setting, the last
 * applied wins and the others are marked overridden by it.
 *
 * Pure functions: no files, no output. */
#ifndef IOMMUCTL_CMDLINE_H
#define IOMMUCTL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* One parameter, or one item of a comma-separated option (intel_iommu=on,sm_on
 * gives two). */
struct cmdline_item {
	const char *token;   /* the whole token, as on the command line (in tokens) */
	char *name;          /* the parameter: "intel_iommu", "iommu.strict", "vfio-pci.ids" */
	char *value;         /* the item or value ("sm_on", "1"); NULL for a bare flag */
	bool known;          /* the (mainline) kernel has this parameter and item */
	bool valid;          /* the kernel accepts the value: false for amd_iommu=on,
			      * iommu.strict=maybe, ... (an unknown item is not valid) */
	bool out_of_tree;    /* pcie_acs_override: only patched kernels know it */
	bool early;          /* an early_param: applied in the first pass */
	const char *setting; /* what it decides ("default_domain", "strict", ...), or NULL */
	char *effect;        /* what it does, one sentence */
	int overridden_by;   /* index of the item that overrides it, or -1 */
	int action;          /* internal: what applying it does */
};

/* What the command line says about the IOMMU.  The *_by pointers are whole
 * tokens of TOKENS, or NULL when no item set them. */
struct iommu_cmdline {
	/* the machine's architecture (enum arch of platform.h; 0 unknown),
	 * set by the caller: the build defaults and wording follow it */
	int arch;
	struct strvec tokens;
	struct cmdline_item *items; /* in command-line order */
	size_t nitems;
	int passthrough;                /* the last of iommu.passthrough=, iommu=pt/nopt: 1, 0, -1 unset */
	const char *passthrough_by;
	int strict;                     /* iommu.strict=: 1, 0, -1 unset */
	const char *strict_by;
	const char *legacy_strict_by;   /* intel_iommu=strict or amd_iommu=fullflush: beats iommu.strict=0 */
	int forcedac;                   /* iommu.forcedac= / intel_iommu=forcedac: 1, 0, -1 */
	const char *forcedac_by;
	int intremap;                   /* intremap=on: 1; intremap=off, nointremap: 0; -1 unset */
	const char *intremap_off_by;    /* intremap=off or nointremap, when it is in force */
	const char *intremap_by;
	int irq_post;                   /* posted interrupts: 0 after intremap=nopost/off, 1 after on; -1 */
	const char *iommu_off_by;       /* iommu=off */
	int intel_enabled;              /* intel_iommu=on: 1, off: 0, -1 unset */
	const char *intel_enabled_by;
	const char *intel_off_by;       /* intel_iommu=off, when in force */
	const char *amd_off_by;         /* amd_iommu=off */
	const char *intel_any;          /* any intel_iommu= */
	const char *amd_on;             /* amd_iommu=on: not an option */
	const char *iommu_on;           /* iommu=on: not an option */
	const char *acs_override;       /* pcie_acs_override= (out of tree) */
	bool sm_on;                     /* intel_iommu=sm_on */
	int scalable_mode;              /* intel_iommu=sm_on: 1, sm_off: 0, -1 */
	bool superpages_off;            /* intel_iommu=sp_off */
	const char *amd_pgtable;        /* "v1", "v2" (amd_iommu=pgtbl_v1/v2), or NULL */
	const char *amd_pgsizes;        /* "4K" (nohugepages), "4K/2M/1G" (v2_pgsizes_only), or NULL */
	bool amd_force_isolation;
	bool ats_off;                   /* pci=noats */
	int mem_encrypt;                /* mem_encrypt=on: 1, off: 0, -1 */
	int type1_unsafe;               /* vfio_iommu_type1.allow_unsafe_interrupts=: 1, 0, -1 */
	const char *type1_unsafe_by;
	int iommufd_unsafe;             /* iommufd.allow_unsafe_interrupts= */
	const char *iommufd_unsafe_by;
	int noiommu_mode;               /* vfio.enable_unsafe_noiommu_mode= */
	const char *noiommu_mode_by;
	long long dma_entry_limit;      /* vfio_iommu_type1.dma_entry_limit=, -1 unset */
	/* swiotlb=<nslabs>[,<nareas>][,force|noforce] (kernel/dma/swiotlb.c
	 * setup_io_tlb_npages): the last one sets the size; force and
	 * noforce stick once given, and noforce wins */
	const char *swiotlb_by;
	long long swiotlb_nslabs;       /* rounded up to 128 slabs; -1 not given */
	long long swiotlb_nareas;       /* rounded up to a power of two (0 -> 1); -1 not given */
	const char *swiotlb_force_by;
	const char *swiotlb_noforce_by;
	const char *iommu_soft_by;      /* iommu=soft: swiotlb on x86 */
};
void iommu_cmdline_parse(const char *cmdline, struct iommu_cmdline *out);
void iommu_cmdline_release(struct iommu_cmdline *c);
/* The kernel's kstrtobool: 1, 0, or -1 for anything else. */
int kernel_bool(const char *value);

/* The default domain type the command line asks for, with the kernel's
 * precedence applied: "identity", "DMA", "DMA-FQ", or NULL where the
 * kernel's build (CONFIG_IOMMU_DEFAULT_*) decides.  *TRANSLATED: 1 or 0
 * when the command line decides translated or not, else -1. */
const char *cmdline_default_domain(const struct iommu_cmdline *c, int *translated);
/* Strict invalidation: 1, 0, or -1 when the build decides. */
int cmdline_strict(const struct iommu_cmdline *c);
/* swiotlb: forced (1), not (0: noforce, or nothing said = -1). */
int cmdline_swiotlb_force(const struct iommu_cmdline *c);

/* The settings in force, as data: one per key of the cmdline document's
 * "effective" object, in its order (render-cmdline.c writes them; diff
 * compares them). */
enum cmdline_setting_type { CSET_BOOL, CSET_INT, CSET_STRING };
struct cmdline_setting {
	const char *key;   /* "default_domain_type", "strict", ... */
	enum cmdline_setting_type type;
	bool set;          /* false: null, nothing on the command line decides it */
	bool b;
	long long i;
	const char *s;     /* CSET_STRING: points into the iommu_cmdline, or static */
	/* the token that set it, where one did (the document has it as a
	 * key of its own: "strict_by"); NULL otherwise */
	const char *by;
	/* another key says the same: the token that set the one before
	 * ("strict_by"), or its value in other units (swiotlb_bytes) */
	bool derived;
};
#define CMDLINE_NSETTINGS 28
/* Fills OUT (CMDLINE_NSETTINGS entries) and returns how many. */
size_t cmdline_effective(const struct iommu_cmdline *c, struct cmdline_setting *out);

#endif
