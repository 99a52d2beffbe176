/*
 * qv-sup-job: the job framework.  A job is a record (disk, QEMU's job
 * id, type, flags, the chain elements it works on) kept in the jobs file
 * so that a new supervisor knows what QEMU's jobs are for; QEMU runs the
 * jobs with auto-dismiss off, so one that ends while no supervisor
 * listens stays visible (concluded) until the next one has finished it.
 * JOB_STATUS_CHANGE events move a job to ready and to its end, where the
 * driver of its type (qv-sup-pull.c, qv-sup-commit.c, qv-sup-copy.c)
 * makes the live definition what QEMU now has; then nodes no longer used
 * leave QEMU, everything is saved and the graph is checked.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "qvirt/qvirt.h"
#include "qemu/qv-blockdev.h"
#include "util/qv-error.h"
#include "util/qv-file.h"
#include "util/qv-json-build.h"
#include "util/qv-json.h"
#include "supervisor/qv-supervisor-priv.h"

static const QvSupJobDriver *const drivers[QVIRT_DOMAIN_BLOCK_JOB_TYPE_LAST] = {
    [QVIRT_DOMAIN_BLOCK_JOB_TYPE_PULL] = &qv_sup_pull_driver,
    [QVIRT_DOMAIN_BLOCK_JOB_TYPE_COPY] = &qv_sup_copy_driver,
    [QVIRT_DOMAIN_BLOCK_JOB_TYPE_COMMIT] = &qv_sup_commit_driver,
    [QVIRT_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT] = &qv_sup_active_commit_driver,
    [QVIRT_DOMAIN_BLOCK_JOB_TYPE_QUORUM_ADD] = &qv_sup_quorum_add_driver,
    [QVIRT_DOMAIN_BLOCK_JOB_TYPE_QUORUM_REPLACE] = &qv_sup_quorum_replace_driver,
    [QVIRT_DOMAIN_BLOCK_JOB_TYPE_QUORUM_SCRUB] = &qv_sup_quorum_scrub_driver,
};

static void reply_all(GList *waiters, const GError *err, bool ready);

const QvSupJobDriver *
qv_sup_job_driver(int type)
{
    return type > 0 && type < QVIRT_DOMAIN_BLOCK_JOB_TYPE_LAST ? drivers[type] : NULL;
}

const char *
qv_job_type_to_string(int type)
{
    return qv_ctl_job_type_to_string(type);
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

bool
qv_sup_job_start(QvSupervisor *sup, QvSupJob *job, const char *command, json_object **args,
                 GError **error)
{
    if (qv_json_add(args, error, "s:job-id", job->id, "b:auto-dismiss", false,
                    "b:auto-finalize", true, NULL) &&
        qv_sup_jobs_save(sup, error) &&
        qv_qmp_command_sync(sup->qmp, command, args, QV_QMP_TIMEOUT_MS, NULL, error))
        return true;
    g_clear_pointer(args, json_object_put);
    qv_sup_job_abandon(sup, job);
    return false;
}

void
qv_sup_job_launch(QvSupCall *call, QvSupJob *job, const char *command, json_object **args)
{
    g_autoptr(GError) err = NULL;

    if (!qv_sup_save_status(call->sup, &err)) {
        g_clear_pointer(args, json_object_put);
        qv_sup_job_abandon(call->sup, job);
    } else if (qv_sup_job_start(call->sup, job, command, args, &err)) {
        qv_ctl_reply(call->req, NULL);
        return;
    }
    qv_sup_call_fail(call, err);
}

void
qv_sup_job_abandon(QvSupervisor *sup, QvSupJob *job)
{
    const QvSupJobDriver *drv = qv_sup_job_driver(job->type);
    QvDiskDef *disk = qv_domain_find_disk(sup->live, job->disk);

    GList *waiters;

    if (drv && drv->abandon && disk)
        drv->abandon(sup, job, disk);
    /* a wait that came in while the start was under way: there is no job */
    waiters = g_list_concat(g_steal_pointer(&job->waiters), g_steal_pointer(&job->ready_waiters));
    qv_sup_job_forget(sup, job);
    qv_sup_locks_sync(sup, NULL, NULL);
    qv_sup_save_all(sup, NULL);
    reply_all(waiters, NULL, false);
}

json_object *
qv_sup_qemu_job(json_object *list, const char *key, const char *id)
{
    for (size_t i = 0; json_object_is_type(list, json_type_array) &&
                       i < json_object_array_length(list); i++) {
        json_object *j = json_object_array_get_idx(list, i), *v = NULL;

        if (json_object_object_get_ex(j, key, &v) && g_strcmp0(json_object_get_string(v), id) == 0)
            return j;
    }
    return NULL;
}

char *
qv_sup_job_take_failure(QvSupervisor *sup, const char *disk)
{
    char *failed = NULL;

    if (sup->job_failures &&
        g_hash_table_steal_extended(sup->job_failures, disk, NULL, (gpointer *)&failed))
        return failed;
    return NULL;
}

static void
remember_failure(QvSupervisor *sup, const char *disk, const char *message)
{
    if (!sup->job_failures)
        sup->job_failures = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_hash_table_replace(sup->job_failures, g_strdup(disk), g_strdup(message));
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

static void
jobs_load(QvSupervisor *sup)
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
        job->type = qv_ctl_job_type_from_string(type);
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

json_object *
qv_sup_job_ready_answer(void)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, QV_CTL_REPLY_READY, json_object_new_boolean(1));
    return o;
}

static void
reply_all(GList *waiters, const GError *err, bool ready)
{
    for (GList *l = waiters; l; l = l->next) {
        if (err)
            qv_ctl_reply_error(l->data, err);
        else
            qv_ctl_reply(l->data, ready ? qv_sup_job_ready_answer() : NULL);
    }
    g_list_free(waiters);
}

/*
 * @job ended (@error: QEMU's error, or NULL): its driver brings the live
 * definition in line with QEMU, then the waiters hear the outcome.  The
 * QMP calls below iterate the main loop, so control requests are served
 * meanwhile: the job stays registered (a wait for it is queued and
 * answered here) until its bookkeeping is done, and its waiters are
 * taken only then.
 */
static void
job_finish(QvSupervisor *sup, QvSupJob *job, const char *error)
{
    g_autoptr(GError) err = NULL;
    const QvSupJobDriver *drv = qv_sup_job_driver(job->type);
    QvDiskDef *disk = qv_domain_find_disk(sup->live, job->disk);
    bool asked_abort = job->ending && !job->pivot;
    json_object *args = qv_json_new(NULL, "s:id", job->id, NULL);
    GList *waiters;

    job->finishing = true;
    /* a concluded job still holds its nodes: dismiss it first */
    qv_qmp_command_sync(sup->qmp, "job-dismiss", &args, QV_QMP_TIMEOUT_MS, NULL, NULL);
    if (drv && disk)
        drv->finish(sup, job, disk, !error);
    g_printerr("domain '%s': %s job on disk '%s' ended%s%s\n", sup->files->name,
               qv_job_type_to_string(job->type), job->disk, error ? ": " : "", error ? error : "");
    waiters = g_list_concat(g_steal_pointer(&job->waiters), g_steal_pointer(&job->ready_waiters));
    if (error && !asked_abort) {
        g_set_error(&err, QV_ERROR, QV_ERR_IO, "domain '%s': the %s job on disk '%s' failed: %s",
                    sup->files->name, qv_job_type_to_string(job->type), job->disk, error);
        /* told once: to those waiting now, or else to the next who asks */
        if (!waiters)
            remember_failure(sup, job->disk, err->message);
    }
    qv_sup_job_forget(sup, job);
    /* the images the job left are let go, a pivot's new top kept */
    if (!qv_sup_locks_sync(sup, NULL, err ? NULL : &err) ||
        !qv_sup_save_all(sup, err ? NULL : &err) || !qv_sup_check_live_graph(sup, err ? NULL : &err))
        g_printerr("domain '%s': after the block job: %s\n", sup->files->name, err->message);
    reply_all(waiters, err, false);
}

typedef struct {
    QvSupervisor *sup;
    char *id;
} Concluded;

static void
concluded_done(QvQmp *qmp, json_object *ret, const GError *qerr, gpointer opaque)
{
    Concluded *c = opaque;
    QvSupJob *job = qv_sup_job_by_id(c->sup, c->id);
    json_object *qjob = qv_sup_qemu_job(ret, "id", c->id), *v = NULL;
    const char *error = NULL;

    if (qjob && json_object_object_get_ex(qjob, "error", &v))
        error = json_object_get_string(v);
    if (job && !job->finishing)
        job_finish(c->sup, job, error ? error : (qerr ? qerr->message : NULL));
    g_free(c->id);
    g_free(c);
}

/* QEMU's job concluded: its error, if any, is in query-jobs */
static void
job_concluded(QvSupervisor *sup, QvSupJob *job)
{
    Concluded *c = g_new0(Concluded, 1);

    c->sup = sup;
    c->id = g_strdup(job->id);
    qv_qmp_command(sup->qmp, "query-jobs", NULL, QV_QMP_TIMEOUT_MS, concluded_done, c);
}

void
qv_sup_job_check_end(QvSupervisor *sup, QvSupJob *job)
{
    job_concluded(sup, job);
}

static void
job_ready(QvSupervisor *sup, QvSupJob *job)
{
    QvDiskDef *disk = qv_domain_find_disk(sup->live, job->disk);
    const QvSupJobDriver *drv = qv_sup_job_driver(job->type);

    if (drv && drv->ready) {
        if (disk && !job->ending)
            drv->ready(sup, job, disk);
        return;
    }
    job->ready = true;
    if (disk && disk->mirror && !job->ending)
        disk->mirror->ready = QV_MIRROR_READY_YES;
    qv_sup_save_all(sup, NULL);
    reply_all(g_steal_pointer(&job->ready_waiters), NULL, true);
}

/* JOB_STATUS_CHANGE {"id", "status"} */
void
qv_sup_job_status_event(QvSupervisor *sup, json_object *data)
{
    const char *id = NULL, *status = NULL;
    QvSupJob *job;

    if (!qv_json_get_string(data, "id", &id, NULL) ||
        !qv_json_get_string(data, "status", &status, NULL) ||
        !(job = qv_sup_job_by_id(sup, id)) || !status)
        return;
    if (strcmp(status, "ready") == 0)
        job_ready(sup, job);
    else if (strcmp(status, "concluded") == 0)
        job_concluded(sup, job);
}

/* A new supervisor: the jobs QEMU still has, and the ones that ended
 * while nobody listened */
void
qv_sup_jobs_reattach(QvSupervisor *sup)
{
    g_autoptr(json_object) ret = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) gone = g_ptr_array_new();
    GHashTableIter it;
    gpointer val;

    jobs_load(sup);
    if (!g_hash_table_size(sup->jobs))
        return;
    if (!qv_qmp_command_sync(sup->qmp, "query-jobs", NULL, QV_QMP_TIMEOUT_MS, &ret, &err)) {
        /* not knowing is not "gone": keep them for their events */
        g_printerr("domain '%s': cannot list QEMU's jobs: %s\n", sup->files->name, err->message);
        return;
    }
    g_hash_table_iter_init(&it, sup->jobs);
    while (g_hash_table_iter_next(&it, NULL, &val)) {
        QvSupJob *job = val;
        json_object *qjob = qv_sup_qemu_job(ret, "id", job->id), *v = NULL;
        const char *status = qjob && json_object_object_get_ex(qjob, "status", &v) ?
                             json_object_get_string(v) : NULL;

        if (!status)
            g_ptr_array_add(gone, job);
        else if (strcmp(status, "ready") == 0)
            job_ready(sup, job);
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
