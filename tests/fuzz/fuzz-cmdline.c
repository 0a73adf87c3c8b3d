/* fuzz-cmdline.c - the kernel command line: cmdline_split,
 * cmdline_is_iommu_option, iommu_cmdline_parse, and every analysis that
 * reads the command line (presence, status, swiotlb, the isolation rules'
 * pcie_acs_override and pci=disable_acs_redir=/config_acs=, check-vfio)
 * over a small host whose /proc/cmdline is the input.
 *
 * Input: the bytes of /proc/cmdline.  NULs and newlines become spaces, as
 * the loader makes them (load_cmdline in src/model.c). */
#include <stdint.h>
#include <stdlib.h>

#include "analysis.h"
#include "common.h"
#include "status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A root port with ACS (Intel Sunrise Point, which has a quirk reading the
 * ACS registers itself), a multifunction endpoint below it, a switch
 * downstream port without ACS and a conventional device behind a
 * PCIe-to-PCI bridge: each is an object of some cmdline option. */
static void add_functions(struct snapshot *s)
{
	uint8_t cfg[4096];
	size_t port, bridge;

	fuzz_config(cfg, sizeof(cfg), 0x8086, 0xa110, 0x060400, 0x01, PCIE_TYPE_ROOT_PORT, 0x5f, 0x1d);
	port = fuzz_add_function(s, "0000:00:1c.0", cfg, sizeof(cfg), -1);
	fuzz_config(cfg, sizeof(cfg), 0x1b36, 0x000e, 0x060400, 0x01, PCIE_TYPE_PCI_BRIDGE, 0, 0);
	bridge = fuzz_add_function(s, "0000:00:1e.0", cfg, sizeof(cfg), -1);
	fuzz_config(cfg, sizeof(cfg), 0x8086, 0x2918, 0x060100, 0x80, PCIE_TYPE_RC_END, 0, 0);
	fuzz_add_function(s, "0000:00:1f.0", cfg, 256, -1);
	fuzz_config(cfg, sizeof(cfg), 0x10de, 0x1eb8, 0x030200, 0x80, PCIE_TYPE_ENDPOINT, 0, 0);
	fuzz_add_function(s, "0000:01:00.0", cfg, sizeof(cfg), (int)port);
	fuzz_config(cfg, sizeof(cfg), 0x10de, 0x10f8, 0x040300, 0x00, PCIE_TYPE_ENDPOINT, 0, 0);
	fuzz_add_function(s, "0000:01:00.1", cfg, sizeof(cfg), (int)port);
	fuzz_config(cfg, 256, 0x8086, 0x100e, 0x020000, 0x00, -1, 0, 0);
	fuzz_add_function(s, "0000:02:01.0", cfg, 256, (int)bridge);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = xmalloc(size + 1);
	struct strvec tokens;
	struct iommu_cmdline c;
	struct snapshot s;

	for (size_t i = 0; i < size; i++)
		line[i] = data[i] == '\0' || data[i] == '\n' ? ' ' : (char)data[i];
	line[size] = '\0';
	rstrip(line);

	strvec_init(&tokens);
	cmdline_split(line, &tokens);
	for (size_t i = 0; i < tokens.n; i++)
		cmdline_is_iommu_option(tokens.v[i]);
	strvec_release(&tokens);
	iommu_cmdline_parse(line, &c);
	iommu_cmdline_release(&c);

	fuzz_host(&s, line);
	add_functions(&s);
	fuzz_groups(&s);
	fuzz_analyse(&s);
	snapshot_release(&s);
	return 0;
}
