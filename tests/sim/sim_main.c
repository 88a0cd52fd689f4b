/* gaia-sim: run seeded schedules of the real core and check them.
 *
 *   gaia-sim --nodes N --seeds START:COUNT   campaign; exit 0 only if none fails
 *   gaia-sim --nodes N --seed S --trace      replay one seed, print its events
 *   --learners L                             L learners beside the N voters
 *                                            (N may be 1 or 2), never promoted
 *   --adversary                              one member's messages are made
 *                                            invalid now and then; honest
 *                                            nodes must neither abort nor
 *                                            break an invariant
 *   --mutation NAME                          break one rule on purpose
 *   --expect-failure                         exit 0 only if some seed fails
 *                                            (each seed runs in a child
 *                                            process: an abort counts) */
#include <getopt.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim.h"

static const struct {
	const char *name;
	uint32_t bit;
} mutations[] = {
	{"commit-old-term", RAFT_MUT_COMMIT_OLD_TERM},
	{"vote-no-log-check", RAFT_MUT_VOTE_NO_LOG_CHECK},
	{"ack-before-persist", RAFT_MUT_ACK_BEFORE_PERSIST},
	{"read-no-quorum", RAFT_MUT_READ_NO_QUORUM},
	{"leader-msgs-before-persist", RAFT_MUT_LEADER_MSGS_BEFORE_PERSIST},
	{"snapshot-id-by-index", RAFT_MUT_SNAPSHOT_ID_BY_INDEX},
	{"no-append-validation", RAFT_MUT_NO_APPEND_VALIDATION},
	{"readd-same-incarnation", RAFT_MUT_READD_SAME_INCARNATION},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: gaia-sim --nodes N [--learners L] [--adversary]\n"
		   "                (--seeds START:COUNT | --seed S [--trace])\n"
		   "                [--scenario figure8|readd-vote] [--mutation NAME] [--expect-failure]\n"
		   "                [--fault-ticks T] [--liveness-ticks T]\n"
		   "mutations:");
	for (size_t i = 0; i < sizeof mutations / sizeof mutations[0]; i++)
		fprintf(f, " %s", mutations[i].name);
	fprintf(f, "\n");
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One seed in a child process, so that a core that aborts (an assert on
 * a message it should have refused) counts as a failure found. */
static int run_child(const struct sim_params *p, const char *scenario, uint64_t *events)
{
	int fds[2], status = 0;
	pid_t pid;
	uint64_t ev = 0;

	fflush(stdout);
	if (pipe(fds) != 0)
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		int rv;
		close(fds[0]);
		rv = scenario ? sim_scenario(p, scenario, &ev) : sim_run(p, &ev);
		if (write(fds[1], &ev, sizeof ev) != (ssize_t)sizeof ev)
			rv = 1;
		fflush(stdout);
		_exit(rv);
	}
	close(fds[1]);
	if (read(fds[0], &ev, sizeof ev) != (ssize_t)sizeof ev)
		ev = 0;
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0)
		;
	*events = ev;
	if (WIFSIGNALED(status)) {
		printf("FAIL seed=%llu: the simulator died of signal %d (%s)\n",
		       (unsigned long long)p->seed, WTERMSIG(status), strsignal(WTERMSIG(status)));
		return 1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"nodes", required_argument, NULL, 'n'},
		{"learners", required_argument, NULL, 'L'},
		{"adversary", no_argument, NULL, 'A'},
		{"seeds", required_argument, NULL, 's'},
		{"seed", required_argument, NULL, 'S'},
		{"trace", no_argument, NULL, 't'},
		{"mutation", required_argument, NULL, 'm'},
		{"expect-failure", no_argument, NULL, 'x'},
		{"fault-ticks", required_argument, NULL, 'f'},
		{"liveness-ticks", required_argument, NULL, 'l'},
		{"scenario", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct sim_params p = {.nodes = 3, .fault_ticks = 300, .liveness_ticks = 500};
	unsigned long long start = 1, count = 1;
	bool expect_failure = false;
	const char *scenario = NULL;
	uint64_t failed = 0, events = 0;
	double t0;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			p.nodes = atoi(optarg);
			break;
		case 'L':
			p.learners = atoi(optarg);
			break;
		case 'A':
			p.adversary = true;
			break;
		case 's':
			if (sscanf(optarg, "%llu:%llu", &start, &count) != 2) {
				fprintf(stderr, "gaia-sim: --seeds wants START:COUNT\n");
				return 2;
			}
			break;
		case 'S':
			start = strtoull(optarg, NULL, 10);
			count = 1;
			break;
		case 't':
			p.trace = true;
			break;
		case 'm': {
			size_t i;
			for (i = 0; i < sizeof mutations / sizeof mutations[0]; i++)
				if (strcmp(optarg, mutations[i].name) == 0)
					break;
			if (i == sizeof mutations / sizeof mutations[0]) {
				fprintf(stderr, "gaia-sim: unknown mutation '%s'\n", optarg);
				usage(stderr);
				return 2;
			}
			p.mutations |= mutations[i].bit;
			break;
		}
		case 'x':
			expect_failure = true;
			break;
		case 'f':
			p.fault_ticks = strtoull(optarg, NULL, 10);
			break;
		case 'l':
			p.liveness_ticks = strtoull(optarg, NULL, 10);
			break;
		case 'c':
			scenario = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (p.nodes < 1 || p.nodes > 9 || p.learners < 0 || p.learners > 6 || count == 0) {
		usage(stderr);
		return 2;
	}
	t0 = now_s();
	for (unsigned long long i = 0; i < count; i++) {
		uint64_t ev = 0;
		p.seed = start + i;
		int rv = expect_failure ? run_child(&p, scenario, &ev)
			 : scenario ? sim_scenario(&p, scenario, &ev) : sim_run(&p, &ev);
		if (rv == 2) {
			fprintf(stderr, "gaia-sim: unknown scenario '%s' (known: figure8, "
					"readd-vote)\n", scenario);
			return 2;
		}
		events += ev;
		if (rv != 0) {
			failed++;
			if (expect_failure)
				break;
		}
	}
	double dt = now_s() - t0;
	printf("gaia-sim: nodes=%d learners=%d%s seeds=%llu:%llu failed=%llu events=%llu "
	       "time=%.2fs events/s=%.0f\n",
	       p.nodes, p.learners, p.adversary ? " adversary" : "", start, count,
	       (unsigned long long)failed,
	       (unsigned long long)events, dt, dt > 0 ? (double)events / dt : 0.0);
	if (expect_failure) {
		if (failed == 0) {
			printf("gaia-sim: expected the mutation to be caught, it was not\n");
			return 1;
		}
		printf("gaia-sim: the mutation was caught, as expected\n");
		return 0;
	}
	return failed ? 1 : 0;
}
