/*
 * qv-disk-prepare: chain resolution, presence checks and startup policy.
 */
#include "qemu/qv-disk-prepare.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "storage/qv-chain.h"
#include "conf/qv-domain-validate.h"
#include "util/qv-error.h"

/* A chain given in XML is trusted, so only its files' presence is
 * checked; "backing file 'B' of 'A' does not exist" as discovery says */
static bool
check_given_chain(const QvStorageSource *src, GError **error)
{
    const QvStorageSource *parent = NULL;

    for (; src; parent = src, src = src->nbacking == 1 ? src->backing[0] : NULL) {
        struct stat st;

        if (src->type == QV_STORAGE_QUORUM || !qv_source_is_local(src))
            return true;
        if (stat(src->path, &st) == 0)
            continue;
        if (errno != ENOENT) {
            qv_error_set_errno(error, errno, "cannot access '%s'", src->path);
            return false;
        }
        if (parent)
            g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND,
                        "backing file '%s' of '%s' does not exist",
                        src->path, parent->path);
        else
            g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND,
                        "image '%s' does not exist", src->path);
        return false;
    }
    return true;
}

/* The external data file of a qcow2 image, relative to its folder */
static bool
check_data_files(const QvStorageSource *src, GError **error)
{
    for (; src; src = src->nbacking == 1 ? src->backing[0] : NULL) {
        g_autofree char *dir = NULL;
        g_autofree char *path = NULL;

        if (!src->data_file || !qv_source_is_local(src))
            continue;
        dir = g_path_get_dirname(src->path);
        path = g_path_is_absolute(src->data_file) ? g_strdup(src->data_file) :
               g_build_filename(dir, src->data_file, NULL);
        if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
            g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND,
                        "data file '%s' of '%s' does not exist",
                        path, src->path);
            return false;
        }
    }
    return true;
}

/* Resolve or check one element tree (a quorum child may be a chain) */
static bool
prepare_source(QvStorageSource *src, bool given, GError **error)
{
    if (src->type == QV_STORAGE_QUORUM) {
        for (size_t i = 0; i < src->nbacking; i++) {
            QvStorageSource *child = src->backing[i];
            bool child_given = child->nbacking > 0 || child->backing_known;

            if (!prepare_source(child, child_given, error))
                return false;
        }
        return true;
    }
    if (!qv_source_is_local(src) || !src->path)
        return true;
    if (src->type == QV_STORAGE_DIR) {
        /* QEMU's virtual FAT reads a folder: there is no chain to read */
        if (!g_file_test(src->path, G_FILE_TEST_IS_DIR)) {
            g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND, "folder '%s' does not exist", src->path);
            return false;
        }
        src->backing_known = true;
        return true;
    }
    if (given)
        return check_given_chain(src, error);
    /* an absent format is raw, as in libvirt: never guessed at start */
    if (src->format == QV_FORMAT_NONE)
        src->format = QV_FORMAT_RAW;
    return qv_chain_discover(src, error) && check_data_files(src, error);
}

static void
make_empty(QvDiskDef *disk)
{
    QvStartupPolicy keep = disk->startup_policy;

    qv_source_free(disk->src);
    disk->src = qv_source_new(QV_STORAGE_NONE);
    disk->has_source = false;
    disk->chain_given = false;
    disk->startup_policy = keep;
}

bool
qv_disks_prepare(QvDomainDef *def, QvStartReason reason, GPtrArray *dropped,
                 GError **error)
{
    size_t i = 0;

    while (i < def->ndisks) {
        QvDiskDef *disk = def->disks[i];
        g_autofree char *label = qv_disk_label(disk, i + 1);
        g_autoptr(GError) err = NULL;
        bool removable = disk->device == QV_DISK_DEVICE_CDROM ||
                         disk->device == QV_DISK_DEVICE_FLOPPY;
        bool drop;

        /* libvirt's default for a top image with no format (a local one
         * gets it in prepare_source): raw, never a guess */
        if (disk->has_source && disk->src->type == QV_STORAGE_NETWORK &&
            disk->src->format == QV_FORMAT_NONE)
            disk->src->format = QV_FORMAT_RAW;
        if (!disk->has_source ||
            prepare_source(disk->src, disk->chain_given, &err)) {
            i++;
            continue;
        }
        switch (disk->startup_policy) {
        case QV_STARTUP_DEFAULT:
        case QV_STARTUP_MANDATORY:
        case QV_STARTUP_LAST:
            drop = false;
            break;
        case QV_STARTUP_REQUISITE:
            drop = reason != QV_START_COLD;
            break;
        case QV_STARTUP_OPTIONAL:
            drop = true;
            break;
        }
        if (!drop || !g_error_matches(err, QV_ERROR, QV_ERR_NOT_FOUND)) {
            g_set_error(error, QV_ERROR, err->code, "%s: %s", label,
                        err->message);
            return false;
        }
        if (removable) {
            g_ptr_array_add(dropped, g_strdup_printf("%s started empty (startupPolicy '%s'): %s",
                            label, qv_startup_policy_to_string(disk->startup_policy),
                            err->message));
            make_empty(disk);
            i++;
            continue;
        }
        g_ptr_array_add(dropped, g_strdup_printf("%s dropped (startupPolicy '%s'): %s",
                        label, qv_startup_policy_to_string(disk->startup_policy),
                        err->message));
        qv_disk_def_free(disk);
        memmove(&def->disks[i], &def->disks[i + 1],
                (def->ndisks - i - 1) * sizeof(def->disks[0]));
        def->ndisks--;
    }
    return true;
}
