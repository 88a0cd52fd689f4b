# libgaia/kv: see the module header.
libgaia_internal_la_SOURCES += \
	libgaia/kv/kv.h libgaia/kv/kv_tree.h \
	libgaia/kv/kv_tree.c \
	libgaia/kv/kv_command.c \
	libgaia/kv/kv_apply.c \
	libgaia/kv/kv_read.c \
	libgaia/kv/kv_snapshot.c
