/*
 * qv-status: runtime and state files of a guest, process identity, and
 * the guest state query list and dominfo use.
 */
#include "supervisor/qv-status.h"

#include "security/qv-dac.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/qv-error.h"
#include "util/qv-file.h"
#include "util/qv-json.h"

#define QV_RUNTIME_MAX (1024 * 1024)

static const char *const state_names[QV_GUEST_LAST] = {
    [QV_GUEST_SHUTOFF] = "shut off",
    [QV_GUEST_RUNNING] = "running",
    [QV_GUEST_PAUSED] = "paused",
};

const char *
qv_guest_state_to_string(QvGuestState state)
{
    return state < QV_GUEST_LAST ? state_names[state] : NULL;
}

int
qv_guest_state_from_string(const char *s)
{
    for (int i = 0; s && i < QV_GUEST_LAST; i++) {
        if (strcmp(state_names[i], s) == 0)
            return i;
    }
    return -1;
}

QvGuestFiles *
qv_guest_files_new(const QvPaths *paths, const char *name)
{
    QvGuestFiles *f = g_new0(QvGuestFiles, 1);
    const char *s = paths->state_dir, *r = paths->run_dir;

    f->name = g_strdup(name);
    f->lock = g_strdup_printf("%s/%s.lock", r, name);
    f->sock = g_strdup_printf("%s/%s.sock", r, name);
    f->qmp = g_strdup_printf("%s/%s.qmp", r, name);
    f->runtime = g_strdup_printf("%s/%s.runtime.json", s, name);
    f->status = g_strdup_printf("%s/%s.status.xml", s, name);
    f->state = g_strdup_printf("%s/%s.state", s, name);
    f->events = g_strdup_printf("%s/%s.events", s, name);
    f->qemu_log = g_strdup_printf("%s/%s.log", s, name);
    f->serial_log = g_strdup_printf("%s/%s.serial.log", s, name);
    f->sup_log = g_strdup_printf("%s/%s.supervisor.log", s, name);
    f->jobs = g_strdup_printf("%s/%s.jobs.json", s, name);
    f->locks = g_strdup_printf("%s/%s.locks.json", s, name);
    f->health = g_strdup_printf("%s/%s.health.json", s, name);
    f->master_key = g_strdup_printf("%s/%s.master-key.aes", s, name);
    f->labels = g_strdup_printf("%s/%s.labels.json", s, name);
    return f;
}

void
qv_guest_files_free(QvGuestFiles *f)
{
    if (!f)
        return;
    g_free(f->name);
    g_free(f->lock);
    g_free(f->labels);
    g_free(f->jobs);
    g_free(f->locks);
    g_free(f->health);
    g_free(f->sock);
    g_free(f->qmp);
    g_free(f->master_key);
    g_free(f->runtime);
    g_free(f->status);
    g_free(f->state);
    g_free(f->events);
    g_free(f->qemu_log);
    g_free(f->serial_log);
    g_free(f->sup_log);
    g_free(f);
}

QvRuntime *
qv_runtime_new(void)
{
    QvRuntime *rt = g_new0(QvRuntime, 1);

    rt->dropped = g_ptr_array_new_with_free_func(g_free);
    rt->unplugging = g_ptr_array_new_with_free_func(g_free);
    return rt;
}

void
qv_runtime_free(QvRuntime *rt)
{
    if (!rt)
        return;
    g_free(rt->reason);
    g_ptr_array_unref(rt->dropped);
    g_ptr_array_unref(rt->unplugging);
    g_free(rt->qmp);
    g_free(rt->sock);
    g_free(rt);
}

static bool
get_ull(json_object *o, const char *key, unsigned long long *out,
        GError **error)
{
    uint64_t v = 0;
    bool found = false;

    if (!qv_json_get_uint64(o, key, &v, &found, error))
        return false;
    *out = v;
    return true;
}

static bool
runtime_from_json(json_object *o, QvRuntime *rt, GError **error)
{
    const char *state = NULL, *reason = NULL, *qmp = NULL, *sock = NULL;
    unsigned long long qpid = 0, spid = 0, started = 0, hwm = 0;
    json_object *dropped = NULL, *unplugging = NULL;
    int st;

    if (!get_ull(o, "qemu_pid", &qpid, error) ||
        !get_ull(o, "qemu_start", &rt->qemu_start, error) ||
        !get_ull(o, "supervisor_pid", &spid, error) ||
        !get_ull(o, "supervisor_start", &rt->sup_start, error) ||
        !get_ull(o, "started", &started, error) ||
        !get_ull(o, "index_hwm", &hwm, error) ||
        !qv_json_require_string(o, "state", &state, error) ||
        !qv_json_get_string(o, "reason", &reason, error) ||
        !qv_json_get_string(o, "qmp_socket", &qmp, error) ||
        !qv_json_get_string(o, "control_socket", &sock, error) ||
        !qv_json_get_array(o, "dropped", &dropped, error) ||
        !qv_json_get_array(o, "unplugging", &unplugging, error))
        return false;
    if ((st = qv_guest_state_from_string(state)) < 0) {
        g_set_error(error, QV_ERROR, QV_ERR_PARSE, "unknown state '%s'", state);
        return false;
    }
    rt->qemu_pid = (pid_t)qpid;
    rt->sup_pid = (pid_t)spid;
    rt->started = (gint64)started;
    rt->index_hwm = (unsigned int)MIN(hwm, G_MAXUINT);
    rt->state = st;
    rt->reason = g_strdup(reason);
    rt->qmp = g_strdup(qmp);
    rt->sock = g_strdup(sock);
    for (size_t i = 0; dropped && i < json_object_array_length(dropped); i++) {
        const char *line = json_object_get_string(json_object_array_get_idx(dropped, i));

        g_ptr_array_add(rt->dropped, g_strdup(line ? line : ""));
    }
    for (size_t i = 0; unplugging && i < json_object_array_length(unplugging); i++) {
        const char *id = json_object_get_string(json_object_array_get_idx(unplugging, i));

        if (id && *id)
            g_ptr_array_add(rt->unplugging, g_strdup(id));
    }
    return true;
}

QvRuntime *
qv_runtime_load(const QvGuestFiles *files, GError **error)
{
    g_autoptr(QvRuntime) rt = NULL;
    g_autoptr(json_object) o = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *data = NULL;

    if (!qv_file_read_all(files->runtime, &data, NULL, QV_RUNTIME_MAX, &err)) {
        if (!g_file_test(files->runtime, G_FILE_TEST_EXISTS))
            return NULL;
        g_propagate_error(error, g_steal_pointer(&err));
        return NULL;
    }
    rt = qv_runtime_new();
    if (!(o = qv_json_parse_object(data, error)) ||
        !runtime_from_json(o, rt, error)) {
        g_prefix_error(error, "domain '%s': runtime file '%s': ",
                       files->name, files->runtime);
        return NULL;
    }
    return g_steal_pointer(&rt);
}

bool
qv_runtime_save(const QvGuestFiles *files, const QvRuntime *rt,
                GError **error)
{
    g_autoptr(json_object) o = json_object_new_object();
    json_object *dropped = json_object_new_array();
    json_object *unplugging = json_object_new_array();
    const char *text;

    json_object_object_add(o, "name", json_object_new_string(files->name));
    json_object_object_add(o, "state",
                           json_object_new_string(qv_guest_state_to_string(rt->state)));
    json_object_object_add(o, "reason",
                           rt->reason ? json_object_new_string(rt->reason) : NULL);
    json_object_object_add(o, "qemu_pid", json_object_new_int64(rt->qemu_pid));
    json_object_object_add(o, "qemu_start", json_object_new_uint64(rt->qemu_start));
    json_object_object_add(o, "supervisor_pid", json_object_new_int64(rt->sup_pid));
    json_object_object_add(o, "supervisor_start", json_object_new_uint64(rt->sup_start));
    json_object_object_add(o, "started", json_object_new_int64(rt->started));
    json_object_object_add(o, "index_hwm", json_object_new_int64(rt->index_hwm));
    json_object_object_add(o, "qmp_socket",
                           rt->qmp ? json_object_new_string(rt->qmp) : NULL);
    json_object_object_add(o, "control_socket",
                           rt->sock ? json_object_new_string(rt->sock) : NULL);
    for (guint i = 0; i < rt->dropped->len; i++)
        json_object_array_add(dropped, json_object_new_string(rt->dropped->pdata[i]));
    json_object_object_add(o, "dropped", dropped);
    for (guint i = 0; i < rt->unplugging->len; i++)
        json_object_array_add(unplugging, json_object_new_string(rt->unplugging->pdata[i]));
    json_object_object_add(o, "unplugging", unplugging);
    text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                             JSON_C_TO_STRING_SPACED);
    return qv_file_write_atomic(files->runtime, text, strlen(text), 0600, error);
}

bool
qv_state_save_shutoff(const QvGuestFiles *files, const char *reason,
                      GError **error)
{
    g_autoptr(json_object) o = json_object_new_object();
    g_autofree char *text = NULL;

    json_object_object_add(o, "state", json_object_new_string("shut off"));
    json_object_object_add(o, "reason", json_object_new_string(reason));
    json_object_object_add(o, "time", json_object_new_int64(g_get_real_time() / G_USEC_PER_SEC));
    text = g_strdup_printf("%s\n", json_object_to_json_string(o));
    return qv_file_write_atomic(files->state, text, strlen(text), 0600, error);
}

char *
qv_state_load_reason(const QvGuestFiles *files)
{
    g_autoptr(json_object) o = NULL;
    g_autofree char *data = NULL;
    const char *reason = NULL;

    if (!qv_file_read_all(files->state, &data, NULL, 65536, NULL) ||
        !(o = qv_json_parse_object(data, NULL)) ||
        !qv_json_get_string(o, "reason", &reason, NULL))
        return NULL;
    return g_strdup(reason);
}

void
qv_guest_files_remove_run(const QvGuestFiles *files)
{
    /* the runtime file first: from then on the guest reads as shut off */
    unlink(files->runtime);
    unlink(files->status);
    unlink(files->jobs);
    unlink(files->locks);
    unlink(files->health);
    unlink(files->sock);
    unlink(files->qmp);
    unlink(files->master_key);
}

bool
qv_proc_start_time(pid_t pid, unsigned long long *start)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
    g_autofree char *data = NULL;
    const char *p;
    int field;

    if (pid <= 0 || !g_file_get_contents(path, &data, NULL, NULL))
        return false;
    /* the command name may hold spaces and parentheses: skip past the
     * last ')', then "S ppid ..." is field 3; start time is field 22 */
    if (!(p = strrchr(data, ')')))
        return false;
    p++;
    for (field = 2; field < 22 && *p; p++) {
        if (*p == ' ')
            field++;
    }
    if (field != 22)
        return false;
    /* a zombie has exited: it no longer runs the guest */
    if (strstr(data, ") Z ") || strstr(data, ") X "))
        return false;
    *start = strtoull(p, NULL, 10);
    return true;
}

bool
qv_proc_same(pid_t pid, unsigned long long start)
{
    unsigned long long now;

    return qv_proc_start_time(pid, &now) && now == start;
}

void
qv_guest_record_crash(const QvGuestFiles *files)
{
    g_autoptr(GError) err = NULL;

    if (!qv_state_save_shutoff(files, "crashed", &err))
        g_warning("domain '%s': %s", files->name, err->message);
    /* QEMU is gone: what was labelled for it goes back */
    qv_dac_record_restore(files->labels);
    qv_guest_files_remove_run(files);
}

