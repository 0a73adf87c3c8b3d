/* test-swiotlb.c - swiotlb_analyse() and swiotlb_devices() over snapshots
 * built in memory: every state, the pool counters (bytes, percentages,
 * high-water mark, transient slabs, the 2^64-1 underflow), restricted
 * pools, the sizing advice, the swiotlb= option as iommu_cmdline_parse()
 * reads it, and how each kind of function bounces (KERNEL-FACTS.md
 * section 5). */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"
#include "dmapath.h"
#include "swiotlb.h"

#define GiB (1ull << 30)
#define MiB (1ull << 20)

/* Percentages here are exact binary fractions. */
#define assert_pct(a, b)                                                                                               \
	do {                                                                                                           \
		double a_ = (a), b_ = (b);                                                                             \
		if (!(a_ - b_ < 1e-9 && b_ - a_ < 1e-9))                                                               \
			fail_msg("%s is %.9f, not %.9f", #a, a_, b_);                                                  \
	} while (0)

#define assert_contains(hay, needle)                                                                                   \
	do {                                                                                                           \
		const char *h_ = (hay);                                                                                \
		if (!h_ || !strstr(h_, (needle)))                                                                      \
			fail_msg("%s (\"%s\") does not contain \"%s\"", #hay, h_ ? h_ : "(null)", (needle));           \
	} while (0)

/* ---- snapshots in memory --------------------------------------------------------- */

/* A snapshot with the DMA facts loaded: CMDLINE (NULL: unreadable), the
 * swiotlb directory listed with ERR, debugfs mounted per MOUNTED, and
 * System RAM ending at RAM_TOP (0: unknown). */
static void snap(struct snapshot *s, const char *cmdline, int err, int mounted, uint64_t ram_top)
{
	snapshot_init(s);
	s->cmdline = cmdline ? strdup(cmdline) : NULL;
	s->cmdline_err = cmdline ? 0 : -EACCES;
	s->dma.loaded = true;
	s->dma.swiotlb_err = err;
	s->dma.debugfs_mounted = mounted;
	s->dma.ram_top = ram_top;
	s->dma.memmap_source = ram_top ? "/sys/firmware/memmap" : NULL;
}

/* A pool with every counter absent; set them with set(). The pointer
 * lasts until the next add_pool(). */
static struct swiotlb_pool *add_pool(struct snapshot *s, const char *name, bool is_default)
{
	struct swiotlb_pool *p;
	s->dma.pools = realloc(s->dma.pools, (s->dma.npools + 1) * sizeof(*s->dma.pools));
	p = &s->dma.pools[s->dma.npools++];
	memset(p, 0, sizeof(*p));
	p->name = strdup(name);
	p->is_default = is_default;
	return p;
}

static void set(struct dma_counter *c, uint64_t v)
{
	c->present = true;
	c->err = 0;
	c->value = v;
}

/* The default pool: NSLABS slabs, USED in use, and (>= 0) the high-water
 * mark HIWATER. */
static void default_pool(struct snapshot *s, uint64_t nslabs, uint64_t used, long long hiwater)
{
	struct swiotlb_pool *p = add_pool(s, "swiotlb", true);
	set(&p->nslabs, nslabs);
	set(&p->used, used);
	if (hiwater >= 0)
		set(&p->hiwater, (uint64_t)hiwater);
}

static const char *driver_name(struct snapshot *s, const char *driver)
{
	if (!driver)
		return NULL;
	for (size_t i = 0; i < s->drivers.n; i++)
		if (!strcmp(s->drivers.v[i], driver))
			return s->drivers.v[i];
	strvec_push(&s->drivers, driver);
	return s->drivers.v[s->drivers.n - 1];
}

/* A function BDF (added in address order) bound to DRIVER (NULL: none), in
 * group GROUP (-1: none), with a DMA mask of MASK bits (-1: unread) and
 * the removable attribute REMOVABLE (NULL: absent). */
static size_t add_dev(struct snapshot *s, const char *bdf, const char *driver, int group, int mask,
		      const char *removable)
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
	d->ident_known = true;
	d->ident.vendor_id = 0x8086;
	d->ident.device_id = 0x1234;
	d->parent = d->host_bridge = d->dma_dev = -1;
	d->boot_vga = d->sriov_numvfs = -1;
	d->driver = driver_name(s, driver);
	d->driver_known = true;
	d->group = group;
	d->unit = -1;
	d->dma_mask_bits = d->coherent_dma_mask_bits = mask;
	d->removable = removable ? strdup(removable) : NULL;
	return s->ndev++;
}

/* Group ID (added in increasing order) of default domain TYPE (NULL:
 * unread), with the name attribute NAME (NULL: none). */
static void add_group(struct snapshot *s, int id, const char *type, const char *name)
{
	struct iommu_group *g;
	if (s->ngrp)
		assert_true(s->grp[s->ngrp - 1].id < id);
	s->grp = realloc(s->grp, (s->ngrp + 1) * sizeof(*s->grp));
	g = &s->grp[s->ngrp++];
	memset(g, 0, sizeof(*g));
	g->id = id;
	g->type = type ? strdup(type) : NULL;
	g->name = name ? strdup(name) : NULL;
	g->resv_known = true;
	strvec_init(&g->other);
}

/* ---- states ---------------------------------------------------------------------- */

/* A 6.8 host: 64 MiB pool, 1024 slabs in use, the high-water mark at 2048. */
static void state_active(void **state)
{
	struct snapshot s;
	struct swiotlb_report r;
	const struct swiotlb_pool_stats *p;
	(void)state;
	snap(&s, "BOOT_IMAGE=/vmlinuz quiet", 0, 1, 9 * GiB);
	default_pool(&s, 32768, 1024, 2048);
	swiotlb_analyse(&s, &r);
	assert_int_equal(r.state, SWIOTLB_ACTIVE);
	assert_string_equal(swiotlb_state_id(r.state), "active");
	assert_true(r.present);
	assert_int_equal(r.npools, 1);
	p = &r.pools[0];
	assert_ptr_equal(p->pool, &s.dma.pools[0]);
	assert_int_equal(p->nslabs.slabs, 32768);
	assert_false(p->nslabs.underflow);
	assert_int_equal(p->used.slabs, 1024);
	assert_int_equal(p->hiwater.slabs, 2048);
	assert_int_equal(p->transient.slabs, -1);
	assert_int_equal(p->total_bytes, 64 * MiB);
	assert_int_equal(p->used_bytes, 2 * MiB);
	assert_int_equal(p->hiwater_bytes, 4 * MiB);
	assert_pct(p->used_pct, 3.125);
	assert_pct(p->hiwater_pct, 6.25);
	assert_null(r.message);
	assert_null(r.remedy);
	assert_true(r.cmdline_known);
	assert_null(r.setting);
	assert_int_equal(r.requested_slabs, -1);
	assert_int_equal(r.forced, 0);
	assert_false(r.disabled);
	assert_string_equal(r.advice, "the high-water mark is 4 MiB of the 64 MiB pool: it is large enough");
	assert_int_equal(r.advice_slabs, -1);
	swiotlb_report_release(&r);
	snapshot_release(&s);
}

/* debugfs readable, the directory listed but empty (no pool was set up). */
static void state_no_pool_empty_dir(void **state)
{
	struct snapshot s;
	struct swiotlb_report r;
	(void)state;
	snap(&s, "quiet", 0, 1, 9 * GiB);
	swiotlb_analyse(&s, &r);
	assert_int_equal(r.state, SWIOTLB_NO_POOL);
	assert_string_equal(swiotlb_state_id(r.state), "no_pool");
	assert_false(r.present);
	assert_int_equal(r.npools, 0);
	assert_null(r.pools);
	assert_contains(r.message, "no swiotlb pool: the kernel did not set one up");
	assert_contains(r.message, "or freed it at boot because an IOMMU translates DMA");
	assert_null(r.remedy);
	assert_null(r.advice);
	assert_int_equal(r.advice_slabs, -1);
	swiotlb_report_release(&r);
	snapshot_release(&s);
	/* the mount table unreadable: the listing alone says debugfs is there */
	snap(&s, "quiet", 0, -1, 9 * GiB);
	swiotlb_analyse(&s, &r);
	assert_int_equal(r.state, SWIOTLB_NO_POOL);
	swiotlb_report_release(&r);
	snapshot_release(&s);
}

/* io_tlb_nslabs reads 0: the pool was freed (or never set up). */
static void state_no_pool_zero_slabs(void **state)
{
	struct snapshot s;
	struct swiotlb_report r;
	(void)state;
	snap(&s, "quiet", 0, 1, 9 * GiB);
	default_pool(&s, 0, 0, 0);
	swiotlb_analyse(&s, &r);
	assert_int_equal(r.state, SWIOTLB_NO_POOL);
	assert_false(r.present);
	assert_int_equal(r.npools, 1);
	assert_int_equal(r.pools[0].nslabs.slabs, 0);
	assert_int_equal(r.pools[0].total_bytes, 0);
	assert_int_equal(r.pools[0].used_bytes, 0);
	assert_true(r.pools[0].used_pct < 0);
	assert_true(r.pools[0].hiwater_pct < 0);
	assert_contains(r.message, "no swiotlb pool");
	assert_null(r.remedy);
	assert_null(r.advice);
	assert_int_equal(r.advice_slabs, -1);
	swiotlb_report_release(&r);
	snapshot_release(&s);
}

/* No pool, and the reason is known: all RAM below 4 GiB (pci_swiotlb_detect
 * sets none up), or iommu=off. */
static void state_no_pool_reason(void **state)
{
	struct snapshot s;
	struct swiotlb_report r;
	(void)state;
	snap(&s, "quiet", 0, 1, 0x3ffe0000);
	swiotlb_analyse(&s, &r);
	assert_int_equal(r.state, SWIOTLB_NO_POOL);
	assert_string_equal(r.message, "no swiotlb pool: all RAM lies below 4 GiB (the memory map's RAM ends at "
				       "1023.9 MiB), where a 32-bit device reaches it, so the kernel set none up");
	assert_null(r.remedy);
	swiotlb_report_release(&r);
	snapshot_release(&s);
	/* exactly 4 GiB still fits 32 bits */
	snap(&s, "quiet", 0, 1, 4 * GiB);
	swiotlb_analyse(&s, &r);
	assert_contains(r.message, "all RAM lies below 4 GiB");
	swiotlb_report_release(&r);
	snapshot_release(&s);
	/* iommu=off: none, whatever the RAM */
	snap(&s, "iommu=off", 0, 1, 9 * GiB);
	swiotlb_analyse(&s, &r);
	assert_int_equal(r.state, SWIOTLB_NO_POOL);
	assert_contains(r.message, "no swiotlb pool: iommu=off sets none up");
	swiotlb_report_release(&r);
	snapshot_release(&s);
}

/* debugfs mounted per the mount table, but no swiotlb directory in it. */
static void state_no_pool_no_dir(void **state)
{
	struct snapshot s;
	struct swiotlb_report r;
	(void)state;
	snap(&s, "quiet", -ENOENT, 1, 9 * GiB);
	swiotlb_analyse(&s, &r);
	assert_int_equal(r.state, SWIOTLB_NO_POOL);
	assert_contains(r.message, "no swiotlb pool: the kernel did not set one up");
	assert_null(r.remedy);
	swiotlb_report_release(&r);
	snapshot_release(&s);
}

/* swiotlb=noforce: no pool, whatever debugfs says (here: not mounted, or
 * root-only). */
static void state_no_pool_noforce(void **state)
{
	struct snapshot s;
	struct swiotlb_report r;
	static const int errs[] = {-ENOENT, -EACCES};
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		snap(&s, "quiet swiotlb=noforce splash", errs[i], errs[i] == -ENOENT ? 0 : 1, 9 * GiB);
		swiotlb_analyse(&s, &r);
		assert_int_equal(r.state, SWIOTLB_NO_POOL);
		assert_false(r.present);
		assert_true(r.disabled);
		assert_int_equal(r.forced, 0);
		assert_int_equal(r.requested_slabs, -1);
		assert_ptr_equal(r.setting, s.cmdline + strlen("quiet "));
		assert_string_equal(r.message, "no swiotlb pool: swiotlb=noforce disables it; a device that cannot "
					       "reach a buffer fails to map it (\"DMA addr ... overflow\")");
		assert_string_equal(r.remedy, "remove swiotlb=noforce from the kernel command line");
		assert_null(r.advice);
		swiotlb_report_release(&r);
		snapshot_release(&s);
	}
}

static void state_no_debugfs(void **state)
{
	struct snapshot s;
	struct swiotlb_report r;
	static const int mounted[] = {0, -1};
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		snap(&s, "quiet", -ENOENT, mounted[i], 9 * GiB);
		swiotlb_analyse(&s, &r);
		assert_int_equal(r.state, SWIOTLB_NO_DEBUGFS);
		assert_string_equal(swiotlb_state_id(r.state), "no_debugfs");
		assert_false(r.present);
		assert_int_equal(r.npools, 0);
		assert_contains(r.message, "debugfs is not mounted on /sys/kernel/debug");
		assert_string_equal(r.remedy, "mount -t debugfs none /sys/kernel/debug");
		assert_null(r.advice);
		swiotlb_report_release(&r);
		snapshot_release(&s);
	}
}

static void state_no_permission(void **state)
{
	struct snapshot s;
	struct swiotlb_report r;
	static const int errs[] = {-EACCES, -EPERM};
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		snap(&s, "quiet", errs[i], 1, 9 * GiB);
		swiotlb_analyse(&s, &r);
		assert_int_equal(r.state, SWIOTLB_NO_PERMISSION);
		assert_string_equal(swiotlb_state_id(r.state), "no_permission");
		assert_false(r.present);
		assert_contains(r.message, "readable by root only");
		assert_contains(r.message, "swiotlb counters cannot be read");
		assert_contains(r.remedy, "run iommuctl as root");
		assert_null(r.advice);
		swiotlb_report_release(&r);
		snapshot_release(&s);
	}
}

/* /proc/cmdline unreadable: nothing known of swiotlb=. */
static void cmdline_unknown(void **state)
{
	struct snapshot s;
	struct swiotlb_report r;
	(void)state;
	snap(&s, NULL, 0, 1, 9 * GiB);
	default_pool(&s, 32768, 0, 0);
	swiotlb_analyse(&s, &r);
	assert_int_equal(r.state, SWIOTLB_ACTIVE);
	assert_false(r.cmdline_known);
	assert_int_equal(r.forced, -1);
	assert_false(r.disabled);
	assert_null(r.setting);
	assert_int_equal(r.requested_slabs, -1);
	swiotlb_report_release(&r);
	snapshot_release(&s);
}

static void ids(void **state)
{
	(void)state;
	assert_string_equal(swiotlb_state_id(SWIOTLB_ACTIVE), "active");
	assert_string_equal(swiotlb_state_id(SWIOTLB_NO_POOL), "no_pool");
	assert_string_equal(swiotlb_state_id(SWIOTLB_NO_DEBUGFS), "no_debugfs");
	assert_string_equal(swiotlb_state_id(SWIOTLB_NO_PERMISSION), "no_permission");
	assert_string_equal(swiotlb_bounce_id(BOUNCE_ALWAYS), "always");
	assert_string_equal(swiotlb_bounce_id(BOUNCE_ABOVE_MASK), "above_mask");
	assert_string_equal(swiotlb_bounce_id(BOUNCE_UNALIGNED), "unaligned");
	assert_string_equal(swiotlb_bounce_id(BOUNCE_NEVER), "never");
	assert_string_equal(swiotlb_bounce_id(BOUNCE_UNKNOWN), "unknown");
}

/* ---- counters -------------------------------------------------------------------- */

/* Before 6.4 there is no io_tlb_used_hiwater: the advice says so. */
static void counters_no_hiwater(void **state)
{
	struct snapshot s;
	struct swiotlb_report r;
	const struct swiotlb_pool_stats *p;
	(void)state;
	snap(&s, "quiet", 0, 1, 9 * GiB);
	default_pool(&s, 32768, 8192, -1);
	swiotlb_analyse(&s, &r);
	p = &r.pools[0];
	assert_int_equal(r.state, SWIOTLB_ACTIVE);
	assert_int_equal(p->hiwater.slabs, -1);
	assert_false(p->hiwater.underflow);
	assert_int_equal(p->hiwater_bytes, -1);
	assert_true(p->hiwater_pct < 0);
	assert_int_equal(p->used_bytes, 16 * MiB);
	assert_pct(p->used_pct, 25.0);
	assert_string_equal(r.advice, "16 MiB of the 64 MiB pool is in use now; this kernel keeps no high-water mark "
				      "(6.4+ does): sample it under load with --watch before resizing");
	assert_int_equal(r.advice_slabs, -1);
	swiotlb_report_release(&r);
	snapshot_release(&s);
	/* present but unreadable is unknown too */
	snap(&s, "quiet", 0, 1, 9 * GiB);
	default_pool(&s, 32768, 8192, -1);
	s.dma.pools[0].hiwater.present = true;
	s.dma.pools[0].hiwater.err = -EACCES;
	swiotlb_analyse(&s, &r);
	assert_int_equal(r.pools[0].hiwater.slabs, -1);
	assert_true(r.pools[0].hiwater_pct < 0);
	assert_int_equal(r.advice_slabs, -1); /* 25% of the pool */
	/* the kernel has the file: the advice must not say it keeps none */
	assert_non_null(strstr(r.advice, "the high-water mark could not be read"));
	assert_null(strstr(r.advice, "keeps no high-water mark"));
	swiotlb_report_release(&r);
	snapshot_release(&s);
}

/* 6.9+: transient pools count in the total the percentages are of. */
static void counters_transient(void **state)
{
	struct snapshot s;
	struct swiotlb_report r;
	const struct swiotlb_pool_stats *p;
	(void)state;
	snap(&s, "quiet", 0, 1, 9 * GiB);
	default_pool(&s, 32768, 4096, 40960);
	set(&s.dma.pools[0].transient_nslabs, 32768);
	swiotlb_analyse(&s, &r);
	p = &r.pools[0];
	assert_int_equal(p->transient.slabs, 32768);
	assert_false(p->transient.underflow);
	assert_int_equal(p->total_bytes, 64 * MiB); /* io_tlb_nslabs only */
	assert_int_equal(p->hiwater_bytes, 80 * MiB);
	assert_pct(p->used_pct, 6.25);      /* 4096 of 65536 */
	assert_pct(p->hiwater_pct, 62.5);   /* 40960 of 65536 */
	/* the peak passed the pool itself: advice to grow it */
	assert_int_equal(r.advice_slabs, 131072);
	assert_contains(r.advice, "the high-water mark reached 80 MiB of the 64 MiB pool");
	assert_contains(r.advice, "boot with swiotlb=131072 (256 MiB), twice the peak");
	swiotlb_report_release(&r);
	snapshot_release(&s);
	/* transient 0 changes nothing */
	snap(&s, "quiet", 0, 1, 9 * GiB);
	default_pool(&s, 32768, 4096, 8192);
	set(&s.dma.pools[0].transient_nslabs, 0);
	swiotlb_analyse(&s, &r);
	assert_int_equal(r.pools[0].transient.slabs, 0);
	assert_pct(r.pools[0].used_pct, 12.5);
	assert_pct(r.pools[0].hiwater_pct, 25.0);
	swiotlb_report_release(&r);
	snapshot_release(&s);
}

/* io_tlb_used reading 2^64-1 (an accounting underflow) is not usage. */
static void counters_underflow(void **state)
{
	struct snapshot s;
	struct swiotlb_report r;
	const struct swiotlb_pool_stats *p;
	(void)state;
	snap(&s, "quiet", 0, 1, 9 * GiB);
	default_pool(&s, 32768, UINT64_MAX, -1);
	swiotlb_analyse(&s, &r);
	p = &r.pools[0];
	assert_int_equal(r.state, SWIOTLB_ACTIVE);
	assert_true(p->used.underflow);
	assert_int_equal(p->used.slabs, -1);
	assert_int_equal(p->used_bytes, -1);
	assert_true(p->used_pct < 0);
	assert_false(p->nslabs.underflow);
	assert_int_equal(p->total_bytes, 64 * MiB);
	/* no usage to size from: no advice at all */
	assert_null(r.advice);
	assert_int_equal(r.advice_slabs, -1);
	swiotlb_report_release(&r);
	snapshot_release(&s);
	/* with a high-water mark, that is what the advice rests on */
	snap(&s, "quiet", 0, 1, 9 * GiB);
	default_pool(&s, 32768, UINT64_MAX, 100);
	swiotlb_analyse(&s, &r);
	assert_true(r.pools[0].used.underflow);
	assert_true(r.pools[0].used_pct < 0);
	assert_int_equal(r.pools[0].hiwater.slabs, 100);
	assert_int_equal(r.advice_slabs, -1);
	assert_string_equal(r.advice, "the high-water mark is 200 KiB of the 64 MiB pool: it is large enough");
	swiotlb_report_release(&r);
	snapshot_release(&s);
	/* 2^63 is as impossible; a real count is not flagged */
	snap(&s, "quiet", 0, 1, 9 * GiB);
	default_pool(&s, 32768, 1ull << 63, 32768);
	swiotlb_analyse(&s, &r);
	assert_true(r.pools[0].used.underflow);
	assert_false(r.pools[0].hiwater.underflow);
	assert_int_equal(r.pools[0].hiwater.slabs, 32768);
	assert_pct(r.pools[0].hiwater_pct, 100.0);
	swiotlb_report_release(&r);
	snapshot_release(&s);
}

/* Restricted DMA pools (DT restricted-dma-pool, 5.15+): stats, but the
 * advice is about the default pool only. */
static void restricted_pools(void **state)
{
	struct snapshot s;
	struct swiotlb_report r;
	struct swiotlb_pool *p;
	(void)state;
	snap(&s, "quiet", 0, 1, 9 * GiB);
	default_pool(&s, 32768, 0, 0);
	p = add_pool(&s, "wifi-restricted-dma-pool", false);
	set(&p->nslabs, 2048);
	set(&p->used, 2000);
	set(&p->hiwater, 2048);
	swiotlb_analyse(&s, &r);
	assert_int_equal(r.state, SWIOTLB_ACTIVE);
	assert_int_equal(r.npools, 2);
	assert_true(r.pools[0].pool->is_default);
	assert_false(r.pools[1].pool->is_default);
	assert_string_equal(r.pools[1].pool->name, "wifi-restricted-dma-pool");
	assert_int_equal(r.pools[1].total_bytes, 4 * MiB);
	assert_int_equal(r.pools[1].used_bytes, 4000 * 1024);
	assert_pct(r.pools[1].used_pct, 97.65625);
	assert_pct(r.pools[1].hiwater_pct, 100.0);
	assert_int_equal(r.advice_slabs, -1);
	assert_string_equal(r.advice, "the high-water mark is 0 B of the 64 MiB pool: it is large enough");
	swiotlb_report_release(&r);
	snapshot_release(&s);
	/* a restricted pool alone: no default pool for the other devices,
	 * nothing to advise */
	snap(&s, "quiet", 0, 1, 9 * GiB);
	p = add_pool(&s, "restricted", false);
	set(&p->nslabs, 1024);
	set(&p->used, 1024);
	swiotlb_analyse(&s, &r);
	assert_int_equal(r.state, SWIOTLB_NO_POOL);
	assert_false(r.present);
	assert_contains(r.message, "only restricted DMA pools (restricted)");
	assert_int_equal(r.npools, 1);
	assert_pct(r.pools[0].used_pct, 100.0);
	assert_null(r.advice);
	assert_int_equal(r.advice_slabs, -1);
	swiotlb_report_release(&r);
	snapshot_release(&s);
	/* the default pool at 0 slabs, a restricted one with slabs */
	snap(&s, "quiet", 0, 1, 9 * GiB);
	default_pool(&s, 0, 0, 0);
	p = add_pool(&s, "restricted", false);
	set(&p->nslabs, 1024);
	swiotlb_analyse(&s, &r);
	assert_int_equal(r.state, SWIOTLB_NO_POOL);
	assert_false(r.present);
	assert_null(r.advice);
	swiotlb_report_release(&r);
	snapshot_release(&s);
}

/* ---- advice ---------------------------------------------------------------------- */

static void advice_of(uint64_t nslabs, uint64_t used, long long hiwater, struct swiotlb_report *r)
{
	struct snapshot s;
	snap(&s, "quiet", 0, 1, 9 * GiB);
	default_pool(&s, nslabs, used, hiwater);
	swiotlb_analyse(&s, r);
	snapshot_release(&s);
	/* the report points at the snapshot's pools only: drop them */
	free(r->pools);
	r->pools = NULL;
	r->npools = 0;
}

static void advice_thresholds(void **state)
{
	struct swiotlb_report r;
	(void)state;
	/* exactly 75% of the pool */
	advice_of(32768, 0, 24576, &r);
	assert_int_equal(r.advice_slabs, 65536);
	assert_string_equal(r.advice, "the high-water mark reached 48 MiB of the 64 MiB pool: mappings fail with "
				      "\"swiotlb buffer is full\" when it runs out; boot with swiotlb=65536 (128 MiB), "
				      "twice the peak");
	swiotlb_report_release(&r);
	/* one slab below */
	advice_of(32768, 0, 24575, &r);
	assert_int_equal(r.advice_slabs, -1);
	assert_contains(r.advice, "of the 64 MiB pool: it is large enough");
	swiotlb_report_release(&r);
	/* the whole pool: twice is exactly a power of two */
	advice_of(32768, 100, 32768, &r);
	assert_int_equal(r.advice_slabs, 65536);
	swiotlb_report_release(&r);
	/* a small pool: never below the 64 MiB default */
	advice_of(1024, 0, 1000, &r);
	assert_int_equal(r.advice_slabs, 32768);
	assert_contains(r.advice, "boot with swiotlb=32768 (64 MiB), twice the peak");
	assert_contains(r.advice, "of the 2 MiB pool");
	swiotlb_report_release(&r);
	/* a bigger pool: the next power of two above twice the peak */
	advice_of(65536, 0, 50000, &r);
	assert_int_equal(r.advice_slabs, 131072);
	swiotlb_report_release(&r);
	/* no high-water mark: current use, said so */
	advice_of(32768, 30000, -1, &r);
	assert_int_equal(r.advice_slabs, 65536);
	assert_contains(r.advice, "use is at ");
	assert_contains(r.advice, " of the 64 MiB pool: mappings fail with \"swiotlb buffer is full\"");
	swiotlb_report_release(&r);
	advice_of(32768, 24575, -1, &r);
	assert_int_equal(r.advice_slabs, -1);
	assert_contains(r.advice, "this kernel keeps no high-water mark (6.4+ does)");
	swiotlb_report_release(&r);
	/* the rule over a range of peaks */
	for (long long peak = 24576; peak < 5000000; peak = peak * 3 / 2 + 7) {
		long long a;
		advice_of(32768, 0, peak, &r);
		a = r.advice_slabs;
		assert_true(a >= 32768);
		assert_true(a >= 2 * peak);
		assert_int_equal(a & (a - 1), 0);
		assert_true(a == 32768 || a / 2 < 2 * peak);
		swiotlb_report_release(&r);
	}
}

/* ---- swiotlb= -------------------------------------------------------------------- */

static void cmdline_sizes(void **state)
{
	static const struct {
		const char *cmdline;
		long long nslabs, nareas;
	} cases[] = {
		{"swiotlb=65536", 65536, -1},
		{"swiotlb=0x10000", 65536, -1},
		{"swiotlb=0X8000", 32768, -1},
		{"swiotlb=1000", 1024, -1},
		{"swiotlb=0x3e9", 1024, -1},
		{"swiotlb=1", 128, -1},
		{"swiotlb=128", 128, -1},
		{"swiotlb=129", 256, -1},
		{"swiotlb=010", 128, -1}, /* simple_strtoul base 0: octal */
		{"swiotlb=65536,4", 65536, 4},
		{"swiotlb=65536,16,force", 65536, 16},
		{"swiotlb=1000,0x8", 1024, 8},
		{"quiet", -1, -1},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct iommu_cmdline c;
		iommu_cmdline_parse(cases[i].cmdline, &c);
		if (c.swiotlb_nslabs != cases[i].nslabs || c.swiotlb_nareas != cases[i].nareas)
			fail_msg("%s: nslabs %lld nareas %lld", cases[i].cmdline, c.swiotlb_nslabs, c.swiotlb_nareas);
		if (cases[i].nslabs >= 0)
			assert_string_equal(c.swiotlb_by, cases[i].cmdline);
		else
			assert_null(c.swiotlb_by);
		iommu_cmdline_release(&c);
	}
}

static void cmdline_force(void **state)
{
	struct iommu_cmdline c;
	(void)state;
	iommu_cmdline_parse("swiotlb=force", &c);
	assert_int_equal(c.swiotlb_nslabs, -1);
	assert_int_equal(c.swiotlb_nareas, -1);
	assert_string_equal(c.swiotlb_force_by, "swiotlb=force");
	assert_null(c.swiotlb_noforce_by);
	assert_string_equal(c.swiotlb_by, "swiotlb=force");
	iommu_cmdline_release(&c);
	iommu_cmdline_parse("swiotlb=32768,force", &c);
	assert_int_equal(c.swiotlb_nslabs, 32768);
	assert_int_equal(c.swiotlb_nareas, -1);
	assert_string_equal(c.swiotlb_force_by, "swiotlb=32768,force");
	iommu_cmdline_release(&c);
	iommu_cmdline_parse("swiotlb=noforce", &c);
	assert_int_equal(c.swiotlb_nslabs, -1);
	assert_null(c.swiotlb_force_by);
	assert_string_equal(c.swiotlb_noforce_by, "swiotlb=noforce");
	iommu_cmdline_release(&c);
	/* not an option word: ignored */
	iommu_cmdline_parse("swiotlb=2048,forced", &c);
	assert_int_equal(c.swiotlb_nslabs, 2048);
	assert_null(c.swiotlb_force_by);
	assert_null(c.swiotlb_noforce_by);
	iommu_cmdline_release(&c);
	/* several tokens: the last size wins, force and noforce stick */
	iommu_cmdline_parse("swiotlb=65536,force quiet swiotlb=1000", &c);
	assert_int_equal(c.swiotlb_nslabs, 1024);
	assert_string_equal(c.swiotlb_by, "swiotlb=1000");
	assert_string_equal(c.swiotlb_force_by, "swiotlb=65536,force");
	assert_null(c.swiotlb_noforce_by);
	iommu_cmdline_release(&c);
	iommu_cmdline_parse("swiotlb=noforce swiotlb=2048", &c);
	assert_int_equal(c.swiotlb_nslabs, 2048);
	assert_string_equal(c.swiotlb_noforce_by, "swiotlb=noforce");
	iommu_cmdline_release(&c);
	iommu_cmdline_parse("swiotlb=force swiotlb=noforce", &c);
	assert_string_equal(c.swiotlb_force_by, "swiotlb=force");
	assert_string_equal(c.swiotlb_noforce_by, "swiotlb=noforce");
	assert_string_equal(c.swiotlb_by, "swiotlb=noforce");
	iommu_cmdline_release(&c);
	/* a size given only by an earlier token stays */
	iommu_cmdline_parse("swiotlb=4096 swiotlb=force", &c);
	assert_int_equal(c.swiotlb_nslabs, 4096);
	assert_string_equal(c.swiotlb_by, "swiotlb=force");
	iommu_cmdline_release(&c);
}

/* What the report takes from the command line. */
static void report_setting(void **state)
{
	struct snapshot s;
	struct swiotlb_report r;
	const char *cl = "BOOT_IMAGE=/vmlinuz swiotlb=0x10000,force quiet";
	(void)state;
	snap(&s, cl, 0, 1, 9 * GiB);
	default_pool(&s, 65536, 0, 0);
	swiotlb_analyse(&s, &r);
	assert_int_equal(r.requested_slabs, 65536);
	assert_int_equal(r.forced, 1);
	assert_false(r.disabled);
	assert_ptr_equal(r.setting, s.cmdline + strlen("BOOT_IMAGE=/vmlinuz "));
	assert_int_equal(strcspn(r.setting, " \t\n"), strlen("swiotlb=0x10000,force"));
	swiotlb_report_release(&r);
	snapshot_release(&s);
	/* the last token, even when an earlier one starts with its text */
	snap(&s, "swiotlb=10240 quiet swiotlb=1024 splash", 0, 1, 9 * GiB);
	default_pool(&s, 32768, 0, 0);
	swiotlb_analyse(&s, &r);
	assert_int_equal(r.requested_slabs, 1024);
	assert_non_null(r.setting);
	assert_ptr_equal(r.setting, s.cmdline + strlen("swiotlb=10240 quiet "));
	swiotlb_report_release(&r);
	snapshot_release(&s);
	snap(&s, "swiotlb=65536,force swiotlb=65536", 0, 1, 9 * GiB);
	default_pool(&s, 65536, 0, 0);
	swiotlb_analyse(&s, &r);
	assert_int_equal(r.forced, 1);
	assert_non_null(r.setting);
	assert_string_equal(r.setting, "swiotlb=65536");
	swiotlb_report_release(&r);
	snapshot_release(&s);
	/* nor inside another option's value */
	snap(&s, "foo=swiotlb=2048 swiotlb=2048", 0, 1, 9 * GiB);
	default_pool(&s, 32768, 0, 0);
	swiotlb_analyse(&s, &r);
	assert_ptr_equal(r.setting, s.cmdline + strlen("foo=swiotlb=2048 "));
	swiotlb_report_release(&r);
	snapshot_release(&s);
}

/* ---- which devices bounce -------------------------------------------------------- */

enum pool_kind { POOL, NOPOOL, NOPERM };

/* A host with RAM up to 9 GiB and, per KIND, a 64 MiB pool, an empty
 * swiotlb directory, or a root-only debugfs. */
static void dev_host(struct snapshot *s, const char *cmdline, enum pool_kind kind)
{
	snap(s, cmdline, kind == NOPERM ? -EACCES : 0, 1, 9 * GiB);
	if (kind == POOL)
		default_pool(s, 32768, 0, 0);
}

static void judge_all(const struct snapshot *s, struct swiotlb_report *r, struct swiotlb_device **d, size_t *n)
{
	swiotlb_analyse(s, r);
	swiotlb_devices(s, r, d, n);
	assert_int_equal(*n, s->ndev);
	for (size_t i = 0; i < *n; i++) {
		assert_int_equal((*d)[i].dev, i);
		assert_non_null((*d)[i].reason);
		assert_non_null((*d)[i].path);
	}
}

static void done(struct snapshot *s, struct swiotlb_report *r, struct swiotlb_device *d, size_t n)
{
	swiotlb_devices_release(d, n);
	swiotlb_report_release(r);
	snapshot_release(s);
}

#define assert_dev(d, b, p, f)                                                                                         \
	do {                                                                                                           \
		assert_string_equal(swiotlb_bounce_id((d).bounces), swiotlb_bounce_id(b));                             \
		assert_string_equal((d).path, (p));                                                                    \
		assert_int_equal((d).fails, (f));                                                                      \
	} while (0)

/* No IOMMU: dma-direct and the masks. */
static void devices_direct(void **state)
{
	struct snapshot s;
	struct swiotlb_report r;
	struct swiotlb_device *d;
	size_t n;
	(void)state;
	dev_host(&s, "quiet", POOL);
	add_dev(&s, "0000:00:00.0", NULL, -1, 32, NULL);
	add_dev(&s, "0000:00:01.0", "vfio-pci", -1, 32, NULL);
	add_dev(&s, "0000:00:02.0", "pci-stub", -1, 32, NULL);
	add_dev(&s, "0000:00:03.0", "ahci", -1, 32, NULL);
	add_dev(&s, "0000:00:04.0", "nvme", -1, 64, NULL);
	add_dev(&s, "0000:00:05.0", "e1000e", -1, 36, NULL);
	add_dev(&s, "0000:00:06.0", "snd_hda_intel", -1, 31, NULL);
	add_dev(&s, "0000:00:07.0", "xhci_hcd", -1, -1, NULL);
	judge_all(&s, &r, &d, &n);
	assert_dev(d[0], BOUNCE_NEVER, "none", false);
	assert_string_equal(d[0].reason, "no driver is bound: nothing maps DMA for it");
	assert_dev(d[1], BOUNCE_NEVER, "vfio", false);
	assert_contains(d[1].reason, "bound to vfio-pci: its DMA is mapped by VFIO");
	assert_dev(d[2], BOUNCE_NEVER, "vfio", false);
	assert_contains(d[2].reason, "bound to pci-stub");
	assert_dev(d[3], BOUNCE_ABOVE_MASK, "direct", false);
	assert_string_equal(d[3].reason, "no IOMMU translates its DMA; its 32-bit mask reaches only the first 4 GiB "
					 "of RAM (which ends at 9 GiB): buffers above that bounce through swiotlb");
	assert_dev(d[4], BOUNCE_NEVER, "direct", false);
	assert_string_equal(d[4].reason, "no IOMMU translates its DMA; its 64-bit mask reaches all RAM (up to 9 GiB)");
	assert_dev(d[5], BOUNCE_NEVER, "direct", false);
	assert_contains(d[5].reason, "its 36-bit mask reaches all RAM");
	assert_dev(d[6], BOUNCE_ABOVE_MASK, "direct", false);
	assert_contains(d[6].reason, "its 31-bit mask reaches only the first 2 GiB of RAM");
	assert_dev(d[7], BOUNCE_UNKNOWN, "direct", false);
	assert_string_equal(d[7].reason, "no IOMMU translates its DMA; its DMA mask could not be read");
	done(&s, &r, d, n);
}

/* A 32-bit mask with RAM above 4 GiB and no pool: the mapping fails. */
static void devices_no_pool(void **state)
{
	struct snapshot s;
	struct swiotlb_report r;
	struct swiotlb_device *d;
	size_t n;
	(void)state;
	dev_host(&s, "quiet", NOPOOL);
	add_dev(&s, "0000:00:03.0", "ahci", -1, 32, NULL);
	add_dev(&s, "0000:00:04.0", "nvme", -1, 64, NULL);
	judge_all(&s, &r, &d, &n);
	assert_int_equal(r.state, SWIOTLB_NO_POOL);
	assert_dev(d[0], BOUNCE_ABOVE_MASK, "direct", true);
	assert_string_equal(d[0].reason, "no IOMMU translates its DMA; its 32-bit mask reaches only the first 4 GiB of "
					 "RAM (which ends at 9 GiB) and there is no swiotlb pool: mapping a buffer "
					 "above that fails (\"DMA addr ... overflow\")");
	assert_dev(d[1], BOUNCE_NEVER, "direct", false);
	done(&s, &r, d, n);
	/* swiotlb=noforce says the same without debugfs */
	snap(&s, "swiotlb=noforce", -ENOENT, 0, 9 * GiB);
	add_dev(&s, "0000:00:03.0", "ahci", -1, 32, NULL);
	judge_all(&s, &r, &d, &n);
	assert_dev(d[0], BOUNCE_ABOVE_MASK, "direct", true);
	done(&s, &r, d, n);
	/* the counters unreadable: it may bounce, or fail */
	dev_host(&s, "quiet", NOPERM);
	add_dev(&s, "0000:00:03.0", "ahci", -1, 32, NULL);
	judge_all(&s, &r, &d, &n);
	assert_int_equal(r.state, SWIOTLB_NO_PERMISSION);
	assert_dev(d[0], BOUNCE_ABOVE_MASK, "direct", false);
	assert_contains(d[0].reason, "buffers above that bounce if there is a swiotlb pool, else fail");
	done(&s, &r, d, n);
	snap(&s, "quiet", -ENOENT, 0, 9 * GiB);
	add_dev(&s, "0000:00:03.0", "ahci", -1, 32, NULL);
	judge_all(&s, &r, &d, &n);
	assert_int_equal(r.state, SWIOTLB_NO_DEBUGFS);
	assert_dev(d[0], BOUNCE_ABOVE_MASK, "direct", false);
	done(&s, &r, d, n);
}

/* All RAM within 32 bits (ram_top exactly 4 GiB), or the top unknown. */
static void devices_ram_top(void **state)
{
	struct snapshot s;
	struct swiotlb_report r;
	struct swiotlb_device *d;
	size_t n;
	(void)state;
	dev_host(&s, "quiet", NOPOOL);
	s.dma.ram_top = 4 * GiB;
	add_dev(&s, "0000:00:03.0", "ahci", -1, 32, NULL);
	add_dev(&s, "0000:00:04.0", "old", -1, 31, NULL);
	judge_all(&s, &r, &d, &n);
	assert_dev(d[0], BOUNCE_NEVER, "direct", false);
	assert_string_equal(d[0].reason, "no IOMMU translates its DMA; its 32-bit mask reaches all RAM (up to 4 GiB)");
	assert_dev(d[1], BOUNCE_ABOVE_MASK, "direct", true);
	done(&s, &r, d, n);
	dev_host(&s, "quiet", POOL);
	s.dma.ram_top = 0;
	add_dev(&s, "0000:00:03.0", "ahci", -1, 32, NULL);
	add_dev(&s, "0000:00:04.0", "nvme", -1, 64, NULL);
	judge_all(&s, &r, &d, &n);
	assert_dev(d[0], BOUNCE_UNKNOWN, "direct", false);
	assert_string_equal(d[0].reason, "no IOMMU translates its DMA; the top of RAM is unknown (no memory map could "
					 "be read)");
	assert_dev(d[1], BOUNCE_UNKNOWN, "direct", false);
	done(&s, &r, d, n);
}

/* swiotlb=force: everything through dma-direct bounces. */
static void devices_forced(void **state)
{
	struct snapshot s;
	struct swiotlb_report r;
	struct swiotlb_device *d;
	size_t n;
	(void)state;
	dev_host(&s, "quiet swiotlb=force", POOL);
	add_group(&s, 1, "DMA", NULL);
	add_group(&s, 2, "identity", NULL);
	add_dev(&s, "0000:00:00.0", NULL, -1, 32, NULL);
	add_dev(&s, "0000:00:01.0", "vfio-pci", -1, 64, NULL);
	add_dev(&s, "0000:00:02.0", "nvme", -1, 64, NULL);
	add_dev(&s, "0000:00:03.0", "ahci", -1, -1, NULL);
	add_dev(&s, "0000:00:04.0", "igb", 1, 64, NULL);
	add_dev(&s, "0000:00:05.0", "ixgbe", 2, 64, NULL);
	judge_all(&s, &r, &d, &n);
	assert_int_equal(r.forced, 1);
	assert_dev(d[0], BOUNCE_NEVER, "none", false);
	assert_dev(d[1], BOUNCE_NEVER, "vfio", false);
	assert_dev(d[2], BOUNCE_ALWAYS, "direct", false);
	assert_string_equal(d[2].reason, "no IOMMU translates its DMA, and swiotlb=force bounces every streaming "
					 "mapping");
	assert_dev(d[3], BOUNCE_ALWAYS, "direct", false); /* the mask does not matter */
	assert_dev(d[4], BOUNCE_NEVER, "translated", false); /* dma-iommu ignores force */
	assert_dev(d[5], BOUNCE_ALWAYS, "direct", false);
	assert_contains(d[5].reason, "group 2 has an identity (pass-through) domain");
	assert_contains(d[5].reason, "swiotlb=force bounces every streaming mapping");
	done(&s, &r, d, n);
	/* forced, and debugfs shows no pool: every mapping fails */
	dev_host(&s, "swiotlb=force", NOPOOL);
	add_dev(&s, "0000:00:02.0", "nvme", -1, 64, NULL);
	judge_all(&s, &r, &d, &n);
	assert_dev(d[0], BOUNCE_ALWAYS, "direct", true);
	done(&s, &r, d, n);
	/* forced, the counters unreadable: not known to fail */
	dev_host(&s, "swiotlb=force", NOPERM);
	add_dev(&s, "0000:00:02.0", "nvme", -1, 64, NULL);
	judge_all(&s, &r, &d, &n);
	assert_dev(d[0], BOUNCE_ALWAYS, "direct", false);
	done(&s, &r, d, n);
	/* swiotlb=noforce beside it: setup_io_tlb_npages sets both, and
	 * swiotlb_init_remap returns on swiotlb_force_disable before it
	 * copies swiotlb_force_bounce into the pool: nothing is forced */
	snap(&s, "swiotlb=force swiotlb=noforce", -ENOENT, 0, 9 * GiB);
	add_dev(&s, "0000:00:02.0", "nvme", -1, 64, NULL);
	add_dev(&s, "0000:00:03.0", "ahci", -1, 32, NULL);
	judge_all(&s, &r, &d, &n);
	assert_int_equal(r.state, SWIOTLB_NO_POOL);
	assert_true(r.disabled);
	assert_int_equal(r.forced, 0);
	assert_dev(d[0], BOUNCE_NEVER, "direct", false);
	assert_dev(d[1], BOUNCE_ABOVE_MASK, "direct", true);
	done(&s, &r, d, n);
}

/* Groups: identity follows dma-direct; DMA and DMA-FQ translate. */
static void devices_groups(void **state)
{
	struct snapshot s;
	struct swiotlb_report r;
	struct swiotlb_device *d;
	size_t n;
	(void)state;
	dev_host(&s, "intel_iommu=on", POOL);
	add_group(&s, 1, "identity", NULL);
	add_group(&s, 2, "DMA", NULL);
	add_group(&s, 3, "DMA-FQ", NULL);
	add_group(&s, 4, "DMA", NULL);
	add_group(&s, 5, "DMA-FQ", NULL);
	add_group(&s, 6, NULL, NULL);
	add_group(&s, 7, "blocked", NULL);
	add_group(&s, 8, "unmanaged", NULL);
	add_group(&s, 9, "identity", NULL);
	add_group(&s, 10, "identity", NULL);
	add_dev(&s, "0000:00:01.0", "ahci", 1, 32, NULL);
	add_dev(&s, "0000:00:02.0", "ahci", 2, 32, NULL);
	add_dev(&s, "0000:00:03.0", "snd_hda_intel", 3, 31, "fixed");
	add_dev(&s, "0000:00:04.0", "thunderbolt-nic", 4, 64, "removable");
	add_dev(&s, "0000:00:05.0", "igc", 5, 32, "removable");
	add_dev(&s, "0000:00:06.0", "nvme", 6, 64, NULL);
	add_dev(&s, "0000:00:07.0", "nvme", 7, 64, NULL);
	add_dev(&s, "0000:00:08.0", "nvme", 8, 64, NULL);
	add_dev(&s, "0000:00:09.0", "nvme", 9, 64, "removable");
	add_dev(&s, "0000:00:0a.0", "nvme", 10, -1, NULL);
	add_dev(&s, "0000:00:0b.0", "vfio-pci", 2, 32, "removable");
	judge_all(&s, &r, &d, &n);
	assert_dev(d[0], BOUNCE_ABOVE_MASK, "direct", false);
	assert_string_equal(d[0].reason, "group 1 has an identity (pass-through) domain: bus addresses are physical; "
					 "its 32-bit mask reaches only the first 4 GiB of RAM (which ends at 9 GiB): "
					 "buffers above that bounce through swiotlb");
	assert_dev(d[1], BOUNCE_NEVER, "translated", false);
	assert_string_equal(d[1].reason, "the IOMMU translates its DMA (group 2, DMA): any buffer gets an address it "
					 "can reach");
	assert_dev(d[2], BOUNCE_NEVER, "translated", false);
	assert_contains(d[2].reason, "(group 3, DMA-FQ)");
	assert_dev(d[3], BOUNCE_UNALIGNED, "translated", false);
	assert_string_equal(d[3].reason, "the IOMMU translates its DMA (group 4, DMA), but it sits below an "
					 "external-facing port (untrusted): buffers not aligned to the IOMMU page "
					 "bounce, so it cannot see their neighbours");
	assert_dev(d[4], BOUNCE_UNALIGNED, "translated", false);
	assert_contains(d[4].reason, "(group 5, DMA-FQ), but it sits below an external-facing port");
	assert_dev(d[5], BOUNCE_UNKNOWN, "unknown", false);
	assert_string_equal(d[5].reason, "the default domain type of group 6 could not be read");
	assert_dev(d[6], BOUNCE_NEVER, "vfio", false);
	assert_contains(d[6].reason, "group 7 has a blocked domain");
	assert_dev(d[7], BOUNCE_NEVER, "vfio", false);
	assert_contains(d[7].reason, "group 8 has a unmanaged domain");
	/* identity: dma-direct, untrusted or not */
	assert_dev(d[8], BOUNCE_NEVER, "direct", false);
	assert_contains(d[8].reason, "group 9 has an identity (pass-through) domain");
	assert_contains(d[8].reason, "its 64-bit mask reaches all RAM (up to 9 GiB)");
	assert_dev(d[9], BOUNCE_UNKNOWN, "direct", false);
	assert_contains(d[9].reason, "its DMA mask could not be read");
	assert_dev(d[10], BOUNCE_NEVER, "vfio", false);
	done(&s, &r, d, n);
	/* no pool: untrusted unaligned buffers fail to map ("DMA bounce
	 * buffers are inactive") */
	dev_host(&s, "intel_iommu=on", NOPOOL);
	add_group(&s, 4, "DMA", NULL);
	add_group(&s, 5, "DMA-FQ", NULL);
	add_dev(&s, "0000:00:04.0", "thunderbolt-nic", 4, 64, "removable");
	add_dev(&s, "0000:00:05.0", "igc", 5, 32, "fixed");
	judge_all(&s, &r, &d, &n);
	assert_dev(d[0], BOUNCE_UNALIGNED, "translated", true);
	assert_contains(d[0].reason, "; there is no pool, so they fail to map");
	assert_dev(d[1], BOUNCE_NEVER, "translated", false);
	done(&s, &r, d, n);
	/* root-only debugfs: not known to fail */
	dev_host(&s, "intel_iommu=on", NOPERM);
	add_group(&s, 4, "DMA", NULL);
	add_dev(&s, "0000:00:04.0", "thunderbolt-nic", 4, 64, "removable");
	judge_all(&s, &r, &d, &n);
	assert_dev(d[0], BOUNCE_UNALIGNED, "translated", false);
	assert_true(strstr(d[0].reason, "fail") == NULL);
	done(&s, &r, d, n);
}

/* vfio-noiommu groups translate nothing; an unknown driver binding is
 * judged by its group. */
static void devices_odd(void **state)
{
	struct snapshot s;
	struct swiotlb_report r;
	struct swiotlb_device *d;
	size_t n;
	(void)state;
	dev_host(&s, "quiet", NOPOOL);
	add_group(&s, 0, NULL, "vfio-noiommu");
	add_group(&s, 1, "DMA", NULL);
	add_dev(&s, "0000:00:01.0", "ahci", 0, 32, NULL);
	add_dev(&s, "0000:00:02.0", "vfio-pci", 0, 32, NULL);
	add_dev(&s, "0000:00:03.0", NULL, 1, 32, NULL);
	s.dev[2].driver_known = false;
	add_dev(&s, "0000:00:04.0", NULL, -1, 32, NULL);
	s.dev[3].driver_known = false;
	judge_all(&s, &r, &d, &n);
	assert_dev(d[0], BOUNCE_ABOVE_MASK, "direct", true);
	assert_contains(d[0].reason, "no IOMMU translates its DMA; its 32-bit mask");
	assert_dev(d[1], BOUNCE_NEVER, "vfio", false);
	assert_dev(d[2], BOUNCE_NEVER, "translated", false);
	assert_dev(d[3], BOUNCE_ABOVE_MASK, "direct", true);
	done(&s, &r, d, n);
	/* no functions at all */
	dev_host(&s, "quiet", POOL);
	judge_all(&s, &r, &d, &n);
	assert_int_equal(n, 0);
	assert_non_null(d);
	done(&s, &r, d, n);
}

/* ---- dma-path: one mapping ----------------------------------------------------------- */

/* Predicts a 4 KiB mapping at PHYS for device DEV of S, under CMDLINE
 * (NULL: as the machine is). */
static void predict(const struct snapshot *s, size_t dev, uint64_t phys, uint64_t size, const char *cmdline,
		    struct dma_path *p)
{
	struct swiotlb_report r;
	struct dma_path_request q = {.dev = dev, .phys = phys, .size = size, .dir = DMA_DIR_TO_DEVICE,
				     .cmdline = cmdline};
	char *why = NULL;
	swiotlb_analyse(s, &r);
	assert_int_equal(dma_path_predict(s, &r, &q, p, &why), 0);
	assert_null(why);
	swiotlb_report_release(&r);
}

static bool has_reason(const struct dma_path *p, const char *part)
{
	for (size_t i = 0; i < p->reasons.n; i++)
		if (strstr(p->reasons.v[i], part))
			return true;
	return false;
}

/* No IOMMU, 6 GiB: a 32-bit device bounces a buffer above 4 GiB; without
 * a pool (swiotlb=noforce) the mapping fails with the kernel's warning. */
static void dma_path_no_iommu(void **state)
{
	struct snapshot s;
	struct dma_path p;
	size_t e1000;
	(void)state;
	snap(&s, "console=ttyS0", 0, 1, 6 * GiB);
	default_pool(&s, 32768, 100, -1);
	e1000 = add_dev(&s, "0000:0a:01.0", "e1000", -1, 32, NULL);
	predict(&s, e1000, 5 * GiB, 4096, NULL, &p);
	assert_int_equal(p.path, DMA_PATH_BOUNCE);
	assert_int_equal(p.bounce_slabs, 2);
	assert_false(p.translated);
	dma_path_release(&p);
	predict(&s, e1000, 2 * GiB, 4096, NULL, &p);
	assert_int_equal(p.path, DMA_PATH_DIRECT);
	assert_true(p.has_bus_range);
	assert_int_equal(p.bus_start, 2 * GiB);
	dma_path_release(&p);
	predict(&s, e1000, 5 * GiB, 4096, "swiotlb=noforce", &p);
	assert_int_equal(p.path, DMA_PATH_FAIL);
	assert_string_equal(p.kernel_message, "DMA addr 0x0000000140000000+4096 overflow (mask ffffffff, bus limit 0).");
	dma_path_release(&p);
	/* iommu=off also keeps swiotlb from being set up */
	predict(&s, e1000, 5 * GiB, 4096, "iommu=off", &p);
	assert_int_equal(p.path, DMA_PATH_FAIL);
	dma_path_release(&p);
	/* a bounce is at most 256 KiB */
	predict(&s, e1000, 5 * GiB, 256 * 1024 + 1, NULL, &p);
	assert_int_equal(p.path, DMA_PATH_FAIL);
	assert_non_null(strstr(p.kernel_message, "swiotlb buffer is full"));
	dma_path_release(&p);
	snapshot_release(&s);
	/* debugfs root-only: the pool follows the kernel's rule (RAM above 4 GiB) */
	snap(&s, "console=ttyS0", -EACCES, 1, 6 * GiB);
	e1000 = add_dev(&s, "0000:0a:01.0", "e1000", -1, 32, NULL);
	predict(&s, e1000, 5 * GiB, 4096, NULL, &p);
	assert_int_equal(p.path, DMA_PATH_BOUNCE);
	assert_true(has_reason(&p, "could not be read"));
	dma_path_release(&p);
	snapshot_release(&s);
	snap(&s, "console=ttyS0", -EACCES, 1, 6 * GiB);
	e1000 = add_dev(&s, "0000:0a:01.0", "e1000", -1, 32, NULL);
	default_pool(&s, 32768, 100, -1);
	/* ... and again with a pool, for the size limit */
	predict(&s, e1000, 5 * GiB, 256 * 1024 + 1, NULL, &p);
	assert_int_equal(p.path, DMA_PATH_FAIL);
	assert_non_null(strstr(p.kernel_message, "swiotlb buffer is full"));
	dma_path_release(&p);
	snapshot_release(&s);
}

/* An IOMMU: translated to an IOVA below 4 GiB first, clear of the MSI
 * window; iommu=pt turns it into dma-direct, amd_iommu=off too. */
static void dma_path_iommu(void **state)
{
	struct snapshot s;
	struct dma_path p;
	size_t nic, ext;
	(void)state;
	snap(&s, "iommu=pt", 0, 1, 1 * GiB);
	add_group(&s, 3, "identity", NULL);
	add_group(&s, 4, "identity", NULL);
	s.grp[0].resv = calloc(1, sizeof(*s.grp[0].resv));
	s.grp[0].resv[0] = (struct resv_region){0xfee00000, 0xfeefffff, strdup("msi")};
	s.grp[0].nresv = 1;
	strvec_push(&s.fw_tables, "IVRS");
	nic = add_dev(&s, "0000:01:00.0", "e1000e", 3, 64, NULL);
	ext = add_dev(&s, "0000:02:00.0", "igb", 4, 64, "removable");
	predict(&s, nic, 5 * GiB, 4096, NULL, &p);
	assert_int_equal(p.path, DMA_PATH_DIRECT);
	assert_string_equal(p.domain_type, "identity");
	dma_path_release(&p);
	/* translated after the reboot: the first IOVA is the top page below 4 GiB */
	predict(&s, nic, 5 * GiB + 0x10, 4096, "iommu=nopt", &p);
	assert_int_equal(p.path, DMA_PATH_TRANSLATED);
	assert_true(p.iova_32bit_first);
	assert_true(p.domain_type_guessed);
	/* 0x10 + 4 KiB spans two granules: an 8 KiB, 8 KiB-aligned IOVA */
	assert_int_equal(p.bus_start, 0xffffe000ull + 0x10);
	dma_path_release(&p);
	/* 1 MiB: size-aligned below 4 GiB */
	predict(&s, nic, 5 * GiB, 1 << 20, "iommu=nopt iommu.strict=1", &p);
	assert_string_equal(p.domain_type, "DMA");
	assert_int_equal(p.bus_start, 0xfff00000ull);
	dma_path_release(&p);
	/* 32 MiB: the aligned block under 4 GiB holds the MSI window, so the
	 * next one down */
	predict(&s, nic, 5 * GiB, 32 << 20, "iommu=nopt", &p);
	assert_int_equal(p.bus_start, 0xfc000000ull);
	dma_path_release(&p);
	/* iommu.forcedac=1: top-down from the 64-bit limit */
	predict(&s, nic, 5 * GiB, 4096, "iommu=nopt iommu.forcedac=1", &p);
	assert_false(p.iova_32bit_first);
	assert_int_equal(p.bus_start, UINT64_MAX - 4095);
	dma_path_release(&p);
	predict(&s, nic, 5 * GiB, 4096, "amd_iommu=off", &p);
	assert_int_equal(p.path, DMA_PATH_DIRECT);
	assert_null(p.domain_type);
	dma_path_release(&p);
	snapshot_release(&s);
	/* the same AMD host with 6 GiB: after a reboot with amd_iommu=off or
	 * iommu=pt the kernel sets up a pool (RAM above 4 GiB), and the
	 * 32-bit device's buffer at 5 GiB bounces */
	snap(&s, "iommu=nopt", 0, 1, 6 * GiB);
	add_group(&s, 3, "DMA-FQ", NULL);
	strvec_push(&s.fw_tables, "IVRS");
	nic = add_dev(&s, "0000:01:00.0", "e1000", 3, 32, NULL);
	predict(&s, nic, 5 * GiB, 4096, NULL, &p);
	assert_int_equal(p.path, DMA_PATH_TRANSLATED);
	assert_true(p.bus_end < 1ull << 32);
	dma_path_release(&p);
	predict(&s, nic, 5 * GiB, 4096, "amd_iommu=off", &p);
	assert_int_equal(p.path, DMA_PATH_BOUNCE);
	assert_true(p.pool_present);
	dma_path_release(&p);
	predict(&s, nic, 5 * GiB, 4096, "iommu=pt", &p);
	assert_int_equal(p.path, DMA_PATH_BOUNCE);
	assert_string_equal(p.domain_type, "identity");
	dma_path_release(&p);
	predict(&s, nic, 5 * GiB, 4096, "amd_iommu=off swiotlb=noforce", &p);
	assert_int_equal(p.path, DMA_PATH_FAIL);
	assert_non_null(strstr(p.kernel_message, "overflow (mask ffffffff, bus limit 0)"));
	dma_path_release(&p);
	snapshot_release(&s);
	snap(&s, "iommu=pt", 0, 1, 1 * GiB);
	add_group(&s, 3, "identity", NULL);
	add_group(&s, 4, "identity", NULL);
	ext = add_dev(&s, "0000:02:00.0", "igb", 4, 64, "removable");
	/* untrusted: always a strict DMA domain; unaligned buffers bounce,
	 * and without a pool fail */
	predict(&s, ext, 5 * GiB + 512, 1024, NULL, &p);
	assert_string_equal(p.domain_type, "DMA");
	assert_int_equal(p.path, DMA_PATH_FAIL);
	assert_true(p.translated);
	assert_string_equal(p.kernel_message, "DMA bounce buffers are inactive, unable to map unaligned transaction.");
	assert_true(has_reason(&p, "external-facing"));
	dma_path_release(&p);
	snapshot_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ids),
		cmocka_unit_test(dma_path_no_iommu),
		cmocka_unit_test(dma_path_iommu),
		cmocka_unit_test(state_active),
		cmocka_unit_test(state_no_pool_empty_dir),
		cmocka_unit_test(state_no_pool_zero_slabs),
		cmocka_unit_test(state_no_pool_no_dir),
		cmocka_unit_test(state_no_pool_reason),
		cmocka_unit_test(state_no_pool_noforce),
		cmocka_unit_test(state_no_debugfs),
		cmocka_unit_test(state_no_permission),
		cmocka_unit_test(cmdline_unknown),
		cmocka_unit_test(counters_no_hiwater),
		cmocka_unit_test(counters_transient),
		cmocka_unit_test(counters_underflow),
		cmocka_unit_test(restricted_pools),
		cmocka_unit_test(advice_thresholds),
		cmocka_unit_test(cmdline_sizes),
		cmocka_unit_test(cmdline_force),
		cmocka_unit_test(report_setting),
		cmocka_unit_test(devices_direct),
		cmocka_unit_test(devices_no_pool),
		cmocka_unit_test(devices_ram_top),
		cmocka_unit_test(devices_forced),
		cmocka_unit_test(devices_groups),
		cmocka_unit_test(devices_odd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
