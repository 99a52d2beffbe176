/*
 * qv-launch: spawning supervisors and talking to them.
 */
#include "lib/qv-launch.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor/qv-control.h"
#include "util/qv-error.h"
#include "util/qv-file.h"
#include "util/qv-json.h"
#include "supervisor/qv-status.h"
#include "supervisor/qv-supervisor.h"

/* How long a start may take: QEMU opening a chain of thousands of
 * layers on a loaded machine is slow, and a start is not retried */
#define QV_START_REPORT_TIMEOUT_S 600
/* How long a supervisor that runs may take to accept a connection */
#define QV_CONNECT_TIMEOUT_S 30

static bool launch_in_process;

void
qv_launch_fork_in_process(bool on)
{
    launch_in_process = on;
}

/* The qvirt executable: this one when we are qvirt, else $QVIRT_BIN or
 * the PATH (a program using the library) */
static char *
supervisor_exe(GError **error)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    const char *env = g_getenv("QVIRT_BIN");
    char *found;

    if (n > 0) {
        g_autofree char *base = NULL;

        buf[n] = '\0';
        base = g_path_get_basename(buf);
        if (strcmp(base, "qvirt") == 0)
            return g_strdup(buf);
    }
    if (env && g_file_test(env, G_FILE_TEST_IS_EXECUTABLE))
        return g_strdup(env);
    if ((found = g_find_program_in_path("qvirt")))
        return found;
    g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND,
                "cannot find the qvirt executable to run a supervisor; set QVIRT_BIN");
    return NULL;
}

/* The --root the paths came from, or NULL when they are the defaults
 * (which the supervisor finds again from the same environment) */
static char *
conn_root(const QvConn *conn)
{
    return qv_paths_root(conn->paths);
}

static GPtrArray *
supervisor_argv(QvConn *conn, const char *exe, const char *name,
                QvSuperviseMode mode, bool paused)
{
    GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
    char *root = conn_root(conn);

    g_ptr_array_add(argv, g_strdup(exe));
    g_ptr_array_add(argv, g_strdup("__supervise"));
    if (root) {
        g_ptr_array_add(argv, g_strdup("--root"));
        g_ptr_array_add(argv, root);
    }
    g_ptr_array_add(argv, g_strdup("--mode"));
    g_ptr_array_add(argv, g_strdup(qv_supervise_mode_to_string(mode)));
    if (paused)
        g_ptr_array_add(argv, g_strdup("--paused"));
    g_ptr_array_add(argv, g_strdup("--report-fd=3"));
    g_ptr_array_add(argv, g_strdup(name));
    g_ptr_array_add(argv, NULL);
    return argv;
}

/*
 * In the child of fork(): fork again and go on in the grandchild, in a
 * session of its own with stdin on /dev/null and stdout/stderr on the
 * log, so that it outlives the caller and no signal of the caller's
 * process group reaches it.  Only async-signal-safe calls.
 */
static void
detach(int devnull, int logfd)
{
    pid_t pid = fork();

    if (pid != 0)
        _exit(pid < 0 ? 127 : 0);
    setsid();
    if (dup2(devnull, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
        _exit(127);
}

/* `qvirt __supervise`, its report pipe on fd 3 */
G_GNUC_NORETURN static void
exec_detached(char **argv, int devnull, int logfd, int report)
{
    detach(devnull, logfd);
    if (report == 3)
        fcntl(3, F_SETFD, 0);
    else if (dup2(report, 3) < 0)
        _exit(127);
    close_range(4, ~0U, 0);
    execv(argv[0], argv);
    _exit(127);
}

/* The supervisor as a fork of this process (see qv_launch_fork_in_process) */
G_GNUC_NORETURN static void
run_detached(QvSuperviseArgs *args, int devnull, int logfd)
{
    detach(devnull, logfd);
    /* nothing of the caller's stays open but the report pipe */
    if (args->report_fd > 3)
        close_range(3, (unsigned int)args->report_fd - 1, 0);
    close_range((unsigned int)args->report_fd + 1, ~0U, 0);
    fcntl(args->report_fd, F_SETFD, FD_CLOEXEC);
    _exit(qv_supervisor_main(args));
}

static bool
fork_supervisor(char **argv, QvSuperviseArgs *args, const char *log,
                int report, GError **error)
{
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    int logfd = qv_file_open_private(log, O_APPEND);
    int status = 0;
    pid_t pid = -1;

    /* buffered output must not be written twice */
    fflush(NULL);
    if (devnull >= 0 && logfd >= 0 && (pid = fork()) == 0) {
        if (args)
            run_detached(args, devnull, logfd);
        exec_detached(argv, devnull, logfd, report);
    }
    if (pid < 0)
        qv_error_set_errno(error, errno, "cannot start a supervisor (log '%s')", log);
    if (devnull >= 0)
        close(devnull);
    if (logfd >= 0)
        close(logfd);
    if (pid < 0)
        return false;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return true;
}

json_object *
qv_guest_spawn_supervisor(QvConn *conn, const char *name,
                          QvSuperviseMode mode, bool paused, GError **error)
{
    g_autoptr(QvGuestFiles) files = qv_guest_files_new(conn->paths, name);
    g_autoptr(json_object) answer = NULL;
    g_autoptr(GPtrArray) argv = NULL;
    g_autofree char *exe = NULL;
    g_autofree char *what = NULL;
    json_object *ret = NULL;
    int fds[2];
    bool ok, eof = false;

    if (!qv_mkdir_p(conn->paths->state_dir, 0755, error) ||
        !qv_mkdir_p(conn->paths->run_dir, 0755, error) ||
        !(exe = supervisor_exe(error)))
        return NULL;
    if (pipe2(fds, O_CLOEXEC) < 0) {
        qv_error_set_errno(error, errno, "domain '%s': cannot make a pipe", name);
        return NULL;
    }
    argv = supervisor_argv(conn, exe, name, mode, paused);
    /* QVIRT_SUPERVISOR_EXEC=1: a process of its own, e.g. under valgrind,
     * whose instance in a fork would hold the caller's stderr open */
    if (launch_in_process && !g_getenv("QVIRT_SUPERVISOR_EXEC")) {
        g_autofree char *root = conn_root(conn);
        QvSuperviseArgs args = { root, name, mode, paused, fds[1] };

        ok = fork_supervisor(NULL, &args, files->sup_log, fds[1], error);
    } else {
        ok = fork_supervisor((char **)argv->pdata, NULL, files->sup_log, fds[1], error);
    }
    close(fds[1]);
    if (!ok) {
        close(fds[0]);
        return NULL;
    }
    what = g_strdup_printf("the supervisor of domain '%s'", name);
    answer = qv_ctl_read_line(fds[0], g_get_monotonic_time() +
                              QV_START_REPORT_TIMEOUT_S * G_USEC_PER_SEC,
                              what, &eof, error);
    close(fds[0]);
    if (!answer) {
        if (eof) {
            g_clear_error(error);
            g_set_error(error, QV_ERROR, QV_ERR_INTERNAL,
                        "the supervisor of domain '%s' exited before reporting; see '%s'",
                        name, files->sup_log);
        }
        return NULL;
    }
    if (!qv_ctl_unpack(answer, &ret, error))
        return NULL;
    return ret ? ret : json_object_new_object();
}

bool
qv_guest_ensure_supervisor(QvConn *conn, const char *name, GError **error)
{
    g_autoptr(json_object) report = NULL;

    report = qv_guest_spawn_supervisor(conn, name, QV_SUPERVISE_REATTACH,
                                       false, error);
    return report != NULL;
}

static void
set_not_running(GError **error, const char *name)
{
    g_set_error(error, QV_ERROR, QV_ERR_OPERATION_INVALID,
                "domain '%s' is not running", name);
}

/* Connect to the guest's supervisor, giving QEMU a new one if needed */
static int
connect_supervisor(QvConn *conn, const QvGuestFiles *files, GError **error)
{
    gint64 deadline = g_get_monotonic_time() + QV_CONNECT_TIMEOUT_S * G_USEC_PER_SEC;

    for (;;) {
        g_autoptr(QvRuntime) rt = NULL;
        g_autoptr(GError) err = NULL;
        QvGuestState state;
        int fd;

        if (!(rt = qv_runtime_load(files, error))) {
            if (!(error && *error))
                set_not_running(error, files->name);
            return -1;
        }
        if ((fd = qv_ctl_connect(files->sock, &err)) >= 0)
            return fd;
        /* no supervisor: qv_guest_state reattaches or records the end */
        if (!qv_proc_same(rt->sup_pid, rt->sup_start)) {
            if (!qv_guest_state(conn, files->name, &state, NULL, error))
                return -1;
            if (state == QV_GUEST_SHUTOFF) {
                set_not_running(error, files->name);
                return -1;
            }
        }
        if (g_get_monotonic_time() > deadline) {
            g_set_error(error, QV_ERROR, QV_ERR_IO,
                        "domain '%s': the supervisor (pid %d) does not answer on '%s': %s",
                        files->name, (int)rt->sup_pid, files->sock, err->message);
            return -1;
        }
        g_usleep(20 * 1000);
    }
}

/* Send @request (stolen) and read the answer */
static bool
guest_call(QvConn *conn, const char *name, json_object *request,
           unsigned int timeout_ms, json_object **ret, GError **error)
{
    g_autoptr(QvGuestFiles) files = qv_guest_files_new(conn->paths, name);
    g_autoptr(json_object) req = request;
    g_autoptr(json_object) answer = NULL;
    g_autofree char *what = NULL;
    int fd;

    *ret = NULL;
    if ((fd = connect_supervisor(conn, files, error)) < 0)
        return false;
    what = g_strdup_printf("the supervisor of domain '%s'", name);
    if (qv_ctl_write_line(fd, req, error))
        answer = qv_ctl_read_line(fd, g_get_monotonic_time() +
                                  (gint64)timeout_ms * 1000, what, NULL, error);
    close(fd);
    if (!answer)
        return false;
    return qv_ctl_unpack(answer, ret, error);
}

bool
qv_ctl_call(QvConn *conn, const char *name, QvCtlCommand cmd, const QvCtlArgs *args,
            unsigned int timeout_ms, json_object **ret, GError **error)
{
    static const QvCtlArgs none = { 0 };
    json_object *req = qv_ctl_encode(cmd, args ? args : &none, error);
    json_object *dummy = NULL;
    bool ok;

    if (!req)
        return false;
    ok = guest_call(conn, name, req, timeout_ms, ret ? ret : &dummy, error);
    json_object_put(dummy);
    return ok;
}

/* No supervisor and no QEMU: record the crash unless someone holds the
 * lock (a start is under way, or a supervisor is cleaning up) */
static void
settle_dead_guest(const QvGuestFiles *files, const QvRuntime *rt)
{
    g_autoptr(QvRuntime) again = NULL;
    int fd = qv_file_lock(files->lock, true, false, NULL);

    if (fd < 0)
        return;
    again = qv_runtime_load(files, NULL);
    if (again && again->qemu_pid == rt->qemu_pid &&
        again->qemu_start == rt->qemu_start &&
        !qv_proc_same(again->qemu_pid, again->qemu_start))
        qv_guest_record_crash(files);
    close(fd);
}

/* A guest whose QEMU is gone reads as shut off, with the recorded
 * reason; "crashed" while its files wait for whoever holds the lock */
static void
shutoff_state(const QvGuestFiles *files, QvGuestState *state, char **reason)
{
    *state = QV_GUEST_SHUTOFF;
    if (!reason)
        return;
    if (g_file_test(files->runtime, G_FILE_TEST_EXISTS))
        *reason = g_strdup("crashed");
    else
        *reason = qv_state_load_reason(files);
}

bool
qv_guest_state(QvConn *conn, const char *name, QvGuestState *state,
               char **reason, GError **error)
{
    g_autoptr(QvGuestFiles) files = qv_guest_files_new(conn->paths, name);
    g_autoptr(QvRuntime) rt = NULL;
    g_autoptr(GError) err = NULL;

    if (reason)
        *reason = NULL;
    if (!(rt = qv_runtime_load(files, &err))) {
        if (err) {
            g_propagate_error(error, g_steal_pointer(&err));
            return false;
        }
        shutoff_state(files, state, reason);
        return true;
    }
    if (!qv_proc_same(rt->sup_pid, rt->sup_start)) {
        if (!qv_proc_same(rt->qemu_pid, rt->qemu_start)) {
            settle_dead_guest(files, rt);
            shutoff_state(files, state, reason);
            return true;
        }
        /* QEMU runs unsupervised: a new supervisor takes over, and
         * what it found is the state */
        if (!qv_guest_ensure_supervisor(conn, name, error))
            return false;
        qv_runtime_free(g_steal_pointer(&rt));
        if (!(rt = qv_runtime_load(files, error))) {
            if (error && *error)
                return false;
            shutoff_state(files, state, reason);
            return true;
        }
    }
    *state = rt->state;
    if (reason)
        *reason = g_strdup(rt->reason);
    return true;
}
