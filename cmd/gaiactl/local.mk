# cmd/gaiactl: the operator's shell (readline) and one-shot commands over libgaia/client
bin_PROGRAMS += bin/gaiactl
bin_gaiactl_SOURCES = cmd/gaiactl/gaiactl.h cmd/gaiactl/main.c cmd/gaiactl/gaiactl_commands.c \
	cmd/gaiactl/gaiactl_session.c cmd/gaiactl/gaiactl_cluster.c cmd/gaiactl/gaiactl_kv.c \
	cmd/gaiactl/gaiactl_shell.c cmd/gaiactl/gaiactl_complete.c
bin_gaiactl_LDADD = libgaia_internal.la $(READLINE_LIBS)
dist_man_MANS += man/gaiactl.1
dist_bashcompletion_DATA += completions/bash/gaiactl
dist_zshcompletion_DATA += completions/zsh/_gaiactl
