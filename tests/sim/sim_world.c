/* The simulated world: nodes with their disks, the network as a heap of
 * timed deliveries, and the processing of Ready batches with a disk that
 * completes writes later (a crash loses what was not yet synced). */
#include <stdlib.h>
#include <string.h>

#include "sim.h"

uint64_t sim_rand(struct sim *s)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t sim_file_id(const uint8_t *p, size_t len)
{
	uint64_t h = 1469598103934665603ull ^ len;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h ? h : 1;
}

bool sim_fixed_learner(const struct sim *s, raft_id id)
{
	return id > (raft_id)s->p.nodes && id <= (raft_id)(s->p.nodes + s->p.learners);
}

uint32_t sim_below(struct sim *s, uint32_t n)
{
	return n ? (uint32_t)(sim_rand(s) % n) : 0;
}

struct sim_node *sim_node_by_id(struct sim *s, raft_id id)
{
	if (id == 0 || id > (raft_id)s->n_nodes)
		return NULL;
	return &s->nodes[id - 1];
}

int sim_slot(struct sim *s, raft_id id)
{
	(void)s;
	return (int)id - 1;
}

/* --- network ------------------------------------------------------------ */

static bool msg_before(const struct sim_msg *a, const struct sim_msg *b)
{
	return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void heap_push(struct sim *s, struct sim_msg *m)
{
	size_t i;
	if (s->heap_n == s->heap_cap) {
		s->heap_cap = s->heap_cap ? s->heap_cap * 2 : 256;
		s->heap = realloc(s->heap, s->heap_cap * sizeof *s->heap);
		if (s->heap == NULL)
			abort();
	}
	i = s->heap_n++;
	s->heap[i] = *m;
	while (i > 0 && msg_before(&s->heap[i], &s->heap[(i - 1) / 2])) {
		struct sim_msg t = s->heap[i];
		s->heap[i] = s->heap[(i - 1) / 2];
		s->heap[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static void heap_pop(struct sim *s, struct sim_msg *out)
{
	size_t i = 0;
	*out = s->heap[0];
	s->heap[0] = s->heap[--s->heap_n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < s->heap_n && msg_before(&s->heap[l], &s->heap[m]))
			m = l;
		if (r < s->heap_n && msg_before(&s->heap[r], &s->heap[m]))
			m = r;
		if (m == i)
			break;
		struct sim_msg t = s->heap[i];
		s->heap[i] = s->heap[m];
		s->heap[m] = t;
		i = m;
	}
}

/* The adversary's message made invalid by one of the rules the core
 * checks (raft_validate.c): a core that checks drops it; one that does
 * not aborts or breaks an invariant. */
static void mutate(struct sim *s, struct raft_message *m)
{
	s->mutated++;
	if (sim_below(s, 3) == 0) {
		m->term = sim_below(s, 2) ? UINT64_MAX : RAFT_TERM_MAX + 1 + sim_below(s, 1000);
		return;
	}
	switch (m->type) {
	case RAFT_MSG_APPEND:
		if (m->n_entries > 0 && sim_below(s, 2)) {
			uint32_t k = sim_below(s, m->n_entries);
			if (sim_below(s, 2))
				m->entries[k].index += 1 + sim_below(s, 5);
			else
				m->entries[k].term = m->term + 1 + sim_below(s, 3);
		} else if (m->n_entries > 0) {
			/* entries starting at prev_index instead of after it,
			 * in the message's term: without the check, a receiver
			 * truncates at prev_index, maybe below its commit */
			for (uint32_t i = 0; i < m->n_entries; i++) {
				m->entries[i].index = m->prev_index + i;
				m->entries[i].term = m->term;
			}
		} else {
			m->prev_term = m->term + 1 + sim_below(s, 3);
		}
		break;
	case RAFT_MSG_APPEND_RESP:
		if (m->reject)
			m->hint_index += 1000000;
		else
			m->index += 1000000;
		break;
	case RAFT_MSG_SNAPSHOT:
	case RAFT_MSG_SNAPSHOT_RESP:
		m->offset = m->snap.size + 1 + sim_below(s, 100);
		break;
	case RAFT_MSG_HEARTBEAT_RESP:
		m->ctx = (UINT64_MAX >> 1) + sim_below(s, 1000);
		break;
	case RAFT_MSG_PREVOTE:
	case RAFT_MSG_VOTE:
		m->last_term = m->term + 1 + sim_below(s, 3);
		m->last_index += 1000;
		break;
	default:
		m->term = UINT64_MAX - sim_below(s, 3);
		break;
	}
}

static void net_send(struct sim *s, const struct raft_message *m)
{
	struct sim_msg sm;
	int copies = 1;
	/* a follower acknowledges only what its disk holds */
	if (m->type == RAFT_MSG_APPEND_RESP && !m->reject) {
		struct sim_node *f = sim_node_by_id(s, m->from);
		const struct sim_disk *d = &f->disk;
		uint64_t last = d->n ? d->log[d->n - 1].index : d->snap.index;
		if (m->index > last && m->index > d->snap.index) {
			sim_fail(s, "node %llu acknowledges index %llu but its disk ends at %llu",
				 (unsigned long long)m->from, (unsigned long long)m->index,
				 (unsigned long long)last);
			return;
		}
	}
	if (s->faults_on && sim_below(s, 100) < s->loss_pct) {
		sim_event(s, EV_DROP, m->type, m->from, m->to, m->term, 0);
		return;
	}
	if (s->faults_on && sim_below(s, 100) < s->dup_pct)
		copies = 2;
	for (int i = 0; i < copies; i++) {
		sm.at = s->now + 1 + sim_below(s, s->max_delay + 1);
		if (!s->faults_on) {
			/* a healthy network keeps each link in order, as TCP does */
			uint64_t *last = &s->link_at[sim_slot(s, m->from)][sim_slot(s, m->to)];
			if (sm.at < *last)
				sm.at = *last;
			*last = sm.at;
		}
		/* a vote request held in the network for long: it may reach
		 * a node removed, added back and wiped meanwhile */
		if (s->faults_on && (m->type == RAFT_MSG_VOTE || m->type == RAFT_MSG_PREVOTE) &&
		    sim_below(s, 100) < s->hold_pct)
			sm.at = s->now + SIM_TICK * (20 + sim_below(s, 200));
		sm.seq = s->msg_seq++;
		if (raft_message_clone(m, &sm.m) != GAIA_OK)
			abort();
		/* the adversary turns honest once faults stop: the liveness
		 * bound is for a healed cluster */
		if (m->from == s->adversary && s->adversary != 0 && s->faults_on &&
		    sim_below(s, 100) < 30)
			mutate(s, &sm.m);
		heap_push(s, &sm);
	}
}

size_t sim_hold(struct sim *s, int type, raft_id from, raft_id to, uint64_t until)
{
	struct sim_msg *keep = malloc((s->heap_n + 1) * sizeof *keep);
	size_t n = s->heap_n, held = 0;
	if (keep == NULL)
		abort();
	memcpy(keep, s->heap, n * sizeof *keep);
	s->heap_n = 0;
	for (size_t i = 0; i < n; i++) {
		if (keep[i].m.type == type && keep[i].m.from == from && keep[i].m.to == to) {
			keep[i].at = until;
			held++;
		}
		heap_push(s, &keep[i]);
	}
	free(keep);
	return held;
}

void sim_deliver_due(struct sim *s)
{
	while (s->heap_n > 0 && s->heap[0].at <= s->now && !s->failed) {
		struct sim_msg sm;
		struct sim_node *to, *from;
		heap_pop(s, &sm);
		to = sim_node_by_id(s, sm.m.to);
		from = sim_node_by_id(s, sm.m.from);
		if (to == NULL || from == NULL || !to->up ||
		    s->blocked[sim_slot(s, sm.m.from)][sim_slot(s, sm.m.to)]) {
			raft_message_release(&sm.m);
			continue;
		}
		s->events++;
		sim_event(s, EV_DELIVER, sm.m.type | (uint64_t)sm.m.reject << 8,
			  sm.m.from, sm.m.to, sm.m.term,
			  sm.m.type == RAFT_MSG_APPEND ? sm.m.prev_index * 1000 + sm.m.n_entries
			  : sm.m.type == RAFT_MSG_SNAPSHOT || sm.m.type == RAFT_MSG_SNAPSHOT_RESP
				  ? sm.m.snap.index * 100000 + sm.m.offset * 10 + sm.m.last
				  : sm.m.index);
		raft_step(to->r, &sm.m);
		raft_message_release(&sm.m);
		sim_pump(s, to);
	}
}

/* --- the state machine -------------------------------------------------- */

static void kv_apply(struct sim *s, struct sim_node *n, const struct raft_entry *e)
{
	sim_on_apply(s, n, e);
	if (e->type == RAFT_ENTRY_NORMAL && e->buf != NULL && e->buf->len == 9) {
		int key = e->buf->data[0] % SIM_KEYS;
		uint64_t id;
		memcpy(&id, e->buf->data + 1, 8);
		n->kv.value[key] = id;
		n->kv.modify[key] = e->index;
	}
	n->applied = e->index;
}

/* The state, then pad bytes (0..SNAP_PAD) that differ from one take to
 * the next: two files of one index differ in bytes and size, as two
 * snapshot files taken at different times do. */
#define SNAP_PAD 40
static size_t kv_encode(struct sim *s, const struct sim_node *n, uint8_t *out)
{
	size_t len = 8 + sizeof n->kv.value + sizeof n->kv.modify;
	uint32_t pad = sim_below(s, SNAP_PAD + 1);
	memcpy(out, &n->applied, 8);
	memcpy(out + 8, n->kv.value, sizeof n->kv.value);
	memcpy(out + 8 + sizeof n->kv.value, n->kv.modify, sizeof n->kv.modify);
	for (uint32_t i = 0; i < pad; i++)
		out[len + i] = (uint8_t)(n->disk.snap_takes * 31 + i + n->id);
	return len + pad;
}

static void kv_decode(struct sim_node *n, const uint8_t *in)
{
	memcpy(&n->applied, in, 8);
	memcpy(n->kv.value, in + 8, sizeof n->kv.value);
	memcpy(n->kv.modify, in + 8 + sizeof n->kv.value, sizeof n->kv.modify);
}

#define SNAP_BYTES (8 + 2 * 8 * SIM_KEYS)
#define SNAP_MAX_BYTES (SNAP_BYTES + SNAP_PAD)

/* --- disk --------------------------------------------------------------- */

static void disk_truncate(struct sim_disk *d, uint64_t from)
{
	while (d->n > 0 && d->log[d->n - 1].index >= from)
		raft_buf_unref(d->log[--d->n].buf);
}

static void disk_append(struct sim_disk *d, const struct raft_entry *e)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 64;
		d->log = realloc(d->log, d->cap * sizeof *d->log);
		if (d->log == NULL)
			abort();
	}
	d->log[d->n] = *e;
	raft_buf_ref(e->buf);
	d->n++;
}

static void disk_drop_prefix(struct sim_disk *d, uint64_t upto)
{
	size_t k = 0;
	while (k < d->n && d->log[k].index <= upto)
		raft_buf_unref(d->log[k++].buf);
	memmove(d->log, d->log + k, (d->n - k) * sizeof *d->log);
	d->n -= k;
}

static void disk_free(struct sim_disk *d)
{
	disk_truncate(d, 0);
	free(d->log);
	free(d->snap_data);
	free(d->recv);
	memset(d, 0, sizeof *d);
}

static int storage_snapshot_read(void *ud, uint64_t index, uint64_t offset,
				 void *buf, size_t len, size_t *n)
{
	struct sim_node *node = ud;
	struct sim_disk *d = &node->disk;
	if (d->snap.index != index || d->snap_data == NULL || offset > d->snap.size)
		return -1;
	if (len > d->snap.size - offset)
		len = (size_t)(d->snap.size - offset);
	memcpy(buf, d->snap_data + offset, len);
	*n = len;
	return 0;
}

/* --- nodes -------------------------------------------------------------- */

static struct raft *new_core(struct sim *s, struct sim_node *n)
{
	struct raft_options o;
	raft_options_default(&o);
	o.id = n->id;
	o.cluster_id = 7;
	o.election_ticks = 10;
	o.heartbeat_ticks = 1;
	o.max_inflight_msgs = 1 + sim_below(s, 8);
	o.max_inflight_bytes = 64 + sim_below(s, 2048);
	/* a third of the runs carry one entry per message */
	o.max_msg_bytes = sim_below(s, 3) == 0 || s->tiny_msgs ? 40 : 40 + sim_below(s, 400);
	o.snapshot_chunk_bytes = 8 + sim_below(s, 64);
	o.seed = sim_rand(s);
	o.storage.ud = n;
	o.storage.snapshot_read = storage_snapshot_read;
	o.mutations = s->p.mutations;
	if (s->plain_votes) {
		o.pre_vote = false;
		o.check_quorum = false;
	}
	return raft_new(&o);
}

static void finish_ready(struct sim *s, struct sim_node *n);

void sim_start_node(struct sim *s, struct sim_node *n, bool bootstrap,
		    const struct raft_conf *conf)
{
	n->r = new_core(s, n);
	if (n->r == NULL)
		abort();
	n->up = true;
	n->exists = true;
	n->member = true;
	n->tick_phase = sim_below(s, SIM_TICK);
	n->led_term = 0;
	if (bootstrap && raft_bootstrap(n->r, conf) != GAIA_OK)
		abort();
	n->seen_role = raft_role(n->r);
	n->seen_commit = raft_commit_index(n->r);
	sim_pump(s, n);
	/* a bootstrap is on disk before the node runs (as the daemon writes
	 * it): a voter that lost it would come back with no configuration
	 * and, rightly, never vote */
	if (bootstrap && n->rd_pending) {
		finish_ready(s, n);
		sim_pump(s, n);
	}
}

static void drop_ready(struct sim_node *n)
{
	if (n->rd_pending) {
		raft_advance(n->r, &n->rd); /* only to release its memory */
		n->rd_pending = false;
	}
}

void sim_crash(struct sim *s, struct sim_node *n)
{
	sim_event(s, EV_CRASH, n->id, 0, 0, 0, 0);
	n->crash_at = 0;
	drop_ready(n);
	raft_free(n->r);
	n->r = NULL;
	n->up = false;
	free(n->disk.recv);
	n->disk.recv = NULL;
	n->disk.recv_len = 0;
	n->n_reads = 0;
}

/* The node's data dir wiped: crashed if up, its durable state gone, then
 * started empty (no configuration, term 0), waiting to be added back. */
void sim_wipe(struct sim *s, struct sim_node *n)
{
	if (n->up)
		sim_crash(s, n);
	disk_free(&n->disk);
	memset(&n->kv, 0, sizeof n->kv);
	n->applied = 0;
	n->n_reads = 0;
	sim_start_node(s, n, false, NULL);
}

void sim_restart(struct sim *s, struct sim_node *n)
{
	struct sim_disk *d = &n->disk;
	int rv;
	sim_event(s, EV_RESTART, n->id, 0, 0, 0, 0);
	n->r = new_core(s, n);
	if (n->r == NULL)
		abort();
	rv = raft_load(n->r, &d->hs, d->snap.index ? &d->snap : NULL, d->log, d->n);
	if (rv != GAIA_OK) {
		sim_fail(s, "node %llu cannot restart: %s", (unsigned long long)n->id,
			 raft_errmsg(n->r));
		return;
	}
	memset(&n->kv, 0, sizeof n->kv);
	n->applied = 0;
	if (d->snap.index)
		kv_decode(n, d->snap_data);
	n->up = true;
	n->seen_role = raft_role(n->r);
	n->seen_commit = raft_commit_index(n->r);
	sim_pump(s, n);
}

void sim_take_snapshot(struct sim *s, struct sim_node *n)
{
	struct raft_snapshot_meta meta;
	uint8_t *data;
	/* now and then again at the same index: another file (other bytes,
	 * another size) replaces one a follower may be receiving */
	if (!n->up || n->rd_pending || n->applied == 0 || n->applied < n->disk.snap.index ||
	    (n->applied == n->disk.snap.index && sim_below(s, 3) != 0))
		return;
	if (raft_snapshot_meta_at(n->r, n->applied, &meta) != GAIA_OK)
		return;
	data = malloc(SNAP_MAX_BYTES);
	if (data == NULL)
		abort();
	n->disk.snap_takes++;
	meta.size = kv_encode(s, n, data);
	meta.file_id = sim_file_id(data, meta.size);
	free(n->disk.snap_data);
	n->disk.snap_data = data;
	n->disk.snap = meta;
	if (raft_compact(n->r, &meta, s->trailing) != GAIA_OK) {
		sim_fail(s, "compact failed: %s", raft_errmsg(n->r));
		return;
	}
	disk_drop_prefix(&n->disk, meta.index > s->trailing ? meta.index - s->trailing : 0);
	sim_event(s, EV_SNAPSHOT, n->id, meta.index, meta.term, 0, 0);
}

/* Steps 2-6 of the Ready contract, when the disk says the write is done. */
static void finish_ready(struct sim *s, struct sim_node *n)
{
	struct raft_ready *rd = &n->rd;
	struct sim_disk *d = &n->disk;

	for (size_t i = 0; i < rd->n_snap_chunks; i++) {
		const struct raft_snap_chunk *c = &rd->snap_chunks[i];
		size_t end = (size_t)c->offset + (c->data ? c->data->len : 0);
		if (c->offset == 0) {
			free(d->recv);
			d->recv = NULL;
			d->recv_len = 0;
		}
		if (c->offset != d->recv_len) {
			sim_fail(s, "node %llu: snapshot chunk at %llu, have %zu",
				 (unsigned long long)n->id,
				 (unsigned long long)c->offset, d->recv_len);
			return;
		}
		d->recv = realloc(d->recv, end ? end : 1);
		if (d->recv == NULL)
			abort();
		if (c->data)
			memcpy(d->recv + c->offset, c->data->data, c->data->len);
		d->recv_len = end;
	}
	if (rd->has_install) {
		if (d->recv_len != rd->install.size || d->recv_len < SNAP_BYTES ||
		    d->recv_len > SNAP_MAX_BYTES) {
			sim_fail(s, "node %llu: installing %zu bytes, snapshot has %llu",
				 (unsigned long long)n->id, d->recv_len,
				 (unsigned long long)rd->install.size);
			return;
		}
		/* the assembled bytes must be one whole file, never a splice
		 * of two files of the same index */
		if (sim_file_id(d->recv, d->recv_len) != rd->install.file_id) {
			sim_fail(s, "node %llu: snapshot %llu assembled from pieces of "
				 "different files (%zu bytes)",
				 (unsigned long long)n->id,
				 (unsigned long long)rd->install.index, d->recv_len);
			return;
		}
		free(d->snap_data);
		d->snap_data = d->recv;
		d->recv = NULL;
		d->recv_len = 0;
		d->snap = rd->install;
		disk_truncate(d, 0);
		kv_decode(n, d->snap_data);
		if (n->applied != rd->install.index) {
			sim_fail(s, "node %llu: snapshot %llu holds state at %llu",
				 (unsigned long long)n->id,
				 (unsigned long long)rd->install.index,
				 (unsigned long long)n->applied);
			return;
		}
		sim_event(s, EV_INSTALL, n->id, rd->install.index, rd->install.term, 0, 0);
	}
	if (rd->has_hard_state)
		d->hs = rd->hard_state;
	d->hs.commit = rd->hard_state.commit;
	if (rd->n_entries > 0) {
		disk_truncate(d, rd->entries[0].index);
		if (d->n > 0 && d->log[d->n - 1].index + 1 != rd->entries[0].index) {
			sim_fail(s, "node %llu: gap in the log before %llu",
				 (unsigned long long)n->id,
				 (unsigned long long)rd->entries[0].index);
			return;
		}
		for (size_t i = 0; i < rd->n_entries; i++)
			disk_append(d, &rd->entries[i]);
	}
	for (size_t i = 0; i < rd->n_msgs_after; i++)
		net_send(s, &rd->msgs_after[i]);
	for (size_t i = 0; i < rd->n_committed; i++) {
		if (rd->committed[i].index <= n->applied)
			continue; /* covered by an installed snapshot */
		if (rd->committed[i].index != n->applied + 1) {
			sim_fail(s, "node %llu applies %llu after %llu",
				 (unsigned long long)n->id,
				 (unsigned long long)rd->committed[i].index,
				 (unsigned long long)n->applied);
			return;
		}
		kv_apply(s, n, &rd->committed[i]);
	}
	for (size_t i = 0; i < rd->n_reads; i++) {
		const struct raft_read *rr = &rd->reads[i];
		for (size_t j = 0; j < n->n_reads; j++)
			if (n->reads[j].ctx == rr->ctx && n->reads[j].index == 0) {
				if (rr->status == RAFT_READ_OK)
					n->reads[j].index = rr->index ? rr->index : 1;
				else
					n->reads[j] = n->reads[--n->n_reads];
				break;
			}
	}
	for (size_t j = 0; j < n->n_reads;) {
		if (n->reads[j].index != 0 && n->applied >= n->reads[j].index) {
			sim_on_read(s, n, &n->reads[j]);
			n->reads[j] = n->reads[--n->n_reads];
		} else {
			j++;
		}
	}
	raft_advance(n->r, rd);
	n->rd_pending = false;
}

void sim_pump(struct sim *s, struct sim_node *n)
{
	/* now and then the batch waits a step: whatever happens meanwhile
	 * (an election and a proposal, say) goes out in one batch */
	if (s->faults_on && s->late_pct && sim_below(s, 100) < s->late_pct) {
		if (n->up && !s->failed)
			sim_check_node(s, n);
		return;
	}
	while (n->up && !n->rd_pending && !s->failed && raft_has_ready(n->r)) {
		if (raft_ready(n->r, &n->rd) != GAIA_OK) {
			sim_fail(s, "ready: %s", raft_errmsg(n->r));
			return;
		}
		n->rd_pending = true;
		for (size_t i = 0; i < n->rd.n_msgs; i++)
			net_send(s, &n->rd.msgs[i]);
		n->rd_done_at = s->now + sim_below(s, s->max_disk + 1);
		/* a leader of a new term dies before its first batch (the
		 * term, its vote, its first entries) reaches the disk, while
		 * whatever left at once is on its way */
		if (s->faults_on && n->rd.has_hard_state && raft_role(n->r) == RAFT_LEADER &&
		    n->rd_done_at > s->now + 1 && sim_below(s, 100) < s->new_leader_crash_pct)
			n->crash_at = s->now + 1;
		if (n->rd_done_at == s->now)
			finish_ready(s, n);
		sim_check_node(s, n);
	}
	if (n->up && !s->failed)
		sim_check_node(s, n);
}

void sim_complete_disk(struct sim *s)
{
	for (int i = 0; i < s->n_nodes && !s->failed; i++) {
		struct sim_node *n = &s->nodes[i];
		if (n->up && n->rd_pending && n->rd_done_at <= s->now) {
			s->events++;
			finish_ready(s, n);
			sim_pump(s, n);
		}
	}
}

int sim_init(struct sim *s, const struct sim_params *p)
{
	memset(s, 0, sizeof *s);
	s->p = *p;
	s->rng = p->seed * 0x2545f4914f6cdd1dull + 1;
	return 0;
}

void sim_free(struct sim *s)
{
	for (int i = 0; i < s->n_nodes; i++) {
		struct sim_node *n = &s->nodes[i];
		if (n->up) {
			drop_ready(n);
			raft_free(n->r);
		}
		disk_free(&n->disk);
		free(n->reads);
	}
	while (s->heap_n > 0) {
		struct sim_msg m;
		heap_pop(s, &m);
		raft_message_release(&m.m);
	}
	free(s->heap);
	free(s->committed);
	free(s->applied_term);
	free(s->applied_hash);
	free(s->leader_of_term);
	free(s->writes);
}
