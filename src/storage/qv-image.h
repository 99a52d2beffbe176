/*
 * qv-image: creating image files (qemu-img create, for the destinations
 * of copies and the overlays of snapshots) and reading the format of an
 * existing one from its header.
 */
#pragma once

#include "storage/qv-source.h"

G_BEGIN_DECLS

/*
 * A new image at @path in @fmt of @size bytes; @backing (may be NULL) is
 * recorded as its backing file with its format, without being opened
 * (qemu-img create -u).  The error carries qemu-img's words.
 */
bool qv_image_create(const char *path, QvFormat fmt, uint64_t size,
                     const QvStorageSource *backing, GError **error);

/* The format of the existing image at @path, guessed from its magic;
 * raw when none matches (a raw image is never read for a backing file).
 * QV_FORMAT_NONE with @error when the file cannot be read. */
QvFormat qv_image_probe_format(const char *path, GError **error);

G_END_DECLS
