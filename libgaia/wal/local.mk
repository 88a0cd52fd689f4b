# libgaia/wal: the write-ahead log (see wal.h and FORMAT.md).
libgaia_internal_la_SOURCES += \
	libgaia/wal/wal.h libgaia/wal/wal_internal.h \
	libgaia/wal/wal_format.c libgaia/wal/wal_format.h \
	libgaia/wal/wal_file.c libgaia/wal/wal_hardstate.c \
	libgaia/wal/wal_mem.c libgaia/wal/wal_scan.c libgaia/wal/wal_scan.h \
	libgaia/wal/wal_recover.c libgaia/wal/wal_open.c \
	libgaia/wal/wal_append.c libgaia/wal/wal_progress.c \
	libgaia/wal/wal_read.c libgaia/wal/wal_writer.c
EXTRA_DIST += libgaia/wal/FORMAT.md
