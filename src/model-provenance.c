/* model-provenance.c - a snapshot built from an lspci dump (snapshot
 * --from-lspci): where each fact came from (.iommuctl/lspci, provenance.h),
 * loaded into the functions, and said back as issues wherever a conclusion
 * rests on a fact iommuctl synthesised or could not know. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model-internal.h"

#define PROV_MAX (64u << 20)

void load_provenance(struct snapshot *s, struct sysroot *sr)
{
	struct buf b;
	size_t bad = 0, lineno = 0, first_bad = 0;
	int err;

	buf_init(&b);
	err = sr_read(sr, PROVENANCE_FILE, PROV_MAX, 0, &b);
	if (err) {
		if (err != -ENOENT)
			snapshot_add_issue(s, PROVENANCE_FILE, err, NULL);
		buf_release(&b);
		return;
	}
	s->from_lspci = true;
	for (char *line = b.data, *next; line && *line; line = next) {
		struct prov_line pl;
		bool malformed;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		if (!prov_parse_line(line, &pl, &malformed)) {
			if (malformed && bad++ == 0)
				first_bad = lineno;
			continue;
		}
		if (pl.function[0]) {
			struct pci_device *d = snapshot_find_by_name(s, pl.function);
			if (d && pl.source == PROV_SYNTHESISED)
				d->synthesised |= 1u << pl.fact;
			else if (d && pl.source == PROV_UNKNOWN)
				d->unknown |= 1u << pl.fact;
		}
		free(pl.detail);
	}
	if (bad) {
		char *detail = xasprintf("line %zu is not \"FUNCTION FACT SOURCE [DETAIL]\"%s", first_bad,
					 bad > 1 ? " (and more)" : "");
		snapshot_add_issue(s, PROVENANCE_FILE, 0, detail);
		free(detail);
	}
	buf_release(&b);
	/* what the dump does not tell is unknown, whatever the rebuilt
	 * configuration space holds in its place */
	for (size_t i = 0; i < s->ndev; i++) {
		struct pci_device *d = &s->dev[i];
		if (d->unknown & (1u << PROV_IDS))
			d->ident_known = false;
		if (d->unknown & (1u << PROV_CLASS))
			d->class_known = false;
		if (d->unknown & (1u << PROV_CAPABILITIES))
			d->caps.known = false;
	}
}

/* One issue for FACT (SOURCE) over the functions that have it, if any:
 * TEXT with "%s" for the functions named ("0000:00:1f.0 and 3 more"). */
static void fact_issue(struct snapshot *s, enum prov_fact fact, enum prov_source source, const char *text)
{
	struct strvec fns;
	struct buf named;
	unsigned bit = 1u << fact;
	char *detail;

	strvec_init(&fns);
	for (size_t i = 0; i < s->ndev; i++)
		if ((source == PROV_SYNTHESISED ? s->dev[i].synthesised : s->dev[i].unknown) & bit)
			strvec_push(&fns, s->dev[i].bdf);
	if (!fns.n) {
		strvec_release(&fns);
		return;
	}
	buf_init(&named);
	for (size_t i = 0; i < fns.n && i < 3; i++)
		buf_appendf(&named, "%s%s", i ? (i + 1 == fns.n ? " and " : ", ") : "", fns.v[i]);
	if (fns.n > 3)
		buf_appendf(&named, " and %zu more", fns.n - 3);
	{
		/* TEXT's "%s" stands for the functions named */
		const char *at = strstr(text, "%s");
		detail = at ? xasprintf("%.*s%s%s", (int)(at - text), text, named.data, at + 2) : xstrdup(text);
	}
	snapshot_add_synthesised(s, detail, fact, source, &fns);
	free(detail);
	buf_release(&named);
	strvec_release(&fns);
}

/* What a dump never holds (the firmware's tables, /proc, /dev, modules):
 * the loader's "cannot read" of each says again what the snapshot's first
 * warning says once. */
static void drop_unrecorded(struct snapshot *s)
{
	static const char *const dumped[] = {"/sys/bus/", "/sys/devices/", "/sys/kernel/iommu_groups", "/.iommuctl/"};
	size_t kept = 0;
	for (size_t i = 0; i < s->nissues; i++) {
		struct load_issue *is = &s->issues[i];
		bool drop = is->err == -ENOENT;
		for (size_t k = 0; drop && k < ARRAY_SIZE(dumped); k++)
			drop = strncmp(is->path, dumped[k], strlen(dumped[k])) != 0;
		if (drop) {
			free(is->path);
			free(is->detail);
			strvec_release(&is->functions);
			continue;
		}
		s->issues[kept++] = *is;
	}
	s->nissues = kept;
}

void provenance_issues(struct snapshot *s, unsigned flags)
{
	drop_unrecorded(s);
	snapshot_add_synthesised(s,
				 "built from an lspci dump (iommuctl snapshot --from-lspci), not read from sysfs: group "
				 "types, reserved regions, IOMMU units, the kernel command line and release, the firmware's "
				 "tables, interrupts, modules, device nodes and mounts are unknown",
				 PROV_SNAPSHOT, PROV_SYNTHESISED, NULL);
	fact_issue(s, PROV_IDS, PROV_SYNTHESISED, "the ids of %s were looked up in pci.ids by the names the dump shows");
	fact_issue(s, PROV_IDS, PROV_UNKNOWN, "the ids of %s are unknown: the dump names them without [vvvv:dddd]");
	fact_issue(s, PROV_CLASS, PROV_UNKNOWN, "the class of %s is unknown: the dump names it without [cccc]");
	fact_issue(s, PROV_DRIVER, PROV_UNKNOWN, "the drivers of %s are unknown: the dump has no 'Kernel driver in use' lines");
	fact_issue(s, PROV_GROUP, PROV_UNKNOWN,
		   "the IOMMU groups of %s are unknown: the dump has no 'IOMMU group' lines (groups --predict says what "
		   "the kernel would form)");
	if (flags & SNAP_LOAD_CONFIG) {
		fact_issue(s, PROV_CONFIG, PROV_SYNTHESISED,
			   "the configuration space of %s was rebuilt from lspci's decoded lines, not read (lspci -xxxx "
			   "gives the bytes)");
		fact_issue(s, PROV_CAPABILITIES, PROV_SYNTHESISED,
			   "no capability line for %s in the dump: taken as none");
		fact_issue(s, PROV_CAPABILITIES, PROV_UNKNOWN,
			   "the capabilities of %s are unknown: the dump does not list them (lspci -vv as root does)");
		fact_issue(s, PROV_ACS, PROV_UNKNOWN,
			   "the ACS controls of %s are unknown: the dump has neither their ACSCap and ACSCtl lines nor "
			   "their extended configuration space (lspci -xxxx)");
		fact_issue(s, PROV_ACS, PROV_SYNTHESISED,
			   "the ACS controls of %s (Intel PCH root ports that keep them where lspci does not look) were "
			   "synthesised");
		fact_issue(s, PROV_MULTIFUNCTION, PROV_SYNTHESISED,
			   "the multifunction bit of %s was inferred from the functions the dump lists (lspci does not "
			   "print it)");
		fact_issue(s, PROV_VIRTFN, PROV_SYNTHESISED,
			   "SR-IOV virtual functions %s were told by their PF's SR-IOV capability (lspci does not mark "
			   "them)");
	}
	if (flags & SNAP_LOAD_TOPOLOGY) {
		fact_issue(s, PROV_PLACEMENT, PROV_SYNTHESISED,
			   "the places of %s in the PCI hierarchy were worked out from the bridges' bus numbers");
		fact_issue(s, PROV_PLACEMENT, PROV_UNKNOWN, "the places of %s in the PCI hierarchy are unknown");
	}
	if (flags & SNAP_LOAD_HOST)
		fact_issue(s, PROV_FLR, PROV_UNKNOWN,
			   "whether %s support Function Level Reset is unknown: the dump has no DevCap lines");
}
