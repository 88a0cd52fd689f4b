#!/usr/bin/env bats
# Snapshots on live clusters: the endpoints, catch-up by InstallSnapshot,
# a node whose raft_logs were deleted, and automatic compaction.

setup() {
	load common
	cluster_init
	export RAFT_TRAILING_LOGS=5 RAFT_WAL_SEGMENT_SIZE=4096
}

teardown() {
	cluster_teardown
}

write_keys() { # NODE FROM TO
	for k in $(seq "$2" "$3"); do kv_put_ok "$1" "key-$k" "value-$k" >/dev/null; done
}

@test "snapshot endpoints: take, status, list, download, prune, log-info" {
	cluster_up 3
	l=$(leader_index 3)
	write_keys "$l" 1 20
	for _ in 1 2 3; do
		http_ok POST "http://$(node_api "$l")/api/cluster/snapshot"
		assert_equal "$status_code" 201
		run jq -c '[(.filename|test("^snapshot_[0-9]+_[0-9]{14}\\.snap$")), (.index|type), (.term|type), (.size_bytes > 0), (.created_at|test("Z$"))]' <<<"$body"
		assert_output '[true,"number","number",true,true]'
		kv_put_ok "$l" more x >/dev/null
		sleep 1.1 # snapshot names carry the second
	done
	run bash -c "curl -s http://$(node_api "$l")/api/cluster/health | jq -c '.last_snapshot.index|type'"
	assert_output '"number"'
	http GET "http://$(node_api "$l")/api/cluster/snapshot-status"
	run jq -c '[.snapshot_count, (.last_snapshot.index|type), (.average_snapshot_size_mb|type), (.log_entries_since_snapshot|type)]' <<<"$body"
	assert_output '[3,"number","number","number"]'
	http GET "http://$(node_api "$l")/api/cluster/snapshots"
	newest=$(jq -r '.[0].filename' <<<"$body")
	run jq -c '[length, (.[0].index >= .[1].index), (.[1].index >= .[2].index), (.[0].size_mb|type)]' <<<"$body"
	assert_output '[3,true,true,"number"]'
	curl -s -o "$BATS_TEST_TMPDIR/dl.snap" "http://$(node_api "$l")/api/cluster/snapshots/$newest"
	cmp "$BATS_TEST_TMPDIR/dl.snap" "$GT_DIR/node-$l/snapshots/$newest"
	http GET "http://$(node_api "$l")/api/cluster/snapshots/snapshot_1_20000101000000.snap"
	assert_equal "$status_code" 404
	http GET "http://$(node_api "$l")/api/cluster/snapshots/..%2Fnode.json"
	assert_equal "$status_code" 400
	http DELETE "http://$(node_api "$l")/api/cluster/snapshots"
	assert_equal "$status_code" 400
	http DELETE "http://$(node_api "$l")/api/cluster/snapshots?keep=1&dry_run=true"
	run jq -c '[(.deleted|length), .kept, .dry_run]' <<<"$body"
	assert_output '[2,1,true]'
	run bash -c "ls '$GT_DIR/node-$l/snapshots/' | grep -c '^snapshot_'"
	assert_output 3
	http DELETE "http://$(node_api "$l")/api/cluster/snapshots?keep=1"
	run jq -c '[(.deleted|length), .kept]' <<<"$body"
	assert_output '[2,1]'
	[ -e "$GT_DIR/node-$l/snapshots/$newest" ]
	http DELETE "http://$(node_api "$l")/api/cluster/snapshots?older_than=0s"
	run jq -c '.kept' <<<"$body"
	assert_output 1
	http GET "http://$(node_api "$l")/api/cluster/log-info"
	run jq -c '[(.first_index|type), (.last_index|type), (.log_size_bytes|type), (.commit_index|type), (.applied_index|type)]' <<<"$body"
	assert_output '["number","number","number","number","number"]'
}

@test "a follower behind the compacted log catches up by InstallSnapshot" {
	cluster_up 3
	l=$(leader_index 3)
	f=$(( l % 3 + 1 ))
	node_kill "$f"
	write_keys "$l" 1 200
	http_ok POST "http://$(node_api "$l")/api/cluster/snapshot"
	assert_equal "$status_code" 201
	write_keys "$l" 201 210
	first=$(curl -s "http://$(node_api "$l")/api/cluster/log-info" | jq .first_index)
	[ "$first" -gt 10 ] # the follower's next entry is gone from the leader's log
	node_start "$f" false
	wait_http "$f"
	wait_same_state 3 20
	grep -q "installed snapshot" "$GT_DIR/node-$f.log"
	run kv_get "$f" key-150 consistency=stale
	assert_output value-150
}

@test "a node whose raft_logs were deleted rejoins and converges" {
	cluster_up 3
	l=$(leader_index 3)
	f=$(( l % 3 + 1 ))
	write_keys "$l" 1 50
	http_ok POST "http://$(node_api "$f")/api/cluster/snapshot"
	write_keys "$l" 51 80
	node_stop "$f"
	rm -rf "$GT_DIR/node-$f/raft_logs"
	node_start "$f" false
	wait_http "$f"
	wait_same_state 3 20
	run kv_get "$f" key-80 consistency=stale
	assert_output value-80
	[ "$(kv_put_ok "$f" after-wipe yes)" = 200 ]
}

@test "raft_logs deleted: the node resumes at its term and vote, kept in node.json, never below" {
	cluster_up 3
	l=$(leader_index 3)
	f=$(( l % 3 + 1 ))
	write_keys "$l" 1 20
	http_ok POST "http://$(node_api "$f")/api/cluster/snapshot"
	# elections after the snapshot: the term moves past the snapshot's
	for _ in 1 2; do
		l=$(leader_index 3)
		t=$(( l % 3 + 1 ))
		[ "$t" = "$f" ] && t=$(( t % 3 + 1 ))
		http_ok POST "http://$(node_api "$l")/api/cluster/force-election?target=node-$t"
		assert_equal "$status_code" 200
	done
	term=$(status_of "$f" | jq -r .term)
	[ "$term" -ge 3 ]
	node_stop "$f"
	jq -e --argjson t "$term" '.term == $t and (.vote | length) == 16' "$GT_DIR/node-$f/node.json"
	rm -rf "$GT_DIR/node-$f/raft_logs"
	node_start "$f" false
	wait_http "$f"
	grep -q "raft_logs were lost; resuming at term $term with its vote" "$GT_DIR/node-$f.log"
	wait_same_state 3 20
	[ "$(kv_put_ok "$f" after-wipe yes)" = 200 ]
}

@test "automatic snapshots under sustained writes keep the log bounded" {
	export RAFT_SNAPSHOT_INTERVAL=1s RAFT_SNAPSHOT_THRESHOLD=50
	cluster_up 3
	l=$(leader_index 3)
	write_keys "$l" 1 400
	sleep 2.5
	run bash -c "curl -s http://$(node_api "$l")/api/cluster/snapshot-status | jq .snapshot_count"
	[ "$output" -ge 2 ]
	info=$(curl -s "http://$(node_api "$l")/api/cluster/log-info")
	echo "$info" >&3
	[ "$(jq .first_index <<<"$info")" -gt 100 ]
	[ "$(jq .log_size_bytes <<<"$info")" -lt 65536 ]
	grep -q "automatic snapshot" "$GT_DIR/node-$l.log"
}

@test "the log-size trigger counts growth since the last snapshot, not the trailing entries kept" {
	export RAFT_SNAPSHOT_INTERVAL=1s RAFT_SNAPSHOT_THRESHOLD=1000000 \
		RAFT_LOG_SIZE_THRESHOLD=4KB RAFT_TRAILING_LOGS=100000
	cluster_up 3
	l=$(leader_index 3)
	write_keys "$l" 1 120 # well past 4KB of log: one snapshot is due
	sleep 1.5
	n1=$(curl -s "http://$(node_api "$l")/api/cluster/snapshot-status" | jq .snapshot_count)
	[ "$n1" -ge 1 ]
	for k in 1 2 3; do kv_put_ok "$l" "trickle-$k" x >/dev/null; sleep 1; done
	n2=$(curl -s "http://$(node_api "$l")/api/cluster/snapshot-status" | jq .snapshot_count)
	echo "snapshots: $n1 then $n2" >&3
	[ "$n2" -le $((n1 + 1)) ]
}
