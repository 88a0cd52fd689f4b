/* gaiactl's cluster commands: status, peers, join, remove, health, election, rejoin and snapshot, each one REST call printed as a table, fields or JSON. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "client/client_cluster.h"
#include "client/client_ctl.h"
#include "gaiactl.h"

/* leader, voter or learner, from a node or peer object (a node cannot
 * tell whether another is a follower or a candidate) */
static const char *role_of(const json_t *n)
{
	if (json_is_true(json_object_get(n, "is_leader")))
		return "leader";
	return json_is_true(json_object_get(n, "voter")) ? "voter" : "learner";
}

static int print_table(struct cli_table *t)
{
	int rc = cli_table_print(t, stdout);

	cli_table_free(t);
	fflush(stdout);
	if (rc != GAIA_OK) {
		cli_errorf("cannot write the output");
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

/* nodes[{id,state,is_leader,voter,is_self,address,api_address}] as a table */
static int print_nodes(const json_t *nodes)
{
	static const char *const head[] = {"ID", "ROLE", "STATE", "ADDRESS", "API ADDRESS"};
	struct cli_table *t;
	char b[64];
	size_t i;
	json_t *n;

	if (cli_table_new(&t, 5, head) != GAIA_OK) {
		cli_errorf("out of memory");
		return CLI_EXIT_FAIL;
	}
	json_array_foreach(nodes, i, n) {
		cli_table_cellf(t, "%s%s", gaiactl_text(n, "id", b, sizeof b),
				json_is_true(json_object_get(n, "is_self")) ? " *" : "");
		cli_table_cellf(t, "%s", role_of(n));
		cli_table_cellf(t, "%s", gaiactl_text(n, "state", b, sizeof b));
		cli_table_cellf(t, "%s", gaiactl_text(n, "address", b, sizeof b));
		cli_table_cellf(t, "%s", gaiactl_text(n, "api_address", b, sizeof b));
	}
	return print_table(t);
}

/* fetch a document; print it as JSON, or hand it to human() */
static int get_and_print(struct gaiactl *g, const struct gaiactl_call *call,
			 int (*fetch)(struct client *c, json_t **out), int (*human)(const json_t *doc))
{
	struct client *c = gaiactl_client(g);
	json_t *doc;
	int rc;

	if (!c)
		return CLI_EXIT_FAIL;
	if ((rc = fetch(c, &doc)) != GAIA_OK)
		return gaiactl_fail(g, rc);
	rc = call->json ? gaiactl_print_json(doc) : human(doc);
	json_decref(doc);
	return rc;
}

/* --- status ---------------------------------------------------------------- */

static int status_human(const json_t *s)
{
	char b1[64], b2[64], b3[64], b4[64];

	printf("node %s: %s, term %s", gaiactl_text(s, "node_id", b1, sizeof b1),
	       gaiactl_text(s, "role", b2, sizeof b2), gaiactl_text(s, "term", b3, sizeof b3));
	if (json_is_string(json_object_get(s, "leader_id")))
		printf(", leader %s (%s)\n", gaiactl_text(s, "leader_id", b1, sizeof b1),
		       gaiactl_text(s, "leader_address", b2, sizeof b2));
	else
		printf(", no leader known\n");
	printf("log %s..%s, commit %s, applied %s, cluster %s\n\n",
	       gaiactl_text(s, "first_index", b1, sizeof b1), gaiactl_text(s, "last_index", b2, sizeof b2),
	       gaiactl_text(s, "commit_index", b3, sizeof b3),
	       gaiactl_text(s, "applied_index", b4, sizeof b4),
	       gaiactl_text(s, "cluster_id", b1, sizeof b1));
	return print_nodes(json_object_get(s, "nodes"));
}

int gaiactl_cmd_status(struct gaiactl *g, const struct gaiactl_call *call)
{
	return get_and_print(g, call, client_cluster_status, status_human);
}

/* --- peers ----------------------------------------------------------------- */

static int peers_human(const json_t *peers)
{
	static const char *const head[] = {"ID", "ROLE", "STATE", "ADDRESS", "API ADDRESS",
					   "MATCH", "NEXT", "LAG", "LAST CONTACT"};
	struct cli_table *t;
	char b[64];
	size_t i;
	json_t *p, *ago;

	if (cli_table_new(&t, 9, head) != GAIA_OK) {
		cli_errorf("out of memory");
		return CLI_EXIT_FAIL;
	}
	for (size_t col = 5; col < 9; col++)
		cli_table_align_right(t, col);
	json_array_foreach(peers, i, p) {
		cli_table_cellf(t, "%s%s", gaiactl_text(p, "id", b, sizeof b),
				json_is_true(json_object_get(p, "is_self")) ? " *" : "");
		cli_table_cellf(t, "%s", role_of(p));
		cli_table_cellf(t, "%s", gaiactl_text(p, "state", b, sizeof b));
		cli_table_cellf(t, "%s", gaiactl_text(p, "address", b, sizeof b));
		cli_table_cellf(t, "%s", gaiactl_text(p, "api_address", b, sizeof b));
		cli_table_cellf(t, "%s", gaiactl_text(p, "match_index", b, sizeof b));
		cli_table_cellf(t, "%s", gaiactl_text(p, "next_index", b, sizeof b));
		cli_table_cellf(t, "%s", gaiactl_text(p, "lag", b, sizeof b));
		ago = json_object_get(p, "last_contact_ms");
		if (json_is_integer(ago))
			cli_table_cellf(t, "%lldms ago", (long long)json_integer_value(ago));
		else
			cli_table_cellf(t, "-");
	}
	return print_table(t);
}

int gaiactl_cmd_peers_list(struct gaiactl *g, const struct gaiactl_call *call)
{
	return get_and_print(g, call, client_peers_list, peers_human);
}

int gaiactl_cmd_peers_show(struct gaiactl *g, const struct gaiactl_call *call)
{
	struct client *c = gaiactl_client(g);
	json_t *doc;
	int rc;

	if (!c)
		return CLI_EXIT_FAIL;
	if ((rc = client_peer_show(c, call->argv[0], &doc)) != GAIA_OK)
		return gaiactl_fail(g, rc);
	rc = call->json ? gaiactl_print_json(doc) : gaiactl_print_fields(doc);
	json_decref(doc);
	return rc;
}

/* --- membership ------------------------------------------------------------ */

int gaiactl_cmd_join(struct gaiactl *g, const struct gaiactl_call *call)
{
	struct client *c = gaiactl_client(g);
	struct client_join_request j = {.node_id = call->argv[0], .address = call->argv[1],
					.api_address = call->argc > 2 ? call->argv[2] : NULL};
	bool created;
	json_t *doc;
	int rc;

	if (!c)
		return CLI_EXIT_FAIL;
	if ((rc = client_join(c, &j, &created, &doc)) != GAIA_OK)
		return gaiactl_fail(g, rc);
	if (call->json) {
		rc = gaiactl_print_json(doc);
	} else {
		if (created)
			printf("%s added at %s: a learner until it has caught up, then a voter\n\n",
			       call->argv[0], call->argv[1]);
		else
			printf("%s is a member already\n\n", call->argv[0]);
		rc = print_nodes(json_object_get(doc, "nodes"));
	}
	json_decref(doc);
	return rc;
}

static void quorum_line(const json_t *d, const char *when)
{
	char n[32], q[32], f[32], k1[48], k2[48], k3[48];

	snprintf(k1, sizeof k1, "voters_%s", when);
	snprintf(k2, sizeof k2, "quorum_%s", when);
	snprintf(k3, sizeof k3, "failure_tolerance_%s", when);
	printf("%s voters, quorum %s, tolerates %s failure(s)", gaiactl_text(d, k1, n, sizeof n),
	       gaiactl_text(d, k2, q, sizeof q), gaiactl_text(d, k3, f, sizeof f));
}

int gaiactl_cmd_remove(struct gaiactl *g, const struct gaiactl_call *call)
{
	struct client *c = gaiactl_client(g);
	json_t *doc;
	int rc;

	if (!c)
		return CLI_EXIT_FAIL;
	rc = client_peer_remove(c, call->argv[0], call->force, call->dry_run, &doc);
	if (rc != GAIA_OK)
		return gaiactl_fail(g, rc);
	if (call->json) {
		rc = gaiactl_print_json(doc);
	} else if (call->dry_run) {
		printf("dry run, nothing changed: removing %s\n  before: ", call->argv[0]);
		quorum_line(doc, "before");
		printf("\n  after:  ");
		quorum_line(doc, "after");
		printf("\n");
		rc = CLI_EXIT_OK;
	} else {
		printf("%s removed\n\n", call->argv[0]);
		rc = print_nodes(json_object_get(doc, "nodes"));
	}
	json_decref(doc);
	return rc;
}

/* --- health and levers ----------------------------------------------------- */

int gaiactl_cmd_health(struct gaiactl *g, const struct gaiactl_call *call)
{
	struct client *c = gaiactl_client(g);
	char b1[64], b2[64], b3[64], b4[64], b5[64], b6[64];
	const char *state;
	json_t *h, *snap;
	int rc;

	if (!c)
		return CLI_EXIT_FAIL;
	if ((rc = client_get_json(c, "/api/cluster/health", &h)) != GAIA_OK)
		return gaiactl_fail(g, rc);
	state = json_string_value(json_object_get(h, "cluster_status"));
	if (call->json) {
		rc = gaiactl_print_json(h);
	} else {
		printf("%s: leader %s, term %s, %s peers (%s healthy, %s degraded, %s unhealthy)",
		       state ? state : "unknown", gaiactl_text(h, "leader_id", b1, sizeof b1),
		       gaiactl_text(h, "term", b2, sizeof b2), gaiactl_text(h, "peer_count", b3, sizeof b3),
		       gaiactl_text(h, "healthy_peers", b4, sizeof b4),
		       gaiactl_text(h, "degraded_peers", b5, sizeof b5),
		       gaiactl_text(h, "unhealthy_peers", b6, sizeof b6));
		snap = json_object_get(h, "last_snapshot");
		printf(", last log index %s, last snapshot %s%s\n",
		       gaiactl_text(h, "last_log_index", b1, sizeof b1),
		       json_is_object(snap) ? "index " : "", json_is_object(snap)
								   ? gaiactl_text(snap, "index", b2, sizeof b2)
								   : "none");
		fflush(stdout);
	}
	if (rc == CLI_EXIT_OK && (!state || strcmp(state, "healthy") != 0))
		rc = CLI_EXIT_FAIL;
	json_decref(h);
	return rc;
}

int gaiactl_cmd_election(struct gaiactl *g, const struct gaiactl_call *call)
{
	struct client *c = gaiactl_client(g);
	char b1[64], b2[64], b3[128];
	json_t *doc;
	int rc;

	if (!c)
		return CLI_EXIT_FAIL;
	rc = client_transfer_leader(c, call->argc ? call->argv[0] : NULL, &doc);
	if (rc != GAIA_OK)
		return gaiactl_fail(g, rc);
	if (call->json) {
		rc = gaiactl_print_json(doc);
	} else {
		printf("%s: leader %s, term %s\n", gaiactl_text(doc, "action", b3, sizeof b3),
		       gaiactl_text(doc, "leader_id", b1, sizeof b1), gaiactl_text(doc, "term", b2, sizeof b2));
		rc = fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	}
	json_decref(doc);
	return rc;
}

int gaiactl_cmd_rejoin(struct gaiactl *g, const struct gaiactl_call *call)
{
	struct client *c = gaiactl_client(g);
	char b1[64], b2[64], b3[128];
	json_t *doc;
	int rc;

	if (!c)
		return CLI_EXIT_FAIL;
	rc = client_rejoin(c, call->argc ? call->argv[0] : NULL, call->reset, &doc);
	if (rc != GAIA_OK)
		return gaiactl_fail(g, rc);
	if (call->json) {
		rc = gaiactl_print_json(doc);
	} else {
		printf("%s: %s; leader %s\n", gaiactl_text(doc, "node_id", b1, sizeof b1),
		       gaiactl_text(doc, "action", b3, sizeof b3),
		       gaiactl_text(doc, "leader_id", b2, sizeof b2));
		rc = fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	}
	json_decref(doc);
	return rc;
}

/* --- snapshots ------------------------------------------------------------- */

int gaiactl_cmd_snapshot_take(struct gaiactl *g, const struct gaiactl_call *call)
{
	struct client *c = gaiactl_client(g);
	char b1[256], b2[64], b3[64], b4[64];
	json_t *doc;
	int rc;

	if (!c)
		return CLI_EXIT_FAIL;
	/* a snapshot already running is waited for, as long as a request may take */
	if ((rc = client_snap_take(c, g->timeout_ms ? g->timeout_ms : 10000, &doc)) != GAIA_OK)
		return gaiactl_fail(g, rc);
	if (call->json) {
		rc = gaiactl_print_json(doc);
	} else {
		printf("snapshot %s: index %s, term %s, %s bytes\n",
		       gaiactl_text(doc, "filename", b1, sizeof b1), gaiactl_text(doc, "index", b2, sizeof b2),
		       gaiactl_text(doc, "term", b3, sizeof b3),
		       gaiactl_text(doc, "size_bytes", b4, sizeof b4));
		rc = fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	}
	json_decref(doc);
	return rc;
}

int gaiactl_cmd_snapshot_status(struct gaiactl *g, const struct gaiactl_call *call)
{
	return get_and_print(g, call, client_snap_status, gaiactl_print_fields);
}

static int snapshots_human(const json_t *list)
{
	static const char *const head[] = {"FILENAME", "INDEX", "TERM", "SIZE", "CREATED"};
	struct cli_table *t;
	char b[256];
	size_t i;
	json_t *s;

	if (json_array_size(list) == 0) {
		printf("no snapshots\n");
		return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	}
	if (cli_table_new(&t, 5, head) != GAIA_OK) {
		cli_errorf("out of memory");
		return CLI_EXIT_FAIL;
	}
	for (size_t col = 1; col < 4; col++)
		cli_table_align_right(t, col);
	json_array_foreach(list, i, s) {
		cli_table_cellf(t, "%s", gaiactl_text(s, "filename", b, sizeof b));
		cli_table_cellf(t, "%s", gaiactl_text(s, "index", b, sizeof b));
		cli_table_cellf(t, "%s", gaiactl_text(s, "term", b, sizeof b));
		cli_table_cellf(t, "%s", gaiactl_text(s, "size_bytes", b, sizeof b));
		cli_table_cellf(t, "%s", gaiactl_text(s, "created_at", b, sizeof b));
	}
	return print_table(t);
}

int gaiactl_cmd_snapshot_list(struct gaiactl *g, const struct gaiactl_call *call)
{
	return get_and_print(g, call, client_snap_list, snapshots_human);
}
