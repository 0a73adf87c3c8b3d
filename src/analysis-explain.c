/* analysis-explain.c - why functions share a group (or one is alone), in
 * sentences and codes, from the simulation of pci_device_group, and what
 * would split the group. */
#define _GNU_SOURCE
#include "isolation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

void short_bdf(const struct pci_device *d, char out[PCI_BDF_MAX])
{
	if (d->addr.domain == 0)
		snprintf(out, PCI_BDF_MAX, "%02x:%02x.%u", d->addr.bus, d->addr.dev, d->addr.fn);
	else
		pci_addr_format(&d->addr, out);
}

/* "a", "a and b", "a, b and c" */
static void append_list(struct buf *b, const struct snapshot *s, const size_t *devs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char bdf[PCI_BDF_MAX];
		short_bdf(&s->dev[devs[i]], bdf);
		buf_appendf(b, "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ", bdf);
	}
}

static void append_flags(struct buf *b, uint16_t flags)
{
	size_t total = (size_t)__builtin_popcount(flags), k = 0;
	for (unsigned bit = 0; bit < 7; bit++)
		if (flags & (1u << bit)) {
			buf_appendf(b, "%s%s", k == 0 ? "" : k + 1 == total ? " and " : ", ", pci_acs_bit_name(bit));
			k++;
		}
}

static const char *type_text(const struct pci_device *d)
{
	if (!d->caps.known)
		return "function";
	if (!d->caps.pcie)
		return (d->ident.header_type == 1) ? "PCI bridge" : "conventional PCI function";
	return pcie_type_text(d->caps.pcie_type);
}

/* ---- collecting reasons --------------------------------------------------- */

static struct reason *reason_for(struct explanation *e, const char *code, int subject)
{
	for (size_t i = 0; i < e->nreasons; i++)
		if (strcmp(e->reasons[i].code, code) == 0 && e->reasons[i].subject == subject)
			return &e->reasons[i];
	e->reasons = xrealloc(e->reasons, (e->nreasons + 1) * sizeof(*e->reasons));
	memset(&e->reasons[e->nreasons], 0, sizeof(*e->reasons));
	e->reasons[e->nreasons].code = code;
	e->reasons[e->nreasons].subject = subject;
	e->reasons[e->nreasons].devs = xcalloc(e->nmembers + 1, sizeof(size_t));
	return &e->reasons[e->nreasons++];
}

static void reason_add(struct reason *r, size_t dev)
{
	for (size_t i = 0; i < r->ndevs; i++)
		if (r->devs[i] == dev)
			return;
	r->devs[r->ndevs++] = dev;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return (x > y) - (x < y);
}

static void add_remedy(struct explanation *e, const char *code, char *message)
{
	for (size_t i = 0; i < e->nremedies; i++)
		if (strcmp(e->remedies[i].message, message) == 0) {
			free(message);
			return;
		}
	e->remedies = xrealloc(e->remedies, (e->nremedies + 1) * sizeof(*e->remedies));
	e->remedies[e->nremedies].code = code;
	e->remedies[e->nremedies].message = message;
	e->nremedies++;
}

/* Why SUBJECT (a bridge on the path up) does not isolate. */
static void describe_failure(struct buf *b, const struct isolation *iso, int f)
{
	const struct pci_device *d = &iso->s->dev[f];
	const struct acs_verdict *v = &iso->acs[f];
	char bdf[PCI_BDF_MAX];
	short_bdf(d, bdf);
	switch (v->rule) {
	case ACS_RULE_NO_CAP:
		buf_appendf(b, "%s %s has no ACS capability", type_text(d), bdf);
		break;
	case ACS_RULE_FLAGS_MISSING:
		buf_appendf(b, "%s %s has ACS, but ", type_text(d), bdf);
		append_flags(b, v->missing);
		buf_appendf(b, " %s not enabled", __builtin_popcount(v->missing) > 1 ? "are" : "is");
		break;
	case ACS_RULE_NOT_PCIE:
		buf_appendf(b, "%s is a %s, which cannot isolate", bdf, type_text(d));
		break;
	case ACS_RULE_BRIDGE_TYPE:
		buf_appendf(b, "%s %s cannot isolate", type_text(d), bdf);
		break;
	case ACS_RULE_QUIRK:
		buf_appendf(b, "a kernel quirk (%s) declares %s %s not isolated", v->quirk, type_text(d), bdf);
		break;
	case ACS_RULE_UNKNOWN:
		buf_appendf(b, "the ACS of %s is unknown (its configuration space past 64 bytes is readable only by root)",
			    bdf);
		break;
	default:
		buf_appendf(b, "%s %s does not isolate", type_text(d), bdf);
		break;
	}
}

static bool has_cmdline_acs_edit(const struct snapshot *s)
{
	return s->cmdline && (strstr(s->cmdline, "disable_acs_redir=") || strstr(s->cmdline, "config_acs="));
}

static void write_reason(const struct isolation *iso, struct explanation *e, struct reason *r)
{
	const struct snapshot *s = iso->s;
	struct buf b;
	char subj[PCI_BDF_MAX] = "";
	bool plural = r->ndevs > 1;

	qsort(r->devs, r->ndevs, sizeof(*r->devs), cmp_size);
	if (r->subject >= 0)
		short_bdf(&s->dev[r->subject], subj);
	buf_init(&b);
	if (strcmp(r->code, "upstream_not_isolated") == 0) {
		/* as topology says it: a port without ACS misses all four */
		r->missing = iso->acs[r->subject].rule == ACS_RULE_NO_CAP ? PCI_ACS_REQUIRED : iso->acs[r->subject].missing;
		describe_failure(&b, iso, r->subject);
		buf_appendf(&b, ", so the kernel cannot isolate ");
		append_list(&b, s, r->devs, r->ndevs);
		buf_appendf(&b, " from %s upstream path", plural ? "their" : "its");
	} else if (strcmp(r->code, "dma_alias_bridge") == 0) {
		bool conventional = true;
		for (size_t i = 0; i < r->ndevs; i++)
			conventional = conventional && s->dev[r->devs[i]].caps.known && !s->dev[r->devs[i]].caps.pcie;
		append_list(&b, s, r->devs, r->ndevs);
		buf_appendf(&b, " %s %s%s behind %s %s and use%s its requester ID (DMA alias)", plural ? "are" : "is",
			    conventional ? "conventional PCI device" : "device", plural ? "s" : "", type_text(&s->dev[r->subject]),
			    subj, plural ? "" : "s");
	} else if (strcmp(r->code, "multifunction_no_acs") == 0) {
		append_list(&b, s, r->devs, r->ndevs);
		buf_appendf(&b, " are functions of one multifunction device without ACS");
	} else if (strcmp(r->code, "dma_alias_quirk") == 0) {
		append_list(&b, s, r->devs, r->ndevs);
		buf_appendf(&b, " are DMA aliases of one another (a kernel quirk for %04x:%04x)",
			    s->dev[r->subject].ident.vendor_id, s->dev[r->subject].ident.device_id);
	} else if (strcmp(r->code, "vmd_alias") == 0) {
		append_list(&b, s, r->devs, r->ndevs);
		buf_appendf(&b, " %s behind Intel VMD controller %s and use%s its requester ID", plural ? "sit" : "sits", subj,
			    plural ? "" : "s");
	}
	r->message = buf_steal(&b);
	(void)e;
}

/* How a bridge on the way isolates, when not by its own ACS. */
static const char *how_isolated(const struct acs_verdict *v)
{
	if (v->rule == ACS_RULE_OVERRIDE)
		return ", as pcie_acs_override claims";
	if (v->rule == ACS_RULE_QUIRK)
		return ", by a kernel quirk";
	return "";
}

/* The single-member case: what isolates it. */
static void explain_alone(const struct isolation *iso, struct explanation *e, size_t m)
{
	const struct snapshot *s = iso->s;
	struct reason *r = reason_for(e, "isolated", (int)m);
	struct buf b;
	char bdf[PCI_BDF_MAX];
	size_t nports = 0;

	reason_add(r, m);
	short_bdf(&s->dev[m], bdf);
	buf_init(&b);
	buf_appendf(&b, "%s is alone in group %d: ", bdf, e->group);
	for (int p = s->dev[m].parent; p >= 0; p = s->dev[p].parent)
		nports++;
	if (nports == 0) {
		buf_appendf(&b, "it sits on a root bus, where the root complex keeps functions apart");
	} else {
		size_t k = 0;
		buf_appendf(&b, "every bridge between it and the root complex isolates (");
		for (int p = s->dev[m].parent; p >= 0; p = s->dev[p].parent, k++) {
			char pb[PCI_BDF_MAX];
			short_bdf(&s->dev[p], pb);
			buf_appendf(&b, "%s%s %s%s", k == 0 ? "" : k + 1 == nports ? " and " : ", ", type_text(&s->dev[p]), pb,
				    how_isolated(&iso->acs[p]));
		}
		buf_appendf(&b, ")");
	}
	if (kernel_multifunction(&s->dev[m]) && iso->acs[m].isolated == TRI_YES) {
		if (iso->acs[m].rule == ACS_RULE_OVERRIDE)
			buf_appendf(&b, ", and pcie_acs_override claims it apart from the other functions of its slot");
		else if (iso->acs[m].rule == ACS_RULE_QUIRK)
			buf_appendf(&b, ", and a kernel quirk (%s) vouches that it is apart from the other functions of "
					"its slot", iso->acs[m].quirk);
		else
			buf_appendf(&b, ", and its own ACS separates it from the other functions of its slot");
	}
	r->message = buf_steal(&b);
}

static void remedies_for(const struct isolation *iso, struct explanation *e, const struct reason *r)
{
	const struct snapshot *s = iso->s;
	struct buf b;
	char subj[PCI_BDF_MAX] = "";
	if (r->subject >= 0)
		short_bdf(&s->dev[r->subject], subj);
	buf_init(&b);
	if (strcmp(r->code, "upstream_not_isolated") == 0) {
		const struct acs_verdict *v = &iso->acs[r->subject];
		if (v->rule == ACS_RULE_FLAGS_MISSING) {
			if (has_cmdline_acs_edit(s))
				add_remedy(e, "remove_cmdline_option",
					   xasprintf("remove the pci=disable_acs_redir= or pci=config_acs= option that clears "
						     "ACS controls on %s from the kernel command line", subj));
			else if (!iso->acs_req.requested && (iso->predict || s->ngrp))
				add_remedy(e, "devicetree_acs",
					   xasprintf("under a device tree this kernel does not turn ACS on before it enumerates "
						     "PCI (%s), so the controls of %s stay as the firmware left them: have the "
						     "firmware enable them, boot through UEFI with ACPI (IORT) where the platform "
						     "offers it, or use a kernel that asks for ACS when the host bridge's node has "
						     "an iommu-map",
						     iso->acs_req.certain ? "pci_request_acs comes only when a driver probes"
									  : "as up to 6.12",
						     subj));
			else
				add_remedy(e, "enable_iommu",
					   xasprintf("the kernel enables the ACS controls of %s only when an IOMMU driver asks for "
						     "them: boot with the IOMMU enabled", subj));
			return;
		}
		append_list(&b, s, r->devs, r->ndevs);
		add_remedy(e, "move_device",
			   xasprintf("move %s to a slot whose path to the root complex has ACS on every port (a root port, "
				     "or a switch whose downstream ports have an ACS capability)", b.data));
		if (v->rule == ACS_RULE_NO_CAP)
			add_remedy(e, "firmware_acs",
				   xasprintf("look for an ACS setting in the firmware setup: some platforms expose ACS on %s only "
					     "when it is enabled there", subj));
		if (v->rule == ACS_RULE_NO_CAP && s->dev[r->subject].caps.pcie)
			add_remedy(e, "kernel_quirk",
				   xasprintf("if the vendor documents that %s (%04x:%04x) isolates without ACS, a kernel quirk "
					     "(drivers/pci/quirks.c, pci_dev_acs_enabled) can say so",
					     subj, s->dev[r->subject].ident.vendor_id, s->dev[r->subject].ident.device_id));
	} else if (strcmp(r->code, "multifunction_no_acs") == 0) {
		bool pcie = false;
		for (size_t i = 0; i < r->ndevs; i++)
			pcie = pcie || s->dev[r->devs[i]].caps.pcie;
		append_list(&b, s, r->devs, r->ndevs);
		add_remedy(e, "kernel_quirk",
			   pcie ? xstrdup("functions of one device are kept apart only if each has ACS or a kernel quirk "
					  "vouches for the device (pci_quirk_mf_endpoint_acs in drivers/pci/quirks.c lists "
					  "such devices)")
				: xstrdup("conventional PCI functions cannot have ACS: only a kernel quirk for the device "
					  "(drivers/pci/quirks.c, pci_dev_acs_enabled) can keep them apart"));
		add_remedy(e, "assign_together", xasprintf("otherwise assign %s to the same VM together", b.data));
	} else if (strcmp(r->code, "dma_alias_bridge") == 0 || strcmp(r->code, "vmd_alias") == 0 ||
		   strcmp(r->code, "dma_alias_quirk") == 0) {
		append_list(&b, s, r->devs, r->ndevs);
		add_remedy(e, "assign_together",
			   xasprintf("devices that share a requester ID can never be told apart by the IOMMU: assign %s "
				     "together, or move %s to a PCIe slot of %s own",
				     b.data, r->ndevs > 1 ? "them" : "it", r->ndevs > 1 ? "their" : "its"));
	}
	buf_release(&b);
}

void explain_acs_override(const struct isolation *iso_override, enum tri active, struct explanation *e)
{
	const struct isolation *iso = iso_override;
	const struct snapshot *s = iso->s;
	struct buf b;
	e->override_present = iso->override;
	e->override_active = active;
	if (!iso->override)
		return;
	free(e->override_claims);
	free(e->override_message);
	e->noverride_claims = 0;
	e->override_claims = xcalloc(s->ndev + 1, sizeof(size_t));
	/* the claims that matter: on the members and on their paths up */
	for (size_t k = 0; k < e->nmembers; k++)
		for (int d = (int)e->members[k]; d >= 0; d = s->dev[d].parent)
			if (iso->acs[d].rule == ACS_RULE_OVERRIDE) {
				bool seen = false;
				for (size_t j = 0; j < e->noverride_claims; j++)
					seen = seen || e->override_claims[j] == (size_t)d;
				if (!seen)
					e->override_claims[e->noverride_claims++] = (size_t)d;
			}
	qsort(e->override_claims, e->noverride_claims, sizeof(size_t), cmp_size);
	buf_init(&b);
	if (!e->noverride_claims) {
		buf_appendf(&b, "pcie_acs_override is on the command line but claims nothing on the way of this group");
		e->override_message = buf_steal(&b);
		return;
	}
	buf_appendf(&b, "pcie_acs_override claims ");
	append_list(&b, s, e->override_claims, e->noverride_claims);
	buf_appendf(&b, " isolated, although %s no ACS: ", e->noverride_claims > 1 ? "they have" : "it has");
	if (active == TRI_YES)
		buf_appendf(&b, "this kernel applies it, so the groups are split where the hardware does not isolate; "
				"the isolation is claimed, not real, and the devices can still reach one another by "
				"peer-to-peer DMA");
	else if (active == TRI_NO)
		buf_appendf(&b, "this kernel ignores it (pcie_acs_override is an out-of-tree patch; mainline kernels have no "
				"such option)");
	else
		buf_appendf(&b, "a kernel carrying that out-of-tree patch would split the group on that claim alone; the "
				"isolation would be claimed, not real");
	e->override_message = buf_steal(&b);
}

static int cmp_index(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return (x > y) - (x < y);
}

/* The functions whose group is GROUP, in address order: those its member
 * list names (a function listed by two groups belongs to the one that
 * named it last, as the loader keeps it). */
static void group_members(const struct snapshot *s, int group, struct explanation *e)
{
	const struct iommu_group *g = snapshot_find_group(s, group);
	size_t n = g ? g->ndev : 0;
	e->members = xcalloc(n + 1, sizeof(size_t));
	for (size_t k = 0; k < n; k++)
		if (g->dev[k] < s->ndev && s->dev[g->dev[k]].group == group)
			e->members[e->nmembers++] = g->dev[k];
	if (e->nmembers > 1) {
		/* (the same function listed twice: hex digits in two cases) */
		size_t kept = 1;
		qsort(e->members, e->nmembers, sizeof(size_t), cmp_index);
		for (size_t k = 1; k < e->nmembers; k++)
			if (e->members[k] != e->members[kept - 1])
				e->members[kept++] = e->members[k];
		e->nmembers = kept;
	}
}

void explain_group(const struct isolation *iso, const struct prediction *p, int group, struct explanation *e)
{
	const struct snapshot *s = iso->s;
	int pg = -1;

	memset(e, 0, sizeof(*e));
	e->group = group;
	e->override_active = TRI_UNKNOWN;
	group_members(s, group, e);
	if (e->nmembers)
		pg = p->group[e->members[0]];
	/* the same set: every member in the predicted group, and no more
	 * functions there */
	e->model_agrees = pg >= 0 && p->size[pg] == e->nmembers;
	for (size_t k = 0; k < e->nmembers && e->model_agrees; k++)
		e->model_agrees = p->group[e->members[k]] == pg;

	if (e->nmembers == 1 && p->why[e->members[0]].kind == JOIN_NEW) {
		explain_alone(iso, e, e->members[0]);
	} else {
		for (size_t k = 0; k < e->nmembers; k++) {
			size_t m = e->members[k];
			const struct join *j = &p->why[m];
			struct reason *r = NULL;
			switch (j->kind) {
			case JOIN_NEW:
				continue;
			case JOIN_ALIAS:
				r = reason_for(e, "dma_alias_bridge", j->via);
				break;
			case JOIN_UPSTREAM:
			case JOIN_UNKNOWN: /* (refused before: ACS unknown) */
				r = reason_for(e, "upstream_not_isolated", j->failed);
				break;
			case JOIN_ALIAS_QUIRK:
				r = reason_for(e, "dma_alias_quirk", j->via);
				reason_add(r, (size_t)j->via);
				break;
			case JOIN_FUNCTION:
				r = reason_for(e, "multifunction_no_acs", j->via);
				reason_add(r, (size_t)j->via);
				break;
			case JOIN_VMD:
				r = reason_for(e, "vmd_alias", j->via);
				break;
			}
			reason_add(r, m);
		}
		for (size_t i = 0; i < e->nreasons; i++) {
			write_reason(iso, e, &e->reasons[i]);
			/* no advice on a grouping the model cannot account for */
			if (e->model_agrees)
				remedies_for(iso, e, &e->reasons[i]);
		}
	}
}

void explanation_release(struct explanation *e)
{
	for (size_t i = 0; i < e->nreasons; i++) {
		free(e->reasons[i].devs);
		free(e->reasons[i].message);
	}
	free(e->reasons);
	for (size_t i = 0; i < e->nremedies; i++)
		free(e->remedies[i].message);
	free(e->remedies);
	free(e->members);
	free(e->override_claims);
	free(e->override_message);
	memset(e, 0, sizeof(*e));
}

char *explanation_sentence(const struct snapshot *s, const struct explanation *e)
{
	struct buf b;
	buf_init(&b);
	if (!e->model_agrees) {
		/* the kernel did something the model does not: say so, and
		 * what the model sees */
		append_list(&b, s, e->members, e->nmembers);
		buf_appendf(&b, " %s in group %d, which iommuctl's model of the kernel does not expect", e->nmembers > 1 ? "are" : "is",
			    e->group);
		for (size_t i = 0; i < e->nreasons; i++)
			buf_appendf(&b, "%s%s", i ? "; " : ": ", e->reasons[i].message);
		buf_appendf(&b, ".");
		return buf_steal(&b);
	}
	if (e->nreasons == 1 && strcmp(e->reasons[0].code, "isolated") == 0) {
		buf_appendf(&b, "%s.", e->reasons[0].message);
		return buf_steal(&b);
	}
	if (e->nreasons == 1 && e->reasons[0].ndevs == e->nmembers) {
		/* the one reason names every member already */
		buf_appendf(&b, "%s, so they share group %d.", e->reasons[0].message, e->group);
		return buf_steal(&b);
	}
	append_list(&b, s, e->members, e->nmembers);
	buf_appendf(&b, " share group %d: ", e->group);
	for (size_t i = 0; i < e->nreasons; i++)
		buf_appendf(&b, "%s%s", i ? "; " : "", e->reasons[i].message);
	if (!e->nreasons)
		buf_appendf(&b, "iommuctl's model of the kernel does not put them together");
	buf_appendf(&b, ".");
	return buf_steal(&b);
}
