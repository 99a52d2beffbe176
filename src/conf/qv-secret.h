/*
 * qv-secret: libvirt's secret XML (formatsecret): a secret's uuid,
 * description, what it is for (its usage: a volume's path, a ceph
 * client, an iscsi target, a TLS or vTPM name) and whether it is
 * ephemeral (never written to the config folder) or private (its value
 * never handed out again).  The value itself is the store's.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "util/qv-uuid.h"

G_BEGIN_DECLS

/* libvirt's virSecretUsageType, same values */
typedef enum {
    QV_SECRET_USAGE_NONE,
    QV_SECRET_USAGE_VOLUME,
    QV_SECRET_USAGE_CEPH,
    QV_SECRET_USAGE_ISCSI,
    QV_SECRET_USAGE_TLS,
    QV_SECRET_USAGE_VTPM,

    QV_SECRET_USAGE_LAST
} QvSecretUsage;

typedef struct {
    char uuid[QV_UUID_STRING_LEN];
    bool ephemeral;
    bool private_;
    char *description;
    QvSecretUsage usage;
    char *usage_id;          /* the volume path, ceph/tls/vtpm name, iscsi target; NULL for none */
} QvSecretDef;

void qv_secret_def_free(QvSecretDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvSecretDef, qv_secret_def_free)

/* "none", "volume", "ceph", "iscsi", "tls", "vtpm"; -1 when unknown */
const char *qv_secret_usage_to_string(QvSecretUsage u);
int qv_secret_usage_from_string(const char *s);

/* Parse @xml (errors QV_ERR_XML naming @origin); a missing <uuid> is generated */
QvSecretDef *qv_secret_parse_xml(const char *xml, const char *origin, GError **error);

/* libvirt's form: <secret ephemeral private><uuid/><description/><usage/></secret> */
char *qv_secret_format_xml(const QvSecretDef *def);

G_END_DECLS
