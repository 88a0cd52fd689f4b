#!/usr/bin/env bats
# A node whose disk fails stops for real: the process exits 1 with the
# reason in its log (so a supervisor restarts it), it is never reported
# healthy meanwhile, and the rest of the cluster goes on. Leftovers of an
# interrupted InstallSnapshot are cleaned at start.

setup() {
	load common
	cluster_init
	cluster_up 3
}

teardown() {
	[ -n "${tracer:-}" ] && { kill "$tracer" 2>/dev/null; wait "$tracer" 2>/dev/null; }
	cluster_teardown
}

# A follower of the cluster (not the leader), printed as its index.
a_follower() {
	local l
	l=$(wait_leader 3) || return 1
	for i in 1 2 3; do [ "$i" != "$l" ] && { echo "$i"; return 0; }; done
}

# traced_follower STRACE-ARGS...: restart a follower from this shell (so
# that its exit status can be collected: sets f and pid) and attach strace
# with the given fault injection (sets tracer); the word DATA_DIR among the
# arguments stands for the follower's data dir. Skips without strace.
traced_follower() {
	command -v strace >/dev/null || skip "needs strace to inject EIO"
	strace -f -qq -o /dev/null true 2>/dev/null || skip "ptrace not permitted"
	f=$(a_follower)
	node_stop "$f"
	# LeakSanitizer cannot run under ptrace (sanitizer builds)
	node_start "$f" false ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	pid=$(node_pid "$f")
	wait_http "$f"
	wait_leader_of "$f" 10
	strace -f -qq -o /dev/null "${@//DATA_DIR/$GT_DIR/node-$f}" -p "$pid" 2>/dev/null &
	tracer=$!
	sleep 0.5
}

# The traced follower exits 1 within 10 s, its log saying why.
exits_1_saying() {
	local rc=0
	wait_gone "$f" 10
	wait "$pid" || rc=$?
	[ "$rc" -eq 1 ]
	grep -q "$1" "$GT_DIR/node-$f.log"
	grep -q "exiting 1" "$GT_DIR/node-$f.log"
}

@test "the write-ahead log fails (EIO on fdatasync): the node exits 1, says why, the others keep writing" {
	traced_follower -e trace=fdatasync -e inject=fdatasync:error=EIO
	l=$(wait_leader 3)
	for k in 1 2 3 4 5 6 7 8 9 10; do
		[ "$(kv_put_ok "$l" "disk-$k" "v$k")" = 200 ]
		node_alive "$f" || break
		sleep 0.1
	done
	exits_1_saying "the write-ahead log failed"
	run curl -sf -m 1 "http://$(node_api "$f")/health"
	assert_failure
	# the other two are a majority: writes go on
	[ "$(kv_put_ok "$l" after-failure yes)" = 200 ]
	[ "$(kv_get "$l" after-failure)" = yes ]
}

@test "a half-received snapshot (receiving-N.part) left by a crash is removed at start" {
	f=$(a_follower)
	node_stop "$f"
	mkdir -p "$GT_DIR/node-$f/snapshots"
	echo partial >"$GT_DIR/node-$f/snapshots/receiving-5.part"
	node_start "$f" false
	wait_http "$f"
	[ ! -e "$GT_DIR/node-$f/snapshots/receiving-5.part" ]
	grep -q "removed 1 unfinished snapshot file" "$GT_DIR/node-$f.log"
}

@test "a failed directory sync after node.json (a new term) is fatal too: exit 1, the reason logged" {
	# only the fsync of the data directory itself fails (-P follows fds)
	traced_follower -P DATA_DIR -e trace=fsync -e inject=fsync:error=EIO
	# a new term: every node stores its term and vote in node.json
	l=$(wait_leader 3)
	curl -s -m 10 -X POST "http://$(node_api "$l")/api/cluster/force-election" >/dev/null || true
	exits_1_saying "cannot sync directory"
}
