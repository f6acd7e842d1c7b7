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
	/* Encrypted configuration files (docs/encrypted-config.md). */
	HDR_ENCINFO = 16,          /* group: 17 and 21 */
	HDR_ENCIVINFO = 17,        /* group: 18, 19, 20 */
	HDR_ENCIVRESERVED = 18,    /* 1 byte, 0; meaning unknown */
	HDR_ENCIV = 19,            /* the AES-CBC IV, 16 bytes */
	HDR_ENCPADLENGTH = 20,     /* u16: bytes of padding after the plaintext */
	HDR_ENCKEYINFO = 21,       /* group: 22, 23, 24, 25 */
	HDR_ENCKEYRESERVED = 22,   /* 1 byte, 0; meaning unknown */
	HDR_ENCKEYSIZE = 23,       /* u16: bits of the wrapped key (the phone's modulus) */
	HDR_ENCKEYALGORITHM = 24,  /* 1 byte: 1 = AES-128-CBC */
	HDR_ENCKEY = 25,           /* the AES key, RSA PKCS#1 v1.5 encrypted */
	HDR_ENCHASHALGORITHM = 26, /* 1 byte: a digest code, as tag 8 */
	HDR_ENCHASH = 27,          /* digest of the plaintext */
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

/* The encryption elements of a .cnf.xml.enc.sgn (tags 18-20, 22-27). */
struct ctl_enc_fields {
	struct ctl_field iv_reserved, iv, pad_len, key_reserved, key_size,
		key_alg, key, hash_alg, hash;
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
	struct ctl_enc_fields enc; /* present only in encrypted files */
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
/*
 * ctl_parse_at is ctl_parse_path of name relative to the open directory
 * dirfd (AT_FDCWD: the working directory); messages name it path.
 */
int ctl_parse_at(struct ctl_file *out, struct ctl_err *err, int dirfd,
		 const char *name, const char *path, enum ctl_parse_mode mode);
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
 * ctl_key_type names pk's type as `show` prints it: "RSA", "ECDSA P-256",
 * "ECDSA P-384", "ECDSA P-521" (another curve: "ECDSA" and OpenSSL's
 * group name), "Ed25519", "Ed448", "DSA", "RSA-PSS", else OpenSSL's name
 * for the type; "" for NULL. Writes at most n bytes to out; returns out.
 */
const char *ctl_key_type(char *out, size_t n, const EVP_PKEY *pk);
/*
 * ctl_record_sha1_hex writes the SHA-1 of r's CERTIFICATE in hex, as
 * ctl_hex does with sep and upper (out: 60 bytes hold either form);
 * returns 0, writing "", when r carries no certificate.
 */
int ctl_record_sha1_hex(char *out, const struct ctl_record *r, char sep, int upper);

/*
 * Expiry, a notice and never a failure: phones keep using a CTL or ITL
 * whose certificates have expired (they check the signature, not the
 * dates), but CUCM's readers of `show ctl` look for them.
 */
#define CTL_EXPIRY_SOON_DAYS 30
enum ctl_expiry {
	CTL_EXPIRY_UNKNOWN,  /* no certificate, or its notAfter cannot be read */
	CTL_EXPIRY_VALID,    /* more than CTL_EXPIRY_SOON_DAYS days left */
	CTL_EXPIRY_SOON,     /* notAfter within CTL_EXPIRY_SOON_DAYS days of now */
	CTL_EXPIRY_EXPIRED,  /* notAfter is before now */
};

/*
 * ctl_cert_expiry judges cert's notAfter against now (seconds since the
 * epoch: the caller's clock, so that output can be made repeatable).
 * *out_secs, if not NULL, gets notAfter - now (negative once expired).
 */
enum ctl_expiry ctl_cert_expiry(const X509 *cert, int64_t now, int64_t *out_secs);
/* ctl_expiry_name: "valid", "expires-soon", "expired" or "unknown". */
const char *ctl_expiry_name(enum ctl_expiry e);
/*
 * ctl_expiry_text writes the one wording of a notice for cert:
 * "expired 2019-06-04T16:31:38Z (2371 days ago)" or "expires
 * 2026-12-05T00:00:00Z (in 4 days)"; "" (and 0) when it is neither
 * expired nor expiring within CTL_EXPIRY_SOON_DAYS days. Returns the
 * length written.
 */
size_t ctl_expiry_text(char *out, size_t n, const X509 *cert, int64_t now);

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
 * Windows CTL client's `cn="...";o="..."`), or the RFC 4514 attributes
 * in certificate order with ',' between (the certutils tools' form).
 * Values compare exactly.
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
	/*
	 * Header elements, already encoded, written after TIMESTAMP and
	 * before the padding (enc.c's tags 16-27); NULL: none.
	 */
	const uint8_t *extra_header;
	size_t extra_header_len;
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
 * ctl_build_write is what `build` and `sgn sign` do once their options
 * are read: ctl_build, then the new file parsed back and verified the
 * way a phone will (ctl_verify; a .sgn against the signer's
 * certificate), and only if it verifies, written to path all or nothing
 * (ctl_write_atomic, mode 0644 for a new file). A file that does not
 * verify is never written and path is left as it was (err: "self-check
 * of the new file failed; nothing written: ..."). On success
 * out_check, if not NULL, holds the file as written, parsed (release
 * with ctl_file_cleanup); on failure it is not touched.
 */
int ctl_build_write(struct ctl_err *err, struct ctl_file *out_check,
		    const char *path, const struct ctl_build_opts *opts,
		    struct ctl_signer *signer, const struct ctl_rec_spec *specs,
		    size_t n, const uint8_t *payload, size_t payload_len);
/*
 * ctl_build_check is that self-check on len bytes just built: parsed
 * (a .sgn when sgn), its encryption header checked if it has one,
 * verified (a .sgn under signer_cert; cache may be NULL). On failure err
 * says "self-check of the new file failed; nothing written: ...". On
 * success *out_check (if not NULL) holds the parsed file.
 */
struct ctl_key_cache;
int ctl_build_check(struct ctl_err *err, struct ctl_file *out_check,
		    const uint8_t *buf, size_t len, int sgn,
		    struct ctl_key_cache *cache, X509 *signer_cert);

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
};

/*
 * ctl_checksums computes the MD5 and SHA-1 of the whole file (show ctl).
 * Returns 0, both zeroed, if OpenSSL refuses a digest (MD5 under a
 * FIPS-only configuration).
 */
int ctl_checksums(const struct ctl_file *f, uint8_t md5[16], uint8_t sha1[20]);

/*
 * ctl_key_cache - parsed public keys keyed by certificate bytes, so that
 * verifying thousands of files signed by the same certificate parses it
 * once. A hash table, least recently used out first, of at most 1024
 * certificates: memory stays flat in the number of files.
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
 * ctl_key_cache_cert returns the certificate whose DER bytes are der (n
 * bytes), parsed once per cache, or NULL if it does not parse (or c is
 * NULL). The cache owns it; it stays valid until the next lookup in c.
 */
const X509 *ctl_key_cache_cert(struct ctl_key_cache *c, const uint8_t *der,
			       size_t n);

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
 * Trust across a change (FORMAT.md "Phone behaviour"; the whole model,
 * rule by rule, is docs/phone-trust.md): will phones that hold the
 * current CTL/ITL take the new files, and what do they hold afterwards?
 * Pure functions over parsed, verified files and certificate sets: no
 * printing; every verdict comes with one line saying why.
 */

/*
 * The cluster's trust store, as TVS sees it: the certificates of the
 * units in OS Administration > Certificate Management (Phone-SAST-trust,
 * CallManager-trust, the nodes' own CallManager.pem, ...). Membership is
 * by the whole DER certificate.
 */
struct ctl_trust_store;
/* ctl_trust_store_new returns an empty store (NULL: out of memory). */
struct ctl_trust_store *ctl_trust_store_new(void);
/* ctl_trust_store_free releases s; NULL does nothing. */
void ctl_trust_store_free(struct ctl_trust_store *s);
/* ctl_trust_store_add copies cert's DER into s. */
int ctl_trust_store_add(struct ctl_trust_store *s, struct ctl_err *err, X509 *cert);
/*
 * ctl_trust_store_load_dir adds every certificate of directory dir: each
 * regular file whose name does not start with '.' must hold certificates,
 * one DER certificate or one or more PEM certificates, else the load
 * fails naming the file (CTL_E_FORMAT). Any other entry (a directory, a
 * FIFO, a dangling link) fails the load too (CTL_E_IO), and so does a
 * directory without any certificate: a store read in part would make
 * every verdict about it a guess.
 */
int ctl_trust_store_load_dir(struct ctl_trust_store *s, struct ctl_err *err,
			     const char *dir);
/* ctl_trust_store_count: how many certificates s holds. */
size_t ctl_trust_store_count(const struct ctl_trust_store *s);
/* ctl_trust_store_has: is the certificate der (n bytes) in s? */
int ctl_trust_store_has(const struct ctl_trust_store *s, const uint8_t *der, size_t n);
/* ctl_trust_store_has_sha1: is a certificate whose DER has this SHA-1 in s? */
int ctl_trust_store_has_sha1(const struct ctl_trust_store *s, const uint8_t sha1[20]);

/* The phone classes every verdict is given for. */
enum ctl_phone {
	PHONE_SBD,     /* Security By Default: holds CTL and ITL, can ask TVS */
	PHONE_NO_SBD,  /* 7940/7960, Jabber, many TelePresence: CTL only, no TVS */
	PHONE_EMPTY,   /* a phone (with Security By Default) holding nothing */
};
#define CTL_NPHONES 3

enum ctl_verdict {
	VERDICT_DIRECT,    /* takes it: signed by a certificate its files trust */
	VERDICT_FIRST,     /* takes it: holds nothing, trusts the first file */
	VERDICT_TVS,       /* takes it through TVS (TVS trusted, signer in store) */
	VERDICT_DEPENDS,   /* depends: on a fact not given, or on what TVS said earlier */
	VERDICT_STRANDED,  /* rejects it, keeps what it held: delete by hand */
	VERDICT_NOT_USED,  /* does not load this kind of file (no ITL without SBD) */
};

/* What the phones hold before the change, and what the cluster knows. */
struct ctl_trust_input {
	const struct ctl_file *held_ctl, *held_itl; /* verified; NULL: none */
	const char *held_ctl_name, *held_itl_name;  /* labels for the reasons */
	const struct ctl_trust_store *store;        /* NULL: not given */
	const char *store_name;
	/*
	 * The certificates the TVS servers of the phones' CallManager group
	 * present after the change (--tvs; at most 64). A publication whose
	 * new ITL names TVS certificates keeps only those of these it names
	 * (the others are stale), or uses the ITL's if it names none (TVS.pem
	 * changed), unless tvs_fixed is set (--old-cluster-tvs: the
	 * phones were moved to another cluster and ask their old one's TVS).
	 * When ntvs is 0 each step uses the TVS records of the new ITL
	 * published with it, of which a phone asks only its group's; with
	 * neither, TVS's certificate is unknown.
	 */
	X509 *const *tvs;
	size_t ntvs;
	/* The new files (verified CTLs and ITLs) in command-line order. */
	const struct ctl_file *const *files;
	const char *const *names;
	size_t nfiles;
	int tvs_fixed;
};

#define CTL_REASON_MAX 4096
/* The holdings one class of phone may be in (R20 of docs/phone-trust.md). */
#define CTL_HOLDINGS_MAX 16

/* What a phone holds: file labels (NULL: none). */
struct ctl_trust_holding {
	const char *ctl, *itl;
	int itl_unknown;       /* holds an ITL that was not given (--ctl alone) */
};

struct ctl_trust_verdict {
	enum ctl_verdict verdict;
	char reason[CTL_REASON_MAX];
	/* Bit 1 << v set for each verdict v of some holding the phone may be in. */
	unsigned outcomes;
	/*
	 * What the phone may hold after the step: one holding, or several
	 * when an earlier or this DEPENDS left it open; holds[0] is the one
	 * where TVS vouched every time.
	 */
	size_t nholds;
	struct ctl_trust_holding holds[CTL_HOLDINGS_MAX];
};

struct ctl_trust_step {
	size_t file;           /* index into ctl_trust_input.files */
	int tvs_known;         /* the TVS certificates after this step are known */
	struct ctl_trust_verdict phone[CTL_NPHONES];
};

/*
 * ctl_trust_plan judges in->files the way a phone downloads them: the
 * files form publications (a CTL and/or an ITL; a kind seen again starts
 * the next one), and in each the CTL comes before the ITL. Each step is
 * judged, for each phone class, against what that phone holds after the
 * previous steps: a file it takes replaces the one it held, a file it
 * rejects leaves it holding the old one; one that depends on TVS leaves
 * it in both holdings. A phone holding nothing starts each publication
 * from the CTL served then. out (in->nfiles entries, caller-allocated)
 * gets the steps in download order. Returns 0 with err set for a file
 * that is not a CTL or an ITL, an ITL with more than 64 TVS records, or
 * more than CTL_HOLDINGS_MAX holdings in doubt.
 */
int ctl_trust_plan(struct ctl_trust_step *out, struct ctl_err *err,
		   const struct ctl_trust_input *in);

/* ctl_verdict_takes: does the phone (certainly) take the file? */
int ctl_verdict_takes(enum ctl_verdict v);
/* ctl_verdict_name: "direct", "first-file", "tvs", "depends", "stranded", "not-used". */
const char *ctl_verdict_name(enum ctl_verdict v);
/* ctl_phone_name: "sbd", "no-sbd", "empty". */
const char *ctl_phone_name(enum ctl_phone p);

/*
 * ctl_trust_load_held parses path and verifies it as the file of kind
 * (KIND_CTL or KIND_ITL) that the phones hold now: it must be of that
 * kind and verify, or nothing can be judged against it. Release with
 * ctl_file_cleanup.
 */
int ctl_trust_load_held(struct ctl_file *f, struct ctl_err *err,
			const char *path, enum ctl_kind kind);

/*
 * ctl_sgn_holder: which TFTP certificate of the files a phone holds
 * verifies the signed file sgn (KIND_SGN)? Tried in the order a phone
 * trusts them: the CTL's CCM+TFTP and TFTP records, then the ITL's
 * CCM+TFTP records (never a SAST: the TFTP key signs .sgn files). Returns 1 and sets *out_file (0 CTL, 1 ITL)
 * and *out_index (the record) when one verifies, 0 when none does.
 */
int ctl_sgn_holder(const struct ctl_file *sgn, const struct ctl_file *ctl,
		   const struct ctl_file *itl, int *out_file, size_t *out_index);

/*
 * The single-file summary kept for the fuzz oracles (tests/fuzz): the
 * verdict of ctl_trust_plan for one file and a phone with Security By
 * Default, with the trust store and TVS's certificate assumed favourable
 * (DEPENDS is reported as TRUST_TVS).
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

/*
 * Encrypted configuration files (SEP<MAC>.cnf.xml.enc.sgn; the layout and
 * where each fact comes from: docs/encrypted-config.md). A .sgn whose
 * payload is the configuration in AES-128-CBC under a fresh key, padded
 * with 0x0D bytes to the block; the key is wrapped with the phone's RSA
 * public key (PKCS#1 v1.5) and, with the IV, the padding length and a
 * digest of the plaintext, carried in header tags 16-27.
 */
#define CTL_ENC_KEY_LEN 16      /* AES-128 */
#define CTL_ENC_BLOCK 16
#define CTL_ENC_KEYALG_AES128 1 /* ENCKEYALGORITHM */

/* ctl_enc_present: does f carry encryption elements (tags 16-27)? */
int ctl_enc_present(const struct ctl_file *f);

/*
 * ctl_enc_check checks f's encryption header: each element present once,
 * its length right (IV 16 bytes, the hash as long as its digest), the key
 * size equal to the wrapped key's, the payload whole blocks and the
 * padding shorter than it. CTL_E_FORMAT naming the element and offset.
 */
int ctl_enc_check(const struct ctl_file *f, struct ctl_err *err);

/*
 * ctl_enc_build writes a complete .enc.sgn: config encrypted under a
 * fresh key wrapped for phone_cert's RSA key, the header of opts (kind
 * KIND_SGN; its extra_header is set here), signed by signer. The
 * symmetric key is wiped before return. *out is malloc'd.
 */
int ctl_enc_build(struct ctl_err *err, uint8_t **out, size_t *out_len,
		  const struct ctl_build_opts *opts, struct ctl_signer *signer,
		  X509 *phone_cert, const uint8_t *config, size_t config_len);

/*
 * ctl_enc_decrypt checks f's encryption header (CTL_E_FORMAT), verifies
 * its signature against signer_cert (CTL_E_VERIFY), unwraps the key with
 * phone_key, decrypts, and compares the plaintext with ENCHASH: a key
 * that does not unwrap, a wrong phone key, an altered IV or ciphertext is
 * CTL_E_VERIFY and nothing is returned. On success *out (malloc'd, the
 * caller frees) holds the configuration. The symmetric key is wiped.
 */
int ctl_enc_decrypt(const struct ctl_file *f, struct ctl_err *err,
		    X509 *signer_cert, EVP_PKEY *phone_key,
		    uint8_t **out, size_t *out_len);

/*
 * ctl_cert_md5_hex writes the MD5 of cert's DER, lower-case hex, as
 * CUCM's device.md5hash and the stub's <certHash> hold it.
 */
int ctl_cert_md5_hex(X509 *cert, char out[33]);

/*
 * ctl_enc_stub writes the unencrypted stub that CUCM serves as
 * SEP<MAC>.cnf.xml(.sgn) once the configuration is encrypted:
 * <fullConfig>False</fullConfig>, the loadInformation, ipAddressMode,
 * capfAuthMode and capfList elements copied from config when it has them,
 * <certHash> (ctl_cert_md5_hex of phone_cert) and <encrConfig>true.
 * *out is malloc'd.
 */
int ctl_enc_stub(struct ctl_err *err, uint8_t **out, size_t *out_len,
		 const uint8_t *config, size_t config_len, X509 *phone_cert);

/*
 * ctl_enc_stub_certhash finds the <certHash> of a stub (n bytes at p):
 * 1 and out set when it holds 32 hex digits, else 0.
 */
int ctl_enc_stub_certhash(const uint8_t *p, size_t n, char out[33]);

#endif
