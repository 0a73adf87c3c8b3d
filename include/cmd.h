/* cmd.h - what every command shares: the global options, the command table,
 * loading with error reporting, and the common option handling. */
#ifndef IOMMUCTL_CMD_H
#define IOMMUCTL_CMD_H

#include <getopt.h>
#include <stdbool.h>

#include "model.h"
#include "names.h"
#include "render.h"
#include "isolation.h"
#include "sysroot.h"

struct app {
	const char *root;     /* --root, default "/" */
	bool json;            /* -j */
	bool pretty;          /* -p (implies -j) */
	bool numeric;         /* --numeric (-n before the command) */
	const char *pci_ids;  /* --pci-ids, else $IOMMUCTL_PCI_IDS */
	struct sysroot *sr;
	struct names *names;
	int names_fd;         /* memfd holding a snapshot's names, or -1 */
	const struct command *cmd;
};

/* Long options of the global options, accepted after a command too. */
enum {
	OPT_ROOT = 0x100,
	OPT_NUMERIC,
	OPT_PCI_IDS,
	OPT_LIST_COLUMNS,
	OPT_LIST_COMMANDS,
	OPT_LIST_OPTIONS,
	OPT_PREDICT,
	OPT_WHY,
	OPT_FIRST_COMMAND_OPTION = 0x200,
};
#define GLOBAL_LONG_OPTIONS                                                                        \
	{"root", required_argument, NULL, OPT_ROOT}, {"json", no_argument, NULL, 'j'},             \
		{"pretty", no_argument, NULL, 'p'}, {"numeric", no_argument, NULL, OPT_NUMERIC},   \
		{"pci-ids", required_argument, NULL, OPT_PCI_IDS}, {"help", no_argument, NULL, 'h'}

/* One line of a command's option help: the spelling and what it does. */
struct opt_help {
	const char *spec;
	const char *help;
};

struct command {
	const char *name;
	int (*run)(struct app *app, int argc, char **argv);
	const char *args;     /* grammar after the name, e.g. "[OPTIONS] DIR" */
	const char *summary;  /* one line */
	const struct option *options;  /* getopt table, global ones included */
	const char *shortopts;         /* for getopt, e.g. "+o:rPnthjp" */
	const struct opt_help *help;   /* NULL-terminated */
};

extern const struct command cmd_groups, cmd_devices, cmd_topology, cmd_tree, cmd_explain, cmd_snapshot;
extern const struct command cmd_status, cmd_check_vfio, cmd_swiotlb, cmd_cmdline, cmd_dma_path, cmd_map_check, cmd_simulate;
extern const struct command cmd_diff;

/* Handles a global option met after a command.  Returns true if OPT was
 * one. */
bool app_global_option(struct app *app, int opt, const char *arg);
/* The end of every command's option switch: -h prints the help (exit 0),
 * a missing argument or an unknown option is a usage error (exit 2). */
int app_other_option(struct app *app, int opt, char **argv);
/* "cannot write the output: <errno>" (exit 3), for a failed render. */
int app_output_failed(struct app *app);
/* The function at A in S, or NULL after reporting "there is no PCI
 * function ..." as a usage error with its status in *RC. */
const struct pci_device *app_find_device(struct app *app, const struct snapshot *s, const struct pci_addr *a, int *rc);
/* Prints the command's usage and options on stdout. */
void app_command_help(const struct command *cmd);
/* Reports a usage error ("iommuctl groups: ... (see iommuctl groups
 * --help)") and returns EXIT_USAGE. */
int app_usage_error(struct app *app, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same with another pointer than --help: "(see iommuctl groups SEE)". */
int app_usage_error_see(struct app *app, const char *see, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Reports a fatal error (on stderr; under -j also as a JSON document on
 * stdout) and returns STATUS. */
int app_fail(struct app *app, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Opens the root, loads the snapshot and resolves names.  Returns EXIT_OK,
 * or the exit status after reporting why not. */
int app_load(struct app *app, unsigned flags, struct snapshot *s);
/* The same for another ROOT, through *SR (opened if NULL; the caller frees
 * it), with the names app_load chose (the first root's); WHAT names the
 * root in messages ("--root", "OLD"). */
int app_load_root(struct app *app, const char *root, const char *what, struct sysroot **sr, unsigned flags,
		  struct snapshot *s);
/* What the platform is (kernel release, machine, ACPI or device tree),
 * loaded quietly for a command that can do without it: false if the root
 * cannot be read, S then empty (and still to be released). */
bool app_load_platform(struct app *app, struct snapshot *s);
/* Prints the snapshot's load issues (and a names warning) on stderr. */
void app_print_warnings(const struct app *app, const struct snapshot *s);
/* Shared by list commands: -o -r -P -n -t --list-columns handling. */
struct list_request {
	struct list_options lo;
	bool list_columns;
	bool predict; /* groups --predict */
	bool why;     /* groups --why */
};
/* Parses list-command options; returns -1 to continue, or an exit status. */
int app_parse_list_options(struct app *app, enum list_kind kind, int argc, char **argv, struct list_request *req);
/* Loads S with everything the isolation analysis needs and prepares ISO;
 * fails (exit 3, with the reason) when the configuration space that
 * decides ACS could not be read.  PREDICT: as the kernel would set ACS
 * once an IOMMU asks for it. */
int app_load_isolation(struct app *app, struct snapshot *s, struct isolation *iso, bool predict);
/* A whole list command (groups, devices): options, load, render. */
int app_run_list(struct app *app, enum list_kind kind, int argc, char **argv);

/* A device argument: "0000:05:00.0", or "05:00.0" in domain 0. */
bool app_parse_device(const char *arg, struct pci_addr *a);

void app_release(struct app *app);

#endif
