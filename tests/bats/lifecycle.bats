#!/usr/bin/env bats
# A node's life on its own: bootstrap, waiting to be added, the data-dir
# lock, clean stops, restarts, and configuration errors.

setup() {
	load common
	cluster_init
}

teardown() {
	cluster_teardown
}

@test "an empty node without CLUSTER_BOOTSTRAP waits to be added and says so" {
	node_start 1 false
	wait_http 1
	run bash -c "curl -s http://$(node_api 1)/api/cluster/status | jq -r .node_state"
	assert_output waiting_to_join
	grep -q "waiting to be added" "$GT_DIR/node-1.log"
	http PUT "http://$(node_api 1)/api/kv/x" --data-binary y
	assert_equal "$status_code" 503
}

@test "a second process on the same data dir is refused" {
	node_start 1 true
	wait_http 1
	run env GAIA_NODE_ID=node-1 GAIA_DATA_DIR="$GT_DIR/node-1" \
		CLUSTER_BIND_ADDR="$(node_ip 1):$((GT_RAFT_PORT + 10))" \
		CLUSTER_HTTP_ADDR="$(node_ip 1):$((GT_HTTP_PORT + 10))" \
		CLUSTER_METRICS_ADDR="$(node_ip 1):$((GT_METRICS_PORT + 10))" "$GAIA_GO"
	assert_failure 1
	assert_output --partial "in use by another gaia_go"
	node_alive 1
}

@test "SIGTERM and SIGINT stop cleanly (exit 0); a restarted single node keeps its data" {
	run_node() { # the daemon as a child of this shell, to wait for its status
		env GAIA_NODE_ID=node-1 GAIA_DATA_DIR="$GT_DIR/node-1" CLUSTER_BOOTSTRAP="$1" \
			CLUSTER_BIND_ADDR="$(node_raft 1)" CLUSTER_ADVERTISE_ADDR="$(node_raft 1)" \
			CLUSTER_HTTP_ADDR="$(node_api 1)" CLUSTER_METRICS_ADDR="$(node_ip 1):$GT_METRICS_PORT" \
			"$GAIA_GO" >>"$GT_DIR/node-1.log" 2>&1 &
		pid=$!
		echo "$pid" >"$GT_DIR/node-1.pid"
	}
	run_node true
	wait_http 1
	wait_leader_of 1 10
	[ "$(kv_put_ok 1 keep me)" = 200 ]
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	assert_equal "$rc" 0
	grep -q "SIGTERM: stopping" "$GT_DIR/node-1.log"
	run_node false
	wait_http 1
	wait_leader_of 1 10
	run kv_get 1 keep
	assert_output me
	kill -INT "$pid"
	rc=0
	wait "$pid" || rc=$?
	assert_equal "$rc" 0
	grep -q "SIGINT: stopping" "$GT_DIR/node-1.log"
}

@test "a node of another name on this data dir is refused" {
	node_start 1 true
	wait_http 1
	node_stop 1
	run env GAIA_NODE_ID=intruder GAIA_DATA_DIR="$GT_DIR/node-1" \
		CLUSTER_BIND_ADDR="$(node_raft 1)" CLUSTER_HTTP_ADDR="$(node_api 1)" \
		CLUSTER_METRICS_ADDR="$(node_ip 1):$GT_METRICS_PORT" "$GAIA_GO"
	assert_failure 1
	assert_output --partial "belongs to node 'node-1'"
}

@test "configuration errors name the setting, the value and the line, and exit 2" {
	run env RAFT_ELECTION_TIMEOUT=3x "$GAIA_GO"
	assert_failure 2
	assert_output --partial "RAFT_ELECTION_TIMEOUT"
	assert_output --partial "3x"
	printf 'raft:\n  heartbeat_timeout: 100ms\n  electon_timeout: 1s\n' >"$BATS_TEST_TMPDIR/bad.yaml"
	run "$GAIA_GO" --config "$BATS_TEST_TMPDIR/bad.yaml"
	assert_failure 2
	assert_output --partial "bad.yaml:3"
	assert_output --partial "electon_timeout"
	run "$GAIA_GO" --no-such-flag
	assert_failure 2
	run "$GAIA_GO" --version
	assert_success
	assert_output --partial "gaia_go "
}
