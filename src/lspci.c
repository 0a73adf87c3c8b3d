/* lspci.c - lspci output into plain structs (see lspci.h).
 *
 * The formats are pciutils' (lspci.c show_verbose/show_terse/show_htype1,
 * ls-caps.c show_caps, ls-ecaps.c show_ext_caps, lib/names.c
 * format_name): one block per function, its first line at column 0
 * ("[DDDD:]BB:DD.F CLASS [cccc]: NAME [vvvv:dddd] (rev rr) (prog-if pp
 * [...])"), the rest indented, a blank line after it; hex dump rows
 * ("00: 86 80 ...") at column 0 inside the block. */
#define _GNU_SOURCE
#include "lspci.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void lspci_dump_init(struct lspci_dump *d)
{
	memset(d, 0, sizeof(*d));
}

static void func_release(struct lspci_func *f)
{
	free(f->class_name);
	free(f->vendor_name);
	free(f->device_name);
	free(f->driver);
	free(f->caps);
	free(f->hex);
}

void lspci_dump_release(struct lspci_dump *d)
{
	for (size_t i = 0; i < d->n; i++)
		func_release(&d->f[i]);
	free(d->f);
	lspci_dump_init(d);
}

void lspci_error_release(struct lspci_error *e)
{
	free(e->message);
	e->message = NULL;
}

__attribute__((format(printf, 4, 5))) static bool fail(struct lspci_error *err, unsigned line, int status,
							 const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(err->message);
	err->message = xvasprintf(fmt, ap);
	va_end(ap);
	err->line = line;
	err->status = status;
	return false;
}

/* ---- small scanners --------------------------------------------------- */

static int hexdigit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly N hex digits at S (not followed by another). */
static bool hex_exact(const char *s, int n, uint32_t *out)
{
	uint32_t v = 0;
	for (int i = 0; i < n; i++) {
		int d = hexdigit((unsigned char)s[i]);
		if (d < 0)
			return false;
		v = v << 4 | (uint32_t)d;
	}
	if (hexdigit((unsigned char)s[n]) >= 0)
		return false;
	*out = v;
	return true;
}

/* 1 to MAX hex digits at *S; advances. */
static bool hex_run(const char **s, int max, uint32_t *out)
{
	uint32_t v = 0;
	int n = 0, d;
	while ((d = hexdigit((unsigned char)(*s)[n])) >= 0) {
		if (++n > max)
			return false;
		v = v << 4 | (uint32_t)d;
	}
	if (!n)
		return false;
	*s += n;
	*out = v;
	return true;
}

static bool dec_run(const char **s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	const char *p = *s;
	if (!isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > max)
			return false;
		p++;
	}
	*s = p;
	*out = v;
	return true;
}

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* "[vvvv:dddd]" at S (exactly). */
static bool id_pair(const char *s, uint16_t *a, uint16_t *b)
{
	uint32_t x, y;
	if (s[0] != '[' || !hex_exact(s + 1, 4, &x) || s[5] != ':' || !hex_exact(s + 6, 4, &y) || s[10] != ']')
		return false;
	*a = (uint16_t)x;
	*b = (uint16_t)y;
	return true;
}

/* The last " [vvvv:dddd]" ending S (of length LEN); its start, or NULL. */
static const char *trailing_id_pair(const char *s, size_t len, uint16_t *a, uint16_t *b)
{
	if (len < 12 || s[len - 12] != ' ' || !id_pair(s + len - 11, a, b))
		return NULL;
	return s + len - 12;
}

/* ---- capability names -------------------------------------------------- */

struct cap_name {
	const char *name;
	unsigned id;
};

/* ls-caps.c show_caps; "MSI-X" before "MSI" (prefixes). */
static const struct cap_name std_caps[] = {
	{"Null", 0x00},
	{"Power Management", 0x01},
	{"AGP3", 0x0e},
	{"AGP version", 0x02},
	{"Vital Product Data", 0x03},
	{"Slot ID", 0x04},
	{"MSI-X", 0x11},
	{"MSI", 0x05},
	{"CompactPCI hot-swap", 0x06},
	{"PCI-X", 0x07},
	{"HyperTransport", 0x08},
	{"Vendor Specific Information", 0x09},
	{"Debug port", 0x0a},
	{"CompactPCI central resource control", 0x0b},
	{"Hot-plug capable", 0x0c},
	{"Subsystem", 0x0d},
	{"Secure device", 0x0f},
	{"Express", 0x10},
	{"SATA HBA", 0x12},
	{"PCI Advanced Features", 0x13},
	{"Enhanced Allocation", 0x14},
	{"Flattening Portal Bridge", 0x15},
};

/* ls-ecaps.c show_ext_caps. */
static const struct cap_name ext_caps[] = {
	{"Null", 0x00},
	{"Advanced Error Reporting", 0x01},
	{"Virtual Channel", 0x02},
	{"Device Serial Number", 0x03},
	{"Power Budgeting", 0x04},
	{"Root Complex Link", 0x05},
	{"Root Complex Internal Link", 0x06},
	{"Root Complex Event Collector", 0x07},
	{"Multi-Function Virtual Channel", 0x08},
	{"Root Complex Register Block", 0x0a},
	{"Vendor Specific Information", 0x0b},
	{"Access Control Services", 0x0d},
	{"Alternative Routing-ID Interpretation", 0x0e},
	{"Address Translation Service", 0x0f},
	{"Single Root I/O Virtualization", 0x10},
	{"Multi-Root I/O Virtualization", 0x11},
	{"Multicast", 0x12},
	{"Page Request Interface", 0x13},
	{"Resizable BAR", 0x15},
	{"Physical Resizable BAR", 0x15},
	{"Dynamic Power Allocation", 0x16},
	{"Transaction Processing Hints", 0x17},
	{"Latency Tolerance Reporting", 0x18},
	{"Secondary PCI Express", 0x19},
	{"Protocol Multiplexing", 0x1a},
	{"Process Address Space ID", 0x1b},
	{"LN Requester", 0x1c},
	{"Downstream Port Containment", 0x1d},
	{"L1 PM Substates", 0x1e},
	{"Precision Time Measurement", 0x1f},
	{"PCI Express over M_PHY", 0x20},
	{"FRS Queueing", 0x21},
	{"Readiness Time Reporting", 0x22},
	{"Designated Vendor-Specific", 0x23},
	{"VF Resizable BAR", 0x24},
	{"Data Link Feature", 0x25},
	{"Physical Layer 16.0 GT/s", 0x26},
	{"Lane Margining at the Receiver", 0x27},
	{"Hierarchy ID", 0x28},
	{"Native PCIe Enclosure Management", 0x29},
	{"Physical Layer 32.0 GT/s", 0x2a},
	{"Alternate Protocol", 0x2b},
	{"System Firmware Intermediary", 0x2c},
	{"Data Object Exchange", 0x2e},
	{"Integrity & Data Encryption", 0x30},
	{"Physical Layer 64.0 GT/s", 0x31},
};

/* NAME starts with WORD, followed by the end, a space, ':' or '(' (so
 * "MSI" is not "MSI-X", and "Express" takes "Express (v2) ..."). */
static bool name_is(const char *name, const char *word)
{
	size_t n = strlen(word);
	return strncmp(name, word, n) == 0 && (name[n] == '\0' || name[n] == ' ' || name[n] == ':' || name[n] == '(' ||
					       name[n] == ',');
}

int lspci_cap_id(const char *name, bool ext)
{
	const struct cap_name *t = ext ? ext_caps : std_caps;
	size_t n = ext ? ARRAY_SIZE(ext_caps) : ARRAY_SIZE(std_caps);
	const char *p;
	uint32_t id;

	/* what lspci prints for ids it has no name for, old and new */
	if ((p = ext ? "Extended Capability ID 0x" : "Capability ID 0x", starts(name, p)) ||
	    (p = "Unknown ", starts(name, p)) || (p = "#", starts(name, p))) {
		const char *s = name + strlen(p);
		if (hex_run(&s, ext ? 4 : 2, &id) && (*s == '\0' || *s == ' '))
			return (int)id;
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (name_is(name, t[i].name))
			return (int)t[i].id;
	return -1;
}

/* ---- lines ---------------------------------------------------------------- */

struct line {
	unsigned no;
	char *text; /* trailing whitespace removed */
};

struct lines {
	struct line *v;
	size_t n, cap;
};

static void lines_push(struct lines *l, unsigned no, char *text)
{
	xgrow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v));
	l->v[l->n].no = no;
	l->v[l->n].text = rstrip(text);
	l->n++;
}

static void lines_release(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].text);
	free(l->v);
}

/* Splits TEXT into lines, joining those that lspci's stderr cut: lspci
 * writes its stdout through a buffer and libpci's messages straight to
 * stderr, so in a dump of both a message ("pcilib: sysfs_read_vpd: read
 * failed: ...\n") can stand anywhere, even in the middle of a line, whose
 * rest then follows on the next line. */
static void split_lines(const char *text, size_t len, struct lines *out, unsigned *cut)
{
	struct buf pending;
	unsigned pending_no = 0, no = 0;
	size_t pos = 0;

	buf_init(&pending);
	while (pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		char *line = xstrndup(s, n), *msg;
		no++;
		pos += n + (nl ? 1 : 0);
		for (char *c = line; *c; c++)
			if (*c == '\r')
				*c = ' ';
		msg = strstr(line, "pcilib: ");
		if (!msg && pending.len == 0 && starts(line, "lspci: "))
			msg = line; /* lspci's own message on a line of its own */
		if (msg) {
			(*cut)++;
			if (msg > line) {
				if (!pending.len)
					pending_no = no;
				buf_append(&pending, line, (size_t)(msg - line));
			}
			free(line);
			continue;
		}
		if (pending.len) {
			buf_append(&pending, line, strlen(line));
			free(line);
			lines_push(out, pending_no, buf_steal(&pending));
			continue;
		}
		lines_push(out, no, line);
	}
	if (pending.len)
		lines_push(out, pending_no, buf_steal(&pending));
	buf_release(&pending);
}

/* ---- the first line of a block ------------------------------------------- */

/* "[DDDD:]BB:DD.F " at S; the rest after the space in *REST. */
static bool parse_address(const char *s, struct pci_addr *a, const char **rest)
{
	uint32_t x, y, dev, dom = 0, bus;
	const char *p = s;
	if (!hex_run(&p, 8, &x) || *p++ != ':' || !hex_run(&p, 2, &y))
		return false;
	if (*p == ':') {
		/* DDDD:BB:DD.F */
		p++;
		if (p - s < 8 || !hex_run(&p, 2, &dev))
			return false;
		dom = x;
		bus = y;
	} else {
		if (p - s != 5)
			return false;
		bus = x;
		dev = y;
	}
	if (bus > 0xff || dev > 31 || *p++ != '.' || *p < '0' || *p > '7' || p[1] != ' ')
		return false;
	a->domain = dom;
	a->bus = (uint8_t)bus;
	a->dev = (uint8_t)dev;
	a->fn = (uint8_t)(*p - '0');
	*rest = p + 2;
	return true;
}

static bool is_hex_row(const char *s, unsigned *off, uint8_t bytes[16], size_t *nbytes)
{
	const char *p = s;
	uint32_t o;
	size_t n = 0;
	if (!hex_run(&p, 3, &o) || p - s < 2 || *p++ != ':')
		return false;
	while (*p == ' ' && n < 16) {
		uint32_t b;
		if (!hex_exact(p + 1, 2, &b))
			return false;
		bytes[n++] = (uint8_t)b;
		p += 3;
	}
	if (*p || n == 0)
		return false;
	*off = o;
	*nbytes = n;
	return true;
}

/* The first line's text after the address:
 *   CLASS [cccc]: NAME [vvvv:dddd] (rev rr) (prog-if pp [...])
 * ids and class code only with -nn; a name too long for lspci's buffer
 * ends in "..." and may have lost its ids. */
static bool parse_header_rest(const char *rest, struct lspci_func *f, const char **why)
{
	const char *colon = strstr(rest, ": "), *p;
	char *body;
	size_t len, clen;
	uint16_t a, b;

	if (!colon || colon == rest) {
		*why = "no class before ': '";
		return false;
	}
	clen = (size_t)(colon - rest);
	if (clen >= 7 && rest[clen - 7] == ' ' && rest[clen - 6] == '[' && rest[clen - 1] == ']') {
		uint32_t c;
		if (hex_exact(rest + clen - 5, 4, &c) && rest[clen - 1] == ']') {
			f->class_code = c << 8;
			f->class_known = true;
			clen -= 7;
		}
	}
	{
		/* lspci -n: "0600: 8086:29c0" */
		uint32_t c;
		if (!f->class_known && clen == 4 && hex_exact(rest, 4, &c) && rest[4] == ':') {
			f->class_code = c << 8;
			f->class_known = true;
		}
	}
	f->class_name = xstrndup(rest, clen);
	body = xstrdup(colon + 2);
	len = strlen(body);
	/* (prog-if pp [name]) */
	if ((p = strstr(body, " (prog-if ")) != NULL && body[len - 1] == ')') {
		uint32_t pi;
		if (!hex_exact(p + 10, 2, &pi)) {
			free(body);
			*why = "a prog-if that is not two hex digits";
			return false;
		}
		f->class_code = (f->class_code & ~0xffu) | pi;
		body[p - body] = '\0';
		len = strlen(body);
	}
	/* (rev rr) */
	if (len >= 9 && strncmp(body + len - 9, " (rev ", 6) == 0 && body[len - 1] == ')') {
		uint32_t r;
		if (!hex_exact(body + len - 3, 2, &r)) {
			free(body);
			*why = "a revision that is not two hex digits";
			return false;
		}
		f->revision = (uint8_t)r;
		len -= 9;
		body[len] = '\0';
	}
	{
		/* lspci -n: the ids alone */
		uint32_t x, y;
		if (len == 9 && hex_exact(body, 4, &x) && body[4] == ':' && hex_exact(body + 5, 4, &y)) {
			f->vendor_id = (uint16_t)x;
			f->device_id = (uint16_t)y;
			f->ids_known = true;
			free(f->class_name);
			f->class_name = NULL;
			f->device_name = body;
			body[0] = '\0';
			return true;
		}
	}
	if ((p = trailing_id_pair(body, len, &a, &b)) != NULL) {
		f->vendor_id = a;
		f->device_id = b;
		f->ids_known = true;
		len = (size_t)(p - body);
		body[len] = '\0';
	} else if (len >= 3 && strcmp(body + len - 3, "...") == 0) {
		f->name_truncated = true;
	}
	if (!len) {
		free(body);
		*why = "no vendor or device name";
		return false;
	}
	f->device_name = body;
	return true;
}

/* ---- capability lines -------------------------------------------------------- */

/* "Express (v2) Root Port (Slot+), MSI 00", "Express Endpoint, IntMsgNum 0" */
static void parse_express(const char *name, struct lspci_func *f)
{
	static const struct {
		const char *text;
		int type;
	} types[] = {
		{"Endpoint", PCIE_TYPE_ENDPOINT},
		{"Legacy Endpoint", PCIE_TYPE_LEGACY_ENDPOINT},
		{"Root Port", PCIE_TYPE_ROOT_PORT},
		{"Upstream Port", PCIE_TYPE_UPSTREAM},
		{"Downstream Port", PCIE_TYPE_DOWNSTREAM},
		{"PCI-Express to PCI/PCI-X Bridge", PCIE_TYPE_PCI_BRIDGE},
		{"PCI/PCI-X to PCI-Express Bridge", PCIE_TYPE_PCIE_BRIDGE},
		{"Root Complex Integrated Endpoint", PCIE_TYPE_RC_END},
		{"Root Complex Event Collector", PCIE_TYPE_RC_EC},
	};
	const char *p = name + strlen("Express");
	unsigned long v;
	f->pcie_version = 1;
	if (starts(p, " (v")) {
		p += 3;
		if (dec_run(&p, 15, &v) && *p == ')') {
			f->pcie_version = (unsigned)v;
			p++;
		}
	}
	while (*p == ' ')
		p++;
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		size_t n = strlen(types[i].text);
		if (strncmp(p, types[i].text, n) == 0 && (p[n] == ',' || p[n] == ' ' || p[n] == '\0')) {
			f->pcie_type = types[i].type;
			f->pcie_slot = strstr(p + n, "(Slot+)") != NULL;
			return;
		}
	}
	if (starts(p, "Unknown type ")) {
		p += 13;
		if (dec_run(&p, 15, &v))
			f->pcie_type = (int)v;
	}
}

/* "Capabilities: [40] NAME" or "Capabilities: [100 v1] NAME". */
static bool parse_cap_line(const char *s, unsigned no, struct lspci_func *f, struct lspci_error *err)
{
	const char *p = s + strlen("Capabilities:");
	struct lspci_cap c;
	uint32_t off;
	unsigned long v = 0;
	bool has_version = false;
	int id;

	while (*p == ' ' || *p == '\t')
		p++;
	if (starts(p, "<access denied>"))
		return fail(err, no, 3,
			    "'Capabilities: <access denied>': this dump was taken without root, so the capabilities "
			    "that decide isolation (PCI Express, ACS) are not in it (take it again with sudo lspci -vvnn)");
	if (*p++ != '[' || !hex_run(&p, 3, &off))
		return fail(err, no, 2, "a capability line without its offset ('Capabilities: [40] ...')");
	if (starts(p, " v")) {
		p += 2;
		if (!dec_run(&p, 15, &v))
			return fail(err, no, 2, "a capability line with a bad version");
		has_version = true;
	}
	if (*p++ != ']' || *p++ != ' ')
		return fail(err, no, 2, "a capability line that is not 'Capabilities: [OFFSET] NAME'");
	if (starts(p, "<chain broken>") || starts(p, "<chain looped>") || starts(p, "<unreadable>")) {
		f->caps_truncated = true;
		return true;
	}
	if (off > 0xffc || (off < 0x100 && has_version) || (off < 0x40 && off != 0))
		return fail(err, no, 2, "a capability at offset 0x%x, where none can be", off);
	memset(&c, 0, sizeof(c));
	c.off = off;
	c.ext = off >= 0x100;
	c.version = (unsigned)v;
	c.line = no;
	id = lspci_cap_id(p, c.ext);
	if (id >= 0) {
		c.id_known = true;
		c.id = (unsigned)id;
	}
	if (!c.ext && c.id_known && c.id == PCI_CAP_ID_EXP)
		parse_express(p, f);
	for (size_t i = 0; i < f->ncaps; i++)
		if (f->caps[i].off == c.off)
			return fail(err, no, 2, "a second capability at offset 0x%x (the first on line %u)", off,
				    f->caps[i].line);
	xgrow((void **)&f->caps, &f->cap_cap, f->ncaps + 1, sizeof(*f->caps));
	f->caps[f->ncaps++] = c;
	return true;
}

/* "SrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-":
 * all seven flags, or nothing known. */
static bool parse_acs_flags(const char *s, uint16_t *out)
{
	static const char *const names[] = {"SrcValid", "TransBlk", "ReqRedir", "CmpltRedir", "UpstreamFwd",
					    "EgressCtrl", "DirectTrans"};
	unsigned seen = 0;
	uint16_t v = 0;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const char *p = s;
		size_t n = strlen(names[i]);
		while ((p = strstr(p, names[i])) != NULL) {
			bool word = (p == s || p[-1] == ' ' || p[-1] == '\t') && (p[n] == '+' || p[n] == '-');
			if (word) {
				seen |= 1u << i;
				if (p[n] == '+')
					v |= (uint16_t)(1u << i);
				break;
			}
			p += n;
		}
	}
	if (seen != (1u << ARRAY_SIZE(names)) - 1)
		return false;
	*out = v;
	return true;
}

/* A number after KEY in S ("Number of VFs: 2"). */
static bool field_after(const char *s, const char *key, unsigned long max, unsigned long *out, bool hex)
{
	const char *p = strstr(s, key);
	uint32_t h;
	if (!p)
		return false;
	p += strlen(key);
	while (*p == ' ')
		p++;
	if (hex) {
		if (!hex_run(&p, 4, &h))
			return false;
		*out = h;
		return true;
	}
	return dec_run(&p, max, out);
}

/* Lines below a capability's header: those iommuctl needs. */
struct block_state {
	bool in_devcap; /* between "DevCap:" and "DevCtl:" of the Express capability */
	bool sriov_counts, sriov_offsets;
};

static void parse_cap_detail(const char *s, struct lspci_func *f, struct block_state *st)
{
	const struct lspci_cap *c = f->ncaps ? &f->caps[f->ncaps - 1] : NULL;
	unsigned long a, b, d;
	if (!c || !c->id_known)
		return;
	if (!c->ext && c->id == PCI_CAP_ID_EXP) {
		const char *flr;
		if (starts(s, "DevCap:"))
			st->in_devcap = true;
		else if (starts(s, "DevCtl:") || starts(s, "DevSta:"))
			st->in_devcap = false;
		if (st->in_devcap && (flr = strstr(s, "FLReset")) != NULL && (flr[7] == '+' || flr[7] == '-'))
			f->flr = flr[7] == '+' ? LSPCI_YES : LSPCI_NO;
	} else if (c->ext && c->id == PCI_EXT_CAP_ACS) {
		uint16_t v;
		if (starts(s, "ACSCap:") && parse_acs_flags(s + 7, &v)) {
			f->acs_cap = v;
			f->acs_cap_known = true;
		} else if (starts(s, "ACSCtl:") && parse_acs_flags(s + 7, &v)) {
			f->acs_ctl = v;
			f->acs_ctl_known = true;
		}
	} else if (c->ext && c->id == PCI_EXT_CAP_SRIOV) {
		if (starts(s, "IOVCtl:"))
			f->sriov_enabled = strstr(s, "Enable+") != NULL;
		if (field_after(s, "Initial VFs:", 0xffff, &a, false) && field_after(s, "Total VFs:", 0xffff, &b, false) &&
		    field_after(s, "Number of VFs:", 0xffff, &d, false)) {
			f->sriov_initial = (uint16_t)a;
			f->sriov_total = (uint16_t)b;
			f->sriov_num = (uint16_t)d;
			st->sriov_counts = true;
		}
		if (field_after(s, "VF offset:", 0xffff, &a, false) && field_after(s, "stride:", 0xffff, &b, false) &&
		    field_after(s, "Device ID:", 0xffff, &d, true)) {
			f->sriov_offset = (uint16_t)a;
			f->sriov_stride = (uint16_t)b;
			f->sriov_vf_device = (uint16_t)d;
			st->sriov_offsets = true;
		}
		f->sriov_known = st->sriov_counts && st->sriov_offsets;
	}
}

/* An indented line of a block. */
static bool parse_block_line(const char *s, unsigned no, struct lspci_func *f, struct lspci_dump *d,
			     struct block_state *st, struct lspci_error *err)
{
	unsigned long v;
	const char *p;

	f->has_text = true;
	d->any_text = true;
	if (starts(s, "Capabilities:")) {
		memset(st, 0, sizeof(*st));
		d->any_cap_line = true;
		return parse_cap_line(s, no, f, err);
	}
	if (starts(s, "IOMMU group:")) {
		p = s + 12;
		while (*p == ' ')
			p++;
		if (!dec_run(&p, 0x7fffffff, &v) || *p)
			return fail(err, no, 2, "an IOMMU group that is not a number");
		if (f->group >= 0 && (unsigned long)f->group != v)
			return fail(err, no, 2, "a second IOMMU group for %02x:%02x.%u", f->addr.bus, f->addr.dev,
				    f->addr.fn);
		f->group = (int)v;
		d->any_group_line = true;
		return true;
	}
	if (starts(s, "Kernel driver in use:")) {
		p = s + 21;
		while (*p == ' ')
			p++;
		/* a kernel driver's name; it becomes a directory of the
		 * snapshot, so nothing else ("..", "a/b") passes */
		if (!*p || *p == '.' || strlen(p) > 64 || strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
							      "0123456789_-.") != strlen(p))
			return fail(err, no, 2, "a driver name that is not a kernel driver's");
		free(f->driver);
		f->driver = xstrdup(p);
		d->any_driver_line = true;
		return true;
	}
	if (f->ncaps == 0) {
		/* the lines before the capabilities (show_verbose) */
		if (starts(s, "Subsystem:")) {
			uint16_t a, b;
			if (trailing_id_pair(s, strlen(s), &a, &b)) {
				f->subsys_vendor_id = a;
				f->subsys_device_id = b;
				f->subsys_known = true;
			}
			return true;
		}
		if (starts(s, "Status: Cap+") || starts(s, "Status: Cap-")) {
			f->status_caps = s[11] == '+';
			return true;
		}
		if (starts(s, "Bus: primary=")) {
			uint32_t pb, sb, ub;
			p = s + 13;
			if (!hex_run(&p, 2, &pb) || !starts(p, ", secondary=") || (p += 12, !hex_run(&p, 2, &sb)) ||
			    !starts(p, ", subordinate=") || (p += 14, !hex_run(&p, 2, &ub)))
				return fail(err, no, 2, "a bridge's bus numbers that are not 'Bus: primary=PP, secondary=SS, "
							"subordinate=UU'");
			f->primary = (uint8_t)pb;
			f->secondary = (uint8_t)sb;
			f->subordinate = (uint8_t)ub;
			f->bus_known = true;
			return true;
		}
		if (starts(s, "Region ") && strstr(s, "[virtual]"))
			f->virtual_region = true;
		return true;
	}
	parse_cap_detail(s, f, st);
	return true;
}

static struct lspci_func *new_func(struct lspci_dump *d)
{
	struct lspci_func *f;
	xgrow((void **)&d->f, &d->cap, d->n + 1, sizeof(*d->f));
	f = &d->f[d->n++];
	memset(f, 0, sizeof(*f));
	f->group = -1;
	f->status_caps = -1;
	f->pcie_type = -1;
	f->flr = LSPCI_UNSURE;
	return f;
}

static bool add_hex_row(struct lspci_func *f, unsigned no, unsigned off, const uint8_t *bytes, size_t n,
			struct lspci_error *err)
{
	if (off != f->hexlen)
		return fail(err, no, 2, "a hex dump row at 0x%x where 0x%zx was due", off, f->hexlen);
	if (f->hexlen + n > PCI_CFG_EXP_SIZE)
		return fail(err, no, 2, "a hex dump past 4096 bytes, the largest configuration space");
	if (!f->hex)
		f->hex = xmalloc(PCI_CFG_EXP_SIZE);
	if (!f->hexlen)
		f->hex_line = no;
	memcpy(f->hex + f->hexlen, bytes, n);
	f->hexlen += n;
	return true;
}

struct lspci_func *lspci_find(const struct lspci_dump *d, const struct pci_addr *a)
{
	for (size_t i = 0; i < d->n; i++)
		if (pci_addr_cmp(&d->f[i].addr, a) == 0)
			return &d->f[i];
	return NULL;
}

static void quote_line(const char *s, char out[48])
{
	size_t n = strlen(s);
	if (n <= 40)
		snprintf(out, 48, "%s", s);
	else
		snprintf(out, 48, "%.37s...", s);
}

bool lspci_parse(const char *text, size_t len, struct lspci_dump *out, struct lspci_error *err)
{
	struct lines lines = {0};
	struct lspci_func *cur = NULL;
	struct block_state st;
	bool ok = true;

	lspci_dump_init(out);
	memset(err, 0, sizeof(*err));
	memset(&st, 0, sizeof(st));
	if (len > LSPCI_INPUT_MAX)
		return fail(err, 0, 2, "larger than %u MiB: not an lspci dump", LSPCI_INPUT_MAX >> 20);
	if (memchr(text, '\0', len)) {
		const char *z = memchr(text, '\0', len);
		unsigned no = 1;
		for (const char *c = text; c < z; c++)
			no += *c == '\n';
		return fail(err, no, 2, "a NUL byte: binary data, not lspci output");
	}
	split_lines(text, len, &lines, &out->pcilib_lines);
	for (size_t i = 0; i < lines.n && ok; i++) {
		const char *s = lines.v[i].text;
		unsigned no = lines.v[i].no;
		char shown[48];
		uint8_t row[16];
		size_t nrow;
		unsigned off;

		if (!is_text(s, strlen(s))) {
			ok = fail(err, no, 2, "not text (bytes that are not UTF-8, or control characters)");
			break;
		}
		if (!*s) {
			cur = NULL; /* the blank line after a block */
			continue;
		}
		if (s[0] == ' ' || s[0] == '\t') {
			while (*s == ' ' || *s == '\t')
				s++;
			if (!cur) {
				quote_line(s, shown);
				ok = fail(err, no, 2, "'%s' is indented but follows no function's first line: not lspci output",
					  shown);
				break;
			}
			ok = parse_block_line(s, no, cur, out, &st, err);
			continue;
		}
		if (s[0] == '#')
			continue; /* a comment (the dump's source, said by whoever kept it) */
		if (is_hex_row(s, &off, row, &nrow)) {
			if (!cur) {
				ok = fail(err, no, 2, "a hex dump row that follows no function's first line");
				break;
			}
			out->any_hex = true;
			ok = add_hex_row(cur, no, off, row, nrow, err);
			continue;
		}
		{
			struct pci_addr a;
			const char *rest, *why = NULL;
			struct lspci_func *dup;
			if (!parse_address(s, &a, &rest)) {
				quote_line(s, shown);
				ok = fail(err, no, 2,
					  "'%s' is not lspci output (neither a function's first line, '[DDDD:]BB:DD.F CLASS: "
					  "NAME', nor a hex dump row)",
					  shown);
				break;
			}
			if ((dup = lspci_find(out, &a)) != NULL) {
				ok = fail(err, no, 2, "%04x:%02x:%02x.%u a second time (first on line %u)", a.domain, a.bus,
					  a.dev, a.fn, dup->line);
				break;
			}
			cur = new_func(out);
			cur->addr = a;
			cur->line = no;
			memset(&st, 0, sizeof(st));
			if (!parse_header_rest(rest, cur, &why)) {
				quote_line(s, shown);
				ok = fail(err, no, 2, "'%s': %s, not the first line of an lspci block", shown, why);
				break;
			}
		}
	}
	lines_release(&lines);
	if (ok) {
		for (size_t i = 0; i < out->n && ok; i++) {
			struct lspci_func *f = &out->f[i];
			if (f->hexlen && f->hexlen < PCI_CFG_HEADER_SIZE)
				ok = fail(err, f->hex_line, 2, "a hex dump of %zu bytes: lspci -x prints at least 64",
					  f->hexlen);
		}
	}
	if (ok && out->n == 0)
		ok = fail(err, 0, 2, "no PCI function in it (lspci prints one block per function, its first line "
				     "'BB:DD.F CLASS: NAME'): not lspci output");
	if (!ok)
		lspci_dump_release(out);
	return ok;
}

/* ---- text and hex of one machine ------------------------------------------------ */

static void take(char **dst, char **src)
{
	if (!*dst) {
		*dst = *src;
		*src = NULL;
	}
}

bool lspci_merge(struct lspci_dump *dst, struct lspci_dump *src, struct lspci_error *err)
{
	memset(err, 0, sizeof(*err));
	for (size_t i = 0; i < src->n; i++) {
		struct lspci_func *s = &src->f[i], *d = lspci_find(dst, &s->addr);
		if (!d) {
			d = new_func(dst);
			*d = *s;
			memset(s, 0, sizeof(*s));
			s->group = -1;
			continue;
		}
		if (s->ids_known && d->ids_known && (s->vendor_id != d->vendor_id || s->device_id != d->device_id))
			return fail(err, s->line, 2,
				    "%04x:%02x:%02x.%u is %04x:%04x here and %04x:%04x in the other dump: not the same machine",
				    s->addr.domain, s->addr.bus, s->addr.dev, s->addr.fn, s->vendor_id, s->device_id,
				    d->vendor_id, d->device_id);
		if (s->has_text && !d->has_text) {
			/* the text's block first: its facts, then the bytes */
			struct lspci_func t = *d;
			*d = *s;
			*s = t;
		}
		if (s->hexlen > d->hexlen) {
			uint8_t *hex = d->hex;
			size_t hexlen = d->hexlen;
			unsigned hex_line = d->hex_line;
			d->hex = s->hex;
			d->hexlen = s->hexlen;
			d->hex_line = s->hex_line;
			s->hex = hex;
			s->hexlen = hexlen;
			s->hex_line = hex_line;
		}
		take(&d->class_name, &s->class_name);
		take(&d->device_name, &s->device_name);
		take(&d->vendor_name, &s->vendor_name);
		take(&d->driver, &s->driver);
		if (!d->ids_known && s->ids_known) {
			d->ids_known = true;
			d->vendor_id = s->vendor_id;
			d->device_id = s->device_id;
		}
		if (!d->class_known && s->class_known) {
			d->class_known = true;
			d->class_code = s->class_code;
		}
		if (d->group < 0)
			d->group = s->group;
	}
	dst->any_driver_line |= src->any_driver_line;
	dst->any_group_line |= src->any_group_line;
	dst->any_cap_line |= src->any_cap_line;
	dst->any_text |= src->any_text;
	dst->any_hex |= src->any_hex;
	dst->pcilib_lines += src->pcilib_lines;
	return true;
}

/* ---- names to ids (pci.ids) ----------------------------------------------------------- */

/* One line of pci.ids: its indentation (tabs) and, after the id, the
 * name. */
struct ids_line {
	int depth;
	char kind; /* 'C' for a class line at depth 0, else 0 */
	uint32_t id;
	const char *name;
	size_t name_len;
};

static bool ids_next(const char **p, struct ids_line *l)
{
	while (**p) {
		const char *s = *p, *e = strchr(s, '\n'), *q;
		size_t n = e ? (size_t)(e - s) : strlen(s);
		*p = e ? e + 1 : s + n;
		if (!n || s[0] == '#')
			continue;
		memset(l, 0, sizeof(*l));
		while (l->depth < (int)n && s[l->depth] == '\t')
			l->depth++;
		q = s + l->depth;
		if (l->depth == 0 && q[0] == 'C' && q[1] == ' ') {
			l->kind = 'C';
			q += 2;
		}
		if (!hex_run(&q, 4, &l->id) || q[0] != ' ' || q[1] != ' ')
			continue;
		l->name = q + 2;
		l->name_len = n - (size_t)(l->name - s);
		while (l->name_len && (l->name[l->name_len - 1] == '\r' || l->name[l->name_len - 1] == ' '))
			l->name_len--;
		return true;
	}
	return false;
}

/* NAME (LEN) matches WANT: exactly, or as the part before lspci's "...". */
static bool name_matches(const char *name, size_t len, const char *want, bool truncated)
{
	size_t wl = strlen(want);
	if (truncated) {
		if (wl < 3)
			return false;
		wl -= 3;
		return len >= wl && strncmp(name, want, wl) == 0;
	}
	return len == wl && strncmp(name, want, wl) == 0;
}

/* Resolves F's "VENDOR DEVICE" against PCI_IDS; true if exactly one pair
 * matches. */
static bool resolve_ids(struct lspci_func *f, const char *ids)
{
	const char *p = ids, *full = f->device_name;
	struct ids_line l;
	uint32_t vendor = 0, found_v = 0, found_d = 0;
	const char *rest = NULL;
	int matches = 0;
	bool in_vendor = false;

	while (ids_next(&p, &l)) {
		if (l.kind == 'C')
			break; /* the class section follows the vendors */
		if (l.depth == 0) {
			in_vendor = strncmp(full, l.name, l.name_len) == 0 && full[l.name_len] == ' ';
			vendor = l.id;
			rest = in_vendor ? full + l.name_len + 1 : NULL;
			if (in_vendor) {
				uint32_t dv;
				const char *q = rest;
				/* "Device 1234": a device pci.ids does not name */
				if (starts(q, "Device ") && (q += 7, hex_run(&q, 4, &dv)) && !*q) {
					found_v = vendor;
					found_d = dv;
					matches++;
				}
			}
		} else if (l.depth == 1 && in_vendor && name_matches(l.name, l.name_len, rest, f->name_truncated)) {
			found_v = vendor;
			found_d = l.id;
			matches++;
		}
	}
	if (matches != 1)
		return false;
	f->vendor_id = (uint16_t)found_v;
	f->device_id = (uint16_t)found_d;
	f->ids_known = f->ids_looked_up = true;
	return true;
}

/* The class whose sub-class (or base class) lspci named. */
static bool resolve_class(struct lspci_func *f, const char *ids)
{
	const char *p = ids;
	struct ids_line l;
	uint32_t base = 0, found = 0;
	int matches = 0;
	bool classes = false;
	while (ids_next(&p, &l)) {
		if (l.kind == 'C') {
			classes = true;
			base = l.id;
			if (name_matches(l.name, l.name_len, f->class_name, false)) {
				found = base << 8;
				matches++;
			}
		} else if (classes && l.depth == 1 && name_matches(l.name, l.name_len, f->class_name, false)) {
			found = base << 8 | l.id;
			matches++;
		} else if (l.depth == 0)
			classes = false;
	}
	if (matches != 1)
		return false;
	f->class_code = found << 8 | (f->class_code & 0xff);
	f->class_known = f->class_looked_up = true;
	return true;
}

/* With the ids known, the vendor's name as pci.ids spells it, if the
 * line starts with it: the rest is the device's. */
static void split_vendor(struct lspci_func *f, const char *ids)
{
	const char *p = ids;
	struct ids_line l;
	while (ids_next(&p, &l)) {
		if (l.kind == 'C')
			return;
		if (l.depth == 0 && l.id == f->vendor_id) {
			if (strncmp(f->device_name, l.name, l.name_len) == 0 && f->device_name[l.name_len] == ' ') {
				char *dev = xstrdup(f->device_name + l.name_len + 1);
				f->vendor_name = xstrndup(l.name, l.name_len);
				free(f->device_name);
				f->device_name = dev;
			}
			return;
		}
	}
}

size_t lspci_resolve_names(struct lspci_dump *d, const char *pci_ids)
{
	size_t left = 0;
	for (size_t i = 0; i < d->n; i++) {
		struct lspci_func *f = &d->f[i];
		if (!f->device_name)
			continue;
		if (pci_ids && !f->ids_known)
			resolve_ids(f, pci_ids);
		if (pci_ids && !f->class_known && f->class_name)
			resolve_class(f, pci_ids);
		if (pci_ids && f->ids_known && !f->vendor_name)
			split_vendor(f, pci_ids);
		if (!f->ids_known)
			left++;
	}
	return left;
}
