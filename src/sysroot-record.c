/* sysroot-record.c - writing a recording (see sysroot-record.h).
 *
 * Every path recorded is kept in one map, so that a file read twice is
 * written once and each directory is made once.  The directory form keeps
 * a few directory descriptors open (the ones used last) and writes each
 * file with openat, write and close relative to one of them: on an SR-IOV
 * host, where a snapshot is tens of thousands of small files in thousands
 * of directories, that is three system calls a file and two a directory.
 * The archive forms stream each entry through libarchive as it comes (a
 * directory's entry before the first entry below it), into a temporary
 * file beside the destination that is renamed into place at the end. */
#define _GNU_SOURCE
#include "sysroot-record.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sysroot-archive.h"
#include "util.h"

#define NO_DIR SIZE_MAX
#define FD_CACHE 16

struct rec_dir {
	size_t parent;   /* NO_DIR for the root */
	char *path;      /* "" for the root */
	size_t name_off; /* its last component in path */
	bool has_entries;
};

struct sr_recorder {
	enum sr_record_form form;
	char *dest;           /* what DEST names */
	char *tmp;            /* the temporary directory or file beside it */
	bool replace;         /* DEST holds a snapshot that this one replaces */
	int tmpfd;            /* directory form: the temporary directory */
	struct archive *ar;   /* archive forms */
	struct archive_entry *entry;
	int outfd;            /* archive forms: where the archive goes */
	time_t now;
	struct strmap paths;  /* every path recorded -> its directory, or NO_DIR */
	struct rec_dir *dirs;
	size_t ndirs, cap_dirs;
	struct {
		size_t dir;
		int fd;
		unsigned long used;
	} fds[FD_CACHE];
	unsigned long clock;
	int err;
	char *errpath;
	struct strvec placeholders; /* files looked at, not read (DIR/NAME) */
};

enum sr_record_form sysroot_record_form(const char *dest)
{
	static const struct {
		const char *suffix;
		enum sr_record_form form;
	} forms[] = {
		{".tar", SR_RECORD_TAR},
		{".tar.gz", SR_RECORD_TAR_GZ},
		{".tar.xz", SR_RECORD_TAR_XZ},
		{".tar.zst", SR_RECORD_TAR_ZST},
	};
	size_t n = strlen(dest);
	if (strcmp(dest, "-") == 0)
		return SR_RECORD_STDOUT;
	for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
		size_t k = strlen(forms[i].suffix);
		/* a name, not the suffix alone */
		if (n > k && strcmp(dest + n - k, forms[i].suffix) == 0 && dest[n - k - 1] != '/')
			return forms[i].form;
	}
	return SR_RECORD_DIR;
}

static void fail(struct sr_recorder *r, int err, const char *path)
{
	if (r->err)
		return;
	r->err = err;
	r->errpath = xstrdup(path);
}

/* ---- the destination ----------------------------------------------------- */

/* Removes a tree this recording made (our own files: links are removed,
 * never followed). */
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

static void remove_tree(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* True if DIR holds the metadata `iommuctl snapshot` writes: the only kind
 * of non-empty directory --force may replace, so that a mistyped DIR
 * (a home directory) is never deleted. */
static bool dir_holds_snapshot(const char *dir)
{
	struct stat st;
	char *info = xasprintf("%s/.iommuctl/info", dir);
	bool ok = lstat(info, &st) == 0 && S_ISREG(st.st_mode);
	free(info);
	return ok;
}

/* The same for an archive: it reads as one and holds .iommuctl/info. */
static bool archive_holds_snapshot(const char *file)
{
	struct sr_archive *a;
	char *why = NULL;
	bool ok = false;
	long n;
	if (sr_archive_load(file, NULL, &a, &why) == 0) {
		n = sr_archive_find(a, ".iommuctl/info", strlen(".iommuctl/info"));
		ok = n >= 0 && sr_archive_kind(a, n) == SR_AR_FILE;
		sr_archive_free(a);
	}
	free(why);
	return ok;
}

/* "a/b/" -> "a" and "b"; "b" -> "." and "b". */
static void split_dest(const char *dest, char **parent, char **base)
{
	char *copy = xstrdup(dest), *slash;
	while (strlen(copy) > 1 && copy[strlen(copy) - 1] == '/')
		copy[strlen(copy) - 1] = '\0';
	slash = strrchr(copy, '/');
	if (slash) {
		*slash = '\0';
		*parent = xstrdup(slash == copy ? "/" : copy);
		*base = xstrdup(slash + 1);
	} else {
		*parent = xstrdup(".");
		*base = xstrdup(copy);
	}
	free(copy);
}

/* Checks what DEST holds now: 0 (nothing, or what may be replaced, with
 * r->replace set) or the error sysroot_record_begin documents. */
static int check_dest(struct sr_recorder *r, const char *dest, bool replace)
{
	struct stat st;
	bool archive = r->form != SR_RECORD_DIR;
	if (lstat(dest, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (archive) {
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		if (!replace || !S_ISREG(st.st_mode) || !archive_holds_snapshot(dest))
			return -EEXIST;
		r->replace = true;
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	{
		DIR *d = opendir(dest);
		struct dirent *de;
		bool empty = true;
		if (!d)
			return -errno;
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				empty = false;
		closedir(d);
		if (!empty && !(replace && dir_holds_snapshot(dest)))
			return replace ? -EEXIST : -ENOTEMPTY;
		r->replace = !empty;
	}
	return 0;
}

/* The library's errno for its last failure, or -EIO. */
static int archive_err(struct sr_recorder *r)
{
	return archive_errno(r->ar) > 0 ? -archive_errno(r->ar) : -EIO;
}

static int open_archive(struct sr_recorder *r)
{
	int rc = ARCHIVE_OK;
	r->ar = archive_write_new();
	r->entry = archive_entry_new();
	if (!r->ar || !r->entry)
		return -ENOMEM;
	archive_write_set_format_pax_restricted(r->ar);
	switch (r->form) {
	case SR_RECORD_TAR_GZ: rc = archive_write_add_filter_gzip(r->ar); break;
	case SR_RECORD_TAR_XZ: rc = archive_write_add_filter_xz(r->ar); break;
	case SR_RECORD_TAR_ZST: rc = archive_write_add_filter_zstd(r->ar); break;
	default: break;
	}
	/* a filter the library would run as a program is not used */
	if (rc != ARCHIVE_OK)
		return -ENOTSUP;
	if (archive_write_open_fd(r->ar, r->outfd) != ARCHIVE_OK)
		return archive_err(r);
	return 0;
}

int sr_recorder_begin(const char *dest, bool replace, struct sr_recorder **out)
{
	struct sr_recorder *r;
	char *parent, *base;
	int err;

	if (!*dest)
		return -EINVAL;
	r = xcalloc(1, sizeof(*r));
	r->form = sysroot_record_form(dest);
	r->tmpfd = r->outfd = -1;
	r->now = time(NULL);
	strmap_init(&r->paths);
	strvec_init(&r->placeholders);
	for (size_t i = 0; i < FD_CACHE; i++)
		r->fds[i].fd = -1;
	if (r->form == SR_RECORD_STDOUT) {
		if (isatty(STDOUT_FILENO)) {
			sr_recorder_abort(r);
			return -ENOTTY;
		}
		r->outfd = STDOUT_FILENO;
		err = open_archive(r);
	} else {
		err = check_dest(r, dest, replace);
		if (err) {
			sr_recorder_abort(r);
			return err;
		}
		r->dest = xstrdup(dest);
		split_dest(dest, &parent, &base);
		r->tmp = xasprintf("%s/.%s.iommuctl-XXXXXX", parent, base);
		free(parent);
		free(base);
		if (r->form == SR_RECORD_DIR) {
			if (!mkdtemp(r->tmp)) {
				err = -errno;
				free(r->tmp);
				r->tmp = NULL;
			} else {
				chmod(r->tmp, 0755);
				r->tmpfd = open(r->tmp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				err = r->tmpfd < 0 ? -errno : 0;
			}
		} else {
			r->outfd = mkostemp(r->tmp, O_CLOEXEC);
			if (r->outfd < 0) {
				err = -errno;
				free(r->tmp);
				r->tmp = NULL;
			} else {
				fchmod(r->outfd, 0644);
				err = open_archive(r);
			}
		}
	}
	if (err) {
		sr_recorder_abort(r);
		return err;
	}
	/* the root */
	xgrow((void **)&r->dirs, &r->cap_dirs, 1, sizeof(*r->dirs));
	r->dirs[0] = (struct rec_dir){.parent = NO_DIR, .path = xstrdup("")};
	r->ndirs = 1;
	strmap_add(&r->paths, "", 0, 0, NULL);
	*out = r;
	return 0;
}

/* ---- entries --------------------------------------------------------------- */

/* Writes one archive entry. */
static void put_entry(struct sr_recorder *r, const char *path, mode_t type, const char *data, size_t len,
		      const char *target)
{
	struct archive_entry *e = r->entry;
	if (r->err)
		return;
	archive_entry_clear(e);
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, type == AE_IFDIR ? 0755 : type == AE_IFLNK ? 0777 : 0644);
	archive_entry_set_mtime(e, r->now, 0);
	archive_entry_set_size(e, type == AE_IFREG ? (la_int64_t)len : 0);
	if (target)
		archive_entry_set_symlink(e, target);
	if (archive_write_header(r->ar, e) < ARCHIVE_WARN) {
		fail(r, archive_err(r), path);
		return;
	}
	if (type == AE_IFREG && len && archive_write_data(r->ar, data, len) != (la_ssize_t)len)
		fail(r, archive_err(r), path);
}

/* An open descriptor of directory D (directory form), kept among the last
 * used; -errno when it cannot be had. */
static int dir_fd(struct sr_recorder *r, size_t d)
{
	size_t slot = 0;
	int pfd, fd;
	if (d == 0)
		return r->tmpfd;
	for (size_t i = 0; i < FD_CACHE; i++)
		if (r->fds[i].fd >= 0 && r->fds[i].dir == d) {
			r->fds[i].used = ++r->clock;
			return r->fds[i].fd;
		}
	pfd = dir_fd(r, r->dirs[d].parent);
	if (pfd < 0)
		return pfd;
	fd = openat(pfd, r->dirs[d].path + r->dirs[d].name_off, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* the slot used least recently (after the parent's look-up) */
	for (size_t i = 0; i < FD_CACHE; i++)
		if (r->fds[i].used < r->fds[slot].used)
			slot = i;
	if (r->fds[slot].fd >= 0)
		close(r->fds[slot].fd);
	r->fds[slot].fd = fd;
	r->fds[slot].dir = d;
	r->fds[slot].used = ++r->clock;
	return fd;
}

/* The directory at PATH (LEN bytes), made with those above it the first
 * time; NO_DIR when it cannot be (an error is then recorded). */
static size_t make_dir(struct sr_recorder *r, const char *path, size_t len)
{
	size_t v, parent, cut = len, d;
	char *p;
	if (strmap_get(&r->paths, path, len, &v)) {
		if (v == NO_DIR) {
			char *s = xstrndup(path, len);
			fail(r, -ENOTDIR, s);
			free(s);
		}
		return v;
	}
	while (cut > 0 && path[cut - 1] != '/')
		cut--;
	parent = make_dir(r, path, cut ? cut - 1 : 0);
	if (parent == NO_DIR)
		return NO_DIR;
	p = xstrndup(path, len);
	if (r->form == SR_RECORD_DIR) {
		int pfd = dir_fd(r, parent);
		if (pfd < 0 || mkdirat(pfd, p + cut, 0755) < 0) {
			fail(r, pfd < 0 ? pfd : -errno, p);
			free(p);
			return NO_DIR;
		}
	} else {
		put_entry(r, p, AE_IFDIR, NULL, 0, NULL);
	}
	r->dirs[parent].has_entries = true;
	xgrow((void **)&r->dirs, &r->cap_dirs, r->ndirs + 1, sizeof(*r->dirs));
	d = r->ndirs++;
	r->dirs[d] = (struct rec_dir){.parent = parent, .path = p, .name_off = cut};
	strmap_add(&r->paths, path, len, d, NULL);
	return d;
}

/* Claims DIR/NAME for a new entry: its directory, or NO_DIR when the path
 * was recorded already (or cannot be). */
static size_t claim(struct sr_recorder *r, const char *dir, const char *name, struct buf *path)
{
	size_t d;
	buf_set_path(path, dir, name);
	if (!*name || r->err || strmap_get(&r->paths, path->data, path->len, NULL))
		return NO_DIR;
	d = make_dir(r, dir, strlen(dir));
	if (d == NO_DIR)
		return NO_DIR;
	strmap_add(&r->paths, path->data, path->len, NO_DIR, NULL);
	r->dirs[d].has_entries = true;
	return d;
}

void sr_recorder_file(struct sr_recorder *r, const char *dir, const char *name, const char *data, size_t len)
{
	struct buf path;
	size_t d;
	buf_init(&path);
	d = claim(r, dir, name, &path);
	if (d != NO_DIR && r->form != SR_RECORD_DIR) {
		put_entry(r, path.data, AE_IFREG, data, len, NULL);
	} else if (d != NO_DIR) {
		int dfd = dir_fd(r, d), fd = -1;
		size_t off = 0;
		if (dfd < 0 || (fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644)) < 0)
			fail(r, dfd < 0 ? dfd : -errno, path.data);
		while (fd >= 0 && off < len) {
			ssize_t n = write(fd, data + off, len - off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				fail(r, n < 0 ? -errno : -EIO, path.data);
				break;
			}
			off += (size_t)n;
		}
		if (fd >= 0 && close(fd) < 0)
			fail(r, -errno, path.data);
	}
	buf_release(&path);
}

void sr_recorder_link(struct sr_recorder *r, const char *dir, const char *name, const char *target)
{
	struct buf path;
	size_t d;
	buf_init(&path);
	d = claim(r, dir, name, &path);
	if (d != NO_DIR && r->form != SR_RECORD_DIR) {
		put_entry(r, path.data, AE_IFLNK, NULL, 0, target);
	} else if (d != NO_DIR) {
		int dfd = dir_fd(r, d);
		if (dfd < 0 || symlinkat(target, dfd, name) < 0)
			fail(r, dfd < 0 ? dfd : -errno, path.data);
	}
	buf_release(&path);
}

void sr_recorder_placeholder(struct sr_recorder *r, const char *dir, const char *name)
{
	struct buf path;
	buf_init(&path);
	buf_set_path(&path, dir, name);
	if (*name && !strmap_get(&r->paths, path.data, path.len, NULL))
		strvec_push(&r->placeholders, path.data);
	buf_release(&path);
}

void sr_recorder_dir(struct sr_recorder *r, const char *path)
{
	if (!r->err)
		make_dir(r, path, strlen(path));
}

/* ---- the end ------------------------------------------------------------------ */

/* Puts the finished tree or file at DEST.  A previous snapshot directory
 * there (--force) is swapped out in one step, so DEST always holds a whole
 * snapshot, the old or the new, and is then removed from where the new one
 * was written; a file is replaced by rename. */
static int install(struct sr_recorder *r)
{
	if (r->form != SR_RECORD_DIR || !r->replace)
		return rename(r->tmp, r->dest) < 0 ? -errno : 0;
	if (renameat2(AT_FDCWD, r->tmp, AT_FDCWD, r->dest, RENAME_EXCHANGE) < 0) {
		/* no exchange on this filesystem: move the old one aside
		 * first (DEST is missing for a moment) */
		char *aside = xasprintf("%s.old", r->tmp);
		int err = 0;
		if (rename(r->dest, aside) < 0)
			err = -errno;
		else if (rename(r->tmp, r->dest) < 0) {
			err = -errno;
			rename(aside, r->dest);
		} else
			remove_tree(aside);
		free(aside);
		return err;
	}
	remove_tree(r->tmp);
	return 0;
}

static void release(struct sr_recorder *r)
{
	for (size_t i = 0; i < FD_CACHE; i++)
		if (r->fds[i].fd >= 0)
			close(r->fds[i].fd);
	if (r->tmpfd >= 0)
		close(r->tmpfd);
	if (r->ar)
		archive_write_free(r->ar);
	if (r->entry)
		archive_entry_free(r->entry);
	if (r->outfd > STDOUT_FILENO)
		close(r->outfd);
	for (size_t i = 0; i < r->ndirs; i++)
		free(r->dirs[i].path);
	free(r->dirs);
	strmap_release(&r->paths);
	strvec_release(&r->placeholders);
	free(r->dest);
	free(r->tmp);
	free(r->errpath);
	free(r);
}

int sr_recorder_commit(struct sr_recorder *r, char **errpath)
{
	int err;
	if (errpath)
		*errpath = NULL;
	/* the files looked at and never read: empty */
	for (size_t i = 0; i < r->placeholders.n && !r->err; i++) {
		char *dir = xstrdup(r->placeholders.v[i]), *slash = strrchr(dir, '/');
		const char *name = slash ? slash + 1 : dir;
		if (slash)
			*slash = '\0';
		sr_recorder_file(r, slash ? dir : "", name, "", 0);
		free(dir);
	}
	/* the directories left empty keep a marker */
	for (size_t d = 0; d < r->ndirs && !r->err; d++)
		if (!r->dirs[d].has_entries) {
			char *dir = xstrdup(r->dirs[d].path);
			sr_recorder_file(r, dir, SR_EMPTY_MARKER, "", 0);
			free(dir);
		}
	if (r->ar && !r->err) {
		if (archive_write_close(r->ar) != ARCHIVE_OK)
			fail(r, archive_err(r), "");
		else if (r->outfd > STDOUT_FILENO && fsync(r->outfd) < 0 && errno != EINVAL)
			fail(r, -errno, "");
	}
	if (!r->err && r->form != SR_RECORD_STDOUT && (err = install(r)) < 0)
		fail(r, err, "");
	err = r->err;
	if (err) {
		if (errpath)
			*errpath = xstrdup(r->errpath ? r->errpath : "");
		sr_recorder_abort(r);
		return err;
	}
	free(r->tmp);
	r->tmp = NULL;
	release(r);
	return 0;
}

void sr_recorder_abort(struct sr_recorder *r)
{
	if (!r)
		return;
	if (r->tmp && r->form == SR_RECORD_DIR)
		remove_tree(r->tmp);
	else if (r->tmp)
		unlink(r->tmp);
	release(r);
}
