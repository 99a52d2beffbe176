/*
 * qv-sup-jobs: block jobs in the supervisor: copy (blockdev-mirror),
 * pull (block-stream), commit and active commit (block-commit), their
 * ready phase, pivot and abort, and the bookkeeping that keeps the live
 * definition's chains equal to QEMU's graph at every step.
 *
 * QEMU runs the jobs with auto-dismiss off, so a job that ends while no
 * supervisor listens stays visible (concluded) until the next supervisor
 * has done the bookkeeping; the jobs file records what each job is for.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "qvirt/qvirt.h"
#include "qv-blockdev.h"
#include "qv-error.h"
#include "qv-file.h"
#include "qv-json.h"
#include "qv-supervisor-priv.h"

static const char *const job_type_names[QVIRT_DOMAIN_BLOCK_JOB_TYPE_LAST] = {
    [QVIRT_DOMAIN_BLOCK_JOB_TYPE_UNKNOWN] = "unknown",
    [QVIRT_DOMAIN_BLOCK_JOB_TYPE_PULL] = "pull",
    [QVIRT_DOMAIN_BLOCK_JOB_TYPE_COPY] = "copy",
    [QVIRT_DOMAIN_BLOCK_JOB_TYPE_COMMIT] = "commit",
    [QVIRT_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT] = "active-commit",
};

const char *
qv_job_type_to_string(int type)
{
    if (type < 0 || type >= QVIRT_DOMAIN_BLOCK_JOB_TYPE_LAST)
        return "unknown";
    return job_type_names[type];
}

static int
job_type_from_string(const char *s)
{
    for (int i = 0; s && i < QVIRT_DOMAIN_BLOCK_JOB_TYPE_LAST; i++) {
        if (strcmp(job_type_names[i], s) == 0)
            return i;
    }
    return QVIRT_DOMAIN_BLOCK_JOB_TYPE_UNKNOWN;
}

void
qv_sup_job_free(QvSupJob *job)
{
    if (!job)
        return;
    g_free(job->disk);
    g_free(job->id);
    g_free(job->created);
    g_list_free(job->waiters);
    g_list_free(job->ready_waiters);
    g_free(job);
}

QvSupJob *
qv_sup_job_find(QvSupervisor *sup, const char *disk)
{
    return sup->jobs ? g_hash_table_lookup(sup->jobs, disk) : NULL;
}

QvSupJob *
qv_sup_job_by_id(QvSupervisor *sup, const char *id)
{
    GHashTableIter it;
    gpointer val;

    if (!sup->jobs || !id)
        return NULL;
    g_hash_table_iter_init(&it, sup->jobs);
    while (g_hash_table_iter_next(&it, NULL, &val)) {
        QvSupJob *job = val;

        if (strcmp(job->id, id) == 0)
            return job;
    }
    return NULL;
}

/* ---- the jobs file: what QEMU's jobs are for, for a new supervisor ---- */

bool
qv_sup_jobs_save(QvSupervisor *sup, GError **error)
{
    g_autoptr(json_object) list = json_object_new_array();
    const char *text;
    GHashTableIter it;
    gpointer val;

    if (sup->jobs) {
        g_hash_table_iter_init(&it, sup->jobs);
        while (g_hash_table_iter_next(&it, NULL, &val)) {
            QvSupJob *job = val;
            json_object *o = json_object_new_object();

            json_object_object_add(o, "disk", json_object_new_string(job->disk));
            json_object_object_add(o, "id", json_object_new_string(job->id));
            json_object_object_add(o, "type", json_object_new_string(qv_job_type_to_string(job->type)));
            json_object_object_add(o, "flags", json_object_new_int64(job->flags));
            json_object_object_add(o, "top", json_object_new_int64(job->top));
            json_object_object_add(o, "base", json_object_new_int64(job->base));
            json_object_object_add(o, "ready", json_object_new_boolean(job->ready));
            json_object_object_add(o, "ending", json_object_new_boolean(job->ending));
            json_object_object_add(o, "pivot", json_object_new_boolean(job->pivot));
            json_object_object_add(o, "shallow-stop", json_object_new_int64(job->stop));
            if (job->created)
                json_object_object_add(o, "created", json_object_new_string(job->created));
            json_object_array_add(list, o);
        }
    }
    if (json_object_array_length(list) == 0) {
        if (unlink(sup->files->jobs) < 0 && errno != ENOENT) {
            qv_error_set_errno(error, errno, "cannot remove '%s'", sup->files->jobs);
            return false;
        }
        return true;
    }
    text = json_object_to_json_string_ext(list, JSON_C_TO_STRING_PRETTY);
    return qv_file_write_atomic(sup->files->jobs, text, strlen(text), 0600, error);
}

static uint64_t
get_u64(json_object *o, const char *key)
{
    json_object *v = NULL;

    return json_object_object_get_ex(o, key, &v) ? (uint64_t)json_object_get_int64(v) : 0;
}

static bool
get_bool(json_object *o, const char *key)
{
    json_object *v = NULL;

    return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

void
qv_sup_jobs_load(QvSupervisor *sup)
{
    g_autofree char *data = NULL;
    g_autoptr(json_object) list = NULL;

    if (!sup->jobs)
        sup->jobs = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                          (GDestroyNotify)qv_sup_job_free);
    if (!g_file_get_contents(sup->files->jobs, &data, NULL, NULL))
        return;
    if (!(list = json_tokener_parse(data)) || !json_object_is_type(list, json_type_array)) {
        g_printerr("domain '%s': '%s' is not a JSON array; its jobs are forgotten\n",
                   sup->files->name, sup->files->jobs);
        return;
    }
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *o = json_object_array_get_idx(list, i);
        const char *disk = NULL, *id = NULL, *type = NULL, *created = NULL;
        QvSupJob *job;

        if (!qv_json_get_string(o, "disk", &disk, NULL) || !disk ||
            !qv_json_get_string(o, "id", &id, NULL) || !id ||
            !qv_json_get_string(o, "type", &type, NULL))
            continue;
        qv_json_get_string(o, "created", &created, NULL);
        job = g_new0(QvSupJob, 1);
        job->disk = g_strdup(disk);
        job->id = g_strdup(id);
        job->type = job_type_from_string(type);
        job->flags = (unsigned int)get_u64(o, "flags");
        job->top = (unsigned int)get_u64(o, "top");
        job->base = (unsigned int)get_u64(o, "base");
        job->stop = (unsigned int)get_u64(o, "shallow-stop");
        job->ready = get_bool(o, "ready");
        job->ending = get_bool(o, "ending");
        job->pivot = get_bool(o, "pivot");
        job->created = g_strdup(created);
        g_hash_table_replace(sup->jobs, job->disk, job);
    }
}

/* ---- graph edits ---- */

/* blockdev-add every object of @props, in order; on failure the ones
 * added are deleted again */
bool
qv_sup_blockdev_add_all(QvSupervisor *sup, json_object *props, GError **error)
{
    size_t n = json_object_array_length(props);

    for (size_t i = 0; i < n; i++) {
        g_autoptr(json_object) ret = NULL;
        json_object *obj = json_object_array_get_idx(props, i);

        ret = qv_qmp_command_sync(sup->qmp, "blockdev-add", json_object_get(obj),
                                  QV_QMP_TIMEOUT_MS, error);
        if (!ret && error && *error) {
            for (size_t j = i; j-- > 0;) {
                json_object *nn = NULL;
                json_object *args = json_object_new_object();

                json_object_object_get_ex(json_object_array_get_idx(props, j), "node-name", &nn);
                json_object_object_add(args, "node-name", json_object_get(nn));
                json_object_put(qv_qmp_command_sync(sup->qmp, "blockdev-del", args,
                                                    QV_QMP_TIMEOUT_MS, NULL));
            }
            return false;
        }
    }
    return true;
}

/* blockdev-del each name of @names; failures are logged, not fatal: a
 * node left open costs a file descriptor, not data */
void
qv_sup_blockdev_del_all(QvSupervisor *sup, json_object *names)
{
    for (size_t i = 0; i < json_object_array_length(names); i++) {
        g_autoptr(GError) err = NULL;
        json_object *args = json_object_new_object();
        json_object *ret;

        json_object_object_add(args, "node-name",
                               json_object_get(json_object_array_get_idx(names, i)));
        ret = qv_qmp_command_sync(sup->qmp, "blockdev-del", args, QV_QMP_TIMEOUT_MS, &err);
        if (err)
            g_printerr("domain '%s': cannot remove node '%s': %s\n", sup->files->name,
                       json_object_get_string(json_object_array_get_idx(names, i)),
                       err->message);
        json_object_put(ret);
    }
}

/* The parent of @child in @disk's chains, or NULL for the top */
QvStorageSource *
qv_sup_find_parent(QvStorageSource *top, const QvStorageSource *child, size_t *slot)
{
    g_autoptr(GPtrArray) todo = g_ptr_array_new();

    g_ptr_array_add(todo, top);
    while (todo->len) {
        QvStorageSource *src = g_ptr_array_steal_index_fast(todo, todo->len - 1);

        for (size_t i = 0; i < src->nbacking; i++) {
            if (src->backing[i] == child) {
                if (slot)
                    *slot = i;
                return src;
            }
            if (src->backing[i])
                g_ptr_array_add(todo, src->backing[i]);
        }
    }
    return NULL;
}

/* Cut @top's chain above @keep: the elements from @top down to @keep
 * (excluded) are returned (to be freed by the caller) and @keep is
 * detached from them */
QvStorageSource *
qv_sup_cut_above(QvStorageSource *top, QvStorageSource *keep)
{
    size_t slot = 0;
    QvStorageSource *parent = keep ? qv_sup_find_parent(top, keep, &slot) : NULL;

    if (parent)
        parent->backing[slot] = NULL;
    return top;
}

/* After a job or a snapshot: QEMU's graph must be the live definition's.
 * Jobs that still run have filter nodes of their own: checked later. */
bool
qv_sup_check_live_graph(QvSupervisor *sup, GError **error)
{
    g_autoptr(json_object) all = json_object_new_array();

    if (sup->jobs && g_hash_table_size(sup->jobs) > 0)
        return true;
    for (size_t i = 0; i < sup->live->ndisks; i++) {
        g_autoptr(json_object) props = qv_blockdev_props_cwd(sup->live->disks[i], sup->qemu_cwd, error);

        if (!props)
            return false;
        for (size_t j = 0; j < json_object_array_length(props); j++)
            json_object_array_add(all, json_object_get(json_object_array_get_idx(props, j)));
    }
    return qv_sup_verify_graph_props(sup, all, error);
}

bool
qv_sup_save_all(QvSupervisor *sup, GError **error)
{
    return qv_sup_save_status(sup, error) && qv_sup_jobs_save(sup, error);
}

/* QEMU is gone: its jobs with it; whoever waits for one hears why */
void
qv_sup_jobs_gone(QvSupervisor *sup, const char *reason)
{
    GHashTableIter it;
    gpointer val;

    if (!sup->jobs)
        return;
    g_hash_table_iter_init(&it, sup->jobs);
    while (g_hash_table_iter_next(&it, NULL, &val)) {
        QvSupJob *job = val;
        g_autoptr(GError) err = g_error_new(QV_ERROR, QV_ERR_IO,
                                            "domain '%s': QEMU exited (%s) during the %s job on disk '%s'",
                                            sup->files->name, reason,
                                            qv_job_type_to_string(job->type), job->disk);

        for (GList *l = job->waiters; l; l = l->next)
            qv_ctl_reply_error(l->data, err);
        for (GList *l = job->ready_waiters; l; l = l->next)
            qv_ctl_reply_error(l->data, err);
        g_clear_pointer(&job->waiters, g_list_free);
        g_clear_pointer(&job->ready_waiters, g_list_free);
    }
    g_hash_table_remove_all(sup->jobs);
}
