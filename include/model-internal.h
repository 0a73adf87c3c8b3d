/* model-internal.h - loaders shared between the model's source files. */
#ifndef IOMMUCTL_MODEL_INTERNAL_H
#define IOMMUCTL_MODEL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "sysroot.h"

/* model-host.c: SNAP_LOAD_HOST (host.h). */
void load_host(struct snapshot *s, struct sysroot *sr);

/* model-dma.c: SNAP_LOAD_SWIOTLB, and with ALL the functions' masks too
 * (SNAP_LOAD_DMA; dma.h). */
void load_dma(struct snapshot *s, struct sysroot *sr, bool all);

/* Reads PATH (at most MAX bytes) as a string; NULL if it cannot be read,
 * with the -errno in *ERR (if not NULL) and, when REPORT is set and the
 * file is there, an issue recorded. */
char *model_read_text(struct snapshot *s, struct sysroot *sr, const char *path, size_t max, bool report, int *err);

#endif
