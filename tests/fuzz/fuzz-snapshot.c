/* fuzz-snapshot.c - the whole loader: the input is decoded into a small
 * directory tree under a fresh directory in /dev/shm (tmpfs: no disk I/O),
 * snapshot_load(SNAP_LOAD_ALL) reads it through sysroot, the main analyses
 * run over the snapshot (groups and isolation, explain, check-vfio,
 * status, swiotlb), diff compares it with itself and with its predicted
 * groups, and the tree is removed.
 *
 * The directory is made in $IOMMUCTL_FUZZ_TMPDIR when set.
 *
 * Input, a mini-format (tests/fuzz/README.md; tests/fuzz/make-seeds writes
 * it from the fixtures):
 *
 *   input := ["walk\n"] entry*
 *   entry := "f " PATH " " LEN [" " SIZE] "\n" LEN bytes
 *                                   a regular file: the LEN bytes, then
 *                                   zeros up to SIZE bytes (a configuration
 *                                   space is mostly zeros)
 *          | "d " PATH "\n"         a directory
 *          | "l " PATH " " TARGET "\n"
 *                                   a symbolic link to TARGET (any text:
 *                                   absolute, relative, dangling, a loop)
 *
 * "walk" makes sysroot resolve paths in userspace instead of with openat2.
 * PATH is relative to the root ('/' separated, a leading '/' ignored); it
 * holds no space, and an entry whose PATH has an empty, "." or ".."
 * component, or crosses a link or a file, is skipped; missing parents are
 * made.  A line that is no entry is skipped.  LEN is cut to what the input
 * holds; SIZE is at most 1 MiB.  Nothing is written outside the directory:
 * every component is opened without following links. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "sysroot.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ENTRIES 1024
#define MAX_SIZE (1u << 20)

static char *base; /* this process's directory; each input's tree is base/t */

static void remove_base(void)
{
	if (base)
		rmdir(base);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* run-fuzz names a directory it removes afterwards, in case an input
	 * crashes with its tree in place */
	const char *dir = getenv("IOMMUCTL_FUZZ_TMPDIR");
	if (!dir)
		dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	(void)argc;
	(void)argv;
	base = xasprintf("%s/iommuctl-fuzz.XXXXXX", dir);
	if (!mkdtemp(base)) {
		perror("iommuctl fuzz-snapshot: mkdtemp");
		exit(1);
	}
	atexit(remove_base);
	return 0;
}

static bool component_ok(const char *c)
{
	return *c && strcmp(c, ".") != 0 && strcmp(c, "..") != 0;
}

/* Opens the directory that is to hold PATH's last component (made as
 * needed, no link followed), and points *LAST at that component; -1 if the
 * path is refused. */
static int open_parent(int rootfd, char *path, char **last)
{
	int fd = dup(rootfd);
	char *p = path, *slash;

	while (*p == '/')
		p++;
	while (fd >= 0 && (slash = strchr(p, '/'))) {
		int next;
		*slash = '\0';
		if (!component_ok(p)) {
			close(fd);
			return -1;
		}
		mkdirat(fd, p, 0755);
		next = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = next;
		p = slash + 1;
	}
	if (fd >= 0 && !component_ok(p)) {
		close(fd);
		return -1;
	}
	*last = p;
	return fd;
}

static void write_file(int dirfd, const char *name, const uint8_t *content, size_t len, size_t size)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
	struct stat st;
	if (fd < 0)
		return;
	/* an existing FIFO or device node opened for writing: leave it */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		if (len && write(fd, content, len) < 0) {
			/* a full tmpfs: the file is shorter, which is input too */
		}
		if (size > len && ftruncate(fd, (off_t)size) < 0) {
			/* as above */
		}
	}
	close(fd);
}

/* Parses a decimal field of at most 7 digits at *P (in a header line). */
static bool number(const char **p, const char *end, size_t *out)
{
	size_t v = 0, n = 0;
	while (*p < end && **p >= '0' && **p <= '9' && n < 7) {
		v = v * 10 + (size_t)(**p - '0');
		(*p)++;
		n++;
	}
	*out = v;
	return n > 0;
}

/* Writes the tree DATA describes under ROOTFD. */
static void build_tree(int rootfd, const uint8_t *data, size_t size, bool *walk)
{
	const uint8_t *p = data, *end = data + size;
	size_t entries = 0;

	*walk = size >= 5 && memcmp(data, "walk\n", 5) == 0;
	if (*walk)
		p += 5;
	while (p < end && entries < MAX_ENTRIES) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		const char *h = (const char *)p, *hend = nl ? (const char *)nl : (const char *)end;
		const char *sp;
		char kind, *path, *last;
		size_t len = 0, fsize = 0;
		int dirfd;

		p = nl ? nl + 1 : end;
		if (hend - h < 3 || h[1] != ' ' || memchr(h, '\0', (size_t)(hend - h)))
			continue;
		kind = h[0];
		h += 2;
		sp = memchr(h, ' ', (size_t)(hend - h));
		if (kind == 'f') {
			const char *q = sp;
			if (!sp || (q++, !number(&q, hend, &len)))
				continue;
			if (q < hend && *q == ' ') {
				q++;
				number(&q, hend, &fsize);
			}
			if (q != hend)
				continue;
			if (len > (size_t)(end - p))
				len = (size_t)(end - p);
		} else if (kind == 'l') {
			if (!sp)
				continue;
		} else if (kind == 'd') {
			if (!sp)
				sp = hend;
		} else {
			continue;
		}
		entries++;
		path = xstrndup(h, (size_t)(sp - h));
		dirfd = open_parent(rootfd, path, &last);
		if (dirfd >= 0) {
			if (kind == 'f') {
				write_file(dirfd, last, p, len, fsize > MAX_SIZE ? MAX_SIZE : fsize);
			} else if (kind == 'd') {
				mkdirat(dirfd, last, 0755);
			} else {
				char *target = xstrndup(sp + 1, (size_t)(hend - sp - 1));
				symlinkat(target, dirfd, last);
				free(target);
			}
			close(dirfd);
		}
		free(path);
		if (kind == 'f')
			p += len;
	}
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *root = xasprintf("%s/t", base);
	struct sysroot *sr;
	struct snapshot s;
	bool walk;
	int rootfd;

	if (mkdir(root, 0755) < 0 || (rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		perror("iommuctl fuzz-snapshot: cannot make the tree");
		abort();
	}
	build_tree(rootfd, data, size, &walk);
	close(rootfd);

	if (sysroot_open(root, &sr) == 0) {
		sysroot_force_walk(sr, walk);
		snapshot_init(&s);
		if (snapshot_load(sr, SNAP_LOAD_ALL, &s) == 0) {
			struct snapshot as_read;
			fuzz_analyse(&s);
			/* diff: the tree as read against itself (no change), and
			 * against the groups the prediction put in S, both ways */
			snapshot_init(&as_read);
			if (snapshot_load(sr, SNAP_LOAD_ALL, &as_read) == 0) {
				fuzz_diff(&as_read, &as_read, true);
				fuzz_diff(&as_read, &s, false);
				fuzz_diff(&s, &as_read, false);
			}
			snapshot_release(&as_read);
		}
		snapshot_release(&s);
		sysroot_free(sr);
	}
	nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(root);
	return 0;
}
