/* render-mapcheck.c - `iommuctl map-check` output: the domain's limits, the
 * mappings and the group's reserved regions as libsmartcols tables and every
 * conflict as a sentence, or the JSON document (schema:
 * man/iommuctl.schema.json, map_check_document), both from one report. */
#define _GNU_SOURCE
#include "mapcheck.h"

#include <libsmartcols.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

static char *hex(uint64_t v)
{
	return xasprintf("0x%016llx", (unsigned long long)v);
}

static char *page_sizes_text(uint64_t bitmap)
{
	struct buf b;
	char sz[32];
	unsigned shown = 0, total = (unsigned)__builtin_popcountll(bitmap);
	buf_init(&b);
	for (unsigned bit = 0; bit < 64; bit++) {
		if (!(bitmap >> bit & 1))
			continue;
		/* AMD's 39 sizes: the first three and the largest say enough */
		if (total > 4 && shown == 3) {
			buf_appendf(&b, ", ...");
			bit = 63 - (unsigned)__builtin_clzll(bitmap);
		}
		buf_appendf(&b, "%s%s", shown ? ", " : "", format_bytes(1ull << bit, sz, sizeof(sz)));
		shown++;
	}
	return buf_steal(&b);
}

/* A table of rows of NCOLS strings (consumed); on a terminal of WIDTH
 * columns, the last column's text is broken at words to fit. */
static int print_table(const char *const *names, size_t ncols, char **cells, size_t nrows, size_t width)
{
	struct list_options o = {.width = width};
	struct libscols_table *tb = table_new(&o);
	int rc = -1;
	if (!tb)
		goto out;
	for (size_t c = 0; c < ncols; c++)
		if (!scols_table_new_column(tb, names[c], c + 1 == ncols ? 0.5 : 0, c + 1 == ncols ? SCOLS_FL_WRAP : 0))
			goto out;
	for (size_t r = 0; r < nrows; r++) {
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		if (!ln)
			goto out;
		for (size_t c = 0; c < ncols; c++)
			if (scols_line_set_data(ln, c, cells[r * ncols + c] ? cells[r * ncols + c] : ""))
				goto out;
	}
	rc = table_print(tb, &o);
	tb = NULL;
out:
	scols_unref_table(tb);
	for (size_t i = 0; i < ncols * nrows; i++)
		free(cells[i]);
	free(cells);
	return rc;
}


int render_mapcheck_text(const struct snapshot *s, const struct mapcheck_report *r, size_t width)
{
	static const char *const map_cols[] = {"START", "END", "SIZE", "REGION"};
	const char *resv_cols[] = {"START", "END", "TYPE", "VFIO", "MAPPED", "WHERE"};
	const struct iommu_group *g = snapshot_find_group(s, r->group);
	char sz[32], *text, **cells;
	uint64_t minpg = r->pgsize_bitmap & -r->pgsize_bitmap;

	{
		struct buf b;
		char *head = xasprintf("Group %d: ", r->group);
		buf_init(&b);
		for (size_t i = 0; g && i < g->ndev; i++)
			buf_appendf(&b, "%s%s", i ? " " : "", s->dev[g->dev[i]].bdf);
		print_wrapped(stdout, head, "  ", b.data ? b.data : "", width);
		buf_release(&b);
		free(head);
	}
	printf("IOMMU:       %s%s%s%s\n", r->unit ? r->unit : "none", r->driver ? " (" : "", r->driver ? r->driver : "",
	       r->driver ? ")" : "");
	if (r->aperture_known)
		text = xasprintf("0x%016llx-0x%016llx, %u-bit: %s", 0ull, (unsigned long long)r->aperture_end,
				 r->address_bits, r->aperture_why);
	else
		text = xasprintf("unknown: %s", r->aperture_why);
	print_field("Aperture:", 13, text, width);
	free(text);
	{
		char *sizes = page_sizes_text(r->pgsize_bitmap);
		text = xasprintf("%s (%s); IOVAs and sizes must be multiples of %s", sizes, r->pgsize_why,
				 format_bytes(minpg, sz, sizeof(sz)));
		free(sizes);
	}
	print_field("Page sizes:", 13, text, width);
	free(text);
	text = xasprintf("%ld mappings (vfio_iommu_type1 dma_entry_limit%s)", r->entry_limit,
			 r->entry_limit_default ? ", its default" : "");
	print_field("Entry limit:", 13, text, width);
	free(text);
	if (r->has_guest)
		printf("Guest:       %s machine, %s of RAM\n", guest_machine_id(r->guest.machine),
		       format_bytes(r->guest.ram, sz, sizeof(sz)));
	if (r->aperture_known) {
		struct buf b;
		buf_init(&b);
		for (size_t i = 0; i < r->niova; i++)
			buf_appendf(&b, "%s0x%llx-0x%llx", i ? ", " : "", (unsigned long long)r->iova_ranges[i].start,
				    (unsigned long long)r->iova_ranges[i].end);
		print_field("Usable IOVA:", 13, r->niova ? b.data : "none", width);
		buf_release(&b);
	}

	printf("\nMappings (VFIO_IOMMU_MAP_DMA):\n");
	cells = xcalloc(r->nranges * 4 + 1, sizeof(*cells));
	for (size_t i = 0; i < r->nranges; i++) {
		cells[i * 4] = hex(r->ranges[i].start);
		cells[i * 4 + 1] = hex(r->ranges[i].end);
		cells[i * 4 + 2] = xstrdup(format_bytes(r->ranges[i].end - r->ranges[i].start + 1, sz, sizeof(sz)));
		cells[i * 4 + 3] = xstrdup(r->ranges[i].name ? r->ranges[i].name : "-");
	}
	if (print_table(map_cols, 4, cells, r->nranges, width) < 0)
		return -1;

	printf("\nReserved regions of group %d:\n", r->group);
	if (!r->nresv) {
		printf("  none\n");
	} else {
		size_t ncols = r->has_guest ? 6 : 5;
		cells = xcalloc(r->nresv * ncols + 1, sizeof(*cells));
		for (size_t i = 0; i < r->nresv; i++) {
			const struct map_resv *v = &r->resv[i];
			cells[i * ncols] = hex(v->region->start);
			cells[i * ncols + 1] = hex(v->region->end);
			cells[i * ncols + 2] = xstrdup(v->region->type);
			cells[i * ncols + 3] = xstrdup(v->excluded ? "excluded" : "kept");
			cells[i * ncols + 4] = xstrdup(v->hit ? "yes" : "no");
			if (r->has_guest)
				cells[i * ncols + 5] = xstrdup(v->where);
		}
		if (print_table(resv_cols, ncols, cells, r->nresv, width) < 0)
			return -1;
	}

	if (!r->nconflicts) {
		printf("\nNo conflict: every mapping fits group %d.\n", r->group);
	} else {
		printf("\n%zu conflict%s:\n", r->nconflicts, r->nconflicts == 1 ? "" : "s");
		for (size_t i = 0; i < r->nconflicts; i++) {
			const struct map_conflict *c = &r->conflicts[i];
			text = xasprintf("0x%llx-0x%llx %s: %s", (unsigned long long)c->start, (unsigned long long)c->end,
					 map_conflict_kind_id(c->kind), c->message);
			print_field("  -", 4, text, width);
			free(text);
		}
	}
	if (r->notes.n) {
		printf("\nNotes:\n");
		for (size_t i = 0; i < r->notes.n; i++)
			print_field("  -", 4, r->notes.v[i], width);
	}
	return ferror(stdout) ? -1 : 0;
}

static json_t *json_span(uint64_t start, uint64_t end)
{
	return json_pack("{s:o, s:o}", "start", json_addr(start), "end", json_addr(end));
}

int json_print_mapcheck(const struct snapshot *s, const struct mapcheck_report *r, const char *names_warning,
			bool pretty)
{
	const struct iommu_group *g = snapshot_find_group(s, r->group);
	json_t *doc = json_object(), *a;
	json_object_set_new(doc, "schema_version", json_integer(IOMMUCTL_SCHEMA_VERSION));
	json_object_set_new(doc, "group", json_integer(r->group));
	a = json_array();
	for (size_t i = 0; g && i < g->ndev; i++)
		json_array_append_new(a, json_string(s->dev[g->dev[i]].bdf));
	json_object_set_new(doc, "devices", a);
	json_object_set_new(doc, "iommu_unit", json_str_or_null(r->unit));
	json_object_set_new(doc, "iommu_driver", json_str_or_null(r->driver));
	json_object_set_new(doc, "aperture",
			    json_pack("{s:o, s:o, s:o, s:s}", "start", r->aperture_known ? json_addr(0) : json_null(), "end",
				      r->aperture_known ? json_addr(r->aperture_end) : json_null(), "address_bits",
				      json_int_if(r->aperture_known, r->address_bits), "source", r->aperture_why));
	a = json_array();
	for (unsigned bit = 0; bit < 63; bit++)
		if (r->pgsize_bitmap >> bit & 1)
			json_array_append_new(a, json_integer((json_int_t)(1ll << bit)));
	json_object_set_new(doc, "page_sizes", a);
	json_object_set_new(doc, "page_sizes_source", json_string(r->pgsize_why));
	json_object_set_new(doc, "dma_entry_limit", json_integer(r->entry_limit));
	json_object_set_new(doc, "dma_entry_limit_default", json_boolean(r->entry_limit_default));
	if (r->has_guest) {
		const struct guest_layout *l = &r->guest;
		json_object_set_new(doc, "guest",
				    json_pack("{s:s, s:o, s:o, s:o, s:o, s:b, s:o}", "machine", guest_machine_id(l->machine),
					      "ram", json_hex_size(l->ram), "below_4g", json_hex_size(l->below_4g), "above_4g",
					      json_hex_size(l->above_4g), "above_4g_start", json_addr(l->above_4g_start),
					      "relocated_above_1tib", l->relocated, "pci_hole",
					      json_span(l->pci_hole_start, l->pci_hole_end)));
	} else {
		json_object_set_new(doc, "guest", json_null());
	}
	a = json_array();
	for (size_t i = 0; i < r->nranges; i++)
		json_array_append_new(a, json_pack("{s:o, s:o, s:o, s:o}", "start", json_addr(r->ranges[i].start), "end",
						   json_addr(r->ranges[i].end), "size",
						   json_range_size(r->ranges[i].start, r->ranges[i].end), "region",
						   json_str_or_null(r->ranges[i].name)));
	json_object_set_new(doc, "mappings", a);
	if (r->aperture_known) {
		a = json_array();
		for (size_t i = 0; i < r->niova; i++)
			json_array_append_new(a, json_span(r->iova_ranges[i].start, r->iova_ranges[i].end));
		json_object_set_new(doc, "usable_iova_ranges", a);
	} else {
		json_object_set_new(doc, "usable_iova_ranges", json_null());
	}
	a = json_array();
	for (size_t i = 0; i < r->nresv; i++) {
		const struct map_resv *v = &r->resv[i];
		json_array_append_new(a, json_pack("{s:o, s:o, s:s, s:b, s:b, s:o}", "start", json_addr(v->region->start),
						   "end", json_addr(v->region->end), "type", v->region->type, "excluded",
						   v->excluded, "mapped", v->hit, "where", json_str_or_null(v->where)));
	}
	json_object_set_new(doc, "reserved_regions", a);
	a = json_array();
	for (size_t i = 0; i < r->nconflicts; i++) {
		const struct map_conflict *c = &r->conflicts[i];
		json_array_append_new(a, json_pack("{s:o, s:o, s:s, s:o, s:I, s:s}", "start", json_addr(c->start), "end",
						   json_addr(c->end), "kind", map_conflict_kind_id(c->kind), "message",
						   json_string_lossy(c->message), "mapping", (json_int_t)c->range,
						   "errno", map_errno_id(c->err)));
	}
	json_object_set_new(doc, "conflicts", a);
	a = json_array();
	for (size_t i = 0; i < r->notes.n; i++)
		json_array_append_new(a, json_string_lossy(r->notes.v[i]));
	json_object_set_new(doc, "notes", a);
	json_object_set_new(doc, "warnings", json_warnings(s, names_warning));
	return json_print(doc, pretty);
}
