/* workload_main.c - workload: N clients issue reads, writes and CAS on a few keys against random nodes, recording the history. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "workload.h"

struct wl_opts {
	char **nodes;
	size_t n_nodes;
	int clients, keys;
	const char *prefix, *history;
	int64_t time_ms, timeout_ms, think_ms;
	uint64_t seed;
	int pct_read, pct_write; /* the rest: CAS */
	bool stale_reads, final;
	int64_t process_base;
};

struct wl_counts {
	_Atomic uint64_t n[3][3]; /* [status][kind] */
};

struct wl_client {
	const struct wl_opts *o;
	struct wl_history *hist;
	struct wl_counts *counts;
	int index;
	int64_t process;
	uint64_t rng;
	int64_t end_ns;
	int failed; /* --final: a key left unread */
};

static _Atomic int64_t wl_next_value = 1;

static uint64_t wl_rand(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static int wl_duration_ms(const char *s, int64_t *out)
{
	char *end;
	double v;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -1;
	if (strcmp(end, "ms") == 0)
		*out = (int64_t)v;
	else if (strcmp(end, "s") == 0 || *end == '\0')
		*out = (int64_t)(v * 1000);
	else if (strcmp(end, "m") == 0)
		*out = (int64_t)(v * 60000);
	else
		return -1;
	return 0;
}

static void wl_sleep_ms(int64_t ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* One operation: invoke, ask, complete; a client that saw "info" comes
 * back as a new process (its old operation may still be in flight). */
static void wl_do(struct wl_client *c, struct wl_http *http, const char *key, enum wl_kind kind,
		  const char *cas_from, const char *value, int64_t cas, struct wl_result *r)
{
	const char *node = c->o->nodes[wl_rand(&c->rng) % c->o->n_nodes];
	wl_history_invoke(c->hist, c->process, key, kind, cas_from, value, node);
	wl_http_op(http, node, key, kind, value, cas, r);
	wl_history_complete(c->hist, c->process, key, kind, cas_from, value, r, node);
	atomic_fetch_add(&c->counts->n[r->status][kind], 1);
	if (r->status == WL_INFO)
		c->process += c->o->clients;
}

static void wl_one(struct wl_client *c, struct wl_http *http)
{
	const struct wl_opts *o = c->o;
	char key[128], value[32];
	int roll = (int)(wl_rand(&c->rng) % 100);
	struct wl_result r, w;

	snprintf(key, sizeof key, "%s%d", o->prefix, (int)(wl_rand(&c->rng) % (uint64_t)o->keys));
	if (roll < o->pct_read) {
		wl_do(c, http, key, WL_READ, NULL, NULL, -1, &r);
		wl_result_free(&r);
		return;
	}
	snprintf(value, sizeof value, "%" PRId64, atomic_fetch_add(&wl_next_value, 1));
	if (roll < o->pct_read + o->pct_write) {
		wl_do(c, http, key, WL_WRITE, NULL, value, -1, &w);
		wl_result_free(&w);
		return;
	}
	/* CAS: read the value and its modify index, then swap on that index */
	wl_do(c, http, key, WL_READ, NULL, NULL, -1, &r);
	if (r.status == WL_OK && (!r.has_value || r.index > 0)) {
		wl_do(c, http, key, WL_CAS, r.has_value ? r.value : NULL, value,
		      r.has_value ? (int64_t)r.index : 0, &w);
		wl_result_free(&w);
	}
	wl_result_free(&r);
}

static void *wl_client_main(void *arg)
{
	struct wl_client *c = arg;
	struct wl_http http;

	if (wl_http_init(&http, (long)c->o->timeout_ms, c->o->stale_reads) != 0) {
		c->failed = 1;
		return NULL;
	}
	while (wl_now_ns() < c->end_ns) {
		wl_one(c, &http);
		if (c->o->think_ms)
			wl_sleep_ms((int64_t)(wl_rand(&c->rng) % (uint64_t)(2 * c->o->think_ms + 1)));
	}
	wl_http_free(&http);
	return NULL;
}

/* --final: a linearizable read of every key, retried until one is ok */
static int wl_final(struct wl_client *c)
{
	struct wl_http http;
	char key[128];
	int bad = 0;

	if (wl_http_init(&http, (long)c->o->timeout_ms, false) != 0)
		return 1;
	for (int k = 0; k < c->o->keys; k++) {
		struct wl_result r;
		int ok = 0;
		snprintf(key, sizeof key, "%s%d", c->o->prefix, k);
		while (!ok && wl_now_ns() < c->end_ns) {
			wl_do(c, &http, key, WL_READ, NULL, NULL, -1, &r);
			ok = r.status == WL_OK;
			if (ok)
				printf("final read %s = %s\n", key, r.has_value ? r.value : "(absent)");
			wl_result_free(&r);
			if (!ok)
				wl_sleep_ms(200);
		}
		if (!ok) {
			fprintf(stderr, "workload: no final read of %s succeeded\n", key);
			bad = 1;
		}
	}
	wl_http_free(&http);
	return bad;
}

static void wl_usage(FILE *f)
{
	fprintf(f,
		"usage: workload --nodes HOST:PORT[,...] --history FILE [options]\n"
		"  --clients N        concurrent clients (10)\n"
		"  --keys N           keys PREFIX0..PREFIX(N-1) (5)\n"
		"  --prefix S         key prefix (lc-)\n"
		"  --time DUR         how long to run (60s); with --final, how long to retry\n"
		"  --timeout DUR      per operation (1s); after it the outcome is unknown\n"
		"  --think DUR        mean pause between a client's operations (5ms)\n"
		"  --mix R,W          percent reads, writes; the rest CAS (50,30)\n"
		"  --seed N           random seed (1)\n"
		"  --stale-reads      read with ?consistency=stale (no ReadIndex): must be\n"
		"                     flagged non-linearizable under partitions\n"
		"  --final            read every key once (linearizable), retrying until ok\n"
		"  --process-base N   first process id (0)\n"
		"workload --clock prints the history's clock (CLOCK_MONOTONIC ns).\n"
		"Durations: 1500ms, 2s, 1m. Appends JSONL events to FILE (tests/fault/README.md).\n");
}

static int wl_parse(int argc, char **argv, struct wl_opts *o)
{
	char *nodes = NULL;

	*o = (struct wl_opts){.clients = 10, .keys = 5, .prefix = "lc-", .time_ms = 60000,
			      .timeout_ms = 1000, .think_ms = 5, .seed = 1, .pct_read = 50,
			      .pct_write = 30};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int used = 1;
		if (!strcmp(a, "--stale-reads"))
			o->stale_reads = true, used = 0;
		else if (!strcmp(a, "--final"))
			o->final = true, used = 0;
		else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			wl_usage(stdout);
			exit(0);
		} else if (!v)
			goto bad;
		else if (!strcmp(a, "--nodes"))
			nodes = argv[i + 1];
		else if (!strcmp(a, "--history"))
			o->history = v;
		else if (!strcmp(a, "--prefix"))
			o->prefix = v;
		else if (!strcmp(a, "--clients"))
			o->clients = atoi(v);
		else if (!strcmp(a, "--keys"))
			o->keys = atoi(v);
		else if (!strcmp(a, "--seed"))
			o->seed = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--process-base"))
			o->process_base = strtoll(v, NULL, 10);
		else if (!strcmp(a, "--time")) {
			if (wl_duration_ms(v, &o->time_ms) != 0)
				goto bad;
		} else if (!strcmp(a, "--timeout")) {
			if (wl_duration_ms(v, &o->timeout_ms) != 0 || o->timeout_ms <= 0)
				goto bad;
		} else if (!strcmp(a, "--think")) {
			if (wl_duration_ms(v, &o->think_ms) != 0)
				goto bad;
		} else if (!strcmp(a, "--mix")) {
			if (sscanf(v, "%d,%d", &o->pct_read, &o->pct_write) != 2 || o->pct_read < 0 ||
			    o->pct_write < 0 || o->pct_read + o->pct_write > 100)
				goto bad;
		} else
			goto bad;
		i += used;
	}
	if (!nodes || !o->history || o->clients < 1 || o->keys < 1)
		goto bad;
	for (char *save = NULL, *t = strtok_r(nodes, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char **n = realloc(o->nodes, (o->n_nodes + 1) * sizeof *n);
		if (!n)
			return -1;
		o->nodes = n;
		o->nodes[o->n_nodes++] = t;
	}
	return o->n_nodes ? 0 : -1;
bad:
	wl_usage(stderr);
	return -1;
}

int main(int argc, char **argv)
{
	static const char *const kinds[] = {"read", "write", "cas"};
	struct wl_opts o;
	struct wl_counts counts;
	struct wl_client *c = NULL;
	struct wl_history *hist;
	pthread_t *th = NULL;
	int rc = 2;
	uint64_t tot[3] = {0, 0, 0};

	if (argc == 2 && strcmp(argv[1], "--clock") == 0) {
		printf("%" PRId64 "\n", wl_now_ns()); /* the history's clock, for the nemesis log */
		return 0;
	}
	if (wl_parse(argc, argv, &o) != 0)
		return 2;
	memset(&counts, 0, sizeof counts);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		goto cleanup;
	hist = wl_history_open(o.history);
	if (!hist) {
		fprintf(stderr, "workload: %s: %s\n", o.history, strerror(errno));
		goto cleanup;
	}
	c = calloc((size_t)o.clients, sizeof *c);
	th = calloc((size_t)o.clients, sizeof *th);
	if (!c || !th)
		goto close;
	for (int i = 0; i < o.clients; i++) {
		c[i] = (struct wl_client){&o, hist, &counts, i, o.process_base + i,
					  o.seed * 0x9E3779B97F4A7C15ULL + (uint64_t)i * 7919 + 1,
					  wl_now_ns() + o.time_ms * 1000000, 0};
		if (c[i].rng == 0)
			c[i].rng = 1;
	}
	if (o.final) {
		rc = wl_final(&c[0]);
		goto close;
	}
	for (int i = 0; i < o.clients; i++)
		if (pthread_create(&th[i], NULL, wl_client_main, &c[i]) != 0) {
			fprintf(stderr, "workload: cannot start client %d\n", i);
			o.clients = i;
			break;
		}
	rc = 0;
	for (int i = 0; i < o.clients; i++) {
		pthread_join(th[i], NULL);
		rc |= c[i].failed;
	}
	for (int s = 0; s < 3; s++)
		for (int k = 0; k < 3; k++)
			tot[s] += counts.n[s][k];
	printf("workload: %" PRIu64 " operations: ok %" PRIu64 ", fail %" PRIu64 ", info %" PRIu64
	       "\n",
	       tot[0] + tot[1] + tot[2], tot[0], tot[1], tot[2]);
	for (int k = 0; k < 3; k++)
		printf("  %-5s ok %" PRIu64 ", fail %" PRIu64 ", info %" PRIu64 "\n", kinds[k],
		       (uint64_t)counts.n[0][k], (uint64_t)counts.n[1][k], (uint64_t)counts.n[2][k]);
close:
	if (wl_history_close(hist) != 0) {
		fprintf(stderr, "workload: writing %s failed\n", o.history);
		rc = 2;
	}
cleanup:
	free(c);
	free(th);
	free(o.nodes);
	curl_global_cleanup();
	return rc;
}
