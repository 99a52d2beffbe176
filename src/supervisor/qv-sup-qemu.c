/*
 * qv-sup-qemu: the supervisor's QEMU process: its command line, its
 * start in a session of its own, the first QMP connection, and the
 * check that QEMU's block graph is the one the definition describes.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qemu/qv-blockdev.h"
#include "qemu/qv-command.h"
#include "qemu/qv-disk-props.h"
#include "qemu/qv-secret-objects.h"
#include "util/qv-error.h"
#include "util/qv-file.h"
#include "util/qv-json.h"
#include "supervisor/qv-supervisor-priv.h"

static const char *
pick_accel(QvSupervisor *sup, GError **error)
{
    /* as libvirt: <domain type='kvm'> is KVM or nothing, 'qemu' is TCG */
    if (g_strcmp0(sup->live->type, "kvm") != 0)
        return "tcg";
    if (access("/dev/kvm", R_OK | W_OK) != 0) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "domain '%s': <domain type='kvm'> needs /dev/kvm (%s); use type='qemu' for "
                    "emulation (TCG)", sup->files->name, g_strerror(errno));
        return NULL;
    }
    return "kvm";
}

/*
 * The monitor's socket, bound and listening before QEMU starts: QEMU
 * inherits it (fd QV_SUP_QMP_FD) and needs no right on the run folder,
 * and a connection made before QEMU accepts waits in the queue.
 */
#define QV_SUP_QMP_FD 3

static bool
listen_qmp(QvSupervisor *sup, GError **error)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    const char *path = sup->files->qmp;
    int fd;

    if (sup->qmp_listen_fd >= 0)
        close(sup->qmp_listen_fd);
    sup->qmp_listen_fd = -1;
    if (strlen(path) >= sizeof(addr.sun_path)) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "domain '%s': the monitor's socket path '%s' is too long", sup->files->name,
                    path);
        return false;
    }
    strcpy(addr.sun_path, path);
    unlink(path);
    /* far above the numbers the child moves fds to */
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
        bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || chmod(path, 0600) < 0 ||
        listen(fd, 8) < 0) {
        qv_error_set_errno(error, errno, "domain '%s': cannot listen on '%s'", sup->files->name,
                           path);
        if (fd >= 0)
            close(fd);
        return false;
    }
    sup->qmp_listen_fd = fcntl(fd, F_DUPFD_CLOEXEC, 16);
    close(fd);
    if (sup->qmp_listen_fd < 0) {
        qv_error_set_errno(error, errno, "domain '%s': cannot listen on '%s'", sup->files->name,
                           path);
        return false;
    }
    return true;
}

GPtrArray *
qv_sup_build_argv(QvSupervisor *sup, GError **error)
{
    QvQemuBuildOptions opts = { 0 };
    g_autoptr(QvSecretStore) store = NULL;
    g_autoptr(json_object) objects = NULL;
    g_autofree char *emulator = NULL;
    const char *want = sup->live->emulator ? sup->live->emulator : "qemu-system-x86_64";

    if (!(emulator = g_find_program_in_path(want))) {
        g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND,
                    "domain '%s': emulator '%s' not found", sup->files->name, want);
        return NULL;
    }
    opts.emulator = emulator;
    opts.qmp_socket = sup->files->qmp;
    if (!qv_sup_labels_open(sup, true, error) || !listen_qmp(sup, error))
        return NULL;
    opts.qmp_fd = QV_SUP_QMP_FD;
    opts.sandbox = sup->sec->seccomp_sandbox == 1;
    opts.serial_log = sup->files->serial_log;
    if (!(opts.accel = pick_accel(sup, error)))
        return NULL;
    /* always -S: the graph is checked before the guest runs a cycle */
    opts.paused = true;
    opts.incoming = sup->incoming ? "defer" : NULL;
    g_free(sup->qemu_cwd);
    sup->qemu_cwd = qv_blockdev_pick_cwd(sup->live);
    opts.cwd = sup->qemu_cwd;
    /* the disks' secrets, encrypted: a missing one fails here, before QEMU runs */
    if (!(store = qv_secret_store_open(sup->conn->paths, error)) ||
        !(objects = qv_qemu_secrets_for_start(sup->live, store, sup->files->master_key, error)))
        return NULL;
    opts.objects = objects;
    return qv_qemu_build_argv(sup->live, &opts, error);
}

/* Only async-signal-safe calls between fork and exec.  No
 * PR_SET_PDEATHSIG and a session of its own: QEMU outlives us and
 * signals to our process group do not reach it. */
G_GNUC_NORETURN static void
exec_qemu(QvSupervisor *sup, char **argv, const char *cwd, const struct rlimit *stack,
          int devnull, int logfd)
{
    int keep;

    static const char nocwd[] = "qvirt: cannot enter QEMU's working folder\n";

    setsid();
    /* what QEMU creates (serial log, QMP socket, pidfile) is the owner's only */
    umask(077);
    if (stack)
        setrlimit(RLIMIT_STACK, stack);
    if (dup2(devnull, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
        _exit(127);
    if (cwd && chdir(cwd) < 0) {
        if (write(2, nocwd, sizeof(nocwd) - 1) < 0)
            _exit(127);
        _exit(127);
    }
    /* the lock driver's registration (sanlock) is QEMU's, as fd 3: the
     * one fd QEMU inherits */
    keep = qv_sup_locks_child_register(sup);
    if (keep == -2) {
        static const char noreg[] = "qvirt: cannot register QEMU's process with the lock "
                                    "manager (is its daemon running?)\n";

        if (write(2, noreg, sizeof(noreg) - 1) < 0)
            _exit(127);
        _exit(127);
    }
    /* QEMU inherits the monitor's socket as fd 3, and the registration
     * (sanlock), when there is one, as fd 4 */
    if (keep >= 0 && keep < 16 && (keep = fcntl(keep, F_DUPFD, 16)) < 0)
        _exit(127);
    if (dup2(sup->qmp_listen_fd, QV_SUP_QMP_FD) < 0)
        _exit(127);
    if (keep >= 0) {
        if (dup2(keep, QV_SUP_QMP_FD + 1) < 0)
            _exit(127);
        close_range(QV_SUP_QMP_FD + 2, ~0U, 0);
    } else {
        close_range(QV_SUP_QMP_FD + 1, ~0U, 0);
    }
    /* QEMU never runs as root: its user, with that user's groups, set
     * here (never -runas, which opens the command line's images first) */
    if (sup->cred->change &&
        (setgroups((size_t)sup->cred->ngroups, sup->cred->groups) < 0 ||
         setgid(sup->cred->gid) < 0 || setuid(sup->cred->uid) < 0)) {
        static const char nouser[] = "qvirt: cannot become QEMU's user\n";

        if (write(2, nouser, sizeof(nouser) - 1) < 0)
            _exit(127);
        _exit(127);
    }
    signal(SIGPIPE, SIG_DFL);
    execv(argv[0], argv);
    _exit(127);
}

/*
 * Linux takes a quarter of the stack limit as the room for exec's
 * arguments (2 MiB with the usual 8 MiB), and every chain element costs
 * about 400 bytes of -blockdev: past some 4,000 layers exec would fail
 * with E2BIG.  The stack limit QEMU gets is raised (within the hard
 * limit) to fit; NULL when the current one does.
 */
static const struct rlimit *
argv_stack(GPtrArray *argv, struct rlimit *lim)
{
    rlim_t need = 64 * 1024;     /* the environment and a margin */

    for (guint i = 0; i < argv->len && argv->pdata[i]; i++)
        need += strlen(argv->pdata[i]) + 1 + sizeof(char *);
    if (getrlimit(RLIMIT_STACK, lim) < 0 ||
        lim->rlim_cur == RLIM_INFINITY || lim->rlim_cur / 4 >= need)
        return NULL;
    lim->rlim_cur = need * 4;
    if (lim->rlim_max != RLIM_INFINITY && lim->rlim_cur > lim->rlim_max)
        lim->rlim_cur = lim->rlim_max;
    return lim;
}

bool
qv_sup_spawn_qemu(QvSupervisor *sup, GPtrArray *argv, GError **error)
{
    struct rlimit stack;
    const char *log = sup->files->qemu_log;
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    int logfd = qv_file_open_private(log, O_TRUNC);
    pid_t pid = -1;

    /* QEMU appends to the serial log and keeps its mode: one an older
     * qvirt left readable becomes private, and it is QEMU's user's */
    {
        int fd = open(sup->files->serial_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

        if (fd >= 0)
            close(fd);
    }
    chmod(sup->files->serial_log, 0600);
    if (!qv_sup_labels_own_file(sup, sup->files->serial_log, error) ||
        (g_file_test(sup->files->master_key, G_FILE_TEST_EXISTS) &&
         !qv_sup_labels_own_file(sup, sup->files->master_key, error)) ||
        !qv_sup_labels_sync(sup, NULL, error)) {
        if (devnull >= 0)
            close(devnull);
        if (logfd >= 0)
            close(logfd);
        return false;
    }

    if (argv->len == 0 || g_ptr_array_index(argv, argv->len - 1) != NULL)
        g_ptr_array_add(argv, NULL);
    if (!qv_sup_locks_prepare_spawn(sup, error)) {
        if (devnull >= 0)
            close(devnull);
        if (logfd >= 0)
            close(logfd);
        return false;
    }
    if (devnull >= 0 && logfd >= 0 && (pid = fork()) == 0)
        exec_qemu(sup, (char **)argv->pdata, sup->qemu_cwd, argv_stack(argv, &stack), devnull,
                  logfd);
    if (pid < 0)
        qv_error_set_errno(error, errno, "domain '%s': cannot start QEMU (log '%s')",
                           sup->files->name, log);
    if (devnull >= 0)
        close(devnull);
    if (logfd >= 0)
        close(logfd);
    /* QEMU holds the monitor's socket alone: if it dies, a connection
     * waiting in the queue hears of it */
    if (sup->qmp_listen_fd >= 0)
        close(sup->qmp_listen_fd);
    sup->qmp_listen_fd = -1;
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
    g_autofree char *explained = NULL;
    int status;

    if (!sup->qemu_is_child || waitpid(sup->qemu_pid, &status, WNOHANG) != sup->qemu_pid)
        return false;
    sup->qemu_pid = 0;
    tail = qv_sup_log_tail(sup->files->qemu_log);
    if ((explained = qv_qemu_secrets_explain(sup->live, tail)))
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "domain '%s': %s", sup->files->name, explained);
    else if (WIFSIGNALED(status))
        g_set_error(error, QV_ERROR, QV_ERR_INTERNAL,
                    "domain '%s': QEMU was killed by signal %d (%s) while starting: %s",
                    sup->files->name, WTERMSIG(status), g_strsignal(WTERMSIG(status)), tail);
    else
        g_set_error(error, QV_ERROR, QV_ERR_INTERNAL,
                    "domain '%s': QEMU exited while starting (status %d): %s",
                    sup->files->name, WEXITSTATUS(status), tail);
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
    if (!qv_qmp_handshake(sup->qmp, (starting ? QV_QMP_START_TIMEOUT_S : 30) * 1000, &err)) {
        /* a monitor that closed on us: QEMU is going; say how it ended */
        for (int i = 0; starting && i < 50; i++) {
            g_autoptr(GError) gone = NULL;

            if (qemu_gone_during_start(sup, &gone)) {
                g_propagate_error(error, g_steal_pointer(&gone));
                return false;
            }
            g_usleep(40 * 1000);
        }
        g_propagate_prefixed_error(error, g_steal_pointer(&err), "domain '%s': QMP: ", sup->files->name);
        return false;
    }
    return true;
}

/*
 * The graph the command line describes: every "node-name" of every
 * -blockdev argument (nested objects included) in want->nodes, and every
 * parent-child link as "parent role child" in want->edges, with QEMU's
 * names for the roles (file, backing, data-file), and "children" for a
 * quorum's: QEMU numbers those from a counter that only grows, so after
 * a child was removed live (qv-sup-quorum.c) they no longer follow the
 * positions; the set of children is what must match.
 */
typedef struct {
    GHashTable *nodes;
    GHashTable *edges;
} QvGraphWant;

static const char *collect_graph(json_object *o, QvGraphWant *want);

static void
add_edge(QvGraphWant *want, const char *parent, const char *role, json_object *child)
{
    const char *name = NULL;

    if (json_object_is_type(child, json_type_string))
        name = json_object_get_string(child);
    else if (json_object_is_type(child, json_type_object))
        name = collect_graph(child, want);
    if (parent && name)
        g_hash_table_add(want->edges, g_strdup_printf("%s %s %s", parent, role, name));
}

/* Returns the node-name of @o, if it has one */
static const char *
collect_graph(json_object *o, QvGraphWant *want)
{
    json_object *nn = NULL;
    const char *self = NULL;

    if (!json_object_is_type(o, json_type_object))
        return NULL;
    if (json_object_object_get_ex(o, "node-name", &nn) &&
        json_object_is_type(nn, json_type_string)) {
        self = json_object_get_string(nn);
        g_hash_table_add(want->nodes, g_strdup(self));
    }
    {
        json_object_object_foreach(o, key, val) {
            if (strcmp(key, "file") == 0 || strcmp(key, "backing") == 0 ||
                strcmp(key, "data-file") == 0) {
                add_edge(want, self, key, val);
            } else if (strcmp(key, "children") == 0 &&
                       json_object_is_type(val, json_type_array)) {
                for (size_t i = 0; i < json_object_array_length(val); i++)
                    add_edge(want, self, "children", json_object_array_get_idx(val, i));
            }
        }
    }
    return self;
}

static void
graph_want_clear(QvGraphWant *want)
{
    g_clear_pointer(&want->nodes, g_hash_table_unref);
    g_clear_pointer(&want->edges, g_hash_table_unref);
}

static void
graph_want_init(QvGraphWant *want)
{
    want->nodes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    want->edges = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

/* From blockdev-add objects (qv_blockdev_props) */
static void
want_from_props(json_object *props, QvGraphWant *want)
{
    graph_want_init(want);
    for (size_t i = 0; i < json_object_array_length(props); i++)
        collect_graph(json_object_array_get_idx(props, i), want);
}

/* From a command line's -blockdev arguments */
static bool
want_from_argv(GPtrArray *argv, QvGraphWant *want, GError **error)
{
    graph_want_init(want);
    for (guint i = 0; i + 1 < argv->len; i++) {
        const char *a = argv->pdata[i], *v = argv->pdata[i + 1];
        g_autoptr(json_object) o = NULL;

        if (!a || !v || strcmp(a, "-blockdev") != 0)
            continue;
        if (v[0] != '{') {
            g_set_error(error, QV_ERROR, QV_ERR_INTERNAL,
                        "-blockdev argument is not JSON: '%s'", v);
            return false;
        }
        if (!(o = qv_json_parse_object(v, error)))
            return false;
        collect_graph(o, want);
    }
    return true;
}

static gint
qv_sup_cmp_strp(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

/* "'a', 'b' and 3 more" */
static void
append_names(GString *out, GPtrArray *names)
{
    g_ptr_array_sort(names, qv_sup_cmp_strp);
    for (guint i = 0; i < names->len && i < 8; i++)
        g_string_append_printf(out, "%s'%s'", i ? ", " : "", (char *)names->pdata[i]);
    if (names->len > 8)
        g_string_append_printf(out, " and %u more", names->len - 8);
}

/* Moves what @want lacks of @seen to @extra and drops what both have,
 * so @want keeps what is missing */
static void
diff_sets(GHashTable *want, GPtrArray *seen, GPtrArray *extra)
{
    for (guint i = 0; i < seen->len; i++) {
        if (!g_hash_table_remove(want, seen->pdata[i]))
            g_ptr_array_add(extra, g_strdup(seen->pdata[i]));
    }
}

static void
describe_diff(GString *msg, const char *what, GHashTable *missing, GPtrArray *extra)
{
    g_autoptr(GPtrArray) miss = g_ptr_array_new();
    GHashTableIter it;
    gpointer key;

    g_hash_table_iter_init(&it, missing);
    while (g_hash_table_iter_next(&it, &key, NULL))
        g_ptr_array_add(miss, key);

    if (miss->len) {
        g_string_append_printf(msg, "%smissing %s ", msg->len ? "; " : "", what);
        append_names(msg, miss);
    }
    if (extra->len) {
        g_string_append_printf(msg, "%sunexpected %s ", msg->len ? "; " : "", what);
        append_names(msg, extra);
    }
}

/*
 * What QEMU has, from x-debug-query-block-graph: the block-driver nodes
 * by name and the links between them.  That command answers from the
 * graph alone; query-named-block-nodes also refreshes and describes every
 * image, which costs QEMU O(depth^2) (2-3 s at 1,000 layers, more than
 * half of opening them), so it is only the fallback for a QEMU without
 * the debug command, and then only node names are compared.
 */
/* A string member, or NULL when absent or not a string */
static const char *
str_member(json_object *o, const char *key)
{
    json_object *v = NULL;

    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* The block-driver nodes of an x-debug-query-block-graph answer, and
 * the links between them as "parent role child" */
static void
graph_from_debug(json_object *ret, GPtrArray *nodes, GPtrArray *edges)
{
    g_autoptr(GHashTable) by_id = g_hash_table_new(g_direct_hash, g_direct_equal);
    json_object *list = NULL;

    json_object_object_get_ex(ret, "nodes", &list);
    for (size_t i = 0; json_object_is_type(list, json_type_array) &&
                       i < json_object_array_length(list); i++) {
        json_object *n = json_object_array_get_idx(list, i);
        const char *name = str_member(n, "name");
        json_object *id = NULL;

        if (g_strcmp0(str_member(n, "type"), "block-driver") != 0 || !name ||
            !json_object_object_get_ex(n, "id", &id))
            continue;
        g_hash_table_insert(by_id, GINT_TO_POINTER(json_object_get_int(id)), (gpointer)name);
        g_ptr_array_add(nodes, g_strdup(name));
    }
    list = NULL;
    json_object_object_get_ex(ret, "edges", &list);
    for (size_t i = 0; json_object_is_type(list, json_type_array) &&
                       i < json_object_array_length(list); i++) {
        json_object *e = json_object_array_get_idx(list, i), *p = NULL, *c = NULL;
        const char *parent, *child, *role = str_member(e, "name");

        if (!role || !json_object_object_get_ex(e, "parent", &p) ||
            !json_object_object_get_ex(e, "child", &c))
            continue;
        parent = g_hash_table_lookup(by_id, GINT_TO_POINTER(json_object_get_int(p)));
        child = g_hash_table_lookup(by_id, GINT_TO_POINTER(json_object_get_int(c)));
        if (g_str_has_prefix(role, "children."))
            role = "children";
        /* links from devices and jobs are not part of the disk graph */
        if (parent && child)
            g_ptr_array_add(edges, g_strdup_printf("%s %s %s", parent, role, child));
    }
}

static bool
actual_graph(QvSupervisor *sup, GPtrArray *nodes, GPtrArray *edges, GError **error)
{
    g_autoptr(json_object) ret = NULL;
    g_autoptr(GError) err = NULL;

    if (!qv_qmp_command_sync(sup->qmp, "x-debug-query-block-graph", NULL,
                             QV_QMP_START_TIMEOUT_S * 1000, &ret, &err) &&
        g_error_matches(err, QV_ERROR, QV_ERR_UNSUPPORTED)) {
        json_object *args = json_object_new_object();

        json_object_object_add(args, "flat", json_object_new_boolean(1));
        if (!qv_qmp_command_sync(sup->qmp, "query-named-block-nodes", &args,
                                 QV_QMP_START_TIMEOUT_S * 1000, &ret, error))
            return false;
        for (size_t i = 0; json_object_is_type(ret, json_type_array) &&
                           i < json_object_array_length(ret); i++) {
            const char *name = str_member(json_object_array_get_idx(ret, i), "node-name");

            if (name)
                g_ptr_array_add(nodes, g_strdup(name));
        }
        return true;
    }
    if (!ret) {
        g_propagate_error(error, g_steal_pointer(&err));
        return false;
    }
    graph_from_debug(ret, nodes, edges);
    return true;
}

/* @want's graph (cleared here) against @nodes and @edges (none: links
 * not compared) */
static bool
graph_diff(const char *domain, QvGraphWant *want, GPtrArray *nodes, GPtrArray *edges,
           GError **error)
{
    g_autoptr(GPtrArray) extra_nodes = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) extra_edges = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GString) msg = g_string_new(NULL);
    bool ok = false;

    diff_sets(want->nodes, nodes, extra_nodes);
    if (edges->len) /* the fallback gives no links to compare */
        diff_sets(want->edges, edges, extra_edges);
    else
        g_hash_table_remove_all(want->edges);
    if (!g_hash_table_size(want->nodes) && !extra_nodes->len &&
        !g_hash_table_size(want->edges) && !extra_edges->len) {
        ok = true;
        goto out;
    }
    describe_diff(msg, "nodes", want->nodes, extra_nodes);
    describe_diff(msg, "links", want->edges, extra_edges);
    g_set_error(error, QV_ERROR, QV_ERR_INTERNAL,
                "domain '%s': QEMU's block graph differs from the definition: %s",
                domain, msg->str);
 out:
    graph_want_clear(want);
    return ok;
}

bool
qv_sup_graph_check_reply(const char *domain, GPtrArray *argv, json_object *reply,
                         GError **error)
{
    g_autoptr(GPtrArray) nodes = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) edges = g_ptr_array_new_with_free_func(g_free);
    QvGraphWant want = { 0 };

    if (!want_from_argv(argv, &want, error)) {
        graph_want_clear(&want);
        return false;
    }
    graph_from_debug(reply, nodes, edges);
    return graph_diff(domain, &want, nodes, edges, error);
}

static bool
verify_want(QvSupervisor *sup, QvGraphWant *want, GError **error)
{
    g_autoptr(GPtrArray) nodes = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) edges = g_ptr_array_new_with_free_func(g_free);

    if (!actual_graph(sup, nodes, edges, error)) {
        graph_want_clear(want);
        return false;
    }
    return graph_diff(sup->files->name, want, nodes, edges, error);
}

bool
qv_sup_verify_graph(QvSupervisor *sup, GPtrArray *argv, GError **error)
{
    QvGraphWant want = { 0 };

    if (!want_from_argv(argv, &want, error)) {
        graph_want_clear(&want);
        return false;
    }
    return verify_want(sup, &want, error);
}

bool
qv_sup_verify_graph_props(QvSupervisor *sup, json_object *props, GError **error)
{
    QvGraphWant want = { 0 };

    want_from_props(props, &want);
    return verify_want(sup, &want, error);
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

static bool
apply_iotune_one(QvSupervisor *sup, const QvDiskDef *d, GError **error)
{
    g_autoptr(json_object) args = NULL;

    if (!qv_qemu_iotune_args(d, &args, error))
        return false;
    if (args && !qv_qmp_command_sync(sup->qmp, "block_set_io_throttle", &args,
                                     QV_QMP_TIMEOUT_MS, NULL, error)) {
        g_prefix_error(error, "disk '%s': <iotune>: ", d->dst);
        return false;
    }
    return true;
}

bool
qv_sup_apply_iotune(QvSupervisor *sup, const QvDiskDef *disk, GError **error)
{
    if (disk)
        return apply_iotune_one(sup, disk, error);
    for (size_t i = 0; i < sup->live->ndisks; i++) {
        if (!apply_iotune_one(sup, sup->live->disks[i], error))
            return false;
    }
    return true;
}
