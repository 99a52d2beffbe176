/*
 * fuzz-probe: libFuzzer target for the image header probes.
 *
 * Each input is an image in memory.  It is guessed, probed as the guessed
 * format, then probed as every format, so that each reader sees every
 * other format's headers too.  Beyond the sanitizers, it checks the
 * contract: a failure sets an error that names the image and leaves the
 * info cleared; a success sets no error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/qv-error.h"
#include "storage/qv-probe.h"

#define FUZZ_NAME "fuzz.img"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_cleared(const QvProbeInfo *info)
{
    if (info->format != QV_FORMAT_NONE || info->backing_name ||
        info->data_file || info->capacity_known || info->encryption)
        abort();
}

static void
probe_as(QvReader *r, QvFormat fmt)
{
    QvProbeInfo info = { 0 };
    GError *err = NULL;

    if (qv_probe_image(r, fmt, &info, &err)) {
        /* the formats qvirt does not read have no size here */
        bool sizeless = fmt == QV_FORMAT_FAT || fmt == QV_FORMAT_BOCHS ||
                        fmt == QV_FORMAT_CLOOP || fmt == QV_FORMAT_DMG ||
                        fmt == QV_FORMAT_PLOOP;

        if (err || info.format != fmt || (!info.capacity_known && !sizeless))
            abort();
        if (info.backing_name && strlen(info.backing_name) > QV_PROBE_MAX_NAME)
            abort();
    } else {
        if (!err || err->domain != QV_ERROR ||
            !strstr(err->message, FUZZ_NAME))
            abort();
        check_cleared(&info);
    }
    g_clear_error(&err);
    qv_probe_info_clear(&info);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QvReader *r = qv_reader_new_mem(data, size, FUZZ_NAME);
    GError *err = NULL;
    QvFormat guessed = qv_probe_guess_format(r, &err);
    int f;

    /* a memory reader cannot fail to read */
    if (guessed == QV_FORMAT_NONE || err)
        abort();
    probe_as(r, guessed);
    for (f = QV_FORMAT_NONE; f < QV_FORMAT_LAST; f++)
        probe_as(r, (QvFormat)f);

    qv_reader_free(r);
    return 0;
}
