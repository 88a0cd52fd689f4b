/* gaiactl's command table and dispatcher: words to a handler, each command's options through cli_parse, help, connect and quit. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "gaiactl.h"

#define CAS_UNSET UINT64_MAX

static int cmd_help(struct gaiactl *g, const struct gaiactl_call *call);
static int cmd_connect(struct gaiactl *g, const struct gaiactl_call *call);
static int cmd_quit(struct gaiactl *g, const struct gaiactl_call *call);

#define N GC_ARG_NONE
#define NODE GC_ARG_NODE
#define KEY GC_ARG_KEY

const struct gaiactl_cmd gaiactl_cmds[] = {
	{"status", NULL, "", "the cluster as this node sees it", 0,
	 0, 0, {N, N}, false, false, gaiactl_cmd_status},
	{"peers", "list", "", "the peers and their replication progress", 0, 0, 0,
	 {N, N}, false, true, gaiactl_cmd_peers_list},
	{"peers", "show", "ID", "one peer in detail", 0, 1, 1, {NODE, N}, false, false,
	 gaiactl_cmd_peers_show},
	{"peers", "remove", "ID", "remove a peer",
	 GC_OPT_FORCE | GC_OPT_DRY_RUN, 1, 1, {NODE, N}, false, false, gaiactl_cmd_remove},
	{"peers", "transfer-leader", "[ID]", "hand the leadership over (to ID if given)",
	 0, 0, 1, {NODE, N}, false, false, gaiactl_cmd_election},
	{"join", NULL, "ID ADDRESS [API_ADDRESS]",
	 "add node ID at Raft address ADDRESS", 0, 2, 3, {N, N},
	 false, false, gaiactl_cmd_join},
	{"remove", NULL, "ID", "remove a node",
	 GC_OPT_FORCE | GC_OPT_DRY_RUN, 1, 1, {NODE, N}, false, false, gaiactl_cmd_remove},
	{"snapshot", "take", "", "take a snapshot on this node now", 0, 0, 0, {N, N}, false, false,
	 gaiactl_cmd_snapshot_take},
	{"snapshot", "status", "", "this node's snapshot figures", 0, 0, 0, {N, N}, false, true,
	 gaiactl_cmd_snapshot_status},
	{"snapshot", "list", "", "this node's snapshot files, newest first", 0, 0, 0, {N, N}, false,
	 false, gaiactl_cmd_snapshot_list},
	{"health", NULL, "", "cluster health (exit 1 unless healthy)", 0, 0, 0, {N, N}, false,
	 false, gaiactl_cmd_health},
	{"election", NULL, "[TARGET]",
	 "force an election (hand over to TARGET if given)", 0, 0,
	 1, {NODE, N}, false, false, gaiactl_cmd_election},
	{"rejoin", NULL, "[LEADER_ADDRESS]", "make this node reconnect to its peers", GC_OPT_RESET, 0, 1,
	 {N, N}, false, false, gaiactl_cmd_rejoin},
	{"kv", "get", "KEY", "print the value of KEY as stored",
	 GC_OPT_STALE, 1, 1, {KEY, N}, false, false, gaiactl_cmd_kv_get},
	{"kv", "put", "KEY [VALUE]", "write VALUE (one-shot: else stdin) to KEY", GC_OPT_CAS, 1, 2,
	 {KEY, N}, false, false, gaiactl_cmd_kv_put},
	{"kv", "del", "KEY", "delete KEY", GC_OPT_CAS, 1, 1, {KEY, N}, false, false,
	 gaiactl_cmd_kv_del},
	{"kv", "ls", "[PREFIX]", "list the keys that start with PREFIX", GC_OPT_LIMIT | GC_OPT_STALE,
	 0, 1, {KEY, N}, false, false, gaiactl_cmd_kv_ls},
	{"connect", NULL, "HOST:PORT|SOCKET", "talk to another node from now on", 0, 1, 1, {N, N},
	 true, false, cmd_connect},
	{"help", NULL, "[COMMAND]", "list the commands, or show one", 0, 0, 2,
	 {GC_ARG_COMMAND, GC_ARG_COMMAND}, false, false, cmd_help},
	{"quit", NULL, "", "leave the shell (also: exit, Ctrl-D)", 0, 0, 0, {N, N}, true, false,
	 cmd_quit},
	{"exit", NULL, "", "leave the shell", 0, 0, 0, {N, N}, true, false, cmd_quit},
	{0},
};

#undef N
#undef NODE
#undef KEY

bool gaiactl_is_command(const char *name)
{
	for (const struct gaiactl_cmd *c = gaiactl_cmds; c->name; c++)
		if (!strcmp(c->name, name))
			return true;
	return false;
}

const char *gaiactl_sub_at(const char *name, size_t i)
{
	for (const struct gaiactl_cmd *c = gaiactl_cmds; c->name; c++)
		if (!strcmp(c->name, name) && c->sub && i-- == 0)
			return c->sub;
	return NULL;
}

const struct gaiactl_cmd *gaiactl_find(const char *name, const char *sub)
{
	const struct gaiactl_cmd *first = NULL;

	for (const struct gaiactl_cmd *c = gaiactl_cmds; c->name; c++) {
		if (strcmp(c->name, name) != 0)
			continue;
		if (!c->sub || (sub && !strcmp(c->sub, sub)))
			return c;
		if (!first)
			first = c;
	}
	return first;
}

/* "peers remove ID" */
static void cmd_words(const struct gaiactl_cmd *c, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s%s%s", c->name, c->sub ? " " : "", c->sub ? c->sub : "",
		 c->args[0] ? " " : "", c->args);
}

/* The options of c, with dest inside call. */
static size_t cmd_options(const struct gaiactl_cmd *c, struct gaiactl_call *call,
			  struct cli_option *o)
{
	size_t n = 0;

	o[n++] = (struct cli_option)CLI_OPT_JSON(&call->json);
	if (c->opts & GC_OPT_FORCE)
		o[n++] = (struct cli_option){.name = "force", .type = CLI_FLAG, .dest = &call->force,
					     .help = "remove the peer even when it cannot be reached"};
	if (c->opts & GC_OPT_DRY_RUN)
		o[n++] = (struct cli_option){.name = "dry-run", .type = CLI_FLAG,
					     .dest = &call->dry_run,
					     .help = "say what the change would do to the quorum; change nothing"};
	if (c->opts & GC_OPT_CAS)
		o[n++] = (struct cli_option){.name = "cas", .type = CLI_UINT, .dest = &call->cas,
					     .arg = "INDEX",
					     .help = "only if the key's modify index is INDEX (0: only if absent)"};
	if (c->opts & GC_OPT_LIMIT)
		o[n++] = (struct cli_option){.name = "limit", .type = CLI_UINT, .dest = &call->limit,
					     .help = "list at most N keys"};
	if (c->opts & GC_OPT_RESET)
		o[n++] = (struct cli_option){.name = "reset", .type = CLI_FLAG, .dest = &call->reset,
					     .help = "a removed node: wipe its Raft data and join again"};
	if (c->opts & GC_OPT_STALE)
		o[n++] = (struct cli_option){.name = "stale", .type = CLI_FLAG, .dest = &call->stale,
					     .help = "answer from this node's own state (no leader round)"};
	o[n] = (struct cli_option){0};
	return n;
}

static void cmd_spec(const struct gaiactl_cmd *c, const struct cli_option *o, char *usage,
		     size_t size, struct cli_spec *spec)
{
	cmd_words(c, usage, size);
	if (strlen(usage) + 12 < size)
		strcat(usage, " [OPTIONS]");
	*spec = (struct cli_spec){.usage = usage, .summary = c->summary, .options = o};
}

/* Usage message of c's command word(s) when the subcommand is missing
 * or unknown. */
static int sub_usage(const char *name, const char *got)
{
	char list[256] = "";
	const char *s;
	size_t len = 0;

	for (size_t i = 0; (s = gaiactl_sub_at(name, i)) && len < sizeof list; i++)
		len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", s);
	if (got)
		return cli_usage_errorf("%s: unknown subcommand '%s' (one of %s)", name, got, list);
	return cli_usage_errorf("%s: which one? %s", name, list);
}

int gaiactl_run(struct gaiactl *g, int argc, char **argv)
{
	const struct gaiactl_cmd *c = NULL;
	struct gaiactl_call call = {.cas = CAS_UNSET};
	struct cli_option opts[8];
	struct cli_spec spec;
	char usage[160];
	int words = 1, first, rc, n;

	if (argc < 1)
		return CLI_EXIT_OK;
	if (!gaiactl_is_command(argv[0]))
		return cli_usage_errorf("unknown command '%s' (try 'help')", argv[0]);
	if (gaiactl_sub_at(argv[0], 0)) {
		if (argc > 1 && argv[1][0] != '-') {
			c = gaiactl_find(argv[0], argv[1]);
			if (!c->sub || strcmp(c->sub, argv[1]) != 0)
				return sub_usage(argv[0], argv[1]);
			words = 2;
		} else {
			for (const struct gaiactl_cmd *d = gaiactl_cmds; d->name; d++)
				if (!strcmp(d->name, argv[0]) && d->is_default)
					c = d;
			if (!c)
				return sub_usage(argv[0], NULL);
		}
	} else {
		c = gaiactl_find(argv[0], NULL);
	}
	if (c->shell_only && !g->shell)
		return cli_usage_errorf("'%s' works only in the shell (run gaiactl without a command)",
					c->name);
	cmd_options(c, &call, opts);
	cmd_spec(c, opts, usage, sizeof usage, &spec);
	/* the parse sees the last command word as its argv[0] */
	n = argc - (words - 1);
	rc = cli_parse(&spec, n, argv + (words - 1), &first);
	if (rc != CLI_PARSED)
		return rc;
	call.cmd = c;
	call.argc = n - first;
	call.argv = argv + (words - 1) + first;
	if (call.argc < c->min || call.argc > c->max) {
		cmd_words(c, usage, sizeof usage);
		return cli_usage_errorf("usage: %s", usage);
	}
	call.has_cas = call.cas != CAS_UNSET;
	call.json = call.json || g->json;
	return c->run(g, &call);
}

/* --- help, connect, quit --------------------------------------------------- */

static void help_list(FILE *f)
{
	char words[160];

	for (const struct gaiactl_cmd *c = gaiactl_cmds; c->name; c++) {
		if (!strcmp(c->name, "exit"))
			continue;
		cmd_words(c, words, sizeof words);
		if (strlen(words) < 30)
			fprintf(f, "  %-30s%s\n", words, c->summary);
		else
			fprintf(f, "  %s\n  %-30s%s\n", words, "", c->summary);
	}
}

/* The command list for gaiactl --help (a static buffer). */
const char *gaiactl_commands_text(void)
{
	static char buf[4096];
	FILE *f = fmemopen(buf, sizeof buf - 1, "w");

	if (!f)
		return "";
	fprintf(f, "Commands (each also in the shell; `help COMMAND` there):\n");
	help_list(f);
	fprintf(f, "\nWithout a command: an interactive shell on a terminal, else one command\n"
		   "per line from standard input, stopping at the first that fails.\n");
	fclose(f);
	return buf;
}

static int cmd_help(struct gaiactl *g, const struct gaiactl_call *call)
{
	struct gaiactl_call dummy = {0};
	struct cli_option opts[8];
	struct cli_spec spec;
	char usage[160];
	bool any = false;

	(void)g;
	if (call->argc == 0) {
		printf("Commands (options: `help COMMAND`; --json after any command prints JSON):\n");
		help_list(stdout);
		return CLI_EXIT_OK;
	}
	for (const struct gaiactl_cmd *c = gaiactl_cmds; c->name; c++) {
		if (strcmp(c->name, call->argv[0]) != 0)
			continue;
		if (call->argc > 1 && (!c->sub || strcmp(c->sub, call->argv[1]) != 0))
			continue;
		if (any)
			putchar('\n');
		cmd_options(c, &dummy, opts);
		cmd_spec(c, opts, usage, sizeof usage, &spec);
		cli_help(&spec, stdout);
		any = true;
	}
	if (!any) {
		cli_errorf("no command '%s%s%s' (try 'help')", call->argv[0], call->argc > 1 ? " " : "",
			   call->argc > 1 ? call->argv[1] : "");
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

static int cmd_connect(struct gaiactl *g, const struct gaiactl_call *call)
{
	const char *to = call->argv[0];
	bool sock = strchr(to, '/') != NULL && strncmp(to, "http://", 7) != 0;

	return gaiactl_connect(g, sock ? NULL : to, sock ? to : NULL, true) == GAIA_OK
		       ? CLI_EXIT_OK
		       : CLI_EXIT_FAIL;
}

static int cmd_quit(struct gaiactl *g, const struct gaiactl_call *call)
{
	(void)call;
	g->quit = true;
	return CLI_EXIT_OK;
}
