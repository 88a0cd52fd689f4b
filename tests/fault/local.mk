# the fault suite: see tests/fault/README.md
# The checker is a convenience library shared by its CLI and its unit tests
# (tests/unit/lincheck.mk).
check_LTLIBRARIES = tests/fault/liblincheck.la
tests_fault_liblincheck_la_SOURCES = tests/fault/lincheck/lincheck.h \
	tests/fault/lincheck/lc_internal.h tests/fault/lincheck/lc_intern.c \
	tests/fault/lincheck/lc_history.c tests/fault/lincheck/lc_memo.h \
	tests/fault/lincheck/lc_memo.c tests/fault/lincheck/lc_search.c \
	tests/fault/lincheck/lc_check.c tests/fault/lincheck/lc_report.c
tests_fault_liblincheck_la_CFLAGS = $(AM_CFLAGS)
tests_fault_liblincheck_la_LIBADD = $(JANSSON_LIBS)

check_PROGRAMS += tests/fault/lincheck-run tests/fault/workload
tests_fault_lincheck_run_SOURCES = tests/fault/lincheck/lincheck_run.c
tests_fault_lincheck_run_CFLAGS = $(AM_CFLAGS)
tests_fault_lincheck_run_LDADD = tests/fault/liblincheck.la $(JANSSON_LIBS)

tests_fault_workload_SOURCES = tests/fault/workload.h tests/fault/workload_main.c \
	tests/fault/workload_http.c tests/fault/workload_history.c
tests_fault_workload_CFLAGS = $(AM_CFLAGS)
tests_fault_workload_LDADD = $(CURL_LIBS) $(JANSSON_LIBS)

# the CLI's exit codes, and the short campaign (about 90 s of real
# clusters under faults)
TESTS += tests/fault/lincheck-cli.test tests/fault/short.test
EXTRA_DIST += tests/fault/lincheck-cli.test tests/fault/short.test tests/fault/run tests/fault/nemesis.bash \
	tests/fault/campaign tests/fault/README.md
