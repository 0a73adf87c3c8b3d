/* model-firmware.c - the firmware's description of IOMMUs and MSI
 * controllers (firmware.h): the device tree's nodes and the ACPI IORT.
 *
 * Device tree properties are big-endian 32-bit cells; `compatible` is a
 * list of NUL-terminated strings; a PCI host's `iommu-map` and `msi-map`
 * are (rid-base, phandle, base, length) groups and `msi-parent` a phandle
 * (with one cell of specifier for a GICv3 ITS)
 * [Documentation/devicetree/bindings/pci/pci-iommu.yaml, pci-msi.txt]. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware.h"
#include "model-internal.h"

#define DT_BASE "sys/firmware/devicetree/base"
#define DT_MAX_NODES 4096
#define DT_MAX_DEPTH 8
#define DT_PROP_MAX 65536
#define IORT_MAX (1u << 20)

void firmware_facts_init(struct firmware_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->acpi = f->devicetree = -1;
}

void firmware_facts_release(struct firmware_facts *f)
{
	for (size_t i = 0; i < f->nsmmu; i++)
		free(f->smmu[i].where);
	free(f->smmu);
	free(f->dt_model);
	firmware_facts_init(f);
}

static void add_smmu(struct firmware_facts *f, const char *where, int version, uint64_t base)
{
	f->smmu = xrealloc(f->smmu, (f->nsmmu + 1) * sizeof(*f->smmu));
	f->smmu[f->nsmmu].where = xstrdup(where);
	f->smmu[f->nsmmu].version = version;
	f->smmu[f->nsmmu].base = base;
	f->nsmmu++;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- the device tree ------------------------------------------------------- */

/* One node as far as iommuctl cares. */
struct dt_node {
	char *path;
	uint32_t phandle;       /* 0: none */
	enum msi_ctrl_kind msi; /* an MSI controller, or MSI_CTRL_UNKNOWN */
	bool pci_host;
	uint32_t *msi_targets;  /* phandles its msi-map / msi-parent name */
	size_t nmsi_targets;
};

struct dt_walk {
	struct snapshot *s;
	struct sysroot *sr;
	struct dt_node *n;
	size_t nn;
	struct buf b;
};

/* Whether a `compatible` list (NUL-separated) holds the string WANT. */
static bool compat_has(const char *list, size_t len, const char *want)
{
	for (size_t i = 0; i < len;) {
		size_t l = strnlen(list + i, len - i);
		if (l == strlen(want) && memcmp(list + i, want, l) == 0)
			return true;
		i += l + 1;
	}
	return false;
}

static bool compat_prefix(const char *list, size_t len, const char *prefix)
{
	for (size_t i = 0; i < len;) {
		size_t l = strnlen(list + i, len - i);
		if (l >= strlen(prefix) && memcmp(list + i, prefix, strlen(prefix)) == 0)
			return true;
		i += l + 1;
	}
	return false;
}

static int smmu_version(const char *c, size_t len)
{
	static const char *const v2[] = {"arm,smmu-v2", "arm,mmu-500", "arm,mmu-401", "qcom,smmu-v2",
					 "qcom,smmu-500", "nvidia,smmu-500", "cavium,smmu-v2", "marvell,ap806-smmu-500"};
	if (compat_has(c, len, "arm,smmu-v3"))
		return 3;
	for (size_t i = 0; i < ARRAY_SIZE(v2); i++)
		if (compat_has(c, len, v2[i]))
			return 2;
	if (compat_has(c, len, "arm,smmu-v1") || compat_has(c, len, "arm,mmu-400"))
		return 1;
	return 0;
}

/* Reads property NAME of node PATH into w->b; false if absent or unreadable. */
static bool dt_prop(struct dt_walk *w, const char *path, const char *name)
{
	char *p = xasprintf("%s/%s", path, name);
	int err = sr_read(w->sr, p, DT_PROP_MAX, 0, &w->b);
	if (err && err != -ENOENT)
		snapshot_add_issue(w->s, p, err, NULL);
	free(p);
	return err == 0;
}

static bool has_entry(const struct sr_dir *d, const char *name)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->ent[i].name, name) == 0)
			return true;
	return false;
}

/* Reads property NAME into w->b when the node's listing D has it (a
 * property that counts by being there is read all the same, so that a
 * snapshot, which copies what is read, keeps it); false when the node has
 * no such property or it cannot be read. */
static bool dt_has_prop(struct dt_walk *w, const struct sr_dir *d, const char *path, const char *name)
{
	return has_entry(d, name) && dt_prop(w, path, name);
}

/* The phandles of a map property: (rid-base, phandle, base, length). */
static void add_map_targets(struct dt_node *n, const struct buf *b)
{
	const uint8_t *d = (const uint8_t *)b->data;
	for (size_t off = 0; off + 16 <= b->len; off += 16) {
		n->msi_targets = xrealloc(n->msi_targets, (n->nmsi_targets + 1) * sizeof(*n->msi_targets));
		n->msi_targets[n->nmsi_targets++] = be32(d + off + 4);
	}
}

static bool not_dot(const char *name)
{
	return name[0] != '.';
}

static void dt_visit(struct dt_walk *w, const char *path, int depth)
{
	struct firmware_facts *f = &w->s->fw;
	struct sr_dir d;
	struct dt_node n;
	int err;

	if (w->nn >= DT_MAX_NODES) {
		f->dt_truncated = true;
		return;
	}
	sr_dir_init(&d);
	err = sr_list(w->sr, path, not_dot, &d);
	if (err) {
		snapshot_add_issue(w->s, path, err, NULL);
		sr_dir_release(&d);
		return;
	}
	memset(&n, 0, sizeof(n));
	n.path = xstrdup(path + strlen(DT_BASE));
	if (dt_has_prop(w, &d, path, "compatible")) {
		const char *c = w->b.data ? w->b.data : "";
		size_t len = w->b.len;
		int v = smmu_version(c, len);
		const char *name = strrchr(path, '/');
		if (compat_prefix(c, len, "arm,"))
			f->dt_arm = true;
		if (v)
			add_smmu(f, name ? name + 1 : path, v, 0);
		if (compat_has(c, len, "arm,gic-v3-its")) {
			n.msi = MSI_CTRL_GICV3_ITS;
			f->dt_its++;
		} else if (compat_has(c, len, "arm,gic-v2m-frame")) {
			n.msi = MSI_CTRL_GICV2M;
			f->dt_v2m++;
		} else if (dt_has_prop(w, &d, path, "msi-controller")) {
			n.msi = MSI_CTRL_OTHER;
		}
		if (compat_prefix(c, len, "pci-host-"))
			n.pci_host = true;
	}
	if (dt_has_prop(w, &d, path, "device_type") && w->b.data &&
	    strcmp(w->b.data, "pci") == 0 && depth <= 2)
		n.pci_host = true;
	if (dt_has_prop(w, &d, path, "phandle") && w->b.len == 4)
		n.phandle = be32((const uint8_t *)w->b.data);
	if (n.pci_host) {
		f->pci_hosts++;
		bool map = dt_has_prop(w, &d, path, "iommu-map");
		if (dt_has_prop(w, &d, path, "iommus") || map)
			f->pci_hosts_iommu_map++;
		if (has_entry(&d, "msi-map") || has_entry(&d, "msi-parent"))
			f->pci_hosts_msi++;
		if (dt_has_prop(w, &d, path, "msi-map"))
			add_map_targets(&n, &w->b);
		if (dt_has_prop(w, &d, path, "msi-parent") && w->b.len >= 4) {
			n.msi_targets = xrealloc(n.msi_targets, (n.nmsi_targets + 1) * sizeof(*n.msi_targets));
			n.msi_targets[n.nmsi_targets++] = be32((const uint8_t *)w->b.data);
		}
	}
	w->n = xrealloc(w->n, (w->nn + 1) * sizeof(*w->n));
	w->n[w->nn++] = n;
	f->dt_nodes++;
	if (depth < DT_MAX_DEPTH)
		for (size_t i = 0; i < d.n; i++) {
			char *child;
			if (d.ent[i].type != DT_DIR)
				continue;
			child = xasprintf("%s/%s", path, d.ent[i].name);
			dt_visit(w, child, depth + 1);
			free(child);
		}
	sr_dir_release(&d);
}

/* The least isolating of two MSI controller kinds (an unknown one is worse
 * than an ITS, better than none said). */
static enum msi_ctrl_kind msi_worse(enum msi_ctrl_kind a, enum msi_ctrl_kind b)
{
	static const int rank[] = {[MSI_CTRL_GICV3_ITS] = 3, [MSI_CTRL_UNKNOWN] = 2, [MSI_CTRL_OTHER] = 1,
				   [MSI_CTRL_GICV2M] = 0};
	return rank[a] <= rank[b] ? a : b;
}

static void load_devicetree(struct snapshot *s, struct sysroot *sr)
{
	struct firmware_facts *f = &s->fw;
	struct dt_walk w = {s, sr, NULL, 0, {0}};
	bool first = true;

	buf_init(&w.b);
	if (dt_prop(&w, DT_BASE, "model") && w.b.data && is_text(w.b.data, strnlen(w.b.data, w.b.len)))
		f->dt_model = xstrndup(w.b.data, strnlen(w.b.data, w.b.len));
	dt_visit(&w, DT_BASE, 0);
	/* what the PCI hosts' msi-map / msi-parent point at */
	for (size_t i = 0; i < w.nn; i++)
		for (size_t t = 0; t < w.n[i].nmsi_targets; t++) {
			enum msi_ctrl_kind k = MSI_CTRL_UNKNOWN;
			bool found = false;
			for (size_t j = 0; j < w.nn && !found; j++)
				if (w.n[j].phandle && w.n[j].phandle == w.n[i].msi_targets[t]) {
					found = true;
					k = w.n[j].msi != MSI_CTRL_UNKNOWN ? w.n[j].msi : MSI_CTRL_OTHER;
				}
			if (!found)
				f->msi_target_missing = true;
			f->pci_msi = first ? k : msi_worse(f->pci_msi, k);
			first = false;
		}
	for (size_t i = 0; i < w.nn; i++) {
		free(w.n[i].path);
		free(w.n[i].msi_targets);
	}
	free(w.n);
	buf_release(&w.b);
}

/* ---- the ACPI IORT ------------------------------------------------------------ */

enum { IORT_ITS_GROUP = 0, IORT_NAMED = 1, IORT_ROOT_COMPLEX = 2, IORT_SMMU = 3, IORT_SMMU_V3 = 4 };

/* The type of the node at OFFSET, or -1. */
static int iort_node_type(const uint8_t *d, size_t len, uint32_t offset)
{
	if (offset < 48 || (size_t)offset + 16 > len)
		return -1;
	return d[offset];
}

bool parse_iort(const uint8_t *d, size_t len, struct firmware_facts *f)
{
	uint32_t nodes, off;
	if (len < 48 || memcmp(d, "IORT", 4) != 0 || le32(d + 4) > len)
		return false;
	len = le32(d + 4);
	nodes = le32(d + 36);
	off = le32(d + 40);
	for (uint32_t i = 0; i < nodes; i++) {
		uint16_t nlen;
		uint32_t nids, idoff;
		uint8_t type;
		if (off < 48 || (size_t)off + 16 > len)
			return false;
		type = d[off];
		nlen = (uint16_t)(d[off + 1] | d[off + 2] << 8);
		if (nlen < 16 || (size_t)off + nlen > len)
			return false;
		nids = le32(d + off + 8);
		idoff = le32(d + off + 12);
		switch (type) {
		case IORT_ITS_GROUP:
			f->iort_its_groups++;
			break;
		case IORT_SMMU:
		case IORT_SMMU_V3: {
			uint64_t base = 0;
			if (nlen >= 24)
				base = (uint64_t)le32(d + off + 16) | (uint64_t)le32(d + off + 20) << 32;
			add_smmu(f, "IORT", type == IORT_SMMU_V3 ? 3 : 2, base);
			break;
		}
		case IORT_ROOT_COMPLEX: {
			bool smmu = false, its = false;
			f->iort_root_complexes++;
			for (uint32_t m = 0; m < nids; m++) {
				size_t mo = (size_t)off + idoff + (size_t)m * 20;
				int t;
				if (idoff < 16 || mo + 20 > (size_t)off + nlen)
					return false;
				t = iort_node_type(d, len, le32(d + mo + 12));
				smmu = smmu || t == IORT_SMMU || t == IORT_SMMU_V3;
				its = its || t == IORT_ITS_GROUP;
			}
			f->iort_rc_to_smmu += smmu;
			f->iort_rc_to_its += its;
			break;
		}
		default:
			break;
		}
		off += nlen;
	}
	return true;
}

static void load_iort(struct snapshot *s, struct sysroot *sr)
{
	struct buf b;
	int err;
	buf_init(&b);
	err = sr_read(sr, "sys/firmware/acpi/tables/IORT", IORT_MAX, 0, &b);
	if (err == -ENOENT) {
		s->fw.iort = 0;
	} else if (err) {
		s->fw.iort = err;
		snapshot_add_issue(s, "sys/firmware/acpi/tables/IORT", err, NULL);
	} else if (!parse_iort((const uint8_t *)b.data, b.len, &s->fw)) {
		s->fw.iort = -EILSEQ;
		snapshot_add_issue(s, "sys/firmware/acpi/tables/IORT", 0, "not a well-formed IORT table");
	} else {
		s->fw.iort = 1;
	}
	buf_release(&b);
}

/* ---- loading ------------------------------------------------------------------- */

static int dir_present(struct snapshot *s, struct sysroot *sr, const char *path)
{
	struct sr_node node;
	int err = sr_kind(sr, path, &node);
	if (err == -ENOENT)
		return 0;
	if (err) {
		snapshot_add_issue(s, path, err, NULL);
		return -1;
	}
	return node.kind == SR_KIND_DIR;
}

void load_firmware_presence(struct snapshot *s, struct sysroot *sr)
{
	s->fw.acpi = dir_present(s, sr, "sys/firmware/acpi/tables");
	s->fw.devicetree = dir_present(s, sr, DT_BASE);
}

void load_firmware(struct snapshot *s, struct sysroot *sr)
{
	s->fw.loaded = true;
	if (s->fw.devicetree == 1)
		load_devicetree(s, sr);
	if (s->fw.acpi == 1)
		load_iort(s, sr);
}
