/*
 * fuzz-snapshot-xml: libFuzzer target for qv_snapshot_parse_xml().
 *
 * Snapshot XML comes from users (snapshot-create) and from metadata
 * files kept on disk, so every byte sequence must give a snapshot or an
 * error, never a crash, a leak or undefined behaviour.  Whatever parses
 * must format to a document that parses again and formats to itself: a
 * formatter that writes what its own parser refuses would lose a
 * snapshot's record on the next read.
 * Seeds: fuzz/corpus/snapshot-xml/, one document a file.
 */
#include "conf/qv-snapshot-xml.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *xml = g_malloc(size + 1);
    g_autoptr(GError) err = NULL;
    g_autoptr(QvSnapshotDef) def = NULL;
    g_autoptr(QvSnapshotDef) again = NULL;
    g_autofree char *out = NULL;
    g_autofree char *out2 = NULL;

    memcpy(xml, data, size);
    xml[size] = '\0';
    def = qv_snapshot_parse_xml(xml, "fuzz", &err);
    /* Exactly one of the two is set */
    if (!def == !err)
        __builtin_trap();
    if (!def)
        return 0;

    out = qv_snapshot_format_xml(def);
    again = qv_snapshot_parse_xml(out, "fuzz-out", &err);
    if (!again)
        __builtin_trap();
    out2 = qv_snapshot_format_xml(again);
    if (strcmp(out, out2) != 0)
        __builtin_trap();
    return 0;
}
