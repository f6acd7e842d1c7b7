/*
 * migrate.h - `ctlsign migrate`: the seed procedures as plans of steps
 * (docs/migrations.md). A plan is made once (migrate_plans.c), written
 * to a state directory, and carried out step by step (migrate.c): the
 * steps that ctlsign does run as its own commands, in child processes,
 * with the command line shown; a manual step stops with what the person
 * does and how ctlsign will see it done; before anything is published,
 * `ctlsign check` judges it for every phone class.
 *
 * A plan and its state are JSON documents (jansson), so that what is on
 * disk is what is run: a step is an object with "kind" and its members.
 * Paths into the state directory are written "@/files/...", expanded
 * when the step runs, so the directory is named once.
 */
#ifndef CTLSIGN_MIGRATE_H
#define CTLSIGN_MIGRATE_H

#include <jansson.h>

#include "err.h"

/* The format of plan.json and state.json (docs/migrations.md "State"). */
#define MIG_FORMAT_VERSION 1

/* Exit statuses of migrate beyond the common ones (ctlsign(1)). */
#define MIG_EXIT_PERSON 20   /* stopped at a step a person must do */
#define MIG_EXIT_CHANGED 21  /* a node or an input is not what the state recorded */

/* What the user asked for, before it becomes a plan. */
struct mig_request {
	const char *plan;            /* "mixed-mode", "signer-change", "to-etoken", ... */
	const char *config;          /* -c: cluster.conf, or NULL */
	const char *roots[16];       /* --tftp-root: local TFTP roots */
	size_t nroots;
	const char *ctl, *itl;       /* held by the phones, served by the nodes */
	const char *trust_store;     /* local: the cluster's trust store */
	const char *tvs[8];          /* --tvs: what TVS presents (as for check) */
	size_t ntvs;
	const char *from_signer;     /* the held CTL's signer certificate */
	const char *sign_key, *sign_cert;  /* the current tokenless signer */
	const char *new_key, *new_cert;    /* signer-change: the new one */
	const char *sign_token;      /* the eToken that signs */
	const char *sast_tokens[8];  /* the other eTokens */
	size_t nsast_tokens;
	const char *module;          /* PKCS#11 module */
	const char *roles[32];       /* mixed-mode, local: --ccm-tftp SPEC ... as typed */
	size_t nroles;
	const char *allow[3];        /* --allow-stranded CLASS */
	size_t nallow;
	unsigned long timestamp;     /* 0: now */
	const char *cert;            /* regenerate: callmanager, tvs or itlrecovery */
};

/*
 * mig_plan_make turns a request into a plan document (steps and inputs)
 * or fails with err set (CTL_E_USAGE for a request that misses what the
 * plan needs, naming it). Inputs are read and checked here: the held CTL
 * must verify and its signer must be the --from-signer certificate.
 */
json_t *mig_plan_make(struct ctl_err *err, const struct mig_request *rq);

/* mig_plan_print writes the plan's steps for a person (status). */
void mig_plan_print(const json_t *plan, const json_t *state, const char *dir);
/*
 * mig_dry_run prints the plan with, under each check, what `check` would
 * say of the files the plan will build: each build is laid out unsigned
 * (cmd_build_preview: no key, no PIN, no login) in a private temporary
 * directory, removed before it returns; nothing else is written.
 */
int mig_dry_run(const json_t *plan, const char *dir);

/* mig_sha256_file: the file's SHA-256 in hex, "none" when it does not exist. */
int mig_sha256_file(struct ctl_err *err, const char *path, char out[65]);
/* mig_state_path: is s "@/files/..." without ".", ".." or empty components? */
int mig_state_path(const char *s);
/*
 * mig_plan_valid / mig_state_valid check every member the runner reads
 * (migrate_valid.c); err names the file (path) and the member.
 */
int mig_plan_valid(struct ctl_err *err, const json_t *plan, const char *path);
int mig_state_valid(struct ctl_err *err, const json_t *state, const json_t *plan,
		    const char *path);
/* mig_self_open opens the running executable once, for the steps (fexecve). */
int mig_self_open(struct ctl_err *err);

/*
 * mig_start writes a new plan into dir (which must be missing or
 * empty), then runs it; mig_resume runs the plan in dir from its first
 * unfinished step, after checking that the world is as recorded;
 * confirm (0: none) is the step number a person says is done; allow
 * adds phone classes the user accepts to strand. mig_status prints where
 * it stands and what each node serves. Each returns the exit status.
 */
int mig_start(json_t *plan, const char *dir);
int mig_resume(const char *dir, unsigned long confirm, const char *const *allow,
	       size_t nallow);
int mig_status(const char *dir);

#endif
