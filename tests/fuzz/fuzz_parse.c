/*
 * fuzz_parse.c - libFuzzer target for the trust-list parser.
 *
 * Every input is parsed in each mode. A failed parse must have recorded
 * an error (one line). A successful parse must re-serialize to the input
 * byte for byte, or the parser dropped or invented something: abort so
 * that libFuzzer keeps the input. Then everything that reads a parsed
 * file runs on it: the signer lookup, verification with and without the
 * key cache (.sgn files against tests/data/pub.pem), the trust
 * assessment, and for encrypted configuration files (tags 16-27) the
 * header check, the decryption with tests/data/tvs.key (the seeds from
 * make-corpus.sh are encrypted for tvs.pem) and the stub reader, under
 * AddressSanitizer and UndefinedBehaviorSanitizer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trustlist.h"

static X509 *sgn_cert;
static EVP_PKEY *phone_key;
static struct ctl_key_cache *cache;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct ctl_err err;

	(void)argc;
	(void)argv;
	ctl_err_init(&err);
	sgn_cert = ctl_load_cert(&err, TEST_DATA "/pub.pem");
	if (sgn_cert == NULL) {
		fprintf(stderr, "fuzz_parse: %s\n", err.msg);
		abort();
	}
	phone_key = ctl_load_private_key(&err, TEST_DATA "/tvs.key", NULL);
	if (phone_key == NULL) {
		fprintf(stderr, "fuzz_parse: %s\n", err.msg);
		abort();
	}
	cache = ctl_key_cache_new();
	if (cache == NULL)
		abort();
	return 0;
}

/* An error was recorded, and it is one line. */
static void check_err(const struct ctl_err *err, const char *what)
{
	if (err->code == CTL_OK || err->msg[0] == '\0' ||
	    strchr(err->msg, '\n') != NULL) {
		fprintf(stderr, "fuzz_parse: %s failed without a proper error (code %d): %s\n",
			what, err->code, err->msg);
		abort();
	}
}

static void round_trip(const struct ctl_file *f, const uint8_t *data,
		       size_t size)
{
	struct ctl_err err;
	uint8_t *out = NULL;
	size_t out_len = 0;

	ctl_err_init(&err);
	if (!ctl_serialize(f, &err, &out, &out_len)) {
		fprintf(stderr, "fuzz_parse: parsed but cannot serialize: %s\n", err.msg);
		abort();
	}
	if (out_len != size || memcmp(out, data, size) != 0) {
		size_t i = 0;

		while (i < out_len && i < size && out[i] == data[i])
			i++;
		fprintf(stderr, "fuzz_parse: round trip differs: %zu bytes in, %zu out, first difference at offset %zu\n",
			size, out_len, i);
		abort();
	}
	free(out);
}

/* Encrypted files and their stubs: nothing is handed out unless it all holds. */
static void use_enc(const struct ctl_file *f)
{
	struct ctl_err err;
	uint8_t *plain = NULL, *stub = NULL;
	size_t plen = 0, slen = 0;
	char md5[33];

	if (f->kind == KIND_SGN) {
		(void)ctl_enc_stub_certhash(f->payload, f->payload_len, md5);
		ctl_err_init(&err);
		if (!ctl_enc_stub(&err, &stub, &slen, f->payload, f->payload_len,
				  sgn_cert))
			check_err(&err, "ctl_enc_stub");
		free(stub);
	}
	if (!ctl_enc_present(f))
		return;
	ctl_err_init(&err);
	if (!ctl_enc_check(f, &err)) {
		check_err(&err, "ctl_enc_check");
		if (err.code != CTL_E_FORMAT)
			abort();
	}
	ctl_err_init(&err);
	if (!ctl_enc_decrypt(f, &err, sgn_cert, phone_key, &plain, &plen)) {
		check_err(&err, "ctl_enc_decrypt");
		if (plain != NULL)
			abort();
		return;
	}
	if (plen > f->payload_len)
		abort();
	free(plain);
}

static void use(const struct ctl_file *f)
{
	struct ctl_verify_result vr;
	struct ctl_err err;
	char why[512];
	int signer = ctl_find_signer(f);

	if (signer < -1 || signer >= (int)f->nrecs)
		abort();
	ctl_err_init(&err);
	if (!ctl_verify(f, &err, &vr, NULL, sgn_cert))
		check_err(&err, "ctl_verify");
	else if (f->kind != KIND_SGN && vr.signer_index != signer)
		abort();
	ctl_err_init(&err);
	if (!ctl_verify(f, &err, NULL, cache, sgn_cert))
		check_err(&err, "ctl_verify (cached)");
	ctl_err_init(&err);
	if (!ctl_verify(f, &err, NULL, cache, NULL))
		check_err(&err, "ctl_verify (no certificate)");
	if (f->kind != KIND_SGN) {
		(void)ctl_assess_trust(f, f, NULL, why, sizeof(why));
		(void)ctl_assess_trust(f, NULL, f, why, sizeof(why));
	}
	use_enc(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum ctl_parse_mode modes[] = { PARSE_AUTO, PARSE_RECORDS,
						     PARSE_SIGNED };

	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		struct ctl_file f;
		struct ctl_err err;

		ctl_err_init(&err);
		if (!ctl_parse(&f, &err, data, size, modes[m])) {
			check_err(&err, "ctl_parse");
			continue;
		}
		round_trip(&f, data, size);
		/* Verification is the slow part: once, in the mode a user gets. */
		if (modes[m] == PARSE_AUTO)
			use(&f);
		ctl_file_cleanup(&f);
	}
	return 0;
}
