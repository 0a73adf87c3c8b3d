/* common.c - see common.h. */
#define _GNU_SOURCE
#include "common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "diff.h"
#include "isolation.h"
#include "status.h"
#include "swiotlb.h"
#include "vfio.h"

char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

size_t fuzz_add_function(struct snapshot *s, const char *bdf, const uint8_t *cfg, size_t len, int parent)
{
	struct pci_device *d;

	s->dev = xrealloc(s->dev, (s->ndev + 1) * sizeof(*s->dev));
	d = &s->dev[s->ndev];
	memset(d, 0, sizeof(*d));
	if (!pci_addr_parse(bdf, &d->addr))
		abort(); /* the harness's own mistake */
	pci_addr_format(&d->addr, d->bdf);
	if (s->host_bridges.n == 0)
		strvec_push(&s->host_bridges, "pci0000:00");
	s->topology_loaded = true;
	d->topology_known = true;
	d->parent = parent;
	d->host_bridge = 0;
	d->dma_dev = -1;
	d->group = d->unit = -1;
	d->boot_vga = d->sriov_numvfs = -1;
	d->dma_mask_bits = d->coherent_dma_mask_bits = -1;
	d->driver_known = true;
	/* as load_device_ident keeps it: nothing shorter than the header */
	if (len < PCI_CFG_HEADER_SIZE) {
		pci_parse_caps(cfg, 0, &d->caps);
		return s->ndev++;
	}
	d->config_len = len;
	pci_parse_caps(cfg, len, &d->caps);
	d->revision_known = d->class_known = true;
	d->ident_known = pci_decode_ident(cfg, len, &d->ident);
	if (!d->ident_known) {
		/* all ones in the id registers: a VF, as far as the header
		 * can tell */
		d->virtfn = true;
		d->ident.revision = cfg[PCI_CFG_REVISION];
		d->ident.class_code = pci_cfg_u32(cfg, PCI_CFG_REVISION) >> 8;
		d->ident.header_type = cfg[PCI_CFG_HEADER_TYPE] & 0x7f;
	}
	return s->ndev++;
}

void fuzz_config(uint8_t *cfg, size_t len, unsigned vendor, unsigned device, unsigned cls, unsigned header,
		 int type, unsigned acs_cap, unsigned acs_ctl)
{
	memset(cfg, 0, len);
	cfg[0x00] = (uint8_t)vendor;
	cfg[0x01] = (uint8_t)(vendor >> 8);
	cfg[0x02] = (uint8_t)device;
	cfg[0x03] = (uint8_t)(device >> 8);
	cfg[0x09] = (uint8_t)cls;
	cfg[0x0a] = (uint8_t)(cls >> 8);
	cfg[0x0b] = (uint8_t)(cls >> 16);
	cfg[0x0e] = (uint8_t)header;
	if (type < 0)
		return; /* conventional PCI: no capability list */
	cfg[0x06] = 0x10; /* Status: capability list */
	cfg[0x34] = 0x40;
	cfg[0x40] = PCI_CAP_ID_EXP;
	cfg[0x42] = (uint8_t)((unsigned)type << 4 | 2);
	cfg[0x44] = 0x00; /* Device Capabilities */
	cfg[0x47] = 0x10; /* FLR */
	if (acs_cap && len >= 0x108) {
		cfg[0x100] = PCI_EXT_CAP_ACS;
		cfg[0x102] = 0x10; /* version 1, last in the list */
		cfg[0x104] = (uint8_t)acs_cap;
		cfg[0x105] = (uint8_t)(acs_cap >> 8);
		cfg[0x106] = (uint8_t)acs_ctl;
		cfg[0x107] = (uint8_t)(acs_ctl >> 8);
	}
}

void fuzz_host(struct snapshot *s, char *cmdline)
{
	struct swiotlb_pool *pool;

	snapshot_init(s);
	s->cmdline = cmdline;
	s->cmdline_err = cmdline ? 0 : -EACCES;
	s->host.loaded = true;
	s->host.kernel_release = xstrdup("6.1.0-56-amd64");
	s->host.kver_major = 6;
	s->host.kver_minor = 1;
	s->host.ir_active = 1;
	s->host.its_msi = 0;
	s->host.x86 = 1;
	s->host.vfio.container = true;
	s->host.params.vfio_loaded = s->host.params.vfio_pci_loaded = s->host.params.type1_loaded = true;
	s->host.params.type1_allow_unsafe_interrupts = 0;
	s->host.params.noiommu_mode = 0;
	s->dma.loaded = true;
	s->dma.swiotlb_err = 0;
	s->dma.debugfs_mounted = 1;
	s->dma.ram_top = 8ull << 30;
	s->dma.memmap_source = "/sys/firmware/memmap";
	s->dma.pools = pool = xcalloc(1, sizeof(*pool));
	s->dma.npools = 1;
	pool->name = xstrdup("swiotlb");
	pool->is_default = true;
	pool->nslabs = (struct dma_counter){.present = true, .value = 32768};
	pool->used = (struct dma_counter){.present = true, .value = 100};
	s->unit = xcalloc(1, sizeof(*s->unit));
	s->nunit = 1;
	s->unit->name = xstrdup("dmar0");
	s->unit->driver = "intel";
	strvec_init(&s->unit->members);
	s->unit->members_known = s->unit->regs_known = true;
	s->unit->cap = 0xd2008c22260206ull;
	s->unit->ecap = 0xf00f4aull;
	s->unit->version = xstrdup("1:0");
	s->class_iommu.entries = 1;
	s->iommu_groups.entries = 0;
}

void fuzz_groups(struct snapshot *s)
{
	s->grp = xcalloc(s->ndev + 1, sizeof(*s->grp));
	for (size_t i = 0; i < s->ndev; i++) {
		struct iommu_group *g = &s->grp[s->ngrp++];
		g->id = (int)i;
		g->type = xstrdup("DMA-FQ");
		g->resv_known = g->members_known = true;
		strvec_init(&g->other);
		g->dev = xcalloc(1, sizeof(*g->dev));
		g->dev[g->ndev++] = i;
		s->dev[i].group = g->id;
		s->dev[i].unit = 0;
		strvec_push(&s->unit->members, s->dev[i].bdf);
	}
	s->iommu_groups.entries = s->ngrp;
	s->pci_devices.entries = s->ndev;
}

/* The isolation rules as explain and groups --why apply them: PREDICT
 * false on the real groups, true on predicted ones (applied to S). */
static void isolation_pass(struct snapshot *s, bool predict)
{
	struct isolation iso, iso_override;
	struct prediction pred;
	enum tri active = isolation_choose(&iso, s, predict);

	isolation_init(&iso_override, s, predict, true);
	for (size_t i = 0; i < s->ndev; i++) {
		int failed;
		acs_path_isolated(&iso, i, &failed);
		isolation_in_scope(s, i);
		kernel_multifunction(&s->dev[i]);
		if (i > 0)
			dma_alias_quirk(&s->dev[i - 1], &s->dev[i]);
	}
	predict_groups(&iso, &pred);
	prediction_matches(&pred, s);
	if (predict)
		prediction_apply(&pred, s);
	/* explain runs only on a complete simulation (app_load_isolation
	 * refuses the rest) */
	for (size_t g = 0; pred.complete && g < s->ngrp; g++) {
		struct explanation e;
		explain_group(&iso, &pred, s->grp[g].id, &e);
		if (iso_override.override)
			explain_acs_override(&iso_override, predict ? TRI_UNKNOWN : active, &e);
		free(explanation_sentence(s, &e));
		explanation_release(&e);
	}
	prediction_release(&pred);
	isolation_release(&iso_override);
	isolation_release(&iso);
}

void fuzz_analyse(struct snapshot *s)
{
	struct iommu_presence presence;
	struct status_report status;
	struct swiotlb_report sw;
	struct swiotlb_device *bounce;
	size_t nbounce;
	struct pci_tree tree;

	iommu_presence_analyse(s, &presence);
	groups_shared_count(s);
	status_analyse(s, &status);
	pci_tree_build(s, &tree);
	for (size_t i = 0; i < s->ndev; i++) {
		struct vfio_check c;
		vfio_check_device(s, &presence, &status, &tree, NULL, i, &c);
		vfio_check_release(&c);
	}
	pci_tree_release(&tree);
	swiotlb_analyse(s, &sw);
	swiotlb_devices(s, &sw, &bounce, &nbounce);
	swiotlb_devices_release(bounce, nbounce);
	swiotlb_report_release(&sw);
	status_report_release(&status);
	iommu_presence_release(&presence);

	isolation_pass(s, false);
	isolation_pass(s, true);
}

static void walk_value(const struct diff_value *v)
{
	if (v->type == DV_STRING && !v->s)
		abort();
	for (size_t i = 0; i < v->n; i++)
		walk_value(&v->items[i]);
}

void fuzz_diff(const struct snapshot *old, const struct snapshot *new, bool same)
{
	struct diff_side a, b;
	struct diff_request req = {.areas = DIFF_AREAS_ALL};
	struct diff_report r;
	size_t counted = 0;

	diff_side_init(&a, old);
	diff_side_init(&b, new);
	diff_analyse(&a, &b, &req, &r);
	for (size_t i = 0; i < r.n; i++) {
		const struct diff_change *c = &r.changes[i];
		if (!c->kind || !c->reason || !c->subject || !c->message || (i && c->cls < r.changes[i - 1].cls))
			abort();
		walk_value(&c->before);
		walk_value(&c->after);
	}
	for (int k = 0; k < DIFF_NCLASSES; k++)
		counted += r.count[k];
	if (counted != r.n || (same && (r.n || r.nrenumbered)))
		abort();
	diff_report_release(&r);
	diff_side_release(&a);
	diff_side_release(&b);
}
