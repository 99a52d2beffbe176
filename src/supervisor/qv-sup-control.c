/*
 * qv-sup-control: the control table (every command of qv-ctl-proto with
 * its handler and what it needs), the guest-wide requests (status,
 * destroy, shutdown, suspend, resume, query-block, domblkinfo, qmp),
 * QEMU's events and the event log, and the runtime file kept in step
 * with the guest's state.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "qemu/qv-blockdev.h"
#include "util/qv-error.h"
#include "util/qv-json-build.h"
#include "util/qv-json.h"
#include "supervisor/qv-supervisor-priv.h"

void
qv_sup_save_runtime(QvSupervisor *sup)
{
    g_autoptr(GError) err = NULL;

    if (!qv_runtime_save(sup->files, sup->rt, &err))
        g_printerr("domain '%s': %s\n", sup->files->name, err->message);
}

void
qv_sup_set_state(QvSupervisor *sup, QvGuestState state, const char *reason)
{
    if (sup->rt->state == state && g_strcmp0(sup->rt->reason, reason) == 0)
        return;
    sup->rt->state = state;
    g_free(sup->rt->reason);
    sup->rt->reason = g_strdup(reason);
    qv_sup_save_runtime(sup);
}

/* One line per event, in QEMU's own form: {"event", "data", "timestamp"} */
static void
record_event(QvSupervisor *sup, const char *name, json_object *data,
             gint64 seconds, gint64 microseconds)
{
    g_autoptr(json_object) event = json_object_new_object();
    json_object *ts = json_object_new_object();
    g_autofree char *line = NULL;
    size_t len, off = 0;

    if (sup->events_fd < 0)
        return;
    json_object_object_add(event, "event", json_object_new_string(name));
    if (data)
        json_object_object_add(event, "data", json_object_get(data));
    json_object_object_add(ts, "seconds", json_object_new_int64(seconds));
    json_object_object_add(ts, "microseconds", json_object_new_int64(microseconds));
    json_object_object_add(event, "timestamp", ts);
    line = g_strdup_printf("%s\n", json_object_to_json_string_ext(event, JSON_C_TO_STRING_PLAIN));
    len = strlen(line);
    while (off < len) {
        ssize_t n = write(sup->events_fd, line + off, len - off);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            g_printerr("domain '%s': cannot record an event in '%s': %s\n",
                       sup->files->name, sup->files->events, g_strerror(errno));
            return;
        }
        off += (size_t)n;
    }
}

/* A guest that runs again without its leases (a `cont` sent past qvirt,
 * with qemu-monitor-command): they are taken now, or the guest is
 * stopped again */
static void
locks_on_resume(QvSupervisor *sup)
{
    g_autoptr(GError) err = NULL;

    /* during a lease operation its end checks the same */
    if (!sup->locks || !sup->locks_released || sup->lock_busy ||
        qv_sup_locks_acquire_all(sup, &err))
        return;
    g_printerr("domain '%s': it was resumed without its leases, which cannot be taken: %s; "
               "stopping it\n", sup->files->name, err->message);
    qv_qmp_command(sup->qmp, "stop", NULL, QV_QMP_TIMEOUT_MS, NULL, NULL);
}

void
qv_sup_qmp_event(QvQmp *qmp, const char *name, json_object *data,
                 gint64 seconds, gint64 microseconds, gpointer opaque)
{
    QvSupervisor *sup = opaque;

    record_event(sup, name, data, seconds, microseconds);
    /* paused, whatever the cause (suspend, an I/O error): the leases go,
     * as libvirt lets them go, and come back at resume */
    if (strcmp(name, "STOP") == 0) {
        if (sup->rt->state == QV_GUEST_RUNNING)
            qv_sup_set_state(sup, QV_GUEST_PAUSED, sup->ioerror_stop ? "ioerror" : "user");
        sup->ioerror_stop = false;
        qv_sup_locks_release_all(sup);
    }
    else if (strcmp(name, "RESUME") == 0) {
        qv_sup_set_state(sup, QV_GUEST_RUNNING, "unpaused");
        locks_on_resume(sup);
    }
    else if (strcmp(name, "SHUTDOWN") == 0)
        sup->shutdown_seen = true;
    else if (strcmp(name, "JOB_STATUS_CHANGE") == 0 && data)
        qv_sup_job_status_event(sup, data);
    else if (strcmp(name, "DEVICE_DELETED") == 0 && data)
        qv_sup_hotplug_device_deleted(sup, data);
    else if (strcmp(name, "DEVICE_TRAY_MOVED") == 0 && data)
        qv_sup_hotplug_tray_moved(sup, data);
    else if (data)
        qv_sup_health_event(sup, name, data, seconds);
    /* after the STOP has let the leases go */
    if (sup->migration)
        qv_sup_migrate_event(sup, name, data);
    if (sup->incoming)
        qv_sup_incoming_event(sup, name, data);
}

json_object *
qv_sup_status_json(QvSupervisor *sup)
{
    json_object *o = json_object_new_object();
    json_object *dropped = json_object_new_array();

    json_object_object_add(o, "state",
                           json_object_new_string(qv_guest_state_to_string(sup->rt->state)));
    json_object_object_add(o, "reason",
                           sup->rt->reason ? json_object_new_string(sup->rt->reason) : NULL);
    json_object_object_add(o, "qemu_pid", json_object_new_int64(sup->rt->qemu_pid));
    json_object_object_add(o, "supervisor_pid", json_object_new_int64(getpid()));
    for (guint i = 0; i < sup->rt->dropped->len; i++)
        json_object_array_add(dropped, json_object_new_string(sup->rt->dropped->pdata[i]));
    json_object_object_add(o, "dropped", dropped);
    return o;
}

typedef struct {
    QvSupervisor *sup;
    QvCtlRequest *req;
    QvCtlCommand cmd;
    char *what;              /* for messages: the command, or the QMP command */
    char *disk;              /* domblkinfo */
} QvPending;

static void
pending_free(QvPending *p)
{
    g_free(p->what);
    g_free(p->disk);
    g_free(p);
}

static json_object *domblkinfo_from_nodes(QvSupervisor *sup, const char *dst,
                                          json_object *nodes, GError **error);

static void
reply_later(QvSupervisor *sup, QvCtlRequest *req, json_object *out)
{
    qv_ctl_reply(req, out);
}

/* A QMP answer for a control request: translate and answer */
static void
qmp_done(QvQmp *qmp, json_object *ret, const GError *qerr, gpointer opaque)
{
    QvPending *p = opaque;
    QvSupervisor *sup = p->sup;
    g_autoptr(GError) err = NULL;
    json_object *out = NULL;

    if (qerr) {
        /* the guest did not run: its leases go again */
        if (p->cmd == QV_CTL_RESUME)
            qv_sup_locks_release_all(sup);
        err = g_error_copy(qerr);
        g_prefix_error(&err, "domain '%s': %s: ", sup->files->name, p->what);
        qv_ctl_reply_error(p->req, err);
        pending_free(p);
        return;
    }
    switch (p->cmd) {
    case QV_CTL_SUSPEND:
        qv_sup_set_state(sup, QV_GUEST_PAUSED, "user");
        break;
    case QV_CTL_RESUME:
        qv_sup_set_state(sup, QV_GUEST_RUNNING, "unpaused");
        break;
    case QV_CTL_STATUS:
        out = qv_sup_status_json(sup);
        json_object_object_add(out, QV_CTL_REPLY_QEMU, ret ? json_object_get(ret) : NULL);
        break;
    case QV_CTL_DOMBLKINFO:
        if (!(out = domblkinfo_from_nodes(sup, p->disk, ret, &err))) {
            qv_ctl_reply_error(p->req, err);
            pending_free(p);
            return;
        }
        break;
    case QV_CTL_SHUTDOWN:
        break;
    case QV_CTL_QUERY_BLOCK:
    case QV_CTL_QMP:
    case QV_CTL_DESTROY:
    case QV_CTL_SNAPSHOT:
    case QV_CTL_BLOCK_COPY:
    case QV_CTL_BLOCK_PULL:
    case QV_CTL_BLOCK_COMMIT:
    case QV_CTL_BLOCK_JOB_INFO:
    case QV_CTL_BLOCK_JOB_SPEED:
    case QV_CTL_BLOCK_JOB_ABORT:
    case QV_CTL_BLOCK_JOB_WAIT:
    case QV_CTL_LOCK_STATUS:
    case QV_CTL_ATTACH_DISK:
    case QV_CTL_DETACH_DISK:
    case QV_CTL_CHANGE_MEDIA:
    case QV_CTL_BLOCK_QUORUM:
    case QV_CTL_DISK_ERRORS:
    case QV_CTL_MIGRATE:
    case QV_CTL_MIGRATE_INFO:
    case QV_CTL_MIGRATE_ABORT:
    case QV_CTL_MIGRATE_SPEED:
    case QV_CTL_MIGRATE_CONFIRM:
    case QV_CTL_MIGRATE_FINISH:
    case QV_CTL_BLOCK_IOTUNE:
    case QV_CTL_LAST:
        out = ret ? json_object_get(ret) : NULL;
        break;
    }
    /* a suspend is answered once its leases are let go */
    if (p->cmd == QV_CTL_SUSPEND)
        qv_sup_locks_when_idle(sup, reply_later, p->req, out);
    else
        qv_ctl_reply(p->req, out);
    pending_free(p);
}

/* Send @qmp_cmd with @args (stolen) for @call; answered by qmp_done */
static void
send_qmp(QvSupCall *call, const char *qmp_cmd, json_object *args)
{
    QvPending *p = g_new0(QvPending, 1);

    p->sup = call->sup;
    p->req = call->req;
    p->cmd = call->cmd;
    p->what = g_strdup(call->cmd == QV_CTL_QMP ? qmp_cmd : qv_ctl_command_to_string(call->cmd));
    p->disk = call->disk ? g_strdup(call->disk->dst) : NULL;
    qv_qmp_command(call->sup->qmp, qmp_cmd, args, QV_QMP_TIMEOUT_MS, qmp_done, p);
}

static gboolean
destroy_kill(gpointer opaque)
{
    QvSupervisor *sup = opaque;

    sup->kill_timer = 0;
    if (sup->qemu_pid > 0) {
        g_printerr("domain '%s': QEMU ignored SIGTERM for %u s; sending SIGKILL\n",
                   sup->files->name, sup->kill_grace);
        kill(sup->qemu_pid, SIGKILL);
    }
    return G_SOURCE_REMOVE;
}

/*
 * SIGTERM, then SIGKILL after the grace period; a grace of G_MAXUINT or
 * more never kills (the API's GRACEFUL).  A destroy that comes while one
 * runs waits for the same exit, and brings the SIGKILL forward when its
 * own grace ends sooner.
 */
void
qv_sup_do_destroy(QvSupCall *call)
{
    QvSupervisor *sup = call->sup;
    uint64_t grace = call->args->has_grace ? call->args->grace : QV_DESTROY_GRACE_S;
    gint64 at = grace >= G_MAXUINT ? G_MAXINT64 :
                g_get_monotonic_time() + (gint64)grace * G_USEC_PER_SEC;

    sup->exit_waiters = g_list_append(sup->exit_waiters, call->req);
    if (sup->destroying && at >= sup->kill_at)
        return;
    if (!sup->destroying) {
        sup->destroying = true;
        kill(sup->qemu_pid, SIGTERM);
    }
    if (sup->kill_timer)
        g_source_remove(sup->kill_timer);
    sup->kill_timer = 0;
    sup->kill_at = at;
    sup->kill_grace = (guint)MIN(grace, G_MAXUINT);
    if (at != G_MAXINT64)
        sup->kill_timer = g_timeout_add_seconds_full(G_PRIORITY_DEFAULT, (guint)grace,
                                                     destroy_kill, sup, NULL);
}

/* Capacity and allocation from the top format node, physical from its
 * protocol node (the file's size), as virsh domblkinfo reports them */
static json_object *
domblkinfo_from_nodes(QvSupervisor *sup, const char *dst, json_object *nodes,
                      GError **error)
{
    QvDiskDef *disk = sup->live ? qv_domain_find_disk(sup->live, dst) : NULL;
    unsigned int index = disk && disk->src ? disk->src->index : 0;
    g_autofree char *fmt = qv_blockdev_node_name(dst, index, true);
    g_autofree char *proto = qv_blockdev_node_name(dst, index, false);
    json_object *out = json_object_new_object();
    bool have_fmt = false;

    for (size_t i = 0; nodes && i < json_object_array_length(nodes); i++) {
        json_object *n = json_object_array_get_idx(nodes, i), *nn, *img, *v;
        const char *name;

        if (!json_object_object_get_ex(n, "node-name", &nn) ||
            !(name = json_object_get_string(nn)) ||
            !json_object_object_get_ex(n, "image", &img))
            continue;
        if (strcmp(name, fmt) == 0) {
            have_fmt = true;
            if (json_object_object_get_ex(img, "virtual-size", &v))
                json_object_object_add(out, "capacity", json_object_get(v));
            if (json_object_object_get_ex(img, "actual-size", &v))
                json_object_object_add(out, "allocation", json_object_get(v));
        } else if (strcmp(name, proto) == 0 &&
                   json_object_object_get_ex(img, "virtual-size", &v)) {
            json_object_object_add(out, "physical", json_object_get(v));
        }
    }
    /* a quorum's storage is its children's */
    if (have_fmt && disk && disk->src->type == QV_STORAGE_QUORUM)
        qv_sup_quorum_blkinfo(disk, nodes, out);
    if (!have_fmt) {
        json_object_put(out);
        g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND,
                    "domain '%s': disk '%s' has no image open in QEMU", sup->files->name, dst);
        return NULL;
    }
    return out;
}

void
qv_sup_do_domblkinfo(QvSupCall *call)
{
    send_qmp(call, "query-named-block-nodes", qv_json_new(NULL, "b:flat", true, NULL));
}

/* "execute" with "arguments": for commands built on the supervisor
 * (qemu-monitor-command) */
void
qv_sup_do_qmp(QvSupCall *call)
{
    /* a guest continues only with its leases, whoever asks */
    if (strcmp(call->args->execute, "cont") == 0 && call->sup->locks &&
        call->sup->locks_released) {
        g_autoptr(GError) err = NULL;

        if (!qv_sup_locks_acquire_all(call->sup, &err)) {
            g_prefix_error(&err, "domain '%s': cont: ", call->sup->files->name);
            qv_ctl_reply_error(call->req, err);
            return;
        }
    }
    send_qmp(call, call->args->execute, json_object_get(call->args->arguments));
}

/* The guest-wide requests that are one QMP command each */
void
qv_sup_do_qmp_simple(QvSupCall *call)
{
    static const char *const qmp_of[QV_CTL_LAST] = {
        [QV_CTL_SHUTDOWN] = "system_powerdown",
        [QV_CTL_SUSPEND] = "stop",
        [QV_CTL_QUERY_BLOCK] = "query-block",
    };

    g_return_if_fail(qmp_of[call->cmd] != NULL);
    send_qmp(call, qmp_of[call->cmd], NULL);
}

/* Every lease back before the guest runs again; a resume that cannot
 * take them leaves it paused and says why */
static void
resume_now(QvSupervisor *sup, QvCtlRequest *req, json_object *unused)
{
    QvSupCall call = { sup, req, QV_CTL_RESUME, NULL, NULL, NULL, NULL, 0 };
    g_autoptr(GError) err = NULL;

    if (!qv_sup_locks_acquire_all(sup, &err)) {
        g_prefix_error(&err, "domain '%s': cannot resume: ", sup->files->name);
        qv_ctl_reply_error(req, err);
        return;
    }
    send_qmp(&call, "cont", NULL);
}

/* after a lease operation under way (a pause's release) */
static void
do_resume(QvSupCall *call)
{
    qv_sup_locks_when_idle(call->sup, resume_now, call->req, NULL);
}

static void
do_lock_status(QvSupCall *call)
{
    g_autoptr(GError) err = NULL;
    json_object *out;

    if (!call->sup->locks) {
        g_set_error(&err, QV_ERROR, QV_ERR_OPERATION_INVALID,
                    "domain '%s': the supervisor follows no leases (see its log)",
                    call->sup->files->name);
        qv_ctl_reply_error(call->req, err);
        return;
    }
    if (!(out = qv_sup_locks_status(call->sup, &err))) {
        qv_ctl_reply_error(call->req, err);
        return;
    }
    qv_ctl_reply(call->req, out);
}

void
qv_sup_do_status(QvSupCall *call)
{
    send_qmp(call, "query-status", NULL);
}

#define LIVE_DISK (QV_SUP_NEEDS_LIVE | QV_SUP_NEEDS_DISK)
#define JOB_START (LIVE_DISK | QV_SUP_NEEDS_IDLE_DISK | QV_SUP_PREFIX_ERRORS)
#define JOB_RUNS (LIVE_DISK | QV_SUP_NEEDS_JOB)

/* Every control command: its handler and what it needs */
static const struct {
    QvSupHandler handler;
    unsigned int needs;
} control_table[QV_CTL_LAST] = {
    [QV_CTL_STATUS] = { qv_sup_do_status, 0 },
    [QV_CTL_DESTROY] = { qv_sup_do_destroy, QV_SUP_WHILE_DESTROYING },
    [QV_CTL_SHUTDOWN] = { qv_sup_do_qmp_simple, 0 },
    [QV_CTL_SUSPEND] = { qv_sup_do_qmp_simple, 0 },
    [QV_CTL_RESUME] = { do_resume, 0 },
    [QV_CTL_QUERY_BLOCK] = { qv_sup_do_qmp_simple, 0 },
    [QV_CTL_DOMBLKINFO] = { qv_sup_do_domblkinfo, QV_SUP_NEEDS_LIVE | QV_SUP_NEEDS_DISK },
    [QV_CTL_QMP] = { qv_sup_do_qmp, 0 },
    [QV_CTL_SNAPSHOT] = { qv_sup_do_snapshot, QV_SUP_NEEDS_LIVE },
    [QV_CTL_BLOCK_COPY] = { qv_sup_do_copy, JOB_START },
    [QV_CTL_BLOCK_PULL] = { qv_sup_do_pull, JOB_START },
    [QV_CTL_BLOCK_COMMIT] = { qv_sup_do_commit, JOB_START },
    [QV_CTL_BLOCK_JOB_INFO] = { qv_sup_do_job_info, LIVE_DISK },
    [QV_CTL_BLOCK_JOB_SPEED] = { qv_sup_do_job_speed, JOB_RUNS },
    [QV_CTL_BLOCK_JOB_ABORT] = { qv_sup_do_job_abort, JOB_RUNS },
    [QV_CTL_BLOCK_JOB_WAIT] = { qv_sup_do_job_wait, LIVE_DISK },
    [QV_CTL_LOCK_STATUS] = { do_lock_status, 0 },
    [QV_CTL_ATTACH_DISK] = { qv_sup_do_attach, QV_SUP_NEEDS_LIVE },
    [QV_CTL_DETACH_DISK] = { qv_sup_do_detach, LIVE_DISK },
    [QV_CTL_CHANGE_MEDIA] = { qv_sup_do_change_media, LIVE_DISK },
    [QV_CTL_BLOCK_QUORUM] = { qv_sup_do_quorum, LIVE_DISK | QV_SUP_PREFIX_ERRORS },
    [QV_CTL_DISK_ERRORS] = { qv_sup_do_disk_errors, QV_SUP_NEEDS_LIVE },
    [QV_CTL_MIGRATE] = { qv_sup_do_migrate, QV_SUP_NEEDS_LIVE },
    [QV_CTL_MIGRATE_INFO] = { qv_sup_do_migrate_info, 0 },
    [QV_CTL_MIGRATE_ABORT] = { qv_sup_do_migrate_abort, 0 },
    [QV_CTL_MIGRATE_SPEED] = { qv_sup_do_migrate_speed, 0 },
    [QV_CTL_MIGRATE_CONFIRM] = { qv_sup_do_migrate_confirm, 0 },
    [QV_CTL_MIGRATE_FINISH] = { qv_sup_do_migrate_finish, QV_SUP_NEEDS_LIVE },
    [QV_CTL_BLOCK_IOTUNE] = { qv_sup_do_block_iotune, LIVE_DISK },
};

void
qv_sup_call_fail(QvSupCall *call, GError *err)
{
    if (call->needs & QV_SUP_PREFIX_ERRORS)
        g_prefix_error(&err, "%s: ", qv_ctl_command_spec(call->cmd)->what);
    qv_ctl_reply_error(call->req, err);
}

bool
qv_sup_chain_element(QvSupervisor *sup, QvDiskDef *disk, const char *spec,
                     QvStorageSource **out, GError **error)
{
    *out = NULL;
    if (!spec)
        return true;
    return (*out = qv_disk_lookup_element(sup->live, disk, spec, error)) != NULL;
}

/* What the row of @call needs; false after answering why not */
static bool
call_prepare(QvSupCall *call)
{
    QvSupervisor *sup = call->sup;
    const char *name = sup->files->name;
    g_autoptr(GError) err = NULL;
    QvSupJob *job = NULL;

    if (sup->destroying && !(call->needs & QV_SUP_WHILE_DESTROYING)) {
        g_set_error(&err, QV_ERROR, QV_ERR_BUSY, "domain '%s' is being destroyed", name);
    } else if (sup->snapshotting &&
               ((call->needs & QV_SUP_NEEDS_IDLE_DISK) || call->cmd == QV_CTL_SNAPSHOT ||
                call->cmd == QV_CTL_ATTACH_DISK || call->cmd == QV_CTL_DETACH_DISK ||
                call->cmd == QV_CTL_CHANGE_MEDIA)) {
        g_set_error(&err, QV_ERROR, QV_ERR_BUSY, "domain '%s': a snapshot is being taken", name);
    } else if (sup->device_op &&
               ((call->needs & QV_SUP_NEEDS_IDLE_DISK) || call->cmd == QV_CTL_SNAPSHOT)) {
        g_set_error(&err, QV_ERROR, QV_ERR_BUSY, "domain '%s': %s is under way", name,
                    sup->device_op);
    } else if ((sup->migration || sup->migrated_out) &&
               ((call->needs & QV_SUP_NEEDS_IDLE_DISK) || call->cmd == QV_CTL_SNAPSHOT ||
                call->cmd == QV_CTL_ATTACH_DISK || call->cmd == QV_CTL_DETACH_DISK ||
                call->cmd == QV_CTL_CHANGE_MEDIA || call->cmd == QV_CTL_BLOCK_QUORUM)) {
        g_set_error(&err, QV_ERROR, QV_ERR_BUSY, "domain '%s': %s", name,
                    sup->migration ? "a migration is under way" :
                    "the domain was migrated away; destroy or resume it");
    } else if ((sup->migration || sup->migrated_out || sup->incoming) &&
               (call->cmd == QV_CTL_RESUME || call->cmd == QV_CTL_SHUTDOWN ||
                (sup->incoming && call->cmd == QV_CTL_SUSPEND) ||
                (call->cmd == QV_CTL_QMP && strcmp(call->args->execute, "cont") == 0))) {
        /* only the migration's own steps run the guest now */
        g_set_error(&err, QV_ERROR, QV_ERR_BUSY, "domain '%s': %s", name,
                    sup->incoming ? "it is arriving by migration" :
                    sup->migration ? "a migration is under way (domjobabort stops it)" :
                    "it was migrated away: destroy it, or take it back with domjobabort");
    } else if ((call->needs & QV_SUP_NEEDS_LIVE) && !sup->live) {
        g_set_error(&err, QV_ERROR, QV_ERR_INTERNAL,
                    "domain '%s': the supervisor has no status document", name);
    } else if ((call->needs & QV_SUP_NEEDS_DISK) &&
               !(call->disk = qv_domain_lookup_disk(sup->live, call->args->disk,
                                                    &call->elem, &err))) {
        /* err is set */
    } else if (call->disk && (call->needs & QV_SUP_NEEDS_IDLE_DISK) &&
               qv_sup_hotplug_unplugging(sup, call->disk)) {
        g_set_error(&err, QV_ERROR, QV_ERR_BUSY, "domain '%s': disk '%s' is being unplugged",
                    name, call->disk->dst);
    } else if (call->disk && (job = qv_sup_job_find(sup, call->disk->dst)) &&
               (call->needs & QV_SUP_NEEDS_IDLE_DISK)) {
        g_set_error(&err, QV_ERROR, QV_ERR_BUSY,
                    "domain '%s': disk '%s' already has a block job: %s job '%s'%s",
                    name, call->disk->dst, qv_job_type_to_string(job->type), job->id,
                    job->ready ? " (ready)" : "");
    } else if ((call->needs & QV_SUP_NEEDS_JOB) && !job) {
        g_set_error(&err, QV_ERROR, QV_ERR_OPERATION_INVALID,
                    "domain '%s': no block job is running on disk '%s'", name, call->disk->dst);
    }
    if (err) {
        qv_sup_call_fail(call, err);
        return false;
    }
    call->job = job;
    return true;
}

void
qv_sup_control_handle(QvCtlRequest *req, json_object *msg, gpointer opaque)
{
    QvSupervisor *sup = opaque;
    g_autoptr(GError) err = NULL;
    g_auto(QvCtlArgs) args = { 0 };
    QvSupCall call = { sup, req, QV_CTL_LAST, &args, NULL, NULL, NULL, 0 };

    if (!qv_ctl_decode(msg, &call.cmd, &args, &err)) {
        g_prefix_error(&err, "domain '%s': ", sup->files->name);
        qv_ctl_reply_error(req, err);
        return;
    }
    call.needs = control_table[call.cmd].needs;
    if (call_prepare(&call))
        control_table[call.cmd].handler(&call);
}
