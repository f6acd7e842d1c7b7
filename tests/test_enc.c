/*
 * test_enc.c - encrypted configuration files (.cnf.xml.enc.sgn): round
 * trips for RSA-1024 and RSA-2048 phone keys and every digest, the layout
 * the certutils tool writes, and hostile files. The hostile files that
 * must reach the checks behind the signature are signed again with the
 * TFTP key (ctl_build with hand-made encryption elements): an attacker
 * without that key is stopped by the signature already, tested too.
 */
#include "testutil.h"

#include <openssl/evp.h>

#include "bytes.h"

static const char config[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<device>\n"
	"<fullConfig>true</fullConfig>\n"
	"<loadInformation>SIP75.9-3-1SR2-1S</loadInformation>\n"
	"<ipAddressMode>0</ipAddressMode>\n<capfAuthMode>0</capfAuthMode>\n"
	"<capfList>\n<capf>\n<phonePort>3804</phonePort>\n"
	"<processNodeName>10.48.46.4</processNodeName>\n</capf>\n</capfList>\n"
	"<sshUserId>admin</sshUserId>\n</device>\n";

struct fx {
	struct ctl_signer *tftp;   /* the TFTP (CallManager) key */
	X509 *phone[2];            /* RSA-1024 and RSA-2048 stand-ins for a phone's LSC */
	EVP_PKEY *key[2];          /* their private keys */
	EVP_PKEY *other[2];        /* other keys of the same sizes */
};

static EVP_PKEY *test_key(const char *name)
{
	char path[512];
	struct ctl_err err;
	EVP_PKEY *k;

	ctl_err_init(&err);
	snprintf(path, sizeof(path), "%s/%s.key", TEST_DATA, name);
	k = ctl_load_private_key(&err, path, NULL);
	if (k == NULL)
		fail_msg("%s", err.msg);
	return k;
}

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	x->tftp = test_signer("pub");
	x->phone[0] = test_cert("sub1");
	x->phone[1] = test_cert("tvs");
	x->key[0] = test_key("sub1");
	x->key[1] = test_key("tvs");
	x->other[0] = test_key("capf");
	x->other[1] = test_key("itlrecovery");
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	for (int i = 0; i < 2; i++) {
		X509_free(x->phone[i]);
		EVP_PKEY_free(x->key[i]);
		EVP_PKEY_free(x->other[i]);
	}
	ctl_signer_free(x->tftp);
	free(x);
	return 0;
}

static struct ctl_build_opts enc_opts(uint8_t digest)
{
	struct ctl_build_opts o = { .kind = KIND_SGN, .digest = digest,
				    .timestamp = SEED_TIMESTAMP,
				    .filename = "SEPA45630BBFA40.cnf.xml.enc.sgn",
				    .ver_major = 2, .ver_minor = 0 };
	return o;
}

static void build_enc(struct fx *x, int phone, uint8_t digest,
		      const uint8_t *cfg, size_t n, uint8_t **out, size_t *len)
{
	struct ctl_build_opts o = enc_opts(digest);
	struct ctl_err err;

	ctl_err_init(&err);
	if (!ctl_enc_build(&err, out, len, &o, x->tftp, x->phone[phone], cfg, n))
		fail_msg("%s", err.msg);
}

/* Decrypts buf; returns the error code (CTL_OK on success, with *out set). */
static enum ctl_code decrypt(struct fx *x, EVP_PKEY *key, const uint8_t *buf,
			     size_t len, struct ctl_err *err, uint8_t **out,
			     size_t *out_len)
{
	struct ctl_file f;

	ctl_err_init(err);
	*out = NULL;
	*out_len = 0;
	if (!ctl_parse(&f, err, buf, len, PARSE_AUTO))
		return err->code;
	if (!ctl_enc_decrypt(&f, err, x->tftp->cert, key, out, out_len)) {
		assert_null(*out);
		ctl_file_cleanup(&f);
		return err->code;
	}
	ctl_file_cleanup(&f);
	return CTL_OK;
}

/* Round trips: both key sizes, every digest, lengths around the block. */
static void test_round_trip(void **state)
{
	static const uint8_t digests[] = { DIGEST_SHA1, DIGEST_SHA256, DIGEST_SHA512 };
	static const size_t lens[] = { 0, 1, 15, 16, 17, 31, 32, sizeof(config) - 1, 5000 };
	struct fx *x = *state;
	uint8_t *big = malloc(5000);

	assert_non_null(big);
	for (size_t i = 0; i < 5000; i++)
		big[i] = (uint8_t)(i * 7 + 3);
	for (int ph = 0; ph < 2; ph++)
		for (size_t d = 0; d < sizeof(digests); d++)
			for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
				const uint8_t *cfg = lens[l] == 5000 ? big
								     : (const uint8_t *)config;
				uint8_t *buf, *plain;
				size_t len, plen;
				struct ctl_err err;

				build_enc(x, ph, digests[d], cfg, lens[l], &buf, &len);
				if (decrypt(x, x->key[ph], buf, len, &err, &plain, &plen) != CTL_OK)
					fail_msg("phone %d digest %u length %zu: %s", ph,
						 digests[d], lens[l], err.msg);
				assert_int_equal(plen, lens[l]);
				if (plen > 0)
					assert_memory_equal(plain, cfg, plen);
				free(plain);
				/* The other phone's key of the same size opens nothing. */
				assert_int_equal(decrypt(x, x->other[ph], buf, len, &err,
							 &plain, &plen), CTL_E_VERIFY);
				/* The wrong size is named before any RSA is tried. */
				assert_int_equal(decrypt(x, x->key[1 - ph], buf, len, &err,
							 &plain, &plen), CTL_E_VERIFY);
				assert_non_null(strstr(err.msg, "ENCKEY"));
				free(buf);
			}
	free(big);
}

/*
 * The layout: the header of a .sgn with tags 16-27 after TIMESTAMP, in
 * the order and groups the certutils tool writes; HEADERLENGTH a multiple
 * of 4; ENCKEYSIZE the bits of the wrapped key; 1 to 16 bytes of padding.
 */
static void test_layout(void **state)
{
	static const uint8_t want[][2] = {
		{ 1, 0 }, { 2, 0 }, { 3, 0 }, { 4, 1 }, { 5, 1 }, { 6, 1 },
		{ 7, 0 }, { 8, 1 }, { 9, 1 }, { 10, 2 }, { 11, 2 }, { 12, 0 },
		{ 14, 0 }, { 15, 0 }, { 16, 0 }, { 17, 1 }, { 18, 2 }, { 19, 2 },
		{ 20, 2 }, { 21, 1 }, { 22, 2 }, { 23, 2 }, { 24, 2 }, { 25, 2 },
		{ 26, 0 }, { 27, 0 },
	};
	struct fx *x = *state;

	for (int ph = 0; ph < 2; ph++) {
		struct ctl_file f;
		struct ctl_err err;
		uint8_t *buf, *again;
		size_t len, alen, i;

		build_enc(x, ph, DIGEST_SHA512, (const uint8_t *)config,
			  sizeof(config) - 1, &buf, &len);
		ctl_err_init(&err);
		assert_true(ctl_parse(&f, &err, buf, len, PARSE_AUTO));
		assert_int_equal(f.kind, KIND_SGN);
		assert_int_equal(f.unknown, 0);
		assert_int_equal(f.ver_major, 2);
		assert_int_equal(f.ver_minor, 0);
		assert_int_equal(f.header_len % 4, 0);
		for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			assert_int_equal(f.elems[i].tag, want[i][0]);
			assert_int_equal(f.elems[i].depth, want[i][1]);
			assert_non_null(ctl_header_tag_name(f.elems[i].tag));
		}
		for (; i < f.nelems; i++)
			assert_int_equal(f.elems[i].tag, HDR_PADDING);
		assert_true(ctl_enc_present(&f));
		assert_true(ctl_enc_check(&f, &err));
		assert_int_equal(f.enc.iv.n, 16);
		assert_int_equal(f.enc.key.n, ph ? 256 : 128);
		assert_int_equal(f.enc.key_size.p[0] << 8 | f.enc.key_size.p[1],
				 f.enc.key.n * 8);
		assert_int_equal(f.enc.key_alg.p[0], 1);
		assert_int_equal(f.enc.iv_reserved.p[0], 0);
		assert_int_equal(f.enc.key_reserved.p[0], 0);
		assert_int_equal(f.enc.hash_alg.p[0], DIGEST_SHA512);
		assert_int_equal(f.enc.hash.n, 64);
		assert_int_equal(f.enc.pad_len.p[1],
				 16 - (sizeof(config) - 1) % 16);
		assert_int_equal(f.payload_len, sizeof(config) - 1 + f.enc.pad_len.p[1]);
		/* Re-serialized from its elements, byte for byte. */
		assert_true(ctl_serialize(&f, &err, &again, &alen));
		assert_int_equal(alen, len);
		assert_memory_equal(again, buf, len);
		/* Two builds: a fresh key and IV each time. */
		free(again);
		build_enc(x, ph, DIGEST_SHA512, (const uint8_t *)config,
			  sizeof(config) - 1, &again, &alen);
		assert_int_equal(alen, len);
		assert_memory_not_equal(again + f.header_len, buf + f.header_len,
					f.payload_len);
		free(again);
		ctl_file_cleanup(&f);
		free(buf);
	}
}

/* The parts of a good file, to make hostile ones from. */
struct parts {
	uint8_t iv[16], key[512], hash[64], payload[1024];
	size_t key_len, hash_len, payload_len;
	uint16_t pad;
};

static void take_parts(struct fx *x, struct parts *p)
{
	struct ctl_file f;
	struct ctl_err err;
	uint8_t *buf;
	size_t len;

	build_enc(x, 1, DIGEST_SHA1, (const uint8_t *)config, sizeof(config) - 1,
		  &buf, &len);
	ctl_err_init(&err);
	assert_true(ctl_parse(&f, &err, buf, len, PARSE_AUTO));
	memcpy(p->iv, f.enc.iv.p, 16);
	p->key_len = f.enc.key.n;
	memcpy(p->key, f.enc.key.p, p->key_len);
	p->hash_len = f.enc.hash.n;
	memcpy(p->hash, f.enc.hash.p, p->hash_len);
	assert_true(f.payload_len <= sizeof(p->payload));
	p->payload_len = f.payload_len;
	memcpy(p->payload, f.payload, f.payload_len);
	p->pad = (uint16_t)(f.enc.pad_len.p[0] << 8 | f.enc.pad_len.p[1]);
	ctl_file_cleanup(&f);
	free(buf);
}

/* What to write differently from the good layout. */
struct twist {
	const char *what;
	enum ctl_code want;      /* CTL_E_FORMAT or CTL_E_VERIFY */
	int key_cut;             /* bytes cut off ENCKEY */
	int key_size_follows;    /* ENCKEYSIZE says the cut length */
	int iv_len;              /* 0: 16 */
	int flip_iv, flip_payload_first, flip_payload_last;
	int has_pad, pad;        /* has_pad 0: the real padding length */
	int key_alg;             /* 0: 1 (AES-128-CBC) */
	int hash_len_cut;
	int hash_alg;            /* 0: SHA-1 */
	int payload_cut;
	int iv_outside;          /* ENCIV at the top level, not in ENCIVINFO */
	int no_hash;
	int ivinfo_len_plus;     /* ENCIVINFO claims more than it holds */
	int hash_inside;         /* ENCHASHALGORITHM and ENCHASH in ENCRYPTIONINFO */
	int key_outside;         /* ENCKEY in ENCIVINFO */
};

/* A file signed by the TFTP key with the encryption elements of t. */
static void forge(struct fx *x, const struct parts *p, const struct twist *t,
		  uint8_t **out, size_t *out_len)
{
	struct ctl_build_opts o = enc_opts(DIGEST_SHA1);
	uint8_t iv[32] = { 0 }, payload[1024], zero = 0; /* room for a 17-byte IV */
	uint8_t alg = (uint8_t)(t->key_alg ? t->key_alg : 1);
	uint8_t halg = (uint8_t)(t->hash_alg ? t->hash_alg : DIGEST_SHA1);
	size_t klen = p->key_len - (size_t)t->key_cut;
	size_t plen = p->payload_len - (size_t)t->payload_cut;
	uint8_t *elems = NULL;
	size_t elen = 0;
	struct ctl_err err;
	struct cbb b;

	memcpy(iv, p->iv, 16);
	memcpy(payload, p->payload, p->payload_len);
	if (t->flip_iv)
		iv[3] ^= 0x40;
	if (t->flip_payload_first)
		payload[5] ^= 0x01;
	if (t->flip_payload_last)
		payload[p->payload_len - 1] ^= 0x80;
	assert_true(cbb_init(&b, 1024));
	assert_true(cbb_add_u8(&b, HDR_ENCINFO) && cbb_open_u16(&b));
	if (t->ivinfo_len_plus) {
		/* A length written by hand: the lie is the point. */
		assert_true(cbb_add_u8(&b, HDR_ENCIVINFO) &&
			    cbb_add_u16(&b, 4 + 19 + 5 + 300));
	} else {
		assert_true(cbb_add_u8(&b, HDR_ENCIVINFO) && cbb_open_u16(&b));
	}
	assert_true(cbb_element(&b, HDR_ENCIVRESERVED, &zero, 1));
	if (!t->iv_outside)
		assert_true(cbb_element(&b, HDR_ENCIV, iv, t->iv_len ? (size_t)t->iv_len : 16));
	if (t->key_outside)
		assert_true(cbb_element(&b, HDR_ENCKEY, p->key, klen));
	assert_true(cbb_add_u8(&b, HDR_ENCPADLENGTH) && cbb_open_u16(&b) &&
		    cbb_add_u16(&b, (uint16_t)(t->has_pad ? t->pad : p->pad)) &&
		    cbb_close(&b));
	if (!t->ivinfo_len_plus)
		assert_true(cbb_close(&b));
	assert_true(cbb_add_u8(&b, HDR_ENCKEYINFO) && cbb_open_u16(&b) &&
		    cbb_element(&b, HDR_ENCKEYRESERVED, &zero, 1) &&
		    cbb_add_u8(&b, HDR_ENCKEYSIZE) && cbb_open_u16(&b) &&
		    cbb_add_u16(&b, (uint16_t)((t->key_size_follows ? klen : p->key_len) * 8)) &&
		    cbb_close(&b) && cbb_element(&b, HDR_ENCKEYALGORITHM, &alg, 1) &&
		    (t->key_outside || cbb_element(&b, HDR_ENCKEY, p->key, klen)) &&
		    cbb_close(&b));
	if (!t->hash_inside)
		assert_true(cbb_close(&b));
	if (t->iv_outside)
		assert_true(cbb_element(&b, HDR_ENCIV, iv, 16));
	assert_true(cbb_element(&b, HDR_ENCHASHALGORITHM, &halg, 1));
	if (!t->no_hash)
		assert_true(cbb_element(&b, HDR_ENCHASH, p->hash,
					p->hash_len - (size_t)t->hash_len_cut));
	if (t->hash_inside)
		assert_true(cbb_close(&b));
	assert_true(cbb_finish(&b, &elems, &elen));
	o.extra_header = elems;
	o.extra_header_len = elen;
	ctl_err_init(&err);
	if (!ctl_build(&err, out, out_len, &o, x->tftp, NULL, 0, payload, plen))
		fail_msg("%s: %s", t->what, err.msg);
	free(elems);
}

#define TW(...) { __VA_ARGS__ }

static void test_hostile_signed(void **state)
{
	static const struct twist twists[] = {
		TW(.what = "as built", .want = CTL_OK),
		TW(.what = "wrapped key cut short, ENCKEYSIZE not", .want = CTL_E_FORMAT, .key_cut = 1),
		TW(.what = "wrapped key cut short, ENCKEYSIZE too", .want = CTL_E_VERIFY,
		   .key_cut = 16, .key_size_follows = 1),
		TW(.what = "wrapped key cut to nothing", .want = CTL_E_FORMAT, .key_cut = 256,
		   .key_size_follows = 1),
		TW(.what = "altered IV", .want = CTL_E_VERIFY, .flip_iv = 1),
		TW(.what = "altered first block", .want = CTL_E_VERIFY, .flip_payload_first = 1),
		TW(.what = "altered last block", .want = CTL_E_VERIFY, .flip_payload_last = 1),
		TW(.what = "IV of 15 bytes", .want = CTL_E_FORMAT, .iv_len = 15),
		TW(.what = "IV of 17 bytes", .want = CTL_E_FORMAT, .iv_len = 17),
		TW(.what = "padding longer than a block", .want = CTL_E_FORMAT, .has_pad = 1, .pad = 17),
		TW(.what = "padding 0xffff", .want = CTL_E_FORMAT, .has_pad = 1, .pad = 0xffff),
		TW(.what = "padding that lies", .want = CTL_E_VERIFY, .has_pad = 1, .pad = 1),
		TW(.what = "unknown key algorithm", .want = CTL_E_FORMAT, .key_alg = 2),
		TW(.what = "hash cut short", .want = CTL_E_FORMAT, .hash_len_cut = 1),
		TW(.what = "unknown hash algorithm", .want = CTL_E_FORMAT, .hash_alg = 9),
		TW(.what = "hash algorithm SHA-512 with a SHA-1 hash", .want = CTL_E_FORMAT,
		   .hash_alg = DIGEST_SHA512),
		TW(.what = "payload not whole blocks", .want = CTL_E_FORMAT, .payload_cut = 1),
		TW(.what = "payload a block short", .want = CTL_E_VERIFY, .payload_cut = 16),
		TW(.what = "IV outside ENCIVINFO", .want = CTL_E_FORMAT, .iv_outside = 1),
		TW(.what = "no ENCHASH", .want = CTL_E_FORMAT, .no_hash = 1),
		TW(.what = "hash inside ENCRYPTIONINFO (seed 003)", .want = CTL_OK,
		   .hash_inside = 1),
		TW(.what = "ENCKEY in ENCIVINFO", .want = CTL_E_FORMAT, .key_outside = 1),
		TW(.what = "ENCIVINFO overruns ENCRYPTIONINFO", .want = CTL_E_FORMAT,
		   .ivinfo_len_plus = 1),
	};
	struct fx *x = *state;
	struct parts p;

	take_parts(x, &p);
	for (size_t i = 0; i < sizeof(twists) / sizeof(twists[0]); i++) {
		const struct twist *t = &twists[i];
		struct ctl_err err;
		uint8_t *buf, *plain;
		size_t len, plen;
		enum ctl_code got;

		forge(x, &p, t, &buf, &len);
		got = decrypt(x, x->key[1], buf, len, &err, &plain, &plen);
		if (got != t->want)
			fail_msg("%s: code %d, expected %d: %s", t->what, got, t->want, err.msg);
		if (got == CTL_OK) {
			assert_int_equal(plen, sizeof(config) - 1);
			assert_memory_equal(plain, config, plen);
			free(plain);
		} else {
			assert_null(plain);
			/* One line, and where the element is when it is an element's fault. */
			assert_null(strchr(err.msg, '\n'));
			if (got == CTL_E_FORMAT && strstr(err.msg, "header: no ") == NULL &&
			    strstr(err.msg, "at offset ") == NULL)
				fail_msg("%s: no offset in: %s", t->what, err.msg);
			/* enc.c's own findings carry the offset as a field too. */
			if (strstr(err.msg, "header: ENC") == err.msg &&
			    strstr(err.msg, "overruns") == NULL &&
			    !(err.offset > 0 && (size_t)err.offset < len))
				fail_msg("%s: no offset (%lld) for: %s", t->what,
					 err.offset, err.msg);
		}
		free(buf);
	}
}

/* Without the TFTP key an attacker is stopped by the signature. */
static void test_unsigned_tamper(void **state)
{
	struct fx *x = *state;
	struct ctl_file f;
	struct ctl_err err;
	uint8_t *buf, *plain;
	size_t len, plen, offs[4];

	build_enc(x, 0, DIGEST_SHA1, (const uint8_t *)config, sizeof(config) - 1,
		  &buf, &len);
	ctl_err_init(&err);
	assert_true(ctl_parse(&f, &err, buf, len, PARSE_AUTO));
	offs[0] = f.enc.iv.off + 3;        /* the IV */
	offs[1] = f.enc.key.off + 3 + 7;   /* the wrapped key */
	offs[2] = f.enc.hash.off + 3;      /* the hash */
	offs[3] = len - 1;                 /* the ciphertext */
	ctl_file_cleanup(&f);
	for (size_t i = 0; i < 4; i++) {
		buf[offs[i]] ^= 0x10;
		assert_int_equal(decrypt(x, x->key[0], buf, len, &err, &plain, &plen),
				 CTL_E_VERIFY);
		assert_null(plain);
		buf[offs[i]] ^= 0x10;
	}
	assert_int_equal(decrypt(x, x->key[0], buf, len, &err, &plain, &plen), CTL_OK);
	free(plain);
	free(buf);
}

/* Cut at every byte: refused every time, never a plaintext, never a crash. */
static void test_truncations(void **state)
{
	struct fx *x = *state;
	uint8_t *buf, *plain;
	size_t len, plen;

	build_enc(x, 0, DIGEST_SHA1, (const uint8_t *)config, 40, &buf, &len);
	for (size_t n = 0; n < len; n++) {
		struct ctl_err err;
		enum ctl_code c = decrypt(x, x->key[0], buf, n, &err, &plain, &plen);

		if (c != CTL_E_FORMAT && c != CTL_E_VERIFY)
			fail_msg("cut at %zu: code %d: %s", n, c, err.msg);
		assert_null(plain);
	}
	free(buf);
}

/* Hostile lengths of the fixed-size elements are refused by the parser. */
static void test_parse_lengths(void **state)
{
	static const uint8_t tags[] = { HDR_ENCIVRESERVED, HDR_ENCPADLENGTH,
					HDR_ENCKEYRESERVED, HDR_ENCKEYSIZE,
					HDR_ENCKEYALGORITHM, HDR_ENCHASHALGORITHM };
	static const uint16_t lens[] = { 0, 3, 0xffff };
	struct fx *x = *state;
	struct ctl_file f;
	struct ctl_err err;
	uint8_t *buf;
	size_t len;

	build_enc(x, 0, DIGEST_SHA1, (const uint8_t *)config, 40, &buf, &len);
	ctl_err_init(&err);
	assert_true(ctl_parse(&f, &err, buf, len, PARSE_AUTO));
	for (size_t t = 0; t < sizeof(tags); t++) {
		size_t off = 0;

		for (size_t i = 0; i < f.nelems; i++)
			if (f.elems[i].tag == tags[t])
				off = f.elems[i].off;
		assert_true(off > 0);
		for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			uint8_t save[2] = { buf[off + 1], buf[off + 2] };
			struct ctl_file g;

			buf[off + 1] = (uint8_t)(lens[l] >> 8);
			buf[off + 2] = (uint8_t)lens[l];
			ctl_err_init(&err);
			assert_false(ctl_parse(&g, &err, buf, len, PARSE_AUTO));
			assert_int_equal(err.code, CTL_E_FORMAT);
			assert_non_null(strstr(err.msg, ctl_header_tag_name(tags[t])));
			buf[off + 1] = save[0];
			buf[off + 2] = save[1];
		}
	}
	ctl_file_cleanup(&f);
	free(buf);
}

/* The bytes as a C string (out is not NUL-terminated: no strndup, which
 * ASan's strict string checks read one byte past). */
static char *dup_text(const uint8_t *b, size_t n)
{
	char *s = malloc(n + 1);

	if (s != NULL) {
		memcpy(s, b, n);
		s[n] = '\0';
	}
	return s;
}

/* The stub: what seed 003 shows, with the phone certificate's MD5. */
static void test_stub(void **state)
{
	static const char bare[] = "<device><fullConfig>true</fullConfig></device>";
	static const char hostile[] =
		"<device><loadInformationX>no</loadInformationX><capfList><capf>"
		"<ipAddressMode>1</ipAddressMode>";
	struct fx *x = *state;
	struct ctl_err err;
	uint8_t *out;
	size_t len;
	char md5[33], got[33];
	char *s;

	assert_true(ctl_cert_md5_hex(x->phone[1], md5));
	assert_int_equal(strlen(md5), 32);
	ctl_err_init(&err);
	assert_true(ctl_enc_stub(&err, &out, &len, (const uint8_t *)config,
				 sizeof(config) - 1, x->phone[1]));
	s = dup_text(out, len);
	assert_non_null(s);
	assert_non_null(strstr(s, "<fullConfig>False</fullConfig>\n"
				  "<loadInformation>SIP75.9-3-1SR2-1S</loadInformation>\n"
				  "<ipAddressMode>0</ipAddressMode>\n"
				  "<capfAuthMode>0</capfAuthMode>\n<capfList>\n<capf>\n"));
	assert_non_null(strstr(s, "<encrConfig>true</encrConfig>"));
	assert_null(strstr(s, "sshUserId"));
	assert_true(ctl_enc_stub_certhash(out, len, got));
	assert_string_equal(got, md5);
	free(s);
	free(out);

	assert_true(ctl_enc_stub(&err, &out, &len, (const uint8_t *)bare,
				 sizeof(bare) - 1, x->phone[0]));
	s = dup_text(out, len);
	assert_null(strstr(s, "capfList"));
	assert_non_null(strstr(s, "<certHash>"));
	free(s);
	free(out);

	/* A longer name is not the element; an unclosed one is left out. */
	assert_true(ctl_enc_stub(&err, &out, &len, (const uint8_t *)hostile,
				 sizeof(hostile) - 1, x->phone[0]));
	s = dup_text(out, len);
	assert_null(strstr(s, "loadInformation"));
	assert_null(strstr(s, "capfList"));
	assert_non_null(strstr(s, "<ipAddressMode>1</ipAddressMode>"));
	free(s);
	free(out);

	assert_false(ctl_enc_stub_certhash((const uint8_t *)"<certHash>xyz</certHash>", 24, got));
	assert_false(ctl_enc_stub_certhash((const uint8_t *)"<certHash>", 10, got));
	assert_false(ctl_enc_stub_certhash(NULL, 0, got));
}

/* A plain .sgn carries no encryption elements and is not taken for one. */
static void test_plain_sgn(void **state)
{
	struct fx *x = *state;
	struct ctl_build_opts o = enc_opts(DIGEST_SHA1);
	struct ctl_file f;
	struct ctl_err err;
	uint8_t *buf, *plain;
	size_t len, plen;

	o.filename = "SEPA45630BBFA40.cnf.xml.sgn";
	ctl_err_init(&err);
	assert_true(ctl_build(&err, &buf, &len, &o, x->tftp, NULL, 0,
			      (const uint8_t *)config, 32));
	assert_true(ctl_parse(&f, &err, buf, len, PARSE_AUTO));
	assert_false(ctl_enc_present(&f));
	assert_false(ctl_enc_check(&f, &err));
	assert_int_equal(err.code, CTL_E_FORMAT);
	ctl_file_cleanup(&f);
	assert_int_equal(decrypt(x, x->key[0], buf, len, &err, &plain, &plen),
			 CTL_E_FORMAT);
	free(buf);
}

/*
 * The certutils tools write the signer's names as RFC 4514 attributes in
 * certificate order with ',' between (seen in the cross-check of
 * docs/encrypted-config.md): such a header names the same certificate.
 */
static void test_certutils_names(void **state)
{
	static const char comma[] =
		"C=PL,ST=Malopolska,L=Krakow,O=Cisco,OU=TAC,CN=cucm-1051-a-pub";
	static const char other[] =
		"C=PL,ST=Malopolska,L=Krakow,O=Cisco,OU=TAC,CN=cucm-1051-a-sub1";
	struct fx *x = *state;
	const X509_NAME *n = X509_get_subject_name(x->tftp->cert);

	assert_true(ctl_name_matches((const uint8_t *)comma, sizeof(comma), n));
	assert_true(ctl_name_matches((const uint8_t *)comma, sizeof(comma) - 1, n));
	assert_false(ctl_name_matches((const uint8_t *)other, sizeof(other), n));
	assert_false(ctl_name_matches((const uint8_t *)comma, 20, n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_hostile_signed),
		cmocka_unit_test(test_unsigned_tamper),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_parse_lengths),
		cmocka_unit_test(test_stub),
		cmocka_unit_test(test_plain_sgn),
		cmocka_unit_test(test_certutils_names),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
