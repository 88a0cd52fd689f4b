#!/bin/sh
# A simulator campaign, named by this script's file name:
#   sim-3.test, sim-5.test, sim-7.test   random seeds for that cluster size
#   sim-figure8.test                      the directed Figure 8 schedule
#   sim-mutations.test                    each broken rule must be caught
sim="${top_builddir:-.}/tests/sim/gaia-sim"
name=$(basename "$0" .test)
case "$name" in
sim-3) exec "$sim" --nodes 3 --seeds 1:3000 ;;
sim-5) exec "$sim" --nodes 5 --seeds 1:2000 ;;
sim-7) exec "$sim" --nodes 7 --seeds 1:1000 ;;
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
	rm -f mutation.out
	exit $fail ;;
*) echo "campaign.sh: unknown campaign $name" >&2; exit 99 ;;
esac
