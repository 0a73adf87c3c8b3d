/* model-dma.c - SNAP_LOAD_DMA: the swiotlb pools under
 * /sys/kernel/debug/swiotlb, the memory map (/sys/firmware/memmap, else
 * /proc/iomem), and each function's DMA masks. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model-internal.h"

#define ATTR_MAX 4096u
#define SWIOTLB_DIR "sys/kernel/debug/swiotlb"

void dma_facts_init(struct dma_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->swiotlb_err = -ENOENT;
	f->debugfs_mounted = -1;
}

void dma_facts_release(struct dma_facts *f)
{
	for (size_t i = 0; i < f->npools; i++)
		free(f->pools[i].name);
	free(f->pools);
	for (size_t i = 0; i < f->nmemmap; i++)
		free(f->memmap[i].type);
	free(f->memmap);
	dma_facts_init(f);
}

/* ---- swiotlb ---------------------------------------------------------------- */

/* A counter file: "%lu\n" / "%llu\n".  Absent is not an error (the file
 * came with a later kernel); unparsable is. */
static void load_counter(struct snapshot *s, struct sysroot *sr, const char *dir, const char *name,
			 struct dma_counter *c)
{
	char *path = xasprintf("%s/%s", dir, name), *t;
	int err;
	memset(c, 0, sizeof(*c));
	t = model_read_text(s, sr, path, ATTR_MAX, true, &err);
	if (err != -ENOENT) {
		c->present = true;
		c->err = err;
		if (t && !parse_u64(rstrip(t), 10, &c->value)) {
			c->err = -EINVAL;
			snapshot_add_issue(s, path, 0, "not a decimal number");
		}
	}
	free(t);
	free(path);
}

static void load_pool(struct snapshot *s, struct sysroot *sr, const char *dir, const char *name, bool is_default)
{
	struct dma_facts *f = &s->dma;
	struct swiotlb_pool *p;
	f->pools = xrealloc(f->pools, (f->npools + 1) * sizeof(*f->pools));
	p = &f->pools[f->npools++];
	memset(p, 0, sizeof(*p));
	p->name = xstrdup(name);
	p->is_default = is_default;
	load_counter(s, sr, dir, "io_tlb_nslabs", &p->nslabs);
	load_counter(s, sr, dir, "io_tlb_used", &p->used);
	load_counter(s, sr, dir, "io_tlb_used_hiwater", &p->hiwater);
	load_counter(s, sr, dir, "io_tlb_transient_nslabs", &p->transient_nslabs);
}

static bool is_counter(const char *name)
{
	return strncmp(name, "io_tlb_", 7) == 0;
}

static void load_swiotlb(struct snapshot *s, struct sysroot *sr)
{
	struct dma_facts *f = &s->dma;
	struct sr_dir dir;
	bool files = false;

	sr_dir_init(&dir);
	f->swiotlb_err = sr_list(sr, SWIOTLB_DIR, NULL, &dir);
	/* not an issue: the swiotlb state (no_permission) says it, where it
	 * matters */
	/* The default pool's files sit in the directory itself (a kernel
	 * without a pool leaves it empty, or shows io_tlb_nslabs 0);
	 * restricted DMA pools are subdirectories (5.15+). */
	for (size_t i = 0; i < dir.n; i++)
		files = files || (dir.ent[i].type != DT_DIR && is_counter(dir.ent[i].name));
	if (files)
		load_pool(s, sr, SWIOTLB_DIR, "swiotlb", true);
	for (size_t i = 0; i < dir.n; i++)
		if (dir.ent[i].type == DT_DIR) {
			char *sub = xasprintf("%s/%s", SWIOTLB_DIR, dir.ent[i].name);
			load_pool(s, sr, sub, dir.ent[i].name, false);
			free(sub);
		}
	sr_dir_release(&dir);
}

/* Whether the mount table has debugfs on /sys/kernel/debug. */
static void load_debugfs_mount(struct snapshot *s, struct sysroot *sr)
{
	char *text = model_read_text(s, sr, "proc/self/mounts", 16u << 20, false, NULL);
	if (!text)
		return;
	s->dma.debugfs_mounted = 0;
	for (char *line = text, *next; line && *line; line = next) {
		char source[256], mnt[4096], fstype[64];
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (sscanf(line, "%255s %4095s %63s", source, mnt, fstype) == 3 && !strcmp(fstype, "debugfs") &&
		    !strcmp(mnt, "/sys/kernel/debug"))
			s->dma.debugfs_mounted = 1;
	}
	free(text);
}

/* ---- the memory map ------------------------------------------------------------ */

static void add_range(struct dma_facts *f, uint64_t start, uint64_t end, const char *type)
{
	f->memmap = xrealloc(f->memmap, (f->nmemmap + 1) * sizeof(*f->memmap));
	f->memmap[f->nmemmap].start = start;
	f->memmap[f->nmemmap].end = end;
	f->memmap[f->nmemmap].type = xstrdup(type);
	f->nmemmap++;
}

static int cmp_range(const void *a, const void *b)
{
	const struct memmap_range *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* /sys/firmware/memmap/N/{start,end,type}: the firmware's map (e820 on
 * x86), readable by everyone. */
static bool load_firmware_memmap(struct snapshot *s, struct sysroot *sr)
{
	struct sr_dir dir;
	bool ok;
	sr_dir_init(&dir);
	ok = sr_list(sr, "sys/firmware/memmap", is_decimal, &dir) == 0 && dir.n > 0;
	for (size_t i = 0; ok && i < dir.n; i++) {
		char path[96], *start, *end, *type;
		uint64_t a, b;
		snprintf(path, sizeof(path), "sys/firmware/memmap/%s/start", dir.ent[i].name);
		start = model_read_text(s, sr, path, ATTR_MAX, true, NULL);
		snprintf(path, sizeof(path), "sys/firmware/memmap/%s/end", dir.ent[i].name);
		end = model_read_text(s, sr, path, ATTR_MAX, true, NULL);
		snprintf(path, sizeof(path), "sys/firmware/memmap/%s/type", dir.ent[i].name);
		type = model_read_text(s, sr, path, ATTR_MAX, true, NULL);
		if (start && end && type && parse_u64(rstrip(start), 16, &a) && parse_u64(rstrip(end), 16, &b) &&
		    a <= b)
			add_range(&s->dma, a, b, rstrip(type));
		else if (start && end && type) {
			snprintf(path, sizeof(path), "sys/firmware/memmap/%s", dir.ent[i].name);
			snapshot_add_issue(s, path, 0, "start and end are not a range");
		}
		free(start);
		free(end);
		free(type);
	}
	sr_dir_release(&dir);
	if (s->dma.nmemmap)
		s->dma.memmap_source = "/sys/firmware/memmap";
	return s->dma.nmemmap > 0;
}

/* /proc/iomem's top-level lines ("00100000-bffdffff : System RAM"); an
 * unprivileged reader sees every address as 0. */
static void load_iomem(struct snapshot *s, struct sysroot *sr)
{
	char *text = model_read_text(s, sr, "proc/iomem", 16u << 20, true, NULL);
	bool nonzero = false;
	size_t n = 0;
	if (!text)
		return;
	for (char *line = text, *next; line && *line; line = next) {
		unsigned long long a, b;
		int off = 0;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (*line == ' ' || sscanf(line, "%llx-%llx : %n", &a, &b, &off) != 2 || !off || a > b)
			continue;
		n++;
		nonzero = nonzero || b != 0;
		add_range(&s->dma, a, b, line + off);
	}
	free(text);
	if (n && !nonzero) {
		s->dma.iomem_hidden = true;
		for (size_t i = 0; i < s->dma.nmemmap; i++)
			free(s->dma.memmap[i].type);
		free(s->dma.memmap);
		s->dma.memmap = NULL;
		s->dma.nmemmap = 0;
		return;
	}
	if (n)
		s->dma.memmap_source = "/proc/iomem";
}

static void load_memmap(struct snapshot *s, struct sysroot *sr)
{
	struct dma_facts *f = &s->dma;
	if (!load_firmware_memmap(s, sr))
		load_iomem(s, sr);
	if (f->nmemmap > 1) /* no map at all: memmap is NULL, which qsort must not get */
		qsort(f->memmap, f->nmemmap, sizeof(*f->memmap), cmp_range);
	for (size_t i = 0; i < f->nmemmap; i++)
		if (!strcmp(f->memmap[i].type, "System RAM") && f->memmap[i].end + 1 > f->ram_top)
			f->ram_top = f->memmap[i].end + 1;
}

/* ---- the functions' masks ------------------------------------------------------- */

int parse_mask_bits(char *text)
{
	int v;
	if (!parse_int(rstrip(text), &v) || v < 0 || v > 64)
		return -1;
	return v;
}

static int read_bits(struct snapshot *s, struct sysroot *sr, const char *bdf, const char *attr)
{
	char path[96], *t;
	int v = -1;
	snprintf(path, sizeof(path), "sys/bus/pci/devices/%s/%s", bdf, attr);
	t = model_read_text(s, sr, path, ATTR_MAX, true, NULL);
	if (t && (v = parse_mask_bits(t)) < 0)
		snapshot_add_issue(s, path, 0, "not a number of bits (0 to 64)");
	free(t);
	return v;
}

static void load_masks(struct snapshot *s, struct sysroot *sr)
{
	for (size_t i = 0; i < s->ndev; i++) {
		struct pci_device *d = &s->dev[i];
		char path[96], *t;
		d->dma_mask_bits = read_bits(s, sr, d->bdf, "dma_mask_bits");
		d->coherent_dma_mask_bits = read_bits(s, sr, d->bdf, "consistent_dma_mask_bits");
		snprintf(path, sizeof(path), "sys/bus/pci/devices/%s/removable", d->bdf);
		t = model_read_text(s, sr, path, ATTR_MAX, true, NULL);
		d->removable = t ? rstrip(t) : NULL;
	}
}

void load_dma(struct snapshot *s, struct sysroot *sr, bool all)
{
	s->dma.loaded = true;
	load_swiotlb(s, sr);
	/* the mount table matters only when the pools cannot be listed: is
	 * debugfs missing, or only the swiotlb directory? */
	if (s->dma.swiotlb_err)
		load_debugfs_mount(s, sr);
	load_memmap(s, sr);
	if (all)
		load_masks(s, sr);
}
