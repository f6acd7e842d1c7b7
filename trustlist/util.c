/*
 * util.c - bounded reads, atomic writes (and the list of their temporary
 * files for the program's signal handler), wiping secrets and reading
 * them under one policy. No terminal here: the program asks (ctl_asker).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "util.h"

void burn(void *p, size_t n)
{
	if (p != NULL && n > 0)
		OPENSSL_cleanse(p, n);
}

void burn_free(void *p, size_t n)
{
	burn(p, n);
	free(p);
}

void burn_str(char *s)
{
	if (s != NULL)
		burn_free(s, strlen(s));
}

int ctl_read_file(struct ctl_err *err, const char *path, size_t max,
		  uint8_t **out, size_t *out_len)
{
	return ctl_read_file_st(err, path, max, out, out_len, NULL);
}

int ctl_read_file_st(struct ctl_err *err, const char *path, size_t max,
		     uint8_t **out, size_t *out_len, struct stat *out_st)
{
	return ctl_read_file_at(err, AT_FDCWD, path, path, max, out, out_len, out_st);
}

int ctl_read_file_at(struct ctl_err *err, int dirfd, const char *name,
		     const char *path, size_t max, uint8_t **out,
		     size_t *out_len, struct stat *out_st)
{
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	int fd = -1, ok = 0;
	struct stat st;

	/*
	 * O_NONBLOCK: opening a FIFO must not wait for a writer (it is then
	 * refused as not a regular file). Regular files ignore the flag.
	 */
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		ctl_err_set(err, CTL_E_IO, "%s: cannot open: %s", path,
			    strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		ctl_err_set(err, CTL_E_IO, "%s: not a regular file", path);
		goto out;
	}
	if ((uintmax_t)st.st_size > max) {
		ctl_err_set(err, CTL_E_FORMAT,
			    "%s: file of %jd bytes is larger than the %zu-byte limit",
			    path, (intmax_t)st.st_size, max);
		goto out;
	}
	/* Read to EOF, not to st_size: the file may change under us. */
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (buf == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "%s: out of memory", path);
		goto out;
	}
	for (;;) {
		size_t want = cap - len;
		ssize_t r = read(fd, buf + len, want);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ctl_err_set(err, CTL_E_IO, "%s: read failed: %s", path,
				    strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > max) {
			ctl_err_set(err, CTL_E_FORMAT,
				    "%s: file is larger than the %zu-byte limit",
				    path, max);
			goto out;
		}
		/*
		 * A regular file reads short only at its end: stop there
		 * rather than pay another read to see 0.
		 */
		if ((size_t)r < want)
			break;
		if (len == cap) {
			uint8_t *p;

			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			p = realloc(buf, cap);
			if (p == NULL) {
				ctl_err_set(err, CTL_E_INTERNAL,
					    "%s: out of memory", path);
				goto out;
			}
			buf = p;
		}
	}
	*out = buf;
	*out_len = len;
	if (out_st != NULL)
		*out_st = st;
	buf = NULL;
	ok = 1;
out:
	/* A failed read may hold part of a private key (signer.c reads keys here). */
	burn_free(buf, len);
	if (fd >= 0)
		close(fd);
	return ok;
}

/*
 * Temporary files in flight, for ctl_tmp_unlink_all in a signal handler:
 * a fixed table, no lock and no allocation on the handler's side. A slot
 * is claimed with a compare-and-swap (FREE -> CLAIMED), its path written
 * while CLAIMED, and published by storing LIVE; the handler reads only
 * LIVE slots. A name is published before the file is created (O_EXCL),
 * so there is no moment when the file exists and the table does not
 * know it: a handler that runs first unlinks a name that is not there.
 */
#define TMP_SLOTS 256 /* zero pages until used: 1 MiB of address space */
#define TMP_SUFFIX ".tmp.XXXXXX"

enum { TMP_FREE, TMP_CLAIMED, TMP_LIVE, TMP_LIVE_DIR };

_Static_assert(sizeof(TMP_SUFFIX) - 1 == CTL_TMP_SUFFIX_LEN, "util.h says the suffix length");

#if ATOMIC_INT_LOCK_FREE != 2
#error "a signal handler may only read lock-free atomics"
#endif

static struct tmp_slot {
	atomic_int state;
	char path[PATH_MAX];
} tmp_slots[TMP_SLOTS];

/*
 * tmp_rmdir_all removes the directory path and the files in it, from a
 * signal handler: open, getdents64 (the system call: readdir may
 * allocate), unlinkat, rmdir; no allocation. Entries removed while the
 * directory is read may make a pass skip some: it reads again from the
 * start until a pass finds nothing left to remove.
 */
static void tmp_rmdir_all(const char *path)
{
	union {
		char b[4096];
		unsigned long long align;
	} u;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	for (int pass = 0; fd >= 0 && pass < 64; pass++) {
		int removed = 0;
		long n;

		if (lseek(fd, 0, SEEK_SET) != 0)
			break;
		while ((n = syscall(SYS_getdents64, fd, u.b, sizeof(u.b))) > 0) {
			/* struct linux_dirent64: ino 8, off 8, reclen 2, type 1, name. */
			for (long off = 0; off + 19 < n;) {
				unsigned short reclen;
				const char *name = u.b + off + 19;

				memcpy(&reclen, u.b + off + 16, sizeof(reclen));
				if (reclen == 0)
					break;
				if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
				    unlinkat(fd, name, 0) == 0)
					removed = 1;
				off += reclen;
			}
		}
		if (!removed)
			break;
	}
	if (fd >= 0)
		close(fd);
	(void)rmdir(path);
}

void ctl_tmp_unlink_all(void)
{
	for (size_t i = 0; i < TMP_SLOTS; i++)
		if (atomic_load(&tmp_slots[i].state) == TMP_LIVE)
			(void)unlink(tmp_slots[i].path);
	for (size_t i = 0; i < TMP_SLOTS; i++)
		if (atomic_load(&tmp_slots[i].state) == TMP_LIVE_DIR)
			tmp_rmdir_all(tmp_slots[i].path);
}

static int tmp_claim(struct ctl_err *err, const char *path)
{
	for (int i = 0; i < TMP_SLOTS; i++) {
		int expect = TMP_FREE;

		if (atomic_compare_exchange_strong(&tmp_slots[i].state, &expect,
						   TMP_CLAIMED))
			return i;
	}
	ctl_err_set(err, CTL_E_INTERNAL,
		    "%s: more than %d files are being written at once", path,
		    TMP_SLOTS);
	return -1;
}

/* tmp_release forgets slot i (its file is gone or renamed); -1 is fine. */
static void tmp_release(int i)
{
	if (i >= 0)
		atomic_store(&tmp_slots[i].state, TMP_FREE);
}

/* tmp_remove unlinks slot i's file and releases the slot; -1 is fine. */
static void tmp_remove(int i)
{
	if (i >= 0) {
		(void)unlink(tmp_slots[i].path);
		tmp_release(i);
	}
}

/* tmp_name publishes a fresh PATH.tmp.XXXXXX in slot i, as live (a state). */
static void tmp_name(int i, const char *path, int live)
{
	static const char chars[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	static atomic_uint counter;
	struct tmp_slot *s = &tmp_slots[i];
	size_t n = strlen(path);
	unsigned char r[6];
	struct timespec ts;

	/* Unpredictable is nice, unique is what matters: O_EXCL checks it. */
	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		unsigned v = atomic_fetch_add(&counter, 1) * 2654435761u;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		v ^= (unsigned)ts.tv_nsec ^ ((unsigned)getpid() << 16);
		for (size_t k = 0; k < sizeof(r); k++, v = v * 1103515245u + 12345u)
			r[k] = (unsigned char)(v >> 16);
	}
	atomic_store(&s->state, TMP_CLAIMED);
	memcpy(s->path, path, n);
	memcpy(s->path + n, ".tmp.", 5);
	for (size_t k = 0; k < sizeof(r); k++)
		s->path[n + 5 + k] = chars[r[k] % (sizeof(chars) - 1)];
	s->path[n + 5 + sizeof(r)] = '\0';
	atomic_store(&s->state, live);
}

/*
 * tmp_make claims a slot and makes a new name in it: a file (link_to
 * NULL, *out_fd open for writing, mode 0600) or a hard link to link_to.
 * Returns the slot, -1 with err set, or -2 (errno set, err not) when
 * the link cannot be made.
 */
static int tmp_make(struct ctl_err *err, const char *path, const char *link_to,
		    int *out_fd)
{
	int i, fd = -1;

	if (strlen(path) + sizeof(TMP_SUFFIX) > PATH_MAX) {
		ctl_err_set(err, CTL_E_IO, "%s: path too long", path);
		return -1;
	}
	i = tmp_claim(err, path);
	if (i < 0)
		return -1;
	for (int tries = 0; tries < 100; tries++) {
		int made;

		tmp_name(i, path, TMP_LIVE);
		if (link_to == NULL) {
			fd = open(tmp_slots[i].path, O_WRONLY | O_CREAT | O_EXCL |
				  O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);
			made = fd >= 0;
		} else {
			made = link(link_to, tmp_slots[i].path) == 0;
		}
		if (made) {
			if (out_fd != NULL)
				*out_fd = fd;
			return i;
		}
		if (errno != EEXIST)
			break;
	}
	tmp_release(i);
	if (link_to != NULL)
		return -2;      /* errno says why; the caller decides */
	ctl_err_set(err, CTL_E_IO, "%s: cannot create temporary file: %s",
		    path, strerror(errno));
	return -1;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return 0;
		p += w;
		n -= (size_t)w;
	}
	return 1;
}

int ctl_owner_safe(struct ctl_err *err, const char *path, const char *obj,
		   const char *name, const struct stat *st, const char *why)
{
	unsigned me = (unsigned)geteuid();

	if (st->st_uid != me && st->st_uid != 0)
		return ctl_err_set(err, CTL_E_USAGE,
				   "%s: %s is owned by uid %u, not by you (uid %u) or "
				   "root: %s; fix: chown %u %s",
				   path, obj, (unsigned)st->st_uid, me, why, me, name);
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return ctl_err_set(err, CTL_E_USAGE,
				   "%s: %s is writable by group or others (mode %04o): "
				   "%s; fix: chmod go-w %s",
				   path, obj, (unsigned)(st->st_mode & 07777), why, name);
	return 1;
}

/* dir_safe: the directory holding file (an absolute or relative name) passes. */
static int dir_safe(struct ctl_err *err, const char *path, const char *file,
		    const char *why)
{
	char dir[PATH_MAX], obj[PATH_MAX + 32];
	const char *slash = strrchr(file, '/');
	struct stat st;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if ((size_t)(slash - file) >= sizeof(dir))
		return ctl_err_set(err, CTL_E_IO, "%s: path too long", path);
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == file ? 1 : (int)(slash - file), file);
	if (stat(dir, &st) != 0)
		return ctl_err_set(err, CTL_E_IO, "%s: cannot look at its directory %s: %s",
				   path, dir, strerror(errno));
	snprintf(obj, sizeof(obj), "its directory %s", dir);
	return ctl_owner_safe(err, path, obj, dir, &st, why);
}

int ctl_program_safe(struct ctl_err *err, const char *path)
{
	static const char why[] = "another user could replace what runs as you";
	char *real = realpath(path, NULL);
	struct stat st;
	int ok;

	if (real == NULL)
		return ctl_err_set(err, CTL_E_IO, "%s: cannot resolve: %s", path,
				   strerror(errno));
	if (stat(real, &st) != 0)
		ok = ctl_err_set(err, CTL_E_IO, "%s: cannot look at it: %s", path,
				 strerror(errno));
	else if (!S_ISREG(st.st_mode))
		ok = ctl_err_set(err, CTL_E_IO, "%s: not a regular file (%s)", path,
				 ctl_file_kind(st.st_mode));
	else
		ok = ctl_owner_safe(err, path, "the file", real, &st, why) &&
		     dir_safe(err, path, path, why) &&
		     (strcmp(real, path) == 0 || dir_safe(err, path, real, why));
	free(real);
	return ok;
}

const char *ctl_file_kind(unsigned mode)
{
	mode_t m = (mode_t)mode;

	return S_ISREG(m) ? "a regular file" : S_ISDIR(m) ? "a directory" :
	       S_ISLNK(m) ? "a symbolic link" : S_ISFIFO(m) ? "a FIFO" :
	       S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device" :
	       S_ISSOCK(m) ? "a socket" : "of an unknown kind";
}

/*
 * check_target: path may be replaced if it does not exist (*exists 0)
 * or is a regular file (*exists 1, st filled). Never followed: the
 * rename replaces a link itself, so refusing here is the whole check.
 */
static int check_target(struct ctl_err *err, const char *path, struct stat *st,
			int *exists)
{
	*exists = 0;
	if (lstat(path, st) != 0) {
		if (errno == ENOENT)
			return 1;
		return ctl_err_set(err, CTL_E_IO, "%s: cannot look at it: %s",
				   path, strerror(errno));
	}
	if (S_ISLNK(st->st_mode))
		return ctl_err_set(err, CTL_E_IO,
				   "%s: is a symbolic link; refusing to replace it",
				   path);
	if (S_ISDIR(st->st_mode))
		return ctl_err_set(err, CTL_E_IO,
				   "%s: is a directory; refusing to replace it", path);
	if (!S_ISREG(st->st_mode))
		return ctl_err_set(err, CTL_E_IO,
				   "%s: is not a regular file (%s); refusing to replace it",
				   path, ctl_file_kind(st->st_mode));
	*exists = 1;
	return 1;
}

/* dir_of writes the directory part of path ("." or "/" at the ends). */
static void dir_of(char *dir, size_t cap, const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(dir, cap, ".");
	else if (slash == path)
		snprintf(dir, cap, "/");
	else
		snprintf(dir, cap, "%.*s", (int)(slash - path), path);
}

/*
 * check_dir: in a directory everyone may write without the sticky bit,
 * anyone can rename our temporary file away and put theirs in its place
 * between our write and our rename: refuse to write there at all.
 */
static int check_dir(struct ctl_err *err, const char *path)
{
	char dir[PATH_MAX];
	struct stat st;

	dir_of(dir, sizeof(dir), path);
	if (stat(dir, &st) != 0)
		return 1; /* creating the temporary file will say what is wrong */
	if ((st.st_mode & S_IWOTH) != 0 && (st.st_mode & S_ISVTX) == 0)
		return ctl_err_set(err, CTL_E_IO,
				   "%s: its directory %s is writable by everyone without the sticky bit "
				   "(mode %04o): another user could swap the file while it is written; "
				   "fix: chmod o-w %s (or chmod +t)",
				   path, dir, (unsigned)(st.st_mode & 07777), dir);
	return 1;
}

/*
 * write_temp writes f to a new temporary file (slot in *out_slot): the
 * old file's owner (where we may) and mode, or f->mode for a new file.
 */
static int write_temp(struct ctl_err *err, const struct ctl_out_file *f,
		      const struct stat *old, int exists, int *out_slot,
		      struct stat *out_st, int *out_fd)
{
	struct stat st;
	int fd = -1, i;

	i = tmp_make(err, f->path, NULL, &fd);
	if (i < 0)
		return 0;
	if (exists && fstat(fd, &st) == 0 &&
	    (st.st_uid != old->st_uid || st.st_gid != old->st_gid) &&
	    fchown(fd, old->st_uid, old->st_gid) != 0) {
		/* Not root: the group alone, if we are in it; else ours. */
		if (errno != EPERM ||
		    (fchown(fd, (uid_t)-1, old->st_gid) != 0 && errno != EPERM)) {
			ctl_err_set(err, CTL_E_IO, "%s: cannot keep its owner: %s",
				    f->path, strerror(errno));
			goto fail;
		}
	}
	/* After fchown, which may clear set-id bits. */
	if (fchmod(fd, exists ? old->st_mode & 07777 : (mode_t)f->mode) != 0 ||
	    !write_all(fd, f->data, f->len) || fsync(fd) != 0 ||
	    fstat(fd, out_st) != 0) {
		ctl_err_set(err, CTL_E_IO, "%s: write failed: %s", f->path,
			    strerror(errno));
		goto fail;
	}
	/*
	 * Kept open until the rename when asked: while we hold it, its inode
	 * number cannot be handed to a file someone puts in its place.
	 */
	if (out_fd != NULL) {
		*out_fd = fd;
	} else if (close(fd) != 0) {
		fd = -1;
		ctl_err_set(err, CTL_E_IO, "%s: write failed: %s", f->path,
			    strerror(errno));
		goto fail;
	}
	*out_slot = i;
	return 1;
fail:
	if (fd >= 0)
		close(fd);
	tmp_remove(i);
	return 0;
}

static struct ctl_pause_hook pause_hook;

void ctl_pause_set_hook(const struct ctl_pause_hook *h)
{
	if (h != NULL)
		pause_hook = *h;
	else
		memset(&pause_hook, 0, sizeof(pause_hook));
}

int ctl_pause_wanted(const char *step, const char *name)
{
	return pause_hook.wanted != NULL &&
	       pause_hook.wanted(pause_hook.ctx, step, name);
}

void ctl_pause_hold(void)
{
	if (pause_hook.hold != NULL)
		pause_hook.hold(pause_hook.ctx);
}

/*
 * The pause point "write" (util.h): a test holds here, every temporary
 * file written and nothing renamed, to signal the process or change a
 * target meanwhile. Once per set, at the first file it names.
 */
static void write_pause(const struct ctl_out_file *files, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *base = strrchr(files[i].path, '/');

		if (ctl_pause_wanted("write", base != NULL ? base + 1 : files[i].path)) {
			ctl_pause_hold();
			return;
		}
	}
}

/* Make the renames durable: fsync the directory of path. */
static void sync_dir(const char *path)
{
	char dir[PATH_MAX];
	int dfd;

	dir_of(dir, sizeof(dir), path);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
}

/*
 * keep_old keeps the file at f->path under a second name (*out_slot, or
 * -1 if it is gone meanwhile) to put back if a later rename of the set
 * fails: a hard link, the very file; where the file system has none
 * (FAT, often where certificates go), a copy with its owner and mode.
 */
static int keep_old(struct ctl_err *err, const struct ctl_out_file *f,
		    const struct stat *st, int *out_slot)
{
	struct ctl_out_file copy = { f->path, NULL, 0, 0 };
	struct stat now;
	uint8_t *data = NULL;
	int i, ok;

	*out_slot = -1;
	i = tmp_make(err, f->path, f->path, NULL);
	if (i >= 0 || i == -1) {
		*out_slot = i;
		return i >= 0;
	}
	if (errno == ENOENT)
		return 1;
	/* The very file check_target saw: not what a link swapped in points at. */
	if (!ctl_read_file_st(err, f->path, (size_t)64 << 20, &data, &copy.len, &now)) {
		ctl_err_prefix(err, "cannot keep the old file while it is replaced");
		return 0;
	}
	if (now.st_dev != st->st_dev || now.st_ino != st->st_ino) {
		free(data);
		return ctl_err_set(err, CTL_E_IO, "%s: changed while it was being replaced; nothing replaced",
				   f->path);
	}
	copy.data = data;
	ok = write_temp(err, &copy, st, 1, out_slot, &now, NULL);
	free(data);
	return ok;
}

struct pending {
	int tmp, bak;            /* slots, -1: none */
	int exists;              /* the target was there */
	struct stat st;
	struct stat tmp_st;      /* the temporary file as written */
	int fd;                  /* open on it until the rename, -1: none */
};

/* still_ours: the temporary file's name still leads to what we wrote. */
static int still_ours(struct ctl_err *err, const char *path, int slot,
		      const struct stat *written)
{
	struct stat now;

	if (lstat(tmp_slots[slot].path, &now) != 0 || !S_ISREG(now.st_mode) ||
	    now.st_dev != written->st_dev || now.st_ino != written->st_ino)
		return ctl_err_set(err, CTL_E_IO,
				   "%s: the temporary file %s was replaced or removed by someone else; nothing replaced",
				   path, tmp_slots[slot].path);
	return 1;
}

/*
 * hold_signals blocks every signal that could end the process (SIGTERM,
 * SIGUSR1, SIGALRM, ...) until the caller puts *old back; only faults,
 * which cannot wait, are left through. Returns whether they are held.
 */
static int hold_signals(sigset_t *old)
{
	sigset_t hold;

	sigfillset(&hold);
	sigdelset(&hold, SIGSEGV);
	sigdelset(&hold, SIGBUS);
	sigdelset(&hold, SIGFPE);
	sigdelset(&hold, SIGILL);
	sigdelset(&hold, SIGABRT);
	sigdelset(&hold, SIGTRAP);
	return pthread_sigmask(SIG_BLOCK, &hold, old) == 0;
}

int ctl_write_atomic_set(struct ctl_err *err, const struct ctl_out_file *files,
			 size_t n)
{
	struct pending *p = NULL;
	sigset_t old;
	size_t done = 0;
	int held = 0, ok = 0;

	/* Each file may need two names in flight: a temporary and a backup. */
	if (n > TMP_SLOTS / 2)
		return ctl_err_set(err, CTL_E_USAGE,
				   "%zu files to write at once; at most %d can be replaced all or nothing",
				   n, TMP_SLOTS / 2);
	p = calloc(n + 1, sizeof(*p));
	if (p == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		p[i].tmp = p[i].bak = p[i].fd = -1;
	/* Every target first: a refused one writes nothing at all. */
	for (size_t i = 0; i < n; i++)
		if (!check_target(err, files[i].path, &p[i].st, &p[i].exists) ||
		    !check_dir(err, files[i].path))
			goto out;
	for (size_t i = 0; i < n; i++)
		if (!write_temp(err, &files[i], &p[i].st, p[i].exists, &p[i].tmp,
				&p[i].tmp_st, &p[i].fd))
			goto out;
	/*
	 * Several files: keep each old one (but the last, which nothing can
	 * follow) under a second name, a hard link, to put it back if a
	 * later rename fails. ENOENT: it went away meanwhile, nothing to keep.
	 */
	for (size_t i = 0; n > 1 && i + 1 < n; i++) {
		if (!p[i].exists)
			continue;
		if (!keep_old(err, &files[i], &p[i].st, &p[i].bak))
			goto out;
		p[i].exists = p[i].bak >= 0;
	}
	write_pause(files, n);
	/* Signals wait until the set is in place or put back. */
	if (n > 1)
		held = hold_signals(&old);
	/* Every name checked before the first rename: all or nothing. */
	for (size_t i = 0; i < n; i++)
		if (!still_ours(err, files[i].path, p[i].tmp, &p[i].tmp_st))
			goto out;
	for (; done < n; done++) {
		if (rename(tmp_slots[p[done].tmp].path, files[done].path) != 0) {
			ctl_err_set(err, CTL_E_IO, "%s: cannot replace: %s",
				    files[done].path, strerror(errno));
			goto undo;
		}
		tmp_release(p[done].tmp);
		p[done].tmp = -1;
	}
	for (size_t i = 0; i < n; i++) {
		tmp_remove(p[i].bak);
		p[i].bak = -1;
	}
	ok = 1;
	goto out;
undo:
	while (done-- > 0) {
		struct pending *q = &p[done];
		const char *path = files[done].path;

		if (q->bak >= 0 ? rename(tmp_slots[q->bak].path, path) == 0 :
				  unlink(path) == 0) {
			tmp_release(q->bak);
			q->bak = -1;
		} else if (q->bak >= 0) {
			/* Never delete the only copy of the old file. */
			ctl_err_prefix(err, "%s could not be put back (%s); the old file is %s; after",
				       path, strerror(errno), tmp_slots[q->bak].path);
			tmp_release(q->bak);
			q->bak = -1;
		} else {
			ctl_err_prefix(err, "%s could not be removed again (%s); after",
				       path, strerror(errno));
		}
	}
out:
	for (size_t i = 0; i < n; i++) {
		tmp_remove(p[i].tmp);
		tmp_remove(p[i].bak);
		if (p[i].fd >= 0)
			close(p[i].fd); /* written and fsync'd already */
	}
	if (held)
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	for (size_t i = 0; ok && i < n; i++)
		sync_dir(files[i].path);
	free(p);
	return ok;
}

int ctl_write_atomic(struct ctl_err *err, const char *path,
		     const uint8_t *data, size_t len, unsigned mode)
{
	const struct ctl_out_file f = { path, data, len, mode };

	return ctl_write_atomic_set(err, &f, 1);
}

int ctl_tmp_mkdir(struct ctl_err *err, const char *path, char *out, size_t cap)
{
	sigset_t old;
	int i, made = 0, held;

	if (strlen(path) + sizeof(TMP_SUFFIX) > PATH_MAX ||
	    strlen(path) + sizeof(TMP_SUFFIX) > cap) {
		ctl_err_set(err, CTL_E_IO, "%s: path too long", path);
		return -1;
	}
	i = tmp_claim(err, path);
	if (i < 0)
		return -1;
	/*
	 * Listed only once it is ours: the handler empties a directory, so
	 * it must never see the name of one that mkdir found already there.
	 * Meanwhile signals wait, so that no moment has it made but unlisted.
	 */
	held = hold_signals(&old);
	for (int tries = 0; tries < 100 && !made; tries++) {
		tmp_name(i, path, TMP_CLAIMED);
		made = mkdir(tmp_slots[i].path, 0700) == 0;
		if (!made && errno != EEXIST)
			break;
	}
	if (made)
		atomic_store(&tmp_slots[i].state, TMP_LIVE_DIR);
	if (held)
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!made) {
		ctl_err_set(err, CTL_E_IO, "%s: cannot create a directory beside it: %s",
			    path, strerror(errno));
		tmp_release(i);
		return -1;
	}
	memcpy(out, tmp_slots[i].path, strlen(tmp_slots[i].path) + 1);
	return i;
}

void ctl_tmp_forget(int slot)
{
	if (slot >= 0 && slot < TMP_SLOTS)
		tmp_release(slot);
}

int ctl_secret_protect(struct ctl_err *err)
{
	static const struct rlimit none = { 0, 0 };

	/*
	 * Not dumpable: no core file even where fs.suid_dumpable would
	 * write one, no ptrace attach by the same user, /proc/PID/mem and
	 * /proc/PID/environ for root only. RLIMIT_CORE 0, hard too, so that
	 * nothing in the process can raise it again.
	 */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 ||
	    setrlimit(RLIMIT_CORE, &none) != 0)
		return ctl_err_set(err, CTL_E_INTERNAL,
				   "cannot forbid core dumps before reading a secret: %s",
				   strerror(errno));
	return 1;
}

/*
 * secret_take is the one policy for a secret, wherever it comes from (the
 * environment, a file, the prompt): exactly one final "\n" or "\r\n" is
 * dropped, as a CI secret, `echo >file` or the Enter key leave it; any
 * other control character (a second line, a lone CR, a tab, a NUL, DEL)
 * and a space at either end are refused, because a token would count
 * such a PIN as one more wrong attempt. s holds *n bytes and room for a
 * NUL; it is cut in place. The message names what, never the secret.
 */
static int secret_take(struct ctl_err *err, char *s, size_t *n,
		       const char *what)
{
	size_t len = *n;

	if (len > 0 && s[len - 1] == '\n') {
		len--;
		if (len > 0 && s[len - 1] == '\r')
			len--;
	}
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return ctl_err_set(err, CTL_E_USAGE,
					   "%s holds a control character other than one final line end; nothing was tried",
					   what);
	if (len > 0 && (s[0] == ' ' || s[len - 1] == ' '))
		return ctl_err_set(err, CTL_E_USAGE,
				   "%s begins or ends with a space; nothing was tried",
				   what);
	s[len] = '\0';
	*n = len;
	return 1;
}

/*
 * env_block finds the environment strings the kernel gave the process,
 * what /proc/PID/environ shows: fields 50 and 51 (env_start, env_end) of
 * /proc/self/stat. 0 if that cannot be read.
 */
static int env_block(char **out_start, char **out_end)
{
	char buf[4096], *p, *q;
	unsigned long long v[2] = { 0, 0 };
	ssize_t n = 0, r;
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC), field;

	if (fd < 0)
		return 0;
	while ((size_t)n < sizeof(buf) - 1 &&
	       ((r = read(fd, buf + n, sizeof(buf) - 1 - (size_t)n)) > 0 ||
		(r < 0 && errno == EINTR)))
		n += r > 0 ? r : 0;
	close(fd);
	buf[n] = '\0';
	/* The command name, field 2, may hold spaces and parentheses. */
	p = strrchr(buf, ')');
	if (p == NULL)
		return 0;
	for (field = 3, p++; field <= 51; field++) {
		unsigned long long x;

		while (*p == ' ')
			p++;
		errno = 0;
		x = strtoull(p, &q, 10);
		if (field > 3 && (q == p || errno != 0))
			return 0;
		if (field == 3)
			q = p + strcspn(p, " ");
		if (field >= 50)
			v[field - 50] = x;
		p = q;
	}
	if (v[0] == 0 || v[1] <= v[0])
		return 0;
	*out_start = (char *)(uintptr_t)v[0];
	*out_end = (char *)(uintptr_t)v[1];
	return 1;
}

/*
 * env_remove makes every name=... vanish. Overwriting the value in place
 * would leave the name and the value's length in /proc/PID/environ, so a
 * string in the kernel's environment block is removed from the block:
 * the later strings move down over it, the environ[] pointers into the
 * moved part follow, and the freed tail is zeroed. A string that setenv
 * made lies elsewhere and is only wiped. Caveats: the block is shared
 * with nothing but environ[], yet a pointer that getenv returned earlier
 * to a later variable now points elsewhere, and another thread reading
 * the environment meanwhile would race: call this before any thread
 * starts and keep no getenv() result across it (copy it).
 */
extern char **environ;

static void env_remove(const char *name)
{
	size_t nl = strlen(name);
	char *start = NULL, *end = NULL;
	int have = env_block(&start, &end);

	for (;;) {
		char **hit = NULL, *s;
		size_t len;

		/* The highest first: moving it shifts no other hit. */
		for (char **e = environ; e != NULL && *e != NULL; e++)
			if (strncmp(*e, name, nl) == 0 && (*e)[nl] == '=' &&
			    (hit == NULL || *e > *hit))
				hit = e;
		if (hit == NULL)
			break;
		s = *hit;
		/* Out of environ[] first, as unsetenv(3) does it. */
		do
			hit[0] = hit[1];
		while (*hit++ != NULL);
		len = strlen(s) + 1;
		burn(s, len);
		if (!have || s < start || s + len > end)
			continue;
		memmove(s, s + len, (size_t)(end - (s + len)));
		for (char **e = environ; *e != NULL; e++)
			if (*e > s && *e < end)
				*e -= len;
		end -= len;
		burn(end, len);
	}
}

char *ctl_read_secret(struct ctl_err *err, const struct ctl_asker *asker,
		      const char *prompt, const char *env_name)
{
	/* Room for 1,023 characters and the line end. */
	char buf[1025];
	const char *env;
	char *s = NULL;
	size_t len = 0;
	enum ctl_ask_result r;

	if (!ctl_secret_protect(err))
		return NULL;
	env = env_name != NULL ? getenv(env_name) : NULL;
	if (env != NULL) {
		/* Taken once, whatever happens next: copied, then removed. */
		len = strlen(env);
		s = malloc(len + 1);
		if (s != NULL)
			memcpy(s, env, len + 1);
		env_remove(env_name);
		if (s == NULL) {
			ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
			return NULL;
		}
		if (!secret_take(err, s, &len, env_name)) {
			burn_free(s, strlen(s));
			return NULL;
		}
		return s;
	}
	r = asker != NULL && asker->ask != NULL ?
	    asker->ask(asker->ctx, buf, sizeof(buf), &len, prompt) :
	    CTL_ASK_NO_TERMINAL;
	if (r == CTL_ASK_OK && len >= sizeof(buf))
		r = CTL_ASK_TOO_LONG; /* an asker that broke its contract */
	switch (r) {
	case CTL_ASK_OK:
		buf[len] = '\0';
		if (secret_take(err, buf, &len, "the secret typed")) {
			s = strdup(buf);
			if (s == NULL)
				ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		}
		break;
	case CTL_ASK_NO_TERMINAL:
		ctl_err_set(err, CTL_E_USAGE, "no terminal to ask for the secret%s%s",
			    env_name ? "; set " : "", env_name ? env_name : "");
		break;
	case CTL_ASK_TOO_LONG:
		ctl_err_set(err, CTL_E_USAGE, "the secret is longer than %zu characters; nothing was tried",
			    sizeof(buf) - 2);
		break;
	case CTL_ASK_NOTHING:
		ctl_err_set(err, CTL_E_USAGE, "no secret entered");
		break;
	case CTL_ASK_INTERRUPTED:
		ctl_err_set(err, CTL_E_USAGE, "interrupted");
		break;
	}
	burn(buf, sizeof(buf));
	return s;
}

/* A secret file holds a PIN or passphrase and a newline, never more. */
#define SECRET_FILE_MAX 1024

char *ctl_read_secret_file(struct ctl_err *err, const char *path)
{
	char buf[SECRET_FILE_MAX + 1];
	size_t len = 0;
	char *s = NULL;
	struct stat st;
	int fd;

	if (!ctl_secret_protect(err))
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		ctl_err_set(err, CTL_E_IO, "%s: cannot open: %s", path,
			    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		ctl_err_set(err, CTL_E_IO, "%s: not a regular file", path);
		goto out;
	}
	if ((st.st_mode & (S_IROTH | S_IWOTH | S_IWGRP)) != 0 ||
	    (st.st_uid != geteuid() && st.st_uid != 0)) {
		ctl_err_set(err, CTL_E_USAGE,
			    "%s: other users can read or change it; make it yours with mode 600",
			    path);
		goto out;
	}
	while (len < sizeof(buf)) {
		ssize_t r = read(fd, buf + len, sizeof(buf) - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ctl_err_set(err, CTL_E_IO, "%s: read failed: %s", path,
				    strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > SECRET_FILE_MAX) {
		ctl_err_set(err, CTL_E_FORMAT,
			    "%s: larger than %d bytes; not a secret file", path,
			    SECRET_FILE_MAX);
		goto out;
	}
	/* The whole file is the secret and one line end, nothing more. */
	if (!secret_take(err, buf, &len, path))
		goto out;
	s = malloc(len + 1);
	if (s == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		goto out;
	}
	memcpy(s, buf, len + 1);
out:
	burn(buf, sizeof(buf));
	close(fd);
	return s;
}

void ctl_hex(char *out, const uint8_t *p, size_t n, char sep, int upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		if (sep != 0 && i > 0)
			*out++ = sep;
		*out++ = digits[p[i] >> 4];
		*out++ = digits[p[i] & 15];
	}
	*out = '\0';
}
