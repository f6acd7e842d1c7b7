/*
 * store.c - the cluster's trust store as TVS sees it (seed 000: "the TVS
 * certificate store is every certificate on the OS Administration >
 * Certificate Management page"): a set of whole DER certificates, read
 * from a directory of PEM or DER files (docs/phone-trust.md, "The trust
 * store directory", is the format `cluster fetch-certs --trust` writes).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "trustlist.h"
#include "util.h"

/* A directory of certificates is small; a file in it is one certificate
 * or a short chain. */
#define STORE_MAX_FILE (1024 * 1024)
#define STORE_MAX_CERTS 4096

struct store_cert {
	uint8_t *der;
	size_t n;
	uint8_t sha1[SHA_DIGEST_LENGTH]; /* of der, made once when added */
};

struct ctl_trust_store {
	struct store_cert *certs;
	size_t n, cap;
};

struct ctl_trust_store *ctl_trust_store_new(void)
{
	return calloc(1, sizeof(struct ctl_trust_store));
}

void ctl_trust_store_free(struct ctl_trust_store *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->certs[i].der);
	free(s->certs);
	free(s);
}

size_t ctl_trust_store_count(const struct ctl_trust_store *s)
{
	return s != NULL ? s->n : 0;
}

int ctl_trust_store_has(const struct ctl_trust_store *s, const uint8_t *der, size_t n)
{
	for (size_t i = 0; s != NULL && i < s->n; i++)
		if (s->certs[i].n == n && memcmp(s->certs[i].der, der, n) == 0)
			return 1;
	return 0;
}

int ctl_trust_store_has_sha1(const struct ctl_trust_store *s, const uint8_t sha1[20])
{
	for (size_t i = 0; s != NULL && i < s->n; i++)
		if (memcmp(s->certs[i].sha1, sha1, SHA_DIGEST_LENGTH) == 0)
			return 1;
	return 0;
}

int ctl_trust_store_add(struct ctl_trust_store *s, struct ctl_err *err, X509 *cert)
{
	unsigned char *der = NULL;
	int n = i2d_X509(cert, &der);

	if (n <= 0)
		return ctl_err_openssl(err, CTL_E_FORMAT, "certificate cannot be encoded");
	if (ctl_trust_store_has(s, der, (size_t)n)) { /* a unit may repeat another */
		OPENSSL_free(der);
		return 1;
	}
	if (s->n == STORE_MAX_CERTS) {
		OPENSSL_free(der);
		return ctl_err_set(err, CTL_E_FORMAT, "more than %d certificates", STORE_MAX_CERTS);
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		struct store_cert *p = realloc(s->certs, cap * sizeof(*p));

		if (p == NULL) {
			OPENSSL_free(der);
			return ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		}
		s->certs = p;
		s->cap = cap;
	}
	s->certs[s->n].der = malloc((size_t)n);
	if (s->certs[s->n].der == NULL) {
		OPENSSL_free(der);
		return ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
	}
	/* Refused (out of memory): no digest made up, nothing added. */
	if (SHA1(der, (size_t)n, s->certs[s->n].sha1) == NULL) {
		free(s->certs[s->n].der);
		OPENSSL_free(der);
		return ctl_err_set(err, CTL_E_INTERNAL, "cannot compute a SHA-1");
	}
	memcpy(s->certs[s->n].der, der, (size_t)n);
	s->certs[s->n++].n = (size_t)n;
	OPENSSL_free(der);
	return 1;
}

/* is_space: PEM files may hold blank lines and CR/LF between blocks. */
static int is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* find: the first n-byte needle in hay (len bytes) at or after from, or len. */
static size_t find(const uint8_t *hay, size_t len, size_t from, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = from; i + n <= len; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return i;
	return len;
}

/*
 * load_pem adds the PEM certificates of data: nothing but CERTIFICATE
 * blocks and white space between them. Text outside a block, another kind
 * of block, or a block cut short or that does not decode refuses the
 * whole file: such a file is not what `fetch-certs` writes, and taking
 * its first part would be reading a store in part.
 */
static int load_pem(struct ctl_trust_store *s, struct ctl_err *err, const char *path,
		    const uint8_t *data, size_t len)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	static const char end[] = "-----END CERTIFICATE-----";
	size_t at = 0, found = 0;

	for (;;) {
		size_t stop;
		BIO *bio;
		X509 *x;
		int ok;

		while (at < len && is_space(data[at]))
			at++;
		if (at == len)
			break;
		if (len - at < sizeof(begin) - 1 || memcmp(data + at, begin, sizeof(begin) - 1) != 0)
			return ctl_err_set(err, CTL_E_FORMAT, found == 0 ?
					   "%s: not a PEM or DER certificate" :
					   "%s: not a PEM or DER certificate: something other than a certificate after certificate %zu",
					   path, found);
		stop = find(data, len, at, end);
		if (stop == len)
			return ctl_err_set(err, CTL_E_FORMAT,
					   "%s: not a PEM or DER certificate: certificate %zu is cut (no END line)",
					   path, found + 1);
		stop += sizeof(end) - 1;
		bio = BIO_new_mem_buf(data + at, (int)(stop - at));
		if (bio == NULL)
			return ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		BIO_free(bio);
		if (x == NULL) {
			ERR_clear_error();
			return ctl_err_set(err, CTL_E_FORMAT,
					   "%s: not a PEM or DER certificate: certificate %zu does not decode",
					   path, found + 1);
		}
		ok = ctl_trust_store_add(s, err, x);
		X509_free(x);
		if (!ok) {
			ctl_err_prefix(err, "%s", path);
			return 0;
		}
		found++;
		at = stop;
	}
	return found > 0 ||
	       ctl_err_set(err, CTL_E_FORMAT, "%s: not a PEM or DER certificate", path);
}

/*
 * load_file adds the certificates of one file: one DER certificate that
 * fills it, or PEM certificates (every one, and nothing but them).
 */
static int load_file(struct ctl_trust_store *s, struct ctl_err *err, const char *path)
{
	uint8_t *data = NULL;
	size_t len = 0;
	const unsigned char *p;
	X509 *x;
	int ok;

	if (!ctl_read_file(err, path, STORE_MAX_FILE, &data, &len))
		return 0;
	p = data;
	x = d2i_X509(NULL, &p, (long)len);
	if (x != NULL && p == data + len) {
		ok = ctl_trust_store_add(s, err, x);
		X509_free(x);
		if (!ok)
			ctl_err_prefix(err, "%s", path);
		free(data);
		return ok;
	}
	X509_free(x);
	ERR_clear_error();
	ok = load_pem(s, err, path, data, len);
	free(data);
	return ok;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ctl_trust_store_load_dir(struct ctl_trust_store *s, struct ctl_err *err,
			     const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL, *path = NULL;
	size_t n = 0, cap = 0, before = s->n;
	int ok = 0;

	if (d == NULL)
		return ctl_err_set(err, CTL_E_IO, "%s: cannot open the trust store directory: %s",
				   dir, strerror(errno));
	/* Names first, sorted: the first bad file named is the same every run. */
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **p = realloc(names, (cap = cap ? 2 * cap : 32) * sizeof(*p));

			if (p == NULL)
				goto oom;
			names = p;
		}
		if ((names[n] = strdup(e->d_name)) == NULL)
			goto oom;
		n++;
	}
	if (n > 0)
		qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(dir) + strlen(names[i]) + 2;
		struct stat st;

		free(path);
		if ((path = malloc(len)) == NULL)
			goto oom;
		snprintf(path, len, "%s/%s", dir, names[i]);
		if (stat(path, &st) != 0) {
			ctl_err_set(err, CTL_E_IO, "%s: %s", path, strerror(errno));
			goto done;
		}
		if (!S_ISREG(st.st_mode)) {
			ctl_err_set(err, CTL_E_IO,
				    "%s: %s in the trust store directory: only certificate files belong there",
				    path, ctl_file_kind(st.st_mode));
			goto done;
		}
		if (!load_file(s, err, path))
			goto done;
	}
	ok = s->n > before || n > 0 ||
	     ctl_err_set(err, CTL_E_FORMAT, "%s: the trust store directory holds no certificate", dir);
	goto done;
oom:
	ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
done:
	closedir(d);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(path);
	return ok;
}
