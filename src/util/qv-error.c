/*
 * qv-error: the error domain and its string table (the public
 * qvirt_error_* calls live here, at the bottom layer, so that every layer
 * and the qvirt executable have them).
 */
#include "util/qv-error.h"

#include <errno.h>
#include <string.h>

G_DEFINE_QUARK(qvirt-error-quark, qvirt_error)

static const char *const qv_error_code_names[] = {
    [QV_ERR_INTERNAL] = "internal",
    [QV_ERR_INVALID_ARG] = "invalid-argument",
    [QV_ERR_NOT_FOUND] = "not-found",
    [QV_ERR_IO] = "io",
    [QV_ERR_CORRUPT] = "corrupt",
    [QV_ERR_UNSAFE] = "unsafe",
    [QV_ERR_LOOP] = "loop",
    [QV_ERR_UNSUPPORTED] = "unsupported",
    [QV_ERR_PARSE] = "parse",
    [QV_ERR_XML] = "xml",
    [QV_ERR_OPERATION_INVALID] = "operation-invalid",
    [QV_ERR_TIMEOUT] = "timeout",
    [QV_ERR_BUSY] = "busy",
    [QV_ERR_LOCK_CONFLICT] = "lock-conflict",
    [QV_ERR_NO_DOMAIN] = "no-domain",
    [QV_ERR_OPERATION_FAILED] = "operation-failed",
    [QV_ERR_ABORTED] = "operation-aborted",
};
G_STATIC_ASSERT(G_N_ELEMENTS(qv_error_code_names) == QV_ERR_LAST);

const char *
qvirt_error_code_to_string(int code)
{
    if (code < 0 || code >= QV_ERR_LAST)
        return NULL;
    return qv_error_code_names[code];
}

void
qv_error_set_errno(GError **error, int errsv, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;
    QvErrorCode code = errsv == ENOENT ? QV_ERR_NOT_FOUND : QV_ERR_IO;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(error, QV_ERROR, code, "%s: %s", msg, g_strerror(errsv));
}
