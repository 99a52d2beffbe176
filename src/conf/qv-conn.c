/*
 * qv-conn: definitions under a root.  The stored document is qvirt's own
 * formatting of the parsed definition, so what is stored has passed the
 * parser, the schema and the semantic checks.
 */
#include "conf/qv-conn.h"

#include <string.h>

#include "storage/qv-chain.h"
#include "conf/qv-domain-validate.h"
#include "conf/qv-domain-xml.h"
#include "util/qv-error.h"

QvConn *
qv_conn_open(const char *root, GError **error)
{
    g_autoptr(QvConn) conn = g_new0(QvConn, 1);

    if (!(conn->paths = qv_paths_new(root, error)))
        return NULL;
    if (!(conn->store = qv_domain_store_open(conn->paths, error)))
        return NULL;
    return g_steal_pointer(&conn);
}

void
qv_conn_free(QvConn *conn)
{
    if (!conn)
        return;
    if (conn->store)
        qv_domain_store_free(conn->store);
    if (conn->paths)
        qv_paths_free(conn->paths);
    g_free(conn);
}

QvDomainDef *
qv_conn_check_xml(const char *xml, const char *origin, unsigned int flags,
                  QvDefValidateFunc validate_def, GError **error)
{
    g_autoptr(QvDomainDef) def = qv_domain_parse_xml(xml, origin, 0, error);

    if (!def)
        return NULL;
    if (!qv_domain_name_check(def->name, error) ||
        !qv_domain_validate(def, error) ||
        (validate_def && !validate_def(def, error)))
        return NULL;
    if ((flags & QV_DEFINE_VALIDATE_CHAINS) &&
        !qv_domain_validate_chains(def, error))
        return NULL;
    return g_steal_pointer(&def);
}

QvDomainDef *
qv_conn_define_xml(QvConn *conn, const char *xml, const char *origin,
                   unsigned int flags, bool *created, GError **error)
{
    g_autoptr(QvDomainDef) def = qv_conn_check_xml(xml, origin, flags,
                                                   conn->validate_def, error);
    g_autofree char *out = NULL;

    if (!def)
        return NULL;
    /* a document without <uuid> updates the domain of that name, as one
     * would expect from editing a file that never had one */
    if (def->uuid_generated) {
        g_autoptr(QvDomainDef) old = qv_conn_lookup(conn, def->name, NULL);

        if (old && g_strcmp0(old->name, def->name) == 0)
            g_strlcpy(def->uuid, old->uuid, sizeof(def->uuid));
    }
    out = qv_domain_format_xml(def, 0);
    if (!qv_domain_store_define(conn->store, def->name, def->uuid, out,
                                created, error))
        return NULL;
    return g_steal_pointer(&def);
}

bool
qv_conn_undefine(QvConn *conn, const char *name, GError **error)
{
    return qv_domain_store_undefine(conn->store, name, error);
}

QvDomainDef *
qv_conn_lookup(QvConn *conn, const char *name, GError **error)
{
    g_autofree char *real = NULL;
    g_autofree char *xml = qv_domain_store_read(conn->store, name, &real,
                                                error);
    g_autofree char *origin = NULL;

    if (!xml)
        return NULL;
    origin = g_strdup_printf("definition of domain '%s'", real);
    /* stored definitions are qvirt's own output, checked against the
     * schema when they were defined */
    return qv_domain_parse_xml(xml, origin, QV_DOMAIN_XML_NO_SCHEMA, error);
}

GPtrArray *
qv_conn_list(QvConn *conn, GError **error)
{
    return qv_domain_store_list(conn->store, error);
}

static void
probe_tree(QvStorageSource *src)
{
    g_autoptr(QvStorageSource) probe = NULL;

    if (src->type == QV_STORAGE_QUORUM) {
        for (size_t i = 0; i < src->nbacking; i++)
            probe_tree(src->backing[i]);
        return;
    }
    if (!qv_source_is_local(src) || !src->path || src->type == QV_STORAGE_DIR ||
        src->nbacking > 0 || src->backing_known)
        return;
    /* an absent format is raw, as in libvirt: never guessed at run time */
    probe = qv_chain_open(src->path, src->format == QV_FORMAT_NONE ?
                          QV_FORMAT_RAW : src->format, NULL);
    if (!probe)
        return;
    src->backing = g_steal_pointer(&probe->backing);
    src->nbacking = probe->nbacking;
    probe->nbacking = 0;
    src->backing_known = probe->backing_known;
}

void
qv_domain_probe_chains(QvDomainDef *def)
{
    for (size_t i = 0; i < def->ndisks; i++) {
        QvDiskDef *disk = def->disks[i];

        /* a quorum's children are given; their own chains may not be */
        if (disk->has_source &&
            (!disk->chain_given || disk->src->type == QV_STORAGE_QUORUM))
            probe_tree(disk->src);
    }
}

/* "<interface type='network'>..." -> "interface" */
static char *
element_name(const char *xml)
{
    const char *p = xml;
    size_t n = 0;

    while (*p && *p != '<')
        p++;
    if (*p == '<')
        p++;
    while (p[n] && !g_ascii_isspace(p[n]) && p[n] != '>' && p[n] != '/')
        n++;
    return g_strndup(p, n);
}

char *
qv_domain_kept_summary(const QvDomainDef *def)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    char **const lists[] = { def->kept_toplevel, def->kept_devices };
    const size_t counts[] = { def->nkept_toplevel, def->nkept_devices };

    for (size_t l = 0; l < G_N_ELEMENTS(lists); l++) {
        for (size_t i = 0; i < counts[l]; i++) {
            g_autofree char *n = element_name(lists[l][i]);
            bool dup = false;

            for (size_t j = 0; j < names->len; j++)
                dup |= strcmp(names->pdata[j], n) == 0;
            if (!dup && *n)
                g_ptr_array_add(names, g_steal_pointer(&n));
        }
    }
    if (names->len == 0)
        return NULL;
    g_ptr_array_add(names, NULL);
    return g_strjoinv(", ", (char **)names->pdata);
}
