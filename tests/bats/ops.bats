#!/usr/bin/env bats
# The operator's endpoints on a live cluster: health, figures, digest,
# forced election, rejoin, and the Prometheus exposition.

setup_file() {
	load common
	cluster_init
	cluster_up 3
	export GT_DIR GT_RAFT_PORT GT_HTTP_PORT GT_METRICS_PORT GT_NFT_TABLE GT_IP_PREFIX
}

teardown_file() {
	load common
	cluster_teardown
}

setup() {
	load common
}

@test "health: a healthy cluster, seen from a follower as from the leader" {
	l=$(leader_index 3)
	f=$(( l % 3 + 1 ))
	for i in "$l" "$f"; do
		# a late heartbeat on a loaded machine shows as "degraded" for a
		# moment: look a few times
		for _ in $(seq 1 30); do
			run bash -c "curl -s http://$(node_api "$i")/api/cluster/health | jq -c '[.cluster_status, .peer_count, .healthy_peers, .unhealthy_peers, (.term|type), (.last_log_index|type)]'"
			[ "$output" = '["healthy",3,3,0,"number","number"]' ] && break
			sleep 0.1
		done
		assert_output '["healthy",3,3,0,"number","number"]'
	done
}

@test "metrics JSON of one node" {
	run bash -c "curl -s http://$(node_api 2)/api/cluster/metrics | jq -c '[(.node_id), (.is_leader|type), (.term|type), (.match_index|type), (.next_index|type), (.state|type)]'"
	assert_output '["node-2","boolean","number","number","number","string"]'
}

@test "every node holds the same state digest once writes settle" {
	for k in $(seq 1 20); do kv_put_ok 1 "d-$k" "v$k" >/dev/null; done
	for _ in $(seq 1 50); do
		a=$(curl -s "http://$(node_api 1)/api/cluster/digest" | jq -c .)
		b=$(curl -s "http://$(node_api 2)/api/cluster/digest" | jq -c .)
		c=$(curl -s "http://$(node_api 3)/api/cluster/digest" | jq -c .)
		[ "$a" = "$b" ] && [ "$b" = "$c" ] && break
		sleep 0.1
	done
	assert_equal "$a" "$b"
	assert_equal "$b" "$c"
	run jq -r .keys <<<"$a"
	[ "$output" -ge 20 ]
}

@test "force-election moves leadership to the target; a follower forwards it" {
	l=$(leader_index 3)
	t=$(( l % 3 + 1 ))
	f=$(( t % 3 + 1 ))
	http_ok POST "http://$(node_api "$f")/api/cluster/force-election?target=node-$t"
	assert_equal "$status_code" 200
	run jq -r .leader_id <<<"$body"
	assert_output "node-$t"
	run bash -c "curl -s http://$(node_api "$l")/api/cluster/status | jq -r .leader_id"
	assert_output "node-$t"
	http POST "http://$(node_api 1)/api/cluster/force-election?target=node-99"
	assert_equal "$status_code" 404
}

@test "rejoin on a member reconnects and says so" {
	http POST "http://$(node_api 2)/api/cluster/rejoin" -d '{"leader_address":"x"}'
	assert_equal "$status_code" 200
	run jq -r .node_state <<<"$body"
	assert_output running
	http POST "http://$(node_api 2)/api/cluster/rejoin" -d '{"leader_address": '
	assert_equal "$status_code" 400
	# reset is only for a removed node: a member is not wiped
	http POST "http://$(node_api 2)/api/cluster/rejoin" -d '{"reset": true}'
	assert_equal "$status_code" 409
	run jq -r .message <<<"$body"
	assert_output --partial "only applies to a removed node"
	run bash -c "curl -s http://$(node_api 2)/api/cluster/status | jq -r .node_state"
	assert_output running
}

@test "Prometheus exposition: names of the design, one leader, promtool clean" {
	leaders=0
	for i in 1 2 3; do
		curl -s "http://$(node_ip "$i"):$GT_METRICS_PORT/metrics" >"$BATS_TEST_TMPDIR/m$i"
		for name in raft_leader_elections_total 'raft_log_index{type="first"}' \
			'raft_log_index{type="last"}' raft_applied_index raft_commit_index raft_term \
			raft_is_leader 'raft_state_machine_ops_total{op="put"}' raft_log_size_bytes \
			raft_unhealthy_peers raft_wal_fsync_seconds_bucket raft_commit_latency_seconds_count \
			gaia_http_requests_total 'raft_invalid_messages_total{type="Append"} 0' \
			'raft_invalid_messages_total{type="SnapshotResp"} 0'; do
			grep -qF "$name" "$BATS_TEST_TMPDIR/m$i" || { echo "node-$i lacks $name"; return 1; }
		done
		v=$(awk '$1 == "raft_is_leader" {print $2}' "$BATS_TEST_TMPDIR/m$i")
		leaders=$((leaders + v))
		if command -v promtool >/dev/null; then
			run promtool check metrics <"$BATS_TEST_TMPDIR/m$i"
			assert_success
		fi
	done
	assert_equal "$leaders" 1
	l=$(leader_index 3)
	grep -q 'raft_peer_lag{peer="node-' "$BATS_TEST_TMPDIR/m$l"
	command -v promtool >/dev/null || skip "promtool is not installed: exposition not linted"
}

@test "the example Prometheus configuration and alert rules load" {
	command -v promtool >/dev/null || skip "promtool is not installed"
	run promtool check rules "$GAIA_TOP/examples/prometheus/raft_alerts.yml"
	assert_success
	assert_output --partial "6 rules found"
	run promtool check config "$GAIA_TOP/examples/prometheus/prometheus.yml"
	assert_success
}
