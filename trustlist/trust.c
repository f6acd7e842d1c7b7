/*
 * trust.c - would a phone accept a new trust list? The rules are those of
 * the seed notes (FORMAT.md, "Phone behaviour that the files must
 * respect"):
 *  - a phone with no CTL and no ITL trusts the first file it downloads;
 *  - a new CTL is accepted if its signer is a SAST of the phone's CTL, or,
 *    on phones with Security By Default, if TVS vouches for the signer;
 *  - a new ITL is accepted if it verifies against the ITL's signer (its
 *    SAST) or the CTL's CCM+TFTP, or through TVS;
 *  - TVS itself is trusted only through the TVS records of the phone's
 *    ITL, so if the new ITL's TVS certificates are not in the old ITL,
 *    TVS cannot vouch for anything (the "regenerate CallManager.pem and
 *    TVS.pem at once" trap).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "trustlist.h"

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

/* same_cert: the same certificate, whole or by its SHA-1 (TVS records). */
static int same_cert(const struct ctl_record *a, const struct ctl_record *b)
{
	uint8_t h[SHA_DIGEST_LENGTH];

	if (a->cert.present && b->cert.present)
		return a->cert.n == b->cert.n &&
		       memcmp(a->cert.p, b->cert.p, a->cert.n) == 0;
	/* An ITL TVS/CAPF record carries only the certificate's SHA-1. */
	if (a->cert.present && b->certhash.present && b->certhash.n == sizeof(h)) {
		SHA1(a->cert.p, a->cert.n, h);
		return memcmp(h, b->certhash.p, sizeof(h)) == 0;
	}
	if (b->cert.present && a->certhash.present)
		return same_cert(b, a);
	return a->certhash.present && b->certhash.present &&
	       a->certhash.n == b->certhash.n &&
	       memcmp(a->certhash.p, b->certhash.p, a->certhash.n) == 0;
}

/* Does f hold the certificate that signed with record s, in role? */
static int holds(const struct ctl_file *f, const struct ctl_record *s, int role)
{
	for (size_t i = 0; f != NULL && i < f->nrecs; i++)
		if (f->recs[i].role == role && same_signer(&f->recs[i], s))
			return 1;
	return 0;
}

/* Does f hold a TVS record for rec's certificate (whole or hashed)? */
static int holds_tvs(const struct ctl_file *f, const struct ctl_record *rec)
{
	for (size_t i = 0; f != NULL && i < f->nrecs; i++)
		if (f->recs[i].role == ROLE_TVS && same_cert(&f->recs[i], rec))
			return 1;
	return 0;
}

/*
 * Can TVS vouch? The phone must trust the TVS service through a TVS record
 * of its ITL, and the TVS certificate the cluster now uses (the TVS
 * records of the new ITL, when we have one) must be among them.
 */
static int tvs_usable(const struct ctl_file *new_file,
		      const struct ctl_file *cur_itl)
{
	int any = 0;

	if (cur_itl == NULL)
		return 0;
	for (size_t i = 0; i < cur_itl->nrecs; i++)
		any |= cur_itl->recs[i].role == ROLE_TVS;
	if (!any || new_file->kind != KIND_ITL)
		return any;
	for (size_t i = 0; i < new_file->nrecs; i++)
		if (new_file->recs[i].role == ROLE_TVS &&
		    holds_tvs(cur_itl, &new_file->recs[i]))
			return 1;
	return 0;
}

enum ctl_trust ctl_assess_trust(const struct ctl_file *new_file,
				const struct ctl_file *cur_ctl,
				const struct ctl_file *cur_itl,
				char *why, size_t why_len)
{
	/*
	 * The caller has verified every file (ctl_verify): the new file's
	 * signer carries the CERTIFICATE whose key verified it, and the held
	 * files' records agree with their certificates.
	 */
	const struct ctl_record *s = signer_rec(new_file);

	if (cur_ctl == NULL && cur_itl == NULL) {
		snprintf(why, why_len, "a phone with no CTL and no ITL trusts the first file it downloads");
		return TRUST_FIRST;
	}
	if (s == NULL || !s->cert.present) {
		snprintf(why, why_len, "the new file's signer is not among its SAST records: no phone verifies it");
		return TRUST_NONE;
	}
	if (new_file->kind == KIND_ITL) {
		if (holds(cur_itl, s, ROLE_SAST) || holds(cur_ctl, s, ROLE_CCM_TFTP) ||
		    holds(cur_ctl, s, ROLE_SAST)) {
			snprintf(why, why_len, "signed by a certificate the phone's %s already trusts",
				 holds(cur_itl, s, ROLE_SAST) ? "ITL" : "CTL");
			return TRUST_DIRECT;
		}
	} else if (cur_ctl != NULL ? holds(cur_ctl, s, ROLE_SAST)
				   : holds(cur_itl, s, ROLE_SAST)) {
		snprintf(why, why_len, "signed by a SAST of the phone's current %s",
			 cur_ctl != NULL ? "CTL" : "ITL");
		return TRUST_DIRECT;
	}
	if (tvs_usable(new_file, cur_itl)) {
		snprintf(why, why_len,
			 "the signer is unknown to the phone's files: only phones with Security By Default accept it, "
			 "through TVS, and only if the signer's certificate is in the cluster's trust store; "
			 "7940/7960, Jabber and many TelePresence units must have their files deleted by hand");
		return TRUST_TVS;
	}
	snprintf(why, why_len,
		 "the signer is unknown to the phone's files and TVS cannot vouch for it%s: every phone "
		 "holding them must have its CTL/ITL deleted by hand",
		 cur_itl == NULL ? " (no ITL given)"
		 : new_file->kind == KIND_ITL ? " (the TVS certificate changed too)" : "");
	return TRUST_NONE;
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
