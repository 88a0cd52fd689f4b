/* fuzz_raft_step.c - a libFuzzer target for the consensus core's message
 * intake: arbitrary bytes become messages from admitted peers (through the
 * real wire codec, or field by field so that deep states are reached
 * without learning the codec), stepped into the cores of a small live
 * cluster (3 voters and a learner, a leader elected, entries committed, a
 * snapshot taken) between ticks, proposals, snapshots and honest traffic.
 *
 * What must hold whatever the bytes: no abort, no sanitizer report, and on
 * every node its own committed entries never change (commit and applied
 * never go back; the term of an index at or below the commit point stays
 * what it was when it was committed). Agreement between nodes is not
 * checked: a peer may lie like a Byzantine leader, which Raft does not
 * claim to survive; what the core must survive is a message no correct
 * peer could send.
 *
 * Build and run: tests/fuzz/run (see tests/fuzz/README.md). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/net.h"
#include "raft/raft.h"

#define NODES 4
#define HIST 4096
#define SNAP_LEN 96
#define MAXQ 2048

struct fnode {
	struct raft *r;
	uint8_t snap[SNAP_LEN + 32];
	uint64_t snap_len, snap_index;
	uint64_t commit, applied;
	uint64_t term_at[HIST]; /* term of committed index i, as first seen */
};

struct fcluster {
	struct fnode n[NODES + 1];
	struct raft_message q[MAXQ];
	size_t nq;
	uint64_t proposals;
};

static struct fcluster C;

static void die(const char *why)
{
	(void)why;
	abort();
}

static int snap_read(void *ud, uint64_t index, uint64_t offset, void *buf, size_t len,
		     size_t *n)
{
	struct fnode *f = ud;
	if (index != f->snap_index || offset > f->snap_len)
		return -1;
	if (len > f->snap_len - offset)
		len = (size_t)(f->snap_len - offset);
	memcpy(buf, f->snap + offset, len);
	*n = len;
	return 0;
}

static void enqueue(const struct raft_message *m)
{
	if (C.nq == MAXQ)
		return; /* the network drops it */
	if (raft_message_clone(m, &C.q[C.nq]) != 0)
		return;
	C.nq++;
}

/* Per-node invariants: committed entries never change. */
static void check(int i)
{
	struct fnode *f = &C.n[i];
	uint64_t commit = raft_commit_index(f->r), first = raft_first_index(f->r);
	if (commit < f->commit)
		die("commit went back");
	if (raft_applied_index(f->r) < f->applied)
		die("applied went back");
	for (uint64_t k = f->commit + 1; k <= commit && k < HIST; k++)
		if (k >= first || k == first - 1)
			f->term_at[k] = raft_term_at(f->r, k);
	for (uint64_t k = first; k <= commit && k < HIST; k++) {
		uint64_t t = raft_term_at(f->r, k);
		if (t != 0 && f->term_at[k] != 0 && t != f->term_at[k])
			die("a committed entry changed");
	}
	f->commit = commit;
	f->applied = raft_applied_index(f->r);
}

static void process(int i)
{
	struct fnode *f = &C.n[i];
	struct raft_ready rd;
	int rounds = 0;
	while (raft_has_ready(f->r) && rounds++ < 16) {
		if (raft_ready(f->r, &rd) != 0)
			die("ready");
		for (size_t k = 0; k < rd.n_msgs; k++)
			enqueue(&rd.msgs[k]);
		if (rd.has_install) {
			/* the bytes do not matter here; keep them servable */
			f->snap_index = rd.install.index;
			f->snap_len = rd.install.size < SNAP_LEN ? rd.install.size : SNAP_LEN;
		}
		for (size_t k = 0; k < rd.n_msgs_after; k++)
			enqueue(&rd.msgs_after[k]);
		raft_advance(f->r, &rd);
	}
	check(i);
}

static void process_all(void)
{
	for (int i = 1; i <= NODES; i++)
		process(i);
}

/* Deliver up to k queued messages, oldest first. */
static void deliver(size_t k)
{
	while (k-- > 0 && C.nq > 0) {
		struct raft_message m = C.q[0];
		memmove(C.q, C.q + 1, (C.nq - 1) * sizeof C.q[0]);
		C.nq--;
		if (m.to >= 1 && m.to <= NODES) {
			raft_step(C.n[m.to].r, &m);
			process((int)m.to);
		}
		raft_message_release(&m);
	}
}

static int leader(void)
{
	for (int i = 1; i <= NODES; i++)
		if (raft_role(C.n[i].r) == RAFT_LEADER)
			return i;
	return 0;
}

static void propose(void)
{
	int l = leader();
	uint8_t cmd[12];
	struct raft_buf *b;
	if (l == 0)
		return;
	memcpy(cmd, &C.proposals, 8);
	memcpy(cmd + 8, "put!", 4);
	C.proposals++;
	b = raft_buf_new(cmd, sizeof cmd);
	if (b == NULL)
		return;
	raft_propose(C.n[l].r, b, NULL, NULL);
	raft_buf_unref(b);
	process(l);
}

static void snapshot(int i)
{
	struct fnode *f = &C.n[i];
	struct raft_snapshot_meta meta;
	uint64_t applied = raft_applied_index(f->r);
	if (applied == 0 || raft_snapshot_meta_at(f->r, applied, &meta) != 0)
		return;
	f->snap_len = SNAP_LEN - (applied % 17);
	for (uint64_t k = 0; k < f->snap_len; k++)
		f->snap[k] = (uint8_t)(applied * 7 + k);
	meta.size = f->snap_len;
	meta.file_id = applied * 1000003 + f->snap_len + 1;
	f->snap_index = applied;
	raft_compact(f->r, &meta, 2);
	process(i);
}

static void setup(void)
{
	struct raft_conf conf;
	memset(&C, 0, sizeof C);
	memset(&conf, 0, sizeof conf);
	for (int i = 1; i <= NODES; i++) {
		conf.servers[conf.n].id = (raft_id)i;
		conf.servers[conf.n].role = i <= 3 ? RAFT_VOTER : RAFT_LEARNER;
		conf.n++;
	}
	for (int i = 1; i <= NODES; i++) {
		struct raft_options o;
		raft_options_default(&o);
		o.id = (raft_id)i;
		o.cluster_id = 9;
		o.seed = (uint64_t)i;
		o.snapshot_chunk_bytes = 16;
		o.max_msg_bytes = 200;
		o.storage.ud = &C.n[i];
		o.storage.snapshot_read = snap_read;
		C.n[i].r = raft_new(&o);
		if (C.n[i].r == NULL || raft_bootstrap(C.n[i].r, &conf) != 0)
			die("setup");
		process(i);
	}
	raft_campaign(C.n[1].r);
	process(1);
	for (int r = 0; r < 20; r++)
		deliver(MAXQ);
	for (int k = 0; k < 12; k++) {
		propose();
		deliver(MAXQ);
	}
	snapshot(1);
	for (int k = 0; k < 4; k++) {
		propose();
		deliver(MAXQ);
	}
}

static void teardown(void)
{
	for (size_t k = 0; k < C.nq; k++)
		raft_message_release(&C.q[k]);
	C.nq = 0;
	for (int i = 1; i <= NODES; i++)
		raft_free(C.n[i].r);
}

/* --- reading the input ---------------------------------------------------- */

struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t u8(struct in *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

static uint64_t u64(struct in *in)
{
	uint64_t v = 0;
	for (int k = 0; k < 8; k++)
		v = v << 8 | u8(in);
	return v;
}

/* A number near base (most of the time), or anything. */
static uint64_t near(struct in *in, uint64_t base)
{
	uint8_t k = u8(in);
	switch (k & 3) {
	case 0: return base;
	case 1: return base + (k >> 2);
	case 2: return base > (uint64_t)(k >> 2) ? base - (k >> 2) : 0;
	default: return u64(in);
	}
}

static void structured(struct in *in)
{
	struct raft_message m;
	struct raft_entry e[4];
	struct raft *to;
	uint64_t last;
	memset(&m, 0, sizeof m);
	m.type = (uint8_t)(1 + u8(in) % (RAFT_MSG_TYPE_COUNT - 1));
	m.to = 1 + u8(in) % NODES;
	m.from = 1 + u8(in) % NODES;
	if (m.from == m.to)
		m.from = m.to % NODES + 1;
	m.cluster_id = 9;
	to = C.n[m.to].r;
	last = raft_last_index(to);
	m.term = near(in, raft_term(to));
	m.last_index = near(in, last);
	m.last_term = near(in, raft_last_term(to));
	m.transfer = u8(in) & 1;
	m.reject = u8(in) & 1;
	m.prev_index = near(in, last);
	m.prev_term = near(in, raft_term_at(to, m.prev_index));
	m.commit = near(in, raft_commit_index(to));
	m.index = near(in, last);
	m.hint_index = near(in, last);
	m.hint_term = near(in, m.term);
	m.ctx = near(in, 0);
	m.offset = near(in, 0);
	m.snap.index = near(in, last);
	m.snap.term = near(in, m.term);
	m.snap.size = near(in, SNAP_LEN);
	m.snap.file_id = near(in, 1);
	m.last = u8(in) & 1;
	if (m.type == RAFT_MSG_APPEND) {
		m.n_entries = u8(in) % 5;
		for (uint32_t k = 0; k < m.n_entries; k++) {
			e[k].index = near(in, m.prev_index + 1 + k);
			e[k].term = near(in, m.term);
			e[k].type = (uint8_t)(u8(in) % 4);
			e[k].buf = NULL;
		}
		m.entries = e;
	}
	if (m.type == RAFT_MSG_SNAPSHOT) {
		uint8_t len = u8(in) % 40;
		m.chunk = raft_buf_new(in->p, len <= in->n ? len : in->n);
		m.snap.conf = *raft_conf(to);
	}
	raft_step(to, &m);
	raft_buf_unref(m.chunk);
	process((int)m.to);
}

static void encoded(struct in *in)
{
	struct raft_message m;
	char err[GAIA_ERRMSG_SIZE];
	size_t len = (size_t)u8(in) * 2;
	if (len > in->n)
		len = in->n;
	memset(&m, 0, sizeof m);
	if (net_decode_msg(in->p, len, &m, err) != GAIA_OK) {
		raft_message_release(&m);
	} else {
		/* an admitted peer: the connection fixed who speaks to whom */
		m.to = 1 + (m.to % NODES);
		m.from = 1 + (m.from % NODES);
		if (m.from == m.to)
			m.from = m.to % NODES + 1;
		m.cluster_id = 9;
		raft_step(C.n[m.to].r, &m);
		raft_message_release(&m);
		process((int)m.to);
	}
	in->p += len;
	in->n -= len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = {data, size};
	int ops = 0;
	setup();
	while (in.n > 0 && ops++ < 200) {
		uint8_t op = u8(&in);
		switch (op % 8) {
		case 0:
			encoded(&in);
			break;
		case 1:
		case 2:
			structured(&in);
			break;
		case 3: {
			int i = 1 + u8(&in) % NODES;
			raft_tick(C.n[i].r);
			process(i);
			break;
		}
		case 4:
			deliver(1 + u8(&in) % 32);
			break;
		case 5:
			propose();
			break;
		case 6:
			snapshot(1 + u8(&in) % NODES);
			break;
		default:
			/* a partition: drop what is queued */
			for (size_t k = 0; k < C.nq; k++)
				raft_message_release(&C.q[k]);
			C.nq = 0;
			break;
		}
		process_all();
	}
	/* let the cluster run on: nothing may break later either */
	for (int r = 0; r < 30; r++) {
		for (int i = 1; i <= NODES; i++) {
			raft_tick(C.n[i].r);
			process(i);
		}
		deliver(MAXQ);
	}
	teardown();
	return 0;
}
