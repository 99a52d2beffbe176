/*
 * qv-lock-driver: the lock driver ABI, after libvirt's lock_driver.h.
 *
 * A driver is a table that starts with its size and the ABI version it
 * was built for; the loader (qv-lock-manager.c) copies at most that many
 * bytes, zero-fills the rest and refuses a table without one of the
 * required calls, so tables may grow at the end without breaking older
 * drivers.  The built-in drivers are nop, lockd and (when built with
 * libsanlock) sanlock.
 *
 * One QvLockObject stands for one guest (its QEMU process); resources
 * are added to it, then acquired or released together, as in libvirt:
 * a start acquires everything, a hotplug creates an object with the one
 * new disk.  The locks always belong to the QEMU process, never to the
 * caller: a driver that holds fds (lockd) hands them to QEMU through the
 * owner's give_fd (QMP getfd) and takes them back with take_fd
 * (closefd); a driver that registers the process (sanlock) does so in
 * the child before exec, through child_register.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "locking/qv-lock-config.h"

G_BEGIN_DECLS

/* major * 1000000 + minor * 1000 + micro, as libvirt's: a new major
 * breaks the ABI, a minor adds calls at the end, a micro adds flags */
#define QV_LOCK_DRIVER_ABI 1000000

/* Driver flags */
typedef enum {
    /* the state from release must be given back to acquire (sanlock) */
    QV_LOCK_DRIVER_USES_STATE = 1 << 0,
    /* acquire works before the process exists (pid 0): what it takes
     * goes to the owner's give_fd, which hands it over once it can, so
     * a conflict is found before QEMU opens a single image (lockd) */
    QV_LOCK_DRIVER_BEFORE_EXEC = 1 << 1,
} QvLockDriverFlags;

typedef enum {
    QV_LOCK_RESOURCE_DISK,      /* name: the image's path */
    QV_LOCK_RESOURCE_LEASE,     /* name: <key>; lockspace, path, offset */
} QvLockResourceType;

typedef enum {
    QV_LOCK_RESOURCE_READONLY = 1 << 0,
    QV_LOCK_RESOURCE_SHARED = 1 << 1,
    /* beyond libvirt: a backing layer (shared; nobody may write it
     * while a guest reads it) */
    QV_LOCK_RESOURCE_BACKING = 1 << 2,
} QvLockResourceFlags;

typedef struct {
    QvLockResourceType type;
    const char *name;
    const char *lockspace;      /* lease: <lockspace>, or NULL */
    const char *path;           /* lease: <target path> */
    uint64_t offset;            /* lease: <target offset> */
    unsigned int flags;         /* QvLockResourceFlags */
    const char *what;           /* for messages: "disk 'vda' ('/a.qcow2')"; may be NULL */
} QvLockResource;

/* The key give_fd and take_fd know @res by: "disk:PATH", or
 * "lease:LOCKSPACE:KEY:PATH:OFFSET" (new string) */
char *qv_lock_resource_key(const QvLockResource *res);

typedef enum {
    QV_LOCK_ACQUIRE_REGISTER_ONLY = 1 << 0, /* register the process, take nothing */
    QV_LOCK_ACQUIRE_RESTRICT = 1 << 1,      /* the process may make no lock calls */
} QvLockAcquireFlags;

/* <on_lockfailure>, libvirt's values and order */
typedef enum {
    QV_LOCK_FAILURE_DEFAULT,
    QV_LOCK_FAILURE_POWEROFF,
    QV_LOCK_FAILURE_RESTART,
    QV_LOCK_FAILURE_PAUSE,
    QV_LOCK_FAILURE_IGNORE,
    QV_LOCK_FAILURE_LAST
} QvLockFailureAction;

/*
 * The process the locks belong to, as the caller can reach it.  give_fd
 * takes @fd (stolen, closed on failure too) and hands it to the process
 * under a name of the caller's choosing, recorded against @resource (the
 * resource's key, qv_lock_resource_key); take_fd closes in the process
 * the fd recorded against @resource.  Both NULL when the caller has no
 * monitor (a driver needing them then fails).
 */
typedef struct {
    bool (*give_fd)(void *opaque, const char *resource, int fd, GError **error);
    bool (*take_fd)(void *opaque, const char *resource, GError **error);
    void *opaque;
} QvLockOwner;

/* The guest, as libvirt's drvNew params: uuid, name, id, pid, uri */
typedef struct {
    const char *uuid;           /* text form */
    const char *name;
    unsigned int id;
    pid_t pid;                  /* QEMU's pid; 0 before it exists */
    const char *uri;            /* how to reach the guest: qvirt:///ROOT */
    const char *host;           /* this host's name in holder records */
    const QvLockOwner *owner;
} QvLockProcess;

typedef struct QvLockObject QvLockObject;
typedef struct QvLockDriver QvLockDriver;

struct QvLockObject {
    const QvLockDriver *driver;
    QvLockProcess proc;         /* strings owned by the object */
    void *priv;                 /* the driver's */
};

struct QvLockDriver {
    size_t size;                /* sizeof(QvLockDriver) the driver was built with */
    unsigned int abi;           /* QV_LOCK_DRIVER_ABI it was built for */
    const char *name;           /* "nop", "lockd", "sanlock" */
    unsigned int flags;         /* QvLockDriverFlags */

    /* Once per process that uses the driver, with the loaded config */
    bool (*init)(const QvLockConfig *cfg, GError **error);          /* required */
    void (*deinit)(void);                                          /* optional */

    /* obj->proc is filled; set up obj->priv */
    bool (*new_object)(QvLockObject *obj, GError **error);          /* required */
    bool (*add_resource)(QvLockObject *obj, const QvLockResource *res,
                         GError **error);                          /* required */
    /* Take every resource added, for obj->proc.pid.  @state: what
     * release gave back (a resume, a migration), or NULL */
    bool (*acquire)(QvLockObject *obj, const char *state, unsigned int flags,
                    QvLockFailureAction action, GError **error);   /* required */
    /* Let go of every resource added; *@state (may be NULL) gets what a
     * later acquire needs to take them back, or NULL */
    bool (*release)(QvLockObject *obj, char **state, unsigned int flags,
                    GError **error);                               /* required */
    /* What the process holds now, as a state string, or NULL */
    bool (*inquire)(QvLockObject *obj, char **state, GError **error); /* required */
    void (*free_object)(QvLockObject *obj);                        /* required */

    /* ---- beyond libvirt's table (ABI 1.0.0) ---- */

    /* In the child between fork and exec: only async-signal-safe work.
     * Returns an fd the child must keep across exec (sanlock's
     * registration socket), -1 when there is none, or -2 when the
     * registration failed (errno says why): the child must not exec */
    int (*child_register)(QvLockObject *obj);                      /* optional */
};

G_END_DECLS
