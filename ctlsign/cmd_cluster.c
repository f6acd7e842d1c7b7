/* Placeholder until the cluster issue lands. */
#include <stdio.h>

#include "cmd.h"

int cmd_cluster(int argc, char **argv)
{
	fprintf(stderr, "ctlsign: cluster: not available in this build\n");
	return 2;
}
