/*
 * migrate_plans.c - the seed procedures as plans (migrate.h). Each plan
 * is the list of steps a person would follow in the seed, with ctlsign's
 * command for each step it can do, the person's instructions for the
 * others, and a `check` before every publication. docs/migrations.md
 * maps every step to its seed section; the citations below are the
 * same (shared/seeds/002, "002:L123" = its line 123).
 */
#define _GNU_SOURCE /* strcasestr */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "cmd.h"
#include "migrate.h"
#include "tokens.h"
#include "trustlist.h"
#include "util.h"

/* A plan under construction. */
struct pb {
	json_t *plan, *steps, *inputs;
	const char *tvs[8];            /* --tvs-cert, as the steps name them */
	size_t ntvs;
	const struct mig_request *rq;
	struct ctl_err *err;
	int failed;
};

/* args builds a JSON array of the strings given, up to a NULL. */
static json_t *args(const char *first, ...)
{
	json_t *a = json_array();
	va_list ap;

	va_start(ap, first);
	for (const char *s = first; s != NULL; s = va_arg(ap, const char *))
		json_array_append_new(a, json_string(s));
	va_end(ap);
	return a;
}

static void add(json_t *a, const char *s)
{
	json_array_append_new(a, json_string(s));
}

static json_t *step(struct pb *p, const char *kind, const char *who, const char *title,
		    const char *seed)
{
	json_t *s = json_pack("{s:i, s:s, s:s, s:s}", "n",
			      (int)json_array_size(p->steps) + 1, "kind", kind, "who", who,
			      "title", title);

	if (s == NULL) {
		p->failed = 1;
		return json_object();
	}
	if (seed != NULL)
		json_object_set_new(s, "seed", json_string(seed));
	json_array_append_new(p->steps, s);
	return s;
}

/* The number the next step will get. */
static int next_n(const struct pb *p)
{
	return (int)json_array_size(p->steps) + 1;
}

/* keep: a string the plan holds until it is made (its "paths" list). */
static const char *keep(struct pb *p, const char *str)
{
	json_t *v = json_string(str);

	json_array_append_new(json_object_get(p->plan, "paths"), v);
	return json_string_value(v);
}

/*
 * abs_input: path made absolute. With copy, the file is an input the
 * plan is checked against (a held CTL or ITL, a certificate): it is
 * copied into the state directory when the plan starts (files/inputs/),
 * so that publishing over the original, or editing it, changes nothing
 * the plan relies on; its SHA-256 now is recorded and the copy must
 * match it. Returns the name steps use ("@/files/inputs/N-NAME" for a
 * copy), or NULL with the plan failed.
 */
static const char *abs_input(struct pb *p, const char *path, int copy)
{
	char buf[PATH_MAX], name[PATH_MAX + 64], hex[65];
	const char *base;
	char *q;

	if (path == NULL)
		return NULL;
	if (realpath(path, buf) == NULL) {
		ctl_err_set(p->err, CTL_E_IO, "%s: %s", path, strerror(errno));
		p->failed = 1;
		return NULL;
	}
	if (!copy)
		return keep(p, buf);
	if (!mig_sha256_file(p->err, buf, hex) || strcmp(hex, "none") == 0) {
		if (p->err->code == CTL_OK)
			ctl_err_set(p->err, CTL_E_IO, "%s: gone while the plan was made", buf);
		p->failed = 1;
		return NULL;
	}
	base = strrchr(buf, '/') + 1;
	snprintf(name, sizeof(name), "@/files/inputs/%zu-%.100s",
		 json_object_size(p->inputs) + 1, base);
	for (q = name + strlen("@/files/inputs/"); *q; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
		      (*q >= '0' && *q <= '9') || *q == '.' || *q == '-' || *q == '_'))
			*q = '_';
	json_object_set_new(p->inputs, name, json_pack("{s:s, s:s}", "from", buf, "sha256", hex));
	return keep(p, name);
}

/*
 * cert_input is abs_input (copied) of a certificate, read now: a file
 * that is not one fails the plan here, naming option, rather than a
 * step of a started plan whose inputs can no longer change.
 */
static const char *cert_input(struct pb *p, const char *path, const char *option)
{
	X509 *x;

	if (path == NULL || p->failed)
		return NULL;
	if ((x = ctl_load_cert(p->err, path)) == NULL) {
		ctl_err_prefix(p->err, "%s", option);
		p->failed = 1;
		return NULL;
	}
	X509_free(x);
	return abs_input(p, path, 1);
}

/* itl_input: the same for --itl, which must be an ITL that verifies (check's rule). */
static const char *itl_input(struct pb *p, const char *path)
{
	struct ctl_file f = { 0 };
	int ok;

	if (path == NULL || p->failed)
		return NULL;
	ok = ctl_trust_load_held(&f, p->err, path, KIND_ITL);
	ctl_file_cleanup(&f);
	if (!ok) {
		ctl_err_prefix(p->err, "--itl");
		p->failed = 1;
		return NULL;
	}
	return abs_input(p, path, 1);
}

/* src: where an input named by abs_input comes from, to read it now. */
static const char *src(struct pb *p, const char *name)
{
	const char *from;

	if (name == NULL || strncmp(name, "@/", 2) != 0)
		return name;
	from = json_string_value(json_object_get(json_object_get(p->inputs, name), "from"));
	return from != NULL ? from : name;
}

static int need(struct pb *p, const char *value, const char *option, const char *why)
{
	if (value != NULL)
		return 1;
	p->failed = 1;
	return ctl_err_set(p->err, CTL_E_USAGE, "migrate %s: needs %s (%s)", p->rq->plan,
			   option, why);
}

static int refuse(struct pb *p, const char *value, const char *option)
{
	if (value == NULL)
		return 1;
	p->failed = 1;
	return ctl_err_set(p->err, CTL_E_USAGE, "migrate %s: %s does not apply to this plan",
			   p->rq->plan, option);
}

/*
 * held_ctl checks the CTL the phones hold: it verifies, and its signer
 * is the certificate the user says signed it (want, named what): a plan
 * that starts from a file whose signer nobody vouched for would carry
 * an attacker's records into every file it builds. signer_rec gets the
 * signer's record number as `show` prints it; etoken_recs (may be NULL)
 * the numbers of its eToken SAST records, netoken how many (at most 8).
 */
static int held_ctl_x(struct pb *p, const char *path, X509 *want, const char *what,
		      int *signer_rec, int *etoken_recs, size_t *netoken)
{
	struct ctl_file f = { 0 };
	unsigned char *der = NULL;
	int len, idx, ok = 0;
	const struct ctl_record *r;

	if (!ctl_trust_load_held(&f, p->err, path, KIND_CTL)) {
		ctl_err_prefix(p->err, "--ctl");
		goto done;
	}
	idx = ctl_find_signer(&f);
	len = i2d_X509(want, &der);
	if (idx < 0 || len <= 0) {
		ctl_err_set(p->err, CTL_E_VERIFY, "--ctl %s: no signing record", path);
		goto done;
	}
	r = &f.recs[idx];
	if (!r->cert.present || r->cert.n != (size_t)len || memcmp(r->cert.p, der, (size_t)len) != 0) {
		char hex[64];

		ctl_record_sha1_hex(hex, r, 0, 0);
		ctl_err_set(p->err, CTL_E_VERIFY, "--ctl %s: signed by the certificate with SHA-1 %s, "
			    "not by %s: give the certificate that signed the CTL the phones hold "
			    "(`ctlsign show %s` names it) with --from-signer", path,
			    hex[0] ? hex : "(none)", what, path);
		goto done;
	}
	*signer_rec = idx + 1;
	if (netoken != NULL) {
		*netoken = 0;
		for (size_t i = 0; i < f.nrecs && *netoken < 8; i++) {
			const unsigned char *q = f.recs[i].cert.p;
			X509 *x;

			if (f.recs[i].role != ROLE_SAST || !f.recs[i].cert.present)
				continue;
			x = d2i_X509(NULL, &q, (long)f.recs[i].cert.n);
			if (x != NULL && tokens_is_sast(x))
				etoken_recs[(*netoken)++] = (int)i + 1;
			X509_free(x);
		}
	}
	ok = 1;
done:
	OPENSSL_free(der);
	ctl_file_cleanup(&f);
	if (!ok)
		p->failed = 1;
	return ok;
}

static int held_ctl(struct pb *p, const char *path, const char *signer_path, int *signer_rec)
{
	X509 *want = ctl_load_cert(p->err, signer_path);
	char what[PATH_MAX + 16];
	int ok;

	if (want == NULL) {
		ctl_err_prefix(p->err, "--from-signer");
		p->failed = 1;
		return 0;
	}
	snprintf(what, sizeof(what), "--from-signer %s", signer_path);
	ok = held_ctl_x(p, path, want, what, signer_rec, NULL, NULL);
	X509_free(want);
	return ok;
}

/*
 * token_cert reads the SAST certificate of the token uri names, and the
 * name `tokens export` gives its file, without a login. NULL with the
 * plan failed when the token is not there or holds none.
 */
static X509 *token_cert(struct pb *p, const char *uri, char *name, size_t name_len)
{
	struct tokens_list l = { 0 };
	X509 *x = NULL;

	if (!tokens_scan(p->err, &l, p->rq->module, &uri, 1)) {
		p->failed = 1;
		return NULL;
	}
	for (size_t t = 0; t < l.n && x == NULL; t++)
		for (size_t c = 0; c < l.tokens[t].ncerts && x == NULL; c++)
			if (l.tokens[t].certs[c].sast &&
			    tokens_export_name(name, name_len, l.tokens[t].certs[c].x509, 0))
				x = X509_dup(l.tokens[t].certs[c].x509);
	tokens_list_cleanup(&l);
	if (x == NULL) {
		p->failed = 1;
		ctl_err_set(p->err, CTL_E_TOKEN, "%s: no SAST eToken certificate on it", uri);
	}
	return x;
}

/*
 * judge_opts: what phones hold besides the CTL (the ITL, under itl_flag:
 * check's --itl, build's --held-itl), the trust store and the
 * certificates TVS presents (under tvs_flag: check's --tvs, build's
 * --tvs-cert); a build --from gets them too, so that its warning about
 * who takes the new file says what the check after it says.
 */
static void judge_opts(const struct pb *p, json_t *a, const char *itl_flag, const char *itl,
		       const char *store, const char *tvs_flag)
{
	if (itl != NULL) {
		add(a, itl_flag);
		add(a, itl);
	}
	if (store != NULL) {
		add(a, "--trust-store");
		add(a, store);
	}
	for (size_t i = 0; i < p->ntvs; i++) {
		add(a, tvs_flag);
		add(a, p->tvs[i]);
	}
}

/* check_step: `ctlsign check --json` of the files published so far, against what phones hold. */
static void check_step(struct pb *p, const char *ctl, const char *itl, const char *store,
		       const char *title, const char *const *files, size_t nfiles)
{
	json_t *s = step(p, "check", "ctlsign", title,
			 "the trust model, docs/phone-trust.md; no seed step: the seeds publish and "
			 "then look at the phones");
	json_t *a = args("check", "--json", NULL);

	if (ctl != NULL) {
		add(a, "--ctl");
		add(a, ctl);
	}
	judge_opts(p, a, "--itl", itl, store, "--tvs");
	for (size_t i = 0; i < nfiles; i++)
		add(a, files[i]);
	json_object_set_new(s, "argv", a);
	/* The same inputs, for --dry-run's in-process judgement of previews. */
	if (ctl != NULL)
		json_object_set_new(s, "ctl", json_string(ctl));
	if (itl != NULL)
		json_object_set_new(s, "itl", json_string(itl));
	if (store != NULL)
		json_object_set_new(s, "store", json_string(store));
	if (p->ntvs > 0) {
		a = json_array();
		for (size_t i = 0; i < p->ntvs; i++)
			add(a, p->tvs[i]);
		json_object_set_new(s, "tvs", a);
	}
	a = json_array();
	for (size_t i = 0; i < nfiles; i++)
		add(a, files[i]);
	json_object_set_new(s, "files", a);
}

static void publish_step(struct pb *p, const char *file, const char *seed)
{
	json_t *s = step(p, "publish", "ctlsign",
			 p->rq->config ? "put the CTL on every node, all or nothing, restart their "
					 "TFTP and CallManager services, read it back over TFTP" :
					 "put the CTL in every TFTP root, all or nothing, and read it back",
			 seed);

	json_object_set_new(s, "file", json_string(file));
}

/* phones_step: the person resets the phones and compares what they show. */
static void phones_step(struct pb *p, const char *file, const char *seed)
{
	json_t *s = step(p, "manual", "person", "every phone downloads the new CTL", seed);
	char line[PATH_MAX + 128];

	snprintf(line, sizeof(line), "The new CTL: %s (`ctlsign show` prints it as the phones do).",
		 file);
	if (file[0] == '@' || file[0] == '/')
		json_object_set_new(s, "file", json_string(file));
	json_object_set_new(s, "text", args(
		"Reset every phone (CUCM: Device > Phone, select all, Reset; or restart them), so "
		"that each downloads CTLFile.tlv from its TFTP server.",
		line,
		"On a phone: Settings > Security Configuration > Trust List > CTL File shows the MD5 "
		"of the CTL it holds: it must be that one. Phones that do not show it: look at their "
		"console log for the CTL download.",
		"The next publication is judged on the phones holding this file: go on only when they do.",
		NULL));
	json_object_set_new(s, "verify", json_pack("{s:s}", "type", "confirm"));
	/* The evidence shown with it: what every node serves now. */
	json_object_set_new(s, "evidence", json_true());
}

/* build_step returns the step's output as the plan holds it (out may be reused). */
static const char *build_step(struct pb *p, const char *title, const char *seed,
			      const char *out, json_t *argv)
{
	json_t *s = step(p, "run", "ctlsign", title, seed);

	json_object_set_new(s, "argv", argv);
	json_object_set_new(s, "output", json_string(out));
	return json_string_value(json_object_get(s, "output"));
}

static void token_opts(struct pb *p, json_t *a)
{
	if (p->rq->module != NULL) {
		add(a, "--module");
		add(a, p->rq->module);
	}
}

static void ts_opt(struct pb *p, json_t *a, unsigned long plus)
{
	char ts[24];

	snprintf(ts, sizeof(ts), "%lu",
		 (unsigned long)json_integer_value(json_object_get(p->plan, "timestamp")) + plus);
	add(a, "--timestamp");
	add(a, ts);
}

/* ---- the plans ---- */

/*
 * abs_spec: a record SPEC (FILE[,dns=...][,ip=...]) whose FILE does not
 * depend on the directory the plan is resumed from: a relative one gets
 * the current directory in front (FILE leads, so no need to find where
 * it ends). NULL with the plan failed when there is no current directory.
 */
static const char *abs_spec(struct pb *p, const char *spec)
{
	char cwd[PATH_MAX], buf[2 * PATH_MAX];

	if (spec[0] == '/')
		return spec;
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		ctl_err_set(p->err, CTL_E_IO, "%s: the current directory: %s", spec,
			    strerror(errno));
	else if ((size_t)snprintf(buf, sizeof(buf), "%s/%s", cwd, spec) >= sizeof(buf))
		ctl_err_set(p->err, CTL_E_USAGE, "%s: its absolute path is too long", spec);
	else
		return keep(p, buf);
	p->failed = 1;
	return NULL;
}

/* mixed-mode: shared/seeds/002 "비보안 모드에서 혼합 모드(토큰리스 CTL)로". */
static void plan_mixed(struct pb *p)
{
	const struct mig_request *rq = p->rq;
	const char *itl = itl_input(p, rq->itl);

	refuse(p, rq->ctl, "--ctl (the cluster serves no CTL before mixed mode)");
	json_object_set_new(p->plan, "served_now", json_string("none"));
	if (rq->sign_key == NULL) {
		json_t *s;

		/* A CUCM publisher does it: its CLI builds and copies the CTL. */
		need(p, rq->config, "-c CONFIG",
		     "the CUCM publisher builds the tokenless CTL; without a CLI give --sign-key, "
		     "--sign-cert and the records, and ctlsign builds it");
		if (p->failed)
			return;
		s = step(p, "observe", "ctlsign", "the cluster is non-secure and serves no CTL",
			 "seed 002, \"비보안 모드에서 혼합 모드(토큰리스 CTL)로\", before step 1 "
			 "(`show ctl`: \"CTL File not found\"; ClusterSecurityMode 0)");
		json_object_set_new(s, "mode", json_string("non-secure"));
		s = step(p, "run", "ctlsign", "`utils ctl set-cluster mixed-mode` on the publisher "
			 "(it builds the tokenless CTL and copies it to every node)",
			 "seed 002, same section, steps 1-3");
		json_object_set_new(s, "argv", args("cluster", "set-mode", "-c", rq->config,
						    "mixed", NULL));
		json_object_set_new(s, "writes_ctl", json_true());
		s = step(p, "run", "ctlsign", "restart TFTP and Cisco CallManager on every node",
			 "seed 002, same section, after step 3: \"restart the TFTP and Cisco "
			 "CallManager services on all nodes\"");
		json_object_set_new(s, "argv", args("cluster", "restart", "-c", rq->config, NULL));
		s = step(p, "observe", "ctlsign", "every node is in mixed mode and serves the same "
			 "CTL, which verifies", "seed 002, same section: `show ctl` on each node");
		json_object_set_new(s, "mode", json_string("mixed"));
		phones_step(p, "the file every node serves (`ctlsign cluster status -c CONFIG`)",
			    "seed 002, same section: restart all phones; their MD5 matches CUCM's");
		json_array_append_new(json_object_get(p->plan, "notes"), json_string(
			"CUCM builds and publishes the CTL in one command, so ctlsign cannot check it "
			"before the phones see it; phones holding no CTL take the first one they "
			"download (docs/phone-trust.md)"));
		return;
	}
	need(p, rq->sign_cert, "--sign-cert CERT", "the certificate of --sign-key");
	if (rq->nroles == 0) {
		p->failed = 1;
		ctl_err_set(p->err, CTL_E_USAGE, "migrate mixed-mode: needs the CTL's records "
			    "(--ccm-tftp SPEC, --capf SPEC, ... as for `ctlsign build`)");
	}
	if (p->failed)
		return;
	{
		json_t *a = args("build", "-o", "@/files/1/CTLFile.tlv", NULL);
		const char *files[1] = { "@/files/1/CTLFile.tlv" };

		ts_opt(p, a, 0);
		add(a, "--sign-key");
		add(a, abs_input(p, rq->sign_key, 0));
		add(a, "--sign-cert");
		add(a, cert_input(p, rq->sign_cert, "--sign-cert"));
		for (size_t i = 0; i < rq->nroles; i++)
			add(a, i % 2 == 1 ? abs_spec(p, rq->roles[i]) : rq->roles[i]);
		build_step(p, "build the tokenless CTL, signed by the CallManager key",
			   "seed 002, \"비보안 모드에서 혼합 모드(토큰리스 CTL)로\", step 2: what "
			   "`utils ctl set-cluster mixed-mode` writes", files[0], a);
		check_step(p, NULL, itl, NULL, "judge it for the phones (they hold no CTL)", files, 1);
		publish_step(p, files[0], "seed 002, same section, after step 3: the CTL on every "
			     "TFTP node, TFTP restarted");
		phones_step(p, files[0], "seed 002, same section: restart all phones; their MD5 "
			    "matches");
	}
}

/* held_has_sast: does the CTL at path name the certificate at cert as a SAST? */
static int held_has_sast(struct pb *p, const char *path, const char *cert)
{
	struct ctl_file f = { 0 };
	unsigned char *der = NULL;
	X509 *x = ctl_load_cert(p->err, cert);
	int len = x != NULL ? i2d_X509(x, &der) : 0, has = 0;

	if (len > 0 && ctl_parse_path(&f, p->err, path, PARSE_RECORDS))
		for (size_t i = 0; i < f.nrecs; i++)
			has |= f.recs[i].role == ROLE_SAST && f.recs[i].cert.present &&
			       f.recs[i].cert.n == (size_t)len &&
			       memcmp(f.recs[i].cert.p, der, (size_t)len) == 0;
	OPENSSL_free(der);
	X509_free(x);
	ctl_file_cleanup(&f);
	return has;
}

/* signer-change: two publications (docs/migrations.md "Changing the signer"). */
static void plan_signer(struct pb *p)
{
	const struct mig_request *rq = p->rq;
	const char *ctl, *itl, *store, *key, *cert, *nkey, *ncert, *fs;
	int signer_rec = 0;

	need(p, rq->ctl, "--ctl FILE", "the CTL the phones hold now");
	need(p, rq->sign_key, "--sign-key KEY", "the current signer's key, for the first publication");
	need(p, rq->sign_cert, "--sign-cert CERT", "the current signer's certificate");
	need(p, rq->new_key, "--new-key KEY", "the new signer's key");
	need(p, rq->new_cert, "--new-cert CERT", "the new signer's certificate");
	if (p->failed)
		return;
	ctl = abs_input(p, rq->ctl, 1);
	itl = itl_input(p, rq->itl);
	store = abs_input(p, rq->trust_store, 0);
	key = abs_input(p, rq->sign_key, 0);
	cert = cert_input(p, rq->sign_cert, "--sign-cert");
	nkey = abs_input(p, rq->new_key, 0);
	ncert = cert_input(p, rq->new_cert, "--new-cert");
	fs = rq->from_signer ? cert_input(p, rq->from_signer, "--from-signer") : cert;
	if (p->failed || !held_ctl(p, src(p, ctl), src(p, fs), &signer_rec))
		return;
	/* Phones holding a CTL that already names the new signer need one publication. */
	if (held_has_sast(p, src(p, ctl), src(p, ncert))) {
		json_t *a = args("build", "-o", "@/files/1/CTLFile.tlv", "--from", ctl,
				 "--from-signer", fs, "--sign-key", nkey, "--sign-cert", ncert, NULL);
		const char *f1[1] = { "@/files/1/CTLFile.tlv" };

		json_array_append_new(json_object_get(p->plan, "notes"), json_string(
			"the CTL the phones hold already names the new signer as a SAST: one "
			"publication, signed by the new signer"));
		ts_opt(p, a, 1);
		judge_opts(p, a, "--held-itl", itl, store, "--tvs-cert");
		build_step(p, "the records the phones hold, signed by the new signer",
			   "docs/migrations.md \"Changing the signer\", step 2", f1[0], a);
		check_step(p, ctl, itl, store, "judge it for the phones", f1, 1);
		publish_step(p, f1[0], NULL);
		phones_step(p, f1[0], NULL);
		return;
	}
	{
		json_t *a = args("build", "-o", "@/files/1/CTLFile.tlv", "--from", ctl,
				 "--from-signer", fs, "--sast", ncert, "--sign-key", key,
				 "--sign-cert", cert, NULL);
		const char *f1[1] = { "@/files/1/CTLFile.tlv" };
		const char *f2[2] = { "@/files/1/CTLFile.tlv", NULL };
		char f5[64];

		ts_opt(p, a, 0);
		judge_opts(p, a, "--held-itl", itl, store, "--tvs-cert");
		build_step(p, "the CTL the phones hold, plus the new signer as a SAST, still "
			   "signed by the current signer", "docs/migrations.md \"Changing the "
			   "signer\", step 1 (FORMAT.md P3: a phone takes a CTL signed by a SAST of "
			   "the CTL it holds); not in the seeds", f1[0], a);
		check_step(p, ctl, itl, store, "judge it for the phones holding the current files",
			   f1, 1);
		publish_step(p, f1[0], NULL);
		phones_step(p, f1[0], "the next CTL is signed by the new signer: the phones must "
			    "know it first");
		snprintf(f5, sizeof(f5), "@/files/%d/CTLFile.tlv", next_n(p));
		a = args("build", "-o", f5, "--from", f1[0], "--from-signer", cert,
			 "--sign-key", nkey, "--sign-cert", ncert, NULL);
		ts_opt(p, a, 1);
		judge_opts(p, a, "--held-itl", itl, store, "--tvs-cert");
		f2[1] = build_step(p, "the same records, signed by the new signer",
			   "docs/migrations.md \"Changing the signer\", step 2", f5, a);
		check_step(p, ctl, itl, store, "judge both publications, in order, for the phones",
			   f2, 2);
		publish_step(p, f2[1], NULL);
		phones_step(p, f2[1], NULL);
	}
}

/*
 * token_steps: `tokens list` of --sign-token and the first nsast
 * --sast-token URIs (no PIN: the tokens are here and none is locked),
 * then `tokens export` of their certificates into files/sast-certs/.
 */
static void token_steps(struct pb *p, size_t nsast, const char *list_title,
			const char *list_seed, const char *export_title,
			const char *export_seed)
{
	for (int k = 0; k < 2; k++) {
		json_t *a = k == 0 ? args("tokens", "list", NULL) :
			    args("tokens", "export", "--out", "@/files/sast-certs", NULL);
		json_t *s;

		token_opts(p, a);
		add(a, p->rq->sign_token);
		for (size_t i = 0; i < nsast; i++)
			add(a, p->rq->sast_tokens[i]);
		s = step(p, "run", "ctlsign", k == 0 ? list_title : export_title,
			 k == 0 ? list_seed : export_seed);
		json_object_set_new(s, "argv", a);
		if (k == 1)
			json_object_set_new(s, "output_dir", json_string("@/files/sast-certs"));
	}
}

/*
 * add_exported appends "--sast @/files/sast-certs/NAME.cer" for each SAST
 * certificate of the plan's tokens, named as `tokens export` will name
 * them: the tokens are read now, without a login (no PIN is asked).
 */
static int add_exported(struct pb *p, json_t *a)
{
	const char *uris[9];
	struct tokens_list l = { 0 };
	size_t n = 0, found = 0;

	uris[n++] = p->rq->sign_token;
	for (size_t i = 0; i < p->rq->nsast_tokens; i++)
		uris[n++] = p->rq->sast_tokens[i];
	if (!tokens_scan(p->err, &l, p->rq->module, uris, n)) {
		p->failed = 1;
		return 0;
	}
	for (size_t t = 0; t < l.n; t++)
		for (size_t c = 0; c < l.tokens[t].ncerts; c++) {
			char name[300], path[340];

			if (!l.tokens[t].certs[c].sast ||
			    !tokens_export_name(name, sizeof(name), l.tokens[t].certs[c].x509, 0))
				continue;
			snprintf(path, sizeof(path), "@/files/sast-certs/%s", name);
			add(a, "--sast");
			add(a, path);
			found++;
		}
	tokens_list_cleanup(&l);
	if (found == 0) {
		p->failed = 1;
		return ctl_err_set(p->err, CTL_E_TOKEN, "migrate to-etoken: the tokens hold no "
				   "SAST eToken certificate");
	}
	return 1;
}

/* to-etoken: shared/seeds/002 "토큰리스 솔루션에서 하드웨어 토큰으로", steps 1-23. */
static void plan_etoken(struct pb *p)
{
	const struct mig_request *rq = p->rq;
	const char *ctl, *itl, *store, *fs, *key = NULL, *cert = NULL, *from;
	const char *judged[2];
	size_t njudged = 0;
	int signer_rec = 0, bridge;
	char rec[16], out[64];
	json_t *a, *s;

	need(p, rq->ctl, "--ctl FILE", "the tokenless CTL the phones hold now");
	need(p, rq->sign_token, "--sign-token URI", "the eToken that signs the new CTL");
	if (rq->from_signer == NULL && rq->sign_cert == NULL)
		need(p, NULL, "--from-signer CERT",
		     "the certificate that signed --ctl: the publisher's CallManager.pem");
	if (p->failed)
		return;
	ctl = abs_input(p, rq->ctl, 1);
	itl = itl_input(p, rq->itl);
	store = abs_input(p, rq->trust_store, 0);
	fs = rq->from_signer ? cert_input(p, rq->from_signer, "--from-signer") :
			       cert_input(p, rq->sign_cert, "--sign-cert");
	bridge = rq->sign_key != NULL;
	if (bridge) {
		need(p, rq->sign_cert, "--sign-cert CERT", "the certificate of --sign-key");
		key = abs_input(p, rq->sign_key, 0);
		cert = cert_input(p, rq->sign_cert, "--sign-cert");
	}
	if (p->failed || !held_ctl(p, src(p, ctl), src(p, fs), &signer_rec))
		return;
	snprintf(rec, sizeof(rec), "%d", signer_rec);

	token_steps(p, rq->nsast_tokens, "the eTokens are here, and none is locked (no PIN asked)",
		    "seed 002, \"토큰리스 솔루션에서 하드웨어 토큰으로\", steps 3-5 (SafeNet "
		    "Authentication Client, advanced view)", "export every eToken's certificate",
		    "seed 002, same section, steps 6-7");

	if (rq->config != NULL && !bridge) {
		s = step(p, "manual", "person", "upload every eToken certificate as "
			 "Phone-SAST-trust, so that TVS vouches for the new signer",
			 "seed 002, same section, steps 8-10, and the note after step 23");
		json_object_set_new(s, "text", args(
			"Cisco Unified OS Administration > Security > Certificate Management > "
			"Upload Certificate/Certificate chain:",
			"Certificate Purpose: Phone-SAST-trust; one upload per file of @/files/sast-certs/",
			"(\"Warning: Uploading a cluster-wide certificate will distribute it to all "
			"servers in this cluster\"; each ends with \"Success: Certificate Uploaded\")",
			NULL));
		json_object_set_new(s, "verify", json_pack("{s:s, s:s, s:s, s:[sssssss]}",
			"type", "trust-has", "certs", "@/files/sast-certs", "store", "@/files/trust",
			"fetch", "cluster", "fetch-certs", "-c", rq->config, "--trust", "--out",
			"@/files/trust"));
		store = "@/files/trust";
	}
	from = ctl;
	if (bridge) {
		/* Phones that cannot ask TVS learn the tokens from a CTL they trust. */
		snprintf(out, sizeof(out), "@/files/%d/CTLFile.tlv", next_n(p));
		a = args("build", "-o", out, "--from", ctl, "--from-signer", fs, NULL);
		ts_opt(p, a, 0);
		judge_opts(p, a, "--held-itl", itl, store, "--tvs-cert");
		add(a, "--sign-key");
		add(a, key);
		add(a, "--sign-cert");
		add(a, cert);
		if (!add_exported(p, a)) {
			json_decref(a);
			return;
		}
		judged[njudged++] = build_step(p, "the bridge: the tokenless CTL naming every "
					       "eToken as a SAST, signed by the CallManager key",
					       "docs/etoken-migration.md \"Phones without Security "
					       "By Default\"; not in the seeds", out, a);
		check_step(p, ctl, itl, store, "judge the bridge for the phones", judged, njudged);
		publish_step(p, judged[0], NULL);
		phones_step(p, judged[0], "the eToken CTL comes next: phones must hold the bridge");
		from = judged[0];
		fs = cert;
	}
	snprintf(out, sizeof(out), "@/files/%d/CTLFile.tlv", next_n(p));
	a = args("build", "-o", out, "--from", from, "--from-signer", fs, "--remove", rec, NULL);
	ts_opt(p, a, 1);
	judge_opts(p, a, "--held-itl", itl, store, "--tvs-cert");
	token_opts(p, a);
	add(a, "--sign-token");
	add(a, rq->sign_token);
	if (!bridge)
		for (size_t i = 0; i < rq->nsast_tokens; i++) {
			add(a, "--sast-token");
			add(a, rq->sast_tokens[i]);
		}
	judged[njudged++] = build_step(p, "the eToken CTL: the server records kept byte for "
				       "byte, the CallManager SAST record dropped, signed by the "
				       "first eToken (its PIN is asked)", "seed 002, same section, "
				       "steps 11-19 (the CTL Client's \"Update CTL File\")", out, a);
	check_step(p, ctl, itl, store, "judge the eToken CTL for the phones", judged, njudged);
	publish_step(p, judged[njudged - 1], "seed 002, same section, step 20 (restart TFTP "
		     "and CallManager on every node)");
	phones_step(p, judged[njudged - 1], "seed 002, same section, steps 21-23");
}

/* to-tokenless: shared/seeds/002 "하드웨어 토큰에서 토큰리스 솔루션으로". */
static void plan_tokenless(struct pb *p)
{
	const struct mig_request *rq = p->rq;
	const char *ctl, *itl, *store, *fs = NULL, *ncert, *nkey = NULL;
	const char *judged[2];
	int signer_rec = 0, erecs[8];
	size_t nerecs = 0;
	char out[64], name[300], cerpath[340];
	X509 *tok;
	json_t *a, *s;

	need(p, rq->ctl, "--ctl FILE", "the eToken CTL the phones hold now");
	need(p, rq->sign_token, "--sign-token URI",
	     "an eToken that is a SAST of --ctl: it signs the bridge CTL");
	need(p, rq->new_cert, "--new-cert CERT",
	     "the CallManager certificate that signs the tokenless CTL");
	if (p->failed)
		return;
	if (rq->new_key == NULL)
		need(p, rq->config, "-c CONFIG or --new-key KEY",
		     "CUCM builds the tokenless CTL (`utils ctl update CTLFile`); on Linux TFTP "
		     "ctlsign builds it with the CallManager key");
	ctl = abs_input(p, rq->ctl, 1);
	itl = itl_input(p, rq->itl);
	store = abs_input(p, rq->trust_store, 0);
	ncert = cert_input(p, rq->new_cert, "--new-cert");
	if (rq->new_key != NULL)
		nkey = abs_input(p, rq->new_key, 0);
	if (rq->from_signer != NULL)
		fs = cert_input(p, rq->from_signer, "--from-signer");
	if (p->failed || (tok = token_cert(p, rq->sign_token, name, sizeof(name))) == NULL)
		return;
	/* The held CTL's signer: --from-signer, else the token in hand. */
	if (fs != NULL) {
		X509 *want = ctl_load_cert(p->err, src(p, fs));

		if (want == NULL || !held_ctl_x(p, src(p, ctl), want, "--from-signer", &signer_rec,
						erecs, &nerecs)) {
			p->failed = 1;
			X509_free(want);
			X509_free(tok);
			return;
		}
		X509_free(want);
	} else if (!held_ctl_x(p, src(p, ctl), tok, "the --sign-token token", &signer_rec, erecs,
			       &nerecs)) {
		X509_free(tok);
		return;
	}
	X509_free(tok);

	token_steps(p, 0, "the eToken is here and not locked (no PIN asked)",
		    "the CTL Client's first step; seed 002 needs no token for this direction, "
		    "the bridge does", "export its certificate (the signer of the bridge, for "
		    "the next build's --from-signer)", NULL);
	snprintf(cerpath, sizeof(cerpath), "@/files/sast-certs/%s", name);

	snprintf(out, sizeof(out), "@/files/%d/CTLFile.tlv", next_n(p));
	a = args("build", "-o", out, "--from", ctl, NULL);
	if (fs != NULL) {
		add(a, "--from-signer");
		add(a, fs);
	}
	ts_opt(p, a, 0);
	judge_opts(p, a, "--held-itl", itl, store, "--tvs-cert");
	token_opts(p, a);
	add(a, "--sign-token");
	add(a, rq->sign_token);
	add(a, "--sast");
	add(a, ncert);
	judged[0] = build_step(p, "the bridge: the eToken CTL, naming the CallManager "
		   "certificate as a SAST, signed by the token in hand (its PIN is asked; the other tokens' records are "
		   "kept byte for byte)", "not in the seeds: without it phones without Security "
		   "By Default reject the tokenless CTL (seed 002, \"요구 사항\", the note on "
		   "devices without Security By Default)", out, a);
	check_step(p, ctl, itl, store, "judge the bridge for the phones", judged, 1);
	publish_step(p, judged[0], NULL);
	phones_step(p, judged[0], "the tokenless CTL comes next: phones must hold the bridge");
	if (nkey == NULL) {
		s = step(p, "run", "ctlsign", "`utils ctl update CTLFile` on the publisher: CUCM "
			 "builds the tokenless CTL, signed by CallManager, and copies it to every node",
			 "seed 002, \"하드웨어 토큰에서 토큰리스 솔루션으로\", steps 1-2");
		json_object_set_new(s, "argv", args("cluster", "update-ctl", "-c", rq->config, NULL));
		json_object_set_new(s, "writes_ctl", json_true());
		s = step(p, "run", "ctlsign", "restart TFTP and Cisco CallManager on every node",
			 "seed 002, same section, step 3");
		json_object_set_new(s, "argv", args("cluster", "restart", "-c", rq->config, NULL));
		s = step(p, "observe", "ctlsign", "every node serves the same tokenless CTL, which "
			 "verifies", "seed 002, same section, steps 5-6 (`show ctl`: signed by the "
			 "CCM+TFTP certificate; no eToken left)");
		json_object_set_new(s, "mode", json_string("mixed"));
		phones_step(p, "the file every node serves", "seed 002, same section, steps 4 and 7");
		return;
	}
	snprintf(out, sizeof(out), "@/files/%d/CTLFile.tlv", next_n(p));
	a = args("build", "-o", out, "--from", judged[0], "--from-signer", cerpath, NULL);
	ts_opt(p, a, 1);
	judge_opts(p, a, "--held-itl", itl, store, "--tvs-cert");
	for (size_t i = 0; i < nerecs; i++) {
		char num[16];

		snprintf(num, sizeof(num), "%d", erecs[i]);
		add(a, "--remove");
		add(a, num);
	}
	add(a, "--sign-key");
	add(a, nkey);
	add(a, "--sign-cert");
	add(a, ncert);
	judged[1] = build_step(p, "the tokenless CTL: the bridge's records without the "
		   "eTokens, signed by the CallManager key", "seed 002, same section, steps 2 and 6 (what `utils ctl "
		   "update CTLFile` writes: every eToken certificate gone)", out, a);
	check_step(p, ctl, itl, store, "judge both publications, in order, for the phones",
		   judged, 2);
	publish_step(p, judged[1], "seed 002, same section, step 3");
	phones_step(p, judged[1], "seed 002, same section, steps 4 and 7");
}

/* non-secure: leaving mixed mode; seed 002's only word on it is the note below. */
static void plan_nonsecure(struct pb *p)
{
	const struct mig_request *rq = p->rq;
	json_t *s;

	refuse(p, rq->sign_key, "--sign-key");
	refuse(p, rq->sign_token, "--sign-token");
	if (p->failed)
		return;
	if (rq->ctl != NULL)
		(void)abs_input(p, rq->ctl, 1);
	s = step(p, "observe", "ctlsign", "every node serves the same CTL (the one the phones "
		 "hold)", NULL);
	if (rq->config != NULL) {
		json_object_set_new(s, "mode", json_string("mixed"));
		s = step(p, "run", "ctlsign", "`utils ctl set-cluster non-secure-mode` on the "
			 "publisher", "not in the seeds: Cisco's \"CUCM Cluster Changed from Mixed "
			 "Mode to Non Secure Mode\" configuration example");
		json_object_set_new(s, "argv", args("cluster", "set-mode", "-c", rq->config,
						    "non-secure", NULL));
		/* The seeds do not say whether it rewrites the CTL: as if it may. */
		json_object_set_new(s, "writes_ctl", json_true());
		s = step(p, "run", "ctlsign", "restart TFTP and Cisco CallManager on every node",
			 "as after every mode change (seed 002, mixed mode, after step 3)");
		json_object_set_new(s, "argv", args("cluster", "restart", "-c", rq->config, NULL));
		s = step(p, "observe", "ctlsign", "every node is non-secure (the CTL is still "
			 "there: the mode change leaves it)", NULL);
		json_object_set_new(s, "mode", json_string("non-secure"));
		s = step(p, "run", "ctlsign", "remove CTLFile.tlv on every node and restart its TFTP "
			 "service", "seed 002, \"비보안 모드에서 혼합 모드(토큰리스 CTL)로\", the note "
			 "before step 1: a CTL on a cluster that is not in mixed mode is a leftover, "
			 "deleted on every node");
		json_object_set_new(s, "argv", args("cluster", "delete-file", "-c", rq->config,
						    "--restart-services", NULL));
		json_object_set_new(s, "writes_ctl", json_true());
	} else {
		s = step(p, "unpublish", "ctlsign", "remove CTLFile.tlv from every TFTP root", NULL);
	}
	s = step(p, "observe", "ctlsign", "no node serves a CTL", NULL);
	json_object_set_new(s, "absent", json_true());
	s = step(p, "manual", "person", "reset every phone", "not in the seeds");
	json_object_set_new(s, "text", args(
		"Reset every phone so that it loads its configuration again.",
		"A phone keeps the CTL it holds until it is erased on the phone (Settings > "
		"Security Configuration > Trust List) or by a factory reset; the seeds say no more "
		"about phones leaving mixed mode.", NULL));
	json_object_set_new(s, "verify", json_pack("{s:s}", "type", "confirm"));
}

/* plan_allows: was --allow-stranded cls given with the plan? */
static int plan_allows(const struct pb *p, const char *cls)
{
	for (size_t i = 0; i < p->rq->nallow; i++)
		if (strcmp(p->rq->allow[i], cls) == 0)
			return 1;
	return 0;
}

/* held_signed_by_etoken refuses (plan failed) a held CTL an eToken signed. */
static int held_signed_by_etoken(struct pb *p, const char *path)
{
	struct ctl_file f = { 0 };
	int idx, etoken = 0;

	if (!ctl_trust_load_held(&f, p->err, path, KIND_CTL)) {
		ctl_err_prefix(p->err, "--ctl");
		p->failed = 1;
		return 1;
	}
	if ((idx = ctl_find_signer(&f)) >= 0 && f.recs[idx].cert.present) {
		const unsigned char *q = f.recs[idx].cert.p;
		X509 *x = d2i_X509(NULL, &q, (long)f.recs[idx].cert.n);

		etoken = x != NULL && tokens_is_sast(x);
		X509_free(x);
	}
	ctl_file_cleanup(&f);
	if (etoken) {
		p->failed = 1;
		ctl_err_set(p->err, CTL_E_USAGE, "migrate %s: --ctl %s is signed by an eToken: "
			    "`utils ctl update CTLFile` would replace it with a tokenless CTL no "
			    "phone was prepared for; that is `migrate to-tokenless` (with its bridge)",
			    p->rq->plan, path);
	}
	return etoken;
}

/*
 * regenerate: shared/seeds/002 "토큰리스 CTL 솔루션의 인증서 재생성"
 * (CallManager under a tokenless CTL) and seed 001 "인증서 재생성/클러스터
 * 재구축/인증서 만료" (the ITL side, and the CallManager + TVS trap).
 */
static void plan_regenerate(struct pb *p)
{
	const struct mig_request *rq = p->rq;
	static const char *const pem[] = { "CallManager.pem", "TVS.pem", "ITLRecovery.pem" };
	static const char *const label[] = { "CallManager", "TVS", "ITLRecovery" };
	int which = -1;
	char title[200], text[400];
	json_t *s;

	need(p, rq->config, "-c CONFIG", "the certificate is regenerated on CUCM");
	if (rq->cert == NULL) {
		need(p, NULL, "--cert callmanager, tvs or itlrecovery", "the certificate regenerated");
		return;
	}
	if (strchr(rq->cert, ',') != NULL) {
		p->failed = 1;
		ctl_err_set(p->err, CTL_E_USAGE, "migrate regenerate: one certificate at a time, "
			    "not '%s': regenerating CallManager.pem and TVS.pem together leaves "
			    "phones that hold only an ITL unable to take the new ITL until it is "
			    "deleted on every phone by hand (seed 001, \"인증서 재생성\", step 2 note "
			    "and key points); regenerate one, let the phones take the new files, "
			    "then run this plan again for the other", rq->cert);
		return;
	}
	for (int i = 0; i < 3; i++)
		if (strcasecmp(rq->cert, label[i]) == 0)
			which = i;
	if (which < 0) {
		p->failed = 1;
		ctl_err_set(p->err, CTL_E_USAGE, "migrate regenerate: --cert takes callmanager, "
			    "tvs or itlrecovery, not '%s'", rq->cert);
		return;
	}
	need(p, rq->ctl, "--ctl FILE", "the CTL the phones hold, which the nodes serve now");
	if (p->failed)
		return;
	/*
	 * `utils ctl update CTLFile` writes a tokenless CTL: on an eToken
	 * cluster it is the move back to tokenless (seed 002), which needs its
	 * bridge first: that is the to-tokenless plan, not this one.
	 */
	if (held_signed_by_etoken(p, rq->ctl))
		return;
	/* The new signer is one no phone without Security By Default knows. */
	if (which != 1 && !plan_allows(p, "no-sbd")) {
		p->failed = 1;
		ctl_err_set(p->err, CTL_E_USAGE, "migrate regenerate: a new %s signs the CTL, "
			    "which phones without Security By Default (7940/7960, Jabber, many "
			    "TelePresence units) reject until it is deleted on each of them by hand "
			    "(seed 002, \"요구 사항\"); CUCM writes and publishes it in one command, "
			    "so nothing can be judged before: give --allow-stranded no-sbd to accept "
			    "it", pem[which]);
		return;
	}
	(void)abs_input(p, rq->ctl, 1);
	s = step(p, "observe", "ctlsign", "every node serves the same CTL (the one the phones hold)",
		 NULL);
	s = step(p, "run", "ctlsign", "the certificates as they are now, from every node",
		 NULL);
	json_object_set_new(s, "argv", args("cluster", "fetch-certs", "-c", rq->config, "--out",
					    "@/files/certs-before", NULL));
	json_object_set_new(s, "output_tree", json_string("@/files/certs-before"));
	snprintf(title, sizeof(title), "regenerate %s on the publisher", pem[which]);
	s = step(p, "manual", "person", title, which == 0 ?
		 "seed 002, \"토큰리스 CTL 솔루션의 인증서 재생성\", steps 1-2 (the Regenerate "
		 "button; menu from seed 001)" :
		 which == 1 ? "seed 001, \"인증서 재생성/클러스터 재구축/인증서 만료\"" :
		 "not in the seeds (ITLRecovery signs the tokenless CTL from CUCM 12: FORMAT.md)");
	snprintf(text, sizeof(text), "Cisco Unified OS Administration > Security > Certificate "
		 "Management > Find > %s > Regenerate (one certificate only: not %s at the same "
		 "time).", pem[which], which == 1 ? "CallManager.pem" : "TVS.pem");
	json_object_set_new(s, "text", args(text, "ctlsign sees it done when the node's "
		"certificate is another than at step 2 (`cluster fetch-certs`).",
		"Do not run `utils ctl update CTLFile` yourself: the next step does, once the new "
		"certificate is seen.",
		"If it was regenerated before step 2 read the certificates, ctlsign cannot see the "
		"change: say it is done with --confirm (the CallManager-and-TVS check is then "
		"yours).", NULL));
	/* CUCM may rewrite the CTL when a certificate is regenerated. */
	json_object_set_new(s, "writes_ctl", json_true());
	json_object_set_new(s, "verify", json_pack("{s:s, s:s, s:s, s:s, s:s, s:[ssssss]}",
		"type", "cert-changed", "cert", pem[which],
		"same", which == 1 ? "CallManager.pem" : "TVS.pem",
		"before", "@/files/certs-before", "after", "@/files/certs-after",
		"fetch", "cluster", "fetch-certs", "-c", rq->config, "--out",
		"@/files/certs-after"));
	if (which != 1) {
		s = step(p, "run", "ctlsign", "`utils ctl update CTLFile`: the tokenless CTL signed "
			 "by the new certificate, on every node", "seed 002, same section, step 3");
		json_object_set_new(s, "argv", args("cluster", "update-ctl", "-c", rq->config, NULL));
		json_object_set_new(s, "writes_ctl", json_true());
	}
	s = step(p, "run", "ctlsign", "restart TFTP and Cisco CallManager on every node",
		 "seed 002, same section, step 6");
	json_object_set_new(s, "argv", args("cluster", "restart", "-c", rq->config, NULL));
	if (which != 2) {
		s = step(p, "manual", "person", "restart the Cisco Trust Verification Service on "
			 "every node", "seed 001, key points: \"restart TVS and TFTP and reset the "
			 "phones\"");
		json_object_set_new(s, "text", args(
			"Cisco Unified Serviceability > Tools > Control Center - Network Services: "
			"Cisco Trust Verification Service > Restart, on every node that runs it.",
			NULL));
		json_object_set_new(s, "verify", json_pack("{s:s}", "type", "confirm"));
	}
	s = step(p, "observe", "ctlsign", "every node serves the same CTL, which verifies",
		 "seed 002, same section, step 5 (`show ctl`)");
	phones_step(p, "the file every node serves", which == 0 ?
		    "seed 002, same section, steps 7-8: phones ask TVS about the new signer" :
		    "seed 001, key points: reset the phones so they take the new ITL");
	json_array_append_new(json_object_get(p->plan, "notes"), json_string(
		"phones without Security By Default cannot ask TVS: after a new CallManager "
		"certificate signs the CTL they reject it until it is deleted on each by hand "
		"(seed 002, \"요구 사항\"); `ctlsign check` with the old and new files says "
		"which phones take them"));
}

static const struct {
	const char *name;
	void (*make)(struct pb *p);
} plans[] = {
	{ "regenerate", plan_regenerate },
	{ "mixed-mode", plan_mixed },
	{ "signer-change", plan_signer },
	{ "to-etoken", plan_etoken },
	{ "to-tokenless", plan_tokenless },
	{ "non-secure", plan_nonsecure },
};

json_t *mig_plan_make(struct ctl_err *err, const struct mig_request *rq)
{
	struct pb p = { 0 };
	size_t i;

	for (i = 0; i < sizeof(plans) / sizeof(plans[0]); i++)
		if (strcmp(plans[i].name, rq->plan) == 0)
			break;
	if (i == sizeof(plans) / sizeof(plans[0])) {
		ctl_err_set(err, CTL_E_USAGE, "migrate: unknown plan '%s' (mixed-mode, "
			    "signer-change, to-etoken, to-tokenless, non-secure, regenerate)", rq->plan);
		return NULL;
	}
	/* A PIN never reaches a plan, a command line or a screen. */
	for (size_t k = 0; k <= rq->nsast_tokens; k++) {
		const char *u = k == 0 ? rq->sign_token : rq->sast_tokens[k - 1];

		if (u != NULL && strcasestr(u, "pin-value") != NULL) {
			ctl_err_set(err, CTL_E_USAGE, "migrate: a token URI with pin-value= would put "
				    "the PIN in the plan and on command lines; use "
				    "pin-source=FILE, CTLSIGN_PIN, or type it when asked");
			return NULL;
		}
	}
	if ((rq->config == NULL) == (rq->nroots == 0)) {
		ctl_err_set(err, CTL_E_USAGE, "migrate %s: give either -c CONFIG (a cluster) or "
			    "--tftp-root DIR (local TFTP roots), not both", rq->plan);
		return NULL;
	}
	p.rq = rq;
	p.err = err;
	p.steps = json_array();
	p.inputs = json_object();
	p.plan = json_pack("{s:i, s:s, s:I, s:I, s:[], s:[], s:[]}",
			   "format_version", MIG_FORMAT_VERSION, "plan", rq->plan,
			   "created", (json_int_t)time(NULL),
			   "timestamp", (json_int_t)(rq->timestamp ? rq->timestamp :
						     (unsigned long)time(NULL)),
			   "notes", "paths", "tftp_roots");
	if (p.plan == NULL || p.steps == NULL || p.inputs == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		goto fail;
	}
	json_object_set(p.plan, "steps", p.steps);
	json_object_set(p.plan, "inputs", p.inputs);
	{
		json_t *allow = json_array();

		for (size_t k = 0; k < rq->nallow; k++)
			json_array_append_new(allow, json_string(rq->allow[k]));
		json_object_set_new(p.plan, "allow", allow);
	}
	if (rq->config != NULL)
		json_object_set_new(p.plan, "config", json_string(abs_input(&p, rq->config, 0)));
	for (size_t k = 0; k < rq->nroots; k++)
		json_array_append_new(json_object_get(p.plan, "tftp_roots"),
				      json_string(abs_input(&p, rq->roots[k], 0)));
	for (size_t k = 0; k < rq->ntvs; k++)
		p.tvs[p.ntvs++] = cert_input(&p, rq->tvs[k], "--tvs-cert");
	if (rq->itl == NULL && strcmp(rq->plan, "non-secure") != 0)
		json_array_append_new(json_object_get(p.plan, "notes"), json_string(
			"no --itl: check takes phones with Security By Default to hold no ITL; "
			"give the ITL they hold for exact verdicts"));
	if (p.failed)
		goto fail;
	plans[i].make(&p);
	if (p.failed)
		goto fail;
	/* What the nodes serve now: the held CTL, unless the plan said (mixed-mode). */
	if (json_object_get(p.plan, "served_now") == NULL && rq->ctl != NULL) {
		char buf[PATH_MAX];
		const char *key;
		json_t *v;

		if (realpath(rq->ctl, buf) != NULL)
			json_object_foreach(p.inputs, key, v)
				if (strcmp(json_string_value(json_object_get(v, "from")), buf) == 0)
					json_object_set(p.plan, "served_now",
							json_object_get(v, "sha256"));
	}
	json_object_del(p.plan, "paths");
	json_decref(p.steps);
	json_decref(p.inputs);
	return p.plan;
fail:
	if (err->code == CTL_OK)
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
	json_decref(p.steps);
	json_decref(p.inputs);
	json_decref(p.plan);
	return NULL;
}
