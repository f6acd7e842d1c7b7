/*
 * cmd_enc.c - `ctlsign sgn encrypt|decrypt`: encrypted phone configuration
 * files (SEP<MAC>.cnf.xml.enc.sgn) and the stub served beside them
 * (docs/encrypted-config.md), and what `show` prints of their header.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "p11/p11.h"
#include "prompt.h"
#include "text.h"
#include "tokens/tokens.h"
#include "trustlist.h"
#include "util.h"

static const char enc_usage[] =
	"usage: ctlsign sgn encrypt CONFIG --phone-cert CERT\n"
	"                   (--sign-key KEY --sign-cert CERT | --sign-token URI [--module PATH])\n"
	"                   [-o OUT] [--stub] [--digest ALG] [--timestamp SECS]\n"
	"       ctlsign sgn decrypt FILE.enc.sgn --phone-key KEY|URI --cert CERT [-o OUT]\n"
	"                   [--module PATH]\n"
	"\n"
	"encrypt writes CONFIG.enc.sgn (or OUT): CONFIG in AES-128-CBC under a\n"
	"fresh key wrapped with the phone certificate's RSA key, signed with the\n"
	"TFTP (CallManager) key; --stub also writes the unencrypted stub CUCM\n"
	"serves as CONFIG.sgn (the output name with .enc.sgn made .sgn), holding\n"
	"the MD5 of the phone certificate that the phone compares (certHash).\n"
	"decrypt verifies the signature against CERT, unwraps the key with the\n"
	"phone's private key (a PEM file, or a PKCS#11 URI of a key on a token),\n"
	"decrypts and checks the digest, then writes the configuration to OUT\n"
	"(default: FILE without .enc.sgn).\n"
	"\n"
	"  --digest ALG   sha1 (default), sha256 or sha512: signature and ENCHASH\n"
	"\n"
	"exit status: 0 ok, 1 signature, key or digest does not match, 2 malformed\n"
	"or usage, 3 I/O, 4 token\n";

static const char enc_suffix[] = ".enc.sgn";

/* path with suffix from replaced by to, or NULL if it does not end in from. */
static char *swap_suffix(const char *path, const char *from, const char *to)
{
	size_t n = strlen(path), k = strlen(from);
	char *s;

	if (n <= k || strcmp(path + n - k, from) != 0)
		return NULL;
	s = malloc(n - k + strlen(to) + 1);
	if (s != NULL)
		snprintf(s, n - k + strlen(to) + 1, "%.*s%s", (int)(n - k), path, to);
	return s;
}

static char *concat(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 1;
	char *s = malloc(n);

	if (s != NULL)
		snprintf(s, n, "%s%s", a, b);
	return s;
}

/* The TFTP signer: a key file, or a key on a token. */
static struct ctl_signer *open_signer(struct ctl_err *err, const char *key,
				      const char *certp, const char *token,
				      const char *module)
{
	struct ctl_signer *s = NULL;
	const char *warning = NULL;
	X509 **certs = NULL;
	size_t n = 0;

	if (token == NULL) {
		return cmd_key_signer(err, key, certp);
	}
	{
		/* One token, no SAST records: the two-token rule is the CTL's. */
		struct tokens_build_opts to = {
			.module = module, .sign_uri = token, .allow_single = 1,
			.asker = &cmd_tty_asker,
		};

		if (!tokens_open_for_build(err, &to, &s, &certs, &n, &warning))
			return NULL;
	}
	for (size_t i = 0; i < n; i++)
		X509_free(certs[i]);
	free(certs);
	return s;
}

/*
 * Builds the stub SEP<MAC>.cnf.xml.sgn for config into *out (a .sgn
 * signed like the encrypted file, header version as `sgn sign` writes).
 */
static int build_stub(struct ctl_err *err, uint8_t **out, size_t *out_len,
		      const struct ctl_build_opts *eo, struct ctl_signer *s,
		      X509 *phone, const uint8_t *config, size_t n,
		      const char *path)
{
	struct ctl_build_opts o = { .kind = KIND_SGN, .digest = eo->digest,
				    .timestamp = eo->timestamp,
				    .filename = cmd_basename(path),
				    .ver_major = 1, .ver_minor = 2 };
	uint8_t *xml = NULL;
	size_t xlen = 0;
	int ok;

	if (!ctl_enc_stub(err, &xml, &xlen, config, n, phone))
		return 0;
	ok = ctl_build(err, out, out_len, &o, s, NULL, 0, xml, xlen);
	free(xml);
	return ok;
}

int cmd_sgn_encrypt(int argc, char **argv)
{
	enum { OPT_MODULE = 256, OPT_TOKEN, OPT_STUB };
	static const struct option opts[] = {
		{ "phone-cert", required_argument, NULL, 'p' },
		{ "sign-key", required_argument, NULL, 'k' },
		{ "sign-cert", required_argument, NULL, 'c' },
		{ "sign-token", required_argument, NULL, OPT_TOKEN },
		{ "module", required_argument, NULL, OPT_MODULE },
		{ "output", required_argument, NULL, 'o' },
		{ "stub", no_argument, NULL, OPT_STUB },
		{ "digest", required_argument, NULL, 'd' },
		{ "timestamp", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_build_opts o = { .kind = KIND_SGN, .digest = DIGEST_SHA1,
				    .ver_major = 2, .ver_minor = 0 };
	const char *phonep = NULL, *key = NULL, *certp = NULL, *token = NULL,
		   *module = NULL, *outp = NULL, *ts = NULL;
	struct ctl_out_file files[2];
	struct ctl_signer *signer = NULL;
	uint8_t *data = NULL, *enc = NULL, *stub = NULL;
	size_t len = 0, elen = 0, slen = 0;
	char *defout = NULL, *stubp = NULL;
	X509 *phone = NULL;
	struct ctl_err err;
	int c, rc, want_stub = 0;

	ctl_err_init(&err);
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': phonep = optarg; break;
		case 'k': key = optarg; break;
		case 'c': certp = optarg; break;
		case OPT_TOKEN: token = optarg; break;
		case OPT_MODULE: module = optarg; break;
		case 'o': outp = optarg; break;
		case OPT_STUB: want_stub = 1; break;
		case 't': ts = optarg; break;
		case 'd':
			if (!cmd_parse_digest(optarg, &o.digest))
				return cmd_usage_error("sgn", "--digest %s: use sha1, sha256 or sha512", optarg);
			break;
		case 'h': fputs(enc_usage, stdout); return 0;
		default: return cmd_bad_option("sgn", argv);
		}
	}
	if (optind + 1 != argc || phonep == NULL)
		return cmd_usage_error("sgn", "encrypt needs one CONFIG and --phone-cert");
	if ((token == NULL) == (key == NULL || certp == NULL) ||
	    (token != NULL && (key != NULL || certp != NULL)))
		return cmd_usage_error("sgn", "encrypt signs with --sign-key and --sign-cert, or with --sign-token");
	if (!cmd_timestamp(ts, &o.timestamp))
		return cmd_usage_error("sgn", "timestamp is not a number of seconds");
	if (outp == NULL && (outp = defout = concat(argv[optind], enc_suffix)) == NULL)
		return cmd_usage_error("sgn", "out of memory");
	if (want_stub && (stubp = swap_suffix(outp, enc_suffix, ".sgn")) == NULL) {
		rc = cmd_usage_error("sgn", "--stub needs an output name ending in %s", enc_suffix);
		goto done;
	}
	o.filename = cmd_basename(outp);
	if (!ctl_read_file(&err, argv[optind], CTL_MAX_FILE - 65536, &data, &len) ||
	    (phone = ctl_load_cert(&err, phonep)) == NULL ||
	    (signer = open_signer(&err, key, certp, token, module)) == NULL ||
	    !ctl_enc_build(&err, &enc, &elen, &o, signer, phone, data, len) ||
	    !ctl_build_check(&err, NULL, enc, elen, 1, NULL, signer->cert))
		goto fail;
	if (stubp != NULL &&
	    (!build_stub(&err, &stub, &slen, &o, signer, phone, data, len, stubp) ||
	     !ctl_build_check(&err, NULL, stub, slen, 1, NULL, signer->cert)))
		goto fail;
	files[0] = (struct ctl_out_file){ outp, enc, elen, 0644 };
	files[1] = (struct ctl_out_file){ stubp, stub, slen, 0644 };
	if (!ctl_write_atomic_set(&err, files, stubp != NULL ? 2 : 1))
		goto fail;
	cmd_print(stdout, "%s: %zu bytes, configuration %zu bytes encrypted for %s\n",
		  outp, elen, len, phonep);
	if (stubp != NULL)
		cmd_print(stdout, "%s: %zu bytes, stub\n", stubp, slen);
	rc = 0;
	goto done;
fail:
	rc = cmd_fail(&err);
done:
	ctl_signer_free(signer);
	X509_free(phone);
	burn_free(data, len);
	free(enc);
	free(stub);
	free(defout);
	free(stubp);
	return rc;
}

int cmd_sgn_decrypt(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "phone-key", required_argument, NULL, 'p' },
		{ "cert", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "module", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *keyp = NULL, *certp = NULL, *outp = NULL, *module = NULL;
	struct ctl_file f = { 0 };
	struct p11 *p = NULL;
	EVP_PKEY *pk = NULL;
	X509 *cert = NULL;
	uint8_t *plain = NULL;
	size_t plen = 0;
	char *defout = NULL;
	struct ctl_err err;
	int c, rc;

	ctl_err_init(&err);
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': keyp = optarg; break;
		case 'c': certp = optarg; break;
		case 'o': outp = optarg; break;
		case 'm': module = optarg; break;
		case 'h': fputs(enc_usage, stdout); return 0;
		default: return cmd_bad_option("sgn", argv);
		}
	}
	if (optind + 1 != argc || keyp == NULL || certp == NULL)
		return cmd_usage_error("sgn", "decrypt needs one FILE.enc.sgn, --phone-key and --cert");
	if (outp == NULL &&
	    (outp = defout = swap_suffix(argv[optind], enc_suffix, "")) == NULL)
		return cmd_usage_error("sgn", "%s does not end in %s: name the output with -o",
				       argv[optind], enc_suffix);
	if ((cert = ctl_load_cert(&err, certp)) == NULL ||
	    !ctl_parse_path(&f, &err, argv[optind], PARSE_SIGNED))
		goto fail;
	/* The key last: a PIN or passphrase is asked only for a file that parses. */
	pk = strncmp(keyp, "pkcs11:", 7) == 0
		     ? tokens_private_key(&err, keyp, module, &cmd_tty_asker, &p)
		     : ctl_load_private_key(&err, keyp, &cmd_tty_asker);
	if (pk == NULL)
		goto fail;
	if (!ctl_enc_decrypt(&f, &err, cert, pk, &plain, &plen)) {
		ctl_err_prefix(&err, "%s", argv[optind]);
		goto fail;
	}
	if (!ctl_write_atomic(&err, outp, plain, plen, 0600))
		goto fail;
	cmd_print(stdout, "%s: OK, %zu bytes of configuration written to %s\n",
		  argv[optind], plen, outp);
	rc = 0;
	goto done;
fail:
	rc = cmd_fail(&err);
done:
	ctl_file_cleanup(&f);
	EVP_PKEY_free(pk);
	p11_free(p);
	X509_free(cert);
	burn_free(plain, plen);
	free(defout);
	return rc;
}

/* What `show` prints for an encryption element (tags 16-27) after its length. */
void cmd_enc_show_elem(FILE *out, const struct ctl_elem *e)
{
	switch (e->tag) {
	case HDR_ENCINFO: case HDR_ENCIVINFO: case HDR_ENCKEYINFO:
		fprintf(out, "%u", e->n);
		return;
	default:
		break;
	}
	if (e->p == NULL)
		return;
	switch (e->tag) {
	case HDR_ENCIVRESERVED: case HDR_ENCKEYRESERVED:
		if (e->n == 1)
			fprintf(out, "%u", e->p[0]);
		break;
	case HDR_ENCPADLENGTH:
		if (e->n == 2)
			fprintf(out, "%u bytes", (unsigned)(e->p[0] << 8 | e->p[1]));
		break;
	case HDR_ENCKEYSIZE:
		if (e->n == 2)
			fprintf(out, "%u bits", (unsigned)(e->p[0] << 8 | e->p[1]));
		break;
	case HDR_ENCKEYALGORITHM:
		if (e->n == 1)
			fprintf(out, "%s", e->p[0] == CTL_ENC_KEYALG_AES128
				? "AES-128-CBC" : "unknown");
		break;
	case HDR_ENCHASHALGORITHM:
		if (e->n == 1)
			fprintf(out, "%s", ctl_digest_name(e->p[0]) ? ctl_digest_name(e->p[0])
								   : "unknown");
		break;
	case HDR_ENCIV: case HDR_ENCHASH:
		for (size_t i = 0; i < e->n; i++)
			fprintf(out, "%02x", e->p[i]);
		break;
	case HDR_ENCKEY:
		fprintf(out, "RSA-wrapped for a %u-bit phone key", e->n * 8u);
		break;
	default:
		break;
	}
}

/*
 * The phone certificate hash the file expects: the encrypted file does
 * not carry it; the stub served beside it (FILE with .enc.sgn made .sgn)
 * does, as <certHash>. Returns 1 and fills md5 when that stub parses and
 * holds one; *out_stub is the stub's path (malloc'd) when one was looked for.
 */
static int stub_hash(const char *path, char md5[33], char **out_stub)
{
	struct ctl_file s;
	struct ctl_err err;
	int ok;

	*out_stub = swap_suffix(path, enc_suffix, ".sgn");
	if (*out_stub == NULL)
		return 0;
	ctl_err_init(&err);
	if (!ctl_parse_path(&s, &err, *out_stub, PARSE_SIGNED))
		return 0;
	ok = ctl_enc_stub_certhash(s.payload, s.payload_len, md5);
	ctl_file_cleanup(&s);
	return ok;
}

void cmd_enc_show_summary(FILE *out, const char *path, const struct ctl_file *f)
{
	struct ctl_err err;
	char md5[33], *stub = NULL;

	if (f->kind == KIND_SGN && !ctl_enc_present(f)) {
		if (ctl_enc_stub_certhash(f->payload, f->payload_len, md5))
			fprintf(out, "\nStub of an encrypted configuration: phone certificate MD5 (certHash) %s\n",
				md5);
		return;
	}
	if (!ctl_enc_present(f))
		return;
	ctl_err_init(&err);
	fputs("\nEncrypted configuration (AES-128-CBC", out);
	if (ctl_enc_check(f, &err))
		fprintf(out, ", key wrapped for a %u-bit RSA phone key): %zu bytes of ciphertext\n",
			f->enc.key.n * 8u, f->payload_len);
	else {
		fputs("): the encryption header is malformed: ", out);
		ctl_text_put(out, (const uint8_t *)err.msg, strlen(err.msg));
		fputc('\n', out);
	}
	if (stub_hash(path, md5, &stub)) {
		fprintf(out, "Phone certificate MD5 expected (certHash of ");
		ctl_text_put(out, (const uint8_t *)stub, strlen(stub));
		fprintf(out, "): %s\n", md5);
	} else {
		fputs("Phone certificate MD5 expected: not in this file; the stub ", out);
		if (stub != NULL)
			ctl_text_put(out, (const uint8_t *)stub, strlen(stub));
		else
			fputs("(NAME.cnf.xml.sgn)", out);
		fputs(" carries it as <certHash>\n", out);
	}
	free(stub);
}

void cmd_enc_show_json(json_t *file, const char *path, const struct ctl_file *f)
{
	struct ctl_err err;
	char md5[33], *stub = NULL;
	json_t *e;
	int hash, valid;

	cj_set(file, "stub_cert_hash", cj_str(NULL));
	cj_set(file, "encryption", cj_str(NULL));
	if (!ctl_enc_present(f)) {
		if (f->kind == KIND_SGN &&
		    ctl_enc_stub_certhash(f->payload, f->payload_len, md5))
			cj_set(file, "stub_cert_hash", cj_str(md5));
		return;
	}
	ctl_err_init(&err);
	hash = stub_hash(path, md5, &stub);
	free(stub);
	/* The same members either way; a malformed header leaves them null. */
	e = cj_obj();
	valid = ctl_enc_check(f, &err);
	cj_set(e, "valid", cj_bool(valid));
	cj_set(e, "error", valid ? cj_str(NULL) : cj_error(&err));
	cj_set(e, "cipher", cj_str("AES-128-CBC"));
	cj_set(e, "wrapped_key_bits", valid ? cj_int(f->enc.key.n * 8LL) : cj_str(NULL));
	cj_set(e, "padding", valid ? cj_int(f->enc.pad_len.p[0] << 8 | f->enc.pad_len.p[1])
				   : cj_str(NULL));
	cj_set(e, "hash_algorithm", valid ? cj_str(ctl_digest_name(f->enc.hash_alg.p[0]))
					  : cj_str(NULL));
	cj_set(e, "phone_cert_md5", cj_str(hash ? md5 : NULL));
	cj_set(file, "encryption", e);
}
