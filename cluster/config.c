/*
 * config.c - cluster.conf: INI parsed by inih. A [cluster] section holds
 * run settings and defaults for every node; each [node NAME] section
 * describes one node. Node values not given fall back to [cluster],
 * then to built-in defaults, after the whole file has been read, so the
 * order of sections does not matter.
 */
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cluster.h"
#include "util.h"

#define CL_MAX_NODES 256

/* The per-node keys, also accepted in [cluster] as defaults. */
struct node_raw {
	char *name, *host, *port, *role, *auth, *identity, *cli_user,
		*sftp_user, *tftp_root, *tftp_host, *tftp_port, *restart,
		*restart_command, *restart_user;
};

struct parse_ctx {
	struct node_raw defaults;
	struct node_raw *nodes;
	size_t nnodes;
	char *known_hosts, *jobs, *timeout, *cmd_timeout;
	char last[80];          /* the section of the previous entry */
	char msg[256];
};

static char **raw_slot(struct node_raw *r, const char *key)
{
	static const struct { const char *key; size_t off; } keys[] = {
		{ "host", offsetof(struct node_raw, host) },
		{ "port", offsetof(struct node_raw, port) },
		{ "role", offsetof(struct node_raw, role) },
		{ "auth", offsetof(struct node_raw, auth) },
		{ "identity", offsetof(struct node_raw, identity) },
		{ "cli_user", offsetof(struct node_raw, cli_user) },
		{ "sftp_user", offsetof(struct node_raw, sftp_user) },
		{ "tftp_root", offsetof(struct node_raw, tftp_root) },
		{ "tftp_host", offsetof(struct node_raw, tftp_host) },
		{ "tftp_port", offsetof(struct node_raw, tftp_port) },
		{ "restart", offsetof(struct node_raw, restart) },
		{ "restart_command", offsetof(struct node_raw, restart_command) },
		{ "restart_user", offsetof(struct node_raw, restart_user) },
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].key, key) == 0)
			return (char **)((char *)r + keys[i].off);
	return NULL;
}

static void raw_free(struct node_raw *r)
{
	free(r->name);
	free(r->host); free(r->port); free(r->role); free(r->auth);
	free(r->identity); free(r->cli_user); free(r->sftp_user);
	free(r->tftp_root); free(r->tftp_host); free(r->tftp_port);
	free(r->restart); free(r->restart_command); free(r->restart_user);
}

static int set_once(struct parse_ctx *ctx, char **slot, const char *key,
		    const char *value)
{
	if (*slot != NULL) {
		snprintf(ctx->msg, sizeof(ctx->msg), "%s given twice", key);
		return 0;
	}
	*slot = strdup(value);
	if (*slot == NULL) {
		snprintf(ctx->msg, sizeof(ctx->msg), "out of memory");
		return 0;
	}
	return 1;
}

static struct node_raw *node_for(struct parse_ctx *ctx, const char *name)
{
	struct node_raw *grown;

	for (size_t i = 0; i < ctx->nnodes; i++)
		if (strcmp(ctx->nodes[i].name, name) == 0)
			return &ctx->nodes[i];
	if (ctx->nnodes == CL_MAX_NODES) {
		snprintf(ctx->msg, sizeof(ctx->msg), "more than %d nodes",
			 CL_MAX_NODES);
		return NULL;
	}
	grown = realloc(ctx->nodes, (ctx->nnodes + 1) * sizeof(*grown));
	if (grown == NULL)
		return NULL;
	ctx->nodes = grown;
	memset(&grown[ctx->nnodes], 0, sizeof(*grown));
	grown[ctx->nnodes].name = strdup(name);
	if (grown[ctx->nnodes].name == NULL)
		return NULL;
	return &grown[ctx->nnodes++];
}

/* A node name becomes a directory name (fetch-certs) and a report key. */
static int name_ok(const char *s)
{
	if (*s == '\0' || *s == '.' || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		      *s == '.'))
			return 0;
	return 1;
}

static int on_entry(void *user, const char *section, const char *key,
		    const char *value)
{
	struct parse_ctx *ctx = user;
	struct node_raw *r;
	char **slot;

	if (strcmp(key, "password") == 0 || strcmp(key, "passphrase") == 0) {
		snprintf(ctx->msg, sizeof(ctx->msg),
			 "%s is not allowed in the configuration: it is asked "
			 "on the terminal or read from CTLSIGN_SSH_PASSWORD", key);
		return 0;
	}
	if (strcmp(section, "cluster") == 0) {
		snprintf(ctx->last, sizeof(ctx->last), "%s", section);
		if (strcmp(key, "known_hosts") == 0)
			return set_once(ctx, &ctx->known_hosts, key, value);
		if (strcmp(key, "jobs") == 0)
			return set_once(ctx, &ctx->jobs, key, value);
		if (strcmp(key, "timeout") == 0)
			return set_once(ctx, &ctx->timeout, key, value);
		if (strcmp(key, "command_timeout") == 0)
			return set_once(ctx, &ctx->cmd_timeout, key, value);
		r = &ctx->defaults;
	} else if (strncmp(section, "node ", 5) == 0) {
		if (!name_ok(section + 5)) {
			snprintf(ctx->msg, sizeof(ctx->msg),
				 "bad node name '%.64s' (letters, digits, - _ .)",
				 section + 5);
			return 0;
		}
		/* A second [node NAME] section would silently merge into the first. */
		if (strcmp(section, ctx->last) != 0)
			for (size_t i = 0; i < ctx->nnodes; i++)
				if (strcmp(ctx->nodes[i].name, section + 5) == 0) {
					snprintf(ctx->msg, sizeof(ctx->msg),
						 "[node %.64s] given twice", section + 5);
					return 0;
				}
		snprintf(ctx->last, sizeof(ctx->last), "%s", section);
		r = node_for(ctx, section + 5);
		if (r == NULL) {
			if (ctx->msg[0] == '\0')
				snprintf(ctx->msg, sizeof(ctx->msg), "out of memory");
			return 0;
		}
	} else {
		snprintf(ctx->msg, sizeof(ctx->msg),
			 "unknown section [%.64s]: expected [cluster] or [node NAME]",
			 section);
		return 0;
	}
	slot = raw_slot(r, key);
	if (slot == NULL) {
		snprintf(ctx->msg, sizeof(ctx->msg), "unknown key '%.64s'", key);
		return 0;
	}
	return set_once(ctx, slot, key, value);
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return 0;
	*out = (int)v;
	return 1;
}

/* pick returns the node's value, else the [cluster] default, else def. */
static const char *pick(const char *node_v, const char *def_v, const char *def)
{
	return node_v != NULL ? node_v : def_v != NULL ? def_v : def;
}

/* An empty value ("cli_user =") means none, also over a [cluster] default. */
static char *dup_or_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? strdup(s) : NULL;
}

/* resolve makes a relative path relative to the config file's directory. */
static char *resolve(const char *cfg_path, const char *p)
{
	const char *slash = strrchr(cfg_path, '/');
	size_t dlen = slash != NULL ? (size_t)(slash - cfg_path) + 1 : 0;
	char *out;

	if (p[0] == '~' && p[1] == '/' && getenv("HOME") != NULL) {
		const char *home = getenv("HOME");

		out = malloc(strlen(home) + strlen(p));
		if (out != NULL)
			sprintf(out, "%s%s", home, p + 1);
		return out;
	}
	if (p[0] == '/' || dlen == 0)
		return strdup(p);
	out = malloc(dlen + strlen(p) + 1);
	if (out != NULL) {
		memcpy(out, cfg_path, dlen);
		strcpy(out + dlen, p);
	}
	return out;
}

static int finish_node(struct cl_node *n, struct ctl_err *err,
		       const struct node_raw *r, const struct node_raw *d,
		       const char *cfg_path)
{
	const char *v;

#define PICK(field, def) pick(r->field, d->field, def)
	n->name = strdup(r->name);
	if ((v = PICK(host, NULL)) == NULL || v[0] == '\0')
		return ctl_err_set(err, CTL_E_USAGE, "node %s: no host", r->name);
	n->host = strdup(v);
	if (!parse_int(PICK(port, "22"), 1, 65535, &n->port))
		return ctl_err_set(err, CTL_E_USAGE, "node %s: bad port", r->name);
	v = PICK(role, "subscriber");
	if (strcmp(v, "publisher") == 0)
		n->role = CL_ROLE_PUBLISHER;
	else if (strcmp(v, "subscriber") == 0)
		n->role = CL_ROLE_SUBSCRIBER;
	else if (strcmp(v, "tftp") == 0)
		n->role = CL_ROLE_TFTP;
	else
		return ctl_err_set(err, CTL_E_USAGE,
				   "node %s: role '%s': expected publisher, subscriber or tftp",
				   r->name, v);
	v = PICK(auth, "agent");
	if (strcmp(v, "agent") == 0)
		n->auth = CL_AUTH_AGENT;
	else if (strcmp(v, "key") == 0)
		n->auth = CL_AUTH_KEY;
	else if (strcmp(v, "password") == 0)
		n->auth = CL_AUTH_PASSWORD;
	else
		return ctl_err_set(err, CTL_E_USAGE,
				   "node %s: auth '%s': expected agent, key or password",
				   r->name, v);
	if ((v = PICK(identity, NULL)) != NULL && v[0] != '\0')
		n->identity = resolve(cfg_path, v);
	if (n->auth == CL_AUTH_KEY && n->identity == NULL)
		return ctl_err_set(err, CTL_E_USAGE,
				   "node %s: auth = key needs identity = KEYFILE", r->name);
	n->cli_user = dup_or_null(PICK(cli_user, NULL));
	n->sftp_user = dup_or_null(PICK(sftp_user, NULL));
	/* Empty, these would name the node's / and no TFTP server. */
	if (PICK(tftp_root, "x")[0] == '\0' || PICK(tftp_host, "x")[0] == '\0')
		return ctl_err_set(err, CTL_E_USAGE, "node %s: empty tftp_root or tftp_host",
				   r->name);
	n->tftp_root = strdup(PICK(tftp_root, "/var/lib/tftpboot"));
	n->tftp_host = strdup(PICK(tftp_host, n->host));
	if (!parse_int(PICK(tftp_port, "69"), 1, 65535, &n->tftp_port))
		return ctl_err_set(err, CTL_E_USAGE, "node %s: bad tftp_port", r->name);
	v = PICK(restart, n->cli_user != NULL ? "cli" : "none");
	if (strcmp(v, "none") == 0)
		n->restart = CL_RESTART_NONE;
	else if (strcmp(v, "cli") == 0)
		n->restart = CL_RESTART_CLI;
	else if (strcmp(v, "exec") == 0)
		n->restart = CL_RESTART_EXEC;
	else
		return ctl_err_set(err, CTL_E_USAGE,
				   "node %s: restart '%s': expected cli, exec or none",
				   r->name, v);
	n->restart_command = dup_or_null(PICK(restart_command, NULL));
	n->restart_user = dup_or_null(PICK(restart_user, n->sftp_user));
#undef PICK
	if (n->cli_user == NULL && n->sftp_user == NULL)
		return ctl_err_set(err, CTL_E_USAGE,
				   "node %s: needs cli_user or sftp_user (or both)", r->name);
	if (n->restart == CL_RESTART_CLI && n->cli_user == NULL)
		return ctl_err_set(err, CTL_E_USAGE,
				   "node %s: restart = cli needs cli_user", r->name);
	if (n->restart == CL_RESTART_EXEC &&
	    (n->restart_command == NULL || n->restart_user == NULL))
		return ctl_err_set(err, CTL_E_USAGE,
				   "node %s: restart = exec needs restart_command and a user",
				   r->name);
	if (n->name == NULL || n->host == NULL || n->tftp_root == NULL ||
	    n->tftp_host == NULL)
		return ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
	return 1;
}

static void node_cleanup(struct cl_node *n)
{
	free(n->name); free(n->host); free(n->identity); free(n->cli_user);
	free(n->sftp_user); free(n->tftp_root); free(n->tftp_host);
	free(n->restart_command); free(n->restart_user);
}

/*
 * check_text refuses what inih would misread: inih (INI_MAX_LINE 200, on
 * the stack) cuts a longer line and parses its tail as a line of its
 * own, so the end of a long comment became a live setting; and a NUL
 * byte silently ends a line. Both name the line.
 */
#define CL_MAX_CONF (1024 * 1024)
#define CL_MAX_LINE (INI_MAX_LINE - 2) /* inih keeps the '\n' and the NUL */

static int check_text(struct ctl_err *err, const char *path, const char *text,
		      size_t len)
{
	size_t line = 1, col = 0;

	if (len > CL_MAX_CONF)
		return ctl_err_set(err, CTL_E_FORMAT, "%s: larger than 1 MiB", path);
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\0')
			return ctl_err_set(err, CTL_E_USAGE, "%s: line %zu: NUL byte",
					   path, line);
		if (text[i] == '\n') {
			line++;
			col = 0;
		} else if (++col > CL_MAX_LINE) {
			return ctl_err_set(err, CTL_E_USAGE,
					   "%s: line %zu: longer than %d characters",
					   path, line, (int)CL_MAX_LINE);
		}
	}
	return 1;
}

/*
 * conf_safe: the configuration names the nodes, the login, the identity
 * file, the known_hosts and the restart commands run on the nodes: like
 * known_hosts, it and its directory may be writable by no one else.
 */
static int conf_safe(struct ctl_err *err, const char *path, const struct stat *st)
{
	static const char why[] =
		"another user could choose the nodes, the keys and the commands run on them";
	char *real = NULL, *slash;
	struct stat dst;
	int ok;

	if (!ctl_owner_safe(err, path, "the configuration", path, st, why))
		return 0;
	real = realpath(path, NULL);
	if (real == NULL)
		return ctl_err_set(err, CTL_E_IO, "%s: cannot resolve: %s", path,
				   strerror(errno));
	slash = strrchr(real, '/'); /* real is absolute */
	slash[slash == real ? 1 : 0] = '\0';
	if (stat(real, &dst) != 0) {
		ok = ctl_err_set(err, CTL_E_IO, "%s: cannot look at its directory %s: %s",
				 path, real, strerror(errno));
	} else {
		char obj[PATH_MAX + 32];

		snprintf(obj, sizeof(obj), "its directory %s", real);
		ok = ctl_owner_safe(err, path, obj, real, &dst, why);
	}
	free(real);
	return ok;
}

/*
 * cl_config_load reads the file with the one bounded reader
 * (ctl_read_file: opened without blocking, so a FIFO is refused at once
 * instead of waiting for a writer; the opened object must be a regular
 * file; at most 1 MiB), then parses the bytes as the fuzzer does.
 */
int cl_config_load(struct cl_config *out, struct ctl_err *err, const char *path)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t len = 0;
	int ok;

	memset(out, 0, sizeof(*out));
	if (!ctl_read_file_st(err, path, CL_MAX_CONF, &buf, &len, &st))
		return 0;
	if (!conf_safe(err, path, &st)) {
		free(buf);
		return 0;
	}
	ok = cl_config_parse_buffer(out, err, path, (const char *)buf, len);
	free(buf);
	return ok;
}

int cl_config_parse_buffer(struct cl_config *out, struct ctl_err *err,
			   const char *path, const char *buf, size_t len)
{
	struct parse_ctx ctx;
	int line, ok = 0;
	char *text = NULL;

	memset(out, 0, sizeof(*out));
	memset(&ctx, 0, sizeof(ctx));
	if (!check_text(err, path, buf, len))
		goto done;
	/* inih wants a string. */
	text = malloc(len + 1);
	if (text == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		goto done;
	}
	if (len > 0)
		memcpy(text, buf, len);
	text[len] = '\0';
	line = ini_parse_string(text, on_entry, &ctx);
	free(text);
	if (line != 0) {
		ctl_err_set(err, CTL_E_USAGE, "%s: line %d: %s", path, line,
			    ctx.msg[0] ? ctx.msg : "not an INI line");
		goto done;
	}
	if (ctx.nnodes == 0) {
		ctl_err_set(err, CTL_E_USAGE, "%s: no [node NAME] section", path);
		goto done;
	}
	/* Empty, it would be the config's directory. */
	if (ctx.known_hosts != NULL && ctx.known_hosts[0] == '\0') {
		ctl_err_set(err, CTL_E_USAGE, "%s: known_hosts is empty: name a file "
			    "or leave the key out (default: known_hosts)", path);
		goto done;
	}
	out->path = strdup(path);
	out->known_hosts = resolve(path, ctx.known_hosts != NULL ?
				   ctx.known_hosts : "known_hosts");
	out->jobs = 8;
	out->timeout = 10;
	/* Generous: a CallManager restart takes minutes, printing as it goes. */
	out->cmd_timeout = 1800;
	if ((ctx.jobs != NULL && !parse_int(ctx.jobs, 1, 64, &out->jobs)) ||
	    (ctx.timeout != NULL && !parse_int(ctx.timeout, 1, 3600, &out->timeout)) ||
	    (ctx.cmd_timeout != NULL &&
	     !parse_int(ctx.cmd_timeout, 1, 86400, &out->cmd_timeout))) {
		ctl_err_set(err, CTL_E_USAGE,
			    "%s: jobs must be 1..64, timeout 1..3600 seconds and "
			    "command_timeout 1..86400 seconds", path);
		goto done;
	}
	out->nodes = calloc(ctx.nnodes, sizeof(*out->nodes));
	if (out->path == NULL || out->known_hosts == NULL || out->nodes == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		goto done;
	}
	out->nnodes = ctx.nnodes;
	for (size_t i = 0; i < ctx.nnodes; i++)
		if (!finish_node(&out->nodes[i], err, &ctx.nodes[i],
				 &ctx.defaults, path)) {
			ctl_err_prefix(err, "%s", path);
			goto done;
		}
	ok = 1;
done:
	for (size_t i = 0; i < ctx.nnodes; i++)
		raw_free(&ctx.nodes[i]);
	free(ctx.nodes);
	raw_free(&ctx.defaults);
	free(ctx.known_hosts);
	free(ctx.jobs);
	free(ctx.timeout);
	free(ctx.cmd_timeout);
	if (!ok)
		cl_config_cleanup(out);
	return ok;
}

void cl_config_cleanup(struct cl_config *cfg)
{
	for (size_t i = 0; i < cfg->nnodes; i++)
		node_cleanup(&cfg->nodes[i]);
	free(cfg->nodes);
	free(cfg->path);
	free(cfg->known_hosts);
	memset(cfg, 0, sizeof(*cfg));
}

int cl_config_needs_password(const struct cl_config *cfg)
{
	for (size_t i = 0; i < cfg->nnodes; i++)
		if (cfg->nodes[i].auth == CL_AUTH_PASSWORD)
			return 1;
	return 0;
}
