/*
 * test-qmp: the QMP client against a real QEMU (handshake, commands,
 * errors, events, QEMU killed) and against a fake peer on a socketpair
 * that the test controls byte by byte (timeouts, framing, protocol
 * errors).  Waiting is always "iterate until a condition, with a generous
 * deadline": no sleeps, no timing assumptions.
 */
#include "qemu/qv-qmp.h"

#include "util/qv-error.h"
#include "util/qv-json.h"
#include "util/qv-json-build.h"
#include "qv-test-util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEADLINE_MS 60000

typedef struct {
    char *dir;
    GPid pid;           /* QEMU; 0 when none or reaped */
    GMainContext *ctx;
    QvQmp *qmp;
    int peer;           /* the fake QEMU's end, or -1 */
    int client;         /* the client's fd number, for FIONREAD */
    GString *peer_in;
    GPtrArray *events;  /* names */
    int closed;
    GError *closed_reason;
} Fx;

typedef struct {
    int done;
    json_object *ret;
    GError *error;
} Reply;

static void
reply_clear(Reply *r)
{
    json_object_put(r->ret);
    g_clear_error(&r->error);
    memset(r, 0, sizeof(*r));
}

static void
on_reply(QvQmp *qmp, json_object *ret, const GError *error, gpointer opaque)
{
    Reply *r = opaque;

    /* several commands may share one Reply: keep the last */
    json_object_put(r->ret);
    g_clear_error(&r->error);
    r->done++;
    r->ret = json_object_get(ret);
    r->error = error ? g_error_copy(error) : NULL;
}

static void
on_event(QvQmp *qmp, const char *event, json_object *data, gint64 seconds,
         gint64 micros, gpointer opaque)
{
    Fx *fx = opaque;

    g_assert_cmpint(seconds, >, 0);
    g_assert_cmpint(micros, >=, 0);
    g_ptr_array_add(fx->events, g_strdup(event));
}

static void
on_closed(QvQmp *qmp, const GError *reason, gpointer opaque)
{
    Fx *fx = opaque;

    fx->closed++;
    fx->closed_reason = g_error_copy(reason);
}

static gboolean
on_deadline(gpointer data)
{
    g_error("test deadline of %d ms reached", DEADLINE_MS);
    return G_SOURCE_REMOVE;
}

/* Iterate until *counter reaches @target */
static void
wait_for(Fx *fx, const int *counter, int target)
{
    GSource *deadline = g_timeout_source_new(DEADLINE_MS);

    g_source_set_callback(deadline, on_deadline, NULL, NULL);
    g_source_attach(deadline, fx->ctx);
    while (*counter < target)
        g_main_context_iteration(fx->ctx, TRUE);
    g_source_destroy(deadline);
    g_source_unref(deadline);
}

static void
fx_common(Fx *fx)
{
    fx->ctx = g_main_context_new();
    fx->events = g_ptr_array_new_with_free_func(g_free);
    fx->peer = -1;
    fx->client = -1;
}

static void
fx_attach(Fx *fx)
{
    qv_qmp_set_event_handler(fx->qmp, on_event, fx);
    qv_qmp_set_closed_handler(fx->qmp, on_closed, fx);
}

static void
qemu_child_setup(gpointer data)
{
    /* even if the test aborts, QEMU dies with it */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static void
fx_setup_qemu(Fx *fx, gconstpointer data)
{
    g_autofree char *sock = NULL;
    g_autofree char *qmparg = NULL;
    g_autoptr(GError) err = NULL;

    fx_common(fx);
    fx->dir = qv_test_mkdtemp();
    sock = g_build_filename(fx->dir, "qmp.sock", NULL);
    qmparg = g_strdup_printf("unix:%s,server=on,wait=off", sock);
    {
        const char *argv[] = {
            "qemu-system-x86_64", "-S", "-machine", "q35,accel=tcg",
            "-nodefaults", "-display", "none", "-qmp", qmparg, NULL
        };

        g_assert_true(g_spawn_async(fx->dir, (char **)argv, NULL,
                                    G_SPAWN_SEARCH_PATH |
                                    G_SPAWN_DO_NOT_REAP_CHILD,
                                    qemu_child_setup, NULL, &fx->pid, &err));
    }
    g_assert_no_error(err);
    fx->qmp = qv_qmp_connect_unix(sock, fx->ctx, DEADLINE_MS, &err);
    g_assert_no_error(err);
    fx_attach(fx);
    g_assert_true(qv_qmp_handshake(fx->qmp, DEADLINE_MS, &err));
    g_assert_no_error(err);
}

static void
fx_setup_fake(Fx *fx, gconstpointer data)
{
    int sv[2];

    fx_common(fx);
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
                    ==, 0);
    fx->peer = sv[0];
    fx->client = sv[1];
    fx->peer_in = g_string_new(NULL);
    fx->qmp = qv_qmp_new(sv[1], fx->ctx);
    fx_attach(fx);
}

static void
fx_kill_qemu(Fx *fx)
{
    int status;

    if (fx->pid <= 0)
        return;
    kill(fx->pid, SIGKILL);
    g_assert_cmpint(waitpid(fx->pid, &status, 0), ==, fx->pid);
    fx->pid = 0;
}

static void
fx_teardown(Fx *fx, gconstpointer data)
{
    g_clear_pointer(&fx->qmp, qv_qmp_free);
    fx_kill_qemu(fx);
    if (fx->dir)
        qv_test_rmtree(fx->dir);
    g_free(fx->dir);
    if (fx->peer >= 0)
        close(fx->peer);
    if (fx->peer_in)
        g_string_free(fx->peer_in, TRUE);
    g_ptr_array_unref(fx->events);
    g_clear_error(&fx->closed_reason);
    /* sources left on the context (none expected) go with it */
    g_main_context_unref(fx->ctx);
}

/* ---- fake peer ---- */

static void
peer_write(Fx *fx, const char *s)
{
    size_t len = strlen(s);

    g_assert_cmpint(write(fx->peer, s, len), ==, (ssize_t)len);
}

/* Next CRLF-terminated message the client sent, parsed */
static json_object *
peer_read(Fx *fx)
{
    gint64 deadline = g_get_monotonic_time() + DEADLINE_MS * 1000LL;
    char *eol;

    while (!(eol = strstr(fx->peer_in->str, "\r\n"))) {
        struct pollfd pfd = { .fd = fx->peer, .events = POLLIN };
        char buf[4096];

        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_main_context_iteration(fx->ctx, FALSE);
        if (poll(&pfd, 1, 10) == 1) {
            ssize_t n = read(fx->peer, buf, sizeof(buf));

            g_assert_cmpint(n, >, 0);
            g_string_append_len(fx->peer_in, buf, n);
        }
    }
    {
        g_autofree char *line = g_strndup(fx->peer_in->str,
                                          eol - fx->peer_in->str);
        json_object *msg = json_tokener_parse(line);

        g_string_erase(fx->peer_in, 0, eol + 2 - fx->peer_in->str);
        g_assert_nonnull(msg);
        return msg;
    }
}

/* Read the next command; check its name; return its id (new string) */
static char *
peer_expect(Fx *fx, const char *name)
{
    json_object *msg = peer_read(fx);
    char *id;

    g_assert_cmpstr(json_object_get_string(json_object_object_get(msg, "execute")),
                    ==, name);
    id = g_strdup(json_object_get_string(json_object_object_get(msg, "id")));
    g_assert_nonnull(id);
    json_object_put(msg);
    return id;
}

/* Write @s one byte at a time, letting the client consume each byte
 * before the next is sent */
static void
peer_write_bytewise(Fx *fx, const char *s)
{
    for (; *s && !qv_qmp_is_closed(fx->qmp); s++) {
        int avail = 1;

        g_assert_cmpint(write(fx->peer, s, 1), ==, 1);
        while (avail > 0 && !qv_qmp_is_closed(fx->qmp)) {
            g_main_context_iteration(fx->ctx, TRUE);
            if (!qv_qmp_is_closed(fx->qmp))
                g_assert_cmpint(ioctl(fx->client, FIONREAD, &avail), ==, 0);
        }
    }
}

#define GREETING "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 3, \"minor\": 1, \"major\": 9}, \"package\": \"fake\"}, \"capabilities\": [\"oob\"]}}\r\n"


/* ---- real QEMU ---- */

static void
test_qemu_handshake(Fx *fx, gconstpointer data)
{
    const char *argv[] = { "qemu-system-x86_64", "--version", NULL };
    g_autofree char *out = NULL;
    g_autofree char *want = NULL;
    int major, minor, micro;

    g_assert_true(qv_qmp_get_version(fx->qmp, &major, &minor, &micro));
    /* qvirt needs 7.2 or later; the greeting must match the binary */
    g_assert_cmpint(major * 100 + minor, >=, 702);
    g_assert_cmpint(qv_test_run(argv, &out, NULL), ==, 0);
    want = g_strdup_printf("QEMU emulator version %d.%d.%d", major, minor,
                           micro);
    g_assert_true(g_str_has_prefix(out, want));
    g_assert_nonnull(qv_qmp_get_package(fx->qmp));
    g_assert_true(qv_qmp_has_capability(fx->qmp, "oob"));
    g_assert_false(qv_qmp_has_capability(fx->qmp, "no-such-capability"));
}

static void
test_qemu_query_status(Fx *fx, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    json_object *ret = NULL;

    g_assert_true(qv_qmp_command_sync(fx->qmp, "query-status", NULL, DEADLINE_MS, &ret, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(json_object_get_string(json_object_object_get(ret, "status")),
                    ==, "prelaunch");
    g_assert_false(json_object_get_boolean(json_object_object_get(ret, "running")));
    json_object_put(ret);
}

static void
test_qemu_async_many(Fx *fx, gconstpointer data)
{
    Reply r[4] = { 0 };
    int done = 0;
    json_object *args = json_object_new_object();

    json_object_object_add(args, "path", json_object_new_string("/machine"));
    qv_qmp_command(fx->qmp, "query-status", NULL, DEADLINE_MS, on_reply, &r[0]);
    qv_qmp_command(fx->qmp, "query-version", NULL, DEADLINE_MS, on_reply, &r[1]);
    qv_qmp_command(fx->qmp, "query-kvm", NULL, DEADLINE_MS, on_reply, &r[2]);
    qv_qmp_command(fx->qmp, "qom-list", args, DEADLINE_MS, on_reply, &r[3]);
    /* all four are in flight: none may complete before the loop runs */
    for (size_t i = 0; i < G_N_ELEMENTS(r); i++)
        g_assert_cmpint(r[i].done, ==, 0);
    while (done < (int)G_N_ELEMENTS(r)) {
        g_main_context_iteration(fx->ctx, TRUE);
        done = r[0].done + r[1].done + r[2].done + r[3].done;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(r); i++) {
        g_assert_cmpint(r[i].done, ==, 1);
        g_assert_no_error(r[i].error);
    }
    g_assert_true(json_object_object_get_ex(r[0].ret, "status", NULL));
    g_assert_true(json_object_object_get_ex(r[1].ret, "qemu", NULL));
    g_assert_true(json_object_object_get_ex(r[2].ret, "present", NULL));
    g_assert_true(json_object_is_type(r[3].ret, json_type_array));
    for (size_t i = 0; i < G_N_ELEMENTS(r); i++)
        reply_clear(&r[i]);
}

/* How many of QEMU's fds are open on @path */
static int
qemu_fds_on(Fx *fx, const char *path)
{
    g_autofree char *dir = g_strdup_printf("/proc/%d/fd", (int)fx->pid);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *ent;
    int n = 0;

    g_assert_nonnull(d);
    while ((ent = g_dir_read_name(d))) {
        g_autofree char *link = g_build_filename(dir, ent, NULL);
        g_autofree char *target = g_file_read_link(link, NULL);

        n += target && strcmp(target, path) == 0;
    }
    return n;
}

/* fds passed with commands (SCM_RIGHTS), several in flight at once, each
 * reaching QEMU with its own getfd; closefd lets them go */
static void
test_qemu_getfd(Fx *fx, gconstpointer data)
{
    g_autofree char *path = g_build_filename(fx->dir, "passed", NULL);
    Reply r = { 0 };

    g_assert_true(g_file_set_contents(path, "", 0, NULL));
    for (int i = 0; i < 5; i++) {
        g_autofree char *name = g_strdup_printf("fd%d", i);
        int fd = open(path, O_RDONLY | O_CLOEXEC);

        g_assert_cmpint(fd, >=, 0);
        qv_qmp_command_fd(fx->qmp, "getfd", qv_json_new(NULL, "s:fdname", name, NULL), fd,
                          DEADLINE_MS, on_reply, &r);
    }
    /* a command without an fd between them takes none */
    qv_qmp_command(fx->qmp, "query-status", NULL, DEADLINE_MS, on_reply, &r);
    wait_for(fx, &r.done, 6);
    g_assert_no_error(r.error);
    g_assert_cmpint(qemu_fds_on(fx, path), ==, 5);
    for (int i = 0; i < 5; i++) {
        g_autofree char *name = g_strdup_printf("fd%d", i);
        json_object *args = qv_json_new(NULL, "s:fdname", name, NULL);
        g_autoptr(GError) err = NULL;

        g_assert_true(qv_qmp_command_sync(fx->qmp, "closefd", &args, DEADLINE_MS, NULL, &err));
        g_assert_no_error(err);
    }
    g_assert_cmpint(qemu_fds_on(fx, path), ==, 0);
    /* getfd without an fd is QEMU's error, not a hang */
    {
        json_object *args = qv_json_new(NULL, "s:fdname", "none", NULL);
        g_autoptr(GError) err = NULL;

        g_assert_false(qv_qmp_command_sync(fx->qmp, "getfd", &args, DEADLINE_MS, NULL, &err));
        g_assert_error(err, QV_ERROR, QV_ERR_INVALID_ARG);
    }
    reply_clear(&r);
}

static void
test_qemu_errors(Fx *fx, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    json_object *args = json_object_new_object();

    json_object *ret = NULL;

    /* a failed call leaves no result */
    g_assert_false(qv_qmp_command_sync(fx->qmp, "qv-no-such-command", NULL,
                                       DEADLINE_MS, &ret, &err));
    g_assert_null(ret);
    g_assert_error(err, QV_ERROR, QV_ERR_UNSUPPORTED);
    g_assert_cmpstr(err->message, ==, "QMP command 'qv-no-such-command' failed: The command qv-no-such-command has not been found");
    g_clear_error(&err);

    json_object_object_add(args, "driver", json_object_new_string("qcow3"));
    json_object_object_add(args, "node-name", json_object_new_string("n"));
    g_assert_false(qv_qmp_command_sync(fx->qmp, "blockdev-add", &args,
                                       DEADLINE_MS, NULL, &err));
    g_assert_null(args);
    g_assert_error(err, QV_ERROR, QV_ERR_INVALID_ARG);
    g_assert_cmpstr(err->message, ==, "QMP command 'blockdev-add' failed: Parameter 'driver' does not accept value 'qcow3'");
    /* the connection is still fine */
    g_assert_false(qv_qmp_is_closed(fx->qmp));
}

/* A sync command from inside an event handler: the nested iteration
 * must see its reply */
static void
on_event_query(QvQmp *qmp, const char *event, json_object *data,
               gint64 seconds, gint64 micros, gpointer opaque)
{
    Fx *fx = opaque;
    g_autoptr(GError) err = NULL;
    json_object *ret;

    on_event(qmp, event, data, seconds, micros, opaque);
    if (strcmp(event, "RESUME") != 0)
        return;
    g_assert_true(qv_qmp_command_sync(qmp, "query-status", NULL, DEADLINE_MS, &ret, &err));
    g_assert_no_error(err);
    g_ptr_array_add(fx->events, g_strdup(json_object_get_string(
                                             json_object_object_get(ret, "status"))));
    json_object_put(ret);
}

static void
test_qemu_events(Fx *fx, gconstpointer data)
{
    Reply cont = { 0 };
    Reply stop = { 0 };
    int n = 0;

    qv_qmp_set_event_handler(fx->qmp, on_event_query, fx);
    qv_qmp_command(fx->qmp, "cont", NULL, DEADLINE_MS, on_reply, &cont);
    qv_qmp_command(fx->qmp, "stop", NULL, DEADLINE_MS, on_reply, &stop);
    while (n < 3 || !cont.done || !stop.done) {
        g_main_context_iteration(fx->ctx, TRUE);
        n = fx->events->len;
    }
    g_assert_no_error(cont.error);
    g_assert_no_error(stop.error);
    g_assert_cmpint(fx->events->len, ==, 3);
    g_assert_cmpstr(g_ptr_array_index(fx->events, 0), ==, "RESUME");
    /* "stop" was written together with "cont", so QEMU handles it (and
     * sends STOP) before the nested query-status, whose reply comes
     * after: the nested iteration dispatched STOP in order */
    g_assert_cmpstr(g_ptr_array_index(fx->events, 1), ==, "STOP");
    g_assert_cmpstr(g_ptr_array_index(fx->events, 2), ==, "paused");
    reply_clear(&cont);
    reply_clear(&stop);
}

static void
test_qemu_killed(Fx *fx, gconstpointer data)
{
    Reply r = { 0 };

    /* queued but not yet written: QEMU cannot answer it */
    qv_qmp_command(fx->qmp, "query-status", NULL, DEADLINE_MS, on_reply, &r);
    fx_kill_qemu(fx);
    wait_for(fx, &fx->closed, 1);
    g_assert_cmpint(r.done, ==, 1);
    g_assert_error(r.error, QV_ERROR, QV_ERR_IO);
    g_assert_true(g_str_has_prefix(r.error->message, "QMP command 'query-status' failed: "));
    g_assert_error(fx->closed_reason, QV_ERROR, QV_ERR_IO);
    g_assert_true(qv_qmp_is_closed(fx->qmp));
    reply_clear(&r);

    /* later commands fail too, from the loop, and closed does not repeat */
    qv_qmp_command(fx->qmp, "query-status", NULL, 0, on_reply, &r);
    g_assert_cmpint(r.done, ==, 0);
    wait_for(fx, &r.done, 1);
    g_assert_error(r.error, QV_ERROR, QV_ERR_IO);
    g_assert_cmpint(fx->closed, ==, 1);
    reply_clear(&r);
}

/* ---- fake peer ---- */

static void
fake_handshake(Fx *fx)
{
    Reply r = { 0 };
    g_autofree char *id = NULL;
    g_autofree char *reply = NULL;
    int major, minor, micro;

    qv_qmp_handshake_async(fx->qmp, 0, on_reply, &r);
    g_assert_false(qv_qmp_get_version(fx->qmp, &major, &minor, &micro));
    peer_write(fx, GREETING);
    id = peer_expect(fx, "qmp_capabilities");
    reply = g_strdup_printf("{\"return\": {}, \"id\": \"%s\"}\r\n", id);
    peer_write(fx, reply);
    wait_for(fx, &r.done, 1);
    g_assert_no_error(r.error);
    g_assert_true(qv_qmp_get_version(fx->qmp, &major, &minor, &micro));
    g_assert_cmpint(major, ==, 9);
    g_assert_cmpint(minor, ==, 1);
    g_assert_cmpint(micro, ==, 3);
    g_assert_cmpstr(qv_qmp_get_package(fx->qmp), ==, "fake");
    reply_clear(&r);
}

static void
test_fake_timeout(Fx *fx, gconstpointer data)
{
    Reply slow = { 0 };
    Reply next = { 0 };
    g_autofree char *id1 = NULL;
    g_autofree char *id2 = NULL;
    g_autofree char *late = NULL;
    g_autofree char *ok = NULL;

    fake_handshake(fx);
    /* the peer never answers in time: the timeout is the only way out */
    qv_qmp_command(fx->qmp, "query-block", NULL, 5, on_reply, &slow);
    id1 = peer_expect(fx, "query-block");
    wait_for(fx, &slow.done, 1);
    g_assert_error(slow.error, QV_ERROR, QV_ERR_TIMEOUT);
    g_assert_cmpstr(slow.error->message, ==, "QMP command 'query-block' timed out after 5 ms");
    g_assert_true(qv_qmp_error_is_timeout(slow.error));

    /* a late reply is dropped; the connection stays usable */
    qv_qmp_command(fx->qmp, "query-name", NULL, 0, on_reply, &next);
    id2 = peer_expect(fx, "query-name");
    g_assert_cmpstr(id1, !=, id2);
    late = g_strdup_printf("{\"return\": [], \"id\": \"%s\"}\r\n", id1);
    ok = g_strdup_printf("{\"return\": {\"name\": \"x\"}, \"id\": \"%s\"}\r\n", id2);
    peer_write(fx, late);
    peer_write(fx, ok);
    wait_for(fx, &next.done, 1);
    g_assert_no_error(next.error);
    g_assert_cmpstr(json_object_get_string(json_object_object_get(next.ret, "name")),
                    ==, "x");
    g_assert_cmpint(slow.done, ==, 1);
    g_assert_cmpint(fx->closed, ==, 0);
    reply_clear(&slow);
    reply_clear(&next);
}

static void
test_fake_greeting_timeout(Fx *fx, gconstpointer data)
{
    g_autoptr(GError) err = NULL;

    g_assert_false(qv_qmp_handshake(fx->qmp, 5, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_TIMEOUT);
    g_assert_cmpstr(err->message, ==, "timed out after 5 ms waiting for the QMP greeting");
}

static void
test_fake_pieces(Fx *fx, gconstpointer data)
{
    Reply r = { 0 };
    g_autofree char *id = NULL;
    g_autofree char *msgs = NULL;

    fake_handshake(fx);
    qv_qmp_command(fx->qmp, "query-status", NULL, 0, on_reply, &r);
    id = peer_expect(fx, "query-status");
    msgs = g_strdup_printf("{\"event\": \"STOP\", \"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 5}}\r\n"
                           "{\"return\": {\"status\": \"paused\", \"s\": \"a\\u00e9\\\"}\"}, \"id\": \"%s\"}\r\n",
                           id);
    peer_write_bytewise(fx, msgs);
    g_assert_cmpint(r.done, ==, 1);
    g_assert_no_error(r.error);
    g_assert_cmpstr(json_object_get_string(json_object_object_get(r.ret, "s")),
                    ==, "a\xc3\xa9\"}");
    g_assert_cmpint(fx->events->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(fx->events, 0), ==, "STOP");
    reply_clear(&r);
}

/* query-named-block-nodes nests "backing-image" once per layer */
static void
test_fake_deep(Fx *fx, gconstpointer data)
{
    g_autoptr(GString) msg = g_string_new("{\"return\": ");
    Reply r = { 0 };
    g_autofree char *id = NULL;
    json_object *o;

    fake_handshake(fx);
    qv_qmp_command(fx->qmp, "query-named-block-nodes", NULL, 0, on_reply, &r);
    id = peer_expect(fx, "query-named-block-nodes");
    for (int i = 0; i < 3000; i++)
        g_string_append(msg, "{\"backing-image\": ");
    g_string_append(msg, "{}");
    for (int i = 0; i < 3000; i++)
        g_string_append_c(msg, '}');
    g_string_append_printf(msg, ", \"id\": \"%s\"}\r\n", id);
    peer_write(fx, msg->str);
    wait_for(fx, &r.done, 1);
    g_assert_no_error(r.error);
    o = r.ret;
    for (int i = 0; i < 3000; i++)
        g_assert_true(json_object_object_get_ex(o, "backing-image", &o));
    reply_clear(&r);
}

static void
test_fake_two_in_one(Fx *fx, gconstpointer data)
{
    Reply r[2] = { 0 };
    g_autofree char *id1 = NULL;
    g_autofree char *id2 = NULL;
    g_autofree char *msgs = NULL;

    fake_handshake(fx);
    qv_qmp_command(fx->qmp, "a", NULL, 0, on_reply, &r[0]);
    qv_qmp_command(fx->qmp, "b", NULL, 0, on_reply, &r[1]);
    id1 = peer_expect(fx, "a");
    id2 = peer_expect(fx, "b");
    /* answered out of order, in one write, no separator between them */
    msgs = g_strdup_printf("{\"return\": 2, \"id\": \"%s\"}{\"return\": 1, \"id\": \"%s\"}\r\n",
                           id2, id1);
    peer_write(fx, msgs);
    wait_for(fx, &r[1].done, 1);
    g_assert_cmpint(r[0].done, ==, 1);
    g_assert_cmpint(json_object_get_int(r[0].ret), ==, 1);
    g_assert_cmpint(json_object_get_int(r[1].ret), ==, 2);
    reply_clear(&r[0]);
    reply_clear(&r[1]);
}

/* @bad ends the connection with a protocol error naming @why */
static void
check_protocol_error(Fx *fx, const char *bad, const char *why)
{
    Reply r = { 0 };
    g_autofree char *id = NULL;

    fake_handshake(fx);
    qv_qmp_command(fx->qmp, "query-status", NULL, 0, on_reply, &r);
    id = peer_expect(fx, "query-status");
    peer_write(fx, bad);
    wait_for(fx, &fx->closed, 1);
    g_assert_cmpint(r.done, ==, 1);
    g_assert_error(r.error, QV_ERROR, QV_ERR_INTERNAL);
    g_assert_error(fx->closed_reason, QV_ERROR, QV_ERR_INTERNAL);
    g_assert_cmpstr(fx->closed_reason->message, ==, why);
    g_assert_true(g_str_has_prefix(r.error->message, "QMP command 'query-status' failed: QMP protocol error: "));
    reply_clear(&r);
}

static void
test_fake_malformed(Fx *fx, gconstpointer data)
{
    check_protocol_error(fx, "{\"return\": }\r\n",
                         "QMP protocol error: malformed JSON: unexpected character");
}

static void
test_fake_not_object(Fx *fx, gconstpointer data)
{
    check_protocol_error(fx, "[1, 2]\r\n",
                         "QMP protocol error: a message is not a JSON object");
}

static void
test_fake_oversized(Fx *fx, gconstpointer data)
{
    g_autoptr(GString) big = g_string_new("{\"event\": \"X\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 0}, \"data\": {\"s\": \"");

    qv_qmp_set_max_message_size(fx->qmp, 4096);
    /* just under the cap passes */
    while (big->len < 4000)
        g_string_append_c(big, 'x');
    g_string_append(big, "\"}}\r\n");
    peer_write(fx, big->str);
    while (fx->events->len < 1)
        g_main_context_iteration(fx->ctx, TRUE);
    g_string_truncate(big, big->len - 5);
    while (big->len < 10000)
        g_string_append_c(big, 'x');
    g_string_append(big, "\"}}\r\n");
    check_protocol_error(fx, big->str,
                         "QMP protocol error: a message is larger than 4096 bytes");
}

static void
test_fake_eof(Fx *fx, gconstpointer data)
{
    Reply r = { 0 };

    fake_handshake(fx);
    qv_qmp_command(fx->qmp, "query-status", NULL, 0, on_reply, &r);
    g_free(peer_expect(fx, "query-status"));
    /* half a message, then the peer goes away */
    peer_write(fx, "{\"return\": {");
    close(fx->peer);
    fx->peer = -1;
    wait_for(fx, &fx->closed, 1);
    g_assert_cmpstr(r.error->message, ==, "QMP command 'query-status' failed: QMP connection closed by QEMU (end of file)");
    reply_clear(&r);
}

static void
on_reply_free(QvQmp *qmp, json_object *ret, const GError *error,
              gpointer opaque)
{
    Fx *fx = opaque;

    g_assert_nonnull(error);
    /* freeing from the callback of a dispatch in progress */
    g_clear_pointer(&fx->qmp, qv_qmp_free);
}

static void
test_fake_free(Fx *fx, gconstpointer data)
{
    Reply r = { 0 };

    fake_handshake(fx);
    qv_qmp_command(fx->qmp, "a", NULL, 0, on_reply, &r);
    qv_qmp_command(fx->qmp, "b", NULL, 1, on_reply_free, fx);
    qv_qmp_command(fx->qmp, "c", NULL, 0, on_reply, &r);
    /* "b" times out, frees the client, which fails "a" and "c" */
    wait_for(fx, &r.done, 2);
    g_assert_null(fx->qmp);
    g_assert_error(r.error, QV_ERROR, QV_ERR_IO);
    g_assert_cmpint(fx->closed, ==, 0);
    reply_clear(&r);
}

static void
test_connect_timeout(void)
{
    g_autofree char *dir = qv_test_mkdtemp();
    g_autofree char *sock = g_build_filename(dir, "none.sock", NULL);
    g_autoptr(GError) err = NULL;

    g_assert_null(qv_qmp_connect_unix(sock, NULL, 20, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_TIMEOUT);
    g_assert_true(g_str_has_prefix(err->message, "timed out: cannot connect to QMP socket '"));
    qv_test_rmtree(dir);
}

/* Which failures are timeouts, and which timed-out commands get advice */
static void
test_timeout_hint(void)
{
    static const struct {
        const char *json;       /* {"execute", "arguments"} */
        bool hint;
    } rows[] = {
        { "{\"execute\":\"query-named-block-nodes\"}", true },
        { "{\"execute\":\"query-named-block-nodes\",\"arguments\":{}}", true },
        { "{\"execute\":\"query-named-block-nodes\",\"arguments\":{\"flat\":false}}", true },
        { "{\"execute\":\"query-named-block-nodes\",\"arguments\":{\"flat\":\"yes\"}}", true },
        { "{\"execute\":\"query-named-block-nodes\",\"arguments\":{\"flat\":true}}", false },
        { "{\"execute\":\"query-block\"}", false },
    };
    g_autoptr(GError) timeout = g_error_new(QV_ERROR, QV_ERR_TIMEOUT, "domain 'vm': query-named-block-nodes: "
                                            "QMP command 'query-named-block-nodes' timed out after 30000 ms");
    g_autoptr(GError) other = g_error_new(QV_ERROR, QV_ERR_IO, "QMP command 'query-block' failed: closed");
    g_autoptr(GError) code = g_error_new(QV_ERROR, QV_ERR_INVALID_ARG, "QMP command 'x' timed out after 1 ms");

    g_assert_true(qv_qmp_error_is_timeout(timeout));
    g_assert_false(qv_qmp_error_is_timeout(other));
    g_assert_false(qv_qmp_error_is_timeout(code));
    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        g_autoptr(json_object) cmd = json_tokener_parse(rows[i].json);
        json_object *exec = NULL, *args = NULL;
        const char *hint;

        g_assert_nonnull(cmd);
        g_assert_true(json_object_object_get_ex(cmd, "execute", &exec));
        json_object_object_get_ex(cmd, "arguments", &args);
        hint = qv_qmp_timeout_hint(json_object_get_string(exec), args);
        if (!rows[i].hint) {
            g_assert_null(hint);
            continue;
        }
        g_assert_nonnull(hint);
        g_assert_nonnull(strstr(hint, "\"arguments\":{\"flat\":true}"));
        g_assert_nonnull(strstr(hint, "square of the chains' depth"));
    }
}

#define ADD(path, setup, fn) \
    g_test_add(path, Fx, NULL, setup, fn, fx_teardown)

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ADD("/qmp/qemu/handshake", fx_setup_qemu, test_qemu_handshake);
    ADD("/qmp/qemu/query-status", fx_setup_qemu, test_qemu_query_status);
    ADD("/qmp/qemu/async-many", fx_setup_qemu, test_qemu_async_many);
    ADD("/qmp/qemu/errors", fx_setup_qemu, test_qemu_errors);
    ADD("/qmp/qemu/getfd", fx_setup_qemu, test_qemu_getfd);
    ADD("/qmp/qemu/events", fx_setup_qemu, test_qemu_events);
    ADD("/qmp/qemu/killed", fx_setup_qemu, test_qemu_killed);
    ADD("/qmp/fake/timeout", fx_setup_fake, test_fake_timeout);
    ADD("/qmp/fake/greeting-timeout", fx_setup_fake, test_fake_greeting_timeout);
    ADD("/qmp/fake/pieces", fx_setup_fake, test_fake_pieces);
    ADD("/qmp/fake/deep", fx_setup_fake, test_fake_deep);
    ADD("/qmp/fake/two-in-one", fx_setup_fake, test_fake_two_in_one);
    ADD("/qmp/fake/malformed", fx_setup_fake, test_fake_malformed);
    ADD("/qmp/fake/not-object", fx_setup_fake, test_fake_not_object);
    ADD("/qmp/fake/oversized", fx_setup_fake, test_fake_oversized);
    ADD("/qmp/fake/eof", fx_setup_fake, test_fake_eof);
    ADD("/qmp/fake/free-in-callback", fx_setup_fake, test_fake_free);
    g_test_add_func("/qmp/connect-timeout", test_connect_timeout);
    g_test_add_func("/qmp/timeout-hint", test_timeout_hint);
    return g_test_run();
}
