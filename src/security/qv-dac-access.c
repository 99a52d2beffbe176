/*
 * qv-dac-access: can QEMU's user open what it is given?  Asked of the
 * kernel by a child that runs as that user (so ACLs and every folder on
 * the way count), so that a guest QEMU could not open fails with the
 * file, the user and the fix rather than QEMU's bare "Permission denied".
 */
#include "security/qv-dac.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/qv-error.h"

typedef struct {
    int index;          /* of the request that fails, -1: none */
    int err;
    int dirlen;         /* > 0: the folder @path[0..dirlen) stops it */
} Verdict;

/* In the child: the first folder of @path QEMU cannot search, or 0 */
static int
blocking_folder(const char *path)
{
    char buf[4096];
    size_t len = strlen(path);

    if (len >= sizeof(buf))
        return 0;
    memcpy(buf, path, len + 1);
    for (size_t i = 1; i < len; i++) {
        if (buf[i] != '/')
            continue;
        buf[i] = '\0';
        if (access(buf, X_OK) < 0)
            return (int)i;
        buf[i] = '/';
    }
    return 0;
}

G_GNUC_NORETURN static void
child_check(const QvQemuCred *cred, const QvDacRequest *reqs, size_t nreqs, int fd)
{
    Verdict v = { .index = -1 };

    if (setgroups((size_t)cred->ngroups, cred->groups) < 0 || setgid(cred->gid) < 0 ||
        setuid(cred->uid) < 0) {
        v.index = -2;
        v.err = errno;
    }
    for (size_t i = 0; v.index == -1 && i < nreqs; i++) {
        int mode = R_OK | (reqs[i].access == QV_DAC_WRITE ? W_OK : 0);

        if (access(reqs[i].path, mode) == 0 || errno == ENOENT)
            continue;
        v.index = (int)i;
        v.err = errno;
        v.dirlen = blocking_folder(reqs[i].path);
    }
    if (write(fd, &v, sizeof(v)) < 0)
        _exit(1);
    _exit(0);
}

/* "root:root 0700" */
static char *
describe(const char *path)
{
    struct stat st;
    struct passwd *pw;
    struct group *gr;
    g_autofree char *u = NULL, *g = NULL;

    if (stat(path, &st) < 0)
        return g_strdup(g_strerror(errno));
    pw = getpwuid(st.st_uid);
    gr = getgrgid(st.st_gid);
    u = pw ? g_strdup(pw->pw_name) : g_strdup_printf("%u", (unsigned int)st.st_uid);
    g = gr ? g_strdup(gr->gr_name) : g_strdup_printf("%u", (unsigned int)st.st_gid);
    return g_strdup_printf("%s:%s %04o", u, g, (unsigned int)(st.st_mode & 07777));
}

static void
set_verdict_error(const QvQemuCred *cred, const QvDacRequest *req, const Verdict *v,
                  GError **error)
{
    const char *verb = req->access == QV_DAC_WRITE ? "write" : "read";
    g_autofree char *what = NULL;

    if (v->dirlen > 0) {
        g_autofree char *dir = g_strndup(req->path, (gsize)v->dirlen);

        what = describe(dir);
        g_set_error(error, QV_ERROR, QV_ERR_OPERATION_INVALID,
                    "QEMU (user '%s') cannot %s '%s': the folder '%s' (%s) does not let it "
                    "through; make the folder searchable by it (chmod o+x '%s', or a group it "
                    "is in)", cred->user, verb, req->path, dir, what, dir);
        return;
    }
    what = describe(req->path);
    if (req->norelabel)
        g_set_error(error, QV_ERROR, QV_ERR_OPERATION_INVALID,
                    "QEMU (user '%s') cannot %s '%s' (%s), which has <seclabel model='dac' "
                    "relabel='no'>: set relabel='yes', or give the file an owner or mode that "
                    "lets QEMU's user %s it", cred->user, verb, req->path, what, verb);
    else
        g_set_error(error, QV_ERROR, QV_ERR_OPERATION_INVALID,
                    "QEMU (user '%s') cannot %s '%s' (%s): %s; relabel it (qemu.conf "
                    "dynamic_ownership = 1, <seclabel relabel='yes'>) or change its owner or mode",
                    cred->user, verb, req->path, what, g_strerror(v->err));
}

bool
qv_dac_check_access(const QvQemuCred *cred, const QvDacRequest *reqs, size_t nreqs,
                    GError **error)
{
    int fds[2];
    pid_t pid;
    int status;
    Verdict v = { .index = -1 };
    ssize_t n;

    if (!cred->change || nreqs == 0)
        return true;
    if (pipe2(fds, O_CLOEXEC) < 0) {
        qv_error_set_errno(error, errno, "cannot check QEMU's access to its files");
        return false;
    }
    if ((pid = fork()) == 0) {
        close(fds[0]);
        child_check(cred, reqs, nreqs, fds[1]);
    }
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        qv_error_set_errno(error, errno, "cannot check QEMU's access to its files");
        return false;
    }
    while ((n = read(fds[0], &v, sizeof(v))) < 0 && errno == EINTR)
        ;
    close(fds[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (n != (ssize_t)sizeof(v) || v.index == -2) {
        qv_error_set_errno(error, n == (ssize_t)sizeof(v) ? v.err : EIO,
                           "cannot run as QEMU's user '%s' to check its access", cred->user);
        return false;
    }
    if (v.index < 0)
        return true;
    set_verdict_error(cred, &reqs[v.index], &v, error);
    return false;
}
