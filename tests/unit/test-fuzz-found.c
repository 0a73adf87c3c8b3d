/* test-fuzz-found.c - what the fuzz targets (tests/fuzz/, make fuzz) found,
 * each as the smallest input that showed it.  Several are caught only by
 * the ASan+UBSan build of this test (build/san/unit/), as the fuzzer caught
 * them. */
#include "tree.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "model.h"

static char *new_tree(void)
{
	char *t = tree_new();
	if (!t)
		abort();
	return t;
}

/* Loads T with everything; the caller releases S. */
static void load_all(const char *t, struct snapshot *s)
{
	struct sysroot *sr;
	assert_int_equal(sysroot_open(t, &sr), 0);
	snapshot_init(s);
	assert_int_equal(snapshot_load(sr, SNAP_LOAD_ALL, s), 0);
	sysroot_free(sr);
}

/* fuzz-snapshot, input "d sys\n": neither /sys/firmware/memmap nor
 * /proc/iomem, so no memory map, whose NULL array went to qsort. */
static void no_memory_map(void **state)
{
	char *t = new_tree();
	struct snapshot s;
	(void)state;
	tree_mkdir(t, "sys");
	load_all(t, &s);
	assert_true(s.dma.loaded);
	assert_int_equal(s.dma.nmemmap, 0);
	assert_null(s.dma.memmap_source);
	assert_true(s.dma.ram_top == 0);
	snapshot_release(&s);
	tree_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_memory_map),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
