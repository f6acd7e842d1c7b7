/*
 * cmd_verify.c - `ctlsign verify`: many trust lists in one process (a
 * TFTP root holds a CTLSEP<MAC>.tlv per phone), one line each.
 */
#include <dirent.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cmd.h"
#include "text.h"
#include "trustlist.h"

static const char verify_usage[] =
	"usage: ctlsign verify [-q] [--cert CERT] FILE|DIR...\n"
	"\n"
	"Verifies CTL/ITL files (and .sgn files with --cert): well-formed, every\n"
	"certificate parses and matches its record, the signer is a SAST record and\n"
	"the signature is valid. A directory stands for the *.tlv files in it (any\n"
	"case: CTLSEP0123.TLV too); one with none is an error, and an entry that is\n"
	"not a regular file is skipped with a warning. Names are printed with control\n"
	"characters, bidi controls and bytes that are not UTF-8 shown as \\xNN.\n"
	"Unless -q, the last line on stdout counts the files:\n"
	"  N valid, N invalid, N malformed, N unreadable, N skipped\n"
	"\n"
	"  --cert CERT   the signer's certificate for .sgn files (the TFTP/CallManager cert)\n"
	"  -q, --quiet   print only failures\n"
	"  -h, --help    this text\n"
	"\n"
	"exit status: 0 all valid, 1 a signature or signer is invalid, 2 a file is\n"
	"malformed, a directory holds no *.tlv file (or usage), 3 a file or\n"
	"directory cannot be read; the highest applies\n";

struct vstate {
	struct ctl_key_cache *cache;
	X509 *cert;
	int quiet;
	int rc;
	/* The summary's classes: by exit status 1, 2 and 3 (others: invalid). */
	size_t ok, invalid, malformed, unreadable, skipped;
};

/* fail: one line on stderr (cmd_fail makes names safe: a path may be anyone's). */
static void fail(struct vstate *st, struct ctl_err *err)
{
	int code;

	code = cmd_fail(err);
	if (code == 2)
		st->malformed++;
	else if (code == 3)
		st->unreadable++;
	else
		st->invalid++;
	if (code > st->rc)
		st->rc = code;
}

static void verify_one(struct vstate *st, const char *path)
{
	struct ctl_verify_result vr;
	struct ctl_file f;
	struct ctl_err err;

	ctl_err_init(&err);
	if (ctl_parse_path(&f, &err, path, PARSE_AUTO)) {
		if (ctl_verify(&f, &err, &vr, st->cache, st->cert)) {
			st->ok++;
			if (!st->quiet) {
				ctl_text_put(stdout, (const uint8_t *)path, strlen(path));
				if (vr.signer_index >= 0)
					printf(": OK, signed by record %d\n",
					       vr.signer_index + 1);
				else
					printf(": OK\n");
			}
			ctl_file_cleanup(&f);
			return;
		}
		ctl_err_prefix(&err, "%s", path);
		ctl_file_cleanup(&f);
	}
	fail(st, &err);
}

/* A trust list in a directory: NAME.tlv, the suffix in any case. */
static int is_tlv(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 4 && strcasecmp(d->d_name + n - 4, ".tlv") == 0;
}

static void verify_dir(struct vstate *st, const char *dir)
{
	struct dirent **names = NULL;
	int n = scandir(dir, &names, is_tlv, alphasort);

	size_t dlen = strlen(dir), tried = 0;
	const char *sep = dlen > 0 && dir[dlen - 1] == '/' ? "" : "/";
	struct ctl_err err;

	ctl_err_init(&err);
	if (n < 0) {
		ctl_err_set(&err, CTL_E_IO, "%s: cannot read directory", dir);
		fail(st, &err);
		return;
	}
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX];
		struct stat sb;

		if ((size_t)snprintf(path, sizeof(path), "%s%s%s", dir, sep,
				     names[i]->d_name) >= sizeof(path)) {
			/* Not silently: it is a trust list we did not check. */
			ctl_err_init(&err);
			/* The name first: a long directory is cut off the end. */
			ctl_err_set(&err, CTL_E_IO, "%s: not verified, its path is "
				    "longer than PATH_MAX (%d bytes) in directory %s",
				    names[i]->d_name, PATH_MAX, dir);
			fail(st, &err);
			tried++;
		} else if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
			st->skipped++;
			cmd_warn("%s: not a regular file, skipped", path);
		} else {
			/* A dangling link or a race: verify_one reports it. */
			verify_one(st, path);
			tried++;
		}
		free(names[i]);
	}
	free(names);
	if (tried == 0) {
		ctl_err_init(&err);
		ctl_err_set(&err, CTL_E_FORMAT, "%s: no trust list (*.tlv) to verify", dir);
		if (cmd_fail(&err) > st->rc)
			st->rc = 2;
	}
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
		default: return cmd_bad_option("verify", argv);
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
	if (!st.quiet)
		printf("%zu valid, %zu invalid, %zu malformed, %zu unreadable, %zu skipped\n",
		       st.ok, st.invalid, st.malformed, st.unreadable, st.skipped);
	ctl_key_cache_free(st.cache);
	X509_free(st.cert);
	return st.rc;
}
