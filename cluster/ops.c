/*
 * ops.c - the cluster operations: a bounded pool of worker threads runs
 * one step for every node, and a step finishes on every node before the
 * next begins (pthread_join is the barrier). Each node's session is used
 * by one thread at a time.
 */
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libssh/callbacks.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "node.h"
#include "trustlist.h"
#include "util.h"

static pthread_mutex_t progress_mu = PTHREAD_MUTEX_INITIALIZER;

static void progress(const struct cl_opts *o, const struct cl_node *n,
		     const char *what)
{
	if (o->progress == NULL)
		return;
	pthread_mutex_lock(&progress_mu);
	o->progress(o->progress_arg, n->name, what);
	pthread_mutex_unlock(&progress_mu);
}

int cl_global_init(struct ctl_err *err)
{
	if (ssh_init() != SSH_OK)
		return ctl_err_set(err, CTL_E_INTERNAL, "cannot start libssh");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		ssh_finalize();
		return ctl_err_set(err, CTL_E_INTERNAL, "cannot start libcurl");
	}
	if (!cl_watchdog_start()) {
		curl_global_cleanup();
		ssh_finalize();
		return ctl_err_set(err, CTL_E_INTERNAL, "cannot start the timeout thread");
	}
	return 1;
}

void cl_global_cleanup(void)
{
	cl_watchdog_stop();
	curl_global_cleanup();
	ssh_finalize();
}

/* The pool: workers take the next node index until none is left. */
struct pool {
	pthread_mutex_t mu;
	size_t next, n;
	void (*fn)(void *ctx, size_t i);
	void *ctx;
};

static void *pool_worker(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&p->mu);
		i = p->next++;
		pthread_mutex_unlock(&p->mu);
		if (i >= p->n)
			return NULL;
		p->fn(p->ctx, i);
	}
}

static void run_parallel(size_t n, int jobs, void (*fn)(void *, size_t), void *ctx)
{
	struct pool p = { PTHREAD_MUTEX_INITIALIZER, 0, n, fn, ctx };
	pthread_t tid[64];
	size_t started = 0, want = (size_t)(jobs < 1 ? 1 : jobs > 64 ? 64 : jobs);
	sigset_t block, old;

	if (want > n)
		want = n;
	/*
	 * Workers never take SIGINT/SIGTERM/SIGHUP: a signal landing in a
	 * worker would interrupt libssh's poll and fail that node. The main
	 * thread, waiting in pthread_join, takes them (cl_opts.cancel).
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	while (started < want && pthread_create(&tid[started], NULL, pool_worker, &p) == 0)
		started++;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (started == 0)
		pool_worker(&p); /* no threads to be had: do it here */
	for (size_t i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	pthread_mutex_destroy(&p.mu);
}

static int jobs_of(const struct cl_config *cfg, const struct cl_opts *o)
{
	return o->jobs > 0 ? o->jobs : cfg->jobs;
}

static void copy_msg(char *dst, size_t cap, enum ctl_err_kind *kind,
		     const struct ctl_err *err)
{
	snprintf(dst, cap, "%s", err->msg);
	*kind = err->kind;
}

/*
 * The confirmations ctlsign answers, word for word as the CLI asks them
 * (shared/seeds/002; non-secure mode: Cisco's "CUCM Cluster Changed from
 * Mixed Mode to Non Secure Mode" configuration example). Nothing else is
 * ever answered.
 */
static const struct cl_confirm confirm_mixed[] = {
	{ "This operation sets the cluster to Mixed mode. Do you want to continue? (y/n):", "y\n" },
};
static const struct cl_confirm confirm_nonsecure[] = {
	{ "This operation will set the cluster to non secure mode. Do you want to continue? (y/n):", "y\n" },
};
static const struct cl_confirm confirm_update[] = {
	{ "This operation updates the CTLFile. Do you want to continue? (y/n):", "y\n" },
};
#define NCONFIRM(a) (sizeof(a) / sizeof((a)[0]))

char *cl_join_path(const char *dir, const char *name)
{
	size_t dl = strlen(dir);
	char *p = malloc(dl + strlen(name) + 2);

	if (p != NULL)
		sprintf(p, "%s%s%s", dir, dl > 0 && dir[dl - 1] == '/' ? "" : "/", name);
	return p;
}

/* parse_mode finds "ClusterSecurityMode <n>" in the SQL answer. */
static int parse_mode(const char *out)
{
	const char *line = out;

	while (line != NULL && *line != '\0') {
		int v;
		char word[32];

		if (sscanf(line, " %31s %d", word, &v) == 2 &&
		    strcmp(word, "ClusterSecurityMode") == 0 && (v == 0 || v == 1))
			return v;
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
	return -1;
}

static const char sql_mode[] =
	"run sql select paramname,paramvalue from processconfig where "
	"paramname='ClusterSecurityMode'";

static int cli_mode(struct cl_cli *cli, struct ctl_err *err, int *out_mode)
{
	char *out = NULL;

	if (!cl_cli_run(cli, err, sql_mode, NULL, 0, &out))
		return 0;
	*out_mode = parse_mode(out);
	free(out);
	if (*out_mode < 0)
		return ctl_err_setk(err, CTL_E_REMOTE, CTL_K_PROTOCOL,
				   "node %s: no ClusterSecurityMode in the CLI's answer",
				   cli->sess->node->name);
	return 1;
}

/*
 * Status.
 */
struct status_ctx {
	const struct cl_config *cfg;
	const struct cl_opts *opts;
	struct cl_status *out;
	const char *file;
};

static void judge_file(struct cl_status *st, const uint8_t *data, size_t len)
{
	struct ctl_file f;
	struct ctl_err err;

	ctl_err_init(&err);
	st->signer = -1;
	if (!ctl_parse(&f, &err, data, len, PARSE_AUTO)) {
		if (st->error[0] == '\0')
			snprintf(st->error, sizeof(st->error), "served file: %.450s", err.msg);
		return;
	}
	st->signer = ctl_find_signer(&f);
	if (st->signer >= 0 && f.recs[st->signer].subject.present)
		snprintf(st->signer_name, sizeof(st->signer_name), "%.*s",
			 (int)f.recs[st->signer].subject.n,
			 (const char *)f.recs[st->signer].subject.p);
	st->valid = ctl_verify(&f, &err, NULL, NULL, NULL);
	if (!st->valid && st->error[0] == '\0')
		snprintf(st->error, sizeof(st->error), "served file: %.450s", err.msg);
	ctl_file_cleanup(&f);
}

static void status_one(void *arg, size_t i)
{
	struct status_ctx *c = arg;
	const struct cl_node *n = &c->cfg->nodes[i];
	struct cl_status *st = &c->out[i];
	const char *user = n->cli_user != NULL ? n->cli_user : n->sftp_user;
	struct cl_sess s;
	struct cl_cli cli = { 0 };
	struct ctl_err err;
	uint8_t *data = NULL;
	size_t len = 0;
	int missing = 0;

	ctl_err_init(&err);
	st->mode = -1;
	st->signer = -1;
	progress(c->opts, n, "connecting");
	if (cl_sess_open(&s, &err, c->cfg, c->opts, n, user)) {
		st->reachable = 1;
		if (n->cli_user != NULL) {
			progress(c->opts, n, "asking the CLI for the security mode");
			if (!cl_cli_open(&cli, &err, &s) ||
			    !cli_mode(&cli, &err, &st->mode)) {
				copy_msg(st->error, sizeof(st->error), &st->error_kind, &err);
				st->problem = 1;
			}
			cl_cli_close(&cli);
		}
	} else {
		st->reachable = s.ssh != NULL && ssh_is_connected(s.ssh);
		copy_msg(st->error, sizeof(st->error), &st->error_kind, &err);
		st->problem = 1;
	}
	st->hostkey_ok = s.hostkey_ok;
	cl_sess_close(&s);
	progress(c->opts, n, "reading over TFTP");
	ctl_err_init(&err);
	if (cl_tftp_get(&err, n->tftp_host, n->tftp_port, c->file,
			c->cfg->timeout, &data, &len, &missing)) {
		st->tftp_ok = 1;
		if (!missing) {
			cl_sum_of(&st->served, data, len);
			judge_file(st, data, len);
		}
	} else {
		st->problem = 1;
		/* The kind goes with the message it classifies, never with another's. */
		if (st->error[0] == '\0') {
			snprintf(st->error, sizeof(st->error), "node %.40s: %.450s",
				 n->name, err.msg);
			st->error_kind = err.kind;
		}
	}
	free(data);
	progress(c->opts, n, "done");
}

int cl_status_run(const struct cl_config *cfg, const struct cl_opts *opts,
		  struct ctl_err *err, struct cl_status *out, int *out_identical,
		  const char *file)
{
	struct status_ctx c = { cfg, opts, out, file };
	const struct cl_status *first = NULL;
	size_t bad = 0;
	int unknown = 0;

	memset(out, 0, cfg->nnodes * sizeof(*out));
	run_parallel(cfg->nnodes, jobs_of(cfg, opts), status_one, &c);
	*out_identical = 1;
	for (size_t i = 0; i < cfg->nnodes; i++) {
		if (!out[i].reachable || !out[i].hostkey_ok || out[i].problem)
			bad++;
		/* A node whose TFTP did not answer neither agrees nor differs. */
		if (!out[i].tftp_ok) {
			unknown = 1;
			continue;
		}
		if (first == NULL)
			first = &out[i];
		else if (first->served.present != out[i].served.present ||
			 (first->served.present &&
			  strcmp(first->served.sha256, out[i].served.sha256) != 0))
			*out_identical = 0;
	}
	if (*out_identical == 1 && (unknown || first == NULL))
		*out_identical = -1;
	if (bad > 0)
		return ctl_err_set(err, CTL_E_REMOTE, "%zu of %zu nodes have a problem",
				   bad, cfg->nnodes);
	return 1;
}

/* last_line copies the last non-empty line of out, for messages. */
static void last_line(char *dst, size_t cap, const char *out)
{
	const char *end = out + strlen(out), *start;

	while (end > out && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	start = end;
	while (start > out && start[-1] != '\n')
		start--;
	snprintf(dst, cap, "%.*s", (int)(end - start), start);
}

/*
 * Service restarts. The platform CLI reports a service's state as lines
 * NAME[STATE] (STARTED, STARTING, STOPPING, STOPPED, NOTRUNNING; `utils
 * service list` and the restart itself, e.g. "Cisco Tftp[STARTED]",
 * sometimes followed by a reason such as "Commanded Out of Service").
 * A restart prints several as it goes, NOTRUNNING between the stop and
 * the start included: only the last one for a service says how its
 * restart ended, and it must be STARTED.
 */
struct svc_state {
	const char *name;    /* into the output; not terminated */
	size_t name_len;
	char state[16];      /* A-Z only */
};

/* state_line: whether line (len bytes) is NAME[STATE]; fills *st. */
static int state_line(struct svc_state *st, const char *line, size_t len)
{
	const char *open, *p, *end = line + len;
	size_t k = 0;

	while (line < end && (*line == ' ' || *line == '\t'))
		line++;
	open = memchr(line, '[', (size_t)(end - line));
	if (open == NULL || open == line)
		return 0;
	for (p = open + 1; p < end && *p >= 'A' && *p <= 'Z'; p++) {
		if (k + 1 >= sizeof(st->state))
			return 0;
		st->state[k++] = *p;
	}
	if (k == 0 || p == end || *p != ']')
		return 0;
	st->state[k] = '\0';
	st->name = line;
	st->name_len = (size_t)(open - line);
	while (st->name_len > 0 && line[st->name_len - 1] == ' ')
		st->name_len--;
	return st->name_len > 0;
}

/* same_name: the service names a and b, case aside (the CLI may spell its own way). */
static int same_name(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && strncasecmp(a, b, alen) == 0;
}

/*
 * last_state: the last state out reports for the service svc (svc_len
 * bytes; case does not matter: the CLI may spell it its own way).
 * Returns 1 with *st filled when there is one.
 */
static int last_state(struct svc_state *st, const char *out, const char *svc,
		      size_t svc_len)
{
	const char *line = out;
	int found = 0;

	while (*line != '\0') {
		const char *nl = strchr(line, '\n');
		size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);
		struct svc_state x;

		if (state_line(&x, line, len) && same_name(x.name, x.name_len, svc, svc_len)) {
			*st = x;
			found = 1;
		}
		if (nl == NULL)
			break;
		line = nl + 1;
	}
	return found;
}

/*
 * platform_state: whether state is one the platform CLI prints for a
 * service. An exec restart_command may be anything (a Linux TFTP
 * server's own script): only lines in the platform's words are judged.
 */
static int platform_state(const char *state)
{
	static const char *const known[] = {
		"STARTED", "STARTING", "STOPPING", "STOPPED", "NOTRUNNING",
	};

	for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
		if (strcmp(state, known[k]) == 0)
			return 1;
	return 0;
}

/* The most services one exec restart may report (see not_started). */
#define MAX_REPORTED 64

/*
 * not_started: 1 when some service's last state in out (in the
 * platform's words) is not STARTED (*st: that one), else 0. Read from the end, so a service's first line
 * met is its last word; the names met are remembered, at most
 * MAX_REPORTED of them: output naming more (a hostile node: every line
 * a new name) returns 2, a failure, rather than being read in quadratic
 * time.
 */
static int not_started(struct svc_state *st, const char *out)
{
	struct svc_state seen[MAX_REPORTED];
	size_t nseen = 0;
	const char *end = out + strlen(out);

	while (end > out) {
		const char *start = end;
		struct svc_state x;
		size_t k;

		while (start > out && start[-1] != '\n')
			start--;
		if (state_line(&x, start, (size_t)(end - start)) && platform_state(x.state)) {
			for (k = 0; k < nseen; k++)
				if (same_name(seen[k].name, seen[k].name_len, x.name, x.name_len))
					break;
			if (k == nseen) {
				if (nseen == MAX_REPORTED)
					return 2;
				seen[nseen++] = x;
				if (strcmp(x.state, "STARTED") != 0) {
					*st = x;
					return 1;
				}
			}
		}
		end = start > out ? start - 1 : out;
	}
	return 0;
}

/*
 * cli_restart_service runs `utils service restart SVC` on an open CLI
 * and requires the CLI's last word on SVC to be STARTED.
 */
static int cli_restart_service(struct cl_cli *cli, struct ctl_err *err,
			       const struct cl_node *n, const char *svc)
{
	char cmd[128], line[200], *out = NULL;
	struct svc_state st;
	int ok;

	snprintf(cmd, sizeof(cmd), "utils service restart %s", svc);
	if (!cl_cli_run(cli, err, cmd, NULL, 0, &out))
		return 0;
	if (!last_state(&st, out, svc, strlen(svc))) {
		last_line(line, sizeof(line), out);
		ok = ctl_err_setk(err, CTL_E_REMOTE, CTL_K_PROTOCOL,
				  "node %s: `%s` did not report %s's state; it said: %s",
				  n->name, cmd, svc, line[0] ? line : "nothing");
	} else if (strcmp(st.state, "STARTED") != 0) {
		ok = ctl_err_setk(err, CTL_E_REMOTE, CTL_K_REFUSED,
				  "node %s: `%s`: %s ended %s, not STARTED",
				  n->name, cmd, svc, st.state);
	} else {
		ok = 1;
	}
	free(out);
	return ok;
}

/* The services the seeds restart after a CTL change, in this order. */
static const char *const cli_services[] = { "Cisco Tftp", "Cisco CallManager" };

/*
 * restart_node restarts the services of node n as its `restart` says:
 * cli: each of cli_services on its CLI, each checked; exec:
 * restart_command as restart_user, which must exit 0 and, if it prints
 * service states, leave each one STARTED; none: nothing, success.
 */
static int restart_node(const struct cl_config *cfg, const struct cl_opts *opts,
			struct ctl_err *err, const struct cl_node *n)
{
	struct cl_sess s;
	struct cl_cli cli = { 0 };
	struct svc_state st;
	char *out = NULL;
	int ok = 0, status = 0, bad = 0;

	if (n->restart == CL_RESTART_NONE)
		return 1;
	progress(opts, n, "restarting services");
	if (!cl_sess_open(&s, err, cfg, opts, n,
			  n->restart == CL_RESTART_CLI ? n->cli_user : n->restart_user))
		goto done;
	if (n->restart == CL_RESTART_CLI) {
		ok = cl_cli_open(&cli, err, &s);
		for (size_t k = 0; ok && k < sizeof(cli_services) / sizeof(cli_services[0]); k++) {
			progress(opts, n, cli_services[k]);
			ok = cli_restart_service(&cli, err, n, cli_services[k]);
		}
		cl_cli_close(&cli);
	} else {
		ok = cl_exec(&s, err, n->restart_command, &out, &status);
		if (ok && status != 0)
			ok = ctl_err_setk(err, CTL_E_REMOTE, CTL_K_REFUSED,
					 "node %s: restart command exited %d",
					 n->name, status);
		else if (ok && (bad = not_started(&st, out)) == 2)
			ok = ctl_err_setk(err, CTL_E_REMOTE, CTL_K_PROTOCOL,
					 "node %s: restart command reports more than %d "
					 "services", n->name, MAX_REPORTED);
		else if (ok && bad == 1)
			ok = ctl_err_setk(err, CTL_E_REMOTE, CTL_K_REFUSED,
					 "node %s: restart command: %.*s ended %s, not STARTED",
					 n->name, (int)(st.name_len > 80 ? 80 : st.name_len),
					 st.name, st.state);
	}
	free(out);
done:
	cl_sess_close(&s);
	return ok;
}

struct restart_ctx {
	const struct cl_config *cfg;
	const struct cl_opts *opts;
	struct cl_restart_node *out;
};

static void restart_each(void *arg, size_t i)
{
	struct restart_ctx *c = arg;
	const struct cl_node *n = &c->cfg->nodes[i];
	struct cl_restart_node *r = &c->out[i];
	struct ctl_err err;

	ctl_err_init(&err);
	if (n->restart == CL_RESTART_NONE) {
		r->state = CL_RS_SKIPPED;
		return;
	}
	if (c->opts->cancel != NULL && *c->opts->cancel) {
		ctl_err_set(&err, CTL_E_REMOTE, "node %s: not restarted: interrupted",
			    n->name);
	} else if (restart_node(c->cfg, c->opts, &err, n)) {
		r->state = CL_RS_RESTARTED;
		progress(c->opts, n, "restarted");
		return;
	}
	r->state = CL_RS_FAILED;
	copy_msg(r->error, sizeof(r->error), &r->error_kind, &err);
	progress(c->opts, n, "restart failed");
}

int cl_restart(const struct cl_config *cfg, const struct cl_opts *opts,
	       struct ctl_err *err, struct cl_restart_node *out)
{
	struct restart_ctx c = { cfg, opts, out };
	char names[256] = "";
	size_t bad = 0, used = 0;

	memset(out, 0, cfg->nnodes * sizeof(*out));
	run_parallel(cfg->nnodes, jobs_of(cfg, opts), restart_each, &c);
	for (size_t i = 0; i < cfg->nnodes; i++) {
		int w;

		if (out[i].state != CL_RS_FAILED)
			continue;
		bad++;
		if (used >= sizeof(names))
			continue;
		w = snprintf(names + used, sizeof(names) - used, "%s%s",
			     used > 0 ? ", " : "", cfg->nodes[i].name);
		used = w < 0 ? sizeof(names) : used + (size_t)w;
		if (used >= sizeof(names))
			strcpy(names + sizeof(names) - 5, " ...");
	}
	if (bad > 0)
		return ctl_err_set(err, CTL_E_REMOTE, "%zu of %zu nodes failed to restart "
				   "their services: %s", bad, cfg->nnodes, names);
	return 1;
}

/*
 * Distribution. Steps, each on every node before the next:
 *   prepare  read the old file; upload NAME.tmp.ctlsign.PID beside it;
 *            read it back and compare; write NAME.bak-STAMP (old bytes)
 *            and read that back. Nothing the TFTP service serves changes.
 *   commit   posix-rename the temporary file over NAME (atomic).
 *   restart  optional; then read every node back over TFTP.
 * A failure in prepare removes the temporary files and backups (nothing
 * changed); a failure in commit or after it puts the old file back on
 * every switched node. Finally every node is observed (SFTP and TFTP),
 * so the report says what each one holds and serves.
 */
struct node_work {
	struct cl_sess sess;
	int sess_ok;
	uint8_t *old;
	size_t old_len;
	int had_old;
	char *target, *tmp, *backup;
	int prepared, switched, failed;
	int manual;          /* no write path (docs/cluster.md): a person's step */
};

struct dist_ctx {
	const struct cl_config *cfg;
	const struct cl_opts *opts;
	struct cl_dist *out;
	struct node_work *w;
	const char *name;
	const uint8_t *data;
	size_t len;
	struct cl_sum new_sum;
	int dry_run, restart;
	int waited;          /* sessions sat idle while a person did a step */
	char stamp[32];
};

static void node_fail(struct dist_ctx *c, size_t i, const struct ctl_err *err)
{
	c->w[i].failed = 1;
	c->out[i].state = CL_DIST_FAILED;
	if (c->out[i].error[0] == '\0')
		copy_msg(c->out[i].error, sizeof(c->out[i].error), &c->out[i].error_kind, err);
}

/*
 * The pause points "upload" (half the temporary file written) and
 * "commit" (just before the rename) for NODE (trustlist/util.h,
 * docs/cluster.md "Testing"): a test build holds there while the test
 * kills the node's sshd, a connection cut at a chosen point. The release
 * program installs no hook, and these do nothing.
 */
static int test_pause_wanted(const char *step, const char *node)
{
	return ctl_pause_wanted(step, node);
}

static void test_pause(void *arg)
{
	(void)arg;
	ctl_pause_hold();
}

static int same_bytes(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	return al == bl && (al == 0 || memcmp(a, b, al) == 0);
}

/* put_checked writes data to path (new file) and reads it back. */
static int put_checked(struct dist_ctx *c, size_t i, struct ctl_err *err,
		       const char *path, const uint8_t *data, size_t len,
		       int hook)
{
	struct cl_sess *s = &c->w[i].sess;
	uint8_t *back = NULL;
	size_t back_len = 0;
	int missing = 0, ok;

	if (!cl_sftp_write_new(s, err, path, data, len, hook ? test_pause : NULL, NULL))
		return 0;
	if (!cl_sftp_read(s, err, path, &back, &back_len, &missing)) {
		struct ctl_err ignore;

		/* Written but not readable: do not leave it behind. */
		ctl_err_init(&ignore);
		if (cl_sess_alive(s))
			cl_sftp_unlink(s, &ignore, path);
		return 0;
	}
	ok = !missing && same_bytes(back, back_len, data, len);
	free(back);
	if (!ok) {
		cl_sftp_unlink(s, err, path);
		return ctl_err_setk(err, CTL_E_REMOTE, CTL_K_PROTOCOL,
				   "node %s: %s reads back different from what was sent",
				   c->cfg->nodes[i].name, path);
	}
	return 1;
}

/* pick_backup_name: NAME.bak-STAMP, or -2 ... -9 when taken. */
static int pick_backup_name(struct dist_ctx *c, size_t i, struct ctl_err *err)
{
	struct node_work *w = &c->w[i];
	char suffix[64];

	for (int k = 1; k <= 9; k++) {
		int there;

		snprintf(suffix, sizeof(suffix), ".bak-%s%s%.0d", c->stamp,
			 k > 1 ? "-" : "", k > 1 ? k : 0);
		free(w->backup);
		w->backup = malloc(strlen(w->target) + strlen(suffix) + 1);
		if (w->backup == NULL)
			return ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		sprintf(w->backup, "%s%s", w->target, suffix);
		there = cl_sftp_exists(&w->sess, err, w->backup);
		if (there < 0)
			return 0;
		if (there == 0)
			return 1;
	}
	return ctl_err_set(err, CTL_E_REMOTE, "node %s: too many backups named %s.bak-%s*",
			   c->cfg->nodes[i].name, c->name, c->stamp);
}

/*
 * prepare_manual: a CUCM node has no account that can write its TFTP
 * directory, and the CTL Provider protocol is not documented: ctlsign
 * only reads what it serves now (TFTP), and a person puts the file there.
 */
static void prepare_manual(struct dist_ctx *c, size_t i)
{
	const struct cl_node *n = &c->cfg->nodes[i];
	struct node_work *w = &c->w[i];
	struct cl_dist *d = &c->out[i];
	struct ctl_err err;
	int missing = 0;

	ctl_err_init(&err);
	w->manual = d->manual = 1;
	progress(c->opts, n, "no write path: reading what it serves");
	if (!cl_tftp_get(&err, n->tftp_host, n->tftp_port, c->name, c->cfg->timeout,
			 &w->old, &w->old_len, &missing)) {
		ctl_err_prefix(&err, "node %s: TFTP read", n->name);
		node_fail(c, i, &err);
		return;
	}
	w->had_old = !missing;
	if (w->had_old)
		cl_sum_of(&d->old_sum, w->old, w->old_len);
	w->prepared = 1;
	if (w->had_old && same_bytes(w->old, w->old_len, c->data, c->len))
		d->state = CL_DIST_UNCHANGED;
	else
		d->state = CL_DIST_MANUAL;
}

static void prepare_one(void *arg, size_t i)
{
	struct dist_ctx *c = arg;
	const struct cl_node *n = &c->cfg->nodes[i];
	struct node_work *w = &c->w[i];
	struct cl_dist *d = &c->out[i];
	struct ctl_err err;
	int missing = 0, tried = 0;
	char suffix[64];

	ctl_err_init(&err);
	if (n->sftp_user == NULL) {
		prepare_manual(c, i);
		return;
	}
	snprintf(suffix, sizeof(suffix), ".tmp.ctlsign.%ld", (long)getpid());
	w->target = cl_join_path(n->tftp_root, c->name);
	w->tmp = w->target ? malloc(strlen(w->target) + strlen(suffix) + 1) : NULL;
	if (w->tmp == NULL) {
		ctl_err_set(&err, CTL_E_INTERNAL, "out of memory");
		goto fail;
	}
	sprintf(w->tmp, "%s%s", w->target, suffix);
	progress(c->opts, n, "connecting");
	if (!cl_sess_open(&w->sess, &err, c->cfg, c->opts, n, n->sftp_user) ||
	    !cl_sftp_start(&w->sess, &err))
		goto fail;
	w->sess_ok = 1;
	if (!cl_sftp_read(&w->sess, &err, w->target, &w->old, &w->old_len, &missing))
		goto fail;
	w->had_old = !missing;
	if (w->had_old)
		cl_sum_of(&d->old_sum, w->old, w->old_len);
	if (w->had_old && same_bytes(w->old, w->old_len, c->data, c->len)) {
		d->state = CL_DIST_UNCHANGED;
		w->prepared = 1;
		progress(c->opts, n, "already holds the new file");
		return;
	}
	if (c->dry_run) {
		d->state = CL_DIST_PLANNED;
		w->prepared = 1;
		return;
	}
	if (!sftp_extension_supported(w->sess.sftp, "posix-rename@openssh.com", "1")) {
		ctl_err_set(&err, CTL_E_REMOTE,
			    "node %s: its SFTP server cannot replace a file atomically "
			    "(no posix-rename@openssh.com); nothing was written", n->name);
		goto fail;
	}
	progress(c->opts, n, "uploading");
	tried = 1;
	if (!put_checked(c, i, &err, w->tmp, c->data, c->len,
			 test_pause_wanted("upload", n->name)))
		goto fail;
	if (w->had_old) {
		progress(c->opts, n, "writing the backup");
		if (!pick_backup_name(c, i, &err) ||
		    !put_checked(c, i, &err, w->backup, w->old, w->old_len, 0)) {
			free(w->backup);
			w->backup = NULL;
			cl_sftp_unlink(&w->sess, &err, w->tmp);
			goto fail;
		}
		snprintf(d->backup, sizeof(d->backup), "%s", w->backup);
	}
	w->prepared = 1;
	progress(c->opts, n, "uploaded and checked");
	return;
fail:
	/*
	 * A connection cut while the temporary file existed may leave it;
	 * one still up can tell whether a removal failed.
	 */
	if (tried && !cl_sess_alive(&w->sess)) {
		snprintf(d->leftover, sizeof(d->leftover), "%s (maybe)", w->tmp);
	} else if (tried) {
		struct ctl_err ignore;
		int there;

		ctl_err_init(&ignore);
		there = cl_sftp_exists(&w->sess, &ignore, w->tmp);
		if (there != 0)
			snprintf(d->leftover, sizeof(d->leftover), "%s%s", w->tmp,
				 there < 0 ? " (maybe)" : "");
	}
	node_fail(c, i, &err);
	progress(c->opts, n, "failed");
}

static void abort_one(void *arg, size_t i)
{
	struct dist_ctx *c = arg;
	struct node_work *w = &c->w[i];
	struct ctl_err err;

	ctl_err_init(&err);
	if (!w->prepared || w->manual || c->out[i].state == CL_DIST_UNCHANGED)
		return;
	/* Nothing was switched anywhere: the backup is not needed either. */
	if (!cl_sftp_unlink(&w->sess, &err, w->tmp))
		snprintf(c->out[i].leftover, sizeof(c->out[i].leftover), "%s", w->tmp);
	if (w->backup != NULL && cl_sftp_unlink(&w->sess, &err, w->backup))
		c->out[i].backup[0] = '\0';
	c->out[i].state = CL_DIST_ABORTED;
	progress(c->opts, &c->cfg->nodes[i], "aborted: old file kept");
}

static void commit_one(void *arg, size_t i)
{
	struct dist_ctx *c = arg;
	const struct cl_node *n = &c->cfg->nodes[i];
	struct node_work *w = &c->w[i];
	struct ctl_err err;

	ctl_err_init(&err);
	if (c->out[i].state == CL_DIST_UNCHANGED || w->manual)
		return;
	/*
	 * After waiting for a person its connection sat idle, maybe for
	 * minutes, and may be gone: one look (a dead one costs the timeout),
	 * then a new connection, on which the temporary file must still be.
	 */
	if (c->waited) {
		struct ctl_err ignore;

		ctl_err_init(&ignore);
		if (cl_sftp_exists(&w->sess, &ignore, w->tmp) != 1) {
			progress(c->opts, n, "reconnecting after the wait");
			cl_sess_close(&w->sess);
			if (!cl_sess_open(&w->sess, &err, c->cfg, c->opts, n, n->sftp_user) ||
			    !cl_sftp_start(&w->sess, &err)) {
				snprintf(c->out[i].leftover, sizeof(c->out[i].leftover),
					 "%s (maybe)", w->tmp);
				node_fail(c, i, &err);
				return;
			}
			if (cl_sftp_exists(&w->sess, &err, w->tmp) != 1) {
				ctl_err_setk(&err, CTL_E_REMOTE, CTL_K_PROTOCOL,
					     "node %s: its temporary file %s is gone", n->name,
					     w->tmp);
				node_fail(c, i, &err);
				return;
			}
		}
	}
	if (test_pause_wanted("commit", n->name))
		test_pause(NULL);
	progress(c->opts, n, "switching");
	if (!cl_sftp_replace(&w->sess, &err, w->tmp, w->target)) {
		struct ctl_err ignore;
		int there;

		/*
		 * Refused, or its answer lost? With the connection up, a
		 * temporary file that is gone was renamed: the node switched
		 * and must be rolled back with the others.
		 */
		ctl_err_init(&ignore);
		there = cl_sess_alive(&w->sess) ?
			cl_sftp_exists(&w->sess, &ignore, w->tmp) : -1;
		if (there == 0) {
			w->switched = 1;
		} else if (there < 0 || !cl_sftp_unlink(&w->sess, &ignore, w->tmp)) {
			snprintf(c->out[i].leftover, sizeof(c->out[i].leftover),
				 "%s (maybe)", w->tmp);
		}
		node_fail(c, i, &err);
		progress(c->opts, n, "switch failed");
		return;
	}
	w->switched = 1;
	c->out[i].state = CL_DIST_SWITCHED;
	progress(c->opts, n, "switched");
}

static void restart_one(void *arg, size_t i)
{
	struct dist_ctx *c = arg;
	struct ctl_err err;

	ctl_err_init(&err);
	/* A node without a write path was restarted by the person. */
	if (c->w[i].manual ||
	    (!c->w[i].switched && c->out[i].state != CL_DIST_UNCHANGED))
		return;
	if (!restart_node(c->cfg, c->opts, &err, &c->cfg->nodes[i]))
		node_fail(c, i, &err);
}

static void readback_one(void *arg, size_t i)
{
	struct dist_ctx *c = arg;
	const struct cl_node *n = &c->cfg->nodes[i];
	struct ctl_err err;
	uint8_t *data = NULL;
	size_t len = 0;
	int missing = 0;

	ctl_err_init(&err);
	progress(c->opts, n, "reading back over TFTP");
	if (!cl_tftp_get(&err, n->tftp_host, n->tftp_port, c->name, c->cfg->timeout,
			 &data, &len, &missing)) {
		ctl_err_prefix(&err, "node %s: TFTP read-back", n->name);
		node_fail(c, i, &err);
	} else if (missing || !same_bytes(data, len, c->data, c->len)) {
		ctl_err_setk(&err, CTL_E_REMOTE, CTL_K_PROTOCOL,
			    "node %s: its TFTP service does not serve the new %s (%s)",
			    n->name, c->name, missing ? "not found" : "other bytes");
		node_fail(c, i, &err);
	}
	free(data);
}

static void rollback_one(void *arg, size_t i)
{
	struct dist_ctx *c = arg;
	const struct cl_node *n = &c->cfg->nodes[i];
	struct node_work *w = &c->w[i];
	struct ctl_err err;
	int ok;

	if (!w->switched)
		return;
	ctl_err_init(&err);
	progress(c->opts, n, "rolling back");
	/*
	 * Its session sat idle since the switch (restart, read-back) and may
	 * have been dropped, or its SFTP channel alone closed (the connection
	 * staying up), which libssh learns only when it next reads: a
	 * rollback that lost its connection or its SFTP channel is tried once
	 * more on a new connection (after removing what the first try may
	 * have left), rather than leaving a node that answers again with the
	 * NEW file.
	 */
	for (int attempt = 0;; attempt++) {
		if (attempt > 0) {
			cl_sess_close(&w->sess);
			ctl_err_init(&err);
			if (!cl_sess_open(&w->sess, &err, c->cfg, c->opts, n, n->sftp_user) ||
			    !cl_sftp_start(&w->sess, &err) ||
			    (w->had_old && !cl_sftp_unlink(&w->sess, &err, w->tmp)))
				goto failed;
		}
		if (w->had_old)
			ok = cl_sftp_write_new(&w->sess, &err, w->tmp, w->old, w->old_len,
					       NULL, NULL) &&
			     cl_sftp_replace(&w->sess, &err, w->tmp, w->target);
		else
			ok = cl_sftp_unlink(&w->sess, &err, w->target);
		if (ok || attempt > 0 || cl_sftp_alive(&w->sess))
			break;
		progress(c->opts, n, "connection lost: reconnecting to roll back");
	}
	if (!ok) {
failed:
		snprintf(c->out[i].error, sizeof(c->out[i].error),
			 "rollback failed, it holds the NEW file: %.400s", err.msg);
		c->out[i].state = CL_DIST_FAILED;
		return;
	}
	w->switched = 0;
	if (c->out[i].state == CL_DIST_SWITCHED)
		c->out[i].state = CL_DIST_ROLLED_BACK;
	else if (c->out[i].error[0] != '\0') {
		/* It failed after its switch (restart, read-back): now restored. */
		size_t l = strlen(c->out[i].error);

		snprintf(c->out[i].error + l, sizeof(c->out[i].error) - l,
			 "; rolled back");
	}
	/* The services were restarted onto the new file: again, onto the old. */
	ctl_err_init(&err);
	if (c->restart && !restart_node(c->cfg, c->opts, &err, n)) {
		size_t l = strlen(c->out[i].error);

		/* It holds the old file, but may still serve the new one. */
		snprintf(c->out[i].error + l, sizeof(c->out[i].error) - l,
			 "%srestart after the rollback failed: %s", l ? "; " : "", err.msg);
	}
}

static void observe_one(void *arg, size_t i)
{
	struct dist_ctx *c = arg;
	const struct cl_node *n = &c->cfg->nodes[i];
	struct node_work *w = &c->w[i];
	struct cl_dist *d = &c->out[i];
	struct ctl_err err;
	uint8_t *data = NULL;
	size_t len = 0;
	int missing = 0;

	ctl_err_init(&err);
	if (w->sess_ok && cl_sess_alive(&w->sess) &&
	    cl_sftp_read(&w->sess, &err, w->target, &data, &len, &missing)) {
		d->now_known = 1;
		if (!missing)
			cl_sum_of(&d->now_sum, data, len);
	}
	free(data);
	data = NULL;
	if (cl_tftp_get(&err, n->tftp_host, n->tftp_port, c->name, c->cfg->timeout,
			&data, &len, &missing)) {
		d->served_known = 1;
		if (!missing)
			cl_sum_of(&d->served, data, len);
	}
	free(data);
}

static int cancelled(const struct dist_ctx *c)
{
	return c->opts->cancel != NULL && *c->opts->cancel != 0;
}

static size_t manual_pending(const struct dist_ctx *c)
{
	size_t k = 0;

	for (size_t i = 0; i < c->cfg->nnodes; i++)
		k += c->out[i].state == CL_DIST_MANUAL;
	return k;
}

/* poll_one: does a node waiting for a person serve the new file yet? */
static void poll_one(void *arg, size_t i)
{
	struct dist_ctx *c = arg;
	const struct cl_node *n = &c->cfg->nodes[i];
	struct ctl_err err;
	uint8_t *data = NULL;
	size_t len = 0;
	int missing = 0;

	if (c->out[i].state != CL_DIST_MANUAL)
		return;
	ctl_err_init(&err);
	if (cl_tftp_get(&err, n->tftp_host, n->tftp_port, c->name, c->cfg->timeout,
			&data, &len, &missing) &&
	    !missing && same_bytes(data, len, c->data, c->len)) {
		c->out[i].state = CL_DIST_SWITCHED;
		progress(c->opts, n, "serves the new file (switched by hand)");
	}
	free(data);
}

/*
 * wait_manual: tell the caller what each node without a write path
 * needs, then, if allowed, poll their TFTP services (about once a
 * second) until every one serves the new bytes or the wait is over.
 * Returns 1 when none is left waiting.
 */
static int wait_manual(struct dist_ctx *c, int jobs)
{
	long long until;
	struct timespec ts;

	for (size_t i = 0; i < c->cfg->nnodes; i++)
		if (c->out[i].state == CL_DIST_MANUAL && c->opts->manual != NULL)
			c->opts->manual(c->opts->manual_arg, &c->cfg->nodes[i], c->name,
					&c->new_sum);
	if (c->opts->manual_wait <= 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	until = (long long)ts.tv_sec + c->opts->manual_wait;
	for (;;) {
		run_parallel(c->cfg->nnodes, jobs, poll_one, c);
		if (manual_pending(c) == 0)
			return 1;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if ((long long)ts.tv_sec >= until || cancelled(c))
			break;
		usleep(1000 * 1000);
	}
	for (size_t i = 0; i < c->cfg->nnodes; i++)
		if (c->out[i].state == CL_DIST_MANUAL) {
			struct ctl_err err;

			ctl_err_init(&err);
			if (cancelled(c))
				ctl_err_setk(&err, CTL_E_REMOTE, CTL_K_MANUAL,
					     "node %s: no write path, and the wait for the "
					     "manual step (new %s) was interrupted by a signal",
					     c->cfg->nodes[i].name, c->name);
			else
				ctl_err_setk(&err, CTL_E_REMOTE, CTL_K_MANUAL,
					     "node %s: no write path, and it did not serve the new "
					     "%s within %d s of waiting for the manual step",
					     c->cfg->nodes[i].name, c->name, c->opts->manual_wait);
			node_fail(c, i, &err);
		}
	return 0;
}

/* any_failed: a node failed, or the run was interrupted (both: undo). */
static int any_failed(const struct dist_ctx *c)
{
	if (cancelled(c))
		return 1;
	for (size_t i = 0; i < c->cfg->nnodes; i++)
		if (c->w[i].failed)
			return 1;
	return 0;
}

int cl_distribute(const struct cl_config *cfg, const struct cl_opts *opts,
		  struct ctl_err *err, struct cl_dist *out, const char *name,
		  const uint8_t *data, size_t len, int dry_run,
		  int restart_services)
{
	struct dist_ctx c;
	int jobs = jobs_of(cfg, opts), ok = 0;
	time_t now = time(NULL);
	struct tm tm;

	memset(&c, 0, sizeof(c));
	memset(out, 0, cfg->nnodes * sizeof(*out));
	c.cfg = cfg;
	c.opts = opts;
	c.out = out;
	c.name = name;
	c.data = data;
	c.len = len;
	c.dry_run = dry_run;
	c.restart = restart_services;
	cl_sum_of(&c.new_sum, data, len);
	gmtime_r(&now, &tm);
	strftime(c.stamp, sizeof(c.stamp), "%Y%m%dT%H%M%SZ", &tm);
	c.w = calloc(cfg->nnodes, sizeof(*c.w));
	if (c.w == NULL)
		return ctl_err_set(err, CTL_E_INTERNAL, "out of memory");

	run_parallel(cfg->nnodes, jobs, prepare_one, &c);
	if (dry_run) {
		ok = !any_failed(&c);
		goto report;
	}
	if (any_failed(&c)) {
		run_parallel(cfg->nnodes, jobs, abort_one, &c);
		goto observe;
	}
	/* Nodes a person must write: before anything is switched elsewhere. */
	if (manual_pending(&c) > 0) {
		c.waited = 1;
		if (!wait_manual(&c, jobs) || any_failed(&c)) {
			run_parallel(cfg->nnodes, jobs, abort_one, &c);
			goto observe;
		}
	}
	run_parallel(cfg->nnodes, jobs, commit_one, &c);
	if (!any_failed(&c) && restart_services)
		run_parallel(cfg->nnodes, jobs, restart_one, &c);
	if (!any_failed(&c))
		run_parallel(cfg->nnodes, jobs, readback_one, &c);
	if (any_failed(&c)) {
		run_parallel(cfg->nnodes, jobs, rollback_one, &c);
		goto observe;
	}
	/* Every node switched and serves the new bytes: that is the report. */
	for (size_t i = 0; i < cfg->nnodes; i++) {
		out[i].now_sum = c.new_sum;
		out[i].served = c.new_sum;
		out[i].now_known = out[i].served_known = 1;
	}
	ok = 1;
	goto report;
observe:
	run_parallel(cfg->nnodes, jobs, observe_one, &c);
report:
	if (!ok) {
		size_t bad = 0, stuck = 0;

		/*
		 * A node whose rollback failed is still switched: it holds the
		 * NEW file, and the summary must not say otherwise.
		 */
		size_t manual = 0, by_hand = 0;

		for (size_t i = 0; i < cfg->nnodes; i++) {
			bad += c.w[i].failed || out[i].state == CL_DIST_FAILED;
			stuck += c.w[i].switched;
			manual += out[i].state == CL_DIST_MANUAL;
			by_hand += c.w[i].manual && out[i].served_known &&
				   out[i].served.present &&
				   strcmp(out[i].served.sha256, c.new_sum.sha256) == 0;
		}
		if (manual > 0 && bad == 0 && stuck == 0 && !cancelled(&c))
			ctl_err_setk(err, CTL_E_REMOTE, CTL_K_MANUAL,
				     "%zu of %zu nodes cannot be written by ctlsign and "
				     "need a person's step (above); nothing was switched; "
				     "after it, run this command again (or wait for it: "
				     "--wait-manual SECONDS)", manual, cfg->nnodes);
		else if (by_hand > 0)
			ctl_err_setk(err, CTL_E_REMOTE, CTL_K_MANUAL,
				     "distribution failed on %zu of %zu nodes; the others "
				     "keep or got back their previous file, except %zu "
				     "node(s) written by hand, which serve the NEW file "
				     "(put the old one back there by hand)", bad, cfg->nnodes,
				     by_hand);
		else if (stuck > 0)
			ctl_err_set(err, CTL_E_REMOTE,
				    "distribution %son %zu of %zu nodes; %zu node(s) could "
				    "not be rolled back and hold the NEW file",
				    cancelled(&c) ? "interrupted by a signal, failed " : "failed ",
				    bad, cfg->nnodes, stuck);
		else if (bad == 0 && cancelled(&c))
			ctl_err_set(err, CTL_E_REMOTE,
				    "distribution interrupted by a signal; every node keeps "
				    "or got back its previous file");
		else
			ctl_err_set(err, CTL_E_REMOTE,
				    "distribution %son %zu of %zu nodes; %s",
				    cancelled(&c) ? "interrupted by a signal, failed " : "failed ",
				    bad, cfg->nnodes, dry_run ? "nothing was touched" :
				    "every other node keeps or got back its previous file");
	}
	for (size_t i = 0; i < cfg->nnodes; i++) {
		cl_sess_close(&c.w[i].sess);
		free(c.w[i].old);
		free(c.w[i].target);
		free(c.w[i].tmp);
		free(c.w[i].backup);
	}
	free(c.w);
	return ok;
}

/*
 * The publisher's CLI: set-mode, update-ctl.
 */
static const struct cl_node *publisher(const struct cl_config *cfg,
				       struct ctl_err *err)
{
	for (size_t i = 0; i < cfg->nnodes; i++)
		if (cfg->nodes[i].role == CL_ROLE_PUBLISHER &&
		    cfg->nodes[i].cli_user != NULL)
			return &cfg->nodes[i];
	ctl_err_set(err, CTL_E_USAGE, "%s: no node with role = publisher and a cli_user",
		    cfg->path);
	return NULL;
}

int cl_set_mode(const struct cl_config *cfg, const struct cl_opts *opts,
		struct ctl_err *err, int mixed, int *out_mode)
{
	const struct cl_node *pub = publisher(cfg, err);
	struct cl_sess s;
	struct cl_cli cli = { 0 };
	char *out = NULL, line[200];
	int ok = 0;

	if (pub == NULL)
		return 0;
	progress(opts, pub, mixed ? "setting mixed mode" : "setting non-secure mode");
	if (!cl_sess_open(&s, err, cfg, opts, pub, pub->cli_user) ||
	    !cl_cli_open(&cli, err, &s) ||
	    !(mixed ? cl_cli_run(&cli, err, "utils ctl set-cluster mixed-mode",
				 confirm_mixed, NCONFIRM(confirm_mixed), &out) :
		      cl_cli_run(&cli, err, "utils ctl set-cluster non-secure-mode",
				 confirm_nonsecure, NCONFIRM(confirm_nonsecure), &out)) ||
	    !cli_mode(&cli, err, out_mode))
		goto done;
	if (*out_mode != (mixed ? 1 : 0)) {
		last_line(line, sizeof(line), out);
		ctl_err_setk(err, CTL_E_REMOTE, CTL_K_PROTOCOL,
			    "node %s: ClusterSecurityMode is still %d; the CLI said: %s",
			    pub->name, *out_mode, line);
		goto done;
	}
	ok = 1;
done:
	free(out);
	cl_cli_close(&cli);
	cl_sess_close(&s);
	return ok;
}

int cl_update_ctl(const struct cl_config *cfg, const struct cl_opts *opts,
		  struct ctl_err *err)
{
	const struct cl_node *pub = publisher(cfg, err);
	struct cl_sess s;
	struct cl_cli cli = { 0 };
	char *out = NULL, line[200];
	int ok = 0;

	if (pub == NULL)
		return 0;
	progress(opts, pub, "utils ctl update CTLFile");
	if (!cl_sess_open(&s, err, cfg, opts, pub, pub->cli_user) ||
	    !cl_cli_open(&cli, err, &s) ||
	    !cl_cli_run(&cli, err, "utils ctl update CTLFile", confirm_update,
			NCONFIRM(confirm_update), &out))
		goto done;
	if (strstr(out, "CTL file Updated") == NULL) {
		last_line(line, sizeof(line), out);
		ctl_err_setk(err, CTL_E_REMOTE, CTL_K_PROTOCOL, "node %s: the CTL file was not updated: %s",
			    pub->name, line);
		goto done;
	}
	ok = 1;
done:
	free(out);
	cl_cli_close(&cli);
	cl_sess_close(&s);
	return ok;
}

/*
 * fetch-certs.
 */
struct certs_ctx {
	const struct cl_config *cfg;
	const struct cl_opts *opts;
	struct cl_certs *out;
	const char *dir;
};

static const char *const cert_names[] = { "CallManager", "CAPF", "TVS", "ITLRecovery" };

/*
 * pem_of takes the first certificate out of the CLI's answer to cmd,
 * checks it parses, and gives it back re-encoded as PEM (malloc'd).
 */
static int pem_of(struct ctl_err *err, const char *node, const char *cmd,
		  const char *out, uint8_t **pem, size_t *pem_len)
{
	const char *b = strstr(out, "-----BEGIN CERTIFICATE-----");
	const char *e = b ? strstr(b, "-----END CERTIFICATE-----") : NULL;
	BIO *bio = NULL, *mem = NULL;
	X509 *x = NULL;
	BUF_MEM *bm;
	int ok = 0;

	*pem = NULL;
	*pem_len = 0;
	if (e == NULL)
		return ctl_err_setk(err, CTL_E_REMOTE, CTL_K_PROTOCOL,
				    "node %s: no certificate in the answer to `%s`", node, cmd);
	e += strlen("-----END CERTIFICATE-----");
	bio = BIO_new_mem_buf(b, (int)(e - b));
	x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	if (x == NULL) {
		ctl_err_openssl(err, CTL_E_FORMAT, "node %s: the certificate of `%s` does "
				"not parse", node, cmd);
		goto done;
	}
	mem = BIO_new(BIO_s_mem());
	if (mem == NULL || !PEM_write_bio_X509(mem, x)) {
		ctl_err_openssl(err, CTL_E_INTERNAL, "cannot write PEM");
		goto done;
	}
	BIO_get_mem_ptr(mem, &bm);
	*pem = malloc(bm->length ? bm->length : 1);
	if (*pem == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		goto done;
	}
	memcpy(*pem, bm->data, bm->length);
	*pem_len = bm->length;
	ok = 1;
done:
	BIO_free(mem);
	BIO_free(bio);
	X509_free(x);
	return ok;
}

/* save_pem writes the certificate of the CLI's answer to cmd to path. */
static int save_pem(struct ctl_err *err, const char *node, const char *cmd,
		    const char *out, const char *path)
{
	uint8_t *pem = NULL;
	size_t len = 0;
	int ok = pem_of(err, node, cmd, out, &pem, &len) &&
		 ctl_write_atomic(err, path, pem, len, 0644);

	free(pem);
	return ok;
}

static void certs_one(void *arg, size_t i)
{
	struct certs_ctx *c = arg;
	const struct cl_node *n = &c->cfg->nodes[i];
	struct cl_certs *r = &c->out[i];
	struct cl_sess s;
	struct cl_cli cli = { 0 };
	struct ctl_err err;
	struct stat st;
	char *ndir = NULL;

	ctl_err_init(&err);
	if (n->cli_user == NULL) {
		snprintf(r->error, sizeof(r->error), "node %s: no cli_user; skipped", n->name);
		return;
	}
	ndir = cl_join_path(c->dir, n->name);
	if (ndir == NULL || (mkdir(ndir, 0755) != 0 && errno != EEXIST)) {
		ctl_err_set(&err, CTL_E_IO, "%s: cannot create directory", ndir ? ndir : c->dir);
		goto done;
	}
	/* One that was there must be a directory, not a link planted elsewhere. */
	if (lstat(ndir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		ctl_err_set(&err, CTL_E_IO, "%s: not a directory (a symbolic link is refused)",
			    ndir);
		goto done;
	}
	progress(c->opts, n, "fetching certificates");
	if (!cl_sess_open(&s, &err, c->cfg, c->opts, n, n->cli_user) ||
	    !cl_cli_open(&cli, &err, &s))
		goto close;
	for (size_t k = 0; k < sizeof(cert_names) / sizeof(cert_names[0]); k++) {
		char cmd[128], file[64], *out = NULL, *path;
		int ok;

		snprintf(cmd, sizeof(cmd), "show cert own %s/%s.pem", cert_names[k],
			 cert_names[k]);
		snprintf(file, sizeof(file), "%s.pem", cert_names[k]);
		if (!cl_cli_run(&cli, &err, cmd, NULL, 0, &out))
			break;
		path = cl_join_path(ndir, file);
		ok = path != NULL && save_pem(&err, n->name, cmd, out, path);
		free(path);
		free(out);
		if (!ok)
			break;
		r->fetched++;
	}
close:
	cl_cli_close(&cli);
	cl_sess_close(&s);
done:
	if (err.code != CTL_OK)
		copy_msg(r->error, sizeof(r->error), &r->error_kind, &err);
	free(ndir);
}

int cl_fetch_certs(const struct cl_config *cfg, const struct cl_opts *opts,
		   struct ctl_err *err, struct cl_certs *out, const char *dir)
{
	struct certs_ctx c = { cfg, opts, out, dir };
	size_t bad = 0;

	memset(out, 0, cfg->nnodes * sizeof(*out));
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return ctl_err_set(err, CTL_E_IO, "%s: cannot create directory", dir);
	run_parallel(cfg->nnodes, jobs_of(cfg, opts), certs_one, &c);
	for (size_t i = 0; i < cfg->nnodes; i++)
		if (cfg->nodes[i].cli_user != NULL && out[i].error[0] != '\0')
			bad++;
	if (bad > 0)
		return ctl_err_set(err, CTL_E_REMOTE, "%zu of %zu nodes failed", bad,
				   cfg->nnodes);
	return 1;
}

/*
 * fetch-certs --trust: the trust store of the publisher's CLI.
 * `show cert list trust` lists one UNIT/NAME.pem per line (with a
 * description after a colon); `show cert trust UNIT/NAME.pem` shows one.
 * The names come from the node: they become file names here and words
 * of a CLI command there, so only plain ones are taken.
 */
#define CL_MAX_TRUST 10000

/* trust_name_ok: one plain name part: no '/', no "..", nothing but visible ASCII. */
static int trust_name_ok(const char *p, size_t n)
{
	if (n == 0 || n > 200 || p[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch <= ' ' || ch >= 0x7f || ch == '/' || ch == '\\' ||
		    (ch == '.' && i + 1 < n && p[i + 1] == '.'))
			return 0;
	}
	return 1;
}

/*
 * file_name_ok: a name for `file delete tftp NAME`, which takes
 * wildcards (and whose confirmation is answered here): letters, digits,
 * '.', '_', '-' only, not starting with '.' or '-'.
 */
static int file_name_ok(const char *p)
{
	size_t n = strlen(p);

	if (n == 0 || n > 200 || p[0] == '.' || p[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
			return 0;
	}
	return 1;
}

struct trust_entry {
	char *unit, *name;       /* NAME includes .pem */
};

/*
 * parse_trust_list collects the UNIT/NAME.pem entries of the answer.
 * A line naming a .pem that is not a plain UNIT/NAME.pem refuses the
 * whole list (its text in the message, printed sanitized).
 */
static int parse_trust_list(struct ctl_err *err, const char *node, const char *out,
			    struct trust_entry **out_e, size_t *out_n)
{
	struct trust_entry *e = NULL;
	size_t n = 0;
	const char *line = out;

	*out_e = NULL;
	*out_n = 0;
	while (*line != '\0') {
		const char *end = strchr(line, '\n'), *pem, *slash, *s = line;
		size_t len;

		if (end == NULL)
			end = line + strlen(line);
		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		pem = NULL;
		for (const char *q = s; q + 4 <= end; q++)
			if (memcmp(q, ".pem", 4) == 0) {
				pem = q + 4;
				break;
			}
		if (pem == NULL)
			goto next;
		len = (size_t)(pem - s);
		slash = memchr(s, '/', len);
		if (slash == NULL || (pem < end && *pem != ':') ||
		    !trust_name_ok(s, (size_t)(slash - s)) ||
		    !trust_name_ok(slash + 1, (size_t)(pem - slash - 1))) {
			ctl_err_setk(err, CTL_E_REMOTE, CTL_K_PROTOCOL,
				     "node %s: refusing the trust store: `show cert list "
				     "trust` names '%.*s', not a plain UNIT/NAME.pem",
				     node, (int)(end - line > 200 ? 200 : end - line), line);
			goto fail;
		}
		/* UNIT__NAME.pem, and the atomic writer's temporary name beside it. */
		if ((size_t)(slash - s) + 2 + (size_t)(pem - slash - 1) +
		    CTL_TMP_SUFFIX_LEN > NAME_MAX) {
			ctl_err_setk(err, CTL_E_REMOTE, CTL_K_PROTOCOL,
				     "node %s: refusing the trust store: `show cert list "
				     "trust` names '%.*s', too long for a file name here "
				     "(%zu bytes as UNIT__NAME.pem, at most %d)",
				     node, (int)(pem - s > 420 ? 420 : pem - s), s,
				     (size_t)(pem - s) + 1, NAME_MAX - CTL_TMP_SUFFIX_LEN);
			goto fail;
		}
		if (n == CL_MAX_TRUST) {
			ctl_err_setk(err, CTL_E_REMOTE, CTL_K_PROTOCOL,
				     "node %s: more than %d trust certificates", node,
				     CL_MAX_TRUST);
			goto fail;
		}
		if (n % 64 == 0) {
			struct trust_entry *g = realloc(e, (n + 64) * sizeof(*e));

			if (g == NULL)
				goto oom;
			e = g;
		}
		e[n].unit = strndup(s, (size_t)(slash - s));
		e[n].name = strndup(slash + 1, (size_t)(pem - slash - 1));
		n++;
		if (e[n - 1].unit == NULL || e[n - 1].name == NULL)
			goto oom;
next:
		line = *end ? end + 1 : end;
	}
	*out_e = e;
	*out_n = n;
	return 1;
oom:
	ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
fail:
	for (size_t i = 0; i < n; i++) {
		free(e[i].unit);
		free(e[i].name);
	}
	free(e);
	return 0;
}

/*
 * A trust store is written as a whole: into a new directory beside dir,
 * file by file through the one atomic writer, then renamed to dir,
 * which must be missing or empty. A store never mixes with an older
 * fetch (a certificate the cluster no longer trusts must not linger in
 * it), and no reader sees part of one.
 */
static int trust_dir_free(struct ctl_err *err, const char *dir)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int empty = 1;

	if (lstat(dir, &st) != 0) {
		if (errno == ENOENT)
			return 1;
		return ctl_err_set(err, CTL_E_IO, "%s: %s", dir, strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return ctl_err_set(err, CTL_E_IO, "%s: not a directory (a symbolic link "
				   "is refused)", dir);
	d = opendir(dir);
	if (d == NULL)
		return ctl_err_set(err, CTL_E_IO, "%s: %s", dir, strerror(errno));
	while (empty && (de = readdir(d)) != NULL)
		empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
	closedir(d);
	if (!empty)
		return ctl_err_set(err, CTL_E_IO, "%s: not empty; a trust store is "
				   "fetched into a new or empty directory", dir);
	return 1;
}

/* sync_dir_of flushes the directory holding path (the rename in it). */
static void sync_dir_of(const char *path)
{
	char *copy = strdup(path), *slash;
	int fd;

	if (copy == NULL)
		return;
	slash = strrchr(copy, '/');
	if (slash == NULL)
		snprintf(copy, strlen(copy) + 1, ".");
	else
		slash[slash == copy ? 1 : 0] = '\0';
	fd = open(copy, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

/* write_store writes files (their paths inside stage) and renames stage to dir. */
static int write_store(struct ctl_err *err, struct ctl_out_file *files, size_t n,
		       const char *stage, const char *dir)
{
	/* ctl_write_atomic_set takes at most 128 files at once. */
	for (size_t k = 0; k < n; k += 128)
		if (!ctl_write_atomic_set(err, files + k, n - k > 128 ? 128 : n - k))
			return 0;
	if (rename(stage, dir) != 0)
		return ctl_err_set(err, CTL_E_IO, "%s: cannot put the trust store in "
				   "place: %s", dir, strerror(errno));
	sync_dir_of(dir);
	return 1;
}

int cl_fetch_trust(const struct cl_config *cfg, const struct cl_opts *opts,
		   struct ctl_err *err, const char *dir, size_t *out_n,
		   const char **out_node)
{
	const struct cl_node *pub = publisher(cfg, err);
	struct cl_sess s;
	struct cl_cli cli = { 0 };
	struct trust_entry *e = NULL;
	struct ctl_out_file *files = NULL;
	char *out = NULL, *base = NULL, stage[PATH_MAX];
	size_t n = 0, got = 0, staged = 0;
	int ok = 0, slot = -1;

	*out_n = 0;
	*out_node = NULL;
	memset(&s, 0, sizeof(s));
	if (pub == NULL)
		return 0;
	*out_node = pub->name;
	if (!trust_dir_free(err, dir))
		return 0;
	progress(opts, pub, "show cert list trust");
	if (!cl_sess_open(&s, err, cfg, opts, pub, pub->cli_user) ||
	    !cl_cli_open(&cli, err, &s) ||
	    !cl_cli_run(&cli, err, "show cert list trust", NULL, 0, &out) ||
	    !parse_trust_list(err, pub->name, out, &e, &n))
		goto done;
	files = calloc(n ? n : 1, sizeof(*files));
	if (files == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		goto done;
	}
	/* Every certificate in memory first; files[].path is UNIT__NAME meanwhile. */
	for (got = 0; got < n; got++) {
		char cmd[512], *ans = NULL, *fname;
		uint8_t *pem = NULL;
		size_t pem_len = 0;
		int one;

		snprintf(cmd, sizeof(cmd), "show cert trust %s/%s", e[got].unit, e[got].name);
		fname = malloc(strlen(e[got].unit) + strlen(e[got].name) + 3);
		if (fname == NULL) {
			ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
			goto done;
		}
		sprintf(fname, "%s__%s", e[got].unit, e[got].name);
		/* UNIT__NAME must name one entry: "a__b/c.pem" and "a/b__c.pem" would not. */
		for (size_t k = 0; k < got; k++)
			if (strcmp(files[k].path, fname) == 0) {
				ctl_err_setk(err, CTL_E_REMOTE, CTL_K_PROTOCOL,
					     "node %s: trust entries %s/%s and %s/%s would "
					     "both be written as %s", pub->name, e[k].unit,
					     e[k].name, e[got].unit, e[got].name, fname);
				free(fname);
				goto done;
			}
		one = cl_cli_run(&cli, err, cmd, NULL, 0, &ans) &&
		      pem_of(err, pub->name, cmd, ans, &pem, &pem_len);
		free(ans);
		if (!one) {
			free(fname);
			goto done;
		}
		files[got].path = fname;
		files[got].data = pem;
		files[got].len = pem_len;
		files[got].mode = 0644;
		if (got % 20 == 19)
			progress(opts, pub, "fetching trust certificates");
	}
	/*
	 * Only now the directory beside dir, listed for the signal handler
	 * (ctl_tmp_unlink_all removes it with what is in it) until it is
	 * renamed to dir or removed here.
	 */
	{
		size_t dl = strlen(dir);

		while (dl > 1 && dir[dl - 1] == '/')
			dl--;
		base = strndup(dir, dl);
		if (base == NULL) {
			ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
			goto done;
		}
	}
	slot = ctl_tmp_mkdir(err, base, stage, sizeof(stage));
	if (slot < 0)
		goto done;
	chmod(stage, 0755);
	for (staged = 0; staged < n; staged++) {
		char *path = cl_join_path(stage, files[staged].path);

		if (path == NULL) {
			ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
			goto done;
		}
		free((char *)files[staged].path);
		files[staged].path = path;
	}
	/* All or nothing: dir appears only with every file in it. */
	if (!write_store(err, files, n, stage, dir))
		goto done;
	*out_n = n;
	ok = 1;
done:
	for (size_t k = 0; files != NULL && k < got; k++) {
		if (!ok && k < staged)
			unlink(files[k].path);
		free((char *)files[k].path);
		free((uint8_t *)files[k].data);
	}
	if (!ok && slot >= 0)
		rmdir(stage);
	ctl_tmp_forget(slot);
	free(base);
	free(files);
	for (size_t k = 0; k < n; k++) {
		free(e[k].unit);
		free(e[k].name);
	}
	free(e);
	free(out);
	cl_cli_close(&cli);
	cl_sess_close(&s);
	return ok;
}

/*
 * delete-file: `file delete tftp NAME` on every node with a CLI, which
 * is how the seed (002) removes the CTL file when leaving mixed mode.
 */
struct delete_ctx {
	const struct cl_config *cfg;
	const struct cl_opts *opts;
	struct cl_delete *out;
	const char *name;
	int restart;
};

static void delete_one(void *arg, size_t i)
{
	struct delete_ctx *c = arg;
	const struct cl_node *n = &c->cfg->nodes[i];
	struct cl_delete *r = &c->out[i];
	struct cl_sess s;
	struct cl_cli cli = { 0 };
	struct ctl_err err;
	struct cl_confirm confirm[1];
	char cmd[256], question[300], *out = NULL;
	const char *f;

	ctl_err_init(&err);
	memset(&s, 0, sizeof(s));
	if (n->cli_user == NULL) {
		r->skipped = 1;
		return;
	}
	/* Word for word as in shared/seeds/002 ("file delete tftp CTLFile.tlv"). */
	snprintf(cmd, sizeof(cmd), "file delete tftp %s", c->name);
	snprintf(question, sizeof(question),
		 "Delete the File %s?\nEnter \"y\" followed by return to continue:", c->name);
	confirm[0].question = question;
	confirm[0].answer = "y\n";
	progress(c->opts, n, cmd);
	if (!cl_sess_open(&s, &err, c->cfg, c->opts, n, n->cli_user) ||
	    !cl_cli_open(&cli, &err, &s) ||
	    !cl_cli_run(&cli, &err, cmd, confirm, 1, &out))
		goto done;
	f = strstr(out, "files: found = ");
	if (f == NULL || sscanf(f, "files: found = %d, deleted = %d", &r->found,
				&r->deleted) != 2) {
		char line[200];

		last_line(line, sizeof(line), out);
		ctl_err_setk(&err, CTL_E_REMOTE, CTL_K_PROTOCOL,
			     "node %s: `%s` answered: %s", n->name, cmd, line);
		goto done;
	}
	if (r->deleted != r->found) {
		ctl_err_setk(&err, CTL_E_REMOTE, CTL_K_REFUSED,
			     "node %s: `%s`: found %d, deleted %d", n->name, cmd,
			     r->found, r->deleted);
		goto done;
	}
	/* Its TFTP service caches files: restart it, as after any change. */
	if (c->restart && !cli_restart_service(&cli, &err, n, cli_services[0]))
		goto done;
	r->done = 1;
done:
	if (err.code != CTL_OK)
		copy_msg(r->error, sizeof(r->error), &r->error_kind, &err);
	free(out);
	cl_cli_close(&cli);
	cl_sess_close(&s);
}

int cl_delete_file(const struct cl_config *cfg, const struct cl_opts *opts,
		   struct ctl_err *err, struct cl_delete *out, const char *name,
		   int restart_tftp)
{
	struct delete_ctx c = { cfg, opts, out, name, restart_tftp };
	size_t bad = 0, with_cli = 0;

	memset(out, 0, cfg->nnodes * sizeof(*out));
	/* A word of a CLI command that takes wildcards: plain names only. */
	if (!file_name_ok(name))
		return ctl_err_set(err, CTL_E_USAGE, "'%s' is not a plain file name (letters, "
				   "digits, '.', '_' and '-' only, not first '.' or '-'; `file "
				   "delete` would take it as a pattern)", name);
	run_parallel(cfg->nnodes, jobs_of(cfg, opts), delete_one, &c);
	for (size_t i = 0; i < cfg->nnodes; i++) {
		with_cli += cfg->nodes[i].cli_user != NULL;
		bad += out[i].error[0] != '\0';
	}
	if (with_cli == 0)
		return ctl_err_set(err, CTL_E_USAGE, "%s: no node has a cli_user", cfg->path);
	if (bad > 0)
		return ctl_err_set(err, CTL_E_REMOTE, "%zu of %zu nodes failed", bad,
				   with_cli);
	return 1;
}
