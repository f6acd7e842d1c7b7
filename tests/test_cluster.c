/*
 * test_cluster.c - cluster.conf parsing (cluster/config.c): defaults and
 * overrides, and a table of hostile files that must each fail with a
 * message naming the line, never silently change where a file goes.
 */
#define _GNU_SOURCE /* nftw */
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cluster.h"
#include "node.h"

struct fixture {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/ctlsign-cfg.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/cluster.conf", f->dir);
	*state = f;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path) != 0 ? -1 : 0;
}

/* The tests leave FIFOs, directories and links behind: remove it all. */
static int teardown(void **state)
{
	struct fixture *f = *state;

	chmod(f->dir, 0700);
	nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void write_conf(const struct fixture *f, const char *text)
{
	FILE *fp = fopen(f->path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void test_defaults_and_overrides(void **state)
{
	struct fixture *f = *state;
	struct cl_config cfg;
	struct ctl_err err;
	char want[256];

	write_conf(f,
		   "# a cluster\n"
		   "[node sub1]\n"
		   "host = 10.0.0.2\n"
		   "[cluster]\n"
		   "jobs = 4\n"
		   "auth = key\n"
		   "identity = id_ed25519 ; relative to the file\n"
		   "cli_user = admin\n"
		   "sftp_user = ctlsign\n"
		   "[node pub]\n"
		   "host = 10.0.0.1\n"
		   "port = 2222\n"
		   "role = publisher\n"
		   "[node tftp1]\n"
		   "host = 10.0.0.3\n"
		   "role = tftp\n"
		   "cli_user =\n"
		   "tftp_root = /srv/tftp\n"
		   "tftp_host = 10.0.0.30\n"
		   "tftp_port = 1069\n"
		   "restart = exec\n"
		   "restart_command = systemctl restart tftpd-hpa\n");
	ctl_err_init(&err);
	assert_int_equal(cl_config_load(&cfg, &err, f->path), 1);
	assert_int_equal(cfg.nnodes, 3);
	assert_int_equal(cfg.jobs, 4);
	assert_int_equal(cfg.timeout, 10);
	/* A command may run much longer than a read may be silent. */
	assert_int_equal(cfg.cmd_timeout, 1800);
	snprintf(want, sizeof(want), "%s/known_hosts", f->dir);
	assert_string_equal(cfg.known_hosts, want);
	/* Order of sections does not matter: sub1 got the defaults too. */
	assert_string_equal(cfg.nodes[0].name, "sub1");
	assert_int_equal(cfg.nodes[0].port, 22);
	assert_int_equal(cfg.nodes[0].role, CL_ROLE_SUBSCRIBER);
	assert_int_equal(cfg.nodes[0].auth, CL_AUTH_KEY);
	snprintf(want, sizeof(want), "%s/id_ed25519", f->dir);
	assert_string_equal(cfg.nodes[0].identity, want);
	assert_string_equal(cfg.nodes[0].cli_user, "admin");
	assert_string_equal(cfg.nodes[0].tftp_root, "/var/lib/tftpboot");
	assert_string_equal(cfg.nodes[0].tftp_host, "10.0.0.2");
	assert_int_equal(cfg.nodes[0].tftp_port, 69);
	assert_int_equal(cfg.nodes[0].restart, CL_RESTART_CLI);
	assert_int_equal(cfg.nodes[1].port, 2222);
	assert_int_equal(cfg.nodes[1].role, CL_ROLE_PUBLISHER);
	/* An empty value removes a default. */
	assert_null(cfg.nodes[2].cli_user);
	assert_string_equal(cfg.nodes[2].sftp_user, "ctlsign");
	assert_string_equal(cfg.nodes[2].tftp_host, "10.0.0.30");
	assert_int_equal(cfg.nodes[2].tftp_port, 1069);
	assert_int_equal(cfg.nodes[2].restart, CL_RESTART_EXEC);
	assert_string_equal(cfg.nodes[2].restart_user, "ctlsign");
	assert_int_equal(cl_config_needs_password(&cfg), 0);
	cl_config_cleanup(&cfg);
}

static void test_hostile(void **state)
{
	static const struct {
		const char *text, *msg;
		enum ctl_code code;
	} cases[] = {
		{ "[node a]\nhost = h\ncli_user = u\npassword = hunter2\n",
		  "line 4: password is not allowed", CTL_E_USAGE },
		{ "[cluster]\npassphrase = x\n", "line 2: passphrase is not allowed", CTL_E_USAGE },
		{ "[node a]\nhost = h\nhots = typo\n", "line 3: unknown key 'hots'", CTL_E_USAGE },
		{ "[nodes a]\nhost = h\n", "line 2: unknown section [nodes a]", CTL_E_USAGE },
		{ "[node a]\nhost = h\nhost = i\n", "line 3: host given twice", CTL_E_USAGE },
		{ "[node ../x]\nhost = h\n", "bad node name", CTL_E_USAGE },
		{ "[node a]\ncli_user = u\n", "node a: no host", CTL_E_USAGE },
		/* Empty values that would name a directory or nothing (found
		 * by fuzz_config). */
		{ "[node a]\nhost =\ncli_user = u\n", "node a: no host", CTL_E_USAGE },
		{ "[cluster]\nknown_hosts =\n[node a]\nhost = h\ncli_user = u\n",
		  "known_hosts is empty", CTL_E_USAGE },
		{ "[cluster]\ntftp_root =\n[node a]\nhost = h\ncli_user = u\n",
		  "node a: empty tftp_root or tftp_host", CTL_E_USAGE },
		{ "[node a]\nhost = h\ncli_user = u\ntftp_host =\n",
		  "node a: empty tftp_root or tftp_host", CTL_E_USAGE },
		{ "[node a]\nhost = h\n", "needs cli_user or sftp_user", CTL_E_USAGE },
		{ "[node a]\nhost = h\ncli_user = u\nport = 0\n", "node a: bad port", CTL_E_USAGE },
		{ "[node a]\nhost = h\ncli_user = u\nport = 22x\n", "node a: bad port", CTL_E_USAGE },
		{ "[node a]\nhost = h\ncli_user = u\nport = 65536\n", "node a: bad port", CTL_E_USAGE },
		{ "[node a]\nhost = h\ncli_user = u\nrole = boss\n", "role 'boss'", CTL_E_USAGE },
		{ "[node a]\nhost = h\ncli_user = u\nauth = key\n", "needs identity", CTL_E_USAGE },
		{ "[node a]\nhost = h\nsftp_user = u\nrestart = cli\n", "needs cli_user", CTL_E_USAGE },
		{ "[node a]\nhost = h\nsftp_user = u\nrestart = exec\n", "needs restart_command", CTL_E_USAGE },
		{ "[cluster]\njobs = 0\n[node a]\nhost = h\ncli_user = u\n", "jobs must be", CTL_E_USAGE },
		{ "[cluster]\ntimeout = -1\n[node a]\nhost = h\ncli_user = u\n", "timeout", CTL_E_USAGE },
		{ "[cluster]\ncommand_timeout = 0\n[node a]\nhost = h\ncli_user = u\n", "command_timeout 1..86400", CTL_E_USAGE },
		{ "[cluster]\ncommand_timeout = 86401\n[node a]\nhost = h\ncli_user = u\n", "command_timeout 1..86400", CTL_E_USAGE },
		{ "[node a]\nhost = h\ncli_user = u\ncommand_timeout = 5\n", "command_timeout", CTL_E_USAGE },
		{ "[cluster]\njobs = 2\n", "no [node NAME] section", CTL_E_USAGE },
		{ "", "no [node NAME] section", CTL_E_USAGE },
		{ "[node a\nhost = h\n", "line 1", CTL_E_USAGE },
		{ "host = h\n", "line 1", CTL_E_USAGE },
		/* inih cuts lines at 200 bytes and parsed the tail as a line:
		 * the end of a long comment became a live setting. */
		{ "[node a]\nhost = h\ncli_user = u\n; "
		  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		  "tftp_root = /evil\n", "line 4: longer than 198 characters", CTL_E_USAGE },
		{ "[node a]\nhost = h\ncli_user = u\n[node b]\nhost = i\ncli_user = u\n"
		  "[node a]\ntftp_root = /x\n", "line 8: [node a] given twice", CTL_E_USAGE },
	};
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cl_config cfg;
		struct ctl_err err;

		write_conf(f, cases[i].text);
		ctl_err_init(&err);
		if (cl_config_load(&cfg, &err, f->path)) {
			cl_config_cleanup(&cfg);
			fail_msg("case %zu accepted: %s", i, cases[i].text);
		}
		if (strstr(err.msg, cases[i].msg) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, cases[i].msg);
		assert_int_equal(err.code, cases[i].code);
		/* The secret never appears in a message. */
		assert_null(strstr(err.msg, "hunter2"));
		assert_int_equal(cfg.nnodes, 0);
		assert_null(cfg.nodes);
	}
}

/* A NUL byte ended the line for inih: "host = h\0evil" read as "h". */
static void test_nul_byte(void **state)
{
	static const char text[] = "[node a]\nhost = h\0evil\ncli_user = u\n";
	struct fixture *f = *state;
	struct cl_config cfg;
	struct ctl_err err;
	FILE *fp = fopen(f->path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, sizeof(text) - 1, fp), sizeof(text) - 1);
	fclose(fp);
	ctl_err_init(&err);
	assert_false(cl_config_load(&cfg, &err, f->path));
	assert_non_null(strstr(err.msg, "line 2: NUL byte"));
	assert_int_equal(err.code, CTL_E_USAGE);
}

/*
 * A TFTP read names its URL when it fails, with an IPv6 address in
 * brackets (RFC 3986): nothing listens on the discard port of either
 * loopback, so libcurl fails (refused or timed out) within the timeout.
 */
static void test_tftp_url(void **state)
{
	struct ctl_err err;
	uint8_t *buf = NULL;
	size_t len = 0;
	int missing = 0;

	ctl_err_init(&err);
	assert_false(cl_tftp_get(&err, "127.0.0.1", 9, "CTLFile.tlv", 1, &buf,
				 &len, &missing));
	assert_int_equal(err.code, CTL_E_REMOTE);
	assert_non_null(strstr(err.msg, "tftp://127.0.0.1:9/CTLFile.tlv: "));
	ctl_err_init(&err);
	assert_false(cl_tftp_get(&err, "::1", 9, "CTLFile.tlv", 1, &buf, &len,
				 &missing));
	assert_int_equal(err.code, CTL_E_REMOTE);
	assert_non_null(strstr(err.msg, "tftp://[::1]:9/CTLFile.tlv: "));
	assert_null(buf);
}

static void test_missing_file(void **state)
{
	struct fixture *f = *state;
	struct cl_config cfg;
	struct ctl_err err;

	ctl_err_init(&err);
	assert_int_equal(cl_config_load(&cfg, &err, f->path), 0);
	assert_int_equal(err.code, CTL_E_IO);
}

/*
 * A config that is not a regular file is refused at once: a FIFO used
 * to block the command forever waiting for a writer (the alarm turns a
 * hang back into a failure), a directory failed only when read.
 */
static void test_config_not_regular(void **state)
{
	struct fixture *f = *state;
	struct cl_config cfg;
	struct ctl_err err;

	assert_int_equal(mkfifo(f->path, 0600), 0);
	ctl_err_init(&err);
	alarm(10);
	assert_false(cl_config_load(&cfg, &err, f->path));
	alarm(0);
	assert_int_equal(err.code, CTL_E_IO);
	assert_non_null(strstr(err.msg, f->path));
	assert_non_null(strstr(err.msg, "not a regular file"));
	assert_int_equal(cfg.nnodes, 0);
	unlink(f->path);

	assert_int_equal(mkdir(f->path, 0700), 0);
	ctl_err_init(&err);
	assert_false(cl_config_load(&cfg, &err, f->path));
	assert_int_equal(err.code, CTL_E_IO);
	assert_non_null(strstr(err.msg, "not a regular file"));

	/* A symbolic link to a regular file is followed (the object read
	 * is checked, not the name). */
	rmdir(f->path);
	write_conf(f, "[node a]\nhost = h\ncli_user = u\n");
	{
		char link[160];

		snprintf(link, sizeof(link), "%s/link.conf", f->dir);
		assert_int_equal(symlink("cluster.conf", link), 0);
		ctl_err_init(&err);
		assert_true(cl_config_load(&cfg, &err, link));
		cl_config_cleanup(&cfg);
	}
}

/* The size bound: 1 MiB is read, one byte more is refused unread. */
static void test_config_size(void **state)
{
	static const char head[] = "[node a]\nhost = h\ncli_user = u\n";
	const size_t max = 1024 * 1024;
	struct fixture *f = *state;
	struct cl_config cfg;
	struct ctl_err err;
	char *text = malloc(max + 1);

	assert_non_null(text);
	/* Comment lines of 99 bytes after the node. */
	memset(text, ';', max + 1);
	memcpy(text, head, sizeof(head) - 1);
	for (size_t i = sizeof(head) - 1 + 99; i < max + 1; i += 100)
		text[i] = '\n';
	for (size_t len = max - 1; len <= max + 1; len++) {
		FILE *fp = fopen(f->path, "wb");

		assert_non_null(fp);
		assert_int_equal(fwrite(text, 1, len, fp), len);
		fclose(fp);
		ctl_err_init(&err);
		if (len <= max) {
			if (!cl_config_load(&cfg, &err, f->path))
				fail_msg("%zu bytes refused: %s", len, err.msg);
			assert_int_equal(cfg.nnodes, 1);
			cl_config_cleanup(&cfg);
			/* The same text from memory. */
			ctl_err_init(&err);
			assert_true(cl_config_parse_buffer(&cfg, &err, f->path, text, len));
			cl_config_cleanup(&cfg);
		} else {
			assert_false(cl_config_load(&cfg, &err, f->path));
			assert_int_equal(ctl_exit_code(err.code), 2);
			assert_non_null(strstr(err.msg, f->path));
			assert_non_null(strstr(err.msg, "larger than"));
			ctl_err_init(&err);
			assert_false(cl_config_parse_buffer(&cfg, &err, f->path, text, len));
			assert_int_equal(ctl_exit_code(err.code), 2);
			assert_non_null(strstr(err.msg, "larger than"));
		}
	}
	free(text);
}

/* The example installed with the program (docs/cluster.conf.example) is valid
 * and says what its comments say. */
static void test_config_example(void **state)
{
	struct cl_config cfg;
	struct ctl_err err;
	FILE *fp = fopen(SOURCE_DIR "/docs/cluster.conf.example", "rb");
	char text[8192];
	size_t len;

	(void)state;
	assert_non_null(fp);
	len = fread(text, 1, sizeof(text), fp);
	fclose(fp);
	assert_true(len > 0 && len < sizeof(text));
	ctl_err_init(&err);
	if (!cl_config_parse_buffer(&cfg, &err, "/etc/ctlsign/cluster.conf", text, len))
		fail_msg("the example is refused: %s", err.msg);
	assert_int_equal(cfg.nnodes, 3);
	assert_int_equal(cfg.timeout, 10);
	assert_int_equal(cfg.cmd_timeout, 1800);
	assert_string_equal(cfg.known_hosts, "/etc/ctlsign/known_hosts");
	assert_int_equal(cfg.nodes[0].role, CL_ROLE_PUBLISHER);
	assert_string_equal(cfg.nodes[0].cli_user, "admin");
	assert_null(cfg.nodes[0].sftp_user);
	assert_int_equal(cfg.nodes[0].auth, CL_AUTH_KEY);
	assert_null(cfg.nodes[2].cli_user);
	assert_string_equal(cfg.nodes[2].sftp_user, "tftpadmin");
	assert_int_equal(cfg.nodes[2].restart, CL_RESTART_EXEC);
	cl_config_cleanup(&cfg);
}

/* The buffer entry (the fuzzer's): not NUL-terminated, names the file. */
static void test_parse_buffer(void **state)
{
	static const char text[] = "[node a]\nhost = h\ncli_user = u\n"
				   "identity = k\n" "[node b]\nhost = \0i\n";
	struct cl_config cfg;
	struct ctl_err err;

	(void)state;
	ctl_err_init(&err);
	assert_true(cl_config_parse_buffer(&cfg, &err, "/etc/ctlsign/c.conf", text, 31));
	assert_string_equal(cfg.path, "/etc/ctlsign/c.conf");
	assert_string_equal(cfg.known_hosts, "/etc/ctlsign/known_hosts");
	assert_int_equal(cfg.nnodes, 1);
	cl_config_cleanup(&cfg);
	ctl_err_init(&err);
	assert_false(cl_config_parse_buffer(&cfg, &err, "mem.conf", text,
					    sizeof(text) - 1));
	assert_string_equal(err.msg, "mem.conf: line 6: NUL byte");
	ctl_err_init(&err);
	assert_false(cl_config_parse_buffer(&cfg, &err, "mem.conf", "", 0));
	assert_non_null(strstr(err.msg, "no [node NAME] section"));
	assert_null(cfg.nodes);
}

/* known_hosts: the fixture's directory (0700, ours) holds it. */
static void kh_path(const struct fixture *f, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/known_hosts", f->dir);
}

static void kh_write(const char *path, unsigned mode)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs("[127.0.0.2]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHb1\n", fp);
	fclose(fp);
	assert_int_equal(chmod(path, mode), 0);
}

/* kh_refused: the check fails with code and a message holding each of
 * the NULL-terminated texts. */
static void kh_refused(const char *path, enum ctl_code code, ...)
{
	struct ctl_err err;
	char *real = (char *)"unset";
	const char *want;
	va_list ap;

	ctl_err_init(&err);
	alarm(10);
	if (cl_known_hosts_check(&err, path, &real))
		fail_msg("%s accepted", path);
	alarm(0);
	assert_null(real);
	assert_int_equal(err.code, code);
	/* No host key can be checked against it: the kind says so. */
	assert_int_equal(err.kind, CTL_K_HOSTKEY_REFUSED);
	assert_null(strchr(err.msg, '\n'));
	va_start(ap, code);
	while ((want = va_arg(ap, const char *)) != NULL)
		if (strstr(err.msg, want) == NULL)
			fail_msg("'%s' lacks '%s'", err.msg, want);
	va_end(ap);
}

static void test_known_hosts_ok(void **state)
{
	struct fixture *f = *state;
	char kh[160], real_dir[PATH_MAX], want[PATH_MAX + 32], link[160];
	struct ctl_err err;
	char *real = NULL;

	kh_path(f, kh, sizeof(kh));
	assert_non_null(realpath(f->dir, real_dir));
	snprintf(want, sizeof(want), "%s/known_hosts", real_dir);
	/* No file yet: fine (every key is then unknown); the path libssh
	 * gets is absolute and free of symbolic links. */
	ctl_err_init(&err);
	assert_true(cl_known_hosts_check(&err, kh, &real));
	assert_string_equal(real, want);
	free(real);
	kh_write(kh, 0644);
	ctl_err_init(&err);
	assert_true(cl_known_hosts_check(&err, kh, &real));
	assert_string_equal(real, want);
	free(real);
	/* A link is resolved: libssh reads the file that was checked. */
	snprintf(link, sizeof(link), "%s/kh-link", f->dir);
	assert_int_equal(symlink(kh, link), 0);
	ctl_err_init(&err);
	assert_true(cl_known_hosts_check(&err, link, &real));
	assert_string_equal(real, want);
	free(real);
	assert_true(cl_known_hosts_check(&err, link, NULL));
}

static void test_known_hosts_modes(void **state)
{
	struct fixture *f = *state;
	char kh[160], sub[160], link[160];

	kh_path(f, kh, sizeof(kh));
	kh_write(kh, 0664);
	kh_refused(kh, CTL_E_USAGE, kh, "writable by group or others",
		   "chmod go-w ", NULL);
	kh_write(kh, 0646);
	kh_refused(kh, CTL_E_USAGE, kh, "writable by group or others",
		   "chmod go-w ", NULL);
	kh_write(kh, 0600);
	/* Its directory: another user could replace the file or (with no
	 * file yet) plant one; a sticky bit does not stop the latter. */
	assert_int_equal(chmod(f->dir, 0770), 0);
	kh_refused(kh, CTL_E_USAGE, "directory", "writable by group or others",
		   "chmod go-w ", NULL);
	assert_int_equal(chmod(f->dir, 01777), 0);
	kh_refused(kh, CTL_E_USAGE, "directory", "chmod go-w ", NULL);
	unlink(kh);
	kh_refused(kh, CTL_E_USAGE, "directory", "chmod go-w ", NULL);
	assert_int_equal(chmod(f->dir, 0700), 0);
	/* Through a link, the directory that counts is the target's. */
	snprintf(sub, sizeof(sub), "%s/shared", f->dir);
	assert_int_equal(mkdir(sub, 0777), 0);
	assert_int_equal(chmod(sub, 0777), 0);
	snprintf(sub, sizeof(sub), "%s/shared/kh", f->dir);
	kh_write(sub, 0644);
	snprintf(link, sizeof(link), "%s/kh-link", f->dir);
	assert_int_equal(symlink(sub, link), 0);
	kh_refused(link, CTL_E_USAGE, "shared", "chmod go-w ", NULL);
	/* A link to nothing: libssh would follow it to wherever it points
	 * once someone creates that. */
	unlink(link);
	assert_int_equal(symlink("/nonexistent/ctlsign-kh", link), 0);
	kh_refused(link, CTL_E_USAGE, link, "symbolic link", NULL);
}

static void test_known_hosts_owner(void **state)
{
	struct fixture *f = *state;
	char kh[160];

	if (geteuid() != 0) {
		print_message("skip: needs root to give a file to nobody\n");
		skip();
	}
	kh_path(f, kh, sizeof(kh));
	kh_write(kh, 0644);
	assert_int_equal(chown(kh, 65534, 65534), 0);
	kh_refused(kh, CTL_E_USAGE, kh, "owned by uid 65534", "chown ", NULL);
	assert_int_equal(chown(kh, 0, 0), 0);
	assert_true(cl_known_hosts_check(NULL, kh, NULL));
	assert_int_equal(chown(f->dir, 65534, 65534), 0);
	kh_refused(kh, CTL_E_USAGE, "directory", "owned by uid 65534", NULL);
	assert_int_equal(chown(f->dir, 0, 0), 0);
}

/*
 * The configuration names the nodes, the identity, the known_hosts and
 * the restart commands: StrictModes for it and its directory too.
 */
static void conf_refused(const struct fixture *f, const char *a, const char *b)
{
	struct cl_config cfg;
	struct ctl_err err;

	ctl_err_init(&err);
	assert_false(cl_config_load(&cfg, &err, f->path));
	assert_int_equal(err.code, CTL_E_USAGE);
	if (strstr(err.msg, a) == NULL || (b != NULL && strstr(err.msg, b) == NULL))
		fail_msg("unexpected message: %s", err.msg);
}

static void test_config_modes(void **state)
{
	struct fixture *f = *state;
	struct cl_config cfg;
	struct ctl_err err;

	write_conf(f, "[node a]\nhost = 10.0.0.1\ncli_user = admin\n");
	assert_int_equal(chmod(f->path, 0664), 0);
	conf_refused(f, "the configuration is writable by group or others (mode 0664)",
		     "chmod go-w ");
	assert_int_equal(chmod(f->path, 0646), 0);
	conf_refused(f, "writable by group or others", "the commands run on them");
	assert_int_equal(chmod(f->path, 0644), 0);
	assert_int_equal(chmod(f->dir, 0777), 0);
	conf_refused(f, "its directory", "writable by group or others");
	assert_int_equal(chmod(f->dir, 0700), 0);
	ctl_err_init(&err);
	assert_true(cl_config_load(&cfg, &err, f->path));
	cl_config_cleanup(&cfg);
	if (geteuid() == 0) {
		assert_int_equal(chown(f->path, 65534, 65534), 0);
		conf_refused(f, "the configuration is owned by uid 65534", "chown ");
	} else {
		print_message("owner not checked: needs root to give a file to nobody\n");
	}
}

/* Not a regular file: a FIFO answers at once, never waits for a writer. */
static void test_known_hosts_not_regular(void **state)
{
	struct fixture *f = *state;
	char kh[160];

	kh_path(f, kh, sizeof(kh));
	assert_int_equal(mkfifo(kh, 0600), 0);
	kh_refused(kh, CTL_E_IO, kh, "not a regular file", NULL);
	unlink(kh);
	assert_int_equal(mkdir(kh, 0700), 0);
	kh_refused(kh, CTL_E_IO, kh, "not a regular file", NULL);
	kh_refused("/dev/null", CTL_E_IO, "/dev/null", "not a regular file", NULL);
}

static void test_password_auth(void **state)
{
	struct fixture *f = *state;
	struct cl_config cfg;
	struct ctl_err err;

	write_conf(f, "[node a]\nhost = h\ncli_user = u\nauth = password\n");
	ctl_err_init(&err);
	assert_int_equal(cl_config_load(&cfg, &err, f->path), 1);
	assert_int_equal(cl_config_needs_password(&cfg), 1);
	cl_config_cleanup(&cfg);
}

/*
 * Errors carry a kind: the first error's, like its message; a plain
 * ctl_err_set is CTL_K_NONE; ctl_err_init clears it and the offset.
 */
static void test_err_kind(void **state)
{
	struct ctl_err err;

	(void)state;
	ctl_err_init(&err);
	assert_int_equal(err.kind, CTL_K_NONE);
	assert_int_equal(err.offset, -1);
	ctl_err_setk(&err, CTL_E_REMOTE, CTL_K_HOSTKEY_UNKNOWN, "node %s: host key unknown", "a");
	ctl_err_setk(&err, CTL_E_REMOTE, CTL_K_TIMEOUT, "later");
	ctl_err_set(&err, CTL_E_IO, "later still");
	assert_int_equal(err.kind, CTL_K_HOSTKEY_UNKNOWN);
	assert_int_equal(err.code, CTL_E_REMOTE);
	assert_string_equal(err.msg, "node a: host key unknown");
	ctl_err_prefix(&err, "x");
	assert_int_equal(err.kind, CTL_K_HOSTKEY_UNKNOWN);
	ctl_err_init(&err);
	ctl_err_set(&err, CTL_E_IO, "plain");
	assert_int_equal(err.kind, CTL_K_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults_and_overrides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nul_byte, setup, teardown),
		cmocka_unit_test(test_tftp_url),
		cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_password_auth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_not_regular, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_modes, setup, teardown),
		cmocka_unit_test(test_parse_buffer),
		cmocka_unit_test(test_err_kind),
		cmocka_unit_test_setup_teardown(test_known_hosts_ok, setup, teardown),
		cmocka_unit_test(test_config_example),
		cmocka_unit_test_setup_teardown(test_known_hosts_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_known_hosts_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_known_hosts_not_regular, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
