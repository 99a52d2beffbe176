/*
 * qv-sup-pull: the pull job (QEMU's block-stream): the layers between
 * the disk's top and a base (or the whole chain) are copied into the top,
 * which then backs onto the base directly; at the end those layers leave
 * the live chain, QEMU and the persistent definition.
 */
#include "qemu/qv-blockdev.h"
#include "util/qv-error.h"
#include "util/qv-json-build.h"
#include "util/qv-json.h"
#include "supervisor/qv-supervisor-priv.h"

void
qv_sup_do_pull(QvSupCall *call)
{
    QvSupervisor *sup = call->sup;
    QvDiskDef *disk = call->disk;
    const char *name = sup->files->name;
    g_autoptr(GError) err = NULL;
    g_autoptr(json_object) args = NULL;
    g_autofree char *top_node = NULL, *bnode = NULL, *bstr = NULL;
    QvStorageSource *base = NULL;
    /* the disk's top, or a quorum child's top that DISK names */
    QvStorageSource *root = qv_sup_chain_root(disk, call->elem);
    QvSupJob *job;

    if (!qv_sup_chain_element(sup, disk, call->args->base, &base, &err))
        goto fail;
    if (!root || call->elem != root) {
        g_set_error(&err, QV_ERROR, QV_ERR_UNSUPPORTED, "domain '%s': disk '%s': a pull streams into the disk's top image%s", name, disk->dst, disk->src->type == QV_STORAGE_QUORUM ? " (in a quorum: a child's top image, named by its path or vdb[N])" : "");
        goto fail;
    }
    if (base && !qv_source_chain_has(root, base)) {
        g_set_error(&err, QV_ERROR, QV_ERR_INVALID_ARG, "domain '%s': disk '%s': the base '%s' is not below the top of the chain", name, disk->dst, base->path ? base->path : "?");
        goto fail;
    }
    if (root->nbacking == 0 || base == root->backing[0]) {
        g_set_error(&err, QV_ERROR, QV_ERR_INVALID_ARG, "domain '%s': disk '%s': nothing to pull: the top image has no backing file%s", name, disk->dst, base ? " above the base" : "");
        goto fail;
    }
    top_node = qv_sup_fmt_node(disk, root);
    if (base) {
        bnode = qv_sup_fmt_node(disk, base);
        bstr = qv_source_backing_string(root, base,
                                        call->args->flags & QVIRT_DOMAIN_BLOCK_REBASE_RELATIVE);
    }
    if (!(args = qv_json_new(&err, "s:device", top_node, "S:base-node", bnode,
                             "S:backing-file", bstr, "U:speed", call->args->bandwidth, NULL)))
        goto fail;
    job = qv_sup_job_new(sup, disk, QVIRT_DOMAIN_BLOCK_JOB_TYPE_PULL, call->args->flags);
    job->top = root->index;
    job->base = base ? base->index : 0;
    qv_sup_job_launch(call, job, "block-stream", &args);
    return;
 fail:
    qv_sup_call_fail(call, err);
}

/* The layers between the top and the base leave the chain */
static void
pull_finish(QvSupervisor *sup, QvSupJob *job, QvDiskDef *disk, bool ok)
{
    QvStorageSource *top = qv_disk_find_index(disk, job->top);
    QvStorageSource *base = job->base ? qv_disk_find_index(disk, job->base) : NULL;
    QvStorageSource *gone;

    if (!ok || !top || top->nbacking != 1)
        return;
    gone = qv_source_cut_above(top->backing[0], base);
    top->backing[0] = base;
    if (!base)
        top->nbacking = 0;
    top->backing_known = true;
    qv_sup_blockdev_del_chain(sup, disk, gone, NULL);
    qv_source_free(gone);
    qv_sup_update_definition(sup, disk);
}

const QvSupJobDriver qv_sup_pull_driver = {
    .type = QVIRT_DOMAIN_BLOCK_JOB_TYPE_PULL,
    .can_pivot = false,
    .finish = pull_finish,
    .abandon = NULL,
};
