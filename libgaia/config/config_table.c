/* The settings table: each setting's three spellings, type, default and help. */
#include <string.h>

#include "config/config_internal.h"

#define FIELD(f) offsetof(struct gaia_config, f), sizeof(((struct gaia_config *)0)->f)

static const char *const discovery_names[] = {"static", "dns", "consul", NULL};
static const char *const level_names[] = {"error", "warn", "info", "debug", NULL};
static const char *const format_names[] = {"text", "json", NULL};

const char *const config_group_names[CONFIG_G_COUNT] = {
	[CONFIG_G_GENERAL] = "General",
	[CONFIG_G_NODE] = "Node",
	[CONFIG_G_RAFT] = "Raft",
	[CONFIG_G_CLUSTER] = "Cluster",
	[CONFIG_G_DISCOVERY] = "Discovery",
	[CONFIG_G_CONSUL] = "Consul",
	[CONFIG_G_LIMITS] = "Limits",
	[CONFIG_G_LOG] = "Logging",
	[CONFIG_G_JOIN] = "Join mode (one-shot, then exit)",
};

const struct config_setting config_settings[CONFIG_S_COUNT] = {
	[CONFIG_S_CONFIG] = {NULL, "GAIA_CONFIG", "config", 0, CONFIG_T_STR, CONFIG_F_EMPTY,
		FIELD(config_file), 0, 0, NULL, NULL, "none", "FILE",
		"read settings from this YAML file, see gaia_go.yaml(5)", CONFIG_G_GENERAL},
	[CONFIG_S_HELP] = {NULL, NULL, "help", 'h', CONFIG_T_BOOL, CONFIG_F_NOARG,
		FIELD(show_help), 0, 0, NULL, NULL, NULL, NULL,
		"print this help and exit", CONFIG_G_GENERAL},
	[CONFIG_S_VERSION] = {NULL, NULL, "version", 'V', CONFIG_T_BOOL, CONFIG_F_NOARG,
		FIELD(show_version), 0, 0, NULL, NULL, NULL, NULL,
		"print the version and exit", CONFIG_G_GENERAL},

	[CONFIG_S_NODE_ID] = {"node.id", "GAIA_NODE_ID", "node-id", 0, CONFIG_T_ID, CONFIG_F_EMPTY,
		FIELD(node_id), 0, 0, NULL, NULL, "the hostname", "ID",
		"unique node name (A-Z a-z 0-9 . _ -), never reused", CONFIG_G_NODE},
	[CONFIG_S_DATA_DIR] = {"node.data_dir", "GAIA_DATA_DIR", "data-dir", 0, CONFIG_T_STR, 0,
		FIELD(data_dir), 0, 0, NULL, "/var/lib/gaia_go", NULL, "DIR",
		"where the log, the snapshots and the socket live", CONFIG_G_NODE},
	[CONFIG_S_SOCKET] = {"node.socket", "GAIA_SOCKET", "socket", 0, CONFIG_T_STR, CONFIG_F_EMPTY,
		FIELD(socket_path), 0, 0, NULL, NULL, "<data_dir>/gaia.sock", "PATH",
		"local Unix socket of the REST API (the tools use it)", CONFIG_G_NODE},

	[CONFIG_S_HEARTBEAT] = {"raft.heartbeat_timeout", "RAFT_HEARTBEAT_TIMEOUT", "heartbeat-timeout",
		0, CONFIG_T_DURATION, 0, FIELD(heartbeat_timeout_ms), 1, 0, NULL, "150ms", NULL,
		"DURATION", "heartbeats go out every third of it; below the election timeout",
		CONFIG_G_RAFT},
	[CONFIG_S_ELECTION] = {"raft.election_timeout", "RAFT_ELECTION_TIMEOUT", "election-timeout",
		0, CONFIG_T_DURATION, 0, FIELD(election_timeout_ms), 1, 0, NULL, "300ms", NULL,
		"DURATION", "a follower without a leader for [T, 2T) starts an election",
		CONFIG_G_RAFT},
	[CONFIG_S_SNAPSHOT_INTERVAL] = {"raft.snapshot_interval", "RAFT_SNAPSHOT_INTERVAL",
		"snapshot-interval", 0, CONFIG_T_DURATION, 0, FIELD(snapshot_interval_ms), 1, 0, NULL,
		"120s", NULL, "DURATION", "how often to check whether a snapshot is due",
		CONFIG_G_RAFT},
	[CONFIG_S_SNAPSHOT_THRESHOLD] = {"raft.snapshot_threshold", "RAFT_SNAPSHOT_THRESHOLD",
		"snapshot-threshold", 0, CONFIG_T_UINT, 0, FIELD(snapshot_threshold), 1, 0, NULL,
		"8192", NULL, "N", "log entries since the last snapshot that make one due",
		CONFIG_G_RAFT},
	[CONFIG_S_LOG_SIZE_THRESHOLD] = {"raft.log_size_threshold", "RAFT_LOG_SIZE_THRESHOLD",
		"log-size-threshold", 0, CONFIG_T_SIZE, 0, FIELD(log_size_threshold), 1, 0, NULL,
		"1GB", NULL, "SIZE", "log size that makes a snapshot due", CONFIG_G_RAFT},
	[CONFIG_S_TRAILING_LOGS] = {"raft.trailing_logs", "RAFT_TRAILING_LOGS", "trailing-logs", 0,
		CONFIG_T_UINT, 0, FIELD(trailing_logs), 0, 0, NULL, "10240", NULL, "N",
		"entries kept after compaction for slow followers", CONFIG_G_RAFT},
	[CONFIG_S_WAL_SEGMENT_SIZE] = {"raft.wal_segment_size", "RAFT_WAL_SEGMENT_SIZE",
		"wal-segment-size", 0, CONFIG_T_SIZE, 0, FIELD(wal_segment_size), 4096, 0, NULL,
		"64MB", NULL, "SIZE",
		"a WAL segment is closed at this size; compaction deletes whole segments",
		CONFIG_G_RAFT},

	[CONFIG_S_BOOTSTRAP] = {"cluster.bootstrap", "CLUSTER_BOOTSTRAP", "bootstrap", 0,
		CONFIG_T_BOOL, CONFIG_F_OPTARG, FIELD(bootstrap), 0, 0, NULL, "false", NULL, "BOOL",
		"start a new cluster with this node as its only voter", CONFIG_G_CLUSTER},
	[CONFIG_S_BOOTSTRAP_EXPECT] = {"cluster.bootstrap_expect", "CLUSTER_BOOTSTRAP_EXPECT",
		"bootstrap-expect", 0, CONFIG_T_UINT, 0, FIELD(bootstrap_expect), 0, 0, NULL, "0",
		NULL, "N", "wait for N discovered nodes, then one bootstraps all N",
		CONFIG_G_CLUSTER},
	[CONFIG_S_BIND] = {"cluster.bind_addr", "CLUSTER_BIND_ADDR", "bind-addr", 0, CONFIG_T_ADDR,
		0, FIELD(bind_addr), 0, 0, NULL, "0.0.0.0:8300", NULL, "HOST:PORT",
		"Raft transport listen address", CONFIG_G_CLUSTER},
	[CONFIG_S_ADVERTISE] = {"cluster.advertise_addr", "CLUSTER_ADVERTISE_ADDR", "advertise-addr",
		0, CONFIG_T_ADDR, CONFIG_F_EMPTY, FIELD(advertise_addr), 0, 0, NULL, NULL,
		"--bind-addr (0.0.0.0: hostname)", "HOST:PORT",
		"the Raft address peers dial", CONFIG_G_CLUSTER},
	[CONFIG_S_HTTP] = {"cluster.http_addr", "CLUSTER_HTTP_ADDR", "http-addr", 0, CONFIG_T_ADDR, 0,
		FIELD(http_addr), 0, 0, NULL, "0.0.0.0:8080", NULL, "HOST:PORT",
		"REST API listen address", CONFIG_G_CLUSTER},
	[CONFIG_S_METRICS] = {"cluster.metrics_addr", "CLUSTER_METRICS_ADDR", "metrics-addr", 0,
		CONFIG_T_ADDR, 0, FIELD(metrics_addr), 0, 0, NULL, "0.0.0.0:9090", NULL, "HOST:PORT",
		"Prometheus metrics listen address", CONFIG_G_CLUSTER},
	[CONFIG_S_RPC_TIMEOUT] = {"cluster.rpc_timeout", "CLUSTER_RPC_TIMEOUT", "rpc-timeout", 0,
		CONFIG_T_DURATION, 0, FIELD(rpc_timeout_ms), 1, 0, NULL, "5s", NULL, "DURATION",
		"how long to wait for a peer's answer", CONFIG_G_CLUSTER},
	[CONFIG_S_PEER_UNHEALTHY] = {"cluster.peer_unhealthy_after", "CLUSTER_PEER_UNHEALTHY_AFTER",
		"peer-unhealthy-after", 0, CONFIG_T_DURATION, 0, FIELD(peer_unhealthy_after_ms), 1, 0,
		NULL, "30s", NULL, "DURATION",
		"silence after which the leader marks a peer unhealthy", CONFIG_G_CLUSTER},

	[CONFIG_S_DISC_TYPE] = {"cluster.discovery.type", "CLUSTER_DISCOVERY_TYPE", "discovery-type",
		0, CONFIG_T_ENUM, 0, FIELD(discovery_type), 0, 0, discovery_names, "static", NULL,
		"static|dns|consul", "how to find the other nodes", CONFIG_G_DISCOVERY},
	[CONFIG_S_DISC_NODES] = {"cluster.discovery.nodes", "CLUSTER_DISCOVERY_NODES",
		"discovery-nodes", 0, CONFIG_T_ADDRS, CONFIG_F_EMPTY, FIELD(discovery_nodes), 0, 0,
		NULL, NULL, "none", "HOST:PORT,...", "static: the nodes' Raft addresses",
		CONFIG_G_DISCOVERY},
	[CONFIG_S_DISC_DOMAIN] = {"cluster.discovery.domain", "CLUSTER_DISCOVERY_DOMAIN",
		"discovery-domain", 0, CONFIG_T_HOST, CONFIG_F_EMPTY, FIELD(discovery_domain), 0, 0,
		NULL, NULL, "none", "DOMAIN", "dns: SRV _raft._tcp.DOMAIN, else its A/AAAA records",
		CONFIG_G_DISCOVERY},
	[CONFIG_S_DISC_PORT] = {"cluster.discovery.port", "CLUSTER_DISCOVERY_PORT", "discovery-port",
		0, CONFIG_T_UINT, 0, FIELD(discovery_port), 0, 65535, NULL, "0", "0 (none)", "PORT",
		"dns: the Raft port that goes with A/AAAA records", CONFIG_G_DISCOVERY},
	[CONFIG_S_DISC_REFRESH] = {"cluster.discovery.refresh_rate", "CLUSTER_DISCOVERY_REFRESH_RATE",
		"discovery-refresh-rate", 0, CONFIG_T_DURATION, 0, FIELD(discovery_refresh_ms), 1, 0,
		NULL, "30s", NULL, "DURATION", "how often discovery runs again", CONFIG_G_DISCOVERY},
	[CONFIG_S_DISC_DNS] = {"cluster.discovery.dns_server", "CLUSTER_DISCOVERY_DNS_SERVER",
		"discovery-dns-server", 0, CONFIG_T_ADDR, CONFIG_F_EMPTY, FIELD(discovery_dns_server),
		0, 0, NULL, NULL, "the system resolver", "HOST:PORT", "dns: the resolver to ask",
		CONFIG_G_DISCOVERY},

	[CONFIG_S_CONSUL_ADDR] = {"consul.addr", "CONSUL_ADDR", "consul-addr", 0, CONFIG_T_ADDR,
		CONFIG_F_EMPTY, FIELD(consul_addr), 0, 0, NULL, NULL, "none", "HOST:PORT",
		"consul: the agent's HTTP address", CONFIG_G_CONSUL},
	[CONFIG_S_CONSUL_DC] = {"consul.datacenter", "CONSUL_DATACENTER", "consul-datacenter", 0,
		CONFIG_T_HOST, CONFIG_F_EMPTY, FIELD(consul_datacenter), 0, 0, NULL, NULL,
		"the agent's", "NAME", "consul: the datacenter to look in", CONFIG_G_CONSUL},

	[CONFIG_S_MAX_VALUE] = {"limits.max_value_size", "GAIA_MAX_VALUE_SIZE", "max-value-size", 0,
		CONFIG_T_SIZE, 0, FIELD(max_value_bytes), 1, 0, NULL, "1MiB", NULL, "SIZE",
		"largest value a PUT may store; at most the body size", CONFIG_G_LIMITS},
	[CONFIG_S_MAX_BODY] = {"limits.max_body_size", "GAIA_MAX_BODY_SIZE", "max-body-size", 0,
		CONFIG_T_SIZE, 0, FIELD(max_body_bytes), 1, 0, NULL, "2MiB", NULL, "SIZE",
		"largest REST request body (413 above it)", CONFIG_G_LIMITS},

	[CONFIG_S_LOG_LEVEL] = {"log.level", "GAIA_LOG_LEVEL", "log-level", 0, CONFIG_T_ENUM, 0,
		FIELD(log_level), 0, 0, level_names, "info", NULL, "error|warn|info|debug",
		"least severe level logged", CONFIG_G_LOG},
	[CONFIG_S_LOG_FORMAT] = {"log.format", "GAIA_LOG_FORMAT", "log-format", 0, CONFIG_T_ENUM, 0,
		FIELD(log_format), 0, 0, format_names, "text", NULL, "text|json",
		"one line per event, as text or as JSON", CONFIG_G_LOG},

	[CONFIG_S_CLUSTER_JOIN] = {NULL, NULL, "cluster-join", 0, CONFIG_T_BOOL, CONFIG_F_NOARG,
		FIELD(cluster_join), 0, 0, NULL, NULL, NULL, NULL,
		"ask the cluster to add node --node-id at --address", CONFIG_G_JOIN},
	[CONFIG_S_JOIN_ADDRESS] = {NULL, NULL, "address", 0, CONFIG_T_ADDR, 0, FIELD(join_address),
		0, 0, NULL, NULL, NULL, "HOST:PORT", "the new node's Raft address", CONFIG_G_JOIN},
	[CONFIG_S_LEADER_ADDRESS] = {NULL, NULL, "leader-address", 0, CONFIG_T_ADDR, 0,
		FIELD(leader_address), 0, 0, NULL, NULL, NULL, "HOST:PORT",
		"REST address of a cluster node (followers forward)", CONFIG_G_JOIN},
};

int config_find_yaml(const char *name)
{
	for (int i = 0; i < CONFIG_S_COUNT; i++)
		if (config_settings[i].yaml != NULL && strcmp(config_settings[i].yaml, name) == 0)
			return i;
	return -1;
}

int config_find_flag(const char *name, size_t len)
{
	for (int i = 0; i < CONFIG_S_COUNT; i++) {
		const char *f = config_settings[i].flag;
		if (strlen(f) == len && memcmp(f, name, len) == 0)
			return i;
	}
	return -1;
}

bool config_is_section(const char *name)
{
	size_t n = strlen(name);
	for (int i = 0; i < CONFIG_S_COUNT; i++) {
		const char *y = config_settings[i].yaml;
		if (y != NULL && strncmp(y, name, n) == 0 && y[n] == '.')
			return true;
	}
	return false;
}

/* Levenshtein distance, capped: names are short. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64];

	if (la >= 64 || lb >= 64)
		return 64;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *config_suggest(const char *name, bool yaml)
{
	const char *best = NULL;
	size_t best_d = 3; /* suggest only within two edits */

	for (int i = 0; i < CONFIG_S_COUNT; i++) {
		const char *cand = yaml ? config_settings[i].yaml : config_settings[i].flag;
		size_t d;
		if (cand == NULL)
			continue;
		d = distance(name, cand);
		if (yaml) {
			/* a key in the wrong section, or none */
			const char *a = strrchr(name, '.'), *b = strrchr(cand, '.');
			if (d > 1 && strcmp(a != NULL ? a + 1 : name, b + 1) == 0)
				d = 1;
		}
		if (d < best_d) {
			best_d = d;
			best = cand;
		}
	}
	return best;
}
