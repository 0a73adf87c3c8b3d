/*
 * vfio-status: print the kernel's own VFIO verdicts, for the VM test harness.
 *
 * Opens /dev/vfio/vfio (the container) and every group node /dev/vfio/N
 * (and /dev/vfio/noiommu-N) and prints, one line each:
 *
 *   container /dev/vfio/vfio: api_version=0 type1=1 type1v2=1
 *   group 16 flags=0x0 viable=no container_set=no
 *
 * flags is the raw VFIO_GROUP_GET_STATUS value (bit 0 VIABLE, bit 1
 * CONTAINER_SET).  Nothing is changed: no container is set, nothing bound.
 * Lines are sorted by group id.  An optional argument replaces /dev/vfio.
 *
 * Build: gcc -static -O2 -o vfio-status vfio-status.c
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

struct ent {
	long id;      /* numeric id, for sorting */
	char name[256];
};

static int cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return strcmp(x->name, y->name);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/dev/vfio";
	char path[512];
	struct ent *ents = NULL;
	size_t n = 0, cap = 0;
	DIR *d;
	struct dirent *de;
	int fd;

	snprintf(path, sizeof(path), "%s/vfio", dir);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("# container %s: open failed: %s\n", path, strerror(errno));
	} else {
		int api = ioctl(fd, VFIO_GET_API_VERSION);
		int t1 = ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU);
		int t1v2 = ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU);
		printf("container %s: api_version=%d type1=%d type1v2=%d\n",
		       path, api, t1, t1v2);
		close(fd);
	}

	d = opendir(dir);
	if (!d) {
		printf("# %s: %s\n", dir, strerror(errno));
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		const char *s = de->d_name;
		char *end;
		long id;
		if (strncmp(s, "noiommu-", 8) == 0)
			s += 8;
		if (*s < '0' || *s > '9')
			continue;
		id = strtol(s, &end, 10);
		if (*end)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			ents = realloc(ents, cap * sizeof(*ents));
			if (!ents)
				return 2;
		}
		ents[n].id = id;
		snprintf(ents[n].name, sizeof(ents[n].name), "%s", de->d_name);
		n++;
	}
	closedir(d);
	if (n)
		qsort(ents, n, sizeof(*ents), cmp);

	for (size_t i = 0; i < n; i++) {
		struct vfio_group_status st;
		const char *label = ents[i].name;
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i].name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			printf("group %s error=open:%s\n", label, strerror(errno));
			continue;
		}
		memset(&st, 0, sizeof(st));
		st.argsz = sizeof(st);
		if (ioctl(fd, VFIO_GROUP_GET_STATUS, &st) < 0) {
			printf("group %s error=VFIO_GROUP_GET_STATUS:%s\n", label,
			       strerror(errno));
		} else {
			printf("group %s flags=0x%x viable=%s container_set=%s\n",
			       label, st.flags,
			       (st.flags & VFIO_GROUP_FLAGS_VIABLE) ? "yes" : "no",
			       (st.flags & VFIO_GROUP_FLAGS_CONTAINER_SET) ? "yes" : "no");
		}
		close(fd);
	}
	free(ents);
	return 0;
}
