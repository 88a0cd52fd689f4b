/* Validation of messages from the network: everything a peer sends is
 * checked against what a correct peer could send before it touches the
 * core's state; an invalid message is dropped and counted, never asserted
 * on (asserts guard the core's own invariants only). */
#include "raft/raft_impl.h"

bool raft_count_invalid(struct raft *r, const struct raft_message *m, const char *why)
{
	r->invalid[m->type]++;
	r->invalid[0]++;
	r->last_invalid.from = m->from;
	r->last_invalid.type = m->type;
	r->last_invalid.reason = why;
	r->last_invalid.count = r->invalid[0];
	return false;
}

/* The entries of an APPEND: consecutive after prev_index, no term above
 * the message's, terms never decreasing, none after prev of a term below
 * prev_term. */
static bool entries_ok(struct raft *r, const struct raft_message *m)
{
	uint64_t prev_term = m->prev_term;
	if (m->n_entries > 0 && m->entries == NULL)
		return raft_count_invalid(r, m, "entries missing");
	if (m->prev_index > UINT64_MAX - m->n_entries - 1)
		return raft_count_invalid(r, m, "index overflow");
	if (m->prev_index == 0 && m->prev_term != 0)
		return raft_count_invalid(r, m, "a term before the first entry");
	if (m->prev_term > m->term)
		return raft_count_invalid(r, m, "prev_term above the message's term");
	for (uint32_t i = 0; i < m->n_entries; i++) {
		const struct raft_entry *e = &m->entries[i];
		if (e->index != m->prev_index + 1 + i)
			return raft_count_invalid(r, m, "entries not consecutive after prev_index");
		if (e->term == 0 || e->term > m->term)
			return raft_count_invalid(r, m, "an entry's term above the message's");
		if (e->term < prev_term)
			return raft_count_invalid(r, m, "entry terms decreasing");
		if (e->type < RAFT_ENTRY_NORMAL || e->type > RAFT_ENTRY_CONF)
			return raft_count_invalid(r, m, "unknown entry type");
		prev_term = e->term;
	}
	return true;
}

/* Does a committed entry of ours disagree with the message? A correct
 * leader holds every committed entry (Leader Completeness). */
static bool append_vs_commit(struct raft *r, const struct raft_message *m)
{
	uint64_t hi = m->prev_index + m->n_entries;
	if (m->prev_index != 0 && m->prev_index <= r->commit &&
	    m->prev_index >= r->log.snap_index) {
		uint64_t t = log_term(&r->log, m->prev_index);
		if (t != 0 && t != m->prev_term)
			return raft_count_invalid(r, m, "prev_term contradicts a committed entry");
	}
	for (uint64_t i = m->prev_index + 1; i <= hi && i <= r->commit; i++) {
		const struct raft_entry *e = &m->entries[i - m->prev_index - 1];
		uint64_t t;
		if (i <= r->log.snap_index)
			continue;
		t = log_term(&r->log, i);
		if (t != 0 && t != e->term)
			return raft_count_invalid(r, m, "an entry contradicts a committed entry");
	}
	return true;
}

/* Checks that need no state but the message. */
static bool shape_ok(struct raft *r, const struct raft_message *m)
{
	if (m->term > RAFT_TERM_MAX)
		return raft_count_invalid(r, m, "term beyond the maximum");
	switch (m->type) {
	case RAFT_MSG_PREVOTE:
	case RAFT_MSG_VOTE:
		if (m->last_term > m->term)
			return raft_count_invalid(r, m, "log term above the campaign's term");
		if (m->last_index == 0 && m->last_term != 0)
			return raft_count_invalid(r, m, "a term for an empty log");
		if (m->n_entries || m->chunk)
			return raft_count_invalid(r, m, "payload in a vote request");
		break;
	case RAFT_MSG_APPEND:
		if (!entries_ok(r, m))
			return false;
		if (m->chunk)
			return raft_count_invalid(r, m, "snapshot bytes in an append");
		break;
	case RAFT_MSG_SNAPSHOT: {
		uint64_t len = m->chunk ? m->chunk->len : 0;
		if (m->snap.index == 0 || m->snap.term == 0 || m->snap.term > m->term)
			return raft_count_invalid(r, m, "snapshot index or term out of range");
		if (m->offset > m->snap.size || len > m->snap.size - m->offset)
			return raft_count_invalid(r, m, "snapshot chunk beyond its size");
		if (m->last && m->offset + len != m->snap.size)
			return raft_count_invalid(r, m, "last chunk does not end the snapshot");
		if (m->snap.conf.n > RAFT_MAX_SERVERS ||
		    m->snap.conf.n_removed > RAFT_MAX_REMOVED)
			return raft_count_invalid(r, m, "snapshot configuration too large");
		if (m->n_entries)
			return raft_count_invalid(r, m, "entries in a snapshot message");
		break;
	}
	case RAFT_MSG_SNAPSHOT_RESP:
		if (m->offset > m->snap.size)
			return raft_count_invalid(r, m, "snapshot offset beyond its size");
		/* fall through */
	default:
		if (m->n_entries)
			return raft_count_invalid(r, m, "entries in a message that has none");
		break;
	}
	return true;
}

/* Checks against what this node knows: an answer cannot acknowledge more
 * than we sent (answers only mean something in our term), and no leader
 * of any term contradicts what we know committed. */
static bool state_ok(struct raft *r, const struct raft_message *m)
{
	uint64_t last = log_last(&r->log);
	if (m->type == RAFT_MSG_APPEND)
		return m->term < r->term || append_vs_commit(r, m);
	if (m->term != r->term)
		return true;
	switch (m->type) {
	case RAFT_MSG_APPEND_RESP:
		if (r->role == RAFT_LEADER && !m->reject && m->index > last)
			return raft_count_invalid(r, m, "acknowledges entries never sent");
		if (r->role == RAFT_LEADER && m->reject && m->hint_index > last + 1)
			return raft_count_invalid(r, m, "conflict hint beyond the log");
		break;
	case RAFT_MSG_TIMEOUT_NOW:
		/* only our leader hands its leadership over */
		if (m->from != r->leader)
			return raft_count_invalid(r, m, "timeout-now from a node not our leader");
		break;
	case RAFT_MSG_HEARTBEAT_RESP:
		if (r->role == RAFT_LEADER && m->ctx > r->read_round)
			return raft_count_invalid(r, m, "confirms a read round never started");
		break;
	default:
		break;
	}
	return true;
}

bool raft_validate(struct raft *r, const struct raft_message *m)
{
	if (RAFT_MUT(r, RAFT_MUT_NO_APPEND_VALIDATION))
		return true;
	return shape_ok(r, m) && state_ok(r, m);
}

uint64_t raft_invalid_messages(const struct raft *r, int type)
{
	if (type < 0 || type >= RAFT_MSG_TYPE_COUNT)
		return 0;
	return r->invalid[type];
}

void raft_last_invalid(const struct raft *r, struct raft_invalid_info *out)
{
	*out = r->last_invalid;
}

bool raft_term_exhausted(const struct raft *r)
{
	return r->term >= RAFT_TERM_MAX;
}
