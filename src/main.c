/* main.c - the command table, the one option parser, dispatch.
 *
 * Every command is a row of commands[] (struct command, cmd.h) whose option
 * rows say everything about its options; this file reads the command line
 * from those rows and nothing else: the global options before the command
 * (stopping at it), then the command's options and the global ones in any
 * order around its operands (GNU getopt_long permutation; "--" ends the
 * options; with POSIXLY_CORRECT set they end at the first operand). */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "diag.h"

#ifndef IOMMUCTL_VERSION
#define IOMMUCTL_VERSION "unknown"
#endif

static const struct command *const commands[] = {&cmd_groups,   &cmd_devices, &cmd_topology, &cmd_tree,
						 &cmd_explain,  &cmd_check_vfio, &cmd_status, &cmd_swiotlb,
						 &cmd_cmdline,  &cmd_dma_path, &cmd_map_check, &cmd_simulate,
						 &cmd_diff,     &cmd_snapshot, &cmd_help};

/* What only the options before a command ask for. */
struct main_options {
	bool version;
	bool list_commands;
	bool list_options;
	bool complete;
};

static const char *const color_ids[] = {"auto", "always", "never", NULL};

#define APP_FIELD(f) .dest = DEST_APP, .offset = offsetof(struct app, f)
#define MAIN_FIELD(f) .dest = DEST_OWN, .offset = offsetof(struct main_options, f)
const struct cmd_option global_options[] = {
	{.name = "json", .short_name = 'j', .kind = OPT_FLAG, APP_FIELD(json), .help = "JSON output (one document; see iommuctl(8))"},
	{.name = "pretty", .short_name = 'p', .kind = OPT_FLAG, APP_FIELD(pretty),
	 .help = "indented JSON output (implies --json)"},
	{.name = "root", .kind = OPT_STRING, .arg = "DIR", APP_FIELD(root), .complete = COMPLETE_FILE,
	 .help = "read the system from DIR or FILE.tar.zst (made by 'iommuctl snapshot') instead of /"},
	{.name = "numeric", .short_name = 'n', .kind = OPT_FLAG, APP_FIELD(numeric), .flags = OPTF_SHORT_BEFORE,
	 .help = "show ids instead of names"},
	{.name = "pci-ids", .kind = OPT_STRING, .arg = "FILE", APP_FIELD(pci_ids), .complete = COMPLETE_FILE,
	 .help = "take names from this pci.ids file (also $IOMMUCTL_PCI_IDS)"},
	{.name = "color", .kind = OPT_CHOICE, .arg = "WHEN", APP_FIELD(color), .choices = color_ids,
	 .help = "colour: auto (on a terminal, unless NO_COLOR is set or TERM is dumb), always or never"},
	{.name = "help", .short_name = 'h', .kind = OPT_FLAG, APP_FIELD(help), .help = "show this help"},
	{.name = "version", .short_name = 'V', .kind = OPT_FLAG, MAIN_FIELD(version), .flags = OPTF_BEFORE_COMMAND,
	 .help = "print the version"},
	{.name = "list-commands", .kind = OPT_FLAG, MAIN_FIELD(list_commands), .flags = OPTF_BEFORE_COMMAND,
	 .help = "print the commands and what they do (for shell completion)"},
	{.name = "list-options", .kind = OPT_FLAG, MAIN_FIELD(list_options), .flags = OPTF_BEFORE_COMMAND,
	 .complete = COMPLETE_COMMAND,
	 .help = "print the options and operands of the command named after it (for shell completion)"},
	{.name = "complete", .kind = OPT_FLAG, MAIN_FIELD(complete), .flags = OPTF_BEFORE_COMMAND,
	 .help = "-- WORD...: what a shell may offer for the last WORD of iommuctl WORD... (for shell completion)"},
	OPTIONS_END,
};

static const struct command *resolve(const struct command *cmd)
{
	return cmd && cmd->alias_of ? cmd->alias_of : cmd;
}

void command_for_each_option(const struct command *cmd, void (*fn)(const struct cmd_option *o, void *ctx), void *ctx)
{
	cmd = resolve(cmd);
	for (const struct cmd_option *o = cmd ? cmd->options : NULL; o && o->name; o++)
		fn(o, ctx);
	for (const struct cmd_option *o = global_options; o->name; o++)
		if (!cmd || !(o->flags & OPTF_BEFORE_COMMAND))
			fn(o, ctx);
}

/* ---- the parser -------------------------------------------------------------------- */

/* A row as this phase reads it. */
struct active {
	const struct cmd_option *o;
	char short_name;   /* 0 where the row has none here */
	char given[64];    /* how it was first written ("--raw", "-r"), or "" */
};

struct parser {
	struct app *app;
	struct request *req;
	void *own;
	const struct command *cmd; /* NULL before the command */
	struct active *rows;
	size_t nrows;
	char *error;               /* the first usage error */
	struct active *wants_arg;  /* the last word is this option, without its argument */
};

static void collect(const struct cmd_option *o, void *ctx)
{
	struct parser *p = ctx;
	struct active *a = &p->rows[p->nrows++];
	a->o = o;
	a->short_name = p->cmd && (o->flags & OPTF_SHORT_BEFORE) ? 0 : o->short_name;
	a->given[0] = '\0';
}

static void count_row(const struct cmd_option *o, void *ctx)
{
	(void)o;
	(*(size_t *)ctx)++;
}

__attribute__((format(printf, 2, 3))) static void parse_error(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	if (p->error)
		return;
	va_start(ap, fmt);
	p->error = xvasprintf(fmt, ap);
	va_end(ap);
}

static struct active *row_by_short(struct parser *p, int c)
{
	for (size_t i = 0; i < p->nrows; i++)
		if (p->rows[i].short_name && p->rows[i].short_name == c)
			return &p->rows[i];
	return NULL;
}

/* The value getopt returns for row I: its short name, else past a byte. */
static int row_value(const struct parser *p, size_t i)
{
	return p->rows[i].short_name ? p->rows[i].short_name : 0x100 + (int)i;
}

static struct active *row_by_value(struct parser *p, int v)
{
	if (v >= 0x100 && (size_t)(v - 0x100) < p->nrows)
		return &p->rows[v - 0x100];
	return v > 0 && v < 0x100 ? row_by_short(p, v) : NULL;
}

/* "a, b or c" */
static char *choices_text(const char *const *choices)
{
	struct buf b;
	buf_init(&b);
	for (size_t i = 0; choices[i]; i++)
		buf_appendf(&b, "%s%s", i == 0 ? "" : choices[i + 1] ? ", " : " or ", choices[i]);
	return buf_steal(&b);
}

static void *field_of(struct parser *p, const struct cmd_option *o)
{
	char *base = o->dest == DEST_APP ? (char *)p->app : o->dest == DEST_REQUEST ? (char *)p->req : (char *)p->own;
	return base + o->offset;
}

static void store(struct parser *p, struct active *a, bool long_form, const char *arg)
{
	const struct cmd_option *o = a->o;
	void *field = field_of(p, o);
	char spelling[64];

	if (long_form)
		snprintf(spelling, sizeof(spelling), "--%s", o->name);
	else
		snprintf(spelling, sizeof(spelling), "-%c", a->short_name);
	if (!a->given[0])
		snprintf(a->given, sizeof(a->given), "%s", spelling);
	switch (o->kind) {
	case OPT_FLAG:
		*(bool *)field = true;
		break;
	case OPT_STRING:
		*(const char **)field = arg;
		break;
	case OPT_CHOICE: {
		size_t i;
		for (i = 0; o->choices[i] && strcmp(o->choices[i], arg) != 0; i++)
			;
		if (o->choices[i]) {
			*(int *)field = (int)i;
		} else {
			char *list = choices_text(o->choices);
			parse_error(p, "%s is %s, not '%s'", spelling, list, arg);
			free(list);
		}
		break;
	}
	case OPT_VALUE:
		if (!o->parse(arg, field))
			parse_error(p, "%s %s, not '%s'", spelling, o->invalid, arg);
		break;
	}
	p->req->load |= o->load;
}

/* An option getopt refused: C is ':' (no argument) or '?'. */
static void option_error(struct parser *p, int c, int argc, char **argv)
{
	const char *elem = optind > 0 && optind <= argc ? argv[optind - 1] : "";
	struct active *a;

	if (c == ':') {
		a = row_by_value(p, optopt);
		p->wants_arg = a;
		if (a && !strncmp(elem, "--", 2))
			parse_error(p, "option '--%s' needs an argument", a->o->name);
		else
			parse_error(p, "option '-%c' needs an argument", optopt);
		return;
	}
	if (optopt && (a = row_by_value(p, optopt)) && !(optopt < 0x100 && strncmp(elem, "--", 2) != 0)) {
		/* a long option given an argument it does not take */
		parse_error(p, "option '--%s' takes no argument", a->o->name);
		return;
	}
	if (optopt) {
		parse_error(p, "unknown option '-%c'", optopt);
		return;
	}
	{
		/* a long option: unknown, or the start of several */
		size_t len = strcspn(elem + 2, "="), n = 0;
		struct buf b;
		buf_init(&b);
		for (size_t i = 0; i < p->nrows; i++)
			if (!strncmp(p->rows[i].o->name, elem + 2, len)) {
				buf_appendf(&b, "%s--%s", n++ ? ", " : "", p->rows[i].o->name);
			}
		if (n > 1 && len > 0)
			parse_error(p, "option '%.*s' is ambiguous (%s)", (int)(len + 2), elem, b.data);
		else
			parse_error(p, "unknown option '%.*s'", (int)(len + 2), elem);
		buf_release(&b);
	}
}

/* Reads the options of ARGV from P's rows; ARGV[0] is skipped (the program
 * or the command).  STOP: options end at the first operand.  Returns the
 * index of the first operand. */
static int parse_options(struct parser *p, int argc, char **argv, bool stop)
{
	struct buf shortopts;
	struct option *longopts;
	int c, longindex;

	command_for_each_option(p->cmd, count_row, &p->nrows);
	p->rows = xcalloc(p->nrows + 1, sizeof(*p->rows));
	p->nrows = 0;
	command_for_each_option(p->cmd, collect, p);

	buf_init(&shortopts);
	buf_appendf(&shortopts, "%s:", stop ? "+" : "");
	longopts = xcalloc(p->nrows + 1, sizeof(*longopts));
	for (size_t i = 0; i < p->nrows; i++) {
		bool arg = p->rows[i].o->kind != OPT_FLAG;
		if (p->rows[i].short_name)
			buf_appendf(&shortopts, "%c%s", p->rows[i].short_name, arg ? ":" : "");
		longopts[i] = (struct option){p->rows[i].o->name, arg ? required_argument : no_argument, NULL,
					      row_value(p, i)};
	}
	optind = 0; /* glibc: start afresh (it keeps state between scans) */
	opterr = 0;
	for (;;) {
		struct active *a;
		longindex = -1;
		c = getopt_long(argc, argv, shortopts.data, longopts, &longindex);
		if (c == -1)
			break;
		if (c == ':' || c == '?') {
			option_error(p, c, argc, argv);
			continue;
		}
		a = row_by_value(p, c);
		if (a)
			store(p, a, longindex >= 0, optarg);
	}
	free(longopts);
	buf_release(&shortopts);
	if (p->app->pretty)
		p->app->json = true;
	return optind;
}

static void parser_release(struct parser *p)
{
	free(p->rows);
	free(p->error);
}

/* ---- the command table ------------------------------------------------------------ */

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

/* Edits (insert, delete, replace, swap two neighbours) from A to B. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), *d, r;
	if (la > 64 || lb > 64)
		return 64;
	d = xcalloc((la + 1) * (lb + 1), sizeof(*d));
#define D(i, j) d[(i) * (lb + 1) + (j)]
	for (size_t i = 0; i <= la; i++)
		D(i, 0) = i;
	for (size_t j = 0; j <= lb; j++)
		D(0, j) = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t best = D(i - 1, j - 1) + (a[i - 1] != b[j - 1]);
			if (D(i - 1, j) + 1 < best)
				best = D(i - 1, j) + 1;
			if (D(i, j - 1) + 1 < best)
				best = D(i, j - 1) + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && D(i - 2, j - 2) + 1 < best)
				best = D(i - 2, j - 2) + 1;
			D(i, j) = best;
		}
	r = D(la, lb);
#undef D
	free(d);
	return r;
}

/* "unknown command 'grops'", with the commands a typo away from it: never
 * a guess that runs, only a suggestion. */
static int unknown_command(struct app *app, const char *name)
{
	const char *near[ARRAY_SIZE(commands)];
	size_t best = 3, n = 0;
	struct buf b;
	int rc;
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		size_t dist = edit_distance(name, commands[i]->name);
		if (dist * 3 > strlen(commands[i]->name) || dist > best)
			continue;
		if (dist < best)
			n = 0;
		best = dist;
		near[n++] = commands[i]->name;
	}
	app->cmd = NULL;
	if (!n)
		return app_usage_error(app, "unknown command '%s'", name);
	buf_init(&b);
	for (size_t i = 0; i < n; i++)
		buf_appendf(&b, "%s'%s'", i == 0 ? "" : i + 1 == n ? " or " : ", ", near[i]);
	rc = app_usage_error(app, "unknown command '%s': did you mean %s?", name, b.data);
	buf_release(&b);
	return rc;
}

/* ---- help ---------------------------------------------------------------------------- */

/* Flushes stdout; a write error (a full disk, a closed pipe) must not look
 * like success. */
static int close_stdout(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno != EPIPE)
			diag_error("cannot write the output: %s", strerror(errno ? errno : EIO));
		return rc ? rc : EXIT_ENV;
	}
	return rc;
}

static void print_usage(const struct app *app, FILE *f)
{
	size_t width = f == stdout ? app_width(app) : 0;
	fprintf(f, "Usage: iommuctl [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n\n");
	print_wrapped(f, "", "", "Tells the truth about DMA isolation: IOMMU groups, devices and what isolates them.",
		      width);
	fprintf(f, "\nCommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		char *spec = xasprintf("  %-11s", commands[i]->name);
		print_wrapped(f, spec, "             ", commands[i]->summary, width);
		free(spec);
	}
	fprintf(f, "\n");
	print_wrapped(f, "", "",
		      "Global options (all but -V and the --list ones also after the command, where -n is --noheadings "
		      "for the commands that print tables, as in lsblk):",
		      width);
	print_option_help(f, global_options, NULL, width);
	fprintf(f, "\n");
	print_wrapped(f, "", "",
		      "Exit status: 0 ok, 1 a check found a blocking problem, 2 usage error, 3 cannot read (or write) "
		      "what is needed, 4 check-vfio: viable only after steps.",
		      width);
	print_wrapped(f, "", "", "iommuctl help COMMAND (or iommuctl COMMAND --help) shows a command's options.",
		      width);
}

void app_print_help(const struct app *app, const struct command *cmd, const char *name)
{
	size_t width = app_width(app);
	if (!cmd) {
		print_usage(app, stdout);
		return;
	}
	{
		char *usage = xasprintf("iommuctl [GLOBAL OPTIONS] %s %s", name, cmd->synopsis);
		print_wrapped(stdout, "Usage: ", "         ", usage, width);
		free(usage);
	}
	putchar('\n');
	print_wrapped(stdout, "", "", cmd->summary, width);
	if (cmd->operand) {
		char *spec = xasprintf("  %-22s ", cmd->operand->name);
		printf("\nArguments:\n");
		print_wrapped(stdout, spec, "                         ", cmd->operand->help, width);
		free(spec);
	}
	if (cmd->options && cmd->options->name) {
		printf("\nOptions:\n");
		print_option_help(stdout, cmd->options, cmd, width);
	}
	printf("\nGlobal options:\n");
	print_option_help(stdout, global_options, cmd, width);
	putchar('\n');
	print_wrapped(stdout, "", "", "See iommuctl(8) for the columns, the JSON format and exit statuses.", width);
}

static int help_run(struct app *app, struct request *req)
{
	const struct command *row = req->noperands ? find_command(req->operands[0]) : NULL;
	if (req->noperands && !row)
		return unknown_command(app, req->operands[0]);
	app_print_help(app, resolve(row), row ? row->name : NULL);
	return EXIT_OK;
}

static const struct cmd_operand help_operand = {
	.name = "COMMAND",
	.kind = OPERAND_COMMAND,
	.max = 1,
	.help = "the command whose options to show (none: iommuctl's)",
};

const struct command cmd_help = {
	.name = "help",
	.summary = "Show the help of iommuctl, or of a command.",
	.synopsis = "[COMMAND]",
	.operand = &help_operand,
	.run = help_run,
};

/* ---- a command's options and operands ------------------------------------------------ */

static const char *operand_value(const struct command *cmd, const struct request *req)
{
	if (req->noperands)
		return req->operands[0];
	return cmd->operand && cmd->operand->choices ? cmd->operand->choices[0] : "";
}

/* Checks the operands against the command's operand row, and the options
 * that go with one operand only.  Returns -1, or the exit status. */
static int check_operands(struct app *app, struct parser *p)
{
	const struct cmd_operand *op = app->cmd->operand;
	struct request *req = p->req;
	size_t max = op ? (op->max ? op->max : (size_t)-1) : 0;

	if (req->noperands > max)
		return app_usage_error(app, "unexpected argument '%s'", req->operands[max]);
	if (op && req->noperands < op->min)
		return app_usage_error(app, "%s", op->missing);
	for (size_t i = 0; op && i < req->noperands; i++) {
		const char *arg = req->operands[i], *invalid = op->invalid;
		struct pci_addr a;
		bool ok = true;
		switch (op->kind) {
		case OPERAND_DEVICE:
			ok = pci_addr_parse_lenient(arg, &a);
			invalid = "is not a PCI address (0000:01:00.0, 01:00.0 or 1:0.0)";
			break;
		case OPERAND_GROUP_OR_DEVICE:
			ok = is_decimal(arg) || pci_addr_parse_lenient(arg, &a);
			invalid = "is neither a group number nor a PCI address";
			break;
		case OPERAND_CHOICE:
			ok = false;
			for (size_t k = 0; op->choices[k]; k++)
				ok = ok || !strcmp(op->choices[k], arg);
			break;
		default:
			break;
		}
		if (!ok)
			return app_usage_error(app, "'%s' %s", arg, invalid);
	}
	for (size_t i = 0; i < p->nrows; i++) {
		const struct active *a = &p->rows[i];
		if (a->given[0] && a->o->only_with && strcmp(a->o->only_with, operand_value(app->cmd, req)) != 0)
			return app_usage_error(app, "option '%s' is for %s %s", a->given, app->cmd_name, a->o->only_with);
	}
	return -1;
}

/* Reads the options and operands of ARGV (ARGV[0] the command) into REQ,
 * with the rows of APP->cmd. */
static void parse_command_line(struct parser *p, struct app *app, struct request *req, int argc, char **argv)
{
	const struct command *cmd = app->cmd;
	int first;

	*p = (struct parser){.app = app, .req = req, .cmd = cmd};
	pci_select_init(&req->filter);
	req->load = cmd->load;
	req->own = xcalloc(1, cmd->own_size ? cmd->own_size : 1);
	if (cmd->own_defaults)
		memcpy(req->own, cmd->own_defaults, cmd->own_size);
	p->own = req->own;
	first = parse_options(p, argc, argv, getenv("POSIXLY_CORRECT") != NULL);
	req->operands = argv + first;
	req->noperands = (size_t)(argc - first);
	req->operands_select = cmd->operand && (cmd->operand->kind == OPERAND_DEVICE ||
						cmd->operand->kind == OPERAND_GROUP_OR_DEVICE);
}

static void release_request(const struct command *cmd, struct request *req)
{
	if (cmd && cmd->own_release && req->own)
		cmd->own_release(req->own);
	free(req->own);
}

/* ---- completion: what a shell may offer next, from the same rows --------------------- */

/* What completes an argument: "device", "choices:a,b", ... */
static void print_complete(enum complete_kind k, const char *const *choices)
{
	static const char *const ids[] = {
		[COMPLETE_TEXT] = "text",     [COMPLETE_CHOICES] = "choices", [COMPLETE_DIR] = "dir",
		[COMPLETE_FILE] = "file",     [COMPLETE_COLUMNS] = "columns", [COMPLETE_LIST] = "list",
		[COMPLETE_DEVICE] = "device",
		[COMPLETE_ID] = "id",         [COMPLETE_GROUP] = "group",     [COMPLETE_GROUP_OR_DEVICE] = "group-or-device",
		[COMPLETE_COMMAND] = "command",
	};
	printf("%s", ids[choices && k != COMPLETE_LIST ? COMPLETE_CHOICES : k]);
	for (size_t i = 0; choices && choices[i]; i++)
		printf("%c%s", i ? ',' : ':', choices[i]);
}

static enum complete_kind operand_complete(const struct cmd_operand *op)
{
	static const enum complete_kind kinds[] = {
		[OPERAND_DEVICE] = COMPLETE_DEVICE, [OPERAND_GROUP_OR_DEVICE] = COMPLETE_GROUP_OR_DEVICE,
		[OPERAND_CHOICE] = COMPLETE_CHOICES, [OPERAND_FILE] = COMPLETE_FILE,
		[OPERAND_DIR] = COMPLETE_DIR,       [OPERAND_COMMAND] = COMPLETE_COMMAND,
	};
	return kinds[op->kind];
}

/* The names an option's value is one of (OPT_CHOICE), or a list of
 * (COMPLETE_LIST); NULL for the others. */
static const char *const *option_choices(const struct cmd_option *o)
{
	return o->kind == OPT_CHOICE || o->complete == COMPLETE_LIST ? o->choices : NULL;
}

/* --list-options [COMMAND]: a line per option (--LONG, -S, ARG, what
 * completes ARG, the operand it goes with, help; tab-separated, empty
 * fields left empty), then one for the operand (NAME, MIN-MAX, -, what
 * completes it, -, help). */
static void print_option_line(const struct cmd_option *o, void *ctx)
{
	const struct command *cmd = ctx;
	printf("--%s\t", o->name);
	if (o->short_name && !(cmd && (o->flags & OPTF_SHORT_BEFORE)))
		printf("-%c", o->short_name);
	printf("\t%s\t", o->arg ? o->arg : "");
	if (o->kind != OPT_FLAG)
		print_complete(o->complete, option_choices(o));
	printf("\t%s\t%s\n", o->only_with ? o->only_with : "", o->help);
}

static int list_options(struct app *app, const char *name)
{
	const struct command *cmd = NULL;
	const struct cmd_operand *op;
	if (name && !(cmd = resolve(find_command(name))))
		return unknown_command(app, name);
	command_for_each_option(cmd, print_option_line, (void *)cmd);
	if (cmd && (op = cmd->operand)) {
		printf("%s\t%u-", op->name, op->min);
		if (op->max)
			printf("%u\t\t", op->max);
		else
			printf("*\t\t");
		print_complete(operand_complete(op), op->choices);
		printf("\t\t%s\n", op->help);
	}
	return EXIT_OK;
}

struct offer_ctx {
	const char *only; /* the operand given, for options that go with one */
	const struct command *cmd;
};

static void offer_option(const struct cmd_option *o, void *ctx)
{
	const struct offer_ctx *c = ctx;
	if (o->only_with && c->only && strcmp(o->only_with, c->only) != 0)
		return;
	printf("--%s%s\t%s\n", o->name, o->kind == OPT_FLAG ? "" : "=", o->help);
	if (o->short_name && !(c->cmd && (o->flags & OPTF_SHORT_BEFORE)))
		printf("-%c\t%s\n", o->short_name, o->help);
}

static void offer_groups(const struct snapshot *s)
{
	for (size_t i = 0; i < s->ngrp; i++) {
		size_t n = group_member_count(&s->grp[i]);
		printf("%d\tIOMMU group of %zu device%s\n", s->grp[i].id, n, n == 1 ? "" : "s");
	}
}

/* The functions, groups or ids of the system read (--root as typed),
 * after a line "words". */
static void offer_system(struct app *app, enum complete_kind k, const char *cur)
{
	struct snapshot s;
	struct isolation iso;
	struct prediction pred;
	/* "05:" asks for the short addresses of domain 0 */
	bool short_bdf = strlen(cur) >= 3 && isxdigit((unsigned char)cur[0]) && isxdigit((unsigned char)cur[1]) &&
			 cur[2] == ':';
	puts("words");
	if (app_load(app, 0, &s) != EXIT_OK) {
		snapshot_release(&s);
		return;
	}
	if (k == COMPLETE_GROUP || k == COMPLETE_GROUP_OR_DEVICE)
		offer_groups(&s);
	if (k == COMPLETE_GROUP_OR_DEVICE && s.ngrp == 0) {
		/* without an IOMMU, explain explains the groups it would form */
		snapshot_release(&s);
		if (app_load(app, SNAP_LOAD_ISOLATION, &s) == EXIT_OK) {
			isolation_choose(&iso, &s, true);
			predict_groups(&iso, &pred);
			if (pred.complete) {
				prediction_apply(&pred, &s);
				offer_groups(&s);
			}
			prediction_release(&pred);
			isolation_release(&iso);
		}
	}
	for (size_t i = 0; i < s.ndev && (k == COMPLETE_DEVICE || k == COMPLETE_GROUP_OR_DEVICE || k == COMPLETE_ID);
	     i++) {
		const struct pci_device *d = &s.dev[i];
		char *name = device_name_text(d, app->numeric);
		bool dup = false;
		if (k == COMPLETE_ID) {
			for (size_t j = 0; j < i; j++)
				dup = dup || (s.dev[j].ident.vendor_id == d->ident.vendor_id &&
					      s.dev[j].ident.device_id == d->ident.device_id);
			if (d->ident_known && !dup)
				printf("%04x:%04x\t%s\n", d->ident.vendor_id, d->ident.device_id, name);
		} else if (!short_bdf) {
			printf("%s\t%s\n", d->bdf, name);
		} else if (d->addr.domain == 0) {
			printf("%s\t%s\n", d->bdf + 5, name);
		}
		free(name);
	}
	snapshot_release(&s);
}

/* Offers what completes an argument of kind K, CUR typed so far, each
 * candidate after PREFIX ("--root=" for an inline one). */
static void offer_values(struct app *app, const struct command *cmd, const struct request *req, enum complete_kind k,
			 const char *const *choices, const char *prefix, const char *cur)
{
	switch (choices && k != COMPLETE_LIST ? COMPLETE_CHOICES : k) {
	case COMPLETE_TEXT:
		puts("none");
		return;
	case COMPLETE_DIR:
	case COMPLETE_FILE:
		printf("%s\t%s\n", k == COMPLETE_DIR ? "dirs" : "files", prefix);
		return;
	case COMPLETE_CHOICES:
		puts("words");
		for (size_t i = 0; choices[i]; i++)
			printf("%s%s\t\n", prefix, choices[i]);
		return;
	case COMPLETE_COMMAND:
		puts("words");
		for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
			printf("%s\t%s\n", commands[i]->name, commands[i]->summary);
		return;
	case COMPLETE_COLUMNS: {
		/* COLS or +COLS: complete the last name of the list */
		const char *last = strrchr(cur, ',');
		size_t keep = last ? (size_t)(last + 1 - cur) : cur[0] == '+';
		puts("nospace");
		for (size_t i = 0; cmd->columns && i < cmd->columns->ncols; i++) {
			const struct column_info *c = &cmd->columns->cols[i];
			/* a tree's column only where there is a tree (-t) */
			bool tree = cmd->columns->always_tree || req->lo.tree;
			if ((!c->kinds || (c->kinds & cmd->columns->kind)) && (!c->tree_only || tree))
				printf("%s%.*s%s\t%s\n", prefix, (int)keep, cur, c->name, c->help);
		}
		return;
	}
	case COMPLETE_LIST: {
		/* a comma-separated list: complete its last name */
		const char *last = strrchr(cur, ',');
		size_t keep = last ? (size_t)(last + 1 - cur) : 0;
		puts("nospace");
		for (size_t i = 0; choices && choices[i]; i++)
			printf("%s%.*s%s\t\n", prefix, (int)keep, cur, choices[i]);
		return;
	}
	default:
		offer_system(app, k, cur);
	}
}

/* A row of P named by the long option in WORD ("--root=/x": root), or NULL. */
static const struct cmd_option *inline_option(const struct parser *p, const char *word)
{
	size_t len = strcspn(word + 2, "=");
	const struct cmd_option *found = NULL;
	for (size_t i = 0; i < p->nrows; i++)
		if (!strncmp(p->rows[i].o->name, word + 2, len)) {
			if (strlen(p->rows[i].o->name) == len)
				return p->rows[i].o;
			found = found ? (const struct cmd_option *)-1 : p->rows[i].o;
		}
	return found == (const struct cmd_option *)-1 ? NULL : found;
}

/* --complete -- WORD...: what a shell may offer for the last WORD of
 * "iommuctl WORD...", read with the parser's own rows: the first line says
 * what ("words", "nospace": words a comma may follow, "files" or "dirs"
 * after a prefix, "none"), then "CANDIDATE<TAB>DESCRIPTION" lines. */
static int complete(struct app *app, int n, char **words)
{
	const char *cur = n ? words[n - 1] : "", *eq = strchr(cur, '=');
	char **argv = xcalloc((size_t)n + 2, sizeof(*argv));
	struct main_options mo = {0};
	struct request req = {0};
	struct parser p = {.app = app, .req = &req, .own = &mo};
	struct offer_ctx oc = {NULL, NULL};
	const struct command *cmd = NULL;
	const struct cmd_option *o = NULL;
	bool options = true;
	int pos;

	/* the words before CUR, read as a run reads them */
	argv[0] = "iommuctl";
	for (int i = 0; i + 1 < n; i++)
		argv[i + 1] = words[i];
	pos = parse_options(&p, n, argv, true);
	if (!p.wants_arg && pos < n) {
		if (!(cmd = find_command(argv[pos]))) {
			puts("none");
			goto out;
		}
		app->cmd = cmd = resolve(cmd);
		parser_release(&p);
		parse_command_line(&p, app, &req, n - pos, argv + pos);
		/* options end at "--", and with POSIXLY_CORRECT at an operand */
		for (int i = pos + 1; i < n; i++)
			options = options && strcmp(argv[i], "--") != 0;
		options = options && !(getenv("POSIXLY_CORRECT") && req.noperands);
		oc.cmd = cmd;
		oc.only = req.noperands ? req.operands[0] : NULL;
	}
	if (p.wants_arg)
		o = p.wants_arg->o;
	else if (options && !strncmp(cur, "--", 2) && eq)
		o = inline_option(&p, cur);
	if (o) {
		char *prefix = xstrndup(cur, p.wants_arg ? 0 : (size_t)(eq + 1 - cur));
		offer_values(app, cmd, &req, o->complete, option_choices(o), prefix, cur + strlen(prefix));
		free(prefix);
	} else if (options && cur[0] == '-') {
		puts("words");
		command_for_each_option(cmd, offer_option, &oc);
	} else if (!cmd) {
		offer_values(app, NULL, &req, COMPLETE_COMMAND, NULL, "", cur);
	} else if (cmd->operand && (!cmd->operand->max || req.noperands < cmd->operand->max)) {
		offer_values(app, cmd, &req, operand_complete(cmd->operand), cmd->operand->choices, "", cur);
	} else {
		puts("none");
	}
out:
	release_request(cmd, &req);
	parser_release(&p);
	free(argv);
	return EXIT_OK;
}

/* ---- dispatch ------------------------------------------------------------------------ */

int main(int argc, char **argv)
{
	struct app app = {.root = "/", .names_fd = -1};
	struct main_options mo = {0};
	struct request req = {0};
	struct parser p = {.app = &app, .req = &req, .own = &mo};
	const struct command *row;
	int pos, rc;

	/* Large outputs (JSON of thousands of functions) into a pipe or a
	 * file: fewer writes.  A terminal keeps its line buffering. */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	pos = parse_options(&p, argc, argv, true);
	if (mo.complete) {
		/* the words typed, not this run's options */
		struct app fresh = {.root = "/", .names_fd = -1};
		parser_release(&p);
		rc = complete(&fresh, argc - pos, argv + pos);
		app_release(&fresh);
		return close_stdout(rc);
	}
	if (p.error) {
		rc = app_usage_error(&app, "%s", p.error);
		parser_release(&p);
		return close_stdout(rc);
	}
	parser_release(&p);
	if (mo.version) {
		printf("iommuctl %s\n", IOMMUCTL_VERSION);
		return close_stdout(EXIT_OK);
	}
	if (mo.list_commands) {
		for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
			printf("%s\t%s\n", commands[i]->name, commands[i]->summary);
		return close_stdout(EXIT_OK);
	}
	if (mo.list_options)
		return close_stdout(list_options(&app, pos < argc ? argv[pos] : NULL));
	if (pos >= argc) {
		if (app.help) {
			print_usage(&app, stdout);
			return close_stdout(EXIT_OK);
		}
		if (app.json)
			return close_stdout(app_usage_error(&app, "no command given"));
		print_usage(&app, stderr);
		return close_stdout(EXIT_USAGE);
	}
	row = find_command(argv[pos]);
	if (!row)
		return close_stdout(unknown_command(&app, argv[pos]));
	app.cmd = resolve(row);
	app.cmd_name = row->name;
	if (app.help) {
		/* iommuctl --help COMMAND */
		app_print_help(&app, app.cmd, row->name);
		return close_stdout(EXIT_OK);
	}
	parse_command_line(&p, &app, &req, argc - pos, argv + pos);
	if (p.error)
		rc = app_usage_error(&app, "%s", p.error);
	else if (app.help) {
		app_print_help(&app, app.cmd, row->name);
		rc = EXIT_OK;
	} else
		rc = check_operands(&app, &p);
	parser_release(&p);
	if (rc < 0)
		rc = app.cmd->run(&app, &req);
	release_request(app.cmd, &req);
	app_release(&app);
	return close_stdout(rc);
}
