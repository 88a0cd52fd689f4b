# libgaia/util: small internal helpers.
libgaia_internal_la_SOURCES += \
	libgaia/util/crc32c.c libgaia/util/crc32c.h \
	libgaia/util/errmsg.h libgaia/util/hostport.c libgaia/util/hostport.h
