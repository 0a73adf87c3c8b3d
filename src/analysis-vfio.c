/* analysis-vfio.c - VFIO viability and the steps to get there.
 *
 * Rules (KERNEL-FACTS.md section 3):
 *  - 5.19+: a group is viable iff no member is bound to a driver that uses
 *    the kernel's DMA API; vfio-pci and its variants, pci-stub and pcieport
 *    declare driver_managed_dma and do not count, nor does no driver.
 *    Before 5.19: members without a driver, bound to a VFIO driver or to
 *    pci-stub, and bridges with any driver were fine.
 *  - vfio-pci binds only type 0 (normal) functions, and refuses a PF with
 *    SR-IOV VFs enabled.
 *  - a `direct` (not `direct-relaxable`) reserved region forbids the
 *    blocking domain VFIO needs: from 6.6 on every vendor, before only
 *    Intel (RMRR).
 *  - vfio_iommu_type1 refuses a group without MSI isolation (interrupt
 *    remapping on x86) unless allow_unsafe_interrupts=1.
 *  - resets: reset_method lists the methods; a bus reset resets everything
 *    below the parent bridge. */
#define _GNU_SOURCE
#include "platform.h"
#include "vfio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isolation.h"
#include "status.h"

const char *vfio_verdict_id(enum vfio_verdict v)
{
	return v == VFIO_VIABLE ? "viable" : v == VFIO_AFTER_STEPS ? "viable_after_steps" : "not_viable";
}

bool vfio_checked_by_all(const struct pci_device *d)
{
	return !pci_ident_is_bridge(&d->ident) && (!d->class_known || d->ident.class_code >> 16 != 0x06);
}

bool vfio_driver_managed_dma(const char *driver)
{
	return !driver || strstr(driver, "vfio") || !strcmp(driver, "pci-stub") || !strcmp(driver, "pcieport");
}

static bool is_vfio_driver(const char *driver)
{
	return driver && strstr(driver, "vfio");
}

/* Whether vfio-pci can bind D at all (a normal, type 0 header) is known
 * from its header, or, without it, from a bridge class: the kernel gives
 * a bridge header no other class (pci_setup_device). */
static bool header_unknown(const struct pci_device *d)
{
	unsigned cls = d->ident.class_code >> 8;
	return !d->header_known && !(d->class_known && (cls == 0x0604 || cls == 0x0607 || cls == 0x0609));
}

/* A bridge by its header, or by its class when the header is unknown. */
static bool is_bridge(const struct pci_device *d)
{
	return d->header_known ? pci_ident_is_bridge(&d->ident) : !header_unknown(d);
}

/* True if member MD leaves its group viable (3.2: 5.19+ DMA ownership, or
 * the older whitelist). */
static bool member_ok(const struct pci_device *md, bool modern)
{
	return modern ? vfio_driver_managed_dma(md->driver)
		      : (!md->driver || is_vfio_driver(md->driver) || !strcmp(md->driver, "pci-stub") || is_bridge(md));
}

#define NOIOMMU_TEXT                                                                                                  \
	"VFIO's no-IOMMU mode is on: it gives user space the device without any isolation and cannot be used to "    \
	"assign it to a VM"

static void add_finding(struct vfio_check *c, const char *code, enum severity sev, const struct snapshot *s, int subject,
			char *message, char *remedy)
{
	struct finding *f;
	c->findings = xrealloc(c->findings, (c->nfindings + 1) * sizeof(*c->findings));
	f = &c->findings[c->nfindings++];
	f->code = code;
	f->severity = sev;
	f->subject = subject >= 0 ? xstrdup(s->dev[subject].bdf) : NULL;
	f->message = message;
	f->remedy = remedy;
}

static void add_step(struct vfio_check *c, int subject, const char *purpose, char *command)
{
	for (size_t i = 0; i < c->nsteps; i++)
		if (!strcmp(c->steps[i].command, command)) {
			free(command);
			return;
		}
	c->steps = xrealloc(c->steps, (c->nsteps + 1) * sizeof(*c->steps));
	c->steps[c->nsteps].command = command;
	c->steps[c->nsteps].subject = subject;
	c->steps[c->nsteps].purpose = xstrdup(purpose);
	c->nsteps++;
}

static bool check_header_unknown(struct vfio_check *c, const struct snapshot *s, size_t i)
{
	const struct pci_device *d = &s->dev[i];
	if (!header_unknown(d))
		return false;
	add_finding(c, "header_unknown", SEV_ERROR, s, (int)i,
		    xasprintf("the configuration header of %s could not be read (/sys/bus/pci/devices/%s/config): "
			      "whether it is a normal function vfio-pci can bind, or a bridge, is unknown",
			      d->bdf, d->bdf),
		    xstrdup("run iommuctl as root on the live system, or take the snapshot again with iommuctl snapshot"));
	return true;
}

/* A PF whose VFs are enabled and that is not vfio-pci's: freeing it for
 * vfio-pci means disabling its VFs first (vfio_pci_core_register_device
 * refuses a PF with VFs: "Cannot bind to PF with SR-IOV enabled"), which
 * removes them. */
static bool steps_disable_vfs(const struct pci_device *d)
{
	return d->sriov_numvfs > 0 && !is_vfio_driver(d->driver);
}

void vfio_request_prepare(const struct snapshot *s, struct vfio_request *req)
{
	bool modern = !s->host.kver_major || kernel_at_least(&s->host, 5, 19);
	req->vfs_disabled_by = xcalloc(s->ndev + 1, sizeof(int));
	req->vf_requested = xcalloc(s->ndev + 1, sizeof(int));
	for (size_t i = 0; i < s->ndev; i++)
		req->vfs_disabled_by[i] = req->vf_requested[i] = -1;
	req->unplaced_vf = -1;
	if (!req->together)
		return;
	for (size_t k = 0; k < req->ndevs; k++) {
		size_t dev = req->devs[k];
		const struct pci_device *d = &s->dev[dev];
		const struct iommu_group *g = d->group >= 0 ? snapshot_find_group(s, d->group) : NULL;
		if (steps_disable_vfs(d) && req->vfs_disabled_by[dev] < 0) {
			req->vfs_disabled_by[dev] = (int)k;
			req->disables_vfs = true;
		}
		/* members to free: their VFs go too */
		for (size_t j = 0; g && j < g->ndev; j++) {
			size_t m = g->dev[j];
			if (m != dev && !member_ok(&s->dev[m], modern) && steps_disable_vfs(&s->dev[m]) &&
			    req->vfs_disabled_by[m] < 0) {
				req->vfs_disabled_by[m] = (int)k;
				req->disables_vfs = true;
			}
		}
		if (d->physfn >= 0 && req->vf_requested[d->physfn] < 0)
			req->vf_requested[d->physfn] = (int)k;
		if (d->virtfn && d->physfn < 0 && req->unplaced_vf < 0)
			req->unplaced_vf = (int)k;
	}
}

void vfio_request_release(struct vfio_request *req)
{
	free(req->vfs_disabled_by);
	free(req->vf_requested);
	req->vfs_disabled_by = req->vf_requested = NULL;
}

/* Steps of one request that would undo each other: a VF asked for whose PF
 * another device's steps (or its own group's) disable, and the device
 * whose steps do it. */
static void check_sriov_conflicts(struct vfio_check *c, const struct snapshot *s, const struct vfio_request *req)
{
	const struct pci_device *d = &s->dev[c->dev];
	const struct iommu_group *g = d->group >= 0 ? snapshot_find_group(s, d->group) : NULL;
	if (!req || !req->together || !req->vfs_disabled_by)
		return;
	if (d->virtfn && d->physfn < 0 && req->disables_vfs) {
		add_finding(c, "physfn_unknown", SEV_ERROR, s, (int)c->dev,
			    xasprintf("%s is an SR-IOV VF whose PF could not be found (neither a PF's SR-IOV capability "
				      "nor /sys/bus/pci/devices/%s/physfn could be read), and steps of this request disable a "
				      "PF's VFs: whether they remove %s is unknown",
				      d->bdf, d->bdf, d->bdf),
			    xstrdup("check the VFs alone, or take the snapshot again with iommuctl snapshot"));
	}
	if (d->physfn >= 0 && req->vfs_disabled_by[d->physfn] >= 0) {
		size_t by = req->devs[req->vfs_disabled_by[d->physfn]];
		const char *pf = s->dev[d->physfn].bdf;
		add_finding(c, "sriov_conflict", SEV_ERROR, s, (int)c->dev,
			    (size_t)d->physfn == by
				    ? xasprintf("%s is a VF of %s, also asked for: freeing %s for vfio-pci disables its VFs "
						"(echo 0 > /sys/bus/pci/devices/%s/sriov_numvfs), which removes %s",
						d->bdf, pf, pf, pf, d->bdf)
				    : xasprintf("%s is a VF of %s, which shares a group with %s, also asked for: freeing that "
						"group disables %s's VFs (echo 0 > /sys/bus/pci/devices/%s/sriov_numvfs), "
						"which removes %s",
						d->bdf, pf, s->dev[by].bdf, pf, pf, d->bdf),
			    xasprintf("check the VFs alone (the PF stays with the host), or %s alone", s->dev[by].bdf));
	}
	for (size_t j = 0; j < (g ? g->ndev : 1); j++) {
		size_t pf = g ? g->dev[j] : c->dev;
		struct buf vfs;
		if (req->vfs_disabled_by[pf] < 0 || req->devs[req->vfs_disabled_by[pf]] != c->dev)
			continue;
		if (req->unplaced_vf >= 0 && req->devs[req->unplaced_vf] != c->dev)
			add_finding(c, "physfn_unknown", SEV_ERROR, s, (int)c->dev,
				    xasprintf("freeing %s for vfio-pci disables the VFs of %s, and %s, also asked for, is a VF "
					      "whose PF could not be found: whether that removes it is unknown",
					      d->bdf, s->dev[pf].bdf, s->dev[req->devs[req->unplaced_vf]].bdf),
				    xstrdup("check the VFs alone, or take the snapshot again with iommuctl snapshot"));
		if (req->vf_requested[pf] < 0)
			continue;
		buf_init(&vfs);
		for (size_t k = (size_t)req->vf_requested[pf]; k < req->ndevs; k++)
			if (s->dev[req->devs[k]].physfn == (int)pf)
				buf_appendf(&vfs, "%s%s", vfs.len ? ", " : "", s->dev[req->devs[k]].bdf);
		add_finding(c, "sriov_conflict", SEV_ERROR, s, (int)c->dev,
			    xasprintf("freeing %s for vfio-pci disables %s%s VFs (echo 0 > "
				      "/sys/bus/pci/devices/%s/sriov_numvfs), which removes %s, also asked for",
				      d->bdf, pf == c->dev ? "its" : s->dev[pf].bdf, pf == c->dev ? "" : "'s",
				      s->dev[pf].bdf, vfs.data),
			    xasprintf("check %s alone, or its VFs alone (the PF stays with the host)", d->bdf));
		buf_release(&vfs);
	}
}

/* The host's own use of device I, NULL if none: a mounted system file
 * system, the default route, the boot display while a host driver has it. */
static char *host_use_text(const struct snapshot *s, size_t i)
{
	const struct pci_device *d = &s->dev[i];
	size_t cursor = 0;
	const struct host_use *u = host_use_of(&s->host, i, &cursor);
	if (u)
		return xasprintf("it %s %s", strcmp(u->kind, "default_route") ? "holds" : "carries", u->what);
	if (d->boot_vga == 1 && !vfio_driver_managed_dma(d->driver)) /* pci-stub drives nothing */
		return xasprintf("it is the boot display and %s drives it", d->driver);
	return NULL;
}

/* "/proc/self/mountinfo cannot be read (No such file or directory)", or
 * what a gap concerns. */
static void gap_text(struct buf *b, const struct host_use_gap *gp)
{
	if (gp->err)
		buf_appendf(b, "%s cannot be read (%s)%s%s", gp->path, strerror(-gp->err), gp->what ? " for " : "",
			    gp->what ? gp->what : "");
	else
		buf_appendf(b, "%s is on no block device iommuctl can trace to a PCI function (a network, layered "
			       "or pool file system)",
			    gp->what ? gp->what : gp->path);
}

/* Whether the host needs device I is unknown when something that tells was
 * not read and a host driver holds it (only a bound driver gives a file
 * system or a route): a blocking finding, unless the user accepted the
 * risk.  Returns true if it added one. */
static bool check_host_use_unknown(struct vfio_check *c, const struct snapshot *s, const struct vfio_request *req,
				   size_t i)
{
	static const struct {
		const char *kind, *may;
	} kinds[] = {{"root_storage", "hold /, /boot or /usr"}, {"default_route", "carry the default route"}};
	const struct pci_device *d = &s->dev[i];
	bool accepted = req && req->accept_unknown_host_use;
	struct buf why, may;
	if (!d->driver || vfio_driver_managed_dma(d->driver) || !s->host.ngaps)
		return false;
	buf_init(&why);
	buf_init(&may);
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		size_t cursor = 0, before = why.len;
		const struct host_use_gap *gp;
		while ((gp = host_gap_of(&s->host, kinds[k].kind, &cursor))) {
			buf_appendf(&why, "%s", why.len ? "; " : "");
			gap_text(&why, gp);
		}
		if (why.len > before)
			buf_appendf(&may, "%s%s", may.len ? " or " : "", kinds[k].may);
	}
	add_finding(c, "host_use_unknown", accepted ? SEV_WARNING : SEV_ERROR, s, (int)i,
		    xasprintf("whether the host needs %s (bound to %s) is unknown: %s; it may %s%s", d->bdf, d->driver,
			      why.data, may.data,
			      accepted ? " (you accepted the risk with --accept-unknown-host-use)" : ""),
		    accepted ? xstrdup("make sure the host runs from nothing on it before you run the steps")
			     : xstrdup("run iommuctl as root on the live system, or take the snapshot again with "
				       "iommuctl snapshot; once you know the host does not need it, "
				       "--accept-unknown-host-use gives its steps"));
	buf_release(&why);
	buf_release(&may);
	return true;
}

/* A member whose driver could not be read: it may hold the group. */
static bool check_driver_unknown(struct vfio_check *c, const struct snapshot *s, size_t i)
{
	const struct pci_device *d = &s->dev[i];
	if (d->driver_known)
		return false;
	add_finding(c, "driver_unknown", SEV_ERROR, s, (int)i,
		    xasprintf("which driver %s is bound to is unknown (/sys/bus/pci/drivers could not be read): whether it "
			      "leaves the group viable, and how to free it, cannot be told",
			      d->bdf),
		    xstrdup("run iommuctl as root on the live system, or take the snapshot again with iommuctl snapshot"));
	return true;
}

/* Rebinding D to vfio-pci: driver_override, unbind, probe. */
static void rebind_steps(struct vfio_check *c, const struct snapshot *s, size_t i)
{
	const struct pci_device *d = &s->dev[i];
	if (!d->driver_override || strcmp(d->driver_override, "vfio-pci") != 0)
		add_step(c, (int)i, "let only vfio-pci bind it",
			 xasprintf("echo vfio-pci > /sys/bus/pci/devices/%s/driver_override", d->bdf));
	if (d->driver)
		add_step(c, (int)i, "release it from its driver",
			 xasprintf("echo %s > /sys/bus/pci/devices/%s/driver/unbind", d->bdf, d->bdf));
	add_step(c, (int)i, "bind it to vfio-pci", xasprintf("echo %s > /sys/bus/pci/drivers_probe", d->bdf));
	strvec_push_owned(&c->persistent, xasprintf("driverctl set-override %s vfio-pci", d->bdf));
}

static void check_direct_regions(struct vfio_check *c, const struct snapshot *s, const struct iommu_group *g)
{
	bool intel = false;
	for (size_t u = 0; u < s->nunit; u++)
		intel = intel || (s->unit[u].driver && !strcmp(s->unit[u].driver, "intel"));
	for (size_t r = 0; r < g->nresv; r++) {
		const struct resv_region *rr = &g->resv[r];
		bool modern = kernel_at_least(&s->host, 6, 6) || !s->host.kver_major;
		if (strcmp(rr->type, "direct") != 0)
			continue;
		if (modern || intel)
			add_finding(c, "direct_region", SEV_ERROR, s, (int)c->dev,
				    xasprintf("the firmware requires a 1:1 mapping of 0x%llx-0x%llx for group %d (RMRR/IVMD), "
					      "so the IOMMU cannot give VFIO the blocking domain it needs (%s)",
					      (unsigned long long)rr->start, (unsigned long long)rr->end, g->id,
					      modern ? "Linux 6.6 and later refuse it for every vendor"
						     : "Intel refuses it before Linux 6.6"),
				    xstrdup("ask the platform vendor for firmware without this RMRR/IVMD region for the "
					    "device; it cannot be assigned until then"));
		else
			add_finding(c, "direct_region", SEV_WARNING, s, (int)c->dev,
				    xasprintf("the firmware asks for a 1:1 mapping of 0x%llx-0x%llx; this kernel (before 6.6) "
					      "still lets VFIO take the device, but 6.6 and later will not",
					      (unsigned long long)rr->start, (unsigned long long)rr->end),
				    xstrdup("ask the platform vendor for firmware without this region before upgrading"));
		return;
	}
	/* none among the lines read: with some unread, none is not known */
	if (!g->resv_known)
		add_finding(c, "reserved_regions_unknown", SEV_ERROR, s, (int)c->dev,
			    xasprintf("the reserved regions of group %d could not all be read, so a 1:1 region the "
				      "firmware requires (which rules out VFIO) cannot be ruled out", g->id),
			    xstrdup("see the warnings about its reserved_regions; run iommuctl on the live system"));
}

/* vfio_iommu_type1 (and iommufd) refuse a group whose MSIs are not isolated
 * (interrupt remapping on x86, a GICv3 ITS on Arm) unless
 * allow_unsafe_interrupts=1; the judgement is status's interrupt_remapping
 * or (Arm) msi_isolation check, made once, and said under its own name. */
static void check_interrupts(struct vfio_check *c, const struct snapshot *s, const struct status_report *st)
{
	static const struct {
		/* each message: a head, status's detail, a tail */
		const char *check, *unknown_code, *none_code, *unknown[2], *unsafe[2], *none[2];
	} words[] = {
		{"interrupt_remapping", "interrupt_remapping_unknown", "no_interrupt_remapping",
		 {"whether MSIs are isolated is ", "; without interrupt remapping vfio_iommu_type1 refuses the group"},
		 {"interrupt remapping is ", ": the VM's device can send interrupts the host cannot tell from its own"},
		 {"interrupt remapping is ", " (\"No interrupt remapping support\")"}},
		{"msi_isolation", "msi_isolation_unknown", "no_msi_isolation",
		 {"whether the MSI controller isolates MSIs is ",
		  "; without MSI isolation (a GICv3 ITS) vfio_iommu_type1 refuses the group"},
		 {"MSIs are ", ": the VM's device can send interrupts the host cannot tell from its own"},
		 {"MSIs are ", " (vfio_iommu_type1 says \"No interrupt remapping support\", its words for MSI isolation)"}},
	};
	const struct status_check *ir = NULL;
	size_t w = 0;
	for (; w < ARRAY_SIZE(words) && !(ir = status_find(st, words[w].check)); w++)
		;
	if (!ir || ir->state == STATUS_PASS || ir->state == STATUS_INFO)
		return;
	/* unknown stands for off: the verdict can be no better than that */
	if (ir->state == STATUS_UNKNOWN)
		add_finding(c, words[w].unknown_code, SEV_ERROR, s, -1,
			    xasprintf("%s%s%s", words[w].unknown[0], ir->detail, words[w].unknown[1]),
			    ir->remedy ? xstrdup(ir->remedy) : NULL);
	else if (ir->state == STATUS_WARN)
		add_finding(c, "unsafe_interrupts", SEV_WARNING, s, -1,
			    xasprintf("%s%s%s", words[w].unsafe[0], ir->detail, words[w].unsafe[1]),
			    ir->remedy ? xstrdup(ir->remedy) : NULL);
	else
		add_finding(c, words[w].none_code, SEV_ERROR, s, -1,
			    xasprintf("%s%s%s", words[w].none[0], ir->detail, words[w].none[1]),
			    ir->remedy ? xstrdup(ir->remedy) : NULL);
}

/* The devices a VFIO hot reset of device I also resets: its dev_set
 * (vfio_pci_core_register_device): a device on a root bus or a VF stands
 * alone (false); otherwise everything on the bus below its parent bridge,
 * and below that (pci_reset_bus). */
static void add_below(const struct pci_tree *t, int up, size_t skip, size_t **out, size_t *n, size_t *cap)
{
	size_t nk;
	const int *k = pci_tree_children(t, up, &nk);
	for (size_t c = 0; c < nk; c++) {
		if ((size_t)k[c] != skip) {
			xgrow((void **)out, cap, *n + 1, sizeof(**out));
			(*out)[(*n)++] = (size_t)k[c];
		}
		add_below(t, k[c], skip, out, n, cap);
	}
}

static int cmp_index(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return (x > y) - (x < y);
}

static bool bus_reset_scope(const struct snapshot *s, const struct pci_tree *t, size_t i, size_t **out, size_t *n)
{
	const struct pci_device *d = &s->dev[i];
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	if (!d->topology_known || d->parent < 0 || d->virtfn)
		return false;
	/* everything below the parent bridge, in address order */
	add_below(t, d->parent, i, out, n, &cap);
	if (*n > 1)
		qsort(*out, *n, sizeof(**out), cmp_index);
	return true;
}

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return true;
	return false;
}

/* Resets (KERNEL-FACTS 3.3, 3.5): reset_method lists what the kernel can do
 * to the function itself.  Its "bus" is probed when the function is added,
 * before its siblings are: at reset time a bus reset works only for a
 * function alone on its bus.  Without a reset of its own VFIO falls back
 * to a hot reset of the whole dev_set, which needs every device in it
 * bound to vfio-pci and unused. */
static void check_reset(struct vfio_check *c, const struct snapshot *s, const struct pci_tree *tree)
{
	static const char *const own[] = {"device_specific", "acpi", "flr", "af_flr", "pm"};
	const struct pci_device *d = &s->dev[c->dev];
	bool own_reset = false;
	c->flr_known = d->caps.known && d->caps.pcie && !(d->unknown & (1u << PROV_FLR));
	c->flr = d->caps.flr;
	c->reset_method = d->reset_method_known ? (d->reset_method ? d->reset_method : "") : NULL;
	c->bus_reset_known = bus_reset_scope(s, tree, c->dev, &c->bus_reset_also, &c->nbus_reset_also);
	if (!c->reset_method)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(own); i++)
		own_reset = own_reset || has_word(c->reset_method, own[i]);
	if (own_reset || (has_word(c->reset_method, "bus") && c->bus_reset_known && !c->nbus_reset_also))
		return;
	if (c->bus_reset_known && c->nbus_reset_also) {
		struct buf b;
		buf_init(&b);
		for (size_t i = 0; i < c->nbus_reset_also; i++)
			buf_appendf(&b, "%s%s", i ? ", " : "", s->dev[c->bus_reset_also[i]].bdf);
		add_finding(c, "bus_reset_only", SEV_WARNING, s, (int)c->dev,
			    xasprintf("%s has no reset of its own (reset_method: %s): VFIO can only reset the bus "
				      "below %s, which also resets %s, and only while all of them are bound to vfio-pci "
				      "and unused",
				      d->bdf, *c->reset_method ? c->reset_method : "empty", s->dev[d->parent].bdf,
				      b.data),
			    xasprintf("bind %s to vfio-pci too and give them to the same VM, or use a device with "
				      "Function Level Reset",
				      b.data));
		buf_release(&b);
	} else {
		add_finding(c, "no_reset", SEV_WARNING, s, (int)c->dev,
			    xasprintf("%s has no reset method (reset_method: %s)%s: it keeps its state from one VM "
				      "to the next",
				      d->bdf, *c->reset_method ? c->reset_method : "empty",
				      c->bus_reset_known ? ""
				      : d->virtfn ? " and, as a VF, no bus reset"
						  : " and no bus reset (it is on a root bus)"),
			    xstrdup("prefer a device with Function Level Reset for assignment"));
	}
}

/* vfio-pci's denylist (vfio_pci_dev_in_denylist, drivers/vfio/pci/vfio_pci.c):
 * Intel QAT parts with errata since 5.9, DSA and IAA of Sapphire Rapids
 * since 6.9.  Returns the kernel release that added D, or NULL. */
static const char *denylisted_since(const struct pci_device *d)
{
	static const struct {
		uint16_t device;
		const char *since;
		int major, minor;
	} deny[] = {
		{0x0435, "5.9", 5, 9}, {0x0443, "5.9", 5, 9}, /* QAT DH895XCC, VF */
		{0x19e2, "5.9", 5, 9}, {0x19e3, "5.9", 5, 9}, /* QAT C3XXX, VF */
		{0x37c8, "5.9", 5, 9}, {0x37c9, "5.9", 5, 9}, /* QAT C62X, VF */
		{0x0b25, "6.9", 6, 9}, {0x0cfe, "6.9", 6, 9}, /* DSA, IAX (SPR) */
	};
	if (!d->ident_known || d->ident.vendor_id != 0x8086)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(deny); i++)
		if (d->ident.device_id == deny[i].device)
			return deny[i].since;
	return NULL;
}

static void check_denylist(struct vfio_check *c, const struct snapshot *s)
{
	const struct pci_device *d = &s->dev[c->dev];
	const char *since = denylisted_since(d);
	int major = 0, minor = 0;
	if (!since || s->host.params.vfio_pci_disable_denylist == 1)
		return;
	sscanf(since, "%d.%d", &major, &minor);
	if (s->host.kver_major && !kernel_at_least(&s->host, major, minor))
		add_finding(c, "denylisted", SEV_WARNING, s, (int)c->dev,
			    xasprintf("%04x:%04x is on the vfio-pci denylist of Linux %s and later (errata that let a "
				      "user hang or corrupt the host); this kernel still binds it",
				      d->ident.vendor_id, d->ident.device_id, since),
			    xstrdup("assign it only to trusted guests; a newer kernel refuses it unless "
				    "vfio_pci.disable_denylist=1"));
	else
		add_finding(c, "denylisted", SEV_ERROR, s, (int)c->dev,
			    xasprintf("%04x:%04x is on vfio-pci's denylist (errata that let a user hang or corrupt the "
				      "host): vfio-pci refuses to bind it",
				      d->ident.vendor_id, d->ident.device_id),
			    xstrdup("only if every guest is trusted: load vfio-pci with disable_denylist=1 "
				    "(modprobe vfio-pci disable_denylist=1, or vfio_pci.disable_denylist=1 on the kernel "
				    "command line)"));
}

void vfio_check_device(const struct snapshot *s, const struct iommu_presence *p, const struct status_report *st,
		       const struct pci_tree *tree, const struct vfio_request *req, size_t dev,
		       struct vfio_check *c)
{
	const struct pci_device *d = &s->dev[dev];
	const struct iommu_group *g = d->group >= 0 ? snapshot_find_group(s, d->group) : NULL;
	bool modern = !s->host.kver_major || kernel_at_least(&s->host, 5, 19);
	/* made by no-IOMMU mode for a device no IOMMU covers (3.6) */
	bool noiommu_group = g && g->name && !strcmp(g->name, "vfio-noiommu");
	bool blocked = false;
	int owner, bridge; /* a StreamID collision: whose, through which bridge */
	char *use;

	memset(c, 0, sizeof(*c));
	c->dev = dev;
	c->group = d->group;
	strvec_init(&c->persistent);

	if (!p->present) {
		add_finding(c, "no_iommu", SEV_ERROR, s, (int)dev,
			    xasprintf("VFIO cannot assign %s without an IOMMU to isolate it. %s", d->bdf,
				      p->absent.message ? p->absent.message : "No IOMMU is active."),
			    xstrdup(p->absent.remedy ? p->absent.remedy : "enable the IOMMU"));
		if (s->host.params.noiommu_mode == 1 || s->host.vfio.nnoiommu)
			add_finding(c, "noiommu_mode", SEV_INFO, s, -1, xstrdup(NOIOMMU_TEXT), NULL);
		blocked = true;
	} else if ((owner = g ? -1 : streamid_taken_by(s, dev, &bridge)) >= 0) {
		char *why = streamid_collision_text(s, dev, owner, bridge);
		add_finding(c, "streamid_collision", SEV_ERROR, s, (int)dev, xasprintf("%s is in no IOMMU group: %s", d->bdf, why),
			    xasprintf("move %s to a slot of its own (a PCIe slot, or behind another bridge), or assign %s "
				      "(group %d) instead",
				      d->bdf, s->dev[owner].bdf, s->dev[owner].group));
		free(why);
		blocked = true;
	} else if (!g || noiommu_group) {
		add_finding(c, "no_group", SEV_ERROR, s, (int)dev,
			    noiommu_group ? xasprintf("%s is in no real IOMMU group: no IOMMU unit translates its DMA; "
						      "group %d is VFIO's no-IOMMU group, which isolates nothing",
						      d->bdf, g->id)
					  : xasprintf("%s is in no IOMMU group: no IOMMU unit translates its DMA", d->bdf),
			    xasprintf("check that the firmware's IOMMU description (%s) puts the device in a unit's scope, "
				      "and that no kernel option leaves it out",
				      platform_arch(s) == ARCH_ARM ? "the IORT table, or the device tree's iommu-map"
				      : platform_arch(s) == ARCH_X86 ? "the DMAR or IVRS table"
								     : "DMAR, IVRS, IORT, or a device tree's iommu-map"));
		if (noiommu_group)
			add_finding(c, "noiommu_mode", SEV_INFO, s, -1, xstrdup(NOIOMMU_TEXT), NULL);
		blocked = true;
	}
	if (check_header_unknown(c, s, dev)) {
		blocked = true;
	} else if (is_bridge(d)) {
		add_finding(c, "bridge", SEV_ERROR, s, (int)dev,
			    xasprintf("%s is a bridge: vfio-pci binds only normal (type 0) functions", d->bdf),
			    xstrdup("assign the devices below it instead"));
		blocked = true;
	}
	if (!s->host.kver_major)
		add_finding(c, "kernel_release_unknown", SEV_INFO, s, -1,
			    xstrdup("the kernel release could not be read: the rules of Linux 5.19 and later are assumed"),
			    NULL);

	if (!is_bridge(d))
		check_denylist(c, s);
	/* the group's viability is a fact whether or not this device can use it */
	if (g) {
		c->group_viable = true;
		for (size_t k = 0; k < g->ndev; k++)
			c->group_viable = c->group_viable && member_ok(&s->dev[g->dev[k]], modern);
	}
	if (g && !blocked) {
		check_direct_regions(c, s, g);
		/* the members: who must leave its driver, who cannot */
		for (size_t k = 0; k < g->ndev; k++) {
			size_t m = g->dev[k];
			const struct pci_device *md = &s->dev[m];
			bool ok = member_ok(md, modern);
			if (m == dev) {
				if (is_vfio_driver(md->driver))
					continue;
				if (check_driver_unknown(c, s, m))
					continue;
				if ((use = host_use_text(s, m))) {
					add_finding(c, "host_critical", SEV_ERROR, s, (int)m,
						    xasprintf("the host needs %s: %s", md->bdf, use),
						    xstrdup("assign another device, or move what the host needs off it first"));
					free(use);
					continue;
				}
				check_host_use_unknown(c, s, req, m);
				if (md->sriov_numvfs > 0) {
					add_finding(c, "pf_with_vfs", SEV_WARNING, s, (int)m,
						    xasprintf("%s has %d SR-IOV VFs enabled and vfio-pci refuses such a PF",
							      md->bdf, md->sriov_numvfs),
						    xstrdup("disable the VFs first (the step below), or assign a VF instead"));
					add_step(c, (int)m, "disable its VFs (vfio-pci refuses a PF with VFs)",
						 xasprintf("echo 0 > /sys/bus/pci/devices/%s/sriov_numvfs", md->bdf));
				}
				add_finding(c, "not_bound_to_vfio", SEV_INFO, s, (int)m,
					    md->driver ? xasprintf("%s is bound to %s, not to vfio-pci", md->bdf, md->driver)
						       : xasprintf("%s is bound to no driver; VFIO opens it through vfio-pci",
								   md->bdf),
					    xstrdup("bind it to vfio-pci (the steps below)"));
				rebind_steps(c, s, m);
				continue;
			}
			if (ok && md->driver_known)
				continue;
			if (check_driver_unknown(c, s, m))
				continue;
			if ((use = host_use_text(s, m))) {
				add_finding(c, "host_critical_member", SEV_ERROR, s, (int)m,
					    xasprintf("%s shares group %d and the host needs it: %s", md->bdf, g->id, use),
					    xstrdup("the group can only be assigned whole: move what the host needs off that "
						    "device, or put the device to assign in a slot of its own "
						    "(iommuctl explain tells why they share a group)"));
				free(use);
				continue;
			}
			if (d->physfn >= 0 && (size_t)d->physfn == m && steps_disable_vfs(md)) {
				add_finding(c, "own_pf_in_group", SEV_ERROR, s, (int)m,
					    xasprintf("%s shares group %d with its own PF %s, bound to %s: vfio-pci takes the "
						      "PF only once its VFs are disabled, and that removes %s",
						      d->bdf, g->id, md->bdf, md->driver, d->bdf),
					    xstrdup("assign the PF instead, or put the card behind a port whose ACS isolates "
						    "its VFs (iommuctl explain tells why they share a group)"));
				continue;
			}
			if (check_header_unknown(c, s, m))
				continue;
			check_host_use_unknown(c, s, req, m);
			add_finding(c, "member_bound", SEV_WARNING, s, (int)m,
				    xasprintf("%s shares group %d and is bound to %s, which uses the kernel's DMA API: the "
					      "group is not viable while it is",
					      md->bdf, g->id, md->driver),
				    is_bridge(md) ? xstrdup("unbind it (a bridge cannot be bound to vfio-pci)")
						  : xstrdup("bind it to vfio-pci too (the steps below)"));
			if (is_bridge(md)) {
				add_step(c, (int)m, "release the bridge from its driver",
					 xasprintf("echo %s > /sys/bus/pci/devices/%s/driver/unbind", md->bdf, md->bdf));
				continue;
			}
			if (steps_disable_vfs(md)) {
				add_finding(c, "pf_with_vfs", SEV_WARNING, s, (int)m,
					    xasprintf("%s has %d SR-IOV VFs enabled and vfio-pci refuses such a PF: they are "
						      "disabled first, which removes them",
						      md->bdf, md->sriov_numvfs),
					    NULL);
				add_step(c, (int)m, "disable its VFs (vfio-pci refuses a PF with VFs)",
					 xasprintf("echo 0 > /sys/bus/pci/devices/%s/sriov_numvfs", md->bdf));
			}
			rebind_steps(c, s, m);
		}
		if (g->type && !strcmp(g->type, "identity"))
			add_finding(c, "identity_domain", SEV_INFO, s, -1,
				    xasprintf("group %d's default domain is identity (pass-through): the host's DMA through it is "
					      "not translated, but VFIO still isolates the device once it owns the group",
					      g->id),
				    NULL);
		check_interrupts(c, s, st);
		check_sriov_conflicts(c, s, req);
	}
	if (d->boot_vga == 1 && vfio_driver_managed_dma(d->driver))
		add_finding(c, "boot_vga", SEV_WARNING, s, (int)dev,
			    xasprintf("%s is the boot display: the firmware's console may still use it", d->bdf),
			    xstrdup("add video=efifb:off to the kernel command line and load vfio-pci with disable_vga=1"));
	check_reset(c, s, tree);

	/* vfio-pci must be there before anything binds to it */
	if (c->nsteps && !s->host.params.vfio_pci_loaded) {
		c->steps = xrealloc(c->steps, (c->nsteps + 1) * sizeof(*c->steps));
		memmove(c->steps + 1, c->steps, c->nsteps * sizeof(*c->steps));
		c->steps[0].command = xstrdup("modprobe vfio-pci");
		c->steps[0].subject = -1;
		c->steps[0].purpose = xstrdup("load vfio-pci");
		c->nsteps++;
	}

	c->verdict = VFIO_VIABLE;
	c->blocked_by_unknowns = true;
	for (size_t i = 0; i < c->nfindings; i++)
		if (c->findings[i].severity == SEV_ERROR) {
			size_t n = strlen(c->findings[i].code);
			c->verdict = VFIO_NOT_VIABLE;
			c->blocked_by_unknowns = c->blocked_by_unknowns && n > 8 &&
						 !strcmp(c->findings[i].code + n - 8, "_unknown");
		}
	if (c->verdict != VFIO_NOT_VIABLE)
		c->blocked_by_unknowns = false;
	if (c->verdict == VFIO_VIABLE && c->nsteps)
		c->verdict = VFIO_AFTER_STEPS;
	if (c->verdict == VFIO_NOT_VIABLE) {
		/* no steps when they cannot lead anywhere */
		for (size_t i = 0; i < c->nsteps; i++) {
			free(c->steps[i].command);
			free(c->steps[i].purpose);
		}
		c->nsteps = 0;
		strvec_release(&c->persistent);
	}
}

void vfio_check_release(struct vfio_check *c)
{
	for (size_t i = 0; i < c->nfindings; i++)
		finding_release(&c->findings[i]);
	free(c->findings);
	for (size_t i = 0; i < c->nsteps; i++) {
		free(c->steps[i].command);
		free(c->steps[i].purpose);
	}
	free(c->steps);
	strvec_release(&c->persistent);
	free(c->bus_reset_also);
	memset(c, 0, sizeof(*c));
}
