/*
 * qv-sup-migrate: the source's part of a live migration.
 *
 * The request ("migrate", its "arguments" built by src/lib/qv-migrate.c)
 * names where the destination's QEMU waits: the RAM stream's URI, its
 * NBD server and one export per disk to copy.  The sequence is the one
 * libvirt runs on QEMU (see ../shared/research/live-disks.md, section 3):
 *
 *   1. per disk to copy: an nbd + raw node pair for the export, and
 *      blockdev-mirror from the disk's top node (sync full, or top for
 *      an incremental copy), until every mirror is ready;
 *   2. migrate with pause-before-switchover;
 *   3. at pre-switchover the vCPUs are stopped and the STOP has let the
 *      leases go; the mirrors are cancelled (ready mirrors complete,
 *      so the destination holds every write and the source's images
 *      stay whole), their nodes deleted; migrate-continue;
 *   4. completed: the request is answered with QEMU's figures and the
 *      lease state, and the source waits, paused, for its confirm:
 *      "done" (QEMU is stopped: the guest runs on the destination) or
 *      "resume" (the destination failed: leases taken back, cont).
 *
 * Any failure before the end, the requester going away and domjobabort
 * undo it all (migrate_cancel, mirrors cancelled by force, nodes gone)
 * and let a guest that ran run again, with its leases.
 *
 * The steps are driven from QEMU's events and the answers to them; one
 * function advances the state, and calls that arrive while it runs
 * (nested QMP loops) ask it to look again instead of running twice.
 */
#include <signal.h>
#include <string.h>

#include "qemu/qv-blockdev.h"
#include "util/qv-error.h"
#include "util/qv-json.h"
#include "util/qv-json-build.h"
#include "supervisor/qv-supervisor-priv.h"

/* QEMU's max-bandwidth for "unlimited", as libvirt sends it */
#define MIG_BANDWIDTH_MAX ((G_MAXINT64 / (1024 * 1024)) * (1024 * 1024))

typedef enum {
    MIG_STORAGE,                 /* mirrors started, waiting for them to be ready */
    MIG_RAM,                     /* migrate sent */
    MIG_SWITCHOVER,              /* pre-switchover: leases, then the mirrors' end */
    MIG_MIRRORS_ENDING,          /* block-job-cancel sent to every mirror */
    MIG_CONTINUE,                /* migrate-continue sent */
    MIG_ABORTING,                /* undoing: waiting for QEMU */
    MIG_DONE,                    /* answered */
} MigPhase;

static const char *const phase_names[] = {
    [MIG_STORAGE] = "storage",
    [MIG_RAM] = "memory",
    [MIG_SWITCHOVER] = "switchover",
    [MIG_MIRRORS_ENDING] = "switchover",
    [MIG_CONTINUE] = "switchover",
    [MIG_ABORTING] = "cancelling",
    [MIG_DONE] = "completed",
};

typedef struct {
    char *disk;                  /* target name */
    char *job;                   /* QEMU's job id */
    char *src_node;              /* the disk's top node */
    char *fmt, *proto;           /* the export's raw and nbd nodes */
    char *export;
    bool added, started, ready, concluded;
    char *error;                 /* what QEMU said when it ended badly */
} MigDisk;

struct _QvSupMigration {
    QvSupervisor *sup;
    QvCtlRequest *req;           /* the migrate request, answered once */
    GPtrArray *disks;            /* MigDisk */
    json_object *nbd;            /* the destination's NBD server address */
    char *uri;                   /* the RAM stream */
    bool inc;                    /* mirror only the top images */
    bool write_blocking;
    bool abort_on_error;
    bool live;                   /* the guest runs while its RAM is copied */
    guint64 bandwidth;           /* bytes/s, 0: unlimited */
    guint timeout_timer;
    bool was_running;
    bool migrating;              /* migrate sent, QEMU not yet ended it */
    bool qemu_ended;             /* QEMU's migration status failed or cancelled */
    bool cancel_sent;
    bool released;               /* the leases let go after the STOP */
    bool completed;              /* QEMU's MIGRATION completed */
    bool finished;               /* over: mig_end once no step runs */
    uint64_t disk_bytes;         /* what the mirrors that ended copied */
    bool ended;                  /* mig_end ran: only the references keep it */
    guint refs;                  /* sup->migration's, and every caller that may run
                                  * nested QMP loops (whose events may end it) */
    MigPhase phase;
    gint64 started;              /* monotonic, µs */
    GError *failure;             /* why it is undone */
    bool busy, again;
};

static void
mig_disk_free(MigDisk *d)
{
    g_free(d->disk);
    g_free(d->job);
    g_free(d->src_node);
    g_free(d->fmt);
    g_free(d->proto);
    g_free(d->export);
    g_free(d->error);
    g_free(d);
}

static void
mig_free(QvSupMigration *m)
{
    if (m->timeout_timer)
        g_source_remove(m->timeout_timer);
    g_ptr_array_free(m->disks, TRUE);
    json_object_put(m->nbd);
    g_free(m->uri);
    g_clear_error(&m->failure);
    g_free(m);
}

static QvSupMigration *
mig_ref(QvSupMigration *m)
{
    m->refs++;
    return m;
}

static void
mig_unref(QvSupMigration *m)
{
    if (--m->refs == 0)
        mig_free(m);
}

static const char *
dom_name(QvSupMigration *m)
{
    return m->sup->files->name;
}

static void mig_advance(QvSupMigration *m);

/* The first failure wins: it is the one the person is told */
static void
mig_fail(QvSupMigration *m, GError *err)
{
    if (!m->failure)
        m->failure = err;
    else
        g_error_free(err);
}

static bool
qmp(QvSupMigration *m, const char *cmd, json_object *args, json_object **ret, GError **error)
{
    return qv_qmp_command_sync(m->sup->qmp, cmd, &args, QV_QMP_TIMEOUT_MS, ret, error);
}

static MigDisk *
disk_by_job(QvSupMigration *m, const char *id)
{
    for (guint i = 0; id && i < m->disks->len; i++) {
        MigDisk *d = m->disks->pdata[i];

        if (d->started && strcmp(d->job, id) == 0)
            return d;
    }
    return NULL;
}

/* ---- the mirrors ---- */

static json_object *
nbd_server(QvSupMigration *m)
{
    json_object *srv = NULL;

    json_object_deep_copy(m->nbd, &srv, NULL);
    return srv;
}

static bool
start_mirror(QvSupMigration *m, MigDisk *d, GError **error)
{
    json_object *srv = nbd_server(m), *nbd, *raw, *mirror;

    nbd = qv_json_new(error, "s:driver", "nbd", "s:node-name", d->proto, "a:server", &srv,
                      "s:export", d->export, NULL);
    if (!nbd || !qmp(m, "blockdev-add", nbd, NULL, error))
        return false;
    d->added = true;
    raw = qv_json_new(error, "s:driver", "raw", "s:node-name", d->fmt, "s:file", d->proto,
                      NULL);
    if (!raw || !qmp(m, "blockdev-add", raw, NULL, error))
        return false;
    mirror = qv_json_new(error, "s:job-id", d->job, "s:device", d->src_node,
                         "s:target", d->fmt, "s:sync", m->inc ? "top" : "full",
                         "U:speed", m->bandwidth,
                         "S:copy-mode", m->write_blocking ? "write-blocking" : NULL,
                         "b:auto-dismiss", false, NULL);
    /* its first events may come with the answer */
    d->started = true;
    if (!mirror || !qmp(m, "blockdev-mirror", mirror, NULL, error)) {
        d->started = d->ready || d->concluded;
        return false;
    }
    return true;
}

/* The nodes of the export go (after the job, which holds them) */
static void
drop_nodes(QvSupMigration *m, MigDisk *d)
{
    g_autoptr(GError) err = NULL;

    if (d->started && d->concluded) {
        qmp(m, "job-dismiss", qv_json_new(NULL, "s:id", d->job, NULL), NULL, &err);
        g_clear_error(&err);
        d->started = false;
    }
    if (!d->added || d->started)
        return;
    if (!qmp(m, "blockdev-del", qv_json_new(NULL, "s:node-name", d->fmt, NULL), NULL, &err))
        g_printerr("domain '%s': migration: blockdev-del %s: %s\n", dom_name(m), d->fmt,
                   err->message);
    g_clear_error(&err);
    if (!qmp(m, "blockdev-del", qv_json_new(NULL, "s:node-name", d->proto, NULL), NULL, &err))
        g_printerr("domain '%s': migration: blockdev-del %s: %s\n", dom_name(m), d->proto,
                   err->message);
    d->added = false;
}

static bool
all(QvSupMigration *m, bool ready)
{
    for (guint i = 0; i < m->disks->len; i++) {
        MigDisk *d = m->disks->pdata[i];

        if (ready ? !d->ready : (d->started && !d->concluded))
            return false;
    }
    return true;
}

static void
cancel_mirrors(QvSupMigration *m, bool force)
{
    for (guint i = 0; i < m->disks->len; i++) {
        MigDisk *d = m->disks->pdata[i];
        g_autoptr(GError) err = NULL;

        if (!d->started || d->concluded)
            continue;
        if (!qmp(m, "block-job-cancel", qv_json_new(NULL, "s:device", d->job, "b:force",
                                                   force, NULL), NULL, &err)) {
            /* a job that ended meanwhile is told by its event */
            g_printerr("domain '%s': migration: block-job-cancel %s: %s\n", dom_name(m),
                       d->job, err->message);
        }
    }
}

/* JOB_STATUS_CHANGE of a mirror */
static void
mirror_status(QvSupMigration *m, MigDisk *d, const char *status)
{
    if (strcmp(status, "ready") == 0) {
        d->ready = true;
    } else if (strcmp(status, "concluded") == 0 && !d->concluded) {
        g_autoptr(json_object) jobs = NULL;
        json_object *job = NULL, *e = NULL;

        d->concluded = true;
        if (qmp(m, "query-jobs", NULL, &jobs, NULL) &&
            (job = qv_sup_qemu_job(jobs, "id", d->job))) {
            if (json_object_object_get_ex(job, "error", &e))
                d->error = g_strdup(json_object_get_string(e));
            if (json_object_object_get_ex(job, "current-progress", &e))
                m->disk_bytes += json_object_get_uint64(e);
        }
        /* a mirror that ends before qvirt ended it failed */
        if (m->phase == MIG_STORAGE || m->phase == MIG_RAM || m->phase == MIG_SWITCHOVER ||
            (m->phase == MIG_MIRRORS_ENDING && d->error))
            mig_fail(m, g_error_new(QV_ERROR, QV_ERR_OPERATION_FAILED,
                                    "domain '%s': migration: the copy of disk '%s' to the "
                                    "destination failed: %s", dom_name(m), d->disk,
                                    d->error ? d->error : "the job ended early"));
    }
}

/* ---- the end ---- */

static json_object *
figures(QvSupMigration *m)
{
    g_autoptr(json_object) st = NULL;
    json_object *out = json_object_new_object();

    if (qmp(m, "query-migrate", NULL, &st, NULL))
        json_object_object_add(out, "qemu", json_object_get(st));
    json_object_object_add(out, "elapsed_ms",
                           json_object_new_int64((g_get_monotonic_time() - m->started) / 1000));
    json_object_object_add(out, "disk_bytes", json_object_new_uint64(m->disk_bytes));
    json_object_object_add(out, "lock_state",
                           m->sup->lock_state ? json_object_new_string(m->sup->lock_state) : NULL);
    return out;
}

static void
resume_guest(QvSupervisor *sup, QvCtlRequest *req, json_object *unused)
{
    g_autoptr(GError) err = NULL;

    if (sup->qemu_pid <= 0 || !sup->qmp)
        return;
    if (!qv_sup_locks_acquire_all(sup, &err) ||
        !qv_qmp_command_sync(sup->qmp, "cont", NULL, QV_QMP_TIMEOUT_MS, NULL, &err)) {
        g_printerr("domain '%s': after the migration failed, the guest stays paused: %s\n",
                   sup->files->name, err->message);
        qv_sup_locks_release_all(sup);
        return;
    }
    g_printerr("domain '%s': the guest runs on this host again\n", sup->files->name);
}

static void
mig_end(QvSupMigration *m)
{
    QvSupervisor *sup = m->sup;

    if (m->ended)
        return;
    m->ended = true;
    sup->migration = NULL;
    m->phase = MIG_DONE;
    qv_sup_locks_extra_done(sup);
    if (m->failure && m->completed && sup->qemu_pid > 0) {
        /* QEMU completed: the destination may have its images active
         * now; the command resumes the guest here once it has undone
         * the destination (migrate-confirm resume) */
        sup->migrated_out = true;
        g_printerr("domain '%s': %s (after QEMU completed: the guest stays paused until the "
                   "destination is undone)\n", dom_name(m), m->failure->message);
        if (m->req)
            qv_ctl_reply_error(m->req, m->failure);
    } else if (m->failure) {
        g_printerr("domain '%s': %s\n", dom_name(m), m->failure->message);
        if (m->req)
            qv_ctl_reply_error(m->req, m->failure);
        if (m->was_running && sup->qemu_pid > 0)
            qv_sup_locks_when_idle(sup, resume_guest, NULL, NULL);
    } else {
        sup->migrated_out = true;
        if (sup->rt)
            qv_sup_set_state(sup, QV_GUEST_PAUSED, "migration");
        if (m->req)
            qv_ctl_reply(m->req, figures(m));
    }
    m->req = NULL;
    mig_unref(m);
}

/* Undo: QEMU's migration cancelled, the mirrors too, their nodes gone */
static void
abort_step(QvSupMigration *m)
{
    if (m->completed) {
        /* nothing to cancel: QEMU's side is over */
        m->migrating = false;
    }
    if (m->phase != MIG_ABORTING) {
        m->phase = MIG_ABORTING;
        if (m->migrating && !m->qemu_ended && m->sup->qmp) {
            g_autoptr(GError) err = NULL;

            /* QEMU restarts the vCPUs of a guest that ran when it
             * cancels after the switch began: its leases come first */
            if (m->released && m->was_running &&
                !qv_sup_locks_acquire_all(m->sup, &err))
                g_printerr("domain '%s': migration: the leases could not be taken back "
                           "before the guest resumes: %s\n", dom_name(m), err->message);
            qmp(m, "migrate_cancel", NULL, NULL, NULL);
        }
        if (m->sup->qmp)
            cancel_mirrors(m, true);
    }
    if (m->sup->qmp && !(m->sup->qemu_pid > 0)) {
        /* QEMU is gone: nothing to wait for */
    } else if ((m->migrating && !m->qemu_ended) || !all(m, false)) {
        return;
    }
    for (guint i = 0; m->sup->qemu_pid > 0 && i < m->disks->len; i++)
        drop_nodes(m, m->disks->pdata[i]);
    m->finished = true;
}

static void
switchover_released(QvSupervisor *sup, QvCtlRequest *req, json_object *unused)
{
    QvSupMigration *m = sup->migration;

    if (!m || m->phase != MIG_SWITCHOVER)
        return;
    m->released = true;
    mig_advance(m);
}

static bool
start_ram(QvSupMigration *m, GError **error)
{
    json_object *params;

    /* not live: the guest stops (its leases go) before its RAM is sent */
    if (!m->live && m->sup->rt->state == QV_GUEST_RUNNING &&
        !qmp(m, "stop", NULL, NULL, error))
        return false;
    params = qv_json_new(error, "u:max-bandwidth",
                         m->bandwidth ? m->bandwidth : (uint64_t)MIG_BANDWIDTH_MAX, NULL);
    if (!params || !qmp(m, "migrate-set-parameters", params, NULL, error))
        return false;
    /* its first events may come with the answer */
    m->migrating = true;
    m->phase = MIG_RAM;
    if (!qmp(m, "migrate", qv_json_new(NULL, "s:uri", m->uri, NULL), NULL, error)) {
        m->migrating = false;
        return false;
    }
    return true;
}

static void
step(QvSupMigration *m)
{
    g_autoptr(GError) err = NULL;

    if (m->failure || m->phase == MIG_ABORTING) {
        abort_step(m);
        return;
    }
    if (m->completed && m->phase == MIG_CONTINUE) {
        m->migrating = false;
        m->finished = true;
        return;
    }
    switch (m->phase) {
    case MIG_STORAGE:
        if (all(m, true) && !start_ram(m, &err)) {
            g_prefix_error(&err, "domain '%s': migration: ", dom_name(m));
            mig_fail(m, g_steal_pointer(&err));
            m->again = true;
        }
        return;
    case MIG_RAM:
        return;
    case MIG_SWITCHOVER:
        /* the STOP let the leases go before the destination may run */
        if (!m->released) {
            qv_sup_locks_release_all(m->sup);
            qv_sup_locks_when_idle(m->sup, switchover_released, NULL, NULL);
            return;
        }
        qv_sup_set_state(m->sup, QV_GUEST_PAUSED, "migration");
        m->phase = MIG_MIRRORS_ENDING;
        cancel_mirrors(m, false);
        m->again = true;
        return;
    case MIG_MIRRORS_ENDING:
        if (!all(m, false))
            return;
        for (guint i = 0; i < m->disks->len; i++)
            drop_nodes(m, m->disks->pdata[i]);
        /* its "completed" may come before the answer */
        m->phase = MIG_CONTINUE;
        if (!qmp(m, "migrate-continue", qv_json_new(NULL, "s:state", "pre-switchover", NULL),
                 NULL, &err)) {
            g_prefix_error(&err, "domain '%s': migration: ", dom_name(m));
            mig_fail(m, g_steal_pointer(&err));
        }
        m->again = true;
        return;
    case MIG_CONTINUE:
    case MIG_ABORTING:
    case MIG_DONE:
        return;
    }
}

static void
mig_advance(QvSupMigration *m)
{
    if (m->busy) {
        m->again = true;
        return;
    }
    mig_ref(m);
    m->busy = true;
    do {
        m->again = false;
        if (!m->finished)
            step(m);
    } while (m->again && !m->finished);
    m->busy = false;
    /* the outermost call ends it: no step is under way */
    if (m->finished)
        mig_end(m);
    mig_unref(m);
}

/* ---- events ---- */

void
qv_sup_migrate_event(QvSupervisor *sup, const char *name, json_object *data)
{
    QvSupMigration *m = sup->migration;
    const char *status = NULL, *id = NULL;

    if (!m || !data)
        return;
    /* its handlers run nested QMP calls, whose events may end it */
    mig_ref(m);
    qv_json_get_string(data, "status", &status, NULL);
    if (strcmp(name, "JOB_STATUS_CHANGE") == 0) {
        MigDisk *d;

        qv_json_get_string(data, "id", &id, NULL);
        if (status && (d = disk_by_job(m, id)))
            mirror_status(m, d, status);
    } else if (strcmp(name, "MIGRATION") == 0 && status) {
        if (strcmp(status, "pre-switchover") == 0 && m->phase == MIG_RAM) {
            m->phase = MIG_SWITCHOVER;
        } else if (strcmp(status, "completed") == 0) {
            m->completed = true;
        } else if (strcmp(status, "failed") == 0 || strcmp(status, "cancelled") == 0) {
            m->qemu_ended = true;
            m->migrating = false;
            if (!m->failure) {
                g_autoptr(json_object) st = NULL;
                json_object *desc = NULL;

                qmp(m, "query-migrate", NULL, &st, NULL);
                if (st)
                    json_object_object_get_ex(st, "error-desc", &desc);
                mig_fail(m, g_error_new(QV_ERROR, QV_ERR_OPERATION_FAILED,
                                        "domain '%s': migration: QEMU's migration %s: %s",
                                        dom_name(m), status,
                                        desc ? json_object_get_string(desc) : "no reason given"));
            }
        }
    } else if (strcmp(name, "BLOCK_IO_ERROR") == 0 && m->abort_on_error) {
        const char *action = NULL, *dev = NULL;

        /* libvirt's ABORT_ON_ERROR: the guest paused by an I/O error */
        qv_json_get_string(data, "action", &action, NULL);
        qv_json_get_string(data, "device", &dev, NULL);
        if (action && strcmp(action, "stop") == 0)
            mig_fail(m, g_error_new(QV_ERROR, QV_ERR_OPERATION_FAILED,
                                    "domain '%s': migration aborted: an I/O error paused the "
                                    "guest (%s)", dom_name(m), dev && *dev ? dev : "a disk"));
    }
    if (!m->ended)
        mig_advance(m);
    mig_unref(m);
}

void
qv_sup_migrate_qemu_gone(QvSupervisor *sup, const char *reason)
{
    QvSupMigration *m = sup->migration;

    if (!m)
        return;
    mig_fail(m, g_error_new(QV_ERROR, QV_ERR_OPERATION_FAILED,
                            "domain '%s': migration: QEMU exited (%s)", dom_name(m), reason));
    m->was_running = false;
    m->qemu_ended = true;
    m->migrating = false;
    for (guint i = 0; i < m->disks->len; i++) {
        MigDisk *d = m->disks->pdata[i];

        d->concluded = true;
        d->started = d->added = false;
    }
    m->phase = MIG_ABORTING;
    m->finished = true;
    mig_advance(m);
}

static void
requester_gone(gpointer opaque)
{
    QvSupervisor *sup = opaque;
    QvSupMigration *m = sup->migration;

    if (!m)
        return;
    /* the answer goes nowhere; the request is freed with it */
    mig_fail(m, g_error_new(QV_ERROR, QV_ERR_OPERATION_FAILED,
                            "domain '%s': migration: the connection to the migrating "
                            "command was lost", dom_name(m)));
    mig_advance(m);
}

static gboolean
timed_out(gpointer opaque)
{
    QvSupMigration *m = opaque;

    m->timeout_timer = 0;
    if (m->ended || m->failure || (m->phase != MIG_STORAGE && m->phase != MIG_RAM))
        return G_SOURCE_REMOVE;
    if (m->abort_on_error) {
        mig_fail(m, g_error_new(QV_ERROR, QV_ERR_TIMEOUT,
                                "domain '%s': migration did not complete in time; aborted",
                                dom_name(m)));
        mig_advance(m);
    } else {
        /* a guest that stops writing converges */
        g_printerr("domain '%s': migration: timeout; suspending the guest\n", dom_name(m));
        qv_qmp_command(m->sup->qmp, "stop", NULL, QV_QMP_TIMEOUT_MS, NULL, NULL);
    }
    return G_SOURCE_REMOVE;
}

/* ---- the requests ---- */

static bool
parse_disks(QvSupMigration *m, json_object *list, GError **error)
{
    QvSupervisor *sup = m->sup;

    for (size_t i = 0; list && i < json_object_array_length(list); i++) {
        json_object *o = json_object_array_get_idx(list, i);
        const char *target = NULL, *export = NULL;
        QvDiskDef *disk;
        QvSupJob *job;
        MigDisk *d;

        if (!qv_json_require_string(o, "disk", &target, error) ||
            !qv_json_require_string(o, "export", &export, error))
            return false;
        if (!(disk = qv_domain_find_disk(sup->live, target)) || !disk->src) {
            g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND,
                        "domain '%s' has no disk '%s' with a medium", dom_name(m), target);
            return false;
        }
        if ((job = qv_sup_job_find(sup, target))) {
            g_set_error(error, QV_ERROR, QV_ERR_BUSY,
                        "domain '%s': disk '%s' has a block job (%s job '%s'): end it first",
                        dom_name(m), target, qv_job_type_to_string(job->type), job->id);
            return false;
        }
        d = g_new0(MigDisk, 1);
        d->disk = g_strdup(target);
        d->job = g_strdup_printf("migrate-%s", target);
        d->src_node = qv_sup_fmt_node(disk, disk->src);
        d->fmt = g_strdup_printf("migration-%s-format", target);
        d->proto = g_strdup_printf("migration-%s-storage", target);
        d->export = g_strdup(export);
        g_ptr_array_add(m->disks, d);
    }
    return true;
}

static bool
refuse_busy(QvSupervisor *sup, GError **error)
{
    GHashTableIter it;
    gpointer val;

    if (sup->migration || sup->migrated_out) {
        g_set_error(error, QV_ERROR, QV_ERR_BUSY, "domain '%s': %s", sup->files->name,
                    sup->migration ? "a migration is under way" :
                    "the domain was migrated away; destroy or resume it");
        return false;
    }
    if (sup->device_op || sup->snapshotting) {
        g_set_error(error, QV_ERROR, QV_ERR_BUSY, "domain '%s': %s is under way",
                    sup->files->name, sup->device_op ? sup->device_op : "a snapshot");
        return false;
    }
    /* libvirt refuses any block job: its mirror would miss the switch */
    if (sup->jobs)
        g_hash_table_iter_init(&it, sup->jobs);
    if (sup->jobs && g_hash_table_iter_next(&it, NULL, &val)) {
        QvSupJob *job = val;

        g_set_error(error, QV_ERROR, QV_ERR_BUSY,
                    "domain '%s': disk '%s' has a block job (%s job '%s'): end it before "
                    "migrating", sup->files->name, job->disk, qv_job_type_to_string(job->type),
                    job->id);
        return false;
    }
    return true;
}

void
qv_sup_do_migrate(QvSupCall *call)
{
    QvSupervisor *sup = call->sup;
    json_object *a = call->args->arguments, *disks = NULL, *nbd = NULL;
    g_autoptr(GError) err = NULL;
    const char *uri = NULL, *sync = NULL;
    uint64_t bw = 0, timeout = 0;
    bool wb = false, abort_to = false, live = true;
    json_object *v;
    QvSupMigration *m;

    if (!refuse_busy(sup, &err) ||
        !qv_json_require_string(a, "uri", &uri, &err) ||
        !qv_json_get_string(a, "sync", &sync, &err) ||
        !qv_json_get_uint64(a, "bandwidth", &bw, NULL, &err) ||
        !qv_json_get_uint64(a, "timeout", &timeout, NULL, &err) ||
        !qv_json_get_array(a, "disks", &disks, &err) ||
        !qv_json_get_object(a, "nbd", &nbd, &err)) {
        qv_ctl_reply_error(call->req, err);
        return;
    }
    if (json_object_object_get_ex(a, "write_blocking", &v))
        wb = json_object_get_boolean(v);
    if (json_object_object_get_ex(a, "abort_on_error", &v))
        abort_to = json_object_get_boolean(v);
    if (json_object_object_get_ex(a, "live", &v))
        live = json_object_get_boolean(v);
    if (disks && json_object_array_length(disks) && !nbd) {
        g_set_error(&err, QV_ERROR, QV_ERR_INVALID_ARG,
                    "domain '%s': migration: disks to copy but no NBD server", sup->files->name);
        qv_ctl_reply_error(call->req, err);
        return;
    }
    m = g_new0(QvSupMigration, 1);
    m->refs = 1;
    m->sup = sup;
    m->disks = g_ptr_array_new_with_free_func((GDestroyNotify)mig_disk_free);
    m->uri = g_strdup(uri);
    m->nbd = nbd ? json_object_get(nbd) : NULL;
    m->inc = sync && strcmp(sync, "top") == 0;
    m->write_blocking = wb;
    m->abort_on_error = abort_to;
    m->live = live;
    m->bandwidth = bw ? bw : sup->migrate_speed;
    m->started = g_get_monotonic_time();
    m->was_running = sup->rt->state == QV_GUEST_RUNNING;
    if (!parse_disks(m, disks, &err)) {
        mig_free(m);
        qv_ctl_reply_error(call->req, err);
        return;
    }
    {
        json_object *caps = json_object_new_array();

        json_object_array_add(caps, qv_json_new(NULL, "s:capability", "events", "b:state", true,
                                                NULL));
        json_object_array_add(caps, qv_json_new(NULL, "s:capability", "pause-before-switchover",
                                                "b:state", true, NULL));
        if (!qmp(m, "migrate-set-capabilities", qv_json_new(NULL, "a:capabilities", &caps, NULL),
                 NULL, &err)) {
            g_prefix_error(&err, "domain '%s': migration: ", sup->files->name);
            mig_free(m);
            qv_ctl_reply_error(call->req, err);
            return;
        }
    }
    sup->migration = m;
    m->req = call->req;
    qv_ctl_request_on_close(call->req, requester_gone, sup);
    if (timeout)
        m->timeout_timer = g_timeout_add_seconds((guint)MIN(timeout, G_MAXUINT), timed_out, m);
    g_printerr("domain '%s': migrating (%u disk(s) to copy) to %s\n", sup->files->name,
               m->disks->len, m->uri);
    m->busy = true;
    for (guint i = 0; i < m->disks->len && !m->failure; i++) {
        if (!start_mirror(m, m->disks->pdata[i], &err)) {
            g_prefix_error(&err, "domain '%s': migration: disk '%s': ", sup->files->name,
                           ((MigDisk *)m->disks->pdata[i])->disk);
            mig_fail(m, g_steal_pointer(&err));
        }
    }
    m->busy = false;
    mig_advance(m);
}

static void confirm_resume(QvSupervisor *sup, QvCtlRequest *req, json_object *unused);

static void
add_u64(json_object *o, const char *key, json_object *from, const char *fkey)
{
    json_object *v = NULL;

    if (from && json_object_object_get_ex(from, fkey, &v))
        json_object_object_add(o, key, json_object_new_uint64(json_object_get_uint64(v)));
}

void
qv_sup_do_migrate_info(QvSupCall *call)
{
    QvSupMigration *m = call->sup->migration;
    g_autoptr(json_object) jobs = NULL, st = NULL;
    json_object *out, *ram = NULL;
    uint64_t total = 0, done = 0;

    if (!m) {
        qv_ctl_reply(call->req, NULL);
        return;
    }
    /* the queries run nested loops, whose events may end it */
    mig_ref(m);
    out = json_object_new_object();
    json_object_object_add(out, "phase", json_object_new_string(phase_names[m->phase]));
    json_object_object_add(out, "elapsed_ms",
                           json_object_new_int64((g_get_monotonic_time() - m->started) / 1000));
    if (qmp(m, "query-block-jobs", NULL, &jobs, NULL)) {
        for (guint i = 0; i < m->disks->len; i++) {
            MigDisk *d = m->disks->pdata[i];
            json_object *j = qv_sup_qemu_job(jobs, "device", d->job), *v;

            if (!j)
                continue;
            if (json_object_object_get_ex(j, "len", &v))
                total += json_object_get_uint64(v);
            if (json_object_object_get_ex(j, "offset", &v))
                done += json_object_get_uint64(v);
        }
    }
    json_object_object_add(out, "disk_total", json_object_new_uint64(total));
    json_object_object_add(out, "disk_processed", json_object_new_uint64(done));
    json_object_object_add(out, "disk_remaining", json_object_new_uint64(total - MIN(total, done)));
    if (!m->ended && m->migrating && qmp(m, "query-migrate", NULL, &st, NULL) &&
        json_object_object_get_ex(st, "ram", &ram)) {
        add_u64(out, "mem_total", ram, "total");
        add_u64(out, "mem_processed", ram, "transferred");
        add_u64(out, "mem_remaining", ram, "remaining");
    }
    mig_unref(m);
    qv_ctl_reply(call->req, out);
}

void
qv_sup_do_migrate_abort(QvSupCall *call)
{
    QvSupMigration *m = call->sup->migration;
    g_autoptr(GError) err = NULL;

    /* the migrating command went away after QEMU completed: the guest
     * is taken back (if its leases are free: not running elsewhere) */
    if (!m && call->sup->migrated_out) {
        qv_sup_locks_when_idle(call->sup, confirm_resume, call->req, NULL);
        return;
    }
    if (!m) {
        g_set_error(&err, QV_ERROR, QV_ERR_OPERATION_INVALID,
                    "domain '%s': no migration is under way", call->sup->files->name);
        qv_ctl_reply_error(call->req, err);
        return;
    }
    if (m->phase >= MIG_MIRRORS_ENDING && m->phase != MIG_ABORTING) {
        g_set_error(&err, QV_ERROR, QV_ERR_OPERATION_INVALID,
                    "domain '%s': the migration is switching over and cannot be aborted",
                    call->sup->files->name);
        qv_ctl_reply_error(call->req, err);
        return;
    }
    mig_fail(m, g_error_new(QV_ERROR, QV_ERR_ABORTED,
                            "domain '%s': migration aborted by request", call->sup->files->name));
    qv_ctl_reply(call->req, NULL);
    mig_advance(m);
}

void
qv_sup_do_migrate_speed(QvSupCall *call)
{
    QvSupervisor *sup = call->sup;
    QvSupMigration *m = sup->migration;

    /* absent: read it; the CLI's "unlimited" is the largest value */
    if (call->args->bandwidth) {
        sup->migrate_speed = call->args->bandwidth >= (uint64_t)MIG_BANDWIDTH_MAX ?
                             0 : call->args->bandwidth;
        if (m) {
            mig_ref(m);
            m->bandwidth = sup->migrate_speed;
            for (guint i = 0; i < m->disks->len && !m->ended; i++) {
                MigDisk *d = m->disks->pdata[i];

                if (d->started && !d->concluded)
                    qmp(m, "block-job-set-speed", qv_json_new(NULL, "s:device", d->job,
                                                              "u:speed", m->bandwidth, NULL),
                        NULL, NULL);
            }
            if (!m->ended && m->migrating)
                qmp(m, "migrate-set-parameters",
                    qv_json_new(NULL, "u:max-bandwidth", m->bandwidth ? m->bandwidth :
                                (uint64_t)MIG_BANDWIDTH_MAX, NULL), NULL, NULL);
            mig_unref(m);
        }
    }
    qv_ctl_reply(call->req, qv_json_new(NULL, "u:bandwidth", sup->migrate_speed, NULL));
}

/* The destination failed after QEMU completed: the guest runs here
 * again, once every lease is back */
static void
confirm_resume(QvSupervisor *sup, QvCtlRequest *req, json_object *unused)
{
    g_autoptr(GError) err = NULL;

    if (!sup->migrated_out) {
        g_set_error(&err, QV_ERROR, QV_ERR_OPERATION_INVALID,
                    "domain '%s' has not been migrated", sup->files->name);
        qv_ctl_reply_error(req, err);
        return;
    }
    if (!qv_sup_locks_acquire_all(sup, &err) ||
        !qv_qmp_command_sync(sup->qmp, "cont", NULL, QV_QMP_TIMEOUT_MS, NULL, &err)) {
        g_prefix_error(&err, "domain '%s': cannot resume after the failed migration: ",
                       sup->files->name);
        qv_ctl_reply_error(req, err);
        return;
    }
    sup->migrated_out = false;
    qv_ctl_reply(req, NULL);
}

/* After "migrate" answered: the guest runs on the destination ("done":
 * QEMU goes), or it failed there ("resume": it runs here again) */
void
qv_sup_do_migrate_confirm(QvSupCall *call)
{
    QvSupervisor *sup = call->sup;
    g_autoptr(GError) err = NULL;

    if (!sup->migrated_out) {
        g_set_error(&err, QV_ERROR, QV_ERR_OPERATION_INVALID,
                    "domain '%s' has not been migrated", sup->files->name);
        qv_ctl_reply_error(call->req, err);
        return;
    }
    /* the images stay in use on the other host (shared storage): their
     * labels are the destination's now, not restored here (libvirt
     * skips the restore of migrated images on a shared file system) */
    if (strcmp(call->args->name, "done-shared") == 0)
        qv_sup_labels_forget(sup);
    if (strcmp(call->args->name, "done") == 0 || strcmp(call->args->name, "done-shared") == 0) {
        sup->exit_reason = "migrated";
        sup->exit_waiters = g_list_append(sup->exit_waiters, call->req);
        if (!sup->destroying) {
            sup->destroying = true;
            kill(sup->qemu_pid, SIGTERM);
        }
        return;
    }
    if (strcmp(call->args->name, "resume") != 0) {
        g_set_error(&err, QV_ERROR, QV_ERR_INVALID_ARG,
                    "migration confirm: unknown outcome '%s' (done, done-shared, resume)", call->args->name);
        qv_ctl_reply_error(call->req, err);
        return;
    }
    qv_sup_locks_when_idle(sup, confirm_resume, call->req, NULL);
}
