#!/usr/bin/env bash
# tests/bench/snapshot_bench.sh - the snapshot figures of issue 5 on a
# 3-node loopback cluster:
#   - load N keys (default 1,000,000; 100-byte values) with gaia-bench's
#     prefill (64 clients; curl --parallel without gaia-bench);
#   - POST /api/cluster/snapshot on the leader: time (as the client sees it
#     and as the node logs it), file size, and the latency of writes made
#     while it is written (the loop keeps going);
#   - wipe a follower (raft_logs and snapshots), restart it and time its
#     catch-up by InstallSnapshot until its state digest equals the
#     leader's.
# A benchmark, not a test: it prints figures and judges nothing. Each
# phase is bounded (BENCH_LOAD_TIMEOUT, default 1800 s for the load).
#
#   tests/bench/snapshot_bench.sh [KEYS]
#
# Environment: BENCH_TMPDIR for the data dirs (default $TMPDIR or /tmp;
# 1M keys take ~0.5 GB per node with logs and snapshots). Every process is
# stopped by its pid.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
keys=${1:-1000000}
load_timeout=${BENCH_LOAD_TIMEOUT:-1800}
export TMPDIR=${BENCH_TMPDIR:-${TMPDIR:-/tmp}}
export GT_LOG_LEVEL=${GT_LOG_LEVEL:-info}
# no automatic snapshot in the way of the measured one
export RAFT_SNAPSHOT_INTERVAL=24h
# shellcheck source=../lib/cluster.bash
source "$top/tests/lib/cluster.bash"

say() { printf 'snapshot_bench: %s\n' "$*" >&2; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
base() { echo "http://$(node_api "$1")"; }
info() { curl -s -m 10 "$(base "$1")/api/cluster/log-info"; }
for t in curl jq; do
	command -v "$t" >/dev/null || { say "needs $t"; exit 1; }
done
[ -x "$GAIA_GO" ] || { say "no $GAIA_GO: build first (bin/check --build-only)"; exit 1; }

bg_pid=
cleanup() {
	[ -n "$bg_pid" ] && kill "$bg_pid" 2>/dev/null && wait "$bg_pid" 2>/dev/null
	cluster_teardown
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_until SECONDS COMMAND...: poll every 0.2 s; false on timeout
wait_until() {
	local t=$1 end
	shift
	end=$(($(now_ms) + t * 1000))
	while [ "$(now_ms)" -lt "$end" ]; do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}

cluster_init
say "data in $GT_DIR"
cluster_up 3 || { say "the cluster did not start"; exit 1; }
l=$(leader_index 3) || { say "no leader"; exit 1; }
f=$((l % 3 + 1))

# --- load ----------------------------------------------------------------------
say "loading $keys keys through node-$l"
t0=$(now_ms)
if [ -x "$top/bin/gaia-bench" ]; then
	# a GET run prefills every key of the key space once, then reads one
	timeout "$load_timeout" "$top/bin/gaia-bench" -a "$(node_api "$l")" -c 64 --op get \
		--keys "$keys" -n 1 --value-size 100 --key-prefix key- --consistency stale -j \
		>"$GT_DIR/load.json" || { say "the load failed: $(cat "$GT_DIR/load.json")"; exit 1; }
else
	value=$(head -c 100 /dev/zero | tr '\0' v)
	for ((k = 0; k < keys; k += 10000)); do
		for ((j = k; j < k + 10000 && j < keys; j++)); do
			printf 'url = "%s/api/kv/key-%d"\n' "$(base "$l")" "$j"
		done >"$GT_DIR/urls"
		timeout "$load_timeout" curl -s --no-progress-meter -Z --parallel-max 64 -X PUT \
			--data-binary "$value" -K "$GT_DIR/urls" >/dev/null || { say "the load failed"; exit 1; }
	done
fi
t1=$(now_ms)
load_ms=$((t1 - t0))
applied=$(info "$l" | jq .applied_index)
caught() { [ "$(info "$1" | jq .applied_index)" -ge "$2" ]; }
wait_until 120 caught "$f" "$applied" || say "node-$f did not apply $applied in 120 s"

# --- snapshot on the leader, with writes going on ------------------------------
say "snapshot on node-$l"
(
	worst=0 n=0
	while :; do
		s=$(now_ms)
		curl -s -m 10 -o /dev/null -X PUT "$(base "$l")/api/kv/during-$n" --data-binary x
		e=$(($(now_ms) - s))
		[ "$e" -gt "$worst" ] && worst=$e
		n=$((n + 1))
		echo "$n $worst" >"$GT_DIR/during"
		sleep 0.01
	done
) &
bg_pid=$!
sleep 0.5
snap=$(curl -s -m 600 -w '\n%{time_total}' -X POST "$(base "$l")/api/cluster/snapshot")
kill "$bg_pid" 2>/dev/null
wait "$bg_pid" 2>/dev/null
bg_pid=
snap_http_s=$(echo "$snap" | tail -1)
snap_json=$(echo "$snap" | head -1)
echo "$snap_json" | jq -e .filename >/dev/null || { say "the snapshot failed: $snap_json"; exit 1; }
snap_size=$(echo "$snap_json" | jq .size_bytes)
snap_index=$(echo "$snap_json" | jq .index)
# the node's own time, from its log line (freeze to compaction)
snap_node_ms=$(grep -E "snapshot [^ ]+ taken" "$GT_DIR/node-$l.log" | tail -1 |
	sed -nE 's/.*[ _]ms=([0-9]+).*/\1/p')
read -r during_n during_worst <"$GT_DIR/during"

# --- a wiped follower catches up by InstallSnapshot -----------------------------
say "wiping node-$f and timing its catch-up"
# the leader must hold no log the follower could replay from index 1
curl -s -m 600 -X POST "$(base "$l")/api/cluster/snapshot" >/dev/null
node_stop "$f"
rm -rf "$GT_DIR/node-$f/raft_logs" "$GT_DIR/node-$f/snapshots"
target=$(info "$l" | jq .applied_index)
t0=$(now_ms)
node_start "$f" false
wait_http "$f" 60 || exit 1
if ! wait_until 600 caught "$f" "$target"; then
	say "node-$f did not catch up within 600 s"
	exit 1
fi
t1=$(now_ms)
catchup_ms=$((t1 - t0))
installed=$(grep -c "installed snapshot" "$GT_DIR/node-$f.log")
d_leader=$(curl -s -m 60 "$(base "$l")/api/cluster/digest" | jq -c '{digest, keys}')
d_follower=$(curl -s -m 60 "$(base "$f")/api/cluster/digest" | jq -c '{digest, keys}')

# --- figures --------------------------------------------------------------------
awk_div() { awk "BEGIN { printf \"%.1f\", $1 / $2 }"; }
printf '%-44s %s\n' \
	"keys loaded" "$keys" \
	"load time" "$(awk_div "$load_ms" 1000) s ($(awk_div "$keys * 1000" "$load_ms") keys/s)" \
	"snapshot index" "$snap_index" \
	"snapshot size" "$snap_size bytes ($(awk_div "$snap_size" 1048576) MiB)" \
	"snapshot time (node, freeze to compaction)" "$snap_node_ms ms" \
	"snapshot time (POST, as the client saw it)" "$snap_http_s s" \
	"writes during the snapshot" "$during_n, slowest ${during_worst} ms" \
	"InstallSnapshot catch-up (restart to applied)" "$(awk_div "$catchup_ms" 1000) s" \
	"snapshots installed by the follower" "$installed" \
	"state digest leader / follower" "$d_leader / $d_follower"
grep -hE "snapshot [^ ]+ taken" "$GT_DIR/node-$l.log" | tail -2 >&2
grep -h "installed snapshot\|receiving snapshot" "$GT_DIR/node-$f.log" >&2
