/* diff.h - what changed between two states of a machine (`iommuctl diff
 * OLD [NEW]`), and whether it matters.
 *
 * Compared: the IOMMU groups, matched by their members (sets of device
 * names), never by number, so that a renumbering alone is no change; the
 * PCI functions present; each group's default domain type and reserved
 * regions; each function's ACS and the kernel's isolation verdict on it;
 * drivers and driver_override; each function's check-vfio verdict and
 * findings; the IOMMU units; the host's status facts (interrupt remapping,
 * the IOMMU hardware and driver, VFIO's unsafe options and nodes, the
 * kernel); the kernel command line's settings in force; the swiotlb pool.
 *
 * Every change is classified: it reduces isolation or breaks passthrough,
 * it improves it, or it is neutral.  A fact that decides isolation or
 * passthrough that NEW could not read where OLD could counts as reducing:
 * nothing then shows that isolation held.
 *
 * Pure functions over two const snapshots (loaded with SNAP_LOAD_ALL) and
 * the analyses of each: no files, no output. */
#ifndef IOMMUCTL_DIFF_H
#define IOMMUCTL_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis.h"
#include "cmdline.h"
#include "isolation.h"
#include "model.h"
#include "status.h"
#include "swiotlb.h"
#include "util.h"

/* What a change is about; `--only` names them. */
enum diff_area {
	DIFF_AREA_GROUPS,   /* groups split, merged, grown, shrunk, added, removed */
	DIFF_AREA_DEVICES,  /* PCI functions added, removed, replaced */
	DIFF_AREA_TYPES,    /* a group's default domain type */
	DIFF_AREA_RESV,     /* a group's reserved regions */
	DIFF_AREA_ACS,      /* a function's ACS and isolation verdict */
	DIFF_AREA_DRIVERS,  /* driver bound, driver_override */
	DIFF_AREA_VFIO,     /* check-vfio verdicts and findings */
	DIFF_AREA_UNITS,    /* IOMMU units */
	DIFF_AREA_HOST,     /* status facts, the kernel */
	DIFF_AREA_CMDLINE,  /* the command line's settings in force */
	DIFF_AREA_SWIOTLB,  /* the swiotlb pool */
	DIFF_NAREAS,
};
#define DIFF_AREAS_ALL ((1u << DIFF_NAREAS) - 1)
/* "groups", "devices", "types", "resv", "acs", "drivers", "vfio", "units",
 * "host", "cmdline", "swiotlb", indexed by enum diff_area, then NULL */
extern const char *const diff_area_names[DIFF_NAREAS + 1];
const char *diff_area_id(enum diff_area a);
/* Parses a comma-separated list of area names into a mask.  Returns false
 * with *BAD (heap) naming the first word that is not an area. */
bool diff_areas_parse(const char *list, unsigned *mask, char **bad);

enum diff_class { DIFF_REDUCES, DIFF_IMPROVES, DIFF_NEUTRAL, DIFF_NCLASSES };
/* "reduces", "improves", "neutral" */
const char *diff_class_id(enum diff_class c);

/* A value before or after a change, as data: the renderers write it as
 * JSON.  DV_HEX is an address or register, written as a hex string. */
enum diff_value_type { DV_NULL, DV_BOOL, DV_INT, DV_STRING, DV_HEX, DV_LIST, DV_OBJECT };
struct diff_value {
	enum diff_value_type type;
	const char *key;           /* a member of a DV_OBJECT: its key (static) */
	bool b;
	long long i;
	uint64_t u;
	char *s;
	struct diff_value *items;  /* DV_LIST and DV_OBJECT */
	size_t n, cap;
};
void diff_value_release(struct diff_value *v);
/* The member KEY of object V, or NULL. */
const struct diff_value *diff_value_get(const struct diff_value *v, const char *key);

struct diff_change {
	enum diff_area area;
	const char *kind;          /* stable snake_case: groups_merged, domain_type, ... */
	enum diff_class cls;
	const char *reason;        /* stable snake_case: why this class */
	char *subject;             /* "group 5", "0000:05:00.0", "dmar0", "strict" */
	struct strvec devices;     /* the functions (and other group members) it concerns */
	struct diff_value before;  /* DV_NULL where nothing was, or unknown (the kind says) */
	struct diff_value after;
	char *message;             /* one sentence */
	size_t seq;                /* internal: order of making */
};

/* A group whose members are the same on both sides, under another number. */
struct diff_renumbered {
	int before, after;
};

struct diff_report {
	struct diff_change *changes; /* reducing first, then improving, then neutral;
				      * in area order within each */
	size_t n, cap;
	struct diff_renumbered *renumbered;
	size_t nrenumbered, caprenumbered;
	size_t count[DIFF_NCLASSES];
};
void diff_report_release(struct diff_report *r);

/* One side of a diff: a snapshot and what the analyses make of it. */
struct diff_side {
	const struct snapshot *s;
	struct isolation iso;            /* isolation_choose, as the snapshot stands */
	struct iommu_presence presence;
	struct status_report status;
	struct swiotlb_report swiotlb;
	struct pci_tree tree;            /* for what a bus reset reaches (check-vfio) */
	bool cmdline_known;
	struct iommu_cmdline cmdline;
};
void diff_side_init(struct diff_side *side, const struct snapshot *s);
void diff_side_release(struct diff_side *side);

struct diff_request {
	unsigned areas;                  /* DIFF_AREAS_ALL, or --only's */
	/* -s and -d: per function of each snapshot, whether it is selected
	 * (NULL: every one).  A change about functions is kept when one of
	 * them is selected on either side; a change of the host as a whole
	 * (units, status, command line, swiotlb) is always kept. */
	const bool *old_selected, *new_selected;
};

/* Compares OLD with NEW. */
void diff_analyse(const struct diff_side *old, const struct diff_side *new, const struct diff_request *req,
		  struct diff_report *r);

/* ---- rendering (render-diff.c) ------------------------------------------------------ */

/* What a diff shows: the report, the two sides as the user named them, the
 * areas compared, and the snapshots (for their warnings). */
struct diff_view {
	const struct diff_report *r;
	const char *old_name, *new_name;
	unsigned areas;
	const struct snapshot *old_s, *new_s;
	const char *names_warning;
};
/* One line per change ("CLASS AREA SENTENCE"), then a summary line.
 * WIDTH: a terminal's width, to break the sentences at words; 0 for none.
 * Returns 0, or -1 if the output failed. */
int render_diff_text(const struct diff_view *v, size_t width);
/* The diff document ({"schema_version": 2, "changes": [...], ...}). */
int json_print_diff(const struct diff_view *v, bool pretty);

#endif
