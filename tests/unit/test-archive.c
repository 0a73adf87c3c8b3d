/* test-archive.c - snapshot archives as roots: an archive reads as the
 * tree it holds (links, listings, kinds, bounded reads, the empty-directory
 * marker), and hostile or broken archives are refused whole, with the
 * reason, before anything is answered from them. */
#include "tree.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sys/stat.h>

#include "sysroot-archive.h"
#include "sysroot.h"

/* One entry of a hand-made archive: 'f' file, 'd' directory, 'l' link,
 * 'h' hard link, 'c' character device ("MAJOR:MINOR" in data), 'p' FIFO. */
struct ent {
	char type;
	const char *path;
	const char *data; /* contents, link target, device numbers */
	size_t size;      /* a file's size when its data is all zeros */
};

/* A tar (FILTER: 0 none, 'z' zstd, 'g' gzip) of ENTS in memory; *LEN its
 * size. */
static void *make_tar(const struct ent *ents, size_t n, char filter, size_t *len)
{
	size_t cap = 1 << 20;
	void *buf;
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	for (size_t i = 0; i < n; i++)
		if (ents[i].size > cap / 2)
			cap = ents[i].size * 2 + (1 << 20);
	buf = malloc(cap);
	archive_write_set_format_pax_restricted(a);
	if (filter == 'z')
		archive_write_add_filter_zstd(a);
	else if (filter == 'g')
		archive_write_add_filter_gzip(a);
	assert_int_equal(archive_write_open_memory(a, buf, cap, len), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		const struct ent *t = &ents[i];
		size_t size = t->type == 'f' ? (t->data ? strlen(t->data) : t->size) : 0;
		archive_entry_clear(e);
		archive_entry_set_pathname(e, t->path);
		archive_entry_set_perm(e, 0644);
		switch (t->type) {
		case 'f': archive_entry_set_filetype(e, AE_IFREG); break;
		case 'd': archive_entry_set_filetype(e, AE_IFDIR); break;
		case 'l':
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, t->data);
			break;
		case 'h':
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_hardlink(e, t->data);
			break;
		case 'c': {
			unsigned ma, mi;
			assert_int_equal(sscanf(t->data, "%u:%u", &ma, &mi), 2);
			archive_entry_set_filetype(e, AE_IFCHR);
			archive_entry_set_rdevmajor(e, ma);
			archive_entry_set_rdevminor(e, mi);
			break;
		}
		case 'p': archive_entry_set_filetype(e, AE_IFIFO); break;
		}
		archive_entry_set_size(e, (la_int64_t)size);
		assert_true(archive_write_header(a, e) >= ARCHIVE_WARN);
		if (t->type == 'f' && size) {
			char *zeros = t->data ? NULL : calloc(1, size);
			assert_int_equal(archive_write_data(a, t->data ? t->data : zeros, size), (la_ssize_t)size);
			free(zeros);
		}
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	archive_entry_free(e);
	return buf;
}

/* Writes the tar of ENTS to a file in a fresh directory; returns its path. */
static char *tar_file(const struct ent *ents, size_t n, char filter)
{
	size_t len;
	void *buf = make_tar(ents, n, filter, &len);
	char *dir = tree_new(), *path = tree_path(dir, filter == 'z' ? "s.tar.zst" : "s.tar");
	tree_write(dir, filter == 'z' ? "s.tar.zst" : "s.tar", buf, len);
	free(buf);
	free(dir);
	return path;
}

static void remove_tar(char *path)
{
	*strrchr(path, '/') = '\0';
	tree_free(path);
}

static const struct ent good[] = {
	{'d', "./", NULL, 0},
	{'f', "etc/secret", "inside the root\n", 0},
	{'f', "sys/devices/pci0000:00/0000:00:01.0/vendor", "0x8086\n", 0},
	{'f', "sys/devices/pci0000:00/0000:00:01.0/rom", "ROM\n", 0},
	{'f', "sys/devices/pci0000:00/0000:00:01.0/resource", "0x0 0x0 0x0\n", 0},
	{'f', "sys/devices/pci0000:00/0000:00:01.0/config", NULL, 4096},
	{'l', "sys/bus/pci/devices/0000:00:01.0", "../../../devices/pci0000:00/0000:00:01.0", 0},
	{'l', "loop-a", "loop-b", 0},
	{'l', "loop-b", "loop-a", 0},
	{'d', "sys/bus/pci/drivers/empty", NULL, 0},
	{'f', "sys/bus/pci/drivers/empty/.iommuctl-empty", "", 0},
	{'f', "dev/vfio/16", "char 244:0\n", 0},
	{'c', "dev/vfio/vfio", "10:196", 0},
	{'p', "fifo", NULL, 0},
	{'f', "big", NULL, 10000},
};

static void reads_as_the_tree(void **state)
{
	char *path = tar_file(good, ARRAY_SIZE(good), 'z'), *t = NULL;
	struct sysroot *sr;
	struct buf b;
	struct sr_dir d;
	struct sr_node n;
	(void)state;
	buf_init(&b);
	sr_dir_init(&d);
	assert_int_equal(sysroot_open(path, &sr), 0);
	assert_false(sysroot_is_live(sr));
	/* through a link, and through ".." */
	assert_int_equal(sr_read(sr, "/sys/bus/pci/devices/0000:00:01.0/vendor", 4096, 0, &b), 0);
	assert_string_equal(b.data, "0x8086\n");
	assert_int_equal(sr_read(sr, "sys/bus/pci/devices/0000:00:01.0/../../../../etc/secret", 4096, 0, &b), 0);
	assert_string_equal(b.data, "inside the root\n");
	/* ".." at the root stays there */
	assert_int_equal(sr_read(sr, "../../../etc/secret", 4096, 0, &b), 0);
	/* a file's zeros are given back */
	assert_int_equal(sr_read(sr, "sys/bus/pci/devices/0000:00:01.0/config", 4096, 0, &b), 0);
	assert_int_equal(b.len, 4096);
	assert_int_equal(b.data[4095], 0);
	/* bounded reads */
	assert_int_equal(sr_read(sr, "big", 4096, 0, &b), -EFBIG);
	assert_int_equal(sr_read(sr, "big", 64, SR_PREFIX, &b), 0);
	assert_int_equal(b.len, 64);
	/* refusals and errors as on a directory */
	assert_int_equal(sr_read(sr, "sys/bus/pci/devices/0000:00:01.0/rom", 4096, 0, &b), -EPERM);
	assert_int_equal(sr_read(sr, "loop-a", 4096, 0, &b), -ELOOP);
	assert_int_equal(sr_read(sr, "nothing/here", 4096, 0, &b), -ENOENT);
	assert_int_equal(sr_read(sr, "etc/secret/below-a-file", 4096, 0, &b), -ENOTDIR);
	assert_int_equal(sr_read(sr, "etc", 4096, 0, &b), -EISDIR);
	assert_int_equal(sr_read(sr, "fifo", 4096, 0, &b), -ENXIO);
	assert_int_equal(sr_read(sr, "dev/vfio/vfio", 4096, 0, &b), -ENXIO);
	/* links and listings */
	assert_int_equal(sr_readlink(sr, "sys/bus/pci/devices/0000:00:01.0", &t), 0);
	assert_string_equal(t, "../../../devices/pci0000:00/0000:00:01.0");
	free(t);
	assert_int_equal(sr_readlink(sr, "etc/secret", &t), -EINVAL);
	assert_int_equal(sr_list(sr, "sys/bus/pci/devices/0000:00:01.0", NULL, &d), 0);
	assert_int_equal(d.n, 4);
	assert_string_equal(d.ent[0].name, "config"); /* in name order */
	assert_int_equal(d.ent[0].type, DT_REG);
	assert_int_equal(sr_list(sr, "sys/bus/pci/devices", NULL, &d), 0);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.ent[0].type, DT_LNK);
	/* the marker keeps the directory and is not seen */
	assert_int_equal(sr_list(sr, "sys/bus/pci/drivers/empty", NULL, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(sr_read(sr, "sys/bus/pci/drivers/empty/.iommuctl-empty", 16, 0, &b), -ENOENT);
	assert_int_equal(sr_list(sr, "etc/secret", NULL, &d), -ENOTDIR);
	/* kinds: a device node, its placeholder, a directory */
	assert_int_equal(sr_kind(sr, "dev/vfio/vfio", &n), 0);
	assert_int_equal(n.kind, SR_KIND_CHAR);
	assert_int_equal(n.major, 10);
	assert_int_equal(n.minor, 196);
	assert_int_equal(sr_kind(sr, "dev/vfio/16", &n), 0);
	assert_int_equal(n.kind, SR_KIND_CHAR);
	assert_int_equal(n.major, 244);
	assert_int_equal(sr_kind(sr, "sys", &n), 0);
	assert_int_equal(n.kind, SR_KIND_DIR);
	assert_int_equal(sr_kind(sr, "nope", &n), -ENOENT);
	sysroot_free(sr);
	buf_release(&b);
	sr_dir_release(&d);
	remove_tar(path);
}

/* The archive reads back as the directory a recording of it writes. */
static void records_what_it_reads(void **state)
{
	char *path = tar_file(good, ARRAY_SIZE(good), 0), *dir = tree_new(), *dest = tree_path(dir, "out");
	char *p, target[256];
	struct sysroot *sr;
	struct buf b;
	ssize_t len;
	(void)state;
	buf_init(&b);
	assert_int_equal(sysroot_open(path, &sr), 0);
	assert_int_equal(sysroot_record_begin(sr, dest, false), 0);
	assert_int_equal(sr_read(sr, "sys/bus/pci/devices/0000:00:01.0/vendor", 4096, 0, &b), 0);
	assert_int_equal(sysroot_record_commit(sr, NULL), 0);
	p = tree_path(dest, "sys/devices/pci0000:00/0000:00:01.0/vendor");
	assert_int_equal(access(p, R_OK), 0);
	free(p);
	p = tree_path(dest, "sys/bus/pci/devices/0000:00:01.0");
	len = readlink(p, target, sizeof(target) - 1);
	assert_true(len > 0);
	target[len] = '\0';
	assert_string_equal(target, "../../../devices/pci0000:00/0000:00:01.0");
	free(p);
	sysroot_free(sr);
	buf_release(&b);
	free(dest);
	tree_free(dir);
	remove_tar(path);
}

/* Loads ENTS (through zstd when Z) within LIM; asserts the error ERR and a
 * reason holding PART. */
static void refused(const struct ent *ents, size_t n, bool z, const struct sr_ar_limits *lim, int err,
		    const char *part)
{
	size_t len;
	void *buf = make_tar(ents, n, z ? 'z' : 0, &len);
	struct sr_archive *a = NULL;
	char *why = NULL;
	assert_int_equal(sr_archive_load_mem(buf, len, lim, &a, &why), err);
	assert_null(a);
	assert_non_null(why);
	if (!strstr(why, part))
		fail_msg("'%s' does not say '%s'", why, part);
	free(why);
	free(buf);
}

#define REFUSED(ents, err, part) refused(ents, ARRAY_SIZE(ents), false, NULL, err, part)

static void hostile_names(void **state)
{
	static const struct ent absolute[] = {{'f', "/etc/passwd", "x", 0}};
	static const struct ent dotdot[] = {{'f', "sys/../../etc/passwd", "x", 0}};
	static const struct ent link_abs[] = {{'l', "sys/x", "/etc", 0}};
	static const struct ent link_out[] = {{'l', "sys/bus/x", "../../../etc", 0}};
	static const struct ent hard[] = {{'f', "a", "x", 0}, {'h', "b", "a", 0}};
	static const struct ent twice[] = {{'f', "sys/a", "x", 0}, {'f', "sys/a", "y", 0}};
	static const struct ent dir_twice[] = {{'d', "sys", NULL, 0}, {'d', "sys/", NULL, 0}};
	static const struct ent below_file[] = {{'f', "sys/a", "x", 0}, {'f', "sys/a/b", "y", 0}};
	static const struct ent over_file[] = {{'f', "sys/a/b", "y", 0}, {'f', "sys/a", "x", 0}};
	static const struct ent control[] = {{'f', "/sys/\033[2Jx", "x", 0}};
	(void)state;
	REFUSED(absolute, -EINVAL, "'/etc/passwd' has an absolute name");
	REFUSED(dotdot, -EINVAL, "has a '..' component");
	REFUSED(link_abs, -EINVAL, "the link 'sys/x' leads out of the tree (to '/etc')");
	REFUSED(link_out, -EINVAL, "the link 'sys/bus/x' leads out of the tree");
	REFUSED(hard, -EINVAL, "'b' is a hard link");
	REFUSED(twice, -EINVAL, "'sys/a' is in the archive twice");
	REFUSED(dir_twice, -EINVAL, "'sys' is in the archive twice");
	REFUSED(below_file, -EINVAL, "'sys/a' is not a directory, but entries lie below it");
	REFUSED(over_file, -EINVAL, "'sys/a' is in the archive twice");
	/* a name is shown without its control characters */
	REFUSED(control, -EINVAL, "'/sys/?[2Jx' has an absolute name");
}

static void limits(void **state)
{
	static const struct ent big[] = {{'f', "a", NULL, 5000}};
	static const struct ent many_small[] = {{'f', "a", NULL, 900}, {'f', "b", NULL, 900}, {'f', "c", NULL, 900}};
	static const struct ent deep[] = {{'f', "a/b/c/d/e", "x", 0}};
	struct sr_ar_limits member = sr_ar_limits_default, total = sr_ar_limits_default;
	struct sr_ar_limits entries = sr_ar_limits_default, stream = sr_ar_limits_default;
	(void)state;
	member.member = 4096;
	total.total = 2000;
	entries.entries = 4; /* the root and a/b/c/d make 5 */
	stream.stream = 2048;
	/* a member declared too large is refused before it is read */
	refused(big, ARRAY_SIZE(big), false, &member, -EFBIG, "the member 'a' is 5000 bytes, more than 4096");
	refused(many_small, ARRAY_SIZE(many_small), false, &total, -EFBIG, "its members hold more than 2000 bytes");
	refused(deep, ARRAY_SIZE(deep), false, &entries, -EFBIG, "it has more than 4 entries");
	/* a bomb: little compressed data, much decompressed */
	refused(big, ARRAY_SIZE(big), true, &stream, -EFBIG, "it decompresses to more than 2048 bytes");
}

static void not_archives(void **state)
{
	static const char garbage[] = "this is not a tar archive, not even close; it only has some bytes in it";
	struct sr_archive *a = NULL;
	char *why = NULL, *dir = tree_new(), *path;
	struct sysroot *sr = NULL;
	size_t len;
	void *buf;
	(void)state;
	assert_int_equal(sr_archive_load_mem(garbage, sizeof(garbage), NULL, &a, &why), -EINVAL);
	assert_non_null(why);
	free(why);
	/* cut short in the middle of a member */
	buf = make_tar(good, ARRAY_SIZE(good), 0, &len);
	assert_int_equal(sr_archive_load_mem(buf, 3000, NULL, &a, &why), -EINVAL);
	assert_null(a);
	free(why);
	/* as a root: the errno and a reason */
	tree_write(dir, "garbage.tar", garbage, sizeof(garbage));
	path = tree_path(dir, "garbage.tar");
	assert_int_equal(sysroot_open_why(path, &sr, &why), -EINVAL);
	assert_null(sr);
	assert_non_null(why);
	free(why);
	free(path);
	free(buf);
	tree_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_as_the_tree), cmocka_unit_test(records_what_it_reads),
		cmocka_unit_test(hostile_names),     cmocka_unit_test(limits),
		cmocka_unit_test(not_archives),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
