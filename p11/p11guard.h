/*
 * p11guard.h - the interface between ctlsign (p11.c) and its PKCS#11
 * guard module, ctlsign-p11guard.so (p11guard.c).
 *
 * libp11 believes every answer of a module: a count larger than its
 * buffer, a length larger than what it allocated. The guard is a PKCS#11
 * module of our own that libp11 loads instead of the real one; its
 * function list forwards every call to the real module and checks each
 * answer before libp11 sees it. p11.c dlopens the guard itself, hands it
 * the real module's function list (already checked by check_module) with
 * attach, then gives libp11 the guard's path: the dynamic loader returns
 * the same loaded guard, whose C_GetFunctionList returns the guarded
 * list. No environment variable, no second load of the real module.
 */
#ifndef CTLSIGN_P11GUARD_H
#define CTLSIGN_P11GUARD_H

#include <p11-kit/pkcs11.h>

/* Bumped whenever struct p11guard_api changes. */
#define P11GUARD_ABI 1
/* The file name; installed in ${libdir}/ctlsign/ (see p11/CMakeLists.txt). */
#define P11GUARD_NAME "ctlsign-p11guard.so"
/* The one symbol p11.c looks up. */
#define P11GUARD_SYMBOL "ctlsign_p11guard_api"

/* Bounds of a sane answer. */
#define P11GUARD_MAX_SLOTS 1024
/* Any value libp11 reads (a certificate, a modulus, a label) or any
 * signature: a CTL record's length is 16 bits, nothing bigger is used. */
#define P11GUARD_MAX_VALUE 65536

struct p11guard_api {
	int abi;
	/*
	 * attach makes real the module behind the guard's function list.
	 * One module at a time: attaching
	 * another while one is attached fails (returns 0); the same one
	 * again counts a reference. Clears any earlier reason.
	 */
	int (*attach)(CK_FUNCTION_LIST_PTR real);
	/* detach drops a reference; at zero the guard forgets the module. */
	void (*detach)(void);
	/*
	 * reason: NULL while the module has answered sanely, else what it
	 * got wrong first ("C_FindObjects returned 1001 objects when asked
	 * for at most 1"). From then on the guard answers CKR_DEVICE_ERROR
	 * to everything but the calls that only release (C_Finalize,
	 * C_CloseAllSessions, C_FindObjectsFinal, C_Logout): a module caught
	 * lying gets no PIN and signs nothing more.
	 */
	const char *(*reason)(void);
};

/* Returns the guard's interface, or NULL if abi is not P11GUARD_ABI. */
typedef const struct p11guard_api *(*p11guard_api_fn)(int abi);

#endif
