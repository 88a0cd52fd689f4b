#!/usr/bin/env bats
# bin/devcluster and bin/quickstart: the README's first command works.

setup() {
	load common
	export GAIA_DEV_DIR="$BATS_TEST_TMPDIR/dev"
	base=$((30000 + ($$ * 13 + RANDOM) % 15000))
	export GAIA_DEV_RAFT_PORT=$base GAIA_DEV_HTTP_PORT=$((base + 1)) GAIA_DEV_METRICS_PORT=$((base + 2))
}

teardown() {
	"$GAIA_TOP/bin/devcluster" stop >/dev/null 2>&1 || true
}

@test "quickstart starts three voters, writes and reads a key, and stops by pid" {
	run "$GAIA_TOP/bin/quickstart"
	assert_success
	assert_output --partial "world"
	run bash -c "'$GAIA_TOP/bin/devcluster' status | jq '[.nodes[] | select(.voter)] | length'"
	assert_output 3
	pids=$(cat "$GAIA_DEV_DIR"/node-*.pid)
	run "$GAIA_TOP/bin/quickstart" stop
	assert_success
	for p in $pids; do
		! kill -0 "$p" 2>/dev/null
	done
}
