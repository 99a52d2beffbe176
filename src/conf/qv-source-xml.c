/*
 * qv-source-xml: format storage sources as libvirt domain XML.
 *
 * Chains can be thousands deep, so the nested form is written with a loop
 * that opens elements on the way down and closes them on the way back;
 * only quorum children recurse.
 */
#include "conf/qv-source-xml.h"

#include <string.h>

#include "storage/qv-chain.h"
#include "storage/qv-source-tree.h"
#include "conf/qv-source-opts-write.h"
#include "conf/qv-xml-write.h"
#include "conf/qv-encryption-format.h"

static void
format_hosts(GString *buf, const QvStorageSource *src, unsigned int indent)
{
    for (size_t i = 0; i < src->nhosts; i++) {
        const QvStorageHost *h = &src->hosts[i];

        qv_xml_indent(buf, indent);
        g_string_append(buf, "<host");
        if (h->transport == QV_TRANSPORT_UNIX) {
            qv_xml_attr(buf, "transport", "unix");
            qv_xml_attr(buf, "socket", h->socket);
        } else {
            qv_xml_attr(buf, "name", h->name);
            if (h->port)
                g_string_append_printf(buf, " port='%u'", h->port);
            if (h->transport != QV_TRANSPORT_TCP)
                qv_xml_attr(buf, "transport", qv_transport_to_string(h->transport));
        }
        g_string_append(buf, "/>\n");
    }
}

void
qv_source_xml_format_auth(GString *buf, const QvStorageSource *src, unsigned int indent)
{
    qv_xml_indent(buf, indent);
    g_string_append(buf, "<auth");
    qv_xml_attr(buf, "username", src->auth_username);
    g_string_append(buf, ">\n");
    qv_xml_indent(buf, indent + 2);
    g_string_append(buf, "<secret");
    qv_xml_attr(buf, "type", src->secret_type);
    qv_xml_attr(buf, "uuid", src->secret_uuid);
    qv_xml_attr(buf, "usage", src->secret_usage);
    g_string_append(buf, "/>\n");
    qv_xml_indent(buf, indent);
    g_string_append(buf, "</auth>\n");
}

/* <seclabel>s of a <source> (conf/qv-seclabel-xml.h) */
static void
format_seclabels(GString *buf, const QvStorageSource *src, unsigned int indent)
{
    for (size_t i = 0; i < src->nseclabels; i++) {
        const QvSecLabelDef *sl = &src->seclabels[i];

        qv_xml_indent(buf, indent);
        g_string_append(buf, "<seclabel");
        qv_xml_attr(buf, "model", sl->model);
        if (sl->relabel != QV_SECLABEL_RELABEL_DEFAULT)
            qv_xml_attr(buf, "relabel", sl->relabel == QV_SECLABEL_RELABEL_YES ? "yes" : "no");
        if (sl->labelskip)
            qv_xml_attr(buf, "labelskip", "yes");
        if (!sl->label) {
            g_string_append(buf, "/>\n");
            continue;
        }
        g_string_append(buf, ">\n");
        qv_xml_text_element(buf, indent + 2, "label", sl->label);
        qv_xml_indent(buf, indent);
        g_string_append(buf, "</seclabel>\n");
    }
}

void
qv_source_xml_format_source(GString *buf, const QvStorageSource *src,
                            unsigned int indent)
{
    qv_source_xml_format_source_full(buf, src, indent, NULL);
}

void
qv_source_xml_format_source_full(GString *buf, const QvStorageSource *src,
                                 unsigned int indent, const char *extra_attrs)
{
    qv_source_xml_format_source_skip(buf, src, indent, extra_attrs, false, false);
}

void
qv_source_xml_format_source_skip(GString *buf, const QvStorageSource *src,
                                 unsigned int indent, const char *extra_attrs,
                                 bool skip_auth, bool skip_enc)
{
    bool auth = qv_source_has_auth(src) && !skip_auth;
    bool enc = src->enc && !skip_enc;

    qv_xml_indent(buf, indent);
    g_string_append(buf, "<source");
    switch (src->type) {
    case QV_STORAGE_FILE:
        qv_xml_attr(buf, "file", src->path);
        break;
    case QV_STORAGE_BLOCK:
        qv_xml_attr(buf, "dev", src->path);
        break;
    case QV_STORAGE_DIR:
        qv_xml_attr(buf, "dir", src->path);
        break;
    case QV_STORAGE_VOLUME:
        qv_xml_attr(buf, "pool", src->pool);
        qv_xml_attr(buf, "volume", src->path);
        break;
    case QV_STORAGE_NETWORK:
        qv_xml_attr(buf, "protocol", qv_protocol_to_string(src->protocol));
        qv_xml_attr(buf, "name", src->path);
        qv_xml_attr(buf, "query", src->query);
        break;
    case QV_STORAGE_NVME:
    case QV_STORAGE_VHOSTUSER:
    case QV_STORAGE_QUORUM:
    case QV_STORAGE_NONE:
    case QV_STORAGE_LAST:
        break;
    }
    qv_source_opts_format_attrs(buf, src);
    if (extra_attrs)
        g_string_append(buf, extra_attrs);
    /* as libvirt's schema: a network source has no <seclabel> */
    if (!qv_source_opts_has_children(src) &&
        ((src->type != QV_STORAGE_NETWORK && src->nseclabels == 0 && !enc) ||
         (src->type == QV_STORAGE_NETWORK && src->nhosts == 0 && !src->snapshot &&
          !src->config && !auth && !enc))) {
        g_string_append(buf, "/>\n");
        return;
    }
    g_string_append(buf, ">\n");
    if (src->type != QV_STORAGE_NETWORK) {
        format_seclabels(buf, src, indent + 2);
        if (enc)
            qv_encryption_xml_format(buf, src->enc, indent + 2);
        qv_source_opts_format_children(buf, src, indent + 2);
        qv_xml_indent(buf, indent);
        g_string_append(buf, "</source>\n");
        return;
    }
    format_hosts(buf, src, indent + 2);
    if (src->snapshot) {
        qv_xml_indent(buf, indent + 2);
        g_string_append(buf, "<snapshot");
        qv_xml_attr(buf, "name", src->snapshot);
        g_string_append(buf, "/>\n");
    }
    if (src->config) {
        qv_xml_indent(buf, indent + 2);
        g_string_append(buf, "<config");
        qv_xml_attr(buf, "file", src->config);
        g_string_append(buf, "/>\n");
    }
    if (auth)
        qv_source_xml_format_auth(buf, src, indent + 2);
    if (enc)
        qv_encryption_xml_format(buf, src->enc, indent + 2);
    qv_source_opts_format_children(buf, src, indent + 2);
    qv_xml_indent(buf, indent);
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
        qv_xml_indent(buf, indent);
        g_string_append(buf, "<format");
        qv_xml_attr(buf, "type", qv_format_to_string(src->format));
        g_string_append(buf, "/>\n");
    }
    if (src->type == QV_STORAGE_QUORUM) {
        if (with_format) {
            qv_xml_indent(buf, indent);
            g_string_append(buf, "<format type='quorum'/>\n");
        }
        qv_xml_indent(buf, indent);
        g_string_append_printf(buf, "<threshold value='%u'", src->threshold);
        qv_source_xml_quorum_attrs(buf, src);
        /* a quorum disk's own index: it has no <source> to carry it (in a
         * <backingStore> the index is on that element) */
        if (!with_format && src->index)
            g_string_append_printf(buf, " index='%u'", src->index);
        g_string_append(buf, "/>\n");
        return;
    }
    qv_source_xml_format_source(buf, src, indent);
}

static void
open_backing(GString *buf, const QvStorageSource *src, unsigned int indent)
{
    qv_xml_indent(buf, indent);
    g_string_append(buf, "<backingStore");
    qv_xml_attr(buf, "type", qv_storage_type_to_string(src->type));
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
                qv_xml_indent(buf, indent);
                g_string_append(buf, "<backingStore/>\n");
            }
            break;
        }
        if (src->nbacking > 1 || src->type == QV_STORAGE_QUORUM) {
            for (size_t i = 0; i < src->nbacking; i++) {
                open_backing(buf, src->backing[i], indent);
                qv_source_xml_format_backing(buf, src->backing[i], indent + 2);
                qv_xml_indent(buf, indent);
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
        qv_xml_indent(buf, indent);
        g_string_append(buf, "</backingStore>\n");
    }
}

/* indexes are written from the discovery order (on a copy) */
static bool
number_element(QvStorageSource *src, size_t index, gssize parent,
               unsigned int depth, void *opaque)
{
    src->index = (unsigned int)index;
    return true;
}

char *
qv_source_xml_format_disk(const QvStorageSource *top)
{
    GString *buf = g_string_new(NULL);
    g_autoptr(QvStorageSource) copy = qv_source_copy(top);

    qv_source_walk(copy, number_element, NULL);
    g_string_append(buf, "<disk");
    qv_xml_attr(buf, "type", qv_storage_type_to_string(copy->type));
    g_string_append(buf, " device='disk'>\n  <driver name='qemu'");
    if (copy->type == QV_STORAGE_QUORUM)
        qv_xml_attr(buf, "type", "quorum");
    else if (copy->format != QV_FORMAT_NONE)
        qv_xml_attr(buf, "type", qv_format_to_string(copy->format));
    g_string_append(buf, "/>\n");
    format_body(buf, copy, 2, false);
    qv_source_xml_format_backing(buf, copy, 2);
    g_string_append(buf, "</disk>\n");
    return g_string_free(buf, FALSE);
}

typedef struct {
    GString *buf;
    unsigned int indent;
} FlatCtx;

static void
flat_element(const QvStorageSource *src, size_t index, gssize parent,
             unsigned int depth, void *opaque)
{
    FlatCtx *fc = opaque;
    GString *buf = fc->buf;

    qv_xml_indent(buf, fc->indent + 2);
    g_string_append_printf(buf, "<element index='%zu'", index);
    if (parent >= 0)
        g_string_append_printf(buf, " parent='%zd'", parent);
    qv_xml_attr(buf, "type", qv_storage_type_to_string(src->type));
    g_string_append(buf, ">\n");
    format_body(buf, src, fc->indent + 4, true);
    if (src->backing_known && src->nbacking == 0 &&
        src->type != QV_STORAGE_QUORUM) {
        qv_xml_indent(buf, fc->indent + 4);
        g_string_append(buf, "<backingStore/>\n");
    }
    qv_xml_indent(buf, fc->indent + 2);
    g_string_append(buf, "</element>\n");
}

void
qv_source_xml_format_flat_in(GString *buf, const QvStorageSource *top,
                             const char *name, unsigned int indent)
{
    FlatCtx fc = { buf, indent };

    qv_xml_indent(buf, indent);
    g_string_append_printf(buf, "<%s>\n", name);
    qv_chain_foreach(top, flat_element, &fc);
    qv_xml_indent(buf, indent);
    g_string_append_printf(buf, "</%s>\n", name);
}

char *
qv_source_xml_format_flat(const QvStorageSource *top)
{
    GString *buf = g_string_new(NULL);

    qv_source_xml_format_flat_in(buf, top, "chain", 0);
    return g_string_free(buf, FALSE);
}


void
qv_source_xml_quorum_attrs(GString *buf, const QvStorageSource *src)
{
    static const char *const on_off[] = { NULL, "on", "off" };

    if (src->read_pattern != QV_QUORUM_READ_DEFAULT)
        g_string_append_printf(buf, " read-pattern='%s'",
                               qv_quorum_read_pattern_to_string(src->read_pattern));
    if (src->rewrite_corrupted > 0 && src->rewrite_corrupted < 3)
        g_string_append_printf(buf, " rewrite-corrupted='%s'", on_off[src->rewrite_corrupted]);
    if (src->blkverify > 0 && src->blkverify < 3)
        g_string_append_printf(buf, " blkverify='%s'", on_off[src->blkverify]);
}
