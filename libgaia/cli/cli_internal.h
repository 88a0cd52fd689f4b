/* cli_internal.h - what the cli files share: the streams they print to. */
#ifndef GAIA_CLI_INTERNAL_H
#define GAIA_CLI_INTERNAL_H

#include <stdio.h>

/* stdout/stderr unless cli_set_streams() chose others */
FILE *cli_out(void);
FILE *cli_err(void);

#endif
