/* render-json.c - the stable JSON documents (schema: man/iommuctl.schema.json).
 * Keys are snake_case identifiers, numbers are numbers, unknown is null;
 * changes are additive only. */
#define _GNU_SOURCE
#include "render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

json_t *json_str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *json_string_lossy(const char *s)
{
	json_t *j = json_string(s);
	if (!j) {
		/* not UTF-8 (a hostile or corrupt capture): bytes outside ASCII
		 * become '?' rather than losing the whole value */
		char *copy = xstrdup(s);
		for (char *p = copy; *p; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
		j = json_string(copy);
		free(copy);
	}
	return j;
}

json_t *json_int_if(bool known, long long v)
{
	return known ? json_integer(v) : json_null();
}

json_t *json_tri(int v)
{
	return v < 0 ? json_null() : json_boolean(v);
}

json_t *json_addr(uint64_t v)
{
	char b[24];
	snprintf(b, sizeof(b), "0x%016llx", (unsigned long long)v);
	return json_string(b);
}

json_t *json_addr_if(bool known, uint64_t v)
{
	return known ? json_addr(v) : json_null();
}

json_t *json_hex_size(uint64_t v)
{
	char b[24];
	snprintf(b, sizeof(b), "0x%llx", (unsigned long long)v);
	return json_string(b);
}

json_t *json_range_size(uint64_t start, uint64_t end)
{
	/* [0, 2^64-1] holds 2^64 bytes, one more than a uint64_t counts */
	return start == 0 && end == UINT64_MAX ? json_string("0x10000000000000000") : json_hex_size(end - start + 1);
}

static const char *dir_state(const struct source *src)
{
	if (src->err == -ENOENT)
		return "missing";
	if (src->err)
		return "unreadable";
	return src->entries ? "present" : "empty";
}

static json_t *json_iommu(const struct snapshot *s, const struct iommu_presence *p)
{
	json_t *o = json_object(), *units = json_array(), *opts = json_array();
	json_object_set_new(o, "present", json_boolean(p->present));
	for (size_t i = 0; i < s->nunit; i++) {
		const struct iommu_unit *u = &s->unit[i];
		json_t *devs = json_array();
		for (size_t j = 0; j < u->members.n; j++)
			json_array_append_new(devs, json_string(u->members.v[j]));
		json_array_append_new(units, json_pack("{s:s, s:o, s:o}", "name", u->name, "driver",
						       json_str_or_null(u->driver), "devices", devs));
	}
	json_object_set_new(o, "units", units);
	json_object_set_new(o, "iommu_groups_dir", json_string(dir_state(&s->iommu_groups)));
	json_object_set_new(o, "class_iommu_dir", json_string(dir_state(&s->class_iommu)));
	json_object_set_new(o, "noiommu_groups", json_integer((json_int_t)p->noiommu_groups));
	for (size_t i = 0; i < p->cmdline_options.n; i++)
		json_array_append_new(opts, json_string(p->cmdline_options.v[i]));
	json_object_set_new(o, "cmdline_options", opts);
	if (s->fw_tables_checked) {
		json_t *t = json_array();
		for (size_t i = 0; i < s->fw_tables.n; i++)
			json_array_append_new(t, json_string(s->fw_tables.v[i]));
		json_object_set_new(o, "firmware_tables", t);
	} else {
		json_object_set_new(o, "firmware_tables", json_null());
	}
	json_object_set_new(o, "message", json_str_or_null(p->present ? NULL : p->absent.message));
	json_object_set_new(o, "remedy", json_str_or_null(p->present ? NULL : p->absent.remedy));
	return o;
}

static json_t *json_device(const struct snapshot *s, const struct pci_device *d)
{
	json_t *o = json_object();
	bool id = d->ident_known;
	json_object_set_new(o, "bdf", json_string(d->bdf));
	json_object_set_new(o, "sysfs_name", json_string(d->bdf));
	json_object_set_new(o, "sysfs_bus", json_string("pci"));
	json_object_set_new(o, "domain", json_integer(d->addr.domain));
	json_object_set_new(o, "bus", json_integer(d->addr.bus));
	json_object_set_new(o, "slot", json_integer(d->addr.dev));
	json_object_set_new(o, "function", json_integer(d->addr.fn));
	json_object_set_new(o, "vendor_id", json_int_if(id, d->ident.vendor_id));
	json_object_set_new(o, "device_id", json_int_if(id, d->ident.device_id));
	json_object_set_new(o, "subsystem_vendor_id", json_int_if(d->ident.has_subsys, d->ident.subsys_vendor_id));
	json_object_set_new(o, "subsystem_device_id", json_int_if(d->ident.has_subsys, d->ident.subsys_device_id));
	json_object_set_new(o, "class", json_int_if(d->class_known, d->ident.class_code));
	json_object_set_new(o, "revision", json_int_if(d->revision_known, d->ident.revision));
	json_object_set_new(o, "vendor_name", json_str_or_null(d->vendor_name));
	json_object_set_new(o, "device_name", json_str_or_null(d->device_name));
	json_object_set_new(o, "class_name", json_str_or_null(d->class_name));
	json_object_set_new(o, "driver", json_str_or_null(d->driver));
	json_object_set_new(o, "iommu_group", d->group >= 0 ? json_integer(d->group) : json_null());
	json_object_set_new(o, "iommu_unit", json_str_or_null(d->unit >= 0 ? s->unit[d->unit].name : NULL));
	return o;
}

/* A group member that is not a PCI function: the same keys, mostly null. */
static json_t *json_other_member(const struct iommu_group *g, size_t j)
{
	const char *name = g->other.v[j], *bus = j < g->other_bus.n ? g->other_bus.v[j] : "";
	static const char *const nulls[] = {"domain", "bus", "slot", "function", "vendor_id", "device_id",
					    "subsystem_vendor_id", "subsystem_device_id", "class", "revision",
					    "vendor_name", "device_name", "class_name", "driver", "iommu_unit"};
	json_t *o = json_object();
	json_object_set_new(o, "bdf", json_null());
	json_object_set_new(o, "sysfs_name", json_string(name));
	json_object_set_new(o, "sysfs_bus", *bus ? json_string(bus) : json_null());
	for (size_t i = 0; i < ARRAY_SIZE(nulls); i++)
		json_object_set_new(o, nulls[i], json_null());
	json_object_set_new(o, "iommu_group", json_integer(g->id));
	return o;
}

static json_t *json_resv(const struct iommu_group *g)
{
	json_t *a;
	if (!g->resv_known && !g->nresv)
		return json_null();
	a = json_array();
	for (size_t i = 0; i < g->nresv; i++)
		json_array_append_new(a, json_pack("{s:o, s:o, s:s}", "start", json_addr(g->resv[i].start), "end",
						   json_addr(g->resv[i].end), "type", g->resv[i].type));
	return a;
}

json_t *json_warnings(const struct snapshot *s, const char *names_warning)
{
	json_t *a = json_array();
	for (size_t i = 0; i < s->nissues; i++) {
		const struct load_issue *is = &s->issues[i];
		char *m = issue_message(is);
		json_t *w = json_pack("{s:s, s:s}", "path", is->path, "message", m);
		if (is->fact) {
			/* a snapshot built from an lspci dump: what the
			 * conclusions rest on that iommuctl worked out or
			 * could not know */
			json_t *fns = json_array();
			for (size_t k = 0; k < is->functions.n; k++)
				json_array_append_new(fns, json_string(is->functions.v[k]));
			json_object_set_new(w, "synthesised",
					    json_pack("{s:s, s:s, s:o}", "fact", is->fact, "source",
						      prov_source_name(is->source), "functions", fns));
		}
		json_array_append_new(a, w);
		free(m);
	}
	if (names_warning)
		json_array_append_new(a, json_pack("{s:n, s:s}", "path", "message", names_warning));
	return a;
}

/* ---- streaming --------------------------------------------------------------
 * A host with tens of thousands of functions would need one jansson object per
 * key of every device at once: the documents with long arrays are written a
 * member at a time instead, each member built, dumped and freed, in exactly
 * the layout json_dumpf() gives a whole document (JSON_PRESERVE_ORDER, with
 * JSON_INDENT(2) or JSON_COMPACT). */

struct jstream {
	FILE *f;
	bool pretty;
	bool first_key;
	bool first_item;
	int err;
};

/* Dumps V (consumed) with each line after the first indented by INDENT. */
static void js_value(struct jstream *js, json_t *v, int indent)
{
	size_t flags = JSON_PRESERVE_ORDER | JSON_ENCODE_ANY | (js->pretty ? JSON_INDENT(2) : JSON_COMPACT);
	char *text = json_dumps(v, flags);
	json_decref(v);
	if (!text) {
		js->err = -1;
		return;
	}
	for (const char *p = text, *nl; *p; p = nl) {
		nl = js->pretty ? strchr(p, '\n') : NULL;
		nl = nl ? nl + 1 : p + strlen(p);
		if (fwrite(p, 1, (size_t)(nl - p), js->f) != (size_t)(nl - p))
			js->err = -1;
		if (nl[-1] == '\n')
			fprintf(js->f, "%*s", indent, "");
	}
	free(text);
}

static void js_begin(struct jstream *js, FILE *f, bool pretty)
{
	js->f = f;
	js->pretty = pretty;
	js->first_key = true;
	js->err = 0;
	fputc('{', f);
}

static void js_key(struct jstream *js, const char *key)
{
	fprintf(js->f, "%s%s\"%s\":%s", js->first_key ? "" : ",", js->pretty ? "\n  " : "", key, js->pretty ? " " : "");
	js->first_key = false;
}

static void js_field(struct jstream *js, const char *key, json_t *v)
{
	js_key(js, key);
	js_value(js, v, 2);
}

static void js_array_begin(struct jstream *js, const char *key)
{
	js_key(js, key);
	fputc('[', js->f);
	js->first_item = true;
}

static void js_array_item(struct jstream *js, json_t *v)
{
	fprintf(js->f, "%s%s", js->first_item ? "" : ",", js->pretty ? "\n    " : "");
	js->first_item = false;
	js_value(js, v, 4);
}

static void js_array_end(struct jstream *js)
{
	fputs(js->pretty && !js->first_item ? "\n  ]" : "]", js->f);
}

static int js_end(struct jstream *js)
{
	fputs(js->pretty ? "\n}\n" : "}\n", js->f);
	return js->err || ferror(js->f) ? -1 : 0;
}

static json_t *json_why(const struct group_why *w)
{
	json_t *codes;
	if (!w || !w->summary)
		return json_null();
	codes = json_array();
	for (size_t i = 0; i < w->codes.n; i++)
		json_array_append_new(codes, json_string(w->codes.v[i]));
	return json_pack("{s:o, s:s}", "codes", codes, "summary", w->summary);
}

static json_t *json_group(const struct snapshot *s, const struct iommu_group *g)
{
	json_t *o = json_object(), *devs = json_array();
	json_object_set_new(o, "id", json_integer(g->id));
	json_object_set_new(o, "type", json_str_or_null(g->type));
	json_object_set_new(o, "name", json_str_or_null(g->name));
	json_object_set_new(o, "device_count", json_integer((json_int_t)group_member_count(g)));
	json_object_set_new(o, "reserved_regions", json_resv(g));
	for (size_t j = 0; j < g->ndev; j++)
		json_array_append_new(devs, json_device(s, &s->dev[g->dev[j]]));
	for (size_t j = 0; j < g->other.n; j++)
		json_array_append_new(devs, json_other_member(g, j));
	json_object_set_new(o, "devices", devs);
	return o;
}

/* A document whose one long array, KEY, has N members made by ITEM (those
 * SHOWN keeps). */
static int print_list_doc(const struct list_view *v, bool pretty, const char *key, size_t n,
			  json_t *(*item)(const struct list_view *, size_t), bool (*shown)(const struct list_view *, size_t))
{
	struct jstream js;
	js_begin(&js, stdout, pretty);
	js_field(&js, "schema_version", json_integer(IOMMUCTL_SCHEMA_VERSION));
	if (v->predicted) {
		js_field(&js, "predicted", json_true());
		js_field(&js, "acs_rule", json_acs_rule(v->acs_rule));
	}
	js_field(&js, "iommu", json_iommu(v->s, v->presence));
	js_array_begin(&js, key);
	for (size_t i = 0; i < n && !js.err; i++)
		if (shown(v, i))
			js_array_item(&js, item(v, i));
	js_array_end(&js);
	js_field(&js, "warnings", json_warnings(v->s, v->names_warning));
	return js_end(&js);
}

static json_t *group_item(const struct list_view *v, size_t i)
{
	json_t *o = json_group(v->s, &v->s->grp[i]);
	if (v->why)
		json_object_set_new(o, "why", json_why(&v->why[i]));
	return o;
}

/* The PCI functions, then the groups' members that are not PCI functions
 * (a member named like one that is not among them is a function that went
 * away, which the warnings report; groups still count it). */
static json_t *device_item(const struct list_view *v, size_t i)
{
	const struct snapshot *s = v->s;
	if (i < s->ndev)
		return json_device(s, &s->dev[i]);
	i -= s->ndev;
	for (size_t g = 0; g < s->ngrp; g++)
		for (size_t j = 0; j < s->grp[g].other.n; j++)
			if (!pci_is_bdf(s->grp[g].other.v[j]) && i-- == 0)
				return json_other_member(&s->grp[g], j);
	return json_null();
}

static size_t other_members(const struct snapshot *s)
{
	size_t n = 0;
	for (size_t g = 0; g < s->ngrp; g++)
		for (size_t j = 0; j < s->grp[g].other.n; j++)
			n += !pci_is_bdf(s->grp[g].other.v[j]);
	return n;
}

static bool group_selected(const struct list_view *v, size_t i)
{
	return list_group_shown(v, &v->s->grp[i]);
}

/* (the members that are not PCI functions: only when nothing is selected) */
static bool device_selected(const struct list_view *v, size_t i)
{
	return !v->selected || (i < v->s->ndev && v->selected[i]);
}

int json_print_groups(const struct list_view *v, bool pretty)
{
	return print_list_doc(v, pretty, "groups", v->s->ngrp, group_item, group_selected);
}

int json_print_devices(const struct list_view *v, bool pretty)
{
	return print_list_doc(v, pretty, "devices", v->s->ndev + other_members(v->s), device_item, device_selected);
}

/* ---- topology ------------------------------------------------------------------ */

static json_t *acs_flags_json(uint16_t bits, bool codes)
{
	json_t *a = json_array();
	for (unsigned bit = 0; bit < 7; bit++)
		if (bits & (1u << bit))
			json_array_append_new(a, json_string(codes ? pci_acs_bit_code(bit) : pci_acs_bit_name(bit)));
	return a;
}

static const char *rule_id(enum acs_rule r)
{
	static const char *const ids[] = {
		[ACS_RULE_UNKNOWN] = NULL,
		[ACS_RULE_QUIRK] = "quirk",
		[ACS_RULE_OVERRIDE] = "acs_override",
		[ACS_RULE_NOT_PCIE] = "not_pcie",
		[ACS_RULE_BRIDGE_TYPE] = "bridge_type",
		[ACS_RULE_NO_CAP] = "no_acs_capability",
		[ACS_RULE_FLAGS_MISSING] = "acs_controls_missing",
		[ACS_RULE_FLAGS_OK] = "acs_enabled",
		[ACS_RULE_SINGLE_FUNCTION] = "single_function",
		[ACS_RULE_OTHER_TYPE] = "port_type",
	};
	return ids[r];
}

static json_t *json_acs(const struct isolation *iso, size_t i)
{
	const struct pci_device *d = &iso->s->dev[i];
	const struct acs_verdict *v = &iso->acs[i];
	bool known = d->caps.known, has = known && d->caps.acs_off;
	json_t *o = json_object();
	json_object_set_new(o, "present", known ? json_boolean(d->caps.acs_off != 0) : json_null());
	json_object_set_new(o, "cap", has ? json_integer(d->caps.acs_cap) : json_null());
	json_object_set_new(o, "ctl", has ? json_integer(d->caps.acs_ctl) : json_null());
	json_object_set_new(o, "cap_flags", has ? acs_flags_json(d->caps.acs_cap, false) : json_null());
	json_object_set_new(o, "ctl_flags", has ? acs_flags_json(d->caps.acs_ctl, false) : json_null());
	json_object_set_new(o, "missing",
			    v->rule == ACS_RULE_FLAGS_MISSING ? acs_flags_json(v->missing, true)
			    : v->rule == ACS_RULE_NO_CAP	 ? acs_flags_json(PCI_ACS_REQUIRED, true)
			    : known				 ? json_array() : json_null());
	json_object_set_new(o, "isolated", v->isolated == TRI_UNKNOWN ? json_null() : json_boolean(v->isolated == TRI_YES));
	json_object_set_new(o, "rule", json_str_or_null(rule_id(v->rule)));
	json_object_set_new(o, "quirk", json_str_or_null(v->quirk));
	return o;
}

struct topo_ctx {
	const struct isolation *iso;
	const bool *shown;
	struct pci_tree tree;
};

static json_t *topology_node(const struct topo_ctx *t, size_t i);

static json_t *topology_children(const struct topo_ctx *t, int up, int host)
{
	const struct snapshot *s = t->iso->s;
	json_t *a = json_array();
	size_t n;
	const int *k = pci_tree_children(&t->tree, up, &n);
	for (size_t c = 0; c < n; c++)
		if ((up >= 0 || s->dev[k[c]].host_bridge == host) && (!t->shown || t->shown[k[c]]))
			json_array_append_new(a, topology_node(t, (size_t)k[c]));
	return a;
}

static json_t *topology_node(const struct topo_ctx *t, size_t i)
{
	const struct isolation *iso = t->iso;
	const struct pci_device *d = &iso->s->dev[i];
	json_t *o = json_device(iso->s, d);
	bool known = d->caps.known;
	json_object_set_new(o, "port_type", json_str_or_null(known && d->caps.pcie ? pcie_type_id(d->caps.pcie_type) : NULL));
	json_object_set_new(o, "pcie", known ? json_boolean(d->caps.pcie) : json_null());
	json_object_set_new(o, "multifunction", d->ident_known ? json_boolean(kernel_multifunction(d)) : json_null());
	json_object_set_new(o, "virtfn", json_boolean(d->virtfn));
	json_object_set_new(o, "acs", json_acs(iso, i));
	json_object_set_new(o, "children", topology_children(t, (int)i, d->host_bridge));
	return o;
}

int json_print_topology(const struct snapshot *s, const struct isolation *iso, const bool *shown, bool predicted,
			const char *names_warning, bool pretty)
{
	struct jstream js;
	struct topo_ctx t = {.iso = iso, .shown = shown};
	pci_tree_build(s, &t.tree);
	js_begin(&js, stdout, pretty);
	js_field(&js, "schema_version", json_integer(IOMMUCTL_SCHEMA_VERSION));
	js_field(&js, "predicted", json_boolean(predicted));
	js_array_begin(&js, "topology");
	for (size_t h = 0; h < s->host_bridges.n && !js.err; h++) {
		unsigned dom = 0, bus = 0;
		json_t *o;
		bool parsed = sscanf(s->host_bridges.v[h], "pci%x:%x", &dom, &bus) == 2;
		if (!topology_host_shown(s, shown, (int)h))
			continue;
		o = json_object();
		json_object_set_new(o, "host_bridge", json_string(s->host_bridges.v[h]));
		json_object_set_new(o, "domain", parsed ? json_integer(dom) : json_null());
		json_object_set_new(o, "bus", parsed ? json_integer(bus) : json_null());
		json_object_set_new(o, "children", topology_children(&t, -1, (int)h));
		js_array_item(&js, o);
	}
	js_array_end(&js);
	js_array_begin(&js, "unplaced");
	for (size_t i = 0; i < s->ndev && !js.err; i++)
		if (!s->dev[i].topology_known && (!shown || shown[i]))
			js_array_item(&js, topology_node(&t, i));
	js_array_end(&js);
	js_field(&js, "warnings", json_warnings(s, names_warning));
	pci_tree_release(&t.tree);
	return js_end(&js);
}

/* ---- explain ------------------------------------------------------------------------ */

static json_t *bdf_list(const struct snapshot *s, const size_t *idx, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(s->dev[idx[i]].bdf));
	return a;
}

static json_t *json_explanation(const struct explain_view *v, const struct explanation *e)
{
	const struct snapshot *s = v->s;
	json_t *o = json_object(), *reasons = json_array(), *remedies = json_array();
	char *sentence = explanation_sentence(s, e);
	json_object_set_new(o, "group", json_integer(e->group));
	json_object_set_new(o, "devices", bdf_list(s, e->members, e->nmembers));
	json_object_set_new(o, "model_agrees", json_boolean(e->model_agrees));
	json_object_set_new(o, "summary", json_string(sentence));
	free(sentence);
	for (size_t i = 0; i < e->nreasons; i++) {
		const struct reason *r = &e->reasons[i];
		json_array_append_new(reasons, json_pack("{s:s, s:o, s:o, s:o, s:s}", "code", r->code, "subject",
							 r->subject >= 0 ? json_string(s->dev[r->subject].bdf) : json_null(),
							 "devices", bdf_list(s, r->devs, r->ndevs), "missing",
							 acs_flags_json(r->missing, true), "message", r->message));
	}
	json_object_set_new(o, "reasons", reasons);
	for (size_t i = 0; i < e->nremedies; i++)
		json_array_append_new(remedies, json_pack("{s:s, s:s}", "code", e->remedies[i].code, "message",
							  e->remedies[i].message));
	json_object_set_new(o, "remedies", remedies);
	if (e->override_present)
		json_object_set_new(o, "acs_override",
				    json_pack("{s:o, s:o, s:o}", "active",
					      e->override_active == TRI_UNKNOWN ? json_null()
										: json_boolean(e->override_active == TRI_YES),
					      "claims", bdf_list(s, e->override_claims, e->noverride_claims), "message",
					      json_str_or_null(e->override_message)));
	else
		json_object_set_new(o, "acs_override", json_null());
	return o;
}

json_t *json_acs_rule(const struct acs_request *r)
{
	if (!r || !r->code)
		return json_null();
	return json_pack("{s:s, s:b, s:b, s:s}", "code", r->code, "requested", r->requested, "certain", r->certain,
			 "message", r->message ? r->message : "");
}

int json_print_explain(const struct explain_view *v, bool pretty)
{
	struct jstream js;
	js_begin(&js, stdout, pretty);
	js_field(&js, "schema_version", json_integer(IOMMUCTL_SCHEMA_VERSION));
	js_field(&js, "predicted", json_boolean(v->predicted));
	js_field(&js, "acs_rule", json_acs_rule(v->predicted ? &v->iso->acs_req : NULL));
	js_array_begin(&js, "explanations");
	for (size_t i = 0; i < v->nex && !js.err; i++)
		js_array_item(&js, json_explanation(v, &v->ex[i]));
	js_array_end(&js);
	js_field(&js, "warnings", json_warnings(v->s, v->names_warning));
	return js_end(&js);
}

json_t *json_error_doc(const char *message, int exit_status)
{
	json_t *doc = json_object();
	json_object_set_new(doc, "schema_version", json_integer(IOMMUCTL_SCHEMA_VERSION));
	json_object_set_new(doc, "error", json_pack("{s:s, s:i}", "message", message, "exit_status", exit_status));
	return doc;
}

/* ---- check-vfio ------------------------------------------------------------------ */

static json_t *json_finding(const struct finding *f)
{
	return json_pack("{s:s, s:s, s:o, s:s, s:o}", "code", f->code, "severity", severity_name(f->severity), "subject",
			 json_str_or_null(f->subject), "message", f->message, "remedy", json_str_or_null(f->remedy));
}

static json_t *json_vfio_check(const struct snapshot *s, const struct vfio_check *c)
{
	const struct pci_device *d = &s->dev[c->dev];
	json_t *o = json_object(), *a = json_array(), *reset = json_object(), *methods = json_null();
	json_object_set_new(o, "bdf", json_string(d->bdf));
	json_object_set_new(o, "driver", json_str_or_null(d->driver));
	json_object_set_new(o, "group", c->group >= 0 ? json_integer(c->group) : json_null());
	json_object_set_new(o, "verdict", json_string(vfio_verdict_id(c->verdict)));
	json_object_set_new(o, "blocked_by_unknowns", json_boolean(c->blocked_by_unknowns));
	json_object_set_new(o, "group_viable", c->group >= 0 ? json_boolean(c->group_viable) : json_null());
	for (size_t i = 0; i < c->nfindings; i++)
		json_array_append_new(a, json_finding(&c->findings[i]));
	json_object_set_new(o, "findings", a);
	a = json_array();
	for (size_t i = 0; i < c->nsteps; i++)
		json_array_append_new(a, json_pack("{s:s, s:o, s:s}", "command", c->steps[i].command, "subject",
						   json_str_or_null(c->steps[i].subject >= 0 ? s->dev[c->steps[i].subject].bdf
											 : NULL),
						   "purpose", c->steps[i].purpose));
	json_object_set_new(o, "steps", a);
	a = json_array();
	for (size_t i = 0; i < c->persistent.n; i++)
		json_array_append_new(a, json_string(c->persistent.v[i]));
	json_object_set_new(o, "persistent_steps", a);
	if (c->reset_method) {
		struct strvec words;
		strvec_init(&words);
		cmdline_split(c->reset_method, &words);
		methods = json_array();
		for (size_t i = 0; i < words.n; i++)
			json_array_append_new(methods, json_string(words.v[i]));
		strvec_release(&words);
	}
	json_object_set_new(reset, "methods", methods);
	json_object_set_new(reset, "flr", c->flr_known ? json_boolean(c->flr) : json_null());
	json_object_set_new(reset, "bus_reset_also",
			    c->bus_reset_known ? bdf_list(s, c->bus_reset_also, c->nbus_reset_also) : json_null());
	json_object_set_new(o, "reset", reset);
	return o;
}

int json_print_check_vfio(const struct vfio_view *v, bool pretty, struct vfio_tally *tally)
{
	struct jstream js;
	memset(tally, 0, sizeof(*tally));
	js_begin(&js, stdout, pretty);
	js_field(&js, "schema_version", json_integer(IOMMUCTL_SCHEMA_VERSION));
	js_array_begin(&js, "devices");
	for (size_t i = 0; i < v->n && !js.err; i++) {
		struct vfio_check c;
		v->check(v, i, &c);
		vfio_tally_add(tally, c.verdict);
		js_array_item(&js, json_vfio_check(v->s, &c));
		vfio_check_release(&c);
	}
	js_array_end(&js);
	js_field(&js, "summary", json_pack("{s:I, s:I, s:I}", "viable", (json_int_t)tally->viable, "viable_after_steps",
					   (json_int_t)tally->after_steps, "not_viable", (json_int_t)tally->not_viable));
	js_field(&js, "warnings", json_warnings(v->s, v->names_warning));
	return js_end(&js);
}

int json_print(json_t *doc, bool pretty)
{
	return json_print_real(doc, pretty, 0);
}

int json_print_real(json_t *doc, bool pretty, int precision)
{
	size_t flags = JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(precision) | (pretty ? JSON_INDENT(2) : JSON_COMPACT);
	int rc = json_dumpf(doc, stdout, flags);
	json_decref(doc);
	if (rc == 0 && fputc('\n', stdout) == EOF)
		rc = -1;
	return rc;
}
