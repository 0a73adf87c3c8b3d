/* sysroot.h - the only module that touches the filesystem.
 *
 * Every path given to these functions is relative to the root chosen with
 * --root (default "/"); a leading '/' is ignored.  Symbolic links, absolute
 * or relative, are resolved as if the root were "/": no path can lead
 * outside it.  The kernel does the resolution when it offers
 * openat2(RESOLVE_IN_ROOT); otherwise (and while recording) a userspace walk
 * does the same, one component at a time.
 *
 * The root is a directory, or a snapshot archive (a tar file, plain or
 * compressed with gzip, xz or zstd): then the archive is read into memory
 * once, refused whole if it is hostile or broken (sysroot-archive.h says
 * what is refused), and every function below answers from it exactly as
 * from the extracted directory.
 *
 * In a captured tree (not the live "/"), a file named SR_EMPTY_MARKER is
 * hidden: `iommuctl snapshot` puts one in each directory it leaves empty,
 * so that the directory survives where empty directories are lost (git).
 *
 * Functions return 0 on success or a negative errno value.  They never print
 * and never exit.
 *
 * Recording: after sysroot_record_begin(), every file read, link read and
 * directory listed is also copied into a destination, mirroring the root:
 * this is how `iommuctl snapshot` captures exactly what iommuctl reads and
 * nothing else.  The destination is a directory, one tar archive, or a tar
 * on standard output (sysroot_record_form). */
#ifndef IOMMUCTL_SYSROOT_H
#define IOMMUCTL_SYSROOT_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct sysroot;

#define SR_EMPTY_MARKER ".iommuctl-empty"

/* Opens ROOT (a directory or a snapshot archive).  Returns 0, or -errno
 * (the root is missing, is neither, or cannot be read; -EINVAL: an archive
 * refused as hostile or broken).  With WHY, *WHY gets a one-line reason
 * (heap) when there is more to say than the errno. */
int sysroot_open(const char *root, struct sysroot **out);
int sysroot_open_why(const char *root, struct sysroot **out, char **why);
/* Opens the snapshot archive in the LEN bytes at DATA (copied in as read)
 * within LIM (NULL: the defaults; sysroot-archive.h), as sysroot_open_why
 * opens a file (the fuzz target of the archive reader). */
struct sr_ar_limits;
int sysroot_open_archive_mem(const void *data, size_t len, const struct sr_ar_limits *lim, struct sysroot **out,
			     char **why);
void sysroot_free(struct sysroot *sr);
/* True if the root is the running system's "/". */
bool sysroot_is_live(const struct sysroot *sr);
/* Forces the userspace resolver even where openat2 exists (tests). */
void sysroot_force_walk(struct sysroot *sr, bool on);

/* What a recording's destination name makes: DEST ending in .tar, .tar.gz,
 * .tar.xz or .tar.zst is one archive of that kind, "-" a plain tar on
 * standard output, anything else a directory. */
enum sr_record_form {
	SR_RECORD_DIR,
	SR_RECORD_TAR,
	SR_RECORD_TAR_GZ,
	SR_RECORD_TAR_XZ,
	SR_RECORD_TAR_ZST,
	SR_RECORD_STDOUT,
};
enum sr_record_form sysroot_record_form(const char *dest);

/* Starts recording into DEST (see sysroot_record_form; "" gives -EINVAL).
 * A directory must not exist or be empty (-ENOTEMPTY, -ENOTDIR otherwise;
 * a link is not a directory); an archive must not exist (-EEXIST; -EISDIR
 * for a directory of that name); standard output must not be a terminal
 * (-ENOTTY).  With REPLACE, DEST may also be a previous snapshot, directory
 * or archive (it holds .iommuctl/info), which the new one replaces; any
 * other existing DEST gives -EEXIST.  A directory or archive is written
 * beside DEST under a temporary name and renamed to DEST by
 * sysroot_record_commit(), so DEST never holds half a snapshot.  Nothing is
 * ever written through a link. */
int sysroot_record_begin(struct sysroot *sr, const char *dest, bool replace);
/* Writes a file that is not a copy (metadata such as ".iommuctl/info") at
 * RELPATH inside the recording. */
void sysroot_record_extra(struct sysroot *sr, const char *relpath, const char *data, size_t len);
/* Writes a symbolic link to TARGET (not a copy: a tree built from other
 * sources, snapshot --from-lspci) at RELPATH inside the recording. */
void sysroot_record_extra_link(struct sysroot *sr, const char *relpath, const char *target);
/* Finishes the recording: 0, or the first error met while writing it, with
 * the path concerned in *path (heap, relative to DEST; "" for the archive
 * itself); on error nothing is left behind (but what a tar on standard
 * output already wrote). */
int sysroot_record_commit(struct sysroot *sr, char **path);
/* Drops the recording and its temporary directory or file. */
void sysroot_record_abort(struct sysroot *sr);

enum sr_read_flags {
	/* The file is a sysfs attribute: one read returns all of it, so a
	 * short read means end of file (saves a system call per file). */
	SR_SINGLE_SHOT = 1u << 0,
	/* Only the first MAX bytes are wanted; a longer file is not an
	 * error. */
	SR_PREFIX = 1u << 1,
};

/* Reads the file at PATH into OUT (replacing its contents; NUL-terminated).
 * At most MAX bytes are accepted: a longer file gives -EFBIG unless
 * SR_PREFIX.  Only regular files are read: in a captured tree a FIFO,
 * socket or device node gives -ENXIO (a directory -EISDIR), never blocks,
 * and a device node is never opened (its mount is copied without device
 * access where root may, else the file is looked at first).  Files whose
 * reading has side effects (rom, vpd, reset, remove, rescan, resourceN...)
 * are refused with -EPERM. */
int sr_read(struct sysroot *sr, const char *path, size_t max, unsigned flags, struct buf *out);

/* Reads the target of the symbolic link PATH (its last component is not
 * followed).  *target is a heap string. */
int sr_readlink(struct sysroot *sr, const char *path, char **target);

struct sr_dirent {
	char *name;
	unsigned char type; /* DT_DIR, DT_LNK, DT_REG, ... (never DT_UNKNOWN) */
};
struct sr_dir {
	struct sr_dirent *ent;
	size_t n;
	size_t cap;
};
void sr_dir_init(struct sr_dir *d);
void sr_dir_release(struct sr_dir *d);
/* Lists the directory PATH ("." and ".." left out) in name order (strcmp),
 * keeping only entries for which KEEP (if not NULL) returns true; only kept
 * entries are recorded. */
int sr_list(struct sysroot *sr, const char *path, bool (*keep)(const char *name), struct sr_dir *out);

/* SR_KIND_UNKNOWN: in a captured tree, a plain file under /dev that is not
 * the placeholder iommuctl snapshot writes for a device node (another tool
 * made the capture): what it stood for was not recorded. */
enum sr_kind { SR_KIND_FILE, SR_KIND_DIR, SR_KIND_CHAR, SR_KIND_BLOCK, SR_KIND_OTHER, SR_KIND_UNKNOWN };
struct sr_node {
	enum sr_kind kind;
	unsigned major, minor; /* device nodes only */
};
/* What PATH is, following links; a missing path gives -ENOENT.
 * Device nodes cannot be copied into a snapshot, so recording writes a plain
 * file holding "char MAJOR:MINOR" (or "block ..."), and such a file under
 * /dev is reported back as the device node it stands for.  Recording keeps
 * an empty directory for a directory and an empty file for a file. */
int sr_kind(struct sysroot *sr, const char *path, struct sr_node *node);

/* A directory opened once, from which paths that cross no link are then
 * opened with one short lookup (a group's files below
 * /sys/kernel/iommu_groups).  Anything else falls back to resolving
 * PATH/REL from the root: the answers are the same, only cheaper. */
struct sr_base {
	int fd;
	char *path;       /* root-relative */
	bool whole_reads; /* its filesystem fills listing buffers (sysroot.c) */
};
/* Returns 0, or -errno if the directory cannot be opened; BASE is usable
 * either way (without an fd every path resolves from the root). */
int sr_base_open(struct sysroot *sr, const char *path, struct sr_base *base);
void sr_base_close(struct sysroot *sr, struct sr_base *base);
/* sr_read and sr_list of REL below BASE (NULL: from the root). */
int sr_read_in(struct sysroot *sr, const struct sr_base *base, const char *rel, size_t max, unsigned flags,
	       struct buf *out);
int sr_list_in(struct sysroot *sr, const struct sr_base *base, const char *rel, bool (*keep)(const char *name),
	       struct sr_dir *out);

/* sr_readlink of NAME below BASE (NULL: from the root). */
int sr_readlink_in(struct sysroot *sr, const struct sr_base *base, const char *name, char **target);

/* Reads an input named on the command line (PATH on the host, not in any
 * root; "-" is standard input) into OUT: at most MAX bytes (-EFBIG past
 * that); a directory gives -EISDIR.  Pipes and terminals are read to their
 * end. */
int sysroot_read_input(const char *path, size_t max, struct buf *out);

/* Closes files kept open to batch their closing (see sysroot.c). */
void sysroot_flush(struct sysroot *sr);

#endif
