/* gaia_go: the daemon. Options (flags > environment > YAML > defaults),
 * then the node and its REST API until SIGTERM or SIGINT. Exit codes:
 * 0 clean stop, 1 runtime failure, 2 usage or configuration error. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "config/config.h"
#include "daemon.h"
#include "gaia.h"
#include "node/node.h"

extern char **environ;

/* What runs: the node, its REST API and the Prometheus endpoint. */
struct daemon {
	struct gaia_config *cfg;
	struct daemon_log_opts lo;
	struct node *node;
	struct api *api;
	struct prom *prom;
	bool fresh_identity; /* after a reset: a new incarnation of the node */
};

/* The node asks from its loop thread; the main thread does it. */
static volatile sig_atomic_t reset_asked;

static void on_reset(void *ud)
{
	(void)ud;
	reset_asked = 1;
	kill(getpid(), SIGUSR1);
}

/* The node stopped on a fatal error: the main thread exits 1. */
static volatile sig_atomic_t fatal_seen;

static void on_fatal(void *ud)
{
	(void)ud;
	fatal_seen = 1;
	kill(getpid(), SIGUSR2);
}

static int daemon_start(struct daemon *d, char *errmsg)
{
	struct node_options no;
	struct api_options ao;

	memset(&no, 0, sizeof no);
	no.config = d->cfg;
	no.log = daemon_log;
	no.log_ud = &d->lo;
	no.on_reset = on_reset;
	no.on_fatal = on_fatal;
	no.fresh_identity = d->fresh_identity;
	if (node_start(&d->node, &no, errmsg) != GAIA_OK) {
		daemon_log(&d->lo, 0, "node", errmsg, "");
		return 1;
	}
	memset(&ao, 0, sizeof ao);
	ao.node = d->node;
	ao.node_id = d->cfg->node_id;
	ao.http_addr = d->cfg->http_addr;
	ao.socket_path = d->cfg->socket_path;
	ao.max_body_bytes = d->cfg->max_body_bytes;
	ao.request_timeout_ms = d->cfg->rpc_timeout_ms + 1000;
	ao.log = daemon_log;
	ao.log_ud = &d->lo;
	if (api_start(&d->api, &ao, errmsg) != GAIA_OK) {
		daemon_log(&d->lo, 0, "api", errmsg, "");
		goto fail;
	}
	if (d->cfg->metrics_addr[0] &&
	    prom_start(&d->prom, d->node, d->api, d->cfg->metrics_addr, errmsg) != GAIA_OK) {
		daemon_log(&d->lo, 0, "api", errmsg, "");
		goto fail;
	}
	return 0;
fail:
	node_request_stop(d->node);
	api_stop(d->api);
	node_wait(d->node);
	node_free(d->node);
	d->node = NULL;
	d->api = NULL;
	return 1;
}

/* The API stops taking requests before the node goes away. If the node
 * accepted a reset, target gets the address to ask for the re-add. */
static bool daemon_stop(struct daemon *d, char *target, size_t len)
{
	bool reset;
	node_request_stop(d->node);
	prom_stop(d->prom);
	api_stop(d->api);
	node_wait(d->node);
	reset = node_reset_target(d->node, target, len);
	node_free(d->node);
	d->node = NULL;
	d->api = NULL;
	d->prom = NULL;
	return reset;
}

/* POST /api/cluster/rejoin {"reset": true} on a removed node: wipe its
 * Raft data, start empty (never bootstrapping: that would make a second
 * cluster) and ask target to add it back, retrying while the cluster
 * answers that it cannot yet. */
static int daemon_reset(struct daemon *d, const char *target, const sigset_t *set, int *stop_sig,
			char *errmsg)
{
	static struct gaia_config jc;
	char line[GAIA_ERRMSG_SIZE + 64];
	int rv, sig;

	if (node_wipe_data(d->cfg->data_dir, errmsg) != GAIA_OK) {
		daemon_log(&d->lo, 0, "node", errmsg, "");
		return 1;
	}
	daemon_log(&d->lo, 1, "node", "reset: Raft data and snapshots wiped; starting empty", "");
	d->cfg->bootstrap = false;
	d->fresh_identity = true; /* removed: it comes back under a new Raft id */
	if (daemon_start(d, errmsg) != 0)
		return 1;
	jc = *d->cfg;
	snprintf(jc.leader_address, sizeof jc.leader_address, "%s", target);
	snprintf(jc.join_address, sizeof jc.join_address, "%s",
		 d->cfg->advertise_addr[0] ? d->cfg->advertise_addr : d->cfg->bind_addr);
	for (int attempt = 1; attempt <= 30; attempt++) {
		rv = daemon_cluster_join(&jc, errmsg);
		if (rv == GAIA_OK) {
			snprintf(line, sizeof line, "reset: asked %s to add this node back as a learner",
				 target);
			daemon_log(&d->lo, 2, "node", line, "");
			return 0;
		}
		snprintf(line, sizeof line, "reset: re-add not accepted yet (attempt %d): %s", attempt,
			 errmsg);
		daemon_log(&d->lo, 1, "node", line, "");
		/* a SIGTERM or SIGINT meanwhile is not kept waiting */
		sig = sigtimedwait(set, NULL, &(struct timespec){.tv_sec = 1});
		if (sig == SIGTERM || sig == SIGINT) {
			*stop_sig = sig;
			return 0;
		}
	}
	daemon_log(&d->lo, 0, "node",
		   "reset: the cluster did not add this node back; add it with gaia-join", "");
	return 0; /* the node runs, empty, waiting to be added */
}

int main(int argc, char **argv)
{
	static struct gaia_config cfg;
	struct daemon d;
	char errmsg[GAIA_ERRMSG_SIZE], target[CONFIG_STR];
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
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	memset(&d, 0, sizeof d);
	d.cfg = &cfg;
	d.lo.level = cfg.log_level;
	d.lo.json = cfg.log_format == CONFIG_LOG_JSON;
	if (daemon_start(&d, errmsg) != 0)
		return 1;
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP)
			continue; /* no reload: the configuration is read at start */
		if (sig == SIGUSR2) {
			if (!fatal_seen)
				continue;
			daemon_log(&d.lo, 0, "node", "stopped on a fatal error (above); exiting 1", "");
			daemon_stop(&d, target, sizeof target);
			return 1;
		}
		if (sig == SIGUSR1) {
			/* the node's reset raises it; a stray one is ignored */
			if (!reset_asked)
				continue;
			reset_asked = 0;
			if (!daemon_stop(&d, target, sizeof target)) {
				if (daemon_start(&d, errmsg) != 0)
					return 1;
				continue;
			}
			sig = 0;
			if (daemon_reset(&d, target, &set, &sig, errmsg) != 0)
				return 1;
			if (sig == SIGTERM || sig == SIGINT)
				break;
			continue;
		}
		break;
	}
	daemon_log(&d.lo, 2, "node", sig == SIGTERM ? "SIGTERM: stopping" : "SIGINT: stopping", "");
	daemon_stop(&d, target, sizeof target);
	return 0;
}
