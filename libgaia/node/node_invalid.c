/* What the core refused: messages from peers that failed validation are
 * reported in the log at most once a second per node, naming the peer,
 * and a term at its maximum is reported once. */
#include "node/node_internal.h"

void node_report_invalid(struct node *n)
{
	struct raft_invalid_info info;
	uint64_t now = node_mono_ms();

	if (raft_term_exhausted(n->raft) && !n->term_max_logged) {
		n->term_max_logged = true;
		node_log(n, NODE_LOG_ERROR, "raft", NULL,
			 "the term reached its maximum (%llu); this node will not campaign",
			 (unsigned long long)raft_term(n->raft));
	}
	raft_last_invalid(n->raft, &info);
	if (info.count == n->invalid_logged || now - n->invalid_logged_ms < 1000)
		return;
	{
		const struct node_member *m = book_get(&n->book, info.from);
		char who[NODE_NAME_MAX + 24];
		if (m != NULL && m->name[0])
			snprintf(who, sizeof who, "%s", m->name);
		else
			snprintf(who, sizeof who, "id %016llx", (unsigned long long)info.from);
		node_log(n, NODE_LOG_WARN, "raft", NULL,
			 "dropped %llu invalid message(s) from peers since the last report; "
			 "latest: a %s from %s: %s",
			 (unsigned long long)(info.count - n->invalid_logged),
			 raft_msg_type_name(info.type), who, info.reason);
	}
	n->invalid_logged = info.count;
	n->invalid_logged_ms = now;
}
