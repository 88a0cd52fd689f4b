# libgaia/client: the REST client of the tools (libcurl) and gaia-bench's load.
libgaia_internal_la_SOURCES += \
	libgaia/client/client.h libgaia/client/client_internal.h \
	libgaia/client/client.c libgaia/client/client_kv.c libgaia/client/client_bench.c \
	libgaia/client/client_bench_json.c libgaia/client/client_public.c libgaia/client/client_snap.c
# the cluster routes of gaia-join, gaia-peers, gaia-health (and gaia_go --cluster-join)
libgaia_internal_la_SOURCES += \
	libgaia/client/client_cluster.h libgaia/client/client_cluster.c \
	libgaia/client/client_join.c libgaia/client/client_health.c
# typed calls of the operator routes for gaiactl
libgaia_internal_la_SOURCES += \
	libgaia/client/client_ctl.h libgaia/client/client_ctl.c
