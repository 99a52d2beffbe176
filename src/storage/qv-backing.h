/*
 * qv-backing: parse a backing string into a storage source.
 *
 * A backing string is whatever an image header names as its backing file:
 * a relative or absolute path, a URI (nbd://, nbd+unix://, iscsi://, rbd:,
 * gluster://, http(s)://, ftp(s)://, ssh://, nfs://), QEMU's legacy colon
 * syntax (nbd:host:port:exportname=x, rbd:pool/image:conf=...), or a
 * "json:{...}" pseudo-protocol holding QEMU's blockdev options.  The result
 * is always a parsed QvStorageSource, never an opaque string.
 */
#pragma once

#include "storage/qv-source.h"

G_BEGIN_DECLS

/*
 * Parse @name, the backing string of the image @parent_path (used both to
 * resolve relative names against its folder and in error messages; may be
 * NULL for a name given on the command line, then relative names resolve
 * against the current folder).
 *
 * Local results: type FILE, path is the resolved path (relative names are
 * joined to dirname(@parent_path) without touching the file system), and
 * relpath holds @name when it was relative.  Network results: type
 * NETWORK with protocol, path (volume/export/image name), hosts, etc.
 * A format named inside json: ("driver": "qcow2" over a "file" child) is
 * set in ->format.
 *
 * Returns NULL with a QV_ERR_PARSE error naming @name and @parent_path when
 * the string cannot be understood.
 */
QvStorageSource *qv_backing_parse(const char *name, const char *parent_path,
                                  GError **error);

/* True when @name is a relative local path (not a URI, colon syntax, json:) */
bool qv_backing_is_relative(const char *name);

G_END_DECLS
