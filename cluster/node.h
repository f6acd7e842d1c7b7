/*
 * node.h - private to cluster/: one SSH session to one node (host key
 * checked against known_hosts, then authenticated), its SFTP, exec and
 * CUCM admin CLI channels, and TFTP reads. A session belongs to one
 * thread at a time; libssh sessions are not shared across threads.
 */
#ifndef CTLSIGN_NODE_H
#define CTLSIGN_NODE_H

#include <libssh/libssh.h>
#include <libssh/sftp.h>
#include <stddef.h>
#include <stdint.h>

#include "cluster.h"

#define CL_MAX_REMOTE_FILE (16u * 1024 * 1024)

struct cl_sess {
	ssh_session ssh;
	sftp_session sftp;
	const struct cl_node *node;
	int timeout;         /* seconds of silence a read may cost */
	int cmd_timeout;     /* seconds a CLI or exec command may run in all */
	int hostkey_ok;
	/*
	 * The watchdog (ssh.c): libssh 0.10's SFTP calls wait for their
	 * reply forever (they retry a timed-out read), so a node that stops
	 * answering after connecting would hang its worker. While an SFTP
	 * call runs, wd_deadline is set; past it the watchdog shuts the
	 * socket down (through wd_fd, our own dup of it) and the call fails.
	 * All wd_ fields are guarded by the watchdog's mutex.
	 */
	int wd_fd;           /* -1 or 0 before registration: see wd_on */
	int wd_on;           /* registered with the watchdog */
	int wd_cut;          /* the watchdog cut this session */
	long long wd_deadline; /* ms, CLOCK_MONOTONIC; 0: idle */
	struct cl_sess *wd_next;
};

/*
 * cl_watchdog_start / cl_watchdog_stop: the thread that cuts sessions
 * whose SFTP call overran the timeout; once per process (cl_global_init).
 */
int cl_watchdog_start(void);
void cl_watchdog_stop(void);

/*
 * cl_sftp_exists tells whether path exists (1), does not (0), or the
 * question failed (-1, err set).
 */
int cl_sftp_exists(struct cl_sess *s, struct ctl_err *err, const char *path);

/*
 * cl_sess_open connects to node as user, checks the host key against
 * known_hosts (recording it when opts->accept_new and it is unknown),
 * and authenticates. Errors are CTL_E_REMOTE and name the node.
 * Release with cl_sess_close (also after a failure).
 */
int cl_sess_open(struct cl_sess *s, struct ctl_err *err,
		 const struct cl_config *cfg, const struct cl_opts *opts,
		 const struct cl_node *node, const char *user);
void cl_sess_close(struct cl_sess *s);
/*
 * cl_sess_alive tells whether s is still connected (and was not cut by
 * the watchdog): whether asking the node anything more makes sense.
 */
int cl_sess_alive(struct cl_sess *s);
/* cl_join_path: dir + "/" + name (no doubled '/'), malloc'd; NULL if out of memory. */
char *cl_join_path(const char *dir, const char *name);

/*
 * cl_sftp_alive: s is alive and its SFTP channel too (the channel can
 * end alone, the connection staying up): whether SFTP calls make sense.
 */
int cl_sftp_alive(struct cl_sess *s);

/* cl_sftp_start opens the SFTP subsystem on s. */
int cl_sftp_start(struct cl_sess *s, struct ctl_err *err);

/*
 * cl_sftp_read reads path (bounded) into a malloc'd *out. A missing file
 * sets *out_missing and returns 1 with *out NULL.
 */
int cl_sftp_read(struct cl_sess *s, struct ctl_err *err, const char *path,
		 uint8_t **out, size_t *out_len, int *out_missing);

/*
 * cl_sftp_write_new creates path (must not exist), writes data, flushes
 * it to disk when the server offers fsync@openssh.com, and closes it.
 * midway, if not NULL, is called after the first half is written (the
 * test hook of docs/cluster.md). On failure the partial file is removed
 * when the connection still allows it.
 */
int cl_sftp_write_new(struct cl_sess *s, struct ctl_err *err, const char *path,
		      const uint8_t *data, size_t len,
		      void (*midway)(void *), void *midway_arg);

/* cl_sftp_unlink removes path; a missing file is not an error. */
int cl_sftp_unlink(struct cl_sess *s, struct ctl_err *err, const char *path);

/*
 * cl_sftp_replace renames from over to atomically (posix-rename@openssh.com,
 * spoken on a channel of its own because libssh 0.10 has no call for
 * it; its sftp_rename refuses to replace an existing file on OpenSSH).
 */
int cl_sftp_replace(struct cl_sess *s, struct ctl_err *err, const char *from,
		    const char *to);

/* cl_exec runs cmd on an exec channel; output in a malloc'd string. */
int cl_exec(struct cl_sess *s, struct ctl_err *err, const char *cmd,
	    char **out, int *out_status);

/* The CUCM admin CLI: an interactive shell with an `admin:` prompt. */
struct cl_cli {
	ssh_channel ch;
	struct cl_sess *sess;
};
/*
 * A confirmation a command may ask, and what to type. question is the
 * exact text of its last line(s), '\n' between lines (blank lines and
 * trailing blanks do not count); answer is sent as is (with its '\n').
 */
struct cl_confirm {
	const char *question;
	const char *answer;
};
/*
 * cl_cli_open opens an interactive shell with a wide, tall pty on s,
 * waits through the login banner for the first `admin:` prompt, and
 * turns pagination off for the session. Release with cl_cli_close; s
 * must outlive cli.
 */
int cl_cli_open(struct cl_cli *cli, struct ctl_err *err, struct cl_sess *s);
/*
 * cl_cli_run sends cmd and returns what the CLI printed before its next
 * prompt (malloc'd, '\r' and terminal escapes removed, the echoed
 * command line dropped). A pager is paged through; the confirmations in
 * confirm[] (nconfirm of them) are answered; any other question stops
 * the command (CTL_K_PROMPT, the question in the message) once the CLI
 * has been silent for the timeout. Silence longer than the timeout is
 * CTL_K_TIMEOUT, and so is a command still running after cmd_timeout.
 */
int cl_cli_run(struct cl_cli *cli, struct ctl_err *err, const char *cmd,
	       const struct cl_confirm *confirm, size_t nconfirm, char **out);
/* cl_cli_close closes the shell channel; a closed or zeroed cli is fine. */
void cl_cli_close(struct cl_cli *cli);

/*
 * cl_tftp_get reads name from host:port over TFTP (libcurl). A file the
 * server does not have sets *out_missing and returns 1 with *out NULL.
 */
int cl_tftp_get(struct ctl_err *err, const char *host, int port,
		const char *name, int timeout, uint8_t **out, size_t *out_len,
		int *out_missing);


#endif
