/* analysis-diff.c - what changed between two snapshots, and whether it
 * matters (diff.h).
 *
 * Groups are matched by their members: a graph joins each old group to
 * each new group that shares a device with it, and each connected part of
 * it is one change (a merge, a split, ...) or none (the same members,
 * perhaps under another number).  Which way a change goes follows the
 * kernel's own words where it has them:
 *  - devices that did not share a group and do now can only be assigned
 *    together (drivers/iommu/iommu.c: a group is the unit of ownership);
 *  - identity (passthrough) domains do not translate DMA at all; DMA-FQ is
 *    "lazy mode ... at the cost of reduced device isolation" and DMA strict
 *    (Documentation/admin-guide/kernel-parameters.txt, iommu.strict=);
 *  - a direct (non-relaxable) reserved region makes a device unassignable
 *    (KERNEL-FACTS.md 3.7);
 *  - pci_acs_enabled's verdict decides whether a port isolates what is
 *    below it (KERNEL-FACTS.md 2.3);
 *  - check-vfio's verdicts rank viable > viable after steps > not viable;
 *  - interrupt remapping, VFIO's unsafe options: KERNEL-FACTS.md 3.4. */
#define _GNU_SOURCE
#include "diff.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dma.h"
#include "platform.h"
#include "vfio.h"

const char *const diff_area_names[DIFF_NAREAS + 1] = {
	[DIFF_AREA_GROUPS] = "groups", [DIFF_AREA_DEVICES] = "devices", [DIFF_AREA_TYPES] = "types",
	[DIFF_AREA_RESV] = "resv",     [DIFF_AREA_ACS] = "acs",         [DIFF_AREA_DRIVERS] = "drivers",
	[DIFF_AREA_VFIO] = "vfio",     [DIFF_AREA_UNITS] = "units",     [DIFF_AREA_HOST] = "host",
	[DIFF_AREA_CMDLINE] = "cmdline", [DIFF_AREA_SWIOTLB] = "swiotlb",
};

const char *diff_area_id(enum diff_area a)
{
	return a < DIFF_NAREAS ? diff_area_names[a] : "?";
}

bool diff_areas_parse(const char *list, unsigned *mask, char **bad)
{
	const char *p = list;
	*mask = 0;
	for (;;) {
		size_t len = strcspn(p, ",");
		bool found = false;
		for (unsigned a = 0; a < DIFF_NAREAS && !found; a++)
			if (strlen(diff_area_names[a]) == len && strncmp(p, diff_area_names[a], len) == 0) {
				*mask |= 1u << a;
				found = true;
			}
		if (!found) {
			*bad = xstrndup(p, len);
			return false;
		}
		if (!p[len])
			return true;
		p += len + 1;
	}
}

const char *diff_class_id(enum diff_class c)
{
	return c == DIFF_REDUCES ? "reduces" : c == DIFF_IMPROVES ? "improves" : "neutral";
}

/* ---- values ------------------------------------------------------------------------ */

void diff_value_release(struct diff_value *v)
{
	for (size_t i = 0; i < v->n; i++)
		diff_value_release(&v->items[i]);
	free(v->items);
	free(v->s);
	memset(v, 0, sizeof(*v));
}

const struct diff_value *diff_value_get(const struct diff_value *v, const char *key)
{
	if (v->type != DV_OBJECT)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->items[i].key, key))
			return &v->items[i];
	return NULL;
}

static struct diff_value dv(enum diff_value_type type)
{
	struct diff_value v;
	memset(&v, 0, sizeof(v));
	v.type = type;
	return v;
}

static struct diff_value dv_bool(bool b)
{
	struct diff_value v = dv(DV_BOOL);
	v.b = b;
	return v;
}

/* true, false, or null for -1 */
static struct diff_value dv_tri(int t)
{
	return t < 0 ? dv(DV_NULL) : dv_bool(t > 0);
}

static struct diff_value dv_int(long long i)
{
	struct diff_value v = dv(DV_INT);
	v.i = i;
	return v;
}

static struct diff_value dv_hex(uint64_t u)
{
	struct diff_value v = dv(DV_HEX);
	v.u = u;
	return v;
}

static struct diff_value dv_str(const char *s)
{
	struct diff_value v = dv(s ? DV_STRING : DV_NULL);
	v.s = s ? xstrdup(s) : NULL;
	return v;
}

/* Adds CHILD (moved) to the list or object V, under KEY for an object. */
static void dv_add(struct diff_value *v, const char *key, struct diff_value child)
{
	xgrow((void **)&v->items, &v->cap, v->n + 1, sizeof(*v->items));
	child.key = key;
	v->items[v->n++] = child;
}

static struct diff_value dv_strings(const struct strvec *sv)
{
	struct diff_value v = dv(DV_LIST);
	for (size_t i = 0; i < sv->n; i++)
		dv_add(&v, NULL, dv_str(sv->v[i]));
	return v;
}

/* ---- the report -------------------------------------------------------------------- */

static void change_release(struct diff_change *c)
{
	free(c->subject);
	free(c->message);
	strvec_release(&c->devices);
	diff_value_release(&c->before);
	diff_value_release(&c->after);
}

void diff_report_release(struct diff_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		change_release(&r->changes[i]);
	free(r->changes);
	free(r->renumbered);
	memset(r, 0, sizeof(*r));
}

/* A new change; SUBJECT and MESSAGE are taken over.  The caller fills
 * before, after and devices. */
static struct diff_change *add_change(struct diff_report *r, enum diff_area area, const char *kind,
				      enum diff_class cls, const char *reason, char *subject, char *message)
{
	struct diff_change *c;
	xgrow((void **)&r->changes, &r->cap, r->n + 1, sizeof(*r->changes));
	c = &r->changes[r->n];
	memset(c, 0, sizeof(*c));
	c->area = area;
	c->kind = kind;
	c->cls = cls;
	c->reason = reason;
	c->subject = subject;
	c->message = message;
	c->seq = r->n++;
	strvec_init(&c->devices);
	c->before = dv(DV_NULL);
	c->after = dv(DV_NULL);
	return c;
}

/* "05:00.0" for a function of domain 0, else the name as it is. */
static const char *short_name(const char *name)
{
	return strncmp(name, "0000:", 5) == 0 && pci_is_bdf(name) ? name + 5 : name;
}

/* ---- the sides --------------------------------------------------------------------- */

void diff_side_init(struct diff_side *side, const struct snapshot *s)
{
	memset(side, 0, sizeof(*side));
	side->s = s;
	isolation_choose(&side->iso, s, false);
	iommu_presence_analyse(s, &side->presence);
	status_analyse(s, &side->status);
	swiotlb_analyse(s, &side->swiotlb);
	pci_tree_build(s, &side->tree);
	side->cmdline_known = s->cmdline != NULL;
	if (side->cmdline_known) {
		iommu_cmdline_parse(s->cmdline, &side->cmdline);
		side->cmdline.arch = (int)platform_arch(s);
	}
}

void diff_side_release(struct diff_side *side)
{
	isolation_release(&side->iso);
	iommu_presence_release(&side->presence);
	status_report_release(&side->status);
	swiotlb_report_release(&side->swiotlb);
	pci_tree_release(&side->tree);
	if (side->cmdline_known)
		iommu_cmdline_release(&side->cmdline);
	memset(side, 0, sizeof(*side));
}

/* What one comparison works with. */
struct differ {
	const struct diff_side *o, *n;
	const struct diff_request *req;
	struct diff_report *r;
};

static bool wanted(const struct differ *d, enum diff_area a)
{
	return d->req->areas & (1u << a);
}

/* Whether the function (or other group member) NAME is selected on either
 * side (-s, -d). */
static bool name_selected(const struct differ *d, const char *name)
{
	const struct pci_device *x;
	if (!d->req->old_selected && !d->req->new_selected)
		return true;
	if (d->req->old_selected && (x = snapshot_find_by_name(d->o->s, name)) && d->req->old_selected[x - d->o->s->dev])
		return true;
	return d->req->new_selected && (x = snapshot_find_by_name(d->n->s, name)) &&
	       d->req->new_selected[x - d->n->s->dev];
}

static bool change_selected(const struct differ *d, const struct diff_change *c)
{
	if (!c->devices.n)
		return true;
	for (size_t i = 0; i < c->devices.n; i++)
		if (name_selected(d, c->devices.v[i]))
			return true;
	return false;
}

/* Drops the changes about functions none of which is selected. */
static void keep_selected(struct differ *d)
{
	struct diff_report *r = d->r;
	size_t k = 0;
	for (size_t i = 0; i < r->n; i++) {
		struct diff_change *c = &r->changes[i];
		if (change_selected(d, c))
			r->changes[k++] = *c;
		else
			change_release(c);
	}
	r->n = k;
}

/* ---- functions present on both sides ----------------------------------------------------- */

/* The functions of both snapshots in address order: index on each side,
 * or -1 where the function is not there. */
struct dev_pair {
	int o, n;
};

static struct dev_pair *pair_devices(const struct snapshot *o, const struct snapshot *n, size_t *count)
{
	struct dev_pair *p = xcalloc(o->ndev + n->ndev + 1, sizeof(*p));
	size_t i = 0, k = 0, c = 0;
	while (i < o->ndev || k < n->ndev) {
		int cmp = i >= o->ndev ? 1 : k >= n->ndev ? -1 : pci_addr_cmp(&o->dev[i].addr, &n->dev[k].addr);
		p[c].o = cmp <= 0 ? (int)i++ : -1;
		p[c].n = cmp >= 0 ? (int)k++ : -1;
		c++;
	}
	*count = c;
	return p;
}

static const char *pair_bdf(const struct differ *d, const struct dev_pair *p)
{
	return p->n >= 0 ? d->n->s->dev[p->n].bdf : d->o->s->dev[p->o].bdf;
}

/* "Intel Corporation 82574L Gigabit Network Connection [8086:10d3]", or
 * "[8086:10d3]" without names, or "(ids unknown)". */
static char *device_text(const struct pci_device *dev)
{
	if (!dev->ident_known)
		return xstrdup("(ids unknown)");
	if (dev->vendor_name && dev->device_name)
		return xasprintf("%s %s [%04x:%04x]", dev->vendor_name, dev->device_name, dev->ident.vendor_id,
				 dev->ident.device_id);
	return xasprintf("[%04x:%04x]", dev->ident.vendor_id, dev->ident.device_id);
}

static struct diff_value device_value(const struct pci_device *dev)
{
	char ids[16];
	if (!dev->ident_known)
		return dv(DV_NULL);
	snprintf(ids, sizeof(ids), "%04x:%04x", dev->ident.vendor_id, dev->ident.device_id);
	return dv_str(ids);
}

static void diff_devices(struct differ *d, const struct dev_pair *pairs, size_t np)
{
	for (size_t i = 0; i < np; i++) {
		const struct dev_pair *p = &pairs[i];
		const struct pci_device *od = p->o >= 0 ? &d->o->s->dev[p->o] : NULL;
		const struct pci_device *nd = p->n >= 0 ? &d->n->s->dev[p->n] : NULL;
		struct diff_change *c;
		char *ot, *nt;
		if (od && nd && (!od->ident_known || !nd->ident_known || (od->ident.vendor_id == nd->ident.vendor_id &&
									   od->ident.device_id == nd->ident.device_id)))
			continue;
		ot = od ? device_text(od) : NULL;
		nt = nd ? device_text(nd) : NULL;
		if (!od)
			c = add_change(d->r, DIFF_AREA_DEVICES, "device_added", DIFF_NEUTRAL, "device_added",
				       xstrdup(nd->bdf), xasprintf("%s %s is new", short_name(nd->bdf), nt));
		else if (!nd)
			c = add_change(d->r, DIFF_AREA_DEVICES, "device_removed", DIFF_REDUCES, "device_removed",
				       xstrdup(od->bdf),
				       xasprintf("%s %s is gone: a VM configured to take it cannot start",
						 short_name(od->bdf), ot));
		else
			c = add_change(d->r, DIFF_AREA_DEVICES, "device_replaced", DIFF_REDUCES, "device_replaced",
				       xstrdup(nd->bdf),
				       xasprintf("%s is another device: %s -> %s; a VM configured to take %s gets "
						 "another device, or cannot start",
						 short_name(nd->bdf), ot, nt, short_name(nd->bdf)));
		strvec_push(&c->devices, pair_bdf(d, p));
		c->before = od ? device_value(od) : dv(DV_NULL);
		c->after = nd ? device_value(nd) : dv(DV_NULL);
		free(ot);
		free(nt);
	}
}

/* ---- groups, matched by membership ------------------------------------------------------ */

/* A group member on either side: the group it is in on each (index into
 * snapshot.grp, or -1), and whether the function exists on each side. */
struct member {
	const char *name;
	int og, ng;
	bool in_old, in_new;
	size_t comp;
};

struct member_ref {
	const char *name;
	int grp;
	bool is_new;
};

static int cmp_name(const char *a, const char *b)
{
	struct pci_addr x, y;
	bool px = pci_addr_parse(a, &x), py = pci_addr_parse(b, &y);
	if (px && py)
		return pci_addr_cmp(&x, &y);
	if (px != py)
		return px ? -1 : 1; /* PCI functions first */
	return strcmp(a, b);
}

static int cmp_member_ref(const void *a, const void *b)
{
	const struct member_ref *x = a, *y = b;
	int c = cmp_name(x->name, y->name);
	return c ? c : (int)x->is_new - (int)y->is_new;
}

static void add_refs(const struct snapshot *s, bool is_new, struct member_ref **refs, size_t *n, size_t *cap)
{
	for (size_t g = 0; g < s->ngrp; g++) {
		const struct iommu_group *grp = &s->grp[g];
		for (size_t k = 0; k < grp->ndev + grp->other.n; k++) {
			xgrow((void **)refs, cap, *n + 1, sizeof(**refs));
			(*refs)[*n].name = k < grp->ndev ? s->dev[grp->dev[k]].bdf : grp->other.v[k - grp->ndev];
			(*refs)[*n].grp = (int)g;
			(*refs)[*n].is_new = is_new;
			(*n)++;
		}
	}
}

/* Every name that is a member of a group on either side, in address order
 * (then other names), with its groups. */
static struct member *collect_members(const struct differ *d, size_t *count)
{
	struct member_ref *refs = NULL;
	struct member *m;
	size_t nrefs = 0, cap = 0, n = 0;
	add_refs(d->o->s, false, &refs, &nrefs, &cap);
	add_refs(d->n->s, true, &refs, &nrefs, &cap);
	if (nrefs > 1)
		qsort(refs, nrefs, sizeof(*refs), cmp_member_ref);
	m = xcalloc(nrefs + 1, sizeof(*m));
	for (size_t i = 0; i < nrefs; i++) {
		struct member *cur;
		if (n && !strcmp(m[n - 1].name, refs[i].name)) {
			cur = &m[n - 1];
		} else {
			cur = &m[n++];
			cur->name = refs[i].name;
			cur->og = cur->ng = -1;
		}
		/* a name listed in two groups of one side (the loader warns):
		 * the first counts */
		if (refs[i].is_new && cur->ng < 0)
			cur->ng = refs[i].grp;
		else if (!refs[i].is_new && cur->og < 0)
			cur->og = refs[i].grp;
	}
	for (size_t i = 0; i < n; i++) {
		m[i].in_old = m[i].og >= 0 || snapshot_find_by_name(d->o->s, m[i].name);
		m[i].in_new = m[i].ng >= 0 || snapshot_find_by_name(d->n->s, m[i].name);
	}
	free(refs);
	*count = n;
	return m;
}

static size_t uf_find(size_t *parent, size_t x)
{
	while (parent[x] != x) {
		parent[x] = parent[parent[x]];
		x = parent[x];
	}
	return x;
}

/* One connected part of the graph: its members (indices into the member
 * array, in address order) and its groups on each side. */
struct component {
	size_t *mem;
	size_t nmem;
	int *og, *ng; /* distinct group indices, ascending (so by id) */
	size_t nog, nng;
};

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static void add_distinct(int **v, size_t *n, int x)
{
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i] == x)
			return;
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = x;
}

/* Splits the members into components (in the order of their first
 * member). */
static struct component *components(const struct differ *d, struct member *m, size_t nm, size_t *count)
{
	size_t no = d->o->s->ngrp, nn = d->n->s->ngrp;
	size_t *parent = xcalloc(no + nn + 1, sizeof(*parent)), *label = xcalloc(no + nn + 1, sizeof(*label));
	struct component *c;
	size_t nc = 0;
	for (size_t i = 0; i < no + nn; i++)
		parent[i] = i;
	for (size_t i = 0; i < nm; i++)
		if (m[i].og >= 0 && m[i].ng >= 0) {
			size_t a = uf_find(parent, (size_t)m[i].og), b = uf_find(parent, no + (size_t)m[i].ng);
			if (a != b)
				parent[a] = b;
		}
	for (size_t i = 0; i < no + nn; i++)
		label[i] = SIZE_MAX;
	c = xcalloc(nm + 1, sizeof(*c));
	for (size_t i = 0; i < nm; i++) {
		size_t root = uf_find(parent, m[i].og >= 0 ? (size_t)m[i].og : no + (size_t)m[i].ng);
		struct component *cc;
		if (label[root] == SIZE_MAX)
			label[root] = nc++;
		m[i].comp = label[root];
		cc = &c[m[i].comp];
		cc->mem = xrealloc(cc->mem, (cc->nmem + 1) * sizeof(*cc->mem));
		cc->mem[cc->nmem++] = i;
		if (m[i].og >= 0)
			add_distinct(&cc->og, &cc->nog, m[i].og);
		if (m[i].ng >= 0)
			add_distinct(&cc->ng, &cc->nng, m[i].ng);
	}
	for (size_t i = 0; i < nc; i++) {
		if (c[i].nog > 1)
			qsort(c[i].og, c[i].nog, sizeof(int), cmp_int);
		if (c[i].nng > 1)
			qsort(c[i].ng, c[i].nng, sizeof(int), cmp_int);
	}
	free(parent);
	free(label);
	*count = nc;
	return c;
}

static void components_release(struct component *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(c[i].mem);
		free(c[i].og);
		free(c[i].ng);
	}
	free(c);
}

/* A group's members as names, in address order. */
static void group_names(const struct snapshot *s, const struct iommu_group *g, struct strvec *out)
{
	strvec_init(out);
	for (size_t k = 0; k < g->ndev; k++)
		strvec_push(out, s->dev[g->dev[k]].bdf);
	for (size_t k = 0; k < g->other.n; k++)
		strvec_push(out, g->other.v[k]);
}

/* At most this many members are named in a sentence. */
#define NAMES_SHOWN 8

static void append_names(struct buf *b, const struct strvec *names)
{
	for (size_t i = 0; i < names->n && i < NAMES_SHOWN; i++)
		buf_appendf(b, "%s%s", i ? " " : "", short_name(names->v[i]));
	if (names->n > NAMES_SHOWN)
		buf_appendf(b, " and %zu more", names->n - NAMES_SHOWN);
}

/* "group 5 (00:06.0)", "groups 5 (00:06.0) and 13 (04:00.0)" */
static void append_groups(struct buf *b, const struct snapshot *s, const int *g, size_t n)
{
	buf_appendf(b, "group%s ", n > 1 ? "s" : "");
	for (size_t i = 0; i < n; i++) {
		struct strvec names;
		group_names(s, &s->grp[g[i]], &names);
		buf_appendf(b, "%s%d (", i == 0 ? "" : i + 1 == n ? " and " : ", ", s->grp[g[i]].id);
		append_names(b, &names);
		buf_appendf(b, ")");
		strvec_release(&names);
	}
}

/* [{"id": 5, "devices": [...]}, ...] */
static struct diff_value groups_value(const struct snapshot *s, const int *g, size_t n)
{
	struct diff_value v = dv(DV_LIST);
	for (size_t i = 0; i < n; i++) {
		struct diff_value o = dv(DV_OBJECT);
		struct strvec names;
		group_names(s, &s->grp[g[i]], &names);
		dv_add(&o, "id", dv_int(s->grp[g[i]].id));
		dv_add(&o, "devices", dv_strings(&names));
		dv_add(&v, NULL, o);
		strvec_release(&names);
	}
	return v;
}

struct member_flow {
	int from, to;
};

static int cmp_flow_to(const void *a, const void *b)
{
	const struct member_flow *x = a, *y = b;
	return x->to != y->to ? (x->to > y->to) - (x->to < y->to) : (x->from > y->from) - (x->from < y->from);
}

static int cmp_flow_from(const void *a, const void *b)
{
	const struct member_flow *x = a, *y = b;
	return x->from != y->from ? (x->from > y->from) - (x->from < y->from) : (x->to > y->to) - (x->to < y->to);
}

/* True if some group on the TO side gets members from two places (groups
 * of the other side, or none) in the flows F (sorted by cmp_flow_to): a
 * merge when read forwards, a split when the sides are swapped. */
static bool gathers(const struct member_flow *f, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (f[i].to >= 0 && f[i].to == f[i - 1].to && f[i].from != f[i - 1].from)
			return true;
	return false;
}

/* The members that joined a group of the component (they had none) or
 * left (they have none now), in clauses: "06:00.1 is a new device",
 * "0a:01.0 and 0a:02.0 are in no group now".  *EXISTED_J: a joiner existed
 * before (it was in no group); *EXISTED_L: a leaver still exists. */
static void append_movers(struct buf *b, const struct member *m, const struct component *c, bool *existed_j,
			  bool *existed_l)
{
	static const char *const one[] = {"is a new device", "was in no group before", "was removed",
					  "is in no group now"};
	static const char *const many[] = {"are new devices", "were in no group before", "were removed",
					   "are in no group now"};
	*existed_j = *existed_l = false;
	for (int cat = 0; cat < 4; cat++) {
		size_t total = 0, shown = 0;
		for (size_t i = 0; i < c->nmem; i++) {
			const struct member *x = &m[c->mem[i]];
			bool joined = x->og < 0, left = x->ng < 0;
			int xc = joined ? (x->in_old ? 1 : 0) : left ? (x->in_new ? 3 : 2) : -1;
			if (xc == cat)
				total++;
		}
		if (!total)
			continue;
		if (cat == 1)
			*existed_j = true;
		if (cat == 3)
			*existed_l = true;
		if (b->len)
			buf_appendf(b, "; ");
		for (size_t i = 0; i < c->nmem; i++) {
			const struct member *x = &m[c->mem[i]];
			bool joined = x->og < 0, left = x->ng < 0;
			int xc = joined ? (x->in_old ? 1 : 0) : left ? (x->in_new ? 3 : 2) : -1;
			if (xc != cat || shown == NAMES_SHOWN)
				continue;
			shown++;
			buf_appendf(b, "%s%s",
				    shown == 1 ? "" : shown == total ? " and " : ", ",
				    short_name(x->name));
		}
		if (total > shown)
			buf_appendf(b, " and %zu more", total - shown);
		buf_appendf(b, " %s", total == 1 ? one[cat] : many[cat]);
	}
}

static void diff_component(struct differ *d, const struct member *m, const struct component *c)
{
	const struct snapshot *os = d->o->s, *ns = d->n->s;
	struct member_flow *f = xcalloc(c->nmem + 1, sizeof(*f));
	struct buf b, movers;
	bool merged, split, joiners = false, leavers = false, existed_j = false, existed_l = false;
	const char *kind, *reason;
	enum diff_class cls;
	struct diff_change *ch;
	int subject;

	for (size_t i = 0; i < c->nmem; i++) {
		f[i].from = m[c->mem[i]].og;
		f[i].to = m[c->mem[i]].ng;
		joiners = joiners || f[i].from < 0;
		leavers = leavers || f[i].to < 0;
	}
	qsort(f, c->nmem, sizeof(*f), cmp_flow_to);
	merged = gathers(f, c->nmem);
	for (size_t i = 0; i < c->nmem; i++) {
		int t = f[i].from;
		f[i].from = f[i].to;
		f[i].to = t;
	}
	qsort(f, c->nmem, sizeof(*f), cmp_flow_to);
	split = gathers(f, c->nmem);
	free(f);

	if (!merged && !split && c->nog == 1 && c->nng == 1) {
		int oid = os->grp[c->og[0]].id, nid = ns->grp[c->ng[0]].id;
		bool selected = false;
		for (size_t i = 0; i < c->nmem && !selected; i++)
			selected = name_selected(d, m[c->mem[i]].name);
		if (oid != nid && selected) {
			struct diff_report *r = d->r;
			xgrow((void **)&r->renumbered, &r->caprenumbered, r->nrenumbered + 1, sizeof(*r->renumbered));
			r->renumbered[r->nrenumbered].before = oid;
			r->renumbered[r->nrenumbered++].after = nid;
		}
		return;
	}

	buf_init(&movers);
	if (joiners || leavers)
		append_movers(&movers, m, c, &existed_j, &existed_l);
	buf_init(&b);
	if (!c->nog) {
		kind = "group_added";
		cls = existed_j ? DIFF_IMPROVES : DIFF_NEUTRAL;
		reason = existed_j ? "device_grouped" : "devices_added";
		append_groups(&b, ns, c->ng, c->nng);
		buf_appendf(&b, " is new: %s", movers.data);
		if (existed_j)
			buf_appendf(&b, "; an IOMMU translates its DMA now");
	} else if (!c->nng) {
		kind = "group_removed";
		cls = existed_l ? DIFF_REDUCES : DIFF_NEUTRAL;
		reason = existed_l ? "device_ungrouped" : "devices_removed";
		append_groups(&b, os, c->og, c->nog);
		buf_appendf(&b, " is gone: %s", movers.data);
		if (existed_l)
			buf_appendf(&b, ": a function in no group is not isolated by an IOMMU and VFIO cannot take it");
	} else {
		if (merged && split)
			kind = "groups_regrouped";
		else if (merged)
			kind = c->nog > 1 ? "groups_merged" : "group_grew";
		else
			kind = c->nng > 1 ? "group_split" : "group_shrank";
		append_groups(&b, os, c->og, c->nog);
		buf_appendf(&b, " %s ", merged && split ? "became" : merged ? (c->nog > 1 ? "merged into" : "grew into")
							 : c->nng > 1 ? "split into" : "shrank to");
		append_groups(&b, ns, c->ng, c->nng);
		if (movers.len)
			buf_appendf(&b, "; %s", movers.data);
		if (merged) {
			cls = DIFF_REDUCES;
			reason = "devices_share_group";
			buf_appendf(&b, ": devices that were apart share a group now and can only be assigned to a VM "
					"together");
		} else if (existed_l) {
			cls = DIFF_REDUCES;
			reason = "device_ungrouped";
			buf_appendf(&b, ": a function in no group is not isolated by an IOMMU and VFIO cannot take it");
		} else {
			cls = DIFF_IMPROVES;
			reason = "devices_separated";
			buf_appendf(&b, ": fewer devices share a group: each can be assigned with fewer others");
		}
	}
	buf_release(&movers);
	subject = c->nng ? ns->grp[c->ng[0]].id : os->grp[c->og[0]].id;
	ch = add_change(d->r, DIFF_AREA_GROUPS, kind, cls, reason, xasprintf("group %d", subject), buf_steal(&b));
	for (size_t i = 0; i < c->nmem; i++)
		strvec_push(&ch->devices, m[c->mem[i]].name);
	ch->before = groups_value(os, c->og, c->nog);
	ch->after = groups_value(ns, c->ng, c->nng);
}

/* ---- default domain types and reserved regions, per pair of matched groups ----------- */

/* How much a type isolates: identity none, DMA-FQ less (lazy), DMA most;
 * -1 for the others (blocked, unmanaged, unknown), which are not ranked. */
static int type_rank(const char *t)
{
	if (!t)
		return -1;
	return !strcmp(t, "identity") ? 0 : !strcmp(t, "DMA-FQ") ? 1 : !strcmp(t, "DMA") ? 2 : -1;
}

/* "group 3 (05:00.0 06:00.0)", "group 3, 14 before, (...)" */
static char *pair_text(const struct snapshot *os, const struct snapshot *ns, int og, int ng)
{
	struct buf b;
	struct strvec names;
	buf_init(&b);
	group_names(ns, &ns->grp[ng], &names);
	buf_appendf(&b, "group %d", ns->grp[ng].id);
	if (os->grp[og].id != ns->grp[ng].id)
		buf_appendf(&b, " (group %d before)", os->grp[og].id);
	buf_appendf(&b, " (");
	append_names(&b, &names);
	buf_appendf(&b, ")");
	strvec_release(&names);
	return buf_steal(&b);
}

static void diff_type(struct differ *d, int og, int ng)
{
	const struct iommu_group *o = &d->o->s->grp[og], *n = &d->n->s->grp[ng];
	int ro = type_rank(o->type), rn = type_rank(n->type);
	enum diff_class cls = DIFF_NEUTRAL;
	const char *reason = "type_changed", *why = NULL;
	struct diff_change *c;
	char *where;

	if ((!o->type && !n->type) || (o->type && n->type && !strcmp(o->type, n->type)))
		return;
	if (!n->type) {
		cls = DIFF_REDUCES;
		reason = "type_unknown";
		why = "NEW's type attribute could not be read, so nothing shows that its DMA is still translated";
	} else if (!o->type) {
		reason = "type_known";
		why = "OLD's type attribute could not be read";
	} else if (ro >= 0 && rn >= 0 && rn < ro) {
		cls = DIFF_REDUCES;
		reason = rn == 0 ? "passthrough_on" : "lazy_invalidation";
		why = rn == 0 ? "passthrough: the IOMMU no longer translates its DMA, which reaches all of memory"
			      : "lazy invalidation: a device can still reach an unmapped buffer until the next batched "
				"IOTLB flush (the kernel: 'reduced device isolation')";
	} else if (ro >= 0 && rn >= 0 && rn > ro) {
		cls = DIFF_IMPROVES;
		reason = ro == 0 ? "passthrough_off" : "strict_invalidation";
		why = ro == 0 ? "translated: its DMA reaches only what the kernel maps"
			      : "strict invalidation: the IOTLB is flushed before each unmap returns";
	}
	where = pair_text(d->o->s, d->n->s, og, ng);
	c = add_change(d->r, DIFF_AREA_TYPES, "domain_type", cls, reason, xasprintf("group %d", n->id),
		       xasprintf("%s: default domain %s -> %s%s%s", where, o->type ? o->type : "unknown",
				 n->type ? n->type : "unknown", why ? ": " : "", why ? why : ""));
	free(where);
	group_names(d->n->s, n, &c->devices);
	c->before = dv_str(o->type);
	c->after = dv_str(n->type);
}

static bool resv_equal(const struct resv_region *a, const struct resv_region *b)
{
	return a->start == b->start && a->end == b->end && !strcmp(a->type, b->type);
}

static bool resv_has(const struct iommu_group *g, const struct resv_region *r)
{
	for (size_t i = 0; i < g->nresv; i++)
		if (resv_equal(&g->resv[i], r))
			return true;
	return false;
}

static struct diff_value resv_value(const struct iommu_group *g)
{
	struct diff_value v;
	if (!g->resv_known)
		return dv(DV_NULL);
	v = dv(DV_LIST);
	for (size_t i = 0; i < g->nresv; i++) {
		struct diff_value o = dv(DV_OBJECT);
		dv_add(&o, "start", dv_hex(g->resv[i].start));
		dv_add(&o, "end", dv_hex(g->resv[i].end));
		dv_add(&o, "type", dv_str(g->resv[i].type));
		dv_add(&v, NULL, o);
	}
	return v;
}

/* Appends the regions of A missing from B; true if one of them is direct
 * (not relaxable). */
static bool append_missing(struct buf *b, const char *label, const struct iommu_group *a, const struct iommu_group *bg)
{
	bool direct = false, first = true;
	for (size_t i = 0; i < a->nresv; i++) {
		const struct resv_region *r = &a->resv[i];
		if (resv_has(bg, r))
			continue;
		buf_appendf(b, "%s0x%llx-0x%llx %s", first ? label : ", ", (unsigned long long)r->start,
			    (unsigned long long)r->end, r->type);
		first = false;
		direct = direct || !strcmp(r->type, "direct");
	}
	return direct;
}

static void diff_resv(struct differ *d, int og, int ng)
{
	const struct iommu_group *o = &d->o->s->grp[og], *n = &d->n->s->grp[ng];
	enum diff_class cls = DIFF_NEUTRAL;
	const char *reason = "regions_changed";
	struct diff_change *c;
	struct buf b;
	char *where;
	bool same = o->resv_known == n->resv_known && o->nresv == n->nresv;

	for (size_t i = 0; same && i < o->nresv; i++)
		same = resv_has(n, &o->resv[i]);
	if (same)
		return;
	where = pair_text(d->o->s, d->n->s, og, ng);
	buf_init(&b);
	buf_appendf(&b, "%s: reserved regions ", where);
	free(where);
	if (!n->resv_known) {
		cls = DIFF_REDUCES;
		reason = "regions_unknown";
		buf_appendf(&b, "unknown in NEW (reserved_regions could not be read): nothing shows that no direct "
				"region keeps its devices from VFIO");
	} else if (!o->resv_known) {
		reason = "regions_known";
		buf_appendf(&b, "unknown in OLD");
	} else {
		size_t len0 = b.len;
		bool added_direct = append_missing(&b, "added ", n, o);
		bool removed_direct = append_missing(&b, b.len > len0 ? "; removed " : "removed ", o, n);
		if (added_direct) {
			cls = DIFF_REDUCES;
			reason = "direct_region_added";
			buf_appendf(&b, ": a device with a direct (not relaxable) region cannot be assigned with VFIO: "
					"the firmware asks for its 1:1 mapping");
		} else if (removed_direct) {
			cls = DIFF_IMPROVES;
			reason = "direct_region_removed";
			buf_appendf(&b, ": no direct region keeps its devices from VFIO any more");
		}
	}
	c = add_change(d->r, DIFF_AREA_RESV, "reserved_regions", cls, reason, xasprintf("group %d", n->id),
		       buf_steal(&b));
	group_names(d->n->s, n, &c->devices);
	c->before = resv_value(o);
	c->after = resv_value(n);
}

/* Types and regions of each pair of an old and a new group sharing
 * members. */
static void diff_pairs(struct differ *d, const struct member *m, const struct component *c)
{
	struct member_flow *f = xcalloc(c->nmem + 1, sizeof(*f));
	for (size_t i = 0; i < c->nmem; i++) {
		f[i].from = m[c->mem[i]].og;
		f[i].to = m[c->mem[i]].ng;
	}
	qsort(f, c->nmem, sizeof(*f), cmp_flow_from);
	for (size_t i = 0; i < c->nmem; i++) {
		if (f[i].from < 0 || f[i].to < 0 || (i && f[i].from == f[i - 1].from && f[i].to == f[i - 1].to))
			continue;
		if (wanted(d, DIFF_AREA_TYPES))
			diff_type(d, f[i].from, f[i].to);
		if (wanted(d, DIFF_AREA_RESV))
			diff_resv(d, f[i].from, f[i].to);
	}
	free(f);
}

static void diff_groups(struct differ *d)
{
	size_t nm, nc;
	struct member *m = collect_members(d, &nm);
	struct component *c = components(d, m, nm, &nc);
	for (size_t i = 0; i < nc; i++) {
		if (wanted(d, DIFF_AREA_GROUPS))
			diff_component(d, m, &c[i]);
		if (wanted(d, DIFF_AREA_TYPES) || wanted(d, DIFF_AREA_RESV))
			diff_pairs(d, m, &c[i]);
	}
	components_release(c, nc);
	free(m);
}

/* ---- ACS -------------------------------------------------------------------------------- */

static void append_acs_bits(struct buf *b, uint16_t bits)
{
	bool first = true;
	for (unsigned bit = 0; bit < 7; bit++)
		if (bits & (1u << bit)) {
			buf_appendf(b, "%s%s", first ? "" : " ", pci_acs_bit_code(bit));
			first = false;
		}
	if (first)
		buf_appendf(b, "none");
}

static struct diff_value acs_bits_value(uint16_t bits)
{
	struct diff_value v = dv(DV_LIST);
	for (unsigned bit = 0; bit < 7; bit++)
		if (bits & (1u << bit))
			dv_add(&v, NULL, dv_str(pci_acs_bit_code(bit)));
	return v;
}

static struct diff_value acs_value(const struct diff_side *side, size_t i)
{
	const struct pci_device *dev = &side->s->dev[i];
	struct diff_value v;
	if (!dev->caps.known)
		return dv(DV_NULL);
	v = dv(DV_OBJECT);
	dv_add(&v, "present", dv_bool(dev->caps.acs_off != 0));
	dv_add(&v, "capability", dev->caps.acs_off ? acs_bits_value(dev->caps.acs_cap) : dv(DV_LIST));
	dv_add(&v, "control", dev->caps.acs_off ? acs_bits_value(side->iso.ctl[i]) : dv(DV_LIST));
	dv_add(&v, "isolated", dv_tri(side->iso.acs[i].isolated));
	return v;
}

static void append_acs_state(struct buf *b, const struct diff_side *side, size_t i)
{
	const struct pci_device *dev = &side->s->dev[i];
	enum tri iso = side->iso.acs[i].isolated;
	if (!dev->caps.known) {
		buf_appendf(b, "unknown");
		return;
	}
	if (dev->caps.acs_off) {
		buf_appendf(b, "ACS controls ");
		append_acs_bits(b, side->iso.ctl[i]);
		buf_appendf(b, " (capability ");
		append_acs_bits(b, dev->caps.acs_cap);
		buf_appendf(b, ")");
	} else {
		buf_appendf(b, "no ACS capability");
	}
	buf_appendf(b, ", %s", iso == TRI_YES ? "isolating" : iso == TRI_NO ? "not isolating" : "isolation unknown");
}

static void diff_acs(struct differ *d, const struct dev_pair *pairs, size_t np)
{
	for (size_t k = 0; k < np; k++) {
		int i = pairs[k].o, j = pairs[k].n;
		const struct pci_device *od, *nd;
		enum tri oi, ni;
		enum diff_class cls = DIFF_NEUTRAL;
		const char *reason = "acs_changed", *why = NULL;
		struct diff_change *c;
		struct buf b;
		int type;
		if (i < 0 || j < 0)
			continue;
		od = &d->o->s->dev[i];
		nd = &d->n->s->dev[j];
		oi = d->o->iso.acs[i].isolated;
		ni = d->n->iso.acs[j].isolated;
		if (od->caps.known == nd->caps.known && oi == ni &&
		    (!od->caps.known || ((od->caps.acs_off != 0) == (nd->caps.acs_off != 0) &&
					 od->caps.acs_cap == nd->caps.acs_cap && d->o->iso.ctl[i] == d->n->iso.ctl[j])))
			continue;
		if (oi != TRI_UNKNOWN && ni == TRI_UNKNOWN) {
			cls = DIFF_REDUCES;
			reason = "acs_unknown";
			why = nd->config_len == PCI_CFG_HEADER_SIZE
				      ? "NEW has only the first 64 bytes of its configuration space, the rest is "
					"readable only by root (run iommuctl as root)"
				      : "NEW's configuration space could not be read";
		} else if (oi == TRI_UNKNOWN && ni != TRI_UNKNOWN) {
			reason = "acs_known";
		} else if (oi == TRI_YES && ni == TRI_NO) {
			cls = DIFF_REDUCES;
			reason = "acs_isolation_lost";
			why = "the kernel no longer counts on it to keep the devices below or beside it apart";
		} else if (oi == TRI_NO && ni == TRI_YES) {
			cls = DIFF_IMPROVES;
			reason = "acs_isolation_gained";
			why = "the kernel counts on it to keep the devices below or beside it apart";
		}
		buf_init(&b);
		type = nd->caps.known ? nd->caps.pcie_type : od->caps.pcie_type;
		buf_appendf(&b, "%s", short_name(nd->bdf));
		if (type >= 0 && pcie_type_text(type))
			buf_appendf(&b, " (%s)", pcie_type_text(type));
		buf_appendf(&b, ": ");
		append_acs_state(&b, d->o, (size_t)i);
		buf_appendf(&b, " -> ");
		append_acs_state(&b, d->n, (size_t)j);
		if (why)
			buf_appendf(&b, ": %s", why);
		c = add_change(d->r, DIFF_AREA_ACS, "acs", cls, reason, xstrdup(nd->bdf), buf_steal(&b));
		strvec_push(&c->devices, nd->bdf);
		c->before = acs_value(d->o, (size_t)i);
		c->after = acs_value(d->n, (size_t)j);
	}
}

/* ---- drivers -------------------------------------------------------------------------- */

static bool same_string(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static void diff_drivers(struct differ *d, const struct dev_pair *pairs, size_t np)
{
	for (size_t k = 0; k < np; k++) {
		const struct pci_device *od, *nd;
		struct diff_change *c;
		if (pairs[k].o < 0 || pairs[k].n < 0)
			continue;
		od = &d->o->s->dev[pairs[k].o];
		nd = &d->n->s->dev[pairs[k].n];
		if (od->driver_known != nd->driver_known || !same_string(od->driver, nd->driver)) {
			const char *before = od->driver_known ? (od->driver ? od->driver : "none") : "unknown";
			const char *after = nd->driver_known ? (nd->driver ? nd->driver : "none") : "unknown";
			const char *reason = !nd->driver_known ? "driver_unknown"
					     : !od->driver_known ? "driver_known"
					     : !od->driver       ? "driver_bound"
					     : !nd->driver       ? "driver_unbound"
								 : "driver_changed";
			c = add_change(d->r, DIFF_AREA_DRIVERS, "driver", DIFF_NEUTRAL, reason, xstrdup(nd->bdf),
				       xasprintf("%s: driver %s -> %s", short_name(nd->bdf), before, after));
			strvec_push(&c->devices, nd->bdf);
			c->before = od->driver_known ? dv_str(od->driver) : dv(DV_NULL);
			c->after = nd->driver_known ? dv_str(nd->driver) : dv(DV_NULL);
		}
		if (!same_string(od->driver_override, nd->driver_override)) {
			c = add_change(d->r, DIFF_AREA_DRIVERS, "driver_override", DIFF_NEUTRAL, "driver_override_changed",
				       xstrdup(nd->bdf),
				       xasprintf("%s: driver_override %s -> %s", short_name(nd->bdf),
						 od->driver_override ? od->driver_override : "unset",
						 nd->driver_override ? nd->driver_override : "unset"));
			strvec_push(&c->devices, nd->bdf);
			c->before = dv_str(od->driver_override);
			c->after = dv_str(nd->driver_override);
		}
	}
}

/* ---- check-vfio ------------------------------------------------------------------------ */

static int verdict_rank(enum vfio_verdict v)
{
	return v == VFIO_VIABLE ? 2 : v == VFIO_AFTER_STEPS ? 1 : 0;
}

static const char *verdict_text(const struct vfio_check *c)
{
	return c->verdict == VFIO_VIABLE	? "viable"
	       : c->verdict == VFIO_AFTER_STEPS ? "viable after steps"
	       : c->blocked_by_unknowns		? "not viable on this evidence"
						: "not viable";
}

static bool finding_equal(const struct finding *a, const struct finding *b)
{
	return !strcmp(a->code, b->code) && a->severity == b->severity && same_string(a->subject, b->subject);
}

static bool has_finding(const struct vfio_check *c, const struct finding *f)
{
	for (size_t i = 0; i < c->nfindings; i++)
		if (finding_equal(&c->findings[i], f))
			return true;
	return false;
}

/* Appends the findings of A that B lacks ("member_bound (08:00.1)");
 * returns the worst severity among them, or -1 for none. */
static int append_findings_missing(struct buf *b, const char *label, const char *bdf, const struct vfio_check *a,
				   const struct vfio_check *bc)
{
	int worst = -1;
	bool first = true;
	for (size_t i = 0; i < a->nfindings; i++) {
		const struct finding *f = &a->findings[i];
		if (has_finding(bc, f))
			continue;
		buf_appendf(b, "%s%s", first ? label : ", ", f->code);
		if (f->subject && strcmp(f->subject, bdf) != 0)
			buf_appendf(b, " (%s)", short_name(f->subject));
		first = false;
		worst = (int)f->severity > worst ? (int)f->severity : worst;
	}
	return worst;
}

static struct diff_value verdict_value(const struct vfio_check *c)
{
	struct diff_value v = dv(DV_OBJECT), f = dv(DV_LIST);
	dv_add(&v, "verdict", dv_str(vfio_verdict_id(c->verdict)));
	dv_add(&v, "blocked_by_unknowns", dv_bool(c->blocked_by_unknowns));
	dv_add(&v, "group_viable", dv_bool(c->group_viable));
	for (size_t i = 0; i < c->nfindings; i++) {
		struct diff_value o = dv(DV_OBJECT);
		dv_add(&o, "code", dv_str(c->findings[i].code));
		dv_add(&o, "severity", dv_str(severity_name(c->findings[i].severity)));
		dv_add(&o, "subject", dv_str(c->findings[i].subject));
		dv_add(&f, NULL, o);
	}
	dv_add(&v, "findings", f);
	return v;
}

static void compare_verdicts(struct differ *d, const char *bdf, const struct vfio_check *o,
			     const struct vfio_check *n)
{
	int ro = verdict_rank(o->verdict), rn = verdict_rank(n->verdict), added, removed;
	enum diff_class cls;
	const char *reason;
	struct diff_change *c;
	struct buf b, f;

	buf_init(&f);
	removed = append_findings_missing(&f, "; gone: ", bdf, o, n);
	added = append_findings_missing(&f, "; new: ", bdf, n, o);
	if (ro == rn && added < 0 && removed < 0 && o->group_viable == n->group_viable &&
	    o->blocked_by_unknowns == n->blocked_by_unknowns) {
		buf_release(&f);
		return;
	}
	if (rn < ro) {
		cls = DIFF_REDUCES;
		reason = "verdict_worse";
	} else if (rn > ro) {
		cls = DIFF_IMPROVES;
		reason = "verdict_better";
	} else if (added >= SEV_WARNING || (o->group_viable && !n->group_viable)) {
		cls = DIFF_REDUCES;
		reason = "findings_worse";
	} else if (removed >= SEV_WARNING || (!o->group_viable && n->group_viable)) {
		cls = DIFF_IMPROVES;
		reason = "findings_better";
	} else {
		cls = DIFF_NEUTRAL;
		reason = "findings_changed";
	}
	buf_init(&b);
	buf_appendf(&b, "%s: check-vfio %s -> %s", short_name(bdf), verdict_text(o), verdict_text(n));
	if (o->group_viable != n->group_viable)
		buf_appendf(&b, "; its group %s", n->group_viable ? "is viable now" : "is not viable now");
	buf_appendf(&b, "%s", f.data ? f.data : "");
	buf_release(&f);
	c = add_change(d->r, DIFF_AREA_VFIO, "vfio_verdict", cls, reason, xstrdup(bdf), buf_steal(&b));
	strvec_push(&c->devices, bdf);
	c->before = verdict_value(o);
	c->after = verdict_value(n);
}

static void diff_vfio(struct differ *d, const struct dev_pair *pairs, size_t np)
{
	for (size_t k = 0; k < np; k++) {
		const struct pci_device *od, *nd;
		struct vfio_check oc, nc;
		if (pairs[k].o < 0 || pairs[k].n < 0)
			continue;
		od = &d->o->s->dev[pairs[k].o];
		nd = &d->n->s->dev[pairs[k].n];
		if (!vfio_checked_by_all(od) || !vfio_checked_by_all(nd))
			continue;
		/* as check-vfio --all: each device judged alone */
		vfio_check_device(d->o->s, &d->o->presence, &d->o->status, &d->o->tree, NULL, (size_t)pairs[k].o, &oc);
		vfio_check_device(d->n->s, &d->n->presence, &d->n->status, &d->n->tree, NULL, (size_t)pairs[k].n, &nc);
		compare_verdicts(d, nd->bdf, &oc, &nc);
		vfio_check_release(&oc);
		vfio_check_release(&nc);
	}
}

/* ---- IOMMU units ------------------------------------------------------------------------ */

static const struct status_unit *status_unit_of(const struct status_report *r, size_t index)
{
	for (size_t i = 0; i < r->nunits; i++)
		if (r->units[i].index == index)
			return &r->units[i];
	return NULL;
}

#define CAP_FLAG(type, field, label) {label, offsetof(type, field)}
struct cap_flag {
	const char *label;
	size_t off;
};
static const struct cap_flag intel_flags[] = {
	CAP_FLAG(struct intel_iommu_caps, interrupt_remapping, "interrupt remapping"),
	CAP_FLAG(struct intel_iommu_caps, x2apic, "x2APIC interrupt remapping"),
	CAP_FLAG(struct intel_iommu_caps, pass_through, "pass-through"),
	CAP_FLAG(struct intel_iommu_caps, snoop_control, "snoop control"),
	CAP_FLAG(struct intel_iommu_caps, queued_invalidation, "queued invalidation"),
	CAP_FLAG(struct intel_iommu_caps, device_tlb, "device TLB"),
	CAP_FLAG(struct intel_iommu_caps, caching_mode, "caching mode"),
	CAP_FLAG(struct intel_iommu_caps, coherent, "coherent"),
	CAP_FLAG(struct intel_iommu_caps, super_2m, "2M super pages"),
	CAP_FLAG(struct intel_iommu_caps, super_1g, "1G super pages"),
	CAP_FLAG(struct intel_iommu_caps, scalable_mode, "scalable mode"),
	CAP_FLAG(struct intel_iommu_caps, nested, "nested"),
	CAP_FLAG(struct intel_iommu_caps, posted_interrupts, "posted interrupts"),
	CAP_FLAG(struct intel_iommu_caps, pasid, "PASID"),
	CAP_FLAG(struct intel_iommu_caps, page_requests, "page requests"),
};
static const struct cap_flag amd_flags[] = {
	CAP_FLAG(struct amd_iommu_caps, iotlb, "IOTLB"),
	CAP_FLAG(struct amd_iommu_caps, np_cache, "NP cache"),
	CAP_FLAG(struct amd_iommu_caps, x2apic, "x2APIC"),
	CAP_FLAG(struct amd_iommu_caps, nx, "NX"),
	CAP_FLAG(struct amd_iommu_caps, guest_translation, "guest translation"),
	CAP_FLAG(struct amd_iommu_caps, guest_apic, "guest APIC"),
	CAP_FLAG(struct amd_iommu_caps, ppr, "PPR"),
	CAP_FLAG(struct amd_iommu_caps, snp, "SNP"),
};

static void append_flag_changes(struct buf *b, const void *o, const void *n, const struct cap_flag *flags,
				size_t nflags)
{
	for (size_t i = 0; i < nflags; i++) {
		bool x = *(const bool *)((const char *)o + flags[i].off), y = *(const bool *)((const char *)n + flags[i].off);
		if (x != y)
			buf_appendf(b, "; %s %s -> %s", flags[i].label, x ? "yes" : "no", y ? "yes" : "no");
	}
}

static struct diff_value unit_value(const struct iommu_unit *u)
{
	struct diff_value v = dv(DV_OBJECT);
	dv_add(&v, "driver", dv_str(u->driver));
	dv_add(&v, "version", dv_str(u->version));
	dv_add(&v, "cap", u->regs_known ? dv_hex(u->cap) : dv(DV_NULL));
	dv_add(&v, "ecap", u->regs_known ? dv_hex(u->ecap) : dv(DV_NULL));
	dv_add(&v, "features", u->regs_known ? dv_hex(u->features) : dv(DV_NULL));
	return v;
}

static void unit_changed(struct differ *d, size_t i, size_t j)
{
	const struct iommu_unit *o = &d->o->s->unit[i], *n = &d->n->s->unit[j];
	const struct status_unit *os = status_unit_of(&d->o->status, i), *ns = status_unit_of(&d->n->status, j);
	struct diff_change *c;
	struct buf b;
	if (same_string(o->driver, n->driver) && same_string(o->version, n->version) && o->regs_known == n->regs_known &&
	    (!o->regs_known || (o->cap == n->cap && o->ecap == n->ecap && o->features == n->features)))
		return;
	buf_init(&b);
	buf_appendf(&b, "%s", n->name);
	if (!same_string(o->driver, n->driver))
		buf_appendf(&b, "; driver %s -> %s", o->driver ? o->driver : "unknown", n->driver ? n->driver : "unknown");
	if (!same_string(o->version, n->version))
		buf_appendf(&b, "; version %s -> %s", o->version ? o->version : "unknown",
			    n->version ? n->version : "unknown");
	if (o->regs_known != n->regs_known)
		buf_appendf(&b, "; registers %s", n->regs_known ? "readable now" : "unknown now");
	if (o->regs_known && n->regs_known) {
		if (o->cap != n->cap)
			buf_appendf(&b, "; cap 0x%llx -> 0x%llx", (unsigned long long)o->cap, (unsigned long long)n->cap);
		if (o->ecap != n->ecap)
			buf_appendf(&b, "; ecap 0x%llx -> 0x%llx", (unsigned long long)o->ecap,
				    (unsigned long long)n->ecap);
		if (o->features != n->features)
			buf_appendf(&b, "; features 0x%llx -> 0x%llx", (unsigned long long)o->features,
				    (unsigned long long)n->features);
	}
	if (os && ns && os->intel && ns->intel) {
		if (os->intel_caps.mgaw != ns->intel_caps.mgaw)
			buf_appendf(&b, "; MGAW %u -> %u", os->intel_caps.mgaw, ns->intel_caps.mgaw);
		if (os->intel_caps.domains != ns->intel_caps.domains)
			buf_appendf(&b, "; domains %lu -> %lu", os->intel_caps.domains, ns->intel_caps.domains);
		append_flag_changes(&b, &os->intel_caps, &ns->intel_caps, intel_flags, ARRAY_SIZE(intel_flags));
	} else if (os && ns && os->amd && ns->amd) {
		if (os->amd_caps.host_levels != ns->amd_caps.host_levels)
			buf_appendf(&b, "; host page-table levels %u -> %u", os->amd_caps.host_levels,
				    ns->amd_caps.host_levels);
		append_flag_changes(&b, &os->amd_caps, &ns->amd_caps, amd_flags, ARRAY_SIZE(amd_flags));
	}
	c = add_change(d->r, DIFF_AREA_UNITS, "unit_changed", DIFF_NEUTRAL, "unit_changed", xstrdup(n->name),
		       buf_steal(&b));
	c->before = unit_value(o);
	c->after = unit_value(n);
}

static void diff_units(struct differ *d)
{
	const struct snapshot *os = d->o->s, *ns = d->n->s;
	size_t i = 0, j = 0;
	while (i < os->nunit || j < ns->nunit) {
		int cmp = i >= os->nunit ? 1 : j >= ns->nunit ? -1 : strcmp(os->unit[i].name, ns->unit[j].name);
		struct diff_change *c;
		if (cmp == 0) {
			unit_changed(d, i++, j++);
		} else if (cmp < 0) {
			const struct iommu_unit *u = &os->unit[i++];
			c = add_change(d->r, DIFF_AREA_UNITS, "unit_removed", DIFF_REDUCES, "unit_removed",
				       xstrdup(u->name),
				       xasprintf("IOMMU unit %s%s%s%s is gone: the devices it translated (%zu) are not "
						 "isolated by it any more",
						 u->name, u->driver ? " (" : "", u->driver ? u->driver : "",
						 u->driver ? ")" : "", u->members.n));
			c->before = unit_value(u);
		} else {
			const struct iommu_unit *u = &ns->unit[j++];
			c = add_change(d->r, DIFF_AREA_UNITS, "unit_added", DIFF_IMPROVES, "unit_added", xstrdup(u->name),
				       xasprintf("IOMMU unit %s%s%s%s is new: it translates the DMA of %zu devices", u->name,
						 u->driver ? " (" : "", u->driver ? u->driver : "", u->driver ? ")" : "",
						 u->members.n));
			c->after = unit_value(u);
		}
	}
}

/* ---- the host's status facts -------------------------------------------------------------- */

/* The checks of `status` compared here: those that other areas do not
 * already cover (units, groups, types, the command line, swiotlb). */
static const char *const host_checks[] = {"iommu_hardware",	   "iommu_driver", "interrupt_remapping",
					  "msi_isolation",	   "vfio_unsafe_options", "vfio_modules",
					  "vfio_nodes"};

/* FAIL < WARN < PASS; INFO and UNKNOWN are not ranked. */
static int state_rank(enum status_state st)
{
	return st == STATUS_FAIL ? 0 : st == STATUS_WARN ? 1 : st == STATUS_PASS ? 2 : -1;
}

static struct diff_value check_value(const struct status_check *c)
{
	struct diff_value v = dv(DV_OBJECT);
	dv_add(&v, "state", dv_str(status_state_id(c->state)));
	dv_add(&v, "detail", dv_str(c->detail));
	return v;
}

static void diff_host(struct differ *d)
{
	const char *ok = d->o->s->host.kernel_release, *nk = d->n->s->host.kernel_release;
	struct diff_change *c;
	if (!same_string(ok, nk)) {
		c = add_change(d->r, DIFF_AREA_HOST, "kernel", DIFF_NEUTRAL, "kernel_changed", xstrdup("kernel"),
			       xasprintf("kernel %s -> %s", ok ? ok : "unknown", nk ? nk : "unknown"));
		c->before = dv_str(ok);
		c->after = dv_str(nk);
	}
	for (size_t i = 0; i < ARRAY_SIZE(host_checks); i++) {
		const struct status_check *o = status_find(&d->o->status, host_checks[i]);
		const struct status_check *n = status_find(&d->n->status, host_checks[i]);
		int ro, rn;
		enum diff_class cls = DIFF_NEUTRAL;
		const char *reason = "status_changed";
		if (!o || !n || o->state == n->state)
			continue;
		ro = state_rank(o->state);
		rn = state_rank(n->state);
		if (n->state == STATUS_UNKNOWN) {
			/* a check that passes, warns or fails decides something; an
			 * informational one does not */
			cls = ro >= 0 ? DIFF_REDUCES : DIFF_NEUTRAL;
			reason = "status_unknown";
		} else if (o->state == STATUS_UNKNOWN) {
			cls = rn == 0 ? DIFF_REDUCES : rn == 2 ? DIFF_IMPROVES : DIFF_NEUTRAL;
			reason = rn == 0 ? "status_worse" : rn == 2 ? "status_better" : "status_known";
		} else if (ro >= 0 && rn >= 0 && ro != rn) {
			cls = rn < ro ? DIFF_REDUCES : DIFF_IMPROVES;
			reason = rn < ro ? "status_worse" : "status_better";
		}
		c = add_change(d->r, DIFF_AREA_HOST, "status_check", cls, reason, xstrdup(n->code),
			       xasprintf("%s: %s -> %s: %s", n->title, status_state_id(o->state),
					 status_state_id(n->state), n->detail ? n->detail : ""));
		c->before = check_value(o);
		c->after = check_value(n);
	}
}

/* ---- the command line's settings in force ---------------------------------------------- */

/* How a setting bears on isolation: which value isolates (SAFE_TRUE: true
 * isolates, false does not; SAFE_FALSE the reverse; SAFE_UNSET: being set
 * at all does not), or DOMAIN for the default domain type. */
enum setting_rule { RULE_NEUTRAL, RULE_SAFE_TRUE, RULE_SAFE_FALSE, RULE_SAFE_UNSET, RULE_DOMAIN };
static const struct {
	const char *key;
	enum setting_rule rule;
} setting_rules[] = {
	{"default_domain_type", RULE_DOMAIN},
	{"strict", RULE_SAFE_TRUE},
	{"iommu_off", RULE_SAFE_FALSE},
	{"intel_iommu", RULE_SAFE_TRUE},
	{"amd_iommu_off", RULE_SAFE_FALSE},
	{"interrupt_remapping", RULE_SAFE_TRUE},
	{"acs_override", RULE_SAFE_UNSET},
	{"vfio_allow_unsafe_interrupts", RULE_SAFE_FALSE},
	{"iommufd_allow_unsafe_interrupts", RULE_SAFE_FALSE},
	{"vfio_noiommu_mode", RULE_SAFE_FALSE},
};

/* How well a value isolates: 2 the isolating one, 1 unset (the kernel's
 * build or the hardware decides), 0 the other; -1 not ranked. */
static int setting_rank(const struct cmdline_setting *s, enum setting_rule rule)
{
	switch (rule) {
	case RULE_SAFE_TRUE:
	case RULE_SAFE_FALSE:
		return !s->set ? 1 : s->b == (rule == RULE_SAFE_TRUE) ? 2 : 0;
	case RULE_SAFE_UNSET:
		return s->set ? 0 : 2;
	case RULE_DOMAIN: {
		int r = type_rank(s->set ? s->s : NULL);
		return !s->set ? 1 : r < 0 ? -1 : r == 0 ? 0 : r == 1 ? 1 : 2;
	}
	default:
		return -1;
	}
}

static void append_setting(struct buf *b, const struct cmdline_setting *s)
{
	if (!s->set)
		buf_appendf(b, "unset");
	else if (s->type == CSET_BOOL)
		buf_appendf(b, "%s", s->b ? "true" : "false");
	else if (s->type == CSET_INT)
		buf_appendf(b, "%lld", s->i);
	else
		buf_appendf(b, "%s", s->s);
}

static struct diff_value setting_value(const struct cmdline_setting *s)
{
	if (!s->set)
		return dv(DV_NULL);
	return s->type == CSET_BOOL ? dv_bool(s->b) : s->type == CSET_INT ? dv_int(s->i) : dv_str(s->s);
}

static void diff_cmdline(struct differ *d)
{
	struct cmdline_setting os[CMDLINE_NSETTINGS], ns[CMDLINE_NSETTINGS];
	size_t n;
	struct diff_change *c;

	if (!d->o->cmdline_known || !d->n->cmdline_known) {
		if (d->o->cmdline_known == d->n->cmdline_known)
			return;
		/* What the command line asked for is seen in its effects, which
		 * the other areas compare: not knowing it is neutral. */
		c = add_change(d->r, DIFF_AREA_CMDLINE, "cmdline_unknown", DIFF_NEUTRAL,
			       d->n->cmdline_known ? "cmdline_known" : "cmdline_unknown", xstrdup("cmdline"),
			       xasprintf("the kernel command line could not be read in %s", d->n->cmdline_known ? "OLD" : "NEW"));
		c->before = dv_str(d->o->s->cmdline);
		c->after = dv_str(d->n->s->cmdline);
		return;
	}
	n = cmdline_effective(&d->o->cmdline, os);
	cmdline_effective(&d->n->cmdline, ns);
	for (size_t i = 0; i < n; i++) {
		const struct cmdline_setting *a = &os[i], *b = &ns[i];
		enum setting_rule rule = RULE_NEUTRAL;
		enum diff_class cls = DIFF_NEUTRAL;
		int ra, rb;
		struct buf t;
		if (a->derived || (a->set == b->set && (!a->set || (a->type == CSET_BOOL ? a->b == b->b
								   : a->type == CSET_INT ? a->i == b->i
											 : !strcmp(a->s, b->s)))))
			continue;
		for (size_t k = 0; k < ARRAY_SIZE(setting_rules); k++)
			if (!strcmp(setting_rules[k].key, a->key))
				rule = setting_rules[k].rule;
		ra = setting_rank(a, rule);
		rb = setting_rank(b, rule);
		if (ra >= 0 && rb >= 0 && ra != rb)
			cls = rb < ra ? DIFF_REDUCES : DIFF_IMPROVES;
		buf_init(&t);
		buf_appendf(&t, "command line: %s ", a->key);
		append_setting(&t, a);
		if (a->set && a->by)
			buf_appendf(&t, " (%s)", a->by);
		buf_appendf(&t, " -> ");
		append_setting(&t, b);
		if (b->set && b->by)
			buf_appendf(&t, " (%s)", b->by);
		if (!b->set)
			buf_appendf(&t, ": as the kernel's build or the hardware decides");
		c = add_change(d->r, DIFF_AREA_CMDLINE, "cmdline_setting", cls,
			       cls == DIFF_REDUCES ? "setting_isolates_less" : cls == DIFF_IMPROVES ? "setting_isolates_more"
											 : "setting_changed",
			       xstrdup(a->key), buf_steal(&t));
		c->before = setting_value(a);
		c->after = setting_value(b);
	}
}

/* ---- swiotlb ----------------------------------------------------------------------------- */

static long long default_slabs(const struct swiotlb_report *r)
{
	for (size_t i = 0; i < r->npools; i++)
		if (r->pools[i].pool && r->pools[i].pool->is_default)
			return r->pools[i].nslabs.slabs;
	return -1;
}

static struct diff_value swiotlb_value(const struct swiotlb_report *r)
{
	struct diff_value v = dv(DV_OBJECT);
	long long slabs = default_slabs(r);
	dv_add(&v, "state", dv_str(swiotlb_state_id(r->state)));
	dv_add(&v, "slabs", slabs >= 0 ? dv_int(slabs) : dv(DV_NULL));
	dv_add(&v, "pools", dv_int((long long)r->npools));
	return v;
}

static void append_swiotlb(struct buf *b, const struct swiotlb_report *r)
{
	long long slabs = default_slabs(r);
	char sz[32];
	buf_appendf(b, "%s", swiotlb_state_id(r->state));
	if (slabs >= 0)
		buf_appendf(b, ", %lld slabs (%s)", slabs,
			    format_bytes((unsigned long long)slabs * SWIOTLB_SLAB_BYTES, sz, sizeof(sz)));
	if (r->npools > 1)
		buf_appendf(b, ", %zu pools", r->npools);
}

static void diff_swiotlb(struct differ *d)
{
	const struct swiotlb_report *o = &d->o->swiotlb, *n = &d->n->swiotlb;
	struct diff_change *c;
	struct buf b;
	if (o->state == n->state && default_slabs(o) == default_slabs(n) && o->npools == n->npools)
		return;
	buf_init(&b);
	buf_appendf(&b, "swiotlb: ");
	append_swiotlb(&b, o);
	buf_appendf(&b, " -> ");
	append_swiotlb(&b, n);
	c = add_change(d->r, DIFF_AREA_SWIOTLB, "swiotlb_pool", DIFF_NEUTRAL, "pool_changed", xstrdup("swiotlb"),
		       buf_steal(&b));
	c->before = swiotlb_value(o);
	c->after = swiotlb_value(n);
}

/* ---- all of it ------------------------------------------------------------------------------ */

static int cmp_change(const void *a, const void *b)
{
	const struct diff_change *x = a, *y = b;
	if (x->cls != y->cls)
		return (int)x->cls - (int)y->cls;
	if (x->area != y->area)
		return (int)x->area - (int)y->area;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

void diff_analyse(const struct diff_side *old, const struct diff_side *new, const struct diff_request *req,
		  struct diff_report *r)
{
	struct differ d = {old, new, req, r};
	size_t np;
	struct dev_pair *pairs = pair_devices(old->s, new->s, &np);

	memset(r, 0, sizeof(*r));
	diff_groups(&d);
	if (wanted(&d, DIFF_AREA_DEVICES))
		diff_devices(&d, pairs, np);
	if (wanted(&d, DIFF_AREA_ACS))
		diff_acs(&d, pairs, np);
	if (wanted(&d, DIFF_AREA_DRIVERS))
		diff_drivers(&d, pairs, np);
	if (wanted(&d, DIFF_AREA_VFIO))
		diff_vfio(&d, pairs, np);
	if (wanted(&d, DIFF_AREA_UNITS))
		diff_units(&d);
	if (wanted(&d, DIFF_AREA_HOST))
		diff_host(&d);
	if (wanted(&d, DIFF_AREA_CMDLINE))
		diff_cmdline(&d);
	if (wanted(&d, DIFF_AREA_SWIOTLB))
		diff_swiotlb(&d);
	free(pairs);
	keep_selected(&d);
	if (r->n > 1)
		qsort(r->changes, r->n, sizeof(*r->changes), cmp_change);
	for (size_t i = 0; i < r->n; i++)
		r->count[r->changes[i].cls]++;
}
