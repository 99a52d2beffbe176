/*
 * qv-sup-qemu: the supervisor's QEMU process: its command line, its
 * start in a session of its own, the first QMP connection, and the
 * check that QEMU's block graph is the one the definition describes.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qv-command.h"
#include "qv-error.h"
#include "qv-json.h"
#include "qv-supervisor-priv.h"

static const char *
pick_accel(void)
{
    return access("/dev/kvm", R_OK | W_OK) == 0 ? "kvm" : "tcg";
}

GPtrArray *
qv_sup_build_argv(QvSupervisor *sup, GError **error)
{
    QvQemuBuildOptions opts = { 0 };
    g_autofree char *emulator = NULL;
    const char *want = sup->live->emulator ? sup->live->emulator : "qemu-system-x86_64";

    if (!(emulator = g_find_program_in_path(want))) {
        g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND,
                    "domain '%s': emulator '%s' not found", sup->files->name, want);
        return NULL;
    }
    opts.emulator = emulator;
    opts.qmp_socket = sup->files->qmp;
    opts.serial_log = sup->files->serial_log;
    opts.accel = pick_accel();
    /* always -S: the graph is checked before the guest runs a cycle */
    opts.paused = true;
    return qv_qemu_build_argv(sup->live, &opts, error);
}

/* Only async-signal-safe calls between fork and exec.  No
 * PR_SET_PDEATHSIG and a session of its own: QEMU outlives us and
 * signals to our process group do not reach it. */
G_GNUC_NORETURN static void
exec_qemu(char **argv, int devnull, int logfd)
{
    setsid();
    if (dup2(devnull, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
        _exit(127);
    close_range(3, ~0U, 0);
    signal(SIGPIPE, SIG_DFL);
    execv(argv[0], argv);
    _exit(127);
}

bool
qv_sup_spawn_qemu(QvSupervisor *sup, GPtrArray *argv, GError **error)
{
    const char *log = sup->files->qemu_log;
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    int logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    pid_t pid = -1;

    if (argv->len == 0 || g_ptr_array_index(argv, argv->len - 1) != NULL)
        g_ptr_array_add(argv, NULL);
    if (devnull >= 0 && logfd >= 0 && (pid = fork()) == 0)
        exec_qemu((char **)argv->pdata, devnull, logfd);
    if (pid < 0)
        qv_error_set_errno(error, errno, "domain '%s': cannot start QEMU (log '%s')",
                           sup->files->name, log);
    if (devnull >= 0)
        close(devnull);
    if (logfd >= 0)
        close(logfd);
    if (pid < 0)
        return false;
    sup->qemu_pid = pid;
    sup->qemu_is_child = true;
    return true;
}

/* The last lines of QEMU's log, for an error about its start */
char *
qv_sup_log_tail(const char *path)
{
    g_autofree char *data = NULL;
    gsize len = 0;
    const char *p;
    int lines = 0;

    if (!g_file_get_contents(path, &data, &len, NULL) || len == 0)
        return g_strdup("(no output)");
    while (len > 0 && data[len - 1] == '\n')
        data[--len] = '\0';
    for (p = data + len; p > data; p--) {
        if (p[-1] == '\n' && ++lines == 5)
            break;
    }
    return g_strdelimit(g_strdup(p), "\n", ' ');
}

/* While starting, QEMU is our child: did it exit already? */
static bool
qemu_gone_during_start(QvSupervisor *sup, GError **error)
{
    g_autofree char *tail = NULL;
    int status;

    if (!sup->qemu_is_child || waitpid(sup->qemu_pid, &status, WNOHANG) != sup->qemu_pid)
        return false;
    sup->qemu_pid = 0;
    tail = qv_sup_log_tail(sup->files->qemu_log);
    g_set_error(error, QV_ERROR, QV_ERR_INTERNAL,
                "domain '%s': QEMU exited while starting (%s %d): %s",
                sup->files->name, WIFSIGNALED(status) ? "signal" : "status",
                WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), tail);
    return true;
}

bool
qv_sup_qmp_connect(QvSupervisor *sup, bool starting, GError **error)
{
    gint64 deadline = g_get_monotonic_time() +
        (starting ? QV_QMP_START_TIMEOUT_S : 30) * G_USEC_PER_SEC;
    g_autoptr(GError) err = NULL;

    for (;;) {
        g_clear_error(&err);
        if ((sup->qmp = qv_qmp_connect_unix(sup->files->qmp, sup->ctx, 1000, &err)))
            break;
        if (starting && qemu_gone_during_start(sup, error))
            return false;
        if (!starting && !qv_proc_same(sup->rt->qemu_pid, sup->rt->qemu_start)) {
            g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND,
                        "domain '%s': QEMU exited", sup->files->name);
            return false;
        }
        if (g_get_monotonic_time() > deadline) {
            g_set_error(error, QV_ERROR, QV_ERR_IO,
                        "domain '%s': cannot connect to QEMU's monitor '%s': %s",
                        sup->files->name, sup->files->qmp, err->message);
            return false;
        }
        g_usleep(20 * 1000);
    }
    qv_qmp_set_event_handler(sup->qmp, qv_sup_qmp_event, sup);
    if (!qv_qmp_handshake(sup->qmp, (starting ? QV_QMP_START_TIMEOUT_S : 30) * 1000, error)) {
        if (starting)
            qemu_gone_during_start(sup, NULL);
        g_prefix_error(error, "domain '%s': QMP: ", sup->files->name);
        return false;
    }
    return true;
}

/* Every "node-name" in a -blockdev argument, nested objects included */
static void
collect_node_names(json_object *o, GHashTable *names)
{
    if (json_object_is_type(o, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(o); i++)
            collect_node_names(json_object_array_get_idx(o, i), names);
        return;
    }
    if (!json_object_is_type(o, json_type_object))
        return;
    {
        json_object_object_foreach(o, key, val) {
            if (strcmp(key, "node-name") == 0 && json_object_is_type(val, json_type_string))
                g_hash_table_add(names, g_strdup(json_object_get_string(val)));
            else
                collect_node_names(val, names);
        }
    }
}

static GHashTable *
expected_nodes(GPtrArray *argv, GError **error)
{
    g_autoptr(GHashTable) names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    for (guint i = 0; i + 1 < argv->len; i++) {
        const char *a = argv->pdata[i], *v = argv->pdata[i + 1];
        g_autoptr(json_object) o = NULL;

        if (!a || !v || strcmp(a, "-blockdev") != 0)
            continue;
        if (v[0] != '{') {
            g_set_error(error, QV_ERROR, QV_ERR_INTERNAL,
                        "-blockdev argument is not JSON: '%s'", v);
            return NULL;
        }
        if (!(o = qv_json_parse_object(v, error)))
            return NULL;
        collect_node_names(o, names);
    }
    return g_steal_pointer(&names);
}

/* "'a', 'b' and 3 more" */
static void
append_names(GString *out, GPtrArray *names)
{
    g_ptr_array_sort(names, (GCompareFunc)(void (*)(void))g_strcmp0);
    for (guint i = 0; i < names->len && i < 8; i++)
        g_string_append_printf(out, "%s'%s'", i ? ", " : "", (char *)names->pdata[i]);
    if (names->len > 8)
        g_string_append_printf(out, " and %u more", names->len - 8);
}

bool
qv_sup_verify_graph(QvSupervisor *sup, GPtrArray *argv, GError **error)
{
    g_autoptr(GHashTable) want = NULL;
    g_autoptr(GPtrArray) extra = g_ptr_array_new();
    g_autoptr(GPtrArray) missing = g_ptr_array_new();
    g_autoptr(json_object) ret = NULL;
    g_autoptr(GString) msg = NULL;
    json_object *args = json_object_new_object();
    GHashTableIter it;
    gpointer key;

    if (!(want = expected_nodes(argv, error)))
        return false;
    json_object_object_add(args, "flat", json_object_new_boolean(1));
    if (!(ret = qv_qmp_command_sync(sup->qmp, "query-named-block-nodes", args,
                                    QV_QMP_START_TIMEOUT_S * 1000, error)))
        return false;
    for (size_t i = 0; json_object_is_type(ret, json_type_array) &&
                       i < json_object_array_length(ret); i++) {
        json_object *nn = NULL;
        const char *name;

        json_object_object_get_ex(json_object_array_get_idx(ret, i), "node-name", &nn);
        if (!(name = json_object_get_string(nn)))
            continue;
        /* seen: drop it, so what stays is missing */
        if (!g_hash_table_remove(want, name))
            g_ptr_array_add(extra, (gpointer)name);
    }
    g_hash_table_iter_init(&it, want);
    while (g_hash_table_iter_next(&it, &key, NULL))
        g_ptr_array_add(missing, key);
    if (!missing->len && !extra->len)
        return true;
    msg = g_string_new(NULL);
    if (missing->len) {
        g_string_append(msg, "missing nodes ");
        append_names(msg, missing);
    }
    if (extra->len) {
        g_string_append(msg, missing->len ? "; unexpected nodes " : "unexpected nodes ");
        append_names(msg, extra);
    }
    g_set_error(error, QV_ERROR, QV_ERR_INTERNAL,
                "domain '%s': QEMU's block graph differs from the definition: %s",
                sup->files->name, msg->str);
    return false;
}

/* A start that failed after QEMU started: it must not stay behind */
void
qv_sup_kill_qemu(QvSupervisor *sup)
{
    int status;

    if (sup->qemu_pid <= 0)
        return;
    kill(sup->qemu_pid, SIGKILL);
    if (sup->qemu_is_child)
        while (waitpid(sup->qemu_pid, &status, 0) < 0 && errno == EINTR)
            ;
    sup->qemu_pid = 0;
}
