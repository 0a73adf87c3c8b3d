/* render-cmdline.c - `iommuctl cmdline` output: a libsmartcols table of the
 * parameters with what each does, then the settings in force; and the
 * JSON document (schema: man/iommuctl.schema.json, cmdline_document), both
 * from the same iommu_cmdline. */
#define _GNU_SOURCE
#include "cmdline.h"
#include "platform.h"

#include <libsmartcols.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dma.h"
#include "render.h"

/* "ok", "overridden", "invalid", "unknown", "out-of-tree" */
static const char *item_state(const struct cmdline_item *it)
{
	if (it->out_of_tree)
		return "out-of-tree";
	if (!it->known)
		return "unknown";
	if (!it->valid)
		return "invalid";
	return it->overridden_by >= 0 ? "overridden" : "ok";
}

/* "intel_iommu=strict", "nointremap" */
static char *item_text(const struct cmdline_item *it)
{
	return it->value ? xasprintf("%s=%s", it->name, it->value) : xstrdup(it->name);
}

static char *effect_text(const struct iommu_cmdline *c, const struct cmdline_item *it)
{
	if (it->overridden_by >= 0) {
		char *by = item_text(&c->items[it->overridden_by]);
		char *t = xasprintf("%s (overridden by %s)", it->effect, by);
		free(by);
		return t;
	}
	return xstrdup(it->effect);
}

/* ---- the settings in force -------------------------------------------------------- */

struct setting_line {
	const char *label;
	char *text;
};

static void add_line(struct setting_line *l, size_t *n, const char *label, char *text)
{
	l[*n].label = label;
	l[(*n)++].text = text;
}

static char *by_text(const char *value, const char *by)
{
	return by ? xasprintf("%s (%s)", value, by) : xstrdup(value);
}

static size_t effective_lines(const struct iommu_cmdline *c, struct setting_line *l)
{
	size_t n = 0;
	int translated, strict = cmdline_strict(c);
	const char *type = cmdline_default_domain(c, &translated);
	const char *strict_by = c->legacy_strict_by ? c->legacy_strict_by : c->strict_by;
	char b[32];

	if (c->iommu_off_by)
		add_line(l, &n, "IOMMU", xasprintf("off: no IOMMU driver starts (%s)", c->iommu_off_by));
	else if (c->intel_enabled == 0 || c->amd_off_by)
		add_line(l, &n, "IOMMU",
			 xasprintf("%s off (%s)", c->intel_enabled == 0 ? "Intel VT-d" : "AMD-Vi",
				   c->intel_enabled == 0 ? c->intel_enabled_by : c->amd_off_by));
	else if (c->intel_enabled == 1)
		add_line(l, &n, "IOMMU", xasprintf("Intel VT-d on (%s)", c->intel_enabled_by));
	else if (c->arch == ARCH_X86)
		add_line(l, &n, "IOMMU", xstrdup("as the firmware and the kernel's build decide (Intel VT-d may need "
						 "intel_iommu=on; AMD-Vi needs no option)"));
	else if (c->arch == ARCH_ARM)
		add_line(l, &n, "IOMMU", xstrdup("as the firmware and the kernel's build decide (the SMMU starts when the "
						 "firmware describes it: no option needed)"));
	else
		add_line(l, &n, "IOMMU", xstrdup("as the firmware and the kernel's build decide"));
	if (type)
		add_line(l, &n, "default domain", by_text(type, c->passthrough_by));
	else if (translated == 1)
		add_line(l, &n, "default domain",
			 xasprintf("translated (%s): DMA or DMA-FQ as the kernel's build decides", c->passthrough_by));
	else
		add_line(l, &n, "default domain",
			 xstrdup("as the kernel's build decides (CONFIG_IOMMU_DEFAULT_DMA_LAZY, _STRICT or _PASSTHROUGH)"));
	if (strict >= 0)
		add_line(l, &n, "invalidation",
			 xasprintf("%s (%s)%s", strict ? "strict" : "lazy", strict_by,
				   strict ? "" : "; a virtual IOMMU (caching mode) still forces strict"));
	else
		add_line(l, &n, "invalidation",
			 xstrdup(c->arch == ARCH_X86   ? "as the kernel's build decides (lazy on x86 by default)"
				 : c->arch == ARCH_ARM ? "as the kernel's build decides (strict on Arm by default: "
							 "CONFIG_IOMMU_DEFAULT_DMA_STRICT, as Debian's arm64 kernels have it)"
						       : "as the kernel's build decides (lazy by default on x86, strict elsewhere)"));
	if (c->forcedac == 1)
		add_line(l, &n, "IOVA", xasprintf("above 4 GiB at once, no 32-bit first (%s)", c->forcedac_by));
	if (c->intremap >= 0)
		add_line(l, &n, "interrupt remapping",
			 by_text(c->intremap ? "on" : "off", c->intremap ? c->intremap_by : c->intremap_off_by));
	else if (c->arch == ARCH_ARM)
		add_line(l, &n, "MSI isolation", xstrdup("as the MSI controller gives it (a GICv3 ITS isolates; no option)"));
	else
		add_line(l, &n, "interrupt remapping", xstrdup("on where the hardware has it (the default)"));
	if (c->swiotlb_noforce_by)
		add_line(l, &n, "swiotlb", xasprintf("disabled: no pool (%s)", c->swiotlb_noforce_by));
	else {
		struct buf t;
		buf_init(&t);
		if (c->swiotlb_nslabs >= 0)
			buf_appendf(&t, "%lld slabs (%s)", c->swiotlb_nslabs,
				    format_bytes((unsigned long long)c->swiotlb_nslabs * SWIOTLB_SLAB_BYTES, b, sizeof(b)));
		else
			buf_appendf(&t, "default size (64 MiB) when a pool is set up");
		if (c->swiotlb_nareas >= 0)
			buf_appendf(&t, ", %lld areas", c->swiotlb_nareas);
		if (c->swiotlb_force_by)
			buf_appendf(&t, ", forced: every streaming mapping without translation bounces");
		if (c->iommu_soft_by)
			buf_appendf(&t, ", enabled by %s", c->iommu_soft_by);
		if (c->swiotlb_by)
			buf_appendf(&t, " (%s)", c->swiotlb_by);
		add_line(l, &n, "swiotlb", buf_steal(&t));
	}
	if (c->acs_override)
		add_line(l, &n, "ACS override", xasprintf("%s: only kernels with the out-of-tree patch apply it",
							  c->acs_override));
	if (c->type1_unsafe == 1 || c->iommufd_unsafe == 1)
		add_line(l, &n, "VFIO",
			 xasprintf("assigns devices without interrupt isolation (%s)",
				   c->type1_unsafe == 1 ? c->type1_unsafe_by : c->iommufd_unsafe_by));
	if (c->noiommu_mode == 1)
		add_line(l, &n, "VFIO no-IOMMU", xasprintf("on: no isolation at all (%s)", c->noiommu_mode_by));
	if (c->dma_entry_limit >= 0)
		add_line(l, &n, "VFIO mappings", xasprintf("at most %lld per container", c->dma_entry_limit));
	return n;
}

int render_cmdline_text(const char *cmdline, const char *source, const struct iommu_cmdline *c, size_t width)
{
	static const char *const heads[] = {"PARAMETER", "VALUE", "STATE", "EFFECT"};
	struct list_options o = {.width = width};
	struct setting_line lines[16];
	size_t nl, labelw = 0;

	printf("Kernel command line (%s):\n", source);
	print_wrapped(stdout, "  ", "  ", *cmdline ? cmdline : "(empty)", width);
	putchar('\n');
	if (!c->nitems) {
		printf("No IOMMU, DMA, swiotlb, ACS or VFIO parameter.\n");
	} else {
		struct libscols_table *tb = table_new(&o);
		if (!tb)
			return -1;
		for (size_t i = 0; i < ARRAY_SIZE(heads); i++)
			if (!scols_table_new_column(tb, heads[i], i == 3 ? 0.5 : 1, i == 3 ? SCOLS_FL_WRAP : 0))
				goto fail;
		for (size_t i = 0; i < c->nitems; i++) {
			const struct cmdline_item *it = &c->items[i];
			struct libscols_line *ln = scols_table_new_line(tb, NULL);
			char *eff = effect_text(c, it);
			if (!ln || scols_line_set_data(ln, 0, it->name) ||
			    scols_line_set_data(ln, 1, it->value ? it->value : "") ||
			    scols_line_set_data(ln, 2, item_state(it)) || scols_line_refer_data(ln, 3, eff)) {
				free(eff);
				goto fail;
			}
		}
		if (table_print(tb, &o) < 0)
			return -1;
		goto settings;
	fail:
		scols_unref_table(tb);
		return -1;
	}
settings:
	nl = effective_lines(c, lines);
	for (size_t i = 0; i < nl; i++)
		labelw = strlen(lines[i].label) > labelw ? strlen(lines[i].label) : labelw;
	printf("\nIn force after the kernel's precedence rules:\n");
	for (size_t i = 0; i < nl; i++) {
		char *first = xasprintf("  %-*s  ", (int)labelw, lines[i].label);
		print_wrapped(stdout, first, NULL, lines[i].text, width);
		free(first);
		free(lines[i].text);
	}
	return ferror(stdout) ? -1 : 0;
}

/* ---- JSON ---------------------------------------------------------------------------- */

json_t *json_cmdline_effective(const struct iommu_cmdline *c)
{
	struct cmdline_setting set[CMDLINE_NSETTINGS];
	size_t n = cmdline_effective(c, set);
	json_t *e = json_object();
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_null();
		if (set[i].set)
			v = set[i].type == CSET_BOOL  ? json_boolean(set[i].b)
			    : set[i].type == CSET_INT ? json_integer(set[i].i)
						      : json_string_lossy(set[i].s);
		json_object_set_new(e, set[i].key, v);
	}
	return e;
}

int json_print_cmdline(const char *cmdline, const char *source, const struct iommu_cmdline *c, json_t *warnings,
		       bool pretty)
{
	json_t *doc = json_object(), *params = json_array();
	json_object_set_new(doc, "schema_version", json_integer(IOMMUCTL_SCHEMA_VERSION));
	json_object_set_new(doc, "cmdline", json_string_lossy(cmdline));
	json_object_set_new(doc, "source", json_string(source));
	for (size_t i = 0; i < c->nitems; i++) {
		const struct cmdline_item *it = &c->items[i];
		json_t *p = json_object();
		json_object_set_new(p, "name", json_string_lossy(it->name));
		json_object_set_new(p, "value", it->value ? json_string_lossy(it->value) : json_null());
		json_object_set_new(p, "token", json_string_lossy(it->token));
		json_object_set_new(p, "known", json_boolean(it->known));
		json_object_set_new(p, "valid", json_boolean(it->valid));
		json_object_set_new(p, "out_of_tree", json_boolean(it->out_of_tree));
		json_object_set_new(p, "early", json_boolean(it->early));
		json_object_set_new(p, "setting", json_str_or_null(it->setting));
		json_object_set_new(p, "effect", json_string_lossy(it->effect));
		if (it->overridden_by >= 0) {
			char *by = item_text(&c->items[it->overridden_by]);
			json_object_set_new(p, "overridden_by", json_string_lossy(by));
			free(by);
		} else {
			json_object_set_new(p, "overridden_by", json_null());
		}
		json_array_append_new(params, p);
	}
	json_object_set_new(doc, "parameters", params);
	json_object_set_new(doc, "effective", json_cmdline_effective(c));
	json_object_set_new(doc, "warnings", warnings ? warnings : json_array());
	return json_print(doc, pretty);
}
