#!/usr/bin/env bats
# The operations guide's "Bootstrapping a New Cluster" steps, run as
# written (tests/bats/data/guide_bootstrap.sh is the guide's block, byte
# for byte; the test checks it against the guide when the guide is at
# hand), with static and with DNS discovery configured the way the
# guide's "Node Discovery" section says.
#
# What stands in for the machines of the guide:
#   ./gaia_go   starts the real daemon for the node named by --node-id on
#               that node's loopback address (as on its own machine, the
#               command returns once it serves), pid recorded;
#   curl        sends http://node-N:8080/... to node N's REST address;
#   pg_restore  step 1 restores a PostgreSQL dump, which GAIA_GO does not
#               use (it keeps its own data): a stub that succeeds.

setup() {
	load common
	source "$BATS_TEST_DIRNAME/../lib/discovery.bash"
	cluster_init
	STEPS=$BATS_TEST_DIRNAME/data/guide_bootstrap.sh
	GUIDE=${GAIA_GUIDE:-$GAIA_TOP/../shared/OPERATIONS_GUIDE.md}
	make_machines
}

teardown() {
	discovery_teardown
}

make_machines() {
	local m=$GT_DIR/machines
	mkdir -p "$m/bin"
	cat >"$m/gaia_go" <<-SH
	#!/bin/bash
	# the node named by --node-id, on its own address
	id=
	for ((k = 1; k <= \$#; k++)); do
		[ "\${!k}" = --node-id ] && { k=\$((k + 1)); id=\${!k}; }
	done
	i=\${id#node-}
	source "$GAIA_TOP/tests/lib/cluster.bash"
	GT_DIR=$GT_DIR GT_RAFT_PORT=$GT_RAFT_PORT GT_HTTP_PORT=$GT_HTTP_PORT
	GT_METRICS_PORT=$GT_METRICS_PORT GT_IP_PREFIX=$GT_IP_PREFIX
	node_start "\$i" "\${CLUSTER_BOOTSTRAP:-false}"
	wait_http "\$i" 20
	SH
	cat >"$m/bin/curl" <<-SH
	#!/bin/bash
	# http://node-N:8080/... -> node N's REST address
	args=()
	for a in "\$@"; do
		if [[ \$a =~ ^http://node-([0-9]+):8080(/.*)?\$ ]]; then
			a="http://$GT_IP_PREFIX.\$((BASH_REMATCH[1] + 1)):$GT_HTTP_PORT\${BASH_REMATCH[2]}"
		fi
		args+=("\$a")
	done
	exec $(command -v curl) -s "\${args[@]}"
	SH
	cat >"$m/bin/pg_restore" <<-'SH'
	#!/bin/sh
	echo "pg_restore (stub): GAIA_GO keeps its own data; nothing to restore" >&2
	SH
	chmod +x "$m/gaia_go" "$m/bin/curl" "$m/bin/pg_restore"
}

run_steps() { # environment of the discovery, as VAR=value...
	cd "$GT_DIR/machines"
	run env PATH="$GT_DIR/machines/bin:$PATH" "$@" bash -e "$STEPS"
	cd - >/dev/null
}

check_result() {
	assert_success
	# step 3 printed node-1's status, step 5 a cluster status
	assert_output --partial '"node_id": "node-1"'
	assert_line --regexp '^"(healthy|degraded)"$'
	wait_one_cluster 3 40
	[ "$(curl -s "http://$(node_api 1)/api/cluster/status" | jq -r .leader_id)" != null ]
	for _ in $(seq 1 100); do
		[ "$(curl -s "http://$(node_api 1)/api/cluster/health" | jq -r .cluster_status)" = healthy ] && break
		sleep 0.1
	done
	run bash -c "curl -s http://$(node_api 1)/api/cluster/health | jq -r .cluster_status"
	assert_output healthy
}

@test "the guide's bootstrap steps are the ones tested here" {
	[ -r "$GUIDE" ] || skip "the operations guide is not at $GUIDE (set GAIA_GUIDE)"
	run bash -c "awk '/^### Bootstrapping a New Cluster/{f=1} f&&/^\`\`\`bash/{g=1;next} g&&/^\`\`\`/{exit} g' '$GUIDE'"
	assert_success
	assert_equal "$output" "$(cat "$STEPS")"
}

@test "the guide's bootstrap steps, as written, with static discovery" {
	run_steps CLUSTER_DISCOVERY_NODES="$(node_raft 1),$(node_raft 2),$(node_raft 3)"
	check_result
}

@test "the guide's bootstrap steps, as written, with DNS discovery" {
	dns_start $(dns_srv_records 1 2 3)
	run_steps CLUSTER_DISCOVERY_TYPE=dns CLUSTER_DISCOVERY_DOMAIN=$DNS_DOMAIN \
		CLUSTER_DISCOVERY_DNS_SERVER="$(dns_addr)" CLUSTER_DISCOVERY_REFRESH_RATE=30s
	check_result
}
