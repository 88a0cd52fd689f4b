#!/usr/bin/env bats
# The disaster-recovery drill, as the runbook (man gaia-snap) has it: a
# 3-node cluster holding 10,000 keys; gaia-snap save; every node stopped
# and its data dir destroyed; gaia-snap restore into a fresh dir; the first
# node bootstrapped on it; the other two joined; then every one of the
# 10,000 keys equal on every node (state digests, key counts, spot checks).

bats_require_minimum_version 1.5.0

KEYS=10000
CLIENTS=16

setup() {
	load common
	cluster_init
	SNAP=$GAIA_TOP/bin/gaia-snap
	BENCH=$GAIA_TOP/bin/gaia-bench
}

teardown() {
	cluster_teardown
}

digest_of() { curl -s -m 10 "http://$(node_api "$1")/api/cluster/digest"; }

# wait_digest N WANT [seconds]: nodes 1..N hold the state whose digest
# document ({digest, keys}) is WANT
wait_digest() {
	local n=$1 want=$2 t=${3:-60} k=0 ok i
	while [ $k -lt $((t * 5)) ]; do
		ok=1
		for i in $(seq 1 "$n"); do
			digest_of "$i" | jq -e --argjson w "$want" '.digest == $w.digest and .keys == $w.keys' \
				>/dev/null 2>&1 || ok=0
		done
		[ $ok = 1 ] && return 0
		sleep 0.2
		k=$((k + 1))
	done
	for i in $(seq 1 "$n"); do echo "node-$i: $(digest_of "$i")" >&2; done
	echo "want: $want" >&2
	return 1
}

# The value gaia-bench's prefill writes to dr-K: client K mod CLIENTS
# writes 100 bytes 'a' + (b + client) mod 26.
expected_value() {
	local c=$(($1 % CLIENTS)) b out=
	for b in $(seq 0 99); do
		out+=$(printf "\\$(printf %03o $((97 + (b + c) % 26)))")
	done
	printf '%s' "$out"
}

# ---- the join step: one place to switch to gaia-join -----------------------
# join_node I LEADER: start node I on an empty data dir and have the cluster
# led by node LEADER add it; returns once it is a voter.
join_node() {
	local i=$1 leader=$2
	node_start "$i" false || return 1
	wait_http "$i" || return 1
	"$GAIA_TOP/bin/gaia-join" --leader-address "$(node_api "$leader")" --node-id "node-$i" \
		--address "$(node_raft "$i")" --api-address "$(node_api "$i")" \
		--wait --wait-timeout 120s >&2 || return 1
	wait_voter "$leader" "$i" 120
}

@test "disaster recovery: 10,000 keys on 3 nodes, save, destroy all, restore, bootstrap, join: every key equal" {
	cluster_up 3
	# 10,000 keys, each written once (gaia-bench's prefill), through all nodes
	run --separate-stderr "$BENCH" --addr "$(node_api 1),$(node_api 2),$(node_api 3)" \
		--op get --keys $KEYS --requests 1 --clients $CLIENTS --key-prefix dr- --timeout 30s
	assert_success
	# plus keys that are not alike: odd bytes, a deleted one, an overwritten one
	kv_put_ok 1 'dr-odd/with%20space%25and%2Bplus' "$(printf 'line1\nline2\ttab')" >/dev/null
	kv_put_ok 1 dr-overwritten first >/dev/null
	kv_put_ok 1 dr-overwritten second >/dev/null
	kv_put_ok 1 dr-deleted gone >/dev/null
	curl -s -m 5 -o /dev/null -X DELETE "http://$(node_api 1)/api/kv/dr-deleted"
	leader=$(wait_leader 3)
	want=$(digest_of "$leader" | jq -c '{digest, keys}')
	jq -e --argjson n $((KEYS + 2)) '.keys == $n' <<<"$want"
	wait_digest 3 "$want" 60

	# the backup, from the leader, checked
	backup=$BATS_TEST_TMPDIR/gaia-backup.snap
	run --separate-stderr "$SNAP" --addr "$(node_api "$leader")" --timeout 60s save "$backup"
	assert_success
	assert_output ''
	run --separate-stderr "$SNAP" inspect --json "$backup"
	assert_success
	jq -e --argjson w "$want" '.keys == $w.keys and .digest == $w.digest
		and (.configuration.members | length) == 3' <<<"$output"

	# the disaster: every node stopped, every data dir gone
	for i in 1 2 3; do
		node_stop "$i"
		rm -rf "$GT_DIR/node-$i"
	done

	# the recovery
	run --separate-stderr "$SNAP" restore "$backup" --data-dir "$GT_DIR/node-1" --node-id node-1
	assert_success
	assert_output ''
	node_start 1 true
	wait_http 1
	wait_leader_of 1 20
	run status_of 1
	jq -e '.leader_id == "node-1" and (.nodes | length) == 1' <<<"$output"
	wait_digest 1 "$want" 10
	join_node 2 1
	join_node 3 1
	run status_of 1
	jq -e '[.nodes[] | select(.voter)] | length == 3' <<<"$output"

	# every key equal on every node: the digest covers every key, value
	# and index
	wait_digest 3 "$want" 120
	for i in 1 2 3; do
		run kv_dump "$i"
		[ "$(jq length <<<"$output")" -eq $((KEYS + 2)) ]
	done
	# and values read back, spot-checked on every node
	for k in 0 1 15 16 4999 5000 9998 9999 $((RANDOM % KEYS)) $((RANDOM % KEYS)); do
		exp=$(expected_value "$k")
		for i in 1 2 3; do
			run kv_get "$i" "dr-$k" consistency=stale
			assert_output "$exp"
		done
	done
	for i in 1 2 3; do
		run kv_get "$i" dr-overwritten consistency=stale
		assert_output second
		run curl -s -o /dev/null -w '%{http_code}' "http://$(node_api "$i")/api/kv/dr-deleted?consistency=stale"
		assert_output 404
		run kv_get "$i" 'dr-odd/with%20space%25and%2Bplus' consistency=stale
		assert_output "$(printf 'line1\nline2\ttab')"
	done

	# the new cluster takes writes and replicates them
	run kv_put_ok 2 after-recovery yes
	assert_output 200
	for i in 1 2 3; do
		n=0
		until [ "$(kv_get "$i" after-recovery consistency=stale)" = yes ] || [ $n -ge 100 ]; do
			sleep 0.1
			n=$((n + 1))
		done
		run kv_get "$i" after-recovery consistency=stale
		assert_output yes
	done
}
