/* gaia-peers: list, show and remove cluster members, move the leadership, watch replication lag (client_cluster.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "client/client.h"
#include "client/client_cluster.h"

enum cmd { CMD_LIST, CMD_SHOW, CMD_REMOVE, CMD_TRANSFER, CMD_WATCH };

static const struct {
	const char *name;
	enum cmd cmd;
	int min_args, max_args;
} cmds[] = {
	{"list", CMD_LIST, 0, 0},        {"show", CMD_SHOW, 1, 1},
	{"remove", CMD_REMOVE, 1, 1},    {"transfer-leader", CMD_TRANSFER, 0, 1},
	{"watch", CMD_WATCH, 0, 0},
};

static const char *jstr(const json_t *o, const char *k, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s && s[0] ? s : dflt;
}

static long long jint(const json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static const char *role_of(const json_t *p)
{
	if (json_is_true(json_object_get(p, "is_leader")))
		return "leader";
	return json_is_true(json_object_get(p, "voter")) ? "voter" : "learner";
}

static void contact_of(const json_t *p, char *buf, size_t size)
{
	json_t *ms = json_object_get(p, "last_contact_ms");

	if (json_is_true(json_object_get(p, "is_self")))
		snprintf(buf, size, "self");
	else if (!json_is_integer(ms))
		snprintf(buf, size, "-");
	else if (json_integer_value(ms) < 10000)
		snprintf(buf, size, "%lldms ago", (long long)json_integer_value(ms));
	else
		snprintf(buf, size, "%llds ago", (long long)json_integer_value(ms) / 1000);
}

/* The match index of peer id in an earlier sample, -1 if absent. */
static long long prev_match(const json_t *prev, const char *id)
{
	const json_t *p;
	size_t i;

	json_array_foreach(prev, i, p)
		if (!strcmp(jstr(p, "id", ""), id))
			return jint(p, "match_index");
	return -1;
}

/* The peers as a table; with rate (watch), a column of entries per
 * second each peer gained since prev, a sample secs earlier ("-" for the
 * first). */
static int print_peers(const json_t *peers, bool rate, const json_t *prev, double secs)
{
	static const char *const head[] = {"ID", "ROLE", "STATE", "ADDRESS", "API ADDRESS",
					   "MATCH", "LAG", "CONTACT", "ENTRIES/S"};
	size_t ncols = rate ? 9 : 8, i;
	struct cli_table *t;
	const json_t *p;
	char contact[32];
	int rc;

	if ((rc = cli_table_new(&t, ncols, head)) != GAIA_OK)
		return rc;
	for (size_t k = 5; k < ncols; k++)
		if (k != 7)
			cli_table_align_right(t, k);
	json_array_foreach(peers, i, p) {
		cli_table_cellf(t, "%s", jstr(p, "id", "?"));
		cli_table_cellf(t, "%s", role_of(p));
		cli_table_cellf(t, "%s", jstr(p, "state", "unknown"));
		cli_table_cellf(t, "%s", jstr(p, "address", "-"));
		cli_table_cellf(t, "%s", jstr(p, "api_address", "-"));
		cli_table_cellf(t, "%lld", jint(p, "match_index"));
		cli_table_cellf(t, "%lld", jint(p, "lag"));
		contact_of(p, contact, sizeof contact);
		cli_table_cellf(t, "%s", contact);
		if (rate) {
			long long m0 = prev_match(prev, jstr(p, "id", ""));

			if (m0 < 0 || secs <= 0)
				cli_table_cellf(t, "-");
			else
				cli_table_cellf(t, "%.0f", (double)(jint(p, "match_index") - m0) / secs);
		}
	}
	rc = cli_table_print(t, stdout);
	cli_table_free(t);
	return rc;
}

static void print_peer(const json_t *p)
{
	char contact[32];

	contact_of(p, contact, sizeof contact);
	printf("id:              %s\n", jstr(p, "id", "?"));
	printf("role:            %s\n", role_of(p));
	printf("state:           %s\n", jstr(p, "state", "unknown"));
	printf("address:         %s\n", jstr(p, "address", "-"));
	printf("api address:     %s\n", jstr(p, "api_address", "-"));
	printf("match index:     %lld\n", jint(p, "match_index"));
	printf("next index:      %lld\n", jint(p, "next_index"));
	printf("lag:             %lld\n", jint(p, "lag"));
	printf("last heartbeat:  %s (%s)\n", jstr(p, "last_heartbeat", "-"), contact);
}

static void print_removed(const char *id, const json_t *doc, bool dry_run)
{
	const json_t *n;
	size_t i;

	if (dry_run) {
		printf("dry run: removing %s would leave %lld voters (quorum %lld, tolerating %lld "
		       "failures); now %lld voters (quorum %lld, tolerating %lld)\n",
		       id, jint(doc, "voters_after"), jint(doc, "quorum_after"),
		       jint(doc, "failure_tolerance_after"), jint(doc, "voters_before"),
		       jint(doc, "quorum_before"), jint(doc, "failure_tolerance_before"));
		return;
	}
	printf("%s removed; members now:", id);
	json_array_foreach(json_object_get(doc, "nodes"), i, n)
		printf("%s %s", i ? "," : "", jstr(n, "id", "?"));
	printf("\n");
}

struct watch {
	bool json, tty;
	const char *target;
	struct client *c;
	json_t *prev;
	double prev_s;
	uint64_t failures;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void utc_now(char *buf, size_t size)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static bool on_sample(const json_t *peers, uint64_t n, void *ud)
{
	struct watch *w = ud;
	char when[32];
	double t = now_s();

	utc_now(when, sizeof when);
	if (w->json) {
		json_t *line = peers ? json_pack("{s:s, s:I, s:O}", "time", when, "sample", (json_int_t)n,
						 "peers", peers)
				     : json_pack("{s:s, s:I, s:s}", "time", when, "sample",
						 (json_int_t)n, "error", client_errmsg(w->c));
		if (line) {
			json_dumpf(line, stdout, JSON_COMPACT);
			putchar('\n');
		}
		json_decref(line);
	} else {
		if (w->tty)
			printf("\033[H\033[2J");
		printf("%s  peers via %s  (sample %llu)\n", when, w->target, (unsigned long long)n);
		if (peers)
			print_peers(peers, true, w->prev, t - w->prev_s);
		else
			printf("error: %s\n", client_errmsg(w->c));
		if (!w->tty)
			putchar('\n');
	}
	if (fflush(stdout) != 0)
		return false; /* the reader went away */
	if (peers) {
		json_decref(w->prev);
		w->prev = json_deep_copy(peers);
		w->prev_s = t;
	} else {
		w->failures++;
		if (!w->json)
			cli_errorf("%s", client_errmsg(w->c));
	}
	return true;
}

int main(int argc, char **argv)
{
	const char *addr = NULL, *socket_path = NULL, *id = NULL, *sub = "list";
	uint64_t timeout = 0, count = 0, interval = 1000;
	bool json = false, force = false, dry_run = false;
	enum cmd cmd = CMD_LIST;
	int first, rc, nargs;
	size_t k;
	const struct cli_option options[] = {
		CLI_OPT_ADDR(&addr),
		CLI_OPT_SOCKET(&socket_path),
		CLI_OPT_TIMEOUT(&timeout),
		CLI_OPT_JSON(&json),
		{.name = "force", .key = 'f', .type = CLI_FLAG, .dest = &force,
		 .help = "remove: even a dead peer, or below a live quorum"},
		{.name = "dry-run", .key = 'n', .type = CLI_FLAG, .dest = &dry_run,
		 .help = "remove: only say what it would do to the quorum"},
		{.name = "count", .key = 'c', .type = CLI_UINT, .dest = &count,
		 .help = "watch: stop after N refreshes (default: until interrupted)", .min = 1,
		 .max = 1e9},
		{.name = "interval", .key = 'i', .type = CLI_DURATION, .dest = &interval,
		 .help = "watch: time between refreshes (default 1s)", .min = 10},
		{0},
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] [list | show ID | remove ID [--force] [--dry-run] |\n"
			 "                  transfer-leader [ID] | watch [--count N] [--interval DURATION]]",
		.summary = "Show and change the members of a GAIA_GO cluster.",
		.options = options,
		.epilog = "Commands:\n"
			  "  list                 every peer with its role, state and replication (default)\n"
			  "  show ID              one peer\n"
			  "  remove ID            remove a peer (--force: a dead one)\n"
			  "  transfer-leader [ID] hand the leadership to ID, or to the best other voter\n"
			  "  watch                refresh the list with each peer's entries per second\n\n"
			  "Environment:\n"
			  "  GAIA_ADDR    default --addr\n"
			  "  GAIA_SOCKET  default --socket\n\n"
			  "Exit status: 0 on success, 1 when the node refused or could not be reached\n"
			  "(an unknown ID, a removal without quorum), 2 on a usage error.\n",
	};
	struct client_options co = {0};
	struct client *c = NULL;
	struct watch w = {0};
	char errmsg[GAIA_ERRMSG_SIZE];
	json_t *doc = NULL;

	cli_init(argv[0]);
	if ((rc = cli_parse(&spec, argc, argv, &first)) != CLI_PARSED)
		return rc;
	if (first < argc)
		sub = argv[first++];
	for (k = 0; k < sizeof cmds / sizeof cmds[0]; k++)
		if (!strcmp(sub, cmds[k].name))
			break;
	if (k == sizeof cmds / sizeof cmds[0])
		return cli_usage_errorf("unknown command '%s' (list, show, remove, transfer-leader, watch)",
					sub);
	cmd = cmds[k].cmd;
	nargs = argc - first;
	if (nargs < cmds[k].min_args)
		return cli_usage_errorf("%s needs a node id", sub);
	if (nargs > cmds[k].max_args)
		return cli_usage_errorf("unexpected argument '%s'", argv[first + cmds[k].max_args]);
	if (nargs)
		id = argv[first];
	if ((force || dry_run) && cmd != CMD_REMOVE)
		return cli_usage_errorf("--%s goes with remove only", force ? "force" : "dry-run");
	if (cmd != CMD_WATCH && count)
		return cli_usage_errorf("--count goes with watch only");
	if (id && !client_node_id_ok(id))
		return cli_usage_errorf("'%s' is not a node id", id);
	if (addr && socket_path)
		return cli_usage_errorf("--addr and --socket do not go together");

	co.addr = addr;
	co.socket_path = socket_path;
	co.timeout_ms = timeout;
	if (cmd == CMD_WATCH)
		co.max_attempts = 1; /* the next refresh is the retry */
	if ((rc = client_new(&c, &co, errmsg)) != GAIA_OK) {
		if (rc == GAIA_EINVAL)
			return cli_usage_errorf("%s", errmsg);
		cli_errorf("%s", errmsg);
		return CLI_EXIT_FAIL;
	}
	switch (cmd) {
	case CMD_LIST:
		rc = client_peers_list(c, &doc);
		break;
	case CMD_SHOW:
		rc = client_peer_show(c, id, &doc);
		break;
	case CMD_REMOVE:
		rc = client_peer_remove(c, id, force, dry_run, &doc);
		break;
	case CMD_TRANSFER:
		rc = client_transfer_leader(c, id, &doc);
		break;
	case CMD_WATCH:
		w.json = json;
		w.tty = !json && isatty(STDOUT_FILENO);
		w.target = client_target(c);
		w.c = c;
		rc = client_peers_watch(c, count, interval, on_sample, &w);
		json_decref(w.prev);
		if (rc != GAIA_OK)
			cli_errorf("no refresh succeeded: %s", client_errmsg(c));
		client_free(c);
		return rc == GAIA_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	}
	if (rc != GAIA_OK) {
		if (cmd == CMD_REMOVE)
			cli_errorf("cannot remove %s: %s", id, client_errmsg(c));
		else if (cmd == CMD_TRANSFER)
			cli_errorf("cannot transfer the leadership: %s", client_errmsg(c));
		else
			cli_errorf("%s", client_errmsg(c));
		if (cmd == CMD_REMOVE && rc == GAIA_EEXIST && !force)
			cli_errorf("to remove %s anyway (a dead node): %s remove %s --force", id,
				   cli_progname(), id);
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	if (json) {
		rc = cli_json_print(doc, stdout) == GAIA_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
		goto out;
	}
	switch (cmd) {
	case CMD_LIST:
		rc = print_peers(doc, false, NULL, 0) == GAIA_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
		break;
	case CMD_SHOW:
		print_peer(doc);
		break;
	case CMD_REMOVE:
		print_removed(id, doc, dry_run);
		break;
	case CMD_TRANSFER:
		printf("%s; leader: %s (term %lld)\n", jstr(doc, "action", "done"),
		       jstr(doc, "leader_id", "none"), jint(doc, "term"));
		break;
	case CMD_WATCH:
		break;
	}
out:
	json_decref(doc);
	client_free(c);
	return rc;
}
