/* provenance.c - the lines of .iommuctl/lspci (see provenance.h). */
#define _GNU_SOURCE
#include "provenance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pci.h"

static const char *const fact_names[PROV_NFACTS] = {
	[PROV_IDS] = "ids",
	[PROV_CLASS] = "class",
	[PROV_SUBSYSTEM] = "subsystem",
	[PROV_CONFIG] = "config",
	[PROV_CAPABILITIES] = "capabilities",
	[PROV_ACS] = "acs",
	[PROV_MULTIFUNCTION] = "multifunction",
	[PROV_VIRTFN] = "virtfn",
	[PROV_PLACEMENT] = "placement",
	[PROV_DRIVER] = "driver",
	[PROV_GROUP] = "group",
	[PROV_FLR] = "flr",
	[PROV_SNAPSHOT] = "snapshot",
	[PROV_GROUP_TYPES] = "group_types",
	[PROV_RESERVED_REGIONS] = "reserved_regions",
	[PROV_IOMMU_UNITS] = "iommu_units",
	[PROV_CMDLINE] = "cmdline",
	[PROV_KERNEL] = "kernel",
};

static const char *const source_names[] = {"read", "synthesised", "unknown"};

const char *prov_fact_name(enum prov_fact f)
{
	return (unsigned)f < PROV_NFACTS ? fact_names[f] : "?";
}

const char *prov_source_name(enum prov_source s)
{
	return (unsigned)s < ARRAY_SIZE(source_names) ? source_names[s] : "?";
}

void prov_append(struct buf *out, const char *function, enum prov_fact f, enum prov_source s, const char *detail)
{
	buf_appendf(out, "%s\t%s\t%s", function ? function : "*", prov_fact_name(f), prov_source_name(s));
	if (detail && *detail) {
		/* one line a fact: no tab or newline inside the detail */
		buf_append(out, "\t", 1);
		for (const char *c = detail; *c; c++)
			buf_append(out, *c == '\t' || *c == '\n' ? " " : c, 1);
	}
	buf_append(out, "\n", 1);
}

bool prov_parse_line(const char *line, struct prov_line *out, bool *malformed)
{
	const char *f[4] = {0};
	size_t len[4] = {0};
	int n = 0;
	const char *p = line;

	*malformed = false;
	memset(out, 0, sizeof(*out));
	if (!*line || line[0] == '#')
		return false;
	while (n < 4) {
		const char *tab = n < 3 ? strchr(p, '\t') : NULL;
		f[n] = p;
		len[n] = tab ? (size_t)(tab - p) : strlen(p);
		n++;
		if (!tab)
			break;
		p = tab + 1;
	}
	*malformed = true;
	if (n < 3)
		return false;
	if (len[0] == 1 && f[0][0] == '*')
		out->function[0] = '\0';
	else {
		struct pci_addr a;
		char bdf[PCI_BDF_MAX];
		if (len[0] >= sizeof(out->function))
			return false;
		memcpy(bdf, f[0], len[0]);
		bdf[len[0]] = '\0';
		if (!pci_addr_parse(bdf, &a))
			return false;
		memcpy(out->function, bdf, len[0] + 1);
	}
	out->fact = PROV_NFACTS;
	for (int i = 0; i < PROV_NFACTS; i++)
		if (strlen(fact_names[i]) == len[1] && strncmp(fact_names[i], f[1], len[1]) == 0)
			out->fact = (enum prov_fact)i;
	if (out->fact == PROV_NFACTS)
		return false;
	{
		int src = -1;
		for (unsigned i = 0; i < ARRAY_SIZE(source_names); i++)
			if (strlen(source_names[i]) == len[2] && strncmp(source_names[i], f[2], len[2]) == 0)
				src = (int)i;
		if (src < 0)
			return false;
		out->source = (enum prov_source)src;
	}
	if (n == 4 && len[3] && is_text(f[3], len[3]))
		out->detail = xstrndup(f[3], len[3]);
	*malformed = false;
	return true;
}
