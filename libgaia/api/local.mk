# libgaia/api: the REST API (libmicrohttpd, jansson; libcurl to forward to the leader).
API_SRC = \
	libgaia/api/api.c libgaia/api/api_request.c libgaia/api/api_route.c \
	libgaia/api/api_kv.c libgaia/api/api_cluster.c libgaia/api/api_json.c \
	libgaia/api/api_error.c libgaia/api/api_forward.c libgaia/api/api_ops.c \
	libgaia/api/api_prom.c libgaia/api/api_snapshots.c libgaia/api/api_discovery.c
API_HDR = libgaia/api/api.h libgaia/api/api_internal.h
libgaia_internal_la_SOURCES += $(API_SRC) $(API_HDR)
