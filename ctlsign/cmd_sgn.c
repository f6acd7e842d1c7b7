/*
 * cmd_sgn.c - `ctlsign sgn sign|verify`: signed configuration files
 * (SEP<MAC>.cnf.xml.sgn): the trust-list header followed by the file.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "cmd.h"
#include "trustlist.h"
#include "util.h"

static const char sgn_usage[] =
	"usage: ctlsign sgn sign FILE --sign-key KEY --sign-cert CERT [-o OUT]\n"
	"                   [--digest ALG] [--timestamp SECS] [--header-version M.N]\n"
	"       ctlsign sgn verify FILE.sgn [--cert CERT] [--ctl CTL] [--itl ITL]\n"
	"                   [--extract OUT]\n"
	"       ctlsign sgn encrypt|decrypt ...  (encrypted configuration files:\n"
	"                   ctlsign sgn encrypt --help)\n"
	"\n"
	"sign writes FILE.sgn (or OUT), signed with the TFTP (CallManager) key;\n"
	"verify checks it against the signer's certificate and can write the\n"
	"original file back out; with --ctl/--itl (the files the phones hold) it\n"
	"says, for phones without Security By Default (the CTL only) and with it\n"
	"(CTL and ITL), which TFTP certificate of theirs verifies it, or that none\n"
	"does (only TVS could then vouch, for phones with Security By Default);\n"
	"--cert as well checks the signature under CERT too.\n"
	"\n"
	"exit status: 0 ok (with --ctl/--itl: every class judged takes it, and the\n"
	"signature is good under --cert if given), 1 signature or signer invalid\n"
	"(some class rejects it), 2 malformed or usage, 3 I/O\n";

static int sgn_sign(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sign-key", required_argument, NULL, 'k' },
		{ "sign-cert", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "digest", required_argument, NULL, 'd' },
		{ "timestamp", required_argument, NULL, 't' },
		{ "header-version", required_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_build_opts o = { .kind = KIND_SGN, .digest = DIGEST_SHA1,
				    .ver_major = 1, .ver_minor = 2 };
	const char *key = NULL, *certp = NULL, *outp = NULL, *ts = NULL;
	struct ctl_signer *signer = NULL;
	struct ctl_file check = { 0 };
	uint8_t *data = NULL;
	size_t len = 0;
	char *defout = NULL;
	struct ctl_err err;
	int c, rc;

	ctl_err_init(&err);
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k': key = optarg; break;
		case 'c': certp = optarg; break;
		case 'o': outp = optarg; break;
		case 't': ts = optarg; break;
		case 'd':
			if (!cmd_parse_digest(optarg, &o.digest))
				return cmd_usage_error("sgn", "--digest %s: use sha1, sha256 or sha512", optarg);
			break;
		case 'V':
			if (!cmd_parse_version(optarg, &o.ver_major, &o.ver_minor))
				return cmd_usage_error("sgn", "--header-version %s: use MAJOR.MINOR", optarg);
			break;
		case 'h': fputs(sgn_usage, stdout); return 0;
		default: return cmd_bad_option("sgn", argv);
		}
	}
	if (optind + 1 != argc || key == NULL || certp == NULL)
		return cmd_usage_error("sgn", "sign needs one FILE, --sign-key and --sign-cert");
	if (!cmd_timestamp(ts, &o.timestamp))
		return cmd_usage_error("sgn", "timestamp is not a number of seconds");
	if (outp == NULL) {
		size_t n = strlen(argv[optind]) + 5;

		defout = malloc(n);
		if (defout == NULL)
			return cmd_usage_error("sgn", "out of memory");
		snprintf(defout, n, "%s.sgn", argv[optind]);
		outp = defout;
	}
	o.filename = cmd_basename(outp);
	if (!ctl_read_file(&err, argv[optind], CTL_MAX_FILE - 65536, &data, &len))
		goto fail;
	if ((signer = cmd_key_signer(&err, key, certp)) == NULL)
		goto fail;
	/* Built, checked against the certificate, then written: one call. */
	if (!ctl_build_write(&err, &check, outp, &o, signer, NULL, 0, data, len))
		goto fail;
	cmd_print(stdout, "%s: %zu bytes, payload %zu bytes\n", outp, check.len,
		  check.payload_len);
	rc = 0;
	goto done;
fail:
	rc = cmd_fail(&err);
done:
	ctl_file_cleanup(&check);
	ctl_signer_free(signer);
	free(data);
	free(defout);
	return rc;
}

/*
 * holder_text: "verified by the CCM+TFTP record 2 of the CTL X (SUBJECT,
 * certificate SHA-1 HEX)" for the record ctl_sgn_holder found.
 */
static void holder_text(char *out, size_t n, const struct ctl_file *held, const char *path,
			int which, size_t idx)
{
	const struct ctl_record *r = &held->recs[idx];
	char hex[2 * SHA_DIGEST_LENGTH + 1];

	ctl_record_sha1_hex(hex, r, 0, 0);
	snprintf(out, n, "verified by the %s record %zu of the %s %s (%.*s, certificate SHA-1 %s)",
		 ctl_role_short(r->role), idx + 1, which == 0 ? "CTL" : "ITL", path,
		 r->subject.present ? (int)strnlen((const char *)r->subject.p, r->subject.n) : 0,
		 r->subject.present ? (const char *)r->subject.p : "", hex);
}

/*
 * sgn_holder_report: with the files the phones hold, do they take f? Judged
 * per class (R21 of docs/phone-trust.md): phones without Security By
 * Default hold the CTL only; phones with it hold the CTL and the ITL. With
 * --cert, the signature is checked under it as well. Prints the answer;
 * returns the exit status: 0 only if every class judged takes it (and the
 * signature is good under --cert).
 */
static int sgn_holder_report(const char *path, const struct ctl_file *f,
			     const struct ctl_file *ctl, const char *ctl_path,
			     const struct ctl_file *itl, const char *itl_path,
			     X509 *cert, const char *cert_path)
{
	const char *paths[2] = { ctl_path, itl_path };
	const struct ctl_file *held[2] = { ctl, itl };
	char line[2048], rejected[6 * 1024] = ""; /* room for two reasons */
	struct ctl_err err;
	size_t idx;
	int which, rc = 0;

	ctl_err_init(&err);
	/* Phones without Security By Default: the CTL only, never TVS. */
	if (ctl == NULL) {
		cmd_print(stdout, "%s: phones without Security By Default: not judged (no --ctl: "
			  "the CTL they hold was not given)\n", path);
	} else if (ctl_sgn_holder(f, ctl, NULL, &which, &idx)) {
		holder_text(line, sizeof(line), held[which], paths[which], which, idx);
		cmd_print(stdout, "%s: phones without Security By Default (CTL %s): TAKE it: %s\n",
			  path, ctl_path, line);
	} else {
		cmd_print(stdout, "%s: phones without Security By Default (CTL %s): REJECT it: no CCM+TFTP "
			  "or TFTP record of the CTL verifies it, and they cannot ask TVS\n", path, ctl_path);
		snprintf(rejected, sizeof(rejected), "phones without Security By Default (no CCM+TFTP "
			 "or TFTP record of %s verifies it)", ctl_path);
		rc = 1;
	}
	/* Phones with Security By Default: the CTL and the ITL. */
	if (ctl_sgn_holder(f, ctl, itl, &which, &idx)) {
		holder_text(line, sizeof(line), held[which], paths[which], which, idx);
		cmd_print(stdout, "%s: phones with Security By Default (CTL %s, ITL %s): TAKE it: %s\n",
			  path, ctl_path ? ctl_path : "none", itl_path ? itl_path : "(not given)", line);
	} else if (itl == NULL) {
		cmd_print(stdout, "%s: phones with Security By Default (CTL %s, ITL not given): DEPENDS: "
			  "no CCM+TFTP or TFTP record of the CTL verifies it; whether one of the ITL they "
			  "hold does is not known (give --itl)\n", path, ctl_path);
		snprintf(rejected + strlen(rejected), sizeof(rejected) - strlen(rejected), "%s%s",
			 rejected[0] ? ", and possibly " : "possibly ",
			 "phones with Security By Default (their ITL was not given)");
		rc = 1;
	} else {
		/* Only a CCM+TFTP record of the ITL counts; a CTL's TFTP counts too (R21). */
		char what[3 * 1024];

		if (ctl_path != NULL)
			snprintf(what, sizeof(what), "no CCM+TFTP or TFTP record of %s and no CCM+TFTP "
				 "record of %s", ctl_path, itl_path);
		else
			snprintf(what, sizeof(what), "no CCM+TFTP record of %s", itl_path);
		cmd_print(stdout, "%s: phones with Security By Default (CTL %s, ITL %s): REJECT it: %s "
			  "verifies it: they take it only through TVS (if their ITL names TVS's "
			  "certificate and the trust store holds the signer)\n",
			  path, ctl_path ? ctl_path : "none", itl_path, what);
		snprintf(rejected + strlen(rejected), sizeof(rejected) - strlen(rejected), "%s%s%s%s",
			 rejected[0] ? ", and " : "", "phones with Security By Default (", what,
			 " verifies it: only through TVS)");
		rc = 1;
	}
	if (cert != NULL) {
		if (ctl_verify(f, &err, NULL, NULL, cert)) {
			cmd_print(stdout, "%s: signature good under --cert %s\n", path, cert_path);
		} else {
			ctl_err_prefix(&err, "%s: REJECTED under --cert %s", path, cert_path);
			rc = cmd_fail(&err);
			ctl_err_init(&err);
		}
	}
	if (rejected[0] != '\0') {
		ctl_err_set(&err, CTL_E_VERIFY, "%s: REJECTED by %s", path, rejected);
		cmd_fail(&err);
	}
	return rc;
}

static int sgn_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cert", required_argument, NULL, 'c' },
		{ "ctl", required_argument, NULL, 'C' },
		{ "itl", required_argument, NULL, 'I' },
		{ "extract", required_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *certp = NULL, *extract = NULL, *ctl_path = NULL, *itl_path = NULL;
	struct ctl_file f = { 0 }, ctl = { 0 }, itl = { 0 };
	X509 *cert = NULL;
	struct ctl_err err;
	int c, rc;

	ctl_err_init(&err);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': certp = optarg; break;
		case 'C': ctl_path = optarg; break;
		case 'I': itl_path = optarg; break;
		case 'x': extract = optarg; break;
		case 'h': fputs(sgn_usage, stdout); return 0;
		default: return cmd_bad_option("sgn", argv);
		}
	}
	if (optind + 1 != argc || (certp == NULL && ctl_path == NULL && itl_path == NULL))
		return cmd_usage_error("sgn", "verify needs one FILE.sgn and --cert, or --ctl/--itl");
	/* The phones' files are built on only if they verify (as in check). */
	if ((ctl_path != NULL && !ctl_trust_load_held(&ctl, &err, ctl_path, KIND_CTL)) ||
	    (itl_path != NULL && !ctl_trust_load_held(&itl, &err, itl_path, KIND_ITL)))
		goto fail;
	if (certp != NULL && (cert = ctl_load_cert(&err, certp)) == NULL)
		goto fail;
	if (!ctl_parse_path(&f, &err, argv[optind], PARSE_SIGNED))
		goto fail;
	if (ctl_path != NULL || itl_path != NULL) {
		rc = sgn_holder_report(argv[optind], &f, ctl_path ? &ctl : NULL, ctl_path,
				       itl_path ? &itl : NULL, itl_path, cert, certp);
		if (rc != 0)
			goto done;
	} else if (!ctl_verify(&f, &err, NULL, NULL, cert)) {
		ctl_err_prefix(&err, "%s", argv[optind]);
		goto fail;
	}
	if (extract != NULL &&
	    !ctl_write_atomic(&err, extract, f.payload, f.payload_len, 0644))
		goto fail;
	if (ctl_path == NULL && itl_path == NULL)
		cmd_print(stdout, "%s: OK, payload %zu bytes\n", argv[optind], f.payload_len);
	rc = 0;
	goto done;
fail:
	rc = cmd_fail(&err);
done:
	ctl_file_cleanup(&f);
	ctl_file_cleanup(&ctl);
	ctl_file_cleanup(&itl);
	X509_free(cert);
	return rc;
}

int cmd_sgn(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(sgn_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "sign") == 0)
		return sgn_sign(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return sgn_verify(argc - 1, argv + 1);
	if (strcmp(argv[1], "encrypt") == 0)
		return cmd_sgn_encrypt(argc - 1, argv + 1);
	if (strcmp(argv[1], "decrypt") == 0)
		return cmd_sgn_decrypt(argc - 1, argv + 1);
	return cmd_usage_error("sgn", "unknown subcommand '%s' (sign, verify, encrypt or decrypt)", argv[1]);
}
