/*
 * qv-lock-manager: the loader of lock driver tables, the resources a
 * guest needs, and the wrappers over a driver's calls.
 */
#include "locking/qv-lock-manager.h"

#include <string.h>

#include "locking/qv-lock-drivers.h"
#include "qvirt-config.h"
#include "util/qv-error.h"

/* ---- resources ---- */

char *
qv_lock_resource_key(const QvLockResource *res)
{
    if (res->type == QV_LOCK_RESOURCE_LEASE)
        return g_strdup_printf("lease:%s:%s:%s:%" G_GUINT64_FORMAT,
                               res->lockspace ? res->lockspace : "", res->name,
                               res->path ? res->path : "", res->offset);
    return g_strdup_printf("disk:%s", res->name);
}

void
qv_lock_want_free(QvLockWant *w)
{
    if (!w)
        return;
    g_free(w->key);
    g_free(w->what);
    g_free((char *)w->res.name);
    g_free((char *)w->res.lockspace);
    g_free((char *)w->res.path);
    g_free(w);
}

QvLockWant *
qv_lock_want_new_disk(const char *path, unsigned int flags, const char *what)
{
    QvLockWant *w = g_new0(QvLockWant, 1);

    w->what = g_strdup(what);
    w->res.type = QV_LOCK_RESOURCE_DISK;
    w->res.name = g_strdup(path);
    w->res.flags = flags;
    w->res.what = w->what;
    w->key = qv_lock_resource_key(&w->res);
    return w;
}

QvLockWant *
qv_lock_want_new_lease(const QvLeaseDef *lease)
{
    QvLockWant *w = g_new0(QvLockWant, 1);

    w->what = g_strdup_printf("lease '%s'%s%s%s", lease->key,
                              lease->lockspace ? " in lockspace '" : "",
                              lease->lockspace ? lease->lockspace : "",
                              lease->lockspace ? "'" : "");
    w->res.type = QV_LOCK_RESOURCE_LEASE;
    w->res.name = g_strdup(lease->key);
    w->res.lockspace = g_strdup(lease->lockspace);
    w->res.path = g_strdup(lease->path);
    w->res.offset = lease->offset;
    w->res.what = w->what;
    w->key = qv_lock_resource_key(&w->res);
    return w;
}

QvLockWant *
qv_lock_want_copy(const QvLockWant *w)
{
    QvLockWant *c = g_new0(QvLockWant, 1);

    c->key = g_strdup(w->key);
    c->what = g_strdup(w->what);
    c->res = w->res;
    c->res.name = g_strdup(w->res.name);
    c->res.lockspace = g_strdup(w->res.lockspace);
    c->res.path = g_strdup(w->res.path);
    c->res.what = c->what;
    return c;
}

const char *
qv_lock_want_mode(const QvLockWant *w)
{
    if (w->res.flags & QV_LOCK_RESOURCE_READONLY)
        return "readonly";
    if (w->res.flags & (QV_LOCK_RESOURCE_SHARED | QV_LOCK_RESOURCE_BACKING))
        return "shared";
    return "exclusive";
}

bool
qv_lock_want_equal(const QvLockWant *a, const QvLockWant *b)
{
    return strcmp(a->key, b->key) == 0 && a->res.flags == b->res.flags;
}

/* 0 exclusive, 1 shared, 2 backing (shared), 3 readonly: lower is stronger */
static int
strength(unsigned int flags)
{
    if (!(flags & (QV_LOCK_RESOURCE_READONLY | QV_LOCK_RESOURCE_SHARED |
                   QV_LOCK_RESOURCE_BACKING)))
        return 0;
    if (flags & QV_LOCK_RESOURCE_SHARED)
        return 1;
    if (flags & QV_LOCK_RESOURCE_BACKING)
        return 2;
    return 3;
}

void
qv_lock_wants_add(GPtrArray *wants, QvLockWant **w)
{
    for (guint i = 0; i < wants->len; i++) {
        QvLockWant *have = wants->pdata[i];

        if (strcmp(have->key, (*w)->key) != 0)
            continue;
        if (strength((*w)->res.flags) < strength(have->res.flags)) {
            have->res.flags = (*w)->res.flags;
            g_free(have->what);
            have->what = g_steal_pointer(&(*w)->what);
            have->res.what = have->what;
        }
        g_clear_pointer(w, qv_lock_want_free);
        return;
    }
    g_ptr_array_add(wants, g_steal_pointer(w));
}

static bool
lockable(const QvStorageSource *src)
{
    return src && src->path && (src->type == QV_STORAGE_FILE || src->type == QV_STORAGE_BLOCK ||
                                src->type == QV_STORAGE_DIR);
}

/* @src and its chain: @src with @top_flags, the layers below as backing;
 * a quorum's children each like a top */
static void
add_tree(GPtrArray *wants, const QvStorageSource *src, unsigned int top_flags,
         const char *disk, bool below)
{
    if (!src)
        return;
    if (src->type == QV_STORAGE_QUORUM) {
        for (size_t i = 0; i < src->nbacking; i++)
            add_tree(wants, src->backing[i], top_flags, disk, false);
        return;
    }
    if (lockable(src)) {
        g_autofree char *what = below ?
            g_strdup_printf("backing layer '%s' of disk '%s'", src->path, disk) :
            g_strdup_printf("disk '%s' ('%s')", disk, src->path);
        QvLockWant *w = qv_lock_want_new_disk(src->path, below ? QV_LOCK_RESOURCE_BACKING : top_flags,
                                              what);

        qv_lock_wants_add(wants, &w);
    }
    /* a network element ends what can be locked, not the walk */
    for (size_t i = 0; i < src->nbacking; i++)
        add_tree(wants, src->backing[i], top_flags, disk, true);
}

static void
add_disk(GPtrArray *wants, const QvDiskDef *disk)
{
    unsigned int flags = 0;

    if (!disk->has_source || !disk->src)
        return;
    if (disk->readonly || disk->src->readonly || disk->device == QV_DISK_DEVICE_CDROM)
        flags = QV_LOCK_RESOURCE_READONLY;
    else if (disk->shareable)
        flags = QV_LOCK_RESOURCE_SHARED;
    else if (disk->transient)
        flags = QV_LOCK_RESOURCE_READONLY;  /* QEMU writes an overlay, never the image */
    add_tree(wants, disk->src, flags, disk->dst, false);
    /* a copy's destination is written while it runs */
    if (disk->mirror && disk->mirror->src)
        add_tree(wants, disk->mirror->src, disk->shareable ? QV_LOCK_RESOURCE_SHARED : 0,
                 disk->dst, false);
}

GPtrArray *
qv_lock_wants_for_disk(const QvDiskDef *disk)
{
    GPtrArray *wants = g_ptr_array_new_with_free_func((GDestroyNotify)qv_lock_want_free);

    add_disk(wants, disk);
    return wants;
}

GPtrArray *
qv_lock_wants_for_source(const QvDiskDef *disk, const QvStorageSource *top)
{
    GPtrArray *wants = g_ptr_array_new_with_free_func((GDestroyNotify)qv_lock_want_free);

    add_tree(wants, top, disk->shareable ? QV_LOCK_RESOURCE_SHARED : 0, disk->dst, false);
    return wants;
}

GPtrArray *
qv_lock_wants_for_domain(const QvDomainDef *def)
{
    GPtrArray *wants = g_ptr_array_new_with_free_func((GDestroyNotify)qv_lock_want_free);

    for (size_t i = 0; i < def->nleases; i++) {
        QvLockWant *w = qv_lock_want_new_lease(def->leases[i]);

        qv_lock_wants_add(wants, &w);
    }
    for (size_t i = 0; i < def->ndisks; i++)
        add_disk(wants, def->disks[i]);
    return wants;
}

/* ---- the loader ---- */

struct QvLockManager {
    QvLockDriver drv;           /* the driver's table, as this ABI sees it */
};

static const QvLockDriver *const builtin[] = {
    &qv_lock_driver_nop,
    &qv_lock_driver_lockd,
#if QVIRT_WITH_SANLOCK
    &qv_lock_driver_sanlock,
#endif
};

const QvLockDriver *
qv_lock_driver_find(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(builtin); i++) {
        if (g_strcmp0(builtin[i]->name, name) == 0)
            return builtin[i];
    }
    return NULL;
}

QvLockManager *
qv_lock_manager_load(const QvLockDriver *drv, const QvLockConfig *cfg, GError **error)
{
    g_autofree QvLockManager *mgr = g_new0(QvLockManager, 1);
    const char *name = drv->size >= G_STRUCT_OFFSET(QvLockDriver, flags) && drv->name ?
                       drv->name : "(unnamed)";
    static const struct {
        const char *what;
        size_t offset;
    } required[] = {
        { "init", G_STRUCT_OFFSET(QvLockDriver, init) },
        { "new_object", G_STRUCT_OFFSET(QvLockDriver, new_object) },
        { "add_resource", G_STRUCT_OFFSET(QvLockDriver, add_resource) },
        { "acquire", G_STRUCT_OFFSET(QvLockDriver, acquire) },
        { "release", G_STRUCT_OFFSET(QvLockDriver, release) },
        { "inquire", G_STRUCT_OFFSET(QvLockDriver, inquire) },
        { "free_object", G_STRUCT_OFFSET(QvLockDriver, free_object) },
    };

    if (drv->size < G_STRUCT_OFFSET(QvLockDriver, init)) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "lock driver '%s': its table is too small (%zu bytes)", name, drv->size);
        return NULL;
    }
    if (drv->abi / 1000000 != QV_LOCK_DRIVER_ABI / 1000000) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "lock driver '%s': built for lock driver ABI %u, qvirt has %u", name,
                    drv->abi, (unsigned int)QV_LOCK_DRIVER_ABI);
        return NULL;
    }
    /* calls added after the driver was built stay NULL */
    memcpy(&mgr->drv, drv, MIN(drv->size, sizeof(mgr->drv)));
    mgr->drv.size = sizeof(mgr->drv);
    for (size_t i = 0; i < G_N_ELEMENTS(required); i++) {
        void *fn = NULL;

        memcpy(&fn, (const char *)&mgr->drv + required[i].offset, sizeof(fn));
        if (!fn) {
            g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                        "lock driver '%s': missing '%s'", name, required[i].what);
            return NULL;
        }
    }
    if (!mgr->drv.init(cfg, error)) {
        g_prefix_error(error, "lock driver '%s': ", name);
        return NULL;
    }
    return g_steal_pointer(&mgr);
}

QvLockManager *
qv_lock_manager_open(const QvLockConfig *cfg, GError **error)
{
    const char *name = qv_lock_manager_kind_to_string(cfg->manager);
    const QvLockDriver *drv = qv_lock_driver_find(name);

    if (!drv) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "%s/qemu.conf: lock_manager '%s' is not built into this qvirt "
                    "(build it with -Dsanlock=enabled)", cfg->config_dir, name);
        return NULL;
    }
    return qv_lock_manager_load(drv, cfg, error);
}

void
qv_lock_manager_free(QvLockManager *mgr)
{
    if (!mgr)
        return;
    if (mgr->drv.deinit)
        mgr->drv.deinit();
    g_free(mgr);
}

const char *
qv_lock_manager_name(const QvLockManager *mgr)
{
    return mgr->drv.name;
}

bool
qv_lock_manager_uses_state(const QvLockManager *mgr)
{
    return (mgr->drv.flags & QV_LOCK_DRIVER_USES_STATE) != 0;
}

bool
qv_lock_manager_before_exec(const QvLockManager *mgr)
{
    return (mgr->drv.flags & QV_LOCK_DRIVER_BEFORE_EXEC) != 0;
}

/* ---- objects ---- */

QvLockObject *
qv_lock_object_new(QvLockManager *mgr, const QvLockProcess *proc, GError **error)
{
    g_autoptr(QvLockObject) obj = g_new0(QvLockObject, 1);

    obj->driver = &mgr->drv;
    obj->proc = *proc;
    obj->proc.uuid = g_strdup(proc->uuid);
    obj->proc.name = g_strdup(proc->name);
    obj->proc.uri = g_strdup(proc->uri);
    obj->proc.host = g_strdup(proc->host);
    if (!mgr->drv.new_object(obj, error)) {
        obj->driver = NULL;
        return NULL;
    }
    return g_steal_pointer(&obj);
}

void
qv_lock_object_free(QvLockObject *obj)
{
    if (!obj)
        return;
    if (obj->driver)
        obj->driver->free_object(obj);
    g_free((char *)obj->proc.uuid);
    g_free((char *)obj->proc.name);
    g_free((char *)obj->proc.uri);
    g_free((char *)obj->proc.host);
    g_free(obj);
}

bool
qv_lock_object_add(QvLockObject *obj, const QvLockWant *w, GError **error)
{
    return obj->driver->add_resource(obj, &w->res, error);
}

bool
qv_lock_object_acquire(QvLockObject *obj, const char *state, unsigned int flags,
                       QvLockFailureAction action, GError **error)
{
    return obj->driver->acquire(obj, state, flags, action, error);
}

bool
qv_lock_object_release(QvLockObject *obj, char **state, unsigned int flags, GError **error)
{
    if (state)
        *state = NULL;
    return obj->driver->release(obj, state, flags, error);
}

bool
qv_lock_object_inquire(QvLockObject *obj, char **state, GError **error)
{
    *state = NULL;
    return obj->driver->inquire(obj, state, error);
}

int
qv_lock_object_child_register(QvLockObject *obj)
{
    return obj->driver->child_register ? obj->driver->child_register(obj) : -1;
}

static const char *const failure_names[QV_LOCK_FAILURE_LAST] = {
    [QV_LOCK_FAILURE_DEFAULT] = "default",
    [QV_LOCK_FAILURE_POWEROFF] = "poweroff",
    [QV_LOCK_FAILURE_RESTART] = "restart",
    [QV_LOCK_FAILURE_PAUSE] = "pause",
    [QV_LOCK_FAILURE_IGNORE] = "ignore",
};

const char *
qv_lock_failure_to_string(QvLockFailureAction action)
{
    return action < QV_LOCK_FAILURE_LAST ? failure_names[action] : NULL;
}

int
qv_lock_failure_from_string(const char *s)
{
    for (int i = 0; s && i < QV_LOCK_FAILURE_LAST; i++) {
        if (strcmp(failure_names[i], s) == 0)
            return i;
    }
    return -1;
}
