/* gaia-health: a Nagios plugin for a GAIA_GO cluster or one node: a status line and the plugin exit codes (client_health_check, client_health_wait). */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "cli/cli.h"
#include "client/client.h"
#include "client/client_cluster.h"

#define HEALTH_DEFAULT_WAIT_MS 60000
#define HEALTH_MAX_REQUEST_MS 5000 /* one request during --wait-healthy */

struct progress {
	bool tty, drawn;
	int last_level;
	char last[sizeof((struct client_health *)0)->summary];
};

static void on_check(const struct client_health *h, void *ud)
{
	struct progress *g = ud;

	if (g->tty) {
		fprintf(stderr, "\r\033[K%s: waiting (%.0f s): %s %s", cli_progname(),
			(double)h->elapsed_ms / 1000, client_health_label(h->level), h->summary);
		fflush(stderr);
		g->drawn = true;
	} else if (h->checks == 1 || h->level != g->last_level) {
		fprintf(stderr, "%s: waiting (%.0f s): %s %s\n", cli_progname(),
			(double)h->elapsed_ms / 1000, client_health_label(h->level), h->summary);
	}
	g->last_level = h->level;
}

int main(int argc, char **argv)
{
	const char *addr = NULL, *socket_path = NULL;
	uint64_t timeout = 0, interval = 0;
	bool json = false, node = false, wait = false;
	int first, rc;
	const struct cli_option options[] = {
		CLI_OPT_ADDR(&addr),
		CLI_OPT_SOCKET(&socket_path),
		{.name = "timeout", .key = 't', .type = CLI_DURATION, .dest = &timeout,
		 .help = "for the check (10s), or the whole --wait-healthy (60s)",
		 .min = 1},
		{.name = "json", .key = 'j', .type = CLI_FLAG, .dest = &json,
		 .help = "print the whole document as JSON instead of the line"},
		{.name = "node", .key = 'N', .type = CLI_FLAG, .dest = &node,
		 .help = "check the node asked, not the whole cluster"},
		{.name = "wait-healthy", .key = 'w', .type = CLI_FLAG, .dest = &wait,
		 .help = "check again until healthy or --timeout has passed"},
		{.name = "interval", .key = 'i', .type = CLI_DURATION, .dest = &interval,
		 .help = "--wait-healthy: time between checks (default 500ms)", .min = 10},
		{0},
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS]",
		.summary = "Check the health of a GAIA_GO cluster (as its leader sees it) or of one node,\n"
			   "as a Nagios plugin: one status line and the plugin's exit codes.",
		.options = options,
		.epilog = "Environment:\n"
			  "  GAIA_ADDR    default --addr\n"
			  "  GAIA_SOCKET  default --socket\n\n"
			  "Exit status (Nagios): 0 OK, healthy; 1 WARNING, degraded; 2 CRITICAL,\n"
			  "unhealthy (no leader or no quorum); 3 UNKNOWN, unreachable or a usage error.\n",
	};
	struct client_options co = {0};
	struct client_health h = {0};
	struct progress g = {0};
	struct client *c = NULL;
	char errmsg[GAIA_ERRMSG_SIZE];
	json_t *doc;

	cli_init(argv[0]);
	rc = cli_parse(&spec, argc, argv, &first);
	if (rc == CLI_EXIT_USAGE)
		return CLIENT_HEALTH_UNKNOWN; /* Nagios: a plugin's usage error is UNKNOWN */
	if (rc != CLI_PARSED)
		return rc;
	if (first < argc) {
		cli_usage_errorf("unexpected argument '%s'", argv[first]);
		return CLIENT_HEALTH_UNKNOWN;
	}
	if (addr && socket_path) {
		cli_usage_errorf("--addr and --socket do not go together");
		return CLIENT_HEALTH_UNKNOWN;
	}
	if (interval && !wait) {
		cli_usage_errorf("--interval goes with --wait-healthy only");
		return CLIENT_HEALTH_UNKNOWN;
	}

	co.addr = addr;
	co.socket_path = socket_path;
	co.max_attempts = 1; /* health is read as it is, 503 included */
	if (wait) {
		if (!timeout)
			timeout = HEALTH_DEFAULT_WAIT_MS;
		co.timeout_ms = timeout < HEALTH_MAX_REQUEST_MS ? timeout : HEALTH_MAX_REQUEST_MS;
	} else {
		co.timeout_ms = timeout;
	}
	if ((rc = client_new(&c, &co, errmsg)) != GAIA_OK) {
		cli_usage_errorf("%s", errmsg);
		return CLIENT_HEALTH_UNKNOWN;
	}
	if (wait) {
		g.tty = isatty(STDERR_FILENO);
		g.last_level = -1;
		rc = client_health_wait(c, node, timeout, interval, on_check, &g, &h);
		if (g.drawn)
			fputc('\n', stderr);
	} else {
		rc = client_health_check(c, node, &h);
	}
	if (json) {
		doc = client_health_json(&h, node, rc != GAIA_OK ? client_errmsg(c) : NULL);
		if (!doc || cli_json_print(doc, stdout) != GAIA_OK)
			cli_errorf("cannot print the result");
		json_decref(doc);
	} else {
		char waited[64] = "";

		if (wait && h.level != CLIENT_HEALTH_OK)
			snprintf(waited, sizeof waited, " (not healthy after %.0f s)",
				 (double)h.elapsed_ms / 1000);
		printf("GAIA %s - %s%s%s%s\n", client_health_label(h.level), h.summary, waited,
		       h.perfdata[0] ? " | " : "", h.perfdata);
	}
	if (rc != GAIA_OK && json)
		cli_errorf("%s", client_errmsg(c));
	rc = h.level;
	client_health_clear(&h);
	client_free(c);
	return rc;
}
