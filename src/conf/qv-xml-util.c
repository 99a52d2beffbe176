/*
 * qv-xml-util: safe reading, attribute access, verbatim dumps and
 * escaping for the domain XML code.
 *
 * libxml2 reports errors through a thread-local handler; the reader
 * installs its own only for the duration of one parse and puts the
 * previous one back, so nothing is printed and other users of libxml2 in
 * the process are not disturbed.
 */
#include "conf/qv-xml-util.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

typedef struct {
    char *message;       /* first error, without its newline */
    int line;
    int column;
    bool dtd;            /* a <!DOCTYPE> was seen */
    int dtd_line;
} ReadState;

static void
on_error(void *opaque, xmlErrorPtr err)
{
    ReadState *st = opaque;

    /* keep the first error: later ones are usually consequences */
    if (st->message || err->level < XML_ERR_ERROR)
        return;
    st->message = g_strdup(err->message ? err->message : "unknown error");
    g_strchomp(st->message);
    st->line = err->line;
    st->column = err->int2;
}

/* SAX hook: a DTD may declare entities (billion laughs, external files);
 * definitions never need one, so stop at the DOCTYPE itself */
static void
on_internal_subset(void *opaque, const xmlChar *name, const xmlChar *ext_id,
                   const xmlChar *sys_id)
{
    xmlParserCtxtPtr ctxt = opaque;
    ReadState *st = ctxt->_private;

    st->dtd = true;
    st->dtd_line = xmlSAX2GetLineNumber(ctxt);
    xmlStopParser(ctxt);
}

/*
 * With XML_PARSE_HUGE, libxml2 2.9 puts no bound on nesting; the tree it
 * builds is fine, but copying a node and validating against RelaxNG
 * recurse, as do quorum children.  2048 levels is the bound later
 * libxml2 releases apply, and leaves room for chains of 2000 elements.
 * Walked without recursion.
 */
static bool
too_deep(xmlNodePtr root, unsigned int limit)
{
    xmlNodePtr n = root;
    unsigned int depth = 1;

    for (;;) {
        if (n->type == XML_ELEMENT_NODE) {
            if (depth > limit)
                return true;
            if (n->children) {
                n = n->children;
                depth++;
                continue;
            }
        }
        for (;;) {
            if (n == root)
                return false;
            if (n->next) {
                n = n->next;
                break;
            }
            n = n->parent;
            depth--;
        }
    }
}

static void
report(GError **error, const char *origin, const ReadState *st)
{
    if (st->dtd)
        g_set_error(error, QV_ERROR, QV_ERR_XML,
                    "%s:%d: XML error: DTDs and entity declarations are not accepted",
                    origin, st->dtd_line);
    else if (st->message)
        g_set_error(error, QV_ERROR, QV_ERR_XML, "%s:%d:%d: XML error: %s",
                    origin, st->line, st->column, st->message);
    else
        g_set_error(error, QV_ERROR, QV_ERR_XML,
                    "%s: XML error: the document cannot be parsed", origin);
}

QvXmlDoc *
qv_xml_read(const char *xml, size_t len, const char *origin, GError **error)
{
    ReadState st = { 0 };
    xmlStructuredErrorFunc old_fn = xmlStructuredError;
    void *old_ctx = xmlStructuredErrorContext;
    xmlParserCtxtPtr ctxt = NULL;
    g_autoptr(QvXmlDoc) doc = NULL;
    /* HUGE: backing chains nest deeper than libxml2's default 256 levels
     * (too_deep() bounds them instead); entities cannot amplify since
     * DTDs stop the parse before any is declared */
    const int opts = XML_PARSE_NONET | XML_PARSE_HUGE | XML_PARSE_NOERROR |
                     XML_PARSE_NOWARNING;

    if (len > INT_MAX) {
        g_set_error(error, QV_ERROR, QV_ERR_XML,
                    "%s: XML error: the document is too large", origin);
        return NULL;
    }
    xmlSetStructuredErrorFunc(&st, on_error);
    ctxt = xmlNewParserCtxt();
    if (ctxt) {
        ctxt->_private = &st;
        ctxt->sax->internalSubset = on_internal_subset;
        doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, NULL, opts);
        xmlFreeParserCtxt(ctxt);
    }
    xmlSetStructuredErrorFunc(old_ctx, old_fn);

    if (!doc || st.dtd || st.message || !xmlDocGetRootElement(doc)) {
        report(error, origin, &st);
        g_free(st.message);
        return NULL;
    }
    if (too_deep(xmlDocGetRootElement(doc), QV_XML_MAX_DEPTH)) {
        g_set_error(error, QV_ERROR, QV_ERR_XML,
                    "%s: XML error: elements nest deeper than %u levels",
                    origin, QV_XML_MAX_DEPTH);
        return NULL;
    }
    return g_steal_pointer(&doc);
}

bool
qv_xml_is(const xmlNode *node, const char *name)
{
    /* a namespaced element is someone else's, never one of ours */
    return node && node->type == XML_ELEMENT_NODE && !node->ns &&
           strcmp((const char *)node->name, name) == 0;
}

xmlNodePtr
qv_xml_element(xmlNodePtr node)
{
    while (node && node->type != XML_ELEMENT_NODE)
        node = node->next;
    return node;
}

char *
qv_xml_prop(xmlNodePtr node, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(node, (const xmlChar *)name);
    char *ret;

    if (!v)
        return NULL;
    ret = g_strdup((const char *)v);
    xmlFree(v);
    return ret;
}

char *
qv_xml_text(xmlNodePtr node)
{
    xmlChar *v = xmlNodeGetContent(node);
    char *ret = g_strdup(v ? (const char *)v : "");

    xmlFree(v);
    return ret;
}

char *
qv_xml_dump(xmlNodePtr node)
{
    xmlBufferPtr buf = xmlBufferCreate();
    /* a copy made outside the tree declares the namespaces it uses
     * (e.g. xmlns:qemu from <domain>) on itself */
    xmlNodePtr copy = xmlDocCopyNode(node, node->doc, 1);
    char *ret;

    xmlNodeDump(buf, node->doc, copy ? copy : node, 0, 0);
    ret = g_strdup((const char *)xmlBufferContent(buf));
    xmlFreeNode(copy);
    xmlBufferFree(buf);
    return ret;
}

bool
qv_xml_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    g_autofree char *t = g_strstrip(g_strdup(s ? s : ""));
    unsigned long long v;
    char *end = NULL;

    if (!g_ascii_isdigit(t[0]))
        return false;
    errno = 0;
    v = strtoull(t, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return false;
    *out = v;
    return true;
}

char *
qv_xml_read_file(const char *path, const char *what, GError **error)
{
    g_autoptr(GError) err = NULL;
    char *xml = NULL;

    if (!g_file_get_contents(path, &xml, NULL, &err)) {
        g_set_error(error, QV_ERROR,
                    g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT) ?
                    QV_ERR_NOT_FOUND : QV_ERR_IO,
                    "cannot read %s '%s': %s", what, path, err->message);
        return NULL;
    }
    return xml;
}

/* Bytes per unit, as libvirt's virScaleInteger: b/bytes, k/KiB (the
 * default), KB, M/MiB, MB, ... up to E/EiB, EB; case does not matter */
bool
qv_xml_unit_scale(const char *unit, uint64_t *scale)
{
    static const char powers[] = "kmgtpe";
    const char *p;
    uint64_t base;

    if (!unit || !*unit) {
        *scale = 1024;
        return true;
    }
    if (g_ascii_strcasecmp(unit, "b") == 0 ||
        g_ascii_strcasecmp(unit, "byte") == 0 ||
        g_ascii_strcasecmp(unit, "bytes") == 0) {
        *scale = 1;
        return true;
    }
    if (!unit[1] || g_ascii_strcasecmp(unit + 1, "iB") == 0)
        base = 1024;
    else if (g_ascii_tolower(unit[1]) == 'b' && !unit[2])
        base = 1000;
    else
        return false;
    if (!(p = strchr(powers, g_ascii_tolower(unit[0]))) || !*p)
        return false;
    *scale = 1;
    for (const char *q = powers; q <= p; q++)
        *scale *= base;
    return true;
}
