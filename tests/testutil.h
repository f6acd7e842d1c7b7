/*
 * testutil.h - shared fixtures for the engine tests: the seed-002
 * two-node cluster of tests/data, built in memory.
 */
#ifndef CTLSIGN_TESTUTIL_H
#define CTLSIGN_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "trustlist.h"
#include "util.h"

#define SEED_TIMESTAMP 1425667513u /* Fri Mar 06 19:45:13 CET 2015 */

/* test_cert loads tests/data/NAME.pem; fails the test if it cannot. */
static inline X509 *test_cert(const char *name)
{
	char path[512];
	struct ctl_err err;
	X509 *x;

	ctl_err_init(&err);
	snprintf(path, sizeof(path), "%s/%s.pem", TEST_DATA, name);
	x = ctl_load_cert(&err, path);
	if (x == NULL)
		fail_msg("%s", err.msg);
	return x;
}

/* test_signer loads tests/data/NAME.key + NAME.pem as a key-file signer. */
static inline struct ctl_signer *test_signer(const char *name)
{
	char key[512], cert[512];
	const char *warning;
	struct ctl_err err;
	struct ctl_signer *s;

	ctl_err_init(&err);
	snprintf(key, sizeof(key), "%s/%s.key", TEST_DATA, name);
	snprintf(cert, sizeof(cert), "%s/%s.pem", TEST_DATA, name);
	s = ctl_signer_from_key_file(&err, &warning, key, cert, NULL);
	if (s == NULL)
		fail_msg("%s", err.msg);
	return s;
}

/* The cluster of FORMAT.md "Worked sizes". */
struct seed_cluster {
	X509 *pub, *sub1, *capf;
	struct ctl_signer *signer;
	struct ctl_rec_spec specs[4];
};

static inline void seed_cluster_init(struct seed_cluster *c)
{
	memset(c, 0, sizeof(*c));
	c->pub = test_cert("pub");
	c->sub1 = test_cert("sub1");
	c->capf = test_cert("capf");
	c->signer = test_signer("pub");
	/* What tokenless signing makes: the signer's SAST record first. */
	c->specs[0] = (struct ctl_rec_spec){ ROLE_SAST, c->pub, "cucm-1051-a-pub",
					     { 10, 48, 47, 155 }, 1, STYLE_SERVER, NULL };
	c->specs[1] = (struct ctl_rec_spec){ ROLE_CCM_TFTP, c->pub, "cucm-1051-a-pub",
					     { 10, 48, 47, 155 }, 1, STYLE_SERVER, NULL };
	c->specs[2] = (struct ctl_rec_spec){ ROLE_CAPF, c->capf, "cucm-1051-a-pub",
					     { 10, 48, 47, 155 }, 1, STYLE_SERVER, NULL };
	c->specs[3] = (struct ctl_rec_spec){ ROLE_CCM_TFTP, c->sub1, "cucm-1051-a-sub1",
					     { 10, 48, 47, 156 }, 1, STYLE_SERVER, NULL };
}

static inline void seed_cluster_cleanup(struct seed_cluster *c)
{
	X509_free(c->pub);
	X509_free(c->sub1);
	X509_free(c->capf);
	ctl_signer_free(c->signer);
}

/* seed_ctl builds the seed cluster's CTLFile.tlv (caller frees *out). */
static inline void seed_ctl(struct seed_cluster *c, uint8_t **out, size_t *len)
{
	struct ctl_build_opts o = { .kind = KIND_CTL, .digest = DIGEST_SHA1,
				    .timestamp = SEED_TIMESTAMP,
				    .filename = "CTLFile.tlv",
				    .ver_major = 1, .ver_minor = 2 };
	struct ctl_err err;

	ctl_err_init(&err);
	if (!ctl_build(&err, out, len, &o, c->signer, c->specs, 4, NULL, 0))
		fail_msg("%s", err.msg);
}

/* read_golden reads tests/data/golden/NAME (caller frees). */
static inline uint8_t *read_golden(const char *name, size_t *len)
{
	char path[512];
	struct ctl_err err;
	uint8_t *data = NULL;

	ctl_err_init(&err);
	snprintf(path, sizeof(path), "%s/golden/%s", TEST_DATA, name);
	if (!ctl_read_file(&err, path, CTL_MAX_FILE, &data, len))
		fail_msg("%s", err.msg);
	return data;
}

#endif
