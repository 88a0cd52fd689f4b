# libgaia/snap: see the module header.
libgaia_internal_la_SOURCES += \
	libgaia/snap/snap.h libgaia/snap/snap_internal.h \
	libgaia/snap/snap_dir.c \
	libgaia/snap/snap_write.c \
	libgaia/snap/snap_read.c \
	libgaia/snap/snap_list.c \
	libgaia/snap/snap_prune.c \
	libgaia/snap/snap_stream.c
