/*
 * fuzz-secret-xml: libFuzzer target for qv_secret_parse_xml().
 *
 * Secret XML comes from users (secret-define) and from the store's files,
 * so every byte sequence must give a definition or an error, never a
 * crash, a leak or undefined behaviour.  Whatever parses must format to
 * a document that parses again and formats to itself: the store writes
 * the formatted form and reads it back on every lookup.
 * Seeds: fuzz/corpus/secret-xml/, one document a file.
 */
#include "conf/qv-secret.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *xml = g_malloc(size + 1);
    g_autoptr(GError) err = NULL;
    g_autoptr(QvSecretDef) def = NULL;
    g_autoptr(QvSecretDef) again = NULL;
    g_autofree char *out = NULL;
    g_autofree char *out2 = NULL;

    memcpy(xml, data, size);
    xml[size] = '\0';
    def = qv_secret_parse_xml(xml, "fuzz", &err);
    /* Exactly one of the two is set */
    if (!def == !err)
        __builtin_trap();
    if (!def)
        return 0;

    out = qv_secret_format_xml(def);
    again = qv_secret_parse_xml(out, "fuzz-out", &err);
    if (!again)
        __builtin_trap();
    out2 = qv_secret_format_xml(again);
    if (strcmp(out, out2) != 0)
        __builtin_trap();
    return 0;
}
