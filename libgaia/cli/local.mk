# libgaia/cli: option tables, messages, tables and --json for the tools.
libgaia_internal_la_SOURCES += \
	libgaia/cli/cli.h libgaia/cli/cli_internal.h \
	libgaia/cli/cli_msg.c libgaia/cli/cli_opt.c libgaia/cli/cli_table.c
