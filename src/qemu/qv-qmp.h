/*
 * qv-qmp: an asynchronous QMP client on a GLib main context.
 *
 * One QvQmp owns one connected socket to a QEMU monitor.  Everything
 * happens on the GMainContext given at creation (no threads): input and
 * output are GSources on the fd, each command carries an "id" and its own
 * timeout, events go to one handler, and losing the connection fails every
 * pending command and then calls the closed handler once.
 *
 * Callbacks may call any function here, including qv_qmp_free() and the
 * synchronous helpers (a nested main-context iteration is supported).
 */
#pragma once

#include <glib.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

G_BEGIN_DECLS

typedef struct _QvQmp QvQmp;

/* Default cap on one incoming message (query-named-block-nodes of a
 * large graph is tens of MB) */
#define QV_QMP_MAX_MESSAGE_DEFAULT ((size_t)64 * 1024 * 1024)

/*
 * Reply to one command: @ret is QEMU's "return" value (borrowed: take a
 * reference to keep it) and @error NULL, or @ret NULL and @error set:
 * QV_ERR_UNSUPPORTED for a CommandNotFound reply, QV_ERR_INVALID_ARG for
 * any other QMP error reply (the message carries QEMU's "desc"),
 * QV_ERR_IO for a timeout or a lost connection, QV_ERR_INTERNAL for a
 * protocol error.  Called exactly once per command.
 */
typedef void (*QvQmpReplyFunc)(QvQmp *qmp, json_object *ret,
                               const GError *error, gpointer opaque);

/* An event: @data is borrowed and NULL when QEMU sent none */
typedef void (*QvQmpEventFunc)(QvQmp *qmp, const char *event,
                               json_object *data, gint64 seconds,
                               gint64 microseconds, gpointer opaque);

/* The connection is gone (EOF, I/O or protocol error): called once, after
 * every pending command has failed.  Not called by qv_qmp_free(). */
typedef void (*QvQmpClosedFunc)(QvQmp *qmp, const GError *reason,
                                gpointer opaque);

/* Wrap a connected socket; @fd is stolen (closed by the QvQmp) */
QvQmp *qv_qmp_new(int fd, GMainContext *ctx);

/* Connect to a unix socket, retrying while it does not exist yet or
 * refuses connections (QEMU may still be starting) */
QvQmp *qv_qmp_connect_unix(const char *path, GMainContext *ctx,
                           unsigned int timeout_ms, GError **error);

/* Close the connection and free; pending commands fail (their callbacks
 * run before this returns).  Safe inside a callback. */
void qv_qmp_free(QvQmp *qmp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvQmp, qv_qmp_free)

void qv_qmp_set_event_handler(QvQmp *qmp, QvQmpEventFunc fn,
                              gpointer opaque);
void qv_qmp_set_closed_handler(QvQmp *qmp, QvQmpClosedFunc fn,
                               gpointer opaque);

/* Lower the message size cap (tests); 0 restores the default */
void qv_qmp_set_max_message_size(QvQmp *qmp, size_t max);

/*
 * Wait for the greeting, then send qmp_capabilities; @cb gets the reply.
 * @timeout_ms (0: none) covers both steps.
 */
void qv_qmp_handshake_async(QvQmp *qmp, unsigned int timeout_ms,
                            QvQmpReplyFunc cb, gpointer opaque);
bool qv_qmp_handshake(QvQmp *qmp, unsigned int timeout_ms, GError **error);

/* From the greeting; false until it arrived */
bool qv_qmp_get_version(QvQmp *qmp, int *major, int *minor, int *micro);
const char *qv_qmp_get_package(QvQmp *qmp);
bool qv_qmp_has_capability(QvQmp *qmp, const char *cap);

bool qv_qmp_is_closed(QvQmp *qmp);

/*
 * Send @name with @args (stolen, may be NULL); @cb is called once with
 * the reply, a timeout error naming the command after @timeout_ms (0: no
 * timeout), or the connection's failure.  Never called before this
 * returns.
 */
void qv_qmp_command(QvQmp *qmp, const char *name, json_object *args,
                    unsigned int timeout_ms, QvQmpReplyFunc cb,
                    gpointer opaque);

/* The same, passing @fd (stolen; -1: none) to QEMU with the command
 * (SCM_RIGHTS), as getfd and add-fd take theirs; the fd is closed here
 * once QEMU has its copy, or when the command cannot be sent */
void qv_qmp_command_fd(QvQmp *qmp, const char *name, json_object *args, int fd,
                       unsigned int timeout_ms, QvQmpReplyFunc cb,
                       gpointer opaque);

/*
 * Like qv_qmp_command, but iterate the context until the reply arrives.
 * *@args (stolen: set to NULL; @args or *@args may be NULL) are the
 * arguments.  True on success, with *@ret (optional) a new reference to
 * the "return" value, which may be NULL for a null return; false with
 * @error set otherwise.
 */
bool qv_qmp_command_sync(QvQmp *qmp, const char *name, json_object **args,
                         unsigned int timeout_ms, json_object **ret,
                         GError **error);
bool qv_qmp_command_sync_fd(QvQmp *qmp, const char *name, json_object **args, int fd,
                            unsigned int timeout_ms, json_object **ret,
                            GError **error);

/* Whether @error is a timeout (QV_ERR_TIMEOUT), as qv_qmp_command
 * reports one, also once it has crossed the supervisor's socket (which
 * keeps domain and code) with context prefixed on the way */
bool qv_qmp_error_is_timeout(const GError *error);

/* What to tell the person whose command @name (with @args, may be NULL)
 * timed out, when the command is known to grow with the guest's block
 * graph; NULL when there is nothing to add */
const char *qv_qmp_timeout_hint(const char *name, json_object *args);

G_END_DECLS
