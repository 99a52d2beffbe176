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

#include "qvirt/qvirt.h"
#include "qvirt-cli.h"
#include "lib/qv-cli-support.h"


static const QvCommand qv_cmd_start, qv_cmd_destroy, qv_cmd_shutdown,
    qv_cmd_suspend, qv_cmd_resume, qv_cmd_domstate, qv_cmd_domblkinfo,
    qv_cmd_event, qv_cmd_supervise, qv_cmd_monitor;
extern const QvCommand *const qv_guest_commands[];
extern const size_t qv_guest_ncommands;

/* Open the root and look DOMAIN (name or uuid) up */
static QvirtDomain *
open_guest(QvirtConnect **conn, const char *domain, GError **error)
{
    if (!(*conn = qvirt_connect_open(qv_cli_root, error)))
        return NULL;
    /* the CLI runs no threads: a supervisor can be a fork of it */
    qv_cli_fork_supervisors(true);
    return qvirt_domain_lookup(*conn, domain, error);
}

static int
run_start(int argc, char **argv, GError **error)
{
    gboolean paused = FALSE;
    const GOptionEntry entries[] = {
        { "paused", 0, 0, G_OPTION_ARG_NONE, &paused, "leave the guest paused", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    g_auto(GStrv) dropped = NULL;
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_start, entries, &argc, &argv, 1, 1, &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(dom = open_guest(&conn, argv[1], error)) ||
        qv_cli_create(dom, paused ? QVIRT_DOMAIN_START_PAUSED : 0, &dropped, error) < 0)
        return 1;
    for (size_t i = 0; dropped && dropped[i]; i++)
        printf("%s\n", dropped[i]);
    printf("Domain '%s' started%s\n", qvirt_domain_get_name(dom), paused ? " (paused)" : "");
    return 0;
}

/* A call that takes the domain only */
static int
simple_call(const QvCommand *cmd, int (*fn)(QvirtDomain *, GError **), const char *done,
            int argc, char **argv, GError **error)
{
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    bool help_shown = false;

    if (!qv_cli_parse(cmd, NULL, &argc, &argv, 1, 1, &help_shown, error) ||
        !(dom = open_guest(&conn, argv[1], error)) ||
        fn(dom, error) < 0)
        return help_shown ? 0 : 1;
    printf("Domain '%s' %s\n", qvirt_domain_get_name(dom), done);
    return 0;
}

static int
run_suspend(int argc, char **argv, GError **error)
{
    return simple_call(&qv_cmd_suspend, qvirt_domain_suspend, "suspended", argc, argv, error);
}

static int
run_resume(int argc, char **argv, GError **error)
{
    return simple_call(&qv_cmd_resume, qvirt_domain_resume, "resumed", argc, argv, error);
}

static int
run_destroy(int argc, char **argv, GError **error)
{
    gint grace = 10;
    const GOptionEntry entries[] = {
        { "grace", 0, 0, G_OPTION_ARG_INT, &grace, "seconds between SIGTERM and SIGKILL (10)", "S" },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_destroy, entries, &argc, &argv, 1, 1, &help_shown, error))
        return help_shown ? 0 : 1;
    if (grace < 0) {
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG, "destroy: --grace must not be negative");
        return 1;
    }
    if (!(dom = open_guest(&conn, argv[1], error)) ||
        qvirt_domain_destroy_grace(dom, (unsigned int)grace, 0, error) < 0)
        return 1;
    printf("Domain '%s' destroyed\n", qvirt_domain_get_name(dom));
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
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    const char *name;
    gint64 deadline;
    int state;
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_shutdown, entries, &argc, &argv, 1, 1, &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(dom = open_guest(&conn, argv[1], error)) ||
        qvirt_domain_shutdown(dom, error) < 0)
        return 1;
    name = qvirt_domain_get_name(dom);
    printf("Domain '%s' is being shutdown\n", name);
    if (timeout <= 0)
        return 0;
    deadline = g_get_monotonic_time() + (gint64)timeout * G_USEC_PER_SEC;
    do {
        if (qvirt_domain_get_state(dom, &state, NULL, 0, error) < 0)
            return 1;
        if (state == QVIRT_DOMAIN_SHUTOFF) {
            printf("Domain '%s' shut down\n", name);
            return 0;
        }
        g_usleep(100 * 1000);
    } while (g_get_monotonic_time() < deadline);
    g_set_error(error, QVIRT_ERROR, QVIRT_ERR_TIMEOUT,
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
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    int state, reason;
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_domstate, entries, &argc, &argv, 1, 1, &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(dom = open_guest(&conn, argv[1], error)) ||
        qvirt_domain_get_state(dom, &state, &reason, 0, error) < 0)
        return 1;
    if (with_reason) {
        const char *why = qv_cli_reason_name(state, reason);

        printf("%s (%s)\n", qv_cli_state_name(state), why ? why : "unknown");
    } else {
        printf("%s\n", qv_cli_state_name(state));
    }
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
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    QvirtDomainBlockInfo info;
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_domblkinfo, entries, &argc, &argv, 2, 2, &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(dom = open_guest(&conn, argv[1], error)) ||
        qvirt_domain_get_block_info(dom, argv[2], &info, 0, error) < 0)
        return 1;
    if (json) {
        g_autoptr(json_object) o = json_object_new_object();

        json_object_object_add(o, "capacity", json_object_new_uint64(info.capacity));
        json_object_object_add(o, "allocation", json_object_new_uint64(info.allocation));
        json_object_object_add(o, "physical", json_object_new_uint64(info.physical));
        printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
        return 0;
    }
    printf("%-15s %llu\n", "Capacity:", info.capacity);
    printf("%-15s %llu\n", "Allocation:", info.allocation);
    printf("%-15s %llu\n", "Physical:", info.physical);
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
        {
            g_autofree char *text = qv_cli_health_event_text(json_object_get_string(ename), data);

            printf("%" G_GINT64_FORMAT ".%06d: event '%s' for domain '%s'%s%s\n",
                   json_object_get_int64(secs), json_object_get_int(us),
                   json_object_get_string(ename), name, data ? ": " : "",
                   text ? text : data ? json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN) : "");
        }
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
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    g_autoptr(GString) buf = g_string_new(NULL);
    g_autofree char *events = NULL;
    const char *name;
    gsize done = 0;
    bool help_shown;
    FILE *f;

    if (!qv_cli_parse(&qv_cmd_event, entries, &argc, &argv, 1, 1, &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(dom = open_guest(&conn, argv[1], error)))
        return 1;
    name = qvirt_domain_get_name(dom);
    events = qv_cli_events_path(dom);
    if (!(f = fopen(events, "r"))) {
        if (errno != ENOENT || !loop)
            return 0;
    }
    signal(SIGINT, on_interrupt);
    signal(SIGTERM, on_interrupt);
    while (!interrupted) {
        char chunk[65536];
        size_t n = f ? fread(chunk, 1, sizeof(chunk), f) : 0;
        int state;

        if (n > 0) {
            g_string_append_len(buf, chunk, (gssize)n);
            print_events(name, buf, &done, json);
            continue;
        }
        if (!loop)
            break;
        if (qvirt_domain_get_state(dom, &state, NULL, 0, error) < 0)
            break;
        if (state == QVIRT_DOMAIN_SHUTOFF && f)
            break;
        if (f)
            clearerr(f);
        else
            f = fopen(events, "r");
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
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    g_autofree char *reply = NULL;
    bool help_shown;

    if (!qv_cli_parse(&qv_cmd_monitor, entries, &argc, &argv, 2, 2, &help_shown, error))
        return help_shown ? 0 : 1;
    if (!(dom = open_guest(&conn, argv[1], error)) ||
        qvirt_domain_qemu_monitor_command(dom, argv[2], &reply, 0, error) < 0)
        return 1;
    if (pretty) {
        g_autoptr(json_object) o = json_tokener_parse(reply);

        printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
    } else {
        printf("%s\n", reply);
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
    bool help_shown;
    int ret;

    if (!qv_cli_parse(&qv_cmd_supervise, entries, &argc, &argv, 1, 1, &help_shown, error))
        return help_shown ? 0 : 1;
    ret = qv_cli_supervise(qv_cli_root, argv[1], mode, paused, report_fd, error);
    g_free(mode);
    return ret < 0 ? 1 : ret;
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
