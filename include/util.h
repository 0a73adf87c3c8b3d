/* util.h - small helpers shared by every module: allocation, growable
 * buffers and string vectors, strict number parsing.
 *
 * Allocation failures abort with a message: iommuctl has no sensible way to
 * continue without memory, and checking every strdup would hide the logic. */
#ifndef IOMMUCTL_UTIL_H
#define IOMMUCTL_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* Grows *p (an array of *cap elements of size elsize) so that it holds at
 * least need elements; doubles the capacity. */
void xgrow(void **p, size_t *cap, size_t need, size_t elsize);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* A growable byte buffer, always NUL-terminated after buf_reserve/append. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};
void buf_init(struct buf *b);
void buf_release(struct buf *b);
void buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_appendf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_reset(struct buf *b);
/* Keeps the first LEN bytes (no-op if it holds fewer). */
void buf_truncate(struct buf *b, size_t len);
/* Sets B to the path DIR/NAME, or NAME when DIR is empty. */
void buf_set_path(struct buf *b, const char *dir, const char *name);
/* Returns the contents as a heap string and resets the buffer. */
char *buf_steal(struct buf *b);

/* A growable vector of owned strings. */
struct strvec {
	char **v;
	size_t n;
	size_t cap;
};
void strvec_init(struct strvec *sv);
void strvec_release(struct strvec *sv);
void strvec_push(struct strvec *sv, const char *s);
void strvec_push_owned(struct strvec *sv, char *s);
/* Pushes the formatted string. */
void strvec_pushf(struct strvec *sv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool strvec_contains(const struct strvec *sv, const char *s);
void strvec_sort(struct strvec *sv);

/* A map from strings (copied in) to numbers: an index into the caller's
 * own array, mostly.  Open addressing; look-ups cost one hash of the key. */
struct strmap {
	struct strmap_slot {
		const char *key; /* NULL: empty */
		size_t len;
		size_t hash;
		size_t value;
	} *slot;
	size_t cap; /* a power of two, or 0 */
	size_t n;
	/* the keys, packed in blocks (one allocation per block, not per
	 * key: maps of a snapshot's paths hold hundreds of thousands) */
	char **block;
	size_t nblocks, cap_blocks;
	char *pos;   /* the free part of the last block */
	size_t left;
};
void strmap_init(struct strmap *m);
void strmap_release(struct strmap *m);
/* True if KEY (LEN bytes) is in M, with its value in *VALUE (may be NULL). */
bool strmap_get(const struct strmap *m, const char *key, size_t len, size_t *value);
/* Sets KEY to VALUE; returns false if KEY was there already (its value
 * is then left as it was).  *STORED (when not NULL) gets the map's copy of
 * KEY, NUL-terminated, valid while the map lives. */
bool strmap_add(struct strmap *m, const char *key, size_t len, size_t value, const char **stored);

/* Strict parsers: the whole string (after trimming trailing whitespace) must
 * be a number in range, or they return false and leave *out untouched. */
bool parse_u64(const char *s, int base, uint64_t *out);
bool parse_int(const char *s, int *out);
/* A byte count: decimal or 0x hex, optionally followed by K, M, G or T
 * (binary units, either case): "4096", "0x1000", "64K", "2M", "1T". */
bool parse_size_suffix(const char *s, uint64_t *out);
/* Removes trailing whitespace (in place) and returns s. */
char *rstrip(char *s);
/* BYTES in binary units for people: "64 MiB", "2 KiB", "1.5 GiB", "512 B". */
const char *format_bytes(unsigned long long bytes, char *out, size_t size);
/* True if s is a non-empty string of printable ASCII without spaces. */
bool is_token(const char *s);
/* True if s holds only decimal digits (and is non-empty). */
bool is_decimal(const char *s);
/* True if the LEN bytes at S are text: well-formed UTF-8 (RFC 3629: no
 * overlong forms, no surrogates, nothing past U+10FFFF) without control
 * characters other than tab and newline.  What JSON and a terminal can
 * take as it is. */
bool is_text(const char *s, size_t len);

#endif
