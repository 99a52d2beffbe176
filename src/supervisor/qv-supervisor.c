/*
 * qv-supervisor: the supervisor's life cycle: lock, start or reattach,
 * the one report to the CLI, the main loop, and the end when QEMU exits.
 *
 * Messages go to stderr, which the CLI pointed at state/NAME.supervisor.log.
 */
#include "supervisor/qv-supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib-unix.h>

#include "qemu/qv-disk-prepare.h"
#include "conf/qv-domain-xml.h"
#include "util/qv-error.h"
#include "util/qv-file.h"
#include "util/qv-json.h"
#include "qemu/qv-command.h"
#include "supervisor/qv-supervisor-priv.h"

static const char *const mode_names[QV_SUPERVISE_LAST] = {
    [QV_SUPERVISE_START] = "start",
    [QV_SUPERVISE_REATTACH] = "reattach",
    [QV_SUPERVISE_INCOMING] = "incoming",
};

const char *
qv_supervise_mode_to_string(QvSuperviseMode mode)
{
    return mode < QV_SUPERVISE_LAST ? mode_names[mode] : NULL;
}

int
qv_supervise_mode_from_string(const char *s)
{
    for (int i = 0; s && i < QV_SUPERVISE_LAST; i++) {
        if (strcmp(mode_names[i], s) == 0)
            return i;
    }
    return -1;
}

static void
report(int *fd, json_object *ret, const GError *err)
{
    g_autoptr(json_object) a = json_object_new_object();

    if (*fd < 0) {
        json_object_put(ret);
        return;
    }
    json_object_object_add(a, "ok", json_object_new_boolean(err == NULL));
    if (err) {
        json_object_object_add(a, "error", json_object_new_string(err->message));
        json_object_object_add(a, "code", json_object_new_int(err->domain == QV_ERROR ? err->code : QV_ERR_INTERNAL));
        json_object_put(ret);
    } else {
        json_object_object_add(a, "return", ret);
    }
    qv_ctl_write_line(*fd, a, NULL);
    close(*fd);
    *fd = -1;
}

/* -1 with *busy when another supervisor holds it */
static int
take_lock(const char *path, bool *busy, GError **error)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

    *busy = false;
    if (fd < 0) {
        qv_error_set_errno(error, errno, "cannot open lock file '%s'", path);
        return -1;
    }
    while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno == EINTR)
            continue;
        if (errno == EWOULDBLOCK)
            *busy = true;
        else
            qv_error_set_errno(error, errno, "cannot lock '%s'", path);
        close(fd);
        return -1;
    }
    return fd;
}

/* A guest that came by migration without --persistent is defined only
 * while it runs (libvirt's transient domain) */
static void
forget_transient(QvSupervisor *sup)
{
    g_autofree char *mark = g_strdup_printf("%s/%s.transient", sup->conn->paths->state_dir,
                                            sup->files->name);
    g_autoptr(GError) err = NULL;

    if (!g_file_test(mark, G_FILE_TEST_EXISTS))
        return;
    if (!qv_conn_undefine(sup->conn, sup->files->name, &err))
        g_printerr("domain '%s': %s\n", sup->files->name, err->message);
    unlink(mark);
}

static void
finish(QvSupervisor *sup, const char *reason)
{
    g_autoptr(GError) err = NULL;

    if (!qv_state_save_shutoff(sup->files, reason, &err))
        g_printerr("domain '%s': %s\n", sup->files->name, err->message);
    forget_transient(sup);
    qv_ctl_server_close(sup->ctl);
    qv_guest_files_remove_run(sup->files);
    /* the guest's files are settled: a start may take the lock before
     * those who waited for the end hear of it (so that a start right
     * after a destroy finds the guest free) */
    if (sup->lock_fd >= 0) {
        close(sup->lock_fd);
        sup->lock_fd = -1;
    }
    while (sup->exit_waiters) {
        qv_ctl_reply(sup->exit_waiters->data, NULL);
        sup->exit_waiters = g_list_delete_link(sup->exit_waiters, sup->exit_waiters);
    }
    g_main_loop_quit(sup->loop);
}

void
qv_sup_qemu_exited(QvSupervisor *sup, bool signalled)
{
    const char *reason = "crashed";

    if (sup->exit_reason)
        reason = sup->exit_reason;
    else if (sup->destroying)
        reason = "destroyed";
    else if (sup->shutdown_seen && !signalled)
        reason = "shutdown";
    g_printerr("domain '%s': QEMU (pid %d) exited: %s\n", sup->files->name,
               (int)sup->qemu_pid, reason);
    sup->qemu_pid = 0;
    if (sup->kill_timer)
        g_source_remove(sup->kill_timer);
    sup->kill_timer = 0;
    qv_sup_jobs_gone(sup, reason);
    qv_sup_migrate_qemu_gone(sup, reason);
    qv_sup_incoming_free(sup);
    qv_sup_hotplug_qemu_gone(sup, reason);
    qv_sup_locks_qemu_gone(sup);
    qv_sup_labels_release_all(sup);
    finish(sup, reason);
}

static void
child_exited(GPid pid, gint status, gpointer opaque)
{
    QvSupervisor *sup = opaque;

    sup->exit_status = status;
    qv_sup_qemu_exited(sup, WIFSIGNALED(status));
}

static gboolean
pidfd_ready(gint fd, GIOCondition cond, gpointer opaque)
{
    qv_sup_qemu_exited(opaque, false);
    return G_SOURCE_REMOVE;
}

/* Watch QEMU's end: as its parent, or through a pidfd after a reattach */
static bool
watch_qemu(QvSupervisor *sup, GError **error)
{
    if (sup->qemu_is_child) {
        sup->exit_source = g_child_watch_source_new(sup->qemu_pid);
        g_source_set_callback(sup->exit_source, (GSourceFunc)(void (*)(void))child_exited, sup, NULL);
    } else {
        if ((sup->pidfd = (int)syscall(SYS_pidfd_open, sup->qemu_pid, 0)) < 0) {
            qv_error_set_errno(error, errno, "domain '%s': cannot watch QEMU (pid %d)",
                               sup->files->name, (int)sup->qemu_pid);
            return false;
        }
        sup->exit_source = g_unix_fd_source_new(sup->pidfd, G_IO_IN);
        g_source_set_callback(sup->exit_source, (GSourceFunc)(void (*)(void))pidfd_ready, sup, NULL);
    }
    g_source_attach(sup->exit_source, sup->ctx);
    return true;
}

bool
qv_sup_save_status(QvSupervisor *sup, GError **error)
{
    g_autofree char *xml = qv_domain_format_xml(sup->live, QV_DOMAIN_XML_STATUS);

    return qv_file_write_atomic(sup->files->status, xml, strlen(xml), 0600, error);
}

static bool
start_runtime(QvSupervisor *sup, GPtrArray *dropped, GError **error)
{
    sup->rt = qv_runtime_new();
    sup->rt->qemu_pid = sup->qemu_pid;
    qv_proc_start_time(sup->qemu_pid, &sup->rt->qemu_start);
    sup->rt->sup_pid = getpid();
    qv_proc_start_time(getpid(), &sup->rt->sup_start);
    sup->rt->state = QV_GUEST_PAUSED;
    sup->rt->reason = g_strdup("starting");
    for (guint i = 0; i < dropped->len; i++)
        g_ptr_array_add(sup->rt->dropped, g_strdup(dropped->pdata[i]));
    sup->rt->qmp = g_strdup(sup->files->qmp);
    sup->rt->sock = g_strdup(sup->files->sock);
    sup->rt->started = g_get_real_time() / G_USEC_PER_SEC;
    return qv_runtime_save(sup->files, sup->rt, error);
}

static bool
cont_or_stay(QvSupervisor *sup, bool paused, GError **error)
{
    if (paused) {
        g_free(sup->rt->reason);
        sup->rt->reason = g_strdup("user");
        return true;
    }
    /* every lease is held before the guest runs its first cycle */
    if (!qv_sup_locks_acquire_all(sup, error)) {
        g_prefix_error(error, "domain '%s': ", sup->files->name);
        return false;
    }
    if (!qv_qmp_command_sync(sup->qmp, "cont", NULL, QV_QMP_START_TIMEOUT_S * 1000, NULL, error))
        return false;
    sup->rt->state = QV_GUEST_RUNNING;
    g_free(sup->rt->reason);
    sup->rt->reason = g_strdup("booted");
    return true;
}

/* QEMU runs and is ours from here: any failure must kill it */
static bool
start_qemu(QvSupervisor *sup, GPtrArray *dropped, bool paused, GError **error)
{
    g_autoptr(GPtrArray) argv = NULL;

    /* a driver that can takes the leases before QEMU opens an image:
     * a conflict is told before anything runs; a migration's
     * destination takes them when the guest is about to run here */
    if (!(argv = qv_sup_build_argv(sup, error)) ||
        (!sup->incoming && !qv_sup_locks_acquire_early(sup, error)) ||
        !qv_sup_spawn_qemu(sup, argv, error))
        return false;
    if (!start_runtime(sup, dropped, error) ||
        !qv_sup_qmp_connect(sup, true, error) ||
        !qv_sup_locks_hand_over(sup, error) ||
        !qv_sup_verify_graph(sup, argv, error) ||
        !qv_sup_apply_iotune(sup, NULL, error) ||
        (sup->incoming ? !qv_sup_incoming_listen(sup, error) :
                         !cont_or_stay(sup, paused, error)) ||
        !qv_sup_save_status(sup, error) ||
        !qv_runtime_save(sup->files, sup->rt, error) ||
        !watch_qemu(sup, error))
        return false;
    return true;
}

static void
set_already_running(GError **error, const char *name)
{
    g_set_error(error, QV_ERROR, QV_ERR_OPERATION_INVALID,
                "domain '%s' is already running", name);
}

/*
 * A start: we hold the lock.  A runtime file left by a supervisor that
 * died means QEMU may still run: then this supervisor takes it over
 * instead (*reattach) and the start fails as "already running".
 */
static bool
do_start(QvSupervisor *sup, bool paused, bool incoming, bool *reattach, GError **error)
{
    g_autoptr(QvRuntime) old = NULL;
    g_autoptr(GPtrArray) dropped = g_ptr_array_new_with_free_func(g_free);
    const char *name = sup->files->name;

    *reattach = false;
    if ((old = qv_runtime_load(sup->files, NULL))) {
        if (qv_proc_same(old->qemu_pid, old->qemu_start)) {
            *reattach = true;
            set_already_running(error, name);
            return false;
        }
        qv_guest_record_crash(sup->files);
    }
    if (incoming ? !qv_sup_incoming_load(sup, error) :
                   !(sup->live = qv_conn_lookup(sup->conn, name, error)))
        return false;
    if (!qv_disks_prepare(sup->live, QV_START_COLD, dropped, error) ||
        !qv_qemu_assign_aliases(sup->live, error) ||
        !qv_sup_locks_open(sup, error))
        return false;
    qv_domain_assign_indexes(sup->live, true);
    sup->events_fd = qv_file_open_private(sup->files->events, O_TRUNC | O_APPEND);
    if (start_qemu(sup, dropped, paused, error) &&
        (sup->ctl = qv_ctl_server_new(sup->files->sock, sup->ctx,
                                      qv_sup_control_handle, sup, error)))
        return true;
    qv_sup_kill_qemu(sup);
    qv_sup_locks_qemu_gone(sup);
    qv_sup_labels_release_all(sup);
    qv_guest_files_remove_run(sup->files);
    qv_state_save_shutoff(sup->files, "failed", NULL);
    return false;
}

static QvGuestState
state_from_qemu(json_object *status, const char **reason)
{
    json_object *running = NULL, *st = NULL;
    const char *s;

    json_object_object_get_ex(status, "running", &running);
    json_object_object_get_ex(status, "status", &st);
    s = json_object_get_string(st);
    if (running && json_object_get_boolean(running)) {
        *reason = "unpaused";
        return QV_GUEST_RUNNING;
    }
    *reason = s && strcmp(s, "prelaunch") == 0 ? "starting" : "user";
    return QV_GUEST_PAUSED;
}

/* QEMU runs without a supervisor: become its supervisor */
static bool
do_reattach(QvSupervisor *sup, GError **error)
{
    g_autoptr(json_object) st = NULL;
    g_autoptr(GError) err = NULL;
    const char *reason = NULL;

    if (!sup->rt && !(sup->rt = qv_runtime_load(sup->files, error))) {
        if (!(error && *error))
            g_set_error(error, QV_ERROR, QV_ERR_OPERATION_INVALID,
                        "domain '%s' is not running", sup->files->name);
        return false;
    }
    if (!qv_proc_same(sup->rt->qemu_pid, sup->rt->qemu_start)) {
        qv_guest_record_crash(sup->files);
        g_set_error(error, QV_ERROR, QV_ERR_OPERATION_INVALID,
                    "domain '%s' is not running", sup->files->name);
        return false;
    }
    sup->qemu_pid = sup->rt->qemu_pid;
    sup->qemu_is_child = false;
    if (!(sup->live = qv_domain_parse_file(sup->files->status, QV_DOMAIN_XML_STATUS |
                                           QV_DOMAIN_XML_NO_SCHEMA, &err)))
        g_printerr("domain '%s': status document: %s\n", sup->files->name, err->message);
    sup->events_fd = qv_file_open_private(sup->files->events, O_APPEND);
    if (!qv_sup_qmp_connect(sup, false, error) ||
        !watch_qemu(sup, error) ||
        !qv_qmp_command_sync(sup->qmp, "query-status", NULL, QV_QMP_TIMEOUT_MS, &st, error))
        return false;
    sup->rt->state = state_from_qemu(st, &reason);
    g_free(sup->rt->reason);
    sup->rt->reason = g_strdup(reason);
    sup->rt->sup_pid = getpid();
    qv_proc_start_time(getpid(), &sup->rt->sup_start);
    {
        g_autofree char *link = g_strdup_printf("/proc/%d/cwd", (int)sup->qemu_pid);

        sup->qemu_cwd = g_file_read_link(link, NULL);
    }
    {
        g_autoptr(GError) lerr = NULL;

        /* what the supervisor before us labelled is restored when QEMU
         * goes; new labels wait for a configuration that works */
        if (!qv_sup_labels_open(sup, false, &lerr))
            g_printerr("domain '%s': files are not labelled for QEMU until the configuration "
                       "is fixed: %s\n", sup->files->name, lerr->message);
    }
    if (sup->live)
        qv_sup_jobs_reattach(sup);
    {
        g_autoptr(GError) lerr = NULL;

        if (!qv_sup_locks_open(sup, &lerr))
            g_printerr("domain '%s': leases are not followed until the configuration is fixed: %s\n",
                       sup->files->name, lerr->message);
        else
            qv_sup_locks_reattach(sup);
    }
    /* unplugs finished now let their leases go: after the leases' check */
    if (sup->live)
        qv_sup_hotplug_reattach(sup);
    if (!(sup->ctl = qv_ctl_server_new(sup->files->sock, sup->ctx,
                                       qv_sup_control_handle, sup, error)))
        return false;
    g_printerr("domain '%s': reattached to QEMU (pid %d)\n", sup->files->name,
               (int)sup->qemu_pid);
    return qv_runtime_save(sup->files, sup->rt, error);
}

/* SIGTERM/SIGINT: leave QEMU running; the next command reattaches */
static gboolean
on_signal(gpointer opaque)
{
    QvSupervisor *sup = opaque;

    g_printerr("domain '%s': supervisor stopping; QEMU keeps running\n", sup->files->name);
    g_main_loop_quit(sup->loop);
    return G_SOURCE_CONTINUE;
}

static void
supervisor_clear(QvSupervisor *sup)
{
    if (sup->exit_source) {
        g_source_destroy(sup->exit_source);
        g_source_unref(sup->exit_source);
    }
    if (sup->pidfd >= 0)
        close(sup->pidfd);
    qv_sup_hotplug_clear(sup);
    qv_sup_incoming_free(sup);
    g_clear_pointer(&sup->ctl, qv_ctl_server_free);
    g_clear_pointer(&sup->qmp, qv_qmp_free);
    g_list_free(sup->exit_waiters);
    g_clear_pointer(&sup->live, qv_domain_def_free);
    g_clear_pointer(&sup->qemu_cwd, g_free);
    qv_sup_locks_close(sup);
    qv_sup_labels_close(sup);
    if (sup->qmp_listen_fd >= 0)
        close(sup->qmp_listen_fd);
    g_clear_pointer(&sup->jobs, g_hash_table_unref);
    g_clear_pointer(&sup->health, json_object_put);
    g_clear_pointer(&sup->job_failures, g_hash_table_unref);
    g_clear_pointer(&sup->rt, qv_runtime_free);
    g_clear_pointer(&sup->files, qv_guest_files_free);
    g_clear_pointer(&sup->conn, qv_conn_free);
    if (sup->events_fd >= 0)
        close(sup->events_fd);
    if (sup->lock_fd >= 0)
        close(sup->lock_fd);
    g_main_loop_unref(sup->loop);
    g_main_context_unref(sup->ctx);
}

/* Lock, then start or reattach; false when there is nothing to run */
static bool
supervisor_setup(QvSupervisor *sup, const QvSuperviseArgs *args,
                 int *report_fd, GError **error)
{
    bool busy, reattach = args->mode == QV_SUPERVISE_REATTACH;
    bool incoming = args->mode == QV_SUPERVISE_INCOMING;

    if (!(sup->conn = qv_conn_open(args->root, error)))
        return false;
    sup->files = qv_guest_files_new(sup->conn->paths, args->name);
    if (!qv_mkdir_p(sup->conn->paths->run_dir, 0755, error) ||
        !qv_mkdir_p(sup->conn->paths->state_dir, 0755, error))
        return false;
    if ((sup->lock_fd = take_lock(sup->files->lock, &busy, error)) < 0) {
        /* a reattach finds a supervisor already there: that is the goal */
        if (busy && reattach)
            report(report_fd, json_object_new_object(), NULL);
        else if (busy)
            set_already_running(error, args->name);
        return false;
    }
    if (!reattach) {
        g_autoptr(GError) err = NULL;

        if (do_start(sup, args->paused, incoming, &reattach, &err)) {
            report(report_fd, sup->incoming ? qv_sup_incoming_report(sup) :
                   qv_sup_status_json(sup), NULL);
            return true;
        }
        g_printerr("domain '%s': %s\n", args->name, err->message);
        report(report_fd, NULL, err);
        if (!reattach)
            return false;
    }
    if (!do_reattach(sup, error))
        return false;
    report(report_fd, qv_sup_status_json(sup), NULL);
    return true;
}

int
qv_supervisor_main(const QvSuperviseArgs *args)
{
    QvSupervisor sup = { .lock_fd = -1, .events_fd = -1, .pidfd = -1, .qmp_listen_fd = -1 };
    g_autoptr(GError) err = NULL;
    int report_fd = args->report_fd;
    guint sig_term, sig_int;

    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    sup.ctx = g_main_context_ref(g_main_context_default());
    sup.loop = g_main_loop_new(sup.ctx, FALSE);
    sig_term = g_unix_signal_add(SIGTERM, on_signal, &sup);
    sig_int = g_unix_signal_add(SIGINT, on_signal, &sup);
    if (supervisor_setup(&sup, args, &report_fd, &err))
        g_main_loop_run(sup.loop);
    if (err) {
        g_printerr("domain '%s': %s\n", args->name, err->message);
        report(&report_fd, NULL, err);
    }
    report(&report_fd, NULL, NULL);
    g_source_remove(sig_term);
    g_source_remove(sig_int);
    supervisor_clear(&sup);
    return err ? 1 : 0;
}
