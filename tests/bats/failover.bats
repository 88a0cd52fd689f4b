#!/usr/bin/env bats
# Failures of real processes: kill -9 of the leader, SIGTERM of the
# leader, a partitioned minority, and a restarted node catching up.

setup() {
	load common
	cluster_init
	cluster_up 3
}

teardown() {
	cluster_teardown
}

# Writes every 20 ms to node I for S seconds; prints the longest stretch
# of failing writes in ms.
longest_outage() {
	local i=$1 s=$2 end fail_start=0 worst=0 now code k=0
	end=$(($(date +%s%N) / 1000000 + s * 1000))
	while :; do
		now=$(($(date +%s%N) / 1000000))
		[ "$now" -lt "$end" ] || break
		code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' -X PUT \
			"http://$(node_api "$i")/api/kv/load-$k" --data-binary "v$k")
		k=$((k + 1))
		if [ "$code" = 200 ]; then
			if [ "$fail_start" != 0 ]; then
				[ $((now - fail_start)) -gt "$worst" ] && worst=$((now - fail_start))
				fail_start=0
			fi
		else
			[ "$fail_start" = 0 ] && fail_start=$now
		fi
		sleep 0.02
	done
	[ "$fail_start" != 0 ] && worst=999999
	echo "$worst"
}

@test "kill -9 of the leader: a new leader takes writes within 2 s; the node restarts and catches up" {
	for k in $(seq 1 20); do kv_put_ok 1 "before-$k" "v$k" >/dev/null; done
	l=$(leader_index 3)
	other=$(( l % 3 + 1 ))
	t0=$(date +%s%N)
	node_kill "$l"
	ok=0
	for _ in $(seq 1 100); do
		[ "$(kv_put "$other" after x)" = 200 ] && { ok=1; break; }
		sleep 0.02
	done
	t1=$(date +%s%N)
	assert_equal "$ok" 1
	elapsed=$(( (t1 - t0) / 1000000 ))
	echo "new leader took a write after ${elapsed} ms" >&3
	[ "$elapsed" -lt 2000 ]
	node_start "$l" false
	wait_http "$l"
	wait_same_state 3 15
	run kv_get "$l" after consistency=stale
	assert_output x
}

@test "SIGTERM on the leader hands leadership over: writes fail for under 500 ms" {
	l=$(leader_index 3)
	other=$(( l % 3 + 1 ))
	longest_outage "$other" 3 >"$BATS_TEST_TMPDIR/outage" &
	bg=$!
	sleep 1
	node_stop "$l"
	wait "$bg"
	worst=$(cat "$BATS_TEST_TMPDIR/outage")
	echo "longest write outage: ${worst} ms" >&3
	[ "$worst" -lt 500 ]
	run leader_index 3
	assert_success
	grep -q "handing leadership over" "$GT_DIR/node-$l.log"
}

@test "a partitioned minority answers writes with 503; the majority keeps writing; they converge after healing" {
	[ "$(id -u)" = 0 ] || skip "partitions need root (nft)"
	l=$(leader_index 3)
	# isolate the leader from both followers
	for i in 1 2 3; do [ "$i" != "$l" ] && part_block "$l" "$i"; done
	f=$(( l % 3 + 1 ))
	ok=0
	for _ in $(seq 1 150); do
		[ "$(kv_put "$f" majority yes)" = 200 ] && { ok=1; break; }
		sleep 0.02
	done
	assert_equal "$ok" 1
	# the old leader steps down (CheckQuorum) and refuses writes
	code=0
	for _ in $(seq 1 100); do
		code=$(kv_put "$l" minority no)
		[ "$code" = 503 ] && break
		sleep 0.05
	done
	assert_equal "$code" 503
	part_heal
	wait_same_state 3 15
	run kv_get "$l" majority consistency=stale
	assert_output yes
	run kv_get "$f" minority
	assert_output --partial not_found
}
