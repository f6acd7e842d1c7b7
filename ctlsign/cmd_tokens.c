/* Placeholder until the PKCS#11 issue lands. */
#include <stdio.h>

#include "cmd.h"

int cmd_tokens(int argc, char **argv)
{
	fprintf(stderr, "ctlsign: tokens: not available in this build\n");
	return 2;
}
