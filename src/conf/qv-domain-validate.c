/*
 * qv-domain-validate: semantic checks of domain definitions.
 *
 * The rules follow libvirt where libvirt has one (startupPolicy only on
 * local storage and 'requisite' only on removable media, floppies on the
 * fdc bus, a hard disk needs a source), so that a document libvirt
 * accepts is accepted here and the other way round.
 */
#include "conf/qv-domain-validate.h"
#include "conf/qv-disk-validate.h"

#include <string.h>
#include <sys/stat.h>

#include "storage/qv-chain.h"
#include "storage/qv-chain-compare.h"
#include "util/qv-error.h"
#include "conf/qv-encryption-xml.h"

char *
qv_disk_label(const QvDiskDef *disk, size_t pos)
{
    if (disk->dst)
        return g_strdup_printf("disk '%s'", disk->dst);
    return g_strdup_printf("disk %zu", pos);
}

#define FAIL(...) \
    do { g_set_error(error, QV_ERROR, QV_ERR_XML, __VA_ARGS__); return false; } while (0)

static bool
validate_quorum(const QvStorageSource *src, const char *label,
                const char *where, GError **error)
{
    /* down a chain in a loop: chains can be thousands deep, and start
     * runs this on the chains it read from the images too */
    while (src->type != QV_STORAGE_QUORUM && src->nbacking == 1)
        src = src->backing[0];
    if (src->type != QV_STORAGE_QUORUM) {
        for (size_t i = 0; i < src->nbacking; i++) {
            if (!validate_quorum(src->backing[i], label, where, error))
                return false;
        }
        return true;
    }
    if (src->nbacking < 2)
        FAIL("%s: %s has %zu child; a quorum needs at least 2", label, where,
             src->nbacking);
    if (src->threshold < 1 || src->threshold > src->nbacking)
        FAIL("%s: %s threshold %u is out of range: it must be between 1 and the number of children (%zu)",
             label, where, src->threshold, src->nbacking);
    for (size_t i = 0; i < src->nbacking; i++) {
        g_autofree char *sub = g_strdup_printf("%s child %zu", where, i + 1);

        if (src->backing[i]->type == QV_STORAGE_NONE)
            FAIL("%s: %s has no source", label, sub);
        if (!validate_quorum(src->backing[i], label, sub, error))
            return false;
    }
    return true;
}

static bool
validate_target(const QvDiskDef *disk, const char *label, GError **error)
{
    const char *dst = disk->dst;

    if (!dst)
        FAIL("%s: missing <target dev=...>", label);
    if ((disk->device == QV_DISK_DEVICE_DISK ||
         disk->device == QV_DISK_DEVICE_LUN) &&
        !g_str_has_prefix(dst, "hd") && !g_str_has_prefix(dst, "sd") &&
        !g_str_has_prefix(dst, "vd") && !g_str_has_prefix(dst, "xvd") &&
        !g_str_has_prefix(dst, "ubd"))
        FAIL("%s: invalid hard disk target name '%s' (use a name starting with vd, sd, hd, xvd or ubd)",
             label, dst);
    if (disk->device == QV_DISK_DEVICE_FLOPPY && !g_str_has_prefix(dst, "fd"))
        FAIL("%s: invalid floppy target name '%s' (use fda, fdb)", label, dst);
    if (disk->device == QV_DISK_DEVICE_FLOPPY &&
        disk->bus != QV_DISK_BUS_NONE && disk->bus != QV_DISK_BUS_FDC)
        FAIL("%s: a floppy must use bus 'fdc', not '%s'", label,
             qv_disk_bus_to_string(disk->bus));
    if (disk->device != QV_DISK_DEVICE_FLOPPY && disk->bus == QV_DISK_BUS_FDC)
        FAIL("%s: bus 'fdc' is only for floppies", label);
    if (disk->device == QV_DISK_DEVICE_CDROM && disk->bus == QV_DISK_BUS_VIRTIO)
        FAIL("%s: a cdrom cannot use bus 'virtio' (use sata, ide or scsi)",
             label);
    if (disk->tray != QV_TRAY_DEFAULT &&
        disk->device != QV_DISK_DEVICE_CDROM &&
        disk->device != QV_DISK_DEVICE_FLOPPY)
        FAIL("%s: tray is only valid for cdrom and floppy", label);
    return true;
}

static bool
validate_startup_policy(const QvDiskDef *disk, const char *label,
                        GError **error)
{
    QvStorageType t = disk->src->type;

    if (disk->startup_policy == QV_STARTUP_DEFAULT)
        return true;
    /* an empty cdrom or floppy is a file disk without a path */
    if (!disk->has_source || t == QV_STORAGE_NONE)
        t = QV_STORAGE_FILE;
    if (t != QV_STORAGE_FILE && t != QV_STORAGE_BLOCK &&
        t != QV_STORAGE_DIR && t != QV_STORAGE_VOLUME)
        FAIL("%s: startupPolicy '%s' is not allowed for a disk of type '%s' (only local storage: file, block, dir, volume)",
             label, qv_startup_policy_to_string(disk->startup_policy),
             qv_storage_type_to_string(t));
    if (disk->startup_policy == QV_STARTUP_REQUISITE &&
        disk->device != QV_DISK_DEVICE_CDROM &&
        disk->device != QV_DISK_DEVICE_FLOPPY)
        FAIL("%s: startupPolicy 'requisite' is allowed only for cdrom or floppy",
             label);
    return true;
}

bool
qv_disk_validate_lun(const QvDiskDef *disk, const char *label, GError **error)
{
    const QvStorageSource *src = disk->src;

    if (disk->device == QV_DISK_DEVICE_LUN &&
        src->type != QV_STORAGE_BLOCK &&
        !(src->type == QV_STORAGE_NETWORK && src->protocol == QV_PROTO_ISCSI))
        FAIL("%s: device 'lun' needs a block device or an iscsi source", label);
    return true;
}

bool
qv_quorum_validate(const QvStorageSource *src, const char *label,
                   GError **error)
{
    return validate_quorum(src, label, "quorum", error);
}

static bool
validate_source(const QvDiskDef *disk, const char *label, GError **error)
{
    const QvStorageSource *src = disk->src;

    if (!disk->has_source || src->type == QV_STORAGE_NONE) {
        if (disk->device == QV_DISK_DEVICE_DISK ||
            disk->device == QV_DISK_DEVICE_LUN)
            FAIL("%s: a %s needs a <source>; only a cdrom or floppy may be empty",
                 label, qv_disk_device_to_string(disk->device));
        return true;
    }
    if (!qv_disk_validate_lun(disk, label, error))
        return false;
    if (src->type == QV_STORAGE_NETWORK && src->nhosts == 0 &&
        src->protocol != QV_PROTO_RBD && src->protocol != QV_PROTO_NFS)
        FAIL("%s: network source '%s' needs at least one <host>", label,
             qv_protocol_to_string(src->protocol));
    if (disk->shareable && !disk->readonly && src->type != QV_STORAGE_QUORUM &&
        src->format != QV_FORMAT_RAW && src->format != QV_FORMAT_NONE)
        FAIL("%s: a shareable writable disk must be raw: QEMU cannot share a '%s' image between guests",
             label, qv_format_to_string(src->format));
    if (disk->transient && disk->shareable)
        FAIL("%s: a transient disk cannot be shareable", label);
    if (disk->transient && disk->readonly)
        FAIL("%s: a read-only disk cannot be transient", label);
    return qv_quorum_validate(src, label, error);
}

bool
qv_disk_validate(const QvDiskDef *disk, size_t pos, GError **error)
{
    g_autofree char *label = qv_disk_label(disk, pos);

    return validate_target(disk, label, error) &&
           validate_source(disk, label, error) &&
           qv_disk_validate_secrets(disk, error) &&
           validate_startup_policy(disk, label, error) &&
           qv_disk_validate_opts(disk, label, error);
}

static bool
validate_leases(const QvDomainDef *def, GError **error)
{
    for (size_t i = 0; i < def->nleases; i++) {
        const QvLeaseDef *l = def->leases[i];

        if (!l->lockspace || !*l->lockspace)
            FAIL("lease %zu: missing <lockspace>", i + 1);
        if (!l->key || !*l->key)
            FAIL("lease %zu: missing <key>", i + 1);
        if (!l->path || !*l->path)
            FAIL("lease %zu: missing <target path=...>", i + 1);
        for (size_t j = 0; j < i; j++) {
            if (g_strcmp0(def->leases[j]->lockspace, l->lockspace) == 0 &&
                g_strcmp0(def->leases[j]->key, l->key) == 0)
                FAIL("lease %zu: key '%s' in lockspace '%s' is already used by lease %zu",
                     i + 1, l->key, l->lockspace, j + 1);
        }
    }
    return true;
}

bool
qv_domain_validate(const QvDomainDef *def, GError **error)
{
    if (!def->name || !*def->name)
        FAIL("domain has no <name>");
    if (def->memory_kib == 0)
        FAIL("domain '%s': <memory> must be greater than 0", def->name);
    if (def->current_memory_kib > def->memory_kib)
        FAIL("domain '%s': <currentMemory> (%" G_GUINT64_FORMAT " KiB) exceeds <memory> (%" G_GUINT64_FORMAT " KiB)",
             def->name, def->current_memory_kib, def->memory_kib);
    if (def->vcpus == 0)
        FAIL("domain '%s': <vcpu> must be at least 1", def->name);

    for (size_t i = 0; i < def->ndisks; i++) {
        const QvDiskDef *disk = def->disks[i];

        if (!qv_disk_validate(disk, i + 1, error))
            return false;
        for (size_t j = 0; j < i; j++) {
            if (g_strcmp0(def->disks[j]->dst, disk->dst) == 0)
                FAIL("target '%s' is used by disks %zu and %zu; target names must be unique",
                     disk->dst, j + 1, i + 1);
        }
    }
    return qv_domain_validate_disk_set(def, error) && validate_leases(def, error);
}

/* Quorum children carry chains of their own: check each local one */
static bool
validate_chain_tree(const QvStorageSource *src, const char *label,
                    GError **error)
{
    if (src->type == QV_STORAGE_QUORUM) {
        for (size_t i = 0; i < src->nbacking; i++) {
            g_autofree char *sub = g_strdup_printf("%s quorum child %zu",
                                                   label, i + 1);

            if (!validate_chain_tree(src->backing[i], sub, error))
                return false;
        }
        return true;
    }
    if (!qv_source_is_local(src) || !src->path ||
        (src->nbacking == 0 && !src->backing_known))
        return true;
    return qv_chain_compare_with_images(src, label, error);
}

bool
qv_domain_validate_chains(const QvDomainDef *def, GError **error)
{
    for (size_t i = 0; i < def->ndisks; i++) {
        const QvDiskDef *disk = def->disks[i];
        g_autofree char *label = qv_disk_label(disk, i + 1);

        if (!disk->chain_given || !disk->has_source)
            continue;
        if (!validate_chain_tree(disk->src, label, error))
            return false;
    }
    return true;
}
