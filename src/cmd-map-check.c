/* cmd-map-check.c - `iommuctl map-check (BDF | --group N) (--range
 * IOVA:SIZE... | --guest-ram SIZE [--machine q35|pc])`: whether a planned
 * VFIO mapping layout fits the group's reserved regions, the IOMMU's
 * aperture and page sizes and vfio_iommu_type1's entry limit; exit 1 on
 * any conflict. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "diag.h"
#include "mapcheck.h"

/* --range, as often as given */
struct range_list {
	struct map_range *v;
	size_t n, cap;
};

struct map_check_options {
	int group; /* -1: the BDF's */
	struct range_list ranges;
	uint64_t guest_ram;
	int machine; /* an index into guest_machine_ids; -1: not given */
};

/* "0x100000000:4G,0:640K" appended to the list */
static bool parse_ranges(const char *arg, void *field)
{
	struct range_list *l = field;
	char *copy = xstrdup(arg), *save = NULL, *tok;
	size_t before = l->n;
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
			xgrow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v));
			l->v[l->n++] = (struct map_range){iova, iova + size - 1, NULL};
		}
	}
	free(copy);
	return ok && tok == NULL && l->n > before;
}

/* --group N: a group number */
static bool parse_group(const char *arg, void *field)
{
	return is_decimal(arg) && parse_int(arg, field);
}

/* --guest-ram SIZE: a multiple of 4 KiB, up to 4 PiB */
static bool parse_ram(const char *arg, void *field)
{
	uint64_t v;
	if (!parse_size_suffix(arg, &v) || !v || v % 4096 || v > (1ull << 52))
		return false;
	*(uint64_t *)field = v;
	return true;
}

static const struct cmd_option map_check_options[] = {
	{.name = "group", .kind = OPT_VALUE, .arg = "N", OWN_FIELD(struct map_check_options, group),
	 .parse = parse_group, .invalid = "needs a group number", .complete = COMPLETE_GROUP,
	 .help = "check IOMMU group N (instead of a BDF's)"},
	{.name = "range", .kind = OPT_VALUE, .arg = "IOVA:SIZE", OWN_FIELD(struct map_check_options, ranges),
	 .parse = parse_ranges,
	 .invalid = "needs IOVA:SIZE (bytes, 0x hex, or with K, M, G, T; a size above 0, ending below 2^63)",
	 .help = "one VFIO_IOMMU_MAP_DMA: IOVA and size in bytes, 0x hex, or with K, M, G, T; repeat it, or separate "
		 "ranges with commas"},
	{.name = "guest-ram", .kind = OPT_VALUE, .arg = "SIZE", OWN_FIELD(struct map_check_options, guest_ram),
	 .parse = parse_ram, .invalid = "needs a RAM size, a multiple of 4 KiB up to 4 PiB (e.g. 16G)",
	 .help = "the guest RAM layout QEMU builds for this much RAM (e.g. 16G)"},
	{.name = "machine", .kind = OPT_CHOICE, .arg = "TYPE", OWN_FIELD(struct map_check_options, machine),
	 .choices = guest_machine_ids,
	 .help = "with --guest-ram: q35, pc (i440fx) or virt (Arm); default: the host's own (virt on Arm)"},
	OPTIONS_END,
};

static const struct map_check_options map_check_defaults = {.group = -1, .machine = -1};

static void map_check_release(void *own)
{
	free(((struct map_check_options *)own)->ranges.v);
}

static int map_check_run(struct app *app, struct request *req)
{
	const struct map_check_options *o = req->own;
	struct mapcheck_request q = {.group = o->group,
				     .machine = GUEST_MACHINE_DEFAULT,
				     .guest_ram = o->guest_ram,
				     .ranges = o->ranges.v,
				     .nranges = o->ranges.n};
	struct pci_addr a;
	struct snapshot s;
	struct mapcheck_report r;
	char *why = NULL;
	int rc, err;

	if (q.group >= 0 && req->noperands)
		return app_usage_error(app, "unexpected argument '%s'", req->operands[0]);
	if (q.group < 0 && !req->noperands)
		return app_usage_error(app, "no device or --group given");
	if (!q.nranges && !q.guest_ram)
		return app_usage_error(app, "--range or --guest-ram is required");
	if (q.nranges && q.guest_ram)
		return app_usage_error(app, "--range and --guest-ram cannot be combined");
	if (o->machine >= 0 && !q.guest_ram)
		return app_usage_error(app, "--machine goes with --guest-ram");
	if (q.group < 0)
		pci_addr_parse_lenient(req->operands[0], &a);
	if (o->machine >= 0)
		guest_machine_parse(guest_machine_ids[o->machine], &q.machine);

	rc = app_load(app, req->load, &s);
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
			    : render_mapcheck_text(&s, &r, app_width(app))) < 0)
		rc = app_output_failed(app);
	else
		rc = r.nconflicts ? EXIT_BLOCKING : EXIT_OK;
	free(why);
	mapcheck_report_release(&r);
out:
	snapshot_release(&s);
	return rc;
}

const struct command cmd_map_check = {
	.name = "map-check",
	.summary = "Check a VFIO mapping layout against a group's reserved regions and IOMMU limits.",
	.synopsis = "(BDF | --group N) (--range IOVA:SIZE... | --guest-ram SIZE [--machine q35|pc|virt])",
	.options = map_check_options,
	.operand = &one_device_operand,
	.own_size = sizeof(struct map_check_options),
	.own_defaults = &map_check_defaults,
	.own_release = map_check_release,
	.load = SNAP_LOAD_HOST,
	.run = map_check_run,
};
