/*
 * qv-sup-commit: commit jobs (QEMU's block-commit).  A commit of an upper
 * part of the chain writes the layers from a top down to a base into
 * the base, which becomes the backing store of the top's overlay; an
 * active commit does it for the disk's top and mirrors writes until a
 * pivot makes the base the disk's top (or the overlay is kept).  The
 * base, and the overlay whose backing name changes, are reopened
 * read-write for the job and read-only after it.
 */
#include "qemu/qv-blockdev.h"
#include "util/qv-error.h"
#include "util/qv-json-build.h"
#include "util/qv-json.h"
#include "supervisor/qv-supervisor-priv.h"

#include <errno.h>
#include <unistd.h>

/* The top and base of the commit @call asks for, checked */
static bool
commit_range(QvSupCall *call, QvStorageSource **topp, QvStorageSource **basep, GError **error)
{
    QvSupervisor *sup = call->sup;
    QvDiskDef *disk = call->disk;
    const char *name = sup->files->name;
    unsigned int flags = call->args->flags;
    QvStorageSource *top = NULL, *base = NULL;

    if (!qv_sup_chain_element(sup, disk, call->args->top, &top, error) ||
        !qv_sup_chain_element(sup, disk, call->args->base, &base, error))
        return false;
    if (disk->src->type == QV_STORAGE_QUORUM) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED, "domain '%s': disk '%s' is a quorum: QEMU commits only in the chain of a root node, and a quorum child's chain has the quorum above it; 'qvirt blockpull %s CHILD-TOP' flattens a child's chain instead (it streams the layers below into the child's top)", name, disk->dst, name);
        return false;
    }
    if (!top)
        top = disk->src;
    if (top == disk->src && !(flags & QVIRT_DOMAIN_BLOCK_COMMIT_ACTIVE)) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "domain '%s': disk '%s': the top '%s' is the active layer: committing it needs --active", name, disk->dst, top->path ? top->path : disk->dst);
        return false;
    }
    if (top != disk->src && !qv_source_chain_has(disk->src, top)) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "domain '%s': disk '%s': '%s' is not in the disk's chain", name, disk->dst, top->path ? top->path : "?");
        return false;
    }
    if (top->nbacking != 1 || !top->backing[0]) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "domain '%s': disk '%s': '%s' has no backing file to commit into", name, disk->dst, top->path ? top->path : "?");
        return false;
    }
    if (!base)
        base = (flags & QVIRT_DOMAIN_BLOCK_COMMIT_SHALLOW) ? top->backing[0] : qv_source_chain_bottom(top);
    if (!qv_source_chain_has(top, base)) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "domain '%s': disk '%s': the base '%s' is not below the top '%s'", name, disk->dst, base->path ? base->path : "?", top->path ? top->path : "?");
        return false;
    }
    if ((flags & QVIRT_DOMAIN_BLOCK_COMMIT_SHALLOW) && base != top->backing[0]) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "domain '%s': disk '%s': --shallow commits into the image right below the top; the base given is further down", name, disk->dst);
        return false;
    }
    *topp = top;
    *basep = base;
    return true;
}

static json_object *
commit_args(QvSupCall *call, QvStorageSource *top, QvStorageSource *base, QvStorageSource *over,
            GError **error)
{
    QvDiskDef *disk = call->disk;
    g_autofree char *root = qv_sup_fmt_node(disk, disk->src);
    g_autofree char *tnode = qv_sup_fmt_node(disk, top);
    g_autofree char *bnode = qv_sup_fmt_node(disk, base);
    g_autofree char *bstr = over ? qv_source_backing_string(over, base, call->args->flags &
                                                            QVIRT_DOMAIN_BLOCK_COMMIT_RELATIVE) : NULL;

    return qv_json_new(error, "s:device", root, "s:top-node", tnode, "s:base-node", bnode,
                       "S:backing-file", bstr, "U:speed", call->args->bandwidth, NULL);
}

void
qv_sup_do_commit(QvSupCall *call)
{
    QvSupervisor *sup = call->sup;
    QvDiskDef *disk = call->disk;
    g_autoptr(GError) err = NULL;
    g_autoptr(json_object) args = NULL;
    QvStorageSource *top = NULL, *base = NULL, *over = NULL;
    QvSupJob *job;
    bool active;

    if (!commit_range(call, &top, &base, &err))
        goto fail;
    active = top == disk->src;
    over = active ? NULL : qv_source_find_parent(disk->src, top, NULL);
    if (!(args = commit_args(call, top, base, over, &err)))
        goto fail;
    job = qv_sup_job_new(sup, disk, active ? QVIRT_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT
                                           : QVIRT_DOMAIN_BLOCK_JOB_TYPE_COMMIT,
                         call->args->flags);
    job->top = top->index;
    job->base = base->index;
    if (active) {
        /* the base is the disk's <mirror> while the job runs */
        disk->mirror = g_new0(QvDiskMirror, 1);
        disk->mirror->job = QV_MIRROR_JOB_ACTIVE_COMMIT;
        disk->mirror->src = qv_source_copy(base);
    }
    /* the base is written: locked (exclusive) before it is reopened */
    if (!qv_sup_locks_sync(sup, NULL, &err) ||
        !qv_sup_reopen(sup, disk, base, false, &err) ||
        (over && over != disk->src && !qv_sup_reopen(sup, disk, over, false, &err))) {
        qv_sup_job_abandon(sup, job);
        goto fail;
    }
    qv_sup_job_launch(call, job, "block-commit", &args);
    return;
 fail:
    qv_sup_call_fail(call, err);
}

static void
unlink_chain(QvStorageSource *top)
{
    for (QvStorageSource *s = top; s;) {
        if (s->path && s->type == QV_STORAGE_FILE && unlink(s->path) < 0)
            g_printerr("cannot delete '%s': %s\n", s->path, g_strerror(errno));
        s = s->nbacking == 1 ? s->backing[0] : NULL;
    }
}

static void
reopen_ro_quietly(QvSupervisor *sup, QvDiskDef *disk, QvStorageSource *src)
{
    g_autoptr(GError) err = NULL;

    if (!qv_sup_reopen(sup, disk, src, true, &err))
        g_printerr("domain '%s': cannot make '%s' read-only again: %s\n",
                   sup->files->name, src->path ? src->path : disk->dst, err->message);
}

/* The images the job wrote to are backing layers again (the live chain
 * says how QEMU links them now): read-only; no more <mirror> */
static void
commit_restore(QvSupervisor *sup, QvDiskDef *disk, QvStorageSource *base, QvStorageSource *over)
{
    g_clear_pointer(&disk->mirror, qv_disk_mirror_free);
    if (base && base != disk->src)
        reopen_ro_quietly(sup, disk, base);
    if (over && over != disk->src)
        reopen_ro_quietly(sup, disk, over);
}

static void
commit_abandon(QvSupervisor *sup, QvSupJob *job, QvDiskDef *disk)
{
    QvStorageSource *top = qv_disk_find_index(disk, job->top);

    commit_restore(sup, disk, qv_disk_find_index(disk, job->base),
                   top ? qv_source_find_parent(disk->src, top, NULL) : NULL);
}

static void
commit_finish(QvSupervisor *sup, QvSupJob *job, QvDiskDef *disk, bool ok)
{
    QvStorageSource *top = qv_disk_find_index(disk, job->top);
    QvStorageSource *base = qv_disk_find_index(disk, job->base);
    bool active = job->type == QVIRT_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT;
    size_t slot = 0;
    QvStorageSource *over = active || !top ? NULL : qv_source_find_parent(disk->src, top, &slot);

    if (ok && top && base && (!active || job->pivot)) {
        qv_source_cut_above(top, base);
        if (over)
            over->backing[slot] = base;
        else
            disk->src = base;
        qv_sup_blockdev_del_chain(sup, disk, top, NULL);
        if (job->flags & QVIRT_DOMAIN_BLOCK_COMMIT_DELETE)
            unlink_chain(top);
        qv_source_free(top);
        qv_sup_update_definition(sup, disk);
    }
    commit_restore(sup, disk, base, over);
}

const QvSupJobDriver qv_sup_commit_driver = {
    .type = QVIRT_DOMAIN_BLOCK_JOB_TYPE_COMMIT,
    .can_pivot = false,
    .finish = commit_finish,
    .abandon = commit_abandon,
};

const QvSupJobDriver qv_sup_active_commit_driver = {
    .type = QVIRT_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT,
    .can_pivot = true,
    .finish = commit_finish,
    .abandon = commit_abandon,
};
