/*
 * qv-image: qemu-img create for new images; header reads for the format
 * of existing ones.
 */
#include "storage/qv-image.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/qv-probe.h"
#include "storage/qv-reader.h"
#include "util/qv-error.h"

static bool
run_qemu_img(char **argv, GError **error)
{
    g_autofree char *out = NULL;
    gint status = 0;

    if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                      NULL, NULL, NULL, &out, &status, error))
        return false;
    if (!g_spawn_check_wait_status(status, NULL)) {
        g_set_error(error, QV_ERROR, QV_ERR_IO, "qemu-img create failed: %s",
                    out ? g_strstrip(out) : "(no output)");
        return false;
    }
    return true;
}

bool
qv_image_create(const char *path, QvFormat fmt, uint64_t size,
                const QvStorageSource *backing, GError **error)
{
    g_autofree char *sz = g_strdup_printf("%" G_GUINT64_FORMAT, size);
    const char *argv[16];
    int n = 0;

    argv[n++] = "qemu-img";
    argv[n++] = "create";
    argv[n++] = "-q";
    argv[n++] = "-f";
    argv[n++] = qv_format_to_string(fmt);
    if (backing) {
        argv[n++] = "-u";
        argv[n++] = "-b";
        argv[n++] = backing->path;
        argv[n++] = "-F";
        argv[n++] = qv_format_to_string(backing->format);
    }
    argv[n++] = path;
    argv[n++] = sz;
    argv[n] = NULL;
    if (!run_qemu_img((char **)argv, error)) {
        g_prefix_error(error, "cannot create '%s': ", path);
        return false;
    }
    return true;
}

QvFormat
qv_image_probe_format(const char *path, GError **error)
{
    g_autoptr(QvReader) r = NULL;
    struct stat st;
    QvFormat fmt;
    int fd;

    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
        qv_error_set_errno(error, errno, "cannot read '%s'", path);
        if (fd >= 0)
            close(fd);
        return QV_FORMAT_NONE;
    }
    r = qv_reader_new_fd(fd, (uint64_t)st.st_size, path);
    fmt = qv_probe_guess_format(r, error);
    g_clear_pointer(&r, qv_reader_free);
    close(fd);
    return fmt;
}
