/*
 * qv-source-opts-xml: QvSourceOpts <-> the XML of <source> (see the header).
 */
#include "conf/qv-source-opts-xml.h"

#include <string.h>

#include "conf/qv-xml-util.h"

#define FAIL(...) \
    do { \
        g_set_error(error, QV_ERROR, QV_ERR_XML, __VA_ARGS__); \
        return false; \
    } while (0)

QV_XML_ENUM_PARSER(parse_yesno, QvYesNo, qv_yesno, 1, QV_YESNO_LAST)

static bool
yesno_attr(xmlNodePtr node, const char *name, QvYesNo *out, const char *ctx,
           GError **error)
{
    g_autofree char *v = qv_xml_prop(node, name);
    g_autofree char *what = g_strdup_printf("value of %s", name);

    return !v || parse_yesno(v, out, ctx, what, error);
}

/* An unsigned attribute from @min to @max; *@given (may be NULL) says
 * whether it was there */
static bool
u64_attr(xmlNodePtr node, const char *name, uint64_t min, uint64_t max,
         uint64_t *out, bool *given, const char *ctx, GError **error)
{
    g_autofree char *v = qv_xml_prop(node, name);

    if (given)
        *given = v != NULL;
    if (!v)
        return true;
    if (!qv_xml_parse_u64(v, max, out) || *out < min)
        FAIL("%s: invalid %s '%s' on <%s>: expected an integer from %" G_GUINT64_FORMAT,
             ctx, name, v, (const char *)node->name, min);
    return true;
}

/* <address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/> */
static bool
parse_pci_address(xmlNodePtr node, QvSourceOpts *o, const char *ctx, GError **error)
{
    static const struct {
        const char *name;
        size_t offset;
        unsigned int max;
    } parts[] = {
        { "domain", G_STRUCT_OFFSET(QvSourceOpts, pci_domain), 0xffff },
        { "bus", G_STRUCT_OFFSET(QvSourceOpts, pci_bus), 0xff },
        { "slot", G_STRUCT_OFFSET(QvSourceOpts, pci_slot), 0x1f },
        { "function", G_STRUCT_OFFSET(QvSourceOpts, pci_function), 7 },
    };
    g_autofree char *type = qv_xml_prop(node, "type");

    if (type && strcmp(type, "pci") != 0)
        FAIL("%s: the <address> of an NVMe source is a PCI address, not '%s'", ctx, type);
    for (size_t i = 0; i < G_N_ELEMENTS(parts); i++) {
        g_autofree char *v = qv_xml_prop(node, parts[i].name);
        guint64 n = 0;

        if (v && !g_ascii_string_to_unsigned(g_str_has_prefix(v, "0x") ? v + 2 : v,
                                             g_str_has_prefix(v, "0x") ? 16 : 10,
                                             0, parts[i].max, &n, NULL))
            FAIL("%s: invalid PCI address %s '%s' (at most 0x%x)", ctx, parts[i].name, v,
                 parts[i].max);
        G_STRUCT_MEMBER(unsigned int, o, parts[i].offset) = (unsigned int)n;
    }
    return true;
}

static bool
parse_nvme(xmlNodePtr node, QvStorageSource *src, const char *ctx, GError **error)
{
    QvSourceOpts *o = &src->opts;
    g_autofree char *type = qv_xml_prop(node, "type");
    bool given;

    if (g_strcmp0(type, "pci") != 0)
        FAIL("%s: an nvme <source> needs type='pci'", ctx);
    if (!u64_attr(node, "namespace", 0, G_MAXUINT32, &o->nvme_namespace, &given, ctx, error) ||
        !yesno_attr(node, "managed", &o->nvme_managed, ctx, error))
        return false;
    if (!given)
        FAIL("%s: an nvme <source> needs a namespace attribute", ctx);
    return true;
}

static bool
parse_vhostuser(xmlNodePtr node, QvStorageSource *src, const char *ctx, GError **error)
{
    g_autofree char *type = qv_xml_prop(node, "type");

    if (g_strcmp0(type, "unix") != 0)
        FAIL("%s: a vhostuser <source> needs type='unix'", ctx);
    if (!(src->path = qv_xml_prop(node, "path")) || src->path[0] != '/')
        FAIL("%s: a vhostuser <source> needs an absolute path attribute", ctx);
    return true;
}

static bool
parse_reconnect(xmlNodePtr rc, QvSourceOpts *o, const char *ctx, GError **error)
{
    if (o->reconnect)
        FAIL("%s: more than one <reconnect>", ctx);
    if (!yesno_attr(rc, "enabled", &o->reconnect, ctx, error) ||
        !u64_attr(rc, "timeout", 0, G_MAXUINT32, &o->reconnect_timeout,
                  &o->has_reconnect_timeout, ctx, error))
        return false;
    if (o->reconnect == QV_YESNO_ABSENT)
        FAIL("%s: <reconnect> needs an enabled attribute", ctx);
    return true;
}

bool
qv_source_opts_parse_attrs(xmlNodePtr node, QvStorageSource *src, const char *ctx,
                           GError **error)
{
    QvSourceOpts *o = &src->opts;

    switch (src->type) {
    case QV_STORAGE_FILE:
        o->fdgroup = qv_xml_prop(node, "fdgroup");
        return true;
    case QV_STORAGE_VOLUME:
        o->volume_mode = qv_xml_prop(node, "mode");
        if (o->volume_mode && strcmp(o->volume_mode, "host") != 0 &&
            strcmp(o->volume_mode, "direct") != 0)
            FAIL("%s: unknown volume mode '%s' (expected 'host', 'direct')", ctx, o->volume_mode);
        return true;
    case QV_STORAGE_NETWORK:
        o->tls_hostname = qv_xml_prop(node, "tlsHostname");
        return yesno_attr(node, "tls", &o->tls, ctx, error);
    case QV_STORAGE_NVME:
        return parse_nvme(node, src, ctx, error);
    case QV_STORAGE_VHOSTUSER:
        return parse_vhostuser(node, src, ctx, error);
    case QV_STORAGE_BLOCK:
    case QV_STORAGE_DIR:
    case QV_STORAGE_QUORUM:
    case QV_STORAGE_NONE:
    case QV_STORAGE_LAST:
        break;
    }
    return true;
}

static bool
parse_slices(xmlNodePtr node, QvSourceOpts *o, const char *ctx, GError **error)
{
    xmlNodePtr slice = qv_xml_element(node->children);
    g_autofree char *type = NULL;
    bool has_offset, has_size;

    if (o->has_slice)
        FAIL("%s: more than one <slices>", ctx);
    if (!slice || !qv_xml_is(slice, "slice") || qv_xml_element(slice->next))
        FAIL("%s: <slices> holds one <slice type='storage'>", ctx);
    type = qv_xml_prop(slice, "type");
    if (g_strcmp0(type, "storage") != 0)
        FAIL("%s: unknown slice type '%s' (expected 'storage')", ctx, type ? type : "");
    if (!u64_attr(slice, "offset", 0, G_MAXUINT64, &o->slice_offset, &has_offset, ctx, error) ||
        !u64_attr(slice, "size", 1, G_MAXUINT64, &o->slice_size, &has_size, ctx, error))
        return false;
    if (!has_offset || !has_size)
        FAIL("%s: a <slice> needs offset and size attributes", ctx);
    o->has_slice = true;
    return true;
}

static bool
parse_reservations(xmlNodePtr node, QvSourceOpts *o, const char *ctx, GError **error)
{
    xmlNodePtr s = qv_xml_element(node->children);
    g_autofree char *type = NULL;

    if (o->has_reservations)
        FAIL("%s: more than one <reservations>", ctx);
    o->has_reservations = true;
    if (!yesno_attr(node, "managed", &o->pr_managed, ctx, error))
        return false;
    if (!s)
        return true;
    if (!qv_xml_is(s, "source") || qv_xml_element(s->next))
        FAIL("%s: <reservations> holds at most one <source>", ctx);
    type = qv_xml_prop(s, "type");
    o->pr_path = qv_xml_prop(s, "path");
    o->pr_mode = qv_xml_prop(s, "mode");
    if (g_strcmp0(type, "unix") != 0 || !o->pr_path ||
        !o->pr_mode || (strcmp(o->pr_mode, "server") != 0 && strcmp(o->pr_mode, "client") != 0))
        FAIL("%s: the <source> of <reservations> needs type='unix', a path and mode 'server' or 'client'",
             ctx);
    return true;
}

static bool
parse_cookies(xmlNodePtr node, QvSourceOpts *o, const char *ctx, GError **error)
{
    if (o->ncookies)
        FAIL("%s: more than one <cookies>", ctx);
    for (xmlNodePtr c = qv_xml_element(node->children); c; c = qv_xml_element(c->next)) {
        g_autofree char *name = qv_xml_prop(c, "name");
        g_autofree char *value = qv_xml_text(c);

        if (!qv_xml_is(c, "cookie") || !name || !*name)
            FAIL("%s: <cookies> holds <cookie name='...'>value</cookie> elements", ctx);
        for (size_t i = 0; i < o->ncookies; i++) {
            if (strcmp(o->cookies[i].name, name) == 0)
                FAIL("%s: duplicate cookie '%s'", ctx, name);
        }
        qv_source_opts_add_cookie(o, name, value);
    }
    if (!o->ncookies)
        FAIL("%s: <cookies> has no <cookie>", ctx);
    return true;
}

static bool
parse_single_attr(xmlNodePtr c, const char *attr, char **slot, const char *ctx, GError **error)
{
    if (*slot)
        FAIL("%s: more than one <%s>", ctx, (const char *)c->name);
    if (!(*slot = qv_xml_prop(c, attr)))
        FAIL("%s: <%s> has no %s attribute", ctx, (const char *)c->name, attr);
    return true;
}

int
qv_source_opts_parse_child(xmlNodePtr c, QvStorageSource *src, const char *ctx, GError **error)
{
    QvSourceOpts *o = &src->opts;
    bool ok;

    if (qv_xml_is(c, "slices")) {
        ok = parse_slices(c, o, ctx, error);
    } else if (qv_xml_is(c, "reservations")) {
        ok = parse_reservations(c, o, ctx, error);
    } else if (qv_xml_is(c, "cookies")) {
        ok = parse_cookies(c, o, ctx, error);
    } else if (qv_xml_is(c, "ssl")) {
        if (o->ssl_verify)
            ok = (g_set_error(error, QV_ERROR, QV_ERR_XML, "%s: more than one <ssl>", ctx), false);
        else
            ok = yesno_attr(c, "verify", &o->ssl_verify, ctx, error);
        if (ok && !o->ssl_verify)
            ok = (g_set_error(error, QV_ERROR, QV_ERR_XML, "%s: <ssl> needs a verify attribute", ctx), false);
    } else if (src->type == QV_STORAGE_NVME && qv_xml_is(c, "address")) {
        if (o->has_pci_address)
            ok = (g_set_error(error, QV_ERROR, QV_ERR_XML, "%s: more than one <address>", ctx), false);
        else
            ok = parse_pci_address(c, o, ctx, error);
        o->has_pci_address = true;
    } else if (src->type == QV_STORAGE_VHOSTUSER && qv_xml_is(c, "reconnect")) {
        ok = parse_reconnect(c, o, ctx, error);
    } else if (qv_xml_is(c, "readahead")) {
        bool given = false;

        ok = u64_attr(c, "size", 1, G_MAXUINT64, &o->readahead, &given, ctx, error);
        if (ok && !given)
            ok = (g_set_error(error, QV_ERROR, QV_ERR_XML, "%s: <readahead> needs a size attribute", ctx), false);
    } else if (qv_xml_is(c, "timeout")) {
        bool given = false;

        ok = u64_attr(c, "seconds", 1, G_MAXUINT64, &o->timeout, &given, ctx, error);
        if (ok && !given)
            ok = (g_set_error(error, QV_ERROR, QV_ERR_XML, "%s: <timeout> needs a seconds attribute", ctx), false);
    } else if (qv_xml_is(c, "initiator")) {
        xmlNodePtr iqn = qv_xml_element(c->children);

        if (!iqn || !qv_xml_is(iqn, "iqn") || qv_xml_element(iqn->next))
            ok = (g_set_error(error, QV_ERROR, QV_ERR_XML, "%s: <initiator> holds one <iqn name='...'/>", ctx), false);
        else
            ok = parse_single_attr(iqn, "name", &o->initiator_iqn, ctx, error);
    } else if (qv_xml_is(c, "identity")) {
        if (src->type != QV_STORAGE_NETWORK || src->protocol != QV_PROTO_NFS)
            ok = (g_set_error(error, QV_ERROR, QV_ERR_XML, "%s: <identity> applies to nfs sources only", ctx), false);
        else if (src->user || o->nfs_group)
            ok = (g_set_error(error, QV_ERROR, QV_ERR_XML, "%s: more than one <identity>", ctx), false);
        else
            ok = (src->user = qv_xml_prop(c, "user"), o->nfs_group = qv_xml_prop(c, "group"), true);
    } else {
        return 0;
    }
    return ok ? 1 : -1;
}

