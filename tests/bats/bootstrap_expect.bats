#!/usr/bin/env bats
# CLUSTER_BOOTSTRAP_EXPECT=N: nodes started in a random order, at random
# moments, with no operator step, end up as exactly one cluster of N
# voters: every node reports the same cluster id and the same leader.

setup() {
	load common
	source "$BATS_TEST_DIRNAME/../lib/discovery.bash"
	cluster_init
}

teardown() {
	discovery_teardown
}

# start nodes 1..N in a random order with random pauses, all with the
# same list and CLUSTER_BOOTSTRAP_EXPECT=N
expect_up() { # N
	local n=$1 list= order
	for i in $(seq 1 "$n"); do list=$list${list:+,}$(node_raft "$i"); done
	order=$(seq 1 "$n" | shuf)
	echo "start order: $(echo $order)" >&3
	for i in $order; do
		node_start "$i" false CLUSTER_BOOTSTRAP_EXPECT="$n" CLUSTER_DISCOVERY_NODES="$list" \
			CLUSTER_DISCOVERY_REFRESH_RATE=1s
		sleep "0.$((RANDOM % 8))"
	done
	for i in $(seq 1 "$n"); do wait_http "$i"; done
}

check_one_bootstrap() { # N
	local n=$1 boots
	boots=$(grep -l 'bootstrapped a new cluster' "$GT_DIR"/node-*.log | wc -l)
	[ "$boots" = 1 ] || { echo "$boots nodes bootstrapped" >&2; return 1; }
	grep -q 'bootstrapped a new cluster' "$GT_DIR/node-1.log" # the smallest id
	for i in $(seq 2 "$n"); do
		grep -q "bootstrap-expect: .*'node-1' has the smallest id\|bootstrap-expect: waiting for $n nodes" \
			"$GT_DIR/node-$i.log"
	done
}

@test "bootstrap-expect 3, random start order: one cluster" {
	expect_up 3
	wait_one_cluster 3 40
	check_one_bootstrap 3
	[ "$(kv_put_ok 2 k v)" = 200 ]
}

@test "bootstrap-expect 3, another random order: one cluster" {
	expect_up 3
	wait_one_cluster 3 40
	check_one_bootstrap 3
}

@test "bootstrap-expect 5, random start order: one cluster" {
	expect_up 5
	wait_one_cluster 5 60
	check_one_bootstrap 5
	[ "$(kv_put_ok 5 k v)" = 200 ]
}

@test "bootstrap-expect: fewer nodes than expected wait, and say so" {
	list=$(node_raft 1),$(node_raft 2),$(node_raft 3)
	node_start 2 false CLUSTER_BOOTSTRAP_EXPECT=3 CLUSTER_DISCOVERY_NODES="$list" CLUSTER_DISCOVERY_REFRESH_RATE=1s
	node_start 3 false CLUSTER_BOOTSTRAP_EXPECT=3 CLUSTER_DISCOVERY_NODES="$list" CLUSTER_DISCOVERY_REFRESH_RATE=1s
	wait_http 2
	wait_http 3
	wait_log "$GT_DIR/node-2.log" 'bootstrap-expect: waiting for 3 nodes, found 2 \(this one, node-3\)'
	sleep 2
	! grep -q 'bootstrapped' "$GT_DIR/node-2.log" "$GT_DIR/node-3.log"
	run status_of 2
	assert_output --partial '"node_state"'
	node_start 1 false CLUSTER_BOOTSTRAP_EXPECT=3 CLUSTER_DISCOVERY_NODES="$list" CLUSTER_DISCOVERY_REFRESH_RATE=1s
	wait_http 1
	wait_one_cluster 3 40
	check_one_bootstrap 3
}

@test "bootstrap-expect 3 with DNS discovery, random start order: one cluster" {
	dns_start $(dns_srv_records 1 2 3)
	for i in $(seq 1 3 | shuf); do
		node_start "$i" false CLUSTER_BOOTSTRAP_EXPECT=3 CLUSTER_DISCOVERY_TYPE=dns \
			CLUSTER_DISCOVERY_DOMAIN=$DNS_DOMAIN CLUSTER_DISCOVERY_DNS_SERVER="$(dns_addr)" \
			CLUSTER_DISCOVERY_REFRESH_RATE=1s
		sleep "0.$((RANDOM % 8))"
	done
	for i in 1 2 3; do wait_http "$i"; done
	wait_one_cluster 3 40
	check_one_bootstrap 3
}
