/* model-host.c - SNAP_LOAD_HOST: VFIO nodes and parameters, the kernel
 * release, interrupt remapping, reset methods, the IOMMU units' registers,
 * and the devices the host runs from (root and /boot storage, the default
 * route). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "model-internal.h"

#define ATTR_MAX (1u << 20)

void host_facts_init(struct host_facts *h)
{
	memset(h, 0, sizeof(*h));
	h->ir_active = -1;
	h->its_msi = -1;
	h->x86 = -1;
	h->params.type1_allow_unsafe_interrupts = -1;
	h->params.iommufd_allow_unsafe_interrupts = -1;
	h->params.vfio_pci_disable_denylist = -1;
	h->params.smmu_v3_disable_bypass = -1;
	h->params.smmu_disable_bypass = -1;
	h->params.noiommu_mode = -1;
	h->params.type1_dma_entry_limit = -1;
	strvec_init(&h->vfio.unknown);
}

void host_facts_release(struct host_facts *h)
{
	free(h->kernel_release);
	free(h->machine);
	free(h->vfio.groups);
	free(h->vfio.noiommu_groups);
	for (size_t i = 0; i < h->nuses; i++) {
		free(h->uses[i].what);
		free(h->uses[i].kind);
	}
	free(h->uses);
	for (size_t i = 0; i < h->ngaps; i++) {
		free(h->gaps[i].kind);
		free(h->gaps[i].path);
		free(h->gaps[i].what);
	}
	free(h->gaps);
	strvec_release(&h->vfio.unknown);
	host_facts_init(h);
}

const struct host_use *host_use_of(const struct host_facts *h, size_t dev, size_t *cursor)
{
	for (; *cursor < h->nuses; (*cursor)++)
		if (h->uses[*cursor].dev == dev)
			return &h->uses[(*cursor)++];
	return NULL;
}

const struct host_use_gap *host_gap_of(const struct host_facts *h, const char *kind, size_t *cursor)
{
	for (; *cursor < h->ngaps; (*cursor)++)
		if (!strcmp(h->gaps[*cursor].kind, kind))
			return &h->gaps[(*cursor)++];
	return NULL;
}

void host_add_gap(struct host_facts *h, const char *kind, const char *path, int err, const char *what)
{
	struct host_use_gap *g;
	h->gaps = xrealloc(h->gaps, (h->ngaps + 1) * sizeof(*h->gaps));
	g = &h->gaps[h->ngaps++];
	g->kind = xstrdup(kind);
	g->path = xasprintf("/%s", path[0] == '/' ? path + 1 : path);
	g->err = err;
	g->what = what ? xstrdup(what) : NULL;
}

bool kernel_at_least(const struct host_facts *h, int major, int minor)
{
	if (!h->kver_major)
		return false;
	return h->kver_major > major || (h->kver_major == major && h->kver_minor >= minor);
}

/* ---- helpers -------------------------------------------------------------- */

char *model_read_text(struct snapshot *s, struct sysroot *sr, const char *path, size_t max, bool report, int *err)
{
	struct buf b;
	int e;
	buf_init(&b);
	e = sr_read(sr, path, max, SR_PREFIX, &b);
	if (err)
		*err = e;
	if (e) {
		if (report && e != -ENOENT)
			snapshot_add_issue(s, path, e, NULL);
		buf_release(&b);
		return NULL;
	}
	/* An attribute the kernel writes is text; anything else (bytes
	 * that are not UTF-8, control characters) is from an edited tree,
	 * and never reaches a terminal or a JSON document. */
	if (report && !is_text(b.data ? b.data : "", b.len)) {
		snapshot_add_issue(s, path, 0, "not text (bytes that are not UTF-8, or control characters)");
		if (err)
			*err = -EILSEQ;
		buf_release(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* "Y"/"N"/"1"/"0" of a boolean parameter; -1 if unreadable. */
static int read_bool_param(struct snapshot *s, struct sysroot *sr, const char *path)
{
	char *t = model_read_text(s, sr, path, 64, true, NULL);
	int v = -1;
	if (t) {
		rstrip(t);
		if (!strcmp(t, "Y") || !strcmp(t, "1"))
			v = 1;
		else if (!strcmp(t, "N") || !strcmp(t, "0"))
			v = 0;
		free(t);
	}
	return v;
}

static void add_use(struct snapshot *s, const struct pci_device *d, const char *kind, const char *what)
{
	struct host_facts *h = &s->host;
	for (size_t i = 0; i < h->nuses; i++)
		if (h->uses[i].dev == (size_t)(d - s->dev) && strcmp(h->uses[i].what, what) == 0)
			return;
	h->uses = xrealloc(h->uses, (h->nuses + 1) * sizeof(*h->uses));
	h->uses[h->nuses].dev = (size_t)(d - s->dev);
	h->uses[h->nuses].kind = xstrdup(kind);
	h->uses[h->nuses].what = xstrdup(what);
	h->nuses++;
}

/* ---- storage the system runs from ------------------------------------------- */

/* The PCI functions behind the block device at sysfs path LINK (a link
 * such as sys/dev/block/259:2): its own place, else (device mapper, md)
 * those of the devices it is built on.  What cannot be followed is a gap:
 * the device it stands for may be any. */
static void block_devices(struct snapshot *s, struct sysroot *sr, const char *link, const char *what, int depth)
{
	char *target = NULL, *slaves;
	struct sr_dir dir;
	const struct pci_device *d;
	int err;

	if (depth > 8) {
		host_add_gap(&s->host, "root_storage", link, -ELOOP, what);
		return;
	}
	if ((err = sr_readlink(sr, link, &target)) != 0) {
		host_add_gap(&s->host, "root_storage", link, err, what);
		return;
	}
	d = snapshot_device_in_path(s, target);
	free(target);
	if (d) {
		add_use(s, d, "root_storage", what);
		return;
	}
	sr_dir_init(&dir);
	slaves = xasprintf("%s/slaves", link);
	/* a disk or partition has an empty slaves/; only what has none at
	 * all (a partition's parent holds it) cannot be followed */
	err = sr_list(sr, slaves, NULL, &dir);
	if (err == 0)
		for (size_t i = 0; i < dir.n; i++) {
			char *sub = xasprintf("sys/class/block/%s", dir.ent[i].name);
			block_devices(s, sr, sub, what, depth + 1);
			free(sub);
		}
	else if (err != -ENOENT)
		host_add_gap(&s->host, "root_storage", slaves, err, what);
	free(slaves);
	sr_dir_release(&dir);
}

/* File systems with no device of their own (nothing to trace) and those a
 * network device carries (the device cannot be told from the mount). */
static bool fs_without_device(const char *fstype)
{
	static const char *const none[] = {"rootfs", "tmpfs", "ramfs", "devtmpfs", "proc", "sysfs", "debugfs"};
	for (size_t i = 0; i < ARRAY_SIZE(none); i++)
		if (!strcmp(fstype, none[i]))
			return true;
	return false;
}

/* The device behind one system mount: its block device by number, else by
 * the name in SOURCE (btrfs reports an anonymous 0:N); a network or
 * layered file system, or anything else without a block device, is a gap. */
static void mount_devices(struct snapshot *s, struct sysroot *sr, const char *majmin, const char *fstype,
			  const char *source, const char *what)
{
	char *link;
	if (fs_without_device(fstype))
		return;
	if (majmin && strncmp(majmin, "0:", 2) != 0)
		link = xasprintf("sys/dev/block/%s", majmin);
	else if (!strncmp(source, "/dev/", 5) && !strchr(source + 5, '/'))
		link = xasprintf("sys/class/block/%s", source + 5);
	else {
		/* nfs, cifs, ceph, 9p (a network device), overlay, zfs,
		 * fuse: which PCI function carries them is not in sysfs */
		host_add_gap(&s->host, "root_storage", "proc/self/mountinfo", 0, what);
		return;
	}
	block_devices(s, sr, link, what, 0);
	free(link);
}

static bool system_mountpoint(const char *m)
{
	return !strcmp(m, "/") || !strcmp(m, "/boot") || !strcmp(m, "/boot/efi") || !strcmp(m, "/usr");
}

static void load_mounts(struct snapshot *s, struct sysroot *sr)
{
	int err_info, err_mounts;
	char *text = model_read_text(s, sr, "proc/self/mountinfo", 16u << 20, false, &err_info);
	if (text) {
		/* "36 35 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw" */
		for (char *line = text, *next; line && *line; line = next) {
			char majmin[32], root[16], mnt[4096], *dash, fstype[64] = "", source[256] = "";
			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			if (sscanf(line, "%*s %*s %31s %15s %4095s", majmin, root, mnt) != 3 || !system_mountpoint(mnt))
				continue;
			if ((dash = strstr(line, " - ")))
				sscanf(dash + 3, "%63s %255s", fstype, source);
			{
				char *what = xasprintf("%s (%s on %s)", mnt, fstype, source);
				mount_devices(s, sr, majmin, fstype, source, what);
				free(what);
			}
		}
		free(text);
		return;
	}
	/* older captures have only the mounts table: map /dev/NAME by name */
	text = model_read_text(s, sr, "proc/self/mounts", 16u << 20, false, &err_mounts);
	if (!text) {
		host_add_gap(&s->host, "root_storage", "proc/self/mountinfo", err_info, NULL);
		host_add_gap(&s->host, "root_storage", "proc/self/mounts", err_mounts, NULL);
		snapshot_add_issue(s, "proc/self/mountinfo", err_info, NULL);
		return;
	}
	for (char *line = text, *next; line && *line; line = next) {
		char source[256], mnt[4096], fstype[64];
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (sscanf(line, "%255s %4095s %63s", source, mnt, fstype) != 3 || !system_mountpoint(mnt))
			continue;
		{
			char *what = xasprintf("%s (%s on %s)", mnt, fstype, source);
			mount_devices(s, sr, NULL, fstype, source, what);
			free(what);
		}
	}
	free(text);
}

/* ---- the default route ------------------------------------------------------- */

static void net_devices(struct snapshot *s, struct sysroot *sr, const char *iface, const char *what, int depth)
{
	char *link = xasprintf("sys/class/net/%s", iface), *target = NULL;
	const struct pci_device *d = NULL;
	struct sr_dir dir;
	int err = depth > 8 ? -ELOOP : sr_readlink(sr, link, &target);

	if (err) {
		host_add_gap(&s->host, "default_route", link, err, what);
		free(link);
		return;
	}
	d = snapshot_device_in_path(s, target);
	free(target);
	if (d) {
		add_use(s, d, "default_route", what);
		free(link);
		return;
	}
	/* a bond, bridge or VLAN: the devices below it */
	sr_dir_init(&dir);
	if ((err = sr_list(sr, link, NULL, &dir)) == 0) {
		for (size_t i = 0; i < dir.n; i++)
			if (strncmp(dir.ent[i].name, "lower_", 6) == 0)
				net_devices(s, sr, dir.ent[i].name + 6, what, depth + 1);
	} else {
		host_add_gap(&s->host, "default_route", link, err, what);
	}
	sr_dir_release(&dir);
	free(link);
}

static void load_routes(struct snapshot *s, struct sysroot *sr)
{
	int err4, err6;
	char *text = model_read_text(s, sr, "proc/net/route", 16u << 20, false, &err4), *t6;
	for (char *line = text, *next; line && *line; line = next) {
		char iface[64], dest[16], gw[16], mask[16];
		unsigned flags;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		/* Iface Destination Gateway Flags RefCnt Use Metric Mask ... */
		if (sscanf(line, "%63s %15s %15s %x %*s %*s %*s %15s", iface, dest, gw, &flags, mask) != 5)
			continue;
		if (!strcmp(dest, "00000000") && !strcmp(mask, "00000000") && (flags & 1)) {
			char *what = xasprintf("the default route (%s)", iface);
			net_devices(s, sr, iface, what, 0);
			free(what);
		}
	}
	free(text);
	t6 = model_read_text(s, sr, "proc/net/ipv6_route", 16u << 20, false, &err6);
	for (char *line = t6, *next; line && *line; line = next) {
		char dest[40], plen[4], iface[64];
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		/* dest plen src plen nexthop metric refcnt use flags iface */
		if (sscanf(line, "%39s %3s %*s %*s %*s %*s %*s %*s %*s %63s", dest, plen, iface) != 3)
			continue;
		if (!strcmp(dest, "00000000000000000000000000000000") && !strcmp(plen, "00") && strcmp(iface, "lo")) {
			char *what = xasprintf("the default IPv6 route (%s)", iface);
			net_devices(s, sr, iface, what, 0);
			free(what);
		}
	}
	free(t6);
	/* every kernel with networking has the IPv4 table; the IPv6 one only
	 * with IPv6 on: its absence alone is no gap */
	if (err4) {
		host_add_gap(&s->host, "default_route", "proc/net/route", err4, NULL);
		snapshot_add_issue(s, "proc/net/route", err4, NULL);
	}
	if (err6 && err6 != -ENOENT)
		host_add_gap(&s->host, "default_route", "proc/net/ipv6_route", err6, NULL);
}

/* ---- the rest ------------------------------------------------------------------- */

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static bool vfio_dev_entry(const char *name)
{
	return !strcmp(name, "vfio") || !strcmp(name, "iommu");
}

/* A node that is there (1), not there (0), or held by a capture as a file
 * that says nothing (-1, its path kept in V->unknown). */
static int node_is_char(struct sysroot *sr, struct vfio_nodes *v, const char *path)
{
	struct sr_node n;
	int err = sr_kind(sr, path, &n);
	if (!err && n.kind == SR_KIND_UNKNOWN) {
		strvec_pushf(&v->unknown, "/%s", path);
		return -1;
	}
	return !err && n.kind == SR_KIND_CHAR;
}

static void load_vfio_nodes(struct snapshot *s, struct sysroot *sr)
{
	struct vfio_nodes *v = &s->host.vfio;
	struct sr_dir dir;

	/* /dev is always there: without it nothing below can be told
	 * absent (the listing also records it, empty or not) */
	sr_dir_init(&dir);
	v->dev_err = sr_list(sr, "dev", vfio_dev_entry, &dir);
	sr_dir_release(&dir);
	if (v->dev_err) {
		snapshot_add_issue(s, "dev", v->dev_err, NULL);
		v->dir_err = v->dev_err;
		v->groups = xcalloc(1, sizeof(int));
		v->noiommu_groups = xcalloc(1, sizeof(int));
		return;
	}
	sr_dir_init(&dir);
	v->dir_err = sr_list(sr, "dev/vfio", NULL, &dir);
	if (v->dir_err && v->dir_err != -ENOENT)
		snapshot_add_issue(s, "dev/vfio", v->dir_err, NULL);
	v->groups = xcalloc(dir.n + 1, sizeof(int));
	v->noiommu_groups = xcalloc(dir.n + 1, sizeof(int));
	for (size_t i = 0; i < dir.n; i++) {
		const char *name = dir.ent[i].name;
		char *path = xasprintf("dev/vfio/%s", name);
		int id;
		if (!strcmp(name, "devices")) {
			struct sr_dir cd;
			sr_dir_init(&cd);
			if (sr_list(sr, path, NULL, &cd) == 0)
				v->cdevs = cd.n;
			sr_dir_release(&cd);
		} else if (node_is_char(sr, v, path) == 1) {
			if (!strcmp(name, "vfio"))
				v->container = true;
			else if (is_decimal(name) && parse_int(name, &id))
				v->groups[v->ngroups++] = id;
			else if (!strncmp(name, "noiommu-", 8) && parse_int(name + 8, &id))
				v->noiommu_groups[v->nnoiommu++] = id;
		}
		free(path);
	}
	sr_dir_release(&dir);
	/* in numerical order, not the order the directory lists them in
	 * (which the filesystem decides) */
	qsort(v->groups, v->ngroups, sizeof(int), cmp_int);
	qsort(v->noiommu_groups, v->nnoiommu, sizeof(int), cmp_int);
	v->iommufd = node_is_char(sr, v, "dev/iommu") == 1;
}

static bool vfio_module(const char *name)
{
	return !strcmp(name, "vfio") || !strcmp(name, "vfio_pci") || !strcmp(name, "vfio_iommu_type1") ||
	       !strcmp(name, "iommufd");
}

static void load_params(struct snapshot *s, struct sysroot *sr)
{
	struct host_params *p = &s->host.params;
	struct sr_dir mods;
	char *t;
	/* every kernel has /sys/module (built-in code with parameters is
	 * there too): one listing tells which of these are loaded, and a
	 * capture without it cannot say that any is not */
	sr_dir_init(&mods);
	p->modules_err = sr_list(sr, "sys/module", vfio_module, &mods);
	if (p->modules_err) {
		snapshot_add_issue(s, "sys/module", p->modules_err, NULL);
		sr_dir_release(&mods);
		p->vfio_pci_loaded = strvec_contains(&s->drivers, "vfio-pci");
		return;
	}
	for (size_t i = 0; i < mods.n; i++) {
		const char *m = mods.ent[i].name;
		p->vfio_loaded = p->vfio_loaded || !strcmp(m, "vfio");
		p->vfio_pci_loaded = p->vfio_pci_loaded || !strcmp(m, "vfio_pci");
		p->type1_loaded = p->type1_loaded || !strcmp(m, "vfio_iommu_type1");
		p->iommufd_loaded = p->iommufd_loaded || !strcmp(m, "iommufd");
	}
	sr_dir_release(&mods);
	p->vfio_pci_loaded = p->vfio_pci_loaded || strvec_contains(&s->drivers, "vfio-pci");
	if (p->type1_loaded) {
		p->type1_allow_unsafe_interrupts =
			read_bool_param(s, sr, "sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts");
		t = model_read_text(s, sr, "sys/module/vfio_iommu_type1/parameters/dma_entry_limit", 64, true, NULL);
		if (t) {
			uint64_t v;
			if (parse_u64(rstrip(t), 10, &v))
				p->type1_dma_entry_limit = (long)v;
			free(t);
		}
	}
	if (p->iommufd_loaded)
		p->iommufd_allow_unsafe_interrupts =
			read_bool_param(s, sr, "sys/module/iommufd/parameters/allow_unsafe_interrupts");
	if (p->vfio_pci_loaded)
		p->vfio_pci_disable_denylist =
			read_bool_param(s, sr, "sys/module/vfio_pci/parameters/disable_denylist");
	if (p->vfio_loaded)
		p->noiommu_mode = read_bool_param(s, sr, "sys/module/vfio/parameters/enable_unsafe_noiommu_mode");
	for (size_t i = 0; i < s->nunit; i++) {
		const char *d = s->unit[i].driver;
		if (d && !strcmp(d, "arm-smmu-v3") && p->smmu_v3_disable_bypass < 0)
			p->smmu_v3_disable_bypass =
				read_bool_param(s, sr, "sys/module/arm_smmu_v3/parameters/disable_bypass");
		if (d && !strcmp(d, "arm-smmu") && p->smmu_disable_bypass < 0)
			p->smmu_disable_bypass = read_bool_param(s, sr, "sys/module/arm_smmu/parameters/disable_bypass");
	}
}

static void load_device_facts(struct snapshot *s, struct sysroot *sr)
{
	for (size_t i = 0; i < s->ndev; i++) {
		struct pci_device *d = &s->dev[i];
		char path[96], *t;
		int err;
		snprintf(path, sizeof(path), "sys/bus/pci/devices/%s/reset_method", d->bdf);
		t = model_read_text(s, sr, path, ATTR_MAX, true, &err);
		/* the attribute is there from 5.15 on, for functions with at
		 * least one method: absent from a 5.15+ kernel means none */
		d->reset_method_known = err == 0 || (err == -ENOENT && kernel_at_least(&s->host, 5, 15));
		d->reset_method = t ? rstrip(t) : NULL;
		snprintf(path, sizeof(path), "sys/bus/pci/devices/%s/driver_override", d->bdf);
		t = model_read_text(s, sr, path, ATTR_MAX, true, NULL);
		if (t && strcmp(rstrip(t), "(null)") != 0 && *t)
			d->driver_override = t;
		else
			free(t);
		if (d->class_known && (d->ident.class_code >> 8) == 0x0300) {
			snprintf(path, sizeof(path), "sys/bus/pci/devices/%s/boot_vga", d->bdf);
			t = model_read_text(s, sr, path, 64, true, NULL);
			if (t && (!parse_int(rstrip(t), &d->boot_vga) || d->boot_vga < 0 || d->boot_vga > 1)) {
				snapshot_add_issue(s, path, 0, "not 0 or 1");
				d->boot_vga = -1;
			}
			free(t);
		}
		/* the attribute is there for SR-IOV PFs only: without the
		 * capability list (64 bytes of config), look for it */
		if (d->caps.sriov_off || !d->caps.known) {
			snprintf(path, sizeof(path), "sys/bus/pci/devices/%s/sriov_numvfs", d->bdf);
			t = model_read_text(s, sr, path, 64, true, NULL);
			/* the SR-IOV capability counts VFs in 16 bits */
			if (t && (!parse_int(rstrip(t), &d->sriov_numvfs) || d->sriov_numvfs < 0 ||
				  d->sriov_numvfs > 0xffff)) {
				snapshot_add_issue(s, path, 0, "not a number of virtual functions");
				d->sriov_numvfs = -1;
			}
			free(t);
		}
	}
}

bool parse_register(char *text, uint64_t *out)
{
	char *colon;
	uint64_t second;
	rstrip(text);
	/* AMD 6.0+ prints two registers: "EFR2:EFR" (features2 first, as 6.1
	 * does: "0:29d3") until the global amd_iommu_efr rework, "EFR:EFR2"
	 * since (drivers/iommu/amd/init.c amd_iommu_show_features).  No EFR2
	 * without an EFR: when one half is 0 the other is the EFR; when both
	 * are set, the first, as current kernels print it. */
	if (!(colon = strchr(text, ':')))
		return parse_u64(text, 16, out);
	*colon = '\0';
	if (!parse_u64(text, 16, out) || !parse_u64(colon + 1, 16, &second))
		return false;
	if (*out == 0)
		*out = second;
	return true;
}

static bool read_hex_attr(struct snapshot *s, struct sysroot *sr, const char *path, uint64_t *out)
{
	char *t = model_read_text(s, sr, path, 256, true, NULL);
	bool ok = false;
	if (t) {
		ok = parse_register(t, out);
		if (!ok)
			snapshot_add_issue(s, path, 0, "not a hexadecimal register value");
		free(t);
	}
	return ok;
}

static void load_unit_registers(struct snapshot *s, struct sysroot *sr)
{
	for (size_t i = 0; i < s->nunit; i++) {
		struct iommu_unit *u = &s->unit[i];
		char path[160];
		if (!u->driver)
			continue;
		if (!strcmp(u->driver, "intel")) {
			snprintf(path, sizeof(path), "sys/class/iommu/%s/intel-iommu/cap", u->name);
			u->regs_known = read_hex_attr(s, sr, path, &u->cap);
			snprintf(path, sizeof(path), "sys/class/iommu/%s/intel-iommu/ecap", u->name);
			u->regs_known = read_hex_attr(s, sr, path, &u->ecap) && u->regs_known;
			snprintf(path, sizeof(path), "sys/class/iommu/%s/intel-iommu/version", u->name);
			u->version = model_read_text(s, sr, path, 64, true, NULL);
			if (u->version)
				rstrip(u->version);
		} else if (!strcmp(u->driver, "amd")) {
			snprintf(path, sizeof(path), "sys/class/iommu/%s/amd-iommu/cap", u->name);
			u->regs_known = read_hex_attr(s, sr, path, &u->cap);
			snprintf(path, sizeof(path), "sys/class/iommu/%s/amd-iommu/features", u->name);
			u->regs_known = read_hex_attr(s, sr, path, &u->features) && u->regs_known;
		}
	}
}

static void load_kernel_release(struct snapshot *s, struct sysroot *sr)
{
	char *t, rel[128];
	if (s->host.kernel_release_read)
		return;
	s->host.kernel_release_read = true;
	t = model_read_text(s, sr, "proc/version", 4096, true, NULL);
	int major = 0, minor = 0;
	if (t && sscanf(t, "Linux version %127s", rel) == 1) {
		s->host.kernel_release = xstrdup(rel);
		if (sscanf(rel, "%d.%d", &major, &minor) == 2) {
			s->host.kver_major = major;
			s->host.kver_minor = minor;
		}
	}
	free(t);
}

/* The machine (uname -m): this machine's when live; a snapshot's as
 * iommuctl snapshot recorded it in .iommuctl/info (machine=). */
static void load_machine(struct snapshot *s, struct sysroot *sr)
{
	char *t, *line;
	if (sysroot_is_live(sr)) {
		struct utsname u;
		if (uname(&u) == 0 && u.machine[0])
			s->host.machine = xstrdup(u.machine);
		return;
	}
	t = model_read_text(s, sr, ".iommuctl/info", 4096, false, NULL);
	for (line = t; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (strncmp(line, "machine=", 8) == 0 && line[8] && strlen(line + 8) < 32 && is_text(line + 8, strlen(line + 8)))
			s->host.machine = xstrdup(line + 8);
		line = nl ? nl + 1 : NULL;
	}
	free(t);
}

void load_platform_basics(struct snapshot *s, struct sysroot *sr)
{
	load_kernel_release(s, sr);
	load_machine(s, sr);
}

void load_host(struct snapshot *s, struct sysroot *sr)
{
	char *t;
	int err;
	s->host.loaded = true;
	load_kernel_release(s, sr);
	t = model_read_text(s, sr, "proc/interrupts", 64u << 20, true, &err);
	if (err == -ENOENT) /* every kernel has it: a capture without it */
		snapshot_add_issue(s, "proc/interrupts", err, NULL);
	s->host.ir_active = t ? strstr(t, " IR-") != NULL : -1;
	s->host.its_msi = t ? strstr(t, " ITS-") != NULL : -1;
	s->host.x86 = t ? strstr(t, " LOC:") != NULL : -1;
	free(t);
	load_vfio_nodes(s, sr);
	load_params(s, sr);
	load_device_facts(s, sr);
	load_unit_registers(s, sr);
	load_mounts(s, sr);
	load_routes(s, sr);
}
