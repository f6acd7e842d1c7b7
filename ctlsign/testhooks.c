/*
 * testhooks.c - the pause hook of the test builds (testhooks.h). Only
 * ctlsign-testhooks links this file: the release ctlsign neither reads
 * these variables nor holds anywhere.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testhooks.h"
#include "util.h"

/* Copies: the secret readers may move the environment block later. */
static char *pause_spec, *pause_file;

static int pause_wanted(void *ctx, const char *step, const char *name)
{
	size_t sl = strlen(step);

	(void)ctx;
	return strncmp(pause_spec, step, sl) == 0 && pause_spec[sl] == ':' &&
	       strcmp(pause_spec + sl + 1, name) == 0;
}

static void pause_hold(void *ctx)
{
	int fd;

	(void)ctx;
	fd = open(pause_file, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	close(fd);
	for (int k = 0; k < 600 && access(pause_file, F_OK) == 0; k++)
		usleep(100 * 1000);
}

void cmd_test_hooks_install(void)
{
	const char *spec = getenv("CTLSIGN_TEST_PAUSE");
	const char *file = getenv("CTLSIGN_TEST_PAUSE_FILE");
	struct ctl_pause_hook h = { pause_wanted, pause_hold, NULL };

	if (spec == NULL || file == NULL)
		return;
	pause_spec = strdup(spec);
	pause_file = strdup(file);
	if (pause_spec != NULL && pause_file != NULL)
		ctl_pause_set_hook(&h);
}
