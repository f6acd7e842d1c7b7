/*
 * tftp.c - reading a file back the way a phone does, over TFTP, with
 * libcurl (a maintained client; no hand-written protocol), and the
 * checksums `show ctl` and the phones print.
 */
#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node.h"
#include "util.h"

struct sink {
	uint8_t *buf;
	size_t len, cap;
	int too_big;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t add = size * n;

	if (s->len + add > CL_MAX_REMOTE_FILE) {
		s->too_big = 1;
		return 0;
	}
	if (s->len + add > s->cap) {
		size_t want = (s->len + add) * 2;
		uint8_t *grown = realloc(s->buf, want);

		if (grown == NULL)
			return 0;
		s->buf = grown;
		s->cap = want;
	}
	memcpy(s->buf + s->len, p, add);
	s->len += add;
	return add;
}

int cl_tftp_get(struct ctl_err *err, const char *host, int port,
		const char *name, int timeout, uint8_t **out, size_t *out_len,
		int *out_missing)
{
	struct sink s = { 0 };
	char url[512];
	CURL *c;
	CURLcode rc;

	*out = NULL;
	*out_len = 0;
	*out_missing = 0;
	/* An IPv6 address is bracketed in a URL (RFC 3986). */
	if ((size_t)snprintf(url, sizeof(url), "tftp://%s%s%s:%d/%s",
			     strchr(host, ':') ? "[" : "", host,
			     strchr(host, ':') ? "]" : "", port, name) >= sizeof(url))
		return ctl_err_set(err, CTL_E_USAGE, "TFTP address too long");
	c = curl_easy_init();
	if (c == NULL)
		return ctl_err_set(err, CTL_E_INTERNAL, "cannot start libcurl");
	/* NOSIGNAL: workers are threads; a timeout must not raise SIGALRM. */
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)timeout);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "tftp");
	rc = curl_easy_perform(c);
	curl_easy_cleanup(c);
	if (rc == CURLE_TFTP_NOTFOUND) {
		free(s.buf);
		*out_missing = 1;
		return 1;
	}
	if (rc != CURLE_OK) {
		free(s.buf);
		return ctl_err_setk(err, CTL_E_REMOTE,
				    rc == CURLE_OPERATION_TIMEDOUT ? CTL_K_TIMEOUT :
				    s.too_big ? CTL_K_PROTOCOL : CTL_K_CONNECT, "%s: %s", url,
				   s.too_big ? "file too large" :
				   curl_easy_strerror(rc));
	}
	*out = s.buf;
	*out_len = s.len;
	return 1;
}

static void digest_hex(char *out, const EVP_MD *md, const uint8_t *p, size_t n)
{
	uint8_t d[EVP_MAX_MD_SIZE];
	unsigned dlen = 0;

	if (!EVP_Digest(p, n, d, &dlen, md, NULL)) {
		out[0] = '\0';
		return;
	}
	ctl_hex(out, d, dlen, 0, 0);
}

void cl_sum_of(struct cl_sum *sum, const uint8_t *data, size_t len)
{
	static const uint8_t empty[1];

	if (data == NULL)
		data = empty;
	sum->present = 1;
	sum->len = len;
	digest_hex(sum->md5, EVP_md5(), data, len);
	digest_hex(sum->sha1, EVP_sha1(), data, len);
	digest_hex(sum->sha256, EVP_sha256(), data, len);
}
