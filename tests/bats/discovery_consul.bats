#!/usr/bin/env bats
# Consul discovery. Consul is not packaged for Debian, so these tests run
# against tests/lib/fake-consul.py, a small HTTP server answering Consul's
# documented catalog (GET /v1/catalog/service/gaia-go) and agent
# (PUT /v1/agent/service/register, .../deregister/ID) endpoints with
# Consul's JSON shapes; it runs no health checks.

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

consul_env() {
	echo CLUSTER_DISCOVERY_TYPE=consul CONSUL_ADDR="$(consul_addr)" CONSUL_DATACENTER=dc1 \
		CLUSTER_DISCOVERY_REFRESH_RATE=1s
}

@test "consul: nodes register with a health check, find each other in the catalog and form one cluster" {
	consul_start dc1
	node_start 1 true $(consul_env)
	node_start 2 false $(consul_env)
	node_start 3 false $(consul_env)
	for i in 1 2 3; do wait_http "$i"; done
	wait_one_cluster 3 30
	wait_discovered 2 '[.[] | select(.member)] | length == 3'
	# each registered itself: service gaia-go, its Raft address, a TCP check
	for i in 1 2 3; do
		grep '^BODY ' "$GT_DIR/consul.log" | sed 's/^BODY //' |
			jq -s -e --arg id "gaia-go-node-$i" --arg a "$(node_ip "$i")" --arg p "$GT_RAFT_PORT" \
				--arg api "$(node_api "$i")" \
				'map(select(.ID == $id)) | length >= 1 and all(.Name == "gaia-go" and .Address == $a and
				(.Port | tostring) == $p and .Meta.node_id == ($id | ltrimstr("gaia-go-")) and
				.Meta.api_addr == $api and .Check.TCP == ($a + ":" + $p) and .Check.Interval != null)' >/dev/null
	done
	grep -q "^GET /v1/catalog/service/gaia-go?dc=dc1$" "$GT_DIR/consul.log"
	# the catalog, standalone
	run --separate-stderr "$DISCOVER" --type consul --consul-addr "$(consul_addr)" --datacenter dc1 --json
	assert_success
	run jq -r 'map("\(.id)@\(.address):\(.raft_port)") | sort | join(" ")' <<<"$output"
	assert_output "node-1@$(node_raft 1) node-2@$(node_raft 2) node-3@$(node_raft 3)"
	# a node that leaves the cluster deregisters (and keeps running)
	http_ok DELETE "http://$(node_api 3)/api/cluster/self"
	assert_equal "$status_code" 200
	wait_log "$GT_DIR/consul.log" "^PUT /v1/agent/service/deregister/gaia-go-node-3$" 20
	node_alive 3
	run bash -c "curl -s http://$(consul_addr)/v1/catalog/service/gaia-go | jq -r 'map(.ServiceID) | sort | join(\" \")'"
	assert_output "gaia-go-node-1 gaia-go-node-2"
	# so does a node that stops
	node_stop 2
	grep -q "^PUT /v1/agent/service/deregister/gaia-go-node-2$" "$GT_DIR/consul.log"
	run bash -c "curl -s http://$(consul_addr)/v1/catalog/service/gaia-go | jq -r 'map(.ServiceID) | join(\" \")'"
	assert_output "gaia-go-node-1"
}

@test "consul: an unreachable agent is a warning; the node runs, registers and joins once it is back" {
	node_start 1 true $(consul_env) CLUSTER_RPC_TIMEOUT=1s
	wait_http 1
	wait_log "$GT_DIR/node-1.log" "warn +discovery .*Consul at $(consul_addr).*keeping the last list" 20
	node_alive 1
	[ "$(kv_put_ok 1 k v)" = 200 ]
	node_start 2 false $(consul_env) CLUSTER_RPC_TIMEOUT=1s
	wait_http 2
	consul_start dc1
	wait_voter 1 2 40
	grep -q 'BODY .*"gaia-go-node-1"' "$GT_DIR/consul.log"
	grep -q 'BODY .*"gaia-go-node-2"' "$GT_DIR/consul.log"
	wait_log "$GT_DIR/node-1.log" 'discovery works again' 20
	# an agent that comes back without its state: the nodes register again
	consul_stop
	consul_start dc1
	for _ in $(seq 1 200); do
		[ "$(curl -s "http://$(consul_addr)/v1/catalog/service/gaia-go" | jq length)" = 2 ] && break
		sleep 0.1
	done
	run bash -c "curl -s http://$(consul_addr)/v1/catalog/service/gaia-go | jq -r 'map(.ServiceID) | sort | join(\" \")'"
	assert_output "gaia-go-node-1 gaia-go-node-2"
}

@test "gaia-discover --type consul: datacenters, nothing found, agent down" {
	cat >"$GT_DIR/preload.json" <<-JSON
	[{"ID": "gaia-go-a", "Name": "gaia-go", "Address": "$(node_ip 7)", "Port": 8300,
	  "Meta": {"node_id": "a"}},
	 {"ID": "other", "Name": "postgres", "Address": "$(node_ip 8)", "Port": 5432}]
	JSON
	consul_start dc7 "$GT_DIR/preload.json"
	# found (the node behind it is down: shown unreachable, exit 0)
	CONSUL_ADDR=$(consul_addr) CONSUL_DATACENTER=dc7 run --separate-stderr "$DISCOVER" --type consul --json
	assert_success
	run jq -e --arg a "$(node_ip 7)" 'length == 1 and .[0].hostname == "a" and .[0].address == $a and
		.[0].raft_port == 8300 and (.[0].reachable | not)' <<<"$output"
	assert_success
	CONSUL_ADDR=$(consul_addr) run "$DISCOVER" --type consul
	assert_success
	assert_line --regexp "^\? +a +$(node_ip 7) +8300 +unreachable +-\$"
	# another datacenter: Consul answers 500, the lookup fails
	run "$DISCOVER" --type consul --consul-addr "$(consul_addr)" --datacenter nowhere
	assert_failure 1
	assert_output --partial "Consul at $(consul_addr): GET /v1/catalog/service/gaia-go?dc=nowhere: HTTP 500"
	consul_stop
	# an empty catalog: exit 1
	consul_start dc1
	run "$DISCOVER" --type consul --consul-addr "http://$(consul_addr)/"
	assert_failure 1
	assert_output "gaia-discover: consul discovery found no node"
	consul_stop
	run "$DISCOVER" --type consul --consul-addr "$(consul_addr)" --timeout 1s
	assert_failure 1
	assert_output --partial "Consul at $(consul_addr)"
	run "$DISCOVER" --type consul
	assert_failure 2
	assert_output --partial 'consul discovery needs --consul-addr'
}
