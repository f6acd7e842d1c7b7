/*
 * cluster_exec.c - `ctlsign cluster ...` in the ctlsign program: it
 * becomes ctlsign-cluster, the same main.c built with the cluster command
 * alone and linked with libssh, libcurl and inih, which nothing else
 * needs. git keeps libcurl out of `git` the same way (git-remote-http):
 * the ~30 libraries they bring made every other command's process start
 * 1.6 times `openssl version`'s (docs/benchmarks.md).
 *
 * The program is found by absolute path, never through PATH: beside the
 * running executable (the build tree, where CMake builds both), else
 * where `cmake --install` put it (CTLSIGN_CLUSTER_INSTALLED). A copy of
 * ctlsign may sit in any directory, so the program beside it is taken
 * only as OpenSSH's StrictModes would take a file: it and its directory
 * owned by root or the user and writable by no one else
 * (ctl_program_safe); else the installed one, else an error that says
 * why the neighbour was refused. execv keeps the process, so the
 * exit status, stdin/stdout/stderr, the terminal for a passphrase prompt
 * and every signal are the cluster command's own, as before the split.
 * Signals ignored here stay ignored across exec, which is what
 * ctlsign-cluster's main wants anyway (it ignores the same ones).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "trustlist.h"
#include "util.h"

#ifdef CTLSIGN_TEST_HOOKS
/* ctlsign-testhooks runs the cluster program built with the same hooks. */
#define CLUSTER_PROGRAM "ctlsign-cluster-testhooks"
#else
#define CLUSTER_PROGRAM "ctlsign-cluster"
#endif

/* beside_exe writes DIR-of-/proc/self/exe/name to out; 0 if it cannot. */
static int beside_exe(char *out, size_t n, const char *name)
{
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (len <= 0 || (size_t)len >= sizeof(exe) - 1)
		return 0;
	exe[len] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return 0;
	slash[1] = '\0';
	return (size_t)snprintf(out, n, "%s%s", exe, name) < n;
}

int cmd_cluster(int argc, char **argv)
{
	const char *installed = NULL;
	char path[PATH_MAX];
	char **args;
	struct ctl_err err, why;
	int near;

#ifdef CTLSIGN_CLUSTER_INSTALLED
	installed = CTLSIGN_CLUSTER_INSTALLED;
#endif
	ctl_err_init(&err);
	ctl_err_init(&why);
	near = beside_exe(path, sizeof(path), CLUSTER_PROGRAM) &&
	       access(path, X_OK) == 0;
	if (near && !ctl_program_safe(&why, path))
		near = 0;
	if (!near) {
		if (installed == NULL || access(installed, X_OK) != 0) {
			if (why.code != CTL_OK)
				ctl_err_set(&err, CTL_E_INTERNAL,
					    "cluster: refusing %s beside the ctlsign executable "
					    "(%s), and none is installed at %s",
					    CLUSTER_PROGRAM, why.msg,
					    installed != NULL ? installed : "the install path");
			else
				ctl_err_set(&err, CTL_E_INTERNAL,
					    "cluster: cannot find %s (beside the ctlsign executable or %s): "
					    "the cluster commands are not installed",
					    CLUSTER_PROGRAM, installed != NULL ? installed : "installed");
			return cmd_fail(&err);
		}
		snprintf(path, sizeof(path), "%s", installed);
	}
	/* ctlsign-cluster's argv: its path, "cluster", then ours as given. */
	args = calloc((size_t)argc + 2, sizeof(*args));
	if (args == NULL) {
		ctl_err_set(&err, CTL_E_INTERNAL, "out of memory");
		return cmd_fail(&err);
	}
	args[0] = path;
	for (int i = 0; i < argc; i++)
		args[i + 1] = argv[i];
	fflush(NULL);
	execv(path, args);
	ctl_err_set(&err, CTL_E_INTERNAL, "cluster: cannot run %s: %s", path,
		    strerror(errno));
	free(args);
	return cmd_fail(&err);
}
