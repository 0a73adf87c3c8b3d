/* test-names.c - name look-ups through a pinned pci.ids, the numeric mode, a
 * broken database, and the names subset a snapshot carries. */
#include "tree.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "names.h"

static char *test_ids(void)
{
	const char *top = getenv("TOP");
	char *p;
	if (asprintf(&p, "%s/tests/data/pci.ids", top ? top : ".") < 0)
		abort();
	return p;
}

static void pinned_lookups(void **state)
{
	char *ids = test_ids();
	struct names_options o = {.pci_ids = ids, .snapshot_ids_fd = -1, .live = true, .numeric = false};
	struct names *n = names_open(&o);
	(void)state;
	assert_string_equal(names_source(n), "pci.ids");
	assert_string_equal(names_vendor(n, 0x8086), "Intel Corporation");
	assert_string_equal(names_device(n, 0x8086, 0x10d3), "82574L Gigabit Network Connection");
	assert_string_equal(names_class(n, 0x020000), "Ethernet controller");
	/* a sub-class pci.ids does not know: the base class, as lspci says it */
	assert_string_equal(names_class(n, 0x02ee00), "Network controller [02ee]");
	assert_null(names_vendor(n, 0x1234));
	assert_null(names_device(n, 0x8086, 0xfffe));
	/* cached answers are the same pointers */
	assert_ptr_equal(names_vendor(n, 0x8086), names_vendor(n, 0x8086));
	assert_null(names_warning(n));
	names_free(n);
	free(ids);
}

static void numeric_and_missing(void **state)
{
	struct names_options o = {.pci_ids = NULL, .snapshot_ids_fd = -1, .live = false, .numeric = true};
	struct names *n = names_open(&o);
	(void)state;
	assert_string_equal(names_source(n), "none");
	assert_null(names_vendor(n, 0x8086));
	names_free(n);
	o.numeric = false;
	o.pci_ids = "/nonexistent/pci.ids";
	n = names_open(&o);
	assert_null(names_vendor(n, 0x8086));
	names_free(n);
}

static void broken_database(void **state)
{
	char *t = tree_new(), *p = tree_path(t, "pci.ids");
	struct names_options o = {.pci_ids = p, .snapshot_ids_fd = -1, .live = false, .numeric = false};
	struct names *n;
	(void)state;
	tree_printf(t, "pci.ids", "8086  Intel\n\t10d3  NIC\n\t\tnot a subsystem line at all\n");
	n = names_open(&o);
	assert_null(names_vendor(n, 0x8086)); /* unusable: nothing, and a warning */
	assert_non_null(names_warning(n));
	assert_string_equal(names_source(n), "none");
	names_free(n);
	free(p);
	tree_free(t);
}

static void subset_for_snapshots(void **state)
{
	struct snapshot s;
	char *text, *t = tree_new(), *p;
	struct names *n;
	struct names_options o = {.snapshot_ids_fd = -1};
	(void)state;
	snapshot_init(&s);
	s.dev = calloc(3, sizeof(*s.dev));
	s.ndev = 3;
	for (int i = 0; i < 3; i++) {
		s.dev[i].ident_known = s.dev[i].class_known = true;
		s.dev[i].ident.vendor_id = i == 2 ? 0x1af4 : 0x8086;
		s.dev[i].ident.device_id = i == 2 ? 0x1041 : 0x10d3;
		s.dev[i].ident.class_code = 0x020000;
		s.dev[i].vendor_name = i == 2 ? "Red Hat, Inc." : "Intel Corporation";
		s.dev[i].device_name = i == 2 ? NULL : "82574L Gigabit Network Connection";
		s.dev[i].class_name = "Ethernet controller";
	}
	text = names_pci_ids_text(&s);
	assert_true(text[0] == '#');
	assert_non_null(strstr(text, "1af4  Red Hat, Inc.\n8086  Intel Corporation\n\t10d3  82574L Gigabit Network Connection\n"));
	assert_non_null(strstr(text, "C 02  Class 02\n\t00  Ethernet controller\n"));
	/* and libpci reads it back to the same names */
	tree_printf(t, "pci.ids", "%s", text);
	p = tree_path(t, "pci.ids");
	o.pci_ids = p;
	n = names_open(&o);
	assert_string_equal(names_device(n, 0x8086, 0x10d3), "82574L Gigabit Network Connection");
	assert_null(names_device(n, 0x1af4, 0x1041));
	assert_string_equal(names_class(n, 0x020000), "Ethernet controller");
	names_free(n);
	free(p);
	free(text);
	free(s.dev);
	s.dev = NULL;
	s.ndev = 0;
	snapshot_release(&s);
	tree_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pinned_lookups),
		cmocka_unit_test(numeric_and_missing),
		cmocka_unit_test(broken_database),
		cmocka_unit_test(subset_for_snapshots),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
