/*
 * qv-control: line-framed JSON over the control socket and the report
 * pipe; the server side runs in the supervisor's main loop.
 */
#include "supervisor/qv-control.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib-unix.h>

#include "util/qv-error.h"
#include "util/qv-json.h"

#define QV_CTL_MAX_LINE (16 * 1024 * 1024)

struct _QvCtlServer {
    char *path;
    int fd;
    GSource *source;
    GMainContext *ctx;
    QvCtlHandler handler;
    gpointer opaque;
    GList *requests;        /* QvCtlRequest: reading or awaiting an answer */
};

struct _QvCtlRequest {
    QvCtlServer *srv;
    int fd;
    GSource *source;        /* while reading the request line */
    GString *buf;
    GSource *close_watch;   /* qv_ctl_request_on_close */
    GDestroyNotify on_close;
    gpointer close_data;
};

static void
request_free(QvCtlRequest *req)
{
    if (req->source) {
        g_source_destroy(req->source);
        g_source_unref(req->source);
    }
    if (req->close_watch) {
        g_source_destroy(req->close_watch);
        g_source_unref(req->close_watch);
    }
    if (req->fd >= 0)
        close(req->fd);
    if (req->buf)
        g_string_free(req->buf, TRUE);
    if (req->srv)
        req->srv->requests = g_list_remove(req->srv->requests, req);
    g_free(req);
}

static void
request_answer(QvCtlRequest *req, json_object *answer)
{
    g_autoptr(GError) err = NULL;

    /* a client that went away is no concern of the guest's */
    if (!qv_ctl_write_line(req->fd, answer, &err))
        g_debug("control client: %s", err->message);
    json_object_put(answer);
    request_free(req);
}

void
qv_ctl_reply(QvCtlRequest *req, json_object *ret)
{
    json_object *a = json_object_new_object();

    json_object_object_add(a, "ok", json_object_new_boolean(1));
    json_object_object_add(a, "return", ret);
    request_answer(req, a);
}

void
qv_ctl_reply_error(QvCtlRequest *req, const GError *err)
{
    json_object *a = json_object_new_object();

    json_object_object_add(a, "ok", json_object_new_boolean(0));
    json_object_object_add(a, "error", json_object_new_string(err->message));
    json_object_object_add(a, "code", json_object_new_int(err->domain == QV_ERROR ? err->code : QV_ERR_INTERNAL));
    request_answer(req, a);
}

static gboolean
request_readable(gint fd, GIOCondition cond, gpointer opaque)
{
    QvCtlRequest *req = opaque;
    g_autoptr(json_object) msg = NULL;
    g_autoptr(GError) err = NULL;
    char chunk[4096];
    ssize_t n = read(fd, chunk, sizeof(chunk));
    char *nl;

    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return G_SOURCE_CONTINUE;
    if (n <= 0 || req->buf->len + (size_t)n > QV_CTL_MAX_LINE) {
        g_source_unref(req->source);
        req->source = NULL;
        request_free(req);
        return G_SOURCE_REMOVE;
    }
    g_string_append_len(req->buf, chunk, n);
    if (!(nl = memchr(req->buf->str, '\n', req->buf->len)))
        return G_SOURCE_CONTINUE;
    *nl = '\0';
    g_source_unref(req->source);
    req->source = NULL;
    if (!(msg = qv_json_parse_object(req->buf->str, &err))) {
        g_prefix_error(&err, "control request: ");
        qv_ctl_reply_error(req, err);
        return G_SOURCE_REMOVE;
    }
    req->srv->handler(req, msg, req->srv->opaque);
    return G_SOURCE_REMOVE;
}

static gboolean
request_closed(gint fd, GIOCondition cond, gpointer opaque)
{
    QvCtlRequest *req = opaque;
    char c;
    ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

    if (n > 0 || (n < 0 && (errno == EINTR || errno == EAGAIN))) {
        /* nothing more is expected from the client: drop it */
        if (n > 0 && read(fd, &c, 1) < 0)
            return G_SOURCE_CONTINUE;
        return G_SOURCE_CONTINUE;
    }
    g_source_unref(req->close_watch);
    req->close_watch = NULL;
    req->on_close(req->close_data);
    return G_SOURCE_REMOVE;
}

void
qv_ctl_request_on_close(QvCtlRequest *req, GDestroyNotify fn, gpointer data)
{
    g_return_if_fail(req->close_watch == NULL && req->source == NULL);
    req->on_close = fn;
    req->close_data = data;
    req->close_watch = g_unix_fd_source_new(req->fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
    g_source_set_callback(req->close_watch, (GSourceFunc)(void (*)(void))request_closed, req,
                          NULL);
    g_source_attach(req->close_watch, req->srv->ctx);
}

static gboolean
server_accept(gint fd, GIOCondition cond, gpointer opaque)
{
    QvCtlServer *srv = opaque;
    QvCtlRequest *req;
    int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

    if (cfd < 0)
        return G_SOURCE_CONTINUE;
    req = g_new0(QvCtlRequest, 1);
    req->srv = srv;
    req->fd = cfd;
    req->buf = g_string_new(NULL);
    req->source = g_unix_fd_source_new(cfd, G_IO_IN | G_IO_HUP | G_IO_ERR);
    g_source_set_callback(req->source, (GSourceFunc)(void (*)(void))request_readable, req, NULL);
    g_source_attach(req->source, srv->ctx);
    srv->requests = g_list_prepend(srv->requests, req);
    return G_SOURCE_CONTINUE;
}

static int
unix_socket_addr(const char *path, struct sockaddr_un *addr, GError **error)
{
    memset(addr, 0, sizeof(*addr));
    addr->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(addr->sun_path)) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "socket path '%s' is longer than %zu bytes; use a shorter root folder",
                    path, sizeof(addr->sun_path) - 1);
        return -1;
    }
    strcpy(addr->sun_path, path);
    return 0;
}

QvCtlServer *
qv_ctl_server_new(const char *path, GMainContext *ctx, QvCtlHandler handler,
                  gpointer opaque, GError **error)
{
    struct sockaddr_un addr;
    QvCtlServer *srv;
    int fd;

    if (unix_socket_addr(path, &addr, error) < 0)
        return NULL;
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0) {
        qv_error_set_errno(error, errno, "cannot create control socket '%s'", path);
        return NULL;
    }
    unlink(path);
    /* only the owner connects (the mode of a socket is its file's) */
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || chmod(path, 0600) < 0 ||
        listen(fd, 16) < 0) {
        qv_error_set_errno(error, errno, "cannot listen on control socket '%s'", path);
        close(fd);
        return NULL;
    }
    srv = g_new0(QvCtlServer, 1);
    srv->path = g_strdup(path);
    srv->fd = fd;
    srv->ctx = ctx;
    srv->handler = handler;
    srv->opaque = opaque;
    srv->source = g_unix_fd_source_new(fd, G_IO_IN);
    g_source_set_callback(srv->source, (GSourceFunc)(void (*)(void))server_accept, srv, NULL);
    g_source_attach(srv->source, ctx);
    return srv;
}

void
qv_ctl_server_close(QvCtlServer *srv)
{
    if (!srv || srv->fd < 0)
        return;
    g_source_destroy(srv->source);
    g_clear_pointer(&srv->source, g_source_unref);
    close(srv->fd);
    srv->fd = -1;
    unlink(srv->path);
}

void
qv_ctl_server_free(QvCtlServer *srv)
{
    if (!srv)
        return;
    qv_ctl_server_close(srv);
    while (srv->requests)
        request_free(srv->requests->data);
    g_free(srv->path);
    g_free(srv);
}

bool
qv_ctl_write_line(int fd, json_object *msg, GError **error)
{
    g_autofree char *line = g_strdup_printf("%s\n",
        json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN));
    size_t len = strlen(line), off = 0;

    while (off < len) {
        ssize_t n = send(fd, line + off, len - off, MSG_NOSIGNAL);

        if (n < 0 && errno == ENOTSOCK)
            n = write(fd, line + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            struct pollfd p = { .fd = fd, .events = POLLOUT };

            poll(&p, 1, 1000);
            continue;
        }
        if (n < 0) {
            qv_error_set_errno(error, errno, "cannot write a control message");
            return false;
        }
        off += (size_t)n;
    }
    return true;
}

json_object *
qv_ctl_read_line(int fd, gint64 deadline, const char *what, bool *eof,
                 GError **error)
{
    g_autoptr(GString) buf = g_string_new(NULL);

    if (eof)
        *eof = false;
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        gint64 left = deadline - g_get_monotonic_time();
        char chunk[4096];
        ssize_t n;
        char *nl;

        if (left <= 0) {
            g_set_error(error, QV_ERROR, QV_ERR_TIMEOUT, "%s did not answer in time", what);
            return NULL;
        }
        if (poll(&p, 1, (int)MIN(left / 1000 + 1, 60000)) <= 0)
            continue;
        if ((n = read(fd, chunk, sizeof(chunk))) < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            qv_error_set_errno(error, errno, "cannot read from %s", what);
            return NULL;
        }
        if (n == 0) {
            if (eof)
                *eof = true;
            g_set_error(error, QV_ERROR, QV_ERR_IO, "%s closed the connection without an answer", what);
            return NULL;
        }
        g_string_append_len(buf, chunk, n);
        if ((nl = memchr(buf->str, '\n', buf->len))) {
            *nl = '\0';
            return qv_json_parse_object(buf->str, error);
        }
        if (buf->len > QV_CTL_MAX_LINE) {
            g_set_error(error, QV_ERROR, QV_ERR_IO, "%s sent an over-long line", what);
            return NULL;
        }
    }
}

int
qv_ctl_connect(const char *path, GError **error)
{
    struct sockaddr_un addr;
    int fd;

    if (unix_socket_addr(path, &addr, error) < 0)
        return -1;
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
        qv_error_set_errno(error, errno, "cannot create a socket for '%s'", path);
        return -1;
    }
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        qv_error_set_errno(error, errno, "cannot connect to '%s'", path);
        close(fd);
        return -1;
    }
    return fd;
}

bool
qv_ctl_unpack(json_object *answer, json_object **ret, GError **error)
{
    json_object *ok = NULL, *val = NULL, *code = NULL;
    const char *msg = NULL;

    *ret = NULL;
    if (!json_object_object_get_ex(answer, "ok", &ok) ||
        !json_object_is_type(ok, json_type_boolean)) {
        g_set_error(error, QV_ERROR, QV_ERR_PARSE, "malformed control answer: no 'ok'");
        return false;
    }
    if (json_object_get_boolean(ok)) {
        if (json_object_object_get_ex(answer, "return", &val))
            *ret = json_object_get(val);
        return true;
    }
    qv_json_get_string(answer, "error", &msg, NULL);
    json_object_object_get_ex(answer, "code", &code);
    g_set_error_literal(error, QV_ERROR,
                        code ? json_object_get_int(code) : QV_ERR_INTERNAL,
                        msg ? msg : "the supervisor failed without a message");
    return false;
}
