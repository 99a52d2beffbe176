/*
 * qv-xml-write: helpers for writing XML into a GString (no libxml2).
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

G_BEGIN_DECLS

void qv_xml_indent(GString *buf, unsigned int indent);
void qv_xml_escape(GString *buf, const char *s, bool in_attribute);
/* " name='value'", nothing when @value is NULL */
void qv_xml_attr(GString *buf, const char *name, const char *value);
/* "<name>text</name>\n" at @indent, nothing when @text is NULL */
void qv_xml_text_element(GString *buf, unsigned int indent, const char *name,
                         const char *text);

G_END_DECLS
