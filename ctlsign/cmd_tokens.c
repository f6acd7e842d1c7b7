/*
 * cmd_tokens.c - `ctlsign tokens list` and `ctlsign tokens export`: what
 * the SafeNet client's "advanced view" did for the tokenless-to-eToken
 * migration (seed 002): see each token and export its SAST certificate.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "cmd.h"
#include "p11/p11.h"
#include "tokens/tokens.h"
#include "trustlist.h"
#include "util.h"

static const char tokens_usage[] =
	"usage: ctlsign tokens list [--module PATH] [TOKEN-URI...]\n"
	"       ctlsign tokens export --out DIR [--format der|pem] [--module PATH] [TOKEN-URI...]\n"
	"\n"
	"list: every token of the PKCS#11 module with its label, serial, PIN state\n"
	"  (PIN pad, count low, final try, locked) and each certificate: subject,\n"
	"  issuer, serial, SHA-1, and whether it is a SAST eToken certificate.\n"
	"export: one file per SAST certificate, named after its CN\n"
	"  (SAST-ADN0054f509.cer), ready for upload to CUCM as Phone-SAST-trust.\n"
	"  Without URIs, every token; no login is needed, no PIN is asked.\n"
	"\n"
	"options:\n"
	"  --module PATH      PKCS#11 module (default: $CTLSIGN_PKCS11_MODULE, p11-kit proxy,\n"
	"                     SafeNet eToken module)\n"
	"  -o, --out DIR      export: the directory to write to (must exist)\n"
	"  --format FMT       export: der (default, .cer) or pem (.pem)\n"
	"  -q, --quiet        export: print nothing on success\n"
	"  -h, --help         this text\n"
	"\n"
	"TOKEN-URI is an RFC 7512 PKCS#11 URI: pkcs11:token=SAST-ADN0054f509,\n"
	"pkcs11:serial=...;object=...;id=%01?module-path=/usr/lib/libeToken.so\n";

enum { OPT_MODULE = 256, OPT_FORMAT };

static const struct option tokens_opts[] = {
	{ "module", required_argument, NULL, OPT_MODULE },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "out", required_argument, NULL, 'o' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char *pin_state(const struct tokens_token *t)
{
	if (t->pin_locked)
		return "LOCKED (no PIN will be tried)";
	if (t->pin_final_try)
		return "FINAL TRY: a wrong PIN locks the token (--final-try to sign)";
	if (t->pin_pad)
		return "PIN pad (entered on the reader)";
	if (!t->login_required)
		return "no login";
	if (t->pin_count_low)
		return "wrong PINs entered recently";
	return "ok";
}

static void print_cert(const struct tokens_cert *c)
{
	char *subject = ctl_name_render(X509_get_subject_name(c->x509));
	char *issuer = ctl_name_render(X509_get_issuer_name(c->x509));
	/* Names on a token are anyone's bytes: no control characters out. */
	char psubject[1024], pissuer[1024];
	uint8_t serial[64], der_sha1[SHA_DIGEST_LENGTH];
	char serial_hex[64 * 3 + 1], sha1_hex[2 * SHA_DIGEST_LENGTH + 1];
	size_t nserial = ctl_serial_bytes(c->x509, serial);
	unsigned int len = 0;

	ctl_hex(serial_hex, serial, nserial, ':', 1);
	X509_digest(c->x509, EVP_sha1(), der_sha1, &len);
	ctl_hex(sha1_hex, der_sha1, sizeof(der_sha1), 0, 0);
	cmd_print(stdout, "  certificate \"%s\" id %s: %s\n", c->label,
	       c->id[0] ? c->id : "(none)",
	       c->sast ? "SAST eToken" : "not SAST");
	printf("    subject %s\n", p11_printable(psubject, sizeof(psubject),
						   subject ? subject : "?"));
	printf("    issuer  %s\n", p11_printable(pissuer, sizeof(pissuer),
						   issuer ? issuer : "?"));
	printf("    serial  %s\n", serial_hex);
	printf("    sha1    %s\n", sha1_hex);
	free(subject);
	free(issuer);
}

static void print_list(const struct tokens_list *l)
{
	cmd_print(stdout, "module %s: %zu token%s\n", l->module, l->n, l->n == 1 ? "" : "s");
	for (size_t i = 0; i < l->n; i++) {
		const struct tokens_token *t = &l->tokens[i];

		cmd_print(stdout, "\ntoken %s\n", t->label);
		cmd_print(stdout, "  serial %s, slot %lu, %s %s\n", t->serial, t->slot_id,
		       t->manufacturer, t->model);
		printf("  PIN: %s\n", pin_state(t));
		if (t->ncerts == 0)
			printf("  no certificate\n");
		for (size_t k = 0; k < t->ncerts; k++)
			print_cert(&t->certs[k]);
	}
}

static void report_export(const char *path, const struct tokens_cert *c,
			  void *arg)
{
	if (!*(int *)arg)
		cmd_print(stdout, "%s\n", path);
}

int cmd_tokens(int argc, char **argv)
{
	const char *module = NULL, *dir = NULL, *sub;
	struct tokens_list l = { 0 };
	struct ctl_err err;
	int pem = 0, quiet = 0, c, rc = 2;

	ctl_err_init(&err);
	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(tokens_usage, stdout);
		return 0;
	}
	if (argc < 2)
		return cmd_usage_error("tokens", "list or export?");
	sub = argv[1];
	if (strcmp(sub, "list") != 0 && strcmp(sub, "export") != 0)
		return cmd_usage_error("tokens", "unknown subcommand '%s' (list, export)", sub);
	argc--;
	argv++;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:qh", tokens_opts, NULL)) != -1) {
		switch (c) {
		case OPT_MODULE: module = optarg; break;
		case OPT_FORMAT:
			if (strcmp(optarg, "der") == 0)
				pem = 0;
			else if (strcmp(optarg, "pem") == 0)
				pem = 1;
			else
				return cmd_usage_error("tokens", "--format %s: use der or pem", optarg);
			break;
		case 'o': dir = optarg; break;
		case 'q': quiet = 1; break;
		case 'h': fputs(tokens_usage, stdout); return 0;
		default: return cmd_bad_option("tokens", argv);
		}
	}
	if (strcmp(sub, "export") == 0 && dir == NULL)
		return cmd_usage_error("tokens", "export needs --out DIR");
	if (strcmp(sub, "list") == 0 && dir != NULL)
		return cmd_usage_error("tokens", "--out is for export");
	if (!tokens_scan(&err, &l, module, (const char *const *)argv + optind,
			 (size_t)(argc - optind)))
		goto fail;
	if (strcmp(sub, "list") == 0)
		print_list(&l);
	else if (!tokens_export(&err, &l, dir, pem, report_export, &quiet))
		goto fail;
	rc = 0;
	goto done;
fail:
	rc = cmd_fail(&err);
done:
	tokens_list_cleanup(&l);
	return rc;
}
