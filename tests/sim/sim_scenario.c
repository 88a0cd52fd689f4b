/* Directed schedules for faults too precise to meet by chance. Each runs
 * the real cores through the same world and the same checks as a random
 * seed; only the order of crashes and partitions is chosen by hand.
 *
 * figure8: Figure 8 of the Raft paper. A leader of an old term brings an
 * entry of that term to a majority and dies before any entry of its own
 * term follows it; a node that never had the entry must not be able to
 * win and overwrite it. Correct cores commit nothing there; a core that
 * counts old-term entries commits it and the leader-completeness check
 * fires. */
#include <stdlib.h>
#include <string.h>

#include "sim.h"


static void isolate(struct sim *s, struct sim_node *n, bool on)
{
	int x = sim_slot(s, n->id);
	for (int a = 0; a < s->n_nodes; a++)
		s->blocked[a][x] = s->blocked[x][a] = on && a != x;
}

static void advance(struct sim *s)
{
	s->now++;
	sim_deliver_due(s);
	sim_complete_disk(s);
	for (int i = 0; i < s->n_nodes && !s->failed; i++) {
		struct sim_node *n = &s->nodes[i];
		if (n->up && s->now % SIM_TICK == n->tick_phase) {
			s->events++;
			raft_tick(n->r);
			sim_pump(s, n);
		}
	}
}

static struct sim_node *leader(struct sim *s)
{
	for (int i = 0; i < s->n_nodes; i++)
		if (s->nodes[i].up && raft_role(s->nodes[i].r) == RAFT_LEADER)
			return &s->nodes[i];
	return NULL;
}

static struct sim_node *await_leader(struct sim *s, uint64_t ticks)
{
	uint64_t end = s->now + ticks * SIM_TICK;
	while (s->now < end && !s->failed) {
		struct sim_node *l = leader(s);
		if (l != NULL)
			return l;
		advance(s);
	}
	return NULL;
}

static void propose(struct sim_node *n, uint8_t key, uint64_t id)
{
	uint8_t cmd[9];
	struct raft_buf *b;
	cmd[0] = key;
	memcpy(cmd + 1, &id, 8);
	b = raft_buf_new(cmd, sizeof cmd);
	raft_propose(n->r, b, NULL, NULL);
	raft_buf_unref(b);
}

/* readd-vote: finding 4 of the safety review. Five voters; candidates A
 * and B campaign in one term T. Node 4 votes for B; B's request to node 5
 * is held in the network while node 5 votes for A, who wins T with nodes
 * 3 and 5. A removes node 5, adds it back under the same id and it is
 * wiped (term 0, no vote, no configuration). B's held request then
 * reaches the new node 5 before A does: granting it makes B a second
 * leader of T (B counts 2, 4 and 5 in the configuration it knows). A node
 * with no configuration must not vote; and the daemon gives a re-added
 * node a new id, so that the request would not even be addressed to it.
 * (Nodes are not ticked in the middle part: B stays a candidate of T, as
 * a paused process would.) */
/* Time passes; only node tick (0: none) counts ticks. */
static void quiet_ticking(struct sim *s, int steps, struct sim_node *tick)
{
	for (int k = 0; k < steps && !s->failed; k++) {
		s->now++;
		sim_deliver_due(s);
		sim_complete_disk(s);
		if (tick != NULL && tick->up && s->now % SIM_TICK == tick->tick_phase) {
			raft_tick(tick->r);
			sim_pump(s, tick);
		}
	}
}

static void quiet(struct sim *s, int steps)
{
	quiet_ticking(s, steps, NULL);
}

static void block_all(struct sim *s, bool on)
{
	for (int a = 0; a < s->n_nodes; a++)
		for (int b = 0; b < s->n_nodes; b++)
			s->blocked[a][b] = on && a != b;
}

static void link(struct sim *s, raft_id a, raft_id b, bool open)
{
	s->blocked[a - 1][b - 1] = s->blocked[b - 1][a - 1] = !open;
}

static int change(struct sim *s, struct sim_node *l, int op, raft_id id)
{
	uint64_t index;
	if (raft_change_membership(l->r, op, id, NULL, 0, &index) != GAIA_OK)
		return -1;
	sim_pump(s, l);
	for (int k = 0; k < 2000 && raft_commit_index(l->r) < index; k++)
		quiet_ticking(s, 1, l);
	return raft_commit_index(l->r) >= index ? 0 : -1;
}

static int readd_vote(struct sim *s)
{
	struct sim_node *a = &s->nodes[0], *b = &s->nodes[1], *five = &s->nodes[4];
	uint64_t t;

	/* everybody holds the configuration and one committed term */
	if (await_leader(s, 200) == NULL)
		return -1;
	for (int k = 0; k < 30; k++)
		advance(s);
	block_all(s, true);
	quiet(s, 50);
	/* nobody leads or knows a leader now (all durable state kept) */
	for (int i = 0; i < 5; i++) {
		sim_crash(s, &s->nodes[i]);
		sim_restart(s, &s->nodes[i]);
	}
	quiet(s, 10);

	/* B campaigns in T: node 4 votes for it, its request to 5 is held */
	t = raft_term(b->r) + 1;
	if (raft_term(a->r) + 1 != t || raft_campaign(b->r) != GAIA_OK)
		return -1;
	sim_pump(s, b);
	sim_hold(s, RAFT_MSG_VOTE, 2, 5, UINT64_MAX / 2);
	link(s, 2, 4, true);
	quiet(s, 20);
	link(s, 2, 4, false);
	if (raft_vote(s->nodes[3].r) != 2)
		return -1;

	/* A campaigns in T and wins with nodes 3 and 5 */
	link(s, 1, 3, true);
	link(s, 1, 5, true);
	if (raft_campaign(a->r) != GAIA_OK || raft_term(a->r) != t)
		return -1;
	sim_pump(s, a);
	quiet(s, 20);
	if (raft_role(a->r) != RAFT_LEADER)
		return -1;

	/* A removes 5, adds it back under its id; 5 is wiped */
	link(s, 1, 4, true);
	quiet(s, 20);
	if (change(s, a, RAFT_CONF_REMOVE, 5) != 0 || change(s, a, RAFT_CONF_READD, 5) != 0)
		return -1;
	link(s, 1, 5, false);
	sim_wipe(s, five);

	/* B's held request reaches the new node 5 */
	link(s, 2, 5, true);
	sim_hold(s, RAFT_MSG_VOTE, 2, 5, s->now + 1);
	quiet(s, 30);
	return 0;
}

static int figure8(struct sim *s)
{
	struct sim_node *a, *b, *c;
	uint64_t i, end;

	/* a leader, and everybody caught up */
	a = await_leader(s, 200);
	if (a == NULL)
		return -1;
	for (int k = 0; k < 30; k++)
		advance(s);
	/* 1. a appends e in its term, alone, and dies */
	isolate(s, a, true);
	propose(a, 1, 1001);
	sim_pump(s, a);
	i = raft_last_index(a->r);
	for (int k = 0; k < 5; k++)
		advance(s);
	sim_crash(s, a);
	for (int k = 0; k < 5; k++)
		advance(s);
	isolate(s, a, false);
	/* 2. b wins a later term, appends at i alone, and dies */
	b = await_leader(s, 300);
	if (b == NULL || b == a)
		return -1;
	isolate(s, b, true);
	propose(b, 2, 1002);
	sim_pump(s, b);
	for (int k = 0; k < 5; k++)
		advance(s);
	sim_crash(s, b);
	for (int k = 0; k < 5; k++)
		advance(s);
	isolate(s, b, false);
	c = &s->nodes[0] != a && &s->nodes[0] != b ? &s->nodes[0]
	    : &s->nodes[1] != a && &s->nodes[1] != b ? &s->nodes[1] : &s->nodes[2];
	/* 3. a comes back, wins with c's vote, brings e to c: the moment it
	 * counts e as committed, it is cut off and dies */
	sim_restart(s, a);
	if (await_leader(s, 300) != a)
		return -1;
	end = s->now + 100 * SIM_TICK;
	while (s->now < end && !s->failed && raft_commit_index(a->r) < i)
		advance(s);
	isolate(s, a, true); /* what it still had in flight is lost */
	sim_crash(s, a);
	/* 4. b comes back: it may win only if c lacks a's own-term entry */
	sim_restart(s, b);
	(void)c;
	(void)isolate; /* a stays cut off and down */
	end = s->now + 300 * SIM_TICK;
	while (s->now < end && !s->failed)
		advance(s);
	return 0;
}

int sim_scenario(const struct sim_params *p, const char *name, uint64_t *events)
{
	struct sim s;
	struct raft_conf conf;
	int rv;

	int n;

	if (strcmp(name, "figure8") != 0 && strcmp(name, "readd-vote") != 0)
		return 2;
	sim_init(&s, p);
	s.max_delay = 3;
	s.max_disk = 0;
	s.tiny_msgs = true;
	n = strcmp(name, "readd-vote") == 0 ? 5 : 3;
	s.plain_votes = n == 5;
	memset(&conf, 0, sizeof conf);
	s.n_nodes = n;
	for (int i = 0; i < n; i++) {
		s.nodes[i].id = (raft_id)(i + 1);
		conf.servers[conf.n].id = (raft_id)(i + 1);
		conf.servers[conf.n].role = RAFT_VOTER;
		conf.n++;
	}
	for (int i = 0; i < n; i++)
		sim_start_node(&s, &s.nodes[i], true, &conf);
	rv = n == 5 ? readd_vote(&s) : figure8(&s);
	if (!s.failed)
		sim_check_logs(&s);
	if (s.failed) {
		printf("FAIL scenario=%s seed=%llu: %s\n", name,
		       (unsigned long long)p->seed, s.failure);
		sim_dump_ring(&s, stdout);
		rv = 1;
	} else if (rv != 0) {
		printf("scenario %s seed=%llu: the schedule did not unfold (no leader); "
		       "nothing checked\n", name, (unsigned long long)p->seed);
		rv = 3;
	}
	*events = s.events;
	sim_free(&s);
	return rv;
}
