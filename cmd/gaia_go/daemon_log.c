/* The daemon's log: one line per event on stderr, RFC 3339 UTC time,
 * level, component, message, then key=value pairs; or one JSON object per
 * line with --log-format json. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "daemon.h"

static const char *const level_names[] = {"error", "warn", "info", "debug"};
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void daemon_log(void *ud, int level, const char *component, const char *msg,
		const char *kv)
{
	const struct daemon_log_opts *o = ud;
	struct timespec ts;
	struct tm tm;
	char when[40];

	if (level < 0 || level > 3 || (o != NULL && level > o->level))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	pthread_mutex_lock(&log_lock);
	if (o != NULL && o->json) {
		char buf[512];
		fprintf(stderr, "{\"time\":\"%s.%03ldZ\",\"level\":\"%s\",\"component\":",
			when, ts.tv_nsec / 1000000, level_names[level]);
		json_str(stderr, component);
		fputs(",\"msg\":", stderr);
		json_str(stderr, msg);
		/* key=value pairs become fields */
		snprintf(buf, sizeof buf, "%s", kv ? kv : "");
		for (char *save = NULL, *tok = strtok_r(buf, " ", &save); tok;
		     tok = strtok_r(NULL, " ", &save)) {
			char *eq = strchr(tok, '=');
			if (eq == NULL)
				continue;
			*eq = 0;
			fputc(',', stderr);
			json_str(stderr, tok);
			fputc(':', stderr);
			json_str(stderr, eq + 1);
		}
		fputs("}\n", stderr);
	} else {
		fprintf(stderr, "%s.%03ldZ %-5s %-4s %s%s%s\n", when, ts.tv_nsec / 1000000,
			level_names[level], component, msg, kv && *kv ? " " : "", kv ? kv : "");
	}
	fflush(stderr);
	pthread_mutex_unlock(&log_lock);
}
