#!/usr/bin/env bats
# Membership on real processes: a node added under load becomes a voter,
# removal, nodes that must be refused, a removed node reset and re-added,
# and the peers' view of a follower left alone.

setup() {
	load common
	cluster_init
	cluster_up 3
}

teardown() {
	cluster_teardown
}

@test "a 4th node added under write load catches up and becomes a voter" {
	( for k in $(seq 1 300); do kv_put_ok 1 "load-$k" "value-$k" >/dev/null; done; true ) &
	load=$!
	node_start 4 false
	wait_http 4
	run add_node 4
	assert_output --partial '"node-4"'
	wait_voter 1 4 30
	wait "$load"
	wait_same_state 4 20
	run kv_get 4 load-300 consistency=stale
	assert_output value-300
}

@test "removing a running peer; it stays out until wiped, even restarted or re-added; rejoin reset brings it back" {
	l=$(leader_index 3)
	victim=$(( l % 3 + 1 ))
	http DELETE "http://$(node_api "$l")/api/cluster/peers/node-$victim"
	assert_equal "$status_code" 200
	run bash -c "curl -s http://$(node_api "$l")/api/cluster/status | jq -r '[.nodes[].id] | join(\" \")'"
	refute_output --partial "node-$victim"
	[ "$(kv_put_ok "$l" after-remove yes)" = 200 ]
	for _ in $(seq 1 50); do
		status_of "$victim" | jq -e '.node_state == "removed"' >/dev/null && break
		sleep 0.1
	done
	run bash -c "curl -s http://$(node_api "$victim")/api/cluster/status | jq -r .node_state"
	assert_output removed
	# rejoin without reset: 409 naming the way back
	http POST "http://$(node_api "$victim")/api/cluster/rejoin"
	assert_equal "$status_code" 409
	run jq -r .message <<<"$body"
	assert_output --partial '"reset": true'
	# restarted with its old data, it still knows it was removed
	node_stop "$victim"
	node_start "$victim" false
	wait_http "$victim"
	run bash -c "curl -s http://$(node_api "$victim")/api/cluster/status | jq -r .node_state"
	assert_output removed
	# added back while its old data is there: the leader asks the node who
	# it is, and the removed node's answer (it keeps out until wiped) keeps
	# it out of the configuration
	http POST "http://$(node_api "$l")/api/cluster/peers" -d "{\"node_id\":\"node-$victim\",\"address\":\"$(node_raft "$victim")\",\"api_address\":\"$(node_api "$victim")\"}"
	assert_equal "$status_code" 409
	run jq -r .message <<<"$body"
	assert_output --partial '"reset": true'
	run bash -c "curl -s http://$(node_api "$l")/api/cluster/status | jq -r '[.nodes[].id] | join(\" \")'"
	refute_output --partial "node-$victim"
	sleep 1.5
	run bash -c "curl -s http://$(node_api "$victim")/api/cluster/status | jq -r .node_state"
	assert_output removed
	run kv_get "$victim" after-remove consistency=stale
	refute_output yes
	is_voter "$l" "$victim" && false
	# rejoin reset: wipes its Raft data and joins it again as a learner,
	# then a voter holding the cluster's data
	http POST "http://$(node_api "$victim")/api/cluster/rejoin" -d '{"reset": true}'
	assert_equal "$status_code" 200
	run jq -r .action <<<"$body"
	assert_output --partial "wiping Raft data"
	wait_voter "$l" "$victim" 30
	for _ in $(seq 1 100); do
		[ "$(kv_get "$victim" after-remove consistency=stale)" = yes ] && break
		sleep 0.1
	done
	assert_equal "$(kv_get "$victim" after-remove consistency=stale)" yes
	run bash -c "curl -s http://$(node_api "$victim")/api/cluster/status | jq -r .node_state"
	refute_output removed
	[ ! -e "$GT_DIR/node-$victim/removed" ]
	grep -q "reset: Raft data and snapshots wiped" "$GT_DIR/node-$victim.log"
	[ "$(kv_put_ok "$l" after-readd yes)" = 200 ]
	wait_same_state 3 10
}

@test "a node of another cluster is refused at the handshake" {
	# node 5 bootstraps its own cluster; node-1's cluster is told to add it
	node_start 5 true
	wait_http 5
	add_node 5 >/dev/null
	for _ in $(seq 1 40); do
		grep -q "cluster id" "$GT_DIR/node-5.log" && break
		sleep 0.1
	done
	run grep -h "cluster id" "$GT_DIR/node-5.log"
	assert_output --partial "differs"
	run bash -c "curl -s http://$(node_api 5)/api/cluster/status | jq -r .peer_count"
	assert_output 1
}

@test "the leader leaves: leadership moves first, then it is removed" {
	l=$(leader_index 3)
	http DELETE "http://$(node_api "$l")/api/cluster/self"
	assert_equal "$status_code" 200
	grep -q "handing leadership over first" "$GT_DIR/node-$l.log"
	other=$(( l % 3 + 1 ))
	run bash -c "curl -s http://$(node_api "$other")/api/cluster/status | jq -r '[.nodes[].id] | join(\" \")'"
	refute_output --partial "node-$l"
	[ "$(kv_put_ok "$other" after-leave yes)" = 200 ]
}

@test "force removal of a dead node; when it returns it is refused and the leader's term stays" {
	l=$(leader_index 3)
	dead=$(( l % 3 + 1 ))
	node_kill "$dead"
	http DELETE "http://$(node_api "$l")/api/cluster/peers/node-$dead"
	[ "$status_code" = 409 ] || [ "$status_code" = 200 ]
	if [ "$status_code" = 409 ]; then
		run jq -r .message <<<"$body"
		assert_output --partial "force=true"
		http DELETE "http://$(node_api "$l")/api/cluster/peers/node-$dead?force=true"
		assert_equal "$status_code" 200
	fi
	term=$(status_of "$l" | jq -r .term)
	node_start "$dead" false
	wait_http "$dead"
	for _ in $(seq 1 60); do
		status_of "$dead" | jq -e '.node_state == "removed"' >/dev/null && break
		sleep 0.1
	done
	run bash -c "curl -s http://$(node_api "$dead")/api/cluster/status | jq -r .node_state"
	assert_output removed
	sleep 1.5 # several election timeouts: the returned node must not disturb anyone
	assert_equal "$(status_of "$l" | jq -r .term)" "$term"
	assert_equal "$(status_of "$l" | jq -r .role)" leader
	grep -q "was removed" "$GT_DIR/node-$l.log"
	# the way back: wiped by rejoin reset (here through gaiactl), added again
	# under the same name, as a new incarnation
	run "$GAIA_TOP/bin/gaiactl" -a "$(node_api "$dead")" rejoin "$(node_api "$l")"
	assert_failure 1
	assert_output --partial '"reset": true'
	run "$GAIA_TOP/bin/gaiactl" -a "$(node_api "$dead")" --json rejoin --reset "$(node_api "$l")"
	assert_success
	run jq -r .action <<<"$output"
	assert_output --partial "via $(node_api "$l")"
	wait_voter "$l" "$dead" 30
	[ "$(kv_put_ok "$l" back yes)" = 200 ]
	wait_same_state 3 10
}

@test "peers: the leader's view is fresh; a follower without a leader answers its own, marked stale" {
	l=$(leader_index 3)
	f=$(( l % 3 + 1 ))
	run bash -c "curl -s http://$(node_api "$f")/api/cluster/peers | jq -c '[.[].stale] | unique'"
	assert_output '[false]'
	run bash -c "curl -s 'http://$(node_api "$f")/api/cluster/peers?stale=true' | jq -c '[.[].stale] | unique'"
	assert_output '[true]'
	run bash -c "curl -s http://$(node_api "$f")/api/cluster/peers/node-$l | jq -c .stale"
	assert_output false
	for i in 1 2 3; do
		[ "$i" = "$f" ] || node_kill "$i"
	done
	sleep 1
	run bash -c "curl -s -m 5 http://$(node_api "$f")/api/cluster/peers | jq -c '[.[].stale] | unique'"
	assert_output '[true]'
	run bash -c "curl -s -m 5 http://$(node_api "$f")/api/cluster/peers | jq -r '.[] | select(.is_self | not) | .state' | sort -u"
	assert_output unknown
}

@test "a node added back leads; a member that was down during the re-add follows it" {
	# a fourth node, so that one can be down while a quorum goes on
	node_start 4 false
	wait_http 4
	add_node 4 >/dev/null
	wait_voter 1 4 30
	l=$(leader_index 4)
	v=$(( l % 4 + 1 ))
	s=$(( v % 4 + 1 ))
	[ "$s" = "$l" ] && s=$(( s % 4 + 1 ))
	http DELETE "http://$(node_api "$l")/api/cluster/peers/node-$v"
	assert_equal "$status_code" 200
	for _ in $(seq 1 50); do
		status_of "$v" | jq -e '.node_state == "removed"' >/dev/null && break
		sleep 0.1
	done
	node_stop "$s" # it knows node-$v as removed, and will miss the re-add
	http POST "http://$(node_api "$v")/api/cluster/rejoin" -d '{"reset": true}'
	assert_equal "$status_code" 200
	wait_voter "$l" "$v" 30
	http_ok POST "http://$(node_api "$l")/api/cluster/force-election?target=node-$v"
	assert_equal "$status_code" 200
	run jq -r .leader_id <<<"$body"
	assert_output "node-$v"
	[ "$(kv_put_ok "$v" under-readded-leader yes)" = 200 ]
	node_start "$s" false
	wait_http "$s"
	for _ in $(seq 1 100); do
		[ "$(kv_get "$s" under-readded-leader consistency=stale)" = yes ] && break
		sleep 0.1
	done
	assert_equal "$(kv_get "$s" under-readded-leader consistency=stale)" yes
	run bash -c "curl -s http://$(node_api "$s")/api/cluster/status | jq -r .leader_id"
	assert_output "node-$v"
	run bash -c "curl -s http://$(node_api "$v")/api/cluster/status | jq -r .node_state"
	refute_output removed
}

@test "a reset whose re-add keeps failing still stops at once on SIGTERM" {
	l=$(leader_index 3)
	v=$(( l % 3 + 1 ))
	http DELETE "http://$(node_api "$l")/api/cluster/peers/node-$v"
	assert_equal "$status_code" 200
	for _ in $(seq 1 50); do
		status_of "$v" | jq -e '.node_state == "removed"' >/dev/null && break
		sleep 0.1
	done
	# nothing answers there: the node retries its re-add every second
	http POST "http://$(node_api "$v")/api/cluster/rejoin" -d "{\"reset\": true, \"leader_address\": \"$(node_ip "$v"):1\"}"
	assert_equal "$status_code" 200
	wait_http "$v"
	sleep 1.5
	start=$(date +%s%N)
	node_stop "$v"
	elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
	echo "stopped in $elapsed_ms ms" >&3
	[ "$elapsed_ms" -lt 5000 ]
	grep -q "re-add not accepted yet" "$GT_DIR/node-$v.log"
}

@test "two members removed and added back, then every node restarted: they reach each other again" {
	l=$(leader_index 3)
	a=$(( l % 3 + 1 ))
	b=$(( a % 3 + 1 ))
	for v in "$a" "$b"; do
		l=$(wait_leader 3)
		http DELETE "http://$(node_api "$l")/api/cluster/peers/node-$v"
		assert_equal "$status_code" 200
		for _ in $(seq 1 50); do
			status_of "$v" | jq -e '.node_state == "removed"' >/dev/null && break
			sleep 0.1
		done
		http POST "http://$(node_api "$v")/api/cluster/rejoin" -d '{"reset": true}'
		assert_equal "$status_code" 200
		wait_voter "$l" "$v" 30
	done
	# every node replays the old removals from its log at start: the
	# members re-added since must stay reachable
	for i in 1 2 3; do node_kill "$i"; echo "--- restart" >>"$GT_DIR/node-$i.log"; done
	for i in 1 2 3; do node_start "$i" false; done
	for i in 1 2 3; do wait_http "$i"; done
	# no member is dropped from a transport's address book
	for i in 1 2 3; do
		if sed -n '/^--- restart/,$p' "$GT_DIR/node-$i.log" | grep "forgetting node"; then
			echo "node-$i forgot a member at its restart"
			return 1
		fi
	done
	l=$(wait_leader 3 20)
	http_ok POST "http://$(node_api "$l")/api/cluster/force-election?target=node-$a"
	[ "$(kv_put_ok "$a" after-restart yes)" = 200 ]
	for i in 1 2 3; do
		for _ in $(seq 1 100); do
			[ "$(kv_get "$i" after-restart consistency=stale)" = yes ] && break
			sleep 0.1
		done
		assert_equal "$(kv_get "$i" after-restart consistency=stale)" yes
	done
}
