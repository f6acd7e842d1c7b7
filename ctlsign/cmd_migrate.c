/*
 * cmd_migrate.c - `ctlsign migrate`: options in, a plan (migrate_plans.c)
 * out, carried out by migrate.c.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "migrate.h"
#include "trustlist.h"

static const char migrate_usage[] =
	"usage: ctlsign migrate PLAN (-c CONFIG | --tftp-root DIR...) --state DIR [options] [--dry-run]\n"
	"       ctlsign migrate resume --state DIR [--confirm STEP] [--allow-stranded CLASS]...\n"
	"       ctlsign migrate status --state DIR\n"
	"\n"
	"Carries out a seed procedure step by step (docs/migrations.md): ctlsign runs\n"
	"its own commands (each shown), stops where a person must act, and judges\n"
	"every file with `ctlsign check` before it is published: a file that would\n"
	"strand a phone class is not published unless --allow-stranded names it.\n"
	"\n"
	"plans:\n"
	"  mixed-mode     non-secure to mixed mode, tokenless (CUCM: its CLI builds the\n"
	"                 CTL; Linux TFTP: --sign-key, --sign-cert and the records)\n"
	"  signer-change  a new tokenless signer, in two publications\n"
	"  to-etoken      tokenless to SAST eTokens (with --sign-key: a bridge CTL first)\n"
	"  to-tokenless   SAST eTokens back to tokenless, through a bridge signed by one\n"
	"                 token (CUCM: `utils ctl update CTLFile`; Linux TFTP: --new-key)\n"
	"  non-secure     leave mixed mode; CTLFile.tlv removed from every node\n"
	"  regenerate     --cert callmanager|tvs|itlrecovery: one certificate regenerated\n"
	"                 on CUCM, the CTL updated, services restarted (never two at once)\n"
	"\n"
	"where:\n"
	"  -c, --config FILE    a cluster (docs/cluster.md): publish with `cluster distribute`\n"
	"  --tftp-root DIR      a local TFTP root (repeatable): publish into DIR/CTLFile.tlv\n"
	"  --state DIR          the plan, its files and where it stands (mode 0700)\n"
	"\n"
	"what the phones hold and the signers:\n"
	"  --ctl FILE           the CTL the phones hold (and the nodes serve) now\n"
	"  --itl FILE           the ITL they hold (phones with Security By Default)\n"
	"  --trust-store DIR    the cluster's trust store, for the TVS verdicts\n"
	"  --tvs-cert CERT      the certificate TVS presents (the nodes' TVS.pem), as\n"
	"                       check's --tvs (repeatable; `--tvs` is a record here)\n"
	"  --from-signer CERT   the certificate that signed --ctl (required for a signer move)\n"
	"  --sign-key KEY       the current tokenless signer's key (CallManager)\n"
	"  --sign-cert CERT     its certificate\n"
	"  --new-key KEY        signer-change, to-tokenless: the new signer's key\n"
	"  --new-cert CERT      signer-change, to-tokenless: its certificate\n"
	"  --sign-token URI     to-etoken, to-tokenless: the eToken that signs\n"
	"  --sast-token URI     to-etoken: another eToken (repeatable)\n"
	"  --module PATH        PKCS#11 module\n"
	"  ROLE SPEC            mixed-mode with --sign-key: --ccm-tftp, --capf, --tftp, --ccm,\n"
	"                       --tvs, --app-server, --sast SPEC as for `ctlsign build`\n"
	"\n"
	"options:\n"
	"  --timestamp SECS     the TIMESTAMP of the files built (default: now, fixed in the plan)\n"
	"  --allow-stranded CLASS  publish although check says phones of CLASS (sbd, no-sbd,\n"
	"                       empty) do not (or may not) take the file (repeatable)\n"
	"  --confirm STEP       resume: you did manual step STEP (what it asked)\n"
	"  --dry-run            print the plan; touch nothing\n"
	"  -h, --help           this text\n"
	"\n"
	"exit status: 0 every step done; 20 stopped at a step a person must do;\n"
	"21 a node serves, or an input holds, what the plan did not expect; 11, 12, 13\n"
	"a file was not published (as `check`); else the failed step's status\n";

enum {
	OPT_STATE = 256, OPT_ROOT, OPT_CTL, OPT_ITL, OPT_STORE, OPT_FROM_SIGNER,
	OPT_SIGN_KEY, OPT_SIGN_CERT, OPT_NEW_KEY, OPT_NEW_CERT, OPT_SIGN_TOKEN,
	OPT_SAST_TOKEN, OPT_MODULE, OPT_TS, OPT_ALLOW, OPT_CONFIRM, OPT_DRY, OPT_ROLE,
	OPT_CERT, OPT_TVS_CERT,
};

static const struct option opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "tftp-root", required_argument, NULL, OPT_ROOT },
	{ "ctl", required_argument, NULL, OPT_CTL },
	{ "itl", required_argument, NULL, OPT_ITL },
	{ "trust-store", required_argument, NULL, OPT_STORE },
	{ "from-signer", required_argument, NULL, OPT_FROM_SIGNER },
	{ "sign-key", required_argument, NULL, OPT_SIGN_KEY },
	{ "sign-cert", required_argument, NULL, OPT_SIGN_CERT },
	{ "new-key", required_argument, NULL, OPT_NEW_KEY },
	{ "new-cert", required_argument, NULL, OPT_NEW_CERT },
	{ "sign-token", required_argument, NULL, OPT_SIGN_TOKEN },
	{ "sast-token", required_argument, NULL, OPT_SAST_TOKEN },
	{ "module", required_argument, NULL, OPT_MODULE },
	{ "timestamp", required_argument, NULL, OPT_TS },
	{ "allow-stranded", required_argument, NULL, OPT_ALLOW },
	{ "confirm", required_argument, NULL, OPT_CONFIRM },
	{ "dry-run", no_argument, NULL, OPT_DRY },
	{ "cert", required_argument, NULL, OPT_CERT },
	{ "tvs-cert", required_argument, NULL, OPT_TVS_CERT },
	{ "sast", required_argument, NULL, OPT_ROLE },
	{ "ccm", required_argument, NULL, OPT_ROLE },
	{ "ccm-tftp", required_argument, NULL, OPT_ROLE },
	{ "tftp", required_argument, NULL, OPT_ROLE },
	{ "capf", required_argument, NULL, OPT_ROLE },
	{ "app-server", required_argument, NULL, OPT_ROLE },
	{ "tvs", required_argument, NULL, OPT_ROLE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* once: an option given twice is a usage error, not a silent override. */
static int once(const char **slot, const char *value, const char *name)
{
	if (*slot != NULL)
		return cmd_usage_error("migrate", "--%s given twice", name);
	*slot = value;
	return 0;
}

#define ADD(arr, n, v, what)                                                        \
	do {                                                                        \
		if ((n) == sizeof(arr) / sizeof((arr)[0]))                          \
			return cmd_usage_error("migrate", "too many %s", what);     \
		(arr)[(n)++] = (v);                                                 \
	} while (0)

int cmd_migrate(int argc, char **argv)
{
	struct mig_request rq = { 0 };
	const char *state = NULL, *ts = NULL, *confirm = NULL;
	int c, dry_run = 0, idx = 0, rc;
	unsigned long confirm_n = 0;
	struct ctl_err err;

	ctl_err_init(&err);
	/*
	 * Standard input, output and error open, whatever the caller closed:
	 * else the state's lock would take descriptor 1 and the run's output
	 * would go into it.
	 */
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			return 6;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, &idx)) != -1) {
		switch (c) {
		case 'c': if ((rc = once(&rq.config, optarg, "config"))) return rc; break;
		case OPT_STATE: if ((rc = once(&state, optarg, "state"))) return rc; break;
		case OPT_ROOT: ADD(rq.roots, rq.nroots, optarg, "--tftp-root"); break;
		case OPT_CTL: if ((rc = once(&rq.ctl, optarg, "ctl"))) return rc; break;
		case OPT_ITL: if ((rc = once(&rq.itl, optarg, "itl"))) return rc; break;
		case OPT_STORE: if ((rc = once(&rq.trust_store, optarg, "trust-store"))) return rc; break;
		case OPT_FROM_SIGNER: if ((rc = once(&rq.from_signer, optarg, "from-signer"))) return rc; break;
		case OPT_SIGN_KEY: if ((rc = once(&rq.sign_key, optarg, "sign-key"))) return rc; break;
		case OPT_SIGN_CERT: if ((rc = once(&rq.sign_cert, optarg, "sign-cert"))) return rc; break;
		case OPT_NEW_KEY: if ((rc = once(&rq.new_key, optarg, "new-key"))) return rc; break;
		case OPT_NEW_CERT: if ((rc = once(&rq.new_cert, optarg, "new-cert"))) return rc; break;
		case OPT_SIGN_TOKEN: if ((rc = once(&rq.sign_token, optarg, "sign-token"))) return rc; break;
		case OPT_SAST_TOKEN: ADD(rq.sast_tokens, rq.nsast_tokens, optarg, "--sast-token"); break;
		case OPT_MODULE: if ((rc = once(&rq.module, optarg, "module"))) return rc; break;
		case OPT_TS: if ((rc = once(&ts, optarg, "timestamp"))) return rc; break;
		case OPT_CONFIRM: if ((rc = once(&confirm, optarg, "confirm"))) return rc; break;
		case OPT_DRY: dry_run = 1; break;
		case OPT_CERT: if ((rc = once(&rq.cert, optarg, "cert"))) return rc; break;
		case OPT_TVS_CERT: ADD(rq.tvs, rq.ntvs, optarg, "--tvs-cert"); break;
		case OPT_ALLOW:
			if (strcmp(optarg, "sbd") != 0 && strcmp(optarg, "no-sbd") != 0 &&
			    strcmp(optarg, "empty") != 0)
				return cmd_usage_error("migrate", "--allow-stranded takes sbd, no-sbd "
						       "or empty, not '%s'", optarg);
			ADD(rq.allow, rq.nallow, optarg, "--allow-stranded");
			break;
		case OPT_ROLE: {
			/* As build takes it: "--ccm-tftp" and its SPEC, two words. */
			static char words[64][16];
			size_t k = rq.nroles / 2;

			if (rq.nroles + 2 > sizeof(rq.roles) / sizeof(rq.roles[0]))
				return cmd_usage_error("migrate", "too many records");
			snprintf(words[k], sizeof(words[k]), "--%s", opts[idx].name);
			rq.roles[rq.nroles++] = words[k];
			rq.roles[rq.nroles++] = optarg;
			break;
		}
		case 'h': fputs(migrate_usage, stdout); return 0;
		default: return cmd_bad_option("migrate", argv);
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error("migrate", optind == argc ? "no plan given (mixed-mode, "
				       "signer-change, to-etoken, to-tokenless, non-secure, regenerate, or "
				       "resume, status)" :
				       "one plan, or resume, or status");
	rq.plan = argv[optind];
	if (state == NULL)
		return cmd_usage_error("migrate", "--state DIR is required: where the plan and "
				       "its files are kept");
	/* Its files' paths are composed in PATH_MAX buffers: room for them. */
	if (strlen(state) > 2048)
		return cmd_usage_error("migrate", "--state DIR: a path of at most 2048 bytes");
	if (confirm != NULL && !cmd_parse_uint(confirm, 1000, &confirm_n))
		return cmd_usage_error("migrate", "--confirm takes a step number, not '%s'", confirm);
	if (ts != NULL && (!cmd_parse_uint(ts, 0xfffffffeUL, &rq.timestamp) || rq.timestamp == 0))
		return cmd_usage_error("migrate", "--timestamp takes seconds since 1970, not '%s'", ts);
	if (strcmp(rq.plan, "resume") == 0 || strcmp(rq.plan, "status") == 0) {
		if (rq.config || rq.nroots || rq.ctl || rq.itl || rq.trust_store ||
		    rq.from_signer || rq.sign_key || rq.sign_cert || rq.new_key || rq.new_cert ||
		    rq.sign_token || rq.nsast_tokens || rq.module || rq.nroles || ts || dry_run ||
		    rq.cert || rq.ntvs)
			return cmd_usage_error("migrate", "%s takes only --state, --confirm and "
					       "--allow-stranded: the rest is in the plan", rq.plan);
		if (strcmp(rq.plan, "status") == 0) {
			if (confirm || rq.nallow)
				return cmd_usage_error("migrate", "status takes only --state");
			return mig_status(state);
		}
		return mig_resume(state, confirm_n, rq.allow, rq.nallow);
	}
	if (confirm != NULL)
		return cmd_usage_error("migrate", "--confirm is for resume");
	{
		json_t *plan = mig_plan_make(&err, &rq);

		if (plan == NULL)
			return cmd_fail(&err);
		if (dry_run) {
			rc = mig_dry_run(plan, state);
			cmd_print(stdout, "dry run: nothing was done%s; the same command without "
				  "--dry-run carries it out\n", rc == 0 ? "" :
				  " (the run would stop where it says, with this exit status)");
			json_decref(plan);
			return rc;
		}
		return mig_start(plan, state);
	}
}
