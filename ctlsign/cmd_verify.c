/*
 * cmd_verify.c - `ctlsign verify`: many trust lists in one process (a
 * TFTP root holds a CTLSEP<MAC>.tlv per phone), one line each, on
 * several cores.
 *
 * The files are taken in batches: the main thread lists a batch (the
 * arguments, and each directory's *.tlv files in name order), the
 * workers and the main thread verify its files in any order, each with
 * a key cache of its own, and the main thread prints the batch's lines
 * in input order. Two batches take turns: while the workers verify one,
 * the main thread lists the next (a directory pass, path names), then
 * joins them. Output and exit status are those of one core, and memory
 * is bounded by the two batches, not by the number of files.
 */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "json.h"
#include "text.h"
#include "trustlist.h"

static const char verify_usage[] =
	"usage: ctlsign verify [-q] [-j N] [--cert CERT] [--json] FILE|DIR...\n"
	"\n"
	"Verifies CTL/ITL files (and .sgn files with --cert): well-formed, every\n"
	"certificate parses and matches its record, the signer is a SAST record and\n"
	"the signature is valid. A directory stands for the *.tlv files in it (any\n"
	"case: CTLSEP0123.TLV too), in name order; one with none is an error, and an\n"
	"entry that is not a regular file is skipped with a warning. Names are printed\n"
	"with control characters, bidi controls and bytes that are not UTF-8 shown as\n"
	"\\xNN. Lines come in the order of the arguments whatever -j is.\n"
	"A certificate that has expired or expires within 30 days (at SOURCE_DATE_EPOCH\n"
	"if set) draws a notice on stderr, not a failure: phones keep using it.\n"
	"Unless -q, the last line on stdout counts the files:\n"
	"  N valid, N invalid, N malformed, N unreadable, N skipped\n"
	"\n"
	"  --cert CERT    the signer's certificate for .sgn files (the TFTP/CallManager cert)\n"
	"  -j, --jobs N   verify on N threads (1..256; default: the CPUs this process\n"
	"                 may run on)\n"
	"  -q, --quiet    print only failures\n"
	"  --json         one JSON document: every file, its outcome, the counts\n"
	"                 (docs/json.md); the error lines still go to stderr\n"
	"  -h, --help     this text\n"
	"\n"
	"exit status: 0 all valid, 1 a signature or signer is invalid, 2 a file is\n"
	"malformed, a directory holds no *.tlv file (or usage), 3 a file or\n"
	"directory cannot be read; the highest applies\n";

#define MAX_JOBS 256
/* Items listed before their lines are printed: bounds memory and latency. */
#define BATCH 1024
/*
 * Names of a directory taken per pass; a bigger one is read in several
 * passes. At most DIR_ROOM are held while a pass looks for its first
 * DIR_CHUNK, so that a directory of 10,000 and one of 100,000 hold about
 * as many (10,000 vs 12,288): memory does not grow with the directory.
 */
#define DIR_CHUNK 8192
#define DIR_ROOM (DIR_CHUNK + DIR_CHUNK / 2)
/*
 * Directories held open at once: each stays open until its last entry
 * is verified, so entries of many small directories share a batch. More
 * than this (or than the descriptor limit leaves room for) and what is
 * listed is verified first, to let them go.
 */
#define DIRS_HELD 64

enum item_kind {
	IT_FILE,    /* an argument: verify it */
	IT_DIRENT,  /* a directory entry: skip it unless a regular file (or gone) */
	IT_DIRREG,  /* a directory entry readdir says is a regular file */
	IT_ERROR,   /* err is set already (a path too long, an unreadable directory) */
	IT_DIR_START, /* a directory's entries follow */
	IT_DIR_END, /* the end of directory path: complain if it held nothing */
};

enum outcome { OUT_OK, OUT_FAIL, OUT_SKIP };

struct item {
	enum item_kind kind;
	char *path;
	/*
	 * A directory entry is opened by name relative to its directory,
	 * held open while its entries are verified: dirfd and the name
	 * within path. Anything else: AT_FDCWD and path.
	 */
	int dirfd;
	const char *name;
	int close_fd;   /* IT_DIR_END: its directory, closed once printed; else -1 */
	enum outcome out;
	int signer_index;
	struct ctl_err err;
	char *notices;  /* malloc'd, terminal-safe: lines about expired or expiring certificates */
};

struct worker;

struct vstate {
	X509 *cert;
	int64_t now;    /* the clock expiry notices are judged by */
	int quiet;
	int rc;
	json_t *jfiles; /* --json: one entry per file, in order; else NULL */
	int jobs;
	/* The summary's classes: by exit status 1, 2 and 3 (others: invalid). */
	size_t ok, invalid, malformed, unreadable, skipped;
	size_t tried; /* entries of the current directory not skipped */
	int dirs_held; /* directories open for entries listed, not yet printed */
	int dirs_max;  /* at most this many: DIRS_HELD, or fewer under a low fd limit */

	struct item items[2][BATCH];
	struct item *fill;        /* the batch being listed (main thread) */
	size_t nfill;
	struct item *run;         /* the batch being verified; NULL: none */
	size_t nrun;

	/* The pool, started at the first batch with two files or more. */
	struct worker *workers;
	int nworkers;
	struct ctl_key_cache *cache; /* the main thread's */
	pthread_mutex_t lock;
	pthread_cond_t go, done;
	unsigned long generation; /* bumped for each batch handed out */
	int busy;                 /* workers still on the current batch */
	int quit;
	atomic_size_t next;       /* the next item to take */
};

struct worker {
	struct vstate *st;
	struct ctl_key_cache *cache;
	pthread_t thread;
};

/*
 * expiry_notices writes into it one line for each record of f whose
 * certificate has expired or expires within CTL_EXPIRY_SOON_DAYS days:
 * a notice, not a failure (phones keep using them). The certificates
 * come from the cache that verified them.
 */
static void expiry_notices(struct item *it, struct ctl_key_cache *cache,
			   const struct ctl_file *f, int64_t now)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = NULL;

	for (size_t i = 0; i < f->nrecs; i++) {
		const struct ctl_record *r = &f->recs[i];
		const char *role = ctl_role_short(r->role);
		const X509 *x;
		char when[128];
		size_t sn = r->subject.n;

		if (!r->cert.present ||
		    (x = ctl_key_cache_cert(cache, r->cert.p, r->cert.n)) == NULL ||
		    ctl_expiry_text(when, sizeof(when), x, now) == 0)
			continue;
		if (mem == NULL && (mem = open_memstream(&buf, &len)) == NULL)
			return;
		while (sn > 0 && r->subject.p[sn - 1] == '\0')
			sn--;
		/* Made safe here: a newline in a name must not start a line. */
		ctl_text_put(mem, (const uint8_t *)it->path, strlen(it->path));
		fprintf(mem, ": record %zu (%s ", i + 1, role != NULL ? role : "unknown role");
		if (r->subject.present)
			ctl_text_put(mem, r->subject.p, sn);
		fprintf(mem, "): certificate %s; phones keep using it\n", when);
	}
	if (mem != NULL && fclose(mem) == 0 && len > 0)
		it->notices = buf;
	else
		free(buf);
}

/* verify_item does one item's work; it only writes to it. */
static void verify_item(struct item *it, struct ctl_key_cache *cache, X509 *cert,
			int64_t now)
{
	struct ctl_verify_result vr;
	struct ctl_file f;
	struct stat sb;

	if (it->kind != IT_FILE && it->kind != IT_DIRENT && it->kind != IT_DIRREG)
		return;
	/*
	 * readdir's type saves a stat per file; a link (or a file system
	 * without d_type) is looked at. A dangling link or a race:
	 * ctl_parse_path reports it (it refuses what is not a regular file).
	 */
	if (it->kind == IT_DIRENT && fstatat(it->dirfd, it->name, &sb, 0) == 0 &&
	    !S_ISREG(sb.st_mode)) {
		it->out = OUT_SKIP;
		return;
	}
	ctl_err_init(&it->err);
	it->out = OUT_FAIL;
	if (!ctl_parse_at(&f, &it->err, it->dirfd, it->name, it->path, PARSE_AUTO))
		return;
	if (ctl_verify(&f, &it->err, &vr, cache, cert)) {
		it->out = OUT_OK;
		it->signer_index = vr.signer_index;
		expiry_notices(it, cache, &f, now);
	} else {
		ctl_err_prefix(&it->err, "%s", it->path);
	}
	ctl_file_cleanup(&f);
}

/* take_items verifies items of the batch until none is left. */
static void take_items(struct vstate *st, struct ctl_key_cache *cache)
{
	size_t i;

	while ((i = atomic_fetch_add(&st->next, 1)) < st->nrun)
		verify_item(&st->run[i], cache, st->cert, st->now);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct vstate *st = w->st;
	unsigned long seen = 0;

	pthread_mutex_lock(&st->lock);
	for (;;) {
		while (!st->quit && st->generation == seen)
			pthread_cond_wait(&st->go, &st->lock);
		if (st->quit)
			break;
		seen = st->generation;
		pthread_mutex_unlock(&st->lock);
		take_items(st, w->cache);
		pthread_mutex_lock(&st->lock);
		if (--st->busy == 0)
			pthread_cond_signal(&st->done);
	}
	pthread_mutex_unlock(&st->lock);
	return NULL;
}

/*
 * pool_start starts jobs-1 workers; with fewer (no memory, no thread),
 * the batches are verified by as many as started, the main thread too.
 */
static void pool_start(struct vstate *st)
{
	int want = st->jobs - 1;

	st->workers = calloc((size_t)want, sizeof(*st->workers));
	if (st->workers == NULL)
		return;
	for (int i = 0; i < want; i++) {
		struct worker *w = &st->workers[st->nworkers];

		w->st = st;
		w->cache = ctl_key_cache_new();
		if (w->cache == NULL ||
		    pthread_create(&w->thread, NULL, worker_main, w) != 0) {
			ctl_key_cache_free(w->cache);
			w->cache = NULL;
			break;
		}
		st->nworkers++;
	}
}

static void pool_stop(struct vstate *st)
{
	if (st->workers == NULL)
		return;
	pthread_mutex_lock(&st->lock);
	st->quit = 1;
	pthread_cond_broadcast(&st->go);
	pthread_mutex_unlock(&st->lock);
	for (int i = 0; i < st->nworkers; i++) {
		pthread_join(st->workers[i].thread, NULL);
		ctl_key_cache_free(st->workers[i].cache);
	}
	free(st->workers);
	st->workers = NULL;
}

/* fail: one line on stderr (cmd_fail makes names safe: a path may be anyone's). */
static void fail(struct vstate *st, const struct ctl_err *err)
{
	int code = cmd_fail(err);

	if (code == 2)
		st->malformed++;
	else if (code == 3)
		st->unreadable++;
	else
		st->invalid++;
	if (code > st->rc)
		st->rc = code;
}

/*
 * json_item: --json's entry for a file (path NULL: not known, e.g. a
 * name too long to join to its directory). The whole list is held until
 * the end, a few hundred bytes a file: the memory bound of the batches
 * does not hold under --json (docs/json.md).
 */
static void json_item(struct vstate *st, const char *path, const char *status,
		      int signer, const struct ctl_err *err)
{
	json_t *o;

	if (st->jfiles == NULL)
		return;
	o = cj_obj();
	cj_set(o, "path", cj_str(path));
	cj_set(o, "status", cj_str(status));
	cj_set(o, "signer_record", signer >= 0 ? cj_int(signer + 1) : cj_str(NULL));
	cj_set(o, "error", err != NULL ? cj_error(err) : cj_str(NULL));
	cj_add(st->jfiles, o);
}

/* status_of: --json's outcome of a failure, as fail() counts it. */
static const char *status_of(const struct ctl_err *err)
{
	int code = ctl_exit_code(err->code);

	return code == 2 ? "malformed" : code == 3 ? "unreadable" : "invalid";
}

/*
 * print_notices: after the file's line, on stderr (stdout flushed first,
 * so that a terminal shows them in order), also with -q and --json:
 * like warnings, they are not the report.
 */
static void print_notices(const struct item *it)
{
	const char *line = it->notices, *nl;

	if (line == NULL)
		return;
	fflush(stdout);
	while ((nl = strchr(line, '\n')) != NULL) {
		cmd_print(stderr, "ctlsign: notice: %.*s\n", (int)(nl - line), line);
		line = nl + 1;
	}
}

static void print_item(struct vstate *st, const struct item *it)
{
	struct ctl_err err;

	switch (it->kind) {
	case IT_ERROR:
		json_item(st, it->path, status_of(&it->err), -1, &it->err);
		fail(st, &it->err);
		st->tried++;
		return;
	case IT_DIR_START:
		st->tried = 0;
		return;
	case IT_DIR_END:
		if (st->tried == 0) {
			ctl_err_init(&err);
			ctl_err_set(&err, CTL_E_FORMAT,
				    "%s: no trust list (*.tlv) to verify",
				    it->path != NULL ? it->path : "a directory");
			json_item(st, it->path, "malformed", -1, &err);
			if (cmd_fail(&err) > st->rc)
				st->rc = 2;
		}
		return;
	case IT_FILE:
	case IT_DIRENT:
	case IT_DIRREG:
		break;
	}
	if (it->out == OUT_SKIP) {
		json_item(st, it->path, "skipped", -1, NULL);
		st->skipped++;
		cmd_warn("%s: not a regular file, skipped", it->path);
		return;
	}
	st->tried++;
	if (it->out == OUT_FAIL) {
		json_item(st, it->path, status_of(&it->err), -1, &it->err);
		fail(st, &it->err);
		return;
	}
	st->ok++;
	json_item(st, it->path, "valid", it->signer_index, NULL);
	if (!st->quiet && st->jfiles == NULL) {
		ctl_text_put(stdout, (const uint8_t *)it->path, strlen(it->path));
		if (it->signer_index >= 0)
			printf(": OK, signed by record %d\n", it->signer_index + 1);
		else
			printf(": OK\n");
	}
	print_notices(it);
}

/*
 * print_release prints a verified item and lets go of what it holds: at
 * a directory's end, the directory (every entry of it is verified).
 */
static void print_release(struct vstate *st, struct item *it)
{
	print_item(st, it);
	free(it->path);
	free(it->notices);
	if (it->close_fd >= 0) {
		close(it->close_fd);
		st->dirs_held--;
	}
}

/*
 * start_run hands the listed batch to the pool (to the main thread alone
 * with one job or one file) and leaves nothing listed. No batch may be
 * running.
 */
static void start_run(struct vstate *st)
{
	size_t files = 0;

	for (size_t i = 0; i < st->nfill; i++)
		files += st->fill[i].kind == IT_FILE || st->fill[i].kind == IT_DIRENT ||
			 st->fill[i].kind == IT_DIRREG;
	if (files > 1 && st->jobs > 1 && st->workers == NULL)
		pool_start(st);
	pthread_mutex_lock(&st->lock);
	st->run = st->fill;
	st->nrun = st->nfill;
	atomic_store(&st->next, 0);
	if (st->nworkers > 0 && files > 1) {
		st->busy = st->nworkers;
		st->generation++;
		pthread_cond_broadcast(&st->go);
	}
	pthread_mutex_unlock(&st->lock);
	st->fill = NULL;
	st->nfill = 0;
}

/* end_run verifies what is left of the running batch, waits for the pool, prints it. */
static void end_run(struct vstate *st)
{
	struct item *done = st->run;

	take_items(st, st->cache);
	pthread_mutex_lock(&st->lock);
	while (st->busy > 0)
		pthread_cond_wait(&st->done, &st->lock);
	st->run = NULL;
	pthread_mutex_unlock(&st->lock);
	for (size_t i = 0; i < st->nrun; i++)
		print_release(st, &done[i]);
	st->nrun = 0;
	/* Its buffer is the next to fill. */
	if (st->fill == NULL)
		st->fill = done;
}

/*
 * next_batch: the running batch is finished, the listed one handed to
 * the pool, and the finished one printed while the pool works, so that
 * the main thread lists the batch after while the workers verify.
 */
static void next_batch(struct vstate *st)
{
	struct item *done = st->run;
	size_t ndone = st->nrun;

	if (done != NULL) {
		take_items(st, st->cache);
		pthread_mutex_lock(&st->lock);
		while (st->busy > 0)
			pthread_cond_wait(&st->done, &st->lock);
		pthread_mutex_unlock(&st->lock);
	}
	start_run(st);
	for (size_t i = 0; i < ndone; i++)
		print_release(st, &done[i]);
	st->fill = done != NULL ? done : st->items[st->run == st->items[0]];
}

/* flush verifies and prints every item listed so far, in order. */
static void flush(struct vstate *st)
{
	if (st->nfill > 0)
		next_batch(st);
	if (st->run != NULL)
		end_run(st);
}

/*
 * add_entry lists one item (path is taken over: malloc'd, or NULL when
 * out of memory, which becomes an error item), a directory's entry if
 * dirfd is not AT_FDCWD (its name is path's last name_len bytes).
 * Flushes a full batch.
 */
static void add_entry(struct vstate *st, enum item_kind kind, char *path,
		      int dirfd, size_t name_len, const struct ctl_err *err)
{
	struct item *it;

	if (st->nfill == BATCH)
		next_batch(st);
	it = &st->fill[st->nfill++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->path = path;
	it->dirfd = path != NULL ? dirfd : AT_FDCWD;
	it->name = path == NULL ? NULL :
		   dirfd == AT_FDCWD ? path : path + strlen(path) - name_len;
	it->signer_index = -1;
	it->close_fd = -1;
	ctl_err_init(&it->err);
	if (err != NULL)
		it->err = *err;
	else if (path == NULL && kind != IT_DIR_START && kind != IT_DIR_END) {
		it->kind = IT_ERROR;
		ctl_err_set(&it->err, CTL_E_INTERNAL, "out of memory");
	}
}

static void add_item(struct vstate *st, enum item_kind kind, char *path,
		     const struct ctl_err *err)
{
	add_entry(st, kind, path, AT_FDCWD, 0, err);
}

/* A trust list in a directory: NAME.tlv, the suffix in any case. */
static int is_tlv(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && strcasecmp(name + n - 4, ".tlv") == 0;
}

/*
 * A listed name is kept as one string: a type byte ('r' for what readdir
 * says is a regular file, '?' otherwise), then the name.
 */
static int by_name(const void *a, const void *b)
{
	/* alphasort's order in the C locale, which ctlsign runs in. */
	return strcmp(*(char *const *)a + 1, *(char *const *)b + 1);
}

static char *listed(const struct dirent *de)
{
	size_t n = strlen(de->d_name);
	char *s = malloc(n + 2);

	if (s != NULL) {
		s[0] = de->d_type == DT_REG ? 'r' : '?';
		memcpy(s + 1, de->d_name, n + 1);
	}
	return s;
}

/*
 * next_names reads dir and leaves in names[0..*out_n) the DIR_CHUNK
 * first *.tlv names in order that sort after last (all if last is NULL).
 * *out_more tells whether names are left after those. Returns 0 if the
 * directory cannot be read. A directory of any size is read in passes of
 * DIR_CHUNK names, so memory does not grow with it. The price is paid by
 * directories of more than 16,384 trust lists: a pass over 100,000
 * entries costs ~25 ms of ext4 readdir here, 13 passes ~15% of verifying
 * them (docs/benchmarks.md); a TFTP root of one CTLSEP file per phone
 * rarely has that many.
 */
static int next_names(int dirfd, const char *last, char **names,
		      size_t *out_n, int *out_more)
{
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	char *bound = NULL; /* once names were dropped: nothing after it is kept */
	size_t n = 0;
	int ok = 1;

	*out_n = 0;
	*out_more = 0;
	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	/* The dup shares dirfd's offset: every pass starts at the beginning. */
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (!is_tlv(de->d_name) ||
		    (last != NULL && strcmp(de->d_name, last + 1) <= 0) ||
		    (bound != NULL && strcmp(de->d_name, bound + 1) >= 0))
			continue;
		if (n == DIR_ROOM) {
			/* Keep the DIR_CHUNK first: the rest wait for a pass. */
			qsort(names, n, sizeof(*names), by_name);
			free(bound);
			bound = names[DIR_CHUNK];
			for (size_t i = DIR_CHUNK + 1; i < n; i++)
				free(names[i]);
			n = DIR_CHUNK;
			if (strcmp(de->d_name, bound + 1) >= 0)
				continue;
		}
		if ((names[n] = listed(de)) == NULL) {
			ok = 0;
			break;
		}
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	if (n > DIR_CHUNK || bound != NULL)
		*out_more = 1;
	for (size_t i = DIR_CHUNK; i < n; i++)
		free(names[i]);
	if (n > DIR_CHUNK)
		n = DIR_CHUNK;
	free(bound);
	if (!ok) {
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		return 0;
	}
	*out_n = n;
	return 1;
}

static void verify_dir(struct vstate *st, const char *dir)
{
	char **names = malloc(DIR_ROOM * sizeof(*names));
	size_t dlen = strlen(dir), n = 0;
	const char *sep = dlen > 0 && dir[dlen - 1] == '/' ? "" : "/";
	char *last = NULL;
	struct ctl_err err;
	int more = 1, first = 1;
	int dirfd;

	/* Room for one more directory: the listed ones verified, let go. */
	if (st->dirs_held >= st->dirs_max)
		flush(st);
	/*
	 * Its files are opened relative to the directory (no walk of its
	 * path per file), and every pass lists the directory that was opened.
	 * Out of descriptors with directories held: let them go, try again.
	 */
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0 && (errno == EMFILE || errno == ENFILE) && st->dirs_held > 0) {
		flush(st);
		dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	ctl_err_init(&err);
	if (names == NULL) {
		if (dirfd >= 0)
			close(dirfd);
		ctl_err_set(&err, CTL_E_INTERNAL, "out of memory");
		add_item(st, IT_ERROR, NULL, &err);
		return;
	}
	add_item(st, IT_DIR_START, NULL, NULL);
	while (more) {
		if (dirfd < 0 || !next_names(dirfd, last, names, &n, &more)) {
			ctl_err_init(&err);
			ctl_err_set(&err, CTL_E_IO, "%s: cannot read directory", dir);
			add_item(st, IT_ERROR, strdup(dir), &err);
			if (first) { /* nothing else to say about it */
				if (dirfd >= 0)
					close(dirfd);
				free(names);
				return;
			}
			break;
		}
		first = 0;
		for (size_t i = 0; i < n; i++) {
			const char *name = names[i] + 1;
			size_t len = dlen + strlen(sep) + strlen(name) + 1;
			char *path;

			if (len > PATH_MAX) {
				/* Not silently: it is a trust list we did not check. */
				ctl_err_init(&err);
				/* The name first: a long directory is cut off the end. */
				ctl_err_set(&err, CTL_E_IO, "%s: not verified, its path is "
					    "longer than PATH_MAX (%d bytes) in directory %s",
					    name, PATH_MAX, dir);
				add_item(st, IT_ERROR, NULL, &err);
				continue;
			}
			if ((path = malloc(len)) != NULL) {
				memcpy(path, dir, dlen);
				memcpy(path + dlen, sep, strlen(sep));
				memcpy(path + dlen + strlen(sep), name, strlen(name) + 1);
			}
			add_entry(st, names[i][0] == 'r' ? IT_DIRREG : IT_DIRENT, path,
				  dirfd, strlen(name), NULL);
		}
		free(last);
		last = n > 0 ? names[n - 1] : NULL;
		for (size_t i = 0; i + 1 < n; i++)
			free(names[i]);
		if (n == 0)
			break;
	}
	free(last);
	free(names);
	/* Closed when this item is printed, after every entry before it. */
	st->dirs_held++;
	add_item(st, IT_DIR_END, strdup(dir), NULL);
	st->fill[st->nfill - 1].close_fd = dirfd;
}

/*
 * dirs_max: how many directories may be held open, leaving descriptors
 * for stdio, the listing's own, and a file per thread, with room to spare.
 */
static int dirs_max(int jobs)
{
	struct rlimit rl;
	long room;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return DIRS_HELD;
	room = (long)(rl.rlim_cur > 1000000 ? 1000000 : rl.rlim_cur) - 16 - 2L * jobs;
	return room < 1 ? 1 : room > DIRS_HELD ? DIRS_HELD : (int)room;
}

/* default_jobs: the CPUs this process may run on (taskset, cgroups' cpuset). */
static int default_jobs(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		n = CPU_COUNT(&set);
	else
		n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > MAX_JOBS ? MAX_JOBS : (int)n;
}

static int parse_jobs(const char *s, int *out)
{
	unsigned long n;

	if (!cmd_parse_uint(s, MAX_JOBS, &n) || n < 1)
		return 0;
	*out = (int)n;
	return 1;
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cert", required_argument, NULL, 'c' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vstate *st;
	const char *cert_path = NULL;
	struct ctl_err err;
	int c, jobs = 0, quiet = 0, rc, json = cj_wanted("verify", argc, argv);
	uint32_t now = 0;
	char when[128];

	ctl_err_init(&err);
	optind = 1;
	while ((c = getopt_long(argc, argv, "qj:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cert_path = optarg; break;
		case 'j':
			if (!parse_jobs(optarg, &jobs))
				return cmd_usage_error("verify", "-j wants a number of threads, 1..%d",
						       MAX_JOBS);
			break;
		case 'q': quiet = 1; break;
		case 'J': json = 1; break;
		case 'h': fputs(verify_usage, stdout); return 0;
		default: return cmd_bad_option("verify", argv);
		}
	}
	if (optind == argc)
		return cmd_usage_error("verify", "no file given");
	/* Expiry is judged at SOURCE_DATE_EPOCH when set: repeatable output. */
	if (!cmd_timestamp(NULL, &now))
		return cmd_usage_error("verify", "SOURCE_DATE_EPOCH is not a number of seconds");
	st = calloc(1, sizeof(*st));
	if (st == NULL || (st->cache = ctl_key_cache_new()) == NULL) {
		free(st);
		ctl_err_set(&err, CTL_E_INTERNAL, "out of memory");
		if (json)
			cj_fail_doc(&err);
		return cmd_fail(&err);
	}
	if (json)
		st->jfiles = cj_arr();
	st->quiet = quiet;
	st->now = now;
	st->jobs = jobs > 0 ? jobs : default_jobs();
	st->fill = st->items[0];
	st->dirs_max = dirs_max(st->jobs);
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->go, NULL);
	pthread_cond_init(&st->done, NULL);
	if (cert_path != NULL && (st->cert = ctl_load_cert(&err, cert_path)) == NULL) {
		if (json)
			cj_fail_doc(&err);
		rc = cmd_fail(&err);
		goto out;
	}
	if (st->cert != NULL && ctl_expiry_text(when, sizeof(when), st->cert, now) > 0)
		cmd_print(stderr, "ctlsign: notice: %s: certificate %s\n", cert_path, when);
	for (int i = optind; i < argc; i++) {
		struct stat sb;

		if (stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode))
			verify_dir(st, argv[i]);
		else
			add_item(st, IT_FILE, strdup(argv[i]), NULL);
	}
	flush(st);
	if (json) {
		json_t *doc = cj_doc_new(), *sum = cj_obj();

		cj_set(doc, "files", st->jfiles);
		st->jfiles = NULL;
		cj_set(sum, "valid", cj_int((long long)st->ok));
		cj_set(sum, "invalid", cj_int((long long)st->invalid));
		cj_set(sum, "malformed", cj_int((long long)st->malformed));
		cj_set(sum, "unreadable", cj_int((long long)st->unreadable));
		cj_set(sum, "skipped", cj_int((long long)st->skipped));
		cj_set(doc, "summary", sum);
		rc = cj_print(doc);
		if (rc == 0)
			rc = st->rc;
		goto out;
	}
	if (!st->quiet)
		printf("%zu valid, %zu invalid, %zu malformed, %zu unreadable, %zu skipped\n",
		       st->ok, st->invalid, st->malformed, st->unreadable, st->skipped);
	rc = st->rc;
out:
	json_decref(st->jfiles);
	pool_stop(st);
	pthread_cond_destroy(&st->done);
	pthread_cond_destroy(&st->go);
	pthread_mutex_destroy(&st->lock);
	ctl_key_cache_free(st->cache);
	X509_free(st->cert);
	free(st);
	return rc;
}
