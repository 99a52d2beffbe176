/*
 * qv-ctl-proto: the control commands a supervisor answers, defined once
 * for both ends: the CLI and library encode a request from a typed
 * QvCtlArgs, the supervisor decodes it back into one, and both use the
 * same table of names, request keys, allowed flags and reply keys.  The
 * framing (one JSON line each way) is qv-control's.
 *
 * A request is {"cmd": NAME, KEY: VALUE, ...}.  Decoding refuses an
 * unknown command, a key the command does not take, a value of the wrong
 * type, a missing required key and flags outside the command's mask,
 * each with a message naming the command and the key.
 */
#pragma once

#include <glib.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "qvirt/qvirt.h"

G_BEGIN_DECLS

typedef enum {
    QV_CTL_STATUS,               /* state, pids, dropped disks, QEMU's status */
    QV_CTL_DESTROY,              /* SIGTERM, SIGKILL after "grace" seconds */
    QV_CTL_SHUTDOWN,             /* ACPI power button */
    QV_CTL_SUSPEND,
    QV_CTL_RESUME,
    QV_CTL_QUERY_BLOCK,          /* QEMU's query-block, verbatim */
    QV_CTL_DOMBLKINFO,           /* capacity, allocation, physical of "disk" */
    QV_CTL_QMP,                  /* a QMP command ("execute", "arguments") */
    QV_CTL_SNAPSHOT,             /* disk-only snapshot */
    QV_CTL_BLOCK_COPY,
    QV_CTL_BLOCK_PULL,
    QV_CTL_BLOCK_COMMIT,
    QV_CTL_BLOCK_JOB_INFO,
    QV_CTL_BLOCK_JOB_SPEED,
    QV_CTL_BLOCK_JOB_ABORT,      /* abort, or pivot with the PIVOT flag */
    QV_CTL_BLOCK_JOB_WAIT,       /* answered when the job is ready or ends */
    QV_CTL_LOCK_STATUS,          /* the leases QEMU holds */
    QV_CTL_ATTACH_DISK,          /* hotplug the <disk> of "xml" */
    QV_CTL_DETACH_DISK,          /* unplug "disk" (a target name) */
    QV_CTL_CHANGE_MEDIA,         /* "disk" gets the medium of "xml"; none: eject */
    QV_CTL_BLOCK_QUORUM,         /* quorum "disk": "name" is info, add, remove, replace, scrub */
    QV_CTL_DISK_ERRORS,          /* every disk's and quorum child's last error */
    QV_CTL_MIGRATE,              /* the source's part of a migration ("arguments") */
    QV_CTL_MIGRATE_INFO,         /* domjobinfo: the migration under way, or none */
    QV_CTL_MIGRATE_ABORT,        /* domjobabort */
    QV_CTL_MIGRATE_SPEED,        /* "bandwidth" (bytes/s) for migrations; absent: read it */
    QV_CTL_MIGRATE_CONFIRM,      /* after "migrate": "name" is "done" (stop) or "resume" */
    QV_CTL_MIGRATE_FINISH,       /* the destination's end ("arguments") */
    QV_CTL_BLOCK_IOTUNE,         /* "disk"'s <iotune>; set from "arguments" when given */

    QV_CTL_LAST
} QvCtlCommand;

/* The keys a request may carry; a command's spec lists its own */
typedef enum {
    QV_CTL_KEY_DISK = 1 << 0,        /* "disk": vda, vda[N] or an image path */
    QV_CTL_KEY_BASE = 1 << 1,        /* "base": an element of the chain */
    QV_CTL_KEY_TOP = 1 << 2,         /* "top": an element of the chain */
    QV_CTL_KEY_FLAGS = 1 << 3,       /* "flags": the public API's flags */
    QV_CTL_KEY_BANDWIDTH = 1 << 4,   /* "bandwidth": bytes/s */
    QV_CTL_KEY_GRANULARITY = 1 << 5, /* "granularity": bytes */
    QV_CTL_KEY_BUF_SIZE = 1 << 6,    /* "buf-size": bytes */
    QV_CTL_KEY_GRACE = 1 << 7,       /* "grace": seconds */
    QV_CTL_KEY_DEST_PATH = 1 << 8,   /* "dest-path": a copy's destination */
    QV_CTL_KEY_DEST_FORMAT = 1 << 9, /* "dest-format": its format, or absent */
    QV_CTL_KEY_DEST_BLOCK = 1 << 10, /* "dest-block": it is a block device */
    QV_CTL_KEY_EXECUTE = 1 << 11,    /* "execute": a QMP command name */
    QV_CTL_KEY_ARGUMENTS = 1 << 12,  /* "arguments": its arguments object */
    QV_CTL_KEY_NAME = 1 << 13,       /* "name": a snapshot's name */
    QV_CTL_KEY_DISKS = 1 << 14,      /* "disks": [{"disk", "snapshot", "file"}] */
    QV_CTL_KEY_XML = 1 << 15,        /* "xml": one <disk> element */
    QV_CTL_KEY_WAIT = 1 << 16,       /* "wait": ms to wait for an unplug */
} QvCtlKey;

/* One disk of a snapshot request */
typedef struct {
    char *disk;                  /* target name */
    char *snapshot;              /* "external", "no", or NULL (external) */
    char *file;                  /* the overlay's path, or NULL (default) */
} QvCtlSnapDisk;

/* A decoded request: the fields its command takes, the others zero */
typedef struct {
    char *disk;
    char *base;
    char *top;
    unsigned int flags;
    uint64_t bandwidth;
    uint64_t granularity;
    uint64_t buf_size;
    uint64_t grace;
    bool has_grace;
    char *dest_path;
    char *dest_format;
    bool dest_block;
    char *execute;
    json_object *arguments;      /* owned reference, or NULL */
    char *name;
    GPtrArray *disks;            /* QvCtlSnapDisk, or NULL */
    char *xml;
    uint64_t wait;
    bool has_wait;
} QvCtlArgs;

void qv_ctl_args_clear(QvCtlArgs *args);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(QvCtlArgs, qv_ctl_args_clear)

/* Add one disk to a snapshot request (the strings are copied) */
void qv_ctl_args_add_snap_disk(QvCtlArgs *args, const char *disk,
                               const char *snapshot, const char *file);

/* The flags each command takes (the others are refused at both ends) */
#define QV_CTL_COPY_FLAGS \
    (QVIRT_DOMAIN_BLOCK_COPY_SHALLOW | QVIRT_DOMAIN_BLOCK_COPY_REUSE_EXT | \
     QVIRT_DOMAIN_BLOCK_COPY_TRANSIENT_JOB | QVIRT_DOMAIN_BLOCK_COPY_SYNCHRONOUS_WRITES)
#define QV_CTL_PULL_FLAGS \
    (QVIRT_DOMAIN_BLOCK_REBASE_RELATIVE | QVIRT_DOMAIN_BLOCK_REBASE_BANDWIDTH_BYTES)
#define QV_CTL_COMMIT_FLAGS \
    (QVIRT_DOMAIN_BLOCK_COMMIT_SHALLOW | QVIRT_DOMAIN_BLOCK_COMMIT_DELETE | \
     QVIRT_DOMAIN_BLOCK_COMMIT_ACTIVE | QVIRT_DOMAIN_BLOCK_COMMIT_RELATIVE | \
     QVIRT_DOMAIN_BLOCK_COMMIT_BANDWIDTH_BYTES)
#define QV_CTL_ABORT_FLAGS \
    (QVIRT_DOMAIN_BLOCK_JOB_ABORT_ASYNC | QVIRT_DOMAIN_BLOCK_JOB_ABORT_PIVOT)
#define QV_CTL_MEDIA_FLAGS QVIRT_DOMAIN_DEVICE_MODIFY_FORCE
/* block-quorum: "top" names the child (remove, replace), "xml" the new
 * one, a <backingStore> element (add, replace) */
#define QV_CTL_QUORUM_KEYS \
    (QV_CTL_KEY_DISK | QV_CTL_KEY_NAME | QV_CTL_KEY_TOP | QV_CTL_KEY_XML)
#define QV_CTL_SNAPSHOT_FLAGS \
    (QVIRT_DOMAIN_SNAPSHOT_CREATE_NO_METADATA | QVIRT_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY | \
     QVIRT_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT | QVIRT_DOMAIN_SNAPSHOT_CREATE_ATOMIC)

typedef struct {
    const char *name;            /* on the wire: "block-copy" */
    const char *what;            /* in messages: "block copy" */
    unsigned int keys;           /* QvCtlKey: what the request may carry */
    unsigned int required;       /* QvCtlKey: what it must carry */
    unsigned int flags;          /* the flags it takes */
    const char *reply;           /* the answer's keys, for readers */
} QvCtlCommandSpec;

const QvCtlCommandSpec *qv_ctl_command_spec(QvCtlCommand cmd);
const char *qv_ctl_command_to_string(QvCtlCommand cmd);
int qv_ctl_command_from_string(const char *s);

/*
 * Check @args against @cmd's spec (keys, required keys, flags) and
 * return the request, a new object.  NULL with @error when @args carries
 * what @cmd does not take.
 */
json_object *qv_ctl_encode(QvCtlCommand cmd, const QvCtlArgs *args,
                           GError **error);

/*
 * Decode the request @msg: its command and its fields into @args (to be
 * cleared by the caller, also on failure).  The errors name the command
 * and the key.
 */
bool qv_ctl_decode(json_object *msg, QvCtlCommand *cmd, QvCtlArgs *args,
                   GError **error);

/* Block job type names on the wire and in the jobs file: "pull",
 * "copy", "commit", "active-commit" */
const char *qv_ctl_job_type_to_string(int type);
int qv_ctl_job_type_from_string(const char *s);

/*
 * The answer of block-job-info while a job runs: {"type", "id", "ready",
 * "cur", "end", "bandwidth", "status"}; null when there is no job.
 */
typedef struct {
    int type;                    /* QvirtDomainBlockJobType */
    char *id;                    /* QEMU's job id */
    bool ready;
    uint64_t cur, end;           /* progress, in QEMU's units */
    uint64_t bandwidth;          /* bytes/s, 0: unlimited */
    char *status;                /* QEMU's job status */
} QvCtlJobInfo;

void qv_ctl_job_info_clear(QvCtlJobInfo *info);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(QvCtlJobInfo, qv_ctl_job_info_clear)
json_object *qv_ctl_job_info_encode(const QvCtlJobInfo *info);
bool qv_ctl_job_info_decode(json_object *o, QvCtlJobInfo *info, GError **error);

/* Reply keys shared by both ends */
#define QV_CTL_REPLY_READY "ready"          /* block-job-wait: the job is ready */
#define QV_CTL_REPLY_STATE "state"          /* status */
#define QV_CTL_REPLY_REASON "reason"
#define QV_CTL_REPLY_QEMU_PID "qemu_pid"
#define QV_CTL_REPLY_SUPERVISOR_PID "supervisor_pid"
#define QV_CTL_REPLY_DROPPED "dropped"      /* disks startup policy dropped */
#define QV_CTL_REPLY_QEMU "qemu"            /* QEMU's query-status */
#define QV_CTL_REPLY_CAPACITY "capacity"    /* domblkinfo */
#define QV_CTL_REPLY_ALLOCATION "allocation"
#define QV_CTL_REPLY_PHYSICAL "physical"
#define QV_CTL_REPLY_REMOVED "removed"      /* detach-disk: false while pending */
#define QV_CTL_REPLY_ALIAS "alias"          /* attach-disk: the device id */
#define QV_CTL_REPLY_DROPPED_LINE "dropped" /* attach-disk, change-media: startupPolicy's drop */

G_END_DECLS
