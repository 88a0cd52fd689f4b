#!/bin/sh
# A failing fdatasync (injected with strace) is reported as GAIA_EIO, never
# as durable, and the WAL refuses further work; a reopen without faults
# finds an intact log holding at least every entry reported durable.
# Skips (77) when strace is missing or ptrace is not permitted.
set -u

helper=./tests/wal/wal_eio_helper
[ -x "$helper" ] || { echo "missing $helper"; exit 1; }
command -v strace >/dev/null 2>&1 || { echo "SKIP: strace not installed"; exit 77; }
strace -f -qq -o /dev/null true >/dev/null 2>&1 || { echo "SKIP: ptrace not permitted"; exit 77; }

top=$(mktemp -d "${TMPDIR:-/tmp}/gaia-wal-eio.XXXXXX") || exit 1
trap 'rm -rf "$top"' EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }
# LeakSanitizer cannot run under ptrace (sanitizer builds); the reopens
# below, not traced, still check for leaks.
traced() {
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -o /dev/null -e trace=fdatasync "$@"
}

# Appends: the N-th fdatasync of the writer thread fails (strace counts
# per thread; each synced append is one fdatasync there).
for when in 2 5 9; do
	dir="$top/append$when"
	out=$(traced -e inject=fdatasync:error=EIO:when=$when "$helper" append "$dir") ||
		{ echo "$out"; fail "append, fdatasync #$when failing"; }
	echo "$out" | sed "s/^/  [when=$when] /"
	echo "$out" | grep -q '^failed at [0-9]*: EIO: fdatasync' || fail "no fdatasync error reported"
	echo "$out" | grep -q '^refused further work' || fail "further work not refused"
	durable=$(echo "$out" | sed -n 's/^durable //p' | tail -1)
	"$helper" verify "$dir" "${durable:-0}" 0 || fail "reopen after the failure"
done

# Hard state: a failing fdatasync of the temp file leaves the old state.
dir="$top/hs"
out=$(traced -e inject=fdatasync:error=EIO:when=4 "$helper" hardstate "$dir") ||
	{ echo "$out"; fail "hardstate"; }
echo "$out" | sed 's/^/  [hardstate] /'
saved=$(echo "$out" | sed -n 's/^saved term //p' | tail -1)
"$helper" verify "$dir" 0 "${saved:-0}" || fail "reopen after the hard state failure"
echo "ok"
