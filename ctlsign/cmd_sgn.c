/*
 * cmd_sgn.c - `ctlsign sgn sign|verify`: signed configuration files
 * (SEP<MAC>.cnf.xml.sgn): the trust-list header followed by the file.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "trustlist.h"
#include "util.h"

static const char sgn_usage[] =
	"usage: ctlsign sgn sign FILE --sign-key KEY --sign-cert CERT [-o OUT]\n"
	"                   [--digest ALG] [--timestamp SECS] [--header-version M.N]\n"
	"       ctlsign sgn verify FILE.sgn --cert CERT [--extract OUT]\n"
	"\n"
	"sign writes FILE.sgn (or OUT), signed with the TFTP (CallManager) key;\n"
	"verify checks it against the signer's certificate and can write the\n"
	"original file back out.\n"
	"\n"
	"exit status: 0 ok, 1 signature or signer invalid, 2 malformed or usage, 3 I/O\n";

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
	const char *key = NULL, *certp = NULL, *outp = NULL, *ts = NULL, *warning;
	struct ctl_signer *signer = NULL;
	uint8_t *data = NULL, *out = NULL;
	size_t len = 0, olen = 0;
	char *defout = NULL;
	struct ctl_err err;
	unsigned maj, min;
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
			if (sscanf(optarg, "%u.%u", &maj, &min) != 2 || maj > 255 || min > 255)
				return cmd_usage_error("sgn", "--header-version %s: use MAJOR.MINOR", optarg);
			o.ver_major = (uint8_t)maj;
			o.ver_minor = (uint8_t)min;
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
	signer = ctl_signer_from_key_file(&err, &warning, key, certp);
	if (signer == NULL)
		goto fail;
	if (warning != NULL)
		cmd_warn("%s: %s", key, warning);
	if (!ctl_build(&err, &out, &olen, &o, signer, NULL, 0, data, len) ||
	    !ctl_write_atomic(&err, outp, out, olen, 0644))
		goto fail;
	cmd_print(stdout, "%s: %zu bytes, payload %zu bytes\n", outp, olen, len);
	rc = 0;
	goto done;
fail:
	rc = cmd_fail(&err);
done:
	ctl_signer_free(signer);
	free(data);
	free(out);
	free(defout);
	return rc;
}

static int sgn_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cert", required_argument, NULL, 'c' },
		{ "extract", required_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *certp = NULL, *extract = NULL;
	struct ctl_file f = { 0 };
	X509 *cert = NULL;
	struct ctl_err err;
	int c, rc;

	ctl_err_init(&err);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': certp = optarg; break;
		case 'x': extract = optarg; break;
		case 'h': fputs(sgn_usage, stdout); return 0;
		default: return cmd_bad_option("sgn", argv);
		}
	}
	if (optind + 1 != argc || certp == NULL)
		return cmd_usage_error("sgn", "verify needs one FILE.sgn and --cert");
	cert = ctl_load_cert(&err, certp);
	if (cert == NULL ||
	    !ctl_parse_path(&f, &err, argv[optind], PARSE_SIGNED))
		goto fail;
	if (!ctl_verify(&f, &err, NULL, NULL, cert)) {
		ctl_err_prefix(&err, "%s", argv[optind]);
		goto fail;
	}
	if (extract != NULL &&
	    !ctl_write_atomic(&err, extract, f.payload, f.payload_len, 0644))
		goto fail;
	cmd_print(stdout, "%s: OK, payload %zu bytes\n", argv[optind], f.payload_len);
	rc = 0;
	goto done;
fail:
	rc = cmd_fail(&err);
done:
	ctl_file_cleanup(&f);
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
	return cmd_usage_error("sgn", "unknown subcommand '%s' (sign or verify)", argv[1]);
}
