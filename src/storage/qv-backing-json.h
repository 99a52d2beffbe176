/*
 * qv-backing-json: internal interface between the backing string parser
 * (qv-backing.c) and its "json:{...}" pseudo-protocol (qv-backing-json.c).
 *
 * Not for use outside src/storage.  Errors set here carry a bare message;
 * qv_backing_parse() adds "backing file 'NAME' of 'PARENT': " once.
 */
#pragma once

#include "storage/qv-source.h"

G_BEGIN_DECLS

/* Parse the text after "json:" (in qv-backing-json.c) */
QvStorageSource *qv_backing_json_parse(const char *json,
                                       const char *parent_path,
                                       GError **error);

/*
 * Helpers in qv-backing.c that the JSON parser shares.
 *
 * qv_backing_parse_network: parse a URI or colon string naming network
 * storage (the "filename" or "url" member of a network driver); fails
 * unless it names @expect.
 *
 * qv_backing_local_path: the path of a local file named inside a
 * protocol prefix or json: ("file:x", "filename": "x").  QEMU opens a
 * relative one against its own working folder, not the overlay's, so
 * with a @parent_path it is refused; without one it joins the current
 * folder.
 */
/* Set a QV_ERR_PARSE error from a format; returns NULL so that a parser
 * can "return qv_backing_fail(error, ...);" */
void *qv_backing_fail(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

QvStorageSource *qv_backing_parse_network(const char *str,
                                          QvNetProtocol expect,
                                          GError **error);
char *qv_backing_local_path(const char *path, const char *parent_path,
                            GError **error);

G_END_DECLS
