/* names.c - PCI id to name look-ups through libudev's hwdb or libpci's
 * pci.ids, cached so each distinct id is looked up once. */
#define _GNU_SOURCE
#include "names.h"

#include <ctype.h>
#include <errno.h>
#include <libudev.h>
#include <pci/pci.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum name_kind { KIND_VENDOR = 1, KIND_DEVICE = 2, KIND_CLASS = 3 };

struct name_slot {
	uint64_t key; /* 0: empty */
	char *name;   /* NULL: looked up, not found */
};

struct names {
	enum { SRC_NONE, SRC_HWDB, SRC_PCIIDS } src;
	bool from_snapshot; /* the pci.ids a snapshot carries */
	bool narrowed;      /* libpci reads only the vendors asked for */
	int subset_fd;      /* memfd of that part of pci.ids, or -1 */
	struct udev *udev;
	struct udev_hwdb *hwdb;
	struct pci_access *pacc;
	char *ids_path;
	char *warning;
	struct name_slot *slot;
	size_t nslot, used;
	jmp_buf on_error;
};

/* libpci reports a broken pci.ids through a callback that must not return
 * and carries no context: the names object in use is kept here. */
static struct names *active;

/* libpci's messages, formatted; NULL if out of memory. */
static char *__attribute__((format(printf, 1, 0))) format_message(const char *msg, va_list ap)
{
	char *text = NULL;
	if (vasprintf(&text, msg, ap) < 0)
		return NULL;
	return rstrip(text);
}

static void __attribute__((noreturn, format(printf, 1, 2))) pci_error_cb(char *msg, ...)
{
	va_list ap;
	char *text;
	va_start(ap, msg);
	text = format_message(msg, ap);
	va_end(ap);
	free(active->warning);
	active->warning = text ? text : xstrdup("cannot parse the PCI id database");
	longjmp(active->on_error, 1);
}

static void __attribute__((format(printf, 1, 2))) pci_warning_cb(char *msg, ...)
{
	va_list ap;
	char *text;
	va_start(ap, msg);
	text = format_message(msg, ap);
	va_end(ap);
	if (text && !active->warning)
		active->warning = text;
	else
		free(text);
}

static void pci_debug_cb(char *msg, ...)
{
	(void)msg;
}

/* Why PATH cannot be a pci.ids file, or NULL: libpci takes a directory or
 * any text without a word (an I/O error "at line 0", or no names at all).
 * A vendor line is four hex digits and two spaces at the start of a line;
 * a compressed database is left to libpci. */
static char *ids_file_problem(const char *path)
{
	struct stat st = {0};
	char head[1 << 16];
	ssize_t len;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return xasprintf("cannot read the PCI id database '%s': %s (names are not shown)", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return xasprintf("'%s' is %s, not a PCI id database (names are not shown)", path,
				 S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
	}
	len = strlen(path) > 3 && !strcmp(path + strlen(path) - 3, ".gz") ? -2 : read(fd, head, sizeof(head) - 1);
	close(fd);
	if (len == -2)
		return NULL;
	for (ssize_t i = 0; len > 0 && i + 6 < len; i++) {
		bool start = i == 0 || head[i - 1] == '\n', vendor = start;
		for (int k = 0; vendor && k < 4; k++)
			vendor = isxdigit((unsigned char)head[i + k]) && !isupper((unsigned char)head[i + k]);
		if (vendor && head[i + 4] == ' ' && head[i + 5] == ' ')
			return NULL;
	}
	return xasprintf("'%s' is not a PCI id database: no vendor line such as '8086  Intel Corporation' in its "
			 "first %zu KiB (names are not shown)", path, sizeof(head) >> 10);
}

struct names *names_open(const struct names_options *opt)
{
	struct names *n = xcalloc(1, sizeof(*n));
	n->src = SRC_NONE;
	n->subset_fd = -1;
	if (opt->numeric)
		return n;
	if (!opt->pci_ids && opt->snapshot_ids_fd < 0 && opt->live) {
		n->udev = udev_new();
		if (n->udev)
			n->hwdb = udev_hwdb_new(n->udev);
		if (n->hwdb) {
			n->src = SRC_HWDB;
			return n;
		}
		if (n->udev)
			udev_unref(n->udev);
		n->udev = NULL;
	}
	n->pacc = pci_alloc();
	n->pacc->error = pci_error_cb;
	n->pacc->warning = pci_warning_cb;
	n->pacc->debug = pci_debug_cb;
	if (opt->pci_ids) {
		/* a pinned database that cannot be read would silently
		 * turn every name into a number */
		if ((n->warning = ids_file_problem(opt->pci_ids))) {
			n->src = SRC_NONE;
			return n;
		}
		n->ids_path = xstrdup(opt->pci_ids);
	}
	else if (opt->snapshot_ids_fd >= 0) {
		n->ids_path = xasprintf("/proc/self/fd/%d", opt->snapshot_ids_fd);
		n->from_snapshot = true;
	}
	if (n->ids_path)
		pci_set_name_list_path(n->pacc, n->ids_path, 0);
	n->src = SRC_PCIIDS;
	return n;
}

char *names_pci_ids_path(const char *pinned)
{
	struct pci_access *pacc;
	char *path;
	if (pinned && *pinned)
		return xstrdup(pinned);
	pacc = pci_alloc();
	path = xstrdup(pacc->id_file_name);
	pci_cleanup(pacc);
	/* libpci reads a compressed pci.ids where it finds one; the file
	 * beside it is the same text */
	if (access(path, R_OK) < 0 && strlen(path) > 3 && strcmp(path + strlen(path) - 3, ".gz") == 0)
		path[strlen(path) - 3] = '\0';
	return path;
}

void names_free(struct names *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nslot; i++)
		free(n->slot[i].name);
	free(n->slot);
	if (n->hwdb)
		udev_hwdb_unref(n->hwdb);
	if (n->udev)
		udev_unref(n->udev);
	if (n->pacc)
		pci_cleanup(n->pacc);
	free(n->ids_path);
	free(n->warning);
	if (n->subset_fd >= 0)
		close(n->subset_fd);
	free(n);
}

const char *names_source(const struct names *n)
{
	if (n->src == SRC_PCIIDS)
		return n->from_snapshot ? "snapshot" : "pci.ids";
	return n->src == SRC_HWDB ? "hwdb" : "none";
}

const char *names_warning(const struct names *n)
{
	return n->warning;
}

/* ---- the cache ---------------------------------------------------------- */

static uint64_t hash64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static struct name_slot *slot_for(struct names *n, uint64_t key, bool *found)
{
	if (n->used * 2 >= n->nslot) {
		struct name_slot *old = n->slot;
		size_t oldn = n->nslot;
		n->nslot = oldn ? oldn * 2 : 256;
		n->slot = xcalloc(n->nslot, sizeof(*n->slot));
		n->used = 0;
		for (size_t i = 0; i < oldn; i++)
			if (old[i].key) {
				bool f;
				struct name_slot *s = slot_for(n, old[i].key, &f);
				*s = old[i];
				n->used++;
			}
		free(old);
	}
	for (size_t i = hash64(key) & (n->nslot - 1);; i = (i + 1) & (n->nslot - 1)) {
		if (n->slot[i].key == key) {
			*found = true;
			return &n->slot[i];
		}
		if (!n->slot[i].key) {
			*found = false;
			return &n->slot[i];
		}
	}
}

/* ---- back ends -------------------------------------------------------------- */

static char *hwdb_get(struct names *n, const char *modalias, const char *prop, const char *prop2)
{
	struct udev_list_entry *e;
	const char *v = NULL, *v2 = NULL;
	udev_list_entry_foreach(e, udev_hwdb_get_properties_list_entry(n->hwdb, modalias, 0))
	{
		if (strcmp(udev_list_entry_get_name(e), prop) == 0)
			v = udev_list_entry_get_value(e);
		else if (prop2 && strcmp(udev_list_entry_get_name(e), prop2) == 0)
			v2 = udev_list_entry_get_value(e);
	}
	if (v && *v)
		return xstrdup(v);
	return v2 && *v2 ? xstrdup(v2) : NULL;
}

static char *pciids_get(struct names *n, enum name_kind kind, uint16_t a, uint16_t b, uint32_t cls)
{
	char buf[512];
	const char *r = NULL;
	int flags = PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB;

	active = n;
	if (setjmp(n->on_error)) {
		/* The database is unusable: stop looking things up. */
		pci_cleanup(n->pacc);
		n->pacc = NULL;
		n->src = SRC_NONE;
		return NULL;
	}
	if (kind == KIND_VENDOR)
		r = pci_lookup_name(n->pacc, buf, sizeof(buf), flags | PCI_LOOKUP_VENDOR, a);
	else if (kind == KIND_DEVICE)
		r = pci_lookup_name(n->pacc, buf, sizeof(buf), flags | PCI_LOOKUP_DEVICE, a, b);
	else
		r = pci_lookup_name(n->pacc, buf, sizeof(buf), flags | PCI_LOOKUP_CLASS, (int)(cls >> 8));
	return r ? xstrdup(r) : NULL;
}

static const char *lookup(struct names *n, enum name_kind kind, uint16_t a, uint16_t b, uint32_t cls)
{
	uint64_t key = (uint64_t)kind << 56 | (kind == KIND_CLASS ? cls >> 8 : ((uint64_t)a << 16 | b));
	bool found;
	struct name_slot *s;
	char *name = NULL, alias[96];

	if (n->src == SRC_NONE)
		return NULL;
	s = slot_for(n, key, &found);
	if (found)
		return s->name;
	if (n->src == SRC_HWDB) {
		if (kind == KIND_VENDOR) {
			snprintf(alias, sizeof(alias), "pci:v%08X", a);
			name = hwdb_get(n, alias, "ID_VENDOR_FROM_DATABASE", NULL);
		} else if (kind == KIND_DEVICE) {
			snprintf(alias, sizeof(alias), "pci:v%08Xd%08X", a, b);
			name = hwdb_get(n, alias, "ID_MODEL_FROM_DATABASE", NULL);
		} else {
			/* Literal '*' in the query only matches the class
			 * patterns ("pci:v*d*sv*sd*bc02sc00*"). */
			snprintf(alias, sizeof(alias), "pci:v*d*sv*sd*bc%02Xsc%02X", (cls >> 16) & 0xff, (cls >> 8) & 0xff);
			name = hwdb_get(n, alias, "ID_PCI_SUBCLASS_FROM_DATABASE", "ID_PCI_CLASS_FROM_DATABASE");
		}
	} else {
		name = pciids_get(n, kind, a, b, cls);
		if (n->src == SRC_NONE)
			return NULL;
	}
	s->key = key;
	s->name = name;
	n->used++;
	return name;
}

const char *names_vendor(struct names *n, uint16_t vendor)
{
	return lookup(n, KIND_VENDOR, vendor, 0, 0);
}

const char *names_device(struct names *n, uint16_t vendor, uint16_t device)
{
	return lookup(n, KIND_DEVICE, vendor, device, 0);
}

const char *names_class(struct names *n, uint32_t class_code)
{
	return lookup(n, KIND_CLASS, 0, 0, class_code);
}

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static bool wanted(const char *line, const uint16_t *want, size_t nwant)
{
	uint16_t v = 0;
	for (int i = 0; i < 4; i++) {
		int c = line[i], d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			return false;
		v = (uint16_t)(v << 4 | d);
	}
	return bsearch(&v, want, nwant, sizeof(*want), cmp_u16) != NULL;
}

/* libpci parses the whole pci.ids (some 36000 lines) at its first look-up,
 * which costs more than listing a thousand functions.  So before looking up
 * a snapshot's names, the part of the file that can answer them (its
 * vendors' entries and every class) is copied into a memfd for libpci to
 * parse instead: the same parser, the same answers. */
static void narrow_database(struct names *n, const struct snapshot *s)
{
	const char *path = n->ids_path ? n->ids_path : n->pacc->id_file_name;
	uint16_t *want = xcalloc(s->ndev + 1, sizeof(*want));
	size_t nwant = 0;
	bool keep = false, classes = false;
	struct buf out;
	struct stat st;
	const char *map, *end;
	int fd;

	n->narrowed = true;
	if (!path || n->from_snapshot || (strlen(path) > 3 && strcmp(path + strlen(path) - 3, ".gz") == 0) ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		free(want);
		return;
	}
	map = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0
		? mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
	close(fd);
	if (map == MAP_FAILED) {
		free(want);
		return;
	}
	for (size_t i = 0; i < s->ndev; i++)
		if (s->dev[i].ident_known)
			want[nwant++] = s->dev[i].ident.vendor_id;
	qsort(want, nwant, sizeof(*want), cmp_u16);
	buf_init(&out);
	end = map + st.st_size;
	for (const char *line = map, *next; line < end; line = next) {
		next = memchr(line, '\n', (size_t)(end - line));
		next = next ? next + 1 : end;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (!classes && next - line > 1 && line[0] == 'C' && line[1] == ' ')
			classes = true;
		if (!classes && line[0] != '\t')
			keep = next - line > 4 && wanted(line, want, nwant);
		if (classes || keep)
			buf_append(&out, line, (size_t)(next - line));
	}
	munmap((void *)map, (size_t)st.st_size);
	free(want);
	n->subset_fd = memfd_create("iommuctl-pci.ids", MFD_CLOEXEC);
	if (n->subset_fd >= 0 && write(n->subset_fd, out.data ? out.data : "", out.len) == (ssize_t)out.len) {
		free(n->ids_path);
		n->ids_path = xasprintf("/proc/self/fd/%d", n->subset_fd);
		pci_set_name_list_path(n->pacc, n->ids_path, 0);
	}
	buf_release(&out);
}

void names_resolve(struct names *n, struct snapshot *s)
{
	if (n->src == SRC_PCIIDS && !n->narrowed && n->used == 0)
		narrow_database(n, s);
	for (size_t i = 0; i < s->ndev; i++) {
		struct pci_device *d = &s->dev[i];
		if (d->ident_known) {
			d->vendor_name = names_vendor(n, d->ident.vendor_id);
			d->device_name = names_device(n, d->ident.vendor_id, d->ident.device_id);
		}
		if (d->class_known)
			d->class_name = names_class(n, d->ident.class_code);
	}
}

/* ---- a names subset for snapshots ------------------------------------------ */

struct id_name {
	uint32_t key;
	const char *name;
};

static int cmp_id_name(const void *a, const void *b)
{
	uint32_t x = ((const struct id_name *)a)->key, y = ((const struct id_name *)b)->key;
	return (x > y) - (x < y);
}

/* Sorts and drops repeated keys. */
static size_t sort_unique(struct id_name *v, size_t n)
{
	size_t k = 0;
	qsort(v, n, sizeof(*v), cmp_id_name);
	for (size_t i = 0; i < n; i++)
		if (!k || v[k - 1].key != v[i].key)
			v[k++] = v[i];
	return k;
}

char *names_pci_ids_text(const struct snapshot *s)
{
	struct id_name *ven = xcalloc(s->ndev + 1, sizeof(*ven)), *dev = xcalloc(s->ndev + 1, sizeof(*dev)),
		       *cls = xcalloc(s->ndev + 1, sizeof(*cls));
	size_t nv = 0, nd = 0, nc = 0, d = 0, c = 0;
	struct buf b;

	for (size_t i = 0; i < s->ndev; i++) {
		const struct pci_device *p = &s->dev[i];
		/* pci.ids cannot hold a device name without its vendor's */
		if (p->ident_known && p->vendor_name) {
			ven[nv++] = (struct id_name){p->ident.vendor_id, p->vendor_name};
			if (p->device_name)
				dev[nd++] = (struct id_name){(uint32_t)p->ident.vendor_id << 16 | p->ident.device_id,
							     p->device_name};
		}
		if (p->class_known && p->class_name)
			cls[nc++] = (struct id_name){p->ident.class_code >> 8, p->class_name};
	}
	nv = sort_unique(ven, nv);
	nd = sort_unique(dev, nd);
	nc = sort_unique(cls, nc);

	buf_init(&b);
	buf_appendf(&b, "# The names iommuctl showed on the machine this snapshot was taken from\n"
			"# (where they came from: names= in info), in pci.ids format.  Each class\n"
			"# below is written as a sub-class line holding the whole name shown.\n");
	for (size_t i = 0; i < nv; i++) {
		buf_appendf(&b, "%04x  %s\n", ven[i].key, ven[i].name);
		for (; d < nd && dev[d].key >> 16 <= ven[i].key; d++)
			if (dev[d].key >> 16 == ven[i].key)
				buf_appendf(&b, "\t%04x  %s\n", dev[d].key & 0xffff, dev[d].name);
	}
	for (; c < nc; c++) {
		if (!c || cls[c - 1].key >> 8 != cls[c].key >> 8)
			buf_appendf(&b, "C %02x  Class %02x\n", cls[c].key >> 8, cls[c].key >> 8);
		buf_appendf(&b, "\t%02x  %s\n", cls[c].key & 0xff, cls[c].name);
	}
	free(ven);
	free(dev);
	free(cls);
	return buf_steal(&b);
}
