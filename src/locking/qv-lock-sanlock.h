/*
 * qv-lock-sanlock: the sanlock lock driver (libvirt's plugin, with its
 * bugs fixed) and the lease folder's upkeep (virt-sanlock-cleanup).
 *
 * Leases live in qemu-sanlock.conf's disk_lease_dir, laid out as
 * libvirt lays them out so that hosts running libvirt and qvirt share
 * one folder: the lockspace "__LIBVIRT__DISKS__" in the file of that
 * name, one lease per disk named md5hex(path), offset 0.
 *
 * The locks belong to QEMU: the child registers with the daemon before
 * exec (child_register), and everything else is done by the caller for
 * QEMU's pid.  How a start goes:
 *   1. new_object, add_resource for every disk and <lease>;
 *   2. acquire(NULL, REGISTER_ONLY | RESTRICT, action) while proc.pid is
 *      still 0: nothing is taken, the failure action's killpath is
 *      prepared (it must be known before the fork);
 *   3. fork; in the child child_register (register, killpath, restrict),
 *      keep its fd across exec; exec QEMU -S;
 *   4. set obj->proc.pid, acquire(NULL, 0, action), then QMP cont.
 * A pause is release(&state); a resume is acquire(state, 0, action),
 * which refuses a lease another host took in between.
 *
 * The client library finds the daemon through SANLOCK_RUN_DIR (default
 * /run/sanlock), read once, at a process's first sanlock call, and kept
 * for its life (its forked children's too): one process talks to one
 * daemon.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "locking/qv-lock-config.h"
#include "locking/qv-lock-driver.h"

G_BEGIN_DECLS

extern const QvLockDriver qv_lock_driver_sanlock;

/* libvirt's lockspace of automatic disk leases, and its file's name */
#define QV_SANLOCK_DISKS_LOCKSPACE "__LIBVIRT__DISKS__"

/* The name of a disk's automatic lease: md5 of the path, 32 lowercase
 * hex digits (libvirt's) */
char *qv_sanlock_disk_lease_name(const char *path);

typedef enum {
    QV_SANLOCK_JOIN_NEW,        /* this call joined the lockspace */
    QV_SANLOCK_JOIN_ALREADY,    /* the daemon had joined it already */
} QvSanlockJoin;

/*
 * Create disk_lease_dir/__LIBVIRT__DISKS__ if it is missing (safely:
 * a temporary file, formatted, then linked into place without
 * replacing what a concurrent creator put there) and join it with
 * @cfg->host_id.  *@how (may be NULL) says whether the join was paid
 * here.  Any failure is an error, a host_id in use by another host
 * included.
 */
bool qv_sanlock_setup_lockspace(const QvSanlockConfig *cfg, QvSanlockJoin *how,
                                GError **error);

/*
 * virt-sanlock-cleanup: every lease file (32 hex digits) of
 * disk_lease_dir that no host holds is removed while this process holds
 * it, so that nobody can be using it meanwhile; a held lease is kept.
 * Temporary files of an interrupted creation older than an hour go too.
 * @removed and @kept (may be NULL) get the paths (g_free'd strings).
 * With @dry_run the leases are checked the same way but not removed.
 * The lockspace is joined first (host_id must be set).
 */
bool qv_sanlock_cleanup(const QvSanlockConfig *cfg, bool dry_run,
                        GPtrArray *removed, GPtrArray *kept, GError **error);

G_END_DECLS
