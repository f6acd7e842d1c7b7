/*
 * fuzz_config.c - libFuzzer target for the cluster configuration reader
 * (cluster/config.c), through cl_config_parse_buffer: the code
 * cl_config_load runs on a file's bytes, without the file.
 *
 * Each input is parsed as if read from an absolute and from a bare file
 * name (relative paths resolve differently). A failure must leave *out
 * empty and record one line with a usage or format code (nothing here
 * touches the disk, so nothing else may come back). A success must hold
 * what docs/cluster.md promises of every node, which the operations
 * rely on without checking again. Everything is freed; LeakSanitizer
 * reports anything that is not.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* "~/" in a path is $HOME: the same for every run. */
	setenv("HOME", "/home/fuzz", 1);
	return 0;
}

static void bad(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_config: %s: %s\n", what, detail ? detail : "");
	abort();
}

static int port_ok(int p)
{
	return p >= 1 && p <= 65535;
}

static void check_node(const struct cl_node *n)
{
	if (n->name == NULL || n->name[0] == '\0' || n->name[0] == '.' ||
	    strlen(n->name) > 64 || strchr(n->name, '/') != NULL)
		bad("node name", n->name);
	if (n->host == NULL || n->tftp_root == NULL || n->tftp_host == NULL ||
	    !n->host[0] || !n->tftp_root[0] || !n->tftp_host[0])
		bad("node without host or TFTP root", n->name);
	if (!port_ok(n->port) || !port_ok(n->tftp_port))
		bad("port out of range", n->name);
	if (n->auth == CL_AUTH_KEY && n->identity == NULL)
		bad("auth = key without identity", n->name);
	if (n->cli_user == NULL && n->sftp_user == NULL)
		bad("neither cli_user nor sftp_user", n->name);
	if (n->restart == CL_RESTART_CLI && n->cli_user == NULL)
		bad("restart = cli without cli_user", n->name);
	if (n->restart == CL_RESTART_EXEC &&
	    (n->restart_command == NULL || n->restart_user == NULL))
		bad("restart = exec without command or user", n->name);
	/* An empty value means none: never an empty string. */
	if ((n->cli_user && !n->cli_user[0]) || (n->sftp_user && !n->sftp_user[0]) ||
	    (n->identity && !n->identity[0]))
		bad("empty user or identity kept", n->name);
}

static void one(const char *path, const uint8_t *data, size_t size)
{
	struct cl_config cfg;
	struct ctl_err err;

	ctl_err_init(&err);
	if (!cl_config_parse_buffer(&cfg, &err, path, (const char *)data, size)) {
		if ((err.code != CTL_E_USAGE && err.code != CTL_E_FORMAT) ||
		    err.msg[0] == '\0' || strchr(err.msg, '\n') != NULL)
			bad("failure without a one-line usage/format error", err.msg);
		if (cfg.nodes != NULL || cfg.nnodes != 0 || cfg.path != NULL ||
		    cfg.known_hosts != NULL)
			bad("failure left a half-filled config", err.msg);
		return;
	}
	if (err.code != CTL_OK)
		bad("success with an error recorded", err.msg);
	if (cfg.path == NULL || strcmp(cfg.path, path) != 0 ||
	    cfg.known_hosts == NULL || cfg.known_hosts[0] == '\0')
		bad("path or known_hosts", cfg.known_hosts);
	if (cfg.nnodes < 1 || cfg.nnodes > 256 || cfg.nodes == NULL)
		bad("node count", NULL);
	if (cfg.jobs < 1 || cfg.jobs > 64 || cfg.timeout < 1 || cfg.timeout > 3600)
		bad("jobs or timeout out of range", NULL);
	for (size_t i = 0; i < cfg.nnodes; i++) {
		check_node(&cfg.nodes[i]);
		for (size_t j = 0; j < i; j++)
			if (strcmp(cfg.nodes[i].name, cfg.nodes[j].name) == 0)
				bad("two nodes of one name", cfg.nodes[i].name);
	}
	(void)cl_config_needs_password(&cfg);
	cl_config_cleanup(&cfg);
	if (cfg.nodes != NULL || cfg.nnodes != 0 || cfg.path != NULL)
		bad("cleanup left something", NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one("/etc/ctlsign/cluster.conf", data, size);
	one("cluster.conf", data, size);
	return 0;
}
