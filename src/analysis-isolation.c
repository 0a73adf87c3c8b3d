/* analysis-isolation.c - ACS, DMA aliases and group formation exactly as the
 * kernel decides them (see isolation.h for the sources). */
#define _GNU_SOURCE
#include "isolation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

#define ANY 0xffffffffu

/* ---- the ACS quirk table (pci_dev_acs_enabled[] in quirks.c) ---------- */

enum quirk_fn {
	Q_AMD_SB,        /* pci_quirk_amd_sb_acs */
	Q_MF_ENDPOINT,   /* pci_quirk_mf_endpoint_acs */
	Q_RCIEP,         /* pci_quirk_rciep_acs */
	Q_QCOM_RP,       /* pci_quirk_qcom_rp_acs */
	Q_INTEL_PCH,     /* pci_quirk_intel_pch_acs */
	Q_INTEL_SPT_PCH, /* pci_quirk_intel_spt_pch_acs */
	Q_CAVIUM,        /* pci_quirk_cavium_acs */
	Q_XGENE,         /* pci_quirk_xgene_acs */
	Q_BRCM,          /* pci_quirk_brcm_acs */
	Q_LOONGSON,      /* pci_quirk_loongson_acs */
	Q_AL,            /* pci_quirk_al_acs */
	Q_NXP_RP,        /* pci_quirk_nxp_rp_acs */
	Q_ZHAOXIN_PORTS, /* pci_quirk_zhaoxin_pcie_ports_acs */
	Q_WANGXUN,       /* pci_quirk_wangxun_nic_acs */
};

static const char *const quirk_names[] = {
	[Q_AMD_SB] = "pci_quirk_amd_sb_acs",
	[Q_MF_ENDPOINT] = "pci_quirk_mf_endpoint_acs",
	[Q_RCIEP] = "pci_quirk_rciep_acs",
	[Q_QCOM_RP] = "pci_quirk_qcom_rp_acs",
	[Q_INTEL_PCH] = "pci_quirk_intel_pch_acs",
	[Q_INTEL_SPT_PCH] = "pci_quirk_intel_spt_pch_acs",
	[Q_CAVIUM] = "pci_quirk_cavium_acs",
	[Q_XGENE] = "pci_quirk_xgene_acs",
	[Q_BRCM] = "pci_quirk_brcm_acs",
	[Q_LOONGSON] = "pci_quirk_loongson_acs",
	[Q_AL] = "pci_quirk_al_acs",
	[Q_NXP_RP] = "pci_quirk_nxp_rp_acs",
	[Q_ZHAOXIN_PORTS] = "pci_quirk_zhaoxin_pcie_ports_acs",
	[Q_WANGXUN] = "pci_quirk_wangxun_nic_acs",
};

struct acs_quirk {
	uint32_t vendor, device_lo, device_hi; /* ANY: any */
	enum quirk_fn fn;
};

/* In the kernel's order: the first entry whose function answers wins. */
static const struct acs_quirk acs_quirks[] = {
	{0x1002, 0x4385, 0x4385, Q_AMD_SB}, {0x1002, 0x439c, 0x439c, Q_AMD_SB}, {0x1002, 0x4383, 0x4383, Q_AMD_SB},
	{0x1002, 0x439d, 0x439d, Q_AMD_SB}, {0x1002, 0x4384, 0x4384, Q_AMD_SB}, {0x1002, 0x4399, 0x4399, Q_AMD_SB},
	{0x1022, 0x780f, 0x780f, Q_AMD_SB}, {0x1022, 0x7809, 0x7809, Q_AMD_SB},
	{0x1924, 0x0903, 0x0903, Q_MF_ENDPOINT}, {0x1924, 0x0923, 0x0923, Q_MF_ENDPOINT},
	{0x1924, 0x0a03, 0x0a03, Q_MF_ENDPOINT},
	/* Intel multifunction endpoints (NICs) */
	{0x8086, 0x10c6, 0x10c6, Q_MF_ENDPOINT}, {0x8086, 0x10db, 0x10db, Q_MF_ENDPOINT},
	{0x8086, 0x10dd, 0x10dd, Q_MF_ENDPOINT}, {0x8086, 0x10e1, 0x10e1, Q_MF_ENDPOINT},
	{0x8086, 0x10f1, 0x10f1, Q_MF_ENDPOINT}, {0x8086, 0x10f7, 0x10fc, Q_MF_ENDPOINT},
	{0x8086, 0x1507, 0x1507, Q_MF_ENDPOINT}, {0x8086, 0x1514, 0x1514, Q_MF_ENDPOINT},
	{0x8086, 0x151c, 0x151c, Q_MF_ENDPOINT}, {0x8086, 0x1529, 0x152a, Q_MF_ENDPOINT},
	{0x8086, 0x154d, 0x154d, Q_MF_ENDPOINT}, {0x8086, 0x154f, 0x154f, Q_MF_ENDPOINT},
	{0x8086, 0x1551, 0x1551, Q_MF_ENDPOINT}, {0x8086, 0x1558, 0x1558, Q_MF_ENDPOINT},
	/* 82580 */
	{0x8086, 0x1509, 0x1509, Q_MF_ENDPOINT}, {0x8086, 0x150e, 0x1511, Q_MF_ENDPOINT},
	{0x8086, 0x1516, 0x1516, Q_MF_ENDPOINT}, {0x8086, 0x1527, 0x1527, Q_MF_ENDPOINT},
	/* 82576 */
	{0x8086, 0x10c9, 0x10c9, Q_MF_ENDPOINT}, {0x8086, 0x10e6, 0x10e8, Q_MF_ENDPOINT},
	{0x8086, 0x150a, 0x150a, Q_MF_ENDPOINT}, {0x8086, 0x150d, 0x150d, Q_MF_ENDPOINT},
	{0x8086, 0x1518, 0x1518, Q_MF_ENDPOINT}, {0x8086, 0x1526, 0x1526, Q_MF_ENDPOINT},
	/* 82575 */
	{0x8086, 0x10a7, 0x10a7, Q_MF_ENDPOINT}, {0x8086, 0x10a9, 0x10a9, Q_MF_ENDPOINT},
	{0x8086, 0x10d6, 0x10d6, Q_MF_ENDPOINT},
	/* I350 */
	{0x8086, 0x1521, 0x1524, Q_MF_ENDPOINT},
	/* 82571 */
	{0x8086, 0x105e, 0x1060, Q_MF_ENDPOINT}, {0x8086, 0x10d9, 0x10d9, Q_MF_ENDPOINT},
	/* I219 */
	{0x8086, 0x15b7, 0x15b8, Q_MF_ENDPOINT},
	{0x8086, ANY, ANY, Q_RCIEP},
	{0x17cb, 0x0400, 0x0401, Q_QCOM_RP}, {0x17cb, 0x0115, 0x0115, Q_QCOM_RP}, {0x1dbf, 0x0401, 0x0401, Q_QCOM_RP},
	{0x8086, ANY, ANY, Q_INTEL_PCH},
	{0x8086, ANY, ANY, Q_INTEL_SPT_PCH},
	{0x19a2, 0x0710, 0x0710, Q_MF_ENDPOINT}, {0x10df, 0x0720, 0x0720, Q_MF_ENDPOINT},
	{0x177d, ANY, ANY, Q_CAVIUM},
	{0x177d, 0xa026, 0xa026, Q_MF_ENDPOINT}, {0x177d, 0xa059, 0xa059, Q_MF_ENDPOINT},
	{0x177d, 0xa060, 0xa060, Q_MF_ENDPOINT},
	{0x10e8, 0xe004, 0xe004, Q_XGENE}, {0x1def, 0xe005, 0xe00c, Q_XGENE},
	{0x14e4, 0x16d7, 0x16d7, Q_MF_ENDPOINT}, {0x14e4, 0x1750, 0x1752, Q_MF_ENDPOINT},
	{0x14e4, 0x1760, 0x1763, Q_MF_ENDPOINT}, {0x14e4, 0xd714, 0xd714, Q_BRCM},
	{0x0014, 0x3c09, 0x3c09, Q_LOONGSON}, {0x0014, 0x3c19, 0x3c19, Q_LOONGSON},
	{0x0014, 0x3c29, 0x3c29, Q_LOONGSON}, {0x0014, 0x7a09, 0x7a09, Q_LOONGSON},
	{0x0014, 0x7a19, 0x7a19, Q_LOONGSON}, {0x0014, 0x7a29, 0x7a29, Q_LOONGSON},
	{0x0014, 0x7a39, 0x7a39, Q_LOONGSON}, {0x0014, 0x7a49, 0x7a49, Q_LOONGSON},
	{0x0014, 0x7a59, 0x7a59, Q_LOONGSON}, {0x0014, 0x7a69, 0x7a69, Q_LOONGSON},
	{0x1c36, 0x0031, 0x0031, Q_AL},
	{0x1d17, 0x3038, 0x3038, Q_MF_ENDPOINT}, {0x1d17, 0x3104, 0x3104, Q_MF_ENDPOINT},
	{0x1d17, 0x9083, 0x9083, Q_MF_ENDPOINT},
	{0x1957, 0x8d80, 0x8d83, Q_NXP_RP}, {0x1957, 0x8d88, 0x8d8b, Q_NXP_RP}, {0x1957, 0x8d90, 0x8d93, Q_NXP_RP},
	{0x1957, 0x8d98, 0x8d9b, Q_NXP_RP}, {0x1957, 0x8da0, 0x8da1, Q_NXP_RP}, {0x1957, 0x8da8, 0x8da9, Q_NXP_RP},
	{0x1957, 0x8db0, 0x8db1, Q_NXP_RP}, {0x1957, 0x8db8, 0x8db9, Q_NXP_RP},
	{0x1d17, ANY, ANY, Q_ZHAOXIN_PORTS},
	{0x8088, ANY, ANY, Q_WANGXUN},
};

/* pdev->multifunction: the header's bit for function 0, and every other
 * function a slot scan finds (pci_scan_slot sets it for fn > 0); never a
 * VF (pci_iov_add_virtfn clears it). */
bool kernel_multifunction(const struct pci_device *d)
{
	return !d->virtfn && (d->ident.multifunction || d->addr.fn > 0);
}

static bool in(uint16_t v, uint16_t lo, uint16_t hi)
{
	return v >= lo && v <= hi;
}

/* pci_quirk_intel_pch_acs_match: PCH root ports whose ACS is not in the
 * standard place (enabled by a quirk when an IOMMU asks for ACS). */
static bool intel_pch_match(uint16_t d)
{
	if (in(d, 0x3b42, 0x3b51) || in(d, 0x1c10, 0x1c1f) || in(d, 0x1e10, 0x1e1f) || in(d, 0x8c10, 0x8c1f) ||
	    in(d, 0x9c10, 0x9c1b) || in(d, 0x9c90, 0x9c9b) || in(d, 0x8d10, 0x8d1e))
		return true;
	if ((in(d, 0x1d10, 0x1d1e) || in(d, 0x8c90, 0x8c9e)) && (d & 1) == 0)
		return true; /* Patsburg, 9-series: even ids */
	return false;
}

static bool intel_spt_match(uint16_t d)
{
	return in(d, 0xa110, 0xa11f) || in(d, 0xa167, 0xa16a) || in(d, 0xa290, 0xa29f) || in(d, 0xa2e7, 0xa2ee) ||
	       in(d, 0x9d10, 0x9d1b);
}

static bool zhaoxin_port_match(uint16_t d)
{
	return in(d, 0x0710, 0x071e) || d == 0x0721 || in(d, 0x0723, 0x0752);
}

static bool wangxun_match(uint16_t d)
{
	return in(d, 0x0100, 0x010f) || d == 0x1001 || d == 0x2001 || d == 0x5010 || d == 0x5025 || d == 0x5040 ||
	       d == 0x5110 || d == 0x5125 || d == 0x5140;
}

/* Runs quirk FN for D.  Returns 1 (isolated), 0 (not), -1 (no answer:
 * the next entry, then the generic rules, decide). */
static int run_quirk(const struct isolation *iso, size_t i, enum quirk_fn fn)
{
	const struct pci_device *d = &iso->s->dev[i];
	uint16_t dev = d->ident.device_id;
	int type = d->caps.pcie_type;
	switch (fn) {
	case Q_AMD_SB:
		/* only multifunction, on a root bus, with an IVRS table;
		 * REQ masked to RR|CR|EC|DT must lie within RR|CR: it does */
		if (!kernel_multifunction(d) || d->parent >= 0 || !iso->ivrs)
			return -1;
		return 1;
	case Q_MF_ENDPOINT:
	case Q_QCOM_RP:
	case Q_XGENE:
	case Q_BRCM:
	case Q_LOONGSON:
	case Q_NXP_RP:
		return 1;
	case Q_RCIEP:
		return type == PCIE_TYPE_RC_END ? 1 : -1;
	case Q_INTEL_PCH:
		if (type != PCIE_TYPE_ROOT_PORT || !intel_pch_match(dev))
			return -1;
		/* isolated once the enable quirk ran: it runs when an IOMMU
		 * driver asked for ACS, as it did on a machine with groups
		 * and will once one is enabled */
		return 1;
	case Q_INTEL_SPT_PCH:
		if (type != PCIE_TYPE_ROOT_PORT || !intel_spt_match(dev) || !d->caps.acs_off || !d->caps.acs_dwords)
			return -1;
		{
			/* control is a dword at +8, not the word at +6 */
			uint32_t cap = d->caps.acs_dword4;
			uint32_t ctl = d->caps.acs_dword8;
			uint32_t flags = PCI_ACS_REQUIRED & (cap | PCI_ACS_EC);
			if (iso->predict)
				ctl |= cap & PCI_ACS_REQUIRED;
			return (ctl & flags) == flags;
		}
	case Q_CAVIUM:
		if (type != PCIE_TYPE_ROOT_PORT || !(in(dev, 0xa000, 0xa7ff) || dev == 0xaf84 || dev == 0xb884))
			return -1;
		return 1;
	case Q_AL:
		return type == PCIE_TYPE_ROOT_PORT ? 1 : -1;
	case Q_ZHAOXIN_PORTS:
		if (type != PCIE_TYPE_ROOT_PORT && type != PCIE_TYPE_DOWNSTREAM)
			return -1;
		return zhaoxin_port_match(dev) ? 1 : 0;
	case Q_WANGXUN:
		return wangxun_match(dev) ? 1 : 0;
	}
	return -1;
}

/* ---- the command line: pcie_acs_override, pci=disable_acs_redir= / config_acs= ---- */

/* Does SPEC ("[dom:]bus:dev.fn[/dev.fn]*" or "pci:vvvv:dddd[:ssss:ssss]")
 * name device I? */
static bool pci_dev_spec_matches(const struct snapshot *s, size_t i, const char *spec, size_t len)
{
	const struct pci_device *d = &s->dev[i];
	char buf[128];
	unsigned a, b, c, e, f;
	if (len >= sizeof(buf))
		return false;
	memcpy(buf, spec, len);
	buf[len] = '\0';
	if (strncmp(buf, "pci:", 4) == 0) {
		int n = sscanf(buf + 4, "%x:%x:%x:%x", &a, &b, &c, &e);
		if (n < 2 || !d->ident_known || d->ident.vendor_id != a || d->ident.device_id != b)
			return false;
		return n < 4 || (d->ident.has_subsys && d->ident.subsys_vendor_id == c && d->ident.subsys_device_id == e);
	}
	{
		/* the path form: the first element, then each /dev.fn one bus down */
		char *save = NULL, *tok = strtok_r(buf, "/", &save);
		int cur = -1;
		unsigned dom = 0;
		if (!tok)
			return false;
		if (sscanf(tok, "%x:%x:%x.%x", &a, &b, &c, &e) == 4)
			dom = a, a = b, b = c, c = e;
		else if (sscanf(tok, "%x:%x.%x", &a, &b, &c) != 3)
			return false;
		for (size_t k = 0; k < s->ndev; k++)
			if (s->dev[k].addr.domain == dom && s->dev[k].addr.bus == a && s->dev[k].addr.dev == b &&
			    s->dev[k].addr.fn == c)
				cur = (int)k;
		while (cur >= 0 && (tok = strtok_r(NULL, "/", &save))) {
			int next = -1;
			if (sscanf(tok, "%x.%x", &e, &f) != 2)
				return false;
			for (size_t k = 0; k < s->ndev; k++)
				if (s->dev[k].parent == cur && s->dev[k].addr.dev == e && s->dev[k].addr.fn == f)
					next = (int)k;
			cur = next;
		}
		return cur == (int)i;
	}
}

/* Applies pci=disable_acs_redir= and pci=config_acs= to CTL of device I, as
 * pci_enable_acs does after enabling the standard controls. */
static uint16_t cmdline_acs_edits(const struct isolation *iso, size_t i, uint16_t cap, uint16_t ctl,
				  const struct strvec *tokens)
{
	for (size_t t = 0; t < tokens->n; t++) {
		const char *tok = tokens->v[t];
		if (strncmp(tok, "pci=", 4) != 0)
			continue;
		for (const char *opt = tok + 4, *end; *opt; opt = *end ? end + 1 : end) {
			end = strchr(opt, ',');
			if (!end)
				end = opt + strlen(opt);
			if (strncmp(opt, "disable_acs_redir=", 18) == 0) {
				for (const char *sp = opt + 18, *se; sp < end; sp = se + 1) {
					se = memchr(sp, ';', (size_t)(end - sp));
					if (!se)
						se = end;
					if (pci_dev_spec_matches(iso->s, i, sp, (size_t)(se - sp)))
						ctl &= (uint16_t)~(PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_EC);
				}
			} else if (strncmp(opt, "config_acs=", 11) == 0) {
				/* "<bits MSB first, 1/0/x>@<pci_dev>;..." */
				for (const char *sp = opt + 11, *se; sp < end; sp = se + 1) {
					const char *at;
					se = memchr(sp, ';', (size_t)(end - sp));
					if (!se)
						se = end;
					at = memchr(sp, '@', (size_t)(se - sp));
					if (!at || at - sp > 7 || !pci_dev_spec_matches(iso->s, i, at + 1, (size_t)(se - at - 1)))
						continue;
					for (const char *bp = sp; bp < at; bp++) {
						unsigned bit = (unsigned)(at - bp - 1);
						if (*bp == '1' && (cap & (1u << bit)))
							ctl |= (uint16_t)(1u << bit);
						else if (*bp == '0')
							ctl &= (uint16_t)~(1u << bit);
					}
				}
			}
		}
	}
	return ctl;
}

static void parse_override(struct isolation *iso, const struct strvec *tokens)
{
	for (size_t t = 0; t < tokens->n; t++) {
		const char *v = tokens->v[t];
		char *copy, *save = NULL;
		if (strncmp(v, "pcie_acs_override=", 18) != 0)
			continue;
		copy = xstrdup(v + 18);
		for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
			unsigned vend, dev;
			if (strcmp(o, "downstream") == 0)
				iso->override_downstream = true;
			else if (strcmp(o, "multifunction") == 0)
				iso->override_multifunction = true;
			else if (sscanf(o, "id:%4x:%4x", &vend, &dev) == 2 && iso->noverride_ids < ARRAY_SIZE(iso->override_ids))
				iso->override_ids[iso->noverride_ids++] = vend << 16 | dev;
		}
		free(copy);
		iso->override = true;
	}
}

/* pcie_acs_overrides(): never for conventional PCI or a function with an ACS
 * capability; then by id, by port type, or multifunction. */
static bool override_claims(const struct isolation *iso, const struct pci_device *d)
{
	uint32_t id = (uint32_t)d->ident.vendor_id << 16 | d->ident.device_id;
	if (!d->caps.pcie || d->caps.acs_off)
		return false;
	for (size_t k = 0; k < iso->noverride_ids; k++)
		if (iso->override_ids[k] == id)
			return true;
	switch (d->caps.pcie_type) {
	case PCIE_TYPE_DOWNSTREAM:
	case PCIE_TYPE_ROOT_PORT:
		return iso->override_downstream;
	case PCIE_TYPE_ENDPOINT:
	case PCIE_TYPE_UPSTREAM:
	case PCIE_TYPE_LEGACY_ENDPOINT:
	case PCIE_TYPE_RC_END:
		return iso->override_multifunction && kernel_multifunction(d);
	default:
		return false;
	}
}

/* ---- pci_acs_enabled ------------------------------------------------------ */

static void evaluate(const struct isolation *iso, size_t i, struct acs_verdict *v)
{
	const struct pci_device *d = &iso->s->dev[i];
	memset(v, 0, sizeof(*v));
	v->ctl = iso->ctl[i];
	if (!d->caps.known || !d->ident_known) {
		v->isolated = TRI_UNKNOWN;
		v->rule = ACS_RULE_UNKNOWN;
		return;
	}
	for (size_t q = 0; q < ARRAY_SIZE(acs_quirks); q++) {
		const struct acs_quirk *k = &acs_quirks[q];
		int r;
		if (k->vendor != d->ident.vendor_id ||
		    (k->device_lo != ANY && !in(d->ident.device_id, (uint16_t)k->device_lo, (uint16_t)k->device_hi)))
			continue;
		r = run_quirk(iso, i, k->fn);
		if (r >= 0) {
			v->isolated = r ? TRI_YES : TRI_NO;
			v->rule = ACS_RULE_QUIRK;
			v->quirk = quirk_names[k->fn];
			return;
		}
	}
	if (iso->override && override_claims(iso, d)) {
		v->isolated = TRI_YES;
		v->rule = ACS_RULE_OVERRIDE;
		return;
	}
	if (!d->caps.pcie) {
		v->isolated = TRI_NO;
		v->rule = ACS_RULE_NOT_PCIE;
		return;
	}
	switch (d->caps.pcie_type) {
	case PCIE_TYPE_PCIE_BRIDGE:
	case PCIE_TYPE_PCI_BRIDGE:
	case PCIE_TYPE_RC_EC:
		v->isolated = TRI_NO;
		v->rule = ACS_RULE_BRIDGE_TYPE;
		return;
	case PCIE_TYPE_ENDPOINT:
	case PCIE_TYPE_UPSTREAM:
	case PCIE_TYPE_LEGACY_ENDPOINT:
	case PCIE_TYPE_RC_END:
		if (!kernel_multifunction(d)) {
			v->isolated = TRI_YES;
			v->rule = ACS_RULE_SINGLE_FUNCTION;
			return;
		}
		__attribute__((fallthrough)); /* a multifunction one needs ACS */
	case PCIE_TYPE_DOWNSTREAM:
	case PCIE_TYPE_ROOT_PORT:
		if (d->unknown & (1u << PROV_ACS)) {
			/* an lspci dump without the ACS lines, or that ends
			 * before the extended capabilities */
			v->isolated = TRI_UNKNOWN;
			v->rule = ACS_RULE_UNKNOWN;
			return;
		}
		if (!d->caps.acs_off) {
			v->isolated = TRI_NO;
			v->rule = ACS_RULE_NO_CAP;
			return;
		}
		{
			/* a feature the capability lacks counts as enabled,
			 * except Egress Control */
			uint16_t flags = PCI_ACS_REQUIRED & (d->caps.acs_cap | PCI_ACS_EC);
			v->missing = flags & ~v->ctl;
			v->isolated = v->missing ? TRI_NO : TRI_YES;
			v->rule = v->missing ? ACS_RULE_FLAGS_MISSING : ACS_RULE_FLAGS_OK;
			return;
		}
	default:
		v->isolated = TRI_YES;
		v->rule = ACS_RULE_OTHER_TYPE;
		return;
	}
}

void isolation_init(struct isolation *iso, const struct snapshot *s, bool predict, bool override)
{
	struct strvec tokens;

	memset(iso, 0, sizeof(*iso));
	iso->s = s;
	iso->predict = predict;
	iso->ivrs = strvec_contains(&s->fw_tables, "IVRS");
	for (size_t u = 0; u < s->nunit; u++)
		iso->ivrs = iso->ivrs || (s->unit[u].driver && strcmp(s->unit[u].driver, "amd") == 0);
	strvec_init(&tokens);
	cmdline_split(s->cmdline, &tokens);
	if (override)
		parse_override(iso, &tokens);
	platform_acs_request(s, &iso->acs_req);
	iso->acs = xcalloc(s->ndev + 1, sizeof(*iso->acs));
	iso->ctl = xcalloc(s->ndev + 1, sizeof(*iso->ctl));
	for (size_t i = 0; i < s->ndev; i++) {
		const struct pci_device *d = &s->dev[i];
		uint16_t ctl = d->caps.acs_ctl;
		/* pci_std_enable_acs(), then the command line's edits: what
		 * the kernel writes once an IOMMU driver asks for ACS (it did
		 * already on a machine with an IOMMU: then this changes
		 * nothing), where the platform asks before enumeration */
		if (predict && iso->acs_req.requested && d->caps.acs_off) {
			ctl |= d->caps.acs_cap & PCI_ACS_REQUIRED;
			ctl = cmdline_acs_edits(iso, i, d->caps.acs_cap, ctl, &tokens);
		}
		iso->ctl[i] = ctl;
	}
	for (size_t i = 0; i < s->ndev; i++)
		evaluate(iso, i, &iso->acs[i]);
	strvec_release(&tokens);
}

void isolation_release(struct isolation *iso)
{
	acs_request_release(&iso->acs_req);
	free(iso->acs);
	free(iso->ctl);
	memset(iso, 0, sizeof(*iso));
}

enum tri acs_path_isolated(const struct isolation *iso, size_t start, int *failed)
{
	for (int p = (int)start; p >= 0; p = iso->s->dev[p].parent) {
		if (iso->acs[p].isolated != TRI_YES) {
			if (failed)
				*failed = p;
			return iso->acs[p].isolated;
		}
	}
	if (failed)
		*failed = -1;
	return TRI_YES;
}

/* ---- DMA aliases -------------------------------------------------------------- */

/* The devfns (on its own bus) a device is a DMA alias of, from the alias
 * quirks (quirk_dma_func0_alias, quirk_dma_func1_alias,
 * quirk_fixed_dma_alias, quirk_mic_x200_dma_alias, quirk_pex_vca_alias);
 * bit devfn of MASK. */
static void alias_mask(const struct pci_device *d, uint32_t mask[8])
{
	uint16_t v = d->ident.vendor_id, dev = d->ident.device_id;
	unsigned slot = d->addr.dev;
	memset(mask, 0, 8 * sizeof(*mask));
#define SET(devfn) (mask[(devfn) / 32] |= 1u << ((devfn) % 32))
	if (!d->ident_known)
		return;
	if ((v == 0x1180 && (dev == 0xe832 || dev == 0xe476)) || (v == 0x6766 && (dev == 0x3d40 || dev == 0x3d41)))
		SET(slot << 3 | 0);
	if ((v == 0x1b4b && (dev == 0x9120 || dev == 0x9123 || dev == 0x9125 || dev == 0x9128 || dev == 0x9130 ||
			     dev == 0x9170 || dev == 0x9172 || dev == 0x917a || dev == 0x9182 || dev == 0x9183 ||
			     dev == 0x91a0 || dev == 0x9215 || dev == 0x9220 || dev == 0x9230 || dev == 0x9235)) ||
	    (v == 0x1103 && (dev == 0x0642 || dev == 0x0645)) || (v == 0x197b && dev == 0x2393) ||
	    (v == 0x1c28 && dev == 0x0122))
		SET(slot << 3 | 1);
	if (v == 0x9005 && dev == 0x0285 && d->ident.has_subsys && d->ident.subsys_vendor_id == 0x9005 &&
	    (d->ident.subsys_device_id == 0x02bb || d->ident.subsys_device_id == 0x02bc))
		SET(1 << 3 | 0); /* Adaptec 3405/3805: devfn 01.0 */
	if (v == 0x8086 && (dev == 0x2260 || dev == 0x2264)) {
		SET(0x10 << 3 | 0);
		SET(0x11 << 3 | 0);
		SET(0x12 << 3 | 3);
	}
	if (v == 0x8086 && in(dev, 0x2954, 0x295a))
		for (unsigned s = 0; s < 32; s++)
			for (unsigned f = 0; f <= 4; f++)
				SET(s << 3 | f);
#undef SET
}

static bool mask_has(const uint32_t mask[8], unsigned devfn)
{
	return (mask[devfn / 32] >> (devfn % 32)) & 1;
}

bool dma_alias_quirk(const struct pci_device *a, const struct pci_device *b)
{
	uint32_t ma[8], mb[8];
	alias_mask(a, ma);
	alias_mask(b, mb);
	return mask_has(ma, (unsigned)(b->addr.dev << 3 | b->addr.fn)) ||
	       mask_has(mb, (unsigned)(a->addr.dev << 3 | a->addr.fn));
}

/* ---- pci_device_group ------------------------------------------------------------ */

bool isolation_in_scope(const struct snapshot *s, size_t i)
{
	const struct pci_device *d = &s->dev[i];
	int br;
	/* the kernel's units decide, or, where only its groups are known (an
	 * lspci dump), its groups do */
	if (s->nunit > 0 || s->ngrp > 0)
		return d->unit >= 0 || d->group >= 0;
	/* without a unit, every function but an IOMMU's own (class 0806) */
	if (d->class_known && (d->ident.class_code >> 8) == 0x0806)
		return false;
	if (platform_arch(s) != ARCH_ARM || !d->driver_known)
		return true;
	/* Arm: the SMMU is attached when a driver probes (of_iommu_configure,
	 * the IORT code), so a function without a driver gets no group; and
	 * arm-smmu-v3 refuses a second function whose StreamID (a PCIe-to-PCI
	 * bridge's alias) is taken: the first one probed keeps it */
	if (!d->driver)
		return false;
	if ((br = dma_alias_bridge(s, i)) >= 0)
		for (size_t o = 0; o < i; o++)
			if ((int)o != br && s->dev[o].driver && dma_alias_bridge(s, o) == br)
				return false;
	return true;
}

struct sim {
	const struct isolation *iso;
	const struct snapshot *s;
	struct prediction *p;
	uint32_t visited[8]; /* devfns tried on one bus (the kernel's bitmap) */
	bool *aliases;       /* per function: a DMA alias quirk names some devfn */
};

static bool same_bus(const struct pci_device *a, const struct pci_device *b)
{
	return a->addr.domain == b->addr.domain && a->addr.bus == b->addr.bus;
}

static void note_unknown(struct sim *m, int dev)
{
	if (m->p->complete) {
		m->p->complete = false;
		m->p->unknown_dev = dev;
	}
}

static int function_alias_group(struct sim *m, int dev, int *via);

/* The functions on D's bus: a run of s->dev, which is sorted by address,
 * of at most 256 (one per devfn), found by stepping from D. */
static void bus_span(const struct snapshot *s, int dev, size_t *lo, size_t *hi)
{
	const struct pci_device *d = &s->dev[dev];
	size_t a = (size_t)dev, b = (size_t)dev + 1;
	while (a > 0 && same_bus(&s->dev[a - 1], d))
		a--;
	while (b < s->ndev && same_bus(&s->dev[b], d))
		b++;
	*lo = a;
	*hi = b;
}

/* get_pci_alias_group() */
static int alias_group(struct sim *m, int dev, int *via)
{
	const struct pci_device *d = &m->s->dev[dev];
	unsigned devfn = (unsigned)(d->addr.dev << 3 | d->addr.fn);
	size_t lo, hi;
	if (mask_has(m->visited, devfn))
		return -1;
	m->visited[devfn / 32] |= 1u << (devfn % 32);
	if (m->p->group[dev] >= 0) {
		*via = dev;
		return m->p->group[dev];
	}
	uint32_t mask[8];
	bus_span(m->s, dev, &lo, &hi);
	alias_mask(d, mask);
	for (size_t t = lo; t < hi; t++) {
		const struct pci_device *o = &m->s->dev[t];
		int g;
		/* (dma_alias_quirk, without making masks where none can be) */
		if ((int)t == dev || (!m->aliases[t] && !mask_has(mask, (unsigned)(o->addr.dev << 3 | o->addr.fn))) ||
		    !dma_alias_quirk(d, o))
			continue;
		if ((g = alias_group(m, (int)t, via)) >= 0 || (g = function_alias_group(m, (int)t, via)) >= 0)
			return g;
	}
	return -1;
}

/* get_pci_function_alias_group() */
static int function_alias_group(struct sim *m, int dev, int *via)
{
	const struct pci_device *d = &m->s->dev[dev];
	size_t lo, hi;
	if (!kernel_multifunction(d))
		return -1;
	if (m->iso->acs[dev].isolated != TRI_NO) {
		if (m->iso->acs[dev].isolated == TRI_UNKNOWN)
			note_unknown(m, dev);
		return -1;
	}
	bus_span(m->s, dev, &lo, &hi);
	for (size_t t = lo; t < hi; t++) {
		const struct pci_device *o = &m->s->dev[t];
		int g;
		if ((int)t == dev || o->addr.dev != d->addr.dev)
			continue;
		if (m->iso->acs[t].isolated != TRI_NO) {
			if (m->iso->acs[t].isolated == TRI_UNKNOWN)
				note_unknown(m, (int)t);
			continue;
		}
		if ((g = alias_group(m, (int)t, via)) >= 0)
			return g;
	}
	return -1;
}

static bool xlate_root(const struct pci_device *d)
{
	/* PCI_DEV_FLAGS_BRIDGE_XLATE_ROOT: the IOMMU sits at these root
	 * ports (Broadcom Vulcan / Cavium ThunderX2) */
	return d->ident.vendor_id == 0x14e4 && (d->ident.device_id == 0x9000 || d->ident.device_id == 0x9084) &&
	       d->caps.pcie_type == PCIE_TYPE_ROOT_PORT;
}

static int device_group(struct sim *m, int dev, struct join *why)
{
	const struct snapshot *s = m->s;
	int pdev = dev, g, via = -1;

	memset(m->visited, 0, sizeof(m->visited));
	why->kind = JOIN_NEW;
	why->via = why->failed = -1;
	if (s->dev[dev].unknown & (1u << PROV_PLACEMENT))
		note_unknown(m, dev); /* an lspci dump that does not say where it sits */

	/* pci_for_each_dma_alias: a device behind VMD uses the controller's
	 * requester ID; each bridge that aliases its children's is visited */
	if (s->dev[dev].dma_dev >= 0) {
		pdev = s->dev[dev].dma_dev;
		if (m->p->group[pdev] >= 0) {
			why->kind = JOIN_VMD;
			why->via = pdev;
			return m->p->group[pdev];
		}
	}
	for (int b = s->dev[pdev].parent; b >= 0; b = s->dev[b].parent) {
		const struct pci_device *br = &s->dev[b];
		if (xlate_root(br))
			break;
		if (!br->caps.known) {
			note_unknown(m, b);
			continue;
		}
		if (br->caps.pcie && (br->caps.pcie_type == PCIE_TYPE_ROOT_PORT || br->caps.pcie_type == PCIE_TYPE_UPSTREAM ||
				      br->caps.pcie_type == PCIE_TYPE_DOWNSTREAM))
			continue;
		/* a PCIe-to-PCI, PCI-to-PCIe or conventional bridge: its
		 * children's DMA carries its requester ID */
		pdev = b;
		if (m->p->group[b] >= 0) {
			why->kind = JOIN_ALIAS;
			why->via = b;
			return m->p->group[b];
		}
	}

	/* up to where ACS isolates */
	for (int b = s->dev[pdev].parent; b >= 0; b = s->dev[b].parent) {
		int failed;
		enum tri t = acs_path_isolated(m->iso, (size_t)b, &failed);
		if (t == TRI_YES)
			break;
		if (t == TRI_UNKNOWN)
			note_unknown(m, failed);
		pdev = b;
		if (m->p->group[b] >= 0) {
			why->kind = t == TRI_UNKNOWN ? JOIN_UNKNOWN : JOIN_UPSTREAM;
			why->via = b;
			why->failed = failed;
			return m->p->group[b];
		}
	}

	if ((g = alias_group(m, pdev, &via)) >= 0) {
		why->kind = JOIN_ALIAS_QUIRK;
		why->via = via;
		return g;
	}
	if ((g = function_alias_group(m, pdev, &via)) >= 0) {
		why->kind = JOIN_FUNCTION;
		why->via = via;
		return g;
	}
	why->via = pdev != dev ? pdev : -1;
	return m->p->ngroups++;
}

/* The kernel adds a bus's functions, then each bridge's bus below, depth
 * first; the domains behind a VMD controller when its driver binds, and
 * SR-IOV VFs when they are enabled: after everything (KIND 0, 1, 2). */
static int order_kind(const struct pci_device *d)
{
	return d->virtfn ? 2 : d->dma_dev >= 0 ? 1 : 0;
}

static void add_order(const struct snapshot *s, const struct pci_tree *t, int parent, int kind, int *order, size_t *n)
{
	size_t nk;
	const int *k = pci_tree_children(t, parent, &nk);
	for (size_t c = 0; c < nk; c++)
		if (order_kind(&s->dev[k[c]]) == kind)
			order[(*n)++] = k[c];
	for (size_t c = 0; c < nk; c++)
		if (!s->dev[k[c]].virtfn)
			add_order(s, t, k[c], kind, order, n);
}

void predict_groups(const struct isolation *iso, struct prediction *p)
{
	const struct snapshot *s = iso->s;
	int *order = xcalloc(s->ndev + 1, sizeof(*order));
	size_t n = 0;
	struct sim m = {.iso = iso, .s = s, .p = p};
	struct pci_tree tree;

	memset(p, 0, sizeof(*p));
	p->group = xcalloc(s->ndev + 1, sizeof(*p->group));
	p->why = xcalloc(s->ndev + 1, sizeof(*p->why));
	p->complete = true;
	p->unknown_dev = -1;
	for (size_t i = 0; i < s->ndev; i++) {
		p->group[i] = -1;
		p->why[i].via = p->why[i].failed = -1;
	}
	m.aliases = xcalloc(s->ndev + 1, sizeof(*m.aliases));
	for (size_t i = 0; i < s->ndev; i++) {
		uint32_t mask[8];
		alias_mask(&s->dev[i], mask);
		for (size_t k = 0; k < 8; k++)
			m.aliases[i] = m.aliases[i] || mask[k];
	}
	pci_tree_build(s, &tree);
	for (int kind = 0; kind < 3; kind++)
		add_order(s, &tree, -1, kind, order, &n);
	pci_tree_release(&tree);
	/* functions whose place is unknown: last, in address order */
	for (size_t i = 0; i < s->ndev; i++)
		if (!s->dev[i].topology_known)
			order[n++] = (int)i;
	for (size_t k = 0; k < n; k++) {
		int i = order[k];
		if (!isolation_in_scope(s, (size_t)i))
			continue;
		p->group[i] = device_group(&m, i, &p->why[i]);
	}
	free(order);
	free(m.aliases);
	p->size = xcalloc((size_t)p->ngroups + 1, sizeof(*p->size));
	for (size_t i = 0; i < s->ndev; i++)
		if (p->group[i] >= 0)
			p->size[p->group[i]]++;
}

void prediction_release(struct prediction *p)
{
	free(p->group);
	free(p->why);
	free(p->size);
	memset(p, 0, sizeof(*p));
}

void prediction_apply(const struct prediction *p, struct snapshot *s)
{
	for (size_t i = 0; i < s->ngrp; i++) {
		struct iommu_group *g = &s->grp[i];
		free(g->type);
		free(g->name);
		for (size_t r = 0; r < g->nresv; r++)
			free(g->resv[r].type);
		free(g->resv);
		free(g->dev);
		strvec_release(&g->other);
		strvec_release(&g->other_bus);
	}
	free(s->grp);
	s->grp = xcalloc((size_t)p->ngroups + 1, sizeof(*s->grp));
	s->ngrp = (size_t)p->ngroups;
	for (int g = 0; g < p->ngroups; g++) {
		s->grp[g].id = g;
		s->grp[g].members_known = true;
		s->grp[g].dev = xcalloc(p->size[g] + 1, sizeof(size_t));
		strvec_init(&s->grp[g].other);
		strvec_init(&s->grp[g].other_bus);
	}
	for (size_t i = 0; i < s->ndev; i++) {
		s->dev[i].group = p->group[i];
		if (p->group[i] >= 0) {
			struct iommu_group *g = &s->grp[p->group[i]];
			g->dev[g->ndev++] = i;
		}
	}
}

bool prediction_matches(const struct prediction *p, const struct snapshot *s)
{
	/* the same partition: for every pair of in-group functions, together
	 * in one iff together in the other; checked through a mapping of
	 * group ids both ways */
	int *to_pred = xcalloc((size_t)p->ngroups + 1, sizeof(int));
	bool ok = true;
	int max_real = -1;
	for (size_t i = 0; i < s->ndev; i++)
		if (s->dev[i].group > max_real)
			max_real = s->dev[i].group;
	{
		int *to_real = xcalloc((size_t)max_real + 2, sizeof(int));
		for (int g = 0; g < p->ngroups; g++)
			to_pred[g] = -1;
		for (int g = 0; g <= max_real; g++)
			to_real[g] = -1;
		for (size_t i = 0; i < s->ndev && ok; i++) {
			int r = s->dev[i].group, q = p->group[i];
			if ((r < 0) != (q < 0)) {
				ok = false;
				break;
			}
			if (r < 0)
				continue;
			if (to_pred[q] == -1 && to_real[r] == -1) {
				to_pred[q] = r;
				to_real[r] = q;
			}
			ok = to_pred[q] == r && to_real[r] == q;
		}
		free(to_real);
	}
	free(to_pred);
	return ok;
}

enum tri isolation_choose(struct isolation *iso, const struct snapshot *s, bool predict)
{
	struct isolation with;
	struct prediction pw, pn;
	enum tri active = TRI_UNKNOWN;

	isolation_init(iso, s, predict, false);
	isolation_init(&with, s, predict, true);
	if (!with.override) {
		isolation_release(&with);
		return TRI_NO;
	}
	if (predict || s->ngrp == 0) {
		isolation_release(&with);
		return TRI_UNKNOWN;
	}
	predict_groups(iso, &pn);
	predict_groups(&with, &pw);
	if (!prediction_matches(&pn, s) && prediction_matches(&pw, s)) {
		/* the groups are split as only the override splits them */
		isolation_release(iso);
		*iso = with;
		active = TRI_YES;
	} else {
		isolation_release(&with);
		active = TRI_NO;
	}
	prediction_release(&pn);
	prediction_release(&pw);
	return active;
}
