/*
 * qv-encryption-format: write <encryption> (no libxml2 here: `qvirt
 * chain` links the XML writers without it).
 */
#include "conf/qv-encryption-format.h"

#include "conf/qv-xml-write.h"

void
qv_encryption_xml_format(GString *buf, const QvEncryption *enc, unsigned int indent)
{
    qv_xml_indent(buf, indent);
    g_string_append(buf, "<encryption");
    qv_xml_attr(buf, "format", qv_enc_format_to_string(enc->format));
    qv_xml_attr(buf, "engine", qv_enc_engine_to_string(enc->engine));
    if (!enc->nsecrets && !enc->cipher_name) {
        g_string_append(buf, "/>\n");
        return;
    }
    g_string_append(buf, ">\n");
    for (size_t i = 0; i < enc->nsecrets; i++) {
        qv_xml_indent(buf, indent + 2);
        g_string_append(buf, "<secret type='passphrase'");
        qv_xml_attr(buf, "uuid", enc->secrets[i].uuid);
        qv_xml_attr(buf, "usage", enc->secrets[i].usage);
        g_string_append(buf, "/>\n");
    }
    if (enc->cipher_name) {
        qv_xml_indent(buf, indent + 2);
        g_string_append(buf, "<cipher");
        qv_xml_attr(buf, "name", enc->cipher_name);
        g_string_append_printf(buf, " size='%u'", enc->cipher_size);
        qv_xml_attr(buf, "mode", enc->cipher_mode);
        qv_xml_attr(buf, "hash", enc->cipher_hash);
        g_string_append(buf, "/>\n");
    }
    if (enc->ivgen_name) {
        qv_xml_indent(buf, indent + 2);
        g_string_append(buf, "<ivgen");
        qv_xml_attr(buf, "name", enc->ivgen_name);
        qv_xml_attr(buf, "hash", enc->ivgen_hash);
        g_string_append(buf, "/>\n");
    }
    qv_xml_indent(buf, indent);
    g_string_append(buf, "</encryption>\n");
}
