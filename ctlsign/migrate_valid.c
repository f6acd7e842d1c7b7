/*
 * migrate_valid.c - plan.json and state.json as migrate.c may use them.
 * They are the user's own files in a directory closed to others, but a
 * hand edit, a disk error or a bug must not become a crash or a file
 * published from outside the state directory: every member the runner
 * reads is checked for its type and shape when the files are loaded,
 * and the runner then relies on it.
 */
#include <string.h>

#include "migrate.h"
#include "trustlist.h"

#define MAX_STEPS 200
#define MAX_WORDS 200

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/*
 * mig_state_path: a path into the state directory as plans write them,
 * "@/files/" then names without "." or ".." components or empty ones.
 */
int mig_state_path(const char *s)
{
	const char *p;

	if (s == NULL || strncmp(s, "@/files/", 8) != 0 || strlen(s) > 400)
		return 0;
	for (p = s + 8; *p;) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p += n;
		if (*p == '/')
			p++;
	}
	return p > s + 8;
}

/* plain_name: a file name of a node's certificate directory (CallManager.pem). */
static int plain_name(const char *s)
{
	return s != NULL && s[0] != '\0' && s[0] != '.' && strchr(s, '/') == NULL;
}

static int is_hex64(const char *s)
{
	return s != NULL && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* words: an array of 1..MAX_WORDS strings, the first one of firsts (NULL: any). */
static int words(const json_t *a, const char *const *firsts)
{
	size_t i;
	json_t *v;

	if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > MAX_WORDS)
		return 0;
	json_array_foreach(a, i, v)
		if (!json_is_string(v))
			return 0;
	if (firsts == NULL)
		return 1;
	for (; *firsts != NULL; firsts++)
		if (strcmp(json_string_value(json_array_get(a, 0)), *firsts) == 0)
			return 1;
	return 0;
}

/* word_after: the word after flag in a (NULL: none, or flag last). */
static const char *word_after(const json_t *a, const char *flag)
{
	for (size_t i = 0; i + 1 < json_array_size(a); i++)
		if (strcmp(json_string_value(json_array_get(a, i)), flag) == 0)
			return json_string_value(json_array_get(a, i + 1));
	return NULL;
}

static int same(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* state_words: every word naming the state directory stays in it. */
static int state_words(const json_t *a)
{
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v)
		if (json_string_value(v)[0] == '@' && !mig_state_path(json_string_value(v)))
			return 0;
	return 1;
}

/*
 * cluster_words: a `cluster` command of a plan: one of the subcommands
 * plans use, on the plan's configuration; fetch-certs writes only into
 * out; delete-file deletes only CTLFile.tlv.
 */
static int cluster_words(const json_t *a, const char *config, const char *out)
{
	static const char *const subs[] = { "set-mode", "update-ctl", "restart", "fetch-certs",
					    "delete-file", NULL };
	const char *sub = json_string_value(json_array_get(a, 1));
	size_t i;
	json_t *v;

	if (sub == NULL || !same(word_after(a, "-c"), config))
		return 0;
	for (i = 0; subs[i] != NULL && strcmp(subs[i], sub) != 0; i++)
		;
	if (subs[i] == NULL)
		return 0;
	json_array_foreach(a, i, v)
		if (strcmp(json_string_value(v), "--file") == 0 ||
		    strcmp(json_string_value(v), "--known-hosts") == 0)
			return 0;
	if (strcmp(sub, "fetch-certs") == 0)
		return same(word_after(a, "--out"), out);
	return word_after(a, "--out") == NULL;
}

/* run_words: a run step's command does what its kind and members say. */
static int run_words(const json_t *s, const char *config)
{
	const json_t *a = json_object_get(s, "argv");
	const char *cmd = json_string_value(json_array_get(a, 0));
	const char *sub = json_string_value(json_array_get(a, 1));

	if (!state_words(a))
		return 0;
	if (strcmp(cmd, "build") == 0)
		return same(word_after(a, "-o"), json_string_value(json_object_get(s, "output")));
	if (strcmp(cmd, "tokens") == 0)
		return sub != NULL && (strcmp(sub, "list") == 0 ||
				       (strcmp(sub, "export") == 0 &&
					same(word_after(a, "--out"),
					     json_string_value(json_object_get(s, "output_dir")))));
	return cluster_words(a, config, json_string_value(json_object_get(s, "output_tree")));
}

static int opt_path(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return v == NULL || mig_state_path(json_string_value(v));
}

static int opt_str(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return v == NULL || json_is_string(v);
}

static int one_of(const char *s, const char *const *set)
{
	for (; s != NULL && *set != NULL; set++)
		if (strcmp(s, *set) == 0)
			return 1;
	return 0;
}

static int classes(const json_t *a)
{
	static const char *const cls[] = { "sbd", "no-sbd", "empty", NULL };
	size_t i;
	json_t *v;

	if (!json_is_array(a) || json_array_size(a) > 3)
		return 0;
	json_array_foreach(a, i, v)
		if (!one_of(json_string_value(v), cls))
			return 0;
	return 1;
}

/* step_ok: one step, by its kind; why names the member at fault. */
static int step_ok(const json_t *s, size_t i, const char *config, const char **why)
{
	static const char *const kinds[] = { "run", "check", "publish", "observe", "manual",
					     "unpublish", NULL };
	static const char *const whos[] = { "ctlsign", "person", NULL };
	static const char *const run_cmds[] = { "build", "tokens", "cluster", NULL };
	static const char *const check_cmd[] = { "check", NULL };
	static const char *const cluster_cmd[] = { "cluster", NULL };
	static const char *const modes[] = { "mixed", "non-secure", NULL };
	static const char *const verifies[] = { "confirm", "trust-has", "cert-changed", NULL };
	const char *kind = jstr(s, "kind");
	const json_t *v;
	size_t k;

	*why = "a member";
	if (!json_is_object(s) || json_integer_value(json_object_get(s, "n")) != (json_int_t)i + 1)
		return *why = "n", 0;
	if (!one_of(kind, kinds))
		return *why = "kind", 0;
	if (!one_of(jstr(s, "who"), whos))
		return *why = "who", 0;
	if (!json_is_string(json_object_get(s, "title")) || !opt_str(s, "seed"))
		return *why = "title", 0;
	if (strcmp(kind, "run") == 0)
		return (words(json_object_get(s, "argv"), run_cmds) && opt_path(s, "output") &&
			opt_path(s, "output_dir") && opt_path(s, "output_tree") &&
			run_words(s, config)) ||
		       (*why = "argv or output", 0);
	if (strcmp(kind, "check") == 0) {
		if (!words(json_object_get(s, "argv"), check_cmd) ||
		    !state_words(json_object_get(s, "argv")) ||
		    !same(json_string_value(json_array_get(json_object_get(s, "argv"), 1)), "--json") ||
		    !words(json_object_get(s, "files"), NULL) || !opt_str(s, "ctl") ||
		    !opt_str(s, "itl") || !opt_str(s, "store"))
			return *why = "argv or files", 0;
		json_array_foreach(json_object_get(s, "files"), k, v)
			if (!mig_state_path(json_string_value(v)))
				return *why = "files", 0;
		return 1;
	}
	if (strcmp(kind, "publish") == 0)
		return mig_state_path(jstr(s, "file")) || (*why = "file", 0);
	if (strcmp(kind, "observe") == 0) {
		v = json_object_get(s, "mode");
		return v == NULL || one_of(json_string_value(v), modes) || (*why = "mode", 0);
	}
	if (strcmp(kind, "manual") == 0) {
		const json_t *vf = json_object_get(s, "verify");
		const char *type = jstr(vf, "type");

		if (!words(json_object_get(s, "text"), NULL) || !opt_str(s, "file"))
			return *why = "text", 0;
		if (!one_of(type, verifies))
			return *why = "verify", 0;
		if (strcmp(type, "trust-has") == 0)
			return (mig_state_path(jstr(vf, "certs")) && mig_state_path(jstr(vf, "store")) &&
				words(json_object_get(vf, "fetch"), cluster_cmd) &&
				cluster_words(json_object_get(vf, "fetch"), config, jstr(vf, "store"))) ||
			       (*why = "verify", 0);
		if (strcmp(type, "cert-changed") == 0)
			return (mig_state_path(jstr(vf, "before")) && mig_state_path(jstr(vf, "after")) &&
				json_is_string(json_object_get(vf, "cert")) &&
				json_is_string(json_object_get(vf, "same")) &&
				plain_name(jstr(vf, "cert")) && plain_name(jstr(vf, "same")) &&
				words(json_object_get(vf, "fetch"), cluster_cmd) &&
				cluster_words(json_object_get(vf, "fetch"), config, jstr(vf, "after"))) ||
			       (*why = "verify", 0);
	}
	return 1;
}

int mig_plan_valid(struct ctl_err *err, const json_t *plan, const char *path)
{
	const json_t *steps = json_object_get(plan, "steps"), *inputs = json_object_get(plan, "inputs");
	const json_t *roots = json_object_get(plan, "tftp_roots"), *v;
	const char *key, *why = NULL;
	size_t i;

	if (!json_is_string(json_object_get(plan, "plan")))
		why = "plan";
	else if (!json_is_integer(json_object_get(plan, "timestamp")))
		why = "timestamp";
	else if (!json_is_array(steps) || json_array_size(steps) == 0 ||
		 json_array_size(steps) > MAX_STEPS)
		why = "steps";
	else if (!json_is_array(roots) || json_array_size(roots) > 16)
		why = "tftp_roots";
	else if (!opt_str(plan, "config") || !opt_str(plan, "served_now"))
		why = "config";
	else if ((json_object_get(plan, "config") == NULL) == (json_array_size(roots) == 0))
		why = "config and tftp_roots";
	else if (!json_is_object(inputs))
		why = "inputs";
	else if (!classes(json_object_get(plan, "allow")))
		why = "allow";
	if (why == NULL)
		json_array_foreach(roots, i, v)
			if (!json_is_string(v) || json_string_value(v)[0] != '/')
				why = "tftp_roots";
	if (why == NULL)
		json_object_foreach((json_t *)inputs, key, v)
			if (!mig_state_path(key) || !is_hex64(jstr(v, "sha256")) ||
			    !json_is_string(json_object_get(v, "from")))
				why = "inputs";
	if (why == NULL)
		json_array_foreach(steps, i, v) {
			const char *bad;

			if (!step_ok(v, i, jstr(plan, "config"), &bad))
				return ctl_err_set(err, CTL_E_FORMAT, "%s: step %zu: bad or missing "
						   "member '%s'", path, i + 1, bad);
		}
	if (why != NULL)
		return ctl_err_set(err, CTL_E_FORMAT, "%s: bad or missing member '%s'", path, why);
	return 1;
}

int mig_state_valid(struct ctl_err *err, const json_t *state, const json_t *plan,
		    const char *path)
{
	const json_t *files = json_object_get(state, "files"), *sv = json_object_get(state, "served");
	const json_t *at = json_object_get(state, "allow_at"), *v;
	const json_t *judged = json_object_get(state, "judged");
	json_int_t next = json_integer_value(json_object_get(state, "next"));
	const char *key, *why = NULL;

	if (next < 1 || next > (json_int_t)json_array_size(json_object_get(plan, "steps")) + 1)
		why = "next";
	else if (!json_is_object(files))
		why = "files";
	else if (!json_is_object(sv) || !opt_str(sv, "expected") || !opt_str(sv, "publishing") ||
		 !opt_str(sv, "expected_md5"))
		why = "served";
	else if (!classes(json_object_get(state, "allow")))
		why = "allow";
	else if (at != NULL && !json_is_object(at))
		why = "allow_at";
	if (why == NULL)
		json_object_foreach((json_t *)files, key, v)
			if (!mig_state_path(key) || !is_hex64(json_string_value(v)))
				why = "files";
	if (why == NULL && judged != NULL && !json_is_object(judged))
		why = "judged";
	if (why == NULL && judged != NULL)
		json_object_foreach((json_t *)judged, key, v)
			if (!mig_state_path(key) || !is_hex64(json_string_value(v)))
				why = "judged";
	if (why == NULL && at != NULL)
		json_object_foreach((json_t *)at, key, v)
			if (!classes(v))
				why = "allow_at";
	if (why != NULL)
		return ctl_err_set(err, CTL_E_FORMAT, "%s: bad or missing member '%s'", path, why);
	return 1;
}
