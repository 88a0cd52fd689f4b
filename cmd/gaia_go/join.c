/* gaia_go --cluster-join: ask the leader (any member forwards) to add a
 * node, the same request gaia-join sends (client_join in libgaia). */
#include <stdio.h>

#include "client/client.h"
#include "config/config.h"
#include "daemon.h"

int daemon_cluster_join(const struct gaia_config *cfg, char *errmsg)
{
	int rv = client_join(cfg->leader_address, cfg->node_id, cfg->join_address, cfg->http_addr,
			     cfg->rpc_timeout_ms + 5000, errmsg);
	if (rv == GAIA_OK)
		printf("node %s added as a learner via %s; it becomes a voter once caught up\n",
		       cfg->node_id, cfg->leader_address);
	return rv;
}
