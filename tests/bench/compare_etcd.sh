#!/usr/bin/env bash
# tests/bench/compare_etcd.sh - GAIA_GO against etcd on the same machine,
# the same client (wrk + tests/bench/compare_etcd.lua) and the same loads:
#   - sequential writes: 1 connection, 100-byte values, 1000-key space;
#   - concurrent writes: 64 connections, same values and keys;
#   - linearizable reads: 64 connections, same keys (written beforehand).
# GAIA_GO: 3 nodes from tests/lib/cluster.bash, PUT/GET /api/kv/{key}.
# etcd: 3 members on loopback (default 127.0.50.2-4), fsync on (etcd's
# default; no --unsafe-no-fsync), through its v3 JSON gateway: POST
# /v3/kv/put and POST /v3/kv/range (linearizable, etcd's default).
# Every load goes to the leader of each cluster; GAIA_GO and etcd are
# loaded one after the other for each load, never at the same time.
# Prints a table of figures. A benchmark, not a test: it judges nothing
# and exits non-zero only when a cluster could not start.
#
#   tests/bench/compare_etcd.sh [DURATION]     default 10s per run
#
# Environment:
#   COMPARE_DURATION     per-run duration when no argument (default 10s)
#   COMPARE_CONNS        connections of the concurrent loads (default 64)
#   COMPARE_KEYS         key space (default 1000)
#   COMPARE_VALUE_SIZE   bytes per value (default 100)
#   ETCD                 etcd binary (default: etcd on PATH)
#   ETCD_IP_PREFIX       etcd member i listens on PREFIX.(i+1) (default 127.0.50)
#   ETCD_CLIENT_PORT     (default 23790)   ETCD_PEER_PORT (default 23800)
#   BENCH_TMPDIR         where data dirs live (default $TMPDIR or /tmp)
#   GT_KEEP=1            keep the temp dirs and logs
# Every process is recorded by pid and stopped by pid on exit.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
dur=${1:-${COMPARE_DURATION:-10s}}
conns=${COMPARE_CONNS:-64}
nkeys=${COMPARE_KEYS:-1000}
vsize=${COMPARE_VALUE_SIZE:-100}
lua=$top/tests/bench/compare_etcd.lua
etcd_bin=${ETCD:-$(command -v etcd || true)}
eprefix=${ETCD_IP_PREFIX:-127.0.50}
ecport=${ETCD_CLIENT_PORT:-23790}
epport=${ETCD_PEER_PORT:-23800}
export TMPDIR=${BENCH_TMPDIR:-${TMPDIR:-/tmp}}
export GT_LOG_LEVEL=${GT_LOG_LEVEL:-warn}
# wrk threads: at most 2 (this is meant for small machines: the client
# shares the cores with the 3 servers)
wthreads=2
[ "$conns" -lt 2 ] && wthreads=1

say() { printf 'compare_etcd: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# shellcheck source=../lib/cluster.bash
source "$top/tests/lib/cluster.bash"

[ -x "$GAIA_GO" ] || die "no $GAIA_GO: build first (make -j2 bin/gaia_go bin/gaia-bench)"
{ [ -n "$etcd_bin" ] && [ -x "$etcd_bin" ]; } || die "no etcd: apt-get install -y etcd-server etcd-client"
for t in wrk curl jq ss; do
	command -v "$t" >/dev/null || die "needs $t"
done
[ -r "$lua" ] || die "no $lua"

load0=$(cut -d' ' -f1-3 /proc/loadavg)
work=$(mktemp -d "$TMPDIR/compare-etcd.XXXXXX")
etcd_pids=()
gaia_up=0

# shellcheck disable=SC2317 # called by the trap
cleanup() {
	local p n
	for p in "${etcd_pids[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${etcd_pids[@]}"; do
		n=0
		while kill -0 "$p" 2>/dev/null && [ "$n" -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	[ "$gaia_up" = 1 ] && cluster_teardown
	if [ -z "${GT_KEEP:-}" ]; then
		rm -rf "$work"
	else
		say "kept $work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- etcd ------------------------------------------------------------------

eip() { echo "$eprefix.$(($1 + 1))"; }
eurl() { echo "http://$(eip "$1"):$ecport"; }

for i in 1 2 3; do
	for port in "$ecport" "$epport"; do
		if ss -Hltn "src $(eip "$i"):$port" 2>/dev/null | grep -q .; then
			die "$(eip "$i"):$port is in use (another run?): set ETCD_IP_PREFIX or ETCD_*_PORT"
		fi
	done
done

initial=
for i in 1 2 3; do
	initial+="${initial:+,}e$i=http://$(eip "$i"):$epport"
done
etcd_flags_common=(--initial-cluster "$initial" --initial-cluster-state new
	--initial-cluster-token "compare-etcd-$$-$RANDOM"
	--logger zap --log-level warn --log-outputs stderr)
for i in 1 2 3; do
	mkdir -p "$work/etcd-$i"
	"$etcd_bin" --name "e$i" --data-dir "$work/etcd-$i" \
		--listen-client-urls "$(eurl "$i")" --advertise-client-urls "$(eurl "$i")" \
		--listen-peer-urls "http://$(eip "$i"):$epport" \
		--initial-advertise-peer-urls "http://$(eip "$i"):$epport" \
		"${etcd_flags_common[@]}" >"$work/etcd-$i.log" 2>&1 &
	etcd_pids+=("$!")
done

estatus() { curl -s -m 2 -X POST "$(eurl "$1")/v3/maintenance/status" -d '{}'; }

# every member healthy (etcd's /health needs a leader)
n=0
for i in 1 2 3; do
	until curl -sf -m 1 "$(eurl "$i")/health" 2>/dev/null | jq -e '.health == "true"' >/dev/null 2>&1; do
		kill -0 "${etcd_pids[$((i - 1))]}" 2>/dev/null ||
			{ tail -20 "$work/etcd-$i.log" >&2; die "etcd member e$i exited"; }
		n=$((n + 1))
		[ $n -lt 600 ] || { tail -20 "$work/etcd-$i.log" >&2; die "etcd member e$i not healthy after 30s"; }
		sleep 0.05
	done
done
eleader=
for i in 1 2 3; do
	if estatus "$i" | jq -e '.header.member_id == .leader' >/dev/null 2>&1; then
		eleader=$i
		break
	fi
done
[ -n "$eleader" ] || die "no etcd member says it leads: $(estatus 1)"
say "etcd $("$etcd_bin" --version | head -1 | awk '{print $3}') up, leader e$eleader at $(eurl "$eleader")"

# --- GAIA_GO ---------------------------------------------------------------

cluster_init
gaia_up=1
cluster_up 3 || die "GAIA_GO cluster did not start (logs in $GT_DIR)"
gleader=$(wait_leader 3 10) || die "GAIA_GO has no leader"
gurl="http://$(node_api "$gleader")"
# the nodes are this shell's jobs: no "Killed" notices when the teardown kills them
for i in 1 2 3; do disown "$(node_pid "$i")" 2>/dev/null; done
say "GAIA_GO up, leader node-$gleader at $gurl"

# --- loads -----------------------------------------------------------------

# run NAME TARGET OP THREADS CONNS DURATION: wrk's output in $work/NAME.out,
# its RESULT line in $work/NAME.res
run() {
	local name=$1 target=$2 op=$3 t=$4 c=$5 d=$6 url
	if [ "$target" = etcd ]; then url=$(eurl "$eleader"); else url=$gurl; fi
	wrk -t"$t" -c"$c" -d"$d" --timeout 10s --latency -s "$lua" "$url" \
		-- "$target" "$op" "$nkeys" "$vsize" >"$work/$name.out" 2>&1
	grep '^RESULT ' "$work/$name.out" | tail -1 >"$work/$name.res"
	if ! [ -s "$work/$name.res" ]; then
		say "$name: wrk printed no result:"
		cat "$work/$name.out" >&2
		return 1
	fi
	# non-2xx answers or socket errors: say so, with a few of the answers
	if ! grep -q 'non2xx=0 connect=0 read=0 write=0 timeout=0' "$work/$name.res"; then
		say "$name: $(sed 's/^RESULT //' "$work/$name.res")"
		grep -E 'Non-2xx|Socket errors' "$work/$name.out" | sed 's/^/    /' >&2
		grep '^BAD ' "$work/$name.out" | sed 's/^/    /' >&2
		if [ "$op" != fill ]; then
			COMPARE_ETCD_CAPTURE=1 wrk -t1 -c"$c" -d2s --timeout 10s -s "$lua" "$url" \
				-- "$target" "$op" "$nkeys" "$vsize" 2>&1 | grep '^BAD ' | sed 's/^/    sample /' >&2
		fi
	fi
}
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" "$work/$1.res" 2>/dev/null; }

grev() { curl -s -m 2 "$gurl/api/cluster/status" | jq -r '.commit_index // empty'; }
erev() { estatus "$eleader" | jq -r '.header.revision // empty'; }

# every key written once on each side, so that reads find values (GAIA_GO
# answers 404 for a missing key, etcd an empty 200) and both start from the
# same data
# (wrk runs for all of -d even when its thread stops early: short runs,
# longer ones only when a short one did not get through the keys)
fill() { # TARGET
	local d
	for d in 3s 15s 60s; do
		run "fill-$1" "$1" fill 1 8 "$d" || return 1
		[ "$(field "fill-$1" requests)" -ge "$nkeys" ] 2>/dev/null && return 0
	done
	say "could not write the $nkeys keys on $1: $(cat "$work/fill-$1.res")"
	return 1
}
say "writing the $nkeys keys on each side"
fill gaia
fill etcd

loads=(write1 write"$conns" read"$conns")
declare -A lbl op_of t_of c_of
lbl[write1]="sequential writes (1 conn)"
lbl[write$conns]="concurrent writes ($conns conns)"
lbl[read$conns]="linearizable reads ($conns conns)"
op_of[write1]=put t_of[write1]=1 c_of[write1]=1
op_of[write$conns]=put t_of[write$conns]=$wthreads c_of[write$conns]=$conns
op_of[read$conns]=get t_of[read$conns]=$wthreads c_of[read$conns]=$conns

# WAL fsyncs of each leader (its own metrics): does each side sync, and how
# many writes share a sync
gsync() { curl -s -m 2 "http://$(node_ip "$gleader"):$GT_METRICS_PORT/metrics" | awk '$1 == "raft_wal_fsync_seconds_count" { print $2 }'; }
esync() { curl -s -m 2 "$(eurl "$eleader")/metrics" | awk '$1 == "etcd_disk_wal_fsync_duration_seconds_count" { print $2 }'; }
g0=$(grev) e0=$(erev) gs0=$(gsync) es0=$(esync)
for l in "${loads[@]}"; do
	for target in gaia etcd; do
		say "$l on $target for $dur"
		run "$l-$target" "$target" "${op_of[$l]}" "${t_of[$l]}" "${c_of[$l]}" "$dur"
		[ "$l" = "read$conns" ] || sleep 1
	done
	if [ "$l" = "write$conns" ]; then g1=$(grev) e1=$(erev) gs1=$(gsync) es1=$(esync); fi
done

# --- table -----------------------------------------------------------------

ms() { [ -n "$1" ] && awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }' || echo -; }
num() { [ -n "$1" ] && printf '%.0f' "$1" || echo -; }
ratio() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }' || echo -; }

echo
echo "GAIA_GO vs etcd $("$etcd_bin" --version | head -1 | awk '{print $3}'), 3 nodes each on loopback, fsync on, $dur per run,"
echo "${vsize}-byte values over $nkeys keys; the same wrk + Lua client for both, requests to each leader; latency in ms"
echo "$(nproc) cores, load average at start: $load0"
echo
fmt='%-34s %10s %8s %8s | %10s %8s %8s | %8s\n'
# shellcheck disable=SC2059
printf "$fmt" load "GAIA ops/s" p50 p99 "etcd ops/s" p50 p99 "GAIA/etcd"
# shellcheck disable=SC2059
printf "$fmt" "$(printf '%.0s-' {1..34})" ---------- -------- -------- ---------- -------- -------- --------
for l in "${loads[@]}"; do
	gr=$(field "$l-gaia" rps) er=$(field "$l-etcd" rps)
	# shellcheck disable=SC2059
	printf "$fmt" "${lbl[$l]}" "$(num "$gr")" "$(ms "$(field "$l-gaia" p50_us)")" "$(ms "$(field "$l-gaia" p99_us)")" \
		"$(num "$er")" "$(ms "$(field "$l-etcd" p50_us)")" "$(ms "$(field "$l-etcd" p99_us)")" \
		"$(ratio "$gr" "$er")"
done
echo
bad=0
for l in "${loads[@]}"; do
	for target in gaia etcd; do
		nb=$(field "$l-$target" non2xx)
		se=0
		for k in connect read write timeout; do
			v=$(field "$l-$target" "$k")
			se=$((se + ${v:-0}))
		done
		if [ "${nb:-?}" != 0 ] || [ "$se" != 0 ]; then
			echo "note: $l on $target: ${nb:-?} non-2xx answers, $se socket errors/timeouts"
			bad=1
		fi
	done
done
[ "$bad" = 0 ] && echo "wrk: no non-2xx answers and no socket errors in any run"
wr() { local s=0 l; for l in write1 "write$conns"; do s=$((s + $(field "$l-$1" requests))); done; echo "$s"; }
if [ -n "${g0:-}" ] && [ -n "${g1:-}" ] && [ -n "${e0:-}" ] && [ -n "${e1:-}" ]; then
	echo "writes answered by wrk: GAIA_GO $(wr gaia), etcd $(wr etcd); GAIA_GO commit index +$((g1 - g0)), etcd revision +$((e1 - e0))"
fi
if [ -n "${gs0:-}" ] && [ -n "${gs1:-}" ] && [ -n "${es0:-}" ] && [ -n "${es1:-}" ]; then
	echo "WAL fsyncs on the leader during the write runs: GAIA_GO $(printf '%.0f' "$(awk -v a="$gs1" -v b="$gs0" 'BEGIN { print a - b }')"), etcd $(printf '%.0f' "$(awk -v a="$es1" -v b="$es0" 'BEGIN { print a - b }')")"
fi
echo "etcd: $etcd_bin, members at $(eip 1)-$(eip 3) :$ecport/:$epport, default heartbeat/election/snapshot settings, fsync on"
exit 0
