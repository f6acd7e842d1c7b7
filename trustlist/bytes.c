/*
 * bytes.c - the cursor and the builder. Every read of file bytes in
 * ctlsign goes through cbs_skip_check(); nothing else does pointer
 * arithmetic on file data.
 */
#include <stdlib.h>
#include <string.h>

#include "bytes.h"

void cbs_init(struct cbs *cbs, const uint8_t *data, size_t len, size_t base)
{
	cbs->data = data;
	cbs->len = len;
	cbs->base = base;
}

size_t cbs_len(const struct cbs *cbs) { return cbs->len; }
size_t cbs_offset(const struct cbs *cbs) { return cbs->base; }
const uint8_t *cbs_data(const struct cbs *cbs) { return cbs->data; }

/* The one bounds check: n bytes are there to be taken. */
static int cbs_skip_check(const struct cbs *cbs, size_t n)
{
	return n <= cbs->len;
}

int cbs_skip(struct cbs *cbs, size_t n)
{
	if (!cbs_skip_check(cbs, n))
		return 0;
	cbs->data += n;
	cbs->len -= n;
	cbs->base += n;
	return 1;
}

static int cbs_get_be(struct cbs *cbs, size_t n, uint32_t *out)
{
	uint32_t v = 0;

	if (!cbs_skip_check(cbs, n))
		return 0;
	for (size_t i = 0; i < n; i++)
		v = (v << 8) | cbs->data[i];
	*out = v;
	return cbs_skip(cbs, n);
}

int cbs_get_u8(struct cbs *cbs, uint8_t *out)
{
	uint32_t v;

	if (!cbs_get_be(cbs, 1, &v))
		return 0;
	*out = (uint8_t)v;
	return 1;
}

int cbs_get_u16(struct cbs *cbs, uint16_t *out)
{
	uint32_t v;

	if (!cbs_get_be(cbs, 2, &v))
		return 0;
	*out = (uint16_t)v;
	return 1;
}

int cbs_get_u32(struct cbs *cbs, uint32_t *out)
{
	return cbs_get_be(cbs, 4, out);
}

int cbs_get_bytes(struct cbs *cbs, struct cbs *out, size_t n)
{
	if (!cbs_skip_check(cbs, n))
		return 0;
	cbs_init(out, cbs->data, n, cbs->base);
	return cbs_skip(cbs, n);
}

int cbs_get_u16_length_prefixed(struct cbs *cbs, struct cbs *out)
{
	struct cbs save = *cbs;
	uint16_t n;

	if (!cbs_get_u16(cbs, &n) || !cbs_get_bytes(cbs, out, n)) {
		*cbs = save;
		return 0;
	}
	return 1;
}

int cbb_init(struct cbb *cbb, size_t cap)
{
	memset(cbb, 0, sizeof(*cbb));
	if (cap == 0)
		cap = 64;
	cbb->buf = malloc(cap);
	if (cbb->buf == NULL) {
		cbb->failed = 1;
		return 0;
	}
	cbb->cap = cap;
	return 1;
}

void cbb_cleanup(struct cbb *cbb)
{
	free(cbb->buf);
	memset(cbb, 0, sizeof(*cbb));
}

static int cbb_grow(struct cbb *cbb, size_t n)
{
	size_t want, cap;
	uint8_t *p;

	if (cbb->failed || cbb->buf == NULL)
		return cbb->failed = 1, 0;
	if (n > SIZE_MAX / 2 - cbb->len)
		return cbb->failed = 1, 0;
	want = cbb->len + n;
	if (want <= cbb->cap)
		return 1;
	cap = cbb->cap * 2;
	if (cap < want)
		cap = want;
	p = realloc(cbb->buf, cap);
	if (p == NULL)
		return cbb->failed = 1, 0;
	cbb->buf = p;
	cbb->cap = cap;
	return 1;
}

int cbb_add_bytes(struct cbb *cbb, const void *p, size_t n)
{
	if (!cbb_grow(cbb, n))
		return 0;
	if (n > 0)
		memcpy(cbb->buf + cbb->len, p, n);
	cbb->len += n;
	return 1;
}

int cbb_add_space(struct cbb *cbb, size_t n, size_t *out_off)
{
	if (!cbb_grow(cbb, n))
		return 0;
	memset(cbb->buf + cbb->len, 0, n);
	if (out_off != NULL)
		*out_off = cbb->len;
	cbb->len += n;
	return 1;
}

int cbb_add_u8(struct cbb *cbb, uint8_t v)
{
	return cbb_add_bytes(cbb, &v, 1);
}

int cbb_add_u16(struct cbb *cbb, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return cbb_add_bytes(cbb, b, 2);
}

int cbb_add_u32(struct cbb *cbb, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 8), (uint8_t)v };

	return cbb_add_bytes(cbb, b, 4);
}

size_t cbb_len(const struct cbb *cbb) { return cbb->len; }

/* put_u16 fills in a u16 that the builder itself reserved at off. */
static void put_u16(struct cbb *cbb, size_t off, size_t v)
{
	cbb->buf[off] = (uint8_t)(v >> 8);
	cbb->buf[off + 1] = (uint8_t)v;
}

static int cbb_push(struct cbb *cbb, size_t off, int counted)
{
	if (cbb->failed || cbb->depth >= CBB_MAX_DEPTH)
		return cbb->failed = 1, 0;
	cbb->open[cbb->depth++] = (struct cbb_child){ off, CBB_NO_COUNT, counted };
	return 1;
}

int cbb_open_u16(struct cbb *cbb)
{
	size_t off;

	return cbb->depth < CBB_MAX_DEPTH && cbb_add_space(cbb, 2, &off) ?
	       cbb_push(cbb, off, 0) : (cbb->failed = 1, 0);
}

int cbb_open_counted(struct cbb *cbb)
{
	return cbb_push(cbb, cbb->len, 1);
}

int cbb_add_count_u16(struct cbb *cbb)
{
	struct cbb_child *c = NULL;

	for (int i = cbb->depth; i-- > 0;)
		if (cbb->open[i].counted) {
			c = &cbb->open[i];
			break;
		}
	if (cbb->failed || c == NULL || c->count != CBB_NO_COUNT)
		return cbb->failed = 1, 0;
	return cbb_add_space(cbb, 2, &c->count);
}

int cbb_close(struct cbb *cbb)
{
	struct cbb_child c;
	size_t n;

	if (cbb->failed || cbb->depth == 0)
		return cbb->failed = 1, 0;
	c = cbb->open[--cbb->depth];
	if (c.counted && c.count == CBB_NO_COUNT)
		return cbb->failed = 1, 0;
	/* A prefix counts what follows it; a count, its whole region. */
	n = c.counted ? cbb->len - c.off : cbb->len - c.off - 2;
	if (n > 0xffff)
		return cbb->failed = 1, 0;
	put_u16(cbb, c.counted ? c.count : c.off, n);
	return 1;
}

int cbb_element(struct cbb *cbb, uint8_t tag, const void *val, size_t n)
{
	return cbb_add_u8(cbb, tag) && cbb_open_u16(cbb) &&
	       cbb_add_bytes(cbb, val, n) && cbb_close(cbb);
}

int cbb_string_element(struct cbb *cbb, uint8_t tag, const char *s)
{
	if (s == NULL)
		s = "";
	return cbb_element(cbb, tag, s, strlen(s) + 1);
}

int cbb_finish(struct cbb *cbb, uint8_t **out, size_t *out_len)
{
	if (cbb->failed || cbb->depth != 0 || cbb->buf == NULL)
		return 0;
	*out = cbb->buf;
	*out_len = cbb->len;
	cbb->buf = NULL;
	cbb->len = cbb->cap = 0;
	return 1;
}
