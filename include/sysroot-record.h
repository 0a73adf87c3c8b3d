/* sysroot-record.h - where a recording goes: a directory mirroring the
 * root, one tar archive (plain, gzip, xz or zstd by the name's suffix), or
 * a plain tar on standard output.  Part of sysroot: sysroot.c hands it
 * every file, link and directory read while recording (see sysroot.h).
 *
 * Each path is written once (the first copy wins), each directory created
 * once; a directory that ends up empty gets an empty SR_EMPTY_MARKER file,
 * so that the snapshot keeps it where empty directories are lost (git,
 * some copies), and readers hide the marker. */
#ifndef IOMMUCTL_SYSROOT_RECORD_H
#define IOMMUCTL_SYSROOT_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "sysroot.h"

struct sr_recorder;

/* Starts a recording to DEST (see sysroot_record_begin for the errors). */
int sr_recorder_begin(const char *dest, bool replace, struct sr_recorder **out);
/* DIR is a canonical, root-relative path ("" the root), NAME one component. */
void sr_recorder_file(struct sr_recorder *r, const char *dir, const char *name, const char *data, size_t len);
void sr_recorder_link(struct sr_recorder *r, const char *dir, const char *name, const char *target);
void sr_recorder_dir(struct sr_recorder *r, const char *path);
/* DIR/NAME exists (a file looked at, not read): written empty at the end
 * unless the file itself is recorded before then. */
void sr_recorder_placeholder(struct sr_recorder *r, const char *dir, const char *name);
/* Finishes and frees R: 0, or the first error with the path concerned in
 * *ERRPATH (heap; relative to the snapshot, "" for the archive itself). */
int sr_recorder_commit(struct sr_recorder *r, char **errpath);
/* Frees R, leaving nothing behind (a tar on standard output stops short). */
void sr_recorder_abort(struct sr_recorder *r);

#endif
