/*
 * cmd_check.c - `ctlsign check`: before publishing new trust lists, say
 * whether phones that hold today's CTL/ITL will take them, step by step
 * as a phone downloads them, for each class of phone. The model is
 * ctl_trust_plan (trustlist/trust.c); this file renders it.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "cmd.h"
#include "json.h"
#include "text.h"
#include "trustlist.h"
#include "util.h"

static const char check_usage[] =
	"usage: ctlsign check [--ctl CTL] [--itl ITL] [--trust-store DIR]\n"
	"                     [--tvs CERT... | --old-cluster-tvs CERT...] [--json] NEW...\n"
	"\n"
	"Judges the NEW trust lists as a phone downloads them (in each publication the\n"
	"CTL before the ITL; a kind given again starts the next publication), each\n"
	"against what the phone holds after the previous step, for phones with\n"
	"Security By Default, phones without it (7940/7960, Jabber, many TelePresence\n"
	"units: CTL only, no TVS) and a phone that holds nothing. Each line says the\n"
	"verdict and why: which certificate signed, which held file trusts it, whether\n"
	"TVS is trusted and whether the trust store holds the signer.\n"
	"\n"
	"  --ctl FILE          the CTL the phones hold now (none: they hold no CTL)\n"
	"  --itl FILE          the ITL the phones hold now (none: they hold no ITL)\n"
	"  --trust-store DIR   the cluster's trust store: PEM or DER certificates, e.g.\n"
	"                      the Phone-SAST-trust and CallManager-trust units\n"
	"                      (without it, a TVS verdict says it depends on the store)\n"
	"  --tvs CERT          a certificate the TVS servers of the phones' CallManager\n"
	"                      group present after the change (repeatable, at most 8;\n"
	"                      default: the TVS records of the new ITL); a publication\n"
	"                      whose ITL names TVS keeps only those it names, or, if\n"
	"                      none, uses the ITL's (TVS.pem changed)\n"
	"  --old-cluster-tvs CERT\n"
	"                      phones moved to another cluster: the TVS certificate of\n"
	"                      the cluster they come from, asked at every step whatever\n"
	"                      the new ITLs name (repeatable, at most 8)\n"
	"  --json              the same facts as one JSON document (docs/json.md)\n"
	"  -h, --help          this text\n"
	"\n"
	"exit status: 0 every phone takes every file without TVS, 10 every phone takes\n"
	"every file, some through TVS, 11 phones without Security By Default are\n"
	"stranded, 12 a verdict depends on something not given (the trust store, TVS's\n"
	"certificate, the phones' ITL) or on what TVS said earlier, 13 phones with\n"
	"Security By Default (or holding nothing) are stranded; 1 a file does not\n"
	"verify, 2 malformed or usage, 3 I/O (the highest applies; a NEW file\n"
	"refused: no verdict at all, fix it first)\n";

enum {
	CHECK_OK = 0,
	CHECK_VIA_TVS = 10,
	CHECK_NO_SBD_STRANDED = 11,
	CHECK_DEPENDS = 12,
	CHECK_SBD_STRANDED = 13,
};

static const char *const class_label[CTL_NPHONES] = {
	"with Security By Default",
	"without Security By Default",
	"holding nothing",
};

static const char *verdict_text(enum ctl_verdict v)
{
	switch (v) {
	case VERDICT_DIRECT: return "TAKES it";
	case VERDICT_FIRST: return "TAKES it (first file)";
	case VERDICT_TVS: return "TAKES it through TVS";
	case VERDICT_DEPENDS: return "DEPENDS";
	case VERDICT_STRANDED: return "STRANDED";
	case VERDICT_NOT_USED: return "not affected";
	}
	return "?";
}

void cmd_trust_line(char *out, size_t n, int phone, const struct ctl_trust_verdict *v)
{
	snprintf(out, n, "phones %s: %s: %s", class_label[phone], verdict_text(v->verdict),
		 v->reason);
}

/* The exit status a step's verdicts make (the highest of the run wins). */
int cmd_trust_status(const struct ctl_trust_step *st, size_t n)
{
	int rc = CHECK_OK;

	for (size_t i = 0; i < n; i++)
		for (int c = 0; c < CTL_NPHONES; c++) {
			int r = CHECK_OK;

			switch (st[i].phone[c].verdict) {
			case VERDICT_TVS: r = CHECK_VIA_TVS; break;
			case VERDICT_DEPENDS: r = CHECK_DEPENDS; break;
			case VERDICT_STRANDED:
				r = c == PHONE_NO_SBD ? CHECK_NO_SBD_STRANDED : CHECK_SBD_STRANDED;
				break;
			default: break;
			}
			rc = r > rc ? r : rc;
		}
	return rc;
}

static void put_holds(FILE *out, const struct ctl_trust_holding *h)
{
	cmd_print(out, "CTL %s, ITL %s", h->ctl ? h->ctl : "none",
		  h->itl ? h->itl : h->itl_unknown ? "(not given)" : "none");
}

static void signer_sha1(char hex[41], const struct ctl_file *f)
{
	ctl_record_sha1_hex(hex, &f->recs[ctl_find_signer(f)], 0, 0);
}

static void render_text(const struct ctl_trust_input *in, const struct ctl_trust_step *st,
			size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct ctl_file *f = in->files[st[i].file];

		const struct ctl_record *s = &f->recs[ctl_find_signer(f)];
		char hex[41];

		signer_sha1(hex, f);
		cmd_print(stdout, "step %zu: %s (%s) signed by %.*s (certificate SHA-1 %s)\n", i + 1,
			  in->names[st[i].file], f->kind == KIND_CTL ? "CTL" : "ITL",
			  s->subject.present ? (int)strnlen((const char *)s->subject.p, s->subject.n) : 0,
			  s->subject.present ? (const char *)s->subject.p : "", hex);
		for (int c = 0; c < CTL_NPHONES; c++) {
			const struct ctl_trust_verdict *v = &st[i].phone[c];
			char line[CTL_REASON_MAX + 128];

			cmd_trust_line(line, sizeof(line), c, v);
			cmd_print(stdout, "  %s\n", line);
			cmd_print(stdout, "    then hold%s: ", v->nholds > 1 ? " one of" : "");
			for (size_t k = 0; k < v->nholds; k++) {
				if (k > 0)
					cmd_print(stdout, " | ");
				put_holds(stdout, &v->holds[k]);
			}
			fputc('\n', stdout);
		}
	}
}

static json_t *json_holds(const char *ctl, const char *itl, int itl_unknown)
{
	json_t *o = cj_obj();

	cj_set(o, "ctl", cj_str(ctl));
	cj_set(o, "itl", cj_str(itl));
	cj_set(o, "itl_unknown", cj_bool(itl_unknown));
	return o;
}

struct failed {
	const char *file;
	struct ctl_err err;
	int code;
};

static json_t *json_verdict(const struct ctl_trust_verdict *v)
{
	json_t *o = cj_obj(), *outcomes = cj_arr(), *may = cj_arr();

	cj_set(o, "verdict", cj_str(ctl_verdict_name(v->verdict)));
	cj_set(o, "takes", cj_bool(ctl_verdict_takes(v->verdict)));
	cj_set(o, "reason", cj_str(v->reason));
	for (int k = 0; k <= VERDICT_NOT_USED; k++)
		if (v->outcomes & (1u << k))
			cj_add(outcomes, cj_str(ctl_verdict_name((enum ctl_verdict)k)));
	cj_set(o, "outcomes", outcomes);
	cj_set(o, "holds", json_holds(v->holds[0].ctl, v->holds[0].itl, v->holds[0].itl_unknown));
	for (size_t k = 0; k < v->nholds; k++)
		cj_add(may, json_holds(v->holds[k].ctl, v->holds[k].itl, v->holds[k].itl_unknown));
	cj_set(o, "may_hold", may);
	return o;
}

/* render_json: check --json (docs/json.md, docs/schema/check.json). */
static int render_json(const struct ctl_trust_input *in, const struct ctl_trust_step *st,
		       size_t n, const struct failed *bad, size_t nbad, int rc)
{
	json_t *doc = cj_doc_new(), *store, *steps = cj_arr(), *rejected = cj_arr();
	int jrc;

	/* With --ctl alone, phones with Security By Default hold an ITL that
	 * was not given (R2). */
	cj_set(doc, "held", json_holds(in->held_ctl ? in->held_ctl_name : NULL,
				       in->held_itl ? in->held_itl_name : NULL,
				       in->held_ctl != NULL && in->held_itl == NULL));
	if (in->store == NULL) {
		cj_set(doc, "trust_store", cj_str(NULL));
	} else {
		store = cj_obj();
		cj_set(store, "dir", cj_str(in->store_name));
		cj_set(store, "certificates", cj_int((long long)ctl_trust_store_count(in->store)));
		cj_set(doc, "trust_store", store);
	}
	cj_set(doc, "tvs_given", cj_int((long long)in->ntvs));
	cj_set(doc, "tvs_fixed", cj_bool(in->tvs_fixed));
	for (size_t i = 0; i < n; i++) {
		const struct ctl_file *f = in->files[st[i].file];
		const struct ctl_record *s = &f->recs[ctl_find_signer(f)];
		json_t *o = cj_obj(), *signer = cj_obj(), *phones = cj_obj();
		char hex[41];

		signer_sha1(hex, f);
		cj_set(o, "step", cj_int((long long)i + 1));
		cj_set(o, "path", cj_str(in->names[st[i].file]));
		cj_set(o, "kind", cj_str(f->kind == KIND_CTL ? "CTL" : "ITL"));
		cj_set(signer, "subject", s->subject.present ?
		       cj_bytes(s->subject.p, strnlen((const char *)s->subject.p, s->subject.n)) :
		       cj_str(NULL));
		cj_set(signer, "cert_sha1", cj_str(hex));
		cj_set(o, "signer", signer);
		cj_set(o, "tvs_known", cj_bool(st[i].tvs_known));
		for (int c = 0; c < CTL_NPHONES; c++)
			cj_set(phones, ctl_phone_name((enum ctl_phone)c), json_verdict(&st[i].phone[c]));
		cj_set(o, "phones", phones);
		cj_add(steps, o);
	}
	cj_set(doc, "steps", steps);
	for (size_t i = 0; i < nbad; i++) {
		json_t *o = cj_obj();

		cj_set(o, "path", cj_str(bad[i].file));
		cj_set(o, "error", cj_error(&bad[i].err));
		cj_add(rejected, o);
	}
	cj_set(doc, "rejected", rejected);
	cj_set(doc, "exit", cj_int(rc));
	jrc = cj_print(doc);
	return jrc != 0 ? jrc : rc;
}

/*
 * depends_summary: a class in doubt, step by step: what each step in
 * doubt does in its cases ("takes it only if TVS vouches", or the verdicts
 * of the holdings that earlier answers of TVS leave it in).
 */
static void depends_summary(const struct ctl_trust_step *st, size_t n, int c)
{
	static const char *const words[] = { "takes it", "takes it", "takes it through TVS",
					     "takes it only if TVS vouches", "STRANDED", "not affected" };

	cmd_print(stdout, "result: phones %s: it DEPENDS:", class_label[c]);
	for (size_t i = 0, first = 1; i < n; i++) {
		const struct ctl_trust_verdict *v = &st[i].phone[c];

		if (v->verdict != VERDICT_DEPENDS)
			continue;
		cmd_print(stdout, "%s step %zu ", first ? "" : ";", i + 1);
		first = 0;
		if (v->outcomes == 1u << VERDICT_DEPENDS) {
			cmd_print(stdout, "takes it only if TVS vouches");
			continue;
		}
		cmd_print(stdout, "by what TVS said earlier:");
		for (int o = 0, k = 0; o <= VERDICT_NOT_USED; o++)
			if ((v->outcomes & (1u << o)) && (o != VERDICT_FIRST ||
							  !(v->outcomes & (1u << VERDICT_DIRECT))))
				cmd_print(stdout, "%s %s", k++ ? " or" : "", words[o]);
	}
	cmd_print(stdout, " (the cases are in the steps' lines)\n");
}

/*
 * summary: one line per class: the first step that strands the phone,
 * else the first in doubt (with its cases), else "takes every file" (or
 * "is not affected" when no step concerns it).
 */
static void summary(const struct ctl_trust_step *st, size_t n)
{
	for (int c = 0; c < CTL_NPHONES; c++) {
		size_t worst = SIZE_MAX;
		int used = 0;

		for (size_t i = 0; i < n; i++) {
			enum ctl_verdict v = st[i].phone[c].verdict;

			used = used || v != VERDICT_NOT_USED;
			if (v == VERDICT_STRANDED) {
				worst = i;
				break;
			}
			if (v == VERDICT_DEPENDS && worst == SIZE_MAX)
				worst = i;
		}
		if (worst == SIZE_MAX)
			cmd_print(stdout, "result: phones %s %s\n", class_label[c],
				  used ? "take every file" : "are not affected (they load no ITL)");
		else if (st[worst].phone[c].verdict == VERDICT_STRANDED)
			cmd_print(stdout, "result: phones %s are STRANDED at step %zu\n", class_label[c],
				  worst + 1);
		else
			depends_summary(st, n, c);
	}
}

/* usage_fail: a usage error (with --json, cmd_usage_error prints the document). */
static int usage_fail(const char *msg)
{
	return cmd_usage_error("check", "%s", msg);
}

struct ctl_trust_store *cmd_load_trust_store(struct ctl_err *err, const char *dir)
{
	struct ctl_trust_store *s = ctl_trust_store_new();

	if (s == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		return NULL;
	}
	if (!ctl_trust_store_load_dir(s, err, dir)) {
		ctl_err_prefix(err, "--trust-store");
		ctl_trust_store_free(s);
		return NULL;
	}
	return s;
}

#define MAX_TVS 8 /* check_usage and docs/ctlsign.1 say 8 */

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ctl", required_argument, NULL, 'c' },
		{ "itl", required_argument, NULL, 'i' },
		{ "trust-store", required_argument, NULL, 's' },
		{ "tvs", required_argument, NULL, 't' },
		{ "old-cluster-tvs", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ctl_path = NULL, *itl_path = NULL, *store_dir = NULL;
	const char *tvs_paths[MAX_TVS];
	size_t ntvs_paths = 0, nfiles = 0, nbad = 0, nsteps = 0;
	struct ctl_file ctl = { 0 }, itl = { 0 }, *files = NULL;
	const struct ctl_file **fp = NULL;
	const char **names = NULL;
	struct ctl_trust_store *store = NULL;
	struct ctl_trust_step *steps = NULL;
	struct ctl_trust_input in = { 0 };
	struct failed *bad = NULL;
	X509 *tvs[MAX_TVS] = { NULL };
	struct ctl_err err;
	/* --json anywhere: even a usage error then prints one JSON document. */
	int c, json = cj_wanted("check", argc, argv), rc = 0, err_rc = 0, tvs_kind = 0;

	ctl_err_init(&err);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': ctl_path = optarg; break;
		case 'i': itl_path = optarg; break;
		case 's': store_dir = optarg; break;
		case 't':
		case 'o':
			if (tvs_kind != 0 && tvs_kind != c)
				return usage_fail("--tvs and --old-cluster-tvs exclude each other");
			if (ntvs_paths == MAX_TVS)
				return usage_fail("at most 8 --tvs or --old-cluster-tvs certificates");
			tvs_kind = c;
			tvs_paths[ntvs_paths++] = optarg;
			break;
		case 'j': json = 1; break;
		case 'h': fputs(check_usage, stdout); return 0;
		default: return cmd_bad_option("check", argv);
		}
	}
	if (optind == argc)
		return usage_fail("no new file given");
	/*
	 * What the phone holds is built on: a held file that does not verify
	 * (tampered, or signed by a record that cannot prove its signer)
	 * would make any verdict a guess. So would a trust store read in part.
	 */
	if ((ctl_path != NULL && !ctl_trust_load_held(&ctl, &err, ctl_path, KIND_CTL)) ||
	    (itl_path != NULL && !ctl_trust_load_held(&itl, &err, itl_path, KIND_ITL)) ||
	    (store_dir != NULL && (store = cmd_load_trust_store(&err, store_dir)) == NULL))
		goto fail;
	for (size_t i = 0; i < ntvs_paths; i++)
		if ((tvs[i] = ctl_load_cert(&err, tvs_paths[i])) == NULL) {
			ctl_err_prefix(&err, "%s", tvs_kind == 'o' ? "--old-cluster-tvs" : "--tvs");
			goto fail;
		}
	nfiles = (size_t)(argc - optind);
	files = calloc(nfiles, sizeof(*files));
	fp = calloc(nfiles, sizeof(*fp));
	names = calloc(nfiles, sizeof(*names));
	bad = calloc(nfiles, sizeof(*bad));
	steps = calloc(nfiles, sizeof(*steps));
	if (files == NULL || fp == NULL || names == NULL || bad == NULL || steps == NULL) {
		ctl_err_set(&err, CTL_E_INTERNAL, "out of memory");
		goto fail;
	}
	/*
	 * A new file that does not verify, or whose own name makes it another
	 * kind than its FILENAME, is reported, and then nothing is judged (R5):
	 * leaving it out would cut the rest into publications that are never
	 * downloaded that way (the ITL of its publication would be judged with
	 * the next one's CTL), and the administrator must not publish it.
	 */
	for (int i = optind; i < argc; i++) {
		struct ctl_file *f = &files[nsteps];

		ctl_err_init(&err);
		if (!ctl_parse_path(f, &err, argv[i], PARSE_RECORDS) ||
		    !ctl_verify(f, &err, NULL, NULL, NULL) ||
		    !ctl_check_served_as(f, &err, cmd_basename(argv[i]))) {
			if (f->buf != NULL && err.code == CTL_E_VERIFY)
				ctl_err_prefix(&err, "%s: REJECTED: does not verify", argv[i]);
			bad[nbad].file = argv[i];
			bad[nbad].err = err;
			bad[nbad++].code = cmd_fail(&err);
			err_rc = bad[nbad - 1].code > err_rc ? bad[nbad - 1].code : err_rc;
			ctl_file_cleanup(f);
			continue;
		}
		fp[nsteps] = f;
		names[nsteps++] = argv[i];
	}
	in = (struct ctl_trust_input){ ctl_path ? &ctl : NULL, itl_path ? &itl : NULL,
				       ctl_path, itl_path, store, store_dir,
				       tvs, ntvs_paths, fp, names, nsteps, tvs_kind == 'o' };
	if (nbad > 0) {
		rc = err_rc;
		if (json) {
			rc = render_json(&in, steps, 0, bad, nbad, rc);
		} else {
			for (size_t i = 0; i < nbad; i++)
				cmd_print(stdout, "result: %s is REJECTED by every phone (it does not "
					  "verify, is misnamed or cannot be read): fix it first: the "
					  "phones' download cannot be judged with a file they would "
					  "reject\n", bad[i].file);
		}
		goto done;
	}
	/* A forgotten --ctl/--itl gives the most optimistic answer: say so. */
	if (ctl_path == NULL && itl_path == NULL)
		cmd_warn("no --ctl and no --itl: the phones are taken to hold nothing, so they "
			 "take the first file they download");
	ctl_err_init(&err);
	if (!ctl_trust_plan(steps, &err, &in))
		goto fail;
	rc = cmd_trust_status(steps, nsteps);
	if (json) {
		rc = render_json(&in, steps, nsteps, bad, nbad, rc);
	} else {
		render_text(&in, steps, nsteps);
		if (nsteps > 0)
			summary(steps, nsteps);
	}
	goto done;
fail:
	if (json)
		cj_fail_doc(&err);
	rc = cmd_fail(&err);
done:
	for (size_t i = 0; i < nsteps; i++)
		ctl_file_cleanup(&files[i]);
	for (size_t i = 0; i < ntvs_paths; i++)
		X509_free(tvs[i]);
	free(files);
	free(fp);
	free(names);
	free(bad);
	free(steps);
	ctl_trust_store_free(store);
	ctl_file_cleanup(&ctl);
	ctl_file_cleanup(&itl);
	return rc;
}
