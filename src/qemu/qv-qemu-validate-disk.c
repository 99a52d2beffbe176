/*
 * qv-qemu-validate-disk: libvirt's QEMU rules for disk settings (see the
 * header).  Where libvirt checks a capability of the QEMU binary, qvirt
 * (which runs a QEMU new enough for all of them) has nothing to check.
 */
#include "qemu/qv-qemu-validate-disk.h"

#include <string.h>

#include "util/qv-error.h"

#define FAIL(code, ...) \
    do { g_set_error(error, QV_ERROR, code, __VA_ARGS__); return false; } while (0)
#define UNSUPPORTED QV_ERR_UNSUPPORTED

bool
qv_qemu_validate_disk_early(const QvDiskDef *disk, GError **error)
{
    static const char *const prefixes[] = { "fd", "hd", "vd", "sd", "xvd", "ubd" };
    const char *p = NULL;

    for (size_t i = 0; i < G_N_ELEMENTS(prefixes) && !p && disk->dst; i++) {
        if (g_str_has_prefix(disk->dst, prefixes[i]))
            p = disk->dst + strlen(prefixes[i]);
    }
    if (disk->device == QV_DISK_DEVICE_LUN && disk->bus != QV_DISK_BUS_VIRTIO &&
        disk->bus != QV_DISK_BUS_SCSI)
        FAIL(UNSUPPORTED, "disk '%s': disk device='lun' is not supported for bus='%s'",
             disk->dst, disk->bus ? qv_disk_bus_to_string(disk->bus) : "none");
    if (!p)
        return true;
    while (g_ascii_islower(*p))
        p++;
    /* virDiskNameParse: letters, then a partition number */
    if (g_ascii_isdigit(*p) && p[strspn(p, "0123456789")] == '\0')
        FAIL(UNSUPPORTED, "disk '%s': invalid disk target '%s', partitions can't appear in disk targets",
             disk->dst, disk->dst);
    return true;
}

static bool
validate_geometry(const QvDiskDef *disk, GError **error)
{
    const QvDiskOpts *o = &disk->opts;

    if (!o->cyls || !o->heads || !o->secs)
        return true;
    if (disk->bus == QV_DISK_BUS_USB || disk->bus == QV_DISK_BUS_SD)
        FAIL(UNSUPPORTED, "disk '%s': CHS geometry can not be set for '%s' bus", disk->dst,
             qv_disk_bus_to_string(disk->bus));
    if (o->trans && disk->bus != QV_DISK_BUS_IDE)
        FAIL(UNSUPPORTED, "disk '%s': CHS translation mode can only be set for 'ide' bus not '%s'",
             disk->dst, qv_disk_bus_to_string(disk->bus));
    return true;
}

static bool
validate_identity(const QvDiskDef *disk, GError **error)
{
    const QvDiskOpts *o = &disk->opts;

    if (disk->serial && disk->bus == QV_DISK_BUS_SD)
        FAIL(UNSUPPORTED, "disk '%s': Serial property not supported for drive bus '%s'", disk->dst,
             qv_disk_bus_to_string(disk->bus));
    if (o->wwn && disk->bus != QV_DISK_BUS_IDE && disk->bus != QV_DISK_BUS_SCSI)
        FAIL(UNSUPPORTED, "disk '%s': Only ide and scsi disk support wwn", disk->dst);
    if ((o->vendor || o->product) && disk->bus != QV_DISK_BUS_SCSI)
        FAIL(UNSUPPORTED, "disk '%s': Only scsi disk supports vendor and product", disk->dst);
    if (disk->device == QV_DISK_DEVICE_LUN) {
        if (disk->bus != QV_DISK_BUS_VIRTIO && disk->bus != QV_DISK_BUS_SCSI)
            FAIL(UNSUPPORTED, "disk '%s': disk device='lun' is not supported for bus='%s'",
                 disk->dst, qv_disk_bus_to_string(disk->bus));
        if (disk->copy_on_read == QV_TRISTATE_ON)
            FAIL(UNSUPPORTED, "disk '%s': copy_on_read is not compatible with 'lun' disk '%s'",
                 disk->dst, disk->dst);
        if (o->wwn)
            FAIL(UNSUPPORTED, "disk '%s': Setting wwn is not supported for lun device", disk->dst);
        if (o->vendor || o->product)
            FAIL(UNSUPPORTED, "disk '%s': Setting vendor or product is not supported for lun device",
                 disk->dst);
        if (disk->serial && disk->bus == QV_DISK_BUS_SCSI)
            FAIL(UNSUPPORTED, "disk '%s': scsi-block 'lun' devices do not support the serial property",
                 disk->dst);
    }
    if (o->rotation_rate) {
        if (disk->bus != QV_DISK_BUS_SCSI && disk->bus != QV_DISK_BUS_IDE &&
            disk->bus != QV_DISK_BUS_SATA)
            FAIL(UNSUPPORTED, "disk '%s': rotation rate is only valid for SCSI/IDE/SATA bus", disk->dst);
        if (disk->device != QV_DISK_DEVICE_DISK)
            FAIL(UNSUPPORTED, "disk '%s': rotation rate is only valid for disk device", disk->dst);
    }
    return true;
}

/* The address types each bus takes (a disk without an address gets one) */
static bool
validate_address(const QvDiskDef *disk, GError **error)
{
    const char *type = disk->opts.addr_type;

    if (!type)
        return true;
    switch (disk->bus) {
    case QV_DISK_BUS_SCSI:
    case QV_DISK_BUS_IDE:
    case QV_DISK_BUS_FDC:
    case QV_DISK_BUS_SATA:
        if (strcmp(type, "drive") != 0)
            FAIL(UNSUPPORTED, "disk '%s': unexpected address type for %s disk", disk->dst,
                 qv_disk_bus_to_string(disk->bus));
        break;
    case QV_DISK_BUS_USB:
        if (strcmp(type, "usb") != 0)
            FAIL(UNSUPPORTED, "disk '%s': unexpected address type for usb disk", disk->dst);
        break;
    case QV_DISK_BUS_VIRTIO:
    case QV_DISK_BUS_SD:
    case QV_DISK_BUS_NONE:
    case QV_DISK_BUS_LAST:
        break;
    }
    return true;
}

static bool
validate_iothread(const QvDomainDef *def, const QvDiskDef *disk, GError **error)
{
    unsigned int id = disk->opts.iothread;

    if (!id)
        return true;
    if (disk->bus != QV_DISK_BUS_VIRTIO)
        FAIL(UNSUPPORTED, "disk '%s': IOThreads not available for bus %s target %s", disk->dst,
             disk->bus ? qv_disk_bus_to_string(disk->bus) : "none", disk->dst);
    for (size_t i = 0; i < def->n_iothread_ids; i++) {
        if (def->iothread_ids[i] == id)
            return true;
    }
    FAIL(UNSUPPORTED, "disk '%s': Disk iothread '%u' not defined in iothreadid", disk->dst, id);
}

/* QEMU's throttle_is_valid(): what block_set_io_throttle would refuse
 * once QEMU runs, refused at define instead, with QEMU's reason */
static bool
validate_throttle(const QvDiskDef *disk, GError **error)
{
    static const char *const buckets[] = {
        "total_bytes_sec", "read_bytes_sec", "write_bytes_sec",
        "total_iops_sec", "read_iops_sec", "write_iops_sec",
    };
    const QvDiskIotune *t = &disk->opts.iotune;

    /* qv_iotune_fields: the six rates, their _max, size_iops_sec, the _max_length */
    for (size_t b = 0; b < G_N_ELEMENTS(buckets); b++) {
        uint64_t avg = QV_IOTUNE_VALUE(t, b);
        uint64_t max = QV_IOTUNE_VALUE(t, b + 6);
        uint64_t len = QV_IOTUNE_VALUE(t, b + 13);

        if (max && !avg)
            FAIL(UNSUPPORTED, "disk '%s': <iotune> %s_max needs %s (QEMU: bps_max/iops_max require corresponding bps/iops values)",
                 disk->dst, buckets[b], buckets[b]);
        if (max && max < avg)
            FAIL(UNSUPPORTED, "disk '%s': <iotune> %s_max is below %s (QEMU: bps_max/iops_max cannot be lower than bps/iops)",
                 disk->dst, buckets[b], buckets[b]);
        if (len > 1 && !max)
            FAIL(UNSUPPORTED, "disk '%s': <iotune> %s_max_length needs %s_max (QEMU: burst length set without burst rate)",
                 disk->dst, buckets[b], buckets[b]);
        if (max && len > QV_QEMU_IOTUNE_MAX / max)
            FAIL(UNSUPPORTED, "disk '%s': <iotune> %s_max_length is too long (QEMU: burst length too high for this burst rate)",
                 disk->dst, buckets[b]);
    }
    if (t->size_iops_sec && !t->total_iops_sec && !t->read_iops_sec && !t->write_iops_sec)
        FAIL(UNSUPPORTED, "disk '%s': <iotune> size_iops_sec needs an iops limit (QEMU: iops size requires an iops value to be set)",
             disk->dst);
    return true;
}

static bool
validate_iotune(const QvDomainDef *def, const QvDiskDef *disk, GError **error)
{
    const QvDiskIotune *t = &disk->opts.iotune;
    bool any = qv_disk_iotune_has_any(t);

    if (t->group_name && !any)
        FAIL(UNSUPPORTED, "disk '%s': group_name can be configured only together with settings",
             disk->dst);
    if (any && disk->bus == QV_DISK_BUS_SD)
        FAIL(UNSUPPORTED, "disk '%s': <iotune> is not supported with bus='sd'", disk->dst);
    for (size_t i = 0; t->group_name && i < def->ndisks; i++) {
        const QvDiskDef *d = def->disks[i];

        if (d == disk || g_strcmp0(d->opts.iotune.group_name, t->group_name) != 0)
            continue;
        if (!qv_disk_iotune_equal(&d->opts.iotune, t))
            FAIL(UNSUPPORTED, "disk '%s': different iotunes for disks %s and %s", disk->dst,
                 disk->dst, d->dst);
    }
    /* libvirt checks the rates and size_iops_sec (not the lengths) */
    for (size_t i = 0; i < qv_iotune_nfields; i++) {
        if (!g_str_has_suffix(qv_iotune_fields[i].name, "_length") &&
            QV_IOTUNE_VALUE(t, i) > QV_QEMU_IOTUNE_MAX)
            FAIL(UNSUPPORTED, "disk '%s': block I/O throttle limit must be no more than %llu using QEMU",
                 disk->dst, QV_QEMU_IOTUNE_MAX);
    }
    return !any || validate_throttle(disk, error);
}

static bool
validate_transient(const QvDiskDef *disk, GError **error)
{
    if (!disk->transient)
        return true;
    if (!disk->has_source || disk->src->type == QV_STORAGE_NONE)
        FAIL(UNSUPPORTED, "disk '%s': transient disk '%s' must not be empty", disk->dst, disk->dst);
    if (disk->src->type != QV_STORAGE_FILE)
        FAIL(UNSUPPORTED, "disk '%s': transient disk supported only with 'file' type (%s)",
             disk->dst, disk->dst);
    if (disk->device != QV_DISK_DEVICE_DISK)
        FAIL(UNSUPPORTED, "disk '%s': transient disk supported only with 'disk' device (%s)",
             disk->dst, disk->dst);
    if (disk->opts.share_backing == QV_YESNO_YES &&
        disk->bus != QV_DISK_BUS_USB && disk->bus != QV_DISK_BUS_VIRTIO &&
        disk->bus != QV_DISK_BUS_SCSI)
        FAIL(UNSUPPORTED, "disk '%s': disk bus '%s' doesn't support transiend disk backing image sharing",
             disk->dst, disk->bus ? qv_disk_bus_to_string(disk->bus) : "none");
    return true;
}

bool
qv_qemu_validate_disk_settings(const QvDomainDef *def, const QvDiskDef *disk, GError **error)
{
    if (!validate_geometry(disk, error) || !validate_identity(disk, error))
        return false;
    if (disk->device == QV_DISK_DEVICE_CDROM && disk->bus == QV_DISK_BUS_SD)
        FAIL(UNSUPPORTED, "disk '%s': disk type of '%s' does not support ejectable media",
             disk->dst, disk->dst);
    if (disk->copy_on_read == QV_TRISTATE_ON) {
        if (disk->readonly)
            FAIL(UNSUPPORTED, "disk '%s': copy_on_read is not compatible with read-only disk '%s'",
                 disk->dst, disk->dst);
        if (disk->device == QV_DISK_DEVICE_CDROM || disk->device == QV_DISK_DEVICE_FLOPPY)
            FAIL(UNSUPPORTED, "disk '%s': copy_on_read is not supported with removable disk '%s'",
                 disk->dst, disk->dst);
    }
    if (!validate_address(disk, error))
        return false;
    if (disk->readonly && disk->device == QV_DISK_DEVICE_DISK &&
        (disk->bus == QV_DISK_BUS_IDE || disk->bus == QV_DISK_BUS_SATA))
        FAIL(UNSUPPORTED, "disk '%s': readonly %s disks are not supported", disk->dst,
             qv_disk_bus_to_string(disk->bus));
    if (!validate_iothread(def, disk, error) || !validate_iotune(def, disk, error) ||
        !validate_transient(disk, error))
        return false;
    if (disk->driver_name && strcmp(disk->driver_name, "qemu") != 0)
        FAIL(UNSUPPORTED, "disk '%s': unsupported driver name '%s' for disk '%s'", disk->dst,
             disk->driver_name, disk->dst);
    return true;
}

static bool
is_proto(const QvStorageSource *src, QvNetProtocol a, QvNetProtocol b)
{
    return src->type == QV_STORAGE_NETWORK && (src->protocol == a || src->protocol == b);
}

bool
qv_qemu_validate_source_settings(const QvDiskDef *disk, const QvStorageSource *src,
                                 GError **error)
{
    const QvSourceOpts *o = &src->opts;
    bool http = is_proto(src, QV_PROTO_HTTP, QV_PROTO_HTTPS);
    bool ftp = is_proto(src, QV_PROTO_FTP, QV_PROTO_FTPS);

    if (src->format == QV_FORMAT_ISO && !src->format_probed)
        FAIL(UNSUPPORTED, "disk '%s': storage format 'iso' is not directly supported by QEMU, use 'raw' instead",
             disk->dst);
    if (src->format == QV_FORMAT_FAT && src->type != QV_STORAGE_DIR && src->type != QV_STORAGE_VOLUME)
        FAIL(UNSUPPORTED, "disk '%s': storage format 'fat' is supported only with 'dir' storage type",
             disk->dst);
    if (src->type == QV_STORAGE_DIR) {
        if (src->format != QV_FORMAT_NONE && src->format != QV_FORMAT_FAT)
            FAIL(UNSUPPORTED, "disk '%s': storage type 'dir' requires use of storage format 'fat'",
                 disk->dst);
        if (!disk->readonly)
            FAIL(UNSUPPORTED, "disk '%s': virtual FAT storage can't be accessed in read-write mode",
                 disk->dst);
    }
    if (o->ssl_verify && !is_proto(src, QV_PROTO_HTTPS, QV_PROTO_FTPS))
        FAIL(UNSUPPORTED, "disk '%s': ssl verification is supported only with HTTPS/FTPS protocol",
             disk->dst);
    if (o->ncookies && !http)
        FAIL(UNSUPPORTED, "disk '%s': http cookies are supported only with HTTP(S) protocol",
             disk->dst);
    if (o->readahead && !http && !ftp)
        FAIL(UNSUPPORTED, "disk '%s': readahead is supported only with HTTP(S)/FTP(s) protocols",
             disk->dst);
    if (o->timeout && !http && !ftp)
        FAIL(UNSUPPORTED, "disk '%s': timeout is supported only with HTTP(S)/FTP(s) protocols",
             disk->dst);
    if (src->query && !http)
        FAIL(UNSUPPORTED, "disk '%s': query is supported only with HTTP(S) protocols", disk->dst);
    if (is_proto(src, QV_PROTO_NFS, QV_PROTO_NFS)) {
        /* libvirt's three rules for nfs, in libvirt's order and words */
        if (src->nhosts != 1)
            FAIL(UNSUPPORTED, "disk '%s': 'nfs' protocol requires the usage of exactly one host",
                 disk->dst);
        if (src->hosts[0].transport != QV_TRANSPORT_TCP)
            FAIL(UNSUPPORTED, "disk '%s': 'nfs' host must use TCP protocol", disk->dst);
        if (src->hosts[0].port != 0)
            FAIL(UNSUPPORTED, "disk '%s': port cannot be specified in 'nfs' protocol host",
                 disk->dst);
    }
    if (is_proto(src, QV_PROTO_NFS, QV_PROTO_NFS) && o->nfs_group &&
        !g_ascii_string_to_unsigned(o->nfs_group, 10, 0, G_MAXINT32, NULL, NULL))
        FAIL(UNSUPPORTED, "disk '%s': nfs group '%s' must be a numeric gid", disk->dst, o->nfs_group);
    if ((o->tls || o->tls_hostname) && !is_proto(src, QV_PROTO_NBD, QV_PROTO_NBD))
        FAIL(UNSUPPORTED, "disk '%s': TLS is supported only with the NBD protocol", disk->dst);
    return true;
}
