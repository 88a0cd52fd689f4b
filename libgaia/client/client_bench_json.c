/* gaia-bench's result as one JSON document. */
#include "config.h"

#include <stdio.h>

#include "client/client.h"

/* rounded to 1/1000: the figures are not that precise */
static double bench_round3(double x)
{
	return (double)(int64_t)(x * 1000.0 + (x >= 0 ? 0.5 : -0.5)) / 1000.0;
}

static json_t *bench_latency(const struct client_bench_stats *s)
{
	return json_pack("{s:f, s:f, s:f, s:f, s:f}", "mean", bench_round3(s->mean_ms),
			 "p50", bench_round3(s->p50_ms), "p90", bench_round3(s->p90_ms),
			 "p99", bench_round3(s->p99_ms), "max", bench_round3(s->max_ms));
}

static json_t *bench_stats(const struct client_bench_stats *s)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:f, s:o}", "requests", (json_int_t)s->requests,
			 "ok", (json_int_t)s->ok, "conflicts", (json_int_t)s->conflicts,
			 "errors", (json_int_t)s->errors, "ops_per_s", bench_round3(s->ops_per_s),
			 "latency_ms", bench_latency(s));
}

json_t *client_bench_json(const struct client_bench_options *o,
			  const struct client_bench_result *r)
{
	json_t *doc, *stats, *status, *by_op, *targets;
	json_int_t transport = 0;
	char code[16];
	int bad = 0;

	doc = json_object();
	stats = bench_stats(&r->all);
	status = json_object();
	by_op = json_object();
	targets = json_array();
	if (!doc || !stats || !status || !by_op || !targets)
		goto err_after_alloc;
	for (size_t i = 0; i < r->n_statuses; i++) {
		if (r->statuses[i].status == 0) {
			transport = (json_int_t)r->statuses[i].count;
			continue;
		}
		snprintf(code, sizeof code, "%ld", r->statuses[i].status);
		bad |= json_object_set_new(status, code, json_integer((json_int_t)r->statuses[i].count));
	}
	for (int k = 0; k < CLIENT_BENCH_KINDS; k++)
		if (r->kind[k].requests)
			bad |= json_object_set_new(by_op, client_bench_op_name((enum client_bench_op)k),
						   bench_stats(&r->kind[k]));
	for (size_t i = 0; i < r->n_targets; i++)
		bad |= json_array_append_new(targets, json_string(r->targets[i]));

	/* json_object_set_new() takes the value also when it fails */
	bad |= json_object_set_new(doc, "op", json_string(client_bench_op_name(o->op)));
	bad |= json_object_set_new(doc, "clients", json_integer(o->clients ? o->clients : 1));
	bad |= json_object_set_new(doc, "targets", targets);
	targets = NULL;
	bad |= json_object_set_new(doc, "leader", r->leader[0] ? json_string(r->leader) : json_null());
	bad |= json_object_set_new(doc, "consistency", json_string(o->stale ? "stale" : "linearizable"));
	bad |= json_object_set_new(doc, "value_size", json_integer((json_int_t)o->value_size));
	bad |= json_object_set_new(doc, "keys",
				   json_integer((json_int_t)(o->keys ? o->keys : CLIENT_BENCH_DEFAULT_KEYS)));
	bad |= json_object_set_new(doc, "elapsed_s", json_real(bench_round3(r->elapsed_s)));
	bad |= json_object_update(doc, stats);
	bad |= json_object_set_new(doc, "status", status);
	status = NULL;
	bad |= json_object_set_new(doc, "transport_errors", json_integer(transport));
	bad |= json_object_set_new(doc, "by_op", by_op);
	by_op = NULL;
	bad |= json_object_set_new(doc, "first_error",
				   r->first_error[0] ? json_string(r->first_error) : json_null());
	if (bad)
		goto err_after_alloc;
	json_decref(stats);
	return doc;

err_after_alloc:
	json_decref(doc);
	json_decref(stats);
	json_decref(status);
	json_decref(by_op);
	json_decref(targets);
	return NULL;
}
