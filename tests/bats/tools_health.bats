#!/usr/bin/env bats
# gaia-health against a live three-node cluster, as a Nagios plugin: OK
# (0) healthy, WARNING (1) degraded with a node stopped, --wait-healthy
# until it is back, CRITICAL (2) without quorum, UNKNOWN (3) unreachable
# and on usage errors; --node; --json checked with jq; the environment and
# the socket. Also the man page and the completion.

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
	HEALTH=$GAIA_TOP/bin/gaia-health
	unset GAIA_ADDR GAIA_SOCKET GAIA_DATA_DIR
}

# run gaia-health ARGS... until it exits with WANT (a loaded machine may
# show a late heartbeat as degraded for a moment); at most 15 s
run_until() {
	local want=$1 n
	shift
	for n in $(seq 1 60); do
		run --separate-stderr "$HEALTH" "$@"
		[ "$status" -eq "$want" ] && return 0
		sleep 0.25
	done
}

@test "a healthy cluster: GAIA OK, exit 0, through the leader and a follower" {
	l=$(wait_leader 3)
	f=$((l % 3 + 1))
	run_until 0 --addr "$(node_api "$f")"
	assert_success
	assert_output --regexp "^GAIA OK - cluster healthy, 3/3 peers healthy, leader node-$l \| peers=3 healthy_peers=3 degraded_peers=0 unhealthy_peers=0 term=[0-9]+c last_log_index=[0-9]+c$"
	assert_equal "$stderr" ""
	run_until 0 -a "$(node_api "$l")"
	assert_success
	assert_output --partial "GAIA OK - cluster healthy, 3/3 peers healthy, leader node-$l |"
}

@test "--json: the leader's document and the check, with jq" {
	l=$(wait_leader 3)
	run_until 0 --addr "$(node_api "$l")" --json
	assert_success
	run jq -e --arg l "node-$l" '.cluster_status == "healthy" and .leader_id == $l and .peer_count == 3
		and .healthy_peers == 3 and .check.status == "OK" and .check.exit_code == 0
		and .check.state == "healthy" and .check.mode == "cluster"
		and (.check.summary | startswith("cluster healthy, 3/3 peers healthy"))
		and (.check.perfdata | startswith("peers=3 "))' <<<"$output"
	assert_success
}

@test "--node: the node asked, as text and as JSON" {
	l=$(wait_leader 3)
	f=$((l % 3 + 1))
	run_until 0 --node -a "$(node_api "$f")"
	assert_success
	assert_output --regexp "^GAIA OK - node node-$f healthy, follower, leader node-$l, term [0-9]+ \| term=[0-9]+c last_index=[0-9]+c commit_index=[0-9]+c applied_index=[0-9]+c$"
	run_until 0 --node -a "$(node_api "$f")" --json
	assert_success
	run jq -e --arg f "node-$f" '.node_id == $f and .role == "follower" and .check.mode == "node"
		and .check.exit_code == 0 and (.nodes | length) == 3' <<<"$output"
	assert_success
}

@test "GAIA_ADDR, GAIA_SOCKET and --socket" {
	GAIA_ADDR=$(node_api 2) run_until 0
	assert_success
	assert_output --partial 'GAIA OK - cluster healthy'
	GAIA_SOCKET=$GT_DIR/node-3/gaia.sock run_until 0 --node
	assert_success
	assert_output --partial 'GAIA OK - node node-3 healthy'
	run_until 0 --socket "$GT_DIR/node-1/gaia.sock"
	assert_success
}

@test "an unreachable daemon: GAIA UNKNOWN, exit 3" {
	run --separate-stderr "$HEALTH" --addr 127.0.0.1:1
	assert_failure 3
	assert_output "GAIA UNKNOWN - cannot reach 127.0.0.1:1: Connection refused"
	run --separate-stderr "$HEALTH" --socket "$GT_DIR/none.sock" --node
	assert_failure 3
	assert_output --partial "GAIA UNKNOWN - cannot reach $GT_DIR/none.sock"
	run --separate-stderr "$HEALTH" --addr 127.0.0.1:1 --json
	assert_failure 3
	[[ $stderr == "gaia-health: cannot reach 127.0.0.1:1: Connection refused" ]]
	run jq -e '.cluster_status == "unreachable" and .check.status == "UNKNOWN" and .check.exit_code == 3
		and .check.state == "unreachable" and (.error | startswith("cannot reach"))' <<<"$output"
	assert_success
	# --wait-healthy gives up after --timeout, still UNKNOWN
	run --separate-stderr "$HEALTH" --addr 127.0.0.1:1 --wait-healthy --timeout 1s --interval 200ms
	assert_failure 3
	assert_output --regexp '^GAIA UNKNOWN - cannot reach 127\.0\.0\.1:1: Connection refused \(not healthy after 1 s\)$'
	[[ $stderr == "gaia-health: waiting (0 s): UNKNOWN cannot reach"* ]]
	# on a terminal the progress is one line, redrawn
	command -v script >/dev/null || skip "script(1) is not installed"
	run script -qec "$HEALTH --addr 127.0.0.1:1 --wait-healthy --timeout 1s --interval 200ms" /dev/null
	assert_failure 3
	[[ $output == $'\r\e[Kgaia-health: waiting (0 s): UNKNOWN cannot reach 127.0.0.1:1'*$'\r\e[Kgaia-health: waiting'* ]]
	assert_line --partial 'GAIA UNKNOWN - cannot reach 127.0.0.1:1: Connection refused (not healthy after 1 s)'
}

@test "usage errors exit 3 (Nagios UNKNOWN) with a message on stderr; --help and --version exit 0" {
	run --separate-stderr "$HEALTH" --timeout 5x
	assert_failure 3
	[[ $stderr == "gaia-health: --timeout: '5x' is not a duration"* ]]
	[[ $stderr == *"Try 'gaia-health --help' for more information." ]]
	run --separate-stderr "$HEALTH" --bogus
	assert_failure 3
	run --separate-stderr "$HEALTH" extra
	assert_failure 3
	[[ $stderr == "gaia-health: unexpected argument 'extra'"* ]]
	run --separate-stderr "$HEALTH" --interval 1s
	assert_failure 3
	[[ $stderr == "gaia-health: --interval goes with --wait-healthy only"* ]]
	run --separate-stderr "$HEALTH" --addr "$(node_api 1)" --socket /tmp/x.sock
	assert_failure 3
	run --separate-stderr "$HEALTH" --addr 'no-port'
	assert_failure 3
	run --separate-stderr "$HEALTH" --help
	assert_success
	assert_line --index 0 'Usage: gaia-health [OPTIONS]'
	assert_output --partial '--wait-healthy'
	assert_output --partial '3 UNKNOWN'
	run --separate-stderr "$HEALTH" --version
	assert_success
	assert_output --regexp '^gaia-health [0-9]+\.[0-9]+\.[0-9]+'
}

@test "a stopped follower: WARNING, exit 1; --wait-healthy until it is back" {
	l=$(wait_leader 3)
	f=$((l % 3 + 1))
	node_stop "$f"
	run_until 1 -a "$(node_api "$l")"
	assert_failure 1
	assert_output --regexp "^GAIA WARNING - cluster degraded, 2/3 peers healthy \(1 degraded or catching up, 0 unhealthy\), leader node-$l \| peers=3 healthy_peers=2 "
	run --separate-stderr "$HEALTH" -a "$(node_api "$l")" --json
	assert_failure 1
	run jq -e '.cluster_status == "degraded" and .check.exit_code == 1 and .check.status == "WARNING"' <<<"$output"
	assert_success
	# still degraded after a short wait
	run --separate-stderr "$HEALTH" -a "$(node_api "$l")" --wait-healthy --timeout 1s
	assert_failure 1
	assert_output --regexp '^GAIA WARNING - cluster degraded, .* \(not healthy after 1 s\) \| '
	[[ $stderr == "gaia-health: waiting (0 s): WARNING cluster degraded"* ]]
	# the node comes back: the wait ends healthy
	node_start "$f" false
	run --separate-stderr "$HEALTH" -a "$(node_api "$l")" --wait-healthy --timeout 60s --interval 200ms
	assert_success
	assert_output --partial 'GAIA OK - cluster healthy, 3/3 peers healthy'
}

@test "the man page passes mandoc -Tlint; the bash completion loads" {
	command -v mandoc >/dev/null || skip "mandoc is not installed"
	run mandoc -Tlint "$GAIA_TOP/man/gaia-health.1"
	assert_success
	assert_output ''
	bash -n "$GAIA_TOP/completions/bash/gaia-health"
	run bash -c 'source "$1"; complete -p gaia-health' _ "$GAIA_TOP/completions/bash/gaia-health"
	assert_output 'complete -F _gaia_health gaia-health'
	run bash -c 'source "$1"; COMP_WORDS=(gaia-health --wa); COMP_CWORD=1; _gaia_health;
		echo "${COMPREPLY[*]}"' _ "$GAIA_TOP/completions/bash/gaia-health"
	assert_output '--wait-healthy'
}

# last: it takes the quorum away
@test "without quorum (2 of 3 stopped): GAIA CRITICAL, exit 2, also with --node" {
	l=$(wait_leader 3)
	s=$((l % 3 + 1))
	for i in 1 2 3; do [ "$i" = "$s" ] || node_stop "$i"; done
	run_until 2 -a "$(node_api "$s")"
	assert_failure 2
	assert_output --regexp "^GAIA CRITICAL - cluster unhealthy, no leader \(asked node-$s: term [0-9]+, 3 members\) \| "
	run --separate-stderr "$HEALTH" -a "$(node_api "$s")" --json
	assert_failure 2
	run jq -e '.cluster_status == "unhealthy" and .leader_id == null and .check.exit_code == 2
		and .check.status == "CRITICAL"' <<<"$output"
	assert_success
	run_until 2 --node -a "$(node_api "$s")"
	assert_failure 2
	assert_output --regexp "^GAIA CRITICAL - node node-$s knows no leader \([a-z-]+, term [0-9]+\) \| "
	run --separate-stderr "$HEALTH" -a "$(node_api "$s")" --wait-healthy --timeout 1s
	assert_failure 2
	assert_output --partial '(not healthy after 1 s)'
}
