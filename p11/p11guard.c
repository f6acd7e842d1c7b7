/*
 * p11guard.c - ctlsign-p11guard.so, the PKCS#11 module that libp11 loads
 * in place of the real one (p11guard.h says how it is attached).
 *
 * Every function libp11 0.4.12 calls (the 29 of check_module in p11.c)
 * is a wrapper here that forwards to the real module and then checks
 * what came back, so that a module that answered check_module honestly
 * and lies afterwards is a PKCS#11 error (CKR_DEVICE_ERROR) that libp11
 * reports, not a read past one of its buffers:
 * - counts: C_GetSlotList at most P11GUARD_MAX_SLOTS and never more than
 *   the caller's room; C_FindObjects never more than it asked for;
 * - lengths: C_GetAttributeValue, C_Sign, C_Encrypt, C_Decrypt never
 *   longer than the caller's buffer when they wrote into it, and at most
 *   P11GUARD_MAX_VALUE when they only give a size;
 * - structures (C_GetInfo, C_GetSlotInfo, C_GetTokenInfo) and returned
 *   handles and counts are filled (blanks, zeros) before the call, so a
 *   module that says CKR_OK and writes nothing leaves nothing undefined;
 *   the blank-padded text fields are taken as they are (ctlsign makes
 *   them printable where it shows them).
 * The first wrong answer is kept as the reason and the module is then
 * refused (see p11guard.h). Functions libp11 never calls are the real
 * module's, unchanged (NULL stays NULL). The guard cannot stop a module
 * that writes past a buffer it was given: that is memory corruption in
 * our own process, which no check after the call can undo.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "p11guard.h"

static CK_FUNCTION_LIST_PTR real;
static CK_FUNCTION_LIST guarded;
static int refs;
static char why[256];

const struct p11guard_api *ctlsign_p11guard_api(int abi);
CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR out);

/* Keeps the first wrong answer; returns the error libp11 gets. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static CK_RV lie(const char *fmt, ...);

static CK_RV lie(const char *fmt, ...)
{
	va_list ap;

	if (why[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
		if (why[0] == '\0')
			snprintf(why, sizeof(why), "a wrong answer");
	}
	return CKR_DEVICE_ERROR;
}

#define REFUSED() (why[0] != '\0')

/* Text fields of the info structures: blank, as a module would leave them. */
#define BLANK(field) memset((field), ' ', sizeof(field))

static CK_RV g_Initialize(CK_VOID_PTR args)
{
	if (REFUSED())
		return CKR_DEVICE_ERROR;
	return real->C_Initialize(args);
}

static CK_RV g_Finalize(CK_VOID_PTR reserved)
{
	return real->C_Finalize(reserved);
}

static CK_RV g_GetInfo(CK_INFO_PTR info)
{
	if (REFUSED())
		return CKR_DEVICE_ERROR;
	if (info != NULL) {
		memset(info, 0, sizeof(*info));
		BLANK(info->manufacturerID);
		BLANK(info->libraryDescription);
	}
	return real->C_GetInfo(info);
}

static CK_RV g_GetSlotList(CK_BBOOL present, CK_SLOT_ID_PTR ids,
			   CK_ULONG_PTR n)
{
	CK_ULONG room = 0;
	CK_RV rv;

	if (REFUSED())
		return CKR_DEVICE_ERROR;
	if (n == NULL)
		return real->C_GetSlotList(present, ids, n);
	if (ids != NULL) {
		room = *n;
		memset(ids, 0, room * sizeof(*ids));
	}
	rv = real->C_GetSlotList(present, ids, n);
	if (rv != CKR_OK && rv != CKR_BUFFER_TOO_SMALL)
		return rv;
	if (*n > P11GUARD_MAX_SLOTS)
		return lie("C_GetSlotList reports %lu slots (at most %d expected)",
			   (unsigned long)*n, P11GUARD_MAX_SLOTS);
	if (rv == CKR_OK && ids != NULL && *n > room)
		return lie("C_GetSlotList reports %lu slots written into room for %lu",
			   (unsigned long)*n, (unsigned long)room);
	return rv;
}

static CK_RV g_GetSlotInfo(CK_SLOT_ID id, CK_SLOT_INFO_PTR info)
{
	if (REFUSED())
		return CKR_DEVICE_ERROR;
	if (info != NULL) {
		memset(info, 0, sizeof(*info));
		BLANK(info->slotDescription);
		BLANK(info->manufacturerID);
	}
	return real->C_GetSlotInfo(id, info);
}

static CK_RV g_GetTokenInfo(CK_SLOT_ID id, CK_TOKEN_INFO_PTR info)
{
	if (REFUSED())
		return CKR_DEVICE_ERROR;
	if (info != NULL) {
		memset(info, 0, sizeof(*info));
		BLANK(info->label);
		BLANK(info->manufacturerID);
		BLANK(info->model);
		BLANK(info->serialNumber);
		BLANK(info->utcTime);
	}
	return real->C_GetTokenInfo(id, info);
}

static CK_RV g_OpenSession(CK_SLOT_ID id, CK_FLAGS flags, CK_VOID_PTR app,
			   CK_NOTIFY notify, CK_SESSION_HANDLE_PTR h)
{
	if (REFUSED())
		return CKR_DEVICE_ERROR;
	if (h != NULL)
		*h = CK_INVALID_HANDLE;
	return real->C_OpenSession(id, flags, app, notify, h);
}

static CK_RV g_CloseAllSessions(CK_SLOT_ID id)
{
	return real->C_CloseAllSessions(id);
}

static CK_RV g_Login(CK_SESSION_HANDLE h, CK_USER_TYPE user,
		     CK_UTF8CHAR_PTR pin, CK_ULONG pin_len)
{
	if (REFUSED())
		return CKR_DEVICE_ERROR;
	return real->C_Login(h, user, pin, pin_len);
}

static CK_RV g_Logout(CK_SESSION_HANDLE h)
{
	return real->C_Logout(h);
}

static CK_RV g_FindObjectsInit(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tmpl,
			       CK_ULONG n)
{
	if (REFUSED())
		return CKR_DEVICE_ERROR;
	return real->C_FindObjectsInit(h, tmpl, n);
}

static CK_RV g_FindObjects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR objs,
			   CK_ULONG max, CK_ULONG_PTR count)
{
	CK_RV rv;

	if (REFUSED())
		return CKR_DEVICE_ERROR;
	if (count == NULL)
		return real->C_FindObjects(h, objs, max, count);
	*count = 0;
	rv = real->C_FindObjects(h, objs, max, count);
	if (rv == CKR_OK && *count > max)
		return lie("C_FindObjects returned %lu objects when asked for at most %lu",
			   (unsigned long)*count, (unsigned long)max);
	return rv;
}

static CK_RV g_FindObjectsFinal(CK_SESSION_HANDLE h)
{
	return real->C_FindObjectsFinal(h);
}

/* Room kept for the lengths libp11 gave; it asks one attribute at a time. */
#define ATTR_ROOM 64

static CK_RV g_GetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o,
				 CK_ATTRIBUTE_PTR tmpl, CK_ULONG n)
{
	CK_ULONG room[ATTR_ROOM];
	CK_RV rv;

	if (REFUSED())
		return CKR_DEVICE_ERROR;
	if (tmpl == NULL)
		return real->C_GetAttributeValue(h, o, tmpl, n);
	if (n > ATTR_ROOM)
		return CKR_ARGUMENTS_BAD;
	for (CK_ULONG i = 0; i < n; i++)
		room[i] = tmpl[i].ulValueLen;
	rv = real->C_GetAttributeValue(h, o, tmpl, n);
	/* The answers in which every length means something. */
	if (rv != CKR_OK && rv != CKR_ATTRIBUTE_SENSITIVE &&
	    rv != CKR_ATTRIBUTE_TYPE_INVALID && rv != CKR_BUFFER_TOO_SMALL)
		return rv;
	for (CK_ULONG i = 0; i < n; i++) {
		CK_ULONG len = tmpl[i].ulValueLen;

		if (len == CK_UNAVAILABLE_INFORMATION) {
			if (rv == CKR_OK)
				return lie("C_GetAttributeValue succeeded without a length for attribute 0x%lx",
					   (unsigned long)tmpl[i].type);
			continue;
		}
		if (tmpl[i].pValue != NULL && len > room[i])
			return lie("C_GetAttributeValue gave %lu bytes of attribute 0x%lx for a buffer of %lu",
				   (unsigned long)len, (unsigned long)tmpl[i].type,
				   (unsigned long)room[i]);
		if (len > P11GUARD_MAX_VALUE)
			return lie("C_GetAttributeValue gives attribute 0x%lx a length of %lu bytes (at most %d expected)",
				   (unsigned long)tmpl[i].type, (unsigned long)len,
				   P11GUARD_MAX_VALUE);
	}
	return rv;
}

/*
 * The calls that write a result of *out_len bytes into out (C_Sign,
 * C_Encrypt, C_Decrypt): never more than the room given, and no size
 * beyond P11GUARD_MAX_VALUE.
 */
static CK_RV result_len(const char *fn, CK_RV rv, CK_BYTE_PTR out,
			CK_ULONG room, CK_ULONG len)
{
	if (rv != CKR_OK && rv != CKR_BUFFER_TOO_SMALL)
		return rv;
	if (rv == CKR_OK && out != NULL && len > room)
		return lie("%s gave a result of %lu bytes for a buffer of %lu",
			   fn, (unsigned long)len, (unsigned long)room);
	if (len > P11GUARD_MAX_VALUE)
		return lie("%s gives a result length of %lu bytes (at most %d expected)",
			   fn, (unsigned long)len, P11GUARD_MAX_VALUE);
	return rv;
}

#define RESULT_CALL(fn, call)                                         \
	do {                                                          \
		CK_ULONG room_ = 0;                                   \
		CK_RV rv_;                                            \
                                                                      \
		if (REFUSED())                                        \
			return CKR_DEVICE_ERROR;                      \
		if (out_len == NULL)                                  \
			return real->call;                            \
		room_ = *out_len;                                     \
		rv_ = real->call;                                     \
		return result_len(fn, rv_, out, room_, *out_len);     \
	} while (0)

static CK_RV g_SignInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
			CK_OBJECT_HANDLE key)
{
	if (REFUSED())
		return CKR_DEVICE_ERROR;
	return real->C_SignInit(h, m, key);
}

static CK_RV g_Sign(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG in_len,
		    CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	RESULT_CALL("C_Sign", C_Sign(h, in, in_len, out, out_len));
}

static CK_RV g_DecryptInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
			   CK_OBJECT_HANDLE key)
{
	if (REFUSED())
		return CKR_DEVICE_ERROR;
	return real->C_DecryptInit(h, m, key);
}

static CK_RV g_Decrypt(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG in_len,
		       CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	RESULT_CALL("C_Decrypt", C_Decrypt(h, in, in_len, out, out_len));
}

static CK_RV g_EncryptInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
			   CK_OBJECT_HANDLE key)
{
	if (REFUSED())
		return CKR_DEVICE_ERROR;
	return real->C_EncryptInit(h, m, key);
}

static CK_RV g_Encrypt(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG in_len,
		       CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	RESULT_CALL("C_Encrypt", C_Encrypt(h, in, in_len, out, out_len));
}

static CK_RV g_CreateObject(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tmpl,
			    CK_ULONG n, CK_OBJECT_HANDLE_PTR obj)
{
	if (REFUSED())
		return CKR_DEVICE_ERROR;
	if (obj != NULL)
		*obj = CK_INVALID_HANDLE;
	return real->C_CreateObject(h, tmpl, n, obj);
}

static CK_RV g_DestroyObject(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj)
{
	if (REFUSED())
		return CKR_DEVICE_ERROR;
	return real->C_DestroyObject(h, obj);
}

static CK_RV g_GenerateKeyPair(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
			       CK_ATTRIBUTE_PTR pub, CK_ULONG npub,
			       CK_ATTRIBUTE_PTR priv, CK_ULONG npriv,
			       CK_OBJECT_HANDLE_PTR hpub,
			       CK_OBJECT_HANDLE_PTR hpriv)
{
	if (REFUSED())
		return CKR_DEVICE_ERROR;
	if (hpub != NULL)
		*hpub = CK_INVALID_HANDLE;
	if (hpriv != NULL)
		*hpriv = CK_INVALID_HANDLE;
	return real->C_GenerateKeyPair(h, m, pub, npub, priv, npriv, hpub,
				       hpriv);
}

static CK_RV g_DeriveKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
			 CK_OBJECT_HANDLE base, CK_ATTRIBUTE_PTR tmpl,
			 CK_ULONG n, CK_OBJECT_HANDLE_PTR key)
{
	if (REFUSED())
		return CKR_DEVICE_ERROR;
	if (key != NULL)
		*key = CK_INVALID_HANDLE;
	return real->C_DeriveKey(h, m, base, tmpl, n, key);
}

static CK_RV g_GenerateRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR out,
			      CK_ULONG len)
{
	if (REFUSED())
		return CKR_DEVICE_ERROR;
	return real->C_GenerateRandom(h, out, len);
}

static CK_RV g_SeedRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR seed, CK_ULONG len)
{
	if (REFUSED())
		return CKR_DEVICE_ERROR;
	return real->C_SeedRandom(h, seed, len);
}

static CK_RV g_InitPIN(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	if (REFUSED())
		return CKR_DEVICE_ERROR;
	return real->C_InitPIN(h, pin, len);
}

static CK_RV g_InitToken(CK_SLOT_ID id, CK_UTF8CHAR_PTR pin, CK_ULONG len,
			 CK_UTF8CHAR_PTR label)
{
	if (REFUSED())
		return CKR_DEVICE_ERROR;
	return real->C_InitToken(id, pin, len, label);
}

static CK_RV g_SetPIN(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR old,
		      CK_ULONG old_len, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	if (REFUSED())
		return CKR_DEVICE_ERROR;
	return real->C_SetPIN(h, old, old_len, pin, len);
}

/* Each of the 29 replaced only where the real module has it. */
#define GUARD(f)                        \
	do {                            \
		if (real->C_##f != NULL) \
			guarded.C_##f = g_##f; \
	} while (0)

static int attach(CK_FUNCTION_LIST_PTR fl)
{
	if (fl == NULL)
		return 0;
	if (refs > 0) {
		if (fl != real)
			return 0;
		refs++;
		return 1;
	}
	real = fl;
	refs = 1;
	why[0] = '\0';
	guarded = *fl;
	/* This list has the 2.x layout, whatever the module's version. */
	guarded.version.major = 2;
	guarded.version.minor = 40;
	guarded.C_GetFunctionList = C_GetFunctionList;
	GUARD(Initialize);
	GUARD(Finalize);
	GUARD(GetInfo);
	GUARD(GetSlotList);
	GUARD(GetSlotInfo);
	GUARD(GetTokenInfo);
	GUARD(OpenSession);
	GUARD(CloseAllSessions);
	GUARD(Login);
	GUARD(Logout);
	GUARD(FindObjectsInit);
	GUARD(FindObjects);
	GUARD(FindObjectsFinal);
	GUARD(GetAttributeValue);
	GUARD(SignInit);
	GUARD(Sign);
	GUARD(DecryptInit);
	GUARD(Decrypt);
	GUARD(EncryptInit);
	GUARD(Encrypt);
	GUARD(CreateObject);
	GUARD(DestroyObject);
	GUARD(GenerateKeyPair);
	GUARD(DeriveKey);
	GUARD(GenerateRandom);
	GUARD(SeedRandom);
	GUARD(InitPIN);
	GUARD(InitToken);
	GUARD(SetPIN);
	return 1;
}

static void detach(void)
{
	if (refs == 0 || --refs > 0)
		return;
	real = NULL;
	memset(&guarded, 0, sizeof(guarded));
}

static const char *reason(void)
{
	return REFUSED() ? why : NULL;
}

static const struct p11guard_api api = { P11GUARD_ABI, attach, detach, reason };

const struct p11guard_api *ctlsign_p11guard_api(int abi)
{
	return abi == P11GUARD_ABI ? &api : NULL;
}

/* Only through ctlsign: with no module attached there is nothing to guard. */
CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR out)
{
	if (out == NULL)
		return CKR_ARGUMENTS_BAD;
	if (real == NULL)
		return CKR_GENERAL_ERROR;
	*out = &guarded;
	return CKR_OK;
}
