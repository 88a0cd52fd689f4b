/* Unit tests of config_load: defaults, each source alone, precedence, YAML sections and lists, derived defaults, join mode, --help text and man page. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config/config_internal.h"
#include "test_config_util.h"

#define ASSERT_LOADS(c, envp, argv)                                             \
	do {                                                                    \
		char err_[GAIA_ERRMSG_SIZE];                                    \
		if (tc_load(c, err_, envp, argv) != GAIA_OK)                    \
			fail_msg("config_load failed: %s", err_);               \
	} while (0)

static void test_defaults(void **state)
{
	struct gaia_config c, d;
	char adv[300];
	(void)state;

	config_defaults(&c);
	assert_string_equal(c.node_id, tc_hostname());
	assert_string_equal(c.data_dir, "/var/lib/gaia_go");
	assert_string_equal(c.socket_path, "/var/lib/gaia_go/gaia.sock");
	assert_false(c.bootstrap);
	assert_int_equal(c.heartbeat_timeout_ms, 150);
	assert_int_equal(c.election_timeout_ms, 300);
	assert_int_equal(c.snapshot_interval_ms, 120000);
	assert_int_equal(c.snapshot_threshold, 8192);
	assert_int_equal(c.log_size_threshold, 1ULL << 30);
	assert_int_equal(c.trailing_logs, 10240);
	assert_int_equal(c.peer_unhealthy_after_ms, 30000);
	assert_string_equal(c.bind_addr, "0.0.0.0:8300");
	snprintf(adv, sizeof adv, "%s:8300", tc_hostname());
	assert_string_equal(c.advertise_addr, adv);
	assert_string_equal(c.http_addr, "0.0.0.0:8080");
	assert_string_equal(c.metrics_addr, "0.0.0.0:9090");
	assert_int_equal(c.rpc_timeout_ms, 5000);
	assert_int_equal(c.discovery_type, CONFIG_DISCOVERY_STATIC);
	assert_string_equal(c.discovery_nodes, "");
	assert_string_equal(c.discovery_domain, "");
	assert_int_equal(c.discovery_port, 0);
	assert_int_equal(c.discovery_refresh_ms, 30000);
	assert_string_equal(c.discovery_dns_server, "");
	assert_int_equal(c.bootstrap_expect, 0);
	assert_string_equal(c.consul_addr, "");
	assert_string_equal(c.consul_datacenter, "");
	assert_int_equal(c.max_value_bytes, 1 << 20);
	assert_int_equal(c.max_body_bytes, 2 << 20);
	assert_int_equal(c.log_level, CONFIG_LOG_INFO);
	assert_int_equal(c.log_format, CONFIG_LOG_TEXT);
	assert_string_equal(c.config_file, "");
	assert_false(c.cluster_join || c.show_help || c.show_version);

	/* loading nothing gives exactly the defaults */
	ASSERT_LOADS(&d, ENV("PATH=/bin", "GAIA_ADDR=x"), NOARGS);
	assert_memory_equal(&c, &d, sizeof c);
	ASSERT_LOADS(&d, NULL, NOARGS);
	assert_memory_equal(&c, &d, sizeof c);

	/* every default in the table parses (config_defaults ignores errors) */
	for (int i = 0; i < CONFIG_S_COUNT; i++) {
		char why[192];
		if (config_settings[i].def != NULL &&
		    config_store(&d, i, config_settings[i].def, why, sizeof why) != GAIA_OK)
			fail_msg("default of %s: %s", config_settings[i].flag, why);
	}
}

static const char full_yaml[] =
	"# every setting\n"
	"node:\n"
	"  id: n1\n"
	"  data_dir: /srv/gaia/\n"
	"raft:\n"
	"  heartbeat_timeout: 100ms\n"
	"  election_timeout: 1s\n"
	"  snapshot_interval: 2m\n"
	"  snapshot_threshold: 100\n"
	"  log_size_threshold: 512KB\n"
	"  trailing_logs: 0\n"
	"cluster:\n"
	"  bootstrap: yes\n"
	"  bind_addr: 127.0.0.2:7001\n"
	"  http_addr: \"[::1]:7080\"\n"
	"  metrics_addr: 127.0.0.2:7090\n"
	"  rpc_timeout: 1h\n"
	"  peer_unhealthy_after: 7d\n"
	"  bootstrap_expect: 0\n"
	"  discovery:\n"
	"    type: dns\n"
	"    nodes:\n"
	"      - 127.0.0.3:7001\n"
	"      - '[::1]:7002'\n"
	"    domain: gaia.test\n"
	"    port: 7001\n"
	"    refresh_rate: 5s\n"
	"    dns_server: 127.0.0.1:5353\n"
	"consul:\n"
	"  addr: consul.example.com:8500\n"
	"  datacenter: dc1\n"
	"limits:\n"
	"  max_value_size: 10MiB\n"
	"  max_body_size: 1gb\n"
	"log:\n"
	"  level: debug\n"
	"  format: JSON\n";

static void check_full(const struct gaia_config *c)
{
	assert_string_equal(c->node_id, "n1");
	assert_string_equal(c->data_dir, "/srv/gaia/");
	assert_string_equal(c->socket_path, "/srv/gaia/gaia.sock");
	assert_true(c->bootstrap);
	assert_int_equal(c->heartbeat_timeout_ms, 100);
	assert_int_equal(c->election_timeout_ms, 1000);
	assert_int_equal(c->snapshot_interval_ms, 120000);
	assert_int_equal(c->snapshot_threshold, 100);
	assert_int_equal(c->log_size_threshold, 512 * 1024);
	assert_int_equal(c->trailing_logs, 0);
	assert_string_equal(c->bind_addr, "127.0.0.2:7001");
	assert_string_equal(c->advertise_addr, "127.0.0.2:7001");
	assert_string_equal(c->http_addr, "[::1]:7080");
	assert_string_equal(c->metrics_addr, "127.0.0.2:7090");
	assert_int_equal(c->rpc_timeout_ms, 3600000);
	assert_int_equal(c->peer_unhealthy_after_ms, 7 * 86400000ULL);
	assert_int_equal(c->discovery_type, CONFIG_DISCOVERY_DNS);
	assert_string_equal(c->discovery_nodes, "127.0.0.3:7001,[::1]:7002");
	assert_string_equal(c->discovery_domain, "gaia.test");
	assert_int_equal(c->discovery_port, 7001);
	assert_int_equal(c->discovery_refresh_ms, 5000);
	assert_string_equal(c->discovery_dns_server, "127.0.0.1:5353");
	assert_string_equal(c->consul_addr, "consul.example.com:8500");
	assert_string_equal(c->consul_datacenter, "dc1");
	assert_int_equal(c->max_value_bytes, 10 << 20);
	assert_int_equal(c->max_body_bytes, 1 << 30);
	assert_int_equal(c->log_level, CONFIG_LOG_DEBUG);
	assert_int_equal(c->log_format, CONFIG_LOG_JSON);
}

static void test_yaml_alone(void **state)
{
	struct gaia_config c;
	const char *f = tc_yaml(full_yaml);
	(void)state;

	ASSERT_LOADS(&c, NULL, ARGS("--config", (char *)f));
	check_full(&c);
	assert_string_equal(c.config_file, f);
}

static void test_env_alone(void **state)
{
	struct gaia_config c;
	(void)state;

	ASSERT_LOADS(&c,
		     ENV("GAIA_NODE_ID=n1", "GAIA_DATA_DIR=/srv/gaia/", "CLUSTER_BOOTSTRAP=TRUE",
			 "RAFT_HEARTBEAT_TIMEOUT=100ms", "RAFT_ELECTION_TIMEOUT=1s",
			 "RAFT_SNAPSHOT_INTERVAL=2m", "RAFT_SNAPSHOT_THRESHOLD=100",
			 "RAFT_LOG_SIZE_THRESHOLD=512KB", "RAFT_TRAILING_LOGS=0",
			 "CLUSTER_BIND_ADDR=127.0.0.2:7001", "CLUSTER_HTTP_ADDR=[::1]:7080",
			 "CLUSTER_METRICS_ADDR=127.0.0.2:7090", "CLUSTER_RPC_TIMEOUT=1h",
			 "CLUSTER_PEER_UNHEALTHY_AFTER=7d", "CLUSTER_BOOTSTRAP_EXPECT=0",
			 "CLUSTER_DISCOVERY_TYPE=dns",
			 "CLUSTER_DISCOVERY_NODES=127.0.0.3:7001, [::1]:7002",
			 "CLUSTER_DISCOVERY_DOMAIN=gaia.test", "CLUSTER_DISCOVERY_PORT=7001",
			 "CLUSTER_DISCOVERY_REFRESH_RATE=5s",
			 "CLUSTER_DISCOVERY_DNS_SERVER=127.0.0.1:5353",
			 "CONSUL_ADDR=consul.example.com:8500", "CONSUL_DATACENTER=dc1",
			 "GAIA_MAX_VALUE_SIZE=10MiB", "GAIA_MAX_BODY_SIZE=1gb",
			 "GAIA_LOG_LEVEL=debug", "GAIA_LOG_FORMAT=json"),
		     NOARGS);
	check_full(&c);
}

static void test_flags_alone(void **state)
{
	struct gaia_config c;
	(void)state;

	ASSERT_LOADS(&c, NULL,
		     ARGS("--node-id", "n1", "--data-dir=/srv/gaia/", "--bootstrap",
			  "--heartbeat-timeout", "100ms", "--election-timeout=1s",
			  "--snapshot-interval", "2m", "--snapshot-threshold", "100",
			  "--log-size-threshold", "512KB", "--trailing-logs=0",
			  "--bind-addr", "127.0.0.2:7001", "--http-addr", "[::1]:7080",
			  "--metrics-addr", "127.0.0.2:7090", "--rpc-timeout", "1h",
			  "--peer-unhealthy-after", "7d", "--bootstrap-expect", "0",
			  "--discovery-type", "dns", "--discovery-nodes",
			  "127.0.0.3:7001,[::1]:7002", "--discovery-domain", "gaia.test",
			  "--discovery-port", "7001", "--discovery-refresh-rate", "5s",
			  "--discovery-dns-server", "127.0.0.1:5353", "--consul-addr",
			  "consul.example.com:8500", "--consul-datacenter", "dc1",
			  "--max-value-size", "10MiB", "--max-body-size", "1gb", "--log-level",
			  "debug", "--log-format", "json"));
	check_full(&c);
}

static void test_precedence(void **state)
{
	struct gaia_config c;
	const char *f = tc_yaml("raft:\n  election_timeout: 1s\nlog:\n  level: warn\n"
				"node:\n  data_dir: /from/yaml\n");
	char *env[] = {"RAFT_ELECTION_TIMEOUT=2s", "GAIA_LOG_LEVEL=error", NULL};
	(void)state;

	/* the same setting in all three: the flag wins */
	ASSERT_LOADS(&c, env, ARGS("--config", (char *)f, "--election-timeout", "3s"));
	assert_int_equal(c.election_timeout_ms, 3000);
	/* environment beats YAML */
	assert_int_equal(c.log_level, CONFIG_LOG_ERROR);
	/* YAML beats the default, and the derived socket follows it */
	assert_string_equal(c.data_dir, "/from/yaml");
	assert_string_equal(c.socket_path, "/from/yaml/gaia.sock");

	/* --config may come after the flags it is beaten by */
	ASSERT_LOADS(&c, NULL, ARGS("--election-timeout", "3s", "--config", (char *)f));
	assert_int_equal(c.election_timeout_ms, 3000);
	assert_int_equal(c.log_level, CONFIG_LOG_WARN);

	/* a flag given twice: the last one */
	ASSERT_LOADS(&c, NULL, ARGS("--log-level", "debug", "--log-level=error"));
	assert_int_equal(c.log_level, CONFIG_LOG_ERROR);

	/* --bootstrap=false beats CLUSTER_BOOTSTRAP=true */
	ASSERT_LOADS(&c, ENV("CLUSTER_BOOTSTRAP=true"), ARGS("--bootstrap=false"));
	assert_false(c.bootstrap);
	ASSERT_LOADS(&c, ENV("CLUSTER_BOOTSTRAP=true"), NOARGS);
	assert_true(c.bootstrap);
}

static void test_config_file_from_env(void **state)
{
	struct gaia_config c;
	const char *a = tc_yaml("raft:\n  election_timeout: 1s\n");
	const char *b = tc_yaml("raft:\n  election_timeout: 2s\n");
	char env[64];
	(void)state;

	snprintf(env, sizeof env, "GAIA_CONFIG=%s", a);
	ASSERT_LOADS(&c, ENV(env), NOARGS);
	assert_int_equal(c.election_timeout_ms, 1000);
	assert_string_equal(c.config_file, a);
	/* --config beats GAIA_CONFIG */
	ASSERT_LOADS(&c, ENV(env), ARGS("--config", (char *)b));
	assert_int_equal(c.election_timeout_ms, 2000);
	assert_string_equal(c.config_file, b);
}

static void test_yaml_forms(void **state)
{
	struct gaia_config c;
	(void)state;

	/* nodes as a comma string, spaces dropped */
	ASSERT_LOADS(&c, NULL,
		     ARGS("--config", (char *)tc_yaml("cluster:\n  discovery:\n    nodes: "
						       "\"a:1, b:2 ,c:3\"\n")));
	assert_string_equal(c.discovery_nodes, "a:1,b:2,c:3");
	/* a flow list, and a flow mapping for the section */
	ASSERT_LOADS(&c, NULL,
		     ARGS("--config", (char *)tc_yaml("cluster: {discovery: {nodes: [a:1, "
						       "'b:2'], type: static}}\n")));
	assert_string_equal(c.discovery_nodes, "a:1,b:2");
	/* a document marker, an empty section, an empty list, comments, CRLF */
	ASSERT_LOADS(&c, NULL,
		     ARGS("--config",
			  (char *)tc_yaml("---\r\nconsul:\r\nlog:\r\n  format: json # comment\r\n"
					  "cluster:\r\n  discovery:\r\n    nodes: []\r\n")));
	assert_string_equal(c.discovery_nodes, "");
	assert_int_equal(c.log_format, CONFIG_LOG_JSON);
	/* an empty file is no settings at all */
	ASSERT_LOADS(&c, NULL, ARGS("--config", (char *)tc_yaml("")));
	assert_int_equal(c.election_timeout_ms, 300);
	/* anchors and aliases */
	ASSERT_LOADS(&c, NULL,
		     ARGS("--config", (char *)tc_yaml("raft:\n  heartbeat_timeout: &t 99ms\n"
						       "cluster:\n  rpc_timeout: *t\n")));
	assert_int_equal(c.rpc_timeout_ms, 99);
}

static void test_yaml_null_values(void **state)
{
	struct gaia_config c;
	char adv[300];
	(void)state;

	/* an empty value means the default for settings that allow it */
	ASSERT_LOADS(&c, NULL,
		     ARGS("--config", (char *)tc_yaml("consul:\nnode:\n  socket: ~\n  id:\n"
						       "cluster:\n  discovery:\n    nodes: []\n"
						       "  advertise_addr: null\n")));
	assert_string_equal(c.discovery_nodes, "");
	assert_string_equal(c.socket_path, "/var/lib/gaia_go/gaia.sock");
	assert_string_equal(c.node_id, tc_hostname());
	snprintf(adv, sizeof adv, "%s:8300", tc_hostname());
	assert_string_equal(c.advertise_addr, adv);
	/* and an error for the others */
	FAILS(NULL, ARGS("--config", (char *)tc_yaml("log:\n  format: ~\n")),
	      ":2: log.format: '' is not one of text, json");
	FAILS(NULL, ARGS("--config", (char *)tc_yaml("node:\n  data_dir: ''\n")),
	      ":2: node.data_dir: '' is empty");
}

static void test_derived(void **state)
{
	struct gaia_config c;
	char adv[300];
	(void)state;

	ASSERT_LOADS(&c, NULL, ARGS("--data-dir", "/"));
	assert_string_equal(c.socket_path, "/gaia.sock");
	ASSERT_LOADS(&c, NULL, ARGS("--data-dir", "/d", "--socket", "/run/g.sock"));
	assert_string_equal(c.socket_path, "/run/g.sock");
	ASSERT_LOADS(&c, ENV("GAIA_SOCKET="), ARGS("--data-dir", "/d"));
	assert_string_equal(c.socket_path, "/d/gaia.sock");

	/* advertise: the bind address, with the hostname for a wildcard host */
	ASSERT_LOADS(&c, NULL, ARGS("--bind-addr", "127.0.0.5:7001"));
	assert_string_equal(c.advertise_addr, "127.0.0.5:7001");
	ASSERT_LOADS(&c, NULL, ARGS("--bind-addr", "[::]:7001"));
	snprintf(adv, sizeof adv, "%s:7001", tc_hostname());
	assert_string_equal(c.advertise_addr, adv);
	ASSERT_LOADS(&c, NULL, ARGS("--bind-addr", "0.0.0.0:7002"));
	snprintf(adv, sizeof adv, "%s:7002", tc_hostname());
	assert_string_equal(c.advertise_addr, adv);
	ASSERT_LOADS(&c, NULL, ARGS("--bind-addr", "0.0.0.0:7002", "--advertise-addr", "n1:9"));
	assert_string_equal(c.advertise_addr, "n1:9");
	ASSERT_LOADS(&c, NULL, ARGS("--bind-addr", "[::1]:7003", "--advertise-addr="));
	assert_string_equal(c.advertise_addr, "[::1]:7003");

	/* node id: the hostname unless given */
	ASSERT_LOADS(&c, ENV("GAIA_NODE_ID="), NOARGS);
	assert_string_equal(c.node_id, tc_hostname());
	ASSERT_LOADS(&c, ENV("GAIA_NODE_ID=node-1.dc_2"), NOARGS);
	assert_string_equal(c.node_id, "node-1.dc_2");
}

static void test_cluster_join(void **state)
{
	struct gaia_config c;
	(void)state;

	ASSERT_LOADS(&c, NULL,
		     ARGS("--cluster-join", "--node-id", "node-4", "--address",
			  "node-4.example.com:8300", "--leader-address", "node-1.example.com:8080"));
	assert_true(c.cluster_join);
	assert_string_equal(c.node_id, "node-4");
	assert_string_equal(c.join_address, "node-4.example.com:8300");
	assert_string_equal(c.leader_address, "node-1.example.com:8080");

	/* the node id may come from the environment; the daemon's discovery
	 * checks do not apply to the one-shot join */
	ASSERT_LOADS(&c, ENV("GAIA_NODE_ID=node-4", "CLUSTER_DISCOVERY_TYPE=dns"),
		     ARGS("--cluster-join", "--address", "a:1", "--leader-address", "b:2"));
	assert_string_equal(c.node_id, "node-4");

	FAILS(NULL, ARGS("--cluster-join"),
	      "--cluster-join needs --node-id, --address and --leader-address",
	      "(missing --node-id, --address, --leader-address)");
	FAILS(NULL, ARGS("--cluster-join", "--node-id", "n4", "--address", "a:1"),
	      "(missing --leader-address)");
	FAILS(NULL, ARGS("--cluster-join", "--leader-address", "b:2", "--address", "a:1"),
	      "(missing --node-id)");
	FAILS(ENV("GAIA_NODE_ID="), ARGS("--cluster-join", "--leader-address", "b:2",
					 "--address", "a:1"),
	      "(missing --node-id)");
	FAILS(NULL, ARGS("--cluster-join", "--node-id", "n4", "--leader-address", "b:2"),
	      "(missing --address)");
	FAILS(NULL, ARGS("--cluster-join", "--node-id", "n4", "--address", "a", "--leader-address",
			 "b:2"),
	      "--address: 'a' is not a host:port address: missing port");
	FAILS(NULL, ARGS("--cluster-join=yes"), "--cluster-join takes no value");
	FAILS(NULL, ARGS("--address", "a:1"), "--address is only for --cluster-join");
	FAILS(NULL, ARGS("--leader-address", "a:1"), "--leader-address is only for --cluster-join");
}

static void test_help_version(void **state)
{
	struct gaia_config c;
	char *argv[] = {"gaia_go", "--bogus", "-h", "--election-timeout", "3x", NULL};
	char *copy[6];
	(void)state;

	memcpy(copy, argv, sizeof argv);
	/* help wins over errors elsewhere, and argv is left as it was */
	ASSERT_LOADS(&c, ENV("RAFT_ELECTION_TIMEOUT=3x"), argv);
	assert_true(c.show_help);
	assert_false(c.show_version);
	assert_memory_equal(argv, copy, sizeof argv);
	ASSERT_LOADS(&c, NULL, ARGS("--help"));
	assert_true(c.show_help);
	ASSERT_LOADS(&c, NULL, ARGS("--config", "/nonexistent/gaia.yaml", "--version"));
	assert_true(c.show_version);
	assert_false(c.show_help);
	ASSERT_LOADS(&c, NULL, ARGS("-V"));
	assert_true(c.show_version);
	/* a value that looks like --help is a value; after -- nothing is a flag */
	FAILS(NULL, ARGS("--node-id", "--help"), "--node-id: '--help' is not a node id");
	FAILS(NULL, ARGS("--", "--help"), "unexpected argument '--help'");
}

static void test_usage(void **state)
{
	const char *u = config_usage();
	char line[128];
	(void)state;

	assert_ptr_equal(u, config_usage());
	tc_contains(u, "Usage: gaia_go [OPTION]...\n");
	tc_contains(u, "gaia_go --cluster-join --node-id ID --address HOST:PORT\n"
		       "               --leader-address HOST:PORT\n");
	/* fits a terminal of 80 columns */
	for (const char *p = u, *nl; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		assert_non_null(nl);
		if (nl - p > 80)
			fail_msg("a line over 80 columns: %.*s", (int)(nl - p), p);
	}
	for (int i = 0; i < CONFIG_S_COUNT; i++) {
		const struct config_setting *s = &config_settings[i];
		const char *def = s->def_doc != NULL ? s->def_doc : s->def;
		snprintf(line, sizeof line, "--%s", s->flag);
		tc_contains(u, line);
		if (s->env != NULL && def != NULL) {
			snprintf(line, sizeof line, "env %s, default: %s\n", s->env, def);
			tc_contains(u, line);
		}
	}
	tc_contains(u, "  -h, --help\n");
	tc_contains(u, "  -V, --version\n");
	tc_contains(u, "--bootstrap[=BOOL]\n");
	tc_contains(u, "  --election-timeout DURATION\n");
	tc_contains(u, "  0  success\n");
	tc_contains(u, "  1  runtime failure\n");
	tc_contains(u, "  2  usage or configuration error\n");
	/* the last line is there: nothing was cut */
	tc_contains(u, "See gaia_go(8) and gaia_go.yaml(5).\n");
	assert_true(strlen(u) < 16000);
}

/* The man page names every YAML key, environment variable and flag. */
static void test_man_page(void **state)
{
	FILE *f = fopen(CONFIG_MAN_PAGE, "r");
	char *text, *plain, name[96];
	long len;
	size_t n = 0;
	(void)state;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	plain = calloc(1, (size_t)len + 1);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	/* groff writes a minus as \- */
	for (long i = 0; i < len; i++) {
		if (text[i] == '\\' && text[i + 1] == '-')
			continue;
		plain[n++] = text[i];
	}
	for (int i = 0; i < CONFIG_S_COUNT; i++) {
		const struct config_setting *s = &config_settings[i];
		if (s->yaml != NULL) {
			/* under its section: the last part of the key */
			tc_contains(plain, strrchr(s->yaml, '.') + 1);
			tc_contains(plain, s->yaml);
		}
		if (s->env != NULL)
			tc_contains(plain, s->env);
		snprintf(name, sizeof name, "--%s", s->flag);
		tc_contains(plain, name);
		if (s->def != NULL && s->yaml != NULL)
			tc_contains(plain, s->def);
	}
	tc_contains(plain, "gaia_go.yaml");

	/* the example file of the man page loads */
	{
		struct gaia_config c;
		char *start = strstr(plain, "# /etc/gaia_go/gaia.yaml\n"), *end;
		assert_non_null(start);
		end = strstr(start, "\n.EE");
		assert_non_null(end);
		end[1] = '\0';
		ASSERT_LOADS(&c, NULL, ARGS("--config", (char *)tc_yaml(start)));
		assert_string_equal(c.discovery_nodes, "node-1.example.com:8300,"
				    "node-2.example.com:8300,node-3.example.com:8300");
		assert_int_equal(c.log_format, CONFIG_LOG_JSON);
	}
	free(text);
	free(plain);

	/* lint-clean, when groff is there to say so */
	if (system("command -v groff >/dev/null 2>&1") == 0) {
		char cmd[512];
		FILE *p;
		snprintf(cmd, sizeof cmd, "groff -man -ww -z '%s' 2>&1", CONFIG_MAN_PAGE);
		p = popen(cmd, "r");
		assert_non_null(p);
		n = fread(name, 1, sizeof name - 1, p);
		name[n] = '\0';
		assert_int_equal(pclose(p), 0);
		if (n != 0)
			fail_msg("groff warns: %s", name);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test_teardown(test_yaml_alone, tc_cleanup),
		cmocka_unit_test(test_env_alone),
		cmocka_unit_test(test_flags_alone),
		cmocka_unit_test_teardown(test_precedence, tc_cleanup),
		cmocka_unit_test_teardown(test_config_file_from_env, tc_cleanup),
		cmocka_unit_test_teardown(test_yaml_forms, tc_cleanup),
		cmocka_unit_test_teardown(test_yaml_null_values, tc_cleanup),
		cmocka_unit_test(test_derived),
		cmocka_unit_test(test_cluster_join),
		cmocka_unit_test(test_help_version),
		cmocka_unit_test(test_usage),
		cmocka_unit_test_teardown(test_man_page, tc_cleanup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
