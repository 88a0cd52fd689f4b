#!/usr/bin/env bats
# gaiactl against a live three-node cluster: every one-shot command with
# its table or fields and its --json document, every error path (exit
# codes and messages), scripts on stdin, and the readline shell driven
# through a private tmux server (output, tab completion, history).

bats_require_minimum_version 1.5.0

setup_file() {
	load common
	cluster_init
	cluster_up 3
	export GT_DIR GT_RAFT_PORT GT_HTTP_PORT GT_METRICS_PORT GT_NFT_TABLE GT_IP_PREFIX
}

teardown_file() {
	load common
	cluster_teardown
}

setup() {
	load common
	CTL=$GAIA_TOP/bin/gaiactl
	A1=$(node_api 1)
	unset GAIA_ADDR GAIA_SOCKET GAIACTL_HISTORY
	TMUX_SOCK=
}

teardown() {
	# only the tmux server this test started, by its socket name
	if [ -n "$TMUX_SOCK" ]; then
		tmux -L "$TMUX_SOCK" kill-server 2>/dev/null || true
	fi
}

# gaiactl against node 1 (a 503 during an election is retried inside)
ctl() { "$CTL" -a "$A1" "$@"; }

# --- one-shot: reads ---------------------------------------------------------

@test "status: the node's view as text and as JSON" {
	run --separate-stderr ctl status
	assert_success
	assert_line --index 0 --regexp '^node node-1: (leader|follower), term [0-9]+, leader node-[123] \(.+\)$'
	assert_line --regexp '^log [0-9]+\.\.[0-9]+, commit [0-9]+, applied [0-9]+, cluster [0-9a-f]{16}$'
	assert_line --regexp '^ID +ROLE +STATE +ADDRESS +API ADDRESS$'
	assert_line --regexp "^node-1 \* +(leader|voter) +[a-z_]+ +$(node_raft 1) +$(node_api 1)$"
	assert_line --regexp "^node-3 +(leader|voter) +[a-z_]+ +$(node_raft 3) +$(node_api 3)$"
	run --separate-stderr ctl --json status
	assert_success
	run jq -e '.node_id == "node-1" and (.nodes | length) == 3 and (.leader_id | type) == "string"
		and (.term | type) == "number"' <<<"$output"
	assert_success
	# --json after the command works too
	run --separate-stderr ctl status --json
	assert_success
	jq -e '.peer_count == 3' <<<"$output"
}

@test "peers: list (the default), show, and an unknown node id" {
	run --separate-stderr ctl peers
	assert_success
	assert_line --index 0 --regexp '^ID +ROLE +STATE +ADDRESS +API ADDRESS +MATCH +NEXT +LAG +LAST CONTACT$'
	assert_line --regexp "^node-2 +(leader|voter) +[a-z_]+ +$(node_raft 2) +$(node_api 2) +[0-9]+ +[0-9]+ +[0-9]+ +([0-9]+ms ago|-)$"
	assert_equal "${#lines[@]}" 4
	run --separate-stderr ctl peers list --json
	assert_success
	jq -e 'length == 3 and all(.[]; (.match_index | type) == "number")' <<<"$output"

	run --separate-stderr ctl peers show node-2
	assert_success
	assert_line --index 0 --regexp '^id: +node-2$'
	assert_line --regexp "^address: +$(node_raft 2)$"
	assert_line --regexp '^voter: +yes$'
	run --separate-stderr ctl --json peers show node-3
	assert_success
	jq -e '.id == "node-3" and .voter == true' <<<"$output"

	run --separate-stderr ctl peers show node-9
	assert_failure 1
	assert_output ''
	assert_equal "$stderr" "gaiactl: $A1: no peer 'node-9' in the cluster (HTTP 404)"
}

@test "health: one line, exit 0 when healthy; --json" {
	# a late heartbeat on a loaded machine shows as degraded for a moment
	for _ in $(seq 1 50); do
		run --separate-stderr ctl health
		[ "$status" -eq 0 ] && break
		sleep 0.2
	done
	assert_success
	assert_output --regexp '^healthy: leader node-[123], term [0-9]+, 3 peers \(3 healthy, 0 degraded, 0 unhealthy\), last log index [0-9]+, last snapshot (none|index [0-9]+)$'
	for _ in $(seq 1 50); do
		run --separate-stderr ctl --json health
		[ "$status" -eq 0 ] && break
		sleep 0.2
	done
	assert_success
	jq -e '.cluster_status == "healthy" and .peer_count == 3' <<<"$output"
}

# --- one-shot: the key-value store -------------------------------------------

@test "kv put, get (raw, no newline added), del, and a missing key" {
	run --separate-stderr ctl kv put greeting hello
	assert_success
	assert_output --regexp '^OK \(modify index [0-9]+\)$'
	# the value exactly: no newline added
	out=$(ctl kv get greeting; echo x)
	assert_equal "$out" "hellox"
	# bytes with blanks and newlines come back as written
	value=$'two\nlines and  blanks\n'
	ctl kv put multi "$value" >/dev/null
	ctl kv get multi >"$BATS_TEST_TMPDIR/v"
	printf '%s' "$value" | cmp - "$BATS_TEST_TMPDIR/v"
	run --separate-stderr ctl --json kv get greeting
	assert_success
	jq -e '.key == "greeting" and .value == "hello" and (.modify_index | type) == "number"' <<<"$output"
	run --separate-stderr ctl kv get greeting --stale
	assert_success
	assert_output hello

	run --separate-stderr ctl kv del greeting
	assert_success
	assert_output 'deleted greeting'
	run --separate-stderr ctl kv get greeting
	assert_failure 1
	assert_output ''
	assert_equal "$stderr" "gaiactl: key 'greeting' not found"
	run --separate-stderr ctl kv del greeting
	assert_failure 1
	assert_equal "$stderr" "gaiactl: key 'greeting' not found"
}

@test "kv put from stdin: any bytes, back from kv get; --json gives them in base64" {
	head -c 3000 /dev/urandom >"$BATS_TEST_TMPDIR/bin"
	run --separate-stderr bash -c "\"$CTL\" -a $A1 kv put binary/value < \"$BATS_TEST_TMPDIR/bin\""
	assert_success
	assert_output --regexp '^OK \(modify index [0-9]+\)$'
	ctl kv get binary/value >"$BATS_TEST_TMPDIR/back"
	cmp "$BATS_TEST_TMPDIR/bin" "$BATS_TEST_TMPDIR/back"
	run --separate-stderr ctl --json kv get binary/value
	assert_success
	jq -e --arg b "$(base64 -w0 "$BATS_TEST_TMPDIR/bin")" '.value == null and .value_base64 == $b' <<<"$output"
	# an empty stdin is an empty value
	ctl kv put binary/empty </dev/null >/dev/null
	run --separate-stderr ctl kv get binary/empty
	assert_success
	assert_output ''
	# in a script stdin holds the commands: the value must be given
	run --separate-stderr bash -c "echo 'kv put binary/x' | \"$CTL\" -a $A1"
	assert_failure 2
	assert_equal "${stderr_lines[0]}" 'gaiactl: usage: kv put KEY VALUE (the value from stdin is one-shot only)'
}

@test "kv put --cas: create-only and a mismatch" {
	run --separate-stderr ctl --json kv put casy one --cas 0
	assert_success
	idx=$(jq -r .modify_index <<<"$output")
	run --separate-stderr ctl kv put casy two --cas 0
	assert_failure 1
	assert_output ''
	assert_regex "$stderr" '^gaiactl: .*\(HTTP 409\)$'
	run --separate-stderr ctl kv put casy two --cas "$idx"
	assert_success
	assert_equal "$(ctl kv get casy)" two
	run --separate-stderr ctl kv del casy --cas "$idx"
	assert_failure 1
	assert_regex "$stderr" 'HTTP 409'
}

@test "kv ls: by prefix as a table and as JSON, nothing for no match" {
	for k in ls/a ls/b ls/c other; do ctl kv put "$k" "v-$k" >/dev/null; done
	run --separate-stderr ctl kv ls ls/
	assert_success
	assert_line --index 0 --regexp '^KEY +SIZE +CREATE INDEX +MODIFY INDEX$'
	assert_line --index 1 --regexp '^ls/a +6 +[0-9]+ +[0-9]+$'
	assert_line --index 3 --regexp '^ls/c +6 +[0-9]+ +[0-9]+$'
	assert_equal "${#lines[@]}" 4
	run --separate-stderr ctl kv ls ls/ --json --limit 2
	assert_success
	run jq -c '[.[].key]' <<<"$output"
	assert_output '["ls/a","ls/b"]'
	run --separate-stderr ctl kv ls no-such-prefix/
	assert_success
	assert_output ''
}

# --- one-shot: snapshots, membership, levers ----------------------------------

@test "snapshot take, status, list" {
	run --separate-stderr ctl snapshot take
	assert_success
	assert_output --regexp '^snapshot [^ ]+: index [0-9]+, term [0-9]+, [0-9]+ bytes$'
	run --separate-stderr ctl --json snapshot take
	assert_success
	file=$(jq -r .filename <<<"$output")
	run --separate-stderr ctl snapshot status
	assert_success
	assert_line --regexp '^snapshot_count: +[0-9]+$'
	assert_line --regexp "^last_snapshot.filename: +$file$"
	run --separate-stderr ctl snapshot list
	assert_success
	assert_line --index 0 --regexp '^FILENAME +INDEX +TERM +SIZE +CREATED$'
	assert_line --index 1 --regexp "^$file +[0-9]+ +[0-9]+ +[0-9]+ +[0-9T:Z-]+$"
	run --separate-stderr ctl snapshot list --json
	assert_success
	jq -e --arg f "$file" '.[0].filename == $f' <<<"$output"
}

@test "remove --dry-run shows the quorum; removing an unknown node fails" {
	run --separate-stderr ctl remove node-3 --dry-run
	assert_success
	assert_line --index 0 'dry run, nothing changed: removing node-3'
	assert_line --index 1 '  before: 3 voters, quorum 2, tolerates 1 failure(s)'
	assert_line --index 2 '  after:  2 voters, quorum 2, tolerates 0 failure(s)'
	run --separate-stderr ctl --json peers remove node-3 --dry-run
	assert_success
	jq -e '.dry_run == true and .voters_before == 3 and .voters_after == 2' <<<"$output"
	run --separate-stderr ctl remove node-9
	assert_failure 1
	assert_regex "$stderr" "^gaiactl: .*no peer 'node-9' in the cluster \(HTTP 404\)$"
	# nothing was removed
	run --separate-stderr ctl --json status
	jq -e '.nodes | length == 3' <<<"$output"
}

@test "join a fourth node, then remove it" {
	node_start 4 false
	wait_http 4
	run --separate-stderr ctl join node-4 "$(node_raft 4)" "$(node_api 4)"
	assert_success
	assert_line --index 0 "node-4 added at $(node_raft 4): a learner until it has caught up, then a voter"
	assert_line --regexp "^node-4 +(learner|voter) +[a-z_]+ +$(node_raft 4) +$(node_api 4)$"
	wait_voter 1 4 30
	run --separate-stderr ctl remove node-4
	assert_success
	assert_line --index 0 'node-4 removed'
	refute_line --regexp '^node-4 +(learner|voter)'
	node_stop 4 || node_kill 4
	run bash -c "\"$CTL\" -a $A1 --json status | jq -r '[.nodes[].id] | sort | join(\" \")'"
	assert_output 'node-1 node-2 node-3'
}

@test "election, transfer-leader to a named node, an unknown target; rejoin" {
	run --separate-stderr ctl peers transfer-leader node-2
	assert_success
	assert_output --regexp '^(leadership transferred|this node already leads): leader node-2, term [0-9]+$'
	run --separate-stderr ctl --json election node-3
	assert_success
	jq -e '.leader_id == "node-3" and (.action | type) == "string"' <<<"$output"
	run --separate-stderr ctl election node-9
	assert_failure 1
	assert_regex "$stderr" "^gaiactl: .*'node-9' is not a voter of the cluster \(HTTP 404\)$"
	run --separate-stderr ctl election
	assert_success
	assert_output --regexp '^leadership transferred: leader node-[12], term [0-9]+$'
	wait_leader_of 1 10

	run --separate-stderr "$CTL" -a "$(node_api 2)" rejoin
	assert_success
	assert_output --regexp '^node-2: reconnected to every member with the backoff reset; leader node-[123]$'
	run --separate-stderr ctl --json rejoin "$(node_api 2)"
	assert_success
	jq -e '.node_id == "node-1" and (.action | type) == "string"' <<<"$output"
}

@test "remove refuses a dead voter unless --force" {
	node_start 5 false
	wait_http 5
	ctl join node-5 "$(node_raft 5)" "$(node_api 5)" >/dev/null
	wait_voter 1 5 30
	node_kill 5
	# refused once the leader has not heard from it for an election timeout
	for _ in $(seq 1 100); do
		ctl --json peers show node-5 | jq -e '.last_contact_ms > 2000' >/dev/null && break
		sleep 0.1
	done
	run --separate-stderr ctl remove node-5
	assert_failure 1
	assert_regex "$stderr" "^gaiactl: .*node 'node-5' is unreachable; to remove a dead node use \?force=true \(HTTP 409\)$"
	run --separate-stderr ctl --json peers remove node-5 --force
	assert_success
	jq -e '.node_id == "node-5" and .removed == true and ([.nodes[].id] | index("node-5")) == null' <<<"$output"
}

# --- one-shot: how it connects, and usage -------------------------------------

@test "the Unix socket, GAIA_ADDR and GAIA_SOCKET" {
	run --separate-stderr "$CTL" -s "$GT_DIR/node-2/gaia.sock" --json status
	assert_success
	jq -e '.node_id == "node-2"' <<<"$output"
	GAIA_SOCKET=$GT_DIR/node-3/gaia.sock run --separate-stderr "$CTL" --json status
	assert_success
	jq -e '.node_id == "node-3"' <<<"$output"
	GAIA_ADDR=$(node_api 2) run --separate-stderr "$CTL" --json status
	assert_success
	jq -e '.node_id == "node-2"' <<<"$output"
	# a flag beats the environment
	GAIA_ADDR=$(node_api 2) run --separate-stderr "$CTL" -a "$(node_api 3)" --json status
	jq -e '.node_id == "node-3"' <<<"$output"
}

@test "an unreachable node: exit 1 and the reason" {
	run --separate-stderr "$CTL" -a 127.0.0.1:1 status
	assert_failure 1
	assert_output ''
	assert_equal "$stderr" 'gaiactl: cannot reach 127.0.0.1:1: Connection refused'
	# global options in any spelling, then the command with its own
	run --separate-stderr "$CTL" -jt 2s --addr=127.0.0.1:1 peers remove node-2 --force
	assert_failure 1
	assert_equal "$stderr" 'gaiactl: cannot reach 127.0.0.1:1: Connection refused'
	run --separate-stderr "$CTL" -s "$BATS_TEST_TMPDIR/none.sock" kv get k
	assert_failure 1
	assert_regex "$stderr" "^gaiactl: cannot reach $BATS_TEST_TMPDIR/none.sock: "
}

@test "usage errors exit 2 with a message" {
	run --separate-stderr ctl frobnicate
	assert_failure 2
	assert_output ''
	assert_equal "${stderr_lines[0]}" "gaiactl: unknown command 'frobnicate' (try 'help')"
	run --separate-stderr ctl peers frob
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "gaiactl: peers: unknown subcommand 'frob' (one of list, show, remove, transfer-leader)"
	run --separate-stderr ctl kv
	assert_failure 2
	assert_equal "${stderr_lines[0]}" 'gaiactl: kv: which one? get, put, del, ls'
	run --separate-stderr ctl kv get
	assert_failure 2
	assert_equal "${stderr_lines[0]}" 'gaiactl: usage: kv get KEY'
	run --separate-stderr ctl kv put a b c
	assert_failure 2
	assert_equal "${stderr_lines[0]}" 'gaiactl: usage: kv put KEY [VALUE]'
	run --separate-stderr ctl status --force
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "gaiactl: unknown option '--force'"
	run --separate-stderr ctl kv put k v --cas x
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "gaiactl: --cas: 'x' is not a whole number"
	run --separate-stderr "$CTL" -a "$A1" -s /tmp/x.sock status
	assert_failure 2
	assert_equal "${stderr_lines[0]}" 'gaiactl: --addr and --socket do not go together'
	run --separate-stderr "$CTL" --timeout 5x status
	assert_failure 2
	assert_regex "${stderr_lines[0]}" "^gaiactl: --timeout: '5x' is not a duration"
	run --separate-stderr ctl connect "$(node_api 2)"
	assert_failure 2
	assert_regex "${stderr_lines[0]}" "^gaiactl: 'connect' works only in the shell"
}

@test "help: the command list, one command's options, --help and --version" {
	run --separate-stderr ctl help
	assert_success
	assert_line --regexp '^  kv get KEY +print the value of KEY as stored$'
	assert_line --regexp '^  peers remove ID +remove a peer'
	run --separate-stderr ctl help peers remove
	assert_success
	assert_line --index 0 'Usage: gaiactl peers remove ID [OPTIONS]'
	assert_line --regexp '^ +--force +remove the peer even when it cannot be reached$'
	assert_line --regexp '^ +--dry-run '
	run --separate-stderr ctl kv put --help
	assert_success
	assert_line --index 0 'Usage: gaiactl kv put KEY [VALUE] [OPTIONS]'
	run --separate-stderr "$CTL" --help
	assert_success
	assert_line --index 0 'Usage: gaiactl [OPTIONS] [COMMAND [ARGS...]]'
	assert_line --regexp '^  GAIACTL_HISTORY '
	run --separate-stderr "$CTL" --version
	assert_success
	assert_output --regexp '^gaiactl [0-9]+\.[0-9]+\.[0-9]+'
	run --separate-stderr ctl help nosuch
	assert_failure 2
}

# --- scripts on stdin -----------------------------------------------------------

@test "a script on stdin: every line runs; the first failure stops it with its code" {
	run --separate-stderr bash -c "printf '%s\n' '# a comment' '' 'kv put script/a \"one two\"' \
		'kv get script/a' \"kv put 'script/b' 'it''s'\" 'kv get script/b' | \"$CTL\" -a $A1"
	assert_success
	assert_line --index 1 'one two'
	assert_line --index 3 'its'
	# stops at the missing key: the put after it never runs
	run --separate-stderr bash -c "printf '%s\n' 'kv put script/c 1' 'kv get script/none' \
		'kv put script/d 1' | \"$CTL\" -a $A1"
	assert_failure 1
	assert_equal "$stderr" "gaiactl: key 'script/none' not found"
	run --separate-stderr ctl kv get script/d
	assert_failure 1
	# a usage error stops it with 2, an open quote too
	run --separate-stderr bash -c "printf '%s\n' 'status' 'bogus' 'kv put script/e 1' | \"$CTL\" -a $A1"
	assert_failure 2
	run --separate-stderr bash -c "printf '%s\n' 'kv get \"script/a' | \"$CTL\" -a $A1"
	assert_failure 2
	assert_equal "$stderr" 'gaiactl: unterminated quote in: kv get "script/a'
	# connect switches node; quit ends with 0
	run --separate-stderr bash -c "printf '%s\n' 'connect $(node_api 3)' 'status --json' quit 'bogus' | \"$CTL\" -a $A1"
	assert_success
	assert_line --index 0 "connected to node-3 ($(node_api 3))"
	jq -e '.node_id == "node-3"' <<<"$(sed 1d <<<"$output")"
}

# --- the interactive shell, through tmux -------------------------------------------

# Start gaiactl in a private tmux server; extra arguments are environment
# settings (VAR=value) for it.
shell_start() {
	TMUX_SOCK="gaiactl-bats-$$-$RANDOM"
	tmux -L "$TMUX_SOCK" -f /dev/null new-session -d -x 160 -y 50 \
		"env -u GAIACTL_HISTORY $* $CTL -a $A1" \; set-option remain-on-exit on
	wait_pane 'Tab completes' 10
	wait_pane '^gaiactl .*> $' 10
}

pane() { tmux -L "$TMUX_SOCK" capture-pane -p -J; }
keys() { tmux -L "$TMUX_SOCK" send-keys "$@"; }

# wait_pane REGEX [seconds]: the pane shows a line matching REGEX
wait_pane() {
	local n=0 t=${2:-10}
	while [ $n -lt $((t * 10)) ]; do
		pane | grep -qE -- "$1" && return 0
		sleep 0.1
		n=$((n + 1))
	done
	echo "pane never showed /$1/:" >&2
	pane >&2
	return 1
}

# the last line of the pane that is not empty
last_line() { pane | grep -v '^$' | tail -1; }

wait_dead() {
	local n=0
	while [ $n -lt 100 ]; do
		[ "$(tmux -L "$TMUX_SOCK" list-panes -F '#{pane_dead}' 2>/dev/null)" = 1 ] && return 0
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}

@test "shell: a command's output, a failing command does not end it, Ctrl-C drops the line" {
	ctl kv put shell/key shell-value >/dev/null
	shell_start "HOME=$BATS_TEST_TMPDIR"
	keys 'kv get shell/key' Enter
	wait_pane '^shell-value$'
	# the tty drops unread input on ^C: let the shell show the text first
	keys 'half typed'
	wait_pane '> half typed$'
	keys C-c
	wait_pane '> half typed\^C$'
	keys 'kv get shell/key' Enter
	wait_pane '^gaiactl .*> kv get shell/key$'
	run pane
	refute_output --partial 'half typedkv'
	refute_output --partial 'unknown command'
	keys 'kv get shell/none' Enter
	wait_pane "^gaiactl: key 'shell/none' not found$"
	keys 'status' Enter
	wait_pane '^ID +ROLE +STATE'
	wait_pane "^node-1 \*"
	keys 'quit' Enter
	wait_dead
}

@test "shell: Tab completes a command, a subcommand, a node id and a key" {
	ctl kv put tabkey/alpha-unique 1 >/dev/null
	shell_start "HOME=$BATS_TEST_TMPDIR"
	keys 'sta' Tab
	wait_pane '> status +$'
	keys Enter
	wait_pane '^ID +ROLE +STATE'
	keys 'snapshot li' Tab
	wait_pane '> snapshot list +$'
	keys C-u 'help kv p' Tab
	wait_pane '> help kv put +$'
	keys C-u
	keys 'peers show node-' Tab Tab
	wait_pane '^node-1 +node-2 +node-3 *$'
	keys C-u 'kv get tabkey/al' Tab
	wait_pane '> kv get tabkey/alpha-unique +$'
	keys Enter
	wait_pane '^1$'
	keys 'quit' Enter
	wait_dead
}

@test "shell: history goes to \$HOME/.gaiactl_history and comes back with Up" {
	home=$BATS_TEST_TMPDIR/home
	mkdir -p "$home"
	ctl kv put hist/key remembered >/dev/null
	shell_start "HOME=$home"
	keys 'kv get hist/key' Enter
	wait_pane '^remembered$'
	keys 'quit' Enter
	wait_dead
	run cat "$home/.gaiactl_history"
	assert_line 'kv get hist/key'
	assert_line 'quit'
	tmux -L "$TMUX_SOCK" kill-server

	shell_start "HOME=$home"
	keys Up
	wait_pane '> quit$'
	keys Up
	wait_pane '> kv get hist/key$'
	keys Enter
	wait_pane '^remembered$'
	keys C-d
	wait_dead
}

@test "shell: GAIACTL_HISTORY names another history file" {
	shell_start "HOME=$BATS_TEST_TMPDIR/nohome" "GAIACTL_HISTORY=$BATS_TEST_TMPDIR/hist"
	keys 'help' Enter
	wait_pane '^  kv get KEY'
	keys C-d
	wait_dead
	run cat "$BATS_TEST_TMPDIR/hist"
	assert_output 'help'
	[ ! -e "$BATS_TEST_TMPDIR/nohome/.gaiactl_history" ]
}

@test "shell: connect switches node, and a node that does not answer keeps the old one" {
	shell_start "HOME=$BATS_TEST_TMPDIR"
	keys "connect $(node_api 2)" Enter
	wait_pane "^connected to node-2 \($(node_api 2)\)$"
	wait_pane "^gaiactl $(node_api 2)> $"
	keys 'connect 127.0.0.1:1' Enter
	wait_pane '^gaiactl: cannot reach 127.0.0.1:1'
	keys 'status' Enter
	wait_pane '^node node-2: '
	keys 'quit' Enter
	wait_dead
}

# --- last: it takes the quorum away --------------------------------------------------

@test "a cluster without quorum: writes and health fail with exit 1 and the reason" {
	node_kill 2
	node_kill 3
	# node 1 steps down once it no longer hears a majority
	for _ in $(seq 1 100); do
		status_of 1 | jq -e '.role != "leader"' >/dev/null 2>&1 && break
		sleep 0.1
	done
	run --separate-stderr "$CTL" -a "$A1" --timeout 3s kv put noquorum v
	assert_failure 1
	assert_output ''
	assert_regex "$stderr" '^gaiactl: .*(HTTP 503|did not answer|timed out|[Tt]imeout)'
	run --separate-stderr "$CTL" -a "$A1" health
	assert_failure 1
	assert_output --regexp '^unhealthy: leader -, term [0-9]+, '
	run --separate-stderr "$CTL" -a "$A1" --json health
	assert_failure 1
	jq -e '.cluster_status == "unhealthy"' <<<"$output"
	# reads of the node's own state still work
	run --separate-stderr "$CTL" -a "$A1" kv get ls/a --stale
	assert_success
	assert_output v-ls/a
}
