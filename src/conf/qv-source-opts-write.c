/*
 * qv-source-opts-write: QvSourceOpts as <source> attributes and children
 * (the writer side of qv-source-opts-xml; no libxml2 here, see meson.build).
 */
#include "conf/qv-source-opts-write.h"

#include "conf/qv-xml-write.h"

void
qv_source_opts_format_attrs(GString *buf, const QvStorageSource *src)
{
    const QvSourceOpts *o = &src->opts;

    switch (src->type) {
    case QV_STORAGE_FILE:
        qv_xml_attr(buf, "fdgroup", o->fdgroup);
        break;
    case QV_STORAGE_VOLUME:
        qv_xml_attr(buf, "mode", o->volume_mode);
        break;
    case QV_STORAGE_NETWORK:
        qv_xml_attr(buf, "tls", qv_yesno_to_string(o->tls));
        qv_xml_attr(buf, "tlsHostname", o->tls_hostname);
        break;
    case QV_STORAGE_NVME:
        g_string_append_printf(buf, " type='pci'");
        qv_xml_attr(buf, "managed", qv_yesno_to_string(o->nvme_managed));
        g_string_append_printf(buf, " namespace='%" G_GUINT64_FORMAT "'", o->nvme_namespace);
        break;
    case QV_STORAGE_VHOSTUSER:
        qv_xml_attr(buf, "type", "unix");
        qv_xml_attr(buf, "path", src->path);
        break;
    case QV_STORAGE_BLOCK:
    case QV_STORAGE_DIR:
    case QV_STORAGE_QUORUM:
    case QV_STORAGE_NONE:
    case QV_STORAGE_LAST:
        break;
    }
}

bool
qv_source_opts_has_children(const QvStorageSource *src)
{
    const QvSourceOpts *o = &src->opts;

    return o->has_slice || o->has_reservations || o->ncookies || o->ssl_verify ||
           o->readahead || o->timeout || o->initiator_iqn || o->nfs_group ||
           (src->type == QV_STORAGE_NETWORK && src->protocol == QV_PROTO_NFS && src->user) ||
           o->has_pci_address || o->reconnect;
}

static void
format_network_children(GString *buf, const QvStorageSource *src, unsigned int indent)
{
    const QvSourceOpts *o = &src->opts;

    if (o->initiator_iqn) {
        qv_xml_indent(buf, indent);
        g_string_append(buf, "<initiator>\n");
        qv_xml_indent(buf, indent + 2);
        g_string_append(buf, "<iqn");
        qv_xml_attr(buf, "name", o->initiator_iqn);
        g_string_append(buf, "/>\n");
        qv_xml_indent(buf, indent);
        g_string_append(buf, "</initiator>\n");
    }
    if (o->ssl_verify) {
        qv_xml_indent(buf, indent);
        g_string_append_printf(buf, "<ssl verify='%s'/>\n", qv_yesno_to_string(o->ssl_verify));
    }
    if (o->ncookies) {
        qv_xml_indent(buf, indent);
        g_string_append(buf, "<cookies>\n");
        for (size_t i = 0; i < o->ncookies; i++) {
            qv_xml_indent(buf, indent + 2);
            g_string_append(buf, "<cookie");
            qv_xml_attr(buf, "name", o->cookies[i].name);
            g_string_append_c(buf, '>');
            qv_xml_escape(buf, o->cookies[i].value, false);
            g_string_append(buf, "</cookie>\n");
        }
        qv_xml_indent(buf, indent);
        g_string_append(buf, "</cookies>\n");
    }
    if (o->readahead) {
        qv_xml_indent(buf, indent);
        g_string_append_printf(buf, "<readahead size='%" G_GUINT64_FORMAT "'/>\n", o->readahead);
    }
    if (o->timeout) {
        qv_xml_indent(buf, indent);
        g_string_append_printf(buf, "<timeout seconds='%" G_GUINT64_FORMAT "'/>\n", o->timeout);
    }
    if (src->protocol == QV_PROTO_NFS && (src->user || o->nfs_group)) {
        qv_xml_indent(buf, indent);
        g_string_append(buf, "<identity");
        qv_xml_attr(buf, "user", src->user);
        qv_xml_attr(buf, "group", o->nfs_group);
        g_string_append(buf, "/>\n");
    }
}

void
qv_source_opts_format_children(GString *buf, const QvStorageSource *src, unsigned int indent)
{
    const QvSourceOpts *o = &src->opts;

    if (src->type == QV_STORAGE_NETWORK)
        format_network_children(buf, src, indent);
    if (o->has_pci_address) {
        qv_xml_indent(buf, indent);
        g_string_append_printf(buf, "<address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'/>\n",
                               o->pci_domain, o->pci_bus, o->pci_slot, o->pci_function);
    }
    if (o->reconnect) {
        qv_xml_indent(buf, indent);
        g_string_append_printf(buf, "<reconnect enabled='%s'", qv_yesno_to_string(o->reconnect));
        if (o->has_reconnect_timeout)
            g_string_append_printf(buf, " timeout='%" G_GUINT64_FORMAT "'", o->reconnect_timeout);
        g_string_append(buf, "/>\n");
    }
    if (o->has_slice) {
        qv_xml_indent(buf, indent);
        g_string_append(buf, "<slices>\n");
        qv_xml_indent(buf, indent + 2);
        g_string_append_printf(buf, "<slice type='storage' offset='%" G_GUINT64_FORMAT "' size='%" G_GUINT64_FORMAT "'/>\n",
                               o->slice_offset, o->slice_size);
        qv_xml_indent(buf, indent);
        g_string_append(buf, "</slices>\n");
    }
    if (o->has_reservations) {
        qv_xml_indent(buf, indent);
        g_string_append(buf, "<reservations");
        qv_xml_attr(buf, "managed", qv_yesno_to_string(o->pr_managed));
        if (!o->pr_path) {
            g_string_append(buf, "/>\n");
            return;
        }
        g_string_append(buf, ">\n");
        qv_xml_indent(buf, indent + 2);
        g_string_append(buf, "<source type='unix'");
        qv_xml_attr(buf, "path", o->pr_path);
        qv_xml_attr(buf, "mode", o->pr_mode);
        g_string_append(buf, "/>\n");
        qv_xml_indent(buf, indent);
        g_string_append(buf, "</reservations>\n");
    }
}
