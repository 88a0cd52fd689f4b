/* client_internal.h - what the client files share beyond client.h. */
#ifndef GAIA_CLIENT_INTERNAL_H
#define GAIA_CLIENT_INTERNAL_H

#include "client/client.h"

/* The client's errmsg buffer (GAIA_ERRMSG_SIZE), for errmsg_set(). */
char *client_errbuf(struct client *c);

#endif
