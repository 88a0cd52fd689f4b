#!/usr/bin/env bats
# gaia-snap against a live one-node cluster and offline: every command and
# option path (take, status, list, prune with --keep/--older-than/--dry-run,
# save to a file and to stdout, inspect, restore and a node started on the
# restored dir), --json checked with jq, and every error with its exit code
# and message: usage (2), unreachable node, corrupt files, a non-empty data
# dir (1).

bats_require_minimum_version 1.5.0

setup_file() {
	load common
	cluster_init
	node_start 1 true
	wait_http 1
	wait_leader_of 1 10
	for k in $(seq 1 20); do kv_put_ok 1 "k$k" "value-$k" >/dev/null; done
	# a long distinctive value: a byte inside it can be flipped without
	# touching any length field
	kv_put_ok 1 zz-marker "$(printf 'Z%.0s' $(seq 1 64))" >/dev/null
	export GT_DIR GT_RAFT_PORT GT_HTTP_PORT GT_METRICS_PORT GT_NFT_TABLE GT_IP_PREFIX
}

teardown_file() {
	load common
	cluster_teardown
}

setup() {
	load common
	SNAP=$GAIA_TOP/bin/gaia-snap
	A=$(node_api 1)
	unset GAIA_ADDR GAIA_SOCKET GAIA_DATA_DIR
}

files_on_node() { ls "$GT_DIR/node-1/snapshots" | grep -c '^snapshot_' || true; }

# a checked backup of node 1 at $1
backup() { "$SNAP" --addr "$A" save "$1"; }

# flip_byte FILE OFFSET: invert the lowest bit of one byte in place
flip_byte() {
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "\\$(printf %03o $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# --- usage --------------------------------------------------------------------

@test "--help and --version exit 0 on stdout" {
	run --separate-stderr "$SNAP" --help
	assert_success
	assert_line --index 0 'Usage: gaia-snap COMMAND [OPTIONS] [FILE]'
	assert_output --partial 'restore FILE --data-dir DIR --node-id ID'
	assert_output --partial '--older-than DURATION'
	assert_equal "$stderr" ''
	run --separate-stderr "$SNAP" --version
	assert_success
	assert_output --regexp '^gaia-snap .*[0-9]+\.[0-9]+'
}

@test "usage errors exit 2 with a message and a hint" {
	run --separate-stderr "$SNAP"
	assert_failure 2
	assert_equal "${stderr_lines[0]}" 'gaia-snap: a command is needed: take, status, list, prune, save, inspect or restore'
	assert_equal "${stderr_lines[1]}" "Try 'gaia-snap --help' for more information."

	run --separate-stderr "$SNAP" frobnicate
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "gaia-snap: unknown command 'frobnicate'"

	run --separate-stderr "$SNAP" list --bogus
	assert_failure 2
	assert_equal "${stderr_lines[1]}" "Try 'gaia-snap --help' for more information."

	run --separate-stderr "$SNAP" list extra
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "gaia-snap: list: unexpected argument 'extra'"

	run --separate-stderr "$SNAP" prune
	assert_failure 2
	assert_equal "${stderr_lines[0]}" 'gaia-snap: prune: say which snapshots to delete: --older-than DURATION and/or --keep N'

	run --separate-stderr "$SNAP" prune --keep 0
	assert_failure 2
	assert_equal "${stderr_lines[0]:0:20}" 'gaia-snap: --keep: '"'"

	run --separate-stderr "$SNAP" take --keep 2
	assert_failure 2
	assert_equal "${stderr_lines[0]}" 'gaia-snap: --older-than, --keep and --dry-run are only for prune'

	run --separate-stderr "$SNAP" list --wait
	assert_failure 2
	assert_equal "${stderr_lines[0]}" 'gaia-snap: --wait is only for take'

	run --separate-stderr "$SNAP" list --node-id n1
	assert_failure 2
	assert_equal "${stderr_lines[0]}" 'gaia-snap: --data-dir and --node-id are only for restore'

	for c in save inspect restore; do
		run --separate-stderr "$SNAP" "$c"
		assert_failure 2
		assert_equal "${stderr_lines[0]}" "gaia-snap: $c: a FILE is needed"
	done

	run --separate-stderr "$SNAP" list --addr "$A" --socket /tmp/x.sock
	assert_failure 2
	assert_equal "${stderr_lines[0]}" 'gaia-snap: --addr and --socket do not go together'

	run --separate-stderr "$SNAP" inspect --addr "$A" f.snap
	assert_failure 2
	assert_equal "${stderr_lines[0]}" 'gaia-snap: inspect works offline: --addr and --socket do not apply'

	run --separate-stderr "$SNAP" list --addr 'not an address'
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "gaia-snap: bad address 'not an address': use host:port"
}

@test "a bad duration: --older-than 7x exits 2 naming the option and the value" {
	run --separate-stderr "$SNAP" prune --older-than 7x
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "gaia-snap: --older-than: '7x' is not a duration (use 150ms, 5s, 2m, 1h or 7d)"
	assert_output ''
	run --separate-stderr "$SNAP" list --timeout soon
	assert_failure 2
	assert_equal "${stderr_lines[0]:0:21}" "gaia-snap: --timeout:"
}

# --- an unreachable node -----------------------------------------------------------

@test "an unreachable daemon: every online command exits 1 with one line naming it" {
	for c in take status list "prune --keep 1" "save $BATS_TEST_TMPDIR/x.snap"; do
		run --separate-stderr "$SNAP" --addr 127.0.0.1:1 --timeout 2s $c
		assert_failure 1
		assert_equal "$stderr" 'gaia-snap: cannot reach 127.0.0.1:1: Connection refused'
		assert_output ''
	done
	[ ! -e "$BATS_TEST_TMPDIR/x.snap" ] && [ ! -e "$BATS_TEST_TMPDIR/x.snap.tmp" ]
	# the same through the environment and through a socket that is not there
	GAIA_ADDR=127.0.0.1:1 run --separate-stderr "$SNAP" status
	assert_failure 1
	assert_equal "$stderr" 'gaia-snap: cannot reach 127.0.0.1:1: Connection refused'
	run --separate-stderr "$SNAP" --socket "$BATS_TEST_TMPDIR/none.sock" list
	assert_failure 1
	assert_equal "${stderr%%:*}" gaia-snap
	assert_regex "$stderr" "^gaia-snap: cannot reach $BATS_TEST_TMPDIR/none\\.sock: "
}

# --- take, status, list --------------------------------------------------------------

@test "take is quiet and adds a file; take --json describes it; --wait takes one too" {
	before=$(files_on_node)
	run --separate-stderr "$SNAP" --addr "$A" take
	assert_success
	assert_output ''
	assert_equal "$stderr" ''
	[ "$(files_on_node)" -ge 1 ]
	kv_put_ok 1 after-take x >/dev/null
	run --separate-stderr "$SNAP" --addr "$A" take --json
	assert_success
	jq -e '(.filename | test("^snapshot_[0-9]+_[0-9]{14}\\.snap$")) and .index > 0 and .term > 0
		and .size_bytes > 0 and (.created_at | test("Z$"))' <<<"$output"
	name=$(jq -r .filename <<<"$output")
	[ -f "$GT_DIR/node-1/snapshots/$name" ]
	run --separate-stderr "$SNAP" --addr "$A" take --wait
	assert_success
	assert_output ''
	[ "$(files_on_node)" -ge "$before" ]
}

@test "take while a snapshot is being written: exit 1 naming --wait; with --wait it waits and takes one" {
	command -v strace >/dev/null || skip "needs strace to slow the snapshot down"
	kv_put_ok 1 busy-1 x >/dev/null
	# every fsync of the node now takes 1.5 s (a snapshot syncs its file
	# and its directory); the WAL's own syncs are fdatasync
	timeout -k 1 15 strace -f -qq -o /dev/null -e trace=fsync \
		-e inject=fsync:delay_enter=1500000 -p "$(node_pid 1)" &
	tracer=$!
	sleep 0.5
	"$SNAP" --addr "$A" --timeout 20s take &
	first=$!
	n=0
	until "$SNAP" --addr "$A" status --json | jq -e '.in_progress' >/dev/null || [ $n -ge 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	run --separate-stderr "$SNAP" --addr "$A" take
	assert_failure 1
	assert_equal "$stderr" "gaia-snap: $A: a snapshot is already being taken; retry when it is done (or wait for it with --wait)"
	kv_put_ok 1 busy-2 x >/dev/null
	after=$(curl -s "http://$A/api/cluster/digest" | jq .applied_index)
	run --separate-stderr "$SNAP" --addr "$A" --timeout 30s take --wait --json
	assert_success
	# a new snapshot, holding the write made while the first was running
	jq -e --argjson i "$after" '.index >= $i' <<<"$output"
	wait "$first"
	kill -INT "$tracer" 2>/dev/null || true
	wait "$tracer" || true
	run "$SNAP" --addr "$A" status --json
	jq -e '.in_progress == false' <<<"$output"
}

@test "status: text and --json; through the socket and GAIA_SOCKET" {
	"$SNAP" --addr "$A" take
	run --separate-stderr "$SNAP" --addr "$A" status
	assert_success
	assert_line --index 0 --regexp '^last snapshot: +snapshot_[0-9]+_[0-9]{14}\.snap \(index [0-9]+, term [0-9]+, [0-9.]+ [KMB]+, [0-9T:-]+Z\)$'
	assert_line --index 1 --regexp '^snapshots: +[0-9]+ \(average [0-9.]+ [KMB]+\)$'
	assert_line --index 2 --regexp '^entries since last: +[0-9]+$'
	assert_line --index 3 'in progress:         no'
	run --separate-stderr "$SNAP" --socket "$GT_DIR/node-1/gaia.sock" status --json
	assert_success
	jq -e '.snapshot_count >= 1 and (.last_snapshot.filename | startswith("snapshot_"))
		and .in_progress == false and (.log_entries_since_snapshot | type) == "number"' <<<"$output"
	GAIA_SOCKET="$GT_DIR/node-1/gaia.sock" run --separate-stderr "$SNAP" status -j
	assert_success
	jq -e '.snapshot_count >= 1' <<<"$output"
}

@test "list: a table newest first, and --json" {
	"$SNAP" --addr "$A" take
	run --separate-stderr "$SNAP" --addr "$A" list
	assert_success
	assert_line --index 0 --regexp '^FILENAME +INDEX +TERM +SIZE +CREATED$'
	assert_line --index 1 --regexp '^snapshot_[0-9]+_[0-9]{14}\.snap +[0-9]+ +[0-9]+ +[0-9.]+ [KMB]+ +[0-9T:-]+Z$'
	[ "${#lines[@]}" -eq $(($(files_on_node) + 1)) ]
	GAIA_ADDR=$A run --separate-stderr "$SNAP" list --json
	assert_success
	jq -e 'type == "array" and length >= 1 and ([.[].index] as $i | $i == ($i | sort | reverse))
		and all(.[]; has("filename") and has("size_bytes") and has("term") and has("created_at"))' <<<"$output"
	# the table's first row is the JSON's first element
	first=$(jq -r '.[0].filename' <<<"$output")
	run "$SNAP" --addr "$A" list
	assert_line --index 1 --regexp "^$first "
}

# --- prune -----------------------------------------------------------------------

@test "prune: --dry-run lists and deletes nothing; --keep deletes quietly; --older-than; --json" {
	for i in 1 2 3; do
		kv_put_ok 1 "prune-$i" x >/dev/null
		"$SNAP" --addr "$A" take
	done
	n=$(files_on_node)
	[ "$n" -ge 3 ]
	newest=$("$SNAP" --addr "$A" list --json | jq -r '.[0].filename')

	run --separate-stderr "$SNAP" --addr "$A" prune --keep 1 --dry-run
	assert_success
	[ "$(files_on_node)" -eq "$n" ]
	assert_equal "$(grep -c '^would delete snapshot_' <<<"$output")" $((n - 1))
	assert_line --index $((n - 1)) 'would keep 1'
	refute_output --partial "$newest"

	run --separate-stderr "$SNAP" --addr "$A" prune --keep 2 --dry-run --json
	assert_success
	jq -e --argjson n "$n" '.dry_run == true and .kept == 2 and (.deleted | length) == ($n - 2)' <<<"$output"
	[ "$(files_on_node)" -eq "$n" ]

	# nothing is a week old: a quiet no-op (the daily cron line)
	run --separate-stderr "$SNAP" --addr "$A" prune --older-than 7d
	assert_success
	assert_output ''
	assert_equal "$stderr" ''
	[ "$(files_on_node)" -eq "$n" ]

	run --separate-stderr "$SNAP" --addr "$A" prune --keep 2
	assert_success
	assert_output ''
	[ "$(files_on_node)" -eq 2 ]

	# older than 1 s (after waiting 2 s): all but the newest, which stays
	sleep 2
	run --separate-stderr "$SNAP" --addr "$A" prune --older-than 1s --json
	assert_success
	jq -e '.dry_run == false and .kept == 1 and (.deleted | length) == 1' <<<"$output"
	run "$SNAP" --addr "$A" list --json
	jq -e --arg f "$newest" '[.[].filename] == [$f]' <<<"$output"
}

@test "the cron lines of examples/cron.d/gaia-snap run as written" {
	cron=$GAIA_TOP/examples/cron.d/gaia-snap
	mkdir -p "$BATS_TEST_TMPDIR/backups"
	while read -r line; do
		# the command after "m h dom mon dow user"; cron's \% is a plain %
		cmd=$(sed -E 's/^([^ ]+ +){6}//; s/\\%/%/g; s#/var/backups/gaia_go#'"$BATS_TEST_TMPDIR/backups"'#g' <<<"$line")
		run --separate-stderr env PATH="$GAIA_TOP/bin:$PATH" GAIA_SOCKET="$GT_DIR/node-1/gaia.sock" sh -c "$cmd"
		assert_success
		assert_output ''
		assert_equal "$stderr" ''
	done < <(grep -E '^[0-9*]' "$cron")
	grep -q '^30 3 \* \* \* root gaia-snap prune --older-than 7d$' "$cron"
	run "$SNAP" inspect "$BATS_TEST_TMPDIR/backups/gaia-$(date +%F).snap"
	assert_success
}

# --- save, inspect ------------------------------------------------------------------

@test "save: a quiet, checked backup; no .tmp left; its digest is the node's" {
	f=$BATS_TEST_TMPDIR/backup.snap
	run --separate-stderr "$SNAP" --addr "$A" save "$f"
	assert_success
	assert_output ''
	assert_equal "$stderr" ''
	[ -s "$f" ] && [ ! -e "$f.tmp" ]
	run --separate-stderr "$SNAP" inspect "$f" --json
	assert_success
	node=$(curl -s "http://$A/api/cluster/digest")
	jq -e --argjson d "$node" '.ok == true and .keys == $d.keys and .digest == $d.digest' <<<"$output"
	# --json describes the file; a second save replaces the first
	run --separate-stderr "$SNAP" --addr "$A" save "$f" --json
	assert_success
	jq -e --arg f "$f" '.file == $f and (.filename | startswith("snapshot_")) and .index > 0
		and .keys >= 21 and .size_bytes > 0' <<<"$output"
	[ "$(jq -r .size_bytes <<<"$output")" -eq "$(stat -c %s "$f")" ]
}

@test "save -: the checked backup on stdout, nothing else" {
	f=$BATS_TEST_TMPDIR/stdout.snap
	"$SNAP" --socket "$GT_DIR/node-1/gaia.sock" save - >"$f"
	run "$SNAP" inspect "$f"
	assert_success
	[ -z "$(ls "${TMPDIR:-/tmp}" | grep "gaia-snap-save.*\.tmp" || true)" ]
}

@test "save fails cleanly: an unwritable place, an old FILE kept when the node is down" {
	run --separate-stderr "$SNAP" --addr "$A" save "$BATS_TEST_TMPDIR/no/such/dir/b.snap"
	assert_failure 1
	assert_equal "$stderr" "gaia-snap: cannot create $BATS_TEST_TMPDIR/no/such/dir/b.snap.tmp: No such file or directory"
	f=$BATS_TEST_TMPDIR/keep.snap
	echo precious >"$f"
	run --separate-stderr "$SNAP" --addr 127.0.0.1:1 save "$f"
	assert_failure 1
	assert_equal "$(cat "$f")" precious
	[ ! -e "$f.tmp" ]
}

@test "inspect: what the file holds, as text and --json" {
	f=$BATS_TEST_TMPDIR/i.snap
	backup "$f"
	run --separate-stderr "$SNAP" inspect "$f"
	assert_success
	assert_line --index 0 "file:           $f"
	assert_line --index 1 --regexp '^status: +ok \(header, [0-9]+ records and checksums verified\)$'
	assert_line --index 2 --regexp '^index: +[1-9][0-9]*$'
	assert_line --index 3 --regexp '^term: +[1-9][0-9]*$'
	assert_line --index 4 --regexp '^created: +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$'
	assert_line --index 5 --regexp '^keys: +[0-9]+$'
	assert_line --index 6 --regexp "^size: +$(stat -c %s "$f") bytes \\("
	assert_line --index 7 --regexp '^digest: +[0-9a-f]{16}$'
	assert_line --index 8 'configuration:  1 server, 1 voter, 0 ids removed'
	assert_line --index 9 --regexp "^  node-1 +voter +$(node_raft 1)  api $(node_api 1)$"
	run --separate-stderr "$SNAP" inspect -j "$f"
	assert_success
	jq -e --arg f "$f" '.file == $f and .ok == true and .index > 0 and .term > 0 and .keys >= 21
		and (.digest | test("^[0-9a-f]{16}$")) and .configuration.removed == 0
		and .configuration.members == [{"id":"node-1","voter":true,"address":"'"$(node_raft 1)"'","api_address":"'"$(node_api 1)"'"}]' <<<"$output"
}

@test "inspect: a truncated file, a flipped byte, a bad header, not a snapshot, missing: exit 1" {
	f=$BATS_TEST_TMPDIR/good.snap
	backup "$f"
	size=$(stat -c %s "$f")

	head -c $((size - 10)) "$f" >"$BATS_TEST_TMPDIR/cut.snap"
	run --separate-stderr "$SNAP" inspect "$BATS_TEST_TMPDIR/cut.snap"
	assert_failure 1
	assert_output ''
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^gaia-snap: cut\.snap: truncated at offset [0-9]+: .* needs [0-9]+ bytes, [0-9]+ left$'

	cp "$f" "$BATS_TEST_TMPDIR/flip.snap"
	off=$(grep -boa 'ZZZZZZZZZZZZZZZZ' "$f" | head -1 | cut -d: -f1)
	[ -n "$off" ]
	flip_byte "$BATS_TEST_TMPDIR/flip.snap" $((off + 5))
	! cmp -s "$f" "$BATS_TEST_TMPDIR/flip.snap"
	run --separate-stderr "$SNAP" inspect "$BATS_TEST_TMPDIR/flip.snap"
	assert_failure 1
	assert_regex "$stderr" '^gaia-snap: flip\.snap: checksum mismatch at offset [0-9]+ \(some byte before it is corrupt\)$'

	# a byte of the index in the header
	cp "$f" "$BATS_TEST_TMPDIR/head.snap"
	flip_byte "$BATS_TEST_TMPDIR/head.snap" 16
	run --separate-stderr "$SNAP" inspect "$BATS_TEST_TMPDIR/head.snap"
	assert_failure 1
	assert_regex "$stderr" '^gaia-snap: head\.snap: header checksum mismatch at offset [0-9]+ \(header corrupt\)$'

	seq 1 100 >"$BATS_TEST_TMPDIR/text.snap"
	run --separate-stderr "$SNAP" inspect "$BATS_TEST_TMPDIR/text.snap"
	assert_failure 1
	assert_equal "$stderr" 'gaia-snap: text.snap: bad magic at offset 0: not a snapshot file'

	run --separate-stderr "$SNAP" inspect "$BATS_TEST_TMPDIR/missing.snap"
	assert_failure 1
	assert_equal "$stderr" "gaia-snap: open $BATS_TEST_TMPDIR/missing.snap: No such file or directory"

	# the good one still passes
	run "$SNAP" inspect "$f"
	assert_success
}

# --- restore --------------------------------------------------------------------------

@test "restore: refuses a non-empty dir (unchanged), a corrupt file, a bad or missing id" {
	f=$BATS_TEST_TMPDIR/r.snap
	backup "$f"
	d=$BATS_TEST_TMPDIR/full
	mkdir -p "$d/raft_logs"
	echo keep >"$d/notes.txt"
	before=$(cd "$d" && find . -printf '%p %s %T@\n' | sort)
	run --separate-stderr "$SNAP" restore "$f" --data-dir "$d" --node-id n9
	assert_failure 1
	assert_regex "$stderr" "^gaia-snap: data dir $d is not empty \(it holds '(raft_logs|notes\.txt)'\): restore only seeds an empty one; nothing was changed$"
	assert_equal "$(cd "$d" && find . -printf '%p %s %T@\n' | sort)" "$before"

	run --separate-stderr "$SNAP" restore "$f" --data-dir "$BATS_TEST_TMPDIR/new"
	assert_failure 2
	assert_equal "${stderr_lines[0]}" 'gaia-snap: restore: --node-id ID is needed'
	run --separate-stderr "$SNAP" restore "$f" --node-id n9
	assert_failure 2
	assert_equal "${stderr_lines[0]}" 'gaia-snap: restore: --data-dir DIR is needed'
	run --separate-stderr "$SNAP" restore "$f" --data-dir "$BATS_TEST_TMPDIR/new" --node-id 'bad/id'
	assert_failure 2
	assert_equal "$stderr" "gaia-snap: 'bad/id' is not a node id (1 to 63 of A-Z a-z 0-9 . _ -)"
	[ ! -e "$BATS_TEST_TMPDIR/new" ]

	# a corrupt backup: nothing is created
	head -c 100 "$f" >"$BATS_TEST_TMPDIR/cut.snap"
	run --separate-stderr "$SNAP" restore "$BATS_TEST_TMPDIR/cut.snap" --data-dir "$BATS_TEST_TMPDIR/new" --node-id n9
	assert_failure 1
	assert_regex "$stderr" '^gaia-snap: cut\.snap: .*(truncated|exceeds the [0-9]+ bytes left)'
	[ ! -e "$BATS_TEST_TMPDIR/new" ]
	# an empty existing dir stays empty
	mkdir "$BATS_TEST_TMPDIR/empty"
	run "$SNAP" restore "$BATS_TEST_TMPDIR/cut.snap" --data-dir "$BATS_TEST_TMPDIR/empty" --node-id n9
	assert_failure 1
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/empty")" ]
}

@test "restore seeds an empty dir; CLUSTER_BOOTSTRAP=true starts a new one-node cluster with exactly the backup" {
	f=$BATS_TEST_TMPDIR/dr.snap
	backup "$f"
	want=$("$SNAP" inspect --json "$f")
	mkdir "$GT_DIR/node-2"   # an existing, empty data dir is fine
	run --separate-stderr "$SNAP" restore "$f" --data-dir "$GT_DIR/node-2" --node-id node-2 --json
	assert_success
	jq -e --arg d "$GT_DIR/node-2" --argjson w "$want" '.data_dir == $d and .node_id == "node-2"
		and (.cluster_id | test("^[0-9a-f]{16}$")) and .keys == $w.keys and .digest == $w.digest
		and .index == $w.index and (.snapshot | startswith("snapshot_"))' <<<"$output"
	cid=$(jq -r .cluster_id <<<"$output")
	seeded=$(jq -r .snapshot <<<"$output")
	run jq -c '{node_id, cluster_id}' "$GT_DIR/node-2/node.json"
	assert_output "{\"node_id\":\"node-2\",\"cluster_id\":\"$cid\"}"
	run ls -A "$GT_DIR/node-2" "$GT_DIR/node-2/snapshots"
	assert_output "$GT_DIR/node-2:
node.json
snapshots

$GT_DIR/node-2/snapshots:
$seeded"
	run "$SNAP" inspect --json "$GT_DIR/node-2/snapshots/$seeded"
	jq -e '.configuration.members == [{"id":"node-2","voter":true,"address":"","api_address":""}]' <<<"$output"

	node_start 2 true
	wait_http 2
	wait_leader_of 2 15
	run status_of 2
	# a new term above the backup's: entries after it never carry a lower one
	jq -e --arg c "$cid" --argjson w "$want" '.leader_id == "node-2" and .cluster_id == $c
		and (.nodes | length) == 1 and .term > $w.term' <<<"$output"
	run curl -s "http://$(node_api 2)/api/cluster/digest"
	jq -e --argjson w "$want" '.keys == $w.keys and .digest == $w.digest' <<<"$output"
	run kv_get 2 k7
	assert_output value-7
	# and it takes writes
	run kv_put_ok 2 after-restore yes
	assert_output 200
	grep -q 'starting cluster .* from snapshot .* with no log yet and this node as its only voter' "$GT_DIR/node-2.log"
	node_stop 2
}

# --- man page and completions ------------------------------------------------------------

@test "the man page is lint-clean and has every command; the completions work" {
	command -v mandoc >/dev/null || skip "mandoc is not installed"
	run mandoc -Tlint -Wwarning "$GAIA_TOP/man/gaia-snap.1"
	assert_success
	assert_output ''
	page=$(mandoc -Tascii -Owidth=200 "$GAIA_TOP/man/gaia-snap.1" | sed $'s/.\b//g')
	for c in take status list prune save inspect restore; do
		grep -qE "^ +$c( |$)" <<<"$page"
	done
	grep -q 'gaia-snap prune --older-than 7d' <<<"$page"
	grep -q 'EXIT STATUS' <<<"$page"
	grep -q 'GAIA_SOCKET' <<<"$page"

	# bash: commands, then the options of the command given
	run bash -c '
		source "$1"
		complete -p gaia-snap >/dev/null || exit 1
		COMP_WORDS=(gaia-snap pr); COMP_CWORD=1; _gaia_snap; echo "${COMPREPLY[*]}"
		COMP_WORDS=(gaia-snap prune --); COMP_CWORD=2; _gaia_snap; echo "${COMPREPLY[*]}"
		COMP_WORDS=(gaia-snap restore f.snap --n); COMP_CWORD=3; _gaia_snap; echo "${COMPREPLY[*]}"
		COMP_WORDS=(gaia-snap prune --older-than ""); COMP_CWORD=3; _gaia_snap; echo "${COMPREPLY[*]}"
	' _ "$GAIA_TOP/completions/bash/gaia-snap"
	assert_success
	assert_line --index 0 'prune'
	assert_line --index 1 --partial '--older-than --keep --dry-run'
	assert_line --index 2 '--node-id'
	assert_line --index 3 '12h 1d 7d 30d'
	# zsh: a completion function for gaia-snap
	head -1 "$GAIA_TOP/completions/zsh/_gaia-snap" | grep -qx '#compdef gaia-snap'
}
