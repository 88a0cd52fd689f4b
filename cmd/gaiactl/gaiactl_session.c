/* gaiactl's session: the client of the node it talks to, switched by `connect`, and the shared ways to fail and to print JSON. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "gaiactl.h"

int gaiactl_connect(struct gaiactl *g, const char *addr, const char *sock, bool probe)
{
	struct client_options o = {.addr = addr, .socket_path = sock, .timeout_ms = g->timeout_ms};
	char errmsg[GAIA_ERRMSG_SIZE];
	struct client *c = NULL;
	json_t *health = NULL;
	int rc;

	if ((rc = client_new(&c, &o, errmsg)) != GAIA_OK) {
		cli_errorf("%s", errmsg);
		return rc;
	}
	if (probe) {
		rc = client_get_json(c, "/health", &health);
		if (rc != GAIA_OK) {
			cli_errorf("%s", client_errmsg(c));
			client_free(c);
			return rc;
		}
		if (!g->json)
			printf("connected to %s (%s)\n",
			       json_string_value(json_object_get(health, "node_id"))
				       ? json_string_value(json_object_get(health, "node_id"))
				       : "?",
			       client_target(c));
		else
			gaiactl_print_json(health);
		json_decref(health);
	}
	client_free(g->client);
	g->client = c;
	snprintf(g->target, sizeof g->target, "%s", client_target(c));
	return GAIA_OK;
}

struct client *gaiactl_client(struct gaiactl *g)
{
	if (!g->client)
		cli_errorf("not connected: use 'connect HOST:PORT'");
	return g->client;
}

int gaiactl_fail(struct gaiactl *g, int rc)
{
	const char *msg = g->client ? client_errmsg(g->client) : "";

	cli_errorf("%s", msg[0] ? msg : gaia_strerror(rc));
	return CLI_EXIT_FAIL;
}

int gaiactl_print_json(json_t *doc)
{
	if (!doc)
		doc = json_null();
	if (cli_json_print(doc, stdout) != GAIA_OK) {
		cli_errorf("cannot write the output");
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

static const char *value_text(const json_t *v, char *buf, size_t size)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v))
		snprintf(buf, size, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, size, "%.3g", json_real_value(v));
	else if (json_is_boolean(v))
		return json_is_true(v) ? "yes" : "no";
	else if (json_is_array(v))
		snprintf(buf, size, "%zu item%s", json_array_size(v), json_array_size(v) == 1 ? "" : "s");
	else
		return "-";
	return buf;
}

const char *gaiactl_text(const json_t *obj, const char *name, char *buf, size_t size)
{
	return value_text(json_object_get(obj, name), buf, size);
}

static size_t fields_width(const json_t *obj, size_t prefix)
{
	const char *k;
	json_t *v;
	size_t w = 0, n;

	json_object_foreach((json_t *)obj, k, v) {
		n = json_is_object(v) && json_object_size(v) ? fields_width(v, prefix + strlen(k) + 1)
							     : prefix + strlen(k);
		if (n > w)
			w = n;
	}
	return w;
}

static void fields_print(const json_t *obj, const char *prefix, int width)
{
	char name[256], buf[64];
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)obj, k, v) {
		snprintf(name, sizeof name, "%s%s%s", prefix, prefix[0] ? "." : "", k);
		if (json_is_object(v) && json_object_size(v))
			fields_print(v, name, width);
		else
			printf("%s:%*s %s\n", name, width - (int)strlen(name), "",
			       value_text(v, buf, sizeof buf));
	}
}

int gaiactl_print_fields(const json_t *obj)
{
	if (!json_is_object(obj))
		return gaiactl_print_json((json_t *)obj);
	fields_print(obj, "", (int)fields_width(obj, 0));
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_errorf("cannot write the output");
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}
