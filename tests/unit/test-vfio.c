/* test-vfio.c - vfio_check_device() over snapshots built in memory: one
 * case or more for every finding it can make (code, severity, subject),
 * the verdict and group viability that follow, the steps in their order,
 * the driverctl lines, and what a bus reset also resets. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"
#include "vfio.h"

#include "snap.h"

/* ---- snapshots in memory (snap.h), and what only check-vfio needs --------------------- */

static void set_reset(struct snapshot *s, size_t i, const char *methods)
{
	free(s->dev[i].reset_method);
	s->dev[i].reset_method = methods ? strdup(methods) : NULL;
}

static void add_use(struct snapshot *s, size_t dev, const char *what, const char *kind)
{
	s->host.uses = realloc(s->host.uses, (s->host.nuses + 1) * sizeof(*s->host.uses));
	s->host.uses[s->host.nuses].dev = dev;
	s->host.uses[s->host.nuses].what = strdup(what);
	s->host.uses[s->host.nuses].kind = strdup(kind);
	s->host.nuses++;
}

/* vfio_check_device over S's PCI tree, as part of REQ. */
static void check_in(const struct snapshot *s, const struct iommu_presence *p, const struct status_report *st,
		     const struct vfio_request *req, size_t dev, struct vfio_check *c)
{
	struct pci_tree t;
	pci_tree_build(s, &t);
	vfio_check_device(s, p, st, &t, req, dev, c);
	pci_tree_release(&t);
}

/* What check-vfio does for one device. */
static void run(struct snapshot *s, size_t dev, struct vfio_check *c)
{
	struct iommu_presence p;
	struct status_report st;
	finish(s);
	iommu_presence_analyse(s, &p);
	status_analyse(s, &st);
	check_in(s, &p, &st, NULL, dev, c);
	status_report_release(&st);
	iommu_presence_release(&p);
}

/* ---- assertions ------------------------------------------------------------------ */

static void assert_contains(const char *text, const char *part)
{
	if (!text || !strstr(text, part))
		fail_msg("'%s' does not contain '%s'", text ? text : "(null)", part);
}

static void assert_lacks(const char *text, const char *part)
{
	if (text && strstr(text, part))
		fail_msg("'%s' contains '%s'", text, part);
}

static size_t count_code(const struct vfio_check *c, const char *code)
{
	size_t n = 0;
	for (size_t i = 0; i < c->nfindings; i++)
		n += !strcmp(c->findings[i].code, code);
	return n;
}

static size_t count_severity(const struct vfio_check *c, enum severity sev)
{
	size_t n = 0;
	for (size_t i = 0; i < c->nfindings; i++)
		n += c->findings[i].severity == sev;
	return n;
}

/* The one finding CODE, of severity SEV, about SUBJECT (NULL: none). */
static const struct finding *finding(const struct vfio_check *c, const char *code, enum severity sev,
				     const char *subject)
{
	const struct finding *f = NULL;
	for (size_t i = 0; i < c->nfindings; i++)
		if (!strcmp(c->findings[i].code, code)) {
			if (f)
				fail_msg("finding %s twice", code);
			f = &c->findings[i];
		}
	if (!f)
		fail_msg("no finding %s", code);
	assert_int_equal(f->severity, sev);
	if (subject)
		assert_string_equal(f->subject, subject);
	else
		assert_null(f->subject);
	assert_non_null(f->message);
	return f;
}

static void assert_no_finding(const struct vfio_check *c, const char *code)
{
	if (count_code(c, code))
		fail_msg("unexpected finding %s", code);
}

/* The steps are exactly CMDS (NULL-terminated), in this order. */
static void assert_steps(const struct vfio_check *c, const char *const *cmds)
{
	size_t n = 0;
	for (; cmds[n]; n++) {
		if (n >= c->nsteps)
			fail_msg("step %zu missing: %s", n, cmds[n]);
		assert_string_equal(c->steps[n].command, cmds[n]);
		assert_non_null(c->steps[n].purpose);
	}
	assert_int_equal(c->nsteps, n);
}

static void assert_persistent(const struct vfio_check *c, const char *const *lines)
{
	size_t n = 0;
	for (; lines[n]; n++) {
		if (n >= c->persistent.n)
			fail_msg("driverctl line %zu missing: %s", n, lines[n]);
		assert_string_equal(c->persistent.v[n], lines[n]);
	}
	assert_int_equal(c->persistent.n, n);
}

static void assert_no_steps(const struct vfio_check *c)
{
	assert_int_equal(c->nsteps, 0);
	assert_int_equal(c->persistent.n, 0);
}

/* ---- a device ready for VFIO ---------------------------------------------------- */

/* Intel, 6.8: root port 00:01.0 (pcieport, group 0), 01:00.0 below it bound
 * to vfio-pci alone in DMA group 1, interrupt remapping on, FLR. */
static size_t ready_host(struct snapshot *s, enum vendor v, int major, int minor)
{
	size_t d;
	host(s, v, major, minor);
	add_group(s, 0, "DMA-FQ");
	add_group(s, 1, "DMA");
	add_dev(s, "0000:00:01.0", 0x8086, 0x1901, 1, "pcieport", 0, -1);
	d = add_dev(s, "0000:01:00.0", 0x10de, 0x1eb8, 0, "vfio-pci", 1, 0);
	set_reset(s, d, "flr bus");
	return d;
}

static void clean_viable(void **state)
{
	struct snapshot s;
	struct vfio_check c;
	size_t d;
	(void)state;
	d = ready_host(&s, INTEL, 6, 8);
	run(&s, d, &c);
	assert_int_equal(c.dev, d);
	assert_int_equal(c.group, 1);
	assert_int_equal(c.verdict, VFIO_VIABLE);
	assert_string_equal(vfio_verdict_id(c.verdict), "viable");
	assert_true(c.group_viable);
	assert_int_equal(count_severity(&c, SEV_ERROR), 0);
	assert_int_equal(c.nfindings, 0);
	assert_no_steps(&c);
	assert_true(c.flr_known);
	assert_true(c.flr);
	assert_string_equal(c.reset_method, "flr bus");
	assert_true(c.bus_reset_known);
	assert_int_equal(c.nbus_reset_also, 0);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* a VFIO variant driver is VFIO too */
	d = ready_host(&s, INTEL, 6, 8);
	s.dev[d].driver = driver_name(&s, "mlx5_vfio_pci");
	run(&s, d, &c);
	assert_int_equal(c.verdict, VFIO_VIABLE);
	assert_true(c.group_viable);
	assert_int_equal(c.nfindings, 0);
	assert_no_steps(&c);
	vfio_check_release(&c);
	snapshot_release(&s);
}

static void driver_managed_dma(void **state)
{
	(void)state;
	assert_true(vfio_driver_managed_dma(NULL));
	assert_true(vfio_driver_managed_dma("vfio-pci"));
	assert_true(vfio_driver_managed_dma("mlx5_vfio_pci"));
	assert_true(vfio_driver_managed_dma("pci-stub"));
	assert_true(vfio_driver_managed_dma("pcieport"));
	assert_false(vfio_driver_managed_dma("shpchp"));
	assert_false(vfio_driver_managed_dma("snd_hda_intel"));
	assert_string_equal(vfio_verdict_id(VFIO_AFTER_STEPS), "viable_after_steps");
	assert_string_equal(vfio_verdict_id(VFIO_NOT_VIABLE), "not_viable");
}

/* ---- no IOMMU, no group ----------------------------------------------------------- */

/* No unit, no group; the firmware has TABLE (NULL: none); CMDLINE. */
static size_t no_iommu_host(struct snapshot *s, const char *table, const char *cmdline)
{
	host(s, NONE, 6, 8);
	free(s->cmdline);
	s->cmdline = strdup(cmdline);
	s->host.ir_active = 0;
	if (table)
		strvec_push(&s->fw_tables, table);
	add_dev(s, "0000:00:1f.0", 0x8086, 0xa2c8, 0, "lpc_ich", -1, -1);
	return add_dev(s, "0000:01:00.0", 0x8086, 0x10d3, 0, "e1000e", -1, -1);
}

static void no_iommu(void **state)
{
	struct snapshot s;
	struct vfio_check c;
	const struct finding *f;
	size_t d;
	(void)state;

	/* Intel firmware, nothing on the command line: add intel_iommu=on */
	d = no_iommu_host(&s, "DMAR", "quiet");
	run(&s, d, &c);
	f = finding(&c, "no_iommu", SEV_ERROR, "0000:01:00.0");
	assert_contains(f->message, "VFIO cannot assign 0000:01:00.0 without an IOMMU to isolate it.");
	assert_contains(f->message, "No IOMMU is active");
	assert_contains(f->message, "Intel VT-d (DMAR)");
	assert_contains(f->remedy, "add intel_iommu=on to the kernel command line");
	assert_lacks(f->remedy, "amd_iommu");
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	assert_false(c.group_viable);
	assert_int_equal(c.group, -1);
	/* nothing past the IOMMU: no rebinding, no group */
	assert_no_finding(&c, "not_bound_to_vfio");
	assert_no_finding(&c, "no_group");
	assert_no_finding(&c, "noiommu_mode");
	assert_no_steps(&c);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* intel_iommu=off: replace it */
	d = no_iommu_host(&s, "DMAR", "quiet intel_iommu=off");
	run(&s, d, &c);
	f = finding(&c, "no_iommu", SEV_ERROR, "0000:01:00.0");
	assert_string_equal(f->remedy, "replace intel_iommu=off with intel_iommu=on on the kernel command line");
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* AMD firmware: AMD-Vi needs no option; never "add amd_iommu=on" */
	d = no_iommu_host(&s, "IVRS", "quiet");
	run(&s, d, &c);
	f = finding(&c, "no_iommu", SEV_ERROR, "0000:01:00.0");
	assert_contains(f->message, "AMD-Vi (IVRS)");
	assert_contains(f->remedy, "AMD-Vi");
	assert_lacks(f->remedy, "amd_iommu=on");
	assert_lacks(f->remedy, "intel_iommu");
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	assert_no_steps(&c);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* amd_iommu=off: remove it, and say that amd_iommu=on is no option */
	d = no_iommu_host(&s, "IVRS", "amd_iommu=off");
	run(&s, d, &c);
	f = finding(&c, "no_iommu", SEV_ERROR, "0000:01:00.0");
	assert_contains(f->remedy, "remove amd_iommu=off from the kernel command line");
	assert_contains(f->remedy, "amd_iommu=on is not a kernel option");
	assert_lacks(f->remedy, "add amd_iommu=on");
	assert_lacks(f->remedy, "with amd_iommu=on");
	assert_lacks(f->remedy, "intel_iommu");
	vfio_check_release(&c);
	snapshot_release(&s);

	/* amd_iommu=on already given (a common mistake): still no advice to add it */
	d = no_iommu_host(&s, "IVRS", "amd_iommu=on");
	run(&s, d, &c);
	f = finding(&c, "no_iommu", SEV_ERROR, "0000:01:00.0");
	assert_lacks(f->remedy, "add amd_iommu=on");
	assert_lacks(f->remedy, "intel_iommu");
	vfio_check_release(&c);
	snapshot_release(&s);

	/* no table at all: the firmware setup */
	d = no_iommu_host(&s, NULL, "quiet");
	run(&s, d, &c);
	f = finding(&c, "no_iommu", SEV_ERROR, "0000:01:00.0");
	assert_contains(f->remedy, "firmware setup");
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	vfio_check_release(&c);
	snapshot_release(&s);
}

/* VFIO's no-IOMMU mode gave 01:00.0 (bound to vfio-pci) a vfio-noiommu
 * group: still no IOMMU. */
static void noiommu_mode(void **state)
{
	struct snapshot s;
	struct vfio_check c;
	const struct finding *f;
	size_t d;
	(void)state;
	d = no_iommu_host(&s, NULL, "vfio.enable_unsafe_noiommu_mode=1");
	add_group(&s, 0, "unknown");
	group(&s, 0)->name = strdup("vfio-noiommu");
	s.dev[d].group = 0;
	s.dev[d].driver = driver_name(&s, "vfio-pci");
	s.host.params.noiommu_mode = 1;
	s.host.vfio.noiommu_groups = calloc(1, sizeof(int));
	s.host.vfio.nnoiommu = 1;
	run(&s, d, &c);
	f = finding(&c, "no_iommu", SEV_ERROR, "0000:01:00.0");
	assert_contains(f->message, "VFIO no-IOMMU group");
	f = finding(&c, "noiommu_mode", SEV_INFO, NULL);
	assert_contains(f->message, "no-IOMMU mode is on");
	assert_contains(f->message, "cannot be used to assign it to a VM");
	assert_null(f->remedy);
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	assert_int_equal(c.group, 0);
	assert_true(c.group_viable); /* vfio-pci only: the kernel would call it viable */
	assert_no_steps(&c);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* the parameter unreadable, but a noiommu node exists */
	d = no_iommu_host(&s, NULL, "quiet");
	s.host.params.noiommu_mode = -1;
	s.host.vfio.noiommu_groups = calloc(1, sizeof(int));
	s.host.vfio.nnoiommu = 1;
	run(&s, d, &c);
	finding(&c, "noiommu_mode", SEV_INFO, NULL);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* the parameter on, no group made yet */
	d = no_iommu_host(&s, NULL, "quiet");
	s.host.params.noiommu_mode = 1;
	run(&s, d, &c);
	finding(&c, "noiommu_mode", SEV_INFO, NULL);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* an IOMMU translates for the others, but this device was outside
	 * every unit's scope and no-IOMMU mode gave it a fake group: that
	 * isolates nothing either */
	host(&s, INTEL, 6, 8);
	add_group(&s, 0, "DMA-FQ");
	add_group(&s, 1, "unknown");
	group(&s, 1)->name = strdup("vfio-noiommu");
	s.host.params.noiommu_mode = 1;
	s.host.vfio.noiommu_groups = calloc(1, sizeof(int));
	s.host.vfio.noiommu_groups[0] = 1;
	s.host.vfio.nnoiommu = 1;
	add_dev(&s, "0000:00:01.0", 0x8086, 0x1901, 1, "pcieport", 0, -1);
	d = add_dev(&s, "0000:00:02.0", 0x8086, 0x3e92, 0, "vfio-pci", 1, -1);
	run(&s, d, &c);
	f = finding(&c, "no_group", SEV_ERROR, "0000:00:02.0");
	assert_string_equal(f->message, "0000:00:02.0 is in no real IOMMU group: no IOMMU unit translates its DMA; "
					"group 1 is VFIO's no-IOMMU group, which isolates nothing");
	finding(&c, "noiommu_mode", SEV_INFO, NULL);
	assert_no_finding(&c, "no_iommu");
	assert_int_equal(c.group, 1);
	assert_true(c.group_viable);
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	assert_no_steps(&c);
	vfio_check_release(&c);
	snapshot_release(&s);
}

static void no_group(void **state)
{
	struct snapshot s;
	struct vfio_check c;
	const struct finding *f;
	size_t d;
	(void)state;
	host(&s, INTEL, 6, 8);
	s.host.params.vfio_pci_loaded = false;
	add_group(&s, 0, "DMA-FQ");
	add_dev(&s, "0000:00:01.0", 0x8086, 0x1901, 1, "pcieport", 0, -1);
	d = add_dev(&s, "0000:00:02.0", 0x8086, 0x3e92, 0, "i915", -1, -1);
	run(&s, d, &c);
	f = finding(&c, "no_group", SEV_ERROR, "0000:00:02.0");
	assert_contains(f->message, "0000:00:02.0 is in no IOMMU group");
	assert_contains(f->remedy, "in a unit's scope");
	assert_int_equal(c.group, -1);
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	assert_false(c.group_viable);
	assert_no_finding(&c, "no_iommu");
	assert_no_finding(&c, "not_bound_to_vfio");
	assert_no_finding(&c, "noiommu_mode");
	assert_no_steps(&c);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* a group id the snapshot does not hold is no group either */
	host(&s, INTEL, 6, 8);
	add_group(&s, 0, "DMA-FQ");
	d = add_dev(&s, "0000:00:02.0", 0x8086, 0x3e92, 0, NULL, 9, -1);
	run(&s, d, &c);
	finding(&c, "no_group", SEV_ERROR, "0000:00:02.0");
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	assert_no_steps(&c);
	vfio_check_release(&c);
	snapshot_release(&s);
}

static void bridge(void **state)
{
	struct snapshot s;
	struct vfio_check c;
	const struct finding *f;
	size_t d;
	(void)state;
	/* a root port with the id of a denylisted QAT part: only "bridge" */
	host(&s, INTEL, 6, 8);
	s.host.params.vfio_pci_loaded = false;
	add_group(&s, 0, "DMA");
	d = add_dev(&s, "0000:00:01.0", 0x8086, 0x37c8, 1, "pcieport", 0, -1);
	run(&s, d, &c);
	f = finding(&c, "bridge", SEV_ERROR, "0000:00:01.0");
	assert_contains(f->message, "0000:00:01.0 is a bridge");
	assert_contains(f->remedy, "the devices below it");
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	assert_int_equal(c.group, 0);
	/* its group is viable (pcieport manages its own DMA) */
	assert_true(c.group_viable);
	assert_no_finding(&c, "denylisted");
	assert_no_finding(&c, "not_bound_to_vfio");
	assert_no_steps(&c);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* a CardBus bridge (header type 2) too */
	host(&s, INTEL, 6, 8);
	add_group(&s, 0, "DMA");
	d = add_dev(&s, "0000:00:1e.0", 0x1180, 0x0476, 2, "yenta_cardbus", 0, -1);
	run(&s, d, &c);
	finding(&c, "bridge", SEV_ERROR, "0000:00:1e.0");
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	assert_false(c.group_viable); /* yenta_cardbus uses the DMA API */
	assert_no_steps(&c);
	vfio_check_release(&c);
	snapshot_release(&s);
}

static void kernel_release_unknown(void **state)
{
	struct snapshot s;
	struct vfio_check c;
	const struct finding *f;
	size_t d;
	(void)state;
	d = ready_host(&s, INTEL, 0, 0);
	run(&s, d, &c);
	f = finding(&c, "kernel_release_unknown", SEV_INFO, NULL);
	assert_contains(f->message, "5.19 and later are assumed");
	assert_null(f->remedy);
	assert_int_equal(c.nfindings, 1);
	assert_int_equal(c.verdict, VFIO_VIABLE);
	assert_true(c.group_viable);
	assert_no_steps(&c);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* 5.19 rules assumed: a bridge in the group bound to shpchp breaks it */
	d = ready_host(&s, INTEL, 0, 0);
	s.dev[0].group = 1;
	s.dev[0].driver = driver_name(&s, "shpchp");
	run(&s, d, &c);
	finding(&c, "kernel_release_unknown", SEV_INFO, NULL);
	finding(&c, "member_bound", SEV_WARNING, "0000:00:01.0");
	assert_false(c.group_viable);
	assert_int_equal(c.verdict, VFIO_AFTER_STEPS);
	vfio_check_release(&c);
	snapshot_release(&s);
}

/* ---- the denylist ------------------------------------------------------------------ */

/* Intel 0x8086:DEVICE alone in group 1 on a root bus, bound to its driver. */
static size_t accel_host(struct snapshot *s, uint16_t device, int major, int minor)
{
	host(s, INTEL, major, minor);
	add_group(s, 1, "DMA");
	return add_dev(s, "0000:6a:01.0", 0x8086, device, 0, "qat", 1, -1);
}

static const char *const accel_steps[] = {
	"echo vfio-pci > /sys/bus/pci/devices/0000:6a:01.0/driver_override",
	"echo 0000:6a:01.0 > /sys/bus/pci/devices/0000:6a:01.0/driver/unbind",
	"echo 0000:6a:01.0 > /sys/bus/pci/drivers_probe",
	NULL,
};
static const char *const accel_persistent[] = {"driverctl set-override 0000:6a:01.0 vfio-pci", NULL};

static void denylisted(void **state)
{
	static const uint16_t qat[] = {0x0435, 0x0443, 0x19e2, 0x19e3, 0x37c8, 0x37c9};
	struct snapshot s;
	struct vfio_check c;
	const struct finding *f;
	size_t d;
	(void)state;

	/* every QAT id on a 5.9+ kernel: refused, not viable, no steps */
	for (size_t i = 0; i < ARRAY_SIZE(qat); i++) {
		d = accel_host(&s, qat[i], 6, 8);
		run(&s, d, &c);
		f = finding(&c, "denylisted", SEV_ERROR, "0000:6a:01.0");
		assert_contains(f->message, "is on vfio-pci's denylist");
		assert_contains(f->message, "vfio-pci refuses to bind it");
		assert_contains(f->remedy, "disable_denylist=1");
		assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
		assert_false(c.group_viable);
		finding(&c, "not_bound_to_vfio", SEV_INFO, "0000:6a:01.0");
		assert_no_steps(&c);
		vfio_check_release(&c);
		snapshot_release(&s);
	}
	d = accel_host(&s, 0x37c8, 5, 9);
	run(&s, d, &c);
	f = finding(&c, "denylisted", SEV_ERROR, "0000:6a:01.0");
	assert_contains(f->message, "8086:37c8 is on vfio-pci's denylist");
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* before 5.9 the kernel still binds it: a warning, the steps stand */
	d = accel_host(&s, 0x37c8, 5, 8);
	run(&s, d, &c);
	f = finding(&c, "denylisted", SEV_WARNING, "0000:6a:01.0");
	assert_contains(f->message, "8086:37c8 is on the vfio-pci denylist of Linux 5.9 and later");
	assert_contains(f->message, "this kernel still binds it");
	assert_int_equal(c.verdict, VFIO_AFTER_STEPS);
	assert_false(c.group_viable);
	assert_steps(&c, accel_steps);
	assert_persistent(&c, accel_persistent);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* the release unknown: the newest rules */
	d = accel_host(&s, 0x19e2, 0, 0);
	run(&s, d, &c);
	finding(&c, "denylisted", SEV_ERROR, "0000:6a:01.0");
	finding(&c, "kernel_release_unknown", SEV_INFO, NULL);
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* vfio_pci.disable_denylist=1: no finding, the steps stand */
	d = accel_host(&s, 0x37c8, 6, 8);
	s.host.params.vfio_pci_disable_denylist = 1;
	run(&s, d, &c);
	assert_no_finding(&c, "denylisted");
	assert_int_equal(c.verdict, VFIO_AFTER_STEPS);
	assert_false(c.group_viable);
	assert_steps(&c, accel_steps);
	assert_persistent(&c, accel_persistent);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* disable_denylist unknown (vfio_pci not loaded): the default, on */
	d = accel_host(&s, 0x37c8, 6, 8);
	s.host.params.vfio_pci_loaded = false;
	s.host.params.vfio_pci_disable_denylist = -1;
	run(&s, d, &c);
	finding(&c, "denylisted", SEV_ERROR, "0000:6a:01.0");
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	assert_no_steps(&c);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* DSA and IAX of Sapphire Rapids: on the list from 6.9 */
	d = accel_host(&s, 0x0b25, 6, 8);
	run(&s, d, &c);
	f = finding(&c, "denylisted", SEV_WARNING, "0000:6a:01.0");
	assert_contains(f->message, "8086:0b25 is on the vfio-pci denylist of Linux 6.9 and later");
	assert_int_equal(c.verdict, VFIO_AFTER_STEPS);
	assert_steps(&c, accel_steps);
	vfio_check_release(&c);
	snapshot_release(&s);
	d = accel_host(&s, 0x0b25, 6, 9);
	run(&s, d, &c);
	finding(&c, "denylisted", SEV_ERROR, "0000:6a:01.0");
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	assert_no_steps(&c);
	vfio_check_release(&c);
	snapshot_release(&s);
	d = accel_host(&s, 0x0cfe, 6, 8);
	run(&s, d, &c);
	f = finding(&c, "denylisted", SEV_WARNING, "0000:6a:01.0");
	assert_contains(f->message, "8086:0cfe is on the vfio-pci denylist of Linux 6.9 and later");
	vfio_check_release(&c);
	snapshot_release(&s);
	d = accel_host(&s, 0x0cfe, 6, 12);
	run(&s, d, &c);
	finding(&c, "denylisted", SEV_ERROR, "0000:6a:01.0");
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	vfio_check_release(&c);
	snapshot_release(&s);
	/* 5.9 has QAT but not DSA */
	d = accel_host(&s, 0x0b25, 5, 10);
	run(&s, d, &c);
	finding(&c, "denylisted", SEV_WARNING, "0000:6a:01.0");
	vfio_check_release(&c);
	snapshot_release(&s);

	/* the same device id from another vendor, an Intel id not listed */
	d = accel_host(&s, 0x37c8, 6, 8);
	s.dev[d].ident.vendor_id = 0x1af4;
	run(&s, d, &c);
	assert_no_finding(&c, "denylisted");
	assert_int_equal(c.verdict, VFIO_AFTER_STEPS);
	vfio_check_release(&c);
	snapshot_release(&s);
	d = accel_host(&s, 0x4940, 6, 8); /* QAT 4xxx: not on the list */
	run(&s, d, &c);
	assert_no_finding(&c, "denylisted");
	vfio_check_release(&c);
	snapshot_release(&s);
	/* identity unknown: nothing to match */
	d = accel_host(&s, 0x37c8, 6, 8);
	s.dev[d].ident_known = false;
	run(&s, d, &c);
	assert_no_finding(&c, "denylisted");
	vfio_check_release(&c);
	snapshot_release(&s);
}

/* ---- firmware direct (RMRR/IVMD) regions ----------------------------------------- */

static void direct_region(void **state)
{
	struct snapshot s;
	struct vfio_check c;
	const struct finding *f;
	size_t d;
	(void)state;

	/* regions not all read: a direct one cannot be ruled out, so no
	 * better than with one */
	d = ready_host(&s, INTEL, 6, 8);
	add_resv(&s, 1, 0xfee00000, 0xfeefffff, "msi");
	group(&s, 1)->resv_known = false;
	run(&s, d, &c);
	f = finding(&c, "reserved_regions_unknown", SEV_ERROR, "0000:01:00.0");
	assert_contains(f->message, "cannot be ruled out");
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	assert_true(c.blocked_by_unknowns);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* Intel before 6.6: the RMRR blocks it */
	d = ready_host(&s, INTEL, 6, 5);
	add_resv(&s, 1, 0xfee00000, 0xfeefffff, "msi");
	add_resv(&s, 1, 0x7b800000, 0x7fffffff, "direct");
	run(&s, d, &c);
	f = finding(&c, "direct_region", SEV_ERROR, "0000:01:00.0");
	assert_contains(f->message, "0x7b800000-0x7fffffff for group 1");
	assert_contains(f->message, "Intel refuses it before Linux 6.6");
	assert_non_null(f->remedy);
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	assert_true(c.group_viable); /* nothing bound to a DMA-API driver */
	assert_no_steps(&c);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* the same on a device still to rebind: no steps when not viable */
	d = ready_host(&s, INTEL, 6, 1);
	s.dev[d].driver = driver_name(&s, "nouveau");
	add_resv(&s, 1, 0x7b800000, 0x7fffffff, "direct");
	run(&s, d, &c);
	finding(&c, "direct_region", SEV_ERROR, "0000:01:00.0");
	finding(&c, "not_bound_to_vfio", SEV_INFO, "0000:01:00.0");
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	assert_false(c.group_viable);
	assert_no_steps(&c);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* AMD before 6.6: still assignable, but not after an upgrade */
	d = ready_host(&s, AMD, 6, 5);
	add_resv(&s, 1, 0x9d000000, 0x9d0fffff, "direct");
	run(&s, d, &c);
	f = finding(&c, "direct_region", SEV_WARNING, "0000:01:00.0");
	assert_contains(f->message, "0x9d000000-0x9d0fffff");
	assert_contains(f->message, "this kernel (before 6.6) still lets VFIO take the device");
	assert_int_equal(c.verdict, VFIO_VIABLE);
	assert_true(c.group_viable);
	assert_no_steps(&c);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* AMD from 6.6: refused */
	d = ready_host(&s, AMD, 6, 6);
	add_resv(&s, 1, 0x9d000000, 0x9d0fffff, "direct");
	run(&s, d, &c);
	f = finding(&c, "direct_region", SEV_ERROR, "0000:01:00.0");
	assert_contains(f->message, "Linux 6.6 and later refuse it for every vendor");
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* release unknown: the 6.6 rule */
	d = ready_host(&s, AMD, 0, 0);
	add_resv(&s, 1, 0x9d000000, 0x9d0fffff, "direct");
	run(&s, d, &c);
	finding(&c, "direct_region", SEV_ERROR, "0000:01:00.0");
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* direct-relaxable (USB, graphics), reserved and msi: fine */
	d = ready_host(&s, INTEL, 6, 8);
	add_resv(&s, 1, 0x0, 0xfff, "reserved");
	add_resv(&s, 1, 0x7b800000, 0x7fffffff, "direct-relaxable");
	add_resv(&s, 1, 0xfee00000, 0xfeefffff, "msi");
	run(&s, d, &c);
	assert_no_finding(&c, "direct_region");
	assert_int_equal(c.verdict, VFIO_VIABLE);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* two direct regions: one finding */
	d = ready_host(&s, INTEL, 6, 8);
	add_resv(&s, 1, 0x1000, 0x1fff, "direct");
	add_resv(&s, 1, 0x3000, 0x3fff, "direct");
	run(&s, d, &c);
	f = finding(&c, "direct_region", SEV_ERROR, "0000:01:00.0");
	assert_contains(f->message, "0x1000-0x1fff");
	vfio_check_release(&c);
	snapshot_release(&s);
}

/* ---- the host's own devices ------------------------------------------------------- */

static void host_critical(void **state)
{
	struct snapshot s;
	struct vfio_check c;
	const struct finding *f;
	size_t d;
	(void)state;
	d = ready_host(&s, INTEL, 6, 8);
	s.dev[d].driver = driver_name(&s, "nvme");
	add_use(&s, d, "/ (ext4 on /dev/nvme0n1p2)", "root_storage");
	run(&s, d, &c);
	f = finding(&c, "host_critical", SEV_ERROR, "0000:01:00.0");
	assert_string_equal(f->message, "the host needs 0000:01:00.0: it holds / (ext4 on /dev/nvme0n1p2)");
	assert_non_null(f->remedy);
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	assert_false(c.group_viable);
	assert_no_finding(&c, "not_bound_to_vfio");
	assert_no_steps(&c);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* the boot display while a host driver has it */
	d = ready_host(&s, INTEL, 6, 8);
	s.dev[d].driver = driver_name(&s, "amdgpu");
	s.dev[d].ident.class_code = 0x030000;
	s.dev[d].boot_vga = 1;
	run(&s, d, &c);
	f = finding(&c, "host_critical", SEV_ERROR, "0000:01:00.0");
	assert_contains(f->message, "it is the boot display and amdgpu drives it");
	assert_no_finding(&c, "boot_vga");
	assert_no_finding(&c, "not_bound_to_vfio");
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	assert_no_steps(&c);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* the default route through a NIC that is not the device: no matter */
	d = ready_host(&s, INTEL, 6, 8);
	add_use(&s, 0, "the default route (eth0)", "default_route");
	run(&s, d, &c);
	assert_no_finding(&c, "host_critical");
	assert_int_equal(c.verdict, VFIO_VIABLE);
	vfio_check_release(&c);
	snapshot_release(&s);
}

/* Whether the host needs a device cannot be known: a mount table or a route
 * table that could not be read (host_add_gap, as the loader records it). */
static void host_use_unknown(void **state)
{
	static const char *const steps[] = {
		"echo vfio-pci > /sys/bus/pci/devices/0000:01:00.0/driver_override",
		"echo 0000:01:00.0 > /sys/bus/pci/devices/0000:01:00.0/driver/unbind",
		"echo 0000:01:00.0 > /sys/bus/pci/drivers_probe",
		NULL,
	};
	struct vfio_request accept = {.accept_unknown_host_use = true};
	struct snapshot s;
	struct vfio_check c;
	const struct finding *f;
	struct iommu_presence p;
	struct status_report st;
	size_t d;
	(void)state;
	d = ready_host(&s, INTEL, 6, 8);
	s.dev[d].driver = driver_name(&s, "nvme");
	host_add_gap(&s.host, "root_storage", "proc/self/mountinfo", -ENOENT, NULL);
	host_add_gap(&s.host, "root_storage", "proc/self/mounts", -EACCES, NULL);
	run(&s, d, &c);
	f = finding(&c, "host_use_unknown", SEV_ERROR, "0000:01:00.0");
	assert_string_equal(f->message, "whether the host needs 0000:01:00.0 (bound to nvme) is unknown: "
					"/proc/self/mountinfo cannot be read (No such file or directory); "
					"/proc/self/mounts cannot be read (Permission denied); it may hold /, /boot or /usr");
	assert_contains(f->remedy, "--accept-unknown-host-use");
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	assert_true(c.blocked_by_unknowns);
	assert_no_steps(&c);
	vfio_check_release(&c);

	/* the user accepts the risk: a warning, and the steps */
	iommu_presence_analyse(&s, &p);
	status_analyse(&s, &st);
	check_in(&s, &p, &st, &accept, d, &c);
	f = finding(&c, "host_use_unknown", SEV_WARNING, "0000:01:00.0");
	assert_contains(f->message, "you accepted the risk with --accept-unknown-host-use");
	assert_int_equal(c.verdict, VFIO_AFTER_STEPS);
	assert_false(c.blocked_by_unknowns);
	assert_steps(&c, steps);
	vfio_check_release(&c);
	status_report_release(&st);
	iommu_presence_release(&p);
	snapshot_release(&s);

	/* a route that could not be traced, on a group member: blocking too */
	d = ready_host(&s, INTEL, 6, 8);
	add_dev(&s, "0000:01:00.1", 0x10de, 0x10f0, 0, "e1000e", 1, 0);
	host_add_gap(&s.host, "default_route", "sys/class/net/eth0", -ENOENT, "the default route (eth0)");
	run(&s, d, &c);
	f = finding(&c, "host_use_unknown", SEV_ERROR, "0000:01:00.1");
	assert_contains(f->message, "/sys/class/net/eth0 cannot be read (No such file or directory) for the default "
				    "route (eth0); it may carry the default route");
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* a file system no device can be traced to (nfs, zfs, overlay) */
	d = ready_host(&s, INTEL, 6, 8);
	s.dev[d].driver = driver_name(&s, "ixgbe");
	host_add_gap(&s.host, "root_storage", "proc/self/mountinfo", 0, "/ (nfs4 on srv:/export)");
	run(&s, d, &c);
	f = finding(&c, "host_use_unknown", SEV_ERROR, "0000:01:00.0");
	assert_contains(f->message, "/ (nfs4 on srv:/export) is on no block device iommuctl can trace");
	vfio_check_release(&c);
	snapshot_release(&s);

	/* gaps say nothing of a device no host driver holds */
	d = ready_host(&s, INTEL, 6, 8);
	s.dev[d].driver = NULL;
	host_add_gap(&s.host, "root_storage", "proc/self/mountinfo", -ENOENT, NULL);
	run(&s, d, &c);
	assert_no_finding(&c, "host_use_unknown");
	assert_int_equal(c.verdict, VFIO_AFTER_STEPS);
	vfio_check_release(&c);
	snapshot_release(&s);
}

/* The configuration header could not be read (uevent gave the ids): whether
 * vfio-pci can bind the function is unknown, unless its class says bridge. */
static void header_unknown(void **state)
{
	struct snapshot s;
	struct vfio_check c;
	const struct finding *f;
	size_t d;
	(void)state;
	d = ready_host(&s, INTEL, 6, 8);
	s.dev[d].header_known = s.dev[d].class_known = false;
	s.dev[d].driver = driver_name(&s, "nvme");
	run(&s, d, &c);
	f = finding(&c, "header_unknown", SEV_ERROR, "0000:01:00.0");
	assert_contains(f->message, "/sys/bus/pci/devices/0000:01:00.0/config");
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	assert_true(c.blocked_by_unknowns);
	assert_no_steps(&c);
	vfio_check_release(&c);

	/* a PCI bridge class: a bridge header (pci_setup_device) */
	s.dev[d].class_known = true;
	s.dev[d].ident.class_code = 0x060400;
	run(&s, d, &c);
	assert_no_finding(&c, "header_unknown");
	finding(&c, "bridge", SEV_ERROR, "0000:01:00.0");
	assert_false(c.blocked_by_unknowns);
	vfio_check_release(&c);
	snapshot_release(&s);
}

/* Which driver a member is bound to could not be read: it may hold the group. */
static void driver_unknown(void **state)
{
	struct snapshot s;
	struct vfio_check c;
	const struct finding *f;
	size_t d, m;
	(void)state;
	d = ready_host(&s, INTEL, 6, 8);
	m = add_dev(&s, "0000:01:00.1", 0x10de, 0x10f0, 0, NULL, 1, 0);
	s.dev[m].driver_known = false;
	run(&s, d, &c);
	f = finding(&c, "driver_unknown", SEV_ERROR, "0000:01:00.1");
	assert_contains(f->message, "which driver 0000:01:00.1 is bound to is unknown");
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	assert_true(c.blocked_by_unknowns);
	assert_no_steps(&c);
	vfio_check_release(&c);
	snapshot_release(&s);
}

/* An SR-IOV PF 01:00.0 (i40e, one VF enabled) below root port 00:01.0, and
 * its VF 01:02.0 (no driver): in a group of its own, or in the PF's (the
 * port lacks ACS). */
static void pf_and_vf(struct snapshot *s, bool same_group, size_t *pf, size_t *vf)
{
	host(s, INTEL, 6, 12);
	add_group(s, 0, "DMA-FQ");
	add_group(s, 1, "DMA-FQ");
	if (!same_group)
		add_group(s, 2, "DMA-FQ");
	add_dev(s, "0000:00:01.0", 0x8086, 0x1901, 1, "pcieport", 0, -1);
	*pf = add_dev(s, "0000:01:00.0", 0x8086, 0x1572, 0, "i40e", 1, 0);
	s->dev[*pf].caps.sriov_off = 0x160;
	s->dev[*pf].sriov_numvfs = 1;
	*vf = add_dev(s, "0000:01:02.0", 0x8086, 0x154c, 0, NULL, same_group ? 1 : 2, 0);
	s->dev[*vf].virtfn = true;
	s->dev[*vf].physfn = (int)*pf;
}

/* A PF (VFs enabled) and one of its own VFs in one request: freeing the PF
 * disables its VFs, which removes the VF; the request names the conflict
 * on both.  The VFs alone, or the request not made together, are fine. */
static void sriov_conflict(void **state)
{
	struct snapshot s;
	struct vfio_check c;
	struct iommu_presence p;
	struct status_report st;
	const struct finding *f;
	size_t pf, vf, devs[2];
	struct vfio_request req = {.devs = devs, .ndevs = 2, .together = true};
	(void)state;
	pf_and_vf(&s, false, &pf, &vf);
	finish(&s);
	devs[0] = pf;
	devs[1] = vf;
	iommu_presence_analyse(&s, &p);
	status_analyse(&s, &st);
	vfio_request_prepare(&s, &req);
	check_in(&s, &p, &st, &req, pf, &c);
	f = finding(&c, "sriov_conflict", SEV_ERROR, "0000:01:00.0");
	assert_string_equal(f->message, "freeing 0000:01:00.0 for vfio-pci disables its VFs (echo 0 > "
					"/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs), which removes 0000:01:02.0, "
					"also asked for");
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	assert_false(c.blocked_by_unknowns);
	assert_no_steps(&c);
	vfio_check_release(&c);
	check_in(&s, &p, &st, &req, vf, &c);
	f = finding(&c, "sriov_conflict", SEV_ERROR, "0000:01:02.0");
	assert_contains(f->message, "0000:01:02.0 is a VF of 0000:01:00.0, also asked for");
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	assert_no_steps(&c);
	vfio_check_release(&c);
	vfio_request_release(&req);

	/* the VF alone: its steps */
	devs[0] = vf;
	req.ndevs = 1;
	vfio_request_prepare(&s, &req);
	check_in(&s, &p, &st, &req, vf, &c);
	assert_no_finding(&c, "sriov_conflict");
	assert_int_equal(c.verdict, VFIO_AFTER_STEPS);
	vfio_check_release(&c);
	vfio_request_release(&req);

	/* both, but judged each alone (--all): no conflict */
	devs[0] = pf;
	devs[1] = vf;
	req.ndevs = 2;
	req.together = false;
	vfio_request_prepare(&s, &req);
	check_in(&s, &p, &st, &req, vf, &c);
	assert_no_finding(&c, "sriov_conflict");
	vfio_check_release(&c);
	vfio_request_release(&req);
	status_report_release(&st);
	iommu_presence_release(&p);
	snapshot_release(&s);
}

/* A VF in its own PF's group (the port above has no ACS): freeing the PF
 * removes the VF.  A PF of other VFs in a group is freed by disabling its
 * VFs first. */
static void own_pf_in_group(void **state)
{
	static const char *const steps[] = {
		"echo 0 > /sys/bus/pci/devices/0000:01:00.1/sriov_numvfs",
		"echo vfio-pci > /sys/bus/pci/devices/0000:01:00.1/driver_override",
		"echo 0000:01:00.1 > /sys/bus/pci/devices/0000:01:00.1/driver/unbind",
		"echo 0000:01:00.1 > /sys/bus/pci/drivers_probe",
		NULL,
	};
	struct snapshot s;
	struct vfio_check c;
	const struct finding *f;
	size_t d, pf, vf;
	(void)state;
	pf_and_vf(&s, true, &pf, &vf);
	run(&s, vf, &c);
	f = finding(&c, "own_pf_in_group", SEV_ERROR, "0000:01:00.0");
	assert_contains(f->message, "0000:01:02.0 shares group 1 with its own PF 0000:01:00.0, bound to i40e");
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	assert_no_steps(&c);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* the PF of other VFs, a member of the group of the device asked for */
	d = ready_host(&s, INTEL, 6, 12);
	pf = add_dev(&s, "0000:01:00.1", 0x8086, 0x1572, 0, "i40e", 1, 0);
	s.dev[pf].sriov_numvfs = 2;
	run(&s, d, &c);
	f = finding(&c, "pf_with_vfs", SEV_WARNING, "0000:01:00.1");
	assert_contains(f->message, "they are disabled first, which removes them");
	assert_int_equal(c.verdict, VFIO_AFTER_STEPS);
	assert_steps(&c, steps);
	vfio_check_release(&c);
	snapshot_release(&s);
}

/* ---- binding ----------------------------------------------------------------------- */

static void pf_with_vfs(void **state)
{
	static const char *const steps[] = {
		"modprobe vfio-pci",
		"echo 0 > /sys/bus/pci/devices/0000:01:00.0/sriov_numvfs",
		"echo vfio-pci > /sys/bus/pci/devices/0000:01:00.0/driver_override",
		"echo 0000:01:00.0 > /sys/bus/pci/devices/0000:01:00.0/driver/unbind",
		"echo 0000:01:00.0 > /sys/bus/pci/drivers_probe",
		NULL,
	};
	static const char *const persistent[] = {"driverctl set-override 0000:01:00.0 vfio-pci", NULL};
	struct snapshot s;
	struct vfio_check c;
	const struct finding *f;
	size_t d;
	(void)state;
	d = ready_host(&s, INTEL, 6, 8);
	s.host.params.vfio_pci_loaded = false;
	s.dev[d].driver = driver_name(&s, "ixgbe");
	s.dev[d].caps.sriov_off = 0x160;
	s.dev[d].sriov_numvfs = 4;
	run(&s, d, &c);
	f = finding(&c, "pf_with_vfs", SEV_WARNING, "0000:01:00.0");
	assert_contains(f->message, "0000:01:00.0 has 4 SR-IOV VFs enabled and vfio-pci refuses such a PF");
	assert_non_null(f->remedy);
	finding(&c, "not_bound_to_vfio", SEV_INFO, "0000:01:00.0");
	assert_int_equal(c.verdict, VFIO_AFTER_STEPS);
	assert_false(c.group_viable);
	assert_steps(&c, steps);
	assert_int_equal(c.steps[0].subject, -1);
	for (size_t i = 1; i < c.nsteps; i++)
		assert_int_equal(c.steps[i].subject, (int)d);
	assert_persistent(&c, persistent);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* no VFs enabled: no finding, no sriov step */
	d = ready_host(&s, INTEL, 6, 8);
	s.dev[d].driver = driver_name(&s, "ixgbe");
	s.dev[d].caps.sriov_off = 0x160;
	s.dev[d].sriov_numvfs = 0;
	run(&s, d, &c);
	assert_no_finding(&c, "pf_with_vfs");
	assert_int_equal(c.nsteps, 3);
	assert_string_equal(c.steps[0].command, "echo vfio-pci > /sys/bus/pci/devices/0000:01:00.0/driver_override");
	vfio_check_release(&c);
	snapshot_release(&s);
}

static void not_bound_to_vfio(void **state)
{
	static const char *const bound[] = {
		"echo vfio-pci > /sys/bus/pci/devices/0000:01:00.0/driver_override",
		"echo 0000:01:00.0 > /sys/bus/pci/devices/0000:01:00.0/driver/unbind",
		"echo 0000:01:00.0 > /sys/bus/pci/drivers_probe",
		NULL,
	};
	static const char *const unbound[] = {
		"modprobe vfio-pci",
		"echo vfio-pci > /sys/bus/pci/devices/0000:01:00.0/driver_override",
		"echo 0000:01:00.0 > /sys/bus/pci/drivers_probe",
		NULL,
	};
	static const char *const overridden[] = {
		"echo 0000:01:00.0 > /sys/bus/pci/devices/0000:01:00.0/driver/unbind",
		"echo 0000:01:00.0 > /sys/bus/pci/drivers_probe",
		NULL,
	};
	static const char *const persistent[] = {"driverctl set-override 0000:01:00.0 vfio-pci", NULL};
	struct snapshot s;
	struct vfio_check c;
	const struct finding *f;
	size_t d;
	(void)state;

	/* bound to its own driver, vfio-pci loaded: no modprobe */
	d = ready_host(&s, INTEL, 6, 8);
	s.dev[d].driver = driver_name(&s, "e1000e");
	run(&s, d, &c);
	f = finding(&c, "not_bound_to_vfio", SEV_INFO, "0000:01:00.0");
	assert_string_equal(f->message, "0000:01:00.0 is bound to e1000e, not to vfio-pci");
	assert_non_null(f->remedy);
	assert_int_equal(c.nfindings, 1);
	assert_int_equal(c.verdict, VFIO_AFTER_STEPS);
	assert_false(c.group_viable);
	assert_steps(&c, bound);
	for (size_t i = 0; i < c.nsteps; i++)
		assert_int_equal(c.steps[i].subject, (int)d);
	assert_persistent(&c, persistent);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* no driver, vfio-pci not loaded: modprobe first, nothing to unbind */
	d = ready_host(&s, INTEL, 6, 8);
	s.host.params.vfio_pci_loaded = false;
	s.dev[d].driver = NULL;
	run(&s, d, &c);
	f = finding(&c, "not_bound_to_vfio", SEV_INFO, "0000:01:00.0");
	assert_contains(f->message, "0000:01:00.0 is bound to no driver");
	assert_int_equal(c.verdict, VFIO_AFTER_STEPS);
	assert_true(c.group_viable);
	assert_steps(&c, unbound);
	assert_int_equal(c.steps[0].subject, -1);
	assert_persistent(&c, persistent);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* driver_override already says vfio-pci: no driver_override step */
	d = ready_host(&s, INTEL, 6, 8);
	s.dev[d].driver = driver_name(&s, "e1000e");
	s.dev[d].driver_override = strdup("vfio-pci");
	run(&s, d, &c);
	assert_int_equal(c.verdict, VFIO_AFTER_STEPS);
	assert_steps(&c, overridden);
	assert_persistent(&c, persistent);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* another override is replaced */
	d = ready_host(&s, INTEL, 6, 8);
	s.dev[d].driver = driver_name(&s, "e1000e");
	s.dev[d].driver_override = strdup("pci-stub");
	run(&s, d, &c);
	assert_steps(&c, bound);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* pci-stub keeps the group viable but is not vfio-pci */
	d = ready_host(&s, INTEL, 6, 8);
	s.dev[d].driver = driver_name(&s, "pci-stub");
	run(&s, d, &c);
	f = finding(&c, "not_bound_to_vfio", SEV_INFO, "0000:01:00.0");
	assert_contains(f->message, "bound to pci-stub");
	assert_true(c.group_viable);
	assert_int_equal(c.verdict, VFIO_AFTER_STEPS);
	assert_int_equal(c.nsteps, 3);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* already on vfio-pci: no step at all, even with vfio-pci "not loaded" */
	d = ready_host(&s, INTEL, 6, 8);
	s.host.params.vfio_pci_loaded = false;
	run(&s, d, &c);
	assert_no_finding(&c, "not_bound_to_vfio");
	assert_int_equal(c.verdict, VFIO_VIABLE);
	assert_no_steps(&c);
	vfio_check_release(&c);
	snapshot_release(&s);
}

/* A GPU 01:00.0 (DRIVER) and its HDMI audio 01:00.1 (AUDIO) in group 7. */
static size_t gpu_host(struct snapshot *s, int major, int minor, const char *driver, const char *audio)
{
	size_t d;
	host(s, INTEL, major, minor);
	add_group(s, 0, "DMA-FQ");
	add_group(s, 7, "DMA-FQ");
	add_dev(s, "0000:00:01.0", 0x8086, 0x1901, 1, "pcieport", 0, -1);
	d = add_dev(s, "0000:01:00.0", 0x10de, 0x1eb8, 0, driver, 7, 0);
	s->dev[d].ident.class_code = 0x030000;
	s->dev[d].boot_vga = 0;
	add_dev(s, "0000:01:00.1", 0x10de, 0x10f8, 0, audio, 7, 0);
	return d;
}

static void host_critical_member(void **state)
{
	struct snapshot s;
	struct vfio_check c;
	const struct finding *f;
	size_t d;
	(void)state;
	d = gpu_host(&s, 6, 8, "vfio-pci", "nvme");
	add_use(&s, 2, "/home (xfs on /dev/nvme1n1)", "root_storage");
	run(&s, d, &c);
	f = finding(&c, "host_critical_member", SEV_ERROR, "0000:01:00.1");
	assert_string_equal(f->message,
			    "0000:01:00.1 shares group 7 and the host needs it: it holds /home (xfs on /dev/nvme1n1)");
	assert_contains(f->remedy, "iommuctl explain");
	assert_no_finding(&c, "member_bound");
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	assert_false(c.group_viable);
	assert_no_steps(&c);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* a member that is the boot display under a host driver */
	d = gpu_host(&s, 6, 8, "vfio-pci", "i915");
	s.dev[2].ident.class_code = 0x030000;
	s.dev[2].boot_vga = 1;
	run(&s, d, &c);
	f = finding(&c, "host_critical_member", SEV_ERROR, "0000:01:00.1");
	assert_contains(f->message, "it is the boot display and i915 drives it");
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	vfio_check_release(&c);
	snapshot_release(&s);
}

static void member_bound(void **state)
{
	static const char *const steps[] = {
		"modprobe vfio-pci",
		"echo vfio-pci > /sys/bus/pci/devices/0000:01:00.0/driver_override",
		"echo 0000:01:00.0 > /sys/bus/pci/devices/0000:01:00.0/driver/unbind",
		"echo 0000:01:00.0 > /sys/bus/pci/drivers_probe",
		"echo vfio-pci > /sys/bus/pci/devices/0000:01:00.1/driver_override",
		"echo 0000:01:00.1 > /sys/bus/pci/devices/0000:01:00.1/driver/unbind",
		"echo 0000:01:00.1 > /sys/bus/pci/drivers_probe",
		NULL,
	};
	static const char *const persistent[] = {
		"driverctl set-override 0000:01:00.0 vfio-pci",
		"driverctl set-override 0000:01:00.1 vfio-pci",
		NULL,
	};
	static const char *const audio_only[] = {
		"echo vfio-pci > /sys/bus/pci/devices/0000:01:00.1/driver_override",
		"echo 0000:01:00.1 > /sys/bus/pci/devices/0000:01:00.1/driver/unbind",
		"echo 0000:01:00.1 > /sys/bus/pci/drivers_probe",
		NULL,
	};
	struct snapshot s;
	struct vfio_check c;
	const struct finding *f;
	size_t d;
	(void)state;

	/* the GPU on nouveau, its audio on snd_hda_intel, vfio-pci not loaded */
	d = gpu_host(&s, 6, 8, "nouveau", "snd_hda_intel");
	s.host.params.vfio_pci_loaded = false;
	run(&s, d, &c);
	finding(&c, "not_bound_to_vfio", SEV_INFO, "0000:01:00.0");
	f = finding(&c, "member_bound", SEV_WARNING, "0000:01:00.1");
	assert_string_equal(f->message, "0000:01:00.1 shares group 7 and is bound to snd_hda_intel, which uses the "
					"kernel's DMA API: the group is not viable while it is");
	assert_string_equal(f->remedy, "bind it to vfio-pci too (the steps below)");
	assert_int_equal(c.verdict, VFIO_AFTER_STEPS);
	assert_false(c.group_viable);
	assert_steps(&c, steps);
	assert_int_equal(c.steps[0].subject, -1);
	assert_int_equal(c.steps[1].subject, 1);
	assert_int_equal(c.steps[4].subject, 2);
	assert_int_equal(c.steps[6].subject, 2);
	assert_persistent(&c, persistent);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* checking the audio function: the GPU is the member to rebind */
	d = gpu_host(&s, 6, 8, "nouveau", "snd_hda_intel");
	run(&s, 2, &c);
	finding(&c, "not_bound_to_vfio", SEV_INFO, "0000:01:00.1");
	finding(&c, "member_bound", SEV_WARNING, "0000:01:00.0");
	assert_int_equal(c.nsteps, 6);
	assert_string_equal(c.steps[0].command, "echo vfio-pci > /sys/bus/pci/devices/0000:01:00.0/driver_override");
	assert_string_equal(c.steps[3].command, "echo vfio-pci > /sys/bus/pci/devices/0000:01:00.1/driver_override");
	vfio_check_release(&c);
	snapshot_release(&s);

	/* the GPU already on vfio-pci: only the audio's steps */
	d = gpu_host(&s, 6, 8, "vfio-pci", "snd_hda_intel");
	run(&s, d, &c);
	assert_no_finding(&c, "not_bound_to_vfio");
	finding(&c, "member_bound", SEV_WARNING, "0000:01:00.1");
	assert_int_equal(c.verdict, VFIO_AFTER_STEPS);
	assert_false(c.group_viable);
	assert_steps(&c, audio_only);
	{
		static const char *const one[] = {"driverctl set-override 0000:01:00.1 vfio-pci", NULL};
		assert_persistent(&c, one);
	}
	vfio_check_release(&c);
	snapshot_release(&s);

	/* members with no driver, pci-stub or vfio-pci: viable */
	d = gpu_host(&s, 6, 8, "vfio-pci", NULL);
	run(&s, d, &c);
	assert_no_finding(&c, "member_bound");
	assert_int_equal(c.verdict, VFIO_VIABLE);
	assert_true(c.group_viable);
	assert_no_steps(&c);
	vfio_check_release(&c);
	snapshot_release(&s);
	d = gpu_host(&s, 6, 8, "vfio-pci", "pci-stub");
	run(&s, d, &c);
	assert_no_finding(&c, "member_bound");
	assert_int_equal(c.verdict, VFIO_VIABLE);
	assert_true(c.group_viable);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* a bridge member on shpchp (5.19+): unbind it, never rebind it */
	d = gpu_host(&s, 6, 8, "vfio-pci", NULL);
	s.dev[0].group = 7;
	s.dev[0].driver = driver_name(&s, "shpchp");
	run(&s, d, &c);
	f = finding(&c, "member_bound", SEV_WARNING, "0000:00:01.0");
	assert_contains(f->message, "bound to shpchp");
	assert_string_equal(f->remedy, "unbind it (a bridge cannot be bound to vfio-pci)");
	assert_int_equal(c.verdict, VFIO_AFTER_STEPS);
	assert_false(c.group_viable);
	{
		static const char *const unbind[] = {
			"echo 0000:00:01.0 > /sys/bus/pci/devices/0000:00:01.0/driver/unbind", NULL};
		assert_steps(&c, unbind);
		assert_int_equal(c.steps[0].subject, 0);
	}
	assert_int_equal(c.persistent.n, 0);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* ... on pcieport: fine */
	d = gpu_host(&s, 6, 8, "vfio-pci", NULL);
	s.dev[0].group = 7;
	run(&s, d, &c);
	assert_no_finding(&c, "member_bound");
	assert_true(c.group_viable);
	assert_int_equal(c.verdict, VFIO_VIABLE);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* before 5.19 a bridge was fine with any driver ... */
	d = gpu_host(&s, 5, 15, "vfio-pci", NULL);
	s.dev[0].group = 7;
	s.dev[0].driver = driver_name(&s, "shpchp");
	run(&s, d, &c);
	assert_no_finding(&c, "member_bound");
	assert_true(c.group_viable);
	assert_int_equal(c.verdict, VFIO_VIABLE);
	assert_no_steps(&c);
	vfio_check_release(&c);
	snapshot_release(&s);
	/* ... and so were pci-stub and no driver; other drivers were not */
	d = gpu_host(&s, 5, 18, "vfio-pci", "pci-stub");
	run(&s, d, &c);
	assert_no_finding(&c, "member_bound");
	assert_true(c.group_viable);
	vfio_check_release(&c);
	snapshot_release(&s);
	d = gpu_host(&s, 5, 18, "vfio-pci", "snd_hda_intel");
	run(&s, d, &c);
	finding(&c, "member_bound", SEV_WARNING, "0000:01:00.1");
	assert_false(c.group_viable);
	assert_steps(&c, audio_only);
	vfio_check_release(&c);
	snapshot_release(&s);
}

static void identity_domain(void **state)
{
	struct snapshot s;
	struct vfio_check c;
	const struct finding *f;
	size_t d;
	(void)state;
	d = ready_host(&s, INTEL, 6, 8);
	free(group(&s, 1)->type);
	group(&s, 1)->type = strdup("identity");
	run(&s, d, &c);
	f = finding(&c, "identity_domain", SEV_INFO, NULL);
	assert_contains(f->message, "group 1's default domain is identity");
	assert_null(f->remedy);
	assert_int_equal(c.nfindings, 1);
	assert_int_equal(c.verdict, VFIO_VIABLE);
	assert_true(c.group_viable);
	assert_no_steps(&c);
	vfio_check_release(&c);
	snapshot_release(&s);
}

/* ---- interrupts ----------------------------------------------------------------------- */

static void interrupt_remapping_unknown(void **state)
{
	struct snapshot s;
	struct vfio_check c;
	const struct finding *f;
	size_t d;
	(void)state;
	d = ready_host(&s, INTEL, 6, 8);
	s.host.ir_active = -1;
	run(&s, d, &c);
	/* unknown is no better than off: not viable on this evidence */
	f = finding(&c, "interrupt_remapping_unknown", SEV_ERROR, NULL);
	assert_contains(f->message, "whether MSIs are isolated is not recorded");
	assert_contains(f->remedy, "run iommuctl on the live system");
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	assert_true(c.blocked_by_unknowns);
	assert_true(c.group_viable);
	assert_no_steps(&c);
	vfio_check_release(&c);
	snapshot_release(&s);
}

static void unsafe_interrupts(void **state)
{
	struct snapshot s;
	struct vfio_check c;
	const struct finding *f;
	size_t d;
	(void)state;
	d = ready_host(&s, INTEL, 6, 8);
	s.host.ir_active = 0;
	s.host.params.type1_allow_unsafe_interrupts = 1;
	run(&s, d, &c);
	f = finding(&c, "unsafe_interrupts", SEV_WARNING, NULL);
	assert_contains(f->message, "interrupt remapping is inactive");
	assert_contains(f->message, "unless allow_unsafe_interrupts=1, which is set");
	assert_non_null(f->remedy);
	assert_no_finding(&c, "no_interrupt_remapping");
	assert_int_equal(c.verdict, VFIO_VIABLE);
	assert_true(c.group_viable);
	assert_no_steps(&c);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* set on the command line only */
	d = ready_host(&s, INTEL, 6, 8);
	s.host.ir_active = 0;
	free(s.cmdline);
	s.cmdline = strdup("intel_iommu=on vfio_iommu_type1.allow_unsafe_interrupts=1");
	run(&s, d, &c);
	finding(&c, "unsafe_interrupts", SEV_WARNING, NULL);
	assert_int_equal(c.verdict, VFIO_VIABLE);
	vfio_check_release(&c);
	snapshot_release(&s);
}

static void no_interrupt_remapping(void **state)
{
	struct snapshot s;
	struct vfio_check c;
	const struct finding *f;
	size_t d;
	(void)state;
	d = ready_host(&s, INTEL, 6, 8);
	s.host.ir_active = 0;
	s.dev[d].driver = driver_name(&s, "e1000e");
	run(&s, d, &c);
	f = finding(&c, "no_interrupt_remapping", SEV_ERROR, NULL);
	assert_contains(f->message, "interrupt remapping is inactive");
	assert_contains(f->message, "No interrupt remapping support");
	assert_contains(f->remedy, "DMAR-IR");
	finding(&c, "not_bound_to_vfio", SEV_INFO, "0000:01:00.0");
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	assert_false(c.group_viable);
	assert_no_steps(&c);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* intremap=off */
	d = ready_host(&s, INTEL, 6, 8);
	s.host.ir_active = -1;
	free(s.cmdline);
	s.cmdline = strdup("intel_iommu=on intremap=off");
	run(&s, d, &c);
	f = finding(&c, "no_interrupt_remapping", SEV_ERROR, NULL);
	assert_string_equal(f->remedy, "remove intremap=off from the kernel command line");
	assert_no_finding(&c, "interrupt_remapping_unknown");
	assert_int_equal(c.verdict, VFIO_NOT_VIABLE);
	vfio_check_release(&c);
	snapshot_release(&s);
}

/* ---- display and resets ------------------------------------------------------------ */

static void boot_vga(void **state)
{
	struct snapshot s;
	struct vfio_check c;
	const struct finding *f;
	size_t d;
	(void)state;
	d = ready_host(&s, INTEL, 6, 8);
	s.dev[d].ident.class_code = 0x030000;
	s.dev[d].boot_vga = 1;
	run(&s, d, &c);
	f = finding(&c, "boot_vga", SEV_WARNING, "0000:01:00.0");
	assert_contains(f->message, "0000:01:00.0 is the boot display");
	assert_contains(f->remedy, "video=efifb:off");
	assert_contains(f->remedy, "disable_vga=1");
	assert_no_finding(&c, "host_critical");
	assert_int_equal(c.verdict, VFIO_VIABLE);
	assert_true(c.group_viable);
	assert_no_steps(&c);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* no driver: the warning, and the steps */
	d = ready_host(&s, INTEL, 6, 8);
	s.dev[d].ident.class_code = 0x030000;
	s.dev[d].boot_vga = 1;
	s.dev[d].driver = NULL;
	run(&s, d, &c);
	finding(&c, "boot_vga", SEV_WARNING, "0000:01:00.0");
	finding(&c, "not_bound_to_vfio", SEV_INFO, "0000:01:00.0");
	assert_int_equal(c.verdict, VFIO_AFTER_STEPS);
	assert_int_equal(c.nsteps, 2);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* held by pci-stub (pci-stub.ids= at boot, to keep host drivers off
	 * it): pci-stub drives nothing, so the host does not need it */
	d = ready_host(&s, INTEL, 6, 8);
	s.dev[d].ident.class_code = 0x030000;
	s.dev[d].boot_vga = 1;
	s.dev[d].driver = driver_name(&s, "pci-stub");
	run(&s, d, &c);
	finding(&c, "boot_vga", SEV_WARNING, "0000:01:00.0");
	finding(&c, "not_bound_to_vfio", SEV_INFO, "0000:01:00.0");
	assert_no_finding(&c, "host_critical");
	assert_int_equal(c.verdict, VFIO_AFTER_STEPS);
	assert_true(c.group_viable);
	assert_int_equal(c.nsteps, 3);
	assert_string_equal(c.steps[1].command, "echo 0000:01:00.0 > /sys/bus/pci/devices/0000:01:00.0/driver/unbind");
	vfio_check_release(&c);
	snapshot_release(&s);

	/* not the boot display */
	d = ready_host(&s, INTEL, 6, 8);
	s.dev[d].ident.class_code = 0x030000;
	s.dev[d].boot_vga = 0;
	run(&s, d, &c);
	assert_no_finding(&c, "boot_vga");
	vfio_check_release(&c);
	snapshot_release(&s);
}

static void no_reset(void **state)
{
	struct snapshot s;
	struct vfio_check c;
	const struct finding *f;
	size_t d;
	(void)state;

	/* on a root bus, reset disabled (reset_method empty) */
	host(&s, INTEL, 6, 8);
	add_group(&s, 3, "DMA");
	d = add_dev(&s, "0000:00:04.0", 0x1af4, 0x1041, 0, "vfio-pci", 3, -1);
	set_reset(&s, d, NULL);
	s.dev[d].caps.flr = false;
	run(&s, d, &c);
	f = finding(&c, "no_reset", SEV_WARNING, "0000:00:04.0");
	assert_string_equal(f->message, "0000:00:04.0 has no reset method (reset_method: empty) and no bus reset (it is "
					"on a root bus): it keeps its state from one VM to the next");
	assert_non_null(f->remedy);
	assert_string_equal(c.reset_method, "");
	assert_true(c.flr_known);
	assert_false(c.flr);
	assert_false(c.bus_reset_known);
	assert_int_equal(c.nbus_reset_also, 0);
	assert_null(c.bus_reset_also);
	assert_int_equal(c.verdict, VFIO_VIABLE);
	assert_true(c.group_viable);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* a VF with neither: no bus reset either, whatever is beside it */
	host(&s, INTEL, 6, 8);
	add_group(&s, 0, "DMA");
	add_group(&s, 1, "DMA");
	add_group(&s, 2, "DMA");
	add_dev(&s, "0000:00:01.0", 0x8086, 0x1901, 1, "pcieport", 0, -1);
	add_dev(&s, "0000:01:00.0", 0x8086, 0x1572, 0, "i40e", 1, 0);
	d = add_dev(&s, "0000:01:02.0", 0x8086, 0x154c, 0, "vfio-pci", 2, 0);
	s.dev[d].virtfn = true;
	set_reset(&s, d, "");
	run(&s, d, &c);
	f = finding(&c, "no_reset", SEV_WARNING, "0000:01:02.0");
	assert_contains(f->message, "(reset_method: empty) and, as a VF, no bus reset");
	assert_false(c.bus_reset_known);
	assert_int_equal(c.nbus_reset_also, 0);
	assert_no_finding(&c, "bus_reset_only");
	vfio_check_release(&c);
	snapshot_release(&s);

	/* a VF with FLR: nothing to say, and still no bus reset scope */
	host(&s, INTEL, 6, 8);
	add_group(&s, 0, "DMA");
	add_group(&s, 1, "DMA");
	add_group(&s, 2, "DMA");
	add_dev(&s, "0000:00:01.0", 0x8086, 0x1901, 1, "pcieport", 0, -1);
	add_dev(&s, "0000:01:00.0", 0x8086, 0x1572, 0, "i40e", 1, 0);
	d = add_dev(&s, "0000:01:02.0", 0x8086, 0x154c, 0, "vfio-pci", 2, 0);
	s.dev[d].virtfn = true;
	run(&s, d, &c);
	assert_int_equal(c.nfindings, 0);
	assert_false(c.bus_reset_known);
	assert_int_equal(c.nbus_reset_also, 0);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* on a root bus with FLR: no scope, no finding */
	host(&s, INTEL, 6, 8);
	add_group(&s, 3, "DMA");
	add_dev(&s, "0000:00:03.0", 0x1af4, 0x1041, 0, NULL, -1, -1);
	d = add_dev(&s, "0000:00:04.0", 0x1af4, 0x1041, 0, "vfio-pci", 3, -1);
	run(&s, d, &c);
	assert_int_equal(c.nfindings, 0);
	assert_false(c.bus_reset_known);
	assert_int_equal(c.nbus_reset_also, 0);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* alone below its bridge: "bus" is a reset of its own */
	d = ready_host(&s, INTEL, 6, 8);
	set_reset(&s, d, "bus");
	s.dev[d].caps.flr = false;
	run(&s, d, &c);
	assert_no_finding(&c, "no_reset");
	assert_no_finding(&c, "bus_reset_only");
	assert_true(c.bus_reset_known);
	assert_int_equal(c.nbus_reset_also, 0);
	assert_int_equal(c.verdict, VFIO_VIABLE);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* alone below its bridge, but even the bus reset is disabled */
	d = ready_host(&s, INTEL, 6, 8);
	set_reset(&s, d, NULL);
	run(&s, d, &c);
	f = finding(&c, "no_reset", SEV_WARNING, "0000:01:00.0");
	assert_string_equal(f->message, "0000:01:00.0 has no reset method (reset_method: empty): it keeps its state "
					"from one VM to the next");
	vfio_check_release(&c);
	snapshot_release(&s);

	/* own methods: pm, device_specific, acpi, af_flr */
	{
		static const char *const own[] = {"pm", "device_specific", "acpi", "af_flr bus"};
		for (size_t i = 0; i < ARRAY_SIZE(own); i++) {
			host(&s, INTEL, 6, 8);
			add_group(&s, 3, "DMA");
			d = add_dev(&s, "0000:00:04.0", 0x1af4, 0x1041, 0, "vfio-pci", 3, -1);
			set_reset(&s, d, own[i]);
			run(&s, d, &c);
			assert_no_finding(&c, "no_reset");
			assert_string_equal(c.reset_method, own[i]);
			vfio_check_release(&c);
			snapshot_release(&s);
		}
	}

	/* reset_method not read (before 5.15): unknown, no finding */
	d = ready_host(&s, INTEL, 5, 10);
	set_reset(&s, d, NULL);
	s.dev[d].reset_method_known = false;
	run(&s, d, &c);
	assert_null(c.reset_method);
	assert_int_equal(c.nfindings, 0);
	assert_true(c.bus_reset_known);
	vfio_check_release(&c);
	snapshot_release(&s);

	/* configuration space unprivileged: FLR unknown */
	d = ready_host(&s, INTEL, 6, 8);
	s.dev[d].caps.known = false;
	s.dev[d].caps.pcie = false;
	run(&s, d, &c);
	assert_false(c.flr_known);
	vfio_check_release(&c);
	snapshot_release(&s);
}

static void bus_reset_only(void **state)
{
	struct snapshot s;
	struct vfio_check c;
	const struct finding *f;
	size_t d, fn1, br, below;
	(void)state;
	/* root port 00:01.0 above 01:00.0 (the device, no reset of its own),
	 * 01:00.1, and a bridge 01:00.2 with 02:00.0 below it; another root
	 * port 00:02.0 with 03:00.0 */
	host(&s, INTEL, 6, 8);
	add_group(&s, 0, "DMA-FQ");
	add_group(&s, 1, "DMA");
	add_group(&s, 2, "DMA-FQ");
	add_group(&s, 3, "DMA-FQ");
	add_group(&s, 4, "DMA-FQ");
	add_dev(&s, "0000:00:01.0", 0x8086, 0x1901, 1, "pcieport", 0, -1);
	add_dev(&s, "0000:00:02.0", 0x8086, 0x1905, 1, "pcieport", 0, -1);
	d = add_dev(&s, "0000:01:00.0", 0x1b21, 0x1142, 0, "vfio-pci", 1, 0);
	fn1 = add_dev(&s, "0000:01:00.1", 0x1b21, 0x1143, 0, "xhci_hcd", 2, 0);
	br = add_dev(&s, "0000:01:00.2", 0x104c, 0x8240, 1, NULL, 2, 0);
	below = add_dev(&s, "0000:02:00.0", 0x1106, 0x3044, 0, "firewire_ohci", 3, br);
	add_dev(&s, "0000:03:00.0", 0x8086, 0x10d3, 0, "e1000e", 4, 1);
	set_reset(&s, d, "");
	s.dev[d].caps.flr = false;
	run(&s, d, &c);
	f = finding(&c, "bus_reset_only", SEV_WARNING, "0000:01:00.0");
	assert_string_equal(f->message, "0000:01:00.0 has no reset of its own (reset_method: empty): VFIO can only "
					"reset the bus below 0000:00:01.0, which also resets 0000:01:00.1, 0000:01:00.2, "
					"0000:02:00.0, and only while all of them are bound to vfio-pci and unused");
	assert_string_equal(f->remedy, "bind 0000:01:00.1, 0000:01:00.2, 0000:02:00.0 to vfio-pci too and give them "
				       "to the same VM, or use a device with Function Level Reset");
	assert_no_finding(&c, "no_reset");
	assert_true(c.bus_reset_known);
	assert_int_equal(c.nbus_reset_also, 3);
	assert_int_equal(c.bus_reset_also[0], fn1);
	assert_int_equal(c.bus_reset_also[1], br);
	assert_int_equal(c.bus_reset_also[2], below);
	assert_int_equal(c.verdict, VFIO_VIABLE);
	assert_true(c.group_viable);
	assert_no_steps(&c);
	vfio_check_release(&c);

	/* a stale "bus" (probed before its siblings came) is no better */
	set_reset(&s, d, "bus");
	run(&s, d, &c);
	f = finding(&c, "bus_reset_only", SEV_WARNING, "0000:01:00.0");
	assert_contains(f->message, "(reset_method: bus)");
	assert_int_equal(c.nbus_reset_also, 3);
	vfio_check_release(&c);

	/* with FLR the scope is still reported, without a finding */
	set_reset(&s, d, "flr bus");
	run(&s, fn1, &c);
	/* 01:00.1 on xhci_hcd, flr: not_bound only; its scope: 01:00.0, 01:00.2, 02:00.0 */
	assert_no_finding(&c, "bus_reset_only");
	assert_true(c.bus_reset_known);
	assert_int_equal(c.nbus_reset_also, 3);
	assert_int_equal(c.bus_reset_also[0], d);
	assert_int_equal(c.bus_reset_also[1], br);
	assert_int_equal(c.bus_reset_also[2], below);
	vfio_check_release(&c);
	snapshot_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(clean_viable),
		cmocka_unit_test(driver_managed_dma),
		cmocka_unit_test(no_iommu),
		cmocka_unit_test(noiommu_mode),
		cmocka_unit_test(no_group),
		cmocka_unit_test(bridge),
		cmocka_unit_test(kernel_release_unknown),
		cmocka_unit_test(denylisted),
		cmocka_unit_test(direct_region),
		cmocka_unit_test(host_critical),
		cmocka_unit_test(host_use_unknown),
		cmocka_unit_test(driver_unknown),
		cmocka_unit_test(header_unknown),
		cmocka_unit_test(sriov_conflict),
		cmocka_unit_test(own_pf_in_group),
		cmocka_unit_test(pf_with_vfs),
		cmocka_unit_test(not_bound_to_vfio),
		cmocka_unit_test(host_critical_member),
		cmocka_unit_test(member_bound),
		cmocka_unit_test(identity_domain),
		cmocka_unit_test(interrupt_remapping_unknown),
		cmocka_unit_test(unsafe_interrupts),
		cmocka_unit_test(no_interrupt_remapping),
		cmocka_unit_test(boot_vga),
		cmocka_unit_test(no_reset),
		cmocka_unit_test(bus_reset_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
