/* "host:port" strings to socket addresses and back. */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net_internal.h"
#include "util/errmsg.h"

int net_addr_split(const char *hostport, char *host, size_t host_len,
		   uint16_t *port, char *errmsg)
{
	const char *h, *colon, *end;
	size_t hl;
	char *pend;
	unsigned long pv;

	if (hostport == NULL || *hostport == '\0')
		return errmsg_set(errmsg, GAIA_EINVAL, "empty address");
	if (hostport[0] == '[') {
		h = hostport + 1;
		end = strchr(h, ']');
		if (end == NULL || end[1] != ':')
			return errmsg_set(errmsg, GAIA_EINVAL,
					  "address \"%s\": expected [ipv6]:port",
					  hostport);
		colon = end + 1;
	} else {
		h = hostport;
		colon = strrchr(hostport, ':');
		if (colon == NULL)
			return errmsg_set(errmsg, GAIA_EINVAL,
					  "address \"%s\": expected host:port",
					  hostport);
		if (memchr(hostport, ':', (size_t)(colon - hostport)) != NULL)
			return errmsg_set(errmsg, GAIA_EINVAL,
					  "address \"%s\": write an IPv6 address "
					  "as [addr]:port", hostport);
		end = colon;
	}
	hl = (size_t)(end - h);
	if (hl == 0)
		return errmsg_set(errmsg, GAIA_EINVAL, "address \"%s\": no host",
				  hostport);
	if (hl >= host_len)
		return errmsg_set(errmsg, GAIA_EINVAL,
				  "address \"%s\": host too long", hostport);
	if (colon[1] < '0' || colon[1] > '9')
		return errmsg_set(errmsg, GAIA_EINVAL, "address \"%s\": bad port",
				  hostport);
	pv = strtoul(colon + 1, &pend, 10);
	if (*pend != '\0' || pv > 65535 || pend - (colon + 1) > 5)
		return errmsg_set(errmsg, GAIA_EINVAL, "address \"%s\": bad port",
				  hostport);
	memcpy(host, h, hl);
	host[hl] = '\0';
	*port = (uint16_t)pv;
	return GAIA_OK;
}

bool net_addr_numeric(const char *host, uint16_t port,
		      struct sockaddr_storage *ss)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		return true;
	}
	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		return true;
	}
	return false;
}

int net_parse_addr(const char *hostport, struct sockaddr_storage *ss,
		   char *errmsg)
{
	char host[NET_ADDR_MAX];
	uint16_t port = 0;
	struct addrinfo hints, *res = NULL;
	int rc;

	rc = net_addr_split(hostport, host, sizeof host, &port, errmsg);
	if (rc != GAIA_OK)
		return rc;
	if (net_addr_numeric(host, port, ss))
		return GAIA_OK;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc != 0 || res == NULL)
		return errmsg_set(errmsg, GAIA_ENOTFOUND,
				  "address \"%s\": cannot resolve %s: %s",
				  hostport, host, gai_strerror(rc));
	if (res->ai_addrlen > sizeof *ss) {
		freeaddrinfo(res);
		return errmsg_set(errmsg, GAIA_EINVAL,
				  "address \"%s\": odd address family", hostport);
	}
	memset(ss, 0, sizeof *ss);
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	net_addr_set_port(ss, port);
	freeaddrinfo(res);
	return GAIA_OK;
}

void net_addr_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

int net_addr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return -1;
}

bool net_addr_is_any(const struct sockaddr_storage *ss)
{
	static const struct in6_addr any6 = IN6ADDR_ANY_INIT;
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr ==
		       htonl(INADDR_ANY);
	if (ss->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)ss)->sin6_addr,
			      &any6, sizeof any6) == 0;
	return true;
}

void net_addr_format(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr,
			  ip, sizeof ip);
		snprintf(buf, len, "%s:%d", ip, net_addr_port(ss));
	} else if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr,
			  ip, sizeof ip);
		snprintf(buf, len, "[%s]:%d", ip, net_addr_port(ss));
	} else {
		snprintf(buf, len, "?");
	}
}
