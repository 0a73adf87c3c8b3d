/* test-diff.c - diff_analyse() over snapshots built in memory: groups
 * matched by membership (renumbering, merges, splits, growth, shrinkage,
 * regrouping, groups that appear or go), and the class and reason of each
 * kind of change: default domain types, reserved regions, ACS, drivers,
 * check-vfio verdicts, IOMMU units, status facts, the command line, and
 * what NEW could not read. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"

#include "snap.h"

/* ---- a small machine ------------------------------------------------------------ */

/* An Intel host: root port 00:1c.0 (pcieport, ACS SV RR CR UF on) in group
 * 0, below it 01:00.0 (e1000e) in group 1; 02:00.0 and 02:00.1 (nvme,
 * e1000e) on the root bus in groups 2 and 3, 03:00.0 (e1000e) in group 4;
 * every group DMA-FQ with the MSI window. */
static void machine(struct snapshot *s)
{
	size_t rp;
	host(s, INTEL, 6, 1);
	rp = add_dev(s, "0000:00:1c.0", 0x8086, 0xa110, 1, "pcieport", 0, -1);
	s->dev[rp].caps.acs_off = 0x140;
	s->dev[rp].caps.acs_cap = 0x5f;
	s->dev[rp].caps.acs_ctl = PCI_ACS_REQUIRED;
	add_dev(s, "0000:01:00.0", 0x8086, 0x10d3, 0, "e1000e", 1, (int)rp);
	add_dev(s, "0000:02:00.0", 0x1b36, 0x0010, 0, "nvme", 2, -1);
	add_dev(s, "0000:02:00.1", 0x8086, 0x10d3, 0, "e1000e", 3, -1);
	add_dev(s, "0000:03:00.0", 0x8086, 0x10d3, 0, "e1000e", 4, -1);
	for (int g = 0; g <= 4; g++) {
		add_group(s, g, "DMA-FQ");
		add_resv(s, g, 0xfee00000, 0xfeefffff, "msi");
	}
}

static struct pci_device *dev(struct snapshot *s, const char *bdf)
{
	struct pci_device *d = snapshot_find_by_name(s, bdf);
	assert_non_null(d);
	return d;
}

/* Compares OLD with NEW over AREAS (their group lists made from the
 * functions' group ids first). */
static void compare(struct snapshot *o, struct snapshot *n, unsigned areas, struct diff_report *r)
{
	struct diff_side so, sn;
	struct diff_request req = {.areas = areas};
	finish(o);
	finish(n);
	diff_side_init(&so, o);
	diff_side_init(&sn, n);
	diff_analyse(&so, &sn, &req, r);
	diff_side_release(&so);
	diff_side_release(&sn);
}

static void release(struct snapshot *o, struct snapshot *n, struct diff_report *r)
{
	diff_report_release(r);
	snapshot_release(o);
	snapshot_release(n);
}

static size_t count_kind(const struct diff_report *r, const char *kind)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		n += !strcmp(r->changes[i].kind, kind);
	return n;
}

/* The one change of KIND about SUBJECT, with its class and reason. */
static const struct diff_change *change(const struct diff_report *r, const char *kind, const char *subject,
					enum diff_class cls, const char *reason)
{
	const struct diff_change *found = NULL;
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->changes[i].kind, kind) && !strcmp(r->changes[i].subject, subject)) {
			if (found)
				fail_msg("two %s changes about %s", kind, subject);
			found = &r->changes[i];
		}
	if (!found) {
		for (size_t i = 0; i < r->n; i++)
			print_message("  %s %s %s: %s\n", diff_class_id(r->changes[i].cls), r->changes[i].kind,
				      r->changes[i].subject, r->changes[i].message);
		fail_msg("no %s change about %s", kind, subject);
	}
	assert_string_equal(diff_class_id(found->cls), diff_class_id(cls));
	assert_string_equal(found->reason, reason);
	assert_non_null(found->message);
	return found;
}

static void assert_contains(const char *text, const char *part)
{
	if (!strstr(text, part))
		fail_msg("'%s' lacks '%s'", text, part);
}

/* The list of groups V holds: "1:0000:01:00.0,0000:02:00.0;3:..." */
static char *groups_text(const struct diff_value *v)
{
	struct buf b;
	buf_init(&b);
	assert_int_equal(v->type, DV_LIST);
	for (size_t i = 0; i < v->n; i++) {
		const struct diff_value *id = diff_value_get(&v->items[i], "id");
		const struct diff_value *devs = diff_value_get(&v->items[i], "devices");
		assert_non_null(id);
		assert_non_null(devs);
		buf_appendf(&b, "%s%lld:", i ? ";" : "", id->i);
		for (size_t k = 0; k < devs->n; k++)
			buf_appendf(&b, "%s%s", k ? "," : "", devs->items[k].s);
	}
	return b.data ? buf_steal(&b) : xstrdup("");
}

static void assert_groups(const struct diff_value *v, const char *expected)
{
	char *t = groups_text(v);
	assert_string_equal(t, expected);
	free(t);
}

/* Moves function BDF of S into group GROUP (-1: none). */
static void regroup(struct snapshot *s, const char *bdf, int group)
{
	dev(s, bdf)->group = group;
}

/* Drops the groups of S that no function is in any more. */
static void drop_empty_groups(struct snapshot *s)
{
	size_t k = 0;
	finish(s);
	for (size_t i = 0; i < s->ngrp; i++) {
		if (s->grp[i].ndev) {
			s->grp[k++] = s->grp[i];
			continue;
		}
		free(s->grp[i].type);
		free(s->grp[i].dev);
		for (size_t j = 0; j < s->grp[i].nresv; j++)
			free(s->grp[i].resv[j].type);
		free(s->grp[i].resv);
		strvec_release(&s->grp[i].other);
	}
	s->ngrp = k;
}

/* ---- the areas ------------------------------------------------------------------ */

static void areas_parse(void **state)
{
	unsigned mask;
	char *bad = NULL;
	(void)state;
	assert_true(diff_areas_parse("groups", &mask, &bad));
	assert_int_equal(mask, 1u << DIFF_AREA_GROUPS);
	assert_true(diff_areas_parse("vfio,groups,swiotlb", &mask, &bad));
	assert_int_equal(mask, (1u << DIFF_AREA_GROUPS) | (1u << DIFF_AREA_VFIO) | (1u << DIFF_AREA_SWIOTLB));
	for (unsigned a = 0; a < DIFF_NAREAS; a++) {
		assert_true(diff_areas_parse(diff_area_id((enum diff_area)a), &mask, &bad));
		assert_int_equal(mask, 1u << a);
	}
	assert_false(diff_areas_parse("groups,bogus", &mask, &bad));
	assert_string_equal(bad, "bogus");
	free(bad);
	assert_false(diff_areas_parse("", &mask, &bad));
	assert_string_equal(bad, "");
	free(bad);
	assert_false(diff_areas_parse("groups,", &mask, &bad));
	assert_string_equal(bad, "");
	free(bad);
	assert_false(diff_areas_parse("group", &mask, &bad));
	assert_string_equal(bad, "group");
	free(bad);
}

/* ---- groups by membership ----------------------------------------------------------- */

static void same_is_no_change(void **state)
{
	struct snapshot o, n;
	struct diff_report r;
	(void)state;
	machine(&o);
	machine(&n);
	compare(&o, &n, DIFF_AREAS_ALL, &r);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.nrenumbered, 0);
	release(&o, &n, &r);
}

/* Two machines without an IOMMU: no group on either side. */
static void no_groups_either_side(void **state)
{
	struct snapshot o, n;
	struct diff_report r;
	(void)state;
	host(&o, NONE, 6, 1);
	host(&n, NONE, 6, 1);
	add_dev(&o, "0000:00:02.0", 0x8086, 0x10d3, 0, "e1000e", -1, -1);
	add_dev(&n, "0000:00:02.0", 0x8086, 0x10d3, 0, "e1000e", -1, -1);
	compare(&o, &n, DIFF_AREAS_ALL, &r);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.nrenumbered, 0);
	diff_report_release(&r);
	compare(&o, &o, DIFF_AREAS_ALL, &r);
	assert_int_equal(r.n, 0);
	release(&o, &n, &r);
}

/* The same members under other numbers: no change, only the renumbering. */
static void renumbered_is_no_change(void **state)
{
	struct snapshot o, n;
	struct diff_report r;
	(void)state;
	machine(&o);
	machine(&n);
	for (size_t i = 0; i < n.ngrp; i++)
		n.grp[i].id = (int)(n.ngrp - 1 - i) + 20;
	for (size_t i = 0; i < n.ndev; i++)
		n.dev[i].group = (int)(n.ngrp - 1 - (size_t)n.dev[i].group) + 20;
	/* the loader sorts the groups by id */
	for (size_t i = 0; i < n.ngrp / 2; i++) {
		struct iommu_group t = n.grp[i];
		n.grp[i] = n.grp[n.ngrp - 1 - i];
		n.grp[n.ngrp - 1 - i] = t;
	}
	compare(&o, &n, DIFF_AREAS_ALL, &r);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.nrenumbered, 5);
	assert_int_equal(r.renumbered[0].before, 0);
	assert_int_equal(r.renumbered[0].after, 24);
	release(&o, &n, &r);
}

/* 01:00.0 joins its root port's group (the port lost ACS): a merge that
 * reduces isolation, even though group 0 keeps its number. */
static void merge_reduces(void **state)
{
	struct snapshot o, n;
	struct diff_report r;
	const struct diff_change *c;
	(void)state;
	machine(&o);
	machine(&n);
	regroup(&n, "0000:01:00.0", 0);
	drop_empty_groups(&n);
	compare(&o, &n, 1u << DIFF_AREA_GROUPS, &r);
	assert_int_equal(r.n, 1);
	c = change(&r, "groups_merged", "group 0", DIFF_REDUCES, "devices_share_group");
	assert_groups(&c->before, "0:0000:00:1c.0;1:0000:01:00.0");
	assert_groups(&c->after, "0:0000:00:1c.0,0000:01:00.0");
	assert_int_equal(c->devices.n, 2);
	assert_string_equal(c->devices.v[1], "0000:01:00.0");
	assert_contains(c->message, "groups 0 (00:1c.0) and 1 (01:00.0) merged into group 0 (00:1c.0 01:00.0)");
	assert_int_equal(r.count[DIFF_REDUCES], 1);
	release(&o, &n, &r);
}

/* The reverse: a split improves isolation. */
static void split_improves(void **state)
{
	struct snapshot o, n;
	struct diff_report r;
	const struct diff_change *c;
	(void)state;
	machine(&o);
	machine(&n);
	regroup(&o, "0000:01:00.0", 0);
	drop_empty_groups(&o);
	compare(&o, &n, 1u << DIFF_AREA_GROUPS, &r);
	assert_int_equal(r.n, 1);
	c = change(&r, "group_split", "group 0", DIFF_IMPROVES, "devices_separated");
	assert_groups(&c->before, "0:0000:00:1c.0,0000:01:00.0");
	assert_groups(&c->after, "0:0000:00:1c.0;1:0000:01:00.0");
	release(&o, &n, &r);
}

/* 02:00.1 moves from its own group into 03:00.0's while 02:00.0 stays:
 * devices that were apart are together, others apart: regrouped. */
static void regrouped_reduces(void **state)
{
	struct snapshot o, n;
	struct diff_report r;
	const struct diff_change *c;
	(void)state;
	machine(&o);
	machine(&n);
	regroup(&o, "0000:02:00.1", 2); /* old: {02:00.0 02:00.1} {03:00.0} */
	drop_empty_groups(&o);
	regroup(&n, "0000:02:00.1", 4); /* new: {02:00.0} {02:00.1 03:00.0} */
	drop_empty_groups(&n);
	compare(&o, &n, 1u << DIFF_AREA_GROUPS, &r);
	assert_int_equal(r.n, 1);
	c = change(&r, "groups_regrouped", "group 2", DIFF_REDUCES, "devices_share_group");
	assert_groups(&c->before, "2:0000:02:00.0,0000:02:00.1;4:0000:03:00.0");
	assert_groups(&c->after, "2:0000:02:00.0;4:0000:02:00.1,0000:03:00.0");
	release(&o, &n, &r);
}

/* A function added to a group grows it (reduces: the others share with it
 * now); the function itself is a neutral addition.  Removed, the group
 * shrinks (improves) and the function's removal reduces. */
static void added_and_removed_members(void **state)
{
	struct snapshot o, n;
	struct diff_report r;
	const struct diff_change *c;
	(void)state;
	machine(&o);
	machine(&n);
	add_dev(&n, "0000:03:00.1", 0x8086, 0x10d3, 0, "e1000e", 4, -1);
	compare(&o, &n, DIFF_AREAS_ALL, &r);
	c = change(&r, "group_grew", "group 4", DIFF_REDUCES, "devices_share_group");
	assert_contains(c->message, "03:00.1 is a new device");
	assert_groups(&c->after, "4:0000:03:00.0,0000:03:00.1");
	c = change(&r, "device_added", "0000:03:00.1", DIFF_NEUTRAL, "device_added");
	assert_int_equal(c->before.type, DV_NULL);
	assert_string_equal(c->after.s, "8086:10d3");
	/* 03:00.0 must take 03:00.1 along now */
	change(&r, "vfio_verdict", "0000:03:00.0", DIFF_REDUCES, "findings_worse");
	diff_report_release(&r);

	compare(&n, &o, DIFF_AREAS_ALL, &r);
	c = change(&r, "group_shrank", "group 4", DIFF_IMPROVES, "devices_separated");
	assert_contains(c->message, "03:00.1 was removed");
	change(&r, "device_removed", "0000:03:00.1", DIFF_REDUCES, "device_removed");
	release(&o, &n, &r);
}

/* A function that is still there but in no group: its group's loss
 * reduces isolation; gaining one improves it. */
static void ungrouped_and_grouped(void **state)
{
	struct snapshot o, n;
	struct diff_report r;
	const struct diff_change *c;
	(void)state;
	machine(&o);
	machine(&n);
	regroup(&n, "0000:03:00.0", -1);
	drop_empty_groups(&n);
	compare(&o, &n, 1u << DIFF_AREA_GROUPS, &r);
	assert_int_equal(r.n, 1);
	c = change(&r, "group_removed", "group 4", DIFF_REDUCES, "device_ungrouped");
	assert_contains(c->message, "03:00.0 is in no group now");
	assert_groups(&c->after, "");
	diff_report_release(&r);

	compare(&n, &o, 1u << DIFF_AREA_GROUPS, &r);
	c = change(&r, "group_added", "group 4", DIFF_IMPROVES, "device_grouped");
	assert_groups(&c->before, "");
	diff_report_release(&r);

	/* leaving a group of two for none: the group shrinks, but the function
	 * lost its isolation: reduces */
	snapshot_release(&o);
	snapshot_release(&n);
	machine(&o);
	machine(&n);
	regroup(&o, "0000:03:00.0", 3);
	drop_empty_groups(&o);
	regroup(&n, "0000:03:00.0", -1);
	drop_empty_groups(&n);
	compare(&o, &n, 1u << DIFF_AREA_GROUPS, &r);
	change(&r, "group_shrank", "group 3", DIFF_REDUCES, "device_ungrouped");
	release(&o, &n, &r);
}

/* A group whose functions are gone: neutral (the removals say it). */
static void group_of_removed_functions(void **state)
{
	struct snapshot o, n;
	struct diff_report r;
	(void)state;
	machine(&o);
	machine(&n);
	n.ndev--; /* 03:00.0 gone, with its group */
	free(n.dev[n.ndev].reset_method);
	drop_empty_groups(&n);
	compare(&o, &n, (1u << DIFF_AREA_GROUPS) | (1u << DIFF_AREA_DEVICES), &r);
	assert_int_equal(r.n, 2);
	change(&r, "group_removed", "group 4", DIFF_NEUTRAL, "devices_removed");
	change(&r, "device_removed", "0000:03:00.0", DIFF_REDUCES, "device_removed");
	/* reducing changes come first */
	assert_string_equal(r.changes[0].kind, "device_removed");
	release(&o, &n, &r);
}

static void replaced_device(void **state)
{
	struct snapshot o, n;
	struct diff_report r;
	const struct diff_change *c;
	(void)state;
	machine(&o);
	machine(&n);
	dev(&n, "0000:03:00.0")->ident.device_id = 0x10d4;
	compare(&o, &n, 1u << DIFF_AREA_DEVICES, &r);
	c = change(&r, "device_replaced", "0000:03:00.0", DIFF_REDUCES, "device_replaced");
	assert_string_equal(c->before.s, "8086:10d3");
	assert_string_equal(c->after.s, "8086:10d4");
	release(&o, &n, &r);
}

/* ---- default domain types and reserved regions ----------------------------------------- */

static void set_type(struct snapshot *s, int id, const char *type)
{
	struct iommu_group *g = group(s, id);
	free(g->type);
	g->type = type ? strdup(type) : NULL;
}

static void domain_types(void **state)
{
	struct snapshot o, n;
	struct diff_report r;
	const struct diff_change *c;
	(void)state;
	machine(&o);
	machine(&n);
	set_type(&o, 0, "DMA");
	set_type(&n, 1, "DMA");      /* DMA-FQ -> DMA */
	set_type(&n, 2, "identity"); /* DMA-FQ -> identity */
	set_type(&n, 3, NULL);       /* DMA-FQ -> unknown */
	set_type(&n, 4, "blocked");  /* DMA-FQ -> blocked: not ranked */
	compare(&o, &n, 1u << DIFF_AREA_TYPES, &r);
	assert_int_equal(r.n, 5);
	c = change(&r, "domain_type", "group 0", DIFF_REDUCES, "lazy_invalidation");
	assert_string_equal(c->before.s, "DMA");
	assert_string_equal(c->after.s, "DMA-FQ");
	c = change(&r, "domain_type", "group 1", DIFF_IMPROVES, "strict_invalidation");
	assert_contains(c->message, "group 1 (01:00.0): default domain DMA-FQ -> DMA");
	change(&r, "domain_type", "group 2", DIFF_REDUCES, "passthrough_on");
	c = change(&r, "domain_type", "group 3", DIFF_REDUCES, "type_unknown");
	assert_int_equal(c->after.type, DV_NULL);
	change(&r, "domain_type", "group 4", DIFF_NEUTRAL, "type_changed");
	diff_report_release(&r);

	compare(&n, &o, 1u << DIFF_AREA_TYPES, &r);
	change(&r, "domain_type", "group 2", DIFF_IMPROVES, "passthrough_off");
	change(&r, "domain_type", "group 3", DIFF_NEUTRAL, "type_known");
	release(&o, &n, &r);
}

/* Types are compared between groups with the same members, whatever
 * their numbers. */
static void type_of_renumbered_group(void **state)
{
	struct snapshot o, n;
	struct diff_report r;
	const struct diff_change *c;
	(void)state;
	machine(&o);
	machine(&n);
	group(&n, 4)->id = 7;
	dev(&n, "0000:03:00.0")->group = 7;
	set_type(&n, 7, "DMA");
	compare(&o, &n, (1u << DIFF_AREA_TYPES) | (1u << DIFF_AREA_GROUPS), &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.nrenumbered, 1);
	c = change(&r, "domain_type", "group 7", DIFF_IMPROVES, "strict_invalidation");
	assert_contains(c->message, "group 7 (group 4 before) (03:00.0)");
	release(&o, &n, &r);
}

static void reserved_regions(void **state)
{
	struct snapshot o, n;
	struct diff_report r;
	const struct diff_change *c;
	(void)state;
	machine(&o);
	machine(&n);
	add_resv(&n, 1, 0x7b000000, 0x7b7fffff, "direct");          /* an RMRR appears */
	add_resv(&o, 2, 0x7c000000, 0x7c0fffff, "direct");          /* one goes */
	add_resv(&n, 3, 0x0, 0xffffff, "direct-relaxable");         /* relaxable: neutral */
	group(&n, 4)->resv_known = false;                            /* unreadable */
	compare(&o, &n, 1u << DIFF_AREA_RESV, &r);
	assert_int_equal(r.n, 4);
	c = change(&r, "reserved_regions", "group 1", DIFF_REDUCES, "direct_region_added");
	assert_contains(c->message, "added 0x7b000000-0x7b7fffff direct");
	assert_int_equal(c->after.n, 2);
	assert_string_equal(diff_value_get(&c->after.items[1], "type")->s, "direct");
	assert_int_equal(diff_value_get(&c->after.items[1], "start")->u, 0x7b000000);
	change(&r, "reserved_regions", "group 2", DIFF_IMPROVES, "direct_region_removed");
	change(&r, "reserved_regions", "group 3", DIFF_NEUTRAL, "regions_changed");
	c = change(&r, "reserved_regions", "group 4", DIFF_REDUCES, "regions_unknown");
	assert_int_equal(c->after.type, DV_NULL);
	release(&o, &n, &r);
}

/* ---- ACS, drivers, check-vfio ---------------------------------------------------------- */

static void acs(void **state)
{
	struct snapshot o, n;
	struct diff_report r;
	const struct diff_change *c;
	const struct diff_value *v;
	(void)state;
	machine(&o);
	machine(&n);
	dev(&n, "0000:00:1c.0")->caps.acs_off = 0; /* the firmware hid ACS */
	compare(&o, &n, 1u << DIFF_AREA_ACS, &r);
	assert_int_equal(r.n, 1);
	c = change(&r, "acs", "0000:00:1c.0", DIFF_REDUCES, "acs_isolation_lost");
	assert_contains(c->message, "00:1c.0 (root port): ACS controls SV RR CR UF");
	assert_contains(c->message, "-> no ACS capability, not isolating");
	v = diff_value_get(&c->before, "isolated");
	assert_true(v->type == DV_BOOL && v->b);
	v = diff_value_get(&c->after, "present");
	assert_true(v->type == DV_BOOL && !v->b);
	diff_report_release(&r);

	compare(&n, &o, 1u << DIFF_AREA_ACS, &r);
	change(&r, "acs", "0000:00:1c.0", DIFF_IMPROVES, "acs_isolation_gained");
	diff_report_release(&r);

	/* only the first 64 bytes readable (not root): unknown, which reduces */
	snapshot_release(&n);
	machine(&n);
	dev(&n, "0000:00:1c.0")->caps.known = false;
	dev(&n, "0000:00:1c.0")->config_len = PCI_CFG_HEADER_SIZE;
	compare(&o, &n, 1u << DIFF_AREA_ACS, &r);
	c = change(&r, "acs", "0000:00:1c.0", DIFF_REDUCES, "acs_unknown");
	assert_contains(c->message, "run iommuctl as root");
	assert_int_equal(c->after.type, DV_NULL);
	release(&o, &n, &r);
}

static void drivers(void **state)
{
	struct snapshot o, n;
	struct diff_report r;
	const struct diff_change *c;
	(void)state;
	machine(&o);
	machine(&n);
	dev(&n, "0000:01:00.0")->driver = driver_name(&n, "vfio-pci");
	dev(&n, "0000:01:00.0")->driver_override = strdup("vfio-pci");
	dev(&n, "0000:02:00.1")->driver = NULL;
	dev(&n, "0000:03:00.0")->driver_known = false;
	dev(&n, "0000:03:00.0")->driver = NULL;
	compare(&o, &n, 1u << DIFF_AREA_DRIVERS, &r);
	assert_int_equal(r.n, 4);
	c = change(&r, "driver", "0000:01:00.0", DIFF_NEUTRAL, "driver_changed");
	assert_string_equal(c->message, "01:00.0: driver e1000e -> vfio-pci");
	c = change(&r, "driver_override", "0000:01:00.0", DIFF_NEUTRAL, "driver_override_changed");
	assert_int_equal(c->before.type, DV_NULL);
	assert_string_equal(c->after.s, "vfio-pci");
	change(&r, "driver", "0000:02:00.1", DIFF_NEUTRAL, "driver_unbound");
	change(&r, "driver", "0000:03:00.0", DIFF_NEUTRAL, "driver_unknown");
	release(&o, &n, &r);
}

/* 02:00.0 and 02:00.1 share a group on both sides; 02:00.1 goes to
 * vfio-pci: the group becomes viable for 02:00.0 too. */
static void vfio_verdicts(void **state)
{
	struct snapshot o, n;
	struct diff_report r;
	const struct diff_change *c;
	const struct diff_value *v;
	(void)state;
	machine(&o);
	machine(&n);
	regroup(&o, "0000:02:00.1", 2);
	drop_empty_groups(&o);
	regroup(&n, "0000:02:00.1", 2);
	drop_empty_groups(&n);
	dev(&o, "0000:02:00.0")->driver = driver_name(&o, "vfio-pci");
	dev(&n, "0000:02:00.0")->driver = driver_name(&n, "vfio-pci");
	dev(&n, "0000:02:00.1")->driver = driver_name(&n, "vfio-pci");
	compare(&o, &n, 1u << DIFF_AREA_VFIO, &r);
	assert_int_equal(r.n, 2);
	c = change(&r, "vfio_verdict", "0000:02:00.0", DIFF_IMPROVES, "verdict_better");
	assert_contains(c->message, "02:00.0: check-vfio viable after steps -> viable; its group is viable now");
	assert_contains(c->message, "gone: member_bound (02:00.1)");
	v = diff_value_get(&c->before, "verdict");
	assert_string_equal(v->s, "viable_after_steps");
	v = diff_value_get(&c->after, "group_viable");
	assert_true(v->b);
	v = diff_value_get(&c->before, "findings");
	assert_true(v->n >= 1);
	change(&r, "vfio_verdict", "0000:02:00.1", DIFF_IMPROVES, "verdict_better");
	diff_report_release(&r);

	compare(&n, &o, 1u << DIFF_AREA_VFIO, &r);
	change(&r, "vfio_verdict", "0000:02:00.0", DIFF_REDUCES, "verdict_worse");
	diff_report_release(&r);

	/* the same verdict, but interrupt remapping unknown in NEW: the new
	 * blocking finding reduces, never improves */
	snapshot_release(&n);
	machine(&n);
	regroup(&n, "0000:02:00.1", 2);
	drop_empty_groups(&n);
	dev(&n, "0000:02:00.0")->driver = driver_name(&n, "vfio-pci");
	n.host.ir_active = -1;
	snapshot_release(&o);
	machine(&o);
	regroup(&o, "0000:02:00.1", 2);
	drop_empty_groups(&o);
	dev(&o, "0000:02:00.0")->driver = driver_name(&o, "vfio-pci");
	o.host.ir_active = 0;
	compare(&o, &n, 1u << DIFF_AREA_VFIO, &r);
	c = change(&r, "vfio_verdict", "0000:02:00.0", DIFF_REDUCES, "findings_worse");
	assert_contains(c->message, "new: interrupt_remapping_unknown");
	release(&o, &n, &r);
}

/* ---- units, the host, the command line, --only ------------------------------------------- */

static void units(void **state)
{
	struct snapshot o, n;
	struct diff_report r;
	const struct diff_change *c;
	(void)state;
	machine(&o);
	machine(&n);
	add_unit(&n, "dmar1", "intel", true, QEMU_CAP, QEMU_ECAP & ~(1ull << 3)); /* no ECAP.IR */
	compare(&o, &n, 1u << DIFF_AREA_UNITS, &r);
	c = change(&r, "unit_added", "dmar1", DIFF_IMPROVES, "unit_added");
	assert_int_equal(c->before.type, DV_NULL);
	assert_int_equal(diff_value_get(&c->after, "ecap")->u, QEMU_ECAP & ~(1ull << 3));
	diff_report_release(&r);

	compare(&n, &o, 1u << DIFF_AREA_UNITS, &r);
	change(&r, "unit_removed", "dmar1", DIFF_REDUCES, "unit_removed");
	diff_report_release(&r);

	n.unit[0].ecap = QEMU_ECAP & ~(1ull << 3);
	compare(&o, &n, 1u << DIFF_AREA_UNITS, &r);
	c = change(&r, "unit_changed", "dmar0", DIFF_NEUTRAL, "unit_changed");
	assert_contains(c->message, "ecap 0xf00f4a -> 0xf00f42");
	assert_contains(c->message, "interrupt remapping yes -> no");
	release(&o, &n, &r);
}

static void host_facts(void **state)
{
	struct snapshot o, n;
	struct diff_report r;
	const struct diff_change *c;
	(void)state;
	machine(&o);
	machine(&n);
	n.host.ir_active = 0;
	free(n.host.kernel_release);
	n.host.kernel_release = strdup("6.12.0-1-amd64");
	compare(&o, &n, 1u << DIFF_AREA_HOST, &r);
	c = change(&r, "status_check", "interrupt_remapping", DIFF_REDUCES, "status_worse");
	assert_string_equal(diff_value_get(&c->before, "state")->s, "pass");
	assert_string_equal(diff_value_get(&c->after, "state")->s, "fail");
	c = change(&r, "kernel", "kernel", DIFF_NEUTRAL, "kernel_changed");
	assert_string_equal(c->message, "kernel 6.1.0-1-amd64 -> 6.12.0-1-amd64");
	diff_report_release(&r);

	n.host.ir_active = -1;
	compare(&o, &n, 1u << DIFF_AREA_HOST, &r);
	change(&r, "status_check", "interrupt_remapping", DIFF_REDUCES, "status_unknown");
	diff_report_release(&r);

	/* /sys/module unreadable in NEW: an informational check that becomes
	 * unknown is neutral; one that passed reduces */
	snapshot_release(&o);
	snapshot_release(&n);
	machine(&o);
	machine(&n);
	o.host.params.vfio_pci_loaded = n.host.params.vfio_pci_loaded = false;
	n.host.params.modules_err = -2;
	compare(&o, &n, 1u << DIFF_AREA_HOST, &r);
	c = change(&r, "status_check", "vfio_modules", DIFF_NEUTRAL, "status_unknown");
	assert_string_equal(diff_value_get(&c->before, "state")->s, "info");
	change(&r, "status_check", "vfio_unsafe_options", DIFF_REDUCES, "status_unknown");
	release(&o, &n, &r);
}

static void set_cmdline(struct snapshot *s, const char *cmdline)
{
	free(s->cmdline);
	s->cmdline = cmdline ? strdup(cmdline) : NULL;
	s->cmdline_err = cmdline ? 0 : -2;
}

static void cmdline_settings(void **state)
{
	struct snapshot o, n;
	struct diff_report r;
	const struct diff_change *c;
	(void)state;
	machine(&o);
	machine(&n);
	set_cmdline(&o, "intel_iommu=on iommu.strict=1 pcie_acs_override=downstream");
	set_cmdline(&n, "intel_iommu=on iommu=pt vfio_iommu_type1.allow_unsafe_interrupts=1 swiotlb=65536");
	compare(&o, &n, 1u << DIFF_AREA_CMDLINE, &r);
	c = change(&r, "cmdline_setting", "default_domain_type", DIFF_REDUCES, "setting_isolates_less");
	assert_int_equal(c->before.type, DV_NULL);
	assert_string_equal(c->after.s, "identity");
	assert_contains(c->message, "identity (iommu=pt)");
	c = change(&r, "cmdline_setting", "strict", DIFF_REDUCES, "setting_isolates_less");
	assert_true(c->before.type == DV_BOOL && c->before.b);
	change(&r, "cmdline_setting", "vfio_allow_unsafe_interrupts", DIFF_REDUCES, "setting_isolates_less");
	change(&r, "cmdline_setting", "acs_override", DIFF_IMPROVES, "setting_isolates_more");
	c = change(&r, "cmdline_setting", "swiotlb_slabs", DIFF_NEUTRAL, "setting_changed");
	assert_int_equal(c->after.i, 65536);
	/* derived keys (the token that set one, another unit) are not changes
	 * of their own */
	for (size_t i = 0; i < r.n; i++) {
		assert_null(strstr(r.changes[i].subject, "_by"));
		assert_string_not_equal(r.changes[i].subject, "swiotlb_bytes");
		assert_string_not_equal(r.changes[i].subject, "translated");
	}
	diff_report_release(&r);

	/* NEW's command line unreadable: neutral (the other areas see its
	 * effects) */
	set_cmdline(&n, NULL);
	compare(&o, &n, 1u << DIFF_AREA_CMDLINE, &r);
	assert_int_equal(r.n, 1);
	change(&r, "cmdline_unknown", "cmdline", DIFF_NEUTRAL, "cmdline_unknown");
	release(&o, &n, &r);
}

/* -s and -d: the changes about selected functions (on either side), and
 * those of the host as a whole. */
static void selected_functions(void **state)
{
	struct snapshot o, n;
	struct diff_side so, sn;
	struct diff_report r;
	bool osel[8] = {false}, nsel[8] = {false};
	struct diff_request req = {.areas = DIFF_AREAS_ALL, .old_selected = osel, .new_selected = nsel};
	(void)state;
	machine(&o);
	machine(&n);
	regroup(&n, "0000:01:00.0", 0);              /* group 1 merges into group 0 */
	drop_empty_groups(&n);
	set_type(&n, 2, "identity");                 /* 02:00.0's group */
	group(&n, 4)->id = 9;                        /* 03:00.0's group renumbered */
	dev(&n, "0000:03:00.0")->group = 9;
	set_cmdline(&n, "intel_iommu=on iommu=pt");  /* host-wide */
	finish(&o);
	finish(&n);
	diff_side_init(&so, &o);
	diff_side_init(&sn, &n);
	/* 01:00.0, selected in OLD only: the merge concerns it */
	osel[1] = true;
	diff_analyse(&so, &sn, &req, &r);
	change(&r, "groups_merged", "group 0", DIFF_REDUCES, "devices_share_group");
	change(&r, "cmdline_setting", "default_domain_type", DIFF_REDUCES, "setting_isolates_less");
	assert_int_equal(count_kind(&r, "domain_type"), 0);
	assert_int_equal(r.nrenumbered, 0);
	diff_report_release(&r);
	/* 03:00.0, selected in NEW: its group's renumbering, nothing else of
	 * its own */
	osel[1] = false;
	nsel[4] = true;
	diff_analyse(&so, &sn, &req, &r);
	assert_int_equal(count_kind(&r, "groups_merged"), 0);
	assert_int_equal(count_kind(&r, "domain_type"), 0);
	assert_int_equal(r.nrenumbered, 1);
	assert_int_equal(r.n, count_kind(&r, "cmdline_setting"));
	diff_report_release(&r);
	diff_side_release(&so);
	diff_side_release(&sn);
	snapshot_release(&o);
	snapshot_release(&n);
}

/* --only: only the areas asked for, and the renumbering only with groups. */
static void only_areas(void **state)
{
	struct snapshot o, n;
	struct diff_report r;
	(void)state;
	machine(&o);
	machine(&n);
	set_type(&n, 1, "identity");
	group(&n, 4)->id = 9;
	dev(&n, "0000:03:00.0")->group = 9;
	dev(&n, "0000:01:00.0")->driver = NULL;
	compare(&o, &n, 1u << DIFF_AREA_DRIVERS, &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.nrenumbered, 0);
	assert_int_equal(count_kind(&r, "driver"), 1);
	diff_report_release(&r);
	compare(&o, &n, DIFF_AREAS_ALL, &r);
	assert_int_equal(count_kind(&r, "domain_type"), 1);
	assert_int_equal(count_kind(&r, "driver"), 1);
	assert_int_equal(r.nrenumbered, 1);
	/* reducing first, then improving, then neutral */
	for (size_t i = 1; i < r.n; i++)
		assert_true(r.changes[i - 1].cls <= r.changes[i].cls);
	assert_int_equal(r.count[DIFF_REDUCES] + r.count[DIFF_IMPROVES] + r.count[DIFF_NEUTRAL], r.n);
	release(&o, &n, &r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(areas_parse),
		cmocka_unit_test(same_is_no_change),
		cmocka_unit_test(no_groups_either_side),
		cmocka_unit_test(renumbered_is_no_change),
		cmocka_unit_test(merge_reduces),
		cmocka_unit_test(split_improves),
		cmocka_unit_test(regrouped_reduces),
		cmocka_unit_test(added_and_removed_members),
		cmocka_unit_test(ungrouped_and_grouped),
		cmocka_unit_test(group_of_removed_functions),
		cmocka_unit_test(replaced_device),
		cmocka_unit_test(domain_types),
		cmocka_unit_test(type_of_renumbered_group),
		cmocka_unit_test(reserved_regions),
		cmocka_unit_test(acs),
		cmocka_unit_test(drivers),
		cmocka_unit_test(vfio_verdicts),
		cmocka_unit_test(units),
		cmocka_unit_test(host_facts),
		cmocka_unit_test(cmdline_settings),
		cmocka_unit_test(only_areas),
		cmocka_unit_test(selected_functions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
