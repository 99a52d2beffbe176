/*
 * qv-error: the one error domain of qvirt.
 *
 * Every failure in library code is reported as a GError in QV_ERROR with a
 * code from QvErrorCode.  Messages name the object ("backing file 'x' of
 * 'y' ...") and are never split across lines, so they stay greppable.
 * Library code never prints and never exits.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define QV_ERROR (qv_error_quark())
GQuark qv_error_quark(void);

typedef enum {
    QV_ERR_INTERNAL,      /* a bug in qvirt */
    QV_ERR_INVALID_ARG,   /* bad input from the caller: flags, names, options */
    QV_ERR_NOT_FOUND,     /* a file or object does not exist */
    QV_ERR_IO,            /* a system call failed */
    QV_ERR_CORRUPT,       /* an image header is malformed or out of bounds */
    QV_ERR_UNSAFE,        /* refusing to follow something that could expose the host */
    QV_ERR_LOOP,          /* a backing chain refers back to itself */
    QV_ERR_UNSUPPORTED,   /* valid, but not something qvirt (or QEMU) handles */
    QV_ERR_PARSE,         /* a string (backing name, URI, json:) does not parse */
    QV_ERR_XML,           /* malformed or invalid XML */

    QV_ERR_LAST
} QvErrorCode;

const char *qv_error_code_to_string(QvErrorCode code);

/* Set *error from errno with "what 'object': strerror" */
void qv_error_set_errno(GError **error, int errsv, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

G_END_DECLS
