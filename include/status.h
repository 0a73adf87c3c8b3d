/* status.h - the host-wide IOMMU picture (`iommuctl status`): IOMMU
 * hardware and driver, the units' decoded capabilities, the default domain
 * and where it came from, strict or lazy invalidation, interrupt
 * remapping, VFIO modules and nodes.  Each check is PASS, WARN, FAIL, INFO
 * (a fact) or UNKNOWN (the snapshot lacks what decides it), with a reason
 * and, when not PASS, a remedy.
 *
 * Pure functions over a const snapshot loaded with SNAP_LOAD_ALL (the host
 * facts: /proc/interrupts, /sys/module, /dev/vfio, the units' registers);
 * the register decoders are exposed for unit tests. */
#ifndef IOMMUCTL_STATUS_H
#define IOMMUCTL_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmdline.h"
#include "model.h"
#include "util.h"

/* ---- register decoders ------------------------------------------------------ */

/* Intel VT-d CAP_REG and ECAP_REG (KERNEL-FACTS 1.4; the driver's cap_* and
 * ecap_* macros, drivers/iommu/intel/iommu.h). */
struct intel_iommu_caps {
	unsigned mgaw;            /* CAP.MGAW + 1: maximum guest address width, bits */
	unsigned sagaw;           /* CAP.SAGAW, raw (bit k: AGAW k) */
	unsigned nwidths;
	unsigned widths[4];       /* supported address widths (30, 39, 48, 57), ascending */
	unsigned levels[4];       /* page-table levels of each width (2..5) */
	bool super_2m, super_1g;  /* CAP.SLLPS: second-stage super pages */
	unsigned long domains;    /* CAP.ND: 1 << (4 + 2 * ND) domain ids */
	bool caching_mode;        /* CAP.CM: in practice a virtual IOMMU */
	bool posted_interrupts;   /* CAP.PI */
	bool fl1gp, fl5lp;        /* CAP.FL1GP, CAP.FL5LP: first-stage 1 GiB pages, 5 levels */
	bool coherent;            /* ECAP.C */
	bool queued_invalidation; /* ECAP.QI */
	bool device_tlb;          /* ECAP.DT (ATS) */
	bool interrupt_remapping; /* ECAP.IR */
	bool x2apic;              /* ECAP.EIM */
	bool pass_through;        /* ECAP.PT: without it the driver forces DMA */
	bool snoop_control;       /* ECAP.SC */
	bool nested;              /* ECAP.NEST */
	bool page_requests;       /* ECAP.PRS */
	bool pasid;               /* ECAP.PASID */
	bool scalable_mode;       /* ECAP.SMTS */
	bool second_stage;        /* ECAP.SLTS */
	bool first_stage;         /* ECAP.FLTS */
};
void intel_iommu_caps_decode(uint64_t cap, uint64_t ecap, struct intel_iommu_caps *out);

/* AMD-Vi capability header and Extended Feature Register (KERNEL-FACTS
 * 1.4; drivers/iommu/amd/amd_iommu_types.h). */
struct amd_iommu_caps {
	bool iotlb;               /* cap bit 24 */
	bool np_cache;            /* cap bit 26: in practice a virtual IOMMU */
	bool efr_supported;       /* cap bit 27 */
	bool prefetch, ppr, x2apic, nx, guest_translation, invalidate_all, guest_apic, hardware_errors,
		performance_counters, guest_apic_vapic, snp;
	unsigned host_levels;     /* EFR.HATS: host page-table levels 4, 5, 6; 0 reserved */
	unsigned guest_levels;    /* EFR.GATS: guest page-table levels 4, 5; 0 reserved */
};
void amd_iommu_caps_decode(uint64_t cap, uint64_t efr, struct amd_iommu_caps *out);

/* ---- the checks ------------------------------------------------------------------ */

enum status_state { STATUS_PASS, STATUS_WARN, STATUS_FAIL, STATUS_INFO, STATUS_UNKNOWN };
/* "pass", "warn", "fail", "info", "unknown" */
const char *status_state_id(enum status_state st);

struct status_check {
	const char *code;      /* stable snake_case: iommu_hardware, ... */
	enum status_state state;
	const char *title;     /* short, for people: "interrupt remapping" */
	char *subject;         /* the unit of an iommu_unit check, else NULL */
	char *detail;          /* what is true, and why */
	char *remedy;          /* what to do; NULL when nothing */
};

/* One IOMMU unit with its registers decoded. */
struct status_unit {
	size_t index;          /* into snapshot.unit */
	bool intel, amd;       /* registers decoded into intel_caps / amd_caps */
	struct intel_iommu_caps intel_caps;
	struct amd_iommu_caps amd_caps;
};

/* Group default domain types and how many groups have each. */
struct status_type_count {
	const char *type;      /* the kernel's spelling, points into the snapshot */
	size_t groups;
};

struct status_report {
	struct status_check *checks;
	size_t nchecks;
	struct status_unit *units;
	size_t nunits;

	bool present;                /* an IOMMU translates DMA (iommu_presence_analyse) */
	/* which modules are loaded (/sys/module could be listed), and which
	 * VFIO device nodes exist (/dev could be listed); false also for
	 * captures made before iommuctl read them */
	bool modules_known;
	bool nodes_known;
	struct strvec drivers;       /* distinct unit drivers, in unit order */
	struct strvec cmdline_options;
	struct status_type_count *types;
	size_t ntypes;
	size_t groups_untyped;       /* groups whose type is unknown */
	const char *default_domain;  /* the type every group has; NULL if none, mixed or unknown */
	char *default_domain_by;     /* the option that chose it, or NULL */
	const char *invalidation;    /* "strict", "lazy", "mixed" or NULL (unknown, none translated) */
	char *invalidation_by;       /* the option or hardware property that chose it, or NULL */
	int ir_active;               /* 1, 0, -1 unknown */
	int ir_supported;            /* Intel ECAP.IR of every unit: 1, 0, -1 unknown */
	char *ir_disabled_by;        /* intremap=off / nointremap, or NULL */
	int vfio_loaded;             /* vfio (or a module needing it) is loaded: 1, 0, -1 unknown */
	bool failed;                 /* some check is FAIL */
	/* some check that can FAIL (IOMMU hardware and driver, interrupt
	 * remapping) is UNKNOWN: "no check failed" cannot be said */
	bool undecided;
};

/* Runs every check over S. */
void status_analyse(const struct snapshot *s, struct status_report *out);
/* The same with the functions it lists (those in no group) narrowed to
 * SELECTED (per function of S; NULL: all): status -s, -d. */
void status_analyse_selected(const struct snapshot *s, const bool *selected, struct status_report *out);
void status_report_release(struct status_report *r);
/* The (first) check with CODE, or NULL. */
const struct status_check *status_find(const struct status_report *r, const char *code);
/* True for the checks that can FAIL (so an UNKNOWN one leaves the report
 * undecided): iommu_hardware, iommu_driver, interrupt_remapping (x86) or
 * msi_isolation (Arm). */
bool status_check_can_fail(const char *code);

/* ---- rendering (render-status.c) ------------------------------------------------ */

struct list_options;
struct column_table;
/* Text: a libsmartcols table (-o, -r, -P, -n as the list commands), and a
 * one-line verdict under it unless raw, pairs or no headings.  On a
 * terminal (O->width) DETAIL, REMEDY and the verdict are broken at words
 * into lines that fit.  Returns 0, or -1 if the output failed. */
int render_status_text(const struct snapshot *s, const struct status_report *r, const struct list_options *o);
/* Its columns (-o, --list-columns). */
extern const struct column_table status_columns;
/* node_exporter textfile-collector metrics (iommuctl_status_*). */
int render_status_prometheus(const struct snapshot *s, const struct status_report *r);
/* The status document ({"schema_version": 1, "checks": [...], ...}). */
int json_print_status(const struct snapshot *s, const struct status_report *r, const char *names_warning, bool pretty);

#endif
