/*
 * p11.h - PKCS#11 access through libp11 on OpenSSL 3: load a module,
 * enumerate slots and tokens, pick tokens and objects with RFC 7512
 * URIs, log in under the PIN policy, and sign through the engine's
 * signer interface. Nothing here knows about SAST eTokens (tokens/ does).
 */
#ifndef CTLSIGN_P11_H
#define CTLSIGN_P11_H

#include <stddef.h>
#include <stdint.h>

#include <libp11.h>
#include <openssl/x509.h>

#include "err.h"
#include "signer.h"

struct ctl_asker;

/*
 * A parsed PKCS#11 URI (RFC 7512). Only the attributes ctlsign uses are
 * kept; every string is percent-decoded and owned (p11_uri_cleanup).
 * NULL means "not given: matches anything".
 */
struct p11_uri {
	char *token;         /* token label */
	char *serial;        /* token serial number */
	char *manufacturer;  /* token manufacturer */
	char *model;         /* token model */
	char *object;        /* object label (CKA_LABEL) */
	uint8_t id[64];      /* object id (CKA_ID) */
	size_t id_len;
	int has_id;
	char *module_path;   /* query: module-path= */
	char *pin_source;    /* query: pin-source= (a file; file: URIs too) */
	char *text;          /* the URI as given, for messages */
};

/*
 * p11_uri_parse parses s ("pkcs11:token=...;id=%01?pin-source=...") with
 * p11-kit's parser (libp11-kit, loaded on first use, p11/uri.c), after
 * a check of its own that makes each refusal one line naming the
 * attribute. pin-value (a PIN on the command line), anywhere in s, in any
 * case and percent-encoding, is refused before anything is parsed. So
 * are: an attribute other than the fields above, type= and, ignored, the
 * library-* and slot-* of the path and module-name= of the query (a
 * token is told apart by its serial); one given twice; a bad percent
 * escape; a NUL in a value but id=; a value longer than its PKCS#11
 * field (token= 32 bytes, serial= 16, id= 64); a type= other than cert,
 * private or public; a query value holding ';' or '?'. A blank typed in
 * a value is part of it (p11-kit alone would drop it), and an empty
 * attribute (";;") is skipped. All refusals are CTL_E_USAGE; a missing
 * libp11-kit is CTL_E_TOKEN. text keeps the URI for messages with "***"
 * for the value of every attribute but the token, object and library
 * ones of the path and pin-source=, module-path= and module-name= of the
 * query, and for every segment that is not name=value, so that no PIN
 * typed into a URI is repeated. On failure *out is left cleaned.
 */
int p11_uri_parse(struct p11_uri *out, struct ctl_err *err, const char *s);
/* p11_uri_cleanup frees what p11_uri_parse allocated; safe twice. */
void p11_uri_cleanup(struct p11_uri *u);

/*
 * p11_token_uri returns the URI of token t as p11-kit formats it
 * (pkcs11:model=...;manufacturer=...;serial=...;token=...), and
 * p11_cert_uri the URI of its certificate c (the same, then
 * ;id=...;object=...;type=cert, without id= or object= if c has none).
 * Every byte but letters, digits and "-_." is percent-encoded, so the
 * result is printable ASCII, and p11_uri_parse reads it back to the same
 * token and certificate. Returns a string to free(), or NULL with err
 * set.
 */
char *p11_token_uri(struct ctl_err *err, const PKCS11_TOKEN *t);
char *p11_cert_uri(struct ctl_err *err, const PKCS11_TOKEN *t,
		   const PKCS11_CERT *c);

/*
 * p11_default_module picks the module when none is given: env
 * CTLSIGN_PKCS11_MODULE, else p11-kit's proxy, else a SafeNet eToken
 * module, if installed. Returns a static or environment string, or NULL.
 */
const char *p11_default_module(void);

/*
 * p11_printable copies s (NULL: "") into out for printing, made safe by
 * the engine's one sanitizer (ctl_text_cstr, trustlist/text.h): every
 * control character (C0, DEL, C1), bidi control and invalid UTF-8 byte is
 * shown as \xNN, so that a label or name read from a module cannot drive
 * or fool a terminal. Truncated to fit out_len (> 0), never inside a
 * character or an escape. Returns out.
 */
const char *p11_printable(char *out, size_t out_len, const char *s);

struct p11;

/*
 * p11_open loads module (NULL: p11_default_module) and enumerates its
 * slots. Before libp11 gets the module, it is loaded and questioned
 * here: C_GetFunctionList must exist and give a Cryptoki 2.x or 3.x list
 * with every function libp11 calls, C_Initialize must succeed and
 * C_GetSlotList must answer at most 1024 slots; a module that fails is
 * an error naming it, not a crash in libp11. Returns NULL with err set
 * (CTL_E_TOKEN) on failure. The handle
 * is reference counted: p11_ref adds one, p11_free drops one.
 */
struct p11 *p11_open(struct ctl_err *err, const char *module);
/*
 * libp11 then loads the module through ctlsign's guard (p11/p11guard.h),
 * which checks every answer (counts within the caller's room and at most
 * 1024 slots, lengths within the caller's buffer and at most 64 KiB) and
 * turns a wrong one into a PKCS#11 error; from then on the module gets
 * nothing more (no PIN). p11_blame: if the guard caught p's module, err
 * becomes one line naming the module and what it got wrong (CTL_E_TOKEN)
 * and 1 is returned; else 0 and err is left alone. Call it when an
 * operation on p failed, before p11_free.
 */
int p11_blame(const struct p11 *p, struct ctl_err *err);
struct p11 *p11_ref(struct p11 *p);
void p11_free(struct p11 *p);
/* p11_module returns the module path in use (owned by p). */
const char *p11_module(const struct p11 *p);
/* p11_nslots / p11_slot: the enumerated slots, borrowed from p. */
size_t p11_nslots(const struct p11 *p);
PKCS11_SLOT *p11_slot(const struct p11 *p, size_t i);
/* p11_slot_id returns the PKCS#11 slot id of slot. */
unsigned long p11_slot_id(PKCS11_SLOT *slot);

/* p11_uri_match_token tells whether token t matches u's token attributes. */
int p11_uri_match_token(const struct p11_uri *u, const PKCS11_TOKEN *t);

/*
 * p11_find_token returns the one slot whose token matches u (borrowed
 * from p). No token, or several (e.g. two tokens with the same label),
 * is a CTL_E_TOKEN error that says how to tell them apart.
 */
PKCS11_SLOT *p11_find_token(struct p11 *p, struct ctl_err *err,
			    const struct p11_uri *u);

/*
 * p11_find_cert returns the token's certificate chosen by u's object=
 * and id= (borrowed from libp11). When several match, those for which
 * prefer() returns 1 are kept (prefer may be NULL); more than one left
 * is an error asking for object= or id=.
 */
PKCS11_CERT *p11_find_cert(struct ctl_err *err, PKCS11_SLOT *slot,
			   const struct p11_uri *u, int (*prefer)(X509 *));

/*
 * p11_login logs in to slot's token as the user, under the PIN policy:
 * a locked PIN stops; a PIN on its final try stops unless final_try;
 * a token with a PIN pad (protected authentication path) gets no PIN.
 * Otherwise the PIN comes from u's pin-source= file (the PIN and at most
 * one line end; a regular file of at most 1 KiB that no other user can
 * read or change), else CTLSIGN_PIN, else asker (the program's no-echo
 * prompt; NULL: nobody to ask), under the one secret policy of
 * ctl_read_secret (a refused
 * PIN is CTL_E_USAGE, nothing tried), and is wiped right after use. An
 * empty PIN is never tried.
 * The flags read are those of the enumeration at p11_open (libp11 takes
 * them once), which happens in the same process just before. After a
 * wrong PIN the message says what the token reports now (attempts left).
 */
int p11_login(struct ctl_err *err, struct p11 *p, PKCS11_SLOT *slot,
	      const struct p11_uri *u, int final_try,
	      const struct ctl_asker *asker);

/*
 * p11_signer_new makes a signer with cert's private key on slot's token
 * (logged in): the key with cert's CKA_ID, else the one whose public key
 * is cert's. Takes a reference to p; up-refs the certificate.
 * label names the token in messages. NULL with err set on failure.
 */
struct ctl_signer *p11_signer_new(struct ctl_err *err, struct p11 *p,
				  PKCS11_SLOT *slot, PKCS11_CERT *cert,
				  const char *label);

#endif
