/* gaia-discover: run one discovery (static, dns or consul) and probe what
 * it finds for the node behind each address; or, without --type, show
 * what a running daemon discovered (GET /api/cluster/discovered-nodes). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "client/client.h"
#include "config/config.h"
#include "discovery/discovery.h"

static const char *const types[] = {"static", "dns", "consul", NULL};

static const char *env_or(const char *flag, const char *env)
{
	const char *v;
	if (flag != NULL)
		return flag;
	v = getenv(env);
	return v && v[0] ? v : NULL;
}

static int print_found(const struct discovery_list *l, const struct discovery_probe *p)
{
	static const char *const head[] = {"ID", "HOSTNAME", "ADDRESS", "RAFT_PORT", "CLUSTER",
					   "API_ADDRESS"};
	struct cli_table *t = NULL;
	int rc = cli_table_new(&t, 6, head);

	if (rc != GAIA_OK)
		return rc;
	cli_table_align_right(t, 3);
	for (size_t i = 0; i < l->n; i++) {
		bool ok = p[i].rc == GAIA_OK;
		cli_table_cellf(t, "%s", ok ? p[i].name : "?");
		cli_table_cellf(t, "%s", l->a[i].hostname);
		cli_table_cellf(t, "%s", l->a[i].ip[0] ? l->a[i].ip : l->a[i].hostname);
		cli_table_cellf(t, "%u", l->a[i].port);
		if (!ok)
			cli_table_cellf(t, "unreachable");
		else if (p[i].cluster_id == 0)
			cli_table_cellf(t, "none (waiting)");
		else
			cli_table_cellf(t, "%016llx", (unsigned long long)p[i].cluster_id);
		cli_table_cellf(t, "%s", ok && p[i].api_addr[0] ? p[i].api_addr : "-");
	}
	rc = cli_table_print(t, stdout);
	cli_table_free(t);
	return rc;
}

/* without --type: what the daemon found */
static int from_daemon(const char *addr, const char *socket_path, uint64_t timeout, bool json)
{
	static const char *const head[] = {"ID", "HOSTNAME", "RAFT_PORT", "LAST_SEEN", "MEMBER"};
	struct client_options co = {.addr = addr, .socket_path = socket_path, .timeout_ms = timeout};
	struct client *c = NULL;
	struct cli_table *t = NULL;
	char errmsg[GAIA_ERRMSG_SIZE];
	json_t *doc = NULL, *e;
	size_t i;
	int rc;

	if (client_new(&c, &co, errmsg) != GAIA_OK) {
		cli_errorf("%s", errmsg);
		return CLI_EXIT_USAGE;
	}
	rc = client_get_json(c, "/api/cluster/discovered-nodes", &doc);
	if (rc != GAIA_OK) {
		cli_errorf("%s (give --type to run discovery without a daemon)", client_errmsg(c));
		client_free(c);
		return CLI_EXIT_FAIL;
	}
	client_free(c);
	if (!json_is_array(doc)) {
		cli_errorf("the daemon's answer is not a list");
		json_decref(doc);
		return CLI_EXIT_FAIL;
	}
	if (json) {
		rc = cli_json_print(doc, stdout);
	} else if ((rc = cli_table_new(&t, 5, head)) == GAIA_OK) {
		cli_table_align_right(t, 2);
		json_array_foreach(doc, i, e) {
			const char *id = json_string_value(json_object_get(e, "id"));
			const char *seen = json_string_value(json_object_get(e, "last_seen"));
			cli_table_cellf(t, "%s", id ? id : "?");
			cli_table_cellf(t, "%s", json_string_value(json_object_get(e, "hostname")));
			cli_table_cellf(t, "%lld", (long long)json_integer_value(
							 json_object_get(e, "raft_port")));
			cli_table_cellf(t, "%s", seen ? seen : "never");
			cli_table_cellf(t, "%s", json_is_true(json_object_get(e, "member")) ? "yes"
											       : "no");
		}
		rc = cli_table_print(t, stdout);
		cli_table_free(t);
	}
	i = json_array_size(doc);
	json_decref(doc);
	if (rc != GAIA_OK) {
		cli_errorf("cannot print the result: %s", gaia_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	if (i == 0) {
		cli_errorf("the daemon has discovered no node");
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
	const char *nodes = NULL, *domain = NULL, *dns_server = NULL, *consul = NULL, *dc = NULL;
	const char *addr = NULL, *socket_path = NULL, *s;
	uint64_t port = 0, timeout = 0;
	int type = -1, first, rc;
	bool json = false, port_given = false;
	const struct cli_option options[] = {
		{.name = "type", .key = 'T', .type = CLI_CHOICE, .dest = &type, .choices = types,
		 .help = "discovery to run (default $CLUSTER_DISCOVERY_TYPE)"},
		{.name = "nodes", .key = 'n', .type = CLI_STRING, .dest = &nodes,
		 .arg = "HOST:PORT,...", .help = "static: the list (default $CLUSTER_DISCOVERY_NODES)"},
		{.name = "domain", .key = 'd', .type = CLI_STRING, .dest = &domain, .arg = "DOMAIN",
		 .help = "dns: SRV _raft._tcp.DOMAIN, else its A/AAAA records"},
		{.name = "port", .key = 'p', .type = CLI_UINT, .dest = &port,
		 .help = "dns: Raft port for A/AAAA records (default $CLUSTER_DISCOVERY_PORT)",
		 .min = 1, .max = 65535},
		{.name = "dns-server", .type = CLI_STRING, .dest = &dns_server, .arg = "HOST:PORT",
		 .help = "dns: resolver to ask (default $CLUSTER_DISCOVERY_DNS_SERVER, else the system's)"},
		{.name = "consul-addr", .type = CLI_STRING, .dest = &consul, .arg = "HOST:PORT",
		 .help = "consul: the agent (default $CONSUL_ADDR)"},
		{.name = "datacenter", .type = CLI_STRING, .dest = &dc, .arg = "DC",
		 .help = "consul: datacenter (default $CONSUL_DATACENTER, else the agent's)"},
		CLI_OPT_ADDR(&addr),
		CLI_OPT_SOCKET(&socket_path),
		CLI_OPT_TIMEOUT(&timeout),
		CLI_OPT_JSON(&json),
		{0},
	};
	const struct cli_spec spec = {
		.usage = "[--type static|dns|consul] [OPTIONS]",
		.summary = "Find GAIA_GO nodes by static list, DNS or Consul and probe each address's\n"
			   "Raft port for the node behind it; without --type, show what a running\n"
			   "daemon discovered.",
		.options = options,
		.epilog = "Environment: CLUSTER_DISCOVERY_TYPE, CLUSTER_DISCOVERY_NODES,\n"
			  "CLUSTER_DISCOVERY_DOMAIN, CLUSTER_DISCOVERY_PORT, CLUSTER_DISCOVERY_DNS_SERVER,\n"
			  "CONSUL_ADDR, CONSUL_DATACENTER (defaults of the flags); GAIA_ADDR, GAIA_SOCKET.\n\n"
			  "Exit status: 0 when something was found, 1 when nothing was found or the\n"
			  "lookup failed, 2 on a usage error.\n",
	};
	struct discovery_options o = {0};
	struct discovery_list found;
	static struct discovery_probe probes[DISCOVERY_MAX];
	char errmsg[GAIA_ERRMSG_SIZE], probe_name[DISCOVERY_NAME_MAX];
	json_t *doc;
	uint16_t port16 = 0;

	cli_init(argv[0]);
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--port") || !strncmp(argv[i], "--port=", 7) ||
		    !strcmp(argv[i], "-p"))
			port_given = true;
	if ((rc = cli_parse(&spec, argc, argv, &first)) != CLI_PARSED)
		return rc;
	if (first < argc)
		return cli_usage_errorf("unexpected argument '%s'", argv[first]);
	if (addr && socket_path)
		return cli_usage_errorf("--addr and --socket do not go together");
	if (type < 0 && (addr || socket_path || !getenv("CLUSTER_DISCOVERY_TYPE") ||
			 !getenv("CLUSTER_DISCOVERY_TYPE")[0]))
		return from_daemon(addr, socket_path, timeout, json);
	if (type < 0) {
		s = getenv("CLUSTER_DISCOVERY_TYPE");
		type = discovery_type_parse(s);
		if (type < 0)
			return cli_usage_errorf("CLUSTER_DISCOVERY_TYPE: '%s' is not static, dns or "
						"consul", s);
	}
	if (!port_given && (s = env_or(NULL, "CLUSTER_DISCOVERY_PORT")) != NULL) {
		char *end;
		unsigned long v = strtoul(s, &end, 10);
		if (*end || v == 0 || v > 65535)
			return cli_usage_errorf("CLUSTER_DISCOVERY_PORT: '%s' is not a port", s);
		port = v;
	}
	port16 = (uint16_t)port;
	o.type = type;
	o.nodes = env_or(nodes, "CLUSTER_DISCOVERY_NODES");
	o.domain = env_or(domain, "CLUSTER_DISCOVERY_DOMAIN");
	o.port = port16;
	o.dns_server = env_or(dns_server, "CLUSTER_DISCOVERY_DNS_SERVER");
	o.consul_addr = env_or(consul, "CONSUL_ADDR");
	o.datacenter = env_or(dc, "CONSUL_DATACENTER");
	o.timeout_ms = timeout;
	if (type == DISCOVERY_STATIC && (o.nodes == NULL || !o.nodes[0]))
		return cli_usage_errorf("static discovery needs --nodes (or CLUSTER_DISCOVERY_NODES)");
	if (type == DISCOVERY_DNS && o.domain == NULL)
		return cli_usage_errorf("dns discovery needs --domain (or CLUSTER_DISCOVERY_DOMAIN)");
	if (type == DISCOVERY_CONSUL && o.consul_addr == NULL)
		return cli_usage_errorf("consul discovery needs --consul-addr (or CONSUL_ADDR)");
	snprintf(probe_name, sizeof probe_name, "gaia-discover-%ld", (long)getpid());
	rc = discovery_run(&o, probe_name, timeout ? timeout : 2000, &found, probes, errmsg);
	if (rc != GAIA_OK) {
		cli_errorf("%s", errmsg);
		return rc == GAIA_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
	}
	if (json) {
		doc = discovery_result_json(&found, probes);
		rc = doc ? cli_json_print(doc, stdout) : GAIA_ENOMEM;
		json_decref(doc);
	} else if (found.n > 0) {
		rc = print_found(&found, probes);
	}
	if (rc != GAIA_OK) {
		cli_errorf("cannot print the result: %s", gaia_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	for (size_t i = 0; i < found.n; i++)
		if (probes[i].rc != GAIA_OK)
			cli_warnf("%s", probes[i].error);
	if (found.n == 0) {
		cli_errorf("%s discovery found no node", discovery_type_name(type));
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}
