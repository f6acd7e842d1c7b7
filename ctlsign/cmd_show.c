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
#include "text.h"
#include "trustlist.h"
#include "util.h"

static const char show_usage[] =
	"usage: ctlsign show [--json] [--cert CERT] FILE...\n"
	"\n"
	"Prints a CTL, ITL or .sgn file: checksums (MD5 and SHA-1, as the phone's\n"
	"Trust List screen shows them), the header, every record with its role, names,\n"
	"serial, key size, certificate SHA-1 and validity, and which record signed it.\n"
	"\n"
	"  --json        one JSON document (an array when several files are given)\n"
	"  --cert CERT   the signer's certificate, to verify a .sgn file\n"
	"  -h, --help    this text\n"
	"\n"
	"exit status: 0 printed (even if the signature is bad: see the last line),\n"
	"2 malformed, 3 unreadable\n";

/* Certificate facts for a record, when its CERTIFICATE parses. */
struct cert_facts {
	int ok;
	int bits;
	char sha1[41];
	char not_before[32], not_after[32];
};

static void asn1_time_str(char *out, size_t n, const ASN1_TIME *t)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1 ||
	    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, n, "?");
}

static void cert_facts(struct cert_facts *cf, const struct ctl_record *r)
{
	const unsigned char *p;
	uint8_t md[SHA_DIGEST_LENGTH];
	X509 *x;

	memset(cf, 0, sizeof(*cf));
	if (r->pubkey.present) {
		EVP_PKEY *pk;

		p = r->pubkey.p;
		pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, r->pubkey.n);
		cf->bits = pk != NULL ? EVP_PKEY_get_bits(pk) : 0;
		EVP_PKEY_free(pk);
	}
	if (!r->cert.present)
		return;
	SHA1(r->cert.p, r->cert.n, md);
	ctl_hex(cf->sha1, md, sizeof(md), 0, 0);
	p = r->cert.p;
	x = d2i_X509(NULL, &p, r->cert.n);
	if (x == NULL)
		return;
	cf->ok = 1;
	if (cf->bits == 0)
		cf->bits = EVP_PKEY_get_bits(X509_get0_pubkey(x));
	asn1_time_str(cf->not_before, sizeof(cf->not_before), X509_get0_notBefore(x));
	asn1_time_str(cf->not_after, sizeof(cf->not_after), X509_get0_notAfter(x));
	X509_free(x);
}

/*
 * A name from a file goes to a terminal: through the one sanitizer
 * (text.h), so that a hostile file cannot drive the administrator's
 * terminal or make one name look like another. Trailing NULs are padding.
 */
static void put_text(FILE *out, const struct ctl_field *f)
{
	size_t n = f->n;

	while (n > 0 && f->p[n - 1] == '\0')
		n--;
	ctl_text_put(out, f->p, n);
}

static void put_serial(FILE *out, const struct ctl_field *f)
{
	for (size_t i = 0; i < f->n; i++)
		fprintf(out, "%s%02X", i ? ":" : "", f->p[i]);
}

static void put_json_text(FILE *out, const struct ctl_field *f)
{
	size_t n = f->n;

	if (!f->present) {
		fputs("null", out);
		return;
	}
	while (n > 0 && f->p[n - 1] == '\0')
		n--;
	ctl_json_str(out, f->p, n);
}

static void put_json_serial(FILE *out, const struct ctl_field *f)
{
	if (!f->present) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	put_serial(out, f);
	fputc('"', out);
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
		for (size_t i = 0; i < e->n; i++)
			fprintf(out, "%s%02x", i % 16 == 0 ? "\n        " : " ", e->p[i]);
		break;
	default:
		break;
	}
	fputc('\n', out);
}

static void show_record(FILE *out, const struct ctl_file *f, size_t idx,
			int signer)
{
	const struct ctl_record *r = &f->recs[idx];
	struct cert_facts cf;

	cert_facts(&cf, r);
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
			if (cf.bits > 0)
				fprintf(out, "RSA %d bits", cf.bits);
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
			for (size_t k = 0; k < e->n; k++)
				fprintf(out, "%02x", e->p[k]);
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
	fprintf(out, "\nThis etoken was %sused to sign the %s file.\n",
		signer ? "" : "not ", kind_name(f));
}

static void show_text(FILE *out, const char *path, const struct ctl_file *f,
		      int verified, const struct ctl_err *verr, int signer)
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
	for (size_t i = 0; i < f->nrecs; i++)
		show_record(out, f, i, (int)i == signer);
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

static void show_json(FILE *out, const char *path, const struct ctl_file *f,
		      int verified, const struct ctl_err *verr, int signer)
{
	uint8_t md5[16], sha1[20];
	char hex[41], t[32];

	ctl_checksums(f, md5, sha1);
	fputs("{\"file\":", out);
	ctl_json_str(out, (const uint8_t *)path, strlen(path));
	fprintf(out, ",\"kind\":\"%s\",\"length\":%zu", kind_name(f), f->len);
	ctl_hex(hex, md5, 16, 0, 0);
	fprintf(out, ",\"md5\":\"%s\"", hex);
	ctl_hex(hex, sha1, 20, 0, 0);
	fprintf(out, ",\"sha1\":\"%s\",\"version\":\"%u.%u\",\"header_length\":%u",
		hex, f->ver_major, f->ver_minor, f->header_len);
	fputs(",\"signer\":{\"name\":", out);
	put_json_text(out, &f->signer_name);
	fputs(",\"serial\":", out);
	put_json_serial(out, &f->signer_serial);
	fputs(",\"issuer\":", out);
	put_json_text(out, &f->ca_name);
	if (signer >= 0)
		fprintf(out, ",\"record\":%d}", signer + 1);
	else
		fputs(",\"record\":null}", out);
	fprintf(out, ",\"digest\":%s%s%s",
		f->digest.present && ctl_digest_name(f->digest.p[0]) ? "\"" : "",
		f->digest.present && ctl_digest_name(f->digest.p[0])
			? ctl_digest_name(f->digest.p[0]) : "null",
		f->digest.present && ctl_digest_name(f->digest.p[0]) ? "\"" : "");
	fprintf(out, ",\"signature_length\":%u,\"filename\":", f->signature.n);
	put_json_text(out, &f->filename);
	utc(t, sizeof(t), timestamp_of(f));
	fprintf(out, ",\"timestamp\":%u,\"timestamp_utc\":\"%s\"", timestamp_of(f), t);
	if (f->signer_version.present)
		fprintf(out, ",\"signer_version\":\"%u.%u\"", f->signer_version.p[0],
			f->signer_version.p[1]);
	fprintf(out, ",\"unknown_header_elements\":%zu", f->unknown);
	if (f->kind == KIND_SGN)
		fprintf(out, ",\"payload_offset\":%u,\"payload_length\":%zu",
			f->header_len, f->payload_len);
	fputs(",\"records\":[", out);
	for (size_t i = 0; i < f->nrecs; i++) {
		const struct ctl_record *r = &f->recs[i];
		const char *role = ctl_role_short(r->role);
		struct cert_facts cf;

		cert_facts(&cf, r);
		fprintf(out, "%s{\"index\":%zu,\"offset\":%zu,\"length\":%zu,\"role\":%u,\"role_name\":",
			i ? "," : "", i + 1, r->off, r->len, r->role);
		if (role)
			fprintf(out, "\"%s\"", role);
		else
			fputs("null", out);
		fputs(",\"dns\":", out);
		put_json_text(out, &r->dns);
		fputs(",\"subject\":", out);
		put_json_text(out, &r->subject);
		fputs(",\"issuer\":", out);
		put_json_text(out, &r->issuer);
		fputs(",\"serial\":", out);
		put_json_serial(out, &r->serial);
		fprintf(out, ",\"key_bits\":%d", cf.bits);
		if (r->cert.present)
			fprintf(out, ",\"cert_sha1\":\"%s\",\"cert_parses\":%s", cf.sha1,
				cf.ok ? "true" : "false");
		else
			fputs(",\"cert_sha1\":null", out);
		if (cf.ok)
			fprintf(out, ",\"not_before\":\"%s\",\"not_after\":\"%s\"",
				cf.not_before, cf.not_after);
		if (r->certhash.present) {
			char h[2 * 64 + 1];

			ctl_hex(h, r->certhash.p, r->certhash.n > 64 ? 64 : r->certhash.n, 0, 0);
			fprintf(out, ",\"cert_hash\":\"%s\"", h);
		}
		if (r->ip.present)
			fprintf(out, ",\"ip\":\"%u.%u.%u.%u\"", r->ip.p[0], r->ip.p[1],
				r->ip.p[2], r->ip.p[3]);
		fprintf(out, ",\"has_signature\":%s,\"signed_file\":%s,\"unknown_elements\":%zu}",
			r->signature.present ? "true" : "false",
			(int)i == signer ? "true" : "false", r->unknown);
	}
	fprintf(out, "],\"verified\":%s,\"verify_error\":", verified ? "true" : "false");
	if (verified)
		fputs("null", out);
	else
		ctl_json_str(out, (const uint8_t *)verr->msg, strlen(verr->msg));
	fputs("}", out);
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
	int json = 0, c, rc = 0;
	X509 *cert = NULL;
	struct ctl_err err;

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
	if (cert_path != NULL && (cert = ctl_load_cert(&err, cert_path)) == NULL)
		return cmd_fail(&err);
	if (json && argc - optind > 1)
		fputs("[", stdout);
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
			continue;
		}
		ok = ctl_verify(&f, &verr, &vr, NULL, cert);
		if (json) {
			if (i > optind && argc - optind > 1)
				fputs(",", stdout);
			show_json(stdout, argv[i], &f, ok, &verr, ctl_find_signer(&f));
		} else {
			if (i > optind)
				fputs("\n", stdout);
			show_text(stdout, argv[i], &f, ok, &verr, ctl_find_signer(&f));
		}
		ctl_file_cleanup(&f);
	}
	if (json)
		fputs(argc - optind > 1 ? "]\n" : "\n", stdout);
	X509_free(cert);
	return rc;
}
