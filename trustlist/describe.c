/*
 * describe.c - names of roles, digests and key types, as CUCM's `show
 * ctl` prints them, and how near a certificate is to its end.
 */
#include <stdio.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "trustlist.h"
#include "util.h"

const char *ctl_role_name(uint16_t role)
{
	switch (role) {
	case ROLE_SAST: return "System Administrator Security Token";
	case ROLE_CCM: return "CCM";
	case ROLE_CCM_TFTP: return "CCM+TFTP";
	case ROLE_TFTP: return "TFTP";
	case ROLE_CAPF: return "CAPF";
	case ROLE_SRST: return "SRST";
	case ROLE_APP_SERVER: return "APP-SERVER";
	case ROLE_TVS: return "TVS";
	default: return NULL;
	}
}

const char *ctl_role_short(uint16_t role)
{
	return role == ROLE_SAST ? "SAST" : ctl_role_name(role);
}

const EVP_MD *ctl_digest_md(uint8_t code)
{
	switch (code) {
	case DIGEST_SHA1: return EVP_sha1();
	case DIGEST_SHA256: return EVP_sha256();
	case DIGEST_SHA512: return EVP_sha512();
	default: return NULL;
	}
}

const char *ctl_digest_name(uint8_t code)
{
	switch (code) {
	case DIGEST_SHA1: return "SHA-1";
	case DIGEST_SHA256: return "SHA-256";
	case DIGEST_SHA512: return "SHA-512";
	default: return NULL;
	}
}

/*
 * The curves CUCM issues ECDSA certificates on (CallManager-ECDSA) have
 * NIST names administrators know; others keep OpenSSL's group name.
 */
const char *ctl_key_type(char *out, size_t n, const EVP_PKEY *pk)
{
	char group[64];
	const char *nist;

	if (n == 0)
		return out;
	if (pk == NULL) {
		out[0] = '\0';
		return out;
	}
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA: snprintf(out, n, "RSA"); break;
	case EVP_PKEY_RSA_PSS: snprintf(out, n, "RSA-PSS"); break;
	case EVP_PKEY_DSA: snprintf(out, n, "DSA"); break;
	case EVP_PKEY_ED25519: snprintf(out, n, "Ed25519"); break;
	case EVP_PKEY_ED448: snprintf(out, n, "Ed448"); break;
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_group_name(pk, group, sizeof(group), NULL) != 1) {
			snprintf(out, n, "ECDSA");
			break;
		}
		nist = EC_curve_nid2nist(OBJ_sn2nid(group));
		snprintf(out, n, "ECDSA %s", nist != NULL ? nist : group);
		break;
	default: {
		const char *name = EVP_PKEY_get0_type_name(pk);

		snprintf(out, n, "%s", name != NULL ? name : "unknown");
		break;
	}
	}
	return out;
}

/*
 * utc_seconds: tm (UTC) as seconds since the epoch, by the civil-date
 * arithmetic (days from 1970-03-01 in 400-year eras), not timegm:
 * glibc's keeps a static offset that threads of `verify -j` would share.
 */
static int64_t utc_seconds(const struct tm *tm)
{
	int64_t y = (int64_t)tm->tm_year + 1900 - (tm->tm_mon < 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t m = tm->tm_mon + 1, doy, doe;

	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + tm->tm_mday - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468) * 86400 + tm->tm_hour * 3600 +
	       tm->tm_min * 60 + tm->tm_sec;
}

enum ctl_expiry ctl_cert_expiry(const X509 *cert, int64_t now, int64_t *out_secs)
{
	const ASN1_TIME *na = cert != NULL ? X509_get0_notAfter(cert) : NULL;
	struct tm tm;
	int64_t left;

	if (out_secs != NULL)
		*out_secs = 0;
	if (na == NULL || ASN1_TIME_to_tm(na, &tm) != 1)
		return CTL_EXPIRY_UNKNOWN;
	left = utc_seconds(&tm) - now;
	if (out_secs != NULL)
		*out_secs = left;
	if (left < 0)
		return CTL_EXPIRY_EXPIRED;
	if (left <= (int64_t)CTL_EXPIRY_SOON_DAYS * 86400)
		return CTL_EXPIRY_SOON;
	return CTL_EXPIRY_VALID;
}

const char *ctl_expiry_name(enum ctl_expiry e)
{
	switch (e) {
	case CTL_EXPIRY_VALID: return "valid";
	case CTL_EXPIRY_SOON: return "expires-soon";
	case CTL_EXPIRY_EXPIRED: return "expired";
	case CTL_EXPIRY_UNKNOWN: break;
	}
	return "unknown";
}

/*
 * One wording for show and verify. Whole days, rounded toward the
 * present: a certificate 23 hours from its end has "less than a day".
 */
size_t ctl_expiry_text(char *out, size_t n, const X509 *cert, int64_t now)
{
	int64_t secs, days;
	enum ctl_expiry e = ctl_cert_expiry(cert, now, &secs);
	char when[32];
	struct tm tm;
	int len;

	if (n == 0)
		return 0;
	out[0] = '\0';
	if (e != CTL_EXPIRY_SOON && e != CTL_EXPIRY_EXPIRED)
		return 0;
	if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1 ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(when, sizeof(when), "?");
	days = (secs < 0 ? -secs : secs) / 86400;
	if (e == CTL_EXPIRY_EXPIRED)
		len = days == 0 ? snprintf(out, n, "expired %s (less than a day ago)", when)
			: snprintf(out, n, "expired %s (%lld day%s ago)", when,
				   (long long)days, days == 1 ? "" : "s");
	else
		len = days == 0 ? snprintf(out, n, "expires %s (in less than a day)", when)
			: snprintf(out, n, "expires %s (in %lld day%s)", when,
				   (long long)days, days == 1 ? "" : "s");
	return len < 0 ? 0 : (size_t)len < n ? (size_t)len : n - 1;
}

int ctl_record_sha1_hex(char *out, const struct ctl_record *r, char sep, int upper)
{
	uint8_t md[SHA_DIGEST_LENGTH];

	out[0] = '\0';
	if (!r->cert.present)
		return 0;
	if (SHA1(r->cert.p, r->cert.n, md) == NULL)
		return 0;
	ctl_hex(out, md, sizeof(md), sep, upper);
	return 1;
}
