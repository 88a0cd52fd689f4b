/* gaia-join: add a node to a GAIA_GO cluster (client_join) and with --wait follow its catch-up until it is a voter (client_join_wait). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "client/client.h"
#include "client/client_cluster.h"
#include "util/hostport.h"

#define JOIN_DEFAULT_WAIT_MS (5 * 60 * 1000)
#define JOIN_LINE_EVERY_MS 5000 /* without a terminal: a line at least this often */

struct progress {
	const char *node_id;
	bool tty;              /* stderr is a terminal: one line redrawn */
	bool drawn;            /* a redrawn line is on the screen */
	char state[32];
	bool voter;
	uint64_t last_line_ms; /* elapsed at the last line printed */
	bool printed;
};

static void describe(const struct client_join_progress *p, char *buf, size_t size)
{
	if (p->last_error[0])
		snprintf(buf, size, "no answer yet (%s)", p->last_error);
	else if (p->voter)
		snprintf(buf, size, "voter, %s, at index %llu", p->state,
			 (unsigned long long)p->match_index);
	else if (p->have_figures)
		snprintf(buf, size, "%s, at index %llu, %llu entries behind the leader", p->state,
			 (unsigned long long)p->match_index, (unsigned long long)p->lag);
	else
		snprintf(buf, size, "%s (the leader's figures are not available)", p->state);
}

static void on_progress(const struct client_join_progress *p, void *ud)
{
	struct progress *g = ud;
	char what[GAIA_ERRMSG_SIZE + 64];
	bool changed = strcmp(g->state, p->state) != 0 || g->voter != p->voter;

	describe(p, what, sizeof what);
	if (g->tty) {
		fprintf(stderr, "\r\033[K%s: %s: %s (%.1f s)", cli_progname(), g->node_id, what,
			(double)p->elapsed_ms / 1000);
		fflush(stderr);
		g->drawn = true;
	} else if (!g->printed || changed || p->elapsed_ms - g->last_line_ms >= JOIN_LINE_EVERY_MS) {
		fprintf(stderr, "%s: %s: %s (%.1f s)\n", cli_progname(), g->node_id, what,
			(double)p->elapsed_ms / 1000);
		g->last_line_ms = p->elapsed_ms;
		g->printed = true;
	}
	snprintf(g->state, sizeof g->state, "%s", p->state);
	g->voter = p->voter;
}

int main(int argc, char **argv)
{
	const char *addr = NULL, *socket_path = NULL, *node_id = NULL, *address = NULL;
	const char *api_address = NULL, *leader = NULL;
	uint64_t timeout = 0, wait_timeout = JOIN_DEFAULT_WAIT_MS;
	bool json = false, wait = false;
	int first, rc;
	const struct cli_option options[] = {
		{.name = "node-id", .key = 'n', .type = CLI_STRING, .dest = &node_id, .arg = "ID",
		 .help = "the new node's id (required)"},
		{.name = "address", .key = 'A', .type = CLI_STRING, .dest = &address,
		 .arg = "HOST:PORT", .help = "the new node's Raft address (required)"},
		{.name = "api-address", .type = CLI_STRING, .dest = &api_address, .arg = "HOST:PORT",
		 .help = "its REST address (default: the node tells its peers)"},
		{.name = "leader-address", .key = 'l', .type = CLI_STRING, .dest = &leader,
		 .arg = "HOST:PORT", .help = "REST address of a member to ask (like --addr)"},
		{.name = "wait", .key = 'w', .type = CLI_FLAG, .dest = &wait,
		 .help = "wait until the node is a caught-up voter, showing progress"},
		{.name = "wait-timeout", .type = CLI_DURATION, .dest = &wait_timeout,
		 .help = "give up waiting after this long (default 5m)", .min = 1},
		CLI_OPT_ADDR(&addr),
		CLI_OPT_SOCKET(&socket_path),
		CLI_OPT_TIMEOUT(&timeout),
		CLI_OPT_JSON(&json),
		{0},
	};
	const struct cli_spec spec = {
		.usage = "--node-id ID --address HOST:PORT [--leader-address HOST:PORT] [--wait] [OPTIONS]",
		.summary = "Add a node to a GAIA_GO cluster. It joins as a learner and the leader makes it\n"
			   "a voter once it has caught up; --wait follows that until it is done.",
		.options = options,
		.epilog = "The request goes to --leader-address, else --addr, else the local socket; a\n"
			  "follower forwards it to the leader.\n\n"
			  "Environment:\n"
			  "  GAIA_ADDR    default --addr\n"
			  "  GAIA_SOCKET  default --socket\n\n"
			  "Exit status: 0 when the node is a member (with --wait: a voter), 1 when the\n"
			  "cluster refused or could not be reached or the wait timed out, 2 on a usage\n"
			  "error.\n",
	};
	struct client_options co = {0};
	struct client_join_request jr = {0};
	struct client_join_progress last;
	struct progress g = {0};
	struct client *c = NULL;
	char errmsg[GAIA_ERRMSG_SIZE];
	json_t *doc = NULL;
	bool created = false;

	cli_init(argv[0]);
	if ((rc = cli_parse(&spec, argc, argv, &first)) != CLI_PARSED)
		return rc;
	if (first < argc)
		return cli_usage_errorf("unexpected argument '%s'", argv[first]);
	if (!node_id)
		return cli_usage_errorf("--node-id is required");
	if (!address)
		return cli_usage_errorf("--address is required");
	if (!client_node_id_ok(node_id))
		return cli_usage_errorf("--node-id: '%s' is not a node id (1 to 63 bytes, no blanks or '/')",
					node_id);
	if (!hostport_ok(address))
		return cli_usage_errorf("--address: '%s' is not HOST:PORT", address);
	if (api_address && !hostport_ok(api_address))
		return cli_usage_errorf("--api-address: '%s' is not HOST:PORT", api_address);
	if (leader && (addr || socket_path))
		return cli_usage_errorf("--leader-address does not go with --addr or --socket");
	if (addr && socket_path)
		return cli_usage_errorf("--addr and --socket do not go together");

	co.addr = leader ? leader : addr;
	co.socket_path = socket_path;
	co.timeout_ms = timeout;
	if ((rc = client_new(&c, &co, errmsg)) != GAIA_OK) {
		if (rc == GAIA_EINVAL)
			return cli_usage_errorf("%s", errmsg);
		cli_errorf("%s", errmsg);
		return CLI_EXIT_FAIL;
	}
	jr.node_id = node_id;
	jr.address = address;
	jr.api_address = api_address;
	if ((rc = client_join(c, &jr, &created, &doc)) != GAIA_OK) {
		cli_errorf("cannot add %s: %s", node_id, client_errmsg(c));
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	json_object_set_new(doc, "created", json_boolean(created));
	json_object_set_new(doc, "via", json_string(client_target(c)));
	if (!json)
		printf(created ? "%s added as a learner via %s; it becomes a voter once caught up\n"
			       : "%s is already a member (asked %s)\n",
		       node_id, client_target(c));
	rc = CLI_EXIT_OK;
	if (wait) {
		fflush(stdout);
		g.node_id = node_id;
		g.tty = isatty(STDERR_FILENO);
		rc = client_join_wait(c, node_id, wait_timeout, 0, on_progress, &g, &last);
		if (g.drawn)
			fputc('\n', stderr);
		json_object_set_new(doc, "wait",
				    json_pack("{s:b, s:s, s:I, s:I, s:I}", "voter", last.voter,
					      "state", last.state, "match_index",
					      (json_int_t)last.match_index, "lag",
					      (json_int_t)last.lag, "elapsed_ms",
					      (json_int_t)last.elapsed_ms));
		if (rc != GAIA_OK) {
			cli_errorf("%s", client_errmsg(c));
			rc = CLI_EXIT_FAIL;
		} else {
			if (!json)
				printf("%s is a voter (at index %llu, after %.1f s)\n", node_id,
				       (unsigned long long)last.match_index,
				       (double)last.elapsed_ms / 1000);
			rc = CLI_EXIT_OK;
		}
	}
	if (json && cli_json_print(doc, stdout) != GAIA_OK) {
		cli_errorf("cannot print the answer");
		rc = CLI_EXIT_FAIL;
	}
out:
	json_decref(doc);
	client_free(c);
	return rc;
}
