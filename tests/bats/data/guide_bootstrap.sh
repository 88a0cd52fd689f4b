# 1. Restore database from backup
pg_restore --dbname=gaia_go /backups/gaia_go_full_latest.dump

# 2. Start first node in bootstrap mode
CLUSTER_BOOTSTRAP=true ./gaia_go --node-id node-1

# Wait for leader election (~300ms)
sleep 1

# 3. Verify node-1 is leader
curl http://node-1:8080/api/cluster/status | jq .

# 4. Start remaining nodes normally
# (They'll discover and join node-1 via configured discovery)
./gaia_go --node-id node-2
./gaia_go --node-id node-3

# 5. Verify all nodes healthy
curl http://node-1:8080/api/cluster/health | jq .cluster_status
