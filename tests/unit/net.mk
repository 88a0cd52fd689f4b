# unit tests of libgaia/net
NET_TEST_UTIL = tests/unit/test_net_util.c tests/unit/test_net_util.h
NET_TEST_HARNESS = tests/unit/test_net_harness.c tests/unit/test_net_harness.h \
	$(NET_TEST_UTIL)

check_PROGRAMS += tests/unit/test_net_codec tests/unit/test_net \
	tests/unit/test_net_faults
TESTS += tests/unit/test_net_codec tests/unit/test_net \
	tests/unit/test_net_faults

# the codec: round trips, truncation, flipped bytes, random input
tests_unit_test_net_codec_SOURCES = tests/unit/test_net_codec.c $(NET_TEST_UTIL)
tests_unit_test_net_codec_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_net_codec_LDADD = $(GAIA_TEST_LIBS)

# the transport: nodes on 127.0.0.x in one libuv loop
tests_unit_test_net_SOURCES = tests/unit/test_net.c $(NET_TEST_HARNESS)
tests_unit_test_net_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_net_LDADD = $(GAIA_TEST_LIBS)

# the transport when peers fail, queues fill and frames are bad
tests_unit_test_net_faults_SOURCES = tests/unit/test_net_faults.c $(NET_TEST_HARNESS)
tests_unit_test_net_faults_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_net_faults_LDADD = $(GAIA_TEST_LIBS)
