/*
 * qv-sup-locks: the guest's leases over its whole life, on top of the
 * lock manager (src/locking).
 *
 * What QEMU holds is kept in `held` (key -> QvLockWant) and written to
 * state/NAME.locks.json after every change, with the name of each fd
 * handed to QEMU, so that a new supervisor knows what the QEMU it
 * reattaches to holds and never takes or drops a lease twice.
 *
 * - start: QEMU always starts with -S; every lease is taken before the
 *   first `cont` (a start with --paused takes them at resume, as libvirt);
 * - pause (QEMU's STOP, whatever caused it): every lease is let go and
 *   the driver's state kept; resume takes them back with that state
 *   before `cont`, and a resume that cannot stays paused;
 * - block jobs and snapshots: qv_sup_locks_sync() makes `held` what the
 *   live definition needs (plus what a job writes), releasing what is
 *   gone and taking what is new, before QEMU opens a new image for
 *   writing and after a job ends;
 * - QEMU's end: its locks went with it; lockd's idle lock files are
 *   removed.
 *
 * The fds lockd hands over get a new name each time (qvirt-lock-N):
 * getfd with a name in use would close the old fd and silently drop its
 * lock.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "locking/qv-lock-manager.h"
#include "storage/qv-source-tree.h"
#include "util/qv-error.h"
#include "util/qv-file.h"
#include "util/qv-json.h"
#include "util/qv-json-build.h"
#include "supervisor/qv-supervisor-priv.h"

typedef struct {
    QvSupLocksThen fn;
    QvCtlRequest *req;
    json_object *data;
} Deferred;

static QvLockFailureAction failure_action(QvSupervisor *sup);
static void release_guest_leases(QvSupervisor *sup);

static QvLockProcess
lock_process(QvSupervisor *sup, pid_t pid)
{
    QvLockProcess proc = {
        .uuid = sup->live ? sup->live->uuid : NULL,
        .name = sup->files->name,
        .id = (unsigned int)pid,
        .pid = pid,
        .uri = sup->lock_uri,
        .host = g_get_host_name(),
        .owner = &sup->lock_owner,
    };

    return proc;
}

/* ---- setting up ---- */

bool
qv_sup_locks_open(QvSupervisor *sup, GError **error)
{
    g_autoptr(QvLockConfig) cfg = NULL;

    if (!(cfg = qv_lock_config_load(sup->conn->paths->config_dir, error)) ||
        !(sup->locks = qv_lock_manager_open(cfg, error))) {
        g_prefix_error(error, "domain '%s': the lock manager: ", sup->files->name);
        return false;
    }
    sup->held = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify)qv_lock_want_free);
    sup->lock_fds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    sup->pending_fds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                             qv_sup_lockfd_close_pending);
    sup->lock_extra = g_ptr_array_new_with_free_func((GDestroyNotify)qv_lock_want_free);
    sup->lock_token = g_strdup_printf("%08x%08x", g_random_int(), g_random_int());
    sup->lock_owner.give_fd = qv_sup_lockfd_give;
    sup->lock_owner.take_fd = qv_sup_lockfd_take;
    sup->lock_owner.opaque = sup;
    {
        g_autofree char *root = qv_paths_root(sup->conn->paths);

        /* how sanlock's killpath reaches this guest again */
        sup->lock_uri = root ? g_strdup_printf("qvirt://%s", root) : NULL;
    }
    /* sanlock's hosts are told apart by their host_id */
    sup->lock_host = cfg->manager == QV_LOCK_MANAGER_SANLOCK ?
                     g_strdup_printf("%s (host_id %u)", g_get_host_name(), cfg->sanlock.host_id) :
                     g_strdup(g_get_host_name());
    /* nothing is held before QEMU runs its first cycle */
    sup->locks_released = true;
    return true;
}

void
qv_sup_locks_close(QvSupervisor *sup)
{
    /* requests still waiting (the supervisor is going): nobody answers
     * them but the closed socket */
    while (sup->lock_deferred) {
        Deferred *d = sup->lock_deferred->data;

        json_object_put(d->data);
        g_free(d);
        sup->lock_deferred = g_list_delete_link(sup->lock_deferred, sup->lock_deferred);
    }
    g_clear_pointer(&sup->reg_obj, qv_lock_object_free);
    g_clear_pointer(&sup->locks, qv_lock_manager_free);
    g_clear_pointer(&sup->held, g_hash_table_unref);
    g_clear_pointer(&sup->lock_fds, g_hash_table_unref);
    g_clear_pointer(&sup->pending_fds, g_hash_table_unref);
    g_clear_pointer(&sup->lock_state, g_free);
    g_clear_pointer(&sup->lock_uri, g_free);
    g_clear_pointer(&sup->lock_host, g_free);
    g_clear_pointer(&sup->lock_token, g_free);
    g_clear_pointer(&sup->lock_extra, g_ptr_array_unref);
}

bool
qv_sup_locks_prepare_spawn(QvSupervisor *sup, GError **error)
{
    QvLockProcess proc = lock_process(sup, 0);
    g_autoptr(GPtrArray) wants = qv_lock_wants_for_domain(sup->live);

    g_clear_pointer(&sup->reg_obj, qv_lock_object_free);
    if (!(sup->reg_obj = qv_lock_object_new(sup->locks, &proc, error)))
        return false;
    for (guint i = 0; i < wants->len; i++) {
        if (!qv_lock_object_add(sup->reg_obj, wants->pdata[i], error))
            return false;
    }
    /* what the child's registration needs is prepared here, before the
     * fork (sanlock's killpath for <on_lockfailure>): nothing is taken */
    if (!qv_lock_object_acquire(sup->reg_obj, NULL,
                                QV_LOCK_ACQUIRE_REGISTER_ONLY | QV_LOCK_ACQUIRE_RESTRICT,
                                failure_action(sup), error)) {
        g_prefix_error(error, "domain '%s': ", sup->files->name);
        return false;
    }
    return true;
}

int
qv_sup_locks_child_register(QvSupervisor *sup)
{
    return sup->reg_obj ? qv_lock_object_child_register(sup->reg_obj) : -1;
}

/* ---- taking and letting go ---- */

/* An object for QEMU with @wants (QvLockWant) */
static QvLockObject *
object_with(QvSupervisor *sup, GPtrArray *wants, pid_t pid, GError **error)
{
    QvLockProcess proc = lock_process(sup, pid);
    g_autoptr(QvLockObject) obj = qv_lock_object_new(sup->locks, &proc, error);

    if (!obj)
        return NULL;
    for (guint i = 0; i < wants->len; i++) {
        if (!qv_lock_object_add(obj, wants->pdata[i], error))
            return NULL;
    }
    return g_steal_pointer(&obj);
}

static QvLockFailureAction
failure_action(QvSupervisor *sup)
{
    return sup->live ? (QvLockFailureAction)sup->live->on_lockfailure : QV_LOCK_FAILURE_DEFAULT;
}

static bool
acquire_wants(QvSupervisor *sup, GPtrArray *wants, const char *state, GError **error)
{
    g_autoptr(QvLockObject) obj = NULL;

    if (!wants->len)
        return true;
    if (!(obj = object_with(sup, wants, sup->qemu_pid, error)))
        return false;
    if (!qv_lock_object_acquire(obj, state, 0, failure_action(sup), error)) {
        /* what the driver took back before failing is let go by now */
        qv_sup_lockfd_wait_closed(sup);
        return false;
    }
    /* lockd's fds go to QEMU now (or, before QEMU runs, once it does) */
    if (!qv_sup_locks_hand_over(sup, error)) {
        qv_lock_object_release(obj, NULL, 0, NULL);
        qv_sup_lockfd_wait_closed(sup);
        return false;
    }
    for (guint i = 0; i < wants->len; i++) {
        QvLockWant *w = wants->pdata[i];

        g_hash_table_replace(sup->held, g_strdup(w->key), qv_lock_want_copy(w));
    }
    qv_sup_locks_save(sup, NULL);
    return true;
}

/* Whether @w is still held after a release that may have failed part of
 * the way: a driver that hands fds over holds what QEMU has an fd for;
 * another holds all or nothing */
static bool
still_held(QvSupervisor *sup, const QvLockWant *w, bool released)
{
    if (qv_lock_manager_before_exec(sup->locks))
        return g_hash_table_contains(sup->lock_fds, w->key) ||
               g_hash_table_contains(sup->pending_fds, w->key);
    return !released;
}

static bool
release_wants(QvSupervisor *sup, GPtrArray *wants, char **state, GError **error)
{
    g_autoptr(QvLockObject) obj = NULL;
    bool ok;

    if (state)
        *state = NULL;
    if (!wants->len)
        return true;
    if (!(obj = object_with(sup, wants, sup->qemu_pid, error)))
        return false;
    ok = qv_lock_object_release(obj, state, 0, error);
    qv_sup_lockfd_wait_closed(sup);
    for (guint i = 0; i < wants->len; i++) {
        QvLockWant *w = wants->pdata[i];

        if (!still_held(sup, w, ok))
            g_hash_table_remove(sup->held, w->key);
    }
    qv_sup_locks_save(sup, NULL);
    return ok;
}

/* "disk 'vda' ('/a.qcow2'), backing layer ..." of @wants */
static char *
whats(GPtrArray *wants)
{
    GString *out = g_string_new(NULL);

    for (guint i = 0; i < wants->len; i++)
        g_string_append_printf(out, "%s%s", i ? ", " : "", ((QvLockWant *)wants->pdata[i])->what);
    return g_string_free(out, FALSE);
}

static void
add_want(GPtrArray *wants, GHashTable *keys, const char *path, unsigned int flags,
         const char *what)
{
    QvLockWant *w = qv_lock_want_new_disk(path, flags, what);

    if (keys)
        g_hash_table_add(keys, g_strdup(w->key));
    qv_lock_wants_add(wants, &w);
}

/*
 * What QEMU writes for block jobs and operations under way: a copy's
 * destination (<mirror>), a commit's base and the image above the
 * committed part (its backing string is rewritten), what an operation
 * is about to open for writing (sup->lock_extra, @extra).  These are
 * held while the guest is paused too: a job writes whether the vCPUs
 * run or not.  Their keys go to @keys.
 */
static void
job_wants(QvSupervisor *sup, GPtrArray *extra, GPtrArray *wants, GHashTable *keys)
{
    GHashTableIter it;
    gpointer val;

    for (size_t i = 0; i < sup->live->ndisks; i++) {
        QvDiskDef *disk = sup->live->disks[i];
        g_autoptr(GPtrArray) m = NULL;

        if (!disk->mirror || !disk->mirror->src)
            continue;
        m = qv_lock_wants_for_source(disk, disk->mirror->src);
        for (guint k = 0; k < m->len; k++) {
            QvLockWant *w = qv_lock_want_copy(m->pdata[k]);

            g_hash_table_add(keys, g_strdup(w->key));
            qv_lock_wants_add(wants, &w);
        }
    }
    if (sup->jobs) {
        g_hash_table_iter_init(&it, sup->jobs);
        while (g_hash_table_iter_next(&it, NULL, &val)) {
            QvSupJob *job = val;
            QvDiskDef *disk = qv_domain_find_disk(sup->live, job->disk);
            unsigned int flags = disk && disk->shareable ? QV_LOCK_RESOURCE_SHARED : 0;
            QvStorageSource *base, *top, *over;

            if ((job->type != QVIRT_DOMAIN_BLOCK_JOB_TYPE_COMMIT &&
                 job->type != QVIRT_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT) || !disk)
                continue;
            if ((base = qv_source_find_index(disk->src, job->base)) && base->path &&
                qv_source_is_local(base)) {
                g_autofree char *what = g_strdup_printf("commit base '%s' of disk '%s'",
                                                        base->path, disk->dst);

                add_want(wants, keys, base->path, flags, what);
            }
            if ((top = qv_source_find_index(disk->src, job->top)) && top != disk->src &&
                (over = qv_source_find_parent(disk->src, top, NULL)) && over->path &&
                qv_source_is_local(over)) {
                g_autofree char *what = g_strdup_printf("image '%s' above the commit of disk '%s'",
                                                        over->path, disk->dst);

                add_want(wants, keys, over->path, flags, what);
            }
        }
    }
    for (guint i = 0; sup->lock_extra && i < sup->lock_extra->len; i++) {
        QvLockWant *w = qv_lock_want_copy(sup->lock_extra->pdata[i]);

        g_hash_table_add(keys, g_strdup(w->key));
        qv_lock_wants_add(wants, &w);
    }
    for (guint i = 0; extra && i < extra->len; i++) {
        QvLockWant *w = qv_lock_want_copy(extra->pdata[i]);

        g_hash_table_add(keys, g_strdup(w->key));
        qv_lock_wants_add(wants, &w);
    }
}

/* What the guest needs now: its definition and what its jobs write
 * (their keys in @jobs, optional) */
static GPtrArray *
desired(QvSupervisor *sup, GPtrArray *extra, GHashTable *jobs)
{
    GPtrArray *wants = qv_lock_wants_for_domain(sup->live);
    g_autoptr(GHashTable) keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    job_wants(sup, extra, wants, jobs ? jobs : keys);
    return wants;
}

GPtrArray *
qv_sup_locks_desired(QvSupervisor *sup, GPtrArray *extra)
{
    return desired(sup, extra, NULL);
}

/* Lock operations make QMP calls, whose nested main loop lets control
 * requests and events in: one operation at a time */
static bool
locks_enter(QvSupervisor *sup, GError **error)
{
    if (sup->lock_busy) {
        g_set_error(error, QV_ERROR, QV_ERR_BUSY,
                    "domain '%s': its leases are being taken or let go; try again",
                    sup->files->name);
        return false;
    }
    sup->lock_busy = true;
    return true;
}

void
qv_sup_locks_when_idle(QvSupervisor *sup, QvSupLocksThen fn, QvCtlRequest *req,
                       json_object *data)
{
    Deferred *d;

    if (!sup->lock_busy) {
        fn(sup, req, data);
        return;
    }
    d = g_new0(Deferred, 1);
    d->fn = fn;
    d->req = req;
    d->data = data;
    sup->lock_deferred = g_list_append(sup->lock_deferred, d);
}

/* What waited for the leases to settle, in order */
static void
run_deferred(QvSupervisor *sup)
{
    while (sup->lock_deferred && !sup->lock_busy) {
        Deferred *d = sup->lock_deferred->data;

        sup->lock_deferred = g_list_delete_link(sup->lock_deferred, sup->lock_deferred);
        d->fn(sup, d->req, d->data);
        g_free(d);
    }
}

static void
locks_stop_guest(QvSupervisor *sup, const char *why)
{
    g_printerr("domain '%s': %s; stopping it\n", sup->files->name, why);
    qv_qmp_command(sup->qmp, "stop", NULL, QV_QMP_TIMEOUT_MS, NULL, NULL);
}

static void
locks_leave(QvSupervisor *sup)
{
    g_autoptr(GError) err = NULL;

    sup->lock_busy = false;
    if (sup->lock_release_pending) {
        sup->lock_release_pending = false;
        if (sup->locks_released) {
            release_guest_leases(sup);
            return;
        }
    }
    if (sup->lock_resync) {
        sup->lock_resync = false;
        if (!qv_sup_locks_sync(sup, NULL, &err)) {
            g_printerr("domain '%s': %s\n", sup->files->name, err->message);
            g_clear_error(&err);
        }
    }
    /* a guest that runs (resumed meanwhile) holds its leases, or stops */
    if (sup->locks_released && sup->rt && sup->rt->state == QV_GUEST_RUNNING && sup->qmp &&
        !qv_sup_locks_acquire_all(sup, &err)) {
        g_autofree char *why = g_strdup_printf("it runs without its leases, which cannot be "
                                               "taken: %s", err->message);

        locks_stop_guest(sup, why);
    }
    run_deferred(sup);
}

bool
qv_sup_locks_sync(QvSupervisor *sup, GPtrArray *extra, GError **error)
{
    g_autoptr(GPtrArray) want = NULL;
    g_autoptr(GPtrArray) drop = g_ptr_array_new_with_free_func((GDestroyNotify)qv_lock_want_free);
    g_autoptr(GPtrArray) take = g_ptr_array_new_with_free_func((GDestroyNotify)qv_lock_want_free);
    g_autoptr(GPtrArray) back = g_ptr_array_new_with_free_func((GDestroyNotify)qv_lock_want_free);
    g_autoptr(GHashTable) by_key = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GHashTable) jobs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GError) err = NULL;
    GHashTableIter it;
    gpointer key, val;
    bool ok;

    /* the files are QEMU's before it opens them (no QMP call here) */
    if (sup->live && sup->qemu_pid > 0 && !qv_sup_labels_sync(sup, extra, error))
        return false;
    if (!sup->locks || !sup->live || sup->qemu_pid <= 0)
        return true;
    if (sup->lock_busy && !extra) {
        /* after the operation under way */
        sup->lock_resync = true;
        return true;
    }
    if (!locks_enter(sup, error))
        return false;
    want = desired(sup, extra, jobs);
    for (guint i = 0; i < want->len; i++)
        g_hash_table_insert(by_key, ((QvLockWant *)want->pdata[i])->key, want->pdata[i]);
    g_hash_table_iter_init(&it, sup->held);
    while (g_hash_table_iter_next(&it, &key, &val)) {
        QvLockWant *w = g_hash_table_lookup(by_key, key);

        if (!w || !qv_lock_want_equal(w, val)) {
            g_ptr_array_add(drop, qv_lock_want_copy(val));
            if (w)
                g_ptr_array_add(back, qv_lock_want_copy(val));
        }
    }
    for (guint i = 0; i < want->len; i++) {
        QvLockWant *w = want->pdata[i];
        QvLockWant *have = g_hash_table_lookup(sup->held, w->key);

        /* paused: the guest's own leases wait for the resume; what its
         * jobs write is held all the same */
        if (sup->locks_released && !g_hash_table_contains(jobs, w->key))
            continue;
        if (!have || !qv_lock_want_equal(w, have))
            g_ptr_array_add(take, qv_lock_want_copy(w));
    }
    /* a lease whose mode changes is let go first: the new lock would
     * conflict with the old one */
    ok = release_wants(sup, drop, NULL, error);
    if (ok && !(ok = acquire_wants(sup, take, NULL, &err))) {
        /* leave the changed leases as they were */
        if (back->len && !acquire_wants(sup, back, NULL, NULL) && !sup->locks_released) {
            g_autofree char *names = whats(back);
            g_autofree char *why = g_strdup_printf("another guest took %s in the moment it "
                                                   "changed mode", names);

            locks_stop_guest(sup, why);
        }
        g_prefix_error(&err, "domain '%s': ", sup->files->name);
        g_propagate_error(error, g_steal_pointer(&err));
    }
    locks_leave(sup);
    return ok;
}

void
qv_sup_locks_extra_done(QvSupervisor *sup)
{
    if (sup->lock_extra)
        g_ptr_array_set_size(sup->lock_extra, 0);
}

void
qv_sup_locks_extra_add(QvSupervisor *sup, GPtrArray *wants)
{
    for (guint i = 0; sup->lock_extra && i < wants->len; i++) {
        QvLockWant *w = qv_lock_want_copy(wants->pdata[i]);

        qv_lock_wants_add(sup->lock_extra, &w);
    }
}

bool
qv_sup_locks_acquire_all(QvSupervisor *sup, GError **error)
{
    g_autoptr(GPtrArray) want = NULL;
    g_autoptr(GPtrArray) take = g_ptr_array_new_with_free_func((GDestroyNotify)qv_lock_want_free);
    bool ok;

    if (!sup->locks || !sup->live)
        return true;
    if (!locks_enter(sup, error))
        return false;
    want = desired(sup, NULL, NULL);
    for (guint i = 0; i < want->len; i++) {
        QvLockWant *w = want->pdata[i];
        QvLockWant *have = g_hash_table_lookup(sup->held, w->key);

        if (!have || !qv_lock_want_equal(w, have))
            g_ptr_array_add(take, qv_lock_want_copy(w));
    }
    if ((ok = acquire_wants(sup, take, sup->lock_state, error))) {
        sup->locks_released = false;
        g_clear_pointer(&sup->lock_state, g_free);
        qv_sup_locks_save(sup, NULL);
    }
    sup->lock_busy = false;
    /* a pause that came meanwhile wins: the leases just taken go again */
    if (sup->lock_release_pending) {
        sup->lock_release_pending = false;
        release_guest_leases(sup);
    } else if (sup->lock_resync) {
        sup->lock_resync = false;
        qv_sup_locks_sync(sup, NULL, NULL);
    }
    run_deferred(sup);
    return ok;
}

bool
qv_sup_locks_acquire_early(QvSupervisor *sup, GError **error)
{
    if (!sup->locks || !qv_lock_manager_before_exec(sup->locks))
        return true;
    if (qv_sup_locks_acquire_all(sup, error))
        return true;
    g_prefix_error(error, "domain '%s': ", sup->files->name);
    return false;
}

/* Every lease of the guest's own goes; what its jobs write stays */
static void
release_guest_leases(QvSupervisor *sup)
{
    g_autoptr(GPtrArray) drop = g_ptr_array_new_with_free_func((GDestroyNotify)qv_lock_want_free);
    g_autoptr(GHashTable) jobs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GPtrArray) want = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *state = NULL;
    GHashTableIter it;
    gpointer val;

    sup->lock_busy = true;
    want = sup->live ? desired(sup, NULL, jobs) : NULL;
    g_hash_table_iter_init(&it, sup->held);
    while (g_hash_table_iter_next(&it, NULL, &val)) {
        QvLockWant *w = val;

        /* block jobs run while the vCPUs are stopped */
        if (!g_hash_table_contains(jobs, w->key))
            g_ptr_array_add(drop, qv_lock_want_copy(w));
    }
    if (!release_wants(sup, drop, &state, &err))
        g_printerr("domain '%s': letting go of the leases on pause: %s\n", sup->files->name,
                   err->message);
    g_free(sup->lock_state);
    sup->lock_state = g_steal_pointer(&state);
    qv_sup_locks_save(sup, NULL);
    locks_leave(sup);
}

void
qv_sup_locks_release_all(QvSupervisor *sup)
{
    if (!sup->locks || sup->locks_released)
        return;
    /* from now on a resume must take them back, whatever comes between */
    sup->locks_released = true;
    if (sup->lock_busy)
        sup->lock_release_pending = true;
    else
        release_guest_leases(sup);
}

void
qv_sup_locks_qemu_gone(QvSupervisor *sup)
{
    g_autoptr(GPtrArray) drop = g_ptr_array_new_with_free_func((GDestroyNotify)qv_lock_want_free);
    g_autoptr(QvLockObject) obj = NULL;
    GHashTableIter it;
    gpointer val;

    if (!sup->locks)
        return;
    /* our own copies would keep the lock files busy */
    g_hash_table_remove_all(sup->pending_fds);
    g_hash_table_iter_init(&it, sup->held);
    while (g_hash_table_iter_next(&it, NULL, &val))
        g_ptr_array_add(drop, qv_lock_want_copy(val));
    /* pid 0: the process is gone, its locks with it; only what the
     * driver keeps beside them (lockd's lock files) is tidied */
    if (drop->len && (obj = object_with(sup, drop, 0, NULL)))
        qv_lock_object_release(obj, NULL, 0, NULL);
    qv_sup_lockfd_wait_closed(sup);
    g_hash_table_remove_all(sup->held);
    g_hash_table_remove_all(sup->lock_fds);
}

/* Whether QEMU holds @w, as the driver can tell (nop tells nothing: -1) */
static int
holds(QvSupervisor *sup, QvLockWant *w)
{
    g_autoptr(GPtrArray) one = g_ptr_array_new();
    g_autoptr(QvLockObject) obj = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *state = NULL;

    if (strcmp(qv_lock_manager_name(sup->locks), "nop") == 0)
        return -1;
    g_ptr_array_add(one, w);
    if (!(obj = object_with(sup, one, sup->qemu_pid, &err)) ||
        !qv_lock_object_inquire(obj, &state, &err)) {
        g_printerr("domain '%s': cannot inquire %s: %s\n", sup->files->name, w->what,
                   err->message);
        return -1;
    }
    return state != NULL;
}

/* The driver the record was made with, when it is not the configured
 * one: QEMU's leases are that driver's until the guest stops */
static void
follow_recorded_driver(QvSupervisor *sup)
{
    g_autofree char *data = NULL;
    g_autoptr(json_object) o = NULL;
    g_autoptr(QvLockConfig) cfg = NULL;
    g_autoptr(GError) err = NULL;
    const char *driver = NULL;
    int kind;

    if (!g_file_get_contents(sup->files->locks, &data, NULL, NULL) ||
        !(o = qv_json_parse_object(data, NULL)) ||
        !qv_json_get_string(o, "driver", &driver, NULL) || !driver ||
        strcmp(driver, qv_lock_manager_name(sup->locks)) == 0)
        return;
    g_printerr("domain '%s': its leases were taken with lock manager '%s', not the configured "
               "'%s': they stay with '%s' until it stops\n", sup->files->name, driver,
               qv_lock_manager_name(sup->locks), driver);
    if ((kind = qv_lock_manager_kind_from_string(driver)) < 0 ||
        !(cfg = qv_lock_config_load(sup->conn->paths->config_dir, &err)))
        return;
    cfg->manager = (QvLockManagerKind)kind;
    {
        QvLockManager *mgr = qv_lock_manager_open(cfg, &err);

        if (!mgr) {
            g_printerr("domain '%s': lock manager '%s': %s\n", sup->files->name, driver,
                       err->message);
            return;
        }
        qv_lock_manager_free(sup->locks);
        sup->locks = mgr;
    }
}

/*
 * A new supervisor: what the last one recorded, checked against what
 * QEMU holds.  Names of fds handed over but not recorded as held (the
 * last supervisor died during a getfd) are closed; a lease recorded but
 * not held is forgotten, and taken again before the guest runs: now,
 * when it runs already, or it is stopped.
 */
void
qv_sup_locks_reattach(QvSupervisor *sup)
{
    g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func((GDestroyNotify)qv_lock_want_free);
    g_autoptr(GPtrArray) orphans = g_ptr_array_new_with_free_func(g_free);
    guint lost = 0;
    GHashTableIter it;
    gpointer key, val;

    if (!sup->locks)
        return;
    follow_recorded_driver(sup);
    if (!qv_sup_locks_load(sup)) {
        /* started by a qvirt without leases: it holds none of ours */
        sup->locks_released = true;
        qv_sup_locks_save(sup, NULL);
    } else {
        g_hash_table_iter_init(&it, sup->lock_fds);
        while (g_hash_table_iter_next(&it, &key, NULL)) {
            if (!g_hash_table_contains(sup->held, key))
                g_ptr_array_add(orphans, g_strdup(key));
        }
        for (guint i = 0; i < orphans->len; i++)
            qv_sup_lockfd_take(sup, orphans->pdata[i], NULL);
        g_hash_table_iter_init(&it, sup->held);
        while (g_hash_table_iter_next(&it, NULL, &val))
            g_ptr_array_add(held, qv_lock_want_copy(val));
        for (guint i = 0; i < held->len; i++) {
            QvLockWant *w = held->pdata[i];

            if (holds(sup, w) == 0) {
                g_printerr("domain '%s': QEMU does not hold %s\n", sup->files->name, w->what);
                qv_sup_lockfd_take(sup, w->key, NULL);
                g_hash_table_remove(sup->held, w->key);
                lost++;
            }
        }
        g_printerr("domain '%s': QEMU holds %u lease%s\n", sup->files->name,
                   g_hash_table_size(sup->held), g_hash_table_size(sup->held) == 1 ? "" : "s");
        qv_sup_locks_save(sup, NULL);
    }
    /* a guest that runs holds its leases, or stops */
    if (sup->rt && sup->rt->state == QV_GUEST_RUNNING && sup->live) {
        g_autoptr(GError) err = NULL;

        sup->locks_released = true;
        if (!qv_sup_locks_acquire_all(sup, &err)) {
            g_autofree char *why = g_strdup_printf("it runs without its leases, which cannot be "
                                                   "taken: %s", err->message);

            locks_stop_guest(sup, why);
        }
    } else if (lost) {
        sup->locks_released = true;
        qv_sup_locks_save(sup, NULL);
    }
}

json_object *
qv_sup_locks_status(QvSupervisor *sup, GError **error)
{
    json_object *leases = json_object_new_array();
    g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func((GDestroyNotify)qv_lock_want_free);
    g_autoptr(QvLockObject) obj = NULL;
    g_autofree char *state = NULL;
    GHashTableIter it;
    gpointer key, val;

    g_hash_table_iter_init(&it, sup->held);
    while (g_hash_table_iter_next(&it, &key, &val)) {
        json_object *l = qv_sup_lock_want_json(key, val, g_hash_table_lookup(sup->lock_fds, key));
        int h = holds(sup, val);

        /* what the driver says the process holds (nop cannot tell) */
        if (h >= 0)
            json_object_object_add(l, "held", json_object_new_boolean(h));
        g_ptr_array_add(held, qv_lock_want_copy(val));
        json_object_array_add(leases, l);
    }
    if (held->len && (obj = object_with(sup, held, sup->qemu_pid, NULL)))
        qv_lock_object_inquire(obj, &state, NULL);
    return qv_json_new(error, "s:driver", qv_lock_manager_name(sup->locks),
                       "s:host", sup->lock_host, "U:qemu_pid", (uint64_t)sup->qemu_pid,
                       "b:released", sup->locks_released, "S:state", state,
                       "a:leases", &leases, NULL);
}
