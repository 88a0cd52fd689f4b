#!/usr/bin/env bash
# local-cluster.sh - run the 3-node cluster of node-{1,2,3}.yaml on this
# machine (loopback 127.0.0.2-4, Raft 8300, REST 8080, metrics 9090).
#
#   local-cluster.sh start    start the three nodes (the first time: node-1
#                             bootstraps, node-2 and node-3 are added with
#                             gaia-join) and wait until the cluster is healthy
#   local-cluster.sh stop     stop the nodes by their recorded pids (SIGTERM,
#                             then SIGKILL after 10s); the data stays
#   local-cluster.sh status   gaia-health and gaia-peers of the cluster
#   local-cluster.sh clean    delete the run directory (when stopped)
#
# Unlike bin/devcluster, which sets everything through the environment,
# each node here reads a configuration file shaped like a production one
# (../gaia_go.yaml); only what must differ on one machine is set apart.
#
# Environment:
#   GAIA_LOCAL_DIR     run directory: data, logs, pid files
#                      (default ${TMPDIR:-/tmp}/gaia-local-cluster)
#   GAIA_LOCAL_PREFIX  first three bytes of the node addresses, node i on
#                      PREFIX.(i+1) (default 127.0.0, as in the files)
#   GAIA_LOCAL_RAFT_PORT, GAIA_LOCAL_HTTP_PORT, GAIA_LOCAL_METRICS_PORT
#                      ports (default 8300, 8080, 9090, as in the files)
#   GAIA_GO            the daemon (default: gaia_go in PATH, else the
#                      source tree's bin/gaia_go); gaia-join and gaia-health
#                      are taken from the same directory, else from PATH
# Any setting of gaia_go.yaml(5) may be given in the environment too (for
# example RAFT_ELECTION_TIMEOUT=1s): it beats the files.
#
# When the prefix or a port differs from the files, the addresses are
# passed to each node in the environment (CLUSTER_BIND_ADDR, ...), which
# beats the file. Exit status: 0 done, 1 failed, 2 usage error.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
run=${GAIA_LOCAL_DIR:-${TMPDIR:-/tmp}/gaia-local-cluster}
prefix=${GAIA_LOCAL_PREFIX:-127.0.0}
raft_port=${GAIA_LOCAL_RAFT_PORT:-8300}
http_port=${GAIA_LOCAL_HTTP_PORT:-8080}
metrics_port=${GAIA_LOCAL_METRICS_PORT:-9090}
nodes=3

say() { printf 'local-cluster: %s\n' "$*" >&2; }

if [ -n "${GAIA_GO:-}" ]; then
	daemon=$GAIA_GO
elif command -v gaia_go >/dev/null; then
	daemon=$(command -v gaia_go)
else
	daemon=$here/../../bin/gaia_go
fi
tool() { # the tool next to the daemon, else from PATH
	if [ -x "$(dirname "$daemon")/$1" ]; then echo "$(dirname "$daemon")/$1"; else echo "$1"; fi
}

ip_of() { echo "$prefix.$(($1 + 1))"; }
api_of() { echo "$(ip_of "$1"):$http_port"; }
raft_of() { echo "$(ip_of "$1"):$raft_port"; }
pid_of() { cat "$run/node-$1.pid" 2>/dev/null; }
alive() { local p; p=$(pid_of "$1") && [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
overridden() {
	[ "$prefix" != 127.0.0 ] || [ "$raft_port" != 8300 ] ||
		[ "$http_port" != 8080 ] || [ "$metrics_port" != 9090 ]
}

start_node() { # I [--bootstrap]
	local i=$1 all='' j
	shift
	local envs=()
	if overridden; then
		for j in $(seq 1 $nodes); do all+=${all:+,}$(raft_of "$j"); done
		envs=(CLUSTER_BIND_ADDR="$(raft_of "$i")" CLUSTER_ADVERTISE_ADDR="$(raft_of "$i")"
			CLUSTER_HTTP_ADDR="$(api_of "$i")" CLUSTER_METRICS_ADDR="$(ip_of "$i"):$metrics_port"
			CLUSTER_DISCOVERY_NODES="$all")
	fi
	# data_dir in the files is relative: each node runs in the run directory
	(cd "$run" && exec env "${envs[@]}" "$daemon" --config "$here/node-$i.yaml" "$@" \
		>>"$run/node-$i.log" 2>&1) &
	echo $! >"$run/node-$i.pid"
}

wait_up() { # I: its REST API answers
	local i=$1
	for _ in $(seq 150); do
		curl -sf -m 1 "http://$(api_of "$i")/health" >/dev/null 2>&1 && return 0
		alive "$i" || { say "node-$i exited; the end of $run/node-$i.log:"; tail -5 "$run/node-$i.log" >&2; return 1; }
		sleep 0.1
	done
	say "node-$i did not answer at $(api_of "$i") within 15s"
	return 1
}

stop_all() {
	local i p
	for i in $(seq 1 $nodes); do
		alive "$i" && kill -TERM "$(pid_of "$i")" 2>/dev/null
	done
	for i in $(seq 1 $nodes); do
		p=$(pid_of "$i") || continue
		for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		if kill -0 "$p" 2>/dev/null; then
			say "node-$i (pid $p) still runs after 10s: SIGKILL"
			kill -KILL "$p" 2>/dev/null
		fi
		rm -f "$run/node-$i.pid"
	done
}

case ${1:-} in
start)
	[ -x "$daemon" ] || { say "no gaia_go at $daemon (build it, or set GAIA_GO)"; exit 1; }
	for i in $(seq 1 $nodes); do
		alive "$i" && { say "node-$i runs already (pid $(pid_of "$i")): stop first"; exit 1; }
	done
	mkdir -p "$run" || exit 1
	first=0
	[ -e "$run/node-1/node.json" ] || first=1
	if [ $first = 1 ]; then
		start_node 1 --bootstrap
	else
		start_node 1
	fi
	wait_up 1 || { stop_all; exit 1; }
	for i in $(seq 2 $nodes); do
		start_node "$i"
		wait_up "$i" || { stop_all; exit 1; }
		if [ $first = 1 ]; then
			# a new node asks nothing by itself yet: add it, wait until it votes
			"$(tool gaia-join)" --leader-address "$(api_of 1)" --node-id "node-$i" \
				--address "$(raft_of "$i")" --api-address "$(api_of "$i")" \
				--wait --wait-timeout 60s >>"$run/join.log" 2>&1 ||
				{ say "node-$i was not added: $(tail -1 "$run/join.log")"; stop_all; exit 1; }
		fi
	done
	if ! "$(tool gaia-health)" --addr "$(api_of 1)" --wait-healthy --timeout 30s; then
		say "the cluster is not healthy; logs in $run"
		exit 1
	fi
	say "3 nodes up; REST http://$(api_of 1) $(api_of 2) $(api_of 3); logs and data in $run"
	;;
stop)
	stop_all
	say "stopped"
	;;
status)
	"$(tool gaia-health)" --addr "$(api_of 1)" || true
	exec "$(tool gaia-peers)" --addr "$(api_of 1)"
	;;
clean)
	for i in $(seq 1 $nodes); do
		alive "$i" && { say "node-$i runs: stop first"; exit 1; }
	done
	rm -rf "$run"
	;;
-h|--help)
	sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'
	;;
*)
	say "usage: $0 start|stop|status|clean"
	exit 2
	;;
esac
