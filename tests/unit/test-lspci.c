/* test-lspci.c - lspci output into structs (lspci.c), the sysfs tree of a
 * dump (lspci-sysfs.c) and the provenance lines (provenance.c), over text
 * written here: no files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lspci-sysfs.h"
#include "lspci.h"
#include "provenance.h"

static bool parse(const char *text, struct lspci_dump *d, struct lspci_error *e)
{
	return lspci_parse(text, strlen(text), d, e);
}

static const struct lspci_func *func(const struct lspci_dump *d, const char *bdf)
{
	struct pci_addr a;
	assert_true(pci_addr_parse(bdf, &a));
	return lspci_find(d, &a);
}

static const struct sysfs_entry *entry(const struct sysfs_tree *t, const char *path)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->e[i].path, path) == 0)
			return &t->e[i];
	return NULL;
}

/* The first line, old and new, with and without -D and -nn. */
static void header_lines(void **state)
{
	struct lspci_dump d;
	struct lspci_error e;
	const struct lspci_func *f;
	(void)state;
	assert_true(parse("00:1f.2 SATA controller [0106]: Intel Corporation 82801IR/IO/IH (ICH9R/DO/DH) 6 port SATA "
			  "Controller [AHCI mode] [8086:2922] (rev 02) (prog-if 01 [AHCI 1.0])\n"
			  "10000:e1:00.0 Non-Volatile memory controller [0108]: Kingston Technology Company, Inc. NV1 "
			  "[2646:500f] (rev 03) (prog-if 02 [NVM Express])\n"
			  "0000:01:00.0 0200: 8086:10d3\n"
			  "0000:02:00.0 Ethernet controller: Intel Corporation 82574L Gigabit Network Connection\n",
			  &d, &e));
	assert_int_equal(d.n, 4);
	f = func(&d, "0000:00:1f.2");
	assert_non_null(f);
	assert_true(f->ids_known);
	assert_int_equal(f->vendor_id, 0x8086);
	assert_int_equal(f->device_id, 0x2922);
	assert_int_equal(f->class_code, 0x010601);
	assert_int_equal(f->revision, 2);
	assert_string_equal(f->class_name, "SATA controller");
	assert_string_equal(f->device_name, "Intel Corporation 82801IR/IO/IH (ICH9R/DO/DH) 6 port SATA Controller [AHCI mode]");
	f = func(&d, "10000:e1:00.0");
	assert_non_null(f);
	assert_int_equal(f->addr.domain, 0x10000);
	assert_int_equal(f->class_code, 0x010802);
	f = func(&d, "0000:01:00.0");
	assert_true(f->ids_known && f->class_known);
	assert_int_equal(f->class_code, 0x020000);
	f = func(&d, "0000:02:00.0");
	assert_false(f->ids_known);
	assert_false(f->class_known);
	lspci_dump_release(&d);
}

/* A line cut in two by lspci's stderr, as in real dumps. */
static void pcilib_cut(void **state)
{
	struct lspci_dump d;
	struct lspci_error e;
	const struct lspci_func *f;
	(void)state;
	assert_true(parse("0e:00.0 PCI bridge [0604]: Advanced Micro Devices, Inc. [AMD] Device [1022:43f5]\n"
			  "\tIOMMU group: 22\n\n"
			  "0f:pcilib: sysfs_read_vpd: read failed: No such device\n"
			  "00.0 Ethernet controller [0200]: Realtek Semiconductor Co., Ltd. RTL8125 [10ec:8125] (rev 05)\n"
			  "\tIOMMU group: 23\n"
			  "pcilib: sysfs_read_vpd: read failed: No such device\n"
			  "\tKernel driver in use: r8169\n",
			  &d, &e));
	assert_int_equal(d.n, 2);
	assert_int_equal(d.pcilib_lines, 2);
	f = func(&d, "0000:0f:00.0");
	assert_non_null(f);
	assert_int_equal(f->line, 4);
	assert_int_equal(f->group, 23);
	assert_string_equal(f->driver, "r8169");
	lspci_dump_release(&d);
}

/* Capability lines of pciutils 3.5 to today, and the lines below them. */
static void capabilities(void **state)
{
	struct lspci_dump d;
	struct lspci_error e;
	const struct lspci_func *f;
	(void)state;
	assert_true(parse("00:1c.0 PCI bridge [0604]: Intel Corporation Device [8086:a110] (rev f1)\n"
			  "\tBus: primary=00, secondary=02, subordinate=03, sec-latency=0\n"
			  "\tCapabilities: [40] Express (v2) Root Port (Slot+), MSI 00\n"
			  "\t\tDevCap:\tMaxPayload 256 bytes, PhantFunc 0\n"
			  "\t\t\tExtTag- RBE+ FLReset+\n"
			  "\t\tDevCtl:\tCorrErr-\n"
			  "\t\t\tRlxdOrd- FLReset-\n"
			  "\tCapabilities: [80] MSI: Enable+ Count=1/1 Maskable- 64bit-\n"
			  "\tCapabilities: [90] Capability ID 0x15 [0000]\n"
			  "\tCapabilities: [a0] #15 [0000]\n"
			  "\tCapabilities: [100 v1] Null\n"
			  "\tCapabilities: [140 v1] Access Control Services\n"
			  "\t\tACSCap:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-\n"
			  "\t\tACSCtl:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir- UpstreamFwd+ EgressCtrl- DirectTrans-\n"
			  "\tCapabilities: [220 v1] Extended Capability ID 0x2b\n"
			  "\tCapabilities: [a90 v1] Data Link Feature <?>\n"
			  "\tKernel driver in use: pcieport\n",
			  &d, &e));
	f = func(&d, "0000:00:1c.0");
	assert_non_null(f);
	assert_true(f->bus_known);
	assert_int_equal(f->secondary, 2);
	assert_int_equal(f->subordinate, 3);
	assert_int_equal(f->pcie_type, PCIE_TYPE_ROOT_PORT);
	assert_int_equal(f->pcie_version, 2);
	assert_true(f->pcie_slot);
	assert_int_equal(f->flr, LSPCI_YES); /* DevCap's, not DevCtl's */
	assert_int_equal(f->ncaps, 8);
	assert_int_equal(f->caps[2].id, 0x15);
	assert_int_equal(f->caps[3].id, 0x15);
	assert_true(f->caps[4].ext);
	assert_int_equal(f->caps[4].id, 0);
	assert_int_equal(f->caps[6].id, 0x2b);
	assert_int_equal(f->caps[7].id, 0x25);
	assert_true(f->acs_cap_known && f->acs_ctl_known);
	assert_int_equal(f->acs_cap, 0x1d);
	assert_int_equal(f->acs_ctl, 0x15);
	lspci_dump_release(&d);

	assert_int_equal(lspci_cap_id("Express (v2) Endpoint, IntMsgNum 0", false), 0x10);
	assert_int_equal(lspci_cap_id("MSI-X: Enable+ Count=1 Masked-", false), 0x11);
	assert_int_equal(lspci_cap_id("MSI: Enable+ Count=1/1", false), 0x05);
	assert_int_equal(lspci_cap_id("Single Root I/O Virtualization (SR-IOV)", true), 0x10);
	assert_int_equal(lspci_cap_id("Something new", true), -1);
}

/* An ACS line cut short: nothing of it is taken. */
static void acs_incomplete(void **state)
{
	struct lspci_dump d;
	struct lspci_error e;
	(void)state;
	assert_true(parse("00:01.0 PCI bridge [0604]: X [1022:1483]\n"
			  "\tCapabilities: [2a0 v1] Access Control Services\n"
			  "\t\tACSCap:\tSrcValid+ TransBlk+ ReqRedir+\n",
			  &d, &e));
	assert_false(d.f[0].acs_cap_known);
	assert_false(d.f[0].acs_ctl_known);
	lspci_dump_release(&d);
}

/* What is not lspci output, and a dump without root. */
static void refused(void **state)
{
	static const struct {
		const char *text;
		unsigned line;
		int status;
		const char *words;
	} cases[] = {
		{"hello\n", 1, 2, "not lspci output"},
		{"", 0, 2, "no PCI function"},
		{"\tIOMMU group: 3\n", 1, 2, "follows no function"},
		{"00:00.0 Host bridge [0600]: X [8086:29c0]\n\tCapabilities: <access denied>\n", 2, 3, "without root"},
		{"00:00.0 Host bridge [0600]: X [8086:29c0]\n00:00.0 Host bridge [0600]: X [8086:29c0]\n", 2, 2,
		 "a second time"},
		{"00:00.0 Host bridge [0600]: X [8086:29c0]\n\tCapabilities: [zz] Power\n", 2, 2, "offset"},
		{"00:00.0 Host bridge [0600]: X [8086:29c0]\n00: 86 80\n10: 00\n", 3, 2, "hex dump row at 0x10"},
		{"00:00.0 Host bridge [0600]: X [8086:29c0]\n\tIOMMU group: x\n", 2, 2, "not a number"},
		{"00:00.0 Host bridge [0600]: X [8086:29c0]\n\tKernel driver in use: \x1b[31m\n", 2, 2, "not text"},
		{"00:00.0 Host bridge\n", 1, 2, "no class"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lspci_dump d;
		struct lspci_error e;
		assert_false(parse(cases[i].text, &d, &e));
		assert_int_equal(e.line, cases[i].line);
		assert_int_equal(e.status, cases[i].status);
		assert_non_null(strstr(e.message, cases[i].words));
		assert_int_equal(d.n, 0);
		lspci_error_release(&e);
	}
}

/* Names without [vvvv:dddd], from a pci.ids text. */
static void names_looked_up(void **state)
{
	static const char ids[] = "# test\n1b36  Red Hat, Inc.\n\t000c  QEMU PCIe Root port\n"
				  "8086  Intel Corporation\n\t10d3  82574L Gigabit Network Connection\n"
				  "\t10d4  82574L Gigabit Network Connection\n"
				  "C 06  Bridge\n\t04  PCI bridge\nC 02  Network controller\n\t00  Ethernet controller\n";
	struct lspci_dump d;
	struct lspci_error e;
	const struct lspci_func *f;
	(void)state;
	assert_true(parse("00:03.0 PCI bridge: Red Hat, Inc. QEMU PCIe Root port (prog-if 00 [Normal decode])\n"
			  "01:00.0 Ethernet controller: Intel Corporation 82574L Gigabit Network Connection\n"
			  "02:00.0 Ethernet controller: Red Hat, Inc. QEMU PCIe R...\n"
			  "03:00.0 Ethernet controller: Red Hat, Inc. Device 1234\n",
			  &d, &e));
	assert_int_equal(lspci_resolve_names(&d, ids), 1);
	f = func(&d, "0000:00:03.0");
	assert_true(f->ids_known && f->ids_looked_up);
	assert_int_equal(f->device_id, 0x000c);
	assert_int_equal(f->class_code, 0x060400);
	assert_string_equal(f->vendor_name, "Red Hat, Inc.");
	assert_string_equal(f->device_name, "QEMU PCIe Root port");
	/* two devices of that name: no guess */
	assert_false(func(&d, "0000:01:00.0")->ids_known);
	/* a name lspci cut short */
	f = func(&d, "0000:02:00.0");
	assert_true(f->ids_known);
	assert_int_equal(f->device_id, 0x000c);
	f = func(&d, "0000:03:00.0");
	assert_true(f->ids_known);
	assert_int_equal(f->device_id, 0x1234);
	lspci_dump_release(&d);
}

/* A hex dump beside the text of the same machine; and one that is not. */
static void merge_hex(void **state)
{
	struct lspci_dump t, h, x;
	struct lspci_error e;
	const struct lspci_func *f;
	char hex[2048];
	size_t n = 0;
	(void)state;
	n += (size_t)snprintf(hex + n, sizeof(hex) - n, "00:1f.0 0601: 8086:2918 (rev 02)\n");
	for (unsigned row = 0; row < 16; row++)
		n += (size_t)snprintf(hex + n, sizeof(hex) - n, "%02x: %s 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n",
				      row * 16, row == 0 ? "86 80" : "00 00");
	assert_true(parse(hex, &h, &e));
	assert_int_equal(h.f[0].hexlen, 256);
	assert_true(parse("00:1f.0 ISA bridge [0601]: Intel Corporation LPC [8086:2918] (rev 02)\n"
			  "\tIOMMU group: 9\n",
			  &t, &e));
	assert_true(lspci_merge(&t, &h, &e));
	f = func(&t, "0000:00:1f.0");
	assert_int_equal(f->hexlen, 256);
	assert_int_equal(f->group, 9);
	assert_true(f->has_text);
	lspci_dump_release(&t);
	lspci_dump_release(&h);
	assert_true(parse("00:1f.0 ISA bridge [0601]: Intel Corporation LPC [8086:2919]\n", &t, &e));
	assert_true(parse("00:1f.0 0601: 8086:2918\n", &x, &e));
	assert_false(lspci_merge(&t, &x, &e));
	assert_non_null(strstr(e.message, "not the same machine"));
	lspci_error_release(&e);
	lspci_dump_release(&t);
	lspci_dump_release(&x);
}

/* The tree: places, VMD, VFs by their PF's SR-IOV numbers, the
 * multifunction bit, the rebuilt config and the provenance lines. */
static void tree(void **state)
{
	static const char dump[] =
		"0000:00:0e.0 RAID bus controller [0104]: Intel Corporation VMD [8086:467f]\n"
		"\tIOMMU group: 9\n\tKernel driver in use: vmd\n\n"
		"0000:00:1c.0 PCI bridge [0604]: Intel Corporation Port [8086:51bb] (rev 01)\n"
		"\tIOMMU group: 15\n"
		"\tBus: primary=00, secondary=02, subordinate=03, sec-latency=0\n"
		"\tCapabilities: [40] Express (v2) Root Port (Slot+), MSI 00\n"
		"\tCapabilities: [220 v1] Access Control Services\n"
		"\t\tACSCap:\tSrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-\n"
		"\t\tACSCtl:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-\n\n"
		"0000:02:00.0 Ethernet controller [0200]: Intel Corporation NIC [8086:1563]\n"
		"\tIOMMU group: 20\n"
		"\tCapabilities: [a0] Express (v2) Endpoint, MSI 00\n"
		"\tCapabilities: [160 v1] Single Root I/O Virtualization (SR-IOV)\n"
		"\t\tIOVCtl:\tEnable+ Migration- Interrupt- MSE+ ARIHierarchy+\n"
		"\t\tInitial VFs: 64, Total VFs: 64, Number of VFs: 2, Function Dependency Link: 00\n"
		"\t\tVF offset: 256, stride: 2, Device ID: 1565\n\n"
		"0000:02:00.1 Ethernet controller [0200]: Intel Corporation NIC [8086:1563]\n"
		"\tIOMMU group: 21\n"
		"\tCapabilities: [a0] Express (v2) Endpoint, MSI 00\n\n"
		"0000:03:00.0 Ethernet controller [0200]: Intel Corporation VF [8086:1565]\n"
		"\tIOMMU group: 22\n"
		"\tCapabilities: [a0] Express (v2) Endpoint, MSI 00\n\n"
		"10000:e0:06.0 PCI bridge [0604]: Intel Corporation Port [8086:464d]\n"
		"\tIOMMU group: 9\n"
		"\tBus: primary=e0, secondary=e1, subordinate=e1, sec-latency=0\n"
		"\tCapabilities: [40] Express (v2) Root Port (Slot+), MSI 00\n";
	struct lspci_dump d;
	struct lspci_error e;
	struct sysfs_tree t;
	const struct sysfs_entry *en;
	(void)state;
	assert_true(parse(dump, &d, &e));
	assert_true(lspci_sysfs_build(&d, "test", &t, &e));
	assert_int_equal(t.functions, 6);
	assert_int_equal(t.groups, 5);
	en = entry(&t, "sys/bus/pci/devices/0000:02:00.0");
	assert_non_null(en);
	assert_true(en->link);
	assert_string_equal(en->data, "../../../devices/pci0000:00/0000:00:1c.0/0000:02:00.0");
	/* the VF (03:00.0 = 0x0200 + 256, on a bus no bridge leads to) sits beside its PF, below 00:1c.0 */
	en = entry(&t, "sys/bus/pci/devices/0000:03:00.0");
	assert_string_equal(en->data, "../../../devices/pci0000:00/0000:00:1c.0/0000:03:00.0");
	en = entry(&t, "sys/devices/pci0000:00/0000:00:1c.0/0000:03:00.0/config");
	assert_non_null(en);
	assert_int_equal((unsigned char)en->data[0], 0xff); /* a VF's id registers */
	en = entry(&t, "sys/devices/pci0000:00/0000:00:1c.0/0000:03:00.0/uevent");
	assert_non_null(strstr(en->data, "PCI_ID=8086:1565"));
	/* the VMD's domain below it */
	en = entry(&t, "sys/bus/pci/devices/10000:e0:06.0");
	assert_string_equal(en->data, "../../../devices/pci0000:00/0000:00:0e.0/pci10000:e0/10000:e0:06.0");
	/* the PF: function 0 of a slot with 02:00.1 listed: multifunction */
	en = entry(&t, "sys/devices/pci0000:00/0000:00:1c.0/0000:02:00.0/config");
	assert_int_equal(en->len, 4096);
	assert_int_equal((unsigned char)en->data[0x0e], 0x80);
	/* the root port: ACS at 0x220 behind a Null header at 0x100 */
	en = entry(&t, "sys/devices/pci0000:00/0000:00:1c.0/config");
	assert_int_equal((unsigned char)en->data[0x220], 0x0d);
	assert_int_equal((unsigned char)en->data[0x226], 0x1d);
	assert_int_equal((unsigned char)en->data[0x102] >> 4 | (unsigned char)en->data[0x103] << 4, 0x220);
	assert_int_equal((unsigned char)en->data[0x19], 0x02);
	assert_int_equal((unsigned char)en->data[0x42] >> 4, PCIE_TYPE_ROOT_PORT);
	en = entry(&t, "sys/kernel/iommu_groups/22/devices/0000:03:00.0");
	assert_non_null(en);
	en = entry(&t, "sys/bus/pci/drivers/vmd/0000:00:0e.0");
	assert_non_null(en);
	en = entry(&t, PROVENANCE_FILE);
	assert_non_null(strstr(en->data, "0000:03:00.0\tvirtfn\tsynthesised\tVF 1 of 0000:02:00.0"));
	assert_non_null(strstr(en->data, "0000:02:00.0\tmultifunction\tsynthesised"));
	assert_non_null(strstr(en->data, "*\tgroup_types\tunknown"));
	sysfs_tree_release(&t);
	lspci_dump_release(&d);
}

/* A bus no bridge in the dump leads to: its place is unknown. */
static void unplaced(void **state)
{
	struct lspci_dump d;
	struct lspci_error e;
	struct sysfs_tree t;
	const struct sysfs_entry *en;
	(void)state;
	assert_true(parse("00:1c.0 PCI bridge [0604]: X [8086:51bb]\n"
			  "\tBus: primary=00, secondary=02, subordinate=05, sec-latency=0\n"
			  "\tCapabilities: [40] Express (v2) Root Port (Slot+), MSI 00\n\n"
			  "04:00.0 Ethernet controller [0200]: X [8086:1563]\n"
			  "\tCapabilities: [a0] Express (v2) Endpoint, MSI 00\n",
			  &d, &e));
	assert_true(lspci_sysfs_build(&d, "test", &t, &e));
	en = entry(&t, PROVENANCE_FILE);
	assert_non_null(strstr(en->data, "0000:04:00.0\tplacement\tunknown\tbus 04 lies behind 0000:00:1c.0"));
	sysfs_tree_release(&t);
	lspci_dump_release(&d);
}

/* Intel PCH root ports keep ACS Control in a dword at +8 that lspci does
 * not show: set as the kernel's enable quirk sets it when the dump shows an
 * IOMMU at work (groups), else off; either way said to be synthesised. */
static void spt_acs(void **state)
{
	static const char port[] = "00:1c.0 PCI bridge [0604]: Intel Corporation Port [8086:a110] (rev f1)\n"
				   "\tBus: primary=00, secondary=01, subordinate=01, sec-latency=0\n"
				   "\tCapabilities: [40] Express (v2) Root Port (Slot+), MSI 00\n"
				   "\tCapabilities: [140 v1] Access Control Services\n"
				   "\t\tACSCap:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-\n"
				   "\t\tACSCtl:\tSrcValid- TransBlk- ReqRedir- CmpltRedir- UpstreamFwd- EgressCtrl- DirectTrans-\n";
	for (int groups = 0; groups < 2; groups++) {
		struct lspci_dump d;
		struct lspci_error e;
		struct sysfs_tree t;
		const struct sysfs_entry *en;
		char *text = groups ? xasprintf("%s\tIOMMU group: 7\n", port) : xstrdup(port);
		(void)state;
		assert_true(parse(text, &d, &e));
		assert_true(lspci_sysfs_build(&d, "test", &t, &e));
		en = entry(&t, "sys/devices/pci0000:00/0000:00:1c.0/config");
		assert_non_null(en);
		assert_int_equal((unsigned char)en->data[0x148], groups ? 0x1d : 0);
		en = entry(&t, PROVENANCE_FILE);
		assert_non_null(strstr(en->data, "0000:00:1c.0\tacs\tsynthesised\tan Intel PCH root port"));
		sysfs_tree_release(&t);
		lspci_dump_release(&d);
		free(text);
	}
}

static void provenance_lines(void **state)
{
	struct buf b;
	struct prov_line pl;
	bool bad;
	(void)state;
	buf_init(&b);
	prov_append(&b, "0000:00:1f.0", PROV_MULTIFUNCTION, PROV_SYNTHESISED, "a\ttab");
	assert_string_equal(b.data, "0000:00:1f.0\tmultifunction\tsynthesised\ta tab\n");
	b.data[b.len - 1] = '\0';
	assert_true(prov_parse_line(b.data, &pl, &bad));
	assert_string_equal(pl.function, "0000:00:1f.0");
	assert_int_equal(pl.fact, PROV_MULTIFUNCTION);
	assert_int_equal(pl.source, PROV_SYNTHESISED);
	assert_string_equal(pl.detail, "a tab");
	free(pl.detail);
	assert_true(prov_parse_line("*\tcmdline\tunknown", &pl, &bad));
	assert_string_equal(pl.function, "");
	assert_false(prov_parse_line("# comment", &pl, &bad));
	assert_false(bad);
	assert_false(prov_parse_line("0000:00:1f.0\tcolour\tread", &pl, &bad));
	assert_true(bad);
	assert_false(prov_parse_line("00:1f.0\tids\tread", &pl, &bad));
	assert_true(bad);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(header_lines), cmocka_unit_test(pcilib_cut),	  cmocka_unit_test(capabilities),
		cmocka_unit_test(acs_incomplete), cmocka_unit_test(refused),	  cmocka_unit_test(names_looked_up),
		cmocka_unit_test(merge_hex),	cmocka_unit_test(tree),		  cmocka_unit_test(unplaced),
		cmocka_unit_test(spt_acs),	cmocka_unit_test(provenance_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
