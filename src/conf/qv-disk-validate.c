/*
 * qv-disk-validate: libvirt's domain rules for disk settings (see the header).
 */
#include "conf/qv-disk-validate.h"

#include <string.h>

#include "util/qv-error.h"

#define FAIL(...) \
    do { g_set_error(error, QV_ERROR, QV_ERR_XML, __VA_ARGS__); return false; } while (0)

#define VENDOR_LEN 8
#define PRODUCT_LEN 16

static bool
printable(const char *s)
{
    for (; *s; s++) {
        if (!g_ascii_isprint(*s))
            return false;
    }
    return true;
}

/* libvirt's virValidateWWN: 16 hex digits, "0x" allowed before them */
static bool
valid_wwn(const char *wwn)
{
    const char *p = g_str_has_prefix(wwn, "0x") ? wwn + 2 : wwn;
    size_t n = 0;

    for (; *p; p++, n++) {
        if (!g_ascii_isxdigit(*p))
            return false;
    }
    return n == 16;
}

/* total_X together with read_X or write_X */
static bool
validate_iotune(const QvDiskIotune *t, const char *label, GError **error)
{
    static const struct {
        size_t total, read, write;
        const char *what;
    } groups[] = {
        { G_STRUCT_OFFSET(QvDiskIotune, total_bytes_sec), G_STRUCT_OFFSET(QvDiskIotune, read_bytes_sec),
          G_STRUCT_OFFSET(QvDiskIotune, write_bytes_sec), "bytes_sec" },
        { G_STRUCT_OFFSET(QvDiskIotune, total_iops_sec), G_STRUCT_OFFSET(QvDiskIotune, read_iops_sec),
          G_STRUCT_OFFSET(QvDiskIotune, write_iops_sec), "iops_sec" },
        { G_STRUCT_OFFSET(QvDiskIotune, total_bytes_sec_max), G_STRUCT_OFFSET(QvDiskIotune, read_bytes_sec_max),
          G_STRUCT_OFFSET(QvDiskIotune, write_bytes_sec_max), "bytes_sec_max" },
        { G_STRUCT_OFFSET(QvDiskIotune, total_iops_sec_max), G_STRUCT_OFFSET(QvDiskIotune, read_iops_sec_max),
          G_STRUCT_OFFSET(QvDiskIotune, write_iops_sec_max), "iops_sec_max" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(groups); i++) {
        uint64_t total = G_STRUCT_MEMBER(uint64_t, t, groups[i].total);

        if (total && (G_STRUCT_MEMBER(uint64_t, t, groups[i].read) ||
                      G_STRUCT_MEMBER(uint64_t, t, groups[i].write)))
            FAIL("%s: total and read/write %s cannot be set at the same time", label,
                 groups[i].what);
    }
    return true;
}

/* libvirt's virDomainDiskAddressDiskBusCompatibility: the buses common
 * code knows take only drive addresses */
static bool
validate_address(const QvDiskDef *disk, const char *label, GError **error)
{
    const char *type = disk->opts.addr_type;

    if (!type)
        return true;
    switch (disk->bus) {
    case QV_DISK_BUS_IDE:
    case QV_DISK_BUS_FDC:
    case QV_DISK_BUS_SCSI:
    case QV_DISK_BUS_SATA:
        if (strcmp(type, "drive") != 0)
            FAIL("%s: Invalid address type '%s' for the disk '%s' with the bus type '%s'", label,
                 type, disk->dst, qv_disk_bus_to_string(disk->bus));
        break;
    case QV_DISK_BUS_VIRTIO:
    case QV_DISK_BUS_USB:
    case QV_DISK_BUS_SD:
    case QV_DISK_BUS_NONE:
    case QV_DISK_BUS_LAST:
        break;
    }
    return true;
}

static bool
validate_lun(const QvDiskDef *disk, const char *label, GError **error)
{
    const QvStorageSource *src = disk->src;
    const QvDiskOpts *o = &disk->opts;

    if (disk->device != QV_DISK_DEVICE_LUN) {
        if (src->opts.has_reservations)
            FAIL("%s: <reservations/> allowed only for lun devices", label);
        if (o->rawio)
            FAIL("%s: rawio can be used only with device='lun'", label);
        if (o->sgio)
            FAIL("%s: sgio can be used only with device='lun'", label);
        return true;
    }
    if (src->type == QV_STORAGE_NETWORK && src->protocol != QV_PROTO_ISCSI)
        FAIL("%s: disk device='lun' is not supported for protocol='%s'", label,
             qv_protocol_to_string(src->protocol));
    if (src->format != QV_FORMAT_RAW && src->format != QV_FORMAT_NONE)
        FAIL("%s: disk device 'lun' must use 'raw' format", label);
    if (src->opts.has_slice)
        FAIL("%s: disk device 'lun' doesn't support storage slice", label);
    return true;
}

/* virDomainDiskVhostUserValidate */
static bool
validate_vhostuser(const QvDiskDef *disk, const char *label, GError **error)
{
    const QvDiskOpts *o = &disk->opts;
    const char *bad = NULL;

    if (disk->bus != QV_DISK_BUS_VIRTIO)
        FAIL("%s: vhostuser disk supports only virtio bus", label);
    if (o->snapshot != QV_SNAPSHOT_NO)
        FAIL("%s: only snapshot=no is supported with vhostuser disk", label);
    if (disk->cache)
        bad = "cache";
    else if (o->error_policy || o->rerror_policy)
        bad = "error_policy";
    else if (disk->io)
        bad = "io";
    else if (o->ioeventfd)
        bad = "ioeventfd";
    else if (disk->copy_on_read)
        bad = "copy_on_read";
    else if (disk->discard)
        bad = "discard";
    else if (o->iothread)
        bad = "iothread";
    else if (disk->detect_zeroes)
        bad = "detect_zeroes";
    else if (o->metadata_cache_max)
        bad = "metadata_cache";
    else if (qv_disk_iotune_has_any(&o->iotune) || o->iotune.group_name)
        bad = "iotune";
    else if (disk->src->nbacking)
        bad = "backingStore";
    else if (disk->readonly)
        bad = "readonly";
    else if (disk->shareable)
        bad = "shareable";
    else if (disk->transient)
        bad = "transient";
    else if (disk->serial)
        bad = "serial";
    else if (o->wwn)
        bad = "wwn";
    else if (o->vendor)
        bad = "vendor";
    else if (o->product)
        bad = "product";
    else if (qv_source_has_auth(disk->src))
        bad = "auth";
    else if (o->cyls || o->trans)
        bad = "geometry";
    else if (o->logical_block_size || o->physical_block_size)
        bad = "blockio";
    if (bad)
        FAIL("%s: %s is not supported with vhostuser disk", label, bad);
    return true;
}

static bool
validate_virtio_only(const QvDiskDef *disk, const char *label, GError **error)
{
    const QvDiskOpts *o = &disk->opts;

    if (disk->bus == QV_DISK_BUS_VIRTIO)
        return true;
    if (o->model)
        FAIL("%s: disk model '%s' not supported for bus '%s'", label,
             qv_disk_model_to_string(o->model), qv_disk_bus_to_string(disk->bus));
    if (o->queues)
        FAIL("%s: queues attribute in disk driver element is only supported by virtio-blk", label);
    if (o->event_idx)
        FAIL("%s: disk event_idx mode supported only for virtio bus", label);
    if (o->ioeventfd)
        FAIL("%s: disk ioeventfd mode supported only for virtio bus", label);
    return true;
}

/* virDomainDiskDefValidateSourceChainOne, for what qvirt models here */
static bool
validate_chain_sources(const QvStorageSource *src, const char *label, GError **error)
{
    while (src) {
        bool rbd = src->type == QV_STORAGE_NETWORK && src->protocol == QV_PROTO_RBD;

        if (src->snapshot && !rbd)
            FAIL("%s: <snapshot> element is currently supported only with 'rbd' disks", label);
        if (src->config && !rbd)
            FAIL("%s: <config> element is currently supported only with 'rbd' disks", label);
        if (src->type == QV_STORAGE_QUORUM) {
            for (size_t i = 0; i < src->nbacking; i++) {
                if (!validate_chain_sources(src->backing[i], label, error))
                    return false;
            }
            return true;
        }
        src = src->nbacking == 1 ? src->backing[0] : NULL;
    }
    return true;
}

bool
qv_disk_validate_opts(const QvDiskDef *disk, const char *label, GError **error)
{
    const QvDiskOpts *o = &disk->opts;

    if (!validate_chain_sources(disk->src, label, error))
        return false;
    if (o->sgio == QV_SGIO_UNFILTERED)
        FAIL("%s: unfiltered sgio is no longer supported", label);
    if (!validate_lun(disk, label, error) ||
        !validate_iotune(&o->iotune, label, error) ||
        !validate_address(disk, label, error) ||
        !validate_virtio_only(disk, label, error))
        return false;
    if (disk->src->type == QV_STORAGE_NVME && disk->src->opts.nvme_namespace == 0)
        FAIL("%s: NVMe namespace can't be zero", label);
    if (disk->src->type == QV_STORAGE_VHOSTUSER && !validate_vhostuser(disk, label, error))
        return false;
    if (o->vendor && !printable(o->vendor))
        FAIL("%s: disk vendor is not printable string", label);
    if (o->vendor && strlen(o->vendor) > VENDOR_LEN)
        FAIL("%s: disk vendor is more than %d characters", label, VENDOR_LEN);
    if (o->product && !printable(o->product))
        FAIL("%s: disk product is not printable string", label);
    if (o->product && strlen(o->product) > PRODUCT_LEN)
        FAIL("%s: disk product is more than %d characters", label, PRODUCT_LEN);
    if (o->removable && disk->bus != QV_DISK_BUS_USB)
        FAIL("%s: removable is only valid for usb disks", label);
    if (o->wwn && !valid_wwn(o->wwn))
        FAIL("%s: Malformed wwn: %s", label, o->wwn);
    return true;
}

static bool
same_drive_address(const QvDiskOpts *a, const QvDiskOpts *b)
{
    return a->addr_controller == b->addr_controller && a->addr_bus == b->addr_bus &&
           a->addr_target == b->addr_target && a->addr_unit == b->addr_unit;
}

bool
qv_domain_validate_disk_set(const QvDomainDef *def, GError **error)
{
    for (size_t i = 0; i < def->ndisks; i++) {
        const QvDiskDef *d = def->disks[i];

        if (def->os_boot_dev && d->boot_order)
            FAIL("disk '%s': per-device boot elements cannot be used together with os/boot elements",
                 d->dst);
        if (g_strcmp0(d->opts.addr_type, "drive") != 0)
            continue;
        for (size_t h = 0; d->bus == QV_DISK_BUS_SCSI && h < def->n_scsi_hostdevs; h++) {
            const QvDriveAddress *a = &def->scsi_hostdevs[h];

            if (a->controller == d->opts.addr_controller && a->bus == d->opts.addr_bus &&
                a->target == d->opts.addr_target && a->unit == d->opts.addr_unit)
                FAIL("disk '%s': SCSI host address controller='%u' bus='%u' target='%u' unit='%u' in use by a SCSI disk",
                     d->dst, a->controller, a->bus, a->target, a->unit);
        }
        for (size_t j = i + 1; j < def->ndisks; j++) {
            const QvDiskDef *e = def->disks[j];

            /* a drive address is one on its bus's controllers */
            if (g_strcmp0(e->opts.addr_type, "drive") != 0 || d->bus != e->bus ||
                !same_drive_address(&d->opts, &e->opts))
                continue;
            FAIL("disk '%s': Found duplicate drive address for disk with target name '%s' controller='%u' bus='%u' target='%u' unit='%u'",
                 d->dst, d->dst, d->opts.addr_controller, d->opts.addr_bus,
                 d->opts.addr_target, d->opts.addr_unit);
        }
    }
    return true;
}
