#!/usr/bin/env bats
# The KV REST API on a live three-node cluster: forwarding, reads
# everywhere, compare-and-set, and bad input that changes nothing.

setup_file() {
	load common
	cluster_init
	cluster_up 3
	echo "$GT_DIR" >"$BATS_FILE_TMPDIR/gt_dir"
	export GT_DIR GT_RAFT_PORT GT_HTTP_PORT GT_METRICS_PORT GT_NFT_TABLE GT_IP_PREFIX
}

teardown_file() {
	load common
	cluster_teardown
}

setup() {
	load common
}

@test "three voters, one leader" {
	run leader_index 3
	assert_success
	for i in 1 2 3; do
		run bash -c "curl -s http://$(node_api 1)/api/cluster/status | jq -r '.nodes[] | select(.id==\"node-$i\") | .voter'"
		assert_output true
	done
	run bash -c "curl -s http://$(node_api 2)/api/cluster/status | jq '[.nodes[] | select(.is_leader)] | length'"
	assert_output 1
	run bash -c "curl -s http://$(node_api 3)/api/cluster/status | jq -r '.peer_count'"
	assert_output 3
}

@test "writes through the leader and through a follower read back on every node" {
	l=$(leader_index 3)
	f=$(( l % 3 + 1 ))
	http_ok PUT "http://$(node_api "$l")/api/kv/alpha" --data-binary one
	assert_equal "$status_code" 200
	run curl -s -D - -o /dev/null -X PUT "http://$(node_api "$f")/api/kv/beta" --data-binary two
	assert_output --partial "200"
	assert_output --partial "X-Gaia-Leader: node-$l"
	for i in 1 2 3; do
		run kv_get "$i" alpha
		assert_output one
		run kv_get "$i" beta
		assert_output two
	done
	wait_same_state 3
}

@test "GET returns the indexes in headers; 404 for a missing key" {
	kv_put_ok 1 gamma three >/dev/null
	run curl -s -D - "http://$(node_api 2)/api/kv/gamma"
	assert_output --partial "X-Gaia-Modify-Index:"
	assert_output --partial "X-Gaia-Create-Index:"
	http GET "http://$(node_api 3)/api/kv/no-such-key"
	assert_equal "$status_code" 404
	run jq -r .error <<<"$body"
	assert_output not_found
}

@test "compare-and-set: create-only, stale index gives 409 and changes nothing" {
	http_ok PUT "http://$(node_api 1)/api/kv/cas-key?cas=0" --data-binary v1
	assert_equal "$status_code" 200
	idx=$(jq -r .modify_index <<<"$body")
	http_ok PUT "http://$(node_api 2)/api/kv/cas-key?cas=0" --data-binary v2
	assert_equal "$status_code" 409
	run jq -r .modify_index <<<"$body"
	assert_output "$idx"
	http_ok PUT "http://$(node_api 3)/api/kv/cas-key?cas=$((idx + 1000))" --data-binary v3
	assert_equal "$status_code" 409
	run kv_get 1 cas-key
	assert_output v1
	http_ok PUT "http://$(node_api 3)/api/kv/cas-key?cas=$idx" --data-binary v4
	assert_equal "$status_code" 200
	run kv_get 2 cas-key
	assert_output v4
	http_ok DELETE "http://$(node_api 2)/api/kv/cas-key?cas=$idx"
	assert_equal "$status_code" 409
	run kv_get 1 cas-key
	assert_output v4
}

@test "delete and prefix listing" {
	for k in list/a list/b list/c other; do kv_put_ok 1 "$k" x >/dev/null; done
	run bash -c "curl -s 'http://$(node_api 2)/api/kv/?prefix=list/' | jq -r '.[].key' | tr '\n' ' '"
	assert_output "list/a list/b list/c "
	http_ok DELETE "http://$(node_api 3)/api/kv/list/b"
	assert_equal "$status_code" 200
	run bash -c "curl -s 'http://$(node_api 1)/api/kv/?prefix=list/&limit=5' | jq -r '.[].key' | tr '\n' ' '"
	assert_output "list/a list/c "
	http_ok DELETE "http://$(node_api 3)/api/kv/list/b"
	assert_equal "$status_code" 404
}

@test "bad JSON, oversized bodies and unknown nodes get 4xx JSON errors and change nothing" {
	before=$(curl -s "http://$(node_api 1)/api/cluster/status" | jq -c '[.nodes[].id]')
	http_ok POST "http://$(node_api 1)/api/cluster/peers" -H 'Content-Type: application/json' -d '{"node_id": '
	assert_equal "$status_code" 400
	run jq -r .error <<<"$body"
	assert_output bad_request
	http_ok POST "http://$(node_api 2)/api/cluster/peers" -d '{"node_id":"x"}'
	assert_equal "$status_code" 400
	http GET "http://$(node_api 1)/api/cluster/peers/node-99"
	assert_equal "$status_code" 404
	http_ok DELETE "http://$(node_api 1)/api/cluster/peers/node-99"
	assert_equal "$status_code" 404
	head -c 3000000 /dev/zero | tr '\0' a >"$BATS_TEST_TMPDIR/big"
	http_ok PUT "http://$(node_api 1)/api/kv/big" --data-binary @"$BATS_TEST_TMPDIR/big"
	assert_equal "$status_code" 413
	http GET "http://$(node_api 1)/api/kv/big"
	assert_equal "$status_code" 404
	after=$(curl -s "http://$(node_api 1)/api/cluster/status" | jq -c '[.nodes[].id]')
	assert_equal "$after" "$before"
}
