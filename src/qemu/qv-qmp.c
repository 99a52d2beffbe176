/*
 * qv-qmp: the QMP client (see qv-qmp.h).
 *
 * Owns the socket, its input/output GSources, the incremental JSON
 * tokener, the output queue and the table of pending commands (by id).
 * The struct is reference counted internally so that a callback can free
 * the client while the dispatch that called it is still on the stack.
 * All parser state lives in the struct (not on the stack) so that a
 * callback may run a nested iteration (a sync command) that reads more
 * input without reordering messages.
 */
#include "qemu/qv-qmp.h"

#include "util/qv-error.h"
#include "util/qv-json.h"

#include <errno.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* ImageInfo nests "backing-image" once per layer: chains of thousands of
 * layers must parse */
#define QV_QMP_MAX_DEPTH 8192
#define QV_QMP_READ_SIZE (64 * 1024)

/* An fd to pass to QEMU with the first byte of its command */
typedef struct {
    size_t off;
    int fd;
} QvQmpOutFd;

typedef struct {
    QvQmp *qmp;
    int fd;              /* passed with the command (getfd), or -1 */
    char *id;            /* NULL while the handshake waits for the greeting */
    char *name;
    json_object *msg;    /* the command to send once the greeting came */
    QvQmpReplyFunc cb;
    gpointer opaque;
    GSource *timer;
    unsigned int timeout_ms;
} QvQmpPending;

struct _QvQmp {
    int refs;
    int fd;
    GMainContext *ctx;
    GSource *in_src;
    GSource *out_src;

    json_tokener *tok;
    GByteArray *inbuf;   /* bytes read; those from in_off on are not yet
                          * given to the tokener */
    size_t in_off;
    size_t msg_bytes;    /* bytes of the message being parsed */
    size_t max_msg;

    GString *outbuf;
    size_t out_off;
    GArray *out_fds;     /* QvQmpOutFd, by offset: fds sent with the byte
                          * at that offset of outbuf (SCM_RIGHTS) */

    GHashTable *pending; /* id -> QvQmpPending (owned) */
    QvQmpPending *handshake; /* waiting for the greeting (owned) */
    guint64 next_id;

    bool have_greeting;
    int ver[3];
    char *package;
    json_object *caps;

    bool closed;
    GError *close_reason;

    QvQmpEventFunc event_fn;
    gpointer event_opaque;
    QvQmpClosedFunc closed_fn;
    gpointer closed_opaque;
};

static void qv_qmp_close(QvQmp *qmp, GError **reason, bool notify);
static void qv_qmp_close_out_fds(QvQmp *qmp);

static QvQmp *
qv_qmp_ref(QvQmp *qmp)
{
    qmp->refs++;
    return qmp;
}

static void
qv_qmp_unref(QvQmp *qmp)
{
    if (--qmp->refs > 0)
        return;
    g_assert(qmp->closed);
    g_hash_table_unref(qmp->pending);
    json_tokener_free(qmp->tok);
    g_byte_array_unref(qmp->inbuf);
    g_string_free(qmp->outbuf, TRUE);
    qv_qmp_close_out_fds(qmp);
    g_array_unref(qmp->out_fds);
    g_free(qmp->package);
    json_object_put(qmp->caps);
    g_clear_error(&qmp->close_reason);
    g_main_context_unref(qmp->ctx);
    g_free(qmp);
}

static void
qv_qmp_pending_free(QvQmpPending *p)
{
    if (p->timer) {
        g_source_destroy(p->timer);
        g_source_unref(p->timer);
    }
    if (p->fd >= 0)
        close(p->fd);
    json_object_put(p->msg);
    g_free(p->id);
    g_free(p->name);
    g_free(p);
}

/* Call @p's callback once and free it; @p must be unlinked already */
static void
qv_qmp_pending_finish(QvQmpPending *p, json_object *ret, const GError *err)
{
    QvQmp *qmp = qv_qmp_ref(p->qmp);
    QvQmpReplyFunc cb = p->cb;
    gpointer opaque = p->opaque;

    qv_qmp_pending_free(p);
    if (cb)
        cb(qmp, ret, err, opaque);
    qv_qmp_unref(qmp);
}

/* ---- output ---- */

static gboolean qv_qmp_on_output(gint fd, GIOCondition cond, gpointer data);

static void
qv_qmp_want_output(QvQmp *qmp)
{
    if (qmp->out_src || qmp->closed)
        return;
    qmp->out_src = g_unix_fd_source_new(qmp->fd, G_IO_OUT);
    g_source_set_callback(qmp->out_src, G_SOURCE_FUNC(qv_qmp_on_output),
                          qmp, NULL);
    g_source_attach(qmp->out_src, qmp->ctx);
}

static void
qv_qmp_stop_output(QvQmp *qmp)
{
    if (!qmp->out_src)
        return;
    g_source_destroy(qmp->out_src);
    g_clear_pointer(&qmp->out_src, g_source_unref);
}

static ssize_t
qv_qmp_send_bytes(int fd, const char *buf, size_t len, int pass_fd)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
    ssize_t n;

    if (pass_fd >= 0) {
        struct cmsghdr *cmsg;

        memset(&control, 0, sizeof(control));
        msg.msg_control = control.buf;
        msg.msg_controllen = sizeof(control.buf);
        cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cmsg), &pass_fd, sizeof(int));
    }
    /* MSG_NOSIGNAL: a dead QEMU must not SIGPIPE the caller */
    n = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == ENOTSOCK && pass_fd < 0)
        n = write(fd, buf, len);
    return n;
}

static void
qv_qmp_close_out_fds(QvQmp *qmp)
{
    for (guint i = 0; i < qmp->out_fds->len; i++)
        close(g_array_index(qmp->out_fds, QvQmpOutFd, i).fd);
    g_array_set_size(qmp->out_fds, 0);
}

static gboolean
qv_qmp_on_output(gint fd, GIOCondition cond, gpointer data)
{
    QvQmp *qmp = data;

    while (qmp->out_off < qmp->outbuf->len) {
        size_t len = qmp->outbuf->len - qmp->out_off;
        int pass_fd = -1;
        ssize_t n;

        /* an fd goes with the first byte of its command, and no byte of
         * a later command shares that message */
        if (qmp->out_fds->len) {
            QvQmpOutFd *next = &g_array_index(qmp->out_fds, QvQmpOutFd, 0);

            if (next->off == qmp->out_off) {
                pass_fd = next->fd;
                if (qmp->out_fds->len > 1)
                    len = g_array_index(qmp->out_fds, QvQmpOutFd, 1).off - qmp->out_off;
            } else {
                len = next->off - qmp->out_off;
            }
        }
        n = qv_qmp_send_bytes(fd, qmp->outbuf->str + qmp->out_off, len, pass_fd);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return G_SOURCE_CONTINUE;
        if (n < 0) {
            GError *err = NULL;

            qv_error_set_errno(&err, errno, "cannot write to the QMP socket");
            err->code = QV_ERR_IO;
            qv_qmp_close(qmp, &err, true);
            return G_SOURCE_REMOVE;
        }
        if (pass_fd >= 0) {
            /* QEMU has its own copy now */
            close(pass_fd);
            g_array_remove_index(qmp->out_fds, 0);
        }
        qmp->out_off += n;
    }
    g_string_truncate(qmp->outbuf, 0);
    qmp->out_off = 0;
    g_clear_pointer(&qmp->out_src, g_source_unref);
    return G_SOURCE_REMOVE;
}

/* Queue @p's message and register it under a fresh id */
static void
qv_qmp_send(QvQmp *qmp, QvQmpPending *p)
{
    g_autoptr(json_object) msg = g_steal_pointer(&p->msg);

    p->id = g_strdup_printf("qvirt-%" G_GUINT64_FORMAT, ++qmp->next_id);
    json_object_object_add(msg, "id", json_object_new_string(p->id));
    if (p->fd >= 0) {
        QvQmpOutFd out = { qmp->outbuf->len, p->fd };

        g_array_append_val(qmp->out_fds, out);
        p->fd = -1;
    }
    g_string_append(qmp->outbuf, json_object_to_json_string_ext(
                        msg, JSON_C_TO_STRING_PLAIN |
                        JSON_C_TO_STRING_NOSLASHESCAPE));
    g_string_append(qmp->outbuf, "\r\n");
    g_hash_table_insert(qmp->pending, p->id, p);
    qv_qmp_want_output(qmp);
}

/* ---- pending commands and their timers ---- */

static void
qv_qmp_unlink(QvQmp *qmp, QvQmpPending *p)
{
    if (qmp->handshake == p)
        qmp->handshake = NULL;
    else
        g_hash_table_steal(qmp->pending, p->id);
}

static gboolean
qv_qmp_on_timer(gpointer data)
{
    QvQmpPending *p = data;
    QvQmp *qmp = p->qmp;
    g_autoptr(GError) err = NULL;

    if (qmp->closed)
        err = g_error_new(qmp->close_reason->domain, qmp->close_reason->code,
                          "QMP command '%s' failed: %s", p->name,
                          qmp->close_reason->message);
    else if (!p->id)
        err = g_error_new(QV_ERROR, QV_ERR_TIMEOUT,
                          "timed out after %u ms waiting for the QMP greeting",
                          p->timeout_ms);
    else
        err = g_error_new(QV_ERROR, QV_ERR_TIMEOUT,
                          "QMP command '%s' timed out after %u ms",
                          p->name, p->timeout_ms);
    qv_qmp_unlink(qmp, p);
    /* the source is being dispatched: GLib drops it on REMOVE */
    g_clear_pointer(&p->timer, g_source_unref);
    qv_qmp_pending_finish(p, NULL, err);
    return G_SOURCE_REMOVE;
}

static void
qv_qmp_arm_timer(QvQmp *qmp, QvQmpPending *p, unsigned int ms)
{
    p->timer = g_timeout_source_new(ms);
    g_source_set_callback(p->timer, qv_qmp_on_timer, p, NULL);
    g_source_attach(p->timer, qmp->ctx);
}

static QvQmpPending *
qv_qmp_pending_new(QvQmp *qmp, const char *name, json_object **args,
                   unsigned int timeout_ms, QvQmpReplyFunc cb,
                   gpointer opaque)
{
    QvQmpPending *p = g_new0(QvQmpPending, 1);

    p->qmp = qmp;
    p->fd = -1;
    p->name = g_strdup(name);
    p->cb = cb;
    p->opaque = opaque;
    p->timeout_ms = timeout_ms;
    p->msg = json_object_new_object();
    json_object_object_add(p->msg, "execute", json_object_new_string(name));
    if (*args)
        json_object_object_add(p->msg, "arguments", g_steal_pointer(args));
    if (timeout_ms > 0)
        qv_qmp_arm_timer(qmp, p, timeout_ms);
    return p;
}

/* On a closed connection a command fails from the main loop, never
 * before qv_qmp_command() returns */
static void
qv_qmp_fail_later(QvQmp *qmp, QvQmpPending *p)
{
    if (p->timer) {
        g_source_destroy(p->timer);
        g_source_unref(p->timer);
    }
    g_hash_table_insert(qmp->pending, p->id, p);
    qv_qmp_arm_timer(qmp, p, 0);
}

void
qv_qmp_command(QvQmp *qmp, const char *name, json_object *args,
               unsigned int timeout_ms, QvQmpReplyFunc cb, gpointer opaque)
{
    qv_qmp_command_fd(qmp, name, args, -1, timeout_ms, cb, opaque);
}

void
qv_qmp_command_fd(QvQmp *qmp, const char *name, json_object *args, int fd,
                  unsigned int timeout_ms, QvQmpReplyFunc cb, gpointer opaque)
{
    QvQmpPending *p = qv_qmp_pending_new(qmp, name, &args, timeout_ms, cb,
                                         opaque);

    p->fd = fd;

    if (qmp->closed) {
        p->id = g_strdup_printf("qvirt-%" G_GUINT64_FORMAT, ++qmp->next_id);
        qv_qmp_fail_later(qmp, p);
        return;
    }
    qv_qmp_send(qmp, p);
}

/* ---- incoming messages ---- */

static void
qv_qmp_protocol_error(QvQmp *qmp, const char *what)
{
    GError *err = g_error_new(QV_ERROR, QV_ERR_INTERNAL,
                              "QMP protocol error: %s", what);

    qv_qmp_close(qmp, &err, true);
}

static void
qv_qmp_handle_greeting(QvQmp *qmp, json_object *greeting)
{
    json_object *version = NULL;
    json_object *qemu = NULL;
    json_object *caps = NULL;
    static const char *const keys[] = { "major", "minor", "micro" };

    if (qmp->have_greeting || !json_object_is_type(greeting, json_type_object)) {
        qv_qmp_protocol_error(qmp, "unexpected or malformed greeting");
        return;
    }
    json_object_object_get_ex(greeting, "version", &version);
    json_object_object_get_ex(version, "qemu", &qemu);
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
        json_object *v = NULL;

        if (!json_object_object_get_ex(qemu, keys[i], &v) ||
            !json_object_is_type(v, json_type_int)) {
            qv_qmp_protocol_error(qmp, "the greeting has no QEMU version");
            return;
        }
        qmp->ver[i] = json_object_get_int(v);
    }
    qmp->package = g_strdup(json_object_get_string(
                                json_object_object_get(version, "package")));
    if (json_object_object_get_ex(greeting, "capabilities", &caps))
        qmp->caps = json_object_get(caps);
    qmp->have_greeting = true;
    if (qmp->handshake) {
        QvQmpPending *p = g_steal_pointer(&qmp->handshake);

        qv_qmp_send(qmp, p);
    }
}

static void
qv_qmp_handle_reply(QvQmp *qmp, json_object *msg)
{
    json_object *id = NULL;
    json_object *ret = NULL;
    json_object *qerr = NULL;
    const char *cls;
    const char *desc;
    QvQmpPending *p;
    g_autoptr(GError) err = NULL;

    /* replies without an id (or a late one, after a timeout) are not
     * ours to wait for */
    if (!json_object_object_get_ex(msg, "id", &id) ||
        !json_object_is_type(id, json_type_string))
        return;
    p = g_hash_table_lookup(qmp->pending, json_object_get_string(id));
    if (!p)
        return;
    g_hash_table_steal(qmp->pending, p->id);
    if (json_object_object_get_ex(msg, "return", &ret)) {
        qv_qmp_pending_finish(p, ret, NULL);
        return;
    }
    json_object_object_get_ex(msg, "error", &qerr);
    cls = json_object_get_string(json_object_object_get(qerr, "class"));
    desc = json_object_get_string(json_object_object_get(qerr, "desc"));
    err = g_error_new(QV_ERROR,
                      g_strcmp0(cls, "CommandNotFound") == 0 ? QV_ERR_UNSUPPORTED :
                      g_strcmp0(cls, "DeviceNotFound") == 0 ? QV_ERR_NOT_FOUND :
                      QV_ERR_INVALID_ARG,
                      "QMP command '%s' failed: %s", p->name,
                      desc ? desc : "(QEMU gave no description)");
    qv_qmp_pending_finish(p, NULL, err);
}

static void
qv_qmp_handle_event(QvQmp *qmp, json_object *msg)
{
    json_object *name = json_object_object_get(msg, "event");
    json_object *ts = json_object_object_get(msg, "timestamp");
    json_object *data = json_object_object_get(msg, "data");

    if (!json_object_is_type(name, json_type_string)) {
        qv_qmp_protocol_error(qmp, "an event has no name");
        return;
    }
    if (qmp->event_fn)
        qmp->event_fn(qmp, json_object_get_string(name), data,
                      json_object_get_int64(json_object_object_get(ts, "seconds")),
                      json_object_get_int64(json_object_object_get(ts, "microseconds")),
                      qmp->event_opaque);
}

static void
qv_qmp_dispatch(QvQmp *qmp, json_object *msg)
{
    json_object *greeting = NULL;

    if (!json_object_is_type(msg, json_type_object)) {
        qv_qmp_protocol_error(qmp, "a message is not a JSON object");
        return;
    }
    if (json_object_object_get_ex(msg, "QMP", &greeting))
        qv_qmp_handle_greeting(qmp, greeting);
    else if (json_object_object_get_ex(msg, "event", NULL))
        qv_qmp_handle_event(qmp, msg);
    else if (json_object_object_get_ex(msg, "return", NULL) ||
             json_object_object_get_ex(msg, "error", NULL))
        qv_qmp_handle_reply(qmp, msg);
    /* other kinds are ignored: the spec lets servers add new ones */
}

/* Feed buffered input to the tokener and dispatch complete messages.
 * Re-reads the struct at each step: a callback may have re-entered.
 * Consumed bytes are only skipped (in_off), not moved, so many small
 * messages in one read cost no quadratic copying. */
static void
qv_qmp_process_input(QvQmp *qmp)
{
    while (!qmp->closed && qmp->in_off < qmp->inbuf->len) {
        const char *buf = (const char *)qmp->inbuf->data + qmp->in_off;
        size_t len = qmp->inbuf->len - qmp->in_off;
        size_t skip = 0;
        json_object *msg;
        enum json_tokener_error jerr;
        size_t used;

        /* whitespace between messages (QEMU ends each with CRLF) */
        while (qmp->msg_bytes == 0 && skip < len && g_ascii_isspace(buf[skip]))
            skip++;
        if (skip == len) {
            qmp->in_off += skip;
            return;
        }
        msg = json_tokener_parse_ex(qmp->tok, buf + skip,
                                    (int)MIN(len - skip, (size_t)G_MAXINT));
        jerr = json_tokener_get_error(qmp->tok);
        used = msg ? json_tokener_get_parse_end(qmp->tok) : len - skip;
        qmp->msg_bytes += used;
        qmp->in_off += skip + used;
        if (qmp->msg_bytes > qmp->max_msg) {
            g_autofree char *what = g_strdup_printf(
                "a message is larger than %zu bytes", qmp->max_msg);

            json_object_put(msg);
            qv_qmp_protocol_error(qmp, what);
            return;
        }
        if (!msg && jerr == json_tokener_continue)
            return;
        if (!msg) {
            g_autofree char *what = g_strdup_printf(
                "malformed JSON: %s", json_tokener_error_desc(jerr));

            qv_qmp_protocol_error(qmp, what);
            return;
        }
        qmp->msg_bytes = 0;
        json_tokener_reset(qmp->tok);
        qv_qmp_dispatch(qmp, msg);
        json_object_put(msg);
    }
}

static gboolean
qv_qmp_on_input(gint fd, GIOCondition cond, gpointer data)
{
    QvQmp *qmp = qv_qmp_ref(data);
    guint8 buf[QV_QMP_READ_SIZE];
    ssize_t n = read(fd, buf, sizeof(buf));
    GError *err = NULL;

    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        goto out;
    if (n < 0) {
        qv_error_set_errno(&err, errno, "cannot read from the QMP socket");
        err->code = QV_ERR_IO;
    } else if (n == 0) {
        err = g_error_new(QV_ERROR, QV_ERR_IO,
                          "QMP connection closed by QEMU (end of file)");
    }
    if (err) {
        qv_qmp_close(qmp, &err, true);
        goto out;
    }
    /* drop what the tokener has consumed, then parse the new bytes */
    g_byte_array_remove_range(qmp->inbuf, 0, qmp->in_off);
    qmp->in_off = 0;
    g_byte_array_append(qmp->inbuf, buf, n);
    qv_qmp_process_input(qmp);
 out:
    qv_qmp_unref(qmp);
    return G_SOURCE_CONTINUE;  /* qv_qmp_close() destroys the source */
}

/* ---- life cycle ---- */

QvQmp *
qv_qmp_new(int fd, GMainContext *ctx)
{
    QvQmp *qmp = g_new0(QvQmp, 1);

    g_unix_set_fd_nonblocking(fd, TRUE, NULL);
    qmp->refs = 1;
    qmp->fd = fd;
    qmp->ctx = g_main_context_ref(ctx ? ctx : g_main_context_default());
    qmp->tok = json_tokener_new_ex(QV_QMP_MAX_DEPTH);
    json_tokener_set_flags(qmp->tok, JSON_TOKENER_STRICT |
                           JSON_TOKENER_ALLOW_TRAILING_CHARS);
    qmp->inbuf = g_byte_array_new();
    qmp->max_msg = QV_QMP_MAX_MESSAGE_DEFAULT;
    qmp->outbuf = g_string_new(NULL);
    qmp->out_fds = g_array_new(FALSE, FALSE, sizeof(QvQmpOutFd));
    qmp->pending = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify)qv_qmp_pending_free);
    qmp->in_src = g_unix_fd_source_new(fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
    g_source_set_callback(qmp->in_src, G_SOURCE_FUNC(qv_qmp_on_input),
                          qmp, NULL);
    /* a sync command run from inside a callback must see its reply */
    g_source_set_can_recurse(qmp->in_src, TRUE);
    g_source_attach(qmp->in_src, qmp->ctx);
    return qmp;
}

/* Fail every pending command (and a waiting handshake) with the reason
 * the connection closed */
static void
qv_qmp_fail_all(QvQmp *qmp)
{
    g_autoptr(GHashTable) pending = g_steal_pointer(&qmp->pending);
    GHashTableIter it;
    QvQmpPending *p;

    qmp->pending = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify)qv_qmp_pending_free);
    if (qmp->handshake)
        g_hash_table_insert(pending, (char *)"", g_steal_pointer(&qmp->handshake));
    g_hash_table_iter_init(&it, pending);
    while (g_hash_table_iter_next(&it, NULL, (gpointer *)&p)) {
        g_autoptr(GError) err = g_error_new(
            qmp->close_reason->domain, qmp->close_reason->code,
            "QMP command '%s' failed: %s", p->name, qmp->close_reason->message);

        g_hash_table_iter_steal(&it);
        qv_qmp_pending_finish(p, NULL, err);
    }
}

/* Close the socket, fail everything pending with @reason (stolen), then
 * call the closed handler when @notify */
static void
qv_qmp_close(QvQmp *qmp, GError **reason, bool notify)
{
    if (qmp->closed) {
        g_clear_error(reason);
        return;
    }
    qv_qmp_ref(qmp);
    qmp->closed = true;
    qmp->close_reason = g_steal_pointer(reason);
    qv_qmp_stop_output(qmp);
    qv_qmp_close_out_fds(qmp);
    g_source_destroy(qmp->in_src);
    g_clear_pointer(&qmp->in_src, g_source_unref);
    close(qmp->fd);
    qmp->fd = -1;

    qv_qmp_fail_all(qmp);
    if (notify && qmp->closed_fn)
        qmp->closed_fn(qmp, qmp->close_reason, qmp->closed_opaque);
    qv_qmp_unref(qmp);
}

void
qv_qmp_free(QvQmp *qmp)
{
    GError *err;

    if (!qmp)
        return;
    err = g_error_new(QV_ERROR, QV_ERR_IO, "QMP connection closed by qvirt");
    qmp->event_fn = NULL;
    qmp->closed_fn = NULL;
    qv_qmp_ref(qmp);
    qv_qmp_close(qmp, &err, false);
    /* commands queued after an earlier close (or by the callbacks just
     * run) still wait on their idle */
    while (g_hash_table_size(qmp->pending) > 0)
        qv_qmp_fail_all(qmp);
    qv_qmp_unref(qmp);
    qv_qmp_unref(qmp);
}

static int
qv_qmp_try_connect(const char *path, GError **error)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "QMP socket path '%s' is too long", path);
        return -2;
    }
    strcpy(addr.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        qv_error_set_errno(error, errno, "cannot create a socket for '%s'", path);
        return -2;
    }
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
        return fd;
    qv_error_set_errno(error, errno, "cannot connect to QMP socket '%s'", path);
    (*error)->code = QV_ERR_IO;
    close(fd);
    return -1;
}

QvQmp *
qv_qmp_connect_unix(const char *path, GMainContext *ctx,
                    unsigned int timeout_ms, GError **error)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    /* QEMU creates its socket after most of its start-up: poll finely,
     * a coarse back-off costs tens of milliseconds of every start */
    gulong wait_us = 1000;

    for (;;) {
        g_autoptr(GError) err = NULL;
        int fd = qv_qmp_try_connect(path, &err);
        gint64 left;
        bool retry;

        if (fd >= 0)
            return qv_qmp_new(fd, ctx);
        left = deadline - g_get_monotonic_time();
        /* only "not there yet" is worth waiting for; given up on, it is
         * a timeout */
        retry = fd != -2 && (g_error_matches(err, QV_ERROR, QV_ERR_IO) ||
                             g_error_matches(err, QV_ERROR, QV_ERR_NOT_FOUND));
        if (left <= 0) {
            g_set_error(error, err->domain, retry ? QV_ERR_TIMEOUT : err->code,
                        "timed out: %s", err->message);
            return NULL;
        }
        if (!retry) {
            g_propagate_error(error, g_steal_pointer(&err));
            return NULL;
        }
        g_usleep(MIN((gint64)wait_us, left));
        wait_us = MIN(wait_us * 2, 4000);
    }
}

void
qv_qmp_set_event_handler(QvQmp *qmp, QvQmpEventFunc fn, gpointer opaque)
{
    qmp->event_fn = fn;
    qmp->event_opaque = opaque;
}

void
qv_qmp_set_closed_handler(QvQmp *qmp, QvQmpClosedFunc fn, gpointer opaque)
{
    qmp->closed_fn = fn;
    qmp->closed_opaque = opaque;
}

void
qv_qmp_set_max_message_size(QvQmp *qmp, size_t max)
{
    qmp->max_msg = max ? max : QV_QMP_MAX_MESSAGE_DEFAULT;
}

bool
qv_qmp_is_closed(QvQmp *qmp)
{
    return qmp->closed;
}

bool
qv_qmp_get_version(QvQmp *qmp, int *major, int *minor, int *micro)
{
    if (!qmp->have_greeting)
        return false;
    *major = qmp->ver[0];
    *minor = qmp->ver[1];
    *micro = qmp->ver[2];
    return true;
}

const char *
qv_qmp_get_package(QvQmp *qmp)
{
    return qmp->package;
}

bool
qv_qmp_has_capability(QvQmp *qmp, const char *cap)
{
    size_t n = qmp->caps ? json_object_array_length(qmp->caps) : 0;

    for (size_t i = 0; i < n; i++) {
        if (g_strcmp0(json_object_get_string(
                          json_object_array_get_idx(qmp->caps, i)), cap) == 0)
            return true;
    }
    return false;
}

void
qv_qmp_handshake_async(QvQmp *qmp, unsigned int timeout_ms,
                       QvQmpReplyFunc cb, gpointer opaque)
{
    json_object *args = NULL;
    QvQmpPending *p;

    if (qmp->have_greeting || qmp->closed || qmp->handshake) {
        qv_qmp_command(qmp, "qmp_capabilities", NULL, timeout_ms, cb, opaque);
        return;
    }
    p = qv_qmp_pending_new(qmp, "qmp_capabilities", &args, timeout_ms, cb,
                           opaque);
    qmp->handshake = p;
}

typedef struct {
    bool done;
    json_object *ret;
    GError *error;
} QvQmpSyncWait;

static void
qv_qmp_sync_done(QvQmp *qmp, json_object *ret, const GError *error,
                 gpointer opaque)
{
    QvQmpSyncWait *w = opaque;

    w->done = true;
    w->ret = json_object_get(ret);
    w->error = error ? g_error_copy(error) : NULL;
}

static bool
qv_qmp_sync_wait(QvQmp *qmp, QvQmpSyncWait *w, json_object **ret, GError **error)
{
    while (!w->done)
        g_main_context_iteration(qmp->ctx, TRUE);
    qv_qmp_unref(qmp);
    if (w->error) {
        g_propagate_error(error, g_steal_pointer(&w->error));
        return false;
    }
    if (ret)
        *ret = g_steal_pointer(&w->ret);
    else
        g_clear_pointer(&w->ret, json_object_put);
    return true;
}

bool
qv_qmp_handshake(QvQmp *qmp, unsigned int timeout_ms, GError **error)
{
    QvQmpSyncWait w = { 0 };

    qv_qmp_ref(qmp);
    qv_qmp_handshake_async(qmp, timeout_ms, qv_qmp_sync_done, &w);
    return qv_qmp_sync_wait(qmp, &w, NULL, error);
}

bool
qv_qmp_command_sync(QvQmp *qmp, const char *name, json_object **args,
                    unsigned int timeout_ms, json_object **ret, GError **error)
{
    return qv_qmp_command_sync_fd(qmp, name, args, -1, timeout_ms, ret, error);
}

bool
qv_qmp_command_sync_fd(QvQmp *qmp, const char *name, json_object **args, int fd,
                       unsigned int timeout_ms, json_object **ret, GError **error)
{
    QvQmpSyncWait w = { 0 };

    if (ret)
        *ret = NULL;
    qv_qmp_ref(qmp);
    qv_qmp_command_fd(qmp, name, args ? g_steal_pointer(args) : NULL, fd, timeout_ms,
                      qv_qmp_sync_done, &w);
    return qv_qmp_sync_wait(qmp, &w, ret, error);
}

bool
qv_qmp_error_is_timeout(const GError *error)
{
    return g_error_matches(error, QV_ERROR, QV_ERR_TIMEOUT);
}

const char *
qv_qmp_timeout_hint(const char *name, json_object *args)
{
    json_object *flat = NULL;

    /* without flat, each node's entry holds its whole backing chain
     * again, so the reply grows with the square of the chains' depth */
    if (g_strcmp0(name, "query-named-block-nodes") == 0 &&
        !(args && json_object_object_get_ex(args, "flat", &flat) &&
          json_object_is_type(flat, json_type_boolean) && json_object_get_boolean(flat)))
        return "its reply repeats each node's whole backing chain, so it grows with the square "
               "of the chains' depth: add \"arguments\":{\"flat\":true} to list each node once";
    return NULL;
}
