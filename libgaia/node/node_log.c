/* Log lines from the runtime go to the caller's log function. */
#include <stdio.h>
#include <sys/random.h>
#include <time.h>

#include "node/node_internal.h"

void node_log(struct node *n, int level, const char *component,
	      const char *kv, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	if (n->log_fn == NULL || level > n->cfg.log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	n->log_fn(n->log_ud, level, component, msg, kv ? kv : "");
}

int64_t node_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t node_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

raft_id node_id_from_name(const char *name)
{
	uint64_t h = 1469598103934665603ull;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return h ? h : 1;
}

/* A new incarnation's id: FNV-1a of name + "#" + a random nonce, so that
 * messages addressed to an earlier incarnation never reach it. */
int node_id_fresh(const char *name, raft_id *out, char *errmsg)
{
	char buf[NODE_NAME_MAX + 24];
	uint64_t nonce;
	for (int tries = 0; tries < 8; tries++) {
		if (getrandom(&nonce, sizeof nonce, 0) != sizeof nonce)
			return errmsg_set(errmsg, GAIA_EIO, "no randomness for a new node incarnation");
		snprintf(buf, sizeof buf, "%s#%016llx", name, (unsigned long long)nonce);
		*out = node_id_from_name(buf);
		if (*out != node_id_from_name(name))
			return GAIA_OK;
	}
	return errmsg_set(errmsg, GAIA_EIO, "cannot draw a new node incarnation");
}
