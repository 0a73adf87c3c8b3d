/* render-text.c - human output through libsmartcols: one column table
 * (name, width hint, flags, description) drives -o, --list-columns and the
 * cells, as in lsblk. */
#define _GNU_SOURCE
#include "render.h"

#include <inttypes.h>
#include <libsmartcols.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum col_id {
	COL_NODE,
	COL_GROUP,
	COL_NDEV,
	COL_TYPE,
	COL_BDF,
	COL_ID,
	COL_VENDOR_ID,
	COL_DEVICE_ID,
	COL_SUBSYS_ID,
	COL_CLASS_ID,
	COL_CLASS,
	COL_VENDOR,
	COL_DEVICE,
	COL_NAME,
	COL_REV,
	COL_DRIVER,
	COL_IOMMU,
	COL_RESV,
	COL_PORT,
	COL_ACS_CAP,
	COL_ACS_CTL,
	COL_MISSING,
	COL_ISOLATED,
};

/* Which list kinds a column belongs to. */
#define K_GROUPS (1u << LIST_GROUPS)
#define K_DEVICES (1u << LIST_DEVICES)
#define K_TOPO (1u << LIST_TOPOLOGY)
#define K_ALL (K_GROUPS | K_DEVICES | K_TOPO)

struct colinfo {
	const char *name;
	double whint;
	int flags;
	unsigned kinds;
	bool tree_only; /* groups: only with --tree */
	const char *help;
};

static const struct colinfo cols[] = {
	[COL_NODE] = {"NODE", 14, SCOLS_FL_TREE | SCOLS_FL_NOEXTREMES, K_GROUPS | K_TOPO, true,
		      "the tree: groups and their devices (groups --tree), host bridges and functions (topology)"},
	[COL_GROUP] = {"GROUP", 5, SCOLS_FL_RIGHT, K_ALL, false, "IOMMU group number"},
	[COL_NDEV] = {"NDEV", 4, SCOLS_FL_RIGHT, K_ALL, false, "devices in the group (more than one: assignable only together)"},
	[COL_TYPE] = {"TYPE", 6, 0, K_ALL, false, "default domain type of the group (DMA, DMA-FQ, identity, ...)"},
	[COL_BDF] = {"BDF", 12, 0, K_ALL, false, "PCI address, domain:bus:device.function"},
	[COL_ID] = {"ID", 9, 0, K_ALL, false, "vendor:device id"},
	[COL_VENDOR_ID] = {"VENDOR_ID", 4, 0, K_ALL, false, "vendor id"},
	[COL_DEVICE_ID] = {"DEVICE_ID", 4, 0, K_ALL, false, "device id"},
	[COL_SUBSYS_ID] = {"SUBSYS_ID", 9, 0, K_ALL, false, "subsystem vendor:device id"},
	[COL_CLASS_ID] = {"CLASS_ID", 6, 0, K_ALL, false, "class code: base class, sub-class, programming interface"},
	[COL_CLASS] = {"CLASS", 0.15, SCOLS_FL_TRUNC, K_ALL, false, "class name"},
	[COL_VENDOR] = {"VENDOR", 0.15, SCOLS_FL_TRUNC, K_ALL, false, "vendor name"},
	[COL_DEVICE] = {"DEVICE", 0.2, SCOLS_FL_TRUNC, K_ALL, false, "device name"},
	[COL_NAME] = {"NAME", 0.3, SCOLS_FL_TRUNC, K_ALL, false, "vendor and device name, as lspci prints them"},
	[COL_REV] = {"REV", 3, SCOLS_FL_RIGHT, K_ALL, false, "revision"},
	[COL_DRIVER] = {"DRIVER", 8, 0, K_ALL, false, "kernel driver bound to the device"},
	[COL_IOMMU] = {"IOMMU", 5, 0, K_ALL, false, "IOMMU unit translating the device's DMA"},
	[COL_RESV] = {"RESV", 0.2, SCOLS_FL_TRUNC, K_ALL, false, "reserved regions of the group (start-end type)"},
	[COL_PORT] = {"PORT", 10, 0, K_TOPO, false,
		      "PCIe port or function type (root port, downstream, endpoint, ...), or conventional PCI"},
	[COL_ACS_CAP] = {"ACS_CAP", 0.1, SCOLS_FL_TRUNC, K_TOPO, false,
			 "ACS capability: the features the function has (- no ACS capability, ? unreadable)"},
	[COL_ACS_CTL] = {"ACS_CTL", 0.1, SCOLS_FL_TRUNC, K_TOPO, false, "ACS control: the features enabled"},
	[COL_MISSING] = {"MISSING", 7, 0, K_TOPO, false,
			 "required ACS controls (SV RR CR UF) the kernel finds off (with an IOMMU: as it would set them)"},
	[COL_ISOLATED] = {"ISOLATED", 3, 0, K_TOPO, false,
			  "whether the kernel treats the function as isolating (its pci_acs_enabled test)"},
};

static const int groups_default[] = {COL_GROUP, COL_NDEV, COL_TYPE, COL_BDF, COL_ID, COL_CLASS,
				     COL_NAME, COL_DRIVER, COL_IOMMU, COL_RESV};
static const int groups_tree_default[] = {COL_NODE, COL_TYPE, COL_ID, COL_CLASS, COL_NAME, COL_DRIVER, COL_IOMMU, COL_RESV};
static const int devices_default[] = {COL_BDF, COL_ID, COL_CLASS, COL_NAME, COL_DRIVER, COL_GROUP, COL_NDEV, COL_TYPE, COL_IOMMU};
static const int topology_default[] = {COL_NODE, COL_PORT, COL_ID, COL_NAME, COL_DRIVER, COL_GROUP, COL_ACS_CTL, COL_MISSING};

static int col_by_name(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(cols); i++)
		if (strlen(cols[i].name) == len && strncasecmp(cols[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

/* Resolves the columns to show: the defaults, replaced or extended by -o.
 * Returns the count, or -1 with *why set to what is wrong (heap). */
static int pick_columns(enum list_kind kind, const struct list_options *o, int *out, size_t max, char **why)
{
	bool tree = kind == LIST_TOPOLOGY || (o->tree && kind == LIST_GROUPS);
	const int *def = kind == LIST_TOPOLOGY ? topology_default : kind == LIST_DEVICES ? devices_default
			: o->tree ? groups_tree_default : groups_default;
	size_t ndef = kind == LIST_TOPOLOGY ? ARRAY_SIZE(topology_default) : kind == LIST_DEVICES ? ARRAY_SIZE(devices_default)
			: o->tree ? ARRAY_SIZE(groups_tree_default) : ARRAY_SIZE(groups_default);
	const char *spec = o->columns;
	size_t n = 0;

	if (!spec || *spec == '+') {
		for (size_t i = 0; i < ndef && n < max; i++)
			out[n++] = def[i];
		if (spec)
			spec++;
	} else if (tree) {
		out[n++] = COL_NODE; /* the tree needs its column */
	}
	while (spec && *spec) {
		const char *e = strchr(spec, ',');
		size_t len = e ? (size_t)(e - spec) : strlen(spec);
		int c = col_by_name(spec, len);
		if (c < 0 || !(cols[c].kinds & (1u << kind)) || (cols[c].tree_only && !tree)) {
			char *name = xstrndup(spec, len);
			*why = c < 0 || !(cols[c].kinds & (1u << kind))
				       ? xasprintf("unknown column '%s'", name)
				       : xasprintf("column '%s' is the tree's: it needs --tree", name);
			free(name);
			return -1;
		}
		if (n < max && !(c == COL_NODE && n && out[0] == COL_NODE))
			out[n++] = c;
		spec = e ? e + 1 : NULL;
	}
	/* "-o ''" names no column: a mistake, not a table of nothing (a tree
	 * keeps only its NODE column then) */
	if (n == 0 || (o->columns && !*o->columns)) {
		*why = xstrdup("no column given to -o");
		return -1;
	}
	return (int)n;
}

bool columns_valid(enum list_kind kind, const struct list_options *o, char **why)
{
	int tmp[64];
	return pick_columns(kind, o, tmp, ARRAY_SIZE(tmp), why) >= 0;
}

/* ---- cells ------------------------------------------------------------- */

struct row {
	const struct snapshot *s;
	const struct pci_device *d;   /* NULL for a group row */
	const struct iommu_group *g;  /* NULL for a device without group */
	const char *other;            /* a non-PCI member's name */
	const struct list_options *o;
	const struct isolation *iso;  /* topology: ACS verdicts */
	const char *host_bridge;      /* topology: a host bridge's row */
	const char *other_bus;        /* a non-PCI member's bus ("" unknown) */
};

static char *acs_bits_text(uint16_t bits)
{
	struct buf b;
	if (!bits)
		return xstrdup("none");
	buf_init(&b);
	for (unsigned bit = 0; bit < 7; bit++)
		if (bits & (1u << bit))
			buf_appendf(&b, "%s%s", b.len ? " " : "", pci_acs_bit_name(bit));
	return buf_steal(&b);
}

static char *port_text(const struct pci_device *d)
{
	static const char *const names[] = {[PCIE_TYPE_ENDPOINT] = "endpoint", [PCIE_TYPE_LEGACY_ENDPOINT] = "legacy EP",
					    [PCIE_TYPE_ROOT_PORT] = "root port", [PCIE_TYPE_UPSTREAM] = "upstream",
					    [PCIE_TYPE_DOWNSTREAM] = "downstream", [PCIE_TYPE_PCI_BRIDGE] = "PCIe-to-PCI",
					    [PCIE_TYPE_PCIE_BRIDGE] = "PCI-to-PCIe", [PCIE_TYPE_RC_END] = "RCiEP",
					    [PCIE_TYPE_RC_EC] = "RC event coll."};
	const char *n;
	if (!d->caps.known)
		return xstrdup("?");
	if (!d->caps.pcie)
		return xstrdup(d->ident.header_type == 1 ? "PCI bridge" : "PCI");
	n = d->caps.pcie_type >= 0 && (size_t)d->caps.pcie_type < ARRAY_SIZE(names) && names[d->caps.pcie_type]
		    ? names[d->caps.pcie_type] : "PCIe";
	return d->virtfn ? xasprintf("%s (VF)", n) : xstrdup(n);
}

static char *missing_text(const struct isolation *iso, const struct pci_device *d, size_t i)
{
	const struct acs_verdict *v = &iso->acs[i];
	struct buf b;
	switch (v->rule) {
	case ACS_RULE_UNKNOWN:
		return xstrdup("?");
	case ACS_RULE_NO_CAP:
		return xstrdup("no ACS");
	case ACS_RULE_FLAGS_MISSING:
		buf_init(&b);
		for (unsigned bit = 0; bit < 7; bit++)
			if (v->missing & (1u << bit))
				buf_appendf(&b, "%s%s", b.len ? " " : "", pci_acs_bit_code(bit));
		return buf_steal(&b);
	default:
		(void)d;
		return NULL;
	}
}

static char *name_or_id(const char *name, bool numeric, unsigned id)
{
	if (name && !numeric)
		return xstrdup(name);
	return xasprintf("%04x", id);
}

static char *resv_text(const struct iommu_group *g)
{
	struct buf b;
	if (!g->resv_known && !g->nresv)
		return xstrdup("?");
	buf_init(&b);
	for (size_t i = 0; i < g->nresv; i++)
		buf_appendf(&b, "%s0x%" PRIx64 "-0x%" PRIx64 " %s", i ? ", " : "", g->resv[i].start, g->resv[i].end,
			    g->resv[i].type);
	return buf_steal(&b);
}

char *device_name_text(const struct pci_device *d, bool numeric)
{
	const char *v = d->vendor_name, *n = d->device_name;
	if (numeric)
		return xasprintf("%04x:%04x", d->ident.vendor_id, d->ident.device_id);
	/* lspci's wording when a name is missing */
	if (v && n)
		return xasprintf("%s %s", v, n);
	if (v)
		return xasprintf("%s Device %04x", v, d->ident.device_id);
	return xasprintf("Device %04x:%04x", d->ident.vendor_id, d->ident.device_id);
}

static char *group_cell(const struct row *r, int col)
{
	const struct iommu_group *g = r->g;
	switch (col) {
	case COL_NODE:
		return xasprintf("group %d", g->id);
	case COL_GROUP:
		return xasprintf("%d", g->id);
	case COL_NDEV:
		return xasprintf("%zu", group_member_count(g));
	case COL_TYPE:
		if (r->o->predicted)
			return NULL; /* only a running kernel has one */
		return xstrdup(g->type ? g->type : "?");
	case COL_RESV:
		return r->o->predicted ? NULL : resv_text(g);
	default:
		return NULL;
	}
}

static bool is_group_column(int col)
{
	return col == COL_GROUP || col == COL_NDEV || col == COL_TYPE || col == COL_RESV;
}

static char *device_cell(const struct row *r, int col)
{
	const struct pci_device *d = r->d;
	bool num = r->o->numeric;

	if (r->host_bridge)
		return col == COL_NODE ? xstrdup(r->host_bridge) : NULL;
	if (!d) {
		/* a group member that is not a PCI function */
		if (col == COL_NODE || col == COL_BDF)
			return xstrdup(r->other);
		if (col == COL_NAME)
			return *r->other_bus ? xasprintf("%s device (not PCI)", r->other_bus)
					     : xstrdup("device that is not PCI (bus unknown)");
		return is_group_column(col) ? group_cell(r, col) : NULL;
	}
	switch (col) {
	case COL_NODE:
	case COL_BDF:
		return xstrdup(d->bdf);
	case COL_ID:
		return d->ident_known ? xasprintf("%04x:%04x", d->ident.vendor_id, d->ident.device_id) : xstrdup("?");
	case COL_VENDOR_ID:
		return d->ident_known ? xasprintf("%04x", d->ident.vendor_id) : xstrdup("?");
	case COL_DEVICE_ID:
		return d->ident_known ? xasprintf("%04x", d->ident.device_id) : xstrdup("?");
	case COL_SUBSYS_ID:
		return d->ident.has_subsys ? xasprintf("%04x:%04x", d->ident.subsys_vendor_id, d->ident.subsys_device_id)
					   : NULL;
	case COL_CLASS_ID:
		return d->class_known ? xasprintf("%06x", d->ident.class_code) : xstrdup("?");
	case COL_CLASS:
		if (!d->class_known)
			return xstrdup("?");
		if (num)
			return xasprintf("%04x", d->ident.class_code >> 8);
		return d->class_name ? xstrdup(d->class_name) : xasprintf("Class %04x", d->ident.class_code >> 8);
	case COL_VENDOR:
		return d->ident_known ? name_or_id(d->vendor_name, num, d->ident.vendor_id) : xstrdup("?");
	case COL_DEVICE:
		return d->ident_known ? name_or_id(d->device_name, num, d->ident.device_id) : xstrdup("?");
	case COL_NAME:
		return d->ident_known ? device_name_text(d, num) : xstrdup("?");
	case COL_REV:
		return d->revision_known ? xasprintf("%02x", d->ident.revision) : xstrdup("?");
	case COL_DRIVER:
		return d->driver ? xstrdup(d->driver) : d->driver_known ? NULL : xstrdup("?");
	case COL_IOMMU:
		return d->unit >= 0 ? xstrdup(r->s->unit[d->unit].name) : NULL;
	case COL_PORT:
		return port_text(d);
	case COL_ACS_CAP:
	case COL_ACS_CTL:
		if (!d->caps.known)
			return xstrdup("?");
		if (!d->caps.acs_off)
			return xstrdup("-");
		return acs_bits_text(col == COL_ACS_CAP ? d->caps.acs_cap : d->caps.acs_ctl);
	case COL_MISSING:
		return r->iso ? missing_text(r->iso, d, (size_t)(d - r->s->dev)) : NULL;
	case COL_ISOLATED:
		if (!r->iso)
			return NULL;
		{
			enum tri t = r->iso->acs[d - r->s->dev].isolated;
			return xstrdup(t == TRI_YES ? "yes" : t == TRI_NO ? "no" : "?");
		}
	case COL_GROUP:
		if (r->iso)
			return d->group >= 0 ? xasprintf("%d", d->group) : NULL;
		return r->g ? group_cell(r, col) : NULL;
	default:
		return r->g ? group_cell(r, col) : NULL;
	}
}

/* ---- tables ------------------------------------------------------------ */

static struct libscols_table *new_table(const struct list_options *o, const int *colv, int ncol)
{
	struct libscols_table *tb = scols_new_table();
	if (!tb)
		return NULL;
	scols_table_enable_raw(tb, o->raw);
	scols_table_enable_export(tb, o->pairs);
	scols_table_enable_noheadings(tb, o->noheadings);
	scols_table_enable_colors(tb, o->color && !o->raw && !o->pairs);
	for (int i = 0; i < ncol; i++) {
		const struct colinfo *ci = &cols[colv[i]];
		int flags = ci->flags;
		if (!(o->tree && !o->pairs && !o->raw))
			flags &= ~SCOLS_FL_TREE;
		if (!scols_table_new_column(tb, ci->name, ci->whint, flags)) {
			scols_unref_table(tb);
			return NULL;
		}
	}
	return tb;
}

/* Adds a row; in a tree, the group's own columns show on the group's row
 * only.  Returns the line, or NULL if libsmartcols failed. */
static struct libscols_line *fill_line(struct libscols_table *tb, struct libscols_line *parent, const struct row *r,
				       const int *colv, int ncol, const char *color)
{
	struct libscols_line *ln = scols_table_new_line(tb, parent);
	bool member = r->d || r->other || r->host_bridge;
	if (!ln)
		return NULL;
	if (color)
		scols_line_set_color(ln, color);
	for (int i = 0; i < ncol; i++) {
		char *cell;
		if (member && parent && !r->iso && !r->o->raw && !r->o->pairs && is_group_column(colv[i]))
			continue;
		cell = member ? device_cell(r, colv[i]) : group_cell(r, colv[i]);
		if (cell && scols_line_refer_data(ln, (size_t)i, cell) != 0) {
			free(cell);
			return NULL;
		}
	}
	return ln;
}

static int print_table(struct libscols_table *tb)
{
	int rc = scols_print_table(tb);
	scols_unref_table(tb);
	return rc ? -1 : 0;
}

static bool decorated(const struct list_options *o)
{
	return !o->raw && !o->pairs && !o->noheadings;
}

/* No IOMMU: the sentence saying what was looked at, and what to do. */
static void print_absent(const struct iommu_presence *p)
{
	if (p->absent.message)
		printf("%s\n", p->absent.message);
	if (p->absent.remedy)
		printf("To enable one: %s.\n", p->absent.remedy);
}

static void print_shared_summary(const struct list_view *v)
{
	const struct snapshot *s = v->s;
	size_t shared = groups_shared_count(s), done = 0;
	if (!shared)
		return;
	printf("\n%zu of %zu groups hold more than one device", shared, s->ngrp);
	if (v->why) {
		printf(":\n");
		for (size_t i = 0; i < s->ngrp; i++)
			if (group_member_count(&s->grp[i]) > 1 && v->why[i].summary)
				printf("  %s\n", v->why[i].summary);
	} else {
		printf(": ");
		for (size_t i = 0; i < s->ngrp; i++) {
			size_t n = group_member_count(&s->grp[i]);
			if (n > 1)
				printf("%s%d (%zu)", done++ ? ", " : "", s->grp[i].id, n);
		}
		printf(".\n");
	}
	printf("The devices of one group can only be assigned to a VM together.\n");
}

int render_groups_text(const struct list_view *v, const struct list_options *o)
{
	const struct snapshot *s = v->s;
	const struct iommu_presence *p = v->presence;
	int colv[64];
	char *bad = NULL;
	int ncol = pick_columns(LIST_GROUPS, o, colv, ARRAY_SIZE(colv), &bad);
	struct libscols_table *tb;

	free(bad);
	if (ncol < 0)
		return -1;
	if (!p->present && s->ngrp == 0 && decorated(o) && !v->predicted) {
		print_absent(p);
		return 0;
	}
	if (v->predicted && decorated(o)) {
		printf("Predicted from the topology, configuration space and the kernel's rules: the groups the kernel "
		       "would form%s.\n", p->present ? "" : " once an IOMMU is enabled");
		if (v->acs_rule && v->acs_rule->message)
			printf("ACS: %s.\n", v->acs_rule->message);
		putchar('\n');
	}
	tb = new_table(o, colv, ncol);
	if (!tb)
		return -1;
	for (size_t i = 0; i < s->ngrp; i++) {
		const struct iommu_group *g = &s->grp[i];
		const char *color = o->color && group_member_count(g) > 1 ? "yellow" : NULL;
		struct row r = {s, NULL, g, NULL, o, NULL, NULL, NULL};
		struct libscols_line *parent = NULL;
		if (o->tree && !(parent = fill_line(tb, NULL, &r, colv, ncol, color)))
			goto fail;
		for (size_t j = 0; j < g->ndev; j++) {
			r.d = &s->dev[g->dev[j]];
			if (!fill_line(tb, parent, &r, colv, ncol, color))
				goto fail;
		}
		r.d = NULL;
		for (size_t j = 0; j < g->other.n; j++) {
			r.other = g->other.v[j];
			r.other_bus = j < g->other_bus.n ? g->other_bus.v[j] : "";
			if (!fill_line(tb, parent, &r, colv, ncol, color))
				goto fail;
		}
	}
	if (print_table(tb) < 0)
		return -1;
	if (decorated(o)) {
		print_shared_summary(v);
		if (!p->present && !v->predicted) {
			putchar('\n');
			print_absent(p);
		}
	}
	return 0;
fail:
	scols_unref_table(tb);
	return -1;
}

int render_devices_text(const struct list_view *v, const struct list_options *o)
{
	const struct snapshot *s = v->s;
	const struct iommu_presence *p = v->presence;
	int colv[64];
	char *bad = NULL;
	int ncol = pick_columns(LIST_DEVICES, o, colv, ARRAY_SIZE(colv), &bad);
	struct libscols_table *tb;

	free(bad);
	if (ncol < 0)
		return -1;
	tb = new_table(o, colv, ncol);
	if (!tb)
		return -1;
	for (size_t i = 0; i < s->ndev; i++) {
		const struct pci_device *d = &s->dev[i];
		struct row r = {s, d, d->group >= 0 ? snapshot_find_group(s, d->group) : NULL, NULL, o, NULL, NULL, NULL};
		const char *color = o->color && r.g && group_member_count(r.g) > 1 ? "yellow" : NULL;
		if (!fill_line(tb, NULL, &r, colv, ncol, color)) {
			scols_unref_table(tb);
			return -1;
		}
	}
	/* the groups' members that are not PCI functions (platform devices) */
	for (size_t i = 0; i < s->ngrp; i++) {
		const struct iommu_group *g = &s->grp[i];
		struct row r = {s, NULL, g, NULL, o, NULL, NULL, NULL};
		const char *color = o->color && group_member_count(g) > 1 ? "yellow" : NULL;
		for (size_t j = 0; j < g->other.n; j++) {
			if (pci_is_bdf(g->other.v[j]))
				continue; /* a function that went away: the warnings say so */
			r.other = g->other.v[j];
			r.other_bus = j < g->other_bus.n ? g->other_bus.v[j] : "";
			if (!fill_line(tb, NULL, &r, colv, ncol, color)) {
				scols_unref_table(tb);
				return -1;
			}
		}
	}
	if (print_table(tb) < 0)
		return -1;
	if (decorated(o) && !p->present) {
		putchar('\n');
		print_absent(p);
	}
	return 0;
}

/* ---- topology ---------------------------------------------------------------- */

static int add_subtree(struct libscols_table *tb, struct libscols_line *parent, const struct snapshot *s,
		       const struct isolation *iso, const struct list_options *o, int up, int host, const int *colv,
		       int ncol)
{
	for (size_t i = 0; i < s->ndev; i++) {
		const struct pci_device *d = &s->dev[i];
		struct row r = {s, d, d->group >= 0 ? snapshot_find_group(s, d->group) : NULL, NULL, o, iso, NULL, NULL};
		struct libscols_line *ln;
		if (!d->topology_known || d->parent != up || (up < 0 && d->host_bridge != host))
			continue;
		if (!(ln = fill_line(tb, parent, &r, colv, ncol, NULL)))
			return -1;
		if (add_subtree(tb, ln, s, iso, o, (int)i, host, colv, ncol) < 0)
			return -1;
	}
	return 0;
}

int render_topology_text(const struct snapshot *s, const struct isolation *iso, const struct list_options *o)
{
	int colv[64];
	char *bad = NULL;
	int ncol = pick_columns(LIST_TOPOLOGY, o, colv, ARRAY_SIZE(colv), &bad);
	struct libscols_table *tb;

	free(bad);
	if (ncol < 0)
		return -1;
	tb = new_table(o, colv, ncol);
	if (!tb)
		return -1;
	for (size_t h = 0; h < s->host_bridges.n; h++) {
		struct row r = {s, NULL, NULL, NULL, o, iso, s->host_bridges.v[h], NULL};
		struct libscols_line *ln = fill_line(tb, NULL, &r, colv, ncol, NULL);
		if (!ln || add_subtree(tb, ln, s, iso, o, -1, (int)h, colv, ncol) < 0)
			goto fail;
	}
	/* functions whose place could not be read */
	for (size_t i = 0; i < s->ndev; i++)
		if (!s->dev[i].topology_known) {
			const struct pci_device *d = &s->dev[i];
			struct row r = {s, d, d->group >= 0 ? snapshot_find_group(s, d->group) : NULL, NULL, o, iso, NULL, NULL};
			if (!fill_line(tb, NULL, &r, colv, ncol, NULL))
				goto fail;
		}
	return print_table(tb);
fail:
	scols_unref_table(tb);
	return -1;
}

/* ---- explain -------------------------------------------------------------------- */

int render_explain_text(const struct explain_view *v)
{
	if (v->nex == 0)
		printf("No %sgroup holds more than one device: every device can be assigned on its own.\n",
		       v->predicted ? "predicted " : "");
	if (v->predicted && v->nex) {
		printf("No IOMMU groups here: these are the groups the kernel would form once an IOMMU is enabled.\n");
		if (v->iso && v->iso->acs_req.message)
			printf("ACS: %s.\n", v->iso->acs_req.message);
		putchar('\n');
	}
	for (size_t i = 0; i < v->nex; i++) {
		const struct explanation *e = &v->ex[i];
		char *sentence = explanation_sentence(v->s, e);
		printf("%sGroup %d:", i ? "\n" : "", e->group);
		for (size_t m = 0; m < e->nmembers; m++) {
			char bdf[PCI_BDF_MAX];
			short_bdf(&v->s->dev[e->members[m]], bdf);
			printf(" %s", bdf);
		}
		printf("\n  %s\n", sentence);
		free(sentence);
		if (e->nremedies) {
			printf("  To split it:\n");
			for (size_t r = 0; r < e->nremedies; r++)
				printf("    - %s\n", e->remedies[r].message);
		}
		if (e->override_message)
			printf("  %s.\n", e->override_message);
	}
	return ferror(stdout) ? -1 : 0;
}

int render_columns_text(enum list_kind kind, const struct list_options *o)
{
	struct libscols_table *tb = scols_new_table();
	if (!tb)
		return -1;
	scols_table_enable_raw(tb, o->raw);
	scols_table_enable_export(tb, o->pairs);
	scols_table_enable_noheadings(tb, o->noheadings);
	if (!scols_table_new_column(tb, "NAME", 10, 0) || !scols_table_new_column(tb, "DESCRIPTION", 0.8, 0)) {
		scols_unref_table(tb);
		return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(cols); i++) {
		struct libscols_line *ln;
		if (!(cols[i].kinds & (1u << kind)))
			continue;
		ln = scols_table_new_line(tb, NULL);
		if (!ln || scols_line_set_data(ln, 0, cols[i].name) || scols_line_set_data(ln, 1, cols[i].help)) {
			scols_unref_table(tb);
			return -1;
		}
	}
	return print_table(tb);
}

json_t *json_columns_doc(enum list_kind kind)
{
	json_t *doc = json_object(), *arr = json_array();
	json_object_set_new(doc, "schema_version", json_integer(IOMMUCTL_SCHEMA_VERSION));
	for (size_t i = 0; i < ARRAY_SIZE(cols); i++) {
		if (!(cols[i].kinds & (1u << kind)))
			continue;
		json_array_append_new(arr, json_pack("{s:s, s:s}", "name", cols[i].name, "description", cols[i].help));
	}
	json_object_set_new(doc, "columns", arr);
	return doc;
}
