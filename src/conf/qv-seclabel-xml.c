/*
 * qv-seclabel-xml: <seclabel> inside <source>.
 */
#include "conf/qv-seclabel-xml.h"

#include <string.h>

#include "conf/qv-xml-util.h"
#include "util/qv-error.h"

#define FAIL(...) \
    do { \
        g_set_error(error, QV_ERROR, QV_ERR_XML, __VA_ARGS__); \
        return false; \
    } while (0)

static bool
parse_yes_no(const char *v, const char *attr, const char *ctx, int *out, GError **error)
{
    if (!v)
        return true;
    if (strcmp(v, "yes") == 0)
        *out = 1;
    else if (strcmp(v, "no") == 0)
        *out = 0;
    else
        FAIL("%s: <seclabel> %s='%s' (expected 'yes' or 'no')", ctx, attr, v);
    return true;
}

/* "+UID:+GID", or names "user:group" (libvirt takes both) */
static bool
dac_label_ok(const char *s)
{
    const char *colon = strchr(s, ':');

    return colon && colon != s && colon[1] && !strchr(colon + 1, ':');
}

bool
qv_seclabel_xml_parse(xmlNodePtr node, QvStorageSource *src, const char *ctx, GError **error)
{
    g_autofree char *relabel = qv_xml_prop(node, "relabel");
    g_autofree char *labelskip = qv_xml_prop(node, "labelskip");
    g_autofree char *label = NULL;
    QvSecLabelDef sl = { 0 };
    int r = -1, skip = -1;

    if (!parse_yes_no(relabel, "relabel", ctx, &r, error) ||
        !parse_yes_no(labelskip, "labelskip", ctx, &skip, error))
        return false;
    for (xmlNodePtr c = qv_xml_element(node->children); c; c = qv_xml_element(c->next)) {
        if (!qv_xml_is(c, "label"))
            FAIL("%s: unsupported element <%s> in <seclabel>", ctx, (const char *)c->name);
        if (label)
            FAIL("%s: <seclabel> has more than one <label>", ctx);
        label = qv_xml_text(c);
    }
    if (r == 0 && label)
        FAIL("%s: <seclabel relabel='no'> takes no <label>", ctx);
    if (r != 0 && skip != 1 && !label)
        FAIL("%s: <seclabel> needs relabel='no' or a <label>", ctx);
    sl.model = qv_xml_prop(node, "model");
    if (label && g_strcmp0(sl.model, "dac") == 0 && !dac_label_ok(label)) {
        g_free(sl.model);
        FAIL("%s: <seclabel model='dac'> label '%s' is not '+UID:+GID' or 'USER:GROUP'", ctx,
             label);
    }
    for (size_t i = 0; i < src->nseclabels; i++) {
        if (g_strcmp0(src->seclabels[i].model, sl.model) == 0) {
            g_autofree char *model = sl.model;

            FAIL("%s: more than one <seclabel> for model '%s'", ctx, model ? model : "(none)");
        }
    }
    sl.relabel = r == 1 ? QV_SECLABEL_RELABEL_YES : r == 0 ? QV_SECLABEL_RELABEL_NO
                                                            : QV_SECLABEL_RELABEL_DEFAULT;
    sl.labelskip = skip == 1;
    sl.label = g_steal_pointer(&label);
    src->seclabels = g_renew(QvSecLabelDef, src->seclabels, src->nseclabels + 1);
    src->seclabels[src->nseclabels++] = sl;
    return true;
}
