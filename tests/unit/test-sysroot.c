/* test-sysroot.c - rooted resolution (both resolvers), bounded reads,
 * refusals, listings and recording. */
#include "tree.h"

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sys/stat.h>

#include "sysroot.h"

struct fixture {
	char *root;
	struct sysroot *sr;
	bool walk;
};

static int setup(void **state, bool walk)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->root = tree_new();
	f->walk = walk;
	tree_printf(f->root, "etc/secret", "inside the root\n");
	tree_printf(f->root, "sys/devices/pci0000:00/0000:00:01.0/vendor", "0x8086\n");
	tree_link(f->root, "sys/bus/pci/devices/0000:00:01.0", "../../../devices/pci0000:00/0000:00:01.0");
	tree_link(f->root, "abs", "/etc/secret");
	tree_link(f->root, "sys/up", "../../../../../../../../etc/secret");
	tree_link(f->root, "loop-a", "loop-b");
	tree_link(f->root, "loop-b", "loop-a");
	tree_link(f->root, "sys/rootlink", "/");
	tree_printf(f->root, "sys/devices/pci0000:00/0000:00:01.0/rom", "ROM\n");
	tree_printf(f->root, "sys/devices/pci0000:00/0000:00:01.0/resource0", "BAR\n");
	tree_printf(f->root, "sys/devices/pci0000:00/0000:00:01.0/resource", "0x0 0x0 0x0\n");
	{
		char *p = tree_path(f->root, "fifo");
		assert_int_equal(mkfifo(p, 0644), 0);
		free(p);
	}
	{
		char big[10000];
		memset(big, 'x', sizeof(big));
		tree_write(f->root, "big", big, sizeof(big));
	}
	tree_printf(f->root, "dev/vfio/16", "char 244:0\n");
	tree_printf(f->root, "dev/vfio/not-a-node", "hello\n");
	tree_printf(f->root, "dev/vfio/empty", "%s", "");
	assert_int_equal(sysroot_open(f->root, &f->sr), 0);
	if (walk)
		sysroot_force_walk(f->sr, true);
	*state = f;
	return 0;
}

static int setup_openat2(void **state)
{
	return setup(state, false);
}

static int setup_walk(void **state)
{
	return setup(state, true);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	sysroot_free(f->sr);
	tree_free(f->root);
	free(f);
	return 0;
}

static void read_through_links(void **state)
{
	struct fixture *f = *state;
	struct buf b;
	buf_init(&b);
	assert_int_equal(sr_read(f->sr, "/sys/bus/pci/devices/0000:00:01.0/vendor", 4096, 0, &b), 0);
	assert_string_equal(b.data, "0x8086\n");
	buf_release(&b);
}

static void links_stay_inside(void **state)
{
	struct fixture *f = *state;
	struct buf b;
	buf_init(&b);
	/* absolute link: /etc/secret of the root, not of the host */
	assert_int_equal(sr_read(f->sr, "abs", 4096, 0, &b), 0);
	assert_string_equal(b.data, "inside the root\n");
	/* ".." beyond the root stops at the root */
	assert_int_equal(sr_read(f->sr, "sys/up", 4096, 0, &b), 0);
	assert_string_equal(b.data, "inside the root\n");
	assert_int_equal(sr_read(f->sr, "../../../etc/secret", 4096, 0, &b), 0);
	assert_string_equal(b.data, "inside the root\n");
	/* a link to "/" is the root */
	assert_int_equal(sr_read(f->sr, "sys/rootlink/etc/secret", 4096, 0, &b), 0);
	assert_string_equal(b.data, "inside the root\n");
	/* the host's files are out of reach */
	assert_int_equal(sr_read(f->sr, "sys/rootlink/etc/hostname", 4096, 0, &b), -ENOENT);
	buf_release(&b);
}

static void loops_and_missing(void **state)
{
	struct fixture *f = *state;
	struct buf b;
	buf_init(&b);
	assert_int_equal(sr_read(f->sr, "loop-a", 4096, 0, &b), -ELOOP);
	assert_int_equal(sr_read(f->sr, "nothing/here", 4096, 0, &b), -ENOENT);
	assert_int_equal(sr_read(f->sr, "etc/secret/below-a-file", 4096, 0, &b), -ENOTDIR);
	buf_release(&b);
}

static void bounded_reads(void **state)
{
	struct fixture *f = *state;
	struct buf b;
	buf_init(&b);
	assert_int_equal(sr_read(f->sr, "big", 4096, 0, &b), -EFBIG);
	assert_int_equal(b.len, 0);
	assert_int_equal(sr_read(f->sr, "big", 64, SR_PREFIX, &b), 0);
	assert_int_equal(b.len, 64);
	assert_int_equal(sr_read(f->sr, "big", 20000, 0, &b), 0);
	assert_int_equal(b.len, 10000);
	/* a FIFO in a captured tree: refused at once, never opened */
	assert_int_equal(sr_read(f->sr, "fifo", 4096, 0, &b), -ENXIO);
	assert_int_equal(b.len, 0);
	buf_release(&b);
}

static void refused_files(void **state)
{
	struct fixture *f = *state;
	struct buf b;
	buf_init(&b);
	assert_int_equal(sr_read(f->sr, "sys/bus/pci/devices/0000:00:01.0/rom", 4096, 0, &b), -EPERM);
	assert_int_equal(sr_read(f->sr, "sys/bus/pci/devices/0000:00:01.0/resource0", 4096, 0, &b), -EPERM);
	assert_int_equal(sr_read(f->sr, "sys/bus/pci/devices/0000:00:01.0/resource", 4096, 0, &b), 0);
	buf_release(&b);
}

static void readlink_and_list(void **state)
{
	struct fixture *f = *state;
	struct sr_dir d;
	char *t = NULL;
	assert_int_equal(sr_readlink(f->sr, "sys/bus/pci/devices/0000:00:01.0", &t), 0);
	assert_string_equal(t, "../../../devices/pci0000:00/0000:00:01.0");
	free(t);
	assert_int_equal(sr_readlink(f->sr, "etc/secret", &t), -EINVAL);
	sr_dir_init(&d);
	assert_int_equal(sr_list(f->sr, "sys/bus/pci/devices", NULL, &d), 0);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.ent[0].name, "0000:00:01.0");
	assert_int_equal(d.ent[0].type, DT_LNK);
	/* listing through a link to a directory */
	assert_int_equal(sr_list(f->sr, "sys/bus/pci/devices/0000:00:01.0", NULL, &d), 0);
	assert_int_equal(d.n, 4);
	assert_int_equal(sr_list(f->sr, "missing", NULL, &d), -ENOENT);
	assert_int_equal(d.n, 0);
	sr_dir_release(&d);
}

static void node_kinds(void **state)
{
	struct fixture *f = *state;
	struct sr_node n;
	assert_int_equal(sr_kind(f->sr, "dev/vfio/16", &n), 0);
	assert_int_equal(n.kind, SR_KIND_CHAR);
	assert_int_equal(n.major, 244);
	assert_int_equal(n.minor, 0);
	/* a plain file under /dev of a capture that is not iommuctl's
	 * placeholder: what it stood for is unknown, never "a file" */
	assert_int_equal(sr_kind(f->sr, "dev/vfio/not-a-node", &n), 0);
	assert_int_equal(n.kind, SR_KIND_UNKNOWN);
	assert_int_equal(sr_kind(f->sr, "dev/vfio/empty", &n), 0);
	assert_int_equal(n.kind, SR_KIND_UNKNOWN);
	assert_int_equal(sr_kind(f->sr, "sys", &n), 0);
	assert_int_equal(n.kind, SR_KIND_DIR);
	assert_int_equal(sr_kind(f->sr, "nope", &n), -ENOENT);
}

static void recording(void **state)
{
	struct fixture *f = *state;
	char *dest = NULL, *t;
	char target[256];
	struct buf b;
	struct sr_dir d;
	struct sr_node n;
	ssize_t len;

	buf_init(&b);
	sr_dir_init(&d);
	{
		char *tmp = tree_new();
		free(dest);
		dest = tree_path(tmp, "out");
		free(tmp);
	}
	assert_int_equal(sysroot_record_begin(f->sr, dest, false), 0);
	assert_int_equal(sr_read(f->sr, "sys/bus/pci/devices/0000:00:01.0/vendor", 4096, 0, &b), 0);
	assert_int_equal(sr_list(f->sr, "sys/bus/pci/devices", NULL, &d), 0);
	assert_int_equal(sr_kind(f->sr, "dev/vfio/16", &n), 0);
	assert_int_equal(sr_read(f->sr, "abs", 4096, 0, &b), 0);
	sysroot_record_extra(f->sr, ".iommuctl/info", "x=1\n", 4);
	assert_int_equal(sysroot_record_commit(f->sr, NULL), 0);

	/* the file sits at its real place; the links crossed are links */
	t = tree_path(dest, "sys/devices/pci0000:00/0000:00:01.0/vendor");
	assert_int_equal(access(t, R_OK), 0);
	free(t);
	t = tree_path(dest, "sys/bus/pci/devices/0000:00:01.0");
	len = readlink(t, target, sizeof(target) - 1);
	assert_true(len > 0);
	target[len] = '\0';
	assert_string_equal(target, "../../../devices/pci0000:00/0000:00:01.0");
	free(t);
	t = tree_path(dest, "abs");
	len = readlink(t, target, sizeof(target) - 1);
	assert_true(len > 0);
	target[len] = '\0';
	assert_string_equal(target, "/etc/secret");
	free(t);
	t = tree_path(dest, "etc/secret");
	assert_int_equal(access(t, R_OK), 0);
	free(t);
	/* the refused files were not copied */
	t = tree_path(dest, "sys/devices/pci0000:00/0000:00:01.0/rom");
	assert_int_equal(access(t, F_OK), -1);
	free(t);
	/* the device node became a placeholder that reads back as one */
	{
		struct sysroot *again;
		assert_int_equal(sysroot_open(dest, &again), 0);
		assert_int_equal(sr_kind(again, "dev/vfio/16", &n), 0);
		assert_int_equal(n.kind, SR_KIND_CHAR);
		assert_int_equal(n.major, 244);
		assert_int_equal(sr_read(again, ".iommuctl/info", 100, 0, &b), 0);
		assert_string_equal(b.data, "x=1\n");
		/* a non-empty destination is refused */
		assert_int_equal(sysroot_record_begin(again, dest, false), -ENOTEMPTY);
		/* ... but a snapshot may be replaced when asked */
		assert_int_equal(sysroot_record_begin(again, dest, true), 0);
		sysroot_record_abort(again);
		sysroot_free(again);
	}
	buf_release(&b);
	sr_dir_release(&d);
	{
		char *parent = strdup(dest);
		*strrchr(parent, '/') = '\0';
		tree_free(parent);
	}
	free(dest);
}

static void recording_abort(void **state)
{
	struct fixture *f = *state;
	char *tmp = tree_new(), *dest = tree_path(tmp, "out");
	struct buf b;
	DIR *d;
	struct dirent *de;
	int entries = 0;

	buf_init(&b);
	assert_int_equal(sysroot_record_begin(f->sr, dest, false), 0);
	assert_int_equal(sr_read(f->sr, "etc/secret", 4096, 0, &b), 0);
	sysroot_record_abort(f->sr);
	d = opendir(tmp);
	while ((de = readdir(d)))
		entries += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	assert_int_equal(entries, 0); /* no DIR, no temporary directory */
	buf_release(&b);
	free(dest);
	tree_free(tmp);
}

/* A listing longer than one buffer through a base, where a short read is
 * taken as the end: every entry still comes. */
static void long_listing(void **state)
{
	struct fixture *f = *state;
	struct sr_base base;
	struct sr_dir d;
	char name[64];
	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "many/d/%05d-entry", i);
		tree_printf(f->root, name, "x");
	}
	sr_dir_init(&d);
	assert_int_equal(sr_base_open(f->sr, "many", &base), 0);
	assert_int_equal(sr_list_in(f->sr, &base, "d", NULL, &d), 0);
	assert_int_equal(d.n, 3000);
	/* in name order, whatever the filesystem's */
	for (size_t i = 1; i < d.n; i++)
		assert_true(strcmp(d.ent[i - 1].name, d.ent[i].name) < 0);
	/* a link below the base: resolved from the root, same answer */
	tree_link(f->root, "many/viaroot", "/many/d");
	assert_int_equal(sr_list_in(f->sr, &base, "viaroot", NULL, &d), 0);
	assert_int_equal(d.n, 3000);
	sr_base_close(f->sr, &base);
	sr_dir_release(&d);
}

/* A captured tree's empty directory holds the marker iommuctl snapshot
 * leaves there (git keeps no empty directory): the directory is there, the
 * marker is not; a recording leaves one where it leaves a directory empty. */
static void empty_marker(void **state)
{
	struct fixture *f = *state;
	char *tmp = tree_new(), *dest = tree_path(tmp, "out"), *p;
	struct sr_dir d;
	struct buf b;
	struct sr_node n;
	tree_printf(f->root, "sys/bus/pci/drivers/empty/.iommuctl-empty", "%s", "");
	tree_link(f->root, "sys/bus/pci/drivers/e1000e/0000:00:01.0", "../../../../devices/pci0000:00/0000:00:01.0");
	sr_dir_init(&d);
	buf_init(&b);
	assert_int_equal(sr_list(f->sr, "sys/bus/pci/drivers/empty", NULL, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(sr_list(f->sr, "sys/bus/pci/drivers", NULL, &d), 0);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.ent[1].name, "empty");
	assert_int_equal(sr_read(f->sr, "sys/bus/pci/drivers/empty/.iommuctl-empty", 16, 0, &b), -ENOENT);
	assert_int_equal(sr_kind(f->sr, "sys/bus/pci/drivers/empty/.iommuctl-empty", &n), -ENOENT);
	assert_int_equal(sr_kind(f->sr, "sys/bus/pci/drivers/empty", &n), 0);
	assert_int_equal(n.kind, SR_KIND_DIR);
	/* recorded: the listed, empty directories get the marker */
	assert_int_equal(sysroot_record_begin(f->sr, dest, false), 0);
	assert_int_equal(sr_list(f->sr, "sys/bus/pci/drivers/empty", NULL, &d), 0);
	assert_int_equal(sr_list(f->sr, "sys/bus/pci/drivers/e1000e", NULL, &d), 0);
	assert_int_equal(sr_read(f->sr, "etc/secret", 4096, 0, &b), 0);
	assert_int_equal(sysroot_record_commit(f->sr, NULL), 0);
	p = tree_path(dest, "sys/bus/pci/drivers/empty/.iommuctl-empty");
	assert_int_equal(access(p, F_OK), 0);
	free(p);
	/* (a listing copies the links it lists: not empty) */
	p = tree_path(dest, "sys/bus/pci/drivers/e1000e/.iommuctl-empty");
	assert_int_equal(access(p, F_OK), -1);
	free(p);
	p = tree_path(dest, "etc/.iommuctl-empty");
	assert_int_equal(access(p, F_OK), -1);
	free(p);
	sr_dir_release(&d);
	buf_release(&b);
	free(dest);
	tree_free(tmp);
}

#define BOTH(t) {#t " (openat2)", t, setup_openat2, teardown, NULL}, {#t " (walk)", t, setup_walk, teardown, NULL}

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(read_through_links), BOTH(links_stay_inside), BOTH(loops_and_missing), BOTH(bounded_reads),
		BOTH(refused_files), BOTH(readlink_and_list), BOTH(node_kinds), BOTH(recording), BOTH(recording_abort), BOTH(long_listing),
		BOTH(empty_marker),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
