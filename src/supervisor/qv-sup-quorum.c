/*
 * qv-sup-quorum: a running quorum's children added, removed, replaced,
 * and the quorum scrubbed (research note live-disks §2).
 *
 * Add never lets a child with stale data vote: its chain is added
 * (leases first), filled from the quorum by a mirror (job quorum-add);
 * once ready the guest is stopped, the mirror cancelled (a ready mirror
 * ends without a pivot), the child joins with x-blockdev-change and the
 * guest continues.  Replace is the live repair: a mirror from the quorum
 * with "replaces" the old child's top node, completed once ready (job
 * quorum-replace); the old child's nodes then go and its lease.  Remove
 * takes the child out by its edge name, which QEMU numbers from an
 * append-only counter and only x-debug-query-block-graph tells.  Scrub
 * reads the whole quorum through the vote into a null-co node (job
 * quorum-scrub); qv-sup-health.c collects the bad ranges meanwhile.
 *
 * While a child fills or is rebuilt it is the disk's <mirror> in the
 * status document, so its lease is wanted and a new supervisor finds it;
 * the jobs file records the quorum (top) and the old child (base).
 */
#include <string.h>

#include "conf/qv-domain-xml.h"
#include "qemu/qv-blockdev.h"
#include "qemu/qv-disk-prepare.h"
#include "storage/qv-image.h"
#include "storage/qv-source-tree.h"
#include "util/qv-error.h"
#include "util/qv-json-build.h"
#include "util/qv-json.h"
#include "supervisor/qv-sup-quorum.h"

#define NAME(sup) ((sup)->files->name)

/* The quorum the request names: the element given, or the disk's top */
static QvStorageSource *
quorum_of(QvSupCall *call, GError **error)
{
    if (call->elem && call->elem->type == QV_STORAGE_QUORUM)
        return call->elem;
    if (call->elem == call->disk->src && call->disk->src->type == QV_STORAGE_QUORUM)
        return call->disk->src;
    g_set_error(error, QV_ERROR, QV_ERR_OPERATION_INVALID,
                "domain '%s': disk '%s' is not a quorum", NAME(call->sup), call->disk->dst);
    return NULL;
}

static QvStorageSource *
quorum_by_index(QvSupervisor *sup, QvSupJob *job, QvDiskDef *disk)
{
    QvStorageSource *q = qv_source_find_index(disk->src, job->top);

    return q && q->type == QV_STORAGE_QUORUM ? q : NULL;
}

/* The child @spec names: its position ("0", "1", ...), an element index
 * (vdb[N]) or a path anywhere in its chain */
static bool
child_position(QvSupCall *call, QvStorageSource *q, const char *spec, size_t *pos,
               GError **error)
{
    QvStorageSource *elem;
    char *end = NULL;
    guint64 n;

    if (!spec) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "name the child (its position, vdb[N] or a path)");
        return false;
    }
    n = g_ascii_strtoull(spec, &end, 10);
    if (*spec && end && !*end) {
        if (n >= q->nbacking) {
            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                        "domain '%s': quorum '%s' has %zu children (positions 0 to %zu); there is no child %s",
                        NAME(call->sup), call->disk->dst, q->nbacking, q->nbacking - 1, spec);
            return false;
        }
        *pos = (size_t)n;
        return true;
    }
    if (!(elem = qv_disk_lookup_element(call->sup->live, call->disk, spec, error)))
        return false;
    for (size_t i = 0; i < q->nbacking; i++) {
        if (qv_source_find_index(q->backing[i], elem->index)) {
            *pos = i;
            return true;
        }
    }
    g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                "domain '%s': '%s' is not in a child of quorum '%s'", NAME(call->sup), spec,
                call->disk->dst);
    return false;
}

/* The new child from its <backingStore> XML: parsed as a one-child
 * quorum of this disk, its chain discovered unless given, a format that
 * was not given probed (and anything but raw refused: qvirt never
 * guesses a format), its indexes the next free ones */
static QvStorageSource *
new_child(QvSupCall *call, GError **error)
{
    QvSupervisor *sup = call->sup;
    g_autofree char *xml = NULL;
    g_autoptr(QvDomainDef) one = qv_domain_def_new();
    g_autoptr(GPtrArray) dropped = g_ptr_array_new_with_free_func(g_free);
    QvDiskDef *tmp;
    QvStorageSource *child;

    if (!call->args->xml) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "the new child's XML is missing");
        return NULL;
    }
    xml = g_strdup_printf("<disk type='quorum' device='disk'><driver name='qemu' type='quorum'/>"
                          "<threshold value='1'/>%s<target dev='%s'/></disk>",
                          call->args->xml, call->disk->dst);
    if (!(tmp = qv_disk_parse_xml(xml, "the child's XML", 0, error)))
        return NULL;
    qv_domain_add_disk(one, &tmp);
    tmp = one->disks[0];
    if (tmp->src->nbacking != 1) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "the child's XML must be one <backingStore> element");
        return NULL;
    }
    child = tmp->src->backing[0];
    if (child->format == QV_FORMAT_NONE && qv_source_is_local(child) && child->path &&
        child->nbacking == 0) {
        QvFormat f = qv_image_probe_format(child->path, error);

        if (f == QV_FORMAT_NONE)
            return NULL;
        if (f != QV_FORMAT_RAW) {
            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                        "'%s' looks like a %s image: give its format (--format %s); qvirt never guesses one",
                        child->path, qv_format_to_string(f), qv_format_to_string(f));
            return NULL;
        }
        child->format = QV_FORMAT_RAW;
    }
    if (!qv_disks_prepare(one, QV_START_COLD, dropped, error))
        return NULL;
    child = tmp->src->backing[0];
    tmp->src->backing[0] = NULL;
    tmp->src->nbacking = 0;
    qv_source_tree_assign_indexes(child, qv_domain_assign_indexes(sup->live, false));
    return child;
}

/* ---- info ---- */

static json_object *
child_json(QvSupervisor *sup, QvDiskDef *disk, QvStorageSource *c, size_t pos,
           json_object *kids)
{
    g_autofree char *node = qv_sup_fmt_node(disk, c);
    g_autofree char *src = c->type == QV_STORAGE_QUORUM ? g_strdup("(quorum)") : qv_source_describe(c);
    json_object *o = json_object_new_object(), *h = NULL;

    json_object_object_add(o, "position", json_object_new_int64((gint64)pos));
    json_object_object_add(o, "index", json_object_new_int64(c->index));
    json_object_object_add(o, "node", json_object_new_string(node));
    json_object_object_add(o, "source", json_object_new_string(src ? src : ""));
    json_object_object_add(o, "format", json_object_new_string(c->type == QV_STORAGE_QUORUM ?
                                                               "quorum" : qv_format_to_string(c->format)));
    json_object_object_add(o, "depth", json_object_new_int64((gint64)qv_source_count(c)));
    if (kids && json_object_object_get_ex(kids, node, &h))
        json_object_object_add(o, "health", json_object_get(h));
    return o;
}

static void
do_info(QvSupCall *call, QvStorageSource *q)
{
    QvSupervisor *sup = call->sup;
    QvDiskDef *disk = call->disk;
    json_object *d = qv_sup_health_disk(sup, disk->dst, false), *kids = NULL, *v = NULL;
    json_object *out = json_object_new_object(), *list = json_object_new_array();
    g_autofree char *qnode = qv_sup_fmt_node(disk, q);
    QvSupJob *job = qv_sup_job_find(sup, disk->dst);

    if (d)
        json_object_object_get_ex(d, "children", &kids);
    json_object_object_add(out, "disk", json_object_new_string(disk->dst));
    json_object_object_add(out, "index", json_object_new_int64(q->index));
    json_object_object_add(out, "node", json_object_new_string(qnode));
    json_object_object_add(out, "threshold", json_object_new_int64(q->threshold));
    for (size_t i = 0; i < q->nbacking; i++)
        json_object_array_add(list, child_json(sup, disk, q->backing[i], i, kids));
    json_object_object_add(out, "children", list);
    if (d && json_object_object_get_ex(d, "error", &v))
        json_object_object_add(out, "error", json_object_get(v));
    if (d && json_object_object_get_ex(d, "scrub", &v))
        json_object_object_add(out, "scrub", json_object_get(v));
    if (job) {
        json_object *j = json_object_new_object();

        json_object_object_add(j, "type", json_object_new_string(qv_job_type_to_string(job->type)));
        json_object_object_add(j, "id", json_object_new_string(job->id));
        json_object_object_add(out, "job", j);
    }
    qv_ctl_reply(call->req, out);
}

/* "virtual-size" or "actual-size" of node @name in @nodes, or 0 */
static uint64_t
node_size(json_object *nodes, const char *name, const char *key)
{
    for (size_t i = 0; nodes && i < json_object_array_length(nodes); i++) {
        json_object *n = json_object_array_get_idx(nodes, i), *img = NULL;
        uint64_t v = 0;
        bool found = false;

        if (g_strcmp0(json_object_get_string(json_object_object_get(n, "node-name")), name) == 0 &&
            json_object_object_get_ex(n, "image", &img) &&
            qv_json_get_uint64(img, key, &v, &found, NULL) && found)
            return v;
    }
    return 0;
}

static void
quorum_sizes(const QvDiskDef *disk, const QvStorageSource *q, json_object *nodes,
             uint64_t *alloc, uint64_t *phys)
{
    for (size_t i = 0; i < q->nbacking; i++) {
        const QvStorageSource *c = q->backing[i];
        g_autofree char *fmt = qv_blockdev_node_name(disk->dst, c->index, true);
        g_autofree char *proto = qv_blockdev_node_name(disk->dst, c->index, false);

        if (c->type == QV_STORAGE_QUORUM) {
            quorum_sizes(disk, c, nodes, alloc, phys);
            continue;
        }
        *alloc += node_size(nodes, fmt, "actual-size");
        *phys += node_size(nodes, proto, "virtual-size");
    }
}

void
qv_sup_quorum_blkinfo(const QvDiskDef *disk, json_object *nodes, json_object *out)
{
    uint64_t alloc = 0, phys = 0;

    quorum_sizes(disk, disk->src, nodes, &alloc, &phys);
    json_object_object_add(out, "allocation", json_object_new_uint64(alloc));
    json_object_object_add(out, "physical", json_object_new_uint64(phys));
}

/* ---- jobs that fill a new child: add, replace ---- */

/* Leases, then nodes; the child becomes the disk's <mirror> */
static bool
open_child(QvSupervisor *sup, QvDiskDef *disk, QvStorageSource **child, GError **error)
{
    g_autoptr(GPtrArray) wants = qv_lock_wants_for_source(disk, *child);
    g_autoptr(json_object) props = NULL;
    bool ok;

    qv_sup_locks_extra_add(sup, wants);
    ok = qv_sup_locks_sync(sup, wants, error) &&
         (props = qv_blockdev_chain_props(disk, *child, NULL, sup->qemu_cwd, error)) &&
         qv_sup_blockdev_add_all(sup, props, error);
    if (ok) {
        disk->mirror = g_new0(QvDiskMirror, 1);
        disk->mirror->job = QV_MIRROR_JOB_COPY;
        disk->mirror->src = g_steal_pointer(child);
    }
    qv_sup_locks_extra_done(sup);
    if (!ok)
        qv_sup_locks_sync(sup, NULL, NULL);
    return ok;
}

static void
start_fill(QvSupCall *call, QvStorageSource *q, int type, QvStorageSource *old)
{
    QvSupervisor *sup = call->sup;
    QvDiskDef *disk = call->disk;
    g_autoptr(GError) err = NULL;
    g_autoptr(QvStorageSource) child = NULL;
    g_autofree char *qnode = qv_sup_fmt_node(disk, q);
    g_autofree char *target = NULL;
    g_autofree char *oldnode = old ? qv_sup_fmt_node(disk, old) : NULL;
    json_object *args = NULL;
    QvSupJob *job;

    if (!(child = new_child(call, &err))) {
        qv_sup_call_fail(call, g_steal_pointer(&err));
        return;
    }
    target = qv_sup_fmt_node(disk, child);
    job = qv_sup_job_new(sup, disk, type, 0);
    job->top = q->index;
    job->base = old ? old->index : 0;
    if (!open_child(sup, disk, &child, &err)) {
        g_prefix_error(&err, "domain '%s': disk '%s': the new child: ", NAME(sup), disk->dst);
        qv_sup_job_abandon(sup, job);
        qv_sup_call_fail(call, g_steal_pointer(&err));
        return;
    }
    if (!qv_json_add(&args, &err, "s:device", qnode, "s:target", target, "s:sync", "full",
                     "S:replaces", oldnode, NULL)) {
        qv_sup_job_abandon(sup, job);
        qv_sup_call_fail(call, g_steal_pointer(&err));
        return;
    }
    qv_sup_job_launch(call, job, "blockdev-mirror", &args);
}

/* The new child's nodes leave QEMU, the <mirror> the status */
static void
fill_abandon(QvSupervisor *sup, QvSupJob *job, QvDiskDef *disk)
{
    if (disk->mirror && disk->mirror->src)
        qv_sup_blockdev_del_chain(sup, disk, disk->mirror->src, NULL);
    g_clear_pointer(&disk->mirror, qv_disk_mirror_free);
}

static void
fail_waiters(QvSupervisor *sup, QvSupJob *job, GError *err)
{
    for (GList *l = job->waiters; l; l = l->next)
        qv_ctl_reply_error(l->data, err);
    for (GList *l = job->ready_waiters; l; l = l->next)
        qv_ctl_reply_error(l->data, err);
    g_clear_pointer(&job->waiters, g_list_free);
    g_clear_pointer(&job->ready_waiters, g_list_free);
}

static bool
qmp_sync(QvSupervisor *sup, const char *cmd, json_object *args, GError **error)
{
    return qv_qmp_command_sync(sup->qmp, cmd, &args, QV_QMP_TIMEOUT_MS, NULL, error);
}

/* job->stop of a quorum-add: qvirt paused the guest for the join and
 * owes it a cont, also across a restart of the supervisor */
#define PAUSED_FOR_JOIN 1

static void
resume_after_join(QvSupervisor *sup, QvSupJob *job, QvDiskDef *disk)
{
    g_autoptr(GError) err = NULL;

    if (job->stop != PAUSED_FOR_JOIN)
        return;
    job->stop = 0;
    if ((sup->locks && sup->locks_released && !qv_sup_locks_acquire_all(sup, &err)) ||
        !qmp_sync(sup, "cont", NULL, &err))
        g_printerr("domain '%s': cannot continue the guest after adding a child to '%s': %s\n",
                   NAME(sup), disk->dst, err->message);
    qv_sup_jobs_save(sup, NULL);
}

/*
 * The child holds what the quorum holds and mirrors its writes: with
 * the guest stopped, the mirror ends without a pivot and the child
 * joins the vote (research note §2.2).  The job's end is held back
 * meanwhile (its conclusion may arrive during these calls) and looked
 * at again afterwards; "pivot" records that the child joined.
 */
static void
add_ready(QvSupervisor *sup, QvSupJob *job, QvDiskDef *disk)
{
    QvStorageSource *q = quorum_by_index(sup, job, disk);
    g_autoptr(GError) err = NULL;
    g_autofree char *qnode = q ? qv_sup_fmt_node(disk, q) : NULL;
    g_autofree char *cnode = disk->mirror && disk->mirror->src ?
                             qv_sup_fmt_node(disk, disk->mirror->src) : NULL;
    bool running = sup->rt->state == QV_GUEST_RUNNING;

    job->finishing = true;
    job->ending = true;
    /* recorded before the stop: a supervisor killed meanwhile leaves
     * the cont to the next one */
    if (running)
        job->stop = PAUSED_FOR_JOIN;
    qv_sup_jobs_save(sup, NULL);
    if (!q || !cnode) {
        g_set_error(&err, QV_ERROR, QV_ERR_INTERNAL, "the quorum or its new child is gone");
    } else if (!running || qmp_sync(sup, "stop", NULL, &err)) {
        if (qmp_sync(sup, "block-job-cancel", qv_json_new(NULL, "s:device", job->id, NULL), &err) &&
            qmp_sync(sup, "x-blockdev-change",
                     qv_json_new(NULL, "s:parent", qnode, "s:node", cnode, NULL), &err))
            job->pivot = true;
    }
    qv_sup_jobs_save(sup, NULL);
    resume_after_join(sup, job, disk);
    if (err) {
        g_prefix_error(&err, "domain '%s': quorum '%s': the new child could not join: ",
                       NAME(sup), disk->dst);
        g_printerr("%s\n", err->message);
        fail_waiters(sup, job, err);
        if (!job->pivot)
            qmp_sync(sup, "block-job-cancel",
                     qv_json_new(NULL, "s:device", job->id, "b:force", true, NULL), NULL);
    }
    job->finishing = false;
    qv_sup_job_check_end(sup, job);
}

static void
add_finish(QvSupervisor *sup, QvSupJob *job, QvDiskDef *disk, bool ok)
{
    QvStorageSource *q = quorum_by_index(sup, job, disk);
    QvStorageSource *child;

    /* a supervisor that paused the guest and died before its cont */
    resume_after_join(sup, job, disk);
    if (!disk->mirror || !disk->mirror->src)
        return;
    if (!job->pivot || !q) {
        fill_abandon(sup, job, disk);
        return;
    }
    child = g_steal_pointer(&disk->mirror->src);
    g_printerr("domain '%s': quorum '%s' has a new child '%s' (index %u)\n", NAME(sup),
               disk->dst, child->path ? child->path : "", child->index);
    qv_source_add_backing(q, &child);
    g_clear_pointer(&disk->mirror, qv_disk_mirror_free);
}

/* Ready: the new child takes the old one's slot (block-job-complete) */
static void
replace_ready(QvSupervisor *sup, QvSupJob *job, QvDiskDef *disk)
{
    g_autoptr(GError) err = NULL;

    job->ending = true;
    job->pivot = true;
    qv_sup_jobs_save(sup, NULL);
    if (!qmp_sync(sup, "job-complete", qv_json_new(NULL, "s:id", job->id, NULL), &err)) {
        g_printerr("domain '%s': quorum '%s': the replacement cannot complete: %s\n", NAME(sup),
                   disk->dst, err->message);
        job->pivot = false;
        qv_sup_jobs_save(sup, NULL);
        qmp_sync(sup, "block-job-cancel", qv_json_new(NULL, "s:device", job->id, "b:force", true, NULL), NULL);
    }
}

static void
replace_finish(QvSupervisor *sup, QvSupJob *job, QvDiskDef *disk, bool ok)
{
    QvStorageSource *q = quorum_by_index(sup, job, disk);
    QvStorageSource *old = NULL;
    g_autofree char *oldnode = NULL;
    size_t pos = 0;

    if (!disk->mirror || !disk->mirror->src)
        return;
    for (size_t i = 0; q && i < q->nbacking; i++) {
        if (q->backing[i]->index == job->base) {
            old = q->backing[i];
            pos = i;
        }
    }
    if (!ok || !job->pivot || !old) {
        fill_abandon(sup, job, disk);
        return;
    }
    oldnode = qv_sup_fmt_node(disk, old);
    qv_sup_blockdev_del_chain(sup, disk, old, NULL);
    qv_sup_health_forget_child(sup, disk->dst, oldnode);
    q->backing[pos] = g_steal_pointer(&disk->mirror->src);
    g_printerr("domain '%s': quorum '%s': child %zu ('%s') replaced by '%s'\n", NAME(sup),
               disk->dst, pos, old->path ? old->path : "", q->backing[pos]->path ? q->backing[pos]->path : "");
    qv_source_free(old);
    g_clear_pointer(&disk->mirror, qv_disk_mirror_free);
}

/* ---- remove ---- */

/* The name of the edge from @parent to @child in QEMU's graph */
static char *
edge_name(QvSupervisor *sup, const char *parent, const char *child, GError **error)
{
    g_autoptr(json_object) g = NULL;
    json_object *nodes = NULL, *edges = NULL;
    gint64 pid = -1, cid = -1;

    if (!qv_qmp_command_sync(sup->qmp, "x-debug-query-block-graph", NULL, QV_QMP_TIMEOUT_MS, &g, error))
        return NULL;
    json_object_object_get_ex(g, "nodes", &nodes);
    json_object_object_get_ex(g, "edges", &edges);
    for (size_t i = 0; nodes && i < json_object_array_length(nodes); i++) {
        json_object *n = json_object_array_get_idx(nodes, i), *nm = NULL, *id = NULL;

        if (!json_object_object_get_ex(n, "name", &nm) || !json_object_object_get_ex(n, "id", &id))
            continue;
        if (g_strcmp0(json_object_get_string(nm), parent) == 0)
            pid = json_object_get_int64(id);
        else if (g_strcmp0(json_object_get_string(nm), child) == 0)
            cid = json_object_get_int64(id);
    }
    for (size_t i = 0; edges && i < json_object_array_length(edges); i++) {
        json_object *e = json_object_array_get_idx(edges, i), *p = NULL, *c = NULL, *nm = NULL;

        if (json_object_object_get_ex(e, "parent", &p) && json_object_get_int64(p) == pid &&
            json_object_object_get_ex(e, "child", &c) && json_object_get_int64(c) == cid &&
            json_object_object_get_ex(e, "name", &nm))
            return g_strdup(json_object_get_string(nm));
    }
    g_set_error(error, QV_ERROR, QV_ERR_INTERNAL, "QEMU's graph has no edge from '%s' to '%s'",
                parent, child);
    return NULL;
}

static void
do_remove(QvSupCall *call, QvStorageSource *q)
{
    QvSupervisor *sup = call->sup;
    QvDiskDef *disk = call->disk;
    g_autoptr(GError) err = NULL;
    g_autofree char *qnode = qv_sup_fmt_node(disk, q);
    g_autofree char *cnode = NULL;
    g_autofree char *edge = NULL;
    QvStorageSource *old;
    size_t pos;

    if (!child_position(call, q, call->args->top, &pos, &err))
        goto fail;
    if (q->nbacking - 1 < q->threshold) {
        g_set_error(&err, QV_ERROR, QV_ERR_OPERATION_INVALID,
                    "domain '%s': quorum '%s' has %zu children and a vote threshold of %u: removing one would leave %zu",
                    NAME(sup), disk->dst, q->nbacking, q->threshold, q->nbacking - 1);
        goto fail;
    }
    if (q->nbacking <= 2) {
        g_set_error(&err, QV_ERROR, QV_ERR_OPERATION_INVALID,
                    "domain '%s': quorum '%s' has 2 children, the least a quorum can have: add one first",
                    NAME(sup), disk->dst);
        goto fail;
    }
    old = q->backing[pos];
    cnode = qv_sup_fmt_node(disk, old);
    sup->device_op = "a quorum child's removal";
    if (!(edge = edge_name(sup, qnode, cnode, &err)) ||
        !qmp_sync(sup, "x-blockdev-change", qv_json_new(NULL, "s:parent", qnode, "s:child", edge, NULL),
                  &err)) {
        sup->device_op = NULL;
        g_prefix_error(&err, "domain '%s': quorum '%s': ", NAME(sup), disk->dst);
        goto fail;
    }
    qv_sup_blockdev_del_chain(sup, disk, old, NULL);
    memmove(&q->backing[pos], &q->backing[pos + 1], (q->nbacking - pos - 1) * sizeof(q->backing[0]));
    q->nbacking--;
    qv_sup_health_forget_child(sup, disk->dst, cnode);
    g_printerr("domain '%s': quorum '%s': child %zu ('%s', %s) removed\n", NAME(sup), disk->dst,
               pos, old->path ? old->path : "", edge);
    qv_source_free(old);
    sup->device_op = NULL;
    if (!qv_sup_locks_sync(sup, NULL, &err) || !qv_sup_save_status(sup, &err) ||
        !qv_sup_check_live_graph(sup, &err)) {
        g_printerr("domain '%s': after the removal: %s\n", NAME(sup), err->message);
        g_clear_error(&err);
    }
    qv_ctl_reply(call->req, NULL);
    return;
 fail:
    qv_sup_call_fail(call, g_steal_pointer(&err));
}

/* ---- scrub ---- */

static char *
scrub_node(const QvDiskDef *disk)
{
    return g_strdup_printf("%s-scrub", disk->dst);
}

static void
do_scrub(QvSupCall *call, QvStorageSource *q)
{
    QvSupervisor *sup = call->sup;
    QvDiskDef *disk = call->disk;
    g_autoptr(GError) err = NULL;
    g_autofree char *qnode = qv_sup_fmt_node(disk, q);
    g_autofree char *null = scrub_node(disk);
    json_object *args = NULL;
    uint64_t size = 0;
    QvSupJob *job;

    if (!qv_sup_disk_capacity(sup, disk, &size, &err) ||
        !qmp_sync(sup, "blockdev-add", qv_json_new(NULL, "s:driver", "null-co", "s:node-name", null,
                                                   "u:size", size, NULL), &err)) {
        qv_sup_call_fail(call, g_steal_pointer(&err));
        return;
    }
    job = qv_sup_job_new(sup, disk, QVIRT_DOMAIN_BLOCK_JOB_TYPE_QUORUM_SCRUB, 0);
    job->top = q->index;
    qv_sup_health_scrub(sup, disk->dst, "running");
    if (!qv_json_add(&args, &err, "s:device", qnode, "s:target", null, "s:sync", "full", NULL)) {
        qv_sup_job_abandon(sup, job);
        qv_sup_call_fail(call, g_steal_pointer(&err));
        return;
    }
    qv_sup_job_launch(call, job, "blockdev-backup", &args);
}

static void
scrub_del(QvSupervisor *sup, QvDiskDef *disk)
{
    g_autofree char *null = scrub_node(disk);
    g_autoptr(GError) err = NULL;

    if (!qmp_sync(sup, "blockdev-del", qv_json_new(NULL, "s:node-name", null, NULL), &err))
        g_printerr("domain '%s': cannot remove node '%s': %s\n", NAME(sup), null, err->message);
}

static void
scrub_abandon(QvSupervisor *sup, QvSupJob *job, QvDiskDef *disk)
{
    scrub_del(sup, disk);
    qv_sup_health_scrub(sup, disk->dst, "failed");
}

static void
scrub_finish(QvSupervisor *sup, QvSupJob *job, QvDiskDef *disk, bool ok)
{
    scrub_del(sup, disk);
    qv_sup_health_scrub(sup, disk->dst, !ok ? "failed" : job->ending ? "aborted" : "completed");
}

/* ---- the request ---- */

void
qv_sup_do_quorum(QvSupCall *call)
{
    QvSupervisor *sup = call->sup;
    const char *op = call->args->name;
    g_autoptr(GError) err = NULL;
    QvStorageSource *q, *old;
    QvSupJob *job;
    size_t pos;

    if (!(q = quorum_of(call, &err)))
        goto fail;
    if (strcmp(op, "info") == 0) {
        do_info(call, q);
        return;
    }
    if ((job = qv_sup_job_find(sup, call->disk->dst))) {
        g_set_error(&err, QV_ERROR, QV_ERR_BUSY, "domain '%s': disk '%s' already has a block job: %s job '%s'",
                    NAME(sup), call->disk->dst, qv_job_type_to_string(job->type), job->id);
        goto fail;
    }
    if (sup->device_op || sup->snapshotting) {
        g_set_error(&err, QV_ERROR, QV_ERR_BUSY, "domain '%s': %s is under way", NAME(sup),
                    sup->device_op ? sup->device_op : "a snapshot");
        goto fail;
    }
    if (strcmp(op, "add") == 0) {
        start_fill(call, q, QVIRT_DOMAIN_BLOCK_JOB_TYPE_QUORUM_ADD, NULL);
    } else if (strcmp(op, "replace") == 0) {
        if (!child_position(call, q, call->args->top, &pos, &err))
            goto fail;
        old = q->backing[pos];
        start_fill(call, q, QVIRT_DOMAIN_BLOCK_JOB_TYPE_QUORUM_REPLACE, old);
    } else if (strcmp(op, "remove") == 0) {
        do_remove(call, q);
    } else if (strcmp(op, "scrub") == 0) {
        do_scrub(call, q);
    } else {
        g_set_error(&err, QV_ERROR, QV_ERR_INVALID_ARG,
                    "unknown quorum operation '%s' (info, add, remove, replace, scrub)", op);
        goto fail;
    }
    return;
 fail:
    qv_sup_call_fail(call, g_steal_pointer(&err));
}

const QvSupJobDriver qv_sup_quorum_add_driver = {
    .type = QVIRT_DOMAIN_BLOCK_JOB_TYPE_QUORUM_ADD,
    .finish = add_finish,
    .abandon = fill_abandon,
    .ready = add_ready,
};

const QvSupJobDriver qv_sup_quorum_replace_driver = {
    .type = QVIRT_DOMAIN_BLOCK_JOB_TYPE_QUORUM_REPLACE,
    .finish = replace_finish,
    .abandon = fill_abandon,
    .ready = replace_ready,
};

const QvSupJobDriver qv_sup_quorum_scrub_driver = {
    .type = QVIRT_DOMAIN_BLOCK_JOB_TYPE_QUORUM_SCRUB,
    .finish = scrub_finish,
    .abandon = scrub_abandon,
};
