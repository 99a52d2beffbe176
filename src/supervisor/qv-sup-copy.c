/*
 * qv-sup-copy: the block copy request: the destination (created, or
 * reused and probed, with its chain per the flags), its nodes, and the
 * mirror job.  Its end is qv-sup-blockjob.c's, like every job's.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qvirt/qvirt.h"
#include "qemu/qv-blockdev.h"
#include "storage/qv-chain.h"
#include "util/qv-error.h"
#include "util/qv-json.h"
#include "storage/qv-probe.h"
#include "storage/qv-reader.h"
#include "supervisor/qv-supervisor-priv.h"

#define COPY_FLAGS (QVIRT_DOMAIN_BLOCK_COPY_SHALLOW | QVIRT_DOMAIN_BLOCK_COPY_REUSE_EXT | \
                    QVIRT_DOMAIN_BLOCK_COPY_TRANSIENT_JOB | QVIRT_DOMAIN_BLOCK_COPY_SYNCHRONOUS_WRITES)

/* ---- copy ---- */

static bool
run_qemu_img(char **argv, GError **error)
{
    g_autofree char *out = NULL;
    gint status = 0;

    if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                      NULL, NULL, NULL, &out, &status, error))
        return false;
    if (!g_spawn_check_wait_status(status, NULL)) {
        g_set_error(error, QV_ERROR, QV_ERR_IO, "qemu-img create failed: %s",
                    out ? g_strstrip(out) : "(no output)");
        return false;
    }
    return true;
}

/* A new qcow2/raw image at @path for @disk's data; @backing (may be NULL)
 * becomes its backing file */
bool
qv_sup_create_image(const char *path, QvFormat fmt, uint64_t size,
             const QvStorageSource *backing, GError **error)
{
    g_autofree char *sz = g_strdup_printf("%" G_GUINT64_FORMAT, size);
    const char *argv[16];
    int n = 0;

    argv[n++] = "qemu-img";
    argv[n++] = "create";
    argv[n++] = "-q";
    argv[n++] = "-f";
    argv[n++] = qv_format_to_string(fmt);
    if (backing) {
        argv[n++] = "-u";
        argv[n++] = "-b";
        argv[n++] = backing->path;
        argv[n++] = "-F";
        argv[n++] = qv_format_to_string(backing->format);
    }
    argv[n++] = path;
    argv[n++] = sz;
    argv[n] = NULL;
    if (!run_qemu_img((char **)argv, error)) {
        g_prefix_error(error, "cannot create '%s': ", path);
        return false;
    }
    return true;
}

/* A reader over the image at @path; *fd is closed by close_reader */
static QvReader *
open_reader(const char *path, int *fd, GError **error)
{
    struct stat st;

    if ((*fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(*fd, &st) < 0) {
        qv_error_set_errno(error, errno, "cannot read '%s'", path);
        if (*fd >= 0)
            close(*fd);
        return NULL;
    }
    return qv_reader_new_fd(*fd, (uint64_t)st.st_size, path);
}

static void
close_reader(QvReader *r, int fd)
{
    qv_reader_free(r);
    close(fd);
}

/* Capacity of @src from its header (QEMU has it open; reading is safe) */
bool
qv_sup_image_capacity(const QvStorageSource *src, uint64_t *size, GError **error)
{
    QvProbeInfo info = { 0 };
    QvReader *r;
    bool ok;
    int fd;

    if (src->capacity) {
        *size = src->capacity;
        return true;
    }
    if (!(r = open_reader(src->path, &fd, error)))
        return false;
    ok = qv_probe_image(r, src->format, &info, error);
    *size = info.capacity;
    qv_probe_info_clear(&info);
    close_reader(r, fd);
    return ok;
}

/* The format of an existing destination, from its header; raw when no
 * format matches (then it is never read for a backing file) */
QvFormat
qv_sup_probe_format(const char *path, GError **error)
{
    QvFormat fmt;
    int fd;
    QvReader *r = open_reader(path, &fd, error);

    if (!r) {
        g_prefix_error(error, "the destination: ");
        return QV_FORMAT_NONE;
    }
    fmt = qv_probe_guess_format(r, error);
    close_reader(r, fd);
    return fmt;
}

typedef struct {
    const char *path;
    const char *format;          /* NULL: the source's, or probed with reuse */
    bool block;                  /* a block device */
    bool raw;                    /* --raw: never probed */
} CopyDest;

/* The destination chain of a copy, per the flags (see the issue table) */
static QvStorageSource *
copy_destination(QvSupervisor *sup, QvDiskDef *disk, const CopyDest *d,
                 unsigned int flags, char **created, GError **error)
{
    bool shallow = flags & QVIRT_DOMAIN_BLOCK_COPY_SHALLOW;
    bool reuse = flags & QVIRT_DOMAIN_BLOCK_COPY_REUSE_EXT;
    QvStorageSource *top = disk->src;
    QvStorageSource *below = top->nbacking == 1 ? top->backing[0] : NULL;
    g_autoptr(QvStorageSource) dest = qv_source_new(d->block ? QV_STORAGE_BLOCK : QV_STORAGE_FILE);
    int fmt;

    if (reuse && !g_file_test(d->path, G_FILE_TEST_EXISTS)) {
        g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND,
                    "domain '%s': disk '%s': the destination '%s' does not exist (--reuse-external needs an existing file)",
                    sup->files->name, disk->dst, d->path);
        return NULL;
    }
    dest->path = g_strdup(d->path);
    if (d->raw) {
        fmt = QV_FORMAT_RAW;
    } else if (d->format) {
        if ((fmt = qv_format_from_string(d->format)) < 0 || fmt == QV_FORMAT_NONE) {
            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "unknown destination format '%s'", d->format);
            return NULL;
        }
    } else if (reuse) {
        if ((fmt = qv_sup_probe_format(d->path, error)) == QV_FORMAT_NONE)
            return NULL;
    } else {
        fmt = top->format;
    }
    dest->format = fmt;
    if (shallow && fmt == QV_FORMAT_RAW && below) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "domain '%s': disk '%s': a shallow copy to a raw destination needs a source without a backing file ('%s' has one); copy it whole or use a format that can have a backing file",
                    sup->files->name, disk->dst, top->path);
        return NULL;
    }
    if (!reuse && !d->block && g_file_test(d->path, G_FILE_TEST_EXISTS)) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "domain '%s': disk '%s': the destination '%s' exists already; use --reuse-external to copy into it",
                    sup->files->name, disk->dst, d->path);
        return NULL;
    }
    if (!reuse && !d->block) {
        uint64_t size = 0;

        if (!qv_sup_image_capacity(top, &size, error) ||
            !qv_sup_create_image(d->path, (QvFormat)fmt, size,
                          shallow && fmt != QV_FORMAT_RAW ? below : NULL, error))
            return NULL;
        *created = g_strdup(d->path);
    }
    if (shallow && below && !reuse) {
        /* the destination shares the source's backing chain: a copy of
         * those elements, same indexes, same nodes */
        QvStorageSource *chain = qv_source_copy(below);

        qv_source_add_backing(dest, &chain);
        dest->backing_known = true;
    } else if (shallow && reuse && fmt != QV_FORMAT_RAW) {
        /* the destination's own chain, read from its images: the recipe
         * for moving a whole chain to new storage */
        if (!qv_chain_discover(dest, error)) {
            g_prefix_error(error, "domain '%s': disk '%s': the destination's chain: ",
                           sup->files->name, disk->dst);
            return NULL;
        }
    } else {
        dest->backing_known = true;      /* "backing": null */
    }
    return g_steal_pointer(&dest);
}

static bool
parse_copy_dest(json_object *msg, CopyDest *d, GError **error)
{
    json_object *o = NULL;
    const char *type = NULL;

    if (!json_object_object_get_ex(msg, "dest", &o) ||
        !qv_json_require_string(o, "path", &d->path, error) ||
        !qv_json_get_string(o, "format", &d->format, error) ||
        !qv_json_get_string(o, "type", &type, error))
        return false;
    if (!d->path) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "block copy: no destination");
        return false;
    }
    d->block = g_strcmp0(type, "block") == 0;
    d->raw = g_strcmp0(d->format, "raw") == 0;
    return true;
}

void
qv_sup_do_copy(QvSupervisor *sup, QvCtlRequest *req, json_object *msg)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(json_object) props = NULL;
    g_autoptr(QvStorageSource) dest = NULL;
    g_autofree char *created = NULL;
    g_autofree char *src_node = NULL, *dst_node = NULL;
    QvStorageSource *elem = NULL, *stop = NULL;
    CopyDest d = { 0 };
    QvDiskDef *disk;
    QvSupJob *job;
    json_object *args;
    uint64_t flags = 0, v = 0;
    bool found = false;

    qv_json_get_uint64(msg, "flags", &flags, &found, NULL);
    if (!(disk = qv_sup_request_disk(sup, msg, &elem, true, &err)) ||
        !parse_copy_dest(msg, &d, &err))
        goto fail;
    if (flags & ~(uint64_t)COPY_FLAGS) {
        g_set_error(&err, QV_ERROR, QV_ERR_INVALID_ARG, "block copy: unsupported flags 0x%" G_GINT64_MODIFIER "x", flags & ~(uint64_t)COPY_FLAGS);
        goto fail;
    }
    if (elem != disk->src || disk->src->type == QV_STORAGE_QUORUM ||
        !qv_source_is_local(disk->src)) {
        g_set_error(&err, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "domain '%s': disk '%s': a copy starts from the disk's top image, a local file or block device",
                    sup->files->name, disk->dst);
        goto fail;
    }
    if (!(dest = copy_destination(sup, disk, &d, (unsigned int)flags, &created, &err)))
        goto fail;
    qv_source_tree_assign_indexes(dest, qv_domain_assign_indexes(sup->live, false));
    if (!(props = qv_blockdev_chain_props(disk, dest,
                                          (flags & QVIRT_DOMAIN_BLOCK_COPY_SHALLOW) &&
                                          !(flags & QVIRT_DOMAIN_BLOCK_COPY_REUSE_EXT) &&
                                          dest->nbacking ? dest->backing[0] : NULL,
                                          sup->qemu_cwd, &err)) ||
        !qv_sup_blockdev_add_all(sup, props, &err))
        goto fail_created;

    job = qv_sup_job_new(sup, disk, QVIRT_DOMAIN_BLOCK_JOB_TYPE_COPY, (unsigned int)flags);
    job->created = g_strdup(created);
    if ((flags & QVIRT_DOMAIN_BLOCK_COPY_SHALLOW) && !(flags & QVIRT_DOMAIN_BLOCK_COPY_REUSE_EXT) &&
        dest->nbacking)
        job->stop = dest->backing[0]->index;
    src_node = qv_sup_fmt_node(disk, disk->src);
    dst_node = qv_sup_fmt_node(disk, dest);
    args = json_object_new_object();
    json_object_object_add(args, "device", json_object_new_string(src_node));
    json_object_object_add(args, "target", json_object_new_string(dst_node));
    json_object_object_add(args, "sync", json_object_new_string(
        flags & QVIRT_DOMAIN_BLOCK_COPY_SHALLOW ? "top" : "full"));
    qv_sup_add_speed(args, msg);
    if (qv_json_get_uint64(msg, "granularity", &v, &found, NULL) && found && v)
        json_object_object_add(args, "granularity", json_object_new_int64((int64_t)v));
    if (qv_json_get_uint64(msg, "buf-size", &v, &found, NULL) && found && v)
        json_object_object_add(args, "buf-size", json_object_new_int64((int64_t)v));
    if (flags & QVIRT_DOMAIN_BLOCK_COPY_SYNCHRONOUS_WRITES)
        json_object_object_add(args, "copy-mode", json_object_new_string("write-blocking"));
    /* the destination is the disk's <mirror> from now on */
    disk->mirror = g_new0(QvDiskMirror, 1);
    disk->mirror->job = QV_MIRROR_JOB_COPY;
    disk->mirror->src = g_steal_pointer(&dest);
    stop = job->stop ? qv_source_find_index(disk->mirror->src, job->stop) : NULL;
    if (!qv_sup_save_status(sup, &err) ||
        !qv_sup_job_start(sup, job, "blockdev-mirror", args, &err)) {
        g_autoptr(json_object) names = qv_blockdev_del_list(disk, disk->mirror->src, stop);

        qv_sup_blockdev_del_all(sup, names);
        g_clear_pointer(&disk->mirror, qv_disk_mirror_free);
        qv_sup_save_status(sup, NULL);
        goto fail_created;
    }
    qv_ctl_reply(req, NULL);
    return;

 fail_created:
    if (created)
        unlink(created);
 fail:
    g_prefix_error(&err, "block copy: ");
    qv_sup_reply_error(req, err);
}

