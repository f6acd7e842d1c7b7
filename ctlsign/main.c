/*
 * main.c - the command table. Commands are thin: they parse options,
 * call the library, render, and return an exit status.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "prompt.h"
#include "text.h"
#ifdef CTLSIGN_TEST_HOOKS
#include "testhooks.h"
#endif

#ifndef CTLSIGN_VERSION
#define CTLSIGN_VERSION "dev"
#endif

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
#ifndef CTLSIGN_CLUSTER_PROGRAM
	/*
	 * ctlsign-cluster is this file built with the cluster command
	 * alone; in ctlsign, cmd_cluster execs it (cluster_exec.c).
	 */
	{ "build", cmd_build, "build and sign a CTL or ITL file" },
	{ "show", cmd_show, "print a CTL, ITL or .sgn file as CUCM's `show ctl` does" },
	{ "verify", cmd_verify, "verify the signature of trust lists (files or directories)" },
	{ "check", cmd_check, "will phones holding the current CTL/ITL accept a new one?" },
	{ "sgn", cmd_sgn, "sign or verify a .sgn signed file" },
	{ "tokens", cmd_tokens, "list PKCS#11 tokens and export SAST eToken certificates" },
	{ "migrate", cmd_migrate, "carry out a migration (mixed mode, eTokens, signer) step by step" },
#endif
	{ "cluster", cmd_cluster, "security mode, certificates and CTL distribution over SSH" },
};

/*
 * Messages name files, tokens, hosts and elements that came from outside:
 * every one goes through the one sanitizer before it reaches a terminal.
 * A message already made safe passes unchanged (backslashes are kept).
 */
int cmd_fail(const struct ctl_err *err)
{
	char safe[4 * sizeof(err->msg)];

	ctl_text_cstr(safe, sizeof(safe), err->msg[0] ? err->msg : "failed");
	fprintf(stderr, "ctlsign: %s\n", safe);
	return ctl_exit_code(err->code);
}

/*
 * vprint formats fmt to out through the one sanitizer. The newlines that
 * begin and end fmt itself are printed as such; every other byte, a
 * newline inside an argument too (a name cannot start a line of its
 * own), is as text.h says.
 */
static void vprint(FILE *out, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static void vprint(FILE *out, const char *fmt, va_list ap)
{
	size_t flen = strlen(fmt), lead = strspn(fmt, "\n"), trail = 0, n;
	char small[512], *text = small;
	va_list again;
	int len;
	/*
	 * Assembled in memory, then written at once: the sanitizer puts a
	 * byte at a time, which on unbuffered stderr was one write(2) per
	 * byte (200 system calls for one warning; bench/p11.sh).
	 */
	char *mem_buf = NULL;
	size_t mem_len = 0;
	FILE *mem = open_memstream(&mem_buf, &mem_len), *dest = out;

	while (trail < flen - lead && fmt[flen - 1 - trail] == '\n')
		trail++;
	va_copy(again, ap);
	len = vsnprintf(small, sizeof(small), fmt, ap);
	if (len >= 0 && (size_t)len >= sizeof(small)) {
		text = malloc((size_t)len + 1);
		if (text != NULL)
			vsnprintf(text, (size_t)len + 1, fmt, again);
	}
	va_end(again);
	if (len < 0 || text == NULL) {
		if (mem != NULL)
			fclose(mem);
		free(mem_buf);
		return;
	}
	if (mem != NULL)
		out = mem;
	n = (size_t)len;
	for (size_t i = 0; i < lead; i++)
		fputc('\n', out);
	if (n > lead + trail)
		ctl_text_put(out, (const uint8_t *)text + lead, n - lead - trail);
	for (size_t i = 0; i < trail; i++)
		fputc('\n', out);
	if (text != small)
		free(text);
	if (mem != NULL && fclose(mem) == 0)
		fwrite(mem_buf, 1, mem_len, dest);
	free(mem_buf);
}

void cmd_print(FILE *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(out, fmt, ap);
	va_end(ap);
}

void cmd_warn(const char *fmt, ...)
{
	char *line = NULL;
	size_t line_len = 0;
	FILE *mem = open_memstream(&line, &line_len);
	va_list ap;

	/* One write for the whole line (vprint says why). */
	fputs("ctlsign: warning: ", mem != NULL ? mem : stderr);
	va_start(ap, fmt);
	vprint(mem != NULL ? mem : stderr, fmt, ap);
	va_end(ap);
	fputc('\n', mem != NULL ? mem : stderr);
	if (mem != NULL && fclose(mem) == 0)
		fwrite(line, 1, line_len, stderr);
	free(line);
}

int cmd_bad_option(const char *cmd, char *const *argv)
{
	/*
	 * getopt's own messages (opterr) would print the option as typed,
	 * raw: the one sanitizer prints it here. A short option in a group
	 * (-qx) is named by optopt; anything else by the word getopt was at.
	 */
	const char *word = optind > 0 ? argv[optind - 1] : "";

	if (strncmp(word, "--", 2) != 0 && optopt > 0x20 && optopt < 0x7f)
		return cmd_usage_error(cmd, "unknown option, or option without its value: -%c",
				       optopt);
	return cmd_usage_error(cmd, "unknown option, or option without its value: '%.*s'",
			       (int)strcspn(word, "="), word);
}

int cmd_usage_error(const char *cmd, const char *fmt, ...)
{
	char safe[256], msg[512];
	va_list ap;

	fprintf(stderr, "ctlsign: %s: ", cmd);
	va_start(ap, fmt);
	vprint(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'ctlsign %s --help'.\n",
		ctl_text_cstr(safe, sizeof(safe), cmd));
	/* Under --json the usage error is also the command's document. */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cj_usage_hook(msg);
	return 2;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: ctlsign COMMAND [OPTIONS] [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\n'ctlsign COMMAND --help' describes a command; man ctlsign for more.\n"
		"exit status: 0 ok, 1 signature or signer invalid, 2 malformed input or\n"
		"usage, 3 file I/O, 4 token or PIN, 5 remote node, 6 internal error\n");
}

int main(int argc, char **argv)
{
	cmd_catch_signals();
#ifdef CTLSIGN_TEST_HOOKS
	cmd_test_hooks_install();
#endif
	opterr = 0; /* cmd_bad_option reports, sanitized */
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("ctlsign %s\n", CTLSIGN_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	cmd_print(stderr, "ctlsign: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
