/*
 * qv-disk-props: disk settings as QEMU properties (see the header).
 * Property names and the mapping of values are libvirt's
 * (qemuBuildDiskDeviceProps, qemuBlockStorageSourceGetFormatRawProps,
 * ...Qcow2Props, ...CURLProps, ...ISCSIProps, ...NFSProps).
 */
#include "qemu/qv-disk-props.h"

#include <string.h>

#include "qemu/qv-command.h"
#include "util/qv-error.h"
#include "util/qv-json-build.h"
#include "util/qv-json.h"

/* libvirt's qemuBuildDiskGetErrorPolicy: enospace is QEMU's enospc and
 * applies to writes only; otherwise reads follow writes unless given */
static void
error_policies(const QvDiskOpts *o, const char **w, const char **r)
{
    *w = qv_error_policy_to_string(o->error_policy);
    *r = qv_error_policy_to_string(o->rerror_policy);
    if (o->error_policy == QV_ERROR_POLICY_ENOSPACE)
        *w = "enospc";
    else if (!*r)
        *r = *w;
}

static const char *
chs_trans(QvGeometryTrans t)
{
    switch (t) {
    case QV_GEOMETRY_TRANS_NONE:
        return "none";
    case QV_GEOMETRY_TRANS_AUTO:
        return "auto";
    case QV_GEOMETRY_TRANS_LBA:
        return "lba";
    case QV_GEOMETRY_TRANS_DEFAULT:
    case QV_GEOMETRY_TRANS_LAST:
        break;
    }
    return NULL;
}

char *
qv_qemu_iothread_name(unsigned int id)
{
    return g_strdup_printf("iothread%u", id);
}

void
qv_qemu_iothread_objects(GPtrArray *argv, const QvDomainDef *def)
{
    for (size_t i = 0; i < def->n_iothread_ids; i++) {
        g_ptr_array_add(argv, g_strdup("-object"));
        g_ptr_array_add(argv, g_strdup_printf("{\"qom-type\":\"iothread\",\"id\":\"iothread%u\"}",
                                              def->iothread_ids[i]));
    }
}

bool
qv_qemu_disk_device_opts(json_object *dev, const QvDiskDef *disk, GError **error)
{
    const QvDiskOpts *o = &disk->opts;
    g_autofree char *iothread = o->iothread ? qv_qemu_iothread_name(o->iothread) : NULL;
    const char *werror, *rerror;
    uint64_t wwn = 0;
    bool virtio = disk->bus == QV_DISK_BUS_VIRTIO;
    /* QEMU's cd and scsi-block devices have no geometry; scsi-block no
     * block sizes either */
    bool shape = disk->device == QV_DISK_DEVICE_DISK;
    bool sizes = disk->device != QV_DISK_DEVICE_LUN;

    /* QEMU's floppy has no error properties; the sd bus is not built */
    if (disk->bus == QV_DISK_BUS_FDC)
        werror = rerror = NULL;
    else
        error_policies(o, &werror, &rerror);
    if (o->wwn)
        wwn = g_ascii_strtoull(o->wwn, NULL, 16);
    return qv_json_add(&dev, error,
                       "U:wwn", wwn,
                       "S:vendor", o->vendor,
                       "S:product", o->product,
                       "U:cyls", shape ? (uint64_t)o->cyls : 0,
                       "U:heads", shape ? (uint64_t)o->heads : 0,
                       "U:secs", shape ? (uint64_t)o->secs : 0,
                       "S:bios-chs-trans", shape && disk->bus == QV_DISK_BUS_IDE ? chs_trans(o->trans) : NULL,
                       "U:logical_block_size", sizes ? (uint64_t)o->logical_block_size : 0,
                       "U:physical_block_size", sizes ? (uint64_t)o->physical_block_size : 0,
                       "U:rotation_rate", (uint64_t)o->rotation_rate,
                       "T:removable", o->removable,
                       "S:werror", werror,
                       "S:rerror", rerror,
                       "S:iothread", virtio ? iothread : NULL,
                       "U:num-queues", virtio ? (uint64_t)o->queues : 0,
                       "U:queue-size", virtio ? (uint64_t)o->queue_size : 0,
                       "T:ioeventfd", virtio ? o->ioeventfd : 0,
                       "T:event_idx", virtio ? o->event_idx : 0,
                       NULL);
}

bool
qv_blockdev_format_opts(json_object *fmt, const QvDiskDef *disk, const QvStorageSource *src,
                        bool top, GError **error)
{
    const QvSourceOpts *o = &src->opts;
    bool raw = src->format == QV_FORMAT_RAW || src->format == QV_FORMAT_NONE;

    /* a slice of a raw image is the raw node's window (libvirt puts one
     * on the raw format node; other formats would need a raw node of
     * their own below, which qvirt does not build: define says so) */
    if (o->has_slice && raw &&
        !qv_json_add(&fmt, error, "u:offset", o->slice_offset, "u:size", o->slice_size, NULL))
        return false;
    return !top || src->format != QV_FORMAT_QCOW2 ||
           qv_json_add(&fmt, error, "U:cache-size", disk->opts.metadata_cache_max, NULL);
}

bool
qv_blockdev_net_opts(json_object *obj, const QvStorageSource *src, GError **error)
{
    const QvSourceOpts *o = &src->opts;
    g_autoptr(json_object) group = NULL;
    guint64 gid;

    switch (src->protocol) {
    case QV_PROTO_HTTP:
    case QV_PROTO_HTTPS:
    case QV_PROTO_FTP:
    case QV_PROTO_FTPS:
        return qv_json_add(&obj, error,
                           "T:sslverify", (int)o->ssl_verify,
                           "U:readahead", o->readahead,
                           "U:timeout", o->timeout, NULL);
    case QV_PROTO_ISCSI:
        return qv_json_add(&obj, error, "S:initiator-name", o->initiator_iqn, NULL);
    case QV_PROTO_NFS:
        if (o->nfs_group && g_ascii_string_to_unsigned(o->nfs_group, 10, 0, G_MAXINT32, &gid, NULL))
            group = json_object_new_int64((int64_t)gid);
        return qv_json_add(&obj, error, "A:group", &group, NULL);
    case QV_PROTO_NBD:
    case QV_PROTO_RBD:
    case QV_PROTO_GLUSTER:
    case QV_PROTO_SSH:
    case QV_PROTO_NONE:
    case QV_PROTO_LAST:
        break;
    }
    return true;
}

/* ---- <iotune> ---- */

bool
qv_qemu_iotune_args(const QvDiskDef *disk, json_object **args, GError **error)
{
    /* QEMU's names, in the order of qv_iotune_fields */
    static const char *const names[] = {
        "bps", "bps_rd", "bps_wr", "iops", "iops_rd", "iops_wr",
        "bps_max", "bps_rd_max", "bps_wr_max", "iops_max", "iops_rd_max", "iops_wr_max",
        "iops_size",
        "bps_max_length", "bps_rd_max_length", "bps_wr_max_length",
        "iops_max_length", "iops_rd_max_length", "iops_wr_max_length",
    };
    const QvDiskIotune *t = &disk->opts.iotune;
    g_autoptr(json_object) obj = NULL;
    const char *alias = disk->alias ? disk->alias : disk->dst;
    /* a virtio-blk-pci's block backend is on its virtio child (libvirt's
     * qomName); the other devices have it themselves */
    g_autofree char *id = disk->bus == QV_DISK_BUS_VIRTIO ?
        g_strdup_printf("/machine/peripheral/%s/virtio-backend", alias) : g_strdup(alias);

    G_STATIC_ASSERT(G_N_ELEMENTS(names) == 19);
    g_assert(qv_iotune_nfields == G_N_ELEMENTS(names));
    *args = NULL;
    if (!qv_disk_iotune_has_any(t))
        return true;
    if (!qv_json_add(&obj, error, "s:id", id, NULL))
        return false;
    /* the six rates are required, the rest only when set */
    for (size_t i = 0; i < qv_iotune_nfields; i++) {
        uint64_t v = QV_IOTUNE_VALUE(t, i);
        g_autofree char *key = g_strdup_printf("%s:%s", i < 6 ? "u" : "U", names[i]);

        if (!qv_json_add(&obj, error, key, v, NULL))
            return false;
    }
    if (!qv_json_add(&obj, error, "S:group", t->group_name, NULL))
        return false;
    *args = g_steal_pointer(&obj);
    return true;
}

/* ---- what is kept but not applied ---- */

static void
note(GPtrArray *out, const QvDiskDef *disk, const char *what, const char *why)
{
    g_ptr_array_add(out, g_strdup_printf("disk '%s': %s (%s)", disk->dst, what, why));
}

static void
unapplied_source(GPtrArray *out, const QvDiskDef *disk, const QvStorageSource *src)
{
    const QvSourceOpts *o = &src->opts;

    if (o->has_slice && src->format != QV_FORMAT_RAW && src->format != QV_FORMAT_NONE)
        note(out, disk, "<slices>", "a slice is passed to QEMU for raw images only");
    if (o->fdgroup)
        note(out, disk, "<source fdgroup>", "qvirt opens the file by its path; it has no FD groups");
    if (o->tls || o->tls_hostname)
        note(out, disk, "<source tls>", "qvirt configures no TLS credentials for QEMU's NBD client");
    if (o->ncookies)
        note(out, disk, "<cookies>", "cookies go to QEMU as secret objects, which qvirt does not create yet");
    if (o->has_reservations)
        note(out, disk, "<reservations>", "qvirt starts no qemu-pr-helper and creates no pr-manager object");
    if (o->nvme_managed == QV_YESNO_YES)
        note(out, disk, "<source managed='yes'>", "qvirt does not bind the NVMe device to vfio-pci; bind it before start");
    if (src->type == QV_STORAGE_VHOSTUSER)
        note(out, disk, "disk type 'vhostuser'", "start refuses it: qvirt does not set up vhost-user-blk yet");
}

static void
unapplied_disk(GPtrArray *out, const QvDiskDef *disk)
{
    const QvDiskOpts *o = &disk->opts;

    if (o->rawio == QV_YESNO_YES)
        note(out, disk, "rawio", "QEMU runs unprivileged and gets no CAP_SYS_RAWIO");
    if (disk->transient)
        note(out, disk, "<transient>", "qvirt adds no overlay that is discarded at shutdown: writes reach the image");
    if ((o->error_policy || o->rerror_policy) && disk->bus == QV_DISK_BUS_FDC)
        note(out, disk, "error_policy", "QEMU's floppy device has no error policy");
    if (o->metadata_cache_max && disk->src->format != QV_FORMAT_QCOW2)
        note(out, disk, "<metadata_cache>", "QEMU has a metadata cache for qcow2 images only");
    if (o->cyls && disk->device != QV_DISK_DEVICE_DISK)
        note(out, disk, "<geometry>", "QEMU's cd and scsi-block devices have no geometry");
    if ((o->logical_block_size || o->physical_block_size) && disk->device == QV_DISK_DEVICE_LUN)
        note(out, disk, "<blockio>", "a lun passes the device's own block sizes through");
    if (disk->mirror_dropped)
        g_ptr_array_add(out, g_strdup_printf("disk '%s': <mirror> dropped (runtime state, as libvirt drops it from a definition)",
                                             disk->dst));
}

char **
qv_qemu_unapplied(const QvDomainDef *def)
{
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);

    for (size_t i = 0; i < def->ndisks; i++) {
        const QvDiskDef *disk = def->disks[i];
        const QvStorageSource *src = disk->src;

        unapplied_disk(out, disk);
        while (src && disk->has_source) {
            unapplied_source(out, disk, src);
            src = src->nbacking == 1 ? src->backing[0] : NULL;
        }
    }
    if (!out->len)
        return NULL;
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(g_steal_pointer(&out), FALSE);
}
