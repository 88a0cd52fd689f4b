/* hostport.h - the one check of a "host:port" or "[v6]:port" string that the API and the tools share. */
#ifndef GAIA_UTIL_HOSTPORT_H
#define GAIA_UTIL_HOSTPORT_H

#include <stdbool.h>

/* A non-empty host without blanks or '/', a bracketed IPv6 host, or a
 * name; then ':' and a port in 1..65535 (decimal, at most 5 digits). NULL
 * is not. Nothing is resolved. */
bool hostport_ok(const char *s);

#endif
