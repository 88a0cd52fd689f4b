#!/usr/bin/env bash
# tests/bench/cluster_bench.sh - the figures of issue 4's Performance
# section, measured with gaia-bench on a 3-node loopback cluster with
# fsync on (gaia_go always syncs its WAL):
#   - writes/s and p50/p99 at 1 and at 64 clients, 100-byte values
#     (to the leader, and spread over all nodes: followers forward);
#   - linearizable reads/s at 64 clients;
#   - WAL fsyncs per second on the leader during the 64-client writes
#     (from a metrics counter if the node exports one, else counted with
#     perf's syscall tracepoints, else strace -c in a separate run, since
#     strace slows the process it traces);
#   - the disk's own fdatasync latency (4 KiB appends, a small C helper
#     built here; dd oflag=dsync without a compiler).
# Prints a table. A benchmark, not a test: it judges nothing.
#
#   tests/bench/cluster_bench.sh [DURATION]    default 10s per run
#
# Environment: BENCH_TMPDIR puts the nodes' data dirs on another disk
# (default $TMPDIR or /tmp). Every process is stopped by its pid.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
dur=${1:-10s}
bench=$top/bin/gaia-bench
export TMPDIR=${BENCH_TMPDIR:-${TMPDIR:-/tmp}}
export GT_LOG_LEVEL=${GT_LOG_LEVEL:-warn}
# shellcheck source=../lib/cluster.bash
source "$top/tests/lib/cluster.bash"

say() { printf 'cluster_bench: %s\n' "$*" >&2; }
for f in "$bench" "$GAIA_GO"; do
	[ -x "$f" ] || { say "no $f: build first (bin/check --build-only)"; exit 1; }
done
for t in curl jq; do
	command -v "$t" >/dev/null || { say "needs $t"; exit 1; }
done

counter_pid=
cleanup() {
	[ -n "$counter_pid" ] && kill "$counter_pid" 2>/dev/null && wait "$counter_pid" 2>/dev/null
	cluster_teardown
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cluster_init
say "starting 3 nodes in $GT_DIR"
cluster_up 3 || { say "the cluster did not come up"; exit 1; }
disown -a # stopped by pid in cluster_teardown; no job notices from this shell
leader=$(wait_leader 3 10) || { say "no leader"; exit 1; }
leader_pid=$(node_pid "$leader")
all="$(node_api 1),$(node_api 2),$(node_api 3)"
say "leader: node-$leader (pid $leader_pid)"

# run NAME ARGS...: one gaia-bench run, its JSON kept in $GT_DIR/NAME.json
run() {
	local name=$1
	shift
	say "run: $name"
	"$bench" --json --addr "$all" --duration "$dur" --value-size 100 --keys 10000 \
		--key-prefix "cb-" "$@" \
		>"$GT_DIR/$name.json" 2>"$GT_DIR/$name.err" ||
		{ say "$name failed: $(cat "$GT_DIR/$name.err")"; return 1; }
}
fig() { jq -r "$2" "$GT_DIR/$1.json"; }
calc() { awk "BEGIN { printf \"%.6f\", $* }"; }

# --- fsync counting -----------------------------------------------------------

# a WAL fsync counter from the leader's metrics, if there is one
metrics_fsyncs() {
	curl -s -m 2 "http://$(node_ip "$leader"):$GT_METRICS_PORT/metrics" 2>/dev/null |
		awk '/^[a-z_]*fsync[a-z_]*(_count|_total)[ {]/ { sub(/\{.*\}/, ""); print $2; exit }'
}

perf_works() {
	command -v perf >/dev/null &&
		perf stat -x, -e syscalls:sys_enter_fdatasync -p "$leader_pid" -- sleep 0.1 >/dev/null 2>&1
}

fsync_method=none
before=$(metrics_fsyncs)
if [ -n "$before" ]; then
	fsync_method=metrics
elif perf_works; then
	fsync_method=perf
elif command -v strace >/dev/null; then
	fsync_method=strace
fi

# --- the runs -------------------------------------------------------------------

run w1 --leader-only --clients 1 || exit 1
if [ "$fsync_method" = perf ]; then
	perf stat -x, -e syscalls:sys_enter_fdatasync,syscalls:sys_enter_fsync -p "$leader_pid" \
		-o "$GT_DIR/perf.out" &
	counter_pid=$!
	sleep 0.2
fi
before=$(metrics_fsyncs)
t0=$(date +%s.%N)
run w64 --leader-only --clients 64 || exit 1
t1=$(date +%s.%N)
after=$(metrics_fsyncs)
if [ "$fsync_method" = perf ]; then
	kill -INT "$counter_pid"
	wait "$counter_pid" 2>/dev/null
	counter_pid=
fi
run w64all --clients 64 || exit 1
run r64 --leader-only --clients 64 --op get || exit 1
run r64all --clients 64 --op get --no-prefill || exit 1  # keys written by r64

fsyncs=
fsync_secs=$(calc "$t1 - $t0")
fsync_writes=$(fig w64 .ok)
case $fsync_method in
metrics)
	fsyncs=$(awk "BEGIN { printf \"%d\", $after - $before }")
	;;
perf)
	fsyncs=$(awk -F, '/sys_enter_f(data)?sync/ { n += $1 } END { print n + 0 }' "$GT_DIR/perf.out")
	;;
strace)
	# strace stops the leader on every syscall: a separate run, whose
	# writes/s are not the figures above
	say "run: w64strace (fsyncs counted with strace -c)"
	strace -c -f -e trace=fdatasync,fsync -p "$leader_pid" -o "$GT_DIR/strace.out" &
	counter_pid=$!
	sleep 0.5
	t0=$(date +%s.%N)
	run w64strace --leader-only --clients 64
	t1=$(date +%s.%N)
	kill -INT "$counter_pid"
	wait "$counter_pid" 2>/dev/null
	counter_pid=
	fsyncs=$(awk '$NF == "fdatasync" || $NF == "fsync" { n += $4 } END { print n + 0 }' "$GT_DIR/strace.out")
	fsync_secs=$(calc "$t1 - $t0")
	fsync_writes=$(fig w64strace .ok)
	;;
esac

# --- the disk ------------------------------------------------------------------

disk_p50= disk_mean= disk_p99= disk_method=
helper=$GT_DIR/fdatasync_lat
if command -v cc >/dev/null && cc -O2 -o "$helper" -x c - <<'EOF' 2>/dev/null; then
/* 4 KiB appends, each followed by fdatasync, as a WAL does: prints the
 * p50, mean and p99 latency in ms of N of them. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}
int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 1000, fd;
	double *lat = calloc((size_t)n, sizeof *lat), sum = 0;
	char buf[4096];
	memset(buf, 'x', sizeof buf);
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || !lat)
		return 1;
	for (int i = 0; i < n; i++) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf || fdatasync(fd) != 0)
			return 1;
		clock_gettime(CLOCK_MONOTONIC, &b);
		lat[i] = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
		sum += lat[i];
	}
	qsort(lat, (size_t)n, sizeof *lat, cmp);
	printf("%.3f %.3f %.3f\n", lat[n / 2], sum / n, lat[(size_t)(n * 0.99)]);
	close(fd);
	unlink(argv[1]);
	return 0;
}
EOF
	read -r disk_p50 disk_mean disk_p99 < <("$helper" "$GT_DIR/fdatasync.test" 1000)
	disk_method="write 4 KiB + fdatasync, 1000 times"
else
	t0=$(date +%s.%N)
	dd if=/dev/zero of="$GT_DIR/fdatasync.test" bs=4k count=1000 oflag=dsync 2>/dev/null
	t1=$(date +%s.%N)
	rm -f "$GT_DIR/fdatasync.test"
	disk_mean=$(calc "($t1 - $t0) * 1000 / 1000")
	disk_method="dd bs=4k count=1000 oflag=dsync"
fi

# --- the figures --------------------------------------------------------------

row() { # NAME LABEL
	printf '%-40s %10.0f %9.2f %9.2f %9.2f %7d\n' "$2" "$(fig "$1" .ops_per_s)" \
		"$(fig "$1" .latency_ms.p50)" "$(fig "$1" .latency_ms.p99)" \
		"$(fig "$1" .latency_ms.max)" "$(fig "$1" .errors)"
}

fs=$(df -PT "$GT_DIR" | awk 'NR == 2 { print $2 " on " $1 }')
echo
echo "GAIA_GO on 3 loopback nodes, fsync on, 100-byte values, $dur per run"
echo "data: $GT_DIR ($fs); $(nproc) CPUs; gaia_go $("$bench" --version | awk '{print $2}')"
echo
printf '%-40s %10s %9s %9s %9s %7s\n' RUN OPS/S "P50 MS" "P99 MS" "MAX MS" ERRORS
row w1 "writes, 1 client, leader"
row w64 "writes, 64 clients, leader"
row w64all "writes, 64 clients, all nodes (forwarded)"
row r64 "linearizable reads, 64 clients, leader"
row r64all "linearizable reads, 64 clients, all nodes"
echo
if [ -n "$fsyncs" ] && [ "$fsyncs" -gt 0 ] 2>/dev/null; then
	printf 'WAL fsyncs on the leader at 64 clients (%s): %.0f fsyncs/s for %.0f writes/s = %.1f writes per fsync\n' \
		"$fsync_method" "$(calc "$fsyncs / $fsync_secs")" \
		"$(calc "$fsync_writes / $fsync_secs")" "$(calc "$fsync_writes / $fsyncs")"
else
	echo "WAL fsyncs: not measured (no metrics counter, perf or strace)"
fi
if [ -n "$disk_p50" ]; then
	printf 'disk fdatasync (%s): p50 %.3f ms, mean %.3f ms, p99 %.3f ms\n' "$disk_method" \
		"$disk_p50" "$disk_mean" "$disk_p99"
else
	printf 'disk fdatasync (%s): mean %.3f ms\n' "$disk_method" "$disk_mean"
fi
printf 'single-client write p50 %.3f ms = %.1f x the disk fdatasync (%.3f ms)\n' \
	"$(fig w1 .latency_ms.p50)" \
	"$(calc "$(fig w1 .latency_ms.p50) / ${disk_p50:-$disk_mean}")" "${disk_p50:-$disk_mean}"
