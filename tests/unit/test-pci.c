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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bdf_round_trip), cmocka_unit_test(bdf_vmd_domain), cmocka_unit_test(bdf_rejects),
		cmocka_unit_test(bdf_order), cmocka_unit_test(decode_header),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
