/* analysis-dmapath.c - where one streaming DMA mapping goes.
 *
 * Kernel rules followed (KERNEL-FACTS.md 4.2-4.3, 5.4-5.5, 7.4):
 *  - kernel/dma/direct.h dma_direct_map_page: a forced pool bounces every
 *    mapping; otherwise a buffer past min(dma_mask, bus_dma_limit) bounces
 *    when swiotlb is active, else the kernel warns "DMA addr %pad+%zu
 *    overflow (mask %llx, bus limit %llx)." and the mapping fails.
 *  - kernel/dma/swiotlb.c: slabs of 2 KiB; one bounce is at most
 *    IO_TLB_SEGSIZE (128) contiguous slabs, 256 KiB; a larger one fails
 *    ("swiotlb buffer is full").
 *  - arch/x86/kernel/pci-dma.c pci_swiotlb_detect / swiotlb_init_remap: a
 *    pool when RAM reaches above 4 GiB and not iommu=off, or when forced
 *    (swiotlb=force) or asked for (iommu=soft); never with swiotlb=noforce.
 *  - drivers/iommu/dma-iommu.c iommu_dma_map_page: under a translated
 *    domain only untrusted devices bounce, and only buffers not aligned to
 *    the IOVA granule ("DMA bounce buffers are inactive, unable to map
 *    unaligned transaction." without a pool); iommu_dma_alloc_iova, as
 *    the IOVA model (iova.h) places it: size-aligned, top-down below the
 *    device's limit, below 4 GiB first for PCI devices unless
 *    iommu.forcedac=1, never in a reserved region.
 *  - drivers/iommu/iommu.c iommu_get_default_domain_type: untrusted
 *    devices always get a strict DMA domain. */
#define _GNU_SOURCE
#include "dmapath.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "iova.h"
#include "platform.h"
#include "status.h"

#define GRANULE 4096ull
#define FOUR_GIB (1ull << 32)

const char *const dma_direction_ids[] = {
	[DMA_DIR_TO_DEVICE] = "to-device",
	[DMA_DIR_FROM_DEVICE] = "from-device",
	[DMA_DIR_BIDIRECTIONAL] = "bidirectional",
	NULL,
};

const char *dma_direction_id(enum dma_direction d)
{
	return d == DMA_DIR_TO_DEVICE || d == DMA_DIR_FROM_DEVICE ? dma_direction_ids[d]
								  : dma_direction_ids[DMA_DIR_BIDIRECTIONAL];
}

bool dma_direction_parse(const char *s, enum dma_direction *out)
{
	for (int d = DMA_DIR_TO_DEVICE; d <= DMA_DIR_BIDIRECTIONAL; d++)
		if (!strcmp(s, dma_direction_id((enum dma_direction)d))) {
			*out = (enum dma_direction)d;
			return true;
		}
	return false;
}

const char *dma_path_id(enum dma_path_kind k)
{
	static const char *const ids[] = {"direct", "bounce", "translated", "fail"};
	return ids[k];
}

static void reason(struct dma_path *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reason(struct dma_path *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strvec_push_owned(&p->reasons, xvasprintf(fmt, ap));
	va_end(ap);
}

/* The machine the mapping happens on: as it is, or after the reboot. */
struct scenario {
	bool iommu;              /* an IOMMU translates (or passes through) this device */
	const char *type;        /* the device's domain type */
	bool type_guessed;
	bool pool;               /* a swiotlb pool exists */
	bool forced;             /* swiotlb=force */
	bool forcedac;
};

static const char *unit_driver(const struct snapshot *s, const struct pci_device *d)
{
	if (d->unit >= 0)
		return s->unit[d->unit].driver;
	if (strvec_contains(&s->fw_tables, "DMAR"))
		return "intel";
	if (strvec_contains(&s->fw_tables, "IVRS"))
		return "amd";
	return NULL;
}

/* A virtual Intel IOMMU (caching mode) makes the driver invalidate
 * strictly whatever the command line says. */
static bool caching_mode(const struct snapshot *s, const struct pci_device *d)
{
	const struct iommu_unit *u = d->unit >= 0 ? &s->unit[d->unit] : NULL;
	return u && u->regs_known && u->driver && !strcmp(u->driver, "intel") && ((u->cap >> 7) & 1);
}

static void scenario_now(const struct snapshot *s, const struct swiotlb_report *r, const struct pci_device *d,
			 const struct iommu_cmdline *cur, struct scenario *sc, struct dma_path *p)
{
	const struct iommu_group *g = d->group >= 0 ? snapshot_find_group(s, d->group) : NULL;
	int owner, bridge; /* a StreamID collision: whose, through which bridge */
	memset(sc, 0, sizeof(*sc));
	sc->pool = r->present;
	sc->forced = r->forced == 1;
	sc->forcedac = cur->forcedac == 1;
	if (r->state == SWIOTLB_NO_DEBUGFS || r->state == SWIOTLB_NO_PERMISSION) {
		/* the counters are unreadable: the kernel's own rule says whether
		 * it set a pool up (x86: arch/x86/kernel/pci-dma.c; arm64:
		 * arch/arm64/mm/init.c mem_init, which from 6.5 also keeps a
		 * small pool for bouncing unaligned kmalloc buffers) */
		bool arm_small = platform_arch(s) == ARCH_ARM && kernel_at_least(&s->host, 6, 5);
		sc->pool = !cur->swiotlb_noforce_by &&
			   (sc->forced || cur->iommu_soft_by || arm_small ||
			    (!cur->iommu_off_by && s->dma.ram_top > FOUR_GIB));
		reason(p, "the swiotlb counters could not be read (%s): a pool is taken to %s, as the kernel sets one up "
			  "%s",
		       r->state == SWIOTLB_NO_DEBUGFS ? "debugfs is not mounted" : "debugfs is root-only",
		       sc->pool ? "exist" : "be absent",
		       arm_small ? "on arm64 from 6.5 on (a small one for unaligned kmalloc buffers)"
		       : sc->pool ? "when RAM reaches above 4 GiB, or when forced"
				  : "only when RAM reaches above 4 GiB or it is forced");
	}
	if ((owner = g ? -1 : streamid_taken_by(s, (size_t)(d - s->dev), &bridge)) >= 0) {
		/* the kernel maps for it as without an IOMMU, but the SMMU
		 * translates its StreamID in another device's domain */
		char *why = streamid_collision_text(s, (size_t)(d - s->dev), owner, bridge);
		reason(p, "the kernel maps its DMA as if no IOMMU were there (it is in no IOMMU group), but %s", why);
		reason(p, "so the SMMU looks the bus address up in %s's domain, where nothing maps it for this device: "
			  "its DMA faults or reaches whatever %s mapped there",
		       s->dev[owner].bdf, s->dev[owner].bdf);
		free(why);
		return;
	}
	if (!g || (g->name && !strcmp(g->name, "vfio-noiommu"))) {
		reason(p, "no IOMMU translates its DMA (%s)",
		       g ? "its group is a VFIO no-IOMMU group" : "it is in no IOMMU group");
		return;
	}
	sc->iommu = true;
	sc->type = g->type;
	if (g->type)
		reason(p, "it is in IOMMU group %d, whose default domain is %s", g->id, g->type);
	else
		reason(p, "it is in IOMMU group %d, whose default domain type could not be read", g->id);
}

static void scenario_whatif(const struct snapshot *s, const struct pci_device *d, const struct iommu_cmdline *cur,
			    const struct iommu_cmdline *wc, struct scenario *sc, struct dma_path *p)
{
	const struct iommu_group *g = d->group >= 0 ? snapshot_find_group(s, d->group) : NULL;
	const char *drv = unit_driver(s, d);
	bool intel = drv && !strcmp(drv, "intel"), amd = drv && !strcmp(drv, "amd");
	int strict = cmdline_strict(wc);

	memset(sc, 0, sizeof(*sc));
	sc->forcedac = wc->forcedac == 1;
	/* is there an IOMMU after the reboot? */
	if (!drv) {
		reason(p, "after the reboot: no IOMMU translates its DMA (the firmware describes none for it)");
	} else if (wc->iommu_off_by && (intel || amd)) {
		reason(p, "after the reboot: %s keeps the %s driver from starting", wc->iommu_off_by,
		       intel ? "Intel VT-d" : "AMD-Vi");
	} else if (intel && wc->intel_enabled == 0) {
		reason(p, "after the reboot: %s turns Intel VT-d off", wc->intel_enabled_by);
	} else if (amd && wc->amd_off_by) {
		reason(p, "after the reboot: %s turns AMD-Vi off", wc->amd_off_by);
	} else if (d->unit < 0 && intel && wc->intel_enabled != 1) {
		reason(p, "after the reboot: Intel VT-d stays off as now (it needs intel_iommu=on on this kernel)");
	} else {
		sc->iommu = true;
	}
	if (sc->iommu) {
		if (cur->intel_enabled == 1 && intel && wc->intel_enabled != 1)
			reason(p, "after the reboot without intel_iommu=on, VT-d starts only if the kernel was built with "
				  "CONFIG_INTEL_IOMMU_DEFAULT_ON: taken as on");
		if (wc->passthrough == 1) {
			sc->type = "identity";
		} else if (wc->passthrough < 0 && cur->passthrough < 0 && g && g->type) {
			/* the build's default, as this boot shows it */
			sc->type = g->type;
		} else {
			/* the build default when the command line is silent:
			 * lazy on x86, strict elsewhere (Kconfig
			 * IOMMU_DEFAULT_DMA_LAZY if X86 || S390) */
			sc->type = strict == 1 || (strict < 0 && platform_arch(s) == ARCH_ARM) ? "DMA" : "DMA-FQ";
			sc->type_guessed = strict < 0;
		}
		if (strict == 1 && !strcmp(sc->type, "DMA-FQ"))
			sc->type = "DMA";
		else if (strict == 0 && !strcmp(sc->type, "DMA"))
			sc->type = "DMA-FQ";
		if (!strcmp(sc->type, "DMA-FQ") && caching_mode(s, d)) {
			sc->type = "DMA";
			reason(p, "the IOMMU is virtual (caching mode): the driver invalidates strictly whatever the command "
				  "line says");
		}
		reason(p, "after the reboot: the default domain is %s%s", sc->type,
		       !sc->type_guessed ? ""
		       : platform_arch(s) == ARCH_ARM
			       ? " (the kernel's build decides strict or lazy: Arm's strict default taken)"
			       : platform_arch(s) == ARCH_X86 ? " (the kernel's build decides strict or lazy: x86's lazy default taken)"
							      : " (the kernel's build decides strict or lazy: lazy taken, x86's default; Arm's is strict)");
	}
	/* is there a swiotlb pool after the reboot? */
	sc->forced = cmdline_swiotlb_force(wc) == 1;
	if (wc->swiotlb_noforce_by) {
		reason(p, "after the reboot: %s sets up no swiotlb pool", wc->swiotlb_noforce_by);
	} else if (sc->forced || wc->iommu_soft_by) {
		sc->pool = true;
		reason(p, "after the reboot: %s sets up a swiotlb pool", sc->forced ? wc->swiotlb_force_by : wc->iommu_soft_by);
	} else if (wc->iommu_off_by) {
		reason(p, "after the reboot: %s also keeps swiotlb from being set up (pci_swiotlb_detect)", wc->iommu_off_by);
	} else if (s->dma.ram_top > FOUR_GIB) {
		sc->pool = true;
		reason(p, "after the reboot: RAM reaches above 4 GiB, so the kernel sets up a swiotlb pool");
	} else if (s->dma.ram_top) {
		reason(p, "after the reboot: all RAM lies below 4 GiB, so the kernel sets up no swiotlb pool");
	} else {
		reason(p, "after the reboot: whether there is a swiotlb pool is unknown (no memory map); taken as none");
	}
}

/* The first IOVA an empty domain hands out for LEN bytes to a PCI device
 * with DMA_LIMIT: dma-iommu's allocator (iova.h) with the group's reserved
 * regions carved out, below 4 GiB first unless FORCEDAC. */
static bool first_iova(const struct iommu_group *g, uint64_t len, uint64_t dma_limit, uint64_t aperture_end,
		       bool forcedac, uint64_t *out)
{
	struct iova_config ic;
	struct iova_domain dom;
	struct iova_dev dev;
	bool fell_back;
	int err;
	iova_config_default(&ic);
	ic.aperture_end = aperture_end;
	if (iova_domain_init(&dom, &ic))
		return false;
	for (size_t i = 0; g && i < g->nresv; i++)
		iovad_reserve(&dom, g->resv[i].start, g->resv[i].end);
	iova_dev_init(&dev, true, forcedac);
	err = iova_dma_alloc(&dom, &dev, len, dma_limit, out, &fell_back);
	iova_domain_release(&dom);
	return err == 0;
}

/* The address width of the device's IOMMU unit, as its driver would give
 * a domain (Intel: the widest supported AGAW within MGAW); 64 if unknown. */
static unsigned aperture_bits(const struct snapshot *s, const struct pci_device *d)
{
	const struct iommu_unit *u = d->unit >= 0 ? &s->unit[d->unit] : NULL;
	struct intel_iommu_caps caps;
	if (!u || !u->regs_known || !u->driver || strcmp(u->driver, "intel"))
		return 64;
	intel_iommu_caps_decode(u->cap, u->ecap, &caps);
	if (!caps.nwidths)
		return 64;
	return caps.widths[caps.nwidths - 1] < caps.mgaw ? caps.widths[caps.nwidths - 1] : caps.mgaw;
}

static void bounce(struct dma_path *p, const struct swiotlb_report *r, const struct scenario *sc,
		   const struct dma_path_request *q, bool whatif)
{
	char b[32];
	p->bounce_slabs = (q->size + SWIOTLB_SLAB_BYTES - 1) / SWIOTLB_SLAB_BYTES;
	p->pool = "swiotlb";
	if (!sc->pool) {
		p->path = DMA_PATH_FAIL;
		return;
	}
	if (q->size > (uint64_t)SWIOTLB_SEGSIZE * SWIOTLB_SLAB_BYTES) {
		/* swiotlb_tbl_map_single's warning, with the pool's counters
		 * where debugfs showed them (now, not after a reboot) */
		const struct swiotlb_pool_stats *d =
			!whatif && r->npools && r->pools[0].pool->is_default ? &r->pools[0] : NULL;
		char total[24] = "...", used[24] = "...";
		if (d && d->nslabs.slabs >= 0)
			snprintf(total, sizeof(total), "%lld", d->nslabs.slabs);
		if (d && d->used.slabs >= 0)
			snprintf(used, sizeof(used), "%lld", d->used.slabs);
		p->path = DMA_PATH_FAIL;
		p->kernel_message = xasprintf("swiotlb buffer is full (sz: %llu bytes), total %s (slots), used %s (slots)",
					      (unsigned long long)q->size, total, used);
		reason(p, "a bounce is at most 128 contiguous slabs (256 KiB): a mapping of %s cannot bounce and fails",
		       format_bytes(q->size, b, sizeof(b)));
		return;
	}
	p->path = DMA_PATH_BOUNCE;
	reason(p, "it takes %llu slab%s of 2 KiB in the default pool, which lies below 4 GiB; %s", 
	       (unsigned long long)p->bounce_slabs, p->bounce_slabs == 1 ? "" : "s",
	       q->dir == DMA_DIR_TO_DEVICE     ? "the buffer is copied into the slot when it is mapped"
	       : q->dir == DMA_DIR_FROM_DEVICE ? "the slot is copied back into the buffer when it is unmapped"
					       : "the buffer is copied in when mapped and back when unmapped");
	if (!whatif && r->npools && r->pools[0].pool->is_default && r->pools[0].nslabs.slabs > 0 &&
	    r->pools[0].used.slabs >= 0 &&
	    (uint64_t)(r->pools[0].nslabs.slabs - r->pools[0].used.slabs) < p->bounce_slabs)
		reason(p, "the pool has only %lld free slabs now: the mapping would fail (\"swiotlb buffer is full\") "
			  "until others are unmapped",
		       r->pools[0].nslabs.slabs - r->pools[0].used.slabs);
}

int dma_path_predict(const struct snapshot *s, const struct swiotlb_report *r, const struct dma_path_request *q,
		     struct dma_path *p, char **why)
{
	const struct pci_device *d = &s->dev[q->dev];
	const struct iommu_group *g = d->group >= 0 ? snapshot_find_group(s, d->group) : NULL;
	struct iommu_cmdline cur, wc;
	struct scenario sc;
	uint64_t end;
	bool untrusted = d->removable && !strcmp(d->removable, "removable");
	char lim[32];

	memset(p, 0, sizeof(*p));
	strvec_init(&p->reasons);
	*why = NULL;
	if (!q->size || q->phys + (q->size - 1) < q->phys) {
		*why = xstrdup(q->size ? "the buffer runs past the end of the address space" : "the size is 0");
		return -EINVAL;
	}
	if (d->dma_mask_bits < 0) {
		*why = xasprintf("the DMA mask of %s could not be read (dma_mask_bits)", d->bdf);
		return -EINVAL;
	}
	end = q->phys + q->size - 1;
	p->dma_mask_bits = d->dma_mask_bits;
	p->dma_limit = d->dma_mask_bits >= 64 ? UINT64_MAX : (1ull << d->dma_mask_bits) - 1;

	iommu_cmdline_parse(s->cmdline ? s->cmdline : "", &cur);
	iommu_cmdline_parse(q->cmdline ? q->cmdline : "", &wc);
	if (d->driver && (!strncmp(d->driver, "vfio", 4) || !strcmp(d->driver, "pci-stub")))
		reason(p, "it is bound to %s, which maps no DMA through the kernel's DMA API: this is what a host "
			  "driver's mapping would do",
			  d->driver);
	if (q->cmdline)
		scenario_whatif(s, d, &cur, &wc, &sc, p);
	else
		scenario_now(s, r, d, &cur, &sc, p);
	if (sc.iommu && untrusted && sc.type && strcmp(sc.type, "DMA")) {
		reason(p, "it sits below an external-facing port (untrusted): the kernel gives it a strict DMA domain "
			  "whatever the default");
		sc.type = "DMA";
	}
	p->domain_type = sc.iommu ? sc.type : NULL;
	p->domain_type_guessed = sc.type_guessed;
	p->pool_present = sc.pool;
	format_bytes(p->dma_limit + (p->dma_limit == UINT64_MAX ? 0 : 1), lim, sizeof(lim));

	if (sc.iommu && sc.type && (!strcmp(sc.type, "DMA") || !strcmp(sc.type, "DMA-FQ"))) {
		uint64_t off = q->phys & (GRANULE - 1), len = (q->size + off + GRANULE - 1) & ~(GRANULE - 1), iova = 0;
		unsigned ap = aperture_bits(s, d);
		uint64_t dma_limit = p->dma_limit;
		p->translated = true;
		if (untrusted && ((q->phys | q->size) & (GRANULE - 1))) {
			reason(p, "the buffer is not aligned to the 4 KiB IOVA granule, so dma-iommu bounces it: the device "
				  "must not see the rest of the page");
			bounce(p, r, &sc, q, q->cmdline != NULL);
			if (p->path == DMA_PATH_FAIL && !sc.pool)
				p->kernel_message = xstrdup("DMA bounce buffers are inactive, unable to map unaligned "
							    "transaction.");
			goto out;
		}
		uint64_t aperture_end = ap < 64 ? (1ull << ap) - 1 : UINT64_MAX;
		if (dma_limit > aperture_end)
			dma_limit = aperture_end;
		p->iova_32bit_first = !sc.forcedac && dma_limit > FOUR_GIB - 1;
		if (first_iova(g, len, dma_limit, aperture_end, sc.forcedac, &iova)) {
			p->path = DMA_PATH_TRANSLATED;
			p->has_bus_range = true;
			p->bus_range_first_fit = true;
			p->bus_start = iova + off;
			p->bus_end = p->bus_start + q->size - 1;
			reason(p, "the IOMMU translates: the device is given an IOVA, whatever the physical address, so "
				  "nothing bounces");
			if (p->iova_32bit_first)
				reason(p, "IOVAs are tried below 4 GiB first (no iommu.forcedac=1); the range shown is the "
					  "allocator's first choice in an empty domain: a busy one hands out lower addresses");
			else
				reason(p, "IOVAs are allocated top-down below the device's limit (0x%llx); the range shown is "
					  "the first choice in an empty domain",
				       (unsigned long long)dma_limit);
		} else {
			p->path = DMA_PATH_FAIL;
			reason(p, "no IOVA range of %s fits below the device's limit", format_bytes(len, lim, sizeof(lim)));
		}
		goto out;
	}

	/* dma-direct: no IOMMU, or an identity domain */
	if (sc.iommu && sc.type && !strcmp(sc.type, "identity"))
		reason(p, "an identity (passthrough) domain: the device uses physical addresses, as without an IOMMU");
	if (sc.forced) {
		reason(p, "swiotlb=force: dma-direct bounces every streaming mapping");
		bounce(p, r, &sc, q, q->cmdline != NULL);
		goto out;
	}
	if (end > p->dma_limit) {
		reason(p, "its %d-bit DMA mask reaches up to 0x%llx, and the buffer ends at 0x%llx", d->dma_mask_bits,
		       (unsigned long long)p->dma_limit, (unsigned long long)end);
		bounce(p, r, &sc, q, q->cmdline != NULL);
		if (p->path == DMA_PATH_FAIL && !sc.pool) {
			/* dma_direct_map_page: dev_WARN_ONCE with %pad (0x + 16 digits) */
			p->kernel_message = xasprintf("DMA addr 0x%016llx+%llu overflow (mask %llx, bus limit 0).",
						      (unsigned long long)q->phys, (unsigned long long)q->size,
						      (unsigned long long)p->dma_limit);
			reason(p, "there is no swiotlb pool to bounce through: the mapping fails");
		}
		goto out;
	}
	p->path = DMA_PATH_DIRECT;
	p->has_bus_range = true;
	p->bus_start = q->phys;
	p->bus_end = end;
	reason(p, "its %d-bit DMA mask reaches the whole buffer: the bus address is the physical address",
	       d->dma_mask_bits);
out:
	if (s->dma.ram_top && end >= s->dma.ram_top)
		reason(p, "note: the memory map has no RAM at 0x%llx (RAM ends at 0x%llx)", (unsigned long long)end,
		       (unsigned long long)s->dma.ram_top);
	iommu_cmdline_release(&cur);
	iommu_cmdline_release(&wc);
	return 0;
}

void dma_path_release(struct dma_path *p)
{
	free(p->kernel_message);
	strvec_release(&p->reasons);
	memset(p, 0, sizeof(*p));
}
