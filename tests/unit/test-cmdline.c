/* test-cmdline.c - iommu_cmdline_parse() as the kernel reads a command
 * line: items of comma-separated options, prefix matching, the two passes
 * (early params, then __setup and module parameters), which item
 * overrides which, and the settings in force (KERNEL-FACTS.md 4.2, 5.3, 6). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"

/* The item NAME=VALUE (VALUE NULL: a bare flag), which must exist. */
static const struct cmdline_item *item(const struct iommu_cmdline *c, const char *name, const char *value)
{
	for (size_t i = 0; i < c->nitems; i++)
		if (!strcmp(c->items[i].name, name) &&
		    (value ? c->items[i].value && !strcmp(c->items[i].value, value) : !c->items[i].value))
			return &c->items[i];
	fail_msg("no item %s=%s", name, value ? value : "(flag)");
	return NULL;
}

static const char *overrider(const struct iommu_cmdline *c, const struct cmdline_item *it)
{
	return it->overridden_by >= 0 ? c->items[it->overridden_by].value : NULL;
}

static void unrelated_tokens_are_left_out(void **state)
{
	struct iommu_cmdline c;
	(void)state;
	iommu_cmdline_parse("BOOT_IMAGE=/vmlinuz root=/dev/sda1 quiet pci=realloc,nommconf video=vesa:off", &c);
	assert_int_equal(c.nitems, 0);
	iommu_cmdline_release(&c);
	/* after a bare "--" the words are init's */
	iommu_cmdline_parse("quiet -- iommu=pt", &c);
	assert_int_equal(c.nitems, 0);
	assert_int_equal(c.passthrough, -1);
	iommu_cmdline_release(&c);
	/* next_arg strips the quotes first: a quoted "--" ends it too */
	iommu_cmdline_parse("\"--\" iommu=pt", &c);
	assert_int_equal(c.passthrough, -1);
	iommu_cmdline_release(&c);
	iommu_cmdline_parse("--x iommu=pt", &c);
	assert_int_equal(c.passthrough, 1);
	iommu_cmdline_release(&c);
	iommu_cmdline_parse("pci=realloc,noats", &c);
	assert_int_equal(c.nitems, 1);
	assert_string_equal(item(&c, "pci", "noats")->setting, "ats");
	assert_true(c.ats_off);
	iommu_cmdline_release(&c);
}

/* __setup handlers run after every early param: intel_iommu=strict beats
 * a later iommu.strict=0, and the early one is marked overridden. */
static void setup_after_early(void **state)
{
	struct iommu_cmdline c;
	int translated;
	(void)state;
	iommu_cmdline_parse("intel_iommu=strict iommu.strict=0 iommu=nopt", &c);
	assert_int_equal(cmdline_strict(&c), 1);
	assert_string_equal(overrider(&c, item(&c, "iommu.strict", "0")), "strict");
	assert_int_equal(item(&c, "intel_iommu", "strict")->overridden_by, -1);
	assert_false(item(&c, "intel_iommu", "strict")->early);
	assert_true(item(&c, "iommu.strict", "0")->early);
	assert_string_equal(cmdline_default_domain(&c, &translated), "DMA");
	assert_int_equal(translated, 1);
	iommu_cmdline_release(&c);
	/* the last of iommu=pt / iommu.passthrough= wins */
	iommu_cmdline_parse("iommu=pt iommu.passthrough=0 iommu.strict=0", &c);
	assert_string_equal(cmdline_default_domain(&c, &translated), "DMA-FQ");
	assert_string_equal(overrider(&c, item(&c, "iommu", "pt")), "0");
	iommu_cmdline_release(&c);
	/* nothing said: the build decides */
	iommu_cmdline_parse("quiet", &c);
	assert_null(cmdline_default_domain(&c, &translated));
	assert_int_equal(translated, -1);
	assert_int_equal(cmdline_strict(&c), -1);
	iommu_cmdline_release(&c);
	/* translated, strictness unsaid: still the build's choice */
	iommu_cmdline_parse("iommu=nopt", &c);
	assert_null(cmdline_default_domain(&c, &translated));
	assert_int_equal(translated, 1);
	iommu_cmdline_release(&c);
}

static void invalid_and_unknown(void **state)
{
	struct iommu_cmdline c;
	const struct cmdline_item *it;
	(void)state;
	iommu_cmdline_parse("amd_iommu=on iommu=on intel_iommu=bogus iommu.strict=maybe iommu.frobnicate=1 "
			    "vfio_iommu_type1.allow_unsafe_interrupts pcie_acs_override=downstream iommu=forcesac",
			    &c);
	it = item(&c, "amd_iommu", "on");
	assert_true(it->known);
	assert_false(it->valid);
	assert_non_null(strstr(it->effect, "Unknown option - 'on'"));
	assert_string_equal(c.amd_on, "amd_iommu=on");
	assert_false(item(&c, "iommu", "on")->known);
	assert_string_equal(c.iommu_on, "iommu=on");
	assert_false(item(&c, "intel_iommu", "bogus")->known);
	it = item(&c, "iommu.strict", "maybe");
	assert_true(it->known);
	assert_false(it->valid);
	assert_int_equal(c.strict, -1);
	assert_false(item(&c, "iommu.frobnicate", "1")->known);
	/* a bare module bool means Y */
	it = item(&c, "vfio_iommu_type1.allow_unsafe_interrupts", NULL);
	assert_true(it->valid);
	assert_int_equal(c.type1_unsafe, 1);
	it = item(&c, "pcie_acs_override", "downstream");
	assert_true(it->out_of_tree);
	assert_false(it->known);
	assert_false(item(&c, "iommu", "forcesac")->valid);
	iommu_cmdline_release(&c);
}

/* Items match by strncmp prefix, in the kernel's order; iommu=usedac ends
 * the parsing of its token. */
static void prefixes_and_usedac(void **state)
{
	struct iommu_cmdline c;
	(void)state;
	iommu_cmdline_parse("amd_iommu=offline,pgtbl_v2 intel_iommu=sm_onward iommu=usedac,pt", &c);
	assert_string_equal(c.amd_off_by, "amd_iommu=offline,pgtbl_v2");
	assert_string_equal(c.amd_pgtable, "v2");
	assert_int_equal(c.scalable_mode, 1);
	assert_int_equal(c.passthrough, -1);
	assert_non_null(strstr(item(&c, "iommu", "pt")->effect, "usedac"));
	iommu_cmdline_release(&c);
	/* '-' and '_' alike in names */
	iommu_cmdline_parse("amd-iommu=nohugepages vfio-pci.ids=10de:1b80", &c);
	assert_string_equal(c.amd_pgsizes, "4K");
	assert_true(item(&c, "vfio-pci.ids", "10de:1b80")->known);
	iommu_cmdline_release(&c);
}

static void swiotlb_items(void **state)
{
	struct iommu_cmdline c;
	(void)state;
	iommu_cmdline_parse("swiotlb=1000,3,force swiotlb=noforce", &c);
	assert_int_equal(c.swiotlb_nslabs, 1024);
	assert_int_equal(c.swiotlb_nareas, 4);
	/* noforce beats force wherever it stands */
	assert_string_equal(overrider(&c, item(&c, "swiotlb", "force")), "noforce");
	assert_int_equal(cmdline_swiotlb_force(&c), 0);
	assert_non_null(strstr(item(&c, "swiotlb", "1000")->effect, "1024 slabs"));
	iommu_cmdline_release(&c);
	/* the words are compared whole: "force,0" is neither */
	iommu_cmdline_parse("swiotlb=noforce swiotlb=force,0 swiotlb=force", &c);
	assert_int_equal(cmdline_swiotlb_force(&c), 0);
	assert_false(item(&c, "swiotlb", "force,0")->valid);
	assert_string_equal(overrider(&c, item(&c, "swiotlb", "force")), "noforce");
	iommu_cmdline_release(&c);
	iommu_cmdline_parse("swiotlb=128,0", &c);
	assert_int_equal(c.swiotlb_nareas, 1);
	assert_int_equal(cmdline_swiotlb_force(&c), -1);
	iommu_cmdline_release(&c);
}

/* iommu=off keeps intel_iommu=on from mattering; intremap= last wins. */
static void off_and_intremap(void **state)
{
	struct iommu_cmdline c;
	(void)state;
	iommu_cmdline_parse("intel_iommu=on iommu=off nointremap intremap=on,nopost", &c);
	assert_string_equal(c.items[item(&c, "intel_iommu", "on")->overridden_by].value, "off");
	assert_int_equal(c.intremap, 1);
	assert_null(c.intremap_off_by);
	assert_int_equal(c.irq_post, 0);
	assert_int_equal(item(&c, "nointremap", NULL)->overridden_by >= 0, 1);
	iommu_cmdline_release(&c);
	iommu_cmdline_parse("vfio_iommu_type1.dma_entry_limit=200000 vfio_iommu_type1.dma_entry_limit=x", &c);
	assert_int_equal(c.dma_entry_limit, 200000);
	assert_false(item(&c, "vfio_iommu_type1.dma_entry_limit", "x")->valid);
	iommu_cmdline_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unrelated_tokens_are_left_out),
		cmocka_unit_test(setup_after_early),
		cmocka_unit_test(invalid_and_unknown),
		cmocka_unit_test(prefixes_and_usedac),
		cmocka_unit_test(swiotlb_items),
		cmocka_unit_test(off_and_intremap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
