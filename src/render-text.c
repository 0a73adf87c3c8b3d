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
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

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

static const struct column_info cols[] = {
	[COL_NODE] = {"NODE", 14, SCOLS_FL_TREE | SCOLS_FL_NOEXTREMES, K_GROUPS | K_TOPO, true,
		      "the tree: groups and their devices (groups --tree), host bridges and functions (topology)"},
	[COL_GROUP] = {"GROUP", 5, SCOLS_FL_RIGHT, 0, false, "IOMMU group number"},
	[COL_NDEV] = {"NDEV", 4, SCOLS_FL_RIGHT, 0, false, "devices in the group (more than one: assignable only together)"},
	[COL_TYPE] = {"TYPE", 6, 0, 0, false, "default domain type of the group (DMA, DMA-FQ, identity, ...)"},
	[COL_BDF] = {"BDF", 12, 0, 0, false, "PCI address, domain:bus:device.function"},
	[COL_ID] = {"ID", 9, 0, 0, false, "vendor:device id"},
	[COL_VENDOR_ID] = {"VENDOR_ID", 4, 0, 0, false, "vendor id"},
	[COL_DEVICE_ID] = {"DEVICE_ID", 4, 0, 0, false, "device id"},
	[COL_SUBSYS_ID] = {"SUBSYS_ID", 9, 0, 0, false, "subsystem vendor:device id"},
	[COL_CLASS_ID] = {"CLASS_ID", 6, 0, 0, false, "class code: base class, sub-class, programming interface"},
	[COL_CLASS] = {"CLASS", 0.15, SCOLS_FL_TRUNC, 0, false, "class name"},
	[COL_VENDOR] = {"VENDOR", 0.15, SCOLS_FL_TRUNC, 0, false, "vendor name"},
	[COL_DEVICE] = {"DEVICE", 0.2, SCOLS_FL_TRUNC, 0, false, "device name"},
	[COL_NAME] = {"NAME", 0.3, SCOLS_FL_TRUNC, 0, false, "vendor and device name, as lspci prints them"},
	[COL_REV] = {"REV", 3, SCOLS_FL_RIGHT, 0, false, "revision"},
	[COL_DRIVER] = {"DRIVER", 8, 0, 0, false, "kernel driver bound to the device"},
	[COL_IOMMU] = {"IOMMU", 5, SCOLS_FL_TRUNC, 0, false, "IOMMU unit translating the device's DMA"},
	[COL_RESV] = {"RESV", 0.2, SCOLS_FL_TRUNC, 0, false, "reserved regions of the group (start-end type)"},
	[COL_PORT] = {"PORT", 10, 0, K_TOPO, false,
		      "PCIe port or function type (root port, downstream, endpoint, ...), or conventional PCI"},
	[COL_ACS_CAP] = {"ACS_CAP", 0.1, SCOLS_FL_TRUNC, K_TOPO, false,
			 "ACS capability: the features the function has (- no ACS capability, ? unreadable)"},
	[COL_ACS_CTL] = {"ACS_CTL", 0.1, SCOLS_FL_TRUNC, K_TOPO, false, "ACS control: the features enabled"},
	[COL_MISSING] = {"MISSING", 7, SCOLS_FL_WRAP, K_TOPO, false,
			 "required ACS controls (SV RR CR UF) the kernel finds off: as read with IOMMU groups, as it would set "
			 "them without"},
	[COL_ISOLATED] = {"ISOLATED", 3, 0, K_TOPO, false,
			  "whether the kernel treats the function as isolating (its pci_acs_enabled test)"},
};

static const int groups_default[] = {COL_GROUP, COL_NDEV, COL_TYPE, COL_BDF, COL_ID, COL_CLASS,
				     COL_NAME, COL_DRIVER, COL_IOMMU, COL_RESV};
static const int groups_tree_default[] = {COL_NODE, COL_TYPE, COL_ID, COL_CLASS, COL_NAME, COL_DRIVER, COL_IOMMU, COL_RESV};
static const int devices_default[] = {COL_BDF, COL_ID, COL_CLASS, COL_NAME, COL_DRIVER, COL_GROUP, COL_NDEV, COL_TYPE, COL_IOMMU};
static const int topology_default[] = {COL_NODE, COL_PORT, COL_ID, COL_NAME, COL_DRIVER, COL_GROUP, COL_ACS_CTL, COL_MISSING};

const struct column_table groups_columns = {cols, ARRAY_SIZE(cols), K_GROUPS, false, groups_default,
					    ARRAY_SIZE(groups_default), groups_tree_default,
					    ARRAY_SIZE(groups_tree_default)};
const struct column_table devices_columns = {cols, ARRAY_SIZE(cols), K_DEVICES, false, devices_default,
					     ARRAY_SIZE(devices_default), NULL, 0};
const struct column_table topology_columns = {cols, ARRAY_SIZE(cols), K_TOPO, true, topology_default,
					      ARRAY_SIZE(topology_default), topology_default,
					      ARRAY_SIZE(topology_default)};

static bool in_table(const struct column_table *t, size_t i)
{
	return !t->cols[i].kinds || (t->cols[i].kinds & t->kind);
}

static int col_by_name(const struct column_table *t, const char *name, size_t len)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (in_table(t, i) && strlen(t->cols[i].name) == len && strncasecmp(t->cols[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

int columns_pick(const struct column_table *t, const struct list_options *o, int *out, size_t max, char **why)
{
	bool tree = t->always_tree || (o->tree && t->tree_defaults);
	const int *def = tree ? t->tree_defaults : t->defaults;
	size_t ndef = tree ? t->ntree_defaults : t->ndefaults, n = 0;
	const char *spec = o->columns;

	if (!spec || *spec == '+') {
		for (size_t i = 0; i < ndef && n < max; i++)
			out[n++] = def[i];
		if (spec)
			spec++;
	} else if (tree) {
		out[n++] = def[0]; /* the tree needs its column */
	}
	while (spec && *spec) {
		const char *e = strchr(spec, ',');
		size_t len = e ? (size_t)(e - spec) : strlen(spec);
		int c = col_by_name(t, spec, len);
		if (c < 0 || (t->cols[c].tree_only && !tree)) {
			char *name = xstrndup(spec, len);
			*why = c < 0 ? xasprintf("unknown column '%s'", name)
				     : xasprintf("column '%s' is the tree's: it needs --tree", name);
			free(name);
			return -1;
		}
		if (n < max && !(tree && c == def[0] && n && out[0] == def[0]))
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

/* ---- text ------------------------------------------------------------- */

/* Columns S takes on a terminal (UTF-8 continuation bytes take none). */
static size_t text_columns(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

/* Bytes of S that fill at most COLS columns (whole UTF-8 sequences). */
static size_t bytes_in_columns(const char *s, size_t len, size_t ncols)
{
	size_t i = 0, n = 0;
	while (i < len) {
		size_t k = i + 1;
		while (k < len && ((unsigned char)s[k] & 0xc0) == 0x80)
			k++;
		if (++n > ncols)
			break;
		i = k;
	}
	return i;
}

/* Appends TEXT broken at words: a line starts with FIRST (the first) or
 * REST, and none passes WIDTH; a word longer than a line is cut. */
static void wrap_into(struct buf *b, const char *first, const char *rest, const char *text, size_t width)
{
	size_t col = text_columns(first, strlen(first)), start = col, restw = text_columns(rest, strlen(rest));
	bool empty = true;
	buf_appendf(b, "%s", first);
	for (const char *p = text; *p;) {
		size_t len, wcols;
		if (*p == ' ') {
			p++;
			continue;
		}
		if (*p == '\n') {
			buf_appendf(b, "\n%s", rest);
			col = start = restw;
			empty = true;
			p++;
			continue;
		}
		len = strcspn(p, " \n");
		wcols = text_columns(p, len);
		if (width && !empty && col + 1 + wcols > width) {
			buf_appendf(b, "\n%s", rest);
			col = start = restw;
			empty = true;
		}
		while (width && width > start && col + wcols > width) {
			/* longer than a line: as much as fits, the rest below */
			size_t fit = bytes_in_columns(p, len, width - col);
			if (!fit)
				break;
			buf_append(b, p, fit);
			buf_appendf(b, "\n%s", rest);
			col = start = restw;
			p += fit;
			len -= fit;
			wcols = text_columns(p, len);
		}
		if (!empty) {
			buf_append(b, " ", 1);
			col++;
		}
		buf_append(b, p, len);
		col += wcols;
		empty = false;
		p += len;
	}
}

char *text_word_wrap(const char *text, size_t width)
{
	struct buf b;
	buf_init(&b);
	wrap_into(&b, "", "", text, width);
	return b.data ? buf_steal(&b) : xstrdup("");
}

void print_wrapped(FILE *f, const char *first, const char *rest, const char *text, size_t width)
{
	struct buf b;
	char *under = rest ? NULL : xasprintf("%*s", (int)text_columns(first, strlen(first)), "");
	buf_init(&b);
	wrap_into(&b, first, rest ? rest : under, text, width);
	free(under);
	fprintf(f, "%s\n", b.data ? b.data : "");
	buf_release(&b);
}

int render_wrap_column(struct libscols_column *cl)
{
	return scols_column_set_wrapfunc(cl, scols_wrapnl_chunksize, scols_wrapnl_nextchunk, NULL) ||
			       scols_column_set_safechars(cl, "\n")
		       ? -1
		       : 0;
}

size_t terminal_width(void)
{
	struct winsize ws;
	if (!isatty(STDOUT_FILENO))
		return 0;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

void print_field(const char *label, size_t labelw, const char *text, size_t width)
{
	char *first = xasprintf("%-*s", (int)labelw, label);
	print_wrapped(stdout, first, NULL, text, width);
	free(first);
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

struct libscols_table *table_new(const struct list_options *o)
{
	struct libscols_table *tb = scols_new_table();
	if (!tb)
		return NULL;
	scols_table_enable_raw(tb, o->raw);
	scols_table_enable_export(tb, o->pairs);
	scols_table_enable_noheadings(tb, o->noheadings);
	scols_table_enable_colors(tb, o->color && !o->raw && !o->pairs);
	/* no blanks after the last cell with something in it */
	scols_table_enable_minout(tb, 1);
	return tb;
}

/* Cuts the cells of column I of TB to WIDTH columns, "..." marking a cut
 * (TRUNC), or breaks them at words into lines of at most WIDTH (WRAP). */
static int fit_cells(struct libscols_table *tb, size_t i, size_t width, bool wrap)
{
	struct libscols_iter *itr = scols_new_iter(SCOLS_ITER_FORWARD);
	struct libscols_line *ln;
	int rc = itr ? 0 : -1;
	while (!rc && scols_table_next_line(tb, itr, &ln) == 0) {
		struct libscols_cell *ce = scols_line_get_cell(ln, i);
		const char *data = ce ? scols_cell_get_data(ce) : NULL;
		char *fitted = NULL;
		if (!data || !*data)
			continue;
		if (wrap)
			fitted = text_word_wrap(data, width);
		else if (text_columns(data, strlen(data)) > width && width > 3)
			fitted = xasprintf("%.*s...", (int)bytes_in_columns(data, strlen(data), width - 3), data);
		if (fitted && scols_cell_refer_data(ce, fitted))
			rc = -1;
	}
	scols_free_iter(itr);
	return rc;
}

int table_print(struct libscols_table *tb, const struct list_options *o)
{
	int rc = 0;
	if (o->width && !o->raw && !o->pairs) {
		/* libsmartcols shares the width out by the columns' hints (a
		 * first print, to nowhere); then the cells are fitted to it */
		char *nowhere = NULL;
		scols_table_set_termforce(tb, SCOLS_TERMFORCE_ALWAYS);
		scols_table_set_termwidth(tb, o->width);
		rc = scols_print_table_to_string(tb, &nowhere);
		free(nowhere);
		for (size_t i = 0; !rc && i < scols_table_get_ncols(tb); i++) {
			struct libscols_column *cl = scols_table_get_column(tb, i);
			bool wrap = scols_column_is_wrap(cl);
			if (scols_column_is_tree(cl) || !(wrap || scols_column_is_trunc(cl)))
				continue;
			rc = fit_cells(tb, i, scols_column_get_width(cl), wrap);
			if (!rc && wrap)
				rc = render_wrap_column(cl);
		}
	} else {
		scols_table_set_termforce(tb, SCOLS_TERMFORCE_NEVER);
	}
	if (!rc)
		rc = scols_print_table(tb);
	scols_unref_table(tb);
	return rc ? -1 : 0;
}

static struct libscols_table *new_table(const struct list_options *o, const int *colv, int ncol)
{
	struct libscols_table *tb = table_new(o);
	if (!tb)
		return NULL;
	for (int i = 0; i < ncol; i++) {
		const struct column_info *ci = &cols[colv[i]];
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

static bool decorated(const struct list_options *o)
{
	return !o->raw && !o->pairs && !o->noheadings;
}

/* "ACS: MESSAGE." under a prediction, broken at words for WIDTH */
static void print_acs_rule(const char *message, size_t width)
{
	char *text = xasprintf("%s.", message);
	print_wrapped(stdout, "ACS: ", "  ", text, width);
	free(text);
}

/* No IOMMU: the sentence saying what was looked at, and what to do. */
static void print_absent(const struct iommu_presence *p, size_t width)
{
	if (p->absent.message)
		print_wrapped(stdout, "", "", p->absent.message, width);
	if (p->absent.remedy) {
		char *text = xasprintf("To enable one: %s.", p->absent.remedy);
		print_wrapped(stdout, "", "", text, width);
		free(text);
	}
}

/* The groups shown that hold several devices, and what holds them together
 * (--why). */
static void print_shared_summary(const struct list_view *v, size_t width)
{
	const struct snapshot *s = v->s;
	size_t shared = 0, shown = 0, done = 0;
	struct buf b;
	for (size_t i = 0; i < s->ngrp; i++)
		if (list_group_shown(v, &s->grp[i])) {
			shown++;
			shared += group_member_count(&s->grp[i]) > 1;
		}
	if (!shared)
		return;
	buf_init(&b);
	buf_appendf(&b, "%zu of %zu groups hold more than one device", shared, shown);
	if (!v->why) {
		buf_appendf(&b, ": ");
		for (size_t i = 0; i < s->ngrp; i++) {
			size_t n = group_member_count(&s->grp[i]);
			if (n > 1 && list_group_shown(v, &s->grp[i]))
				buf_appendf(&b, "%s%d (%zu)", done++ ? ", " : "", s->grp[i].id, n);
		}
	}
	buf_appendf(&b, "%s", v->why ? ":" : ".");
	putchar('\n');
	print_wrapped(stdout, "", "", b.data, width);
	buf_release(&b);
	for (size_t i = 0; v->why && i < s->ngrp; i++)
		if (group_member_count(&s->grp[i]) > 1 && v->why[i].summary && list_group_shown(v, &s->grp[i]))
			print_wrapped(stdout, "  ", "  ", v->why[i].summary, width);
	print_wrapped(stdout, "", "", "The devices of one group can only be assigned to a VM together.", width);
}

int render_groups_text(const struct list_view *v, const struct list_options *o)
{
	const struct snapshot *s = v->s;
	const struct iommu_presence *p = v->presence;
	int colv[64];
	char *bad = NULL;
	int ncol = columns_pick(&groups_columns, o, colv, ARRAY_SIZE(colv), &bad);
	struct libscols_table *tb;

	free(bad);
	if (ncol < 0)
		return -1;
	if (!p->present && s->ngrp == 0 && decorated(o) && !v->predicted) {
		print_absent(p, o->width);
		return 0;
	}
	if (v->predicted && decorated(o)) {
		print_wrapped(stdout, "", "",
			      p->present ? "Predicted from the topology, configuration space and the kernel's rules: the "
					   "groups the kernel would form."
					 : "Predicted from the topology, configuration space and the kernel's rules: the "
					   "groups the kernel would form once an IOMMU is enabled.",
			      o->width);
		if (v->acs_rule && v->acs_rule->message)
			print_acs_rule(v->acs_rule->message, o->width);
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
		if (!list_group_shown(v, g))
			continue;
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
	if (table_print(tb, o) < 0)
		return -1;
	if (decorated(o)) {
		print_shared_summary(v, o->width);
		if (!p->present && !v->predicted) {
			putchar('\n');
			print_absent(p, o->width);
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
	int ncol = columns_pick(&devices_columns, o, colv, ARRAY_SIZE(colv), &bad);
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
		if (v->selected && !v->selected[i])
			continue;
		if (!fill_line(tb, NULL, &r, colv, ncol, color)) {
			scols_unref_table(tb);
			return -1;
		}
	}
	/* the groups' members that are not PCI functions (platform devices;
	 * none is selected by -s, -d or an address) */
	for (size_t i = 0; !v->selected && i < s->ngrp; i++) {
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
	if (table_print(tb, o) < 0)
		return -1;
	if (decorated(o) && !p->present) {
		putchar('\n');
		print_absent(p, o->width);
	}
	return 0;
}

/* ---- topology ---------------------------------------------------------------- */

bool list_group_shown(const struct list_view *v, const struct iommu_group *g)
{
	bool shown = !v->selected;
	for (size_t j = 0; j < g->ndev && !shown; j++)
		shown = v->selected[g->dev[j]];
	return shown;
}

bool topology_host_shown(const struct snapshot *s, const bool *shown, int h)
{
	bool any = !shown;
	for (size_t i = 0; i < s->ndev && !any; i++)
		any = shown[i] && s->dev[i].topology_known && s->dev[i].host_bridge == h;
	return any;
}

struct topology_draw {
	struct libscols_table *tb;
	const struct snapshot *s;
	const struct isolation *iso;
	const bool *shown;
	const struct list_options *o;
	const int *colv;
	int ncol;
	const struct pci_tree *tree;
};

static int add_subtree(const struct topology_draw *t, struct libscols_line *parent, int up, int host)
{
	const struct snapshot *s = t->s;
	size_t n;
	const int *k = pci_tree_children(t->tree, up, &n);
	for (size_t c = 0; c < n; c++) {
		const struct pci_device *d = &s->dev[k[c]];
		struct row r = {s, d, NULL, NULL, t->o, t->iso, NULL, NULL};
		struct libscols_line *ln;
		if ((up < 0 && d->host_bridge != host) || (t->shown && !t->shown[k[c]]))
			continue;
		r.g = d->group >= 0 ? snapshot_find_group(s, d->group) : NULL;
		if (!(ln = fill_line(t->tb, parent, &r, t->colv, t->ncol, NULL)))
			return -1;
		if (add_subtree(t, ln, k[c], host) < 0)
			return -1;
	}
	return 0;
}

int render_topology_text(const struct snapshot *s, const struct isolation *iso, const bool *shown,
			 const struct list_options *o)
{
	int colv[64];
	char *bad = NULL;
	int ncol = columns_pick(&topology_columns, o, colv, ARRAY_SIZE(colv), &bad);
	struct libscols_table *tb;
	struct pci_tree tree;
	int rc = -1;

	free(bad);
	if (ncol < 0)
		return -1;
	tb = new_table(o, colv, ncol);
	if (!tb)
		return -1;
	pci_tree_build(s, &tree);
	for (size_t h = 0; h < s->host_bridges.n; h++) {
		struct topology_draw t = {tb, s, iso, shown, o, colv, ncol, &tree};
		struct row r = {s, NULL, NULL, NULL, o, iso, s->host_bridges.v[h], NULL};
		struct libscols_line *ln;
		if (!topology_host_shown(s, shown, (int)h))
			continue;
		ln = fill_line(tb, NULL, &r, colv, ncol, NULL);
		if (!ln || add_subtree(&t, ln, -1, (int)h) < 0)
			goto fail;
	}
	/* functions whose place could not be read */
	for (size_t i = 0; i < s->ndev; i++)
		if (!s->dev[i].topology_known && (!shown || shown[i])) {
			const struct pci_device *d = &s->dev[i];
			struct row r = {s, d, d->group >= 0 ? snapshot_find_group(s, d->group) : NULL, NULL, o, iso, NULL, NULL};
			if (!fill_line(tb, NULL, &r, colv, ncol, NULL))
				goto fail;
		}
	pci_tree_release(&tree);
	return table_print(tb, o);
fail:
	pci_tree_release(&tree);
	scols_unref_table(tb);
	return rc;
}

/* ---- explain -------------------------------------------------------------------- */

int render_explain_text(const struct explain_view *v, size_t width)
{
	if (v->nex == 0)
		print_wrapped(stdout, "", "",
			      v->predicted ? "No predicted group holds more than one device: every device can be assigned "
					     "on its own."
					   : "No group holds more than one device: every device can be assigned on its own.",
			      width);
	if (v->predicted && v->nex) {
		print_wrapped(stdout, "", "",
			      "No IOMMU groups here: these are the groups the kernel would form once an IOMMU is enabled.",
			      width);
		if (v->iso && v->iso->acs_req.message)
			print_acs_rule(v->iso->acs_req.message, width);
		putchar('\n');
	}
	for (size_t i = 0; i < v->nex; i++) {
		const struct explanation *e = &v->ex[i];
		char *sentence = explanation_sentence(v->s, e);
		struct buf members;
		buf_init(&members);
		for (size_t m = 0; m < e->nmembers; m++) {
			char bdf[PCI_BDF_MAX];
			short_bdf(&v->s->dev[e->members[m]], bdf);
			buf_appendf(&members, "%s%s", m ? " " : "", bdf);
		}
		{
			char *head = xasprintf("%sGroup %d: ", i ? "\n" : "", e->group);
			print_wrapped(stdout, head, "  ", members.data ? members.data : "", width);
			free(head);
		}
		buf_release(&members);
		print_wrapped(stdout, "  ", "  ", sentence, width);
		free(sentence);
		if (e->nremedies) {
			printf("  To split it:\n");
			for (size_t r = 0; r < e->nremedies; r++)
				print_wrapped(stdout, "    - ", "      ", e->remedies[r].message, width);
		}
		if (e->override_message) {
			char *text = xasprintf("%s.", e->override_message);
			print_wrapped(stdout, "  ", "  ", text, width);
			free(text);
		}
	}
	return ferror(stdout) ? -1 : 0;
}

int render_columns_text(const struct column_table *t, const struct list_options *o)
{
	struct libscols_table *tb = table_new(o);
	if (!tb)
		return -1;
	if (!scols_table_new_column(tb, "NAME", 10, 0) || !scols_table_new_column(tb, "DESCRIPTION", 0.8, SCOLS_FL_WRAP)) {
		scols_unref_table(tb);
		return -1;
	}
	for (size_t i = 0; i < t->ncols; i++) {
		struct libscols_line *ln;
		if (!in_table(t, i))
			continue;
		ln = scols_table_new_line(tb, NULL);
		if (!ln || scols_line_set_data(ln, 0, t->cols[i].name) || scols_line_set_data(ln, 1, t->cols[i].help)) {
			scols_unref_table(tb);
			return -1;
		}
	}
	return table_print(tb, o);
}

json_t *json_columns_doc(const struct column_table *t)
{
	json_t *doc = json_object(), *arr = json_array();
	json_object_set_new(doc, "schema_version", json_integer(IOMMUCTL_SCHEMA_VERSION));
	for (size_t i = 0; i < t->ncols; i++) {
		if (!in_table(t, i))
			continue;
		json_array_append_new(arr, json_pack("{s:s, s:s}", "name", t->cols[i].name, "description", t->cols[i].help));
	}
	json_object_set_new(doc, "columns", arr);
	return doc;
}
