/*
 * cmd_show.c - `ctlsign show`: a trust list as CUCM's `show ctl` /
 * `show itl` prints it, with the facts an administrator checks (key size,
 * certificate SHA-1, validity, who signed), or the same as JSON.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "cmd.h"
#include "json.h"
#include "text.h"
#include "trustlist.h"
#include "util.h"

static const char show_usage[] =
	"usage: ctlsign show [--json] [--cert CERT] FILE...\n"
	"\n"
	"Prints a CTL, ITL or .sgn file: checksums (MD5 and SHA-1, as the phone's\n"
	"Trust List screen shows them), the header, every record with its role, names,\n"
	"serial, key type and size, certificate SHA-1 and validity (a notice when it\n"
	"has expired or expires within 30 days, at SOURCE_DATE_EPOCH if set), and\n"
	"which record signed it.\n"
	"\n"
	"  --json        one JSON document for all the files (docs/json.md)\n"
	"  --cert CERT   the signer's certificate, to verify a .sgn file\n"
	"  -h, --help    this text\n"
	"\n"
	"exit status: 0 printed (even if the signature is bad: see the last line),\n"
	"2 malformed, 3 unreadable\n";

/* Certificate facts for a record, when its CERTIFICATE parses. */
struct cert_facts {
	int ok;
	int bits;
	char key_type[32];      /* ctl_key_type of the key bits measures; "" if none */
	char sha1[41];
	char not_before[32], not_after[32];
	enum ctl_expiry expiry; /* notAfter against show_now (CTL_EXPIRY_UNKNOWN: no cert) */
	char expiry_text[96];   /* ctl_expiry_text: "" unless expired or expiring */
};

/* "now" for expiry: SOURCE_DATE_EPOCH when set (repeatable), else the clock. */
static int64_t show_now;

static void asn1_time_str(char *out, size_t n, const ASN1_TIME *t)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1 ||
	    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, n, "?");
}

/*
 * cert_facts reads a record's certificate from cache: a certificate is
 * parsed once per run, not twice per file (here and in ctl_verify), at
 * ~100 us a parse under OpenSSL 3.0. A certificate the cache refuses (it
 * parses, but its key or serial cannot be read) is parsed here, as before.
 */
static void cert_facts(struct cert_facts *cf, struct ctl_key_cache *cache,
		       const struct ctl_record *r)
{
	const unsigned char *p, *kp = NULL;
	const X509 *x = NULL;
	X509 *own = NULL;
	int kn = 0;

	memset(cf, 0, sizeof(*cf));
	if (r->cert.present) {
		ctl_record_sha1_hex(cf->sha1, r, 0, 0);
		x = ctl_key_cache_cert(cache, r->cert.p, r->cert.n);
		if (x == NULL) {
			p = r->cert.p;
			x = own = d2i_X509(NULL, &p, r->cert.n);
		}
	}
	if (r->pubkey.present) {
		/* The record's key is its certificate's: no second decode. */
		if (x != NULL && X509_get0_pubkey(x) != NULL &&
		    X509_PUBKEY_get0_param(NULL, &kp, &kn, NULL,
					   X509_get_X509_PUBKEY(x)) == 1 &&
		    (size_t)kn == r->pubkey.n && memcmp(kp, r->pubkey.p, r->pubkey.n) == 0) {
			cf->bits = EVP_PKEY_get_bits(X509_get0_pubkey(x));
			ctl_key_type(cf->key_type, sizeof(cf->key_type), X509_get0_pubkey(x));
		} else {
			EVP_PKEY *pk;

			/* Without its certificate's bytes, a key is read as RSA's. */
			p = r->pubkey.p;
			pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, r->pubkey.n);
			cf->bits = pk != NULL ? EVP_PKEY_get_bits(pk) : 0;
			ctl_key_type(cf->key_type, sizeof(cf->key_type), pk);
			EVP_PKEY_free(pk);
		}
	}
	if (x == NULL)
		return;
	cf->ok = 1;
	if (cf->bits == 0 && X509_get0_pubkey(x) != NULL) {
		cf->bits = EVP_PKEY_get_bits(X509_get0_pubkey(x));
		ctl_key_type(cf->key_type, sizeof(cf->key_type), X509_get0_pubkey(x));
	}
	asn1_time_str(cf->not_before, sizeof(cf->not_before), X509_get0_notBefore(x));
	asn1_time_str(cf->not_after, sizeof(cf->not_after), X509_get0_notAfter(x));
	cf->expiry = ctl_cert_expiry(x, show_now, NULL);
	ctl_expiry_text(cf->expiry_text, sizeof(cf->expiry_text), x, show_now);
	X509_free(own);
}

/*
 * A name from a file goes to a terminal: through the one sanitizer
 * (text.h), so that a hostile file cannot drive the administrator's
 * terminal or make one name look like another. Trailing NULs are padding.
 */
static void put_text(FILE *out, const struct ctl_field *f)
{
	char safe[4 * 256 + 1];
	size_t n = f->n;

	while (n > 0 && f->p[n - 1] == '\0')
		n--;
	/*
	 * The usual name made safe in one buffer and written at once: the
	 * sanitizer's stream form writes each character on its own (with
	 * the per-byte fprintf of serials and signatures, a quarter of
	 * `show`'s time). The same escapes either way.
	 */
	if (n <= 256)
		fwrite(safe, 1, ctl_text_safe(safe, sizeof(safe), f->p, n), out);
	else
		ctl_text_put(out, f->p, n);
}

/* put_hex prints p (n bytes) as hex, sep between bytes (0: none). */
static void put_hex(FILE *out, const uint8_t *p, size_t n, char sep, int upper)
{
	char buf[3 * 64 + 1];

	while (n > 0) {
		size_t k = n > 64 ? 64 : n;

		ctl_hex(buf, p, k, sep, upper);
		fputs(buf, out);
		p += k;
		n -= k;
		if (n > 0 && sep)
			fputc(sep, out);
	}
}

static void put_serial(FILE *out, const struct ctl_field *f)
{
	put_hex(out, f->p, f->n, ':', 1);
}

static uint32_t timestamp_of(const struct ctl_file *f)
{
	const uint8_t *p = f->timestamp.p;

	return f->timestamp.present
		       ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
				 (uint32_t)p[2] << 8 | p[3]
		       : 0;
}

static void utc(char *out, size_t n, uint32_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, n, "?");
}

static const char *kind_name(const struct ctl_file *f)
{
	return f->kind == KIND_ITL ? "ITL" : f->kind == KIND_SGN ? "SGN" : "CTL";
}

static void show_header_elem(FILE *out, const struct ctl_file *f,
			     const struct ctl_elem *e)
{
	const char *name = ctl_header_tag_name(e->tag);
	struct ctl_field v = { e->off, e->p, e->n, 1 };
	char buf[32];

	if (e->tag == HDR_VERSION || e->tag == HDR_HEADERLENGTH ||
	    e->tag == HDR_PADDING)
		return;
	if (name == NULL) {
		snprintf(buf, sizeof(buf), "tag %u", e->tag);
		name = buf;
	}
	fprintf(out, "%-7u %-19s %-7u ", e->tag, name, e->p == NULL ? 2u : e->n);
	switch (e->tag) {
	case HDR_SIGNERID: case HDR_SIGNATUREINFO: case HDR_SIGNATUREALGOINFO:
		fprintf(out, "%u", e->n);
		break;
	case HDR_SIGNERNAME: case HDR_CANAME: case HDR_FILENAME:
		put_text(out, &v);
		break;
	case HDR_SERIALNUMBER:
		put_serial(out, &v);
		break;
	case HDR_DIGESTALGORITHM: {
		const char *d = ctl_digest_name(e->p[0]);

		fprintf(out, "%s", d ? d : "unknown");
		break;
	}
	case HDR_SIGNATUREALGORITHM:
		fprintf(out, "%s", e->p[0] == 0 ? "RSA" : "unknown");
		break;
	case HDR_SIGNATUREMODULUS:
		if (e->p[0] <= 3)
			fprintf(out, "%u bytes", 64u << e->p[0]);
		else
			fprintf(out, "unknown (%u)", e->p[0]);
		break;
	case HDR_TIMESTAMP: {
		char t[32];

		utc(t, sizeof(t), timestamp_of(f));
		fprintf(out, "%s (%u)", t, timestamp_of(f));
		break;
	}
	case HDR_SIGNERVERSION:
		fprintf(out, "%u.%u", e->p[0], e->p[1]);
		break;
	case HDR_SIGNATURE:
		for (size_t i = 0; i < e->n; i += 16) {
			fputs("\n        ", out);
			put_hex(out, e->p + i, e->n - i < 16 ? e->n - i : 16, ' ', 0);
		}
		break;
	default: /* tags 16-27 of an encrypted file; nothing for others */
		cmd_enc_show_elem(out, e);
		break;
	}
	fputc('\n', out);
}

static void show_record(FILE *out, struct ctl_key_cache *cache,
			const struct ctl_file *f, size_t idx, int signer)
{
	const struct ctl_record *r = &f->recs[idx];
	struct cert_facts cf;

	cert_facts(&cf, cache, r);
	fprintf(out, "\n%s Record #:%zu\n----\n", kind_name(f), idx + 1);
	fprintf(out, "BYTEPOS TAG                 LENGTH  VALUE\n");
	for (size_t i = 0; i < r->nelems; i++) {
		const struct ctl_elem *e = &r->elems[i];
		const char *name = ctl_record_tag_name(e->tag);
		struct ctl_field v = { e->off, e->p, e->n, 1 };
		char buf[32];

		if (name == NULL) {
			snprintf(buf, sizeof(buf), "tag %u", e->tag);
			name = buf;
		}
		fprintf(out, "%-7u %-19s %-7u ", e->tag, name, e->n);
		switch (e->tag) {
		case REC_RECORDLENGTH:
			fprintf(out, "%zu", r->len);
			break;
		case REC_DNSNAME: case REC_SUBJECTNAME: case REC_ISSUERNAME:
			put_text(out, &v);
			break;
		case REC_FUNCTION: {
			const char *role = ctl_role_name(r->role);

			if (role != NULL)
				fprintf(out, "%s", role);
			else
				fprintf(out, "unknown role %u", r->role);
			break;
		}
		case REC_SERIALNUMBER:
			put_serial(out, &v);
			break;
		case REC_PUBLICKEY:
			/* "RSA 2048 bits" as before; other types say so. */
			if (cf.bits > 0 && strcmp(cf.key_type, "RSA") == 0)
				fprintf(out, "RSA %d bits", cf.bits);
			else if (cf.bits > 0)
				fprintf(out, "%s (%d bits)", cf.key_type[0] ? cf.key_type :
					"unknown key type", cf.bits);
			break;
		case REC_CERTIFICATE:
			fprintf(out, "%s (SHA1)", cf.sha1);
			if (cf.ok)
				fprintf(out, "\n                                    valid %s to %s",
					cf.not_before, cf.not_after);
			else
				fprintf(out, "\n                                    does not parse");
			break;
		case REC_IPADDRESS:
			fprintf(out, "%u.%u.%u.%u", e->p[0], e->p[1], e->p[2], e->p[3]);
			break;
		case REC_CERTHASH:
			put_hex(out, e->p, e->n, 0, 0);
			break;
		case REC_HASHALGORITHM: {
			const char *d = ctl_digest_name(e->p[0]);

			fprintf(out, "%s", d ? d : "unknown");
			break;
		}
		default:
			break;
		}
		fputc('\n', out);
	}
	/* As CUCM: the line follows SAST records only (seed 002's listings). */
	if (r->role == ROLE_SAST)
		fprintf(out, "\nThis etoken was %sused to sign the %s file.\n",
			signer ? "" : "not ", kind_name(f));
	if (cf.expiry_text[0])
		fprintf(out, "\nNotice: this certificate %s; phones keep using it.\n",
			cf.expiry_text);
}

static void show_text(FILE *out, struct ctl_key_cache *cache, const char *path,
		      const struct ctl_file *f, int verified,
		      const struct ctl_err *verr, int signer)
{
	uint8_t md5[16], sha1[20];
	char hex[41];

	ctl_checksums(f, md5, sha1);
	/* The path may come from a glob over a directory anyone can write. */
	ctl_text_put(out, (const uint8_t *)path, strlen(path));
	fprintf(out, "\n\nThe checksum value of the %s file:\n", kind_name(f));
	ctl_hex(hex, md5, 16, 0, 0);
	fprintf(out, "%s(MD5)\n", hex);
	ctl_hex(hex, sha1, 20, 0, 0);
	fprintf(out, "%s(SHA1)\n\nLength of %s file: %zu\n\n", hex, kind_name(f), f->len);
	fprintf(out, "Parse %s File\n----------------\n\nVersion: %u.%u\n",
		kind_name(f), f->ver_major, f->ver_minor);
	fprintf(out, "HeaderLength: %u (BYTES)\n\n", f->header_len);
	fprintf(out, "BYTEPOS TAG                 LENGTH  VALUE\n");
	fprintf(out, "------- ---                 ------  -----\n");
	for (size_t i = 0; i < f->nelems; i++)
		show_header_elem(out, f, &f->elems[i]);
	if (f->kind == KIND_SGN)
		fprintf(out, "\nSigned payload: %zu bytes at offset %u\n",
			f->payload_len, f->header_len);
	cmd_enc_show_summary(out, path, f);
	for (size_t i = 0; i < f->nrecs; i++)
		show_record(out, cache, f, i, (int)i == signer);
	if (f->unknown > 0)
		fprintf(out, "\nThe header has %zu element(s) of unknown tags (kept).\n",
			f->unknown);
	if (verified)
		fprintf(out, "\nThe %s file was verified successfully.\n", kind_name(f));
	else {
		fprintf(out, "\nThe %s file could not be verified: ", kind_name(f));
		ctl_text_put(out, (const uint8_t *)verr->msg, strlen(verr->msg));
		fputc('\n', out);
	}
}

/* json_text: a name field as a JSON string (trailing NULs are padding); absent: null. */
static json_t *json_text(const struct ctl_field *f)
{
	size_t n = f->n;

	if (!f->present)
		return cj_str(NULL);
	while (n > 0 && f->p[n - 1] == '\0')
		n--;
	return cj_bytes(f->p, n);
}

/* json_hex: n bytes as hex (a serial: upper case, ':' between); n == 0: "". */
static json_t *json_hex(const uint8_t *p, size_t n, int serial)
{
	char *buf = malloc(3 * (size_t)n + 1);
	json_t *v;

	if (buf == NULL)
		return NULL; /* cj_set marks the document failed */
	buf[0] = '\0';
	ctl_hex(buf, p, n, serial ? ':' : 0, serial);
	v = cj_str(buf);
	free(buf);
	return v;
}

static json_t *json_serial(const struct ctl_field *f)
{
	return f->present ? json_hex(f->p, f->n, 1) : cj_str(NULL);
}

/* json_expiry: the certificate's expiry as --json names it (unknown: NULL). */
static const char *json_expiry(enum ctl_expiry e)
{
	switch (e) {
	case CTL_EXPIRY_UNKNOWN: return NULL;
	case CTL_EXPIRY_VALID: return "valid";
	case CTL_EXPIRY_SOON: return "soon";
	case CTL_EXPIRY_EXPIRED: return "expired";
	}
	return NULL;
}

static json_t *json_record(struct ctl_key_cache *cache, const struct ctl_file *f,
			   size_t i, int signer)
{
	const struct ctl_record *r = &f->recs[i];
	json_t *o = cj_obj();
	struct cert_facts cf;
	char ip[16];

	cert_facts(&cf, cache, r);
	cj_set(o, "index", cj_int((long long)i + 1));
	cj_set(o, "offset", cj_int((long long)r->off));
	cj_set(o, "length", cj_int((long long)r->len));
	cj_set(o, "role", cj_int(r->role));
	cj_set(o, "role_name", cj_str(ctl_role_short(r->role)));
	cj_set(o, "dns", json_text(&r->dns));
	cj_set(o, "subject", json_text(&r->subject));
	cj_set(o, "issuer", json_text(&r->issuer));
	cj_set(o, "serial", json_serial(&r->serial));
	cj_set(o, "key_bits", cf.bits > 0 ? cj_int(cf.bits) : cj_str(NULL));
	cj_set(o, "key_type", cj_str(cf.key_type[0] ? cf.key_type : NULL));
	cj_set(o, "cert_sha1", r->cert.present ? cj_str(cf.sha1) : cj_str(NULL));
	cj_set(o, "cert_parses", r->cert.present ? cj_bool(cf.ok) : cj_str(NULL));
	/* "?": a date OpenSSL cannot convert; unknown, so null. */
	cj_set(o, "not_before", cj_str(cf.ok && strcmp(cf.not_before, "?") != 0 ?
				       cf.not_before : NULL));
	cj_set(o, "not_after", cj_str(cf.ok && strcmp(cf.not_after, "?") != 0 ?
				      cf.not_after : NULL));
	cj_set(o, "expiry", cj_str(json_expiry(cf.expiry)));
	cj_set(o, "cert_hash", r->certhash.present ?
	       json_hex(r->certhash.p, r->certhash.n, 0) : cj_str(NULL));
	if (r->ip.present)
		snprintf(ip, sizeof(ip), "%u.%u.%u.%u", r->ip.p[0], r->ip.p[1],
			 r->ip.p[2], r->ip.p[3]);
	cj_set(o, "ip", cj_str(r->ip.present ? ip : NULL));
	cj_set(o, "has_signature", cj_bool(r->signature.present));
	cj_set(o, "signed_file", cj_bool((int)i == signer));
	cj_set(o, "unknown_elements", cj_int((long long)r->unknown));
	return o;
}

/* json_file: one file's facts (docs/json.md, docs/schema/show.json). */
static json_t *json_file(struct ctl_key_cache *cache, const char *path,
			 const struct ctl_file *f, int verified,
			 const struct ctl_err *verr, int signer)
{
	uint8_t md5[16], sha1[20];
	char hex[41], t[32], v[8];
	json_t *o = cj_obj(), *s = cj_obj(), *recs = cj_arr(), *pl;
	const char *digest = f->digest.present ? ctl_digest_name(f->digest.p[0]) : NULL;

	ctl_checksums(f, md5, sha1);
	cj_set(o, "path", cj_str(path));
	cj_set(o, "error", cj_str(NULL));
	cj_set(o, "kind", cj_str(kind_name(f)));
	cj_set(o, "length", cj_int((long long)f->len));
	ctl_hex(hex, md5, 16, 0, 0);
	cj_set(o, "md5", cj_str(hex));
	ctl_hex(hex, sha1, 20, 0, 0);
	cj_set(o, "sha1", cj_str(hex));
	snprintf(v, sizeof(v), "%u.%u", f->ver_major, f->ver_minor);
	cj_set(o, "version", cj_str(v));
	cj_set(o, "header_length", cj_int(f->header_len));
	cj_set(s, "name", json_text(&f->signer_name));
	cj_set(s, "serial", json_serial(&f->signer_serial));
	cj_set(s, "issuer", json_text(&f->ca_name));
	cj_set(s, "record", signer >= 0 ? cj_int(signer + 1) : cj_str(NULL));
	cj_set(o, "signer", s);
	cj_set(o, "digest", cj_str(digest));
	cj_set(o, "signature_length", f->signature.present ? cj_int(f->signature.n)
							   : cj_str(NULL));
	cj_set(o, "filename", json_text(&f->filename));
	utc(t, sizeof(t), timestamp_of(f));
	cj_set(o, "timestamp", f->timestamp.present ? cj_int(timestamp_of(f)) : cj_str(NULL));
	cj_set(o, "timestamp_utc", cj_str(f->timestamp.present && strcmp(t, "?") != 0 ?
					  t : NULL));
	if (f->signer_version.present)
		snprintf(v, sizeof(v), "%u.%u", f->signer_version.p[0],
			 f->signer_version.p[1]);
	cj_set(o, "signer_version", cj_str(f->signer_version.present ? v : NULL));
	cj_set(o, "unknown_header_elements", cj_int((long long)f->unknown));
	if (f->kind == KIND_SGN) {
		pl = cj_obj();
		cj_set(pl, "offset", cj_int(f->header_len));
		cj_set(pl, "length", cj_int((long long)f->payload_len));
		cj_set(o, "payload", pl);
	} else {
		cj_set(o, "payload", cj_str(NULL));
	}
	cmd_enc_show_json(o, path, f);
	for (size_t i = 0; i < f->nrecs; i++)
		cj_add(recs, json_record(cache, f, i, signer));
	cj_set(o, "records", recs);
	cj_set(o, "verified", cj_bool(verified));
	cj_set(o, "verify_error", verified ? cj_str(NULL) : cj_error(verr));
	return o;
}

/* json_failed: a file that could not be read or parsed. */
static json_t *json_failed(const char *path, const struct ctl_err *err)
{
	json_t *o = cj_obj();

	cj_set(o, "path", cj_str(path));
	cj_set(o, "error", cj_error(err));
	return o;
}

int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "cert", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cert_path = NULL;
	int json = cj_wanted("show", argc, argv), c, rc = 0;
	X509 *cert = NULL;
	struct ctl_key_cache *cache = NULL;
	struct ctl_err err;
	json_t *files = NULL;
	uint32_t now = 0;
	char when[96];

	ctl_err_init(&err);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'c': cert_path = optarg; break;
		case 'h': fputs(show_usage, stdout); return 0;
		default: return cmd_bad_option("show", argv);
		}
	}
	if (optind == argc)
		return cmd_usage_error("show", "no file given");
	if (!cmd_timestamp(NULL, &now))
		return cmd_usage_error("show", "SOURCE_DATE_EPOCH is not a number of seconds");
	show_now = now;
	if (cert_path != NULL && (cert = ctl_load_cert(&err, cert_path)) == NULL) {
		if (json)
			cj_fail_doc(&err);
		return cmd_fail(&err);
	}
	if (cert != NULL && ctl_expiry_text(when, sizeof(when), cert, now) > 0)
		cmd_print(stderr, "ctlsign: notice: %s: certificate %s\n", cert_path, when);
	/* One cache for every file: a TFTP root repeats one cluster's certificates. */
	if ((cache = ctl_key_cache_new()) == NULL) {
		X509_free(cert);
		ctl_err_set(&err, CTL_E_INTERNAL, "out of memory");
		if (json)
			cj_fail_doc(&err);
		return cmd_fail(&err);
	}
	if (json)
		files = cj_arr();
	for (int i = optind; i < argc; i++) {
		struct ctl_file f;
		struct ctl_err verr;
		struct ctl_verify_result vr;
		int ok, code;

		ctl_err_init(&err);
		ctl_err_init(&verr);
		if (!ctl_parse_path(&f, &err, argv[i], PARSE_AUTO)) {
			code = cmd_fail(&err);
			rc = code > rc ? code : rc;
			if (json)
				cj_add(files, json_failed(argv[i], &err));
			continue;
		}
		ok = ctl_verify(&f, &verr, &vr, cache, cert);
		if (json) {
			cj_add(files, json_file(cache, argv[i], &f, ok, &verr,
						ctl_find_signer(&f)));
		} else {
			if (i > optind)
				fputs("\n", stdout);
			show_text(stdout, cache, argv[i], &f, ok, &verr, ctl_find_signer(&f));
		}
		ctl_file_cleanup(&f);
	}
	if (json) {
		json_t *doc = cj_doc_new();
		int jrc;

		cj_set(doc, "files", files);
		if ((jrc = cj_print(doc)) != 0)
			rc = jrc;
	}
	ctl_key_cache_free(cache);
	X509_free(cert);
	return rc;
}
