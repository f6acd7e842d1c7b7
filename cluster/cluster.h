/*
 * cluster.h - cluster operations over SSH/SFTP/TFTP: the configuration
 * (cluster.conf, INI), node sessions with host-key checking, and the
 * operations behind `ctlsign cluster`: status, set-mode, update-ctl,
 * restart, fetch-certs and the atomic, all-or-nothing distribution of a
 * trust list to every node. docs/cluster.md describes the file and the
 * rules.
 *
 * Like the engine, this library never prints: results come back in
 * per-node report structures, errors in a ctl_err, and progress through
 * a callback the command may render.
 */
#ifndef CTLSIGN_CLUSTER_H
#define CTLSIGN_CLUSTER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum cl_role { CL_ROLE_PUBLISHER, CL_ROLE_SUBSCRIBER, CL_ROLE_TFTP };
enum cl_auth { CL_AUTH_AGENT, CL_AUTH_KEY, CL_AUTH_PASSWORD };
enum cl_restart { CL_RESTART_NONE, CL_RESTART_CLI, CL_RESTART_EXEC };

struct cl_node {
	char *name;
	char *host;
	int port;
	enum cl_role role;
	enum cl_auth auth;
	char *identity;       /* key file for CL_AUTH_KEY */
	char *cli_user;       /* account whose shell is the CUCM admin CLI; NULL: none */
	char *sftp_user;      /* account with SFTP write access to tftp_root; NULL: none */
	char *tftp_root;      /* remote directory the TFTP service serves */
	char *tftp_host;      /* TFTP read-back address; default host */
	int tftp_port;
	enum cl_restart restart;
	char *restart_command; /* CL_RESTART_EXEC: run as restart_user */
	char *restart_user;    /* default sftp_user */
};

struct cl_config {
	char *path;            /* the file it was read from */
	char *known_hosts;     /* absolute or relative to the config's directory */
	int jobs;              /* worker threads, 1..64 */
	int timeout;           /* seconds: connection, silence of any read */
	int cmd_timeout;       /* seconds a CLI or exec command may run in all */
	struct cl_node *nodes;
	size_t nnodes;
};

/*
 * cl_config_load parses the INI file at path into *out (see
 * docs/cluster.md). Unknown keys, missing hosts, a `password` key and
 * duplicate node names are errors naming the line. The file must be a
 * regular file (a FIFO, directory or device is refused at once,
 * CTL_E_IO, without waiting for a writer) of at most 1 MiB. Release
 * with cl_config_cleanup.
 */
int cl_config_load(struct cl_config *out, struct ctl_err *err, const char *path);
/*
 * cl_config_parse_buffer is cl_config_load on len bytes already in
 * memory (not NUL-terminated; a NUL byte is an error), as if read from
 * path: messages name path and relative paths are taken from its
 * directory. Nothing is opened or checked on disk. Release with
 * cl_config_cleanup (after a failure *out is empty).
 */
int cl_config_parse_buffer(struct cl_config *out, struct ctl_err *err,
			   const char *path, const char *buf, size_t len);
/* cl_config_cleanup frees what cl_config_load filled in; cfg is zeroed. */
void cl_config_cleanup(struct cl_config *cfg);

/* cl_config_needs_password tells whether any node authenticates by password. */
int cl_config_needs_password(const struct cl_config *cfg);

/*
 * cl_known_hosts_check decides whether the known_hosts file at path may
 * be trusted, as OpenSSH's StrictModes would: resolved through symbolic
 * links, it must be a regular file (CTL_E_IO otherwise; a FIFO is not
 * waited on) owned by the user or root and not writable by group or
 * others, in a directory owned by the user or root and not writable by
 * group or others (CTL_E_USAGE otherwise, with the chmod or chown that
 * fixes it). A missing file is fine (every key is then unknown) if its
 * directory passes, or does not exist either; a symbolic link to a
 * missing file is not. Called before the file is read or written. If
 * out_real is not NULL it gets (malloc'd, caller frees; NULL on failure)
 * the absolute path, free of symbolic links, of the file checked: the
 * one to hand to libssh.
 */
int cl_known_hosts_check(struct ctl_err *err, const char *path, char **out_real);

struct cl_sum;

/* What a run may do besides the operation itself. */
struct cl_opts {
	const char *known_hosts;  /* overrides the config's; NULL: keep */
	int accept_new;           /* trust and record unknown host keys */
	int jobs;                 /* 0: the config's */
	const char *password;     /* borrowed; for CL_AUTH_PASSWORD nodes */
	/*
	 * cancel: set (by a signal handler) to stop a distribution: before
	 * the switch every node keeps its old file; after it every switched
	 * node is rolled back. Checked between steps. NULL: none.
	 */
	volatile sig_atomic_t *cancel;
	/* progress(arg, node, what): called from worker threads, serialised. */
	void (*progress)(void *arg, const char *node, const char *what);
	void *progress_arg;
	/*
	 * manual(arg, node, name, want): distribute cannot write node (a
	 * CUCM node: a CLI, no sftp_user); a person must put the file there
	 * (docs/cluster.md "Nodes ctlsign cannot write"). Called once per
	 * such node, from the calling thread, before waiting. NULL: none.
	 */
	void (*manual)(void *arg, const struct cl_node *node, const char *name,
		       const struct cl_sum *want);
	void *manual_arg;
	/* manual_wait: seconds to wait for those nodes to serve the file; 0: do not wait. */
	int manual_wait;
};

/* Checksums of one file as a phone or `show ctl` sees them. */
struct cl_sum {
	int present;           /* 0: no file */
	size_t len;
	char md5[33], sha1[41], sha256[65];
};

/* cl_sum_of fills sum with the checksums of data (present = 1). */
void cl_sum_of(struct cl_sum *sum, const uint8_t *data, size_t len);

/* What status found on one node. */
struct cl_status {
	int reachable;         /* SSH connected */
	int hostkey_ok;
	int mode;              /* ClusterSecurityMode: 0, 1; -1 unknown (no CLI) */
	struct cl_sum served;  /* the file as read over TFTP */
	int tftp_ok;           /* TFTP answered (with the file or "not found") */
	int valid;             /* served file parses and verifies */
	int signer;            /* record index of the signer, -1 none */
	char signer_name[256]; /* as the served file has it: raw, unsanitized */
	int problem;           /* SSH, CLI or TFTP failed (not: file invalid) */
	char error[512];       /* first problem, "" if none; raw as signer_name */
	enum ctl_err_kind error_kind; /* its kind */
};

/*
 * cl_status_run fills out[i] for every node (array of cfg->nnodes):
 * connects (host key), asks the CLI for the security mode when the node
 * has one, reads `file` over TFTP and verifies it. *out_identical is 1
 * when every node answered over TFTP and all serve the same bytes (or
 * none has the file), 0 when two that answered differ, -1 when it cannot
 * be told (a node's TFTP did not answer). Returns 1 if every node was
 * reachable with a good host key, 0 with err set otherwise (the report
 * is filled anyway).
 */
int cl_status_run(const struct cl_config *cfg, const struct cl_opts *opts,
		  struct ctl_err *err, struct cl_status *out, int *out_identical,
		  const char *file);

/* Outcome of a distribution on one node. */
enum cl_dist_state {
	CL_DIST_PENDING,     /* not reached */
	CL_DIST_PLANNED,     /* dry run: would change */
	CL_DIST_UNCHANGED,   /* already held the new file */
	CL_DIST_SWITCHED,    /* holds the new file */
	CL_DIST_ABORTED,     /* another node failed before the switch: old file kept */
	CL_DIST_ROLLED_BACK, /* was switched, then restored to the old file */
	CL_DIST_FAILED,      /* this node failed; see error */
	CL_DIST_MANUAL,      /* no write path: waits for a person's step (nothing switched) */
};

struct cl_dist {
	enum cl_dist_state state;
	struct cl_sum old_sum;   /* what the node held before */
	struct cl_sum now_sum;   /* what it holds now (SFTP), after the run */
	int now_known;           /* now_sum could be read */
	struct cl_sum served;    /* what its TFTP service serves after the run */
	int served_known;
	char backup[256];        /* backup file name beside the target, "" none */
	char leftover[256];      /* a temporary file we could not remove, "" none */
	char error[512];
	enum ctl_err_kind error_kind; /* of error */
	int manual;              /* no write path: a person puts the file there */
};

/*
 * cl_distribute puts data (already verified by the caller) at
 * tftp_root/name on every node, all or nothing (docs/cluster.md
 * "Atomic"): every node gets a temporary copy that is read back and
 * compared and a dated backup of its old file, then every node switches
 * by an atomic rename; a failure anywhere rolls the switched nodes back.
 * After the switch each node's TFTP service must serve the new bytes.
 * dry_run stops after reading the old files. out[i] describes node i.
 * A node with a CLI and no sftp_user cannot be written: its old file is
 * read over TFTP, opts->manual is told, and unless opts->manual_wait
 * allows waiting for a person, nothing is switched anywhere (its state
 * is CL_DIST_MANUAL, err kind CTL_K_MANUAL). Waiting, ctlsign polls its
 * TFTP service until it serves the new bytes, then switches the others;
 * past the wait it fails (named) and nothing else is switched.
 * Returns 1 when every node serves the new file; 0 with err set.
 */
int cl_distribute(const struct cl_config *cfg, const struct cl_opts *opts,
		  struct ctl_err *err, struct cl_dist *out, const char *name,
		  const uint8_t *data, size_t len, int dry_run,
		  int restart_services);

/*
 * cl_set_mode runs `utils ctl set-cluster mixed-mode` (mixed = 1) or
 * `... non-secure-mode` on the publisher's CLI, answering its
 * confirmation, then reads ClusterSecurityMode back. *out_mode gets it.
 */
int cl_set_mode(const struct cl_config *cfg, const struct cl_opts *opts,
		struct ctl_err *err, int mixed, int *out_mode);

/*
 * cl_update_ctl runs `utils ctl update CTLFile` on the publisher's CLI.
 * The caller checks the result with cl_status_run.
 */
int cl_update_ctl(const struct cl_config *cfg, const struct cl_opts *opts,
		  struct ctl_err *err);

/* Outcome of cl_restart on one node. */
enum cl_restart_state {
	CL_RS_SKIPPED,       /* restart = none: nothing to do */
	CL_RS_RESTARTED,     /* every service came back (cli: STARTED; exec: exit 0) */
	CL_RS_FAILED,        /* see error */
};

struct cl_restart_node {
	enum cl_restart_state state;
	char error[512];     /* "" unless failed; raw text from the node may be in it */
	enum ctl_err_kind error_kind;
};

/*
 * cl_restart restarts the services on every node, in parallel, as each
 * node's `restart` says (docs/cluster.md): cli: `utils service restart
 * Cisco Tftp`, then `... Cisco CallManager`, each of which must end with
 * the CLI reporting the service STARTED; exec: restart_command as
 * restart_user, which must exit 0 (and leave STARTED any service whose
 * state it prints in the platform's words; naming more than 64 services
 * fails); none: skipped. The step the seeds ask for after
 * set-mode and `utils ctl update CTLFile`; cl_distribute's
 * restart_services does the same per node. out[i] (cfg->nnodes of them)
 * says what happened on node i; with opts->cancel set, a node not yet
 * begun fails ("interrupted"). Returns 1 when no node failed; 0 with err
 * (CTL_E_REMOTE) counting and naming the failed nodes.
 */
int cl_restart(const struct cl_config *cfg, const struct cl_opts *opts,
	       struct ctl_err *err, struct cl_restart_node *out);

/* Per node result of fetch-certs. */
struct cl_certs {
	int fetched;           /* certificates written */
	char error[512];
	enum ctl_err_kind error_kind; /* of error */
};

/*
 * cl_fetch_certs asks every node with a CLI for its CallManager, CAPF,
 * TVS and ITLRecovery certificates (`show cert own X/X.pem`), checks
 * each parses, and writes dir/NODE/X.pem. A node without a CLI is
 * skipped with a note.
 */
int cl_fetch_certs(const struct cl_config *cfg, const struct cl_opts *opts,
		   struct ctl_err *err, struct cl_certs *out, const char *dir);

/*
 * cl_fetch_trust reads the trust store of the publisher's CLI (`show
 * cert list trust`, then `show cert trust UNIT/NAME.pem` for each) and
 * writes every certificate, checked to parse, as PEM to
 * dir/UNIT__NAME.pem (one flat directory), all or nothing. A listed name
 * that is not a plain UNIT/NAME.pem (a '/', "..", a space or control
 * character in a part) refuses the whole store. *out_n gets the number
 * written; *out_node the node's name (borrowed from cfg).
 */
int cl_fetch_trust(const struct cl_config *cfg, const struct cl_opts *opts,
		   struct ctl_err *err, const char *dir, size_t *out_n,
		   const char **out_node);

/* Per node result of cl_delete_file. */
struct cl_delete {
	int skipped;           /* no CLI */
	int done;              /* the command ran and deleted what it found */
	int found, deleted;    /* "files: found = N, deleted = M" */
	char error[512];
	enum ctl_err_kind error_kind;
};

/*
 * cl_delete_file runs `file delete tftp NAME` on every node with a CLI,
 * answering its confirmation (shared/seeds/002), and, with
 * restart_tftp, restarts Cisco Tftp there. out[i] per node.
 */
int cl_delete_file(const struct cl_config *cfg, const struct cl_opts *opts,
		   struct ctl_err *err, struct cl_delete *out, const char *name,
		   int restart_tftp);

/* cl_global_init / cl_global_cleanup: libssh and libcurl, once per process. */
int cl_global_init(struct ctl_err *err);
void cl_global_cleanup(void);

#endif
