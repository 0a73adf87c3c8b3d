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

void pci_parse_caps(const uint8_t *cfg, size_t len, struct pci_caps *c)
{
	unsigned pos, ttl;

	memset(c, 0, sizeof(*c));
	c->pcie_type = -1;
	if (len > 0x1a && (cfg[PCI_CFG_HEADER_TYPE] & 0x7f) == 1) {
		c->bus_numbers = true;
		c->secondary_bus = cfg[0x19];
		c->subordinate_bus = cfg[0x1a];
	}
	if (len < 256)
		return;
	c->known = true;
	/* standard list: status bit 4, pointer at 0x34 (0x14 for CardBus) */
	if (pci_cfg_u16(cfg, 0x06) & 0x10) {
		pos = cfg[(cfg[PCI_CFG_HEADER_TYPE] & 0x7f) == 2 ? 0x14 : 0x34];
		for (ttl = 48; ttl && pos >= 0x40 && pos + 1 < 256; ttl--) {
			pos &= ~3u;
			if (cfg[pos] == 0xff)
				break;
			if (cfg[pos] == PCI_CAP_ID_EXP && pos + 8 <= 256) {
				c->pcie = true;
				c->pcie_type = (cfg[pos + 2] >> 4) & 0xf;
				c->flr = (pci_cfg_u32(cfg, pos + 4) >> 28) & 1;
				break;
			}
			pos = cfg[pos + 1];
		}
		c->loops = ttl == 0;
	}
	if (!c->pcie || len <= 256)
		return;
	/* extended list from 0x100; a header of 0 or ~0 ends it */
	pos = 0x100;
	for (ttl = (4096 - 256) / 8; ttl && pos >= 0x100 && pos + 4 <= len; ttl--) {
		uint32_t h = pci_cfg_u32(cfg, pos);
		if (h == 0 || h == 0xffffffff)
			break;
		if ((h & 0xffff) == PCI_EXT_CAP_ACS && !c->acs_off && pos + 8 <= len) {
			c->acs_off = pos;
			c->acs_cap = pci_cfg_u16(cfg, pos + 4);
			c->acs_ctl = pci_cfg_u16(cfg, pos + 6);
			if (pos + 12 <= len) {
				c->acs_dwords = true;
				c->acs_dword4 = pci_cfg_u32(cfg, pos + 4);
				c->acs_dword8 = pci_cfg_u32(cfg, pos + 8);
			}
		} else if ((h & 0xffff) == PCI_EXT_CAP_SRIOV && !c->sriov_off) {
			c->sriov_off = pos;
			if (pos + 0x18 <= len) {
				c->sriov_regs = true;
				c->sriov_ctrl = pci_cfg_u16(cfg, pos + 0x08);
				c->sriov_numvfs = pci_cfg_u16(cfg, pos + 0x10);
				c->sriov_first = pci_cfg_u16(cfg, pos + 0x14);
				c->sriov_stride = pci_cfg_u16(cfg, pos + 0x16);
			}
		}
		pos = (h >> 20) & 0xffc;
	}
	c->loops = c->loops || ttl == 0;
}

const char *pcie_type_id(int type)
{
	switch (type) {
	case PCIE_TYPE_ENDPOINT: return "endpoint";
	case PCIE_TYPE_LEGACY_ENDPOINT: return "legacy_endpoint";
	case PCIE_TYPE_ROOT_PORT: return "root_port";
	case PCIE_TYPE_UPSTREAM: return "upstream_port";
	case PCIE_TYPE_DOWNSTREAM: return "downstream_port";
	case PCIE_TYPE_PCI_BRIDGE: return "pcie_to_pci_bridge";
	case PCIE_TYPE_PCIE_BRIDGE: return "pci_to_pcie_bridge";
	case PCIE_TYPE_RC_END: return "rc_endpoint";
	case PCIE_TYPE_RC_EC: return "rc_event_collector";
	default: return NULL;
	}
}

const char *pcie_type_text(int type)
{
	switch (type) {
	case PCIE_TYPE_ENDPOINT: return "endpoint";
	case PCIE_TYPE_LEGACY_ENDPOINT: return "legacy endpoint";
	case PCIE_TYPE_ROOT_PORT: return "root port";
	case PCIE_TYPE_UPSTREAM: return "switch upstream port";
	case PCIE_TYPE_DOWNSTREAM: return "switch downstream port";
	case PCIE_TYPE_PCI_BRIDGE: return "PCIe-to-PCI bridge";
	case PCIE_TYPE_PCIE_BRIDGE: return "PCI-to-PCIe bridge";
	case PCIE_TYPE_RC_END: return "root-complex integrated endpoint";
	case PCIE_TYPE_RC_EC: return "root-complex event collector";
	default: return "PCIe function";
	}
}

const char *pci_acs_bit_name(unsigned bit)
{
	static const char *const names[] = {"SrcValid", "TransBlk", "ReqRedir", "CmpltRedir",
					    "UpstreamFwd", "EgressCtrl", "DirectTrans"};
	return bit < 7 ? names[bit] : "?";
}

const char *pci_acs_bit_code(unsigned bit)
{
	static const char *const codes[] = {"SV", "TB", "RR", "CR", "UF", "EC", "DT"};
	return bit < 7 ? codes[bit] : "?";
}

/* ---- lspci's selection (-s, -d) -------------------------------------------- */

void pci_select_init(struct pci_select *f)
{
	f->domain = f->bus = f->slot = f->func = -1;
	f->vendor = f->device = -1;
	f->device_class = -1;
	f->device_class_mask = ~0u;
	f->prog_if = -1;
}

/* lspci copies an expression into a buffer of 64 bytes. */
#define FILTER_MAX 64

/* Splits STR (modified) at SEP into at most N fields; unused ones NULL.
 * False if there are more. */
static bool split_fields(char *str, int sep, char **fields, int n)
{
	int i = 0;
	for (;;) {
		if (i >= n)
			return false;
		fields[i++] = str;
		while (*str && *str != sep)
			str++;
		if (!*str)
			break;
		*str++ = '\0';
	}
	while (i < n)
		fields[i++] = NULL;
	return true;
}

static bool field_given(const char *field)
{
	return field && field[0] && strcmp(field, "*") != 0;
}

/* A hex field up to MAX; with MASKP, "x" digits match anything.  An
 * unset field keeps *OUT.  False if it is not hex or above MAX. */
static bool hex_filter_field(const char *str, int *out, unsigned *maskp, unsigned max)
{
	unsigned v = 0, mask = ~0u, bound = 0;
	if (!field_given(str))
		return true;
	for (; *str; str++) {
		int d = hexval((unsigned char)*str);
		if ((*str == 'x' || *str == 'X') && maskp) {
			v <<= 4;
			bound = (bound << 4) | 1;
			mask <<= 4;
		} else if (d < 0) {
			return false;
		} else {
			v = (v << 4) | (unsigned)d;
			bound = (bound << 4) | (unsigned)d;
			mask = (mask << 4) | 0xf;
		}
		if (bound > max)
			return false;
	}
	*out = (int)v;
	if (maskp)
		*maskp = mask;
	return true;
}

const char *pci_select_parse_slot(struct pci_select *f, const char *str)
{
	char buf[FILTER_MAX], *fields[3], *sub[2];
	struct pci_select t = *f;
	int i = 0;
	if (strlen(str) >= sizeof(buf))
		return "Expression too long";
	strcpy(buf, str);
	if (!split_fields(buf, ':', fields, 3))
		return "Too many fields";
	if (fields[2]) {
		if (!hex_filter_field(fields[0], &t.domain, NULL, 0x7fffffff))
			return "Invalid domain number";
		i++;
	}
	if (fields[i + 1]) {
		if (!hex_filter_field(fields[i], &t.bus, NULL, 0xff))
			return "Invalid bus number";
		i++;
	}
	if (field_given(fields[i])) {
		if (!split_fields(fields[i], '.', sub, 2))
			return "Invalid slot/function number";
		if (!hex_filter_field(sub[0], &t.slot, NULL, 0x1f))
			return "Invalid slot number";
		if (!hex_filter_field(sub[1], &t.func, NULL, 7))
			return "Invalid function number";
	}
	*f = t;
	return NULL;
}

const char *pci_select_parse_id(struct pci_select *f, const char *str)
{
	char buf[FILTER_MAX], *fields[4];
	struct pci_select t = *f;
	if (strlen(str) >= sizeof(buf))
		return "Expression too long";
	strcpy(buf, str);
	if (!split_fields(buf, ':', fields, 4))
		return "Too many fields";
	if (!fields[1])
		return "At least two fields must be given";
	if (!hex_filter_field(fields[0], &t.vendor, NULL, 0xffff))
		return "Invalid vendor ID";
	if (!hex_filter_field(fields[1], &t.device, NULL, 0xffff))
		return "Invalid device ID";
	if (!hex_filter_field(fields[2], &t.device_class, &t.device_class_mask, 0xffff))
		return "Invalid class code";
	if (!hex_filter_field(fields[3], &t.prog_if, NULL, 0xff))
		return "Invalid programming interface code";
	*f = t;
	return NULL;
}

bool pci_select_match(const struct pci_select *f, const struct pci_addr *a, const struct pci_ident *id)
{
	if ((f->domain >= 0 && (uint32_t)f->domain != a->domain) || (f->bus >= 0 && f->bus != a->bus) ||
	    (f->slot >= 0 && f->slot != a->dev) || (f->func >= 0 && f->func != a->fn))
		return false;
	if (f->vendor < 0 && f->device < 0 && f->device_class < 0 && f->prog_if < 0)
		return true;
	if (!id)
		return false;
	if ((f->vendor >= 0 && f->vendor != id->vendor_id) || (f->device >= 0 && f->device != id->device_id))
		return false;
	if (f->device_class >= 0 && (((unsigned)f->device_class ^ (id->class_code >> 8)) & f->device_class_mask))
		return false;
	return f->prog_if < 0 || (unsigned)f->prog_if == (id->class_code & 0xff);
}

bool pci_addr_parse_lenient(const char *s, struct pci_addr *a)
{
	struct pci_select f;
	pci_select_init(&f);
	/* a whole address: a bus before the slot, and a function after it */
	if (!s || !strchr(s, ':') || !strchr(s, '.') || strchr(s, '*') || pci_select_parse_slot(&f, s))
		return false;
	if (f.bus < 0 || f.slot < 0 || f.func < 0)
		return false;
	a->domain = f.domain < 0 ? 0 : (uint32_t)f.domain;
	a->bus = (uint8_t)f.bus;
	a->dev = (uint8_t)f.slot;
	a->fn = (uint8_t)f.func;
	return true;
}
