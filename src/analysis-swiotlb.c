/* analysis-swiotlb.c - the swiotlb pools and who bounces through them.
 *
 * Kernel rules followed (KERNEL-FACTS.md section 5):
 *  - kernel/dma/swiotlb.c: slabs of 2 KiB (IO_TLB_SHIFT 11); debugfs
 *    io_tlb_nslabs/io_tlb_used (io_tlb_used_hiwater 6.4+,
 *    io_tlb_transient_nslabs 6.9+); a kernel without a pool leaves the
 *    directory empty or shows io_tlb_nslabs 0; swiotlb=<n>[,<areas>]
 *    [,force|noforce] (setup_io_tlb_npages).
 *  - kernel/dma/direct.h dma_direct_map_page: forced pools bounce
 *    everything; otherwise a buffer the device's mask cannot reach
 *    bounces, or fails with "DMA addr ... overflow" when there is no pool.
 *  - drivers/iommu/dma-iommu.c iommu_dma_map_page: under a translated
 *    domain only untrusted devices bounce, and only buffers not aligned
 *    to the IOVA granule. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "status.h"
#include "platform.h"
#include "swiotlb.h"

const char *swiotlb_state_id(enum swiotlb_state st)
{
	switch (st) {
	case SWIOTLB_ACTIVE:
		return "active";
	case SWIOTLB_NO_POOL:
		return "no_pool";
	case SWIOTLB_NO_DEBUGFS:
		return "no_debugfs";
	case SWIOTLB_NO_PERMISSION:
		return "no_permission";
	}
	return "unknown";
}

const char *swiotlb_bounce_id(enum swiotlb_bounce b)
{
	switch (b) {
	case BOUNCE_ALWAYS:
		return "always";
	case BOUNCE_ABOVE_MASK:
		return "above_mask";
	case BOUNCE_UNALIGNED:
		return "unaligned";
	case BOUNCE_NEVER:
		return "never";
	case BOUNCE_UNKNOWN:
		break;
	}
	return "unknown";
}

/* A counter read as a wrapped negative number: nothing real comes near
 * 2^63 slabs. */
static struct swiotlb_count count_of(const struct dma_counter *c)
{
	struct swiotlb_count r = {-1, false};
	if (!DMA_COUNTER_OK(*c))
		return r;
	if (c->value > (uint64_t)INT64_MAX / SWIOTLB_SLAB_BYTES) {
		r.underflow = true;
		return r;
	}
	r.slabs = (long long)c->value;
	return r;
}

static void pool_stats(const struct swiotlb_pool *p, struct swiotlb_pool_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->pool = p;
	st->nslabs = count_of(&p->nslabs);
	st->used = count_of(&p->used);
	st->hiwater = count_of(&p->hiwater);
	st->transient = count_of(&p->transient_nslabs);
	st->total_bytes = st->nslabs.slabs >= 0 ? st->nslabs.slabs * (long long)SWIOTLB_SLAB_BYTES : -1;
	st->used_bytes = st->used.slabs >= 0 ? st->used.slabs * (long long)SWIOTLB_SLAB_BYTES : -1;
	st->hiwater_bytes = st->hiwater.slabs >= 0 ? st->hiwater.slabs * (long long)SWIOTLB_SLAB_BYTES : -1;
	st->used_pct = st->hiwater_pct = -1;
	if (st->nslabs.slabs > 0) {
		/* transient pools (6.9+) grow the pool: count them in the total */
		double total = (double)st->nslabs.slabs + (st->transient.slabs > 0 ? (double)st->transient.slabs : 0);
		if (st->used.slabs >= 0)
			st->used_pct = 100.0 * (double)st->used.slabs / total;
		if (st->hiwater.slabs >= 0)
			st->hiwater_pct = 100.0 * (double)st->hiwater.slabs / total;
	}
}

/* The size to ask for: twice the peak, rounded up to a power of two
 * number of 128-slab segments, and never below the 64 MiB default. */
static long long advised_slabs(long long peak)
{
	long long want = 32768;
	while (want < 2 * peak && want < (1ll << 40))
		want *= 2;
	return want;
}

static void advise(struct swiotlb_report *r)
{
	const struct swiotlb_pool_stats *d = r->npools && r->pools[0].pool->is_default ? &r->pools[0] : NULL;
	long long peak;
	bool hi;
	char a[32], b[32], c[32];
	if (!d || d->nslabs.slabs <= 0)
		return;
	hi = d->hiwater.slabs >= 0;
	peak = hi ? d->hiwater.slabs : d->used.slabs;
	if (peak < 0)
		return;
	format_bytes((unsigned long long)peak * SWIOTLB_SLAB_BYTES, a, sizeof(a));
	format_bytes((unsigned long long)d->total_bytes, b, sizeof(b));
	/* against the fixed pool, not counting transient pools (6.9+): the
	 * kernel adds those only once the pool ran out, so a peak in them
	 * already means the pool is too small */
	if (peak * 4 >= d->nslabs.slabs * 3) {
		r->advice_slabs = advised_slabs(peak);
		format_bytes((unsigned long long)r->advice_slabs * SWIOTLB_SLAB_BYTES, c, sizeof(c));
		r->advice = xasprintf("%s %s of the %s pool: mappings fail with \"swiotlb buffer is full\" when it runs "
				      "out; boot with swiotlb=%lld (%s), twice the peak",
				      hi ? "the high-water mark reached" : "use is at", a, b, r->advice_slabs, c);
	} else if (hi) {
		r->advice = xasprintf("the high-water mark is %s of the %s pool: it is large enough", a, b);
	} else {
		r->advice = xasprintf("%s of the %s pool is in use now; %s: sample it under load with --watch before "
				      "resizing",
				      a, b,
				      d->pool->hiwater.present ? "the high-water mark could not be read (or read as a wrapped "
								 "counter)"
							       : "this kernel keeps no high-water mark (6.4+ does)");
	}
}

/* The last whole token of CMDLINE that reads TOKEN, or NULL (a quoted
 * token, which cmdline_split unquoted).  Not strstr: an earlier
 * "swiotlb=10240" starts with "swiotlb=1024", and "foo=swiotlb=1"
 * holds "swiotlb=1". */
static const char *last_token(const char *cmdline, const char *token)
{
	size_t n = strlen(token);
	const char *found = NULL;
	for (const char *p = cmdline; *p; p++)
		if ((p == cmdline || strchr(" \t\n", p[-1])) && !strncmp(p, token, n) &&
		    (!p[n] || strchr(" \t\n", p[n])))
			found = p;
	return found;
}

void swiotlb_analyse(const struct snapshot *s, struct swiotlb_report *r)
{
	const struct dma_facts *f = &s->dma;
	struct iommu_cmdline cl;
	bool restricted = false;

	memset(r, 0, sizeof(*r));
	r->arch = (int)platform_arch(s);
	r->requested_slabs = r->advice_slabs = -1;
	r->forced = -1;
	r->cmdline_known = s->cmdline != NULL;
	iommu_cmdline_parse(s->cmdline ? s->cmdline : "", &cl);
	if (r->cmdline_known) {
		r->setting = cl.swiotlb_by ? last_token(s->cmdline, cl.swiotlb_by) : NULL;
		r->requested_slabs = cl.swiotlb_nslabs;
		r->disabled = cl.swiotlb_noforce_by != NULL;
		/* swiotlb_init_remap returns on noforce before it copies
		 * swiotlb_force_bounce into the pool: noforce beats force */
		r->forced = cl.swiotlb_force_by != NULL && !r->disabled;
	}

	if (f->npools) {
		r->pools = xcalloc(f->npools, sizeof(*r->pools));
		for (size_t i = 0; i < f->npools; i++)
			pool_stats(&f->pools[i], &r->pools[r->npools++]);
	}
	/* a restricted DMA pool serves only the devices the device tree gives
	 * it (kernel/dma/swiotlb.c rmem_swiotlb_device_init): the others
	 * bounce through the default pool or not at all */
	for (size_t i = 0; i < r->npools; i++)
		if (r->pools[i].nslabs.slabs > 0) {
			if (r->pools[i].pool->is_default)
				r->present = true;
			else
				restricted = true;
		}

	if (r->present) {
		r->state = SWIOTLB_ACTIVE;
	} else if (restricted && !r->disabled) {
		struct buf names;
		buf_init(&names);
		for (size_t i = 0; i < r->npools; i++)
			if (!r->pools[i].pool->is_default && r->pools[i].nslabs.slabs > 0)
				buf_appendf(&names, "%s%s", names.len ? ", " : "", r->pools[i].pool->name);
		r->state = SWIOTLB_NO_POOL;
		r->message = xasprintf("no default swiotlb pool, only restricted DMA pools (%s), which serve only the "
				       "devices the device tree assigns to them: any other device that cannot reach a "
				       "buffer fails to map it",
				       names.data);
		buf_release(&names);
	} else if (r->disabled) {
		/* swiotlb=noforce: no pool, whatever debugfs says */
		r->state = SWIOTLB_NO_POOL;
		r->message = xasprintf("no swiotlb pool: %s disables it; a device that cannot reach a buffer fails to "
				       "map it (\"DMA addr ... overflow\")",
				       cl.swiotlb_noforce_by);
		r->remedy = xasprintf("remove %s from the kernel command line", cl.swiotlb_noforce_by);
	} else if (f->swiotlb_err == -EACCES || f->swiotlb_err == -EPERM) {
		r->state = SWIOTLB_NO_PERMISSION;
		r->message = xstrdup("/sys/kernel/debug is readable by root only: the swiotlb counters cannot be read");
		r->remedy = xstrdup("run iommuctl as root (sudo iommuctl swiotlb stats)");
	} else if (f->swiotlb_err == 0 || f->debugfs_mounted == 1) {
		char top[32];
		r->state = SWIOTLB_NO_POOL;
		/* arch/x86/kernel/pci-dma.c pci_swiotlb_detect, arm64 mem_init
		 * before 6.5: a pool only with RAM above the 32-bit DMA limit
		 * (x86: never with iommu=off) */
		if (cl.iommu_off_by)
			r->message = xasprintf("no swiotlb pool: %s sets none up (nor an IOMMU); a device that cannot "
					       "reach a buffer fails to map it",
					       cl.iommu_off_by);
		else if (f->ram_top && f->ram_top <= 1ull << 32)
			r->message = xasprintf("no swiotlb pool: all RAM lies below 4 GiB (the memory map's RAM ends at "
					       "%s), where a 32-bit device reaches it, so the kernel set none up",
					       format_bytes(f->ram_top, top, sizeof(top)));
		else if (r->arch == ARCH_ARM)
			r->message = xstrdup("no swiotlb pool: the kernel did not set one up (arm64 sets one up when RAM "
					     "reaches past the DMA zone, and from 6.5 a small one for unaligned kmalloc "
					     "buffers)");
		else
			r->message = xstrdup("no swiotlb pool: the kernel did not set one up (all RAM is within 32 bits, "
					     "or iommu=off), or freed it at boot because an IOMMU translates DMA");
	} else {
		r->state = SWIOTLB_NO_DEBUGFS;
		r->message = xstrdup("debugfs is not mounted on /sys/kernel/debug, where the kernel shows its swiotlb "
				     "counters");
		r->remedy = xstrdup("mount -t debugfs none /sys/kernel/debug");
	}
	advise(r);
	iommu_cmdline_release(&cl);
}

void swiotlb_report_release(struct swiotlb_report *r)
{
	free(r->pools);
	free(r->message);
	free(r->remedy);
	free(r->advice);
	memset(r, 0, sizeof(*r));
}

/* ---- which devices bounce ------------------------------------------------------ */

static char *mask_text(int bits)
{
	return bits >= 64 ? xstrdup("64-bit mask") : xasprintf("%d-bit mask", bits);
}

static void judge_direct(const struct snapshot *s, const struct swiotlb_report *r, const struct pci_device *d,
			 const char *why_direct, struct swiotlb_device *o)
{
	char top[32], *mask;
	o->path = "direct";
	if (r->forced == 1) {
		o->bounces = BOUNCE_ALWAYS;
		o->fails = !r->present && r->state != SWIOTLB_NO_PERMISSION && r->state != SWIOTLB_NO_DEBUGFS;
		o->reason = xasprintf("%s, and swiotlb=force bounces every streaming mapping", why_direct);
		return;
	}
	if (d->dma_mask_bits < 0 || !s->dma.ram_top) {
		o->bounces = BOUNCE_UNKNOWN;
		o->reason = xasprintf("%s; %s", why_direct,
				      d->dma_mask_bits < 0 ? "its DMA mask could not be read"
							   : "the top of RAM is unknown (no memory map could be read)");
		return;
	}
	mask = mask_text(d->dma_mask_bits);
	format_bytes(s->dma.ram_top, top, sizeof(top));
	if (d->dma_mask_bits >= 64 || (s->dma.ram_top - 1) >> d->dma_mask_bits == 0) {
		o->bounces = BOUNCE_NEVER;
		o->reason = xasprintf("%s; its %s reaches all RAM (up to %s)", why_direct, mask, top);
	} else {
		char lim[32];
		format_bytes(1ull << d->dma_mask_bits, lim, sizeof(lim));
		o->bounces = BOUNCE_ABOVE_MASK;
		if (r->present)
			o->reason = xasprintf("%s; its %s reaches only the first %s of RAM (which ends at %s): "
					      "buffers above that bounce through swiotlb",
					      why_direct, mask, lim, top);
		else if (r->state == SWIOTLB_NO_POOL) {
			o->fails = true;
			o->reason = xasprintf("%s; its %s reaches only the first %s of RAM (which ends at %s) and "
					      "there is no swiotlb pool: mapping a buffer above that fails "
					      "(\"DMA addr ... overflow\")",
					      why_direct, mask, lim, top);
		} else
			o->reason = xasprintf("%s; its %s reaches only the first %s of RAM (which ends at %s): "
					      "buffers above that bounce if there is a swiotlb pool, else fail",
					      why_direct, mask, lim, top);
	}
	free(mask);
}

static void judge(const struct snapshot *s, const struct swiotlb_report *r, size_t i, struct swiotlb_device *o)
{
	const struct pci_device *d = &s->dev[i];
	const struct iommu_group *g = d->group >= 0 ? snapshot_find_group(s, d->group) : NULL;
	o->dev = i;
	if (d->driver_known && !d->driver) {
		o->path = "none";
		o->bounces = BOUNCE_NEVER;
		o->reason = xstrdup("no driver is bound: nothing maps DMA for it");
		return;
	}
	if (d->ident_known && pci_ident_is_bridge(&d->ident)) {
		o->path = "none";
		o->bounces = BOUNCE_NEVER;
		o->reason = xstrdup("a bridge: it forwards the DMA of the devices below it and maps none of its own");
		return;
	}
	if (d->driver && (!strncmp(d->driver, "vfio", 4) || !strcmp(d->driver, "pci-stub"))) {
		o->path = "vfio";
		o->bounces = BOUNCE_NEVER;
		o->reason = xasprintf("bound to %s: its DMA is mapped by VFIO (or nothing), not by the kernel's DMA API",
				      d->driver);
		return;
	}
	if (!g || (g->name && !strcmp(g->name, "vfio-noiommu"))) {
		judge_direct(s, r, d, "no IOMMU translates its DMA", o);
		return;
	}
	if (!g->type) {
		o->path = "unknown";
		o->bounces = BOUNCE_UNKNOWN;
		o->reason = xasprintf("the default domain type of group %d could not be read", g->id);
		return;
	}
	if (!strcmp(g->type, "identity")) {
		char *why = xasprintf("group %d has an identity (pass-through) domain: bus addresses are physical", g->id);
		judge_direct(s, r, d, why, o);
		free(why);
		return;
	}
	if (!strcmp(g->type, "DMA") || !strcmp(g->type, "DMA-FQ")) {
		o->path = "translated";
		if (d->removable && !strcmp(d->removable, "removable")) {
			o->bounces = BOUNCE_UNALIGNED;
			o->fails = !r->present && r->state == SWIOTLB_NO_POOL;
			o->reason = xasprintf("the IOMMU translates its DMA (group %d, %s), but it sits below an "
					      "external-facing port (untrusted): buffers not aligned to the IOMMU page "
					      "bounce, so it cannot see their neighbours%s",
					      g->id, g->type, o->fails ? "; there is no pool, so they fail to map" : "");
		} else {
			o->bounces = BOUNCE_NEVER;
			o->reason = xasprintf("the IOMMU translates its DMA (group %d, %s): any buffer gets an address "
					      "it can reach",
					      g->id, g->type);
		}
		return;
	}
	o->path = "vfio";
	o->bounces = BOUNCE_NEVER;
	o->reason = xasprintf("group %d has a %s domain: the kernel's DMA API does not map for it", g->id, g->type);
}

void swiotlb_devices(const struct snapshot *s, const struct swiotlb_report *r, struct swiotlb_device **out,
		     size_t *n)
{
	*out = xcalloc(s->ndev ? s->ndev : 1, sizeof(**out));
	*n = s->ndev;
	for (size_t i = 0; i < s->ndev; i++)
		judge(s, r, i, &(*out)[i]);
}

void swiotlb_devices_release(struct swiotlb_device *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(d[i].reason);
	free(d);
}
