/* describe.c - names of roles and digests, as CUCM's `show ctl` prints them. */
#include <openssl/evp.h>

#include "trustlist.h"

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
