/*
 * broken.c - TEST FIXTURES, never installed: PKCS#11 modules that are
 * broken in one way each, for tests/p11/p11_secrets.sh and test_p11.c.
 * A real module can be just as wrong (a vendor's bug, a half-written
 * driver, a library that is not a module at all), and ctlsign must then
 * say so and exit 4, not crash inside libp11.
 *
 * Each is built from this file with one BROKEN_* macro (tests/p11.cmake).
 * Except where said, the module is SoftHSM2 ($BROKEN_REAL_MODULE, else
 * $SHIM_REAL_MODULE as in shim.c; the tests put shim.c there to count PIN
 * attempts) with one thing broken, so that everything else looks right:
 *   BROKEN_NULL_LIST     C_GetFunctionList returns CKR_OK and a NULL list
 *   BROKEN_LIST_ERROR    C_GetFunctionList returns CKR_GENERAL_ERROR
 *   BROKEN_NO_SYMBOL     no C_GetFunctionList at all (a plain library)
 *   BROKEN_NULL_SLOTLIST the list's C_GetSlotList is NULL
 *   BROKEN_NULL_SIGN     the list's C_Sign is NULL (listing would work)
 *   BROKEN_VERSION       the list says Cryptoki version 0.1
 *   BROKEN_HUGE_SLOTS    C_GetSlotList reports 2^61 + 1 slots
 *   BROKEN_SLOTS_ERROR   C_GetSlotList fails with CKR_DEVICE_ERROR
 * The LIE_ kinds answer ctlsign's own check (the first two C_GetSlotList
 * calls, p11.c's check_module) honestly and lie to libp11 afterwards; each
 * lie, believed, is a crash or a read or write past a buffer in libp11
 * (the PKCS#11 guard, p11/p11guard.c, must turn it into an error):
 *   BROKEN_LIE_SLOTS_HUGE  C_GetSlotList fills the list and says 2^61 + 1
 *   BROKEN_LIE_SLOTS_GROW  C_GetSlotList says 4000 more than it wrote
 *   BROKEN_LIE_FIND        C_FindObjects returns 1000 more than asked for
 *   BROKEN_LIE_ATTR_LONG   C_GetAttributeValue: CKA_VALUE 100000 bytes
 *                          longer than the buffer it filled, with CKR_OK
 *   BROKEN_LIE_ATTR_SIZE   C_GetAttributeValue sizes CKA_VALUE as
 *                          CK_UNAVAILABLE_INFORMATION with CKR_OK (libp11
 *                          allocates that + 1 = 0 bytes, then reads into it)
 *   BROKEN_LIE_SIGN_LONG   C_Sign says 1000 bytes more than the buffer
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

#if defined(BROKEN_LIE_SLOTS_HUGE) || defined(BROKEN_LIE_SLOTS_GROW)
static CK_RV lie_GetSlotList(CK_BBOOL present, CK_SLOT_ID_PTR ids,
			     CK_ULONG_PTR n)
{
	static int calls;
	CK_RV rv = real->C_GetSlotList(present, ids, n);

	/* The first two are ctlsign's check; then the list libp11 fills. */
	if (++calls > 2 && rv == CKR_OK && ids != NULL) {
#ifdef BROKEN_LIE_SLOTS_HUGE
		*n = ((CK_ULONG)1 << 61) + 1;
#else
		*n += 4000;
#endif
	}
	return rv;
}
#endif

#ifdef BROKEN_LIE_FIND
static CK_RV lie_FindObjects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR objs,
			     CK_ULONG max, CK_ULONG_PTR count)
{
	CK_RV rv = real->C_FindObjects(h, objs, max, count);

	if (rv == CKR_OK && *count > 0)
		*count = max + 1000;
	return rv;
}
#endif

#if defined(BROKEN_LIE_ATTR_LONG) || defined(BROKEN_LIE_ATTR_SIZE)
static CK_RV lie_GetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o,
				   CK_ATTRIBUTE_PTR tmpl, CK_ULONG n)
{
	CK_RV rv = real->C_GetAttributeValue(h, o, tmpl, n);

	for (CK_ULONG i = 0; rv == CKR_OK && i < n; i++) {
		if (tmpl[i].type != CKA_VALUE)
			continue;
#ifdef BROKEN_LIE_ATTR_LONG
		if (tmpl[i].pValue != NULL)
			tmpl[i].ulValueLen += 100000;
#else
		if (tmpl[i].pValue == NULL)
			tmpl[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
#endif
	}
	return rv;
}
#endif

#ifdef BROKEN_LIE_SIGN_LONG
static CK_RV lie_Sign(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG in_len,
		      CK_BYTE_PTR sig, CK_ULONG_PTR sig_len)
{
	CK_RV rv = real->C_Sign(h, in, in_len, sig, sig_len);

	if (rv == CKR_OK && sig != NULL)
		*sig_len += 1000;
	return rv;
}
#endif

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR out)
{
	const char *path = getenv("BROKEN_REAL_MODULE");
	CK_RV (*get)(CK_FUNCTION_LIST_PTR_PTR);
	void *h;

	if (out == NULL)
		return CKR_ARGUMENTS_BAD;
	if (path == NULL || *path == '\0')
		path = getenv("SHIM_REAL_MODULE");
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
#elif defined(BROKEN_LIE_SLOTS_HUGE) || defined(BROKEN_LIE_SLOTS_GROW)
		list.C_GetSlotList = lie_GetSlotList;
#elif defined(BROKEN_LIE_FIND)
		list.C_FindObjects = lie_FindObjects;
#elif defined(BROKEN_LIE_ATTR_LONG) || defined(BROKEN_LIE_ATTR_SIZE)
		list.C_GetAttributeValue = lie_GetAttributeValue;
#elif defined(BROKEN_LIE_SIGN_LONG)
		list.C_Sign = lie_Sign;
#else
		list.C_GetSlotList = broken_GetSlotList;
#endif
	}
	*out = &list;
	return CKR_OK;
#endif
}
#endif
