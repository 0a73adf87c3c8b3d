/* render-status.c - `iommuctl status` output: a libsmartcols table (one
 * column table drives -o, --list-columns and the cells, as in the list
 * commands) and the JSON document (schema: man/iommuctl.schema.json,
 * status_document), both from the same status_report. */
#define _GNU_SOURCE
#include "status.h"

#include <errno.h>
#include <libsmartcols.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analysis.h"
#include "diag.h"
#include "render.h"

enum status_col { SCOL_STATE, SCOL_CHECK, SCOL_DETAIL, SCOL_REMEDY, SCOL_CODE, SCOL_SUBJECT };

static const struct column_info cols[] = {
	[SCOL_STATE] = {"STATE", 7, 0, 0, false,
			"PASS, WARN, FAIL, INFO (a fact) or UNKNOWN (what decides it could not be read)"},
	[SCOL_CHECK] = {"CHECK", 0.12, 0, 0, false, "what is checked (with the unit's name for an IOMMU unit)"},
	[SCOL_DETAIL] = {"DETAIL", 0.5, SCOLS_FL_WRAP, 0, false, "what is true, and why"},
	[SCOL_REMEDY] = {"REMEDY", 0.3, SCOLS_FL_WRAP, 0, false, "what to do about it (empty when nothing)"},
	[SCOL_CODE] = {"CODE", 0.1, 0, 0, false,
		       "the check's stable code, as in JSON (iommu_hardware, default_domain, ...)"},
	[SCOL_SUBJECT] = {"SUBJECT", 0.05, 0, 0, false, "the IOMMU unit a unit line is about"},
};

static const int defaults[] = {SCOL_STATE, SCOL_CHECK, SCOL_DETAIL, SCOL_REMEDY};

const struct column_table status_columns = {cols, ARRAY_SIZE(cols), 0, false, defaults, ARRAY_SIZE(defaults), NULL, 0};

static const char *state_label(enum status_state st)
{
	static const char *const labels[] = {"PASS", "WARN", "FAIL", "INFO", "UNKNOWN"};
	return labels[st];
}

static const char *state_color(enum status_state st)
{
	return st == STATUS_PASS ? "green" : st == STATUS_WARN ? "yellow" : st == STATUS_FAIL ? "red" : NULL;
}

static char *cell_text(const struct status_check *c, int col)
{
	switch (col) {
	case SCOL_STATE:
		return xstrdup(state_label(c->state));
	case SCOL_CHECK:
		return c->subject ? xasprintf("%s %s", c->title, c->subject) : xstrdup(c->title);
	case SCOL_DETAIL:
		return xstrdup(c->detail);
	case SCOL_REMEDY:
		return c->remedy ? xstrdup(c->remedy) : NULL;
	case SCOL_CODE:
		return xstrdup(c->code);
	default:
		return c->subject ? xstrdup(c->subject) : NULL;
	}
}

enum codes_which { ALL_CODES, CAN_FAIL, CANNOT_FAIL };

static bool code_wanted(const struct status_check *c, enum status_state st, enum codes_which which)
{
	return c->state == st && (which == ALL_CODES || status_check_can_fail(c->code) == (which == CAN_FAIL));
}

/* "iommu_hardware and iommu_driver": the codes in state ST (of the checks
 * that can fail, that cannot, or all); returns how many checks. */
static size_t codes_of(const struct status_report *r, enum status_state st, enum codes_which which, struct buf *b)
{
	size_t n = 0, total = 0;
	for (size_t i = 0; i < r->nchecks; i++)
		total += code_wanted(&r->checks[i], st, which);
	for (size_t i = 0; i < r->nchecks; i++) {
		const struct status_check *c = &r->checks[i];
		bool dup = false;
		if (!code_wanted(c, st, which))
			continue;
		for (size_t j = 0; j < i; j++)
			dup = dup || (code_wanted(&r->checks[j], st, which) && !strcmp(r->checks[j].code, c->code));
		n++;
		if (dup)
			continue;
		buf_appendf(b, "%s%s", n == 1 ? "" : n == total ? " and " : ", ", c->code);
	}
	return total;
}

/* The verdict under the table (broken at words for a terminal WIDTH). */
static void print_verdict(const struct status_report *r, size_t width)
{
	size_t counts[STATUS_UNKNOWN + 1] = {0};
	bool undecided = !r->failed && r->undecided; /* said first, then the other unknowns */
	struct buf b;
	for (size_t i = 0; i < r->nchecks; i++)
		counts[r->checks[i].state]++;
	buf_init(&b);
	if (counts[STATUS_FAIL]) {
		buf_appendf(&b, "%zu %s failed: ", counts[STATUS_FAIL], counts[STATUS_FAIL] == 1 ? "check" : "checks");
		codes_of(r, STATUS_FAIL, ALL_CODES, &b);
		buf_appendf(&b, ".");
	} else if (undecided) {
		size_t n;
		buf_appendf(&b, "No check failed, but ");
		n = codes_of(r, STATUS_UNKNOWN, CAN_FAIL, &b);
		buf_appendf(&b, ", which can fail, %s unknown (not in what could be read).", n == 1 ? "is" : "are");
		counts[STATUS_UNKNOWN] -= n;
	} else {
		buf_appendf(&b, "No check failed.");
	}
	if (counts[STATUS_WARN]) {
		buf_appendf(&b, " %s: ", counts[STATUS_WARN] == 1 ? "Warning" : "Warnings");
		codes_of(r, STATUS_WARN, ALL_CODES, &b);
		buf_appendf(&b, ".");
	}
	if (counts[STATUS_UNKNOWN]) {
		buf_appendf(&b, " %s (not in what could be read): ", undecided ? "Also unknown" : "Unknown");
		codes_of(r, STATUS_UNKNOWN, undecided ? CANNOT_FAIL : ALL_CODES, &b);
		buf_appendf(&b, ".");
	}
	putchar('\n');
	print_wrapped(stdout, "", "", b.data, width);
	buf_release(&b);
}

int render_status_text(const struct snapshot *s, const struct status_report *r, const struct list_options *o)
{
	int colv[64], ncol;
	char *why = NULL;
	struct libscols_table *tb;
	(void)s;

	ncol = columns_pick(&status_columns, o, colv, ARRAY_SIZE(colv), &why);
	if (ncol < 0) {
		free(why);
		return -1;
	}
	tb = table_new(o);
	if (!tb)
		return -1;
	for (int i = 0; i < ncol; i++)
		if (!scols_table_new_column(tb, cols[colv[i]].name, cols[colv[i]].whint, cols[colv[i]].flags))
			goto fail;
	for (size_t k = 0; k < r->nchecks; k++) {
		const struct status_check *c = &r->checks[k];
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		if (!ln)
			goto fail;
		for (int i = 0; i < ncol; i++) {
			char *cell = cell_text(c, colv[i]);
			if (cell && scols_line_refer_data(ln, (size_t)i, cell) != 0) {
				free(cell);
				goto fail;
			}
			if (colv[i] == SCOL_STATE && o->color && state_color(c->state))
				scols_cell_set_color(scols_line_get_cell(ln, (size_t)i), state_color(c->state));
		}
	}
	if (table_print(tb, o) < 0)
		return -1;
	if (!o->raw && !o->pairs && !o->noheadings)
		print_verdict(r, o->width);
	return ferror(stdout) ? -1 : 0;
fail:
	scols_unref_table(tb);
	return -1;
}


/* ---- JSON ------------------------------------------------------------------------- */

static json_t *strvec_json(const struct strvec *v)
{
	json_t *a = json_array();
	for (size_t i = 0; i < v->n; i++)
		json_array_append_new(a, json_string(v->v[i]));
	return a;
}

static json_t *json_checks(const struct status_report *r)
{
	json_t *a = json_array();
	for (size_t i = 0; i < r->nchecks; i++) {
		const struct status_check *c = &r->checks[i];
		json_t *o = json_object();
		json_object_set_new(o, "code", json_string(c->code));
		json_object_set_new(o, "state", json_string(status_state_id(c->state)));
		json_object_set_new(o, "title", json_string(c->title));
		json_object_set_new(o, "subject", json_str_or_null(c->subject));
		json_object_set_new(o, "detail", json_string(c->detail));
		json_object_set_new(o, "remedy", json_str_or_null(c->remedy));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *json_iommu_status(const struct snapshot *s, const struct status_report *r)
{
	json_t *o = json_object(), *drivers = json_array(), *types = json_object(), *ir = json_object();
	json_object_set_new(o, "present", json_boolean(r->present));
	for (size_t i = 0; i < r->drivers.n; i++)
		json_array_append_new(drivers, *r->drivers.v[i] ? json_string(r->drivers.v[i]) : json_null());
	json_object_set_new(o, "drivers", drivers);
	json_object_set_new(o, "firmware_tables", s->fw_acpi ? strvec_json(&s->fw_tables) : json_null());
	json_object_set_new(o, "kernel_release", json_str_or_null(s->host.kernel_release));
	json_object_set_new(o, "cmdline_options", s->cmdline ? strvec_json(&r->cmdline_options) : json_null());
	for (size_t i = 0; i < r->ntypes; i++)
		json_object_set_new(types, r->types[i].type, json_integer((json_int_t)r->types[i].groups));
	json_object_set_new(o, "group_types", types);
	json_object_set_new(o, "groups_type_unknown", json_integer((json_int_t)r->groups_untyped));
	json_object_set_new(o, "default_domain", json_str_or_null(r->default_domain));
	json_object_set_new(o, "default_domain_set_by", json_str_or_null(r->default_domain_by));
	json_object_set_new(o, "invalidation", json_str_or_null(r->invalidation));
	json_object_set_new(o, "invalidation_set_by", json_str_or_null(r->invalidation_by));
	json_object_set_new(ir, "active", json_tri(r->ir_active));
	json_object_set_new(ir, "supported", json_tri(r->ir_supported));
	json_object_set_new(ir, "disabled_by", json_str_or_null(r->ir_disabled_by));
	json_object_set_new(o, "interrupt_remapping", ir);
	return o;
}

static json_t *json_vfio_status(const struct snapshot *s, const struct status_report *r)
{
	const struct host_facts *h = &s->host;
	const struct vfio_nodes *v = &h->vfio;
	bool k = r->modules_known, dev = r->nodes_known && (!v->dir_err || v->dir_err == -ENOENT);
	json_t *o = json_object(), *mods = json_object();
	json_object_set_new(mods, "vfio", json_tri(r->vfio_loaded));
	json_object_set_new(mods, "vfio_pci", k ? json_boolean(h->params.vfio_pci_loaded) : json_null());
	json_object_set_new(mods, "vfio_iommu_type1", k ? json_boolean(h->params.type1_loaded) : json_null());
	json_object_set_new(mods, "iommufd", k ? json_boolean(h->params.iommufd_loaded) : json_null());
	json_object_set_new(o, "modules", mods);
	json_object_set_new(o, "container", dev && !strvec_contains(&v->unknown, "/dev/vfio/vfio")
						    ? json_boolean(v->container) : json_null());
	if (dev) {
		json_t *g = json_array(), *n = json_array();
		for (size_t i = 0; i < v->ngroups; i++)
			json_array_append_new(g, json_integer(v->groups[i]));
		for (size_t i = 0; i < v->nnoiommu; i++)
			json_array_append_new(n, json_integer(v->noiommu_groups[i]));
		json_object_set_new(o, "group_nodes", g);
		json_object_set_new(o, "noiommu_group_nodes", n);
		json_object_set_new(o, "device_cdevs", json_integer((json_int_t)v->cdevs));
	} else {
		json_object_set_new(o, "group_nodes", json_null());
		json_object_set_new(o, "noiommu_group_nodes", json_null());
		json_object_set_new(o, "device_cdevs", json_null());
	}
	json_object_set_new(o, "iommufd_node", r->nodes_known && !strvec_contains(&v->unknown, "/dev/iommu")
							? json_boolean(v->iommufd) : json_null());
	{
		json_t *u = json_array();
		for (size_t i = 0; i < v->unknown.n; i++)
			json_array_append_new(u, json_string_lossy(v->unknown.v[i]));
		json_object_set_new(o, "unknown_nodes", u);
	}
	json_object_set_new(o, "allow_unsafe_interrupts",
			    k ? json_tri(h->params.type1_allow_unsafe_interrupts) : json_null());
	json_object_set_new(o, "iommufd_allow_unsafe_interrupts",
			    k ? json_tri(h->params.iommufd_allow_unsafe_interrupts) : json_null());
	json_object_set_new(o, "noiommu_mode", k ? json_tri(h->params.noiommu_mode) : json_null());
	return o;
}

static json_t *json_intel(const struct intel_iommu_caps *k)
{
	json_t *o = json_object(), *w = json_array(), *l = json_array(), *sp = json_array();
	json_object_set_new(o, "mgaw", json_integer(k->mgaw));
	for (unsigned i = 0; i < k->nwidths; i++) {
		json_array_append_new(w, json_integer(k->widths[i]));
		json_array_append_new(l, json_integer(k->levels[i]));
	}
	json_object_set_new(o, "address_widths", w);
	json_object_set_new(o, "page_table_levels", l);
	if (k->super_2m)
		json_array_append_new(sp, json_string("2M"));
	if (k->super_1g)
		json_array_append_new(sp, json_string("1G"));
	json_object_set_new(o, "super_pages", sp);
	json_object_set_new(o, "domains", json_integer((json_int_t)k->domains));
#define B(key, field) json_object_set_new(o, key, json_boolean(k->field))
	B("caching_mode", caching_mode);
	B("interrupt_remapping", interrupt_remapping);
	B("x2apic", x2apic);
	B("pass_through", pass_through);
	B("snoop_control", snoop_control);
	B("queued_invalidation", queued_invalidation);
	B("device_tlb", device_tlb);
	B("coherent", coherent);
	B("nested", nested);
	B("scalable_mode", scalable_mode);
	B("first_stage", first_stage);
	B("second_stage", second_stage);
	B("first_stage_1g_pages", fl1gp);
	B("first_stage_5_level", fl5lp);
	B("posted_interrupts", posted_interrupts);
	B("pasid", pasid);
	B("page_requests", page_requests);
#undef B
	return o;
}

static json_t *json_amd(const struct amd_iommu_caps *k)
{
	json_t *o = json_object();
#define B(key, field) json_object_set_new(o, key, json_boolean(k->field))
	B("iotlb", iotlb);
	B("np_cache", np_cache);
	B("efr_supported", efr_supported);
	B("prefetch", prefetch);
	B("ppr", ppr);
	B("x2apic", x2apic);
	B("nx", nx);
	B("guest_translation", guest_translation);
	B("invalidate_all", invalidate_all);
	B("guest_apic", guest_apic);
	B("hardware_errors", hardware_errors);
	B("performance_counters", performance_counters);
	B("guest_apic_vapic", guest_apic_vapic);
	B("snp", snp);
#undef B
	json_object_set_new(o, "host_page_table_levels", k->host_levels ? json_integer(k->host_levels) : json_null());
	json_object_set_new(o, "guest_page_table_levels",
			    k->guest_translation && k->guest_levels ? json_integer(k->guest_levels) : json_null());
	return o;
}

static json_t *hex_json(uint64_t v)
{
	char t[24];
	snprintf(t, sizeof(t), "0x%llx", (unsigned long long)v);
	return json_string(t);
}

static json_t *json_units(const struct snapshot *s, const struct status_report *r)
{
	json_t *a = json_array();
	for (size_t i = 0; i < r->nunits; i++) {
		const struct status_unit *su = &r->units[i];
		const struct iommu_unit *u = &s->unit[su->index];
		json_t *o = json_object(), *regs = json_null();
		json_object_set_new(o, "name", json_string(u->name));
		json_object_set_new(o, "driver", json_str_or_null(u->driver));
		json_object_set_new(o, "device_count", json_integer((json_int_t)u->members.n));
		json_object_set_new(o, "version", json_str_or_null(u->version));
		if (su->intel)
			regs = json_pack("{s:o, s:o}", "cap", hex_json(u->cap), "ecap", hex_json(u->ecap));
		else if (su->amd)
			regs = json_pack("{s:o, s:o}", "cap", hex_json(u->cap), "features", hex_json(u->features));
		json_object_set_new(o, "registers", regs);
		json_object_set_new(o, "intel", su->intel ? json_intel(&su->intel_caps) : json_null());
		json_object_set_new(o, "amd", su->amd ? json_amd(&su->amd_caps) : json_null());
		json_array_append_new(a, o);
	}
	return a;
}

int json_print_status(const struct snapshot *s, const struct status_report *r, const char *names_warning, bool pretty)
{
	json_t *doc = json_object();
	json_object_set_new(doc, "schema_version", json_integer(IOMMUCTL_SCHEMA_VERSION));
	json_object_set_new(doc, "failed", json_boolean(r->failed));
	json_object_set_new(doc, "undecided", json_boolean(r->undecided));
	json_object_set_new(doc, "checks", json_checks(r));
	json_object_set_new(doc, "iommu", json_iommu_status(s, r));
	json_object_set_new(doc, "units", json_units(s, r));
	json_object_set_new(doc, "vfio", json_vfio_status(s, r));
	json_object_set_new(doc, "warnings", json_warnings(s, names_warning));
	return json_print(doc, pretty);
}

/* ---- Prometheus (node_exporter textfile collector) ------------------------------- */

static void status_metric_head(const char *name, const char *help)
{
	printf("# HELP iommuctl_status_%s %s\n# TYPE iommuctl_status_%s gauge\n", name, help, name);
}

/* A label value as the exposition format wants it: \\, \" and \n escaped. */
static void print_label(const char *v)
{
	putchar('"');
	for (const char *p = v ? v : ""; *p; p++) {
		if (*p == '\\' || *p == '"')
			printf("\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", stdout);
		else
			putchar(*p);
	}
	putchar('"');
}

int render_status_prometheus(const struct snapshot *s, const struct status_report *r)
{
	size_t counts[STATUS_UNKNOWN + 1] = {0};
	status_metric_head("check", "One series per check, labelled with its state; always 1.");
	for (size_t i = 0; i < r->nchecks; i++) {
		const struct status_check *c = &r->checks[i];
		counts[c->state]++;
		printf("iommuctl_status_check{code=");
		print_label(c->code);
		printf(",subject=");
		print_label(c->subject);
		printf(",state=\"%s\"} 1\n", status_state_id(c->state));
	}
	status_metric_head("checks", "Checks in each state.");
	for (int st = STATUS_PASS; st <= STATUS_UNKNOWN; st++)
		printf("iommuctl_status_checks{state=\"%s\"} %zu\n", status_state_id((enum status_state)st), counts[st]);
	status_metric_head("failed", "1 if any check fails (iommuctl status exits 1).");
	printf("iommuctl_status_failed %d\n", r->failed);
	status_metric_head("undecided", "1 if no check fails but one that can is unknown (iommuctl status exits 3).");
	printf("iommuctl_status_undecided %d\n", r->undecided);
	status_metric_head("iommu_present", "1 if an IOMMU translates DMA.");
	printf("iommuctl_status_iommu_present %d\n", r->present);
	status_metric_head("units", "IOMMU units registered.");
	printf("iommuctl_status_units %zu\n", s->nunit);
	status_metric_head("pci_functions", "PCI functions.");
	printf("iommuctl_status_pci_functions %zu\n", s->ndev);
	status_metric_head("groups", "IOMMU groups by default domain type.");
	for (size_t i = 0; i < r->ntypes; i++) {
		printf("iommuctl_status_groups{type=");
		print_label(r->types[i].type);
		printf("} %zu\n", r->types[i].groups);
	}
	if (r->groups_untyped)
		printf("iommuctl_status_groups{type=\"\"} %zu\n", r->groups_untyped);
	status_metric_head("groups_shared", "IOMMU groups with more than one member.");
	printf("iommuctl_status_groups_shared %zu\n", groups_shared_count(s));
	if (r->ir_active >= 0) {
		status_metric_head("interrupt_remapping", "1 if interrupt remapping is active.");
		printf("iommuctl_status_interrupt_remapping %d\n", r->ir_active);
	}
	if (r->vfio_loaded >= 0) {
		status_metric_head("vfio_loaded", "1 if the vfio module is loaded.");
		printf("iommuctl_status_vfio_loaded %d\n", r->vfio_loaded);
	}
	return ferror(stdout) ? -1 : 0;
}
