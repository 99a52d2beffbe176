/*
 * qv-supervisor-priv: the supervisor's state and what its files share:
 * qv-supervisor.c (life cycle), qv-sup-qemu.c (the QEMU process and the
 * check of its block graph), qv-sup-control.c (the control table, the
 * guest-wide requests and QMP events), qv-sup-graph.c (graph edits and
 * what follows them), qv-sup-job.c (the job framework), one file per job
 * type (qv-sup-pull.c, qv-sup-commit.c, qv-sup-copy.c), qv-sup-jobctl.c
 * (info, speed, abort/pivot, wait), qv-sup-snapshot.c, qv-sup-quorum.c
 * and qv-sup-health.c (quorum children live, disk health),
 * qv-sup-hotplug.c and qv-sup-media.c (disks plugged in and out, media
 * changes), and the guest's
 * leases: qv-sup-locks.c (when they are taken and let go) and
 * qv-sup-lockfds.c (the fds QEMU holds for them, and their record);
 * qv-sup-labels.c (QEMU's user and its files' labels).
 */
#pragma once

#include <json-c/json.h>
#include <sys/types.h>

#include "conf/qv-conn.h"
#include "supervisor/qv-control.h"
#include "supervisor/qv-ctl-proto.h"
#include "conf/qv-domain.h"
#include "locking/qv-lock-manager.h"
#include "qemu/qv-qmp.h"
#include "security/qv-dac.h"
#include "supervisor/qv-status.h"
#include "supervisor/qv-supervisor.h"

/* Grace period between SIGTERM and SIGKILL on destroy */
#define QV_DESTROY_GRACE_S 10
/* QMP command timeouts */
#define QV_QMP_TIMEOUT_MS 30000
/* QEMU may take long to reach its monitor with thousands of layers */
#define QV_QMP_START_TIMEOUT_S 300

/* A block job QEMU runs for us (qv-sup-job.c) */
typedef struct {
    char *disk;                  /* target name; one job per disk */
    char *id;                    /* QEMU's job id */
    int type;                    /* QvirtDomainBlockJobType */
    unsigned int flags;          /* the caller's flags */
    unsigned int top, base;      /* pull/commit: element indexes (0: none) */
    unsigned int stop;           /* copy: the element the destination shares, 0: none;
                                  * quorum-add: 1 while qvirt holds the guest paused */
    bool ready;                  /* copy/active commit: mirroring */
    bool ending;                 /* pivot or abort asked */
    bool pivot;                  /* what was asked */
    bool finishing;              /* its end is being handled */
    char *created;               /* a file qvirt created for the job, or NULL */
    GList *waiters;              /* QvCtlRequest answered when it ends */
    GList *ready_waiters;        /* ... when it is ready, or ends */
} QvSupJob;

/* A migration to another host under way (qv-sup-migrate.c) */
typedef struct _QvSupMigration QvSupMigration;
/* The destination's part (qv-sup-incoming.c) */
typedef struct _QvSupIncoming QvSupIncoming;

typedef struct {
    QvConn *conn;
    QvGuestFiles *files;
    GMainContext *ctx;
    GMainLoop *loop;
    int lock_fd;
    int events_fd;

    QvDomainDef *live;           /* the running definition, or NULL */
    QvRuntime *rt;

    pid_t qemu_pid;
    bool qemu_is_child;          /* false after a reattach: watched by pidfd */
    char *qemu_cwd;              /* the folder QEMU runs in (qv_blockdev_pick_cwd) */
    GSource *exit_source;
    int pidfd;

    QvQmp *qmp;
    QvCtlServer *ctl;

    GHashTable *jobs;            /* disk -> QvSupJob */
    GHashTable *job_failures;    /* disk -> why its last job failed, told once */
    bool snapshotting;           /* a snapshot's QMP calls are under way */
    const char *device_op;       /* an attach, detach or media change under way */
    GHashTable *unplugs;         /* device id -> unplug QEMU has not finished (qv-sup-hotplug.c) */
    GList *unplug_retries;       /* blockdev-dels waiting for a device to be finalized */
    json_object *health;         /* disk errors and quorum health (qv-sup-health.c), or NULL */
    QvSupMigration *migration;   /* the source's migration under way, or NULL */
    bool migrated_out;           /* it completed: waiting for its confirm */
    uint64_t migrate_speed;      /* migrate-setspeed, bytes/s; 0: unlimited */
    QvSupIncoming *incoming;     /* the destination's migration, or NULL */
    const char *exit_reason;     /* why QEMU is stopped, when not destroy's */

    /* the guest's leases (qv-sup-locks.c) */
    QvLockManager *locks;
    GHashTable *held;            /* key -> QvLockWant: what QEMU holds */
    GHashTable *lock_fds;        /* key -> name of the fd QEMU holds it by */
    GHashTable *pending_fds;     /* key -> fd taken before QEMU could have it */
    guint64 lock_seq;            /* the last qvirt-lock-TOKEN-N given */
    guint lock_closing;          /* closefds not answered yet */
    char *lock_token;            /* this supervisor's, in its fd names */
    GPtrArray *lock_extra;       /* QvLockWant: what an operation under way will write */
    bool lock_busy;              /* leases being taken or let go (nested QMP calls) */
    bool lock_resync;            /* a sync asked for meanwhile */
    bool lock_release_pending;   /* a pause came meanwhile */
    GList *lock_deferred;        /* what waits for the leases to settle */
    char *lock_state;            /* what the release on pause gave back */
    bool locks_released;         /* paused (or not started): nothing held for the guest */
    char *lock_uri;
    char *lock_host;             /* this host, as lock-status names it */
    QvLockOwner lock_owner;
    QvLockObject *reg_obj;       /* registers QEMU's process in the child */

    /* who QEMU runs as, and what is labelled for it (qv-sup-labels.c) */
    QvSecurityConfig *sec;
    QvQemuCred *cred;
    GPtrArray *labels;           /* QvDacLabel */
    int qmp_listen_fd;           /* the monitor's socket until QEMU has it, or -1 */

    bool destroying;
    bool shutdown_seen;
    bool ioerror_stop;           /* a BLOCK_IO_ERROR's action was stop: the
                                  * STOP that follows is an I/O error's */
    guint kill_timer;
    gint64 kill_at;              /* when the SIGKILL is due; G_MAXINT64: never */
    guint kill_grace;            /* the grace it was given, seconds */
    GList *exit_waiters;         /* QvCtlRequest answered when QEMU is gone */
    int exit_status;
} QvSupervisor;

/* qv-sup-qemu.c: the QEMU process and the check of its block graph */
GPtrArray *qv_sup_build_argv(QvSupervisor *sup, GError **error);
bool qv_sup_spawn_qemu(QvSupervisor *sup, GPtrArray *argv, GError **error);
bool qv_sup_qmp_connect(QvSupervisor *sup, bool starting, GError **error);
bool qv_sup_verify_graph(QvSupervisor *sup, GPtrArray *argv, GError **error);
/* @disk's <iotune> (every disk's when NULL) set in QEMU: block_set_io_throttle */
bool qv_sup_apply_iotune(QvSupervisor *sup, const QvDiskDef *disk, GError **error);
/* The same for blockdev-add objects (a JSON array, qv_blockdev_props) */
bool qv_sup_verify_graph_props(QvSupervisor *sup, json_object *props, GError **error);
/* The check itself, on an x-debug-query-block-graph answer (for tests) */
bool qv_sup_graph_check_reply(const char *domain, GPtrArray *argv, json_object *reply,
                              GError **error);
void qv_sup_kill_qemu(QvSupervisor *sup);
char *qv_sup_log_tail(const char *path);

/* qv-supervisor.c */
void qv_sup_qemu_exited(QvSupervisor *sup, bool signalled);
bool qv_sup_save_status(QvSupervisor *sup, GError **error);

/* ---- qv-sup-locks.c: the guest's leases ---- */

/* The configured lock manager; before anything else of a start */
bool qv_sup_locks_open(QvSupervisor *sup, GError **error);
void qv_sup_locks_close(QvSupervisor *sup);
/* Before the fork: the object the child registers QEMU's process with */
bool qv_sup_locks_prepare_spawn(QvSupervisor *sup, GError **error);
/* In the child: the fd to keep across exec, or -1 (async-signal-safe) */
int qv_sup_locks_child_register(QvSupervisor *sup);
/* Before the spawn, with a driver that can: every lease, kept until
 * QEMU can have them (qv_sup_locks_hand_over) */
bool qv_sup_locks_acquire_early(QvSupervisor *sup, GError **error);
/* QEMU's monitor is up: the fds taken before it are handed over */
bool qv_sup_locks_hand_over(QvSupervisor *sup, GError **error);
/* Every lease the guest needs, before a cont (start, resume) */
bool qv_sup_locks_acquire_all(QvSupervisor *sup, GError **error);
/* QEMU stopped: every lease let go, the driver's state kept */
void qv_sup_locks_release_all(QvSupervisor *sup);
/* What is held becomes what the live definition, the running jobs and
 * @extra (QvLockWant, may be NULL: what QEMU is about to write) need */
bool qv_sup_locks_sync(QvSupervisor *sup, GPtrArray *extra, GError **error);
/* What an operation under way is about to open for writing (a copy's
 * destination, snapshot overlays): held by every sync until _done */
void qv_sup_locks_extra_add(QvSupervisor *sup, GPtrArray *wants);
void qv_sup_locks_extra_done(QvSupervisor *sup);
void qv_sup_locks_qemu_gone(QvSupervisor *sup);
void qv_sup_locks_reattach(QvSupervisor *sup);
bool qv_sup_locks_save(QvSupervisor *sup, GError **error);
/* Run @fn(sup, req, data) once no lease operation is under way: at
 * once, or when the one under way ends (its nested QMP calls let
 * requests in); @data (stolen) may be NULL */
typedef void (*QvSupLocksThen)(QvSupervisor *sup, QvCtlRequest *req, json_object *data);
void qv_sup_locks_when_idle(QvSupervisor *sup, QvSupLocksThen fn, QvCtlRequest *req,
                            json_object *data);
/* qv-sup-lockfds.c: the owner's calls of QvLockOwner, and the record */
bool qv_sup_lockfd_give(void *opaque, const char *resource, int fd, GError **error);
bool qv_sup_lockfd_take(void *opaque, const char *resource, GError **error);
/* Wait for the answers of the closefds qv_sup_lockfd_take sent */
void qv_sup_lockfd_wait_closed(QvSupervisor *sup);
void qv_sup_lockfd_close_pending(gpointer fd);
json_object *qv_sup_lock_want_json(const char *key, const QvLockWant *w, const char *fd);
/* What the previous supervisor recorded; false when there is none */
bool qv_sup_locks_load(QvSupervisor *sup);
/* lock-status's answer */
json_object *qv_sup_locks_status(QvSupervisor *sup, GError **error);

/* What the guest's definition, its jobs and @extra (may be NULL) need:
 * QvLockWant, the same set qv_sup_locks_sync holds (labels follow it) */
GPtrArray *qv_sup_locks_desired(QvSupervisor *sup, GPtrArray *extra);

/* ---- qv-sup-labels.c: QEMU's user and its files' labels ---- */

/* qemu.conf's confinement and QEMU's user (a missing user is an error
 * saying how to create it), and the record of the labels: after a
 * reattach what the supervisor before held, at a start (@fresh) nothing
 * (a record left behind is restored first) */
bool qv_sup_labels_open(QvSupervisor *sup, bool fresh, GError **error);
void qv_sup_labels_close(QvSupervisor *sup);
/* Every file of qv_sup_locks_desired(@extra) labelled for QEMU before it
 * opens it, what left it restored, QEMU's access checked, the record
 * saved; on failure what this call labelled is restored */
bool qv_sup_labels_sync(QvSupervisor *sup, GPtrArray *extra, GError **error);
/* QEMU is gone: every label restored, the record removed.  A one-host
 * migration needs nothing more: the destination's start labels first
 * (each file then counts two), the source's release only counts down. */
void qv_sup_labels_release_all(QvSupervisor *sup);
/* The labels let go of without restoring them (the record removed): for
 * the source of a migration to another host over shared storage, whose
 * destination now holds the files (libvirt does not restore them either) */
void qv_sup_labels_forget(QvSupervisor *sup);
/* The files QEMU itself opens by name (its serial log) made its own */
bool qv_sup_labels_own_file(QvSupervisor *sup, const char *path, GError **error);

/* ---- qv-sup-control.c: the control table ---- */

/* What a control command needs before its handler runs */
typedef enum {
    QV_SUP_NEEDS_LIVE = 1 << 0,      /* the live definition */
    QV_SUP_NEEDS_DISK = 1 << 1,      /* "disk" names a disk (call->disk, ->elem) */
    QV_SUP_NEEDS_IDLE_DISK = 1 << 2, /* ... with no job on it */
    QV_SUP_NEEDS_JOB = 1 << 3,       /* ... with a job on it (call->job) */
    QV_SUP_WHILE_DESTROYING = 1 << 4, /* allowed while QEMU is being killed */
    QV_SUP_PREFIX_ERRORS = 1 << 5,   /* errors start with the command's "what:" */
} QvSupNeeds;

/* One control request on its way to its handler, which answers
 * call->req now or later; the call itself lives only during the handler */
typedef struct {
    QvSupervisor *sup;
    QvCtlRequest *req;
    QvCtlCommand cmd;
    const QvCtlArgs *args;       /* decoded once, at the table */
    QvDiskDef *disk;             /* with NEEDS_DISK */
    QvStorageSource *elem;       /* the element "disk" names */
    QvSupJob *job;               /* with NEEDS_JOB */
    unsigned int needs;
} QvSupCall;

typedef void (*QvSupHandler)(QvSupCall *call);

void qv_sup_control_handle(QvCtlRequest *req, json_object *msg, gpointer opaque);
/* The element of @disk's chain that @spec (a request's "base" or "top")
 * names; *@out NULL when @spec is NULL */
bool qv_sup_chain_element(QvSupervisor *sup, QvDiskDef *disk, const char *spec,
                          QvStorageSource **out, GError **error);
/* Answer @call with @err (prefixed with the command when its row says so) */
void qv_sup_call_fail(QvSupCall *call, GError *err);
void qv_sup_qmp_event(QvQmp *qmp, const char *name, json_object *data,
                      gint64 seconds, gint64 microseconds, gpointer opaque);
void qv_sup_save_runtime(QvSupervisor *sup);
/* state, reason, pids and dropped disks: the control socket's "status"
 * answer and the report to the CLI that started us */
json_object *qv_sup_status_json(QvSupervisor *sup);

/* ---- qv-sup-graph.c: edits of QEMU's block graph, and after them ---- */

/* blockdev-add every object of @props in order; on failure the ones
 * added are deleted again */
bool qv_sup_blockdev_add_all(QvSupervisor *sup, json_object *props, GError **error);
/* blockdev-del every name of @names (failures are logged) */
void qv_sup_blockdev_del_all(QvSupervisor *sup, json_object *names);

/* qv-sup-secrets.c: the secret objects of a disk plugged in (before its
 * nodes) and unplugged (after them) */
bool qv_sup_secrets_add(QvSupervisor *sup, const QvDiskDef *disk, GError **error);
void qv_sup_secrets_del(QvSupervisor *sup, const QvDiskDef *disk);
/* The same by the ids qv_qemu_secret_ids gave, for a caller whose disk may
 * be gone once a QMP command has run (events are handled meanwhile) */
void qv_sup_secrets_del_ids(QvSupervisor *sup, GPtrArray *ids);
/* blockdev-del the nodes of @top's chain down to @stop (excluded) */
void qv_sup_blockdev_del_chain(QvSupervisor *sup, const QvDiskDef *disk,
                               const QvStorageSource *top, const QvStorageSource *stop);
/* blockdev-reopen the format node of @src with read-only @ro */
bool qv_sup_reopen(QvSupervisor *sup, QvDiskDef *disk, QvStorageSource *src, bool ro,
                   GError **error);
/* The top of the chain @elem is in: the disk's top, or in a quorum the
 * top of the child whose chain holds it; NULL when @elem is a quorum */
QvStorageSource *qv_sup_chain_root(QvDiskDef *disk, QvStorageSource *elem);
/* @src is the top of a chain QEMU writes: the disk's, or a quorum child's */
bool qv_sup_is_chain_root(QvDiskDef *disk, const QvStorageSource *src);
/* The format node name of an element of @disk */
char *qv_sup_fmt_node(const QvDiskDef *disk, const QvStorageSource *src);
/* The virtual size of @disk's top image as QEMU has it open */
bool qv_sup_disk_capacity(QvSupervisor *sup, const QvDiskDef *disk, uint64_t *size,
                          GError **error);
/* QEMU's graph must be the live definition's (unless jobs run) */
bool qv_sup_check_live_graph(QvSupervisor *sup, GError **error);
/* The status document and the jobs file */
bool qv_sup_save_all(QvSupervisor *sup, GError **error);
/* The persistent definition follows @live_disk's new chain */
void qv_sup_update_definition(QvSupervisor *sup, QvDiskDef *live_disk);

/* ---- qv-sup-job.c: the job framework ---- */

/*
 * One block job type: how it ends.  @finish makes the live definition
 * what QEMU has once the job is over (@ok: it completed), @abandon
 * undoes what the start prepared when QEMU never ran the job.  A new
 * type is a row of qv-sup-job.c's table and a file with these.
 */
typedef struct {
    int type;                    /* QvirtDomainBlockJobType */
    bool can_pivot;              /* has a ready phase and a pivot */
    void (*finish)(QvSupervisor *sup, QvSupJob *job, QvDiskDef *disk, bool ok);
    void (*abandon)(QvSupervisor *sup, QvSupJob *job, QvDiskDef *disk);
    /* optional: a job that goes on by itself once ready (the quorum
     * jobs); called instead of marking it ready for a pivot */
    void (*ready)(QvSupervisor *sup, QvSupJob *job, QvDiskDef *disk);
} QvSupJobDriver;

extern const QvSupJobDriver qv_sup_pull_driver;
extern const QvSupJobDriver qv_sup_commit_driver;
extern const QvSupJobDriver qv_sup_active_commit_driver;
extern const QvSupJobDriver qv_sup_copy_driver;
extern const QvSupJobDriver qv_sup_quorum_add_driver;
extern const QvSupJobDriver qv_sup_quorum_replace_driver;
extern const QvSupJobDriver qv_sup_quorum_scrub_driver;

const QvSupJobDriver *qv_sup_job_driver(int type);
const char *qv_job_type_to_string(int type);
QvSupJob *qv_sup_job_new(QvSupervisor *sup, QvDiskDef *disk, int type, unsigned int flags);
void qv_sup_job_free(QvSupJob *job);
void qv_sup_job_forget(QvSupervisor *sup, QvSupJob *job);
QvSupJob *qv_sup_job_find(QvSupervisor *sup, const char *disk);
QvSupJob *qv_sup_job_by_id(QvSupervisor *sup, const char *id);
/* Record the job and start it in QEMU with @command and *@args (stolen);
 * on failure it is abandoned */
bool qv_sup_job_start(QvSupervisor *sup, QvSupJob *job, const char *command,
                      json_object **args, GError **error);
/* The end of every job request: the status saved (the live definition
 * may have a <mirror> now), the job started, @call answered; on failure
 * the job is abandoned and @call hears why */
void qv_sup_job_launch(QvSupCall *call, QvSupJob *job, const char *command,
                       json_object **args);
/* A job QEMU never ran: its driver undoes what the start prepared, the
 * record goes, and the status and jobs file are saved */
void qv_sup_job_abandon(QvSupervisor *sup, QvSupJob *job);
/* The member of a query-jobs/query-block-jobs answer whose @key is @id */
json_object *qv_sup_qemu_job(json_object *list, const char *key, const char *id);
/* block-job-wait's answer for a job that is ready: {"ready": true} */
json_object *qv_sup_job_ready_answer(void);
/* The failure of the last job on @disk, told once (new string), or NULL */
char *qv_sup_job_take_failure(QvSupervisor *sup, const char *disk);
bool qv_sup_jobs_save(QvSupervisor *sup, GError **error);
void qv_sup_job_status_event(QvSupervisor *sup, json_object *data);
void qv_sup_jobs_reattach(QvSupervisor *sup);
void qv_sup_jobs_gone(QvSupervisor *sup, const char *reason);
/* Ask QEMU whether @job has concluded, and finish it if so (a driver
 * that held its end back while it worked) */
void qv_sup_job_check_end(QvSupervisor *sup, QvSupJob *job);

/* qv-sup-control.c: the state in the runtime file */
void qv_sup_set_state(QvSupervisor *sup, QvGuestState state, const char *reason);

/* ---- the control handlers, one file per concern ---- */

/* qv-sup-control.c */
void qv_sup_do_status(QvSupCall *call);
void qv_sup_do_destroy(QvSupCall *call);
void qv_sup_do_qmp_simple(QvSupCall *call);
void qv_sup_do_domblkinfo(QvSupCall *call);
void qv_sup_do_qmp(QvSupCall *call);
/* qv-sup-pull.c, qv-sup-commit.c, qv-sup-copy.c: starting each job */
void qv_sup_do_pull(QvSupCall *call);
void qv_sup_do_commit(QvSupCall *call);
void qv_sup_do_copy(QvSupCall *call);
/* qv-sup-jobctl.c: jobs that run */
void qv_sup_do_job_info(QvSupCall *call);
void qv_sup_do_job_speed(QvSupCall *call);
void qv_sup_do_job_abort(QvSupCall *call);
void qv_sup_do_job_wait(QvSupCall *call);
/* qv-sup-snapshot.c */
void qv_sup_do_snapshot(QvSupCall *call);
/* qv-sup-hotplug.c, qv-sup-media.c: disks plugged in and out, media changes */
void qv_sup_do_attach(QvSupCall *call);
void qv_sup_do_detach(QvSupCall *call);
void qv_sup_do_change_media(QvSupCall *call);
void qv_sup_hotplug_device_deleted(QvSupervisor *sup, json_object *data);
void qv_sup_hotplug_tray_moved(QvSupervisor *sup, json_object *data);
/* After a reattach: finish or follow the unplugs left unfinished */
void qv_sup_hotplug_reattach(QvSupervisor *sup);
/* The waiters of unplugs hear "not yet" (the supervisor stops; the
 * record stays for the next one), or that QEMU is gone */
void qv_sup_hotplug_clear(QvSupervisor *sup);
void qv_sup_hotplug_qemu_gone(QvSupervisor *sup, const char *reason);
/* An unplug of @disk is under way */
bool qv_sup_hotplug_unplugging(QvSupervisor *sup, const QvDiskDef *disk);
/* qv-sup-quorum.c: quorum children added, removed, replaced, scrubbed */
void qv_sup_do_quorum(QvSupCall *call);
/* domblkinfo of a quorum: allocation and physical are the sums of its
 * children's top images (from @nodes, query-named-block-nodes) */
void qv_sup_quorum_blkinfo(const QvDiskDef *disk, json_object *nodes, json_object *out);
/* qv-sup-health.c: QUORUM_REPORT_BAD, QUORUM_FAILURE, BLOCK_IO_ERROR
 * become per-disk and per-child state, kept in the health file */
void qv_sup_health_event(QvSupervisor *sup, const char *name, json_object *data,
                         gint64 seconds);
void qv_sup_do_disk_errors(QvSupCall *call);
/* qv-sup-migrate.c: the source's part of a migration */
void qv_sup_do_migrate(QvSupCall *call);
void qv_sup_do_migrate_info(QvSupCall *call);
void qv_sup_do_migrate_abort(QvSupCall *call);
void qv_sup_do_migrate_speed(QvSupCall *call);
void qv_sup_do_migrate_confirm(QvSupCall *call);
void qv_sup_migrate_event(QvSupervisor *sup, const char *name, json_object *data);
void qv_sup_migrate_qemu_gone(QvSupervisor *sup, const char *reason);
/* qv-sup-incoming.c: the destination's part */
bool qv_sup_incoming_load(QvSupervisor *sup, GError **error);
bool qv_sup_incoming_listen(QvSupervisor *sup, GError **error);
json_object *qv_sup_incoming_report(QvSupervisor *sup);
void qv_sup_incoming_event(QvSupervisor *sup, const char *name, json_object *data);
void qv_sup_incoming_free(QvSupervisor *sup);
void qv_sup_do_migrate_finish(QvSupCall *call);
/* qv-sup-iotune.c: blkdeviotune */
void qv_sup_do_block_iotune(QvSupCall *call);
