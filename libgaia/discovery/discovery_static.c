/* Static discovery: the configured "host:port,host:port" list. */
#include <string.h>

#include "config/config.h"
#include "discovery/discovery_internal.h"

int discovery_parse_static(const char *nodes, struct discovery_list *l, char *errmsg)
{
	const char *p = nodes;

	memset(l, 0, sizeof *l);
	while (*p) {
		char entry[DISCOVERY_HOST_MAX + 8], host[DISCOVERY_HOST_MAX];
		size_t n;
		uint16_t port;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		n = strcspn(p, ",");
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == 0)
			break;
		if (n >= sizeof entry)
			return errmsg_set(errmsg, GAIA_EINVAL, "discovery node '%.40s...' is too long", p);
		memcpy(entry, p, n);
		entry[n] = '\0';
		if (config_parse_addr(entry, host, sizeof host, &port) != GAIA_OK)
			return errmsg_set(errmsg, GAIA_EINVAL,
					  "discovery node '%s' is not host:port", entry);
		discovery_list_add(l, host, "", port);
		p += strcspn(p, ",");
	}
	return GAIA_OK;
}
