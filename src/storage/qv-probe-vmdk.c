/*
 * qv-probe-vmdk: VMDK sparse extent headers and text descriptors.
 *
 * A VMDK image is either a sparse extent ("KDMV", or the older "COWD")
 * that may embed a text descriptor, or a text descriptor file that lists
 * its extents.  The descriptor names the parent (parentFileNameHint),
 * which QEMU always opens as vmdk.  The text is capped in size and parsed
 * line by line; nothing in it is trusted to be terminated or well formed.
 */
#include "storage/qv-probe.h"

#include <string.h>

#include "util/qv-error.h"

#define VMDK4_MAGIC "KDMV"
#define VMDK3_MAGIC "COWD"
#define VMDK_SECTOR 512ULL
#define VMDK4_HEADER_SIZE 79      /* magic + packed VMDK4Header */
#define VMDK4_GD_AT_END 0xffffffffffffffffULL
#define VMDK_FOOTER_SIZE 1536     /* footer marker, footer, end marker */
#define VMDK_MARKER_FOOTER 3

/* QEMU reads at most this much of a descriptor */
#define VMDK_MAX_DESC (1024 * 1024)

/* QEMU's probe buffer: the text check sees no more than this */
#define VMDK_PROBE_BYTES 512

/* What a descriptor says that the probe keeps */
typedef struct {
    unsigned int version;
    char *create_type;
    char *parent_hint;
    uint64_t sectors;         /* sum of the extents */
    bool have_extents;
} VmdkDesc;

static void
vmdk_desc_clear(VmdkDesc *d)
{
    g_free(d->create_type);
    g_free(d->parent_hint);
    memset(d, 0, sizeof(*d));
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VmdkDesc, vmdk_desc_clear)

static bool
vmdk_text_version_line(const char *p, const char *end)
{
    static const char *const lines[] = {
        "version=1\n", "version=2\n", "version=3\n",
        "version=1\r\n", "version=2\r\n", "version=3\r\n",
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(lines); i++) {
        size_t n = strlen(lines[i]);
        if ((size_t)(end - p) >= n && memcmp(p, lines[i], n) == 0)
            return true;
    }
    return false;
}

bool
qv_probe_is_vmdk(const uint8_t *buf, size_t len)
{
    const char *p = (const char *)buf;
    const char *end;

    if (len >= 4 && (memcmp(buf, VMDK4_MAGIC, 4) == 0 ||
                     memcmp(buf, VMDK3_MAGIC, 4) == 0))
        return true;

    /* As QEMU's vmdk_probe(): comments and blank lines, then a version
     * line.  Anything else is not a descriptor, so that a guest's data
     * does not turn into one easily. */
    end = p + MIN(len, (size_t)VMDK_PROBE_BYTES);
    while (p < end) {
        if (*p == '#') {
            while (p < end && *p != '\n')
                p++;
            p++;
            continue;
        }
        if (*p == ' ') {
            while (p < end && *p == ' ')
                p++;
            if (p < end && *p == '\r')
                p++;
            if (p == end || *p != '\n')
                return false;
            p++;
            continue;
        }
        return vmdk_text_version_line(p, end);
    }
    return false;
}

/* "value" or value, trimmed; NULL when the quotes do not close */
static char *
vmdk_unquote(const char *v)
{
    size_t n = strlen(v);

    if (n > 0 && v[0] == '"') {
        const char *close = strchr(v + 1, '"');
        if (!close)
            return NULL;
        return g_strndup(v + 1, (gsize)(close - v - 1));
    }
    return g_strdup(v);
}

static bool
vmdk_parse_u64(const char *s, uint64_t *out)
{
    guint64 v;

    if (!g_ascii_isdigit(s[0]) ||
        !g_ascii_string_to_unsigned(s, 10, 0, G_MAXUINT64, &v, NULL))
        return false;
    *out = v;
    return true;
}

/* RW 20480 SPARSE "file.vmdk" [offset]: only the size counts here */
static bool
vmdk_parse_extent(QvReader *r, const char *line, VmdkDesc *d, GError **error)
{
    static const char *const types[] = {
        "FLAT", "SPARSE", "ZERO", "VMFS", "VMFSSPARSE", "VMFSRDM",
        "VMFSRAW", "SESPARSE",
    };
    g_auto(GStrv) all = g_strsplit_set(line, " \t", -1);
    const char *tok[3] = { NULL, NULL, NULL };
    size_t ntok = 0;
    uint64_t sectors = 0;
    bool known = false;
    size_t i;

    /* runs of blanks separate fields, as with QEMU's sscanf() */
    for (i = 0; all[i] && ntok < G_N_ELEMENTS(tok); i++) {
        if (all[i][0] != '\0')
            tok[ntok++] = all[i];
    }
    if (ntok < 3 || !vmdk_parse_u64(tok[1], &sectors) || sectors == 0) {
        g_autofree char *shown = g_strescape(line, NULL);
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "vmdk image '%s': invalid extent line '%s'",
                    qv_reader_name(r), shown);
        return false;
    }
    for (i = 0; i < G_N_ELEMENTS(types); i++)
        known = known || strcmp(tok[2], types[i]) == 0;
    if (!known) {
        g_autofree char *shown = g_strescape(tok[2], NULL);
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "vmdk image '%s': unsupported extent type '%s'",
                    qv_reader_name(r), shown);
        return false;
    }
    if (sectors > G_MAXUINT64 / VMDK_SECTOR - d->sectors) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "vmdk image '%s': extent sizes overflow",
                    qv_reader_name(r));
        return false;
    }
    d->sectors += sectors;
    d->have_extents = true;
    return true;
}

static bool
vmdk_parse_keyval(QvReader *r, const char *line, VmdkDesc *d, GError **error)
{
    const char *eq = strchr(line, '=');
    g_autofree char *key = NULL;
    g_autofree char *raw = NULL;
    g_autofree char *val = NULL;

    if (!eq)
        return true;     /* not ours to judge: QEMU ignores such lines */
    key = g_strstrip(g_strndup(line, (gsize)(eq - line)));
    raw = g_strstrip(g_strdup(eq + 1));
    val = vmdk_unquote(raw);
    if (!val) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "vmdk image '%s': unterminated quote in descriptor field '%s'",
                    qv_reader_name(r), key);
        return false;
    }

    if (strcmp(key, "version") == 0) {
        uint64_t v = 0;
        if (!vmdk_parse_u64(val, &v) || v == 0 || v > 3) {
            g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                        "vmdk image '%s': descriptor version '%s' is not supported",
                        qv_reader_name(r), val);
            return false;
        }
        d->version = (unsigned int)v;
    } else if (strcmp(key, "createType") == 0) {
        g_free(d->create_type);
        d->create_type = g_steal_pointer(&val);
    } else if (strcmp(key, "parentFileNameHint") == 0) {
        if (strlen(val) > QV_PROBE_MAX_NAME) {
            g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                        "vmdk image '%s': parentFileNameHint length %zu exceeds %d",
                        qv_reader_name(r), strlen(val), QV_PROBE_MAX_NAME);
            return false;
        }
        g_free(d->parent_hint);
        d->parent_hint = val[0] ? g_steal_pointer(&val) : NULL;
    }
    return true;
}

/* Parse @len bytes of descriptor text; a NUL ends the text, as in QEMU */
static bool
vmdk_parse_desc(QvReader *r, const char *text, size_t len, VmdkDesc *d,
                GError **error)
{
    g_autofree char *copy = g_strndup(text, len);
    g_auto(GStrv) lines = g_strsplit_set(copy, "\r\n", -1);
    size_t i;

    for (i = 0; lines[i]; i++) {
        char *line = g_strstrip(lines[i]);

        if (line[0] == '\0' || line[0] == '#')
            continue;
        if (g_str_has_prefix(line, "RW ") || g_str_has_prefix(line, "RDONLY ") ||
            g_str_has_prefix(line, "NOACCESS ")) {
            if (!vmdk_parse_extent(r, line, d, error))
                return false;
        } else if (!vmdk_parse_keyval(r, line, d, error)) {
            return false;
        }
    }
    return true;
}

static bool
vmdk_read_desc(QvReader *r, uint64_t offset, uint64_t len, VmdkDesc *d,
               GError **error)
{
    g_autofree char *buf = NULL;

    if (len > VMDK_MAX_DESC) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "vmdk image '%s': descriptor size %" G_GUINT64_FORMAT " exceeds %d bytes",
                    qv_reader_name(r), len, VMDK_MAX_DESC);
        return false;
    }
    buf = g_malloc((gsize)len + 1);
    if (!qv_reader_read_exact(r, offset, buf, (size_t)len, "vmdk descriptor",
                              error))
        return false;
    buf[len] = '\0';
    return vmdk_parse_desc(r, buf, (size_t)len, d, error);
}

static bool
vmdk_check_text_type(QvReader *r, const VmdkDesc *d, GError **error)
{
    /* the types QEMU opens from a separate descriptor file */
    static const char *const ok[] = {
        "monolithicFlat", "vmfs", "vmfsSparse", "seSparse",
        "twoGbMaxExtentSparse", "twoGbMaxExtentFlat",
    };
    size_t i;

    if (!d->create_type) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "vmdk image '%s': descriptor has no createType",
                    qv_reader_name(r));
        return false;
    }
    for (i = 0; i < G_N_ELEMENTS(ok); i++) {
        if (strcmp(d->create_type, ok[i]) == 0)
            return true;
    }
    {
        g_autofree char *shown = g_strescape(d->create_type, NULL);
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "vmdk image '%s': descriptor createType '%s' is not supported",
                    qv_reader_name(r), shown);
    }
    return false;
}

/* A descriptor on its own (a text file, or a sparse header with no
 * capacity, which QEMU reads as a descriptor too) */
static bool
vmdk_from_desc(QvReader *r, const VmdkDesc *d, QvProbeInfo *info,
               GError **error)
{
    if (!vmdk_check_text_type(r, d, error))
        return false;
    if (!d->have_extents) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "vmdk image '%s': descriptor lists no extents",
                    qv_reader_name(r));
        return false;
    }
    info->version = d->version;
    info->capacity = d->sectors * VMDK_SECTOR;
    info->capacity_known = true;
    return true;
}

static bool
vmdk_text_read(QvReader *r, QvProbeInfo *info, VmdkDesc *d, GError **error)
{
    uint64_t size = qv_reader_size(r);

    if (size > VMDK_MAX_DESC) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "vmdk image '%s': descriptor file of %" G_GUINT64_FORMAT " bytes exceeds %d bytes",
                    qv_reader_name(r), size, VMDK_MAX_DESC);
        return false;
    }
    if (!vmdk_read_desc(r, 0, size, d, error))
        return false;
    return vmdk_from_desc(r, d, info, error);
}

/* streamOptimized images may keep the real header in a footer */
static bool
vmdk4_read_footer(QvReader *r, uint8_t *h, GError **error)
{
    uint64_t size = qv_reader_size(r);
    uint8_t f[VMDK_FOOTER_SIZE];

    if (size >= VMDK_FOOTER_SIZE &&
        !qv_reader_read_exact(r, size - VMDK_FOOTER_SIZE, f, sizeof(f),
                              "vmdk footer", error))
        return false;
    if (size < VMDK_FOOTER_SIZE ||
        memcmp(f + 512, VMDK4_MAGIC, 4) != 0 ||
        qv_le32(f + 8) != 0 || qv_le32(f + 12) != VMDK_MARKER_FOOTER ||
        qv_le32(f + 1024 + 8) != 0 || qv_le32(f + 1024 + 12) != 0) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "vmdk image '%s': grain directory is at the end but there is no valid footer",
                    qv_reader_name(r));
        return false;
    }
    memcpy(h, f + 512, VMDK4_HEADER_SIZE);
    return true;
}

static bool
vmdk4_read(QvReader *r, QvProbeInfo *info, VmdkDesc *d, GError **error)
{
    const char *name = qv_reader_name(r);
    uint8_t h[VMDK4_HEADER_SIZE];
    uint64_t capacity, desc_offset, desc_size;
    uint32_t version;

    if (!qv_reader_read_exact(r, 0, h, sizeof(h), "vmdk header", error))
        return false;
    if (qv_le64(h + 56) == VMDK4_GD_AT_END && !vmdk4_read_footer(r, h, error))
        return false;

    version = qv_le32(h + 4);
    capacity = qv_le64(h + 12);
    desc_offset = qv_le64(h + 28);
    desc_size = qv_le64(h + 36);
    if (version == 0 || version > 3) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "vmdk image '%s': version %u is not supported",
                    name, version);
        return false;
    }
    if (capacity > G_MAXUINT64 / VMDK_SECTOR) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "vmdk image '%s': capacity %" G_GUINT64_FORMAT " sectors is too large",
                    name, capacity);
        return false;
    }
    if (desc_offset != 0) {
        if (desc_offset > G_MAXUINT64 / VMDK_SECTOR ||
            desc_offset * VMDK_SECTOR >= qv_reader_size(r)) {
            g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                        "vmdk image '%s': descriptor offset %" G_GUINT64_FORMAT " sectors lies beyond the end of the image",
                        name, desc_offset);
            return false;
        }
        if (desc_size > VMDK_MAX_DESC / VMDK_SECTOR) {
            g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                        "vmdk image '%s': descriptor size %" G_GUINT64_FORMAT " sectors exceeds %d bytes",
                        name, desc_size, VMDK_MAX_DESC);
            return false;
        }
        if (!vmdk_read_desc(r, desc_offset * VMDK_SECTOR,
                            desc_size * VMDK_SECTOR, d, error))
            return false;
    }
    if (capacity == 0 && desc_offset != 0)
        return vmdk_from_desc(r, d, info, error);

    info->version = version;
    info->capacity = capacity * VMDK_SECTOR;
    info->capacity_known = true;
    return true;
}

/* The pre-VMDK4 "COWD" sparse format has no descriptor and no parent */
static bool
vmdk3_read(QvReader *r, QvProbeInfo *info, GError **error)
{
    uint8_t h[16];

    if (!qv_reader_read_exact(r, 0, h, sizeof(h), "vmdk3 header", error))
        return false;
    info->version = qv_le32(h + 4);
    info->capacity = (uint64_t)qv_le32(h + 12) * VMDK_SECTOR;
    info->capacity_known = true;
    return true;
}

static bool
vmdk_read(QvReader *r, QvProbeInfo *info, GError **error)
{
    g_auto(VmdkDesc) d = { 0 };
    uint8_t magic[4] = { 0 };
    gssize n = qv_reader_read(r, 0, magic, sizeof(magic), error);
    bool ok;

    if (n < 0)
        return false;
    if (n == 4 && memcmp(magic, VMDK4_MAGIC, 4) == 0)
        ok = vmdk4_read(r, info, &d, error);
    else if (n == 4 && memcmp(magic, VMDK3_MAGIC, 4) == 0)
        ok = vmdk3_read(r, info, error);
    else
        ok = vmdk_text_read(r, info, &d, error);
    if (!ok)
        return false;

    info->format = QV_FORMAT_VMDK;
    if (d.parent_hint) {
        info->backing_name = g_steal_pointer(&d.parent_hint);
        /* QEMU opens a vmdk parent as vmdk, whatever it is */
        info->backing_format = QV_FORMAT_VMDK;
    }
    return true;
}

bool
qv_probe_vmdk(QvReader *r, QvProbeInfo *info, GError **error)
{
    qv_probe_info_clear(info);
    if (!vmdk_read(r, info, error)) {
        qv_probe_info_clear(info);
        return false;
    }
    return true;
}
