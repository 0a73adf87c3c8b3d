/* isolation.h - the kernel's PCI isolation rules: ACS (pci_acs_enabled and
 * its quirk table), DMA aliases (pci_for_each_dma_alias and the alias
 * quirks), and group formation (pci_device_group), as a simulation that
 * also records why each function lands where it does.  Pure functions over
 * a const snapshot loaded with SNAP_LOAD_ALL.  Sources: KERNEL-FACTS.md
 * section 2; drivers/iommu/iommu.c, drivers/pci/pci.c, search.c, quirks.c. */
#ifndef IOMMUCTL_ISOLATION_H
#define IOMMUCTL_ISOLATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "platform.h"

enum tri { TRI_NO = 0, TRI_YES = 1, TRI_UNKNOWN = -1 };

/* Why a function passes or fails pci_acs_enabled(dev, SV|RR|CR|UF). */
enum acs_rule {
	ACS_RULE_UNKNOWN,         /* configuration space past 64 bytes unread */
	ACS_RULE_QUIRK,           /* a device-specific quirk decides */
	ACS_RULE_OVERRIDE,        /* pcie_acs_override claims it (out-of-tree) */
	ACS_RULE_NOT_PCIE,        /* conventional PCI never isolates */
	ACS_RULE_BRIDGE_TYPE,     /* PCIe<->PCI bridges, event collectors: never */
	ACS_RULE_NO_CAP,          /* a port or multifunction function without ACS */
	ACS_RULE_FLAGS_MISSING,   /* ACS present, required controls not enabled */
	ACS_RULE_FLAGS_OK,        /* ACS present, required controls enabled */
	ACS_RULE_SINGLE_FUNCTION, /* a single-function endpoint needs no ACS */
	ACS_RULE_OTHER_TYPE,      /* other PCIe types pass */
};

struct acs_verdict {
	enum tri isolated;
	enum acs_rule rule;
	uint16_t ctl;       /* ACS Control used (after the kernel's enabling when predicting) */
	uint16_t missing;   /* ACS_RULE_FLAGS_MISSING: the required controls off */
	const char *quirk;  /* ACS_RULE_QUIRK: the kernel function's name */
};

/* How ACS is evaluated: on the snapshot as it is (the kernel already set
 * the controls when it had an IOMMU), or as the kernel would set them once
 * an IOMMU driver asks for ACS (prediction). */
struct isolation {
	const struct snapshot *s;
	bool predict;
	/* predicting: whether the kernel turns ACS on before enumeration on
	 * this platform (ACPI yes; a device tree, up to 6.12, no), and why */
	struct acs_request acs_req;
	bool ivrs;                 /* ACPI IVRS present (AMD south-bridge quirk) */
	/* pcie_acs_override= (an out-of-tree patch; mainline ignores it) */
	bool override;
	bool override_downstream, override_multifunction;
	uint32_t override_ids[16]; /* vendor << 16 | device */
	size_t noverride_ids;
	/* per device, filled by isolation_init */
	struct acs_verdict *acs;   /* indexed like s->dev */
	uint16_t *ctl;             /* effective ACS Control */
};

/* Prepares ISO for S (cmdline parsed, every function's ACS verdict made).
 * With OVERRIDE false, pcie_acs_override is ignored even if present. */
void isolation_init(struct isolation *iso, const struct snapshot *s, bool predict, bool override);
void isolation_release(struct isolation *iso);
/* Prepares ISO with the rules this kernel follows: pcie_acs_override (an
 * out-of-tree patch) is honoured only when S's real groups show that the
 * kernel applied it.  Returns whether it did: TRI_YES, TRI_NO (applied or
 * absent), or TRI_UNKNOWN (predicting, or no real groups: then mainline's
 * rules, which ignore the option). */
enum tri isolation_choose(struct isolation *iso, const struct snapshot *s, bool predict);

/* The kernel's pci_acs_path_enabled(start, NULL, REQ): every bridge from
 * START up to its root bus isolates.  *FAILED gets the first one that does
 * not (or whose ACS is unknown). */
enum tri acs_path_isolated(const struct isolation *iso, size_t start, int *failed);

/* How a function came to its group (pci_device_group's branches). */
enum join_kind {
	JOIN_NEW,          /* it got a new group */
	JOIN_ALIAS,        /* a bridge whose requester ID it uses had one */
	JOIN_UPSTREAM,     /* a bridge above, not isolated from it, had one */
	JOIN_ALIAS_QUIRK,  /* a DMA alias (kernel quirk) on its bus had one */
	JOIN_FUNCTION,     /* a function of the same slot, both without ACS */
	JOIN_VMD,          /* the VMD controller whose requester ID it uses */
	JOIN_UNKNOWN,      /* ACS unknown on the way: cannot tell */
};

struct join {
	enum join_kind kind;
	int via;     /* the device that already had the group (-1: none) */
	int failed;  /* JOIN_UPSTREAM: the bridge on the path that does not
		      * isolate (may differ from VIA) */
};

/* A predicted grouping: group[i] is device i's group (-1: none, outside the
 * IOMMU's scope), numbered in the order the kernel would create them. */
struct prediction {
	int *group;
	struct join *why;
	int ngroups;
	size_t *size;        /* members of each predicted group */
	bool complete;       /* no ACS verdict was unknown */
	int unknown_dev;     /* when !complete: a device whose ACS is unknown */
};

/* pdev->multifunction as the kernel sets it: function 0's header bit, and
 * every other function found by a slot scan; never a VF. */
bool kernel_multifunction(const struct pci_device *d);

/* True if P groups S's functions exactly as S's groups do (the kernel's,
 * when S has real groups). */
bool prediction_matches(const struct prediction *p, const struct snapshot *s);

/* Which functions an IOMMU would put in groups: on a snapshot with IOMMU
 * units, those the units list; without, every function but the IOMMUs'
 * own (class 0x0806). */
bool isolation_in_scope(const struct snapshot *s, size_t dev);

/* Runs pci_device_group over S's functions in the kernel's order. */
void predict_groups(const struct isolation *iso, struct prediction *p);
void prediction_release(struct prediction *p);

/* Replaces S's groups by P's (ids in creation order, members, no type or
 * reserved regions: those only a running kernel knows) and each function's
 * group by its predicted one. */
void prediction_apply(const struct prediction *p, struct snapshot *s);

/* DMA alias quirks: true if A and B are known aliases of each other
 * (pci_devs_are_dma_aliases, from the kernel's quirk tables). */
bool dma_alias_quirk(const struct pci_device *a, const struct pci_device *b);

/* ---- explanations ---------------------------------------------------------- */

/* One reason devices share a group (or that one is alone). */
struct reason {
	const char *code;  /* dma_alias_bridge, upstream_not_isolated,
			    * multifunction_no_acs, dma_alias_quirk, vmd_alias,
			    * isolated */
	int subject;       /* the bridge, port or function concerned, or -1 */
	size_t *devs;      /* the functions this reason puts together */
	size_t ndevs;
	uint16_t missing;  /* ACS controls missing at SUBJECT, if that is why */
	char *message;     /* one sentence */
};

struct remedy {
	const char *code;  /* move_device, firmware_acs, kernel_quirk,
			    * remove_cmdline_option, enable_iommu, assign_together */
	char *message;
};

struct explanation {
	int group;
	size_t *members;        /* indices into snapshot.dev */
	size_t nmembers;
	bool model_agrees;      /* the simulation groups exactly these */
	struct reason *reasons;
	size_t nreasons;
	struct remedy *remedies;
	size_t nremedies;
	/* pcie_acs_override on the command line: what it claims here, and
	 * whether this kernel applied it (TRI_UNKNOWN without real groups) */
	bool override_present;
	enum tri override_active;
	size_t *override_claims;
	size_t noverride_claims;
	char *override_message;
};

/* Explains group GROUP of S (whose groups are the kernel's, or a
 * prediction applied with prediction_apply) with the simulation P made over
 * ISO (predict_groups). */
void explain_group(const struct isolation *iso, const struct prediction *p, int group, struct explanation *e);
/* Adds to E what pcie_acs_override claims on the way of its group (from
 * ISO_OVERRIDE, made with the override honoured) and whether this kernel
 * applied it (ACTIVE; TRI_UNKNOWN for predicted groups). */
void explain_acs_override(const struct isolation *iso_override, enum tri active, struct explanation *e);
void explanation_release(struct explanation *e);
/* One sentence: "05:00.0 and 06:00.0 share group 14: <reasons>." (or "X is
 * alone in group N: ..."). */
char *explanation_sentence(const struct snapshot *s, const struct explanation *e);
/* "05:00.0" for domain 0, the whole address otherwise. */
void short_bdf(const struct pci_device *d, char out[PCI_BDF_MAX]);

#endif
