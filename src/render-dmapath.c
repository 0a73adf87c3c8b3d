/* render-dmapath.c - `iommuctl dma-path` output: a few labelled lines and
 * the reasons, or the JSON document (schema: man/iommuctl.schema.json,
 * dma_path_document), both from the same dma_path. */
#define _GNU_SOURCE
#include "dmapath.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

static const char *path_text(const struct dma_path *p)
{
	switch (p->path) {
	case DMA_PATH_DIRECT:
		return "direct: the device uses the physical address";
	case DMA_PATH_BOUNCE:
		return p->translated ? "bounce: through a swiotlb slot, which the IOMMU then maps"
				     : "bounce: through a swiotlb slot the device can reach";
	case DMA_PATH_TRANSLATED:
		return "translated: the IOMMU maps an IOVA to the buffer";
	case DMA_PATH_FAIL:
		break;
	}
	return "fail: the mapping fails";
}

int render_dma_path_text(const struct snapshot *s, const struct dma_path_request *q, const struct dma_path *p,
			 bool numeric, size_t width)
{
	const struct pci_device *d = &s->dev[q->dev];
	char *name = d->ident_known ? device_name_text(d, numeric) : xstrdup("unknown device"), *text;
	char size[32];
	text = xasprintf("%s %s, driver %s, %d-bit DMA mask", d->bdf, name, d->driver ? d->driver : "none",
			 p->dma_mask_bits);
	print_field("Device:", 13, text, width);
	free(text);
	free(name);
	text = xasprintf("%s at 0x%016llx (%s)", format_bytes(q->size, size, sizeof(size)), (unsigned long long)q->phys,
			 dma_direction_id(q->dir));
	print_field("Mapping:", 13, text, width);
	free(text);
	if (q->cmdline)
		print_field("After boot:", 13, q->cmdline, width);
	print_field("Domain:", 13, p->domain_type ? p->domain_type : "none (no IOMMU)", width);
	print_field("Path:", 13, path_text(p), width);
	if (p->has_bus_range) {
		text = xasprintf("0x%016llx-0x%016llx%s", (unsigned long long)p->bus_start, (unsigned long long)p->bus_end,
				 p->bus_range_first_fit ? " (the allocator's first choice)" : "");
		print_field("Bus address:", 13, text, width);
		free(text);
	}
	if (p->path == DMA_PATH_BOUNCE) {
		text = xasprintf("%llu slab%s of the %s pool", (unsigned long long)p->bounce_slabs,
				 p->bounce_slabs == 1 ? "" : "s", p->pool);
		print_field("Bounce:", 13, text, width);
		free(text);
	}
	if (p->kernel_message)
		print_field("Kernel log:", 13, p->kernel_message, width);
	printf("Why:\n");
	for (size_t i = 0; i < p->reasons.n; i++)
		print_wrapped(stdout, "  - ", NULL, p->reasons.v[i], width);
	return ferror(stdout) ? -1 : 0;
}

int json_print_dma_path(const struct snapshot *s, const struct dma_path_request *q, const struct dma_path *p,
			const char *names_warning, bool pretty)
{
	const struct pci_device *d = &s->dev[q->dev];
	json_t *doc = json_object(), *reasons = json_array();
	json_object_set_new(doc, "schema_version", json_integer(IOMMUCTL_SCHEMA_VERSION));
	json_object_set_new(doc, "bdf", json_string(d->bdf));
	json_object_set_new(doc, "driver", json_str_or_null(d->driver));
	json_object_set_new(doc, "addr", json_addr(q->phys));
	json_object_set_new(doc, "size", json_hex_size(q->size));
	json_object_set_new(doc, "direction", json_string(dma_direction_id(q->dir)));
	json_object_set_new(doc, "cmdline", q->cmdline ? json_string_lossy(q->cmdline) : json_null());
	json_object_set_new(doc, "path", json_string(dma_path_id(p->path)));
	json_object_set_new(doc, "translated", json_boolean(p->translated));
	json_object_set_new(doc, "domain_type", json_str_or_null(p->domain_type));
	json_object_set_new(doc, "domain_type_assumed", json_boolean(p->domain_type_guessed));
	json_object_set_new(doc, "dma_mask_bits", json_integer(p->dma_mask_bits));
	if (p->has_bus_range) {
		json_object_set_new(doc, "bus_address_range",
				    json_pack("{s:o, s:o, s:b}", "start", json_addr(p->bus_start), "end", json_addr(p->bus_end),
					      "first_fit", p->bus_range_first_fit));
	} else {
		json_object_set_new(doc, "bus_address_range", json_null());
	}
	json_object_set_new(doc, "iova_32bit_first", json_boolean(p->iova_32bit_first));
	json_object_set_new(doc, "swiotlb",
			    json_pack("{s:b, s:o, s:o}", "pool_present", p->pool_present, "pool", json_str_or_null(p->pool),
				      "slabs", json_int_if(p->pool != NULL, (long long)p->bounce_slabs)));
	json_object_set_new(doc, "kernel_message", json_str_or_null(p->kernel_message));
	for (size_t i = 0; i < p->reasons.n; i++)
		json_array_append_new(reasons, json_string_lossy(p->reasons.v[i]));
	json_object_set_new(doc, "reasons", reasons);
	json_object_set_new(doc, "warnings", json_warnings(s, names_warning));
	return json_print(doc, pretty);
}
