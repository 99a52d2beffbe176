/*
 * qv-domain-store: persistent domain definitions, one XML file per
 * domain in CONFIG_DIR/domains/NAME.xml.
 *
 * The store holds XML text and knows nothing of the domain model; it
 * reads only /domain/uuid to keep names and uuids unique.  The files are
 * the truth (no index).  Writers take an exclusive lock on
 * domains/.lock; every write is atomic, so readers never need the lock
 * and never see a partial definition.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "util/qv-paths.h"

G_BEGIN_DECLS

typedef struct _QvDomainStore QvDomainStore;

/* Opens (creating CONFIG_DIR/domains as needed) */
QvDomainStore *qv_domain_store_open(const QvPaths *paths, GError **error);
void qv_domain_store_free(QvDomainStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvDomainStore, qv_domain_store_free)

/* Non-empty, valid UTF-8, at most 200 bytes, no '/', no leading '.',
 * no control characters */
bool qv_domain_name_check(const char *name, GError **error);

/*
 * Store @xml as the definition of @name with @uuid.  Refuses a uuid used
 * by another name, and a name already defined with another uuid.
 * *@created (optional) tells a new domain from an updated one.  On
 * failure the previous definition is untouched.
 */
bool qv_domain_store_define(QvDomainStore *store, const char *name,
                            const char *uuid, const char *xml,
                            bool *created, GError **error);

/* QV_ERR_NOT_FOUND when @name is not defined */
bool qv_domain_store_undefine(QvDomainStore *store, const char *name,
                              GError **error);

/* The XML of the domain named, or else with the uuid, @name_or_uuid;
 * *@name_out (optional) gets its name */
char *qv_domain_store_read(QvDomainStore *store, const char *name_or_uuid,
                           char **name_out, GError **error);

/* Names of all stored domains, sorted (strings freed with the array) */
GPtrArray *qv_domain_store_list(QvDomainStore *store, GError **error);

/* The file holding @name's definition (new string) */
char *qv_domain_store_file(QvDomainStore *store, const char *name);

G_END_DECLS
