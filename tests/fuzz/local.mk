# the libFuzzer target of the core's message intake (built by tests/fuzz/run
# with clang, outside automake's build: gcc users are not affected)
TESTS += tests/fuzz/fuzz.test
EXTRA_DIST += tests/fuzz/fuzz.test tests/fuzz/run tests/fuzz/fuzz_raft_step.c \
	tests/fuzz/README.md tests/fuzz/corpus tests/fuzz/crashes
