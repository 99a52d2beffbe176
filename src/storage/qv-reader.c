/*
 * qv-reader: bounded reads from a file descriptor or a memory buffer.
 */
#include "storage/qv-reader.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "util/qv-error.h"

/* Headers live at the start of an image: one read of this much serves
 * the several small reads a probe makes, instead of one syscall each */
#define QV_READER_HEAD 4096

struct _QvReader {
    int fd;                 /* -1 for memory readers */
    const uint8_t *data;
    uint64_t size;
    char *name;
    uint8_t *head;          /* fd readers: the first bytes, read once */
    size_t head_len;
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
    g_free(r->head);
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

static gssize qv_reader_pread(QvReader *r, uint64_t offset, void *buf,
                              size_t len, GError **error);

gssize
qv_reader_read(QvReader *r, uint64_t offset, void *buf, size_t len,
               GError **error)
{
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

    if (!r->head && offset + len <= QV_READER_HEAD) {
        gssize n;

        r->head = g_malloc(QV_READER_HEAD);
        r->data = r->head;
        n = qv_reader_pread(r, 0, r->head, MIN(r->size, QV_READER_HEAD), error);
        if (n < 0) {
            g_clear_pointer(&r->head, g_free);
            return -1;
        }
        r->head_len = (size_t)n;
    }
    if (r->head && offset + len <= r->head_len) {
        memcpy(buf, r->head + offset, len);
        return (gssize)len;
    }
    return qv_reader_pread(r, offset, buf, len, error);
}

static gssize
qv_reader_pread(QvReader *r, uint64_t offset, void *buf, size_t len,
                GError **error)
{
    size_t done = 0;

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
