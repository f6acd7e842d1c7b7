/*
 * test_p11.c - PKCS#11 URIs (RFC 7512) with hostile inputs, SAST
 * recognition and export names, and one signature made through libp11
 * on a SoftHSM2 token (fixtures made by softhsm-fixtures/make-tokens.sh
 * in a private directory) checked against the token's certificate.
 */
#include "testutil.h"

#include <unistd.h>

#include "p11/p11.h"
#include "tokens/tokens.h"

static void test_uri_attributes(void **state)
{
	struct p11_uri u;
	struct ctl_err err;

	ctl_err_init(&err);
	assert_true(p11_uri_parse(&u, &err,
		"pkcs11:token=SAST-ADN0054f509;serial=3cf9%2027;object=my%20cert;"
		"id=%01%ff;type=cert?pin-source=file:///tmp/pin&module-path=/usr/lib/x.so"));
	assert_string_equal(u.token, "SAST-ADN0054f509");
	assert_string_equal(u.serial, "3cf9 27");
	assert_string_equal(u.object, "my cert");
	assert_true(u.has_id);
	assert_int_equal(u.id_len, 2);
	assert_int_equal(u.id[0], 0x01);
	assert_int_equal(u.id[1], 0xff);
	assert_string_equal(u.pin_source, "/tmp/pin");
	assert_string_equal(u.module_path, "/usr/lib/x.so");
	p11_uri_cleanup(&u);
	p11_uri_cleanup(&u); /* twice is fine */

	ctl_err_init(&err);
	assert_true(p11_uri_parse(&u, &err, "PKCS11:"));
	assert_null(u.token);
	assert_false(u.has_id);
	p11_uri_cleanup(&u);

	/* A file named after its key (a container secret) holds no PIN. */
	ctl_err_init(&err);
	assert_true(p11_uri_parse(&u, &err,
		"pkcs11:token=a?pin-source=/run/secrets/pin-value"));
	assert_string_equal(u.pin_source, "/run/secrets/pin-value");
	p11_uri_cleanup(&u);
}

static void test_uri_hostile(void **state)
{
	static const struct {
		const char *uri, *msg;
	} bad[] = {
		{ "token=x", "is not a PKCS#11 URI" },
		{ "pkcs11:token=a%", "bad percent escape" },
		{ "pkcs11:token=a%4", "bad percent escape" },
		{ "pkcs11:token=a%zz", "bad percent escape" },
		{ "pkcs11:token=a%00b", "contains a NUL" },
		{ "pkcs11:token=a;token=b", "given twice" },
		{ "pkcs11:id=%01;id=%02", "given twice" },
		{ "pkcs11:tokn=a", "unknown attribute" },
		{ "pkcs11:token", "is not name=value" },
		{ "pkcs11:=x", "is not name=value" },
		{ "pkcs11:token=a?pin-value=1234", "PIN on the command line" },
		{ "pkcs11:token=a;pin-value=1234", "PIN on the command line" },
		{ "pkcs11:pin-value=1234;token=a", "PIN on the command line" },
		{ "pkcs11:token=a?pin=1234", "unknown query attribute" },
		{ "pkcs11:token=a?pin-source=/x;y", "percent-encode them" },
		{ "pkcs11:token=a?module-path=/a?b", "percent-encode them" },
		{ "pkcs11:id=%00%01%02%03%04%05%06%07%08%09%0a%0b%0c%0d%0e%0f"
		  "%00%01%02%03%04%05%06%07%08%09%0a%0b%0c%0d%0e%0f"
		  "%00%01%02%03%04%05%06%07%08%09%0a%0b%0c%0d%0e%0f"
		  "%00%01%02%03%04%05%06%07%08%09%0a%0b%0c%0d%0e%0f%ff", "too long" },
		/*
		 * What p11-kit alone would take: the last of two values, a
		 * value cut at a NUL, an unknown attribute flagged without a
		 * name or kept as a "vendor" one, a field too long to match.
		 */
		{ "pkcs11:token=a%", "token=: bad percent escape" },
		{ "pkcs11:object=a%4g", "object=: bad percent escape" },
		{ "pkcs11:?module-path=/x.so%00/evil.so", "module-path=: contains a NUL" },
		{ "pkcs11:?pin-source=/p%00x", "pin-source=: contains a NUL" },
		{ "pkcs11:object=a;object=b", "object= given twice" },
		{ "pkcs11:?module-path=/a&module-path=/b", "module-path= given twice" },
		{ "pkcs11:objecttype=cert", "unknown attribute 'objecttype'" },
		{ "pkcs11:?pinfile=/p", "unknown query attribute 'pinfile'" },
		{ "pkcs11:?vendor-thing=1", "unknown query attribute 'vendor-thing'" },
		{ "pkcs11:pin-source=/p", "unknown attribute 'pin-source'" },
		{ "pkcs11:token=123456789012345678901234567890123", "token=: too long (at most 32 bytes)" },
		{ "pkcs11:serial=12345678901234567", "serial=: too long (at most 16 bytes)" },
		{ "pkcs11:model=%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41",
		  "model=: too long (at most 16 bytes)" },
		{ "pkcs11:type=data", "type=data: ctlsign uses a certificate" },
		{ "pkcs11:type=ce", "type=ce:" },
		{ "pkcs11:type=certx", "type=certx:" },
		{ "pkcs11:library-version=x", "library-version=: not a version" },
		{ "pkcs11:slot-id=x", "slot-id=: not a number" },
		{ "pkcs11:token=a?pin-source=/p?x", "percent-encode them" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct p11_uri u;
		struct ctl_err err;

		ctl_err_init(&err);
		if (p11_uri_parse(&u, &err, bad[i].uri))
			fail_msg("accepted %s", bad[i].uri);
		assert_int_equal(err.code, CTL_E_USAGE);
		if (strstr(err.msg, bad[i].msg) == NULL)
			fail_msg("%s: '%s' lacks '%s'", bad[i].uri, err.msg, bad[i].msg);
		/* Cleaned on failure: nothing to free, and safe to clean. */
		assert_null(u.token);
		assert_null(u.text);
		p11_uri_cleanup(&u);
	}
}

/* A secret mistyped into a URI is not repeated by the message refusing it. */
static void test_uri_secret_not_echoed(void **state)
{
	static const char *const bad[] = {
		"pkcs11:token=a?pin-value=S3cr3t",
		"pkcs11:token=a?module-path=/x.so&pin-value=S3cr3t&pin-source=/p",
		"pkcs11:token=a?pin=S3cr3t",
		"pkcs11:token=a?PIN-VALUE=S3cr3t",
		"pkcs11:token=a?S3cr3t",
		"pkcs11:token=a?pin-value=S3cr3t&pin-value=S3cr3t",
		"token=a?pin-value=S3cr3t", /* not even a pkcs11: URI */
		/* In the path as in the query. */
		"pkcs11:token=a;pin-value=S3cr3t",
		"pkcs11:pin-value=S3cr3t",
		"pkcs11:token=a;pin-value=S3cr3t;object=b?pin-source=/p",
		"pkcs11:token=a;pin=S3cr3t",
		"pkcs11:token=a;PIN-VALUE=S3cr3t",
		"pkcs11:token=a;S3cr3t",
		"pkcs11:S3cr3t?pin-source=/p",
		"token=a;pin-value=S3cr3t",
		/* Inside another value, and through percent-encoding. */
		"pkcs11:token=a?pin-source=/nonexist;pin-value=S3cr3t",
		"pkcs11:token=a?pin-source=/x?pin-value=S3cr3t",
		"pkcs11:token=a?module-path=/nonexist;pin-value=S3cr3t",
		"pkcs11:token=a?pin-source=/x;pin=S3cr3t",
		"pkcs11:token=a;%70in-value=S3cr3t",
		"pkcs11:token=a;pin%2Dvalue=S3cr3t",
		"pkcs11:token=a;object=x%3Bpin-value=S3cr3t",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct p11_uri u;
		struct ctl_err err;

		ctl_err_init(&err);
		assert_false(p11_uri_parse(&u, &err, bad[i]));
		assert_int_equal(err.code, CTL_E_USAGE);
		if (strstr(err.msg, "S3cr3t") != NULL)
			fail_msg("%s: the message shows the secret: %s", bad[i], err.msg);
	}
	{
		struct p11_uri u;
		struct ctl_err err;

		/* What is not secret stays in the URI shown in messages. */
		ctl_err_init(&err);
		assert_true(p11_uri_parse(&u, &err,
			"pkcs11:token=a;object=b?pin-source=/p&module-path=/m.so&module-name=m"));
		assert_string_equal(u.text,
			"pkcs11:token=a;object=b?pin-source=/p&module-path=/m.so&module-name=m");
		p11_uri_cleanup(&u);
	}
}

/* pin-source=file: URIs name local files only. */
static void test_uri_pin_source_file(void **state)
{
	static const struct {
		const char *uri, *path; /* path NULL: refused */
	} cases[] = {
		{ "pkcs11:?pin-source=file:///etc/pin", "/etc/pin" },
		{ "pkcs11:?pin-source=file://localhost/etc/pin", "/etc/pin" },
		{ "pkcs11:?pin-source=file:pin", "pin" },
		{ "pkcs11:?pin-source=/etc/pin", "/etc/pin" },
		{ "pkcs11:?pin-source=file://otherhost/etc/pin", NULL },
		{ "pkcs11:?pin-source=file://", NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct p11_uri u;
		struct ctl_err err;

		ctl_err_init(&err);
		if (cases[i].path == NULL) {
			if (p11_uri_parse(&u, &err, cases[i].uri))
				fail_msg("accepted %s as %s", cases[i].uri, u.pin_source);
			assert_int_equal(err.code, CTL_E_USAGE);
			continue;
		}
		assert_true(p11_uri_parse(&u, &err, cases[i].uri));
		assert_string_equal(u.pin_source, cases[i].path);
		p11_uri_cleanup(&u);
	}
}

/*
 * Where p11-kit's own reading differs from what ctlsign always did, the
 * older reading holds: a blank typed in a value is the label's (p11-kit
 * drops every blank), an empty attribute is skipped (p11-kit would take
 * what follows it as the query), the scheme in any case.
 */
static void test_uri_p11kit_differences(void **state)
{
	static const struct {
		const char *uri, *token, *object;
	} cases[] = {
		{ "pkcs11:token=SAST 1", "SAST 1", NULL },
		{ "pkcs11:token=SAST\t1", "SAST\t1", NULL },
		{ "pkcs11:token= lead", " lead", NULL },
		{ "pkcs11:;token=a", "a", NULL },
		{ "pkcs11:token=a;;object=b", "a", "b" },
		{ "pkcs11:token=a;object=b;", "a", "b" },
		{ "pkcs11:token=a?", "a", NULL },
		{ "pkcs11:token=a?&&", "a", NULL },
		{ "pkcs11:token=a;?;pin-source=/p", NULL, NULL }, /* refused */
		{ "Pkcs11:token=a", "a", NULL },
		{ "pkcs11:token=a%3Bb;object=c%2Fd%3Fe", "a;b", "c/d?e" },
		{ "pkcs11:token=a&b=c", "a&b=c", NULL },
		{ "pkcs11:token=", "", NULL },
		{ "pkcs11:object=caf\303\251", NULL, "caf\303\251" },
		{ "pkcs11:token=a;type=private", "a", NULL },
		{ "pkcs11:token=a;library-manufacturer=x;slot-id=3;library-version=2.20", "a", NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct p11_uri u;
		struct ctl_err err;
		int ok;

		ctl_err_init(&err);
		ok = p11_uri_parse(&u, &err, cases[i].uri);
		if (cases[i].token == NULL && cases[i].object == NULL) {
			if (ok)
				fail_msg("accepted %s", cases[i].uri);
			continue;
		}
		if (!ok)
			fail_msg("%s: %s", cases[i].uri, err.msg);
		if (cases[i].token == NULL)
			assert_null(u.token);
		else
			assert_string_equal(u.token, cases[i].token);
		if (cases[i].object == NULL)
			assert_null(u.object);
		else
			assert_string_equal(u.object, cases[i].object);
		p11_uri_cleanup(&u);
	}
}

/*
 * The URIs `tokens list` prints (p11_token_uri, p11_cert_uri) are
 * printable ASCII and read back to the same token and certificate, for
 * labels that hold every character with a meaning in a URI.
 */
static void test_uri_round_trip(void **state)
{
	static const char *const labels[] = {
		"SAST-ADN0054f509",
		"Bob's key; a/b ?&=%#~",
		"caf\303\251 \342\202\254",
		"  lead",
		"esc\033[2J\t\r\nend",
		"pin-valu",
		"",
		"12345678901234567890123456789012", /* a full token field */
	};
	unsigned char id[] = { 0x00, 0x01, 0xff, '%', ';' };

	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		PKCS11_TOKEN t = { .label = (char *)labels[i],
				   .manufacturer = "SoftHSM project",
				   .model = "SoftHSM v2",
				   .serialnr = "3cf9;27" };
		PKCS11_CERT c = { .label = (char *)labels[i], .id = id,
				  .id_len = sizeof(id) };
		struct ctl_err err;
		struct p11_uri u;
		char *tu, *cu;

		ctl_err_init(&err);
		tu = p11_token_uri(&err, &t);
		cu = p11_cert_uri(&err, &t, &c);
		if (tu == NULL || cu == NULL)
			fail_msg("%s", err.msg);
		for (const char *p = cu; *p != '\0'; p++)
			if (*p <= ' ' || *p >= 0x7f)
				fail_msg("%s: byte 0x%02x in %s", labels[i],
					 (unsigned char)*p, cu);
		assert_int_equal(strncmp(cu, tu, strlen(tu)), 0);
		assert_non_null(strstr(cu, ";id=%00%01%FF%25%3B;object="));
		assert_non_null(strstr(cu, ";type=cert"));

		if (!p11_uri_parse(&u, &err, tu))
			fail_msg("%s: %s", tu, err.msg);
		assert_true(p11_uri_match_token(&u, &t));
		assert_null(u.object);
		assert_false(u.has_id);
		p11_uri_cleanup(&u);

		if (!p11_uri_parse(&u, &err, cu))
			fail_msg("%s: %s", cu, err.msg);
		assert_true(p11_uri_match_token(&u, &t));
		assert_string_equal(u.model, "SoftHSM v2");
		assert_string_equal(u.manufacturer, "SoftHSM project");
		assert_string_equal(u.serial, "3cf9;27");
		assert_string_equal(u.object, labels[i]);
		assert_true(u.has_id);
		assert_int_equal(u.id_len, sizeof(id));
		assert_memory_equal(u.id, id, sizeof(id));
		/* Another token's label does not match. */
		t.label = "SAST-ADN008580ef";
		assert_false(p11_uri_match_token(&u, &t));
		p11_uri_cleanup(&u);
		free(tu);
		free(cu);
	}
	{
		/* A certificate without CKA_ID or label is named without them. */
		PKCS11_TOKEN t = { .label = "a", .manufacturer = "m",
				   .model = "x", .serialnr = "1" };
		PKCS11_CERT c = { 0 };
		struct ctl_err err;
		char *cu;

		ctl_err_init(&err);
		cu = p11_cert_uri(&err, &t, &c);
		assert_non_null(cu);
		assert_string_equal(cu, "pkcs11:model=x;manufacturer=m;serial=1;token=a;type=cert");
		free(cu);
	}
}

/* Labels from a module reach terminals only without control characters. */
static void test_printable(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "SAST-ADN0054f509", "SAST-ADN0054f509" },
		{ "a\033[2Jb", "a\\x1b[2Jb" },
		{ "a\rb\nc\td\177", "a\\x0db\\x0ac\\x09d\\x7f" },
		{ "\302\233" "31m", "\\xc2\\x9b" "31m" },    /* U+009B, the C1 CSI */
		{ "a\233" "31m", "a\\x9b" "31m" },         /* a lone 0x9b (Latin-1 CSI) */
		{ "caf\303\251 \342\202\254", "caf\303\251 \342\202\254" }, /* UTF-8 kept */
		{ "\342\200\256evil", "\\xe2\\x80\\xae" "evil" }, /* U+202E, right-to-left override */
		{ "\300\257", "\\xc0\\xaf" },          /* overlong '/' */
		{ "\355\240\200", "\\xed\\xa0\\x80" },   /* a surrogate */
		{ "\342\202", "\\xe2\\x82" },          /* truncated sequence */
		{ "", "" },
	};
	char out[64], small[5];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p11_printable(out, sizeof(out), cases[i].in);
		assert_string_equal(out, cases[i].out);
	}
	assert_string_equal(p11_printable(out, sizeof(out), NULL), "");
	/* Truncated on a character boundary, never in the middle of one. */
	assert_string_equal(p11_printable(small, sizeof(small), "abc\342\202\254"), "abc");
	assert_string_equal(p11_printable(small, sizeof(small), "abcdefg"), "abcd");
	assert_string_equal(p11_printable(small, sizeof(small), "a\033"), "a"); /* no half escape */
}

/* Every prefix of a full URI: parsed or refused, never read past its end. */
static void test_uri_truncations(void **state)
{
	static const char full[] =
		"pkcs11:token=SAST-ADN0054f509;serial=3c%20f9;object=c;id=%01%ff"
		"?pin-source=file:///tmp/pin&module-path=/usr/lib/x.so";

	for (size_t n = 0; n <= sizeof(full) - 1; n++) {
		char *cut = malloc(n + 1); /* exact size: ASan sees any overrun */
		struct p11_uri u;
		struct ctl_err err;

		assert_non_null(cut);
		memcpy(cut, full, n);
		cut[n] = '\0';
		ctl_err_init(&err);
		if (!p11_uri_parse(&u, &err, cut))
			assert_int_equal(err.code, CTL_E_USAGE);
		p11_uri_cleanup(&u);
		free(cut);
	}
}

static X509 *cert_with_cn(const char *cn)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);

	if (cn != NULL)
		assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
				 (const unsigned char *)cn, -1, -1, 0), 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_UTF8,
			 (const unsigned char *)"IPCBU", -1, -1, 0), 1);
	return x;
}

static void test_sast_and_names(void **state)
{
	static const struct {
		const char *cn;
		int sast;
		const char *der; /* NULL: no usable name */
	} cases[] = {
		/* The CTL client's tokens: quoted, trailing blank. */
		{ "\"SAST-ADN008580ef \"", 1, "SAST-ADN008580ef.cer" },
		{ "SAST-ADN0054f509 ", 1, "SAST-ADN0054f509.cer" },
		{ "sast-adn00aa", 1, "sast-adn00aa.cer" },
		{ "cucm-1051-a-pub", 0, "cucm-1051-a-pub.cer" },
		{ "SAST", 0, "SAST.cer" },
		/* Never a path: no '/', no leading '.'. */
		{ "SAST-../../etc/passwd", 1, "SAST-.._.._etc_passwd.cer" },
		{ "..", 0, "_..cer" },
		{ "   ", 0, NULL },
		{ NULL, 0, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		X509 *x = cert_with_cn(cases[i].cn);
		char name[64];
		int ok = tokens_export_name(name, sizeof(name), x, 0);

		assert_int_equal(tokens_is_sast(x), cases[i].sast);
		if (cases[i].der == NULL) {
			assert_false(ok);
		} else {
			assert_true(ok);
			assert_string_equal(name, cases[i].der);
		}
		X509_free(x);
	}
	{
		X509 *x = cert_with_cn("SAST-ADN0054f509");
		char small[8], name[64];

		assert_false(tokens_export_name(small, sizeof(small), x, 0));
		assert_true(tokens_export_name(name, sizeof(name), x, 1));
		assert_string_equal(name, "SAST-ADN0054f509.pem");
		X509_free(x);
	}
}

/* Two certificates whose names differ only in case: nothing is written. */
static void test_export_case_clash(void **state)
{
	struct tokens_cert certs[2] = { { .sast = 1 }, { .sast = 1 } };
	struct tokens_token tok = { .label = "t", .certs = certs, .ncerts = 2 };
	struct tokens_list l = { .module = "m", .tokens = &tok, .n = 1 };
	char dir[64];
	struct ctl_err err;

	snprintf(dir, sizeof(dir), "%s", "/tmp/ctlsign-export.XXXXXX");
	assert_non_null(mkdtemp(dir));
	certs[0].x509 = cert_with_cn("SAST-ADN00AA");
	certs[1].x509 = cert_with_cn("sast-adn00aa");
	ctl_err_init(&err);
	assert_false(tokens_export(&err, &l, dir, 0, NULL, NULL));
	assert_non_null(strstr(err.msg, "would both be written"));
	assert_int_equal(rmdir(dir), 0); /* still empty */
	X509_free(certs[0].x509);
	X509_free(certs[1].x509);
}

/* SoftHSM tokens in a directory of this test's own. */
struct hsm {
	char dir[256];
	char pin_uri[512];
};

static int hsm_setup(void **state)
{
	struct hsm *h = calloc(1, sizeof(*h));
	char cmd[1024], conf[300];

	assert_non_null(h);
	snprintf(h->dir, sizeof(h->dir), "%s/ctlsign-p11.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(h->dir));
	snprintf(cmd, sizeof(cmd), "sh '%s' '%s' >/dev/null", FIXTURES, h->dir);
	assert_int_equal(system(cmd), 0);
	snprintf(conf, sizeof(conf), "%s/softhsm2.conf", h->dir);
	setenv("SOFTHSM2_CONF", conf, 1);
	snprintf(h->pin_uri, sizeof(h->pin_uri),
		 "pkcs11:token=SAST-ADN008580ef?pin-source=%s/pin", h->dir);
	*state = h;
	return 0;
}

static int hsm_teardown(void **state)
{
	struct hsm *h = *state;
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", h->dir);
	if (system(cmd) != 0)
		return -1;
	free(h);
	return 0;
}

static const char *softhsm_module(void)
{
	return access("/usr/lib/softhsm/libsofthsm2.so", R_OK) == 0 ?
		"/usr/lib/softhsm/libsofthsm2.so" :
		"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so";
}

static void test_sign_through_softhsm(void **state)
{
	struct hsm *h = *state;
	static const uint8_t a[] = "header with the signature cut out", b[] = "records";
	struct ctl_span spans[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
	struct ctl_err err;
	struct p11_uri u;
	struct p11 *p;
	PKCS11_SLOT *slot;
	PKCS11_CERT *cert;
	struct ctl_signer *s;
	uint8_t sig[256];
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	ctl_err_init(&err);
	assert_true(p11_uri_parse(&u, &err, h->pin_uri));
	p = p11_open(&err, softhsm_module());
	if (p == NULL)
		fail_msg("%s", err.msg);
	slot = p11_find_token(p, &err, &u);
	assert_non_null(slot);
	cert = p11_find_cert(&err, slot, &u, tokens_is_sast);
	assert_non_null(cert);
	if (!p11_login(&err, p, slot, &u, 0, NULL))
		fail_msg("%s", err.msg);
	s = p11_signer_new(&err, p, slot, cert, "token SAST-ADN008580ef");
	if (s == NULL)
		fail_msg("%s", err.msg);
	/* The signer keeps the module alive on its own. */
	p11_free(p);
	assert_int_equal(s->etoken, 1);
	assert_int_equal(ctl_signer_sig_len(s), 256);
	if (!s->ops->sign(s, &err, sig, sizeof(sig), EVP_sha1(), spans, 2))
		fail_msg("%s", err.msg);
	/* The certificate's public key verifies it over the spans in order. */
	assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha1(), NULL,
					      X509_get0_pubkey(s->cert)), 1);
	assert_int_equal(EVP_DigestVerifyUpdate(md, a, sizeof(a)), 1);
	assert_int_equal(EVP_DigestVerifyUpdate(md, b, sizeof(b)), 1);
	assert_int_equal(EVP_DigestVerifyFinal(md, sig, sizeof(sig)), 1);
	/* A wrong-size buffer is refused, not overrun. */
	assert_false(s->ops->sign(s, &err, sig, 128, EVP_sha1(), spans, 2));
	assert_int_equal(err.code, CTL_E_TOKEN);
	EVP_MD_CTX_free(md);
	ctl_signer_free(s);
	p11_uri_cleanup(&u);
}

/*
 * Broken modules (tests/p11/broken.c, test fixtures): refused with a
 * message naming the module before libp11 sees them, never a crash. The
 * kinds whose check needs no token (SoftHSM is not configured here);
 * tests/p11/p11_secrets.sh tries them all, slot answers included.
 */
static void test_broken_modules(void **state)
{
	static const struct {
		const char *path, *msg;
	} mods[] = {
		{ BROKEN_NULL_LIST, "gave no function list" },
		{ BROKEN_LIST_ERROR, "C_GetFunctionList failed" },
		{ BROKEN_NO_SYMBOL, "no C_GetFunctionList" },
		{ BROKEN_NULL_SLOTLIST, "it has no C_GetSlotList" },
		{ BROKEN_NULL_SIGN, "it has no C_Sign" },
		{ BROKEN_VERSION, "Cryptoki version 0.1" },
	};

	for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		struct ctl_err err;

		ctl_err_init(&err);
		assert_null(p11_open(&err, mods[i].path));
		assert_int_equal(err.code, CTL_E_TOKEN);
		if (strstr(err.msg, mods[i].path) == NULL ||
		    strstr(err.msg, mods[i].msg) == NULL)
			fail_msg("%s: '%s' lacks '%s'", mods[i].path, err.msg,
				 mods[i].msg);
	}
}

static void test_missing_module(void **state)
{
	struct ctl_err err;

	ctl_err_init(&err);
	assert_null(p11_open(&err, "/nonexistent/libnothing.so"));
	assert_int_equal(err.code, CTL_E_TOKEN);
	assert_non_null(strstr(err.msg, "/nonexistent/libnothing.so"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uri_attributes),
		cmocka_unit_test(test_uri_hostile),
		cmocka_unit_test(test_uri_truncations),
		cmocka_unit_test(test_uri_secret_not_echoed),
		cmocka_unit_test(test_uri_pin_source_file),
		cmocka_unit_test(test_uri_p11kit_differences),
		cmocka_unit_test(test_uri_round_trip),
		cmocka_unit_test(test_printable),
		cmocka_unit_test(test_sast_and_names),
		cmocka_unit_test(test_export_case_clash),
		cmocka_unit_test(test_missing_module),
		cmocka_unit_test(test_broken_modules),
		cmocka_unit_test_setup_teardown(test_sign_through_softhsm,
						hsm_setup, hsm_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
