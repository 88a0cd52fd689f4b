/* Crash test: a child appending (and truncating, compacting) through the writer thread is SIGKILLed at
 * random moments, hundreds of times; every reopen must find a contiguous, intact log holding every
 * entry the child saw reported durable. WAL_CRASH_ROUNDS (default 300) and WAL_CRASH_SEED tune it. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "gaia.h"
#include "wal/wal.h"
#include "../wal/wal_test_util.h"

/* Messages from the child, in the order of events. */
struct msg {
	char kind;      /* 'O' opened, 'D' durable, 'T' about to truncate */
	uint64_t index; /* O: last index; D: durable index; T: from */
	uint64_t term;  /* D: term of the durable entry (0 if unknown) */
};

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void send_msg(int fd, char kind, uint64_t index, uint64_t term)
{
	struct msg m = { .kind = kind, .index = index, .term = term };
	if (write(fd, &m, sizeof m) != (ssize_t)sizeof m)
		_exit(3);
}

static struct wal_options crash_opts(void)
{
	struct wal_options o;
	wal_options_init(&o);
	o.segment_size = 16 * 1024;
	o.cache_bytes = 64 * 1024;
	return o;
}

/* The child: never returns. */
static void child(const char *dir, uint64_t term, uint64_t seed, int out)
{
	struct wal_options o = crash_opts();
	struct wal *w;
	char err[GAIA_ERRMSG_SIZE];
	static unsigned char bufs[8][256 * 1024];
	struct wal_entry ents[8];
	uint64_t reported = 0;

	if (wal_open(dir, &o, &w, err) != GAIA_OK) {
		fprintf(stderr, "child: %s\n", err);
		_exit(2);
	}
	send_msg(out, 'O', wal_last_index(w), 0);
	for (;;) {
		uint64_t r = rng_next(&seed) % 100, last = wal_last_index(w);
		int rv = GAIA_OK;
		if (r < 3 && last > wal_first_index(w)) {
			uint64_t from = last - rng_next(&seed) % 20;
			if (from < wal_first_index(w))
				from = wal_first_index(w);
			/* told before: the writer may cut the tail any moment now */
			send_msg(out, 'T', from, 0);
			rv = wal_truncate_suffix(w, from, NULL);
		} else if (r < 4 && last > 600) {
			rv = wal_compact(w, last - 600, NULL);
		} else {
			size_t n = 1 + rng_next(&seed) % 8;
			for (size_t i = 0; i < n; i++) {
				uint64_t idx = last + 1 + i;
				/* mostly small, sometimes up to 511 bytes, rarely
				 * big (a long write that a kill can cut short) */
				uint32_t len = (uint32_t)(rng_next(&seed) % 64);
				if (len < 8)
					len = (uint32_t)(rng_next(&seed) % 512);
				if (len == 0 && rng_next(&seed) % 2)
					len = (uint32_t)(rng_next(&seed) % sizeof bufs[i]);
				/* each entry's bytes are a function of (index, term) */
				wt_fill(bufs[i], len, idx, term);
				ents[i] = (struct wal_entry){ .index = idx, .term = term,
							      .type = wt_type(idx),
							      .data = bufs[i], .len = len };
			}
			rv = wal_append(w, ents, n, NULL);
		}
		if (rv != GAIA_OK) {
			fprintf(stderr, "child: %s\n", wal_errmsg(w));
			_exit(2);
		}
		/* report progress; wait when too far ahead of the disk */
		struct wal_progress p;
		struct pollfd pfd = { .fd = wal_event_fd(w), .events = POLLIN };
		struct wal_info info;
		wal_info(w, &info);
		int ahead = info.last_index > info.durable_index + 64;
		if (poll(&pfd, 1, ahead ? 1000 : 0) < 0 && errno != EINTR)
			_exit(2);
		if (wal_poll_completions(w, &p) != GAIA_OK)
			_exit(2);
		if (p.durable_index != reported) {
			uint64_t t = 0;
			if (wal_term(w, p.durable_index, &t) != GAIA_OK)
				t = 0;
			send_msg(out, 'D', p.durable_index, t);
			reported = p.durable_index;
		}
	}
}

static void sleep_us(long us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000 };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void test_crash_kill9(void **state)
{
	struct wt_dir d;
	(void)state;
	const char *env = getenv("WAL_CRASH_ROUNDS");
	int rounds = env ? atoi(env) : 300;
	env = getenv("WAL_CRASH_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);
	print_message("seed %" PRIu64 " (WAL_CRASH_SEED), %d rounds\n", seed, rounds);
	uint64_t rs = seed | 1;
	wt_dir_make(&d);
	uint64_t checked = 0, torn = 0, max_last = 0;
	struct wt_log log = { .count = 0 };

	for (int round = 0; round < rounds; round++) {
		int fds[2];
		assert_int_equal(pipe(fds), 0);
		fcntl(fds[0], F_SETPIPE_SZ, 1 << 20);
		uint64_t term = (uint64_t)round + 1;
		uint64_t child_seed = rng_next(&rs) | 1;
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			child(d.log, term, child_seed, fds[1]);
		}
		close(fds[1]);
		/* sometimes during recovery itself, mostly while appending */
		long delay = rng_next(&rs) % 10 == 0 ? (long)(rng_next(&rs) % 2000)
						      : 1000 + (long)(rng_next(&rs) % 20000);
		sleep_us(delay);
		kill(pid, SIGKILL);
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status))
			fail_msg("round %d: child exited with %d", round, WEXITSTATUS(status));

		/* replay what the child was told */
		uint64_t durable = 0, durable_term = 0;
		struct msg m;
		ssize_t n;
		while ((n = read(fds[0], &m, sizeof m)) == (ssize_t)sizeof m) {
			if (m.kind == 'D') {
				durable = m.index;
				durable_term = m.term;
			} else if (m.kind == 'T' && durable >= m.index) {
				durable = m.index - 1;
				durable_term = 0;
			}
		}
		assert_true(n == 0);
		close(fds[0]);

		struct wal_options o = crash_opts();
		o.log = wt_log_cb;
		o.log_ud = &log;
		int before = log.count;
		struct wal *w;
		char err[GAIA_ERRMSG_SIZE];
		if (wal_open(d.log, &o, &w, err) != GAIA_OK)
			fail_msg("round %d (seed %" PRIu64 "): %s", round, seed, err);
		if (log.count > before)
			torn++;
		log.text[0] = 0;
		uint64_t first = wal_first_index(w), last = wal_last_index(w);
		if (last < durable)
			fail_msg("round %d (seed %" PRIu64 "): durable %" PRIu64
				 " reported, log ends at %" PRIu64,
				 round, seed, durable, last);
		uint64_t t;
		if (durable_term && durable >= first) {
			assert_int_equal(wal_term(w, durable, &t), GAIA_OK);
			assert_int_equal(t, durable_term);
		}
		/* contents intact, terms never decreasing */
		if (last >= first) {
			struct wal_batch b = WAL_BATCH_INIT;
			uint64_t prev_term = 0;
			for (uint64_t i = first; i <= last; i += b.n) {
				assert_int_equal(wal_read(w, i, last, 0, &b), GAIA_OK);
				for (size_t k = 0; k < b.n; k++) {
					if (!wt_check(&b.ents[k]))
						fail_msg("round %d: entry %" PRIu64 " damaged",
							 round, b.ents[k].index);
					assert_true(b.ents[k].term >= prev_term);
					assert_true(b.ents[k].term <= term);
					prev_term = b.ents[k].term;
				}
				checked += b.n;
			}
			wal_batch_free(&b);
		}
		if (getenv("WAL_CRASH_VERBOSE"))
			print_message("round %d: delay %ld us, durable %" PRIu64 ", log %" PRIu64 "..%" PRIu64 "\n", round, delay, durable, first, last);
		if (last > max_last)
			max_last = last;
		wal_close(w);
	}
	print_message("%d kills, %" PRIu64 " entries checked, %" PRIu64
		      " torn tails cut, last index reached %" PRIu64 "\n",
		      rounds, checked, torn, max_last);
	wt_dir_remove(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash_kill9),
	};
	return cmocka_run_group_tests_name("wal_crash", tests, NULL, NULL);
}
