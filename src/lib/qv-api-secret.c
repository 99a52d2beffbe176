/*
 * qv-api-secret: the public secret calls (virSecret*), over conf's
 * secret store.  A handle carries the definition as it was when looked
 * up; the value is read from the store each time.
 */
#include <string.h>

#include "qvirt/qvirt.h"
#include "conf/qv-secret-store.h"
#include "lib/qv-api-priv.h"
#include "util/qv-error.h"

struct _QvirtSecret {
    QvirtConnect *conn;      /* borrowed: the connection outlives it */
    QvSecretDef *def;
};

static QvirtSecret *
secret_new(QvirtConnect *conn, QvSecretDef **def)
{
    QvirtSecret *s;

    if (!*def)
        return NULL;
    s = g_new0(QvirtSecret, 1);
    s->conn = conn;
    s->def = g_steal_pointer(def);
    return s;
}

static QvSecretStore *
store_open(QvirtConnect *conn, GError **error)
{
    if (!conn) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "no connection");
        return NULL;
    }
    return qv_secret_store_open(conn->conn->paths, error);
}

QvirtSecret *
qvirt_secret_define_xml(QvirtConnect *conn, const char *xml, unsigned int flags, GError **error)
{
    g_autoptr(QvSecretStore) store = NULL;
    QvSecretDef *def;

    if (!qv_api_check_flags(flags, 0, "qvirt_secret_define_xml", error) ||
        !(store = store_open(conn, error)))
        return NULL;
    if (!xml) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "qvirt_secret_define_xml: no XML given");
        return NULL;
    }
    def = qv_secret_store_define(store, xml, "the secret XML", error);
    return secret_new(conn, &def);
}

QvirtSecret *
qvirt_secret_lookup_by_uuid_string(QvirtConnect *conn, const char *uuid, GError **error)
{
    g_autoptr(QvSecretStore) store = store_open(conn, error);
    QvSecretDef *def;

    if (!store)
        return NULL;
    if (!uuid) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "qvirt_secret_lookup_by_uuid_string: no uuid given");
        return NULL;
    }
    def = qv_secret_store_lookup_uuid(store, uuid, error);
    return secret_new(conn, &def);
}

QvirtSecret *
qvirt_secret_lookup_by_usage(QvirtConnect *conn, int usage_type, const char *usage_id,
                             GError **error)
{
    g_autoptr(QvSecretStore) store = store_open(conn, error);
    QvSecretDef *def;

    if (!store)
        return NULL;
    if (usage_type <= QVIRT_SECRET_USAGE_TYPE_NONE || usage_type >= QV_SECRET_USAGE_LAST) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "qvirt_secret_lookup_by_usage: unknown usage type %d (expected 1 volume to 5 vtpm)",
                    usage_type);
        return NULL;
    }
    def = qv_secret_store_lookup_usage(store, (QvSecretUsage)usage_type, usage_id, error);
    return secret_new(conn, &def);
}

void
qvirt_secret_free(QvirtSecret *secret)
{
    if (!secret)
        return;
    qv_secret_def_free(secret->def);
    g_free(secret);
}

const char *
qvirt_secret_get_uuid_string(const QvirtSecret *secret)
{
    return secret ? secret->def->uuid : NULL;
}

int
qvirt_secret_get_usage_type(const QvirtSecret *secret)
{
    return secret ? (int)secret->def->usage : -1;
}

const char *
qvirt_secret_get_usage_id(const QvirtSecret *secret)
{
    return secret ? secret->def->usage_id : NULL;
}

char *
qvirt_secret_get_xml_desc(QvirtSecret *secret, unsigned int flags, GError **error)
{
    g_autoptr(QvSecretStore) store = NULL;
    g_autoptr(QvSecretDef) now = NULL;

    if (!qv_api_check_flags(flags, 0, "qvirt_secret_get_xml_desc", error) ||
        !(store = store_open(secret->conn, error)) ||
        !(now = qv_secret_store_lookup_uuid(store, secret->def->uuid, error)))
        return NULL;
    return qv_secret_format_xml(now);
}

int
qvirt_secret_set_value(QvirtSecret *secret, const unsigned char *value, size_t size,
                       unsigned int flags, GError **error)
{
    g_autoptr(QvSecretStore) store = NULL;

    if (!qv_api_check_flags(flags, 0, "qvirt_secret_set_value", error) ||
        !(store = store_open(secret->conn, error)))
        return -1;
    if (!value && size) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "qvirt_secret_set_value: no value given");
        return -1;
    }
    return qv_secret_store_set_value(store, secret->def->uuid, value, size, error) ? 0 : -1;
}

unsigned char *
qvirt_secret_get_value(QvirtSecret *secret, size_t *size, unsigned int flags, GError **error)
{
    g_autoptr(QvSecretStore) store = NULL;
    uint8_t *value = NULL;
    size_t len = 0;

    if (!qv_api_check_flags(flags, 0, "qvirt_secret_get_value", error) ||
        !(store = store_open(secret->conn, error)) ||
        !qv_secret_store_get_value(store, secret->def->uuid, false, &value, &len, error))
        return NULL;
    if (size)
        *size = len;
    return value;
}

int
qvirt_secret_undefine(QvirtSecret *secret, GError **error)
{
    g_autoptr(QvSecretStore) store = store_open(secret->conn, error);

    if (!store)
        return -1;
    return qv_secret_store_undefine(store, secret->def->uuid, error) ? 0 : -1;
}

static bool
list_match(const QvSecretDef *def, unsigned int flags)
{
    unsigned int eph = flags & (QVIRT_CONNECT_LIST_SECRETS_EPHEMERAL | QVIRT_CONNECT_LIST_SECRETS_NO_EPHEMERAL);
    unsigned int priv = flags & (QVIRT_CONNECT_LIST_SECRETS_PRIVATE | QVIRT_CONNECT_LIST_SECRETS_NO_PRIVATE);

    if (eph && !(eph & (def->ephemeral ? QVIRT_CONNECT_LIST_SECRETS_EPHEMERAL :
                        QVIRT_CONNECT_LIST_SECRETS_NO_EPHEMERAL)))
        return false;
    if (priv && !(priv & (def->private_ ? QVIRT_CONNECT_LIST_SECRETS_PRIVATE :
                          QVIRT_CONNECT_LIST_SECRETS_NO_PRIVATE)))
        return false;
    return true;
}

int
qvirt_connect_list_all_secrets(QvirtConnect *conn, QvirtSecret ***secrets, unsigned int flags,
                               GError **error)
{
    const unsigned int known = QVIRT_CONNECT_LIST_SECRETS_EPHEMERAL | QVIRT_CONNECT_LIST_SECRETS_NO_EPHEMERAL |
                               QVIRT_CONNECT_LIST_SECRETS_PRIVATE | QVIRT_CONNECT_LIST_SECRETS_NO_PRIVATE;
    g_autoptr(QvSecretStore) store = NULL;
    g_autoptr(GPtrArray) all = NULL;
    GPtrArray *out;
    int n;

    if (!qv_api_check_flags(flags, known, "qvirt_connect_list_all_secrets", error) ||
        !(store = store_open(conn, error)) || !(all = qv_secret_store_list(store, error)))
        return -1;
    out = g_ptr_array_new();
    for (guint i = 0; i < all->len; i++) {
        QvSecretDef *def;

        if (!list_match(all->pdata[i], flags))
            continue;
        def = g_steal_pointer(&all->pdata[i]);
        g_ptr_array_add(out, secret_new(conn, &def));
    }
    n = (int)out->len;
    if (secrets) {
        g_ptr_array_add(out, NULL);
        *secrets = (QvirtSecret **)g_ptr_array_free(out, FALSE);
    } else {
        g_ptr_array_set_free_func(out, (GDestroyNotify)qvirt_secret_free);
        g_ptr_array_free(out, TRUE);
    }
    return n;
}
