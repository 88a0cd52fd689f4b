#!/usr/bin/env bats
# make install DESTDIR=...: programs, libgaia with gaia.h and gaia.pc, man
# pages and completions land where they belong; a program built against the
# installed library with pkg-config talks to a live node; make uninstall
# takes everything away again.

setup_file() {
	load common
	export DEST="$BATS_FILE_TMPDIR/dest"
	make -s -C "$GAIA_TOP" install DESTDIR="$DEST" >"$BATS_FILE_TMPDIR/install.out" 2>&1 ||
		{ cat "$BATS_FILE_TMPDIR/install.out" >&2; return 1; }
	PREFIX=$(sed -n 's/^prefix=//p' "$GAIA_TOP/gaia.pc")
	export PREFIX ROOT="$DEST$PREFIX"
}

setup() {
	load common
}

@test "programs, library, headers, pkg-config file, man pages, completions" {
	for p in gaia_go gaia-bench; do
		[ -x "$ROOT/bin/$p" ] || { echo "no $ROOT/bin/$p"; return 1; }
		[ -f "$ROOT/share/bash-completion/completions/$p" ] || { echo "no bash completion of $p"; return 1; }
		[ -f "$ROOT/share/zsh/vendor-completions/_$p" ] || { echo "no zsh completion of $p"; return 1; }
	done
	[ -f "$ROOT/share/man/man8/gaia_go.8" ]
	[ -f "$ROOT/share/man/man1/gaia-bench.1" ]
	[ -f "$ROOT/share/man/man5/gaia_go.yaml.5" ]
	[ -f "$ROOT/include/gaia.h" ]
	[ -f "$ROOT/include/gaia/client.h" ]
	[ -f "$ROOT/lib/pkgconfig/gaia.pc" ]
	ls "$ROOT"/lib/libgaia.so* >/dev/null
	# every program built is installed
	for f in "$GAIA_TOP"/bin/*; do
		[ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
		[ -x "$ROOT/bin/$(basename "$f")" ] || { echo "$(basename "$f") not installed"; return 1; }
	done
	run "$ROOT/bin/gaia_go" --version
	assert_success
	assert_output --regexp '^gaia_go [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "the library exports only gaia_* names" {
	lib=$(ls "$ROOT"/lib/libgaia.so.*.*.* | head -1)
	run bash -c "nm -D --defined-only '$lib' | awk '\$2 ~ /^[TDBR]\$/ {print \$3}' | grep -v '^gaia_' | grep -v '^_'"
	assert_output ""
	nm -D --defined-only "$lib" | grep -q ' T gaia_kv_put$'
}

@test "a program built with pkg-config against the installed library reads and writes a live node" {
	command -v cc >/dev/null || skip "no C compiler"
	cat >"$BATS_TEST_TMPDIR/kv.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gaia/client.h>

int main(int argc, char **argv)
{
	struct gaia_client *c;
	char err[GAIA_ERRMSG_SIZE], *v = NULL, *json = NULL;
	uint64_t idx = 0, idx2 = 0, mod = 0;
	size_t len = 0;
	int rv;

	if (argc != 2 || gaia_client_open(&c, argv[1], NULL, 5000, err) != GAIA_OK) {
		fprintf(stderr, "open: %s\n", argc == 2 ? err : "usage");
		return 1;
	}
	if ((rv = gaia_kv_put(c, "lib/key", "v1", 2, &idx)) != GAIA_OK ||
	    (rv = gaia_kv_get(c, "lib/key", 0, &v, &len, &mod)) != GAIA_OK) {
		fprintf(stderr, "%s: %s\n", gaia_strerror(rv), gaia_client_errmsg(c));
		return 1;
	}
	printf("put index>0 %d, get %s len %zu same index %d\n", idx > 0, v, len, mod == idx);
	gaia_free(v);
	rv = gaia_kv_cas(c, "lib/key", "v2", 2, idx + 1000, &idx2);
	printf("stale cas %s\n", gaia_strerror(rv));
	rv = gaia_kv_cas(c, "lib/key", "v2", 2, idx, &idx2);
	printf("cas %s\n", gaia_strerror(rv));
	rv = gaia_kv_delete(c, "lib/key");
	printf("delete %s\n", gaia_strerror(rv));
	rv = gaia_kv_get(c, "lib/key", 0, &v, &len, NULL);
	printf("get after delete %s\n", gaia_strerror(rv));
	if (gaia_cluster_get(c, "status", &json) != GAIA_OK)
		return 1;
	printf("status has node_id %d\n", strstr(json, "\"node_id\"") != NULL);
	gaia_free(json);
	gaia_client_close(c);
	return 0;
}
C
	pc="$ROOT/lib/pkgconfig"
	flags=$(PKG_CONFIG_PATH="$pc" pkg-config --define-variable=prefix="$ROOT" --cflags --libs gaia)
	# a sanitized build (./configure --enable-sanitizers): the program needs
	# the sanitizer runtime first, so it is built with it too
	san=
	ldd "$(ls "$ROOT"/lib/libgaia.so.*.*.* | head -1)" | grep -q libasan &&
		san="-fsanitize=address,undefined"
	cc -std=c99 -Wall -Werror $san -o "$BATS_TEST_TMPDIR/kv" "$BATS_TEST_TMPDIR/kv.c" $flags
	cluster_init
	cluster_up 1
	run env LD_LIBRARY_PATH="$ROOT/lib" "$BATS_TEST_TMPDIR/kv" "$(node_api 1)"
	cluster_teardown
	assert_success
	assert_output "put index>0 1, get v1 len 2 same index 1
stale cas ECAS
cas OK
delete OK
get after delete ENOTFOUND
status has node_id 1"
}

@test "make uninstall leaves no file behind" {
	make -s -C "$GAIA_TOP" uninstall DESTDIR="$DEST" >/dev/null 2>&1
	run find "$DEST" -type f
	assert_output ""
}
