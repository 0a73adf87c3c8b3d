/* pci.c - PCI addresses and configuration-header decoding. */
#include "pci.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Parses MIN to MAX hex digits from *s, not followed by another hex digit. */
static bool hex_field(const char **s, int min, int max, uint32_t *out)
{
	uint32_t v = 0;
	int n = 0, d;
	while (n < max && (d = hexval((unsigned char)(*s)[n])) >= 0) {
		v = (v << 4) | (uint32_t)d;
		n++;
	}
	if (n < min || hexval((unsigned char)(*s)[n]) >= 0)
		return false;
	*s += n;
	*out = v;
	return true;
}

bool pci_addr_parse(const char *s, struct pci_addr *a)
{
	uint32_t dom, bus, dev, fn;
	if (!s || !hex_field(&s, 4, 8, &dom) || *s++ != ':' || !hex_field(&s, 2, 2, &bus) || *s++ != ':' ||
	    !hex_field(&s, 2, 2, &dev) || *s++ != '.' || *s < '0' || *s > '7' || s[1] != '\0')
		return false;
	fn = (uint32_t)(*s - '0');
	if (dev > 31)
		return false;
	a->domain = dom;
	a->bus = (uint8_t)bus;
	a->dev = (uint8_t)dev;
	a->fn = (uint8_t)fn;
	return true;
}

void pci_addr_format(const struct pci_addr *a, char out[PCI_BDF_MAX])
{
	snprintf(out, PCI_BDF_MAX, "%04x:%02x:%02x.%u", a->domain, a->bus, a->dev, a->fn);
}

int pci_addr_cmp(const struct pci_addr *a, const struct pci_addr *b)
{
	if (a->domain != b->domain)
		return a->domain < b->domain ? -1 : 1;
	if (a->bus != b->bus)
		return a->bus < b->bus ? -1 : 1;
	if (a->dev != b->dev)
		return a->dev < b->dev ? -1 : 1;
	if (a->fn != b->fn)
		return a->fn < b->fn ? -1 : 1;
	return 0;
}

bool pci_is_bdf(const char *name)
{
	struct pci_addr a;
	return pci_addr_parse(name, &a);
}

uint16_t pci_cfg_u16(const uint8_t *cfg, size_t off)
{
	return (uint16_t)(cfg[off] | (cfg[off + 1] << 8));
}

uint32_t pci_cfg_u32(const uint8_t *cfg, size_t off)
{
	return (uint32_t)cfg[off] | (uint32_t)cfg[off + 1] << 8 | (uint32_t)cfg[off + 2] << 16 |
	       (uint32_t)cfg[off + 3] << 24;
}

bool pci_decode_ident(const uint8_t *cfg, size_t len, struct pci_ident *id)
{
	uint8_t ht;
	if (len < PCI_CFG_HEADER_SIZE)
		return false;
	id->vendor_id = pci_cfg_u16(cfg, PCI_CFG_VENDOR_ID);
	id->device_id = pci_cfg_u16(cfg, PCI_CFG_DEVICE_ID);
	if (id->vendor_id == 0xffff)
		return false;
	id->revision = cfg[PCI_CFG_REVISION];
	id->class_code = pci_cfg_u32(cfg, PCI_CFG_REVISION) >> 8;
	ht = cfg[PCI_CFG_HEADER_TYPE];
	id->header_type = ht & 0x7f;
	id->multifunction = (ht & 0x80) != 0;
	id->has_subsys = id->header_type == 0;
	id->subsys_vendor_id = id->has_subsys ? pci_cfg_u16(cfg, PCI_CFG_SUBSYS_VENDOR) : 0;
	id->subsys_device_id = id->has_subsys ? pci_cfg_u16(cfg, PCI_CFG_SUBSYS_ID) : 0;
	return true;
}
