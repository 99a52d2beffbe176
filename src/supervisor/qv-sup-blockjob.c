/*
 * qv-sup-blockjob: the control requests for block jobs (block-copy,
 * block-pull, block-commit, block-job-info, block-job-abort,
 * block-job-speed), QEMU's job events, and the end of a job: the chain
 * the live definition (and, when it should, the persistent one) records
 * becomes the one QEMU uses, and nodes no longer used leave QEMU.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qvirt/qvirt.h"
#include "qemu/qv-blockdev.h"
#include "storage/qv-chain.h"
#include "conf/qv-domain-xml.h"
#include "util/qv-error.h"
#include "util/qv-json.h"
#include "storage/qv-probe.h"
#include "storage/qv-reader.h"
#include "supervisor/qv-supervisor-priv.h"

#define COMMIT_FLAGS (QVIRT_DOMAIN_BLOCK_COMMIT_SHALLOW | QVIRT_DOMAIN_BLOCK_COMMIT_DELETE | \
                      QVIRT_DOMAIN_BLOCK_COMMIT_ACTIVE | QVIRT_DOMAIN_BLOCK_COMMIT_RELATIVE | \
                      QVIRT_DOMAIN_BLOCK_COMMIT_BANDWIDTH_BYTES)

void
qv_sup_reply_error(QvCtlRequest *req, GError *err)
{
    qv_ctl_reply_error(req, err);
}

char *
qv_sup_fmt_node(const QvDiskDef *disk, const QvStorageSource *src)
{
    return qv_blockdev_node_name(disk->dst, src->index, true);
}

/* The disk a request names, with no job running on it */
QvDiskDef *
qv_sup_request_disk(QvSupervisor *sup, json_object *msg, QvStorageSource **elem,
             bool want_idle, GError **error)
{
    const char *spec = NULL;
    QvDiskDef *disk;
    QvSupJob *job;

    if (!qv_json_require_string(msg, "disk", &spec, error))
        return NULL;
    if (!(disk = qv_domain_lookup_disk(sup->live, spec, elem, error)))
        return NULL;
    job = qv_sup_job_find(sup, disk->dst);
    if (want_idle && job) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "domain '%s': disk '%s' already has a block job: %s job '%s'%s",
                    sup->files->name, disk->dst, qv_job_type_to_string(job->type), job->id,
                    job->ready ? " (ready)" : "");
        return NULL;
    }
    if (!want_idle && !job) {
        g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND,
                    "domain '%s': no block job is running on disk '%s'",
                    sup->files->name, disk->dst);
        return NULL;
    }
    return disk;
}

QvSupJob *
qv_sup_job_new(QvSupervisor *sup, QvDiskDef *disk, int type, unsigned int flags)
{
    QvSupJob *job = g_new0(QvSupJob, 1);

    job->disk = g_strdup(disk->dst);
    job->id = g_strdup_printf("qvirt-%s-%s", qv_job_type_to_string(type), disk->dst);
    job->type = type;
    job->flags = flags;
    if (!sup->jobs)
        sup->jobs = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                          (GDestroyNotify)qv_sup_job_free);
    g_hash_table_replace(sup->jobs, job->disk, job);
    return job;
}

void
qv_sup_job_forget(QvSupervisor *sup, QvSupJob *job)
{
    g_hash_table_remove(sup->jobs, job->disk);
}

/* Start the QEMU job; on failure the record goes */
bool
qv_sup_job_start(QvSupervisor *sup, QvSupJob *job, const char *command, json_object *args,
          GError **error)
{
    g_autoptr(json_object) ret = NULL;

    json_object_object_add(args, "job-id", json_object_new_string(job->id));
    json_object_object_add(args, "auto-dismiss", json_object_new_boolean(0));
    json_object_object_add(args, "auto-finalize", json_object_new_boolean(1));
    if (!qv_sup_jobs_save(sup, error) ||
        (!(ret = qv_qmp_command_sync(sup->qmp, command, args, QV_QMP_TIMEOUT_MS, error)) &&
         error && *error)) {
        qv_sup_job_forget(sup, job);
        qv_sup_jobs_save(sup, NULL);
        return false;
    }
    return true;
}

void
qv_sup_add_speed(json_object *args, json_object *msg)
{
    uint64_t bw = 0;
    bool found = false;

    qv_json_get_uint64(msg, "bandwidth", &bw, &found, NULL);
    if (found && bw)
        json_object_object_add(args, "speed", json_object_new_int64((int64_t)bw));
}

/* The backing string to write into an overlay that gets @base as its
 * backing: @base's path, or with @relative the name relative to the
 * overlay's folder */
static char *
backing_string(const QvStorageSource *overlay, const QvStorageSource *base, bool relative)
{
    g_autofree char *dir = NULL;

    if (!base->path)
        return NULL;
    if (!relative || !overlay->path)
        return g_strdup(base->path);
    dir = g_path_get_dirname(overlay->path);
    if (g_str_has_prefix(base->path, dir) && base->path[strlen(dir)] == '/')
        return g_strdup(base->path + strlen(dir) + 1);
    return g_strdup(base->path);
}

/* ---- pull and commit ---- */

/* An element of @disk's chain named by @msg's @key, or NULL when absent */
static bool
request_element(QvSupervisor *sup, QvDiskDef *disk, json_object *msg,
                const char *key, QvStorageSource **out, GError **error)
{
    const char *spec = NULL;

    *out = NULL;
    if (!qv_json_get_string(msg, key, &spec, error))
        return false;
    if (!spec)
        return true;
    return (*out = qv_disk_lookup_element(sup->live, disk, spec, error)) != NULL;
}

/* Is @below in the single chain under @above (excluded)? */
static bool
chain_below(const QvStorageSource *above, const QvStorageSource *below)
{
    for (const QvStorageSource *s = above; s->nbacking == 1 && s->type != QV_STORAGE_QUORUM;) {
        s = s->backing[0];
        if (s == below)
            return true;
    }
    return false;
}

static QvStorageSource *
chain_bottom(QvStorageSource *top)
{
    QvStorageSource *s = top;

    while (s->nbacking == 1 && s->type != QV_STORAGE_QUORUM && s->backing[0])
        s = s->backing[0];
    return s;
}

static void
do_pull(QvSupervisor *sup, QvCtlRequest *req, json_object *msg)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *top_node = NULL;
    QvStorageSource *elem = NULL, *base = NULL;
    QvDiskDef *disk;
    QvSupJob *job;
    json_object *args;
    uint64_t flags = 0;
    bool found;

    qv_json_get_uint64(msg, "flags", &flags, &found, NULL);
    if (!(disk = qv_sup_request_disk(sup, msg, &elem, true, &err)) ||
        !request_element(sup, disk, msg, "base", &base, &err))
        goto fail;
    if (elem != disk->src || disk->src->type == QV_STORAGE_QUORUM) {
        g_set_error(&err, QV_ERROR, QV_ERR_UNSUPPORTED, "domain '%s': disk '%s': a pull streams into the disk's top image", sup->files->name, disk->dst);
        goto fail;
    }
    if (base && !chain_below(disk->src, base)) {
        g_set_error(&err, QV_ERROR, QV_ERR_INVALID_ARG, "domain '%s': disk '%s': the base '%s' is not below the top of the chain", sup->files->name, disk->dst, base->path ? base->path : "?");
        goto fail;
    }
    if (disk->src->nbacking == 0 || base == disk->src->backing[0]) {
        g_set_error(&err, QV_ERROR, QV_ERR_INVALID_ARG, "domain '%s': disk '%s': nothing to pull: the top image has no backing file%s", sup->files->name, disk->dst, base ? " above the base" : "");
        goto fail;
    }
    job = qv_sup_job_new(sup, disk, QVIRT_DOMAIN_BLOCK_JOB_TYPE_PULL, (unsigned int)flags);
    job->top = disk->src->index;
    job->base = base ? base->index : 0;
    top_node = qv_sup_fmt_node(disk, disk->src);
    args = json_object_new_object();
    json_object_object_add(args, "device", json_object_new_string(top_node));
    if (base) {
        g_autofree char *bnode = qv_sup_fmt_node(disk, base);
        g_autofree char *bstr = backing_string(disk->src, base, flags & QVIRT_DOMAIN_BLOCK_REBASE_RELATIVE);

        json_object_object_add(args, "base-node", json_object_new_string(bnode));
        if (bstr)
            json_object_object_add(args, "backing-file", json_object_new_string(bstr));
    }
    qv_sup_add_speed(args, msg);
    if (!qv_sup_job_start(sup, job, "block-stream", args, &err))
        goto fail;
    qv_ctl_reply(req, NULL);
    return;
 fail:
    g_prefix_error(&err, "block pull: ");
    qv_sup_reply_error(req, err);
}

/* blockdev-reopen the format node of @src with read-only @ro: a commit
 * writes into its base (and rewrites the backing name in the overlay) */
static bool
reopen_rw(QvSupervisor *sup, QvDiskDef *disk, QvStorageSource *src, bool ro, GError **error)
{
    g_autoptr(json_object) props = qv_blockdev_props_cwd(disk, sup->qemu_cwd, error);
    g_autoptr(json_object) ret = NULL;
    g_autofree char *name = qv_sup_fmt_node(disk, src);
    json_object *found = NULL, *args, *opts;

    if (!props)
        return false;
    for (size_t i = 0; i < json_object_array_length(props); i++) {
        json_object *o = json_object_array_get_idx(props, i), *nn = NULL;

        if (json_object_object_get_ex(o, "node-name", &nn) &&
            g_strcmp0(json_object_get_string(nn), name) == 0)
            found = o;
    }
    if (!found) {
        g_set_error(error, QV_ERROR, QV_ERR_INTERNAL, "no node '%s' to reopen", name);
        return false;
    }
    json_object_object_add(found, "read-only", json_object_new_boolean(ro));
    opts = json_object_new_array();
    json_object_array_add(opts, json_object_get(found));
    args = json_object_new_object();
    json_object_object_add(args, "options", opts);
    ret = qv_qmp_command_sync(sup->qmp, "blockdev-reopen", args, QV_QMP_TIMEOUT_MS, error);
    return ret || !(error && *error);
}

static void
do_commit(QvSupervisor *sup, QvCtlRequest *req, json_object *msg)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *root = NULL, *tnode = NULL, *bnode = NULL;
    QvStorageSource *elem = NULL, *top = NULL, *base = NULL;
    QvDiskDef *disk;
    QvSupJob *job;
    json_object *args;
    uint64_t flags = 0;
    bool found, active;

    qv_json_get_uint64(msg, "flags", &flags, &found, NULL);
    if (!(disk = qv_sup_request_disk(sup, msg, &elem, true, &err)) ||
        !request_element(sup, disk, msg, "top", &top, &err) ||
        !request_element(sup, disk, msg, "base", &base, &err))
        goto fail;
    if (flags & ~(uint64_t)COMMIT_FLAGS) {
        g_set_error(&err, QV_ERROR, QV_ERR_INVALID_ARG, "unsupported flags 0x%" G_GINT64_MODIFIER "x", flags & ~(uint64_t)COMMIT_FLAGS);
        goto fail;
    }
    if (disk->src->type == QV_STORAGE_QUORUM) {
        g_set_error(&err, QV_ERROR, QV_ERR_UNSUPPORTED, "domain '%s': disk '%s' is a quorum: commit inside a child's chain is not supported", sup->files->name, disk->dst);
        goto fail;
    }
    if (!top)
        top = disk->src;
    active = top == disk->src;
    if (active && !(flags & QVIRT_DOMAIN_BLOCK_COMMIT_ACTIVE)) {
        g_set_error(&err, QV_ERROR, QV_ERR_INVALID_ARG, "domain '%s': disk '%s': the top '%s' is the active layer: committing it needs --active", sup->files->name, disk->dst, top->path ? top->path : disk->dst);
        goto fail;
    }
    if (top != disk->src && !chain_below(disk->src, top)) {
        g_set_error(&err, QV_ERROR, QV_ERR_INVALID_ARG, "domain '%s': disk '%s': '%s' is not in the disk's chain", sup->files->name, disk->dst, top->path ? top->path : "?");
        goto fail;
    }
    if (top->nbacking != 1 || !top->backing[0]) {
        g_set_error(&err, QV_ERROR, QV_ERR_INVALID_ARG, "domain '%s': disk '%s': '%s' has no backing file to commit into", sup->files->name, disk->dst, top->path ? top->path : "?");
        goto fail;
    }
    if (!base)
        base = (flags & QVIRT_DOMAIN_BLOCK_COMMIT_SHALLOW) ? top->backing[0] : chain_bottom(top);
    if (!chain_below(top, base)) {
        g_set_error(&err, QV_ERROR, QV_ERR_INVALID_ARG, "domain '%s': disk '%s': the base '%s' is not below the top '%s'", sup->files->name, disk->dst, base->path ? base->path : "?", top->path ? top->path : "?");
        goto fail;
    }
    if ((flags & QVIRT_DOMAIN_BLOCK_COMMIT_SHALLOW) && base != top->backing[0]) {
        g_set_error(&err, QV_ERROR, QV_ERR_INVALID_ARG, "domain '%s': disk '%s': --shallow commits into the image right below the top; the base given is further down", sup->files->name, disk->dst);
        goto fail;
    }
    job = qv_sup_job_new(sup, disk, active ? QVIRT_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT
                                    : QVIRT_DOMAIN_BLOCK_JOB_TYPE_COMMIT, (unsigned int)flags);
    job->top = top->index;
    job->base = base->index;
    root = qv_sup_fmt_node(disk, disk->src);
    tnode = qv_sup_fmt_node(disk, top);
    bnode = qv_sup_fmt_node(disk, base);
    args = json_object_new_object();
    json_object_object_add(args, "device", json_object_new_string(root));
    json_object_object_add(args, "top-node", json_object_new_string(tnode));
    json_object_object_add(args, "base-node", json_object_new_string(bnode));
    if (!active) {
        QvStorageSource *over = qv_sup_find_parent(disk->src, top, NULL);
        g_autofree char *bstr = over ? backing_string(over, base, flags & QVIRT_DOMAIN_BLOCK_COMMIT_RELATIVE) : NULL;

        if (bstr)
            json_object_object_add(args, "backing-file", json_object_new_string(bstr));
    } else {
        disk->mirror = g_new0(QvDiskMirror, 1);
        disk->mirror->job = QV_MIRROR_JOB_ACTIVE_COMMIT;
        disk->mirror->src = qv_source_copy(base);
        if (!qv_sup_save_status(sup, &err)) {
            qv_sup_job_forget(sup, job);
            goto fail;
        }
    }
    qv_sup_add_speed(args, msg);
    {
        QvStorageSource *over = active ? NULL : qv_sup_find_parent(disk->src, top, NULL);

        if (!reopen_rw(sup, disk, base, false, &err) ||
            (over && over != disk->src && !reopen_rw(sup, disk, over, false, &err))) {
            json_object_put(args);
            qv_sup_job_forget(sup, job);
            if (active) {
                g_clear_pointer(&disk->mirror, qv_disk_mirror_free);
                qv_sup_save_status(sup, NULL);
            }
            goto fail;
        }
    }
    if (!qv_sup_job_start(sup, job, "block-commit", args, &err)) {
        if (active) {
            g_clear_pointer(&disk->mirror, qv_disk_mirror_free);
            qv_sup_save_status(sup, NULL);
        }
        goto fail;
    }
    qv_ctl_reply(req, NULL);
    return;
 fail:
    g_prefix_error(&err, "block commit: ");
    qv_sup_reply_error(req, err);
}

/* ---- info, speed, abort/pivot ---- */

/* An asynchronous QMP call about a job: the job is looked up again in
 * the answer (it may have ended meanwhile) by @key, a disk or a job id */
typedef struct {
    QvSupervisor *sup;
    QvCtlRequest *req;           /* NULL when no client waits */
    char *key;
} JobCall;

static JobCall *
job_call_new(QvSupervisor *sup, QvCtlRequest *req, const char *key)
{
    JobCall *c = g_new0(JobCall, 1);

    c->sup = sup;
    c->req = req;
    c->key = g_strdup(key);
    return c;
}

static void
job_call_free(JobCall *c)
{
    g_free(c->key);
    g_free(c);
}

static void
info_done(QvQmp *qmp, json_object *ret, const GError *qerr, gpointer opaque)
{
    JobCall *c = opaque;
    QvSupJob *job = qv_sup_job_find(c->sup, c->key);
    json_object *out;

    if (qerr) {
        GError *err = g_error_copy(qerr);

        qv_sup_reply_error(c->req, err);
        g_error_free(err);
        goto out;
    }
    if (!job) {
        const char *failed = c->sup->job_failures ?
                             g_hash_table_lookup(c->sup->job_failures, c->key) : NULL;

        if (failed) {
            GError *err = g_error_new_literal(QV_ERROR, QV_ERR_IO, failed);

            qv_sup_reply_error(c->req, err);
            g_error_free(err);
            g_hash_table_remove(c->sup->job_failures, c->key);
        } else {
            qv_ctl_reply(c->req, NULL);
        }
        goto out;
    }
    out = json_object_new_object();
    json_object_object_add(out, "type", json_object_new_string(qv_job_type_to_string(job->type)));
    json_object_object_add(out, "id", json_object_new_string(job->id));
    json_object_object_add(out, "ready", json_object_new_boolean(job->ready));
    for (size_t i = 0; ret && i < json_object_array_length(ret); i++) {
        json_object *j = json_object_array_get_idx(ret, i), *v = NULL;

        if (!json_object_object_get_ex(j, "device", &v) ||
            g_strcmp0(json_object_get_string(v), job->id) != 0)
            continue;
        if (json_object_object_get_ex(j, "offset", &v))
            json_object_object_add(out, "cur", json_object_get(v));
        if (json_object_object_get_ex(j, "len", &v))
            json_object_object_add(out, "end", json_object_get(v));
        if (json_object_object_get_ex(j, "speed", &v))
            json_object_object_add(out, "bandwidth", json_object_get(v));
        if (json_object_object_get_ex(j, "status", &v))
            json_object_object_add(out, "status", json_object_get(v));
    }
    qv_ctl_reply(c->req, out);
 out:
    job_call_free(c);
}

static void
do_info(QvSupervisor *sup, QvCtlRequest *req, json_object *msg)
{
    g_autoptr(GError) err = NULL;
    QvStorageSource *elem = NULL;
    const char *spec = NULL;
    QvDiskDef *disk;

    if (!qv_json_require_string(msg, "disk", &spec, &err) ||
        !(disk = qv_domain_lookup_disk(sup->live, spec, &elem, &err))) {
        qv_sup_reply_error(req, err);
        return;
    }
    qv_qmp_command(sup->qmp, "query-block-jobs", NULL, QV_QMP_TIMEOUT_MS, info_done,
                   job_call_new(sup, req, disk->dst));
}

/* The job a request names; NULL after replying the error */
static QvSupJob *
request_job(QvSupervisor *sup, QvCtlRequest *req, json_object *msg)
{
    g_autoptr(GError) err = NULL;
    QvStorageSource *elem = NULL;
    QvDiskDef *disk;

    if (!(disk = qv_sup_request_disk(sup, msg, &elem, false, &err))) {
        qv_sup_reply_error(req, err);
        return NULL;
    }
    return qv_sup_job_find(sup, disk->dst);
}

static void
do_speed(QvSupervisor *sup, QvCtlRequest *req, json_object *msg)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(json_object) ret = NULL;
    QvSupJob *job;
    json_object *args;
    uint64_t bw = 0;
    bool found = false;

    if (!(job = request_job(sup, req, msg)))
        return;
    if (!qv_json_get_uint64(msg, "bandwidth", &bw, &found, &err)) {
        qv_sup_reply_error(req, err);
        return;
    }
    args = json_object_new_object();
    json_object_object_add(args, "device", json_object_new_string(job->id));
    json_object_object_add(args, "speed", json_object_new_int64((int64_t)bw));
    if (!(ret = qv_qmp_command_sync(sup->qmp, "block-job-set-speed", args, QV_QMP_TIMEOUT_MS, &err)) && err) {
        qv_sup_reply_error(req, err);
        return;
    }
    qv_ctl_reply(req, NULL);
}

static void
do_abort(QvSupervisor *sup, QvCtlRequest *req, json_object *msg)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(json_object) ret = NULL;
    QvDiskDef *disk;
    QvSupJob *job;
    json_object *args;
    uint64_t flags = 0;
    bool found, pivot;

    qv_json_get_uint64(msg, "flags", &flags, &found, NULL);
    pivot = flags & QVIRT_DOMAIN_BLOCK_JOB_ABORT_PIVOT;
    if (!(job = request_job(sup, req, msg)))
        return;
    disk = qv_domain_find_disk(sup->live, job->disk);
    if (job->ending) {
        g_set_error(&err, QV_ERROR, QV_ERR_INVALID_ARG, "domain '%s': the %s job on disk '%s' is ending already (%s)", sup->files->name, qv_job_type_to_string(job->type), disk->dst, job->pivot ? "pivot" : "abort");
        qv_sup_reply_error(req, err);
        return;
    }
    if (pivot && job->type != QVIRT_DOMAIN_BLOCK_JOB_TYPE_COPY &&
        job->type != QVIRT_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT) {
        g_set_error(&err, QV_ERROR, QV_ERR_INVALID_ARG, "domain '%s': a %s job on disk '%s' cannot pivot; only a copy or an active commit can", sup->files->name, qv_job_type_to_string(job->type), disk->dst);
        qv_sup_reply_error(req, err);
        return;
    }
    if (pivot && !job->ready) {
        g_set_error(&err, QV_ERROR, QV_ERR_INVALID_ARG, "domain '%s': the %s job on disk '%s' is not ready yet: it can pivot once it has copied everything and mirrors writes", sup->files->name, qv_job_type_to_string(job->type), disk->dst);
        qv_sup_reply_error(req, err);
        return;
    }
    args = json_object_new_object();
    if (pivot) {
        json_object_object_add(args, "id", json_object_new_string(job->id));
    } else {
        json_object_object_add(args, "device", json_object_new_string(job->id));
        json_object_object_add(args, "force", json_object_new_boolean(1));
    }
    job->ending = true;
    job->pivot = pivot;
    if (disk->mirror)
        disk->mirror->ready = pivot ? QV_MIRROR_READY_PIVOT : QV_MIRROR_READY_ABORT;
    qv_sup_save_all(sup, NULL);
    if (!(ret = qv_qmp_command_sync(sup->qmp, pivot ? "job-complete" : "block-job-cancel",
                                    args, QV_QMP_TIMEOUT_MS, &err)) && err) {
        job->ending = false;
        if (disk->mirror)
            disk->mirror->ready = job->ready ? QV_MIRROR_READY_YES : QV_MIRROR_READY_NONE;
        qv_sup_save_all(sup, NULL);
        qv_sup_reply_error(req, err);
        return;
    }
    if (flags & QVIRT_DOMAIN_BLOCK_JOB_ABORT_ASYNC)
        qv_ctl_reply(req, NULL);
    else
        job->waiters = g_list_append(job->waiters, req);
}

static json_object *
ready_answer(void)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "ready", json_object_new_boolean(1));
    return o;
}

/* {"cmd": "block-job-wait", "disk"}: answered once the job is ready
 * (a copy or active commit) or has ended (null, or its error) */
static void
do_wait(QvSupervisor *sup, QvCtlRequest *req, json_object *msg)
{
    g_autoptr(GError) err = NULL;
    QvStorageSource *elem = NULL;
    const char *spec = NULL, *failed;
    QvDiskDef *disk;
    QvSupJob *job;

    if (!qv_json_require_string(msg, "disk", &spec, &err) ||
        !(disk = qv_domain_lookup_disk(sup->live, spec, &elem, &err))) {
        qv_sup_reply_error(req, err);
        return;
    }
    if (!(job = qv_sup_job_find(sup, disk->dst))) {
        failed = sup->job_failures ? g_hash_table_lookup(sup->job_failures, disk->dst) : NULL;
        if (failed) {
            g_set_error_literal(&err, QV_ERROR, QV_ERR_IO, failed);
            g_hash_table_remove(sup->job_failures, disk->dst);
            qv_sup_reply_error(req, err);
        } else {
            qv_ctl_reply(req, NULL);
        }
        return;
    }
    if (job->ready)
        qv_ctl_reply(req, ready_answer());
    else
        job->ready_waiters = g_list_append(job->ready_waiters, req);
}

/* ---- the end of a job ---- */

static void
unlink_chain(QvStorageSource *top, const QvStorageSource *stop)
{
    for (QvStorageSource *s = top; s && s != stop;) {
        if (s->path && s->type == QV_STORAGE_FILE && unlink(s->path) < 0)
            g_printerr("cannot delete '%s': %s\n", s->path, g_strerror(errno));
        s = s->nbacking == 1 ? s->backing[0] : NULL;
    }
}

/* The persistent definition follows a pivot unless the job is transient */
void
qv_sup_update_definition(QvSupervisor *sup, QvDiskDef *live_disk)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QvDomainDef) def = qv_conn_lookup(sup->conn, sup->files->name, &err);
    g_autofree char *xml = NULL;
    QvDiskDef *disk;

    if (!def || !(disk = qv_domain_find_disk(def, live_disk->dst)))
        goto out;
    qv_source_free(disk->src);
    disk->src = qv_source_copy(live_disk->src);
    if (!disk->chain_given) {
        /* the chain stays discovered from the images at each start */
        for (size_t i = 0; i < disk->src->nbacking; i++)
            qv_source_free(disk->src->backing[i]);
        disk->src->nbacking = 0;
        disk->src->backing_known = false;
    }
    qv_domain_clear_indexes(def);
    xml = qv_domain_format_xml(def, 0);
    qv_conn_define_xml(sup->conn, xml, "the definition after a block job", 0, NULL, &err);
 out:
    if (err)
        g_printerr("domain '%s': cannot update the definition after the block job: %s\n",
                   sup->files->name, err->message);
}

static void
reopen_ro_quietly(QvSupervisor *sup, QvDiskDef *disk, QvStorageSource *src)
{
    g_autoptr(GError) err = NULL;

    if (!reopen_rw(sup, disk, src, true, &err))
        g_printerr("domain '%s': cannot make '%s' read-only again: %s\n",
                   sup->files->name, src->path ? src->path : disk->dst, err->message);
}

/* Make the live definition what QEMU has now that @job ended; @error is
 * QEMU's error when the job failed */
static void
job_bookkeeping(QvSupervisor *sup, QvSupJob *job, const char *error)
{
    QvDiskDef *disk = qv_domain_find_disk(sup->live, job->disk);
    g_autoptr(json_object) names = NULL;
    bool ok = !error;

    if (!disk)
        return;
    switch ((QvirtDomainBlockJobType)job->type) {
    case QVIRT_DOMAIN_BLOCK_JOB_TYPE_COPY: {
        QvStorageSource *dest = disk->mirror ? disk->mirror->src : NULL;
        QvStorageSource *stop = dest && job->stop ? qv_source_find_index(dest, job->stop) : NULL;

        if (!dest)
            break;
        if (ok && job->pivot) {
            QvStorageSource *old = disk->src;
            QvStorageSource *old_stop = job->stop ? qv_source_find_index(old, job->stop) : NULL;

            names = qv_blockdev_del_list(disk, old, old_stop);
            disk->src = dest;
            disk->mirror->src = NULL;
            qv_source_free(old);
            if (!(job->flags & QVIRT_DOMAIN_BLOCK_COPY_TRANSIENT_JOB))
                qv_sup_update_definition(sup, disk);
        } else {
            names = qv_blockdev_del_list(disk, dest, stop);
        }
        g_clear_pointer(&disk->mirror, qv_disk_mirror_free);
        break;
    }
    case QVIRT_DOMAIN_BLOCK_JOB_TYPE_PULL: {
        QvStorageSource *top = qv_disk_find_index(disk, job->top);
        QvStorageSource *base = job->base ? qv_disk_find_index(disk, job->base) : NULL;
        QvStorageSource *gone;

        if (!ok || !top || top->nbacking != 1)
            break;
        gone = top->backing[0];
        names = qv_blockdev_del_list(disk, gone, base);
        qv_sup_cut_above(gone, base);
        top->backing[0] = base;
        if (!base)
            top->nbacking = 0;
        top->backing_known = true;
        qv_source_free(gone);
        qv_sup_update_definition(sup, disk);
        break;
    }
    case QVIRT_DOMAIN_BLOCK_JOB_TYPE_COMMIT:
    case QVIRT_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT: {
        QvStorageSource *top = qv_disk_find_index(disk, job->top);
        QvStorageSource *base = qv_disk_find_index(disk, job->base);
        bool active = job->type == QVIRT_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT;
        size_t slot = 0;
        QvStorageSource *over;

        g_clear_pointer(&disk->mirror, qv_disk_mirror_free);
        over = active || !top ? NULL : qv_sup_find_parent(disk->src, top, &slot);
        if (ok && top && base && (!active || job->pivot)) {
            names = qv_blockdev_del_list(disk, top, base);
            qv_sup_cut_above(top, base);
            if (over)
                over->backing[slot] = base;
            else
                disk->src = base;
            if (job->flags & QVIRT_DOMAIN_BLOCK_COMMIT_DELETE)
                unlink_chain(top, NULL);
            qv_source_free(top);
            qv_sup_update_definition(sup, disk);
        }
        /* the images the job wrote to are backing layers again (the live
         * chain now says how QEMU links them): read-only */
        if (base && base != disk->src)
            reopen_ro_quietly(sup, disk, base);
        if (over && over != disk->src)
            reopen_ro_quietly(sup, disk, over);
        break;
    }
    case QVIRT_DOMAIN_BLOCK_JOB_TYPE_UNKNOWN:
    case QVIRT_DOMAIN_BLOCK_JOB_TYPE_LAST:
        break;
    }
    if (names)
        qv_sup_blockdev_del_all(sup, names);
}

static void
job_finish(QvSupervisor *sup, QvSupJob *job, const char *error)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(json_object) ret = NULL;
    json_object *args = json_object_new_object();
    GList *waiters = g_list_concat(g_steal_pointer(&job->waiters),
                                   g_steal_pointer(&job->ready_waiters));
    bool asked_abort = job->ending && !job->pivot;

    /* a concluded job still holds its nodes: dismiss it first */
    json_object_object_add(args, "id", json_object_new_string(job->id));
    ret = qv_qmp_command_sync(sup->qmp, "job-dismiss", args, QV_QMP_TIMEOUT_MS, NULL);
    job_bookkeeping(sup, job, error);
    g_printerr("domain '%s': %s job on disk '%s' ended%s%s\n", sup->files->name,
               qv_job_type_to_string(job->type), job->disk, error ? ": " : "", error ? error : "");
    if (error && !asked_abort)
        g_set_error(&err, QV_ERROR, QV_ERR_IO, "domain '%s': the %s job on disk '%s' failed: %s",
                    sup->files->name, qv_job_type_to_string(job->type), job->disk, error);
    if (err) {
        if (!sup->job_failures)
            sup->job_failures = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        g_hash_table_replace(sup->job_failures, g_strdup(job->disk), g_strdup(err->message));
    }
    qv_sup_job_forget(sup, job);
    if (!qv_sup_save_all(sup, err ? NULL : &err) || !qv_sup_check_live_graph(sup, err ? NULL : &err))
        g_printerr("domain '%s': after the block job: %s\n", sup->files->name, err->message);
    for (GList *l = waiters; l; l = l->next) {
        if (err)
            qv_sup_reply_error(l->data, err);
        else
            qv_ctl_reply(l->data, NULL);
    }
    g_list_free(waiters);
}

static void
concluded_done(QvQmp *qmp, json_object *ret, const GError *qerr, gpointer opaque)
{
    JobCall *c = opaque;
    QvSupJob *job = qv_sup_job_by_id(c->sup, c->key);
    const char *error = NULL;

    for (size_t i = 0; ret && i < json_object_array_length(ret); i++) {
        json_object *j = json_object_array_get_idx(ret, i), *v = NULL;

        if (json_object_object_get_ex(j, "id", &v) &&
            g_strcmp0(json_object_get_string(v), c->key) == 0 &&
            json_object_object_get_ex(j, "error", &v))
            error = json_object_get_string(v);
    }
    if (job)
        job_finish(c->sup, job, error ? error : (qerr ? qerr->message : NULL));
    job_call_free(c);
}

static void
job_concluded(QvSupervisor *sup, QvSupJob *job)
{
    qv_qmp_command(sup->qmp, "query-jobs", NULL, QV_QMP_TIMEOUT_MS, concluded_done,
                   job_call_new(sup, NULL, job->id));
}

/* JOB_STATUS_CHANGE {"id", "status"} */
void
qv_sup_job_status_event(QvSupervisor *sup, json_object *data)
{
    const char *id = NULL, *status = NULL;
    QvSupJob *job;
    QvDiskDef *disk;

    if (!qv_json_get_string(data, "id", &id, NULL) ||
        !qv_json_get_string(data, "status", &status, NULL) ||
        !(job = qv_sup_job_by_id(sup, id)) || !status)
        return;
    disk = qv_domain_find_disk(sup->live, job->disk);
    if (strcmp(status, "ready") == 0) {
        GList *waiters = g_steal_pointer(&job->ready_waiters);

        job->ready = true;
        if (disk && disk->mirror && !job->ending)
            disk->mirror->ready = QV_MIRROR_READY_YES;
        qv_sup_save_all(sup, NULL);
        for (GList *l = waiters; l; l = l->next)
            qv_ctl_reply(l->data, ready_answer());
        g_list_free(waiters);
    } else if (strcmp(status, "concluded") == 0) {
        job_concluded(sup, job);
    }
}

/* A new supervisor: the jobs QEMU still has, and the ones that ended
 * while nobody listened */
void
qv_sup_jobs_reattach(QvSupervisor *sup)
{
    g_autoptr(json_object) ret = NULL;
    g_autoptr(GPtrArray) gone = g_ptr_array_new();
    GHashTableIter it;
    gpointer val;

    qv_sup_jobs_load(sup);
    if (!g_hash_table_size(sup->jobs))
        return;
    ret = qv_qmp_command_sync(sup->qmp, "query-jobs", NULL, QV_QMP_TIMEOUT_MS, NULL);
    g_hash_table_iter_init(&it, sup->jobs);
    while (g_hash_table_iter_next(&it, NULL, &val)) {
        QvSupJob *job = val;
        const char *status = NULL;

        for (size_t i = 0; ret && i < json_object_array_length(ret); i++) {
            json_object *j = json_object_array_get_idx(ret, i), *v = NULL;

            if (json_object_object_get_ex(j, "id", &v) &&
                g_strcmp0(json_object_get_string(v), job->id) == 0 &&
                json_object_object_get_ex(j, "status", &v))
                status = json_object_get_string(v);
        }
        if (!status)
            g_ptr_array_add(gone, job);
        else if (strcmp(status, "ready") == 0)
            job->ready = true;
        else if (strcmp(status, "concluded") == 0)
            job_concluded(sup, job);
    }
    for (guint i = 0; i < gone->len; i++) {
        QvSupJob *job = gone->pdata[i];

        g_printerr("domain '%s': QEMU no longer has the %s job on disk '%s'; forgetting it\n",
                   sup->files->name, qv_job_type_to_string(job->type), job->disk);
        qv_sup_job_forget(sup, job);
    }
    qv_sup_jobs_save(sup, NULL);
}

void
qv_sup_blockjob_request(QvSupervisor *sup, QvCtlRequest *req, const char *cmd,
                        json_object *msg)
{
    if (strcmp(cmd, "block-copy") == 0)
        qv_sup_do_copy(sup, req, msg);
    else if (strcmp(cmd, "block-pull") == 0)
        do_pull(sup, req, msg);
    else if (strcmp(cmd, "block-commit") == 0)
        do_commit(sup, req, msg);
    else if (strcmp(cmd, "block-job-info") == 0)
        do_info(sup, req, msg);
    else if (strcmp(cmd, "block-job-speed") == 0)
        do_speed(sup, req, msg);
    else if (strcmp(cmd, "block-job-wait") == 0)
        do_wait(sup, req, msg);
    else
        do_abort(sup, req, msg);
}
