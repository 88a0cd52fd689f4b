# libgaia/client: the REST client of the tools (libcurl) and gaia-bench's load.
libgaia_internal_la_SOURCES += \
	libgaia/client/client.h libgaia/client/client_internal.h \
	libgaia/client/client.c libgaia/client/client_kv.c libgaia/client/client_bench.c \
	libgaia/client/client_bench_json.c libgaia/client/client_public.c \
	libgaia/client/client_join.c
