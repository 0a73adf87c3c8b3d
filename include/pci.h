/* pci.h - PCI addresses and the parts of configuration space iommuctl
 * decodes.  Pure functions: no files, no output. */
#ifndef IOMMUCTL_PCI_H
#define IOMMUCTL_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A PCI function address.  Domains are 32-bit: Intel VMD creates domains
 * from 0x10000 upwards, printed with as many digits as they need, as the
 * kernel's dev_name() does ("%04x:%02x:%02x.%d"). */
struct pci_addr {
	uint32_t domain;
	uint8_t bus;
	uint8_t dev;
	uint8_t fn;
};

/* Longest "dddddddd:bb:dd.f" plus NUL. */
#define PCI_BDF_MAX 18

/* Parses "DDDD:BB:DD.F" exactly as the kernel names PCI devices (4 to 8
 * lower- or upper-case hex domain digits, device < 32, function < 8). */
bool pci_addr_parse(const char *s, struct pci_addr *a);
void pci_addr_format(const struct pci_addr *a, char out[PCI_BDF_MAX]);
int pci_addr_cmp(const struct pci_addr *a, const struct pci_addr *b);
/* True if NAME is a PCI device name (for directory-listing filters). */
bool pci_is_bdf(const char *name);

/* Configuration-space header fields (offsets from pci_regs.h). */
#define PCI_CFG_VENDOR_ID 0x00
#define PCI_CFG_DEVICE_ID 0x02
#define PCI_CFG_REVISION 0x08
#define PCI_CFG_CLASS_PROG 0x09
#define PCI_CFG_HEADER_TYPE 0x0e
#define PCI_CFG_SUBSYS_VENDOR 0x2c
#define PCI_CFG_SUBSYS_ID 0x2e
/* The first 64 bytes: what an unprivileged read of `config` returns. */
#define PCI_CFG_HEADER_SIZE 64

uint16_t pci_cfg_u16(const uint8_t *cfg, size_t off);
uint32_t pci_cfg_u32(const uint8_t *cfg, size_t off);

/* Identity decoded from a configuration header (at least 64 bytes). */
struct pci_ident {
	uint16_t vendor_id, device_id;
	uint32_t class_code; /* 24 bits: base, sub-class, prog-if */
	uint8_t revision;
	uint8_t header_type; /* bits 6:0 */
	bool multifunction;  /* header type bit 7 */
	bool has_subsys;     /* header type 0 only */
	uint16_t subsys_vendor_id, subsys_device_id;
};
/* Decodes CFG (LEN bytes).  Returns false if LEN < 64 or the vendor id is
 * 0xffff (a function that is gone, or an SR-IOV VF, whose Vendor and Device
 * ID registers read as all ones by specification). */
bool pci_decode_ident(const uint8_t *cfg, size_t len, struct pci_ident *id);

#endif
