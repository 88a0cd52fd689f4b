#!/usr/bin/env bats
# make distcheck: the tarball holds what a user needs (sources, man pages,
# completions, examples, the test suites and bin/check), builds out of
# tree from a read-only source, passes its unit tests, installs and
# uninstalls cleanly. (Only a few unit tests run inside it: the whole
# suite runs in bin/check already.)

setup() {
	load common
}

@test "make distcheck passes and the tarball is complete" {
	# a clean make environment: the outer make check's TESTS must not leak in
	run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES make -s -C "$GAIA_TOP" distcheck \
		TESTS='tests/unit/test_crc32c tests/unit/test_config tests/unit/test_kv'
	[ "$status" = 0 ] || { grep -E -B5 "\*\*\*|^FAIL" <<<"$output" | tail -40; return 1; }
	assert_output --partial "archives ready for distribution"
	tarball=$(ls "$GAIA_TOP"/gaia_go-*.tar.gz | head -1)
	run tar tzf "$tarball"
	for f in bin/check README.md configure gaia.pc.in man/gaia_go.8 man/gaia_go.yaml.5 \
		man/gaia-snap.1 completions/bash/gaia_go completions/zsh/_gaia_go \
		examples/prometheus/raft_alerts.yml tests/bats/docs.bats tests/lib/cluster.bash \
		libgaia/include/gaia/client.h; do
		assert_line --regexp "^gaia_go-[^/]*/$f\$"
	done
	rm -f "$tarball"
}
