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
		default: return cmd_usage_error("check", "bad option");
		}
	}
	if (optind == argc)
		return cmd_usage_error("check", "no new file given");
	if ((ctl_path != NULL && !ctl_parse_path(&ctl, &err, ctl_path, PARSE_RECORDS)) ||
	    (itl_path != NULL && !ctl_parse_path(&itl, &err, itl_path, PARSE_RECORDS))) {
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
			printf("%s: accepted: %s\n", argv[i], why);
			break;
		case TRUST_TVS:
			printf("%s: only through TVS: %s\n", argv[i], why);
			rc = rc > 1 ? rc : 1;
			break;
		case TRUST_NONE:
			printf("%s: REJECTED by phones: %s\n", argv[i], why);
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
