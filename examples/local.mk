# examples/: configuration, systemd unit, cron lines, a local cluster,
# Prometheus rules and runbook scripts, installed as documentation under
# $(docdir)/examples (scripts keep their execute bit) and shipped by make dist.
exampledir = $(docdir)
nobase_dist_example_DATA = examples/README.md examples/gaia_go.yaml \
	examples/systemd/gaia_go.service examples/systemd/gaia_go.env \
	examples/cron.d/gaia-snap examples/cron.d/gaia-runbooks \
	examples/prometheus/prometheus.yml examples/prometheus/raft_alerts.yml \
	examples/local-cluster/node-1.yaml examples/local-cluster/node-2.yaml \
	examples/local-cluster/node-3.yaml
nobase_dist_example_SCRIPTS = examples/local-cluster/local-cluster.sh \
	examples/runbooks/daily.sh examples/runbooks/weekly.sh examples/runbooks/monthly.sh
