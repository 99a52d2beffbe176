/*
 * qv-api-guest: the life-cycle calls of the public API: start (a new
 * supervisor), destroy, shutdown, suspend, resume, the state, the block
 * sizes and QMP pass-through (requests to the running supervisor).
 */
#include <string.h>

#include "lib/qv-api-priv.h"
#include "lib/qv-launch.h"
#include "qemu/qv-qmp.h"
#include "supervisor/qv-status.h"
#include "util/qv-error.h"
#include "util/qv-json.h"

/* The reasons the supervisor records, as libvirt numbers them */
static const struct {
    QvGuestState state;
    const char *name;
    int reason;
} reasons[] = {
    { QV_GUEST_RUNNING, "booted", QVIRT_DOMAIN_RUNNING_BOOTED },
    { QV_GUEST_RUNNING, "unpaused", QVIRT_DOMAIN_RUNNING_UNPAUSED },
    { QV_GUEST_RUNNING, "migrated", QVIRT_DOMAIN_RUNNING_MIGRATED },
    { QV_GUEST_PAUSED, "migration", QVIRT_DOMAIN_PAUSED_MIGRATION },
    { QV_GUEST_SHUTOFF, "migrated", QVIRT_DOMAIN_SHUTOFF_MIGRATED },
    { QV_GUEST_PAUSED, "user", QVIRT_DOMAIN_PAUSED_USER },
    { QV_GUEST_PAUSED, "ioerror", QVIRT_DOMAIN_PAUSED_IOERROR },
    { QV_GUEST_PAUSED, "starting", QVIRT_DOMAIN_PAUSED_STARTING_UP },
    { QV_GUEST_SHUTOFF, "shutdown", QVIRT_DOMAIN_SHUTOFF_SHUTDOWN },
    { QV_GUEST_SHUTOFF, "destroyed", QVIRT_DOMAIN_SHUTOFF_DESTROYED },
    { QV_GUEST_SHUTOFF, "crashed", QVIRT_DOMAIN_SHUTOFF_CRASHED },
    { QV_GUEST_SHUTOFF, "failed", QVIRT_DOMAIN_SHUTOFF_FAILED },
};

static int
public_state(QvGuestState st)
{
    switch (st) {
    case QV_GUEST_SHUTOFF:
        return QVIRT_DOMAIN_SHUTOFF;
    case QV_GUEST_RUNNING:
        return QVIRT_DOMAIN_RUNNING;
    case QV_GUEST_PAUSED:
        return QVIRT_DOMAIN_PAUSED;
    case QV_GUEST_LAST:
        break;
    }
    return QVIRT_DOMAIN_NOSTATE;
}

static int
public_reason(QvGuestState st, const char *reason)
{
    for (size_t i = 0; reason && i < G_N_ELEMENTS(reasons); i++) {
        if (reasons[i].state == st && strcmp(reasons[i].name, reason) == 0)
            return reasons[i].reason;
    }
    return 0;  /* each state's UNKNOWN */
}

int
qvirt_domain_get_state(QvirtDomain *dom, int *state, int *reason, unsigned int flags,
                       GError **error)
{
    g_autofree char *why = NULL;
    QvGuestState st;

    if (!qv_api_check_flags(flags, 0, "domain state", error) ||
        !qv_guest_state(dom->conn->conn, dom->name, &st, reason ? &why : NULL, error))
        return -1;
    *state = public_state(st);
    if (reason)
        *reason = public_reason(st, why);
    return 0;
}

unsigned int
qvirt_domain_get_id(QvirtDomain *dom)
{
    g_autoptr(QvGuestFiles) files = qv_guest_files_new(dom->conn->conn->paths, dom->name);
    g_autoptr(QvRuntime) rt = qv_runtime_load(files, NULL);

    if (!rt || rt->qemu_pid <= 0 || !qv_proc_same(rt->qemu_pid, rt->qemu_start))
        return (unsigned int)-1;
    return (unsigned int)rt->qemu_pid;
}

int
qv_api_create(QvirtDomain *dom, unsigned int flags, char ***dropped, GError **error)
{
    g_autoptr(json_object) report = NULL;
    json_object *list = NULL;

    if (dropped)
        *dropped = NULL;
    if (!qv_api_check_flags(flags, QVIRT_DOMAIN_START_PAUSED, "start", error) ||
        !(report = qv_guest_spawn_supervisor(dom->conn->conn, dom->name, QV_SUPERVISE_START,
                                             flags & QVIRT_DOMAIN_START_PAUSED, error)))
        return -1;
    if (dropped) {
        GPtrArray *lines = g_ptr_array_new();

        json_object_object_get_ex(report, QV_CTL_REPLY_DROPPED, &list);
        for (size_t i = 0; list && i < json_object_array_length(list); i++)
            g_ptr_array_add(lines, g_strdup(json_object_get_string(json_object_array_get_idx(list, i))));
        g_ptr_array_add(lines, NULL);
        *dropped = (char **)g_ptr_array_free(lines, FALSE);
    }
    return 0;
}

int
qvirt_domain_create_with_flags(QvirtDomain *dom, unsigned int flags, GError **error)
{
    return qv_api_create(dom, flags, NULL, error);
}

int
qvirt_domain_create(QvirtDomain *dom, GError **error)
{
    return qv_api_create(dom, 0, NULL, error);
}

int
qvirt_domain_destroy_grace(QvirtDomain *dom, unsigned int grace_s, unsigned int flags,
                           GError **error)
{
    bool graceful = flags & QVIRT_DOMAIN_DESTROY_GRACEFUL;
    g_auto(QvCtlArgs) args = { .has_grace = true };
    g_autoptr(GError) err = NULL;
    unsigned int timeout_ms;

    if (!qv_api_check_flags(flags, QVIRT_DOMAIN_DESTROY_GRACEFUL, "destroy", error))
        return -1;
    if (grace_s > G_MAXUINT / 1000 - 60) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "destroy: a grace of %u s is too long", grace_s);
        return -1;
    }
    /* GRACEFUL: SIGTERM only, and the wait for its effect is the grace */
    args.grace = graceful ? G_MAXUINT : grace_s;
    timeout_ms = graceful ? grace_s * 1000 : (grace_s + 60) * 1000;
    if (qv_api_call(dom, QV_CTL_DESTROY, &args, timeout_ms, NULL, &err))
        return 0;
    if (graceful && g_error_matches(err, QV_ERROR, QV_ERR_TIMEOUT)) {
        g_set_error(error, QV_ERROR, QV_ERR_TIMEOUT,
                    "domain '%s' did not stop within %u s of SIGTERM; it is still running (a destroy without GRACEFUL sends SIGKILL)",
                    dom->name, grace_s);
        return -1;
    }
    g_propagate_error(error, g_steal_pointer(&err));
    return -1;
}

int
qvirt_domain_destroy_flags(QvirtDomain *dom, unsigned int flags, GError **error)
{
    return qvirt_domain_destroy_grace(dom, QV_API_DESTROY_GRACE_S, flags, error);
}

int
qvirt_domain_destroy(QvirtDomain *dom, GError **error)
{
    return qvirt_domain_destroy_flags(dom, 0, error);
}

static int
simple(QvirtDomain *dom, QvCtlCommand cmd, GError **error)
{
    return qv_api_call(dom, cmd, NULL, QV_API_CALL_TIMEOUT_MS, NULL, error) ? 0 : -1;
}

int
qvirt_domain_shutdown(QvirtDomain *dom, GError **error)
{
    return simple(dom, QV_CTL_SHUTDOWN, error);
}

int
qvirt_domain_suspend(QvirtDomain *dom, GError **error)
{
    return simple(dom, QV_CTL_SUSPEND, error);
}

int
qvirt_domain_resume(QvirtDomain *dom, GError **error)
{
    return simple(dom, QV_CTL_RESUME, error);
}

static unsigned long long
reply_u64(json_object *ret, const char *key)
{
    json_object *v = NULL;

    return json_object_object_get_ex(ret, key, &v) ? (unsigned long long)json_object_get_int64(v) : 0;
}

int
qvirt_domain_get_block_info(QvirtDomain *dom, const char *disk, QvirtDomainBlockInfo *info,
                            unsigned int flags, GError **error)
{
    g_auto(QvCtlArgs) args = { .disk = g_strdup(disk) };
    g_autoptr(json_object) ret = NULL;

    memset(info, 0, sizeof(*info));
    if (!qv_api_check_flags(flags, 0, "block info", error) ||
        !qv_api_call(dom, QV_CTL_DOMBLKINFO, &args, QV_API_CALL_TIMEOUT_MS, &ret, error))
        return -1;
    info->capacity = reply_u64(ret, QV_CTL_REPLY_CAPACITY);
    info->allocation = reply_u64(ret, QV_CTL_REPLY_ALLOCATION);
    info->physical = reply_u64(ret, QV_CTL_REPLY_PHYSICAL);
    return 0;
}

int
qvirt_domain_qemu_monitor_command(QvirtDomain *dom, const char *cmd, char **result,
                                  unsigned int flags, GError **error)
{
    g_autoptr(json_object) req = NULL;
    g_autoptr(json_object) ret = NULL;
    g_autoptr(json_object) reply = NULL;
    g_auto(QvCtlArgs) ctl = { 0 };
    g_autoptr(GError) err = NULL;
    json_object *exec = NULL, *args = NULL;

    *result = NULL;
    if (!qv_api_check_flags(flags, 0, "qemu-monitor-command", error))
        return -1;
    if (!(req = qv_json_parse_object(cmd, error))) {
        g_prefix_error(error, "qemu-monitor-command: ");
        return -1;
    }
    if (!json_object_object_get_ex(req, "execute", &exec) ||
        !json_object_is_type(exec, json_type_string)) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "qemu-monitor-command: '%s' has no \"execute\" string", cmd);
        return -1;
    }
    ctl.execute = g_strdup(json_object_get_string(exec));
    if (json_object_object_get_ex(req, "arguments", &args))
        ctl.arguments = json_object_get(args);
    if (!qv_api_call(dom, QV_CTL_QMP, &ctl, QV_API_CALL_TIMEOUT_MS, &ret, &err)) {
        /* a command that grows with the block graph: say what helps */
        const char *hint = qv_qmp_timeout_hint(ctl.execute, args);

        if (hint && qv_qmp_error_is_timeout(err))
            g_set_error(error, err->domain, err->code, "%s; %s", err->message, hint);
        else
            g_propagate_error(error, g_steal_pointer(&err));
        return -1;
    }
    reply = json_object_new_object();
    json_object_object_add(reply, "return", ret ? json_object_get(ret) : json_object_new_object());
    *result = g_strdup(json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN));
    return 0;
}
