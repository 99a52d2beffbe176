/*
 * Guest commands, with virsh's names: start, destroy, shutdown, suspend,
 * resume, domstate, domblkinfo, event; and the hidden __supervise, which
 * is the supervisor process itself (qvirt runs itself as its supervisor,
 * so there is no second executable to find).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "qvirt-cli.h"
#include "conf/qv-conn.h"
#include "util/qv-error.h"
#include "util/qv-file.h"
#include "util/qv-json.h"
#include "lib/qv-launch.h"
#include "qemu/qv-qmp.h"
#include "supervisor/qv-status.h"
#include "supervisor/qv-supervisor.h"

#define QV_CALL_TIMEOUT_MS (60 * 1000)

static const QvCommand qv_cmd_start, qv_cmd_destroy, qv_cmd_shutdown,
    qv_cmd_suspend, qv_cmd_resume, qv_cmd_domstate, qv_cmd_domblkinfo,
    qv_cmd_event, qv_cmd_supervise, qv_cmd_monitor;
extern const QvCommand *const qv_guest_commands[];
extern const size_t qv_guest_ncommands;

/* Open the root and resolve DOMAIN (name or uuid) to its name */
static QvConn *
open_guest(const char *domain, char **name, GError **error)
{
    g_autoptr(QvConn) conn = NULL;
    g_autoptr(QvDomainDef) def = NULL;

    if (!(conn = qv_conn_open(qv_cli_root, error)) ||
        !(def = qv_conn_lookup(conn, domain, error)))
        return NULL;
    /* the CLI runs no threads: a supervisor can be a fork of it */
    qv_launch_fork_in_process(true);
    *name = g_strdup(def->name);
    return g_steal_pointer(&conn);
}

static int
run_start(int argc, char **argv, GError **error)
{
    gboolean paused = FALSE;
    const GOptionEntry entries[] = {
        { "paused", 0, 0, G_OPTION_ARG_NONE, &paused, "leave the guest paused", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvConn) conn = NULL;
    g_autoptr(json_object) report = NULL;
    g_autofree char *name = NULL;
    json_object *dropped = NULL;
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_start, entries, &argc, &argv, 1, 1, &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(conn = open_guest(argv[1], &name, error)) ||
        !(report = qv_guest_spawn_supervisor(conn, name, QV_SUPERVISE_START,
                                             paused, error)))
        return 1;
    json_object_object_get_ex(report, "dropped", &dropped);
    for (size_t i = 0; dropped && i < json_object_array_length(dropped); i++)
        printf("%s\n", json_object_get_string(json_object_array_get_idx(dropped, i)));
    printf("Domain '%s' started%s\n", name, paused ? " (paused)" : "");
    return 0;
}

/* Send control command @ctl to the guest's supervisor */
static int
simple_call(const QvCommand *cmd, QvCtlCommand ctl, const char *done, int argc, char **argv,
            GError **error)
{
    g_autoptr(QvConn) conn = NULL;
    g_autofree char *name = NULL;
    bool help_shown;

    if (!qv_cli_parse(cmd, NULL, &argc, &argv, 1, 1, &help_shown, error) ||
        !(conn = open_guest(argv[1], &name, error)) ||
        !qv_ctl_call(conn, name, ctl, NULL, QV_CALL_TIMEOUT_MS, NULL, error))
        return help_shown ? 0 : 1;
    printf("Domain '%s' %s\n", name, done);
    return 0;
}

static int
run_suspend(int argc, char **argv, GError **error)
{
    return simple_call(&qv_cmd_suspend, QV_CTL_SUSPEND, "suspended", argc, argv, error);
}

static int
run_resume(int argc, char **argv, GError **error)
{
    return simple_call(&qv_cmd_resume, QV_CTL_RESUME, "resumed", argc, argv, error);
}

static int
run_destroy(int argc, char **argv, GError **error)
{
    gint grace = 10;
    const GOptionEntry entries[] = {
        { "grace", 0, 0, G_OPTION_ARG_INT, &grace, "seconds between SIGTERM and SIGKILL (10)", "S" },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvConn) conn = NULL;
    g_autofree char *name = NULL;
    QvCtlArgs args = { 0 };
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_destroy, entries, &argc, &argv, 1, 1, &help_shown, error))
        return help_shown ? 0 : 1;
    if (grace < 0) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "destroy: --grace must not be negative");
        return 1;
    }
    if (!(conn = open_guest(argv[1], &name, error)))
        return 1;
    args.grace = (uint64_t)grace;
    args.has_grace = true;
    if (!qv_ctl_call(conn, name, QV_CTL_DESTROY, &args, (unsigned int)(grace + 60) * 1000, NULL,
                     error))
        return 1;
    printf("Domain '%s' destroyed\n", name);
    return 0;
}

static int
run_shutdown(int argc, char **argv, GError **error)
{
    gint timeout = 60;
    const GOptionEntry entries[] = {
        { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout, "seconds to wait for the guest to stop (60; 0: do not wait)", "S" },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvConn) conn = NULL;
    g_autofree char *name = NULL;
    gint64 deadline;
    QvGuestState state;
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_shutdown, entries, &argc, &argv, 1, 1, &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(conn = open_guest(argv[1], &name, error)))
        return 1;
    if (!qv_ctl_call(conn, name, QV_CTL_SHUTDOWN, NULL, QV_CALL_TIMEOUT_MS, NULL, error))
        return 1;
    printf("Domain '%s' is being shutdown\n", name);
    if (timeout <= 0)
        return 0;
    deadline = g_get_monotonic_time() + (gint64)timeout * G_USEC_PER_SEC;
    do {
        if (!qv_guest_state(conn, name, &state, NULL, error))
            return 1;
        if (state == QV_GUEST_SHUTOFF) {
            printf("Domain '%s' shut down\n", name);
            return 0;
        }
        g_usleep(100 * 1000);
    } while (g_get_monotonic_time() < deadline);
    g_set_error(error, QV_ERROR, QV_ERR_IO,
                "domain '%s' did not shut down within %d s (its guest OS did not act on the power button); it is still running: 'qvirt destroy %s' stops it",
                name, timeout, name);
    return 1;
}

static int
run_domstate(int argc, char **argv, GError **error)
{
    gboolean with_reason = FALSE;
    const GOptionEntry entries[] = {
        { "reason", 0, 0, G_OPTION_ARG_NONE, &with_reason, "show the reason too", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvConn) conn = NULL;
    g_autofree char *name = NULL;
    g_autofree char *reason = NULL;
    QvGuestState state;
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_domstate, entries, &argc, &argv, 1, 1, &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(conn = open_guest(argv[1], &name, error)) ||
        !qv_guest_state(conn, name, &state, &reason, error))
        return 1;
    if (with_reason)
        printf("%s (%s)\n", qv_guest_state_to_string(state), reason ? reason : "unknown");
    else
        printf("%s\n", qv_guest_state_to_string(state));
    return 0;
}

static int
run_domblkinfo(int argc, char **argv, GError **error)
{
    gboolean json = FALSE;
    const GOptionEntry entries[] = {
        { "json", 0, 0, G_OPTION_ARG_NONE, &json, "JSON for scripts", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvConn) conn = NULL;
    g_autoptr(json_object) ret = NULL;
    g_autofree char *name = NULL;
    const char *keys[] = { QV_CTL_REPLY_CAPACITY, QV_CTL_REPLY_ALLOCATION, QV_CTL_REPLY_PHYSICAL };
    const char *labels[] = { "Capacity:", "Allocation:", "Physical:" };
    g_auto(QvCtlArgs) args = { 0 };
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_domblkinfo, entries, &argc, &argv, 2, 2, &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(conn = open_guest(argv[1], &name, error)))
        return 1;
    args.disk = g_strdup(argv[2]);
    if (!qv_ctl_call(conn, name, QV_CTL_DOMBLKINFO, &args, QV_CALL_TIMEOUT_MS, &ret, error))
        return 1;
    if (json) {
        printf("%s\n", json_object_to_json_string_ext(ret, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
        return 0;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
        json_object *v = NULL;

        json_object_object_get_ex(ret, keys[i], &v);
        printf("%-15s %s\n", labels[i], v ? json_object_get_string(v) : "-");
    }
    return 0;
}

static volatile sig_atomic_t interrupted;

static void
on_interrupt(int sig)
{
    interrupted = 1;
}

/* Print the complete lines of @buf from *@done on */
static void
print_events(const char *name, GString *buf, gsize *done, bool json)
{
    char *nl;

    while ((nl = memchr(buf->str + *done, '\n', buf->len - *done))) {
        g_autoptr(json_object) ev = NULL;
        const char *line = buf->str + *done;
        json_object *t = NULL, *secs = NULL, *us = NULL, *ename = NULL, *data = NULL;

        *nl = '\0';
        *done = (gsize)(nl - buf->str) + 1;
        if (json || !(ev = json_tokener_parse(line))) {
            printf("%s\n", line);
            continue;
        }
        json_object_object_get_ex(ev, "timestamp", &t);
        json_object_object_get_ex(t, "seconds", &secs);
        json_object_object_get_ex(t, "microseconds", &us);
        json_object_object_get_ex(ev, "event", &ename);
        json_object_object_get_ex(ev, "data", &data);
        printf("%" G_GINT64_FORMAT ".%06d: event '%s' for domain '%s'%s%s\n",
               json_object_get_int64(secs), json_object_get_int(us),
               json_object_get_string(ename), name, data ? ": " : "",
               data ? json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN) : "");
    }
    fflush(stdout);
}

static int
run_event(int argc, char **argv, GError **error)
{
    gboolean loop = FALSE, json = FALSE;
    const GOptionEntry entries[] = {
        { "loop", 0, 0, G_OPTION_ARG_NONE, &loop, "follow new events until interrupted or the guest stops", NULL },
        { "json", 0, 0, G_OPTION_ARG_NONE, &json, "print QEMU's event objects, one a line", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvConn) conn = NULL;
    g_autoptr(QvGuestFiles) files = NULL;
    g_autoptr(GString) buf = g_string_new(NULL);
    g_autofree char *name = NULL;
    gsize done = 0;
    bool help_shown;
    FILE *f;

    if (!qv_cli_parse(&qv_cmd_event, entries, &argc, &argv, 1, 1, &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(conn = open_guest(argv[1], &name, error)))
        return 1;
    files = qv_guest_files_new(conn->paths, name);
    if (!(f = fopen(files->events, "r"))) {
        if (errno != ENOENT || !loop)
            return 0;
    }
    signal(SIGINT, on_interrupt);
    signal(SIGTERM, on_interrupt);
    while (!interrupted) {
        char chunk[65536];
        size_t n = f ? fread(chunk, 1, sizeof(chunk), f) : 0;
        QvGuestState state;

        if (n > 0) {
            g_string_append_len(buf, chunk, (gssize)n);
            print_events(name, buf, &done, json);
            continue;
        }
        if (!loop)
            break;
        if (!qv_guest_state(conn, name, &state, NULL, error))
            break;
        if (state == QV_GUEST_SHUTOFF && f)
            break;
        if (f)
            clearerr(f);
        else
            f = fopen(files->events, "r");
        g_usleep(100 * 1000);
    }
    if (f)
        fclose(f);
    return *error ? 1 : 0;
}

/* virsh qemu-monitor-command: one QMP command through the supervisor,
 * which owns the monitor */
static int
run_monitor(int argc, char **argv, GError **error)
{
    gboolean pretty = FALSE;
    const GOptionEntry entries[] = {
        { "pretty", 0, 0, G_OPTION_ARG_NONE, &pretty, "indent the reply", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvConn) conn = NULL;
    g_autoptr(json_object) cmd = NULL;
    g_autoptr(json_object) ret = NULL;
    g_autofree char *name = NULL;
    json_object *exec = NULL, *args = NULL;
    g_auto(QvCtlArgs) ctl = { 0 };
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_monitor, entries, &argc, &argv, 2, 2, &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(cmd = qv_json_parse_object(argv[2], error))) {
        g_prefix_error(error, "qemu-monitor-command: ");
        return 1;
    }
    if (!json_object_object_get_ex(cmd, "execute", &exec) ||
        !json_object_is_type(exec, json_type_string)) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "qemu-monitor-command: '%s' has no \"execute\" string", argv[2]);
        return 1;
    }
    if (!(conn = open_guest(argv[1], &name, error)))
        return 1;
    ctl.execute = g_strdup(json_object_get_string(exec));
    if (json_object_object_get_ex(cmd, "arguments", &args))
        ctl.arguments = json_object_get(args);
    if (!qv_ctl_call(conn, name, QV_CTL_QMP, &ctl, QV_CALL_TIMEOUT_MS, &ret, error)) {
        const char *hint = qv_qmp_timeout_hint(json_object_get_string(exec), args);

        if (hint && qv_qmp_error_is_timeout(*error)) {
            GError *why = g_error_new((*error)->domain, (*error)->code, "%s; %s", (*error)->message, hint);

            g_clear_error(error);
            g_propagate_error(error, why);
        }
        return 1;
    }
    {
        g_autoptr(json_object) reply = json_object_new_object();

        json_object_object_add(reply, "return", ret ? json_object_get(ret) : json_object_new_object());
        printf("%s\n", json_object_to_json_string_ext(reply, pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN));
    }
    return 0;
}

/* The supervisor: stdout and stderr are its log; nothing to print here */
static int
run_supervise(int argc, char **argv, GError **error)
{
    gboolean paused = FALSE;
    gchar *mode = NULL;
    gint report_fd = -1;
    const GOptionEntry entries[] = {
        { "mode", 0, 0, G_OPTION_ARG_STRING, &mode, "start or reattach", "MODE" },
        { "paused", 0, 0, G_OPTION_ARG_NONE, &paused, "leave the guest paused", NULL },
        { "report-fd", 0, 0, G_OPTION_ARG_INT, &report_fd, "where to report", "FD" },
        G_OPTION_ENTRY_NULL,
    };
    QvSuperviseArgs args = { 0 };
    bool help_shown;
    int m, ret;

    if (!qv_cli_parse(&qv_cmd_supervise, entries, &argc, &argv, 1, 1, &help_shown, error))
        return help_shown ? 0 : 1;
    if ((m = qv_supervise_mode_from_string(mode ? mode : "start")) < 0) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "__supervise: unknown mode '%s'", mode);
        g_free(mode);
        return 1;
    }
    args.root = qv_cli_root;
    args.name = argv[1];
    args.mode = m;
    args.paused = paused;
    args.report_fd = report_fd;
    ret = qv_supervisor_main(&args);
    g_free(mode);
    return ret;
}

static const QvCommand qv_cmd_start = {
    .name = "start", .args = "DOMAIN [--paused]",
    .summary = "start a defined domain",
    .help = "Checks every file of every disk's chain and applies each disk's startupPolicy (what was dropped is printed), starts QEMU under a supervisor of its own, checks that QEMU opened exactly the block graph the definition describes, and returns once the guest runs (or, with --paused, is paused). A guest that is already running is refused.",
    .run = run_start,
};
static const QvCommand qv_cmd_destroy = {
    .name = "destroy", .args = "DOMAIN [--grace S]",
    .summary = "stop a running domain at once",
    .help = "Sends QEMU SIGTERM, then SIGKILL when it has not exited after the grace period (10 s). Returns once QEMU is gone; the domain is then shut off, reason destroyed.",
    .run = run_destroy,
};
static const QvCommand qv_cmd_shutdown = {
    .name = "shutdown", .args = "DOMAIN [--timeout S]",
    .summary = "ask a running domain's guest OS to shut down",
    .help = "Presses the ACPI power button (system_powerdown) and waits up to S seconds (60; 0 returns at once) for the guest to stop. A guest OS that ignores the button leaves the domain running: that is reported as an error and the domain is not touched; 'qvirt destroy' stops it.",
    .run = run_shutdown,
};
static const QvCommand qv_cmd_suspend = {
    .name = "suspend", .args = "DOMAIN",
    .summary = "pause a running domain",
    .help = "Stops the guest's vCPUs; the domain is then paused, reason user.",
    .run = run_suspend,
};
static const QvCommand qv_cmd_resume = {
    .name = "resume", .args = "DOMAIN",
    .summary = "resume a paused domain",
    .help = "Lets the guest's vCPUs run again.",
    .run = run_resume,
};
static const QvCommand qv_cmd_domstate = {
    .name = "domstate", .args = "DOMAIN [--reason]",
    .summary = "print the state of a domain",
    .help = "running, paused or shut off; --reason adds why (booted, user, unpaused, starting; shutdown, destroyed, crashed, failed).",
    .run = run_domstate,
};
static const QvCommand qv_cmd_domblkinfo = {
    .name = "domblkinfo", .args = "DOMAIN DISK [--json]",
    .summary = "show the sizes of a running domain's disk, from QEMU",
    .help = "DISK is a target name (vda). Capacity is the guest-visible size, allocation the host space the top image uses, physical the size of the top image file, all in bytes.",
    .run = run_domblkinfo,
};
static const QvCommand qv_cmd_event = {
    .name = "event", .args = "DOMAIN [--loop] [--json]",
    .summary = "print the QMP events of a domain",
    .help = "Prints the events QEMU sent during the domain's last run; with --loop follows new ones until interrupted or the domain stops. --json prints QEMU's event objects as recorded, one a line.",
    .run = run_event,
};
static const QvCommand qv_cmd_monitor = {
    .name = "qemu-monitor-command", .args = "DOMAIN JSON [--pretty]",
    .summary = "send one QMP command to a running domain's QEMU",
    .help = "JSON is a QMP command, {\"execute\": NAME, \"arguments\": {...}}; it goes through the domain's supervisor, which holds the monitor. Prints {\"return\": ...}; a QMP error is reported as an error. Changes made this way are not tracked: a block graph changed by hand no longer matches what qvirt records.",
    .run = run_monitor,
};
static const QvCommand qv_cmd_supervise = {
    .name = "__supervise", .args = "DOMAIN --mode start|reattach [--paused] --report-fd FD",
    .summary = "(internal) the per-domain supervisor process",
    .help = "Started by 'qvirt start' and by any command that finds a running QEMU without its supervisor. Not for direct use.",
    .run = run_supervise,
};

/* Merged by the module into its command table */
const QvCommand *const qv_guest_commands[] = {
    &qv_cmd_start,
    &qv_cmd_destroy,
    &qv_cmd_shutdown,
    &qv_cmd_suspend,
    &qv_cmd_resume,
    &qv_cmd_domstate,
    &qv_cmd_domblkinfo,
    &qv_cmd_event,
    &qv_cmd_monitor,
    &qv_cmd_supervise,
};
const size_t qv_guest_ncommands = G_N_ELEMENTS(qv_guest_commands);
