/* gaia-bench: load a cluster with PUT/GET/CAS requests and report
 * throughput and latency percentiles (client_bench_run does the work). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "client/client.h"

static const char *const ops[] = {"put", "get", "cas", "mixed", NULL};
static const char *const consistencies[] = {"linearizable", "stale", NULL};

/* Split "a,b,c" (modified in place) into at most max entries. */
static int split_addrs(char *list, const char **out, size_t max, size_t *n)
{
	char *save = NULL, *tok;

	*n = 0;
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (!*tok)
			continue;
		if (*n == max)
			return -1;
		out[(*n)++] = tok;
	}
	return 0;
}

static void print_row(struct cli_table *t, const char *name, const struct client_bench_stats *s)
{
	cli_table_cellf(t, "%s", name);
	cli_table_cellf(t, "%llu", (unsigned long long)s->requests);
	cli_table_cellf(t, "%llu", (unsigned long long)s->ok);
	cli_table_cellf(t, "%llu", (unsigned long long)s->conflicts);
	cli_table_cellf(t, "%llu", (unsigned long long)s->errors);
	cli_table_cellf(t, "%.1f", s->ops_per_s);
	cli_table_cellf(t, "%.2f", s->p50_ms);
	cli_table_cellf(t, "%.2f", s->p90_ms);
	cli_table_cellf(t, "%.2f", s->p99_ms);
	cli_table_cellf(t, "%.2f", s->max_ms);
}

static int print_human(const struct client_bench_options *o, const struct client_bench_result *r)
{
	static const char *const head[] = {"OP", "REQUESTS", "OK", "CONFLICTS", "ERRORS", "OPS/S",
					   "P50 MS", "P90 MS", "P99 MS", "MAX MS"};
	static const char *const shead[] = {"STATUS", "COUNT"};
	struct cli_table *t = NULL, *st = NULL;
	int kinds = 0, rc;

	printf("%s, %u clients, %.2f s, %zu-byte values, %llu keys%s against", client_bench_op_name(o->op),
	       o->clients, r->elapsed_s, o->value_size, (unsigned long long)o->keys,
	       o->op == CLIENT_BENCH_PUT ? "" : o->stale ? ", stale reads" : ", linearizable reads");
	for (size_t i = 0; i < r->n_targets; i++)
		printf("%s %s", i ? "," : "", r->targets[i]);
	if (r->leader[0])
		printf(" (leader %s)", r->leader);
	printf("\n\n");

	if ((rc = cli_table_new(&t, 10, head)) != GAIA_OK ||
	    (rc = cli_table_new(&st, 2, shead)) != GAIA_OK)
		goto cleanup;
	for (size_t c = 1; c < 10; c++)
		cli_table_align_right(t, c);
	cli_table_align_right(st, 1);
	for (int k = 0; k < CLIENT_BENCH_KINDS; k++)
		if (r->kind[k].requests) {
			print_row(t, client_bench_op_name((enum client_bench_op)k), &r->kind[k]);
			kinds++;
		}
	if (kinds != 1)
		print_row(t, "all", &r->all);
	for (size_t i = 0; i < r->n_statuses; i++) {
		if (r->statuses[i].status)
			cli_table_cellf(st, "%ld", r->statuses[i].status);
		else
			cli_table_cellf(st, "no answer");
		cli_table_cellf(st, "%llu", (unsigned long long)r->statuses[i].count);
	}
	if ((rc = cli_table_print(t, stdout)) == GAIA_OK) {
		putchar('\n');
		rc = cli_table_print(st, stdout);
	}
cleanup:
	cli_table_free(t);
	cli_table_free(st);
	return rc;
}

int main(int argc, char **argv)
{
	const char *addr = NULL, *socket_path = NULL, *prefix = NULL;
	uint64_t clients = 8, requests = 0, duration = 0, keys = CLIENT_BENCH_DEFAULT_KEYS;
	uint64_t value_size = 100, timeout = 0;
	double read_ratio = 0.5;
	int op = CLIENT_BENCH_PUT, consistency = 0, first, rc;
	bool json = false, leader_only = false, no_prefill = false;
	const struct cli_option options[] = {
		{.name = "addr", .key = 'a', .type = CLI_STRING, .dest = &addr,
		 .arg = "HOST:PORT[,...]",
		 .help = "nodes to load, spread over the clients"},
		CLI_OPT_SOCKET(&socket_path),
		{.name = "clients", .key = 'c', .type = CLI_UINT, .dest = &clients,
		 .help = "concurrent clients, one connection each (default 8)", .min = 1, .max = 4096},
		{.name = "requests", .key = 'n', .type = CLI_UINT, .dest = &requests,
		 .help = "stop after N requests (default 10000 without --duration)", .min = 1,
		 .max = 1e15},
		{.name = "duration", .key = 'd', .type = CLI_DURATION, .dest = &duration,
		 .help = "stop after this long (10s, 2m)", .min = 1},
		{.name = "op", .key = 'o', .type = CLI_CHOICE, .dest = &op, .choices = ops,
		 .help = "what each request does (default put)"},
		{.name = "read-ratio", .key = 'r', .type = CLI_DOUBLE, .dest = &read_ratio,
		 .arg = "R", .help = "--op mixed: share of gets, 0..1 (default 0.5)", .min = 0, .max = 1},
		{.name = "keys", .key = 'k', .type = CLI_UINT, .dest = &keys,
		 .help = "size of the key space (default 1000)", .min = 1, .max = 1e12},
		{.name = "value-size", .type = CLI_SIZE, .dest = &value_size,
		 .help = "bytes per value written (default 100)", .min = 0, .max = 64.0 * 1024 * 1024},
		{.name = "consistency", .type = CLI_CHOICE, .dest = &consistency,
		 .choices = consistencies, .help = "of gets (default linearizable)"},
		{.name = "leader-only", .key = 'L', .type = CLI_FLAG, .dest = &leader_only,
		 .help = "send every request to the leader"},
		{.name = "no-prefill", .type = CLI_FLAG, .dest = &no_prefill,
		 .help = "do not write every key before a get, cas or mixed run"},
		{.name = "key-prefix", .type = CLI_STRING, .dest = &prefix, .arg = "PREFIX",
		 .help = "keys are PREFIX0 .. PREFIX<keys-1> (default bench-)"},
		CLI_OPT_TIMEOUT(&timeout),
		CLI_OPT_JSON(&json),
		{0},
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS]",
		.summary = "Load a GAIA_GO cluster with concurrent PUT/GET/CAS requests over "
			   "keep-alive\nconnections; print throughput and latency percentiles.",
		.options = options,
		.epilog = "Environment:\n"
			  "  GAIA_ADDR    default --addr (a comma-separated list)\n"
			  "  GAIA_SOCKET  default --socket\n\n"
			  "Exit status: 0 when some requests succeeded, 1 when every request failed\n"
			  "or the run could not start, 2 on a usage error.\n",
	};
	const char *addrs[CLIENT_BENCH_MAX_TARGETS];
	struct client_bench_options bo = {0};
	struct client_bench_result res;
	char errmsg[GAIA_ERRMSG_SIZE], *list = NULL;
	json_t *doc;

	cli_init(argv[0]);
	if ((rc = cli_parse(&spec, argc, argv, &first)) != CLI_PARSED)
		return rc;
	if (first < argc)
		return cli_usage_errorf("unexpected argument '%s'", argv[first]);
	if (addr && socket_path)
		return cli_usage_errorf("--addr and --socket do not go together");
	if (!addr && !socket_path && getenv("GAIA_ADDR") && getenv("GAIA_ADDR")[0])
		addr = getenv("GAIA_ADDR");
	if (addr) {
		list = strdup(addr);
		if (!list) {
			cli_errorf("out of memory");
			return CLI_EXIT_FAIL;
		}
		if (split_addrs(list, addrs, CLIENT_BENCH_MAX_TARGETS, &bo.n_addrs) != 0) {
			free(list);
			return cli_usage_errorf("--addr: at most %d addresses", CLIENT_BENCH_MAX_TARGETS);
		}
		if (bo.n_addrs == 0) {
			free(list);
			return cli_usage_errorf("--addr: no address in '%s'", addr);
		}
		bo.addrs = addrs;
	}
	bo.socket_path = socket_path;
	bo.clients = (unsigned)clients;
	bo.requests = requests;
	bo.duration_ms = duration;
	bo.op = (enum client_bench_op)op;
	bo.read_ratio = read_ratio;
	bo.keys = keys;
	bo.value_size = (size_t)value_size;
	bo.stale = consistency == 1;
	bo.leader_only = leader_only;
	bo.prefill = !no_prefill;
	bo.key_prefix = prefix;
	bo.timeout_ms = timeout;

	rc = client_bench_run(&bo, &res, errmsg);
	free(list);
	if (rc != GAIA_OK) {
		cli_errorf("%s", errmsg);
		return rc == GAIA_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
	}
	if (json) {
		doc = client_bench_json(&bo, &res);
		rc = doc ? cli_json_print(doc, stdout) : GAIA_ENOMEM;
		json_decref(doc);
	} else {
		rc = print_human(&bo, &res);
	}
	if (rc != GAIA_OK) {
		cli_errorf("cannot print the result: %s", gaia_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	if (res.all.ok + res.all.conflicts == 0) {
		cli_errorf("every request failed: %s", res.first_error[0] ? res.first_error : "no answer");
		return CLI_EXIT_FAIL;
	}
	if (res.all.errors)
		cli_warnf("%llu of %llu requests failed; the first: %s",
			  (unsigned long long)res.all.errors, (unsigned long long)res.all.requests,
			  res.first_error);
	return CLI_EXIT_OK;
}
