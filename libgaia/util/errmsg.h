/* errmsg.h - filling an object's errmsg buffer with printf-style text. */
#ifndef GAIA_UTIL_ERRMSG_H
#define GAIA_UTIL_ERRMSG_H

#include <stdarg.h>
#include <stdio.h>

#include "gaia.h"

/* Format into errmsg (GAIA_ERRMSG_SIZE bytes) and return err, so that
 * call sites read: return errmsg_set(w->errmsg, GAIA_EIO, "...", ...); */
__attribute__((format(printf, 3, 4)))
static inline int errmsg_set(char *errmsg, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(errmsg, GAIA_ERRMSG_SIZE, fmt, ap);
	va_end(ap);
	return err;
}

#endif
