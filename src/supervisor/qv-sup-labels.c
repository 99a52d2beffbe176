/*
 * qv-sup-labels: the guest's files labelled for its unprivileged QEMU
 * (security/qv-dac), over its whole life.
 *
 * What is labelled follows what the lease code holds (the same set:
 * qv_sup_locks_desired, from the live definition, the running jobs and
 * what an operation is about to hand to QEMU), so every place that hands
 * QEMU a file (start, copy, commit, pull, snapshot, hotplug, media
 * change) labels it before QEMU opens it, and every place that lets one
 * go restores it: qv_sup_locks_sync calls qv_sup_labels_sync first.
 * A file QEMU writes (a top, a copy's destination, a commit's base) is
 * QEMU's; one it only reads (a backing layer, <readonly/>) is readable
 * and never writable by it.
 *
 * The labels held are written to state/NAME.labels.json after every
 * change, so a new supervisor (after a kill -9 of the old) restores them
 * when QEMU goes, and a guest whose QEMU and supervisor both died has
 * them restored by whoever finds it dead (qv_guest_record_crash).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "locking/qv-lock-manager.h"
#include "storage/qv-source-tree.h"
#include "util/qv-error.h"
#include "supervisor/qv-supervisor-priv.h"

static QvDac
dac_of(QvSupervisor *sup)
{
    QvDac dac = {
        .cred = sup->cred,
        .dynamic_ownership = sup->sec->dynamic_ownership,
        .remember_owner = sup->sec->remember_owner,
    };

    return dac;
}

bool
qv_sup_labels_open(QvSupervisor *sup, GError **error)
{
    g_autoptr(QvSecurityConfig) sec = NULL;
    g_autoptr(QvQemuCred) cred = NULL;

    if (sup->cred)
        return true;
    if (!(sec = qv_security_config_load(sup->conn->paths->config_dir, error)) ||
        !(cred = qv_security_resolve(sec, error))) {
        g_prefix_error(error, "domain '%s': ", sup->files->name);
        return false;
    }
    sup->sec = g_steal_pointer(&sec);
    sup->cred = g_steal_pointer(&cred);
    /* after a reattach: what the supervisor before us labelled */
    sup->labels = qv_dac_record_load(sup->files->labels);
    return true;
}

void
qv_sup_labels_close(QvSupervisor *sup)
{
    g_clear_pointer(&sup->labels, g_ptr_array_unref);
    g_clear_pointer(&sup->cred, qv_qemu_cred_free);
    g_clear_pointer(&sup->sec, qv_security_config_free);
}

static void
save(QvSupervisor *sup)
{
    g_autoptr(GError) err = NULL;

    if (!qv_dac_record_save(sup->files->labels, sup->labels, &err))
        g_printerr("domain '%s': %s\n", sup->files->name, err->message);
}

/* The element of the live definition at @path, for its <seclabel> */
typedef struct {
    const char *path;
    const QvStorageSource *found;
} FindPath;

static bool
find_path(QvStorageSource *src, size_t index, gssize parent, unsigned int depth, void *opaque)
{
    FindPath *f = opaque;

    if (src->path && strcmp(src->path, f->path) == 0) {
        f->found = src;
        return false;
    }
    return true;
}

/* The model='dac' <seclabel> that applies to the element at @path: its
 * own, else that of the top of its chain (libvirt's precedence), or NULL */
static const QvSecLabelDef *
seclabel_at(QvSupervisor *sup, const char *path)
{
    for (size_t i = 0; sup->live && i < sup->live->ndisks; i++) {
        QvDiskDef *disk = sup->live->disks[i];
        FindPath f = { .path = path };
        const QvSecLabelDef *sl;
        QvStorageSource *root;

        qv_source_walk(disk->src, find_path, &f);
        if (!f.found)
            continue;
        if ((sl = qv_source_dac_seclabel(f.found)))
            return sl;
        root = qv_sup_chain_root(disk, (QvStorageSource *)f.found);
        return root && root != f.found ? qv_source_dac_seclabel(root) : NULL;
    }
    return NULL;
}

/* What @w asks of QEMU's access to its file */
static void
request_of(QvSupervisor *sup, const QvLockWant *w, QvDacRequest *req)
{
    const QvSecLabelDef *sl = seclabel_at(sup, w->res.name);
    unsigned int f = w->res.flags;

    memset(req, 0, sizeof(*req));
    req->path = w->res.name;
    req->access = f & (QV_LOCK_RESOURCE_READONLY | QV_LOCK_RESOURCE_BACKING) ? QV_DAC_READ
                                                                             : QV_DAC_WRITE;
    req->shared = (f & (QV_LOCK_RESOURCE_READONLY | QV_LOCK_RESOURCE_BACKING |
                        QV_LOCK_RESOURCE_SHARED)) != 0;
    if (sl) {
        req->norelabel = sl->relabel == QV_SECLABEL_RELABEL_NO;
        req->label = sl->label;
    }
}

static QvDacLabel *
held_label(QvSupervisor *sup, const char *path, guint *at)
{
    for (guint i = 0; i < sup->labels->len; i++) {
        QvDacLabel *l = sup->labels->pdata[i];

        if (strcmp(l->path, path) == 0) {
            *at = i;
            return l;
        }
    }
    return NULL;
}

static void
restore_one(QvSupervisor *sup, QvDacLabel *l)
{
    g_autoptr(GError) err = NULL;

    if (!qv_dac_restore(l, &err))
        g_printerr("domain '%s': %s\n", sup->files->name, err->message);
}

/* Undo the labels @added (indexes into sup->labels, highest last) */
static void
undo_added(QvSupervisor *sup, GArray *added)
{
    for (guint k = added->len; k-- > 0;) {
        guint at = g_array_index(added, guint, k);

        restore_one(sup, sup->labels->pdata[at]);
        g_ptr_array_remove_index(sup->labels, at);
    }
}

bool
qv_sup_labels_sync(QvSupervisor *sup, GPtrArray *extra, GError **error)
{
    g_autoptr(GPtrArray) want = NULL;
    g_autoptr(GArray) added = g_array_new(FALSE, FALSE, sizeof(guint));
    g_autoptr(GArray) reqs = g_array_new(FALSE, TRUE, sizeof(QvDacRequest));
    g_autoptr(GHashTable) wanted = g_hash_table_new(g_str_hash, g_str_equal);
    QvDac dac;

    if (!sup->cred || !sup->live)
        return true;
    dac = dac_of(sup);
    want = qv_sup_locks_desired(sup, extra);
    for (guint i = 0; i < want->len; i++) {
        QvLockWant *w = want->pdata[i];
        QvDacRequest req;
        QvDacLabel *have, *l = NULL;
        guint at = 0;

        if (w->res.type != QV_LOCK_RESOURCE_DISK || !w->res.name)
            continue;
        request_of(sup, w, &req);
        g_hash_table_add(wanted, (gpointer)req.path);
        g_array_append_val(reqs, req);
        if ((have = held_label(sup, req.path, &at)) && have->access == req.access)
            continue;
        /* a file whose access changes (a base a commit writes into) is
         * restored and labelled anew */
        if (have) {
            restore_one(sup, have);
            g_ptr_array_remove_index(sup->labels, at);
        }
        if (!qv_dac_label(&dac, &req, &l, error)) {
            undo_added(sup, added);
            save(sup);
            g_prefix_error(error, "domain '%s': ", sup->files->name);
            return false;
        }
        g_ptr_array_add(sup->labels, l);
        at = sup->labels->len - 1;
        g_array_append_val(added, at);
    }
    if (added->len && !qv_dac_check_access(sup->cred, (QvDacRequest *)(void *)reqs->data,
                                           reqs->len, error)) {
        undo_added(sup, added);
        save(sup);
        g_prefix_error(error, "domain '%s': ", sup->files->name);
        return false;
    }
    /* what nothing needs any more goes back */
    for (guint i = sup->labels->len; i-- > 0;) {
        QvDacLabel *l = sup->labels->pdata[i];

        if (!g_hash_table_contains(wanted, l->path)) {
            restore_one(sup, l);
            g_ptr_array_remove_index(sup->labels, i);
        }
    }
    save(sup);
    return true;
}

void
qv_sup_labels_release_all(QvSupervisor *sup)
{
    if (!sup->labels)
        return;
    for (guint i = sup->labels->len; i-- > 0;)
        restore_one(sup, sup->labels->pdata[i]);
    g_ptr_array_set_size(sup->labels, 0);
    save(sup);
}

bool
qv_sup_labels_own_file(QvSupervisor *sup, const char *path, GError **error)
{
    if (!sup->cred || !sup->cred->change)
        return true;
    if (chown(path, sup->cred->uid, sup->cred->gid) < 0) {
        qv_error_set_errno(error, errno, "domain '%s': cannot give '%s' to QEMU's user '%s'",
                           sup->files->name, path, sup->cred->user);
        return false;
    }
    return true;
}
