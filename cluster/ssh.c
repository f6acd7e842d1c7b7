/*
 * ssh.c - one node's SSH session: connect, a switch over every host-key
 * verdict (libssh examples/knownhosts.c), authentication, and the SFTP,
 * exec and admin-CLI channels the operations use.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "node.h"
#include "util.h"

/* known_hosts is read and appended by every worker: one at a time. */
static pthread_mutex_t known_hosts_mu = PTHREAD_MUTEX_INITIALIZER;

/*
 * The watchdog (node.h). libssh 0.10's sftp_packet_read retries a read
 * that timed out, so sftp_open/read/write/unlink/stat/close never return
 * when a node stops answering after the handshake. One thread watches
 * the sessions in an SFTP call; past the deadline it shuts the socket
 * down, through a dup of the descriptor that lives until the session is
 * closed (so it never touches a descriptor number libssh closed and the
 * process reused), and libssh's blocked poll wakes to a dead connection.
 * It never touches the ssh_session itself: that belongs to its worker.
 */
static pthread_mutex_t wd_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wd_cv = PTHREAD_COND_INITIALIZER;
static struct cl_sess *wd_list;
static int wd_stopping, wd_started;
static pthread_t wd_tid;

/* Past the timeout: calls with a timeout of their own fail first. */
#define WD_SLACK_MS 1000

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *wd_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&wd_mu);
	while (!wd_stopping) {
		long long now = mono_ms();
		struct timespec until;

		for (struct cl_sess *s = wd_list; s != NULL; s = s->wd_next)
			if (s->wd_deadline != 0 && now > s->wd_deadline && !s->wd_cut) {
				shutdown(s->wd_fd, SHUT_RDWR);
				s->wd_cut = 1;
			}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 200L * 1000 * 1000;
		if (until.tv_nsec >= 1000L * 1000 * 1000) {
			until.tv_sec++;
			until.tv_nsec -= 1000L * 1000 * 1000;
		}
		pthread_cond_timedwait(&wd_cv, &wd_mu, &until);
	}
	pthread_mutex_unlock(&wd_mu);
	return NULL;
}

int cl_watchdog_start(void)
{
	int ok = 1;

	pthread_mutex_lock(&wd_mu);
	if (!wd_started) {
		wd_stopping = 0;
		ok = pthread_create(&wd_tid, NULL, wd_main, NULL) == 0;
		wd_started = ok;
	}
	pthread_mutex_unlock(&wd_mu);
	return ok;
}

void cl_watchdog_stop(void)
{
	pthread_mutex_lock(&wd_mu);
	if (!wd_started) {
		pthread_mutex_unlock(&wd_mu);
		return;
	}
	wd_stopping = 1;
	pthread_cond_signal(&wd_cv);
	pthread_mutex_unlock(&wd_mu);
	pthread_join(wd_tid, NULL);
	wd_started = 0;
}

static int wd_register(struct cl_sess *s)
{
	int fd = fcntl(ssh_get_fd(s->ssh), F_DUPFD_CLOEXEC, 0);

	if (fd < 0)
		return 0;
	pthread_mutex_lock(&wd_mu);
	s->wd_fd = fd;
	s->wd_on = 1;
	s->wd_cut = 0;
	s->wd_deadline = 0;
	s->wd_next = wd_list;
	wd_list = s;
	pthread_mutex_unlock(&wd_mu);
	return 1;
}

static void wd_unregister(struct cl_sess *s)
{
	if (!s->wd_on)
		return;
	pthread_mutex_lock(&wd_mu);
	for (struct cl_sess **p = &wd_list; *p != NULL; p = &(*p)->wd_next)
		if (*p == s) {
			*p = s->wd_next;
			break;
		}
	pthread_mutex_unlock(&wd_mu);
	close(s->wd_fd);
	s->wd_on = 0;
	s->wd_fd = -1;
}

/* wd_arm starts (or, on progress, restarts) the clock of one SFTP call. */
static void wd_arm(struct cl_sess *s)
{
	if (!s->wd_on)
		return;
	pthread_mutex_lock(&wd_mu);
	s->wd_deadline = mono_ms() + (long long)s->timeout * 1000 + WD_SLACK_MS;
	pthread_mutex_unlock(&wd_mu);
}

static void wd_disarm(struct cl_sess *s)
{
	if (!s->wd_on)
		return;
	pthread_mutex_lock(&wd_mu);
	s->wd_deadline = 0;
	pthread_mutex_unlock(&wd_mu);
}

static int wd_was_cut(struct cl_sess *s)
{
	int cut;

	if (!s->wd_on)
		return 0;
	pthread_mutex_lock(&wd_mu);
	cut = s->wd_cut;
	pthread_mutex_unlock(&wd_mu);
	return cut;
}

int cl_sess_alive(struct cl_sess *s)
{
	return s->ssh != NULL && ssh_is_connected(s->ssh) && !wd_was_cut(s);
}

/* The SFTP channel can end alone (its server process died, or the node
 * closed it): the connection then stays up, its channel does not. */
static int sftp_chan_ok(struct cl_sess *s)
{
	return s->sftp != NULL && s->sftp->channel != NULL &&
	       ssh_channel_is_open(s->sftp->channel) &&
	       !ssh_channel_is_eof(s->sftp->channel);
}

int cl_sftp_alive(struct cl_sess *s)
{
	return cl_sess_alive(s) && sftp_chan_ok(s);
}

/*
 * The detail often comes from the node (its SFTP or CLI text, libssh's
 * copy of its disconnect message): kept as it is, like every text the
 * library hands back; what prints it sanitizes it once (trustlist/text.h).
 */
static int remote_err(struct ctl_err *err, const struct cl_node *n,
		      enum ctl_err_kind kind, const char *what, const char *detail)
{
	ctl_err_setk(err, CTL_E_REMOTE, kind, "node %s (%s:%d): %s%s%s", n->name,
		    n->host, n->port, what, detail ? ": " : "",
		    detail ? detail : "");
	return 0;
}

static char *fingerprint(ssh_session ssh, char *type, size_t type_len)
{
	ssh_key key = NULL;
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *fp = NULL;

	if (ssh_get_server_publickey(ssh, &key) != SSH_OK)
		return NULL;
	snprintf(type, type_len, "%s", ssh_key_type_to_char(ssh_key_type(key)));
	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) == 0)
		fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
	ssh_clean_pubkey_hash(&hash);
	ssh_key_free(key);
	return fp;
}

/*
 * known_hosts decides which servers are the nodes, so a file another
 * user can write is refused, as OpenSSH's StrictModes refuses one: the
 * file and the directory holding it (where it can be replaced, or
 * planted while missing) must belong to us or root and be writable by
 * nobody else. libssh opens the file by name itself, so it gets the
 * resolved name of the very file checked, and the check is repeated
 * right before every read and write (check_host_key).
 */
/* kh_safe: obj ("known_hosts", "its directory D") may be trusted. */
static int kh_safe(struct ctl_err *err, const char *path, const char *obj,
		   const char *name, const struct stat *st)
{
	return ctl_owner_safe(err, path, obj, name, st,
			      "another user could change which host keys are trusted");
}

/*
 * kh_missing: where a known_hosts that does not exist yet would be
 * created (libssh appends to it, making its directory if needed):
 * its resolved directory + its name; or, with no directory either,
 * the absolute name. A symbolic link to a missing file or directory is
 * refused: whoever creates its target would choose the keys. A file
 * that is there now was created since realpath looked (another worker's
 * --accept-new, another ssh): *appeared is set, err is not, and the
 * caller looks again.
 */
static char *kh_missing(struct ctl_err *err, const char *path, int *appeared)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	char *dir = slash == path ? strdup("/") :
		    slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
	char *rdir = NULL, *out = NULL, cwd[PATH_MAX];
	struct stat st;
	int bad_name, there;

	if (dir == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		return NULL;
	}
	/* One look only: a second could see what the first did not. */
	bad_name = *base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0;
	there = !bad_name && lstat(path, &st) == 0;
	*appeared = there && !S_ISLNK(st.st_mode);
	if (*appeared)
		goto done;
	if (there || bad_name) {
		ctl_err_set(err, CTL_E_USAGE, "%s: known_hosts is a symbolic link to "
			    "a missing file, or not a file name", path);
		goto done;
	}
	rdir = realpath(dir, NULL);
	if (rdir != NULL) {
		out = cl_join_path(rdir, base);
	} else if (errno != ENOENT) {
		ctl_err_set(err, CTL_E_IO, "%s: cannot resolve its directory: %s",
			    path, strerror(errno));
		goto done;
	} else if (lstat(dir, &st) == 0) {
		ctl_err_set(err, CTL_E_USAGE, "%s: the directory of known_hosts is a "
			    "symbolic link to a missing directory", path);
		goto done;
	} else if (path[0] == '/') {
		out = strdup(path);
	} else if (getcwd(cwd, sizeof(cwd)) != NULL) {
		out = cl_join_path(cwd, path);
	} else {
		ctl_err_set(err, CTL_E_IO, "%s: cannot tell the current directory: %s",
			    path, strerror(errno));
		goto done;
	}
	if (out == NULL)
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
done:
	free(rdir);
	free(dir);
	return out;
}

static int kh_check(struct ctl_err *err, const char *path, char **out_real)
{
	char *real, *dir = NULL, *slash, obj[PATH_MAX + 32];
	struct stat st;
	int fd = -1, ok = 0, missing = 0;

	if (out_real != NULL)
		*out_real = NULL;
	/*
	 * Missing: where it would be created. Created meanwhile (the workers
	 * check it in parallel while one of them records a key): look again.
	 */
	for (int tries = 0;; tries++) {
		int appeared = 0;

		real = realpath(path, NULL);
		if (real != NULL)
			break;
		if (errno != ENOENT)
			return ctl_err_set(err, CTL_E_IO, "%s: cannot resolve: %s", path,
					   strerror(errno));
		real = kh_missing(err, path, &appeared);
		if (real != NULL) {
			missing = 1;
			break;
		}
		if (!appeared)
			return 0;
		if (tries == 2)
			return ctl_err_set(err, CTL_E_IO, "%s: known_hosts keeps "
					   "appearing and vanishing while it is checked",
					   path);
	}
	if (!missing) {
		/* Without blocking: a FIFO must not wait for a writer. */
		fd = open(real, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 || fstat(fd, &st) != 0) {
			ctl_err_set(err, CTL_E_IO, "%s: cannot open: %s", path,
				    strerror(errno));
			goto done;
		}
		if (!S_ISREG(st.st_mode)) {
			ctl_err_set(err, CTL_E_IO, "%s: known_hosts is not a regular file "
				    "(%s)", path, ctl_file_kind(st.st_mode));
			goto done;
		}
		snprintf(obj, sizeof(obj), "known_hosts%s%s",
			 strcmp(real, path) != 0 ? " " : "",
			 strcmp(real, path) != 0 ? real : "");
		if (!kh_safe(err, path, obj, real, &st))
			goto done;
	}
	dir = strdup(real);
	if (dir == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		goto done;
	}
	slash = strrchr(dir, '/'); /* real is absolute */
	slash[slash == dir ? 1 : 0] = '\0';
	if (stat(dir, &st) == 0) {
		snprintf(obj, sizeof(obj), "its directory %s", dir);
		if (!kh_safe(err, path, obj, dir, &st))
			goto done;
	} else if (errno != ENOENT) {
		ctl_err_set(err, CTL_E_IO, "%s: cannot look at its directory %s: %s",
			    path, dir, strerror(errno));
		goto done;
	}
	ok = 1;
done:
	if (fd >= 0)
		close(fd);
	free(dir);
	if (ok && out_real != NULL)
		*out_real = real;
	else
		free(real);
	return ok;
}

/*
 * cl_known_hosts_check is kh_check whose refusals carry the kind
 * CTL_K_HOSTKEY_REFUSED: an unusable known_hosts means no host key can
 * be checked (out of memory stays unclassified).
 */
int cl_known_hosts_check(struct ctl_err *err, const char *path, char **out_real)
{
	int fresh = err != NULL && err->code == CTL_OK;

	if (kh_check(err, path, out_real))
		return 1;
	if (fresh && err->kind == CTL_K_NONE && err->code != CTL_E_INTERNAL)
		err->kind = CTL_K_HOSTKEY_REFUSED;
	return 0;
}

/*
 * kh_recheck: right before libssh reads or writes known_hosts, the
 * file passes the check again and is still the one connected with.
 */
static int kh_recheck(struct ctl_err *err, const char *known_hosts,
		      const char *real)
{
	char *now = NULL;
	int same;

	if (!cl_known_hosts_check(err, known_hosts, &now))
		return 0;
	same = strcmp(now, real) == 0;
	free(now);
	if (!same)
		return ctl_err_setk(err, CTL_E_USAGE, CTL_K_HOSTKEY_REFUSED,
				    "%s: known_hosts moved while connecting (it was "
				    "%s); refusing", known_hosts, real);
	return 1;
}

/* kh_escaped: real with every '%' doubled (libssh expands %d, %u...). */
static char *kh_escaped(const char *real)
{
	size_t n = strlen(real) + 1;
	char *out, *q;

	for (const char *p = real; *p; p++)
		n += *p == '%';
	out = malloc(n);
	if (out == NULL)
		return NULL;
	q = out;
	for (const char *p = real; *p; p++) {
		if (*p == '%')
			*q++ = '%';
		*q++ = *p;
	}
	*q = '\0';
	return out;
}

static int check_host_key(struct cl_sess *s, struct ctl_err *err,
			  const char *known_hosts, const char *kh_real,
			  int accept_new)
{
	const struct cl_node *n = s->node;
	enum ssh_known_hosts_e state;
	char type[32] = "", *fp;
	int ok = 0;

	fp = fingerprint(s->ssh, type, sizeof(type));
	if (fp == NULL)
		return remote_err(err, n, CTL_K_PROTOCOL, "no host key offered", NULL);
	pthread_mutex_lock(&known_hosts_mu);
	state = kh_recheck(err, known_hosts, kh_real) ?
		ssh_session_is_known_server(s->ssh) : SSH_KNOWN_HOSTS_ERROR;
	switch (state) {
	case SSH_KNOWN_HOSTS_OK:
		ok = 1;
		break;
	case SSH_KNOWN_HOSTS_CHANGED:
		ctl_err_setk(err, CTL_E_REMOTE, CTL_K_HOSTKEY_CHANGED,
			    "node %s (%s:%d): HOST KEY CHANGED: it offers %s %s but %s "
			    "holds another key for it; refusing (someone may be "
			    "intercepting); if the change is expected, remove the old "
			    "entry (ssh-keygen -R '%s%s%s%.0d' -f %s)",
			    n->name, n->host, n->port, type, fp, known_hosts,
			    n->port != 22 ? "[" : "", n->host, n->port != 22 ? "]:" : "",
			    n->port != 22 ? n->port : 0, known_hosts);
		break;
	case SSH_KNOWN_HOSTS_OTHER:
		ctl_err_setk(err, CTL_E_REMOTE, CTL_K_HOSTKEY_CHANGED,
			    "node %s (%s:%d): HOST KEY CHANGED: it offers a %s key "
			    "(%s) but %s holds a key of another type for it; refusing",
			    n->name, n->host, n->port, type, fp, known_hosts);
		break;
	case SSH_KNOWN_HOSTS_NOT_FOUND:
	case SSH_KNOWN_HOSTS_UNKNOWN:
		if (!accept_new) {
			ctl_err_setk(err, CTL_E_REMOTE, CTL_K_HOSTKEY_UNKNOWN,
				    "node %s (%s:%d): host key unknown: %s %s is not in "
				    "%s; check the fingerprint on the node (ssh-keygen -lf "
				    "on its host key) and rerun with --accept-new to record it",
				    n->name, n->host, n->port, type, fp, known_hosts);
			break;
		}
		/* Trust on first use writes only to a file that passes. */
		if (!kh_recheck(err, known_hosts, kh_real))
			break;
		if (ssh_session_update_known_hosts(s->ssh) != SSH_OK) {
			ctl_err_setk(err, CTL_E_IO, CTL_K_HOSTKEY_REFUSED,
				     "node %s: cannot record its host key in %s: %s",
				    n->name, known_hosts, ssh_get_error(s->ssh));
			break;
		}
		ok = 1;
		break;
	case SSH_KNOWN_HOSTS_ERROR:
	default:
		ctl_err_setk(err, CTL_E_REMOTE, CTL_K_HOSTKEY_REFUSED,
			     "node %s: cannot check its host key in %s: %s",
			    n->name, known_hosts, ssh_get_error(s->ssh));
		break;
	}
	pthread_mutex_unlock(&known_hosts_mu);
	ssh_string_free_char(fp);
	s->hostkey_ok = ok;
	return ok;
}

static int authenticate(struct cl_sess *s, struct ctl_err *err,
			const struct cl_opts *opts)
{
	const struct cl_node *n = s->node;
	ssh_key key = NULL;
	int rc = SSH_AUTH_DENIED;

	switch (n->auth) {
	case CL_AUTH_AGENT:
		rc = ssh_userauth_agent(s->ssh, NULL);
		break;
	case CL_AUTH_KEY:
		if (ssh_pki_import_privkey_file(n->identity, NULL, NULL, NULL,
						&key) != SSH_OK)
			return ctl_err_set(err, CTL_E_IO,
					   "node %s: cannot load key %s (an encrypted key "
					   "belongs in an agent: auth = agent)",
					   n->name, n->identity);
		rc = ssh_userauth_publickey(s->ssh, NULL, key);
		ssh_key_free(key);
		break;
	case CL_AUTH_PASSWORD:
		if (opts->password == NULL)
			return ctl_err_set(err, CTL_E_USAGE,
					   "node %s: password authentication without a password",
					   n->name);
		rc = ssh_userauth_password(s->ssh, NULL, opts->password);
		break;
	}
	if (rc != SSH_AUTH_SUCCESS)
		return remote_err(err, n, CTL_K_AUTH, "authentication refused",
				  ssh_get_error(s->ssh));
	return 1;
}

int cl_sess_open(struct cl_sess *s, struct ctl_err *err,
		 const struct cl_config *cfg, const struct cl_opts *opts,
		 const struct cl_node *node, const char *user)
{
	const char *kh = opts->known_hosts ? opts->known_hosts : cfg->known_hosts;
	long timeout = cfg->timeout;
	unsigned port = (unsigned)node->port;
	char *kh_real = NULL, *kh_opt = NULL;
	int one = 1, ok = 0;
	bool no = false;

	memset(s, 0, sizeof(*s));
	s->node = node;
	s->timeout = cfg->timeout;
	s->cmd_timeout = cfg->cmd_timeout;
	if (!cl_known_hosts_check(err, kh, &kh_real))
		return 0;
	kh_opt = kh_escaped(kh_real);
	s->ssh = ssh_new();
	if (s->ssh == NULL || kh_opt == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		goto done;
	}
	/*
	 * NODELAY: libssh leaves Nagle on, costing ~40 ms per request/reply
	 * pair. PROCESS_CONFIG off: ~/.ssh/config must not redirect a node.
	 * The global known_hosts is not consulted: the file named is the
	 * whole truth. libssh expands '~' and '%' in the known_hosts name:
	 * kh_opt is absolute, with '%' escaped, so it reads kh_real.
	 */
	if (ssh_options_set(s->ssh, SSH_OPTIONS_HOST, node->host) < 0 ||
	    ssh_options_set(s->ssh, SSH_OPTIONS_PORT, &port) < 0 ||
	    ssh_options_set(s->ssh, SSH_OPTIONS_USER, user) < 0 ||
	    ssh_options_set(s->ssh, SSH_OPTIONS_TIMEOUT, &timeout) < 0 ||
	    ssh_options_set(s->ssh, SSH_OPTIONS_NODELAY, &one) < 0 ||
	    ssh_options_set(s->ssh, SSH_OPTIONS_PROCESS_CONFIG, &no) < 0 ||
	    ssh_options_set(s->ssh, SSH_OPTIONS_KNOWNHOSTS, kh_opt) < 0 ||
	    ssh_options_set(s->ssh, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null") < 0) {
		remote_err(err, node, CTL_K_CONNECT, "bad SSH option", ssh_get_error(s->ssh));
		goto done;
	}
	if (ssh_connect(s->ssh) != SSH_OK) {
		remote_err(err, node, CTL_K_CONNECT, "unreachable", ssh_get_error(s->ssh));
		goto done;
	}
	if (!wd_register(s)) {
		ctl_err_set(err, CTL_E_INTERNAL, "node %s: cannot watch its connection",
			    node->name);
		goto done;
	}
	ok = check_host_key(s, err, kh, kh_real, opts->accept_new) &&
	     authenticate(s, err, opts);
done:
	free(kh_opt);
	free(kh_real);
	return ok;
}

void cl_sess_close(struct cl_sess *s)
{
	/* Closing the SFTP channel waits for the node too. */
	wd_arm(s);
	if (s->sftp != NULL)
		sftp_free(s->sftp);
	if (s->ssh != NULL) {
		ssh_disconnect(s->ssh);
		ssh_free(s->ssh);
	}
	wd_unregister(s);
	s->sftp = NULL;
	s->ssh = NULL;
}

static int sftp_start(struct cl_sess *s, struct ctl_err *err)
{
	s->sftp = sftp_new(s->ssh);
	if (s->sftp == NULL)
		return remote_err(err, s->node, CTL_K_CONNECT, "cannot open SFTP", ssh_get_error(s->ssh));
	if (sftp_init(s->sftp) != SSH_OK)
		return remote_err(err, s->node, CTL_K_CONNECT, "cannot start SFTP",
				  wd_was_cut(s) ? "no answer (timeout)" : ssh_get_error(s->ssh));
	return 1;
}

int cl_sftp_start(struct cl_sess *s, struct ctl_err *err)
{
	int ok;

	wd_arm(s);
	ok = sftp_start(s, err);
	wd_disarm(s);
	return ok;
}

static int sftp_fail(struct cl_sess *s, struct ctl_err *err, const char *what,
		     const char *path)
{
	static const char *const codes[] = {
		"ok", "end of file", "no such file", "permission denied",
		"failure (disk full, or refused)", "bad message", "no connection",
		"connection lost", "operation unsupported",
	};
	int code = s->sftp != NULL ? sftp_get_error(s->sftp) : -1;
	enum ctl_err_kind kind = CTL_K_CONNECT;
	char detail[300];

	if (wd_was_cut(s)) {
		snprintf(detail, sizeof(detail), "%s: no answer within %d s (timeout)",
			 path, s->timeout);
		kind = CTL_K_TIMEOUT;
	} else if (s->sftp != NULL && ssh_is_connected(s->ssh) && !sftp_chan_ok(s)) {
		snprintf(detail, sizeof(detail), "%s: the node closed the SFTP session",
			 path);
	} else if (code > 0 && (size_t)code < sizeof(codes) / sizeof(codes[0]) &&
		   ssh_is_connected(s->ssh)) {
		snprintf(detail, sizeof(detail), "%s: %s", path, codes[code]);
		kind = code == SSH_FX_BAD_MESSAGE || code == SSH_FX_OP_UNSUPPORTED ?
		       CTL_K_PROTOCOL : CTL_K_REFUSED;
	} else {
		snprintf(detail, sizeof(detail), "%s: %s", path,
			 ssh_is_connected(s->ssh) ? ssh_get_error(s->ssh) :
			 "connection lost");
	}
	return remote_err(err, s->node, kind, what, detail);
}

static int sftp_read_all(struct cl_sess *s, struct ctl_err *err, const char *path,
			 uint8_t **out, size_t *out_len, int *out_missing)
{
	sftp_file f;
	uint8_t *buf = NULL, *grown;
	size_t len = 0, cap = 0;
	ssize_t n;

	*out = NULL;
	*out_len = 0;
	*out_missing = 0;
	f = sftp_open(s->sftp, path, O_RDONLY, 0);
	if (f == NULL) {
		if (sftp_get_error(s->sftp) == SSH_FX_NO_SUCH_FILE) {
			*out_missing = 1;
			return 1;
		}
		return sftp_fail(s, err, "cannot open", path);
	}
	for (;;) {
		if (cap - len < 32768) {
			if (cap >= CL_MAX_REMOTE_FILE) {
				free(buf);
				sftp_close(f);
				return remote_err(err, s->node, CTL_K_PROTOCOL, "file too large", path);
			}
			cap = cap ? cap * 2 : 65536;
			grown = realloc(buf, cap);
			if (grown == NULL) {
				free(buf);
				sftp_close(f);
				return ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
			}
			buf = grown;
		}
		wd_arm(s); /* progress restarts the clock */
		n = sftp_read(f, buf + len, cap - len);
		if (n == 0)
			break;
		if (n < 0) {
			free(buf);
			sftp_close(f);
			return sftp_fail(s, err, "cannot read", path);
		}
		len += (size_t)n;
	}
	sftp_close(f);
	*out = buf;
	*out_len = len;
	return 1;
}

int cl_sftp_read(struct cl_sess *s, struct ctl_err *err, const char *path,
		 uint8_t **out, size_t *out_len, int *out_missing)
{
	int ok;

	wd_arm(s);
	ok = sftp_read_all(s, err, path, out, out_len, out_missing);
	wd_disarm(s);
	return ok;
}

static int sftp_write_new(struct cl_sess *s, struct ctl_err *err, const char *path,
			  const uint8_t *data, size_t len,
			  void (*midway)(void *), void *midway_arg)
{
	sftp_file f;
	size_t done = 0, half = len / 2;

	f = sftp_open(s->sftp, path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (f == NULL)
		return sftp_fail(s, err, "cannot create", path);
	while (done < len) {
		size_t want = len - done;
		ssize_t n;

		if (midway != NULL && done < half && want > half - done)
			want = half - done;
		if (want > 32768)
			want = 32768;
		wd_arm(s);
		n = sftp_write(f, data + done, want);
		if (n <= 0) {
			sftp_fail(s, err, "cannot write", path);
			goto fail;
		}
		done += (size_t)n;
		if (midway != NULL && done == half) {
			wd_disarm(s); /* the test hook waits as long as it likes */
			midway(midway_arg);
			midway = NULL;
		}
	}
	wd_arm(s);
	if (sftp_extension_supported(s->sftp, "fsync@openssh.com", "1") &&
	    sftp_fsync(f) != 0) {
		sftp_fail(s, err, "cannot flush", path);
		goto fail;
	}
	if (sftp_close(f) != SSH_NO_ERROR) {
		f = NULL;
		sftp_fail(s, err, "cannot close", path);
		goto fail;
	}
	return 1;
fail:
	wd_arm(s);
	if (f != NULL)
		sftp_close(f);
	if (cl_sess_alive(s))
		sftp_unlink(s->sftp, path);
	return 0;
}

int cl_sftp_write_new(struct cl_sess *s, struct ctl_err *err, const char *path,
		      const uint8_t *data, size_t len,
		      void (*midway)(void *), void *midway_arg)
{
	int ok;

	wd_arm(s);
	ok = sftp_write_new(s, err, path, data, len, midway, midway_arg);
	wd_disarm(s);
	return ok;
}

int cl_sftp_unlink(struct cl_sess *s, struct ctl_err *err, const char *path)
{
	int ok = 1;

	wd_arm(s);
	if (sftp_unlink(s->sftp, path) != 0 &&
	    sftp_get_error(s->sftp) != SSH_FX_NO_SUCH_FILE)
		ok = sftp_fail(s, err, "cannot remove", path);
	wd_disarm(s);
	return ok;
}

int cl_sftp_exists(struct cl_sess *s, struct ctl_err *err, const char *path)
{
	sftp_attributes a;
	int there = 1;

	wd_arm(s);
	a = sftp_stat(s->sftp, path);
	if (a != NULL)
		sftp_attributes_free(a);
	else if (sftp_get_error(s->sftp) == SSH_FX_NO_SUCH_FILE)
		there = 0;
	else
		there = sftp_fail(s, err, "cannot look at", path) - 1;
	wd_disarm(s);
	return there;
}

/*
 * The raw SFTP packets of cl_sftp_replace: u32 length, then the body.
 * Strings are u32 length-prefixed. Replies are read into a bounded
 * buffer and parsed with the cursor.
 */
enum { FXP_INIT = 1, FXP_VERSION = 2, FXP_STATUS = 101, FXP_EXTENDED = 200 };

static int put_string(struct cbb *b, const char *str)
{
	return cbb_add_u32(b, (uint32_t)strlen(str)) &&
	       cbb_add_bytes(b, str, strlen(str));
}

static int chan_write_all(ssh_channel ch, const uint8_t *p, size_t n)
{
	while (n > 0) {
		int w = ssh_channel_write(ch, p, (uint32_t)n);

		if (w <= 0)
			return 0;
		p += w;
		n -= (size_t)w;
	}
	return 1;
}

static int chan_read_all(ssh_channel ch, uint8_t *p, size_t n, int timeout_ms)
{
	while (n > 0) {
		int r = ssh_channel_read_timeout(ch, p, (uint32_t)n, 0, timeout_ms);

		if (r <= 0)
			return 0; /* error, EOF or timeout */
		p += r;
		n -= (size_t)r;
	}
	return 1;
}

static int send_packet(ssh_channel ch, struct cbb *body)
{
	uint8_t *b = NULL, *pkt = NULL;
	size_t blen = 0, plen = 0;
	struct cbb frame;
	int ok;

	if (!cbb_finish(body, &b, &blen))
		return 0;
	ok = cbb_init(&frame, blen + 4) && cbb_add_u32(&frame, (uint32_t)blen) &&
	     cbb_add_bytes(&frame, b, blen) && cbb_finish(&frame, &pkt, &plen) &&
	     chan_write_all(ch, pkt, plen);
	if (!ok)
		cbb_cleanup(&frame);
	free(b);
	free(pkt);
	return ok;
}

/* recv_packet reads one packet body (at most 64 KB) into buf. */
static int recv_packet(ssh_channel ch, uint8_t *buf, size_t cap, size_t *out_len,
		       int timeout_ms)
{
	uint8_t hdr[4];
	struct cbs c;
	uint32_t n;

	if (!chan_read_all(ch, hdr, 4, timeout_ms))
		return 0;
	cbs_init(&c, hdr, 4, 0);
	if (!cbs_get_u32(&c, &n) || n == 0 || n > cap)
		return 0;
	*out_len = n;
	return chan_read_all(ch, buf, n, timeout_ms);
}

int cl_sftp_replace(struct cl_sess *s, struct ctl_err *err, const char *from,
		    const char *to)
{
	uint8_t *buf = NULL;
	ssh_channel ch = NULL;
	struct cbb b;
	struct cbs c, msg;
	size_t len = 0;
	uint32_t id, code = 0, mlen;
	uint8_t type;
	int ok = 0, ms = s->timeout * 1000;
	char detail[400];

	if (!sftp_extension_supported(s->sftp, "posix-rename@openssh.com", "1"))
		return remote_err(err, s->node, CTL_K_PROTOCOL,
				  "the SFTP server cannot replace a file atomically "
				  "(no posix-rename@openssh.com)", NULL);
	buf = malloc(65536);
	ch = ssh_channel_new(s->ssh);
	if (buf == NULL || ch == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		goto done;
	}
	if (ssh_channel_open_session(ch) != SSH_OK ||
	    ssh_channel_request_subsystem(ch, "sftp") != SSH_OK) {
		remote_err(err, s->node, CTL_K_CONNECT, "cannot open SFTP for the rename",
			   ssh_get_error(s->ssh));
		goto done;
	}
	if (!cbb_init(&b, 16) || !cbb_add_u8(&b, FXP_INIT) || !cbb_add_u32(&b, 3) ||
	    !send_packet(ch, &b) || !recv_packet(ch, buf, 65536, &len, ms) ||
	    buf[0] != FXP_VERSION) {
		remote_err(err, s->node, CTL_K_CONNECT, "SFTP handshake for the rename failed",
			   ssh_is_connected(s->ssh) ? ssh_get_error(s->ssh) :
			   "connection lost");
		goto done;
	}
	if (!cbb_init(&b, 256) || !cbb_add_u8(&b, FXP_EXTENDED) ||
	    !cbb_add_u32(&b, 1) || !put_string(&b, "posix-rename@openssh.com") ||
	    !put_string(&b, from) || !put_string(&b, to) || !send_packet(ch, &b) ||
	    !recv_packet(ch, buf, 65536, &len, ms)) {
		remote_err(err, s->node, CTL_K_CONNECT, "rename not answered",
			   ssh_is_connected(s->ssh) ? ssh_get_error(s->ssh) :
			   "connection lost");
		goto done;
	}
	cbs_init(&c, buf, len, 0);
	if (!cbs_get_u8(&c, &type) || type != FXP_STATUS || !cbs_get_u32(&c, &id) ||
	    id != 1 || !cbs_get_u32(&c, &code) || !cbs_get_u32(&c, &mlen) ||
	    !cbs_get_bytes(&c, &msg, mlen)) {
		remote_err(err, s->node, CTL_K_PROTOCOL, "malformed SFTP reply to the rename", NULL);
		goto done;
	}
	if (code != 0) {
		snprintf(detail, sizeof(detail), "%s -> %s: %.*s (status %u)", from,
			 to, (int)(cbs_len(&msg) > 200 ? 200 : cbs_len(&msg)),
			 (const char *)cbs_data(&msg), code);
		remote_err(err, s->node, CTL_K_REFUSED, "rename refused", detail);
		goto done;
	}
	ok = 1;
done:
	if (ch != NULL) {
		ssh_channel_close(ch);
		ssh_channel_free(ch);
	}
	free(buf);
	return ok;
}

/* read_until reads from ch, appending to *buf, until done() says so. */
static int append(char **buf, size_t *len, size_t *cap, const char *p, size_t n)
{
	char *grown;

	if (*len + n + 1 > *cap) {
		size_t want = (*len + n + 1) * 2;

		if (want > CL_MAX_REMOTE_FILE)
			return 0;
		grown = realloc(*buf, want);
		if (grown == NULL)
			return 0;
		*buf = grown;
		*cap = want;
	}
	memcpy(*buf + *len, p, n);
	*len += n;
	(*buf)[*len] = '\0';
	return 1;
}

int cl_exec(struct cl_sess *s, struct ctl_err *err, const char *cmd,
	    char **out, int *out_status)
{
	ssh_channel ch = ssh_channel_new(s->ssh);
	char chunk[4096], *buf = NULL;
	size_t len = 0, cap = 0;
	int ok = 0, r;
	long long start = mono_ms();

	*out = NULL;
	if (ch == NULL)
		return ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
	if (ssh_channel_open_session(ch) != SSH_OK ||
	    ssh_channel_request_exec(ch, cmd) != SSH_OK) {
		remote_err(err, s->node, CTL_K_CONNECT, "cannot run a command", ssh_get_error(s->ssh));
		goto done;
	}
	if (!append(&buf, &len, &cap, "", 0))
		goto oom;
	/* Each read is bounded by the timeout (silence), all of them by cmd_timeout. */
	while ((r = ssh_channel_read_timeout(ch, chunk, sizeof(chunk), 0,
					     s->timeout * 1000)) > 0) {
		if (!append(&buf, &len, &cap, chunk, (size_t)r))
			goto oom;
		if (mono_ms() - start > (long long)s->cmd_timeout * 1000) {
			char what[200];

			snprintf(what, sizeof(what), "`%.100s` still running after %d s "
				 "(command_timeout)", cmd, s->cmd_timeout);
			remote_err(err, s->node, CTL_K_TIMEOUT, what, NULL);
			goto done;
		}
	}
	/*
	 * At its EOF, what it wrote to stderr (not parsed) is already here:
	 * drained without waiting, since libssh calls a channel with unread
	 * stderr not at EOF (that was reported as a timeout).
	 */
	while (r == 0 && ssh_channel_read_timeout(ch, chunk, sizeof(chunk), 1, 0) > 0)
		;
	if (r < 0 || !ssh_channel_is_eof(ch)) {
		remote_err(err, s->node, r < 0 ? CTL_K_CONNECT : CTL_K_TIMEOUT,
			   "command output cut short", r < 0 ? ssh_get_error(s->ssh) : "timeout");
		goto done;
	}
	ssh_channel_send_eof(ch);
	*out_status = ssh_channel_get_exit_status(ch);
	*out = buf;
	buf = NULL;
	ok = 1;
	goto done;
oom:
	ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
done:
	free(buf);
	ssh_channel_close(ch);
	ssh_channel_free(ch);
	return ok;
}

/*
 * The CUCM admin CLI. It is an interactive program on a pty, and it does
 * not behave like a pipe:
 *   - It pages long output and waits for a key, unless `set cli
 *     pagination off` was given in the session. Its two pager prompts,
 *     as the platform (VOS) CLI prints them (Cisco's own test automation
 *     answers them: CiscoTestAutomation/unicon.plugins,
 *     src/unicon/plugins/vos/patterns.py and docs/user_guide/services/
 *     service_dialogs vos; `set cli pagination off` and its answer
 *     "Automatic pagination is turned off": Cisco Emergency Responder CLI
 *     Guide 12.5(1)SU3, same platform CLI):
 *       ESC[1mPress <enter> for 1 line, <space> for one page, or <q> to quitESC[0mESC[K
 *       ESC[1m\r\noptions: q=quit, n=next, p=prev, b=begin, e=end (lines 1 - 20 of 56) : ESC[0m
 *     Both read one key. We turn pagination off when the session starts
 *     and ask for a tall pty; a pager that still shows is paged through
 *     (space, or n; q only once the last line was shown).
 *   - It asks confirmations. Each command is given the exact questions it
 *     may ask (shared/seeds/002 transcripts); only those are answered.
 *     Anything else that waits for input stops the command with its text.
 *   - Commands may run for minutes (service restarts) while printing
 *     progress: the timeout bounds silence, command_timeout the whole.
 */
#define CLI_PROMPT "admin:"
#define PAGER_PRESS "Press <enter> for 1 line, <space> for one page, or <q> to quit"
#define PAGER_OPTIONS "options: q=quit, n=next, p=prev, b=begin, e=end (lines "

/*
 * esc_len: length of the escape sequence at p, 0 if there is none or it
 * is not complete, as ECMA-48 shapes them: a CSI is ESC [, parameter
 * bytes 0x30-0x3F, intermediate bytes 0x20-0x2F, one final byte
 * 0x40-0x7E; any other escape is ESC, intermediates 0x20-0x2F, one final
 * byte 0x30-0x7E (ESC ( B, ESC 7, ESC M). No line end is ever part of one.
 */
static size_t esc_len(const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i;

	if (n < 2 || u[0] != 0x1b)
		return 0;
	if (u[1] == '[') {
		i = 2;
		while (i < n && u[i] >= 0x30 && u[i] <= 0x3f)
			i++;
		while (i < n && u[i] >= 0x20 && u[i] <= 0x2f)
			i++;
		return i < n && u[i] >= 0x40 && u[i] <= 0x7e ? i + 1 : 0;
	}
	i = 1;
	while (i < n && u[i] >= 0x20 && u[i] <= 0x2f)
		i++;
	return i < n && u[i] >= 0x30 && u[i] <= 0x7e ? i + 1 : 0;
}

/* strip_esc removes escape sequences from s (len bytes) in place; returns the new length. */
static size_t strip_esc(char *s, size_t len)
{
	size_t r = 0, w = 0;

	while (r < len) {
		size_t e = esc_len(s + r, len - r);

		if (e > 0) {
			r += e;
			continue;
		}
		s[w++] = s[r++];
	}
	s[w] = '\0';
	return w;
}

/* trim_tail: len without trailing spaces, tabs and CSI sequences of s. */
static size_t trim_tail(const char *s, size_t len)
{
	for (;;) {
		size_t before = len;

		while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		/* An escape sequence ends the text: look back for its ESC. */
		for (size_t k = len >= 16 ? len - 16 : 0; k < len; k++)
			if (s[k] == '\x1b' && esc_len(s + k, len - k) == len - k) {
				len = k;
				break;
			}
		if (len == before)
			return len;
	}
}

enum cli_stop { STOP_ADMIN, STOP_PAGER_PRESS, STOP_PAGER_OPTIONS, STOP_CONFIRM, STOP_NONE };

/*
 * tail_lines copies the last lines of buf (ESC sequences removed,
 * trailing blanks trimmed) into t; lines[] point at the last nl of them,
 * the last one possibly unterminated. Blank lines are skipped: where the
 * CLI puts an empty line between a question's two lines is of no matter.
 */
static size_t tail_lines(char *t, size_t cap, const char *buf, size_t len,
			 const char **lines, size_t want)
{
	size_t from = len > cap - 1 ? len - (cap - 1) : 0, n, got = 0;
	char *end;

	/* A NUL would end a line early: "QUESTION\0junk" is not QUESTION. */
	if (memchr(buf + from, '\0', len - from) != NULL) {
		for (size_t i = 0; i < want; i++)
			lines[i] = NULL;
		return 0;
	}
	memcpy(t, buf + from, len - from);
	n = strip_esc(t, len - from);
	n = trim_tail(t, n);
	t[n] = '\0';
	end = t + n;
	while (got < want && end > t) {
		char *start = end;

		while (start > t && start[-1] != '\n')
			start--;
		if (start < end) {
			char *e = end;

			while (e > start && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			*e = '\0';
			lines[want - 1 - got] = start;
			got++;
		}
		end = start > t ? start - 1 : t;
		if (start == t)
			break;
	}
	for (size_t i = 0; i < want - got; i++)
		lines[i] = NULL;
	return got;
}

/* confirm_matches: the last lines of buf are question (lines split at '\n'). */
static int confirm_matches(const char *buf, size_t len, const char *question)
{
	char t[1024], q[512];
	const char *lines[8], *ql[8];
	size_t nq = 0;
	char *p;

	if (snprintf(q, sizeof(q), "%s", question) >= (int)sizeof(q))
		return 0;
	for (p = q; nq < 8;) {
		char *nl = strchr(p, '\n');

		ql[nq++] = p;
		if (nl == NULL)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	/* The question's last line is what the CLI waits on: no newline after it. */
	if (len == 0 || buf[len - 1] == '\n')
		return 0;
	if (memchr(buf, '\0', len) != NULL ||
	    tail_lines(t, sizeof(t), buf, len, lines, nq) != nq)
		return 0;
	for (size_t i = 0; i < nq; i++)
		if (strcmp(lines[i], ql[i]) != 0)
			return 0;
	return 1;
}

/*
 * prompt_at: does buf end with the `admin:` prompt, at the start of its
 * line (after a line end or at the start of buf; escape sequences may
 * come before it on its line, blanks and escape sequences after it)?
 * *at is where its line starts: what comes before is the answer. The
 * same text in the middle of a line is output (a subject "CN=ops
 * admin:"), never the prompt. Carriage returns were dropped on reading.
 */
static int prompt_at(const char *buf, size_t len, size_t *at)
{
	size_t pl = strlen(CLI_PROMPT), n = trim_tail(buf, len), p;

	if (n < pl || memcmp(buf + n - pl, CLI_PROMPT, pl) != 0)
		return 0;
	p = n - pl;
	for (;;) {
		size_t before = p;

		for (size_t k = p >= 32 ? p - 32 : 0; k < p; k++)
			if (buf[k] == '\x1b' && esc_len(buf + k, p - k) == p - k) {
				p = k;
				break;
			}
		if (p == before)
			break;
	}
	if (p > 0 && buf[p - 1] != '\n')
		return 0;
	*at = p;
	return 1;
}

/*
 * what_waits: what the output ends with. For an options pager, *more
 * says whether lines are left to show (B < C in "lines A - B of C").
 */
static enum cli_stop what_waits(const char *buf, size_t len, int *more)
{
	char t[1024];
	const char *last[1];
	size_t n = trim_tail(buf, len), at;
	unsigned long a, b, c;

	if (prompt_at(buf, len, &at))
		return STOP_ADMIN;
	if (n == 0 || buf[n - 1] == '\n' ||
	    tail_lines(t, sizeof(t), buf, len, last, 1) != 1)
		return STOP_NONE;
	if (strcmp(last[0], PAGER_PRESS) == 0)
		return STOP_PAGER_PRESS;
	if (strncmp(last[0], PAGER_OPTIONS, strlen(PAGER_OPTIONS)) == 0 &&
	    sscanf(last[0] + strlen(PAGER_OPTIONS), "%lu - %lu of %lu) :", &a, &b, &c) == 3) {
		*more = b < c;
		return STOP_PAGER_OPTIONS;
	}
	return STOP_NONE;
}

/*
 * cut_pager drops the pager prompt (and what the CLI drew before it)
 * from buf; 0 if its text is not there as one piece (then no key may be
 * sent: the same prompt would be seen again and again).
 */
static int cut_pager(char *buf, size_t *len, const char *text, int options)
{
	char *at = NULL;

	for (char *p = buf; (p = strstr(p, text)) != NULL; p++)
		at = p;
	if (at == NULL)
		return 0;
	*len = (size_t)(at - buf);
	*len = trim_tail(buf, *len);
	if (options && *len > 0 && buf[*len - 1] == '\n') {
		(*len)--;
		*len = trim_tail(buf, *len);
	}
	buf[*len] = '\0';
	return 1;
}

/* last_said: the end of what the CLI printed, one line, for a message. */
static void last_said(char *dst, size_t cap, const char *buf, size_t len)
{
	char t[256];
	size_t n, from = len > sizeof(t) - 1 ? len - (sizeof(t) - 1) : 0;
	size_t keep = cap - 1 < 80 ? cap - 1 : 80;

	memcpy(t, buf + from, len - from);
	n = strip_esc(t, len - from);
	n = trim_tail(t, n);
	while (n > 0 && t[n - 1] == '\n')
		n--;
	t[n] = '\0';
	from = n > keep ? n - keep : 0;
	/* n - from <= keep < cap */
	memcpy(dst, t + from, n - from);
	dst[n - from] = '\0';
	for (char *q = dst; *q; q++)
		if (*q == '\n')
			*q = '|';
}

static long long cli_now_ms(void)
{
	return mono_ms();
}

/*
 * cli_wait reads until the CLI shows its `admin:` prompt, paging through
 * pagers and answering the given confirmations (at most 3 answers).
 * cmd names the command in messages (NULL at login).
 */
static int cli_wait(struct cl_cli *cli, struct ctl_err *err, const char *cmd,
		    const struct cl_confirm *confirm, size_t nconfirm,
		    char **buf, size_t *len, size_t *cap)
{
	const struct cl_node *n = cli->sess->node;
	long long start = cli_now_ms(), heard = start;
	long long silence = (long long)cli->sess->timeout * 1000;
	long long total = (long long)cli->sess->cmd_timeout * 1000;
	char chunk[4096], said[100];
	int answered = 0;
	/*
	 * After a key to the options pager the CLI ends its prompt line
	 * ("\r\n"): that line end is the pager's, not the output's.
	 */
	int eat_nl = 0;

	for (;;) {
		int more = 0, r;
		long long now;
		enum cli_stop stop = what_waits(*buf, *len, &more);
		const char *key = NULL;

		if (stop == STOP_ADMIN)
			return 1;
		if ((stop == STOP_PAGER_PRESS || stop == STOP_PAGER_OPTIONS) &&
		    !cut_pager(*buf, len, stop == STOP_PAGER_PRESS ? PAGER_PRESS :
			       PAGER_OPTIONS, stop == STOP_PAGER_OPTIONS))
			return remote_err(err, n, CTL_K_PROTOCOL,
					  "the admin CLI's pager prompt is garbled", cmd);
		if (stop == STOP_PAGER_PRESS) {
			key = " ";
		} else if (stop == STOP_PAGER_OPTIONS) {
			/* q only after the last line: it would drop the rest. */
			key = more ? "n" : "q";
			eat_nl = 1;
		} else if (*len > 0 && (*buf)[*len - 1] != '\n') {
			for (size_t i = 0; i < nconfirm && key == NULL; i++)
				if (confirm_matches(*buf, *len, confirm[i].question)) {
					if (answered++ == 3)
						return remote_err(err, n, CTL_K_PROMPT,
								  "the admin CLI keeps asking", cmd);
					if (!append(buf, len, cap, "\n", 1))
						return ctl_err_set(err, CTL_E_INTERNAL,
								   "out of memory");
					key = confirm[i].answer;
				}
		}
		if (key != NULL) {
			if (!chan_write_all(cli->ch, (const uint8_t *)key, strlen(key)))
				return remote_err(err, n, CTL_K_CONNECT,
						  "the admin CLI connection broke", cmd);
			heard = cli_now_ms();
			continue;
		}
		now = cli_now_ms();
		if (now - start > total) {
			char what[200];

			last_said(said, sizeof(said), *buf, *len);
			snprintf(what, sizeof(what), "`%.100s` still running after %d s "
				 "(command_timeout); it last said", cmd ? cmd : "login",
				 cli->sess->cmd_timeout);
			return remote_err(err, n, CTL_K_TIMEOUT, what, said);
		}
		if (now - heard > silence) {
			char what[160];

			last_said(said, sizeof(said), *buf, *len);
			/* Silence after a line with no end: the CLI waits for an answer. */
			if (*len > 0 && (*buf)[*len - 1] != '\n' && said[0] != '\0')
				return remote_err(err, n, CTL_K_PROMPT,
						  "the admin CLI asks a question ctlsign does "
						  "not answer (nothing typed)", said);
			snprintf(what, sizeof(what), "no admin: prompt from the CLI after "
				 "%d s of silence (timeout)%s%.80s%s; it last said",
				 cli->sess->timeout, cmd ? ", running `" : "", cmd ? cmd : "",
				 cmd ? "`" : "");
			return remote_err(err, n, CTL_K_TIMEOUT, what, said);
		}
		{
			long long wait = silence - (now - heard), left = total - (now - start);

			if (left < wait)
				wait = left;
			if (wait > 1000)
				wait = 1000;
			if (wait < 1)
				wait = 1;
			r = ssh_channel_read_timeout(cli->ch, chunk, sizeof(chunk), 0, (int)wait);
		}
		/*
		 * Nothing on stdout: what waits on stderr is drained without
		 * waiting (libssh calls a channel with unread stderr not at
		 * EOF, and each read would return at once until the timeout).
		 */
		if (r == 0)
			while (ssh_channel_read_timeout(cli->ch, chunk, sizeof(chunk), 1, 0) > 0)
				;
		if (r < 0 || (r == 0 && ssh_channel_is_eof(cli->ch)))
			return remote_err(err, n, CTL_K_CONNECT, "the admin CLI closed",
					  ssh_is_connected(cli->sess->ssh) ?
					  ssh_get_error(cli->sess->ssh) : "connection lost");
		if (r == 0)
			continue;
		heard = cli_now_ms();
		/* append refuses to grow past CL_MAX_REMOTE_FILE: say so. */
		if (*len + (size_t)r >= CL_MAX_REMOTE_FILE / 2)
			return remote_err(err, n, CTL_K_PROTOCOL,
					  "the admin CLI's answer is too long", cmd);
		for (int i = 0; i < r; i++) {
			char ch = chunk[i];

			if (ch == '\r')
				continue;
			/* The answer is text; a NUL would silently end it early. */
			if (ch == '\0')
				return remote_err(err, n, CTL_K_PROTOCOL,
						  "the admin CLI sent a NUL byte", cmd ? cmd : "login");
			if (eat_nl && ch == '\n') {
				eat_nl = 0;
				continue;
			}
			if (eat_nl && ch != '\x1b' && ch != '[' && ch != ';' &&
			    !(ch >= '0' && ch <= '9') && ch != 'm' && ch != 'K')
				eat_nl = 0;
			if (!append(buf, len, cap, &ch, 1))
				return ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		}
	}
}

/* cli_send_wait: send cmd, wait for the prompt; the raw answer in *out. */
static int cli_send_wait(struct cl_cli *cli, struct ctl_err *err, const char *cmd,
			 const struct cl_confirm *confirm, size_t nconfirm,
			 char **out, size_t *out_len)
{
	char *buf = NULL, line[1024];
	size_t len = 0, cap = 0;
	int n;

	*out = NULL;
	n = snprintf(line, sizeof(line), "%s\n", cmd);
	if (n < 0 || (size_t)n >= sizeof(line))
		return ctl_err_set(err, CTL_E_INTERNAL, "CLI command too long");
	if (!append(&buf, &len, &cap, "", 0))
		return ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
	if (!chan_write_all(cli->ch, (const uint8_t *)line, (size_t)n)) {
		free(buf);
		return remote_err(err, cli->sess->node, CTL_K_CONNECT,
				  "the admin CLI connection broke", NULL);
	}
	if (!cli_wait(cli, err, cmd, confirm, nconfirm, &buf, &len, &cap)) {
		free(buf);
		return 0;
	}
	*out = buf;
	*out_len = len;
	return 1;
}

int cl_cli_open(struct cl_cli *cli, struct ctl_err *err, struct cl_sess *s)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int ok;

	cli->sess = s;
	cli->ch = ssh_channel_new(s->ssh);
	if (cli->ch == NULL)
		return ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
	/*
	 * Wide, so the CLI does not wrap the lines we parse; tall, so that a
	 * pager that ignores `set cli pagination off` shows few pages.
	 */
	if (ssh_channel_open_session(cli->ch) != SSH_OK ||
	    ssh_channel_request_pty_size(cli->ch, "vt100", 250, 1000) != SSH_OK ||
	    ssh_channel_request_shell(cli->ch) != SSH_OK)
		return remote_err(err, s->node, CTL_K_CONNECT, "cannot open the admin CLI",
				  ssh_get_error(s->ssh));
	if (!append(&buf, &len, &cap, "", 0))
		return ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
	/* The login banner, then the first prompt: nothing is answered here. */
	ok = cli_wait(cli, err, NULL, NULL, 0, &buf, &len, &cap);
	free(buf);
	buf = NULL;
	/*
	 * Pagination off for this session. What it answers does not matter:
	 * a CLI that keeps paging is paged through by cli_wait.
	 */
	ok = ok && cli_send_wait(cli, err, "set cli pagination off", NULL, 0, &buf, &len);
	free(buf);
	return ok;
}

int cl_cli_run(struct cl_cli *cli, struct ctl_err *err, const char *cmd,
	       const struct cl_confirm *confirm, size_t nconfirm, char **out)
{
	char *buf = NULL, *nl;
	size_t len = 0, at;

	*out = NULL;
	if (!cli_send_wait(cli, err, cmd, confirm, nconfirm, &buf, &len))
		return 0;
	/*
	 * Drop the prompt's line in the bytes as read, before any escape is
	 * removed (removing one could change what is the prompt), then the
	 * escapes; the answer must still end with its line end. Then the
	 * echoed command (a terminal echoes it).
	 */
	if (!prompt_at(buf, len, &at)) {
		free(buf);
		return remote_err(err, cli->sess->node, CTL_K_PROTOCOL,
				  "the admin CLI's answer does not end with its prompt", cmd);
	}
	len = strip_esc(buf, at);
	if (len > 0 && buf[len - 1] != '\n') {
		free(buf);
		return remote_err(err, cli->sess->node, CTL_K_PROTOCOL,
				  "the admin CLI's answer ends malformed before its prompt", cmd);
	}
	if (strncmp(buf, cmd, strlen(cmd)) == 0 && (nl = strchr(buf, '\n')) != NULL)
		memmove(buf, nl + 1, strlen(nl + 1) + 1);
	*out = buf;
	return 1;
}

void cl_cli_close(struct cl_cli *cli)
{
	if (cli->ch != NULL) {
		ssh_channel_close(cli->ch);
		ssh_channel_free(cli->ch);
	}
	cli->ch = NULL;
}
