/* Messages: copies, release, the outgoing queues and their ordering. */
#include <stdlib.h>

#include "raft/raft_impl.h"

static const char *const msg_names[RAFT_MSG_TYPE_COUNT] = {
	[RAFT_MSG_PREVOTE] = "PreVote",
	[RAFT_MSG_PREVOTE_RESP] = "PreVoteResp",
	[RAFT_MSG_VOTE] = "Vote",
	[RAFT_MSG_VOTE_RESP] = "VoteResp",
	[RAFT_MSG_APPEND] = "Append",
	[RAFT_MSG_APPEND_RESP] = "AppendResp",
	[RAFT_MSG_HEARTBEAT] = "Heartbeat",
	[RAFT_MSG_HEARTBEAT_RESP] = "HeartbeatResp",
	[RAFT_MSG_SNAPSHOT] = "Snapshot",
	[RAFT_MSG_SNAPSHOT_RESP] = "SnapshotResp",
	[RAFT_MSG_TIMEOUT_NOW] = "TimeoutNow",
};

const char *raft_msg_type_name(int type)
{
	if (type <= 0 || type >= RAFT_MSG_TYPE_COUNT)
		return "Unknown";
	return msg_names[type];
}

int raft_message_clone(const struct raft_message *m, struct raft_message *out)
{
	*out = *m;
	out->entries = NULL;
	if (m->n_entries > 0) {
		out->entries = malloc(m->n_entries * sizeof *out->entries);
		if (out->entries == NULL)
			return GAIA_ENOMEM;
		for (uint32_t i = 0; i < m->n_entries; i++) {
			out->entries[i] = m->entries[i];
			raft_buf_ref(out->entries[i].buf);
		}
	}
	raft_buf_ref(out->chunk);
	return GAIA_OK;
}

void raft_message_release(struct raft_message *m)
{
	for (uint32_t i = 0; i < m->n_entries; i++)
		raft_buf_unref(m->entries[i].buf);
	free(m->entries);
	raft_buf_unref(m->chunk);
	m->entries = NULL;
	m->n_entries = 0;
	m->chunk = NULL;
}

int msgq_push(struct raft_msgq *q, const struct raft_message *m)
{
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 16;
		struct raft_message *nm = realloc(q->m, cap * sizeof *nm);
		if (nm == NULL)
			return GAIA_ENOMEM;
		q->m = nm;
		q->cap = cap;
	}
	q->m[q->n++] = *m;
	return GAIA_OK;
}

void msgq_release(struct raft_msgq *q)
{
	for (size_t i = 0; i < q->n; i++)
		raft_message_release(&q->m[i]);
	q->n = 0;
}

void msgq_free(struct raft_msgq *q)
{
	msgq_release(q);
	free(q->m);
	memset(q, 0, sizeof *q);
}

void raft_msg_init(struct raft *r, struct raft_message *m, int type, raft_id to)
{
	memset(m, 0, sizeof *m);
	m->type = (uint8_t)type;
	m->from = r->o.id;
	m->to = to;
	m->cluster_id = r->o.cluster_id;
	m->term = r->term;
}

/* A leader's own traffic carries no promise about its disk, so it leaves
 * at once; votes and acknowledgements promise durability and wait. */
static bool send_at_once(struct raft *r, const struct raft_message *m)
{
	switch (m->type) {
	case RAFT_MSG_APPEND:
	case RAFT_MSG_HEARTBEAT:
	case RAFT_MSG_SNAPSHOT:
	case RAFT_MSG_TIMEOUT_NOW:
		return true;
	case RAFT_MSG_APPEND_RESP:
	case RAFT_MSG_SNAPSHOT_RESP:
		return RAFT_MUT(r, RAFT_MUT_ACK_BEFORE_PERSIST);
	default:
		return false;
	}
}

void raft_send(struct raft *r, struct raft_message *m)
{
	struct raft_msgq *q = send_at_once(r, m) ? &r->msgs : &r->msgs_after;
	if (msgq_push(q, m) != GAIA_OK)
		raft_message_release(m); /* dropped, as the network may */
}
