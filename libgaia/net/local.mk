# libgaia/net: the Raft transport (see net.h).
libgaia_internal_la_SOURCES += \
	libgaia/net/net.h libgaia/net/net_internal.h \
	libgaia/net/net_codec.c \
	libgaia/net/net_addr.c \
	libgaia/net/net_conn.c \
	libgaia/net/net_peer.c \
	libgaia/net/net_frame.c \
	libgaia/net/net.c
