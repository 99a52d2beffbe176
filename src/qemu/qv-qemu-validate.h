/*
 * qv-qemu-validate: what QEMU can run, checked on the definition alone,
 * as libvirt's qemu_validate.c does.
 *
 * Each rule is one function here, called both by qv_qemu_validate_def
 * (define, validate, edit: through the QvConn hook) and by the builders
 * at start (qv-command, qv-blockdev), so a definition is refused at
 * define with the very message start would give.  Rules on what only
 * start knows (images read from disk, files that exist) stay with start:
 * the same helpers are applied there to the elements it discovers.
 */
#pragma once

#include "conf/qv-domain.h"

G_BEGIN_DECLS

/*
 * Every QEMU rule that depends on the definition alone: the front end of
 * each disk (a device QEMU has on that bus, a position within the bus),
 * then each disk's block graph (cache and io, discard and detect_zeroes,
 * formats and node names of the elements given in the XML, network
 * sources).  Node names use the indexes start gives (top-down from 1
 * across the disks); for a chain read from the images at start the names
 * below can only get longer, so a name refused here is refused there.
 */
bool qv_qemu_validate_def(const QvDomainDef *def, GError **error);

/* The front end of @disk in @def: device model, bus position, bus size,
 * media, lun source, floppy serial */
bool qv_qemu_validate_frontend(const QvDomainDef *def, const QvDiskDef *disk,
                               GError **error);

/* io='native' needs O_DIRECT; detect_zeroes='unmap' needs discard */
bool qv_qemu_validate_disk_options(const QvDiskDef *disk, GError **error);

/* A format QEMU opens without probing; a backing store (@has_backing)
 * only under a format that can have one */
bool qv_qemu_validate_format(const QvDiskDef *disk, const QvStorageSource *src,
                             bool has_backing, GError **error);

/* QEMU's node-name rules: length and characters */
bool qv_qemu_validate_node_name(const QvDiskDef *disk, const char *name,
                                GError **error);

/* A source type QEMU's blockdev opens; for a network source its
 * protocol's host, transport and name rules */
bool qv_qemu_validate_protocol(const QvDiskDef *disk, const QvStorageSource *src,
                               GError **error);

/* "first/rest" of a network source name (rbd pool/image, gluster
 * volume/path), leading slashes skipped; false when it has no such shape */
bool qv_qemu_net_split_name(const QvStorageSource *src, char **first,
                            char **rest);

/* The LUN of an iscsi source name "IQN/LUN" (0 without one); false when
 * the LUN is not 0 to 255 */
bool qv_qemu_iscsi_lun(const QvStorageSource *src, guint64 *lun);

/* The numeric uid of an nfs source's user; false when it is not one */
bool qv_qemu_nfs_uid(const QvStorageSource *src, guint64 *uid);

G_END_DECLS
