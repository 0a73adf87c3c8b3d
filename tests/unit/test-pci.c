/* test-pci.c - PCI address parsing and configuration-header decoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "pci.h"

static void bdf_round_trip(void **state)
{
	static const char *const good[] = {"0000:00:00.0", "0000:ff:1f.7", "10000:e0:00.0", "ffffffff:01:02.3"};
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct pci_addr a;
		char out[PCI_BDF_MAX];
		assert_true(pci_addr_parse(good[i], &a));
		pci_addr_format(&a, out);
		assert_string_equal(out, good[i]);
	}
}

static void bdf_vmd_domain(void **state)
{
	struct pci_addr a;
	(void)state;
	assert_true(pci_addr_parse("10000:e0:1d.4", &a));
	assert_int_equal(a.domain, 0x10000);
	assert_int_equal(a.bus, 0xe0);
	assert_int_equal(a.dev, 0x1d);
	assert_int_equal(a.fn, 4);
}

static void bdf_rejects(void **state)
{
	static const char *const bad[] = {"", "0000:00:00", "000:00:00.0", "0000:00:20.0", "0000:00:00.8",
					  "0000:0:00.0", "0000:00:00.0x", "100000000:00:00.0", "0000:00:00.00",
					  " 0000:00:00.0", "0000-00:00.0", "serial8250", "0000:00:00.-1"};
	struct pci_addr a;
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(pci_addr_parse(bad[i], &a));
}

static void bdf_order(void **state)
{
	struct pci_addr a, b;
	(void)state;
	pci_addr_parse("0000:01:00.0", &a);
	pci_addr_parse("0000:00:1f.7", &b);
	assert_true(pci_addr_cmp(&a, &b) > 0);
	pci_addr_parse("10000:00:00.0", &b);
	assert_true(pci_addr_cmp(&a, &b) < 0);
	assert_int_equal(pci_addr_cmp(&a, &a), 0);
}

static void decode_header(void **state)
{
	unsigned char c[64] = {0x86, 0x80, 0xd3, 0x10, 0, 0, 0, 0, 0x02, 0x01, 0x00, 0x02, 0, 0, 0x80, 0};
	struct pci_ident id;
	(void)state;
	c[0x2c] = 0x86;
	c[0x2d] = 0x80;
	c[0x2e] = 0x34;
	c[0x2f] = 0x12;
	assert_true(pci_decode_ident(c, sizeof(c), &id));
	assert_int_equal(id.vendor_id, 0x8086);
	assert_int_equal(id.device_id, 0x10d3);
	assert_int_equal(id.revision, 2);
	assert_int_equal(id.class_code, 0x020001);
	assert_true(id.multifunction);
	assert_int_equal(id.header_type, 0);
	assert_true(id.has_subsys);
	assert_int_equal(id.subsys_device_id, 0x1234);
	/* a bridge has no subsystem ids in its header */
	c[14] = 0x01;
	assert_true(pci_decode_ident(c, sizeof(c), &id));
	assert_false(id.has_subsys);
	/* too short, or all ones */
	assert_false(pci_decode_ident(c, 63, &id));
	memset(c, 0xff, 4);
	assert_false(pci_decode_ident(c, sizeof(c), &id));
}

/* The ACS capability's dwords are kept (the Sunrise Point quirk reads its
 * control at +8), but only when the read reaches them. */
static void caps_acs_dwords(void **state)
{
	static unsigned char c[4096];
	struct pci_caps caps;
	(void)state;
	memset(c, 0, sizeof(c));
	c[0x06] = 0x10; /* capability list */
	c[0x34] = 0x40;
	c[0x40] = PCI_CAP_ID_EXP;
	c[0x42] = PCIE_TYPE_ROOT_PORT << 4;
	c[0x100] = PCI_EXT_CAP_ACS; /* header: ACS, version 1, next 0 */
	c[0x102] = 0x01;
	c[0x104] = 0x5f;             /* capability */
	c[0x106] = 0x1d;             /* control (word at +6) */
	c[0x108] = 0x1d;             /* the dword at +8 */
	pci_parse_caps(c, sizeof(c), &caps);
	assert_true(caps.known);
	assert_int_equal(caps.pcie_type, PCIE_TYPE_ROOT_PORT);
	assert_int_equal(caps.acs_off, 0x100);
	assert_int_equal(caps.acs_cap, 0x5f);
	assert_int_equal(caps.acs_ctl, 0x1d);
	assert_true(caps.acs_dwords);
	assert_int_equal(caps.acs_dword4, 0x1d005f);
	assert_int_equal(caps.acs_dword8, 0x1d);
	/* a space that ends before +12 has the capability, not the dwords */
	pci_parse_caps(c, 0x108, &caps);
	assert_int_equal(caps.acs_off, 0x100);
	assert_false(caps.acs_dwords);
}

/* lspci's -s: empty fields and "*" match anything; each -s sets only what
 * it gives */
static void select_slot(void **state)
{
	struct pci_select f;
	struct pci_addr a = {0, 5, 0x1f, 3}, b = {1, 5, 0x1f, 3};
	(void)state;
	pci_select_init(&f);
	assert_null(pci_select_parse_slot(&f, "1f.3"));
	assert_int_equal(f.domain, -1);
	assert_int_equal(f.bus, -1);
	assert_int_equal(f.slot, 0x1f);
	assert_int_equal(f.func, 3);
	assert_true(pci_select_match(&f, &a, NULL));
	assert_true(pci_select_match(&f, &b, NULL));
	assert_null(pci_select_parse_slot(&f, "0000:05:"));
	assert_int_equal(f.domain, 0);
	assert_int_equal(f.bus, 5);
	assert_int_equal(f.slot, 0x1f); /* kept from the first -s */
	assert_true(pci_select_match(&f, &a, NULL));
	assert_false(pci_select_match(&f, &b, NULL));
	pci_select_init(&f);
	assert_null(pci_select_parse_slot(&f, "*:*.*"));
	assert_int_equal(f.bus, -1);
	assert_int_equal(f.slot, -1);
	assert_int_equal(f.func, -1);
	assert_null(pci_select_parse_slot(&f, "0:0:0.0"));
	assert_int_equal(f.domain, 0);
	assert_int_equal(f.func, 0);
}

static void select_slot_refused(void **state)
{
	static const char *const bad[] = {"100:", "20", "0.8", "zz", "1.2.3", "1:2:3:4", "80000000:0:0.0", ""};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pci_select f;
		pci_select_init(&f);
		if (!bad[i][0])
			assert_null(pci_select_parse_slot(&f, bad[i])); /* lspci -s '' selects everything */
		else
			assert_non_null(pci_select_parse_slot(&f, bad[i]));
		assert_int_equal(f.bus, -1); /* a refused -s sets nothing */
	}
}

/* lspci's -d: vendor, device, class (with "x" digits) and prog-if */
static void select_id(void **state)
{
	struct pci_select f;
	struct pci_addr a = {0, 1, 0, 0};
	struct pci_ident nic = {.vendor_id = 0x8086, .device_id = 0x10d3, .class_code = 0x020000};
	struct pci_ident xhci = {.vendor_id = 0x1b36, .device_id = 0x000d, .class_code = 0x0c0330};
	(void)state;
	pci_select_init(&f);
	assert_null(pci_select_parse_id(&f, "::0200"));
	assert_true(pci_select_match(&f, &a, &nic));
	assert_false(pci_select_match(&f, &a, &xhci));
	assert_false(pci_select_match(&f, &a, NULL)); /* unknown ids match no id filter */
	pci_select_init(&f);
	assert_null(pci_select_parse_id(&f, "::0cxx:30"));
	assert_true(pci_select_match(&f, &a, &xhci));
	assert_false(pci_select_match(&f, &a, &nic));
	pci_select_init(&f);
	assert_null(pci_select_parse_id(&f, "8086:"));
	assert_true(pci_select_match(&f, &a, &nic));
	assert_false(pci_select_match(&f, &a, &xhci));
	assert_non_null(pci_select_parse_id(&f, "8086"));
	assert_non_null(pci_select_parse_id(&f, "10000:"));
	assert_non_null(pci_select_parse_id(&f, "::1x0000"));
	assert_non_null(pci_select_parse_id(&f, "1:2:3:4:5"));
	assert_non_null(pci_select_parse_id(&f, ":::100"));
}

/* an operand: lspci's -s with bus, slot and function given */
static void bdf_lenient(void **state)
{
	struct pci_addr a;
	(void)state;
	assert_true(pci_addr_parse_lenient("8:0.0", &a));
	assert_int_equal(a.domain, 0);
	assert_int_equal(a.bus, 8);
	assert_true(pci_addr_parse_lenient("0000:08:00.0", &a));
	assert_int_equal(a.bus, 8);
	assert_true(pci_addr_parse_lenient("10000:e0:1d.4", &a));
	assert_int_equal(a.domain, 0x10000);
	assert_int_equal(a.dev, 0x1d);
	assert_int_equal(a.fn, 4);
	assert_false(pci_addr_parse_lenient("1f.3", &a));
	assert_false(pci_addr_parse_lenient("08:00", &a));
	assert_false(pci_addr_parse_lenient("08:*.0", &a));
	assert_false(pci_addr_parse_lenient("08:00.", &a));
	assert_false(pci_addr_parse_lenient("01:00.9", &a));
	assert_false(pci_addr_parse_lenient("16", &a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bdf_round_trip), cmocka_unit_test(bdf_vmd_domain), cmocka_unit_test(bdf_rejects),
		cmocka_unit_test(bdf_order), cmocka_unit_test(decode_header), cmocka_unit_test(caps_acs_dwords),
		cmocka_unit_test(select_slot),
		cmocka_unit_test(select_slot_refused), cmocka_unit_test(select_id), cmocka_unit_test(bdf_lenient),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
