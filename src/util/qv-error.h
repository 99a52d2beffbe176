/*
 * qv-error: the one error domain of qvirt.
 *
 * Every failure in library code is reported as a GError in QV_ERROR with a
 * code from QvErrorCode.  Domain and codes are the public ones of
 * include/qvirt/qvirt-error.h (one list: callers of the API act on the
 * codes the layers below set); QV_ERR_* are their internal names.
 * Messages name the object ("backing file 'x' of 'y' ...") and are never
 * split across lines, so they stay greppable.  Library code never prints
 * and never exits.
 */
#pragma once

#include <glib.h>

#include "qvirt/qvirt-error.h"

G_BEGIN_DECLS

#define QV_ERROR QVIRT_ERROR
#define qv_error_quark qvirt_error_quark

typedef QvirtErrorCode QvErrorCode;

#define QV_ERR_INTERNAL QVIRT_ERR_INTERNAL
#define QV_ERR_INVALID_ARG QVIRT_ERR_INVALID_ARG
#define QV_ERR_NOT_FOUND QVIRT_ERR_NOT_FOUND
#define QV_ERR_IO QVIRT_ERR_IO
#define QV_ERR_CORRUPT QVIRT_ERR_CORRUPT
#define QV_ERR_UNSAFE QVIRT_ERR_UNSAFE
#define QV_ERR_LOOP QVIRT_ERR_LOOP
#define QV_ERR_UNSUPPORTED QVIRT_ERR_UNSUPPORTED
#define QV_ERR_PARSE QVIRT_ERR_PARSE
#define QV_ERR_XML QVIRT_ERR_XML
#define QV_ERR_OPERATION_INVALID QVIRT_ERR_OPERATION_INVALID
#define QV_ERR_TIMEOUT QVIRT_ERR_TIMEOUT
#define QV_ERR_BUSY QVIRT_ERR_BUSY
#define QV_ERR_LOCK_CONFLICT QVIRT_ERR_LOCK_CONFLICT
#define QV_ERR_NO_DOMAIN QVIRT_ERR_NO_DOMAIN
#define QV_ERR_OPERATION_FAILED QVIRT_ERR_OPERATION_FAILED
#define QV_ERR_ABORTED QVIRT_ERR_OPERATION_ABORTED
#define QV_ERR_LAST QVIRT_ERR_LAST

#define qv_error_code_to_string qvirt_error_code_to_string

/* Set *error from errno with "what 'object': strerror" */
void qv_error_set_errno(GError **error, int errsv, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

G_END_DECLS
