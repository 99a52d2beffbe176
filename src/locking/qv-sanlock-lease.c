/*
 * qv-sanlock-lease: lease resources, sanlock's errors, and the files of
 * the lease folder: the lockspace file and the per-disk lease files,
 * created safely, and the join of the lockspace.
 *
 * libvirt creates a lease file under its final name, then zeroes and
 * formats it: a crash in between leaves a zeroed "lease" that every
 * later acquire fails on (SANLK_LEADER_MAGIC) until someone removes it
 * by hand.  Here a file only ever appears under its final name
 * formatted: it is made as a temporary file in the same folder and
 * linked into place with no-replace semantics.  sanlock's on-disk
 * records hold the lockspace and resource names, never the path, so a
 * file formatted under one name is valid under another.
 */
#include "locking/qv-sanlock-lease.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sanlock_admin.h>
#include <sanlock_rv.h>

#include "locking/qv-lock-sanlock.h"
#include "util/qv-error.h"
#include "util/qv-file.h"

/* a join that finds another one in progress waits for it, this often */
#define JOIN_RETRIES 10

const char *
qv_sanlock_strerror(int rv, char *buf, size_t len)
{
    const char *s;

    if (rv > -200)
        return g_strerror(-rv);
    s = sanlock_strerror(rv);
    if (s && strcmp(s, "Unknown error") != 0)
        return s;
    switch (rv) {
    case SANLK_ACQUIRE_LVER:
        return "Lease version does not match";
    case SANLK_ADDLS_INVALID_HOSTID:
        return "Invalid host ID";
    default:
        g_snprintf(buf, len, "sanlock error %d", rv);
        return buf;
    }
}

void
qv_sanlock_set_error(GError **error, int code, int rv, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    char buf[64];
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(error, QV_ERROR, code, "%s: %s (%d)", msg,
                qv_sanlock_strerror(rv, buf, sizeof(buf)), rv);
}

/* The length of @path as sanlock's text forms write it (':', ' ' and
 * '\' escaped), which must stay under SANLK_PATH_LEN */
static size_t
escaped_len(const char *path)
{
    size_t n = 0;

    for (const char *p = path; *p; p++)
        n += strchr(": \\", *p) ? 2 : 1;
    return n;
}

struct sanlk_resource *
qv_sanlock_resource_new(const char *lockspace, const char *name, const char *path,
                        uint64_t offset, uint32_t flags, GError **error)
{
    struct sanlk_resource *res;

    if (!lockspace || !*lockspace) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "sanlock lease '%s' has no lockspace", name);
        return NULL;
    }
    if (strlen(lockspace) >= SANLK_NAME_LEN) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "sanlock lockspace name '%s' is longer than %d characters", lockspace,
                    SANLK_NAME_LEN - 1);
        return NULL;
    }
    if (!name || !*name || strlen(name) >= SANLK_NAME_LEN) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "sanlock lease name '%s' is empty or longer than %d characters",
                    name ? name : "", SANLK_NAME_LEN - 1);
        return NULL;
    }
    if (!path || !*path || escaped_len(path) >= SANLK_PATH_LEN) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "path '%s' of sanlock lease '%s' is empty or longer than sanlock's limit of %d characters",
                    path ? path : "", name, SANLK_PATH_LEN - 1);
        return NULL;
    }
    res = g_malloc0(sizeof(*res) + sizeof(struct sanlk_disk));
    memcpy(res->lockspace_name, lockspace, strlen(lockspace));
    memcpy(res->name, name, strlen(name));
    res->flags = flags;
    res->num_disks = 1;
    memcpy(res->disks[0].path, path, strlen(path));
    res->disks[0].offset = offset;
    return res;
}

char *
qv_sanlock_resource_describe(const struct sanlk_resource *res)
{
    return g_strdup_printf("%.*s:%.*s:%s:%" G_GUINT64_FORMAT,
                           SANLK_NAME_LEN, res->lockspace_name,
                           SANLK_NAME_LEN, res->name,
                           res->disks[0].path, (guint64)res->disks[0].offset);
}

char *
qv_sanlock_resource_holders(const struct sanlk_resource *res)
{
    struct sanlk_host *hosts = NULL;
    int n = 0;
    GString *s;
    int rv;

    rv = sanlock_read_resource_owners((struct sanlk_resource *)res, 0, &hosts, &n);
    if (rv < 0 || n <= 0) {
        free(hosts);
        return NULL;
    }
    s = g_string_new("held by host_id ");
    for (int i = 0; i < n; i++)
        g_string_append_printf(s, "%s%" G_GUINT64_FORMAT, i ? ", " : "",
                               (guint64)hosts[i].host_id);
    free(hosts);
    return g_string_free(s, FALSE);
}

/* qemu-sanlock.conf's user and group: a name or a number ("+N" or "N") */
static bool
resolve_id(const char *s, bool group, int *id, GError **error)
{
    const char *num = s[0] == '+' ? s + 1 : s;
    guint64 v;

    *id = -1;
    if (g_ascii_string_to_unsigned(num, 10, 0, G_MAXINT32, &v, NULL)) {
        *id = (int)v;
        return true;
    }
    if (group) {
        struct group *gr = getgrnam(s);

        if (gr)
            *id = (int)gr->gr_gid;
    } else {
        struct passwd *pw = getpwnam(s);

        if (pw)
            *id = (int)pw->pw_uid;
    }
    if (*id < 0) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "%s '%s' of qemu-sanlock.conf does not exist", group ? "group" : "user", s);
        return false;
    }
    return true;
}

/* sanlock's formatting of the temporary file @path */
typedef int (*FormatFunc)(const char *path, const void *opaque);

static int
format_lockspace(const char *path, const void *opaque)
{
    const QvSanlockConfig *cfg = opaque;
    struct sanlk_lockspace ls = { 0 };

    memcpy(ls.name, QV_SANLOCK_DISKS_LOCKSPACE, strlen(QV_SANLOCK_DISKS_LOCKSPACE));
    g_strlcpy(ls.host_id_disk.path, path, sizeof(ls.host_id_disk.path));
    return sanlock_write_lockspace(&ls, 0, 0, cfg->io_timeout);
}

static int
format_resource(const char *path, const void *opaque)
{
    const struct sanlk_resource *res = opaque;
    g_autofree struct sanlk_resource *tmp = g_memdup2(res, sizeof(*res) + sizeof(struct sanlk_disk));

    g_strlcpy(tmp->disks[0].path, path, sizeof(tmp->disks[0].path));
    tmp->disks[0].offset = 0;
    tmp->flags &= ~(uint32_t)SANLK_RES_SHARED;
    return sanlock_write_resource(tmp, 0, 0, 0);
}

static bool
write_zeros(int fd, size_t len)
{
    static const char zeros[65536];
    off_t off = 0;

    while ((size_t)off < len) {
        size_t chunk = MIN(sizeof(zeros), len - (size_t)off);
        ssize_t n = pwrite(fd, zeros, chunk, off);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        off += n;
    }
    return true;
}

/* Link @tmp to @path unless @path exists; true when @path is in place
 * (ours or a concurrent creator's) */
static bool
link_noreplace(const char *tmp, const char *path, GError **error)
{
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
        return true;
    if (errno == EEXIST)
        return true;
    /* NFS and some others have no RENAME_NOREPLACE; link() never replaces */
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) {
        qv_error_set_errno(error, errno, "cannot move '%s' to '%s'", tmp, path);
        return false;
    }
    if (link(tmp, path) < 0 && errno != EEXIST) {
        qv_error_set_errno(error, errno, "cannot link '%s' to '%s'", tmp, path);
        return false;
    }
    return true;
}

/* Make @path (the @what of messages) formatted by @format, unless it
 * exists; the temporary file goes in every case but success by rename */
static bool
create_safely(const QvSanlockConfig *cfg, const char *path, const char *what,
              FormatFunc format, const void *opaque, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *base = g_path_get_basename(path);
    g_autofree char *tmp = NULL;
    struct sanlk_disk disk = { 0 };
    mode_t mode = cfg->group ? 0660 : 0600;
    int uid = -1, gid = -1;
    const char *failed = NULL;
    struct stat st;
    int errsv = 0;
    int fd;
    int rv;

    if (lstat(path, &st) == 0)
        return true;
    if (errno != ENOENT) {
        qv_error_set_errno(error, errno, "cannot check sanlock %s '%s'", what, path);
        return false;
    }
    if ((cfg->user && !resolve_id(cfg->user, false, &uid, error)) ||
        (cfg->group && !resolve_id(cfg->group, true, &gid, error)))
        return false;

    tmp = g_strdup_printf("%s/" QV_SANLOCK_TMP_PREFIX "%s.XXXXXX" QV_SANLOCK_TMP_SUFFIX, dir, base);
    fd = g_mkstemp_full(tmp, O_RDWR | O_CLOEXEC, mode);
    if (fd < 0) {
        qv_error_set_errno(error, errno, "cannot create a sanlock %s in '%s'", what, dir);
        return false;
    }
    if ((uid >= 0 || gid >= 0) && fchown(fd, uid, gid) < 0)
        failed = "change the owner of";
    else if (fchmod(fd, mode) < 0)
        failed = "set the permissions of";
    if (failed) {
        errsv = errno;
        goto fail_errno;
    }

    g_strlcpy(disk.path, tmp, sizeof(disk.path));
    rv = sanlock_align(&disk);
    if (rv <= 0) {
        qv_sanlock_set_error(error, QV_ERR_IO, rv, "cannot learn the alignment of sanlock %s '%s'",
                             what, tmp);
        goto fail;
    }
    if (!write_zeros(fd, (size_t)rv) || fsync(fd) < 0) {
        errsv = errno ? errno : ENOSPC;
        failed = "zero";
        goto fail_errno;
    }
    rv = format(tmp, opaque);
    if (rv < 0) {
        qv_sanlock_set_error(error, QV_ERR_IO, rv, "cannot format sanlock %s '%s'", what, tmp);
        goto fail;
    }
    if (fsync(fd) < 0) {
        errsv = errno;
        failed = "sync";
        goto fail_errno;
    }
    close(fd);
    fd = -1;
    if (!link_noreplace(tmp, path, error))
        goto fail;
    /* after a rename the name is gone; after a link (or a lost race) it
     * is a second name of the file, or the loser's leftover */
    unlink(tmp);
    return qv_file_sync_dir(dir, error);

 fail_errno:
    qv_error_set_errno(error, errsv, "cannot %s the sanlock %s '%s'", failed, what, tmp);
 fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return false;
}

bool
qv_sanlock_lease_create(const QvSanlockConfig *cfg, const struct sanlk_resource *res,
                        GError **error)
{
    return create_safely(cfg, res->disks[0].path, "lease", format_resource, res, error);
}

char *
qv_sanlock_disk_lease_name(const char *path)
{
    return g_compute_checksum_for_string(G_CHECKSUM_MD5, path, -1);
}

/* After -EEXIST: is the lockspace joined with our host_id (and not
 * another one a different configuration gave the daemon)? */
static bool
check_joined(struct sanlk_lockspace *ls, GError **error)
{
    int rv = sanlock_inq_lockspace(ls, 0);

    if (rv == 0)
        return true;
    qv_sanlock_set_error(error, QV_ERR_LOCK_CONFLICT, rv,
                         "the sanlock daemon has joined lockspace '%s' ('%s') otherwise than with host_id %" G_GUINT64_FORMAT " of qemu-sanlock.conf",
                         QV_SANLOCK_DISKS_LOCKSPACE, ls->host_id_disk.path, (guint64)ls->host_id);
    return false;
}

/* What to do about a failed join */
static const char *
join_hint(int rv)
{
    switch (rv) {
    case SANLK_HOSTID_BUSY:
        return "another host uses that host_id: give each host sharing the folder its own host_id in qemu-sanlock.conf";
    case -EINVAL:
        return "the sanlock daemon may be in the lockspace with another host_id already, or the host_id is out of range";
    case -ENOENT:
    case -ECONNREFUSED:
        return "is the sanlock daemon running?";
    default:
        return "check the sanlock daemon's log";
    }
}

bool
qv_sanlock_setup_lockspace(const QvSanlockConfig *cfg, QvSanlockJoin *how, GError **error)
{
    g_autofree char *path = NULL;
    struct sanlk_lockspace ls = { 0 };
    int rv = 0;

    if (cfg->host_id == 0) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "Automatic disk lease mode enabled, but no host ID is set: set host_id in qemu-sanlock.conf (1 to 2000, unique among the hosts that share '%s')",
                    cfg->disk_lease_dir);
        return false;
    }
    path = g_build_filename(cfg->disk_lease_dir, QV_SANLOCK_DISKS_LOCKSPACE, NULL);
    if (strlen(path) >= SANLK_PATH_LEN) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "sanlock lockspace path '%s' is longer than sanlock's limit of %d characters",
                    path, SANLK_PATH_LEN - 1);
        return false;
    }
    if (!create_safely(cfg, path, "lockspace", format_lockspace, cfg, error))
        return false;

    memcpy(ls.name, QV_SANLOCK_DISKS_LOCKSPACE, strlen(QV_SANLOCK_DISKS_LOCKSPACE));
    ls.host_id = cfg->host_id;
    g_strlcpy(ls.host_id_disk.path, path, sizeof(ls.host_id_disk.path));
    for (int i = 0; i < JOIN_RETRIES; i++) {
        rv = sanlock_add_lockspace_timeout(&ls, 0, cfg->io_timeout);
        if (rv == 0) {
            if (how)
                *how = QV_SANLOCK_JOIN_NEW;
            return true;
        }
        if (rv == -EEXIST) {
            if (how)
                *how = QV_SANLOCK_JOIN_ALREADY;
            return check_joined(&ls, error);
        }
        if (rv == -EINPROGRESS) {
            /* someone else is joining (or leaving): wait for the outcome */
            sanlock_inq_lockspace(&ls, SANLK_INQ_WAIT);
            continue;
        }
        if (rv == -EAGAIN) {
            /* a removal is in progress */
            g_usleep(G_USEC_PER_SEC / 2);
            continue;
        }
        break;
    }
    qv_sanlock_set_error(error, rv == SANLK_HOSTID_BUSY ? QV_ERR_LOCK_CONFLICT : QV_ERR_IO, rv,
                         "cannot join sanlock lockspace '%s' ('%s') with host_id %u (%s)",
                         QV_SANLOCK_DISKS_LOCKSPACE, path, cfg->host_id, join_hint(rv));
    return false;
}
