#!/usr/bin/env bats
# gaia-join and gaia_go --cluster-join against a live cluster that starts
# with one node: joins through --leader-address, --addr, the socket and the
# environment, --wait with its progress and its timeout, --json checked with
# jq, an id already there, a removed id, usage errors (exit 2), an
# unreachable daemon and, last, a cluster without quorum (exit 1). Also the
# man page and the completion.

bats_require_minimum_version 1.5.0

setup_file() {
	load common
	cluster_init
	cluster_up 1
	export GT_DIR GT_RAFT_PORT GT_HTTP_PORT GT_METRICS_PORT GT_NFT_TABLE GT_IP_PREFIX
}

teardown_file() {
	load common
	cluster_teardown
}

setup() {
	load common
	JOIN=$GAIA_TOP/bin/gaia-join
	unset GAIA_ADDR GAIA_SOCKET GAIA_DATA_DIR
}

members() { status_of 1 | jq -r '[.nodes[].id] | sort | join(" ")'; }

@test "usage errors exit 2 with a message on stderr" {
	run --separate-stderr "$JOIN" --address "$(node_raft 2)"
	assert_failure 2
	[[ $stderr == "gaia-join: --node-id is required"* ]]
	[[ $stderr == *"Try 'gaia-join --help' for more information." ]]
	run --separate-stderr "$JOIN" --node-id node-2
	assert_failure 2
	[[ $stderr == "gaia-join: --address is required"* ]]
	run --separate-stderr "$JOIN" --node-id node-2 --address nohost
	assert_failure 2
	[[ $stderr == "gaia-join: --address: 'nohost' is not HOST:PORT"* ]]
	run --separate-stderr "$JOIN" --node-id node-2 --address host:99999
	assert_failure 2
	run --separate-stderr "$JOIN" --node-id 'a b' --address "$(node_raft 2)"
	assert_failure 2
	[[ $stderr == "gaia-join: --node-id: 'a b' is not a node id"* ]]
	run --separate-stderr "$JOIN" -n node-2 -A "$(node_raft 2)" --api-address x
	assert_failure 2
	run --separate-stderr "$JOIN" -n node-2 -A "$(node_raft 2)" --wait --wait-timeout 5x
	assert_failure 2
	[[ $stderr == "gaia-join: --wait-timeout: '5x' is not a duration"* ]]
	run --separate-stderr "$JOIN" -n node-2 -A "$(node_raft 2)" --timeout -1s
	assert_failure 2
	run --separate-stderr "$JOIN" -n node-2 -A "$(node_raft 2)" --leader-address "$(node_api 1)" --addr "$(node_api 1)"
	assert_failure 2
	[[ $stderr == "gaia-join: --leader-address does not go with --addr or --socket"* ]]
	run --separate-stderr "$JOIN" -n node-2 -A "$(node_raft 2)" extra
	assert_failure 2
	[[ $stderr == "gaia-join: unexpected argument 'extra'"* ]]
	run --separate-stderr "$JOIN" --frob
	assert_failure 2
	# nothing reached the cluster
	run members
	assert_output node-1
}

@test "--help and --version" {
	run --separate-stderr "$JOIN" --help
	assert_success
	assert_line --index 0 --partial 'Usage: gaia-join --node-id ID --address HOST:PORT'
	assert_output --partial '--wait-timeout'
	assert_output --partial 'GAIA_ADDR'
	run --separate-stderr "$JOIN" --version
	assert_success
	assert_output --regexp '^gaia-join [0-9]+\.[0-9]+\.[0-9]+'
}

@test "an unreachable daemon: exit 1, 'cannot reach' on stderr" {
	run --separate-stderr "$JOIN" -n node-2 -A "$(node_raft 2)" --leader-address 127.0.0.1:1
	assert_failure 1
	assert_equal "$output" ""
	[[ $stderr == "gaia-join: cannot add node-2: cannot reach 127.0.0.1:1: Connection refused" ]]
	run --separate-stderr "$JOIN" -n node-2 -A "$(node_raft 2)" --socket "$GT_DIR/none.sock"
	assert_failure 1
	[[ $stderr == "gaia-join: cannot add node-2: cannot reach $GT_DIR/none.sock"* ]]
}

@test "--leader-address --wait: the node becomes a voter, progress on stderr" {
	for k in $(seq 1 50); do kv_put_ok 1 "pre-$k" "v$k" >/dev/null; done
	node_start 2 false
	wait_http 2
	run --separate-stderr "$JOIN" --node-id node-2 --address "$(node_raft 2)" \
		--leader-address "$(node_api 1)" --wait --wait-timeout 60s
	assert_success
	assert_line --index 0 "node-2 added as a learner via $(node_api 1); it becomes a voter once caught up"
	assert_line --index 1 --regexp '^node-2 is a voter \(at index [0-9]+, after [0-9.]+ s\)$'
	# not a terminal: progress as lines, the last one the voter
	[[ $stderr == "gaia-join: node-2: "* ]]
	[[ ${stderr##*$'\n'} == "gaia-join: node-2: voter, "* ]]
	is_voter 1 2
	wait_same_state 2
}

@test "through the local socket with --json --wait, and GAIA_SOCKET; the REST address recorded" {
	node_start 3 false
	wait_http 3
	run --separate-stderr "$JOIN" -n node-3 -A "$(node_raft 3)" --api-address "$(node_api 3)" \
		--socket "$GT_DIR/node-1/gaia.sock" --wait --json
	assert_success
	run jq -e --arg via "$GT_DIR/node-1/gaia.sock" '.node_id == "node-3" and .created == true
		and .via == $via and .wait.voter == true and (.wait.match_index > 0)
		and (.wait.elapsed_ms | type) == "number" and ([.nodes[].id] | index("node-3")) != null' <<<"$output"
	assert_success
	run members
	assert_output 'node-1 node-2 node-3'
	run bash -c "curl -s http://$(node_api 1)/api/cluster/peers/node-3 | jq -r .api_address"
	assert_output "$(node_api 3)"
	# again, through the environment: already a member, nothing changes
	GAIA_SOCKET=$GT_DIR/node-2/gaia.sock run --separate-stderr "$JOIN" -n node-3 -A "$(node_raft 3)"
	assert_success
	assert_output "node-3 is already a member (asked $GT_DIR/node-2/gaia.sock)"
	GAIA_ADDR=$(node_api 2) run --separate-stderr "$JOIN" -n node-3 -A "$(node_raft 3)" --json
	assert_success
	run jq -e '.created == false and (.nodes | length) == 3' <<<"$output"
	assert_success
}

@test "--wait gives up after --wait-timeout when the node never answers; a removed id comes back on a wiped node" {
	# nothing listens at node 9's address: it stays a learner with no progress
	run --separate-stderr "$JOIN" -n node-9 -A "$(node_raft 9)" -a "$(node_api 1)" \
		--wait --wait-timeout 1500ms
	assert_failure 1
	assert_line --index 0 "node-9 added as a learner via $(node_api 1); it becomes a voter once caught up"
	[[ $stderr == *"gaia-join: node-9 is not a voter after "*" s: "* ]]
	run bash -c "curl -s http://$(node_api 1)/api/cluster/peers/node-9 | jq -r .voter"
	assert_output false
	http DELETE "http://$(node_api 1)/api/cluster/peers/node-9?force=true"
	assert_equal "$status_code" 200
	# a removed id comes back only on an empty data dir: here a fresh node 9
	node_start 9 false
	wait_http 9
	run --separate-stderr "$JOIN" -n node-9 -A "$(node_raft 9)" -a "$(node_api 1)" \
		--api-address "$(node_api 9)" --wait --wait-timeout 30s
	assert_success
	run bash -c "curl -s http://$(node_api 1)/api/cluster/peers/node-9 | jq -r .voter"
	assert_output true
}

@test "gaia_go --cluster-join adds a node the same way; and says why it cannot" {
	node_start 4 false
	wait_http 4
	run --separate-stderr "$GAIA_GO" --cluster-join --node-id node-4 --address "$(node_raft 4)" \
		--leader-address "$(node_api 2)"
	assert_success
	assert_output "node node-4 added as a learner via $(node_api 2); it becomes a voter once caught up"
	wait_voter 1 4 30
	run --separate-stderr "$GAIA_GO" --cluster-join --node-id node-4 --address "$(node_raft 4)" \
		--leader-address "$(node_api 1)"
	assert_success
	assert_output "node node-4 is already a member (via $(node_api 1))"
	run --separate-stderr "$GAIA_GO" --cluster-join --node-id node-5 --address "$(node_raft 5)" \
		--leader-address 127.0.0.1:1
	assert_failure 1
	[[ $stderr == "gaia_go: cannot add node-5 via 127.0.0.1:1: cannot reach 127.0.0.1:1: Connection refused" ]]
}

@test "the man page passes mandoc -Tlint; the bash completion loads" {
	command -v mandoc >/dev/null || skip "mandoc is not installed"
	run mandoc -Tlint "$GAIA_TOP/man/gaia-join.1"
	assert_success
	assert_output ''
	bash -n "$GAIA_TOP/completions/bash/gaia-join"
	run bash -c 'source "$1"; complete -p gaia-join' _ "$GAIA_TOP/completions/bash/gaia-join"
	assert_output 'complete -F _gaia_join gaia-join'
	run bash -c 'source "$1"; COMP_WORDS=(gaia-join --wa); COMP_CWORD=1; _gaia_join;
		echo "${COMPREPLY[*]}"' _ "$GAIA_TOP/completions/bash/gaia-join"
	assert_output '--wait --wait-timeout'
}

# last: it takes the quorum away (4 voters, 3 stopped)
@test "without quorum: exit 1 and the node's reason" {
	node_stop 2
	node_stop 3
	node_stop 4
	for _ in $(seq 1 50); do
		status_of 1 | jq -e '.leader_id == null' >/dev/null && break
		sleep 0.1
	done
	run --separate-stderr "$JOIN" -n node-6 -A "$(node_raft 6)" -a "$(node_api 1)" --timeout 5s
	assert_failure 1
	[[ $stderr == "gaia-join: cannot add node-6: $(node_api 1): "*"(HTTP 503)" ]]
}
