/* config_internal.h - the settings table and the steps config_load runs
 * over it (YAML file, environment, flags, derived defaults and checks). */
#ifndef GAIA_CONFIG_INTERNAL_H
#define GAIA_CONFIG_INTERNAL_H

#include "config/config.h"

/* One index per setting; the table in config_table.c is in this order. */
enum config_index {
	CONFIG_S_CONFIG = 0, CONFIG_S_HELP, CONFIG_S_VERSION,
	CONFIG_S_NODE_ID, CONFIG_S_DATA_DIR, CONFIG_S_SOCKET,
	CONFIG_S_HEARTBEAT, CONFIG_S_ELECTION, CONFIG_S_SNAPSHOT_INTERVAL,
	CONFIG_S_SNAPSHOT_THRESHOLD, CONFIG_S_LOG_SIZE_THRESHOLD, CONFIG_S_TRAILING_LOGS,
	CONFIG_S_WAL_SEGMENT_SIZE,
	CONFIG_S_BOOTSTRAP, CONFIG_S_BOOTSTRAP_EXPECT, CONFIG_S_BIND, CONFIG_S_ADVERTISE,
	CONFIG_S_HTTP, CONFIG_S_METRICS, CONFIG_S_RPC_TIMEOUT, CONFIG_S_PEER_UNHEALTHY,
	CONFIG_S_DISC_TYPE, CONFIG_S_DISC_NODES, CONFIG_S_DISC_DOMAIN, CONFIG_S_DISC_PORT,
	CONFIG_S_DISC_REFRESH, CONFIG_S_DISC_DNS, CONFIG_S_CONSUL_ADDR, CONFIG_S_CONSUL_DC,
	CONFIG_S_MAX_VALUE, CONFIG_S_MAX_BODY, CONFIG_S_LOG_LEVEL, CONFIG_S_LOG_FORMAT,
	CONFIG_S_CLUSTER_JOIN, CONFIG_S_JOIN_ADDRESS, CONFIG_S_LEADER_ADDRESS,
	CONFIG_S_COUNT
};

enum config_type {
	CONFIG_T_STR,      /* any text */
	CONFIG_T_ID,       /* node id: 1-63 of A-Z a-z 0-9 . _ - */
	CONFIG_T_HOST,     /* a DNS name */
	CONFIG_T_ADDR,     /* host:port or [v6]:port */
	CONFIG_T_ADDRS,    /* comma-separated ADDRs */
	CONFIG_T_DURATION, /* milliseconds in a uint64_t */
	CONFIG_T_SIZE,     /* bytes in a uint64_t */
	CONFIG_T_UINT,     /* uint32_t or uint64_t (by size) */
	CONFIG_T_BOOL,
	CONFIG_T_ENUM      /* an int indexing names */
};

#define CONFIG_F_EMPTY 0x1  /* an empty value means the default */
#define CONFIG_F_NOARG 0x2  /* the flag takes no value */
#define CONFIG_F_OPTARG 0x4 /* --flag means true, --flag=BOOL sets it */

enum config_group {
	CONFIG_G_GENERAL, CONFIG_G_NODE, CONFIG_G_RAFT, CONFIG_G_CLUSTER, CONFIG_G_DISCOVERY,
	CONFIG_G_CONSUL, CONFIG_G_LIMITS, CONFIG_G_LOG, CONFIG_G_JOIN, CONFIG_G_COUNT
};

struct config_setting {
	const char *yaml;    /* "raft.election_timeout", NULL for flag-only */
	const char *env;     /* "RAFT_ELECTION_TIMEOUT" or NULL */
	const char *flag;    /* "election-timeout" (without the dashes) */
	char short_flag;     /* 'h' or 0 */
	enum config_type type;
	unsigned flags;      /* CONFIG_F_* */
	size_t offset, size; /* of the field in struct gaia_config */
	uint64_t min, max;   /* numbers and durations; max 0 = the field's */
	const char *const *names; /* CONFIG_T_ENUM, NULL-terminated */
	const char *def;     /* the value config_defaults applies, or NULL */
	const char *def_doc; /* how --help shows a derived default, or NULL */
	const char *metavar; /* "DURATION" */
	const char *help;    /* one line */
	enum config_group group;
};

extern const struct config_setting config_settings[CONFIG_S_COUNT];
extern const char *const config_group_names[CONFIG_G_COUNT];

/* Index of the setting with that YAML key, or flag name (len bytes of
 * name), or -1. */
int config_find_yaml(const char *name);
int config_find_flag(const char *name, size_t len);
/* Whether name is a YAML section ("raft", "cluster.discovery"). */
bool config_is_section(const char *name);
/* The closest YAML key (yaml) or flag name (!yaml) within a small edit
 * distance of name, or NULL. */
const char *config_suggest(const char *name, bool yaml);

/* Where a value comes from, lowest precedence first. */
enum config_source { CONFIG_SRC_DEFAULT = 0, CONFIG_SRC_YAML, CONFIG_SRC_ENV, CONFIG_SRC_FLAG };

struct config_origin {
	enum config_source src;
	int line; /* CONFIG_SRC_YAML */
};

/* One config_load run. */
struct config_ctx {
	struct gaia_config *c;
	const char *file; /* the YAML file, for messages */
	struct config_origin origin[CONFIG_S_COUNT];
	char *errmsg;
};

/* Parse value for setting i into c. On error returns GAIA_EINVAL (or
 * GAIA_ETOOBIG for a number out of range) with a reason that follows the
 * value in messages ("is not a duration (use ...)") in why. */
int config_store(struct gaia_config *c, int i, const char *value, char *why, size_t why_size);

/* config_store for a source: records the origin, or fills errmsg with
 * "<where>: '<value>' <why>". */
int config_set(struct config_ctx *x, int i, const char *value, enum config_source src, int line);

/* How messages name setting i coming from src: "--election-timeout",
 * "RAFT_ELECTION_TIMEOUT", "gaia.yaml:7: raft.election_timeout",
 * "default". */
void config_where(const struct config_ctx *x, int i, enum config_source src, int line,
		  char *buf, size_t size);

/* A value as messages show it: at most 60 bytes, unprintable bytes as '?'. */
void config_quote(const char *value, char *buf, size_t size);

/* Address check behind config_parse_addr, with the reason ("missing port"). */
int config_addr_split(const char *s, char *host, size_t host_size, uint16_t *port,
		      const char **why);
/* A DNS name or IPv4 address: letters, digits, '-', '_', '.', 1-253 bytes. */
bool config_host_ok(const char *s, size_t len);

/* The steps of config_load. */
int config_yaml_apply(struct config_ctx *x, const char *path);
const char *config_env_get(char **envp, const char *name);
int config_env_apply(struct config_ctx *x, char **envp);
/* prescan: apply only --config, --help and --version, ignore errors. */
int config_flags_apply(struct config_ctx *x, int argc, char **argv, bool prescan);
/* Derived defaults (node id, socket, advertise address) and cross-checks. */
int config_finish(struct config_ctx *x);

/* Derived defaults; they return false when the result does not fit. */
bool config_default_node_id(struct gaia_config *c);
bool config_default_socket(struct gaia_config *c);
bool config_default_advertise(struct gaia_config *c);

#endif
