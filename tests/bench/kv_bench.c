/* Benchmark of the KV state machine and its snapshots: put/get rates, memory per key, snapshot write/verify/restore time and size, apply latency during a snapshot. Prints figures, asserts nothing.
 *
 *   tests/bench/kv_bench [keys] [value_bytes] [dir]     (defaults: 1000000 100 /tmp)
 */
#include <malloc.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gaia.h"
#include "kv/kv.h"
#include "snap/snap.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void die(const char *what, const char *msg)
{
	fprintf(stderr, "kv_bench: %s: %s\n", what, msg);
	exit(1);
}

static size_t vbytes = 100;

/* 16-byte key number k, value of vbytes; encode and apply at index. */
static void put(struct kv *kv, uint64_t index, uint64_t k)
{
	char key[17];
	static uint8_t val[1 << 16], buf[(1 << 16) + 64];
	struct kv_cmd c = {KV_OP_PUT, false, 0, (const uint8_t *)key, 16, val, vbytes};
	size_t len;
	char err[GAIA_ERRMSG_SIZE];
	struct kv_result r;

	snprintf(key, sizeof key, "%016llx", (unsigned long long)(k * 0x9e3779b97f4a7c15u));
	memset(val, (int)(k & 0xff), vbytes);
	if (kv_cmd_encode(&c, NULL, buf, sizeof buf, &len, err) != GAIA_OK)
		die("encode", err);
	if (kv_apply(kv, index, buf, len, &r) != GAIA_OK || r.status != GAIA_OK)
		die("apply", r.errmsg);
}

struct job {
	struct kv_view *v;
	struct snap_dir *dir;
	struct snap_writer w;
	struct snap_info info;
	int rc;
	double secs;
	atomic_int done;
};

static void *snap_thread(void *arg)
{
	struct job *j = arg;
	double t = now_s();
	j->rc = kv_snapshot_save(j->v, j->dir, 1, "bench", 5, 0, &j->w, &j->info);
	kv_view_release(j->v);
	j->secs = now_s() - t;
	atomic_store(&j->done, 1);
	return NULL;
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
	const char *base = argc > 3 ? argv[3] : "/tmp";
	char dirpath[256], path[PATH_MAX];
	struct kv_options o = {KV_LIMITS_DEFAULT, 1};
	struct kv *kv, *restored;
	struct kv_view *v;
	struct snap_dir dir;
	struct snap_info info;
	struct snap_writer w;
	struct kv_entry e;
	struct mallinfo2 m0, m1;
	uint64_t index = 0, found = 0, d0, d1;
	double t, secs;
	char err[GAIA_ERRMSG_SIZE];

	if (argc > 2)
		vbytes = strtoul(argv[2], NULL, 10);
	if (vbytes > (1 << 16))
		die("value_bytes", "at most 65536 here");
	snprintf(dirpath, sizeof dirpath, "%s/gaia-kvbench-XXXXXX", base);
	if (mkdtemp(dirpath) == NULL)
		die("mkdtemp", dirpath);
	if (snap_dir_init(&dir, dirpath) != GAIA_OK)
		die("snap_dir_init", dir.errmsg);
	printf("kv_bench: %llu keys, 16-byte keys, %zu-byte values, files in %s\n",
	       (unsigned long long)n, vbytes, dirpath);

	m0 = mallinfo2();
	if (kv_create(&o, &kv) != GAIA_OK)
		die("kv_create", "failed");
	t = now_s();
	for (uint64_t k = 0; k < n; k++)
		put(kv, ++index, k);
	secs = now_s() - t;
	m1 = mallinfo2();
	printf("put (encode+apply, new keys):  %10.0f ops/s  (%.2f s)\n", (double)n / secs, secs);
	printf("memory per key:                %10.1f bytes heap in use (mallinfo2), %.1f estimated "
	       "by kv_memory(); payload %zu\n",
	       (double)(m1.uordblks - m0.uordblks) / (double)n, (double)kv_memory(kv) / (double)n,
	       16 + vbytes);

	t = now_s();
	for (uint64_t i = 0; i < n; i++)
		put(kv, ++index, rnd() % n);
	secs = now_s() - t;
	printf("put (encode+apply, overwrite): %10.0f ops/s\n", (double)n / secs);

	t = now_s();
	for (uint64_t i = 0; i < n; i++) {
		char key[17];
		snprintf(key, sizeof key, "%016llx",
			 (unsigned long long)((rnd() % n) * 0x9e3779b97f4a7c15u));
		found += kv_get(kv, key, 16, &e) == GAIA_OK;
	}
	secs = now_s() - t;
	printf("get (random, present):         %10.0f ops/s  (%llu found)\n", (double)n / secs,
	       (unsigned long long)found);

	if (kv_freeze(kv, &v) != GAIA_OK)
		die("freeze", "failed");
	t = now_s();
	d0 = kv_digest(v);
	printf("digest:                        %10.3f s\n", now_s() - t);
	t = now_s();
	if (kv_snapshot_save(v, &dir, 1, "bench", 5, 0, &w, &info) != GAIA_OK)
		die("snapshot", w.errmsg);
	secs = now_s() - t;
	printf("snapshot write (incl. fsync):  %10.3f s, %llu bytes (%.1f MB, %.1f bytes/key), "
	       "%.0f MB/s\n",
	       secs, (unsigned long long)info.size, (double)info.size / 1e6,
	       (double)info.size / (double)n, (double)info.size / 1e6 / secs);
	snprintf(path, sizeof path, "%s/%s", dirpath, info.filename);

	t = now_s();
	if (snap_verify(path, NULL, err) != GAIA_OK)
		die("verify", err);
	printf("snapshot verify:               %10.3f s\n", now_s() - t);

	kv_create(&o, &restored);
	m0 = mallinfo2();
	t = now_s();
	if (kv_restore_file(restored, path) != GAIA_OK)
		die("restore", kv_errmsg(restored));
	secs = now_s() - t;
	m1 = mallinfo2();
	kv_view_release(v);
	if (kv_freeze(restored, &v) != GAIA_OK)
		die("freeze", "failed");
	d1 = kv_digest(v);
	kv_view_release(v);
	printf("snapshot restore:              %10.3f s (%.0f keys/s), digest %s, %.1f bytes/key "
	       "after restore\n",
	       secs, (double)n / secs, d0 == d1 ? "equal" : "DIFFERENT",
	       (double)(m1.uordblks - m0.uordblks) / (double)n);
	kv_destroy(restored);
	unlink(path);

	/* a snapshot on another thread while this one keeps applying */
	{
		struct job j;
		pthread_t th;
		double max = 0, sum = 0;
		uint64_t applies = 0;

		memset(&j, 0, sizeof j);
		j.dir = &dir;
		if (kv_freeze(kv, &j.v) != GAIA_OK)
			die("freeze", "failed");
		pthread_create(&th, NULL, snap_thread, &j);
		while (!atomic_load(&j.done)) {
			double a = now_s();
			put(kv, ++index, rnd() % (n + n / 10));
			a = now_s() - a;
			sum += a;
			if (a > max)
				max = a;
			applies++;
		}
		pthread_join(th, NULL);
		if (j.rc != GAIA_OK)
			die("snapshot", j.w.errmsg);
		printf("snapshot with concurrent applies: %.3f s; %llu applies meanwhile, mean "
		       "%.1f us, max %.2f ms\n",
		       j.secs, (unsigned long long)applies, sum / (double)applies * 1e6, max * 1e3);
		snprintf(path, sizeof path, "%s/%s", dirpath, j.info.filename);
		unlink(path);
	}

	kv_destroy(kv);
	snap_dir_close(&dir);
	rmdir(dirpath);
	return 0;
}
