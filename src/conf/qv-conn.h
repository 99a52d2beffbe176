/*
 * qv-conn: a connection to one qvirt root: the folders (config, state,
 * run) and the stored definitions, with the operations the CLI and the
 * public API share: define, undefine, lookup, list, dump.
 */
#pragma once

#include "conf/qv-domain.h"
#include "conf/qv-domain-store.h"
#include "util/qv-paths.h"

G_BEGIN_DECLS

/*
 * A driver's checks of a parsed definition, run after conf's own: what
 * libvirt's virDomainXMLOption carries as the driver's validate callback.
 * conf cannot call the QEMU rules itself (they are a layer above), so
 * whoever opens a connection for QEMU sets qv_qemu_validate_def here.
 */
typedef bool (*QvDefValidateFunc)(const QvDomainDef *def, GError **error);

typedef struct {
    QvPaths *paths;
    QvDomainStore *store;
    QvDefValidateFunc validate_def;  /* run by define; NULL: none */
} QvConn;

/* @root: NULL for QVIRT_ROOT or the default folders */
QvConn *qv_conn_open(const char *root, GError **error);
void qv_conn_free(QvConn *conn);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvConn, qv_conn_free)

typedef enum {
    QV_DEFINE_VALIDATE_CHAINS = 1 << 0,  /* compare given chains with the images */
} QvDefineFlags;

/* Parse, check (schema, semantics, @validate_def when not NULL,
 * optionally chains) without storing */
QvDomainDef *qv_conn_check_xml(const char *xml, const char *origin,
                               unsigned int flags,
                               QvDefValidateFunc validate_def,
                               GError **error);

/* Check (with conn->validate_def) and store; returns the stored definition */
QvDomainDef *qv_conn_define_xml(QvConn *conn, const char *xml,
                                const char *origin, unsigned int flags,
                                bool *created, GError **error);

bool qv_conn_undefine(QvConn *conn, const char *name, GError **error);

/* By name or uuid */
QvDomainDef *qv_conn_lookup(QvConn *conn, const char *name,
                            GError **error);

/* Sorted names of the defined domains */
GPtrArray *qv_conn_list(QvConn *conn, GError **error);

/* Read the chains of disks whose chain was not given, best effort: an
 * image that cannot be read leaves that chain unknown */
void qv_domain_probe_chains(QvDomainDef *def);

/* ", "-joined names of the elements kept verbatim but not applied, or
 * NULL when there are none */
char *qv_domain_kept_summary(const QvDomainDef *def);

G_END_DECLS
