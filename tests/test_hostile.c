/*
 * test_hostile.c - the parser and verifier against hostile input: every
 * truncation, a table of lying lengths for every length field, groups
 * that lie, records of length 0, files too large, certificates that do
 * not parse, absent signers, flipped bits, and the legitimate oddities
 * of files from the field (unknown tags, CTL-client eToken records,
 * third-party headers) that must survive byte for byte.
 *
 * Invariants checked on every case (see outcome()):
 *  - a parse failure is CTL_E_FORMAT with one line naming an offset;
 *  - a successful parse re-serializes to the input byte for byte;
 *  - nothing that was modified after signing ever verifies.
 */
#include "testutil.h"

#include <fcntl.h>
#include <unistd.h>

#include <openssl/evp.h>

#define SGN_NAME "SEP001122334455.cnf.xml.sgn"
static const char sgn_payload[] = "<device><fullConfig>true</fullConfig></device>\n";

struct fx {
	struct seed_cluster c;
	X509 *tvs;
	uint8_t *ctl, *itl, *sgn;
	size_t ctl_len, itl_len, sgn_len;
	struct ctl_file f; /* the CTL, parsed */
	struct ctl_key_cache *cache;
};

static void build(struct fx *fx, enum ctl_kind kind, const char *name,
		  const struct ctl_rec_spec *specs, size_t n, uint8_t **out,
		  size_t *len)
{
	struct ctl_build_opts o = { .kind = kind, .digest = DIGEST_SHA1,
				    .timestamp = SEED_TIMESTAMP, .filename = name,
				    .ver_major = 1, .ver_minor = 2 };
	struct ctl_err err;

	ctl_err_init(&err);
	if (!ctl_build(&err, out, len, &o, fx->c.signer, specs, n,
		       (const uint8_t *)sgn_payload, strlen(sgn_payload)))
		fail_msg("%s", err.msg);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct ctl_rec_spec itl[4];
	struct ctl_err err;

	assert_non_null(fx);
	seed_cluster_init(&fx->c);
	fx->tvs = test_cert("tvs");
	seed_ctl(&fx->c, &fx->ctl, &fx->ctl_len);
	/* The ITL of make-golden.sh: SAST, CCM+TFTP in full, TVS and CAPF by hash. */
	itl[0] = (struct ctl_rec_spec){ .role = ROLE_SAST, .cert = fx->c.pub,
					.style = STYLE_ITL_CERT };
	itl[1] = (struct ctl_rec_spec){ .role = ROLE_CCM_TFTP, .cert = fx->c.pub,
					.style = STYLE_ITL_CERT };
	itl[2] = (struct ctl_rec_spec){ .role = ROLE_TVS, .cert = fx->tvs,
					.style = STYLE_ITL_HASH };
	itl[3] = (struct ctl_rec_spec){ .role = ROLE_CAPF, .cert = fx->c.capf,
					.style = STYLE_ITL_HASH };
	build(fx, KIND_ITL, "ITLFile.tlv", itl, 4, &fx->itl, &fx->itl_len);
	build(fx, KIND_SGN, SGN_NAME, NULL, 0, &fx->sgn, &fx->sgn_len);
	ctl_err_init(&err);
	if (!ctl_parse(&fx->f, &err, fx->ctl, fx->ctl_len, PARSE_AUTO))
		fail_msg("%s", err.msg);
	fx->cache = ctl_key_cache_new();
	assert_non_null(fx->cache);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	ctl_key_cache_free(fx->cache);
	ctl_file_cleanup(&fx->f);
	free(fx->ctl);
	free(fx->itl);
	free(fx->sgn);
	X509_free(fx->tvs);
	seed_cluster_cleanup(&fx->c);
	free(fx);
	return 0;
}

static void put_u16(uint8_t *p, size_t off, uint16_t v)
{
	p[off] = (uint8_t)(v >> 8);
	p[off + 1] = (uint8_t)v;
}

static uint8_t *dup_buf(const uint8_t *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);

	assert_non_null(d);
	if (n > 0)
		memcpy(d, p, n);
	return d;
}

static void assert_one_line(const struct ctl_err *err)
{
	assert_true(err->msg[0] != '\0');
	if (strchr(err->msg, '\n') != NULL)
		fail_msg("message spans lines: %s", err->msg);
}

static void assert_contains(const struct ctl_err *err, const char *s)
{
	if (s != NULL && strstr(err->msg, s) == NULL)
		fail_msg("\"%s\" not in \"%s\"", s, err->msg);
}

/*
 * outcome parses buf and, if that works, checks the round trip and
 * verifies (sgn_cert for .sgn files). Returns CTL_OK or the error code;
 * *parsed tells which stage answered.
 */
static enum ctl_code outcome(const uint8_t *buf, size_t len, struct ctl_err *err,
			     struct ctl_key_cache *cache, X509 *sgn_cert,
			     int *parsed)
{
	struct ctl_file f;
	uint8_t *again = NULL;
	size_t again_len = 0;
	int ok;

	ctl_err_init(err);
	*parsed = 0;
	if (!ctl_parse(&f, err, buf, len, PARSE_AUTO)) {
		if (err->code != CTL_E_FORMAT)
			fail_msg("parse failed with code %d: %s", err->code, err->msg);
		assert_one_line(err);
		assert_contains(err, "offset ");
		return err->code;
	}
	*parsed = 1;
	if (!ctl_serialize(&f, err, &again, &again_len))
		fail_msg("serialize: %s", err->msg);
	assert_int_equal(again_len, len);
	assert_memory_equal(again, buf, len);
	free(again);
	ok = ctl_verify(&f, err, NULL, cache, sgn_cert);
	ctl_file_cleanup(&f);
	if (ok)
		return CTL_OK;
	assert_one_line(err);
	return err->code;
}

/* expect: parse fails with FORMAT and a message holding a and b. */
static void expect_format(const uint8_t *buf, size_t len, const char *a,
			  const char *b)
{
	struct ctl_err err;
	int parsed;

	assert_int_equal(outcome(buf, len, &err, NULL, NULL, &parsed), CTL_E_FORMAT);
	if (parsed)
		fail_msg("parsed, then: %s", err.msg);
	assert_contains(&err, a);
	assert_contains(&err, b);
}

/* expect: parses (and round-trips) but does not verify. */
static void expect_parses_unverified(const uint8_t *buf, size_t len,
				     const char *a)
{
	struct ctl_err err;
	int parsed;

	assert_int_equal(outcome(buf, len, &err, NULL, NULL, &parsed), CTL_E_VERIFY);
	assert_true(parsed);
	assert_contains(&err, a);
}

/* The file's offset just past element e (a group: past its members). */
static size_t elem_end(const struct ctl_elem *e)
{
	if (e->tag == HDR_PADDING && e->p == NULL && e->depth == 0)
		return e->off + 1;
	return e->off + 3 + e->n;
}

/* The size of element e alone (a group: its tag and length only). */
static size_t elem_size(const struct ctl_elem *e)
{
	if (e->p == NULL)
		return e->tag == HDR_PADDING && e->depth == 0 ? 1 : 3;
	return 3u + e->n;
}

/*
 * rebuild serializes g after fixing its padding and HEADERLENGTH to the
 * header elements it now has, and re-signs the result with s (if not
 * NULL), so that a test can make a well-formed, validly signed file of
 * any shape. hl holds the new HEADERLENGTH value.
 */
static uint8_t *rebuild(struct ctl_file *g, struct ctl_signer *s, uint8_t hl[2],
			size_t *len)
{
	struct ctl_err err;
	uint8_t *out = NULL;
	size_t hdr = 0, k = 0;

	for (size_t i = 0; i < g->nelems; i++)
		if (!(g->elems[i].tag == HDR_PADDING && g->elems[i].p == NULL &&
		      g->elems[i].depth == 0))
			g->elems[k++] = g->elems[i];
	g->nelems = k;
	for (size_t i = 0; i < g->nelems; i++)
		hdr += elem_size(&g->elems[i]);
	while (hdr % 4 != 0) {
		assert_true(g->nelems < CTL_MAX_ELEMS);
		g->elems[g->nelems++] = (struct ctl_elem){ .tag = HDR_PADDING,
							   .off = hdr };
		hdr++;
	}
	put_u16(hl, 0, (uint16_t)hdr);
	assert_int_equal(g->elems[1].tag, HDR_HEADERLENGTH);
	g->elems[1].p = hl;
	ctl_err_init(&err);
	if (!ctl_serialize(g, &err, &out, len))
		fail_msg("%s", err.msg);
	if (s != NULL) {
		struct ctl_file f;
		struct ctl_span spans[2];
		size_t off, n;

		if (!ctl_parse(&f, &err, out, *len, PARSE_AUTO))
			fail_msg("rebuilt file does not parse: %s", err.msg);
		off = f.signature.off;
		n = f.signature.n;
		spans[0] = (struct ctl_span){ out, off };
		spans[1] = (struct ctl_span){ out + off + 3 + n, *len - off - 3 - n };
		if (!s->ops->sign(s, &err, out + off + 3, n,
				  ctl_digest_md(f.digest.p[0]), spans, 2))
			fail_msg("%s", err.msg);
		ctl_file_cleanup(&f);
	}
	return out;
}

/* A shallow copy of f whose records may be edited without touching f. */
static void shallow_copy(struct ctl_file *g, const struct ctl_file *f)
{
	*g = *f;
	g->recs = calloc(f->nrecs ? f->nrecs : 1, sizeof(*g->recs));
	assert_non_null(g->recs);
	memcpy(g->recs, f->recs, f->nrecs * sizeof(*g->recs));
}

static void insert_elem(struct ctl_elem *elems, size_t *n, size_t at,
			struct ctl_elem e)
{
	assert_true(*n < CTL_MAX_ELEMS && at <= *n);
	memmove(elems + at + 1, elems + at, (*n - at) * sizeof(*elems));
	elems[at] = e;
	(*n)++;
}

static size_t find_elem(const struct ctl_elem *elems, size_t n, uint8_t tag)
{
	for (size_t i = 0; i < n; i++)
		if (elems[i].tag == tag)
			return i;
	fail_msg("no element with tag %u", tag);
	return 0;
}

/* The seed CTL's layout, which the messages below quote. */
static void test_layout(void **state)
{
	struct fx *fx = *state;
	const struct ctl_file *f = &fx->f;

	assert_int_equal(fx->ctl_len, 4947);
	assert_int_equal(f->header_len, 336);
	assert_int_equal(f->nrecs, 4);
	assert_int_equal(f->recs[1].off, 1492);
	assert_int_equal(f->recs[1].subject.off, 1516);
	assert_int_equal(f->recs[1].len, 1156);
	assert_int_equal(f->kind, KIND_CTL);
	assert_int_equal(f->unknown, 0);
}

/*
 * Cutting a file at byte k: a cut exactly at a record boundary leaves a
 * well-formed shorter file (whose signature then fails); a cut inside
 * the payload of a .sgn likewise; every other cut is malformed, and the
 * message names the element that the cut went through.
 */
static void cut_every_byte(struct fx *fx, const uint8_t *buf, size_t len,
			   X509 *sgn_cert)
{
	struct ctl_file f;
	struct ctl_err err;

	ctl_err_init(&err);
	assert_true(ctl_parse(&f, &err, buf, len, PARSE_AUTO));
	for (size_t cut = 0; cut < len; cut++) {
		size_t rec = f.nrecs, boundary = 0;
		char where[64];
		int parsed;
		enum ctl_code code;

		for (size_t i = 0; i < f.nrecs; i++) {
			if (f.recs[i].off == cut)
				boundary = 1, rec = i;
			else if (f.recs[i].off < cut &&
				 cut < f.recs[i].off + f.recs[i].len)
				rec = i;
		}
		code = outcome(buf, cut, &err, fx->cache, sgn_cert, &parsed);
		if (f.kind == KIND_SGN && cut >= f.header_len) {
			/* A shorter payload: well-formed, not what was signed. */
			assert_int_equal(code, CTL_E_VERIFY);
			assert_contains(&err, "signature does not verify");
		} else if (boundary) {
			assert_true(parsed);
			assert_int_equal(code, CTL_E_VERIFY);
			/* Record 1 is the signer's: without it, no signer. */
			assert_contains(&err, rec == 0 ? "is not a SAST record"
						       : "signature does not verify");
		} else if (cut < 5) {
			assert_int_equal(code, CTL_E_FORMAT);
			assert_contains(&err, "no VERSION element");
		} else if (cut < 10) {
			assert_int_equal(code, CTL_E_FORMAT);
			assert_contains(&err, "no HEADERLENGTH element");
		} else if (cut < f.header_len) {
			assert_int_equal(code, CTL_E_FORMAT);
			assert_contains(&err, "HEADERLENGTH");
			assert_contains(&err, "is outside the file");
		} else {
			assert_int_equal(code, CTL_E_FORMAT);
			assert_true(rec < f.nrecs);
			snprintf(where, sizeof(where), "record %zu at offset %zu: RECORDLENGTH",
				 rec + 1, f.recs[rec].off);
			assert_contains(&err, where);
		}
	}
	ctl_file_cleanup(&f);
}

static void test_cut_every_byte(void **state)
{
	struct fx *fx = *state;

	cut_every_byte(fx, fx->ctl, fx->ctl_len, NULL);
	cut_every_byte(fx, fx->itl, fx->itl_len, NULL);
	cut_every_byte(fx, fx->sgn, fx->sgn_len, fx->c.pub);
}

/*
 * The header cut at every byte, with HEADERLENGTH saying so: the header
 * parser itself meets the cut. Only a cut between two top-level elements
 * is well-formed (and then unsigned or not verifying).
 */
static void test_header_cut_every_byte(void **state)
{
	struct fx *fx = *state;
	const struct ctl_file *f = &fx->f;

	for (size_t cut = 10; cut < f->header_len; cut++) {
		uint8_t *b = dup_buf(fx->ctl, cut);
		struct ctl_err err;
		int parsed, boundary = 0;
		enum ctl_code code;

		put_u16(b, 8, (uint16_t)cut);
		for (size_t i = 0; i < f->nelems; i++)
			if (f->elems[i].depth == 0 && elem_end(&f->elems[i]) == cut)
				boundary = 1;
		code = outcome(b, cut, &err, fx->cache, NULL, &parsed);
		if (boundary) {
			assert_true(parsed);
			assert_int_equal(code, CTL_E_VERIFY);
		} else {
			assert_int_equal(code, CTL_E_FORMAT);
			if (strstr(err.msg, "overruns") == NULL &&
			    strstr(err.msg, "cut off") == NULL)
				fail_msg("cut %zu: %s", cut, err.msg);
		}
		free(b);
	}
}

/* Record 2 cut at every byte, with its RECORDLENGTH saying so. */
static void test_record_cut_every_byte(void **state)
{
	struct fx *fx = *state;
	const struct ctl_record *r = &fx->f.recs[1];
	size_t fn_end = r->function.off + 3 + r->function.n;

	for (size_t k = 5; k < r->len; k++) {
		uint8_t *b = dup_buf(fx->ctl, r->off + k);
		struct ctl_err err;
		int parsed, boundary = 0;
		enum ctl_code code;

		put_u16(b, r->off + 3, (uint16_t)k);
		for (size_t i = 0; i < r->nelems; i++)
			if (r->elems[i].off + 3 + r->elems[i].n == r->off + k)
				boundary = 1;
		code = outcome(b, r->off + k, &err, fx->cache, NULL, &parsed);
		if (boundary && r->off + k >= fn_end) {
			assert_true(parsed);
			assert_int_equal(code, CTL_E_VERIFY);
		} else {
			assert_int_equal(code, CTL_E_FORMAT);
			assert_contains(&err, "record 2 at offset 1492: ");
			if (boundary)
				assert_contains(&err, "no FUNCTION element");
		}
		free(b);
	}
}

struct hostile {
	const char *what;
	size_t off;      /* of the u16 to overwrite */
	long value;      /* < 0: relative, see below */
	enum ctl_code code;
	int parses;      /* the parse succeeds, verification fails */
	const char *a, *b;
};

#define LEN_PLUS_1 (-1L) /* the file's length + 1 */
#define REST_R2 (-2L)    /* bytes from record 2 to the end of the file */
#define REST_R2_1 (-3L)  /* one past that */

/*
 * Exact messages for the length fields of the seed CTL (offsets from
 * test_layout: SIGNERID at 10, SIGNATUREINFO at 162, SIGNATUREALGOINFO
 * at 169, record 2 at 1492 with SUBJECTNAME at 1516).
 */
static const struct hostile table[] = {
	/* HEADERLENGTH (value at 8, 336) */
	{ "HEADERLENGTH 0", 8, 0, CTL_E_FORMAT, 0,
	  "header at offset 5", "HEADERLENGTH 0 is outside the file" },
	{ "HEADERLENGTH 1", 8, 1, CTL_E_FORMAT, 0,
	  "header at offset 5", "HEADERLENGTH 1 is outside the file" },
	{ "HEADERLENGTH 0xffff", 8, 0xffff, CTL_E_FORMAT, 0,
	  "header at offset 5", "HEADERLENGTH 65535 is outside the file (4947 bytes)" },
	{ "HEADERLENGTH len+1", 8, LEN_PLUS_1, CTL_E_FORMAT, 0,
	  "header at offset 5", "HEADERLENGTH 4948 is outside the file" },
	{ "HEADERLENGTH len", 8, 4947, CTL_E_FORMAT, 0,
	  "header: ", "VERSION at offset 336 appears twice" },
	{ "HEADERLENGTH one past", 8, 337, CTL_E_FORMAT, 0,
	  "header: ", "VERSION at offset 336 is cut off before its length" },
	{ "HEADERLENGTH one short", 8, 335, CTL_E_FORMAT, 0,
	  "record 1 at offset 335", "expected RECORDLENGTH, found tag 13" },
	{ "HEADERLENGTH 10", 8, 10, CTL_E_FORMAT, 0,
	  "record 1 at offset 10", "expected RECORDLENGTH, found tag 3" },
	{ "VERSION length 3", 1, 3, CTL_E_FORMAT, 0,
	  "header at offset 0", "no VERSION element" },
	{ "HEADERLENGTH length 0", 6, 0, CTL_E_FORMAT, 0,
	  "header at offset 5", "no HEADERLENGTH element" },
	/* SIGNERID (149): a group that lies */
	{ "SIGNERID -1", 11, 148, CTL_E_FORMAT, 0,
	  "CANAME at offset 97", "length 62 overruns its group SIGNERID" },
	{ "SIGNERID +1", 11, 150, CTL_E_FORMAT, 0,
	  "SIGNATUREINFO at offset 162", "is cut off before its length" },
	{ "SIGNERID 0", 11, 0, CTL_E_VERIFY, 1,
	  "signature does not verify", NULL },
	{ "SIGNERID 0xffff", 11, 0xffff, CTL_E_FORMAT, 0,
	  "SIGNERID at offset 10", "length 65535 overruns the header" },
	/* SIGNATUREINFO (15) */
	{ "SIGNATUREINFO -1", 163, 14, CTL_E_FORMAT, 0,
	  "SIGNATUREALGOINFO at offset 169", "length 8 overruns its group SIGNATUREINFO" },
	{ "SIGNATUREINFO +1", 163, 16, CTL_E_FORMAT, 0,
	  "SIGNATURE at offset 180", "is cut off before its length" },
	/* Its members become top-level elements: SIGNATURE is out of place. */
	{ "SIGNATUREINFO 0", 163, 0, CTL_E_VERIFY, 1,
	  "SIGNATURE at offset 180", "does not follow the SIGNATUREINFO group" },
	{ "SIGNATUREINFO 0xffff", 163, 0xffff, CTL_E_FORMAT, 0,
	  "SIGNATUREINFO at offset 162", "length 65535 overruns the header" },
	/* SIGNATUREALGOINFO (8), inside SIGNATUREINFO */
	{ "SIGNATUREALGOINFO -1", 170, 7, CTL_E_FORMAT, 0,
	  "SIGNATUREMODULUS at offset 176", "length 1 overruns its group SIGNATUREALGOINFO" },
	{ "SIGNATUREALGOINFO +1", 170, 9, CTL_E_FORMAT, 0,
	  "SIGNATUREALGOINFO at offset 169", "length 9 overruns its group SIGNATUREINFO" },
	{ "SIGNATUREALGOINFO 0", 170, 0, CTL_E_VERIFY, 1,
	  "signature does not verify", NULL },
	{ "SIGNATUREALGOINFO 0xffff", 170, 0xffff, CTL_E_FORMAT, 0,
	  "SIGNATUREALGOINFO at offset 169", "length 65535 overruns its group SIGNATUREINFO" },
	/* Header elements of fixed or variable size */
	{ "SIGNERNAME 0xffff", 14, 0xffff, CTL_E_FORMAT, 0,
	  "SIGNERNAME at offset 13", "length 65535 overruns its group SIGNERID" },
	{ "DIGESTALGORITHM 0", 166, 0, CTL_E_FORMAT, 0,
	  "DIGESTALGORITHM at offset 165", "has length 0, expected 1" },
	{ "DIGESTALGORITHM 2", 166, 2, CTL_E_FORMAT, 0,
	  "DIGESTALGORITHM at offset 165", "has length 2, expected 1" },
	{ "SIGNATURE 0xffff", 181, 0xffff, CTL_E_FORMAT, 0,
	  "SIGNATURE at offset 180", "length 65535 overruns the header (153 bytes left)" },
	{ "FILENAME 0xffff", 312, 0xffff, CTL_E_FORMAT, 0,
	  "FILENAME at offset 311", "overruns the header" },
	{ "TIMESTAMP +1", 327, 5, CTL_E_FORMAT, 0,
	  "TIMESTAMP at offset 326", "has length 5, expected 4" },
	{ "TIMESTAMP -1", 327, 3, CTL_E_FORMAT, 0,
	  "TIMESTAMP at offset 326", "has length 3, expected 4" },
	/* RECORDLENGTH of record 2 (value at 1495, 1156) */
	{ "RECORDLENGTH 0", 1495, 0, CTL_E_FORMAT, 0,
	  "record 2 at offset 1492", "RECORDLENGTH 0 is shorter than the RECORDLENGTH element" },
	{ "RECORDLENGTH 1", 1495, 1, CTL_E_FORMAT, 0,
	  "record 2 at offset 1492", "RECORDLENGTH 1 is shorter" },
	{ "RECORDLENGTH 4", 1495, 4, CTL_E_FORMAT, 0,
	  "record 2 at offset 1492", "RECORDLENGTH 4 is shorter" },
	{ "RECORDLENGTH 5", 1495, 5, CTL_E_FORMAT, 0,
	  "record 2 at offset 1492", "no FUNCTION element" },
	{ "RECORDLENGTH 0xffff", 1495, 0xffff, CTL_E_FORMAT, 0,
	  "record 2 at offset 1492", "RECORDLENGTH 65535 overruns the file (3455 bytes left)" },
	{ "RECORDLENGTH one past the file", 1495, REST_R2_1, CTL_E_FORMAT, 0,
	  "record 2 at offset 1492", "RECORDLENGTH 3456 overruns the file (3455 bytes left)" },
	{ "RECORDLENGTH to the end", 1495, REST_R2, CTL_E_FORMAT, 0,
	  "record 2 at offset 1492", "RECORDLENGTH at offset 2648 appears twice" },
	{ "RECORDLENGTH one short", 1495, 1155, CTL_E_FORMAT, 0,
	  "record 2 at offset 1492", "IPADDRESS at offset 2641: length 4 overruns its record (3 bytes left)" },
	{ "RECORDLENGTH one past", 1495, 1157, CTL_E_FORMAT, 0,
	  "record 2 at offset 1492", "element at offset 2648 is cut off by the end of the record" },
	{ "RECORDLENGTH element length 3", 1493, 3, CTL_E_FORMAT, 0,
	  "record 2 at offset 1492", "RECORDLENGTH is cut off or not 2 bytes long" },
	/* Elements of record 2 */
	{ "SUBJECTNAME 0xffff", 1517, 0xffff, CTL_E_FORMAT, 0,
	  "record 2 at offset 1492: SUBJECTNAME at offset 1516",
	  "length 65535 overruns its record (1129 bytes left)" },
	{ "FUNCTION 0", 1582, 0, CTL_E_FORMAT, 0,
	  "record 2 at offset 1492: FUNCTION at offset 1581", "has length 0, expected 2" },
	{ "IPADDRESS +1", 2642, 5, CTL_E_FORMAT, 0,
	  "record 2 at offset 1492: IPADDRESS at offset 2641", "length 5 overruns its record (4 bytes left)" },
	{ "IPADDRESS 0", 2642, 0, CTL_E_FORMAT, 0,
	  "record 2 at offset 1492: IPADDRESS at offset 2641", "has length 0, expected 4" },
};

static void test_hostile_table(void **state)
{
	struct fx *fx = *state;

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct hostile *h = &table[i];
		uint8_t *b = dup_buf(fx->ctl, fx->ctl_len);
		long v = h->value;
		struct ctl_err err;
		int parsed;
		enum ctl_code code;

		if (v == LEN_PLUS_1)
			v = (long)fx->ctl_len + 1;
		else if (v == REST_R2)
			v = (long)(fx->ctl_len - 1492);
		else if (v == REST_R2_1)
			v = (long)(fx->ctl_len - 1492) + 1;
		put_u16(b, h->off, (uint16_t)v);
		code = outcome(b, fx->ctl_len, &err, NULL, NULL, &parsed);
		if (code != h->code || parsed != h->parses)
			fail_msg("%s: code %d (parsed %d): %s", h->what, code,
				 parsed, err.msg);
		if ((h->a && !strstr(err.msg, h->a)) || (h->b && !strstr(err.msg, h->b)))
			fail_msg("%s: %s", h->what, err.msg);
		free(b);
	}
}

/*
 * Every length field of the CTL, ITL and .sgn (header elements, groups,
 * RECORDLENGTH and every element of every record) set to 0, 1, 4, 5,
 * 0xffff, one short, one long, exactly the rest of its parent and one
 * past it. None may verify; failures keep the invariants of outcome().
 */
static void sweep_lengths(struct fx *fx, const uint8_t *buf, size_t len,
			  X509 *sgn_cert)
{
	struct ctl_file f;
	struct ctl_err err;
	size_t fields[CTL_MAX_ELEMS * 8 + 64][2]; /* offset of the u16, parent end */
	size_t nf = 0;

	ctl_err_init(&err);
	assert_true(ctl_parse(&f, &err, buf, len, PARSE_AUTO));
	fields[nf][0] = 1, fields[nf++][1] = f.header_len;
	fields[nf][0] = 6, fields[nf++][1] = f.header_len;
	fields[nf][0] = 8, fields[nf++][1] = len;
	for (size_t i = 2; i < f.nelems; i++) {
		const struct ctl_elem *e = &f.elems[i];
		size_t parent = f.header_len;

		if (e->tag == HDR_PADDING && e->p == NULL && e->depth == 0)
			continue;
		/* The innermost group that holds e. */
		for (size_t j = i; j-- > 2;)
			if (f.elems[j].depth < e->depth) {
				parent = elem_end(&f.elems[j]);
				break;
			}
		fields[nf][0] = e->off + 1, fields[nf++][1] = parent;
	}
	for (size_t r = 0; r < f.nrecs; r++) {
		const struct ctl_record *rec = &f.recs[r];

		fields[nf][0] = rec->off + 3, fields[nf++][1] = len; /* RECORDLENGTH value */
		for (size_t i = 0; i < rec->nelems; i++)
			fields[nf][0] = rec->elems[i].off + 1,
			fields[nf++][1] = rec->off + rec->len;
	}
	for (size_t i = 0; i < nf; i++) {
		size_t off = fields[i][0], end = fields[i][1];
		uint16_t orig = (uint16_t)(buf[off] << 8 | buf[off + 1]);
		/* RECORDLENGTH counts from its record's start, others from their value. */
		size_t rest = end - (off + 2);
		long vals[] = { 0, 1, 4, 5, 0xffff, orig - 1, orig + 1,
				(long)rest, (long)rest + 1 };

		for (size_t r = 0; r < f.nrecs; r++)
			if (off == f.recs[r].off + 3)
				vals[7] = (long)(len - f.recs[r].off),
				vals[8] = vals[7] + 1;
		for (size_t k = 0; k < sizeof(vals) / sizeof(vals[0]); k++) {
			uint8_t *b;
			enum ctl_code code;
			int parsed;

			if (vals[k] < 0 || vals[k] > 0xffff || vals[k] == orig)
				continue;
			b = dup_buf(buf, len);
			put_u16(b, off, (uint16_t)vals[k]);
			code = outcome(b, len, &err, fx->cache, sgn_cert, &parsed);
			if (code == CTL_OK)
				fail_msg("length at %zu set to %ld still verifies", off, vals[k]);
			if (parsed && code != CTL_E_VERIFY && code != CTL_E_FORMAT)
				fail_msg("length at %zu set to %ld: code %d: %s", off,
					 vals[k], code, err.msg);
			free(b);
		}
	}
	ctl_file_cleanup(&f);
}

static void test_sweep_lengths(void **state)
{
	struct fx *fx = *state;

	sweep_lengths(fx, fx->ctl, fx->ctl_len, NULL);
	sweep_lengths(fx, fx->itl, fx->itl_len, NULL);
	sweep_lengths(fx, fx->sgn, fx->sgn_len, fx->c.pub);
}

enum cls { C_STRUCT, C_VALUE, C_CERT, C_DIGEST };

/*
 * One bit flipped in every byte of the file. Inside a value the file
 * stays well-formed and the signature (or the record's agreement with
 * its certificate) must fail: CTL_E_VERIFY exactly. In a certificate it
 * may also stop parsing (CTL_E_FORMAT naming it). In a tag or length:
 * anything but success.
 */
static void test_flip_every_byte(void **state)
{
	struct fx *fx = *state;
	const struct ctl_file *f = &fx->f;
	size_t len = fx->ctl_len;
	uint8_t *cls = calloc(len, 1), *b = dup_buf(fx->ctl, len);

	assert_non_null(cls);
	cls[3] = cls[4] = C_VALUE; /* VERSION */
	for (size_t i = 2; i < f->nelems; i++) {
		const struct ctl_elem *e = &f->elems[i];

		if (e->p != NULL)
			memset(cls + e->off + 3,
			       e->tag == HDR_DIGESTALGORITHM ? C_DIGEST : C_VALUE, e->n);
	}
	for (size_t r = 0; r < f->nrecs; r++)
		for (size_t i = 1; i < f->recs[r].nelems; i++) {
			const struct ctl_elem *e = &f->recs[r].elems[i];

			memset(cls + e->off + 3,
			       e->tag == REC_CERTIFICATE ? C_CERT : C_VALUE, e->n);
		}
	for (size_t i = 0; i < len; i++) {
		struct ctl_err err;
		enum ctl_code code;
		int parsed;

		b[i] ^= (uint8_t)(1u << (i % 8));
		code = outcome(b, len, &err, fx->cache, NULL, &parsed);
		b[i] = fx->ctl[i];
		switch ((enum cls)cls[i]) {
		case C_VALUE:
			if (code != CTL_E_VERIFY)
				fail_msg("byte %zu: code %d: %s", i, code, err.msg);
			break;
		case C_CERT:
			if (code == CTL_E_FORMAT)
				assert_contains(&err, "CERTIFICATE at offset");
			else
				assert_int_equal(code, CTL_E_VERIFY);
			break;
		case C_DIGEST:
		case C_STRUCT:
			if (code == CTL_OK)
				fail_msg("byte %zu flipped still verifies", i);
			break;
		}
	}
	free(b);
	free(cls);
}

/* A certificate that does not parse: verify says CTL_E_FORMAT and where. */
static void test_bad_certificate(void **state)
{
	struct fx *fx = *state;
	const struct ctl_record *r = &fx->f.recs[2];
	uint8_t *b = dup_buf(fx->ctl, fx->ctl_len);
	struct ctl_file f;
	struct ctl_err err;
	char want[128];

	b[r->cert.off + 3] ^= 0xff; /* the DER SEQUENCE tag */
	snprintf(want, sizeof(want),
		 "record 3 at offset %zu: CERTIFICATE at offset %zu does not parse",
		 r->off, r->cert.off);
	for (int with_cache = 0; with_cache < 2; with_cache++) {
		ctl_err_init(&err);
		assert_true(ctl_parse(&f, &err, b, fx->ctl_len, PARSE_AUTO));
		assert_false(ctl_verify(&f, &err, NULL, with_cache ? fx->cache : NULL, NULL));
		assert_int_equal(err.code, CTL_E_FORMAT);
		assert_int_equal(ctl_exit_code(err.code), 2);
		assert_contains(&err, want);
		ctl_file_cleanup(&f);
	}
	/* A certificate followed by a stray byte inside its element. */
	free(b);
	{
		struct ctl_file g;
		struct ctl_elem *e;
		uint8_t *der = malloc(r->cert.n + 1), hl[2];
		uint8_t *out;
		size_t n;

		assert_non_null(der);
		memcpy(der, r->cert.p, r->cert.n);
		der[r->cert.n] = 0;
		shallow_copy(&g, &fx->f);
		e = &g.recs[2].elems[find_elem(g.recs[2].elems, g.recs[2].nelems,
					      REC_CERTIFICATE)];
		e->p = der;
		e->n = (uint16_t)(r->cert.n + 1);
		out = rebuild(&g, fx->c.signer, hl, &n);
		ctl_err_init(&err);
		assert_true(ctl_parse(&f, &err, out, n, PARSE_AUTO));
		assert_false(ctl_verify(&f, &err, NULL, NULL, NULL));
		assert_int_equal(err.code, CTL_E_FORMAT);
		assert_contains(&err, "record 3 at offset 2648: CERTIFICATE");
		assert_contains(&err, "does not parse");
		ctl_file_cleanup(&f);
		free(out);
		free(der);
		free(g.recs);
	}
}

/* The signer named by the header is not among the records: CTL_E_VERIFY. */
static void test_signer_absent(void **state)
{
	struct fx *fx = *state;
	struct ctl_err err;
	uint8_t *out, *b;
	size_t len;
	int parsed;

	/* Without the SAST record. */
	build(fx, KIND_CTL, "CTLFile.tlv", fx->c.specs + 1, 3, &out, &len);
	assert_int_equal(outcome(out, len, &err, NULL, NULL, &parsed), CTL_E_VERIFY);
	assert_contains(&err, "header: the signer named by SIGNERID");
	assert_contains(&err, "is not a SAST record of this file");
	free(out);
	/* The header names another serial (the value of SERIALNUMBER at 78). */
	b = dup_buf(fx->ctl, fx->ctl_len);
	b[81] ^= 0x80;
	assert_int_equal(outcome(b, fx->ctl_len, &err, NULL, NULL, &parsed), CTL_E_VERIFY);
	assert_contains(&err, "is not a SAST record");
	/* ... and another CA name. */
	memcpy(b, fx->ctl, fx->ctl_len);
	b[100] ^= 0x20;
	assert_int_equal(outcome(b, fx->ctl_len, &err, NULL, NULL, &parsed), CTL_E_VERIFY);
	assert_contains(&err, "is not a SAST record");
	/* The signer's record demoted from SAST to CCM (FUNCTION value). */
	memcpy(b, fx->ctl, fx->ctl_len);
	b[fx->f.recs[0].function.off + 4] = ROLE_CCM;
	assert_int_equal(outcome(b, fx->ctl_len, &err, NULL, NULL, &parsed), CTL_E_VERIFY);
	assert_contains(&err, "is not a SAST record");
	free(b);
}

/*
 * Unknown tags in the header (top level and inside a group) and in a
 * record are kept, counted, written back unchanged, and do not stop a
 * validly signed file from verifying.
 */
static void test_unknown_tags_kept(void **state)
{
	struct fx *fx = *state;
	struct ctl_verify_result vr;
	struct ctl_file g, f;
	struct ctl_err err;
	uint8_t hl[2], *out, *again;
	size_t len, again_len, i;

	shallow_copy(&g, &fx->f);
	i = find_elem(g.elems, g.nelems, HDR_TIMESTAMP);
	insert_elem(g.elems, &g.nelems, i + 1,
		    (struct ctl_elem){ .tag = 77, .n = 3, .p = (const uint8_t *)"abc" });
	i = find_elem(g.elems, g.nelems, HDR_CANAME);
	insert_elem(g.elems, &g.nelems, i + 1,
		    (struct ctl_elem){ .tag = 40, .depth = 1, .n = 1, .p = (const uint8_t *)"x" });
	insert_elem(g.recs[1].elems, &g.recs[1].nelems, g.recs[1].nelems,
		    (struct ctl_elem){ .tag = 99, .n = 2, .p = (const uint8_t *)"zz" });
	/* A zero-length unknown element as well. */
	insert_elem(g.recs[3].elems, &g.recs[3].nelems, 2,
		    (struct ctl_elem){ .tag = 200, .n = 0, .p = (const uint8_t *)"" });
	out = rebuild(&g, fx->c.signer, hl, &len);
	free(g.recs);

	ctl_err_init(&err);
	assert_true(ctl_parse(&f, &err, out, len, PARSE_AUTO));
	assert_int_equal(f.unknown, 2);
	assert_int_equal(f.recs[0].unknown, 0);
	assert_int_equal(f.recs[1].unknown, 1);
	assert_int_equal(f.recs[3].unknown, 1);
	assert_int_equal(f.header_len % 4, 0);
	i = find_elem(f.elems, f.nelems, 77);
	assert_int_equal(f.elems[i].depth, 0);
	assert_int_equal(f.elems[i].n, 3);
	assert_memory_equal(f.elems[i].p, "abc", 3);
	i = find_elem(f.elems, f.nelems, 40);
	assert_int_equal(f.elems[i].depth, 1);
	i = find_elem(f.recs[1].elems, f.recs[1].nelems, 99);
	assert_memory_equal(f.recs[1].elems[i].p, "zz", 2);
	assert_int_equal(f.recs[1].len, 1156 + 5);
	/* Known fields are still found around them. */
	assert_true(f.recs[1].ip.present && f.recs[1].cert.present);
	assert_true(ctl_serialize(&f, &err, &again, &again_len));
	assert_int_equal(again_len, len);
	assert_memory_equal(again, out, len);
	assert_true(ctl_verify(&f, &err, &vr, NULL, NULL));
	assert_int_equal(vr.signer_index, 0);
	free(again);
	ctl_file_cleanup(&f);
	free(out);
}

#define ETOKEN_SUBJECT "cn=\"SAST-ADN008580ef \";ou=IPCBU;o=\"Cisco Systems"
#define ETOKEN_ISSUER "cn=Cisco Manufacturing CA;o=Cisco Systems"

/*
 * A SAST record as the Windows CTL client writes it for an eToken: empty
 * DNS name, names in its own rendering, no tag 8, IP 0.0.0.0. It must
 * parse, keep its bytes through a parse and rewrite, be copied byte for
 * byte into a new file, and not disturb verification.
 */
static void test_etoken_record(void **state)
{
	struct fx *fx = *state;
	static const uint8_t want_tags[] = { 1, 2, 3, 4, 5, 6, 7, 9, 10 };
	static const uint8_t zero_ip[4];
	struct ctl_rec_spec specs[5];
	struct ctl_record rec = { 0 };
	struct ctl_verify_result vr;
	struct ctl_file f, f2;
	struct ctl_err err;
	struct cbb cbb;
	uint8_t serial[64], *raw, *out, *again, *out2;
	unsigned char *pub = NULL, *der = NULL;
	size_t serial_len, raw_len, len, again_len, len2;
	int pub_len, der_len;
	const struct ctl_record *r;

	serial_len = ctl_serial_bytes(fx->c.sub1, serial);
	pub_len = i2d_PublicKey(X509_get0_pubkey(fx->c.sub1), &pub);
	der_len = i2d_X509(fx->c.sub1, &der);
	assert_true(serial_len > 0 && pub_len > 0 && der_len > 0);
	assert_true(cbb_init(&cbb, 2048));
	assert_true(cbb_open_counted(&cbb) && cbb_add_u8(&cbb, REC_RECORDLENGTH) &&
		    cbb_open_u16(&cbb) && cbb_add_count_u16(&cbb) && cbb_close(&cbb) &&
		    cbb_string_element(&cbb, REC_DNSNAME, "") &&
		    cbb_string_element(&cbb, REC_SUBJECTNAME, ETOKEN_SUBJECT) &&
		    cbb_element(&cbb, REC_FUNCTION, "\0\0", 2) &&
		    cbb_string_element(&cbb, REC_ISSUERNAME, ETOKEN_ISSUER) &&
		    cbb_element(&cbb, REC_SERIALNUMBER, serial, serial_len) &&
		    cbb_element(&cbb, REC_PUBLICKEY, pub, (size_t)pub_len) &&
		    cbb_element(&cbb, REC_CERTIFICATE, der, (size_t)der_len) &&
		    cbb_element(&cbb, REC_IPADDRESS, zero_ip, 4) && cbb_close(&cbb));
	assert_true(cbb_finish(&cbb, &raw, &raw_len));
	OPENSSL_free(pub);
	OPENSSL_free(der);

	rec.raw = raw;
	rec.len = raw_len;
	memcpy(specs, fx->c.specs, sizeof(fx->c.specs));
	specs[4] = specs[3];
	specs[3] = (struct ctl_rec_spec){ .role = ROLE_SAST, .copy = &rec };
	build(fx, KIND_CTL, "CTLFile.tlv", specs, 5, &out, &len);

	ctl_err_init(&err);
	assert_true(ctl_parse(&f, &err, out, len, PARSE_AUTO));
	assert_int_equal(f.nrecs, 5);
	r = &f.recs[3];
	assert_int_equal(r->len, raw_len);
	assert_memory_equal(r->raw, raw, raw_len);
	assert_int_equal(r->nelems, sizeof(want_tags));
	for (size_t i = 0; i < r->nelems; i++)
		assert_int_equal(r->elems[i].tag, want_tags[i]);
	assert_int_equal(r->role, ROLE_SAST);
	assert_int_equal(r->dns.n, 1);
	assert_int_equal(r->dns.p[0], 0);
	assert_false(r->signature.present);
	assert_int_equal(r->subject.n, sizeof(ETOKEN_SUBJECT));
	assert_memory_equal(r->subject.p, ETOKEN_SUBJECT, sizeof(ETOKEN_SUBJECT));
	assert_memory_equal(r->issuer.p, ETOKEN_ISSUER, sizeof(ETOKEN_ISSUER));
	assert_int_equal(r->unknown, 0);
	/* Byte for byte through a parse and rewrite. */
	assert_true(ctl_serialize(&f, &err, &again, &again_len));
	assert_int_equal(again_len, len);
	assert_memory_equal(again, out, len);
	free(again);
	assert_true(ctl_verify(&f, &err, &vr, NULL, NULL));
	assert_int_equal(vr.signer_index, 0);

	/* Carried over into a new file (build --from): copied, not re-rendered. */
	specs[3] = (struct ctl_rec_spec){ .role = ROLE_SAST, .copy = r };
	build(fx, KIND_CTL, "CTLFile.tlv", specs, 5, &out2, &len2);
	assert_int_equal(len2, len);
	assert_memory_equal(out2, out, len);
	assert_true(ctl_parse(&f2, &err, out2, len2, PARSE_AUTO));
	assert_memory_equal(f2.recs[3].raw, raw, raw_len);
	ctl_file_cleanup(&f2);
	free(out2);
	ctl_file_cleanup(&f);
	free(out);
	free(raw);
}

/*
 * sub1's issuer as the Windows CTL client renders names: lower-case keys,
 * some values quoted, its own order.
 */
#define CLIENT_ISSUER "c=PL;cn=\"cucm-1051-a-sub1\";ou=TAC;o=\"Cisco\";l=Krakow;st=Malopolska"

/*
 * etoken_signed builds the seed CTL with record 4 (sub1) turned into a
 * SAST record whose ISSUERNAME, and the header's CANAME, are issuer, in
 * another tool's rendering, and signed by sub1.
 */
static uint8_t *etoken_signed(struct fx *fx, const char *issuer, size_t *len)
{
	struct ctl_signer *tok = test_signer("sub1");
	struct ctl_file g;
	uint8_t hl[2], serial[64], *out;
	size_t serial_len;
	struct ctl_elem *e;

	serial_len = ctl_serial_bytes(fx->c.sub1, serial);
	shallow_copy(&g, &fx->f);
	e = &g.elems[find_elem(g.elems, g.nelems, HDR_SIGNERNAME)];
	e->p = (const uint8_t *)ETOKEN_SUBJECT;
	e->n = sizeof(ETOKEN_SUBJECT);
	e = &g.elems[find_elem(g.elems, g.nelems, HDR_CANAME)];
	e->p = (const uint8_t *)issuer;
	e->n = (uint16_t)(strlen(issuer) + 1);
	e = &g.elems[find_elem(g.elems, g.nelems, HDR_SERIALNUMBER)];
	e->p = serial;
	e->n = (uint16_t)serial_len;
	/* Record 4 (sub1) becomes the eToken's SAST record, CTL-client style. */
	e = &g.recs[3].elems[find_elem(g.recs[3].elems, g.recs[3].nelems, REC_ISSUERNAME)];
	e->p = (const uint8_t *)issuer;
	e->n = (uint16_t)(strlen(issuer) + 1);
	e = &g.recs[3].elems[find_elem(g.recs[3].elems, g.recs[3].nelems, REC_FUNCTION)];
	e->p = (const uint8_t *)"\0\0";
	out = rebuild(&g, tok, hl, len);
	free(g.recs);
	ctl_signer_free(tok);
	return out;
}

/*
 * A CTL whose signer is such an eToken: the header's SIGNERNAME and
 * CANAME in the CTL client's rendering. The signer is found by the bytes
 * of CANAME and SERIALNUMBER, not by re-rendering the certificate; the
 * certificate's issuer must still be the one CANAME names (in any
 * rendering), or the signer is not the header's.
 */
static void test_etoken_signer(void **state)
{
	struct fx *fx = *state;
	struct ctl_verify_result vr;
	struct ctl_file f;
	struct ctl_err err;
	uint8_t *out;
	size_t len;

	out = etoken_signed(fx, CLIENT_ISSUER, &len);
	ctl_err_init(&err);
	assert_true(ctl_parse(&f, &err, out, len, PARSE_AUTO));
	assert_int_equal(f.header_len % 4, 0);
	assert_int_equal(ctl_find_signer(&f), 3);
	assert_true(ctl_verify(&f, &err, &vr, NULL, NULL));
	assert_int_equal(vr.signer_index, 3);
	ctl_file_cleanup(&f);
	free(out);

	/* The same with a CANAME that is not the certificate's issuer. */
	out = etoken_signed(fx, ETOKEN_ISSUER, &len);
	ctl_err_init(&err);
	assert_true(ctl_parse(&f, &err, out, len, PARSE_AUTO));
	assert_int_equal(ctl_find_signer(&f), 3);
	assert_false(ctl_verify(&f, &err, &vr, NULL, NULL));
	assert_int_equal(err.code, CTL_E_VERIFY);
	assert_non_null(strstr(err.msg, "CANAME at offset"));
	assert_non_null(strstr(err.msg, "is not the issuer of the signer's CERTIFICATE (record 4)"));
	ctl_file_cleanup(&f);
	free(out);
}

/*
 * A third-party header: signer version (tag 28) after HEADERLENGTH,
 * version 1.0, and FILENAME and TIMESTAMP before SIGNERID.
 */
static void test_third_party_header(void **state)
{
	struct fx *fx = *state;
	struct ctl_build_opts o = { .kind = KIND_CTL, .digest = DIGEST_SHA1,
				    .timestamp = SEED_TIMESTAMP, .filename = "CTLFile.tlv",
				    .ver_major = 1, .ver_minor = 0,
				    .signer_version = 0x0102 };
	struct ctl_file f, g, h;
	struct ctl_err err;
	struct ctl_elem fn, ts;
	uint8_t *out, *out2, *again, hl[2];
	size_t len, len2, again_len, i;

	ctl_err_init(&err);
	assert_true(ctl_build(&err, &out, &len, &o, fx->c.signer, fx->c.specs, 4, NULL, 0));
	assert_true(ctl_parse(&f, &err, out, len, PARSE_AUTO));
	assert_int_equal(f.elems[2].tag, HDR_SIGNERVERSION);
	assert_true(f.signer_version.present);
	assert_int_equal(f.signer_version.off, 10);
	assert_memory_equal(f.signer_version.p, "\x01\x02", 2);
	assert_int_equal(f.ver_minor, 0);
	assert_int_equal(f.unknown, 0);
	assert_true(ctl_verify(&f, &err, NULL, NULL, NULL));

	/* Move FILENAME and TIMESTAMP up front, after tag 28. */
	shallow_copy(&g, &f);
	i = find_elem(g.elems, g.nelems, HDR_FILENAME);
	fn = g.elems[i];
	memmove(g.elems + i, g.elems + i + 1, (g.nelems - i - 1) * sizeof(fn));
	g.nelems--;
	i = find_elem(g.elems, g.nelems, HDR_TIMESTAMP);
	ts = g.elems[i];
	memmove(g.elems + i, g.elems + i + 1, (g.nelems - i - 1) * sizeof(ts));
	g.nelems--;
	insert_elem(g.elems, &g.nelems, 3, ts);
	insert_elem(g.elems, &g.nelems, 3, fn);
	out2 = rebuild(&g, fx->c.signer, hl, &len2);
	free(g.recs);
	assert_int_equal(len2, len);

	assert_true(ctl_parse(&h, &err, out2, len2, PARSE_AUTO));
	assert_int_equal(h.elems[2].tag, HDR_SIGNERVERSION);
	assert_int_equal(h.elems[3].tag, HDR_FILENAME);
	assert_int_equal(h.elems[4].tag, HDR_TIMESTAMP);
	assert_int_equal(h.elems[5].tag, HDR_SIGNERID);
	assert_int_equal(h.kind, KIND_CTL);
	assert_int_equal(h.filename.off, 15);
	assert_memory_equal(h.filename.p, "CTLFile.tlv", 12);
	assert_true(h.timestamp.present && h.digest.present && h.signature.present);
	assert_int_equal(h.nrecs, 4);
	assert_true(ctl_serialize(&h, &err, &again, &again_len));
	assert_int_equal(again_len, len2);
	assert_memory_equal(again, out2, len2);
	assert_true(ctl_verify(&h, &err, NULL, NULL, NULL));
	free(again);
	ctl_file_cleanup(&h);
	ctl_file_cleanup(&f);
	free(out2);
	free(out);
}

/* Structural limits: depth of groups, element and record counts, doubles. */
static void test_structural_limits(void **state)
{
	struct fx *fx = *state;
	struct cbb c;
	uint8_t *b;
	size_t n;

	/* SIGNERID > SIGNATUREINFO > SIGNATUREALGOINFO: a group three deep. */
	assert_true(cbb_init(&c, 64));
	assert_true(cbb_element(&c, HDR_VERSION, "\x01\x02", 2) &&
		    cbb_element(&c, HDR_HEADERLENGTH, "\x00\x14", 2) &&
		    cbb_add_u8(&c, HDR_SIGNERID) && cbb_add_u16(&c, 7) &&
		    cbb_add_u8(&c, HDR_SIGNATUREINFO) && cbb_add_u16(&c, 4) &&
		    cbb_add_u8(&c, HDR_SIGNATUREALGOINFO) && cbb_add_u16(&c, 1) &&
		    cbb_add_u8(&c, 0));
	assert_true(cbb_finish(&c, &b, &n));
	assert_int_equal(n, 20);
	expect_format(b, n, "group SIGNATUREALGOINFO at offset 16", "nested too deep");
	free(b);

	/* 40 padding bytes: more elements than the header may hold. */
	b = calloc(52, 1);
	assert_non_null(b);
	memcpy(b, "\x01\x00\x02\x01\x02\x02\x00\x02\x00\x34", 10);
	memset(b + 10, HDR_PADDING, 42);
	expect_format(b, 52, "header: more than 32 elements", "offset");
	free(b);

	/* A record of 40 empty unknown elements. */
	assert_true(cbb_init(&c, 256));
	assert_true(cbb_element(&c, HDR_VERSION, "\x01\x02", 2) &&
		    cbb_element(&c, HDR_HEADERLENGTH, "\x00\x0c", 2) &&
		    cbb_add_u8(&c, HDR_PADDING) && cbb_add_u8(&c, HDR_PADDING) &&
		    cbb_add_u8(&c, REC_RECORDLENGTH) && cbb_add_u16(&c, 2) &&
		    cbb_add_u16(&c, 5 + 5 + 40 * 3) &&
		    cbb_element(&c, REC_FUNCTION, "\x00\x02", 2));
	for (int i = 0; i < 40; i++)
		assert_true(cbb_element(&c, 100, NULL, 0));
	assert_true(cbb_finish(&c, &b, &n));
	expect_format(b, n, "record 1 at offset 12", "more than 32 elements at offset");
	free(b);

	/* 4097 minimal records: more than the engine takes. */
	assert_true(cbb_init(&c, 64 * 1024));
	assert_true(cbb_element(&c, HDR_VERSION, "\x01\x02", 2) &&
		    cbb_element(&c, HDR_HEADERLENGTH, "\x00\x0c", 2) &&
		    cbb_add_u8(&c, HDR_PADDING) && cbb_add_u8(&c, HDR_PADDING));
	for (int i = 0; i < 4097; i++)
		assert_true(cbb_add_u8(&c, REC_RECORDLENGTH) && cbb_add_u16(&c, 2) &&
			    cbb_add_u16(&c, 10) &&
			    cbb_element(&c, REC_FUNCTION, "\x00\x02", 2));
	assert_true(cbb_finish(&c, &b, &n));
	expect_format(b, n, "more than 4096 records", "offset 40972");
	/* 4096 are fine: well-formed, unsigned. */
	expect_parses_unverified(b, n - 10, "not signed");
	free(b);

	/* An element twice: FUNCTION in record 2, SIGNERNAME in the header. */
	b = dup_buf(fx->ctl, fx->ctl_len);
	b[fx->f.recs[1].issuer.off] = REC_FUNCTION;
	expect_format(b, fx->ctl_len, "record 2 at offset 1492", "FUNCTION at offset 1586 appears twice");
	memcpy(b, fx->ctl, fx->ctl_len);
	b[97] = HDR_SIGNERNAME; /* CANAME's tag */
	expect_format(b, fx->ctl_len, "header: ", "SIGNERNAME at offset 97 appears twice");
	free(b);

	/* The smallest well-formed file: VERSION and HEADERLENGTH only. */
	expect_parses_unverified((const uint8_t *)"\x01\x00\x02\x01\x02\x02\x00\x02\x00\x0a",
				 10, "the file is not signed");
	/* Nothing at all. */
	expect_format((const uint8_t *)"", 0, "header at offset 0", "no VERSION element");
	/* A .sgn read as records: its payload is not records. */
	{
		struct ctl_file f;
		struct ctl_err err;

		ctl_err_init(&err);
		assert_false(ctl_parse(&f, &err, fx->sgn, fx->sgn_len, PARSE_RECORDS));
		assert_int_equal(err.code, CTL_E_FORMAT);
		assert_contains(&err, "expected RECORDLENGTH, found tag 60");
	}
}

/* A path to a sparse temporary file of size bytes (caller unlinks). */
static void sparse_file(char path[64], off_t size)
{
	int fd;

	snprintf(path, 64, "/tmp/test_hostile.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, size), 0);
	close(fd);
}

/* Files too large are refused by size, before anything is read. */
static void test_large_files(void **state)
{
	struct ctl_file f;
	struct ctl_err err;
	char path[64];

	(void)state;
	sparse_file(path, 100 * 1024 * 1024);
	ctl_err_init(&err);
	assert_false(ctl_parse_path(&f, &err, path, PARSE_AUTO));
	assert_int_equal(err.code, CTL_E_FORMAT);
	assert_contains(&err, "file of 104857600 bytes is larger than the 16777216-byte limit");
	assert_one_line(&err);
	unlink(path);

	sparse_file(path, CTL_MAX_FILE + 1);
	ctl_err_init(&err);
	assert_false(ctl_parse_path(&f, &err, path, PARSE_AUTO));
	assert_int_equal(err.code, CTL_E_FORMAT);
	assert_contains(&err, "larger than the 16777216-byte limit");
	unlink(path);

	/* Exactly at the limit it is read, and is not a trust list. */
	sparse_file(path, CTL_MAX_FILE);
	ctl_err_init(&err);
	assert_false(ctl_parse_path(&f, &err, path, PARSE_AUTO));
	assert_int_equal(err.code, CTL_E_FORMAT);
	assert_contains(&err, path);
	assert_contains(&err, "header at offset 0: no VERSION element");
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_every_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_cut_every_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_cut_every_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sweep_lengths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flip_every_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_certificate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signer_absent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_tags_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_etoken_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_etoken_signer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_third_party_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_structural_limits, setup, teardown),
		cmocka_unit_test(test_large_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
