/* lspci.h - lspci's output read into plain structs: `lspci -vvnn` text
 * (with or without -D, pciutils 3.5 to today, whole or cut down to some of
 * its lines) and `lspci -x` to `-xxxx` hex dumps of configuration space.
 * Pure: text in, structs out; no files, no output.
 *
 * Real dumps are messy, and these are read as they come: lines cut in two
 * by lspci's own stderr ("pcilib: sysfs_read_vpd: read failed ..." printed
 * in the middle of a line), names so long that lspci dropped the
 * "[vvvv:dddd]" ids (the caller looks them up, lspci_resolve_names), PCI
 * domains above 0xffff (Intel VMD), tabs turned into spaces by a forum.
 * What is not lspci output at all is refused with the line that shows it. */
#ifndef IOMMUCTL_LSPCI_H
#define IOMMUCTL_LSPCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pci.h"

/* The largest dump read (a few thousand functions with -xxxx). */
#define LSPCI_INPUT_MAX (64u << 20)

/* One capability line ("Capabilities: [40] Express (v2) Root Port ..."). */
struct lspci_cap {
	unsigned off;     /* 0x40, 0x100 ... */
	bool ext;         /* an extended capability (offset 0x100 or more) */
	bool id_known;    /* the name (or "Capability ID 0x15") told the id */
	unsigned id;
	unsigned version; /* extended: the "vN" of its header (0 if not shown) */
	unsigned line;
};

enum lspci_tri { LSPCI_NO = 0, LSPCI_YES = 1, LSPCI_UNSURE = -1 };

/* One function, as its block says it. */
struct lspci_func {
	struct pci_addr addr;
	unsigned line;          /* its header line */
	char *class_name;       /* "Ethernet controller" */
	char *vendor_name;      /* NULL: not told apart from the device name */
	char *device_name;      /* the name after the class ("Intel Corporation 82574L ...") */
	bool name_truncated;    /* lspci cut the name short ("...") */
	bool ids_known;         /* "[vvvv:dddd]" read, or looked up */
	bool ids_looked_up;     /* the ids came from pci.ids, by name */
	uint16_t vendor_id, device_id;
	bool class_known;       /* "[cccc]" read, or looked up */
	bool class_looked_up;
	uint32_t class_code;    /* base, sub-class, prog-if */
	uint8_t revision;       /* "(rev xx)"; lspci omits 00 */
	bool subsys_known;
	uint16_t subsys_vendor_id, subsys_device_id;
	int group;              /* "IOMMU group: N", or -1 */
	char *driver;           /* "Kernel driver in use: X", or NULL */
	int status_caps;        /* "Status: Cap+" 1, "Cap-" 0, not shown -1 */
	bool bus_known;         /* "Bus: primary=..." (a bridge) */
	uint8_t primary, secondary, subordinate;
	bool virtual_region;    /* a "Region N: [virtual] ..." line (a VF's BAR) */
	struct lspci_cap *caps; /* in the order lspci walked them */
	size_t ncaps, cap_cap;
	bool caps_truncated;    /* "<chain broken>", "<chain looped>" */
	/* decoded from the capability lines below their headers */
	int pcie_type;          /* enum pcie_type, -1 without an Express line */
	unsigned pcie_version;
	bool pcie_slot;
	enum lspci_tri flr;     /* DevCap: FLReset+ */
	bool acs_cap_known, acs_ctl_known;
	uint16_t acs_cap, acs_ctl;
	bool sriov_known;       /* "Number of VFs" and "VF offset" lines read */
	uint16_t sriov_initial, sriov_total, sriov_num, sriov_offset, sriov_stride, sriov_vf_device;
	bool sriov_enabled;     /* IOVCtl: Enable+ */
	/* a hex dump (lspci -x .. -xxxx): the bytes, in order from 0 */
	uint8_t *hex;
	size_t hexlen;
	unsigned hex_line;
	bool has_text;          /* the block had lines of -v text */
};

struct lspci_dump {
	struct lspci_func *f;   /* in the order of the dump */
	size_t n, cap;
	bool any_driver_line;   /* some block has "Kernel driver in use" */
	bool any_group_line;
	bool any_cap_line;
	bool any_text, any_hex;
	unsigned pcilib_lines;  /* lines lspci's stderr cut (and were joined) */
};

struct lspci_error {
	unsigned line;          /* 0: the input as a whole */
	int status;             /* 2: not lspci output; 3: a dump without what is needed */
	char *message;          /* heap */
};

void lspci_dump_init(struct lspci_dump *d);
void lspci_dump_release(struct lspci_dump *d);
void lspci_error_release(struct lspci_error *e);

/* Reads TEXT (LEN bytes, need not be NUL-terminated) into OUT.  Returns
 * true, or false with ERR filled (and OUT emptied): the line that shows the
 * input is not lspci output (status 2), or that the dump lacks what
 * isolation needs ("Capabilities: <access denied>" from a dump taken
 * without root: status 3). */
bool lspci_parse(const char *text, size_t len, struct lspci_dump *out, struct lspci_error *err);

/* Adds to DST what SRC says of the same functions (a hex dump beside -vvnn
 * text of the same machine, in either order) and SRC's other functions.
 * Returns false with ERR when one says what the other contradicts (a
 * function's ids). */
bool lspci_merge(struct lspci_dump *dst, struct lspci_dump *src, struct lspci_error *err);

/* Looks up in PCI_IDS (the text of a pci.ids file; NULL: none) the ids of
 * functions whose lines name them without "[vvvv:dddd]" (and classes
 * without "[cccc]").  Returns how many functions are still without ids. */
size_t lspci_resolve_names(struct lspci_dump *d, const char *pci_ids);

/* The function at A, or NULL. */
struct lspci_func *lspci_find(const struct lspci_dump *d, const struct pci_addr *a);

/* The capability id an lspci name stands for ("Access Control Services"
 * 0x0d, "Express ..." 0x10 ...), -1 if not known.  EXT: an extended one. */
int lspci_cap_id(const char *name, bool ext);

#endif
