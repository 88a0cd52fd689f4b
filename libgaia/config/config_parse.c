/* Value parsers: durations, sizes, booleans and host:port addresses. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config_internal.h"

/* Leading decimal digits of s (at least one) into *n; *end after them.
 * GAIA_ETOOBIG above UINT64_MAX. */
static int digits(const char *s, uint64_t *n, const char **end)
{
	uint64_t v = 0;
	bool over = false;
	const char *p;

	for (p = s; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			over = true;
		else
			v = v * 10 + d;
	}
	*end = p;
	if (p == s)
		return GAIA_EINVAL;
	*n = v;
	return over ? GAIA_ETOOBIG : GAIA_OK;
}

/* n * mult, or GAIA_ETOOBIG. */
static int scale(uint64_t n, uint64_t mult, uint64_t *out)
{
	if (mult != 0 && n > UINT64_MAX / mult)
		return GAIA_ETOOBIG;
	*out = n * mult;
	return GAIA_OK;
}

int config_parse_duration_ms(const char *s, uint64_t *ms)
{
	static const struct { const char *unit; uint64_t mult; } units[] = {
		{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000},
	};
	const char *end;
	uint64_t n;
	int rc;

	if (s == NULL)
		return GAIA_EINVAL;
	rc = digits(s, &n, &end);
	if (rc == GAIA_EINVAL)
		return rc;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(end, units[i].unit) == 0)
			return rc != GAIA_OK ? rc : scale(n, units[i].mult, ms);
	return GAIA_EINVAL;
}

int config_parse_size(const char *s, uint64_t *bytes)
{
	static const struct { const char *unit; unsigned shift; } units[] = {
		{"", 0}, {"b", 0},
		{"k", 10}, {"kb", 10}, {"kib", 10},
		{"m", 20}, {"mb", 20}, {"mib", 20},
		{"g", 30}, {"gb", 30}, {"gib", 30},
		{"t", 40}, {"tb", 40}, {"tib", 40},
	};
	const char *end;
	uint64_t n;
	int rc;

	if (s == NULL)
		return GAIA_EINVAL;
	rc = digits(s, &n, &end);
	if (rc == GAIA_EINVAL)
		return rc;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcasecmp(end, units[i].unit) == 0)
			return rc != GAIA_OK ? rc : scale(n, UINT64_C(1) << units[i].shift, bytes);
	return GAIA_EINVAL;
}

int config_parse_bool(const char *s, bool *b)
{
	static const char *const yes[] = {"true", "yes", "1"}, *const no[] = {"false", "no", "0"};

	if (s == NULL)
		return GAIA_EINVAL;
	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*b = true;
			return GAIA_OK;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*b = false;
			return GAIA_OK;
		}
	}
	return GAIA_EINVAL;
}

bool config_host_ok(const char *s, size_t len)
{
	if (len == 0 || len > 253 || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

int config_addr_split(const char *s, char *host, size_t host_size, uint16_t *port,
		      const char **why)
{
	const char *h, *colon, *end;
	size_t hlen;
	uint64_t p;

	if (s == NULL || *s == '\0') {
		*why = "empty";
		return GAIA_EINVAL;
	}
	if (s[0] == '[') {
		char v6[INET6_ADDRSTRLEN];
		struct in6_addr a;
		const char *close = strchr(s, ']');
		h = s + 1;
		if (close == NULL || (size_t)(close - h) >= sizeof v6) {
			*why = "bad IPv6 address";
			return GAIA_EINVAL;
		}
		hlen = (size_t)(close - h);
		memcpy(v6, h, hlen);
		v6[hlen] = '\0';
		if (inet_pton(AF_INET6, v6, &a) != 1) {
			*why = "bad IPv6 address";
			return GAIA_EINVAL;
		}
		colon = close + 1;
		if (*colon != ':') {
			*why = "missing port";
			return GAIA_EINVAL;
		}
	} else {
		h = s;
		colon = strrchr(s, ':');
		if (colon == NULL) {
			*why = "missing port";
			return GAIA_EINVAL;
		}
		if (memchr(s, ':', (size_t)(colon - s)) != NULL) {
			*why = "an IPv6 address needs brackets, as in [::1]:8300";
			return GAIA_EINVAL;
		}
		hlen = (size_t)(colon - s);
		if (hlen == 0) {
			*why = "missing host";
			return GAIA_EINVAL;
		}
		if (!config_host_ok(h, hlen)) {
			*why = "bad host name";
			return GAIA_EINVAL;
		}
	}
	if (digits(colon + 1, &p, &end) != GAIA_OK || *end != '\0' || p < 1 || p > 65535) {
		*why = "the port must be a number from 1 to 65535";
		return GAIA_EINVAL;
	}
	if (host != NULL && hlen >= host_size) {
		*why = "host name too long";
		return GAIA_EINVAL;
	}
	if (host != NULL) {
		memcpy(host, h, hlen);
		host[hlen] = '\0';
	}
	if (port != NULL)
		*port = (uint16_t)p;
	return GAIA_OK;
}

int config_parse_addr(const char *s, char *host, size_t host_size, uint16_t *port)
{
	const char *why;
	return config_addr_split(s, host, host_size, port, &why);
}
