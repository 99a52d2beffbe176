/*
 * qv-supervisor-priv: the supervisor's state, shared by its files:
 * qv-supervisor.c (life cycle), qv-sup-qemu.c (the QEMU process and its
 * block graph), qv-sup-control.c (control requests and QMP events).
 */
#pragma once

#include <json-c/json.h>
#include <sys/types.h>

#include "conf/qv-conn.h"
#include "supervisor/qv-control.h"
#include "conf/qv-domain.h"
#include "qemu/qv-qmp.h"
#include "supervisor/qv-status.h"
#include "supervisor/qv-supervisor.h"

/* Grace period between SIGTERM and SIGKILL on destroy */
#define QV_DESTROY_GRACE_S 10
/* QMP command timeouts */
#define QV_QMP_TIMEOUT_MS 30000
/* QEMU may take long to reach its monitor with thousands of layers */
#define QV_QMP_START_TIMEOUT_S 300

/* A block job QEMU runs for us (qv-sup-jobs.c) */
typedef struct {
    char *disk;                  /* target name; one job per disk */
    char *id;                    /* QEMU's job id */
    int type;                    /* QvirtDomainBlockJobType */
    unsigned int flags;          /* the caller's flags */
    unsigned int top, base;      /* pull/commit: element indexes (0: none) */
    unsigned int stop;           /* copy: the element the destination shares, 0: none */
    bool ready;                  /* copy/active commit: mirroring */
    bool ending;                 /* pivot or abort asked */
    bool pivot;                  /* what was asked */
    char *created;               /* a file qvirt created for the job, or NULL */
    GList *waiters;              /* QvCtlRequest answered when it ends */
    GList *ready_waiters;        /* ... when it is ready, or ends */
} QvSupJob;

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

    bool destroying;
    bool shutdown_seen;
    guint kill_timer;
    GList *exit_waiters;         /* QvCtlRequest answered when QEMU is gone */
    int exit_status;
} QvSupervisor;

/* qv-sup-qemu.c */
GPtrArray *qv_sup_build_argv(QvSupervisor *sup, GError **error);
bool qv_sup_spawn_qemu(QvSupervisor *sup, GPtrArray *argv, GError **error);
bool qv_sup_qmp_connect(QvSupervisor *sup, bool starting, GError **error);
bool qv_sup_verify_graph(QvSupervisor *sup, GPtrArray *argv, GError **error);
/* The same for blockdev-add objects (a JSON array, qv_blockdev_props) */
bool qv_sup_verify_graph_props(QvSupervisor *sup, json_object *props, GError **error);
/* The check itself, on an x-debug-query-block-graph answer (for tests) */
bool qv_sup_graph_check_reply(const char *domain, GPtrArray *argv, json_object *reply,
                              GError **error);
void qv_sup_kill_qemu(QvSupervisor *sup);
char *qv_sup_log_tail(const char *path);

/* qv-sup-control.c */
void qv_sup_control_handle(QvCtlRequest *req, json_object *msg,
                           gpointer opaque);
void qv_sup_qmp_event(QvQmp *qmp, const char *name, json_object *data,
                      gint64 seconds, gint64 microseconds, gpointer opaque);
void qv_sup_save_runtime(QvSupervisor *sup);

/* qv-supervisor.c */
void qv_sup_qemu_exited(QvSupervisor *sup, bool signalled);
bool qv_sup_save_status(QvSupervisor *sup, GError **error);

/* qv-sup-jobs.c */
const char *qv_job_type_to_string(int type);
void qv_sup_job_free(QvSupJob *job);
QvSupJob *qv_sup_job_find(QvSupervisor *sup, const char *disk);
QvSupJob *qv_sup_job_by_id(QvSupervisor *sup, const char *id);
bool qv_sup_jobs_save(QvSupervisor *sup, GError **error);
void qv_sup_jobs_load(QvSupervisor *sup);
bool qv_sup_blockdev_add_all(QvSupervisor *sup, json_object *props, GError **error);
void qv_sup_blockdev_del_all(QvSupervisor *sup, json_object *names);
QvStorageSource *qv_sup_find_parent(QvStorageSource *top, const QvStorageSource *child,
                                    size_t *slot);
QvStorageSource *qv_sup_cut_above(QvStorageSource *top, QvStorageSource *keep);
bool qv_sup_check_live_graph(QvSupervisor *sup, GError **error);
bool qv_sup_save_all(QvSupervisor *sup, GError **error);
void qv_sup_jobs_gone(QvSupervisor *sup, const char *reason);

/* qv-sup-blockjob.c: helpers shared with qv-sup-copy.c */
void qv_sup_reply_error(QvCtlRequest *req, GError *err);
char *qv_sup_fmt_node(const QvDiskDef *disk, const QvStorageSource *src);
QvDiskDef *qv_sup_request_disk(QvSupervisor *sup, json_object *msg, QvStorageSource **elem,
                               bool want_idle, GError **error);
QvSupJob *qv_sup_job_new(QvSupervisor *sup, QvDiskDef *disk, int type, unsigned int flags);
void qv_sup_job_forget(QvSupervisor *sup, QvSupJob *job);
bool qv_sup_job_start(QvSupervisor *sup, QvSupJob *job, const char *command,
                      json_object *args, GError **error);
void qv_sup_add_speed(json_object *args, json_object *msg);

/* The persistent definition follows @live_disk's new chain */
void qv_sup_update_definition(QvSupervisor *sup, QvDiskDef *live_disk);

/* qv-sup-copy.c */
void qv_sup_do_copy(QvSupervisor *sup, QvCtlRequest *req, json_object *msg);
/* a new image at @path (qemu-img create; @backing, when given, recorded
 * with its format); the capacity of @src; the format of an existing file */
bool qv_sup_create_image(const char *path, QvFormat fmt, uint64_t size,
                         const QvStorageSource *backing, GError **error);
bool qv_sup_image_capacity(const QvStorageSource *src, uint64_t *size, GError **error);
QvFormat qv_sup_probe_format(const char *path, GError **error);

/* qv-sup-blockjob.c */
void qv_sup_blockjob_request(QvSupervisor *sup, QvCtlRequest *req, const char *cmd,
                             json_object *msg);
void qv_sup_job_status_event(QvSupervisor *sup, json_object *data);
void qv_sup_jobs_reattach(QvSupervisor *sup);

/* qv-sup-snapshot.c */
void qv_sup_snapshot_request(QvSupervisor *sup, QvCtlRequest *req, json_object *msg);

/* qv-sup-control.c: state, reason, pids and dropped disks, the control
 * socket's "status" answer and the report to the CLI that started us */
json_object *qv_sup_status_json(QvSupervisor *sup);
