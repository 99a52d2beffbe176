/*
 * qv-source-xml-parse: read <source>, <backingStore> chains (nested, and
 * quorum children) and their parts from libvirt domain XML.
 */
#include "conf/qv-seclabel-xml.h"
#include "conf/qv-source-xml-parse.h"

#include <string.h>

#include "conf/qv-source-opts-xml.h"
#include "conf/qv-xml-util.h"
#include "conf/qv-encryption-xml.h"

/* ------------------------------------------------------------------ */
/* Parsing                                                             */

QV_XML_ENUM_PARSER(parse_storage_type, QvStorageType, qv_storage_type,
                   QV_STORAGE_FILE, QV_STORAGE_LAST)
QV_XML_ENUM_PARSER(parse_protocol, QvNetProtocol, qv_protocol,
                   QV_PROTO_NBD, QV_PROTO_LAST)
QV_XML_ENUM_PARSER(parse_transport, QvTransport, qv_transport,
                   QV_TRANSPORT_TCP, QV_TRANSPORT_LAST)
QV_XML_ENUM_PARSER(parse_format_enum, QvFormat, qv_format,
                   QV_FORMAT_RAW, QV_FORMAT_LAST)

#define FAIL(...) \
    do { \
        g_set_error(error, QV_ERROR, QV_ERR_XML, __VA_ARGS__); \
        return false; \
    } while (0)

bool
qv_source_xml_parse_format(const char *value, QvFormat *out, const char *ctx,
                           GError **error)
{
    return parse_format_enum(value, out, ctx, "format", error);
}

bool
qv_source_xml_parse_index(xmlNodePtr node, unsigned int *out, const char *ctx,
                          GError **error)
{
    g_autofree char *s = qv_xml_prop(node, "index");
    uint64_t v;

    if (!s)
        return true;
    if (!qv_xml_parse_u64(s, G_MAXUINT, &v))
        FAIL("%s: invalid index '%s': expected an unsigned integer", ctx, s);
    *out = (unsigned int)v;
    return true;
}

static bool
parse_host(xmlNodePtr node, QvStorageSource *src, const char *ctx,
           GError **error)
{
    g_autofree char *name = qv_xml_prop(node, "name");
    g_autofree char *port = qv_xml_prop(node, "port");
    g_autofree char *transport = qv_xml_prop(node, "transport");
    g_autofree char *sock = qv_xml_prop(node, "socket");
    g_autofree char *where = g_strdup_printf("%s: <host> %zu", ctx,
                                             src->nhosts + 1);
    QvTransport t = QV_TRANSPORT_TCP;
    uint64_t p = 0;

    if (transport && !parse_transport(transport, &t, where, "transport",
                                      error))
        return false;
    if (port && !qv_xml_parse_u64(port, 65535, &p))
        FAIL("%s: invalid port '%s': expected a number from 0 to 65535",
             where, port);
    if (t == QV_TRANSPORT_UNIX && !sock)
        FAIL("%s: a unix transport needs a socket attribute", where);
    if (t != QV_TRANSPORT_UNIX && !name)
        FAIL("%s: missing name attribute", where);
    qv_source_add_host(src, name, (unsigned int)p, t, sock);
    return true;
}

bool
qv_source_xml_parse_auth(xmlNodePtr node, QvStorageSource *src,
                         const char *ctx, GError **error)
{
    xmlNodePtr secret = NULL;

    if (qv_source_has_auth(src))
        FAIL("%s: more than one <auth>", ctx);
    for (xmlNodePtr c = qv_xml_element(node->children); c;
         c = qv_xml_element(c->next)) {
        if (!qv_xml_is(c, "secret") || secret)
            FAIL("%s: <auth> holds exactly one <secret> and nothing else",
                 ctx);
        secret = c;
    }
    if (!secret)
        FAIL("%s: <auth> has no <secret>", ctx);
    src->auth_username = qv_xml_prop(node, "username");
    src->secret_type = qv_xml_prop(secret, "type");
    src->secret_uuid = qv_xml_prop(secret, "uuid");
    src->secret_usage = qv_xml_prop(secret, "usage");
    if (src->secret_type && strcmp(src->secret_type, "ceph") != 0 &&
        strcmp(src->secret_type, "iscsi") != 0)
        FAIL("%s: unknown secret type '%s' (expected 'ceph', 'iscsi')", ctx,
             src->secret_type);
    if (!src->secret_uuid == !src->secret_usage)
        FAIL("%s: <secret> needs exactly one of uuid and usage", ctx);
    return true;
}

/* <snapshot name/> and <config file/>: one each */
static bool
parse_single(xmlNodePtr node, const char *attr_name, char **slot,
             const char *ctx, GError **error)
{
    if (*slot)
        FAIL("%s: more than one <%s>", ctx, (const char *)node->name);
    if (!(*slot = qv_xml_prop(node, attr_name)))
        FAIL("%s: <%s> has no %s attribute", ctx, (const char *)node->name,
             attr_name);
    return true;
}

static bool
parse_network(xmlNodePtr node, QvStorageSource *src, const char *ctx,
              GError **error)
{
    g_autofree char *proto = qv_xml_prop(node, "protocol");

    if (!proto)
        FAIL("%s: network <source> has no protocol attribute", ctx);
    if (!parse_protocol(proto, &src->protocol, ctx, "protocol", error))
        return false;
    src->path = qv_xml_prop(node, "name");
    src->query = qv_xml_prop(node, "query");
    for (xmlNodePtr c = qv_xml_element(node->children); c;
         c = qv_xml_element(c->next)) {
        bool ok;
        int r;

        if (qv_xml_is(c, "host"))
            ok = parse_host(c, src, ctx, error);
        else if (qv_xml_is(c, "snapshot"))
            ok = parse_single(c, "name", &src->snapshot, ctx, error);
        else if (qv_xml_is(c, "config"))
            ok = parse_single(c, "file", &src->config, ctx, error);
        else if (qv_xml_is(c, "auth"))
            ok = qv_source_xml_parse_auth(c, src, ctx, error);
        else if (qv_xml_is(c, "encryption"))
            ok = qv_encryption_xml_parse(c, &src->enc, ctx, error);
        else if ((r = qv_source_opts_parse_child(c, src, ctx, error)) == 0)
            FAIL("%s: unsupported element <%s> in <source>", ctx,
                 (const char *)c->name);
        else
            ok = r > 0;
        if (!ok)
            return false;
    }
    return qv_source_opts_parse_attrs(node, src, ctx, error);
}

bool
qv_source_xml_parse_source(xmlNodePtr node, QvStorageSource *src,
                           const char *ctx, GError **error)
{
    const char *path_attr = NULL;
    xmlNodePtr child;

    if (!qv_source_xml_parse_index(node, &src->index, ctx, error))
        return false;
    switch (src->type) {
    case QV_STORAGE_FILE:
        path_attr = "file";
        break;
    case QV_STORAGE_BLOCK:
        path_attr = "dev";
        break;
    case QV_STORAGE_DIR:
        path_attr = "dir";
        break;
    case QV_STORAGE_VOLUME:
        src->pool = qv_xml_prop(node, "pool");
        path_attr = "volume";
        break;
    case QV_STORAGE_NETWORK:
        return parse_network(node, src, ctx, error);
    case QV_STORAGE_NVME:
    case QV_STORAGE_VHOSTUSER:
        break;
    case QV_STORAGE_QUORUM:
    case QV_STORAGE_NONE:
    case QV_STORAGE_LAST:
        FAIL("%s: a %s has no <source>", ctx,
             qv_storage_type_to_string(src->type));
    }
    if (path_attr)
        src->path = qv_xml_prop(node, path_attr);
    if (!qv_source_opts_parse_attrs(node, src, ctx, error))
        return false;
    for (child = qv_xml_element(node->children); child;
         child = qv_xml_element(child->next)) {
        int r;

        if (qv_xml_is(child, "seclabel")) {
            if (!qv_seclabel_xml_parse(child, src, ctx, error))
                return false;
            continue;
        }
        if (qv_xml_is(child, "encryption")) {
            if (!qv_encryption_xml_parse(child, &src->enc, ctx, error))
                return false;
            continue;
        }
        if ((r = qv_source_opts_parse_child(child, src, ctx, error)) < 0)
            return false;
        if (r == 0)
            FAIL("%s: unsupported element <%s> in a %s <source>", ctx,
                 (const char *)child->name, qv_storage_type_to_string(src->type));
    }
    if (src->type == QV_STORAGE_NVME && !src->opts.has_pci_address)
        FAIL("%s: an nvme <source> needs its PCI <address>", ctx);
    return true;
}

/* Whether a parsed source names something: a chain element must */
static bool
check_source_names(const QvStorageSource *src, const char *ctx,
                   GError **error)
{
    switch (src->type) {
    case QV_STORAGE_FILE:
        if (!src->path)
            FAIL("%s: <source> has no file attribute", ctx);
        break;
    case QV_STORAGE_BLOCK:
        if (!src->path)
            FAIL("%s: <source> has no dev attribute", ctx);
        break;
    case QV_STORAGE_DIR:
        if (!src->path)
            FAIL("%s: <source> has no dir attribute", ctx);
        break;
    case QV_STORAGE_VOLUME:
        if (!src->pool || !src->path)
            FAIL("%s: <source> needs pool and volume attributes", ctx);
        break;
    case QV_STORAGE_NETWORK:
    case QV_STORAGE_NVME:
    case QV_STORAGE_VHOSTUSER:
    case QV_STORAGE_QUORUM:
    case QV_STORAGE_NONE:
    case QV_STORAGE_LAST:
        break;
    }
    return true;
}

/* "on"/"off" into QvTristate's values; an absent attribute is 0 */
static bool
parse_on_off(xmlNodePtr node, const char *attr, int *out, const char *ctx, GError **error)
{
    g_autofree char *s = qv_xml_prop(node, attr);

    *out = 0;
    if (!s)
        return true;
    if (strcmp(s, "on") == 0)
        *out = 1;
    else if (strcmp(s, "off") == 0)
        *out = 2;
    else
        FAIL("%s: invalid %s '%s' on <threshold>: expected 'on' or 'off'", ctx, attr, s);
    return true;
}

/* qvirt's attributes of <threshold>: QEMU's quorum options */
static bool
parse_quorum_options(xmlNodePtr node, QvStorageSource *src, const char *ctx, GError **error)
{
    g_autofree char *rp = qv_xml_prop(node, "read-pattern");
    int p;

    if (rp) {
        if ((p = qv_quorum_read_pattern_from_string(rp)) < 0)
            FAIL("%s: invalid read-pattern '%s' on <threshold>: expected 'quorum' or 'fifo'", ctx, rp);
        src->read_pattern = (QvQuorumReadPattern)p;
    }
    return parse_on_off(node, "rewrite-corrupted", &src->rewrite_corrupted, ctx, error) &&
           parse_on_off(node, "blkverify", &src->blkverify, ctx, error);
}

bool
qv_source_xml_parse_threshold(xmlNodePtr node, QvStorageSource *src,
                              const char *ctx, GError **error)
{
    g_autofree char *s = qv_xml_prop(node, "value");
    uint64_t v;

    if (!s)
        FAIL("%s: <threshold> has no value attribute", ctx);
    if (!qv_xml_parse_u64(s, G_MAXUINT, &v))
        FAIL("%s: invalid threshold '%s': expected an unsigned integer", ctx,
             s);
    src->threshold = (unsigned int)v;
    if (!parse_quorum_options(node, src, ctx, error))
        return false;
    return src->index || qv_source_xml_parse_index(node, &src->index, ctx, error);
}

static bool
parse_element_format(xmlNodePtr node, QvStorageSource *src, const char *ctx,
                     GError **error)
{
    g_autofree char *type = qv_xml_prop(node, "type");

    if (!type)
        FAIL("%s: <format> has no type attribute", ctx);
    if (src->type == QV_STORAGE_QUORUM) {
        if (strcmp(type, "quorum") != 0)
            FAIL("%s: the format of a quorum is 'quorum', not '%s'", ctx,
                 type);
        return true;
    }
    if (strcmp(type, "quorum") == 0)
        FAIL("%s: format 'quorum' needs type='quorum' on the <backingStore>",
             ctx);
    return qv_source_xml_parse_format(type, &src->format, ctx, error);
}

/* Keep the one <format>, <source> or <threshold> child in @slot */
static bool
take_child(xmlNodePtr node, xmlNodePtr *slot, const char *ctx, GError **error)
{
    if (*slot)
        FAIL("%s: more than one <%s>", ctx, (const char *)node->name);
    *slot = node;
    return true;
}

/* One <backingStore> element's own content; its backing stores are
 * parsed by the caller */
static QvStorageSource *
parse_element(xmlNodePtr node, const char *label, GError **error)
{
    g_autofree char *type = qv_xml_prop(node, "type");
    g_autoptr(QvStorageSource) src = qv_source_new(QV_STORAGE_FILE);
    xmlNodePtr source = NULL;
    xmlNodePtr format = NULL;
    xmlNodePtr threshold = NULL;

    if (type && !parse_storage_type(type, &src->type, label, "type", error))
        return NULL;
    if (!qv_source_xml_parse_index(node, &src->index, label, error))
        return NULL;
    for (xmlNodePtr c = qv_xml_element(node->children); c;
         c = qv_xml_element(c->next)) {
        bool ok = true;

        if (qv_xml_is(c, "format"))
            ok = take_child(c, &format, label, error);
        else if (qv_xml_is(c, "source"))
            ok = take_child(c, &source, label, error);
        else if (qv_xml_is(c, "threshold"))
            ok = take_child(c, &threshold, label, error);
        else if (!qv_xml_is(c, "backingStore"))
            ok = (g_set_error(error, QV_ERROR, QV_ERR_XML,
                              "%s: unsupported element <%s> in <backingStore>",
                              label, (const char *)c->name), false);
        if (!ok)
            return NULL;
    }
    if (format && !parse_element_format(format, src, label, error))
        return NULL;
    if (src->type == QV_STORAGE_QUORUM) {
        if (source) {
            g_set_error(error, QV_ERROR, QV_ERR_XML,
                        "%s: a quorum has no <source>; its children are <backingStore> elements",
                        label);
            return NULL;
        }
        if (threshold &&
            !qv_source_xml_parse_threshold(threshold, src, label, error))
            return NULL;
        return g_steal_pointer(&src);
    }
    if (threshold) {
        g_set_error(error, QV_ERROR, QV_ERR_XML,
                    "%s: only a quorum has a <threshold>", label);
        return NULL;
    }
    if (!source) {
        g_set_error(error, QV_ERROR, QV_ERR_XML, "%s: missing <source>",
                    label);
        return NULL;
    }
    if (!qv_source_xml_parse_source(source, src, label, error) ||
        !check_source_names(src, label, error))
        return NULL;
    return g_steal_pointer(&src);
}

/* "disk 'vda': backingStore 2", with the element's place among quorum
 * children when it has one ("quorum child 2.1" is child 1 of child 2) */
static char *
element_label(const char *ctx, unsigned int depth, const char *qpath,
              bool is_child)
{
    if (depth == 0)
        return g_strdup(ctx);
    if (!qpath)
        return g_strdup_printf("%s: backingStore %u", ctx, depth);
    return g_strdup_printf("%s: backingStore %u (%squorum child %s)", ctx,
                           depth, is_child ? "" : "below ", qpath);
}

/* The <backingStore> children of @parent; empty ones are only counted */
static GPtrArray *
backing_children(xmlNodePtr parent, size_t *nempty)
{
    GPtrArray *kids = g_ptr_array_new();

    *nempty = 0;
    for (xmlNodePtr c = qv_xml_element(parent->children); c;
         c = qv_xml_element(c->next)) {
        if (!qv_xml_is(c, "backingStore"))
            continue;
        if (qv_xml_element(c->children))
            g_ptr_array_add(kids, c);
        else
            (*nempty)++;
    }
    return kids;
}

static bool parse_chain(xmlNodePtr node, QvStorageSource *src,
                        const char *ctx, unsigned int depth,
                        const char *qpath, bool *given, GError **error);

/* Every <backingStore> under a quorum is one child with its own chain */
static bool
parse_quorum_children(GPtrArray *kids, size_t nempty, QvStorageSource *src,
                      const char *ctx, unsigned int depth, const char *qpath,
                      GError **error)
{
    if (nempty) {
        g_autofree char *label = element_label(ctx, depth, qpath, true);

        FAIL("%s: an empty <backingStore/> cannot be a quorum child", label);
    }
    for (guint i = 0; i < kids->len; i++) {
        g_autofree char *path = qpath ?
            g_strdup_printf("%s.%u", qpath, i + 1) :
            g_strdup_printf("%u", i + 1);
        g_autofree char *label = element_label(ctx, depth + 1, path, true);
        g_autoptr(QvStorageSource) child = NULL;

        if (!(child = parse_element(kids->pdata[i], label, error)) ||
            !parse_chain(kids->pdata[i], child, ctx, depth + 1, path, NULL,
                         error))
            return false;
        qv_source_add_backing(src, &child);
    }
    src->backing_known = true;
    return true;
}

/* A linear chain is walked in a loop: it can be as deep as the XML
 * allows; only quorum children recurse */
static bool
parse_chain(xmlNodePtr node, QvStorageSource *src, const char *ctx,
            unsigned int depth, const char *qpath, bool *given,
            GError **error)
{
    /* the first element may be a quorum child itself, the rest lie below */
    bool is_child = qpath && depth > 0;

    for (;;) {
        size_t nempty;
        g_autoptr(GPtrArray) kids = backing_children(node, &nempty);
        g_autofree char *label = NULL;
        g_autoptr(QvStorageSource) child = NULL;

        if (given && (kids->len || nempty))
            *given = true;
        given = NULL;
        if (src->type == QV_STORAGE_QUORUM)
            return parse_quorum_children(kids, nempty, src, ctx, depth,
                                         qpath, error);
        if (kids->len + nempty == 0)
            return true;
        if (kids->len + nempty > 1) {
            label = element_label(ctx, depth, qpath, is_child);
            FAIL("%s: more than one <backingStore>; only a quorum has several",
                 label);
        }
        src->backing_known = true;
        if (nempty)
            return true;
        label = element_label(ctx, depth + 1, qpath, false);
        if (!(child = parse_element(kids->pdata[0], label, error)))
            return false;
        qv_source_add_backing(src, &child);
        src = src->backing[0];
        node = kids->pdata[0];
        depth++;
        is_child = false;
    }
}

bool
qv_source_xml_parse_backing(xmlNodePtr parent, QvStorageSource *src,
                            const char *ctx, bool *given, GError **error)
{
    bool dummy = false;

    return parse_chain(parent, src, ctx, 0, NULL, given ? given : &dummy,
                       error);
}
