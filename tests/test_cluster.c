/*
 * test_cluster.c - cluster.conf parsing (cluster/config.c): defaults and
 * overrides, and a table of hostile files that must each fail with a
 * message naming the line, never silently change where a file goes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static int teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->path);
	rmdir(f->dir);
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

/* Text from a node (SFTP status message, CLI output, a served file's
 * names) never brings a newline or a terminal escape into a message. */
static void test_printable(void **state)
{
	char s[] = "rename refused\n\x1b[2Jctlsign: all good\r\x7f\tok \xc3\xa9";

	(void)state;
	cl_printable(s);
	assert_string_equal(s, "rename refused??[2Jctlsign: all good???ok \xc3\xa9");
	cl_printable(NULL);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults_and_overrides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nul_byte, setup, teardown),
		cmocka_unit_test(test_printable),
		cmocka_unit_test(test_tftp_url),
		cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_password_auth, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
