/*
 * migrate.c - carrying out a plan (migrate.h): the state directory, the
 * steps, and the check that the world is what the state says.
 *
 * The state directory DIR (mode 0700, the user's):
 *   DIR/plan.json   the plan, written once
 *   DIR/state.json  the first unfinished step, the files built (SHA-256),
 *                   what the nodes serve, the classes the user accepts
 *                   to strand; replaced atomically after every step
 *   DIR/files/      what the steps write (built files, exported
 *                   certificates, fetched trust stores)
 *   DIR/lock        flock'ed while a run goes on
 * A step is marked done only once its effect is complete, so a run that
 * stops anywhere (a signal, a crash, a power cut) resumes by doing that
 * step again: every step is safe to repeat. Built files carry the
 * plan's fixed TIMESTAMP, so a repeated build writes the same bytes.
 * Before a publication the state records the file being published, so
 * that after an interruption a node serving either the old or the new
 * file is as expected, and anything else stops the plan.
 */
#define _GNU_SOURCE /* asprintf, pipe2 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cmd.h"
#include "migrate.h"
#include "trustlist.h"
#include "util.h"

extern char **environ;

#define STATE_MAX (4u << 20)   /* plan.json, state.json: far more than any plan needs */
#define CHILD_OUT_MAX (64u << 20)
/*
 * The state directory's real path at most: its files' paths (a node's
 * name and a file's under files/) are composed in PATH_MAX buffers.
 */
#define STATE_DIR_MAX 2048

struct run {
	const char *dir;        /* the state directory, absolute */
	char dirbuf[PATH_MAX];
	json_t *plan, *state;
	int lock_fd;
	int changed;            /* world_ok / inputs_ok found a change, not a failure */
};

/* ---- small helpers ---- */

/*
 * expand returns s with a leading "@/files/" naming the state
 * directory's files/ (malloc'd): the words of commands and the paths of
 * steps, which the plan checks (mig_state_path) never leave it. Words
 * from the user (absolute paths, URIs) are never rewritten. NULL for
 * NULL or out of memory.
 */
static char *expand(const char *dir, const char *s)
{
	char *out;

	if (s == NULL)
		return NULL;
	if (strncmp(s, "@/files/", 8) != 0)
		return strdup(s);
	if (asprintf(&out, "%s/%s", dir, s + 2) < 0)
		return NULL;
	return out;
}

/* expand_text is expand of every "@/files/" in a line of the plan's own text. */
static char *expand_text(const char *dir, const char *s)
{
	static const char mark[] = "@/files/";
	size_t dl = strlen(dir), n = 0;
	const char *p;
	char *out, *o;

	if (s == NULL)
		return NULL;
	for (p = s; (p = strstr(p, mark)) != NULL; p += sizeof(mark) - 1)
		n++;
	if ((out = malloc(strlen(s) + n * dl + 1)) == NULL)
		return NULL;
	for (o = out, p = s; *p;) {
		if (strncmp(p, mark, sizeof(mark) - 1) == 0) {
			memcpy(o, dir, dl);
			o += dl;
			p++; /* keep "/files/" */
			continue;
		}
		*o++ = *p++;
	}
	*o = '\0';
	return out;
}

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

int mig_sha256_file(struct ctl_err *err, const char *path, char out[65])
{
	uint8_t *data = NULL, md[32];
	size_t len = 0;
	unsigned int mdlen = 0;
	struct stat st;

	if (lstat(path, &st) != 0 && errno == ENOENT) {
		snprintf(out, 65, "none");
		return 1;
	}
	if (!ctl_read_file(err, path, CTL_MAX_FILE, &data, &len))
		return 0;
	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL)) {
		free(data);
		return ctl_err_openssl(err, CTL_E_INTERNAL, "SHA-256");
	}
	free(data);
	ctl_hex(out, md, 32, 0, 0);
	return 1;
}

/* print_command shows argv as the line a person could paste (sanitized). */
static void print_command(const char *dir, const json_t *argv)
{
	char *text = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&text, &n);
	size_t i;
	json_t *a;

	if (m == NULL)
		return;
	fputs("ctlsign", m);
	json_array_foreach(argv, i, a) {
		char *w = expand(dir, json_string_value(a));

		fputc(' ', m);
		cmd_shell_word(m, w != NULL ? w : "?");
		free(w);
	}
	fclose(m);
	cmd_print(stdout, "    $ %s\n", text);
	free(text);
}

/*
 * The running executable, opened once (mig_self_open): the steps run
 * the very program that made the plan, even if a package upgrade
 * replaces the file on disk while a run waits.
 */
static int self_fd = -1;

int mig_self_open(struct ctl_err *err)
{
	if (self_fd >= 0)
		return 1;
	self_fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (self_fd < 0)
		return ctl_err_set(err, CTL_E_INTERNAL, "cannot open the ctlsign executable "
				   "(/proc/self/exe): %s", strerror(errno));
	return 1;
}

/*
 * spawn runs `ctlsign ARGV...` and returns its exit status (128 + the
 * signal that ended it), or -1 with err set. With out, its standard
 * output is collected there (malloc'd, NUL-terminated); otherwise it
 * writes to ours. Standard input and the terminal are shared, so a PIN
 * or passphrase prompt is the child's own. The lock descriptor is
 * inherited: the state stays locked until the child is gone too.
 */
static int spawn(struct ctl_err *err, const char *dir, const json_t *argv, char **out)
{
	static char exe[] = "ctlsign";
	size_t n = json_array_size(argv), cap = 0, len = 0;
	char **args = calloc(n + 2, sizeof(*args));
	int pipefd[2] = { -1, -1 }, status = 0, rc = -1;
	char *buf = NULL;
	pid_t pid;

	if (args == NULL)
		return ctl_err_set(err, CTL_E_INTERNAL, "out of memory"), -1;
	if (!mig_self_open(err))
		goto done;
	args[0] = exe;
	for (size_t i = 0; i < n; i++)
		if ((args[i + 1] = expand(dir, json_string_value(json_array_get(argv, i)))) == NULL) {
			ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
			goto done;
		}
	if (out != NULL && pipe2(pipefd, O_CLOEXEC) != 0) {
		ctl_err_set(err, CTL_E_INTERNAL, "pipe: %s", strerror(errno));
		goto done;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		ctl_err_set(err, CTL_E_INTERNAL, "fork: %s", strerror(errno));
		goto done;
	}
	if (pid == 0) {
		static const char msg[] = "ctlsign: migrate: cannot run a step: ";
		const char *why;

		if (out == NULL || dup2(pipefd[1], STDOUT_FILENO) >= 0)
			fexecve(self_fd, args, environ);
		/* One thread forked: plain calls are safe here; the message by write(2). */
		why = strerror(errno);
		(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
		(void)!write(STDERR_FILENO, why, strlen(why));
		(void)!write(STDERR_FILENO, "\n", 1);
		_exit(6);
	}
	if (out != NULL) {
		close(pipefd[1]);
		pipefd[1] = -1;
		for (;;) {
			ssize_t r;

			if (len + 4096 + 1 > cap) {
				char *nb;

				if (cap >= CHILD_OUT_MAX) {
					kill(pid, SIGTERM);
					ctl_err_set(err, CTL_E_INTERNAL, "the output of `ctlsign %s` is "
						    "larger than %u bytes", args[1] ? args[1] : "", CHILD_OUT_MAX);
					break;
				}
				cap = cap ? cap * 2 : 16384;
				if ((nb = realloc(buf, cap)) == NULL) {
					kill(pid, SIGTERM);
					ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
					break;
				}
				buf = nb;
			}
			r = read(pipefd[0], buf + len, cap - len - 1);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			len += (size_t)r;
		}
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			ctl_err_set(err, CTL_E_INTERNAL, "waitpid: %s", strerror(errno));
			goto done;
		}
	if (err->code != CTL_OK)
		goto done;
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (out != NULL) {
		buf[len] = '\0';
		*out = buf;
		buf = NULL;
	}
done:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	free(buf);
	for (size_t i = 1; i <= n; i++)
		free(args[i]);
	free(args);
	return rc;
}

/* ---- the state directory ---- */

static json_t *load_json(struct ctl_err *err, const char *dir, const char *name)
{
	char path[PATH_MAX];
	uint8_t *data = NULL;
	size_t len = 0;
	json_error_t je;
	json_t *v;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!ctl_read_file(err, path, STATE_MAX, &data, &len))
		return NULL;
	v = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &je);
	free(data);
	if (v == NULL || !json_is_object(v) ||
	    json_integer_value(json_object_get(v, "format_version")) != MIG_FORMAT_VERSION) {
		json_decref(v);
		ctl_err_set(err, CTL_E_FORMAT, "%s: not a migrate %s of format %d%s%s", path,
			    name, MIG_FORMAT_VERSION, v == NULL ? ": " : "", v == NULL ? je.text : "");
		return NULL;
	}
	return v;
}

static int save_json(struct ctl_err *err, const char *dir, const char *name, const json_t *v)
{
	char path[PATH_MAX], *text = json_dumps(v, JSON_INDENT(1) | JSON_SORT_KEYS);
	int ok;

	if (text == NULL)
		return ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ok = ctl_write_atomic(err, path, (const uint8_t *)text, strlen(text), 0600);
	free(text);
	return ok;
}

/*
 * open_dir checks that dir is the user's own directory, not open to
 * others (the plan in it chooses what is signed and where it goes), and
 * locks it.
 */
static int open_dir(struct ctl_err *err, struct run *r, const char *dir, int lock)
{
	char path[PATH_MAX];
	struct stat st;

	r->lock_fd = -1;
	/* Not through a symbolic link: whoever could plant it would choose the directory. */
	if (lstat(dir, &st) != 0 || realpath(dir, r->dirbuf) == NULL)
		return ctl_err_set(err, CTL_E_IO, "--state %s: %s", dir, strerror(errno));
	r->dir = r->dirbuf;
	if (strlen(r->dir) > STATE_DIR_MAX)
		return ctl_err_set(err, CTL_E_USAGE, "--state %s: its real path is longer "
				   "than %d bytes", dir, STATE_DIR_MAX);
	if (!S_ISDIR(st.st_mode))
		return ctl_err_set(err, CTL_E_IO, "--state %s: not a directory (%s)", dir,
				   ctl_file_kind(st.st_mode));
	if (st.st_uid != geteuid() || (st.st_mode & 077) != 0)
		return ctl_err_set(err, CTL_E_USAGE, "--state %s: must be your own directory, "
				   "closed to others (mode 0700): its plan decides what is signed "
				   "and where it goes; fix: chmod 700 %s", dir, dir);
	if (!lock)
		return 1;
	snprintf(path, sizeof(path), "%s/lock", r->dir);
	/* Not O_CLOEXEC: the steps inherit it and hold the lock while they run. */
	r->lock_fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW, 0600);
	if (r->lock_fd < 0)
		return ctl_err_set(err, CTL_E_IO, "%s: %s", path, strerror(errno));
	if (flock(r->lock_fd, LOCK_EX | LOCK_NB) != 0)
		return ctl_err_set(err, CTL_E_USAGE, "--state %s: another `ctlsign migrate` is "
				   "running on it (or one of its steps still is)", dir);
	return 1;
}

/* load_run reads and checks plan.json and state.json (migrate_valid.c). */
static int load_run(struct ctl_err *err, struct run *r)
{
	char path[PATH_MAX + 16];

	if ((r->plan = load_json(err, r->dir, "plan.json")) == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s/plan.json", r->dir);
	if (!mig_plan_valid(err, r->plan, path))
		return 0;
	if ((r->state = load_json(err, r->dir, "state.json")) == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s/state.json", r->dir);
	return mig_state_valid(err, r->state, r->plan, path);
}

static void close_run(struct run *r)
{
	if (r->lock_fd >= 0)
		close(r->lock_fd);
	json_decref(r->plan);
	json_decref(r->state);
}

static int save_state(struct ctl_err *err, struct run *r)
{
	return save_json(err, r->dir, "state.json", r->state);
}

/*
 * clear_dir empties a flat directory that a step of ours filled (its
 * regular files only: anything else is not ours and stops the run), and
 * removes it, or with keep leaves it there empty (mode 0700).
 */
static int clear_dir(struct ctl_err *err, const char *path, int keep)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		if (errno != ENOENT)
			return ctl_err_set(err, CTL_E_IO, "%s: %s (a step's directory must be a "
					   "directory of the plan's, not a link)", path, strerror(errno));
	} else {
		while ((e = readdir(d)) != NULL) {
			struct stat st;

			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
			    !S_ISREG(st.st_mode) || unlinkat(dirfd(d), e->d_name, 0) != 0) {
				closedir(d);
				return ctl_err_set(err, CTL_E_IO, "%s/%s: not a file a step wrote, "
						   "or cannot be removed", path, e->d_name);
			}
		}
		closedir(d);
		if (!keep && rmdir(path) != 0)
			return ctl_err_set(err, CTL_E_IO, "%s: %s", path, strerror(errno));
	}
	if (keep && mkdir(path, 0700) != 0 && errno != EEXIST)
		return ctl_err_set(err, CTL_E_IO, "%s: %s", path, strerror(errno));
	return 1;
}

/*
 * clear_tree empties a directory of directories of files that a step
 * filled (`cluster fetch-certs --out DIR`: DIR/NODE/X.pem) and leaves it
 * there empty; links and anything else stop it.
 */
static int clear_tree(struct ctl_err *err, const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	int ok = 1;

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		if (errno != ENOENT)
			return ctl_err_set(err, CTL_E_IO, "%s: %s", path, strerror(errno));
		if (mkdir(path, 0700) != 0)
			return ctl_err_set(err, CTL_E_IO, "%s: %s", path, strerror(errno));
		return 1;
	}
	while (ok && (e = readdir(d)) != NULL) {
		char sub[PATH_MAX];
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			ok = ctl_err_set(err, CTL_E_IO, "%s: %s", sub, strerror(errno));
		else if (S_ISDIR(st.st_mode))
			ok = clear_dir(err, sub, 0);
		else if (!S_ISREG(st.st_mode) || unlinkat(dirfd(d), e->d_name, 0) != 0)
			ok = ctl_err_set(err, CTL_E_IO, "%s: not a file a step wrote, or cannot be "
					 "removed", sub);
	}
	closedir(d);
	return ok;
}

/*
 * changed_certs compares DIR/NODE/cert in before and after for every
 * node of before: *changed counts the nodes whose certificate changed,
 * *both those where same changed too.
 */
static int changed_certs(struct ctl_err *err, const char *before, const char *after,
			 const char *cert, const char *same, int *changed, int *both,
			 char *node, size_t node_len)
{
	DIR *d = opendir(before);
	struct dirent *e;

	*changed = *both = 0;
	if (d == NULL)
		return ctl_err_set(err, CTL_E_IO, "%s: %s", before, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		char a[PATH_MAX], b[PATH_MAX], sa[65], sb[65];
		int c;

		if (e->d_name[0] == '.')
			continue;
		snprintf(b, sizeof(b), "%s/%s/%s", before, e->d_name, cert);
		snprintf(a, sizeof(a), "%s/%s/%s", after, e->d_name, cert);
		if (!mig_sha256_file(err, b, sb) || !mig_sha256_file(err, a, sa)) {
			closedir(d);
			return 0;
		}
		/* A node whose certificate was not read (now or before) tells nothing. */
		if (strcmp(sa, "none") == 0 || strcmp(sb, "none") == 0)
			continue;
		if ((c = strcmp(sa, sb) != 0) != 0)
			(*changed)++;
		snprintf(b, sizeof(b), "%s/%s/%s", before, e->d_name, same);
		snprintf(a, sizeof(a), "%s/%s/%s", after, e->d_name, same);
		if (!mig_sha256_file(err, b, sb) || !mig_sha256_file(err, a, sa)) {
			closedir(d);
			return 0;
		}
		if (c && strcmp(sa, "none") != 0 && strcmp(sb, "none") != 0 &&
		    strcmp(sa, sb) != 0 && (*both)++ == 0)
			snprintf(node, node_len, "%s", e->d_name);
	}
	closedir(d);
	return 1;
}

/* count_missing: how many certificates of the files in dir are not in store. */
static int count_missing(struct ctl_err *err, const char *dir,
			 const struct ctl_trust_store *store, size_t *missing)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	*missing = 0;
	if (d == NULL)
		return ctl_err_set(err, CTL_E_IO, "%s: %s", dir, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		char path[PATH_MAX];
		unsigned char *der = NULL;
		int len;
		X509 *x;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if ((x = ctl_load_cert(err, path)) == NULL) {
			closedir(d);
			return 0;
		}
		len = i2d_X509(x, &der);
		X509_free(x);
		if (len <= 0) {
			closedir(d);
			return ctl_err_openssl(err, CTL_E_INTERNAL, "%s", path);
		}
		n++;
		*missing += !ctl_trust_store_has(store, der, (size_t)len);
		OPENSSL_free(der);
	}
	closedir(d);
	if (n == 0)
		return ctl_err_set(err, CTL_E_IO, "%s: no certificate to look for", dir);
	return 1;
}

/* ---- the world: what the nodes serve ---- */

/*
 * observe fills served (an object: node or root name -> SHA-256 or
 * "none") with what every node serves as CTLFile.tlv now. For a cluster
 * it runs `ctlsign cluster status --json`; modes and md5s (NULL or
 * objects) get each node's security mode and the file's MD5. A node
 * that cannot be asked fails it.
 */
static int observe(struct ctl_err *err, struct run *r, json_t *served, json_t *modes,
		   json_t *md5s, json_t *signers, int *all_valid)
{
	const json_t *roots = json_object_get(r->plan, "tftp_roots");
	const char *conf = jstr(r->plan, "config");
	size_t i;
	json_t *v;

	*all_valid = 1;
	if (conf == NULL) {
		json_array_foreach(roots, i, v) {
			char path[PATH_MAX], sum[65];

			snprintf(path, sizeof(path), "%s/CTLFile.tlv", json_string_value(v));
			if (!mig_sha256_file(err, path, sum))
				return 0;
			json_object_set_new(served, json_string_value(v), json_string(sum));
		}
		return 1;
	}
	{
		json_t *argv = json_pack("[sssss]", "cluster", "status", "-c", conf, "--json");
		json_t *doc, *nodes;
		json_error_t je;
		char *out = NULL;
		int rc = spawn(err, r->dir, argv, &out);

		json_decref(argv);
		if (rc < 0)
			return 0;
		doc = json_loads(out, 0, &je);
		free(out);
		nodes = json_object_get(doc, "nodes");
		if (!json_is_array(nodes)) {
			const char *msg = jstr(json_object_get(doc, "error"), "message");

			ctl_err_set(err, rc == 0 ? CTL_E_INTERNAL : CTL_E_REMOTE,
				    "cluster status (exit %d): %s", rc,
				    msg != NULL ? msg : "no report");
			json_decref(doc);
			return 0;
		}
		json_array_foreach(nodes, i, v) {
			const json_t *sv = json_object_get(v, "served");
			const char *name = jstr(v, "name"), *msg;

			if (name == NULL || (json_is_true(json_object_get(sv, "present")) &&
					     jstr(sv, "sha256") == NULL)) {
				ctl_err_set(err, CTL_E_INTERNAL, "cluster status: a node without "
					    "a name or a checksum");
				json_decref(doc);
				return 0;
			}
			/* A file it serves that does not verify is seen, and judged below. */
			if ((msg = jstr(json_object_get(v, "error"), "message")) != NULL &&
			    !json_is_true(json_object_get(sv, "present"))) {
				ctl_err_setk(err, CTL_E_REMOTE, CTL_K_NONE,
					     "cannot see what node %s serves: %s", name, msg);
				json_decref(doc);
				return 0;
			}
			json_object_set_new(served, name,
					    json_string(json_is_true(json_object_get(sv, "present")) ?
							jstr(sv, "sha256") : "none"));
			if (json_is_false(json_object_get(v, "valid")))
				*all_valid = 0;
			if (modes != NULL)
				json_object_set(modes, name, json_object_get(v, "security_mode"));
			if (md5s != NULL)
				json_object_set(md5s, name, json_object_get(sv, "md5"));
			if (signers != NULL && json_is_string(json_object_get(v, "signer")))
				json_object_set(signers, name, json_object_get(v, "signer"));
		}
		json_decref(doc);
	}
	return 1;
}

/*
 * world_ok: does every node serve what the state expects (or, during a
 * publication, the file being published)? Names the first that does not.
 */
static int world_ok(struct ctl_err *err, struct run *r)
{
	json_t *served = json_object(), *sv = json_object_get(r->state, "served");
	const char *expected = jstr(sv, "expected"), *publishing = jstr(sv, "publishing");
	const char *name;
	json_t *v;
	int valid, ok = 1;

	if (expected == NULL) /* nothing recorded yet (a CUCM CLI writes the first) */
		return json_decref(served), 1;
	if (!observe(err, r, served, NULL, NULL, NULL, &valid)) {
		json_decref(served);
		return 0;
	}
	json_object_set(r->state, "nodes", served);
	json_object_foreach(served, name, v) {
		const char *got = json_string_value(v);

		/* "*": a CUCM command is writing the nodes' CTL; the next observe records it. */
		if (strcmp(got, expected) == 0 || (publishing != NULL &&
		    (strcmp(got, publishing) == 0 || strcmp(publishing, "*") == 0)))
			continue;
		r->changed = 1;
		if (json_integer_value(json_object_get(r->state, "next")) == 1 && publishing == NULL) {
			ok = ctl_err_setk(err, CTL_E_REMOTE, CTL_K_NONE,
					  "%s serves a CTLFile.tlv (SHA-256 %s) that is not the one "
					  "the plan starts from (%s: --ctl, or none for mixed-mode): "
					  "give what the nodes serve as --ctl, or find out why %s differs",
					  name, got, expected, name);
			break;
		}
		ok = ctl_err_setk(err, CTL_E_REMOTE, CTL_K_NONE,
				  "%s now serves a CTLFile.tlv the plan did not publish (SHA-256 %s, "
				  "expected %s%s%s): someone changed it; find out who and why, and "
				  "start a new plan from what the phones hold now",
				  name, got, expected, publishing ? " or " : "",
				  publishing ? publishing : "");
		break;
	}
	json_decref(served);
	return ok;
}

/* inputs_ok: are the plan's inputs (their copies) and the files built unchanged? */
static int inputs_ok(struct ctl_err *err, struct run *r)
{
	const json_t *files[2] = { json_object_get(r->plan, "inputs"),
				   json_object_get(r->state, "files") };
	const char *path;
	json_t *v;

	for (int k = 0; k < 2; k++)
		json_object_foreach((json_t *)files[k], path, v) {
			const char *want = k == 0 ? json_string_value(json_object_get(v, "sha256")) :
					   json_string_value(v);
			char sum[65], *full = expand(r->dir, path);
			int ok = full != NULL && mig_sha256_file(err, full, sum);

			free(full);
			if (!ok)
				return err->code != CTL_OK ? 0 :
				       ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
			if (strcmp(sum, want) != 0) {
				r->changed = 1;
				return ctl_err_set(err, CTL_E_USAGE, "%s/%s changed since %s "
						   "(SHA-256 %s, then %s)", r->dir, path + 2,
						   k == 0 ? "the plan was made" : "a step wrote it",
						   sum, want);
			}
		}
	return 1;
}

/* ---- the steps ---- */

static const char *const class_label[CTL_NPHONES] = {
	"phones with Security By Default", "phones without Security By Default",
	"phones holding nothing",
};

/*
 * refusal: check's exit status for a class of phone that does not take
 * a file (12 depends; stranded: 11 without Security By Default, else
 * 13), 0 when it takes it or does not load that kind of file.
 */
static int refusal(enum ctl_verdict v, int phone)
{
	if (ctl_verdict_takes(v) || v == VERDICT_NOT_USED)
		return 0;
	return v == VERDICT_DEPENDS ? 12 : phone == PHONE_NO_SBD ? 11 : 13;
}

/*
 * allowed: does the user accept that phones of cls may not take the file
 * of check step n? Classes named when the plan was made count for every
 * check (the dry run showed them all); one named at a resume counts for
 * the check the run stopped at, which the person has just read.
 */
static int allowed(const struct run *r, const char *cls, long n)
{
	char key[24];
	size_t i;
	json_t *v;

	json_array_foreach(json_object_get(r->state, "allow"), i, v)
		if (strcmp(json_string_value(v), cls) == 0)
			return 1;
	snprintf(key, sizeof(key), "%ld", n);
	json_array_foreach(json_object_get(json_object_get(r->state, "allow_at"), key), i, v)
		if (strcmp(json_string_value(v), cls) == 0)
			return 1;
	return 0;
}

/*
 * verdict_of reads a verdict of check's JSON (docs/json.md) back into
 * the engine's form, to be rendered and judged as check does; a verdict
 * it does not know counts as stranded.
 */
static void verdict_of(struct ctl_trust_verdict *out, const json_t *p)
{
	const char *name = jstr(p, "verdict"), *reason = jstr(p, "reason");

	out->verdict = VERDICT_STRANDED;
	for (int v = 0; name != NULL && v <= VERDICT_NOT_USED; v++)
		if (strcmp(name, ctl_verdict_name((enum ctl_verdict)v)) == 0)
			out->verdict = (enum ctl_verdict)v;
	snprintf(out->reason, sizeof(out->reason), "%s", reason != NULL ? reason : "");
}

/*
 * do_check runs `ctlsign check --json` of the step and refuses what
 * strands (or may strand) a class the user did not name; returns the
 * exit status (0 to go on).
 */
static int do_check(struct run *r, const json_t *step)
{
	struct ctl_err err;
	char *out = NULL;
	json_t *doc, *steps, *st;
	json_error_t je;
	int rc, worst = 0;
	size_t i;

	ctl_err_init(&err);
	rc = spawn(&err, r->dir, json_object_get(step, "argv"), &out);
	if (rc < 0)
		return cmd_fail(&err);
	doc = json_loads(out, 0, &je);
	free(out);
	steps = json_object_get(doc, "steps");
	if (rc != 0 && rc != 10 && rc != 11 && rc != 12 && rc != 13) {
		const char *msg = jstr(json_object_get(doc, "error"), "message");

		cmd_print(stderr, "ctlsign: migrate: the check failed (exit %d)%s%s\n", rc,
			  msg ? ": " : "", msg ? msg : "");
		json_decref(doc);
		return rc;
	}
	json_array_foreach(steps, i, st) {
		const json_t *phones = json_object_get(st, "phones");

		cmd_print(stdout, "    %s (%s):\n", jstr(st, "path"), jstr(st, "kind"));
		for (int c = 0; c < CTL_NPHONES; c++) {
			const char *cls = ctl_phone_name((enum ctl_phone)c);
			struct ctl_trust_verdict tv;
			char line[CTL_REASON_MAX + 128];
			int code;

			verdict_of(&tv, json_object_get(phones, cls));
			cmd_trust_line(line, sizeof(line), c, &tv);
			cmd_print(stdout, "      %s\n", line);
			if ((code = refusal(tv.verdict, c)) == 0)
				continue;
			if (allowed(r, cls, (long)json_integer_value(json_object_get(step, "n")))) {
				cmd_print(stdout, "      (accepted: --allow-stranded %s)\n", cls);
				continue;
			}
			if (code > worst)
				worst = code;
			cmd_print(stderr, "ctlsign: migrate: %s would %s %s: not published; "
				  "fix what the reason says, or accept it with "
				  "`ctlsign migrate resume --state %s --allow-stranded %s`\n",
				  class_label[c], tv.verdict == VERDICT_DEPENDS ?
				  "perhaps not take" : "not take", jstr(st, "path"), r->dir, cls);
		}
	}
	if (!json_is_array(steps) || json_array_size(steps) == 0) {
		cmd_print(stderr, "ctlsign: migrate: the check judged nothing (exit %d)\n", rc);
		worst = rc ? rc : 6;
	}
	json_decref(doc);
	/* What was judged, byte for byte: a publication publishes only that. */
	if (worst == 0) {
		json_t *judged = json_object_get(r->state, "judged");

		if (judged == NULL) {
			judged = json_object();
			json_object_set_new(r->state, "judged", judged);
		}
		json_array_foreach(json_object_get(step, "files"), i, st) {
			char *f = expand(r->dir, json_string_value(st)), sum[65];
			int ok = f != NULL && mig_sha256_file(&err, f, sum) && strcmp(sum, "none") != 0;

			free(f);
			if (!ok)
				return err.code != CTL_OK ? cmd_fail(&err) : 6;
			json_object_set_new(judged, json_string_value(st), json_string(sum));
		}
	}
	return worst;
}

/* publish puts file on every node (cluster distribute) or root, and reads it back. */
static int do_publish(struct run *r, const json_t *step)
{
	struct ctl_err err;
	char *file = expand(r->dir, jstr(step, "file")), sum[65];
	json_t *sv = json_object_get(r->state, "served");
	const char *conf = jstr(r->plan, "config");
	int rc = 6;

	ctl_err_init(&err);
	if (file == NULL || !mig_sha256_file(&err, file, sum))
		goto fail;
	/* Only a file a step of this plan built, as it built it and check judged it. */
	{
		const char *built = jstr(json_object_get(r->state, "files"), jstr(step, "file"));
		const char *judged = jstr(json_object_get(r->state, "judged"), jstr(step, "file"));

		if (built != NULL && strcmp(built, sum) == 0 &&
		    (judged == NULL || strcmp(judged, sum) != 0)) {
			ctl_err_set(&err, CTL_E_USAGE, "%s: no check of this plan judged it: nothing "
				    "published", file);
			free(file);
			return cmd_fail(&err);
		}
		if (built == NULL || strcmp(built, sum) != 0) {
			ctl_err_set(&err, CTL_E_USAGE, "%s: not the file a step of this plan built "
				    "(%s): nothing published", file, built == NULL ? "none recorded" :
				    "its SHA-256 differs");
			r->changed = built != NULL;
			free(file);
			rc = cmd_fail(&err);
			return r->changed ? MIG_EXIT_CHANGED : rc;
		}
	}
	/* Nothing is published over a file someone else put there meanwhile. */
	if (!world_ok(&err, r)) {
		free(file);
		rc = cmd_fail(&err);
		return r->changed ? MIG_EXIT_CHANGED : rc;
	}
	/* Recorded first: an interruption may leave some nodes with either file. */
	json_object_set_new(sv, "publishing", json_string(sum));
	if (!save_state(&err, r))
		goto fail;
	if (conf != NULL) {
		json_t *argv = json_pack("[ssssssss]", "cluster", "distribute", "-c", conf,
					 jstr(step, "file"), "--as", "CTLFile.tlv",
					 "--restart-services");

		print_command(r->dir, argv);
		rc = spawn(&err, r->dir, argv, NULL);
		json_decref(argv);
		if (rc < 0)
			goto fail;
		if (rc != 0) {
			free(file);
			return rc;
		}
	} else {
		const json_t *roots = json_object_get(r->plan, "tftp_roots");
		struct ctl_out_file outs[16];
		char paths[16][PATH_MAX];
		uint8_t *data = NULL;
		size_t len = 0, i, n = json_array_size(roots);
		json_t *v;

		if (!ctl_read_file(&err, file, CTL_MAX_FILE, &data, &len))
			goto fail;
		json_array_foreach(roots, i, v) {
			snprintf(paths[i], sizeof(paths[i]), "%s/CTLFile.tlv", json_string_value(v));
			outs[i] = (struct ctl_out_file){ paths[i], data, len, 0644 };
			cmd_print(stdout, "    copying to %s\n", paths[i]);
		}
		rc = ctl_write_atomic_set(&err, outs, n);
		free(data);
		if (!rc)
			goto fail;
	}
	{
		char name[24];

		snprintf(name, sizeof(name), "%lld",
			 (long long)json_integer_value(json_object_get(step, "n")));
		if (ctl_pause_wanted("migrate-published", name))
			ctl_pause_hold();
	}
	/* Read back: every node serves exactly the file. */
	json_object_set_new(sv, "expected", json_string(sum));
	json_object_del(sv, "publishing");
	if (!world_ok(&err, r)) {
		free(file);
		rc = cmd_fail(&err);
		return r->changed ? MIG_EXIT_CHANGED : rc;
	}
	free(file);
	return save_state(&err, r) ? 0 : cmd_fail(&err);
fail:
	free(file);
	return cmd_fail(&err);
}

/* do_unpublish removes CTLFile.tlv from every local TFTP root. */
static int do_unpublish(struct run *r)
{
	const json_t *roots = json_object_get(r->plan, "tftp_roots");
	json_t *sv = json_object_get(r->state, "served"), *v;
	struct ctl_err err;
	size_t i;
	int rc;

	ctl_err_init(&err);
	if (!world_ok(&err, r)) {
		rc = cmd_fail(&err);
		return r->changed ? MIG_EXIT_CHANGED : rc;
	}
	json_object_set_new(sv, "publishing", json_string("none"));
	if (!save_state(&err, r))
		return cmd_fail(&err);
	json_array_foreach(roots, i, v) {
		char path[PATH_MAX];
		int fd;

		snprintf(path, sizeof(path), "%s/CTLFile.tlv", json_string_value(v));
		cmd_print(stdout, "    removing %s\n", path);
		if (unlink(path) != 0 && errno != ENOENT) {
			ctl_err_set(&err, CTL_E_IO, "%s: %s", path, strerror(errno));
			return cmd_fail(&err);
		}
		/* The removal itself made durable, as the atomic writer does. */
		if ((fd = open(json_string_value(v), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
			(void)fsync(fd);
			close(fd);
		}
	}
	json_object_set_new(sv, "expected", json_string("none"));
	json_object_del(sv, "publishing");
	return save_state(&err, r) ? 0 : cmd_fail(&err);
}

/* do_observe records what the nodes serve after a CUCM CLI wrote it. */
static int do_observe(struct run *r, const json_t *step)
{
	struct ctl_err err;
	json_t *served = json_object(), *modes = json_object(), *md5s = json_object(), *v;
	json_t *signers = json_object();
	const char *want = jstr(step, "mode"), *first = NULL, *name;
	int valid = 1, rc = 0, seen_mode = 0;

	ctl_err_init(&err);
	if (!observe(&err, r, served, modes, md5s, signers, &valid)) {
		rc = cmd_fail(&err);
		goto done;
	}
	json_object_foreach(served, name, v) {
		const char *m = jstr(modes, name);

		cmd_print(stdout, "    %s: CTLFile.tlv %s%s%s%s%s\n", name, json_string_value(v),
			  m ? ", security mode " : "", m ? m : "",
			  jstr(signers, name) ? ", signed by " : "",
			  jstr(signers, name) ? jstr(signers, name) : "");
		if (want != NULL && m != NULL && strcmp(m, want) != 0) {
			cmd_print(stderr, "ctlsign: migrate: %s is in %s mode, not %s\n", name, m, want);
			rc = 5;
		}
		seen_mode |= m != NULL;
		if (json_is_true(json_object_get(step, "absent")) &&
		    strcmp(json_string_value(v), "none") != 0) {
			cmd_print(stderr, "ctlsign: migrate: %s still serves a CTLFile.tlv\n", name);
			rc = 5;
		}
		if (first == NULL)
			first = json_string_value(v);
		else if (strcmp(first, json_string_value(v)) != 0) {
			cmd_print(stderr, "ctlsign: migrate: the nodes serve different CTL files "
				  "(%s differs): wait for replication, then resume\n", name);
			rc = 5;
		}
	}
	if (want != NULL && jstr(r->plan, "config") != NULL && !seen_mode) {
		cmd_print(stderr, "ctlsign: migrate: no node told its security mode (no node with "
			  "a cli_user answered): cannot see that the cluster is %s\n", want);
		rc = 5;
	}
	if (!valid) {
		cmd_print(stderr, "ctlsign: migrate: a node serves a CTLFile.tlv that does not "
			  "verify (ctlsign cluster status says which)\n");
		rc = 1;
	}
	if (rc == 0 && first != NULL) {
		json_t *sv = json_object_get(r->state, "served");

		json_object_set_new(sv, "expected", json_string(first));
		json_object_del(sv, "publishing");
		json_object_del(sv, "expected_md5");
		json_object_foreach(md5s, name, v)
			if (json_is_string(v))
				json_object_set(sv, "expected_md5", v);
		json_object_set(r->state, "nodes", served);
	}
done:
	json_decref(served);
	json_decref(modes);
	json_decref(md5s);
	json_decref(signers);
	return rc;
}

/*
 * do_manual: a person's step. It is done when its check passes: the
 * certificates are in the cluster's trust store, or the person says so
 * (--confirm N) where nothing can be checked. Otherwise the
 * instructions are printed and the run stops (MIG_EXIT_PERSON).
 */
static int do_manual(struct run *r, const json_t *step, unsigned long confirm)
{
	const json_t *verify = json_object_get(step, "verify");
	const char *type = jstr(verify, "type");
	long n = (long)json_integer_value(json_object_get(step, "n"));
	struct ctl_err err;
	size_t i;
	json_t *v;

	ctl_err_init(&err);
	if (type != NULL && strcmp(type, "trust-has") == 0) {
		char *certs = expand(r->dir, jstr(verify, "certs"));
		char *store_dir = expand(r->dir, jstr(verify, "store"));
		struct ctl_trust_store *store = NULL;
		size_t missing = 0;
		int rc;

		if (certs == NULL || store_dir == NULL) {
			free(certs);
			free(store_dir);
			return 6;
		}
		/* Fetched afresh each time: the store must be as the cluster has it now. */
		if (!clear_dir(&err, store_dir, 0)) {
			free(certs);
			free(store_dir);
			return cmd_fail(&err);
		}
		print_command(r->dir, json_object_get(verify, "fetch"));
		rc = spawn(&err, r->dir, json_object_get(verify, "fetch"), NULL);
		if (rc != 0) {
			free(certs);
			free(store_dir);
			return rc < 0 ? cmd_fail(&err) : rc;
		}
		if ((store = cmd_load_trust_store(&err, store_dir)) == NULL ||
		    !count_missing(&err, certs, store, &missing)) {
			ctl_trust_store_free(store);
			free(certs);
			free(store_dir);
			return cmd_fail(&err);
		}
		ctl_trust_store_free(store);
		free(certs);
		free(store_dir);
		if (missing == 0) {
			cmd_print(stdout, "    done: every certificate is in the cluster's trust store\n");
			return 0;
		}
		cmd_print(stdout, "    not yet: %zu certificate%s not in the cluster's trust store\n",
			  missing, missing == 1 ? " is" : "s are");
	} else if (type != NULL && strcmp(type, "cert-changed") == 0) {
		char *before = expand(r->dir, jstr(verify, "before"));
		char *after = expand(r->dir, jstr(verify, "after")), node[256] = "";
		int rc, changed = 0, both = 0;

		rc = before == NULL || after == NULL ? 6 :
		     !clear_tree(&err, after) ? cmd_fail(&err) : 0;
		if (rc == 0) {
			print_command(r->dir, json_object_get(verify, "fetch"));
			rc = spawn(&err, r->dir, json_object_get(verify, "fetch"), NULL);
			if (rc < 0)
				rc = cmd_fail(&err);
		}
		if (rc == 0 && !changed_certs(&err, before, after, jstr(verify, "cert"),
					      jstr(verify, "same"), &changed, &both, node,
					      sizeof(node)))
			rc = cmd_fail(&err);
		free(before);
		free(after);
		if (rc != 0)
			return rc;
		if (both > 0) {
			/* Seed 001: the old ITL's TVS certificate must still match. */
			cmd_print(stderr, "ctlsign: migrate: on %s both %s and %s changed: phones "
				  "holding only an ITL cannot take the new one until it is deleted on "
				  "each phone by hand (seed 001, \"인증서 재생성\", step 2 note); nothing "
				  "more is done\n", node, jstr(verify, "cert"), jstr(verify, "same"));
			return 13;
		}
		if (changed > 0) {
			cmd_print(stdout, "    done: %s changed on %d node%s\n", jstr(verify, "cert"),
				  changed, changed == 1 ? "" : "s");
			return 0;
		}
		if (confirm == (unsigned long)n) {
			cmd_print(stdout, "    done (you confirmed it: --confirm %ld; ctlsign did not "
				  "see %s change, and could not check %s with it)\n", n,
				  jstr(verify, "cert"), jstr(verify, "same"));
			return 0;
		}
		cmd_print(stdout, "    not yet: %s is as it was on every node\n", jstr(verify, "cert"));
	} else if (confirm == (unsigned long)n) {
		cmd_print(stdout, "    done (you confirmed it: --confirm %ld)\n", n);
		return 0;
	}
	if (mig_state_path(jstr(step, "file"))) {
		char *f = expand(r->dir, jstr(step, "file"));
		uint8_t *data = NULL, md[16];
		size_t len = 0;
		char hex[33];

		if (f != NULL && ctl_read_file(&err, f, CTL_MAX_FILE, &data, &len) &&
		    EVP_Digest(data, len, md, NULL, EVP_md5(), NULL)) {
			ctl_hex(hex, md, 16, 0, 0);
			cmd_print(stdout, "    the MD5 the phones must show: %s\n", hex);
		}
		free(data);
		free(f);
	} else if (jstr(json_object_get(r->state, "served"), "expected_md5") != NULL)
		cmd_print(stdout, "    the MD5 the phones must show: %s\n",
			  jstr(json_object_get(r->state, "served"), "expected_md5"));
	if (json_is_true(json_object_get(step, "evidence"))) {
		/* What the phones can download now, node by node. */
		json_t *served = json_object(), *sv;
		const char *want = jstr(json_object_get(r->state, "served"), "expected"), *name;
		int valid;

		if (observe(&err, r, served, NULL, NULL, NULL, &valid)) {
			cmd_print(stdout, "    served now:\n");
			json_object_foreach(served, name, sv)
				cmd_print(stdout, "      %s: %s\n", name,
					  want != NULL && strcmp(want, json_string_value(sv)) == 0 ?
					  "the new CTL" : json_string_value(sv));
		} else {
			cmd_print(stdout, "    (what the nodes serve cannot be seen now: %s)\n", err.msg);
			ctl_err_init(&err);
		}
		json_decref(served);
	}
	cmd_print(stdout, "    what to do:\n");
	json_array_foreach(json_object_get(step, "text"), i, v) {
		char *line = expand_text(r->dir, json_string_value(v));

		cmd_print(stdout, "      %s\n", line ? line : "");
		free(line);
	}
	if (type != NULL && strcmp(type, "confirm") != 0)
		cmd_print(stdout, "    then: ctlsign migrate resume --state %s   (it looks "
			  "again)\n", r->dir);
	else
		cmd_print(stdout, "    then: ctlsign migrate resume --state %s --confirm %ld\n",
			  r->dir, n);
	return MIG_EXIT_PERSON;
}

static int do_run(struct run *r, const json_t *step)
{
	struct ctl_err err;
	const char *outdir = jstr(step, "output_dir"), *output = jstr(step, "output");
	int rc;

	ctl_err_init(&err);
	if (jstr(step, "output_tree") != NULL) {
		char *d = expand(r->dir, jstr(step, "output_tree"));
		int ok = d != NULL && clear_tree(&err, d);

		free(d);
		if (!ok)
			return err.code != CTL_OK ? cmd_fail(&err) : 6;
	}
	/* A directory a step fills must start empty: a repeat starts it afresh. */
	if (outdir != NULL) {
		char *d = expand(r->dir, outdir);
		int ok = d != NULL && clear_dir(&err, d, 1);

		free(d);
		if (!ok)
			return err.code != CTL_OK ? cmd_fail(&err) : 6;
	}
	if (output != NULL) {
		char *f = expand(r->dir, output), *slash;

		if (f == NULL)
			return 6;
		if ((slash = strrchr(f, '/')) != NULL) {
			*slash = '\0';
			(void)mkdir(f, 0700);
		}
		free(f);
	}
	print_command(r->dir, json_object_get(step, "argv"));
	rc = spawn(&err, r->dir, json_object_get(step, "argv"), NULL);
	if (rc < 0)
		return cmd_fail(&err);
	if (rc != 0)
		return rc;
	if (output != NULL) {
		char *f = expand(r->dir, output), sum[65];

		if (f == NULL || !mig_sha256_file(&err, f, sum)) {
			free(f);
			return cmd_fail(&err);
		}
		if (strcmp(sum, "none") == 0) {
			ctl_err_set(&err, CTL_E_IO, "%s: the step ended well but did not write it", f);
			free(f);
			return cmd_fail(&err);
		}
		free(f);
		json_object_set_new(json_object_get(r->state, "files"), output, json_string(sum));
	}
	return 0;
}

static const char *who_label(const char *who)
{
	return strcmp(who, "person") == 0 ? "you" : strcmp(who, "wait") == 0 ? "wait" : "ctlsign";
}

/* run_steps carries the plan out from the state's next step. */
static int run_steps(struct run *r, unsigned long confirm)
{
	const json_t *steps = json_object_get(r->plan, "steps");
	size_t total = json_array_size(steps);
	struct ctl_err err;

	ctl_err_init(&err);
	for (;;) {
		size_t next = (size_t)json_integer_value(json_object_get(r->state, "next"));
		const json_t *step;
		const char *kind;
		char pause_name[24];
		int rc;

		if (next < 1 || next > total + 1) {
			ctl_err_set(&err, CTL_E_FORMAT, "%s/state.json: step %zu of %zu", r->dir,
				    next, total);
			return cmd_fail(&err);
		}
		if (next == total + 1) {
			cmd_print(stdout, "migrate %s: done: every step is finished\n",
				  jstr(r->plan, "plan"));
			return 0;
		}
		step = json_array_get(steps, next - 1);
		kind = jstr(step, "kind");
		cmd_print(stdout, "step %zu/%zu [%s] %s\n", next, total, who_label(jstr(step, "who")),
			  jstr(step, "title"));
		if (jstr(step, "seed") != NULL)
			cmd_print(stdout, "    (%s)\n", jstr(step, "seed"));
		snprintf(pause_name, sizeof(pause_name), "%zu", next);
		if (ctl_pause_wanted("migrate-before", pause_name))
			ctl_pause_hold();
		/*
		 * A step after which the nodes may serve another CTL that CUCM
		 * wrote leaves them unknown until the observe step after it.
		 */
		if (json_is_true(json_object_get(step, "writes_ctl"))) {
			json_object_set_new(json_object_get(r->state, "served"), "publishing",
					    json_string("*"));
			if (!save_state(&err, r))
				return cmd_fail(&err);
		}
		if (strcmp(kind, "run") == 0)
			rc = do_run(r, step);
		else if (strcmp(kind, "check") == 0)
			rc = do_check(r, step);
		else if (strcmp(kind, "publish") == 0)
			rc = do_publish(r, step);
		else if (strcmp(kind, "observe") == 0)
			rc = do_observe(r, step);
		else if (strcmp(kind, "manual") == 0)
			rc = do_manual(r, step, confirm);
		else if (strcmp(kind, "unpublish") == 0)
			rc = do_unpublish(r);
		else
			rc = ctl_err_set(&err, CTL_E_FORMAT, "%s/plan.json: step %zu: unknown kind",
					 r->dir, next), cmd_fail(&err);
		if (rc != 0) {
			if (rc != MIG_EXIT_PERSON && rc != MIG_EXIT_CHANGED && (rc < 11 || rc > 13))
				cmd_print(stderr, "ctlsign: migrate: step %zu (%s) stopped with exit "
					  "status %d; fix the cause, then: ctlsign migrate resume "
					  "--state %s\n", next, jstr(step, "title"), rc, r->dir);
			return rc;
		}
		if (ctl_pause_wanted("migrate-after", pause_name))
			ctl_pause_hold();
		json_object_set_new(r->state, "next", json_integer((json_int_t)next + 1));
		if (!save_state(&err, r))
			return cmd_fail(&err);
	}
}

/* ---- entry points ---- */

static void print_step(const char *dir, const json_t *step, size_t total, const char *mark)
{
	size_t i;
	json_t *v;

	cmd_print(stdout, "%s step %lld/%zu [%s] %s\n", mark,
		  (long long)json_integer_value(json_object_get(step, "n")), total,
		  who_label(jstr(step, "who")), jstr(step, "title"));
	if (jstr(step, "seed") != NULL)
		cmd_print(stdout, "      (%s)\n", jstr(step, "seed"));
	if (json_object_get(step, "argv") != NULL)
		print_command(dir, json_object_get(step, "argv"));
	json_array_foreach(json_object_get(step, "text"), i, v) {
		char *line = expand_text(dir, json_string_value(v));

		cmd_print(stdout, "      %s\n", line ? line : "");
		free(line);
	}
}

/* print_head: the plan's first lines, its name, size, where it publishes and its notes. */
static void print_head(const json_t *plan)
{
	size_t i;
	json_t *v;

	cmd_print(stdout, "plan %s: %zu steps (%s)\n", jstr(plan, "plan"),
		  json_array_size(json_object_get(plan, "steps")),
		  jstr(plan, "config") ? jstr(plan, "config") : "local TFTP roots");
	json_array_foreach(json_object_get(plan, "notes"), i, v)
		cmd_print(stdout, "  note: %s\n", json_string_value(v));
}

void mig_plan_print(const json_t *plan, const json_t *state, const char *dir)
{
	const json_t *steps = json_object_get(plan, "steps"), *st;
	size_t next = state ? (size_t)json_integer_value(json_object_get(state, "next")) : 0;
	size_t i, total = json_array_size(steps);

	print_head(plan);
	json_array_foreach(steps, i, st)
		print_step(dir, st, total, next == 0 ? " " : i + 1 < next ? "done" :
			   i + 1 == next ? "next" : "    ");
}

/* ---- --dry-run: the plan, and what check would say of its files ---- */

static int copy_inputs(struct ctl_err *err, const json_t *plan, const char *dir);
static int dir_unused(struct ctl_err *err, const char *dir);

/* dry_dir_ok: would the run take dir as a new plan's state directory? */
static int dry_dir_ok(struct ctl_err *err, const char *dir)
{
	char path[PATH_MAX + 16];
	struct run r;
	struct stat st;

	/* Missing: the run makes it. Else the run's own checks, without the lock. */
	if (lstat(dir, &st) != 0 && errno == ENOENT)
		return 1;
	if (!open_dir(err, &r, dir, 0))
		return 0;
	snprintf(path, sizeof(path), "%s/plan.json", r.dir);
	if (access(path, F_OK) == 0)
		return ctl_err_set(err, CTL_E_USAGE, "--state %s already holds a plan", dir);
	return dir_unused(err, dir);
}

/* rm_preview removes the preview directory (two levels: files/N/). */
static void rm_preview(const char *path, int depth)
{
	DIR *d = opendir(path);
	struct dirent *e;

	if (d != NULL) {
		while ((e = readdir(d)) != NULL) {
			char sub[PATH_MAX];
			struct stat st;

			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode) && depth < 3)
				rm_preview(sub, depth + 1);
			else
				unlink(sub);
		}
		closedir(d);
	}
	rmdir(path);
}

/* predict_run lays out a build step unsigned (cmd_build_preview) in pdir. */
static int predict_run(const char *pdir, const json_t *step)
{
	const json_t *argv = json_object_get(step, "argv");
	const char *cmd = json_string_value(json_array_get(argv, 0));
	const char *sub = json_string_value(json_array_get(argv, 1));
	size_t n = json_array_size(argv);
	char **args, *out_path = NULL;
	uint8_t *bytes = NULL;
	size_t len = 0;
	int rc = 0;

	if (strcmp(cmd, "tokens") == 0 && strcmp(sub, "export") == 0) {
		/* Certificates only, read without a login, into the preview. */
		struct ctl_err err;
		char *d = expand(pdir, jstr(step, "output_dir"));

		ctl_err_init(&err);
		if (d == NULL || !clear_dir(&err, d, 1)) {
			free(d);
			return 6;
		}
		free(d);
		rc = spawn(&err, pdir, argv, NULL);
		return rc < 0 ? cmd_fail(&err) : rc;
	}
	if (strcmp(cmd, "build") != 0)
		return 0;
	if ((args = calloc(n + 1, sizeof(*args))) == NULL)
		return 6;
	for (size_t i = 0; i < n; i++)
		if ((args[i] = expand(pdir, json_string_value(json_array_get(argv, i)))) == NULL)
			rc = 6;
	if (rc == 0)
		rc = cmd_build_preview((int)n, args, &bytes, &len);
	if (rc == 0 && (out_path = expand(pdir, jstr(step, "output"))) != NULL) {
		char *slash = strrchr(out_path, '/');
		FILE *f;

		*slash = '\0';
		(void)mkdir(out_path, 0700);
		*slash = '/';
		f = fopen(out_path, "wbx");
		if (f == NULL || fwrite(bytes, 1, len, f) != len || fclose(f) != 0) {
			cmd_print(stderr, "ctlsign: %s: %s\n", out_path, strerror(errno));
			rc = 3;
		}
	}
	free(out_path);
	free(bytes);
	for (size_t i = 0; i < n; i++)
		free(args[i]);
	free(args);
	return rc;
}

/* predict_check judges the previews as `check` would judge the real files. */
static int predict_check(const char *pdir, const char *dir, const json_t *step,
			 const json_t *allow)
{
	const json_t *files = json_object_get(step, "files");
	size_t n = json_array_size(files), nloaded = 0;
	struct ctl_file ctl = { 0 }, itl = { 0 }, *fs = calloc(n, sizeof(*fs));
	const struct ctl_file **fp = calloc(n, sizeof(*fp));
	const char **names = calloc(n, sizeof(*names));
	struct ctl_trust_step *st = calloc(n, sizeof(*st));
	struct ctl_trust_store *store = NULL;
	struct ctl_trust_input in = { 0 };
	struct ctl_err err;
	char *store_dir = NULL, *ctl_path = NULL, *itl_path = NULL, *ctl_name = NULL;
	char *itl_name = NULL;
	X509 *tvs[8] = { NULL };
	size_t ntvs = 0;
	int rc = 0;

	ctl_err_init(&err);
	if (fs == NULL || fp == NULL || names == NULL || st == NULL) {
		rc = 6;
		goto done;
	}
	ctl_path = expand(pdir, jstr(step, "ctl"));
	itl_path = expand(pdir, jstr(step, "itl"));
	ctl_name = expand(dir, jstr(step, "ctl"));
	itl_name = expand(dir, jstr(step, "itl"));
	if ((ctl_path && !ctl_trust_load_held(&ctl, &err, ctl_path, KIND_CTL)) ||
	    (itl_path && !ctl_trust_load_held(&itl, &err, itl_path, KIND_ITL))) {
		rc = cmd_fail(&err);
		goto done;
	}
	if (jstr(step, "store") != NULL && (store_dir = expand(pdir, jstr(step, "store"))) != NULL) {
		if (access(store_dir, F_OK) != 0)
			cmd_print(stdout, "      (the trust store is read from the cluster at the "
				  "step before: not known in a dry run)\n");
		else if ((store = cmd_load_trust_store(&err, store_dir)) == NULL) {
			rc = cmd_fail(&err);
			goto done;
		}
	}
	for (size_t i = 0; i < n; i++) {
		char *path = expand(pdir, json_string_value(json_array_get(files, i)));

		if (path == NULL || !ctl_parse_path(&fs[i], &err, path, PARSE_RECORDS)) {
			free(path);
			rc = err.code != CTL_OK ? cmd_fail(&err) : 6;
			goto done;
		}
		free(path);
		fp[i] = &fs[i];
		nloaded++;
		/* Named as the files will be, in the state directory. */
		if ((names[i] = expand(dir, json_string_value(json_array_get(files, i)))) == NULL) {
			rc = 6;
			goto done;
		}
	}
	{
		size_t k;
		json_t *t;

		json_array_foreach(json_object_get(step, "tvs"), k, t) {
			char *tp = expand(pdir, json_string_value(t));

			if (ntvs < 8 && tp != NULL && (tvs[ntvs] = ctl_load_cert(&err, tp)) != NULL)
				ntvs++;
			free(tp);
			if (err.code != CTL_OK) {
				rc = cmd_fail(&err);
				goto done;
			}
		}
	}
	in = (struct ctl_trust_input){ ctl_path ? &ctl : NULL, itl_path ? &itl : NULL,
				       ctl_name, itl_name, store, store_dir, tvs, ntvs, fp,
				       names, n, 0 };
	if (!ctl_trust_plan(st, &err, &in)) {
		rc = cmd_fail(&err);
		goto done;
	}
	for (size_t k = 0; k < n; k++) {
		cmd_print(stdout, "      predicted for %s:\n", names[st[k].file]);
		for (int c = 0; c < CTL_NPHONES; c++) {
			char line[CTL_REASON_MAX + 128];

			cmd_trust_line(line, sizeof(line), c, &st[k].phone[c]);
			cmd_print(stdout, "        %s\n", line);
		}
	}
	/* Where the run would stop: a class that does not take it, not accepted. */
	for (size_t k = 0; k < n; k++)
		for (int c = 0; c < CTL_NPHONES; c++) {
			int code = refusal(st[k].phone[c].verdict, c);
			size_t a;
			json_t *cls;

			json_array_foreach(allow, a, cls)
				if (strcmp(json_string_value(cls), ctl_phone_name((enum ctl_phone)c)) == 0)
					code = 0;
			if (code > rc)
				rc = code;
		}
done:
	for (size_t k = 0; k < ntvs; k++)
		X509_free(tvs[k]);
	free(ctl_name);
	free(itl_name);
	for (size_t i = 0; i < nloaded; i++) {
		ctl_file_cleanup(&fs[i]);
		free((char *)names[i]);
	}
	ctl_file_cleanup(&ctl);
	ctl_file_cleanup(&itl);
	ctl_trust_store_free(store);
	free(store_dir);
	free(ctl_path);
	free(itl_path);
	free(fs);
	free(fp);
	free(names);
	free(st);
	return rc;
}

int mig_dry_run(const json_t *plan, const char *dir)
{
	const json_t *steps = json_object_get(plan, "steps"), *st;
	size_t i, total = json_array_size(steps);
	char pdir[PATH_MAX];
	const char *tmp = getenv("TMPDIR");
	int broken = 0, worst = 0, rc;

	{
		struct ctl_err err;

		ctl_err_init(&err);
		if (!dry_dir_ok(&err, dir))
			return cmd_fail(&err);
	}
	/* Previews live in a private directory of their own, removed at the end. */
	if ((size_t)snprintf(pdir, sizeof(pdir), "%s/ctlsign-dry-run.XXXXXX",
			     tmp != NULL && tmp[0] == '/' ? tmp : "/tmp") > STATE_DIR_MAX) {
		struct ctl_err err;

		ctl_err_init(&err);
		ctl_err_set(&err, CTL_E_USAGE, "TMPDIR: a path longer than %d bytes", STATE_DIR_MAX);
		return cmd_fail(&err);
	}
	if (mkdtemp(pdir) == NULL) {
		struct ctl_err err;

		ctl_err_init(&err);
		ctl_err_set(&err, CTL_E_IO, "%s: %s", pdir, strerror(errno));
		return cmd_fail(&err);
	}
	{
		char files[PATH_MAX + 8];
		struct ctl_err err;

		ctl_err_init(&err);
		snprintf(files, sizeof(files), "%s/files", pdir);
		if (mkdir(files, 0700) != 0 || !copy_inputs(&err, plan, pdir)) {
			rm_preview(pdir, 0);
			return err.code != CTL_OK ? cmd_fail(&err) : 3;
		}
	}
	print_head(plan);
	/* The world as the run will find it first (read only). */
	{
		struct run r = { .dir = pdir, .plan = (json_t *)plan, .lock_fd = -1 };
		struct ctl_err err;

		ctl_err_init(&err);
		r.state = json_pack("{s:i, s:{}}", "next", 1, "served");
		if (r.state != NULL && jstr(plan, "served_now") != NULL)
			json_object_set_new(json_object_get(r.state, "served"), "expected",
					    json_string(jstr(plan, "served_now")));
		if (r.state == NULL || !world_ok(&err, &r)) {
			rc = err.code != CTL_OK ? cmd_fail(&err) : 6;
			broken = r.changed ? MIG_EXIT_CHANGED : rc;
			cmd_print(stdout, "  (the run would stop here, before its first step)\n");
		}
		json_decref(r.state);
	}
	json_array_foreach(steps, i, st) {
		const char *kind = jstr(st, "kind");

		print_step(dir, st, total, " ");
		if (broken)
			continue;
		if (strcmp(kind, "run") == 0 && (rc = predict_run(pdir, st)) != 0) {
			cmd_print(stdout, "      (this step would fail as above: the rest is not "
				  "predicted)\n");
			broken = rc;
		} else if (strcmp(kind, "check") == 0) {
			int c = predict_check(pdir, dir, st, json_object_get(plan, "allow"));

			if (c == 11 || c == 12 || c == 13) {
				cmd_print(stdout, "      predicted: not published (exit %d) unless "
					  "--allow-stranded names each class above that does not "
					  "take it\n", c);
				if (c > worst)
					worst = c;
			} else if (c != 0) {
				broken = c;
			}
		}
	}
	rm_preview(pdir, 0);
	/* The dry run's status is the run's first stop it can foresee. */
	return broken ? broken : worst;
}

/*
 * dir_unused: a new plan's directory holds nothing, but what a start
 * that stopped before its first step left there (lock, files/ with
 * inputs/ only, state.json without a plan).
 */
static int dir_unused(struct ctl_err *err, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int ok = 1;

	if (d == NULL)
		return ctl_err_set(err, CTL_E_IO, "--state %s: %s", dir, strerror(errno));
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    strcmp(e->d_name, "lock") != 0 && strcmp(e->d_name, "files") != 0 &&
		    strcmp(e->d_name, "state.json") != 0)
			ok = 0;
	closedir(d);
	if (!ok)
		return ctl_err_set(err, CTL_E_USAGE, "--state %s: not empty, and holds no plan: "
				   "give a new or empty directory", dir);
	return 1;
}

/*
 * copy_inputs copies the plan's inputs (held files, certificates) into
 * dir/files/inputs/, each checked against the SHA-256 it had when the
 * plan was made.
 */
static int copy_inputs(struct ctl_err *err, const json_t *plan, const char *dir)
{
	const char *name;
	json_t *v;
	char d[PATH_MAX];

	if ((size_t)snprintf(d, sizeof(d), "%s/files/inputs", dir) >= sizeof(d))
		return ctl_err_set(err, CTL_E_USAGE, "%s: the state directory's path is too long",
				   dir);
	if (!clear_dir(err, d, 1))
		return 0;
	json_object_foreach(json_object_get(plan, "inputs"), name, v) {
		const char *from = json_string_value(json_object_get(v, "from"));
		char *to = expand(dir, name), sum[65];
		uint8_t *data = NULL;
		size_t len = 0;
		int ok = to != NULL && ctl_read_file(err, from, CTL_MAX_FILE, &data, &len) &&
			 ctl_write_atomic(err, to, data, len, 0600) && mig_sha256_file(err, to, sum);

		free(data);
		free(to);
		if (!ok)
			return err->code != CTL_OK ? 0 : ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		if (strcmp(sum, json_string_value(json_object_get(v, "sha256"))) != 0)
			return ctl_err_set(err, CTL_E_USAGE, "%s changed while the plan was made: "
					   "make it again", from);
	}
	return 1;
}

int mig_start(json_t *plan, const char *dir)
{
	struct run r = { 0 };
	struct ctl_err err;
	char files[PATH_MAX];
	int rc;

	ctl_err_init(&err);
	r.lock_fd = -1;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		ctl_err_set(&err, CTL_E_IO, "--state %s: %s", dir, strerror(errno));
		json_decref(plan);
		return cmd_fail(&err);
	}
	if (!open_dir(&err, &r, dir, 1))
		goto fail;
	snprintf(files, sizeof(files), "%s/plan.json", r.dir);
	if (access(files, F_OK) == 0) {
		ctl_err_set(&err, CTL_E_USAGE, "--state %s already holds a plan: continue it with "
			    "`ctlsign migrate resume --state %s`, or give a new directory", dir, dir);
		goto fail;
	}
	/* Empty, but for what an earlier start that stopped left: the lock, files/inputs/. */
	if (!dir_unused(&err, r.dir))
		goto fail;
	snprintf(files, sizeof(files), "%s/files", r.dir);
	if (mkdir(files, 0700) != 0 && errno != EEXIST) {
		ctl_err_set(&err, CTL_E_IO, "%s: %s", files, strerror(errno));
		goto fail;
	}
	if (!copy_inputs(&err, plan, r.dir))
		goto fail;
	r.plan = plan;
	plan = NULL;
	r.state = json_pack("{s:i, s:i, s:{}, s:{}, s:O}", "format_version", MIG_FORMAT_VERSION,
			    "next", 1, "files", "served", "allow",
			    json_object_get(r.plan, "allow"));
	if (r.state == NULL) {
		ctl_err_set(&err, CTL_E_INTERNAL, "out of memory");
		goto fail;
	}
	/* What the nodes serve now must be what the phones hold (--ctl), or nothing. */
	{
		const char *held = jstr(r.plan, "served_now");

		if (held != NULL)
			json_object_set_new(json_object_get(r.state, "served"), "expected",
					    json_string(held));
		if (!world_ok(&err, &r)) {
			rc = cmd_fail(&err);
			close_run(&r);
			return r.changed ? MIG_EXIT_CHANGED : rc;
		}
	}
	/* The state first: a directory with a plan always has its state. */
	if (!save_state(&err, &r) || !save_json(&err, r.dir, "plan.json", r.plan))
		goto fail;
	cmd_print(stdout, "migrate %s: the plan is in %s\n", jstr(r.plan, "plan"), r.dir);
	rc = run_steps(&r, 0);
	close_run(&r);
	return rc;
fail:
	json_decref(plan);
	close_run(&r);
	return cmd_fail(&err);
}

int mig_resume(const char *dir, unsigned long confirm, const char *const *allow,
	       size_t nallow)
{
	struct run r = { 0 };
	struct ctl_err err;
	int rc;

	ctl_err_init(&err);
	if (!open_dir(&err, &r, dir, 1) || !load_run(&err, &r))
		goto fail;
	{
		json_int_t next = json_integer_value(json_object_get(r.state, "next"));
		const json_t *st = json_array_get(json_object_get(r.plan, "steps"), (size_t)next - 1);
		char key[24];

		if (nallow > 0 && strcmp(jstr(st, "kind") ? jstr(st, "kind") : "", "check") != 0) {
			ctl_err_set(&err, CTL_E_USAGE, "--allow-stranded is for the check the plan "
				    "stopped at; step %lld is not a check", (long long)next);
			goto fail;
		}
		if (confirm != 0 && confirm != (unsigned long)next) {
			ctl_err_set(&err, CTL_E_USAGE, "--confirm %lu: the plan waits at step %lld, "
				    "not %lu (`ctlsign migrate status --state %s`)", confirm,
				    (long long)next, confirm, dir);
			goto fail;
		}
		snprintf(key, sizeof(key), "%lld", (long long)next);
		for (size_t i = 0; i < nallow; i++) {
			json_t *at = json_object_get(r.state, "allow_at"), *list;

			if (at == NULL) {
				at = json_object();
				json_object_set_new(r.state, "allow_at", at);
			}
			if ((list = json_object_get(at, key)) == NULL) {
				list = json_array();
				json_object_set_new(at, key, list);
			}
			if (!allowed(&r, allow[i], (long)next))
				json_array_append_new(list, json_string(allow[i]));
		}
	}
	/* The world first: the inputs, the files built, what the nodes serve. */
	if (!inputs_ok(&err, &r) || !world_ok(&err, &r)) {
		/* Not a failure of ours to retry: something changed under the plan. */
		rc = cmd_fail(&err);
		close_run(&r);
		return r.changed ? MIG_EXIT_CHANGED : rc;
	}
	if (!save_state(&err, &r))
		goto fail;
	rc = run_steps(&r, confirm);
	close_run(&r);
	return rc;
fail:
	close_run(&r);
	return cmd_fail(&err);
}

int mig_status(const char *dir)
{
	struct run r = { 0 };
	struct ctl_err err;
	json_t *served = json_object(), *v;
	const char *name, *expected, *publishing;
	int valid, rc = 0;

	ctl_err_init(&err);
	/* Read only, unlocked: it may look while a run goes on. */
	if (!open_dir(&err, &r, dir, 0) || !load_run(&err, &r)) {
		json_decref(served);
		close_run(&r);
		return cmd_fail(&err);
	}
	mig_plan_print(r.plan, r.state, r.dir);
	expected = jstr(json_object_get(r.state, "served"), "expected");
	publishing = jstr(json_object_get(r.state, "served"), "publishing");
	if (!observe(&err, &r, served, NULL, NULL, NULL, &valid)) {
		rc = cmd_fail(&err);
	} else {
		cmd_print(stdout, "served now (CTLFile.tlv, SHA-256):\n");
		json_object_foreach(served, name, v) {
			const char *got = json_string_value(v);

			cmd_print(stdout, "  %s: %s%s\n", name, got,
				  expected != NULL && strcmp(expected, got) == 0 ?
				  " (as the plan expects)" :
				  publishing != NULL && (strcmp(publishing, got) == 0 ||
							 strcmp(publishing, "*") == 0) ?
				  " (being published: the step that publishes it is not finished)" :
				  expected == NULL ? "" : " (NOT what the plan expects)");
		}
	}
	json_decref(served);
	close_run(&r);
	return rc;
}
