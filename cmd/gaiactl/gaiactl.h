/* gaiactl.h - what the files of gaiactl share: the session (which node, how), the command table, the shell and its completion. */
#ifndef GAIACTL_H
#define GAIACTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "client/client.h"

/* One session: the node talked to, and how commands print. */
struct gaiactl {
	struct client *client;      /* NULL when the last connect failed */
	char target[512];           /* what client talks to, for the prompt */
	uint64_t timeout_ms;        /* --timeout, 0: the client's default */
	bool json;                  /* --json given to gaiactl itself */
	bool shell;                 /* an interactive or scripted session (not one-shot) */
	bool interactive;           /* reading from a terminal with readline */
	bool quit;                  /* `quit` was run */
};

/* Options a command may take (bits of gaiactl_cmd.opts). */
enum {
	GC_OPT_FORCE = 1u << 0,
	GC_OPT_DRY_RUN = 1u << 1,
	GC_OPT_CAS = 1u << 2,
	GC_OPT_LIMIT = 1u << 3,
	GC_OPT_STALE = 1u << 4,
	GC_OPT_RESET = 1u << 5,
};

/* What an operand is, for tab completion. */
enum gaiactl_arg {
	GC_ARG_NONE,
	GC_ARG_NODE,     /* a node id, asked from the node */
	GC_ARG_KEY,      /* a key, listed by prefix */
	GC_ARG_COMMAND,  /* a command name (help) */
};

/* One run of a command: its operands and options. */
struct gaiactl_call {
	const struct gaiactl_cmd *cmd;
	int argc;                   /* operands after the command (and subcommand) words */
	char **argv;
	bool json, force, dry_run, stale, reset;
	bool has_cas;
	uint64_t cas, limit;
};

struct gaiactl_cmd {
	const char *name;           /* "peers" */
	const char *sub;            /* "remove"; NULL: none */
	const char *args;           /* operands in usage: "ID" */
	const char *summary;        /* one line */
	unsigned opts;              /* GC_OPT_* */
	int min, max;               /* operand counts */
	enum gaiactl_arg complete[2]; /* what operands 0 and 1 are */
	bool shell_only;            /* meaningless one-shot (connect, quit) */
	bool is_default;            /* run when only the command word is given */
	int (*run)(struct gaiactl *g, const struct gaiactl_call *call);
};

/* The table, ended by an entry with name NULL. */
extern const struct gaiactl_cmd gaiactl_cmds[];

/* --- gaiactl_commands.c --------------------------------------------------- */

/* Run one command line (argv[0] is the command). The exit code: 0 ok,
 * 1 failure (said on stderr), 2 usage error. */
int gaiactl_run(struct gaiactl *g, int argc, char **argv);
/* Whether name is a command word. */
bool gaiactl_is_command(const char *name);
/* The subcommands of command `name`, in turn (i = 0, 1, ...); NULL at
 * the end or when it has none. */
const char *gaiactl_sub_at(const char *name, size_t i);
/* The entry for the words "name [sub]" (sub may be NULL or not a
 * subcommand); NULL for an unknown name. */
const struct gaiactl_cmd *gaiactl_find(const char *name, const char *sub);

/* The command list for gaiactl --help (a static buffer). */
const char *gaiactl_commands_text(void);

/* --- the handlers: gaiactl_cluster.c, gaiactl_kv.c ------------------------- */

int gaiactl_cmd_status(struct gaiactl *g, const struct gaiactl_call *call);
int gaiactl_cmd_peers_list(struct gaiactl *g, const struct gaiactl_call *call);
int gaiactl_cmd_peers_show(struct gaiactl *g, const struct gaiactl_call *call);
int gaiactl_cmd_join(struct gaiactl *g, const struct gaiactl_call *call);
int gaiactl_cmd_remove(struct gaiactl *g, const struct gaiactl_call *call);
int gaiactl_cmd_health(struct gaiactl *g, const struct gaiactl_call *call);
int gaiactl_cmd_election(struct gaiactl *g, const struct gaiactl_call *call);
int gaiactl_cmd_rejoin(struct gaiactl *g, const struct gaiactl_call *call);
int gaiactl_cmd_snapshot_take(struct gaiactl *g, const struct gaiactl_call *call);
int gaiactl_cmd_snapshot_status(struct gaiactl *g, const struct gaiactl_call *call);
int gaiactl_cmd_snapshot_list(struct gaiactl *g, const struct gaiactl_call *call);
int gaiactl_cmd_kv_get(struct gaiactl *g, const struct gaiactl_call *call);
int gaiactl_cmd_kv_put(struct gaiactl *g, const struct gaiactl_call *call);
int gaiactl_cmd_kv_del(struct gaiactl *g, const struct gaiactl_call *call);
int gaiactl_cmd_kv_ls(struct gaiactl *g, const struct gaiactl_call *call);

/* --- gaiactl_session.c ---------------------------------------------------- */

/* Talk to addr (TCP host:port) or sock (a Unix socket path), both NULL:
 * the environment and defaults (client.h). With probe, GET /health
 * first and say which node answered. Keeps the old client when the new
 * one cannot be made or does not answer; says why on stderr. GAIA_OK or
 * an error code. */
int gaiactl_connect(struct gaiactl *g, const char *addr, const char *sock, bool probe);
/* The client, or NULL with the reason said on stderr. */
struct client *gaiactl_client(struct gaiactl *g);
/* Say a failed request on stderr: the client's message. Returns 1. */
int gaiactl_fail(struct gaiactl *g, int rc);
/* Print a JSON document on stdout (--json). 0 or 1. */
int gaiactl_print_json(json_t *doc);
/* Print an object's members as aligned "name: value" lines (nested
 * objects as "name.member"; arrays by their length). 0 or 1. */
int gaiactl_print_fields(const json_t *obj);
/* A member as text for a table cell: strings as they are, numbers,
 * booleans as yes/no, null or absent as "-". buf holds what needs it. */
const char *gaiactl_text(const json_t *obj, const char *name, char *buf, size_t size);

/* --- gaiactl_shell.c ------------------------------------------------------ */

/* Split a command line into words: blanks separate, '...' is literal,
 * "..." keeps blanks and takes \" and \\, a backslash outside quotes
 * escapes the next character. *argv is one malloc'd block (free it
 * with free()); an empty or comment (#) line gives argc 0. -1 on an
 * unterminated quote, -2 without memory (nothing printed). */
int gaiactl_split(const char *line, int *argc, char ***argv);
/* The interactive shell on a terminal (readline). Returns the exit code:
 * that of the last command. */
int gaiactl_shell(struct gaiactl *g);
/* Commands from f, one per line, stopping at the first that fails with
 * its code; 0 when all succeed. */
int gaiactl_script(struct gaiactl *g, FILE *f);
/* The history file: $GAIACTL_HISTORY, else $HOME/.gaiactl_history; NULL
 * when there is none (GAIACTL_HISTORY empty, no home). */
const char *gaiactl_history_path(void);

/* --- gaiactl_complete.c --------------------------------------------------- */

/* Hook tab completion into readline for session g. */
void gaiactl_complete_init(struct gaiactl *g);

#endif
