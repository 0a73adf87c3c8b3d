/* cmd-map-check.c - `iommuctl map-check (BDF | --group N) (--range
 * IOVA:SIZE... | --guest-ram SIZE [--machine q35|pc|virt])`: whether a planned
 * VFIO mapping layout fits the group's reserved regions, the IOMMU's
 * aperture and page sizes and vfio_iommu_type1's entry limit; exit 1 on
 * any conflict. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "diag.h"
#include "mapcheck.h"

enum { OPT_GROUP = OPT_FIRST_COMMAND_OPTION, OPT_RANGE, OPT_GUEST_RAM, OPT_MACHINE };

static const struct option map_check_options[] = {
	{"group", required_argument, NULL, OPT_GROUP},
	{"range", required_argument, NULL, OPT_RANGE},
	{"guest-ram", required_argument, NULL, OPT_GUEST_RAM},
	{"machine", required_argument, NULL, OPT_MACHINE},
	GLOBAL_LONG_OPTIONS,
	{NULL, 0, NULL, 0},
};

static const struct opt_help map_check_help[] = {
	{"BDF", "check the group of this PCI function (DDDD:BB:DD.F or BB:DD.F)"},
	{"    --group N", "check IOMMU group N"},
	{"    --range IOVA:SIZE", "one VFIO_IOMMU_MAP_DMA: IOVA and size in bytes, 0x hex, or with K, M, G, T; repeat it, "
			      "or separate ranges with commas"},
	{"    --guest-ram SIZE", "the guest RAM layout QEMU builds for this much RAM (e.g. 16G)"},
	{"    --machine TYPE", "with --guest-ram: q35, pc (i440fx) or virt (Arm); default: the host's own (virt on Arm)"},
	{NULL, NULL},
};

/* "0x100000000:4G,0:640K" appended to *ranges */
static bool parse_ranges(const char *arg, struct map_range **ranges, size_t *n, size_t *cap)
{
	char *copy = xstrdup(arg), *save = NULL, *tok;
	bool ok = true;
	for (tok = strtok_r(copy, ",", &save); tok && ok; tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':');
		uint64_t iova, size;
		if (!colon) {
			ok = false;
			break;
		}
		*colon = '\0';
		ok = parse_size_suffix(tok, &iova) && parse_size_suffix(colon + 1, &size) && size &&
		     iova + size - 1 >= iova && iova + size - 1 <= (1ull << 63) - 1;
		if (ok) {
			xgrow((void **)ranges, cap, *n + 1, sizeof(**ranges));
			(*ranges)[(*n)++] = (struct map_range){iova, iova + size - 1, NULL};
		}
	}
	free(copy);
	return ok && tok == NULL && *n;
}

static int map_check_run(struct app *app, int argc, char **argv)
{
	struct mapcheck_request q = {.group = -1, .machine = GUEST_MACHINE_DEFAULT};
	struct map_range *ranges = NULL;
	size_t nranges = 0, cap = 0;
	bool have_machine = false;
	struct pci_addr a;
	struct snapshot s;
	struct mapcheck_report r;
	char *why = NULL;
	int opt, rc, err;

	optind = 0; /* options before or after the device */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, app->cmd->shortopts, app->cmd->options, NULL)) != -1) {
		if (app_global_option(app, opt, optarg))
			continue;
		switch (opt) {
		case OPT_GROUP:
			if (!is_decimal(optarg) || !parse_int(optarg, &q.group)) {
				free(ranges);
				return app_usage_error(app, "--group needs a group number, not '%s'", optarg);
			}
			break;
		case OPT_RANGE:
			if (!parse_ranges(optarg, &ranges, &nranges, &cap)) {
				free(ranges);
				return app_usage_error(app,
						       "--range needs IOVA:SIZE (bytes, 0x hex, or with K, M, G, T; a size "
						       "above 0, ending below 2^63), not '%s'",
						       optarg);
			}
			break;
		case OPT_GUEST_RAM:
			if (!parse_size_suffix(optarg, &q.guest_ram) || !q.guest_ram || q.guest_ram % 4096 ||
			    q.guest_ram > (1ull << 52)) {
				free(ranges);
				return app_usage_error(app,
						       "--guest-ram needs a RAM size, a multiple of 4 KiB up to 4 PiB (e.g. "
						       "16G), not '%s'",
						       optarg);
			}
			break;
		case OPT_MACHINE:
			if (!guest_machine_parse(optarg, &q.machine)) {
				free(ranges);
				return app_usage_error(app, "--machine is q35, pc or virt, not '%s'", optarg);
			}
			have_machine = true;
			break;
		default:
			free(ranges);
			return app_other_option(app, opt, argv);
		}
	}
	rc = EXIT_USAGE;
	if (optind + (q.group < 0) < argc)
		rc = app_usage_error(app, "unexpected argument '%s'", argv[optind + (q.group < 0)]);
	else if (q.group < 0 && optind >= argc)
		rc = app_usage_error(app, "no device or --group given");
	else if (q.group < 0 && !app_parse_device(argv[optind], &a))
		rc = app_usage_error(app, "'%s' is not a PCI address (DDDD:BB:DD.F or BB:DD.F)", argv[optind]);
	else if (!nranges && !q.guest_ram)
		rc = app_usage_error(app, "--range or --guest-ram is required");
	else if (nranges && q.guest_ram)
		rc = app_usage_error(app, "--range and --guest-ram cannot be combined");
	else if (have_machine && !q.guest_ram)
		rc = app_usage_error(app, "--machine goes with --guest-ram");
	else
		rc = EXIT_OK;
	if (rc != EXIT_OK) {
		free(ranges);
		return rc;
	}
	q.ranges = ranges;
	q.nranges = nranges;

	rc = app_load(app, SNAP_LOAD_HOST, &s);
	if (rc != EXIT_OK)
		goto out;
	if (q.group < 0) {
		const struct pci_device *d = app_find_device(app, &s, &a, &rc);
		if (d && d->group < 0)
			rc = app_fail(app, EXIT_BLOCKING,
				      "%s is in no IOMMU group: VFIO cannot map DMA for it (no IOMMU translates it)", d->bdf);
		if (rc != EXIT_OK)
			goto out;
		q.group = d->group;
	}
	app_print_warnings(app, &s);
	err = mapcheck_analyse(&s, &q, &r, &why);
	if (err == -ENOENT)
		rc = app_usage_error(app, "there is no IOMMU group %d", q.group);
	else if (err < 0)
		rc = app_fail(app, EXIT_ENV, "cannot read '%s': the group's reserved regions decide the check", why);
	else if ((app->json ? json_print_mapcheck(&s, &r, names_warning(app->names), app->pretty)
			    : render_mapcheck_text(&s, &r, terminal_width())) < 0)
		rc = app_output_failed(app);
	else
		rc = r.nconflicts ? EXIT_BLOCKING : EXIT_OK;
	free(why);
	mapcheck_report_release(&r);
out:
	snapshot_release(&s);
	free(ranges);
	return rc;
}

const struct command cmd_map_check = {
	.name = "map-check",
	.run = map_check_run,
	.args = "(BDF | --group N) (--range IOVA:SIZE... | --guest-ram SIZE [--machine q35|pc|virt])",
	.summary = "Check a VFIO mapping layout against a group's reserved regions and IOMMU limits.",
	.options = map_check_options,
	.shortopts = ":hjp",
	.help = map_check_help,
};
