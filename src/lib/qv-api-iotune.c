/*
 * qv-api-iotune: virDomainSetBlockIoTune and GetBlockIoTune: a disk's
 * <iotune> in the running guest (the supervisor's block-iotune) and in
 * the stored definition.
 */
#include <string.h>

#include "conf/qv-disk-opts.h"
#include "conf/qv-domain-xml.h"
#include "lib/qv-api-priv.h"
#include "lib/qv-launch.h"
#include "util/qv-error.h"
#include "util/qv-json.h"

#define IMPACT (QVIRT_DOMAIN_AFFECT_LIVE | QVIRT_DOMAIN_AFFECT_CONFIG)

static bool
impact(QvirtDomain *dom, unsigned int flags, const char *what, bool *live, bool *config,
       GError **error)
{
    int state;

    if (!qv_api_check_flags(flags, IMPACT, what, error) ||
        qvirt_domain_get_state(dom, &state, NULL, 0, error) < 0)
        return false;
    if (!(flags & IMPACT)) {
        *live = state != QVIRT_DOMAIN_SHUTOFF;
        *config = !*live;
    } else {
        *live = flags & QVIRT_DOMAIN_AFFECT_LIVE;
        *config = flags & QVIRT_DOMAIN_AFFECT_CONFIG;
    }
    if (*live && state == QVIRT_DOMAIN_SHUTOFF) {
        g_set_error(error, QV_ERROR, QV_ERR_OPERATION_INVALID, "domain '%s' is not running",
                    dom->name);
        return false;
    }
    return true;
}

static int
field_index(const char *name)
{
    for (size_t i = 0; name && i < qv_iotune_nfields; i++) {
        if (strcmp(qv_iotune_fields[i].name, name) == 0)
            return (int)i;
    }
    return -1;
}

static bool
check_params(const QvirtTypedParameter *params, int nparams, GError **error)
{
    if (nparams < 0 || (nparams > 0 && !params)) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "blkdeviotune: no parameters");
        return false;
    }
    for (int i = 0; i < nparams; i++) {
        if (field_index(params[i].field) < 0) {
            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                        "blkdeviotune: unknown setting '%s'",
                        params[i].field ? params[i].field : "(null)");
            return false;
        }
    }
    return true;
}

/* The stored definition with @disk's tuning merged */
static bool
set_config(QvirtDomain *dom, const char *disk, const QvirtTypedParameter *params, int nparams,
           const char *group_name, GError **error)
{
    g_autoptr(QvDomainDef) def = qv_conn_lookup(dom->conn->conn, dom->name, error);
    g_autoptr(QvDomainDef) stored = NULL;
    g_autofree char *xml = NULL;
    QvDiskIotune given = { 0 };
    bool set[32] = { false };
    QvDiskDef *d;

    if (!def)
        return false;
    if (!(d = qv_domain_find_disk(def, disk))) {
        g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND, "domain '%s' has no disk '%s'", dom->name,
                    disk);
        return false;
    }
    for (int i = 0; i < nparams; i++) {
        int k = field_index(params[i].field);

        QV_IOTUNE_VALUE(&given, k) = params[i].value;
        set[k] = true;
    }
    given.group_name = (char *)group_name;
    qv_disk_iotune_merge(&d->opts.iotune, &given, set, group_name != NULL);
    xml = qv_domain_format_xml(def, 0);
    stored = qv_conn_define_xml(dom->conn->conn, xml, "the definition", 0, NULL, error);
    return stored != NULL;
}

int
qvirt_domain_set_block_io_tune(QvirtDomain *dom, const char *disk,
                               const QvirtTypedParameter *params, int nparams,
                               const char *group_name, unsigned int flags, GError **error)
{
    bool live, config;

    g_return_val_if_fail(dom != NULL && disk != NULL, -1);
    if (!impact(dom, flags, "blkdeviotune", &live, &config, error) ||
        !check_params(params, nparams, error))
        return -1;
    if (live) {
        g_auto(QvCtlArgs) args = { .disk = g_strdup(disk) };
        json_object *o = json_object_new_object();

        for (int i = 0; i < nparams; i++)
            json_object_object_add(o, params[i].field, json_object_new_uint64(params[i].value));
        if (group_name)
            json_object_object_add(o, "group_name", json_object_new_string(group_name));
        args.arguments = o;
        if (!qv_api_call(dom, QV_CTL_BLOCK_IOTUNE, &args, QV_API_CALL_TIMEOUT_MS, NULL, error))
            return -1;
    }
    if (config && !set_config(dom, disk, params, nparams, group_name, error)) {
        if (live)
            g_prefix_error(error, "the running guest has the new settings, but the "
                           "definition does not: ");
        return -1;
    }
    return 0;
}

int
qvirt_domain_get_block_io_tune(QvirtDomain *dom, const char *disk,
                               QvirtTypedParameter **params, int *nparams,
                               char **group_name, unsigned int flags, GError **error)
{
    g_autoptr(QvDomainDef) def = NULL;
    QvDiskIotune tune = { 0 };
    bool live, config;
    QvDiskDef *d;

    g_return_val_if_fail(dom != NULL && disk != NULL && params && nparams && group_name, -1);
    *params = NULL;
    *nparams = 0;
    *group_name = NULL;
    if (!impact(dom, flags, "blkdeviotune", &live, &config, error))
        return -1;
    if (live && config) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "blkdeviotune: the settings of the live guest or of the definition, not both");
        return -1;
    }
    if (live) {
        g_auto(QvCtlArgs) args = { .disk = g_strdup(disk) };
        g_autoptr(json_object) ret = NULL;
        const char *g = NULL;

        if (!qv_api_call(dom, QV_CTL_BLOCK_IOTUNE, &args, QV_API_CALL_TIMEOUT_MS, &ret, error))
            return -1;
        for (size_t i = 0; i < qv_iotune_nfields; i++) {
            uint64_t v = 0;

            qv_json_get_uint64(ret, qv_iotune_fields[i].name, &v, NULL, NULL);
            QV_IOTUNE_VALUE(&tune, i) = v;
        }
        qv_json_get_string(ret, "group_name", &g, NULL);
        *group_name = g && *g ? g_strdup(g) : NULL;
    } else {
        if (!(def = qv_conn_lookup(dom->conn->conn, dom->name, error)))
            return -1;
        if (!(d = qv_domain_find_disk(def, disk))) {
            g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND, "domain '%s' has no disk '%s'",
                        dom->name, disk);
            return -1;
        }
        tune = d->opts.iotune;
        *group_name = g_strdup(d->opts.iotune.group_name);
    }
    *params = g_new0(QvirtTypedParameter, qv_iotune_nfields);
    for (size_t i = 0; i < qv_iotune_nfields; i++) {
        (*params)[i].field = qv_iotune_fields[i].name;
        (*params)[i].value = QV_IOTUNE_VALUE(&tune, i);
    }
    *nparams = (int)qv_iotune_nfields;
    return 0;
}
