#!/usr/bin/env bash
# tests/bench/cluster_bench.sh - the figures of issue 4's Performance
# section, measured with gaia-bench on a 3-node loopback cluster with
# fsync on (gaia_go always syncs its WAL):
#   - writes/s and p50/p99 at 1 and at 64 clients, 100-byte values
#     (to the leader, and spread over all nodes: followers forward);
#   - linearizable reads/s at 64 clients;
#   - WAL fsyncs per second on the leader during the 64-client writes,
#     from its metrics (raft_wal_fsync_seconds) and, where perf works, its
#     fdatasync/fsync syscalls counted with perf's tracepoints; with
#     neither, strace -c in a separate run (strace slows what it traces);
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
fig() { jq -r "$2" "$GT_DIR/$1.json"; }
calc() { awk "BEGIN { printf \"%.6f\", $* }"; }
for f in "$bench" "$GAIA_GO"; do
	[ -x "$f" ] || { say "no $f: build first (bin/check --build-only)"; exit 1; }
done
for t in curl jq; do
	command -v "$t" >/dev/null || { say "needs $t"; exit 1; }
done

counter_pid=
helper_dir=
cleanup() {
	[ -n "$counter_pid" ] && kill "$counter_pid" 2>/dev/null && wait "$counter_pid" 2>/dev/null
	[ -n "$helper_dir" ] && rm -rf "$helper_dir"
	cluster_teardown
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the disk ------------------------------------------------------------------

# disk_latency DIR: "p50 mean p99" in ms of 4 KiB appends each followed by
# fdatasync (what the WAL does), with a small C helper; "- mean -" from dd
# oflag=dsync without a compiler. Measured before the cluster starts and
# after the runs: this disk's latency moves a lot.
helper_dir=$(mktemp -d "$TMPDIR/cluster-bench.XXXXXX")
helper=$helper_dir/fdatasync_lat
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
	disk_method="write 4 KiB + fdatasync, 1000 times"
else
	helper=
	disk_method="dd bs=4k count=1000 oflag=dsync"
fi
disk_latency() {
	local t0 t1
	if [ -n "$helper" ]; then
		"$helper" "$1/fdatasync.test" 1000
	else
		t0=$(date +%s.%N)
		dd if=/dev/zero of="$1/fdatasync.test" bs=4k count=1000 oflag=dsync 2>/dev/null
		t1=$(date +%s.%N)
		rm -f "$1/fdatasync.test"
		echo "- $(calc "($t1 - $t0) * 1000 / 1000") -"
	fi
}
disk_idle=$(disk_latency "$helper_dir")

cluster_init
say "starting 3 nodes in $GT_DIR"
cluster_up 3 || { say "the cluster did not come up"; exit 1; }
disown -a # stopped by pid in cluster_teardown; no job notices from this shell
leader=$(wait_leader 3 10) || { say "no leader"; exit 1; }
leader_pid=$(node_pid "$leader")
all="$(node_api 1),$(node_api 2),$(node_api 3)"
say "leader: node-$leader (pid $leader_pid)"

# settle: wait for a leader (a run may have cost the cluster its leader)
# and note which node leads, for the fsync counters
settle() {
	leader=$(wait_leader 3 10) || { say "no leader"; return 1; }
	leader_pid=$(node_pid "$leader")
}

# run NAME ARGS...: one gaia-bench run, its JSON kept in $GT_DIR/NAME.json;
# a run whose requests all failed still has its figures (and a note)
run() {
	local name=$1
	shift
	settle
	say "run: $name"
	"$bench" --json --addr "$all" --duration "$dur" --value-size 100 --keys 10000 \
		--key-prefix "cb-" "$@" >"$GT_DIR/$name.json" 2>"$GT_DIR/$name.err"
	if [ -s "$GT_DIR/$name.err" ]; then
		notes+=("$name: $(cat "$GT_DIR/$name.err")")
		say "$name: $(cat "$GT_DIR/$name.err")"
	fi
	jq -e . "$GT_DIR/$name.json" >/dev/null 2>&1
}
notes=()

# --- fsync counting -----------------------------------------------------------

# "COUNT SUM" of the leader's WAL fsync histogram (raft_wal_fsync_seconds),
# or nothing if the node exports no such counter
metrics_fsyncs() {
	curl -s -m 2 "http://$(node_ip "$leader"):$GT_METRICS_PORT/metrics" 2>/dev/null |
		awk '/^raft_wal_fsync_seconds_count[ {]/ { c = $NF } /^raft_wal_fsync_seconds_sum[ {]/ { s = $NF }
		     END { if (c != "") print c, (s == "" ? 0 : s) }'
}

perf_works() {
	command -v perf >/dev/null &&
		perf stat -x, -e syscalls:sys_enter_fdatasync -p "$leader_pid" -- sleep 0.1 >/dev/null 2>&1
}

# --- the runs -------------------------------------------------------------------

run w1 --leader-only --clients 1 || exit 1
settle || exit 1

# the 64-client writes: WAL fsyncs from the metrics, and every fdatasync/
# fsync syscall of the leader process from perf's tracepoints (cheap)
use_perf=no
if perf_works; then
	use_perf=yes
	perf stat -x, -e syscalls:sys_enter_fdatasync,syscalls:sys_enter_fsync -p "$leader_pid" \
		-o "$GT_DIR/perf.out" &
	counter_pid=$!
	sleep 0.2
fi
m_before=$(metrics_fsyncs)
t0=$(date +%s.%N)
w64_leader=$leader
run w64 --leader-only --clients 64 || exit 1
t1=$(date +%s.%N)
m_after=$(metrics_fsyncs)
if [ "$(wait_leader 3 10)" != "$w64_leader" ]; then
	notes+=("the leader changed during w64: its fsync figures mix two nodes")
fi
if [ "$use_perf" = yes ]; then
	kill -INT "$counter_pid"
	wait "$counter_pid" 2>/dev/null
	counter_pid=
fi
run w64all --clients 64 || exit 1
run r64 --leader-only --clients 64 --op get || exit 1
run r64all --clients 64 --op get --no-prefill || exit 1 # keys written by r64
settle

secs=$(calc "$t1 - $t0")
writes=$(fig w64 .ok)
fsync_lines=()
fsync_line() { # SOURCE COUNT SECONDS WRITES [MEAN_MS]
	fsync_lines+=("$(printf '%-34s %7.0f fsyncs/s for %6.0f writes/s = %5.1f writes per fsync%s' \
		"$1:" "$(calc "$2 / $3")" "$(calc "$4 / $3")" "$(calc "$4 / $2")" \
		"${5:+, mean fsync $5 ms}")")
}
if [ -n "$m_before" ] && [ -n "$m_after" ]; then
	read -r c0 s0 <<<"$m_before"
	read -r c1 s1 <<<"$m_after"
	n=$(calc "$c1 - $c0")
	if awk "BEGIN { exit !($n > 0) }"; then
		fsync_line "WAL fsyncs, leader (metrics)" "$n" "$secs" "$writes" \
			"$(awk "BEGIN { printf \"%.3f\", ($s1 - $s0) * 1000 / $n }")"
	fi
fi
if [ "$use_perf" = yes ]; then
	n=$(awk -F, '/sys_enter_f(data)?sync/ { n += $1 } END { print n + 0 }' "$GT_DIR/perf.out")
	[ "$n" -gt 0 ] && fsync_line "fdatasync+fsync syscalls (perf)" "$n" "$secs" "$writes"
fi
if [ ${#fsync_lines[@]} -eq 0 ] && command -v strace >/dev/null; then
	# strace stops the leader at every syscall: a separate run, whose
	# writes/s are not the figures of the table
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
	n=$(awk '$NF == "fdatasync" || $NF == "fsync" { n += $4 } END { print n + 0 }' "$GT_DIR/strace.out")
	[ "$n" -gt 0 ] && fsync_line "fsyncs under strace (slowed run)" "$n" "$(calc "$t1 - $t0")" \
		"$(fig w64strace .ok)"
fi

disk_after=$(disk_latency "$GT_DIR")

# --- the figures --------------------------------------------------------------

row() { # NAME LABEL
	printf '%-42s %8.0f %8.2f %8.2f %8.2f %8d %s\n' "$2" "$(fig "$1" .ops_per_s)" \
		"$(fig "$1" .latency_ms.p50)" "$(fig "$1" .latency_ms.p99)" \
		"$(fig "$1" .latency_ms.max)" "$(fig "$1" .errors)" \
		"$(fig "$1" '.status | to_entries | map(select(.key | startswith("2") | not)) | map("\(.key) x\(.value)") | join(", ")')"
}

fs=$(df -PT "$GT_DIR" | awk 'NR == 2 { print $2 " on " $1 }')
echo
echo "GAIA_GO on 3 loopback nodes, fsync on, 100-byte values, $dur per run"
echo "data: $GT_DIR ($fs); $(nproc) CPUs; gaia_go $("$bench" --version | awk '{print $2}')"
echo
printf '%-42s %8s %8s %8s %8s %8s %s\n' RUN OPS/S "P50 MS" "P99 MS" "MAX MS" ERRORS "BY STATUS"
row w1 "writes, 1 client, leader"
row w64 "writes, 64 clients, leader"
row w64all "writes, 64 clients, all nodes (forwarded)"
row r64 "linearizable reads, 64 clients, leader"
row r64all "linearizable reads, 64 clients, all nodes"
echo
echo "At 64 clients writing to the leader:"
if [ ${#fsync_lines[@]} -eq 0 ]; then
	echo "  fsyncs not measured (no metrics counter, perf or strace)"
else
	printf '  %s\n' "${fsync_lines[@]}"
fi
disk_line() { # LABEL "p50 mean p99"
	local p50 mean p99
	read -r p50 mean p99 <<<"$2"
	if [ "$p50" = - ]; then
		printf '  %-28s mean %.3f ms\n' "$1:" "$mean"
	else
		printf '  %-28s p50 %.3f ms, mean %.3f ms, p99 %.3f ms\n' "$1:" "$p50" "$mean" "$p99"
	fi
}
echo "disk fdatasync ($disk_method):"
disk_line "before the cluster started" "$disk_idle"
disk_line "after the runs" "$disk_after"
read -r d50 dmean _ <<<"$disk_idle"
[ "$d50" = - ] && d50=$dmean
printf 'single-client write p50 %.3f ms = %.1f x the idle disk fdatasync p50 (%.3f ms)\n' \
	"$(fig w1 .latency_ms.p50)" "$(calc "$(fig w1 .latency_ms.p50) / $d50")" "$d50"
if [ ${#notes[@]} -gt 0 ]; then
	echo
	echo "Notes (gaia-bench's stderr):"
	printf '  %s\n' "${notes[@]}"
fi
