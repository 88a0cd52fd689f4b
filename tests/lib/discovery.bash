# discovery.bash - the DNS server and the Consul stand-in of the discovery
# tests, each on an address of the run's own loopback /24, started with its
# pid recorded and stopped by that pid.

DNS_DOMAIN=gaia.test

dns_addr() { echo "$(node_ip 52):$((GT_RAFT_PORT + 5))"; }

# dns_start [dnsmasq record options...]: a real dnsmasq answering for
# gaia.test only (unknown names there: NXDOMAIN)
dns_start() {
	dnsmasq --keep-in-foreground --log-facility=- --conf-file=/dev/null \
		--no-resolv --no-hosts --pid-file= --user=root \
		--listen-address="$(node_ip 52)" --bind-interfaces --port=$((GT_RAFT_PORT + 5)) \
		--local=/$DNS_DOMAIN/ "$@" >>"$GT_DIR/dnsmasq.log" 2>&1 &
	echo $! >"$GT_DIR/dnsmasq.pid"
	local n=0
	while [ $n -lt 100 ]; do
		grep -q 'started, version' "$GT_DIR/dnsmasq.log" 2>/dev/null && return 0
		kill -0 "$(cat "$GT_DIR/dnsmasq.pid")" 2>/dev/null || break
		sleep 0.05
		n=$((n + 1))
	done
	echo "dnsmasq did not start:" >&2
	cat "$GT_DIR/dnsmasq.log" >&2
	return 1
}

dns_stop() {
	local p
	p=$(cat "$GT_DIR/dnsmasq.pid" 2>/dev/null) || return 0
	kill "$p" 2>/dev/null
	while kill -0 "$p" 2>/dev/null; do sleep 0.05; done
	rm -f "$GT_DIR/dnsmasq.pid"
	: >"$GT_DIR/dnsmasq.log"
}

# dns records for nodes: SRV _raft._tcp.gaia.test -> nI.gaia.test:port, A nI.gaia.test
dns_srv_records() { # I...
	for i in "$@"; do
		echo "--srv-host=_raft._tcp.$DNS_DOMAIN,n$i.$DNS_DOMAIN,$GT_RAFT_PORT,0,10"
		echo "--host-record=n$i.$DNS_DOMAIN,$(node_ip "$i")"
	done
}

consul_addr() { echo "$(node_ip 51):$((GT_RAFT_PORT + 6))"; }

consul_start() { # [DATACENTER] [PRELOAD.json]
	python3 "$GAIA_TOP/tests/lib/fake-consul.py" "$(node_ip 51)" $((GT_RAFT_PORT + 6)) \
		"$GT_DIR/consul.log" "${1:-dc1}" ${2:+"$2"} 2>>"$GT_DIR/consul.err" &
	echo $! >"$GT_DIR/consul.pid"
	local n=0
	while [ $n -lt 100 ]; do
		curl -sf -m 1 "http://$(consul_addr)/v1/agent/services" >/dev/null 2>&1 && return 0
		sleep 0.05
		n=$((n + 1))
	done
	echo "the Consul stand-in did not start:" >&2
	cat "$GT_DIR/consul.err" >&2
	return 1
}

consul_stop() {
	local p
	p=$(cat "$GT_DIR/consul.pid" 2>/dev/null) || return 0
	kill "$p" 2>/dev/null
	while kill -0 "$p" 2>/dev/null; do sleep 0.05; done
	rm -f "$GT_DIR/consul.pid"
}

discovered() { curl -s -m 2 "http://$(node_api "$1")/api/cluster/discovered-nodes"; }

# wait until node I's discovered list satisfies the jq filter F
wait_discovered() { # I FILTER [seconds]
	local n=0 t=${3:-15}
	while [ $n -lt $((t * 10)) ]; do
		discovered "$1" | jq -e "$2" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n + 1))
	done
	echo "node-$1 discovered: $(discovered "$1")" >&2
	return 1
}

wait_log() { # FILE REGEX [seconds]
	local n=0 t=${3:-15}
	while [ $n -lt $((t * 10)) ]; do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		n=$((n + 1))
	done
	echo "no '$2' in $1 after ${t}s" >&2
	return 1
}

# every node of 1..N reports the same cluster id and leader, and is a voter
one_cluster() { # N
	local n=$1 ids leaders
	ids=$(for i in $(seq 1 "$n"); do status_of "$i" | jq -r .cluster_id; done | sort -u)
	leaders=$(for i in $(seq 1 "$n"); do status_of "$i" | jq -r .leader_id; done | sort -u)
	[ "$(echo "$ids" | wc -l)" = 1 ] && [ "$(echo "$leaders" | wc -l)" = 1 ] &&
		[ -n "$ids" ] && [ "$ids" != null ] && [ -n "$leaders" ] && [ "$leaders" != null ] || {
		echo "cluster ids: $ids; leaders: $leaders" >&2
		return 1
	}
	for i in $(seq 1 "$n"); do
		[ "$(status_of 1 | jq --arg id "node-$i" '[.nodes[] | select(.id == $id and .voter)] | length')" = 1 ] || {
			echo "node-$i is not a voter: $(status_of 1)" >&2
			return 1
		}
	done
}

wait_one_cluster() { # N [seconds]
	local n=0 t=${2:-30}
	while [ $n -lt $((t * 5)) ]; do
		one_cluster "$1" 2>/dev/null && return 0
		sleep 0.2
		n=$((n + 1))
	done
	one_cluster "$1"
}

discovery_teardown() {
	dns_stop
	consul_stop
	cluster_teardown
}
