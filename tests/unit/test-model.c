/* test-model.c - the loader on hand-made trees for the corner cases no real
 * capture shows (and the parsers). */
#include "tree.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "model-internal.h"
#include "model.h"

static void resv_parser(void **state)
{
	struct snapshot s;
	struct resv_region *r;
	size_t n;
	(void)state;
	snapshot_init(&s);
	assert_true(parse_resv_regions(&s, "/x",
				       "0x00000000fee00000 0x00000000feefffff msi\n"
				       "0x000000fd00000000 0x000000ffffffffff reserved\n"
				       "0x0000000000000000 0xffffffffffffffff direct-relaxable\n",
				       &r, &n));
	assert_int_equal(n, 3);
	assert_true(r[0].start == 0xfee00000ULL && r[0].end == 0xfeefffffULL);
	assert_string_equal(r[1].type, "reserved");
	assert_true(r[2].end == UINT64_MAX);
	for (size_t i = 0; i < n; i++)
		free(r[i].type);
	free(r);
	assert_int_equal(s.nissues, 0);
	/* malformed lines are reported and skipped; the rest is kept */
	assert_false(parse_resv_regions(&s, "/x",
					"0xfee00000 msi\n0x10 0x0f msi\nnonsense 0x1 msi\n"
					"0x1 0x2 msi extra\n0x00000000fee00000 0x00000000feefffff msi",
					&r, &n));
	assert_int_equal(n, 1);
	/* one warning for the file, naming the first bad line */
	assert_int_equal(s.nissues, 1);
	assert_string_equal(s.issues[0].path, "/x");
	assert_string_equal(s.issues[0].detail, "line 1 is not \"START END TYPE\" (and 3 more malformed lines)");
	free(r[0].type);
	free(r);
	/* start above end, and an address of 17 digits, each said as such */
	assert_false(parse_resv_regions(&s, "/y", "0x10 0x0f msi\n", &r, &n));
	assert_int_equal(n, 0);
	assert_string_equal(s.issues[1].detail, "line 1 has its start above its end");
	free(r);
	assert_false(parse_resv_regions(&s, "/z", "\n0x1 0x10000000000000000 direct\n", &r, &n));
	assert_int_equal(n, 0);
	assert_string_equal(s.issues[2].detail, "line 2 has an address past 64 bits");
	free(r);
	snapshot_release(&s);
}

/* What the loader takes as text from an attribute: UTF-8 as RFC 3629 has
 * it, tabs and newlines, nothing else. */
static void text_check(void **state)
{
	static const char *const ok[] = {"flr bus\n", "", "caf\xc3\xa9\tx", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
					 "\xf4\x8f\xbf\xbf"};
	static const char *const bad[] = {"e1000\xff", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
					  "\xe2\x82", "a\x1b[31m", "\x7f", "\xc2\x85", "\x80"};
	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_true(is_text(ok[i], strlen(ok[i])));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(is_text(bad[i], strlen(bad[i])));
	assert_false(is_text("a\0b", 3)); /* a NUL inside */
}

/* A VMD domain, a VF whose id registers read all ones, a group with a
 * member that is not a PCI function, a group VFIO's no-IOMMU mode named, a
 * virtio-iommu unit named after its PCI function. */
static char *corner_tree(void)
{
	char *t = tree_new();
	const char *vmd = "sys/devices/pci0000:00/0000:00:0e.0/pci10000:e0/10000:e0:1d.0";
	char *p;
	tree_config(t, "sys/devices/pci0000:00/0000:00:0e.0/config", 0x8086, 0x467f, 0x010400, 0, 0);
	tree_link(t, "sys/bus/pci/devices/0000:00:0e.0", "../../../devices/pci0000:00/0000:00:0e.0");
	if (asprintf(&p, "%s/config", vmd) < 0)
		abort();
	tree_config(t, p, 0x8086, 0xa0b0, 0x060400, 1, 0x81);
	free(p);
	tree_link(t, "sys/bus/pci/devices/10000:e0:1d.0", "../../../devices/pci0000:00/0000:00:0e.0/pci10000:e0/10000:e0:1d.0");
	/* a VF: ids from uevent */
	tree_config(t, "sys/devices/pci0000:00/0000:00:03.0/0000:01:00.2/config", 0xffff, 0xffff, 0x020000, 1, 0);
	tree_printf(t, "sys/devices/pci0000:00/0000:00:03.0/0000:01:00.2/uevent",
		    "DRIVER=iavf\nPCI_CLASS=20000\nPCI_ID=8086:1889\nPCI_SUBSYS_ID=8086:0000\nPCI_SLOT_NAME=0000:01:00.2\n");
	tree_link(t, "sys/bus/pci/devices/0000:01:00.2", "../../../devices/pci0000:00/0000:00:03.0/0000:01:00.2");
	tree_link(t, "sys/bus/pci/drivers/iavf/0000:01:00.2", "../../../../devices/pci0000:00/0000:00:03.0/0000:01:00.2");
	tree_link(t, "sys/bus/pci/drivers/vmd/0000:00:0e.0", "../../../../devices/pci0000:00/0000:00:0e.0");
	tree_link(t, "sys/bus/pci/drivers/vmd/module", "../../../../module/vmd");
	tree_mkdir(t, "sys/bus/pci/drivers/unused");
	/* groups */
	tree_printf(t, "sys/kernel/iommu_groups/7/type", "DMA\n");
	tree_printf(t, "sys/kernel/iommu_groups/7/reserved_regions", "0x00000000fee00000 0x00000000feefffff msi\n");
	tree_link(t, "sys/kernel/iommu_groups/7/devices/0000:00:0e.0", "../../../../devices/pci0000:00/0000:00:0e.0");
	tree_link(t, "sys/kernel/iommu_groups/7/devices/10000:e0:1d.0", "../../../../devices/pci0000:00/0000:00:0e.0/pci10000:e0/10000:e0:1d.0");
	tree_link(t, "sys/kernel/iommu_groups/7/devices/serial8250", "../../../../devices/platform/serial8250");
	tree_link(t, "sys/devices/platform/serial8250/subsystem", "../../../bus/platform");
	tree_mkdir(t, "sys/bus/platform");
	tree_printf(t, "sys/kernel/iommu_groups/12/type", "unknown\n");
	tree_printf(t, "sys/kernel/iommu_groups/12/reserved_regions", "");
	tree_printf(t, "sys/kernel/iommu_groups/12/name", "vfio-noiommu\n");
	tree_link(t, "sys/kernel/iommu_groups/12/devices/0000:01:00.2", "../../../../devices/pci0000:00/0000:00:03.0/0000:01:00.2");
	/* a virtio-iommu unit */
	tree_mkdir(t, "sys/devices/pci0000:00/0000:00:02.0/virtio0/iommu/0000:00:02.0/devices");
	tree_link(t, "sys/devices/pci0000:00/0000:00:02.0/virtio0/iommu/0000:00:02.0/devices/0000:00:0e.0", "../../../../../0000:00:0e.0");
	tree_link(t, "sys/class/iommu/0000:00:02.0", "../../devices/pci0000:00/0000:00:02.0/virtio0/iommu/0000:00:02.0");
	tree_printf(t, "proc/cmdline", "BOOT_IMAGE=/vmlinuz intel_iommu=on \"quoted arg=a b\"\n");
	return t;
}

static void loader_corner_cases(void **state)
{
	char *t = corner_tree();
	struct sysroot *sr;
	struct snapshot s;
	struct pci_addr a;
	const struct pci_device *d;
	const struct iommu_group *g;
	(void)state;

	assert_int_equal(sysroot_open(t, &sr), 0);
	snapshot_init(&s);
	assert_int_equal(snapshot_load(sr, SNAP_LOAD_CONFIG, &s), 0);
	assert_int_equal(s.nissues, 0);
	assert_int_equal(s.ndev, 3);
	/* sorted by address: the VMD domain last */
	assert_string_equal(s.dev[0].bdf, "0000:00:0e.0");
	assert_string_equal(s.dev[1].bdf, "0000:01:00.2");
	assert_string_equal(s.dev[2].bdf, "10000:e0:1d.0");
	assert_true(s.dev[2].ident.multifunction);
	assert_int_equal(s.dev[2].config_len, 256);
	/* the VF */
	pci_addr_parse("0000:01:00.2", &a);
	d = snapshot_find_device(&s, &a);
	assert_non_null(d);
	assert_true(d->ident_known);
	assert_int_equal(d->ident.vendor_id, 0x8086);
	assert_int_equal(d->ident.device_id, 0x1889);
	assert_int_equal(d->ident.revision, 1);
	assert_string_equal(d->driver, "iavf");
	assert_int_equal(d->group, 12);
	/* groups */
	assert_int_equal(s.ngrp, 2);
	assert_int_equal(s.grp[0].id, 7);
	g = snapshot_find_group(&s, 7);
	assert_int_equal(g->ndev, 2);
	assert_int_equal(g->other.n, 1);
	assert_string_equal(g->other.v[0], "serial8250");
	assert_string_equal(g->other_bus.v[0], "platform");
	assert_null(g->name); /* served by a unit: `name` not even looked at */
	g = snapshot_find_group(&s, 12);
	assert_string_equal(g->name, "vfio-noiommu");
	assert_true(g->resv_known);
	assert_int_equal(g->nresv, 0);
	/* units */
	assert_int_equal(s.nunit, 1);
	assert_string_equal(s.unit[0].driver, "virtio");
	assert_int_equal(s.dev[0].unit, 0);
	assert_int_equal(s.dev[1].unit, -1);
	assert_string_equal(s.cmdline, "BOOT_IMAGE=/vmlinuz intel_iommu=on \"quoted arg=a b\"");
	assert_false(s.fw_tables_checked); /* a unit exists */
	snapshot_release(&s);
	sysroot_free(sr);
	tree_free(t);
}

/* Under a device tree the host bridge is a platform device: the functions
 * sit below any chain of platform/SoC directories before pciDDDD:BB. */
static void location_below_platform(void **state)
{
	struct snapshot s;
	struct pci_device d[3];
	(void)state;
	snapshot_init(&s);
	memset(d, 0, sizeof(d));
	pci_addr_parse("0000:00:03.0", &d[0].addr);
	pci_addr_parse("0000:01:00.0", &d[1].addr);
	pci_addr_parse("0000:02:00.0", &d[2].addr);
	for (size_t i = 0; i < 3; i++)
		pci_addr_format(&d[i].addr, d[i].bdf);
	s.dev = d;
	s.ndev = 3;
	assert_true(parse_device_location(&s, &d[1], "../../../devices/platform/4010000000.pcie/pci0000:00/0000:00:03.0/0000:01:00.0"));
	assert_int_equal(d[1].parent, 0);
	assert_int_equal(d[1].host_bridge, 0);
	assert_int_equal(d[1].dma_dev, -1);
	assert_string_equal(s.host_bridges.v[0], "pci0000:00");
	assert_true(parse_device_location(&s, &d[0], "../../../devices/platform/soc@0/1c00000.pcie/pci0000:00/0000:00:03.0"));
	assert_int_equal(d[0].parent, -1);
	assert_int_equal(d[0].dma_dev, -1);
	/* past the host bridge only PCI functions; a function never before it */
	assert_false(parse_device_location(&s, &d[2], "../../../devices/platform/x.pcie/pci0000:00/soc/0000:02:00.0"));
	assert_false(parse_device_location(&s, &d[2], "../../../devices/platform/0000:07:00.0/pci0000:00/0000:02:00.0"));
	s.dev = NULL;
	s.ndev = 0;
	snapshot_release(&s);
}

static void loader_missing_sys(void **state)
{
	char *t = tree_new();
	struct sysroot *sr;
	struct snapshot s;
	(void)state;
	assert_int_equal(sysroot_open(t, &sr), 0);
	snapshot_init(&s);
	assert_int_equal(snapshot_load(sr, 0, &s), -ENOENT);
	snapshot_release(&s);
	tree_mkdir(t, "sys");
	assert_int_equal(snapshot_load(sr, 0, &s), 0);
	assert_int_equal(s.pci_devices.err, -ENOENT);
	assert_int_equal(s.iommu_groups.err, -ENOENT);
	assert_int_equal(s.class_iommu.err, -ENOENT);
	/* every kernel has /sys/firmware: without it the firmware's
	 * description is unknown (a warning), not "no ACPI" */
	assert_false(s.fw_tables_checked);
	assert_false(s.fw_acpi);
	assert_int_equal(s.nissues, 1);
	assert_string_equal(s.issues[0].path, "/sys/firmware");
	assert_int_equal(s.issues[0].err, -ENOENT);
	snapshot_release(&s);
	/* there, without acpi/: no ACPI tables, known */
	tree_mkdir(t, "sys/firmware");
	snapshot_init(&s);
	assert_int_equal(snapshot_load(sr, 0, &s), 0);
	assert_true(s.fw_tables_checked);
	assert_false(s.fw_acpi);
	assert_int_equal(s.nissues, 0);
	snapshot_release(&s);
	sysroot_free(sr);
	tree_free(t);
}

static void loader_unreadable(void **state)
{
	char *t = corner_tree(), *p;
	struct sysroot *sr;
	struct snapshot s;
	(void)state;
	/* a directory where a file should be, and a file where a directory should be */
	p = tree_path(t, "sys/kernel/iommu_groups/7/type");
	unlink(p);
	mkdir(p, 0755);
	free(p);
	p = tree_path(t, "sys/kernel/iommu_groups/12/devices");
	tree_free(strdup(p));
	free(p);
	tree_printf(t, "sys/kernel/iommu_groups/12/devices", "not a directory\n");
	assert_int_equal(sysroot_open(t, &sr), 0);
	snapshot_init(&s);
	assert_int_equal(snapshot_load(sr, 0, &s), 0);
	assert_null(snapshot_find_group(&s, 7)->type);
	assert_false(snapshot_find_group(&s, 12)->members_known);
	assert_int_equal(s.nissues, 2);
	assert_int_equal(s.issues[0].err, -EISDIR);
	assert_int_equal(s.issues[1].err, -ENOTDIR);
	snapshot_release(&s);
	sysroot_free(sr);
	tree_free(t);
}

/* AMD's features file: "EFR2:EFR" on 6.1 ("0:29d3" in the q35-amd-pt
 * capture), "EFR:EFR2" on later kernels, one value before 6.0. */
static void amd_features_halves(void **state)
{
	static const struct {
		const char *text;
		uint64_t efr;
	} cases[] = {{"0:29d3\n", 0x29d3}, {"29d3:0\n", 0x29d3}, {"29d3\n", 0x29d3}, {"246577efa2254afa:0", 0x246577efa2254afa},
		     {"5:29d3", 5}, {"c0000000", 0xc0000000}};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[64];
		uint64_t v = 0;
		snprintf(buf, sizeof(buf), "%s", cases[i].text);
		assert_true(parse_register(buf, &v));
		assert_int_equal(v, cases[i].efr);
	}
	{
		char bad[] = "29d3:zz";
		uint64_t v;
		assert_false(parse_register(bad, &v));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(amd_features_halves),
		cmocka_unit_test(resv_parser),
		cmocka_unit_test(text_check),
		cmocka_unit_test(loader_corner_cases),
		cmocka_unit_test(location_below_platform),
		cmocka_unit_test(loader_missing_sys),
		cmocka_unit_test(loader_unreadable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
