/* fuzz-config.c - configuration-space decoding: pci_decode_ident and
 * pci_parse_caps (the standard and extended capability lists, with loops
 * and pointers out of range) over 0 to 4096 bytes, then the analyses that
 * read the decoded capabilities and the raw space (ACS quirks, isolation,
 * check-vfio's resets, swiotlb), with the input as a function below a
 * root port, beside a second copy of itself (a multifunction device), and
 * above a synthetic endpoint (when it decodes as a bridge).
 *
 * Input: the bytes of the `config` file. */
#include <stdint.h>
#include <stdlib.h>

#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pci_caps caps;
	struct pci_ident id;
	struct snapshot s;
	uint8_t cfg[4096];
	size_t port, fn0;

	if (size > 4096)
		return -1; /* no configuration space is larger: keep it out of the corpus */
	/* the input buffer itself: libFuzzer sizes it exactly, so ASan sees
	 * any read past SIZE */
	pci_parse_caps(data, size, &caps);
	pci_decode_ident(data, size, &id);

	fuzz_host(&s, xstrdup("intel_iommu=on pcie_acs_override=downstream,multifunction"));
	fuzz_config(cfg, sizeof(cfg), 0x8086, 0x7c10, 0x060400, 0x01, PCIE_TYPE_ROOT_PORT, 0x5f, 0x1d);
	cfg[0x19] = 0x01; /* secondary and subordinate bus */
	cfg[0x1a] = 0x02;
	port = fuzz_add_function(&s, "0000:00:1c.0", cfg, sizeof(cfg), -1);
	fn0 = fuzz_add_function(&s, "0000:01:00.0", data, size, (int)port);
	fuzz_add_function(&s, "0000:01:00.1", data, size, (int)port);
	fuzz_config(cfg, sizeof(cfg), 0x144d, 0xa808, 0x010802, 0x00, PCIE_TYPE_ENDPOINT, 0, 0);
	fuzz_add_function(&s, "0000:02:00.0", cfg, sizeof(cfg), (int)fn0);
	fuzz_groups(&s);
	fuzz_analyse(&s);
	snapshot_release(&s);
	return 0;
}
