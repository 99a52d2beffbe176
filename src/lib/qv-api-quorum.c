/*
 * qv-api-quorum: the public calls on quorum disks (their children added,
 * removed, replaced, the quorum scrubbed, its health) and the disk
 * errors (virDomainGetDiskErrors), handed to the guest's supervisor
 * (qv-sup-quorum.c, qv-sup-health.c).
 */
#include <string.h>

#include "qvirt/qvirt.h"
#include "util/qv-error.h"
#include "util/qv-json.h"
#include "lib/qv-api-priv.h"

/* Adding a child waits for its chain to open, not for the fill */
#define QUORUM_CALL_TIMEOUT_MS (120 * 1000)

static int
quorum_call(QvirtDomain *dom, const char *disk, const char *op, const char *child,
            const char *xml, unsigned int flags, json_object **ret, GError **error)
{
    g_auto(QvCtlArgs) args = { .disk = g_strdup(disk), .name = g_strdup(op),
                               .top = g_strdup(child), .xml = g_strdup(xml) };

    if (!qv_api_check_flags(flags, 0, "quorum", error))
        return -1;
    if (!disk) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "quorum %s: no disk given", op);
        return -1;
    }
    return qv_api_call(dom, QV_CTL_BLOCK_QUORUM, &args, QUORUM_CALL_TIMEOUT_MS, ret, error) ? 0 : -1;
}

char *
qvirt_domain_block_quorum_info(QvirtDomain *dom, const char *disk, unsigned int flags,
                               GError **error)
{
    g_autoptr(json_object) ret = NULL;

    if (quorum_call(dom, disk, "info", NULL, NULL, flags, &ret, error) < 0)
        return NULL;
    return g_strdup(json_object_to_json_string_ext(ret, JSON_C_TO_STRING_PLAIN));
}

int
qvirt_domain_block_quorum_add(QvirtDomain *dom, const char *disk, const char *childxml,
                              unsigned int flags, GError **error)
{
    if (!childxml) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "quorum add: the new child's XML is missing");
        return -1;
    }
    return quorum_call(dom, disk, "add", NULL, childxml, flags, NULL, error);
}

int
qvirt_domain_block_quorum_remove(QvirtDomain *dom, const char *disk, const char *child,
                                 unsigned int flags, GError **error)
{
    if (!child) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "quorum remove: name the child");
        return -1;
    }
    return quorum_call(dom, disk, "remove", child, NULL, flags, NULL, error);
}

int
qvirt_domain_block_quorum_replace(QvirtDomain *dom, const char *disk, const char *child,
                                  const char *childxml, unsigned int flags, GError **error)
{
    if (!child || !childxml) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "quorum replace: name the child and give the new one");
        return -1;
    }
    return quorum_call(dom, disk, "replace", child, childxml, flags, NULL, error);
}

int
qvirt_domain_block_quorum_scrub(QvirtDomain *dom, const char *disk, unsigned int flags,
                                GError **error)
{
    return quorum_call(dom, disk, "scrub", NULL, NULL, flags, NULL, error);
}

/* "vdb-f3" -> "vdb[3]"; a node qvirt did not name stays as it is */
static char *
element_name(const char *node)
{
    const char *f = strrchr(node, '-');

    if (f && f[1] == 'f' && f[2] && strspn(f + 2, "0123456789") == strlen(f + 2))
        return g_strdup_printf("%.*s[%s]", (int)(f - node), node, f + 2);
    return g_strdup(node);
}

static void
add_error(GArray *out, const char *name, json_object *e)
{
    QvirtDomainDiskError de = { 0 };
    const char *type = NULL, *msg = NULL;
    json_object *ns = NULL;
    uint64_t sector = 0, count = 0;
    bool found;

    qv_json_get_string(e, "type", &type, NULL);
    qv_json_get_string(e, "error", &msg, NULL);
    qv_json_get_uint64(e, "sector", &sector, &found, NULL);
    qv_json_get_uint64(e, "count", &count, &found, NULL);
    json_object_object_get_ex(e, "nospace", &ns);
    de.disk = g_strdup(name);
    de.error = ns && json_object_get_boolean(ns) ? QVIRT_DOMAIN_DISK_ERROR_NO_SPACE
                                                 : QVIRT_DOMAIN_DISK_ERROR_UNSPEC;
    de.detail = g_strdup_printf("%s: %s at sector %" G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT " sectors)",
                                type ? type : "unknown", msg ? msg : "data outvoted", sector, count);
    g_array_append_val(out, de);
}

int
qvirt_domain_get_disk_errors(QvirtDomain *dom, QvirtDomainDiskError **errors,
                             unsigned int flags, GError **error)
{
    g_auto(QvCtlArgs) args = { 0 };
    g_autoptr(json_object) ret = NULL;
    GArray *out;
    json_object *disks = NULL;

    *errors = NULL;
    if (!qv_api_check_flags(flags, 0, "disk errors", error) ||
        !qv_api_call(dom, QV_CTL_DISK_ERRORS, &args, QV_API_CALL_TIMEOUT_MS, &ret, error))
        return -1;
    out = g_array_new(FALSE, TRUE, sizeof(QvirtDomainDiskError));
    json_object_object_get_ex(ret, "disks", &disks);
    for (size_t i = 0; disks && i < json_object_array_length(disks); i++) {
        json_object *d = json_object_array_get_idx(disks, i), *e = NULL, *kids = NULL;
        const char *name = NULL;

        qv_json_get_string(d, "disk", &name, NULL);
        if (!name)
            continue;
        if (json_object_object_get_ex(d, "error", &e))
            add_error(out, name, e);
        if (json_object_object_get_ex(d, "children", &kids)) {
            json_object_object_foreach(kids, node, ce) {
                g_autofree char *elem = element_name(node);

                add_error(out, elem, ce);
            }
        }
    }
    {
        int n = (int)out->len;

        *errors = (QvirtDomainDiskError *)(void *)g_array_free(out, n == 0);
        return n;
    }
}

void
qvirt_domain_disk_errors_free(QvirtDomainDiskError *errors, int n)
{
    for (int i = 0; errors && i < n; i++) {
        g_free(errors[i].disk);
        g_free(errors[i].detail);
    }
    g_free(errors);
}
