/*
 * qv-xml-util: small helpers shared by the domain XML parsers and
 * formatters: a safe document reader (no network, no DTD, errors with
 * line and column), attribute and text access that hands back GLib
 * strings, verbatim serialisation of kept elements, and escaping that
 * survives a round trip through an XML parser.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/qv-error.h"
#include "conf/qv-xml-write.h"

G_BEGIN_DECLS

/* libxml2 2.9 has no autoptr support; a private alias keeps ours from
 * clashing with a definition elsewhere */
typedef xmlDoc QvXmlDoc;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvXmlDoc, xmlFreeDoc)

/* Deepest element nesting a document may have */
#define QV_XML_MAX_DEPTH 2048u

/*
 * Parse @len bytes.  Never touches the network, refuses DTDs (and so any
 * entity declaration) and nesting deeper than QV_XML_MAX_DEPTH, and
 * reports the first problem as "ORIGIN:LINE:COL: XML error: MESSAGE"
 * without letting libxml2 print.
 */
QvXmlDoc *qv_xml_read(const char *xml, size_t len, const char *origin,
                      GError **error);

/* True when @node is an element called @name, in no namespace */
bool qv_xml_is(const xmlNode *node, const char *name);

/* Next element sibling at or after @node, or NULL */
xmlNodePtr qv_xml_element(xmlNodePtr node);

/* The value of attribute @name as a GLib string, or NULL */
char *qv_xml_prop(xmlNodePtr node, const char *name);

/* All the text below @node as a GLib string (never NULL) */
char *qv_xml_text(xmlNodePtr node);

/* @node serialised as it was given (namespaces it uses are declared on
 * it, so the text stands on its own) */
char *qv_xml_dump(xmlNodePtr node);

/* Strict unsigned decimal (surrounding blanks allowed), at most @max */
bool qv_xml_parse_u64(const char *s, uint64_t max, uint64_t *out);

/* The contents of the XML file @path; @what names the document in the
 * error ("domain XML"): NOT_FOUND when it is missing, IO otherwise */
char *qv_xml_read_file(const char *path, const char *what, GError **error);

/* Bytes per unit of a scaled integer, as libvirt's virScaleInteger: b,
 * bytes, k/KiB (also for NULL or ""), KB, M/MiB, MB, ... EiB, EB */
bool qv_xml_unit_scale(const char *unit, uint64_t *scale);

/* Formatting */

/*
 * Define a static parser for one of the qvirt enums, which fails with
 * "CTX: unknown WHAT 'VALUE' (expected 'a', 'b', ...)".  @first skips a
 * "none" entry at 0 that users must not write; where the entry at 0 is
 * the unnamed default, "default" is accepted for it, as libvirt does.
 */
#define QV_XML_ENUM_PARSER(fname, type, prefix, first, last) \
    static bool \
    fname(const char *value, type *out, const char *ctx, const char *what, \
          GError **error) \
    { \
        int v = prefix##_from_string(value); \
        g_autoptr(GString) names = NULL; \
        if (v >= (first)) { \
            *out = (type)v; \
            return true; \
        } \
        if ((first) == 0 && !prefix##_to_string(0) && \
            g_strcmp0(value, "default") == 0) { \
            *out = (type)0; \
            return true; \
        } \
        names = g_string_new(NULL); \
        for (int i = (first); i < (last); i++) { \
            const char *n = prefix##_to_string(i); \
            if (n) \
                g_string_append_printf(names, "%s'%s'", \
                                       names->len ? ", " : "", n); \
        } \
        g_set_error(error, QV_ERROR, QV_ERR_XML, \
                    "%s: unknown %s '%s' (expected %s)", \
                    ctx, what, value, names->str); \
        return false; \
    }

G_END_DECLS
