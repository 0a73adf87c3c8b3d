/* sysroot.c - rooted, symlink-safe file access (see sysroot.h).
 *
 * Two backends give the same answers:
 *  - a directory (the live "/" or a captured tree), read through one of two
 *    resolvers:
 *     - openat2(RESOLVE_IN_ROOT): the kernel treats the root fd as "/" for
 *       every component, link and "..": one system call per open.
 *     - a userspace walk, one component at a time, splicing link targets by
 *       hand.  Used where openat2 is missing (or blocked by a seccomp
 *       filter) and while recording, because the snapshot must hold every
 *       link crossed on the way.  It remembers what each path it met is (a
 *       link and its target, or not) and keeps the directories it used last
 *       open, so that a component costs a system call once.
 *  - a snapshot archive loaded into memory (sysroot-archive.c), walked by
 *    the same userspace walk over its entries.
 *
 * Files read are closed in batches with close_range(): a `groups` run on an
 * SR-IOV host reads tens of thousands of small sysfs files, and a close per
 * file is a large share of the system calls it makes. */
#define _GNU_SOURCE
#include "sysroot.h"

#include <dirent.h>
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

#include "sysroot-archive.h"
#include "sysroot-record.h"

#define SR_MAX_LINKS 40
#define SR_CLOSE_BATCH 64
#define SR_LINK_MAX 4096
#define SR_DIR_CACHE 16
/* the most of one file a recording copies (an archive member's limit) */
#define SR_RECORD_MAX (16u << 20)
#define LIST_BUF 32768
/* The largest linux_dirent64: header, a 255-byte name, NUL, padding. */
#define LIST_ENTRY_MAX 280

struct sysroot {
	int rootfd;              /* -1 for an archive */
	struct sr_archive *ar;   /* the archive backend, or NULL */
	bool live;
	bool inert;              /* device nodes cannot be opened below rootfd */
	bool use_openat2;
	struct sr_recorder *rec; /* recording, or NULL */
	/* the walk's memory: canonical path -> index into seen_target (the
	 * target of a link, NULL for anything else) */
	struct strmap seen;
	char **seen_target;
	size_t nseen, cap_seen;
	/* the directories the walk used last */
	struct {
		char *path;
		int fd;
		unsigned long used;
	} dirs[SR_DIR_CACHE];
	unsigned long clock;
	/* the directory part of the last path walked, as given, and where it
	 * led: a path in the same directory (a function's attributes, one
	 * after the other) is walked from there */
	struct buf last_in, last_out;
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

static struct sysroot *sysroot_new(void)
{
	struct sysroot *sr = xcalloc(1, sizeof(*sr));
	sr->rootfd = -1;
	strmap_init(&sr->seen);
	for (size_t i = 0; i < SR_DIR_CACHE; i++)
		sr->dirs[i].fd = -1;
	buf_init(&sr->last_in);
	buf_init(&sr->last_out);
	return sr;
}

int sysroot_open_why(const char *root, struct sysroot **out, char **why)
{
	struct sysroot *sr;
	struct stat st, rootst;
	int fd;
	long probe;

	if (why)
		*why = NULL;
	if (stat(root, &st) == 0 && S_ISREG(st.st_mode)) {
		struct sr_archive *a;
		int err = sr_archive_load(root, NULL, &a, why);
		if (err)
			return err;
		sr = sysroot_new();
		sr->ar = a;
		*out = sr;
		return 0;
	}
	fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	sr = sysroot_new();
	sr->rootfd = fd;
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

int sysroot_open_archive_mem(const void *data, size_t len, const struct sr_ar_limits *lim, struct sysroot **out,
			     char **why)
{
	struct sr_archive *a;
	int err = sr_archive_load_mem(data, len, lim, &a, why);
	if (err)
		return err;
	*out = sysroot_new();
	(*out)->ar = a;
	return 0;
}

int sysroot_open(const char *root, struct sysroot **out)
{
	return sysroot_open_why(root, out, NULL);
}

static void forget_walk(struct sysroot *sr)
{
	for (size_t i = 0; i < sr->nseen; i++)
		free(sr->seen_target[i]);
	free(sr->seen_target);
	sr->seen_target = NULL;
	sr->nseen = sr->cap_seen = 0;
	strmap_release(&sr->seen);
	buf_release(&sr->last_in);
	buf_release(&sr->last_out);
	for (size_t i = 0; i < SR_DIR_CACHE; i++) {
		if (sr->dirs[i].fd >= 0)
			close(sr->dirs[i].fd);
		free(sr->dirs[i].path);
		sr->dirs[i].fd = -1;
		sr->dirs[i].path = NULL;
		sr->dirs[i].used = 0;
	}
}

void sysroot_free(struct sysroot *sr)
{
	if (!sr)
		return;
	sysroot_flush(sr);
	if (sr->rec)
		sysroot_record_abort(sr);
	forget_walk(sr);
	if (sr->rootfd >= 0)
		close(sr->rootfd);
	sr_archive_free(sr->ar);
	free(sr);
}

bool sysroot_is_live(const struct sysroot *sr)
{
	return sr->live;
}

void sysroot_force_walk(struct sysroot *sr, bool on)
{
	if (sr->ar)
		return;
	if (on)
		sr->use_openat2 = false;
	else {
		long probe = sys_openat2(sr->rootfd, ".", O_PATH | O_DIRECTORY, RESOLVE_IN_ROOT);
		sr->use_openat2 = probe >= 0;
		if (probe >= 0)
			close((int)probe);
	}
}

/* ---- recording ------------------------------------------------------ */

int sysroot_record_begin(struct sysroot *sr, const char *dest, bool replace)
{
	if (sr->rec)
		return -EBUSY;
	/* every link crossed from now on is recorded: no walk starts half way */
	buf_reset(&sr->last_in);
	return sr_recorder_begin(dest, replace, &sr->rec);
}

void sysroot_record_abort(struct sysroot *sr)
{
	sr_recorder_abort(sr->rec);
	sr->rec = NULL;
}

int sysroot_record_commit(struct sysroot *sr, char **path)
{
	struct sr_recorder *r = sr->rec;
	if (path)
		*path = NULL;
	if (!r)
		return -EINVAL;
	sysroot_flush(sr);
	sr->rec = NULL;
	return sr_recorder_commit(r, path);
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

static char *join(const char *dir, const char *name)
{
	if (!*dir)
		return xstrdup(name);
	return xasprintf("%s/%s", dir, name);
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

/* The marker of an empty directory, in a captured tree: not there. */
static bool hidden_name(const struct sysroot *sr, const char *path)
{
	const char *base;
	size_t n = strlen(path);
	while (n && path[n - 1] == '/')
		n--;
	base = path + n;
	while (base > path && base[-1] != '/')
		base--;
	return !sr->live && (size_t)(path + n - base) == strlen(SR_EMPTY_MARKER) &&
	       memcmp(base, SR_EMPTY_MARKER, strlen(SR_EMPTY_MARKER)) == 0;
}

/* ---- the walk's directories ------------------------------------------ */

/* An fd (O_PATH) of the directory at the canonical path DIR, kept among
 * the last used (the caller does not close it), or -errno.  A canonical
 * path crosses no link: where openat2 exists it is opened in one call that
 * refuses links, else from its parent when that is open, else a component
 * at a time without following any. */
static int dir_open(struct sysroot *sr, const char *dir)
{
	size_t slot = 0;
	const char *slash = strrchr(dir, '/');
	int fd = -1;

	if (!*dir)
		return sr->rootfd;
	for (size_t i = 0; i < SR_DIR_CACHE; i++)
		if (sr->dirs[i].fd >= 0 && strcmp(sr->dirs[i].path, dir) == 0) {
			sr->dirs[i].used = ++sr->clock;
			return sr->dirs[i].fd;
		}
	/* the parent, when it is open */
	for (size_t i = 0; i < SR_DIR_CACHE && fd < 0; i++) {
		const char *p = sr->dirs[i].path;
		if (sr->dirs[i].fd >= 0 && slash && strlen(p) == (size_t)(slash - dir) &&
		    memcmp(p, dir, (size_t)(slash - dir)) == 0) {
			fd = openat(sr->dirs[i].fd, slash + 1, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0)
				return -errno;
		}
	}
	if (fd < 0 && !slash) {
		fd = openat(sr->rootfd, dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -errno;
	}
	if (fd < 0 && sr->use_openat2)
		fd = (int)sys_openat2(sr->rootfd, dir, O_PATH | O_DIRECTORY,
				      RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (fd < 0) {
		/* (ELOOP from openat2: a link appeared since; walk again) */
		struct buf comp;
		const char *p = dir;
		fd = dup(sr->rootfd);
		buf_init(&comp);
		while (fd >= 0 && next_component(&p, &comp)) {
			int nfd = openat(fd, comp.data, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			int err = errno;
			close(fd);
			fd = nfd;
			errno = err;
		}
		buf_release(&comp);
		if (fd < 0)
			return -errno;
	}
	for (size_t i = 0; i < SR_DIR_CACHE; i++)
		if (sr->dirs[i].used < sr->dirs[slot].used)
			slot = i;
	if (sr->dirs[slot].fd >= 0)
		close(sr->dirs[slot].fd);
	free(sr->dirs[slot].path);
	sr->dirs[slot].path = xstrdup(dir);
	sr->dirs[slot].fd = fd;
	sr->dirs[slot].used = ++sr->clock;
	return fd;
}

/* Remembers what the canonical path KEY (buf_set_path of a directory and
 * a name) is for the walk: a link to TARGET, or (TARGET NULL) no link. */
static size_t seen_add(struct sysroot *sr, const struct buf *key, const char *target)
{
	size_t idx = sr->nseen;
	if (strmap_add(&sr->seen, key->data, key->len, idx, NULL)) {
		xgrow((void **)&sr->seen_target, &sr->cap_seen, sr->nseen + 1, sizeof(*sr->seen_target));
		sr->seen_target[sr->nseen++] = target ? xstrdup(target) : NULL;
	} else {
		strmap_get(&sr->seen, key->data, key->len, &idx);
	}
	return idx;
}

/* What NAME in the canonical directory DIR is: 1 a link (*TARGET, valid
 * while SR lives), 0 anything else, or -errno (-ENOENT: nothing there). */
static int lookup(struct sysroot *sr, const char *dir, const char *name, const char **target, struct buf *key)
{
	size_t idx;
	buf_set_path(key, dir, name);
	if (sr->ar) {
		long n = sr_archive_find(sr->ar, key->data, key->len), d;
		if (n < 0) {
			d = sr_archive_find(sr->ar, dir, strlen(dir));
			return d >= 0 && sr_archive_kind(sr->ar, d) != SR_AR_DIR ? -ENOTDIR : -ENOENT;
		}
		*target = sr_archive_target(sr->ar, n);
		return *target != NULL;
	}
	if (!strmap_get(&sr->seen, key->data, key->len, &idx)) {
		char buf[SR_LINK_MAX];
		int dfd = dir_open(sr, dir);
		ssize_t n;
		if (dfd < 0)
			return dfd;
		n = readlinkat(dfd, name, buf, sizeof(buf));
		if (n < 0 && errno != EINVAL)
			return -errno;
		if (n == (ssize_t)sizeof(buf) || (n >= 0 && memchr(buf, '\0', (size_t)n)))
			return -ENAMETOOLONG;
		if (n >= 0)
			buf[n] = '\0';
		idx = seen_add(sr, key, n >= 0 ? buf : NULL);
	}
	*target = sr->seen_target[idx];
	return *target != NULL;
}

void sysroot_record_extra_link(struct sysroot *sr, const char *relpath, const char *target)
{
	char *dir = xstrdup(skip_slashes(relpath)), *slash = strrchr(dir, '/');
	if (sr->rec && slash) {
		*slash = '\0';
		sr_recorder_link(sr->rec, dir, slash + 1, target);
	} else if (sr->rec) {
		sr_recorder_link(sr->rec, "", dir, target);
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

/* The result of resolving a path: the canonical, root-relative path of the
 * directory holding its last component, and that component ("." when the
 * path names a directory itself). */
struct walked {
	struct buf dir;
	char *name;
};

static void walked_release(struct walked *w)
{
	free(w->name);
	w->name = NULL;
	buf_release(&w->dir);
}

/* The canonical path the walk reached, W->dir/W->name (or W->dir). */
static char *walked_path(const struct walked *w)
{
	return strcmp(w->name, ".") ? join(w->dir.data, w->name) : xstrdup(w->dir.data);
}

static void record_link(struct sysroot *sr, const char *dir, const char *name, const char *target)
{
	if (sr->rec)
		sr_recorder_link(sr->rec, dir, name, target);
}

/* Resolves PATH.  If FOLLOW_LAST, a link in the last position is followed
 * too.  Links crossed are recorded when recording.  A missing last
 * component is not an error: the caller's operation says so. */
/* The last component of PATH when it is a plain name (not ".", "..", and
 * no '/' after it), with *PREFIX_LEN the length of what comes before its
 * '/'; NULL otherwise. */
static const char *plain_last(const char *path, size_t *prefix_len)
{
	const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : NULL;
	if (!name || !*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || slash == path)
		return NULL;
	*prefix_len = (size_t)(slash - path);
	return name;
}

static int walk(struct sysroot *sr, const char *path, bool follow_last, struct walked *out)
{
	struct buf comp, pending, key;
	int links = 0, err = 0;
	bool spliced_last = false;
	size_t plen = 0;
	const char *p, *plain = plain_last(path, &plen);

	buf_init(&comp);
	buf_init(&pending);
	buf_init(&key);
	buf_init(&out->dir);
	buf_append(&out->dir, "", 0);
	out->name = NULL;
	if (plain && sr->last_in.len == plen && memcmp(sr->last_in.data, path, plen) == 0) {
		/* the same directory as the last walk: from where it led */
		buf_append(&out->dir, sr->last_out.data, sr->last_out.len);
		buf_append(&pending, plain, strlen(plain));
	} else {
		buf_append(&pending, path, strlen(path));
	}

	for (;;) {
		const char *target;
		bool last;
		int r;

		p = pending.data;
		if (!next_component(&p, &comp)) {
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
			char *slash = strrchr(out->dir.data, '/');
			buf_truncate(&out->dir, slash ? (size_t)(slash - out->dir.data) : 0);
			continue;
		}
		if (last && !follow_last) {
			out->name = xstrdup(comp.data);
			break;
		}
		r = lookup(sr, out->dir.data, comp.data, &target, &key);
		if (r == -ENOENT && last) {
			out->name = xstrdup(comp.data);
			break;
		}
		if (r < 0) {
			err = r;
			break;
		}
		if (r == 1) {
			struct buf np;
			if (++links > SR_MAX_LINKS) {
				err = -ELOOP;
				break;
			}
			record_link(sr, out->dir.data, comp.data, target);
			spliced_last = spliced_last || last;
			/* Splice the target in front of what is left. */
			buf_init(&np);
			buf_append(&np, target, strlen(target));
			buf_append(&np, "/", 1);
			buf_append(&np, pending.data, pending.len);
			buf_release(&pending);
			pending = np;
			if (target[0] == '/')
				buf_truncate(&out->dir, 0);
			continue;
		}
		if (last) {
			out->name = xstrdup(comp.data);
			break;
		}
		if (out->dir.len)
			buf_append(&out->dir, "/", 1);
		buf_append(&out->dir, comp.data, comp.len);
	}
	buf_release(&comp);
	buf_release(&pending);
	buf_release(&key);
	if (err) {
		walked_release(out);
	} else if (plain && !spliced_last && strcmp(out->name, plain) == 0) {
		/* out->dir is where PATH's directory part leads */
		buf_reset(&sr->last_in);
		buf_append(&sr->last_in, path, plen);
		buf_reset(&sr->last_out);
		buf_append(&sr->last_out, out->dir.data, out->dir.len);
	}
	return err;
}

/* Opens PATH with FLAGS (the last component followed).  When WALKED is not
 * NULL the walk is used and its result returned there for recording. */
static int open_in_root(struct sysroot *sr, const char *path, int flags, struct walked *walked)
{
	struct walked w;
	int fd, err, dfd;

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
	/* The last component is opened without a look first: a link there
	 * fails to open (ELOOP; ENOTDIR for a directory wanted), and only then
	 * is the path walked again, following it.  (An O_PATH open would
	 * open the link itself: that one looks first.) */
	for (bool follow = flags & O_PATH;; follow = true) {
		err = walk(sr, path, follow, &w);
		if (err)
			return err;
		dfd = dir_open(sr, w.dir.data);
		fd = dfd < 0 ? dfd : openat(dfd, w.name, flags | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && dfd >= 0)
			fd = -errno;
		if (follow || (fd != -ELOOP && fd != -ENOTDIR))
			break;
		walked_release(&w);
	}
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

/* ---- the archive backend ------------------------------------------------- */

/* The entry a path leads to (links followed when FOLLOW), with the walk's
 * result in W for recording; -ENOENT when there is none. */
static long ar_find(struct sysroot *sr, const struct sr_base *base, const char *rel, bool follow, struct walked *w,
		    int *err)
{
	char *full = base ? join(base->path, skip_slashes(rel)) : xstrdup(skip_slashes(rel)), *canon;
	long n;
	*err = walk(sr, full, follow, w);
	free(full);
	if (*err)
		return -1;
	canon = walked_path(w);
	n = sr_archive_find(sr->ar, canon, strlen(canon));
	free(canon);
	if (n < 0) {
		*err = -ENOENT;
		walked_release(w);
	}
	return n;
}

/* ---- public operations ------------------------------------------------- */

int sr_base_open(struct sysroot *sr, const char *path, struct sr_base *base)
{
	int fd;
	path = skip_slashes(path);
	base->path = xstrdup(path);
	base->fd = -1;
	base->whole_reads = false;
	if (sr->ar) {
		/* (an archive has no descriptors: every path resolves from
		 * the root, as below a base that could not be opened) */
		struct walked w;
		int err;
		long n = ar_find(sr, NULL, path, true, &w, &err);
		if (n < 0)
			return err;
		walked_release(&w);
		return sr_archive_kind(sr->ar, n) != SR_AR_DIR ? -ENOTDIR : 0;
	}
	/* Recording walks every path from the root anyway. */
	fd = sr->rec ? -1 : open_in_root(sr, path, O_PATH | O_DIRECTORY, NULL);
	base->fd = fd < 0 ? -1 : fd;
	base->whole_reads = fd >= 0 && fills_buffers(fd);
	return fd < 0 && !sr->rec ? fd : 0;
}

void sr_base_close(struct sysroot *sr, struct sr_base *base)
{
	close_later(sr, base->fd);
	base->fd = -1;
	free(base->path);
	base->path = NULL;
}

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

static int ar_read(struct sysroot *sr, const struct sr_base *base, const char *path, size_t max, unsigned flags,
		   struct buf *out)
{
	struct walked w;
	int err;
	long n = ar_find(sr, base, path, true, &w, &err);
	if (n < 0)
		return err;
	switch (sr_archive_kind(sr->ar, n)) {
	case SR_AR_FILE:
		/* bounded as sr_read_in says */
		if (sr_archive_size(sr->ar, n) > max && !(flags & SR_PREFIX))
			err = -EFBIG;
		else
			sr_archive_read(sr->ar, n, max, out);
		break;
	case SR_AR_DIR:
		err = -EISDIR;
		break;
	default:
		err = -ENXIO; /* a device node, FIFO or socket */
		break;
	}
	if (!err && sr->rec) {
		/* the file whole, whatever part the caller wanted */
		struct buf whole;
		buf_init(&whole);
		sr_archive_read(sr->ar, n, SR_RECORD_MAX, &whole);
		sr_recorder_file(sr->rec, w.dir.data, strcmp(w.name, ".") ? w.name : "", whole.data ? whole.data : "",
				 whole.len);
		buf_release(&whole);
	}
	walked_release(&w);
	if (err)
		buf_reset(out);
	return err;
}

int sr_read_in(struct sysroot *sr, const struct sr_base *base, const char *path, size_t max, unsigned flags,
	       struct buf *out)
{
	struct walked w = {.name = NULL};
	bool rec = sr->rec != NULL;
	int fd, err = 0;

	buf_reset(out);
	if (refused_name(path))
		return -EPERM;
	if (hidden_name(sr, path))
		return -ENOENT;
	if (sr->ar)
		return ar_read(sr, base, path, max, flags, out);
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
	if (!err && rec) {
		/* the file whole, whatever part the caller wanted: a reader of
		 * its first bytes may come before one of all of it, and a path
		 * is recorded once */
		struct buf whole;
		buf_init(&whole);
		buf_append(&whole, out->data ? out->data : "", out->len);
		while ((flags & SR_PREFIX) && out->len == max && whole.len < SR_RECORD_MAX) {
			ssize_t n;
			buf_reserve(&whole, 4096);
			n = read(fd, whole.data + whole.len, 4096);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			whole.len += (size_t)n;
			whole.data[whole.len] = '\0';
		}
		sr_recorder_file(sr->rec, w.dir.data, strcmp(w.name, ".") ? w.name : "", whole.data, whole.len);
		buf_release(&whole);
	}
	close_later(sr, fd);
	if (rec)
		walked_release(&w);
	if (err)
		buf_reset(out);
	return err;
}

/* A link target as sr_readlink gives it: no NUL inside, shorter than
 * SR_LINK_MAX. */
static int link_target(const char *buf, ssize_t n, char **target)
{
	if (n == SR_LINK_MAX || memchr(buf, '\0', (size_t)n))
		return -ENAMETOOLONG;
	*target = xstrndup(buf, (size_t)n);
	return 0;
}

int sr_readlink(struct sysroot *sr, const char *path, char **target)
{
	struct walked w;
	char buf[SR_LINK_MAX];
	ssize_t n;
	int err;

	path = skip_slashes(path);
	if (hidden_name(sr, path))
		return -ENOENT;
	if (sr->use_openat2 && !sr->rec) {
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
		n = readlinkat(dfd, name, buf, sizeof(buf));
		err = n < 0 ? -errno : 0;
		close_later(sr, dfd);
		return err ? err : link_target(buf, n, target);
	}
	if (sr->ar) {
		long node = ar_find(sr, NULL, path, false, &w, &err);
		if (node < 0)
			return err;
		if (sr_archive_kind(sr->ar, node) != SR_AR_LINK || !strcmp(w.name, "."))
			err = -EINVAL;
		else {
			*target = xstrdup(sr_archive_target(sr->ar, node));
			record_link(sr, w.dir.data, w.name, *target);
		}
		walked_release(&w);
		return err;
	}
	err = walk(sr, path, false, &w);
	if (err)
		return err;
	{
		int dfd = dir_open(sr, w.dir.data);
		n = dfd < 0 ? dfd : readlinkat(dfd, w.name, buf, sizeof(buf));
		err = dfd < 0 ? dfd : n < 0 ? -errno : link_target(buf, n, target);
	}
	if (!err)
		record_link(sr, w.dir.data, w.name, *target);
	walked_release(&w);
	return err;
}

int sr_readlink_in(struct sysroot *sr, const struct sr_base *base, const char *name, char **target)
{
	char buf[SR_LINK_MAX], *full;
	ssize_t n;
	int err;

	/* one component below an open base: one readlinkat */
	if (base && base->fd >= 0 && !sr->rec && *name && !strchr(name, '/') && strcmp(name, ".") &&
	    strcmp(name, "..") && !hidden_name(sr, name)) {
		n = readlinkat(base->fd, name, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		return link_target(buf, n, target);
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

static int cmp_dirent(const void *a, const void *b)
{
	return strcmp(((const struct sr_dirent *)a)->name, ((const struct sr_dirent *)b)->name);
}

int sr_list(struct sysroot *sr, const char *path, bool (*keep)(const char *name), struct sr_dir *out)
{
	return sr_list_in(sr, NULL, path, keep, out);
}

/* Adds NAME of TYPE to a listing, and to the recording (CANON: the listed
 * directory, canonical; LINK_TARGET for a link). */
static void list_add(struct sysroot *sr, struct sr_dir *out, const char *canon, const char *name, unsigned char type,
		     const char *link_target)
{
	xgrow((void **)&out->ent, &out->cap, out->n + 1, sizeof(*out->ent));
	out->ent[out->n].name = xstrdup(name);
	out->ent[out->n].type = type;
	out->n++;
	if (!sr->rec)
		return;
	if (!sr->ar && (type != DT_LNK || link_target)) {
		/* what the walk would ask: a link and its target, or not */
		struct buf key;
		buf_init(&key);
		buf_set_path(&key, canon, name);
		seen_add(sr, &key, type == DT_LNK ? link_target : NULL);
		buf_release(&key);
	}
	if (type == DT_DIR) {
		char *sub = join(canon, name);
		sr_recorder_dir(sr->rec, sub);
		free(sub);
	} else if (type == DT_LNK && link_target) {
		sr_recorder_link(sr->rec, canon, name, link_target);
	}
}

static int ar_list(struct sysroot *sr, const struct sr_base *base, const char *path, bool (*keep)(const char *name),
		   struct sr_dir *out)
{
	static const unsigned char types[] = {
		[SR_AR_DIR] = DT_DIR, [SR_AR_FILE] = DT_REG, [SR_AR_LINK] = DT_LNK, [SR_AR_CHAR] = DT_CHR,
		[SR_AR_BLOCK] = DT_BLK, [SR_AR_FIFO] = DT_FIFO, [SR_AR_SOCK] = DT_SOCK,
	};
	struct walked w;
	char *canon;
	int err;
	long n = ar_find(sr, base, path, true, &w, &err);
	if (n < 0)
		return err;
	if (sr_archive_kind(sr->ar, n) != SR_AR_DIR) {
		walked_release(&w);
		return -ENOTDIR;
	}
	canon = walked_path(&w);
	if (sr->rec)
		sr_recorder_dir(sr->rec, canon);
	for (long c = sr_archive_first(sr->ar, n); c >= 0; c = sr_archive_next(sr->ar, c)) {
		const char *name = sr_archive_name(sr->ar, c);
		if (strcmp(name, SR_EMPTY_MARKER) == 0 || (keep && !keep(name)))
			continue;
		list_add(sr, out, canon, name, types[sr_archive_kind(sr->ar, c)], sr_archive_target(sr->ar, c));
	}
	free(canon);
	walked_release(&w);
	return 0;
}

int sr_list_in(struct sysroot *sr, const struct sr_base *base, const char *path, bool (*keep)(const char *name),
	       struct sr_dir *out)
{
	struct walked w = {.name = NULL};
	bool rec = sr->rec != NULL;
	char *dbuf, *canon = NULL;
	int fd, err = 0;

	sr_dir_release(out);
	if (hidden_name(sr, path))
		return -ENOENT;
	if (sr->ar)
		return ar_list(sr, base, path, keep, out);
	fd = open_at(sr, base, path, O_RDONLY | O_DIRECTORY | O_NONBLOCK, rec ? &w : NULL);
	if (fd < 0)
		return fd;
	if (rec) {
		canon = walked_path(&w);
		sr_recorder_dir(sr->rec, canon);
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
			char t[SR_LINK_MAX];
			const char *target = NULL;
			off += de->d_reclen;
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			if (!sr->live && strcmp(de->d_name, SR_EMPTY_MARKER) == 0)
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
			if (rec && type == DT_LNK) {
				ssize_t ln = readlinkat(fd, de->d_name, t, sizeof(t) - 1);
				if (ln >= 0) {
					t[ln] = '\0';
					target = t;
				}
			}
			list_add(sr, out, canon, de->d_name, type, target);
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
	else if (out->n > 1)
		/* in name order, whatever order the filesystem keeps (as an
		 * archive lists them) */
		qsort(out->ent, out->n, sizeof(*out->ent), cmp_dirent);
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

/* What PATH is, from the backend: the kind, a node's numbers and a file's
 * size, with the walk's result in W when recording. */
static int node_of(struct sysroot *sr, const char *path, struct sr_node *node, unsigned long long *size,
		   struct walked *w)
{
	struct stat st;
	int fd, err;
	node->major = node->minor = 0;
	*size = 0;
	if (sr->ar) {
		long n = ar_find(sr, NULL, path, true, w, &err);
		if (n < 0)
			return err;
		switch (sr_archive_kind(sr->ar, n)) {
		case SR_AR_DIR: node->kind = SR_KIND_DIR; break;
		case SR_AR_FILE:
			node->kind = SR_KIND_FILE;
			*size = sr_archive_size(sr->ar, n);
			break;
		case SR_AR_CHAR:
		case SR_AR_BLOCK:
			node->kind = sr_archive_kind(sr->ar, n) == SR_AR_CHAR ? SR_KIND_CHAR : SR_KIND_BLOCK;
			sr_archive_rdev(sr->ar, n, &node->major, &node->minor);
			break;
		default: node->kind = SR_KIND_OTHER; break;
		}
		if (!sr->rec)
			walked_release(w);
		return 0;
	}
	fd = open_in_root(sr, path, O_PATH, sr->rec ? w : NULL);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		close_later(sr, fd);
		if (sr->rec)
			walked_release(w);
		return err;
	}
	close_later(sr, fd);
	node->kind = S_ISREG(st.st_mode) ? SR_KIND_FILE : S_ISDIR(st.st_mode) ? SR_KIND_DIR
		: S_ISCHR(st.st_mode) ? SR_KIND_CHAR : S_ISBLK(st.st_mode) ? SR_KIND_BLOCK : SR_KIND_OTHER;
	if (node->kind == SR_KIND_CHAR || node->kind == SR_KIND_BLOCK) {
		node->major = major(st.st_rdev);
		node->minor = minor(st.st_rdev);
	}
	*size = (unsigned long long)st.st_size;
	return 0;
}

int sr_kind(struct sysroot *sr, const char *path, struct sr_node *node)
{
	struct walked w = {.name = NULL};
	bool read_done = false;
	unsigned long long size;
	int err;

	if (hidden_name(sr, path))
		return -ENOENT;
	err = node_of(sr, path, node, &size, &w);
	if (err)
		return err;
	if (node->kind == SR_KIND_FILE && strncmp(skip_slashes(path), "dev/", 4) == 0 && !sysroot_is_live(sr)) {
		struct buf b;
		buf_init(&b);
		/* (when recording, this read copies the file as it is) */
		if (size > 0 && size < 32 && sr_read(sr, path, 32, 0, &b) == 0)
			read_done = !parse_node_placeholder(b.data ? b.data : "", node);
		/* a plain file standing for what another tool did not record */
		if (node->kind == SR_KIND_FILE)
			node->kind = SR_KIND_UNKNOWN;
		buf_release(&b);
	}
	if (sr->rec) {
		const char *name = strcmp(w.name, ".") ? w.name : "";
		if (node->kind == SR_KIND_DIR) {
			char *d = join(w.dir.data, name);
			sr_recorder_dir(sr->rec, d);
			free(d);
		} else if (*name && !read_done) {
			char text[48] = "";
			if (node->kind == SR_KIND_CHAR || node->kind == SR_KIND_BLOCK)
				snprintf(text, sizeof(text), "%s %u:%u\n", node->kind == SR_KIND_CHAR ? "char" : "block",
					 node->major, node->minor);
			if (*text)
				sr_recorder_file(sr->rec, w.dir.data, name, text, strlen(text));
			else /* an empty file, unless the file itself is read too */
				sr_recorder_placeholder(sr->rec, w.dir.data, name);
		}
		walked_release(&w);
	}
	return 0;
}

void sysroot_record_extra(struct sysroot *sr, const char *relpath, const char *data, size_t len)
{
	char *dir = xstrdup(skip_slashes(relpath)), *slash = strrchr(dir, '/');
	const char *name;
	if (!sr->rec) {
		free(dir);
		return;
	}
	if (slash) {
		*slash = '\0';
		name = slash + 1;
	} else {
		name = skip_slashes(relpath);
		dir[0] = '\0';
	}
	sr_recorder_file(sr->rec, dir, name, data, len);
	free(dir);
}
