/*
 * qv-reader: bounded reads from a file descriptor or a memory buffer.
 */
#include "qv-reader.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "qv-error.h"

struct _QvReader {
    int fd;                 /* -1 for memory readers */
    const uint8_t *data;
    uint64_t size;
    char *name;
};

QvReader *
qv_reader_new_fd(int fd, uint64_t size, const char *name)
{
    QvReader *r = g_new0(QvReader, 1);

    r->fd = fd;
    r->size = size;
    r->name = g_strdup(name);
    return r;
}

QvReader *
qv_reader_new_mem(const void *data, size_t len, const char *name)
{
    QvReader *r = g_new0(QvReader, 1);

    r->fd = -1;
    r->data = data;
    r->size = len;
    r->name = g_strdup(name);
    return r;
}

void
qv_reader_free(QvReader *r)
{
    if (!r)
        return;
    g_free(r->name);
    g_free(r);
}

uint64_t
qv_reader_size(const QvReader *r)
{
    return r->size;
}

const char *
qv_reader_name(const QvReader *r)
{
    return r->name;
}

gssize
qv_reader_read(QvReader *r, uint64_t offset, void *buf, size_t len,
               GError **error)
{
    size_t done = 0;

    if (offset >= r->size || len == 0)
        return 0;
    if (len > r->size - offset)
        len = r->size - offset;
    if (len > G_MAXSSIZE)
        len = G_MAXSSIZE;

    if (r->fd < 0) {
        memcpy(buf, r->data + offset, len);
        return (gssize)len;
    }

    while (done < len) {
        ssize_t n = pread(r->fd, (uint8_t *)buf + done, len - done,
                          (off_t)(offset + done));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            qv_error_set_errno(error, errno, "cannot read '%s'", r->name);
            return -1;
        }
        if (n == 0)
            break;
        done += (size_t)n;
    }
    return (gssize)done;
}

bool
qv_reader_read_exact(QvReader *r, uint64_t offset, void *buf, size_t len,
                     const char *what, GError **error)
{
    gssize n;

    if (offset > r->size || len > r->size - offset) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "%s of '%s' (offset %" G_GUINT64_FORMAT ", %zu bytes) lies beyond the end of the image (%" G_GUINT64_FORMAT " bytes)",
                    what, r->name, offset, len, r->size);
        return false;
    }
    n = qv_reader_read(r, offset, buf, len, error);
    if (n < 0)
        return false;
    if ((size_t)n != len) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "%s of '%s' is truncated: read %zd of %zu bytes at offset %" G_GUINT64_FORMAT,
                    what, r->name, n, len, offset);
        return false;
    }
    return true;
}
