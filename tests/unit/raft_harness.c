/* raft_harness.c - the in-memory cluster of raft_harness.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "raft_harness.h"

#define GROW(ptr, n, cap)                                                     \
	do {                                                                  \
		if ((n) == (cap)) {                                           \
			size_t c_ = (cap) ? (cap) * 2 : 16;                   \
			void *p_ = realloc((ptr), c_ * sizeof *(ptr));        \
			assert_non_null(p_);                                  \
			(ptr) = p_;                                           \
			(cap) = c_;                                           \
		}                                                             \
	} while (0)

static uint64_t h_rand(void *ud)
{
	return ((struct h_node *)ud)->rand_val;
}

static int h_snapshot_read(void *ud, uint64_t index, uint64_t offset, void *buf,
			   size_t len, size_t *n)
{
	struct h_node *nd = ud;
	size_t k;
	if (nd->snap.index != index || offset > nd->snap_len)
		return -1;
	k = nd->snap_len - (size_t)offset;
	if (k > len)
		k = len;
	memcpy(buf, nd->snap_data + offset, k);
	*n = k;
	nd->snap_reads++;
	return 0;
}

void h_default_options(struct raft_options *o)
{
	raft_options_default(o);
	o->cluster_id = H_CLUSTER_ID;
	o->election_ticks = 10;
	o->heartbeat_ticks = 1;
	o->pre_vote = true;
	o->check_quorum = true;
}

struct h_node *h_node(struct harness *h, raft_id id)
{
	assert_true(id >= 1 && id <= (raft_id)h->n);
	return &h->nodes[id];
}

struct raft *h_raft(struct harness *h, raft_id id)
{
	struct h_node *nd = h_node(h, id);
	assert_non_null(nd->r);
	return nd->r;
}

static void node_start(struct harness *h, struct h_node *nd)
{
	nd->o.rand = h_rand;
	nd->o.rand_ud = nd;
	nd->o.storage.ud = nd;
	nd->o.storage.snapshot_read = h_snapshot_read;
	nd->r = raft_new(&nd->o);
	assert_non_null(nd->r);
	(void)h;
}

void h_init(struct harness *h, int n, int voters, int learners,
	    const struct raft_options *tmpl)
{
	struct raft_options def;
	struct raft_conf conf;

	assert_true(n >= 1 && n <= H_MAX_NODES && voters + learners <= n);
	memset(h, 0, sizeof *h);
	if (tmpl == NULL) {
		h_default_options(&def);
		tmpl = &def;
	}
	h->n = n;
	memset(&conf, 0, sizeof conf);
	for (int i = 1; i <= voters + learners; i++) {
		conf.servers[conf.n].id = (raft_id)i;
		conf.servers[conf.n].role = i <= voters ? RAFT_VOTER : RAFT_LEARNER;
		conf.n++;
	}
	for (int i = 1; i <= n; i++) {
		struct h_node *nd = &h->nodes[i];
		nd->h = h;
		nd->id = (raft_id)i;
		nd->rand_val = (uint64_t)(i - 1);
		nd->o = *tmpl;
		nd->o.id = (raft_id)i;
		node_start(h, nd);
		if (i <= voters + learners)
			assert_int_equal(raft_bootstrap(nd->r, &conf), GAIA_OK);
	}
	h_process_all(h);
}

static void free_log(struct h_node *nd)
{
	for (size_t i = 0; i < nd->n_log; i++)
		raft_buf_unref(nd->log[i].buf);
	nd->n_log = 0;
}

void h_free(struct harness *h)
{
	for (int i = 1; i <= h->n; i++) {
		struct h_node *nd = &h->nodes[i];
		raft_free(nd->r);
		nd->r = NULL;
		free_log(nd);
		free(nd->log);
		free(nd->snap_data);
		free(nd->recv_data);
		free(nd->sm);
		free(nd->reads);
		free(nd->chunks);
	}
	for (size_t i = 0; i < h->nq; i++)
		raft_message_release(&h->q[i]);
	free(h->q);
	free(h->trace);
	memset(h, 0, sizeof *h);
}

static void enqueue(struct harness *h, const struct raft_message *m)
{
	GROW(h->q, h->nq, h->capq);
	assert_int_equal(raft_message_clone(m, &h->q[h->nq]), GAIA_OK);
	h->nq++;
}

static void sm_append(struct h_node *nd, const void *data, size_t len)
{
	while (nd->sm_len + len + 1 > nd->sm_cap) {
		size_t c = nd->sm_cap ? nd->sm_cap * 2 : 256;
		nd->sm = realloc(nd->sm, c);
		assert_non_null(nd->sm);
		nd->sm_cap = c;
	}
	memcpy(nd->sm + nd->sm_len, data, len);
	nd->sm_len += len;
}

static void sm_reset(struct h_node *nd, const void *data, size_t len)
{
	nd->sm_len = 0;
	if (len > 0)
		sm_append(nd, data, len);
}

void h_ready_begin(struct harness *h, raft_id id, struct raft_ready *rd)
{
	struct h_node *nd = h_node(h, id);
	assert_non_null(nd->r);
	assert_int_equal(raft_ready(nd->r, rd), GAIA_OK);
	nd->n_readies++;
	/* 1. the leader's traffic leaves at once */
	for (size_t i = 0; i < rd->n_msgs; i++)
		enqueue(h, &rd->msgs[i]);
}

static void persist_entries(struct h_node *nd, const struct raft_ready *rd)
{
	uint64_t first, last_stored;
	if (rd->n_entries == 0)
		return;
	first = rd->entries[0].index;
	last_stored = nd->n_log ? nd->log[nd->n_log - 1].index : nd->snap.index;
	/* contiguous with what is durable (or overwriting a suffix) */
	assert_true(first >= 1 && first <= last_stored + 1);
	while (nd->n_log > 0 && nd->log[nd->n_log - 1].index >= first) {
		raft_buf_unref(nd->log[nd->n_log - 1].buf);
		nd->n_log--;
	}
	for (size_t i = 0; i < rd->n_entries; i++) {
		if (i > 0)
			assert_int_equal(rd->entries[i].index, rd->entries[i - 1].index + 1);
		GROW(nd->log, nd->n_log, nd->cap_log);
		nd->log[nd->n_log] = rd->entries[i];
		raft_buf_ref(nd->log[nd->n_log].buf);
		nd->n_log++;
	}
}

void h_ready_finish(struct harness *h, raft_id id, struct raft_ready *rd)
{
	struct h_node *nd = h_node(h, id);

	/* 2. snapshot chunks, in order; install on the last */
	for (size_t i = 0; i < rd->n_snap_chunks; i++) {
		const struct raft_snap_chunk *c = &rd->snap_chunks[i];
		uint32_t len = c->data ? c->data->len : 0;
		if (c->offset == 0) {
			nd->recv_len = 0;
			nd->recv_index = c->meta.index;
			nd->recv_term = c->meta.term;
		}
		assert_int_equal(c->meta.index, nd->recv_index);
		assert_int_equal(c->offset, nd->recv_len);
		while (nd->recv_len + len > nd->recv_cap) {
			size_t cap = nd->recv_cap ? nd->recv_cap * 2 : 64;
			nd->recv_data = realloc(nd->recv_data, cap);
			assert_non_null(nd->recv_data);
			nd->recv_cap = cap;
		}
		if (len > 0)
			memcpy(nd->recv_data + nd->recv_len, c->data->data, len);
		nd->recv_len += len;
		GROW(nd->chunks, nd->n_chunks, nd->cap_chunks);
		nd->chunks[nd->n_chunks++] = (struct h_chunk_rec){
			.snap_index = c->meta.index,
			.offset = c->offset,
			.len = len,
			.last = c->last,
			.ready_seq = nd->n_readies,
		};
	}
	if (rd->has_install) {
		assert_int_equal(rd->install.index, nd->recv_index);
		assert_int_equal(rd->install.term, nd->recv_term);
		assert_int_equal(rd->install.size, nd->recv_len);
		/* the assembled bytes are one whole file, never a splice */
		if (rd->install.file_id != 0)
			assert_true(h_file_id(nd->recv_data, nd->recv_len) ==
				    rd->install.file_id);
		free(nd->snap_data);
		nd->snap_data = malloc(nd->recv_len ? nd->recv_len : 1);
		assert_non_null(nd->snap_data);
		if (nd->recv_len)
			memcpy(nd->snap_data, nd->recv_data, nd->recv_len);
		nd->snap_len = nd->recv_len;
		nd->snap = rd->install;
		free_log(nd);
		sm_reset(nd, nd->snap_data, nd->snap_len);
		nd->applied = rd->install.index;
		nd->n_installs++;
		nd->install_ready_seq = nd->n_readies;
		nd->last_install = rd->install;
		nd->recv_len = 0;
	}

	/* 3. hard state and entries become durable */
	if (rd->has_hard_state)
		nd->hs = rd->hard_state;
	persist_entries(nd, rd);

	/* 4. messages that promise durability */
	for (size_t i = 0; i < rd->n_msgs_after; i++)
		enqueue(h, &rd->msgs_after[i]);

	/* 5. apply, in order, without gaps */
	for (size_t i = 0; i < rd->n_committed; i++) {
		const struct raft_entry *e = &rd->committed[i];
		assert_int_equal(e->index, nd->applied + 1);
		if (e->type == RAFT_ENTRY_NORMAL && e->buf != NULL)
			sm_append(nd, e->buf->data, e->buf->len);
		nd->applied = e->index;
		nd->n_applied++;
	}
	for (size_t i = 0; i < rd->n_reads; i++) {
		GROW(nd->reads, nd->n_reads, nd->cap_reads);
		nd->reads[nd->n_reads++] = rd->reads[i];
	}

	/* 6. */
	raft_advance(nd->r, rd);
}

bool h_process(struct harness *h, raft_id id)
{
	struct h_node *nd = h_node(h, id);
	bool any = false;
	int guard = 0;
	while (nd->r != NULL && raft_has_ready(nd->r)) {
		struct raft_ready rd;
		assert_true(++guard < 1000);
		h_ready_begin(h, id, &rd);
		h_ready_finish(h, id, &rd);
		any = true;
	}
	return any;
}

bool h_process_all(struct harness *h)
{
	bool any = false;
	for (int i = 1; i <= h->n; i++)
		any |= h_process(h, (raft_id)i);
	return any;
}

static void record(struct harness *h, const struct raft_message *m)
{
	GROW(h->trace, h->ntrace, h->captrace);
	h->trace[h->ntrace++] = (struct h_rec){
		.type = m->type,
		.from = m->from,
		.to = m->to,
		.term = m->term,
		.reject = m->reject,
		.transfer = m->transfer,
		.last = m->last,
		.index = m->index,
		.prev_index = m->prev_index,
		.prev_term = m->prev_term,
		.hint_index = m->hint_index,
		.hint_term = m->hint_term,
		.commit = m->commit,
		.ctx = m->ctx,
		.offset = m->offset,
		.last_index = m->last_index,
		.last_term = m->last_term,
		.n_entries = m->n_entries,
		.first_entry = m->n_entries ? m->entries[0].index : 0,
	};
}

void h_step(struct harness *h, raft_id id, const struct raft_message *m)
{
	struct h_node *nd = h_node(h, id);
	assert_non_null(nd->r);
	record(h, m);
	assert_int_equal(raft_step(nd->r, m), GAIA_OK);
	h_process(h, id);
}

/* Deliver (or drop) one message taken off the queue; releases it. */
static bool deliver_one(struct harness *h, struct raft_message *m)
{
	bool stepped = false;
	if (m->to >= 1 && m->to <= (raft_id)h->n && m->from >= 1 &&
	    m->from <= (raft_id)h->n && !h->cut[m->from][m->to] &&
	    h->nodes[m->to].r != NULL) {
		h_step(h, m->to, m);
		stepped = true;
	} else {
		h->n_dropped++;
	}
	raft_message_release(m);
	return stepped;
}

static bool matches(const struct raft_message *m, int type, raft_id from,
		    raft_id to)
{
	return (type == 0 || m->type == type) && (from == 0 || m->from == from) &&
	       (to == 0 || m->to == to);
}

size_t h_deliver_match(struct harness *h, int type, raft_id from, raft_id to)
{
	struct raft_message *all = h->q, *go;
	size_t n = h->nq, ngo = 0, stepped = 0;

	if (n == 0)
		return 0;
	go = malloc(n * sizeof *go);
	assert_non_null(go);
	h->q = NULL;
	h->nq = h->capq = 0;
	for (size_t i = 0; i < n; i++) {
		if (matches(&all[i], type, from, to)) {
			go[ngo++] = all[i];
		} else {
			GROW(h->q, h->nq, h->capq);
			h->q[h->nq++] = all[i];
		}
	}
	free(all);
	for (size_t i = 0; i < ngo; i++)
		stepped += deliver_one(h, &go[i]);
	free(go);
	return stepped;
}

bool h_deliver_first(struct harness *h, int type, raft_id from, raft_id to)
{
	for (size_t i = 0; i < h->nq; i++) {
		if (matches(&h->q[i], type, from, to)) {
			struct raft_message m = h->q[i];
			memmove(&h->q[i], &h->q[i + 1], (h->nq - i - 1) * sizeof m);
			h->nq--;
			deliver_one(h, &m);
			return true;
		}
	}
	return false;
}

size_t h_deliver(struct harness *h)
{
	return h_deliver_match(h, 0, 0, 0);
}

size_t h_drop(struct harness *h, int type, raft_id from, raft_id to)
{
	size_t keep = 0, dropped = 0;
	for (size_t i = 0; i < h->nq; i++) {
		if (matches(&h->q[i], type, from, to)) {
			raft_message_release(&h->q[i]);
			dropped++;
		} else {
			h->q[keep++] = h->q[i];
		}
	}
	h->nq = keep;
	h->n_dropped += dropped;
	return dropped;
}

size_t h_queued(const struct harness *h, int type, raft_id from, raft_id to)
{
	size_t n = 0;
	for (size_t i = 0; i < h->nq; i++)
		n += matches(&h->q[i], type, from, to);
	return n;
}

const struct raft_message *h_find_queued(const struct harness *h, int type,
					 raft_id from, raft_id to)
{
	for (size_t i = 0; i < h->nq; i++)
		if (matches(&h->q[i], type, from, to))
			return &h->q[i];
	return NULL;
}

void h_stabilize(struct harness *h)
{
	for (int guard = 0;; guard++) {
		assert_true(guard < 10000);
		h_process_all(h);
		if (h->nq == 0)
			return;
		h_deliver(h);
	}
}

void h_tick(struct harness *h, raft_id id, int k)
{
	for (int i = 0; i < k; i++) {
		raft_tick(h_raft(h, id));
		h_process(h, id);
	}
}

void h_run(struct harness *h, int k)
{
	for (int i = 0; i < k; i++) {
		for (int j = 1; j <= h->n; j++)
			if (h->nodes[j].r != NULL) {
				raft_tick(h->nodes[j].r);
				h_process(h, (raft_id)j);
			}
		h_stabilize(h);
	}
}

void h_elect(struct harness *h, raft_id id)
{
	assert_int_equal(raft_campaign(h_raft(h, id)), GAIA_OK);
	h_stabilize(h);
	assert_int_equal(raft_role(h_raft(h, id)), RAFT_LEADER);
}

uint64_t h_propose(struct harness *h, raft_id id, const char *s)
{
	struct raft_buf *b = raft_buf_new(s, strlen(s));
	uint64_t index = 0, term = 0;
	assert_non_null(b);
	assert_int_equal(raft_propose(h_raft(h, id), b, &index, &term), GAIA_OK);
	raft_buf_unref(b);
	assert_int_equal(term, raft_term(h_raft(h, id)));
	return index;
}

raft_id h_leader(const struct harness *h)
{
	raft_id best = 0;
	uint64_t best_term = 0;
	for (int i = 1; i <= h->n; i++) {
		const struct raft *r = h->nodes[i].r;
		if (r != NULL && raft_role(r) == RAFT_LEADER && raft_term(r) >= best_term) {
			best = (raft_id)i;
			best_term = raft_term(r);
		}
	}
	return best;
}

void h_cut_oneway(struct harness *h, raft_id from, raft_id to)
{
	h->cut[from][to] = true;
}

void h_cut(struct harness *h, raft_id a, raft_id b)
{
	h->cut[a][b] = h->cut[b][a] = true;
}

void h_heal(struct harness *h, raft_id a, raft_id b)
{
	h->cut[a][b] = h->cut[b][a] = false;
}

void h_isolate(struct harness *h, raft_id id)
{
	for (int i = 1; i <= h->n; i++)
		if ((raft_id)i != id)
			h_cut(h, id, (raft_id)i);
}

void h_heal_all(struct harness *h)
{
	memset(h->cut, 0, sizeof h->cut);
}

void h_crash(struct harness *h, raft_id id)
{
	struct h_node *nd = h_node(h, id);
	raft_free(nd->r);
	nd->r = NULL;
	nd->recv_len = 0;
}

void h_restart(struct harness *h, raft_id id)
{
	struct h_node *nd = h_node(h, id);
	assert_null(nd->r);
	node_start(h, nd);
	assert_int_equal(raft_load(nd->r, &nd->hs, nd->snap.index ? &nd->snap : NULL,
				   nd->log, nd->n_log),
			 GAIA_OK);
	sm_reset(nd, nd->snap_data, nd->snap_len);
	nd->applied = nd->snap.index;
}

void h_wipe(struct harness *h, raft_id id)
{
	struct h_node *nd = h_node(h, id);
	if (nd->r != NULL)
		h_crash(h, id);
	free_log(nd);
	memset(&nd->hs, 0, sizeof nd->hs);
	memset(&nd->snap, 0, sizeof nd->snap);
	free(nd->snap_data);
	nd->snap_data = NULL;
	nd->snap_len = 0;
	sm_reset(nd, NULL, 0);
	nd->applied = 0;
	node_start(h, nd);
}

void h_preload(struct harness *h, raft_id id, uint64_t term, uint64_t commit,
	       int voters, const uint64_t *terms, size_t n)
{
	struct h_node *nd = h_node(h, id);
	struct raft_conf_change cc;

	if (nd->r != NULL)
		h_crash(h, id);
	free_log(nd);
	memset(&cc, 0, sizeof cc);
	for (int i = 1; i <= voters; i++) {
		cc.conf.servers[cc.conf.n].id = (raft_id)i;
		cc.conf.servers[cc.conf.n].role = RAFT_VOTER;
		cc.conf.n++;
	}
	for (size_t i = 0; i < n; i++) {
		struct raft_entry e = {.index = i + 1, .term = terms[i]};
		if (i == 0) {
			e.type = RAFT_ENTRY_CONF;
			e.buf = raft_conf_encode(&cc);
		} else {
			char s[48];
			int len = snprintf(s, sizeof s, "%zu@%llu", i + 1,
					   (unsigned long long)terms[i]);
			e.type = RAFT_ENTRY_NORMAL;
			e.buf = raft_buf_new(s, (size_t)len);
		}
		assert_non_null(e.buf);
		GROW(nd->log, nd->n_log, nd->cap_log);
		nd->log[nd->n_log++] = e; /* takes the reference */
	}
	nd->hs = (struct raft_hard_state){.term = term, .vote = 0, .commit = commit};
	h_restart(h, id);
}

uint64_t h_file_id(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t x = 1469598103934665603ull ^ len;
	for (size_t i = 0; i < len; i++)
		x = (x ^ p[i]) * 1099511628211ull;
	return x ? x : 1;
}

void h_snapshot(struct harness *h, raft_id id, uint64_t trailing)
{
	struct h_node *nd = h_node(h, id);
	h_snapshot_bytes(h, id, nd->sm, nd->sm_len, trailing);
}

void h_snapshot_bytes(struct harness *h, raft_id id, const void *data, size_t len,
		      uint64_t trailing)
{
	struct h_node *nd = h_node(h, id);
	struct raft_snapshot_meta meta;
	uint64_t upto;
	size_t keep = 0;

	assert_int_equal(raft_applied_index(nd->r), nd->applied);
	assert_int_equal(raft_snapshot_meta_at(nd->r, nd->applied, &meta), GAIA_OK);
	meta.size = len;
	meta.file_id = h_file_id(data, len);
	free(nd->snap_data);
	nd->snap_data = malloc(len ? len : 1);
	assert_non_null(nd->snap_data);
	if (len)
		memcpy(nd->snap_data, data, len);
	nd->snap_len = len;
	nd->snap = meta;
	assert_int_equal(raft_compact(nd->r, &meta, trailing), GAIA_OK);
	/* the durable log keeps the same trailing entries */
	upto = meta.index > trailing ? meta.index - trailing : 0;
	for (size_t i = 0; i < nd->n_log; i++) {
		if (nd->log[i].index <= upto)
			raft_buf_unref(nd->log[i].buf);
		else
			nd->log[keep++] = nd->log[i];
	}
	nd->n_log = keep;
}

size_t h_count(const struct harness *h, int type, raft_id from, raft_id to,
	       int reject)
{
	size_t n = 0;
	for (size_t i = 0; i < h->ntrace; i++) {
		const struct h_rec *t = &h->trace[i];
		if ((type == 0 || t->type == type) && (from == 0 || t->from == from) &&
		    (to == 0 || t->to == to) &&
		    (reject < 0 || t->reject == (reject != 0)))
			n++;
	}
	return n;
}

void h_trace_clear(struct harness *h)
{
	h->ntrace = 0;
}

const char *h_sm(struct harness *h, raft_id id)
{
	static char buf[8192];
	struct h_node *nd = h_node(h, id);
	size_t n = nd->sm_len < sizeof buf - 1 ? nd->sm_len : sizeof buf - 1;
	if (n)
		memcpy(buf, nd->sm, n);
	buf[n] = '\0';
	return buf;
}

struct raft_message h_msg(int type, raft_id from, raft_id to, uint64_t term)
{
	struct raft_message m;
	memset(&m, 0, sizeof m);
	m.type = (uint8_t)type;
	m.from = from;
	m.to = to;
	m.term = term;
	m.cluster_id = H_CLUSTER_ID;
	return m;
}

const char *h_log_str(struct harness *h, raft_id id)
{
	static char buf[8192];
	struct h_node *nd = h_node(h, id);
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < nd->n_log && off < sizeof buf - 48; i++)
		off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%llu:%llu",
					i ? "," : "",
					(unsigned long long)nd->log[i].index,
					(unsigned long long)nd->log[i].term);
	return buf;
}

void h_propose_n(struct harness *h, raft_id id, int n, const char *tag)
{
	char s[32];
	for (int i = 0; i < n; i++) {
		snprintf(s, sizeof s, "%s%d;", tag, i);
		h_propose(h, id, s);
	}
	h_stabilize(h);
}
