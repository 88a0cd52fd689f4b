# nemesis.bash - the fault suite's faults on real gaia_go nodes (sourced by
# tests/fault/run after tests/lib/cluster.bash). Each fault is applied,
# left to act for a few seconds, and healed before the next one. Every
# firewall rule goes in the run's nft table ($GT_NFT_TABLE), deleted by
# name (part_heal) when the fault heals and in the run's exit trap.
# Randomness comes only from $RANDOM in this shell (seeded by the run), so
# a seed replays the same schedule of faults (not the same timings).

NEM_FAULTS_ALL="kill kill-leader pause pause-leader partition-halves partition-leader partition-ring membership restart-all"
declare -A NEM_COUNT=()
NEM_ID=()     # node index -> its current node id (a re-added node gets a new one)
NEM_DOWN=()   # node index -> 1 while we keep it stopped on purpose
NEM_PAUSED=() # node index -> 1 while SIGSTOPped
NEM_GEN=0
NEM_CRASHES=0
NEM_N=0
NEM_LOG=/dev/null
NEM_T0=0

nem_init() { # N LOGFILE
	NEM_N=$1
	NEM_LOG=$2
	NEM_T0=$(date +%s%N)
	for i in $(seq 1 "$NEM_N"); do
		NEM_ID[i]="node-$i"
		NEM_DOWN[i]=0
		NEM_PAUSED[i]=0
	done
}

nem_log() {
	local now
	now=$(date +%s%N)
	now=$(( (now - NEM_T0) / 100000000 ))
	printf '[%5d.%ds] %s\n' "$((now / 10))" "$((now % 10))" "$*" | tee -a "$NEM_LOG"
}

nem_count() { NEM_COUNT[$1]=$(( ${NEM_COUNT[$1]:-0} + 1 )); }

# NEM_R = a random integer in [0, N)
nem_rand() { NEM_R=$(( RANDOM % $1 )); }

# sleep a random time in [A, B] seconds (tenths)
nem_sleep() {
	local t
	nem_rand $(( ($2 - $1) * 10 + 1 ))
	t=$(( $1 * 10 + NEM_R ))
	sleep "$((t / 10)).$((t % 10))"
}

nem_start() { # I: start node I under its current id, on its data dir
	node_start "$1" false GAIA_NODE_ID="${NEM_ID[$1]}"
	disown "$!" 2>/dev/null # stopped by pid; no job notices
	NEM_DOWN[$1]=0
}

nem_status() { curl -s -m 0.5 "http://$(node_api "$1")/api/cluster/status?stale=true"; }

# NEM_L = the node that says it leads, among live unpaused ones; 1 if none
nem_leader() {
	local i
	NEM_L=
	for i in $(seq 1 "$NEM_N"); do
		[ "${NEM_DOWN[i]}" = 0 ] && [ "${NEM_PAUSED[i]}" = 0 ] || continue
		if nem_status "$i" | jq -e '.role == "leader"' >/dev/null 2>&1; then
			NEM_L=$i
			return 0
		fi
	done
	return 1
}

nem_wait_leader() { # [seconds]
	local n=0 t=${1:-10}
	while [ $n -lt $((t * 10)) ]; do
		nem_leader && return 0
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}

# Nodes that died without our doing are crashes: note, show, restart.
nem_check_alive() {
	local i
	for i in $(seq 1 "$NEM_N"); do
		[ "${NEM_DOWN[i]}" = 0 ] || continue
		node_alive "$i" && continue
		NEM_CRASHES=$((NEM_CRASHES + 1))
		if tail -5 "$GT_DIR/node-$i.log" | grep -qE 'SIG(TERM|INT): stopping'; then
			nem_log "CRASH: ${NEM_ID[i]} (node $i) stopped on a signal this run did not send; its log:"
		else
			nem_log "CRASH: ${NEM_ID[i]} (node $i) exited unexpectedly; last lines of its log:"
		fi
		tail -15 "$GT_DIR/node-$i.log" | sed 's/^/    /' | tee -a "$NEM_LOG"
		nem_start "$i"
	done
}

nem_pick() { # NEM_V = random node; with "leader", the leader (else random)
	nem_rand "$NEM_N"
	NEM_V=$((NEM_R + 1))
	if [ "${1:-}" = leader ] && nem_wait_leader 5; then
		NEM_V=$NEM_L
	fi
}

nem_kill() { # [leader]
	nem_pick "${1:-}"
	local v=$NEM_V
	nem_log "kill -9 ${NEM_ID[v]}${1:+ (the leader)}"
	NEM_DOWN[v]=1
	node_kill "$v"
	nem_sleep 1 4
	nem_log "restart ${NEM_ID[v]}"
	nem_start "$v"
	wait_http "$v" 15 >/dev/null 2>&1 || nem_log "${NEM_ID[v]} does not answer after restart"
}

nem_pause() { # [leader]: long enough for an election; it wakes up believing it leads
	nem_pick "${1:-}"
	local v=$NEM_V
	nem_log "SIGSTOP ${NEM_ID[v]}${1:+ (the leader)}"
	NEM_PAUSED[v]=1
	node_signal "$v" STOP
	nem_sleep 2 6
	nem_log "SIGCONT ${NEM_ID[v]}"
	node_signal "$v" CONT
	NEM_PAUSED[v]=0
}

nem_perm() { # NEM_P = a random permutation of 1..N
	local i j t
	NEM_P=()
	for i in $(seq 1 "$NEM_N"); do NEM_P+=("$i"); done
	for ((i = NEM_N - 1; i > 0; i--)); do
		nem_rand $((i + 1))
		j=$NEM_R
		t=${NEM_P[i]}
		NEM_P[i]=${NEM_P[j]}
		NEM_P[j]=$t
	done
}

nem_block() { # I J, both ways, in the run's table
	part_block "$1" "$2" || nem_log "nft rule for $1<->$2 failed"
}

nem_hold_partition() {
	nem_sleep 3 7
	nem_log "heal (delete table $GT_NFT_TABLE)"
	part_heal
}

nem_part_halves() {
	local k=$((NEM_N / 2)) i j a=() b=()
	nem_perm
	a=("${NEM_P[@]:0:k}")
	b=("${NEM_P[@]:k}")
	nem_log "partition halves: {${a[*]}} | {${b[*]}}"
	for i in "${a[@]}"; do for j in "${b[@]}"; do nem_block "$i" "$j"; done; done
	nem_hold_partition
}

nem_part_leader() {
	local l i
	if ! nem_wait_leader 5; then
		nem_log "partition leader: no leader now, skipped"
		return 1
	fi
	l=$NEM_L
	nem_log "partition: isolate the leader ${NEM_ID[l]} (node $l)"
	for i in $(seq 1 "$NEM_N"); do [ "$i" != "$l" ] && nem_block "$l" "$i"; done
	nem_hold_partition
}

# A majority ring: nodes on a random ring each reach only their
# neighbours (and so each sees a different majority). With 3 nodes, one
# link is cut: the two at its ends each see a different majority through
# the third.
nem_part_ring() {
	local i j d cut=()
	nem_perm
	if [ "$NEM_N" -le 3 ]; then
		cut=("${NEM_P[0]}-${NEM_P[1]}")
	else
		for ((i = 0; i < NEM_N; i++)); do
			for ((j = i + 1; j < NEM_N; j++)); do
				d=$((j - i))
				[ $d -gt $((NEM_N - d)) ] && d=$((NEM_N - d))
				[ $d -gt 1 ] && cut+=("${NEM_P[i]}-${NEM_P[j]}")
			done
		done
	fi
	nem_log "partition majority ring ${NEM_P[*]}: cut ${cut[*]}"
	for d in "${cut[@]}"; do nem_block "${d%-*}" "${d#*-}"; done
	nem_hold_partition
}

# Remove a follower, wipe it, and add it back: under its own id (the
# cluster forgets the removal) or under a new one, at random.
nem_membership() {
	local v l old new code n
	if ! nem_wait_leader 10; then
		nem_log "membership: no leader now, skipped"
		return 1
	fi
	l=$NEM_L
	nem_rand $((NEM_N - 1))
	v=$(( (l + NEM_R) % NEM_N + 1 ))
	old=${NEM_ID[v]}
	code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -X DELETE \
		"http://$(node_api "$l")/api/cluster/peers/$old")
	if [ "$code" != 200 ]; then
		nem_log "membership: removing $old answered $code, skipped"
		return 1
	fi
	nem_rand 2
	if [ "$NEM_R" = 0 ]; then
		new=$old
	else
		NEM_GEN=$((NEM_GEN + 1))
		new="node-$v-g$NEM_GEN"
	fi
	nem_log "membership: removed $old; wipe it and add it back as $new"
	NEM_DOWN[v]=1
	node_kill "$v"
	rm -rf "${GT_DIR:?}/node-$v"
	NEM_ID[v]=$new
	nem_start "$v"
	wait_http "$v" 15 >/dev/null 2>&1 || nem_log "$new does not answer"
	for n in $(seq 1 60); do
		nem_wait_leader 5 || continue
		code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -X POST \
			"http://$(node_api "$NEM_L")/api/cluster/peers" -H 'Content-Type: application/json' \
			-d "{\"node_id\":\"$new\",\"address\":\"$(node_raft "$v")\",\"api_address\":\"$(node_api "$v")\"}")
		case "$code" in 200 | 201) break ;; esac
		sleep 0.5
	done
	for n in $(seq 1 300); do
		nem_status "$NEM_L" | jq -e --arg id "$new" '.nodes[] | select(.id == $id) | .voter' \
			>/dev/null 2>&1 && { nem_log "membership: $new is a voter"; return 0; }
		sleep 0.1
		nem_wait_leader 5 >/dev/null
	done
	nem_log "membership: $new is not a voter after 30 s (add answered $code)"
	return 1
}

nem_restart_all() {
	local i
	nem_log "kill -9 every node, then start them all"
	for i in $(seq 1 "$NEM_N"); do NEM_DOWN[i]=1; node_signal "$i" KILL; done
	for i in $(seq 1 "$NEM_N"); do wait_gone "$i"; done
	for i in $(seq 1 "$NEM_N"); do nem_start "$i"; done
	for i in $(seq 1 "$NEM_N"); do
		wait_http "$i" 15 >/dev/null 2>&1 || nem_log "${NEM_ID[i]} does not answer after restart"
	done
}

# Apply one fault by name; it heals itself before returning.
nem_apply() {
	nem_count "$1"
	case "$1" in
	kill) nem_kill ;;
	kill-leader) nem_kill leader ;;
	pause) nem_pause ;;
	pause-leader) nem_pause leader ;;
	partition-halves) nem_part_halves ;;
	partition-leader) nem_part_leader ;;
	partition-ring) nem_part_ring ;;
	membership) nem_membership ;;
	restart-all) nem_restart_all ;;
	*) nem_log "unknown fault $1"; return 1 ;;
	esac
}

# Undo whatever is left: rules, paused and stopped nodes.
nem_heal_all() {
	local i
	part_heal
	for i in $(seq 1 "$NEM_N"); do
		if [ "${NEM_PAUSED[i]:-0}" = 1 ]; then
			node_signal "$i" CONT
			NEM_PAUSED[i]=0
		fi
		if [ "${NEM_DOWN[i]:-0}" = 1 ] && ! node_alive "$i"; then
			nem_start "$i"
		fi
	done
}

nem_counts() {
	local f out=
	for f in $NEM_FAULTS_ALL; do
		[ -n "${NEM_COUNT[$f]:-}" ] && out+="$f ${NEM_COUNT[$f]}, "
	done
	echo "${out:-none, }" | sed 's/, $//'
}
