#!/usr/bin/env bats
# examples/: the production gaia_go.yaml and the systemd unit's environment
# file start a node; the unit passes systemd-analyze verify; the local
# cluster starts, elects a leader and stops by pid; each runbook passes on a
# healthy live cluster and fails with its documented code and message on a
# degraded one; shellcheck is clean; make install carries the examples.
# (examples/cron.d is run by tools_snap.bats.)

bats_require_minimum_version 1.5.0

setup() {
	load common
	cluster_init
	EX=$GAIA_TOP/examples
	export PATH="$GAIA_TOP/bin:$PATH"
	unset GAIA_ADDR GAIA_SOCKET CLUSTER_METRICS_ADDR
}

teardown() {
	# the local cluster of a failed test, stopped by its recorded pids
	if [ -d "${GAIA_LOCAL_DIR:-/nonexistent}" ]; then
		for f in "$GAIA_LOCAL_DIR"/node-*.pid; do
			[ -e "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null
		done
	fi
	cluster_teardown
}

metrics_of() { echo "$(node_ip "$1"):$GT_METRICS_PORT"; }

# N nodes up, and every one counted healthy by the leader
healthy_cluster() { # N
	cluster_up "$1" && gaia-health --addr "$(node_api 1)" --wait-healthy --timeout 30s >/dev/null
}

# stop node I and wait until the leader no longer counts it healthy (one
# heartbeat timeout later), as it would be when a runbook next looks
stop_and_wait_degraded() { # I
	local n=0
	node_stop "$1"
	until [ "$(gaia-health --addr "$(node_api 1)" >/dev/null 2>&1; echo $?)" = 1 ]; do
		n=$((n + 1))
		[ $n -lt 100 ] || { echo "the cluster is not degraded after stopping node-$1" >&2; return 1; }
		sleep 0.1
	done
}

# start one node from the example configuration; addresses, data dir and
# socket come from flags (which beat the file), the rest from the file
start_example_node() { # extra env assignments...
	mkdir -p "$GT_DIR/node-1"
	env "$@" "$GAIA_GO" --config "$EX/gaia_go.yaml" --bootstrap \
		--data-dir "$GT_DIR/node-1" --socket "$GT_DIR/node-1/gaia.sock" \
		--bind-addr "$(node_raft 1)" --advertise-addr "$(node_raft 1)" \
		--http-addr "$(node_api 1)" --metrics-addr "$(metrics_of 1)" \
		--election-timeout "$GT_ELECTION" --heartbeat-timeout "$GT_HEARTBEAT" \
		--discovery-nodes "$(node_raft 1)" \
		>>"$GT_DIR/node-1.log" 2>&1 &
	echo $! >"$GT_DIR/node-1.pid"
	wait_http 1 && wait_leader_of 1 10
}

# ---- gaia_go.yaml ------------------------------------------------------

@test "gaia_go.yaml sets every setting of gaia_go.yaml(5) (the discovery kinds not in use commented)" {
	# the keys documented in the SETTINGS section of the man page
	keys=$(awk '/^\.SH SETTINGS/{s=1} /^\.SH CHECKS/{s=0} s && prev == ".TP" && /^\.B [a-z_]+\.[a-z_.]+$/ {print $2} {prev=$0}' \
		"$GAIA_TOP/man/gaia_go.yaml.5")
	[ "$(wc -l <<<"$keys")" -ge 25 ]
	missing=
	for k in $keys; do
		leaf=${k##*.}
		case $k in
		cluster.discovery.domain|cluster.discovery.port|cluster.discovery.dns_server|consul.*)
			grep -qE "^ *# *$leaf:" "$EX/gaia_go.yaml" || missing+=" $k" ;;
		*)
			grep -qE "^ *$leaf:" "$EX/gaia_go.yaml" || missing+=" $k" ;;
		esac
	done
	[ -z "$missing" ] || { echo "not in examples/gaia_go.yaml:$missing"; return 1; }
}

@test "gaia_go.yaml loads: a node runs on it (addresses and data dir from flags), its values in force" {
	start_example_node
	run curl -s -m 5 "http://$(node_api 1)/health"
	assert_output --partial '"node_id":"node-1"'
	# the file's log format (text) and level (info) are in force
	grep -qE '^[0-9T:.-]+Z info +node ' "$GT_DIR/node-1.log"
	run gaia-health --socket "$GT_DIR/node-1/gaia.sock"
	assert_success
	assert_output --partial 'GAIA OK'
	# a metrics endpoint where the flag put it
	curl -sf -m 5 "http://$(metrics_of 1)/metrics" | grep -q '^raft_term '
}

@test "gaia_go.yaml with each commented alternative uncommented still loads" {
	f=$BATS_TEST_TMPDIR/alt.yaml
	# dns discovery: the commented dns keys, type dns
	sed -e 's/^    # \(domain\|port\|dns_server\):/    \1:/' -e 's/^    type: static/    type: dns/' \
		"$EX/gaia_go.yaml" >"$f"
	grep -q '^    domain: ' "$f"
	# a join to nowhere reads and checks every setting first, then fails
	# at runtime (1), not on the configuration (2)
	run "$GAIA_GO" --config "$f" --data-dir "$BATS_TEST_TMPDIR/d" --cluster-join \
		--address 127.0.0.1:1 --leader-address 127.0.0.1:1
	assert_failure 1
	refute_output --partial 'alt.yaml:'
	# consul: the commented section
	sed -e 's/^# consul:/consul:/' -e 's/^#   \(addr\|datacenter\):/  \1:/' \
		-e 's/^    type: static/    type: consul/' "$EX/gaia_go.yaml" >"$f"
	grep -q '^  datacenter: dc1' "$f"
	run "$GAIA_GO" --config "$f" --data-dir "$BATS_TEST_TMPDIR/d" --cluster-join \
		--address 127.0.0.1:1 --leader-address 127.0.0.1:1
	assert_failure 1
	refute_output --partial 'alt.yaml:'
	# and a typo in the file is caught, naming the line
	sed 's/election_timeout:/electon_timeout:/' "$EX/gaia_go.yaml" >"$f"
	run "$GAIA_GO" --config "$f" --data-dir "$BATS_TEST_TMPDIR/d"
	assert_failure 2
	assert_output --partial "alt.yaml:$(grep -n 'election_timeout:' "$EX/gaia_go.yaml" | cut -d: -f1): unknown key"
}

# ---- systemd -----------------------------------------------------------

@test "systemd unit: systemd-analyze verify passes" {
	command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"
	# the unit as shipped, with ExecStart on the built daemon and the man
	# pages of Documentation= where man finds them
	sed "s#^ExecStart=/usr/local/bin/gaia_go #ExecStart=$GAIA_GO #" "$EX/systemd/gaia_go.service" \
		>"$BATS_TEST_TMPDIR/gaia_go.service"
	grep -q "^ExecStart=$GAIA_GO " "$BATS_TEST_TMPDIR/gaia_go.service"
	mkdir -p "$BATS_TEST_TMPDIR/man/man5" "$BATS_TEST_TMPDIR/man/man8"
	ln -s "$GAIA_TOP/man/gaia_go.8" "$BATS_TEST_TMPDIR/man/man8/"
	ln -s "$GAIA_TOP/man/gaia_go.yaml.5" "$BATS_TEST_TMPDIR/man/man5/"
	run env MANPATH="$BATS_TEST_TMPDIR/man" SYSTEMD_LOG_LEVEL=notice \
		systemd-analyze verify "$BATS_TEST_TMPDIR/gaia_go.service"
	assert_success
	assert_output ""
	# the hardening, as systemd rates it offline (systemd 252 and later)
	if systemd-analyze security --help 2>/dev/null | grep -q -- '--offline'; then
		run systemd-analyze security --offline=true "$BATS_TEST_TMPDIR/gaia_go.service"
		assert_success
		assert_output --regexp 'Overall exposure level for gaia_go.service: [01]\.[0-9] OK'
	fi
}

@test "systemd unit: settings that the daemon relies on" {
	u=$EX/systemd/gaia_go.service
	grep -qx 'Type=exec' "$u"          # gaia_go sends no sd_notify
	run grep -rl 'sd_notify\|NOTIFY_SOCKET' "$GAIA_TOP/cmd" "$GAIA_TOP/libgaia"
	assert_output ""
	grep -qx 'User=gaia_go' "$u"
	grep -qx 'StateDirectory=gaia_go' "$u"
	grep -qx 'Restart=on-failure' "$u"
	grep -qx 'KillSignal=SIGTERM' "$u"
	grep -qx 'RestartPreventExitStatus=2' "$u"
	grep -qE '^LimitNOFILE=[0-9]+$' "$u"
	grep -q '^EnvironmentFile=-/etc/default/gaia_go$' "$u"
	grep -q '^ExecStart=/usr/local/bin/gaia_go --config /etc/gaia_go/gaia.yaml$' "$u"
}

@test "systemd unit: its command with gaia_go.env runs a node, and SIGTERM stops it within TimeoutStopSec" {
	# EnvironmentFile= syntax: KEY=value lines, comments
	mapfile -t envs < <(grep -E '^[A-Z_]+=' "$EX/systemd/gaia_go.env")
	[ "${#envs[@]}" -ge 2 ]
	# every variable of the env file is a setting of gaia_go (commented too)
	for v in $(sed -nE 's/^#?([A-Z_]+)=.*/\1/p' "$EX/systemd/gaia_go.env"); do
		"$GAIA_GO" --help | grep -q "env $v," || { echo "$v is not a gaia_go setting"; return 1; }
	done
	# the env file's variables beat the YAML file (its node id is changed
	# here to tell them apart); the flags of the test move the addresses
	start_example_node "${envs[@]}" GAIA_NODE_ID=from-env-file
	run curl -s -m 5 "http://$(node_api 1)/health"
	assert_output --partial '"node_id":"from-env-file"'
	stop=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s$/\1/p' "$EX/systemd/gaia_go.service")
	[ "$stop" -ge 10 ]
	pid=$(node_pid 1)
	kill -TERM "$pid"
	wait_gone 1 "$stop"
	grep -q 'SIGTERM: stopping' "$GT_DIR/node-1.log"
}

# ---- the local cluster -------------------------------------------------

@test "local-cluster: the node files are the production shape on 127.0.0.2-4" {
	for i in 1 2 3; do
		f=$EX/local-cluster/node-$i.yaml
		grep -qx "  id: node-$i" "$f"
		grep -qx "  bind_addr: 127.0.0.$((i + 1)):8300" "$f"
		grep -qx "  http_addr: 127.0.0.$((i + 1)):8080" "$f"
		grep -qx "  metrics_addr: 127.0.0.$((i + 1)):9090" "$f"
		# it loads: the file's checks pass (a join to nowhere fails later, at runtime)
		run "$GAIA_GO" --config "$f" --cluster-join --address 127.0.0.1:1 --leader-address 127.0.0.1:1
		assert_failure 1
	done
}

@test "local-cluster: start elects a leader of 3 voters, stop ends the recorded pids, a restart keeps the data" {
	export GAIA_LOCAL_DIR=$BATS_TEST_TMPDIR/lc GAIA_LOCAL_PREFIX=$GT_IP_PREFIX
	export GAIA_LOCAL_RAFT_PORT=$GT_RAFT_PORT GAIA_LOCAL_HTTP_PORT=$GT_HTTP_PORT
	export GAIA_LOCAL_METRICS_PORT=$GT_METRICS_PORT
	export RAFT_HEARTBEAT_TIMEOUT=$GT_HEARTBEAT RAFT_ELECTION_TIMEOUT=$GT_ELECTION
	lc=$EX/local-cluster/local-cluster.sh
	run "$lc" start
	assert_success
	assert_output --partial '3 nodes up'
	run gaia-peers --addr "$(node_api 1)" --json
	assert_success
	[ "$(jq '[.[] | select(.voter)] | length' <<<"$output")" = 3 ]
	[ "$(jq '[.[] | select(.is_leader)] | length' <<<"$output")" = 1 ]
	# each node read its own file: node-2 on PREFIX.3 with its data dir in the run dir
	jq -e --arg a "$(node_api 2)" '.[] | select(.id == "node-2") | .api_address == $a' <<<"$output"
	[ -e "$GAIA_LOCAL_DIR/node-2/node.json" ]
	[ "$(kv_put_ok 1 lc-key kept)" = 200 ]
	pids=$(cat "$GAIA_LOCAL_DIR"/node-*.pid)
	[ "$(wc -w <<<"$pids")" = 3 ]
	run "$lc" start
	assert_failure 1
	assert_output --partial 'runs already'
	run "$lc" stop
	assert_success
	for p in $pids; do
		if kill -0 "$p" 2>/dev/null; then echo "pid $p still runs"; return 1; fi
	done
	[ -z "$(ls "$GAIA_LOCAL_DIR"/node-*.pid 2>/dev/null)" ]
	# again: the nodes rejoin with their data, no second bootstrap
	run "$lc" start
	assert_success
	[ "$(kv_get 2 lc-key)" = kept ]
	run "$lc" status
	assert_output --partial 'GAIA OK'
	run "$lc" stop
	assert_success
	run "$lc" clean
	assert_success
	[ ! -e "$GAIA_LOCAL_DIR" ]
}

# ---- runbooks: daily ---------------------------------------------------

@test "daily.sh: passes on a healthy cluster, quiet with --quiet" {
	healthy_cluster 3
	run "$EX/runbooks/daily.sh" --addr "$(node_api 2)" --wait 1 --nodes 3
	assert_success
	assert_line --regexp '^gaia daily check of [0-9.]+:[0-9]+, 20[0-9-]+T[0-9:]+Z$'
	assert_line --regexp '^OK    nodes: 3/3 healthy, cluster healthy \(leader node-[123], term [0-9]+\)$'
	assert_line --regexp '^OK    leader: node-[123] in term [0-9]+, unchanged over 1s$'
	assert_line --regexp '^OK    replication: largest lag [0-9]+ entries \(node-[123]\), limit 1000$'
	assert_line 'daily: 3 checked, 0 failed'
	# GAIA_ADDR works like --addr; --quiet says nothing when all is well
	run env GAIA_ADDR="$(node_api 3)" "$EX/runbooks/daily.sh" --wait 1 --quiet
	assert_success
	assert_output ""
}

@test "daily.sh: a stopped node fails 'nodes' with exit 1; a lagging one fails 'replication'" {
	healthy_cluster 3
	stop_and_wait_degraded 3
	run "$EX/runbooks/daily.sh" --addr "$(node_api 1)" --wait 1 --quiet
	assert_failure 1
	assert_line --regexp '^FAIL  nodes: 2/3 healthy, cluster degraded \(leader node-[12], term [0-9]+\); not healthy: node-3 \((degraded|unhealthy)\)$'
	assert_line --regexp '^OK    leader: '
	assert_line 'daily: 3 checked, 1 failed'
	# a wrong --nodes count fails too
	node_start 3 false
	wait_http 3
	gaia-health --addr "$(node_api 1)" --wait-healthy --timeout 30s
	run "$EX/runbooks/daily.sh" --addr "$(node_api 1)" --wait 0 --nodes 5
	assert_failure 1
	assert_line --regexp '^FAIL  nodes: 3/3 healthy, .*; expected 5 members, found 3$'
	# a frozen follower falls behind
	node_signal 3 STOP
	for k in $(seq 1 30); do kv_put_ok 1 "lag-$k" v >/dev/null; done
	run "$EX/runbooks/daily.sh" --addr "$(node_api 1)" --wait 0 --max-lag 5
	node_signal 3 CONT
	assert_failure 1
	assert_line --regexp '^FAIL  replication: lag above 5 entries: node-3 [0-9]+$'
}

@test "daily.sh: a leader change between the two reads fails 'leader'" {
	healthy_cluster 3
	"$EX/runbooks/daily.sh" --addr "$(node_api 1)" --wait 4 >"$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	sleep 1.5
	gaia-peers --addr "$(node_api 1)" transfer-leader
	rc=0
	wait "$pid" || rc=$?
	run cat "$BATS_TEST_TMPDIR/out"
	[ "$rc" = 1 ] || { echo "exit $rc"; return 1; }
	assert_line --regexp '^FAIL  leader: changed within 4s: node-[123] \(term [0-9]+\) -> node-[123] \(term [0-9]+\)$'
}

@test "daily.sh: an unreachable node exits 3, a usage error 2" {
	run "$EX/runbooks/daily.sh" --addr "$(node_api 1)" --wait 0
	assert_failure 3
	assert_line --regexp "^FAIL  nodes: cannot ask $(node_api 1): gaia-health: .*"
	run "$EX/runbooks/daily.sh" --max-lag lots
	assert_failure 2
	assert_output "daily: --max-lag wants a whole number, not 'lots'"
	run "$EX/runbooks/daily.sh" --frobnicate
	assert_failure 2
	assert_line 'daily: unknown option --frobnicate'
}

# ---- runbooks: weekly --------------------------------------------------

weekly_metrics() { echo "$(metrics_of 1),$(metrics_of 2),$(metrics_of 3)"; }

@test "weekly.sh: passes on a healthy cluster with snapshots; --state counts elections per run" {
	healthy_cluster 3
	for i in 1 2 3; do gaia-snap --addr "$(node_api "$i")" take >/dev/null; done
	state=$BATS_TEST_TMPDIR/state/weekly.state
	run "$EX/runbooks/weekly.sh" --addr "$(node_api 1)" --metrics-addr "$(weekly_metrics)" --state "$state"
	assert_success
	assert_line --regexp "^OK    elections: at most [0-9]+ on [0-9.:]+ since it started, limit 3 \($(metrics_of 1)=[0-9]+, $(metrics_of 2)=[0-9]+, $(metrics_of 3)=[0-9]+\)$"
	assert_line --regexp '^OK    log: largest [0-9]+ (B|KiB) on node-[123] \(entries [0-9]+-[0-9]+\), limit 1 GiB$'
	assert_line --regexp '^OK    snapshots: every member has a recent one; the least recent is [0-9]+s old \(node-[123]\), limit 7d$'
	assert_line 'weekly: 3 checked, 0 failed'
	[ "$(wc -l <"$state")" = 3 ]
	# CLUSTER_METRICS_ADDR is the default, the local socket works as well as
	# --addr; nothing happened since: 0 elections
	run env CLUSTER_METRICS_ADDR="$(weekly_metrics)" GAIA_SOCKET="$GT_DIR/node-2/gaia.sock" \
		"$EX/runbooks/weekly.sh" --state "$state" --max-elections 0 --quiet
	assert_success
	assert_output ""
	# two leader changes since the last run: above --max-elections 1
	gaia-peers --addr "$(node_api 1)" transfer-leader >/dev/null
	gaia-health --addr "$(node_api 1)" --wait-healthy --timeout 20s >/dev/null
	gaia-peers --addr "$(node_api 1)" transfer-leader >/dev/null
	gaia-health --addr "$(node_api 1)" --wait-healthy --timeout 20s >/dev/null
	run "$EX/runbooks/weekly.sh" --addr "$(node_api 1)" --metrics-addr "$(weekly_metrics)" \
		--state "$state" --max-elections 1
	assert_failure 1
	assert_line --regexp '^FAIL  elections: [2-9] leader elections on [0-9.:]+ in [0-9]+s, limit 1 \(.*\)$'
	assert_line 'weekly: 3 checked, 1 failed'
}

@test "weekly.sh: missing snapshots, an old snapshot, a large log and an unscrapable endpoint fail with exit 1" {
	healthy_cluster 3
	gaia-snap --addr "$(node_api 1)" take >/dev/null
	run env GAIA_ADDR="$(node_api 1)" "$EX/runbooks/weekly.sh" --max-log-size 100B
	assert_failure 1
	assert_line 'SKIP  elections: no --metrics-addr (or CLUSTER_METRICS_ADDR) to scrape'
	assert_line --regexp '^FAIL  log: above 100 B: node-1 \([0-9]+ B\) node-2 \([0-9]+ B\) node-3 \([0-9]+ B\); is a snapshot being taken\? \(gaia-snap take\)$'
	assert_line 'FAIL  snapshots: too old or missing, limit 7d: node-2 (no snapshot yet) node-3 (no snapshot yet)'
	assert_line 'weekly: 2 checked, 2 failed'
	gaia-snap --addr "$(node_api 2)" take >/dev/null
	gaia-snap --addr "$(node_api 3)" take >/dev/null
	sleep 2
	run "$EX/runbooks/weekly.sh" --addr "$(node_api 1)" --max-snapshot-age 1s --metrics-addr 127.0.0.1:1
	assert_failure 1
	assert_line --regexp '^FAIL  snapshots: too old or missing, limit 1s: node-1 \(newest [0-9]+s old\) node-2 \(newest [0-9]+s old\) node-3 \(newest [0-9]+s old\)$'
	assert_line 'FAIL  elections: cannot scrape: 127.0.0.1:1'
	run "$EX/runbooks/weekly.sh" --addr "$(node_api 1)" --max-snapshot-age 1w
	assert_failure 2
	assert_output "weekly: --max-snapshot-age: '1w' is not a duration (12h, 7d)"
}

@test "weekly.sh --membership-test: a spare node is removed and added back; a wrong address is refused" {
	healthy_cluster 4
	for i in 1 2 3 4; do gaia-snap --addr "$(node_api "$i")" take >/dev/null; done
	# ADDR must be NODE: nothing is removed when it is not
	run "$EX/runbooks/weekly.sh" --addr "$(node_api 1)" --membership-test node-4 "$(node_api 3)"
	assert_failure 1
	assert_line "FAIL  membership: $(node_api 3) is node 'node-3', not node-4"
	is_voter 1 4
	# the leader is not a spare
	l=$(wait_leader 4)
	run "$EX/runbooks/weekly.sh" --addr "$(node_api 1)" --membership-test "node-$l" "$(node_api "$l")"
	assert_failure 1
	assert_line --partial "FAIL  membership: node-$l leads the cluster"
	spare=4
	[ "$l" != 4 ] || spare=3
	run "$EX/runbooks/weekly.sh" --addr "$(node_api 1)" --membership-test "node-$spare" "$(node_api "$spare")"
	assert_success
	assert_line --regexp "^OK    membership: node-$spare removed and added back as a voter in [0-9]+s; cluster healthy$"
	assert_line 'weekly: 3 checked, 0 failed'
	is_voter 1 "$spare"
	# it was removed and came back as a new incarnation (reset, new id)
	grep -q 'reset: Raft data and snapshots wiped' "$GT_DIR/node-$spare.log"
	# the cluster works with it
	[ "$(kv_put_ok 1 after-membership yes)" = 200 ]
	wait_same_state 4
	# and an unreachable cluster is exit 3
	node_kill 1; node_kill 2; node_kill 3; node_kill 4
	run "$EX/runbooks/weekly.sh" --addr "$(node_api 1)"
	assert_failure 3
	assert_line --regexp "^FAIL  cluster: cannot ask $(node_api 1): gaia-peers: .*"
}

# ---- runbooks: monthly -------------------------------------------------

@test "monthly.sh: failover drill, backup restored into a running node, clean logs, bench: exit 0" {
	healthy_cluster 3
	for k in $(seq 1 40); do kv_put_ok 1 "m-$k" "value-$k" >/dev/null; done
	for i in 1 2 3; do cp "$GT_DIR/node-$i.log" "$BATS_TEST_TMPDIR/node-$i.log"; done
	before=$(wait_leader 3)
	mkdir "$BATS_TEST_TMPDIR/work"
	run "$EX/runbooks/monthly.sh" --addr "$(node_api 1)" --bench-duration 2s --bench-clients 2 \
		--restore-ip "$(node_ip 20)" --workdir "$BATS_TEST_TMPDIR/work" \
		--log "$BATS_TEST_TMPDIR/node-1.log" --log "$BATS_TEST_TMPDIR/node-2.log" --log "$BATS_TEST_TMPDIR/node-3.log"
	assert_success
	assert_line --regexp "^OK    failover: leadership moved node-$before -> node-[123] \(term [0-9]+ -> [0-9]+\) in [0-9]+ ms; node-[123] took a write and read it back$"
	assert_line --regexp '^OK    backup: saved at index [0-9]+ \(40 keys, [0-9]+ bytes\), inspected, restored; a node started on it serves the same 40 keys \(digest [0-9a-f]+\)$'
	assert_line --regexp '^OK    logs: no error lines in .*node-1.log .*node-2.log .*node-3.log$'
	assert_line --regexp '^OK    performance: [0-9]+ ops/s over [0-9.]+s, 2 clients; (put|get) p50 [0-9.]+ ms p99 [0-9.]+ ms, (put|get) p50 .*$'
	assert_line 'monthly: 4 checked, 0 failed'
	# a new leader indeed, the drill's keys gone, the scratch node stopped, the work dir empty
	[ "$(wait_leader 3)" != "$before" ]
	run curl -s -m 5 "http://$(node_api 1)/api/kv/?prefix=gaia-runbook"
	assert_output '[]'
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/work")" ]
	run bash -c "grep -l -F 'GAIA_DATA_DIR=$BATS_TEST_TMPDIR/work' /proc/[0-9]*/environ 2>/dev/null"
	assert_output ""
}

@test "monthly.sh: a degraded cluster fails the drill, error lines fail 'logs' (exit 1); unreachable 3, usage 2" {
	healthy_cluster 3
	stop_and_wait_degraded 3
	printf '%s\n' '2026-11-26T10:00:00.000Z info  node started' \
		'Nov 26 10:00:01 db1 gaia_go[812]: 2026-11-26T10:00:01.042Z error wal fdatasync failed: Input/output error' \
		'{"time":"2026-11-26T10:00:02.000Z","level":"error","component":"net","msg":"x"}' >"$BATS_TEST_TMPDIR/bad.log"
	run "$EX/runbooks/monthly.sh" --addr "$(node_api 1)" --no-backup --no-bench --log - <"$BATS_TEST_TMPDIR/bad.log"
	assert_failure 1
	assert_line --regexp '^FAIL  failover: not run, the cluster is not healthy: cluster degraded, 2/3 peers healthy.*$'
	assert_line 'SKIP  backup: --no-backup'
	assert_line --regexp '^FAIL  logs: 2 error lines: stdin: 2; the last: \{"time":"2026-11-26T10:00:02.000Z","level":"error".*$'
	assert_line 'SKIP  performance: --no-bench'
	assert_line 'monthly: 2 checked, 2 failed'
	# with a node down, backup and bench still run (here over the local
	# socket; the bench keys are deleted through it)
	run "$EX/runbooks/monthly.sh" --socket "$GT_DIR/node-1/gaia.sock" --no-failover \
		--bench-duration 1s --restore-ip "$(node_ip 21)" --quiet
	assert_success
	assert_output ""
	run curl -s -m 5 "http://$(node_api 1)/api/kv/?prefix=gaia-runbook"
	assert_output '[]'
	# unreachable, usage
	node_kill 1; node_kill 2
	run "$EX/runbooks/monthly.sh" --addr "$(node_api 1)"
	assert_failure 3
	assert_line --regexp "^FAIL  cluster: cannot ask $(node_api 1): gaia-health: .*"
	run "$EX/runbooks/monthly.sh" --log /nonexistent/gaia.log
	assert_failure 2
	assert_output 'monthly: --log: cannot read /nonexistent/gaia.log'
}

@test "monthly.sh: killed while its scratch node runs, it stops that node and deletes its files" {
	healthy_cluster 3
	work=$BATS_TEST_TMPDIR/work
	mkdir "$work"
	"$EX/runbooks/monthly.sh" --addr "$(node_api 1)" --no-failover --no-bench \
		--restore-ip "$(node_ip 22)" --workdir "$work" >"$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	# the scratch node is starting once its log exists
	for _ in $(seq 300); do
		ls "$work"/gaia-monthly.*/restore.log >/dev/null 2>&1 && break
		sleep 0.05
	done
	ls "$work"/gaia-monthly.*/restore.log
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" = 1 ] || { echo "exit $rc"; cat "$BATS_TEST_TMPDIR/out"; return 1; }
	[ -z "$(ls -A "$work")" ]
	run bash -c "grep -l -F 'GAIA_DATA_DIR=$work' /proc/[0-9]*/environ 2>/dev/null"
	assert_output ""
}

@test "cron.d/gaia-runbooks: its lines run as written on a healthy cluster, silent" {
	healthy_cluster 3
	for i in 1 2 3; do gaia-snap --addr "$(node_api "$i")" take >/dev/null; done
	cron=$EX/cron.d/gaia-runbooks
	# the scripts installed under the names the file uses; journalctl, which
	# has no gaia_go unit here, prints a node's log as -o cat would
	bin=$BATS_TEST_TMPDIR/bin
	mkdir -p "$bin"
	for r in daily weekly monthly; do ln -s "$EX/runbooks/$r.sh" "$bin/gaia-$r"; done
	printf '#!/bin/sh\ncat "%s"\n' "$GT_DIR/node-1.log" >"$bin/journalctl"
	chmod +x "$bin/journalctl"
	# cron's environment: the file's variables, with this cluster's addresses
	shell=$(sed -n 's/^SHELL=//p' "$cron")
	path=$(sed -n 's/^PATH=//p' "$cron")
	[ "$shell" = /bin/sh ]
	[ -n "$path" ]
	grep -q '^GAIA_ADDR=' "$cron"
	grep -q '^CLUSTER_METRICS_ADDR=' "$cron"
	n=0
	while read -r m h dom mon dow user cmd; do
		[ "$user" = root ]
		cmd=${cmd//\/var\/lib\/gaia-runbooks/$BATS_TEST_TMPDIR/state}
		run env -i HOME="$BATS_TEST_TMPDIR" PATH="$bin:$GAIA_TOP/bin:$path" GAIA_ADDR="$(node_api 1)" \
			CLUSTER_METRICS_ADDR="$(metrics_of 1),$(metrics_of 2),$(metrics_of 3)" \
			"$shell" -c "$cmd"
		[ "$status" = 0 ] || { echo "'$cmd' exited $status: $output"; return 1; }
		[ -z "$output" ] || { echo "'$cmd' printed: $output"; return 1; }
		n=$((n + 1))
	done < <(grep -E '^[0-9*]' "$cron")
	[ "$n" = 3 ]
	# the weekly line keeps its state for next week
	[ -s "$BATS_TEST_TMPDIR/state/weekly.state" ]
}

# ---- lint and install --------------------------------------------------

@test "shellcheck: the example scripts are clean" {
	command -v shellcheck >/dev/null || skip "shellcheck is not installed (bin/check installs it)"
	run shellcheck "$EX/local-cluster/local-cluster.sh" "$EX"/runbooks/*.sh
	assert_success
	assert_output ""
}

@test "every example is installed under docdir/examples (scripts executable), shipped by make dist, uninstalled" {
	dest=$BATS_TEST_TMPDIR/dest
	make -s -C "$GAIA_TOP" install-data DESTDIR="$dest" >"$BATS_TEST_TMPDIR/install.out" 2>&1 ||
		{ cat "$BATS_TEST_TMPDIR/install.out"; return 1; }
	docdir=$(find "$dest" -type d -path '*/doc/gaia_go/examples')
	[ -n "$docdir" ]
	for f in $(cd "$GAIA_TOP/examples" && git ls-files 2>/dev/null || find . -type f); do
		[ "$f" = local.mk ] && continue
		[ -f "$docdir/$f" ] || { echo "$f is not installed"; return 1; }
	done
	for s in local-cluster/local-cluster.sh runbooks/daily.sh runbooks/weekly.sh runbooks/monthly.sh; do
		[ -x "$docdir/$s" ] || { echo "$s is not executable"; return 1; }
	done
	# make dist copies the same files
	make -s -C "$GAIA_TOP" distdir distdir="$BATS_TEST_TMPDIR/dist" >"$BATS_TEST_TMPDIR/dist.out" 2>&1 ||
		{ cat "$BATS_TEST_TMPDIR/dist.out"; return 1; }
	for f in $(cd "$docdir" && find . -type f); do
		[ -f "$BATS_TEST_TMPDIR/dist/examples/$f" ] || { echo "$f is not in the tarball"; return 1; }
	done
	[ -f "$BATS_TEST_TMPDIR/dist/tests/bats/examples.bats" ]
	# and make uninstall takes them away again
	make -s -C "$GAIA_TOP" uninstall-nobase_dist_exampleDATA uninstall-nobase_dist_exampleSCRIPTS DESTDIR="$dest" >>"$BATS_TEST_TMPDIR/install.out" 2>&1 ||
		{ cat "$BATS_TEST_TMPDIR/install.out"; return 1; }
	[ -z "$(find "$docdir" -type f)" ]
}
