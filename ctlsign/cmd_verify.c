/*
 * cmd_verify.c - `ctlsign verify`: many trust lists in one process (a
 * TFTP root holds a CTLSEP<MAC>.tlv per phone), one line each.
 */
#include <dirent.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "trustlist.h"

static const char verify_usage[] =
	"usage: ctlsign verify [-q] [--cert CERT] FILE|DIR...\n"
	"\n"
	"Verifies CTL/ITL files (and .sgn files with --cert): well-formed, every\n"
	"certificate parses and matches its record, the signer is a SAST record and\n"
	"the signature is valid. A directory stands for the *.tlv files in it.\n"
	"\n"
	"  --cert CERT   the signer's certificate for .sgn files (the TFTP/CallManager cert)\n"
	"  -q, --quiet   print only failures\n"
	"  -h, --help    this text\n"
	"\n"
	"exit status: 0 all valid, 1 a signature or signer is invalid, 2 a file is\n"
	"malformed (or usage), 3 a file cannot be read; the highest applies\n";

struct vstate {
	struct ctl_key_cache *cache;
	X509 *cert;
	int quiet;
	int rc;
	size_t ok, bad;
};

static void verify_one(struct vstate *st, const char *path)
{
	struct ctl_verify_result vr;
	struct ctl_file f;
	struct ctl_err err;
	int code;

	ctl_err_init(&err);
	if (ctl_parse_path(&f, &err, path, PARSE_AUTO)) {
		if (ctl_verify(&f, &err, &vr, st->cache, st->cert)) {
			st->ok++;
			if (!st->quiet) {
				if (vr.signer_index >= 0)
					printf("%s: OK, signed by record %d\n", path,
					       vr.signer_index + 1);
				else
					printf("%s: OK\n", path);
			}
			ctl_file_cleanup(&f);
			return;
		}
		ctl_err_prefix(&err, "%s", path);
		ctl_file_cleanup(&f);
	}
	st->bad++;
	code = cmd_fail(&err);
	if (code > st->rc)
		st->rc = code;
}

static int is_tlv(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 4 && strcmp(d->d_name + n - 4, ".tlv") == 0;
}

static void verify_dir(struct vstate *st, const char *dir)
{
	struct dirent **names = NULL;
	int n = scandir(dir, &names, is_tlv, alphasort);

	if (n < 0) {
		struct ctl_err err;

		ctl_err_init(&err);
		ctl_err_set(&err, CTL_E_IO, "%s: cannot read directory", dir);
		st->rc = cmd_fail(&err) > st->rc ? 3 : st->rc;
		return;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];

		size_t dlen = strlen(dir);
		const char *sep = dlen > 0 && dir[dlen - 1] == '/' ? "" : "/";

		if ((size_t)snprintf(path, sizeof(path), "%s%s%s", dir, sep,
				     names[i]->d_name) < sizeof(path))
			verify_one(st, path);
		free(names[i]);
	}
	free(names);
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cert", required_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vstate st = { 0 };
	const char *cert_path = NULL;
	struct ctl_err err;
	int c;

	ctl_err_init(&err);
	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cert_path = optarg; break;
		case 'q': st.quiet = 1; break;
		case 'h': fputs(verify_usage, stdout); return 0;
		default: return cmd_usage_error("verify", "bad option");
		}
	}
	if (optind == argc)
		return cmd_usage_error("verify", "no file given");
	if (cert_path != NULL && (st.cert = ctl_load_cert(&err, cert_path)) == NULL)
		return cmd_fail(&err);
	st.cache = ctl_key_cache_new();
	if (st.cache == NULL) {
		X509_free(st.cert);
		ctl_err_set(&err, CTL_E_INTERNAL, "out of memory");
		return cmd_fail(&err);
	}
	for (int i = optind; i < argc; i++) {
		struct stat sb;

		if (stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode))
			verify_dir(&st, argv[i]);
		else
			verify_one(&st, argv[i]);
	}
	if (st.ok + st.bad > 1 && !st.quiet)
		printf("%zu valid, %zu invalid\n", st.ok, st.bad);
	ctl_key_cache_free(st.cache);
	X509_free(st.cert);
	return st.rc;
}
