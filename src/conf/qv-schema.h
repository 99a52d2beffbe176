/*
 * qv-schema: the RelaxNG schema of the domain XML (schemas/domain.rng),
 * found, parsed once and applied to documents.
 *
 * The schema is looked up in $QVIRT_SCHEMA_DIR when set (and only there),
 * else in the source tree qvirt was built from (QVIRT_SCHEMA_DIR_BUILD),
 * else in the installed data folder (QVIRT_DATADIR/schemas).
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/*
 * Check @doc against the domain schema.  On failure sets a QV_ERR_XML
 * error "ORIGIN:LINE: element 'NAME': MESSAGE" for the innermost element
 * found at fault.  @origin names the document (a file name) or is NULL.
 * Thread-safe; libxml2 never prints while this runs.
 */
bool qv_schema_validate(xmlDocPtr doc, const char *origin, GError **error);

/* The schema file in use, or NULL when none was found */
const char *qv_schema_path(void);

G_END_DECLS
