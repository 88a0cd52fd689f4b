# libgaia/discovery: finding the other nodes (static, dns with c-ares, consul with libcurl).
libgaia_internal_la_SOURCES += \
	libgaia/discovery/discovery.h libgaia/discovery/discovery_internal.h \
	libgaia/discovery/discovery.c libgaia/discovery/discovery_static.c \
	libgaia/discovery/discovery_dns.c libgaia/discovery/discovery_consul.c \
	libgaia/discovery/discovery_probe.c libgaia/discovery/discovery_run.c
