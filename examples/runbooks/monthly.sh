#!/usr/bin/env bash
# monthly.sh - the monthly checklist of the GAIA_GO operations guide, as a
# script that runs unattended (cron) and prints a short report.
#
# Usage: monthly.sh [--addr HOST:PORT | --socket PATH] [--log FILE]...
#                   [--bench-duration DURATION] [--bench-clients N]
#                   [--max-p99 MS] [--gaia-go PATH] [--restore-ip IP]
#                   [--workdir DIR] [--timeout DURATION]
#                   [--no-failover] [--no-backup] [--no-bench] [--quiet]
#
# Checks, one report line each (OK, FAIL or SKIP):
#   failover     the leadership is moved to another voter (gaia-peers
#                transfer-leader); a new leader must be elected and take a
#                write that reads back. Stopping the leader's process, as
#                the guide puts it, needs a shell on that machine and is
#                out of scope for a script that talks to the REST API: the
#                transfer exercises the election and the hand-over, not the
#                detection of a dead leader (tests/bats/failover.bats covers
#                that). Needs a healthy cluster.
#   backup       gaia-snap save to a temporary file, gaia-snap inspect it,
#                gaia-snap restore it into a temporary data dir, inspect the
#                restored snapshot, then start gaia_go on that dir as a
#                one-node cluster on --restore-ip (default 127.0.0.1,
#                random ports) and check it serves the same key count and
#                state digest as the backup; it is stopped and everything
#                deleted afterwards. Without a gaia_go binary (--gaia-go,
#                else PATH) the restored copy is checked offline only.
#   logs         each --log FILE ('-': standard input, e.g. from
#                journalctl -u gaia_go --since -31d) has no error-level
#                line; skipped without --log
#   performance  a short gaia-bench run (--bench-duration, default 5s, of
#                mixed gets and puts on 100 keys named gaia-runbook-bench-*,
#                deleted afterwards): its throughput and latency
#                percentiles; fails on any failed request or, with
#                --max-p99 MS, a slower 99th percentile
#
# The node asked is --addr (else $GAIA_ADDR), else the local socket
# (--socket, $GAIA_SOCKET, else /var/lib/gaia_go/gaia.sock). It writes to
# the cluster: one key gaia-runbook-failover (deleted) and the bench keys.
# Needs gaia-health, gaia-peers, gaia-snap, gaia-bench, gaiactl, curl (for
# the restored node's digest) and jq in PATH, and disk in --workdir (default $TMPDIR or /tmp) for one backup.
#
# Exit status:
#   0  every check passed (or was skipped)
#   1  at least one check failed; its FAIL line says why
#   2  usage error, or a tool this script needs is missing
#   3  the node could not be asked at all (nothing was checked)
#
#   30 5 1 * * root journalctl -u gaia_go --since -31d -o cat | \
#       /usr/local/sbin/gaia-monthly --log - --quiet
set -uo pipefail

prog=monthly
logs=() bench_dur=5s bench_clients=4 max_p99='' gaia_go='' restore_ip=127.0.0.1
workdir=${TMPDIR:-/tmp} timeout=10s quiet=0 do_failover=1 do_backup=1 do_bench=1
conn=()

usage() { sed -n '4,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 2; }
need_arg() { if [ $# -lt 2 ] || [ -z "$2" ]; then die "$1 needs a value"; fi; }
dur_seconds() {
	[[ $1 =~ ^([0-9]+)(s|m|h)$ ]] || return 1
	case ${BASH_REMATCH[2]} in
	s) echo "${BASH_REMATCH[1]}" ;; m) echo $((BASH_REMATCH[1] * 60)) ;; h) echo $((BASH_REMATCH[1] * 3600)) ;;
	esac
}

while [ $# -gt 0 ]; do
	case $1 in
	-a|--addr) need_arg "$@"; conn=(--addr "$2"); shift ;;
	-s|--socket) need_arg "$@"; conn=(--socket "$2"); shift ;;
	--log) need_arg "$@"; logs+=("$2"); shift ;;
	--bench-duration) need_arg "$@"; bench_dur=$2; shift ;;
	--bench-clients) need_arg "$@"; bench_clients=$2; shift ;;
	--max-p99) need_arg "$@"; max_p99=$2; shift ;;
	--gaia-go) need_arg "$@"; gaia_go=$2; shift ;;
	--restore-ip) need_arg "$@"; restore_ip=$2; shift ;;
	--workdir) need_arg "$@"; workdir=$2; shift ;;
	--timeout) need_arg "$@"; timeout=$2; shift ;;
	--no-failover) do_failover=0 ;;
	--no-backup) do_backup=0 ;;
	--no-bench) do_bench=0 ;;
	-q|--quiet) quiet=1 ;;
	-h|--help) sed -n '2,53p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) printf '%s: unknown option %s\n' "$prog" "$1" >&2; usage ;;
	esac
	shift
done
timeout_s=$(dur_seconds "$timeout") || die "--timeout: '$timeout' is not a duration (10s, 2m)"
dur_seconds "$bench_dur" >/dev/null || die "--bench-duration: '$bench_dur' is not a duration (5s, 1m)"
[[ $bench_clients =~ ^[1-9][0-9]*$ ]] || die "--bench-clients wants a whole number, not '$bench_clients'"
[ -z "$max_p99" ] || [[ $max_p99 =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--max-p99 wants milliseconds, not '$max_p99'"
for f in "${logs[@]}"; do
	[ "$f" = - ] || [ -r "$f" ] || die "--log: cannot read $f"
done
if [ ! -d "$workdir" ] || [ ! -w "$workdir" ]; then die "--workdir: $workdir is not a writable directory"; fi
for t in gaia-health gaia-peers gaia-snap gaia-bench gaiactl curl jq; do
	command -v "$t" >/dev/null || die "$t not found in PATH"
done
if [ -n "$gaia_go" ]; then
	[ -x "$gaia_go" ] || die "--gaia-go: $gaia_go is not an executable"
else
	gaia_go=$(command -v gaia_go || true)
fi
[ ${#conn[@]} -gt 0 ] || { [ -n "${GAIA_ADDR:-}" ] && conn=(--addr "$GAIA_ADDR"); }
target=${conn[1]:-${GAIA_SOCKET:-/var/lib/gaia_go/gaia.sock}}
[ ${#conn[@]} -gt 0 ] || conn=(--socket "$target")

report=() failed=0 checks=0
ok() { report+=("OK    $*"); checks=$((checks + 1)); }
fail() { report+=("FAIL  $*"); checks=$((checks + 1)); failed=$((failed + 1)); }
skip() { report+=("SKIP  $*"); }
finish() { # exit status
	if [ "$quiet" = 0 ] || [ "$1" != 0 ]; then
		printf 'gaia %s check of %s, %s\n' "$prog" "$target" "$(date -u +%FT%TZ)"
		printf '%s\n' "${report[@]}"
		printf '%s: %d checked, %d failed\n' "$prog" "$checks" "$failed"
	fi
	exit "$1"
}

tmp=$(mktemp -d "$workdir/gaia-monthly.XXXXXX") || die "cannot create a directory in $workdir"
# the scratch node of the backup check, stopped by its pid
restore_pid=''
stop_restored() {
	[ -n "$restore_pid" ] || return 0
	kill -TERM "$restore_pid" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$restore_pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$restore_pid" 2>/dev/null
	wait "$restore_pid" 2>/dev/null
	restore_pid=''
}
trap 'stop_restored; rm -rf "$tmp"' EXIT
# killed (cron's timeout, ^C): still clean up
trap 'exit 1' INT TERM HUP
errf=$tmp/err

h=$(gaia-health "${conn[@]}" --timeout "$timeout" --json 2>"$errf"); hrc=$?
if [ "$hrc" = 3 ] || ! jq -e . >/dev/null 2>&1 <<<"$h"; then
	fail "cluster: cannot ask $target: $(head -1 "$errf")"
	finish 3
fi

# ---- failover -----------------------------------------------------------
failover() {
	local old term new nterm api t0 t1 n=0 v
	if [ "$hrc" != 0 ]; then
		fail "failover: not run, the cluster is not healthy: $(jq -r .check.summary <<<"$h")"
		return
	fi
	old=$(jq -r .leader_id <<<"$h") term=$(jq -r .term <<<"$h")
	t0=$(date +%s%N)
	gaia-peers "${conn[@]}" --timeout "$timeout" transfer-leader >"$errf" 2>&1 ||
		{ fail "failover: the transfer from $old failed: $(head -1 "$errf")"; return; }
	while :; do
		new=$(gaia-health "${conn[@]}" --timeout "$timeout" --json 2>/dev/null | jq -r '.leader_id // empty')
		[ -n "$new" ] && [ "$new" != "$old" ] && break
		n=$((n + 1))
		[ $n -lt 100 ] || { fail "failover: no new leader 20s after moving it from $old (leader now: '${new:-none}')"; return; }
		sleep 0.2
	done
	t1=$(date +%s%N)
	nterm=$(gaia-health "${conn[@]}" --timeout "$timeout" --json 2>/dev/null | jq -r .term)
	api=$(gaia-peers "${conn[@]}" --timeout "$timeout" --json list 2>/dev/null |
		jq -r --arg id "$new" '.[] | select(.id == $id) | .api_address')
	[ -n "$api" ] || { fail "failover: no REST address known for the new leader $new"; return; }
	# straight to the new leader, not forwarded (gaiactl retries a 503)
	v="checked $(date -u +%FT%TZ)"
	gaiactl --addr "$api" --timeout "$timeout" kv put gaia-runbook-failover "$v" >"$errf" 2>&1 ||
		{ fail "failover: the new leader $new did not take a write: $(head -1 "$errf")"; return; }
	[ "$(gaiactl --addr "$api" --timeout "$timeout" kv get gaia-runbook-failover 2>"$errf")" = "$v" ] ||
		{ fail "failover: the write to $new did not read back: $(head -1 "$errf")"; return; }
	gaiactl --addr "$api" --timeout "$timeout" kv del gaia-runbook-failover >/dev/null 2>&1
	ok "failover: leadership moved $old -> $new (term $term -> $nterm) in $(((t1 - t0) / 1000000)) ms; $new took a write and read it back"
}
if [ "$do_failover" = 1 ]; then failover; else skip "failover: --no-failover"; fi

# ---- backup -------------------------------------------------------------
# start gaia_go on the restored dir; sets restore_api or fails
start_restored() { # DIR NODE-ID
	local dir=$1 id=$2 try base
	for try in 1 2 3; do
		base=$((20000 + (RANDOM * 7 + $$ + try) % 40000))
		env -i PATH="$PATH" GAIA_NODE_ID="$id" GAIA_DATA_DIR="$dir" GAIA_SOCKET="$dir/gaia.sock" \
			CLUSTER_BOOTSTRAP=true CLUSTER_BIND_ADDR="$restore_ip:$base" \
			CLUSTER_ADVERTISE_ADDR="$restore_ip:$base" CLUSTER_HTTP_ADDR="$restore_ip:$((base + 1))" \
			CLUSTER_METRICS_ADDR="$restore_ip:$((base + 2))" CLUSTER_DISCOVERY_NODES= \
			"$gaia_go" >"$tmp/restore.log" 2>&1 &
		restore_pid=$!
		restore_api=$restore_ip:$((base + 1))
		# up to a minute: a large backup takes a while to load
		for _ in $(seq 600); do
			gaia-health --addr "$restore_api" --timeout 1s >/dev/null 2>&1 && return 0
			kill -0 "$restore_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$restore_pid" 2>/dev/null && return 1 # no leader in a minute
		wait "$restore_pid" 2>/dev/null
		restore_pid=''
		grep -q 'in use' "$tmp/restore.log" || return 1 # else: ports taken, try others
	done
	return 1
}

backup() {
	local info keys digest index size rinfo rsnap got
	gaia-snap "${conn[@]}" --timeout 10m save "$tmp/backup.snap" >"$errf" 2>&1 ||
		{ fail "backup: gaia-snap save failed: $(head -1 "$errf")"; return; }
	info=$(gaia-snap --json inspect "$tmp/backup.snap" 2>"$errf") ||
		{ fail "backup: the saved file does not verify: $(head -1 "$errf")"; return; }
	keys=$(jq -r .keys <<<"$info") digest=$(jq -r .digest <<<"$info")
	index=$(jq -r .index <<<"$info") size=$(jq -r .size_bytes <<<"$info")
	gaia-snap restore "$tmp/backup.snap" --data-dir "$tmp/restore" --node-id restore-check >"$errf" 2>&1 ||
		{ fail "backup: gaia-snap restore failed: $(head -1 "$errf")"; return; }
	rsnap=$(find "$tmp/restore/snapshots" -name '*.snap' | head -1)
	rinfo=$(gaia-snap --json inspect "$rsnap" 2>"$errf") ||
		{ fail "backup: the restored snapshot does not verify: $(head -1 "$errf")"; return; }
	if [ "$(jq -r .keys <<<"$rinfo")" != "$keys" ] || [ "$(jq -r .digest <<<"$rinfo")" != "$digest" ]; then
		fail "backup: restored $(jq -r .keys <<<"$rinfo") keys (digest $(jq -r .digest <<<"$rinfo")), the backup holds $keys (digest $digest)"
		return
	fi
	local what="saved at index $index ($keys keys, $size bytes), inspected, restored"
	if [ -z "$gaia_go" ]; then
		ok "backup: $what; the restored copy holds the same $keys keys (checked offline: no gaia_go to start, see --gaia-go)"
		return
	fi
	if ! start_restored "$tmp/restore" restore-check; then
		fail "backup: $what, but gaia_go did not start on it: $(grep -m1 -E ' (error|warn) ' "$tmp/restore.log" || tail -1 "$tmp/restore.log")"
		return
	fi
	got=$(curl -sf -m "$timeout_s" "http://$restore_api/api/cluster/digest")
	if [ "$(jq -r .keys <<<"$got")" != "$keys" ] || [ "$(jq -r .digest <<<"$got")" != "$digest" ]; then
		fail "backup: a node started on the restored copy holds $(jq -r .keys <<<"$got") keys (digest $(jq -r .digest <<<"$got")), the backup $keys (digest $digest)"
	else
		ok "backup: $what; a node started on it serves the same $keys keys (digest $digest)"
	fi
	stop_restored
}
if [ "$do_backup" = 1 ]; then backup; else skip "backup: --no-backup"; fi

# ---- logs ---------------------------------------------------------------
# an error line: "TIME error COMPONENT ..." (text, also behind the prefix
# journalctl adds) or "level":"error" (json)
if [ ${#logs[@]} = 0 ]; then
	skip "logs: no --log FILE given"
else
	errs=0 detail='' last=''
	for f in "${logs[@]}"; do
		if [ "$f" = - ]; then src=/dev/stdin name=stdin; else src=$f name=$f; fi
		grep -E '(^|[: ])[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z +error |"level": *"error"' "$src" >"$tmp/errors" 2>/dev/null
		n=$(wc -l <"$tmp/errors")
		[ "$n" = 0 ] && continue
		errs=$((errs + n)) detail+=" $name: $n;" last=$(tail -1 "$tmp/errors")
	done
	if [ "$errs" = 0 ]; then
		ok "logs: no error lines in ${logs[*]/#-/stdin}"
	else
		fail "logs: $errs error lines:${detail%;}; the last: ${last:0:200}"
	fi
fi

# ---- performance --------------------------------------------------------
bench() {
	local out
	out=$(gaia-bench "${conn[@]}" --timeout "$timeout" --duration "$bench_dur" --clients "$bench_clients" \
		--op mixed --keys 100 --key-prefix gaia-runbook-bench- --json 2>"$errf")
	if ! jq -e . >/dev/null 2>&1 <<<"$out"; then
		fail "performance: gaia-bench did not run: $(head -1 "$errf")"
		return
	fi
	# the bench keys are not the cluster's data: delete them (one gaiactl
	# reading "kv del KEY" lines)
	gaiactl "${conn[@]}" --timeout "$timeout" --json kv ls gaia-runbook-bench- 2>/dev/null |
		jq -r '.[].key | "kv del " + .' | gaiactl "${conn[@]}" --timeout "$timeout" >/dev/null 2>&1
	local line
	line=$(jq -r '"\(.ops_per_s | floor) ops/s over \(.elapsed_s)s, \(.clients) clients; " +
		([.by_op | to_entries[] | "\(.key) p50 \(.value.latency_ms.p50) ms p99 \(.value.latency_ms.p99) ms"] | join(", "))' <<<"$out")
	if ! jq -e '.errors == 0 and .ok > 0' >/dev/null <<<"$out"; then
		fail "performance: $(jq -r '"\(.errors) of \(.requests) requests failed"' <<<"$out") ($(jq -r '.first_error // ""' <<<"$out")); $line"
	elif [ -n "$max_p99" ] && jq -e --argjson m "$max_p99" '[.by_op[] | .latency_ms.p99] | max > $m' >/dev/null <<<"$out"; then
		fail "performance: a p99 above $max_p99 ms: $line"
	else
		ok "performance: $line"
	fi
}
if [ "$do_bench" = 1 ]; then bench; else skip "performance: --no-bench"; fi

[ "$failed" = 0 ] && finish 0
finish 1
