/*
 * qv-probe: format guessing and dispatch to the per-format header readers.
 *
 * Guessing looks at magic numbers only, in the way QEMU's probes do, so
 * that qvirt and QEMU agree on what an image is.  ISO and raw, which have
 * no header of their own, are read here too.  The per-format readers
 * live in qv-probe-qcow.c, qv-probe-qed.c, qv-probe-vmdk.c and
 * qv-probe-misc.c.
 */
#include "storage/qv-probe.h"

#include <string.h>

#include "util/qv-error.h"

/* QEMU probes with the first 2 KiB; a little more costs nothing and lets
 * the vmdk text check see a whole descriptor header */
#define QV_PROBE_GUESS_BYTES 4096

/* ISO 9660: the primary volume descriptor is in sector 16 (of 2048) */
#define QV_ISO_PVD_OFFSET 0x8000

void
qv_probe_info_clear(QvProbeInfo *info)
{
    if (!info)
        return;
    g_free(info->backing_name);
    g_free(info->data_file);
    memset(info, 0, sizeof(*info));
    info->format = QV_FORMAT_NONE;
    info->backing_format = QV_FORMAT_NONE;
}

static bool
qv_probe_is_iso(QvReader *r, bool *is_iso, GError **error)
{
    uint8_t id[6];
    gssize n = qv_reader_read(r, QV_ISO_PVD_OFFSET, id, sizeof(id), error);

    if (n < 0)
        return false;
    /* byte 0 is the descriptor type; 1 is the primary volume descriptor */
    *is_iso = n == (gssize)sizeof(id) && id[0] == 0x01 &&
              memcmp(id + 1, "CD001", 5) == 0;
    return true;
}

QvFormat
qv_probe_guess_format(QvReader *r, GError **error)
{
    g_autofree uint8_t *buf = g_malloc0(QV_PROBE_GUESS_BYTES);
    gssize n = qv_reader_read(r, 0, buf, QV_PROBE_GUESS_BYTES, error);
    size_t len;
    bool is_iso = false;

    if (n < 0)
        return QV_FORMAT_NONE;
    len = (size_t)n;

    /* qcow and qcow2 share their magic and differ by version; the other
     * magics are disjoint, so the order only matters for the text vmdk
     * check, which goes after every binary magic */
    if (qv_probe_is_qcow2(buf, len))
        return QV_FORMAT_QCOW2;
    if (qv_probe_is_qcow(buf, len))
        return QV_FORMAT_QCOW;
    if (qv_probe_is_qed(buf, len))
        return QV_FORMAT_QED;
    if (qv_probe_is_vdi(buf, len))
        return QV_FORMAT_VDI;
    if (qv_probe_is_vpc(buf, len))
        return QV_FORMAT_VPC;
    if (qv_probe_is_vhdx(buf, len))
        return QV_FORMAT_VHDX;
    if (qv_probe_is_luks(buf, len))
        return QV_FORMAT_LUKS;
    if (qv_probe_is_vmdk(buf, len))
        return QV_FORMAT_VMDK;

    if (!qv_probe_is_iso(r, &is_iso, error))
        return QV_FORMAT_NONE;
    if (is_iso)
        return QV_FORMAT_ISO;
    return QV_FORMAT_RAW;
}

/* An ISO image is raw data with a recognisable volume descriptor; it has
 * no metadata beyond that */
bool
qv_probe_iso(QvReader *r, QvProbeInfo *info, GError **error)
{
    bool is_iso = false;

    qv_probe_info_clear(info);
    if (!qv_probe_is_iso(r, &is_iso, error))
        return false;
    if (!is_iso) {
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT,
                    "iso image '%s': no primary volume descriptor at offset 0x8000",
                    qv_reader_name(r));
        return false;
    }
    info->format = QV_FORMAT_ISO;
    info->capacity = qv_reader_size(r);
    info->capacity_known = true;
    return true;
}

/* Raw has no metadata: its content belongs to the guest and is never
 * looked at, so a guest cannot make it look like anything else */
static bool
qv_probe_raw(QvReader *r, QvProbeInfo *info)
{
    qv_probe_info_clear(info);
    info->format = QV_FORMAT_RAW;
    info->capacity = qv_reader_size(r);
    info->capacity_known = true;
    return true;
}

bool
qv_probe_image(QvReader *r, QvFormat fmt, QvProbeInfo *info,
               GError **error)
{
    qv_probe_info_clear(info);

    switch (fmt) {
    case QV_FORMAT_RAW:
        return qv_probe_raw(r, info);
    /* formats with no backing file, whose headers qvirt does not read:
     * the element keeps its format (QEMU opens it so), its size unknown */
    case QV_FORMAT_FAT:
    case QV_FORMAT_BOCHS:
    case QV_FORMAT_CLOOP:
    case QV_FORMAT_DMG:
    case QV_FORMAT_PLOOP:
        info->format = fmt;
        return true;
    case QV_FORMAT_ISO:
        return qv_probe_iso(r, info, error);
    case QV_FORMAT_QCOW:
        return qv_probe_qcow(r, info, error);
    case QV_FORMAT_QCOW2:
        return qv_probe_qcow2(r, info, error);
    case QV_FORMAT_QED:
        return qv_probe_qed(r, info, error);
    case QV_FORMAT_VMDK:
        return qv_probe_vmdk(r, info, error);
    case QV_FORMAT_VDI:
        return qv_probe_vdi(r, info, error);
    case QV_FORMAT_VPC:
        return qv_probe_vpc(r, info, error);
    case QV_FORMAT_VHD:
        /* libvirt's other name for QEMU's vpc */
        if (!qv_probe_vpc(r, info, error))
            return false;
        info->format = QV_FORMAT_VHD;
        return true;
    case QV_FORMAT_VHDX:
        return qv_probe_vhdx(r, info, error);
    case QV_FORMAT_LUKS:
        return qv_probe_luks(r, info, error);
    case QV_FORMAT_NONE:
    case QV_FORMAT_LAST:
        break;
    }

    g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                "cannot probe image '%s': no format given (%d)",
                qv_reader_name(r), (int)fmt);
    return false;
}
