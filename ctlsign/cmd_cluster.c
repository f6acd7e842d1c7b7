/*
 * cmd_cluster.c - `ctlsign cluster`: status, set-mode, update-ctl,
 * fetch-certs and distribute over SSH (cluster/, docs/cluster.md).
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
	"  fetch-certs --out DIR            CallManager, CAPF, TVS, ITLRecovery of every node\n"
	"  distribute  FILE [--dry-run] [--restart-services] [--as NAME]\n"
	"                                   verify FILE, then put it on every node, all or\n"
	"                                   nothing, and read it back over TFTP\n"
	"\n"
	"  -c, --config FILE     cluster.conf (docs/cluster.md)\n"
	"  --known-hosts FILE    instead of the config's known_hosts\n"
	"  --accept-new          record host keys not yet known (the only trust on first use)\n"
	"  -j, --jobs N          nodes handled at once (default: config, else 8)\n"
	"  --json                a machine-readable report on stdout\n"
	"  -h, --help            this text\n"
	"\n"
	"Passwords (auth = password) are asked once on the terminal, or read from\n"
	"CTLSIGN_SSH_PASSWORD; never from the command line or the config.\n"
	"\n"
	"exit status: 0 ok, 1 the file (or a served file) does not verify, 2 malformed\n"
	"input or usage, 3 file I/O, 5 a node failed (unreachable, host key, transfer)\n";

struct cl_args {
	const char *config, *known_hosts, *file_name, *out_dir, *as_name;
	int accept_new, jobs, json, dry_run, restart;
};

/* Set when a node's key was unknown: the command then says how to accept. */
static int saw_unknown_key;

static void node_error(const char *msg)
{
	cmd_print(stderr, "ctlsign: %s\n", msg);
	if (strstr(msg, "host key unknown") != NULL)
		saw_unknown_key = 1;
}

static int fail_noting(const struct ctl_err *err)
{
	if (strstr(err->msg, "host key unknown") != NULL)
		saw_unknown_key = 1;
	return cmd_fail(err);
}

static void on_progress(void *arg, const char *node, const char *what)
{
	(void)arg;
	cmd_print(stderr, "  %-16s %s\n", node, what);
}

/* JSON strings: names, paths and messages may hold anything (text.h). */
static void json_str(const char *s)
{
	ctl_json_cstr(stdout, s);
}

static void json_sum(const struct cl_sum *s, int known)
{
	if (!known)
		fputs("\"unknown\"", stdout);
	else if (!s->present)
		fputs("null", stdout);
	else
		printf("{\"length\":%zu,\"md5\":\"%s\",\"sha1\":\"%s\",\"sha256\":\"%s\"}",
		       s->len, s->md5, s->sha1, s->sha256);
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
		*password = ctl_read_secret(err, "SSH password for the cluster nodes: ",
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
		return cmd_fail(&err);
	}
	ok = cl_status_run(cfg, o, &err, st, &identical, file);
	for (size_t i = 0; i < cfg->nnodes; i++) {
		if (st[i].served.present && !st[i].valid && rc == 0)
			rc = 1;
		if (st[i].served.present)
			none = 0;
	}
	/* A cluster where no node has the file is consistent too. */
	if (none)
		identical = 1;
	if (a->json) {
		printf("{\"command\":\"status\",\"file\":");
		json_str(file);
		printf(",\"identical\":%s,\"nodes\":[", identical ? "true" : "false");
		for (size_t i = 0; i < cfg->nnodes; i++) {
			const struct cl_node *n = &cfg->nodes[i];

			printf("%s{\"name\":", i ? "," : "");
			json_str(n->name);
			printf(",\"host\":");
			json_str(n->host);
			printf(",\"port\":%d,\"reachable\":%s,\"host_key_ok\":%s,"
			       "\"security_mode\":%d,\"tftp_ok\":%s,\"served\":",
			       n->port, st[i].reachable ? "true" : "false",
			       st[i].hostkey_ok ? "true" : "false", st[i].mode,
			       st[i].tftp_ok ? "true" : "false");
			json_sum(&st[i].served, st[i].tftp_ok);
			printf(",\"valid\":%s,\"signer\":",
			       st[i].valid ? "true" : "false");
			json_str(st[i].signer_name);
			printf(",\"error\":");
			json_str(st[i].error);
			putchar('}');
		}
		printf("]}\n");
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
				node_error(s->error);
		}
		if (none)
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
	if (!identical && rc == 0)
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
	}
	return "?";
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

static void render_dist(const struct cl_config *cfg, const struct cl_dist *d,
			const struct cl_args *a, const char *name,
			const struct cl_sum *new_sum, int ok)
{
	char b1[128], b2[128], b3[128];

	if (a->json) {
		printf("{\"command\":\"distribute\",\"file\":");
		json_str(name);
		printf(",\"dry_run\":%s,\"ok\":%s,\"new\":", a->dry_run ? "true" : "false",
		       ok ? "true" : "false");
		json_sum(new_sum, 1);
		printf(",\"nodes\":[");
		for (size_t i = 0; i < cfg->nnodes; i++) {
			printf("%s{\"name\":", i ? "," : "");
			json_str(cfg->nodes[i].name);
			printf(",\"state\":");
			json_str(state_name(d[i].state));
			printf(",\"old\":");
			json_sum(&d[i].old_sum, d[i].state != CL_DIST_FAILED ||
				 d[i].old_sum.present);
			printf(",\"holds\":");
			json_sum(&d[i].now_sum, d[i].now_known);
			printf(",\"serves\":");
			json_sum(&d[i].served, d[i].served_known);
			printf(",\"backup\":");
			json_str(d[i].backup);
			printf(",\"leftover\":");
			json_str(d[i].leftover);
			printf(",\"error\":");
			json_str(d[i].error);
			putchar('}');
		}
		printf("]}\n");
		return;
	}
	for (size_t i = 0; i < cfg->nnodes; i++) {
		const struct cl_dist *x = &d[i];

		if (a->dry_run) {
			cmd_print(stdout, "%s: %s: %s -> %s\n", cfg->nodes[i].name, state_name(x->state),
			       sum_text(b1, sizeof(b1), &x->old_sum, x->state != CL_DIST_FAILED),
			       sum_text(b2, sizeof(b2), new_sum, 1));
		} else {
			cmd_print(stdout, "%s: %s; was %s; holds %s; serves %s", cfg->nodes[i].name,
			       state_name(x->state),
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
			node_error(x->error);
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
		return cmd_fail(&err);
	if (!ctl_verify(&f, &err, NULL, NULL, NULL)) {
		ctl_err_prefix(&err, "%s: not distributed", path);
		ctl_file_cleanup(&f);
		return cmd_fail(&err);
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
		return cmd_fail(&err);
	}
	d = calloc(cfg->nnodes, sizeof(*d));
	if (d == NULL) {
		ctl_file_cleanup(&f);
		ctl_err_set(&err, CTL_E_INTERNAL, "out of memory");
		return cmd_fail(&err);
	}
	cl_sum_of(&new_sum, f.buf, f.len);
	if (!a->dry_run)
		catch_cancel(o);
	ok = cl_distribute(cfg, o, &err, d, name, f.buf, f.len, a->dry_run, a->restart);
	render_dist(cfg, d, a, name, &new_sum, ok);
	free(d);
	ctl_file_cleanup(&f);
	if (!ok)
		return a->json ? ctl_exit_code(err.code) : cmd_fail(&err);
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
		return cmd_fail(&err);
	}
	ok = cl_fetch_certs(cfg, o, &err, r, a->out_dir);
	for (size_t i = 0; i < cfg->nnodes; i++) {
		if (a->json)
			continue;
		cmd_print(stdout, "%s: %d certificate(s) in %s/%s\n", cfg->nodes[i].name,
		       r[i].fetched, a->out_dir, cfg->nodes[i].name);
		if (r[i].error[0])
			node_error(r[i].error);
	}
	if (a->json) {
		printf("{\"command\":\"fetch-certs\",\"out\":");
		json_str(a->out_dir);
		printf(",\"nodes\":[");
		for (size_t i = 0; i < cfg->nnodes; i++) {
			printf("%s{\"name\":", i ? "," : "");
			json_str(cfg->nodes[i].name);
			printf(",\"fetched\":%d,\"error\":", r[i].fetched);
			json_str(r[i].error);
			putchar('}');
		}
		printf("]}\n");
	}
	free(r);
	return ok ? 0 : cmd_fail(&err);
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
	if (strcmp(sub, "distribute") == 0 && nargs == 1)
		return do_distribute(cfg, o, a, args[0]);
	if (strcmp(sub, "fetch-certs") == 0 && nargs == 0)
		return do_certs(cfg, o, a);
	if (strcmp(sub, "set-mode") == 0 && nargs == 1 &&
	    (strcmp(args[0], "mixed") == 0 || strcmp(args[0], "non-secure") == 0)) {
		if (!cl_set_mode(cfg, o, &err, strcmp(args[0], "mixed") == 0, &mode))
			return fail_noting(&err);
		if (a->json) {
			printf("{\"command\":\"set-mode\",\"security_mode\":%d}\n", mode);
			return 0;
		}
		printf("cluster security mode: %d (%s)\n", mode, mode_name(mode));
		printf("restart the TFTP and Cisco CallManager services on every node "
		       "that runs them, then the phones\n");
		return 0;
	}
	if (strcmp(sub, "update-ctl") == 0 && nargs == 0) {
		if (!cl_update_ctl(cfg, o, &err))
			return fail_noting(&err);
		if (!a->json)
			printf("utils ctl update CTLFile: done; checking every node\n");
		return do_status(cfg, o, a);
	}
	return cmd_usage_error("cluster", "bad subcommand or arguments for '%s'", sub);
}

int cmd_cluster(int argc, char **argv)
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cl_args a = { 0 };
	struct cl_config cfg;
	struct cl_opts o;
	struct ctl_err err;
	char *password = NULL, *end;
	const char *sub;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:j:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': a.config = optarg; break;
		case 'k': a.known_hosts = optarg; break;
		case 'A': a.accept_new = 1; break;
		case 'j':
			a.jobs = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || a.jobs < 1 || a.jobs > 64)
				return cmd_usage_error("cluster", "--jobs must be 1..64");
			break;
		case 'J': a.json = 1; break;
		case 'n': a.dry_run = 1; break;
		case 'R': a.restart = 1; break;
		case 'f': a.file_name = optarg; break;
		case 'o': a.out_dir = optarg; break;
		case 'a': a.as_name = optarg; break;
		case 'h': fputs(cluster_usage, stdout); return 0;
		default: return cmd_bad_option("cluster", argv);
		}
	}
	if (optind == argc)
		return cmd_usage_error("cluster", "no subcommand");
	sub = argv[optind++];
	if (a.config == NULL)
		return cmd_usage_error("cluster", "no configuration (-c cluster.conf)");
	ctl_err_init(&err);
	/* A node that drops its connection must cost an error, not the process. */
	signal(SIGPIPE, SIG_IGN);
	if (!cl_global_init(&err))
		return cmd_fail(&err);
	if (!load(&cfg, &o, &password, &a, &err)) {
		rc = cmd_fail(&err);
	} else {
		rc = run_sub(sub, &cfg, &o, &a, argc - optind, argv + optind);
		if (saw_unknown_key)
			cmd_print(stderr, "ctlsign: once the fingerprints are checked: "
				"ctlsign cluster %s -c %s --accept-new\n", sub, a.config);
		cl_config_cleanup(&cfg);
	}
	burn_str(password);
	cl_global_cleanup();
	return rc;
}
