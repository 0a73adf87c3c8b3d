/* analysis.h - conclusions drawn from a snapshot.  Pure functions over a
 * const snapshot: no files, no output.  Kernel rules live here and nowhere
 * else, each with the kernel source it follows. */
#ifndef IOMMUCTL_ANALYSIS_H
#define IOMMUCTL_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "util.h"

enum severity { SEV_INFO, SEV_WARNING, SEV_ERROR };

/* One conclusion: a stable code, how bad it is, what it is about, one
 * sentence saying what is true, and what to do about it. */
struct finding {
	const char *code;     /* stable, snake_case */
	enum severity severity;
	char *subject;        /* a BDF, a group ("group 14"), or NULL */
	char *message;
	char *remedy;         /* NULL when there is nothing to do */
};
void finding_release(struct finding *f);
const char *severity_name(enum severity s);

/* Splits a kernel command line as the kernel does (spaces separate, double
 * quotes group) into TOKENS. */
void cmdline_split(const char *cmdline, struct strvec *tokens);
/* True if TOKEN ("intel_iommu=on", "iommu.strict=1", ...) is an option that
 * concerns IOMMUs, interrupt remapping, VFIO or ACS. */
bool cmdline_is_iommu_option(const char *token);

struct iommu_presence {
	/* An IOMMU translates DMA for at least some devices: a unit is
	 * registered, or a group exists that VFIO's no-IOMMU mode did not
	 * make. */
	bool present;
	size_t noiommu_groups;       /* groups named "vfio-noiommu" */
	struct strvec cmdline_options; /* IOMMU options on the command line */
	/* When !present: code "no_iommu", the sentence saying what was looked
	 * at and found, and what would enable an IOMMU. */
	struct finding absent;
};
void iommu_presence_analyse(const struct snapshot *s, struct iommu_presence *out);
/* How to get an IOMMU on this platform (firmware setting, QEMU option),
 * in the platform's own terms; both x86's and Arm's when it is unknown. */
char *iommu_enable_remedy(const struct snapshot *s);
/* The ACPI tables that describe an IOMMU on this platform: "DMAR, IVRS or
 * VIOT" (x86), "IORT or VIOT" (Arm), all four when unknown. */
const char *iommu_table_names(const struct snapshot *s);
void iommu_presence_release(struct iommu_presence *p);

/* Number of groups with more than one member (PCI or not). */
size_t groups_shared_count(const struct snapshot *s);
size_t group_member_count(const struct iommu_group *g);

#endif
