/* fuzz-attrs.c - the loader's attribute parsers: the strict number parsers
 * (parse_u64 in bases 10, 16 and 0, parse_int), PCI addresses, a
 * function's uevent (vendor, device, subsystem, class), DMA mask bits, an
 * IOMMU unit's hex registers (with AMD's "EFR:EFR2"), kernel booleans, and
 * the sysfs location of a function (parse_device_location,
 * snapshot_device_in_path) over a small snapshot.
 *
 * Input: the bytes of one attribute file (an embedded NUL ends it, as
 * sr_read's string does); every parser reads the same input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "model-internal.h"
#include "status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Each parser may modify its text: each gets a fresh copy. */
static void numbers(const char *text)
{
	static const int bases[] = {10, 16, 0};
	uint64_t u;
	int i;
	char *t;

	for (size_t b = 0; b < ARRAY_SIZE(bases); b++)
		parse_u64(text, bases[b], &u);
	if (parse_int(text, &i) && text[0] >= '0' && text[0] <= '9') {
		/* an unsigned decimal int reads as the same number in
		 * parse_u64's base 10 */
		if (!parse_u64(text, 10, &u) || u != (uint64_t)i)
			abort();
	}
	is_decimal(text);
	is_token(text);
	kernel_bool(text);
	t = xstrdup(text);
	i = parse_mask_bits(t);
	if (i < -1 || i > 64)
		abort();
	free(t);
	t = xstrdup(text);
	parse_register(t, &u);
	free(t);
}

static void identity(const char *text)
{
	struct pci_device d;
	struct pci_addr a;
	char bdf[PCI_BDF_MAX], *t;

	memset(&d, 0, sizeof(d));
	t = xstrdup(text);
	parse_uevent_ident(t, &d);
	if (d.ident.class_code > 0xffffff)
		abort();
	free(t);
	if (pci_addr_parse(text, &a)) {
		/* a name that parses formats back to the same address */
		struct pci_addr b;
		pci_addr_format(&a, bdf);
		if (!pci_addr_parse(bdf, &b) || pci_addr_cmp(&a, &b) != 0)
			abort();
	}
}

/* The input as the target of a function's link under /sys/bus/pci/devices,
 * and as a block or network device's sysfs path. */
static void location(const char *text)
{
	static const char *const names[] = {"0000:00:1c.0", "0000:01:00.0", "10000:e0:1d.0"};
	struct snapshot s;
	uint8_t cfg[256];

	snapshot_init(&s);
	fuzz_config(cfg, sizeof(cfg), 0x8086, 0x7c10, 0x060400, 0x01, PCIE_TYPE_ROOT_PORT, 0, 0);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		fuzz_add_function(&s, names[i], cfg, sizeof(cfg), -1);
	for (size_t i = 0; i < s.ndev; i++) {
		struct pci_device *d = &s.dev[i];
		if (parse_device_location(&s, d, text) &&
		    (d->host_bridge < 0 || (size_t)d->host_bridge >= s.host_bridges.n || d->parent >= (int)s.ndev ||
		     d->dma_dev >= (int)s.ndev))
			abort();
	}
	snapshot_device_in_path(&s, text);
	snapshot_release(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size);
	numbers(text);
	identity(text);
	location(text);
	free(text);
	return 0;
}
