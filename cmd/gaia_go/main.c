/* gaia_go: the daemon. Options (flags > environment > YAML > defaults),
 * then the node and its REST API until SIGTERM or SIGINT. Exit codes:
 * 0 clean stop, 1 runtime failure, 2 usage or configuration error. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "config/config.h"
#include "daemon.h"
#include "gaia.h"
#include "node/node.h"

extern char **environ;

int main(int argc, char **argv)
{
	static struct gaia_config cfg;
	struct daemon_log_opts lo;
	struct node_options no;
	struct api_options ao;
	struct node *node = NULL;
	struct api *api = NULL;
	struct prom *prom = NULL;
	char errmsg[GAIA_ERRMSG_SIZE];
	sigset_t set;
	int sig, rv;

	if (config_load(&cfg, argc, argv, environ, errmsg) != GAIA_OK) {
		fprintf(stderr, "gaia_go: %s\n", errmsg);
		fprintf(stderr, "Try 'gaia_go --help' for more information.\n");
		return 2;
	}
	if (cfg.show_help) {
		fputs(config_usage(), stdout);
		return 0;
	}
	if (cfg.show_version) {
		printf("gaia_go %s\n", gaia_version());
		return 0;
	}
	if (cfg.cluster_join) {
		rv = daemon_cluster_join(&cfg, errmsg);
		if (rv != GAIA_OK) {
			fprintf(stderr, "gaia_go: %s\n", errmsg);
			return 1;
		}
		return 0;
	}

	/* every thread inherits this mask; the main thread waits for them */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	lo.level = cfg.log_level;
	lo.json = cfg.log_format == CONFIG_LOG_JSON;
	memset(&no, 0, sizeof no);
	no.config = &cfg;
	no.log = daemon_log;
	no.log_ud = &lo;
	if (node_start(&node, &no, errmsg) != GAIA_OK) {
		daemon_log(&lo, 0, "node", errmsg, "");
		return 1;
	}
	memset(&ao, 0, sizeof ao);
	ao.node = node;
	ao.node_id = cfg.node_id;
	ao.http_addr = cfg.http_addr;
	ao.socket_path = cfg.socket_path;
	ao.max_body_bytes = cfg.max_body_bytes;
	ao.request_timeout_ms = cfg.rpc_timeout_ms + 1000;
	ao.log = daemon_log;
	ao.log_ud = &lo;
	if (api_start(&api, &ao, errmsg) != GAIA_OK) {
		daemon_log(&lo, 0, "api", errmsg, "");
		node_request_stop(node);
		node_wait(node);
		node_free(node);
		return 1;
	}

	if (cfg.metrics_addr[0] && prom_start(&prom, node, api, cfg.metrics_addr, errmsg) != GAIA_OK) {
		daemon_log(&lo, 0, "api", errmsg, "");
		node_request_stop(node);
		api_stop(api);
		node_wait(node);
		node_free(node);
		return 1;
	}

	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP)
			continue; /* no reload: the configuration is read at start */
		break;
	}
	daemon_log(&lo, 2, "node", sig == SIGTERM ? "SIGTERM: stopping" : "SIGINT: stopping", "");
	/* the API stops taking requests before the node goes away */
	node_request_stop(node);
	prom_stop(prom);
	api_stop(api);
	node_wait(node);
	node_free(node);
	return 0;
}
