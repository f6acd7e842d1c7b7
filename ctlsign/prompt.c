/*
 * prompt.c - the program's terminal: the no-echo secret prompt, and the
 * signal handlers. The engine has neither (trustlist/util.h): it asks a
 * person through the asker the commands pass down, and lists its
 * temporary files for the handler here to remove.
 */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "prompt.h"

/* The signal that interrupted a secret prompt, re-raised once echo is back. */
static volatile sig_atomic_t prompt_signal;

static void on_prompt_signal(int sig)
{
	prompt_signal = sig;
}

/*
 * read_line reads one line from fd into buf (cap > 0 bytes),
 * NUL-terminated, with its "\n" (the engine applies the one secret
 * policy to it). Byte by byte: no stdio buffer keeps a copy.
 */
static enum ctl_ask_result read_line(int fd, char *buf, size_t cap,
				     size_t *out_len)
{
	size_t n = 0;
	int too_long = 0;

	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);

		if (r < 0 || prompt_signal != 0)
			return CTL_ASK_NOTHING;
		if (r == 0 && n == 0 && !too_long)
			return CTL_ASK_NOTHING;
		if (r == 0)
			break;
		if (n + 1 < cap)
			buf[n++] = c;
		else
			too_long = 1;
		if (c == '\n')
			break;
	}
	buf[n] = '\0';
	*out_len = n;
	return too_long ? CTL_ASK_TOO_LONG : CTL_ASK_OK;
}

static enum ctl_ask_result tty_ask(void *ctx, char *buf, size_t cap,
				   size_t *out_len, const char *prompt)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa, old_sa[sizeof(sigs) / sizeof(sigs[0])];
	struct termios old, quiet;
	enum ctl_ask_result r;
	int fd, echo_off = 0;

	(void)ctx;
	*out_len = 0;
	if (cap == 0)
		return CTL_ASK_TOO_LONG;
	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return CTL_ASK_NO_TERMINAL;
	/*
	 * Ctrl-C (or a hang-up) while echo is off must not leave the
	 * administrator's terminal blind: catch the signal, restore the
	 * terminal, then let the signal do what it would have done.
	 */
	prompt_signal = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_prompt_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, &old_sa[i]);
	if (tcgetattr(fd, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		echo_off = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
	}
	(void)!write(fd, prompt, strlen(prompt));
	r = read_line(fd, buf, cap, out_len);
	if (echo_off)
		(void)tcsetattr(fd, TCSAFLUSH, &old);
	(void)!write(fd, "\n", 1);
	close(fd);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &old_sa[i], NULL);
	if (prompt_signal != 0) {
		/* Nothing typed survives the signal, whatever it does next. */
		burn(buf, cap);
		*out_len = 0;
		raise(prompt_signal);
		/* Ignored or handled elsewhere: give up on the prompt. */
		return CTL_ASK_INTERRUPTED;
	}
	return r;
}

const struct ctl_asker cmd_tty_asker = { tty_ask, NULL };

/*
 * A signal that ends the program must not leave NAME.tmp.XXXXXX behind:
 * remove the atomic writes' temporary files (async-signal-safe), then
 * die of the signal as if it had not been caught (SA_RESETHAND put the
 * default back; the re-raised signal is delivered when we return).
 */
static void on_fatal_signal(int sig)
{
	ctl_tmp_unlink_all();
	raise(sig);
}

void cmd_catch_signals(void)
{
	/* Every signal whose default is to end the process, but faults. */
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1,
				    SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF,
				    SIGXCPU, SIGIO, SIGPWR, SIGSTKFLT };
	struct sigaction sa, old;

	/*
	 * A full disk quota (SIGXFSZ) or a closed pipe or socket (SIGPIPE)
	 * becomes a failed write, which every writer reports and cleans up
	 * after, instead of a death that leaves a temporary file behind.
	 */
	signal(SIGXFSZ, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal_signal;
	sa.sa_flags = SA_RESETHAND;
	sigfillset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		/* An ignored signal (nohup, a background job) stays ignored. */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
}
