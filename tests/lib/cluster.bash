# cluster.bash - start, stop, partition and query real gaia_go nodes on
# loopback for the bats suites and the fault tests. Node i listens on
# 127.A.B.(i+1), with A.B drawn per run; every process is recorded by pid and stopped by pid; every
# firewall rule lives in one nft table named for this run, deleted at the end.

: "${GAIA_TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${GAIA_GO:=$GAIA_TOP/bin/gaia_go}"

cluster_init() {
	GT_DIR=$(mktemp -d "${TMPDIR:-/tmp}/gaia-test.XXXXXX")
	# one port pair per run; nodes differ by address
	# a loaded test machine delays heartbeats: timeouts a little above the
	# defaults keep elections for real failures only
	: "${GT_HEARTBEAT:=200ms}" "${GT_ELECTION:=600ms}"
	export GT_HEARTBEAT GT_ELECTION
	GT_RAFT_PORT=$((20000 + ($$ * 7 + RANDOM) % 20000))
	GT_HTTP_PORT=$((GT_RAFT_PORT + 1))
	GT_METRICS_PORT=$((GT_RAFT_PORT + 2))
	GT_NFT_TABLE="gaia_test_$$_${RANDOM}"
	GT_NFT=0
	# Each run gets its own /24 of loopback: firewall rules of one run
	# (partitions cut by address pair) never touch another run's nodes.
	GT_IP_PREFIX="127.$((1 + ($$ + RANDOM) % 250)).$((RANDOM % 250))"
	export GT_DIR GT_RAFT_PORT GT_HTTP_PORT GT_METRICS_PORT GT_NFT_TABLE GT_IP_PREFIX
}

node_ip() { echo "${GT_IP_PREFIX:-127.0.0}.$(($1 + 1))"; }
node_api() { echo "$(node_ip "$1"):$GT_HTTP_PORT"; }
node_raft() { echo "$(node_ip "$1"):$GT_RAFT_PORT"; }
node_pid() { cat "$GT_DIR/node-$1.pid" 2>/dev/null; }
node_alive() { local p; p=$(node_pid "$1") && [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

# node_start I [bootstrap] -- extra environment (VAR=value ...) may follow
node_start() {
	local i=$1 boot=${2:-false}
	shift 2 2>/dev/null || shift $#
	mkdir -p "$GT_DIR/node-$i"
	env GAIA_NODE_ID="node-$i" GAIA_DATA_DIR="$GT_DIR/node-$i" \
		CLUSTER_BOOTSTRAP="$boot" \
		CLUSTER_BIND_ADDR="$(node_raft "$i")" CLUSTER_ADVERTISE_ADDR="$(node_raft "$i")" \
		CLUSTER_HTTP_ADDR="$(node_api "$i")" \
		CLUSTER_METRICS_ADDR="$(node_ip "$i"):$GT_METRICS_PORT" \
		RAFT_HEARTBEAT_TIMEOUT="${GT_HEARTBEAT:-150ms}" \
		RAFT_ELECTION_TIMEOUT="${GT_ELECTION:-300ms}" \
		GAIA_LOG_LEVEL="${GT_LOG_LEVEL:-info}" "$@" \
		"$GAIA_GO" >>"$GT_DIR/node-$i.log" 2>&1 &
	echo $! >"$GT_DIR/node-$i.pid"
}

wait_http() { # I [seconds]
	local i=$1 t=${2:-15} n=0
	while [ $n -lt $((t * 20)) ]; do
		curl -sf -m 1 "http://$(node_api "$i")/health" >/dev/null 2>&1 && return 0
		node_alive "$i" || { echo "node-$i exited:" >&2; tail -20 "$GT_DIR/node-$i.log" >&2; return 1; }
		sleep 0.05
		n=$((n + 1))
	done
	echo "node-$i did not answer in ${t}s" >&2
	return 1
}

status_of() { curl -s -m 2 "http://$(node_api "$1")/api/cluster/status"; }

# is node J a voter, as node I sees it?
is_voter() { status_of "$1" | jq -e --arg id "node-$2" '.nodes[] | select(.id == $id) | .voter' >/dev/null 2>&1; }

wait_voter() { # I J [seconds]
	local n=0 t=${3:-20}
	while [ $n -lt $((t * 20)) ]; do
		is_voter "$1" "$2" && return 0
		sleep 0.05
		n=$((n + 1))
	done
	echo "node-$2 is not a voter after ${t}s: $(status_of "$1")" >&2
	return 1
}

add_node() { # I (added through node LEADER_HINT, default 1)
	local i=$1 via=${2:-1}
	curl -s -m 10 -X POST "http://$(node_api "$via")/api/cluster/peers" \
		-H 'Content-Type: application/json' \
		-d "{\"node_id\":\"node-$i\",\"address\":\"$(node_raft "$i")\",\"api_address\":\"$(node_api "$i")\"}"
}

cluster_up() { # N: node 1 bootstraps, the others join and become voters
	local n=$1
	node_start 1 true || return 1
	wait_http 1 || return 1
	wait_leader_of 1 10 || return 1
	for i in $(seq 2 "$n"); do
		node_start "$i" false || return 1
		wait_http "$i" || return 1
		add_node "$i" >/dev/null
		wait_voter 1 "$i" 20 || return 1
	done
}

# the index of the node that says it leads (among 1..N), or nothing
leader_index() {
	local n=${1:-3}
	for i in $(seq 1 "$n"); do
		node_alive "$i" || continue
		if status_of "$i" | jq -e '.role == "leader"' >/dev/null 2>&1; then
			echo "$i"
			return 0
		fi
	done
	return 1
}

wait_leader_of() { # I [seconds]: node I knows a leader
	local n=0 t=${2:-10}
	while [ $n -lt $((t * 20)) ]; do
		status_of "$1" | jq -e '.leader_id != null and .leader_id != ""' >/dev/null 2>&1 && return 0
		sleep 0.05
		n=$((n + 1))
	done
	return 1
}

wait_leader() { # N [seconds]: prints the leader's index
	local n=0 t=${2:-10} l
	while [ $n -lt $((t * 20)) ]; do
		l=$(leader_index "$1") && { echo "$l"; return 0; }
		sleep 0.05
		n=$((n + 1))
	done
	return 1
}

kv_put() { curl -s -m 5 -o /dev/null -w '%{http_code}' -X PUT "http://$(node_api "$1")/api/kv/$2" --data-binary "$3"; }
# kv_put that retries a 503 (no leader now, e.g. during an election on a
# loaded machine) for up to 10 s, as a client honouring Retry-After does
kv_put_ok() {
	local code n=0
	while :; do
		code=$(kv_put "$@")
		[ "$code" = 503 ] || [ "$code" = 000 ] || { echo "$code"; return 0; }
		n=$((n + 1))
		[ $n -lt 100 ] || { echo "$code"; return 0; }
		sleep 0.1
	done
}
kv_get() { curl -s -m 5 "http://$(node_api "$1")/api/kv/$2${3:+?$3}"; }

node_signal() { local p; p=$(node_pid "$1") && kill "-$2" "$p" 2>/dev/null; }
node_kill() { node_signal "$1" KILL; wait_gone "$1"; }
node_stop() { node_signal "$1" TERM; wait_gone "$1" 10; }
wait_gone() { # I [seconds]
	local n=0 t=${2:-5}
	while node_alive "$1" && [ $n -lt $((t * 20)) ]; do sleep 0.05; n=$((n + 1)); done
	! node_alive "$1"
}

# partitions: drop traffic between two node addresses, both ways
part_block() { # I J
	local a b
	a=$(node_ip "$1")
	b=$(node_ip "$2")
	if [ "$GT_NFT" = 0 ]; then
		nft add table inet "$GT_NFT_TABLE" || return 1
		nft add chain inet "$GT_NFT_TABLE" out '{ type filter hook output priority 0; policy accept; }' || return 1
		GT_NFT=1
	fi
	nft add rule inet "$GT_NFT_TABLE" out ip saddr "$a" ip daddr "$b" drop
	nft add rule inet "$GT_NFT_TABLE" out ip saddr "$b" ip daddr "$a" drop
}

part_heal() {
	if [ "$GT_NFT" = 1 ]; then
		nft delete table inet "$GT_NFT_TABLE" 2>/dev/null
		GT_NFT=0
	fi
}

# Stop every node, delete the firewall table, and fail on sanitizer
# reports or assertion failures in any node's log.
cluster_teardown() {
	local bad=0
	part_heal
	for f in "$GT_DIR"/node-*.pid; do
		[ -e "$f" ] || continue
		kill -KILL "$(cat "$f")" 2>/dev/null
	done
	for f in "$GT_DIR"/node-*.log; do
		[ -e "$f" ] || continue
		if grep -qE 'AddressSanitizer|runtime error:|LeakSanitizer|Assertion .* failed' "$f"; then
			echo "sanitizer or assertion report in $f:" >&2
			grep -E -A20 'AddressSanitizer|runtime error:|LeakSanitizer|Assertion' "$f" | head -40 >&2
			bad=1
		fi
	done
	if [ "$bad" = 0 ] && [ -z "${GT_KEEP:-}" ]; then
		rm -rf "$GT_DIR"
	fi
	return $bad
}
