/*
 * shim.c - a PKCS#11 module for the PIN-safety tests: it forwards every
 * call to the real SoftHSM2 module and adds what SoftHSM lacks.
 *
 * Why a stand-in at all: a real eToken counts wrong PINs, reports
 * CKF_USER_PIN_FINAL_TRY before the last attempt and CKF_USER_PIN_LOCKED
 * after it, and then cannot be used again. SoftHSM 2.6 never sets those
 * flags and never locks, and no locking token can run in CI. This is the
 * one justified stand-in; everything else (objects, login, signing) is
 * SoftHSM's own, reached through the same libp11 path as in production.
 *
 * Environment:
 *   SHIM_REAL_MODULE  the module to forward to (default: SoftHSM2's)
 *   SHIM_STATE        a file holding the user PIN attempts left; when set,
 *                     wrong PINs count down (persisting across processes),
 *                     1 left reports FINAL_TRY, 0 reports LOCKED and fails
 *                     C_Login with CKR_PIN_LOCKED without forwarding; a
 *                     right PIN resets it to SHIM_MAX_TRIES (default 3)
 *   SHIM_PINPAD       a PIN: the token reports a protected authentication
 *                     path (PIN pad); C_Login must get a NULL PIN and the
 *                     shim "types" this one on the pad. A non-NULL PIN from
 *                     the caller fails with CKR_ARGUMENTS_BAD.
 *   SHIM_LABEL        a label (up to 32 bytes, e.g. with escape sequences)
 *                     reported instead of "SAST-ADN0054f509": a hostile
 *                     module's label, for the terminal-safety tests
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

static void *real_handle;
static CK_FUNCTION_LIST_PTR real;
static CK_FUNCTION_LIST shim;

static int max_tries(void)
{
	const char *s = getenv("SHIM_MAX_TRIES");

	return s != NULL ? atoi(s) : 3;
}

/* Attempts left, or -1 when not counting. */
static int tries_left(void)
{
	const char *path = getenv("SHIM_STATE");
	FILE *f;
	int n = -1;

	if (path == NULL || (f = fopen(path, "r")) == NULL)
		return path != NULL ? max_tries() : -1;
	if (fscanf(f, "%d", &n) != 1)
		n = max_tries();
	fclose(f);
	return n;
}

static void set_tries(int n)
{
	const char *path = getenv("SHIM_STATE");
	FILE *f;

	if (path == NULL || (f = fopen(path, "w")) == NULL)
		return;
	fprintf(f, "%d\n", n);
	fclose(f);
}

static CK_RV shim_GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info)
{
	CK_RV rv = real->C_GetTokenInfo(slot, info);
	int n = tries_left();

	if (rv != CKR_OK)
		return rv;
	if (n >= 0 && n < max_tries())
		info->flags |= CKF_USER_PIN_COUNT_LOW;
	if (n == 1)
		info->flags |= CKF_USER_PIN_FINAL_TRY;
	if (n == 0)
		info->flags |= CKF_USER_PIN_LOCKED;
	if (getenv("SHIM_PINPAD") != NULL)
		info->flags |= CKF_PROTECTED_AUTHENTICATION_PATH;
	if (getenv("SHIM_LABEL") != NULL &&
	    memcmp(info->label, "SAST-ADN0054f509 ", 17) == 0) {
		const char *l = getenv("SHIM_LABEL");
		size_t len = strlen(l) < sizeof(info->label) ? strlen(l) : sizeof(info->label);

		memset(info->label, ' ', sizeof(info->label));
		memcpy(info->label, l, len);
	}
	return CKR_OK;
}

static CK_RV shim_Login(CK_SESSION_HANDLE h, CK_USER_TYPE user,
			CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	const char *pad = getenv("SHIM_PINPAD");
	int n = user == CKU_USER ? tries_left() : -1;
	CK_RV rv;

	if (n == 0)
		return CKR_PIN_LOCKED;
	if (pad != NULL) {
		if (pin != NULL || len != 0)
			return CKR_ARGUMENTS_BAD;
		pin = (CK_UTF8CHAR_PTR)pad;
		len = strlen(pad);
	}
	rv = real->C_Login(h, user, pin, len);
	if (n > 0 && rv == CKR_PIN_INCORRECT)
		set_tries(n - 1);
	else if (n >= 0 && rv == CKR_OK)
		set_tries(max_tries());
	return rv;
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
	const char *path = getenv("SHIM_REAL_MODULE");
	CK_RV (*get)(CK_FUNCTION_LIST_PTR_PTR);
	CK_RV rv;

	if (list == NULL)
		return CKR_ARGUMENTS_BAD;
	if (real == NULL) {
		real_handle = dlopen(path ? path : "/usr/lib/softhsm/libsofthsm2.so",
				     RTLD_NOW | RTLD_LOCAL);
		if (real_handle == NULL)
			return CKR_GENERAL_ERROR;
		*(void **)&get = dlsym(real_handle, "C_GetFunctionList");
		if (get == NULL)
			return CKR_GENERAL_ERROR;
		rv = get(&real);
		if (rv != CKR_OK)
			return rv;
		shim = *real;
		shim.C_GetTokenInfo = shim_GetTokenInfo;
		shim.C_Login = shim_Login;
	}
	*list = &shim;
	return CKR_OK;
}
