/*
 * qv-xml-write: the small pieces every XML writer in qvirt uses:
 * indentation, escaping, attributes.  No libxml2 here, so that the
 * commands that only write XML (qvirt chain --xml) do not load it.
 */
#include "conf/qv-xml-write.h"

void
qv_xml_indent(GString *buf, unsigned int indent)
{
    for (unsigned int i = 0; i < indent; i++)
        g_string_append_c(buf, ' ');
}

/* Like g_markup_escape_text, plus the characters a parser would
 * otherwise normalise away (line ends; blanks inside attribute values) */
void
qv_xml_escape(GString *buf, const char *s, bool in_attribute)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': g_string_append(buf, "&amp;"); break;
        case '<': g_string_append(buf, "&lt;"); break;
        case '>': g_string_append(buf, "&gt;"); break;
        case '\'': g_string_append(buf, "&apos;"); break;
        case '"': g_string_append(buf, "&quot;"); break;
        case '\r': g_string_append(buf, "&#13;"); break;
        case '\n':
            g_string_append(buf, in_attribute ? "&#10;" : "\n");
            break;
        case '\t':
            g_string_append(buf, in_attribute ? "&#9;" : "\t");
            break;
        default:
            g_string_append_c(buf, *s);
        }
    }
}

void
qv_xml_attr(GString *buf, const char *name, const char *value)
{
    if (!value)
        return;
    g_string_append_printf(buf, " %s='", name);
    qv_xml_escape(buf, value, true);
    g_string_append_c(buf, '\'');
}

void
qv_xml_text_element(GString *buf, unsigned int indent, const char *name,
                    const char *text)
{
    if (!text)
        return;
    qv_xml_indent(buf, indent);
    g_string_append_printf(buf, "<%s>", name);
    qv_xml_escape(buf, text, false);
    g_string_append_printf(buf, "</%s>\n", name);
}
