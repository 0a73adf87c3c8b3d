/* fuzz-lspci.c - snapshot --from-lspci, whole: lspci_parse over the input
 * (split at its first "\n--\n" into two dumps, as text and hex, merged with
 * lspci_merge), lspci_resolve_names against a small pci.ids, then
 * lspci_sysfs_build; every path of the tree it returns must stay inside the
 * snapshot (no empty, "." or ".." component, links relative and below
 * sys/).  The tree is then written through sysroot's recording API, as the
 * command writes it, under a fresh directory in /dev/shm
 * ($IOMMUCTL_FUZZ_TMPDIR when set), loaded with snapshot_load
 * (SNAP_LOAD_ALL, .iommuctl/lspci included), analysed as the commands
 * analyse it, and removed.
 *
 * Input: lspci output, -vvnn text and/or -x to -xxxx hex rows. */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "lspci-sysfs.h"
#include "lspci.h"
#include "sysroot.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char ids[] = "8086  Intel Corporation\n\t10d3  82574L Gigabit Network Connection\n"
			  "\t2918  82801IB (ICH9) LPC Interface Controller\n1b36  Red Hat, Inc.\n"
			  "\t000c  QEMU PCIe Root port\nC 06  Bridge\n\t04  PCI bridge\n\t01  ISA bridge\n"
			  "C 02  Network controller\n\t00  Ethernet controller\n";

static char *base;

static void remove_base(void)
{
	if (base)
		rmdir(base);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("IOMMUCTL_FUZZ_TMPDIR");
	if (!dir)
		dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	(void)argc;
	(void)argv;
	base = xasprintf("%s/iommuctl-fuzz-lspci.XXXXXX", dir);
	if (!mkdtemp(base)) {
		perror("iommuctl fuzz-lspci: mkdtemp");
		exit(1);
	}
	atexit(remove_base);
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* No component of PATH leaves the tree. */
static bool path_inside(const char *path)
{
	const char *p = path;
	if (*p == '/' || !*p)
		return false;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += n + (e ? 1 : 0);
	}
	return true;
}

/* A link's target: "../" as many times as its path is deep below sys/,
 * then a path inside devices/. */
static bool link_inside(const struct sysfs_entry *e)
{
	size_t depth = 0, ups = 0;
	const char *t = e->data;
	for (const char *c = e->path; *c; c++)
		depth += *c == '/';
	while (strncmp(t, "../", 3) == 0) {
		ups++;
		t += 3;
	}
	return strncmp(e->path, "sys/", 4) == 0 && ups + 1 == depth && strncmp(t, "devices/", 8) == 0 && path_inside(t);
}

static void write_and_load(const struct sysfs_tree *t)
{
	char *dir = xasprintf("%s/t", base), *errpath = NULL;
	struct sysroot *sr;
	struct snapshot s;

	if (sysroot_open("/", &sr) != 0)
		abort();
	if (sysroot_record_begin(sr, dir, false) != 0) {
		perror("iommuctl fuzz-lspci: cannot start the tree");
		abort();
	}
	for (size_t i = 0; i < t->n; i++) {
		if (t->e[i].link)
			sysroot_record_extra_link(sr, t->e[i].path, t->e[i].data);
		else
			sysroot_record_extra(sr, t->e[i].path, t->e[i].data, t->e[i].len);
	}
	if (sysroot_record_commit(sr, &errpath) != 0) {
		fprintf(stderr, "iommuctl fuzz-lspci: cannot write %s\n", errpath ? errpath : "the tree");
		abort();
	}
	free(errpath);
	sysroot_free(sr);
	if (sysroot_open(dir, &sr) == 0) {
		snapshot_init(&s);
		if (snapshot_load(sr, SNAP_LOAD_ALL, &s) == 0) {
			if (s.ndev != t->functions || !s.from_lspci)
				abort(); /* a function written and not read back */
			fuzz_analyse(&s);
		}
		snapshot_release(&s);
		sysroot_free(sr);
	}
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *sep;
	size_t first = size;
	struct lspci_dump d, more;
	struct lspci_error e;
	struct sysfs_tree t;
	bool ok;

	if (size > (1u << 20))
		return -1;
	sep = memmem(text, size, "\n--\n", 4);
	if (sep)
		first = (size_t)(sep - text) + 1;
	ok = lspci_parse(text, first, &d, &e);
	if (!ok) {
		if (!e.message || e.status < 2 || e.status > 3 || d.n)
			abort();
		lspci_error_release(&e);
		return 0;
	}
	if (sep) {
		if (lspci_parse(sep + 4, size - first - 3, &more, &e)) {
			if (!lspci_merge(&d, &more, &e))
				lspci_error_release(&e);
			lspci_dump_release(&more);
		} else {
			lspci_error_release(&e);
		}
	}
	lspci_resolve_names(&d, ids);
	if (!lspci_sysfs_build(&d, "fuzz", &t, &e))
		abort();
	for (size_t i = 0; i < t.n; i++)
		if (!path_inside(t.e[i].path) || (t.e[i].link && !link_inside(&t.e[i])))
			abort();
	if (t.functions == d.n)
		write_and_load(&t);
	else
		abort();
	sysfs_tree_release(&t);
	lspci_dump_release(&d);
	return 0;
}
