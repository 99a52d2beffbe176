/*
 * qv-control: the supervisor's control socket protocol.
 *
 * A client connects to run/NAME.sock, writes one JSON object on one line
 * ({"cmd": "status"}, {"cmd": "destroy"}, ...), and reads one line back:
 * {"ok": true, "return": VALUE} or {"ok": false, "error": "message",
 * "code": N}.  One request per connection; the server closes it after
 * the answer.  An answer may come later than the request (destroy
 * answers once QEMU has exited), so the server hands each request to its
 * handler as an object that is answered exactly once.
 *
 * The same line framing carries the supervisor's one report to the CLI
 * that started it (through a pipe).
 */
#pragma once

#include <glib.h>
#include <json-c/json.h>
#include <stdbool.h>

G_BEGIN_DECLS

typedef struct _QvCtlServer QvCtlServer;
typedef struct _QvCtlRequest QvCtlRequest;

/* @msg is borrowed for the call; answer @req now or later */
typedef void (*QvCtlHandler)(QvCtlRequest *req, json_object *msg,
                             gpointer opaque);

/* Listen on @path (a stale socket file is replaced) in @ctx */
QvCtlServer *qv_ctl_server_new(const char *path, GMainContext *ctx,
                               QvCtlHandler handler, gpointer opaque,
                               GError **error);
/* Stop listening and remove the socket file; the requests already taken
 * can still be answered (a new server may then listen at the path) */
void qv_ctl_server_close(QvCtlServer *srv);
/* Stops listening (as qv_ctl_server_close, unless done), closes
 * unanswered requests */
void qv_ctl_server_free(QvCtlServer *srv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvCtlServer, qv_ctl_server_free)

/* Answer and free @req; @ret (stolen) may be NULL for {"return": null} */
void qv_ctl_reply(QvCtlRequest *req, json_object *ret);
void qv_ctl_reply_error(QvCtlRequest *req, const GError *err);

/* Call @fn(@data) once if the client goes away before @req is answered
 * (a long request whose work should stop without anyone to tell); the
 * request stays to be answered (the answer goes nowhere) */
void qv_ctl_request_on_close(QvCtlRequest *req, GDestroyNotify fn, gpointer data);

/* Write @msg as one line to @fd (blocking) */
bool qv_ctl_write_line(int fd, json_object *msg, GError **error);

/*
 * Read one line from @fd and parse it as a JSON object, waiting until
 * the monotonic time @deadline (microseconds).  @what names the peer in
 * errors.  EOF before a line sets *@eof (optional) and an error.
 */
json_object *qv_ctl_read_line(int fd, gint64 deadline, const char *what,
                              bool *eof, GError **error);

/* Connect to the control socket @path; -1 with @error when nobody listens */
int qv_ctl_connect(const char *path, GError **error);

/*
 * Turn an answer into its "return" value (a new reference; NULL for
 * null) or @error: the message the supervisor sent, code preserved.
 */
bool qv_ctl_unpack(json_object *answer, json_object **ret, GError **error);

G_END_DECLS
