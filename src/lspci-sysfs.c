/* lspci-sysfs.c - the sysfs tree of an lspci dump's machine (see
 * lspci-sysfs.h).
 *
 * What the kernel would show, and where the dump says it:
 *  - a function's place: the bridge whose secondary bus is its bus
 *    ("Bus: primary=, secondary=, subordinate=" of the bridges), else the
 *    root bus of its domain (host bridge pciDDDD:BB); domains from 0x10000
 *    hang below the Intel VMD controller that made them
 *    (vmd_find_free_domain gives them out from 0x10000 in probe order);
 *    a virtual function sits beside its PF, below the PF's bridge
 *    (pci_iov_add_virtfn: virtfn->dev.parent = dev->dev.parent);
 *  - its `config`: the bytes of a hex dump of 256 bytes or more, else
 *    rebuilt from the decoded lines: the header line's ids and class, the
 *    bridge's bus numbers, every capability at its offset in the order
 *    lspci walked them, the PCI Express port type, ACS Capability and
 *    Control, the SR-IOV numbers; a VF's id registers read all ones (as
 *    its hardware's do), its ids in `uevent`;
 *  - the header's multifunction bit, which lspci never prints: set on
 *    function 0 when other functions of its slot are listed (the kernel
 *    scans them only then: pci_scan_slot, next_fn). */
#define _GNU_SOURCE
#include "lspci-sysfs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provenance.h"
#include "util.h"

void sysfs_tree_init(struct sysfs_tree *t)
{
	memset(t, 0, sizeof(*t));
}

void sysfs_tree_release(struct sysfs_tree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->e[i].path);
		free(t->e[i].data);
	}
	free(t->e);
	sysfs_tree_init(t);
}

static void add_entry(struct sysfs_tree *t, char *path, bool link, const void *data, size_t len)
{
	struct sysfs_entry *e;
	xgrow((void **)&t->e, &t->cap, t->n + 1, sizeof(*t->e));
	e = &t->e[t->n++];
	e->path = path;
	e->link = link;
	e->data = xmalloc(len + 1);
	memcpy(e->data, data, len);
	e->data[len] = '\0';
	e->len = len;
}

/* What is worked out for each function. */
struct node {
	const struct lspci_func *f;
	char bdf[PCI_BDF_MAX];
	bool full_hex;          /* a hex dump of the whole space (4096 bytes,
				 * or 256 of a conventional function) */
	bool hex_std;           /* the 256 bytes of the standard space */
	bool hex_header;        /* at least its 64-byte header */
	bool ids_known;
	uint16_t vendor, device;
	bool class_known;
	uint32_t class_code;
	int htype;              /* 0, 1, 2 */
	bool htype_known;
	bool buses_known;
	uint8_t secondary, subordinate;
	bool multifunction;
	bool vf;
	int pf;                 /* the PF of a VF, when known */
	char *vf_how;           /* how it was told a VF (NULL: read, or not one) */
	int parent;             /* the bridge above it, -1 on a root bus */
	bool placed;
	char *place_how;        /* why placed so, or why not placed */
	int vmd;                /* for a domain from 0x10000: its controller */
	char *path;             /* below sys/devices */
	int depth;              /* guards against cycles */
	bool caps_known;        /* the capability list is known */
	char *caps_how;
	bool acs_unknown;
};

struct build {
	const struct lspci_dump *d;
	struct node *n;
	size_t count;
	struct sysfs_tree *t;
	struct buf prov;
};

static uint16_t cfg16(const uint8_t *c, size_t o)
{
	return (uint16_t)(c[o] | c[o + 1] << 8);
}

static void put16(uint8_t *c, size_t o, uint16_t v)
{
	c[o] = (uint8_t)v;
	c[o + 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *c, size_t o, uint32_t v)
{
	put16(c, o, (uint16_t)v);
	put16(c, o + 2, (uint16_t)(v >> 16));
}

/* ---- what each function is ------------------------------------------------ */

static bool is_vmd(const struct node *n)
{
	static const uint16_t ids[] = {0x201d, 0x28c0, 0x467f, 0x4c3d, 0x7d0b, 0x9a0b, 0xa77f, 0xad0b, 0xb06f, 0xb60b};
	if (n->f->driver && strcmp(n->f->driver, "vmd") == 0)
		return true;
	if (!n->ids_known || n->vendor != 0x8086)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
		if (n->device == ids[i])
			return true;
	return false;
}

static bool has_cap(const struct lspci_func *f, bool ext, unsigned id)
{
	for (size_t i = 0; i < f->ncaps; i++)
		if (f->caps[i].ext == ext && f->caps[i].id_known && f->caps[i].id == id)
			return true;
	return false;
}

static void identify(struct build *b, struct node *n)
{
	const struct lspci_func *f = n->f;
	n->parent = -1;
	n->pf = -1;
	n->vmd = -1;
	pci_addr_format(&f->addr, n->bdf);
	n->hex_std = f->hexlen >= 256;
	if (n->hex_std && f->hexlen < PCI_CFG_EXP_SIZE) {
		/* lspci -xxx stops at 256 bytes: before the extended
		 * capabilities (ACS, SR-IOV) of a PCI Express function */
		struct pci_caps caps;
		pci_parse_caps(f->hex, 256, &caps);
		n->full_hex = !caps.pcie;
	} else {
		n->full_hex = n->hex_std;
	}
	n->hex_header = f->hexlen >= PCI_CFG_HEADER_SIZE;
	if (n->hex_header) {
		const uint8_t *c = f->hex;
		n->vendor = cfg16(c, 0);
		n->device = cfg16(c, 2);
		n->ids_known = n->vendor != 0xffff;
		n->vf = n->vendor == 0xffff && n->device == 0xffff;
		n->class_code = (uint32_t)c[9] | (uint32_t)c[10] << 8 | (uint32_t)c[11] << 16;
		n->class_known = true;
		n->htype = c[0x0e] & 0x7f;
		n->htype_known = true;
		n->multifunction = (c[0x0e] & 0x80) != 0;
		if (n->htype == 1 || n->htype == 2) {
			n->secondary = c[0x19];
			n->subordinate = c[0x1a];
			n->buses_known = true;
		}
	}
	if (!n->ids_known && f->ids_known) {
		n->vendor = f->vendor_id;
		n->device = f->device_id;
		n->ids_known = true;
	}
	if (!n->class_known && f->class_known) {
		n->class_code = f->class_code;
		n->class_known = true;
	}
	if (!n->htype_known) {
		if (f->bus_known)
			n->htype = n->class_known && (n->class_code >> 8) == 0x0607 ? 2 : 1;
		else
			n->htype = n->class_known && ((n->class_code >> 8) == 0x0604 || (n->class_code >> 8) == 0x0609) ? 1 : 0;
	}
	if (!n->buses_known && f->bus_known) {
		n->secondary = f->secondary;
		n->subordinate = f->subordinate;
		n->buses_known = true;
	}
	/* what the capability list is known to hold */
	if (n->full_hex) {
		n->caps_known = true;
	} else if (n->hex_std && !f->ncaps) {
		n->caps_known = true;
		n->acs_unknown = true;
		n->caps_how = xstrdup("an lspci -xxx dump stops at 256 bytes, before the extended capabilities (ACS, "
				      "SR-IOV) of this PCI Express function (lspci -xxxx shows them)");
	} else if (f->ncaps) {
		/* an Express line whose port type is not known leaves the
		 * rules that depend on it unknown */
		n->caps_known = f->pcie_type >= 0 || !has_cap(f, false, PCI_CAP_ID_EXP);
		if (!n->caps_known)
			n->caps_how = xstrdup("its PCI Express capability line names no port type iommuctl knows");
	} else if (f->status_caps == 0) {
		n->caps_known = true; /* "Status: Cap-" */
	} else if (f->status_caps == 1) {
		n->caps_how = xstrdup("its Status line says Cap+, but no capability line follows (cut from the dump)");
	} else if (b->d->any_cap_line) {
		n->caps_known = true;
		n->caps_how = xstrdup("no capability line in its block: taken as none");
	} else {
		n->caps_how = xstrdup(f->hexlen ? "only its first 64 bytes are in the hex dump (lspci -xxxx shows them all)"
						: "the dump has no capability lines (lspci -vv as root shows them)");
	}
	if (n->caps_known && !n->full_hex)
		n->acs_unknown = n->acs_unknown ||
				 (has_cap(f, true, PCI_EXT_CAP_ACS) && !(f->acs_cap_known && f->acs_ctl_known));
}

static int find_node(const struct build *b, uint32_t domain, unsigned bus, unsigned devfn)
{
	for (size_t i = 0; i < b->count; i++) {
		const struct pci_addr *a = &b->n[i].f->addr;
		if (a->domain == domain && a->bus == bus && (unsigned)(a->dev << 3 | a->fn) == devfn)
			return (int)i;
	}
	return -1;
}

/* The SR-IOV numbers of PF I: from its bytes, or its decoded lines. */
static bool sriov_numbers(const struct node *n, unsigned *num, unsigned *offset, unsigned *stride, unsigned *vfdev)
{
	const struct lspci_func *f = n->f;
	if (n->full_hex && f->hexlen >= PCI_CFG_EXP_SIZE) {
		struct pci_caps caps;
		pci_parse_caps(f->hex, f->hexlen, &caps);
		if (caps.sriov_off && caps.sriov_off + 0x1c <= f->hexlen) {
			*num = cfg16(f->hex, caps.sriov_off + 0x10);
			*offset = cfg16(f->hex, caps.sriov_off + 0x14);
			*stride = cfg16(f->hex, caps.sriov_off + 0x16);
			*vfdev = cfg16(f->hex, caps.sriov_off + 0x1a);
			return true;
		}
	}
	if (f->sriov_known) {
		*num = f->sriov_num;
		*offset = f->sriov_offset;
		*stride = f->sriov_stride;
		*vfdev = f->sriov_vf_device;
		return true;
	}
	return false;
}

static bool has_sriov_cap(const struct node *n)
{
	const struct lspci_func *f = n->f;
	if (has_cap(f, true, PCI_EXT_CAP_SRIOV))
		return true;
	if (n->full_hex) {
		struct pci_caps caps;
		pci_parse_caps(f->hex, f->hexlen, &caps);
		return caps.sriov_off != 0;
	}
	return false;
}

/* lspci does not mark VFs: they are found where their PF's SR-IOV
 * capability puts them (pci_iov_virtfn_bus/devfn: routing ID of the PF +
 * offset + stride * n). */
static void find_vfs(struct build *b)
{
	for (size_t i = 0; i < b->count; i++) {
		struct node *pf = &b->n[i];
		unsigned num, offset, stride, vfdev;
		if (pf->vf || !sriov_numbers(pf, &num, &offset, &stride, &vfdev))
			continue;
		for (unsigned k = 0; k < num; k++) {
			unsigned rid = (unsigned)(pf->f->addr.bus << 8 | pf->f->addr.dev << 3 | pf->f->addr.fn) + offset +
				       stride * k;
			int v;
			if (rid > 0xffff || (stride == 0 && k > 0))
				break;
			v = find_node(b, pf->f->addr.domain, rid >> 8, rid & 0xff);
			if (v < 0 || (size_t)v == i)
				continue;
			b->n[v].pf = (int)i;
			if (!b->n[v].vf) {
				b->n[v].vf = true;
				b->n[v].vf_how = xasprintf("VF %u of %s, where its SR-IOV capability puts it (offset %u, "
							   "stride %u)",
							   k + 1, pf->bdf, offset, stride);
			}
			if (!b->n[v].ids_known) {
				b->n[v].vendor = pf->vendor;
				b->n[v].device = (uint16_t)vfdev;
				b->n[v].ids_known = pf->ids_known;
			}
		}
	}
	/* a dump without the SR-IOV numbers: a function whose BARs only the
	 * OS reports ("[virtual]", a VF's) beside a PF with the capability */
	for (size_t i = 0; i < b->count; i++) {
		struct node *n = &b->n[i];
		if (n->vf || !n->f->virtual_region)
			continue;
		for (size_t j = 0; j < b->count; j++) {
			struct node *pf = &b->n[j];
			if (j == i || pf->vf || pf->f->addr.domain != n->f->addr.domain || pf->f->addr.bus > n->f->addr.bus ||
			    !has_sriov_cap(pf))
				continue;
			n->vf = true;
			n->pf = (int)j;
			n->vf_how = xasprintf("its BARs are [virtual] (set by its PF's SR-IOV capability), and %s has one",
					      pf->bdf);
			break;
		}
	}
	for (size_t i = 0; i < b->count; i++)
		if (b->n[i].vf)
			b->n[i].multifunction = false;
}

/* The multifunction bit of function 0, when no bytes show it. */
static void infer_multifunction(struct build *b)
{
	for (size_t i = 0; i < b->count; i++) {
		struct node *n = &b->n[i];
		if (n->hex_header || n->vf || n->f->addr.fn != 0)
			continue;
		for (size_t j = 0; j < b->count; j++) {
			const struct lspci_func *o = b->n[j].f;
			if (j != i && !b->n[j].vf && o->addr.domain == n->f->addr.domain && o->addr.bus == n->f->addr.bus &&
			    o->addr.dev == n->f->addr.dev)
				n->multifunction = true;
		}
	}
}

/* ---- where each function sits ------------------------------------------------ */

static bool bridge_leads(const struct node *br)
{
	return (br->htype == 1 || br->htype == 2) && br->buses_known && br->secondary > br->f->addr.bus &&
	       br->subordinate >= br->secondary;
}

static void place(struct build *b, struct node *n)
{
	const struct pci_addr *a = &n->f->addr;
	int parent = -1, within = -1, claims = 0;
	bool unknown_bridge = false;

	if (n->vf && n->pf >= 0) {
		/* beside its PF: placed after it */
		return;
	}
	for (size_t j = 0; j < b->count; j++) {
		const struct node *br = &b->n[j];
		if (br == n || br->f->addr.domain != a->domain || br->vf)
			continue;
		if (br->htype == 1 || br->htype == 2) {
			if (!br->buses_known) {
				if (br->f->addr.bus < a->bus)
					unknown_bridge = true;
				continue;
			}
			if (!bridge_leads(br))
				continue;
			if (br->secondary == a->bus) {
				parent = (int)j;
				claims++;
			} else if (br->secondary < a->bus && a->bus <= br->subordinate)
				within = (int)j;
		}
	}
	if (claims > 1) {
		n->place_how = xasprintf("bus %02x is the secondary bus of more than one bridge in the dump", a->bus);
		return;
	}
	if (claims == 1) {
		n->parent = parent;
		n->placed = true;
		n->place_how = xasprintf("below %s, whose secondary bus is %02x", b->n[parent].bdf, a->bus);
		return;
	}
	if (within >= 0) {
		n->place_how = xasprintf("bus %02x lies behind %s (buses %02x-%02x), but no bridge in the dump leads to it",
					 a->bus, b->n[within].bdf, b->n[within].secondary, b->n[within].subordinate);
		return;
	}
	if (unknown_bridge) {
		n->place_how = xasprintf("a bridge of domain %04x has no 'Bus:' line in the dump: whether bus %02x is a root "
					 "bus cannot be told",
					 a->domain, a->bus);
		return;
	}
	n->placed = true;
	n->place_how = xasprintf("on root bus %02x of domain %04x (no bridge's secondary bus)", a->bus, a->domain);
}

/* Domains from 0x10000 belong to Intel VMD controllers, given out in the
 * order the controllers probe (address order). */
static void assign_vmd_domains(struct build *b)
{
	uint32_t doms[64];
	int vmds[64];
	size_t nd = 0, nv = 0;
	for (size_t i = 0; i < b->count; i++) {
		uint32_t dom = b->n[i].f->addr.domain;
		bool seen = false;
		if (dom < 0x10000)
			continue;
		for (size_t k = 0; k < nd; k++)
			seen = seen || doms[k] == dom;
		if (!seen && nd < ARRAY_SIZE(doms))
			doms[nd++] = dom;
	}
	for (size_t i = 0; i < b->count; i++)
		if (b->n[i].f->addr.domain < 0x10000 && is_vmd(&b->n[i]) && nv < ARRAY_SIZE(vmds))
			vmds[nv++] = (int)i;
	/* sorted: domains ascending; the dump lists functions sorted, but a
	 * merge may not */
	for (size_t x = 0; x < nd; x++)
		for (size_t y = x + 1; y < nd; y++)
			if (doms[y] < doms[x]) {
				uint32_t t = doms[x];
				doms[x] = doms[y];
				doms[y] = t;
			}
	for (size_t x = 0; x < nv; x++)
		for (size_t y = x + 1; y < nv; y++)
			if (pci_addr_cmp(&b->n[vmds[y]].f->addr, &b->n[vmds[x]].f->addr) < 0) {
				int t = vmds[x];
				vmds[x] = vmds[y];
				vmds[y] = t;
			}
	for (size_t i = 0; i < b->count; i++) {
		struct node *n = &b->n[i];
		if (n->f->addr.domain < 0x10000 || !n->placed || n->parent >= 0)
			continue;
		if (nd != nv) {
			n->placed = false;
			free(n->place_how);
			n->place_how = xasprintf("domain %04x belongs to an Intel VMD controller, but the dump has %zu "
						 "controller%s for %zu such domain%s",
						 n->f->addr.domain, nv, nv == 1 ? "" : "s", nd, nd == 1 ? "" : "s");
			continue;
		}
		for (size_t k = 0; k < nd; k++)
			if (doms[k] == n->f->addr.domain) {
				char *how = n->place_how;
				n->vmd = vmds[k];
				n->place_how = xasprintf("%s, behind the Intel VMD controller %s", how, b->n[vmds[k]].bdf);
				free(how);
			}
	}
}

#define PATH_LIMIT 3000

/* The path below sys/devices; NULL while unplaced. */
static const char *node_path(struct build *b, struct node *n)
{
	const struct pci_addr *a = &n->f->addr;
	const char *up;
	if (n->path || !n->placed)
		return n->path;
	if (n->depth++ > 300)
		return NULL; /* a cycle (VMD within VMD): left unplaced */
	if (n->parent >= 0) {
		up = node_path(b, &b->n[n->parent]);
		if (up && strlen(up) < PATH_LIMIT)
			n->path = xasprintf("%s/%s", up, n->bdf);
	} else if (n->vmd >= 0) {
		up = node_path(b, &b->n[n->vmd]);
		if (up && strlen(up) < PATH_LIMIT)
			n->path = xasprintf("%s/pci%04x:%02x/%s", up, a->domain, a->bus, n->bdf);
	} else {
		n->path = xasprintf("pci%04x:%02x/%s", a->domain, a->bus, n->bdf);
	}
	if (!n->path) {
		n->placed = false;
		free(n->place_how);
		n->place_how = xstrdup("the bridges above it cannot be placed");
	}
	return n->path;
}

static void place_vfs(struct build *b)
{
	for (size_t i = 0; i < b->count; i++) {
		struct node *n = &b->n[i];
		struct node *pf;
		const char *pp, *slash;
		if (!n->vf || n->pf < 0)
			continue;
		pf = &b->n[n->pf];
		pp = node_path(b, pf);
		if (!pp) {
			n->place_how = xasprintf("beside its PF %s, which cannot be placed", pf->bdf);
			continue;
		}
		slash = strrchr(pp, '/');
		n->path = xasprintf("%.*s/%s", (int)(slash - pp), pp, n->bdf);
		n->parent = pf->parent;
		n->placed = true;
		n->place_how = xasprintf("beside its PF %s", pf->bdf);
	}
}

/* ---- config ---------------------------------------------------------------- */

/* pci_quirk_intel_spt_pch_acs_match: these root ports keep ACS Control in
 * a dword at +8, which lspci does not show. */
static bool intel_spt_root_port(const struct node *n)
{
	uint16_t d = n->device;
	if (!n->ids_known || n->vendor != 0x8086 || n->f->pcie_type != PCIE_TYPE_ROOT_PORT)
		return false;
	return (d >= 0xa110 && d <= 0xa11f) || (d >= 0xa167 && d <= 0xa16a) || (d >= 0xa290 && d <= 0xa29f) ||
	       (d >= 0xa2e7 && d <= 0xa2ee) || (d >= 0x9d10 && d <= 0x9d1b);
}

/* Rebuilds the configuration space from the decoded lines.  Returns its
 * size (256 or 4096). */
static size_t rebuild_config(const struct build *b, const struct node *n, uint8_t *c)
{
	const struct lspci_func *f = n->f;
	size_t size = 256;
	unsigned prev_std = 0, prev_ext = 0;
	bool first_ext = true;
	unsigned ptr = n->htype == 2 ? 0x14 : 0x34;

	memset(c, 0, PCI_CFG_EXP_SIZE);
	if (n->hex_header)
		memcpy(c, f->hex, n->hex_std ? 256 : PCI_CFG_HEADER_SIZE);
	else {
		put16(c, 0, n->vf ? 0xffff : n->vendor);
		put16(c, 2, n->vf ? 0xffff : n->device);
		c[8] = f->revision;
		c[9] = (uint8_t)n->class_code;
		c[10] = (uint8_t)(n->class_code >> 8);
		c[11] = (uint8_t)(n->class_code >> 16);
		c[0x0e] = (uint8_t)(n->htype | (n->multifunction ? 0x80 : 0));
		if (n->htype == 0 && f->subsys_known) {
			put16(c, 0x2c, f->subsys_vendor_id);
			put16(c, 0x2e, f->subsys_device_id);
		}
		if (n->htype == 1 || n->htype == 2) {
			c[0x18] = f->primary;
			c[0x19] = n->secondary;
			c[0x1a] = n->subordinate;
		}
		put16(c, 6, 0);
		c[ptr] = 0;
	}
	for (size_t i = 0; i < f->ncaps; i++) {
		const struct lspci_cap *cap = &f->caps[i];
		unsigned id = cap->id_known ? cap->id : 0;
		if (!cap->ext) {
			if (cap->off + 8 > 256)
				continue;
			if (n->hex_std) {
				/* the standard list is in the bytes */
				if (id == PCI_CAP_ID_EXP)
					size = PCI_CFG_EXP_SIZE;
				continue;
			}
			if (prev_std)
				c[prev_std + 1] = (uint8_t)cap->off;
			else {
				c[ptr] = (uint8_t)cap->off;
				c[6] |= 0x10; /* Status: capability list */
			}
			c[cap->off] = (uint8_t)id;
			c[cap->off + 1] = 0;
			prev_std = cap->off;
			if (id == PCI_CAP_ID_EXP) {
				size = PCI_CFG_EXP_SIZE;
				put16(c, cap->off + 2,
				      (uint16_t)((f->pcie_version & 0xf) | (unsigned)(f->pcie_type & 0xf) << 4 |
						 (f->pcie_slot ? 0x100 : 0)));
				if (f->flr == LSPCI_YES)
					put32(c, cap->off + 4, 1u << 28);
			}
			continue;
		}
		if (cap->off + 0x20 > PCI_CFG_EXP_SIZE)
			continue;
		size = PCI_CFG_EXP_SIZE;
		if (first_ext && cap->off != 0x100) {
			/* the chain starts at 0x100: a Null header leads on */
			put32(c, 0x100, 0);
			prev_ext = 0x100;
		}
		first_ext = false;
		if (prev_ext) {
			uint32_t h = (uint32_t)cfg16(c, prev_ext) | (uint32_t)cfg16(c, prev_ext + 2) << 16;
			h = (h & 0x000fffffu) | (uint32_t)cap->off << 20;
			put32(c, prev_ext, h);
		}
		put32(c, cap->off, (id & 0xffff) | (cap->version & 0xf) << 16);
		prev_ext = cap->off;
		if (id == PCI_EXT_CAP_ACS) {
			put16(c, cap->off + 4, f->acs_cap);
			put16(c, cap->off + 6, f->acs_ctl);
			if (intel_spt_root_port(n)) {
				/* the kernel's enable quirk set the required
				 * controls in the dword at +8 when an IOMMU
				 * driver asked for ACS, as it did on a machine
				 * with IOMMU groups */
				uint32_t cap32 = f->acs_cap;
				put32(c, cap->off + 8, b->d->any_group_line ? cap32 & 0x1d : 0);
			}
		} else if (id == PCI_EXT_CAP_SRIOV && f->sriov_known) {
			put16(c, cap->off + 0x08, f->sriov_enabled ? 1 : 0);
			put16(c, cap->off + 0x0c, f->sriov_initial);
			put16(c, cap->off + 0x0e, f->sriov_total);
			put16(c, cap->off + 0x10, f->sriov_num);
			put16(c, cap->off + 0x14, f->sriov_offset);
			put16(c, cap->off + 0x16, f->sriov_stride);
			put16(c, cap->off + 0x1a, f->sriov_vf_device);
		}
	}
	return size;
}

/* ---- provenance ---------------------------------------------------------------- */

static void fact(struct build *b, const struct node *n, enum prov_fact f, enum prov_source s, const char *detail)
{
	prov_append(&b->prov, n ? n->bdf : NULL, f, s, detail);
	if (s == PROV_SYNTHESISED)
		b->t->synthesised++;
	else if (s == PROV_UNKNOWN)
		b->t->unknown++;
}

static void record_facts(struct build *b, const struct node *n)
{
	const struct lspci_func *f = n->f;
	char *how = NULL;

	if (n->hex_header && n->ids_known && !n->vf)
		fact(b, n, PROV_IDS, PROV_READ, "from the hex dump");
	else if (n->ids_known && f->ids_looked_up)
		fact(b, n, PROV_IDS, PROV_SYNTHESISED, (how = xasprintf("looked up in pci.ids by the name on line %u", f->line)));
	else if (n->ids_known && !f->ids_known)
		fact(b, n, PROV_IDS, PROV_SYNTHESISED, "its PF's vendor and the VF device id of its SR-IOV capability");
	else if (n->ids_known)
		fact(b, n, PROV_IDS, PROV_READ, NULL);
	else
		fact(b, n, PROV_IDS, PROV_UNKNOWN,
		     (how = xasprintf("line %u names it without [vvvv:dddd], and pci.ids has no single match", f->line)));
	free(how);
	how = NULL;
	if (n->class_known && f->class_looked_up && !n->hex_header)
		fact(b, n, PROV_CLASS, PROV_SYNTHESISED, "looked up in pci.ids by its name");
	else
		fact(b, n, PROV_CLASS, n->class_known ? PROV_READ : PROV_UNKNOWN, NULL);
	if (n->htype == 0)
		fact(b, n, PROV_SUBSYSTEM, f->subsys_known || n->hex_header ? PROV_READ : PROV_UNKNOWN, NULL);
	if (n->full_hex || (n->hex_std && !f->ncaps))
		fact(b, n, PROV_CONFIG, PROV_READ, (how = xasprintf("the hex dump from line %u", f->hex_line)));
	else
		fact(b, n, PROV_CONFIG, PROV_SYNTHESISED,
		     n->hex_std      ? "its 256 bytes from the hex dump, its extended capabilities rebuilt from the decoded "
				       "capability lines"
		     : n->hex_header ? "its first 64 bytes from the hex dump, the rest rebuilt from the decoded capability lines"
				     : "rebuilt from the decoded lines (header line, bus numbers, capability lines)");
	free(how);
	how = NULL;
	if (n->full_hex || (n->hex_std && !f->ncaps))
		fact(b, n, PROV_CAPABILITIES, PROV_READ, n->acs_unknown ? "the standard ones" : NULL);
	else if (!n->caps_known)
		fact(b, n, PROV_CAPABILITIES, PROV_UNKNOWN, n->caps_how);
	else
		fact(b, n, PROV_CAPABILITIES, n->caps_how ? PROV_SYNTHESISED : PROV_READ, n->caps_how);
	if (n->full_hex)
		fact(b, n, PROV_ACS, PROV_READ, NULL);
	else if (n->acs_unknown)
		fact(b, n, PROV_ACS, PROV_UNKNOWN,
		     f->ncaps ? "its ACS capability line has no complete ACSCap and ACSCtl lines below it" : n->caps_how);
	else if (n->caps_known && intel_spt_root_port(n) && f->acs_cap_known)
		fact(b, n, PROV_ACS, PROV_SYNTHESISED,
		     b->d->any_group_line
			     ? "an Intel PCH root port whose ACS Control is the dword at +8, which lspci does not show: set as the "
			       "kernel's enable quirk sets it when an IOMMU is on (the dump has IOMMU groups)"
			     : "an Intel PCH root port whose ACS Control is the dword at +8, which lspci does not show: written "
			       "as off (no IOMMU groups in the dump)");
	else if (n->caps_known)
		fact(b, n, PROV_ACS, PROV_READ, NULL);
	else
		fact(b, n, PROV_ACS, PROV_UNKNOWN, n->caps_how);
	if (n->hex_header)
		fact(b, n, PROV_MULTIFUNCTION, PROV_READ, NULL);
	else if (n->vf || f->addr.fn != 0)
		fact(b, n, PROV_MULTIFUNCTION, PROV_READ,
		     n->vf ? "a VF is never multifunction" : "a function other than 0 is multifunction to the kernel");
	else
		fact(b, n, PROV_MULTIFUNCTION, PROV_SYNTHESISED,
		     n->multifunction ? "function 0 with other functions of its slot listed (lspci does not print the bit)"
				      : "function 0 with no other function of its slot listed (lspci does not print the bit)");
	if (n->vf)
		fact(b, n, PROV_VIRTFN, n->vf_how ? PROV_SYNTHESISED : PROV_READ,
		     n->vf_how ? n->vf_how : "its id registers read all ones in the hex dump");
	else
		fact(b, n, PROV_VIRTFN, PROV_READ, NULL);
	fact(b, n, PROV_PLACEMENT, n->placed ? PROV_SYNTHESISED : PROV_UNKNOWN, n->place_how);
	if (!b->d->any_driver_line)
		fact(b, n, PROV_DRIVER, PROV_UNKNOWN, "the dump has no 'Kernel driver in use' lines");
	else
		fact(b, n, PROV_DRIVER, PROV_READ, f->driver ? NULL : "none (no 'Kernel driver in use' line)");
	if (!b->d->any_group_line)
		fact(b, n, PROV_GROUP, PROV_UNKNOWN, "the dump has no 'IOMMU group' lines");
	else
		fact(b, n, PROV_GROUP, PROV_READ, f->group >= 0 ? NULL : "in no group (no 'IOMMU group' line)");
	if (n->full_hex)
		fact(b, n, PROV_FLR, PROV_READ, NULL);
	else if (f->flr != LSPCI_UNSURE)
		fact(b, n, PROV_FLR, PROV_READ, NULL);
	else
		fact(b, n, PROV_FLR, PROV_UNKNOWN, "no DevCap line in the dump");
}

/* ---- names ------------------------------------------------------------------------ */

/* The names the dump shows, as a pci.ids file. */
static char *pci_ids_text(const struct build *b)
{
	struct buf out;
	buf_init(&out);
	buf_appendf(&out, "# The names of the lspci dump this snapshot was built from.\n");
	for (size_t i = 0; i < b->count; i++) {
		const struct node *n = &b->n[i];
		bool first = true;
		if (!n->ids_known || !n->f->vendor_name)
			continue;
		for (size_t j = 0; j < i && first; j++)
			first = !(b->n[j].ids_known && b->n[j].f->vendor_name && b->n[j].vendor == n->vendor);
		if (!first)
			continue;
		buf_appendf(&out, "%04x  %s\n", n->vendor, n->f->vendor_name);
		for (size_t j = i; j < b->count; j++) {
			const struct node *m = &b->n[j];
			bool dup = false;
			if (!m->ids_known || !m->f->vendor_name || m->vendor != n->vendor || !m->f->device_name ||
			    m->f->name_truncated || strncmp(m->f->device_name, "Device ", 7) == 0)
				continue;
			for (size_t k = i; k < j && !dup; k++)
				dup = b->n[k].ids_known && b->n[k].vendor == m->vendor && b->n[k].device == m->device &&
				      b->n[k].f->vendor_name && b->n[k].f->device_name && !b->n[k].f->name_truncated &&
				      strncmp(b->n[k].f->device_name, "Device ", 7) != 0;
			if (!dup)
				buf_appendf(&out, "\t%04x  %s\n", m->device, m->f->device_name);
		}
	}
	for (size_t i = 0; i < b->count; i++) {
		const struct node *n = &b->n[i];
		bool first = true;
		if (!n->class_known || !n->f->class_name || strncmp(n->f->class_name, "Class ", 6) == 0)
			continue;
		for (size_t j = 0; j < i && first; j++)
			first = !(b->n[j].class_known && b->n[j].f->class_name &&
				  strncmp(b->n[j].f->class_name, "Class ", 6) != 0 && (b->n[j].class_code >> 16) == (n->class_code >> 16));
		if (!first)
			continue;
		/* lspci shows the sub-class's name: it stands for the base
		 * class's too, which no look-up of a listed class reaches */
		buf_appendf(&out, "C %02x  %s\n", n->class_code >> 16, n->f->class_name);
		for (size_t j = i; j < b->count; j++) {
			const struct node *m = &b->n[j];
			bool dup = false;
			if (!m->class_known || !m->f->class_name || strncmp(m->f->class_name, "Class ", 6) == 0 ||
			    (m->class_code >> 16) != (n->class_code >> 16))
				continue;
			for (size_t k = i; k < j && !dup; k++)
				dup = b->n[k].class_known && b->n[k].f->class_name &&
				      strncmp(b->n[k].f->class_name, "Class ", 6) != 0 && (b->n[k].class_code >> 8) == (m->class_code >> 8);
			if (!dup)
				buf_appendf(&out, "\t%02x  %s\n", (m->class_code >> 8) & 0xff, m->f->class_name);
		}
	}
	return buf_steal(&out);
}

/* ---- the tree -------------------------------------------------------------------- */

static int cmp_node(const void *x, const void *y)
{
	return pci_addr_cmp(&((const struct node *)x)->f->addr, &((const struct node *)y)->f->addr);
}

static void write_function(struct build *b, struct node *n, uint8_t *cfg)
{
	const struct lspci_func *f = n->f;
	const char *path = n->path;
	char *dir, *s;
	size_t size;
	struct buf ue;

	dir = path ? xasprintf("sys/devices/%s", path) : xasprintf("sys/devices/lspci-unplaced/%s", n->bdf);
	if (n->full_hex || (n->hex_std && !f->ncaps)) {
		size = f->hexlen >= PCI_CFG_EXP_SIZE ? PCI_CFG_EXP_SIZE : 256;
		memcpy(cfg, f->hex, size);
	} else {
		size = rebuild_config(b, n, cfg);
	}
	add_entry(b->t, xasprintf("%s/config", dir), false, cfg, size);
	buf_init(&ue);
	if (f->driver)
		buf_appendf(&ue, "DRIVER=%s\n", f->driver);
	if (n->class_known)
		buf_appendf(&ue, "PCI_CLASS=%X\n", n->class_code);
	if (n->ids_known)
		buf_appendf(&ue, "PCI_ID=%04X:%04X\n", n->vendor, n->device);
	if (f->subsys_known)
		buf_appendf(&ue, "PCI_SUBSYS_ID=%04X:%04X\n", f->subsys_vendor_id, f->subsys_device_id);
	buf_appendf(&ue, "PCI_SLOT_NAME=%s\n", n->bdf);
	add_entry(b->t, xasprintf("%s/uevent", dir), false, ue.data, ue.len);
	buf_release(&ue);
	{
		unsigned num, off, stride, vfdev;
		if (!n->vf && sriov_numbers(n, &num, &off, &stride, &vfdev)) {
			s = xasprintf("%u\n", num);
			add_entry(b->t, xasprintf("%s/sriov_numvfs", dir), false, s, strlen(s));
			free(s);
		}
	}
	/* the links a snapshot reads: sysfs's own, relative */
	s = xasprintf("../../../%s", dir + 4);
	add_entry(b->t, xasprintf("sys/bus/pci/devices/%s", n->bdf), true, s, strlen(s));
	free(s);
	if (f->driver) {
		s = xasprintf("../../../../%s", dir + 4);
		add_entry(b->t, xasprintf("sys/bus/pci/drivers/%s/%s", f->driver, n->bdf), true, s, strlen(s));
		free(s);
	}
	if (f->group >= 0) {
		s = xasprintf("../../../../%s", dir + 4);
		add_entry(b->t, xasprintf("sys/kernel/iommu_groups/%d/devices/%s", f->group, n->bdf), true, s, strlen(s));
		free(s);
	}
	free(dir);
}

bool lspci_sysfs_build(const struct lspci_dump *d, const char *input, struct sysfs_tree *t, struct lspci_error *err)
{
	struct build b = {.d = d, .t = t};
	uint8_t *cfg;
	char *text;

	memset(err, 0, sizeof(*err));
	sysfs_tree_init(t);
	buf_init(&b.prov);
	b.count = d->n;
	b.n = xcalloc(d->n + 1, sizeof(*b.n));
	for (size_t i = 0; i < d->n; i++)
		b.n[i].f = &d->f[i];
	qsort(b.n, b.count, sizeof(*b.n), cmp_node);
	for (size_t i = 0; i < b.count; i++)
		identify(&b, &b.n[i]);
	find_vfs(&b);
	infer_multifunction(&b);
	for (size_t i = 0; i < b.count; i++)
		place(&b, &b.n[i]);
	assign_vmd_domains(&b);
	for (size_t i = 0; i < b.count; i++)
		if (!b.n[i].vf || b.n[i].pf < 0)
			node_path(&b, &b.n[i]);
	place_vfs(&b);
	for (size_t i = 0; i < b.count; i++)
		if (b.n[i].vf && b.n[i].pf < 0 && !b.n[i].placed)
			node_path(&b, &b.n[i]);

	buf_appendf(&b.prov, "# iommuctl snapshot --from-lspci: where each fact of this snapshot came from.\n"
			     "# FUNCTION FACT SOURCE [DETAIL]: read (in the dump), synthesised (worked out, DETAIL "
			     "says how) or unknown (not in the dump).\n");
	fact(&b, NULL, PROV_GROUP_TYPES, PROV_UNKNOWN, "lspci does not show a group's default domain type");
	fact(&b, NULL, PROV_RESERVED_REGIONS, PROV_UNKNOWN, "lspci does not show reserved regions");
	fact(&b, NULL, PROV_IOMMU_UNITS, PROV_UNKNOWN, "lspci does not show the IOMMU units");
	fact(&b, NULL, PROV_CMDLINE, PROV_UNKNOWN, "lspci does not show the kernel command line");
	fact(&b, NULL, PROV_KERNEL, PROV_UNKNOWN, "lspci does not show the kernel release");
	cfg = xmalloc(PCI_CFG_EXP_SIZE);
	for (size_t i = 0; i < b.count; i++) {
		write_function(&b, &b.n[i], cfg);
		record_facts(&b, &b.n[i]);
	}
	free(cfg);
	t->functions = b.count;
	{
		int seen[4096];
		size_t ns = 0;
		for (size_t i = 0; i < d->n; i++) {
			bool dup = false;
			for (size_t k = 0; k < ns && !dup; k++)
				dup = seen[k] == d->f[i].group;
			if (d->f[i].group >= 0 && !dup && ns < ARRAY_SIZE(seen))
				seen[ns++] = d->f[i].group;
		}
		t->groups = ns;
	}
	text = pci_ids_text(&b);
	add_entry(t, xstrdup(".iommuctl/pci.ids"), false, text, strlen(text));
	free(text);
	add_entry(t, xstrdup(PROVENANCE_FILE), false, b.prov.data, b.prov.len);
	text = xasprintf("# iommuctl snapshot --from-lspci: a snapshot built from lspci output, not read from sysfs.\n"
			 "# Read it with: iommuctl --root DIR COMMAND; .iommuctl/lspci says where each fact came from.\n"
			 "source=lspci\ninput=%s\npci_functions=%zu\niommu_groups=%zu\nsynthesised_facts=%zu\n"
			 "unknown_facts=%zu\npcilib_lines_joined=%u\n",
			 input, t->functions, t->groups, t->synthesised, t->unknown, d->pcilib_lines);
	add_entry(t, xstrdup(".iommuctl/info"), false, text, strlen(text));
	free(text);
	for (size_t i = 0; i < b.count; i++) {
		free(b.n[i].vf_how);
		free(b.n[i].place_how);
		free(b.n[i].path);
		free(b.n[i].caps_how);
	}
	free(b.n);
	buf_release(&b.prov);
	return true;
}
