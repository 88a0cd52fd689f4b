# unit tests of libgaia/api: real HTTP (libcurl) against api_start() over a
# fake node. They are built from the api's own sources and NOT from
# libgaia_internal.la, whose node objects would clash with the fake's.
API_TEST_SRC = $(API_SRC) $(API_HDR) \
	tests/unit/api_fake_node.c tests/unit/api_fake_node.h \
	tests/unit/test_api_util.c tests/unit/test_api_util.h \
	libgaia/metrics/metrics_text.c libgaia/metrics/metrics_hist.c \
	libgaia/net/net_addr.c libgaia/config/config_parse.c libgaia/util/hostport.c
API_TEST_LIBS = $(MHD_LIBS) $(JANSSON_LIBS) $(CURL_LIBS) $(CMOCKA_LIBS) $(UV_LIBS) -lm

check_PROGRAMS += tests/unit/test_api_kv tests/unit/test_api_cluster tests/unit/test_api_forward
TESTS += tests/unit/test_api_kv tests/unit/test_api_cluster tests/unit/test_api_forward

tests_unit_test_api_kv_SOURCES = tests/unit/test_api_kv.c $(API_TEST_SRC)
tests_unit_test_api_kv_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_api_kv_LDADD = $(API_TEST_LIBS)

tests_unit_test_api_cluster_SOURCES = tests/unit/test_api_cluster.c $(API_TEST_SRC)
tests_unit_test_api_cluster_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_api_cluster_LDADD = $(API_TEST_LIBS)

tests_unit_test_api_forward_SOURCES = tests/unit/test_api_forward.c $(API_TEST_SRC)
tests_unit_test_api_forward_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_api_forward_LDADD = $(API_TEST_LIBS)
