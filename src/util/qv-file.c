/*
 * qv-file: atomic replacement, locks, bounded reads, private logs, folder
 * creation.
 */
#include "util/qv-file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/qv-error.h"

#define TMP_SUFFIX ".tmp"

static bool
write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        data += n;
        len -= (size_t)n;
    }
    return true;
}

bool
qv_file_sync_dir(const char *dir, GError **error)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int errsv;

    if (fd < 0) {
        qv_error_set_errno(error, errno, "cannot open folder '%s'", dir);
        return false;
    }
    /* some file systems cannot sync a folder; nothing more can be done there */
    if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS) {
        errsv = errno;
        close(fd);
        qv_error_set_errno(error, errsv, "cannot sync folder '%s'", dir);
        return false;
    }
    close(fd);
    return true;
}

/* Write, sync (when @sync) and close the temporary file @fd; closes @fd
 * in all cases */
static bool
fill_temp(int fd, const char *tmp, const char *data, size_t len, mode_t mode,
          bool sync, GError **error)
{
    const char *what = "write";

    if (fchmod(fd, mode) < 0)
        what = "set permissions of";
    else if (!write_all(fd, data, len))
        what = "write";
    else if (sync && fsync(fd) < 0)
        what = "sync";
    else
        what = NULL;
    if (what) {
        int errsv = errno;

        close(fd);
        qv_error_set_errno(error, errsv, "cannot %s temporary file '%s'", what, tmp);
        return false;
    }
    if (close(fd) < 0) {
        qv_error_set_errno(error, errno, "cannot write temporary file '%s'", tmp);
        return false;
    }
    return true;
}

static bool
replace_file(const char *path, const char *data, size_t len, mode_t mode, bool sync,
             GError **error)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *base = g_path_get_basename(path);
    g_autofree char *tmp = g_strdup_printf("%s/.%s.XXXXXX" TMP_SUFFIX, dir, base);
    int fd = mkostemps(tmp, strlen(TMP_SUFFIX), O_CLOEXEC);

    if (fd < 0) {
        qv_error_set_errno(error, errno, "cannot create a temporary file in '%s' to write '%s'", dir, path);
        return false;
    }
    if (!fill_temp(fd, tmp, data, len, mode, sync, error)) {
        unlink(tmp);
        return false;
    }
    if (rename(tmp, path) < 0) {
        qv_error_set_errno(error, errno, "cannot rename '%s' to '%s'", tmp, path);
        unlink(tmp);
        return false;
    }
    return !sync || qv_file_sync_dir(dir, error);
}

bool
qv_file_write_atomic(const char *path, const char *data, size_t len,
                     mode_t mode, GError **error)
{
    return replace_file(path, data, len, mode, true, error);
}

bool
qv_file_replace(const char *path, const char *data, size_t len, mode_t mode,
                GError **error)
{
    return replace_file(path, data, len, mode, false, error);
}

int
qv_file_lock(const char *path, bool exclusive, bool wait, GError **error)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    int op = (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB);
    int errsv;

    if (fd < 0) {
        qv_error_set_errno(error, errno, "cannot open lock file '%s'", path);
        return -1;
    }
    while (flock(fd, op) < 0) {
        if (errno == EINTR)
            continue;
        errsv = errno;
        close(fd);
        if (errsv == EWOULDBLOCK)
            g_set_error(error, QV_ERROR, QV_ERR_IO, "lock file '%s' is held by another process", path);
        else
            qv_error_set_errno(error, errsv, "cannot lock '%s'", path);
        return -1;
    }
    return fd;
}

/* Read until EOF; refuse more than @max bytes */
static bool
read_fd(int fd, const char *path, GString *buf, size_t max, GError **error)
{
    char chunk[65536];

    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            qv_error_set_errno(error, errno, "cannot read '%s'", path);
            return false;
        }
        if (n == 0)
            return true;
        if ((size_t)n > max - buf->len) {
            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "file '%s' is larger than %zu bytes", path, max);
            return false;
        }
        g_string_append_len(buf, chunk, n);
    }
}

bool
qv_file_read_all(const char *path, char **data, size_t *len, size_t max,
                 GError **error)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    g_autoptr(GString) buf = NULL;
    struct stat st;

    if (fd < 0) {
        qv_error_set_errno(error, errno, "cannot open '%s'", path);
        return false;
    }
    if (fstat(fd, &st) < 0) {
        qv_error_set_errno(error, errno, "cannot stat '%s'", path);
        close(fd);
        return false;
    }
    if (S_ISREG(st.st_mode) && (size_t)st.st_size > max) {
        close(fd);
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "file '%s' is larger than %zu bytes", path, max);
        return false;
    }
    buf = g_string_sized_new(S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 4096);
    if (!read_fd(fd, path, buf, max, error)) {
        close(fd);
        return false;
    }
    close(fd);
    if (len)
        *len = buf->len;
    *data = g_string_free(g_steal_pointer(&buf), FALSE);
    return true;
}

int
qv_file_open_private(const char *path, int flags)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0600);
    struct stat st;
    int errsv;

    if (fd < 0)
        return -1;
    if (fstat(fd, &st) < 0 || ((st.st_mode & 077) && fchmod(fd, st.st_mode & 0700) < 0)) {
        errsv = errno;
        close(fd);
        errno = errsv;
        return -1;
    }
    return fd;
}

bool
qv_mkdir_p(const char *path, mode_t mode, GError **error)
{
    if (g_mkdir_with_parents(path, (int)mode) < 0) {
        qv_error_set_errno(error, errno, "cannot create folder '%s'", path);
        return false;
    }
    return true;
}
