/* sysroot-archive.h - a snapshot archive (tar, as `iommuctl snapshot
 * FILE.tar[.gz|.xz|.zst]` writes it) loaded into memory, for sysroot's
 * second backend: `--root FILE` reads the tree the archive holds exactly as
 * `--root DIR` reads the extracted directory.
 *
 * Loading refuses what no snapshot holds and what would make a reader
 * leave the tree or run without bound, with a one-line reason: absolute
 * names and `..` components, a link whose target is absolute or climbs
 * out of the tree, hard links, the same name twice, an entry below a
 * non-directory, and past the limits (struct sr_ar_limits: entries, the
 * size of a member, of all members, of the decompressed stream) it stops
 * reading at once.  Only tar formats
 * are read, compressed with gzip, xz, zstd or bzip2 by the library itself
 * (never through an external program).
 *
 * Part of sysroot: nothing outside sysroot.c uses it. */
#ifndef IOMMUCTL_SYSROOT_ARCHIVE_H
#define IOMMUCTL_SYSROOT_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

#define SR_AR_MAX_PATH 4096u

/* How far a load goes.  The defaults (sr_ar_limits_default) hold a
 * snapshot of a host several times the size of a 16k-function SR-IOV host
 * (230,000 entries, 70 MiB of contents, most of them zeros: the trailing
 * zeros of a file are counted, not kept), and keep a hostile archive's
 * cost to about a second and a few hundred MiB. */
struct sr_ar_limits {
	size_t entries;                /* entries, implied directories included */
	size_t member;                 /* bytes of one member */
	unsigned long long total;      /* bytes of all members */
	unsigned long long stream;     /* bytes of the decompressed stream */
};
extern const struct sr_ar_limits sr_ar_limits_default;

struct sr_archive;

enum sr_ar_kind { SR_AR_DIR, SR_AR_FILE, SR_AR_LINK, SR_AR_CHAR, SR_AR_BLOCK, SR_AR_FIFO, SR_AR_SOCK };

/* Loads the archive in the file PATH (or, with sr_archive_load_mem, the LEN
 * bytes at DATA) within LIM (NULL: the defaults).  Returns 0, or a negative
 * errno with *WHY (heap) saying in one line what is wrong: -EINVAL for an
 * archive refused as hostile or broken, -EFBIG past a limit, another
 * -errno when the file cannot be read. */
int sr_archive_load(const char *path, const struct sr_ar_limits *lim, struct sr_archive **out, char **why);
int sr_archive_load_mem(const void *data, size_t len, const struct sr_ar_limits *lim, struct sr_archive **out,
			char **why);
void sr_archive_free(struct sr_archive *a);

/* The entry at the canonical path PATH (LEN bytes, components joined by
 * '/', no '.' or '..'; "" is the root), or -1. */
long sr_archive_find(const struct sr_archive *a, const char *path, size_t len);
enum sr_ar_kind sr_archive_kind(const struct sr_archive *a, long node);
/* A file's size (0 for anything else); its first MAX bytes appended to
 * OUT; a link's target (NUL-terminated; NULL for anything else). */
size_t sr_archive_size(const struct sr_archive *a, long node);
void sr_archive_read(const struct sr_archive *a, long node, size_t max, struct buf *out);
const char *sr_archive_target(const struct sr_archive *a, long node);
/* A device node's numbers. */
void sr_archive_rdev(const struct sr_archive *a, long node, unsigned *major, unsigned *minor);
/* A directory's entries, in name order: the first, then each next (-1 at
 * the end); sr_archive_name gives an entry's last component. */
long sr_archive_first(const struct sr_archive *a, long dir);
long sr_archive_next(const struct sr_archive *a, long node);
const char *sr_archive_name(const struct sr_archive *a, long node);

#endif
