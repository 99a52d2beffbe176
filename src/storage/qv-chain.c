/*
 * qv-chain: backing chain discovery.
 *
 * One element at a time: open without following the image's content,
 * fstat for identity and sizes, probe the header in the format given (or
 * guessed, with the rules in qv-chain.h), parse the backing string, move
 * down.  Nothing here recurses along a chain, so depth costs only time,
 * linearly.
 */
#include "storage/qv-chain.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/qv-backing.h"
#include "util/qv-error.h"
#include "storage/qv-probe.h"
#include "storage/qv-reader.h"

typedef struct {
    dev_t dev;
    ino_t ino;
} QvFileId;

static guint
file_id_hash(gconstpointer p)
{
    const QvFileId *id = p;

    return g_int64_hash(&(gint64){ (gint64)id->ino }) ^ (guint)id->dev;
}

static gboolean
file_id_equal(gconstpointer a, gconstpointer b)
{
    const QvFileId *x = a;
    const QvFileId *y = b;

    return x->dev == y->dev && x->ino == y->ino;
}

/* "backing file 'mid' (resolved to '/a/mid') of '/a/top'" or "image '/a/top'" */
static char *
describe_element(const QvStorageSource *src, const QvStorageSource *parent)
{
    if (!parent)
        return g_strdup_printf("image '%s'", src->path);
    if (src->relpath)
        return g_strdup_printf("backing file '%s' (resolved to '%s') of '%s'",
                               src->relpath, src->path, parent->path);
    return g_strdup_printf("backing file '%s' of '%s'", src->path,
                           parent->path);
}

/* The description of the element is built on the error paths only: a
 * deep chain opens thousands of files */
static bool
element_open(QvStorageSource *src, const QvStorageSource *parent,
             int *fdp, struct stat *st, GError **error)
{
    g_autofree char *what = NULL;
    int fd = open(src->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    int errsv;

    if (fd < 0) {
        errsv = errno;
        what = describe_element(src, parent);
        if (errsv == ENOENT)
            g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND,
                        "%s does not exist", what);
        else
            qv_error_set_errno(error, errsv, "cannot open %s", what);
        return false;
    }
    if (fstat(fd, st) < 0) {
        errsv = errno;
        close(fd);
        what = describe_element(src, parent);
        qv_error_set_errno(error, errsv, "cannot stat %s", what);
        return false;
    }
    if (S_ISREG(st->st_mode) || S_ISBLK(st->st_mode)) {
        *fdp = fd;
        return true;
    }
    close(fd);
    what = describe_element(src, parent);
    if (S_ISDIR(st->st_mode))
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "%s is a directory, not a disk image", what);
    else
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "%s is neither a regular file nor a block device", what);
    return false;
}

static bool
element_sizes(QvStorageSource *src, int fd, const struct stat *st,
              GError **error)
{
    uint64_t size = (uint64_t)st->st_size;

    if (S_ISBLK(st->st_mode)) {
        if (ioctl(fd, BLKGETSIZE64, &size) < 0) {
            qv_error_set_errno(error, errno,
                               "cannot get the size of block device '%s'",
                               src->path);
            return false;
        }
        src->type = QV_STORAGE_BLOCK;
        src->allocation = size;
    } else {
        src->type = QV_STORAGE_FILE;
        src->allocation = (uint64_t)st->st_blocks * 512;
    }
    src->physical = size;
    src->dev = st->st_dev;
    src->ino = st->st_ino;
    src->have_identity = true;
    return true;
}

static void
apply_probe_info(QvStorageSource *src, QvProbeInfo *info)
{
    src->format = info->format;
    src->format_version = info->version;
    src->capacity = info->capacity_known ? info->capacity : src->physical;
    src->sizes_known = true;
    src->backing_name = g_steal_pointer(&info->backing_name);
    src->backing_format = info->backing_format;
    src->data_file = g_steal_pointer(&info->data_file);
    src->data_file_raw = info->data_file_raw;
    src->encrypted = info->encrypted;
    src->encryption = g_strdup(info->encryption);
    src->incompat_unknown = info->incompat_unknown;
}

/* Read one local element: identity, sizes, format, header fields */
static bool
element_read(QvStorageSource *src, const QvStorageSource *parent,
             GHashTable *seen, GError **error)
{
    struct stat st;
    int fd = -1;
    g_autoptr(QvReader) r = NULL;
    QvProbeInfo info = { 0 };
    QvFileId id;
    bool ok = false;

    if (!element_open(src, parent, &fd, &st, error))
        return false;
    if (!element_sizes(src, fd, &st, error))
        goto out;

    id.dev = st.st_dev;
    id.ino = st.st_ino;
    if (g_hash_table_contains(seen, &id)) {
        g_autofree char *what = describe_element(src, parent);

        g_set_error(error, QV_ERROR, QV_ERR_LOOP,
                    "backing chain loops: %s is an image already in the chain",
                    what);
        goto out;
    }
    g_hash_table_add(seen, g_memdup2(&id, sizeof(id)));

    r = qv_reader_new_fd(fd, src->physical, src->path);
    if (src->format == QV_FORMAT_NONE) {
        src->format = qv_probe_guess_format(r, error);
        if (src->format == QV_FORMAT_NONE)
            goto out;
        src->format_probed = true;
    }
    if (!qv_probe_image(r, src->format, &info, error))
        goto out;
    apply_probe_info(src, &info);
    ok = true;

 out:
    qv_probe_info_clear(&info);
    close(fd);
    return ok;
}

static bool
check_guessed(const QvStorageSource *src, const QvStorageSource *parent,
              GError **error)
{
    const char *fmt = qv_format_to_string(src->format);

    if (!src->format_probed || !src->backing_name)
        return true;

    if (!parent) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSAFE,
                    "format of image '%s' was not given and it looks like %s naming backing file '%s'; refusing to follow a guessed format (a raw disk can hold any header): give the format, e.g. --format %s",
                    src->path, fmt, src->backing_name, fmt);
    } else {
        g_set_error(error, QV_ERROR, QV_ERR_UNSAFE,
                    "'%s' does not record the format of its backing file '%s', which looks like %s and names backing file '%s'; refusing to follow a guessed format: record it with 'qemu-img rebase -u -F %s -b %s %s'",
                    parent->path, src->path, fmt, src->backing_name, fmt,
                    parent->backing_name, parent->path);
    }
    return false;
}

/* Turn @src's backing string into its (single) backing store */
static QvStorageSource *
element_backing(QvStorageSource *src, GError **error)
{
    g_autoptr(QvStorageSource) child = NULL;

    child = qv_backing_parse(src->backing_name, src->path, error);
    if (!child)
        return NULL;
    if (src->backing_format != QV_FORMAT_NONE)
        child->format = src->backing_format;
    child->readonly = true;
    return g_steal_pointer(&child);
}

bool
qv_chain_discover(QvStorageSource *top, GError **error)
{
    g_autoptr(GHashTable) seen = NULL;
    QvStorageSource *src = top;
    QvStorageSource *parent = NULL;

    if (!qv_source_is_local(top) || !top->path) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "cannot discover the chain of a non-local source");
        return false;
    }
    for (size_t i = 0; i < top->nbacking; i++)
        qv_source_free(top->backing[i]);
    g_clear_pointer(&top->backing, g_free);
    top->nbacking = 0;
    top->backing_known = false;

    seen = g_hash_table_new_full(file_id_hash, file_id_equal, g_free, NULL);

    for (;;) {
        QvStorageSource *child;

        if (!element_read(src, parent, seen, error) ||
            !check_guessed(src, parent, error))
            return false;
        if (!src->backing_name || src->format == QV_FORMAT_RAW) {
            src->backing_known = true;
            return true;
        }
        if (!(child = element_backing(src, error)))
            return false;
        src->backing_known = true;
        qv_source_add_backing(src, &child);
        parent = src;
        src = src->backing[0];
        if (!qv_source_is_local(src))
            return true;   /* the walk ends at the network */
    }
}

QvStorageSource *
qv_chain_open(const char *path, QvFormat format, GError **error)
{
    g_autoptr(QvStorageSource) src = qv_source_new(QV_STORAGE_FILE);

    src->path = g_strdup(path);
    src->format = format;
    if (!qv_chain_discover(src, error))
        return NULL;
    return g_steal_pointer(&src);
}

static size_t
chain_visit(const QvStorageSource *src, size_t index, gssize parent,
            unsigned int depth, QvChainVisitFunc fn, void *opaque)
{
    while (src) {
        fn(src, index, parent, depth, opaque);
        parent = (gssize)index++;
        depth++;
        if (src->nbacking == 1) {
            src = src->backing[0];
            continue;
        }
        for (size_t i = 0; i < src->nbacking; i++)
            index = chain_visit(src->backing[i], index, parent, depth,
                                fn, opaque);
        break;
    }
    return index;
}

void
qv_chain_foreach(const QvStorageSource *top, QvChainVisitFunc fn,
                 void *opaque)
{
    chain_visit(top, 0, -1, 0, fn, opaque);
}
