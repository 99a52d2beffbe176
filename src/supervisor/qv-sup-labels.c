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
qv_sup_labels_open(QvSupervisor *sup, bool fresh, GError **error)
{
    g_autoptr(QvSecurityConfig) sec = NULL;
    g_autoptr(QvQemuCred) cred = NULL;

    if (!sup->labels) {
        /* a start: no QEMU of this guest runs, so whatever a record left
         * is nobody's; a reattach: what the supervisor before us labelled
         * (restored when QEMU goes, whatever the configuration says) */
        if (fresh)
            qv_dac_record_restore(sup->files->labels);
        sup->labels = qv_dac_record_load(sup->files->labels);
    }
    if (sup->cred)
        return true;
    if (!(sec = qv_security_config_load(sup->conn->paths->config_dir, error)) ||
        !(cred = qv_security_resolve(sec, error))) {
        g_prefix_error(error, "domain '%s': ", sup->files->name);
        return false;
    }
    sup->sec = g_steal_pointer(&sec);
    sup->cred = g_steal_pointer(&cred);
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

/*
 * The model='dac' <seclabel> that applies to each element of the live
 * definition, by path: its own, else that of the top of its chain
 * (libvirt's precedence; in a quorum, each child's top).  One walk per
 * sync, so thousands of layers cost linear time.
 */
typedef struct {
    const QvSecLabelDef *root_sl;   /* the chain top's */
    bool quorum;
} WalkNode;

typedef struct {
    GArray *nodes;                  /* WalkNode, by the walk's index */
    GHashTable *by_path;            /* path -> const QvSecLabelDef * (NULL: none) */
} SecWalk;

static bool
collect_seclabel(QvStorageSource *src, size_t index, gssize parent, unsigned int depth,
                 void *opaque)
{
    SecWalk *w = opaque;
    const QvSecLabelDef *own = qv_source_dac_seclabel(src);
    WalkNode n = { .quorum = src->type == QV_STORAGE_QUORUM };
    const WalkNode *up = parent >= 0 ? &g_array_index(w->nodes, WalkNode, parent) : NULL;

    n.root_sl = !up || up->quorum ? own : up->root_sl;
    g_array_append_val(w->nodes, n);
    if (src->path && !g_hash_table_contains(w->by_path, src->path))
        g_hash_table_insert(w->by_path, src->path, (gpointer)(own ? own : n.root_sl));
    return true;
}

static GHashTable *
seclabels_by_path(QvSupervisor *sup)
{
    SecWalk w = { .by_path = g_hash_table_new(g_str_hash, g_str_equal) };

    for (size_t i = 0; sup->live && i < sup->live->ndisks; i++) {
        w.nodes = g_array_new(FALSE, FALSE, sizeof(WalkNode));
        qv_source_walk(sup->live->disks[i]->src, collect_seclabel, &w);
        g_array_unref(w.nodes);
    }
    return w.by_path;
}

/* What @w asks of QEMU's access to its file */
static void
request_of(GHashTable *seclabels, const QvLockWant *w, QvDacRequest *req)
{
    const QvSecLabelDef *sl = g_hash_table_lookup(seclabels, w->res.name);
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

static void
restore_one(QvSupervisor *sup, QvDacLabel *l)
{
    g_autoptr(GError) err = NULL;

    if (!qv_dac_restore(l, &err))
        g_printerr("domain '%s': %s\n", sup->files->name, err->message);
}

/* Drop @l (restored) from what is held */
static void
drop_label(QvSupervisor *sup, GHashTable *held, QvDacLabel *l)
{
    restore_one(sup, l);
    g_hash_table_remove(held, l->path);
    g_ptr_array_remove_fast(sup->labels, l);
}

bool
qv_sup_labels_sync(QvSupervisor *sup, GPtrArray *extra, GError **error)
{
    g_autoptr(GPtrArray) want = NULL;
    g_autoptr(GPtrArray) added = g_ptr_array_new();
    g_autoptr(GArray) reqs = g_array_new(FALSE, TRUE, sizeof(QvDacRequest));
    g_autoptr(GHashTable) wanted = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GHashTable) held = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GHashTable) seclabels = NULL;
    QvDac dac;

    if (!sup->cred || !sup->live)
        return true;
    dac = dac_of(sup);
    want = qv_sup_locks_desired(sup, extra);
    seclabels = seclabels_by_path(sup);
    for (guint i = 0; i < sup->labels->len; i++) {
        QvDacLabel *l = sup->labels->pdata[i];

        g_hash_table_insert(held, l->path, l);
    }
    for (guint i = 0; i < want->len; i++) {
        QvLockWant *w = want->pdata[i];
        QvDacRequest req;
        QvDacLabel *have, *l = NULL;

        if (w->res.type != QV_LOCK_RESOURCE_DISK || !w->res.name)
            continue;
        request_of(seclabels, w, &req);
        g_hash_table_add(wanted, (gpointer)req.path);
        g_array_append_val(reqs, req);
        if ((have = g_hash_table_lookup(held, req.path)) && have->access == req.access)
            continue;
        /* a file whose access changes (a base a commit writes into) is
         * restored and labelled anew */
        if (have)
            drop_label(sup, held, have);
        if (!qv_dac_label(&dac, &req, &l, error)) {
            for (guint k = added->len; k-- > 0;)
                drop_label(sup, held, added->pdata[k]);
            save(sup);
            g_prefix_error(error, "domain '%s': ", sup->files->name);
            return false;
        }
        g_ptr_array_add(sup->labels, l);
        g_hash_table_insert(held, l->path, l);
        g_ptr_array_add(added, l);
    }
    if (added->len && !qv_dac_check_access(sup->cred, (QvDacRequest *)(void *)reqs->data,
                                           reqs->len, error)) {
        for (guint k = added->len; k-- > 0;)
            drop_label(sup, held, added->pdata[k]);
        save(sup);
        g_prefix_error(error, "domain '%s': ", sup->files->name);
        return false;
    }
    /* what nothing needs any more goes back */
    for (guint i = sup->labels->len; i-- > 0;) {
        QvDacLabel *l = sup->labels->pdata[i];

        if (!g_hash_table_contains(wanted, l->path))
            drop_label(sup, held, l);
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

void
qv_sup_labels_forget(QvSupervisor *sup)
{
    if (!sup->labels)
        return;
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
