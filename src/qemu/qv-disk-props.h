/*
 * qv-disk-props: the disk settings of QvDiskOpts and QvSourceOpts that
 * become QEMU properties: on the -device (serial's neighbours: wwn,
 * vendor, product, geometry, block sizes, rotation rate, removable,
 * werror/rerror, iothread, num-queues, queue-size, ioeventfd,
 * event_idx), on the format node (a raw slice's offset and size, the
 * qcow2 metadata cache), on network protocol nodes (curl's sslverify,
 * readahead, timeout; iSCSI's initiator name; NFS's group) and the
 * iothread objects.  The builders (qv-command.c, qv-blockdev.c) call
 * these (and the supervisor qv_qemu_iotune_args, once QEMU runs); the
 * rules that make the values valid ran before
 * (qv-qemu-validate-disk.c).  What qvirt keeps but does not pass to
 * QEMU is listed by qv_qemu_unapplied().
 */
#pragma once

#include <json-c/json.h>

#include "conf/qv-domain.h"

G_BEGIN_DECLS

/* Properties of @disk's -device / device_add object @dev (its driver,
 * address, drive and id already set) */
bool qv_qemu_disk_device_opts(json_object *dev, const QvDiskDef *disk, GError **error);

/* "iothreadN": the id of IOThread object @id */
char *qv_qemu_iothread_name(unsigned int id);

/* One -object per IOThread the definition declares */
void qv_qemu_iothread_objects(GPtrArray *argv, const QvDomainDef *def);

/* The format node @fmt of chain element @src (@top: the disk's top) */
bool qv_blockdev_format_opts(json_object *fmt, const QvDiskDef *disk,
                             const QvStorageSource *src, bool top, GError **error);

/* The network protocol node @obj of @src */
bool qv_blockdev_net_opts(json_object *obj, const QvStorageSource *src, GError **error);

/* The arguments of QMP block_set_io_throttle for @disk's <iotune> (its
 * device named by its alias), in *@args; NULL when it has none.  Sent
 * once QEMU runs and after a hotplug, as libvirt does. */
bool qv_qemu_iotune_args(const QvDiskDef *disk, json_object **args, GError **error);

/*
 * What @def has that qvirt keeps but does not pass to QEMU, one line
 * per disk and setting, with the reason ("disk 'vda': <iotune> ..."); a
 * NULL-terminated array (g_strfreev), NULL when there is nothing
 */
char **qv_qemu_unapplied(const QvDomainDef *def);

G_END_DECLS
