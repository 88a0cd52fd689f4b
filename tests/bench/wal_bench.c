/* WAL append throughput with 1, 16 and 256 concurrent appenders, beside the disk's raw fdatasync latency.
 *
 * Built with `make check` but not run by it. Run from the build directory:
 *
 *   tests/bench/wal_bench [DIR] [SECONDS]
 *
 * A new DIR/wal-bench.XXXXXX (DIR defaults to the current directory: put it
 * on the disk under test, not a tmpfs) is removed afterwards; SECONDS per run
 * defaults to 3. Each appender thread submits one 100-byte entry and waits
 * until it is durable, like a client waiting for its write; one "loop"
 * thread takes completions from the eventfd, as the node's loop would.
 * Prints figures; asserts nothing. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>
#include <unistd.h>

#include "gaia.h"
#include "wal/wal.h"

struct run {
	struct wal *w;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t durable;
	atomic_int stop;
	atomic_uint_fast64_t done;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[1200];
	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* 100-byte appends to a plain file, each followed by fdatasync. */
static double raw_fdatasync(const char *dir, double seconds)
{
	char path[1100];
	char buf[100];
	enum { MAXN = 100000 };
	static double lat[MAXN];
	size_t n = 0;

	memset(buf, 'x', sizeof buf);
	snprintf(path, sizeof path, "%s/raw.dat", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror(path);
		exit(1);
	}
	double t0 = now_s(), end = t0 + seconds;
	while (n < MAXN && now_s() < end) {
		double a = now_s();
		if (pwrite(fd, buf, sizeof buf, (off_t)(n * sizeof buf)) != (ssize_t)sizeof buf ||
		    fdatasync(fd) != 0) {
			perror("raw write");
			exit(1);
		}
		lat[n++] = now_s() - a;
	}
	double total = now_s() - t0;
	close(fd);
	unlink(path);
	qsort(lat, n, sizeof *lat, cmp_double);
	double mean = total / (double)n;
	printf("raw fdatasync (100-byte appends): %zu syncs, mean %.1f us, p50 %.1f us, "
	       "p99 %.1f us, max %.1f us, %.0f syncs/s\n",
	       n, mean * 1e6, lat[n / 2] * 1e6, lat[n * 99 / 100] * 1e6, lat[n - 1] * 1e6,
	       (double)n / total);
	return mean;
}

static void *loop_main(void *arg)
{
	struct run *r = arg;
	struct wal_progress p;
	while (!atomic_load(&r->stop)) {
		struct pollfd pfd = { .fd = wal_event_fd(r->w), .events = POLLIN };
		poll(&pfd, 1, 10);
		pthread_mutex_lock(&r->mu);
		if (wal_poll_completions(r->w, &p) != GAIA_OK) {
			fprintf(stderr, "wal: %s\n", wal_errmsg(r->w));
			exit(1);
		}
		if (p.durable_index != r->durable) {
			r->durable = p.durable_index;
			pthread_cond_broadcast(&r->cv);
		}
		pthread_mutex_unlock(&r->mu);
	}
	pthread_mutex_lock(&r->mu);
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

static void *appender_main(void *arg)
{
	struct run *r = arg;
	unsigned char data[100];
	memset(data, 'v', sizeof data);
	pthread_mutex_lock(&r->mu);
	while (!atomic_load(&r->stop)) {
		uint64_t idx = wal_last_index(r->w) + 1;
		struct wal_entry e = { .index = idx, .term = 1, .data = data, .len = sizeof data };
		if (wal_append(r->w, &e, 1, NULL) != GAIA_OK) {
			fprintf(stderr, "append: %s\n", wal_errmsg(r->w));
			exit(1);
		}
		while (r->durable < idx && !atomic_load(&r->stop))
			pthread_cond_wait(&r->cv, &r->mu);
		if (r->durable >= idx)
			atomic_fetch_add(&r->done, 1);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

static void bench(const char *top, int threads, double seconds, double raw_mean)
{
	char dir[1100], err[GAIA_ERRMSG_SIZE];
	struct run r = { .durable = 0 };
	struct wal_info info;
	pthread_t loop, *app = calloc((size_t)threads, sizeof *app);

	snprintf(dir, sizeof dir, "%s/wal-%d", top, threads);
	if (wal_open(dir, NULL, &r.w, err) != GAIA_OK) {
		fprintf(stderr, "wal_open: %s\n", err);
		exit(1);
	}
	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.cv, NULL);
	atomic_init(&r.stop, 0);
	atomic_init(&r.done, 0);
	pthread_create(&loop, NULL, loop_main, &r);
	double t0 = now_s();
	for (int i = 0; i < threads; i++)
		pthread_create(&app[i], NULL, appender_main, &r);
	struct timespec ts = { .tv_sec = (time_t)seconds,
			       .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9) };
	nanosleep(&ts, NULL);
	uint64_t done = atomic_load(&r.done);
	double el = now_s() - t0;
	pthread_mutex_lock(&r.mu);
	wal_info(r.w, &info);
	pthread_mutex_unlock(&r.mu);
	atomic_store(&r.stop, 1);
	for (int i = 0; i < threads; i++)
		pthread_join(app[i], NULL);
	pthread_join(loop, NULL);
	printf("%3d appenders: %9.0f entries/s  %7.0f fsyncs/s  %6.2f MB/s  "
	       "%6.1f entries/batch  mean fsync %6.1f us (raw %.1f)  mean commit latency %7.1f us\n",
	       threads, (double)done / el, (double)info.fsyncs / el,
	       (double)info.bytes_written / el / 1e6,
	       info.batches ? (double)info.appends / (double)info.batches : 0.0,
	       info.batches ? (double)info.fsync_ns_total / (double)info.batches / 1e3 : 0.0,
	       raw_mean * 1e6, done ? el * threads / (double)done * 1e6 : 0.0);
	wal_sync(r.w, NULL);
	wal_close(r.w);
	pthread_cond_destroy(&r.cv);
	pthread_mutex_destroy(&r.mu);
	remove_dir(dir);
	free(app);
}

int main(int argc, char **argv)
{
	char top[1024];
	double seconds = argc > 2 ? atof(argv[2]) : 3.0;
	snprintf(top, sizeof top, "%s/wal-bench.XXXXXX", argc > 1 ? argv[1] : ".");
	if (!mkdtemp(top)) {
		perror(top);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("WAL benchmark in %s, %.1f s per run, 100-byte entries\n", top, seconds);
	double raw = raw_fdatasync(top, seconds);
	static const int threads[] = { 1, 16, 256 };
	for (size_t i = 0; i < sizeof threads / sizeof *threads; i++)
		bench(top, threads[i], seconds, raw);
	remove_dir(top);
	return 0;
}
