/* cli.h - what every GAIA_GO tool shares: its name in messages, an option table over getopt_long with --help and --version, exit codes, aligned tables for people and one JSON document for --json. */
/*
 * This is the one part of libgaia that prints: cli_errorf/cli_warnf write
 * to stderr and cli_parse writes --help/--version to stdout, because they
 * exist for the tools' mains. Nothing here exits; the caller returns the
 * code it gets. Not thread-safe except for cli_errorf/cli_warnf, which
 * write each message with one call.
 *
 * A tool's main reads:
 *
 *	static const struct cli_option opts[] = {
 *		CLI_OPT_ADDR(&addr), CLI_OPT_JSON(&json),
 *		{.name = "clients", .key = 'c', .type = CLI_UINT, .dest = &clients,
 *		 .arg = "N", .help = "concurrent clients", .min = 1, .max = 1024},
 *		{0},
 *	};
 *	static const struct cli_spec spec = {.usage = "[OPTIONS]",
 *		.summary = "...", .options = opts};
 *	cli_init(argv[0]);
 *	if ((rc = cli_parse(&spec, argc, argv, &first)) != CLI_PARSED)
 *		return rc;
 */
#ifndef GAIA_CLI_H
#define GAIA_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "gaia.h"

/* Exit codes of every tool (gaia-health has its own, Nagios', on top). */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAIL = 1,
	CLI_EXIT_USAGE = 2,
};

/* cli_parse's "carry on": not an exit code. */
#define CLI_PARSED (-1)

/* --- program name and messages -------------------------------------------- */

/* Remember the program's name (the basename of argv0) for messages, --help
 * and --version. Before any call it is "gaia". */
void cli_init(const char *argv0);
const char *cli_progname(void);

/* Where cli prints: NULL restores stdout/stderr. For tests. */
void cli_set_streams(FILE *out, FILE *err);

/* "<prog>: <message>\n" on stderr. */
__attribute__((format(printf, 1, 2))) void cli_errorf(const char *fmt, ...);
/* "<prog>: warning: <message>\n" on stderr. */
__attribute__((format(printf, 1, 2))) void cli_warnf(const char *fmt, ...);
/* A usage error: the message, then "Try '<prog> --help' for more
 * information."; returns CLI_EXIT_USAGE so that mains can
 * "return cli_usage_errorf(...)". */
__attribute__((format(printf, 1, 2))) int cli_usage_errorf(const char *fmt, ...);

/* --- options --------------------------------------------------------------- */

enum cli_type {
	CLI_FLAG,     /* bool *, set to true; takes no argument */
	CLI_STRING,   /* const char **, pointing into argv */
	CLI_UINT,     /* uint64_t *, decimal, within [min, max] */
	CLI_DOUBLE,   /* double *, within [min, max] */
	CLI_DURATION, /* uint64_t *, milliseconds: 150ms 5s 2m 1h 7d */
	CLI_SIZE,     /* uint64_t *, bytes: 100 512KB 1MiB 1GB */
	CLI_CHOICE,   /* int *, the index of the argument in choices */
};

struct cli_option {
	const char *name;              /* long name without "--"; NULL ends the table */
	int key;                       /* short letter, 0: long only */
	enum cli_type type;
	void *dest;                    /* written only when the option is given */
	const char *arg;               /* argument name in --help; NULL: from the type */
	const char *help;              /* one line */
	const char *const *choices;    /* CLI_CHOICE: NULL-terminated */
	double min, max;               /* CLI_UINT/DOUBLE/DURATION/SIZE bounds; 0,0: none */
};

struct cli_spec {
	const char *usage;             /* after the program name: "[OPTIONS] KEY" */
	const char *summary;           /* one line: what the tool does */
	const struct cli_option *options;
	const char *epilog;            /* printed after the options (environment, exit codes) */
};

/* The options most tools take. */
#define CLI_OPT_ADDR(p) {.name = "addr", .key = 'a', .type = CLI_STRING, .dest = (p), \
	.arg = "HOST:PORT", .help = "node to talk to over TCP (default: $GAIA_ADDR)"}
#define CLI_OPT_SOCKET(p) {.name = "socket", .key = 's', .type = CLI_STRING, .dest = (p), \
	.arg = "PATH", .help = "local Unix socket (default: $GAIA_SOCKET)"}
#define CLI_OPT_TIMEOUT(p) {.name = "timeout", .key = 't', .type = CLI_DURATION, .dest = (p), \
	.help = "time allowed for each request (default 10s)", .min = 1}
#define CLI_OPT_JSON(p) {.name = "json", .key = 'j', .type = CLI_FLAG, .dest = (p), \
	.help = "print one JSON document instead of a table"}

/* Parse argv against spec (-h/--help and --version are added). Returns
 * CLI_PARSED with *first_arg the index of the first operand (getopt
 * moves operands to the end of argv), or the code the tool should exit
 * with: CLI_EXIT_OK after --help or --version (printed on stdout),
 * CLI_EXIT_USAGE after a usage error (said on stderr, naming the option
 * and the value). */
int cli_parse(const struct cli_spec *spec, int argc, char **argv, int *first_arg);

/* Print the --help text of spec to f. */
void cli_help(const struct cli_spec *spec, FILE *f);

/* --- output ---------------------------------------------------------------- */

struct cli_table;

/* A table of ncols columns with these headers; cells are added left to
 * right, a row ends after ncols cells. GAIA_OK or GAIA_ENOMEM. */
int cli_table_new(struct cli_table **out, size_t ncols, const char *const *headers);
void cli_table_free(struct cli_table *t);
/* Align column col to the right (numbers). */
void cli_table_align_right(struct cli_table *t, size_t col);
/* Append one cell. GAIA_OK or GAIA_ENOMEM (the table then prints what it
 * had). */
__attribute__((format(printf, 2, 3))) int cli_table_cellf(struct cli_table *t, const char *fmt, ...);
/* Print with columns two spaces apart, widths in UTF-8 characters, no
 * trailing blanks; an unfinished last row is padded. GAIA_OK or GAIA_EIO. */
int cli_table_print(const struct cli_table *t, FILE *f);

/* Print doc as one JSON document (2-space indent, reals with at most 10
 * significant digits, final newline) and flush. GAIA_OK, GAIA_EINVAL for
 * NULL, GAIA_EIO if f fails (a closed pipe). */
int cli_json_print(const json_t *doc, FILE *f);

#endif
