/* analysis-iommu.c - is an IOMMU active, and if not, why not and what to do.
 *
 * Rules (KERNEL-FACTS.md 1.1, 1.5, 3.6, 4.2):
 *  - /sys/kernel/iommu_groups exists once the IOMMU core is built in; empty
 *    means no group was ever made.
 *  - registered IOMMU units appear under /sys/class/iommu.
 *  - groups named "vfio-noiommu" come from VFIO's no-IOMMU mode: they
 *    isolate nothing.
 *  - ACPI DMAR (Intel), IVRS (AMD), IORT (Arm) or VIOT (virtio-iommu) with
 *    no unit registered means the firmware describes an IOMMU that no
 *    driver started: disabled on the command line or in the kernel build.
 *  - `amd_iommu=on` is not a kernel option; `intel_iommu=on` is. */
#define _GNU_SOURCE
#include "analysis.h"
#include "platform.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void finding_release(struct finding *f)
{
	free(f->subject);
	free(f->message);
	free(f->remedy);
	memset(f, 0, sizeof(*f));
}

const char *severity_name(enum severity s)
{
	return s == SEV_ERROR ? "error" : s == SEV_WARNING ? "warning" : "info";
}

void cmdline_split(const char *cmdline, struct strvec *tokens)
{
	struct buf tok;
	bool quoted = false, have = false;

	buf_init(&tok);
	for (const char *p = cmdline ? cmdline : ""; ; p++) {
		if (*p == '"') {
			quoted = !quoted;
			have = true;
			continue;
		}
		if (*p == '\0' || (!quoted && (*p == ' ' || *p == '\t' || *p == '\n'))) {
			/* init/main.c: what follows a bare "--" is init's, not the kernel's */
			if (have && tok.data && !strcmp(tok.data, "--"))
				break;
			if (have)
				strvec_push(tokens, tok.data ? tok.data : "");
			buf_reset(&tok);
			have = false;
			if (*p == '\0')
				break;
			continue;
		}
		buf_append(&tok, p, 1);
		have = true;
	}
	buf_release(&tok);
}

/* The option's name: up to '=', with '-' and '_' equal (the kernel treats
 * them alike in parameter names). */
static bool option_name_is(const char *token, const char *name, bool prefix)
{
	size_t i = 0;
	for (; name[i]; i++) {
		char a = token[i] == '-' ? '_' : token[i], b = name[i] == '-' ? '_' : name[i];
		if (a != b)
			return false;
	}
	return prefix || token[i] == '\0' || token[i] == '=';
}

bool cmdline_is_iommu_option(const char *token)
{
	static const char *const exact[] = {"iommu", "intel_iommu", "amd_iommu", "amd_iommu_intr", "amd_iommu_dump",
					    "intremap", "nointremap", "pcie_acs_override", "ivrs_ioapic", "ivrs_hpet",
					    "ivrs_acpihid", "pci"};
	static const char *const prefixes[] = {"iommu.", "vfio", "arm_smmu", "iommufd."};
	for (size_t i = 0; i < ARRAY_SIZE(exact); i++)
		if (option_name_is(token, exact[i], false)) {
			/* pci= carries many unrelated flags: only its ACS ones */
			if (strcmp(exact[i], "pci") == 0)
				return strstr(token, "acs") != NULL || strstr(token, "noats") != NULL;
			return true;
		}
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (option_name_is(token, prefixes[i], true))
			return true;
	return false;
}

/* True if the command line has option NAME with VALUE among its
 * comma-separated values. */
static bool has_option_value(const struct strvec *opts, const char *name, const char *value)
{
	for (size_t i = 0; i < opts->n; i++) {
		const char *eq = strchr(opts->v[i], '=');
		char *vals, *save = NULL;
		bool hit = false;
		if (!eq || !option_name_is(opts->v[i], name, false))
			continue;
		vals = xstrdup(eq + 1);
		for (char *t = strtok_r(vals, ",", &save); t && !hit; t = strtok_r(NULL, ",", &save))
			hit = strcmp(t, value) == 0;
		free(vals);
		if (hit)
			return true;
	}
	return false;
}

static void append_part(struct buf *b, size_t *nparts, size_t total, const char *part)
{
	if (*nparts)
		buf_appendf(b, "%s", *nparts + 1 == total ? " and " : ", ");
	buf_appendf(b, "%s", part);
	(*nparts)++;
}

static char *describe_dir(const struct source *src, const char *path, const char *empty_text, const char *missing_text)
{
	if (src->err == -ENOENT)
		return xasprintf("%s does not exist%s", path, missing_text);
	if (src->err)
		return xasprintf("%s cannot be read", path);
	return xasprintf("%s %s", path, empty_text);
}

static const char *table_meaning(const char *t)
{
	if (strcmp(t, "DMAR") == 0)
		return "Intel VT-d";
	if (strcmp(t, "IVRS") == 0)
		return "AMD-Vi";
	if (strcmp(t, "IORT") == 0)
		return "Arm SMMU";
	return "virtio-iommu";
}

static char *absent_remedy(const struct snapshot *s, const struct iommu_presence *p)
{
	const struct strvec *o = &p->cmdline_options;
	if (s->iommu_groups.err == -ENOENT)
		return xstrdup("boot a kernel built with IOMMU support (CONFIG_IOMMU_SUPPORT and the driver for this "
			       "platform's IOMMU)");
	if (has_option_value(o, "iommu", "off"))
		return xstrdup("remove iommu=off from the kernel command line");
	if (strvec_contains(&s->fw_tables, "DMAR")) {
		if (has_option_value(o, "intel_iommu", "off"))
			return xstrdup("replace intel_iommu=off with intel_iommu=on on the kernel command line");
		if (has_option_value(o, "intel_iommu", "on"))
			return xstrdup("the firmware describes VT-d and intel_iommu=on is set: look for DMAR errors in "
				       "dmesg, and check that the kernel has CONFIG_INTEL_IOMMU");
		return xstrdup("add intel_iommu=on to the kernel command line (this kernel may leave VT-d off by "
			       "default)");
	}
	if (strvec_contains(&s->fw_tables, "IVRS")) {
		if (has_option_value(o, "amd_iommu", "off"))
			return xstrdup("remove amd_iommu=off from the kernel command line (AMD-Vi needs no option to "
				       "start; amd_iommu=on is not a kernel option)");
		return xstrdup("the firmware describes AMD-Vi but it did not start: look for AMD-Vi errors in dmesg, "
			       "and check that the kernel has CONFIG_AMD_IOMMU");
	}
	if (strvec_contains(&s->fw_tables, "IORT"))
		return xstrdup("check that the kernel has the Arm SMMU driver (CONFIG_ARM_SMMU_V3 or CONFIG_ARM_SMMU) "
			       "and that the firmware enables the SMMU");
	if (strvec_contains(&s->fw_tables, "VIOT"))
		return xstrdup("check that the kernel has the virtio-iommu driver (CONFIG_VIRTIO_IOMMU)");
	return iommu_enable_remedy(s);
}

const char *iommu_table_names(const struct snapshot *s)
{
	switch (platform_arch(s)) {
	case ARCH_X86:
		return "DMAR, IVRS or VIOT";
	case ARCH_ARM:
		return "IORT or VIOT";
	case ARCH_UNKNOWN:
		break;
	}
	return "DMAR, IVRS, IORT or VIOT";
}

char *iommu_enable_remedy(const struct snapshot *s)
{
	switch (platform_arch(s)) {
	case ARCH_X86:
		return xstrdup("enable the IOMMU (Intel VT-d or AMD-Vi) in the firmware setup; a virtual machine needs a "
			       "virtual IOMMU from its hypervisor (QEMU: -device intel-iommu, amd-iommu or "
			       "virtio-iommu-pci)");
	case ARCH_ARM:
		if (s->fw.loaded && s->fw.devicetree == 1 && s->fw.nsmmu && s->fw.pci_hosts && !s->fw.pci_hosts_iommu_map)
			return xstrdup("the device tree describes an SMMU, but the PCI host bridge has no iommu-map to "
				       "it: fix the device tree (the board's firmware or boot loader)");
		return xstrdup("enable the SMMU in the firmware setup, and boot a kernel with its driver "
			       "(CONFIG_ARM_SMMU_V3 or CONFIG_ARM_SMMU); a QEMU virt machine needs "
			       "-machine virt,iommu=smmuv3 (or -device virtio-iommu-pci)");
	case ARCH_UNKNOWN:
		break;
	}
	return xstrdup("enable the platform's IOMMU in the firmware setup (x86: Intel VT-d or AMD-Vi; Arm: the "
		       "SMMU); a virtual machine needs a virtual IOMMU from its hypervisor (QEMU: -device "
		       "intel-iommu or amd-iommu on q35, -machine virt,iommu=smmuv3 on Arm, or -device "
		       "virtio-iommu-pci)");
}

void iommu_presence_analyse(const struct snapshot *s, struct iommu_presence *out)
{
	struct strvec tokens;
	struct buf msg;
	char *parts[4] = {0};
	size_t total = 0, done = 0;

	memset(out, 0, sizeof(*out));
	strvec_init(&out->cmdline_options);
	strvec_init(&tokens);
	cmdline_split(s->cmdline, &tokens);
	for (size_t i = 0; i < tokens.n; i++)
		if (cmdline_is_iommu_option(tokens.v[i]))
			strvec_push(&out->cmdline_options, tokens.v[i]);
	strvec_release(&tokens);

	for (size_t i = 0; i < s->ngrp; i++)
		if (s->grp[i].name && strcmp(s->grp[i].name, "vfio-noiommu") == 0)
			out->noiommu_groups++;
	out->present = s->nunit > 0 || s->ngrp > out->noiommu_groups;
	if (out->present)
		return;

	/* The sentence: what was looked at, and what was found there. */
	parts[total++] = describe_dir(&s->class_iommu, "/sys/class/iommu", "lists no IOMMU units", "");
	if (out->noiommu_groups)
		parts[total++] = out->noiommu_groups == 1
			? xstrdup("the only group in /sys/kernel/iommu_groups is a VFIO no-IOMMU group, which isolates nothing")
			: xasprintf("the only groups in /sys/kernel/iommu_groups are %zu VFIO no-IOMMU groups, which isolate "
				    "nothing", out->noiommu_groups);
	else
		parts[total++] = describe_dir(&s->iommu_groups, "/sys/kernel/iommu_groups", "is empty",
					      " (this kernel has no IOMMU support)");
	if (s->fw_tables_checked) {
		if (!s->fw_acpi)
			parts[total++] = xstrdup(s->fw.devicetree == 1
							 ? "there are no ACPI tables (/sys/firmware/acpi/tables does not exist): "
							   "a device tree describes this machine"
							 : "there are no ACPI tables (/sys/firmware/acpi/tables does not exist)");
		else if (s->fw_tables.n == 0)
			parts[total++] = xasprintf("the ACPI tables include no %s", iommu_table_names(s));
		else {
			struct buf t;
			buf_init(&t);
			buf_appendf(&t, "the ACPI tables describe ");
			for (size_t i = 0; i < s->fw_tables.n; i++)
				buf_appendf(&t, "%s%s (%s)", i ? " and " : "", table_meaning(s->fw_tables.v[i]),
					    s->fw_tables.v[i]);
			buf_appendf(&t, " but no driver registered %s", s->fw_tables.n > 1 ? "them" : "it");
			parts[total++] = buf_steal(&t);
		}
	}
	if (s->cmdline_err)
		parts[total++] = xstrdup("/proc/cmdline cannot be read");
	else if (out->cmdline_options.n == 0)
		parts[total++] = xstrdup("the kernel command line has no IOMMU option");
	else {
		struct buf t;
		buf_init(&t);
		buf_appendf(&t, "the kernel command line has ");
		for (size_t i = 0; i < out->cmdline_options.n; i++)
			buf_appendf(&t, "%s%s", i ? " " : "", out->cmdline_options.v[i]);
		parts[total++] = buf_steal(&t);
	}

	buf_init(&msg);
	buf_appendf(&msg, "No IOMMU is active: ");
	for (size_t i = 0; i < total; i++) {
		append_part(&msg, &done, total, parts[i]);
		free(parts[i]);
	}
	buf_appendf(&msg, ".");
	out->absent.code = "no_iommu";
	out->absent.severity = SEV_INFO;
	out->absent.subject = NULL;
	out->absent.message = buf_steal(&msg);
	out->absent.remedy = absent_remedy(s, out);
}

void iommu_presence_release(struct iommu_presence *p)
{
	strvec_release(&p->cmdline_options);
	finding_release(&p->absent);
}

size_t group_member_count(const struct iommu_group *g)
{
	return g->ndev + g->other.n;
}

size_t groups_shared_count(const struct snapshot *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->ngrp; i++)
		n += group_member_count(&s->grp[i]) > 1;
	return n;
}
