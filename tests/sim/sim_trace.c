/* The trace: every event goes to a ring (printed when a check fails) and,
 * with --trace, to stdout. Only values, never addresses: a seed replays
 * byte for byte. */
#include "sim.h"

static const char *ev_names[] = {
	[EV_DELIVER] = "deliver", [EV_DROP] = "drop", [EV_DUP] = "dup",
	[EV_CRASH] = "crash", [EV_RESTART] = "restart",
	[EV_PARTITION] = "partition", [EV_ONEWAY] = "one-way-cut",
	[EV_HEAL] = "heal", [EV_PROPOSE] = "propose", [EV_ACK] = "ack",
	[EV_READ] = "read", [EV_READ_OK] = "read-ok", [EV_ADD] = "add-learner",
	[EV_PROMOTE] = "promote", [EV_REMOVE] = "remove", [EV_READD] = "readd",
	[EV_TRANSFER] = "transfer", [EV_SNAPSHOT] = "snapshot",
	[EV_ROLE] = "role", [EV_COMMIT] = "commit", [EV_INSTALL] = "install",
	[EV_LIVENESS] = "liveness",
};

void sim_print_event(FILE *f, const struct sim_event *ev)
{
	unsigned long long a = ev->a, b = ev->b, c = ev->c, d = ev->d, e = ev->e;
	fprintf(f, "%8llu %-11s ", (unsigned long long)ev->t, ev_names[ev->kind]);
	switch (ev->kind) {
	case EV_DELIVER:
	case EV_DROP:
		fprintf(f, "%s%s %llu->%llu term=%llu x=%llu\n",
			raft_msg_type_name((int)(a & 0xff)), a >> 8 ? "(reject)" : "",
			b, c, d, e);
		break;
	case EV_ROLE:
		fprintf(f, "node=%llu %s term=%llu last=%llu\n", a,
			raft_role_name((int)b), c, d);
		break;
	case EV_COMMIT:
		fprintf(f, "node=%llu commit=%llu term=%llu\n", a, b, c);
		break;
	case EV_PROPOSE:
	case EV_ACK:
		fprintf(f, "node=%llu write=%llu index=%llu term=%llu\n", a, b, c, d);
		break;
	case EV_READ:
		fprintf(f, "node=%llu key=%llu floor=%llu\n", a, b, c);
		break;
	case EV_READ_OK:
		fprintf(f, "node=%llu key=%llu value-index=%llu floor=%llu read-index=%llu\n",
			a, b, c, d, e);
		break;
	case EV_SNAPSHOT:
	case EV_INSTALL:
		fprintf(f, "node=%llu index=%llu term=%llu\n", a, b, c);
		break;
	case EV_PARTITION:
		fprintf(f, "side-mask=%llx\n", a);
		break;
	case EV_ONEWAY:
		fprintf(f, "%llu-/->%llu\n", a, b);
		break;
	case EV_ADD:
	case EV_PROMOTE:
	case EV_REMOVE:
	case EV_READD:
	case EV_TRANSFER:
		fprintf(f, "leader=%llu node=%llu rv=%llu\n", a, b, c);
		break;
	default:
		fprintf(f, "node=%llu\n", a);
		break;
	}
}

void sim_event(struct sim *s, int kind, uint64_t a, uint64_t b, uint64_t c,
	       uint64_t d, uint64_t e)
{
	struct sim_event *ev = &s->ring[s->ring_n++ % 64];
	*ev = (struct sim_event){s->now, kind, a, b, c, d, e};
	if (s->p.trace)
		sim_print_event(stdout, ev);
}

void sim_dump_ring(struct sim *s, FILE *f)
{
	uint64_t n = s->ring_n < 64 ? s->ring_n : 64;
	for (uint64_t i = s->ring_n - n; i < s->ring_n; i++)
		sim_print_event(f, &s->ring[i % 64]);
}
