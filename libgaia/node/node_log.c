/* Log lines from the runtime go to the caller's log function. */
#include <stdio.h>
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
