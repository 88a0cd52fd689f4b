# bats suites: real gaia_go processes on loopback (tests/lib/cluster.bash)
TEST_EXTENSIONS = .bats
BATS_LOG_COMPILER = $(top_srcdir)/tests/bats/run-bats
BATS_SUITES = tests/bats/kv_api.bats tests/bats/failover.bats \
	tests/bats/membership.bats tests/bats/readd_incarnation.bats tests/bats/devcluster.bats tests/bats/ops.bats \
	tests/bats/lifecycle.bats tests/bats/snapshots.bats tests/bats/snapshot_ops.bats \
	tests/bats/docs.bats tests/bats/install.bats tests/bats/dist.bats \
	tests/bats/tools_join.bats tests/bats/tools_peers.bats tests/bats/tools_health.bats \
	tests/bats/tools_snap.bats tests/bats/dr_drill.bats \
	tests/bats/gaiactl.bats \
	tests/bats/discovery.bats tests/bats/discovery_consul.bats tests/bats/bootstrap_expect.bats \
	tests/bats/guide_bootstrap.bats tests/bats/fatal.bats \
	tests/bats/examples.bats
TESTS += $(BATS_SUITES)
EXTRA_DIST += $(BATS_SUITES) tests/bats/common.bash tests/bats/run-bats \
	tests/lib/cluster.bash tests/lib/discovery.bash tests/lib/fake-consul.py \
	tests/bats/data/guide_bootstrap.sh examples/prometheus/prometheus.yml \
	examples/prometheus/raft_alerts.yml
