/*
 * cmd_show.c - `ctlsign show`: a trust list as CUCM's `show ctl` /
 * `show itl` prints it, with the facts an administrator checks (key size,
 * certificate SHA-1, validity, who signed), or the same as JSON.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
	"2 malformed, 3 unreadable, 6 a digest OpenSSL refuses (MD5 when it runs FIPS-only)\n";

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

/* stdout's buffer when it is not a terminal; stdio uses it until exit. */
static char show_stdout_buf[1 << 16];
static int show_stdout_set;

static void asn1_time_str(char *out, size_t n, const ASN1_TIME *t)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1 ||
	    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, n, "?");
}

/*
 * What a certificate's bytes alone say (with show_now, fixed for the
 * run): everything cert_facts prints but the key facts of a record whose
 * PUBLICKEY is not its certificate's.
 */
struct cert_known {
	uint8_t *der;           /* the certificate's bytes (a cache key); NULL: empty slot */
	size_t der_len;
	int parses;
	int has_key;            /* X509_get0_pubkey found a key */
	int key_bits;
	char key_type[32];
	uint8_t *pub;           /* the key's bytes as a PUBLICKEY holds them; NULL: none */
	size_t pub_len;
	char sha1[41];
	char not_before[32], not_after[32];
	enum ctl_expiry expiry;
	char expiry_text[96];
};

/*
 * The facts cache: a TFTP root holds one cluster's few certificates in
 * every file, and each one's SHA-1, dates, expiry and key size cost more
 * than printing the whole record (under OpenSSL 3.0, SHA1() and
 * ASN1_TIME_to_tm fetch or allocate per call). Keyed by the bytes, every
 * hit compared in full; never by an X509 pointer, which the key cache
 * frees when it evicts. Bounded: FACTS_SETS sets of FACTS_WAYS slots
 * (128 certificates, ~1 MB at most), certificates over FACTS_MAX_DER
 * bytes not kept (their facts are worked out each time).
 */
#define FACTS_SETS 32
#define FACTS_WAYS 4
#define FACTS_MAX_DER 8192

struct facts_cache {
	struct cert_known slot[FACTS_SETS][FACTS_WAYS];
	unsigned next[FACTS_SETS]; /* the way to replace next, round robin */
};

static void known_cleanup(struct cert_known *k)
{
	free(k->der);
	free(k->pub);
	memset(k, 0, sizeof(*k));
}

static void facts_cache_free(struct facts_cache *c)
{
	if (c == NULL)
		return;
	for (size_t s = 0; s < FACTS_SETS; s++)
		for (size_t w = 0; w < FACTS_WAYS; w++)
			known_cleanup(&c->slot[s][w]);
	free(c);
}

/*
 * known_fill works out k's facts from the certificate der (n bytes),
 * read from the key cache, where ctl_verify has just parsed it (~100 us
 * a parse under OpenSSL 3.0), or parsed here if the cache refused it (it
 * parses, but its key or serial cannot be read).
 */
static void known_fill(struct cert_known *k, struct ctl_key_cache *cache,
		       const uint8_t *der, size_t n)
{
	const unsigned char *p = der, *kp = NULL;
	const X509 *x;
	X509 *own = NULL;
	EVP_PKEY *pk;
	uint8_t md[SHA_DIGEST_LENGTH];
	int kn = 0;

	/* Refused (out of memory): no digest made up; shown as unavailable. */
	if (SHA1(der, n, md) != NULL)
		ctl_hex(k->sha1, md, sizeof(md), 0, 0);
	x = ctl_key_cache_cert(cache, der, n);
	if (x == NULL)
		x = own = d2i_X509(NULL, &p, (long)n);
	if (x == NULL)
		return;
	k->parses = 1;
	if ((pk = X509_get0_pubkey(x)) != NULL) {
		k->has_key = 1;
		k->key_bits = EVP_PKEY_get_bits(pk);
		ctl_key_type(k->key_type, sizeof(k->key_type), pk);
		if (X509_PUBKEY_get0_param(NULL, &kp, &kn, NULL,
					   X509_get_X509_PUBKEY(x)) == 1 &&
		    kn >= 0 && (k->pub = malloc(kn > 0 ? (size_t)kn : 1)) != NULL) {
			if (kn > 0)
				memcpy(k->pub, kp, (size_t)kn);
			k->pub_len = (size_t)kn;
		}
	}
	asn1_time_str(k->not_before, sizeof(k->not_before), X509_get0_notBefore(x));
	asn1_time_str(k->not_after, sizeof(k->not_after), X509_get0_notAfter(x));
	k->expiry = ctl_cert_expiry(x, show_now, NULL);
	ctl_expiry_text(k->expiry_text, sizeof(k->expiry_text), x, show_now);
	X509_free(own);
}

/*
 * facts_known returns the facts of the certificate der (n bytes): from
 * c when its bytes are there, else worked out and kept, or (too large,
 * out of memory, no cache) worked out into *tmp, which the caller
 * cleans up.
 */
static const struct cert_known *facts_known(struct facts_cache *c,
					    struct cert_known *tmp,
					    struct ctl_key_cache *cache,
					    const uint8_t *der, size_t n)
{
	struct cert_known *k, *set;
	uint64_t h = 1469598103934665603ull ^ n;
	size_t s;

	memset(tmp, 0, sizeof(*tmp));
	if (c == NULL || n == 0 || n > FACTS_MAX_DER) {
		known_fill(tmp, cache, der, n);
		return tmp;
	}
	/* Only to pick a set: the tail is the certificate's signature. */
	for (size_t i = n > 16 ? n - 16 : 0; i < n; i++)
		h = (h ^ der[i]) * 1099511628211ull;
	s = (size_t)(h % FACTS_SETS);
	set = c->slot[s];
	for (size_t w = 0; w < FACTS_WAYS; w++)
		if (set[w].der != NULL && set[w].der_len == n &&
		    memcmp(set[w].der, der, n) == 0)
			return &set[w];
	k = &set[c->next[s]];
	known_cleanup(k);
	if ((k->der = malloc(n)) == NULL) {
		known_fill(tmp, cache, der, n);
		return tmp;
	}
	c->next[s] = (c->next[s] + 1) % FACTS_WAYS;
	memcpy(k->der, der, n);
	k->der_len = n;
	known_fill(k, cache, der, n);
	return k;
}

/*
 * cert_facts: a record's facts. Its certificate's come from the facts
 * cache (parsed from the key cache's copy, else here); a PUBLICKEY that
 * is not its certificate's key is read on its own, as RSA's.
 */
static void cert_facts(struct cert_facts *cf, struct facts_cache *fc,
		       struct ctl_key_cache *cache, const struct ctl_record *r)
{
	struct cert_known tmp;
	const struct cert_known *k = NULL;

	memset(cf, 0, sizeof(*cf));
	memset(&tmp, 0, sizeof(tmp));
	if (r->cert.present) {
		k = facts_known(fc, &tmp, cache, r->cert.p, r->cert.n);
		memcpy(cf->sha1, k->sha1, sizeof(cf->sha1));
	}
	if (r->pubkey.present) {
		/* The record's key is its certificate's: no second decode. */
		if (k != NULL && k->has_key && k->pub != NULL &&
		    k->pub_len == r->pubkey.n &&
		    memcmp(k->pub, r->pubkey.p, r->pubkey.n) == 0) {
			cf->bits = k->key_bits;
			memcpy(cf->key_type, k->key_type, sizeof(cf->key_type));
		} else {
			const unsigned char *p = r->pubkey.p;
			EVP_PKEY *pk;

			/* Without its certificate's bytes, a key is read as RSA's. */
			pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)r->pubkey.n);
			cf->bits = pk != NULL ? EVP_PKEY_get_bits(pk) : 0;
			ctl_key_type(cf->key_type, sizeof(cf->key_type), pk);
			EVP_PKEY_free(pk);
		}
	}
	if (k != NULL && k->parses) {
		cf->ok = 1;
		if (cf->bits == 0 && k->has_key) {
			cf->bits = k->key_bits;
			memcpy(cf->key_type, k->key_type, sizeof(cf->key_type));
		}
		memcpy(cf->not_before, k->not_before, sizeof(cf->not_before));
		memcpy(cf->not_after, k->not_after, sizeof(cf->not_after));
		cf->expiry = k->expiry;
		memcpy(cf->expiry_text, k->expiry_text, sizeof(cf->expiry_text));
	}
	known_cleanup(&tmp);
}

/*
 * The text listing is put together in a buffer of its own and written a
 * file at a time: formatted with fprintf, ~50 calls a file, vfprintf
 * and stdio's locking cost more than the rest of `show` but the
 * checksums and the signature. A struct obuf holds what is not yet
 * written to out; anything that writes to out itself is preceded by
 * ob_flush, so that the order stays the order of the calls.
 */
struct obuf {
	FILE *out;
	size_t n;
	char b[8192];
};

static void ob_flush(struct obuf *o)
{
	if (o->n > 0)
		fwrite(o->b, 1, o->n, o->out);
	o->n = 0;
}

/* ob_room returns where n bytes can be written, or NULL if they never fit. */
static char *ob_room(struct obuf *o, size_t n)
{
	if (n > sizeof(o->b) - o->n)
		ob_flush(o);
	return n <= sizeof(o->b) ? o->b + o->n : NULL;
}

static void ob_put_slow(struct obuf *o, const void *p, size_t n)
{
	char *d = ob_room(o, n);

	if (d == NULL) {
		fwrite(p, 1, n, o->out);
		return;
	}
	memcpy(d, p, n);
	o->n += n;
}

/*
 * The small writes inline: a listing is ~600 pieces a file, most of
 * them literals whose length the compiler knows.
 */
static inline void ob_put(struct obuf *o, const void *p, size_t n)
{
	if (n <= sizeof(o->b) - o->n) {
		memcpy(o->b + o->n, p, n);
		o->n += n;
	} else {
		ob_put_slow(o, p, n);
	}
}

static inline void ob_str(struct obuf *o, const char *s)
{
	ob_put(o, s, strlen(s));
}

static inline void ob_chr(struct obuf *o, char c)
{
	if (o->n == sizeof(o->b))
		ob_flush(o);
	o->b[o->n++] = c;
}

/* dec: v in decimal at the end of d (24 bytes); returns where it starts. */
static char *dec(char d[24], unsigned long long v)
{
	char *s = d + 24;

	do
		*--s = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	return s;
}

/* ob_num: v in decimal, as %u, %zu and %d of a value >= 0 print it. */
static void ob_num(struct obuf *o, unsigned long long v)
{
	char d[24], *s = dec(d, v);

	ob_put(o, s, (size_t)(d + sizeof(d) - s));
}

/* ob_left: s (n bytes) then spaces up to width, as %-Ns does. */
static char *ob_left(char *d, const char *s, size_t n, size_t width)
{
	memcpy(d, s, n);
	if (n < width) {
		memset(d + n, ' ', width - n);
		n = width;
	}
	return d + n;
}

/* ob_row: "%-7u %-19s %-7u ", an element line's start. */
static void ob_row(struct obuf *o, unsigned tag, const char *name, unsigned len)
{
	size_t nl = strlen(name);
	char d1[24], d2[24], *s1 = dec(d1, tag), *s2 = dec(d2, len);
	char *d = ob_room(o, nl + 3 * 24), *e;

	if (d == NULL) { /* a name of 8 KB, never a tag's: a piece at a time */
		size_t l1 = (size_t)(d1 + sizeof(d1) - s1), l2 = (size_t)(d2 + sizeof(d2) - s2);

		ob_put(o, s1, l1);
		for (ob_chr(o, ' '); l1 < 7; l1++)
			ob_chr(o, ' ');
		ob_put(o, name, nl);
		for (ob_chr(o, ' '); nl < 19; nl++)
			ob_chr(o, ' ');
		ob_put(o, s2, l2);
		for (ob_chr(o, ' '); l2 < 7; l2++)
			ob_chr(o, ' ');
		return;
	}
	e = ob_left(d, s1, (size_t)(d1 + sizeof(d1) - s1), 7);
	*e++ = ' ';
	e = ob_left(e, name, nl, 19);
	*e++ = ' ';
	e = ob_left(e, s2, (size_t)(d2 + sizeof(d2) - s2), 7);
	*e++ = ' ';
	o->n += (size_t)(e - d);
}

/*
 * ob_safe writes p (n bytes) through the one sanitizer (text.h): into
 * the buffer when its worst case (4 characters a byte) fits there, else
 * with the sanitizer's stream form. The same escapes either way.
 */
static void ob_safe(struct obuf *o, const uint8_t *p, size_t n)
{
	char *d = n < sizeof(o->b) / 4 ? ob_room(o, 4 * n + 1) : NULL;

	if (d != NULL) {
		o->n += ctl_text_safe(d, 4 * n + 1, p, n);
		return;
	}
	ob_flush(o);
	ctl_text_put(o->out, p, n);
}

/*
 * A name from a file goes to a terminal: through the one sanitizer
 * (text.h), so that a hostile file cannot drive the administrator's
 * terminal or make one name look like another. Trailing NULs are padding.
 */
static void put_text(struct obuf *o, const struct ctl_field *f)
{
	size_t n = f->n;

	while (n > 0 && f->p[n - 1] == '\0')
		n--;
	ob_safe(o, f->p, n);
}

/* put_hex prints p (n bytes) as hex, sep between bytes (0: none). */
static void put_hex(struct obuf *o, const uint8_t *p, size_t n, char sep, int upper)
{
	while (n > 0) {
		size_t k = n > 64 ? 64 : n;
		char *d = ob_room(o, 3 * k + 1);

		ctl_hex(d, p, k, sep, upper);
		o->n += sep ? 3 * k - 1 : 2 * k;
		p += k;
		n -= k;
		if (n > 0 && sep)
			ob_chr(o, sep);
	}
}

static void put_serial(struct obuf *o, const struct ctl_field *f)
{
	put_hex(o, f->p, f->n, ':', 1);
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

/* tag_label: a tag's name, else "tag N" in buf (32 bytes). */
static const char *tag_label(char *buf, const char *name, unsigned tag)
{
	char d[24], *s;
	size_t n;

	if (name != NULL)
		return name;
	s = dec(d, tag);
	n = (size_t)(d + sizeof(d) - s);
	memcpy(buf, "tag ", 4);
	memcpy(buf + 4, s, n);
	buf[4 + n] = '\0';
	return buf;
}

static void show_header_elem(struct obuf *o, const struct ctl_file *f,
			     const struct ctl_elem *e)
{
	struct ctl_field v = { e->off, e->p, e->n, 1 };
	char buf[32];

	if (e->tag == HDR_VERSION || e->tag == HDR_HEADERLENGTH ||
	    e->tag == HDR_PADDING)
		return;
	ob_row(o, e->tag, tag_label(buf, ctl_header_tag_name(e->tag), e->tag),
	       e->p == NULL ? 2u : e->n);
	switch (e->tag) {
	case HDR_SIGNERID: case HDR_SIGNATUREINFO: case HDR_SIGNATUREALGOINFO:
		ob_num(o, e->n);
		break;
	case HDR_SIGNERNAME: case HDR_CANAME: case HDR_FILENAME:
		put_text(o, &v);
		break;
	case HDR_SERIALNUMBER:
		put_serial(o, &v);
		break;
	case HDR_DIGESTALGORITHM: {
		const char *d = ctl_digest_name(e->p[0]);

		ob_str(o, d ? d : "unknown");
		break;
	}
	case HDR_SIGNATUREALGORITHM:
		ob_str(o, e->p[0] == 0 ? "RSA" : "unknown");
		break;
	case HDR_SIGNATUREMODULUS:
		if (e->p[0] <= 3) {
			ob_num(o, 64u << e->p[0]);
			ob_str(o, " bytes");
		} else {
			ob_str(o, "unknown (");
			ob_num(o, e->p[0]);
			ob_chr(o, ')');
		}
		break;
	case HDR_TIMESTAMP: {
		char t[32];

		utc(t, sizeof(t), timestamp_of(f));
		ob_str(o, t);
		ob_str(o, " (");
		ob_num(o, timestamp_of(f));
		ob_chr(o, ')');
		break;
	}
	case HDR_SIGNERVERSION:
		ob_num(o, e->p[0]);
		ob_chr(o, '.');
		ob_num(o, e->p[1]);
		break;
	case HDR_SIGNATURE:
		for (size_t i = 0; i < e->n; i += 16) {
			ob_str(o, "\n        ");
			put_hex(o, e->p + i, e->n - i < 16 ? e->n - i : 16, ' ', 0);
		}
		break;
	default: /* tags 16-27 of an encrypted file; nothing for others */
		ob_flush(o);
		cmd_enc_show_elem(o->out, e);
		break;
	}
	ob_chr(o, '\n');
}

static void show_record(struct obuf *o, struct facts_cache *fc,
			struct ctl_key_cache *cache, const struct ctl_file *f,
			size_t idx, int signer)
{
	const struct ctl_record *r = &f->recs[idx];
	struct cert_facts cf;

	cert_facts(&cf, fc, cache, r);
	ob_chr(o, '\n');
	ob_str(o, kind_name(f));
	ob_str(o, " Record #:");
	ob_num(o, idx + 1);
	ob_str(o, "\n----\nBYTEPOS TAG                 LENGTH  VALUE\n");
	for (size_t i = 0; i < r->nelems; i++) {
		const struct ctl_elem *e = &r->elems[i];
		struct ctl_field v = { e->off, e->p, e->n, 1 };
		char buf[32];

		ob_row(o, e->tag, tag_label(buf, ctl_record_tag_name(e->tag), e->tag),
		       e->n);
		switch (e->tag) {
		case REC_RECORDLENGTH:
			ob_num(o, r->len);
			break;
		case REC_DNSNAME: case REC_SUBJECTNAME: case REC_ISSUERNAME:
			put_text(o, &v);
			break;
		case REC_FUNCTION: {
			const char *role = ctl_role_name(r->role);

			if (role != NULL) {
				ob_str(o, role);
			} else {
				ob_str(o, "unknown role ");
				ob_num(o, r->role);
			}
			break;
		}
		case REC_SERIALNUMBER:
			put_serial(o, &v);
			break;
		case REC_PUBLICKEY:
			/* "RSA 2048 bits" as before; other types say so. */
			if (cf.bits > 0 && strcmp(cf.key_type, "RSA") == 0) {
				ob_str(o, "RSA ");
				ob_num(o, (unsigned)cf.bits);
				ob_str(o, " bits");
			} else if (cf.bits > 0) {
				ob_str(o, cf.key_type[0] ? cf.key_type : "unknown key type");
				ob_str(o, " (");
				ob_num(o, (unsigned)cf.bits);
				ob_str(o, " bits)");
			}
			break;
		case REC_CERTIFICATE:
			ob_str(o, cf.sha1[0] ? cf.sha1 : "(unavailable)");
			ob_str(o, " (SHA1)\n                                    ");
			if (cf.ok) {
				ob_str(o, "valid ");
				ob_str(o, cf.not_before);
				ob_str(o, " to ");
				ob_str(o, cf.not_after);
			} else {
				ob_str(o, "does not parse");
			}
			break;
		case REC_IPADDRESS:
			for (int b = 0; b < 4; b++) {
				if (b > 0)
					ob_chr(o, '.');
				ob_num(o, e->p[b]);
			}
			break;
		case REC_CERTHASH:
			put_hex(o, e->p, e->n, 0, 0);
			break;
		case REC_HASHALGORITHM: {
			const char *d = ctl_digest_name(e->p[0]);

			ob_str(o, d ? d : "unknown");
			break;
		}
		default:
			break;
		}
		ob_chr(o, '\n');
	}
	/* As CUCM: the line follows SAST records only (seed 002's listings). */
	if (r->role == ROLE_SAST) {
		ob_str(o, signer ? "\nThis etoken was used to sign the "
				 : "\nThis etoken was not used to sign the ");
		ob_str(o, kind_name(f));
		ob_str(o, " file.\n");
	}
	if (cf.expiry_text[0]) {
		ob_str(o, "\nNotice: this certificate ");
		ob_str(o, cf.expiry_text);
		ob_str(o, "; phones keep using it.\n");
	}
}

static void show_text(struct obuf *o, struct facts_cache *fc,
		      struct ctl_key_cache *cache, const char *path,
		      const struct ctl_file *f, const uint8_t md5[16],
		      const uint8_t sha1[20], int verified,
		      const struct ctl_err *verr, int signer)
{
	char hex[41];
	const char *kind = kind_name(f);

	/* The path may come from a glob over a directory anyone can write. */
	ob_safe(o, (const uint8_t *)path, strlen(path));
	ob_str(o, "\n\nThe checksum value of the ");
	ob_str(o, kind);
	ob_str(o, " file:\n");
	ctl_hex(hex, md5, 16, 0, 0);
	ob_str(o, hex);
	ob_str(o, "(MD5)\n");
	ctl_hex(hex, sha1, 20, 0, 0);
	ob_str(o, hex);
	ob_str(o, "(SHA1)\n\nLength of ");
	ob_str(o, kind);
	ob_str(o, " file: ");
	ob_num(o, f->len);
	ob_str(o, "\n\nParse ");
	ob_str(o, kind);
	ob_str(o, " File\n----------------\n\nVersion: ");
	ob_num(o, f->ver_major);
	ob_chr(o, '.');
	ob_num(o, f->ver_minor);
	ob_str(o, "\nHeaderLength: ");
	ob_num(o, f->header_len);
	ob_str(o, " (BYTES)\n\n"
		  "BYTEPOS TAG                 LENGTH  VALUE\n"
		  "------- ---                 ------  -----\n");
	for (size_t i = 0; i < f->nelems; i++)
		show_header_elem(o, f, &f->elems[i]);
	if (f->kind == KIND_SGN) {
		ob_str(o, "\nSigned payload: ");
		ob_num(o, f->payload_len);
		ob_str(o, " bytes at offset ");
		ob_num(o, f->header_len);
		ob_chr(o, '\n');
	}
	ob_flush(o);
	cmd_enc_show_summary(o->out, path, f);
	for (size_t i = 0; i < f->nrecs; i++)
		show_record(o, fc, cache, f, i, (int)i == signer);
	if (f->unknown > 0) {
		ob_str(o, "\nThe header has ");
		ob_num(o, f->unknown);
		ob_str(o, " element(s) of unknown tags (kept).\n");
	}
	ob_str(o, "\nThe ");
	ob_str(o, kind);
	if (verified) {
		ob_str(o, " file was verified successfully.\n");
	} else {
		ob_str(o, " file could not be verified: ");
		ob_safe(o, (const uint8_t *)verr->msg, strlen(verr->msg));
		ob_chr(o, '\n');
	}
	ob_flush(o);
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

static json_t *json_record(struct facts_cache *fc, struct ctl_key_cache *cache,
			   const struct ctl_file *f, size_t i, int signer)
{
	const struct ctl_record *r = &f->recs[i];
	json_t *o = cj_obj();
	struct cert_facts cf;
	char ip[16];

	cert_facts(&cf, fc, cache, r);
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
	cj_set(o, "cert_sha1", r->cert.present && cf.sha1[0] ? cj_str(cf.sha1) : cj_str(NULL));
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
static json_t *json_file(struct facts_cache *fc, struct ctl_key_cache *cache,
			 const char *path, const struct ctl_file *f,
			 const uint8_t md5[16], const uint8_t sha1[20], int verified,
			 const struct ctl_err *verr, int signer)
{
	char hex[41], t[32], v[8];
	json_t *o = cj_obj(), *s = cj_obj(), *recs = cj_arr(), *pl;
	const char *digest = f->digest.present ? ctl_digest_name(f->digest.p[0]) : NULL;

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
		cj_add(recs, json_record(fc, cache, f, i, signer));
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
	struct facts_cache *fc = NULL;
	struct obuf ob;
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
	/* Without it, a certificate's facts are worked out for each record. */
	fc = calloc(1, sizeof(*fc));
	ob.out = stdout;
	ob.n = 0;
	/*
	 * Into a pipe or a file, 64 KB at a time rather than stdio's 4 KB
	 * (a listing is ~5 KB a file); on a terminal, as stdio does. Nothing
	 * has been written to stdout yet (once a process: setvbuf comes
	 * before a stream's first use).
	 */
	if (!show_stdout_set && !isatty(STDOUT_FILENO))
		setvbuf(stdout, show_stdout_buf, _IOFBF, sizeof(show_stdout_buf));
	show_stdout_set = 1;
	if (json)
		files = cj_arr();
	for (int i = optind; i < argc; i++) {
		struct ctl_file f;
		struct ctl_err verr;
		struct ctl_verify_result vr;
		uint8_t md5[16], sha1[20];
		int parsed;
		int ok, code;

		ctl_err_init(&err);
		ctl_err_init(&verr);
		parsed = ctl_parse_path(&f, &err, argv[i], PARSE_AUTO);
		/* MD5 refused (a FIPS-only OpenSSL): no checksum is made up. */
		if (parsed && !ctl_checksums(&f, md5, sha1)) {
			ctl_file_cleanup(&f);
			ctl_err_set(&err, CTL_E_INTERNAL, "%s: cannot compute its MD5 and "
				    "SHA-1: OpenSSL refuses the digest", argv[i]);
			parsed = 0;
		}
		if (!parsed) {
			/* The error line after the listings before it. */
			if (!json)
				fflush(stdout);
			code = cmd_fail(&err);
			rc = code > rc ? code : rc;
			if (json)
				cj_add(files, json_failed(argv[i], &err));
			continue;
		}
		ok = ctl_verify(&f, &verr, &vr, cache, cert);
		if (json) {
			cj_add(files, json_file(fc, cache, argv[i], &f, md5, sha1, ok, &verr,
						ctl_find_signer(&f)));
		} else {
			if (i > optind)
				fputs("\n", stdout);
			show_text(&ob, fc, cache, argv[i], &f, md5, sha1, ok, &verr,
				  ctl_find_signer(&f));
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
	facts_cache_free(fc);
	ctl_key_cache_free(cache);
	X509_free(cert);
	return rc;
}
