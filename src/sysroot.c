/* sysroot.c - rooted, symlink-safe file access (see sysroot.h).
 *
 * Two resolvers give the same answers:
 *  - openat2(RESOLVE_IN_ROOT): the kernel treats the root fd as "/" for
 *    every component, link and "..": one system call per open.
 *  - a userspace walk, one component at a time with O_NOFOLLOW, splicing
 *    link targets by hand.  Used where openat2 is missing (or blocked by a
 *    seccomp filter) and while recording, because the snapshot must hold
 *    every link crossed on the way.
 *
 * Files read are closed in batches with close_range(): a `groups` run on an
 * SR-IOV host reads tens of thousands of small sysfs files, and a close per
 * file is a large share of the system calls it makes. */
#define _GNU_SOURCE
#include "sysroot.h"

#include <dirent.h>
#include <ftw.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define SR_MAX_LINKS 40
#define SR_CLOSE_BATCH 64
#define SR_LINK_MAX 4096
#define LIST_BUF 32768
/* The largest linux_dirent64: header, a 255-byte name, NUL, padding. */
#define LIST_ENTRY_MAX 280

struct sysroot {
	int rootfd;
	bool live;
	bool inert;          /* device nodes cannot be opened below rootfd */
	bool use_openat2;
	int record_fd;       /* the recording's temporary directory, or -1 */
	char *record_dir;    /* where the recording goes when committed */
	char *record_tmp;    /* the temporary directory beside it */
	bool record_replace; /* DIR holds a snapshot that the new one replaces */
	int record_err;      /* first recording error (negative errno) */
	char *record_errpath;
	int pending[SR_CLOSE_BATCH];
	size_t npending;
};

/* ---- batched closing ------------------------------------------------ */

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

void sysroot_flush(struct sysroot *sr)
{
	size_t i = 0;
	if (!sr->npending)
		return;
	qsort(sr->pending, sr->npending, sizeof(int), cmp_int);
	while (i < sr->npending) {
		size_t j = i;
		while (j + 1 < sr->npending && sr->pending[j + 1] == sr->pending[j] + 1)
			j++;
		/* Only fds this module opened are in the list, so a
		 * contiguous run holds nobody else's descriptor. */
		if (j == i || syscall(SYS_close_range, (unsigned)sr->pending[i], (unsigned)sr->pending[j], 0) != 0)
			for (size_t k = i; k <= j; k++)
				close(sr->pending[k]);
		i = j + 1;
	}
	sr->npending = 0;
}

static void close_later(struct sysroot *sr, int fd)
{
	if (fd < 0)
		return;
	if (sr->npending == SR_CLOSE_BATCH)
		sysroot_flush(sr);
	sr->pending[sr->npending++] = fd;
}

/* ---- setup ---------------------------------------------------------- */

static long sys_openat2(int dirfd, const char *path, int flags, unsigned long long resolve)
{
	struct open_how how;
	memset(&how, 0, sizeof(how));
	how.flags = (unsigned long long)(flags | O_CLOEXEC);
	how.resolve = resolve;
	return syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

/* A captured tree is read through a private, detached copy of its mount
 * (open_tree(2), mount_setattr(2): Linux 5.12, as root) where device nodes
 * cannot be opened and nothing is writable: a node its sender put in the
 * tree is then inert, and files can be opened at once, with no look before
 * (see open_regular).  Returns the copy's fd, or -1 where this cannot be
 * done (the look is made then). */
static int inert_clone(int rootfd)
{
	struct mount_attr attr;
	long fd = syscall(SYS_open_tree, rootfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
	if (fd < 0)
		return -1;
	memset(&attr, 0, sizeof(attr));
	attr.attr_set = MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_RDONLY;
	if (syscall(SYS_mount_setattr, (int)fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0) {
		close((int)fd);
		return -1;
	}
	return (int)fd;
}

int sysroot_open(const char *root, struct sysroot **out)
{
	struct sysroot *sr;
	struct stat st, rootst;
	int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	long probe;

	if (fd < 0)
		return -errno;
	sr = xcalloc(1, sizeof(*sr));
	sr->rootfd = fd;
	sr->record_fd = -1;
	if (fstat(fd, &st) == 0 && stat("/", &rootst) == 0)
		sr->live = st.st_dev == rootst.st_dev && st.st_ino == rootst.st_ino;
	if (!sr->live) {
		int clone = inert_clone(fd);
		if (clone >= 0) {
			close(fd);
			sr->rootfd = clone;
			sr->inert = true;
		}
	}
	fd = sr->rootfd;
	probe = sys_openat2(fd, ".", O_PATH | O_DIRECTORY, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
	if (probe >= 0) {
		sr->use_openat2 = true;
		close((int)probe);
	}
	*out = sr;
	return 0;
}

void sysroot_free(struct sysroot *sr)
{
	if (!sr)
		return;
	sysroot_flush(sr);
	if (sr->record_fd >= 0)
		sysroot_record_abort(sr);
	close(sr->rootfd);
	free(sr->record_errpath);
	free(sr);
}

bool sysroot_is_live(const struct sysroot *sr)
{
	return sr->live;
}

void sysroot_force_walk(struct sysroot *sr, bool on)
{
	if (on)
		sr->use_openat2 = false;
	else {
		long probe = sys_openat2(sr->rootfd, ".", O_PATH | O_DIRECTORY, RESOLVE_IN_ROOT);
		sr->use_openat2 = probe >= 0;
		if (probe >= 0)
			close((int)probe);
	}
}

/* Removes the temporary tree of an abandoned recording (our own files:
 * links are removed, never followed). */
static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* True if DIR holds the metadata `iommuctl snapshot` writes: the only kind
 * of non-empty directory --force may replace, so that a mistyped DIR
 * (a home directory) is never deleted. */
static bool holds_snapshot(const char *dir)
{
	struct stat st;
	char *info = xasprintf("%s/.iommuctl/info", dir);
	bool ok = lstat(info, &st) == 0 && S_ISREG(st.st_mode);
	free(info);
	return ok;
}

int sysroot_record_begin(struct sysroot *sr, const char *dir, bool replace)
{
	struct stat st;
	char *copy = xstrdup(dir), *slash, *parent, *base;

	sr->record_replace = false;
	if (lstat(dir, &st) == 0) {
		DIR *d;
		struct dirent *de;
		bool empty = true;
		if (!S_ISDIR(st.st_mode)) {
			free(copy);
			return -ENOTDIR;
		}
		d = opendir(dir);
		if (!d) {
			int err = -errno;
			free(copy);
			return err;
		}
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				empty = false;
		closedir(d);
		if (!empty && !(replace && holds_snapshot(dir))) {
			free(copy);
			return replace ? -EEXIST : -ENOTEMPTY;
		}
		sr->record_replace = !empty;
	} else if (errno != ENOENT) {
		int err = -errno;
		free(copy);
		return err;
	}
	/* dirname/basename by hand: "a/b/" and "b" both work */
	while (strlen(copy) > 1 && copy[strlen(copy) - 1] == '/')
		copy[strlen(copy) - 1] = '\0';
	slash = strrchr(copy, '/');
	if (slash) {
		*slash = '\0';
		parent = slash == copy ? "/" : copy;
		base = slash + 1;
	} else {
		parent = ".";
		base = copy;
	}
	sr->record_dir = xstrdup(dir);
	sr->record_tmp = xasprintf("%s/.%s.iommuctl-XXXXXX", parent, base);
	free(copy);
	if (!mkdtemp(sr->record_tmp)) {
		int err = -errno;
		free(sr->record_tmp);
		free(sr->record_dir);
		sr->record_tmp = sr->record_dir = NULL;
		return err;
	}
	sr->record_fd = open(sr->record_tmp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sr->record_fd < 0) {
		int err = -errno;
		sysroot_record_abort(sr);
		return err;
	}
	chmod(sr->record_tmp, 0755);
	return 0;
}

void sysroot_record_abort(struct sysroot *sr)
{
	if (sr->record_fd >= 0)
		close(sr->record_fd);
	sr->record_fd = -1;
	if (sr->record_tmp)
		nftw(sr->record_tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(sr->record_tmp);
	free(sr->record_dir);
	sr->record_tmp = sr->record_dir = NULL;
}

/* Puts the finished tree at the recording's DIR.  A previous snapshot
 * there (--force) is swapped out in one step, so DIR always holds a whole
 * snapshot, the old or the new, and is then removed from where the new one
 * was written. */
static int record_install(struct sysroot *sr)
{
	if (!sr->record_replace)
		return rename(sr->record_tmp, sr->record_dir) < 0 ? -errno : 0;
	if (renameat2(AT_FDCWD, sr->record_tmp, AT_FDCWD, sr->record_dir, RENAME_EXCHANGE) < 0) {
		/* no exchange on this filesystem: move the old one aside
		 * first (DIR is missing for a moment) */
		char *aside = xasprintf("%s.old", sr->record_tmp);
		int err = 0;
		if (rename(sr->record_dir, aside) < 0)
			err = -errno;
		else if (rename(sr->record_tmp, sr->record_dir) < 0) {
			err = -errno;
			rename(aside, sr->record_dir);
		} else
			nftw(aside, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
		free(aside);
		return err;
	}
	nftw(sr->record_tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

int sysroot_record_commit(struct sysroot *sr, char **path)
{
	int err = sr->record_err;
	if (path)
		*path = NULL;
	if (sr->record_fd < 0)
		return -EINVAL;
	sysroot_flush(sr);
	if (!err && (err = record_install(sr)) < 0) {
		if (path)
			*path = xstrdup(".");
	} else if (err && path) {
		*path = sr->record_errpath ? xstrdup(sr->record_errpath) : NULL;
	}
	if (err) {
		sysroot_record_abort(sr);
		return err;
	}
	close(sr->record_fd);
	sr->record_fd = -1;
	free(sr->record_tmp);
	free(sr->record_dir);
	sr->record_tmp = sr->record_dir = NULL;
	return 0;
}

/* ---- paths ---------------------------------------------------------- */

static const char *skip_slashes(const char *p)
{
	while (*p == '/')
		p++;
	return p;
}

/* Copies the next component of *p into comp (a buf) and advances *p.
 * Returns false when no component is left. */
static bool next_component(const char **p, struct buf *comp)
{
	const char *s = skip_slashes(*p), *e;
	if (!*s)
		return false;
	e = strchr(s, '/');
	if (!e)
		e = s + strlen(s);
	buf_reset(comp);
	buf_append(comp, s, (size_t)(e - s));
	*p = e;
	return true;
}

/* Files whose reading has side effects or exposes device memory: never
 * read, whatever a caller asks. */
static bool refused_name(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	static const char *const names[] = {"rom", "vpd", "reset", "remove", "rescan", "bind", "unbind", "new_id", "remove_id"};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(base, names[i]) == 0)
			return true;
	if (strncmp(base, "resource", 8) == 0 && base[8] >= '0' && base[8] <= '9')
		return true;
	return false;
}

/* ---- recording -------------------------------------------------------- */

static void record_fail(struct sysroot *sr, int err, const char *path)
{
	if (sr->record_err)
		return;
	sr->record_err = err;
	sr->record_errpath = xstrdup(path);
}

/* Opens (creating as needed) the directory CANON (components joined by '/')
 * inside the record tree, never following a link.  Returns an fd or -errno. */
static int record_dir(struct sysroot *sr, const char *canon)
{
	struct buf comp;
	const char *p = canon;
	int fd = dup(sr->record_fd);
	if (fd < 0)
		return -errno;
	buf_init(&comp);
	while (next_component(&p, &comp)) {
		int nfd;
		if (mkdirat(fd, comp.data, 0755) < 0 && errno != EEXIST) {
			nfd = -errno;
			close(fd);
			fd = nfd;
			break;
		}
		nfd = openat(fd, comp.data, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = nfd < 0 ? -errno : nfd;
		if (fd < 0)
			break;
	}
	buf_release(&comp);
	return fd;
}

static char *join(const char *dir, const char *name)
{
	if (!*dir)
		return xstrdup(name);
	return xasprintf("%s/%s", dir, name);
}

static void record_file(struct sysroot *sr, const char *dir, const char *name, const char *data, size_t len)
{
	int dfd = record_dir(sr, dir), fd;
	char *path = join(dir, name);
	if (dfd < 0) {
		record_fail(sr, dfd, path);
		free(path);
		return;
	}
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		record_fail(sr, -errno, path);
	else {
		size_t off = 0;
		while (off < len) {
			ssize_t n = write(fd, data + off, len - off);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				record_fail(sr, -errno, path);
				break;
			}
			off += (size_t)n;
		}
		if (close(fd) < 0)
			record_fail(sr, -errno, path);
	}
	close(dfd);
	free(path);
}

static void record_link(struct sysroot *sr, const char *dir, const char *name, const char *target)
{
	int dfd = record_dir(sr, dir);
	char *path = join(dir, name);
	if (dfd < 0)
		record_fail(sr, dfd, path);
	else {
		if (symlinkat(target, dfd, name) < 0 && errno != EEXIST)
			record_fail(sr, -errno, path);
		close(dfd);
	}
	free(path);
}

static void record_mkdir(struct sysroot *sr, const char *dir)
{
	int dfd = record_dir(sr, dir);
	if (dfd < 0)
		record_fail(sr, dfd, dir);
	else
		close(dfd);
}

void sysroot_record_extra(struct sysroot *sr, const char *relpath, const char *data, size_t len)
{
	char *dir = xstrdup(skip_slashes(relpath)), *slash = strrchr(dir, '/');
	const char *name = dir;
	if (sr->record_fd < 0) {
		free(dir);
		return;
	}
	if (slash) {
		*slash = '\0';
		name = slash + 1;
	} else {
		dir[0] = '\0';
		name = skip_slashes(relpath);
	}
	record_file(sr, dir, name, data, len);
	free(dir);
}

void sysroot_record_extra_link(struct sysroot *sr, const char *relpath, const char *target)
{
	char *dir = xstrdup(skip_slashes(relpath)), *slash = strrchr(dir, '/');
	if (sr->record_fd >= 0 && slash) {
		*slash = '\0';
		record_link(sr, dir, slash + 1, target);
	} else if (sr->record_fd >= 0) {
		record_link(sr, "", dir, target);
	}
	free(dir);
}

int sysroot_read_input(const char *path, size_t max, struct buf *out)
{
	bool in = strcmp(path, "-") == 0;
	int fd = in ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	int err = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (!in)
			close(fd);
		return -EISDIR;
	}
	if (!in) {
		/* O_NONBLOCK only kept a FIFO's open from waiting */
		int fl = fcntl(fd, F_GETFL);
		if (fl >= 0)
			fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	}
	buf_reset(out);
	for (;;) {
		ssize_t n;
		buf_reserve(out, 65536);
		n = read(fd, out->data + out->len, 65536);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
		out->data[out->len] = '\0';
		if (out->len > max) {
			err = -EFBIG;
			break;
		}
	}
	if (!in)
		close(fd);
	return err;
}

/* ---- the userspace walk ------------------------------------------------ */

/* The result of resolving a path: the directory holding its last component
 * (an fd the caller owns), that component's name, and the canonical,
 * root-relative path of the directory. */
struct walked {
	int dirfd;
	char *name;  /* "." when the path names a directory itself */
	struct buf canon;
};

static void walked_release(struct walked *w)
{
	if (w->dirfd >= 0)
		close(w->dirfd);
	free(w->name);
	buf_release(&w->canon);
}

struct walk_stack {
	int *fd;
	size_t *canon_len; /* canon length before each pushed component */
	size_t n, cap_fd, cap_len;
};

static void stack_pop(struct walk_stack *st, struct buf *canon)
{
	close(st->fd[st->n - 1]);
	canon->len = st->canon_len[st->n - 1];
	canon->data[canon->len] = '\0';
	st->n--;
}

/* Resolves PATH.  If FOLLOW_LAST, a link in the last position is followed
 * too.  Links crossed are recorded when recording. */
static int walk(struct sysroot *sr, const char *path, bool follow_last, struct walked *out)
{
	struct walk_stack st = {0};
	struct buf comp, pending, canon;
	char *target = NULL;
	int links = 0, err = 0;
	const char *p;

	buf_init(&comp);
	buf_init(&pending);
	buf_init(&canon);
	buf_append(&canon, "", 0);
	buf_append(&pending, path, strlen(path));
	target = xmalloc(SR_LINK_MAX);
	out->dirfd = -1;
	out->name = NULL;

	for (;;) {
		int cur = st.n ? st.fd[st.n - 1] : sr->rootfd;
		bool last;
		ssize_t n;

		p = pending.data;
		if (!next_component(&p, &comp)) {
			/* The path named a directory: return it as "." */
			out->dirfd = dup(cur);
			if (out->dirfd < 0)
				err = -errno;
			out->name = xstrdup(".");
			break;
		}
		/* Drop the consumed component from pending. */
		memmove(pending.data, p, strlen(p) + 1);
		pending.len = strlen(pending.data);
		last = *skip_slashes(pending.data) == '\0';

		if (strcmp(comp.data, ".") == 0)
			continue;
		if (strcmp(comp.data, "..") == 0) {
			if (st.n)
				stack_pop(&st, &canon);
			continue;
		}
		if (last && !follow_last) {
			out->dirfd = dup(cur);
			if (out->dirfd < 0)
				err = -errno;
			out->name = xstrdup(comp.data);
			break;
		}
		n = readlinkat(cur, comp.data, target, SR_LINK_MAX);
		if (n >= 0) {
			if (n == SR_LINK_MAX || memchr(target, '\0', (size_t)n)) {
				err = -ENAMETOOLONG;
				break;
			}
			target[n] = '\0';
			if (++links > SR_MAX_LINKS) {
				err = -ELOOP;
				break;
			}
			if (sr->record_fd >= 0)
				record_link(sr, canon.data, comp.data, target);
			/* Splice the target in front of what is left. */
			{
				struct buf np;
				buf_init(&np);
				buf_append(&np, target, (size_t)n);
				buf_append(&np, "/", 1);
				buf_append(&np, pending.data, pending.len);
				buf_release(&pending);
				pending = np;
			}
			if (target[0] == '/')
				while (st.n)
					stack_pop(&st, &canon);
			continue;
		}
		if (errno != EINVAL) {
			if (errno == ENOENT && last) {
				/* Missing last component: let the caller's
				 * operation report it. */
				out->dirfd = dup(cur);
				if (out->dirfd < 0)
					err = -errno;
				out->name = xstrdup(comp.data);
				break;
			}
			err = -errno;
			break;
		}
		if (last) {
			out->dirfd = dup(cur);
			if (out->dirfd < 0)
				err = -errno;
			out->name = xstrdup(comp.data);
			break;
		}
		{
			int nfd = openat(cur, comp.data, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (nfd < 0) {
				err = -errno;
				break;
			}
			xgrow((void **)&st.fd, &st.cap_fd, st.n + 1, sizeof(int));
			xgrow((void **)&st.canon_len, &st.cap_len, st.n + 1, sizeof(size_t));
			st.fd[st.n] = nfd;
			st.canon_len[st.n] = canon.len;
			st.n++;
			if (canon.len)
				buf_append(&canon, "/", 1);
			buf_append(&canon, comp.data, comp.len);
		}
	}
	/* Close the directories; canon keeps the resolved path. */
	for (size_t i = 0; i < st.n; i++)
		close(st.fd[i]);
	free(st.fd);
	free(st.canon_len);
	free(target);
	buf_release(&comp);
	buf_release(&pending);
	if (err) {
		if (out->dirfd >= 0)
			close(out->dirfd);
		free(out->name);
		out->dirfd = -1;
		out->name = NULL;
		buf_release(&canon);
		return err;
	}
	out->canon = canon;
	return 0;
}

/* Opens PATH with FLAGS (the last component followed).  When WALKED is not
 * NULL the walk is used and its result returned there for recording. */
static int open_in_root(struct sysroot *sr, const char *path, int flags, struct walked *walked)
{
	struct walked w;
	int fd, err;

	path = skip_slashes(path);
	if (sr->use_openat2 && !walked) {
		long r;
		int tries = 0;
		do /* EAGAIN: a concurrent rename raced with ".."; retry */
			r = sys_openat2(sr->rootfd, *path ? path : ".", flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
		while (r < 0 && errno == EAGAIN && ++tries < 8);
		if (r >= 0)
			return (int)r;
		if (errno != ENOSYS && errno != EPERM)
			return -errno;
		/* Blocked at run time (seccomp): walk from now on. */
		sr->use_openat2 = false;
	}
	err = walk(sr, path, true, &w);
	if (err)
		return err;
	fd = openat(w.dirfd, w.name, flags | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		fd = -errno;
	if (walked && fd >= 0)
		*walked = w;
	else
		walked_release(&w);
	return fd;
}

/* Opens REL below BASE (or PATH from the root when BASE is NULL).  Below a
 * base, one short lookup that may cross no link and not leave the base;
 * anything else (a link on the way, "..", recording) resolves BASE/REL
 * from the root, so the answer is the same. */
static int open_at(struct sysroot *sr, const struct sr_base *base, const char *rel, int flags, struct walked *walked)
{
	char *full;
	int fd;

	if (!base)
		return open_in_root(sr, rel, flags, walked);
	rel = skip_slashes(rel);
	if (sr->use_openat2 && !walked && base->fd >= 0) {
		long r = sys_openat2(base->fd, *rel ? rel : ".", flags,
				     RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
		if (r >= 0)
			return (int)r;
		if (errno != ELOOP && errno != EXDEV && errno != EAGAIN && errno != ENOSYS && errno != EPERM)
			return -errno;
	}
	full = join(base->path, rel);
	fd = open_in_root(sr, full, flags, walked);
	free(full);
	return fd;
}

/* True if the filesystem of FD lists a directory by filling the caller's
 * buffer until it is full or the listing is over (sysfs and the local
 * filesystems snapshots live on do; FUSE, for one, hands out a page at a
 * time): then a listing that leaves room in the buffer is complete, and the
 * read that would return 0 can be saved. */
static bool fills_buffers(int fd)
{
	struct statfs st;
	if (fstatfs(fd, &st) < 0)
		return false;
	switch ((unsigned long)st.f_type) {
	case SYSFS_MAGIC:
	case TMPFS_MAGIC:
	case EXT4_SUPER_MAGIC:
	case XFS_SUPER_MAGIC:
	case BTRFS_SUPER_MAGIC:
		return true;
	default:
		return false;
	}
}

int sr_base_open(struct sysroot *sr, const char *path, struct sr_base *base)
{
	int fd;
	path = skip_slashes(path);
	base->path = xstrdup(path);
	/* Recording walks every path from the root anyway. */
	fd = sr->record_fd >= 0 ? -1 : open_in_root(sr, path, O_PATH | O_DIRECTORY, NULL);
	base->fd = fd < 0 ? -1 : fd;
	base->whole_reads = fd >= 0 && fills_buffers(fd);
	return fd < 0 && sr->record_fd < 0 ? fd : 0;
}

void sr_base_close(struct sysroot *sr, struct sr_base *base)
{
	close_later(sr, base->fd);
	base->fd = -1;
	free(base->path);
	base->path = NULL;
}

/* ---- public operations ------------------------------------------------- */

int sr_read(struct sysroot *sr, const char *path, size_t max, unsigned flags, struct buf *out)
{
	return sr_read_in(sr, NULL, path, max, flags, out);
}

/* Opens REL for reading, a regular file only.  A captured tree can hold
 * anything its sender put there: a FIFO would block, and opening a device
 * node (a disk of this machine, a watchdog) reads or acts outside the
 * root.  So a captured tree is read below an inert copy of its mount
 * (inert_clone: nodes do not open there, FIFOs are caught by sr_read_in),
 * one open per file as on the live system; where no such copy could be
 * made, each file is looked at (O_PATH) before it is opened, and reopened
 * through /proc/self/fd (the same inode, no second lookup).  The live /sys
 * and /proc hold only the kernel's files: one open there. */
static int open_regular(struct sysroot *sr, const struct sr_base *base, const char *rel, struct walked *walked)
{
	const int flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
	char self[48];
	struct stat st = {0};
	int pfd, fd;

	if (sr->live)
		return open_at(sr, base, rel, flags, walked);
	if (sr->inert) {
		/* a FIFO opens (without blocking) and is caught at its first
		 * read; a device node does not open: say what it is */
		fd = open_at(sr, base, rel, flags, walked);
		if (fd != -EACCES)
			return fd;
		pfd = open_at(sr, base, rel, O_PATH, NULL);
		if (pfd >= 0 && fstat(pfd, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
			fd = -ENXIO;
		if (pfd >= 0)
			close(pfd);
		return fd;
	}
	pfd = open_at(sr, base, rel, O_PATH, walked);
	if (pfd < 0)
		return pfd;
	if (fstat(pfd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int err = !S_ISREG(st.st_mode) ? (S_ISDIR(st.st_mode) ? -EISDIR : -ENXIO) : -errno;
		close(pfd);
		if (walked)
			walked_release(walked);
		return err;
	}
	/* no inert copy: look before opening */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	fd = open(self, flags);
	if (fd < 0 && errno != ENOENT)
		fd = -errno;
	else if (fd < 0) {
		/* no /proc: open by name again, and check it is the same file */
		struct stat again;
		fd = open_at(sr, base, rel, flags, NULL);
		if (fd >= 0 && (fstat(fd, &again) < 0 || again.st_dev != st.st_dev || again.st_ino != st.st_ino)) {
			close(fd);
			fd = -EAGAIN;
		}
	}
	close_later(sr, pfd);
	if (fd < 0 && walked)
		walked_release(walked);
	return fd;
}

int sr_read_in(struct sysroot *sr, const struct sr_base *base, const char *path, size_t max, unsigned flags,
	       struct buf *out)
{
	struct walked w = {.dirfd = -1};
	bool rec = sr->record_fd >= 0;
	int fd, err = 0;

	buf_reset(out);
	if (refused_name(path))
		return -EPERM;
	fd = open_regular(sr, base, path, rec ? &w : NULL);
	if (fd < 0)
		return fd;
	for (;;) {
		size_t room = max - out->len, want = 4096;
		ssize_t n;
		if (room == 0) {
			char c;
			if (flags & SR_PREFIX)
				break;
			n = read(fd, &c, 1);
			if (n > 0)
				err = -EFBIG;
			else if (n < 0)
				err = -errno;
			break;
		}
		if (out->cap > out->len + 1 && out->cap - out->len - 1 > want)
			want = out->cap - out->len - 1;
		if (want > room)
			want = room;
		buf_reserve(out, want);
		n = read(fd, out->data + out->len, want);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
		out->data[out->len] = '\0';
		if ((flags & SR_SINGLE_SHOT) && (size_t)n < want)
			break;
	}
	/* Nothing read from a captured tree: an empty file, or a FIFO (open
	 * without blocking, empty or EAGAIN) that only now shows what it is. */
	if (!sr->live && !out->len && (!err || err == -EAGAIN)) {
		struct stat st;
		if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode))
			err = -ENXIO;
	}
	close_later(sr, fd);
	if (!err && rec) {
		const char *name = strcmp(w.name, ".") ? w.name : "";
		record_file(sr, w.canon.data, name, out->data ? out->data : "", out->len);
	}
	if (rec)
		walked_release(&w);
	if (err)
		buf_reset(out);
	return err;
}

int sr_readlink(struct sysroot *sr, const char *path, char **target)
{
	struct walked w;
	char *buf;
	ssize_t n;
	int err;

	path = skip_slashes(path);
	if (sr->use_openat2 && sr->record_fd < 0) {
		const char *slash = strrchr(path, '/');
		const char *name = slash ? slash + 1 : path;
		char *dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
		int dfd = open_in_root(sr, dir, O_PATH | O_DIRECTORY, NULL);
		free(dir);
		if (dfd < 0)
			return dfd;
		if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
			close_later(sr, dfd);
			return -EINVAL;
		}
		buf = xmalloc(SR_LINK_MAX);
		n = readlinkat(dfd, name, buf, SR_LINK_MAX);
		err = n < 0 ? -errno : 0;
		close_later(sr, dfd);
	} else {
		err = walk(sr, path, false, &w);
		if (err)
			return err;
		buf = xmalloc(SR_LINK_MAX);
		n = readlinkat(w.dirfd, w.name, buf, SR_LINK_MAX);
		err = n < 0 ? -errno : 0;
		if (!err && n < SR_LINK_MAX && sr->record_fd >= 0) {
			buf[n] = '\0';
			record_link(sr, w.canon.data, w.name, buf);
		}
		walked_release(&w);
	}
	if (!err && (n == SR_LINK_MAX || memchr(buf, '\0', (size_t)n)))
		err = -ENAMETOOLONG;
	if (err) {
		free(buf);
		return err;
	}
	buf[n] = '\0';
	*target = buf;
	return 0;
}

int sr_readlink_in(struct sysroot *sr, const struct sr_base *base, const char *name, char **target)
{
	char buf[SR_LINK_MAX], *full;
	ssize_t n;
	int err;

	/* one component below an open base: one readlinkat */
	if (base && base->fd >= 0 && sr->record_fd < 0 && *name && !strchr(name, '/') && strcmp(name, ".") &&
	    strcmp(name, "..")) {
		n = readlinkat(base->fd, name, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		if (n == (ssize_t)sizeof(buf) || memchr(buf, '\0', (size_t)n))
			return -ENAMETOOLONG;
		*target = xstrndup(buf, (size_t)n);
		return 0;
	}
	full = base ? join(base->path, skip_slashes(name)) : xstrdup(name);
	err = sr_readlink(sr, full, target);
	free(full);
	return err;
}

void sr_dir_init(struct sr_dir *d)
{
	d->ent = NULL;
	d->n = 0;
	d->cap = 0;
}

void sr_dir_release(struct sr_dir *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->ent[i].name);
	free(d->ent);
	sr_dir_init(d);
}

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

int sr_list(struct sysroot *sr, const char *path, bool (*keep)(const char *name), struct sr_dir *out)
{
	return sr_list_in(sr, NULL, path, keep, out);
}

int sr_list_in(struct sysroot *sr, const struct sr_base *base, const char *path, bool (*keep)(const char *name),
	       struct sr_dir *out)
{
	struct walked w = {.dirfd = -1};
	bool rec = sr->record_fd >= 0;
	char *dbuf, *canon = NULL;
	int fd, err = 0;

	sr_dir_release(out);
	fd = open_at(sr, base, path, O_RDONLY | O_DIRECTORY | O_NONBLOCK, rec ? &w : NULL);
	if (fd < 0)
		return fd;
	if (rec) {
		canon = strcmp(w.name, ".") ? join(w.canon.data, w.name) : xstrdup(w.canon.data);
		record_mkdir(sr, canon);
	}
	dbuf = xmalloc(LIST_BUF);
	for (;;) {
		long n = syscall(SYS_getdents64, fd, dbuf, LIST_BUF);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		for (long off = 0; off < n;) {
			struct linux_dirent64 *de = (struct linux_dirent64 *)(dbuf + off);
			unsigned char type = de->d_type;
			off += de->d_reclen;
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			if (keep && !keep(de->d_name))
				continue;
			if (type == DT_UNKNOWN) {
				struct stat st;
				if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
					continue; /* vanished while listing */
				type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISLNK(st.st_mode) ? DT_LNK
					: S_ISREG(st.st_mode) ? DT_REG : S_ISCHR(st.st_mode) ? DT_CHR
					: S_ISBLK(st.st_mode) ? DT_BLK : S_ISFIFO(st.st_mode) ? DT_FIFO : DT_SOCK;
			}
			xgrow((void **)&out->ent, &out->cap, out->n + 1, sizeof(*out->ent));
			out->ent[out->n].name = xstrdup(de->d_name);
			out->ent[out->n].type = type;
			out->n++;
			if (rec) {
				if (type == DT_DIR) {
					char *sub = join(canon, de->d_name);
					record_mkdir(sr, sub);
					free(sub);
				} else if (type == DT_LNK) {
					char t[SR_LINK_MAX];
					ssize_t ln = readlinkat(fd, de->d_name, t, sizeof(t) - 1);
					if (ln >= 0) {
						t[ln] = '\0';
						record_link(sr, canon, de->d_name, t);
					}
				}
			}
		}
		/* room for another entry left: the listing is over */
		if (base && base->whole_reads && !rec && (size_t)n + 2 * LIST_ENTRY_MAX <= LIST_BUF)
			break;
	}
	free(dbuf);
	close_later(sr, fd);
	if (rec) {
		free(canon);
		walked_release(&w);
	}
	if (err)
		sr_dir_release(out);
	return err;
}

/* Parses the "char 10:196" placeholder a snapshot holds for a device node. */
static bool parse_node_placeholder(const char *s, struct sr_node *node)
{
	unsigned ma, mi;
	char kind[8], nl;
	if (sscanf(s, "%7s %u:%u%c", kind, &ma, &mi, &nl) != 4 || nl != '\n')
		return false;
	if (strcmp(kind, "char") == 0)
		node->kind = SR_KIND_CHAR;
	else if (strcmp(kind, "block") == 0)
		node->kind = SR_KIND_BLOCK;
	else
		return false;
	node->major = ma;
	node->minor = mi;
	return true;
}

int sr_kind(struct sysroot *sr, const char *path, struct sr_node *node)
{
	struct walked w = {.dirfd = -1};
	bool rec = sr->record_fd >= 0, read_done = false;
	struct stat st;
	int fd = open_in_root(sr, path, O_PATH, rec ? &w : NULL);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		int err = -errno;
		close_later(sr, fd);
		if (rec)
			walked_release(&w);
		return err;
	}
	close_later(sr, fd);
	node->major = node->minor = 0;
	node->kind = S_ISREG(st.st_mode) ? SR_KIND_FILE : S_ISDIR(st.st_mode) ? SR_KIND_DIR
		: S_ISCHR(st.st_mode) ? SR_KIND_CHAR : S_ISBLK(st.st_mode) ? SR_KIND_BLOCK : SR_KIND_OTHER;
	if (node->kind == SR_KIND_CHAR || node->kind == SR_KIND_BLOCK) {
		node->major = major(st.st_rdev);
		node->minor = minor(st.st_rdev);
	} else if (node->kind == SR_KIND_FILE && strncmp(skip_slashes(path), "dev/", 4) == 0 && !sysroot_is_live(sr)) {
		struct buf b;
		buf_init(&b);
		/* (when recording, this read copies the file as it is) */
		if (st.st_size > 0 && st.st_size < 32 && sr_read(sr, path, 32, 0, &b) == 0)
			read_done = !parse_node_placeholder(b.data ? b.data : "", node);
		/* a plain file standing for what another tool did not record */
		if (node->kind == SR_KIND_FILE)
			node->kind = SR_KIND_UNKNOWN;
		buf_release(&b);
	}
	if (rec) {
		const char *name = strcmp(w.name, ".") ? w.name : "";
		if (node->kind == SR_KIND_DIR) {
			char *d = join(w.canon.data, name);
			record_mkdir(sr, d);
			free(d);
		} else if (*name && !read_done) {
			char text[48] = "";
			if (node->kind == SR_KIND_CHAR || node->kind == SR_KIND_BLOCK)
				snprintf(text, sizeof(text), "%s %u:%u\n", node->kind == SR_KIND_CHAR ? "char" : "block",
					 node->major, node->minor);
			record_file(sr, w.canon.data, name, text, strlen(text));
		}
		walked_release(&w);
	}
	return 0;
}
