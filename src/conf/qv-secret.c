/*
 * qv-secret: secret XML parse and format (see the header).  Messages
 * follow libvirt's secret_conf.c, after the document's name.
 */
#include "conf/qv-secret.h"

#include <string.h>

#include "conf/qv-xml-util.h"
#include "util/qv-enum.h"

static const char *const usage_names[] = {
    [QV_SECRET_USAGE_NONE] = "none",
    [QV_SECRET_USAGE_VOLUME] = "volume",
    [QV_SECRET_USAGE_CEPH] = "ceph",
    [QV_SECRET_USAGE_ISCSI] = "iscsi",
    [QV_SECRET_USAGE_TLS] = "tls",
    [QV_SECRET_USAGE_VTPM] = "vtpm",
};
G_STATIC_ASSERT(G_N_ELEMENTS(usage_names) == QV_SECRET_USAGE_LAST);
QV_ENUM_IMPL(qv_secret_usage, QvSecretUsage, usage_names)

/* The element holding each usage's id, and libvirt's name for the kind */
static const struct {
    const char *element;
    const char *what;
} usage_ids[] = {
    [QV_SECRET_USAGE_NONE] = { NULL, NULL },
    [QV_SECRET_USAGE_VOLUME] = { "volume", "volume usage specification must include path" },
    [QV_SECRET_USAGE_CEPH] = { "name", "Ceph usage specification must include name" },
    [QV_SECRET_USAGE_ISCSI] = { "target", "iSCSI usage specification must include target" },
    [QV_SECRET_USAGE_TLS] = { "name", "TLS usage specification must include name" },
    [QV_SECRET_USAGE_VTPM] = { "name", "vTPM usage specification must include name" },
};
G_STATIC_ASSERT(G_N_ELEMENTS(usage_ids) == QV_SECRET_USAGE_LAST);

#define FAIL(...) \
    do { \
        g_set_error(error, QV_ERROR, QV_ERR_XML, __VA_ARGS__); \
        return false; \
    } while (0)

void
qv_secret_def_free(QvSecretDef *def)
{
    if (!def)
        return;
    g_free(def->description);
    g_free(def->usage_id);
    g_free(def);
}

static bool
parse_yes_no(xmlNodePtr node, const char *attr, bool *out, const char *origin, GError **error)
{
    g_autofree char *v = qv_xml_prop(node, attr);

    if (!v)
        return true;
    if (strcmp(v, "yes") == 0)
        *out = true;
    else if (strcmp(v, "no") == 0)
        *out = false;
    else
        FAIL("%s: invalid value of '%s': '%s' (expected 'yes' or 'no')", origin, attr, v);
    return true;
}

static bool
parse_usage(xmlNodePtr node, QvSecretDef *def, const char *origin, GError **error)
{
    g_autofree char *type = qv_xml_prop(node, "type");
    const char *want;
    int u;

    if (!type)
        FAIL("%s: unknown secret usage type: <usage> has no type attribute (expected 'volume', 'ceph', 'iscsi', 'tls', 'vtpm')", origin);
    if ((u = qv_secret_usage_from_string(type)) <= QV_SECRET_USAGE_NONE)
        FAIL("%s: unknown secret usage type %s (expected 'volume', 'ceph', 'iscsi', 'tls', 'vtpm')", origin, type);
    def->usage = (QvSecretUsage)u;
    want = usage_ids[u].element;
    for (xmlNodePtr c = qv_xml_element(node->children); c; c = qv_xml_element(c->next)) {
        if (!qv_xml_is(c, want) || def->usage_id)
            FAIL("%s: unexpected <%s> in a '%s' <usage> (it holds one <%s>)", origin,
                 (const char *)c->name, type, want);
        def->usage_id = g_strstrip(qv_xml_text(c));
    }
    if (!def->usage_id || !*def->usage_id)
        FAIL("%s: %s", origin, usage_ids[u].what);
    if (def->usage == QV_SECRET_USAGE_VOLUME && def->usage_id[0] != '/')
        FAIL("%s: the volume of a 'volume' <usage> must be an absolute path, not '%s'", origin, def->usage_id);
    return true;
}

static bool
parse_root(xmlNodePtr root, QvSecretDef *def, const char *origin, GError **error)
{
    bool have_uuid = false, have_desc = false, have_usage = false;

    if (!parse_yes_no(root, "ephemeral", &def->ephemeral, origin, error) ||
        !parse_yes_no(root, "private", &def->private_, origin, error))
        return false;
    for (xmlNodePtr c = qv_xml_element(root->children); c; c = qv_xml_element(c->next)) {
        if (qv_xml_is(c, "uuid") && !have_uuid) {
            g_autofree char *text = qv_xml_text(c);

            if (!qv_uuid_canonical(text, def->uuid))
                FAIL("%s: malformed uuid element '%s': expected 32 hexadecimal digits as 8-4-4-4-12", origin, g_strstrip(text));
            have_uuid = true;
        } else if (qv_xml_is(c, "description") && !have_desc) {
            def->description = qv_xml_text(c);
            have_desc = true;
        } else if (qv_xml_is(c, "usage") && !have_usage) {
            if (!parse_usage(c, def, origin, error))
                return false;
            have_usage = true;
        } else {
            FAIL("%s: unexpected element <%s> in <secret> (it has <uuid>, <description> and <usage>, once each)",
                 origin, (const char *)c->name);
        }
    }
    if (!have_uuid) {
        g_autofree char *uuid = g_uuid_string_random();

        g_strlcpy(def->uuid, uuid, sizeof(def->uuid));
    }
    return true;
}

QvSecretDef *
qv_secret_parse_xml(const char *xml, const char *origin, GError **error)
{
    g_autoptr(QvXmlDoc) doc = qv_xml_read(xml, strlen(xml), origin, error);
    g_autoptr(QvSecretDef) def = NULL;
    xmlNodePtr root;

    if (!doc)
        return NULL;
    root = xmlDocGetRootElement(doc);
    if (!qv_xml_is(root, "secret")) {
        g_set_error(error, QV_ERROR, QV_ERR_XML, "%s: the root element is <%s>, expected <secret>",
                    origin, (const char *)root->name);
        return NULL;
    }
    def = g_new0(QvSecretDef, 1);
    if (!parse_root(root, def, origin, error))
        return NULL;
    return g_steal_pointer(&def);
}

char *
qv_secret_format_xml(const QvSecretDef *def)
{
    GString *buf = g_string_new(NULL);

    g_string_append_printf(buf, "<secret ephemeral='%s' private='%s'>\n",
                           def->ephemeral ? "yes" : "no", def->private_ ? "yes" : "no");
    qv_xml_text_element(buf, 2, "uuid", def->uuid);
    qv_xml_text_element(buf, 2, "description", def->description);
    if (def->usage != QV_SECRET_USAGE_NONE) {
        g_string_append(buf, "  <usage");
        qv_xml_attr(buf, "type", qv_secret_usage_to_string(def->usage));
        g_string_append(buf, ">\n");
        qv_xml_text_element(buf, 4, usage_ids[def->usage].element, def->usage_id);
        g_string_append(buf, "  </usage>\n");
    }
    g_string_append(buf, "</secret>\n");
    return g_string_free(buf, FALSE);
}
