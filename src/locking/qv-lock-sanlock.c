/*
 * qv-lock-sanlock: the sanlock lock driver.
 *
 * As libvirt's plugin, with what its 9.0 code gets wrong put right: a
 * failed lockspace join fails init instead of every later acquire; the
 * lease versions of a pause's state are checked on resume, so a lease
 * another host took while the guest was paused is noticed; release
 * builds its array from the object's own resources; more than
 * SANLK_MAX_RESOURCES leases are taken in several calls (and given back
 * when a later call fails); lease files never appear half made.
 *
 * Where things happen (see qv-lock-sanlock.h for the sequence):
 * - registration, killpath and restriction in the child before exec
 *   (child_register): only the owner of a registration socket can set
 *   its killpath or restrict it, and the supervisor never owns QEMU's
 *   socket.  The child always restricts (SANLK_RESTRICT_ALL): QEMU has
 *   no business making sanlock calls, and restriction does not stop
 *   other processes acting for QEMU's pid.  The RESTRICT flag of
 *   acquire is therefore accepted and has nothing left to do.
 * - the killpath is this host's qvirt executable ($QVIRT_BIN when set
 *   at init, else the running one when it is qvirt, else the installed
 *   one) run by the daemon's helper as
 *   `qvirt [--root ROOT] destroy NAME --grace 0` (poweroff) or
 *   `qvirt [--root ROOT] suspend NAME` (pause), ROOT from proc.uri
 *   "qvirt:///ROOT"; its argv is made in the parent by acquire with
 *   REGISTER_ONLY while proc.pid is 0, and only copied by the child.
 * - everything else is done for QEMU's pid through the caller's own
 *   connections (sock -1).
 */
#include "locking/qv-lock-sanlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sanlock.h>
#include <sanlock_admin.h>
#include <sanlock_resource.h>
#include <sanlock_rv.h>

#include "locking/qv-sanlock-lease.h"
#include "qvirt-config.h"
#include "util/qv-error.h"

typedef struct {
    GPtrArray *res;             /* struct sanlk_resource * (g_free) */
    GPtrArray *what;            /* per resource: "disk '/a.img'", for messages */
    bool has_rw_disks;          /* r/w exclusive disks without a lease */
    bool killpath_ready;
    QvLockFailureAction action; /* the one the killpath was made for */
    char killpath[SANLK_HELPER_PATH_LEN];
    char killargs[SANLK_HELPER_ARGS_LEN];
} SanlockObject;

static struct {
    bool ready;
    QvSanlockConfig cfg;        /* a copy */
    char *qvirt_bin;
} drv;

static const char *const action_names[QV_LOCK_FAILURE_LAST] = {
    [QV_LOCK_FAILURE_DEFAULT] = "default",
    [QV_LOCK_FAILURE_POWEROFF] = "poweroff",
    [QV_LOCK_FAILURE_RESTART] = "restart",
    [QV_LOCK_FAILURE_PAUSE] = "pause",
    [QV_LOCK_FAILURE_IGNORE] = "ignore",
};

static void
config_clear(QvSanlockConfig *cfg)
{
    g_clear_pointer(&cfg->disk_lease_dir, g_free);
    g_clear_pointer(&cfg->user, g_free);
    g_clear_pointer(&cfg->group, g_free);
}

static void
drv_deinit(void)
{
    config_clear(&drv.cfg);
    g_clear_pointer(&drv.qvirt_bin, g_free);
    drv.ready = false;
}

static bool
drv_init(const QvLockConfig *cfg, GError **error)
{
    const QvSanlockConfig *c = &cfg->sanlock;
    const char *bin = g_getenv("QVIRT_BIN");

    drv_deinit();
    drv.cfg = *c;
    drv.cfg.disk_lease_dir = g_strdup(c->disk_lease_dir ? c->disk_lease_dir : "/var/lib/libvirt/sanlock");
    drv.cfg.user = g_strdup(c->user);
    drv.cfg.group = g_strdup(c->group);
    drv.qvirt_bin = g_strdup(bin && *bin ? bin : NULL);
    /* the supervisor is the qvirt executable (run as __supervise, or a
     * fork of the CLI): the same one reaches the guest again */
    if (!drv.qvirt_bin) {
        g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
        g_autofree char *base = self ? g_path_get_basename(self) : NULL;

        if (base && strcmp(base, "qvirt") == 0)
            drv.qvirt_bin = g_steal_pointer(&self);
    }
    if (!drv.qvirt_bin)
        drv.qvirt_bin = g_strdup(QVIRT_BINDIR "/qvirt");
    if (c->auto_disk_leases && !qv_sanlock_setup_lockspace(&drv.cfg, NULL, error)) {
        drv_deinit();
        return false;
    }
    drv.ready = true;
    return true;
}

static bool
drv_new_object(QvLockObject *obj, GError **error)
{
    SanlockObject *p;

    if (!drv.ready) {
        g_set_error(error, QV_ERROR, QV_ERR_INTERNAL, "the sanlock lock driver is not initialized");
        return false;
    }
    p = g_new0(SanlockObject, 1);
    p->res = g_ptr_array_new_with_free_func(g_free);
    p->what = g_ptr_array_new_with_free_func(g_free);
    obj->priv = p;
    return true;
}

static void
drv_free_object(QvLockObject *obj)
{
    SanlockObject *p = obj->priv;

    if (!p)
        return;
    g_ptr_array_unref(p->res);
    g_ptr_array_unref(p->what);
    g_free(p);
    obj->priv = NULL;
}

static bool
same_lease(const struct sanlk_resource *a, const struct sanlk_resource *b)
{
    return strncmp(a->lockspace_name, b->lockspace_name, SANLK_NAME_LEN) == 0 &&
           strncmp(a->name, b->name, SANLK_NAME_LEN) == 0;
}

/* Add @res (stolen); a lease added twice is kept once, exclusive if
 * either asked for it */
static void
add_lease(SanlockObject *p, struct sanlk_resource **res, char *what)
{
    for (guint i = 0; i < p->res->len; i++) {
        struct sanlk_resource *old = p->res->pdata[i];

        if (same_lease(old, *res)) {
            if (!((*res)->flags & SANLK_RES_SHARED))
                old->flags &= ~(uint32_t)SANLK_RES_SHARED;
            g_clear_pointer(res, g_free);
            g_free(what);
            return;
        }
    }
    g_ptr_array_add(p->res, g_steal_pointer(res));
    g_ptr_array_add(p->what, what);
}

static bool
add_disk(SanlockObject *p, const QvLockResource *r, GError **error)
{
    g_autofree char *name = NULL;
    g_autofree char *path = NULL;
    struct sanlk_resource *res;
    bool shared;

    /* a backing layer is shared even when read-only: nobody may write
     * it while a guest reads through it */
    if (!(r->flags & QV_LOCK_RESOURCE_BACKING) && (r->flags & QV_LOCK_RESOURCE_READONLY))
        return true;
    shared = r->flags & (QV_LOCK_RESOURCE_SHARED | QV_LOCK_RESOURCE_BACKING);
    if (!drv.cfg.auto_disk_leases) {
        if (!shared)
            p->has_rw_disks = true;
        return true;
    }
    name = qv_sanlock_disk_lease_name(r->name);
    path = g_build_filename(drv.cfg.disk_lease_dir, name, NULL);
    res = qv_sanlock_resource_new(QV_SANLOCK_DISKS_LOCKSPACE, name, path, 0,
                                  shared ? SANLK_RES_SHARED : 0, error);
    if (!res) {
        g_prefix_error(error, "disk '%s': ", r->name);
        return false;
    }
    if (!qv_sanlock_lease_create(&drv.cfg, res, error)) {
        g_prefix_error(error, "disk '%s': ", r->name);
        g_free(res);
        return false;
    }
    add_lease(p, &res, g_strdup_printf("disk '%s'", r->name));
    return true;
}

static bool
drv_add_resource(QvLockObject *obj, const QvLockResource *r, GError **error)
{
    SanlockObject *p = obj->priv;
    struct sanlk_resource *res;

    switch (r->type) {
    case QV_LOCK_RESOURCE_DISK:
        return add_disk(p, r, error);
    case QV_LOCK_RESOURCE_LEASE:
        /* never created: whoever wrote the <lease> initialized it */
        res = qv_sanlock_resource_new(r->lockspace, r->name, r->path, r->offset,
                                      (r->flags & QV_LOCK_RESOURCE_SHARED) ? SANLK_RES_SHARED : 0,
                                      error);
        if (!res)
            return false;
        add_lease(p, &res, g_strdup_printf("lease '%s'", r->name));
        return true;
    }
    g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "unknown lock resource type %d", (int)r->type);
    return false;
}

/* ---- the child's side ---- */

static int
drv_child_register(QvLockObject *obj)
{
    SanlockObject *p = obj->priv;
    int sock = sanlock_register();
    int rv;
    int fl;

    if (sock < 0) {
        errno = -sock;
        return -2;
    }
    /* the killpath first: a restricted socket takes no more calls */
    if (p->killpath_ready && (rv = sanlock_killpath(sock, 0, p->killpath, p->killargs)) < 0)
        goto fail;
    if ((rv = sanlock_restrict(sock, SANLK_RESTRICT_ALL)) < 0)
        goto fail;
    fl = fcntl(sock, F_GETFD);
    if (fl < 0 || fcntl(sock, F_SETFD, fl & ~FD_CLOEXEC) < 0) {
        rv = -errno;
        goto fail;
    }
    return sock;

 fail:
    close(sock);
    errno = rv > -200 ? -rv : EPROTO;
    return -2;
}

/* ---- the killpath, made in the parent ---- */

/* Append @arg to @out escaped as sanlock's helper splits its args */
static bool
append_arg(GString *out, const char *arg)
{
    if (out->len)
        g_string_append_c(out, ' ');
    for (const char *c = arg; *c; c++) {
        if (!g_ascii_isalnum(*c) && !g_ascii_ispunct(*c) && *c != ' ')
            return false;
        if (*c == ' ' || *c == '\\')
            g_string_append_c(out, '\\');
        g_string_append_c(out, *c);
    }
    return true;
}

static bool
prepare_killpath(QvLockObject *obj, QvLockFailureAction action, GError **error)
{
    SanlockObject *p = obj->priv;
    const char *uri = obj->proc.uri;
    const char *root = NULL;
    g_autoptr(GString) args = g_string_new(NULL);
    bool ok = true;

    p->killpath_ready = false;
    p->action = action;
    if (action == QV_LOCK_FAILURE_DEFAULT)
        return true;
    if (uri) {
        if (!g_str_has_prefix(uri, "qvirt:///")) {
            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                        "cannot tell qvirt's root from uri '%s' of guest '%s' for sanlock's killpath",
                        uri, obj->proc.name);
            return false;
        }
        root = uri + strlen("qvirt://");
        if (strcmp(root, "/") == 0)
            root = NULL;
    }
    if (root)
        ok = append_arg(args, "--root") && append_arg(args, root);
    if (action == QV_LOCK_FAILURE_POWEROFF)
        ok = ok && append_arg(args, "destroy") && append_arg(args, obj->proc.name) &&
             append_arg(args, "--grace") && append_arg(args, "0");
    else
        ok = ok && append_arg(args, "suspend") && append_arg(args, obj->proc.name);
    if (!ok || args->len >= SANLK_HELPER_ARGS_LEN) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "failure action '%s' of guest '%s': sanlock's killpath arguments '%s' are longer than %d characters or not printable ASCII",
                    action_names[action], obj->proc.name, args->str, SANLK_HELPER_ARGS_LEN - 1);
        return false;
    }
    if (!g_path_is_absolute(drv.qvirt_bin) || strlen(drv.qvirt_bin) >= SANLK_HELPER_PATH_LEN) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "failure action '%s' of guest '%s': sanlock's killpath '%s' is not an absolute path shorter than %d characters (set QVIRT_BIN)",
                    action_names[action], obj->proc.name, drv.qvirt_bin, SANLK_HELPER_PATH_LEN);
        return false;
    }
    g_strlcpy(p->killpath, drv.qvirt_bin, sizeof(p->killpath));
    g_strlcpy(p->killargs, args->str, sizeof(p->killargs));
    p->killpath_ready = true;
    return true;
}

/* ---- acquire, release, inquire ---- */

static bool
check_action(QvLockObject *obj, QvLockFailureAction action, GError **error)
{
    switch (action) {
    case QV_LOCK_FAILURE_DEFAULT:
    case QV_LOCK_FAILURE_POWEROFF:
    case QV_LOCK_FAILURE_PAUSE:
        return true;
    case QV_LOCK_FAILURE_RESTART:
    case QV_LOCK_FAILURE_IGNORE:
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "Failure action %s of guest '%s' is not supported by sanlock (poweroff and pause are)",
                    action_names[action], obj->proc.name);
        return false;
    case QV_LOCK_FAILURE_LAST:
        break;
    }
    g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "unknown lock failure action %d of guest '%s'",
                (int)action, obj->proc.name);
    return false;
}

static void
free_res_array(struct sanlk_resource **args, int n)
{
    for (int i = 0; i < n; i++)
        free(args[i]);
    free(args);
}

/* Give each exclusive resource of @args the lease version @state
 * recorded for it, so that sanlock refuses it if the lease changed
 * hands since (state strings are sanlock_inquire's) */
static bool
apply_state(QvLockObject *obj, struct sanlk_resource **args, guint n, const char *state,
            GError **error)
{
    g_autofree char *copy = g_strdup(state);
    struct sanlk_resource **st = NULL;
    int nst = 0;
    int rv;

    rv = sanlock_state_to_args(copy, &nst, &st);
    if (rv < 0) {
        qv_sanlock_set_error(error, QV_ERR_PARSE, rv, "invalid sanlock lock state '%s' of guest '%s'",
                             state, obj->proc.name);
        return false;
    }
    for (guint i = 0; i < n; i++) {
        for (int j = 0; j < nst; j++) {
            if (!same_lease(args[i], st[j]) || (args[i]->flags & SANLK_RES_SHARED) ||
                (st[j]->flags & SANLK_RES_SHARED) || st[j]->lver == 0)
                continue;
            args[i]->lver = st[j]->lver;
            args[i]->flags |= SANLK_RES_LVER;
        }
    }
    free_res_array(st, nst);
    return true;
}

static bool
is_conflict(int rv)
{
    switch (rv) {
    case SANLK_ACQUIRE_LVER:
    case SANLK_ACQUIRE_IDLIVE:
    case SANLK_ACQUIRE_OWNED:
    case SANLK_ACQUIRE_OTHER:
    case SANLK_ACQUIRE_SHRETRY:
    case SANLK_ACQUIRE_OWNED_RETRY:
    case -EAGAIN:
    case -EBUSY:
    case -EEXIST:
        return true;
    default:
        return false;
    }
}

/* The error of a failed sanlock_acquire of @args[0..n): name the lease
 * that could not be had, and its holder when sanlock can tell */
static void
acquire_error(QvLockObject *obj, struct sanlk_resource **args, int n, int rv, GError **error)
{
    SanlockObject *p = obj->priv;
    const char *guest = obj->proc.name;

    if (rv == -ESRCH) {
        qv_sanlock_set_error(error, QV_ERR_OPERATION_INVALID, rv,
                             "QEMU process %d of guest '%s' is not registered with sanlock",
                             (int)obj->proc.pid, guest);
        return;
    }
    for (int i = 0; i < n; i++) {
        g_autofree char *desc = qv_sanlock_resource_describe(args[i]);
        g_autofree char *holders = NULL;
        const char *what = "?";

        for (guint k = 0; k < p->res->len; k++) {
            if (same_lease(p->res->pdata[k], args[i]))
                what = p->what->pdata[k];
        }
        if (rv == SANLK_ACQUIRE_LVER && (args[i]->flags & SANLK_RES_LVER)) {
            g_autofree struct sanlk_resource *cur = g_memdup2(args[i], sizeof(*cur) + sizeof(struct sanlk_disk));

            cur->flags &= ~(uint32_t)SANLK_RES_LVER;
            if (sanlock_read_resource(cur, 0) == 0 && cur->lver == args[i]->lver)
                continue;
            qv_sanlock_set_error(error, QV_ERR_LOCK_CONFLICT, rv,
                                 "the sanlock lease of %s of guest '%s' (%s) was taken by another host while the guest was paused (lease version %" G_GUINT64_FORMAT ", the guest had %" G_GUINT64_FORMAT ")",
                                 what, guest, desc, (guint64)cur->lver, (guint64)args[i]->lver);
            return;
        }
        holders = qv_sanlock_resource_holders(args[i]);
        if (holders && is_conflict(rv)) {
            /* sanlock's own text for these is errno's, which misleads */
            if (rv == -EEXIST || rv == -EAGAIN)
                g_set_error(error, QV_ERROR, QV_ERR_LOCK_CONFLICT,
                            "cannot acquire the sanlock lease of %s of guest '%s' (%s): %s, among them another process of this host (%d)",
                            what, guest, desc, holders, rv);
            else
                qv_sanlock_set_error(error, QV_ERR_LOCK_CONFLICT, rv,
                                     "cannot acquire the sanlock lease of %s of guest '%s' (%s): %s",
                                     what, guest, desc, holders);
            return;
        }
    }
    {
        g_autoptr(GString) all = g_string_new(NULL);

        for (int i = 0; i < n; i++) {
            g_autofree char *desc = qv_sanlock_resource_describe(args[i]);

            g_string_append_printf(all, "%s%s", i ? ", " : "", desc);
        }
        qv_sanlock_set_error(error, is_conflict(rv) ? QV_ERR_LOCK_CONFLICT : QV_ERR_IO, rv,
                             "cannot acquire the sanlock leases of guest '%s' (%s)",
                             guest, all->str);
    }
}

/* Release @args[0..n) of @pid in calls of at most SANLK_MAX_RESOURCES */
static int
release_args(pid_t pid, struct sanlk_resource **args, int n)
{
    int ret = 0;

    for (int i = 0; i < n; i += SANLK_MAX_RESOURCES) {
        int rv = sanlock_release(-1, pid, 0, MIN(SANLK_MAX_RESOURCES, n - i), args + i);

        if (rv < 0 && ret == 0)
            ret = rv;
    }
    return ret;
}

static bool
drv_acquire_obj(QvLockObject *obj, const char *state, unsigned int flags,
                    QvLockFailureAction action, GError **error)
{
    SanlockObject *p = obj->priv;
    pid_t pid = obj->proc.pid;
    g_autoptr(GPtrArray) args = NULL;
    struct sanlk_options opt = { 0 };
    int n;

    if (!check_action(obj, action, error))
        return false;
    if (p->res->len == 0 && p->has_rw_disks && drv.cfg.require_lease_for_disks) {
        g_set_error(error, QV_ERROR, QV_ERR_OPERATION_INVALID,
                    "Read/write, exclusive access, disks were present, but no leases specified (guest '%s'; set auto_disk_leases or require_lease_for_disks = 0 in qemu-sanlock.conf)",
                    obj->proc.name);
        return false;
    }
    if (flags & QV_LOCK_ACQUIRE_REGISTER_ONLY) {
        int count = 0;
        int rv;

        /* before the fork: what the child will need */
        if (pid <= 0)
            return prepare_killpath(obj, action, error);
        if (action != QV_LOCK_FAILURE_DEFAULT && (!p->killpath_ready || p->action != action)) {
            g_set_error(error, QV_ERROR, QV_ERR_OPERATION_INVALID,
                        "failure action '%s' of guest '%s' must be given before QEMU is forked: sanlock takes the killpath at registration",
                        action_names[action], obj->proc.name);
            return false;
        }
        rv = sanlock_inquire(-1, pid, 0, &count, NULL);
        if (rv < 0) {
            acquire_error(obj, NULL, 0, rv, error);
            return false;
        }
        return true;
    }
    if (pid <= 0) {
        g_set_error(error, QV_ERROR, QV_ERR_OPERATION_INVALID,
                    "guest '%s' has no QEMU process to acquire sanlock leases for", obj->proc.name);
        return false;
    }
    n = (int)p->res->len;
    if (n == 0)
        return true;

    args = g_ptr_array_new_with_free_func(g_free);
    for (int i = 0; i < n; i++)
        g_ptr_array_add(args, g_memdup2(p->res->pdata[i], sizeof(struct sanlk_resource) + sizeof(struct sanlk_disk)));
    if (state && *state &&
        !apply_state(obj, (struct sanlk_resource **)args->pdata, args->len, state, error))
        return false;

    g_strlcpy(opt.owner_name, obj->proc.name ? obj->proc.name : "", sizeof(opt.owner_name));
    for (int i = 0; i < n; i += SANLK_MAX_RESOURCES) {
        struct sanlk_resource **batch = (struct sanlk_resource **)args->pdata + i;
        int k = MIN(SANLK_MAX_RESOURCES, n - i);
        int rv = sanlock_acquire(-1, pid, 0, k, batch, &opt);

        if (rv < 0) {
            /* sanlock gave back what the failed call took; give back
             * what the earlier calls did */
            release_args(pid, (struct sanlk_resource **)args->pdata, i);
            acquire_error(obj, batch, k, rv, error);
            return false;
        }
    }
    return true;
}

/* What @pid holds, parsed (NULL and 0 when nothing or no process) */
static bool
inquire_pid(QvLockObject *obj, struct sanlk_resource ***held, int *nheld, GError **error)
{
    char *state = NULL;
    int count = 0;
    int rv;

    *held = NULL;
    *nheld = 0;
    if (obj->proc.pid <= 0)
        return true;
    rv = sanlock_inquire(-1, obj->proc.pid, 0, &count, &state);
    if (rv == -ESRCH)
        return true;            /* gone: so are its leases */
    if (rv < 0) {
        qv_sanlock_set_error(error, QV_ERR_IO, rv,
                             "cannot ask sanlock what QEMU process %d of guest '%s' holds",
                             (int)obj->proc.pid, obj->proc.name);
        return false;
    }
    if (count > 0 && state && *state) {
        rv = sanlock_state_to_args(state, nheld, held);
        if (rv < 0) {
            qv_sanlock_set_error(error, QV_ERR_PARSE, rv, "invalid sanlock state of guest '%s'",
                                 obj->proc.name);
            free(state);
            return false;
        }
    }
    free(state);
    return true;
}

static bool
drv_release_obj(QvLockObject *obj, char **state, unsigned int flags, GError **error)
{
    SanlockObject *p = obj->priv;
    struct sanlk_resource **held = NULL;
    g_autofree struct sanlk_resource **ours = NULL;
    int nheld = 0;
    int nours = 0;
    int rv;

    if (state)
        *state = NULL;
    if (!inquire_pid(obj, &held, &nheld, error))
        return false;
    /* only the object's own leases, as the process holds them (with
     * their lease versions): a hotplug's object lets go of its disk */
    ours = g_new0(struct sanlk_resource *, MAX(nheld, 1));
    for (int i = 0; i < nheld; i++) {
        for (guint k = 0; k < p->res->len; k++) {
            if (same_lease(held[i], p->res->pdata[k])) {
                ours[nours++] = held[i];
                break;
            }
        }
    }
    if (state && nours > 0) {
        char *s = NULL;

        rv = sanlock_args_to_state(nours, ours, &s);
        if (rv < 0) {
            qv_sanlock_set_error(error, QV_ERR_INTERNAL, rv,
                                 "cannot write the sanlock state of guest '%s'", obj->proc.name);
            free_res_array(held, nheld);
            return false;
        }
        *state = g_strdup(s);
        free(s);
    }
    rv = nours > 0 ? release_args(obj->proc.pid, ours, nours) : 0;
    free_res_array(held, nheld);
    if (rv < 0 && rv != -ESRCH) {
        if (state)
            g_clear_pointer(state, g_free);
        qv_sanlock_set_error(error, QV_ERR_IO, rv,
                             "cannot release the sanlock leases of guest '%s' (QEMU process %d)",
                             obj->proc.name, (int)obj->proc.pid);
        return false;
    }
    return true;
}

static bool
drv_inquire_obj(QvLockObject *obj, char **state, GError **error)
{
    SanlockObject *p = obj->priv;
    struct sanlk_resource **held = NULL;
    g_autofree struct sanlk_resource **ours = NULL;
    int nheld = 0, nours = 0;
    char *s = NULL;
    int rv;

    *state = NULL;
    if (!inquire_pid(obj, &held, &nheld, error))
        return false;
    /* the object's own leases only: asked about one disk, the answer is
     * about that disk, not about whatever else the process holds */
    ours = g_new0(struct sanlk_resource *, MAX(nheld, 1));
    for (int i = 0; i < nheld; i++) {
        for (guint k = 0; k < p->res->len; k++) {
            if (same_lease(held[i], p->res->pdata[k])) {
                ours[nours++] = held[i];
                break;
            }
        }
    }
    if (nours > 0) {
        rv = sanlock_args_to_state(nours, ours, &s);
        if (rv < 0) {
            qv_sanlock_set_error(error, QV_ERR_INTERNAL, rv,
                                 "cannot write the sanlock state of guest '%s'", obj->proc.name);
            free_res_array(held, nheld);
            return false;
        }
        *state = g_strdup(s);
        free(s);
    }
    free_res_array(held, nheld);
    return true;
}

const QvLockDriver qv_lock_driver_sanlock = {
    .size = sizeof(QvLockDriver),
    .abi = QV_LOCK_DRIVER_ABI,
    .name = "sanlock",
    .flags = QV_LOCK_DRIVER_USES_STATE,
    .init = drv_init,
    .deinit = drv_deinit,
    .new_object = drv_new_object,
    .add_resource = drv_add_resource,
    .acquire = drv_acquire_obj,
    .release = drv_release_obj,
    .inquire = drv_inquire_obj,
    .free_object = drv_free_object,
    .child_register = drv_child_register,
};
