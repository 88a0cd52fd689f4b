#!/usr/bin/env bats
# Discovery on real processes: a static list, DNS against a real dnsmasq
# (SRV with ports, the A/AAAA fallback, a changed record, an unreachable
# resolver), nodes that join by themselves, and gaia-discover.

bats_require_minimum_version 1.5.0

setup() {
	load common
	source "$BATS_TEST_DIRNAME/../lib/discovery.bash"
	cluster_init
	DISCOVER=$GAIA_TOP/bin/gaia-discover
}

teardown() {
	discovery_teardown
}

static_list() { local l=; for i in "$@"; do l=$l${l:+,}$(node_raft "$i"); done; echo "$l"; }

@test "static: three nodes form one cluster from one list" {
	list=$(static_list 1 2 3)
	node_start 1 true CLUSTER_DISCOVERY_NODES="$list" CLUSTER_DISCOVERY_REFRESH_RATE=1s
	node_start 2 false CLUSTER_DISCOVERY_NODES="$list" CLUSTER_DISCOVERY_REFRESH_RATE=1s
	node_start 3 false CLUSTER_DISCOVERY_NODES="$list" CLUSTER_DISCOVERY_REFRESH_RATE=1s
	for i in 1 2 3; do wait_http "$i"; done
	wait_one_cluster 3 30
	# every node lists all three, named and members
	for i in 1 2 3; do
		wait_discovered "$i" '[.[] | select(.member and .id != null)] | length == 3' 15
	done
	run discovered 2
	assert_success
	run jq -e --arg p "$GT_RAFT_PORT" '.[] | select(.id == "node-3") |
		.hostname != null and (.raft_port | tostring) == $p and (.last_seen | test("Z$")) and .member' <<<"$output"
	assert_success
	# any member forwards: node-2 asked node-1, or node-3 if that one was in
	# first (an answer lost to a busy leader: "a member already" on retry)
	# (the answer may be logged after the node already became a voter)
	wait_log "$GT_DIR/node-2.log" \
		'asked node-[13] .* to add this node|node-[13] says this node is a member already' 15
	wait_log "$GT_DIR/node-3.log" 'this node is a voter' 15
}

@test "static: an empty node waits, saying so, until a member appears; a restarted member rejoins" {
	list=$(static_list 1 2)
	node_start 2 false CLUSTER_DISCOVERY_NODES="$list" CLUSTER_DISCOVERY_REFRESH_RATE=1s
	wait_http 2
	wait_log "$GT_DIR/node-2.log" 'waiting to join: discovery found 2 addresses, 0 other nodes answered, none of them a cluster member'
	node_alive 2
	node_start 1 true CLUSTER_DISCOVERY_NODES="$list" CLUSTER_DISCOVERY_REFRESH_RATE=1s
	wait_http 1
	wait_voter 1 2 30
	[ "$(kv_put_ok 1 k v1)" = 200 ]
	# kill -9 and restart the follower: it is back in the cluster by itself
	node_kill 2
	node_start 2 false CLUSTER_DISCOVERY_NODES="$list" CLUSTER_DISCOVERY_REFRESH_RATE=1s
	wait_http 2
	wait_one_cluster 2 30
	[ "$(kv_put_ok 1 k v2)" = 200 ]
	for _ in $(seq 1 50); do [ "$(kv_get 2 k consistency=stale)" = v2 ] && break; sleep 0.1; done
	run kv_get 2 k consistency=stale
	assert_output v2
}

@test "static: a member cut off from the others catches up by itself once the partition heals" {
	command -v nft >/dev/null || skip "nft is not installed"
	list=$(static_list 1 2 3)
	node_start 1 true CLUSTER_DISCOVERY_NODES="$list" CLUSTER_DISCOVERY_REFRESH_RATE=1s
	node_start 2 false CLUSTER_DISCOVERY_NODES="$list" CLUSTER_DISCOVERY_REFRESH_RATE=1s
	node_start 3 false CLUSTER_DISCOVERY_NODES="$list" CLUSTER_DISCOVERY_REFRESH_RATE=1s
	for i in 1 2 3; do wait_http "$i"; done
	wait_one_cluster 3 30
	l=$(wait_leader 3)
	victim=$(( l % 3 + 1 ))
	other=$(( victim % 3 + 1 ))
	[ "$other" != "$l" ] || other=$(( other % 3 + 1 ))
	part_block "$victim" "$l"
	part_block "$victim" "$other"
	for k in $(seq 1 20); do [ "$(kv_put_ok "$l" "cut-$k" "v$k")" = 200 ]; done
	sleep 2
	node_alive "$victim"
	part_heal
	for _ in $(seq 1 200); do
		[ "$(kv_get "$victim" cut-20 consistency=stale)" = v20 ] && break
		sleep 0.1
	done
	run kv_get "$victim" cut-20 consistency=stale
	assert_output v20
	wait_one_cluster 3 30
}

@test "static: members that all come back at new addresses find each other through discovery" {
	list=$(static_list 1 2 3)
	for i in 1 2 3; do
		node_start "$i" "$([ "$i" = 1 ] && echo true || echo false)" \
			CLUSTER_DISCOVERY_NODES="$list" CLUSTER_DISCOVERY_REFRESH_RATE=1s
	done
	for i in 1 2 3; do wait_http "$i"; done
	wait_one_cluster 3 30
	[ "$(kv_put_ok 1 before move)" = 200 ]
	for i in 1 2 3; do node_stop "$i"; done
	# node-N's data, now on the address of N+3: nobody is where the others
	# remember it; only the new list says where they are
	list=$(static_list 4 5 6)
	for i in 1 2 3; do
		node_start $((i + 3)) false GAIA_NODE_ID="node-$i" GAIA_DATA_DIR="$GT_DIR/node-$i" \
			CLUSTER_DISCOVERY_NODES="$list" CLUSTER_DISCOVERY_REFRESH_RATE=1s
	done
	for i in 4 5 6; do wait_http "$i"; done
	for _ in $(seq 1 300); do
		[ "$(status_of 4 | jq -r '.leader_id // empty')" != "" ] && break
		sleep 0.1
	done
	[ "$(kv_put_ok 4 after move)" = 200 ]
	run kv_get 5 before
	assert_output move
	grep -q "member 'node-[123]' is now at" "$GT_DIR"/node-[456].log
}

@test "dns: SRV records with their ports; the others join through them" {
	dns_start $(dns_srv_records 1 2 3)
	env=(CLUSTER_DISCOVERY_TYPE=dns CLUSTER_DISCOVERY_DOMAIN=$DNS_DOMAIN
		CLUSTER_DISCOVERY_DNS_SERVER=$(dns_addr) CLUSTER_DISCOVERY_REFRESH_RATE=1s)
	node_start 1 true "${env[@]}"
	node_start 2 false "${env[@]}"
	node_start 3 false "${env[@]}"
	for i in 1 2 3; do wait_http "$i"; done
	wait_one_cluster 3 30
	wait_discovered 1 '[.[] | select(.member)] | length == 3'
	run discovered 1
	assert_success
	run jq -r 'map(.hostname) | sort | join(" ")' <<<"$output"
	assert_output "n1.$DNS_DOMAIN n2.$DNS_DOMAIN n3.$DNS_DOMAIN"
	# the same, standalone
	run "$DISCOVER" --type dns --domain $DNS_DOMAIN --dns-server "$(dns_addr)" --json
	assert_success
	run jq -r 'map(.id) | sort | join(" ")' <<<"$output"
	assert_output "node-1 node-2 node-3"
}

@test "dns: without SRV records, the domain's A records with CLUSTER_DISCOVERY_PORT" {
	dns_start --host-record=nodes.$DNS_DOMAIN,"$(node_ip 1)" \
		--host-record=nodes.$DNS_DOMAIN,"$(node_ip 2)"
	env=(CLUSTER_DISCOVERY_TYPE=dns CLUSTER_DISCOVERY_DOMAIN=nodes.$DNS_DOMAIN
		CLUSTER_DISCOVERY_PORT=$GT_RAFT_PORT CLUSTER_DISCOVERY_DNS_SERVER=$(dns_addr)
		CLUSTER_DISCOVERY_REFRESH_RATE=1s)
	node_start 1 true "${env[@]}"
	node_start 2 false "${env[@]}"
	wait_http 1
	wait_http 2
	wait_one_cluster 2 30
	run "$DISCOVER" --type dns --domain nodes.$DNS_DOMAIN --port "$GT_RAFT_PORT" \
		--dns-server "$(dns_addr)" --json
	assert_success
	run jq -r 'map("\(.id)@\(.address):\(.raft_port)") | sort | join(" ")' <<<"$output"
	assert_output "node-1@$(node_raft 1) node-2@$(node_raft 2)"
	# without a port the A records are useless: said so, exit 1
	run "$DISCOVER" --type dns --domain nodes.$DNS_DOMAIN --dns-server "$(dns_addr)"
	assert_failure 1
	assert_output --partial "no SRV records for _raft._tcp.nodes.$DNS_DOMAIN"
}

@test "dns: a changed record is picked up on refresh" {
	dns_start $(dns_srv_records 1 2)
	env=(CLUSTER_DISCOVERY_TYPE=dns CLUSTER_DISCOVERY_DOMAIN=$DNS_DOMAIN
		CLUSTER_DISCOVERY_DNS_SERVER=$(dns_addr) CLUSTER_DISCOVERY_REFRESH_RATE=1s)
	node_start 1 true "${env[@]}"
	node_start 2 false "${env[@]}"
	wait_http 1
	wait_http 2
	wait_one_cluster 2 30
	wait_discovered 1 'length == 2'
	# node 3 is found once DNS names it, and joins
	node_start 3 false "${env[@]}"
	wait_http 3
	dns_stop
	dns_start $(dns_srv_records 1 2 3)
	wait_discovered 1 'length == 3 and ([.[] | select(.id == "node-3")] | length == 1)' 20
	wait_one_cluster 3 30
}

@test "dns: an unreachable resolver is a warning; the daemon keeps running and its last list" {
	dns_start $(dns_srv_records 1)
	env=(CLUSTER_DISCOVERY_TYPE=dns CLUSTER_DISCOVERY_DOMAIN=$DNS_DOMAIN
		CLUSTER_DISCOVERY_DNS_SERVER=$(dns_addr) CLUSTER_DISCOVERY_REFRESH_RATE=1s
		CLUSTER_RPC_TIMEOUT=1s)
	node_start 1 true "${env[@]}"
	wait_http 1
	wait_discovered 1 'length == 1 and .[0].id == "node-1"'
	dns_stop
	wait_log "$GT_DIR/node-1.log" 'warn +discovery .*DNS lookup of _raft._tcp.gaia.test via .*; keeping the last list \(1 address\)' 20
	node_alive 1
	run discovered 1
	assert_success
	run jq -r '.[0].id' <<<"$output"
	assert_output node-1
	[ "$(kv_put_ok 1 still up)" = 200 ]
	# a node started with no resolver at all runs, and says why it waits
	node_start 2 false "${env[@]}"
	wait_http 2
	wait_log "$GT_DIR/node-2.log" 'warn +discovery .*DNS lookup' 20
	node_alive 2
	# the resolver comes back: the waiting node finds the cluster and joins
	dns_start $(dns_srv_records 1 2)
	wait_voter 1 2 40
	wait_log "$GT_DIR/node-1.log" 'discovery works again' 20
}

@test "gaia-discover: static and the daemon's view, --json, exit 1 when nothing is found" {
	list=$(static_list 1 2)
	node_start 1 true CLUSTER_DISCOVERY_NODES="$list" CLUSTER_DISCOVERY_REFRESH_RATE=1s
	wait_http 1
	run "$DISCOVER" --type static --nodes "$list"
	assert_success
	assert_line --regexp "^node-1 +$(node_ip 1) +$(node_ip 1) +$GT_RAFT_PORT +[0-9a-f]{16} +$(node_api 1)\$"
	assert_line --regexp "^\? +$(node_ip 2) .* unreachable +-\$"
	assert_output --partial "gaia-discover: warning: cannot connect to $(node_raft 2)"
	# the flags mirror the environment
	CLUSTER_DISCOVERY_TYPE=static CLUSTER_DISCOVERY_NODES="$list" run --separate-stderr "$DISCOVER" --json
	assert_success
	[[ "$stderr" == "gaia-discover: warning: cannot connect to $(node_raft 2): Connection refused" ]]
	run jq -e 'length == 2 and .[0].id == "node-1" and .[0].reachable and
		(.[0].cluster_id | test("^[0-9a-f]{16}$")) and .[1].id == null and
		(.[1].reachable | not) and (.[1].error | test("cannot connect"))' <<<"$output"
	assert_success
	# the daemon's view (no --type)
	wait_discovered 1 'length == 2'
	run "$DISCOVER" --addr "$(node_api 1)"
	assert_success
	assert_line --index 0 --regexp '^ID +HOSTNAME +RAFT_PORT +LAST_SEEN +MEMBER$'
	assert_line --regexp "^node-1 +$(node_ip 1) +$GT_RAFT_PORT +[0-9T:-]+Z +yes\$"
	run "$DISCOVER" --socket "$GT_DIR/node-1/gaia.sock" --json
	assert_success
	run jq -e 'length == 2 and (map(.id) | index("node-1")) != null' <<<"$output"
	assert_success
	# nothing found: exit 1
	dns_start
	run "$DISCOVER" --type dns --domain nothing.$DNS_DOMAIN --port 1 --dns-server "$(dns_addr)"
	assert_failure 1
	assert_output "gaia-discover: dns discovery found no node"
	run "$DISCOVER" --type static --nodes ""
	assert_failure 2
	# an unreachable resolver, a daemon not running, usage errors
	dns_stop
	run "$DISCOVER" --type dns --domain $DNS_DOMAIN --dns-server "$(dns_addr)" --timeout 1s
	assert_failure 1
	assert_output --partial "DNS lookup of _raft._tcp.$DNS_DOMAIN via $(dns_addr)"
	run "$DISCOVER" --addr 127.0.0.1:1
	assert_failure 1
	assert_output --partial 'give --type to run discovery without a daemon'
	run "$DISCOVER" --type carrier-pigeon
	assert_failure 2
	run "$DISCOVER" --type dns
	assert_failure 2
	assert_output --partial 'dns discovery needs --domain'
	run "$DISCOVER" --type static --nodes nohostport
	assert_failure 2
	assert_output --partial "'nohostport' is not host:port"
}

@test "gaia-discover: --help, man page and completions" {
	run "$DISCOVER" --help
	assert_success
	assert_output --partial '--dns-server'
	run "$DISCOVER" --version
	assert_success
	if command -v mandoc >/dev/null; then
		run mandoc -Tlint "$GAIA_TOP/man/gaia-discover.1"
		assert_success
		assert_output ''
	fi
	run bash -c "source '$GAIA_TOP/completions/bash/gaia-discover' &&
		COMP_WORDS=(gaia-discover --type '') COMP_CWORD=2 && _gaia_discover &&
		echo \"\${COMPREPLY[*]}\""
	assert_success
	assert_output 'static dns consul'
	grep -q '^#compdef gaia-discover' "$GAIA_TOP/completions/zsh/_gaia-discover"
}
