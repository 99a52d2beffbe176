/*
 * qv-probe-qed: header reader for QED images.
 *
 * The header is 64 bytes, little endian (QEMU block/qed.h).  The checks
 * are those of QEMU's bdrv_qed_do_open(), so that qvirt refuses what QEMU
 * refuses.
 */
#include "storage/qv-probe.h"

#include <string.h>

#include "util/qv-error.h"

#define QED_MAGIC "QED\0"
#define QED_HEADER_SIZE 64

#define QED_MIN_CLUSTER_SIZE (4u * 1024)
#define QED_MAX_CLUSTER_SIZE (64u * 1024 * 1024)
#define QED_MIN_TABLE_SIZE 1
#define QED_MAX_TABLE_SIZE 16

#define QED_F_BACKING_FILE 0x01
#define QED_F_NEED_CHECK 0x02
#define QED_F_BACKING_FORMAT_NO_PROBE 0x04
#define QED_FEATURE_MASK (QED_F_BACKING_FILE | QED_F_NEED_CHECK | \
                          QED_F_BACKING_FORMAT_NO_PROBE)

bool
qv_probe_is_qed(const uint8_t *buf, size_t len)
{
    return len >= 4 && memcmp(buf, QED_MAGIC, 4) == 0;
}

static bool
qed_is_pow2(uint64_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

typedef struct {
    uint32_t cluster_size;
    uint32_t table_size;
    uint32_t header_size;
    uint64_t features;
    uint64_t image_size;
    uint32_t backing_offset;
    uint32_t backing_size;
} QedHeader;

static bool
qed_check_header(QvReader *r, const QedHeader *h, GError **error)
{
    const char *name = qv_reader_name(r);

    if (!qed_is_pow2(h->cluster_size) ||
        h->cluster_size < QED_MIN_CLUSTER_SIZE ||
        h->cluster_size > QED_MAX_CLUSTER_SIZE) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "qed image '%s': cluster size %u is not a power of two between %u and %u",
                    name, h->cluster_size, QED_MIN_CLUSTER_SIZE,
                    QED_MAX_CLUSTER_SIZE);
        return false;
    }
    if (!qed_is_pow2(h->table_size) || h->table_size < QED_MIN_TABLE_SIZE ||
        h->table_size > QED_MAX_TABLE_SIZE) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "qed image '%s': table size %u is not a power of two between %d and %d",
                    name, h->table_size, QED_MIN_TABLE_SIZE,
                    QED_MAX_TABLE_SIZE);
        return false;
    }
    if (h->header_size == 0) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "qed image '%s': header size is 0 clusters", name);
        return false;
    }
    if (h->features & ~(uint64_t)QED_FEATURE_MASK) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "qed image '%s': unsupported features 0x%" G_GINT64_MODIFIER "x",
                    name, h->features & ~(uint64_t)QED_FEATURE_MASK);
        return false;
    }
    return true;
}

static bool
qed_read_backing(QvReader *r, const QedHeader *h, QvProbeInfo *info,
                 GError **error)
{
    const char *name = qv_reader_name(r);
    /* both factors are 32 bit: the product fits in 64 */
    uint64_t header_bytes = (uint64_t)h->header_size * h->cluster_size;
    g_autofree char *buf = NULL;

    if (h->backing_size > QV_PROBE_MAX_NAME) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "qed image '%s': backing file name length %u exceeds %d",
                    name, h->backing_size, QV_PROBE_MAX_NAME);
        return false;
    }
    if ((uint64_t)h->backing_offset + h->backing_size > header_bytes) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "qed image '%s': backing file name (offset %u, length %u) lies outside the header (%" G_GUINT64_FORMAT " bytes)",
                    name, h->backing_offset, h->backing_size, header_bytes);
        return false;
    }
    buf = g_malloc0((gsize)h->backing_size + 1);
    if (!qv_reader_read_exact(r, h->backing_offset, buf, h->backing_size,
                              "qed backing file name", error))
        return false;
    /* a NUL ends the name early, as in QEMU's C string */
    if (buf[0] != '\0')
        info->backing_name = g_strdup(buf);
    /* QEMU reads the no-probe bit as "the backing file is raw" */
    if (h->features & QED_F_BACKING_FORMAT_NO_PROBE)
        info->backing_format = QV_FORMAT_RAW;
    return true;
}

static bool
qed_read(QvReader *r, QvProbeInfo *info, GError **error)
{
    uint8_t b[QED_HEADER_SIZE];
    QedHeader h;

    if (!qv_reader_read_exact(r, 0, b, sizeof(b), "qed header", error))
        return false;
    if (memcmp(b, QED_MAGIC, 4) != 0) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "qed image '%s': bad magic", qv_reader_name(r));
        return false;
    }
    h.cluster_size = qv_le32(b + 4);
    h.table_size = qv_le32(b + 8);
    h.header_size = qv_le32(b + 12);
    h.features = qv_le64(b + 16);
    h.image_size = qv_le64(b + 48);
    h.backing_offset = qv_le32(b + 56);
    h.backing_size = qv_le32(b + 60);

    if (!qed_check_header(r, &h, error))
        return false;

    info->format = QV_FORMAT_QED;
    info->capacity = h.image_size;
    info->capacity_known = true;
    if (!(h.features & QED_F_BACKING_FILE))
        return true;
    return qed_read_backing(r, &h, info, error);
}

bool
qv_probe_qed(QvReader *r, QvProbeInfo *info, GError **error)
{
    qv_probe_info_clear(info);
    if (!qed_read(r, info, error)) {
        qv_probe_info_clear(info);
        return false;
    }
    return true;
}
