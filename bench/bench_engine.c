/*
 * bench_engine.c - the trust-list engine's per-file cost, for bench/run.sh.
 * Not a test: it prints figures ("name=value" lines) and run.sh sets them
 * beside a reference measured in the same run.
 *
 *   bench_engine gen DIR N KEY CERT CAPF SUB1
 *       writes N distinct signed CTLs (TIMESTAMP differs, so every
 *       signature differs) as DIR/CTLSEP<MAC>.tlv, as a TFTP root holds
 *   bench_engine build N KEY CERT CAPF SUB1
 *       builds and signs N CTLs in memory: ctl_build alone, then as
 *       `ctlsign build` does it (ctl_build, then parse + verify self-check)
 *   bench_engine verify DIR shared|cold
 *       verifies every *.tlv of DIR in this process: shared = one key
 *       cache for all files (what `ctlsign verify DIR` does), cold = a
 *       fresh cache per file (every certificate parsed for every file)
 *   bench_engine ceiling FILE KEY N
 *       the reference in-process, as `openssl speed` measures it: SHA-1
 *       of FILE's bytes plus one RSA verify (and sign) with a reused
 *       context, N times; a cross-check of run.sh's `openssl speed` figures
 *   bench_engine records OUT N KEY CERT CAPF SUB1
 *       writes OUT, a CTL of N records (N >= 2): the signer's SAST record
 *       and N-1 CCM+TFTP records, each with a certificate of its own
 *       (serial and name differ; issued by KEY), as a big cluster's CTL
 *   bench_engine read DIR
 *       the least any program pays the kernel to get the bytes of every
 *       *.tlv of DIR: openat relative to the directory, one read into a
 *       reused buffer, close; no stat, no allocation (best of 3 passes).
 *       run.sh adds it to the ceiling: a bound for any verifier that
 *       reads its files through the kernel
 *   bench_engine link SRC DST COPIES
 *       hard-links every *.tlv of SRC into DST COPIES times under new
 *       names (c<k>-NAME): a TFTP root of COPIES times the files, cheaply
 *
 * Times are wall clock (CLOCK_MONOTONIC); run.sh pins the process to one
 * core. peak_rss_kb is getrusage's ru_maxrss.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <unistd.h>

#include "trustlist.h"
#include "util.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static long peak_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static int fail(const struct ctl_err *err)
{
	fprintf(stderr, "bench_engine: %s\n", err->msg);
	return 1;
}

static long parse_count(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	return *end == '\0' && n > 0 ? n : -1;
}

/* The certificates and signer of the example cluster (tests/data). */
struct cluster {
	struct ctl_signer *signer;
	X509 *capf, *sub1;
	struct ctl_rec_spec specs[4];
};

static void cluster_cleanup(struct cluster *c)
{
	X509_free(c->sub1);
	X509_free(c->capf);
	ctl_signer_free(c->signer);
	memset(c, 0, sizeof(*c));
}

/*
 * The records of tests/data/golden/CTLFile.tlv: the signer's SAST record
 * first (tokenless, as `ctlsign build` orders it), then CCM+TFTP, CAPF,
 * and the subscriber's CCM+TFTP.
 */
static int cluster_init(struct cluster *c, struct ctl_err *err,
			char **paths)
{
	static const uint8_t pub_ip[4] = { 10, 48, 47, 155 };
	static const uint8_t sub_ip[4] = { 10, 48, 47, 156 };
	const char *warning = NULL;

	memset(c, 0, sizeof(*c));
	c->signer = ctl_signer_from_key_file(err, &warning, paths[0], paths[1],
					     NULL);
	if (c->signer == NULL ||
	    (c->capf = ctl_load_cert(err, paths[2])) == NULL ||
	    (c->sub1 = ctl_load_cert(err, paths[3])) == NULL) {
		cluster_cleanup(c);
		return 0;
	}
	c->specs[0] = (struct ctl_rec_spec){ .role = ROLE_SAST,
		.cert = c->signer->cert, .dns = "cucm-1051-a-pub", .has_ip = 1 };
	c->specs[1] = (struct ctl_rec_spec){ .role = ROLE_CCM_TFTP,
		.cert = c->signer->cert, .dns = "cucm-1051-a-pub", .has_ip = 1 };
	c->specs[2] = (struct ctl_rec_spec){ .role = ROLE_CAPF,
		.cert = c->capf, .dns = "cucm-1051-a-pub", .has_ip = 1 };
	c->specs[3] = (struct ctl_rec_spec){ .role = ROLE_CCM_TFTP,
		.cert = c->sub1, .dns = "cucm-1051-a-sub1", .has_ip = 1 };
	memcpy(c->specs[0].ip, pub_ip, 4);
	memcpy(c->specs[1].ip, pub_ip, 4);
	memcpy(c->specs[2].ip, pub_ip, 4);
	memcpy(c->specs[3].ip, sub_ip, 4);
	for (size_t i = 0; i < 4; i++)
		c->specs[i].style = ctl_style_for(KIND_CTL, c->specs[i].role);
	return 1;
}

static int build_one(struct cluster *c, struct ctl_err *err, uint32_t ts,
		     uint8_t **out, size_t *out_len)
{
	struct ctl_build_opts o = { .kind = KIND_CTL, .digest = DIGEST_SHA1,
				    .timestamp = ts, .filename = "CTLFile.tlv",
				    .ver_major = 1, .ver_minor = 2 };

	return ctl_build(err, out, out_len, &o, c->signer, c->specs, 4, NULL, 0);
}

static int cmd_gen(int argc, char **argv)
{
	struct cluster c;
	struct ctl_err err;
	long n = argc == 8 ? parse_count(argv[3]) : -1;
	int rc = 1;

	if (n < 0 || n > 0xffffff) {
		fputs("usage: bench_engine gen DIR N KEY CERT CAPF SUB1\n", stderr);
		return 2;
	}
	ctl_err_init(&err);
	if (!cluster_init(&c, &err, argv + 4))
		return fail(&err);
	for (long i = 0; i < n; i++) {
		char path[4096];
		uint8_t *buf = NULL;
		size_t len = 0;
		FILE *fp;

		/* A phone's MAC: 00:11:22 and the file number. */
		snprintf(path, sizeof(path), "%s/CTLSEP001122%06lX.tlv", argv[2], i);
		if (!build_one(&c, &err, 1425667513u + (uint32_t)i, &buf, &len)) {
			fail(&err);
			goto out;
		}
		fp = fopen(path, "wb");
		if (fp == NULL || fwrite(buf, 1, len, fp) != len ||
		    fclose(fp) != 0) {
			fprintf(stderr, "bench_engine: %s: cannot write\n", path);
			free(buf);
			goto out;
		}
		free(buf);
	}
	rc = 0;
out:
	cluster_cleanup(&c);
	return rc;
}

static int cmd_build_bench(int argc, char **argv)
{
	struct cluster c;
	struct ctl_err err;
	long n = argc == 7 ? parse_count(argv[2]) : -1;
	double t0, t1, c0, c1;
	size_t bytes = 0;
	int rc = 1;

	if (n < 0) {
		fputs("usage: bench_engine build N KEY CERT CAPF SUB1\n", stderr);
		return 2;
	}
	ctl_err_init(&err);
	if (!cluster_init(&c, &err, argv + 3))
		return fail(&err);

	/* ctl_build alone: the records rendered from certificates, then signed. */
	t0 = now();
	c0 = cpu_seconds();
	for (long i = 0; i < n; i++) {
		uint8_t *buf = NULL;
		size_t len = 0;

		if (!build_one(&c, &err, 1425667513u + (uint32_t)i, &buf, &len)) {
			fail(&err);
			goto out;
		}
		bytes = len;
		free(buf);
	}
	t1 = now();
	c1 = cpu_seconds();
	printf("build_files=%ld\nbuild_bytes_per_file=%zu\n", n, bytes);
	printf("build_seconds=%.6f\nbuild_cpu_seconds=%.6f\n", t1 - t0, c1 - c0);
	printf("build_files_per_s=%.1f\n", (double)n / (t1 - t0));

	/*
	 * As `ctlsign build` does: the new file is parsed and verified too,
	 * with a key cache seeded by the certificates in hand (cmd_build.c).
	 */
	t0 = now();
	c0 = cpu_seconds();
	for (long i = 0; i < n; i++) {
		struct ctl_file chk = { 0 };
		struct ctl_key_cache *cache = ctl_key_cache_new();
		uint8_t *buf = NULL;
		size_t len = 0;
		int ok = cache != NULL;

		if (ok) {
			ctl_key_cache_add(cache, c.signer->cert);
			for (size_t k = 0; k < sizeof(c.specs) / sizeof(c.specs[0]); k++)
				if (c.specs[k].cert != NULL)
					ctl_key_cache_add(cache, c.specs[k].cert);
		}
		ok = ok && build_one(&c, &err, 1425667513u + (uint32_t)i, &buf, &len) &&
		     ctl_parse(&chk, &err, buf, len, PARSE_RECORDS);
		ok = ok && ctl_verify(&chk, &err, NULL, cache, NULL);
		ctl_file_cleanup(&chk);
		ctl_key_cache_free(cache);
		free(buf);
		if (!ok) {
			fail(&err);
			goto out;
		}
	}
	t1 = now();
	c1 = cpu_seconds();
	printf("buildchk_seconds=%.6f\nbuildchk_cpu_seconds=%.6f\n", t1 - t0, c1 - c0);
	printf("buildchk_files_per_s=%.1f\n", (double)n / (t1 - t0));
	printf("build_peak_rss_kb=%ld\n", peak_rss_kb());
	rc = 0;
out:
	cluster_cleanup(&c);
	return rc;
}

static int is_tlv(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 4 && strcmp(d->d_name + n - 4, ".tlv") == 0;
}

static int cmd_verify_bench(int argc, char **argv)
{
	struct dirent **names = NULL;
	struct ctl_key_cache *cache = NULL;
	double t0, t1, c0, c1, t_read = 0, t_parse = 0, t_verify = 0;
	size_t bytes = 0, ok = 0, bad = 0;
	int n, cold;

	if (argc != 4 || (strcmp(argv[3], "shared") != 0 &&
			  strcmp(argv[3], "cold") != 0)) {
		fputs("usage: bench_engine verify DIR shared|cold\n", stderr);
		return 2;
	}
	cold = strcmp(argv[3], "cold") == 0;
	t0 = now();
	c0 = cpu_seconds();
	n = scandir(argv[2], &names, is_tlv, alphasort);
	if (n <= 0) {
		fprintf(stderr, "bench_engine: %s: no *.tlv files to read\n", argv[2]);
		free(names);
		return 1;
	}
	if (!cold && (cache = ctl_key_cache_new()) == NULL)
		return 1;
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct ctl_file f;
		struct ctl_err err;
		uint8_t *data = NULL;
		size_t len = 0;
		double a, b, d, e;
		int okp;

		snprintf(path, sizeof(path), "%s/%s", argv[2], names[i]->d_name);
		free(names[i]);
		ctl_err_init(&err);
		if (cold && (cache = ctl_key_cache_new()) == NULL)
			return 1;
		/*
		 * ctl_parse_path split in two so that the file system's share
		 * shows: ctl_read_file, then ctl_parse (which copies the bytes,
		 * ~0.3 us more than ctl_parse_path's hand-over).
		 */
		a = now();
		if (!ctl_read_file(&err, path, CTL_MAX_FILE, &data, &len)) {
			fail(&err);
			bad++;
			goto next;
		}
		b = now();
		okp = ctl_parse(&f, &err, data, len, PARSE_AUTO);
		free(data);
		if (!okp) {
			fail(&err);
			bad++;
			goto next;
		}
		d = now();
		if (ctl_verify(&f, &err, NULL, cache, NULL))
			ok++;
		else
			bad++, fail(&err);
		e = now();
		t_read += b - a;
		t_parse += d - b;
		t_verify += e - d;
		bytes += f.len;
		ctl_file_cleanup(&f);
next:
		if (cold) {
			ctl_key_cache_free(cache);
			cache = NULL;
		}
	}
	free(names);
	ctl_key_cache_free(cache);
	t1 = now();
	c1 = cpu_seconds();
	printf("verify_mode=%s\nverify_files=%d\nverify_ok=%zu\nverify_bad=%zu\n",
	       argv[3], n, ok, bad);
	printf("verify_bytes_per_file=%.0f\n", (double)bytes / n);
	printf("verify_seconds=%.6f\nverify_cpu_seconds=%.6f\n", t1 - t0, c1 - c0);
	printf("verify_files_per_s=%.1f\n", (double)n / (t1 - t0));
	printf("verify_us_read=%.2f\nverify_us_parse=%.2f\nverify_us_verify=%.2f\n",
	       1e6 * t_read / n, 1e6 * t_parse / n, 1e6 * t_verify / n);
	/* The engine without the file system: parse + verify only. */
	printf("verify_mem_files_per_s=%.1f\n",
	       (double)n / (t_parse + t_verify));
	printf("verify_peak_rss_kb=%ld\n", peak_rss_kb());
	return bad == 0 ? 0 : 1;
}

static int cmd_read_floor(int argc, char **argv)
{
	static uint8_t buf[CTL_MAX_FILE + 1];
	struct dirent **names = NULL;
	double best = 0;
	size_t bytes = 0;
	int n, dfd;

	if (argc != 3) {
		fputs("usage: bench_engine read DIR\n", stderr);
		return 2;
	}
	n = scandir(argv[2], &names, is_tlv, alphasort);
	dfd = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (n <= 0 || dfd < 0) {
		fprintf(stderr, "bench_engine: %s: no *.tlv files to read\n", argv[2]);
		return 1;
	}
	for (int pass = 0; pass < 3; pass++) {
		double t0 = now(), t;

		bytes = 0;
		for (int i = 0; i < n; i++) {
			int fd = openat(dfd, names[i]->d_name, O_RDONLY | O_CLOEXEC);
			ssize_t r;

			if (fd < 0 || (r = read(fd, buf, sizeof(buf))) < 0) {
				fprintf(stderr, "bench_engine: %s: %s\n",
					names[i]->d_name, strerror(errno));
				return 1;
			}
			bytes += (size_t)r;
			close(fd);
		}
		t = now() - t0;
		if (pass == 0 || t < best)
			best = t;
	}
	close(dfd);
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	printf("read_files=%d\nread_bytes_per_file=%.0f\nread_us_floor=%.3f\n",
	       n, (double)bytes / n, 1e6 * best / n);
	return 0;
}

/*
 * What `openssl speed rsaNNNN` and `openssl speed -evp sha1` time, on the
 * benchmark's own key and file: one digest of the file's bytes plus one
 * RSA operation on it, with the key context set up once.
 */
static int cmd_ceiling(int argc, char **argv)
{
	struct ctl_err err;
	uint8_t *data = NULL, md[EVP_MAX_MD_SIZE], sig[512];
	size_t len = 0, siglen = sizeof(sig);
	EVP_PKEY *key = NULL;
	EVP_PKEY_CTX *sctx = NULL, *vctx = NULL;
	long n = argc == 5 ? parse_count(argv[4]) : -1;
	double t0, t_hash, t_verify, t_sign;
	unsigned mdlen = 0;
	FILE *fp = NULL;
	int rc = 1;

	if (n < 0) {
		fputs("usage: bench_engine ceiling FILE KEY N\n", stderr);
		return 2;
	}
	ctl_err_init(&err);
	if (!ctl_read_file(&err, argv[2], CTL_MAX_FILE, &data, &len))
		return fail(&err);
	fp = fopen(argv[3], "r");
	if (fp != NULL)
		key = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	if (fp != NULL)
		fclose(fp);
	if (key == NULL || (sctx = EVP_PKEY_CTX_new(key, NULL)) == NULL ||
	    (vctx = EVP_PKEY_CTX_new(key, NULL)) == NULL ||
	    EVP_PKEY_sign_init(sctx) != 1 || EVP_PKEY_verify_init(vctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(sctx, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(vctx, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(sctx, EVP_sha1()) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(vctx, EVP_sha1()) != 1) {
		fprintf(stderr, "bench_engine: %s: cannot set up the key\n", argv[3]);
		goto out;
	}
	t0 = now();
	for (long i = 0; i < n * 10; i++)
		EVP_Digest(data, len, md, &mdlen, EVP_sha1(), NULL);
	t_hash = (now() - t0) / (double)(n * 10);
	if (EVP_PKEY_sign(sctx, sig, &siglen, md, mdlen) != 1)
		goto out;
	t0 = now();
	for (long i = 0; i < n; i++)
		if (EVP_PKEY_verify(vctx, sig, siglen, md, mdlen) != 1)
			goto out;
	t_verify = (now() - t0) / (double)n;
	t0 = now();
	for (long i = 0; i < n / 10 + 1; i++) {
		siglen = sizeof(sig);
		if (EVP_PKEY_sign(sctx, sig, &siglen, md, mdlen) != 1)
			goto out;
	}
	t_sign = (now() - t0) / (double)(n / 10 + 1);
	printf("ref_bytes=%zu\nref_us_hash=%.3f\nref_us_rsa_verify=%.3f\nref_us_rsa_sign=%.3f\n",
	       len, 1e6 * t_hash, 1e6 * t_verify, 1e6 * t_sign);
	printf("ref_verify_files_per_s=%.1f\nref_sign_files_per_s=%.1f\n",
	       1.0 / (t_hash + t_verify), 1.0 / (t_hash + t_sign));
	rc = 0;
out:
	EVP_PKEY_CTX_free(vctx);
	EVP_PKEY_CTX_free(sctx);
	EVP_PKEY_free(key);
	free(data);
	return rc;
}

/* A certificate for CCM+TFTP record number i, issued by key. */
static X509 *node_cert(EVP_PKEY *key, const X509 *issuer, long i)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	char cn[64];

	snprintf(cn, sizeof(cn), "cucm-bench-%04ld", i);
	if (x == NULL || name == NULL ||
	    X509_set_version(x, 2) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(x), 100000 + i) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				       (const unsigned char *)cn, -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
				       (const unsigned char *)"Bench", -1, -1, 0) != 1 ||
	    X509_set_subject_name(x, name) != 1 ||
	    X509_set_issuer_name(x, X509_get_subject_name(issuer)) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), 0) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365) == NULL ||
	    X509_set_pubkey(x, key) != 1 || X509_sign(x, key, EVP_sha256()) <= 0) {
		X509_free(x);
		x = NULL;
	}
	X509_NAME_free(name);
	return x;
}

static int cmd_records(int argc, char **argv)
{
	struct ctl_build_opts o = { .kind = KIND_CTL, .digest = DIGEST_SHA1,
				    .timestamp = 1425667513u, .filename = "CTLFile.tlv",
				    .ver_major = 1, .ver_minor = 2 };
	long n = argc == 8 ? parse_count(argv[3]) : -1;
	struct ctl_rec_spec *specs = NULL;
	X509 **certs = NULL;
	struct cluster c;
	struct ctl_err err;
	EVP_PKEY *key = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	FILE *fp;
	int rc = 1;

	if (n < 2 || n > 4000) {
		fputs("usage: bench_engine records OUT N KEY CERT CAPF SUB1\n", stderr);
		return 2;
	}
	ctl_err_init(&err);
	if (!cluster_init(&c, &err, argv + 4))
		return fail(&err);
	fp = fopen(argv[4], "r");
	if (fp != NULL) {
		key = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
		fclose(fp);
	}
	specs = calloc((size_t)n, sizeof(*specs));
	certs = calloc((size_t)n, sizeof(*certs));
	if (key == NULL || specs == NULL || certs == NULL)
		goto out;
	specs[0] = c.specs[0];
	for (long i = 1; i < n; i++) {
		if ((certs[i] = node_cert(key, c.signer->cert, i)) == NULL)
			goto out;
		specs[i] = (struct ctl_rec_spec){ .role = ROLE_CCM_TFTP,
			.cert = certs[i], .dns = "cucm-bench", .has_ip = 1,
			.ip = { 10, 48, (uint8_t)(i >> 8), (uint8_t)i } };
		specs[i].style = ctl_style_for(KIND_CTL, ROLE_CCM_TFTP);
	}
	if (!ctl_build(&err, &buf, &len, &o, c.signer, specs, (size_t)n, NULL, 0)) {
		fail(&err);
		goto out;
	}
	fp = fopen(argv[2], "wb");
	if (fp == NULL || fwrite(buf, 1, len, fp) != len || fclose(fp) != 0) {
		fprintf(stderr, "bench_engine: %s: cannot write\n", argv[2]);
		goto out;
	}
	printf("records=%ld\nbytes=%zu\n", n, len);
	rc = 0;
out:
	if (rc != 0 && err.msg[0] == '\0')
		fputs("bench_engine: cannot make the certificates\n", stderr);
	for (long i = 0; certs != NULL && i < n; i++)
		X509_free(certs[i]);
	free(certs);
	free(specs);
	free(buf);
	EVP_PKEY_free(key);
	cluster_cleanup(&c);
	return rc;
}

static int cmd_link(int argc, char **argv)
{
	long copies = argc == 5 ? parse_count(argv[4]) : -1;
	struct dirent **names = NULL;
	int n;

	if (copies < 0) {
		fputs("usage: bench_engine link SRC DST COPIES\n", stderr);
		return 2;
	}
	n = scandir(argv[2], &names, is_tlv, alphasort);
	if (n < 0) {
		fprintf(stderr, "bench_engine: %s: cannot read\n", argv[2]);
		return 1;
	}
	for (long k = 0; k < copies; k++)
		for (int i = 0; i < n; i++) {
			char from[4096], to[4096];

			snprintf(from, sizeof(from), "%s/%s", argv[2], names[i]->d_name);
			snprintf(to, sizeof(to), "%s/c%ld-%s", argv[3], k, names[i]->d_name);
			if (link(from, to) != 0 && errno != EEXIST) {
				fprintf(stderr, "bench_engine: %s: cannot link: %s\n", to,
					strerror(errno));
				return 1;
			}
		}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "gen") == 0)
		return cmd_gen(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "build") == 0)
		return cmd_build_bench(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "verify") == 0)
		return cmd_verify_bench(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "ceiling") == 0)
		return cmd_ceiling(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "records") == 0)
		return cmd_records(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "read") == 0)
		return cmd_read_floor(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "link") == 0)
		return cmd_link(argc, argv);
	fputs("usage: bench_engine gen|build|verify|read|ceiling|records|link ... (see bench/bench_engine.c)\n",
	      stderr);
	return 2;
}
