/* Checking "host:port" strings (see hostport.h). */
#include <stdbool.h>
#include <string.h>

#include "util/hostport.h"

bool hostport_ok(const char *s)
{
	const char *colon, *p;
	unsigned long port = 0;

	if (!s)
		return false;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end || end == s + 1 || end[1] != ':')
			return false;
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || colon == s || memchr(s, ':', (size_t)(colon - s)))
			return false;
	}
	if (!colon[1] || strlen(colon + 1) > 5)
		return false;
	for (p = colon + 1; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		port = port * 10 + (unsigned long)(*p - '0');
	}
	for (p = s; p < colon; p++)
		if ((unsigned char)*p <= ' ' || *p == '/')
			return false;
	return port >= 1 && port <= 65535;
}
