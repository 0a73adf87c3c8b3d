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
#define PCI_CFG_EXP_SIZE 4096 /* the PCIe extended configuration space */

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
/* A bridge header: type 1 (PCI-to-PCI) or 2 (CardBus).  vfio-pci binds only
 * type 0 functions, and a bridge maps no DMA of its own. */
static inline bool pci_ident_is_bridge(const struct pci_ident *id)
{
	return id->header_type == 1 || id->header_type == 2;
}

/* lspci's selection of functions (pciutils lib/filter.c, -s and -d):
 *   -s [[[[domain]:]bus]:][slot][.[func]]
 *   -d [vendor]:[device][:class[:prog-if]]
 * Fields are hex; an empty field or "*" matches anything, and so does an
 * "x" digit of the class ("-d ::02xx").  Each -s or -d sets only the fields
 * it gives, on the one filter, as lspci's options do; every field set must
 * match. */
struct pci_select {
	int domain, bus, slot, func;   /* -1: any */
	int vendor, device;            /* -1: any */
	int device_class;              /* base class and sub-class; -1: any */
	unsigned device_class_mask;    /* the bits of it that must match */
	int prog_if;                   /* -1: any */
};
void pci_select_init(struct pci_select *f);
/* Returns NULL, or what is wrong with STR in lspci's words ("Invalid bus
 * number"); F keeps what it had then. */
const char *pci_select_parse_slot(struct pci_select *f, const char *str);
const char *pci_select_parse_id(struct pci_select *f, const char *str);
/* Whether the function at A matches F.  ID: its identity, or NULL when
 * unknown (a filter on ids or class then does not match: nothing says it
 * does). */
bool pci_select_match(const struct pci_select *f, const struct pci_addr *a, const struct pci_ident *id);
/* A PCI address written as lspci's -s takes one function: bus, slot and
 * function given, the domain optional (then 0), hex digits as many as the
 * field needs ("8:0.0", "0000:08:00.0", "10000:00:02.0"). */
bool pci_addr_parse_lenient(const char *s, struct pci_addr *a);

/* PCI Express device/port types (PCIe capability + 2, bits 7:4). */
enum pcie_type {
	PCIE_TYPE_ENDPOINT = 0x0,
	PCIE_TYPE_LEGACY_ENDPOINT = 0x1,
	PCIE_TYPE_ROOT_PORT = 0x4,
	PCIE_TYPE_UPSTREAM = 0x5,
	PCIE_TYPE_DOWNSTREAM = 0x6,
	PCIE_TYPE_PCI_BRIDGE = 0x7,  /* PCIe to PCI/PCI-X bridge */
	PCIE_TYPE_PCIE_BRIDGE = 0x8, /* PCI/PCI-X to PCIe bridge */
	PCIE_TYPE_RC_END = 0x9,      /* root-complex integrated endpoint */
	PCIE_TYPE_RC_EC = 0xa,       /* root-complex event collector */
};

/* ACS Capability and Control bits (pci_regs.h PCI_ACS_*). */
#define PCI_ACS_SV 0x0001
#define PCI_ACS_TB 0x0002
#define PCI_ACS_RR 0x0004
#define PCI_ACS_CR 0x0008
#define PCI_ACS_UF 0x0010
#define PCI_ACS_EC 0x0020
#define PCI_ACS_DT 0x0040
/* What the kernel requires of a port or function to call it isolated
 * (REQ_ACS_FLAGS in drivers/iommu/iommu.c). */
#define PCI_ACS_REQUIRED (PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF)

#define PCI_EXT_CAP_ACS 0x000d
#define PCI_EXT_CAP_SRIOV 0x0010
#define PCI_CAP_ID_EXP 0x10

/* What the capability lists of a configuration space say. */
struct pci_caps {
	/* The standard list could be walked: 256 bytes or more were read (an
	 * unprivileged read stops at 64, before any capability). */
	bool known;
	/* Extended capabilities exist only past 256 bytes (PCIe with
	 * enhanced configuration access); as for the kernel, a 256-byte space
	 * has none. */
	bool pcie;
	int pcie_type;      /* enum pcie_type, or -1 when not PCIe */
	bool flr;           /* Device Capabilities: Function Level Reset */
	unsigned acs_off;   /* 0: no ACS capability */
	uint16_t acs_cap;
	uint16_t acs_ctl;
	/* The ACS capability's dwords at +4 and +8 (acs_dwords: both within
	 * what was read): Intel's Sunrise Point ports keep their control
	 * register in the second one (pci_quirk_intel_spt_pch_acs). */
	bool acs_dwords;
	uint32_t acs_dword4, acs_dword8;
	unsigned sriov_off; /* 0: no SR-IOV capability */
	/* its registers, when within what was read (sriov_regs): SR-IOV
	 * Control, NumVFs, First VF Offset, VF Stride */
	bool sriov_regs;
	uint16_t sriov_ctrl, sriov_numvfs, sriov_first, sriov_stride;
	/* type 1 headers (bridges): the buses below (bus_numbers: read, which
	 * the 64-byte header an unprivileged read gives is enough for) */
	bool bus_numbers;
	uint8_t secondary_bus, subordinate_bus;
	/* A list did not end within the kernel's bound (a pointer leads
	 * back): what was found before is kept, as the kernel keeps it. */
	bool loops;
};

/* Walks the capability lists of CFG (LEN bytes) as the kernel does (at most
 * 48 standard and 480 extended entries, stopping at loops and pointers out
 * of range). */
void pci_parse_caps(const uint8_t *cfg, size_t len, struct pci_caps *c);
/* "root_port", "upstream", ... as JSON spells them; NULL for an unknown
 * type. */
const char *pcie_type_id(int type);
/* "root port", "switch upstream port", ... for people. */
const char *pcie_type_text(int type);
/* Names of ACS bits as lspci prints them ("SrcValid") and as short codes
 * ("SV"), for bit i (0..6). */
const char *pci_acs_bit_name(unsigned bit);
const char *pci_acs_bit_code(unsigned bit);

#endif
