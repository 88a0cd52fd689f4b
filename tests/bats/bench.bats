#!/usr/bin/env bats
# gaia-bench against a live three-node cluster: the table and the --json
# document with their fields, the keys it wrote on every node, the
# leader, the Unix socket, and the failures (exit 1, exit 2).

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
	BENCH=$GAIA_TOP/bin/gaia-bench
	ADDRS="$(node_api 1),$(node_api 2),$(node_api 3)"
}

# the number of keys under a prefix, as node I holds them
count_keys() { curl -s -m 5 "http://$(node_api "$1")/api/kv/?prefix=$2&consistency=stale" | jq length; }

@test "2 s of writes from 8 clients: the table, and the keys on every node" {
	run --separate-stderr "$BENCH" --addr "$ADDRS" --clients 8 --duration 2s --keys 200 \
		--key-prefix tbl-
	assert_success
	assert_line --index 0 --regexp "^put, 8 clients, 2\.[0-9]+ s, 100-byte values, 200 keys against $(node_api 1), $(node_api 2), $(node_api 3)$"
	assert_line --regexp '^OP +REQUESTS +OK +CONFLICTS +ERRORS +OPS/S +P50 MS +P90 MS +P99 MS +MAX MS$'
	assert_line --regexp '^put +[0-9]+ +[0-9]+ +0 +[0-9]+ +[0-9]+\.[0-9] +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+$'
	assert_line --regexp '^STATUS +COUNT$'
	assert_line --regexp '^200 +[0-9]+$'
	# a follower may briefly know no leader under load (503); nothing else
	run bash -c "sed -n '/^STATUS/,\$p' <<<\"\$1\" | grep -vE '^(STATUS +COUNT|200 +[0-9]+|503 +[0-9]+)$'" _ "$output"
	assert_output ''
	wait_same_state 3
	# every key written is on every node (a slow run may not reach all 200)
	n1=$(count_keys 1 tbl-)
	[ "$n1" -gt 0 ] && [ "$n1" -le 200 ]
	for i in 2 3; do
		run count_keys "$i" tbl-
		assert_output "$n1"
	done
	key=$(curl -s "http://$(node_api 1)/api/kv/?prefix=tbl-&consistency=stale" | jq -r '.[-1].key')
	run kv_get 2 "$key"
	assert_output --regexp '^[a-z]{100}$'
}

@test "--json: one document with throughput, errors by status and percentiles" {
	run --separate-stderr "$BENCH" --addr "$ADDRS" -c 8 -d 2s --op mixed --read-ratio 0.5 \
		--keys 100 --key-prefix json- --json
	assert_success
	doc=$output
	run jq -e '.op == "mixed" and .clients == 8 and (.targets | length) == 3
		and .consistency == "linearizable" and .value_size == 100 and .keys == 100
		and .elapsed_s >= 2 and .requests > 0 and .ok > 0 and .ok + .errors == .requests
		and .transport_errors == 0 and .status["200"] == .ok
		and (.status | keys - ["200", "503"]) == [] and .ops_per_s > 0
		and .latency_ms.p50 > 0 and .latency_ms.p50 <= .latency_ms.p90
		and .latency_ms.p90 <= .latency_ms.p99 and .latency_ms.p99 <= .latency_ms.max
		and .by_op.get.requests > 0 and .by_op.put.requests > 0
		and .by_op.get.requests + .by_op.put.requests == .requests
		and ((.errors == 0) == (.first_error == null))' <<<"$doc"
	[ "$status" -eq 0 ] || { echo "$doc"; false; }
	# the prefill wrote every key before the run
	run count_keys 1 json-
	assert_output 100
}

@test "--leader-only finds the leader through a follower; CAS conflicts are not errors" {
	l=$(leader_index 3)
	f=$((l % 3 + 1))
	run --separate-stderr "$BENCH" --addr "$(node_api "$f")" --leader-only -c 8 -n 400 \
		--op cas --keys 5 --key-prefix cas- --json
	assert_success
	run jq -r '[.leader, .targets[0], .requests, .ok + .conflicts, .errors] | @tsv' <<<"$output"
	assert_output "$(printf 'node-%s\t%s\t400\t400\t0' "$l" "$(node_api "$l")")"
}

@test "stale gets over the Unix socket" {
	# stale reads see node-2's own state: write the keys and let it catch up
	for k in $(seq 0 49); do
		[ "$(kv_put 1 "sock-$k" "v$k")" = 200 ]
	done
	wait_same_state 3
	run --separate-stderr "$BENCH" --socket "$GT_DIR/node-2/gaia.sock" -c 4 -n 500 --op get \
		--consistency stale --keys 50 --key-prefix sock- --no-prefill --json
	assert_success
	run jq -r '[.consistency, .by_op.get.ok, .errors, .targets[0]] | @tsv' <<<"$output"
	assert_output "$(printf 'stale\t500\t0\t%s' "$GT_DIR/node-2/gaia.sock")"
}

@test "every request failed: exit 1 with the reason on stderr" {
	run --separate-stderr "$BENCH" --addr 127.0.0.1:1 -c 2 -n 10
	assert_failure 1
	assert_equal "$stderr" "gaia-bench: every request failed: cannot reach 127.0.0.1:1: Connection refused"
	assert_line --regexp '^no answer +10$'
	run --separate-stderr "$BENCH" --addr 127.0.0.1:1 -c 1 -n 10 --op get
	assert_failure 1
	# the prefill runs in parallel: whichever key fails first is named
	[[ "$stderr" =~ ^"gaia-bench: prefill of 'bench-"[0-9]+"': cannot reach 127.0.0.1:1: Connection refused"$ ]]
}

@test "usage errors exit 2 and name the option" {
	run --separate-stderr "$BENCH" --clients 0
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "gaia-bench: --clients: '0' is below the minimum 1"
	assert_equal "${stderr_lines[1]}" "Try 'gaia-bench --help' for more information."
	run --separate-stderr "$BENCH" --op delete
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "gaia-bench: --op: 'delete' is not one of put, get, cas, mixed"
	run --separate-stderr "$BENCH" --duration 10
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "gaia-bench: --duration: '10' is not a duration (use 150ms, 5s, 2m, 1h or 7d)"
	run --separate-stderr "$BENCH" --addr "$(node_api 1)" --socket /x.sock
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "gaia-bench: --addr and --socket do not go together"
	run --separate-stderr "$BENCH" extra
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "gaia-bench: unexpected argument 'extra'"
	run --separate-stderr "$BENCH" --addr nohost
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "gaia-bench: bad address 'nohost': use host:port"
}

@test "--help, --version, and GAIA_ADDR as the default" {
	run "$BENCH" --help
	assert_success
	assert_line --index 0 "Usage: gaia-bench [OPTIONS]"
	assert_line --regexp '^  -c, --clients N +'
	run "$BENCH" --version
	assert_success
	assert_output --regexp '^gaia-bench [0-9]+\.[0-9]+\.[0-9]+$'
	run --separate-stderr env GAIA_ADDR="$(node_api 3)" "$BENCH" -n 50 --json
	assert_success
	run jq -r '.targets[0]' <<<"$output"
	assert_output "$(node_api 3)"
}

@test "bash completion: the options and their values" {
	source "$GAIA_TOP/completions/bash/gaia-bench"
	comp() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _gaia_bench; echo "${COMPREPLY[*]}"; }
	run comp gaia-bench --cl
	assert_output "--clients"
	run comp gaia-bench -c 4 --le
	assert_output "--leader-only"
	run comp gaia-bench --op ''
	assert_output "put get cas mixed"
	run comp gaia-bench --op = m
	assert_output "mixed"
	run comp gaia-bench --consistency s
	assert_output "stale"
	run comp gaia-bench --clients ''
	assert_output ""
	# every option of --help is offered
	for opt in $("$BENCH" --help | grep -oE '^  (-[a-zA-Z], )?--[a-z-]+' | grep -oE -- '--[a-z-]+'); do
		run comp gaia-bench "$opt"
		assert_output --partial -- "$opt"
	done
}

@test "zsh completion parses" {
	command -v zsh >/dev/null || skip "no zsh here"
	zsh -n "$GAIA_TOP/completions/zsh/_gaia-bench"
}
