/* main.c - the command table, the one option parser, dispatch.
 *
 * Every command is a row of commands[] (struct command, cmd.h) whose option
 * rows say everything about its options; this file reads the command line
 * from those rows and nothing else: the global options before the command
 * (stopping at it), then the command's options and the global ones in any
 * order around its operands (GNU getopt_long permutation; "--" ends the
 * options; with POSIXLY_CORRECT set they end at the first operand). */
#define _GNU_SOURCE
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
						 &cmd_snapshot, &cmd_help};

/* What only the options before a command ask for. */
struct main_options {
	bool version;
	bool list_commands;
	bool list_options;
};

static const char *const color_ids[] = {"auto", "always", "never", NULL};

#define APP_FIELD(f) .dest = DEST_APP, .offset = offsetof(struct app, f)
#define MAIN_FIELD(f) .dest = DEST_OWN, .offset = offsetof(struct main_options, f)
const struct cmd_option global_options[] = {
	{.name = "json", .short_name = 'j', .kind = OPT_FLAG, APP_FIELD(json), .help = "JSON output (one document; see iommuctl(8))"},
	{.name = "pretty", .short_name = 'p', .kind = OPT_FLAG, APP_FIELD(pretty),
	 .help = "indented JSON output (implies --json)"},
	{.name = "root", .kind = OPT_STRING, .arg = "DIR", APP_FIELD(root), .complete = COMPLETE_DIR,
	 .help = "read the system from DIR (made by 'iommuctl snapshot') instead of /"},
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

	if (p->cmd)
		command_for_each_option(p->cmd, count_row, &p->nrows);
	else
		for (const struct cmd_option *o = global_options; o->name; o++)
			p->nrows++;
	p->rows = xcalloc(p->nrows + 1, sizeof(*p->rows));
	p->nrows = 0;
	if (p->cmd)
		command_for_each_option(p->cmd, collect, p);
	else
		for (const struct cmd_option *o = global_options; o->name; o++)
			collect(o, p);

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

/* ---- completion data ---------------------------------------------------------------- */

/* What completes an argument: "device", "choices:a,b", ... */
static void print_complete(enum complete_kind k, const char *const *choices)
{
	static const char *const ids[] = {
		[COMPLETE_TEXT] = "text",     [COMPLETE_CHOICES] = "choices", [COMPLETE_DIR] = "dir",
		[COMPLETE_FILE] = "file",     [COMPLETE_COLUMNS] = "columns", [COMPLETE_DEVICE] = "device",
		[COMPLETE_ID] = "id",         [COMPLETE_GROUP] = "group",     [COMPLETE_GROUP_OR_DEVICE] = "group-or-device",
		[COMPLETE_COMMAND] = "command",
	};
	printf("%s", ids[choices ? COMPLETE_CHOICES : k]);
	for (size_t i = 0; choices && choices[i]; i++)
		printf("%c%s", i ? ',' : ':', choices[i]);
}

/* One line per option: --LONG, -S, ARG, what completes ARG, the operand it
 * goes with, help; tab-separated, empty fields left empty. */
static void print_option_line(const struct cmd_option *o, void *ctx)
{
	const struct command *cmd = ctx;
	printf("--%s\t", o->name);
	if (o->short_name && !(cmd && (o->flags & OPTF_SHORT_BEFORE)))
		printf("-%c", o->short_name);
	printf("\t%s\t", o->arg ? o->arg : "");
	if (o->kind != OPT_FLAG)
		print_complete(o->complete, o->kind == OPT_CHOICE ? o->choices : NULL);
	printf("\t%s\t%s\n", o->only_with ? o->only_with : "", o->help);
}

/* The operand: NAME, MIN-MAX (MAX "*": any number), -, what completes it,
 * -, help. */
static void print_operand_line(const struct cmd_operand *op)
{
	static const enum complete_kind complete[] = {
		[OPERAND_DEVICE] = COMPLETE_DEVICE, [OPERAND_GROUP_OR_DEVICE] = COMPLETE_GROUP_OR_DEVICE,
		[OPERAND_CHOICE] = COMPLETE_CHOICES, [OPERAND_FILE] = COMPLETE_FILE,
		[OPERAND_DIR] = COMPLETE_DIR,       [OPERAND_COMMAND] = COMPLETE_COMMAND,
	};
	printf("%s\t%u-", op->name, op->min);
	if (op->max)
		printf("%u\t\t", op->max);
	else
		printf("*\t\t");
	print_complete(complete[op->kind], op->choices);
	printf("\t\t%s\n", op->help);
}

static int list_options(struct app *app, const char *name)
{
	const struct command *cmd = NULL;
	if (name && !(cmd = find_command(name)))
		return unknown_command(app, name);
	if (!cmd) {
		for (const struct cmd_option *o = global_options; o->name; o++)
			print_option_line(o, NULL);
		return EXIT_OK;
	}
	command_for_each_option(cmd, print_option_line, (void *)cmd);
	if (resolve(cmd)->operand)
		print_operand_line(resolve(cmd)->operand);
	return EXIT_OK;
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
	fprintf(f, "Usage: iommuctl [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n\n"
		   "Tells the truth about DMA isolation: IOMMU groups, devices and what isolates them.\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		char *spec = xasprintf("  %-11s", commands[i]->name);
		print_wrapped(f, spec, "             ", commands[i]->summary, width);
		free(spec);
	}
	fprintf(f, "\nGlobal options (all but -V and the --list ones also after the command; there -n\n"
		   "is --noheadings for the commands that print tables, as in lsblk):\n");
	print_option_help(f, global_options, NULL, width);
	fprintf(f, "\nExit status: 0 ok, 1 a check found a blocking problem, 2 usage error,\n"
		   "3 cannot read (or write) what is needed, 4 check-vfio: viable only after steps.\n"
		   "iommuctl help COMMAND (or iommuctl COMMAND --help) shows a command's options.\n");
}

void app_print_help(const struct app *app, const struct command *cmd)
{
	const struct command *c = resolve(cmd);
	size_t width = app_width(app);
	if (!cmd) {
		print_usage(app, stdout);
		return;
	}
	printf("Usage: iommuctl [GLOBAL OPTIONS] %s %s\n\n", cmd->name, c->synopsis);
	print_wrapped(stdout, "", "", cmd->alias_of ? cmd->summary : c->summary, width);
	if (c->operand) {
		char *spec = xasprintf("  %-22s ", c->operand->name);
		printf("\nArguments:\n");
		print_wrapped(stdout, spec, "                         ", c->operand->help, width);
		free(spec);
	}
	if (c->options && c->options->name) {
		printf("\nOptions:\n");
		print_option_help(stdout, c->options, c, width);
	}
	printf("\nGlobal options:\n");
	print_option_help(stdout, global_options, c, width);
	printf("\nSee iommuctl(8) for the columns, the JSON format and exit statuses.\n");
}

static int help_run(struct app *app, struct request *req)
{
	const struct command *cmd = NULL;
	if (req->noperands && !(cmd = find_command(req->operands[0])))
		return unknown_command(app, req->operands[0]);
	app_print_help(app, cmd);
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
	const struct command *cmd = resolve(app->cmd);
	const struct cmd_operand *op = cmd->operand;
	struct request *req = p->req;
	size_t max = op ? (op->max ? op->max : (size_t)-1) : 0;

	if (req->noperands > max)
		return app_usage_error(app, "unexpected argument '%s'", req->operands[max]);
	if (op && req->noperands < op->min)
		return app_usage_error(app, "%s", op->missing);
	for (size_t i = 0; op && i < req->noperands; i++) {
		const char *arg = req->operands[i];
		struct pci_addr a;
		bool ok = true;
		const char *invalid = op->invalid;
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
		if (a->given[0] && a->o->only_with && strcmp(a->o->only_with, operand_value(cmd, req)) != 0)
			return app_usage_error(app, "option '%s' is for %s %s", a->given, app->cmd_name, a->o->only_with);
	}
	return -1;
}

/* Reads the command's options and operands into REQ.  Returns -1 to run
 * it, or the exit status. */
static int parse_command(struct app *app, struct request *req, int argc, char **argv)
{
	const struct command *cmd = resolve(app->cmd);
	struct parser p = {.app = app, .req = req, .cmd = cmd};
	int first, rc;

	pci_select_init(&req->filter);
	req->load = cmd->load;
	req->own = xcalloc(1, cmd->own_size ? cmd->own_size : 1);
	if (cmd->own_defaults)
		memcpy(req->own, cmd->own_defaults, cmd->own_size);
	p.own = req->own;
	first = parse_options(&p, argc, argv, getenv("POSIXLY_CORRECT") != NULL);
	req->operands = argv + first;
	req->noperands = (size_t)(argc - first);
	req->operands_select = cmd->operand && (cmd->operand->kind == OPERAND_DEVICE ||
						cmd->operand->kind == OPERAND_GROUP_OR_DEVICE);
	if (p.error)
		rc = app_usage_error(app, "%s", p.error);
	else if (app->help) {
		app_print_help(app, app->cmd);
		rc = EXIT_OK;
	} else
		rc = check_operands(app, &p);
	parser_release(&p);
	return rc;
}

static void release_request(const struct command *cmd, struct request *req)
{
	cmd = resolve(cmd);
	if (cmd && cmd->own_release && req->own)
		cmd->own_release(req->own);
	free(req->own);
}

int main(int argc, char **argv)
{
	struct app app = {.root = "/", .names_fd = -1};
	struct main_options mo = {0};
	struct request req = {0};
	struct parser p = {.app = &app, .req = &req, .own = &mo};
	const struct command *cmd;
	int pos, rc;

	/* Large outputs (JSON of thousands of functions) into a pipe or a
	 * file: fewer writes.  A terminal keeps its line buffering. */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	pos = parse_options(&p, argc, argv, true);
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
	cmd = find_command(argv[pos]);
	if (!cmd)
		return close_stdout(unknown_command(&app, argv[pos]));
	app.cmd = cmd;
	app.cmd_name = cmd->name;
	if (app.help) {
		/* iommuctl --help COMMAND */
		app_print_help(&app, cmd);
		return close_stdout(EXIT_OK);
	}
	rc = parse_command(&app, &req, argc - pos, argv + pos);
	if (rc < 0)
		rc = resolve(cmd)->run(&app, &req);
	release_request(cmd, &req);
	app_release(&app);
	return close_stdout(rc);
}
