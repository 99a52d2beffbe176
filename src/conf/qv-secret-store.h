/*
 * qv-secret-store: secrets as files, the way libvirt's secret driver
 * keeps them: CONFIG_DIR/secrets/UUID.xml for the definition and
 * UUID.base64 for the value, both 0600 in a 0700 folder.  An ephemeral
 * secret lives under RUN_DIR/secrets instead: never in the config
 * folder, gone when the host restarts.  Writers hold the store's lock;
 * every write is atomic.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "conf/qv-secret.h"
#include "util/qv-paths.h"

G_BEGIN_DECLS

typedef struct _QvSecretStore QvSecretStore;

/* Largest value accepted, in bytes */
#define QV_SECRET_VALUE_MAX (64 * 1024)

/* Opens, creating the folders as needed */
QvSecretStore *qv_secret_store_open(const QvPaths *paths, GError **error);
void qv_secret_store_free(QvSecretStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvSecretStore, qv_secret_store_free)

/*
 * Parse and store the secret XML @xml (@origin names it in errors).  A
 * secret of the same uuid is updated (its value kept) unless that would
 * change its usage or its ephemeral/private flags; another secret with
 * the same usage is refused, as in libvirt.  Returns the definition.
 */
QvSecretDef *qv_secret_store_define(QvSecretStore *store, const char *xml,
                                    const char *origin, GError **error);

/* Remove the definition and the value; QV_ERR_NOT_FOUND when absent */
bool qv_secret_store_undefine(QvSecretStore *store, const char *uuid, GError **error);

/* QV_ERR_NOT_FOUND: "no secret with matching uuid 'X'" / usage */
QvSecretDef *qv_secret_store_lookup_uuid(QvSecretStore *store, const char *uuid,
                                         GError **error);
QvSecretDef *qv_secret_store_lookup_usage(QvSecretStore *store, QvSecretUsage usage,
                                          const char *usage_id, GError **error);

/* Every secret (QvSecretDef, freed with the array), sorted by uuid */
GPtrArray *qv_secret_store_list(QvSecretStore *store, GError **error);

/* Whether @uuid has a value */
bool qv_secret_store_has_value(QvSecretStore *store, const char *uuid);

/* Set the value (copied; at most QV_SECRET_VALUE_MAX bytes) */
bool qv_secret_store_set_value(QvSecretStore *store, const char *uuid,
                               const uint8_t *value, size_t len, GError **error);

/*
 * The value of @uuid into *@value (free with qv_secret_value_free).  A
 * private secret's value is refused ("secret is private") unless
 * @internal: qvirt itself handing it to QEMU.
 */
bool qv_secret_store_get_value(QvSecretStore *store, const char *uuid, bool internal,
                               uint8_t **value, size_t *len, GError **error);

/* Wipe and free a value */
void qv_secret_value_free(uint8_t *value, size_t len);

G_END_DECLS
