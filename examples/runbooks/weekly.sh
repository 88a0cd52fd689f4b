#!/usr/bin/env bash
# weekly.sh - the weekly checklist of the GAIA_GO operations guide, as a
# script that runs unattended (cron) and prints a short report.
#
# Usage: weekly.sh [--addr HOST:PORT | --socket PATH]
#                  [--metrics-addr HOST:PORT[,HOST:PORT...]] [--state FILE]
#                  [--max-elections N] [--max-log-size SIZE]
#                  [--max-snapshot-age DURATION] [--timeout DURATION]
#                  [--membership-test NODE ADDR] [--quiet]
#
# Checks, one report line each (OK, FAIL or SKIP):
#   elections    raft_leader_elections_total scraped from the Prometheus
#                endpoint of each node given by --metrics-addr (default
#                $CLUSTER_METRICS_ADDR). With --state FILE the counts are
#                kept there and judged per run (a week, from cron);
#                without it, since each node started. More than
#                --max-elections (default 3) fails. Skipped without an
#                address.
#   log          every member's log-info (REST): the log is below
#                --max-log-size (default 1GB, as the HighLogSize alert)
#   snapshots    every member has a snapshot, the newest younger than
#                --max-snapshot-age (default 7d) (gaia-snap status)
#   membership   only with --membership-test NODE ADDR: NODE, a spare
#                member whose REST API is at ADDR, is removed
#                (gaia-peers remove), wiped and added back through its own
#                POST /api/cluster/rejoin {"reset": true}, and followed with
#                gaia-join --wait until it is a voter again (or a learner,
#                if it was one); the cluster must be healthy before and
#                after. Its data is deleted and re-sent by the leader: use a
#                node the cluster can spare (removing it must keep a
#                quorum; gaia-peers refuses otherwise).
#
# The node asked is --addr (else $GAIA_ADDR), else the local socket
# (--socket, $GAIA_SOCKET, else /var/lib/gaia_go/gaia.sock). The members'
# REST addresses come from the cluster. Needs gaia-health, gaia-peers,
# gaia-snap, gaia-join, curl and jq in PATH.
#
# Exit status:
#   0  every check passed (or was skipped)
#   1  at least one check failed; its FAIL line says why
#   2  usage error, or a tool this script needs is missing
#   3  the node could not be asked at all (nothing was checked)
#
#   0 6 * * 1 root CLUSTER_METRICS_ADDR=node-1:9090,node-2:9090,node-3:9090 \
#       /usr/local/sbin/gaia-weekly --state /var/lib/gaia-runbooks/weekly.state --quiet
set -uo pipefail

prog=weekly
metrics=${CLUSTER_METRICS_ADDR:-} state='' max_elections=3 max_log=1GB max_age=7d
timeout=10s quiet=0 mnode='' maddr=''
conn=()

usage() { sed -n '4,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 2; }
need_arg() { if [ $# -lt 2 ] || [ -z "$2" ]; then die "$1 needs a value"; fi; }

# SIZE (123, 512KB, 1GB; powers of 1024, as gaia_go reads them) -> bytes
size_bytes() {
	local n u
	[[ ${1^^} =~ ^([0-9]+)\ *([KMGT]?)(I?B)?$ ]] || return 1
	n=${BASH_REMATCH[1]} u=${BASH_REMATCH[2]}
	case $u in K) n=$((n << 10)) ;; M) n=$((n << 20)) ;; G) n=$((n << 30)) ;; T) n=$((n << 40)) ;; esac
	echo "$n"
}
# DURATION (90s, 30m, 12h, 7d) -> seconds
dur_seconds() {
	[[ $1 =~ ^([0-9]+)(s|m|h|d)$ ]] || return 1
	case ${BASH_REMATCH[2]} in
	s) echo "${BASH_REMATCH[1]}" ;; m) echo $((BASH_REMATCH[1] * 60)) ;;
	h) echo $((BASH_REMATCH[1] * 3600)) ;; d) echo $((BASH_REMATCH[1] * 86400)) ;;
	esac
}
human() { # bytes -> short text
	local b=$1
	if [ "$b" -ge $((1 << 30)) ]; then echo "$((b >> 30)) GiB"
	elif [ "$b" -ge $((1 << 20)) ]; then echo "$((b >> 20)) MiB"
	elif [ "$b" -ge 1024 ]; then echo "$((b >> 10)) KiB"
	else echo "$b B"; fi
}
ago() { # seconds -> 3d 4h / 5h 2m / 40s
	local s=$1
	if [ "$s" -ge 86400 ]; then echo "$((s / 86400))d $((s % 86400 / 3600))h"
	elif [ "$s" -ge 3600 ]; then echo "$((s / 3600))h $((s % 3600 / 60))m"
	elif [ "$s" -ge 60 ]; then echo "$((s / 60))m $((s % 60))s"
	else echo "${s}s"; fi
}

while [ $# -gt 0 ]; do
	case $1 in
	-a|--addr) need_arg "$@"; conn=(--addr "$2"); shift ;;
	-s|--socket) need_arg "$@"; conn=(--socket "$2"); shift ;;
	--metrics-addr) need_arg "$@"; metrics=$2; shift ;;
	--state) need_arg "$@"; state=$2; shift ;;
	--max-elections) need_arg "$@"; max_elections=$2; shift ;;
	--max-log-size) need_arg "$@"; max_log=$2; shift ;;
	--max-snapshot-age) need_arg "$@"; max_age=$2; shift ;;
	--timeout) need_arg "$@"; timeout=$2; shift ;;
	--membership-test)
		if [ $# -lt 3 ] || [ -z "$2" ] || [ -z "$3" ]; then die "--membership-test needs NODE and ADDR"; fi
		mnode=$2 maddr=$3; shift 2 ;;
	-q|--quiet) quiet=1 ;;
	-h|--help) sed -n '2,49p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) printf '%s: unknown option %s\n' "$prog" "$1" >&2; usage ;;
	esac
	shift
done
[[ $max_elections =~ ^[0-9]+$ ]] || die "--max-elections wants a whole number, not '$max_elections'"
max_log_b=$(size_bytes "$max_log") || die "--max-log-size: '$max_log' is not a size (512MB, 1GB)"
max_age_s=$(dur_seconds "$max_age") || die "--max-snapshot-age: '$max_age' is not a duration (12h, 7d)"
timeout_s=$(dur_seconds "$timeout") || die "--timeout: '$timeout' is not a duration (10s, 2m)"
for t in gaia-health gaia-peers gaia-snap gaia-join curl jq; do
	command -v "$t" >/dev/null || die "$t not found in PATH"
done
[ ${#conn[@]} -gt 0 ] || { [ -n "${GAIA_ADDR:-}" ] && conn=(--addr "$GAIA_ADDR"); }
target=${conn[1]:-${GAIA_SOCKET:-/var/lib/gaia_go/gaia.sock}}

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
errf=$(mktemp) || exit 2
trap 'rm -f "$errf"' EXIT
# killed (cron's timeout, ^C): still clean up
trap 'exit 1' INT TERM HUP

# the members and their REST addresses, as the leader knows them
if ! peers=$(gaia-peers "${conn[@]}" --timeout "$timeout" --json list 2>"$errf") ||
	! jq -e 'type == "array"' >/dev/null 2>&1 <<<"$peers"; then
	fail "cluster: cannot ask $target: $(head -1 "$errf")"
	finish 3
fi
mapfile -t members < <(jq -r '.[] | "\(.id) \(.api_address // "")"' <<<"$peers")

# ---- elections ----------------------------------------------------------
if [ -z "$metrics" ]; then
	skip "elections: no --metrics-addr (or CLUSTER_METRICS_ADDR) to scrape"
else
	now=$(date +%s) worst=0 worst_at='' errs='' parts=() newstate=''
	IFS=', ' read -r -a maddrs <<<"$metrics"
	for m in "${maddrs[@]}"; do
		[ -n "$m" ] || continue
		text=$(curl -sf -m "$timeout_s" "http://$m/metrics") || { errs+=" $m"; continue; }
		n=$(awk '$1 == "raft_leader_elections_total" { print $2 }' <<<"$text")
		[[ $n =~ ^[0-9]+$ ]] || { errs+=" $m(no raft_leader_elections_total)"; continue; }
		since="since it started"
		d=$n
		if [ -n "$state" ] && [ -f "$state" ]; then
			read -r _ old_n old_t < <(awk -v m="$m" '$1 == m' "$state")
			if [[ ${old_n:-} =~ ^[0-9]+$ ]]; then
				if [ "$n" -ge "$old_n" ]; then
					d=$((n - old_n)) since="in $(ago $((now - old_t)))"
				else
					since="since a restart"
				fi
			fi
		fi
		newstate+="$m $n $now"$'\n'
		parts+=("$m=$d")
		[ "$d" -gt "$worst" ] || [ -z "$worst_at" ] && { worst=$d worst_at="$m $since"; }
	done
	if [ -n "$state" ] && [ -n "$newstate" ]; then
		mkdir -p "$(dirname "$state")" && printf '%s' "$newstate" >"$state.tmp" &&
			mv "$state.tmp" "$state" || errs+=" (cannot write $state)"
	fi
	detail=$(IFS=,; echo "${parts[*]}")
	detail=${detail//,/, }
	if [ -n "$errs" ]; then
		fail "elections: cannot scrape:$errs${detail:+; $detail}"
	elif [ "$worst" -gt "$max_elections" ]; then
		fail "elections: $worst leader elections on ${worst_at}, limit $max_elections ($detail)"
	else
		ok "elections: at most $worst on ${worst_at}, limit $max_elections ($detail)"
	fi
fi

# ---- log size -----------------------------------------------------------
big=0 big_at='' errs='' over=''
for mem in "${members[@]}"; do
	id=${mem%% *} api=${mem#* }
	li=$(curl -sf -m "$timeout_s" "http://$api/api/cluster/log-info") || { errs+=" $id"; continue; }
	b=$(jq -r .log_size_bytes <<<"$li")
	[ "$b" -gt "$max_log_b" ] && over+=" $id ($(human "$b"))"
	[ "$b" -ge "$big" ] && { big=$b big_at="$id (entries $(jq -r '"\(.first_index)-\(.last_index)"' <<<"$li"))"; }
done
if [ -n "$errs" ]; then
	fail "log: no log-info from:$errs"
elif [ -n "$over" ]; then
	fail "log: above $(human "$max_log_b"):$over; is a snapshot being taken? (gaia-snap take)"
else
	ok "log: largest $(human "$big") on $big_at, limit $(human "$max_log_b")"
fi

# ---- snapshots ----------------------------------------------------------
now=$(date +%s) oldest=-1 oldest_at='' bad=''
for mem in "${members[@]}"; do
	id=${mem%% *} api=${mem#* }
	st=$(gaia-snap --addr "$api" --timeout "$timeout" --json status 2>"$errf") ||
		{ bad+=" $id (unreachable: $(head -1 "$errf"))"; continue; }
	created=$(jq -r '.last_snapshot.created_at // empty' <<<"$st")
	[ -n "$created" ] || { bad+=" $id (no snapshot yet)"; continue; }
	age=$((now - $(date -u -d "$created" +%s)))
	[ "$age" -lt 0 ] && age=0
	[ "$age" -gt "$max_age_s" ] && bad+=" $id (newest $(ago "$age") old)"
	[ "$age" -gt "$oldest" ] && { oldest=$age oldest_at=$id; }
done
if [ -n "$bad" ]; then
	fail "snapshots: too old or missing, limit $max_age:$bad"
else
	ok "snapshots: every member has a recent one; the least recent is $(ago "$oldest") old ($oldest_at), limit $max_age"
fi

# ---- membership (only when asked) ---------------------------------------
membership_test() {
	local info voter want h t0 leader
	info=$(gaia-peers "${conn[@]}" --timeout "$timeout" --json show "$mnode" 2>"$errf") ||
		{ fail "membership: $mnode: $(head -1 "$errf")"; return; }
	# make sure ADDR is NODE: its data is about to be wiped
	h=$(curl -sf -m "$timeout_s" "http://$maddr/health") ||
		{ fail "membership: $mnode does not answer at $maddr"; return; }
	[ "$(jq -r .node_id <<<"$h")" = "$mnode" ] ||
		{ fail "membership: $maddr is node '$(jq -r .node_id <<<"$h")', not $mnode"; return; }
	jq -e '.is_leader' >/dev/null <<<"$info" &&
		{ fail "membership: $mnode leads the cluster; pick a follower (or gaia-peers transfer-leader)"; return; }
	gaia-health "${conn[@]}" --timeout "$timeout" >"$errf" 2>&1 ||
		{ fail "membership: not run, the cluster is not healthy: $(head -1 "$errf")"; return; }
	voter=$(jq -r .voter <<<"$info")
	want=voter
	[ "$voter" = true ] || want=member
	t0=$(date +%s)
	gaia-peers "${conn[@]}" --timeout "$timeout" remove "$mnode" >"$errf" 2>&1 ||
		{ fail "membership: removing $mnode failed: $(head -1 "$errf")"; return; }
	if gaia-peers "${conn[@]}" --timeout "$timeout" show "$mnode" >/dev/null 2>&1; then
		fail "membership: $mnode is still listed after its removal"; return
	fi
	# the node learns of its removal from the leader, then may be reset
	local n=0 st
	while :; do
		st=$(curl -sf -m "$timeout_s" "http://$maddr/api/cluster/status" | jq -r '.node_state // empty')
		[ "$st" = removed ] && break
		n=$((n + 1))
		[ $n -lt 100 ] || { fail "membership: $mnode did not learn of its removal in 20s (state '$st')"; return; }
		sleep 0.2
	done
	leader=$(gaia-peers "${conn[@]}" --timeout "$timeout" --json list |
		jq -r '.[] | select(.is_leader) | .api_address')
	curl -sf -m "$timeout_s" -X POST "http://$maddr/api/cluster/rejoin" -H 'Content-Type: application/json' \
		-d "{\"reset\": true, \"leader_address\": \"$leader\"}" >"$errf" 2>&1 ||
		{ fail "membership: $mnode refused the reset: $(head -1 "$errf")"; return; }
	if [ "$want" = voter ]; then
		gaia-join --leader-address "$leader" --node-id "$mnode" --address "$(jq -r .address <<<"$info")" \
			--wait --wait-timeout 2m >"$errf" 2>&1 ||
			{ fail "membership: $mnode did not come back as a voter: $(tail -1 "$errf")"; return; }
	fi
	gaia-health "${conn[@]}" --wait-healthy --timeout 60s >"$errf" 2>&1 ||
		{ fail "membership: after re-adding $mnode the cluster is not healthy: $(head -1 "$errf")"; return; }
	ok "membership: $mnode removed and added back as a $want in $(ago $(($(date +%s) - t0))); cluster healthy"
}
[ -z "$mnode" ] || membership_test

[ "$failed" = 0 ] && finish 0
finish 1
