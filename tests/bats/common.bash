# common.bash - loaded by every bats file: assertions and the cluster kit.
bats_load_library bats-support
bats_load_library bats-assert
source "$BATS_TEST_DIRNAME/../lib/cluster.bash"

# http METHOD URL [curl args...]: sets $status_code and $body
http() {
	local method=$1 url=$2
	shift 2
	local out
	out=$(curl -s -m 10 -X "$method" -w '\n%{http_code}' "$url" "$@")
	status_code=${out##*$'\n'}
	body=${out%$'\n'*}
}

# http_ok: like http, but a 503 is retried for up to 10 s (a client
# honouring Retry-After)
http_ok() {
	local n=0
	while :; do
		http "$@"
		[ "$status_code" = 503 ] || [ "$status_code" = 000 ] || return 0
		n=$((n + 1))
		[ $n -lt 100 ] || return 0
		sleep 0.1
	done
}

# the same key listing on every node (stale reads: each node's own state)
kv_dump() { curl -s -m 5 "http://$(node_api "$1")/api/kv/?consistency=stale" | jq -c 'sort_by(.key)'; }

wait_same_state() { # N [seconds]: every live node of 1..N holds the same keys
	local n=$1 t=${2:-10} k=0 ref ok
	while [ $k -lt $((t * 10)) ]; do
		ok=1
		ref=$(kv_dump 1)
		for i in $(seq 2 "$n"); do
			[ "$(kv_dump "$i")" = "$ref" ] || ok=0
		done
		[ $ok = 1 ] && [ -n "$ref" ] && return 0
		sleep 0.1
		k=$((k + 1))
	done
	for i in $(seq 1 "$n"); do echo "node-$i: $(kv_dump "$i")" >&2; done
	return 1
}
