/* test-util.c - the string map: keys copied in, found again after the table
 * grew, a second add of a key refused with the first value kept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "util.h"

static void strmap_grows_and_finds(void **state)
{
	struct strmap m;
	char key[32];
	const char *stored, *again;
	size_t v;
	(void)state;
	strmap_init(&m);
	assert_false(strmap_get(&m, "a", 1, &v));
	for (size_t i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "sys/devices/%zu", i);
		assert_true(strmap_add(&m, key, strlen(key), i, &stored));
		assert_string_equal(stored, key);
	}
	assert_int_equal(m.n, 5000);
	for (size_t i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "sys/devices/%zu", i);
		assert_true(strmap_get(&m, key, strlen(key), &v));
		assert_int_equal(v, i);
	}
	/* a prefix is another key; the empty key is one too */
	assert_false(strmap_get(&m, "sys/devices/1", 12, NULL));
	assert_true(strmap_add(&m, "", 0, 7, NULL));
	assert_true(strmap_get(&m, "", 0, &v));
	assert_int_equal(v, 7);
	/* the second add keeps the first value and gives the stored key */
	assert_true(strmap_add(&m, "dup", 3, 1, &stored));
	assert_false(strmap_add(&m, "dup", 3, 2, &again));
	assert_ptr_equal(stored, again);
	assert_true(strmap_get(&m, "dup", 3, &v));
	assert_int_equal(v, 1);
	strmap_release(&m);
	assert_int_equal(m.n, 0);
}

static void path_join(void **state)
{
	struct buf b;
	(void)state;
	buf_init(&b);
	buf_set_path(&b, "", "sys");
	assert_string_equal(b.data, "sys");
	buf_set_path(&b, "sys/bus", "pci");
	assert_string_equal(b.data, "sys/bus/pci");
	assert_int_equal(b.len, 11);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(strmap_grows_and_finds), cmocka_unit_test(path_join)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
