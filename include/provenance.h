/* provenance.h - where each fact of a snapshot built from an lspci dump
 * (snapshot --from-lspci) came from: read from the dump, synthesised by
 * iommuctl (the detail says how), or unknown.  The snapshot carries them
 * in .iommuctl/lspci, one fact a line:
 *
 *     FUNCTION<TAB>FACT<TAB>SOURCE[<TAB>DETAIL]
 *
 * FUNCTION is a PCI address, or "*" for the snapshot as a whole.  This
 * module writes and reads those lines; it is pure (text in, text out). */
#ifndef IOMMUCTL_PROVENANCE_H
#define IOMMUCTL_PROVENANCE_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

#define PROVENANCE_FILE ".iommuctl/lspci"

enum prov_fact {
	PROV_IDS,           /* vendor and device ids */
	PROV_CLASS,         /* class code */
	PROV_SUBSYSTEM,     /* subsystem ids */
	PROV_CONFIG,        /* the configuration space file as a whole */
	PROV_CAPABILITIES,  /* which capabilities it has, and where */
	PROV_ACS,           /* ACS Capability and Control */
	PROV_MULTIFUNCTION, /* the header type's multifunction bit */
	PROV_VIRTFN,        /* whether it is an SR-IOV virtual function */
	PROV_PLACEMENT,     /* the bridge above it (its place in sysfs) */
	PROV_DRIVER,        /* the driver bound to it */
	PROV_GROUP,         /* its IOMMU group */
	PROV_FLR,           /* Function Level Reset support */
	/* the snapshot as a whole */
	PROV_SNAPSHOT,      /* it was built from a dump at all */
	PROV_GROUP_TYPES,
	PROV_RESERVED_REGIONS,
	PROV_IOMMU_UNITS,
	PROV_CMDLINE,
	PROV_KERNEL,
	PROV_NFACTS
};

enum prov_source { PROV_READ, PROV_SYNTHESISED, PROV_UNKNOWN };

/* "ids", "multifunction" ... as the file and JSON spell them. */
const char *prov_fact_name(enum prov_fact f);
/* "read", "synthesised", "unknown". */
const char *prov_source_name(enum prov_source s);

/* Appends one line to OUT.  FUNCTION NULL: the snapshot as a whole. */
void prov_append(struct buf *out, const char *function, enum prov_fact f, enum prov_source s, const char *detail);

struct prov_line {
	char function[20]; /* "" for the snapshot as a whole */
	enum prov_fact fact;
	enum prov_source source;
	char *detail;      /* heap, or NULL */
};

/* Parses one line (without its newline).  Returns false for a line that is
 * not one (a comment, or malformed: *MALFORMED is set then). */
bool prov_parse_line(const char *line, struct prov_line *out, bool *malformed);

#endif
