/* render-vfio.c - check-vfio for people: per device the verdict, the group,
 * the resets, the findings by weight (blocking, warnings, notes) and the
 * steps as commands to paste; and --script, the steps as one shell script.
 * (The JSON document is in render-json.c, with the others.) */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isolation.h"
#include "render.h"

void vfio_tally_add(struct vfio_tally *t, enum vfio_verdict v)
{
	if (v == VFIO_VIABLE)
		t->viable++;
	else if (v == VFIO_AFTER_STEPS)
		t->after_steps++;
	else
		t->not_viable++;
}

static const char *verdict_text(const struct vfio_check *c)
{
	switch (c->verdict) {
	case VFIO_VIABLE:
		return "viable: VFIO can open it now";
	case VFIO_AFTER_STEPS:
		return "viable after the steps below";
	default:
		return c->blocked_by_unknowns ? "not viable on this evidence: what is marked blocking could not be read"
					      : "not viable: binding drivers cannot fix what is marked blocking";
	}
}

static void print_group(const struct snapshot *s, const struct vfio_check *c)
{
	const struct iommu_group *g = c->group >= 0 ? snapshot_find_group(s, c->group) : NULL;
	if (!g) {
		printf("  Group:    none\n");
		return;
	}
	printf("  Group:    %d (", g->id);
	for (size_t k = 0; k < g->ndev; k++) {
		const struct pci_device *m = &s->dev[g->dev[k]];
		printf("%s%s %s", k ? ", " : "", m->bdf, m->driver ? m->driver : "no driver");
	}
	for (size_t k = 0; k < g->other.n; k++)
		printf("%s%s", g->ndev || k ? ", " : "", g->other.v[k]);
	printf(")%s%s\n", g->type ? ", default domain " : "", g->type ? g->type : "");
	printf("            %s\n", c->group_viable ? "viable now: no member uses the kernel's DMA API"
						: "not viable now: a member is bound to a driver that uses the kernel's "
						  "DMA API");
}

static void print_reset(const struct snapshot *s, const struct vfio_check *c)
{
	printf("  Reset:    ");
	if (c->reset_method)
		printf("%s", *c->reset_method ? c->reset_method : "none (reset_method is empty)");
	else
		printf("methods unknown (reset_method was not read)");
	if (c->flr_known)
		printf("; FLR %s", c->flr ? "yes" : "no");
	if (c->bus_reset_known) {
		if (c->nbus_reset_also) {
			printf("; a bus reset also resets");
			for (size_t i = 0; i < c->nbus_reset_also; i++)
				printf("%s %s", i ? "," : "", s->dev[c->bus_reset_also[i]].bdf);
		} else {
			printf("; a bus reset resets nothing else");
		}
	}
	printf("\n");
}

static void print_findings(const struct vfio_check *c, enum severity sev, const char *title)
{
	bool any = false;
	for (size_t i = 0; i < c->nfindings; i++) {
		const struct finding *f = &c->findings[i];
		if (f->severity != sev)
			continue;
		if (!any)
			printf("  %s:\n", title);
		any = true;
		printf("    %s: %s\n", f->code, f->message);
		if (f->remedy)
			printf("      fix: %s\n", f->remedy);
	}
}

/* The steps as lines to paste: each command, its purpose as a comment
 * aligned after it. */
static void print_steps(const struct snapshot *s, const struct vfio_check *c)
{
	size_t width = 0;
	if (!c->nsteps)
		return;
	for (size_t i = 0; i < c->nsteps; i++)
		if (strlen(c->steps[i].command) > width)
			width = strlen(c->steps[i].command);
	printf("  Steps (as root, in this order; nothing is changed until you run them):\n");
	for (size_t i = 0; i < c->nsteps; i++) {
		const struct vfio_step *st = &c->steps[i];
		printf("    %-*s  # %s%s%s\n", (int)width, st->command, st->subject >= 0 ? s->dev[st->subject].bdf : "",
		       st->subject >= 0 ? ": " : "", st->purpose);
	}
	if (c->persistent.n) {
		printf("  To keep the binding across reboots (driverctl), instead of the echo lines:\n");
		for (size_t i = 0; i < c->persistent.n; i++)
			printf("    %s\n", c->persistent.v[i]);
	}
}

int render_check_vfio_text(const struct vfio_view *v, struct vfio_tally *tally)
{
	memset(tally, 0, sizeof(*tally));
	for (size_t i = 0; i < v->n; i++) {
		struct vfio_check c;
		const struct pci_device *d;
		char *name;
		v->check(v, i, &c);
		d = &v->s->dev[c.dev];
		name = d->ident_known ? device_name_text(d, v->numeric) : xstrdup("unknown device");
		printf("%s%s  %s (%s)\n", i ? "\n" : "", d->bdf, name, d->driver ? d->driver : "no driver");
		free(name);
		printf("  Verdict:  %s\n", verdict_text(&c));
		print_group(v->s, &c);
		print_reset(v->s, &c);
		print_findings(&c, SEV_ERROR, "Blocking");
		print_findings(&c, SEV_WARNING, "Warnings");
		print_findings(&c, SEV_INFO, "Notes");
		print_steps(v->s, &c);
		vfio_tally_add(tally, c.verdict);
		vfio_check_release(&c);
		if (ferror(stdout))
			return -1;
	}
	if (v->n > 1)
		printf("\n%zu device%s: %zu viable, %zu viable after steps, %zu not viable.\n", v->n, v->n == 1 ? "" : "s",
		       tally->viable, tally->after_steps, tally->not_viable);
	return ferror(stdout) ? -1 : 0;
}

int render_check_vfio_script(const struct vfio_view *v, struct vfio_tally *tally)
{
	struct strvec done;
	memset(tally, 0, sizeof(*tally));
	strvec_init(&done);
	printf("#!/bin/sh\n# Made by iommuctl check-vfio: binds the devices below to vfio-pci.\nset -e\n");
	for (size_t i = 0; i < v->n; i++) {
		struct vfio_check c;
		const struct pci_device *d;
		v->check(v, i, &c);
		d = &v->s->dev[c.dev];
		vfio_tally_add(tally, c.verdict);
		if (c.verdict == VFIO_VIABLE)
			printf("# %s: viable already\n", d->bdf);
		else if (c.verdict == VFIO_NOT_VIABLE) {
			const struct finding *why = NULL;
			for (size_t k = 0; k < c.nfindings && !why; k++)
				if (c.findings[k].severity == SEV_ERROR)
					why = &c.findings[k];
			printf("# %s: not viable (%s); nothing to run\n", d->bdf, why ? why->code : "?");
		} else {
			printf("# %s\n", d->bdf);
			for (size_t k = 0; k < c.nsteps; k++) {
				if (strvec_contains(&done, c.steps[k].command))
					continue;
				strvec_push(&done, c.steps[k].command);
				printf("%s\n", c.steps[k].command);
			}
		}
		vfio_check_release(&c);
		if (ferror(stdout))
			break;
	}
	strvec_release(&done);
	return ferror(stdout) ? -1 : 0;
}
