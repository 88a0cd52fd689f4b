/* gaiactl: the operator's shell over a GAIA_GO node; one command from the arguments, a script from stdin, or the readline shell. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "gaiactl.h"

/* The global options end at the first operand (the command), so that a
 * command's own options (peers remove ID --force) are its own. Returns
 * the index of the command word, argc if none. */
static int command_index(int argc, char **argv)
{
	static const char *const with_value[] = {"--addr", "--socket", "--timeout"};

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--"))
			return i + 1;
		if (a[0] != '-' || !a[1])
			return i;
		if (a[1] == '-') {
			for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++)
				if (!strcmp(a, with_value[k]))
					i++;
			continue;
		}
		/* a cluster of short options (-ja ADDR): a letter that takes a
		 * value takes the rest, or the next argument when it is last */
		for (const char *p = a + 1; *p; p++)
			if (strchr("ast", *p)) {
				if (!p[1])
					i++;
				break;
			}
	}
	return argc;
}

int main(int argc, char **argv)
{
	const char *addr = NULL, *socket_path = NULL;
	struct gaiactl g = {0};
	char epilog[4608];
	int first, cmd, rc;
	const struct cli_option options[] = {
		CLI_OPT_ADDR(&addr),
		CLI_OPT_SOCKET(&socket_path),
		CLI_OPT_TIMEOUT(&g.timeout_ms),
		CLI_OPT_JSON(&g.json),
		{0},
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] [COMMAND [ARGS...]]",
		.summary = "Operate a GAIA_GO cluster: one command, a script on standard input, or an\n"
			   "interactive shell with history and tab completion.",
		.options = options,
		.epilog = epilog,
	};

	snprintf(epilog, sizeof epilog,
		 "%s\nEnvironment:\n"
		 "  GAIA_ADDR        default --addr\n"
		 "  GAIA_SOCKET      default --socket\n"
		 "  GAIACTL_HISTORY  the shell's history file (default ~/.gaiactl_history)\n\n"
		 "Exit status: 0 success, 1 failure (a missing key, an unreachable node, an\n"
		 "unhealthy cluster for 'health'), 2 usage error.\n",
		 gaiactl_commands_text());
	cli_init(argv[0]);
	cmd = command_index(argc, argv);
	if ((rc = cli_parse(&spec, cmd, argv, &first)) != CLI_PARSED)
		return rc;
	if (first < cmd && strcmp(argv[cmd - 1], "--") != 0)
		return cli_usage_errorf("unexpected argument '%s'", argv[first]);
	if (addr && socket_path)
		return cli_usage_errorf("--addr and --socket do not go together");
	if (gaiactl_connect(&g, addr, socket_path, false) != GAIA_OK)
		return addr || socket_path ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;

	if (cmd < argc) {
		rc = gaiactl_run(&g, argc - cmd, argv + cmd);
	} else {
		g.shell = true;
		if (isatty(STDIN_FILENO)) {
			g.interactive = true;
			rc = gaiactl_shell(&g);
		} else {
			rc = gaiactl_script(&g, stdin);
		}
	}
	client_free(g.client);
	if (fflush(stdout) != 0 && rc == CLI_EXIT_OK) {
		cli_errorf("cannot write the output");
		rc = CLI_EXIT_FAIL;
	}
	return rc;
}
