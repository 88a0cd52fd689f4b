/* Defaults: the table's values and the derived ones (node id, socket,
 * advertise address). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config/config_internal.h"

void config_defaults(struct gaia_config *c)
{
	char why[192];

	memset(c, 0, sizeof *c);
	for (int i = 0; i < CONFIG_S_COUNT; i++)
		if (config_settings[i].def != NULL)
			(void)config_store(c, i, config_settings[i].def, why, sizeof why);
	(void)config_default_node_id(c);
	(void)config_default_socket(c);
	(void)config_default_advertise(c);
}

/* The host name, or "" when it cannot be had. */
static void hostname(char *buf, size_t size)
{
	if (gethostname(buf, size) != 0)
		buf[0] = '\0';
	buf[size - 1] = '\0';
}

bool config_default_node_id(struct gaia_config *c)
{
	char host[256];
	size_t len;

	hostname(host, sizeof host);
	len = strlen(host);
	c->node_id[0] = '\0';
	if (len == 0 || len >= sizeof c->node_id || !config_host_ok(host, len))
		return false;
	memcpy(c->node_id, host, len + 1);
	return true;
}

bool config_default_socket(struct gaia_config *c)
{
	size_t len = strlen(c->data_dir);
	int n;

	while (len > 0 && c->data_dir[len - 1] == '/')
		len--;
	n = snprintf(c->socket_path, sizeof c->socket_path, "%.*s/gaia.sock", (int)len,
		     c->data_dir);
	return n > 0 && (size_t)n < sizeof c->socket_path;
}

/* The bind address, with the hostname for a wildcard host. */
bool config_default_advertise(struct gaia_config *c)
{
	char host[256], hn[256];
	uint16_t port;
	int n;

	c->advertise_addr[0] = '\0';
	if (config_parse_addr(c->bind_addr, host, sizeof host, &port) != GAIA_OK)
		return false;
	if (strcmp(host, "0.0.0.0") != 0 && strcmp(host, "::") != 0) {
		memcpy(c->advertise_addr, c->bind_addr, strlen(c->bind_addr) + 1);
		return true;
	}
	hostname(hn, sizeof hn);
	if (!config_host_ok(hn, strlen(hn)))
		return false;
	n = snprintf(c->advertise_addr, sizeof c->advertise_addr, "%s:%u", hn, (unsigned)port);
	if (n < 0 || (size_t)n >= sizeof c->advertise_addr) {
		c->advertise_addr[0] = '\0';
		return false;
	}
	return true;
}
