/*
 * qv-migrate-peer: the destination's side of a migration as the
 * migrating command runs it: `qvirt __migrate-incoming` on this host
 * (qvirt:///ROOT) or through ssh (qvirt+ssh://...), with a pipe each
 * way and its stderr kept for errors.
 */
#include "lib/qv-migrate.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor/qv-control.h"
#include "util/qv-error.h"
#include "util/qv-json.h"


void
qv_migrate_peer_close(Peer *p)
{
    if (p->to >= 0)
        close(p->to);
    if (p->from >= 0)
        close(p->from);
    p->to = p->from = -1;
    if (p->pid > 0) {
        int st;

        /* it ends once its input does; ssh over a dead network may not */
        for (int i = 0; i < 1000; i++) {
            pid_t r = waitpid(p->pid, &st, WNOHANG);

            if (r == p->pid || (r < 0 && errno != EINTR))
                break;
            if (i == 999) {
                kill(p->pid, SIGKILL);
                while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
                    ;
            }
            g_usleep(10 * 1000);
        }
        p->pid = 0;
    }
    if (p->errlog) {
        unlink(p->errlog);
        g_clear_pointer(&p->errlog, g_free);
    }
    g_clear_pointer(&p->host, g_free);
    g_clear_pointer(&p->what, g_free);
}

/* What the destination's process (or ssh) wrote on stderr, for errors */
char *
qv_migrate_peer_stderr(Peer *p)
{
    g_autofree char *text = NULL;

    if (!p->errlog || !g_file_get_contents(p->errlog, &text, NULL, NULL) || !*g_strstrip(text))
        return NULL;
    return g_steal_pointer(&text);
}

static void
query_param(const char *query, const char *key, char **out)
{
    g_auto(GStrv) parts = query ? g_strsplit(query, "&", -1) : NULL;

    for (guint i = 0; parts && parts[i]; i++) {
        size_t n = strlen(key);

        if (strncmp(parts[i], key, n) == 0 && parts[i][n] == '=') {
            g_free(*out);
            *out = g_uri_unescape_string(parts[i] + n + 1, NULL);
        }
    }
}

/* qvirt:///ROOT, qvirt+ssh://[USER@]HOST[:PORT][/ROOT][?...] */
static GPtrArray *
peer_argv(const char *uri, Peer *p, GError **error)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GUri) u = NULL;
    const char *scheme, *path;
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
    g_autofree char *keyfile = NULL, *known = NULL, *noverify = NULL, *command = NULL;

    if (!(u = g_uri_parse(uri, G_URI_FLAGS_NONE, NULL))) {
        g_set_error(error, QV_ERROR, QV_ERR_PARSE,
                    "'%s' is not a destination URI (qvirt:///ROOT or "
                    "qvirt+ssh://[USER@]HOST[:PORT][/ROOT])", uri);
        return NULL;
    }
    scheme = g_uri_get_scheme(u);
    path = g_uri_get_path(u);
    if (strcmp(scheme, "qvirt") == 0) {
        if (g_uri_get_host(u) && *g_uri_get_host(u)) {
            g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                        "'%s': a qvirt:// destination is on this host (qvirt:///ROOT); use "
                        "qvirt+ssh://%s/ for another", uri, g_uri_get_host(u));
            return NULL;
        }
        /* this host: the running qvirt, or the one a program names */
        if (!self || !g_str_has_suffix(self, "/qvirt")) {
            g_free(self);
            self = g_strdup(g_getenv("QVIRT_BIN") ? g_getenv("QVIRT_BIN") : "qvirt");
        }
        g_ptr_array_add(argv, g_strdup(self));
    } else if (strcmp(scheme, "qvirt+ssh") == 0) {
        const char *query = g_uri_get_query(u);

        if (!g_uri_get_host(u) || !*g_uri_get_host(u)) {
            g_set_error(error, QV_ERROR, QV_ERR_PARSE, "'%s': no host to ssh to", uri);
            return NULL;
        }
        query_param(query, "keyfile", &keyfile);
        query_param(query, "known_hosts", &known);
        query_param(query, "no_verify", &noverify);
        query_param(query, "command", &command);
        g_ptr_array_add(argv, g_strdup("ssh"));
        g_ptr_array_add(argv, g_strdup("-T"));
        g_ptr_array_add(argv, g_strdup("-o"));
        g_ptr_array_add(argv, g_strdup("BatchMode=yes"));
        /* a host that goes silent ends the conversation, not hangs it */
        g_ptr_array_add(argv, g_strdup("-o"));
        g_ptr_array_add(argv, g_strdup("ServerAliveInterval=5"));
        g_ptr_array_add(argv, g_strdup("-o"));
        g_ptr_array_add(argv, g_strdup("ServerAliveCountMax=3"));
        g_ptr_array_add(argv, g_strdup("-o"));
        g_ptr_array_add(argv, g_strdup("ConnectTimeout=30"));
        if (g_uri_get_port(u) > 0) {
            g_ptr_array_add(argv, g_strdup("-p"));
            g_ptr_array_add(argv, g_strdup_printf("%d", g_uri_get_port(u)));
        }
        if (g_uri_get_user(u)) {
            g_ptr_array_add(argv, g_strdup("-l"));
            g_ptr_array_add(argv, g_strdup(g_uri_get_user(u)));
        }
        if (keyfile) {
            g_ptr_array_add(argv, g_strdup("-i"));
            g_ptr_array_add(argv, g_strdup(keyfile));
        }
        if (known) {
            g_ptr_array_add(argv, g_strdup("-o"));
            g_ptr_array_add(argv, g_strdup_printf("UserKnownHostsFile=%s", known));
        }
        if (noverify && strcmp(noverify, "0") != 0) {
            g_ptr_array_add(argv, g_strdup("-o"));
            g_ptr_array_add(argv, g_strdup("StrictHostKeyChecking=no"));
        }
        g_ptr_array_add(argv, g_strdup(g_uri_get_host(u)));
        g_ptr_array_add(argv, g_strdup("--"));
        g_ptr_array_add(argv, g_strdup(command ? command : "qvirt"));
        p->host = g_strdup(g_uri_get_host(u));
    } else {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "'%s': qvirt migrates to qvirt:///ROOT or qvirt+ssh://HOST/ROOT", uri);
        return NULL;
    }
    /* an empty path or "/" is the destination's default root */
    if (path && *path && strcmp(path, "/") != 0) {
        g_ptr_array_add(argv, g_strdup("--root"));
        g_ptr_array_add(argv, g_strdup(path));
    }
    g_ptr_array_add(argv, g_strdup("__migrate-incoming"));
    g_ptr_array_add(argv, NULL);
    return g_steal_pointer(&argv);
}

bool
qv_migrate_peer_start(const char *uri, Peer *p, GError **error)
{
    g_autoptr(GPtrArray) argv = NULL;
    int errfd;

    p->to = p->from = -1;
    if (!(argv = peer_argv(uri, p, error)))
        return false;
    p->what = g_strdup_printf("the destination '%s'", uri);
    if ((errfd = g_file_open_tmp("qvirt-migrate-XXXXXX.log", &p->errlog, error)) < 0)
        return false;
    if (!g_spawn_async_with_pipes_and_fds(NULL, (const char *const *)argv->pdata, NULL,
                                          G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                                          NULL, NULL, -1, -1, errfd, NULL, NULL, 0,
                                          &p->pid, &p->to, &p->from, NULL, error)) {
        close(errfd);
        g_prefix_error(error, "cannot run %s: ", p->what);
        return false;
    }
    close(errfd);
    return true;
}

void
qv_migrate_peer_fail(Peer *p, GError **error)
{
    g_autofree char *err = qv_migrate_peer_stderr(p);

    if (err && error && *error)
        g_prefix_error(error, "%s (%s): ", p->what, err);
    else if (error && *error)
        g_prefix_error(error, "%s: ", p->what);
}

/* Write to the destination's side without a SIGPIPE when it is gone
 * (the library leaves the program's signals alone: the signal is
 * blocked for the write and a pending one taken back) */
static bool
peer_write(Peer *p, json_object *msg, GError **error)
{
    sigset_t pipe_set, old;
    struct timespec zero = { 0, 0 };
    bool ok;

    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    ok = qv_ctl_write_line(p->to, msg, error);
    if (!ok)
        while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
            ;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return ok;
}

/* Send @msg (stolen) and read the answer; p->answered tells whether
 * one came (an error it sent) or none (it is gone, or silent) */
bool
qv_migrate_peer_call(Peer *p, json_object *msg, unsigned int timeout_s, json_object **ret, GError **error)
{
    g_autoptr(json_object) m = msg, answer = NULL;

    *ret = NULL;
    p->answered = false;
    if (!peer_write(p, m, error) ||
        !(answer = qv_ctl_read_line(p->from, g_get_monotonic_time() +
                                    (gint64)timeout_s * G_USEC_PER_SEC, p->what, NULL, error))) {
        qv_migrate_peer_fail(p, error);
        return false;
    }
    p->answered = true;
    return qv_ctl_unpack(answer, ret, error);
}

