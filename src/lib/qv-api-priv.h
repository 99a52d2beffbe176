/*
 * qv-api-priv: what the files of the public API share: the structs
 * behind QvirtConnect and QvirtDomain, and the argument checks every call
 * makes the same way.
 */
#pragma once

#include <stdbool.h>

#include "qvirt/qvirt.h"
#include "conf/qv-conn.h"
#include "supervisor/qv-ctl-proto.h"

G_BEGIN_DECLS

struct _QvirtConnect {
    QvConn *conn;
};

struct _QvirtDomain {
    QvirtConnect *conn;          /* borrowed: the connection outlives it */
    char *name;
    char uuid[37];
};

/* How long a life-cycle call waits for the supervisor's answer */
#define QV_API_CALL_TIMEOUT_MS (60 * 1000)
/* libvirt's destroy: SIGKILL when SIGTERM has not worked after 10 s */
#define QV_API_DESTROY_GRACE_S 10

/* A handle for @def's domain */
QvirtDomain *qv_api_domain_new(QvirtConnect *conn, const QvDomainDef *def);

/* Refuse flags outside @known: "@what: unsupported flags 0x..." */
bool qv_api_check_flags(unsigned int flags, unsigned int known,
                        const char *what, GError **error);

/* Send @cmd to the supervisor of @dom's domain */
bool qv_api_call(QvirtDomain *dom, QvCtlCommand cmd, const QvCtlArgs *args,
                 unsigned int timeout_ms, json_object **ret, GError **error);

/*
 * Check and store @xml; the errors name @origin (the file it came from,
 * or "the domain XML").  *@created (optional): whether it is a new
 * domain; *@kept (optional, new string or NULL): what is kept as
 * written but not applied, one line per note: the elements kept
 * verbatim, then each disk setting with the reason.
 */
QvirtDomain *qv_api_define(QvirtConnect *conn, const char *xml,
                           const char *origin, unsigned int flags,
                           bool *created, char **kept, GError **error);

/* Start @dom; *@dropped (optional, NULL-terminated, new): what the
 * startup policies dropped, one line each */
int qv_api_create(QvirtDomain *dom, unsigned int flags, char ***dropped,
                  GError **error);

G_END_DECLS
