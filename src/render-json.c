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

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *u64_json(uint64_t v)
{
	/* jansson integers are signed 64-bit; beyond that, a JSON number
	 * still, but written as a real. */
	if (v > (uint64_t)INT64_MAX)
		return json_real((double)v);
	return json_integer((json_int_t)v);
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
						       str_or_null(u->driver), "devices", devs));
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
	json_object_set_new(o, "message", str_or_null(p->present ? NULL : p->absent.message));
	json_object_set_new(o, "remedy", str_or_null(p->present ? NULL : p->absent.remedy));
	return o;
}

static json_t *int_if(bool known, long long v)
{
	return known ? json_integer(v) : json_null();
}

static json_t *json_device(const struct snapshot *s, const struct pci_device *d)
{
	json_t *o = json_object();
	bool id = d->ident_known;
	json_object_set_new(o, "bdf", json_string(d->bdf));
	json_object_set_new(o, "sysfs_name", json_string(d->bdf));
	json_object_set_new(o, "domain", json_integer(d->addr.domain));
	json_object_set_new(o, "bus", json_integer(d->addr.bus));
	json_object_set_new(o, "slot", json_integer(d->addr.dev));
	json_object_set_new(o, "function", json_integer(d->addr.fn));
	json_object_set_new(o, "vendor_id", int_if(id, d->ident.vendor_id));
	json_object_set_new(o, "device_id", int_if(id, d->ident.device_id));
	json_object_set_new(o, "subsystem_vendor_id", int_if(d->ident.has_subsys, d->ident.subsys_vendor_id));
	json_object_set_new(o, "subsystem_device_id", int_if(d->ident.has_subsys, d->ident.subsys_device_id));
	json_object_set_new(o, "class", int_if(d->class_known, d->ident.class_code));
	json_object_set_new(o, "revision", int_if(d->revision_known, d->ident.revision));
	json_object_set_new(o, "vendor_name", str_or_null(d->vendor_name));
	json_object_set_new(o, "device_name", str_or_null(d->device_name));
	json_object_set_new(o, "class_name", str_or_null(d->class_name));
	json_object_set_new(o, "driver", str_or_null(d->driver));
	json_object_set_new(o, "iommu_group", d->group >= 0 ? json_integer(d->group) : json_null());
	json_object_set_new(o, "iommu_unit", str_or_null(d->unit >= 0 ? s->unit[d->unit].name : NULL));
	return o;
}

/* A group member that is not a PCI function: the same keys, mostly null. */
static json_t *json_other_member(const char *name, int group)
{
	static const char *const nulls[] = {"domain", "bus", "slot", "function", "vendor_id", "device_id",
					    "subsystem_vendor_id", "subsystem_device_id", "class", "revision",
					    "vendor_name", "device_name", "class_name", "driver", "iommu_unit"};
	json_t *o = json_object();
	json_object_set_new(o, "bdf", json_null());
	json_object_set_new(o, "sysfs_name", json_string(name));
	for (size_t i = 0; i < ARRAY_SIZE(nulls); i++)
		json_object_set_new(o, nulls[i], json_null());
	json_object_set_new(o, "iommu_group", json_integer(group));
	return o;
}

static json_t *json_resv(const struct iommu_group *g)
{
	json_t *a;
	if (!g->resv_known && !g->nresv)
		return json_null();
	a = json_array();
	for (size_t i = 0; i < g->nresv; i++)
		json_array_append_new(a, json_pack("{s:o, s:o, s:s}", "start", u64_json(g->resv[i].start), "end",
						   u64_json(g->resv[i].end), "type", g->resv[i].type));
	return a;
}

static json_t *json_warnings(const struct snapshot *s, const char *names_warning)
{
	json_t *a = json_array();
	for (size_t i = 0; i < s->nissues; i++) {
		char *m = issue_message(&s->issues[i]);
		json_array_append_new(a, json_pack("{s:s, s:s}", "path", s->issues[i].path, "message", m));
		free(m);
	}
	if (names_warning)
		json_array_append_new(a, json_pack("{s:n, s:s}", "path", "message", names_warning));
	return a;
}

static json_t *new_doc(void)
{
	json_t *doc = json_object();
	json_object_set_new(doc, "schema_version", json_integer(IOMMUCTL_SCHEMA_VERSION));
	return doc;
}

json_t *json_groups_doc(const struct snapshot *s, const struct iommu_presence *p, const char *names_warning)
{
	json_t *doc = new_doc(), *groups = json_array();
	json_object_set_new(doc, "iommu", json_iommu(s, p));
	for (size_t i = 0; i < s->ngrp; i++) {
		const struct iommu_group *g = &s->grp[i];
		json_t *o = json_object(), *devs = json_array();
		json_object_set_new(o, "id", json_integer(g->id));
		json_object_set_new(o, "type", str_or_null(g->type));
		json_object_set_new(o, "name", str_or_null(g->name));
		json_object_set_new(o, "device_count", json_integer((json_int_t)group_member_count(g)));
		json_object_set_new(o, "reserved_regions", json_resv(g));
		for (size_t j = 0; j < g->ndev; j++)
			json_array_append_new(devs, json_device(s, &s->dev[g->dev[j]]));
		for (size_t j = 0; j < g->other.n; j++)
			json_array_append_new(devs, json_other_member(g->other.v[j], g->id));
		json_object_set_new(o, "devices", devs);
		json_array_append_new(groups, o);
	}
	json_object_set_new(doc, "groups", groups);
	json_object_set_new(doc, "warnings", json_warnings(s, names_warning));
	return doc;
}

json_t *json_devices_doc(const struct snapshot *s, const struct iommu_presence *p, const char *names_warning)
{
	json_t *doc = new_doc(), *devs = json_array();
	json_object_set_new(doc, "iommu", json_iommu(s, p));
	for (size_t i = 0; i < s->ndev; i++)
		json_array_append_new(devs, json_device(s, &s->dev[i]));
	json_object_set_new(doc, "devices", devs);
	json_object_set_new(doc, "warnings", json_warnings(s, names_warning));
	return doc;
}

json_t *json_error_doc(const char *message, int exit_status)
{
	json_t *doc = new_doc();
	json_object_set_new(doc, "error", json_pack("{s:s, s:i}", "message", message, "exit_status", exit_status));
	return doc;
}

int json_print(json_t *doc, bool pretty)
{
	size_t flags = JSON_PRESERVE_ORDER | (pretty ? JSON_INDENT(2) : JSON_COMPACT);
	int rc = json_dumpf(doc, stdout, flags);
	json_decref(doc);
	if (rc == 0 && fputc('\n', stdout) == EOF)
		rc = -1;
	return rc;
}
