/* gaia_go --cluster-join: ask the leader (any member forwards) to add a
 * node, with the same library call as gaia-join (client_join). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "client/client_cluster.h"
#include "config/config.h"
#include "daemon.h"
#include "util/errmsg.h"

/* The REST address to give the cluster: the node's own, unless it is a
 * wildcard, which the node replaces with its advertised host itself. */
static const char *join_api_address(const struct gaia_config *cfg)
{
	const char *a = cfg->http_addr;

	if (!a[0] || !strncmp(a, "0.0.0.0:", 8) || !strncmp(a, "[::]:", 5) || a[0] == ':')
		return NULL;
	return a;
}

int daemon_cluster_join(const struct gaia_config *cfg, char *errmsg)
{
	struct client_options o = {0};
	struct client_join_request j = {0};
	struct client *c = NULL;
	json_t *answer = NULL;
	bool created = false;
	int rv;

	o.addr = cfg->leader_address;
	o.timeout_ms = cfg->rpc_timeout_ms + 5000;
	if ((rv = client_new(&c, &o, errmsg)) != GAIA_OK)
		return rv;
	j.node_id = cfg->node_id;
	j.address = cfg->join_address;
	j.api_address = join_api_address(cfg);
	rv = client_join(c, &j, &created, &answer);
	if (rv != GAIA_OK) {
		errmsg_set(errmsg, rv, "cannot add %s via %s: %s", cfg->node_id, cfg->leader_address,
			   client_errmsg(c));
		goto out;
	}
	if (created)
		printf("node %s added as a learner via %s; it becomes a voter once caught up\n",
		       cfg->node_id, cfg->leader_address);
	else
		printf("node %s is already a member (via %s)\n", cfg->node_id, cfg->leader_address);
out:
	json_decref(answer);
	client_free(c);
	return rv;
}
