/* render-diff.c - `iommuctl diff` output: a line per change (its class, its
 * area and the sentence), a summary line; and the JSON document (schema:
 * man/iommuctl.schema.json, diff_document), both from the same report. */
#define _GNU_SOURCE
#include "diff.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

/* The widths of the CLASS and AREA fields ("improves", "cmdline"). */
#define CLASS_WIDTH 8
#define AREA_WIDTH 7

int render_diff_text(const struct diff_view *v, size_t width)
{
	const struct diff_report *r = v->r;
	char *line;
	for (size_t i = 0; i < r->n; i++) {
		const struct diff_change *c = &r->changes[i];
		char head[CLASS_WIDTH + AREA_WIDTH + 3];
		snprintf(head, sizeof(head), "%-*s %-*s ", CLASS_WIDTH, diff_class_id(c->cls), AREA_WIDTH,
			 diff_area_id(c->area));
		print_wrapped(stdout, head, NULL, c->message, width);
	}
	if (r->n)
		printf("\n");
	if (r->nrenumbered) {
		line = xasprintf("%zu group%s other numbers with the same members: a renumbering alone is not a change.",
				 r->nrenumbered, r->nrenumbered == 1 ? " has" : "s have");
		print_wrapped(stdout, "", NULL, line, width);
		free(line);
	}
	if (!r->n) {
		struct buf b;
		buf_init(&b);
		buf_appendf(&b, "No change");
		for (unsigned a = 0, first = 1; v->areas != DIFF_AREAS_ALL && a < DIFF_NAREAS; a++)
			if (v->areas & (1u << a)) {
				buf_appendf(&b, "%s%s", first ? " in " : ", ", diff_area_id((enum diff_area)a));
				first = 0;
			}
		buf_appendf(&b, ".");
		line = buf_steal(&b);
	} else {
		line = xasprintf("%zu change%s: %zu reducing isolation or breaking passthrough, %zu improving it, %zu "
				 "neutral.",
				 r->n, r->n == 1 ? "" : "s", r->count[DIFF_REDUCES], r->count[DIFF_IMPROVES],
				 r->count[DIFF_NEUTRAL]);
	}
	print_wrapped(stdout, "", NULL, line, width);
	free(line);
	return ferror(stdout) ? -1 : 0;
}

/* ---- JSON ------------------------------------------------------------------------------ */

static json_t *value_json(const struct diff_value *v)
{
	json_t *j;
	switch (v->type) {
	case DV_BOOL:
		return json_boolean(v->b);
	case DV_INT:
		return json_integer(v->i);
	case DV_STRING:
		return json_string_lossy(v->s);
	case DV_HEX:
		return json_addr(v->u);
	case DV_LIST:
		j = json_array();
		for (size_t i = 0; i < v->n; i++)
			json_array_append_new(j, value_json(&v->items[i]));
		return j;
	case DV_OBJECT:
		j = json_object();
		for (size_t i = 0; i < v->n; i++)
			json_object_set_new(j, v->items[i].key, value_json(&v->items[i]));
		return j;
	default:
		return json_null();
	}
}

static json_t *change_json(const struct diff_change *c)
{
	json_t *o = json_object(), *devs = json_array();
	json_object_set_new(o, "area", json_string(diff_area_id(c->area)));
	json_object_set_new(o, "kind", json_string(c->kind));
	json_object_set_new(o, "class", json_string(diff_class_id(c->cls)));
	json_object_set_new(o, "reason", json_string(c->reason));
	json_object_set_new(o, "subject", json_string_lossy(c->subject));
	for (size_t i = 0; i < c->devices.n; i++)
		json_array_append_new(devs, json_string_lossy(c->devices.v[i]));
	json_object_set_new(o, "devices", devs);
	json_object_set_new(o, "before", value_json(&c->before));
	json_object_set_new(o, "after", value_json(&c->after));
	json_object_set_new(o, "message", json_string_lossy(c->message));
	return o;
}

/* The warnings of one side, each with "side": "old" or "new". */
static void add_warnings(json_t *all, const struct snapshot *s, const char *names_warning, const char *side)
{
	json_t *w = json_warnings(s, names_warning), *x;
	size_t i;
	json_array_foreach (w, i, x) {
		json_object_set_new(x, "side", json_string(side));
		json_array_append(all, x);
	}
	json_decref(w);
}

int json_print_diff(const struct diff_view *v, bool pretty)
{
	const struct diff_report *r = v->r;
	json_t *doc = json_object(), *areas = json_array(), *changes = json_array(), *ren = json_array(),
	       *warnings = json_array();
	json_object_set_new(doc, "schema_version", json_integer(IOMMUCTL_SCHEMA_VERSION));
	json_object_set_new(doc, "old", json_string_lossy(v->old_name));
	json_object_set_new(doc, "new", json_string_lossy(v->new_name));
	for (unsigned a = 0; a < DIFF_NAREAS; a++)
		if (v->areas & (1u << a))
			json_array_append_new(areas, json_string(diff_area_id((enum diff_area)a)));
	json_object_set_new(doc, "areas", areas);
	for (size_t i = 0; i < r->n; i++)
		json_array_append_new(changes, change_json(&r->changes[i]));
	json_object_set_new(doc, "changes", changes);
	for (size_t i = 0; i < r->nrenumbered; i++)
		json_array_append_new(ren, json_pack("{s:i, s:i}", "before", r->renumbered[i].before, "after",
						     r->renumbered[i].after));
	json_object_set_new(doc, "renumbered_groups", ren);
	json_object_set_new(doc, "summary",
			    json_pack("{s:I, s:I, s:I}", "reduces", (json_int_t)r->count[DIFF_REDUCES], "improves",
				      (json_int_t)r->count[DIFF_IMPROVES], "neutral", (json_int_t)r->count[DIFF_NEUTRAL]));
	add_warnings(warnings, v->old_s, NULL, "old");
	add_warnings(warnings, v->new_s, v->names_warning, "new");
	json_object_set_new(doc, "warnings", warnings);
	return json_print(doc, pretty);
}
