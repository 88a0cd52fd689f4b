#!/usr/bin/env bash
# daily.sh - the daily checklist of the GAIA_GO operations guide, as a
# script that runs unattended (cron) and prints a short report.
#
# Usage: daily.sh [--addr HOST:PORT | --socket PATH] [--nodes N]
#                 [--max-lag ENTRIES] [--wait SECONDS] [--timeout DURATION]
#                 [--quiet]
#
# Checks, one report line each (OK or FAIL):
#   nodes        every member is healthy as the leader sees it (gaia-health,
#                gaia-peers); with --nodes N there are exactly N members
#   leader       the same leader in the same term on two reads --wait
#                seconds apart (default 5): no election in between
#   replication  no member lags the leader by more than --max-lag entries
#                (default 1000, the guide's threshold)
#
# The node asked is --addr (else $GAIA_ADDR), else the local socket
# (--socket, $GAIA_SOCKET, else /var/lib/gaia_go/gaia.sock); any member
# will do: the questions are forwarded to the leader. Needs gaia-health,
# gaia-peers and jq in PATH.
#
# Exit status:
#   0  every check passed
#   1  at least one check failed; its FAIL line says why
#   2  usage error, or a tool this script needs is missing
#   3  the node could not be asked at all (nothing was checked)
#
# --quiet prints nothing when every check passed, so that cron mails only
# failures:
#   15 7 * * * root GAIA_ADDR=node-1:8080 /usr/local/sbin/gaia-daily --quiet
set -uo pipefail

prog=daily
nodes='' max_lag=1000 wait_s=5 timeout=10s quiet=0
conn=()

usage() { sed -n '4,7p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 2; }
need_arg() { if [ $# -lt 2 ] || [ -z "$2" ]; then die "$1 needs a value"; fi; }
whole() { [[ $2 =~ ^[0-9]+$ ]] || die "$1 wants a whole number, not '$2'"; }

while [ $# -gt 0 ]; do
	case $1 in
	-a|--addr) need_arg "$@"; conn=(--addr "$2"); shift ;;
	-s|--socket) need_arg "$@"; conn=(--socket "$2"); shift ;;
	--nodes) need_arg "$@"; nodes=$2; shift ;;
	--max-lag) need_arg "$@"; max_lag=$2; shift ;;
	--wait) need_arg "$@"; wait_s=$2; shift ;;
	--timeout) need_arg "$@"; timeout=$2; shift ;;
	-q|--quiet) quiet=1 ;;
	-h|--help) sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) printf '%s: unknown option %s\n' "$prog" "$1" >&2; usage ;;
	esac
	shift
done
whole --max-lag "$max_lag"
whole --wait "$wait_s"
[ -z "$nodes" ] || whole --nodes "$nodes"
[[ $timeout =~ ^[1-9][0-9]*(ms|s|m)$ ]] || die "--timeout: '$timeout' is not a duration (10s, 2m)"
for t in gaia-health gaia-peers jq; do
	command -v "$t" >/dev/null || die "$t not found in PATH"
done
[ ${#conn[@]} -gt 0 ] || { [ -n "${GAIA_ADDR:-}" ] && conn=(--addr "$GAIA_ADDR"); }
target=${conn[1]:-${GAIA_SOCKET:-/var/lib/gaia_go/gaia.sock}}

report=() failed=0 checks=0
ok() { report+=("OK    $*"); checks=$((checks + 1)); }
fail() { report+=("FAIL  $*"); checks=$((checks + 1)); failed=$((failed + 1)); }
finish() { # exit status
	if [ "$quiet" = 0 ] || [ "$1" != 0 ]; then
		printf 'gaia %s check of %s, %s\n' "$prog" "$target" "$(date -u +%FT%TZ)"
		printf '%s\n' "${report[@]}"
		printf '%s: %d checked, %d failed\n' "$prog" "$checks" "$failed"
	fi
	exit "$1"
}

# health: exit 0 healthy, 1 degraded, 2 unhealthy, 3 unreachable
health() { gaia-health "${conn[@]}" --timeout "$timeout" --json 2>"$errf"; }
errf=$(mktemp) || exit 2
trap 'rm -f "$errf"' EXIT
# killed (cron's timeout, ^C): still clean up
trap 'exit 1' INT TERM HUP

h1=$(health); hrc=$?
if [ "$hrc" = 3 ] || ! jq -e . >/dev/null 2>&1 <<<"$h1"; then
	fail "nodes: cannot ask $target: $(head -1 "$errf")"
	finish 3
fi
peers=$(gaia-peers "${conn[@]}" --timeout "$timeout" --json list 2>"$errf") || peers=
state=$(jq -r .cluster_status <<<"$h1")
leader1=$(jq -r '.leader_id // empty' <<<"$h1")
term1=$(jq -r .term <<<"$h1")

# ---- nodes --------------------------------------------------------------
total=$(jq -r .peer_count <<<"$h1")
good=$(jq -r .healthy_peers <<<"$h1")
bad=
if [ -n "$peers" ]; then
	bad=$(jq -r '[.[] | select(.state != "healthy") | "\(.id) (\(.state))"] | join(", ")' <<<"$peers")
fi
msg="nodes: $good/$total healthy, cluster $state"
[ -n "$leader1" ] && msg+=" (leader $leader1, term $term1)"
if [ "$hrc" != 0 ] || [ "$state" != healthy ]; then
	fail "$msg${bad:+; not healthy: $bad}"
elif [ -n "$nodes" ] && [ "$total" != "$nodes" ]; then
	fail "$msg; expected $nodes members, found $total"
else
	ok "$msg"
fi

# ---- leader -------------------------------------------------------------
if [ -z "$leader1" ]; then
	fail "leader: none (no quorum or an election going on)"
else
	sleep "$wait_s"
	h2=$(health)
	leader2=$(jq -r '.leader_id // empty' <<<"$h2" 2>/dev/null)
	term2=$(jq -r '.term // empty' <<<"$h2" 2>/dev/null)
	if [ -z "$leader2" ]; then
		fail "leader: $leader1 (term $term1) was gone ${wait_s}s later: no leader"
	elif [ "$leader2" != "$leader1" ] || [ "$term2" != "$term1" ]; then
		fail "leader: changed within ${wait_s}s: $leader1 (term $term1) -> $leader2 (term $term2)"
	else
		ok "leader: $leader1 in term $term1, unchanged over ${wait_s}s"
	fi
fi

# ---- replication --------------------------------------------------------
if [ -z "$peers" ]; then
	fail "replication: cannot list the peers: $(head -1 "$errf")"
elif jq -e 'any(.[]; .stale)' >/dev/null <<<"$peers"; then
	fail "replication: no leader to report lag (the peer list is stale)"
else
	worst=$(jq -r '[.[] | select(.is_leader | not)] | max_by(.lag) // empty | "\(.lag) \(.id)"' <<<"$peers")
	lag=${worst%% *} who=${worst#* }
	over=$(jq -r --argjson m "$max_lag" '[.[] | select(.lag > $m) | "\(.id) \(.lag)"] | join(", ")' <<<"$peers")
	if [ -z "$worst" ]; then
		ok "replication: a single node, nothing to replicate to"
	elif [ -n "$over" ]; then
		fail "replication: lag above $max_lag entries: $over"
	else
		ok "replication: largest lag $lag entries ($who), limit $max_lag"
	fi
fi

[ "$failed" = 0 ] && finish 0
finish 1
