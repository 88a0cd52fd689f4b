#!/usr/bin/env bats
# Every program has a lint-clean man page and bash and zsh completions that
# offer each long option its --help lists; gaia_go.yaml(5) is lint-clean.

setup() {
	load common
}

# the programs: every ELF file in bin/ (bin/check, quickstart and
# devcluster are scripts)
programs() {
	local f
	for f in "$GAIA_TOP"/bin/*; do
		[ -f "$f" ] && [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] &&
			basename "$f"
	done
}

# the long options a program's --help lists
help_options() {
	"$GAIA_TOP/bin/$1" --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u
}

man_page() {
	local p
	for p in "$GAIA_TOP/man/$1.1" "$GAIA_TOP/man/$1.8"; do
		[ -f "$p" ] && { echo "$p"; return 0; }
	done
	return 1
}

@test "the built programs are the ones of the design" {
	run programs
	for p in gaia_go gaia-bench gaia-join gaia-peers gaia-health gaia-snap gaiactl gaia-discover; do
		assert_line "$p"
	done
}

@test "every program has a man page, lint-clean, naming each option, with exit status, environment and examples" {
	command -v mandoc >/dev/null || skip "mandoc is not installed"
	for p in $(programs); do
		page=$(man_page "$p") || { echo "no man page for $p"; return 1; }
		run mandoc -Tlint -W warning "$page"
		[ -z "$output" ] || { echo "$page: $output"; return 1; }
		for s in "EXIT STATUS" ENVIRONMENT EXAMPLES; do
			grep -q "^\.SH \"\?$s" "$page" || { echo "$page has no $s section"; return 1; }
		done
		text=$(mandoc -Tutf8 "$page" | col -b)
		for o in $(help_options "$p"); do
			grep -qF -- "$o" <<<"$text" || { echo "$page does not mention $o"; return 1; }
		done
	done
	run mandoc -Tlint -W warning "$GAIA_TOP/man/gaia_go.yaml.5"
	assert_output ""
}

@test "every program has a bash completion offering each option of its --help" {
	for p in $(programs); do
		f="$GAIA_TOP/completions/bash/$p"
		[ -f "$f" ] || { echo "no bash completion for $p"; return 1; }
		# what "prog --" offers, and "prog SUB --" for each subcommand
		# "prog " offers
		run bash -c '
			source "$1"
			spec=$(complete -p "$2") || exit 3
			fn=$(sed -n "s/.*-F \([^ ]*\) .*/\1/p" <<<"$spec")
			comp() { # words...
				COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"
				COMP_POINT=${#COMP_LINE}; COMPREPLY=()
				"$fn" "$1" "${@: -1}" "${@: -2:1}" 2>/dev/null
				printf "%s\n" "${COMPREPLY[@]}"
			}
			comp "$2" --
			for sub in $(comp "$2" ""); do
				case $sub in -*) ;; *) comp "$2" "$sub" -- ;; esac
			done' _ "$f" "$p"
		assert_success
		for o in $(help_options "$p"); do
			grep -qxF -- "$o" <<<"$output" ||
				grep -qxF -- "$o=" <<<"$output" ||
				{ echo "bash completion of $p does not offer $o"; return 1; }
		done
	done
}

@test "every program has a zsh completion, valid, naming each option" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	for p in $(programs); do
		f="$GAIA_TOP/completions/zsh/_$p"
		[ -f "$f" ] || { echo "no zsh completion for $p"; return 1; }
		run zsh -n "$f"
		assert_success
		head -1 "$f" | grep -q "^#compdef $p"
		for o in $(help_options "$p"); do
			grep -qF -- "$o" "$f" || { echo "zsh completion of $p lacks $o"; return 1; }
		done
	done
}

@test "the bash completion of gaia_go completes values" {
	run bash -c '
		source "$1"
		COMP_WORDS=(gaia_go --log-level ""); COMP_CWORD=2
		_gaia_go gaia_go "" --log-level
		printf "%s\n" "${COMPREPLY[@]}"' _ "$GAIA_TOP/completions/bash/gaia_go"
	assert_output "$(printf 'error\nwarn\ninfo\ndebug')"
}
