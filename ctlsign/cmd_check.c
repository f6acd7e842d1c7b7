/*
 * cmd_check.c - `ctlsign check`: before publishing a new CTL or ITL, ask
 * whether phones holding the current files will accept it.
 */
#include <getopt.h>
#include <string.h>

#include "cmd.h"
#include "trustlist.h"

static const char check_usage[] =
	"usage: ctlsign check [--ctl CURRENT-CTL] [--itl CURRENT-ITL] NEW...\n"
	"\n"
	"Tells, for each NEW trust list, whether a phone that holds the current CTL\n"
	"and/or ITL will accept it: directly (signed by a certificate those files\n"
	"trust), only through TVS (phones with Security By Default, if the signer is\n"
	"in the cluster's trust store), or not at all (the files must be deleted on\n"
	"every phone by hand). Run it before every migration step: non-secure to\n"
	"mixed mode, tokenless to eToken and back, certificate regeneration.\n"
	"\n"
	"  --ctl FILE   the CTLFile.tlv the phones hold now\n"
	"  --itl FILE   the ITLFile.tlv the phones hold now\n"
	"  -h, --help   this text\n"
	"\n"
	"exit status: 0 every phone accepts, 1 some or all phones will not, 2 malformed\n";

/* load_held parses and verifies a file the phone holds now, of kind. */
static int load_held(struct ctl_file *f, struct ctl_err *err, const char *path,
		     enum ctl_kind kind)
{
	if (!ctl_parse_path(f, err, path, PARSE_RECORDS))
		return 0;
	if (f->kind != kind)
		return ctl_err_set(err, CTL_E_USAGE, "%s: given as the phones' %s, but its FILENAME makes it an %s",
				   path, kind == KIND_CTL ? "CTL (--ctl)" : "ITL (--itl)",
				   f->kind == KIND_CTL ? "CTL" : "ITL");
	if (!ctl_verify(f, err, NULL, NULL, NULL)) {
		ctl_err_prefix(err, "%s: the file the phones hold does not verify, so nothing can be judged against it", path);
		return 0;
	}
	return 1;
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ctl", required_argument, NULL, 'c' },
		{ "itl", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ctl_path = NULL, *itl_path = NULL;
	struct ctl_file ctl = { 0 }, itl = { 0 };
	struct ctl_err err;
	int c, rc = 0;

	ctl_err_init(&err);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': ctl_path = optarg; break;
		case 'i': itl_path = optarg; break;
		case 'h': fputs(check_usage, stdout); return 0;
		default: return cmd_bad_option("check", argv);
		}
	}
	if (optind == argc)
		return cmd_usage_error("check", "no new file given");
	/*
	 * What the phone holds is built on: a held file that does not verify
	 * (tampered, or signed by a record that cannot prove its signer)
	 * would make any verdict a guess.
	 */
	if ((ctl_path != NULL && !load_held(&ctl, &err, ctl_path, KIND_CTL)) ||
	    (itl_path != NULL && !load_held(&itl, &err, itl_path, KIND_ITL))) {
		rc = cmd_fail(&err);
		goto done;
	}
	for (int i = optind; i < argc; i++) {
		struct ctl_file f;
		char why[512];
		enum ctl_trust t;
		int code;

		ctl_err_init(&err);
		if (!ctl_parse_path(&f, &err, argv[i], PARSE_RECORDS) ||
		    !ctl_verify(&f, &err, NULL, NULL, NULL)) {
			if (f.buf != NULL) /* parsed: it is the verify that failed */
				ctl_err_prefix(&err, "%s: REJECTED: does not verify", argv[i]);
			code = cmd_fail(&err);
			rc = code > rc ? code : rc;
			ctl_file_cleanup(&f);
			continue;
		}
		/* Judged by the rules of the kind its name makes it to a phone. */
		if (!ctl_check_served_as(&f, &err, cmd_basename(argv[i]))) {
			code = cmd_fail(&err);
			rc = code > rc ? code : rc;
			ctl_file_cleanup(&f);
			continue;
		}
		t = ctl_assess_trust(&f, ctl_path ? &ctl : NULL,
				     itl_path ? &itl : NULL, why, sizeof(why));
		switch (t) {
		case TRUST_DIRECT:
		case TRUST_FIRST:
			cmd_print(stdout, "%s: accepted: %s\n", argv[i], why);
			break;
		case TRUST_TVS:
			cmd_print(stdout, "%s: only through TVS: %s\n", argv[i], why);
			rc = rc > 1 ? rc : 1;
			break;
		case TRUST_NONE:
			cmd_print(stdout, "%s: REJECTED by phones: %s\n", argv[i], why);
			rc = rc > 1 ? rc : 1;
			break;
		}
		ctl_file_cleanup(&f);
	}
done:
	ctl_file_cleanup(&ctl);
	ctl_file_cleanup(&itl);
	return rc;
}
