# libgaia/raft: the consensus core (pure, deterministic, no I/O).
libgaia_internal_la_SOURCES += \
	libgaia/raft/raft.h libgaia/raft/raft_impl.h \
	libgaia/raft/raft.c libgaia/raft/raft_buf.c libgaia/raft/raft_msg.c \
	libgaia/raft/raft_log.c libgaia/raft/raft_conf.c \
	libgaia/raft/raft_conf_track.c libgaia/raft/raft_rand.c \
	libgaia/raft/raft_role.c libgaia/raft/raft_progress.c \
	libgaia/raft/raft_replication.c libgaia/raft/raft_read.c \
	libgaia/raft/raft_transfer.c libgaia/raft/raft_membership.c \
	libgaia/raft/raft_step.c libgaia/raft/raft_tick.c \
	libgaia/raft/raft_ready.c libgaia/raft/raft_validate.c \
	libgaia/raft/recv_append.c libgaia/raft/recv_append_resp.c \
	libgaia/raft/recv_snapshot.c
