/* fuzz-resv-regions.c - a group's reserved_regions (parse_resv_regions in
 * src/model.c), as iommu_group_show_resv_regions() prints it and as it
 * must not be trusted to be.
 *
 * Input: the bytes of the file (an embedded NUL ends it, as sr_read's
 * string does). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size);
	struct resv_region *r;
	struct snapshot s;
	size_t n;
	bool ok;

	snapshot_init(&s);
	ok = parse_resv_regions(&s, "/sys/kernel/iommu_groups/0/reserved_regions", text, &r, &n);
	/* what the parser promises: ordered ranges with a type, and an issue
	 * for every line it refused */
	for (size_t i = 0; i < n; i++) {
		if (r[i].start > r[i].end || !r[i].type || !*r[i].type)
			abort();
		free(r[i].type);
	}
	if (ok != (s.nissues == 0))
		abort();
	free(r);
	snapshot_release(&s);
	free(text);
	return 0;
}
