/* A fake node for the REST API's tests: node_submit() queues, a thread of
 * its own answers (so done() runs off the HTTP threads, as on the real
 * node's loop), over an in-memory sorted KV and a made-up status. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api_fake_node.h"

struct fake_entry {
	char *key;
	size_t klen;
	uint8_t *val;
	size_t vlen;
	uint64_t create_index, modify_index;
};

struct fake_pending {
	struct node_req *req;
	char *key;     /* copies made at submit, as the node promises */
	char *value;
	struct fake_pending *next;
};

struct node {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	pthread_t thread;
	bool stop, hold, refuse;
	int failed;
	int fail_err;
	char fail_msg[GAIA_ERRMSG_SIZE];
	struct fake_pending *head, *tail;
	unsigned submitted, held;

	struct node_status st;
	bool self_leader;
	uint64_t index;
	struct fake_entry *kv;
	size_t n_kv;

	struct node_req last;
	char *last_key, *last_value;
};

raft_id node_id_from_name(const char *name)
{
	uint64_t h = 1469598103934665603ull;

	for (; *name; name++) {
		h ^= (unsigned char)*name;
		h *= 1099511628211ull;
	}
	return h ? h : 1;
}

void node_req_clear(struct node_req *req)
{
	size_t i;

	free(req->out_value);
	req->out_value = NULL;
	req->out_len = 0;
	for (i = 0; i < req->n_items; i++)
		free(req->items[i].key);
	free(req->items);
	req->items = NULL;
	req->n_items = 0;
}

static void fake_peer(struct node_peer_info *p, const char *name, int i, const char *state,
		      bool leader, bool self)
{
	memset(p, 0, sizeof *p);
	snprintf(p->name, sizeof p->name, "%s", name);
	p->id = node_id_from_name(name);
	snprintf(p->raft_addr, sizeof p->raft_addr, "127.0.0.%d:8300", i + 2);
	snprintf(p->api_addr, sizeof p->api_addr, "127.0.0.%d:8080", i + 2);
	p->voter = true;
	p->is_leader = leader;
	p->is_self = self;
	p->state = state;
	p->match_index = 10;
	p->next_index = 11;
	p->last_heartbeat_ms = strcmp(state, "unhealthy") ? 1767225600000 /* 2026-01-01 */ : 0;
	p->lag = 2;
}

/* --- answers ------------------------------------------------------------- */

static struct fake_entry *fake_find(struct node *n, const char *key, size_t klen, size_t *pos)
{
	size_t lo = 0, hi = n->n_kv, mid, m;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		m = n->kv[mid].klen < klen ? n->kv[mid].klen : klen;
		c = memcmp(n->kv[mid].key, key, m);
		if (c == 0)
			c = n->kv[mid].klen < klen ? -1 : n->kv[mid].klen > klen;
		if (c == 0) {
			*pos = mid;
			return &n->kv[mid];
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return NULL;
}

static void fake_not_leader(struct node *n, struct node_req *r)
{
	r->err = GAIA_ENOTLEADER;
	snprintf(r->errmsg, sizeof r->errmsg, "not the leader");
	r->status = n->st;
}

static void fake_put(struct node *n, struct fake_pending *p, struct node_req *r)
{
	size_t pos;
	struct fake_entry *e = fake_find(n, p->key, r->key_len, &pos);

	if (r->has_cas && (r->cas == 0 ? e != NULL : (!e || e->modify_index != r->cas))) {
		r->err = GAIA_ECAS;
		r->modify_index = e ? e->modify_index : 0;
		snprintf(r->errmsg, sizeof r->errmsg, "compare-and-set failed: modify index is %llu",
			 (unsigned long long)r->modify_index);
		return;
	}
	n->index++;
	if (!e) {
		n->kv = realloc(n->kv, (n->n_kv + 1) * sizeof *n->kv);
		memmove(&n->kv[pos + 1], &n->kv[pos], (n->n_kv - pos) * sizeof *n->kv);
		n->n_kv++;
		e = &n->kv[pos];
		e->key = malloc(r->key_len + 1);
		memcpy(e->key, p->key, r->key_len);
		e->key[r->key_len] = '\0';
		e->klen = r->key_len;
		e->create_index = n->index;
	} else {
		free(e->val);
	}
	e->val = malloc(r->value_len ? r->value_len : 1);
	memcpy(e->val, p->value, r->value_len);
	e->vlen = r->value_len;
	e->modify_index = n->index;
	r->index = n->index;
	r->create_index = e->create_index;
	r->modify_index = e->modify_index;
}

static void fake_kv(struct node *n, struct fake_pending *p, struct node_req *r)
{
	struct fake_entry *e;
	size_t pos, i;

	if (!n->self_leader && !(r->stale && (r->op == NODE_OP_GET || r->op == NODE_OP_LIST))) {
		fake_not_leader(n, r);
		return;
	}
	switch (r->op) {
	case NODE_OP_PUT:
		fake_put(n, p, r);
		return;
	case NODE_OP_GET:
		e = fake_find(n, p->key, r->key_len, &pos);
		if (!e) {
			r->err = GAIA_ENOTFOUND;
			return;
		}
		r->out_value = malloc(e->vlen ? e->vlen : 1);
		memcpy(r->out_value, e->val, e->vlen);
		r->out_len = e->vlen;
		r->create_index = e->create_index;
		r->modify_index = e->modify_index;
		return;
	case NODE_OP_DELETE:
		e = fake_find(n, p->key, r->key_len, &pos);
		if (!e) {
			r->err = GAIA_ENOTFOUND;
			return;
		}
		if (r->has_cas && e->modify_index != r->cas) {
			r->err = GAIA_ECAS;
			r->modify_index = e->modify_index;
			return;
		}
		free(e->key);
		free(e->val);
		memmove(&n->kv[pos], &n->kv[pos + 1], (n->n_kv - pos - 1) * sizeof *n->kv);
		n->n_kv--;
		r->index = ++n->index;
		return;
	default: /* LIST */
		r->items = calloc(n->n_kv ? n->n_kv : 1, sizeof *r->items);
		for (i = 0; i < n->n_kv; i++) {
			e = &n->kv[i];
			if (e->klen < r->key_len || memcmp(e->key, p->key, r->key_len) != 0)
				continue;
			if (r->limit && r->n_items == r->limit)
				break;
			r->items[r->n_items].key = strdup(e->key);
			r->items[r->n_items].key_len = e->klen;
			r->items[r->n_items].create_index = e->create_index;
			r->items[r->n_items].modify_index = e->modify_index;
			r->items[r->n_items].size = e->vlen;
			r->n_items++;
		}
		return;
	}
}

static uint32_t fake_voters(struct node *n)
{
	uint32_t v = 0;
	size_t i;

	for (i = 0; i < n->st.n_peers; i++)
		v += n->st.peers[i].voter;
	return v;
}

static struct node_peer_info *fake_peer_find(struct node *n, const char *name, size_t *pos)
{
	size_t i;

	for (i = 0; i < n->st.n_peers; i++)
		if (!strcmp(n->st.peers[i].name, name)) {
			*pos = i;
			return &n->st.peers[i];
		}
	return NULL;
}

static void fake_membership(struct node *n, struct node_req *r)
{
	struct node_peer_info *pi;
	size_t pos;

	if (!n->self_leader) {
		fake_not_leader(n, r);
		return;
	}
	pi = fake_peer_find(n, r->op == NODE_OP_LEAVE ? n->st.node_id : r->peer_name, &pos);
	r->voters_before = fake_voters(n);
	if (r->op == NODE_OP_ADD_PEER) {
		if (pi) {
			r->err = GAIA_EEXIST;
			snprintf(r->errmsg, sizeof r->errmsg, "'%s' is already a member", r->peer_name);
			return;
		}
		r->voters_after = r->voters_before + (r->voter ? 1 : 0);
		if (r->dry_run)
			return;
		pi = &n->st.peers[n->st.n_peers++];
		memset(pi, 0, sizeof *pi);
		snprintf(pi->name, sizeof pi->name, "%s", r->peer_name);
		snprintf(pi->raft_addr, sizeof pi->raft_addr, "%s", r->peer_addr);
		snprintf(pi->api_addr, sizeof pi->api_addr, "%s", r->peer_api);
		/* the incarnation the request names, else the name's first */
		pi->id = r->peer_raft_id ? r->peer_raft_id : node_id_from_name(r->peer_name);
		pi->state = "joining";
		return;
	}
	if (!pi) {
		r->err = GAIA_ENOTFOUND;
		snprintf(r->errmsg, sizeof r->errmsg, "no peer '%s'", r->peer_name);
		return;
	}
	if (r->op == NODE_OP_REMOVE_PEER && !strcmp(pi->state, "unhealthy") && !r->force) {
		r->err = GAIA_EBUSY;
		snprintf(r->errmsg, sizeof r->errmsg,
			 "peer '%s' is unreachable: remove it with ?force=true", r->peer_name);
		return;
	}
	r->voters_after = r->voters_before - (pi->voter ? 1 : 0);
	if (r->dry_run)
		return;
	memmove(pi, pi + 1, (n->st.n_peers - pos - 1) * sizeof *pi);
	n->st.n_peers--;
	r->status = n->st;
}

static void fake_answer(struct node *n, struct fake_pending *p)
{
	struct node_req *r = p->req;

	if (n->fail_err) {
		r->err = n->fail_err;
		snprintf(r->errmsg, sizeof r->errmsg, "%s", n->fail_msg);
		r->status = n->st;
		return;
	}
	switch (r->op) {
	case NODE_OP_STATUS:
		r->status = n->st;
		return;
	case NODE_OP_ADD_PEER:
	case NODE_OP_REMOVE_PEER:
	case NODE_OP_LEAVE:
		fake_membership(n, r);
		return;
	default:
		fake_kv(n, p, r);
	}
}

static void fake_pending_free(struct fake_pending *p)
{
	free(p->key);
	free(p->value);
	free(p);
}

static void *fake_loop(void *arg)
{
	struct node *n = arg;
	struct fake_pending *p;

	pthread_mutex_lock(&n->mu);
	for (;;) {
		while (!n->stop && (n->hold || !n->head))
			pthread_cond_wait(&n->cond, &n->mu);
		if (n->stop)
			break;
		p = n->head;
		n->head = p->next;
		if (!n->head)
			n->tail = NULL;
		n->held--;
		fake_answer(n, p);
		pthread_mutex_unlock(&n->mu);
		p->req->done(p->req);
		fake_pending_free(p);
		pthread_mutex_lock(&n->mu);
	}
	/* what is left is answered as the real node does when it stops */
	while ((p = n->head)) {
		n->head = p->next;
		n->held--;
		p->req->err = GAIA_ESHUTDOWN;
		snprintf(p->req->errmsg, sizeof p->req->errmsg, "the node is stopping");
		pthread_mutex_unlock(&n->mu);
		p->req->done(p->req);
		fake_pending_free(p);
		pthread_mutex_lock(&n->mu);
	}
	pthread_mutex_unlock(&n->mu);
	return NULL;
}

/* --- the node's interface ------------------------------------------------- */

static char *fake_dup(const void *s, size_t len)
{
	char *d = malloc(len + 1);

	if (len)
		memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

int node_submit(struct node *n, struct node_req *req)
{
	struct fake_pending *p;

	pthread_mutex_lock(&n->mu);
	if (n->refuse || n->stop) {
		pthread_mutex_unlock(&n->mu);
		return GAIA_ESHUTDOWN;
	}
	p = calloc(1, sizeof *p);
	p->req = req;
	p->key = fake_dup(req->key, req->key ? req->key_len : 0);
	p->value = fake_dup(req->value, req->value ? req->value_len : 0);
	req->err = GAIA_OK;
	req->errmsg[0] = '\0';
	free(n->last_key);
	free(n->last_value);
	n->last = *req;
	n->last_key = fake_dup(p->key, req->key ? req->key_len : 0);
	n->last_value = fake_dup(p->value, req->value ? req->value_len : 0);
	n->last.key = n->last_key;
	n->last.value = n->last_value;
	if (n->tail)
		n->tail->next = p;
	else
		n->head = p;
	n->tail = p;
	n->submitted++;
	n->held++;
	pthread_cond_broadcast(&n->cond);
	pthread_mutex_unlock(&n->mu);
	return GAIA_OK;
}

struct node *fake_node_new(const char *name)
{
	struct node *n = calloc(1, sizeof *n);
	char peer[NODE_NAME_MAX];

	pthread_mutex_init(&n->mu, NULL);
	pthread_cond_init(&n->cond, NULL);
	snprintf(n->st.node_id, sizeof n->st.node_id, "%s", name);
	n->st.cluster_id = 0x1234abcd;
	n->st.node_state = "running";
	n->st.term = 7;
	n->st.first_index = 1;
	n->st.last_index = 12;
	n->st.commit_index = 12;
	n->st.applied_index = 12;
	n->st.n_peers = 3;
	fake_peer(&n->st.peers[0], name, 0, "healthy", true, true);
	snprintf(peer, sizeof peer, "%s-b", name);
	fake_peer(&n->st.peers[1], peer, 1, "healthy", false, false);
	snprintf(peer, sizeof peer, "%s-c", name);
	fake_peer(&n->st.peers[2], peer, 2, "unhealthy", false, false);
	n->index = 100;
	fake_node_set_leader(n, true, name, "127.0.0.2:8080");
	pthread_create(&n->thread, NULL, fake_loop, n);
	return n;
}

void fake_node_free(struct node *n)
{
	size_t i;

	pthread_mutex_lock(&n->mu);
	n->stop = true;
	pthread_cond_broadcast(&n->cond);
	pthread_mutex_unlock(&n->mu);
	pthread_join(n->thread, NULL);
	for (i = 0; i < n->n_kv; i++) {
		free(n->kv[i].key);
		free(n->kv[i].val);
	}
	free(n->kv);
	free(n->last_key);
	free(n->last_value);
	pthread_mutex_destroy(&n->mu);
	pthread_cond_destroy(&n->cond);
	free(n);
}

void fake_node_set_leader(struct node *n, bool self, const char *leader_id, const char *leader_api)
{
	pthread_mutex_lock(&n->mu);
	n->self_leader = self;
	n->st.role = self ? "leader" : "follower";
	n->st.has_leader = leader_id != NULL;
	snprintf(n->st.leader_id, sizeof n->st.leader_id, "%s", leader_id ? leader_id : "");
	snprintf(n->st.leader_api_addr, sizeof n->st.leader_api_addr, "%s",
		 leader_api ? leader_api : "");
	n->st.peers[0].is_leader = self;
	pthread_mutex_unlock(&n->mu);
}

void fake_node_set_peer_state(struct node *n, const char *peer, const char *state)
{
	size_t pos;
	struct node_peer_info *p;

	pthread_mutex_lock(&n->mu);
	p = fake_peer_find(n, peer, &pos);
	if (p)
		p->state = state;
	pthread_mutex_unlock(&n->mu);
}

void fake_node_hold(struct node *n, bool hold)
{
	pthread_mutex_lock(&n->mu);
	n->hold = hold;
	pthread_cond_broadcast(&n->cond);
	pthread_mutex_unlock(&n->mu);
}

void fake_node_fail(struct node *n, int err, const char *msg)
{
	pthread_mutex_lock(&n->mu);
	n->fail_err = err;
	snprintf(n->fail_msg, sizeof n->fail_msg, "%s", msg ? msg : "");
	pthread_mutex_unlock(&n->mu);
}

void fake_node_refuse(struct node *n, bool refuse)
{
	pthread_mutex_lock(&n->mu);
	n->refuse = refuse;
	pthread_mutex_unlock(&n->mu);
}

unsigned fake_node_submitted(struct node *n)
{
	unsigned v;

	pthread_mutex_lock(&n->mu);
	v = n->submitted;
	pthread_mutex_unlock(&n->mu);
	return v;
}

unsigned fake_node_held(struct node *n)
{
	unsigned v;

	pthread_mutex_lock(&n->mu);
	v = n->held;
	pthread_mutex_unlock(&n->mu);
	return v;
}

struct node_req fake_node_last(struct node *n)
{
	struct node_req r;

	pthread_mutex_lock(&n->mu);
	r = n->last;
	pthread_mutex_unlock(&n->mu);
	return r;
}

bool fake_node_wait_held(struct node *n, unsigned count)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (fake_node_held(n) >= count)
			return true;
		usleep(10000);
	}
	return false;
}

/* discovery is not faked: the list is empty */
int node_discovered_nodes(struct node *n, struct node_discovered **out, size_t *count)
{
	(void)n;
	*out = NULL;
	*count = 0;
	return GAIA_OK;
}

bool node_failed(struct node *n)
{
	return __atomic_load_n(&n->failed, __ATOMIC_ACQUIRE) != 0;
}

void fake_node_set_failed(struct node *n, bool failed)
{
	__atomic_store_n(&n->failed, failed ? 1 : 0, __ATOMIC_RELEASE);
}

raft_id fake_node_peer_id(struct node *n, const char *name)
{
	struct node_peer_info *pi;
	size_t pos;
	raft_id id;

	pthread_mutex_lock(&n->mu);
	pi = fake_peer_find(n, name, &pos);
	id = pi ? pi->id : 0;
	pthread_mutex_unlock(&n->mu);
	return id;
}
