/*
 * broken.c - TEST FIXTURES, never installed: PKCS#11 modules that are
 * broken in one way each, for tests/p11/p11_secrets.sh and test_p11.c.
 * A real module can be just as wrong (a vendor's bug, a half-written
 * driver, a library that is not a module at all), and ctlsign must then
 * say so and exit 4, not crash inside libp11.
 *
 * Each is built from this file with one BROKEN_* macro (tests/p11.cmake).
 * Except where said, the module is SoftHSM2 ($SHIM_REAL_MODULE, as in
 * shim.c) with one thing broken, so that everything else looks right:
 *   BROKEN_NULL_LIST     C_GetFunctionList returns CKR_OK and a NULL list
 *   BROKEN_LIST_ERROR    C_GetFunctionList returns CKR_GENERAL_ERROR
 *   BROKEN_NO_SYMBOL     no C_GetFunctionList at all (a plain library)
 *   BROKEN_NULL_SLOTLIST the list's C_GetSlotList is NULL
 *   BROKEN_NULL_SIGN     the list's C_Sign is NULL (listing would work)
 *   BROKEN_VERSION       the list says Cryptoki version 0.1
 *   BROKEN_HUGE_SLOTS    C_GetSlotList reports 2^61 + 1 slots
 *   BROKEN_SLOTS_ERROR   C_GetSlotList fails with CKR_DEVICE_ERROR
 */
#include <dlfcn.h>
#include <stdlib.h>

#include <p11-kit/pkcs11.h>

#ifdef BROKEN_NO_SYMBOL
/* A shared library, but no Cryptoki entry point. */
int broken_not_a_module(void);
int broken_not_a_module(void)
{
	return 0;
}
#else
static CK_FUNCTION_LIST_PTR real;
static CK_FUNCTION_LIST list;

#if defined(BROKEN_HUGE_SLOTS) || defined(BROKEN_SLOTS_ERROR)
static CK_RV broken_GetSlotList(CK_BBOOL present, CK_SLOT_ID_PTR ids,
				CK_ULONG_PTR n)
{
	(void)present;
	(void)ids;
#ifdef BROKEN_HUGE_SLOTS
	/* Times sizeof(CK_SLOT_ID), this wraps round to 8 bytes. */
	*n = ((CK_ULONG)1 << 61) + 1;
	return CKR_OK;
#else
	(void)n;
	return CKR_DEVICE_ERROR;
#endif
}
#endif

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR out)
{
	const char *path = getenv("SHIM_REAL_MODULE");
	CK_RV (*get)(CK_FUNCTION_LIST_PTR_PTR);
	void *h;

	if (out == NULL)
		return CKR_ARGUMENTS_BAD;
#if defined(BROKEN_NULL_LIST) || defined(BROKEN_LIST_ERROR)
	(void)path, (void)get, (void)h, (void)real, (void)list;
#endif
#if defined(BROKEN_NULL_LIST)
	*out = NULL;
	return CKR_OK;
#elif defined(BROKEN_LIST_ERROR)
	return CKR_GENERAL_ERROR;
#else
	if (real == NULL) {
		h = dlopen(path ? path : "/usr/lib/softhsm/libsofthsm2.so",
			   RTLD_NOW | RTLD_LOCAL);
		if (h == NULL)
			return CKR_GENERAL_ERROR;
		*(void **)&get = dlsym(h, "C_GetFunctionList");
		if (get == NULL || get(&real) != CKR_OK)
			return CKR_GENERAL_ERROR;
		list = *real;
#if defined(BROKEN_NULL_SLOTLIST)
		list.C_GetSlotList = NULL;
#elif defined(BROKEN_NULL_SIGN)
		list.C_Sign = NULL;
#elif defined(BROKEN_VERSION)
		list.version.major = 0;
		list.version.minor = 1;
#else
		list.C_GetSlotList = broken_GetSlotList;
#endif
	}
	*out = &list;
	return CKR_OK;
#endif
}
#endif
