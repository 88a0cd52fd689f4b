#!/usr/bin/env bats
# Snapshot operations beyond snapshots.bats, on live clusters: prune
# semantics (keep, older_than, dry_run, what is refused), a POST while a
# snapshot is being written (409, in_progress, writes go on), download
# details, a follower far behind a leader that snapshots automatically,
# and a node wiped again and again, down to a quiet leader (no write
# since) that must still notice and resend everything.

setup() {
	load common
	cluster_init
}

teardown() {
	cluster_teardown
}

base() { echo "http://$(node_api "$1")"; }
log_info() { curl -s -m 5 "$(base "$1")/api/cluster/log-info"; }
snap_status() { curl -s -m 5 "$(base "$1")/api/cluster/snapshot-status"; }
snap_list() { curl -s -m 5 "$(base "$1")/api/cluster/snapshots"; }

# load_keys I PREFIX FROM TO [VALUE]: PUT PREFIX<k> for k in FROM..TO
# through node I, 16 at a time from one curl process
load_keys() {
	local i=$1 prefix=$2 from=$3 to=$4 value=${5:-v} cfg
	cfg=$(mktemp "$BATS_TEST_TMPDIR/curl.XXXXXX")
	for k in $(seq "$from" "$to"); do
		printf 'url = "%s/api/kv/%s%s"\n' "$(base "$i")" "$prefix" "$k"
	done >"$cfg"
	curl -s --no-progress-meter -m 120 -Z --parallel-max 16 -X PUT --data-binary "$value" -K "$cfg" >/dev/null
}

# wait_for SECONDS COMMAND...: until the command succeeds
wait_for() {
	local t=$1 n=0
	shift
	while [ $n -lt $((t * 10)) ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}

@test "DELETE /snapshots: keep, older_than, dry_run; never the newest; 400 without a criterion" {
	node_start 1 true
	wait_http 1
	wait_leader_of 1 10
	for round in 1 2 3 4; do
		load_keys 1 "r$round-" 1 5
		http POST "$(base 1)/api/cluster/snapshot"
		assert_equal "$status_code" 201
	done
	mapfile -t files < <(snap_list 1 | jq -r '.[].filename')
	assert_equal "${#files[@]}" 4
	# newest first, by index
	snap_list 1 | jq -e '[.[].index] as $i | $i == ($i | sort | reverse)'

	for q in "" "?dry_run=true" "?keep=0" "?keep=x" "?older_than=" "?older_than=7" "?older_than=7x"; do
		http DELETE "$(base 1)/api/cluster/snapshots$q"
		assert_equal "$status_code" 400
		echo "$body" | jq -e '.error == "bad_request" and (.message | length > 0)'
	done

	http DELETE "$(base 1)/api/cluster/snapshots?keep=2&dry_run=true"
	assert_equal "$status_code" 200
	echo "$body" | jq -e --arg a "${files[2]}" --arg b "${files[3]}" \
		'.deleted == [$a, $b] and .kept == 2 and .dry_run == true'
	[ "$(snap_list 1 | jq length)" = 4 ]
	[ -f "$GT_DIR/node-1/snapshots/${files[3]}" ]

	http DELETE "$(base 1)/api/cluster/snapshots?older_than=7d"
	assert_equal "$status_code" 200
	echo "$body" | jq -e '.deleted == [] and .kept == 4'

	http DELETE "$(base 1)/api/cluster/snapshots?keep=3"
	assert_equal "$status_code" 200
	echo "$body" | jq -e --arg d "${files[3]}" '.deleted == [$d] and .kept == 3'
	[ ! -e "$GT_DIR/node-1/snapshots/${files[3]}" ]

	# older than 1 s (whole seconds): all of them by now, but the newest stays
	sleep 2.1
	http DELETE "$(base 1)/api/cluster/snapshots?older_than=1s"
	assert_equal "$status_code" 200
	echo "$body" | jq -e --arg a "${files[1]}" --arg b "${files[2]}" '.deleted == [$a, $b] and .kept == 1'
	snap_list 1 | jq -e --arg f "${files[0]}" 'length == 1 and .[0].filename == $f'
	http DELETE "$(base 1)/api/cluster/snapshots?keep=1"
	echo "$body" | jq -e '.deleted == [] and .kept == 1'
	snap_status 1 | jq -e '.snapshot_count == 1'
	grep -q "pruned" "$GT_DIR/node-1.log"
}

@test "POST /snapshot with nothing applied since the latest answers with the latest (no second file at that index)" {
	node_start 1 true
	wait_http 1
	wait_leader_of 1 10
	load_keys 1 same- 1 10
	http POST "$(base 1)/api/cluster/snapshot"
	assert_equal "$status_code" 201
	first=$(echo "$body" | jq -r .filename)
	idx=$(echo "$body" | jq -r .index)
	sleep 1.1 # a new file would get another name (its time, to the second)
	http POST "$(base 1)/api/cluster/snapshot"
	assert_equal "$status_code" 201
	assert_equal "$(echo "$body" | jq -r .filename)" "$first"
	assert_equal "$(echo "$body" | jq -r .index)" "$idx"
	snap_list 1 | jq -e 'length == 1'
	# after a write, a new one is taken
	load_keys 1 more- 1 1
	http POST "$(base 1)/api/cluster/snapshot"
	assert_equal "$status_code" 201
	[ "$(echo "$body" | jq -r .filename)" != "$first" ]
	snap_list 1 | jq -e 'length == 2'
}

@test "POST /snapshot while one is being written: 409; snapshot-status says in_progress" {
	command -v strace >/dev/null || skip "needs strace to slow the snapshot down"
	node_start 1 true
	wait_http 1
	wait_leader_of 1 10
	load_keys 1 k- 1 20
	# every fsync of the node now takes 1.5 s (the snapshot syncs its file
	# and its directory); the WAL's own syncs are fdatasync
	timeout -k 1 10 strace -f -qq -o /dev/null -e trace=fsync \
		-e inject=fsync:delay_enter=1500000 -p "$(node_pid 1)" &
	tracer=$!
	sleep 0.5
	curl -s -m 20 -o "$BATS_TEST_TMPDIR/first" -w '%{http_code}' -X POST \
		"$(base 1)/api/cluster/snapshot" >"$BATS_TEST_TMPDIR/first_code" &
	first=$!
	wait_for 5 bash -c "curl -s $(base 1)/api/cluster/snapshot-status | jq -e '.in_progress == true' >/dev/null"
	http POST "$(base 1)/api/cluster/snapshot"
	assert_equal "$status_code" 409
	echo "$body" | jq -e '.error == "conflict" and (.message | test("snapshot"))'
	# the loop is not blocked meanwhile: writes and reads go on
	[ "$(kv_put 1 during yes)" = 200 ]
	wait "$first"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/first_code")" 201
	jq -e '.index >= 20 and .size_bytes > 0' "$BATS_TEST_TMPDIR/first"
	kill -INT "$tracer" 2>/dev/null || true
	wait "$tracer" || true
	snap_status 1 | jq -e '.in_progress == false and .snapshot_count == 1'
	grep -qE "snapshot [^ ]+ taken" "$GT_DIR/node-1.log"
}

@test "GET /snapshots/{filename} downloads the file byte for byte; bad names 400, unknown 404" {
	node_start 1 true
	wait_http 1
	wait_leader_of 1 10
	load_keys 1 dl- 1 300 "$(head -c 300 /dev/zero | tr '\0' x)"
	http POST "$(base 1)/api/cluster/snapshot"
	assert_equal "$status_code" 201
	file=$(echo "$body" | jq -r .filename)
	out="$BATS_TEST_TMPDIR/backup.snap"
	run curl -s -m 10 -D "$BATS_TEST_TMPDIR/headers" -o "$out" -w '%{http_code}' \
		"$(base 1)/api/cluster/snapshots/$file"
	assert_output 200
	grep -qi '^content-type: application/octet-stream' "$BATS_TEST_TMPDIR/headers"
	[ "$(sha256sum <"$out")" = "$(sha256sum <"$GT_DIR/node-1/snapshots/$file")" ]
	[ "$(stat -c %s "$out")" -gt 90000 ]
	# the file is a snapshot: magic at the start, "GEND" in its trailer
	[ "$(head -c 8 "$out")" = GAIASNAP ]

	http GET "$(base 1)/api/cluster/snapshots/snapshot_1_20200101000000.snap"
	assert_equal "$status_code" 404
	for bad in nope snapshot_1.snap "..%2Fnode.json" "snapshot_1_2020.snap" "%2Fetc%2Fpasswd" "a%2F..%2F..%2Fnode.json"; do
		http GET "$(base 1)/api/cluster/snapshots/$bad"
		assert_equal "$status_code" 400
	done
	http DELETE "$(base 1)/api/cluster/snapshots/$file"
	assert_equal "$status_code" 405
}

@test "high replication lag: the follower's next entries are compacted; it catches up by InstallSnapshot" {
	export RAFT_TRAILING_LOGS=10 RAFT_SNAPSHOT_THRESHOLD=50 RAFT_SNAPSHOT_INTERVAL=1s
	cluster_up 3
	l=$(leader_index 3)
	f=$(( l % 3 + 1 ))
	load_keys "$l" early- 1 20
	wait_same_state 3 10
	behind=$(log_info "$f" | jq .last_index)
	node_kill "$f"

	load_keys "$l" lag- 1 400
	# an automatic snapshot, then one more by hand: the log the leader
	# keeps starts far beyond what the follower has
	wait_for 10 grep -q "automatic snapshot" "$GT_DIR/node-$l.log"
	load_keys "$l" late- 1 20
	snap_idx=$(curl -s -m 30 -X POST "$(base "$l")/api/cluster/snapshot" | jq .index)
	[ "$snap_idx" -gt $((behind + 10 + 100)) ]
	grep -qE "snapshot [^ ]+ taken" "$GT_DIR/node-$l.log"
	grep -q "log compacted" "$GT_DIR/node-$l.log"

	node_start "$f" false
	wait_http "$f"
	wait_same_state 3 30
	grep -q "installed snapshot" "$GT_DIR/node-$f.log"
	[ "$(kv_dump "$f" | jq length)" = 440 ]
	# it keeps replicating normally afterwards
	[ "$(kv_put "$l" after yes)" = 200 ]
	wait_for 10 bash -c "[ \"\$(curl -s '$(base "$f")/api/kv/after?consistency=stale')\" = yes ]"
	log_info "$f" | jq -e --argjson s "$snap_idx" '.applied_index > $s and .first_index > $s - 20'
}

@test "a node whose raft_logs were deleted rejoins and converges (with and without its snapshots)" {
	export RAFT_TRAILING_LOGS=10 RAFT_SNAPSHOT_THRESHOLD=100000 RAFT_SNAPSHOT_INTERVAL=120s
	cluster_up 3
	l=$(leader_index 3)
	f=$(( l % 3 + 1 ))
	load_keys "$l" a- 1 100
	wait_same_state 3 10
	curl -s -m 30 -X POST "$(base "$f")/api/cluster/snapshot" | jq -e '.index > 0'
	curl -s -m 30 -X POST "$(base "$l")/api/cluster/snapshot" | jq -e '.index > 0'
	load_keys "$l" b- 1 50

	# 1. raft_logs gone, snapshots kept: rebuilt from its snapshot and the leader
	node_stop "$f"
	rm -rf "$GT_DIR/node-$f/raft_logs"
	load_keys "$l" c- 1 50
	node_start "$f" false
	wait_http "$f"
	wait_same_state 3 30
	grep -q "restored snapshot" "$GT_DIR/node-$f.log"
	[ "$(kv_dump "$f" | jq length)" = 200 ]

	# 2. raft_logs and snapshots gone: from scratch (InstallSnapshot,
	# the leader's log being compacted)
	load_keys "$l" d- 1 50
	curl -s -m 30 -X POST "$(base "$l")/api/cluster/snapshot" | jq -e '.index > 0'
	node_stop "$f"
	rm -rf "$GT_DIR/node-$f/raft_logs" "$GT_DIR/node-$f/snapshots"
	load_keys "$l" e- 1 50
	node_start "$f" false
	wait_http "$f"
	wait_same_state 3 30
	[ "$(kv_dump "$f" | jq length)" = 300 ]
	[ "$(grep -c "installed snapshot" "$GT_DIR/node-$f.log")" -ge 1 ]
	# the cluster is whole: the rebuilt node counts as a voter that is caught up
	status_of "$l" | jq -e --arg id "node-$f" '.nodes[] | select(.id == $id) | .voter'
	[ "$(kv_put "$f" final ok)" = 200 ]
	wait_same_state 3 10

	# 3. wiped again with no write at all since: a quiet leader (heartbeats
	# only) still sees that the node lost what it had and sends it again
	node_stop "$f"
	rm -rf "$GT_DIR/node-$f/raft_logs" "$GT_DIR/node-$f/snapshots"
	node_start "$f" false
	wait_http "$f"
	wait_same_state 3 30
	[ "$(kv_dump "$f" | jq length)" = 301 ]
}
