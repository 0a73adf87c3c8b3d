/* util.c - allocation, buffers, string vectors and strict parsers. */
#define _GNU_SOURCE
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(void)
{
	fputs("iommuctl: out of memory\n", stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

void xgrow(void **p, size_t *cap, size_t need, size_t elsize)
{
	size_t c = *cap;
	if (need <= c)
		return;
	if (c < 8)
		c = 8;
	while (c < need) {
		if (c > SIZE_MAX / 2 / elsize)
			out_of_memory();
		c *= 2;
	}
	*p = xrealloc(*p, c * elsize);
	*cap = c;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		out_of_memory();
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (!p)
		out_of_memory();
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *s;
	if (vasprintf(&s, fmt, ap) < 0)
		out_of_memory();
	return s;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

void buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void buf_release(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

void buf_reserve(struct buf *b, size_t extra)
{
	if (extra > SIZE_MAX - b->len - 1)
		out_of_memory();
	xgrow((void **)&b->data, &b->cap, b->len + extra + 1, 1);
	b->data[b->len] = '\0';
}

void buf_append(struct buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void buf_appendf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		out_of_memory();
	buf_append(b, s, (size_t)n);
	free(s);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void buf_truncate(struct buf *b, size_t len)
{
	if (len >= b->len)
		return;
	b->len = len;
	b->data[len] = '\0';
}

void buf_set_path(struct buf *b, const char *dir, const char *name)
{
	buf_reset(b);
	buf_append(b, "", 0);
	if (*dir) {
		buf_append(b, dir, strlen(dir));
		buf_append(b, "/", 1);
	}
	buf_append(b, name, strlen(name));
}

char *buf_steal(struct buf *b)
{
	char *s = b->data ? b->data : xstrdup("");
	buf_init(b);
	return s;
}

void strvec_init(struct strvec *sv)
{
	sv->v = NULL;
	sv->n = 0;
	sv->cap = 0;
}

void strvec_release(struct strvec *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	strvec_init(sv);
}

void strvec_push_owned(struct strvec *sv, char *s)
{
	xgrow((void **)&sv->v, &sv->cap, sv->n + 1, sizeof(*sv->v));
	sv->v[sv->n++] = s;
}

void strvec_push(struct strvec *sv, const char *s)
{
	strvec_push_owned(sv, xstrdup(s));
}

void strvec_pushf(struct strvec *sv, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strvec_push_owned(sv, xvasprintf(fmt, ap));
	va_end(ap);
}

bool strvec_contains(const struct strvec *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return true;
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void strvec_sort(struct strvec *sv)
{
	if (sv->n > 1)
		qsort(sv->v, sv->n, sizeof(*sv->v), cmp_str);
}

/* ---- strmap ----------------------------------------------------------------- */

static size_t str_hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return (size_t)(h ^ (h >> 29));
}

void strmap_init(struct strmap *m)
{
	memset(m, 0, sizeof(*m));
}

void strmap_release(struct strmap *m)
{
	for (size_t i = 0; i < m->nblocks; i++)
		free(m->block[i]);
	free(m->block);
	free(m->slot);
	strmap_init(m);
}

/* A copy of KEY in the map's blocks. */
static const char *strmap_keep(struct strmap *m, const char *key, size_t len)
{
	char *p;
	if (m->left < len + 1) {
		size_t size = len + 1 > 65536 ? len + 1 : 65536;
		xgrow((void **)&m->block, &m->cap_blocks, m->nblocks + 1, sizeof(*m->block));
		m->pos = m->block[m->nblocks++] = xmalloc(size);
		m->left = size;
	}
	p = m->pos;
	memcpy(p, key, len);
	p[len] = '\0';
	m->pos += len + 1;
	m->left -= len + 1;
	return p;
}

static struct strmap_slot *strmap_find(const struct strmap *m, const char *key, size_t len, size_t h)
{
	size_t i = h & (m->cap - 1);
	for (;;) {
		struct strmap_slot *s = &m->slot[i];
		if (!s->key || (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0))
			return s;
		i = (i + 1) & (m->cap - 1);
	}
}

bool strmap_get(const struct strmap *m, const char *key, size_t len, size_t *value)
{
	struct strmap_slot *s;
	if (!m->cap)
		return false;
	s = strmap_find(m, key, len, str_hash(key, len));
	if (!s->key)
		return false;
	if (value)
		*value = s->value;
	return true;
}

bool strmap_add(struct strmap *m, const char *key, size_t len, size_t value, const char **stored)
{
	size_t h = str_hash(key, len);
	struct strmap_slot *s;
	if ((m->n + 1) * 4 > m->cap * 3) {
		/* keep the load under 3/4 */
		struct strmap grown = {.cap = m->cap ? m->cap * 2 : 64};
		grown.slot = xcalloc(grown.cap, sizeof(*grown.slot));
		for (size_t i = 0; i < m->cap; i++)
			if (m->slot[i].key)
				*strmap_find(&grown, m->slot[i].key, m->slot[i].len, m->slot[i].hash) = m->slot[i];
		free(m->slot);
		m->slot = grown.slot;
		m->cap = grown.cap;
	}
	s = strmap_find(m, key, len, h);
	if (s->key) {
		if (stored)
			*stored = s->key;
		return false;
	}
	s->key = strmap_keep(m, key, len);
	s->len = len;
	s->hash = h;
	s->value = value;
	m->n++;
	if (stored)
		*stored = s->key;
	return true;
}

char *rstrip(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* True if only white space follows END (a number's end). */
static bool only_space_after(const char *end)
{
	while (*end && isspace((unsigned char)*end))
		end++;
	return *end == '\0';
}

bool parse_u64(const char *s, int base, uint64_t *out)
{
	char *end;
	unsigned long long v;
	if (!s || !*s || isspace((unsigned char)*s) || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || end == s || !only_space_after(end))
		return false;
	*out = v;
	return true;
}

bool parse_int(const char *s, int *out)
{
	char *end;
	long v;
	if (!s || !*s || isspace((unsigned char)*s))
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || v < INT32_MIN || v > INT32_MAX || !only_space_after(end))
		return false;
	*out = (int)v;
	return true;
}

bool parse_size_suffix(const char *s, uint64_t *out)
{
	static const char units[] = "KMGT";
	char *end;
	const char *u;
	unsigned long long v;
	unsigned shift = 0;
	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		return false;
	/* decimal, or hexadecimal after 0x: never octal ("0100" is 100) */
	errno = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		v = isxdigit((unsigned char)s[2]) ? strtoull(s + 2, &end, 16) : (end = (char *)s, 0);
	else
		v = isdigit((unsigned char)*s) ? strtoull(s, &end, 10) : (end = (char *)s, 0);
	if (errno || end == s)
		return false;
	if (*end) {
		if (end[1] || !(u = strchr(units, toupper((unsigned char)*end))))
			return false;
		shift = 10 * (unsigned)(u - units + 1);
		if (v > (~0ull >> shift))
			return false;
	}
	*out = (uint64_t)v << shift;
	return true;
}

bool is_token(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!isgraph((unsigned char)*s))
			return false;
	return true;
}

bool is_decimal(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

bool is_text(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	while (p < end) {
		unsigned c = *p++, n, min, cp;
		if (c < 0x80) {
			if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
				return false;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, min = 0x80, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, min = 0x800, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, min = 0x10000, cp = c & 0x07;
		else
			return false;
		if ((size_t)(end - p) < n)
			return false;
		for (unsigned i = 0; i < n; i++, p++) {
			if ((*p & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (*p & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0))
			return false;
	}
	return true;
}

const char *format_bytes(unsigned long long bytes, char *out, size_t size)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	unsigned i = 0;
	unsigned long long whole = bytes;
	while (whole >= 1024 && i + 1 < sizeof(unit) / sizeof(unit[0])) {
		whole /= 1024;
		i++;
	}
	if (i == 0 || bytes % (1ull << (10 * i)) == 0)
		snprintf(out, size, "%llu %s", whole, unit[i]);
	else
		snprintf(out, size, "%.1f %s", (double)bytes / (double)(1ull << (10 * i)), unit[i]);
	return out;
}
