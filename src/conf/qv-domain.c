/*
 * qv-domain: the domain model's life cycle (new, add, free) and string
 * tables, and finding things in it: a disk by target name; the indexes
 * of chain elements (the N of vda[N], numbered across the whole domain);
 * the disk and element a user names by target, vda[N] or the path of an
 * image (also matched by device and inode).
 */
#include "conf/qv-domain.h"
#include "storage/qv-chain.h"
#include "util/qv-error.h"

#include <string.h>
#include <sys/stat.h>

#include "util/qv-enum.h"

#define QV_DOMAIN_ENUM_IMPL(prefix, type, last, ...) \
    static const char *const prefix##_names[] = { __VA_ARGS__ }; \
    G_STATIC_ASSERT(G_N_ELEMENTS(prefix##_names) == last); \
    QV_ENUM_IMPL(prefix, type, prefix##_names)

/* NULL entries are the "attribute absent" defaults: never parsed, never written */
QV_DOMAIN_ENUM_IMPL(qv_disk_device, QvDiskDevice, QV_DISK_DEVICE_LAST,
                    "disk", "cdrom", "floppy", "lun")
QV_DOMAIN_ENUM_IMPL(qv_disk_bus, QvDiskBus, QV_DISK_BUS_LAST,
                    NULL, "virtio", "scsi", "ide", "sata", "fdc", "usb", "sd")
QV_DOMAIN_ENUM_IMPL(qv_startup_policy, QvStartupPolicy, QV_STARTUP_LAST,
                    NULL, "mandatory", "requisite", "optional")
QV_DOMAIN_ENUM_IMPL(qv_disk_cache, QvDiskCache, QV_CACHE_LAST,
                    NULL, "none", "writethrough", "writeback", "directsync",
                    "unsafe")
QV_DOMAIN_ENUM_IMPL(qv_disk_io, QvDiskIo, QV_DISK_IO_LAST,
                    NULL, "native", "threads", "io_uring")
QV_DOMAIN_ENUM_IMPL(qv_discard, QvDiscard, QV_DISCARD_LAST,
                    NULL, "unmap", "ignore")
QV_DOMAIN_ENUM_IMPL(qv_detect_zeroes, QvDetectZeroes, QV_DETECT_ZEROES_LAST,
                    NULL, "off", "on", "unmap")
QV_DOMAIN_ENUM_IMPL(qv_tristate, QvTristate, QV_TRISTATE_LAST,
                    NULL, "on", "off")
QV_DOMAIN_ENUM_IMPL(qv_tray, QvTray, QV_TRAY_LAST,
                    NULL, "open", "closed")
QV_DOMAIN_ENUM_IMPL(qv_mirror_job, QvMirrorJob, QV_MIRROR_JOB_LAST,
                    "copy", "active-commit")
QV_DOMAIN_ENUM_IMPL(qv_mirror_ready, QvMirrorReady, QV_MIRROR_READY_LAST,
                    NULL, "yes", "abort", "pivot")

QvDomainDef *
qv_domain_def_new(void)
{
    return g_new0(QvDomainDef, 1);
}

QvDiskDef *
qv_disk_def_new(void)
{
    QvDiskDef *disk = g_new0(QvDiskDef, 1);

    disk->src = qv_source_new(QV_STORAGE_NONE);
    return disk;
}

void
qv_disk_mirror_free(QvDiskMirror *mirror)
{
    if (!mirror)
        return;
    qv_source_free(mirror->src);
    g_free(mirror);
}

void
qv_disk_def_free(QvDiskDef *disk)
{
    if (!disk)
        return;
    qv_source_free(disk->src);
    g_free(disk->driver_name);
    g_free(disk->dst);
    g_free(disk->serial);
    g_free(disk->alias);
    g_free(disk->address_xml);
    qv_disk_opts_clear(&disk->opts);
    qv_disk_mirror_free(disk->mirror);
    if (disk->health)
        g_ptr_array_unref(disk->health);
    g_free(disk);
}

void
qv_disk_health_free(QvDiskHealth *h)
{
    if (!h)
        return;
    g_free(h->event);
    g_free(h->type);
    g_free(h->error);
    g_free(h);
}

void
qv_disk_add_health(QvDiskDef *disk, QvDiskHealth *h)
{
    if (!disk->health)
        disk->health = g_ptr_array_new_with_free_func((GDestroyNotify)qv_disk_health_free);
    g_ptr_array_add(disk->health, h);
}

void
qv_lease_def_free(QvLeaseDef *lease)
{
    if (!lease)
        return;
    g_free(lease->lockspace);
    g_free(lease->key);
    g_free(lease->path);
    g_free(lease);
}

static void
free_strv_n(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        g_free(v[i]);
    g_free(v);
}

void
qv_domain_def_free(QvDomainDef *def)
{
    if (!def)
        return;
    g_free(def->type);
    g_free(def->name);
    g_free(def->title);
    g_free(def->description);
    g_free(def->os_type);
    g_free(def->os_arch);
    g_free(def->os_machine);
    g_free(def->os_extra_xml);
    g_free(def->iothread_ids);
    g_free(def->scsi_hostdevs);
    g_free(def->emulator);
    for (size_t i = 0; i < def->ndisks; i++)
        qv_disk_def_free(def->disks[i]);
    g_free(def->disks);
    for (size_t i = 0; i < def->nleases; i++)
        qv_lease_def_free(def->leases[i]);
    g_free(def->leases);
    free_strv_n(def->kept_devices, def->nkept_devices);
    free_strv_n(def->kept_toplevel, def->nkept_toplevel);
    g_free(def);
}

void
qv_domain_add_disk(QvDomainDef *def, QvDiskDef **disk)
{
    def->disks = g_renew(QvDiskDef *, def->disks, def->ndisks + 1);
    def->disks[def->ndisks++] = g_steal_pointer(disk);
}

QvDiskDef *
qv_domain_take_disk(QvDomainDef *def, const QvDiskDef *disk)
{
    for (size_t i = 0; i < def->ndisks; i++) {
        QvDiskDef *d = def->disks[i];

        if (d != disk)
            continue;
        memmove(def->disks + i, def->disks + i + 1, (def->ndisks - i - 1) * sizeof(*def->disks));
        def->ndisks--;
        return d;
    }
    return NULL;
}

void
qv_domain_add_lease(QvDomainDef *def, QvLeaseDef **lease)
{
    def->leases = g_renew(QvLeaseDef *, def->leases, def->nleases + 1);
    def->leases[def->nleases++] = g_steal_pointer(lease);
}

QvDiskDef *
qv_domain_find_disk(const QvDomainDef *def, const char *dst)
{
    for (size_t i = 0; i < def->ndisks; i++) {
        if (g_strcmp0(def->disks[i]->dst, dst) == 0)
            return def->disks[i];
    }
    return NULL;
}

static bool
index_max(QvStorageSource *src, size_t i, gssize parent, unsigned int depth, void *opaque)
{
    unsigned int *max = opaque;

    *max = MAX(*max, src->index);
    return true;
}

static bool
index_reset(QvStorageSource *src, size_t i, gssize parent, unsigned int depth, void *opaque)
{
    src->index = 0;
    return true;
}

unsigned int
qv_domain_assign_indexes(QvDomainDef *def, bool reset)
{
    unsigned int next = 0;

    for (size_t i = 0; i < def->ndisks; i++) {
        if (def->disks[i]->src)
            qv_source_walk(def->disks[i]->src, reset ? index_reset : index_max, &next);
    }
    for (size_t i = 0; i < def->ndisks; i++)
        next = qv_disk_assign_indexes(def->disks[i], next);
    return next;
}

unsigned int
qv_disk_assign_indexes(QvDiskDef *disk, unsigned int last)
{
    if (disk->src && disk->src->type != QV_STORAGE_NONE)
        last = qv_source_tree_assign_indexes(disk->src, last);
    return last;
}

QvStorageSource *
qv_disk_find_index(const QvDiskDef *disk, unsigned int index)
{
    return disk->src ? qv_source_find_index(disk->src, index) : NULL;
}

typedef struct {
    const char *path;
    struct stat st;
    bool have_st;
    QvStorageSource *found;
} FindPath;

static bool
path_find(QvStorageSource *src, size_t i, gssize parent, unsigned int depth, void *opaque)
{
    FindPath *f = opaque;
    struct stat st;

    if (!src->path || (src->type != QV_STORAGE_FILE && src->type != QV_STORAGE_BLOCK))
        return true;
    if (strcmp(src->path, f->path) == 0 ||
        (f->have_st && stat(src->path, &st) == 0 &&
         st.st_dev == f->st.st_dev && st.st_ino == f->st.st_ino)) {
        f->found = src;
        return false;
    }
    return true;
}

/* "vda[12]": the target name and the index; false when @spec is not so */
static bool
split_indexed(const char *spec, char **dst, unsigned int *index)
{
    const char *open = strchr(spec, '[');
    char *end = NULL;
    guint64 n;

    if (!open || open == spec || !g_str_has_suffix(spec, "]"))
        return false;
    n = g_ascii_strtoull(open + 1, &end, 10);
    if (end != spec + strlen(spec) - 1 || end == open + 1 || n == 0 || n > G_MAXUINT)
        return false;
    *dst = g_strndup(spec, (gsize)(open - spec));
    *index = (unsigned int)n;
    return true;
}

QvStorageSource *
qv_disk_lookup_element(const QvDomainDef *def, const QvDiskDef *disk,
                       const char *spec, GError **error)
{
    g_autofree char *dst = NULL;
    unsigned int index = 0;
    FindPath f = { spec, { 0 }, false, NULL };

    if (split_indexed(spec, &dst, &index)) {
        QvStorageSource *src = NULL;

        if (strcmp(dst, disk->dst) == 0)
            src = qv_disk_find_index(disk, index);
        if (!src)
            g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND,
                        "domain '%s': disk '%s' has no element '%s' in its chain",
                        def->name, disk->dst, spec);
        return src;
    }
    if (strcmp(spec, disk->dst) == 0)
        return disk->src;
    f.have_st = stat(spec, &f.st) == 0;
    if (disk->src)
        qv_source_walk(disk->src, path_find, &f);
    if (!f.found)
        g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND,
                    "domain '%s': '%s' is not in the chain of disk '%s'",
                    def->name, spec, disk->dst);
    return f.found;
}

QvDiskDef *
qv_domain_lookup_disk(const QvDomainDef *def, const char *spec,
                      QvStorageSource **elem, GError **error)
{
    g_autofree char *dst = NULL;
    unsigned int index = 0;
    FindPath f = { spec, { 0 }, false, NULL };
    QvDiskDef *disk;

    if (split_indexed(spec, &dst, &index) && (disk = qv_domain_find_disk(def, dst))) {
        if (!(*elem = qv_disk_lookup_element(def, disk, spec, error)))
            return NULL;
        return disk;
    }
    if ((disk = qv_domain_find_disk(def, spec))) {
        *elem = disk->src;
        return disk;
    }
    f.have_st = stat(spec, &f.st) == 0;
    for (size_t i = 0; i < def->ndisks; i++) {
        if (!def->disks[i]->src)
            continue;
        qv_source_walk(def->disks[i]->src, path_find, &f);
        if (f.found) {
            *elem = f.found;
            return def->disks[i];
        }
    }
    g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND,
                "domain '%s' has no disk '%s' (give a target name such as 'vda', 'vda[N]', or the path of an image of a disk's chain)",
                def->name, spec);
    return NULL;
}

void
qv_domain_clear_indexes(QvDomainDef *def)
{
    for (size_t i = 0; i < def->ndisks; i++) {
        if (def->disks[i]->src)
            qv_source_walk(def->disks[i]->src, index_reset, NULL);
    }
}
