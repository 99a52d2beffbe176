/*
 * qv-sup-jobctl: control of running block jobs: their progress (info),
 * their speed, abort or pivot, and waiting for one to be ready or to end.
 * Each works for any job type; what a pivot means is the type's driver's.
 */
#include <string.h>

#include "util/qv-error.h"
#include "util/qv-json-build.h"
#include "util/qv-json.h"
#include "supervisor/qv-supervisor-priv.h"

/* A job's failure is told once, to the first who asks after it ended */
static bool
reply_past_failure(QvSupervisor *sup, QvCtlRequest *req, const char *disk)
{
    g_autofree char *failed = qv_sup_job_take_failure(sup, disk);
    g_autoptr(GError) err = NULL;

    if (!failed)
        return false;
    err = g_error_new_literal(QV_ERROR, QV_ERR_IO, failed);
    qv_ctl_reply_error(req, err);
    return true;
}

typedef struct {
    QvSupervisor *sup;
    QvCtlRequest *req;
    char *disk;
} InfoCall;

/* The job is looked up again in the answer: it may have ended meanwhile */
static void
info_done(QvQmp *qmp, json_object *ret, const GError *qerr, gpointer opaque)
{
    InfoCall *c = opaque;
    QvSupJob *job = qv_sup_job_find(c->sup, c->disk);
    g_auto(QvCtlJobInfo) info = { 0 };
    json_object *qjob, *v = NULL;

    if (qerr) {
        qv_ctl_reply_error(c->req, qerr);
    } else if (!job) {
        if (!reply_past_failure(c->sup, c->req, c->disk))
            qv_ctl_reply(c->req, NULL);
    } else {
        info.type = job->type;
        info.id = g_strdup(job->id);
        info.ready = job->ready;
        if ((qjob = qv_sup_qemu_job(ret, "device", job->id))) {
            bool found;

            qv_json_get_uint64(qjob, "offset", &info.cur, &found, NULL);
            qv_json_get_uint64(qjob, "len", &info.end, &found, NULL);
            qv_json_get_uint64(qjob, "speed", &info.bandwidth, &found, NULL);
            if (json_object_object_get_ex(qjob, "status", &v))
                info.status = g_strdup(json_object_get_string(v));
        }
        qv_ctl_reply(c->req, qv_ctl_job_info_encode(&info));
    }
    g_free(c->disk);
    g_free(c);
}

void
qv_sup_do_job_info(QvSupCall *call)
{
    InfoCall *c = g_new0(InfoCall, 1);

    c->sup = call->sup;
    c->req = call->req;
    c->disk = g_strdup(call->disk->dst);
    qv_qmp_command(call->sup->qmp, "query-block-jobs", NULL, QV_QMP_TIMEOUT_MS, info_done, c);
}

void
qv_sup_do_job_speed(QvSupCall *call)
{
    g_autoptr(GError) err = NULL;
    json_object *args = NULL;

    if (!qv_json_add(&args, &err, "s:device", call->job->id, "u:speed", call->args->bandwidth,
                     NULL) ||
        !qv_qmp_command_sync(call->sup->qmp, "block-job-set-speed", &args, QV_QMP_TIMEOUT_MS,
                             NULL, &err)) {
        qv_sup_call_fail(call, err);
        return;
    }
    qv_ctl_reply(call->req, NULL);
}

/* Why @job cannot end as asked, or NULL */
static GError *
abort_refused(QvSupervisor *sup, QvSupJob *job, bool pivot)
{
    const QvSupJobDriver *drv = qv_sup_job_driver(job->type);
    const char *type = qv_job_type_to_string(job->type);
    const char *name = sup->files->name;

    if (job->ending || job->finishing)
        return g_error_new(QV_ERROR, QV_ERR_BUSY, "domain '%s': the %s job on disk '%s' is ending already (%s)", name, type, job->disk, job->pivot ? "pivot" : "abort");
    if (pivot && !(drv && drv->can_pivot))
        return g_error_new(QV_ERROR, QV_ERR_OPERATION_INVALID, "domain '%s': a %s job on disk '%s' cannot pivot; only a copy or an active commit can", name, type, job->disk);
    if (pivot && !job->ready)
        return g_error_new(QV_ERROR, QV_ERR_OPERATION_INVALID, "domain '%s': the %s job on disk '%s' is not ready yet: it can pivot once it has copied everything and mirrors writes", name, type, job->disk);
    return NULL;
}

static void
set_ending(QvSupervisor *sup, QvSupJob *job, QvDiskDef *disk, bool ending, bool pivot)
{
    job->ending = ending;
    job->pivot = pivot;
    if (disk->mirror) {
        if (ending)
            disk->mirror->ready = pivot ? QV_MIRROR_READY_PIVOT : QV_MIRROR_READY_ABORT;
        else
            disk->mirror->ready = job->ready ? QV_MIRROR_READY_YES : QV_MIRROR_READY_NONE;
    }
    qv_sup_save_all(sup, NULL);
}

/* Pivot (job-complete) or abort (block-job-cancel); answered when the
 * job has ended, or at once with ASYNC */
void
qv_sup_do_job_abort(QvSupCall *call)
{
    QvSupervisor *sup = call->sup;
    QvSupJob *job = call->job;
    bool pivot = call->args->flags & QVIRT_DOMAIN_BLOCK_JOB_ABORT_PIVOT;
    bool async = call->args->flags & QVIRT_DOMAIN_BLOCK_JOB_ABORT_ASYNC;
    g_autoptr(GError) err = abort_refused(sup, job, pivot);
    g_autofree char *dst = g_strdup(job->disk);
    json_object *args = NULL;
    bool ok;

    if (err) {
        qv_sup_call_fail(call, err);
        return;
    }
    /* job-complete takes the job's "id", block-job-cancel its "device" */
    if (!qv_json_add(&args, &err, pivot ? "s:id" : "s:device", job->id,
                     "B:force", !pivot, NULL)) {
        qv_sup_call_fail(call, err);
        return;
    }
    set_ending(sup, job, call->disk, true, pivot);
    /* the job may end while QEMU answers (the main loop runs): its end
     * answers the waiters, so the request waits from now on */
    if (!async)
        job->waiters = g_list_append(job->waiters, call->req);
    ok = qv_qmp_command_sync(sup->qmp, pivot ? "job-complete" : "block-job-cancel", &args,
                             QV_QMP_TIMEOUT_MS, NULL, &err);
    job = qv_sup_job_find(sup, dst);
    if (!ok) {
        /* unless the job's end answered the request meanwhile (and the
         * job found now may be a newer one) */
        bool pending = job && g_list_find(job->waiters, call->req);

        if (pending) {
            job->waiters = g_list_remove(job->waiters, call->req);
            set_ending(sup, job, call->disk, false, false);
        }
        if (async || pending)
            qv_sup_call_fail(call, err);
        return;
    }
    if (async)
        qv_ctl_reply(call->req, NULL);
}

/* Answered once the job is ready (a copy or active commit) or has ended
 * (null, or its error) */
void
qv_sup_do_job_wait(QvSupCall *call)
{
    QvSupJob *job = qv_sup_job_find(call->sup, call->disk->dst);

    if (!job) {
        if (!reply_past_failure(call->sup, call->req, call->disk->dst))
            qv_ctl_reply(call->req, NULL);
    } else if (job->ready) {
        qv_ctl_reply(call->req, qv_sup_job_ready_answer());
    } else {
        job->ready_waiters = g_list_append(job->ready_waiters, call->req);
    }
}
