/*
 * qv-sanlock-cleanup: virt-sanlock-cleanup, in-process.  A lease file
 * is only ever removed while this process holds its lease, so no host
 * can be using the disk it stands for meanwhile; sanlock refuses the
 * lease of a live holder, so a held lease stays.  Anything that is not
 * a valid idle lease (a holder, a zeroed file libvirt left behind, an
 * I/O error) is kept: removing a file is the one thing that must never
 * be wrong here.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sanlock.h>
#include <sanlock_admin.h>
#include <sanlock_resource.h>

#include "locking/qv-lock-sanlock.h"
#include "locking/qv-sanlock-lease.h"
#include "util/qv-error.h"

/* a creation's temporary file this old was abandoned by a crash */
#define TMP_MAX_AGE (60 * 60)

static bool
is_lease_name(const char *name)
{
    size_t i;

    for (i = 0; name[i]; i++) {
        if (!g_ascii_isdigit(name[i]) && !(name[i] >= 'a' && name[i] <= 'f'))
            return false;
    }
    return i == 32;
}

static bool
is_stale_temp(const char *dir, const char *name)
{
    g_autofree char *path = NULL;
    struct stat st;

    if (!g_str_has_prefix(name, QV_SANLOCK_TMP_PREFIX) || !g_str_has_suffix(name, QV_SANLOCK_TMP_SUFFIX))
        return false;
    path = g_build_filename(dir, name, NULL);
    return lstat(path, &st) == 0 && S_ISREG(st.st_mode) && time(NULL) - st.st_mtime > TMP_MAX_AGE;
}

static gint
cmp_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Try one lease file; true when it was (or, with @dry_run, would be) removed */
static bool
clean_lease(int sock, const char *path, const char *name, bool dry_run, GError **error)
{
    g_autofree struct sanlk_resource *res = NULL;
    g_autofree struct sanlk_host *owners = NULL;
    int nowners = 0;
    int rv;

    res = qv_sanlock_resource_new(QV_SANLOCK_DISKS_LOCKSPACE, name, path, 0, 0, error);
    if (!res)
        return false;
    /* A lease that records an owner stays, whatever this host thinks of
     * that owner: sanlock lets an exclusive acquire clear the shared
     * holds of hosts it sees as free or dead, and a host that joined
     * after this daemon's last look at the lockspace is seen as free.
     * Only a lease nobody holds is taken. */
    rv = sanlock_read_resource_owners(res, 0, &owners, &nowners);
    if (rv < 0) {
        qv_sanlock_set_error(error, QV_ERR_IO, rv, "cannot read lease '%s'", path);
        return false;
    }
    if (nowners > 0) {
        g_set_error(error, QV_ERROR, QV_ERR_LOCK_CONFLICT, "lease '%s' kept: held by host_id %llu%s",
                    path, (unsigned long long)owners[0].host_id, nowners > 1 ? " and others" : "");
        return false;
    }
    rv = sanlock_acquire(sock, -1, 0, 1, &res, NULL);
    if (rv < 0) {
        g_autofree char *desc = qv_sanlock_resource_describe(res);

        qv_sanlock_set_error(error, QV_ERR_LOCK_CONFLICT, rv, "lease %s kept", desc);
        return false;
    }
    if (!dry_run && unlink(path) < 0) {
        qv_error_set_errno(error, errno, "cannot remove lease '%s'", path);
        sanlock_release(sock, -1, 0, 1, &res);
        return false;
    }
    rv = sanlock_release(sock, -1, 0, 1, &res);
    if (rv < 0 && dry_run) {
        qv_sanlock_set_error(error, QV_ERR_IO, rv, "cannot release lease '%s'", path);
        return false;
    }
    return true;
}

bool
qv_sanlock_cleanup(const QvSanlockConfig *cfg, bool dry_run, GPtrArray *removed,
                   GPtrArray *kept, GError **error)
{
    g_autoptr(GDir) dir = NULL;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    int sock;

    if (!qv_sanlock_setup_lockspace(cfg, NULL, error))
        return false;
    dir = g_dir_open(cfg->disk_lease_dir, 0, error);
    if (!dir)
        return false;
    while ((name = g_dir_read_name(dir)))
        g_ptr_array_add(names, g_strdup(name));
    g_ptr_array_sort(names, cmp_names);

    /* this process holds each lease while it removes its file; closing
     * the registration drops whatever a failure left held */
    sock = sanlock_register();
    if (sock < 0) {
        qv_sanlock_set_error(error, QV_ERR_IO, sock, "cannot register with the sanlock daemon");
        return false;
    }
    for (guint i = 0; i < names->len; i++) {
        const char *n = names->pdata[i];
        g_autofree char *path = g_build_filename(cfg->disk_lease_dir, n, NULL);

        if (is_lease_name(n)) {
            g_autoptr(GError) err = NULL;

            if (clean_lease(sock, path, n, dry_run, &err)) {
                if (removed)
                    g_ptr_array_add(removed, g_steal_pointer(&path));
            } else {
                g_debug("%s", err->message);
                if (kept)
                    g_ptr_array_add(kept, g_steal_pointer(&path));
            }
        } else if (is_stale_temp(cfg->disk_lease_dir, n)) {
            if (!dry_run && unlink(path) < 0 && errno != ENOENT) {
                qv_error_set_errno(error, errno, "cannot remove '%s'", path);
                close(sock);
                return false;
            }
            if (removed)
                g_ptr_array_add(removed, g_steal_pointer(&path));
        }
    }
    close(sock);
    return true;
}
