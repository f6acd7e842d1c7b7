/*
 * p11.c - PKCS#11 through libp11: module, tokens, login, signer (URIs:
 * uri.c).
 *
 * libp11 0.4.12 facts this file works around (measured with SoftHSM 2.6):
 * - PKCS11_update_slots crashes when the module has more than one slot,
 *   and SoftHSM always has a spare one: we enumerate once per p11_open,
 *   and into a second, separate list to read the flags after a wrong PIN.
 * - token flags (PIN final try, locked) are a snapshot of the enumeration.
 * - PKCS11_login succeeds without checking when the session is already
 *   logged in, so we ask PKCS11_is_logged_in first and never pass a PIN
 *   to a token that is already open.
 * - the EVP_PKEY of PKCS11_get_private_key signs through EVP_DigestSign
 *   without an ENGINE; it must be freed before the module is unloaded.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <p11-kit/pkcs11.h>

#include "trustlist/text.h"
#include "p11.h"
#include "p11guard.h"
#include "util.h"

/* Room for a token or object label made printable, for messages. */
#define LABEL_MAX 128

struct p11 {
	PKCS11_CTX *ctx;
	PKCS11_SLOT *slots;
	unsigned int nslots;
	int loaded;
	int refs;
	char *module;
	void *dl;            /* our dlopen of the module, for its checks */
	CK_FUNCTION_LIST_PTR fl;    /* its list, checked (check_module) */
	void *guard_dl;             /* the guard libp11 loads (p11guard.h) */
	const struct p11guard_api *guard;  /* non-NULL: module attached */
	char *guard_path;
	int started;         /* check_module initialized it; libp11 has not taken over */
};

/* Terminal-safe text */

/* The one policy for untrusted text lives in the engine (trustlist/text.h). */
const char *p11_printable(char *out, size_t out_len, const char *s)
{
	return ctl_text_cstr(out, out_len, s);
}

/* Module and slots */

const char *p11_default_module(void)
{
	static const char *const known[] = {
		/* p11-kit's proxy: every module the system registers; first
		 * where the p11-kit built against says it is. */
#ifdef CTLSIGN_P11KIT_PROXY
		CTLSIGN_P11KIT_PROXY,
#endif
		"/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so",
		"/usr/lib/aarch64-linux-gnu/p11-kit-proxy.so",
		"/usr/lib64/p11-kit-proxy.so",
		"/usr/lib/p11-kit-proxy.so",
		/* SafeNet Authentication Client, which drives the eTokens. */
		"/usr/lib/libeToken.so",
		"/usr/lib/libeTPkcs11.so",
		"/usr/lib64/libeToken.so",
		"/usr/lib64/libeTPkcs11.so",
	};
	const char *env = getenv("CTLSIGN_PKCS11_MODULE");

	if (env != NULL && *env != '\0')
		return env;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (access(known[i], R_OK) == 0)
			return known[i];
	return NULL;
}

/*
 * The functions libp11 0.4.12 may call, each through the module's list
 * without looking whether it is there (measured on its source): one NULL
 * among them is a crash later, in the middle of a build.
 */
#define CK_FN(f) { #f, offsetof(CK_FUNCTION_LIST, f) }
static const struct {
	const char *name;
	size_t off;
} libp11_needs[] = {
	CK_FN(C_Initialize), CK_FN(C_Finalize), CK_FN(C_GetInfo),
	CK_FN(C_GetSlotList), CK_FN(C_GetSlotInfo), CK_FN(C_GetTokenInfo),
	CK_FN(C_OpenSession), CK_FN(C_CloseAllSessions), CK_FN(C_Login),
	CK_FN(C_Logout), CK_FN(C_FindObjectsInit), CK_FN(C_FindObjects),
	CK_FN(C_FindObjectsFinal), CK_FN(C_GetAttributeValue),
	CK_FN(C_SignInit), CK_FN(C_Sign), CK_FN(C_DecryptInit),
	CK_FN(C_Decrypt), CK_FN(C_EncryptInit), CK_FN(C_Encrypt),
	CK_FN(C_CreateObject), CK_FN(C_DestroyObject),
	CK_FN(C_GenerateKeyPair), CK_FN(C_DeriveKey),
	CK_FN(C_GenerateRandom), CK_FN(C_SeedRandom), CK_FN(C_InitPIN),
	CK_FN(C_InitToken), CK_FN(C_SetPIN),
};
#undef CK_FN

/* More slots than any reader or HSM has: an answer this big is garbage. */
#define MAX_SLOTS 1024

/*
 * check_module loads module and asks it the questions libp11 will ask
 * first, checking each answer that libp11 would trust: a function list
 * that exists, of Cryptoki 2.x or 3.x, with every function libp11 calls,
 * and a slot list that initializes and has a sane length. A broken
 * module is then one error naming it (CTL_E_TOKEN), not a crash inside
 * libp11. The handle stays open (p->dl) until the module is unloaded.
 */
static int check_module(struct p11 *p, struct ctl_err *err, const char *module)
{
	CK_RV (*get)(CK_FUNCTION_LIST_PTR_PTR) = NULL;
	CK_FUNCTION_LIST_PTR fl = NULL;
	CK_C_INITIALIZE_ARGS args;
	CK_SLOT_ID ids[MAX_SLOTS];
	CK_ULONG n = 0;
	CK_RV rv;
	int started, ok = 0;

	p->dl = dlopen(module, RTLD_NOW | RTLD_LOCAL);
	if (p->dl == NULL) {
		const char *why = dlerror();

		return ctl_err_set(err, CTL_E_TOKEN,
				   "%s: cannot load the PKCS#11 module: %s", module,
				   why != NULL ? why : "dlopen failed");
	}
	*(void **)&get = dlsym(p->dl, "C_GetFunctionList");
	if (get == NULL)
		return ctl_err_set(err, CTL_E_TOKEN,
				   "%s: not a PKCS#11 module (no C_GetFunctionList)",
				   module);
	rv = get(&fl);
	if (rv != CKR_OK)
		return ctl_err_set(err, CTL_E_TOKEN,
				   "%s: broken PKCS#11 module: C_GetFunctionList failed (PKCS#11 error 0x%lx)",
				   module, (unsigned long)rv);
	if (fl == NULL)
		return ctl_err_set(err, CTL_E_TOKEN,
				   "%s: broken PKCS#11 module: C_GetFunctionList gave no function list",
				   module);
	if (fl->version.major != 2 && fl->version.major != 3)
		return ctl_err_set(err, CTL_E_TOKEN,
				   "%s: broken PKCS#11 module: Cryptoki version %u.%u (2.x or 3.x expected)",
				   module, fl->version.major, fl->version.minor);
	for (size_t i = 0; i < sizeof(libp11_needs) / sizeof(libp11_needs[0]); i++) {
		void (*fn)(void);

		memcpy(&fn, (const char *)fl + libp11_needs[i].off, sizeof(fn));
		if (fn == NULL)
			return ctl_err_set(err, CTL_E_TOKEN,
					   "%s: broken PKCS#11 module: it has no %s",
					   module, libp11_needs[i].name);
	}
	/* As libp11 initializes: the module's own locking, no callbacks. */
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	rv = fl->C_Initialize(&args);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED)
		return ctl_err_set(err, CTL_E_TOKEN,
				   "%s: the PKCS#11 module does not start: C_Initialize failed (PKCS#11 error 0x%lx)",
				   module, (unsigned long)rv);
	/*
	 * Finalized again only if we started it: when another context in
	 * the process has it started, finalizing would end theirs.
	 */
	started = rv == CKR_OK;
	p->fl = fl;
	if ((rv = fl->C_GetSlotList(CK_FALSE, NULL, &n)) != CKR_OK)
		ctl_err_set(err, CTL_E_TOKEN,
			    "%s: cannot list the slots: C_GetSlotList failed (PKCS#11 error 0x%lx)",
			    module, (unsigned long)rv);
	else if (n > MAX_SLOTS)
		ctl_err_set(err, CTL_E_TOKEN,
			    "%s: broken PKCS#11 module: C_GetSlotList reports %lu slots (at most %d expected)",
			    module, (unsigned long)n, MAX_SLOTS);
	else if ((rv = fl->C_GetSlotList(CK_FALSE, ids, &n)) != CKR_OK)
		ctl_err_set(err, CTL_E_TOKEN,
			    "%s: cannot list the slots: C_GetSlotList failed (PKCS#11 error 0x%lx)",
			    module, (unsigned long)rv);
	else if (n > MAX_SLOTS)
		ctl_err_set(err, CTL_E_TOKEN,
			    "%s: broken PKCS#11 module: C_GetSlotList wrote %lu slots into room for %d",
			    module, (unsigned long)n, MAX_SLOTS);
	else
		ok = 1;
	/*
	 * A module that answered sanely stays initialized for libp11, whose
	 * C_Initialize then gets CKR_CRYPTOKI_ALREADY_INITIALIZED (which it
	 * accepts) and whose unload finalizes it: initializing twice made
	 * SoftHSM read every token's files twice per command (bench/p11.sh).
	 */
	if (started && !ok)
		(void)fl->C_Finalize(NULL);
	p->started = started && ok;
	return ok;
}

/*
 * guard_file finds ctlsign's PKCS#11 guard: beside the running executable
 * (the build tree, where CMake builds it next to ctlsign and tests link
 * it beside theirs), else where `cmake --install` put it
 * (CTLSIGN_P11GUARD_INSTALLED). A copy of ctlsign may sit anywhere: the
 * guard beside it is loaded only if it and its directory pass OpenSSH's
 * StrictModes rule (ctl_program_safe); when none is left, the error says
 * why it was refused. Returns a malloc'd path or NULL with err set: no
 * module is loaded unguarded.
 */
static char *guard_file(struct ctl_err *err)
{
	char exe[4096], *slash, *path = NULL;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char *installed = NULL;
	struct ctl_err why;

#ifdef CTLSIGN_P11GUARD_INSTALLED
	installed = CTLSIGN_P11GUARD_INSTALLED;
#endif
	ctl_err_init(&why);
	if (n > 0 && (size_t)n < sizeof(exe) - 1) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			size_t len = (size_t)(slash - exe) + 1 + sizeof(P11GUARD_NAME);

			slash[1] = '\0';
			if ((path = malloc(len)) == NULL) {
				ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
				return NULL;
			}
			snprintf(path, len, "%s%s", exe, P11GUARD_NAME);
			if (access(path, R_OK) == 0 && ctl_program_safe(&why, path))
				return path;
			free(path);
			path = NULL;
		}
	}
	if (installed != NULL && access(installed, R_OK) == 0 &&
	    (path = strdup(installed)) == NULL)
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
	else if (path == NULL && why.code != CTL_OK)
		ctl_err_set(err, CTL_E_TOKEN,
			    "refusing ctlsign's PKCS#11 guard beside the ctlsign executable (%s), and none is installed at %s; no module is loaded without it",
			    why.msg, installed != NULL ? installed : "the install path");
	else if (path == NULL)
		ctl_err_set(err, CTL_E_TOKEN,
			    "cannot find ctlsign's PKCS#11 guard %s (beside the ctlsign executable or %s); no module is loaded without it: reinstall ctlsign",
			    P11GUARD_NAME, installed != NULL ? installed : "installed");
	return path;
}

/*
 * guard_module loads the guard (p11guard.h) and puts p->fl behind its
 * function list, so that every answer libp11 gets is checked.
 */
static int guard_module(struct p11 *p, struct ctl_err *err)
{
	p11guard_api_fn get = NULL;
	const struct p11guard_api *api;
	const char *why;

	if ((p->guard_path = guard_file(err)) == NULL)
		return 0;
	p->guard_dl = dlopen(p->guard_path, RTLD_NOW | RTLD_LOCAL);
	if (p->guard_dl == NULL) {
		why = dlerror();
		return ctl_err_set(err, CTL_E_TOKEN,
				   "%s: cannot load ctlsign's PKCS#11 guard: %s",
				   p->guard_path, why != NULL ? why : "dlopen failed");
	}
	*(void **)&get = dlsym(p->guard_dl, P11GUARD_SYMBOL);
	if (get == NULL || (api = get(P11GUARD_ABI)) == NULL)
		return ctl_err_set(err, CTL_E_TOKEN,
				   "%s: not the PKCS#11 guard of this ctlsign (another version?): reinstall ctlsign",
				   p->guard_path);
	if (!api->attach(p->fl))
		return ctl_err_set(err, CTL_E_INTERNAL,
				   "%s: another PKCS#11 module is already in use by this process",
				   p->module);
	p->guard = api;
	return 1;
}

int p11_blame(const struct p11 *p, struct ctl_err *err)
{
	const char *why;

	if (p == NULL || p->guard == NULL || (why = p->guard->reason()) == NULL)
		return 0;
	/* What libp11 made of the refused answer says less: replace it. */
	ERR_clear_error();
	ctl_err_init(err);
	ctl_err_set(err, CTL_E_TOKEN, "%s: broken PKCS#11 module: %s",
		    p->module, why);
	return 1;
}

struct p11 *p11_open(struct ctl_err *err, const char *module)
{
	struct p11 *p = calloc(1, sizeof(*p));

	if (module == NULL)
		module = p11_default_module();
	if (p == NULL || (p->ctx = PKCS11_CTX_new()) == NULL) {
		free(p);
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		return NULL;
	}
	p->refs = 1;
	if (module == NULL) {
		ctl_err_set(err, CTL_E_TOKEN,
			    "no PKCS#11 module: give --module PATH or set CTLSIGN_PKCS11_MODULE (no p11-kit proxy or SafeNet eToken module is installed)");
		goto fail;
	}
	p->module = strdup(module);
	if (p->module == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		goto fail;
	}
	/* A missing or unreadable file, said plainly before any dlopen. */
	if (access(module, R_OK) != 0) {
		ctl_err_set(err, CTL_E_TOKEN,
			    "%s: cannot load the PKCS#11 module: %s", module,
			    strerror(errno));
		goto fail;
	}
	if (!check_module(p, err, module) || !guard_module(p, err))
		goto fail;
	/* libp11 gets the guard, the same loaded object, with p->fl behind. */
	if (PKCS11_CTX_load(p->ctx, p->guard_path) != 0) {
		if (!p11_blame(p, err))
			ctl_err_openssl(err, CTL_E_TOKEN,
					"%s: cannot load the PKCS#11 module",
					module);
		goto fail;
	}
	p->loaded = 1;
	if (PKCS11_enumerate_slots(p->ctx, &p->slots, &p->nslots) != 0) {
		p->slots = NULL;
		p->nslots = 0;
		if (!p11_blame(p, err))
			ctl_err_openssl(err, CTL_E_TOKEN,
					"%s: cannot list the slots", module);
		goto fail;
	}
	return p;
fail:
	p11_free(p);
	return NULL;
}

struct p11 *p11_ref(struct p11 *p)
{
	p->refs++;
	return p;
}

void p11_free(struct p11 *p)
{
	if (p == NULL || --p->refs > 0)
		return;
	if (p->slots != NULL)
		PKCS11_release_all_slots(p->ctx, p->slots, p->nslots);
	if (p->loaded)
		PKCS11_CTX_unload(p->ctx); /* finalizes the module */
	else if (p->started)
		(void)p->fl->C_Finalize(NULL);
	if (p->guard != NULL)
		p->guard->detach();
	if (p->guard_dl != NULL)
		dlclose(p->guard_dl);
	free(p->guard_path);
	PKCS11_CTX_free(p->ctx);
	if (p->dl != NULL)
		dlclose(p->dl);
	free(p->module);
	free(p);
	/* libp11 leaves its reasons on the queue of a process that goes on. */
	ERR_clear_error();
}

const char *p11_module(const struct p11 *p)
{
	return p->module;
}

size_t p11_nslots(const struct p11 *p)
{
	return p->nslots;
}

PKCS11_SLOT *p11_slot(const struct p11 *p, size_t i)
{
	return i < p->nslots ? &p->slots[i] : NULL;
}

unsigned long p11_slot_id(PKCS11_SLOT *slot)
{
	return PKCS11_get_slotid_from_slot(slot);
}

/* Token strings are blank-padded fields; libp11 may or may not trim. */
static int same_field(const char *want, const char *have)
{
	size_t a = strlen(want), b = have != NULL ? strlen(have) : 0;

	while (a > 0 && want[a - 1] == ' ')
		a--;
	while (b > 0 && have[b - 1] == ' ')
		b--;
	return a == b && (a == 0 || memcmp(want, have, a) == 0);
}

int p11_uri_match_token(const struct p11_uri *u, const PKCS11_TOKEN *t)
{
	return (u->token == NULL || same_field(u->token, t->label)) &&
	       (u->serial == NULL || same_field(u->serial, t->serialnr)) &&
	       (u->manufacturer == NULL ||
		same_field(u->manufacturer, t->manufacturer)) &&
	       (u->model == NULL || same_field(u->model, t->model));
}

PKCS11_SLOT *p11_find_token(struct p11 *p, struct ctl_err *err,
			    const struct p11_uri *u)
{
	PKCS11_SLOT *found = NULL;
	size_t nfound = 0;

	for (unsigned int i = 0; i < p->nslots; i++) {
		PKCS11_TOKEN *t = p->slots[i].token;

		if (t == NULL || !t->initialized || !p11_uri_match_token(u, t))
			continue;
		if (nfound++ == 0)
			found = &p->slots[i];
	}
	if (nfound == 0) {
		ctl_err_set(err, CTL_E_TOKEN,
			    "%s: no such token in %s (is it plugged in? `ctlsign tokens list` shows what is there)",
			    u->text, p->module);
		return NULL;
	}
	if (nfound > 1) {
		ctl_err_set(err, CTL_E_TOKEN,
			    "%s: %zu tokens match (same label?); name one with serial= (`ctlsign tokens list` shows the serials)",
			    u->text, nfound);
		return NULL;
	}
	return found;
}

static int cert_matches(const struct p11_uri *u, const PKCS11_CERT *c)
{
	if (u->object != NULL &&
	    (c->label == NULL || strcmp(u->object, c->label) != 0))
		return 0;
	if (u->has_id && (c->id_len != u->id_len ||
			  (u->id_len > 0 && memcmp(c->id, u->id, u->id_len) != 0)))
		return 0;
	return c->x509 != NULL;
}

PKCS11_CERT *p11_find_cert(struct ctl_err *err, PKCS11_SLOT *slot,
			   const struct p11_uri *u, int (*prefer)(X509 *))
{
	PKCS11_CERT *certs = NULL, *found = NULL;
	unsigned int n = 0;
	size_t nmatch = 0, npref = 0, nbad = 0;
	char label[LABEL_MAX];

	p11_printable(label, sizeof(label), slot->token->label);

	if (PKCS11_enumerate_certs(slot->token, &certs, &n) != 0) {
		ctl_err_openssl(err, CTL_E_TOKEN,
				"token %s: cannot list its certificates", label);
		return NULL;
	}
	for (unsigned int i = 0; i < n; i++) {
		if (cert_matches(u, &certs[i]))
			nmatch++;
		nbad += certs[i].x509 == NULL;
	}
	for (unsigned int i = 0; i < n && nmatch > 1 && prefer != NULL; i++)
		if (cert_matches(u, &certs[i]) && prefer(certs[i].x509))
			npref++;
	for (unsigned int i = 0; i < n; i++) {
		if (!cert_matches(u, &certs[i]) ||
		    (npref > 0 && !prefer(certs[i].x509)))
			continue;
		found = &certs[i];
		break;
	}
	if (nmatch == 0) {
		ctl_err_set(err, CTL_E_TOKEN,
			    n == 0 ? "token %s: holds no certificate" :
			    nbad == n ? "token %s: holds no certificate that parses" :
			    "token %s: no certificate matches the URI's object=/id=",
			    label);
		return NULL;
	}
	if (nmatch > 1 && npref != 1) {
		ctl_err_set(err, CTL_E_TOKEN,
			    "token %s: %zu certificates match; choose one with object= or id= in the URI",
			    label, npref > 1 ? npref : nmatch);
		return NULL;
	}
	return found;
}

/* PINs */

/* The CKR_* reason libp11 left on the OpenSSL queue, 0 if none. */
static unsigned long last_ckr(void)
{
	unsigned long e, ckr = 0;

	while ((e = ERR_get_error()) != 0)
		if (ERR_GET_LIB(e) == ERR_get_CKR_code())
			ckr = ERR_GET_REASON(e);
	return ckr;
}

static char *get_pin(struct ctl_err *err, const struct p11_uri *u,
		     const char *label, const struct ctl_asker *asker)
{
	char prompt[192];

	if (u->pin_source != NULL) {
		char *pin = ctl_read_secret_file(err, u->pin_source);

		if (pin == NULL)
			ctl_err_prefix(err, "pin-source");
		return pin;
	}
	/* label is printable (p11_printable): it goes to the terminal. */
	snprintf(prompt, sizeof(prompt), "PIN for token %s: ", label);
	return ctl_read_secret(err, asker, prompt, "CTLSIGN_PIN");
}

/*
 * What the token says after a wrong PIN. Its flags in t are those of the
 * enumeration before the attempt, and PKCS11_update_slots crashes with
 * several slots, so the slots are enumerated afresh into a second list.
 * Releasing that list may close the token's sessions: we are failing.
 */
static const char *pin_state_now(struct p11 *p, const PKCS11_TOKEN *t)
{
	const char *say = "; the token counts wrong PINs and locks after a few";
	PKCS11_SLOT *slots = NULL;
	unsigned int n = 0;

	if (PKCS11_enumerate_slots(p->ctx, &slots, &n) != 0) {
		ERR_clear_error();
		return say;
	}
	for (unsigned int i = 0; i < n; i++) {
		const PKCS11_TOKEN *now = slots[i].token;

		if (now == NULL || !same_field(t->label, now->label) ||
		    !same_field(t->serialnr, now->serialnr))
			continue;
		if (now->userPinLocked)
			say = "; the token is now LOCKED";
		else if (now->userPinFinalTry)
			say = "; ONE attempt is left now: another wrong PIN locks the token for good";
		else if (now->userPinCountLow)
			say = "; the token has counted wrong PINs and locks after a few more";
		break;
	}
	PKCS11_release_all_slots(p->ctx, slots, n);
	return say;
}

int p11_login(struct ctl_err *err, struct p11 *p, PKCS11_SLOT *slot,
	      const struct p11_uri *u, int final_try,
	      const struct ctl_asker *asker)
{
	PKCS11_TOKEN *t = slot->token;
	int logged_in = 0, rc;
	unsigned long ckr;
	char *pin = NULL, label[LABEL_MAX];

	p11_printable(label, sizeof(label), t->label);
	if (!t->loginRequired)
		return 1;
	if (PKCS11_is_logged_in(slot, 0, &logged_in) == 0 && logged_in)
		return 1;
	if (t->userPinLocked)
		return ctl_err_set(err, CTL_E_TOKEN,
				   "token %s: the user PIN is locked; no PIN was tried (unlock it with the token's administrator tools, or use the other token)",
				   label);
	if (t->userPinFinalTry && !final_try)
		return ctl_err_set(err, CTL_E_TOKEN,
				   "token %s: one PIN attempt is left and a wrong PIN now locks the token for good; no PIN was tried (make sure of the PIN, then add --final-try)",
				   label);
	if (t->secureLogin) {
		/* The PIN pad asks; the PIN never passes through us. */
		rc = PKCS11_login(slot, 0, NULL);
	} else {
		pin = get_pin(err, u, label, asker);
		if (pin == NULL)
			return 0;
		/* An unset CI secret must not cost one of the token's attempts. */
		if (pin[0] == '\0') {
			burn_str(pin);
			return ctl_err_set(err, CTL_E_TOKEN,
					   "token %s: the PIN is empty; no PIN was tried",
					   label);
		}
		/*
		 * libp11 keeps its own copy of a PIN that logged in (to log
		 * in again after a fork) and wipes it when the slots are
		 * released, which p11_free does when the build is done.
		 */
		rc = PKCS11_login(slot, 0, pin);
		burn_str(pin);
		pin = NULL;
	}
	if (rc == 0)
		return 1;
	ckr = last_ckr();
	switch (ckr) {
	case CKR_PIN_INCORRECT:
		return ctl_err_set(err, CTL_E_TOKEN, "token %s: wrong PIN%s",
				   label, pin_state_now(p, t));
	case CKR_PIN_LOCKED:
		return ctl_err_set(err, CTL_E_TOKEN,
				   "token %s: the user PIN is locked", label);
	case CKR_PIN_LEN_RANGE:
	case CKR_PIN_INVALID:
		return ctl_err_set(err, CTL_E_TOKEN,
				   "token %s: the PIN has the wrong length or characters",
				   label);
	default:
		return ctl_err_set(err, CTL_E_TOKEN,
				   "token %s: login failed (PKCS#11 error 0x%lx)",
				   label, ckr);
	}
}

/* Signer */

struct p11_signer {
	struct p11 *p;
	EVP_PKEY *key;
};

static int tok_sign(struct ctl_signer *s, struct ctl_err *err, uint8_t *out,
		    size_t out_len, const EVP_MD *md,
		    const struct ctl_span *spans, size_t nspans)
{
	struct p11_signer *ps = s->impl;

	if (!ctl_evp_sign(ps->key, err, out, out_len, md, spans, nspans)) {
		if (p11_blame(ps->p, err))
			return 0;
		ctl_err_prefix(err, "token %s", s->label);
		return 0;
	}
	return 1;
}

/* The key refers to the module: free it before the module goes. */
static void tok_release(struct p11_signer *ps)
{
	EVP_PKEY_free(ps->key);
	p11_free(ps->p);
	free(ps);
}

static void tok_free(struct ctl_signer *s)
{
	if (s->impl == NULL)
		return;
	tok_release(s->impl);
	s->impl = NULL;
}

static const struct ctl_signer_ops tok_ops = { tok_sign, tok_free };

/* The private key of cert: same CKA_ID, else same public key. */
static PKCS11_KEY *find_key(struct ctl_err *err, PKCS11_SLOT *slot,
			    PKCS11_CERT *cert)
{
	EVP_PKEY *want = X509_get0_pubkey(cert->x509);
	PKCS11_KEY *keys = NULL;
	unsigned int n = 0;
	char label[LABEL_MAX], object[LABEL_MAX];

	p11_printable(label, sizeof(label), slot->token->label);
	if (PKCS11_enumerate_keys(slot->token, &keys, &n) != 0) {
		ctl_err_openssl(err, CTL_E_TOKEN, "token %s: cannot list its keys",
				label);
		return NULL;
	}
	for (unsigned int i = 0; i < n; i++)
		if (keys[i].isPrivate && cert->id_len > 0 &&
		    keys[i].id_len == cert->id_len &&
		    memcmp(keys[i].id, cert->id, cert->id_len) == 0)
			return &keys[i];
	for (unsigned int i = 0; i < n && want != NULL; i++) {
		EVP_PKEY *pub;
		int same;

		if (!keys[i].isPrivate)
			continue;
		/*
		 * The private key object carries the modulus and exponent;
		 * PKCS11_get_public_key would look for a public key object
		 * (an eToken may hold none) and leaks in libp11 0.4.12.
		 */
		pub = PKCS11_get_private_key(&keys[i]);
		same = pub != NULL && EVP_PKEY_eq(pub, want) == 1;
		EVP_PKEY_free(pub);
		if (same)
			return &keys[i];
	}
	ERR_clear_error();
	ctl_err_set(err, CTL_E_TOKEN,
		    "token %s: no private key matches certificate '%s' (by id or public key)",
		    label, p11_printable(object, sizeof(object), cert->label));
	return NULL;
}

struct ctl_signer *p11_signer_new(struct ctl_err *err, struct p11 *p,
				  PKCS11_SLOT *slot, PKCS11_CERT *cert,
				  const char *label)
{
	struct p11_signer *ps = NULL;
	struct ctl_signer *s = NULL;
	PKCS11_KEY *key;
	X509 *x = NULL;
	char tlabel[LABEL_MAX], slabel[LABEL_MAX];

	p11_printable(tlabel, sizeof(tlabel), slot->token->label);
	key = find_key(err, slot, cert);
	if (key == NULL)
		return NULL;
	if (PKCS11_get_key_type(key) != EVP_PKEY_RSA) {
		ctl_err_set(err, CTL_E_TOKEN,
			    "token %s: the key is not RSA; phones verify RSA signatures only",
			    tlabel);
		return NULL;
	}
	ps = calloc(1, sizeof(*ps));
	if (ps == NULL || !X509_up_ref(cert->x509)) {
		free(ps);
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		return NULL;
	}
	x = cert->x509;
	ps->key = PKCS11_get_private_key(key);
	if (ps->key == NULL) {
		ctl_err_openssl(err, CTL_E_TOKEN,
				"token %s: cannot use the private key",
				tlabel);
		goto fail;
	}
	ps->p = p11_ref(p);
	/* The label is printed (messages, build summary): made printable. */
	s = ctl_signer_new(&tok_ops, ps, x,
			   p11_printable(slabel, sizeof(slabel), label));
	if (s == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		goto fail;
	}
	s->etoken = 1;
	return s;
fail:
	tok_release(ps);
	X509_free(x);
	return NULL;
}
