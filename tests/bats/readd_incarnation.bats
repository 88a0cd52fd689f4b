#!/usr/bin/env bats
# A node removed and added again is a new incarnation with its own Raft id:
# an old copy of the removed node (its data dir, kept aside, never wiped)
# started again is refused by name, never counts as the member of that
# name, and the cluster goes on with the new incarnation.

setup() {
	load common
	cluster_init
	cluster_up 3
}

teardown() {
	cluster_teardown
}

# start node-V's kept-aside data dir as slot 9 (its own loopback address,
# recorded by pid in node-9.pid like every other node)
old_copy_start() { # V
	local v=$1 s=9
	env GAIA_NODE_ID="node-$v" GAIA_DATA_DIR="$GT_DIR/old-node-$v" \
		CLUSTER_BOOTSTRAP=false \
		CLUSTER_BIND_ADDR="$(node_raft "$s")" CLUSTER_ADVERTISE_ADDR="$(node_raft "$s")" \
		CLUSTER_HTTP_ADDR="$(node_api "$s")" \
		CLUSTER_METRICS_ADDR="$(node_ip "$s"):$GT_METRICS_PORT" \
		RAFT_HEARTBEAT_TIMEOUT="${GT_HEARTBEAT:-150ms}" \
		RAFT_ELECTION_TIMEOUT="${GT_ELECTION:-300ms}" \
		GAIA_LOG_LEVEL=info "$GAIA_GO" >>"$GT_DIR/node-$s.log" 2>&1 &
	echo $! >"$GT_DIR/node-$s.pid"
}

# the raft id a node's data dir holds (node.json), or the name's first
raft_id_of() { jq -r '.raft_id // "first"' "$1/node.json"; }

@test "an old copy of a removed and re-added node is refused by name; the new incarnation stays the member" {
	l=$(leader_index 3)
	v=$(( l % 3 + 1 ))
	o=$(( v % 3 + 1 ))
	[ "$o" = "$l" ] && o=$(( o % 3 + 1 ))
	[ "$(kv_put_ok "$l" before yes)" = 200 ]
	wait_same_state 3 10

	# node-v goes away; a copy of its data dir is kept aside, never wiped
	node_stop "$v"
	cp -a "$GT_DIR/node-$v" "$GT_DIR/old-node-$v"
	http DELETE "http://$(node_api "$l")/api/cluster/peers/node-$v?force=true"
	assert_equal "$status_code" 200

	# back with its old data it learns it was removed; the reset wipes it
	# and it joins again, as a new incarnation
	node_start "$v" false
	wait_http "$v"
	for _ in $(seq 1 60); do
		status_of "$v" | jq -e '.node_state == "removed"' >/dev/null && break
		sleep 0.1
	done
	http POST "http://$(node_api "$v")/api/cluster/rejoin" -d "{\"reset\": true, \"leader_address\": \"$(node_api "$l")\"}"
	assert_equal "$status_code" 200
	wait_voter "$l" "$v" 30
	[ "$(kv_put_ok "$l" after-readd yes)" = 200 ]
	wait_same_state 3 10

	# the old copy starts again, elsewhere: every member refuses it by name
	old_copy_start "$v"
	wait_http 9
	for _ in $(seq 1 100); do
		grep -q "refused node 'node-$v' (incarnation" "$GT_DIR/node-$l.log" &&
			grep -q "refused node 'node-$v' (incarnation" "$GT_DIR/node-$o.log" && break
		sleep 0.1
	done
	run grep -h "refused node 'node-$v' (incarnation" "$GT_DIR/node-$l.log" "$GT_DIR/node-$o.log"
	assert_success
	assert_output --partial "it was removed"
	for _ in $(seq 1 60); do
		status_of 9 | jq -e '.node_state == "removed"' >/dev/null && break
		sleep 0.1
	done
	run bash -c "curl -s http://$(node_api 9)/api/cluster/status | jq -r .node_state"
	assert_output removed
	run grep -h "removed and replaced" "$GT_DIR/node-9.log"
	assert_success

	# several election timeouts later: the peers list names the new
	# incarnation only, at its own address; writes go on
	sleep 2
	run bash -c "curl -s http://$(node_api "$l")/api/cluster/peers | jq -r '.[] | \"\\(.id) \\(.address)\"' | sort"
	assert_output "$(for i in 1 2 3; do echo "node-$i $(node_raft "$i")"; done)"
	run bash -c "curl -s http://$(node_api "$o")/api/cluster/status | jq -r '[.nodes[] | .id + \" \" + .address] | sort | join(\",\")'"
	assert_output "$(for i in 1 2 3; do printf '%s' "node-$i $(node_raft "$i")"; [ "$i" = 3 ] || printf ','; done)"
	[ "$(kv_put_ok "$l" after-old-copy yes)" = 200 ]
	wait_same_state 3 10
	assert_equal "$(kv_get "$v" after-old-copy consistency=stale)" yes
	run kv_get 9 after-old-copy consistency=stale
	refute_output yes
	# the new incarnation's Raft id, kept in node.json, is not the old one's
	old_id=$(raft_id_of "$GT_DIR/old-node-$v")
	new_id=$(raft_id_of "$GT_DIR/node-$v")
	[ "$new_id" != first ]
	[ "$new_id" != "$old_id" ]
}

@test "a node emptied by hand and added back with gaia-join is reset by the leader to a new incarnation" {
	l=$(leader_index 3)
	v=$(( l % 3 + 1 ))
	node_stop "$v"
	http DELETE "http://$(node_api "$l")/api/cluster/peers/node-$v?force=true"
	assert_equal "$status_code" 200
	# an empty data dir: the name's first incarnation, which was removed
	rm -rf "$GT_DIR/node-$v"
	node_start "$v" false
	wait_http "$v"
	run "$GAIA_TOP/bin/gaia-join" --leader-address "$(node_api "$l")" --node-id "node-$v" \
		--address "$(node_raft "$v")" --api-address "$(node_api "$v")" --wait --wait-timeout 30s
	assert_success
	grep -q "node 'node-$v' at $(node_raft "$v") answered with a removed incarnation and no cluster: asked it to reset to a new one$" "$GT_DIR/node-$l.log"
	grep -q "reset: Raft data and snapshots wiped" "$GT_DIR/node-$v.log"
	wait_voter "$l" "$v" 30
	[ "$(raft_id_of "$GT_DIR/node-$v")" != first ]
	[ "$(kv_put_ok "$l" after-reset yes)" = 200 ]
	wait_same_state 3 10
}
