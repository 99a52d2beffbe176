/*
 * qv-probe-qcow: header readers for qcow (v1) and qcow2 (v2 and v3).
 *
 * The checks follow QEMU's qcow_open() and qcow2_do_open(), so that an
 * image qvirt accepts is one QEMU opens, and one QEMU refuses is refused
 * here with a message that says why (see docs/interop/qcow2.txt).
 */
#include "storage/qv-probe.h"

#include <string.h>

#include "util/qv-error.h"

#define QCOW_MAGIC "QFI\xfb"

/* qcow v1 header: 48 bytes, big endian */
#define QCOW1_HEADER_SIZE 48

/* qcow2 header fields (big endian) */
#define QCOW2_V2_HEADER_SIZE 72
#define QCOW2_V3_HEADER_MIN 104
#define QCOW2_MIN_CLUSTER_BITS 9
#define QCOW2_MAX_CLUSTER_BITS 21

#define QCOW2_INCOMPAT_DIRTY        (1ULL << 0)
#define QCOW2_INCOMPAT_CORRUPT      (1ULL << 1)
#define QCOW2_INCOMPAT_DATA_FILE    (1ULL << 2)
#define QCOW2_INCOMPAT_COMPRESSION  (1ULL << 3)
#define QCOW2_INCOMPAT_EXTL2        (1ULL << 4)
#define QCOW2_INCOMPAT_KNOWN (QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_CORRUPT | \
                              QCOW2_INCOMPAT_DATA_FILE | \
                              QCOW2_INCOMPAT_COMPRESSION | QCOW2_INCOMPAT_EXTL2)
/* bit 0 is the bitmaps extension; data-file-raw is bit 1 (qcow2.txt) */
#define QCOW2_AUTOCLEAR_DATA_FILE_RAW (1ULL << 1)

#define QCOW2_EXT_END              0x00000000
#define QCOW2_EXT_BACKING_FORMAT   0xe2792acaU
#define QCOW2_EXT_DATA_FILE        0x44415441U

/* QEMU keeps the backing format in a 16 byte buffer */
#define QCOW2_MAX_FORMAT_NAME 15

bool
qv_probe_is_qcow(const uint8_t *buf, size_t len)
{
    return len >= 8 && memcmp(buf, QCOW_MAGIC, 4) == 0 &&
           qv_be32(buf + 4) == 1;
}

bool
qv_probe_is_qcow2(const uint8_t *buf, size_t len)
{
    /* as QEMU: any version from 2 on is qcow2, refused later if too new */
    return len >= 8 && memcmp(buf, QCOW_MAGIC, 4) == 0 &&
           qv_be32(buf + 4) >= 2;
}

/*
 * Read the string of @len bytes at @offset.  A NUL ends it early, as it
 * does for QEMU, which reads names into C strings.  Returns NULL with
 * *@out NULL for an empty name.
 */
static bool
qcow_read_name(QvReader *r, uint64_t offset, uint32_t len, const char *what,
               char **out, GError **error)
{
    g_autofree char *buf = g_malloc0((gsize)len + 1);

    *out = NULL;
    if (!qv_reader_read_exact(r, offset, buf, len, what, error))
        return false;
    if (buf[0] != '\0')
        *out = g_strdup(buf);
    return true;
}

/* ---- qcow v1 ---------------------------------------------------------- */

static bool
qcow1_read(QvReader *r, QvProbeInfo *info, GError **error)
{
    const char *name = qv_reader_name(r);
    uint8_t h[QCOW1_HEADER_SIZE];
    uint64_t backing_offset;
    uint32_t backing_size, crypt;
    uint8_t cluster_bits, l2_bits;

    if (!qv_reader_read_exact(r, 0, h, sizeof(h), "qcow header", error))
        return false;
    if (memcmp(h, QCOW_MAGIC, 4) != 0) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "qcow image '%s': bad magic", name);
        return false;
    }
    if (qv_be32(h + 4) != 1) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "qcow image '%s': version %u is not qcow version 1",
                    name, qv_be32(h + 4));
        return false;
    }

    backing_offset = qv_be64(h + 8);
    backing_size = qv_be32(h + 16);
    cluster_bits = h[32];
    l2_bits = h[33];
    crypt = qv_be32(h + 36);

    if (cluster_bits < 9 || cluster_bits > 16) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "qcow image '%s': cluster_bits %u is outside 9..16",
                    name, cluster_bits);
        return false;
    }
    if (l2_bits < 6 || l2_bits > 13) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "qcow image '%s': l2_bits %u is outside 6..13",
                    name, l2_bits);
        return false;
    }
    if (crypt > 1) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "qcow image '%s': unknown encryption method %u",
                    name, crypt);
        return false;
    }

    info->format = QV_FORMAT_QCOW;
    info->version = 1;
    info->capacity = qv_be64(h + 24);
    info->capacity_known = true;
    info->encrypted = crypt == 1;
    info->encryption = crypt == 1 ? "aes" : NULL;

    if (backing_offset == 0)
        return true;
    if (backing_size > QV_PROBE_MAX_NAME) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "qcow image '%s': backing file name length %u exceeds %d",
                    name, backing_size, QV_PROBE_MAX_NAME);
        return false;
    }
    return qcow_read_name(r, backing_offset, backing_size,
                          "qcow backing file name", &info->backing_name,
                          error);
}

bool
qv_probe_qcow(QvReader *r, QvProbeInfo *info, GError **error)
{
    qv_probe_info_clear(info);
    if (!qcow1_read(r, info, error)) {
        qv_probe_info_clear(info);
        return false;
    }
    return true;
}

/* ---- qcow2 ------------------------------------------------------------ */

typedef struct {
    uint32_t version;
    uint64_t backing_offset;
    uint32_t backing_size;
    uint32_t cluster_bits;
    uint64_t cluster_size;
    uint64_t size;
    uint32_t crypt;
    uint64_t incompat;
    uint64_t autoclear;
    uint32_t header_length;
} Qcow2Header;

static bool
qcow2_read_header(QvReader *r, Qcow2Header *hdr, GError **error)
{
    const char *name = qv_reader_name(r);
    uint8_t h[QCOW2_V3_HEADER_MIN];

    if (!qv_reader_read_exact(r, 0, h, QCOW2_V2_HEADER_SIZE, "qcow2 header",
                              error))
        return false;
    if (memcmp(h, QCOW_MAGIC, 4) != 0) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "qcow2 image '%s': bad magic", name);
        return false;
    }
    memset(hdr, 0, sizeof(*hdr));
    hdr->version = qv_be32(h + 4);
    if (hdr->version < 2 || hdr->version > 3) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "qcow2 image '%s': version %u is not supported (only 2 and 3)",
                    name, hdr->version);
        return false;
    }
    hdr->backing_offset = qv_be64(h + 8);
    hdr->backing_size = qv_be32(h + 16);
    hdr->cluster_bits = qv_be32(h + 20);
    hdr->size = qv_be64(h + 24);
    hdr->crypt = qv_be32(h + 32);
    hdr->header_length = QCOW2_V2_HEADER_SIZE;

    if (hdr->version == 3) {
        if (!qv_reader_read_exact(r, QCOW2_V2_HEADER_SIZE,
                                  h + QCOW2_V2_HEADER_SIZE,
                                  QCOW2_V3_HEADER_MIN - QCOW2_V2_HEADER_SIZE,
                                  "qcow2 version 3 header", error))
            return false;
        hdr->incompat = qv_be64(h + 72);
        hdr->autoclear = qv_be64(h + 88);
        hdr->header_length = qv_be32(h + 100);
    }
    return true;
}

static bool
qcow2_check_header(QvReader *r, Qcow2Header *hdr, GError **error)
{
    const char *name = qv_reader_name(r);

    if (hdr->cluster_bits < QCOW2_MIN_CLUSTER_BITS ||
        hdr->cluster_bits > QCOW2_MAX_CLUSTER_BITS) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "qcow2 image '%s': cluster_bits %u is outside %d..%d",
                    name, hdr->cluster_bits, QCOW2_MIN_CLUSTER_BITS,
                    QCOW2_MAX_CLUSTER_BITS);
        return false;
    }
    hdr->cluster_size = 1ULL << hdr->cluster_bits;

    if (hdr->version == 3 &&
        (hdr->header_length < QCOW2_V3_HEADER_MIN ||
         hdr->header_length > hdr->cluster_size)) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "qcow2 image '%s': header_length %u is outside %d..%" G_GUINT64_FORMAT,
                    name, hdr->header_length, QCOW2_V3_HEADER_MIN,
                    hdr->cluster_size);
        return false;
    }
    if (hdr->crypt > 2) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "qcow2 image '%s': unknown encryption method %u",
                    name, hdr->crypt);
        return false;
    }
    if (hdr->backing_offset == 0)
        return true;
    /* the name must lie in the first cluster, as QEMU requires */
    if (hdr->backing_offset > hdr->cluster_size) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "qcow2 image '%s': backing file name offset %" G_GUINT64_FORMAT " is outside the first cluster (%" G_GUINT64_FORMAT " bytes)",
                    name, hdr->backing_offset, hdr->cluster_size);
        return false;
    }
    if (hdr->backing_size > QV_PROBE_MAX_NAME) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "qcow2 image '%s': backing file name length %u exceeds %d",
                    name, hdr->backing_size, QV_PROBE_MAX_NAME);
        return false;
    }
    if (hdr->backing_size > hdr->cluster_size - hdr->backing_offset) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "qcow2 image '%s': backing file name (offset %" G_GUINT64_FORMAT ", length %u) runs past the first cluster",
                    name, hdr->backing_offset, hdr->backing_size);
        return false;
    }
    if (hdr->backing_offset < hdr->header_length) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "qcow2 image '%s': backing file name offset %" G_GUINT64_FORMAT " overlaps the header (%u bytes)",
                    name, hdr->backing_offset, hdr->header_length);
        return false;
    }
    return true;
}

static bool
qcow2_ext_backing_format(QvReader *r, uint64_t offset, uint32_t len,
                         QvProbeInfo *info, GError **error)
{
    const char *name = qv_reader_name(r);
    g_autofree char *fmt = NULL;
    int f;

    if (len > QCOW2_MAX_FORMAT_NAME) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "qcow2 image '%s': backing format name length %u exceeds %d",
                    name, len, QCOW2_MAX_FORMAT_NAME);
        return false;
    }
    if (!qcow_read_name(r, offset, len, "qcow2 backing format extension",
                        &fmt, error))
        return false;
    if (!fmt)
        return true;
    f = qv_format_from_string(fmt);
    /* an unknown name must not turn into "not given", which would let
     * the backing file be guessed */
    if (f <= QV_FORMAT_NONE || f >= QV_FORMAT_LAST) {
        g_autofree char *shown = g_strescape(fmt, NULL);
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "qcow2 image '%s': backing format '%s' is not supported",
                    name, shown);
        return false;
    }
    info->backing_format = (QvFormat)f;
    return true;
}

static bool
qcow2_ext_data_file(QvReader *r, uint64_t offset, uint32_t len,
                    QvProbeInfo *info, GError **error)
{
    g_clear_pointer(&info->data_file, g_free);
    return qcow_read_name(r, offset, len, "qcow2 data file extension",
                          &info->data_file, error);
}

/*
 * Walk the header extensions between the header and @end (the backing
 * file name, or the end of the first cluster), as qcow2_read_extensions()
 * does.  Only the backing format and the data file name matter here.
 */
static bool
qcow2_read_extensions(QvReader *r, const Qcow2Header *hdr, QvProbeInfo *info,
                      GError **error)
{
    const char *name = qv_reader_name(r);
    uint64_t end = hdr->backing_offset ? hdr->backing_offset : hdr->cluster_size;
    uint64_t offset = hdr->header_length;

    while (offset < end) {
        uint8_t ext[8];
        uint32_t type, len;

        if (!qv_reader_read_exact(r, offset, ext, sizeof(ext),
                                  "qcow2 header extension", error))
            return false;
        type = qv_be32(ext);
        len = qv_be32(ext + 4);
        offset += sizeof(ext);
        if (offset > end || len > end - offset) {
            g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                        "qcow2 image '%s': header extension 0x%08x at offset %" G_GUINT64_FORMAT " with length %u runs past the end of the extension area (%" G_GUINT64_FORMAT ")",
                        name, type, offset - sizeof(ext), len, end);
            return false;
        }

        switch (type) {
        case QCOW2_EXT_END:
            return true;
        case QCOW2_EXT_BACKING_FORMAT:
            if (!qcow2_ext_backing_format(r, offset, len, info, error))
                return false;
            break;
        case QCOW2_EXT_DATA_FILE:
            if (!qcow2_ext_data_file(r, offset, len, info, error))
                return false;
            break;
        }
        /* len <= end - offset and end <= 2 MiB: no overflow */
        offset += ((uint64_t)len + 7) & ~7ULL;
    }
    return true;
}

static bool
qcow2_read(QvReader *r, QvProbeInfo *info, GError **error)
{
    const char *name = qv_reader_name(r);
    Qcow2Header hdr;

    if (!qcow2_read_header(r, &hdr, error) ||
        !qcow2_check_header(r, &hdr, error))
        return false;

    info->format = QV_FORMAT_QCOW2;
    info->version = hdr.version;
    info->capacity = hdr.size;
    info->capacity_known = true;
    info->encrypted = hdr.crypt != 0;
    info->encryption = hdr.crypt == 1 ? "aes" : hdr.crypt == 2 ? "luks" : NULL;
    info->incompat_unknown = hdr.incompat & ~QCOW2_INCOMPAT_KNOWN;

    if (!qcow2_read_extensions(r, &hdr, info, error))
        return false;

    /* QEMU ignores the data file name unless the feature bit is set */
    if (!(hdr.incompat & QCOW2_INCOMPAT_DATA_FILE)) {
        g_clear_pointer(&info->data_file, g_free);
        if (hdr.autoclear & QCOW2_AUTOCLEAR_DATA_FILE_RAW) {
            g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                        "qcow2 image '%s': data-file-raw is set but the image has no external data file",
                        name);
            return false;
        }
    }
    info->data_file_raw = (hdr.autoclear & QCOW2_AUTOCLEAR_DATA_FILE_RAW) != 0;

    if (hdr.backing_offset == 0)
        return true;
    return qcow_read_name(r, hdr.backing_offset, hdr.backing_size,
                          "qcow2 backing file name", &info->backing_name,
                          error);
}

bool
qv_probe_qcow2(QvReader *r, QvProbeInfo *info, GError **error)
{
    qv_probe_info_clear(info);
    if (!qcow2_read(r, info, error)) {
        qv_probe_info_clear(info);
        return false;
    }
    return true;
}
