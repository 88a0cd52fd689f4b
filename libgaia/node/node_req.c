/* Requests from other threads: queued under a lock, taken on the loop, and
 * turned into proposals, ReadIndex reads, membership changes or answers. */
#include <stdlib.h>
#include <string.h>

#include "node/node_internal.h"

int node_submit(struct node *n, struct node_req *req)
{
	size_t need = req->key_len + req->value_len + 2;
	uint8_t *copy;

	req->err = GAIA_OK;
	req->errmsg[0] = 0;
	req->out_value = NULL;
	req->items = NULL;
	req->n_items = 0;
	req->snaps = NULL;
	req->n_snaps = 0;
	req->fd = -1;
	req->next = NULL;
	if (req->op <= 0 || req->op >= NODE_OP_COUNT)
		return GAIA_EINVAL;
	copy = malloc(need);
	if (copy == NULL)
		return GAIA_ENOMEM;
	if (req->key_len)
		memcpy(copy, req->key, req->key_len);
	copy[req->key_len] = 0;
	if (req->value_len)
		memcpy(copy + req->key_len + 1, req->value, req->value_len);
	req->priv = copy;
	req->key = copy;
	req->value = copy + req->key_len + 1;

	pthread_mutex_lock(&n->q_lock);
	if (n->stopping) {
		pthread_mutex_unlock(&n->q_lock);
		free(copy);
		req->priv = NULL;
		return GAIA_ESHUTDOWN;
	}
	reqq_push(&n->incoming, req);
	pthread_mutex_unlock(&n->q_lock);
	uv_async_send(&n->wakeup);
	return GAIA_OK;
}

void node_not_leader(struct node *n, struct node_req *r)
{
	node_fill_status(n, &r->status);
	if (r->status.has_leader)
		req_finish(r, GAIA_ENOTLEADER, "this node is not the leader; the leader is %s",
			   r->status.leader_id);
	else
		req_finish(r, GAIA_EUNAVAIL, "no leader is known right now; retry shortly");
}

static uint64_t deadline(struct node *n)
{
	uint64_t t = n->cfg.rpc_timeout_ms ? n->cfg.rpc_timeout_ms : 5000;
	return node_mono_ms() + t;
}

static void do_write(struct node *n, struct node_req *r)
{
	struct kv_cmd cmd;
	uint8_t stack[512], *buf = stack;
	size_t len;
	struct raft_buf *b;
	int rv;

	memset(&cmd, 0, sizeof cmd);
	cmd.op = r->op == NODE_OP_PUT ? KV_OP_PUT : KV_OP_DELETE;
	cmd.has_cas = r->has_cas;
	cmd.cas = r->cas;
	cmd.key = r->key;
	cmd.key_len = r->key_len;
	cmd.value = r->value;
	cmd.value_len = r->op == NODE_OP_PUT ? r->value_len : 0;
	if (raft_role(n->raft) != RAFT_LEADER) {
		node_not_leader(n, r);
		return;
	}
	len = kv_cmd_encoded_size(&cmd);
	if (len > sizeof stack && (buf = malloc(len)) == NULL) {
		req_finish(r, GAIA_ENOMEM, "out of memory");
		return;
	}
	rv = kv_cmd_encode(&cmd, kv_limits(n->kv), buf, len, &len, r->errmsg);
	if (rv != GAIA_OK) {
		if (buf != stack)
			free(buf);
		req_finish(r, rv, NULL);
		return;
	}
	b = raft_buf_new(buf, len);
	if (buf != stack)
		free(buf);
	if (b == NULL) {
		req_finish(r, GAIA_ENOMEM, "out of memory");
		return;
	}
	rv = raft_propose(n->raft, b, &r->index, &r->term);
	raft_buf_unref(b);
	if (rv == GAIA_EBUSY) {
		req_finish(r, GAIA_EUNAVAIL, "leadership is being transferred; retry shortly");
		return;
	}
	if (rv != GAIA_OK) {
		node_not_leader(n, r);
		return;
	}
	r->deadline_ms = deadline(n);
	r->start_us = node_mono_ms() * 1000;
	reqq_push(&n->proposals, r);
}

static void do_read(struct node *n, struct node_req *r)
{
	if (r->stale) {
		node_serve_read(n, r);
		return;
	}
	if (raft_role(n->raft) != RAFT_LEADER) {
		node_not_leader(n, r);
		return;
	}
	r->seq = ++n->next_seq;
	if (raft_read_index(n->raft, r->seq) != GAIA_OK) {
		node_not_leader(n, r);
		return;
	}
	r->deadline_ms = deadline(n);
	reqq_push(&n->reads_wait, r);
}

/* Live voters: those the leader heard from within an election timeout. */
static uint32_t live_voters(struct node *n, const struct raft_conf *c, raft_id skip)
{
	uint32_t live = 0;
	for (uint32_t i = 0; i < c->n; i++) {
		struct raft_progress_info pi;
		if (c->servers[i].role != RAFT_VOTER || c->servers[i].id == skip)
			continue;
		if (c->servers[i].id == n->id)
			live++;
		else if (raft_progress(n->raft, c->servers[i].id, &pi) == GAIA_OK &&
			 raft_ticks(n->raft) - pi.last_contact <=
				 n->cfg.election_timeout_ms / n->tick_ms)
			live++;
	}
	return live;
}

static void do_membership(struct node *n, struct node_req *r)
{
	const struct raft_conf *c;
	struct node_member m, *named;
	raft_id id;
	int op, rv;
	uint8_t *ctx = NULL;
	size_t ctx_len = 0;

	if (r->op == NODE_OP_LEAVE) {
		str_copy(r->peer_name, sizeof r->peer_name, n->name);
		/* a leader hands over first; the new leader then removes us
		 * (the API forwards the removal there) */
		if (raft_role(n->raft) == RAFT_LEADER && !r->dry_run &&
		    raft_conf_voters(raft_conf(n->raft)) > 1 &&
		    raft_transfer_leadership(n->raft, 0) == GAIA_OK) {
			node_log(n, NODE_LOG_INFO, "raft", NULL,
				 "leaving the cluster: handing leadership over first");
			r->deadline_ms = node_mono_ms() + 2 * n->cfg.election_timeout_ms + 500;
			reqq_push(&n->transfer_wait, r);
			return;
		}
	}
	if (r->peer_name[0] == 0) {
		req_finish(r, GAIA_EINVAL, "a node id is needed");
		return;
	}
	if (raft_role(n->raft) != RAFT_LEADER) {
		node_not_leader(n, r);
		return;
	}
	if (raft_term_at(n->raft, raft_commit_index(n->raft)) != raft_term(n->raft)) {
		/* just elected: a moment until its first entry commits */
		req_finish(r, GAIA_EUNAVAIL,
			   "the new leader has not committed its first entry yet; retry shortly");
		return;
	}
	c = raft_conf(n->raft);
	named = book_member_named(&n->book, c, r->peer_name);
	r->voters_before = raft_conf_voters(c);
	if (r->op == NODE_OP_ADD_PEER) {
		/* each join adds an incarnation under its own id: a name added
		 * again after its removal comes with a fresh one (the node was
		 * wiped), and a removed id never comes back */
		op = RAFT_CONF_ADD_LEARNER;
		if (named != NULL && (r->peer_raft_id == 0 || r->peer_raft_id == named->id)) {
			req_finish(r, GAIA_EEXIST, "node '%s' is already a member", r->peer_name);
			return;
		}
		r->voters_after = r->voters_before + (r->voter ? 1 : 0);
		if (r->peer_raft_id == 0 && !r->dry_run) {
			node_join_probe(n, r); /* who is there? then here again */
			return;
		}
		id = r->peer_raft_id;
		if (id != 0 && (rv = node_join_verdict(&n->book, c, r->peer_name, id,
							r->errmsg)) != GAIA_OK) {
			req_finish(r, rv, NULL);
			return;
		}
	} else {
		const struct raft_server *s;
		id = named ? named->id : 0;
		s = id ? raft_conf_get(c, id) : NULL;
		op = RAFT_CONF_REMOVE;
		if (s == NULL) {
			req_finish(r, GAIA_ENOTFOUND, "node '%s' is not a member", r->peer_name);
			return;
		}
		r->voters_after = r->voters_before - (s->role == RAFT_VOTER ? 1 : 0);
		if (!r->force && id != n->id && s->role == RAFT_VOTER) {
			struct raft_progress_info pi;
			if (raft_progress(n->raft, id, &pi) == GAIA_OK &&
			    raft_ticks(n->raft) - pi.last_contact >
				    n->cfg.election_timeout_ms / n->tick_ms) {
				req_finish(r, GAIA_EBUSY,
					   "node '%s' is unreachable; to remove a dead node use ?force=true",
					   r->peer_name);
				return;
			}
		}
		if (!r->force && s->role == RAFT_VOTER &&
		    live_voters(n, c, id) < r->voters_after / 2 + 1) {
			req_finish(r, GAIA_EBUSY,
				   "removing '%s' would leave %u voters with fewer than a quorum "
				   "of them live; use ?force=true to do it anyway",
				   r->peer_name, r->voters_after);
			return;
		}
	}
	if (r->dry_run) {
		req_finish(r, GAIA_OK, NULL);
		return;
	}
	if (op != RAFT_CONF_REMOVE) {
		memset(&m, 0, sizeof m);
		m.id = id;
		str_copy(m.name, sizeof m.name, r->peer_name);
		str_copy(m.raft_addr, sizeof m.raft_addr, r->peer_addr);
		str_copy(m.api_addr, sizeof m.api_addr, r->peer_api);
		book_put(&n->book, &m);
		ctx = book_ctx_encode(&m, 1, &ctx_len);
		if (ctx == NULL) {
			req_finish(r, GAIA_ENOMEM, "out of memory");
			return;
		}
	}
	rv = raft_change_membership(n->raft, op, id, ctx, ctx_len, &r->index);
	free(ctx);
	if (rv != GAIA_OK) {
		req_finish(r, rv == GAIA_ENOTLEADER ? GAIA_EUNAVAIL : rv, "%s",
			   raft_errmsg(n->raft));
		return;
	}
	r->term = raft_term(n->raft);
	node_log(n, NODE_LOG_INFO, "raft", NULL, "membership change: %s %s (incarnation %016llx)",
		 op == RAFT_CONF_ADD_LEARNER ? "adding learner" : "removing", r->peer_name,
		 (unsigned long long)id);
	r->deadline_ms = deadline(n);
	reqq_push(&n->conf_wait, r);
}

static void dispatch(struct node *n, struct node_req *r)
{
	switch (r->op) {
	case NODE_OP_PUT:
	case NODE_OP_DELETE:
		do_write(n, r);
		break;
	case NODE_OP_GET:
	case NODE_OP_LIST:
		do_read(n, r);
		break;
	case NODE_OP_STATUS:
		node_fill_status(n, &r->status);
		req_finish(r, GAIA_OK, NULL);
		break;
	case NODE_OP_ADD_PEER:
	case NODE_OP_REMOVE_PEER:
	case NODE_OP_LEAVE:
		do_membership(n, r);
		break;
	default:
		node_dispatch_ops(n, r);
	}
}

void node_dispatch_again(struct node *n, struct node_req *r)
{
	dispatch(n, r);
	node_pump(n);
}

void node_take_requests(struct node *n)
{
	struct node_reqq q;
	struct node_req *r;
	pthread_mutex_lock(&n->q_lock);
	q = n->incoming;
	n->incoming.head = n->incoming.tail = NULL;
	pthread_mutex_unlock(&n->q_lock);
	while ((r = reqq_pop(&q)) != NULL)
		dispatch(n, r);
	node_pump(n);
}
