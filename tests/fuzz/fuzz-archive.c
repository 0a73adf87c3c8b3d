/* fuzz-archive.c - snapshot archives as roots: the input is a tar
 * (plain, gzip, xz, zstd or bzip2), read by sysroot's archive backend
 * (sysroot-archive.c) within small limits; when it loads, the whole loader
 * (snapshot_load with SNAP_LOAD_ALL) and the main analyses run over it, as
 * `iommuctl --root FILE.tar.zst` would.
 *
 * Seeds (tests/fuzz/make-seeds): fixtures as tar and tar.gz, and a small
 * tar with every kind of entry. */
#include <stdint.h>
#include <stdlib.h>

#include "common.h"
#include "sysroot-archive.h"
#include "sysroot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* small limits: an input is one run, not a second of decompression */
	static const struct sr_ar_limits lim = {
		.entries = 20000,
		.member = 1u << 20,
		.total = 8u << 20,
		.stream = 16u << 20,
	};
	struct sysroot *sr;
	struct snapshot s;
	char *why = NULL;

	if (sysroot_open_archive_mem(data, size, &lim, &sr, &why) == 0) {
		snapshot_init(&s);
		if (snapshot_load(sr, SNAP_LOAD_ALL, &s) == 0)
			fuzz_analyse(&s);
		snapshot_release(&s);
		sysroot_free(sr);
	}
	free(why);
	return 0;
}
