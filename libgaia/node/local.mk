# libgaia/node: the runtime that drives the core (loop, persistence, apply).
libgaia_internal_la_SOURCES += \
	libgaia/node/node.h libgaia/node/node_internal.h \
	libgaia/node/node.c libgaia/node/node_log.c libgaia/node/node_book.c \
	libgaia/node/node_storage.c libgaia/node/node_ready.c \
	libgaia/node/node_apply.c libgaia/node/node_req.c \
	libgaia/node/node_status.c libgaia/node/node_ops.c \
	libgaia/node/node_snapshot.c libgaia/node/node_removed.c libgaia/node/node_backup.c \
	libgaia/node/node_discovery.c libgaia/node/node_invalid.c \
	libgaia/node/node_incarnation.c libgaia/node/node_join.c
