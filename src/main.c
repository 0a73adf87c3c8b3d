/* main.c - global options, the command table, dispatch. */
#define _GNU_SOURCE
#include <errno.h>
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

static const struct command *const commands[] = {&cmd_groups, &cmd_devices, &cmd_topology, &cmd_tree, &cmd_explain,
						 &cmd_check_vfio, &cmd_status, &cmd_swiotlb, &cmd_cmdline, &cmd_dma_path, &cmd_map_check, &cmd_simulate,
						 &cmd_diff, &cmd_snapshot};

static const struct option global_options[] = {
	GLOBAL_LONG_OPTIONS,
	{"version", no_argument, NULL, 'V'},
	{"list-commands", no_argument, NULL, OPT_LIST_COMMANDS},
	{"list-options", no_argument, NULL, OPT_LIST_OPTIONS},
	{NULL, 0, NULL, 0},
};
static const char global_shortopts[] = "+:jpnVh";

static void usage(FILE *f)
{
	fprintf(f, "Usage: iommuctl [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n\n"
	       "Tells the truth about DMA isolation: IOMMU groups, devices and what isolates them.\n\n"
	       "Commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(f, "\nGlobal options (-j, -p, --root, --numeric, --pci-ids and -h also work after the command):\n"
	       "  -j, --json             JSON output (one document; see iommuctl(8))\n"
	       "  -p, --pretty           indented JSON output (implies --json)\n"
	       "  -n, --numeric          show ids instead of names (after a list command,\n"
	       "                         -n means --noheadings, as in lsblk)\n"
	       "      --root DIR         read the system from DIR (made by 'iommuctl snapshot')\n"
	       "      --pci-ids FILE     take names from this pci.ids file (also $IOMMUCTL_PCI_IDS)\n"
	       "  -V, --version          print the version\n"
	       "  -h, --help             show this help (COMMAND --help: the command's)\n"
	       "      --list-commands    print the command names (for shell completion)\n"
	       "      --list-options     print the options of the command named after it\n"
	       "\nExit status: 0 ok, 1 a check found a blocking problem, 2 usage error,\n"
	       "3 cannot read (or write) what is needed, 4 check-vfio: viable only after steps.\n");
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

/* Prints each option of OPTS ("--long", and "-s" where one exists). */
static void print_options(const struct option *opts)
{
	for (const struct option *o = opts; o->name; o++) {
		printf("--%s\n", o->name);
		if (o->val > 0 && o->val < 0x100 && o->flag == NULL)
			printf("-%c\n", o->val);
	}
}

static int list_options(struct app *app, int argc, char **argv)
{
	const struct command *cmd;
	if (optind >= argc) {
		print_options(global_options);
		printf("-n\n");
		return EXIT_OK;
	}
	cmd = find_command(argv[optind]);
	if (!cmd)
		return app_usage_error(app, "unknown command '%s'", argv[optind]);
	print_options(cmd->options);
	return EXIT_OK;
}

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

int main(int argc, char **argv)
{
	struct app app = {.root = "/", .names_fd = -1};
	const struct command *cmd;
	int opt, rc;
	bool list_cmds = false, list_opts = false;

	/* Large outputs (JSON of thousands of functions) into a pipe or a
	 * file: fewer writes.  A terminal keeps its line buffering. */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, global_shortopts, global_options, NULL)) != -1) {
		if (app_global_option(&app, opt, optarg))
			continue;
		switch (opt) {
		case 'n':
			app.numeric = true;
			break;
		case 'V':
			printf("iommuctl %s\n", IOMMUCTL_VERSION);
			return close_stdout(EXIT_OK);
		case 'h':
			usage(stdout);
			return close_stdout(EXIT_OK);
		case OPT_LIST_COMMANDS:
			list_cmds = true;
			break;
		case OPT_LIST_OPTIONS:
			list_opts = true;
			break;
		case ':':
			return app_usage_error(&app, "option '%s' needs an argument", argv[optind - 1]);
		default:
			return app_usage_error(&app, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (list_cmds) {
		for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
			printf("%s\n", commands[i]->name);
		return close_stdout(EXIT_OK);
	}
	if (list_opts)
		return close_stdout(list_options(&app, argc, argv));
	if (optind >= argc) {
		if (app.json)
			return close_stdout(app_usage_error(&app, "no command given"));
		usage(stderr);
		return close_stdout(EXIT_USAGE);
	}
	cmd = find_command(argv[optind]);
	if (!cmd)
		return app_usage_error(&app, "unknown command '%s'", argv[optind]);
	app.cmd = cmd;
	rc = cmd->run(&app, argc - optind, argv + optind);
	app_release(&app);
	return close_stdout(rc);
}
