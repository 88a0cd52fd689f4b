#!/bin/sh
# A simulator campaign, named by this script's file name:
#   sim-3.test, sim-5.test, sim-7.test   random seeds for that cluster size
#   sim-learners.test                     1 voter + 2 learners, 2 voters + 1 learner
#   sim-adversary.test                    one member sends invalid messages
#   sim-readd.test                        a vote held across remove, re-add, wipe
#   sim-figure8.test                      the directed Figure 8 schedule
#   sim-mutations.test                    each broken rule must be caught
#   sim-regressions.test                  seeds that once failed
#   sim-replay.test                       a seed replays byte for byte
sim="${top_builddir:-.}/tests/sim/gaia-sim"
name=$(basename "$0" .test)
case "$name" in
sim-3) exec "$sim" --nodes 3 --seeds 1:3000 ;;
sim-5) exec "$sim" --nodes 5 --seeds 1:2000 ;;
sim-7) exec "$sim" --nodes 7 --seeds 1:1000 ;;
sim-learners)
	"$sim" --nodes 1 --learners 2 --seeds 1:1500 || exit 1
	exec "$sim" --nodes 2 --learners 1 --seeds 1:1500 ;;
sim-adversary)
	"$sim" --nodes 3 --learners 1 --adversary --seeds 1:600 || exit 1
	exec "$sim" --nodes 5 --adversary --seeds 1:400 ;;
sim-readd) exec "$sim" --scenario readd-vote --seeds 1:50 ;;
sim-regressions)
	# seeds that once failed, kept to guard their fixes
	"$sim" --nodes 3 --seeds 12649:1 || exit 1  # chunks of a newer snapshot stored before an install
	exit 0 ;;
sim-figure8) exec "$sim" --scenario figure8 --seeds 1:100 ;;
sim-mutations)
	fail=0
	run() {
		echo "== mutation $*"
		"$sim" "$@" --expect-failure >mutation.out 2>&1
		rc=$?
		grep -m1 '^FAIL' mutation.out
		tail -1 mutation.out
		[ $rc -eq 0 ] || fail=1
	}
	run --nodes 3 --seeds 1:3000 --mutation vote-no-log-check
	run --nodes 3 --seeds 1:3000 --mutation ack-before-persist
	run --nodes 3 --seeds 1:3000 --mutation read-no-quorum
	run --scenario figure8 --seeds 1:20 --mutation commit-old-term
	run --nodes 1 --learners 2 --seeds 1:4000 --mutation leader-msgs-before-persist
	run --nodes 3 --seeds 1:3000 --mutation snapshot-id-by-index
	run --nodes 3 --learners 1 --adversary --seeds 1:500 --mutation no-append-validation
	run --scenario readd-vote --seeds 1:20 --mutation readd-same-incarnation
	rm -f mutation.out
	exit $fail ;;
sim-replay)
	for n in 3 5 7; do
		"$sim" --nodes $n --seed 4242 --trace | grep -v ' time=' >replay-a.out
		"$sim" --nodes $n --seed 4242 --trace | grep -v ' time=' >replay-b.out
		if ! cmp -s replay-a.out replay-b.out || [ ! -s replay-a.out ]; then
			echo "seed 4242 with $n nodes did not replay identically"
			diff replay-a.out replay-b.out | head -20
			exit 1
		fi
		echo "nodes=$n: $(wc -l <replay-a.out) trace lines replayed identically"
	done
	rm -f replay-a.out replay-b.out
	exit 0 ;;
*) echo "campaign.sh: unknown campaign $name" >&2; exit 99 ;;
esac
