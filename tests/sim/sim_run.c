/* One seed: draw the knobs, run a faulty phase with clients, membership
 * changes and transfers, then heal everything and check liveness. */
#include <stdlib.h>
#include <string.h>

#include "sim.h"

static struct sim_node *random_up(struct sim *s)
{
	int up[SIM_MAX_NODES], n = 0;
	for (int i = 0; i < s->n_nodes; i++)
		if (s->nodes[i].up)
			up[n++] = i;
	return n ? &s->nodes[up[sim_below(s, (uint32_t)n)]] : NULL;
}

/* A node that believes it leads (there may be a stale one). */
static struct sim_node *random_leader(struct sim *s)
{
	int l[SIM_MAX_NODES], n = 0;
	for (int i = 0; i < s->n_nodes; i++)
		if (s->nodes[i].up && raft_role(s->nodes[i].r) == RAFT_LEADER)
			l[n++] = i;
	return n ? &s->nodes[l[sim_below(s, (uint32_t)n)]] : NULL;
}

static void client_write(struct sim *s)
{
	struct sim_node *n = random_leader(s);
	struct sim_write *w;
	struct raft_buf *b;
	uint8_t cmd[9];
	uint64_t index, term, id = s->n_writes + 1;
	if (n == NULL)
		return;
	cmd[0] = (uint8_t)sim_below(s, SIM_KEYS);
	memcpy(cmd + 1, &id, 8);
	b = raft_buf_new(cmd, sizeof cmd);
	if (raft_propose(n->r, b, &index, &term) != GAIA_OK) {
		raft_buf_unref(b);
		return;
	}
	raft_buf_unref(b);
	if (s->n_writes == s->cap_writes) {
		s->cap_writes = s->cap_writes ? s->cap_writes * 2 : 256;
		s->writes = realloc(s->writes, s->cap_writes * sizeof *s->writes);
		if (s->writes == NULL)
			abort();
	}
	w = &s->writes[s->n_writes++];
	*w = (struct sim_write){id, cmd[0], n->id, index, term, s->now, 0, W_PENDING};
	sim_event(s, EV_PROPOSE, n->id, id, index, term, 0);
	sim_pump(s, n);
}

static void client_read(struct sim *s)
{
	struct sim_node *n = random_leader(s);
	struct sim_read *rd;
	if (n == NULL)
		return;
	if (n->n_reads == n->cap_reads) {
		n->cap_reads = n->cap_reads ? n->cap_reads * 2 : 16;
		n->reads = realloc(n->reads, n->cap_reads * sizeof *n->reads);
		if (n->reads == NULL)
			abort();
	}
	rd = &n->reads[n->n_reads];
	rd->ctx = ++s->next_ctx;
	rd->index = 0;
	rd->key = (int)sim_below(s, SIM_KEYS);
	rd->floor = s->last_acked_index[rd->key];
	rd->start = s->now;
	if (raft_read_index(n->r, rd->ctx) != GAIA_OK)
		return;
	n->n_reads++;
	sim_event(s, EV_READ, n->id, (uint64_t)rd->key, rd->floor, 0, 0);
	sim_pump(s, n);
}

static void membership(struct sim *s)
{
	struct sim_node *l = random_leader(s), *t;
	const struct raft_conf *c;
	uint64_t index;
	int rv, what = (int)sim_below(s, 4);
	if (l == NULL)
		return;
	c = raft_conf(l->r);
	uint32_t most = (uint32_t)(s->p.nodes + s->p.learners) + 2;
	if (what == 0) {
		if (s->n_nodes >= SIM_MAX_NODES || c->n >= most)
			return;
		t = &s->nodes[s->n_nodes];
		t->id = (raft_id)(s->n_nodes + 1);
		rv = raft_change_membership(l->r, RAFT_CONF_ADD_LEARNER, t->id, NULL, 0, &index);
		sim_event(s, EV_ADD, l->id, t->id, (uint64_t)rv, 0, 0);
		if (rv == GAIA_OK) {
			s->n_nodes++;
			sim_start_node(s, t, false, NULL);
		}
	} else if (what == 1) {
		for (uint32_t i = 0; i < c->n; i++)
			if (c->servers[i].role == RAFT_LEARNER &&
			    !sim_fixed_learner(s, c->servers[i].id)) {
				rv = raft_change_membership(l->r, RAFT_CONF_PROMOTE,
							    c->servers[i].id, NULL, 0, &index);
				sim_event(s, EV_PROMOTE, l->id, c->servers[i].id,
					  (uint64_t)rv, 0, 0);
				break;
			}
	} else if (what == 3) {
		/* a removed node comes back, its data wiped: as a new
		 * incarnation with its own id (what the daemon does), or,
		 * with the readd-same-incarnation mutation, under its old id */
		struct sim_node *w;
		if (c->n_removed == 0 || c->n >= most)
			return;
		w = sim_node_by_id(s, c->removed[sim_below(s, c->n_removed)]);
		if (w == NULL || w == l || !w->exists)
			return;
		if (s->p.mutations & RAFT_MUT_READD_SAME_INCARNATION) {
			rv = raft_change_membership(l->r, RAFT_CONF_READD, w->id, NULL, 0, &index);
			sim_event(s, EV_READD, l->id, w->id, (uint64_t)rv, 0, 0);
			if (rv == GAIA_OK)
				sim_wipe(s, w);
		} else {
			if (s->n_nodes >= SIM_MAX_NODES)
				return;
			t = &s->nodes[s->n_nodes];
			t->id = (raft_id)(s->n_nodes + 1);
			rv = raft_change_membership(l->r, RAFT_CONF_ADD_LEARNER, t->id, NULL, 0,
						    &index);
			sim_event(s, EV_READD, l->id, w->id, (uint64_t)rv, t->id, 0);
			if (rv == GAIA_OK) {
				/* the old incarnation is gone for good */
				if (w->up)
					sim_crash(s, w);
				w->exists = false;
				w->restart_at = 0;
				s->n_nodes++;
				sim_start_node(s, t, false, NULL);
			}
		}
	} else {
		const struct raft_server *v = &c->servers[sim_below(s, c->n)];
		uint32_t keep = s->p.nodes < 3 ? (uint32_t)s->p.nodes : 3;
		if (v->role == RAFT_VOTER && raft_conf_voters(c) <= keep)
			return;
		if (sim_fixed_learner(s, v->id))
			return;
		rv = raft_change_membership(l->r, RAFT_CONF_REMOVE, v->id, NULL, 0, &index);
		sim_event(s, EV_REMOVE, l->id, v->id, (uint64_t)rv, 0, 0);
	}
	sim_pump(s, l);
}

static void transfer(struct sim *s)
{
	struct sim_node *l = random_leader(s);
	const struct raft_conf *c;
	raft_id to = 0;
	int rv;
	if (l == NULL)
		return;
	c = raft_conf(l->r);
	if (sim_below(s, 2))
		to = c->servers[sim_below(s, c->n)].id;
	rv = raft_transfer_leadership(l->r, to);
	sim_event(s, EV_TRANSFER, l->id, to, (uint64_t)rv, 0, 0);
	sim_pump(s, l);
}

static void partition(struct sim *s)
{
	uint32_t kind = sim_below(s, 5);
	struct sim_node *l = random_leader(s);
	memset(s->blocked, 0, sizeof s->blocked);
	if (kind <= 1 && l != NULL) {
		/* isolate the leader: it keeps appending what nobody gets */
		int x = sim_slot(s, l->id);
		for (int a = 0; a < s->n_nodes; a++)
			s->blocked[a][x] = s->blocked[x][a] = a != x;
		sim_event(s, EV_PARTITION, 1ull << x, 0, 0, 0, 0);
	} else if (kind == 2) {
		/* one way: a cannot reach b, b still reaches a */
		struct sim_node *a = random_up(s), *b = random_up(s);
		if (a && b && a != b) {
			s->blocked[sim_slot(s, a->id)][sim_slot(s, b->id)] = true;
			sim_event(s, EV_ONEWAY, a->id, b->id, 0, 0, 0);
		}
	} else {
		uint64_t mask = sim_rand(s) & ((1ull << s->n_nodes) - 1);
		for (int a = 0; a < s->n_nodes; a++)
			for (int b = 0; b < s->n_nodes; b++)
				s->blocked[a][b] = ((mask >> a) & 1) != ((mask >> b) & 1);
		sim_event(s, EV_PARTITION, mask, 0, 0, 0, 0);
	}
	s->partitioned = true;
}

static void heal(struct sim *s)
{
	memset(s->blocked, 0, sizeof s->blocked);
	s->partitioned = false;
	sim_event(s, EV_HEAL, 0, 0, 0, 0, 0);
}

static void fault_step(struct sim *s)
{
	uint32_t x = sim_below(s, 10000);
	struct sim_node *n;
	if (x < s->crash_rate) {
		n = sim_below(s, 2) ? random_leader(s) : NULL;
		if (n == NULL)
			n = random_up(s);
		if (n != NULL) {
			sim_crash(s, n);
			n->restart_at = s->now + SIM_TICK * (1 + sim_below(s, 40));
		}
	} else if (x < s->crash_rate + s->part_rate) {
		if (s->partitioned)
			heal(s);
		else
			partition(s);
	} else if (x < s->crash_rate + s->part_rate + s->member_rate) {
		if (sim_below(s, 4) == 0)
			transfer(s);
		else
			membership(s);
	} else if (x < s->crash_rate + s->part_rate + s->member_rate + s->snap_rate) {
		n = random_up(s);
		if (n != NULL)
			sim_take_snapshot(s, n);
	}
}

static void time_step(struct sim *s)
{
	sim_deliver_due(s);
	sim_complete_disk(s);
	for (int i = 0; i < s->n_nodes && !s->failed; i++) {
		struct sim_node *n = &s->nodes[i];
		if (!n->exists)
			continue;
		if (n->up && n->crash_at != 0 && n->crash_at <= s->now) {
			n->crash_at = 0;
			sim_crash(s, n);
			n->restart_at = s->now + SIM_TICK * (1 + sim_below(s, 10));
			continue;
		}
		if (n->up && !n->rd_pending)
			sim_pump(s, n); /* a batch left waiting */
		if (!n->up && n->restart_at != 0 && n->restart_at <= s->now) {
			n->restart_at = 0;
			sim_restart(s, n);
			continue;
		}
		if (n->up && s->now % SIM_TICK == n->tick_phase) {
			s->events++;
			raft_tick(n->r);
			sim_pump(s, n);
		}
	}
}

static bool is_member(struct sim *s, struct sim_node *l, raft_id id)
{
	(void)s;
	return raft_conf_get(raft_conf(l->r), id) != NULL;
}

/* Once every member applied through final_index: each acknowledged write
 * sits in the history at its index and term, and each write still pending
 * is settled one way or the other. */
static void check_writes(struct sim *s, uint64_t final_index)
{
	for (size_t i = 0; i < s->n_writes && !s->failed; i++) {
		struct sim_write *w = &s->writes[i];
		uint64_t t = w->index < s->hist_cap ? s->applied_term[w->index] : 0;
		if (w->state == W_ACKED && t != w->term)
			sim_fail(s, "acknowledged write %llu (index %llu, term %llu) is lost: "
				 "term %llu was applied there",
				 (unsigned long long)w->id, (unsigned long long)w->index,
				 (unsigned long long)w->term, (unsigned long long)t);
		else if (w->state == W_PENDING && w->index <= final_index)
			w->state = t == w->term ? W_ACKED : W_LOST;
	}
}

/* After healing: a leader emerges, a final write commits, and every live
 * member applies it, within the bound. */
static void liveness(struct sim *s)
{
	uint64_t deadline = s->now + s->p.liveness_ticks * SIM_TICK;
	uint64_t final_id = 0, final_index = 0, final_term = 0;
	raft_id final_node = 0;
	s->faults_on = false;
	heal(s);
	for (int i = 0; i < s->n_nodes; i++)
		if (s->nodes[i].exists && !s->nodes[i].up)
			sim_restart(s, &s->nodes[i]);
	sim_event(s, EV_LIVENESS, 0, 0, 0, 0, 0);
	while (s->now < deadline && !s->failed) {
		struct sim_node *l = NULL;
		bool done = true;
		s->now++;
		time_step(s);
		for (int i = 0; i < s->n_nodes; i++)
			if (s->nodes[i].up && raft_role(s->nodes[i].r) == RAFT_LEADER &&
			    (l == NULL || raft_term(s->nodes[i].r) > raft_term(l->r)))
				l = &s->nodes[i];
		if (l == NULL)
			continue;
		if (final_id == 0 || s->writes[final_id - 1].state == W_LOST ||
		    (s->writes[final_id - 1].state == W_PENDING &&
		     (final_node != l->id || raft_term(l->r) != final_term))) {
			size_t before = s->n_writes;
			client_write(s);
			if (s->n_writes > before) {
				final_id = s->writes[before].id;
				final_index = s->writes[before].index;
				final_term = s->writes[before].term;
				final_node = s->writes[before].node;
			}
			continue;
		}
		if (s->writes[final_id - 1].state != W_ACKED)
			continue;
		for (int i = 0; i < s->n_nodes; i++) {
			struct sim_node *n = &s->nodes[i];
			if (n->up && is_member(s, l, n->id) && n->applied < final_index)
				done = false;
		}
		if (done) {
			sim_check_logs(s);
			check_writes(s, final_index);
			return;
		}
	}
	if (!s->failed)
		sim_fail(s, "liveness: no leader committed and spread a write within %llu "
			 "ticks of healing (final write %llu at index %llu)",
			 (unsigned long long)s->p.liveness_ticks,
			 (unsigned long long)final_id, (unsigned long long)final_index);
}

static void draw_knobs(struct sim *s)
{
	s->loss_pct = sim_below(s, 4) == 0 ? 0 : sim_below(s, 15);
	s->dup_pct = sim_below(s, 8);
	s->max_delay = 1 + sim_below(s, 2 * SIM_TICK);
	s->max_disk = sim_below(s, 3) == 0 ? 0 : sim_below(s, 2 * SIM_TICK);
	s->crash_rate = sim_below(s, 4) == 0 ? sim_below(s, 60) : sim_below(s, 12);
	s->part_rate = sim_below(s, 4) == 0 ? sim_below(s, 60) : sim_below(s, 12);
	s->member_rate = sim_below(s, 40);
	s->snap_rate = sim_below(s, 120);
	s->op_rate = 20 + sim_below(s, 200);
	s->trailing = sim_below(s, 6);
	s->hold_pct = sim_below(s, 3) == 0 ? 0 : sim_below(s, 30);
	s->late_pct = sim_below(s, 3) == 0 ? 0 : sim_below(s, 50);
	s->new_leader_crash_pct = sim_below(s, 2) == 0 ? 0 : sim_below(s, 40);
}

int sim_run(const struct sim_params *p, uint64_t *events)
{
	struct sim s;
	struct raft_conf conf;
	uint64_t end;
	int rv = 0;

	sim_init(&s, p);
	draw_knobs(&s);
	memset(&conf, 0, sizeof conf);
	s.n_nodes = p->nodes + p->learners;
	for (int i = 0; i < s.n_nodes; i++) {
		s.nodes[i].id = (raft_id)(i + 1);
		conf.servers[conf.n].id = (raft_id)(i + 1);
		conf.servers[conf.n].role = i < p->nodes ? RAFT_VOTER : RAFT_LEARNER;
		conf.n++;
	}
	/* the adversary: a member whose messages are made invalid now and
	 * then; the last voter when the others still make a majority, else
	 * the first learner */
	if (p->adversary)
		s.adversary = p->nodes >= 3 ? (raft_id)p->nodes
			      : p->learners > 0 ? (raft_id)(p->nodes + 1) : 0;
	for (int i = 0; i < s.n_nodes; i++)
		sim_start_node(&s, &s.nodes[i], true, &conf);

	s.faults_on = true;
	end = p->fault_ticks * SIM_TICK;
	while (s.now < end && !s.failed) {
		s.now++;
		time_step(&s);
		if (sim_below(&s, 1000) < s.op_rate) {
			if (sim_below(&s, 3) == 0)
				client_read(&s);
			else
				client_write(&s);
		}
		fault_step(&s);
		if (s.now % (SIM_TICK * 5) == 0)
			sim_check_logs(&s);
	}
	if (!s.failed)
		liveness(&s);
	if (s.failed) {
		printf("FAIL seed=%llu nodes=%d learners=%d%s: %s\n", (unsigned long long)p->seed,
		       p->nodes, p->learners, p->adversary ? " adversary" : "", s.failure);
		printf("  knobs: loss=%u%% dup=%u%% delay<=%u disk<=%u crash=%u part=%u "
		       "member=%u snap=%u ops=%u trailing=%u hold=%u%% mutated=%llu\n",
		       s.loss_pct, s.dup_pct, s.max_delay, s.max_disk, s.crash_rate,
		       s.part_rate, s.member_rate, s.snap_rate, s.op_rate, s.trailing,
		       s.hold_pct, (unsigned long long)s.mutated);
		printf("  last events (replay: gaia-sim --nodes %d --seed %llu --trace):\n",
		       p->nodes, (unsigned long long)p->seed);
		sim_dump_ring(&s, stdout);
		for (int i = 0; i < s.n_nodes; i++) {
			struct sim_node *n = &s.nodes[i];
			if (!n->up)
				continue;
			printf("  node %llu: %s term=%llu commit=%llu applied=%llu last=%llu "
			       "first=%llu rd_pending=%d done_at=%llu has_ready=%d\n", (unsigned long long)n->id,
			       raft_role_name(raft_role(n->r)),
			       (unsigned long long)raft_term(n->r),
			       (unsigned long long)raft_commit_index(n->r),
			       (unsigned long long)n->applied,
			       (unsigned long long)raft_last_index(n->r),
			       (unsigned long long)raft_first_index(n->r), n->rd_pending,
			       (unsigned long long)n->rd_done_at, raft_has_ready(n->r));
			printf("    conf@%llu:", (unsigned long long)raft_conf_index(n->r));
			for (uint32_t k = 0; k < raft_conf(n->r)->n; k++)
				printf(" %llu%s", (unsigned long long)raft_conf(n->r)->servers[k].id,
				       raft_conf(n->r)->servers[k].role == RAFT_VOTER ? "" : "(l)");
			for (uint32_t k = 0; k < raft_conf(n->r)->n_removed; k++)
				printf(" -%llu", (unsigned long long)raft_conf(n->r)->removed[k]);
			printf("\n");
			for (int j = 0; j < s.n_nodes; j++) {
				struct raft_progress_info pi;
				if (raft_progress(n->r, s.nodes[j].id, &pi) != GAIA_OK)
					continue;
				printf("    peer %llu: %s match=%llu next=%llu inflight=%u\n",
				       (unsigned long long)pi.id,
				       raft_progress_state_name(pi.state),
				       (unsigned long long)pi.match_index,
				       (unsigned long long)pi.next_index, pi.inflight);
			}
		}
		rv = 1;
	}
	*events = s.events;
	sim_free(&s);
	return rv;
}
