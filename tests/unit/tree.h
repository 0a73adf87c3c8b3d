/* tree.h - build small directory trees for unit tests (hand-made trees are
 * only for malformed or hostile input, and for loader corner cases that no
 * real capture shows). */
#ifndef IOMMUCTL_TEST_TREE_H
#define IOMMUCTL_TEST_TREE_H

#define _GNU_SOURCE
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static inline char *tree_new(void)
{
	char tmpl[] = "/tmp/iommuctl-unit.XXXXXX";
	char *d = mkdtemp(tmpl);
	return d ? strdup(d) : NULL;
}

static inline char *tree_path(const char *root, const char *rel)
{
	char *p;
	if (asprintf(&p, "%s/%s", root, rel) < 0)
		abort();
	return p;
}

/* mkdir -p ROOT/REL */
static inline void tree_mkdir(const char *root, const char *rel)
{
	char *p = tree_path(root, rel);
	for (char *s = p + strlen(root) + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0755);
			*s = '/';
		}
	mkdir(p, 0755);
	free(p);
}

static inline void tree_parent(const char *root, const char *rel)
{
	char *dir = strdup(rel), *slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		tree_mkdir(root, dir);
	}
	free(dir);
}

static inline void tree_write(const char *root, const char *rel, const void *data, size_t len)
{
	char *p = tree_path(root, rel);
	FILE *f;
	tree_parent(root, rel);
	f = fopen(p, "w");
	if (!f || fwrite(data, 1, len, f) != len)
		abort();
	fclose(f);
	free(p);
}

static inline void tree_printf(const char *root, const char *rel, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	tree_write(root, rel, s, (size_t)n);
	free(s);
}

static inline void tree_link(const char *root, const char *rel, const char *target)
{
	char *p = tree_path(root, rel);
	tree_parent(root, rel);
	unlink(p);
	if (symlink(target, p) < 0)
		abort();
	free(p);
}

static int tree_rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static inline void tree_free(char *root)
{
	nftw(root, tree_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(root);
}

/* A conventional (256-byte) configuration space with a type 0 header. */
static inline void tree_config(const char *root, const char *rel, unsigned vendor, unsigned device, unsigned cls,
			       unsigned rev, unsigned header)
{
	unsigned char c[256] = {0};
	c[0] = vendor & 0xff;
	c[1] = vendor >> 8;
	c[2] = device & 0xff;
	c[3] = device >> 8;
	c[8] = rev;
	c[9] = cls & 0xff;
	c[10] = (cls >> 8) & 0xff;
	c[11] = (cls >> 16) & 0xff;
	c[14] = header;
	c[0x2c] = 0xf4;
	c[0x2d] = 0x1a;
	c[0x2e] = 0x00;
	c[0x2f] = 0x11;
	tree_write(root, rel, c, sizeof(c));
}

#endif
