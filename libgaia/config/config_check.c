/* After every source: the derived defaults and the checks across settings. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "config/config_internal.h"
#include "util/errmsg.h"

#define SUN_PATH_MAX (sizeof ((struct sockaddr_un *)0)->sun_path - 1)

/* Whether setting i still has its default (or was set to empty, which
 * means the same). */
static bool defaulted(const struct config_ctx *x, int i)
{
	const char *field = (const char *)x->c + config_settings[i].offset;
	return x->origin[i].src == CONFIG_SRC_DEFAULT || field[0] == '\0';
}

/* "--election-timeout", "gaia.yaml:3: raft.election_timeout" or "default". */
static const char *where(const struct config_ctx *x, int i, char *buf, size_t size)
{
	config_where(x, i, x->origin[i].src, x->origin[i].line, buf, size);
	return buf;
}

/* 300 -> "300ms", 120000 -> "2m". */
static const char *duration(uint64_t ms, char *buf, size_t size)
{
	static const struct { const char *unit; uint64_t ms; } units[] = {
		{"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000},
	};
	for (size_t k = 0; k < sizeof units / sizeof units[0]; k++)
		if (ms != 0 && ms % units[k].ms == 0) {
			snprintf(buf, size, "%" PRIu64 "%s", ms / units[k].ms, units[k].unit);
			return buf;
		}
	snprintf(buf, size, "%" PRIu64 "ms", ms);
	return buf;
}

static int check_join(struct config_ctx *x)
{
	struct gaia_config *c = x->c;
	char missing[96] = "";

	if (!c->cluster_join) {
		if (c->join_address[0] != '\0' || c->leader_address[0] != '\0')
			return errmsg_set(x->errmsg, GAIA_EINVAL, "--%s is only for --cluster-join",
					  c->join_address[0] != '\0' ? "address" : "leader-address");
		return GAIA_OK;
	}
	if (defaulted(x, CONFIG_S_NODE_ID))
		strcat(missing, ", --node-id");
	if (c->join_address[0] == '\0')
		strcat(missing, ", --address");
	if (c->leader_address[0] == '\0')
		strcat(missing, ", --leader-address");
	if (missing[0] != '\0')
		return errmsg_set(x->errmsg, GAIA_EINVAL,
				  "--cluster-join needs --node-id, --address and --leader-address "
				  "(missing %s)",
				  missing + 2);
	return GAIA_OK;
}

static int derive(struct config_ctx *x)
{
	struct gaia_config *c = x->c;
	char w[CONFIG_STR + 64], q[80];

	if (defaulted(x, CONFIG_S_NODE_ID) && !config_default_node_id(c))
		return errmsg_set(x->errmsg, GAIA_EINVAL,
				  "no node id: the hostname is not one (1 to 63 of A-Z a-z 0-9 . _ -); "
				  "set --node-id or GAIA_NODE_ID");
	if (defaulted(x, CONFIG_S_SOCKET)) {
		if (!config_default_socket(c) || strlen(c->socket_path) > SUN_PATH_MAX)
			return errmsg_set(x->errmsg, GAIA_EINVAL,
					  "the socket path <data_dir>/gaia.sock is too long for a "
					  "Unix socket (at most %zu bytes); set --socket or GAIA_SOCKET",
					  SUN_PATH_MAX);
	} else if (strlen(c->socket_path) > SUN_PATH_MAX) {
		config_quote(c->socket_path, q, sizeof q);
		return errmsg_set(x->errmsg, GAIA_EINVAL,
				  "%s: '%s' is too long for a Unix socket (at most %zu bytes)",
				  where(x, CONFIG_S_SOCKET, w, sizeof w), q, SUN_PATH_MAX);
	}
	if (defaulted(x, CONFIG_S_ADVERTISE)) {
		if (!config_default_advertise(c))
			return errmsg_set(x->errmsg, GAIA_EINVAL,
					  "no advertise address: the bind address has a wildcard host "
					  "and the hostname is not usable; set --advertise-addr");
	} else {
		char host[CONFIG_STR];
		uint16_t port;
		if (config_parse_addr(c->advertise_addr, host, sizeof host, &port) == GAIA_OK &&
		    (strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0)) {
			config_quote(c->advertise_addr, q, sizeof q);
			return errmsg_set(x->errmsg, GAIA_EINVAL,
					  "%s: '%s' is a wildcard address, which peers cannot dial",
					  where(x, CONFIG_S_ADVERTISE, w, sizeof w), q);
		}
	}
	return GAIA_OK;
}

static int check_pairs(struct config_ctx *x)
{
	struct gaia_config *c = x->c;
	char w1[CONFIG_STR + 64], w2[CONFIG_STR + 64], d1[32], d2[32];

	if (c->heartbeat_timeout_ms >= c->election_timeout_ms)
		return errmsg_set(x->errmsg, GAIA_EINVAL,
				  "the heartbeat timeout %s (%s) must be below the election "
				  "timeout %s (%s)",
				  duration(c->heartbeat_timeout_ms, d1, sizeof d1),
				  where(x, CONFIG_S_HEARTBEAT, w1, sizeof w1),
				  duration(c->election_timeout_ms, d2, sizeof d2),
				  where(x, CONFIG_S_ELECTION, w2, sizeof w2));
	if (c->max_value_bytes > c->max_body_bytes)
		return errmsg_set(x->errmsg, GAIA_EINVAL,
				  "the value size limit %" PRIu64 " bytes (%s) is above the body "
				  "size limit %" PRIu64 " bytes (%s)",
				  c->max_value_bytes, where(x, CONFIG_S_MAX_VALUE, w1, sizeof w1),
				  c->max_body_bytes, where(x, CONFIG_S_MAX_BODY, w2, sizeof w2));
	if (c->cluster_join)
		return GAIA_OK; /* the rest is for the daemon */
	if (c->bootstrap && c->bootstrap_expect > 0)
		return errmsg_set(x->errmsg, GAIA_EINVAL,
				  "%s and %s exclude each other: bootstrap starts a cluster alone, "
				  "bootstrap_expect waits for %" PRIu32 " nodes",
				  where(x, CONFIG_S_BOOTSTRAP, w1, sizeof w1),
				  where(x, CONFIG_S_BOOTSTRAP_EXPECT, w2, sizeof w2),
				  c->bootstrap_expect);
	if (c->discovery_type == CONFIG_DISCOVERY_DNS && c->discovery_domain[0] == '\0')
		return errmsg_set(x->errmsg, GAIA_EINVAL,
				  "%s: dns discovery needs a domain (--discovery-domain, "
				  "CLUSTER_DISCOVERY_DOMAIN, cluster.discovery.domain)",
				  where(x, CONFIG_S_DISC_TYPE, w1, sizeof w1));
	if (c->discovery_type == CONFIG_DISCOVERY_CONSUL && c->consul_addr[0] == '\0')
		return errmsg_set(x->errmsg, GAIA_EINVAL,
				  "%s: consul discovery needs the agent's address (--consul-addr, "
				  "CONSUL_ADDR, consul.addr)",
				  where(x, CONFIG_S_DISC_TYPE, w1, sizeof w1));
	return GAIA_OK;
}

int config_finish(struct config_ctx *x)
{
	int rc = check_join(x);
	if (rc == GAIA_OK)
		rc = derive(x);
	if (rc == GAIA_OK)
		rc = check_pairs(x);
	return rc;
}
