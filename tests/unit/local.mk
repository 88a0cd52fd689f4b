# cmocka unit tests, one fragment per module so each module's tests travel with it.
include tests/unit/util.mk
include tests/unit/raft.mk
include tests/unit/wal.mk
include tests/unit/snap.mk
include tests/unit/kv.mk
include tests/unit/config.mk
include tests/unit/net.mk
include tests/unit/node.mk
include tests/unit/api.mk
include tests/unit/cli.mk
include tests/unit/client.mk
include tests/unit/lincheck.mk
include tests/unit/metrics.mk
include tests/unit/discovery.mk
