/* daemon.h - pieces of the gaia_go program that stay out of libgaia:
 * its log sink. */
#ifndef GAIA_DAEMON_H
#define GAIA_DAEMON_H

#include <stdbool.h>

#include "config/config.h"

struct daemon_log_opts {
	int level; /* enum config_log_level */
	bool json;
};

void daemon_log(void *ud, int level, const char *component, const char *msg,
		const char *kv);

/* --cluster-join: POST the node to the leader's REST API. */
int daemon_cluster_join(const struct gaia_config *cfg, char *errmsg);

#endif
