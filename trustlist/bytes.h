/*
 * bytes.h - the one bounds-checked cursor (cbs) that every parser reads
 * file bytes through, and the builder (cbb) that writes them.
 *
 * Modelled on BoringSSL's CBS/CBB: every cbs_get_* rests on one bounds
 * check (cbs_skip_check), and a cbb fills in length prefixes itself and
 * stays failed after its first failure.
 */
#ifndef CTLSIGN_BYTES_H
#define CTLSIGN_BYTES_H

#include <stddef.h>
#include <stdint.h>

/* A read-only view: data is borrowed, never freed through the cursor. */
struct cbs {
	const uint8_t *data;
	size_t len;
	size_t base; /* offset of data[0] in the whole file, for messages */
};

/* cbs_init points cbs at len bytes at data; base is their file offset. */
void cbs_init(struct cbs *cbs, const uint8_t *data, size_t len, size_t base);
/* cbs_len returns the bytes left. */
size_t cbs_len(const struct cbs *cbs);
/* cbs_offset returns the file offset of the next byte to be read. */
size_t cbs_offset(const struct cbs *cbs);
/* cbs_data returns the next byte (borrowed; valid for cbs_len bytes). */
const uint8_t *cbs_data(const struct cbs *cbs);

/* Each returns 1 and advances, or 0 and leaves the cursor unchanged. */
int cbs_skip(struct cbs *cbs, size_t n);
int cbs_get_u8(struct cbs *cbs, uint8_t *out);
int cbs_get_u16(struct cbs *cbs, uint16_t *out);
int cbs_get_u32(struct cbs *cbs, uint32_t *out);
/* cbs_get_bytes makes out a sub-cursor over the next n bytes. */
int cbs_get_bytes(struct cbs *cbs, struct cbs *out, size_t n);
/* cbs_get_u16_length_prefixed reads a u16 length, then that many bytes. */
int cbs_get_u16_length_prefixed(struct cbs *cbs, struct cbs *out);

/*
 * A growing output buffer. Length-prefixed children are opened with
 * cbb_open_u16 and closed with cbb_close; the prefix is written on close.
 * A counted region (cbb_open_counted) is one whose length a u16 inside
 * it counts, from the region's first byte to its last, its own tag and
 * length too: the RECORDLENGTH of a record, the HEADERLENGTH of a
 * header. Its count (cbb_add_count_u16) is written on close as well.
 * No length is ever computed or patched by the caller. The first failure
 * (allocation, length over 0xffff, misuse) sticks: every later call
 * fails and cbb_finish returns 0.
 */
#define CBB_MAX_DEPTH 8

/* One open child: a u16 prefix, or a counted region. */
struct cbb_child {
	size_t off;      /* prefix: where it is; counted region: where it starts */
	size_t count;    /* counted region: where its count is, CBB_NO_COUNT until placed */
	int counted;
};

#define CBB_NO_COUNT ((size_t)-1)

struct cbb {
	uint8_t *buf;
	size_t len, cap;
	struct cbb_child open[CBB_MAX_DEPTH]; /* innermost last */
	int depth;
	int failed;
};

/* cbb_init starts an empty builder with room for cap bytes. */
int cbb_init(struct cbb *cbb, size_t cap);
/* cbb_cleanup frees the buffer (if not handed out by cbb_finish). */
void cbb_cleanup(struct cbb *cbb);
int cbb_add_u8(struct cbb *cbb, uint8_t v);
int cbb_add_u16(struct cbb *cbb, uint16_t v);
int cbb_add_u32(struct cbb *cbb, uint32_t v);
int cbb_add_bytes(struct cbb *cbb, const void *p, size_t n);
/* cbb_add_space appends n zero bytes; *out_off gets their offset. */
int cbb_add_space(struct cbb *cbb, size_t n, size_t *out_off);
/* cbb_len returns the bytes written so far (the next byte's offset). */
size_t cbb_len(const struct cbb *cbb);
/* cbb_open_u16 reserves a u16 length for the bytes that follow. */
int cbb_open_u16(struct cbb *cbb);
/*
 * cbb_open_counted opens a counted region at the next byte; nothing is
 * written until its count is placed.
 */
int cbb_open_counted(struct cbb *cbb);
/*
 * cbb_add_count_u16 appends the u16 that will count the innermost open
 * counted region (u16 children may lie between: tag | len 2 | count is
 * written cbb_add_u8, cbb_open_u16, cbb_add_count_u16, cbb_close). A
 * region has exactly one count; a second one, or none open, fails.
 */
int cbb_add_count_u16(struct cbb *cbb);
/*
 * cbb_close closes the innermost open child: writes its u16 prefix, or
 * the count of a counted region. Fails (and the builder stays failed)
 * if the length is over 0xffff, or a counted region has no count.
 */
int cbb_close(struct cbb *cbb);
/* cbb_element writes tag | u16 length | value. */
int cbb_element(struct cbb *cbb, uint8_t tag, const void *val, size_t n);
/* cbb_string_element writes tag | len | s | NUL (the NUL is counted). */
int cbb_string_element(struct cbb *cbb, uint8_t tag, const char *s);
/*
 * cbb_finish hands the bytes to the caller (free with free()); fails if
 * the builder failed or a child is still open.
 */
int cbb_finish(struct cbb *cbb, uint8_t **out, size_t *out_len);

#endif
