/*
 * qv-lock-lockd: libvirt's lockd leases without virtlockd.
 *
 * Each resource is one byte-0 lock (exclusive, or shared for shareable
 * disks and backing layers) on a file, named as libvirt's lockd names
 * them: the image itself ("direct", the default), or with
 * file_lockspace_dir the file DIR/<sha256 of the path> (created when
 * missing, removed again when nobody holds it), an LVM volume by its
 * UUID in lvm_lockspace_dir, a SCSI disk by its id in scsi_lockspace_dir,
 * and a <lease> the file PATH/LOCKSPACE/KEY.
 *
 * The locks are OFD locks (F_OFD_SETLK), which belong to an open file
 * description: this driver takes each on a fresh fd and hands the fd to
 * QEMU (the owner's give_fd: QMP getfd), so the lock lives exactly as long
 * as QEMU holds it, and a crash of the supervisor or the CLI drops
 * nothing.  OFD locks and virtlockd's POSIX locks on the same byte
 * exclude each other, so hosts running libvirt's lockd and qvirt agree.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "locking/qv-lock-drivers.h"
#include "util/qv-error.h"
#include "util/qv-file.h"

#define HOLDER_MAGIC "qvirt-lease-holder"
#define HOLDER_MAX 4096

static QvLockdConfig lockd_cfg;
static char *lockd_config_file;

typedef struct {
    char *key;                  /* give_fd/take_fd */
    char *what;                 /* for messages */
    char *file;                 /* the file locked */
    bool exclusive;
    bool autocreate;            /* an indirect file: created, removed when idle */
} LockdRes;

typedef struct {
    GPtrArray *res;             /* LockdRes */
    bool rw_disks;              /* exclusive disks were added */
    bool leases;                /* <lease>s were added */
} LockdObj;

static void
lockd_res_free(LockdRes *r)
{
    g_free(r->key);
    g_free(r->what);
    g_free(r->file);
    g_free(r);
}

static void
clear_config(void)
{
    g_clear_pointer(&lockd_cfg.file_lockspace_dir, g_free);
    g_clear_pointer(&lockd_cfg.lvm_lockspace_dir, g_free);
    g_clear_pointer(&lockd_cfg.scsi_lockspace_dir, g_free);
    g_clear_pointer(&lockd_config_file, g_free);
}

static bool
lockd_init(const QvLockConfig *cfg, GError **error)
{
    const char *dirs[3];

    clear_config();
    lockd_cfg.auto_disk_leases = cfg->lockd.auto_disk_leases;
    lockd_cfg.require_lease_for_disks = cfg->lockd.require_lease_for_disks;
    lockd_cfg.file_lockspace_dir = g_strdup(cfg->lockd.file_lockspace_dir);
    lockd_cfg.lvm_lockspace_dir = g_strdup(cfg->lockd.lvm_lockspace_dir);
    lockd_cfg.scsi_lockspace_dir = g_strdup(cfg->lockd.scsi_lockspace_dir);
    lockd_config_file = g_build_filename(cfg->config_dir ? cfg->config_dir : ".",
                                         "qemu-lockd.conf", NULL);
    dirs[0] = lockd_cfg.file_lockspace_dir;
    dirs[1] = lockd_cfg.lvm_lockspace_dir;
    dirs[2] = lockd_cfg.scsi_lockspace_dir;
    for (size_t i = 0; lockd_cfg.auto_disk_leases && i < G_N_ELEMENTS(dirs); i++) {
        if (dirs[i] && !qv_mkdir_p(dirs[i], 0700, error)) {
            g_prefix_error(error, "%s: ", lockd_config_file);
            return false;
        }
    }
    return true;
}

static void
lockd_deinit(void)
{
    clear_config();
}

static bool
lockd_new_object(QvLockObject *obj, GError **error)
{
    LockdObj *o = g_new0(LockdObj, 1);

    o->res = g_ptr_array_new_with_free_func((GDestroyNotify)lockd_res_free);
    obj->priv = o;
    return true;
}

static void
lockd_free_object(QvLockObject *obj)
{
    LockdObj *o = obj->priv;

    if (!o)
        return;
    g_ptr_array_unref(o->res);
    g_free(o);
    obj->priv = NULL;
}

/* The first line of what @argv prints, or NULL with @error set */
static char *
run_for_key(const char *const *argv, const char *path, GError **error)
{
    g_autofree char *out = NULL;
    g_autofree char *err_text = NULL;
    g_autoptr(GError) err = NULL;
    gint status = 0;
    char *nl;

    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                      &out, &err_text, &status, &err) ||
        !g_spawn_check_wait_status(status, &err)) {
        g_set_error(error, QV_ERROR, QV_ERR_IO, "cannot read the lock key of '%s' with '%s': %s%s%s",
                    path, argv[0], err->message, err_text && *err_text ? ": " : "",
                    err_text ? g_strstrip(err_text) : "");
        return NULL;
    }
    if ((nl = strchr(out, '\n')))
        *nl = '\0';
    g_strstrip(out);
    if (!*out) {
        g_set_error(error, QV_ERROR, QV_ERR_IO, "'%s' gave no lock key for '%s'", argv[0], path);
        return NULL;
    }
    return g_steal_pointer(&out);
}

/* Where the lock of disk @path lives, as libvirt's lockd names it */
static bool
disk_lock_file(const char *path, char **file, bool *autocreate, GError **error)
{
    bool dev = g_str_has_prefix(path, "/dev");

    *autocreate = true;
    if (dev && lockd_cfg.lvm_lockspace_dir) {
        const char *argv[] = { "lvs", "--noheadings", "--unbuffered", "--nosuffix",
                               "--options", "uuid", path, NULL };
        g_autofree char *uuid = run_for_key(argv, path, error);

        if (!uuid)
            return false;
        *file = g_build_filename(lockd_cfg.lvm_lockspace_dir, uuid, NULL);
    } else if (dev && lockd_cfg.scsi_lockspace_dir) {
        const char *argv[] = { "/lib/udev/scsi_id", "--replace-whitespace", "--whitelisted",
                               "--device", path, NULL };
        g_autofree char *id = run_for_key(argv, path, error);

        if (!id)
            return false;
        *file = g_build_filename(lockd_cfg.scsi_lockspace_dir, id, NULL);
    } else if (lockd_cfg.file_lockspace_dir) {
        g_autofree char *hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, path, -1);

        *file = g_build_filename(lockd_cfg.file_lockspace_dir, hash, NULL);
    } else {
        *autocreate = false;
        *file = g_strdup(path);
    }
    return true;
}

static bool
lockd_add_resource(QvLockObject *obj, const QvLockResource *res, GError **error)
{
    LockdObj *o = obj->priv;
    LockdRes *r;
    g_autofree char *file = NULL;
    bool autocreate = false;
    bool exclusive = !(res->flags & (QV_LOCK_RESOURCE_READONLY | QV_LOCK_RESOURCE_SHARED |
                                     QV_LOCK_RESOURCE_BACKING));

    switch (res->type) {
    case QV_LOCK_RESOURCE_DISK:
        if (exclusive)
            o->rw_disks = true;
        /* libvirt's lockd takes no lease for a read-only disk; qvirt
         * takes a shared one, so that nobody writes what a guest reads */
        if (!lockd_cfg.auto_disk_leases)
            return true;
        if (!disk_lock_file(res->name, &file, &autocreate, error))
            return false;
        break;
    case QV_LOCK_RESOURCE_LEASE:
        if (res->offset != 0) {
            g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                        "lease '%s': offset %" G_GUINT64_FORMAT " is not supported by the lockd "
                        "lock manager: its leases are whole files (offset 0)",
                        res->name, res->offset);
            return false;
        }
        if (!res->path || !*res->path || strchr(res->name, '/') ||
            (res->lockspace && strchr(res->lockspace, '/'))) {
            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                        "lease '%s': a lockd lease needs a target path, and a key and lockspace "
                        "without '/'", res->name);
            return false;
        }
        file = g_build_filename(res->path, res->lockspace ? res->lockspace : "", res->name, NULL);
        /* the lockspace (PATH/LOCKSPACE) must exist; the lease file in
         * it is made on first use */
        autocreate = true;
        o->leases = true;
        break;
    }
    r = g_new0(LockdRes, 1);
    r->key = qv_lock_resource_key(res);
    r->what = g_strdup(res->what ? res->what : res->name);
    r->file = g_steal_pointer(&file);
    r->exclusive = exclusive;
    r->autocreate = autocreate;
    g_ptr_array_add(o->res, r);
    return true;
}

/* ---- who holds a lock ---- */

/* "domain=a pid=12 ..." record an exclusive holder leaves in an
 * indirect file */
static char *
holder_from_record(int fd)
{
    char buf[HOLDER_MAX + 1];
    ssize_t n = pread(fd, buf, HOLDER_MAX, 0);
    g_auto(GStrv) words = NULL;
    g_autofree char *domain = NULL, *pid = NULL, *host = NULL;

    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    if (!g_str_has_prefix(buf, HOLDER_MAGIC " "))
        return NULL;
    buf[strcspn(buf, "\n")] = '\0';
    words = g_strsplit(buf + strlen(HOLDER_MAGIC " "), " ", -1);
    for (char **w = words; *w; w++) {
        char *eq = strchr(*w, '=');
        char **slot = NULL;

        if (!eq)
            continue;
        *eq = '\0';
        if (strcmp(*w, "domain") == 0)
            slot = &domain;
        else if (strcmp(*w, "pid") == 0)
            slot = &pid;
        else if (strcmp(*w, "host") == 0)
            slot = &host;
        if (slot && !*slot)
            *slot = g_uri_unescape_string(eq + 1, NULL);
    }
    if (!domain)
        return NULL;
    return g_strdup_printf("domain '%s' (%s%s%s%s)", domain, host ? "host " : "",
                           host ? host : "", pid && host ? ", " : "",
                           pid ? pid : "");
}

/* The guest name of a QEMU command line ("-name guest=NAME,..."), or NULL */
static char *
qemu_guest_name(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/cmdline", (int)pid);
    g_autofree char *data = NULL;
    gsize len = 0;

    if (!g_file_get_contents(path, &data, &len, NULL))
        return NULL;
    for (gsize off = 0; off < len;) {
        const char *arg = data + off;
        gsize alen = strnlen(arg, len - off);

        if (strcmp(arg, "-name") == 0 && off + alen + 1 < len) {
            const char *v = arg + alen + 1;
            const char *start = g_str_has_prefix(v, "guest=") ? v + 6 : v;
            GString *name = g_string_new(NULL);

            /* QEMU's option syntax doubles a comma inside a value */
            for (const char *c = start; *c; c++) {
                if (*c == ',' && c[1] == ',')
                    c++;
                else if (*c == ',')
                    break;
                g_string_append_c(name, *c);
            }
            return g_string_free(name, FALSE);
        }
        off += alen + 1;
    }
    return NULL;
}

static char *
describe_pid(pid_t pid)
{
    g_autofree char *name = qemu_guest_name(pid);
    g_autofree char *comm_path = NULL;
    g_autofree char *comm = NULL;

    if (name)
        return g_strdup_printf("domain '%s' (QEMU pid %d)", name, (int)pid);
    comm_path = g_strdup_printf("/proc/%d/comm", (int)pid);
    if (g_file_get_contents(comm_path, &comm, NULL, NULL))
        g_strstrip(comm);
    return g_strdup_printf("process %d%s%s%s", (int)pid, comm ? " (" : "", comm ? comm : "",
                           comm ? ")" : "");
}

/* A POSIX lock on byte 0 (virtlockd's) names its pid in /proc/locks */
static pid_t
posix_holder(const char *needle)
{
    g_autofree char *data = NULL;
    g_auto(GStrv) lines = NULL;

    if (!g_file_get_contents("/proc/locks", &data, NULL, NULL))
        return 0;
    lines = g_strsplit(data, "\n", -1);
    for (char **l = lines; *l; l++) {
        int pid = 0;
        char *p;

        if (!strstr(*l, " POSIX ") || !(p = strstr(*l, needle)))
            continue;
        /* "1: POSIX  ADVISORY  WRITE 1234 fe:00:56 0 0" */
        if (sscanf(*l, "%*s %*s %*s %*s %d", &pid) == 1 && pid > 0)
            return pid;
    }
    return 0;
}

/* Whether an fd's /proc/PID/fdinfo text @info lists an OFD lock whose
 * " DEV:INO START " is @needle; *@exclusive (optional) tells its kind */
static bool
fdinfo_lock(const char *info, const char *needle, bool *exclusive)
{
    for (const char *lock = info; (lock = strstr(lock, "OFDLCK")); lock++) {
        size_t len = strcspn(lock, "\n");
        g_autofree char *line = g_strndup(lock, len);

        if (strstr(line, needle)) {
            if (exclusive)
                *exclusive = strstr(line, " WRITE ") != NULL;
            return true;
        }
    }
    return false;
}

/* The process with an fd whose OFD lock covers byte 0 of the file:
 * /proc/PID/fdinfo/N lists an fd's locks ("lock: 1: OFDLCK ... DEV:INO 0 0") */
static pid_t
ofd_holder(const char *needle)
{
    g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
    const char *ent;

    while (proc && (ent = g_dir_read_name(proc))) {
        g_autofree char *fdinfo = NULL;
        g_autoptr(GDir) fds = NULL;
        const char *fd;

        if (!g_ascii_isdigit(ent[0]))
            continue;
        fdinfo = g_build_filename("/proc", ent, "fdinfo", NULL);
        if (!(fds = g_dir_open(fdinfo, 0, NULL)))
            continue;
        while ((fd = g_dir_read_name(fds))) {
            g_autofree char *path = g_build_filename(fdinfo, fd, NULL);
            g_autofree char *info = NULL;

            if (g_file_get_contents(path, &info, NULL, NULL) && fdinfo_lock(info, needle, NULL))
                return (pid_t)atoi(ent);
        }
    }
    return 0;
}

/* Who holds the lock on byte 0 of @file, as far as this host can tell */
static char *
describe_holder(const char *file, int fd)
{
    struct stat st;
    g_autofree char *needle = NULL;
    char *rec;
    pid_t pid;

    /* this host's processes first: the exact pid; then the record, which
     * names a holder on another host sharing the lockspace */
    if (stat(file, &st) == 0) {
        needle = g_strdup_printf(" %02x:%02x:%lu 0 ", major(st.st_dev), minor(st.st_dev),
                                 (unsigned long)st.st_ino);
        if ((pid = posix_holder(needle)) > 0 || (pid = ofd_holder(needle)) > 0)
            return describe_pid(pid);
    }
    if (fd >= 0 && (rec = holder_from_record(fd)))
        return rec;
    return NULL;
}

/* ---- taking and leaving locks ---- */

static int
ofd_lock(int fd, short type)
{
    struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
    int rc;

    while ((rc = fcntl(fd, F_OFD_SETLK, &fl)) < 0 && errno == EINTR)
        ;
    return rc;
}

static void
write_holder(int fd, const QvLockObject *obj, const LockdRes *r)
{
    g_autofree char *domain = g_uri_escape_string(obj->proc.name ? obj->proc.name : "", NULL, FALSE);
    g_autofree char *host = g_uri_escape_string(obj->proc.host ? obj->proc.host : "", NULL, FALSE);
    g_autofree char *what = g_uri_escape_string(r->what, NULL, FALSE);
    g_autofree char *pid = obj->proc.pid > 0 ? g_strdup_printf(" pid=QEMU%%20pid%%20%d",
                                                               (int)obj->proc.pid) : g_strdup("");
    g_autofree char *rec = g_strdup_printf(HOLDER_MAGIC " domain=%s uuid=%s%s host=%s "
                                           "resource=%s\n", domain,
                                           obj->proc.uuid ? obj->proc.uuid : "",
                                           pid, host, what);
    size_t len = strlen(rec);

    /* best effort: the lock is what protects, the record only explains */
    if (ftruncate(fd, 0) == 0 && pwrite(fd, rec, len, 0) != (ssize_t)len)
        return;
}

static void
set_conflict(GError **error, const LockdRes *r, int fd)
{
    g_autofree char *holder = describe_holder(r->file, fd);

    g_set_error(error, QV_ERROR, QV_ERR_LOCK_CONFLICT, "%s is locked by %s%s%s%s", r->what,
                holder ? holder : "another guest or host",
                r->autocreate ? " (lock file '" : "", r->autocreate ? r->file : "",
                r->autocreate ? "')" : "");
}

/* A locked fd for @r, or -1 */
static int
take_one(QvLockObject *obj, const LockdRes *r, GError **error)
{
    int flags = (r->exclusive ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOCTTY;

    if (r->autocreate)
        flags = O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY;
    for (int attempt = 0; attempt < 100; attempt++) {
        struct stat fst, pst;
        int fd = open(r->file, flags, 0600);

        if (fd < 0 && r->autocreate && errno == ENOENT) {
            g_autofree char *dir = g_path_get_dirname(r->file);

            g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND,
                        "%s: lockspace '%s' does not exist", r->what, dir);
            return -1;
        }
        if (fd < 0) {
            qv_error_set_errno(error, errno, "%s: cannot open '%s' to lock it", r->what, r->file);
            return -1;
        }
        if (ofd_lock(fd, r->exclusive ? F_WRLCK : F_RDLCK) < 0) {
            int errsv = errno;

            if (errsv == EAGAIN || errsv == EACCES)
                set_conflict(error, r, fd);
            else
                qv_error_set_errno(error, errsv, "%s: cannot lock '%s'", r->what, r->file);
            close(fd);
            return -1;
        }
        /* an indirect file removed (by an idle cleanup) between our open
         * and our lock: lock the new one */
        if (r->autocreate &&
            (fstat(fd, &fst) < 0 || stat(r->file, &pst) < 0 ||
             fst.st_dev != pst.st_dev || fst.st_ino != pst.st_ino)) {
            close(fd);
            continue;
        }
        if (r->autocreate && r->exclusive)
            write_holder(fd, obj, r);
        return fd;
    }
    g_set_error(error, QV_ERROR, QV_ERR_BUSY, "%s: lock file '%s' keeps being replaced",
                r->what, r->file);
    return -1;
}

/* An indirect file nobody holds is removed: taken exclusively on a fresh
 * fd, unlinked while held, so a taker that opened it meanwhile notices */
static void
remove_if_idle(const LockdRes *r)
{
    struct stat fst, pst;
    int fd = open(r->file, O_RDWR | O_CLOEXEC | O_NOCTTY);

    if (fd < 0)
        return;
    if (ofd_lock(fd, F_WRLCK) == 0 && fstat(fd, &fst) == 0 && stat(r->file, &pst) == 0 &&
        fst.st_dev == pst.st_dev && fst.st_ino == pst.st_ino)
        unlink(r->file);
    close(fd);
}

static bool
lockd_acquire(QvLockObject *obj, const char *state, unsigned int flags,
              QvLockFailureAction action, GError **error)
{
    LockdObj *o = obj->priv;
    const QvLockOwner *owner = obj->proc.owner;
    guint i;

    if (flags & QV_LOCK_ACQUIRE_REGISTER_ONLY)
        return true;
    if (lockd_cfg.require_lease_for_disks && !lockd_cfg.auto_disk_leases && o->rw_disks &&
        !o->leases) {
        g_set_error(error, QV_ERROR, QV_ERR_LOCK_CONFLICT,
                    "domain '%s': read/write, exclusive access, disks were present, but no "
                    "leases specified (%s: require_lease_for_disks)", obj->proc.name,
                    lockd_config_file);
        return false;
    }
    if (o->res->len && (!owner || !owner->give_fd)) {
        g_set_error(error, QV_ERROR, QV_ERR_INTERNAL,
                    "domain '%s': the lockd lock manager needs a running QEMU to hand its "
                    "locks to", obj->proc.name);
        return false;
    }
    for (i = 0; i < o->res->len; i++) {
        LockdRes *r = o->res->pdata[i];
        int fd = take_one(obj, r, error);

        if (fd < 0 || !owner->give_fd(owner->opaque, r->key, fd, error))
            break;
    }
    if (i == o->res->len)
        return true;
    /* all or nothing */
    while (i-- > 0) {
        LockdRes *r = o->res->pdata[i];

        if (owner->take_fd)
            owner->take_fd(owner->opaque, r->key, NULL);
        if (r->autocreate)
            remove_if_idle(r);
    }
    return false;
}

static bool
lockd_release(QvLockObject *obj, char **state, unsigned int flags, GError **error)
{
    LockdObj *o = obj->priv;
    const QvLockOwner *owner = obj->proc.owner;
    bool ok = true;

    for (guint i = 0; i < o->res->len; i++) {
        LockdRes *r = o->res->pdata[i];

        /* pid 0: the process is gone, and its locks with it */
        if (obj->proc.pid > 0 && owner && owner->take_fd) {
            g_autoptr(GError) err = NULL;

            if (!owner->take_fd(owner->opaque, r->key, &err)) {
                if (ok)
                    g_propagate_error(error, g_steal_pointer(&err));
                ok = false;
                continue;
            }
        }
        if (r->autocreate)
            remove_if_idle(r);
    }
    return ok;
}

/* Whether process @pid has an fd on @file with an OFD lock on byte 0;
 * *@exclusive tells which kind */
static bool
process_holds(pid_t pid, const char *file, bool *exclusive)
{
    g_autofree char *fddir = g_strdup_printf("/proc/%d/fd", (int)pid);
    g_autoptr(GDir) dir = g_dir_open(fddir, 0, NULL);
    struct stat want;
    const char *ent;

    if (!dir || stat(file, &want) < 0)
        return false;
    while ((ent = g_dir_read_name(dir))) {
        g_autofree char *link = g_build_filename(fddir, ent, NULL);
        g_autofree char *info_path = g_strdup_printf("/proc/%d/fdinfo/%s", (int)pid, ent);
        g_autofree char *info = NULL;
        g_autofree char *needle = NULL;
        struct stat st;

        if (stat(link, &st) < 0 || st.st_dev != want.st_dev || st.st_ino != want.st_ino ||
            !g_file_get_contents(info_path, &info, NULL, NULL))
            continue;
        needle = g_strdup_printf(" %02x:%02x:%lu 0 ", major(st.st_dev), minor(st.st_dev),
                                 (unsigned long)st.st_ino);
        if (fdinfo_lock(info, needle, exclusive))
            return true;
    }
    return false;
}

/* "MODE:FILE ..." of what QEMU really holds (files URI-escaped), read
 * from the kernel's view of its fds */
static bool
lockd_inquire(QvLockObject *obj, char **state, GError **error)
{
    LockdObj *o = obj->priv;
    g_autoptr(GString) out = g_string_new(NULL);

    if (obj->proc.pid <= 0)
        return true;
    for (guint i = 0; i < o->res->len; i++) {
        LockdRes *r = o->res->pdata[i];
        g_autofree char *esc = NULL;
        bool exclusive = false;

        if (!process_holds(obj->proc.pid, r->file, &exclusive))
            continue;
        esc = g_uri_escape_string(r->file, "/", FALSE);
        g_string_append_printf(out, "%s%s:%s", out->len ? " " : "",
                               exclusive ? "exclusive" : "shared", esc);
    }
    if (out->len)
        *state = g_string_free(g_steal_pointer(&out), FALSE);
    return true;
}

const QvLockDriver qv_lock_driver_lockd = {
    .size = sizeof(QvLockDriver),
    .abi = QV_LOCK_DRIVER_ABI,
    .name = "lockd",
    .flags = QV_LOCK_DRIVER_BEFORE_EXEC,
    .init = lockd_init,
    .deinit = lockd_deinit,
    .new_object = lockd_new_object,
    .add_resource = lockd_add_resource,
    .acquire = lockd_acquire,
    .release = lockd_release,
    .inquire = lockd_inquire,
    .free_object = lockd_free_object,
};
