/* test-analysis.c - command-line parsing and the no-IOMMU conclusion, over
 * snapshots built in memory. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

static void cmdline_tokens(void **state)
{
	struct strvec v;
	(void)state;
	strvec_init(&v);
	cmdline_split("  root=/dev/sda1  quiet \"dyndbg=file x.c +p\" intel_iommu=on,sm_on\n", &v);
	assert_int_equal(v.n, 4);
	assert_string_equal(v.v[0], "root=/dev/sda1");
	assert_string_equal(v.v[2], "dyndbg=file x.c +p");
	assert_string_equal(v.v[3], "intel_iommu=on,sm_on");
	strvec_release(&v);
	cmdline_split(NULL, &v);
	assert_int_equal(v.n, 0);
	strvec_release(&v);
}

static void cmdline_options(void **state)
{
	static const char *const yes[] = {"intel_iommu=on", "amd_iommu=off", "iommu=pt", "iommu.strict=1",
					  "iommu.passthrough=0", "intremap=off", "vfio-pci.ids=10de:1b80",
					  "vfio_iommu_type1.allow_unsafe_interrupts=1", "pcie_acs_override=downstream",
					  "pci=noats", "pci=disable_acs_redir=0000:00:01.0", "arm-smmu.disable_bypass=0",
					  "iommufd.allow_unsafe_interrupts=1"};
	static const char *const no[] = {"iommux=1", "swiotlb=force", "pci=nomsi", "quiet", "intel_iommux=on",
					 "root=/dev/iommu"};
	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++)
		assert_true(cmdline_is_iommu_option(yes[i]));
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
		assert_false(cmdline_is_iommu_option(no[i]));
}

static void base_snapshot(struct snapshot *s, const char *cmdline)
{
	snapshot_init(s);
	s->cmdline = cmdline ? strdup(cmdline) : NULL;
	s->cmdline_err = cmdline ? 0 : -EACCES;
	s->fw_tables_checked = true;
	s->fw_acpi = true;
}

static void absent_plain(void **state)
{
	struct snapshot s;
	struct iommu_presence p;
	(void)state;
	base_snapshot(&s, "quiet");
	iommu_presence_analyse(&s, &p);
	assert_false(p.present);
	assert_string_equal(p.absent.code, "no_iommu");
	assert_string_equal(p.absent.message,
			    "No IOMMU is active: /sys/class/iommu lists no IOMMU units, /sys/kernel/iommu_groups is "
			    "empty, the ACPI tables include no DMAR, IVRS, IORT or VIOT and the kernel command line has "
			    "no IOMMU option.");
	assert_non_null(strstr(p.absent.remedy, "firmware setup"));
	iommu_presence_release(&p);
	snapshot_release(&s);
}

static void absent_intel_off(void **state)
{
	struct snapshot s;
	struct iommu_presence p;
	(void)state;
	base_snapshot(&s, "ro intel_iommu=off");
	strvec_push(&s.fw_tables, "DMAR");
	iommu_presence_analyse(&s, &p);
	assert_false(p.present);
	assert_non_null(strstr(p.absent.message, "the ACPI tables describe Intel VT-d (DMAR) but no driver registered it"));
	assert_non_null(strstr(p.absent.message, "the kernel command line has intel_iommu=off"));
	assert_string_equal(p.absent.remedy, "replace intel_iommu=off with intel_iommu=on on the kernel command line");
	iommu_presence_release(&p);
	snapshot_release(&s);
}

static void absent_amd_on_is_not_an_option(void **state)
{
	struct snapshot s;
	struct iommu_presence p;
	(void)state;
	base_snapshot(&s, "amd_iommu=off");
	strvec_push(&s.fw_tables, "IVRS");
	iommu_presence_analyse(&s, &p);
	assert_non_null(strstr(p.absent.remedy, "remove amd_iommu=off"));
	assert_non_null(strstr(p.absent.remedy, "amd_iommu=on is not a kernel option"));
	iommu_presence_release(&p);
	snapshot_release(&s);
	base_snapshot(&s, "iommu=off intel_iommu=on");
	strvec_push(&s.fw_tables, "DMAR");
	iommu_presence_analyse(&s, &p);
	assert_string_equal(p.absent.remedy, "remove iommu=off from the kernel command line");
	iommu_presence_release(&p);
	snapshot_release(&s);
}

static void absent_no_kernel_support(void **state)
{
	struct snapshot s;
	struct iommu_presence p;
	(void)state;
	base_snapshot(&s, NULL);
	s.iommu_groups.err = -ENOENT;
	s.class_iommu.err = -ENOENT;
	s.fw_acpi = false;
	iommu_presence_analyse(&s, &p);
	assert_string_equal(p.absent.message,
			    "No IOMMU is active: /sys/class/iommu does not exist, /sys/kernel/iommu_groups does not "
			    "exist (this kernel has no IOMMU support), there are no ACPI tables "
			    "(/sys/firmware/acpi/tables does not exist) and /proc/cmdline cannot be read.");
	assert_non_null(strstr(p.absent.remedy, "CONFIG_IOMMU_SUPPORT"));
	iommu_presence_release(&p);
	snapshot_release(&s);
}

static void present_and_noiommu(void **state)
{
	struct snapshot s;
	struct iommu_presence p;
	(void)state;
	base_snapshot(&s, "intel_iommu=on iommu=pt");
	s.grp = calloc(2, sizeof(*s.grp));
	s.ngrp = 1;
	s.grp[0].name = strdup("vfio-noiommu");
	strvec_init(&s.grp[0].other);
	iommu_presence_analyse(&s, &p);
	assert_false(p.present);
	assert_int_equal(p.noiommu_groups, 1);
	assert_int_equal(p.cmdline_options.n, 2);
	assert_non_null(strstr(p.absent.message, "is a VFIO no-IOMMU group, which isolates nothing"));
	iommu_presence_release(&p);
	/* a second, real group: an IOMMU is active */
	s.ngrp = 2;
	strvec_init(&s.grp[1].other);
	iommu_presence_analyse(&s, &p);
	assert_true(p.present);
	assert_null(p.absent.message);
	iommu_presence_release(&p);
	snapshot_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cmdline_tokens),   cmocka_unit_test(cmdline_options),
		cmocka_unit_test(absent_plain),     cmocka_unit_test(absent_intel_off),
		cmocka_unit_test(absent_amd_on_is_not_an_option), cmocka_unit_test(absent_no_kernel_support),
		cmocka_unit_test(present_and_noiommu),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
