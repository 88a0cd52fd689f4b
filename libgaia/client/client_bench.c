/* gaia-bench's load: one thread per simulated client, each with its own
 * kept-alive client; per-thread counters and latency samples, merged
 * and sorted at the end (exact percentiles). Requests are never retried
 * here: a 503 is counted as what the cluster answered. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/client.h"
#include "util/errmsg.h"

#define BENCH_DEFAULT_REQUESTS 10000
#define BENCH_MAX_CLIENTS 4096
#define BENCH_MAX_VALUE (64u * 1024 * 1024)
#define BENCH_LEADER_WAIT_MS 5000
#define BENCH_STATUS_SLOTS 600          /* 0: no answer; 100..599: HTTP */
#define BENCH_ERROR_PAUSE_MS 10

struct bench_samples {
	uint32_t *v;                    /* latency, microseconds */
	size_t n, cap;
};

struct bench_shared {
	const struct client_bench_options *o;
	pthread_mutex_t mu;             /* the start gate: */
	pthread_cond_t cv;
	unsigned ready;                 /* threads done with the prefill */
	bool go, abort;
	atomic_uint_fast64_t next;      /* requests claimed */
	uint64_t requests;              /* 0: no bound */
	atomic_bool prefill_failed;
	const char *prefix;
	uint64_t keys;
};

struct bench_worker {
	pthread_t thread;
	struct bench_shared *sh;
	unsigned idx;
	struct client_options copt;
	struct client *c;
	uint64_t rng;
	char *value;
	char key[320];
	struct client_response r;
	struct bench_samples lat[CLIENT_BENCH_KINDS];
	uint64_t requests[CLIENT_BENCH_KINDS], ok[CLIENT_BENCH_KINDS];
	uint64_t conflicts[CLIENT_BENCH_KINDS], errors[CLIENT_BENCH_KINDS];
	uint64_t status[BENCH_STATUS_SLOTS];
	bool oom;
	char first_error[GAIA_ERRMSG_SIZE];
};

const char *client_bench_op_name(enum client_bench_op op)
{
	static const char *const names[] = {"put", "get", "cas", "mixed"};

	return (unsigned)op < sizeof names / sizeof names[0] ? names[op] : "?";
}

static uint64_t bench_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void bench_sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* xorshift64*: each thread its own stream, no locks */
static uint64_t bench_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * UINT64_C(2685821657736338717);
}

static void bench_push(struct bench_worker *w, int kind, uint64_t us)
{
	struct bench_samples *s = &w->lat[kind];

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		uint32_t *p = realloc(s->v, cap * sizeof *p);

		if (!p) {
			w->oom = true;
			return;
		}
		s->v = p;
		s->cap = cap;
	}
	s->v[s->n++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

static void bench_key(struct bench_worker *w, uint64_t k)
{
	snprintf(w->key, sizeof w->key, "%s%llu", w->sh->prefix, (unsigned long long)k);
}

/* Count one request: rc/status of its last exchange. */
static void bench_record(struct bench_worker *w, int kind, int rc, uint64_t us)
{
	long st = rc == GAIA_OK ? w->r.status : 0;

	w->requests[kind]++;
	w->status[st >= 100 && st < BENCH_STATUS_SLOTS ? st : 0]++;
	if (st >= 200 && st < 300) {
		w->ok[kind]++;
		bench_push(w, kind, us);
		return;
	}
	if (st == 409 && kind == CLIENT_BENCH_CAS) {
		w->conflicts[kind]++;
		bench_push(w, kind, us);
		return;
	}
	w->errors[kind]++;
	if (w->first_error[0] == '\0') {
		if (rc == GAIA_OK)
			client_check(w->c, &w->r);
		snprintf(w->first_error, sizeof w->first_error, "%s", client_errmsg(w->c));
	}
	if (rc != GAIA_OK) /* unreachable: do not spin */
		bench_sleep_ms(BENCH_ERROR_PAUSE_MS);
}

static int bench_one(struct bench_worker *w, int kind)
{
	const struct client_bench_options *o = w->sh->o;
	int64_t cas;
	int rc;

	switch (kind) {
	case CLIENT_BENCH_PUT:
		return client_kv_put(w->c, w->key, w->value, o->value_size, CLIENT_NO_CAS,
				     CLIENT_NO_RETRY, &w->r);
	case CLIENT_BENCH_GET:
		return client_kv_get(w->c, w->key, o->stale, CLIENT_NO_RETRY, &w->r);
	default:
		rc = client_kv_get(w->c, w->key, o->stale, CLIENT_NO_RETRY, &w->r);
		if (rc != GAIA_OK)
			return rc;
		if (w->r.status == 200 && w->r.has_modify_index)
			cas = (int64_t)w->r.modify_index;
		else if (w->r.status == 404)
			cas = 0;
		else
			return GAIA_OK; /* the GET's answer is the outcome */
		return client_kv_put(w->c, w->key, w->value, o->value_size, cas, CLIENT_NO_RETRY,
				     &w->r);
	}
}

static void bench_prefill(struct bench_worker *w, unsigned clients)
{
	const struct client_bench_options *o = w->sh->o;
	int rc;

	for (uint64_t k = w->idx; k < w->sh->keys; k += clients) {
		if (atomic_load(&w->sh->prefill_failed))
			return;
		bench_key(w, k);
		rc = client_kv_put(w->c, w->key, w->value, o->value_size, CLIENT_NO_CAS, 0, &w->r);
		if (rc == GAIA_OK)
			rc = client_check(w->c, &w->r);
		if (rc != GAIA_OK) {
			snprintf(w->first_error, sizeof w->first_error, "prefill of '%.60s': %.180s", w->key,
				 client_errmsg(w->c));
			atomic_store(&w->sh->prefill_failed, true);
			return;
		}
	}
}

static void *bench_thread(void *arg)
{
	struct bench_worker *w = arg;
	struct bench_shared *sh = w->sh;
	const struct client_bench_options *o = sh->o;
	uint64_t deadline = 0, t0;
	int kind, rc;

	if (o->prefill)
		bench_prefill(w, o->clients);
	pthread_mutex_lock(&sh->mu);
	sh->ready++;
	pthread_cond_broadcast(&sh->cv);
	while (!sh->go && !sh->abort)
		pthread_cond_wait(&sh->cv, &sh->mu);
	pthread_mutex_unlock(&sh->mu);
	if (sh->abort || atomic_load(&sh->prefill_failed))
		return NULL;
	if (o->duration_ms)
		deadline = bench_now_us() + o->duration_ms * 1000;
	while (!w->oom) {
		if (sh->requests && atomic_fetch_add(&sh->next, 1) >= sh->requests)
			break;
		t0 = bench_now_us();
		if (deadline && t0 >= deadline)
			break;
		switch (o->op) {
		case CLIENT_BENCH_MIXED:
			kind = (double)(bench_rand(&w->rng) >> 11) * 0x1.0p-53 < o->read_ratio
				       ? CLIENT_BENCH_GET : CLIENT_BENCH_PUT;
			break;
		default:
			kind = (int)o->op;
			break;
		}
		bench_key(w, bench_rand(&w->rng) % sh->keys);
		rc = bench_one(w, kind);
		bench_record(w, kind, rc, bench_now_us() - t0);
	}
	client_response_free(&w->r);
	return NULL;
}

/* --- the leader -------------------------------------------------------------- */

/* Ask each target in turn for the cluster status until one names a
 * leader with an API address. */
static int bench_find_leader(const struct client_bench_options *o, struct client_options *out,
			     char *addr_buf, size_t addr_size, char *leader, size_t leader_size,
			     char *errmsg)
{
	uint64_t wait_ms = o->timeout_ms ? o->timeout_ms : BENCH_LEADER_WAIT_MS;
	uint64_t until = bench_now_us() + wait_ms * 1000;
	size_t n = o->n_addrs ? o->n_addrs : 1;
	char last[GAIA_ERRMSG_SIZE] = "no answer";
	int rc;

	for (;;) {
		for (size_t i = 0; i < n; i++) {
			struct client_options co = {
				.addr = o->n_addrs ? o->addrs[i] : NULL,
				.socket_path = o->n_addrs ? NULL : o->socket_path,
				.timeout_ms = o->timeout_ms,
				.max_attempts = 1,
			};
			struct client *c;
			json_t *st;
			const char *lid, *laddr, *self;

			if ((rc = client_new(&c, &co, errmsg)) != GAIA_OK)
				return rc;
			rc = client_get_json(c, "/api/cluster/status", &st);
			if (rc != GAIA_OK) {
				snprintf(last, sizeof last, "%s", client_errmsg(c));
				client_free(c);
				continue;
			}
			lid = json_string_value(json_object_get(st, "leader_id"));
			laddr = json_string_value(json_object_get(st, "leader_address"));
			self = json_string_value(json_object_get(st, "node_id"));
			if (lid && self && strcmp(lid, self) == 0) {
				/* it leads: keep the way we reached it */
				*out = co;
				snprintf(addr_buf, addr_size, "%s", client_target(c));
				if (o->n_addrs)
					out->addr = addr_buf;
				else
					out->socket_path = addr_buf;
			} else if (lid && laddr && laddr[0]) {
				snprintf(addr_buf, addr_size, "%s", laddr);
				*out = (struct client_options){.addr = addr_buf};
			} else {
				snprintf(last, sizeof last, "%s knows no leader", client_target(c));
				lid = NULL;
			}
			if (lid)
				snprintf(leader, leader_size, "%s", lid);
			json_decref(st);
			client_free(c);
			if (lid)
				return GAIA_OK;
		}
		if (bench_now_us() >= until)
			return errmsg_set(errmsg, GAIA_EUNAVAIL, "no leader found within %llu ms (%s)",
					  (unsigned long long)wait_ms, last);
		bench_sleep_ms(100);
	}
}

/* --- results -------------------------------------------------------------- */

static int bench_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

uint32_t client_bench_percentile(const uint32_t *sorted, size_t n, double p)
{
	double x = p / 100.0 * (double)n;
	size_t rank;

	if (n == 0)
		return 0;
	rank = x <= 0 ? 1 : (size_t)x; /* ceil without libm */
	if ((double)rank < x)
		rank++;
	return sorted[rank - 1 < n ? rank - 1 : n - 1];
}

static void bench_stats(struct client_bench_stats *s, uint32_t *v, size_t n, double elapsed)
{
	double sum = 0;

	qsort(v, n, sizeof *v, bench_cmp_u32);
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	s->ops_per_s = elapsed > 0 ? (double)(s->ok + s->conflicts) / elapsed : 0;
	if (n == 0)
		return;
	s->mean_ms = sum / (double)n / 1000.0;
	s->p50_ms = client_bench_percentile(v, n, 50) / 1000.0;
	s->p90_ms = client_bench_percentile(v, n, 90) / 1000.0;
	s->p99_ms = client_bench_percentile(v, n, 99) / 1000.0;
	s->max_ms = v[n - 1] / 1000.0;
}

static int bench_merge(struct bench_worker *ws, unsigned nw, struct client_bench_result *r,
		       char *errmsg)
{
	size_t total = 0, at_all = 0;
	uint32_t *all, *kind;
	uint64_t status[BENCH_STATUS_SLOTS] = {0};
	int rc = GAIA_OK;

	for (unsigned i = 0; i < nw; i++)
		for (int k = 0; k < CLIENT_BENCH_KINDS; k++)
			total += ws[i].lat[k].n;
	all = malloc((total ? total : 1) * sizeof *all);
	kind = malloc((total ? total : 1) * sizeof *kind);
	if (!all || !kind) {
		rc = errmsg_set(errmsg, GAIA_ENOMEM, "out of memory for %zu samples", total);
		goto cleanup;
	}
	for (int k = 0; k < CLIENT_BENCH_KINDS; k++) {
		struct client_bench_stats *s = &r->kind[k];
		size_t at = 0;

		for (unsigned i = 0; i < nw; i++) {
			struct bench_worker *w = &ws[i];

			s->requests += w->requests[k];
			s->ok += w->ok[k];
			s->conflicts += w->conflicts[k];
			s->errors += w->errors[k];
			if (w->lat[k].n) {
				memcpy(kind + at, w->lat[k].v, w->lat[k].n * sizeof *kind);
				memcpy(all + at_all, w->lat[k].v, w->lat[k].n * sizeof *all);
				at += w->lat[k].n;
				at_all += w->lat[k].n;
			}
		}
		bench_stats(s, kind, at, r->elapsed_s);
		r->all.requests += s->requests;
		r->all.ok += s->ok;
		r->all.conflicts += s->conflicts;
		r->all.errors += s->errors;
	}
	bench_stats(&r->all, all, at_all, r->elapsed_s);
	for (unsigned i = 0; i < nw; i++) {
		for (int s = 0; s < BENCH_STATUS_SLOTS; s++)
			status[s] += ws[i].status[s];
		if (r->first_error[0] == '\0' && ws[i].first_error[0])
			snprintf(r->first_error, sizeof r->first_error, "%s", ws[i].first_error);
	}
	for (int s = 0; s < BENCH_STATUS_SLOTS; s++)
		if (status[s] && r->n_statuses < sizeof r->statuses / sizeof r->statuses[0])
			r->statuses[r->n_statuses++] = (struct client_bench_status){s, status[s]};
cleanup:
	free(all);
	free(kind);
	return rc;
}

/* --- the run --------------------------------------------------------------- */

static int bench_check(const struct client_bench_options *o, char *errmsg)
{
	if (o->clients > BENCH_MAX_CLIENTS)
		return errmsg_set(errmsg, GAIA_EINVAL, "at most %d clients", BENCH_MAX_CLIENTS);
	if (o->n_addrs > CLIENT_BENCH_MAX_TARGETS)
		return errmsg_set(errmsg, GAIA_EINVAL, "at most %d addresses", CLIENT_BENCH_MAX_TARGETS);
	if (o->n_addrs && !o->addrs)
		return errmsg_set(errmsg, GAIA_EINVAL, "no addresses");
	if (!(o->read_ratio >= 0 && o->read_ratio <= 1))
		return errmsg_set(errmsg, GAIA_EINVAL, "the read ratio must be within 0..1");
	if (o->value_size > BENCH_MAX_VALUE)
		return errmsg_set(errmsg, GAIA_EINVAL, "values of at most %u MiB", BENCH_MAX_VALUE >> 20);
	if ((unsigned)o->op > CLIENT_BENCH_MIXED)
		return errmsg_set(errmsg, GAIA_EINVAL, "unknown operation %d", (int)o->op);
	if (o->key_prefix && strlen(o->key_prefix) > 256)
		return errmsg_set(errmsg, GAIA_EINVAL, "the key prefix is longer than 256 bytes");
	return GAIA_OK;
}

int client_bench_run(const struct client_bench_options *opts, struct client_bench_result *r,
		     char *errmsg)
{
	struct client_bench_options o = *opts;
	struct bench_shared sh = {0};
	struct bench_worker *ws = NULL;
	struct client_options leader_opt;
	char leader_addr[256];
	unsigned started = 0;
	uint64_t t0, seed;
	int rc;

	memset(r, 0, sizeof *r);
	if ((rc = bench_check(&o, errmsg)) != GAIA_OK)
		return rc;
	if (!o.clients)
		o.clients = 1;
	if (!o.keys)
		o.keys = CLIENT_BENCH_DEFAULT_KEYS;
	if (!o.requests && !o.duration_ms)
		o.requests = BENCH_DEFAULT_REQUESTS;
	if (o.op == CLIENT_BENCH_PUT)
		o.prefill = false;
	sh.o = &o;
	sh.requests = o.requests;
	sh.keys = o.keys;
	sh.prefix = o.key_prefix ? o.key_prefix : "bench-";
	pthread_mutex_init(&sh.mu, NULL);
	pthread_cond_init(&sh.cv, NULL);
	atomic_init(&sh.next, 0);
	atomic_init(&sh.prefill_failed, false);

	if (o.leader_only) {
		rc = bench_find_leader(&o, &leader_opt, leader_addr, sizeof leader_addr, r->leader,
				       sizeof r->leader, errmsg);
		if (rc != GAIA_OK)
			goto cleanup;
	}

	ws = calloc(o.clients, sizeof *ws);
	if (!ws) {
		rc = errmsg_set(errmsg, GAIA_ENOMEM, "out of memory");
		goto cleanup;
	}
	seed = bench_now_us() ^ ((uint64_t)getpid() << 32);
	for (unsigned i = 0; i < o.clients; i++) {
		struct bench_worker *w = &ws[i];

		w->sh = &sh;
		w->idx = i;
		w->rng = (seed + (uint64_t)i * UINT64_C(0x9E3779B97F4A7C15)) | 1;
		if (o.leader_only)
			w->copt = leader_opt;
		else if (o.n_addrs)
			w->copt.addr = o.addrs[i % o.n_addrs];
		else
			w->copt.socket_path = o.socket_path;
		w->copt.timeout_ms = o.timeout_ms;
		if ((rc = client_new(&w->c, &w->copt, errmsg)) != GAIA_OK)
			goto cleanup;
		w->value = malloc(o.value_size + 1);
		if (!w->value) {
			rc = errmsg_set(errmsg, GAIA_ENOMEM, "out of memory");
			goto cleanup;
		}
		for (size_t b = 0; b < o.value_size; b++)
			w->value[b] = (char)('a' + (b + i) % 26);
		w->value[o.value_size] = '\0';
		if (r->n_targets < CLIENT_BENCH_MAX_TARGETS && i < CLIENT_BENCH_MAX_TARGETS &&
		    (i == 0 || strcmp(client_target(w->c), r->targets[r->n_targets - 1]) != 0) &&
		    (o.leader_only ? i == 0 : i < (o.n_addrs ? o.n_addrs : 1)))
			snprintf(r->targets[r->n_targets++], sizeof r->targets[0], "%s",
				 client_target(w->c));
	}

	for (; started < o.clients; started++)
		if (pthread_create(&ws[started].thread, NULL, bench_thread, &ws[started]) != 0)
			break;
	/* everyone starts together, once every prefill is done */
	pthread_mutex_lock(&sh.mu);
	while (sh.ready < started)
		pthread_cond_wait(&sh.cv, &sh.mu);
	if (started == o.clients)
		sh.go = true;
	else
		sh.abort = true;
	pthread_cond_broadcast(&sh.cv);
	pthread_mutex_unlock(&sh.mu);
	t0 = bench_now_us();
	for (unsigned i = 0; i < started; i++)
		pthread_join(ws[i].thread, NULL);
	r->elapsed_s = (double)(bench_now_us() - t0) / 1e6;
	if (started < o.clients) {
		rc = errmsg_set(errmsg, GAIA_ENOMEM, "cannot start %u threads (started %u)", o.clients,
				started);
		goto cleanup;
	}

	if (atomic_load(&sh.prefill_failed)) {
		for (unsigned i = 0; i < o.clients; i++)
			if (ws[i].first_error[0]) {
				rc = errmsg_set(errmsg, GAIA_EIO, "%s", ws[i].first_error);
				break;
			}
		goto cleanup;
	}
	for (unsigned i = 0; i < o.clients; i++)
		if (ws[i].oom) {
			rc = errmsg_set(errmsg, GAIA_ENOMEM, "out of memory for latency samples");
			goto cleanup;
		}
	rc = bench_merge(ws, o.clients, r, errmsg);

cleanup:
	for (unsigned i = 0; ws && i < o.clients; i++) {
		client_free(ws[i].c);
		free(ws[i].value);
		client_response_free(&ws[i].r);
		for (int k = 0; k < CLIENT_BENCH_KINDS; k++)
			free(ws[i].lat[k].v);
	}
	free(ws);
	pthread_mutex_destroy(&sh.mu);
	pthread_cond_destroy(&sh.cv);
	return rc;
}
