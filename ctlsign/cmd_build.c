/*
 * cmd_build.c - `ctlsign build`: a CTL or ITL from certificates, signed
 * tokenlessly with a key file or with SAST eTokens.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/sha.h>

#include "cmd.h"
#include "prompt.h"
#include "tokens/tokens.h"
#include "trustlist.h"
#include "util.h"

static const char build_usage[] =
	"usage: ctlsign build -o FILE (--sign-key KEY --sign-cert CERT | --sign-token URI)\n"
	"                     [ROLE FILE[,dns=NAME][,ip=A.B.C.D]]... [options]\n"
	"\n"
	"Builds a CTLFile.tlv (or, with --itl, an ITLFile.tlv) in CUCM's layout and signs it.\n"
	"Records are written in command-line order. Tokenless signing puts the signer's\n"
	"certificate first as a SAST record, with the DNS name and IP address of the\n"
	"server record that carries the same certificate.\n"
	"\n"
	"roles:\n"
	"  --sast SPEC        System Administrator Security Token (e.g. ITLRecovery, Phone-SAST-trust)\n"
	"  --ccm SPEC         CCM          --ccm-tftp SPEC    CCM+TFTP (CallManager.pem)\n"
	"  --tftp SPEC        TFTP         --capf SPEC        CAPF\n"
	"  --app-server SPEC  APP-SERVER   --tvs SPEC         TVS\n"
	"\n"
	"signing:\n"
	"  --sign-key KEY     PEM private key (passphrase asked, or CTLSIGN_KEY_PASSPHRASE)\n"
	"  --sign-cert CERT   its certificate (PEM or DER)\n"
	"  --sign-token URI   sign with a SAST eToken (PKCS#11 URI, e.g. pkcs11:token=SAST-ADN...)\n"
	"  --sast-token URI   add another eToken's certificate as a SAST record (repeatable)\n"
	"  --module PATH      PKCS#11 module (default: the URI's module-path=,\n"
	"                     $CTLSIGN_PKCS11_MODULE, p11-kit proxy, SafeNet eToken module)\n"
	"  --allow-single-token  accept an eToken CTL with one token (not recommended)\n"
	"  --final-try        allow a PIN attempt that would lock the token if wrong\n"
	"\n"
	"options:\n"
	"  -o, --output FILE  where to write (atomically; the old file survives any failure)\n"
	"  --itl              build an ITL (records as CUCM writes them in ITLFile.tlv)\n"
	"  --digest ALG       sha1 (default, every phone), sha256, sha512\n"
	"  --timestamp SECS   TIMESTAMP element (default $SOURCE_DATE_EPOCH, else now)\n"
	"  --filename NAME    FILENAME element (default CTLFile.tlv / ITLFile.tlv)\n"
	"  --from OLD         start from the records of OLD, copied byte for byte\n"
	"  --remove SEL       drop a record of OLD: its number (as `show` prints) or sha1:HEX\n"
	"  --from-signer CERT OLD may be signed by CERT (default: only by the new signer)\n"
	"  --held-itl ITL     with --from OLD (a CTL): the ITL the phones hold, for the\n"
	"                     warning about who takes the new file (as `check` says it)\n"
	"  --held-ctl CTL     with --from OLD (an ITL): the CTL the phones hold\n"
	"  --trust-store DIR  with --from: the cluster's trust store (as for `check`)\n"
	"  --tvs-cert CERT    with --from: the certificate TVS presents (check's --tvs; up to 8)\n"
	"  --signer-version M.N  write the signer-version element (tag 28)\n"
	"  -q, --quiet        print nothing on success\n"
	"  -h, --help         this text\n";

enum {
	OPT_SAST = 256, OPT_CCM, OPT_CCM_TFTP, OPT_TFTP, OPT_CAPF,
	OPT_APP_SERVER, OPT_TVS, OPT_SIGN_KEY, OPT_SIGN_CERT, OPT_SIGN_TOKEN,
	OPT_SAST_TOKEN, OPT_MODULE, OPT_ALLOW_SINGLE, OPT_FINAL_TRY, OPT_ITL,
	OPT_DIGEST, OPT_TIMESTAMP, OPT_FILENAME, OPT_FROM, OPT_REMOVE,
	OPT_SIGNER_VERSION, OPT_FROM_SIGNER, OPT_HELD_ITL, OPT_HELD_CTL, OPT_TRUST_STORE,
	OPT_TVS_CERT,
};

static const struct option build_opts[] = {
	{ "sast", required_argument, NULL, OPT_SAST },
	{ "ccm", required_argument, NULL, OPT_CCM },
	{ "ccm-tftp", required_argument, NULL, OPT_CCM_TFTP },
	{ "tftp", required_argument, NULL, OPT_TFTP },
	{ "capf", required_argument, NULL, OPT_CAPF },
	{ "app-server", required_argument, NULL, OPT_APP_SERVER },
	{ "tvs", required_argument, NULL, OPT_TVS },
	{ "sign-key", required_argument, NULL, OPT_SIGN_KEY },
	{ "sign-cert", required_argument, NULL, OPT_SIGN_CERT },
	{ "sign-token", required_argument, NULL, OPT_SIGN_TOKEN },
	{ "sast-token", required_argument, NULL, OPT_SAST_TOKEN },
	{ "module", required_argument, NULL, OPT_MODULE },
	{ "allow-single-token", no_argument, NULL, OPT_ALLOW_SINGLE },
	{ "final-try", no_argument, NULL, OPT_FINAL_TRY },
	{ "itl", no_argument, NULL, OPT_ITL },
	{ "digest", required_argument, NULL, OPT_DIGEST },
	{ "timestamp", required_argument, NULL, OPT_TIMESTAMP },
	{ "filename", required_argument, NULL, OPT_FILENAME },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "from-signer", required_argument, NULL, OPT_FROM_SIGNER },
	{ "held-itl", required_argument, NULL, OPT_HELD_ITL },
	{ "held-ctl", required_argument, NULL, OPT_HELD_CTL },
	{ "trust-store", required_argument, NULL, OPT_TRUST_STORE },
	{ "tvs-cert", required_argument, NULL, OPT_TVS_CERT },
	{ "remove", required_argument, NULL, OPT_REMOVE },
	{ "signer-version", required_argument, NULL, OPT_SIGNER_VERSION },
	{ "output", required_argument, NULL, 'o' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* A role flag as typed: the record comes from it once certificates load. */
struct role_arg {
	uint16_t role;
	char *arg;
};

struct build {
	struct role_arg *roles;
	size_t nroles;
	const char **sast_uris;
	size_t nsast;
	const char **removes;
	size_t nremoves;
	struct ctl_rec_spec *specs;
	size_t nspecs;
	X509 **certs; /* owned, freed at the end */
	size_t ncerts;
	char **dns;   /* owned copies of dns= values */
	size_t ndns;
};

static int grow(void *pp, size_t n, size_t size)
{
	void *p = realloc(*(void **)pp, (n + 1) * size);

	if (p == NULL)
		return 0;
	*(void **)pp = p;
	return 1;
}

/*
 * attrs_start: where FILE ends in s (FILE[,ATTR=VALUE]...): at the first
 * ',' that starts an attribute, a word and '=' (or "dns" or "ip" alone:
 * a value forgotten), so that a mistyped attribute (",dn=x") is named as
 * one instead of being read as part of a file name that does not exist.
 * A file whose own name holds such a part is still found when it exists:
 * then only ",dns=" and ",ip=" end it, as they always did. NULL: no
 * attributes.
 */
static char *attrs_start(char *s)
{
	static const char word[] = "abcdefghijklmnopqrstuvwxyz"
				   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
	char *p, *known;
	struct stat st;
	int exists;

	for (known = s; (known = strchr(known, ',')) != NULL; known++)
		if (strncmp(known, ",dns=", 5) == 0 || strncmp(known, ",ip=", 4) == 0)
			break;
	if (known != NULL)
		*known = '\0';
	exists = stat(s, &st) == 0;
	if (known != NULL)
		*known = ',';
	if (exists)
		return known;
	for (p = s; (p = strchr(p, ',')) != NULL; p++) {
		size_t w = strspn(p + 1, word);

		if (w > 0 && (p[1 + w] == '=' ||
			      ((p[1 + w] == ',' || p[1 + w] == '\0') &&
			       ((w == 3 && strncmp(p + 1, "dns", 3) == 0) ||
				(w == 2 && strncmp(p + 1, "ip", 2) == 0)))))
			return p;
	}
	return known;
}

/* Parses "FILE[,dns=NAME][,ip=A.B.C.D]" into spec (cert loaded). */
static int parse_spec(struct build *b, struct ctl_err *err,
		      struct ctl_rec_spec *spec, const char *arg)
{
	char *copy = strdup(arg), *opt;
	X509 *cert = NULL;
	int ok = 0;

	if (copy == NULL)
		return ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
	opt = attrs_start(copy);
	if (opt != NULL)
		*opt++ = '\0';
	while (opt != NULL) {
		char *next = strchr(opt, ',');

		if (next != NULL)
			*next++ = '\0';
		if (strncmp(opt, "dns=", 4) == 0) {
			size_t n = strlen(opt + 4);

			if (n == 0 || n > 253 || strspn(opt + 4,
				"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") != n) {
				ctl_err_set(err, CTL_E_USAGE,
					    "%s: dns=%s is not a host name", arg,
					    opt + 4);
				goto out;
			}
			if (!grow(&b->dns, b->ndns, sizeof(char *)) ||
			    (b->dns[b->ndns] = strdup(opt + 4)) == NULL) {
				ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
				goto out;
			}
			spec->dns = b->dns[b->ndns++];
		} else if (strncmp(opt, "ip=", 3) == 0) {
			if (inet_pton(AF_INET, opt + 3, spec->ip) != 1) {
				ctl_err_set(err, CTL_E_USAGE,
					    "%s: ip=%s is not an IPv4 address",
					    arg, opt + 3);
				goto out;
			}
			spec->has_ip = 1;
		} else {
			size_t w = strcspn(opt, "=");

			/* The piece that is wrong, by itself: the file is not. */
			if (opt[w] == '\0' && (strcmp(opt, "dns") == 0 || strcmp(opt, "ip") == 0))
				ctl_err_set(err, CTL_E_USAGE, "%s: attribute '%s' without "
					    "its value (%s)", arg, opt, opt[0] == 'd' ?
					    "dns=NAME" : "ip=A.B.C.D");
			else
				ctl_err_set(err, CTL_E_USAGE, "%s: unknown attribute '%.*s' "
					    "(dns=NAME or ip=A.B.C.D)", arg, (int)w, opt);
			goto out;
		}
		opt = next;
	}
	cert = ctl_load_cert(err, copy);
	if (cert == NULL)
		goto out;
	if (!grow(&b->certs, b->ncerts, sizeof(X509 *))) {
		X509_free(cert);
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		goto out;
	}
	b->certs[b->ncerts++] = cert;
	spec->cert = cert;
	ok = 1;
out:
	free(copy);
	return ok;
}

static int add_spec(struct build *b, struct ctl_err *err,
		    const struct ctl_rec_spec *spec, int at_front)
{
	if (!grow(&b->specs, b->nspecs, sizeof(*spec)))
		return ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
	if (at_front) {
		memmove(b->specs + 1, b->specs, b->nspecs * sizeof(*spec));
		b->specs[0] = *spec;
	} else {
		b->specs[b->nspecs] = *spec;
	}
	b->nspecs++;
	return 1;
}

/* Is the record number i (0-based) of old named by a --remove? */
static int removed(const struct build *b, const struct ctl_record *r, size_t i)
{
	for (size_t k = 0; k < b->nremoves; k++) {
		const char *sel = b->removes[k];

		if (strncmp(sel, "sha1:", 5) == 0) {
			char hex[2 * SHA_DIGEST_LENGTH + 1];

			if (!ctl_record_sha1_hex(hex, r, 0, 0))
				continue;
			if (strcasecmp(hex, sel + 5) == 0)
				return 1;
		} else {
			unsigned long v;

			if (cmd_parse_uint(sel, SIZE_MAX, &v) && v == i + 1)
				return 1;
		}
	}
	return 0;
}

static int check_removes(const struct build *b, struct ctl_err *err,
			 const struct ctl_file *old)
{
	for (size_t k = 0; k < b->nremoves; k++) {
		const char *sel = b->removes[k];
		int found = 0;

		if (strncmp(sel, "sha1:", 5) != 0) {
			unsigned long v;

			if (!cmd_parse_uint(sel, old->nrecs, &v) || v == 0)
				return ctl_err_set(err, CTL_E_USAGE,
						   "--remove %s: the old file has records 1 to %zu",
						   sel, old->nrecs);
			continue;
		}
		for (size_t i = 0; i < old->nrecs && !found; i++) {
			struct build one = { .removes = &sel, .nremoves = 1 };

			found = removed(&one, &old->recs[i], i);
		}
		if (!found)
			return ctl_err_set(err, CTL_E_USAGE,
					   "--remove %s: no record of the old file has that certificate",
					   sel);
	}
	return 1;
}

/* A SAST record for the signer's certificate, first, unless one exists. */
static int add_signer_sast(struct build *b, struct ctl_err *err,
			   X509 *cert, enum ctl_kind kind, int etoken)
{
	struct ctl_rec_spec sast = { .role = ROLE_SAST, .cert = cert };

	for (size_t i = 0; i < b->nspecs; i++)
		if (b->specs[i].role == ROLE_SAST &&
		    ctl_spec_same_cert(&b->specs[i], cert))
			return 1;
	sast.style = etoken ? STYLE_ETOKEN : ctl_style_for(kind, ROLE_SAST);
	/* As CUCM does: the DNS name and address of the same server's record. */
	for (size_t i = 0; i < b->nspecs && !etoken; i++) {
		if (b->specs[i].cert != NULL &&
		    X509_cmp(b->specs[i].cert, cert) == 0) {
			sast.dns = b->specs[i].dns;
			memcpy(sast.ip, b->specs[i].ip, 4);
			sast.has_ip = b->specs[i].has_ip;
			break;
		}
	}
	return add_spec(b, err, &sast, 1);
}

static int check_duplicates(const struct build *b, struct ctl_err *err)
{
	for (size_t i = 0; i < b->nspecs; i++)
		for (size_t j = i + 1; j < b->nspecs; j++)
			if (b->specs[i].role == b->specs[j].role &&
			    b->specs[j].cert != NULL &&
			    ctl_spec_same_cert(&b->specs[i], b->specs[j].cert))
				return ctl_err_set(err, CTL_E_USAGE,
						   "records %zu and %zu carry the same certificate in the same role",
						   i + 1, j + 1);
	return 1;
}

/* same_der: does record r carry certificate x, byte for byte? */
static int same_der(const struct ctl_record *r, X509 *x)
{
	struct ctl_rec_spec spec = { .role = r->role, .copy = r };

	return ctl_spec_same_cert(&spec, x);
}

/*
 * from_signer_trusted: OLD verifying proves only that it is consistent
 * with itself, which any key can arrange (take the cluster's CTL, add a
 * record, sign it with your own key). What makes OLD a file to build on is
 * who signed it: its signer's certificate must be one the operator vouches
 * for on this command line, byte for byte: the new signer's, a token
 * certificate in hand, or one given with --from-signer.
 */
static int from_signer_trusted(struct ctl_err *err, const char *from,
			       const struct ctl_file *old, X509 *signer_cert,
			       X509 *const *tcerts, size_t ntcerts,
			       const char *const *paths, size_t npaths)
{
	const struct ctl_record *r = &old->recs[ctl_find_signer(old)];
	char hex[3 * SHA_DIGEST_LENGTH];
	int same = same_der(r, signer_cert);

	for (size_t i = 0; i < ntcerts && !same; i++)
		same = same_der(r, tcerts[i]);
	for (size_t i = 0; i < npaths && !same; i++) {
		X509 *x = ctl_load_cert(err, paths[i]);

		if (x == NULL)
			return 0;
		same = same_der(r, x);
		X509_free(x);
	}
	if (same)
		return 1;
	ctl_record_sha1_hex(hex, r, ':', 1);
	if (ntcerts > 0 && r->cert.present) {
		/* Signed by another eToken: say which, and the two ways on. */
		const unsigned char *der = r->cert.p;
		X509 *x = d2i_X509(NULL, &der, r->cert.n);
		char file[128];
		int sast = x != NULL && tokens_is_sast(x) &&
			   tokens_export_name(file, sizeof(file), x, 0);

		X509_free(x);
		ERR_clear_error();
		if (sast) {
			file[strlen(file) - 4] = '\0';
			return ctl_err_set(err, CTL_E_VERIFY,
					   "--from %s: signed by token %s (certificate SHA-1 %s), which is "
					   "not given here; build only on a file whose signer you trust: if "
					   "it is the cluster's CTL, sign with that token, or give its "
					   "certificate with --from-signer (%s.cer, as `ctlsign tokens "
					   "export` wrote it)", from, file, hex, file);
		}
	}
	return ctl_err_set(err, CTL_E_VERIFY,
			   "--from %s: signed by %.*s (certificate SHA-1 %s), which is neither the new signer "
			   "nor a certificate given with --from-signer; build only on a file whose signer "
			   "you trust: if this is the cluster's signer, add --from-signer CERT",
			   from, (int)strnlen((const char *)r->subject.p, r->subject.n),
			   (const char *)r->subject.p, hex);
}

/*
 * sast_records: the certificates of the SAST records the new file holds
 * before the tokens are read (OLD's kept, --sast files), for the
 * two-token rule and for the messages about a token that is not here.
 * Each holds a reference: free with free_sast_records.
 */
static int sast_records(const struct build *b, struct ctl_err *err,
			const struct ctl_file *old,
			struct tokens_sast_rec **out, size_t *out_n)
{
	struct tokens_sast_rec *r = calloc(b->nspecs + 1, sizeof(*r));
	size_t n = 0;

	*out = r;
	*out_n = 0;
	if (r == NULL)
		return ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
	for (size_t i = 0; i < b->nspecs; i++) {
		const struct ctl_rec_spec *s = &b->specs[i];
		const unsigned char *der;
		X509 *x = NULL;

		if (s->role != ROLE_SAST)
			continue;
		if (s->cert != NULL && X509_up_ref(s->cert)) {
			x = s->cert;
		} else if (s->copy != NULL && s->copy->cert.present) {
			/* A record whose certificate does not parse is no eToken's. */
			der = s->copy->cert.p;
			x = d2i_X509(NULL, &der, s->copy->cert.n);
			ERR_clear_error();
		}
		if (x == NULL)
			continue;
		r[n].cert = x;
		r[n++].old_rec = s->copy != NULL ? (size_t)(s->copy - old->recs) + 1 : 0;
	}
	*out_n = n;
	return 1;
}

static void free_sast_records(struct tokens_sast_rec *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		X509_free(r[i].cert);
	free(r);
}

/*
 * Will phones holding the old file (and held, the other kind) take the new
 * one? The verdict of `check --ctl/--itl ... --trust-store ... NEW`, word
 * for word, for each phone class that does not simply take it.
 */
static void warn_trust(const struct ctl_file *old, const char *old_path,
		       const struct ctl_file *neu, const char *new_path,
		       const struct ctl_file *held, const char *held_path,
		       const struct ctl_trust_store *store, const char *store_dir,
		       X509 *const *tvs, size_t ntvs)
{
	const struct ctl_file *files[1] = { neu };
	const char *names[1] = { new_path };
	int itl = neu->kind == KIND_ITL;
	struct ctl_trust_input in = {
		itl ? held : old, itl ? old : held, itl ? held_path : old_path,
		itl ? old_path : held_path, store, store_dir, tvs, ntvs, files, names, 1, 0 };
	struct ctl_trust_step *st = calloc(1, sizeof(*st));
	char line[CTL_REASON_MAX + 128];
	struct ctl_err err;

	ctl_err_init(&err);
	if (st == NULL || !ctl_trust_plan(st, &err, &in)) {
		cmd_warn("%s: cannot tell which phones take it: %s", new_path,
			 st == NULL ? "out of memory" : err.msg);
		free(st);
		return;
	}
	for (int c = 0; c < CTL_NPHONES; c++) {
		enum ctl_verdict v = st->phone[c].verdict;

		if (v == VERDICT_DIRECT || v == VERDICT_FIRST || v == VERDICT_NOT_USED)
			continue;
		cmd_trust_line(line, sizeof(line), c, &st->phone[c]);
		cmd_warn("%s: %s", new_path, line);
	}
	/*
	 * An ITL judged without --held-ctl is judged for phones holding no
	 * CTL. In a mixed-mode cluster a phone holding nothing downloads the
	 * served CTL first and then takes the ITL only if a CCM+TFTP of that
	 * CTL signed it (R6a), which is not judged: say so. (A CTL without
	 * --held-itl is judged with the ITL unknown, and its lines say so.)
	 */
	if (itl && held == NULL)
		cmd_warn("%s: judged for phones that hold no CTL (no --held-ctl): if the cluster is in "
			 "mixed mode, what phones holding nothing (reset, new) do depends on the CTL it "
			 "serves: they take this ITL only if a CCM+TFTP record of that CTL is its signer; "
			 "give --held-ctl CTL to judge it", new_path);
	free(st);
}

static uint16_t role_of(int opt)
{
	switch (opt) {
	case OPT_SAST: return ROLE_SAST;
	case OPT_CCM: return ROLE_CCM;
	case OPT_CCM_TFTP: return ROLE_CCM_TFTP;
	case OPT_TFTP: return ROLE_TFTP;
	case OPT_CAPF: return ROLE_CAPF;
	case OPT_APP_SERVER: return ROLE_APP_SERVER;
	default: return ROLE_TVS;
	}
}

/*
 * The preview of cmd_build_preview: the same build, laid out by an
 * unsigned signer (no key, no PIN) and kept in memory, never written.
 */
static struct {
	int on;
	uint8_t *out;
	size_t len;
} preview;

int cmd_build_preview(int argc, char **argv, uint8_t **out, size_t *out_len)
{
	int rc;

	preview.on = 1;
	preview.out = NULL;
	preview.len = 0;
	rc = cmd_build(argc, argv);
	preview.on = 0;
	*out = preview.out;
	*out_len = preview.len;
	preview.out = NULL;
	if (rc != 0) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

int cmd_build(int argc, char **argv)
{
	struct build b = { 0 };
	struct ctl_build_opts o = { .kind = KIND_CTL, .digest = DIGEST_SHA1,
				    .ver_major = 1, .ver_minor = 2 };
	const char *out_path = NULL, *key = NULL, *certp = NULL, *sign_uri = NULL;
	const char *module = NULL, *ts = NULL, *from = NULL;
	const char *from_signers[8], *held_path = NULL, *store_dir = NULL, *tvs_paths[8];
	X509 *tvs[8] = { NULL };
	size_t ntvs = 0;
	int held_opt = 0;
	struct ctl_file held = { 0 };
	struct ctl_trust_store *store = NULL;
	size_t nfrom_signers = 0;
	int allow_single = 0, final_try = 0, quiet = 0, c, rc = 2;
	struct ctl_signer *signer = NULL;
	struct ctl_file old = { 0 }, check = { 0 };
	struct ctl_err err;
	X509 **tcerts = NULL;
	size_t ntcerts = 0;
	uint8_t maj, min;

	ctl_err_init(&err);
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:qh", build_opts, NULL)) != -1) {
		switch (c) {
		case OPT_SAST: case OPT_CCM: case OPT_CCM_TFTP: case OPT_TFTP:
		case OPT_CAPF: case OPT_APP_SERVER: case OPT_TVS:
			if (!grow(&b.roles, b.nroles, sizeof(*b.roles)))
				goto oom;
			b.roles[b.nroles++] = (struct role_arg){ role_of(c), optarg };
			break;
		case OPT_SIGN_KEY: key = optarg; break;
		case OPT_SIGN_CERT: certp = optarg; break;
		case OPT_SIGN_TOKEN: sign_uri = optarg; break;
		case OPT_SAST_TOKEN:
			if (!grow(&b.sast_uris, b.nsast, sizeof(char *)))
				goto oom;
			b.sast_uris[b.nsast++] = optarg;
			break;
		case OPT_MODULE: module = optarg; break;
		case OPT_ALLOW_SINGLE: allow_single = 1; break;
		case OPT_FINAL_TRY: final_try = 1; break;
		case OPT_ITL: o.kind = KIND_ITL; break;
		case OPT_DIGEST:
			if (!cmd_parse_digest(optarg, &o.digest)) {
				rc = cmd_usage_error("build", "--digest %s: use sha1, sha256 or sha512", optarg);
				goto done;
			}
			break;
		case OPT_TIMESTAMP: ts = optarg; break;
		case OPT_FILENAME: o.filename = optarg; break;
		case OPT_FROM: from = optarg; break;
		case OPT_HELD_ITL: case OPT_HELD_CTL: held_opt = c; held_path = optarg; break;
		case OPT_TRUST_STORE: store_dir = optarg; break;
		case OPT_TVS_CERT:
			if (ntvs == sizeof(tvs_paths) / sizeof(tvs_paths[0])) {
				rc = cmd_usage_error("build", "at most %zu --tvs-cert certificates", ntvs);
				goto done;
			}
			tvs_paths[ntvs++] = optarg;
			break;
		case OPT_FROM_SIGNER:
			if (nfrom_signers == sizeof(from_signers) / sizeof(from_signers[0])) {
				rc = cmd_usage_error("build", "at most %zu --from-signer certificates",
						     nfrom_signers);
				goto done;
			}
			from_signers[nfrom_signers++] = optarg;
			break;
		case OPT_REMOVE:
			if (!grow(&b.removes, b.nremoves, sizeof(char *)))
				goto oom;
			b.removes[b.nremoves++] = optarg;
			break;
		case OPT_SIGNER_VERSION:
			if (!cmd_parse_version(optarg, &maj, &min)) {
				rc = cmd_usage_error("build", "--signer-version %s: use MAJOR.MINOR", optarg);
				goto done;
			}
			o.signer_version = (uint16_t)(maj << 8 | min);
			break;
		case 'o': out_path = optarg; break;
		case 'q': quiet = 1; break;
		case 'h': fputs(build_usage, stdout); rc = 0; goto done;
		default: rc = cmd_bad_option("build", argv); goto done;
		}
	}
	if (optind != argc) {
		rc = cmd_usage_error("build", "unexpected argument '%s'", argv[optind]);
		goto done;
	}
	if (out_path == NULL) {
		rc = cmd_usage_error("build", "no output file (-o FILE)");
		goto done;
	}
	if ((sign_uri != NULL) == (key != NULL || certp != NULL) ||
	    (sign_uri == NULL && (key == NULL || certp == NULL))) {
		rc = cmd_usage_error("build", "sign with --sign-key and --sign-cert, or with --sign-token");
		goto done;
	}
	if (b.nsast > 0 && sign_uri == NULL) {
		rc = cmd_usage_error("build", "--sast-token needs --sign-token");
		goto done;
	}
	if (nfrom_signers > 0 && from == NULL) {
		rc = cmd_usage_error("build", "--from-signer needs --from");
		goto done;
	}
	if ((held_path != NULL || store_dir != NULL || ntvs > 0) && from == NULL) {
		rc = cmd_usage_error("build", "--held-itl, --held-ctl, --trust-store and --tvs-cert need --from");
		goto done;
	}
	if (held_path != NULL && (held_opt == OPT_HELD_ITL) != (o.kind == KIND_CTL)) {
		rc = cmd_usage_error("build", "%s: the phones' other file (--held-itl for a CTL, --held-ctl for an ITL)",
				     held_opt == OPT_HELD_ITL ? "--held-itl" : "--held-ctl");
		goto done;
	}
	if (b.nremoves > 0 && from == NULL) {
		rc = cmd_usage_error("build", "--remove needs --from");
		goto done;
	}
	if (!cmd_timestamp(ts, &o.timestamp)) {
		rc = cmd_usage_error("build", "timestamp '%s' is not a number of seconds", ts ? ts : getenv("SOURCE_DATE_EPOCH"));
		goto done;
	}
	if (o.filename == NULL)
		o.filename = o.kind == KIND_ITL ? "ITLFile.tlv" : "CTLFile.tlv";

	/* Records: the old file's first, then the role flags in order. */
	if (from != NULL) {
		/*
		 * Nothing unverified is built on: re-signing the records of a
		 * file that does not verify would launder a tampered record
		 * into a validly signed one.
		 */
		if (!ctl_parse_path(&old, &err, from, PARSE_RECORDS))
			goto fail;
		/* A CTL built from an ITL's records (or the reverse) is no update of either. */
		if (old.kind != o.kind) {
			ctl_err_set(&err, CTL_E_USAGE, "--from %s: its FILENAME makes it %s, but %s is being built%s",
				    from, old.kind == KIND_CTL ? "a CTL" : old.kind == KIND_ITL ? "an ITL" : "a signed (.sgn) file",
				    o.kind == KIND_ITL ? "an ITL (--itl)" : "a CTL",
				    o.kind == KIND_ITL ? "" : " (give --itl to build an ITL)");
			goto fail;
		}
		/* What the phones hold besides OLD, for the warning: it must verify. */
		if ((held_path != NULL &&
		     !ctl_trust_load_held(&held, &err, held_path, o.kind == KIND_CTL ? KIND_ITL : KIND_CTL)) ||
		    (store_dir != NULL && (store = cmd_load_trust_store(&err, store_dir)) == NULL))
			goto fail;
		for (size_t i = 0; i < ntvs; i++)
			if ((tvs[i] = ctl_load_cert(&err, tvs_paths[i])) == NULL) {
				ctl_err_prefix(&err, "--tvs-cert");
				goto fail;
			}
		/* A preview builds on previews, which are not signed. */
		if (!preview.on && !ctl_verify(&old, &err, NULL, NULL, NULL)) {
			ctl_err_prefix(&err, "--from %s: refusing to build on a file that does not verify", from);
			goto fail;
		}
		if (!check_removes(&b, &err, &old))
			goto fail;
		for (size_t i = 0; i < old.nrecs; i++) {
			struct ctl_rec_spec s = { .role = old.recs[i].role,
						  .copy = &old.recs[i] };

			if (!removed(&b, &old.recs[i], i) && !add_spec(&b, &err, &s, 0))
				goto fail;
		}
	}
	for (size_t i = 0; i < b.nroles; i++) {
		struct ctl_rec_spec s = { .role = b.roles[i].role };

		s.style = ctl_style_for(o.kind, s.role);
		if (!parse_spec(&b, &err, &s, b.roles[i].arg) ||
		    !add_spec(&b, &err, &s, 0))
			goto fail;
	}

	if (sign_uri != NULL) {
		struct tokens_build_opts to = {
			.module = module, .sign_uri = sign_uri,
			.sast_uris = b.sast_uris, .nsast = b.nsast,
			.allow_single = allow_single, .final_try = final_try,
			.asker = &cmd_tty_asker, .from = from, .preview = preview.on,
		};
		struct tokens_sast_rec *recs = NULL;
		size_t nrecs = 0;
		char twarn[512];
		int opened;

		/* The two-token rule counts the records of the file being written. */
		if (!sast_records(&b, &err, &old, &recs, &nrecs)) {
			free_sast_records(recs, nrecs);
			goto fail;
		}
		to.recs = recs;
		to.nrecs = nrecs;
		opened = tokens_open_for_ctl(&err, &to, &signer, &tcerts, &ntcerts,
					     twarn, sizeof(twarn));
		free_sast_records(recs, nrecs);
		if (!opened)
			goto fail;
		if (twarn[0] != '\0')
			cmd_warn("%s", twarn);
		/*
		 * Token certificates first, the signer's first of all; a token
		 * whose SAST record OLD has keeps that record, in its place.
		 */
		for (size_t i = ntcerts; i-- > 0;)
			if (!add_signer_sast(&b, &err, tcerts[i], o.kind, 1))
				goto fail;
	} else if (preview.on) {
		X509 *pc = ctl_load_cert(&err, certp);

		if (pc == NULL)
			goto fail;
		if ((signer = ctl_signer_unsigned(pc, 0, certp)) == NULL) {
			ctl_err_set(&err, CTL_E_INTERNAL, "out of memory");
			goto fail;
		}
		if (!add_signer_sast(&b, &err, signer->cert, o.kind, 0))
			goto fail;
	} else {
		if ((signer = cmd_key_signer(&err, key, certp)) == NULL)
			goto fail;
		if (!add_signer_sast(&b, &err, signer->cert, o.kind, 0))
			goto fail;
	}
	if (from != NULL &&
	    !from_signer_trusted(&err, from, &old, signer->cert, tcerts, ntcerts,
				 from_signers, nfrom_signers))
		goto fail;
	if (preview.on) {
		if (!check_duplicates(&b, &err) ||
		    !ctl_build(&err, &preview.out, &preview.len, &o, signer, b.specs,
			       b.nspecs, NULL, 0))
			goto fail;
		rc = 0;
		goto done;
	}
	/* Built, checked the way a phone will, then written: one engine call. */
	if (!check_duplicates(&b, &err) ||
	    !ctl_build_write(&err, &check, out_path, &o, signer, b.specs, b.nspecs,
			     NULL, 0))
		goto fail;
	if (from != NULL)
		warn_trust(&old, from, &check, out_path, held_path ? &held : NULL, held_path,
			   store, store_dir, tvs, ntvs);
	if (!quiet)
		cmd_print(stdout, "%s: %zu bytes, %zu records, signed by record %d (%s)\n",
		       out_path, check.len, check.nrecs, ctl_find_signer(&check) + 1,
		       signer->label);
	rc = 0;
	goto done;
oom:
	ctl_err_set(&err, CTL_E_INTERNAL, "out of memory");
fail:
	rc = cmd_fail(&err);
done:
	ctl_file_cleanup(&check);
	ctl_file_cleanup(&old);
	ctl_file_cleanup(&held);
	ctl_trust_store_free(store);
	for (size_t i = 0; i < ntvs; i++)
		X509_free(tvs[i]);
	ctl_signer_free(signer);
	for (size_t i = 0; i < ntcerts; i++)
		X509_free(tcerts[i]);
	free(tcerts);
	for (size_t i = 0; i < b.ncerts; i++)
		X509_free(b.certs[i]);
	for (size_t i = 0; i < b.ndns; i++)
		free(b.dns[i]);
	free(b.certs);
	free(b.dns);
	free(b.specs);
	free(b.roles);
	free(b.sast_uris);
	free(b.removes);
	return rc;
}
