/* test-isolation.c - the kernel's grouping rules over hand-built
 * topologies, one rule at a time (KERNEL-FACTS.md section 2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "isolation.h"

#define NOT_PCIE -1
#define FULL_ACS (PCI_ACS_SV | PCI_ACS_TB | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF | PCI_ACS_DT)

struct topo {
	struct snapshot s;
};

static void topo_init(struct topo *t, const char *cmdline)
{
	snapshot_init(&t->s);
	t->s.dev = calloc(64, sizeof(*t->s.dev));
	t->s.cmdline = cmdline ? strdup(cmdline) : NULL;
	t->s.cmdline_err = 0;
	strvec_push(&t->s.host_bridges, "pci0000:00");
}

/* Adds a function; returns its index.  TYPE is a pcie_type or NOT_PCIE;
 * ACS_CAP 0 means no ACS capability. */
static int add(struct topo *t, const char *bdf, unsigned vendor, unsigned device, int type, bool mf, int parent,
	       uint16_t acs_cap, uint16_t acs_ctl)
{
	struct pci_device *d = &t->s.dev[t->s.ndev];
	assert_true(pci_addr_parse(bdf, &d->addr));
	pci_addr_format(&d->addr, d->bdf);
	d->ident_known = d->class_known = d->revision_known = true;
	d->ident.vendor_id = (uint16_t)vendor;
	d->ident.device_id = (uint16_t)device;
	d->ident.multifunction = mf;
	d->ident.header_type = type == PCIE_TYPE_ROOT_PORT || type == PCIE_TYPE_UPSTREAM || type == PCIE_TYPE_DOWNSTREAM ||
					       type == PCIE_TYPE_PCI_BRIDGE || type == PCIE_TYPE_PCIE_BRIDGE
				       ? 1 : 0;
	d->caps.known = true;
	d->caps.pcie = type != NOT_PCIE;
	d->caps.pcie_type = type;
	if (acs_cap) {
		d->caps.acs_off = 0x100;
		d->caps.acs_cap = acs_cap;
		d->caps.acs_ctl = acs_ctl;
	}
	d->topology_known = true;
	d->parent = parent;
	d->host_bridge = 0;
	d->dma_dev = -1;
	d->group = d->unit = -1;
	return (int)t->s.ndev++;
}

static void topo_release(struct topo *t)
{
	snapshot_release(&t->s);
}

/* Runs the prediction; returns the group of each device in GROUP. */
static struct prediction run(struct topo *t, bool predict)
{
	struct isolation iso;
	struct prediction p;
	isolation_init(&iso, &t->s, predict, true);
	predict_groups(&iso, &p);
	isolation_release(&iso);
	return p;
}

static void root_ports_with_and_without_acs(void **state)
{
	struct topo t;
	struct prediction p;
	int rp1, ep1, rp2, ep2, ep3;
	(void)state;
	topo_init(&t, "");
	rp1 = add(&t, "0000:00:01.0", 0x1b36, 0x000c, PCIE_TYPE_ROOT_PORT, false, -1, FULL_ACS, 0x1d);
	ep1 = add(&t, "0000:01:00.0", 0x8086, 0x10d3, PCIE_TYPE_ENDPOINT, false, rp1, 0, 0);
	rp2 = add(&t, "0000:00:02.0", 0x1b36, 0x000c, PCIE_TYPE_ROOT_PORT, false, -1, 0, 0);
	ep2 = add(&t, "0000:02:00.0", 0x8086, 0x10d3, PCIE_TYPE_ENDPOINT, false, rp2, 0, 0);
	ep3 = add(&t, "0000:00:03.0", 0x8086, 0x10d3, PCIE_TYPE_RC_END, false, -1, 0, 0);
	p = run(&t, false);
	assert_true(p.complete);
	assert_int_not_equal(p.group[ep1], p.group[rp1]);  /* ACS on the port: isolated */
	assert_int_equal(p.group[ep2], p.group[rp2]);      /* no ACS: joins the port */
	assert_int_equal(p.why[ep2].kind, JOIN_UPSTREAM);
	assert_int_equal(p.why[ep2].failed, rp2);
	assert_int_not_equal(p.group[ep3], p.group[rp1]);  /* root bus, single function */
	assert_int_equal(p.ngroups, 4);
	prediction_release(&p);
	/* without an IOMMU the controls are off, and the kernel would set them */
	t.s.dev[rp1].caps.acs_ctl = 0;
	p = run(&t, false);
	assert_int_equal(p.group[ep1], p.group[rp1]);
	prediction_release(&p);
	p = run(&t, true);
	assert_int_not_equal(p.group[ep1], p.group[rp1]);
	prediction_release(&p);
	topo_release(&t);
}

static void switch_downstream_ports(void **state)
{
	struct topo t;
	struct prediction p;
	int rp, usp, dsp1, dsp2, ep1, ep2;
	(void)state;
	topo_init(&t, "");
	rp = add(&t, "0000:00:06.0", 0x1b36, 0x000c, PCIE_TYPE_ROOT_PORT, false, -1, FULL_ACS, 0x1d);
	usp = add(&t, "0000:04:00.0", 0x104c, 0x8232, PCIE_TYPE_UPSTREAM, false, rp, 0, 0);
	dsp1 = add(&t, "0000:05:00.0", 0x104c, 0x8233, PCIE_TYPE_DOWNSTREAM, false, usp, 0, 0);
	dsp2 = add(&t, "0000:05:01.0", 0x104c, 0x8233, PCIE_TYPE_DOWNSTREAM, false, usp, 0, 0);
	ep1 = add(&t, "0000:06:00.0", 0x1af4, 0x1042, PCIE_TYPE_ENDPOINT, false, dsp1, 0, 0);
	ep2 = add(&t, "0000:07:00.0", 0x8086, 0x10d3, PCIE_TYPE_ENDPOINT, false, dsp2, 0, 0);
	p = run(&t, false);
	/* each endpoint with its port; the ports apart (mainline today) */
	assert_int_equal(p.group[ep1], p.group[dsp1]);
	assert_int_equal(p.group[ep2], p.group[dsp2]);
	assert_int_not_equal(p.group[dsp1], p.group[dsp2]);
	assert_int_not_equal(p.group[usp], p.group[dsp1]);
	prediction_release(&p);
	/* ACS on the downstream ports: everyone apart */
	t.s.dev[dsp1].caps.acs_off = t.s.dev[dsp2].caps.acs_off = 0x100;
	t.s.dev[dsp1].caps.acs_cap = t.s.dev[dsp2].caps.acs_cap = PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF;
	t.s.dev[dsp1].caps.acs_ctl = t.s.dev[dsp2].caps.acs_ctl = PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF;
	p = run(&t, false);
	assert_int_equal(p.ngroups, 6);
	prediction_release(&p);
	/* a capability that lacks UF counts as having it enabled, EC never */
	t.s.dev[dsp1].caps.acs_cap = PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR;
	t.s.dev[dsp1].caps.acs_ctl = PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR;
	p = run(&t, false);
	assert_int_not_equal(p.group[ep1], p.group[dsp1]);
	prediction_release(&p);
	/* RR off: not isolated */
	t.s.dev[dsp1].caps.acs_ctl = PCI_ACS_SV | PCI_ACS_CR;
	p = run(&t, false);
	assert_int_equal(p.group[ep1], p.group[dsp1]);
	prediction_release(&p);
	/* a root port without ACS above the switch pulls in everything */
	t.s.dev[rp].caps.acs_off = 0;
	p = run(&t, false);
	assert_int_equal(p.ngroups, 1);
	prediction_release(&p);
	topo_release(&t);
}

static void multifunction(void **state)
{
	struct topo t;
	struct prediction p;
	int rp, f0, f1, f2, lpc, sata;
	(void)state;
	topo_init(&t, "");
	rp = add(&t, "0000:00:07.0", 0x1b36, 0x000c, PCIE_TYPE_ROOT_PORT, false, -1, FULL_ACS, 0x1d);
	/* the header bit is set on function 0 only, as QEMU does: the
	 * kernel still treats every other function of the slot as
	 * multifunction */
	f0 = add(&t, "0000:08:00.0", 0x1af4, 0x1041, PCIE_TYPE_ENDPOINT, true, rp, 0, 0);
	f1 = add(&t, "0000:08:00.1", 0x1af4, 0x1041, PCIE_TYPE_ENDPOINT, false, rp, 0, 0);
	f2 = add(&t, "0000:08:00.2", 0x1af4, 0x1041, PCIE_TYPE_ENDPOINT, false, rp, FULL_ACS, 0x1d);
	lpc = add(&t, "0000:00:1f.0", 0x8086, 0x2918, NOT_PCIE, true, -1, 0, 0);
	sata = add(&t, "0000:00:1f.2", 0x8086, 0x2922, NOT_PCIE, false, -1, 0, 0);
	p = run(&t, false);
	assert_int_equal(p.group[f0], p.group[f1]);
	assert_int_equal(p.why[f1].kind, JOIN_FUNCTION);
	assert_int_not_equal(p.group[f2], p.group[f0]); /* its own ACS isolates it */
	assert_int_equal(p.group[lpc], p.group[sata]);   /* conventional functions of a root-bus slot */
	prediction_release(&p);
	topo_release(&t);
}

static void pci_bridges_alias(void **state)
{
	struct topo t;
	struct prediction p;
	int rp, br, a, b, rp2, xbr, c, cbr, d;
	(void)state;
	topo_init(&t, "");
	rp = add(&t, "0000:00:08.0", 0x1b36, 0x000c, PCIE_TYPE_ROOT_PORT, false, -1, FULL_ACS, 0x1d);
	br = add(&t, "0000:09:00.0", 0x1b36, 0x000e, PCIE_TYPE_PCI_BRIDGE, false, rp, 0, 0);
	a = add(&t, "0000:0a:01.0", 0x8086, 0x100e, NOT_PCIE, false, br, 0, 0);
	b = add(&t, "0000:0a:02.0", 0x10ec, 0x8139, NOT_PCIE, false, br, 0, 0);
	/* a PCI-X to PCIe bridge (type 8) aliases too */
	rp2 = add(&t, "0000:00:09.0", 0x1b36, 0x000c, PCIE_TYPE_ROOT_PORT, false, -1, FULL_ACS, 0x1d);
	xbr = add(&t, "0000:0b:00.0", 0x8086, 0x0330, PCIE_TYPE_PCIE_BRIDGE, false, rp2, 0, 0);
	c = add(&t, "0000:0c:00.0", 0x8086, 0x10d3, PCIE_TYPE_ENDPOINT, false, xbr, 0, 0);
	/* and a conventional PCI-to-PCI bridge on the root bus */
	cbr = add(&t, "0000:00:1e.0", 0x8086, 0x244e, NOT_PCIE, false, -1, 0, 0);
	t.s.dev[cbr].ident.header_type = 1;
	d = add(&t, "0000:0d:00.0", 0x10ec, 0x8139, NOT_PCIE, false, cbr, 0, 0);
	p = run(&t, false);
	assert_int_equal(p.group[a], p.group[br]);
	assert_int_equal(p.group[b], p.group[br]);
	assert_int_equal(p.why[a].kind, JOIN_ALIAS);
	assert_int_equal(p.why[a].via, br);
	assert_int_not_equal(p.group[br], p.group[rp]);
	assert_int_equal(p.group[c], p.group[xbr]);
	assert_int_equal(p.group[d], p.group[cbr]);
	prediction_release(&p);
	topo_release(&t);
}

static void quirks(void **state)
{
	struct topo t;
	struct prediction p;
	struct isolation iso;
	int n0, n1, pch, pep, spt, sep, rc0, rc1, zx, zep, amd0, amd1;
	(void)state;
	topo_init(&t, "");
	/* Intel 82576 functions: a quirk says they are isolated */
	n0 = add(&t, "0000:00:19.0", 0x8086, 0x10c9, PCIE_TYPE_RC_END + 100, true, -1, 0, 0);
	t.s.dev[n0].caps.pcie_type = PCIE_TYPE_ENDPOINT;
	n1 = add(&t, "0000:00:19.1", 0x8086, 0x10c9, PCIE_TYPE_ENDPOINT, false, -1, 0, 0);
	/* an Intel PCH root port without ACS: isolated by the PCH quirk */
	pch = add(&t, "0000:00:1c.0", 0x8086, 0x1c10, PCIE_TYPE_ROOT_PORT, false, -1, 0, 0);
	pep = add(&t, "0000:02:00.0", 0x10ec, 0x8168, PCIE_TYPE_ENDPOINT, false, pch, 0, 0);
	/* Intel RCiEPs, multifunction without ACS: isolated (rciep quirk) */
	rc0 = add(&t, "0000:00:14.0", 0x8086, 0x9ded, PCIE_TYPE_RC_END, true, -1, 0, 0);
	rc1 = add(&t, "0000:00:14.2", 0x8086, 0x9def, PCIE_TYPE_RC_END, false, -1, 0, 0);
	/* a Zhaoxin root port not in the list: NOT isolated, ACS or not */
	zx = add(&t, "0000:00:1d.0", 0x1d17, 0x0800, PCIE_TYPE_ROOT_PORT, false, -1, FULL_ACS, 0x1d);
	zep = add(&t, "0000:05:00.0", 0x10ec, 0x8168, PCIE_TYPE_ENDPOINT, false, zx, 0, 0);
	/* AMD south bridge functions: isolated only with an IVRS table */
	amd0 = add(&t, "0000:00:14.3", 0x1002, 0x439d, NOT_PCIE, true, -1, 0, 0);
	amd1 = add(&t, "0000:00:14.4", 0x1002, 0x4384, NOT_PCIE, false, -1, 0, 0);
	(void)rc1;
	p = run(&t, false);
	assert_int_not_equal(p.group[n0], p.group[n1]);
	assert_int_not_equal(p.group[pep], p.group[pch]);
	assert_int_not_equal(p.group[rc0], p.group[rc1]);
	assert_int_equal(p.group[zep], p.group[zx]);
	assert_int_equal(p.group[amd0], p.group[amd1]);
	prediction_release(&p);
	isolation_init(&iso, &t.s, false, false);
	assert_string_equal(iso.acs[n0].quirk, "pci_quirk_mf_endpoint_acs");
	assert_string_equal(iso.acs[pch].quirk, "pci_quirk_intel_pch_acs");
	assert_string_equal(iso.acs[rc0].quirk, "pci_quirk_rciep_acs");
	assert_int_equal(iso.acs[zx].isolated, TRI_NO);
	isolation_release(&iso);
	strvec_push(&t.s.fw_tables, "IVRS");
	p = run(&t, false);
	assert_int_not_equal(p.group[amd0], p.group[amd1]);
	prediction_release(&p);
	/* the Sunrise Point PCH port keeps its ACS control in a dword at +8 */
	spt = add(&t, "0000:00:1b.0", 0x8086, 0xa110, PCIE_TYPE_ROOT_PORT, false, -1, FULL_ACS, 0);
	sep = add(&t, "0000:06:00.0", 0x10ec, 0x8168, PCIE_TYPE_ENDPOINT, false, spt, 0, 0);
	t.s.dev[spt].config_len = 4096;
	t.s.dev[spt].caps.acs_dwords = true;
	t.s.dev[spt].caps.acs_dword4 = FULL_ACS; /* cap dword */
	t.s.dev[spt].caps.acs_dword8 = 0x1d;     /* ctl dword: SV RR CR UF */
	p = run(&t, false);
	assert_int_not_equal(p.group[sep], p.group[spt]);
	prediction_release(&p);
	t.s.dev[spt].caps.acs_dword8 = 0;        /* the word at +6 would say the same: off */
	t.s.dev[spt].caps.acs_ctl = 0x1d;        /* ... the standard place is not read */
	p = run(&t, false);
	assert_int_equal(p.group[sep], p.group[spt]);
	prediction_release(&p);
	topo_release(&t);
}

static void virtual_functions(void **state)
{
	struct topo t;
	struct prediction p;
	int rp, pf, vf1, vf2, rp2, pf2, vf3;
	(void)state;
	topo_init(&t, "");
	rp = add(&t, "0000:00:04.0", 0x1b36, 0x000c, PCIE_TYPE_ROOT_PORT, false, -1, FULL_ACS, 0x1d);
	pf = add(&t, "0000:02:00.0", 0x8086, 0x1592, PCIE_TYPE_ENDPOINT, false, rp, 0, 0);
	vf1 = add(&t, "0000:02:00.1", 0x8086, 0x1889, PCIE_TYPE_ENDPOINT, false, rp, 0, 0);
	vf2 = add(&t, "0000:02:00.2", 0x8086, 0x1889, PCIE_TYPE_ENDPOINT, false, rp, 0, 0);
	t.s.dev[vf1].virtfn = t.s.dev[vf2].virtfn = true;
	rp2 = add(&t, "0000:00:05.0", 0x1b36, 0x000c, PCIE_TYPE_ROOT_PORT, false, -1, 0, 0);
	pf2 = add(&t, "0000:03:00.0", 0x8086, 0x1592, PCIE_TYPE_ENDPOINT, false, rp2, 0, 0);
	vf3 = add(&t, "0000:03:00.1", 0x8086, 0x1889, PCIE_TYPE_ENDPOINT, false, rp2, 0, 0);
	t.s.dev[vf3].virtfn = true;
	p = run(&t, false);
	/* VFs are never multifunction: each its own group under an ACS port */
	assert_int_not_equal(p.group[vf1], p.group[vf2]);
	assert_int_not_equal(p.group[vf1], p.group[pf]);
	/* under a port without ACS they share its context */
	assert_int_equal(p.group[vf3], p.group[rp2]);
	assert_int_equal(p.group[pf2], p.group[rp2]);
	prediction_release(&p);
	topo_release(&t);
}

static void override_and_cmdline(void **state)
{
	struct topo t;
	struct prediction p;
	struct isolation iso;
	int rp, usp, dsp, ep, rp2, ep2;
	(void)state;
	topo_init(&t, "pcie_acs_override=downstream");
	rp = add(&t, "0000:00:06.0", 0x1b36, 0x000c, PCIE_TYPE_ROOT_PORT, false, -1, FULL_ACS, 0x1d);
	usp = add(&t, "0000:04:00.0", 0x104c, 0x8232, PCIE_TYPE_UPSTREAM, false, rp, 0, 0);
	dsp = add(&t, "0000:05:00.0", 0x104c, 0x8233, PCIE_TYPE_DOWNSTREAM, false, usp, 0, 0);
	ep = add(&t, "0000:06:00.0", 0x1af4, 0x1042, PCIE_TYPE_ENDPOINT, false, dsp, 0, 0);
	rp2 = add(&t, "0000:00:07.0", 0x1b36, 0x000c, PCIE_TYPE_ROOT_PORT, false, -1, FULL_ACS, 0);
	ep2 = add(&t, "0000:08:00.0", 0x8086, 0x10d3, PCIE_TYPE_ENDPOINT, false, rp2, 0, 0);
	p = run(&t, true);
	assert_int_not_equal(p.group[ep], p.group[dsp]); /* claimed isolated */
	prediction_release(&p);
	isolation_init(&iso, &t.s, true, false);         /* ignored */
	predict_groups(&iso, &p);
	assert_int_equal(p.group[ep], p.group[dsp]);
	prediction_release(&p);
	isolation_release(&iso);
	isolation_init(&iso, &t.s, true, true);
	assert_int_equal(iso.acs[dsp].rule, ACS_RULE_OVERRIDE);
	assert_int_equal(iso.acs[rp2].rule, ACS_RULE_FLAGS_OK); /* has ACS: never overridden */
	isolation_release(&iso);
	/* pci=disable_acs_redir clears RR and CR after the kernel set them */
	free(t.s.cmdline);
	t.s.cmdline = strdup("pci=disable_acs_redir=0000:00:07.0");
	p = run(&t, true);
	assert_int_equal(p.group[ep2], p.group[rp2]);
	prediction_release(&p);
	free(t.s.cmdline);
	t.s.cmdline = strdup("pci=noats,config_acs=xxx0xxx@0000:00:07.0");
	p = run(&t, true);
	assert_int_equal(p.group[ep2], p.group[rp2]); /* UF cleared */
	prediction_release(&p);
	topo_release(&t);
}

static void unknown_acs(void **state)
{
	struct topo t;
	struct prediction p;
	int rp, ep;
	(void)state;
	topo_init(&t, "");
	rp = add(&t, "0000:00:03.0", 0x1b36, 0x000c, PCIE_TYPE_ROOT_PORT, false, -1, FULL_ACS, 0x1d);
	ep = add(&t, "0000:01:00.0", 0x8086, 0x10d3, PCIE_TYPE_ENDPOINT, false, rp, 0, 0);
	t.s.dev[rp].caps.known = false; /* only 64 bytes readable */
	p = run(&t, false);
	assert_false(p.complete);
	assert_int_equal(p.unknown_dev, rp);
	(void)ep;
	prediction_release(&p);
	topo_release(&t);
}

static void explanations(void **state)
{
	struct topo t;
	struct isolation iso;
	struct prediction p;
	struct explanation e;
	char *sentence;
	int rp, usp, dsp, ep, alone;
	(void)state;
	topo_init(&t, "");
	rp = add(&t, "0000:00:06.0", 0x1b36, 0x000c, PCIE_TYPE_ROOT_PORT, false, -1, FULL_ACS, 0x1d);
	usp = add(&t, "0000:04:00.0", 0x104c, 0x8232, PCIE_TYPE_UPSTREAM, false, rp, 0, 0);
	dsp = add(&t, "0000:05:00.0", 0x104c, 0x8233, PCIE_TYPE_DOWNSTREAM, false, usp, 0, 0);
	ep = add(&t, "0000:06:00.0", 0x1af4, 0x1042, PCIE_TYPE_ENDPOINT, false, dsp, 0, 0);
	alone = add(&t, "0000:01:00.0", 0x8086, 0x10d3, PCIE_TYPE_ENDPOINT, false, rp, 0, 0);
	isolation_init(&iso, &t.s, false, true);
	predict_groups(&iso, &p);
	prediction_apply(&p, &t.s);
	explain_group(&iso, &p, t.s.dev[ep].group, &e);
	assert_true(e.model_agrees);
	assert_int_equal(e.nreasons, 1);
	assert_string_equal(e.reasons[0].code, "upstream_not_isolated");
	assert_int_equal(e.reasons[0].subject, dsp);
	sentence = explanation_sentence(&t.s, &e);
	assert_string_equal(sentence, "05:00.0 and 06:00.0 share group 3: switch downstream port 05:00.0 has no ACS "
				      "capability, so the kernel cannot isolate 06:00.0 from its upstream path.");
	assert_true(e.nremedies >= 2);
	assert_string_equal(e.remedies[0].code, "move_device");
	free(sentence);
	explanation_release(&e);
	explain_group(&iso, &p, t.s.dev[alone].group, &e);
	assert_string_equal(e.reasons[0].code, "isolated");
	sentence = explanation_sentence(&t.s, &e);
	assert_string_equal(sentence, "01:00.0 is alone in group 2: every bridge between it and the root complex "
				      "isolates (root port 00:06.0).");
	free(sentence);
	explanation_release(&e);
	prediction_release(&p);
	isolation_release(&iso);
	topo_release(&t);
}


/* The platform's ACS rule (KERNEL-FACTS 10.2): under ACPI the kernel turns
 * ACS on before enumeration; under a device tree, up to 6.12, it does not,
 * so a prediction keeps the controls as the firmware left them. */
static void acs_rule_by_platform(void **state)
{
	struct topo t;
	struct prediction p;
	struct acs_request r;
	int rp, ep;
	(void)state;
	topo_init(&t, "");
	rp = add(&t, "0000:00:03.0", 0x1b36, 0x000c, PCIE_TYPE_ROOT_PORT, false, -1, FULL_ACS, 0);
	ep = add(&t, "0000:01:00.0", 0x8086, 0x10d3, PCIE_TYPE_ENDPOINT, false, rp, 0, 0);
	/* nothing read: assumed, as under ACPI, and said so */
	platform_acs_request(&t.s, &r);
	assert_true(r.requested);
	assert_false(r.certain);
	assert_string_equal(r.code, "assumed");
	acs_request_release(&r);
	/* ACPI */
	t.s.fw.acpi = 1;
	platform_acs_request(&t.s, &r);
	assert_true(r.requested && r.certain);
	assert_string_equal(r.code, "acpi");
	acs_request_release(&r);
	p = run(&t, true);
	assert_int_not_equal(p.group[ep], p.group[rp]);
	prediction_release(&p);
	/* a device tree on 6.1: not requested, the root port keeps its child */
	t.s.fw.acpi = 0;
	t.s.fw.devicetree = 1;
	t.s.host.kver_major = 6;
	t.s.host.kver_minor = 1;
	platform_acs_request(&t.s, &r);
	assert_false(r.requested);
	assert_true(r.certain);
	assert_string_equal(r.code, "devicetree_late");
	acs_request_release(&r);
	p = run(&t, true);
	assert_int_equal(p.group[ep], p.group[rp]);
	prediction_release(&p);
	/* after 6.12: the same rule, marked uncertain */
	t.s.host.kver_minor = 14;
	platform_acs_request(&t.s, &r);
	assert_false(r.requested);
	assert_false(r.certain);
	assert_string_equal(r.code, "devicetree_unverified");
	acs_request_release(&r);
	topo_release(&t);
}

/* The architecture from the snapshot's own evidence, never x86 by default. */
static void arch_from_evidence(void **state)
{
	struct topo t;
	char *why;
	(void)state;
	topo_init(&t, "");
	assert_int_equal(platform_arch(&t.s), ARCH_UNKNOWN);
	assert_null(platform_arch_evidence(&t.s));
	t.s.host.kernel_release = strdup("6.1.0-57-arm64");
	assert_int_equal(platform_arch(&t.s), ARCH_ARM);
	free(t.s.host.kernel_release);
	t.s.host.kernel_release = strdup("6.8.0-31-generic"); /* says nothing */
	assert_int_equal(platform_arch(&t.s), ARCH_UNKNOWN);
	t.s.host.machine = strdup("x86_64");
	assert_int_equal(platform_arch(&t.s), ARCH_X86);
	/* a registered unit outranks the rest */
	t.s.unit = calloc(1, sizeof(*t.s.unit));
	t.s.unit[0].name = strdup("smmu3.0x0000000009050000");
	t.s.unit[0].driver = "arm-smmu-v3";
	strvec_init(&t.s.unit[0].members);
	t.s.nunit = 1;
	assert_int_equal(platform_arch(&t.s), ARCH_ARM);
	why = platform_arch_evidence(&t.s);
	assert_non_null(strstr(why, "smmu3.0x0000000009050000"));
	free(why);
	topo_release(&t);
}

/* Arm SMMUv3 (10.3): the conventional devices behind a PCIe-to-PCI bridge
 * share its alias, hence one StreamID; the second gets no group, and the
 * one that took the StreamID is named.  Without an SMMU, the prediction on
 * Arm leaves it out, and the driverless host bridge too (10.5). */
static void streamid_collision(void **state)
{
	struct topo t;
	struct prediction p;
	int hb, rp, br, a, b, bridge;
	(void)state;
	topo_init(&t, "");
	hb = add(&t, "0000:00:00.0", 0x1b36, 0x0008, NOT_PCIE, false, -1, 0, 0);
	rp = add(&t, "0000:00:08.0", 0x1b36, 0x000c, PCIE_TYPE_ROOT_PORT, false, -1, FULL_ACS, 0);
	br = add(&t, "0000:09:00.0", 0x1b36, 0x000e, PCIE_TYPE_PCI_BRIDGE, false, rp, 0, 0);
	a = add(&t, "0000:0a:01.0", 0x8086, 0x100e, NOT_PCIE, false, br, 0, 0);
	b = add(&t, "0000:0a:02.0", 0x10ec, 0x8139, NOT_PCIE, false, br, 0, 0);
	assert_int_equal(dma_alias_bridge(&t.s, (size_t)a), br);
	assert_int_equal(dma_alias_bridge(&t.s, (size_t)br), -1);
	/* the prediction on Arm without a unit */
	t.s.host.kernel_release = strdup("6.1.0-57-arm64");
	t.s.fw.devicetree = 1;
	t.s.host.kver_major = 6;
	t.s.host.kver_minor = 1;
	strvec_push(&t.s.drivers, "pcieport");
	strvec_push(&t.s.drivers, "e1000");
	strvec_push(&t.s.drivers, "8139cp");
	for (int i = 0; i < (int)t.s.ndev; i++)
		t.s.dev[i].driver_known = true;
	t.s.dev[rp].driver = t.s.dev[br].driver = t.s.drivers.v[0];
	t.s.dev[a].driver = t.s.drivers.v[1];
	t.s.dev[b].driver = t.s.drivers.v[2];
	assert_false(isolation_in_scope(&t.s, (size_t)hb));
	assert_true(isolation_in_scope(&t.s, (size_t)a));
	assert_false(isolation_in_scope(&t.s, (size_t)b));
	p = run(&t, true);
	assert_int_equal(p.group[hb], -1);
	assert_int_equal(p.group[b], -1);
	assert_int_equal(p.group[a], p.group[rp]); /* no ACS under a device tree */
	prediction_release(&p);
	/* the running system: an SMMUv3 gave 0a:01.0 the StreamID */
	t.s.unit = calloc(1, sizeof(*t.s.unit));
	t.s.unit[0].name = strdup("smmu3.0x0000000009050000");
	t.s.unit[0].driver = "arm-smmu-v3";
	strvec_init(&t.s.unit[0].members);
	t.s.nunit = 1;
	t.s.dev[rp].group = t.s.dev[br].group = t.s.dev[a].group = 5;
	assert_int_equal(streamid_taken_by(&t.s, (size_t)b, &bridge), a);
	assert_int_equal(bridge, br);
	assert_int_equal(streamid_taken_by(&t.s, (size_t)a, NULL), -1); /* it has a group */
	assert_int_equal(streamid_taken_by(&t.s, (size_t)hb, NULL), -1); /* no alias */
	topo_release(&t);
}

/* MSI isolation on Arm: the controller the PCI host's msi-map points at. */
static void msi_isolation_arm(void **state)
{
	struct topo t;
	struct msi_isolation m;
	(void)state;
	topo_init(&t, "");
	t.s.host.kernel_release = strdup("6.1.0-57-arm64");
	t.s.fw.loaded = true;
	t.s.fw.devicetree = 1;
	t.s.fw.pci_hosts = t.s.fw.pci_hosts_msi = 1;
	t.s.fw.pci_msi = MSI_CTRL_GICV3_ITS;
	platform_msi_isolation(&t.s, &m);
	assert_int_equal(m.kind, MSI_ISO_MSI_CONTROLLER);
	assert_int_equal(m.isolated, 1);
	assert_string_equal(m.controller, "GICv3 ITS");
	msi_isolation_release(&m);
	t.s.fw.pci_msi = MSI_CTRL_GICV2M;
	platform_msi_isolation(&t.s, &m);
	assert_int_equal(m.isolated, 0);
	assert_string_equal(m.controller, "GICv2m");
	msi_isolation_release(&m);
	t.s.fw.pci_msi = MSI_CTRL_UNKNOWN;
	platform_msi_isolation(&t.s, &m);
	assert_int_equal(m.isolated, -1);
	msi_isolation_release(&m);
	/* /proc/interrupts outranks the firmware */
	t.s.host.its_msi = 1;
	platform_msi_isolation(&t.s, &m);
	assert_int_equal(m.isolated, 1);
	msi_isolation_release(&m);
	/* x86: interrupt remapping, judged elsewhere */
	free(t.s.host.kernel_release);
	t.s.host.kernel_release = strdup("6.1.0-57-amd64");
	t.s.fw.devicetree = 0;
	t.s.host.its_msi = -1;
	platform_msi_isolation(&t.s, &m);
	assert_int_equal(m.kind, MSI_ISO_IRQ_REMAPPING);
	msi_isolation_release(&m);
	topo_release(&t);
}

/* The IORT of QEMU virt with an SMMUv3 (as edk2 builds it): an ITS group,
 * an SMMUv3 at 0x9050000, a root complex whose IDs map to the SMMU. */
static void iort_parse(void **state)
{
	uint8_t t[48 + 24 + 68 + 56] = {0};
	struct firmware_facts f;
	size_t its = 48, smmu = its + 24, rc = smmu + 68;
	(void)state;
	memcpy(t, "IORT", 4);
	t[4] = sizeof(t);
	t[36] = 3;          /* nodes */
	t[40] = (uint8_t)its; /* first node */
	t[its] = 0;         /* ITS group */
	t[its + 1] = 24;
	t[smmu] = 4;        /* SMMUv3 */
	t[smmu + 1] = 68;
	t[smmu + 16] = 0x00;
	t[smmu + 17] = 0x00;
	t[smmu + 18] = 0x05;
	t[smmu + 19] = 0x09; /* base 0x9050000 */
	t[rc] = 2;          /* root complex */
	t[rc + 1] = 56;
	t[rc + 8] = 1;      /* one ID mapping */
	t[rc + 12] = 36;    /* at offset 36 */
	t[rc + 36 + 12] = (uint8_t)smmu; /* output reference: the SMMU */
	firmware_facts_init(&f);
	assert_true(parse_iort(t, sizeof(t), &f));
	assert_int_equal(f.iort_its_groups, 1);
	assert_int_equal(f.nsmmu, 1);
	assert_int_equal(f.smmu[0].version, 3);
	assert_int_equal(f.smmu[0].base, 0x9050000);
	assert_int_equal(f.iort_root_complexes, 1);
	assert_int_equal(f.iort_rc_to_smmu, 1);
	firmware_facts_release(&f);
	/* cut short: refused */
	firmware_facts_init(&f);
	t[4] = 100;
	assert_false(parse_iort(t, 100, &f));
	firmware_facts_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(root_ports_with_and_without_acs),
		cmocka_unit_test(switch_downstream_ports),
		cmocka_unit_test(multifunction),
		cmocka_unit_test(pci_bridges_alias),
		cmocka_unit_test(quirks),
		cmocka_unit_test(virtual_functions),
		cmocka_unit_test(override_and_cmdline),
		cmocka_unit_test(unknown_acs),
		cmocka_unit_test(explanations),
		cmocka_unit_test(acs_rule_by_platform),
		cmocka_unit_test(arch_from_evidence),
		cmocka_unit_test(streamid_collision),
		cmocka_unit_test(msi_isolation_arm),
		cmocka_unit_test(iort_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
