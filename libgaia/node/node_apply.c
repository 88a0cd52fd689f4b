/* Applying committed entries to the KV and answering the requests that
 * waited on them: writes when their entry applies (or is superseded),
 * linearizable reads when the applied index reaches their read index. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node/node_internal.h"

void reqq_push(struct node_reqq *q, struct node_req *r)
{
	r->next = NULL;
	if (q->tail)
		q->tail->next = r;
	else
		q->head = r;
	q->tail = r;
}

struct node_req *reqq_pop(struct node_reqq *q)
{
	struct node_req *r = q->head;
	if (r != NULL) {
		q->head = r->next;
		if (q->head == NULL)
			q->tail = NULL;
		r->next = NULL;
	}
	return r;
}

void req_finish(struct node_req *r, int err, const char *fmt, ...)
{
	r->err = err;
	if (fmt != NULL) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(r->errmsg, sizeof r->errmsg, fmt, ap);
		va_end(ap);
	}
	free(r->priv); /* the copied inputs */
	r->priv = NULL;
	r->key = r->value = NULL;
	if (r->done)
		r->done(r);
}

static void finish_write(struct node_req *r, const struct kv_result *res)
{
	r->create_index = res->create_index;
	r->modify_index = res->modify_index;
	switch (res->status) {
	case GAIA_OK:
		req_finish(r, GAIA_OK, NULL);
		break;
	case GAIA_ECAS:
		req_finish(r, GAIA_ECAS, "compare-and-set failed: the key's modify index is %llu",
			   (unsigned long long)res->modify_index);
		break;
	default:
		req_finish(r, res->status, "%s", res->errmsg);
		break;
	}
}

void node_apply_entries(struct node *n, const struct raft_entry *ents, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		const struct raft_entry *e = &ents[i];
		struct kv_result res;
		struct node_req *r;
		int rv;

		if (e->index <= kv_applied_index(n->kv))
			continue; /* already in the restored snapshot */
		memset(&res, 0, sizeof res);
		if (e->type == RAFT_ENTRY_NORMAL) {
			rv = kv_apply(n->kv, e->index, e->buf ? e->buf->data : NULL,
				      e->buf ? e->buf->len : 0, &res);
			n->m_ops[res.status == GAIA_ECAS ? 2
				 : res.op == KV_OP_PUT ? 0
				 : res.op == KV_OP_DELETE ? 1 : 3]++;
		}
		else
			rv = kv_apply_noop(n->kv, e->index);
		if (rv != GAIA_OK) {
			node_log(n, NODE_LOG_ERROR, "node", NULL, "cannot apply entry %llu: %s",
				 (unsigned long long)e->index, kv_errmsg(n->kv));
			n->fatal = true;
			n->stop_requested = true;
			return;
		}
		if (e->type == RAFT_ENTRY_CONF) {
			struct raft_conf_change cc;
			if (e->buf && raft_conf_decode(e->buf->data, e->buf->len, &cc) == GAIA_OK &&
			    cc.op == RAFT_CONF_REMOVE) {
				if (cc.id == n->id) {
					/* status says "removed" from the configuration;
					 * the members' refusals make it final (on_refused):
					 * a wiped node re-added under this id replays this
					 * entry on its way to the one that re-added it */
					node_log(n, NODE_LOG_INFO, "node", NULL,
						 "applied the removal of this node (index %llu)",
						 (unsigned long long)e->index);
				} else if (raft_conf_get(raft_conf(n->raft), cc.id) == NULL) {
					/* it must dial again, to be told; unless the
					 * log already holds its re-add (a restart
					 * replays the old removal): then it stays */
					net_forget_peer(n->net, cc.id);
					net_disconnect(n->net, cc.id);
				}
			}
		}
		while ((r = n->proposals.head) != NULL && r->index <= e->index) {
			reqq_pop(&n->proposals);
			if (r->index == e->index && r->term == e->term) {
				metrics_hist_observe(&n->m_commit,
						     (double)(node_mono_ms() * 1000 - r->start_us) / 1e6);
				finish_write(r, &res);
			}
			else
				req_finish(r, GAIA_ECANCELED,
					   "the write lost its place in the log to a new leader; "
					   "it was not applied");
		}
		while ((r = n->conf_wait.head) != NULL && r->index <= e->index) {
			reqq_pop(&n->conf_wait);
			if (r->index == e->index && r->term == e->term) {
				node_fill_status(n, &r->status);
				req_finish(r, GAIA_OK, NULL);
			} else {
				req_finish(r, GAIA_ECANCELED,
					   "the membership change was superseded; retry");
			}
		}
	}
}

void node_reads_released(struct node *n, const struct raft_read *reads, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		struct node_req *prev = NULL, *r = n->reads_wait.head;
		while (r != NULL && r->seq != reads[i].ctx) {
			prev = r;
			r = r->next;
		}
		if (r == NULL)
			continue;
		if (prev)
			prev->next = r->next;
		else
			n->reads_wait.head = r->next;
		if (n->reads_wait.tail == r)
			n->reads_wait.tail = prev;
		if (reads[i].status != RAFT_READ_OK) {
			req_finish(r, GAIA_EUNAVAIL, "leadership was lost before the read was confirmed");
			continue;
		}
		r->read_index = reads[i].index;
		reqq_push(&n->reads_ready, r);
	}
}

struct list_ctx {
	struct node_req *r;
	size_t cap;
	bool oom;
};

static int list_cb(const struct kv_entry *e, void *arg)
{
	struct list_ctx *c = arg;
	struct node_req *r = c->r;
	struct node_list_item *it;
	if (r->n_items == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct node_list_item *ni = realloc(r->items, cap * sizeof *ni);
		if (ni == NULL) {
			c->oom = true;
			return 1;
		}
		r->items = ni;
		c->cap = cap;
	}
	it = &r->items[r->n_items];
	it->key = malloc(e->key_len + 1);
	if (it->key == NULL) {
		c->oom = true;
		return 1;
	}
	memcpy(it->key, e->key, e->key_len);
	it->key[e->key_len] = 0;
	it->key_len = e->key_len;
	it->create_index = e->create_index;
	it->modify_index = e->modify_index;
	it->size = e->value_len;
	r->n_items++;
	return 0;
}

/* Serve a read from the local state now. */
void node_serve_read(struct node *n, struct node_req *r)
{
	r->index = kv_applied_index(n->kv);
	if (r->op == NODE_OP_GET) {
		struct kv_entry e;
		if (kv_get(n->kv, r->key, r->key_len, &e) != GAIA_OK) {
			req_finish(r, GAIA_ENOTFOUND, "no such key");
			return;
		}
		r->out_value = malloc(e.value_len ? e.value_len : 1);
		if (r->out_value == NULL) {
			req_finish(r, GAIA_ENOMEM, "out of memory");
			return;
		}
		memcpy(r->out_value, e.value, e.value_len);
		r->out_len = e.value_len;
		r->create_index = e.create_index;
		r->modify_index = e.modify_index;
		req_finish(r, GAIA_OK, NULL);
	} else {
		struct list_ctx c = {r, 0, false};
		kv_list(n->kv, r->key, r->key_len, r->limit, list_cb, &c);
		if (c.oom)
			req_finish(r, GAIA_ENOMEM, "out of memory");
		else
			req_finish(r, GAIA_OK, NULL);
	}
}

void node_serve_ready_reads(struct node *n)
{
	struct node_req *keep_head = NULL, *keep_tail = NULL, *r;
	uint64_t applied = kv_applied_index(n->kv);
	while ((r = reqq_pop(&n->reads_ready)) != NULL) {
		if (r->read_index <= applied) {
			node_serve_read(n, r);
			continue;
		}
		if (keep_tail)
			keep_tail->next = r;
		else
			keep_head = r;
		keep_tail = r;
	}
	n->reads_ready.head = keep_head;
	n->reads_ready.tail = keep_tail;
}

static void fail_queue(struct node_reqq *q, int err, const char *msg)
{
	struct node_req *r;
	while ((r = reqq_pop(q)) != NULL)
		req_finish(r, err, "%s", msg);
}

void node_fail_all(struct node *n, int err, const char *msg)
{
	fail_queue(&n->proposals, err, msg);
	fail_queue(&n->reads_wait, err, msg);
	fail_queue(&n->reads_ready, err, msg);
	fail_queue(&n->conf_wait, err, msg);
	fail_queue(&n->transfer_wait, err, msg);
}

static void expire_queue(struct node_reqq *q, uint64_t now, const char *msg)
{
	struct node_req *prev = NULL, *r = q->head;
	while (r != NULL) {
		struct node_req *next = r->next;
		if (r->deadline_ms != 0 && r->deadline_ms <= now) {
			if (prev)
				prev->next = next;
			else
				q->head = next;
			if (q->tail == r)
				q->tail = prev;
			req_finish(r, GAIA_EUNAVAIL, "%s", msg);
		} else {
			prev = r;
		}
		r = next;
	}
}

void node_expire_requests(struct node *n)
{
	uint64_t now = node_mono_ms();
	expire_queue(&n->proposals, now,
		     "timed out waiting for the write to commit (no quorum?); its outcome is unknown");
	expire_queue(&n->reads_wait, now, "timed out confirming leadership (no quorum?)");
	expire_queue(&n->reads_ready, now, "timed out waiting for the read index to apply");
	expire_queue(&n->conf_wait, now,
		     "timed out waiting for the membership change to commit; its outcome is unknown");
}

void node_req_clear(struct node_req *req)
{
	free(req->out_value);
	req->out_value = NULL;
	req->out_len = 0;
	for (size_t i = 0; i < req->n_items; i++)
		free(req->items[i].key);
	free(req->items);
	req->items = NULL;
	req->n_items = 0;
	free(req->snaps);
	req->snaps = NULL;
	req->n_snaps = 0;
	if (req->op == NODE_OP_SNAPSHOT_OPEN && req->fd > 0)
		close(req->fd); /* opened for a download that did not happen */
	req->fd = -1;
	free(req->priv);
	req->priv = NULL;
}
