/*
 * qv-sup-copy: the copy job (QEMU's blockdev-mirror): the destination
 * (created, or reused and probed, with its chain per the flags), its
 * nodes, the mirror until ready, and at the end the pivot to the
 * destination or its removal.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "qvirt/qvirt.h"
#include "qemu/qv-blockdev.h"
#include "storage/qv-chain.h"
#include "storage/qv-image.h"
#include "util/qv-error.h"
#include "util/qv-json-build.h"
#include "util/qv-json.h"
#include "supervisor/qv-supervisor-priv.h"

/*
 * The destination chain of a copy.  SHALLOW: only the top is copied and
 * the destination backs onto the source's chain (created) or onto its
 * own chain read from its images (REUSE_EXT); otherwise the copy is
 * whole and has no backing store.  REUSE_EXT: the file exists and its
 * format is probed unless given (a given one, raw included, is never
 * probed).  The request's dest-path, dest-format and dest-block describe it.
 */
static QvStorageSource *
copy_destination(QvSupervisor *sup, QvDiskDef *disk, const QvCtlArgs *d,
                 char **created, GError **error)
{
    unsigned int flags = d->flags;
    bool shallow = flags & QVIRT_DOMAIN_BLOCK_COPY_SHALLOW;
    bool reuse = flags & QVIRT_DOMAIN_BLOCK_COPY_REUSE_EXT;
    QvStorageSource *top = disk->src;
    QvStorageSource *below = top->nbacking == 1 ? top->backing[0] : NULL;
    g_autoptr(QvStorageSource) dest = qv_source_new(d->dest_block ? QV_STORAGE_BLOCK : QV_STORAGE_FILE);
    int fmt;

    if (reuse && !g_file_test(d->dest_path, G_FILE_TEST_EXISTS)) {
        g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND,
                    "domain '%s': disk '%s': the destination '%s' does not exist (--reuse-external needs an existing file)",
                    sup->files->name, disk->dst, d->dest_path);
        return NULL;
    }
    dest->path = g_strdup(d->dest_path);
    if (d->dest_format) {
        if ((fmt = qv_format_from_string(d->dest_format)) < 0 || fmt == QV_FORMAT_NONE) {
            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "unknown destination format '%s'", d->dest_format);
            return NULL;
        }
    } else if (reuse) {
        if ((fmt = qv_image_probe_format(d->dest_path, error)) == QV_FORMAT_NONE) {
            g_prefix_error(error, "the destination: ");
            return NULL;
        }
    } else if (top->type == QV_STORAGE_QUORUM) {
        /* a quorum has no image format: its copy is raw unless asked */
        fmt = QV_FORMAT_RAW;
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
    if (!reuse && !d->dest_block && g_file_test(d->dest_path, G_FILE_TEST_EXISTS)) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "domain '%s': disk '%s': the destination '%s' exists already; use --reuse-external to copy into it",
                    sup->files->name, disk->dst, d->dest_path);
        return NULL;
    }
    if (!reuse && !d->dest_block) {
        uint64_t size = 0;

        if (!qv_sup_disk_capacity(sup, disk, &size, error) ||
            !qv_image_create(d->dest_path, (QvFormat)fmt, size,
                             shallow && fmt != QV_FORMAT_RAW ? below : NULL, error))
            return NULL;
        *created = g_strdup(d->dest_path);
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

/* The destination's nodes (a shallow copy shares the source's chain
 * below the top: those nodes exist already) */
static bool
add_destination(QvSupervisor *sup, QvDiskDef *disk, QvStorageSource *dest,
                unsigned int flags, GError **error)
{
    g_autoptr(json_object) props = NULL;
    bool shares = (flags & QVIRT_DOMAIN_BLOCK_COPY_SHALLOW) &&
                  !(flags & QVIRT_DOMAIN_BLOCK_COPY_REUSE_EXT) && dest->nbacking;

    return (props = qv_blockdev_chain_props(disk, dest, shares ? dest->backing[0] : NULL,
                                            sup->qemu_cwd, error)) &&
           qv_sup_blockdev_add_all(sup, props, error);
}

static json_object *
mirror_args(QvSupCall *call, QvStorageSource *dest, GError **error)
{
    const QvCtlArgs *a = call->args;
    g_autofree char *src_node = qv_sup_fmt_node(call->disk, call->disk->src);
    g_autofree char *dst_node = qv_sup_fmt_node(call->disk, dest);

    return qv_json_new(error, "s:device", src_node, "s:target", dst_node,
                       "s:sync", a->flags & QVIRT_DOMAIN_BLOCK_COPY_SHALLOW ? "top" : "full",
                       "U:speed", a->bandwidth, "U:granularity", a->granularity,
                       "U:buf-size", a->buf_size,
                       "S:copy-mode", a->flags & QVIRT_DOMAIN_BLOCK_COPY_SYNCHRONOUS_WRITES ?
                                      "write-blocking" : NULL, NULL);
}

void
qv_sup_do_copy(QvSupCall *call)
{
    QvSupervisor *sup = call->sup;
    QvDiskDef *disk = call->disk;
    unsigned int flags = call->args->flags;
    g_autoptr(GError) err = NULL;
    g_autoptr(json_object) args = NULL;
    g_autoptr(QvStorageSource) dest = NULL;
    QvSupJob *job;

    if (call->elem == disk->src && disk->src->type == QV_STORAGE_QUORUM &&
        (flags & QVIRT_DOMAIN_BLOCK_COPY_SHALLOW)) {
        g_set_error(&err, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "domain '%s': disk '%s' is a quorum: a shallow copy keeps the backing chain below the top image, and a quorum has none (its children are not a chain); copy it whole (without --shallow), which reads it through the vote",
                    sup->files->name, disk->dst);
        goto fail;
    }
    if (call->elem != disk->src ||
        (disk->src->type != QV_STORAGE_QUORUM && !qv_source_is_local(disk->src))) {
        g_set_error(&err, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "domain '%s': disk '%s': a copy starts from the disk's top image, a local file or block device",
                    sup->files->name, disk->dst);
        goto fail;
    }
    /* registered before the first QMP call (they let other requests in):
     * from now on the disk is busy, and a failure abandons the job */
    job = qv_sup_job_new(sup, disk, QVIRT_DOMAIN_BLOCK_JOB_TYPE_COPY, flags);
    if (!(dest = copy_destination(sup, disk, call->args, &job->created, &err)))
        goto abandon;
    qv_source_tree_assign_indexes(dest, qv_domain_assign_indexes(sup->live, false));
    if (!(args = mirror_args(call, dest, &err)))
        goto abandon;
    {
        /* locked before QEMU opens it to write, and kept locked by
         * every sync until it is the disk's <mirror> */
        g_autoptr(GPtrArray) extra = qv_lock_wants_for_source(disk, dest);

        qv_sup_locks_extra_add(sup, extra);
        if (!qv_sup_locks_sync(sup, extra, &err))
            goto abandon;
    }
    if (!add_destination(sup, disk, dest, flags, &err))
        goto abandon;
    if ((flags & QVIRT_DOMAIN_BLOCK_COPY_SHALLOW) && !(flags & QVIRT_DOMAIN_BLOCK_COPY_REUSE_EXT) &&
        dest->nbacking)
        job->stop = dest->backing[0]->index;
    /* the destination is the disk's <mirror> from now on */
    disk->mirror = g_new0(QvDiskMirror, 1);
    disk->mirror->job = QV_MIRROR_JOB_COPY;
    disk->mirror->src = g_steal_pointer(&dest);
    qv_sup_locks_extra_done(sup);
    qv_sup_job_launch(call, job, "blockdev-mirror", &args);
    return;
 abandon:
    qv_sup_locks_extra_done(sup);
    qv_sup_job_abandon(sup, job);
 fail:
    qv_sup_call_fail(call, err);
}

/* The destination's nodes leave QEMU, its file too if qvirt made it */
static void
copy_abandon(QvSupervisor *sup, QvSupJob *job, QvDiskDef *disk)
{
    QvStorageSource *dest = disk->mirror ? disk->mirror->src : NULL;

    if (dest)
        qv_sup_blockdev_del_chain(sup, disk, dest,
                                  job->stop ? qv_source_find_index(dest, job->stop) : NULL);
    g_clear_pointer(&disk->mirror, qv_disk_mirror_free);
    if (job->created && unlink(job->created) < 0 && errno != ENOENT)
        g_printerr("domain '%s': cannot remove '%s': %s\n", sup->files->name, job->created,
                   g_strerror(errno));
}

/* A pivot makes the destination the disk's chain (and, unless the job
 * is transient, the persistent definition's); otherwise it goes */
static void
copy_finish(QvSupervisor *sup, QvSupJob *job, QvDiskDef *disk, bool ok)
{
    QvStorageSource *dest = disk->mirror ? disk->mirror->src : NULL;
    QvStorageSource *old = disk->src;

    if (!dest)
        return;
    if (!ok || !job->pivot) {
        qv_sup_blockdev_del_chain(sup, disk, dest,
                                  job->stop ? qv_source_find_index(dest, job->stop) : NULL);
        g_clear_pointer(&disk->mirror, qv_disk_mirror_free);
        return;
    }
    qv_sup_blockdev_del_chain(sup, disk, old,
                              job->stop ? qv_source_find_index(old, job->stop) : NULL);
    disk->src = dest;
    disk->mirror->src = NULL;
    qv_source_free(old);
    g_clear_pointer(&disk->mirror, qv_disk_mirror_free);
    if (!(job->flags & QVIRT_DOMAIN_BLOCK_COPY_TRANSIENT_JOB))
        qv_sup_update_definition(sup, disk);
}

const QvSupJobDriver qv_sup_copy_driver = {
    .type = QVIRT_DOMAIN_BLOCK_JOB_TYPE_COPY,
    .can_pivot = true,
    .finish = copy_finish,
    .abandon = copy_abandon,
};
