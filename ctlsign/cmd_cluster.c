/*
 * cmd_cluster.c - `ctlsign cluster`: status, set-mode, update-ctl,
 * restart, fetch-certs, distribute and delete-file over SSH (cluster/,
 * docs/cluster.md).
 * Parses options, asks for the SSH password once if a node needs one,
 * calls the library and renders its per-node report as lines or JSON.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster.h"
#include "cmd.h"
#include "json.h"
#include "prompt.h"
#include "text.h"
#include "trustlist.h"
#include "util.h"

static const char cluster_usage[] =
	"usage: ctlsign cluster SUBCOMMAND -c CONFIG [OPTIONS]\n"
	"\n"
	"  status      [--file NAME]        per node: reachable, host key, security mode,\n"
	"                                   the file its TFTP serves (MD5/SHA-1, signer, valid)\n"
	"  set-mode    mixed|non-secure     `utils ctl set-cluster ...` on the publisher\n"
	"  update-ctl                       `utils ctl update CTLFile`, then check every node\n"
	"  restart                          restart Cisco Tftp and Cisco CallManager on every\n"
	"                                   node (as its `restart` says), as the CLI asks after\n"
	"                                   set-mode and update-ctl\n"
	"  fetch-certs --out DIR            CallManager, CAPF, TVS, ITLRecovery of every node\n"
	"  fetch-certs --trust --out DIR    the publisher's trust store, DIR/UNIT__NAME.pem\n"
	"  distribute  FILE [--dry-run] [--restart-services] [--as NAME] [--wait-manual SECONDS]\n"
	"                                   verify FILE, then put it on every node, all or\n"
	"                                   nothing, and read it back over TFTP; a node with\n"
	"                                   a CLI and no sftp_user needs a person's upload\n"
	"  delete-file [--file NAME] [--restart-services]\n"
	"                                   `file delete tftp NAME` (CTLFile.tlv) on every CLI\n"
	"\n"
	"  -c, --config FILE     cluster.conf (docs/cluster.md)\n"
	"  --known-hosts FILE    instead of the config's known_hosts\n"
	"  --accept-new          record host keys not yet known (the only trust on first use)\n"
	"  -j, --jobs N          nodes handled at once (default: config, else 8)\n"
	"  --json                the report as one JSON document (docs/json.md)\n"
	"  -h, --help            this text\n"
	"\n"
	"Passwords (auth = password) are asked once on the terminal, or read from\n"
	"CTLSIGN_SSH_PASSWORD; never from the command line or the config.\n"
	"\n"
	"exit status: 0 ok, 1 the file (or a served file) does not verify, 2 malformed\n"
	"input or usage, 3 file I/O, 5 a node failed (unreachable, host key, transfer,\n"
	"a service that did not come back)\n";

struct cl_args {
	const char *config, *known_hosts, *file_name, *out_dir, *as_name;
	int accept_new, jobs, json, dry_run, restart, trust, wait_manual;
	const char *dist_path;   /* distribute: the local file, for the manual step */
};

/* Set when a node's key was unknown: the command then says how to accept. */
static int saw_unknown_key;

/* note_kind: what the command adds after the errors, by the error's kind. */
static void note_kind(enum ctl_err_kind kind)
{
	switch (kind) {
	case CTL_K_HOSTKEY_UNKNOWN:
		saw_unknown_key = 1;
		break;
	case CTL_K_NONE:
	case CTL_K_HOSTKEY_CHANGED:
	case CTL_K_HOSTKEY_REFUSED:
	case CTL_K_AUTH:
	case CTL_K_CONNECT:
	case CTL_K_TIMEOUT:
	case CTL_K_PROTOCOL:
	case CTL_K_PROMPT:
	case CTL_K_REFUSED:
	case CTL_K_MANUAL:
		break;
	}
}

static void node_error(const char *msg, enum ctl_err_kind kind)
{
	cmd_print(stderr, "ctlsign: %s\n", msg);
	note_kind(kind);
}

static int fail_noting(const struct ctl_err *err)
{
	note_kind(err->kind);
	return cmd_fail(err);
}

/* fail_doc: a failure before the report; under --json it is the document. */
static int fail_doc(const struct cl_args *a, const struct ctl_err *err)
{
	if (a->json)
		cj_fail_doc(err);
	return fail_noting(err);
}

static void on_progress(void *arg, const char *node, const char *what)
{
	(void)arg;
	cmd_print(stderr, "  %-16s %s\n", node, what);
}

/*
 * --json (docs/json.md, docs/schema/cluster.json). A checksum set: null
 * when not known (the node did not answer); present false when the
 * node answered that it has no such file.
 */
static json_t *json_sum(const struct cl_sum *s, int known)
{
	json_t *o;

	if (!known)
		return cj_str(NULL);
	o = cj_obj();
	cj_set(o, "present", cj_bool(s->present));
	cj_set(o, "length", s->present ? cj_int((long long)s->len) : cj_str(NULL));
	cj_set(o, "md5", cj_str(s->present ? s->md5 : NULL));
	cj_set(o, "sha1", cj_str(s->present ? s->sha1 : NULL));
	cj_set(o, "sha256", cj_str(s->present ? s->sha256 : NULL));
	return o;
}

/* json_node_error: a node's first problem ("": none, null). */
static json_t *json_node_error(const char *msg, enum ctl_err_kind kind)
{
	return msg[0] ? cj_error_msg(CTL_OK, kind, msg) : cj_str(NULL);
}

/* json_opt: a name the library leaves "" when there is none. */
static json_t *json_opt(const char *s)
{
	return cj_str(s != NULL && s[0] ? s : NULL);
}

static json_t *json_mode(int mode)
{
	return cj_str(mode == 1 ? "mixed" : mode == 0 ? "non-secure" : NULL);
}

/* identical: cl_status_run's 1 / 0 / -1 (cannot be told) as true / false / null. */
static json_t *json_status(const struct cl_config *cfg, const struct cl_status *st,
			   const char *file, int identical)
{
	json_t *doc = cj_doc_new(), *nodes = cj_arr();

	cj_set(doc, "file", cj_str(file));
	cj_set(doc, "identical", identical < 0 ? cj_str(NULL) : cj_bool(identical));
	for (size_t i = 0; i < cfg->nnodes; i++) {
		const struct cl_node *n = &cfg->nodes[i];
		const struct cl_status *x = &st[i];
		json_t *o = cj_obj();
		int served = x->tftp_ok && x->served.present;

		cj_set(o, "name", cj_str(n->name));
		cj_set(o, "host", cj_str(n->host));
		cj_set(o, "port", cj_int(n->port));
		cj_set(o, "reachable", cj_bool(x->reachable));
		cj_set(o, "host_key_ok", x->reachable ? cj_bool(x->hostkey_ok) : cj_str(NULL));
		cj_set(o, "security_mode", json_mode(x->mode));
		cj_set(o, "tftp_ok", cj_bool(x->tftp_ok));
		cj_set(o, "served", json_sum(&x->served, x->tftp_ok));
		cj_set(o, "valid", served ? cj_bool(x->valid) : cj_str(NULL));
		cj_set(o, "signer", served ? json_opt(x->signer_name) : cj_str(NULL));
		cj_set(o, "error", json_node_error(x->error, x->error_kind));
		cj_add(nodes, o);
	}
	cj_set(doc, "nodes", nodes);
	return doc;
}

static const char *sum_text(char *buf, size_t cap, const struct cl_sum *s, int known)
{
	if (!known)
		snprintf(buf, cap, "unknown");
	else if (!s->present)
		snprintf(buf, cap, "no file");
	else
		snprintf(buf, cap, "md5 %s sha1 %s", s->md5, s->sha1);
	return buf;
}

static const char *mode_name(int mode)
{
	return mode == 1 ? "mixed" : mode == 0 ? "non-secure" : "unknown";
}

static int load(struct cl_config *cfg, struct cl_opts *o, char **password,
		const struct cl_args *a, struct ctl_err *err)
{
	memset(o, 0, sizeof(*o));
	*password = NULL;
	if (!cl_config_load(cfg, err, a->config))
		return 0;
	/*
	 * A known_hosts others can write, or one that is not a file, stops
	 * the run here, before any password or node; each connection checks
	 * it again right before libssh reads it.
	 */
	if (!cl_known_hosts_check(err, a->known_hosts ? a->known_hosts :
				  cfg->known_hosts, NULL)) {
		cl_config_cleanup(cfg);
		return 0;
	}
	o->known_hosts = a->known_hosts;
	o->accept_new = a->accept_new;
	o->jobs = a->jobs;
	if (!a->json && isatty(STDERR_FILENO))
		o->progress = on_progress;
	if (cl_config_needs_password(cfg)) {
		*password = ctl_read_secret(err, &cmd_tty_asker,
					    "SSH password for the cluster nodes: ",
					    "CTLSIGN_SSH_PASSWORD");
		if (*password == NULL) {
			cl_config_cleanup(cfg);
			return 0;
		}
		o->password = *password;
	}
	return 1;
}

static int do_status(const struct cl_config *cfg, const struct cl_opts *o,
		     const struct cl_args *a)
{
	struct cl_status *st = calloc(cfg->nnodes, sizeof(*st));
	const char *file = a->file_name ? a->file_name : "CTLFile.tlv";
	struct ctl_err err;
	int identical = 0, ok, rc = 0, none = 1;
	char sb[128];

	ctl_err_init(&err);
	if (st == NULL) {
		ctl_err_set(&err, CTL_E_INTERNAL, "out of memory");
		return fail_doc(a, &err);
	}
	ok = cl_status_run(cfg, o, &err, st, &identical, file);
	for (size_t i = 0; i < cfg->nnodes; i++) {
		if (st[i].served.present && !st[i].valid && rc == 0)
			rc = 1;
		if (st[i].served.present)
			none = 0;
	}
	if (a->json) {
		json_t *doc = json_status(cfg, st, file, identical);
		int jrc;

		if (!ok)
			cj_set(doc, "error", cj_error(&err));
		if ((jrc = cj_print(doc)) != 0) {
			free(st);
			return jrc;
		}
	} else {
		for (size_t i = 0; i < cfg->nnodes; i++) {
			const struct cl_node *n = &cfg->nodes[i];
			const struct cl_status *s = &st[i];

			cmd_print(stdout, "%s (%s:%d): %s, security mode %s, %s %s",
			       n->name, n->host, n->port,
			       !s->reachable ? "UNREACHABLE" : s->hostkey_ok ?
			       "reachable, host key OK" : "reachable, host key NOT TRUSTED",
			       mode_name(s->mode), file,
			       s->tftp_ok ? sum_text(sb, sizeof(sb), &s->served, 1) :
			       "not readable over TFTP");
			if (s->served.present)
				cmd_print(stdout, ", signed by %s, %s",
				       s->signer_name[0] ? s->signer_name : "nobody",
				       s->valid ? "valid" : "INVALID");
			putchar('\n');
			if (s->error[0])
				node_error(s->error, s->error_kind);
		}
		if (identical < 0)
			cmd_print(stdout, "whether every node serves the same %s is not known "
				  "(a node's TFTP did not answer)\n", file);
		else if (none)
			cmd_print(stdout, "no node serves %s\n", file);
		else
			printf("%s\n", identical ? "all nodes serve the same file" :
			       "nodes serve DIFFERENT files");
	}
	free(st);
	if (!ok) {
		if (!a->json)
			return cmd_fail(&err);
		return ctl_exit_code(err.code);
	}
	if (identical == 0 && rc == 0)
		rc = ctl_exit_code(CTL_E_REMOTE);
	return rc;
}

static const char *state_name(enum cl_dist_state s)
{
	switch (s) {
	case CL_DIST_PENDING: return "not reached";
	case CL_DIST_PLANNED: return "would change";
	case CL_DIST_UNCHANGED: return "unchanged";
	case CL_DIST_SWITCHED: return "switched";
	case CL_DIST_ABORTED: return "kept old";
	case CL_DIST_ROLLED_BACK: return "rolled back";
	case CL_DIST_FAILED: return "FAILED";
	case CL_DIST_MANUAL: return "needs a person";
	}
	return "?";
}

/* state_key: a state as --json names it. */
static const char *state_key(enum cl_dist_state s)
{
	switch (s) {
	case CL_DIST_PENDING: return "pending";
	case CL_DIST_PLANNED: return "planned";
	case CL_DIST_UNCHANGED: return "unchanged";
	case CL_DIST_SWITCHED: return "switched";
	case CL_DIST_ABORTED: return "aborted";
	case CL_DIST_ROLLED_BACK: return "rolled-back";
	case CL_DIST_FAILED: return "failed";
	case CL_DIST_MANUAL: return "manual";
	}
	return NULL;
}

static json_t *json_dist(const struct cl_config *cfg, const struct cl_dist *d,
			 const struct cl_args *a, const char *name,
			 const struct cl_sum *new_sum, int ok)
{
	json_t *doc = cj_doc_new(), *nodes = cj_arr();

	cj_set(doc, "file", cj_str(name));
	cj_set(doc, "dry_run", cj_bool(a->dry_run));
	cj_set(doc, "ok", cj_bool(ok));
	cj_set(doc, "new", json_sum(new_sum, 1));
	for (size_t i = 0; i < cfg->nnodes; i++) {
		json_t *o = cj_obj();

		cj_set(o, "name", cj_str(cfg->nodes[i].name));
		cj_set(o, "state", cj_str(state_key(d[i].state)));
		cj_set(o, "manual", cj_bool(d[i].manual));
		cj_set(o, "old", json_sum(&d[i].old_sum, d[i].state != CL_DIST_FAILED ||
					  d[i].old_sum.present));
		cj_set(o, "holds", json_sum(&d[i].now_sum, d[i].now_known));
		cj_set(o, "serves", json_sum(&d[i].served, d[i].served_known));
		cj_set(o, "backup", json_opt(d[i].backup));
		cj_set(o, "leftover", json_opt(d[i].leftover));
		cj_set(o, "error", json_node_error(d[i].error, d[i].error_kind));
		cj_add(nodes, o);
	}
	cj_set(doc, "nodes", nodes);
	return doc;
}

/* dist_name: the name the file takes on the nodes. */
static const char *dist_name(const struct ctl_file *f, const char *as, char *buf,
			     size_t cap)
{
	if (as != NULL)
		return as;
	if (f->filename.present && f->filename.n > 0 && f->filename.n < cap) {
		memcpy(buf, f->filename.p, f->filename.n);
		buf[f->filename.n] = '\0';
		return buf;
	}
	return f->kind == KIND_ITL ? "ITLFile.tlv" : "CTLFile.tlv";
}

/* The name goes into a remote path and a tftp:// URL: keep it plain. */
static int name_safe(const char *s)
{
	if (s[0] == '\0' || s[0] == '.' || strlen(s) >= 128)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '-' || *s == '_'))
			return 0;
	return 1;
}

/* render_dist: the text report (--json: json_dist). */
static void render_dist(const struct cl_config *cfg, const struct cl_dist *d,
			const struct cl_args *a, const char *name,
			const struct cl_sum *new_sum, int ok)
{
	char b1[128], b2[128], b3[128];

	for (size_t i = 0; i < cfg->nnodes; i++) {
		const struct cl_dist *x = &d[i];

		if (a->dry_run) {
			cmd_print(stdout, "%s: %s: %s -> %s\n", cfg->nodes[i].name, state_name(x->state),
			       sum_text(b1, sizeof(b1), &x->old_sum, x->state != CL_DIST_FAILED),
			       sum_text(b2, sizeof(b2), new_sum, 1));
		} else {
			cmd_print(stdout, "%s: %s%s; was %s; holds %s; serves %s", cfg->nodes[i].name,
			       state_name(x->state), x->manual && x->state == CL_DIST_SWITCHED ?
			       " (by hand)" : "",
			       sum_text(b1, sizeof(b1), &x->old_sum,
					x->state != CL_DIST_FAILED || x->old_sum.present),
			       sum_text(b2, sizeof(b2), &x->now_sum, x->now_known),
			       sum_text(b3, sizeof(b3), &x->served, x->served_known));
			if (x->backup[0])
				cmd_print(stdout, "; backup %s", x->backup);
			if (x->leftover[0])
				cmd_print(stdout, "; temporary file left: %s", x->leftover);
			putchar('\n');
		}
		if (x->error[0])
			node_error(x->error, x->error_kind);
	}
	if (ok && !a->dry_run)
		cmd_print(stdout, "every node serves %s (%s)\n", name,
		       sum_text(b1, sizeof(b1), new_sum, 1));
}

/*
 * A signal during a distribution must not leave the cluster half
 * switched: the first SIGINT/SIGTERM/SIGHUP asks the library to stop
 * after the current step and undo (cl_opts.cancel); a second one kills.
 */
static volatile sig_atomic_t dist_cancel;

static void on_cancel(int sig)
{
	static const char msg[] = "ctlsign: interrupted: finishing the current step, "
				  "then every node gets its previous file back "
				  "(again to quit at once)\n";
	ssize_t w;

	(void)sig;
	dist_cancel = 1;
	w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)w;
}

static void catch_cancel(struct cl_opts *o)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_cancel;
	sa.sa_flags = SA_RESETHAND | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction old;

		/* nohup: an ignored hang-up stays ignored, the run goes on. */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
	o->cancel = &dist_cancel;
}

/*
 * on_manual: what a person does for a node ctlsign cannot write (a CUCM
 * node: no SFTP account reaches its TFTP directory, and the CTL
 * Provider protocol is not documented). Always printed, on stderr.
 */
static void on_manual(void *arg, const struct cl_node *n, const char *name,
		      const struct cl_sum *want)
{
	const struct cl_args *a = arg;

	cmd_print(stderr,
		  "ctlsign: node %s (%s): no write path (a CLI, no sftp_user); by hand:\n"
		  "  1. Cisco Unified OS Administration on %s: Software Upgrades > TFTP File "
		  "Management > Upload File: file %s, directory / (the TFTP root)%s%s%s\n"
		  "  2. restart Cisco Tftp on %s (`utils service restart Cisco Tftp`, or "
		  "Cisco Unified Serviceability > Tools > Control Center - Feature Services)\n"
		  "  then %s must serve %s with md5 %s sha1 %s\n",
		  n->name, n->host, n->name, a->dist_path,
		  strcmp(name, a->dist_path) != 0 ? " (its name there must be " : "",
		  strcmp(name, a->dist_path) != 0 ? name : "",
		  strcmp(name, a->dist_path) != 0 ? ")" : "",
		  n->name, n->name, name, want->md5, want->sha1);
	if (a->wait_manual > 0)
		cmd_print(stderr, "ctlsign: waiting up to %d s for %s to serve it\n",
			  a->wait_manual, n->name);
}

static int do_distribute(const struct cl_config *cfg, const struct cl_opts *opts,
			 const struct cl_args *a, const char *path)
{
	struct cl_opts copy = *opts, *o = &copy;
	struct ctl_file f;
	struct ctl_err err;
	struct cl_dist *d = NULL;
	struct cl_sum new_sum;
	char namebuf[130];
	const char *name;
	int ok;

	ctl_err_init(&err);
	/* The engine first: a file that does not verify never leaves here. */
	if (!ctl_parse_path(&f, &err, path, PARSE_AUTO))
		return fail_doc(a, &err);
	if (!ctl_verify(&f, &err, NULL, NULL, NULL)) {
		ctl_err_prefix(&err, "%s: not distributed", path);
		ctl_file_cleanup(&f);
		return fail_doc(a, &err);
	}
	name = dist_name(&f, a->as_name, namebuf, sizeof(namebuf));
	if (!name_safe(name)) {
		ctl_file_cleanup(&f);
		return cmd_usage_error("cluster", "'%s' is not a plain file name (use --as NAME)",
				       name);
	}
	if (!ctl_check_served_as(&f, &err, name)) {
		ctl_err_prefix(&err, "%s: not distributed", path);
		ctl_file_cleanup(&f);
		return fail_doc(a, &err);
	}
	d = calloc(cfg->nnodes, sizeof(*d));
	if (d == NULL) {
		ctl_file_cleanup(&f);
		ctl_err_set(&err, CTL_E_INTERNAL, "out of memory");
		return fail_doc(a, &err);
	}
	cl_sum_of(&new_sum, f.buf, f.len);
	o->manual = on_manual;
	o->manual_arg = (void *)a;
	o->manual_wait = a->wait_manual;
	if (!a->dry_run)
		catch_cancel(o);
	ok = cl_distribute(cfg, o, &err, d, name, f.buf, f.len, a->dry_run, a->restart);
	if (a->json) {
		json_t *doc = json_dist(cfg, d, a, name, &new_sum, ok);
		int jrc;

		if (!ok)
			cj_set(doc, "error", cj_error(&err));
		free(d);
		ctl_file_cleanup(&f);
		jrc = cj_print(doc);
		return jrc != 0 ? jrc : ok ? 0 : ctl_exit_code(err.code);
	}
	render_dist(cfg, d, a, name, &new_sum, ok);
	free(d);
	ctl_file_cleanup(&f);
	if (!ok)
		return cmd_fail(&err);
	return 0;
}

static int do_certs(const struct cl_config *cfg, const struct cl_opts *o,
		    const struct cl_args *a)
{
	struct cl_certs *r;
	struct ctl_err err;
	int ok;

	ctl_err_init(&err);
	if (a->out_dir == NULL)
		return cmd_usage_error("cluster", "fetch-certs needs --out DIR");
	r = calloc(cfg->nnodes, sizeof(*r));
	if (r == NULL) {
		ctl_err_set(&err, CTL_E_INTERNAL, "out of memory");
		return fail_doc(a, &err);
	}
	ok = cl_fetch_certs(cfg, o, &err, r, a->out_dir);
	if (a->json) {
		json_t *doc = cj_doc_new(), *nodes = cj_arr();
		int jrc;

		cj_set(doc, "out", cj_str(a->out_dir));
		cj_set(doc, "trust", cj_bool(0));
		for (size_t i = 0; i < cfg->nnodes; i++) {
			json_t *x = cj_obj();

			cj_set(x, "name", cj_str(cfg->nodes[i].name));
			cj_set(x, "fetched", cj_int(r[i].fetched));
			cj_set(x, "error", json_node_error(r[i].error, r[i].error_kind));
			cj_add(nodes, x);
		}
		cj_set(doc, "nodes", nodes);
		if (!ok)
			cj_set(doc, "error", cj_error(&err));
		free(r);
		/* The report's errors are in the document only (docs/json.md). */
		if ((jrc = cj_print(doc)) != 0)
			return jrc;
		return ok ? 0 : ctl_exit_code(err.code);
	}
	for (size_t i = 0; i < cfg->nnodes; i++) {
		cmd_print(stdout, "%s: %d certificate(s) in %s/%s\n", cfg->nodes[i].name,
		       r[i].fetched, a->out_dir, cfg->nodes[i].name);
		if (r[i].error[0])
			node_error(r[i].error, r[i].error_kind);
	}
	free(r);
	return ok ? 0 : cmd_fail(&err);
}

static int do_trust(const struct cl_config *cfg, const struct cl_opts *o,
		    const struct cl_args *a)
{
	struct ctl_err err;
	const char *node = NULL;
	size_t n = 0;
	int ok;

	ctl_err_init(&err);
	if (a->out_dir == NULL)
		return cmd_usage_error("cluster", "fetch-certs --trust needs --out DIR");
	ok = cl_fetch_trust(cfg, o, &err, a->out_dir, &n, &node);
	if (a->json) {
		/* The publisher is the one node; all or nothing: 0 on failure. */
		json_t *doc = cj_doc_new(), *nodes = cj_arr(), *x;
		int jrc;

		cj_set(doc, "out", cj_str(a->out_dir));
		cj_set(doc, "trust", cj_bool(1));
		if (node != NULL) {
			x = cj_obj();
			cj_set(x, "name", cj_str(node));
			cj_set(x, "fetched", cj_int(ok ? (long long)n : 0));
			cj_set(x, "error", ok ? cj_str(NULL) : cj_error(&err));
			cj_add(nodes, x);
		}
		cj_set(doc, "nodes", nodes);
		if (!ok)
			cj_set(doc, "error", cj_error(&err));
		if ((jrc = cj_print(doc)) != 0)
			return jrc;
		if (!ok)
			return ctl_exit_code(err.code);
	}
	if (!ok)
		return fail_noting(&err);
	if (!a->json) {
		cmd_print(stdout, "%s: %zu trust certificate(s) in %s (UNIT__NAME.pem)\n",
			  node, n, a->out_dir);
	}
	return 0;
}

static int do_delete(const struct cl_config *cfg, const struct cl_opts *o,
		     const struct cl_args *a)
{
	const char *name = a->file_name ? a->file_name : "CTLFile.tlv";
	struct cl_delete *r = calloc(cfg->nnodes, sizeof(*r));
	struct ctl_err err;
	int ok;

	ctl_err_init(&err);
	if (r == NULL) {
		ctl_err_set(&err, CTL_E_INTERNAL, "out of memory");
		return fail_doc(a, &err);
	}
	ok = cl_delete_file(cfg, o, &err, r, name, a->restart);
	if (a->json) {
		json_t *doc = cj_doc_new(), *nodes = cj_arr();
		int jrc;

		cj_set(doc, "file", cj_str(name));
		cj_set(doc, "restart", cj_bool(a->restart));
		for (size_t i = 0; i < cfg->nnodes; i++) {
			json_t *x = cj_obj();

			cj_set(x, "name", cj_str(cfg->nodes[i].name));
			cj_set(x, "skipped", cj_bool(r[i].skipped));
			cj_set(x, "done", cj_bool(r[i].done));
			/* The counts are known only where the command ran. */
			cj_set(x, "found", r[i].done ? cj_int(r[i].found) : cj_str(NULL));
			cj_set(x, "deleted", r[i].done ? cj_int(r[i].deleted) : cj_str(NULL));
			cj_set(x, "error", json_node_error(r[i].error, r[i].error_kind));
			cj_add(nodes, x);
		}
		cj_set(doc, "nodes", nodes);
		if (!ok)
			cj_set(doc, "error", cj_error(&err));
		if ((jrc = cj_print(doc)) != 0) {
			free(r);
			return jrc;
		}
	} else {
		for (size_t i = 0; i < cfg->nnodes; i++) {
			if (r[i].skipped)
				cmd_print(stdout, "%s: no cli_user; skipped\n", cfg->nodes[i].name);
			else if (r[i].done)
				cmd_print(stdout, "%s: file delete tftp %s: found %d, deleted %d%s\n",
					  cfg->nodes[i].name, name, r[i].found, r[i].deleted,
					  a->restart ? "; Cisco Tftp restarted" : "");
			if (r[i].error[0])
				node_error(r[i].error, r[i].error_kind);
		}
	}
	free(r);
	if (!ok)
		return a->json ? ctl_exit_code(err.code) : fail_noting(&err);
	return 0;
}

static const char *restart_how(enum cl_restart r)
{
	switch (r) {
	case CL_RESTART_CLI: return "cli";
	case CL_RESTART_EXEC: return "exec";
	case CL_RESTART_NONE: break;
	}
	return "none";
}

static const char *restart_state(enum cl_restart_state s)
{
	switch (s) {
	case CL_RS_RESTARTED: return "restarted";
	case CL_RS_SKIPPED: return "skipped";
	case CL_RS_FAILED: break;
	}
	return "failed";
}

/*
 * do_restart: `cluster restart`, the services every node runs restarted
 * (cl_restart). One line per node on stdout; a failed node's error on
 * stderr (or in its JSON object); exit 5 if any failed.
 */
static int do_restart(const struct cl_config *cfg, const struct cl_opts *o,
		      const struct cl_args *a)
{
	struct cl_restart_node *r = calloc(cfg->nnodes, sizeof(*r));
	struct ctl_err err;
	int ok, rc = 0;

	ctl_err_init(&err);
	if (r == NULL) {
		ctl_err_set(&err, CTL_E_INTERNAL, "out of memory");
		return fail_doc(a, &err);
	}
	ok = cl_restart(cfg, o, &err, r);
	if (a->json) {
		json_t *doc = cj_doc_new(), *nodes = cj_arr();

		for (size_t i = 0; i < cfg->nnodes; i++) {
			json_t *x = cj_obj();

			cj_set(x, "name", cj_str(cfg->nodes[i].name));
			cj_set(x, "restart", cj_str(restart_how(cfg->nodes[i].restart)));
			cj_set(x, "state", cj_str(restart_state(r[i].state)));
			cj_set(x, "error", json_node_error(r[i].error, r[i].error_kind));
			cj_add(nodes, x);
		}
		cj_set(doc, "nodes", nodes);
		if (!ok)
			cj_set(doc, "error", cj_error(&err));
		rc = cj_print(doc);
	} else {
		for (size_t i = 0; i < cfg->nnodes; i++) {
			const struct cl_node *n = &cfg->nodes[i];

			switch (r[i].state) {
			case CL_RS_RESTARTED:
				if (n->restart == CL_RESTART_CLI)
					cmd_print(stdout, "%s: restarted Cisco Tftp, Cisco CallManager "
						  "(restart = cli)\n", n->name);
				else
					cmd_print(stdout, "%s: restarted (restart = exec: %s)\n",
						  n->name, n->restart_command);
				break;
			case CL_RS_SKIPPED:
				cmd_print(stdout, "%s: skipped (restart = none)\n", n->name);
				break;
			case CL_RS_FAILED:
				cmd_print(stdout, "%s: FAILED\n", n->name);
				node_error(r[i].error, r[i].error_kind);
				break;
			}
		}
	}
	free(r);
	if (rc != 0)
		return rc;
	if (!ok)
		return a->json ? ctl_exit_code(err.code) : fail_noting(&err);
	return 0;
}

/* json_command: --json's "command" once the subcommand is known ("cluster": unknown). */
static void json_command(const char *sub)
{
	static const char *const names[] = {
		"cluster status", "cluster distribute", "cluster fetch-certs",
		"cluster delete-file", "cluster set-mode", "cluster update-ctl",
		"cluster restart",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(sub, names[i] + strlen("cluster ")) == 0)
			cj_set_command(names[i]);
}

static int run_sub(const char *sub, const struct cl_config *cfg,
		   const struct cl_opts *o, const struct cl_args *a, int nargs,
		   char **args)
{
	struct ctl_err err;
	int mode = -1;

	ctl_err_init(&err);
	if (strcmp(sub, "status") == 0 && nargs == 0)
		return do_status(cfg, o, a);
	if (strcmp(sub, "distribute") == 0 && nargs == 1) {
		struct cl_args with_path = *a;

		with_path.dist_path = args[0];
		return do_distribute(cfg, o, &with_path, args[0]);
	}
	if (strcmp(sub, "fetch-certs") == 0 && nargs == 0)
		return a->trust ? do_trust(cfg, o, a) : do_certs(cfg, o, a);
	if (strcmp(sub, "delete-file") == 0 && nargs == 0)
		return do_delete(cfg, o, a);
	if (strcmp(sub, "restart") == 0 && nargs == 0)
		return do_restart(cfg, o, a);
	if (strcmp(sub, "set-mode") == 0 && nargs == 1 &&
	    (strcmp(args[0], "mixed") == 0 || strcmp(args[0], "non-secure") == 0)) {
		if (!cl_set_mode(cfg, o, &err, strcmp(args[0], "mixed") == 0, &mode))
			return fail_doc(a, &err);
		if (a->json) {
			json_t *doc = cj_doc_new();

			cj_set(doc, "requested", cj_str(args[0]));
			cj_set(doc, "security_mode", json_mode(mode));
			return cj_print(doc);
		}
		printf("cluster security mode: %d (%s)\n", mode, mode_name(mode));
		printf("restart the TFTP and Cisco CallManager services on every node "
		       "that runs them (ctlsign cluster restart), then the phones\n");
		return 0;
	}
	if (strcmp(sub, "update-ctl") == 0 && nargs == 0) {
		if (!cl_update_ctl(cfg, o, &err))
			return fail_doc(a, &err);
		if (!a->json)
			printf("utils ctl update CTLFile: done; checking every node\n");
		return do_status(cfg, o, a);
	}
	return cmd_usage_error("cluster", "bad subcommand or arguments for '%s'", sub);
}


/*
 * print_rerun: after an unknown host key, the user's own command with
 * --accept-new added: every word as typed (words: argv before getopt
 * reordered it; words[0] is "cluster"), each quoted for a POSIX shell so
 * that the line can be pasted. --accept-new goes last, or right after
 * "cluster" when a "--" ends the options. Only the command line goes
 * into it (no secret is ever on it), nothing from the environment. The
 * line goes through the sanitizer like every other: a word with a
 * control character or bytes that are not UTF-8 shows them as \xNN, and
 * the line then says that it cannot be pasted as it is.
 */
static void print_rerun(int argc, char *const *words)
{
	char *line = NULL, *safe;
	size_t len = 0;
	FILE *mem = words != NULL ? open_memstream(&line, &len) : NULL;
	int dashdash = 0;

	if (mem == NULL) {
		cmd_print(stderr, "ctlsign: once the fingerprints are checked, run the "
			  "same command again with --accept-new\n");
		return;
	}
	for (int i = 1; i < argc; i++)
		dashdash |= strcmp(words[i], "--") == 0;
	fputs("ctlsign", mem);
	for (int i = 0; i < argc; i++) {
		fputc(' ', mem);
		cmd_shell_word(mem, words[i]);
		if (i == 0 && dashdash)
			fputs(" --accept-new", mem);
	}
	if (!dashdash)
		fputs(" --accept-new", mem);
	if (fclose(mem) != 0 || line == NULL) {
		free(line);
		return;
	}
	cmd_print(stderr, "ctlsign: once the fingerprints are checked: %s\n", line);
	safe = malloc(4 * len + 1);
	if (safe != NULL && (ctl_text_safe(safe, 4 * len + 1, (const uint8_t *)line, len) != len ||
			     memcmp(safe, line, len) != 0))
		cmd_print(stderr, "ctlsign: (a word of it holds bytes shown as \\xNN: "
			  "type that word as you did, not as shown)\n");
	free(safe);
	free(line);
}

static int cluster_run(int argc, char **argv, char *const *words);

int cmd_cluster(int argc, char **argv)
{
	/* getopt_long reorders argv: the words as typed, for print_rerun. */
	char **words = calloc((size_t)argc + 1, sizeof(*words));
	int rc;

	if (words != NULL)
		memcpy(words, argv, (size_t)argc * sizeof(*words));
	rc = cluster_run(argc, argv, words);
	free(words);
	return rc;
}

static int cluster_run(int argc, char **argv, char *const *words)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "known-hosts", required_argument, NULL, 'k' },
		{ "accept-new", no_argument, NULL, 'A' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "json", no_argument, NULL, 'J' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "restart-services", no_argument, NULL, 'R' },
		{ "file", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "as", required_argument, NULL, 'a' },
		{ "trust", no_argument, NULL, 'T' },
		{ "wait-manual", required_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cl_args a = { 0 };
	struct cl_config cfg;
	struct cl_opts o;
	struct ctl_err err;
	char *password = NULL;
	unsigned long num;
	const char *sub;
	int c, rc;

	a.json = cj_wanted("cluster", argc, argv);
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:j:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': a.config = optarg; break;
		case 'k': a.known_hosts = optarg; break;
		case 'A': a.accept_new = 1; break;
		case 'j':
			if (!cmd_parse_uint(optarg, 64, &num) || num < 1)
				return cmd_usage_error("cluster", "--jobs must be 1..64");
			a.jobs = (int)num;
			break;
		case 'J': a.json = 1; break;
		case 'n': a.dry_run = 1; break;
		case 'R': a.restart = 1; break;
		case 'f': a.file_name = optarg; break;
		case 'o': a.out_dir = optarg; break;
		case 'a': a.as_name = optarg; break;
		case 'T': a.trust = 1; break;
		case 'W':
			if (!cmd_parse_uint(optarg, 86400, &num) || num < 1)
				return cmd_usage_error("cluster", "--wait-manual must be 1..86400 seconds");
			a.wait_manual = (int)num;
			break;
		case 'h': fputs(cluster_usage, stdout); return 0;
		default: return cmd_bad_option("cluster", argv);
		}
	}
	if (optind == argc)
		return cmd_usage_error("cluster", "no subcommand");
	sub = argv[optind++];
	json_command(sub);
	if (a.config == NULL)
		return cmd_usage_error("cluster", "no configuration (-c cluster.conf)");
	ctl_err_init(&err);
	/* SIGPIPE is ignored by cmd_catch_signals (main.c): a node that
	 * drops its connection costs an error, not the process. */
	if (!cl_global_init(&err))
		return fail_doc(&a, &err);
	if (!load(&cfg, &o, &password, &a, &err)) {
		rc = fail_doc(&a, &err);
	} else {
		rc = run_sub(sub, &cfg, &o, &a, argc - optind, argv + optind);
		/* With --accept-new already, the advice would be the same command. */
		if (saw_unknown_key && !a.accept_new)
			print_rerun(argc, words);
		cl_config_cleanup(&cfg);
	}
	burn_str(password);
	cl_global_cleanup();
	return rc;
}
