/*
 * qv-probe: native reading of image headers.
 *
 * qv_probe_guess_format() looks only at magic numbers; qv_probe_image()
 * reads one image's metadata in a known format.  Neither runs qemu-img,
 * neither follows a backing file (that is qv-chain's job), and every
 * length and offset taken from an image is bounds-checked.
 */
#pragma once

#include "storage/qv-reader.h"
#include "storage/qv-source.h"

G_BEGIN_DECLS

/* Upper bound for a backing file name, as in QEMU (1023 + NUL) */
#define QV_PROBE_MAX_NAME 1023

typedef struct {
    QvFormat format;
    unsigned int version;     /* format version where the format has one */
    uint64_t capacity;        /* virtual size in bytes */
    bool capacity_known;
    char *backing_name;       /* as written, NULL when none */
    QvFormat backing_format;  /* NONE when the image does not say */
    char *data_file;          /* qcow2 external data file */
    bool data_file_raw;
    bool encrypted;
    const char *encryption;   /* static: "aes", "luks" or NULL */
    uint64_t incompat_unknown; /* qcow2 incompatible feature bits not known */
} QvProbeInfo;

void qv_probe_info_clear(QvProbeInfo *info);

/*
 * Guess the format from the content; QV_FORMAT_RAW when nothing matches.
 * Returns QV_FORMAT_NONE with @error set only when reading failed.
 */
QvFormat qv_probe_guess_format(QvReader *r, GError **error);

/*
 * Read the metadata of an image whose format is @fmt.  For raw, only the
 * capacity is set and the content is never inspected.  On failure @info
 * is left cleared and @error names the image (qv_reader_name()).
 */
bool qv_probe_image(QvReader *r, QvFormat fmt, QvProbeInfo *info,
                    GError **error);

/* Per-format readers, each in its own file; same contract as above */
bool qv_probe_qcow(QvReader *r, QvProbeInfo *info, GError **error);   /* v1 */
bool qv_probe_qcow2(QvReader *r, QvProbeInfo *info, GError **error);
bool qv_probe_qed(QvReader *r, QvProbeInfo *info, GError **error);
bool qv_probe_vmdk(QvReader *r, QvProbeInfo *info, GError **error);
bool qv_probe_vdi(QvReader *r, QvProbeInfo *info, GError **error);
bool qv_probe_vpc(QvReader *r, QvProbeInfo *info, GError **error);
bool qv_probe_vhdx(QvReader *r, QvProbeInfo *info, GError **error);
bool qv_probe_luks(QvReader *r, QvProbeInfo *info, GError **error);
bool qv_probe_iso(QvReader *r, QvProbeInfo *info, GError **error);

/* Magic checks used by qv_probe_guess_format(); @buf holds the first @len
 * bytes of the image (at least 512 when the image is that large) */
bool qv_probe_is_qcow(const uint8_t *buf, size_t len);
bool qv_probe_is_qcow2(const uint8_t *buf, size_t len);
bool qv_probe_is_qed(const uint8_t *buf, size_t len);
bool qv_probe_is_vmdk(const uint8_t *buf, size_t len);
bool qv_probe_is_vdi(const uint8_t *buf, size_t len);
bool qv_probe_is_vpc(const uint8_t *buf, size_t len);
bool qv_probe_is_vhdx(const uint8_t *buf, size_t len);
bool qv_probe_is_luks(const uint8_t *buf, size_t len);

G_END_DECLS
