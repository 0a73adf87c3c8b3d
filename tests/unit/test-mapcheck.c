/* test-mapcheck.c - QEMU's guest RAM layout and mapcheck_analyse() over
 * snapshots built in memory: the domain's aperture from Intel CAP
 * registers, AMD and virtio-iommu units, the usable IOVA ranges, and every
 * kind of conflict with its exact range and errno. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapcheck.h"

#define GIB (1ull << 30)
/* dmar0 of the q35 fixtures: SAGAW 39 bits, MGAW 39, 2 MiB and 1 GiB pages */
#define QEMU_CAP 0xd2008c22260206ull
#define QEMU_ECAP 0xf00f4aull

/* A host whose one IOMMU unit (DRIVER: "intel", "amd", "virtio") has the
 * registers CAP and ECAP, with one device, 0000:01:00.0, in group 7, and
 * vfio_iommu_type1 loaded with ENTRY_LIMIT (-1: not loaded). */
static void one_group_host(struct snapshot *s, const char *driver, uint64_t cap, uint64_t ecap, long entry_limit)
{
	struct iommu_unit *u;
	struct iommu_group *g;
	struct pci_device *d;
	snapshot_init(s);
	s->host.loaded = true;
	s->host.params.type1_dma_entry_limit = entry_limit;
	s->unit = calloc(1, sizeof(*s->unit));
	u = &s->unit[s->nunit++];
	u->name = strdup(!strcmp(driver, "intel") ? "dmar0" : !strcmp(driver, "amd") ? "ivhd0" : "0000:00:02.0");
	u->driver = driver;
	strvec_init(&u->members);
	u->regs_known = strcmp(driver, "virtio") != 0;
	u->cap = cap;
	u->ecap = ecap;
	s->dev = calloc(1, sizeof(*s->dev));
	d = &s->dev[s->ndev++];
	assert_true(pci_addr_parse("0000:01:00.0", &d->addr));
	pci_addr_format(&d->addr, d->bdf);
	d->group = 7;
	d->unit = 0;
	s->grp = calloc(1, sizeof(*s->grp));
	g = &s->grp[s->ngrp++];
	g->id = 7;
	g->resv_known = true;
	g->members_known = true;
	g->dev = calloc(1, sizeof(*g->dev));
	g->ndev = 1;
	strvec_init(&g->other);
}

static void add_region(struct snapshot *s, uint64_t start, uint64_t end, const char *type)
{
	struct iommu_group *g = &s->grp[0];
	g->resv = realloc(g->resv, (g->nresv + 1) * sizeof(*g->resv));
	g->resv[g->nresv++] = (struct resv_region){start, end, strdup(type)};
}

static void check_ranges(const struct snapshot *s, const struct map_range *ranges, size_t n,
			 struct mapcheck_report *r)
{
	struct mapcheck_request q = {.group = 7, .ranges = ranges, .nranges = n};
	char *why = NULL;
	assert_int_equal(mapcheck_analyse(s, &q, r, &why), 0);
	assert_null(why);
}

static void check_guest(const struct snapshot *s, enum guest_machine m, uint64_t ram, struct mapcheck_report *r)
{
	struct mapcheck_request q = {.group = 7, .guest_ram = ram, .machine = m};
	char *why = NULL;
	assert_int_equal(mapcheck_analyse(s, &q, r, &why), 0);
}

static void assert_conflict(const struct mapcheck_report *r, size_t i, enum map_conflict_kind kind, size_t range,
			    uint64_t start, uint64_t end, int err)
{
	assert_true(i < r->nconflicts);
	assert_string_equal(map_conflict_kind_id(r->conflicts[i].kind), map_conflict_kind_id(kind));
	assert_int_equal(r->conflicts[i].range, range);
	assert_int_equal(r->conflicts[i].start, start);
	assert_int_equal(r->conflicts[i].end, end);
	assert_int_equal(r->conflicts[i].err, err);
	assert_non_null(strstr(r->conflicts[i].message, map_errno_id(err)));
}

static bool has_note(const struct mapcheck_report *r, const char *part)
{
	for (size_t i = 0; i < r->notes.n; i++)
		if (strstr(r->notes.v[i], part))
			return true;
	return false;
}

/* ---- QEMU's layout ---------------------------------------------------------------- */

static void q35_layout(void **state)
{
	struct guest_layout l;
	(void)state;
	/* fits below 0xb0000000: all low */
	guest_layout_compute(GUEST_MACHINE_Q35, GIB, false, &l);
	assert_int_equal(l.nranges, 1);
	assert_int_equal(l.ram_ranges[0].start, 0);
	assert_int_equal(l.ram_ranges[0].end, GIB - 1);
	assert_int_equal(l.pci_hole_start, GIB);
	/* just below the threshold: still all low */
	guest_layout_compute(GUEST_MACHINE_Q35, 0xaffff000ull, false, &l);
	assert_int_equal(l.nranges, 1);
	assert_int_equal(l.below_4g, 0xaffff000ull);
	/* at it: split at 2 GiB */
	guest_layout_compute(GUEST_MACHINE_Q35, 0xb0000000ull, false, &l);
	assert_int_equal(l.nranges, 2);
	assert_int_equal(l.below_4g, 2 * GIB);
	assert_int_equal(l.ram_ranges[1].start, 4 * GIB);
	assert_int_equal(l.ram_ranges[1].end, 4 * GIB + 0x30000000ull - 1);
	assert_string_equal(l.ram_ranges[1].name, "ram-above-4g");
	assert_false(l.relocated);
}

static void pc_layout(void **state)
{
	struct guest_layout l;
	(void)state;
	guest_layout_compute(GUEST_MACHINE_PC, 3 * GIB, false, &l);
	assert_int_equal(l.nranges, 1);
	assert_int_equal(l.below_4g, 3 * GIB);
	/* 0xe0000000 and more: 3 GiB low (gigabyte_align) */
	guest_layout_compute(GUEST_MACHINE_PC, 8 * GIB, false, &l);
	assert_int_equal(l.below_4g, 3 * GIB);
	assert_int_equal(l.above_4g, 5 * GIB);
	assert_int_equal(l.ram_ranges[1].end, 9 * GIB - 1);
	assert_int_equal(l.pci_hole_start, 3 * GIB);
}

static void amd_relocation(void **state)
{
	struct guest_layout l;
	(void)state;
	/* q35, 900 GiB: the 64-bit PCI hole ends at 934 GiB, short of the HT hole */
	guest_layout_compute(GUEST_MACHINE_Q35, 900 * GIB, true, &l);
	assert_false(l.relocated);
	assert_int_equal(l.ram_ranges[1].start, 4 * GIB);
	/* 990 GiB: 4 + 988 GiB of RAM, then 32 GiB of hole64 reach past 0xfd00000000 */
	guest_layout_compute(GUEST_MACHINE_Q35, 990 * GIB, true, &l);
	assert_true(l.relocated);
	assert_int_equal(l.ram_ranges[1].start, 1ull << 40);
	assert_int_equal(l.ram_ranges[1].end, (1ull << 40) + 988 * GIB - 1);
	/* an Intel CPU: never moved */
	guest_layout_compute(GUEST_MACHINE_Q35, 990 * GIB, false, &l);
	assert_false(l.relocated);
	/* pc's 64-bit hole is 2 GiB: with 1009 GiB (1006 above 4 GiB) it ends
	 * just below 0xfd00000000 (1012 GiB), with 1010 GiB just past it */
	guest_layout_compute(GUEST_MACHINE_PC, 1009 * GIB, true, &l);
	assert_false(l.relocated);
	guest_layout_compute(GUEST_MACHINE_PC, 1010 * GIB, true, &l);
	assert_true(l.relocated);
}

/* ---- the domain ------------------------------------------------------------------ */

static void intel_aperture(void **state)
{
	struct snapshot s;
	struct mapcheck_report r;
	struct map_range one = {0, 0xfff, NULL};
	/* SAGAW 39 and 48 bits, MGAW 46: 46-bit aperture; SLLPS 2 MiB only */
	uint64_t cap = (1ull << 34) | (45ull << 16) | (6ull << 8);
	(void)state;
	one_group_host(&s, "intel", QEMU_CAP, QEMU_ECAP, 65535);
	check_ranges(&s, &one, 1, &r);
	assert_true(r.aperture_known);
	assert_int_equal(r.address_bits, 39);
	assert_int_equal(r.aperture_end, (1ull << 39) - 1);
	assert_int_equal(r.pgsize_bitmap, 4096 | (2ull << 20) | GIB);
	assert_string_equal(r.unit, "dmar0");
	mapcheck_report_release(&r);
	s.unit[0].cap = cap;
	check_ranges(&s, &one, 1, &r);
	assert_int_equal(r.address_bits, 46);
	assert_int_equal(r.aperture_end, (1ull << 46) - 1);
	assert_int_equal(r.pgsize_bitmap, 4096 | (2ull << 20));
	mapcheck_report_release(&r);
	/* intel_iommu=sp_off: 4 KiB only */
	s.cmdline = strdup("root=/dev/sda1 intel_iommu=on,sp_off");
	check_ranges(&s, &one, 1, &r);
	assert_int_equal(r.pgsize_bitmap, 4096);
	mapcheck_report_release(&r);
	/* registers unknown: the aperture too */
	s.unit[0].regs_known = false;
	check_ranges(&s, &one, 1, &r);
	assert_false(r.aperture_known);
	assert_int_equal(r.niova, 0);
	mapcheck_report_release(&r);
	snapshot_release(&s);
}

static void iova_ranges(void **state)
{
	struct snapshot s;
	struct mapcheck_report r;
	struct map_range one = {0x100000, 0x1fffff, NULL};
	(void)state;
	one_group_host(&s, "intel", QEMU_CAP, QEMU_ECAP, 65535);
	add_region(&s, 0, 0xffffff, "direct-relaxable");
	add_region(&s, 0x0, 0xfff, "reserved");
	add_region(&s, 0xfee00000, 0xfeefffff, "msi");
	add_region(&s, 0x7fffff0000ull, 0x7fffffffffull, "direct");
	check_ranges(&s, &one, 1, &r);
	/* direct-relaxable stays usable; the rest is cut out */
	assert_int_equal(r.niova, 2);
	assert_int_equal(r.iova_ranges[0].start, 0x1000);
	assert_int_equal(r.iova_ranges[0].end, 0xfedfffff);
	assert_int_equal(r.iova_ranges[1].start, 0xfef00000);
	assert_int_equal(r.iova_ranges[1].end, 0x7ffffeffffull);
	assert_true(r.resv[0].hit);
	assert_false(r.resv[0].excluded);
	assert_int_equal(r.nconflicts, 0);
	mapcheck_report_release(&r);
	snapshot_release(&s);
}

/* ---- conflicts ------------------------------------------------------------------- */

static void reserved_conflicts(void **state)
{
	struct snapshot s;
	struct mapcheck_report r;
	const struct map_range plan[] = {
		{0, 0xfffffffful, NULL},                    /* msi inside, direct-relaxable kept */
		{0x200000000ull, 0x2001fffffull, NULL},     /* across the direct region's start */
		{0x7ff0000000ull, 0x80ffffffffull, NULL},   /* past the aperture */
	};
	(void)state;
	one_group_host(&s, "intel", QEMU_CAP, QEMU_ECAP, 65535);
	add_region(&s, 0, 0xffffff, "direct-relaxable");
	add_region(&s, 0xfee00000, 0xfeefffff, "msi");
	add_region(&s, 0x200100000ull, 0x2002fffffull, "direct");
	check_ranges(&s, plan, 3, &r);
	assert_int_equal(r.nconflicts, 3);
	assert_conflict(&r, 0, MAP_CONFLICT_MSI, 0, 0xfee00000, 0xfeefffff, -EINVAL);
	assert_conflict(&r, 1, MAP_CONFLICT_DIRECT, 1, 0x200100000ull, 0x2001fffffull, -EINVAL);
	assert_conflict(&r, 2, MAP_CONFLICT_APERTURE, 2, 0x8000000000ull, 0x80ffffffffull, -EINVAL);
	assert_true(r.resv[0].hit && !r.resv[0].excluded);
	assert_true(r.resv[1].hit && r.resv[1].excluded);
	mapcheck_report_release(&r);
	snapshot_release(&s);
}

static void call_conflicts(void **state)
{
	struct snapshot s;
	struct mapcheck_report r;
	const struct map_range plan[] = {
		{0x100000, 0x1fffff, NULL},
		{0x180000, 0x27ffff, NULL}, /* overlaps the first */
		{0x300800, 0x3017ff, NULL}, /* unaligned */
		{0x400000, 0x4fffff, NULL},
		{0x500000, 0x5fffff, NULL}, /* the third accepted: over the limit */
	};
	(void)state;
	one_group_host(&s, "intel", QEMU_CAP, QEMU_ECAP, 2);
	check_ranges(&s, plan, 5, &r);
	assert_int_equal(r.entry_limit, 2);
	assert_false(r.entry_limit_default);
	assert_int_equal(r.nconflicts, 3);
	assert_conflict(&r, 0, MAP_CONFLICT_OVERLAP, 1, 0x180000, 0x1fffff, -EEXIST);
	assert_conflict(&r, 1, MAP_CONFLICT_ALIGNMENT, 2, 0x300800, 0x3017ff, -EINVAL);
	assert_conflict(&r, 2, MAP_CONFLICT_ENTRY_LIMIT, 4, 0x500000, 0x5fffff, -ENOSPC);
	mapcheck_report_release(&r);
	snapshot_release(&s);
}

/* ---- guest layouts on each kind of unit ------------------------------------------- */

static void guest_on_intel(void **state)
{
	struct snapshot s;
	struct mapcheck_report r;
	(void)state;
	one_group_host(&s, "intel", QEMU_CAP, QEMU_ECAP, -1);
	add_region(&s, 0xfee00000, 0xfeefffff, "msi");
	check_guest(&s, GUEST_MACHINE_Q35, 16 * GIB, &r);
	assert_int_equal(r.nconflicts, 0);
	assert_true(r.entry_limit_default);
	assert_int_equal(r.entry_limit, MAPCHECK_DEFAULT_ENTRY_LIMIT);
	assert_false(r.resv[0].hit);
	assert_non_null(strstr(r.resv[0].where, "32-bit PCI hole"));
	assert_true(has_note(&r, "default"));
	mapcheck_report_release(&r);
	/* 600 GiB reaches past the 39-bit aperture: RAM from 512 GiB on */
	check_guest(&s, GUEST_MACHINE_Q35, 600 * GIB, &r);
	assert_int_equal(r.nconflicts, 1);
	assert_conflict(&r, 0, MAP_CONFLICT_APERTURE, 1, 1ull << 39, 4 * GIB + 598 * GIB - 1, -EINVAL);
	assert_non_null(strstr(r.conflicts[0].message, "Region ram-above-4g"));
	mapcheck_report_release(&r);
	snapshot_release(&s);
}

static void guest_on_amd(void **state)
{
	struct snapshot s;
	struct mapcheck_report r;
	const struct map_range into_hole = {0xfd00000000ull, 0xfd3fffffffull, NULL};
	(void)state;
	one_group_host(&s, "amd", 0, 0, 65535);
	add_region(&s, 0xfee00000, 0xfeefffff, "msi");
	add_region(&s, 0xfd00000000ull, 0xffffffffffull, "reserved");
	/* relocated to 1 TiB: clear of the HyperTransport hole */
	check_guest(&s, GUEST_MACHINE_Q35, 1020 * GIB, &r);
	assert_true(r.guest.relocated);
	assert_int_equal(r.address_bits, 64);
	assert_int_equal(r.nconflicts, 0);
	assert_non_null(strstr(r.resv[1].where, "HyperTransport"));
	assert_true(has_note(&r, "AMD"));
	mapcheck_report_release(&r);
	check_ranges(&s, &into_hole, 1, &r);
	assert_int_equal(r.nconflicts, 1);
	assert_conflict(&r, 0, MAP_CONFLICT_RESERVED, 0, 0xfd00000000ull, 0xfd3fffffffull, -EINVAL);
	mapcheck_report_release(&r);
	snapshot_release(&s);
}

static void virtio_unknown_aperture(void **state)
{
	struct snapshot s;
	struct mapcheck_report r;
	const struct map_range far = {1ull << 60, (1ull << 60) + 0xfff, NULL};
	struct mapcheck_request q = {.group = 8, .ranges = &far, .nranges = 1};
	char *why = NULL;
	(void)state;
	one_group_host(&s, "virtio", 0, 0, 65535);
	check_ranges(&s, &far, 1, &r);
	assert_false(r.aperture_known);
	assert_non_null(strstr(r.aperture_why, "virtio-iommu"));
	assert_int_equal(r.pgsize_bitmap, 4096);
	assert_int_equal(r.nconflicts, 0);
	mapcheck_report_release(&r);
	/* no such group; a group whose reserved regions were not read */
	assert_int_equal(mapcheck_analyse(&s, &q, &r, &why), -ENOENT);
	mapcheck_report_release(&r);
	s.grp[0].resv_known = false;
	q.group = 7;
	assert_int_equal(mapcheck_analyse(&s, &q, &r, &why), -EIO);
	assert_string_equal(why, "/sys/kernel/iommu_groups/7/reserved_regions");
	free(why);
	mapcheck_report_release(&r);
	snapshot_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(q35_layout),         cmocka_unit_test(pc_layout),
		cmocka_unit_test(amd_relocation),     cmocka_unit_test(intel_aperture),
		cmocka_unit_test(iova_ranges),        cmocka_unit_test(reserved_conflicts),
		cmocka_unit_test(call_conflicts),     cmocka_unit_test(guest_on_intel),
		cmocka_unit_test(guest_on_amd),       cmocka_unit_test(virtio_unknown_aperture),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
