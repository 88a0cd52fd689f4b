# libgaia/config: see the module header.
libgaia_internal_la_SOURCES += \
	libgaia/config/config.h libgaia/config/config_internal.h \
	libgaia/config/config_table.c \
	libgaia/config/config_parse.c \
	libgaia/config/config_set.c \
	libgaia/config/config_defaults.c \
	libgaia/config/config_env.c \
	libgaia/config/config_yaml.c \
	libgaia/config/config_flags.c \
	libgaia/config/config_check.c \
	libgaia/config/config_load.c \
	libgaia/config/config_usage.c
dist_man_MANS += man/gaia_go.yaml.5
