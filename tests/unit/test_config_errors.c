/* Unit tests of config_load's errors: each names the setting, the value and, for the YAML file, the file and the line; flags, environment, YAML and cross-checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "config/config.h"
#include "test_config_util.h"

#define DURATION_HINT "is not a duration (use 150ms, 5s, 2m, 1h or 7d)"

/* "--config PATH" and "PATH:LINE: " for a YAML text. */
struct yf {
	char *argv[4];
	char at[64];
};

static void yaml_file(struct yf *y, const char *text, int line)
{
	const char *path = tc_yaml(text);
	y->argv[0] = "gaia_go";
	y->argv[1] = "--config";
	y->argv[2] = (char *)path;
	y->argv[3] = NULL;
	snprintf(y->at, sizeof y->at, "%s:%d: ", path, line);
}

static void test_env_errors(void **state)
{
	struct gaia_config c;
	char err[GAIA_ERRMSG_SIZE];
	(void)state;

	/* the whole message, once */
	assert_int_equal(tc_load(&c, err, ENV("RAFT_ELECTION_TIMEOUT=3x"), NOARGS), GAIA_EINVAL);
	assert_string_equal(err, "RAFT_ELECTION_TIMEOUT: '3x' " DURATION_HINT);

	FAILS(ENV("RAFT_HEARTBEAT_TIMEOUT=150"), NOARGS, "RAFT_HEARTBEAT_TIMEOUT: '150' ",
	      DURATION_HINT);
	FAILS(ENV("RAFT_ELECTION_TIMEOUT=0ms"), NOARGS,
	      "RAFT_ELECTION_TIMEOUT: '0ms' is below the minimum (1ms)");
	FAILS(ENV("CLUSTER_RPC_TIMEOUT=99999999999999999999d"), NOARGS,
	      "CLUSTER_RPC_TIMEOUT: '99999999999999999999d' is out of range");
	FAILS(ENV("RAFT_ELECTION_TIMEOUT="), NOARGS, "RAFT_ELECTION_TIMEOUT: '' " DURATION_HINT);
	FAILS(ENV("GAIA_MAX_VALUE_SIZE=12XB"), NOARGS, "GAIA_MAX_VALUE_SIZE: '12XB' is not a size",
	      "1KB = 1KiB = 1024 bytes");
	FAILS(ENV("GAIA_MAX_BODY_SIZE=-1"), NOARGS, "GAIA_MAX_BODY_SIZE: '-1' is not a size");
	FAILS(ENV("RAFT_LOG_SIZE_THRESHOLD=0"), NOARGS,
	      "RAFT_LOG_SIZE_THRESHOLD: '0' is below the minimum (1B)");
	FAILS(ENV("CLUSTER_BOOTSTRAP=maybe"), NOARGS,
	      "CLUSTER_BOOTSTRAP: 'maybe' is not a boolean (use true, false, yes, no, 1 or 0)");
	FAILS(ENV("CLUSTER_DISCOVERY_TYPE=zookeeper"), NOARGS,
	      "CLUSTER_DISCOVERY_TYPE: 'zookeeper' is not one of static, dns, consul");
	FAILS(ENV("GAIA_LOG_LEVEL=verbose"), NOARGS,
	      "GAIA_LOG_LEVEL: 'verbose' is not one of error, warn, info, debug");
	FAILS(ENV("CLUSTER_BIND_ADDR=0.0.0.0"), NOARGS,
	      "CLUSTER_BIND_ADDR: '0.0.0.0' is not a host:port address: missing port");
	FAILS(ENV("CLUSTER_HTTP_ADDR=host:70000"), NOARGS,
	      "CLUSTER_HTTP_ADDR: 'host:70000' is not a host:port address: the port must be a "
	      "number from 1 to 65535");
	FAILS(ENV("CLUSTER_HTTP_ADDR=::1:80"), NOARGS, "needs brackets");
	FAILS(ENV("CLUSTER_DISCOVERY_NODES=a:1,b"), NOARGS,
	      "CLUSTER_DISCOVERY_NODES: 'a:1,b' has 'b', not a host:port address: missing port");
	FAILS(ENV("CLUSTER_DISCOVERY_NODES=a:1,,b:2"), NOARGS, "has an empty item");
	FAILS(ENV("CLUSTER_DISCOVERY_PORT=65536"), NOARGS,
	      "CLUSTER_DISCOVERY_PORT: '65536' is out of range (0 to 65535)");
	FAILS(ENV("CLUSTER_BOOTSTRAP_EXPECT=4294967296"), NOARGS,
	      "CLUSTER_BOOTSTRAP_EXPECT: '4294967296' is out of range (0 to 4294967295)");
	FAILS(ENV("RAFT_TRAILING_LOGS=1k"), NOARGS,
	      "RAFT_TRAILING_LOGS: '1k' is not a whole number");
	FAILS(ENV("RAFT_SNAPSHOT_THRESHOLD=0"), NOARGS,
	      "RAFT_SNAPSHOT_THRESHOLD: '0' is out of range (1 to 18446744073709551615)");
	FAILS(ENV("GAIA_NODE_ID=a/b"), NOARGS,
	      "GAIA_NODE_ID: 'a/b' is not a node id (1 to 63 of A-Z a-z 0-9 . _ -)");
	FAILS(ENV("GAIA_NODE_ID=0123456789012345678901234567890123456789012345678901234567890123"),
	      NOARGS, "GAIA_NODE_ID: '01234567890", "is too long (at most 63 bytes)");
	FAILS(ENV("CLUSTER_DISCOVERY_DOMAIN=bad domain"), NOARGS,
	      "CLUSTER_DISCOVERY_DOMAIN: 'bad domain' is not a DNS name");
	FAILS(ENV("GAIA_DATA_DIR="), NOARGS, "GAIA_DATA_DIR: '' is empty");
	/* unprintable bytes are not printed */
	FAILS(ENV("GAIA_LOG_FORMAT=te\033[2Jxt"), NOARGS, "GAIA_LOG_FORMAT: 'te?[2Jxt'");
}

static void test_flag_errors(void **state)
{
	(void)state;

	FAILS(NULL, ARGS("--election-timeout", "3x"), "--election-timeout: '3x' " DURATION_HINT);
	FAILS(NULL, ARGS("--election-timeout=3x"), "--election-timeout: '3x' " DURATION_HINT);
	FAILS(NULL, ARGS("--max-value-size", "1.5MB"), "--max-value-size: '1.5MB' is not a size");
	FAILS(NULL, ARGS("--bootstrap=perhaps"), "--bootstrap: 'perhaps' is not a boolean");
	FAILS(NULL, ARGS("--electon-timeout", "3s"),
	      "unknown option '--electon-timeout' (did you mean --election-timeout?)");
	FAILS(NULL, ARGS("--electon-timeout=3s"),
	      "unknown option '--electon-timeout=3s' (did you mean --election-timeout?)");
	FAILS(NULL, ARGS("--frobnicate"), "unknown option '--frobnicate' (see --help)");
	/* no abbreviations */
	FAILS(NULL, ARGS("--election", "3s"), "unknown option '--election'");
	FAILS(NULL, ARGS("-x"), "unknown option '-x'");
	FAILS(NULL, ARGS("-hV"), "unknown option '-hV'");
	FAILS(NULL, ARGS("--election-timeout"), "--election-timeout needs a value (DURATION)");
	FAILS(NULL, ARGS("--help=yes"), "--help takes no value");
	FAILS(NULL, ARGS("start"), "unexpected argument 'start'");
	FAILS(NULL, ARGS("-"), "unexpected argument '-'");
	/* the flag is named even when the environment has a good value */
	FAILS(ENV("RAFT_ELECTION_TIMEOUT=1s"), ARGS("--election-timeout", "1"),
	      "--election-timeout: '1' " DURATION_HINT);
}

static void test_yaml_errors(void **state)
{
	struct gaia_config c;
	char err[GAIA_ERRMSG_SIZE], want[GAIA_ERRMSG_SIZE];
	struct yf y;
	(void)state;

	/* the example of the design, in full */
	yaml_file(&y, "# gaia_go\nnode:\n  id: n1\n\nraft:\n  heartbeat_timeout: 50ms\n"
		      "  election_timeout: 3x\n", 7);
	assert_int_equal(tc_load(&c, err, NULL, y.argv), GAIA_EINVAL);
	snprintf(want, sizeof want, "%sraft.election_timeout: '3x' " DURATION_HINT, y.at);
	assert_string_equal(err, want);

	yaml_file(&y, "raft:\n  electon_timeout: 3s\n", 2);
	FAILS(NULL, y.argv, y.at, "unknown key 'raft.electon_timeout' "
				  "(did you mean raft.election_timeout?)");
	yaml_file(&y, "raft:\n  colour: blue\n", 2);
	FAILS(NULL, y.argv, y.at, "unknown key 'raft.colour'");
	yaml_file(&y, "log:\n  level: info\nstorage:\n  engine: x\n", 3);
	FAILS(NULL, y.argv, y.at, "unknown section 'storage'");
	yaml_file(&y, "election_timeout: 3s\n", 1);
	FAILS(NULL, y.argv, y.at, "unknown key 'election_timeout' "
				  "(did you mean raft.election_timeout?)");
	yaml_file(&y, "cluster:\n  discovery:\n    kind: dns\n", 3);
	FAILS(NULL, y.argv, y.at, "unknown key 'cluster.discovery.kind'");
	/* wrong YAML types */
	yaml_file(&y, "raft:\n  election_timeout:\n    value: 3s\n", 3);
	FAILS(NULL, y.argv, y.at, "raft.election_timeout: expected a single value, found a mapping");
	yaml_file(&y, "raft:\n  election_timeout: [1s, 2s]\n", 2);
	FAILS(NULL, y.argv, y.at, "raft.election_timeout: expected a single value, found a list");
	yaml_file(&y, "raft: 3s\n", 1);
	FAILS(NULL, y.argv, y.at, "raft: expected a section (a mapping of settings), found a "
				  "single value");
	yaml_file(&y, "cluster:\n  discovery:\n    - a:1\n", 3);
	FAILS(NULL, y.argv, y.at, "cluster.discovery: expected a section");
	yaml_file(&y, "cluster:\n  discovery:\n    nodes: {a: 1}\n", 3);
	FAILS(NULL, y.argv, y.at, "cluster.discovery.nodes: expected a list or a comma-separated "
				  "string, found a mapping");
	yaml_file(&y, "cluster:\n  discovery:\n    nodes:\n      - a:1\n      - [b:2]\n", 5);
	FAILS(NULL, y.argv, y.at, "cluster.discovery.nodes: list items must be host:port strings");
	yaml_file(&y, "cluster:\n  discovery:\n    nodes:\n      - a:1\n      - b\n", 3);
	FAILS(NULL, y.argv, y.at, "cluster.discovery.nodes: 'a:1,b' has 'b', not a host:port");
	yaml_file(&y, "- raft\n- log\n", 1);
	FAILS(NULL, y.argv, y.at, "expected sections (node:, raft:, cluster:, ...), found a list");
	yaml_file(&y, "raft:\n  [a]: 1\n", 2);
	FAILS(NULL, y.argv, y.at, "a key must be a name, found a list");
	/* the same key twice */
	yaml_file(&y, "raft:\n  election_timeout: 1s\nlog:\n  level: info\nraft:\n"
		      "  election_timeout: 2s\n", 6);
	FAILS(NULL, y.argv, y.at, "raft.election_timeout is set twice (first on line 2)");
	/* malformed YAML: the line of the problem */
	yaml_file(&y, "raft:\n  election_timeout: 1s\n   heartbeat_timeout: 2s\n", 3);
	FAILS(NULL, y.argv, y.at, "malformed YAML");
	yaml_file(&y, "raft:\n  election_timeout: \"1s\n", 3);
	FAILS(NULL, y.argv, y.at, "malformed YAML");
	yaml_file(&y, "raft:\n\tx: 1\n", 2);
	FAILS(NULL, y.argv, y.at, "malformed YAML");
	yaml_file(&y, "raft:\n  election_timeout: 1s\n---\nlog:\n  level: info\n", 4);
	FAILS(NULL, y.argv, y.at, "a second YAML document");
	/* a bad value in the file is an error even when a flag overrides it */
	yaml_file(&y, "log:\n  level: loud\n", 2);
	FAILS(NULL, ((char *[]){"gaia_go", "--log-level", "info", y.argv[1], y.argv[2], NULL}),
	      y.at, "log.level: 'loud' is not one of error, warn, info, debug");
}

static void test_file_errors(void **state)
{
	struct gaia_config c;
	char err[GAIA_ERRMSG_SIZE];
	(void)state;

	assert_int_equal(tc_load(&c, err, NULL, ARGS("--config", "/nonexistent/gaia.yaml")),
			 GAIA_EIO);
	assert_string_equal(err, "/nonexistent/gaia.yaml: No such file or directory");
	assert_int_equal(tc_load(&c, err, ENV("GAIA_CONFIG=/nonexistent/g.yaml"), NOARGS),
			 GAIA_EIO);
	assert_string_equal(err, "/nonexistent/g.yaml: No such file or directory");
	assert_int_equal(tc_load(&c, err, NULL, ARGS("--config", "/tmp")), GAIA_EIO);
	assert_string_equal(err, "/tmp: not a regular file");
	FAILS(NULL, ARGS("--config"), "--config needs a value (FILE)");
	/* invalid UTF-8 */
	FAILS(NULL, ARGS("--config", (char *)tc_yaml("log:\n  level: \xff\xfe\n")),
	      "malformed YAML");
}

static void test_cross_errors(void **state)
{
	struct yf y;
	char big[200];
	(void)state;

	FAILS(NULL, ARGS("--heartbeat-timeout", "300ms"),
	      "the heartbeat timeout 300ms (--heartbeat-timeout) must be below the election "
	      "timeout 300ms (default)");
	FAILS(ENV("RAFT_ELECTION_TIMEOUT=1s"), ARGS("--heartbeat-timeout", "2s"),
	      "the heartbeat timeout 2s (--heartbeat-timeout) must be below the election timeout "
	      "1s (RAFT_ELECTION_TIMEOUT)");
	yaml_file(&y, "raft:\n  election_timeout: 100ms\n", 2);
	FAILS(NULL, y.argv, "the heartbeat timeout 150ms (default) must be below the election timeout 100ms (", y.at,
	      "raft.election_timeout)");
	FAILS(ENV("GAIA_MAX_VALUE_SIZE=4MiB"), NOARGS,
	      "the value size limit 4194304 bytes (GAIA_MAX_VALUE_SIZE) is above the body size "
	      "limit 2097152 bytes (default)");
	FAILS(ENV("CLUSTER_BOOTSTRAP=1"), ARGS("--bootstrap-expect", "3"),
	      "CLUSTER_BOOTSTRAP and --bootstrap-expect exclude each other");
	FAILS(NULL, ARGS("--discovery-type", "dns"),
	      "--discovery-type: dns discovery needs a domain");
	FAILS(ENV("CLUSTER_DISCOVERY_TYPE=consul"), NOARGS,
	      "CLUSTER_DISCOVERY_TYPE: consul discovery needs the agent's address");
	FAILS(NULL, ARGS("--advertise-addr", "0.0.0.0:8300"),
	      "--advertise-addr: '0.0.0.0:8300' is a wildcard address");
	FAILS(NULL, ARGS("--advertise-addr", "[::]:8300"), "is a wildcard address");
	/* Unix socket paths are short */
	memset(big, 'd', sizeof big);
	memcpy(big, "--data-dir=/", 12);
	big[sizeof big - 1] = '\0';
	FAILS(NULL, ARGS(big), "<data_dir>/gaia.sock is too long for a Unix socket");
	big[10] = '\0';
	FAILS(NULL, ARGS("--socket", big + 11), "--socket: '/ddd", "is too long for a Unix socket");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_errors),
		cmocka_unit_test(test_flag_errors),
		cmocka_unit_test_teardown(test_yaml_errors, tc_cleanup),
		cmocka_unit_test_teardown(test_file_errors, tc_cleanup),
		cmocka_unit_test_teardown(test_cross_errors, tc_cleanup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
