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

/* "  Group:    " and TEXT (consumed), its other lines under the text */
static void print_owned(const char *label, char *text, size_t width)
{
	print_field(label, 12, text, width);
	free(text);
}

static void print_group(const struct snapshot *s, const struct vfio_check *c, size_t width)
{
	const struct iommu_group *g = c->group >= 0 ? snapshot_find_group(s, c->group) : NULL;
	struct buf b;
	if (!g) {
		printf("  Group:    none\n");
		return;
	}
	buf_init(&b);
	buf_appendf(&b, "%d (", g->id);
	for (size_t k = 0; k < g->ndev; k++) {
		const struct pci_device *m = &s->dev[g->dev[k]];
		buf_appendf(&b, "%s%s %s", k ? ", " : "", m->bdf, m->driver ? m->driver : "no driver");
	}
	for (size_t k = 0; k < g->other.n; k++)
		buf_appendf(&b, "%s%s", g->ndev || k ? ", " : "", g->other.v[k]);
	buf_appendf(&b, ")%s%s", g->type ? ", default domain " : "", g->type ? g->type : "");
	print_owned("  Group:    ", buf_steal(&b), width);
	print_owned("            ",
		    xstrdup(c->group_viable ? "viable now: no member uses the kernel's DMA API"
					    : "not viable now: a member is bound to a driver that uses the kernel's DMA API"),
		    width);
}

static void print_reset(const struct snapshot *s, const struct vfio_check *c, size_t width)
{
	struct buf b;
	buf_init(&b);
	if (c->reset_method)
		buf_appendf(&b, "%s", *c->reset_method ? c->reset_method : "none (reset_method is empty)");
	else
		buf_appendf(&b, "methods unknown (reset_method was not read)");
	if (c->flr_known)
		buf_appendf(&b, "; FLR %s", c->flr ? "yes" : "no");
	if (c->bus_reset_known) {
		if (c->nbus_reset_also) {
			buf_appendf(&b, "; a bus reset also resets");
			for (size_t i = 0; i < c->nbus_reset_also; i++)
				buf_appendf(&b, "%s %s", i ? "," : "", s->dev[c->bus_reset_also[i]].bdf);
		} else {
			buf_appendf(&b, "; a bus reset resets nothing else");
		}
	}
	print_owned("  Reset:    ", buf_steal(&b), width);
}

static void print_findings(const struct vfio_check *c, enum severity sev, const char *title, size_t width)
{
	bool any = false;
	for (size_t i = 0; i < c->nfindings; i++) {
		const struct finding *f = &c->findings[i];
		char *head;
		if (f->severity != sev)
			continue;
		if (!any)
			printf("  %s:\n", title);
		any = true;
		head = xasprintf("    %s: ", f->code);
		print_wrapped(stdout, head, "        ", f->message, width);
		free(head);
		if (f->remedy)
			print_wrapped(stdout, "      fix: ", "        ", f->remedy, width);
	}
}

/* The steps as lines to paste: each command, its purpose as a comment
 * aligned after it (on a terminal too narrow for both, the comment on a
 * line of its own above it: a command is never broken). */
static void print_steps(const struct snapshot *s, const struct vfio_check *c, size_t width)
{
	size_t cmdw = 0, widest = 0;
	if (!c->nsteps)
		return;
	for (size_t i = 0; i < c->nsteps; i++) {
		const struct vfio_step *st = &c->steps[i];
		size_t line = 4 + strlen(st->command) + 4 + strlen(st->purpose) +
			      (st->subject >= 0 ? strlen(s->dev[st->subject].bdf) + 2 : 0);
		cmdw = strlen(st->command) > cmdw ? strlen(st->command) : cmdw;
		widest = line > widest ? line : widest;
	}
	print_wrapped(stdout, "  ", "  ", "Steps (as root, in this order; nothing is changed until you run them):", width);
	for (size_t i = 0; i < c->nsteps; i++) {
		const struct vfio_step *st = &c->steps[i];
		char *comment = xasprintf("# %s%s%s", st->subject >= 0 ? s->dev[st->subject].bdf : "",
					  st->subject >= 0 ? ": " : "", st->purpose);
		if (width && widest + cmdw - strlen(st->command) > width) {
			print_wrapped(stdout, "    ", "    # ", comment, width);
			printf("    %s\n", st->command);
		} else {
			printf("    %-*s  %s\n", (int)cmdw, st->command, comment);
		}
		free(comment);
	}
	if (c->persistent.n) {
		print_wrapped(stdout, "  ", "  ",
			      "To keep the binding across reboots (driverctl), instead of the echo lines:", width);
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
		{
			char *head = xasprintf("%s  ", d->bdf),
			     *text = xasprintf("%s (%s)", name, d->driver ? d->driver : "no driver");
			if (i)
				putchar('\n');
			print_wrapped(stdout, head, "              ", text, v->width);
			free(head);
			free(text);
		}
		free(name);
		print_owned("  Verdict:  ", xstrdup(verdict_text(&c)), v->width);
		print_group(v->s, &c, v->width);
		print_reset(v->s, &c, v->width);
		print_findings(&c, SEV_ERROR, "Blocking", v->width);
		print_findings(&c, SEV_WARNING, "Warnings", v->width);
		print_findings(&c, SEV_INFO, "Notes", v->width);
		print_steps(v->s, &c, v->width);
		vfio_tally_add(tally, c.verdict);
		vfio_check_release(&c);
		if (ferror(stdout))
			return -1;
	}
	if (v->n > 1)
		printf("\n%zu devices: %zu viable, %zu viable after steps, %zu not viable.\n", v->n, tally->viable,
		       tally->after_steps, tally->not_viable);
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
