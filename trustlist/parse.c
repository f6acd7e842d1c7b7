/*
 * parse.c - reading trust lists and .sgn headers through the cursor.
 *
 * One loop shape everywhere: take a tag, take its value (bounds-checked),
 * dispatch, and at the end check that nothing is left over. Groups
 * (SIGNERID, SIGNATUREINFO, SIGNATUREALGOINFO, and in encrypted files
 * ENCRYPTIONINFO, ENCIVINFO, ENCKEYINFO) are parsed as sub-cursors
 * over the bytes they claim, so a group that lies about its size is caught
 * where its members cross its end. Unknown tags are kept and counted.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "trustlist.h"
#include "util.h"

/* Enough for any CTL/ITL in the field (tens of records); bounds memory. */
#define CTL_MAX_RECORDS 4096

static const char *const hdr_names[] = {
	[HDR_VERSION] = "VERSION",
	[HDR_HEADERLENGTH] = "HEADERLENGTH",
	[HDR_SIGNERID] = "SIGNERID",
	[HDR_SIGNERNAME] = "SIGNERNAME",
	[HDR_SERIALNUMBER] = "SERIALNUMBER",
	[HDR_CANAME] = "CANAME",
	[HDR_SIGNATUREINFO] = "SIGNATUREINFO",
	[HDR_DIGESTALGORITHM] = "DIGESTALGORITHM",
	[HDR_SIGNATUREALGOINFO] = "SIGNATUREALGOINFO",
	[HDR_SIGNATUREALGORITHM] = "SIGNATUREALGORITHM",
	[HDR_SIGNATUREMODULUS] = "SIGNATUREMODULUS",
	[HDR_SIGNATURE] = "SIGNATURE",
	[HDR_PADDING] = "PADDING",
	[HDR_FILENAME] = "FILENAME",
	[HDR_TIMESTAMP] = "TIMESTAMP",
	[HDR_ENCINFO] = "ENCRYPTIONINFO",
	[HDR_ENCIVINFO] = "ENCIVINFO",
	[HDR_ENCIVRESERVED] = "ENCIVRESERVED",
	[HDR_ENCIV] = "ENCIV",
	[HDR_ENCPADLENGTH] = "ENCPADLENGTH",
	[HDR_ENCKEYINFO] = "ENCKEYINFO",
	[HDR_ENCKEYRESERVED] = "ENCKEYRESERVED",
	[HDR_ENCKEYSIZE] = "ENCKEYSIZE",
	[HDR_ENCKEYALGORITHM] = "ENCKEYALGORITHM",
	[HDR_ENCKEY] = "ENCKEY",
	[HDR_ENCHASHALGORITHM] = "ENCHASHALGORITHM",
	[HDR_ENCHASH] = "ENCHASH",
	[HDR_SIGNERVERSION] = "SIGNERVERSION",
};

static const char *const rec_names[] = {
	[REC_RECORDLENGTH] = "RECORDLENGTH",
	[REC_DNSNAME] = "DNSNAME",
	[REC_SUBJECTNAME] = "SUBJECTNAME",
	[REC_FUNCTION] = "FUNCTION",
	[REC_ISSUERNAME] = "ISSUERNAME",
	[REC_SERIALNUMBER] = "SERIALNUMBER",
	[REC_PUBLICKEY] = "PUBLICKEY",
	[REC_SIGNATURE] = "SIGNATURE",
	[REC_CERTIFICATE] = "CERTIFICATE",
	[REC_IPADDRESS] = "IPADDRESS",
	[REC_CERTHASH] = "CERTHASH",
	[REC_HASHALGORITHM] = "HASHALGORITHM",
};

const char *ctl_header_tag_name(uint8_t tag)
{
	if (tag < sizeof(hdr_names) / sizeof(hdr_names[0]) &&
	    hdr_names[tag] != NULL)
		return hdr_names[tag];
	return NULL;
}

const char *ctl_record_tag_name(uint8_t tag)
{
	if (tag < sizeof(rec_names) / sizeof(rec_names[0]) &&
	    rec_names[tag] != NULL)
		return rec_names[tag];
	return NULL;
}

/* A tag's name for a message: "SUBJECTNAME" or "tag 77". */
static const char *tag_label(char buf[16], uint8_t tag, int header)
{
	const char *n = header ? ctl_header_tag_name(tag)
			       : ctl_record_tag_name(tag);

	if (n != NULL)
		return n;
	snprintf(buf, 16, "tag %u", tag);
	return buf;
}

/*
 * Where we are, for messages: "header" or "record 3 at offset 1492".
 * The text is rendered only when a message needs it (where_s): an
 * snprintf per record cost ~2% of verifying a directory.
 */
struct where {
	int header;
	size_t index, off;
	char s[64];
};

static const char *where_s(struct where *w)
{
	if (w->header)
		return "header";
	snprintf(w->s, sizeof(w->s), "record %zu at offset %zu", w->index + 1, w->off);
	return w->s;
}

static int set_field(struct ctl_field *f, struct ctl_err *err,
		     struct where *w, uint8_t tag, size_t off,
		     const uint8_t *p, uint16_t n, int want_len)
{
	char b[16];

	if (f->present)
		return ctl_err_set_at(err, CTL_E_FORMAT, off,
				      "%s: %s at offset %zu appears twice", where_s(w),
				      tag_label(b, tag, w->header), off);
	if (want_len >= 0 && n != want_len)
		return ctl_err_set_at(err, CTL_E_FORMAT, off,
				   "%s: %s at offset %zu has length %u, expected %d",
				   where_s(w), tag_label(b, tag, w->header), off, n,
				   want_len);
	f->present = 1;
	f->off = off;
	f->p = p;
	f->n = n;
	return 1;
}

static int is_group(uint8_t tag)
{
	return tag == HDR_SIGNERID || tag == HDR_SIGNATUREINFO ||
	       tag == HDR_SIGNATUREALGOINFO || tag == HDR_ENCINFO ||
	       tag == HDR_ENCIVINFO || tag == HDR_ENCKEYINFO;
}

static int push_elem(struct ctl_elem *elems, size_t *n, struct ctl_err *err,
		     struct where *w, uint8_t tag, uint8_t depth,
		     size_t off, uint16_t len, const uint8_t *p)
{
	if (*n >= CTL_MAX_ELEMS)
		return ctl_err_set_at(err, CTL_E_FORMAT, off,
				   "%s: more than %d elements at offset %zu",
				   where_s(w), CTL_MAX_ELEMS, off);
	elems[*n] = (struct ctl_elem){ .tag = tag, .depth = depth, .off = off,
				       .n = len, .p = p };
	(*n)++;
	return 1;
}

static int header_field(struct ctl_file *f, struct ctl_err *err,
			struct where *w, uint8_t tag, size_t off,
			const uint8_t *p, uint16_t n)
{
	switch (tag) {
	case HDR_SIGNERNAME:
		return set_field(&f->signer_name, err, w, tag, off, p, n, -1);
	case HDR_SERIALNUMBER:
		return set_field(&f->signer_serial, err, w, tag, off, p, n, -1);
	case HDR_CANAME:
		return set_field(&f->ca_name, err, w, tag, off, p, n, -1);
	case HDR_DIGESTALGORITHM:
		return set_field(&f->digest, err, w, tag, off, p, n, 1);
	case HDR_SIGNATUREALGORITHM:
		return set_field(&f->sig_alg, err, w, tag, off, p, n, 1);
	case HDR_SIGNATUREMODULUS:
		return set_field(&f->modulus, err, w, tag, off, p, n, 1);
	case HDR_SIGNATURE:
		return set_field(&f->signature, err, w, tag, off, p, n, -1);
	case HDR_FILENAME:
		return set_field(&f->filename, err, w, tag, off, p, n, -1);
	case HDR_TIMESTAMP:
		return set_field(&f->timestamp, err, w, tag, off, p, n, 4);
	case HDR_SIGNERVERSION:
		return set_field(&f->signer_version, err, w, tag, off, p, n, 2);
	/* Lengths the layout fixes; the rest are checked by ctl_enc_check. */
	case HDR_ENCIVRESERVED:
		return set_field(&f->enc.iv_reserved, err, w, tag, off, p, n, 1);
	case HDR_ENCIV:
		return set_field(&f->enc.iv, err, w, tag, off, p, n, -1);
	case HDR_ENCPADLENGTH:
		return set_field(&f->enc.pad_len, err, w, tag, off, p, n, 2);
	case HDR_ENCKEYRESERVED:
		return set_field(&f->enc.key_reserved, err, w, tag, off, p, n, 1);
	case HDR_ENCKEYSIZE:
		return set_field(&f->enc.key_size, err, w, tag, off, p, n, 2);
	case HDR_ENCKEYALGORITHM:
		return set_field(&f->enc.key_alg, err, w, tag, off, p, n, 1);
	case HDR_ENCKEY:
		return set_field(&f->enc.key, err, w, tag, off, p, n, -1);
	case HDR_ENCHASHALGORITHM:
		return set_field(&f->enc.hash_alg, err, w, tag, off, p, n, 1);
	case HDR_ENCHASH:
		return set_field(&f->enc.hash, err, w, tag, off, p, n, -1);
	case HDR_VERSION:
	case HDR_HEADERLENGTH: {
		char b[16];

		return ctl_err_set_at(err, CTL_E_FORMAT, off,
				      "%s: %s at offset %zu appears twice", where_s(w),
				      tag_label(b, tag, 1), off);
	}
	default:
		f->unknown++;
		return 1;
	}
}

/* Parses header elements in cur; groups recurse with depth + 1. */
static int parse_header_elems(struct ctl_file *f, struct ctl_err *err,
			      struct where *w, struct cbs *cur,
			      uint8_t depth, const char *group)
{
	while (cbs_len(cur) > 0) {
		size_t off = cbs_offset(cur);
		struct cbs val;
		uint8_t tag;
		uint16_t n;
		char b[16];

		if (!cbs_get_u8(cur, &tag))
			return ctl_err_set(err, CTL_E_INTERNAL, "cursor");
		if (tag == HDR_PADDING && depth == 0) {
			if (!push_elem(f->elems, &f->nelems, err, w, tag, depth,
				       off, 0, NULL))
				return 0;
			continue;
		}
		if (!cbs_get_u16(cur, &n))
			return ctl_err_set_at(err, CTL_E_FORMAT, off,
					   "%s: %s at offset %zu is cut off before its length",
					   where_s(w), tag_label(b, tag, 1), off);
		if (!cbs_get_bytes(cur, &val, n)) {
			if (group != NULL)
				return ctl_err_set_at(err, CTL_E_FORMAT, off,
						   "%s: %s at offset %zu: length %u overruns its group %s",
						   where_s(w), tag_label(b, tag, 1), off,
						   n, group);
			return ctl_err_set_at(err, CTL_E_FORMAT, off,
					   "%s: %s at offset %zu: length %u overruns the header (%zu bytes left)",
					   where_s(w), tag_label(b, tag, 1), off, n,
					   cbs_len(cur));
		}
		if (is_group(tag)) {
			if (depth >= 2)
				return ctl_err_set_at(err, CTL_E_FORMAT, off,
						   "%s: group %s at offset %zu nested too deep",
						   where_s(w), tag_label(b, tag, 1), off);
			if (!push_elem(f->elems, &f->nelems, err, w, tag, depth,
				       off, n, NULL) ||
			    !parse_header_elems(f, err, w, &val, depth + 1,
						tag_label(b, tag, 1)))
				return 0;
			continue;
		}
		if (!push_elem(f->elems, &f->nelems, err, w, tag, depth, off,
			       n, cbs_data(&val)) ||
		    !header_field(f, err, w, tag, off, cbs_data(&val), n))
			return 0;
	}
	return 1;
}

static int record_field(struct ctl_record *r, struct ctl_err *err,
			struct where *w, uint8_t tag, size_t off,
			const uint8_t *p, uint16_t n)
{
	switch (tag) {
	case REC_DNSNAME:
		return set_field(&r->dns, err, w, tag, off, p, n, -1);
	case REC_SUBJECTNAME:
		return set_field(&r->subject, err, w, tag, off, p, n, -1);
	case REC_FUNCTION:
		if (!set_field(&r->function, err, w, tag, off, p, n, 2))
			return 0;
		r->role = (uint16_t)(p[0] << 8 | p[1]);
		return 1;
	case REC_ISSUERNAME:
		return set_field(&r->issuer, err, w, tag, off, p, n, -1);
	case REC_SERIALNUMBER:
		return set_field(&r->serial, err, w, tag, off, p, n, -1);
	case REC_PUBLICKEY:
		return set_field(&r->pubkey, err, w, tag, off, p, n, -1);
	case REC_SIGNATURE:
		return set_field(&r->signature, err, w, tag, off, p, n, -1);
	case REC_CERTIFICATE:
		return set_field(&r->cert, err, w, tag, off, p, n, -1);
	case REC_IPADDRESS:
		return set_field(&r->ip, err, w, tag, off, p, n, 4);
	case REC_CERTHASH:
		return set_field(&r->certhash, err, w, tag, off, p, n, -1);
	case REC_HASHALGORITHM:
		return set_field(&r->hashalg, err, w, tag, off, p, n, 1);
	case REC_RECORDLENGTH: {
		char b[16];

		return ctl_err_set_at(err, CTL_E_FORMAT, off,
				      "%s: %s at offset %zu appears twice", where_s(w),
				      tag_label(b, tag, 0), off);
	}
	default:
		r->unknown++;
		return 1;
	}
}

static int parse_record(struct ctl_record *r, struct ctl_err *err,
			struct cbs *rest, size_t index)
{
	size_t off = cbs_offset(rest);
	struct where w = { .header = 0, .index = index, .off = off };
	const uint8_t *lenval;
	struct cbs body;
	uint8_t tag;
	uint16_t n, reclen;

	memset(r, 0, sizeof(*r));
	r->off = off;
	r->raw = cbs_data(rest);
	if (!cbs_get_u8(rest, &tag) || tag != REC_RECORDLENGTH)
		return ctl_err_set_at(err, CTL_E_FORMAT, off,
				   "%s: expected RECORDLENGTH, found tag %u", where_s(&w),
				   tag);
	if (!cbs_get_u16(rest, &n) || n != 2 ||
	    (lenval = cbs_data(rest), !cbs_get_u16(rest, &reclen)))
		return ctl_err_set_at(err, CTL_E_FORMAT, off,
				   "%s: RECORDLENGTH is cut off or not 2 bytes long",
				   where_s(&w));
	if (reclen < 5)
		return ctl_err_set_at(err, CTL_E_FORMAT, off,
				   "%s: RECORDLENGTH %u is shorter than the RECORDLENGTH element itself",
				   where_s(&w), reclen);
	if (!cbs_get_bytes(rest, &body, reclen - 5u))
		return ctl_err_set_at(err, CTL_E_FORMAT, off,
				   "%s: RECORDLENGTH %u overruns the file (%zu bytes left)",
				   where_s(&w), reclen, cbs_len(rest) + 5);
	r->len = reclen;
	if (!push_elem(r->elems, &r->nelems, err, &w, REC_RECORDLENGTH, 0, off,
		       2, lenval))
		return 0;
	while (cbs_len(&body) > 0) {
		size_t eoff = cbs_offset(&body);
		struct cbs val;
		char b[16];

		if (!cbs_get_u8(&body, &tag) || !cbs_get_u16(&body, &n))
			return ctl_err_set_at(err, CTL_E_FORMAT, eoff,
					   "%s: element at offset %zu is cut off by the end of the record",
					   where_s(&w), eoff);
		if (!cbs_get_bytes(&body, &val, n))
			return ctl_err_set_at(err, CTL_E_FORMAT, eoff,
					   "%s: %s at offset %zu: length %u overruns its record (%zu bytes left)",
					   where_s(&w), tag_label(b, tag, 0), eoff, n,
					   cbs_len(&body));
		if (!push_elem(r->elems, &r->nelems, err, &w, tag, 0, eoff, n,
			       cbs_data(&val)) ||
		    !record_field(r, err, &w, tag, eoff, cbs_data(&val), n))
			return 0;
	}
	if (!r->function.present)
		return ctl_err_set_at(err, CTL_E_FORMAT, off, "%s: no FUNCTION element",
				      where_s(&w));
	return 1;
}

static int ends_with(const struct ctl_field *f, const char *suffix)
{
	size_t n = f->n, k = strlen(suffix);

	if (!f->present)
		return 0;
	while (n > 0 && f->p[n - 1] == '\0')
		n--;
	return n >= k && memcmp(f->p + n - k, suffix, k) == 0;
}

static int parse_records(struct ctl_file *f, struct ctl_err *err,
			 struct cbs *rest)
{
	size_t cap = 0;

	while (cbs_len(rest) > 0) {
		if (f->nrecs == cap) {
			struct ctl_record *p;

			if (cap >= CTL_MAX_RECORDS)
				return ctl_err_set_at(err, CTL_E_FORMAT, cbs_offset(rest),
						   "more than %d records at offset %zu",
						   CTL_MAX_RECORDS,
						   cbs_offset(rest));
			cap = cap ? cap * 2 : 8;
			p = realloc(f->recs, cap * sizeof(*p));
			if (p == NULL)
				return ctl_err_set(err, CTL_E_INTERNAL,
						   "out of memory");
			f->recs = p;
		}
		if (!parse_record(&f->recs[f->nrecs], err, rest, f->nrecs))
			return 0;
		f->nrecs++;
	}
	return 1;
}

/* Parses buf, which f takes ownership of (freed on failure too). */
static int parse_owned(struct ctl_file *f, struct ctl_err *err, uint8_t *buf,
		       size_t len, enum ctl_parse_mode mode)
{
	struct where w = { .header = 1 };
	struct cbs cur, hdr;
	uint8_t tag;
	uint16_t n, v;

	memset(f, 0, sizeof(*f));
	f->buf = buf;
	f->len = len;
	if (len > CTL_MAX_FILE) {
		ctl_err_set(err, CTL_E_FORMAT,
			    "file of %zu bytes is larger than the %u-byte limit",
			    len, CTL_MAX_FILE);
		goto fail;
	}
	cbs_init(&cur, f->buf, len, 0);

	if (!cbs_get_u8(&cur, &tag) || tag != HDR_VERSION ||
	    !cbs_get_u16(&cur, &n) || n != 2 ||
	    !cbs_get_u8(&cur, &f->ver_major) || !cbs_get_u8(&cur, &f->ver_minor)) {
		ctl_err_set_at(err, CTL_E_FORMAT, 0,
			       "header at offset 0: no VERSION element: not a trust list or signed file");
		goto fail;
	}
	if (!cbs_get_u8(&cur, &tag) || tag != HDR_HEADERLENGTH ||
	    !cbs_get_u16(&cur, &n) || n != 2 || !cbs_get_u16(&cur, &v)) {
		ctl_err_set_at(err, CTL_E_FORMAT, 5,
			       "header at offset 5: no HEADERLENGTH element");
		goto fail;
	}
	f->header_len = v;
	if (v < 10 || v > len) {
		ctl_err_set_at(err, CTL_E_FORMAT, 5,
			       "header at offset 5: HEADERLENGTH %u is outside the file (%zu bytes)",
			       v, len);
		goto fail;
	}
	f->elems[0] = (struct ctl_elem){ HDR_VERSION, 0, 0, 2, f->buf + 3 };
	f->elems[1] = (struct ctl_elem){ HDR_HEADERLENGTH, 0, 5, 2, f->buf + 8 };
	f->nelems = 2;
	if (!cbs_get_bytes(&cur, &hdr, v - 10u) ||
	    !parse_header_elems(f, err, &w, &hdr, 0, NULL))
		goto fail;

	if (mode == PARSE_SIGNED ||
	    (mode == PARSE_AUTO && ends_with(&f->filename, ".sgn"))) {
		f->kind = KIND_SGN;
		f->payload = cbs_data(&cur);
		f->payload_len = cbs_len(&cur);
		return 1;
	}
	f->kind = KIND_CTL;
	if (f->filename.present && f->filename.n >= 3 &&
	    memcmp(f->filename.p, "ITL", 3) == 0)
		f->kind = KIND_ITL;
	if (!parse_records(f, err, &cur))
		goto fail;
	return 1;
fail:
	ctl_file_cleanup(f);
	return 0;
}

int ctl_parse(struct ctl_file *f, struct ctl_err *err, const uint8_t *data,
	      size_t len, enum ctl_parse_mode mode)
{
	uint8_t *buf;

	memset(f, 0, sizeof(*f));
	if (len > CTL_MAX_FILE)
		return ctl_err_set(err, CTL_E_FORMAT,
				   "file of %zu bytes is larger than the %u-byte limit",
				   len, CTL_MAX_FILE);
	buf = malloc(len ? len : 1);
	if (buf == NULL)
		return ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
	if (len > 0)
		memcpy(buf, data, len);
	return parse_owned(f, err, buf, len, mode);
}

int ctl_parse_path(struct ctl_file *f, struct ctl_err *err, const char *path,
		   enum ctl_parse_mode mode)
{
	return ctl_parse_at(f, err, AT_FDCWD, path, path, mode);
}

int ctl_parse_at(struct ctl_file *f, struct ctl_err *err, int dirfd,
		 const char *name, const char *path, enum ctl_parse_mode mode)
{
	uint8_t *data = NULL;
	size_t len = 0;
	int ok;

	memset(f, 0, sizeof(*f));
	if (!ctl_read_file_at(err, dirfd, name, path, CTL_MAX_FILE, &data, &len,
			      NULL)) {
		/* ctl_read_file names the path itself. */
		return 0;
	}
	ok = parse_owned(f, err, data, len, mode);
	if (!ok)
		ctl_err_prefix(err, "%s", path);
	return ok;
}

void ctl_file_cleanup(struct ctl_file *f)
{
	if (f == NULL)
		return;
	free(f->recs);
	free(f->buf);
	memset(f, 0, sizeof(*f));
}

static int serialize_elems(struct cbb *out, const struct ctl_elem *e,
			   size_t n)
{
	int depth = 0;

	for (size_t i = 0; i < n; i++) {
		while (depth > e[i].depth) {
			if (!cbb_close(out))
				return 0;
			depth--;
		}
		if (e[i].tag == HDR_PADDING && e[i].p == NULL && !is_group(e[i].tag)) {
			if (!cbb_add_u8(out, HDR_PADDING))
				return 0;
		} else if (e[i].p == NULL) { /* a group: members follow */
			if (!cbb_add_u8(out, e[i].tag) || !cbb_open_u16(out))
				return 0;
			depth++;
		} else if (!cbb_element(out, e[i].tag, e[i].p, e[i].n)) {
			return 0;
		}
	}
	while (depth-- > 0)
		if (!cbb_close(out))
			return 0;
	return 1;
}

int ctl_serialize(const struct ctl_file *f, struct ctl_err *err,
		  uint8_t **out, size_t *out_len)
{
	struct cbb b;

	if (!cbb_init(&b, f->len + 16))
		return ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
	if (!serialize_elems(&b, f->elems, f->nelems))
		goto fail;
	for (size_t i = 0; i < f->nrecs; i++) {
		const struct ctl_record *r = &f->recs[i];

		/* RECORDLENGTH counts its record, itself too: the builder's count. */
		if (!cbb_open_counted(&b) || !cbb_add_u8(&b, REC_RECORDLENGTH) ||
		    !cbb_open_u16(&b) || !cbb_add_count_u16(&b) || !cbb_close(&b) ||
		    !serialize_elems(&b, r->elems + 1, r->nelems - 1) ||
		    !cbb_close(&b))
			goto fail;
	}
	if (f->kind == KIND_SGN && !cbb_add_bytes(&b, f->payload, f->payload_len))
		goto fail;
	if (!cbb_finish(&b, out, out_len))
		goto fail;
	return 1;
fail:
	cbb_cleanup(&b);
	return ctl_err_set(err, CTL_E_INTERNAL, "cannot serialize the file");
}
