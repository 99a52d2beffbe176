/*
 * qv-status: the files that say whether a guest runs, and how.
 *
 * A running guest has, under the state folder, NAME.runtime.json (pids,
 * state, sockets, what was dropped at start) and NAME.status.xml (the
 * live definition); under the run folder NAME.sock (the supervisor's
 * control socket), NAME.qmp (QEMU's monitor) and NAME.lock (flock'ed by
 * the supervisor for as long as it lives).  A guest that stopped leaves
 * NAME.state ({"state": "shut off", "reason": ...}).  NAME.events holds
 * the QMP events of the last run, one JSON object a line.
 *
 * This module owns the names and formats of those files, and the check
 * that the processes they name are still the same processes (pid and
 * start time, so a reused pid is never taken for QEMU).
 */
#pragma once

#include <glib.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <sys/types.h>

#include "util/qv-paths.h"

G_BEGIN_DECLS

typedef enum {
    QV_GUEST_SHUTOFF,
    QV_GUEST_RUNNING,
    QV_GUEST_PAUSED,

    QV_GUEST_LAST
} QvGuestState;

/* "shut off", "running", "paused" */
const char *qv_guest_state_to_string(QvGuestState state);
int qv_guest_state_from_string(const char *s);

typedef struct {
    char *name;
    char *lock;        /* run/NAME.lock */
    char *sock;        /* run/NAME.sock */
    char *qmp;         /* run/NAME.qmp */
    char *runtime;     /* state/NAME.runtime.json */
    char *status;      /* state/NAME.status.xml */
    char *state;       /* state/NAME.state */
    char *events;      /* state/NAME.events */
    char *qemu_log;    /* state/NAME.log: QEMU's stdout and stderr */
    char *serial_log;  /* state/NAME.serial.log */
    char *sup_log;     /* state/NAME.supervisor.log */
    char *jobs;        /* state/NAME.jobs.json: the block jobs QEMU runs for us */
    char *locks;       /* state/NAME.locks.json: the leases QEMU holds (qv-sup-locks.c) */
    char *health;      /* state/NAME.health.json: disk errors, quorum health (qv-sup-health.c) */
    char *master_key;  /* state/NAME.master-key.aes: the key QEMU decrypts its secrets with
                        * (0600; beside the serial log, where QEMU's user can reach it) */
    char *labels;      /* state/NAME.labels.json: the files labelled for QEMU (qv-sup-labels.c) */
} QvGuestFiles;

QvGuestFiles *qv_guest_files_new(const QvPaths *paths, const char *name);
void qv_guest_files_free(QvGuestFiles *files);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvGuestFiles, qv_guest_files_free)

/* What NAME.runtime.json holds */
typedef struct {
    pid_t qemu_pid;
    unsigned long long qemu_start;   /* /proc/PID/stat start time */
    pid_t sup_pid;
    unsigned long long sup_start;
    QvGuestState state;
    char *reason;                    /* "booted", "user", "starting", ... */
    GPtrArray *dropped;              /* lines from qv_disks_prepare */
    unsigned int index_hwm;          /* the highest element index a hotplug
                                      * or media change gave */
    GPtrArray *unplugging;           /* device ids of disks asked to leave
                                      * (device_del) that QEMU has not
                                      * yet said are gone */
    char *qmp;
    char *sock;
    gint64 started;                  /* unix time */
} QvRuntime;

QvRuntime *qv_runtime_new(void);
void qv_runtime_free(QvRuntime *rt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvRuntime, qv_runtime_free)

/* NULL with no error when the file does not exist */
QvRuntime *qv_runtime_load(const QvGuestFiles *files, GError **error);
bool qv_runtime_save(const QvGuestFiles *files, const QvRuntime *rt,
                     GError **error);

/* Write NAME.state: shut off, @reason */
bool qv_state_save_shutoff(const QvGuestFiles *files, const char *reason,
                           GError **error);
/* The reason recorded in NAME.state, or NULL */
char *qv_state_load_reason(const QvGuestFiles *files);

/* Remove the runtime, status and socket files (not the lock, not events) */
void qv_guest_files_remove_run(const QvGuestFiles *files);

/* The start time of @pid from /proc, or false when it is gone */
bool qv_proc_start_time(pid_t pid, unsigned long long *start);
/* @pid lives and is the process that started at @start */
bool qv_proc_same(pid_t pid, unsigned long long start);

/*
 * With no supervisor alive and no QEMU alive, record a crash of the
 * guest described by @rt and clean its files (the labels its files had
 * for QEMU restored); the caller holds the guest's lock.
 */
void qv_guest_record_crash(const QvGuestFiles *files);

G_END_DECLS
