/*
 * qv-test-sanlock: sanlock daemons for tests (see the header).
 */
#include "qv-test-sanlock.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qv-test-util.h"

struct QvTestSanlock {
    char *name;
    char *run_dir;
    char *log_path;
    pid_t pid;                  /* 0 once reaped */
    pid_t starter;              /* the process that may stop it */
};

static GPtrArray *running;      /* QvTestSanlock *, not owned */
static pid_t parent_pid;

static void
child_setup(gpointer data)
{
    /* die with the test, even when it aborts */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent_pid)
        _exit(127);
}

const char *
qv_test_sanlock_run_dir(const QvTestSanlock *h)
{
    return h->run_dir;
}

pid_t
qv_test_sanlock_pid(const QvTestSanlock *h)
{
    return h->pid;
}

char *
qv_test_sanlock_log(const QvTestSanlock *h)
{
    char *text = NULL;

    if (!g_file_get_contents(h->log_path, &text, NULL, NULL))
        return g_strdup("");
    return text;
}

void
qv_test_sanlock_use(const QvTestSanlock *h)
{
    g_setenv("SANLOCK_RUN_DIR", h->run_dir, TRUE);
}

char **
qv_test_sanlock_environ(const QvTestSanlock *h, char **envp)
{
    char **env = envp ? g_strdupv(envp) : g_get_environ();

    env = g_environ_setenv(env, "SANLOCK_RUN_DIR", h->run_dir, TRUE);
    if (geteuid() != 0)
        env = g_environ_setenv(env, "SANLOCK_PRIVILEGED", "0", TRUE);
    return env;
}

static bool
socket_answers(const char *run_dir)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool ok;

    g_snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/sanlock.sock", run_dir);
    ok = fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

/* Wait up to @ms for the daemon to exit; true when it did (and is reaped) */
static bool
wait_exit(QvTestSanlock *h, int ms)
{
    for (int i = 0; h->pid > 0 && i <= ms / 20; i++) {
        int status;
        pid_t r = waitpid(h->pid, &status, WNOHANG);

        if (r == h->pid || (r < 0 && errno == ECHILD)) {
            h->pid = 0;
            return true;
        }
        g_usleep(20 * 1000);
    }
    return h->pid == 0;
}

QvTestSanlock *
qv_test_sanlock_start(const char *base, const char *name)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *host = g_strdup_printf("host%s", name);
    g_auto(GStrv) env = NULL;
    const char *preload = g_getenv("QV_TEST_SANLOCK_PRELOAD");
    struct group *gr = getgrgid(getgid());
    QvTestSanlock *h = g_new0(QvTestSanlock, 1);
    const char *argv[] = {
        "sanlock", "daemon", "-D", "-w", "0", "-l", "0", "-h", "0",
        "-U", g_get_user_name(), "-G", gr ? gr->gr_name : "root",
        "-e", host, "-o", "1", "-L", "-1", "-S", "-1", NULL,
    };
    int log_fd;
    GPid pid;

    if (!preload)
        g_error("QV_TEST_SANLOCK_PRELOAD is not set (meson sets it to tests/qv-test-setrlimit.so)");
    h->name = g_strdup(name);
    h->run_dir = g_strdup_printf("%s/sanlock-%s", base, name);
    h->log_path = g_strdup_printf("%s/daemon.log", h->run_dir);
    g_assert_cmpint(g_mkdir_with_parents(h->run_dir, 0755), ==, 0);
    log_fd = open(h->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    g_assert_cmpint(log_fd, >=, 0);
    env = qv_test_sanlock_environ(h, NULL);
    env = g_environ_setenv(env, "LD_PRELOAD", preload, TRUE);
    parent_pid = getpid();
    if (!g_spawn_async_with_fds(NULL, (char **)argv, env,
                                G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                                child_setup, NULL, &pid, -1, log_fd, log_fd, &err))
        g_error("cannot start sanlock daemon for host %s: %s", name, err->message);
    close(log_fd);
    h->pid = pid;
    h->starter = getpid();
    if (!running) {
        running = g_ptr_array_new();
        atexit(qv_test_sanlock_stop_all);
    }
    g_ptr_array_add(running, h);

    for (int i = 0; i < 1000 && !socket_answers(h->run_dir); i++) {
        if (wait_exit(h, 0)) {
            g_autofree char *log = qv_test_sanlock_log(h);

            g_error("sanlock daemon for host %s exited at start:\n%s", name, log);
        }
        g_usleep(20 * 1000);
    }
    if (!socket_answers(h->run_dir)) {
        g_autofree char *log = qv_test_sanlock_log(h);

        g_error("sanlock daemon for host %s does not answer on %s/sanlock.sock:\n%s",
                name, h->run_dir, log);
    }
    return h;
}

void
qv_test_sanlock_kill(QvTestSanlock *h)
{
    if (h->pid > 0 && getpid() == h->starter) {
        kill(h->pid, SIGKILL);
        wait_exit(h, 10000);
    }
}

static void
stop_daemon(QvTestSanlock *h)
{
    /* a forked child of the test that exits must not stop the daemons */
    if (h->pid > 0 && getpid() == h->starter) {
        g_auto(GStrv) env = qv_test_sanlock_environ(h, NULL);
        const char *argv[] = { "sanlock", "client", "shutdown", "-f", "1", NULL };

        g_spawn_sync(NULL, (char **)argv, env,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, NULL, NULL);
        if (!wait_exit(h, 10000)) {
            kill(h->pid, SIGTERM);
            if (!wait_exit(h, 5000)) {
                kill(h->pid, SIGKILL);
                wait_exit(h, 10000);
            }
        }
    }
}

void
qv_test_sanlock_stop(QvTestSanlock *h)
{
    if (!h)
        return;
    stop_daemon(h);
    if (running)
        g_ptr_array_remove(running, h);
    g_free(h->name);
    g_free(h->run_dir);
    g_free(h->log_path);
    g_free(h);
}

void
qv_test_sanlock_stop_all(void)
{
    while (running && running->len > 0)
        qv_test_sanlock_stop(running->pdata[running->len - 1]);
    g_clear_pointer(&running, g_ptr_array_unref);
}

void
qv_test_sanlock_write_lockspace(const char *name, const char *path, unsigned int io_timeout)
{
    g_autofree char *spec = g_strdup_printf("%s:0:%s:0", name, path);
    g_autofree char *io = g_strdup_printf("%u", io_timeout);
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    const char *argv[] = { "sanlock", "direct", "init", "-o", io, "-s", spec, NULL };
    struct stat st;
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(fstat(fd, &st), ==, 0);
    if (st.st_size < 1024 * 1024)
        g_assert_cmpint(ftruncate(fd, 1024 * 1024), ==, 0);
    close(fd);
    if (qv_test_run(argv, &out, &err) != 0)
        g_error("sanlock direct init -s %s failed: %s%s", spec, out, err);
}

/* ---- agents ---- */

struct QvTestSanlockAgent {
    pid_t pid;
    int to;                     /* calls */
    int from;                   /* replies */
};

typedef struct {
    QvTestSanlockFunc fn;
    guint32 len;
} CallHeader;

/* the test process's ends of every agent's pipes: a new agent closes
 * its copies, or an agent would never see the end of its input */
static GArray *agent_fds;

static bool
read_full(int fd, void *buf, size_t len)
{
    char *p = buf;

    while (len > 0) {
        ssize_t n = read(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static bool
write_full(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static G_NORETURN void
agent_main(const char *run_dir, int in, int out, void *(*ctx_new)(gpointer data),
           void (*ctx_free)(void *ctx), gpointer data)
{
    void *ctx;
    CallHeader hdr;

    prctl(PR_SET_PDEATHSIG, SIGKILL);
    g_setenv("SANLOCK_RUN_DIR", run_dir, TRUE);
    if (geteuid() != 0)
        g_setenv("SANLOCK_PRIVILEGED", "0", TRUE);
    ctx = ctx_new ? ctx_new(data) : NULL;
    while (read_full(in, &hdr, sizeof(hdr))) {
        g_autofree char *arg = g_malloc0(hdr.len + 1);
        g_autofree char *reply = NULL;
        guint32 len;

        if (!read_full(in, arg, hdr.len))
            _exit(2);
        reply = hdr.fn(ctx, arg);
        len = reply ? (guint32)strlen(reply) : 0;
        if (!write_full(out, &len, sizeof(len)) || !write_full(out, reply ? reply : "", len))
            _exit(2);
    }
    if (ctx_free)
        ctx_free(ctx);
    _exit(0);
}

QvTestSanlockAgent *
qv_test_sanlock_agent_start(const QvTestSanlock *h, void *(*ctx_new)(gpointer data),
                            void (*ctx_free)(void *ctx), gpointer data)
{
    return qv_test_sanlock_agent_start_at(h->run_dir, ctx_new, ctx_free, data);
}

QvTestSanlockAgent *
qv_test_sanlock_agent_start_at(const char *run_dir, void *(*ctx_new)(gpointer data),
                               void (*ctx_free)(void *ctx), gpointer data)
{
    QvTestSanlockAgent *a = g_new0(QvTestSanlockAgent, 1);
    int calls[2];
    int replies[2];

    g_assert_cmpint(pipe2(calls, O_CLOEXEC), ==, 0);
    g_assert_cmpint(pipe2(replies, O_CLOEXEC), ==, 0);
    a->pid = fork();
    g_assert_cmpint(a->pid, >=, 0);
    if (a->pid == 0) {
        close(calls[1]);
        close(replies[0]);
        for (guint i = 0; agent_fds && i < agent_fds->len; i++)
            close(g_array_index(agent_fds, int, i));
        g_free(a);              /* the test process's handle */
        agent_main(run_dir, calls[0], replies[1], ctx_new, ctx_free, data);
    }
    close(calls[0]);
    close(replies[1]);
    a->to = calls[1];
    a->from = replies[0];
    if (!agent_fds)
        agent_fds = g_array_new(FALSE, FALSE, sizeof(int));
    g_array_append_val(agent_fds, a->to);
    g_array_append_val(agent_fds, a->from);
    return a;
}

pid_t
qv_test_sanlock_agent_pid(const QvTestSanlockAgent *a)
{
    return a->pid;
}

void
qv_test_sanlock_agent_send(QvTestSanlockAgent *a, QvTestSanlockFunc fn, const char *arg)
{
    CallHeader hdr;

    memset(&hdr, 0, sizeof(hdr));   /* no uninitialized padding on the wire */
    hdr.fn = fn;
    hdr.len = arg ? (guint32)strlen(arg) : 0;

    g_assert_true(write_full(a->to, &hdr, sizeof(hdr)));
    g_assert_true(write_full(a->to, arg ? arg : "", hdr.len));
}

char *
qv_test_sanlock_agent_wait(QvTestSanlockAgent *a)
{
    guint32 len;
    char *reply;

    if (!read_full(a->from, &len, sizeof(len)))
        g_error("sanlock test agent %d died", (int)a->pid);
    reply = g_malloc0(len + 1);
    if (!read_full(a->from, reply, len))
        g_error("sanlock test agent %d died", (int)a->pid);
    return reply;
}

char *
qv_test_sanlock_agent_call(QvTestSanlockAgent *a, QvTestSanlockFunc fn, const char *arg)
{
    qv_test_sanlock_agent_send(a, fn, arg);
    return qv_test_sanlock_agent_wait(a);
}

void
qv_test_sanlock_agent_stop(QvTestSanlockAgent *a)
{
    int status;

    if (!a)
        return;
    for (guint i = agent_fds->len; i-- > 0;) {
        int fd = g_array_index(agent_fds, int, i);

        if (fd == a->to || fd == a->from)
            g_array_remove_index(agent_fds, i);
    }
    if (agent_fds->len == 0)
        g_clear_pointer(&agent_fds, g_array_unref);
    close(a->to);
    close(a->from);
    g_assert_cmpint(waitpid(a->pid, &status, 0), ==, a->pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        g_error("sanlock test agent %d failed (status 0x%x)", (int)a->pid, status);
    g_free(a);
}
