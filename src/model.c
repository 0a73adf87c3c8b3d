/* model.c - load a snapshot of PCI functions, IOMMU groups and IOMMU units.
 *
 * What is read, and why this way (the cost matters on SR-IOV hosts with
 * thousands of functions):
 *  - each function's `config` header (one file gives vendor, device, class,
 *    revision, header type and subsystem ids);
 *  - driver bindings from the listings of /sys/bus/pci/drivers/<driver>/
 *    (one listing per driver instead of one link per function);
 *  - group membership from /sys/kernel/iommu_groups/<N>/devices/ (the
 *    kernel's own list, which also names non-PCI members), plus each group's
 *    `type` and `reserved_regions`;
 *  - IOMMU units from /sys/class/iommu/<unit>/devices/.
 * Each of these is the kernel's authoritative record of the same fact that
 * the per-device links (driver, iommu_group, iommu) point at. */
#define _GNU_SOURCE
#include "model.h"
#include "model-internal.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ATTR_MAX (1u << 20) /* sysfs text attributes are one page; be generous */
#define CMDLINE_MAX (1u << 16)

void snapshot_init(struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	strvec_init(&s->drivers);
	strvec_init(&s->host_bridges);
	strvec_init(&s->fw_tables);
	host_facts_init(&s->host);
	firmware_facts_init(&s->fw);
	dma_facts_init(&s->dma);
	s->cmdline_err = -ENODATA;
}

static void group_release(struct iommu_group *g)
{
	free(g->type);
	free(g->name);
	for (size_t i = 0; i < g->nresv; i++)
		free(g->resv[i].type);
	free(g->resv);
	free(g->dev);
	strvec_release(&g->other);
	strvec_release(&g->other_bus);
}

void snapshot_release(struct snapshot *s)
{
	for (size_t i = 0; i < s->ndev; i++) {
		free(s->dev[i].reset_method);
		free(s->dev[i].removable);
		free(s->dev[i].driver_override);
	}
	free(s->dev);
	host_facts_release(&s->host);
	firmware_facts_release(&s->fw);
	dma_facts_release(&s->dma);
	for (size_t i = 0; i < s->ngrp; i++)
		group_release(&s->grp[i]);
	free(s->grp);
	for (size_t i = 0; i < s->nunit; i++) {
		free(s->unit[i].name);
		free(s->unit[i].version);
		strvec_release(&s->unit[i].members);
	}
	free(s->unit);
	strvec_release(&s->drivers);
	strvec_release(&s->host_bridges);
	strvec_release(&s->fw_tables);
	free(s->cmdline);
	free(s->config_restricted_path);
	for (size_t i = 0; i < s->nissues; i++) {
		free(s->issues[i].path);
		free(s->issues[i].detail);
		strvec_release(&s->issues[i].functions);
	}
	free(s->issues);
	snapshot_init(s);
}

void snapshot_add_issue(struct snapshot *s, const char *path, int err, const char *detail)
{
	struct load_issue *is;
	xgrow((void **)&s->issues, &s->cap_issues, s->nissues + 1, sizeof(*s->issues));
	is = &s->issues[s->nissues++];
	is->path = path[0] == '/' ? xstrdup(path) : xasprintf("/%s", path);
	is->err = err;
	is->detail = detail ? xstrdup(detail) : NULL;
	is->fact = NULL;
	is->source = PROV_READ;
	strvec_init(&is->functions);
}

void snapshot_add_synthesised(struct snapshot *s, const char *detail, enum prov_fact fact, enum prov_source source,
			      const struct strvec *functions)
{
	struct load_issue *is;
	snapshot_add_issue(s, PROVENANCE_FILE, 0, detail);
	is = &s->issues[s->nissues - 1];
	is->fact = prov_fact_name(fact);
	is->source = source;
	for (size_t i = 0; functions && i < functions->n; i++)
		strvec_push(&is->functions, functions->v[i]);
}

/* ---- look-ups ---------------------------------------------------------- */

static int cmp_dev(const void *a, const void *b)
{
	return pci_addr_cmp(&((const struct pci_device *)a)->addr, &((const struct pci_device *)b)->addr);
}

struct pci_device *snapshot_find_device(const struct snapshot *s, const struct pci_addr *a)
{
	struct pci_device key;
	key.addr = *a;
	return bsearch(&key, s->dev, s->ndev, sizeof(*s->dev), cmp_dev);
}

struct pci_device *snapshot_find_by_name(const struct snapshot *s, const char *name)
{
	struct pci_addr a;
	if (!pci_addr_parse(name, &a))
		return NULL;
	return snapshot_find_device(s, &a);
}

static struct pci_device *find_by_name(const struct snapshot *s, const char *name)
{
	return snapshot_find_by_name(s, name);
}

struct pci_device *snapshot_device_in_path(const struct snapshot *s, const char *path)
{
	struct pci_device *last = NULL;
	char comp[64];
	for (const char *p = path; *p;) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len < sizeof(comp)) {
			struct pci_device *d;
			memcpy(comp, p, len);
			comp[len] = '\0';
			if ((d = find_by_name(s, comp)))
				last = d;
		}
		p += len;
		if (*p == '/')
			p++;
	}
	return last;
}

static int cmp_group(const void *a, const void *b)
{
	int x = ((const struct iommu_group *)a)->id, y = ((const struct iommu_group *)b)->id;
	return (x > y) - (x < y);
}

const struct iommu_group *snapshot_find_group(const struct snapshot *s, int id)
{
	struct iommu_group key;
	key.id = id;
	return bsearch(&key, s->grp, s->ngrp, sizeof(*s->grp), cmp_group);
}

void pci_tree_build(const struct snapshot *s, struct pci_tree *t)
{
	size_t *fill;
	t->start = xcalloc(s->ndev + 2, sizeof(*t->start));
	t->kids = xcalloc(s->ndev + 1, sizeof(*t->kids));
	t->roots = xcalloc(s->ndev + 1, sizeof(*t->roots));
	t->nroots = 0;
	for (size_t i = 0; i < s->ndev; i++) {
		const struct pci_device *d = &s->dev[i];
		if (d->topology_known && d->parent >= 0 && (size_t)d->parent < s->ndev)
			t->start[d->parent + 1]++;
		else if (d->topology_known && d->parent < 0)
			t->roots[t->nroots++] = (int)i;
	}
	for (size_t i = 0; i < s->ndev; i++)
		t->start[i + 1] += t->start[i];
	fill = xcalloc(s->ndev + 1, sizeof(*fill));
	memcpy(fill, t->start, s->ndev * sizeof(*fill));
	for (size_t i = 0; i < s->ndev; i++) {
		const struct pci_device *d = &s->dev[i];
		if (d->topology_known && d->parent >= 0 && (size_t)d->parent < s->ndev)
			t->kids[fill[d->parent]++] = (int)i;
	}
	free(fill);
}

void pci_tree_release(struct pci_tree *t)
{
	free(t->start);
	free(t->kids);
	free(t->roots);
	memset(t, 0, sizeof(*t));
}

/* ---- PCI functions ------------------------------------------------------- */

/* "KEYvvvv:dddd" (four hex digits each), as uevent writes PCI_ID. */
static bool parse_id_pair(const char *line, const char *key, unsigned *a, unsigned *b)
{
	size_t k = strlen(key);
	char hi[5], lo[5];
	uint64_t x, y;
	if (strncmp(line, key, k) != 0 || strlen(line + k) != 9 || line[k + 4] != ':')
		return false;
	memcpy(hi, line + k, 4);
	memcpy(lo, line + k + 5, 4);
	hi[4] = lo[4] = '\0';
	if (!parse_u64(hi, 16, &x) || !parse_u64(lo, 16, &y))
		return false;
	*a = (unsigned)x;
	*b = (unsigned)y;
	return true;
}

bool parse_uevent_ident(char *text, struct pci_device *d)
{
	unsigned v, dv, sv, sd;
	bool have_id = false, have_class = false;

	for (char *line = text, *next; line && *line; line = next) {
		uint64_t cls;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (parse_id_pair(line, "PCI_ID=", &v, &dv)) {
			d->ident.vendor_id = (uint16_t)v;
			d->ident.device_id = (uint16_t)dv;
			have_id = true;
		} else if (parse_id_pair(line, "PCI_SUBSYS_ID=", &sv, &sd)) {
			d->ident.subsys_vendor_id = (uint16_t)sv;
			d->ident.subsys_device_id = (uint16_t)sd;
			d->ident.has_subsys = true;
		} else if (strncmp(line, "PCI_CLASS=", 10) == 0 && parse_u64(line + 10, 16, &cls) && cls <= 0xffffff) {
			if (!d->class_known)
				d->ident.class_code = (uint32_t)cls;
			have_class = true;
		}
	}
	d->class_known = d->class_known || have_class;
	return have_id;
}

/* Fills what `uevent` knows (PCI_ID, PCI_SUBSYS_ID, PCI_CLASS): used when
 * the configuration header is unreadable or, for SR-IOV VFs, reads all ones
 * in its id registers. */
static bool ident_from_uevent(struct snapshot *s, struct sysroot *sr, const char *bdf, struct pci_device *d,
			      struct buf *b)
{
	char path[96];
	bool have_id;
	int err;

	snprintf(path, sizeof(path), "sys/bus/pci/devices/%s/uevent", bdf);
	err = sr_read(sr, path, ATTR_MAX, SR_SINGLE_SHOT, b);
	if (err) {
		snapshot_add_issue(s, path, err, NULL);
		return false;
	}
	have_id = parse_uevent_ident(b->data, d);
	if (!have_id)
		snapshot_add_issue(s, path, 0, "no PCI_ID line");
	return have_id;
}

/* The sizes a `config` read returns: 64 bytes unprivileged (128 for a
 * CardBus bridge), else the whole space, 256 or 4096 bytes
 * (drivers/pci/pci-sysfs.c: pci_read_config, pci_dev_config_attr). */
static bool config_size_ok(size_t len)
{
	return len == PCI_CFG_HEADER_SIZE || len == 128 || len == 256 || len == PCI_CFG_EXP_SIZE;
}

static void load_device_ident(struct snapshot *s, struct sysroot *sr, unsigned flags, struct pci_device *d,
			      struct buf *b, bool *gone)
{
	char path[96];
	size_t max = (flags & SNAP_LOAD_CONFIG) ? PCI_CFG_EXP_SIZE : PCI_CFG_HEADER_SIZE;
	bool misfit = false; /* a size no kernel gives: not a privilege matter */
	int err;

	*gone = false;
	snprintf(path, sizeof(path), "sys/bus/pci/devices/%s/config", d->bdf);
	/* one byte past the largest size tells a file no kernel writes */
	err = sr_read(sr, path, max + 1, SR_PREFIX | SR_SINGLE_SHOT, b);
	if (!err && (flags & SNAP_LOAD_CONFIG) && !config_size_ok(b->len) && b->len > PCI_CFG_HEADER_SIZE) {
		char detail[128];
		snprintf(detail, sizeof(detail),
			 "%s%zu bytes of configuration space, a size the kernel never gives: only the header used",
			 b->len > max ? "over " : "", b->len > max ? max : b->len);
		snapshot_add_issue(s, path, 0, detail);
		buf_truncate(b, PCI_CFG_HEADER_SIZE);
		misfit = true;
	} else if (!err && b->len > max)
		buf_truncate(b, max);
	if (err == -ENOENT) {
		struct sr_node node;
		char dir[80];
		snprintf(dir, sizeof(dir), "sys/bus/pci/devices/%s", d->bdf);
		if (sr_kind(sr, dir, &node) == -ENOENT) {
			*gone = true; /* unplugged while we were looking */
			return;
		}
	}
	if (err) {
		snapshot_add_issue(s, path, err, NULL);
	} else if (b->len < PCI_CFG_HEADER_SIZE) {
		char detail[64];
		snprintf(detail, sizeof(detail), "only %zu bytes of configuration header", b->len);
		snapshot_add_issue(s, path, 0, detail);
	} else {
		if ((flags & SNAP_LOAD_CONFIG) && !misfit) {
			/* No function has a 64-byte configuration space:
			 * only an unprivileged read stops there. */
			if (b->len == PCI_CFG_HEADER_SIZE && !misfit && s->config_restricted++ == 0)
				s->config_restricted_path = xstrdup(path);
			d->config_len = b->len;
		}
		d->header_known = true;
		pci_parse_caps((const uint8_t *)b->data, b->len, &d->caps);
		if (d->caps.loops)
			/* drivers/pci/pci.c: __pci_find_next_cap_ttl (48 entries),
			 * pci_find_next_ext_capability (480) */
			snapshot_add_issue(s, path, 0, "its capability list loops: cut where the kernel cuts it");
		if (pci_decode_ident((const uint8_t *)b->data, b->len, &d->ident)) {
			d->ident_known = d->revision_known = d->class_known = true;
			return;
		}
		d->virtfn = true; /* until uevent says otherwise */
		/* Vendor 0xffff: keep what the rest of the header says. */
		struct pci_ident id = d->ident;
		const uint8_t *cfg = (const uint8_t *)b->data;
		id.revision = cfg[PCI_CFG_REVISION];
		id.class_code = pci_cfg_u32(cfg, PCI_CFG_REVISION) >> 8;
		id.header_type = cfg[PCI_CFG_HEADER_TYPE] & 0x7f;
		id.multifunction = (cfg[PCI_CFG_HEADER_TYPE] & 0x80) != 0;
		d->ident = id;
		d->revision_known = d->class_known = true;
	}
	if (!d->revision_known) {
		/* uevent has no revision: the attribute has */
		uint64_t rev;
		snprintf(path, sizeof(path), "sys/bus/pci/devices/%s/revision", d->bdf);
		if (sr_read(sr, path, ATTR_MAX, SR_SINGLE_SHOT, b) == 0 && parse_u64(b->data, 16, &rev) && rev <= 0xff) {
			d->ident.revision = (uint8_t)rev;
			d->revision_known = true;
		}
	}
	d->ident_known = ident_from_uevent(s, sr, d->bdf, d, b);
	if (d->virtfn) {
		/* a VF: all ones in its id registers, real ids in uevent */
		d->virtfn = d->ident_known;
		d->ident.multifunction = false;
	}
}

static void load_pci_devices(struct snapshot *s, struct sysroot *sr, unsigned flags)
{
	struct sr_dir dir;
	struct buf b;
	size_t kept = 0;

	sr_dir_init(&dir);
	buf_init(&b);
	s->pci_devices.err = sr_list(sr, "sys/bus/pci/devices", pci_is_bdf, &dir);
	if (s->pci_devices.err && s->pci_devices.err != -ENOENT)
		snapshot_add_issue(s, "sys/bus/pci/devices", s->pci_devices.err, NULL);
	s->dev = xcalloc(dir.n ? dir.n : 1, sizeof(*s->dev));
	for (size_t i = 0; i < dir.n; i++) {
		struct pci_device *d = &s->dev[s->ndev++];
		pci_addr_parse(dir.ent[i].name, &d->addr);
		pci_addr_format(&d->addr, d->bdf);
		d->group = -1;
		d->dma_mask_bits = d->coherent_dma_mask_bits = -1;
		d->unit = -1;
		d->parent = d->host_bridge = d->dma_dev = d->physfn = -1;
		d->boot_vga = d->sriov_numvfs = -1;
	}
	if (s->ndev > 1)
		qsort(s->dev, s->ndev, sizeof(*s->dev), cmp_dev);
	/* Same function listed twice (case-different hex digits): keep one. */
	for (size_t i = 0; i < s->ndev; i++) {
		bool gone;
		if (kept && pci_addr_cmp(&s->dev[kept - 1].addr, &s->dev[i].addr) == 0)
			continue;
		s->dev[kept] = s->dev[i];
		load_device_ident(s, sr, flags, &s->dev[kept], &b, &gone);
		if (gone) {
			char path[64];
			snprintf(path, sizeof(path), "sys/bus/pci/devices/%s", s->dev[kept].bdf);
			snapshot_add_issue(s, path, 0, "listed, but its directory is gone (unplugged while read, or a broken tree)");
			continue;
		}
		kept++;
	}
	s->ndev = kept;
	s->pci_devices.entries = kept;
	sr_dir_release(&dir);
	buf_release(&b);
}

static bool not_hidden(const char *name)
{
	return name[0] != '.';
}

/* The kernel names drivers, devices and units in printable ASCII.  Any
 * other name (bytes that are not UTF-8, control characters) comes from a
 * tree edited by hand: it is left out with a warning, shown escaped, rather
 * than passed to a terminal or a JSON document. */
static bool plain_name(struct snapshot *s, const char *dir, const char *name)
{
	struct buf shown;
	char *detail;
	if (is_token(name))
		return true;
	const unsigned char *c = (const unsigned char *)name;
	buf_init(&shown);
	for (; *c && shown.len < 64; c++)
		if (*c > 0x20 && *c < 0x7f && *c != '\\')
			buf_append(&shown, c, 1);
		else
			buf_appendf(&shown, "\\x%02x", *c);
	detail = xasprintf("an entry named \"%s%s\" is not a kernel name (not printable ASCII): left out", shown.data,
			   *c ? "..." : "");
	snapshot_add_issue(s, dir, 0, detail);
	free(detail);
	buf_release(&shown);
	return false;
}

static void load_drivers(struct snapshot *s, struct sysroot *sr)
{
	struct sr_dir drivers, bound;
	bool all_read = true;

	sr_dir_init(&drivers);
	sr_dir_init(&bound);
	s->pci_drivers.err = sr_list(sr, "sys/bus/pci/drivers", not_hidden, &drivers);
	if (s->pci_drivers.err) {
		/* (a snapshot built from a dump without driver lines
		 * says so itself) */
		if (s->pci_devices.err == 0 && s->ndev && !s->from_lspci)
			snapshot_add_issue(s, "sys/bus/pci/drivers", s->pci_drivers.err, NULL);
		sr_dir_release(&drivers);
		return;
	}
	s->pci_drivers.entries = drivers.n;
	for (size_t i = 0; i < drivers.n; i++) {
		char *path;
		const char *name = NULL;
		int err;
		if (drivers.ent[i].type != DT_DIR)
			continue;
		if (!plain_name(s, "sys/bus/pci/drivers", drivers.ent[i].name)) {
			all_read = false;
			continue;
		}
		path = xasprintf("sys/bus/pci/drivers/%s", drivers.ent[i].name);
		err = sr_list(sr, path, pci_is_bdf, &bound);
		if (err) {
			snapshot_add_issue(s, path, err, NULL);
			all_read = false;
		}
		for (size_t j = 0; j < bound.n; j++) {
			struct pci_device *d = find_by_name(s, bound.ent[j].name);
			if (!d)
				continue; /* bound to a function that has gone */
			if (!name) {
				strvec_push(&s->drivers, drivers.ent[i].name);
				name = s->drivers.v[s->drivers.n - 1];
			}
			if (d->driver && strcmp(d->driver, name) != 0) {
				char *detail = xasprintf("%s is listed under drivers %s and %s", d->bdf, d->driver, name);
				snapshot_add_issue(s, path, 0, detail);
				free(detail);
			}
			d->driver = name;
		}
		free(path);
	}
	/* Without every listing, "no driver" cannot be told from "unknown". */
	for (size_t i = 0; i < s->ndev; i++)
		s->dev[i].driver_known = all_read || s->dev[i].driver;
	sr_dir_release(&drivers);
	sr_dir_release(&bound);
}

/* ---- topology ---------------------------------------------------------------- */

/* "pciDDDD:BB": a host bridge (a root bus) in sysfs. */
static bool is_host_bridge_name(const char *c, size_t len)
{
	const char *colon = memchr(c, ':', len);
	if (len < 8 || strncmp(c, "pci", 3) != 0 || !colon || (size_t)(colon - c) < 7 || len - (size_t)(colon - c) != 3)
		return false;
	for (size_t i = 3; i < len; i++)
		if (c + i != colon && !((c[i] >= '0' && c[i] <= '9') || (c[i] >= 'a' && c[i] <= 'f')))
			return false;
	return true;
}

bool parse_device_location(struct snapshot *s, struct pci_device *d, const char *target)
{
	const char *p = strstr(target, "devices/");
	int last_dev = -1, before_host = -1, host = -1;
	bool self_seen = false;

	if (!p)
		return false;
	p += 8;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char comp[64];
		if (len == 0)
			return false;
		if (len >= sizeof(comp)) {
			/* a platform directory with a long name, before any
			 * host bridge; past one, only PCI functions follow */
			if (host >= 0)
				return false;
			last_dev = -1;
			p = e ? e + 1 : p + len;
			continue;
		}
		memcpy(comp, p, len);
		comp[len] = '\0';
		if (is_host_bridge_name(comp, len)) {
			if (self_seen)
				return false;
			before_host = last_dev;
			last_dev = -1;
			if (!strvec_contains(&s->host_bridges, comp))
				strvec_push(&s->host_bridges, comp);
			for (size_t i = 0; i < s->host_bridges.n; i++)
				if (strcmp(s->host_bridges.v[i], comp) == 0)
					host = (int)i;
		} else if (strcmp(comp, d->bdf) == 0) {
			if (self_seen || e)
				return false; /* the function itself is the last component */
			self_seen = true;
		} else {
			struct pci_device *up = find_by_name(s, comp);
			if (self_seen)
				return false;
			if (!up) {
				/* Before the host bridge, the platform's own
				 * directories ("platform", "4010000000.pcie",
				 * "soc@0", ...): a host bridge that is a
				 * platform device sits below them.  Past it,
				 * every component is a PCI function. */
				if (host >= 0 || pci_is_bdf(comp))
					return false;
				last_dev = -1;
			} else {
				last_dev = (int)(up - s->dev);
			}
		}
		p = e ? e + 1 : p + len;
	}
	if (!self_seen || host < 0)
		return false;
	d->parent = last_dev;
	d->host_bridge = host;
	d->dma_dev = before_host;
	d->topology_known = true;
	return true;
}

/* Each function's place names its parent, so an edited tree can make the
 * parents loop (A below B below C below A: each link alone is a place).
 * Every walk up the hierarchy would never end: a function on such a loop
 * has no known place (a warning), and walks stop at it.  One pass, each
 * function coloured once. */
static void break_parent_loops(struct snapshot *s)
{
	unsigned char *state = xcalloc(s->ndev + 1, 1); /* 0 new, 1 on this walk, 2 done */
	for (size_t i = 0; i < s->ndev; i++) {
		int p = (int)i, loop = -1;
		while (p >= 0 && state[p] == 0) {
			state[p] = 1;
			p = s->dev[p].parent;
		}
		if (p >= 0 && state[p] == 1)
			loop = p;
		/* cut the loop where it closed; the rest of the walk is done */
		for (int q = loop; q >= 0 && s->dev[q].topology_known;) {
			int next = s->dev[q].parent;
			char path[64];
			snprintf(path, sizeof(path), "sys/bus/pci/devices/%s", s->dev[q].bdf);
			snapshot_add_issue(s, path, 0, "its place under /sys/devices loops back on itself through its parents");
			s->dev[q].parent = -1;
			s->dev[q].topology_known = false;
			state[q] = 2;
			q = next;
		}
		for (p = (int)i; p >= 0 && state[p] == 1; p = s->dev[p].parent)
			state[p] = 2;
	}
	free(state);
}

static void load_topology(struct snapshot *s, struct sysroot *sr)
{
	struct sr_base base = {.fd = -1, .path = NULL};
	sr_base_open(sr, "sys/bus/pci/devices", &base);
	for (size_t i = 0; i < s->ndev; i++) {
		struct pci_device *d = &s->dev[i];
		char *target = NULL;
		int err = sr_readlink_in(sr, &base, d->bdf, &target);
		if (err) {
			char path[64];
			snprintf(path, sizeof(path), "sys/bus/pci/devices/%s", d->bdf);
			snapshot_add_issue(s, path, err, NULL);
		} else if (!parse_device_location(s, d, target) && !(d->unknown & (1u << PROV_PLACEMENT))) {
			char path[64];
			snprintf(path, sizeof(path), "sys/bus/pci/devices/%s", d->bdf);
			snapshot_add_issue(s, path, 0, "a link to no PCI device's place under /sys/devices");
		}
		free(target);
	}
	sr_base_close(sr, &base);
	break_parent_loops(s);
	s->topology_loaded = true;
}

/* ---- IOMMU units ---------------------------------------------------------- */

/* Which driver registered a unit: its name says so for Intel, AMD and Arm;
 * virtio-iommu names the unit after its transport's parent device (on 6.12,
 * the PCI function "0000:00:02.0"), so there the class device's location
 * tells: it sits under the virtio device, .../virtioN/iommu/NAME. */
static const char *unit_driver_from_path(const char *target)
{
	const char *end = strstr(target, "/iommu/"), *start;
	if (!end)
		return NULL;
	start = end;
	while (start > target && start[-1] != '/')
		start--;
	if (end - start > 6 && strncmp(start, "virtio", 6) == 0) {
		for (const char *p = start + 6; p < end; p++)
			if (*p < '0' || *p > '9')
				return NULL;
		return "virtio";
	}
	return NULL;
}

static const char *unit_driver(const char *name)
{
	if (strncmp(name, "dmar", 4) == 0 && is_decimal(name + 4))
		return "intel";
	if (strncmp(name, "ivhd", 4) == 0 && is_decimal(name + 4))
		return "amd";
	if (strncmp(name, "smmu3.0x", 8) == 0)
		return "arm-smmu-v3";
	if (strncmp(name, "smmu.0x", 7) == 0)
		return "arm-smmu";
	if (strncmp(name, "virtio", 6) == 0 && is_decimal(name + 6))
		return "virtio";
	return NULL;
}

static int cmp_unit(const void *a, const void *b)
{
	return strverscmp(((const struct iommu_unit *)a)->name, ((const struct iommu_unit *)b)->name);
}

static void load_units(struct snapshot *s, struct sysroot *sr)
{
	struct sr_dir units, members;

	sr_dir_init(&units);
	sr_dir_init(&members);
	s->class_iommu.err = sr_list(sr, "sys/class/iommu", not_hidden, &units);
	if (s->class_iommu.err && s->class_iommu.err != -ENOENT)
		snapshot_add_issue(s, "sys/class/iommu", s->class_iommu.err, NULL);
	s->class_iommu.entries = units.n;
	s->unit = xcalloc(units.n ? units.n : 1, sizeof(*s->unit));
	for (size_t i = 0; i < units.n; i++) {
		struct iommu_unit *u;
		char *path;
		int err;
		if (!plain_name(s, "sys/class/iommu", units.ent[i].name))
			continue;
		u = &s->unit[s->nunit++];
		path = xasprintf("sys/class/iommu/%s/devices", units.ent[i].name);
		err = sr_list(sr, path, not_hidden, &members);
		u->name = xstrdup(units.ent[i].name);
		u->driver = unit_driver(u->name);
		if (!u->driver && units.ent[i].type == DT_LNK) {
			char *link = xasprintf("sys/class/iommu/%s", u->name), *target = NULL;
			if (sr_readlink(sr, link, &target) == 0)
				u->driver = unit_driver_from_path(target);
			free(target);
			free(link);
		}
		strvec_init(&u->members);
		if (err && err != -ENOENT)
			snapshot_add_issue(s, path, err, NULL);
		u->members_known = err == 0;
		for (size_t j = 0; j < members.n; j++)
			if (plain_name(s, path, members.ent[j].name))
				strvec_push(&u->members, members.ent[j].name);
		strvec_sort(&u->members);
		free(path);
	}
	if (s->nunit > 1)
		qsort(s->unit, s->nunit, sizeof(*s->unit), cmp_unit);
	for (size_t i = 0; i < s->nunit; i++)
		for (size_t j = 0; j < s->unit[i].members.n; j++) {
			struct pci_device *d = find_by_name(s, s->unit[i].members.v[j]);
			if (d)
				d->unit = (int)i;
		}
	sr_dir_release(&units);
	sr_dir_release(&members);
}

/* ---- IOMMU groups ----------------------------------------------------------- */

/* Parses reserved_regions as iommu_group_show_resv_regions() prints it:
 * "0x%016llx 0x%016llx %s\n" per region, end inclusive. */
/* "0x" and 1 to 16 hex digits: an address as %016llx prints it. */
static bool resv_address(const char *f, uint64_t *v, bool *overflow)
{
	size_t digits;
	if (strncmp(f, "0x", 2) != 0)
		return false;
	digits = strspn(f + 2, "0123456789abcdefABCDEF");
	if (digits == 0 || f[2 + digits])
		return false;
	*overflow = !parse_u64(f + 2, 16, v);
	return true;
}

bool parse_resv_regions(struct snapshot *s, const char *path, const char *text, struct resv_region **out, size_t *n)
{
	struct resv_region *r = NULL;
	size_t cnt = 0, cap = 0, lineno = 0, nbad = 0;
	char *first_bad = NULL;
	const char *p = text;

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char *line = xstrndup(p, len), *f[4] = {0}, *save = NULL, *bad = NULL;
		int nf = 0;
		uint64_t a, b;
		bool over_a, over_b;
		lineno++;
		for (char *tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save))
			f[nf < 4 ? nf++ : 3] = tok;
		if (nf == 0) {
			/* blank line: tolerated */
		} else if (nf != 3 || !resv_address(f[0], &a, &over_a) || !resv_address(f[1], &b, &over_b) ||
			   !is_token(f[2]) || strlen(f[2]) >= 32) {
			bad = xasprintf("line %zu is not \"START END TYPE\"", lineno);
		} else if (over_a || over_b) {
			bad = xasprintf("line %zu has an address past 64 bits", lineno);
		} else if (a > b) {
			/* the kernel prints start and end (inclusive) of a
			 * region, never an empty or reversed one */
			bad = xasprintf("line %zu has its start above its end", lineno);
		} else {
			xgrow((void **)&r, &cap, cnt + 1, sizeof(*r));
			r[cnt].start = a;
			r[cnt].end = b;
			r[cnt].type = xstrdup(f[2]);
			cnt++;
		}
		if (bad && nbad++ == 0)
			first_bad = bad;
		else
			free(bad);
		free(line);
		p += len;
		if (*p == '\n')
			p++;
	}
	/* one warning per file, however much of it is garbage */
	if (nbad) {
		char *detail = nbad == 1 ? xstrdup(first_bad)
					 : xasprintf("%s (and %zu more malformed line%s)", first_bad, nbad - 1,
						     nbad == 2 ? "" : "s");
		snapshot_add_issue(s, path, 0, detail);
		free(detail);
		free(first_bad);
	}
	*out = r;
	*n = cnt;
	return nbad == 0;
}

static const char *const known_types[] = {"DMA", "DMA-FQ", "identity", "blocked", "unmanaged", "unknown"};

/* Group files are read relative to BASE (/sys/kernel/iommu_groups); PATH
 * (for messages) and REL are built side by side. */
static void group_path(char *path, size_t size, const char **rel, int id, const char *file)
{
	static const char prefix[] = "sys/kernel/iommu_groups/";
	snprintf(path, size, "%s%d/%s", prefix, id, file);
	*rel = path + sizeof(prefix) - 1;
}

/* The bus of a group member that is not a PCI function: the last component
 * of its `subsystem` link ("../../../bus/platform"), or "" if unread. */
static char *member_bus(struct sysroot *sr, const struct sr_base *base, int id, const char *name)
{
	char *rel = xasprintf("%d/devices/%s/subsystem", id, name), *target = NULL, *bus;
	const char *slash;
	int err = sr_readlink_in(sr, base, rel, &target);
	free(rel);
	if (err || !target)
		return xstrdup("");
	slash = strrchr(target, '/');
	bus = xstrdup(slash ? slash + 1 : target);
	free(target);
	return is_text(bus, strlen(bus)) ? bus : (free(bus), xstrdup(""));
}

static void load_group(struct snapshot *s, struct sysroot *sr, const struct sr_base *base, struct iommu_group *g,
		       struct buf *b, struct sr_dir *members)
{
	char path[96];
	const char *rel;
	int err;

	group_path(path, sizeof(path), &rel, g->id, "type");
	err = sr_read_in(sr, base, rel, ATTR_MAX, SR_SINGLE_SHOT, b);
	if (err == -ENOENT) {
		/* Before 5.11 there was no `type`: unknown, not an error. */
	} else if (err) {
		snapshot_add_issue(s, path, err, NULL);
	} else {
		rstrip(b->data);
		if (!is_token(b->data) || strlen(b->data) > 32)
			snapshot_add_issue(s, path, 0, "not a domain type");
		else {
			bool known = false;
			for (size_t i = 0; i < ARRAY_SIZE(known_types); i++)
				known = known || strcmp(b->data, known_types[i]) == 0;
			if (!known)
				snapshot_add_issue(s, path, 0, "domain type not known to this iommuctl");
			g->type = xstrdup(b->data);
		}
	}

	group_path(path, sizeof(path), &rel, g->id, "reserved_regions");
	err = sr_read_in(sr, base, rel, ATTR_MAX, SR_SINGLE_SHOT, b);
	if (err) {
		if (err != -ENOENT)
			snapshot_add_issue(s, path, err, NULL);
	} else {
		g->resv_known = parse_resv_regions(s, path, b->data ? b->data : "", &g->resv, &g->nresv);
	}

	group_path(path, sizeof(path), &rel, g->id, "devices");
	err = sr_list_in(sr, base, rel, not_hidden, members);
	if (err) {
		snapshot_add_issue(s, path, err, NULL);
		return;
	}
	g->members_known = true;
	g->dev = xcalloc(members->n ? members->n : 1, sizeof(*g->dev));
	for (size_t i = 0; i < members->n; i++) {
		struct pci_device *d = find_by_name(s, members->ent[i].name);
		if (!d) {
			const char *name = members->ent[i].name;
			if (!plain_name(s, path, name))
				continue;
			/* A PCI function not among the functions was unplugged
			 * while we looked, or the tree is broken: either way it
			 * is still counted, so that the group is never shown
			 * smaller (safer to assign) than it is.  (Links to
			 * other devices are not followed: a snapshot keeps the
			 * links, not what they lead to.) */
			if (pci_is_bdf(name)) {
				char *member = xasprintf("%s/%s", path, name);
				snapshot_add_issue(s, member, 0,
						   "a member that is not among /sys/bus/pci/devices (unplugged while "
						   "read, or a broken tree): counted as a member");
				free(member);
			}
			strvec_push(&g->other, name);
			continue;
		}
		if (d->group >= 0 && d->group != g->id) {
			char *detail = xasprintf("%s is also a member of group %d", d->bdf, d->group);
			snapshot_add_issue(s, path, 0, detail);
			free(detail);
		}
		d->group = g->id;
		g->dev[g->ndev++] = (size_t)(d - s->dev);
	}
	strvec_sort(&g->other);
	for (size_t i = 0; i < g->other.n; i++)
		strvec_push_owned(&g->other_bus, member_bus(sr, base, g->id, g->other.v[i]));
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return (x > y) - (x < y);
}

/* A group none of whose members an IOMMU unit serves may be one that VFIO's
 * no-IOMMU mode made; only such groups carry a `name`, so only they are
 * asked (saves a failed open per group on ordinary machines). */
static bool group_may_be_named(const struct snapshot *s, const struct iommu_group *g)
{
	for (size_t i = 0; i < g->ndev; i++)
		if (s->dev[g->dev[i]].unit >= 0)
			return false;
	for (size_t i = 0; i < g->other.n; i++)
		for (size_t u = 0; u < s->nunit; u++)
			if (strvec_contains(&s->unit[u].members, g->other.v[i]))
				return false;
	return true;
}

static void load_groups(struct snapshot *s, struct sysroot *sr)
{
	struct sr_dir ids, members;
	struct sr_base base = {.fd = -1, .path = NULL};
	struct buf b;

	sr_dir_init(&ids);
	sr_dir_init(&members);
	buf_init(&b);
	s->iommu_groups.err = sr_list(sr, "sys/kernel/iommu_groups", is_decimal, &ids);
	if (s->iommu_groups.err && s->iommu_groups.err != -ENOENT)
		snapshot_add_issue(s, "sys/kernel/iommu_groups", s->iommu_groups.err, NULL);
	s->grp = xcalloc(ids.n ? ids.n : 1, sizeof(*s->grp));
	for (size_t i = 0; i < ids.n; i++) {
		int id;
		if (!parse_int(ids.ent[i].name, &id) || id < 0) {
			char *detail = xasprintf("group %.32s: an id out of range (the kernel's ids are ints)",
						 ids.ent[i].name);
			snapshot_add_issue(s, "sys/kernel/iommu_groups", 0, detail);
			free(detail);
			continue;
		}
		s->grp[s->ngrp].id = id;
		strvec_init(&s->grp[s->ngrp].other);
		strvec_init(&s->grp[s->ngrp].other_bus);
		s->ngrp++;
	}
	s->iommu_groups.entries = s->ngrp;
	if (s->ngrp > 1)
		qsort(s->grp, s->ngrp, sizeof(*s->grp), cmp_group);
	if (s->ngrp)
		sr_base_open(sr, "sys/kernel/iommu_groups", &base); /* an fd only saves work */
	for (size_t i = 0; i < s->ngrp; i++) {
		struct iommu_group *g = &s->grp[i];
		load_group(s, sr, &base, g, &b, &members);
		if (g->ndev > 1)
			qsort(g->dev, g->ndev, sizeof(*g->dev), cmp_size);
		if (group_may_be_named(s, g)) {
			char path[96];
			const char *rel;
			int err;
			group_path(path, sizeof(path), &rel, g->id, "name");
			err = sr_read_in(sr, &base, rel, ATTR_MAX, SR_SINGLE_SHOT, &b);
			if (!err && is_token(rstrip(b.data)))
				g->name = xstrdup(b.data);
			else if (err && err != -ENOENT)
				snapshot_add_issue(s, path, err, NULL);
		}
	}
	if (base.path)
		sr_base_close(sr, &base);
	sr_dir_release(&ids);
	sr_dir_release(&members);
	buf_release(&b);
}

/* ---- the rest ------------------------------------------------------------------ */

static void load_cmdline(struct snapshot *s, struct sysroot *sr)
{
	struct buf b;
	buf_init(&b);
	s->cmdline_err = sr_read(sr, "proc/cmdline", CMDLINE_MAX, 0, &b);
	if (s->cmdline_err && s->cmdline_err != -ENOENT)
		snapshot_add_issue(s, "proc/cmdline", s->cmdline_err, NULL);
	if (!s->cmdline_err) {
		/* NULs would cut the string short: show them as spaces */
		for (size_t i = 0; i < b.len; i++)
			if (b.data[i] == '\0' || b.data[i] == '\n')
				b.data[i] = ' ';
	}
	if (!s->cmdline_err && !is_text(b.data ? b.data : "", b.len)) {
		snapshot_add_issue(s, "proc/cmdline", 0, "not text (bytes that are not UTF-8, or control characters)");
		s->cmdline_err = -EILSEQ;
	}
	if (!s->cmdline_err) {
		s->cmdline = buf_steal(&b);
		rstrip(s->cmdline);
	}
	buf_release(&b);
}

static bool firmware_description(const char *name)
{
	return !strcmp(name, "acpi") || !strcmp(name, "devicetree");
}

static void load_fw_tables(struct snapshot *s, struct sysroot *sr)
{
	static const char *const tables[] = {"DMAR", "IVRS", "IORT", "VIOT"};
	struct sr_node dir;
	struct sr_dir fw;
	int derr;
	/* /sys/firmware is always there: without it the firmware's
	 * description is unknown, not absent (the listing also records it) */
	sr_dir_init(&fw);
	derr = sr_list(sr, "sys/firmware", firmware_description, &fw);
	sr_dir_release(&fw);
	if (derr) {
		snapshot_add_issue(s, "sys/firmware", derr, NULL);
		return;
	}
	derr = sr_kind(sr, "sys/firmware/acpi/tables", &dir);
	s->fw_tables_checked = true;
	s->fw_acpi = derr == 0 && dir.kind == SR_KIND_DIR;
	if (derr && derr != -ENOENT)
		snapshot_add_issue(s, "sys/firmware/acpi/tables", derr, NULL);
	for (size_t i = 0; s->fw_acpi && i < ARRAY_SIZE(tables); i++) {
		struct sr_node node;
		char path[64];
		int err;
		snprintf(path, sizeof(path), "sys/firmware/acpi/tables/%s", tables[i]);
		err = sr_kind(sr, path, &node);
		if (err == 0)
			strvec_push(&s->fw_tables, tables[i]);
		else if (err != -ENOENT)
			snapshot_add_issue(s, path, err, NULL);
	}
}

/* Links each enabled VF to its PF: VF n (0-based) of a PF sits at routing
 * ID PF + First VF Offset + n * VF Stride, on the PF's domain
 * (drivers/pci/iov.c pci_iov_virtfn_bus, pci_iov_virtfn_devfn). */
static void link_virtfns(struct snapshot *s, struct sysroot *sr)
{
	for (size_t i = 0; i < s->ndev; i++) {
		const struct pci_device *pf = &s->dev[i];
		unsigned numvfs, first, stride;
		uint32_t rid;
		if (!pf->caps.sriov_off || !pf->caps.sriov_regs)
			continue;
		if (!(pf->caps.sriov_ctrl & 0x1)) /* VF Enable */
			continue;
		numvfs = pf->caps.sriov_numvfs;
		first = pf->caps.sriov_first;
		stride = pf->caps.sriov_stride;
		rid = (uint32_t)pf->addr.bus << 8 | (uint32_t)pf->addr.dev << 3 | pf->addr.fn;
		for (unsigned n = 0; n < numvfs; n++) {
			uint32_t vrid = rid + first + n * stride;
			struct pci_addr a = {pf->addr.domain, (uint8_t)(vrid >> 8), (uint8_t)(vrid >> 3 & 0x1f),
					     (uint8_t)(vrid & 7)};
			struct pci_device *vf;
			if (vrid > 0xffff)
				break;
			vf = snapshot_find_device(s, &a);
			if (vf && vf != pf && vf->physfn < 0)
				vf->physfn = (int)i;
		}
	}
	/* a VF no PF's capability placed (its PF's configuration space
	 * was not all read): the kernel's physfn link names it */
	for (size_t i = 0; i < s->ndev; i++) {
		struct pci_device *vf = &s->dev[i];
		char path[96], *target = NULL;
		const struct pci_device *pf;
		if (!vf->virtfn || vf->physfn >= 0)
			continue;
		snprintf(path, sizeof(path), "sys/bus/pci/devices/%s/physfn", vf->bdf);
		if (sr_readlink(sr, path, &target) != 0)
			continue;
		pf = snapshot_find_by_name(s, strrchr(target, '/') ? strrchr(target, '/') + 1 : target);
		if (pf && pf != vf)
			vf->physfn = (int)(pf - s->dev);
		free(target);
	}
}

int snapshot_load(struct sysroot *sr, unsigned flags, struct snapshot *s)
{
	struct sr_node node;
	int err = sr_kind(sr, "sys", &node);
	if (err)
		return err;
	if (node.kind != SR_KIND_DIR)
		return -ENOTDIR;
	load_platform_basics(s, sr);
	load_firmware_presence(s, sr);
	if (flags & SNAP_LOAD_CMDLINE_ONLY) {
		load_cmdline(s, sr);
		sysroot_flush(sr);
		return 0;
	}
	load_pci_devices(s, sr, flags);
	load_provenance(s, sr);
	if (s->config_restricted) {
		char *detail = xasprintf("only the first 64 bytes of the configuration space of %zu function%s",
					 s->config_restricted, s->config_restricted == 1 ? "" : "s");
		snapshot_add_issue(s, s->config_restricted_path, -EACCES, detail);
		free(detail);
	}
	load_drivers(s, sr);
	if (flags & SNAP_LOAD_CONFIG)
		link_virtfns(s, sr);
	if (flags & SNAP_LOAD_TOPOLOGY)
		load_topology(s, sr);
	load_units(s, sr);
	load_groups(s, sr);
	load_cmdline(s, sr);
	if (s->nunit == 0 || (flags & SNAP_LOAD_HOST))
		load_fw_tables(s, sr);
	if (flags & SNAP_LOAD_HOST) {
		load_host(s, sr);
		load_firmware(s, sr);
	}
	if (flags & SNAP_LOAD_SWIOTLB)
		load_dma(s, sr, (flags & SNAP_LOAD_DMA) == SNAP_LOAD_DMA);
	if (s->from_lspci)
		provenance_issues(s, flags);
	sysroot_flush(sr);
	return 0;
}
