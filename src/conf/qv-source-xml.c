/*
 * qv-source-xml: format storage sources as libvirt domain XML.
 *
 * Chains can be thousands deep, so the nested form is written with a loop
 * that opens elements on the way down and closes them on the way back;
 * only quorum children recurse.
 */
#include "qv-source-xml.h"

#include "qv-chain.h"

static void
indent_to(GString *buf, unsigned int indent)
{
    for (unsigned int i = 0; i < indent; i++)
        g_string_append_c(buf, ' ');
}

/* Append " name='value'" with the value escaped */
static void
attr(GString *buf, const char *name, const char *value)
{
    g_autofree char *esc = NULL;

    if (!value)
        return;
    esc = g_markup_escape_text(value, -1);
    g_string_append_printf(buf, " %s='%s'", name, esc);
}

static void
format_hosts(GString *buf, const QvStorageSource *src, unsigned int indent)
{
    for (size_t i = 0; i < src->nhosts; i++) {
        const QvStorageHost *h = &src->hosts[i];

        indent_to(buf, indent);
        g_string_append(buf, "<host");
        if (h->transport == QV_TRANSPORT_UNIX) {
            attr(buf, "transport", "unix");
            attr(buf, "socket", h->socket);
        } else {
            attr(buf, "name", h->name);
            if (h->port)
                g_string_append_printf(buf, " port='%u'", h->port);
            if (h->transport != QV_TRANSPORT_TCP)
                attr(buf, "transport", qv_transport_to_string(h->transport));
        }
        g_string_append(buf, "/>\n");
    }
}

void
qv_source_xml_format_source(GString *buf, const QvStorageSource *src,
                            unsigned int indent)
{
    indent_to(buf, indent);
    g_string_append(buf, "<source");
    switch (src->type) {
    case QV_STORAGE_FILE:
        attr(buf, "file", src->path);
        break;
    case QV_STORAGE_BLOCK:
        attr(buf, "dev", src->path);
        break;
    case QV_STORAGE_DIR:
        attr(buf, "dir", src->path);
        break;
    case QV_STORAGE_VOLUME:
        attr(buf, "pool", src->pool);
        attr(buf, "volume", src->path);
        break;
    case QV_STORAGE_NETWORK:
        attr(buf, "protocol", qv_protocol_to_string(src->protocol));
        attr(buf, "name", src->path);
        attr(buf, "query", src->query);
        break;
    case QV_STORAGE_QUORUM:
    case QV_STORAGE_NONE:
    case QV_STORAGE_LAST:
        break;
    }
    if (src->type != QV_STORAGE_NETWORK ||
        (src->nhosts == 0 && !src->snapshot && !src->config)) {
        g_string_append(buf, "/>\n");
        return;
    }
    g_string_append(buf, ">\n");
    format_hosts(buf, src, indent + 2);
    if (src->snapshot) {
        indent_to(buf, indent + 2);
        g_string_append(buf, "<snapshot");
        attr(buf, "name", src->snapshot);
        g_string_append(buf, "/>\n");
    }
    if (src->config) {
        indent_to(buf, indent + 2);
        g_string_append(buf, "<config");
        attr(buf, "file", src->config);
        g_string_append(buf, "/>\n");
    }
    indent_to(buf, indent);
    g_string_append(buf, "</source>\n");
}

/* What goes inside a <backingStore> or after a <driver>: format or
 * threshold, then the source */
static void
format_body(GString *buf, const QvStorageSource *src, unsigned int indent,
            bool with_format)
{
    if (with_format && src->type != QV_STORAGE_QUORUM &&
        src->format != QV_FORMAT_NONE) {
        indent_to(buf, indent);
        g_string_append(buf, "<format");
        attr(buf, "type", qv_format_to_string(src->format));
        g_string_append(buf, "/>\n");
    }
    if (src->type == QV_STORAGE_QUORUM) {
        if (with_format) {
            indent_to(buf, indent);
            g_string_append(buf, "<format type='quorum'/>\n");
        }
        indent_to(buf, indent);
        g_string_append_printf(buf, "<threshold value='%u'/>\n",
                               src->threshold);
        return;
    }
    qv_source_xml_format_source(buf, src, indent);
}

static void
open_backing(GString *buf, const QvStorageSource *src, unsigned int indent)
{
    indent_to(buf, indent);
    g_string_append(buf, "<backingStore");
    attr(buf, "type", qv_storage_type_to_string(src->type));
    if (src->index)
        g_string_append_printf(buf, " index='%u'", src->index);
    g_string_append(buf, ">\n");
    format_body(buf, src, indent + 2, true);
}

void
qv_source_xml_format_backing(GString *buf, const QvStorageSource *src,
                             unsigned int indent)
{
    unsigned int opened = 0;

    for (;;) {
        if (src->nbacking == 0) {
            if (src->backing_known && src->type != QV_STORAGE_QUORUM) {
                indent_to(buf, indent);
                g_string_append(buf, "<backingStore/>\n");
            }
            break;
        }
        if (src->nbacking > 1 || src->type == QV_STORAGE_QUORUM) {
            for (size_t i = 0; i < src->nbacking; i++) {
                open_backing(buf, src->backing[i], indent);
                qv_source_xml_format_backing(buf, src->backing[i], indent + 2);
                indent_to(buf, indent);
                g_string_append(buf, "</backingStore>\n");
            }
            break;
        }
        src = src->backing[0];
        open_backing(buf, src, indent);
        indent += 2;
        opened++;
    }
    while (opened--) {
        indent -= 2;
        indent_to(buf, indent);
        g_string_append(buf, "</backingStore>\n");
    }
}

static void
number_element(const QvStorageSource *src, size_t index, gssize parent,
               unsigned int depth, void *opaque)
{
    /* indexes are written from the discovery order; the chain is const
     * for everyone else, so the cast is confined to this formatter */
    ((QvStorageSource *)src)->index = (unsigned int)index;
}

char *
qv_source_xml_format_disk(const QvStorageSource *top)
{
    GString *buf = g_string_new(NULL);
    g_autoptr(QvStorageSource) copy = qv_source_copy(top);

    qv_chain_foreach(copy, number_element, NULL);
    g_string_append(buf, "<disk");
    attr(buf, "type", qv_storage_type_to_string(copy->type));
    g_string_append(buf, " device='disk'>\n  <driver name='qemu'");
    if (copy->type == QV_STORAGE_QUORUM)
        attr(buf, "type", "quorum");
    else if (copy->format != QV_FORMAT_NONE)
        attr(buf, "type", qv_format_to_string(copy->format));
    g_string_append(buf, "/>\n");
    format_body(buf, copy, 2, false);
    qv_source_xml_format_backing(buf, copy, 2);
    g_string_append(buf, "</disk>\n");
    return g_string_free(buf, FALSE);
}

static void
flat_element(const QvStorageSource *src, size_t index, gssize parent,
             unsigned int depth, void *opaque)
{
    GString *buf = opaque;

    g_string_append_printf(buf, "  <element index='%zu'", index);
    if (parent >= 0)
        g_string_append_printf(buf, " parent='%zd'", parent);
    attr(buf, "type", qv_storage_type_to_string(src->type));
    g_string_append(buf, ">\n");
    format_body(buf, src, 4, true);
    if (src->backing_known && src->nbacking == 0 &&
        src->type != QV_STORAGE_QUORUM)
        g_string_append(buf, "    <backingStore/>\n");
    g_string_append(buf, "  </element>\n");
}

char *
qv_source_xml_format_flat(const QvStorageSource *top)
{
    GString *buf = g_string_new("<chain>\n");

    qv_chain_foreach(top, flat_element, buf);
    g_string_append(buf, "</chain>\n");
    return g_string_free(buf, FALSE);
}
