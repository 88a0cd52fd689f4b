#!/usr/bin/env bats
# gaia-peers against a live three-node cluster: list, show, remove (dry
# run, a running peer, a dead one with and without --force), transfer-leader,
# watch; --json checked with jq; the environment and the socket; every
# usage error (exit 2) and failure (exit 1) with its message; and, last, a
# cluster that lost its quorum. Also the man page and the completion.

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
	PEERS=$GAIA_TOP/bin/gaia-peers
	unset GAIA_ADDR GAIA_SOCKET GAIA_DATA_DIR
}

# a follower of the current leader (among 1..3)
follower_of() { echo $(($1 % 3 + 1)); }

@test "list: a table of the three members, the same through a follower" {
	l=$(wait_leader 3)
	run --separate-stderr "$PEERS" --addr "$(node_api "$l")"
	assert_success
	assert_line --index 0 --regexp '^ID +ROLE +STATE +ADDRESS +API ADDRESS +MATCH +LAG +CONTACT$'
	assert_line --regexp "^node-$l +leader +healthy +$(node_raft "$l") +$(node_api "$l") +[0-9]+ +0 +self$"
	[ "${#lines[@]}" -eq 4 ]
	f=$(follower_of "$l")
	run --separate-stderr "$PEERS" -a "$(node_api "$f")" list
	assert_success
	assert_line --regexp "^node-$l +leader +"
	assert_line --regexp "^node-$f +voter +(healthy|degraded) +$(node_raft "$f") "
}

@test "list --json: the leader's view as one array, checked with jq" {
	l=$(wait_leader 3)
	run --separate-stderr "$PEERS" --addr "$(node_api "$(follower_of "$l")")" --json
	assert_success
	run jq -e --arg l "node-$l" 'length == 3 and ([.[] | select(.is_leader)] | length) == 1
		and ([.[] | select(.is_leader)][0].id == $l) and all(.[]; .voter)
		and all(.[]; has("match_index") and has("next_index") and has("lag")
			and has("address") and has("api_address") and has("last_heartbeat"))
		and ([.[].id] | sort) == ["node-1", "node-2", "node-3"]' <<<"$output"
	assert_success
}

@test "GAIA_ADDR, GAIA_SOCKET and --socket choose the node; a flag beats the environment" {
	sock=$GT_DIR/node-2/gaia.sock
	[ -S "$sock" ]
	GAIA_ADDR=$(node_api 2) run --separate-stderr "$PEERS" --json
	assert_success
	run jq length <<<"$output"
	assert_output 3
	GAIA_SOCKET=$sock run --separate-stderr "$PEERS" --json list
	assert_success
	run jq length <<<"$output"
	assert_output 3
	run --separate-stderr "$PEERS" --socket "$sock" show node-1 --json
	assert_success
	run jq -r .id <<<"$output"
	assert_output node-1
	# --addr wins over a GAIA_ADDR that points nowhere
	GAIA_ADDR=127.0.0.1:1 run --separate-stderr "$PEERS" --addr "$(node_api 3)" --json
	assert_success
}

@test "show ID: one peer, as text and as JSON" {
	run --separate-stderr "$PEERS" -a "$(node_api 1)" show node-2
	assert_success
	assert_line --regexp '^id: +node-2$'
	assert_line --regexp '^role: +(voter|leader)$'
	assert_line --regexp "^address: +$(node_raft 2)$"
	assert_line --regexp "^api address: +$(node_api 2)$"
	assert_line --regexp '^match index: +[0-9]+$'
	run --separate-stderr "$PEERS" -a "$(node_api 1)" show node-3 --json
	assert_success
	run jq -e '.id == "node-3" and .voter == true and (.match_index | type) == "number"' <<<"$output"
	assert_success
}

@test "show and remove an unknown node id: exit 1, the node's message" {
	run --separate-stderr "$PEERS" -a "$(node_api 1)" show node-77
	assert_failure 1
	assert_equal "$output" ""
	[[ $stderr == "gaia-peers: $(node_api 1): no peer 'node-77' in the cluster (HTTP 404)" ]]
	run --separate-stderr "$PEERS" -a "$(node_api 1)" remove node-77
	assert_failure 1
	[[ $stderr == "gaia-peers: cannot remove node-77: $(node_api 1): no peer 'node-77' in the cluster (HTTP 404)" ]]
	run --separate-stderr "$PEERS" -a "$(node_api 1)" transfer-leader node-77
	assert_failure 1
	[[ $stderr == *"cannot transfer the leadership: "*"'node-77' is not a voter of the cluster (HTTP 404)" ]]
}

@test "usage errors exit 2 with a message on stderr" {
	run --separate-stderr "$PEERS" frobnicate
	assert_failure 2
	[[ $stderr == "gaia-peers: unknown command 'frobnicate'"* ]]
	[[ $stderr == *"Try 'gaia-peers --help' for more information."* ]]
	run --separate-stderr "$PEERS" show
	assert_failure 2
	[[ $stderr == "gaia-peers: show needs a node id"* ]]
	run --separate-stderr "$PEERS" remove
	assert_failure 2
	run --separate-stderr "$PEERS" list extra
	assert_failure 2
	[[ $stderr == "gaia-peers: unexpected argument 'extra'"* ]]
	run --separate-stderr "$PEERS" show a b
	assert_failure 2
	run --separate-stderr "$PEERS" list --force
	assert_failure 2
	[[ $stderr == "gaia-peers: --force goes with remove only"* ]]
	run --separate-stderr "$PEERS" show node-1 --dry-run
	assert_failure 2
	run --separate-stderr "$PEERS" list --count 3
	assert_failure 2
	run --separate-stderr "$PEERS" watch --interval 5x
	assert_failure 2
	[[ $stderr == "gaia-peers: --interval: '5x' is not a duration"* ]]
	run --separate-stderr "$PEERS" --timeout soon
	assert_failure 2
	[[ $stderr == *"'soon' is not a duration"* ]]
	run --separate-stderr "$PEERS" watch --count 0
	assert_failure 2
	run --separate-stderr "$PEERS" --bogus
	assert_failure 2
	run --separate-stderr "$PEERS" --addr "$(node_api 1)" --socket /tmp/x.sock
	assert_failure 2
	run --separate-stderr "$PEERS" show 'bad/id'
	assert_failure 2
	[[ $stderr == "gaia-peers: 'bad/id' is not a node id"* ]]
	run --separate-stderr "$PEERS" --addr 'no-port'
	assert_failure 2
}

@test "--help and --version" {
	run --separate-stderr "$PEERS" --help
	assert_success
	assert_line --index 0 --partial 'Usage: gaia-peers'
	assert_output --partial 'transfer-leader'
	assert_output --partial '--dry-run'
	assert_output --partial 'GAIA_SOCKET'
	run --separate-stderr "$PEERS" --version
	assert_success
	assert_output --regexp '^gaia-peers [0-9]+\.[0-9]+\.[0-9]+'
}

@test "an unreachable daemon: exit 1, 'cannot reach' on stderr" {
	run --separate-stderr "$PEERS" --addr 127.0.0.1:1
	assert_failure 1
	[[ $stderr == "gaia-peers: cannot reach 127.0.0.1:1: Connection refused" ]]
	run --separate-stderr "$PEERS" --socket "$GT_DIR/none.sock" show node-1
	assert_failure 1
	[[ $stderr == "gaia-peers: cannot reach $GT_DIR/none.sock"* ]]
	run --separate-stderr "$PEERS" --addr 127.0.0.1:1 watch --count 2 --interval 50ms
	assert_failure 1
	[[ $stderr == *"no refresh succeeded: cannot reach 127.0.0.1:1"* ]]
}

@test "watch --count N --interval: N refreshes, as blocks and as JSON lines" {
	run --separate-stderr "$PEERS" -a "$(node_api 1)" watch --count 3 --interval 200ms
	assert_success
	out=$output
	run grep -cE '^[0-9T:-]+Z  peers via .*  \(sample [123]\)$' <<<"$out"
	assert_output 3
	run grep -cE '^ID +ROLE +STATE +ADDRESS +API ADDRESS +MATCH +LAG +CONTACT +ENTRIES/S$' <<<"$out"
	assert_output 3
	run --separate-stderr "$PEERS" -a "$(node_api 2)" watch -c 3 -i 100ms --json
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	run jq -s -e '[.[].sample] == [1, 2, 3] and all(.[]; (.peers | length) == 3 and (.time | test("Z$")))' <<<"$output"
	assert_success
	# on a terminal each refresh redraws the screen
	command -v script >/dev/null || skip "script(1) is not installed"
	run script -qec "$PEERS -a $(node_api 3) watch -c 2 -i 100ms" /dev/null
	assert_success
	run grep -c $'^\e\\[H\e\\[2J' <<<"$output"
	assert_output 2
}

@test "watch shows replication: ENTRIES/S under write load" {
	l=$(wait_leader 3)
	( for k in $(seq 1 200); do kv_put "$l" "w-$k" v >/dev/null; done ) &
	load=$!
	run --separate-stderr "$PEERS" -a "$(node_api "$l")" watch --count 4 --interval 300ms
	wait "$load"
	assert_success
	# some refresh after the first saw a member gain entries
	run grep -E '^node-[123] +(leader|voter) .* [1-9][0-9]*$' <<<"$output"
	assert_success
}

@test "transfer-leader ID, then to any other voter; through a follower" {
	l=$(wait_leader 3)
	t=$(follower_of "$l")
	run --separate-stderr "$PEERS" -a "$(node_api "$l")" transfer-leader "node-$t"
	assert_success
	assert_output --regexp "^leadership transferred; leader: node-$t \(term [0-9]+\)$"
	run wait_leader 3
	assert_output "$t"
	# asked of a follower, forwarded to the leader, which hands over
	f=$(follower_of "$t")
	run --separate-stderr "$PEERS" -a "$(node_api "$f")" transfer-leader --json
	assert_success
	run jq -e --arg t "node-$t" '.leader_id != $t and .leader_id != null and (.term | type) == "number"
		and (.action | type) == "string"' <<<"$output"
	assert_success
	# the leader asked to hand over to itself has nothing to do
	l=$(wait_leader 3)
	run --separate-stderr "$PEERS" -a "$(node_api "$l")" transfer-leader "node-$l"
	assert_success
	assert_output --partial "already leads"
}

@test "remove --dry-run: the quorum figures, nothing removed" {
	run --separate-stderr "$PEERS" -a "$(node_api 1)" remove node-3 --dry-run
	assert_success
	assert_output "dry run: removing node-3 would leave 2 voters (quorum 2, tolerating 0 failures); now 3 voters (quorum 2, tolerating 1)"
	run --separate-stderr "$PEERS" -a "$(node_api 1)" remove node-3 --dry-run --json
	assert_success
	run jq -e '.dry_run and .voters_before == 3 and .voters_after == 2 and .quorum_after == 2
		and .failure_tolerance_before == 1 and .failure_tolerance_after == 0' <<<"$output"
	assert_success
	run bash -c "'$PEERS' -a $(node_api 1) --json | jq length"
	assert_output 3
}

@test "remove a running peer; a dead one needs --force" {
	node_start 4 false
	wait_http 4
	add_node 4 >/dev/null
	wait_voter 1 4 30
	node_start 5 false
	wait_http 5
	add_node 5 >/dev/null
	wait_voter 1 5 30
	# a running peer goes at once
	run --separate-stderr "$PEERS" -a "$(node_api 1)" remove node-5
	assert_success
	assert_output --regexp '^node-5 removed; members now: node-[1-4], node-[1-4], node-[1-4], node-[1-4]$'
	node_stop 5
	# a stopped one is refused until the leader has missed it for a while
	node_stop 4
	l=$(wait_leader 3)
	for _ in $(seq 1 50); do
		"$PEERS" -a "$(node_api "$l")" remove node-4 --dry-run >/dev/null 2>&1 || break
		sleep 0.2
	done
	run --separate-stderr "$PEERS" -a "$(node_api "$l")" remove node-4
	assert_failure 1
	[[ $stderr == *"cannot remove node-4: "*"node 'node-4' is unreachable"*"(HTTP 409)"* ]]
	[[ $stderr == *"gaia-peers: to remove node-4 anyway (a dead node): gaia-peers remove node-4 --force"* ]]
	run --separate-stderr "$PEERS" -a "$(node_api "$l")" remove node-4 --force --dry-run --json
	assert_success
	run jq -e '.voters_before == 4 and .voters_after == 3' <<<"$output"
	assert_success
	run --separate-stderr "$PEERS" -a "$(node_api "$l")" remove node-4 --force --json
	assert_success
	run jq -e '.node_id == "node-4" and .removed and (.nodes | length) == 3' <<<"$output"
	assert_success
}

@test "the man page passes mandoc -Tlint; the bash completion loads and completes" {
	command -v mandoc >/dev/null || skip "mandoc is not installed"
	run mandoc -Tlint "$GAIA_TOP/man/gaia-peers.1"
	assert_success
	assert_output ''
	bash -n "$GAIA_TOP/completions/bash/gaia-peers"
	run bash -c 'source "$1"; complete -p gaia-peers' _ "$GAIA_TOP/completions/bash/gaia-peers"
	assert_output 'complete -F _gaia_peers gaia-peers'
	# commands, then node ids asked of the node named on the line
	run bash -c 'PATH=$2:$PATH; source "$1"; COMP_WORDS=(gaia-peers tr); COMP_CWORD=1;
		_gaia_peers; echo "${COMPREPLY[*]}"' _ "$GAIA_TOP/completions/bash/gaia-peers" "$GAIA_TOP/bin"
	assert_output 'transfer-leader'
	run bash -c 'PATH=$2:$PATH; source "$1"; COMP_WORDS=(gaia-peers --addr "$3" show ""); COMP_CWORD=4;
		_gaia_peers; echo "${COMPREPLY[*]}"' _ "$GAIA_TOP/completions/bash/gaia-peers" \
		"$GAIA_TOP/bin" "$(node_api 1)"
	assert_output 'node-1 node-2 node-3'
}

# last: it takes the quorum away
@test "without quorum (2 of 3 stopped): list still answers, remove fails clearly" {
	l=$(wait_leader 3)
	s=$(follower_of "$l")
	for i in 1 2 3; do [ "$i" = "$s" ] || node_stop "$i"; done
	# the survivor knows no leader once its election timeout has passed
	for _ in $(seq 1 50); do
		status_of "$s" | jq -e '.leader_id == null' >/dev/null && break
		sleep 0.1
	done
	run --separate-stderr "$PEERS" -a "$(node_api "$s")" --timeout 5s remove "node-$l"
	assert_failure 1
	[[ $stderr == "gaia-peers: cannot remove node-$l: $(node_api "$s"): "*"(HTTP 503)" ]]
	run --separate-stderr "$PEERS" -a "$(node_api "$s")" --json
	assert_success
	run jq -e 'length == 3 and all(.[]; .is_leader | not)' <<<"$output"
	assert_success
}
