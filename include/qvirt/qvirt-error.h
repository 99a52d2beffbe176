/*
 * qvirt-error.h: the error domain of qvirt and its codes, the one list
 * that the library, the supervisor and the CLI use (src/util/qv-error.h
 * gives them their internal QV_ERR_* names).  Included by qvirt.h.
 *
 * Every call that fails sets a GError in QVIRT_ERROR whose code says what
 * a caller can do about it, and whose message says it to a person: test
 * the code, never the message.  Codes keep their values; new ones are
 * added before QVIRT_ERR_LAST.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The GError domain of every qvirt error.
 *
 * Since: 0.2.0
 */
#define QVIRT_ERROR (qvirt_error_quark())
GQuark qvirt_error_quark(void);

/*
 * Since: 0.2.0 (the first ten existed unnamed in 0.1.0, with the same
 * values)
 */
typedef enum {
    QVIRT_ERR_INTERNAL = 0,          /* a bug in qvirt */
    QVIRT_ERR_INVALID_ARG = 1,       /* bad input from the caller: flags, names, options */
    QVIRT_ERR_NOT_FOUND = 2,         /* a file, disk or job does not exist */
    QVIRT_ERR_IO = 3,                /* a system call failed */
    QVIRT_ERR_CORRUPT = 4,           /* an image header is malformed or out of bounds */
    QVIRT_ERR_UNSAFE = 5,            /* refusing to follow something that could expose the host */
    QVIRT_ERR_LOOP = 6,              /* a backing chain refers back to itself */
    QVIRT_ERR_UNSUPPORTED = 7,       /* valid, but not something qvirt (or QEMU) handles */
    QVIRT_ERR_PARSE = 8,             /* a string (backing name, URI, json:) does not parse */
    QVIRT_ERR_XML = 9,               /* malformed or invalid XML */
    /* libvirt's VIR_ERR_OPERATION_INVALID: not in this state, e.g. the
     * domain is not running (or already is), or the job is not ready */
    QVIRT_ERR_OPERATION_INVALID = 10,
    /* no answer in time: QEMU's monitor, the supervisor, a wait for a
     * job; what was asked may still happen */
    QVIRT_ERR_TIMEOUT = 11,
    /* in use by another operation, for now: a disk that has a block job,
     * a domain being destroyed; retrying later may work */
    QVIRT_ERR_BUSY = 12,
    /* a disk lease is held by another host or process */
    QVIRT_ERR_LOCK_CONFLICT = 13,
    /* libvirt's VIR_ERR_NO_DOMAIN: no domain of that name or uuid */
    QVIRT_ERR_NO_DOMAIN = 14,
    /* libvirt's VIR_ERR_OPERATION_FAILED: it was tried and did not work,
     * e.g. a migration whose copy failed (since 0.3.0) */
    QVIRT_ERR_OPERATION_FAILED = 15,
    /* libvirt's VIR_ERR_OPERATION_ABORTED: stopped on request, e.g. by
     * domjobabort (since 0.3.0) */
    QVIRT_ERR_OPERATION_ABORTED = 16,

    QVIRT_ERR_LAST
} QvirtErrorCode;

/*
 * A stable short name for @code ("invalid-argument", "timeout"), or NULL
 * for a code this version does not know.
 *
 * Since: 0.2.0
 */
const char *qvirt_error_code_to_string(int code);

G_END_DECLS
