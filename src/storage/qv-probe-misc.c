/*
 * qv-probe-misc: header readers for vdi, vpc, vhdx and luks.
 *
 * None of these formats can name a backing file that QEMU would follow:
 * the readers only find the capacity and refuse what QEMU cannot open
 * (differencing vpc, vhdx and vdi images) with QV_ERR_UNSUPPORTED.
 */
#include "storage/qv-probe.h"

#include <string.h>

#include "util/qv-error.h"

/* ---- vdi -------------------------------------------------------------- */

#define VDI_SIGNATURE 0xbeda107fU
#define VDI_VERSION_1_1 0x00010001U
#define VDI_HEADER_SIZE 512
#define VDI_BLOCK_SIZE (1024 * 1024)
#define VDI_BLOCKS_MAX 0x3fffffffU

bool
qv_probe_is_vdi(const uint8_t *buf, size_t len)
{
    /* QEMU wants a whole header before it looks */
    return len >= VDI_HEADER_SIZE && qv_le32(buf + 0x40) == VDI_SIGNATURE;
}

static bool
vdi_uuid_is_null(const uint8_t *u)
{
    static const uint8_t zero[16];

    return memcmp(u, zero, sizeof(zero)) == 0;
}

static bool
vdi_read(QvReader *r, QvProbeInfo *info, GError **error)
{
    const char *name = qv_reader_name(r);
    uint8_t h[VDI_HEADER_SIZE];
    uint32_t version, sector_size, block_size, blocks;
    uint64_t disk_size;

    if (!qv_reader_read_exact(r, 0, h, sizeof(h), "vdi header", error))
        return false;
    if (qv_le32(h + 0x40) != VDI_SIGNATURE) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "vdi image '%s': bad signature", name);
        return false;
    }
    version = qv_le32(h + 0x44);
    if (version != VDI_VERSION_1_1) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "vdi image '%s': version %u.%u is not supported (only 1.1)",
                    name, version >> 16, version & 0xffff);
        return false;
    }
    sector_size = qv_le32(h + 0x168);
    disk_size = qv_le64(h + 0x170);
    block_size = qv_le32(h + 0x178);
    blocks = qv_le32(h + 0x180);
    if (sector_size != 512 || block_size != VDI_BLOCK_SIZE) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "vdi image '%s': sector size %u and block size %u are not supported (512 and 1 MiB)",
                    name, sector_size, block_size);
        return false;
    }
    if (blocks > VDI_BLOCKS_MAX ||
        disk_size > (uint64_t)blocks * VDI_BLOCK_SIZE) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "vdi image '%s': disk size %" G_GUINT64_FORMAT " does not fit in %u blocks",
                    name, disk_size, blocks);
        return false;
    }
    if (!vdi_uuid_is_null(h + 0x1a8) || !vdi_uuid_is_null(h + 0x1b8)) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "vdi image '%s': differencing images (with a parent or link UUID) are not supported by QEMU",
                    name);
        return false;
    }

    info->format = QV_FORMAT_VDI;
    info->version = version >> 16;
    /* as QEMU: sizes from 'VBoxManage convertfromraw' may be unaligned;
     * the bound above keeps the rounding from overflowing */
    info->capacity = (disk_size + 511) & ~511ULL;
    info->capacity_known = true;
    return true;
}

bool
qv_probe_vdi(QvReader *r, QvProbeInfo *info, GError **error)
{
    qv_probe_info_clear(info);
    if (!vdi_read(r, info, error)) {
        qv_probe_info_clear(info);
        return false;
    }
    return true;
}

/* ---- vpc (VHD) -------------------------------------------------------- */

#define VPC_COOKIE "conectix"
#define VPC_FOOTER_SIZE 512
#define VPC_DYN_HEADER_SIZE 1024
#define VPC_TYPE_FIXED 2
#define VPC_TYPE_DYNAMIC 3
#define VPC_TYPE_DIFF 4
#define VPC_MAX_GEOMETRY (65535ULL * 16 * 255)

bool
qv_probe_is_vpc(const uint8_t *buf, size_t len)
{
    /* Only the copy of the footer at offset 0 (dynamic images), as QEMU:
     * a fixed image is raw data with a footer the guest could have
     * written, so it is never guessed */
    return len >= 8 && memcmp(buf, VPC_COOKIE, 8) == 0;
}

static uint32_t
vpc_checksum(const uint8_t *footer)
{
    uint32_t sum = 0;
    size_t i;

    for (i = 0; i < VPC_FOOTER_SIZE; i++) {
        if (i < 64 || i >= 68)   /* the checksum field counts as zero */
            sum += footer[i];
    }
    return ~sum;
}

static bool
vpc_read_footer(QvReader *r, uint8_t *f, GError **error)
{
    uint64_t size = qv_reader_size(r);

    if (!qv_reader_read_exact(r, 0, f, VPC_FOOTER_SIZE, "vpc footer", error))
        return false;
    if (memcmp(f, VPC_COOKIE, 8) == 0)
        return true;
    /* a fixed image has its footer only at the end */
    if (!qv_reader_read_exact(r, size - VPC_FOOTER_SIZE, f, VPC_FOOTER_SIZE,
                              "vpc footer", error))
        return false;
    if (memcmp(f, VPC_COOKIE, 8) != 0) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "vpc image '%s': no 'conectix' footer at the start or the end",
                    qv_reader_name(r));
        return false;
    }
    return true;
}

/* QEMU trusts the CHS geometry over current_size for the creators that
 * size images that way (Virtual PC and older QEMU) */
static uint64_t
vpc_capacity(const uint8_t *f)
{
    uint64_t chs = (uint64_t)qv_be16(f + 56) * f[58] * f[59];
    bool use_chs = memcmp(f + 28, "vpc ", 4) == 0 ||
                   memcmp(f + 28, "qemu", 4) == 0;

    if (use_chs && chs != VPC_MAX_GEOMETRY)
        return chs * 512;
    return qv_be64(f + 48) / 512 * 512;
}

static bool
vpc_check_dynamic(QvReader *r, const uint8_t *f, GError **error)
{
    uint64_t off = qv_be64(f + 16);
    uint8_t cookie[8];

    if (!qv_reader_read_exact(r, off, cookie, sizeof(cookie),
                              "vpc dynamic disk header", error))
        return false;
    if (memcmp(cookie, "cxsparse", 8) != 0) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "vpc image '%s': dynamic disk header at offset %" G_GUINT64_FORMAT " has no 'cxsparse' cookie",
                    qv_reader_name(r), off);
        return false;
    }
    return true;
}

static bool
vpc_read(QvReader *r, QvProbeInfo *info, GError **error)
{
    const char *name = qv_reader_name(r);
    uint8_t f[VPC_FOOTER_SIZE];
    uint32_t type;

    if (!vpc_read_footer(r, f, error))
        return false;
    if (vpc_checksum(f) != qv_be32(f + 64)) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "vpc image '%s': footer checksum 0x%08x does not match 0x%08x",
                    name, qv_be32(f + 64), vpc_checksum(f));
        return false;
    }
    type = qv_be32(f + 60);
    if (type == VPC_TYPE_DIFF) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "vpc image '%s': differencing images are not supported by QEMU",
                    name);
        return false;
    }
    if (type != VPC_TYPE_FIXED && type != VPC_TYPE_DYNAMIC) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "vpc image '%s': unknown disk type %u", name, type);
        return false;
    }
    if (type == VPC_TYPE_DYNAMIC && !vpc_check_dynamic(r, f, error))
        return false;

    info->format = QV_FORMAT_VPC;
    info->version = qv_be32(f + 12) >> 16;
    info->capacity = vpc_capacity(f);
    info->capacity_known = true;
    return true;
}

bool
qv_probe_vpc(QvReader *r, QvProbeInfo *info, GError **error)
{
    qv_probe_info_clear(info);
    if (!vpc_read(r, info, error)) {
        qv_probe_info_clear(info);
        return false;
    }
    return true;
}

/* ---- vhdx ------------------------------------------------------------- */

#define VHDX_HEADER1 (64 * 1024)
#define VHDX_HEADER2 (128 * 1024)
#define VHDX_REGION1 (192 * 1024)
#define VHDX_REGION2 (256 * 1024)
#define VHDX_TABLE_SIZE (64 * 1024)
#define VHDX_MAX_ENTRIES 2047
#define VHDX_ENTRY_SIZE 32
#define VHDX_PARAMS_HAS_PARENT 0x2

/* GUIDs as stored: the first three fields little endian */
static const uint8_t vhdx_metadata_guid[16] = {
    0x06, 0xa2, 0x7c, 0x8b, 0x90, 0x47, 0x9a, 0x4b,
    0xb8, 0xfe, 0x57, 0x5f, 0x05, 0x0f, 0x88, 0x6e };
static const uint8_t vhdx_disk_size_guid[16] = {
    0x24, 0x42, 0xa5, 0x2f, 0x1b, 0xcd, 0x76, 0x48,
    0xb2, 0x11, 0x5d, 0xbe, 0xd8, 0x3b, 0xf4, 0xb8 };
static const uint8_t vhdx_file_params_guid[16] = {
    0x37, 0x67, 0xa1, 0xca, 0x36, 0xfa, 0x43, 0x4d,
    0xb3, 0xb6, 0x33, 0xf0, 0xaa, 0x44, 0xe7, 0x6b };

bool
qv_probe_is_vhdx(const uint8_t *buf, size_t len)
{
    return len >= 8 && memcmp(buf, "vhdxfile", 8) == 0;
}

/* The version from the current header: the valid one with the higher
 * sequence number */
static bool
vhdx_read_version(QvReader *r, unsigned int *version, GError **error)
{
    uint8_t h1[68], h2[68];
    bool ok1, ok2;

    if (!qv_reader_read_exact(r, VHDX_HEADER1, h1, sizeof(h1),
                              "vhdx header 1", error) ||
        !qv_reader_read_exact(r, VHDX_HEADER2, h2, sizeof(h2),
                              "vhdx header 2", error))
        return false;
    ok1 = memcmp(h1, "head", 4) == 0;
    ok2 = memcmp(h2, "head", 4) == 0;
    if (!ok1 && !ok2) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "vhdx image '%s': no valid header", qv_reader_name(r));
        return false;
    }
    if (ok1 && (!ok2 || qv_le64(h1 + 8) >= qv_le64(h2 + 8)))
        *version = qv_le16(h1 + 66);
    else
        *version = qv_le16(h2 + 66);
    return true;
}

/* Find the metadata region in a region table: its offset and length */
static bool
vhdx_find_metadata_region(QvReader *r, uint64_t *off, uint32_t *len,
                          GError **error)
{
    const char *name = qv_reader_name(r);
    g_autofree uint8_t *t = g_malloc(VHDX_TABLE_SIZE);
    uint32_t count, i;

    if (!qv_reader_read_exact(r, VHDX_REGION1, t, VHDX_TABLE_SIZE,
                              "vhdx region table", error))
        return false;
    if (memcmp(t, "regi", 4) != 0 &&
        (!qv_reader_read_exact(r, VHDX_REGION2, t, VHDX_TABLE_SIZE,
                               "vhdx region table 2", error) ||
         memcmp(t, "regi", 4) != 0)) {
        if (error && !*error)
            g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                        "vhdx image '%s': no valid region table", name);
        return false;
    }
    count = qv_le32(t + 8);
    if (count > VHDX_MAX_ENTRIES) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "vhdx image '%s': region table has %u entries (at most %d)",
                    name, count, VHDX_MAX_ENTRIES);
        return false;
    }
    for (i = 0; i < count; i++) {
        const uint8_t *e = t + 16 + (size_t)i * VHDX_ENTRY_SIZE;
        if (memcmp(e, vhdx_metadata_guid, 16) != 0)
            continue;
        *off = qv_le64(e + 16);
        *len = qv_le32(e + 24);
        if (*off > qv_reader_size(r) || *len > qv_reader_size(r) - *off ||
            *len < VHDX_TABLE_SIZE) {
            g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                        "vhdx image '%s': metadata region (offset %" G_GUINT64_FORMAT ", length %u) lies outside the image",
                        name, *off, *len);
            return false;
        }
        return true;
    }
    g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                "vhdx image '%s': region table has no metadata region", name);
    return false;
}

/* Read @n bytes of the item an entry @e of the metadata table describes */
static bool
vhdx_read_item(QvReader *r, uint64_t region, uint32_t region_len,
               const uint8_t *e, uint8_t *buf, uint32_t n, GError **error)
{
    uint32_t off = qv_le32(e + 16);
    uint32_t len = qv_le32(e + 20);

    if (len < n || off > region_len || len > region_len - off) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "vhdx image '%s': metadata item (offset %u, length %u) lies outside the metadata region (%u bytes)",
                    qv_reader_name(r), off, len, region_len);
        return false;
    }
    return qv_reader_read_exact(r, region + off, buf, n, "vhdx metadata item",
                                error);
}

static bool
vhdx_read_metadata(QvReader *r, uint64_t region, uint32_t region_len,
                   QvProbeInfo *info, GError **error)
{
    const char *name = qv_reader_name(r);
    g_autofree uint8_t *t = g_malloc(VHDX_TABLE_SIZE);
    uint32_t count, i;
    uint8_t item[8];

    /* the region was checked to hold at least the table */
    if (!qv_reader_read_exact(r, region, t, VHDX_TABLE_SIZE,
                              "vhdx metadata table", error))
        return false;
    count = qv_le16(t + 10);
    if (memcmp(t, "metadata", 8) != 0 || count > VHDX_MAX_ENTRIES) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "vhdx image '%s': bad metadata table at offset %" G_GUINT64_FORMAT,
                    name, region);
        return false;
    }
    for (i = 0; i < count; i++) {
        const uint8_t *e = t + 32 + (size_t)i * VHDX_ENTRY_SIZE;

        if (memcmp(e, vhdx_disk_size_guid, 16) == 0) {
            if (!vhdx_read_item(r, region, region_len, e, item, 8, error))
                return false;
            info->capacity = qv_le64(item);
            info->capacity_known = true;
        } else if (memcmp(e, vhdx_file_params_guid, 16) == 0) {
            if (!vhdx_read_item(r, region, region_len, e, item, 8, error))
                return false;
            if (qv_le32(item + 4) & VHDX_PARAMS_HAS_PARENT) {
                g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                            "vhdx image '%s': differencing images are not supported by QEMU",
                            name);
                return false;
            }
        }
    }
    if (!info->capacity_known) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "vhdx image '%s': metadata has no virtual disk size", name);
        return false;
    }
    return true;
}

static bool
vhdx_read(QvReader *r, QvProbeInfo *info, GError **error)
{
    uint8_t id[8];
    uint64_t region = 0;
    uint32_t region_len = 0;
    unsigned int version = 0;

    if (!qv_reader_read_exact(r, 0, id, sizeof(id), "vhdx file identifier",
                              error))
        return false;
    if (!qv_probe_is_vhdx(id, sizeof(id))) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "vhdx image '%s': bad file identifier", qv_reader_name(r));
        return false;
    }
    if (!vhdx_read_version(r, &version, error) ||
        !vhdx_find_metadata_region(r, &region, &region_len, error) ||
        !vhdx_read_metadata(r, region, region_len, info, error))
        return false;
    info->format = QV_FORMAT_VHDX;
    info->version = version;
    return true;
}

bool
qv_probe_vhdx(QvReader *r, QvProbeInfo *info, GError **error)
{
    qv_probe_info_clear(info);
    if (!vhdx_read(r, info, error)) {
        qv_probe_info_clear(info);
        return false;
    }
    return true;
}

/* ---- luks ------------------------------------------------------------- */

#define LUKS_MAGIC "LUKS\xba\xbe"
#define LUKS1_HEADER_SIZE 592
#define LUKS2_BIN_SIZE 4096
#define LUKS2_MIN_HDR (16 * 1024)
#define LUKS2_MAX_HDR (4 * 1024 * 1024)

bool
qv_probe_is_luks(const uint8_t *buf, size_t len)
{
    uint16_t v;

    if (len < 8 || memcmp(buf, LUKS_MAGIC, 6) != 0)
        return false;
    v = qv_be16(buf + 6);
    return v == 1 || v == 2;
}

static bool
luks1_read(QvReader *r, QvProbeInfo *info, GError **error)
{
    uint8_t h[LUKS1_HEADER_SIZE];
    uint64_t payload;

    if (!qv_reader_read_exact(r, 0, h, sizeof(h), "luks header", error))
        return false;
    payload = (uint64_t)qv_be32(h + 104) * 512;
    if (payload < LUKS1_HEADER_SIZE || payload > qv_reader_size(r)) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "luks image '%s': payload offset %" G_GUINT64_FORMAT " is outside %d..%" G_GUINT64_FORMAT,
                    qv_reader_name(r), payload, LUKS1_HEADER_SIZE,
                    qv_reader_size(r));
        return false;
    }
    info->capacity = qv_reader_size(r) - payload;
    info->capacity_known = true;
    return true;
}

/*
 * LUKS2 keeps its segments in a JSON area after the binary header.  Only
 * a few keys are needed, so this is a small scanner over a bounded,
 * NUL-terminated buffer rather than a JSON library: it walks the keys of
 * one object at its own level and skips values without recursion.
 */
static const char *
json_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* @p at an opening quote: the position after the closing one, or NULL */
static const char *
json_skip_string(const char *p, const char *end)
{
    for (p++; p < end; p++) {
        if (*p == '\\' && p + 1 < end)
            p++;
        else if (*p == '"')
            return p + 1;
    }
    return NULL;
}

static const char *
json_skip_value(const char *p, const char *end)
{
    size_t depth = 0;

    if (p < end && *p == '"')
        return json_skip_string(p, end);
    if (p < end && *p != '{' && *p != '[') {
        while (p < end && !strchr(",}] \t\r\n", *p))
            p++;
        return p;
    }
    while (p < end) {
        if (*p == '"') {
            if (!(p = json_skip_string(p, end)))
                return NULL;
            continue;
        }
        if (*p == '{' || *p == '[')
            depth++;
        else if ((*p == '}' || *p == ']') && --depth == 0)
            return p + 1;
        p++;
    }
    return NULL;
}

/* The value of @key in the object at @obj, or NULL */
static const char *
json_get(const char *obj, const char *end, const char *key)
{
    size_t klen = strlen(key);
    const char *p = json_ws(obj, end);

    if (p >= end || *p != '{')
        return NULL;
    p++;
    for (;;) {
        const char *k, *kend;

        p = json_ws(p, end);
        if (p >= end || *p != '"')
            return NULL;
        k = p + 1;
        if (!(kend = json_skip_string(p, end)))
            return NULL;
        p = json_ws(kend, end);
        if (p >= end || *p != ':')
            return NULL;
        p = json_ws(p + 1, end);
        if ((size_t)(kend - 1 - k) == klen && memcmp(k, key, klen) == 0)
            return p;
        if (!(p = json_skip_value(p, end)))
            return NULL;
        p = json_ws(p, end);
        if (p >= end || *p != ',')
            return NULL;
        p++;
    }
}

/* A LUKS2 number: a string of decimal digits */
static bool
json_get_u64(const char *obj, const char *end, const char *key,
             uint64_t *out)
{
    const char *v = json_get(obj, end, key);
    const char *close;
    g_autofree char *digits = NULL;
    guint64 n;

    if (!v || *v != '"' || !(close = json_skip_string(v, end)))
        return false;
    digits = g_strndup(v + 1, (gsize)(close - v - 2));
    if (!g_ascii_isdigit(digits[0]) ||
        !g_ascii_string_to_unsigned(digits, 10, 0, G_MAXUINT64, &n, NULL))
        return false;
    *out = n;
    return true;
}

static bool
luks2_read(QvReader *r, QvProbeInfo *info, GError **error)
{
    const char *name = qv_reader_name(r);
    uint64_t size = qv_reader_size(r);
    uint8_t h[16];
    uint64_t hdr_size, offset = 0, seg_size = 0;
    g_autofree char *json = NULL;
    const char *end, *seg = NULL;
    size_t len;

    if (!qv_reader_read_exact(r, 0, h, sizeof(h), "luks2 header", error))
        return false;
    hdr_size = qv_be64(h + 8);
    if (hdr_size < LUKS2_MIN_HDR || hdr_size > LUKS2_MAX_HDR) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "luks image '%s': header size %" G_GUINT64_FORMAT " is outside %d..%d",
                    name, hdr_size, LUKS2_MIN_HDR, LUKS2_MAX_HDR);
        return false;
    }
    len = (size_t)(hdr_size - LUKS2_BIN_SIZE);
    json = g_malloc(len + 1);
    if (!qv_reader_read_exact(r, LUKS2_BIN_SIZE, json, len, "luks2 json area",
                              error))
        return false;
    json[len] = '\0';
    end = json + strlen(json);

    seg = json_get(json, end, "segments");
    if (seg)
        seg = json_get(seg, end, "0");
    if (!seg || !json_get_u64(seg, end, "offset", &offset) ||
        offset > size) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "luks image '%s': no valid data segment offset in the json area",
                    name);
        return false;
    }
    /* "size" is either a number or "dynamic": up to the end of the file */
    if (!json_get_u64(seg, end, "size", &seg_size))
        seg_size = size - offset;
    info->capacity = seg_size;
    info->capacity_known = true;
    return true;
}

static bool
luks_read(QvReader *r, QvProbeInfo *info, GError **error)
{
    uint8_t h[8];
    uint16_t version;

    if (!qv_reader_read_exact(r, 0, h, sizeof(h), "luks header", error))
        return false;
    if (!qv_probe_is_luks(h, sizeof(h))) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "luks image '%s': bad magic or version %u",
                    qv_reader_name(r), qv_be16(h + 6));
        return false;
    }
    version = qv_be16(h + 6);
    if (!(version == 1 ? luks1_read(r, info, error)
                       : luks2_read(r, info, error)))
        return false;
    info->format = QV_FORMAT_LUKS;
    info->version = version;
    info->encrypted = true;
    info->encryption = "luks";
    return true;
}

bool
qv_probe_luks(QvReader *r, QvProbeInfo *info, GError **error)
{
    qv_probe_info_clear(info);
    if (!luks_read(r, info, error)) {
        qv_probe_info_clear(info);
        return false;
    }
    return true;
}
