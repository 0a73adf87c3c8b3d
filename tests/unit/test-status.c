/* test-status.c - the register decoders, the command-line reading and each
 * check of `iommuctl status` (pass, warn, fail, info, unknown) over
 * snapshots built in memory. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

#include "snap.h"

/* ---- decoders --------------------------------------------------------------- */

/* dmar0 of fixtures/q35-intel-vfio-partial (QEMU intel-iommu, Linux 6.1):
 * the kernel logged "cap d2008c22260206 ecap f00f4a", "Host address width
 * 39", "Using Queued invalidation", "Enabled IRQ remapping in xapic mode",
 * and domains_supported reads 65536. */
static void intel_decode_qemu(void **state)
{
	struct intel_iommu_caps k;
	(void)state;
	intel_iommu_caps_decode(0xd2008c22260206ull, 0xf00f4aull, &k);
	assert_int_equal(k.mgaw, 39);
	assert_int_equal(k.sagaw, 0x2);
	assert_int_equal(k.nwidths, 1);
	assert_int_equal(k.widths[0], 39);
	assert_int_equal(k.levels[0], 3);
	assert_true(k.super_2m);
	assert_true(k.super_1g);
	assert_int_equal(k.domains, 65536);
	assert_false(k.caching_mode);
	assert_true(k.queued_invalidation);
	assert_true(k.interrupt_remapping);
	assert_false(k.x2apic);
	assert_true(k.pass_through);
	assert_false(k.snoop_control);
	assert_false(k.device_tlb);
	assert_false(k.coherent);
	assert_false(k.nested);
	assert_false(k.scalable_mode);
	assert_false(k.first_stage);
	assert_false(k.second_stage);
	assert_false(k.fl1gp);
	assert_false(k.fl5lp);
	assert_false(k.posted_interrupts);
}

static void intel_decode_bits(void **state)
{
	struct intel_iommu_caps k;
	uint64_t cap = 2                 /* ND 2: 256 domains */
		       | 1ull << 7       /* CM */
		       | 0xeull << 8     /* SAGAW: 39, 48, 57 */
		       | 56ull << 16     /* MGAW 57 */
		       | 1ull << 34      /* SLLPS 2M only */
		       | 1ull << 56 | 1ull << 59 | 1ull << 60;
	uint64_t ecap = 1ull << 0 | 1ull << 2 | 1ull << 4 | 1ull << 7 | 1ull << 26 | 1ull << 29 | 1ull << 40 |
			1ull << 43 | 1ull << 46 | 1ull << 47;
	(void)state;
	intel_iommu_caps_decode(cap, ecap, &k);
	assert_int_equal(k.domains, 256);
	assert_true(k.caching_mode);
	assert_int_equal(k.nwidths, 3);
	assert_int_equal(k.widths[0], 39);
	assert_int_equal(k.widths[1], 48);
	assert_int_equal(k.widths[2], 57);
	assert_int_equal(k.levels[0], 3);
	assert_int_equal(k.levels[2], 5);
	assert_int_equal(k.mgaw, 57);
	assert_true(k.super_2m);
	assert_false(k.super_1g);
	assert_true(k.fl1gp);
	assert_true(k.posted_interrupts);
	assert_true(k.fl5lp);
	assert_true(k.coherent);
	assert_true(k.device_tlb);
	assert_true(k.x2apic);
	assert_true(k.snoop_control);
	assert_true(k.nested);
	assert_true(k.page_requests);
	assert_true(k.pasid);
	assert_true(k.scalable_mode);
	assert_true(k.second_stage);
	assert_true(k.first_stage);
	assert_false(k.interrupt_remapping);
	assert_false(k.pass_through);
	assert_false(k.queued_invalidation);
	/* SAGAW bit 4 (64 bits) is reserved; ND 0 is 16 domains */
	intel_iommu_caps_decode(0x10ull << 8, 0, &k);
	assert_int_equal(k.nwidths, 0);
	assert_int_equal(k.domains, 16);
}

static void amd_decode_bits(void **state)
{
	struct amd_iommu_caps k;
	uint64_t efr = 1ull << 1 | 1ull << 3 | 1ull << 4 | 1ull << 7 | 1ull << 10 /* HATS 1 */ |
		       1ull << 12 /* GATS 1 */ | 1ull << 21 | 1ull << 63;
	(void)state;
	amd_iommu_caps_decode(1u << 24 | 1u << 26 | 1u << 27, efr, &k);
	assert_true(k.iotlb);
	assert_true(k.np_cache);
	assert_true(k.efr_supported);
	assert_false(k.prefetch);
	assert_true(k.ppr);
	assert_false(k.x2apic);
	assert_true(k.nx);
	assert_true(k.guest_translation);
	assert_false(k.invalidate_all);
	assert_true(k.guest_apic);
	assert_false(k.hardware_errors);
	assert_false(k.performance_counters);
	assert_int_equal(k.host_levels, 5);
	assert_int_equal(k.guest_levels, 5);
	assert_true(k.guest_apic_vapic);
	assert_true(k.snp);
	amd_iommu_caps_decode(0, 0, &k);
	assert_int_equal(k.host_levels, 4);
	assert_false(k.np_cache);
	amd_iommu_caps_decode(0, 2ull << 10, &k);
	assert_int_equal(k.host_levels, 6);
	amd_iommu_caps_decode(0, 3ull << 10, &k);
	assert_int_equal(k.host_levels, 0); /* reserved */
}

/* ---- the command line ------------------------------------------------------------ */

static void kernel_bools(void **state)
{
	(void)state;
	assert_int_equal(kernel_bool("1"), 1);
	assert_int_equal(kernel_bool("Y"), 1);
	assert_int_equal(kernel_bool("on"), 1);
	assert_int_equal(kernel_bool("0"), 0);
	assert_int_equal(kernel_bool("n"), 0);
	assert_int_equal(kernel_bool("off"), 0);
	assert_int_equal(kernel_bool("maybe"), -1);
	assert_int_equal(kernel_bool("o"), -1);
	assert_int_equal(kernel_bool(NULL), -1);
}

static void cmdline_precedence(void **state)
{
	struct iommu_cmdline c;
	(void)state;
	/* the last of iommu=pt / iommu.passthrough= wins */
	iommu_cmdline_parse("quiet iommu=pt iommu.passthrough=0", &c);
	assert_int_equal(c.passthrough, 0);
	assert_string_equal(c.passthrough_by, "iommu.passthrough=0");
	iommu_cmdline_release(&c);
	iommu_cmdline_parse("iommu.passthrough=1 iommu=force,nopt,pt", &c);
	assert_int_equal(c.passthrough, 1);
	assert_string_equal(c.passthrough_by, "iommu=force,nopt,pt");
	iommu_cmdline_release(&c);
	/* the legacy strict options are seen beside iommu.strict=0 */
	iommu_cmdline_parse("iommu.strict=0 intel_iommu=on,strict,sm_on", &c);
	assert_int_equal(c.strict, 0);
	assert_string_equal(c.legacy_strict_by, "intel_iommu=on,strict,sm_on");
	assert_true(c.sm_on);
	assert_null(c.intel_off_by);
	iommu_cmdline_release(&c);
	/* amd_iommu= matches by prefix; "on" is no option */
	iommu_cmdline_parse("amd_iommu=fullflush,off amd-iommu=on iommu=on", &c);
	assert_string_equal(c.legacy_strict_by, "amd_iommu=fullflush,off");
	assert_string_equal(c.amd_off_by, "amd_iommu=fullflush,off");
	assert_string_equal(c.amd_on, "amd-iommu=on");
	assert_string_equal(c.iommu_on, "iommu=on");
	iommu_cmdline_release(&c);
	iommu_cmdline_parse("nointremap vfio-iommu-type1.allow_unsafe_interrupts vfio.enable_unsafe_noiommu_mode=0 "
			    "iommufd.allow_unsafe_interrupts=Y pcie_acs_override=downstream",
			    &c);
	assert_string_equal(c.intremap_off_by, "nointremap");
	assert_int_equal(c.type1_unsafe, 1);
	assert_int_equal(c.noiommu_mode, 0);
	assert_int_equal(c.iommufd_unsafe, 1);
	assert_string_equal(c.acs_override, "pcie_acs_override=downstream");
	iommu_cmdline_release(&c);
	iommu_cmdline_parse(NULL, &c);
	assert_int_equal(c.passthrough, -1);
	assert_int_equal(c.strict, -1);
	assert_null(c.intremap_off_by);
	iommu_cmdline_release(&c);
}

/* ---- snapshots in memory --------------------------------------------------------- */

#define QEMU_CAP 0xd2008c22260206ull
#define QEMU_ECAP 0xf00f4aull

/* A host with the ACPI tables (DMAR), the command line, and the host facts
 * read (Linux 6.8, no VFIO). */
static void host_snapshot(struct snapshot *s, const char *cmdline)
{
	snapshot_init(s);
	s->cmdline = cmdline ? strdup(cmdline) : NULL;
	s->cmdline_err = cmdline ? 0 : -EACCES;
	s->fw_tables_checked = true;
	s->fw_acpi = true;
	s->host.loaded = true;
	s->host.kernel_release = strdup("6.8.0-1-amd64");
	s->host.kver_major = 6;
	s->host.kver_minor = 8;
	s->host.vfio.dir_err = -ENOENT;
}

static void add_groups(struct snapshot *s, size_t n, const char *type)
{
	s->grp = realloc(s->grp, (s->ngrp + n) * sizeof(*s->grp));
	for (size_t i = 0; i < n; i++) {
		struct iommu_group *g = &s->grp[s->ngrp];
		memset(g, 0, sizeof(*g));
		g->id = (int)s->ngrp;
		g->type = type ? strdup(type) : NULL;
		strvec_init(&g->other);
		s->ngrp++;
	}
}

/* An Intel VT-d host: DMAR, dmar0 with QEMU's registers, N groups of TYPE. */
static void intel_host(struct snapshot *s, const char *cmdline, size_t n, const char *type)
{
	host_snapshot(s, cmdline);
	strvec_push(&s->fw_tables, "DMAR");
	add_unit(s, "dmar0", "intel", true, QEMU_CAP, QEMU_ECAP);
	add_groups(s, n, type);
}

static const struct status_check *check(const struct status_report *r, const char *code)
{
	for (size_t i = 0; i < r->nchecks; i++)
		if (!strcmp(r->checks[i].code, code))
			return &r->checks[i];
	fail_msg("no check %s", code);
	return NULL;
}

static void assert_contains(const char *text, const char *part)
{
	if (!text || !strstr(text, part))
		fail_msg("'%s' does not contain '%s'", text ? text : "(null)", part);
}

static void intel_lazy_host(void **state)
{
	struct snapshot s;
	struct status_report r;
	(void)state;
	intel_host(&s, "intel_iommu=on", 3, "DMA-FQ");
	s.host.ir_active = 1;
	status_analyse(&s, &r);
	assert_false(r.failed);
	assert_true(r.present);
	assert_int_equal(check(&r, "kernel_release")->state, STATUS_INFO);
	assert_int_equal(check(&r, "iommu_hardware")->state, STATUS_PASS);
	assert_contains(check(&r, "iommu_hardware")->detail, "DMAR (Intel VT-d)");
	assert_int_equal(check(&r, "iommu_driver")->state, STATUS_PASS);
	assert_contains(check(&r, "iommu_driver")->detail, "intel-iommu (Intel VT-d) with 1 unit: dmar0");
	assert_int_equal(check(&r, "iommu_unit")->state, STATUS_INFO);
	assert_string_equal(check(&r, "iommu_unit")->subject, "dmar0");
	assert_contains(check(&r, "iommu_unit")->detail, "39-bit (3-level)");
	assert_contains(check(&r, "iommu_unit")->detail, "super pages 2M 1G");
	assert_int_equal(check(&r, "default_domain")->state, STATUS_PASS);
	assert_string_equal(r.default_domain, "DMA-FQ");
	assert_null(r.default_domain_by);
	assert_int_equal(check(&r, "invalidation")->state, STATUS_INFO);
	assert_string_equal(r.invalidation, "lazy");
	assert_contains(check(&r, "invalidation")->remedy, "iommu.strict=1");
	assert_int_equal(check(&r, "interrupt_remapping")->state, STATUS_PASS);
	assert_int_equal(r.ir_supported, 1);
	assert_int_equal(check(&r, "kernel_cmdline")->state, STATUS_INFO);
	assert_int_equal(check(&r, "vfio_modules")->state, STATUS_INFO);
	assert_int_equal(check(&r, "vfio_unsafe_options")->state, STATUS_PASS);
	assert_int_equal(check(&r, "vfio_nodes")->state, STATUS_INFO);
	/* nothing not PASS lacks a remedy, except facts */
	for (size_t i = 0; i < r.nchecks; i++)
		if (r.checks[i].state == STATUS_WARN || r.checks[i].state == STATUS_FAIL ||
		    r.checks[i].state == STATUS_UNKNOWN)
			assert_non_null(r.checks[i].remedy);
	status_report_release(&r);
	snapshot_release(&s);
}

static void passthrough_warns(void **state)
{
	struct snapshot s;
	struct status_report r;
	(void)state;
	intel_host(&s, "intel_iommu=on iommu=pt", 2, "identity");
	status_analyse(&s, &r);
	assert_int_equal(check(&r, "default_domain")->state, STATUS_WARN);
	assert_string_equal(r.default_domain_by, "iommu=pt");
	assert_contains(check(&r, "default_domain")->detail, "set by iommu=pt on the command line");
	assert_contains(check(&r, "default_domain")->remedy, "remove iommu=pt");
	assert_int_equal(check(&r, "invalidation")->state, STATUS_INFO);
	assert_null(r.invalidation);
	assert_false(r.failed);
	status_report_release(&r);
	snapshot_release(&s);

	/* iommu=pt, but a unit without ECAP.PT: the driver translates */
	host_snapshot(&s, "iommu=pt");
	add_unit(&s, "dmar0", "intel", true, QEMU_CAP, QEMU_ECAP & ~(1ull << 6));
	add_groups(&s, 2, "DMA-FQ");
	status_analyse(&s, &r);
	assert_int_equal(check(&r, "default_domain")->state, STATUS_PASS);
	assert_contains(check(&r, "default_domain")->detail, "dmar0 has no pass-through support (ECAP.PT 0)");
	assert_null(r.default_domain_by);
	status_report_release(&r);
	snapshot_release(&s);
}

static void mixed_and_unknown_types(void **state)
{
	struct snapshot s;
	struct status_report r;
	(void)state;
	intel_host(&s, "", 2, "DMA-FQ");
	add_groups(&s, 1, "identity");
	add_groups(&s, 1, "DMA");
	status_analyse(&s, &r);
	assert_null(r.default_domain);
	assert_int_equal(check(&r, "default_domain")->state, STATUS_WARN);
	assert_contains(check(&r, "default_domain")->detail, "DMA-FQ in 2 groups, identity in 1 group, DMA in 1 group");
	assert_contains(check(&r, "default_domain")->remedy, "/sys/kernel/iommu_groups/N/type");
	assert_string_equal(r.invalidation, "mixed");
	status_report_release(&r);
	snapshot_release(&s);

	/* before 5.11 no group has a type: unknown, not pass or fail */
	intel_host(&s, "iommu.strict=1", 2, NULL);
	status_analyse(&s, &r);
	assert_int_equal(check(&r, "default_domain")->state, STATUS_UNKNOWN);
	assert_int_equal(check(&r, "invalidation")->state, STATUS_UNKNOWN);
	assert_contains(check(&r, "invalidation")->detail, "asks for strict (iommu.strict=1)");
	assert_int_equal(r.groups_untyped, 2);
	assert_false(r.failed);
	status_report_release(&r);
	snapshot_release(&s);
}

static void strict_sources(void **state)
{
	struct snapshot s;
	struct status_report r;
	(void)state;
	/* caching mode (a virtual VT-d) beats iommu.strict=0 */
	host_snapshot(&s, "iommu.strict=0");
	add_unit(&s, "dmar0", "intel", true, QEMU_CAP | 1ull << 7, QEMU_ECAP);
	add_groups(&s, 2, "DMA");
	status_analyse(&s, &r);
	assert_int_equal(check(&r, "invalidation")->state, STATUS_PASS);
	assert_string_equal(r.invalidation, "strict");
	assert_string_equal(r.invalidation_by, "caching_mode");
	assert_contains(check(&r, "invalidation")->detail, "caching mode");
	assert_contains(check(&r, "invalidation")->detail, "overrides iommu.strict=0");
	status_report_release(&r);
	snapshot_release(&s);

	/* the deprecated intel_iommu=strict: strict, and a command-line warning */
	intel_host(&s, "iommu.strict=0 intel_iommu=on,strict", 1, "DMA");
	status_analyse(&s, &r);
	assert_string_equal(r.invalidation_by, "intel_iommu=on,strict");
	assert_int_equal(check(&r, "kernel_cmdline")->state, STATUS_WARN);
	assert_contains(check(&r, "kernel_cmdline")->remedy, "replace intel_iommu=on,strict with iommu.strict=1");
	status_report_release(&r);
	snapshot_release(&s);

	/* AMD NpCache forces strict */
	host_snapshot(&s, "");
	strvec_push(&s.fw_tables, "IVRS");
	add_unit(&s, "ivhd0", "amd", true, 1u << 26 | 1u << 27, 1ull << 1);
	add_groups(&s, 1, "DMA");
	status_analyse(&s, &r);
	assert_string_equal(r.invalidation_by, "np_cache");
	assert_contains(check(&r, "iommu_unit")->detail, "NpCache yes");
	assert_contains(check(&r, "iommu_unit")->detail, "host page tables up to 4 levels");
	status_report_release(&r);
	snapshot_release(&s);

	/* iommu.strict=1 */
	intel_host(&s, "iommu.strict=1", 1, "DMA");
	status_analyse(&s, &r);
	assert_string_equal(r.invalidation_by, "iommu.strict=1");
	status_report_release(&r);
	snapshot_release(&s);
}

static void interrupt_remapping_states(void **state)
{
	struct snapshot s;
	struct status_report r;
	(void)state;
	/* off although the unit supports it: fail, vendor remedy */
	intel_host(&s, "", 1, "DMA-FQ");
	s.host.ir_active = 0;
	status_analyse(&s, &r);
	assert_int_equal(check(&r, "interrupt_remapping")->state, STATUS_FAIL);
	assert_contains(check(&r, "interrupt_remapping")->detail, "although the units support it");
	assert_contains(check(&r, "interrupt_remapping")->remedy, "DMAR-IR");
	assert_true(r.failed);
	status_report_release(&r);
	/* allow_unsafe_interrupts=1 lets VFIO go on: warn */
	s.host.params.type1_loaded = true;
	s.host.params.type1_allow_unsafe_interrupts = 1;
	status_analyse(&s, &r);
	assert_int_equal(check(&r, "interrupt_remapping")->state, STATUS_WARN);
	assert_int_equal(check(&r, "vfio_unsafe_options")->state, STATUS_WARN);
	assert_false(r.failed);
	status_report_release(&r);
	snapshot_release(&s);

	/* intremap=off decides even when /proc/interrupts was not read */
	intel_host(&s, "intremap=off", 1, "DMA-FQ");
	status_analyse(&s, &r);
	assert_int_equal(check(&r, "interrupt_remapping")->state, STATUS_FAIL);
	assert_string_equal(r.ir_disabled_by, "intremap=off");
	assert_string_equal(check(&r, "interrupt_remapping")->remedy, "remove intremap=off from the kernel command line");
	status_report_release(&r);
	snapshot_release(&s);

	/* a VT-d without ECAP.IR can never remap: fail, QEMU advice */
	host_snapshot(&s, "");
	add_unit(&s, "dmar0", "intel", true, QEMU_CAP, QEMU_ECAP & ~(1ull << 3));
	add_groups(&s, 1, "DMA-FQ");
	status_analyse(&s, &r);
	assert_int_equal(r.ir_supported, 0);
	assert_int_equal(check(&r, "interrupt_remapping")->state, STATUS_FAIL);
	assert_contains(check(&r, "interrupt_remapping")->remedy, "intel-iommu,intremap=on");
	status_report_release(&r);
	snapshot_release(&s);

	/* not read, nothing decides: unknown */
	intel_host(&s, "", 1, "DMA-FQ");
	status_analyse(&s, &r);
	assert_int_equal(check(&r, "interrupt_remapping")->state, STATUS_UNKNOWN);
	assert_int_equal(r.ir_active, -1);
	assert_false(r.failed);
	/* ... and a check that can fail, unknown: no pass (status exits 3) */
	assert_true(r.undecided);
	assert_true(status_check_can_fail("interrupt_remapping"));
	assert_false(status_check_can_fail("vfio_modules"));
	status_report_release(&r);
	snapshot_release(&s);
}

static void no_iommu_fails(void **state)
{
	struct snapshot s;
	struct status_report r;
	(void)state;
	host_snapshot(&s, "quiet");
	s.host.ir_active = 0;
	status_analyse(&s, &r);
	assert_true(r.failed);
	assert_false(r.present);
	assert_int_equal(check(&r, "iommu_hardware")->state, STATUS_FAIL);
	assert_contains(check(&r, "iommu_hardware")->remedy, "firmware setup");
	assert_int_equal(check(&r, "iommu_driver")->state, STATUS_FAIL);
	assert_contains(check(&r, "iommu_driver")->detail, "No IOMMU is active");
	assert_int_equal(check(&r, "default_domain")->state, STATUS_INFO);
	assert_int_equal(check(&r, "interrupt_remapping")->state, STATUS_INFO);
	status_report_release(&r);
	snapshot_release(&s);

	/* DMAR but intel_iommu=off: the hardware passes, the driver fails with
	 * the Intel remedy */
	host_snapshot(&s, "intel_iommu=off");
	strvec_push(&s.fw_tables, "DMAR");
	status_analyse(&s, &r);
	assert_int_equal(check(&r, "iommu_hardware")->state, STATUS_PASS);
	assert_int_equal(check(&r, "iommu_driver")->state, STATUS_FAIL);
	assert_string_equal(check(&r, "iommu_driver")->remedy,
			    "replace intel_iommu=off with intel_iommu=on on the kernel command line");
	status_report_release(&r);
	snapshot_release(&s);

	/* no ACPI directory and nothing registered: unknown hardware */
	host_snapshot(&s, "");
	s.fw_acpi = false;
	status_analyse(&s, &r);
	assert_int_equal(check(&r, "iommu_hardware")->state, STATUS_UNKNOWN);
	status_report_release(&r);
	snapshot_release(&s);
}

static void cmdline_mistakes(void **state)
{
	struct snapshot s;
	struct status_report r;
	(void)state;
	host_snapshot(&s, "amd_iommu=on intel_iommu=on");
	strvec_push(&s.fw_tables, "IVRS");
	add_unit(&s, "ivhd0", "amd", false, 0, 0);
	add_groups(&s, 1, "DMA-FQ");
	status_analyse(&s, &r);
	assert_int_equal(check(&r, "kernel_cmdline")->state, STATUS_WARN);
	assert_contains(check(&r, "kernel_cmdline")->detail, "amd_iommu=on is not a kernel option");
	assert_contains(check(&r, "kernel_cmdline")->detail, "intel_iommu=on has no effect on an AMD IOMMU");
	assert_contains(check(&r, "kernel_cmdline")->remedy, "remove amd_iommu=on");
	/* registers not read: unknown, not a guess */
	assert_int_equal(check(&r, "iommu_unit")->state, STATUS_UNKNOWN);
	assert_null(r.units[0].amd ? "decoded" : NULL);
	status_report_release(&r);
	snapshot_release(&s);
}

static void host_facts_missing(void **state)
{
	struct snapshot s;
	struct status_report r;
	(void)state;
	/* a capture without /proc/version, /sys/module and /dev (made by an
	 * older iommuctl or another tool) */
	intel_host(&s, "intel_iommu=on", 1, "DMA-FQ");
	free(s.host.kernel_release);
	s.host.kernel_release = NULL;
	s.host.kver_major = s.host.kver_minor = 0;
	s.host.params.modules_err = -ENOENT;
	s.host.vfio.dev_err = -ENOENT;
	status_analyse(&s, &r);
	assert_false(r.modules_known);
	assert_false(r.nodes_known);
	assert_int_equal(r.vfio_loaded, -1);
	assert_contains(check(&r, "vfio_modules")->detail, "/sys/module cannot be read (No such file or directory)");
	assert_contains(check(&r, "vfio_nodes")->detail, "/dev cannot be read");
	assert_int_equal(check(&r, "kernel_release")->state, STATUS_UNKNOWN);
	assert_int_equal(check(&r, "vfio_modules")->state, STATUS_UNKNOWN);
	assert_int_equal(check(&r, "vfio_unsafe_options")->state, STATUS_UNKNOWN);
	assert_int_equal(check(&r, "vfio_nodes")->state, STATUS_UNKNOWN);
	assert_false(r.failed);
	status_report_release(&r);
	/* ... but an unsafe option on the command line is seen anyway */
	free(s.cmdline);
	s.cmdline = strdup("vfio_iommu_type1.allow_unsafe_interrupts=1");
	status_analyse(&s, &r);
	assert_int_equal(check(&r, "vfio_unsafe_options")->state, STATUS_WARN);
	status_report_release(&r);
	snapshot_release(&s);
}

static void vfio_ready_and_noiommu(void **state)
{
	struct snapshot s;
	struct status_report r;
	(void)state;
	intel_host(&s, "", 2, "DMA-FQ");
	s.host.ir_active = 1;
	s.host.params.vfio_pci_loaded = true;
	s.host.params.type1_loaded = true;
	s.host.params.type1_allow_unsafe_interrupts = 0;
	s.host.vfio.dir_err = 0;
	s.host.vfio.container = true;
	s.host.vfio.groups = calloc(1, sizeof(int));
	s.host.vfio.groups[0] = 1;
	s.host.vfio.ngroups = 1;
	status_analyse(&s, &r);
	assert_int_equal(r.vfio_loaded, 1);
	assert_int_equal(check(&r, "vfio_modules")->state, STATUS_PASS);
	assert_contains(check(&r, "vfio_modules")->detail, "vfio, vfio_pci and vfio_iommu_type1 loaded");
	assert_contains(check(&r, "vfio_modules")->detail, "iommufd not loaded");
	assert_int_equal(check(&r, "vfio_nodes")->state, STATUS_PASS);
	assert_contains(check(&r, "vfio_nodes")->detail, "/dev/vfio/vfio (container); group node /dev/vfio/1");
	assert_int_equal(check(&r, "vfio_unsafe_options")->state, STATUS_PASS);
	status_report_release(&r);
	/* a no-IOMMU node: warn twice, never pass */
	s.host.vfio.noiommu_groups = calloc(1, sizeof(int));
	s.host.vfio.noiommu_groups[0] = 7;
	s.host.vfio.nnoiommu = 1;
	status_analyse(&s, &r);
	assert_int_equal(check(&r, "vfio_nodes")->state, STATUS_WARN);
	assert_int_equal(check(&r, "vfio_unsafe_options")->state, STATUS_WARN);
	assert_contains(check(&r, "vfio_unsafe_options")->remedy, "vfio.enable_unsafe_noiommu_mode=0");
	status_report_release(&r);
	snapshot_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(intel_decode_qemu),
		cmocka_unit_test(intel_decode_bits),
		cmocka_unit_test(amd_decode_bits),
		cmocka_unit_test(kernel_bools),
		cmocka_unit_test(cmdline_precedence),
		cmocka_unit_test(intel_lazy_host),
		cmocka_unit_test(passthrough_warns),
		cmocka_unit_test(mixed_and_unknown_types),
		cmocka_unit_test(strict_sources),
		cmocka_unit_test(interrupt_remapping_states),
		cmocka_unit_test(no_iommu_fails),
		cmocka_unit_test(cmdline_mistakes),
		cmocka_unit_test(host_facts_missing),
		cmocka_unit_test(vfio_ready_and_noiommu),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
