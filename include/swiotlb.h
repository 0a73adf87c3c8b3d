/* swiotlb.h - the swiotlb bounce-buffer pools and which devices bounce
 * through them (KERNEL-FACTS.md section 5): pure functions over a snapshot
 * loaded with SNAP_LOAD_DMA. */
#ifndef IOMMUCTL_SWIOTLB_H
#define IOMMUCTL_SWIOTLB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

enum swiotlb_state {
	SWIOTLB_ACTIVE,         /* a pool with slabs */
	SWIOTLB_NO_POOL,        /* debugfs readable, no pool (none was set up or it was freed) */
	SWIOTLB_NO_DEBUGFS,     /* debugfs is not mounted (or the kernel has none) */
	SWIOTLB_NO_PERMISSION,  /* debugfs is there but root-only */
};
const char *swiotlb_state_id(enum swiotlb_state st); /* "active", "no_pool", ... */

/* A counter as reported: -1 when this kernel has no such file or it could
 * not be read; UNDERFLOW when it read as a wrapped negative number (the
 * 2^64-1 some kernels print: a kernel accounting bug, not usage). */
struct swiotlb_count {
	long long slabs;
	bool underflow;
};

struct swiotlb_pool_stats {
	const struct swiotlb_pool *pool;
	struct swiotlb_count nslabs, used, hiwater, transient;
	long long total_bytes, used_bytes, hiwater_bytes; /* -1 unknown */
	double used_pct, hiwater_pct;                     /* < 0 unknown */
};

struct swiotlb_report {
	int arch;                     /* enum arch (platform.h): wording */
	enum swiotlb_state state;
	bool present;                 /* a pool with slabs exists */
	struct swiotlb_pool_stats *pools; /* the default pool first */
	size_t npools;
	/* the command line */
	bool cmdline_known;
	const char *setting;          /* the last swiotlb= token, or NULL */
	long long requested_slabs;    /* its size, rounded up to 128; -1 none */
	int forced;                   /* swiotlb=force (and no noforce, which wins): 1; 0; -1 unknown */
	bool disabled;                /* swiotlb=noforce */
	/* why the state is what it is, and what to do (NULL when active) */
	char *message;
	char *remedy;
	/* sizing advice from the high-water mark (or current use); NULL when
	 * there is nothing to say */
	char *advice;
	long long advice_slabs;       /* the swiotlb= size advised, or -1 */
};

void swiotlb_analyse(const struct snapshot *s, struct swiotlb_report *r);
void swiotlb_report_release(struct swiotlb_report *r);

/* Which devices bounce. */
enum swiotlb_bounce {
	BOUNCE_ALWAYS,      /* every streaming mapping (forced) */
	BOUNCE_ABOVE_MASK,  /* buffers the DMA mask cannot reach */
	BOUNCE_UNALIGNED,   /* untrusted device under an IOMMU: sub-page buffers */
	BOUNCE_NEVER,
	BOUNCE_UNKNOWN,
};
const char *swiotlb_bounce_id(enum swiotlb_bounce b); /* "always", "above_mask", ... */

struct swiotlb_device {
	size_t dev;
	enum swiotlb_bounce bounces;
	const char *path;   /* "direct", "translated", "none" (no driver), "vfio" */
	bool fails;         /* it needs a bounce and there is no pool: the mapping fails */
	char *reason;
};

/* One entry per PCI function, in address order. */
void swiotlb_devices(const struct snapshot *s, const struct swiotlb_report *r, struct swiotlb_device **out,
		     size_t *n);
void swiotlb_devices_release(struct swiotlb_device *d, size_t n);

#endif
