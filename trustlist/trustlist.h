/*
 * trustlist.h - the trust-list engine: parse, build, sign and verify
 * CTLFile.tlv / ITLFile.tlv and .sgn signed files, byte-compatible with
 * CUCM (shared/FORMAT.md).
 */
#ifndef CTLSIGN_TRUSTLIST_H
#define CTLSIGN_TRUSTLIST_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "bytes.h"
#include "err.h"
#include "signer.h"

/* Header tags (FORMAT.md "Header"). */
enum {
	HDR_VERSION = 1,
	HDR_HEADERLENGTH = 2,
	HDR_SIGNERID = 3,
	HDR_SIGNERNAME = 4,
	HDR_SERIALNUMBER = 5,
	HDR_CANAME = 6,
	HDR_SIGNATUREINFO = 7,
	HDR_DIGESTALGORITHM = 8,
	HDR_SIGNATUREALGOINFO = 9,
	HDR_SIGNATUREALGORITHM = 10,
	HDR_SIGNATUREMODULUS = 11,
	HDR_SIGNATURE = 12,
	HDR_PADDING = 13,
	HDR_FILENAME = 14,
	HDR_TIMESTAMP = 15,
	HDR_SIGNERVERSION = 28,
};

/* Record tags (FORMAT.md "Records"). */
enum {
	REC_RECORDLENGTH = 1,
	REC_DNSNAME = 2,
	REC_SUBJECTNAME = 3,
	REC_FUNCTION = 4,
	REC_ISSUERNAME = 5,
	REC_SERIALNUMBER = 6,
	REC_PUBLICKEY = 7,
	REC_SIGNATURE = 8,
	REC_CERTIFICATE = 9,
	REC_IPADDRESS = 10,
	REC_CERTHASH = 11,
	REC_HASHALGORITHM = 12,
};

/* Roles (record tag 4). Other values occur in the field and are kept. */
enum ctl_role {
	ROLE_SAST = 0,
	ROLE_CCM = 1,
	ROLE_CCM_TFTP = 2,
	ROLE_TFTP = 3,
	ROLE_CAPF = 4,
	ROLE_SRST = 5,
	ROLE_APP_SERVER = 7,
	ROLE_TVS = 21,
};

/* Digest codes (header tag 8). */
enum ctl_digest {
	DIGEST_SHA1 = 1,
	DIGEST_SHA256 = 2,
	DIGEST_SHA512 = 3,
};

enum ctl_kind {
	KIND_CTL,  /* records follow the header */
	KIND_ITL,  /* records follow the header; FILENAME starts with ITL */
	KIND_SGN,  /* the signed file's payload follows the header */
};

/* A field as found in the file: offset of its tag, its value (borrowed). */
struct ctl_field {
	size_t off;        /* file offset of the tag byte; 0 if absent */
	const uint8_t *p;  /* value, points into the file buffer */
	uint16_t n;        /* value length */
	int present;
};

/* One element of the header or of a record, in file order. */
struct ctl_elem {
	uint8_t tag;
	uint8_t depth;     /* 0 top level; 1 inside a group; 2 inside a group's group */
	size_t off;        /* file offset of the tag byte */
	uint16_t n;        /* value length (group: bytes of its members) */
	const uint8_t *p;  /* value (group: NULL); NULL for padding */
};

#define CTL_MAX_ELEMS 32

struct ctl_record {
	size_t off;            /* file offset of the record */
	const uint8_t *raw;    /* the record's bytes, RECORDLENGTH long */
	size_t len;
	struct ctl_field dns, subject, function, issuer, serial, pubkey,
		signature, cert, ip, certhash, hashalg;
	uint16_t role;
	struct ctl_elem elems[CTL_MAX_ELEMS];
	size_t nelems;
	size_t unknown;        /* elements with tags we do not know */
};

struct ctl_file {
	uint8_t *buf;          /* owned: the whole file */
	size_t len;
	enum ctl_kind kind;
	uint8_t ver_major, ver_minor;
	uint16_t header_len;
	struct ctl_field signer_version, signer_name, signer_serial, ca_name,
		digest, sig_alg, modulus, signature, filename, timestamp;
	struct ctl_elem elems[CTL_MAX_ELEMS];
	size_t nelems;
	size_t unknown;
	struct ctl_record *recs; /* owned array (KIND_CTL/ITL) */
	size_t nrecs;
	const uint8_t *payload;  /* KIND_SGN: the signed file's bytes */
	size_t payload_len;
};

/* Files larger than this are refused before reading (a CTL is ~5-50 KB). */
#define CTL_MAX_FILE (16u * 1024 * 1024)

enum ctl_parse_mode {
	PARSE_AUTO,      /* .sgn if FILENAME ends in ".sgn", else records */
	PARSE_RECORDS,
	PARSE_SIGNED,
};

/*
 * ctl_parse parses len bytes (copied; the caller keeps its buffer) into
 * *out. On failure err names the element and byte offset and *out is
 * left cleaned. Release with ctl_file_cleanup.
 */
int ctl_parse(struct ctl_file *out, struct ctl_err *err, const uint8_t *data,
	      size_t len, enum ctl_parse_mode mode);
/* ctl_parse_path reads path (bounded by CTL_MAX_FILE) and parses it. */
int ctl_parse_path(struct ctl_file *out, struct ctl_err *err,
		   const char *path, enum ctl_parse_mode mode);
void ctl_file_cleanup(struct ctl_file *f);

/*
 * ctl_serialize rebuilds the file from its element lists with the
 * builder (lengths filled in by the builder, records and payload copied).
 * For a well-formed file the result equals the input byte for byte.
 * The caller frees *out.
 */
int ctl_serialize(const struct ctl_file *f, struct ctl_err *err,
		  uint8_t **out, size_t *out_len);

/* ctl_header_tag_name: "SIGNERNAME" ... or NULL for a tag we do not know. */
const char *ctl_header_tag_name(uint8_t tag);
/* ctl_record_tag_name: "SUBJECTNAME" ... or NULL. */
const char *ctl_record_tag_name(uint8_t tag);

/* ctl_role_name: "CCM+TFTP", "System Administrator Security Token", ... or NULL. */
const char *ctl_role_name(uint16_t role);
/* ctl_role_short: "SAST", "CCM+TFTP", "CAPF", ... or NULL. */
const char *ctl_role_short(uint16_t role);
/* ctl_digest_md maps a digest code to its EVP_MD, NULL if unknown. */
const EVP_MD *ctl_digest_md(uint8_t code);
/* ctl_digest_name: "SHA-1" ... or NULL. */
const char *ctl_digest_name(uint8_t code);

/*
 * ctl_name_render writes a DN the way CUCM does: CN;OU;O;L;ST;C in that
 * order, then other attributes in certificate order with short names,
 * ';' between, no spaces, unquoted. Returns a malloc'd string or NULL.
 */
char *ctl_name_render(const X509_NAME *name);

/*
 * ctl_name_matches tells whether the rendered name p (n bytes, as a
 * record or header holds it) names the same attributes as name: our own
 * rendering byte for byte, or the same attribute=value pairs in any order
 * with attribute keys in any case and values optionally quoted (the
 * Windows CTL client's `cn="...";o="..."`). Values compare exactly.
 */
int ctl_name_matches(const uint8_t *p, size_t n, const X509_NAME *name);

/*
 * ctl_serial_bytes writes the certificate serial as an unsigned
 * big-endian magnitude (no DER sign byte, at least one byte).
 * Returns the length, 0 on failure; out must hold 64 bytes.
 */
size_t ctl_serial_bytes(const X509 *cert, uint8_t out[64]);

/*
 * ctl_pubkey_bytes writes the certificate's public key as a record's
 * PUBLICKEY holds it (what i2d_PublicKey writes: RSA's RSAPublicKey DER)
 * to a new *out the caller releases with OPENSSL_free. Returns its
 * length, -1 on failure (also when the key does not decode).
 */
int ctl_pubkey_bytes(const X509 *cert, unsigned char **out);

/* ctl_load_cert reads one certificate, PEM or DER. NULL with err set. */
X509 *ctl_load_cert(struct ctl_err *err, const char *path);

/*
 * Building.
 *
 * A record source is a certificate with a role and optional DNS name and
 * IPv4 address, or (from --from) an existing record copied byte for byte.
 */
enum ctl_rec_style {
	STYLE_SERVER,   /* CTL: 2,3,4,5,6,7,8,9,10 */
	STYLE_ETOKEN,   /* CTL SAST from an eToken: 2 (empty),3,4,5,6,7,9,10 */
	STYLE_ITL_CERT, /* ITL: 2,3,4,5,6,7,8,9 */
	STYLE_ITL_HASH, /* ITL TVS/CAPF: 2,3,4,5,6,7,8,11,12 */
};

struct ctl_rec_spec {
	uint16_t role;
	X509 *cert;            /* borrowed; NULL for a copied record */
	const char *dns;       /* NULL: empty */
	uint8_t ip[4];
	int has_ip;
	enum ctl_rec_style style;
	const struct ctl_record *copy; /* from --from: copied byte for byte */
};

struct ctl_build_opts {
	enum ctl_kind kind;
	uint8_t digest;        /* DIGEST_SHA1 ... */
	uint32_t timestamp;
	const char *filename;  /* FILENAME element, e.g. "CTLFile.tlv" */
	uint8_t ver_major, ver_minor;
	uint16_t signer_version; /* nonzero: write tag 28 (major<<8|minor) */
};

/*
 * ctl_build_record appends one record for spec to cbb: a copied record
 * byte for byte, else the fields of spec->style from spec->cert.
 */
int ctl_build_record(struct cbb *cbb, struct ctl_err *err,
		     const struct ctl_rec_spec *spec);

/*
 * ctl_build writes a complete signed file: the header for signer, then
 * either the records (n specs, in order) or, for KIND_SGN, payload.
 * Tokenless ordering (signer's SAST record first) is the caller's
 * choice; see ctl_build_specs_tokenless. *out is malloc'd.
 */
int ctl_build(struct ctl_err *err, uint8_t **out, size_t *out_len,
	      const struct ctl_build_opts *opts, struct ctl_signer *signer,
	      const struct ctl_rec_spec *specs, size_t n,
	      const uint8_t *payload, size_t payload_len);

/*
 * ctl_spec_same_cert tells whether spec carries cert (a copied record
 * compares its CERTIFICATE bytes).
 */
int ctl_spec_same_cert(const struct ctl_rec_spec *spec, X509 *cert);

/*
 * ctl_style_for picks the record layout CUCM uses for role in kind
 * (eToken SAST records are chosen by the caller).
 */
enum ctl_rec_style ctl_style_for(enum ctl_kind kind, uint16_t role);

/*
 * Verification.
 */
struct ctl_verify_result {
	int signer_index;      /* record that signed the file, -1 if none */
	uint8_t sha1[20];      /* of the whole file; filled only when */
	uint8_t md5[16];       /* ctl_verify is called without a cache */
};

/* ctl_checksums computes the MD5 and SHA-1 of the whole file (show ctl). */
void ctl_checksums(const struct ctl_file *f, uint8_t md5[16], uint8_t sha1[20]);

/*
 * ctl_key_cache - parsed public keys keyed by certificate bytes, so that
 * verifying thousands of files signed by the same certificate parses it
 * once. Bounded: memory stays flat in the number of files.
 */
struct ctl_key_cache;
struct ctl_key_cache *ctl_key_cache_new(void);
void ctl_key_cache_free(struct ctl_key_cache *c);
/*
 * ctl_key_cache_add puts a certificate already in memory into c (up-ref'd),
 * keyed by its DER bytes, as if a record had carried it: a file that
 * holds these bytes is checked against it without parsing them again.
 * Returns 0 (and adds nothing) if its key cannot be read.
 */
int ctl_key_cache_add(struct ctl_key_cache *c, X509 *cert);

/*
 * ctl_verify checks f: every certificate parses and agrees with its
 * record's fields, the signer is a SAST record with the header's issuer
 * and serial, and the signature over the file with SIGNATURE cut out is
 * valid. For KIND_SGN the signer certificate is signer_cert (required).
 * Returns 1 if valid; 0 with err CTL_E_VERIFY (bad signature or signer)
 * or CTL_E_FORMAT (a certificate that does not parse). cache may be NULL;
 * without one, out's checksums are filled too. out may be NULL.
 */
int ctl_verify(const struct ctl_file *f, struct ctl_err *err,
	       struct ctl_verify_result *out, struct ctl_key_cache *cache,
	       X509 *signer_cert);

/*
 * ctl_name_kind tells what a file named name (n bytes, trailing NULs
 * ignored: a base name such as CTLFile.tlv, ITLSEP<MAC>.tlv,
 * SEP<MAC>.cnf.xml.sgn, or a FILENAME element) is to a phone: one ending
 * in .sgn (any case) a signed file, else one starting with CTL or ITL
 * (any case) a trust list of that kind. Returns 0 when the name says
 * nothing.
 */
int ctl_name_kind(const char *name, size_t n, enum ctl_kind *out);

/*
 * ctl_check_served_as refuses (CTL_E_USAGE) to serve f under name when
 * the name makes it another kind than its FILENAME does: an ITL served as
 * CTLFile.tlv would be judged by a phone under the CTL's rules, and the
 * other way round.
 */
int ctl_check_served_as(const struct ctl_file *f, struct ctl_err *err,
			const char *name);

/* ctl_find_signer returns the index of the signing SAST record or -1. */
int ctl_find_signer(const struct ctl_file *f);

/*
 * Trust across a change (FORMAT.md "Phone behaviour"): will a phone that
 * holds the current files accept a new one?
 */
enum ctl_trust {
	TRUST_DIRECT,  /* the new signer is trusted by the files the phone holds */
	TRUST_TVS,     /* only through TVS: phones with Security By Default */
	TRUST_NONE,    /* phones reject it and must have their CTL/ITL deleted */
	TRUST_FIRST,   /* the phone holds nothing: it trusts the first file */
};

/*
 * ctl_assess_trust judges new_file for a phone holding cur_ctl and/or
 * cur_itl (either may be NULL). why gets one line explaining the verdict.
 * Every file must have passed ctl_verify first: the verdict compares the
 * new signer's certificate with the held files' certificates and trusts
 * that each is the one whose key verified.
 */
enum ctl_trust ctl_assess_trust(const struct ctl_file *new_file,
				const struct ctl_file *cur_ctl,
				const struct ctl_file *cur_itl,
				char *why, size_t why_len);

#endif
