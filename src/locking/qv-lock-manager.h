/*
 * qv-lock-manager: the lock manager: the driver table's loader, the
 * choice of driver from the configuration, the resources a guest needs
 * (which disks, in which mode) and thin wrappers over a driver's calls.
 *
 * What a guest locks, by the definition alone (no image is read):
 * - the top image of every file or block disk: exclusive, shared with
 *   <shareable/>, read-only with <readonly/> (and a transient disk's
 *   image, which QEMU only reads);
 * - every backing layer: shared, with the backing flag, so that nobody
 *   may write a base a running guest reads (beyond libvirt);
 * - each child of a quorum like a top, its chain like backing layers;
 * - the destination of a running copy (<mirror>) like a top;
 * - every <lease>;
 * - network disks are skipped, as libvirt does: their servers keep
 *   their own locks.
 * One resource per path: two disks sharing a base need it once, in the
 * strongest mode asked for.
 */
#pragma once

#include "conf/qv-domain.h"
#include "locking/qv-lock-config.h"
#include "locking/qv-lock-driver.h"

G_BEGIN_DECLS

/* One resource a guest needs, with what messages call it */
typedef struct {
    char *key;                  /* qv_lock_resource_key */
    char *what;                 /* "disk 'vda' ('/a.qcow2')", "backing layer '/b.qcow2' of disk 'vda'" */
    QvLockResource res;         /* strings owned here; res.what is what */
} QvLockWant;

QvLockWant *qv_lock_want_new_disk(const char *path, unsigned int flags, const char *what);
QvLockWant *qv_lock_want_new_lease(const QvLeaseDef *lease);
QvLockWant *qv_lock_want_copy(const QvLockWant *w);
void qv_lock_want_free(QvLockWant *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvLockWant, qv_lock_want_free)

/* "exclusive", "shared" or "readonly" */
const char *qv_lock_want_mode(const QvLockWant *w);
/* Whether @a and @b are the same resource in the same mode */
bool qv_lock_want_equal(const QvLockWant *a, const QvLockWant *b);

/* A new array of QvLockWant (owned): what @def's guest needs */
GPtrArray *qv_lock_wants_for_domain(const QvDomainDef *def);
/* ... what one disk needs (for a hotplug) */
GPtrArray *qv_lock_wants_for_disk(const QvDiskDef *disk);
/* ... what a new image @top (and its chain) QEMU will write for @disk
 * needs: a copy's destination, a snapshot's overlay */
GPtrArray *qv_lock_wants_for_source(const QvDiskDef *disk, const QvStorageSource *top);
/* Add @w (stolen) to @wants, merged with an entry of the same key (the
 * stronger mode wins) */
void qv_lock_wants_add(GPtrArray *wants, QvLockWant **w);

typedef struct QvLockManager QvLockManager;

/* The driver @cfg names, loaded and initialised */
QvLockManager *qv_lock_manager_open(const QvLockConfig *cfg, GError **error);
/* Load @drv (copied at most drv->size bytes, the rest zero; refused when
 * its ABI major differs or a required call is missing) and init it */
QvLockManager *qv_lock_manager_load(const QvLockDriver *drv, const QvLockConfig *cfg,
                                    GError **error);
void qv_lock_manager_free(QvLockManager *mgr);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvLockManager, qv_lock_manager_free)

const char *qv_lock_manager_name(const QvLockManager *mgr);
bool qv_lock_manager_uses_state(const QvLockManager *mgr);
bool qv_lock_manager_before_exec(const QvLockManager *mgr);
/* The built-in driver called @name, or NULL (sanlock: when built with it) */
const QvLockDriver *qv_lock_driver_find(const char *name);

/* A guest's lock object; @proc is copied */
QvLockObject *qv_lock_object_new(QvLockManager *mgr, const QvLockProcess *proc,
                                 GError **error);
void qv_lock_object_free(QvLockObject *obj);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvLockObject, qv_lock_object_free)
bool qv_lock_object_add(QvLockObject *obj, const QvLockWant *w, GError **error);
bool qv_lock_object_acquire(QvLockObject *obj, const char *state, unsigned int flags,
                            QvLockFailureAction action, GError **error);
bool qv_lock_object_release(QvLockObject *obj, char **state, unsigned int flags,
                            GError **error);
bool qv_lock_object_inquire(QvLockObject *obj, char **state, GError **error);
/* In the child before exec: the fd to keep, or -1 */
int qv_lock_object_child_register(QvLockObject *obj);

/* <on_lockfailure> values */
const char *qv_lock_failure_to_string(QvLockFailureAction action);
int qv_lock_failure_from_string(const char *s);

G_END_DECLS
