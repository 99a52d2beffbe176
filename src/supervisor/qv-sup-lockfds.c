/*
 * qv-sup-lockfds: the fds QEMU holds for the lock driver (lockd's OFD
 * locks), handed over with getfd and taken back with closefd, and the
 * record of what QEMU holds (state/NAME.locks.json) that lets a new
 * supervisor go on where the last one stopped.
 */
#include <string.h>
#include <unistd.h>

#include "util/qv-error.h"
#include "util/qv-file.h"
#include "util/qv-json.h"
#include "util/qv-json-build.h"
#include "supervisor/qv-supervisor-priv.h"

/* ---- the fds QEMU holds for lockd ---- */

/* A driver's fd waits here until it is handed over with the others */
bool
qv_sup_lockfd_give(void *opaque, const char *resource, int fd, GError **error)
{
    QvSupervisor *sup = opaque;
    int old = GPOINTER_TO_INT(g_hash_table_lookup(sup->pending_fds, resource)) - 1;

    if (old >= 0)
        close(old);
    g_hash_table_replace(sup->pending_fds, g_strdup(resource), GINT_TO_POINTER(fd + 1));
    return true;
}

void
qv_sup_lockfd_close_pending(gpointer fd)
{
    close(GPOINTER_TO_INT(fd) - 1);
}

typedef struct {
    QvSupervisor *sup;
    char *resource;
    guint *left;
    GError **first;
} GetfdCall;

static void
getfd_done(QvQmp *qmp, json_object *ret, const GError *err, gpointer opaque)
{
    GetfdCall *c = opaque;

    if (err) {
        /* QEMU's own error: it has no fd by that name; no answer (a
         * timeout): it may have one, which a release must close */
        if (err->domain == QV_ERROR &&
            (err->code == QV_ERR_INVALID_ARG || err->code == QV_ERR_UNSUPPORTED))
            g_hash_table_remove(c->sup->lock_fds, c->resource);
        if (!*c->first)
            *c->first = g_error_new(err->domain, err->code,
                                    "cannot hand the lock of '%s' to QEMU: %s", c->resource,
                                    err->message);
    }
    (*c->left)--;
    g_free(c->resource);
    g_free(c);
}

/*
 * Every fd waiting is given to QEMU with getfd, each under a name never
 * used before (getfd with a name in use would close the old fd, and its
 * lock with it).  The names are recorded first, so that a supervisor
 * killed meanwhile leaves them to its successor; the getfds go out
 * together and are answered together.
 */
bool
qv_sup_locks_hand_over(QvSupervisor *sup, GError **error)
{
    g_autoptr(GError) first = NULL;
    GHashTableIter it;
    gpointer key, val;
    guint left = 0;

    if (!sup->pending_fds || !g_hash_table_size(sup->pending_fds) || !sup->qmp)
        return true;
    g_hash_table_iter_init(&it, sup->pending_fds);
    while (g_hash_table_iter_next(&it, &key, NULL))
        g_hash_table_replace(sup->lock_fds, g_strdup(key),
                             g_strdup_printf("qvirt-lock-%s-%" G_GUINT64_FORMAT, sup->lock_token,
                                             ++sup->lock_seq));
    if (!qv_sup_locks_save(sup, error)) {
        /* without the record a successor would not know these names */
        g_hash_table_iter_init(&it, sup->pending_fds);
        while (g_hash_table_iter_next(&it, &key, NULL))
            g_hash_table_remove(sup->lock_fds, key);
        return false;
    }
    g_hash_table_iter_init(&it, sup->pending_fds);
    while (g_hash_table_iter_next(&it, &key, &val)) {
        GetfdCall *c = g_new0(GetfdCall, 1);
        const char *name = g_hash_table_lookup(sup->lock_fds, key);

        c->sup = sup;
        c->resource = g_strdup(key);
        c->left = &left;
        c->first = &first;
        left++;
        qv_qmp_command_fd(sup->qmp, "getfd", qv_json_new(NULL, "s:fdname", name, NULL),
                          GPOINTER_TO_INT(val) - 1, QV_QMP_TIMEOUT_MS, getfd_done, c);
        /* the QMP client owns the fd now */
        g_hash_table_iter_steal(&it);
        g_free(key);
    }
    while (left > 0)
        g_main_context_iteration(sup->ctx, TRUE);
    qv_sup_locks_save(sup, NULL);
    if (first) {
        g_propagate_error(error, g_steal_pointer(&first));
        return false;
    }
    return true;
}

typedef struct {
    QvSupervisor *sup;
    char *name;
    char *resource;
} CloseCall;

static void
closefd_done(QvQmp *qmp, json_object *ret, const GError *err, gpointer opaque)
{
    CloseCall *c = opaque;

    /* an fd QEMU does not know (its getfd never arrived) is let go
     * already; one whose closefd got no answer is counted as let go too:
     * believing a lease held that is not is the one mistake that lets a
     * second writer in, and a QEMU that still holds it only refuses the
     * next taker, this guest included */
    if (err && !g_error_matches(err, QV_ERROR, QV_ERR_INVALID_ARG))
        g_printerr("domain '%s': closefd '%s' (the lock of '%s'): %s; counted as released\n",
                   c->sup->files->name, c->name, c->resource, err->message);
    c->sup->lock_closing--;
    g_free(c->name);
    g_free(c->resource);
    g_free(c);
}

/* The closefds go out together (a release of n leases is n of them);
 * qv_sup_lockfd_wait_closed waits for their answers */
bool
qv_sup_lockfd_take(void *opaque, const char *resource, GError **error)
{
    QvSupervisor *sup = opaque;
    const char *name = g_hash_table_lookup(sup->lock_fds, resource);
    CloseCall *c;

    if (g_hash_table_remove(sup->pending_fds, resource))
        return true;
    if (!name)
        return true;
    c = g_new0(CloseCall, 1);
    c->sup = sup;
    c->name = g_strdup(name);
    c->resource = g_strdup(resource);
    sup->lock_closing++;
    qv_qmp_command(sup->qmp, "closefd", qv_json_new(NULL, "s:fdname", name, NULL),
                   QV_QMP_TIMEOUT_MS, closefd_done, c);
    /* the record is saved once the whole release is done: a record
     * naming an fd QEMU closed meanwhile is harmless, the next supervisor
     * checks each one; saving it per fd made a release of n leases write
     * n records of n entries */
    g_hash_table_remove(sup->lock_fds, resource);
    return true;
}

void
qv_sup_lockfd_wait_closed(QvSupervisor *sup)
{
    while (sup->lock_closing > 0)
        g_main_context_iteration(sup->ctx, TRUE);
}

/* ---- the record ---- */

json_object *
qv_sup_lock_want_json(const char *key, const QvLockWant *w, const char *fd)
{
    return qv_json_new(NULL, "s:key", key, "s:what", w->what,
                       "s:type", w->res.type == QV_LOCK_RESOURCE_LEASE ? "lease" : "disk",
                       "s:name", w->res.name, "S:lockspace", w->res.lockspace,
                       "S:path", w->res.path, "U:offset", w->res.offset,
                       "U:flags", (uint64_t)w->res.flags, "s:mode", qv_lock_want_mode(w),
                       "S:fd", fd, NULL);
}

bool
qv_sup_locks_save(QvSupervisor *sup, GError **error)
{
    g_autoptr(json_object) o = NULL;
    json_object *held = json_object_new_array();
    g_autoptr(GError) err = NULL;
    GHashTableIter it;
    gpointer key, val;
    const char *text;

    if (!sup->locks) {
        json_object_put(held);
        return true;
    }
    g_hash_table_iter_init(&it, sup->held);
    while (g_hash_table_iter_next(&it, &key, &val))
        json_object_array_add(held, qv_sup_lock_want_json(key, val, g_hash_table_lookup(sup->lock_fds, key)));
    /* fds handed over whose lease is not recorded yet (a getfd under way) */
    g_hash_table_iter_init(&it, sup->lock_fds);
    while (g_hash_table_iter_next(&it, &key, &val)) {
        if (!g_hash_table_contains(sup->held, key))
            json_object_array_add(held, qv_json_new(NULL, "s:key", key, "s:fd", val,
                                                    "b:pending", true, NULL));
    }
    o = qv_json_new(NULL, "s:driver", qv_lock_manager_name(sup->locks),
                    "b:released", sup->locks_released, "S:state", sup->lock_state,
                    "U:seq", sup->lock_seq, "a:held", &held, NULL);
    text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
    if (qv_file_replace(sup->files->locks, text, strlen(text), 0600, &err))
        return true;
    g_printerr("domain '%s': %s\n", sup->files->name, err->message);
    g_propagate_error(error, g_steal_pointer(&err));
    return false;
}

static QvLockWant *
want_from_json(json_object *o)
{
    const char *key = NULL, *what = NULL, *type = NULL, *name = NULL;
    const char *lockspace = NULL, *path = NULL;
    uint64_t offset = 0, flags = 0;
    bool found;
    QvLockWant *w;

    if (!qv_json_get_string(o, "key", &key, NULL) || !key ||
        !qv_json_get_string(o, "type", &type, NULL) || !type ||
        !qv_json_get_string(o, "name", &name, NULL) || !name)
        return NULL;
    qv_json_get_string(o, "what", &what, NULL);
    qv_json_get_string(o, "lockspace", &lockspace, NULL);
    qv_json_get_string(o, "path", &path, NULL);
    qv_json_get_uint64(o, "offset", &offset, &found, NULL);
    qv_json_get_uint64(o, "flags", &flags, &found, NULL);
    if (strcmp(type, "lease") == 0) {
        QvLeaseDef lease = { (char *)lockspace, (char *)name, (char *)path, offset, true };

        w = qv_lock_want_new_lease(&lease);
        g_free(w->what);
        w->what = g_strdup(what ? what : name);
        w->res.what = w->what;
    } else {
        w = qv_lock_want_new_disk(name, (unsigned int)flags, what ? what : name);
    }
    if (strcmp(w->key, key) != 0) {
        qv_lock_want_free(w);
        return NULL;
    }
    return w;
}

/* What the previous supervisor recorded; false when there is no record */
bool
qv_sup_locks_load(QvSupervisor *sup)
{
    g_autofree char *data = NULL;
    g_autoptr(json_object) o = NULL;
    json_object *held = NULL, *b = NULL;
    const char *state = NULL;
    uint64_t seq = 0;
    bool found;

    if (!g_file_get_contents(sup->files->locks, &data, NULL, NULL) ||
        !(o = qv_json_parse_object(data, NULL)))
        return false;
    qv_json_get_uint64(o, "seq", &seq, &found, NULL);
    sup->lock_seq = seq;
    if (json_object_object_get_ex(o, "released", &b))
        sup->locks_released = json_object_get_boolean(b);
    if (qv_json_get_string(o, "state", &state, NULL) && state)
        sup->lock_state = g_strdup(state);
    qv_json_get_array(o, "held", &held, NULL);
    for (size_t i = 0; held && i < json_object_array_length(held); i++) {
        json_object *e = json_object_array_get_idx(held, i);
        const char *key = NULL, *fd = NULL;
        QvLockWant *w;

        qv_json_get_string(e, "key", &key, NULL);
        qv_json_get_string(e, "fd", &fd, NULL);
        if (key && fd)
            g_hash_table_replace(sup->lock_fds, g_strdup(key), g_strdup(fd));
        if ((w = want_from_json(e)))
            g_hash_table_replace(sup->held, g_strdup(w->key), w);
    }
    return true;
}

