/* cmd.h - the command table and what the commands share.
 *
 * A command is described once, as rows (struct command): its options
 * (long and short name, argument, where the value goes, help), its operand
 * and what it loads.  The one parser (main.c) reads the global and the
 * command's options in any order from those rows (GNU getopt_long
 * permutation, "--" ends the options, POSIXLY_CORRECT stops them at the
 * first operand), checks the operands' form and hands the command a filled
 * struct request; --help, --list-options and the shell completions come
 * from the same rows.  A command file keeps what is its own: its option
 * struct and the rules that combine its options, then load, analyse,
 * render, exit status. */
#ifndef IOMMUCTL_CMD_H
#define IOMMUCTL_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "isolation.h"
#include "model.h"
#include "names.h"
#include "render.h"
#include "sysroot.h"

enum color_mode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

struct command;

/* The global options, and what a run holds open. */
struct app {
	const char *root;     /* --root, default "/" */
	bool json;            /* -j */
	bool pretty;          /* -p (implies -j) */
	bool numeric;         /* --numeric (-n before the command) */
	const char *pci_ids;  /* --pci-ids, else $IOMMUCTL_PCI_IDS */
	int color;            /* --color: enum color_mode */
	bool help;            /* -h */
	const struct command *cmd; /* the command run (an alias's command) */
	const char *cmd_name;      /* as typed ("tree" for topology) */
	struct sysroot *sr;
	struct names *names;
	int names_fd;         /* memfd holding a snapshot's names, or -1 */
};

/* ---- option rows ------------------------------------------------------------- */

/* How an option's value is kept in its field. */
enum opt_kind {
	OPT_FLAG,    /* no argument: a bool, set */
	OPT_STRING,  /* the argument as given: a const char * */
	OPT_CHOICE,  /* one of .choices: its index, an int */
	OPT_VALUE,   /* read by .parse; false is a usage error saying .invalid */
};

/* Where the field is. */
enum opt_dest {
	DEST_APP,     /* struct app: the global options */
	DEST_REQUEST, /* struct request: options several commands share */
	DEST_OWN,     /* the command's own struct (command.own_size bytes) */
};

/* What a shell completes an argument with (the completion scripts read it
 * from --list-options). */
enum complete_kind {
	COMPLETE_TEXT,    /* free text: nothing to offer */
	COMPLETE_CHOICES, /* the row's choices */
	COMPLETE_DIR,
	COMPLETE_FILE,
	COMPLETE_COLUMNS, /* a comma-separated list of the command's columns */
	COMPLETE_LIST,    /* a comma-separated list of the row's choices */
	COMPLETE_DEVICE,  /* a PCI address of the system read */
	COMPLETE_ID,      /* a vendor:device id of the system read */
	COMPLETE_GROUP,   /* an IOMMU group number */
	COMPLETE_GROUP_OR_DEVICE,
	COMPLETE_COMMAND, /* a command name */
};

/* Row flags. */
enum {
	OPTF_BEFORE_COMMAND = 1u << 0, /* global: only before the command */
	OPTF_SHORT_BEFORE = 1u << 1,   /* global: the short name only before it */
};

struct cmd_option {
	const char *name;         /* long name, without "--" */
	char short_name;          /* or 0 */
	enum opt_kind kind;
	const char *arg;          /* the argument in help ("COLS"); NULL for a flag */
	enum opt_dest dest;
	size_t offset;            /* of the field in DEST */
	const char *const *choices; /* OPT_CHOICE, COMPLETE_LIST: NULL-terminated */
	bool (*parse)(const char *arg, void *field); /* OPT_VALUE */
	const char *invalid;      /* OPT_VALUE: "needs a number above 0" */
	enum complete_kind complete;
	const char *only_with;    /* accepted only with this operand ("devices") */
	unsigned load;            /* SNAP_LOAD_* it adds to the command's */
	unsigned flags;           /* OPTF_* */
	const char *help;
};

/* What the operands are, checked by the parser before anything is read
 * (what a shell completes them with follows). */
enum operand_kind {
	OPERAND_DEVICE,          /* a PCI address (lenient, as lspci's -s) */
	OPERAND_GROUP_OR_DEVICE, /* a group number or a PCI address */
	OPERAND_CHOICE,          /* one of .choices (a subcommand) */
	OPERAND_FILE,            /* taken as given */
	OPERAND_DIR,             /* taken as given */
	OPERAND_COMMAND,         /* a command name */
};

struct cmd_operand {
	const char *name;     /* in help: "BDF", "GROUP|BDF", "DIR" */
	enum operand_kind kind;
	unsigned min, max;    /* how many; max 0: any number */
	const char *const *choices; /* OPERAND_CHOICE; the first is the default */
	const char *invalid;  /* OPERAND_CHOICE: "is not a ...", after 'ARG' */
	const char *missing;  /* the usage error when fewer than min */
	const char *help;
};

/* What one run asks for: filled by the parser from the command line. */
struct request {
	void *own;                 /* the command's own options */
	struct list_options lo;    /* -o -r -P -n -t (and width, colour) */
	bool list_columns;         /* --list-columns */
	struct pci_select filter;  /* -s, -d (no field set: every function) */
	char **operands;
	size_t noperands;
	bool operands_select;      /* the operands name groups or functions */
	unsigned load;             /* SNAP_LOAD_*: the command's and its options' */
};

struct command {
	const char *name;
	const char *summary;      /* one line */
	const char *synopsis;     /* after the name: "[OPTIONS] [GROUP|BDF]..." */
	const struct cmd_option *options; /* ends with a row without a name */
	const struct cmd_operand *operand; /* NULL: none */
	size_t own_size;          /* the command's option struct */
	const void *own_defaults; /* its values before the options, or NULL */
	void (*own_release)(void *own);
	unsigned load;            /* SNAP_LOAD_* flags it loads with */
	const struct column_table *columns; /* its table's columns (-o), or NULL */
	const struct command *alias_of; /* an alias: everything else is there */
	int (*run)(struct app *app, struct request *req);
};

extern const struct command cmd_groups, cmd_devices, cmd_topology, cmd_tree, cmd_explain, cmd_snapshot, cmd_help;
extern const struct command cmd_status, cmd_check_vfio, cmd_swiotlb, cmd_cmdline, cmd_dma_path, cmd_map_check,
	cmd_simulate, cmd_diff;

/* Shared rows.  -o, --list-columns (the columns of a table), -r, -P, -n
 * (its format), -t, and lspci's -s and -d. */
#define REQ_FIELD(f) .dest = DEST_REQUEST, .offset = offsetof(struct request, f)
#define OWN_FIELD(type, f) .dest = DEST_OWN, .offset = offsetof(type, f)
#define OPTIONS_COLUMNS                                                                                            \
	{.name = "output", .short_name = 'o', .kind = OPT_STRING, .arg = "COLS", REQ_FIELD(lo.columns),         \
	 .complete = COMPLETE_COLUMNS, .help = "columns to show (COLS, or +COLS to add to the defaults)"},        \
	{                                                                                                          \
		.name = "list-columns", .kind = OPT_FLAG, REQ_FIELD(list_columns),                                 \
		.help = "list the columns and what they show"                                                      \
	}
#define OPTIONS_TABLE_FORMAT(only)                                                                                 \
	{.name = "raw", .short_name = 'r', .kind = OPT_FLAG, REQ_FIELD(lo.raw), .only_with = only,                 \
	 .help = "raw output: no alignment, no tree lines"},                                                       \
		{.name = "pairs", .short_name = 'P', .kind = OPT_FLAG, REQ_FIELD(lo.pairs), .only_with = only,     \
		 .help = "KEY=\"value\" output"},                                                                  \
	{                                                                                                          \
		.name = "noheadings", .short_name = 'n', .kind = OPT_FLAG, REQ_FIELD(lo.noheadings),               \
		.only_with = only, .help = "do not print headings (nor the lines under the table)"                 \
	}
#define OPTIONS_SELECT(only)                                                                                       \
	{.name = "slot", .short_name = 's', .kind = OPT_VALUE, .arg = "SLOT", REQ_FIELD(filter),                  \
	 .parse = parse_slot_filter, .invalid = "needs [[[[DOMAIN]:]BUS]:][SLOT][.[FUNC]] in hex",                 \
	 .complete = COMPLETE_DEVICE, .only_with = only,                                                           \
	 .help = "only the functions at [[[[DOMAIN]:]BUS]:][SLOT][.[FUNC]] (hex), as lspci -s"},                   \
	{                                                                                                          \
		.name = "device", .short_name = 'd', .kind = OPT_VALUE, .arg = "ID", REQ_FIELD(filter),            \
		.parse = parse_id_filter, .invalid = "needs [VENDOR]:[DEVICE][:CLASS[:PROG-IF]] in hex",           \
		.complete = COMPLETE_ID, .only_with = only,                                                        \
		.help = "only the functions with [VENDOR]:[DEVICE][:CLASS[:PROG-IF]] (hex), as lspci -d"           \
	}
bool parse_slot_filter(const char *arg, void *field);
bool parse_id_filter(const char *arg, void *field);
#define OPTIONS_END                                                                                                \
	{                                                                                                          \
		.name = NULL                                                                                       \
	}

/* The command's rows and the global ones a command accepts after it, for
 * the parser and the completion data: calls FN for each row of CMD (NULL:
 * the global options before a command). */
void command_for_each_option(const struct command *cmd, void (*fn)(const struct cmd_option *o, void *ctx), void *ctx);
/* The global rows (main.c). */
extern const struct cmd_option global_options[];
/* GROUP|BDF...: a group number or a PCI address, any number of them. */
extern const struct cmd_operand group_or_device_operand;
/* "text" and "prometheus", for --format of status and swiotlb stats. */
extern const char *const output_format_ids[];
enum output_format { FORMAT_TEXT, FORMAT_PROMETHEUS };

/* ---- what the commands share (app.c) ------------------------------------------------- */

/* BDF: one PCI address (dma-path, map-check). */
extern const struct cmd_operand one_device_operand;

/* The help lines of ROWS ("  -o, --output COLS  columns to ..."), broken
 * at words to WIDTH (0: not at all).  CMD: the rows as they are after
 * that command (global ones that only go before it are left out). */
void print_option_help(FILE *f, const struct cmd_option *rows, const struct command *cmd, size_t width);

/* Prints the help of CMD, called NAME (NULL: iommuctl's) on stdout. */
void app_print_help(const struct app *app, const struct command *cmd, const char *name);
/* Reports a usage error ("iommuctl groups: ... (see iommuctl groups
 * --help)"; under -j also a JSON document on stdout) and returns
 * EXIT_USAGE. */
int app_usage_error(struct app *app, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same with another pointer than --help: "(see iommuctl groups SEE)". */
int app_usage_error_see(struct app *app, const char *see, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Reports a fatal error (on stderr; under -j also as a JSON document on
 * stdout) and returns STATUS. */
int app_fail(struct app *app, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* sysroot_open_why of --root failed with ERR (and WHY, freed here): says so
 * and returns EXIT_ENV. */
int app_root_failed(struct app *app, int err, char *why);
/* "cannot write the output: <errno>" (exit 3), for a failed render. */
int app_output_failed(struct app *app);

/* The function at A in S, or NULL after reporting "there is no PCI
 * function ..." as a usage error with its status in *RC. */
const struct pci_device *app_find_device(struct app *app, const struct snapshot *s, const struct pci_addr *a, int *rc);
/* Opens the root, loads the snapshot with FLAGS and resolves names.
 * Returns EXIT_OK, or the exit status after reporting why not. */
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
/* Whether colour goes out: --color, else a terminal without NO_COLOR and
 * with a TERM other than "dumb"; never with -j. */
bool app_color(const struct app *app);
/* The width text is fitted to: the terminal's on standard output, 0 when
 * it is not one. */
size_t app_width(const struct app *app);
/* Fills REQ->lo for a table (numeric, colour, width); checks -r with -P
 * and -o against the command's columns.  Prints --list-columns when asked.
 * Returns -1 to go on, or an exit status. */
int app_table_options(struct app *app, struct request *req);

/* The functions a command is asked about: its device and group operands
 * (a group stands for its members), and lspci's -s and -d. */
struct selection {
	bool *dev;        /* per function of the snapshot: selected */
	size_t *named;    /* the functions the operands name, in their order, once each */
	size_t nnamed;
	int *groups;      /* the group operands, in their order (for explain) */
	size_t ngroups;
	bool narrowed;    /* an operand, -s or -d was given */
};
enum {
	SELECT_SUBTREE = 1u << 0,   /* a device operand selects the functions below it too */
	SELECT_ANCESTORS = 1u << 1, /* and the bridges above a selected function (a tree) */
};
/* Resolves REQ's operands and filter over S.  Returns EXIT_OK, or a usage
 * error (an operand naming nothing in S; PREDICTED: the groups are), SEL
 * then released. */
int app_select(struct app *app, const struct request *req, const struct snapshot *s, unsigned flags, bool predicted,
	       struct selection *sel);
void selection_release(struct selection *sel);
/* Whether REQ names functions (operands) or filters them (-s, -d). */
bool request_narrowed(const struct request *req);

/* Loads S with everything the isolation analysis needs and prepares ISO;
 * fails (exit 3, with the reason) when the configuration space that
 * decides ACS could not be read.  PREDICT: as the kernel would set ACS
 * once an IOMMU asks for it. */
int app_load_isolation(struct app *app, unsigned flags, struct snapshot *s, struct isolation *iso, bool predict);
/* A whole list command (groups, devices): load, select, render. */
int app_run_list(struct app *app, struct request *req, enum list_kind kind, bool predict, bool why);

void app_release(struct app *app);

#endif
