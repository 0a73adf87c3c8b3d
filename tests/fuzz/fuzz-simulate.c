/* fuzz-simulate.c - simulate's trace parser and the models behind it: each
 * line of the input through sim_step (the page-table formats, the IOVA
 * allocator, the IOTLB with its flush queue), then the totals.
 *
 * Input: one byte choosing the configuration (bits 0-2: the format modulo
 * 5; bit 3: strict; bit 4: forcedac; bit 5: 6.6's SAC rule off; bit 6: a
 * 16-entry IOTLB, so evictions happen; bit 7: a 39-bit or 57-bit address
 * width), then the trace.  The model's limits are lowered (64 Ki pages a
 * map, 64 MiB of tables): the first timeout found was a 4 TiB map in 4 KiB
 * pages, now refused (E2BIG) and in tests/unit/test-simulate.c. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "simulate.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim_config c;
	struct sim *s;
	struct sim_result r;
	struct sim_totals t;
	char *text, *why = NULL, err[256];
	unsigned long lineno = 0;
	uint8_t k;

	if (size < 1)
		return 0;
	k = data[0];
	sim_config_default(&c, (enum pt_format)(k & 7) % 5);
	c.lazy = !(k & 8);
	c.forcedac = k & 16;
	c.sac_every_time = k & 32;
	c.iotlb_entries = k & 64 ? 16 : 0;
	if (k & 128)
		c.aw = c.format == PT_INTEL_VTD || c.format == PT_AMD_V1 ? 57 : 39;
	/* small limits: an input must not take seconds or gigabytes under the
	 * sanitizers (the CLI's are 16 Mi pages a map, 1 GiB of tables) */
	c.max_map_pages = 1u << 16;
	c.max_table_bytes = 64u << 20;
	if (sim_create(&c, &s, &why) < 0) {
		free(why);
		return 0;
	}
	text = xmalloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	for (char *line = text, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		/* a bad line ends a real run; here the rest still runs */
		sim_step(s, ++lineno, line, &r, err, sizeof(err));
	}
	sim_get_totals(s, &t);
	if (t.iotlb_stale_hits > t.iotlb_hits || t.failed > t.ops)
		abort();
	free(text);
	sim_free(s);
	return 0;
}
