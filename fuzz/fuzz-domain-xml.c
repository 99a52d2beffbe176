/*
 * fuzz-domain-xml: libFuzzer target for qv_domain_parse_xml().
 *
 * Definitions come from users and from files an attacker may have
 * written, so every byte sequence must give a domain or an error, never
 * a crash, a leak or undefined behaviour.  Whatever parses must format
 * to a document that parses again and formats to itself: a formatter
 * that writes what its own parser refuses would lose a definition on the
 * next read.  QV_FUZZ_NO_SCHEMA=1 skips the RelaxNG check, so that the
 * formatter also sees documents the schema would turn away.
 * Seeds: fuzz/corpus/domain-xml/, one document a file.
 */
#include "conf/qv-domain-xml.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned int
fuzz_flags(void)
{
    static int no_schema = -1;

    if (no_schema < 0)
        no_schema = g_strcmp0(g_getenv("QV_FUZZ_NO_SCHEMA"), "1") == 0;
    return QV_DOMAIN_XML_STATUS | (no_schema ? QV_DOMAIN_XML_NO_SCHEMA : 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const unsigned int flags = fuzz_flags();
    g_autofree char *xml = g_malloc(size + 1);
    g_autoptr(GError) err = NULL;
    g_autoptr(QvDomainDef) def = NULL;
    g_autoptr(QvDomainDef) again = NULL;
    g_autofree char *out = NULL;
    g_autofree char *out2 = NULL;

    memcpy(xml, data, size);
    xml[size] = '\0';
    def = qv_domain_parse_xml(xml, "fuzz", flags, &err);
    /* Exactly one of the two is set */
    if (!def == !err)
        __builtin_trap();
    if (!def)
        return 0;

    out = qv_domain_format_xml(def, flags);
    again = qv_domain_parse_xml(out, "fuzz-out", flags, &err);
    if (!again)
        __builtin_trap();
    out2 = qv_domain_format_xml(again, flags);
    if (strcmp(out, out2) != 0)
        __builtin_trap();
    return 0;
}
