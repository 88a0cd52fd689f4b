/* config.h - the daemon's settings: defaults < YAML file < environment <
 * flags (DESIGN.md section 8), with one error naming the setting, the value
 * and, for the file, the line. */
#ifndef GAIA_CONFIG_H
#define GAIA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gaia.h"

#define CONFIG_STR 256

enum config_discovery { CONFIG_DISCOVERY_STATIC = 0, CONFIG_DISCOVERY_DNS, CONFIG_DISCOVERY_CONSUL };
enum config_log_format { CONFIG_LOG_TEXT = 0, CONFIG_LOG_JSON };
enum config_log_level { CONFIG_LOG_ERROR = 0, CONFIG_LOG_WARN, CONFIG_LOG_INFO, CONFIG_LOG_DEBUG };

/* Every setting has three spellings, listed as
 *   YAML key (section.key)        environment               flag          default
 * Value forms: DURATION is a whole number and one unit, ms s m h d (150ms,
 * 5s, 2m, 1h, 7d; a bare number is an error). SIZE is a whole number with
 * an optional unit B, K/KB/KiB, M/MB/MiB, G/GB/GiB, T/TB/TiB, any case, all
 * powers of 1024 (1KB = 1KiB = 1024). BOOL is true/false/yes/no/1/0 (any
 * case). ADDR is host:port or [v6]:port, port 1-65535. Settings marked
 * "empty = default" take an empty value to mean their default.
 * The man page gaia_go.yaml(5) documents the same table. */
struct gaia_config {
	char node_id[64];               /* node.id  GAIA_NODE_ID  --node-id  default: hostname;
					 * 1-63 of A-Z a-z 0-9 . _ - (empty = default) */
	char data_dir[CONFIG_STR];      /* node.data_dir  GAIA_DATA_DIR  --data-dir  /var/lib/gaia_go */
	char socket_path[CONFIG_STR];   /* node.socket  GAIA_SOCKET  --socket  default:
					 * <data_dir>/gaia.sock, after every source (empty = default) */
	bool bootstrap;                 /* cluster.bootstrap  CLUSTER_BOOTSTRAP  --bootstrap[=BOOL]  false */
	uint64_t heartbeat_timeout_ms;  /* raft.heartbeat_timeout  RAFT_HEARTBEAT_TIMEOUT  --heartbeat-timeout  150ms;
					 * must be below the election timeout */
	uint64_t election_timeout_ms;   /* raft.election_timeout  RAFT_ELECTION_TIMEOUT  --election-timeout  300ms */
	uint64_t snapshot_interval_ms;  /* raft.snapshot_interval  RAFT_SNAPSHOT_INTERVAL  --snapshot-interval  120s */
	uint64_t snapshot_threshold;    /* raft.snapshot_threshold  RAFT_SNAPSHOT_THRESHOLD  --snapshot-threshold  8192 entries */
	uint64_t log_size_threshold;    /* raft.log_size_threshold  RAFT_LOG_SIZE_THRESHOLD  --log-size-threshold  1GB (bytes) */
	uint64_t trailing_logs;         /* raft.trailing_logs  RAFT_TRAILING_LOGS  --trailing-logs  10240 */
	uint64_t wal_segment_size;      /* raft.wal_segment_size  RAFT_WAL_SEGMENT_SIZE  --wal-segment-size  64MB */
	uint64_t peer_unhealthy_after_ms; /* cluster.peer_unhealthy_after  CLUSTER_PEER_UNHEALTHY_AFTER
					   * --peer-unhealthy-after  30s */
	char bind_addr[CONFIG_STR];     /* cluster.bind_addr  CLUSTER_BIND_ADDR  --bind-addr  0.0.0.0:8300 */
	char advertise_addr[CONFIG_STR];/* cluster.advertise_addr  CLUSTER_ADVERTISE_ADDR  --advertise-addr
					 * default: bind_addr, with the hostname for a 0.0.0.0 or [::]
					 * host (empty = default); never a wildcard address */
	char http_addr[CONFIG_STR];     /* cluster.http_addr  CLUSTER_HTTP_ADDR  --http-addr  0.0.0.0:8080 */
	char metrics_addr[CONFIG_STR];  /* cluster.metrics_addr  CLUSTER_METRICS_ADDR  --metrics-addr  0.0.0.0:9090 */
	uint64_t rpc_timeout_ms;        /* cluster.rpc_timeout  CLUSTER_RPC_TIMEOUT  --rpc-timeout  5s */
	int discovery_type;             /* cluster.discovery.type  CLUSTER_DISCOVERY_TYPE  --discovery-type
					 * static|dns|consul (enum config_discovery), static */
	char discovery_nodes[1024];     /* cluster.discovery.nodes  CLUSTER_DISCOVERY_NODES  --discovery-nodes
					 * "host:port,host:port" (a YAML list or a comma string; stored
					 * comma-separated without spaces), empty */
	char discovery_domain[CONFIG_STR]; /* cluster.discovery.domain  CLUSTER_DISCOVERY_DOMAIN
					    * --discovery-domain  empty; needed by dns */
	uint32_t discovery_port;        /* cluster.discovery.port  CLUSTER_DISCOVERY_PORT  --discovery-port
					 * 0-65535, 0 = unset */
	uint64_t discovery_refresh_ms;  /* cluster.discovery.refresh_rate  CLUSTER_DISCOVERY_REFRESH_RATE
					 * --discovery-refresh-rate  30s */
	char discovery_dns_server[CONFIG_STR]; /* cluster.discovery.dns_server  CLUSTER_DISCOVERY_DNS_SERVER
						* --discovery-dns-server  empty = system resolver */
	uint32_t bootstrap_expect;      /* cluster.bootstrap_expect  CLUSTER_BOOTSTRAP_EXPECT  --bootstrap-expect
					 * 0; excludes cluster.bootstrap */
	char consul_addr[CONFIG_STR];   /* consul.addr  CONSUL_ADDR  --consul-addr  empty; needed by consul */
	char consul_datacenter[CONFIG_STR]; /* consul.datacenter  CONSUL_DATACENTER  --consul-datacenter  empty */
	uint64_t max_value_bytes;       /* limits.max_value_size  GAIA_MAX_VALUE_SIZE  --max-value-size  1MiB;
					 * at most max_body_size */
	uint64_t max_body_bytes;        /* limits.max_body_size  GAIA_MAX_BODY_SIZE  --max-body-size  2MiB
					 * (REST bodies) */
	int log_level;                  /* log.level  GAIA_LOG_LEVEL  --log-level  error|warn|info|debug
					 * (enum config_log_level), info */
	int log_format;                 /* log.format  GAIA_LOG_FORMAT  --log-format  text|json
					 * (enum config_log_format), text */
	char config_file[CONFIG_STR];   /* --config FILE, else GAIA_CONFIG; no YAML key */
	/* one-shot join mode: gaia_go --cluster-join --node-id N --address A
	 * --leader-address L (the same as gaia-join). Flags only; the node id
	 * may also come from GAIA_NODE_ID or node.id, but not from the
	 * hostname default. */
	bool cluster_join;              /* --cluster-join */
	char join_address[CONFIG_STR];  /* --address (the new node's Raft host:port) */
	char leader_address[CONFIG_STR];/* --leader-address (REST host:port) */
	bool show_help, show_version;   /* -h/--help, -V/--version: config_load
					 * returns at once, the caller prints */
};

/* Fill every default, including the derived ones (node id = hostname,
 * socket = <data_dir>/gaia.sock, advertise address from the bind address). */
void config_defaults(struct gaia_config *c);

/* defaults, then the YAML file (--config FILE, found among argv first, else
 * GAIA_CONFIG from envp), then envp (NULL: none), then argv flags (argv[0]
 * is the program name and is skipped; argv is not changed). When -h/--help
 * or -V/--version is among argv, only show_help/show_version are set and
 * GAIA_OK is returned. Then the derived defaults and the cross-checks.
 * Any error is a usage or configuration error (exit 2); GAIA_EINVAL, or
 * GAIA_EIO when the file cannot be read, GAIA_ENOMEM. errmsg
 * (GAIA_ERRMSG_SIZE bytes) then reads, e.g.
 *   "RAFT_ELECTION_TIMEOUT: '3x' is not a duration (use 150ms, 5s, 2m, 1h or 7d)"
 *   "gaia.yaml:7: raft.election_timeout: '3x' is not a duration (...)"
 *   "gaia.yaml:7: unknown key 'raft.electon_timeout' (did you mean raft.election_timeout?)"
 *   "the heartbeat timeout 400ms (--heartbeat-timeout) must be below the
 *    election timeout 300ms (default)" */
int config_load(struct gaia_config *c, int argc, char **argv, char **envp,
		char *errmsg);

/* The --help text for gaia_go (every flag, its env name and default, the
 * exit codes). A static string built once; thread-safe. */
const char *config_usage(void);

/* Parsers shared with the tools: "150ms" "5s" "2m" "7d" "1h"; "512KB"
 * "1GB" "10MiB" "123"; true/false/yes/no/1/0. GAIA_OK on success,
 * GAIA_EINVAL when malformed, GAIA_ETOOBIG when above UINT64_MAX. */
int config_parse_duration_ms(const char *s, uint64_t *ms);
int config_parse_size(const char *s, uint64_t *bytes);
int config_parse_bool(const char *s, bool *b);

/* "host:port" or "[v6]:port" (port 1-65535) into host (without brackets,
 * host_size bytes) and port. GAIA_OK or GAIA_EINVAL. */
int config_parse_addr(const char *s, char *host, size_t host_size, uint16_t *port);

#endif
