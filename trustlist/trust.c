/*
 * trust.c - will phones that hold today's CTL/ITL take the new files?
 *
 * The rules are those of the seed notes, as FORMAT.md ("Phone behaviour
 * that the files must respect") lists them; docs/phone-trust.md gives
 * each rule with the seed section it comes from and says where this model
 * goes beyond the list. In short:
 *  - a phone with no CTL and no ITL trusts the first file it downloads,
 *    which is the CTL the TFTP server serves, if any: a phone holding
 *    nothing starts each publication from that CTL;
 *  - it fetches the CTL before the ITL, and judges the ITL against what
 *    it holds once the CTL was taken or refused;
 *  - a verdict that depends on TVS leaves the phone in two holdings;
 *    every later step is judged in every holding, and is certain only if
 *    all agree;
 *  - a new CTL is taken if its signer is a SAST of the held CTL (or, with
 *    no CTL, the held ITL's signer), else only through TVS;
 *  - a new ITL is taken if its signer is the held ITL's signer or a
 *    CCM+TFTP (or SAST) of the held CTL, else only through TVS;
 *  - TVS helps only a phone with Security By Default, only if one of the
 *    certificates the TVS servers of its CallManager group present after
 *    the change is named by a TVS record of the ITL the phone holds, and
 *    only for a signer in the cluster's trust store (which must hold that
 *    TVS's certificate, or it is another cluster's: depends), and, for a
 *    signer only the served CTL names, maybe through TVS's CTL cache
 *    (depends);
 *  - phones without Security By Default load no ITL and never ask TVS.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "trustlist.h"
#include "util.h"

/*
 * cut_utf8: s was cut to fit its buffer; drop a UTF-8 character left
 * incomplete at its end, so that the sanitizer shows the text that was
 * kept rather than a stray byte.
 */
static void cut_utf8(char *s)
{
	size_t len = strlen(s), i = len;

	while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;
	if (i > 0 && (unsigned char)s[i - 1] >= 0xC0) {
		unsigned char lead = (unsigned char)s[i - 1];
		size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;

		if (len - (i - 1) < need)
			s[i - 1] = '\0';
	}
}

/*
 * vput/put/add format a reason into out (n bytes), add after what out
 * holds. Reasons hold names from the files and the command line; one
 * that does not fit is cut at a character boundary.
 */
static void vput(char *out, size_t n, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static void vput(char *out, size_t n, const char *fmt, va_list ap)
{
	int r = vsnprintf(out, n, fmt, ap);

	if (r < 0)
		out[0] = '\0';
	else if ((size_t)r >= n)
		cut_utf8(out);
}

static void put(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void put(char *out, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vput(out, n, fmt, ap);
	va_end(ap);
}

static void add(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(char *out, size_t n, const char *fmt, ...)
{
	size_t len = strlen(out);
	va_list ap;

	if (len + 1 >= n)
		return;
	va_start(ap, fmt);
	vput(out + len, n - len, fmt, ap);
	va_end(ap);
}

/* The signing record of f, or NULL. */
static const struct ctl_record *signer_rec(const struct ctl_file *f)
{
	int i = ctl_find_signer(f);

	return i >= 0 ? &f->recs[i] : NULL;
}

/*
 * same_signer: is held (a record of a file the phone holds) the
 * certificate that signed the new file (s, whose CERTIFICATE ctl_verify
 * has checked against the key that verified)? Certificates compare whole:
 * a look-alike with the same subject and serial but another key is
 * another certificate, and a record that names a certificate only by its
 * hash proves nothing about who signed (docs/trust-rules.md).
 */
static int same_signer(const struct ctl_record *held, const struct ctl_record *s)
{
	return held->cert.present && s->cert.present &&
	       held->cert.n == s->cert.n &&
	       memcmp(held->cert.p, s->cert.p, s->cert.n) == 0;
}

/* Does f hold the certificate that signed with record s, in role? */
static const struct ctl_record *holds(const struct ctl_file *f,
				      const struct ctl_record *s, int role)
{
	for (size_t i = 0; f != NULL && i < f->nrecs; i++)
		if (f->recs[i].role == role && same_signer(&f->recs[i], s))
			return &f->recs[i];
	return NULL;
}

/*
 * rec_sha1: the SHA-1 of the certificate a record names, whole or (ITL
 * TVS and CAPF records) by its CERTHASH. 0 if it names none.
 */
static int rec_sha1(const struct ctl_record *r, uint8_t out[SHA_DIGEST_LENGTH])
{
	if (r->cert.present)
		return SHA1(r->cert.p, r->cert.n, out) != NULL;
	if (r->certhash.present && r->certhash.n == SHA_DIGEST_LENGTH) {
		memcpy(out, r->certhash.p, SHA_DIGEST_LENGTH);
		return 1;
	}
	return 0;
}

/* A record's subject as printable text (bounded, NULs end it). */
static int subj_len(const struct ctl_record *r)
{
	return r->subject.present ? (int)strnlen((const char *)r->subject.p, r->subject.n) : 0;
}

static const char *subj(const struct ctl_record *r)
{
	return r->subject.present ? (const char *)r->subject.p : "";
}

/* Labels of files ("the CTL X taken at step 3"): a path fits whole. */
#define LABEL_MAX 1200

/*
 * The TVS identities after a change. TVS_MAX bounds the TVS records one
 * ITL may carry for the model (a cluster has at most a few dozen nodes);
 * an ITL with more is refused by ctl_trust_plan, never cut silently.
 */
#define TVS_MAX 64
struct tvs_view {
	int known;
	/*
	 * group: 1 when the certificates are --tvs, the TVS servers of the
	 * phone's CallManager group (one trusted is enough); 0 when they are
	 * an ITL's TVS records, every TVS of the cluster, of which a phone
	 * asks only those of its CallManager group (seed 000/001).
	 */
	int group;
	size_t n;
	uint8_t sha1[TVS_MAX][SHA_DIGEST_LENGTH];
	const struct ctl_record *rec[TVS_MAX]; /* the ITL's record; NULL for --tvs */
	int stale; /* some --tvs were dropped as stale: from says which */
	char from[LABEL_MAX + 256];
};

/*
 * What one phone may hold at one point of the plan: files, their labels,
 * and the step that gave them (0: held before the change).
 */
struct phone {
	const struct ctl_file *ctl, *itl;
	const char *ctl_name, *itl_name;
	size_t ctl_step, itl_step;
	/* The phone holding nothing took this CTL first from TFTP (R6a). */
	int ctl_served;
	/* A phone with Security By Default holds an ITL (seed 000: every
	 * cluster from 8.0 on makes one); with --ctl but no --itl, which one
	 * is not known. */
	int itl_unknown;
};

/* same_phone: are two holdings the same? */
static int same_phone(const struct phone *a, const struct phone *b)
{
	return a->ctl == b->ctl && a->itl == b->itl && a->ctl_step == b->ctl_step &&
	       a->itl_step == b->itl_step && a->itl_unknown == b->itl_unknown &&
	       a->ctl_served == b->ctl_served;
}

/* Every holding one class of phone may be in (R20). */
struct holdings {
	size_t n;
	struct phone p[CTL_HOLDINGS_MAX];
};

struct judge {
	const struct ctl_trust_input *in;
	const struct tvs_view *tvs;
	enum ctl_phone cls;
	const struct ctl_file *f;
	const char *fname;
	char *why;
	size_t why_len;
	/*
	 * The CTL the cluster's TFTP serves during this publication, whose
	 * certificates TVS caches (R19); NULL: none, or not this cluster's
	 * TVS (--old-cluster-tvs).
	 */
	const struct ctl_file *tvs_ctl;
	const char *tvs_ctl_name;
};

/* held_label: "the held CTL X" / "the CTL X taken at step N". */
static void held_label(char *out, size_t n, const char *kind, const char *name,
		       size_t step, int served)
{
	if (served)
		put(out, n, "the %s %s still served (a phone holding nothing downloads it first)", kind, name);
	else if (step == 0)
		put(out, n, "the held %s %s", kind, name);
	else
		put(out, n, "the %s %s taken at step %zu", kind, name, step);
}

/* names_of: the subjects of the view's records picked by want (1/0). */
static void names_of(char *out, size_t n, const struct tvs_view *v, const int *trusted, int want)
{
	out[0] = '\0';
	for (size_t k = 0; k < v->n; k++)
		if (trusted[k] == want && v->rec[k] != NULL)
			add(out, n, "%s%.*s", out[0] ? ", " : "", subj_len(v->rec[k]), subj(v->rec[k]));
}

/*
 * not_in_store: TVS is trusted (or may be) but the trust store does not
 * hold the signer s. TVS looks a certificate up in its certificate
 * database (the store) and then in a cache it loads from the CTLFile.tlv
 * the cluster serves: seed 002, "토큰리스 솔루션에서 하드웨어 토큰으로",
 * the TVS log after step 23 ("CertificateDBCACHE ... Cannot find the
 * certificate in the cache", then "CertificateCTLCache ... Found entry"),
 * and "토큰리스 CTL 솔루션의 인증서 재생성" step 4 ("CTLFile.tlv has been
 * modified. Recaching CTL Certificate Cache"). So a signer that CTL names
 * may still be vouched for: DEPENDS (R19). Otherwise stranded.
 */
static enum ctl_verdict not_in_store(const struct judge *j, const struct ctl_record *s,
				     const char *prefix)
{
	const struct ctl_trust_input *in = j->in;

	for (size_t i = 0; j->tvs_ctl != NULL && i < j->tvs_ctl->nrecs; i++)
		if (same_signer(&j->tvs_ctl->recs[i], s)) {
			put(j->why, j->why_len,
			    "%s; the trust store %s does not hold the signer, but the CTL %s that the "
			    "cluster serves names it, and TVS also looks a certificate up in the cache it "
			    "loads from CTLFile.tlv (seed 002's TVS log finds an eToken there after its "
			    "certificate database missed it); whether TVS vouches that way is not certain: "
			    "upload the signer (e.g. as Phone-SAST-trust) to be sure",
			    prefix, in->store_name, j->tvs_ctl_name);
			return VERDICT_DEPENDS;
		}
	put(j->why, j->why_len,
	    "%s; TVS will not vouch: the signer is not in the trust store %s "
	    "(upload it, e.g. as Phone-SAST-trust, first)", prefix, in->store_name);
	return VERDICT_STRANDED;
}

/*
 * store_has_tvs: does the trust store hold one of the TVS certificates
 * the phone trusts (ok[k] set)? The store TVS reads holds its node's own
 * TVS.pem ("The trust store directory" in docs/phone-trust.md); one that
 * holds none of them is probably another cluster's (R18a).
 */
static int store_has_tvs(const struct ctl_trust_store *st, const struct tvs_view *v, const int *ok)
{
	for (size_t k = 0; k < v->n; k++)
		if (ok[k] && ctl_trust_store_has_sha1(st, v->sha1[k]))
			return 1;
	return 0;
}

/*
 * via_tvs: the signer s is not in the phone's files; can TVS vouch?
 * prefix says what the files lacked, for the reason line.
 */
static enum ctl_verdict via_tvs(const struct judge *j, const struct phone *p,
				const struct ctl_record *s, const char *prefix)
{
	const struct ctl_trust_input *in = j->in;
	const struct tvs_view *v = j->tvs;
	char il[LABEL_MAX], tl[3 * LABEL_MAX] = "", yes[LABEL_MAX], no[LABEL_MAX];
	uint8_t md[SHA_DIGEST_LENGTH];
	const struct ctl_record *trusted = NULL;
	int ok[TVS_MAX] = { 0 };
	size_t held_tvs = 0, ntrusted = 0;
	int partial;

	if (j->cls == PHONE_NO_SBD) {
		put(j->why, j->why_len,
		    "%s; phones without Security By Default cannot ask TVS", prefix);
		return VERDICT_STRANDED;
	}
	if (p->itl == NULL && p->itl_unknown) {
		if (in->store != NULL && !ctl_trust_store_has(in->store, s->cert.p, s->cert.n)) {
			enum ctl_verdict r = not_in_store(j, s, prefix);

			if (r == VERDICT_DEPENDS)
				add(j->why, j->why_len, "; and whether the phone trusts TVS depends on the "
				    "ITL it holds, which was not given");
			return r;
		}
		put(j->why, j->why_len,
		    "%s; whether the phone trusts TVS depends on the ITL it holds, which was not given%s",
		    prefix, in->store == NULL ? ", and whether TVS vouches on the trust store, which was not "
		    "given either (--trust-store DIR)" : "");
		return VERDICT_DEPENDS;
	}
	if (p->itl == NULL) {
		put(j->why, j->why_len, "%s; the phone holds no ITL, so it cannot trust TVS", prefix);
		return VERDICT_STRANDED;
	}
	held_label(il, sizeof(il), "ITL", p->itl_name, p->itl_step, 0);
	for (size_t i = 0; i < p->itl->nrecs; i++) {
		const struct ctl_record *r = &p->itl->recs[i];

		if (r->role != ROLE_TVS || !rec_sha1(r, md))
			continue;
		held_tvs++;
		for (size_t k = 0; v->known && k < v->n; k++)
			if (!ok[k] && memcmp(md, v->sha1[k], sizeof(md)) == 0) {
				ok[k] = 1;
				ntrusted++;
				if (trusted == NULL)
					trusted = r;
			}
	}
	if (held_tvs == 0) {
		put(j->why, j->why_len,
		    "%s; %s has no TVS record, so the phone cannot trust TVS", prefix, il);
		return VERDICT_STRANDED;
	}
	if (v->known && ntrusted == 0) {
		put(j->why, j->why_len,
		    "%s; TVS cannot vouch: the certificate%s TVS presents after the change (%s) %s not "
		    "among the TVS records of %s (TVS.pem changed too)",
		    prefix, v->n == 1 ? "" : "s", v->from, v->n == 1 ? "is" : "are", il);
		return VERDICT_STRANDED;
	}
	/* R17a: an ITL names every TVS of the cluster; a phone asks only its group's. */
	partial = v->known && !v->group && ntrusted < v->n;
	if (partial) {
		names_of(yes, sizeof(yes), v, ok, 1);
		names_of(no, sizeof(no), v, ok, 0);
		put(tl, sizeof(tl), "of the TVS servers (%s) only %s %s trusted through %s, so TVS can "
		    "vouch only for a phone whose CallManager group includes that node (a phone whose "
		    "group has only %s is stranded; give check --tvs CERT for the group's TVS)",
		    v->from, yes, ntrusted == 1 ? "is" : "are", il, no);
	} else if (trusted != NULL) {
		put(tl, sizeof(tl), "TVS %.*s is trusted through %s%s%s%s", subj_len(trusted), subj(trusted),
		    il, v->stale ? " (TVS presents " : "", v->stale ? v->from : "", v->stale ? ")" : "");
	} else {
		put(tl, sizeof(tl), "%s names TVS, but the certificate TVS presents after the change "
		    "is not known (judge the new CTL with the new ITL, or give check --tvs CERT)", il);
	}
	if (in->store == NULL) {
		put(j->why, j->why_len,
		    "%s; %s; whether TVS vouches for the signer depends on the cluster's trust store, "
		    "which was not given (--trust-store DIR)", prefix, tl);
		return VERDICT_DEPENDS;
	}
	if (trusted != NULL && !store_has_tvs(in->store, v, ok)) {
		put(j->why, j->why_len,
		    "%s; %s; but the trust store %s does not hold that TVS's certificate, which the "
		    "store of the node running it holds (its own TVS.pem): is %s the store of %s? "
		    "Whether TVS vouches depends on it", prefix, tl, in->store_name, in->store_name,
		    in->tvs_fixed ? "the old cluster, the one the phones come from (--old-cluster-tvs)"
				  : "the cluster whose TVS the phones ask");
		return VERDICT_DEPENDS;
	}
	if (!ctl_trust_store_has(in->store, s->cert.p, s->cert.n)) {
		enum ctl_verdict r = not_in_store(j, s, prefix);

		if (r == VERDICT_DEPENDS)
			add(j->why, j->why_len, "; %s", tl);
		return r;
	}
	if (trusted == NULL || partial) {
		put(j->why, j->why_len, "%s; the trust store %s holds the signer; %s", prefix,
		    in->store_name, tl);
		return VERDICT_DEPENDS;
	}
	put(j->why, j->why_len, "%s; %s and the trust store %s holds the signer",
	    prefix, tl, in->store_name);
	return VERDICT_TVS;
}

static enum ctl_verdict judge_ctl(const struct judge *j, const struct phone *p,
				  const struct ctl_record *s)
{
	char hl[LABEL_MAX], prefix[LABEL_MAX + 128];

	if (p->ctl == NULL && p->itl == NULL && !p->itl_unknown) {
		put(j->why, j->why_len, "holds no CTL and no ITL, so it trusts the first file it downloads");
		return VERDICT_FIRST;
	}
	if (p->ctl != NULL) {
		held_label(hl, sizeof(hl), "CTL", p->ctl_name, p->ctl_step, p->ctl_served);
		if (holds(p->ctl, s, ROLE_SAST) != NULL) {
			put(j->why, j->why_len, "its signer is a SAST of %s", hl);
			return VERDICT_DIRECT;
		}
		put(prefix, sizeof(prefix), "its signer is not a SAST of %s", hl);
	} else {
		held_label(hl, sizeof(hl), "ITL", p->itl_name, p->itl_step, 0);
		if (holds(p->itl, s, ROLE_SAST) != NULL) {
			put(j->why, j->why_len, "holds no CTL; its signer is a SAST record of %s", hl);
			return VERDICT_DIRECT;
		}
		put(prefix, sizeof(prefix), "holds no CTL; its signer is not a SAST record of %s", hl);
	}
	return via_tvs(j, p, s, prefix);
}

static enum ctl_verdict judge_itl(const struct judge *j, const struct phone *p,
				  const struct ctl_record *s)
{
	char hl[LABEL_MAX] = "", cl[LABEL_MAX] = "", prefix[2 * LABEL_MAX + 128];

	if (j->cls == PHONE_NO_SBD) {
		put(j->why, j->why_len, "phones without Security By Default do not load ITL files");
		return VERDICT_NOT_USED;
	}
	if (p->ctl == NULL && p->itl == NULL) {
		put(j->why, j->why_len, "holds no CTL and no ITL, so it trusts the first file it downloads");
		return VERDICT_FIRST;
	}
	if (p->itl != NULL)
		held_label(hl, sizeof(hl), "ITL", p->itl_name, p->itl_step, 0);
	if (p->itl != NULL && holds(p->itl, s, ROLE_SAST) != NULL) {
		put(j->why, j->why_len, "its signer is a SAST record of %s", hl);
		return VERDICT_DIRECT;
	}
	if (p->ctl != NULL) {
		held_label(cl, sizeof(cl), "CTL", p->ctl_name, p->ctl_step, p->ctl_served);
		if (holds(p->ctl, s, ROLE_CCM_TFTP) != NULL || holds(p->ctl, s, ROLE_SAST) != NULL) {
			put(j->why, j->why_len, "its signer is a %s of %s",
			    holds(p->ctl, s, ROLE_CCM_TFTP) != NULL ? "CCM+TFTP" : "SAST", cl);
			return VERDICT_DIRECT;
		}
	}
	if (p->itl == NULL && !p->itl_unknown) {
		put(j->why, j->why_len,
		    "holds a CTL but no ITL, and takes an ITL only if a CCM+TFTP of %s signed it, "
		    "which its signer is not", cl);
		return VERDICT_STRANDED;
	}
	if (p->itl == NULL)
		put(prefix, sizeof(prefix), "its signer is not a CCM+TFTP of %s", cl);
	else if (p->ctl != NULL)
		put(prefix, sizeof(prefix), "its signer is neither a SAST record of %s nor a CCM+TFTP of %s",
		    hl, cl);
	else
		put(prefix, sizeof(prefix), "its signer is not a SAST record of %s", hl);
	return via_tvs(j, p, s, prefix);
}

/* take: the phone now holds f (from step). */
static void take(struct phone *p, const struct ctl_file *f, const char *name,
		 size_t step)
{
	if (f->kind == KIND_CTL) {
		p->ctl = f;
		p->ctl_name = name;
		p->ctl_step = step;
		p->ctl_served = 0;
	} else {
		p->itl = f;
		p->itl_name = name;
		p->itl_step = step;
		p->itl_unknown = 0;
	}
}

int ctl_verdict_takes(enum ctl_verdict v)
{
	return v == VERDICT_DIRECT || v == VERDICT_FIRST || v == VERDICT_TVS;
}

const char *ctl_verdict_name(enum ctl_verdict v)
{
	static const char *const names[] = { "direct", "first-file", "tvs", "depends",
					     "stranded", "not-used" };

	return (size_t)v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}

const char *ctl_phone_name(enum ctl_phone p)
{
	static const char *const names[] = { "sbd", "no-sbd", "empty" };

	return (size_t)p < sizeof(names) / sizeof(names[0]) ? names[p] : "?";
}

/* tvs_from_itl: the TVS identities a new ITL announces. */
static void tvs_from_itl(struct tvs_view *v, const struct ctl_file *itl, const char *name)
{
	v->known = 1;
	v->group = 0;
	v->stale = 0;
	v->n = 0;
	put(v->from, sizeof(v->from), "%s", name);
	for (size_t i = 0; i < itl->nrecs && v->n < TVS_MAX; i++)
		if (itl->recs[i].role == ROLE_TVS && rec_sha1(&itl->recs[i], v->sha1[v->n]))
			v->rec[v->n++] = &itl->recs[i];
}

/* tvs_meets: does a view share a certificate with another? */
static int tvs_meets(const struct tvs_view *a, const struct tvs_view *b)
{
	for (size_t i = 0; i < a->n; i++)
		for (size_t k = 0; k < b->n; k++)
			if (memcmp(a->sha1[i], b->sha1[k], SHA_DIGEST_LENGTH) == 0)
				return 1;
	return 0;
}

/* phrase: a verdict as the rest of a sentence about the phone. */
static const char *phrase(enum ctl_verdict v)
{
	switch (v) {
	case VERDICT_DIRECT: case VERDICT_FIRST: return "takes it";
	case VERDICT_TVS: return "takes it through TVS";
	case VERDICT_DEPENDS: return "takes it only if TVS vouches";
	case VERDICT_STRANDED: return "is stranded";
	case VERDICT_NOT_USED: return "is not affected";
	}
	return "?";
}

/* holding_text: "CTL X and ITL Y" for a case of a split verdict. */
static void holding_text(char *out, size_t n, const struct phone *p)
{
	put(out, n, "CTL %s and ITL %s", p->ctl != NULL ? p->ctl_name : "none",
	    p->itl != NULL ? p->itl_name : p->itl_unknown ? "(not given)" : "none");
}

/* keep adds p to h unless h has it; 0 when h is full. */
static int keep(struct holdings *h, const struct phone *p)
{
	for (size_t i = 0; i < h->n; i++)
		if (same_phone(&h->p[i], p))
			return 1;
	if (h->n == CTL_HOLDINGS_MAX)
		return 0;
	h->p[h->n++] = *p;
	return 1;
}

/*
 * verdict_of: one step for one phone class, judged in every holding the
 * phone may be in (R20). Where every holding gives the same verdict it is
 * certain; where they differ it depends, and the reason gives each case.
 * A DEPENDS leaves the phone in both holdings, with and without the file.
 */
static int verdict_of(struct ctl_trust_verdict *out, struct ctl_err *err,
		      const struct judge *base, struct holdings *h,
		      char (*why)[CTL_REASON_MAX], size_t step)
{
	const struct ctl_record *s = signer_rec(base->f);
	enum ctl_verdict v[CTL_HOLDINGS_MAX] = { VERDICT_DIRECT };
	struct holdings next = { 0 };
	struct judge j = *base;
	int same = 1, same_why = 1, all_take;

	out->outcomes = 0;
	for (size_t i = 0; i < h->n; i++) {
		j.why = why[i];
		j.why_len = CTL_REASON_MAX;
		v[i] = base->f->kind == KIND_CTL ? judge_ctl(&j, &h->p[i], s) : judge_itl(&j, &h->p[i], s);
		same = same && v[i] == v[0];
		same_why = same_why && strcmp(why[i], why[0]) == 0;
		out->outcomes |= 1u << v[i];
	}
	for (size_t i = 0; i < h->n; i++) {
		struct phone t = h->p[i];

		if (ctl_verdict_takes(v[i]) || v[i] == VERDICT_DEPENDS) {
			take(&t, base->f, base->fname, step);
			if (!keep(&next, &t))
				goto full;
		}
		if (!ctl_verdict_takes(v[i]) && !keep(&next, &h->p[i]))
			goto full;
	}
	/*
	 * Holdings that all take the file: it is taken, through TVS if any
	 * case needs TVS, else directly; the reason keeps the cases.
	 */
	all_take = 1;
	for (size_t i = 0; i < h->n; i++)
		all_take = all_take && ctl_verdict_takes(v[i]);
	if (same)
		out->verdict = v[0];
	else if (all_take)
		out->verdict = out->outcomes & (1u << VERDICT_TVS) ? VERDICT_TVS : VERDICT_DIRECT;
	else
		out->verdict = VERDICT_DEPENDS;
	if (h->n == 1 || (same && same_why)) {
		put(out->reason, sizeof(out->reason), "%s", why[0]);
	} else {
		if (same || all_take)
			put(out->reason, sizeof(out->reason),
			    "it %s in every holding that what TVS said at earlier steps leaves it in: ",
			    same ? phrase(v[0]) : out->verdict == VERDICT_TVS ?
			    "takes it (through TVS in some)" : "takes it");
		else
			put(out->reason, sizeof(out->reason),
			    "it depends on what TVS said at earlier steps: ");
		for (size_t i = 0; i < h->n; i++) {
			char ht[2 * LABEL_MAX];

			holding_text(ht, sizeof(ht), &h->p[i]);
			add(out->reason, sizeof(out->reason), "%sholding %s, it %s (%s)",
			    i ? "; " : "", ht, phrase(v[i]), why[i]);
		}
	}
	out->nholds = next.n;
	for (size_t i = 0; i < next.n; i++)
		out->holds[i] = (struct ctl_trust_holding){
			next.p[i].ctl != NULL ? next.p[i].ctl_name : NULL,
			next.p[i].itl != NULL ? next.p[i].itl_name : NULL,
			next.p[i].itl == NULL && next.p[i].itl_unknown };
	*h = next;
	return 1;
full:
	return ctl_err_set(err, CTL_E_USAGE,
			   "%s: after step %zu a phone may be in more than %d holdings, one for each "
			   "answer TVS may have given: judge fewer publications at once",
			   base->fname, step, CTL_HOLDINGS_MAX);
}

/*
 * advise: what to do for a stranded phone. Deleting the files on a phone
 * by hand makes it a phone holding nothing, so that advice is given only
 * where such a phone takes the file (R22).
 */
static void advise(struct ctl_trust_step *st, const struct ctl_file *f)
{
	const struct ctl_trust_verdict *e = &st->phone[PHONE_EMPTY];

	for (int c = 0; c < CTL_NPHONES; c++) {
		struct ctl_trust_verdict *v = &st->phone[c];

		if (!(v->outcomes & (1u << VERDICT_STRANDED)))
			continue;
		if (c == PHONE_EMPTY)
			add(v->reason, sizeof(v->reason),
			    "; deleting the files on a phone by hand does not help (it downloads the same "
			    "CTL first again): publish this ITL with a CTL whose CCM+TFTP record is its signer");
		else if (ctl_verdict_takes(e->verdict))
			add(v->reason, sizeof(v->reason), "; %sdelete the %s on each phone by hand "
			    "(a phone holding nothing takes it)",
			    v->verdict == VERDICT_STRANDED ? "" : "where stranded, ",
			    c == PHONE_NO_SBD ? "CTL" : f->kind == KIND_CTL ? "CTL (and ITL)" : "ITL (and CTL)");
		else
			add(v->reason, sizeof(v->reason), "; deleting the files on the phone by hand does not "
			    "help: a phone holding nothing %s too", phrase(e->verdict));
	}
}

/* check_inputs: every new file a CTL or ITL with a SAST signer, TVS bounded. */
static int check_inputs(struct ctl_err *err, const struct ctl_trust_input *in)
{
	if (in->ntvs > TVS_MAX)
		return ctl_err_set(err, CTL_E_USAGE, "--tvs: at most %d certificates", TVS_MAX);
	for (size_t i = 0; i < in->nfiles; i++) {
		const struct ctl_record *s = signer_rec(in->files[i]);
		size_t ntvs = 0;

		if (in->files[i]->kind != KIND_CTL && in->files[i]->kind != KIND_ITL)
			return ctl_err_set(err, CTL_E_USAGE,
					   "%s: a signed file (.sgn) is not a trust list: judge it with `sgn verify`",
					   in->names[i]);
		/* ctl_verify guarantees this; a caller that skipped it gets no verdict. */
		if (s == NULL || !s->cert.present)
			return ctl_err_set(err, CTL_E_VERIFY,
					   "%s: the signer is not a SAST record with a CERTIFICATE: no phone verifies it",
					   in->names[i]);
		for (size_t k = 0; k < in->files[i]->nrecs; k++)
			ntvs += in->files[i]->recs[k].role == ROLE_TVS;
		if (ntvs > TVS_MAX)
			return ctl_err_set(err, CTL_E_USAGE,
					   "%s: %zu TVS records, more than the %d this model judges",
					   in->names[i], ntvs, TVS_MAX);
	}
	return 1;
}

/*
 * keep_named: the --tvs certificates (given) that the publication's ITL
 * (iv, named name) names among its TVS records. One it does not name is
 * stale: its node's TVS.pem changed with this ITL, and keeping it would
 * let a phone "trust TVS" through a certificate no TVS presents any more.
 */
static void keep_named(struct tvs_view *out, const struct tvs_view *given,
		       const struct tvs_view *iv, const char *name)
{
	char dropped[LABEL_MAX] = "";
	struct tvs_view v = *given;

	v.n = 0;
	for (size_t i = 0; i < given->n; i++) {
		int named = 0;

		for (size_t k = 0; k < iv->n && !named; k++)
			named = memcmp(given->sha1[i], iv->sha1[k], SHA_DIGEST_LENGTH) == 0;
		if (named) {
			memcpy(v.sha1[v.n], given->sha1[i], SHA_DIGEST_LENGTH);
			v.rec[v.n++] = NULL;
		} else {
			char hex[2 * SHA_DIGEST_LENGTH + 1];

			ctl_hex(hex, given->sha1[i], SHA_DIGEST_LENGTH, 0, 0);
			add(dropped, sizeof(dropped), "%s%zu (SHA-1 %s)", dropped[0] ? ", " : "",
			    i + 1, hex);
		}
	}
	v.stale = dropped[0] != '\0';
	if (v.stale)
		put(v.from, sizeof(v.from), "the --tvs certificates that %s names among its TVS "
		    "records; --tvs certificate%s %s %s dropped as stale: %s does not name %s, so "
		    "that TVS.pem changed", name, strchr(dropped, ',') != NULL ? "s" : "", dropped,
		    strchr(dropped, ',') != NULL ? "are" : "is", name,
		    strchr(dropped, ',') != NULL ? "them" : "it");
	*out = v;
}

/*
 * publication_tvs: what TVS presents during a publication whose ITL is
 * itl (NULL: none), given --tvs (given) and the view so far (last). R17.
 */
static void publication_tvs(struct tvs_view *last, const struct tvs_view *given,
			    const struct ctl_trust_input *in, const struct ctl_file *itl,
			    const char *name)
{
	struct tvs_view view, *iv = &view;

	if (itl == NULL || (given->known && in->tvs_fixed))
		return;
	tvs_from_itl(iv, itl, name);
	if (iv->n == 0) {
		/* An ITL without TVS records says nothing about TVS. */
	} else if (given->known && tvs_meets(given, iv)) {
		keep_named(last, given, iv, name);
	} else if (given->known) {
		*last = *iv;
		put(last->from, sizeof(last->from),
		    "the TVS records of %s, which names none of the --tvs certificates: TVS.pem "
		    "changed, so TVS presents its new certificate", name);
	} else {
		*last = *iv;
	}
}

int ctl_trust_plan(struct ctl_trust_step *out, struct ctl_err *err,
		   const struct ctl_trust_input *in)
{
	struct holdings *h = NULL;
	struct tvs_view *given = NULL, *last = NULL;
	char (*why)[CTL_REASON_MAX] = NULL;
	const struct ctl_file *served = in->held_ctl;
	const char *served_name = in->held_ctl_name;
	const struct ctl_file *tvs_ctl = NULL;
	const char *tvs_ctl_name = NULL;
	size_t nout = 0;
	int ok = 0;

	if (!check_inputs(err, in))
		return 0;
	h = calloc(CTL_NPHONES, sizeof(*h));
	given = calloc(1, sizeof(*given));
	last = calloc(1, sizeof(*last));
	why = malloc(CTL_HOLDINGS_MAX * sizeof(*why));
	if (h == NULL || given == NULL || last == NULL || why == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		goto done;
	}
	if (in->ntvs > 0) {
		given->known = 1;
		given->group = 1;
		put(given->from, sizeof(given->from), "%s", in->tvs_fixed ? "--old-cluster-tvs" : "--tvs");
		for (size_t k = 0; k < in->ntvs; k++) {
			unsigned char *der = NULL;
			int n = i2d_X509(in->tvs[k], &der);

			if (n <= 0) {
				ctl_err_set(err, CTL_E_INTERNAL, "--tvs: cannot encode the certificate");
				goto done;
			}
			if (SHA1(der, (size_t)n, given->sha1[given->n]) == NULL) {
				OPENSSL_free(der);
				ctl_err_set(err, CTL_E_INTERNAL, "--tvs: cannot hash the certificate");
				goto done;
			}
			given->n++;
			OPENSSL_free(der);
		}
	}
	*last = *given;
	/* Phones with and without Security By Default hold the same CTL; only
	 * the former hold the ITL. */
	h[PHONE_SBD].n = h[PHONE_NO_SBD].n = 1;
	h[PHONE_SBD].p[0] = (struct phone){ in->held_ctl, in->held_itl, in->held_ctl_name,
					    in->held_itl_name, 0, 0, 0,
					    in->held_ctl != NULL && in->held_itl == NULL };
	h[PHONE_NO_SBD].p[0] = (struct phone){ in->held_ctl, NULL, in->held_ctl_name, NULL, 0, 0, 0, 0 };

	for (size_t i = 0; i < in->nfiles;) {
		/* One publication: at most one CTL and one ITL, in the order given. */
		size_t ctl_i = SIZE_MAX, itl_i = SIZE_MAX, order[2], n = 0;

		for (; i < in->nfiles; i++) {
			size_t *slot = in->files[i]->kind == KIND_CTL ? &ctl_i : &itl_i;

			if (*slot != SIZE_MAX)
				break;
			*slot = i;
		}
		if (ctl_i != SIZE_MAX)
			order[n++] = ctl_i;
		if (itl_i != SIZE_MAX)
			order[n++] = itl_i;
		publication_tvs(last, given, in, itl_i != SIZE_MAX ? in->files[itl_i] : NULL,
				itl_i != SIZE_MAX ? in->names[itl_i] : NULL);
		/* R19: the CTL TVS caches is the one served now (not the old
		 * cluster's, which is not given, with --old-cluster-tvs). */
		tvs_ctl = in->tvs_fixed ? NULL : ctl_i != SIZE_MAX ? in->files[ctl_i] : served;
		tvs_ctl_name = ctl_i != SIZE_MAX ? in->names[ctl_i] : served_name;
		/*
		 * R6a: a phone holding nothing (reset, new, or its files deleted)
		 * downloads the CTL the TFTP server serves first: this
		 * publication's, else the last one published, else the held one.
		 */
		h[PHONE_EMPTY].n = 1;
		h[PHONE_EMPTY].p[0] = (struct phone){ 0 };
		if (ctl_i == SIZE_MAX && served != NULL)
			h[PHONE_EMPTY].p[0] = (struct phone){ served, NULL, served_name, NULL,
							      0, 0, 1, 0 };
		for (size_t k = 0; k < n; k++) {
			struct ctl_trust_step *st = &out[nout++];

			st->file = order[k];
			st->tvs_known = last->known;
			for (int c = 0; c < CTL_NPHONES; c++) {
				struct judge j = { in, last, (enum ctl_phone)c, in->files[order[k]],
						   in->names[order[k]], NULL, 0, tvs_ctl, tvs_ctl_name };

				if (!verdict_of(&st->phone[c], err, &j, &h[c], why, nout))
					goto done;
			}
			advise(st, in->files[order[k]]);
		}
		if (ctl_i != SIZE_MAX) {
			served = in->files[ctl_i];
			served_name = in->names[ctl_i];
		}
	}
	ok = 1;
done:
	free(h);
	free(given);
	free(last);
	free(why);
	return ok;
}

enum ctl_trust ctl_assess_trust(const struct ctl_file *new_file,
				const struct ctl_file *cur_ctl,
				const struct ctl_file *cur_itl,
				char *why, size_t why_len)
{
	const struct ctl_file *files[1] = { new_file };
	const char *names[1] = { "(new)" };
	struct ctl_trust_input in = { cur_ctl, cur_itl, "(current CTL)", "(current ITL)",
				      NULL, NULL, NULL, 0, files, names, 1, 0 };
	struct ctl_trust_step *st = calloc(1, sizeof(*st));
	struct ctl_err err;
	enum ctl_trust t = TRUST_NONE;

	ctl_err_init(&err);
	if (st == NULL || signer_rec(new_file) == NULL ||
	    !signer_rec(new_file)->cert.present || !ctl_trust_plan(st, &err, &in)) {
		put(why, why_len, "the new file's signer is not among its SAST records: no phone verifies it");
		free(st);
		return TRUST_NONE;
	}
	put(why, why_len, "%s", st->phone[PHONE_SBD].reason);
	switch (st->phone[PHONE_SBD].verdict) {
	case VERDICT_DIRECT: t = TRUST_DIRECT; break;
	case VERDICT_FIRST: t = TRUST_FIRST; break;
	case VERDICT_TVS: case VERDICT_DEPENDS: t = TRUST_TVS; break;
	default: t = TRUST_NONE; break;
	}
	free(st);
	return t;
}

int ctl_trust_load_held(struct ctl_file *f, struct ctl_err *err,
			const char *path, enum ctl_kind kind)
{
	if (!ctl_parse_path(f, err, path, PARSE_RECORDS))
		return 0;
	if (f->kind != kind) {
		ctl_err_set(err, CTL_E_USAGE, "%s: given as the phones' %s, but its FILENAME makes it an %s",
			    path, kind == KIND_CTL ? "CTL (--ctl)" : "ITL (--itl)",
			    f->kind == KIND_CTL ? "CTL" : "ITL");
		ctl_file_cleanup(f);
		return 0;
	}
	if (!ctl_verify(f, err, NULL, NULL, NULL)) {
		ctl_err_prefix(err, "%s: the file the phones hold does not verify, so nothing can be judged against it", path);
		ctl_file_cleanup(f);
		return 0;
	}
	return 1;
}

/* try_sgn: does record r's certificate verify sgn? */
static int try_sgn(const struct ctl_file *sgn, const struct ctl_record *r)
{
	const unsigned char *p;
	struct ctl_err err;
	X509 *x;
	int ok;

	if (!r->cert.present)
		return 0;
	p = r->cert.p;
	x = d2i_X509(NULL, &p, r->cert.n);
	if (x == NULL)
		return 0;
	ctl_err_init(&err);
	ok = ctl_verify(sgn, &err, NULL, NULL, x);
	X509_free(x);
	return ok;
}

int ctl_sgn_holder(const struct ctl_file *sgn, const struct ctl_file *ctl,
		   const struct ctl_file *itl, int *out_file, size_t *out_index)
{
	/*
	 * The roles a phone looks up for the TFTP signer, file by file: seed
	 * 000 "the phone authenticates the signed configuration file against
	 * the CCM+TFTP function of its ITL"; a CTL names TFTP servers as
	 * CCM+TFTP or TFTP.
	 */
	static const int ctl_roles[] = { ROLE_CCM_TFTP, ROLE_TFTP };
	static const int itl_roles[] = { ROLE_CCM_TFTP };
	const struct ctl_file *files[2] = { ctl, itl };
	const int *roles[2] = { ctl_roles, itl_roles };
	const int nroles[2] = { 2, 1 };

	for (int fi = 0; fi < 2; fi++)
		for (int k = 0; files[fi] != NULL && k < nroles[fi]; k++)
			for (size_t i = 0; i < files[fi]->nrecs; i++)
				if (files[fi]->recs[i].role == roles[fi][k] &&
				    try_sgn(sgn, &files[fi]->recs[i])) {
					*out_file = fi;
					*out_index = i;
					return 1;
				}
	return 0;
}

int ctl_name_kind(const char *name, size_t n, enum ctl_kind *out)
{
	while (n > 0 && name[n - 1] == '\0') /* FILENAME ends in NULs */
		n--;
	if (n >= 4 && OPENSSL_strncasecmp(name + n - 4, ".sgn", 4) == 0)
		*out = KIND_SGN;
	else if (n >= 3 && OPENSSL_strncasecmp(name, "CTL", 3) == 0)
		*out = KIND_CTL;
	else if (n >= 3 && OPENSSL_strncasecmp(name, "ITL", 3) == 0)
		*out = KIND_ITL;
	else
		return 0;
	return 1;
}

int ctl_check_served_as(const struct ctl_file *f, struct ctl_err *err,
			const char *name)
{
	static const char *const kinds[] = { "a CTL", "an ITL", "a signed (.sgn) file" };
	enum ctl_kind k;

	if (!ctl_name_kind(name, strlen(name), &k) || k == f->kind)
		return 1;
	return ctl_err_set(err, CTL_E_USAGE,
			   "%s: named as %s, but its FILENAME (%.*s) makes it %s: a phone would judge it by the wrong rules",
			   name, kinds[k],
			   f->filename.present ? (int)strnlen((const char *)f->filename.p, f->filename.n) : 4,
			   f->filename.present ? (const char *)f->filename.p : "none",
			   kinds[f->kind]);
}
