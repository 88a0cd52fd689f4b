/* The node's view of the cluster for status, peers and health: roles,
 * indexes and, on the leader, each peer's progress and health (DESIGN.md
 * section 10). */
#include <string.h>

#include "node/node_internal.h"

#define LAG_DEGRADED 100 /* entries behind the leader that make a peer degraded */

static const char *peer_health(struct node *n, const struct raft_server *s,
			       const struct raft_progress_info *pi, uint64_t silent_ms)
{
	uint64_t last = raft_last_index(n->raft);
	uint64_t lag = last > pi->match_index ? last - pi->match_index : 0;
	if (silent_ms >= n->cfg.peer_unhealthy_after_ms)
		return "unhealthy";
	if (s->role == RAFT_LEARNER)
		return pi->match_index == 0 ? "joining" : "catching_up";
	if (silent_ms > n->cfg.heartbeat_timeout_ms || lag > LAG_DEGRADED)
		return "degraded";
	return "healthy";
}

void node_fill_status(struct node *n, struct node_status *st)
{
	const struct raft_conf *c = raft_conf(n->raft);
	raft_id leader = raft_leader(n->raft);
	bool is_leader = raft_role(n->raft) == RAFT_LEADER;
	struct node_member *lm = leader ? book_get(&n->book, leader) : NULL;
	struct wal_info wi;
	int64_t now = node_now_ms();

	memset(st, 0, sizeof *st);
	str_copy(st->node_id, sizeof st->node_id, n->name);
	st->cluster_id = n->cluster_id;
	st->role = raft_role_name(raft_role(n->raft));
	if (n->removed || raft_removed_for_good_id(n->raft, n->id))
		st->node_state = "removed";
	else if (raft_conf_get(c, n->id) == NULL)
		st->node_state = "waiting_to_join";
	else
		st->node_state = "running";
	st->has_leader = leader != 0;
	if (lm != NULL) {
		str_copy(st->leader_id, sizeof st->leader_id, lm->name);
		str_copy(st->leader_api_addr, sizeof st->leader_api_addr, lm->api_addr);
	} else if (leader != 0) {
		snprintf(st->leader_id, sizeof st->leader_id, "%016llx",
			 (unsigned long long)leader);
	}
	st->term = raft_term(n->raft);
	st->first_index = wal_first_index(n->wal);
	st->last_index = raft_last_index(n->raft);
	st->commit_index = raft_commit_index(n->raft);
	st->applied_index = kv_applied_index(n->kv);
	wal_info(n->wal, &wi);
	st->log_size_bytes = wi.size_bytes;
	st->snapshot_index = node_snapshot_index(n);
	st->last_heartbeat_ms = is_leader ? now : n->leader_contact_ms;

	for (uint32_t i = 0; i < c->n && st->n_peers < RAFT_MAX_SERVERS; i++) {
		const struct raft_server *s = &c->servers[i];
		struct node_peer_info *p = &st->peers[st->n_peers++];
		struct node_member *m = book_get(&n->book, s->id);
		struct raft_progress_info pi;

		p->id = s->id;
		if (m != NULL) {
			str_copy(p->name, sizeof p->name, m->name);
			str_copy(p->raft_addr, sizeof p->raft_addr, m->raft_addr);
			str_copy(p->api_addr, sizeof p->api_addr, m->api_addr);
		} else {
			snprintf(p->name, sizeof p->name, "%016llx", (unsigned long long)s->id);
		}
		p->voter = s->role == RAFT_VOTER;
		p->is_leader = s->id == leader;
		p->is_self = s->id == n->id;
		p->state = "unknown";
		if (p->is_self) {
			p->state = "healthy";
			p->match_index = raft_last_index(n->raft);
			p->next_index = p->match_index + 1;
			p->last_heartbeat_ms = now;
		}
		if (is_leader && !p->is_self && raft_progress(n->raft, s->id, &pi) == GAIA_OK) {
			uint64_t silent = (raft_ticks(n->raft) - pi.last_contact) * n->tick_ms;
			p->match_index = pi.match_index;
			p->next_index = pi.next_index;
			p->last_heartbeat_ms = pi.last_contact == 0 ? 0 : now - (int64_t)silent;
			p->lag = st->last_index > pi.match_index ? st->last_index - pi.match_index : 0;
			p->state = peer_health(n, s, &pi, silent);
		} else if (!is_leader && s->id == leader) {
			p->state = "healthy";
			p->last_heartbeat_ms = n->leader_contact_ms;
		}
	}
}
