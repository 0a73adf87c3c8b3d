/* sysroot-archive.c - a snapshot archive loaded into memory (see
 * sysroot-archive.h).
 *
 * Every entry becomes a node, found by its canonical path through one hash
 * map; a directory's entries are a list sorted by name.  Contents live in
 * large blocks, each member's bytes in one piece.  Nothing is ever written
 * to disk, and nothing is trusted before it has been checked: a name is
 * normalised and refused when it leaves the tree, a link when its target
 * does, and every size is bounded before anything is read. */
#define _GNU_SOURCE
#include "sysroot-archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "util.h"

#define BLOCK_SIZE (1u << 20)

/* 48 bytes: a 16k-function snapshot has a quarter of a million entries. */
struct ar_node {
	uint8_t kind;         /* enum sr_ar_kind */
	bool explicit_entry;  /* named by an entry (not only implied by one below) */
	uint16_t name_off;    /* the last component, in path */
	int32_t parent;
	int32_t first, next;  /* a directory's entries; the next in its parent */
	uint32_t len;         /* a file's size, a link target's length */
	uint32_t stored;      /* what data holds of a file: the rest is zeros */
	const char *path;     /* the index's copy */
	const char *data;     /* contents (without trailing zeros) or link target */
	uint32_t major, minor;
};

struct block {
	char *data;
	size_t len, cap;
};

const struct sr_ar_limits sr_ar_limits_default = {
	.entries = 1000000,
	.member = 16u << 20,
	.total = 512ull << 20,
	.stream = 1024ull << 20,
};

struct sr_archive {
	struct sr_ar_limits lim;
	struct ar_node *node;
	size_t n, cap;
	struct strmap index; /* canonical path -> node */
	struct block *blocks;
	size_t nblocks, cap_blocks;
	unsigned long long total;
};

static void archive_fail(char **why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* What a hostile name looks like in a one-line message: no control
 * characters reach the terminal. */
static char *printable(const char *s)
{
	size_t n = strlen(s);
	char *out = xstrndup(s, n > 200 ? 200 : n);
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (n > 200) {
		char *longer = xasprintf("%s...", out);
		free(out);
		out = longer;
	}
	return out;
}

static void archive_fail(char **why, const char *fmt, ...)
{
	va_list ap;
	if (!why || *why)
		return;
	va_start(ap, fmt);
	*why = xvasprintf(fmt, ap);
	va_end(ap);
}

static const char *store(struct sr_archive *a, const char *data, size_t len)
{
	struct block *b = a->nblocks ? &a->blocks[a->nblocks - 1] : NULL;
	char *p;
	if (!b || b->cap - b->len < len + 1) {
		xgrow((void **)&a->blocks, &a->cap_blocks, a->nblocks + 1, sizeof(*a->blocks));
		b = &a->blocks[a->nblocks++];
		b->cap = len + 1 > BLOCK_SIZE ? len + 1 : BLOCK_SIZE;
		b->data = xmalloc(b->cap);
		b->len = 0;
	}
	p = b->data + b->len;
	memcpy(p, data, len);
	p[len] = '\0';
	b->len += len + 1;
	return p;
}

static long add_node(struct sr_archive *a, const char *path, size_t len, long parent, enum sr_ar_kind kind)
{
	struct ar_node *nd;
	const char *slash;
	xgrow((void **)&a->node, &a->cap, a->n + 1, sizeof(*a->node));
	nd = &a->node[a->n];
	memset(nd, 0, sizeof(*nd));
	nd->kind = (unsigned char)kind;
	nd->parent = parent;
	nd->first = nd->next = -1;
	strmap_add(&a->index, path, len, a->n, &nd->path);
	slash = strrchr(nd->path, '/');
	nd->name_off = (uint16_t)(slash ? (size_t)(slash - nd->path) + 1 : 0);
	if (parent >= 0) {
		nd->next = a->node[parent].first;
		a->node[parent].first = (int32_t)a->n;
	}
	return (long)a->n++;
}

long sr_archive_find(const struct sr_archive *a, const char *path, size_t len)
{
	size_t v;
	return strmap_get(&a->index, path, len, &v) ? (long)v : -1;
}

/* The directory at PATH (LEN bytes), made (with those above it) when no
 * entry named it yet; -1 when something else has the name. */
static long dir_node(struct sr_archive *a, const char *path, size_t len, char **why)
{
	long n = sr_archive_find(a, path, len), parent;
	size_t cut = len;
	if (n >= 0) {
		if (a->node[n].kind != SR_AR_DIR) {
			char *p = xstrndup(path, len), *show = printable(p);
			archive_fail(why, "'%s' is not a directory, but entries lie below it", show);
			free(show);
			free(p);
			return -1;
		}
		return n;
	}
	while (cut > 0 && path[cut - 1] != '/')
		cut--;
	parent = dir_node(a, path, cut ? cut - 1 : 0, why);
	if (parent < 0)
		return -1;
	return add_node(a, path, len, parent, SR_AR_DIR);
}

/* The entry's name as a canonical path: "./" and empty components dropped;
 * absolute names and ".." refused. */
static bool normalise(const char *name, struct buf *out, char **why)
{
	const char *p = name;
	buf_reset(out);
	buf_append(out, "", 0);
	if (*name == '/') {
		char *show = printable(name);
		archive_fail(why, "the entry '%s' has an absolute name", show);
		free(show);
		return false;
	}
	while (*p) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			char *show = printable(name);
			archive_fail(why, "the entry '%s' has a '..' component", show);
			free(show);
			return false;
		}
		if (n && !(n == 1 && p[0] == '.')) {
			if (out->len)
				buf_append(out, "/", 1);
			buf_append(out, p, n);
		}
		p += n;
		while (*p == '/')
			p++;
	}
	if (out->len >= SR_AR_MAX_PATH) {
		char *show = printable(name);
		archive_fail(why, "the entry '%s' has a name over %u bytes", show, SR_AR_MAX_PATH);
		free(show);
		return false;
	}
	return true;
}

/* True if the link at PATH with TARGET stays inside the tree when its
 * target is read from the link's directory, component by component. */
static bool link_stays_inside(const char *path, const char *target)
{
	long depth = 0;
	const char *p;
	if (*target == '/')
		return false;
	for (p = path; *p; p++)
		depth += *p == '/';
	for (p = target; *p;) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return false;
		} else if (n && !(n == 1 && p[0] == '.')) {
			depth++;
		}
		p += n;
		while (*p == '/')
			p++;
	}
	return true;
}

static int read_member(struct archive *ar, struct sr_archive *a, const char *show, struct buf *data, char **why)
{
	char chunk[65536];
	buf_reset(data);
	buf_append(data, "", 0);
	for (;;) {
		la_ssize_t n = archive_read_data(ar, chunk, sizeof(chunk));
		if (n < 0) {
			archive_fail(why, "cannot read the member '%s': %s", show, archive_error_string(ar));
			return -EINVAL;
		}
		if (n == 0)
			return 0;
		if (data->len + (size_t)n > a->lim.member) {
			archive_fail(why, "the member '%s' holds more than %zu bytes", show, a->lim.member);
			return -EFBIG;
		}
		if (a->total + data->len + (size_t)n > a->lim.total) {
			archive_fail(why, "its members hold more than %llu bytes in all", a->lim.total);
			return -EFBIG;
		}
		buf_append(data, chunk, (size_t)n);
	}
}

/* One entry of the archive. */
static int add_entry(struct archive *ar, struct archive_entry *e, struct sr_archive *a, struct buf *path,
		     struct buf *data, char **why)
{
	const char *name = archive_entry_pathname(e);
	mode_t type = archive_entry_filetype(e);
	enum sr_ar_kind kind;
	char *show;
	long parent, n;
	size_t cut;
	int err = 0;

	if (!name) {
		archive_fail(why, "an entry has no name");
		return -EINVAL;
	}
	if (!normalise(name, path, why))
		return -EINVAL;
	show = printable(path->data);
	if (archive_entry_hardlink(e)) {
		archive_fail(why, "the entry '%s' is a hard link (a snapshot holds none)", show);
		err = -EINVAL;
		goto out;
	}
	switch (type) {
	case AE_IFDIR: kind = SR_AR_DIR; break;
	case AE_IFREG: kind = SR_AR_FILE; break;
	case AE_IFLNK: kind = SR_AR_LINK; break;
	case AE_IFCHR: kind = SR_AR_CHAR; break;
	case AE_IFBLK: kind = SR_AR_BLOCK; break;
	case AE_IFIFO: kind = SR_AR_FIFO; break;
	case AE_IFSOCK: kind = SR_AR_SOCK; break;
	default:
		archive_fail(why, "the entry '%s' is of no known type", show);
		err = -EINVAL;
		goto out;
	}
	if (!path->len) {
		/* "./": the root itself */
		if (kind != SR_AR_DIR || a->node[0].explicit_entry) {
			archive_fail(why, kind != SR_AR_DIR ? "the entry '.' is not a directory"
							    : "the entry '.' is in the archive twice");
			err = -EINVAL;
		}
		a->node[0].explicit_entry = true;
		goto out;
	}
	n = sr_archive_find(a, path->data, path->len);
	if (n >= 0) {
		/* a directory named after entries below it: fine, once */
		if (kind != SR_AR_DIR || a->node[n].kind != SR_AR_DIR || a->node[n].explicit_entry) {
			archive_fail(why, "the entry '%s' is in the archive twice", show);
			err = -EINVAL;
			goto out;
		}
		a->node[n].explicit_entry = true;
		goto out;
	}
	for (cut = path->len; cut > 0 && path->data[cut - 1] != '/'; cut--)
		;
	parent = dir_node(a, path->data, cut ? cut - 1 : 0, why);
	if (parent < 0) {
		err = -EINVAL;
		goto out;
	}
	n = add_node(a, path->data, path->len, parent, kind);
	a->node[n].explicit_entry = true;
	if (kind == SR_AR_FILE) {
		if (archive_entry_sparse_count(e) > 0) {
			archive_fail(why, "the member '%s' is a sparse file (a snapshot holds none)", show);
			err = -EINVAL;
			goto out;
		}
		if (archive_entry_size_is_set(e) && archive_entry_size(e) > (la_int64_t)a->lim.member) {
			archive_fail(why, "the member '%s' is %lld bytes, more than %zu", show,
				     (long long)archive_entry_size(e), a->lim.member);
			err = -EFBIG;
			goto out;
		}
		err = read_member(ar, a, show, data, why);
		if (err)
			goto out;
		a->node[n].len = (uint32_t)data->len;
		/* a configuration space is mostly zeros: those at the end are
		 * counted, not kept */
		while (data->len && !data->data[data->len - 1])
			data->len--;
		a->node[n].stored = (uint32_t)data->len;
		a->node[n].data = store(a, data->data, data->len);
		a->total += a->node[n].len;
	} else if (kind == SR_AR_LINK) {
		const char *target = archive_entry_symlink(e);
		if (!target || !*target || strlen(target) >= SR_AR_MAX_PATH) {
			archive_fail(why, "the link '%s' has %s target", show, target && *target ? "too long a" : "no");
			err = -EINVAL;
			goto out;
		}
		if (!link_stays_inside(path->data, target)) {
			char *t = printable(target);
			archive_fail(why, "the link '%s' leads out of the tree (to '%s')", show, t);
			free(t);
			err = -EINVAL;
			goto out;
		}
		a->node[n].len = a->node[n].stored = (uint32_t)strlen(target);
		a->node[n].data = store(a, target, a->node[n].len);
		a->total += a->node[n].len;
	} else if (kind == SR_AR_CHAR || kind == SR_AR_BLOCK) {
		a->node[n].major = (unsigned)archive_entry_rdevmajor(e);
		a->node[n].minor = (unsigned)archive_entry_rdevminor(e);
	}
out:
	free(show);
	return err;
}

static int cmp_name(const void *x, const void *y, void *ctx)
{
	const struct sr_archive *a = ctx;
	const struct ar_node *p = &a->node[*(const long *)x], *q = &a->node[*(const long *)y];
	return strcmp(p->path + p->name_off, q->path + q->name_off);
}

/* Each directory's entries in name order, as a listing shows them. */
static void sort_entries(struct sr_archive *a)
{
	long *v = NULL;
	size_t cap = 0;
	for (size_t d = 0; d < a->n; d++) {
		size_t k = 0;
		if (a->node[d].kind != SR_AR_DIR || a->node[d].first < 0)
			continue;
		for (long c = a->node[d].first; c >= 0; c = a->node[c].next) {
			xgrow((void **)&v, &cap, k + 1, sizeof(*v));
			v[k++] = c;
		}
		qsort_r(v, k, sizeof(*v), cmp_name, a);
		a->node[d].first = (int32_t)v[0];
		for (size_t i = 0; i < k; i++)
			a->node[v[i]].next = i + 1 < k ? (int32_t)v[i + 1] : -1;
	}
	free(v);
}

/* A reader for tar formats with the decompressors the library has built in:
 * a filter it would run as an external program is left out. */
static struct archive *new_reader(void)
{
	static int (*const filters[])(struct archive *) = {
		archive_read_support_filter_gzip,
		archive_read_support_filter_xz,
		archive_read_support_filter_zstd,
		archive_read_support_filter_bzip2,
	};
	struct archive *ar = archive_read_new();
	if (!ar)
		return NULL;
	archive_read_support_format_tar(ar);
	for (size_t i = 0; i < ARRAY_SIZE(filters); i++) {
		struct archive *probe = archive_read_new();
		bool builtin = probe && filters[i](probe) == ARCHIVE_OK;
		if (probe)
			archive_read_free(probe);
		if (builtin)
			filters[i](ar);
	}
	return ar;
}

static int load(struct archive *ar, const struct sr_ar_limits *lim, struct sr_archive **out, char **why)
{
	struct sr_archive *a = xcalloc(1, sizeof(*a));
	struct archive_entry *e;
	struct buf path, data;
	int err = 0, r;

	a->lim = lim ? *lim : sr_ar_limits_default;
	strmap_init(&a->index);
	add_node(a, "", 0, -1, SR_AR_DIR);
	buf_init(&path);
	buf_init(&data);
	while ((r = archive_read_next_header(ar, &e)) != ARCHIVE_EOF) {
		if (r < ARCHIVE_WARN) {
			archive_fail(why, "%s", archive_error_string(ar) ? archive_error_string(ar) : "not a tar archive");
			err = -EINVAL;
			break;
		}
		if ((err = add_entry(ar, e, a, &path, &data, why)) != 0)
			break;
		if (a->n > a->lim.entries) {
			archive_fail(why, "it has more than %zu entries", a->lim.entries);
			err = -EFBIG;
			break;
		}
		if ((unsigned long long)archive_filter_bytes(ar, 0) > a->lim.stream) {
			archive_fail(why, "it decompresses to more than %llu bytes", a->lim.stream);
			err = -EFBIG;
			break;
		}
	}
	buf_release(&path);
	buf_release(&data);
	if (err) {
		sr_archive_free(a);
		return err;
	}
	sort_entries(a);
	*out = a;
	return 0;
}

int sr_archive_load(const char *path, const struct sr_ar_limits *lim, struct sr_archive **out, char **why)
{
	struct archive *ar = new_reader();
	int err;
	if (why)
		*why = NULL;
	if (!ar)
		return -ENOMEM;
	if (archive_read_open_filename(ar, path, 65536) != ARCHIVE_OK) {
		/* a file that cannot be read, or (EILSEQ, libarchive's
		 * ARCHIVE_ERRNO_FILE_FORMAT) that is no archive */
		err = archive_errno(ar) > 0 && archive_errno(ar) != EILSEQ ? -archive_errno(ar) : -EINVAL;
		archive_fail(why, "%s", archive_error_string(ar) ? archive_error_string(ar) : "cannot open it");
	} else {
		err = load(ar, lim, out, why);
	}
	archive_read_free(ar);
	return err;
}

int sr_archive_load_mem(const void *data, size_t len, const struct sr_ar_limits *lim, struct sr_archive **out,
			char **why)
{
	struct archive *ar = new_reader();
	int err;
	if (why)
		*why = NULL;
	if (!ar)
		return -ENOMEM;
	if (archive_read_open_memory(ar, data, len) != ARCHIVE_OK) {
		archive_fail(why, "%s", archive_error_string(ar) ? archive_error_string(ar) : "not a tar archive");
		err = -EINVAL;
	} else {
		err = load(ar, lim, out, why);
	}
	archive_read_free(ar);
	return err;
}

void sr_archive_free(struct sr_archive *a)
{
	if (!a)
		return;
	free(a->node);
	for (size_t i = 0; i < a->nblocks; i++)
		free(a->blocks[i].data);
	free(a->blocks);
	strmap_release(&a->index);
	free(a);
}

enum sr_ar_kind sr_archive_kind(const struct sr_archive *a, long node)
{
	return (enum sr_ar_kind)a->node[node].kind;
}

size_t sr_archive_size(const struct sr_archive *a, long node)
{
	return a->node[node].kind == SR_AR_FILE ? a->node[node].len : 0;
}

void sr_archive_read(const struct sr_archive *a, long node, size_t max, struct buf *out)
{
	const struct ar_node *nd = &a->node[node];
	size_t n = nd->len < max ? nd->len : max, kept = nd->stored < n ? nd->stored : n;
	if (nd->kind != SR_AR_FILE)
		return;
	buf_append(out, nd->data ? nd->data : "", kept);
	buf_reserve(out, n - kept);
	memset(out->data + out->len, 0, n - kept);
	out->len += n - kept;
	out->data[out->len] = '\0';
}

const char *sr_archive_target(const struct sr_archive *a, long node)
{
	return a->node[node].kind == SR_AR_LINK ? a->node[node].data : NULL;
}

void sr_archive_rdev(const struct sr_archive *a, long node, unsigned *major, unsigned *minor)
{
	*major = a->node[node].major;
	*minor = a->node[node].minor;
}

long sr_archive_first(const struct sr_archive *a, long dir)
{
	return a->node[dir].kind == SR_AR_DIR ? a->node[dir].first : -1;
}

long sr_archive_next(const struct sr_archive *a, long node)
{
	return a->node[node].next;
}

const char *sr_archive_name(const struct sr_archive *a, long node)
{
	return a->node[node].path + a->node[node].name_off;
}
