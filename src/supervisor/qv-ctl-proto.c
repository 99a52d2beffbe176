/*
 * qv-ctl-proto: the table of control commands and the one encoder and
 * decoder of their requests, driven by a table of request keys.
 */
#include "supervisor/qv-ctl-proto.h"

#include <stddef.h>
#include <string.h>

#include "util/qv-error.h"
#include "util/qv-json.h"

#define K(x) QV_CTL_KEY_##x
#define BLOCK_JOB_KEYS (K(DISK) | K(FLAGS))

static const QvCtlCommandSpec specs[QV_CTL_LAST] = {
    [QV_CTL_STATUS] = { "status", "status", 0, 0, 0,
                        "state, reason, qemu_pid, supervisor_pid, dropped, qemu" },
    [QV_CTL_DESTROY] = { "destroy", "destroy", K(GRACE), 0, 0, "null once QEMU is gone" },
    [QV_CTL_SHUTDOWN] = { "shutdown", "shutdown", 0, 0, 0, "null" },
    [QV_CTL_SUSPEND] = { "suspend", "suspend", 0, 0, 0, "null" },
    [QV_CTL_RESUME] = { "resume", "resume", 0, 0, 0, "null" },
    [QV_CTL_QUERY_BLOCK] = { "query-block", "query-block", 0, 0, 0, "QEMU's answer" },
    [QV_CTL_DOMBLKINFO] = { "domblkinfo", "domblkinfo", K(DISK), K(DISK), 0,
                            "capacity, allocation, physical" },
    [QV_CTL_QMP] = { "qmp", "QMP command", K(EXECUTE) | K(ARGUMENTS), K(EXECUTE), 0,
                     "QEMU's answer" },
    [QV_CTL_SNAPSHOT] = { "snapshot", "snapshot", K(NAME) | K(DISKS) | K(FLAGS), K(NAME),
                          QV_CTL_SNAPSHOT_FLAGS, "null" },
    [QV_CTL_BLOCK_COPY] = { "block-copy", "block copy",
                            BLOCK_JOB_KEYS | K(BANDWIDTH) | K(GRANULARITY) | K(BUF_SIZE) |
                            K(DEST_PATH) | K(DEST_FORMAT) | K(DEST_BLOCK),
                            K(DISK) | K(DEST_PATH), QV_CTL_COPY_FLAGS, "null" },
    [QV_CTL_BLOCK_PULL] = { "block-pull", "block pull", BLOCK_JOB_KEYS | K(BASE) | K(BANDWIDTH),
                            K(DISK), QV_CTL_PULL_FLAGS, "null" },
    [QV_CTL_BLOCK_COMMIT] = { "block-commit", "block commit",
                              BLOCK_JOB_KEYS | K(BASE) | K(TOP) | K(BANDWIDTH),
                              K(DISK), QV_CTL_COMMIT_FLAGS, "null" },
    [QV_CTL_BLOCK_JOB_INFO] = { "block-job-info", "block job info", K(DISK), K(DISK), 0,
                                "type, id, ready, cur, end, bandwidth, status; null: no job" },
    [QV_CTL_BLOCK_JOB_SPEED] = { "block-job-speed", "block job speed", K(DISK) | K(BANDWIDTH),
                                 K(DISK), 0, "null" },
    [QV_CTL_BLOCK_JOB_ABORT] = { "block-job-abort", "block job abort", BLOCK_JOB_KEYS,
                                 K(DISK), QV_CTL_ABORT_FLAGS,
                                 "null once the job has ended (at once with ASYNC)" },
    [QV_CTL_BLOCK_JOB_WAIT] = { "block-job-wait", "block job wait", K(DISK), K(DISK), 0,
                                "ready: true once ready; null when it ended; its error" },
    [QV_CTL_LOCK_STATUS] = { "lock-status", "lock status", 0, 0, 0,
                             "driver, host, qemu_pid, released, state, leases" },
    [QV_CTL_ATTACH_DISK] = { "attach-disk", "attach", K(XML), K(XML), 0, "alias, dropped" },
    [QV_CTL_DETACH_DISK] = { "detach-disk", "detach", K(DISK) | K(WAIT), K(DISK), 0,
                             "removed: false while the guest has not let go" },
    [QV_CTL_CHANGE_MEDIA] = { "change-media", "media change", K(DISK) | K(XML) | K(FLAGS),
                              K(DISK), QV_CTL_MEDIA_FLAGS, "dropped" },
    [QV_CTL_BLOCK_QUORUM] = { "block-quorum", "quorum", QV_CTL_QUORUM_KEYS,
                              K(DISK) | K(NAME), 0,
                              "info: disk, quorum, threshold, children, error, scrub, job" },
    [QV_CTL_DISK_ERRORS] = { "disk-errors", "disk errors", 0, 0, 0,
                             "disks: [{disk, error, children}]" },
    [QV_CTL_MIGRATE] = { "migrate", "migration", K(ARGUMENTS), K(ARGUMENTS), 0,
                         "stats (query-migrate's), lock_state; once QEMU has completed" },
    [QV_CTL_MIGRATE_INFO] = { "migrate-info", "job info", 0, 0, 0,
                              "phase, elapsed_ms, data_total, data_processed, ...; null: none" },
    [QV_CTL_MIGRATE_ABORT] = { "migrate-abort", "job abort", 0, 0, 0, "null" },
    [QV_CTL_MIGRATE_SPEED] = { "migrate-speed", "migration speed", K(BANDWIDTH), 0, 0,
                               "bandwidth (bytes/s, 0: unlimited)" },
    [QV_CTL_MIGRATE_CONFIRM] = { "migrate-confirm", "migration confirm", K(NAME), K(NAME), 0,
                                 "null" },
    [QV_CTL_MIGRATE_FINISH] = { "migrate-finish", "migration finish", K(ARGUMENTS),
                                K(ARGUMENTS), 0, "state, reason" },
    [QV_CTL_BLOCK_IOTUNE] = { "block-iotune", "block I/O tuning", K(DISK) | K(ARGUMENTS),
                              K(DISK), 0, "every setting by libvirt's name, group_name" },
};

typedef enum {
    FIELD_STRING,
    FIELD_U64,
    FIELD_FLAGS,
    FIELD_BOOL,
    FIELD_OBJECT,
    FIELD_DISKS,
} FieldType;

typedef struct {
    QvCtlKey key;
    const char *name;
    FieldType type;
    size_t offset;
    size_t present;              /* offset of a "given" bool, or 0 */
} Field;

#define F(k, n, t, m) { K(k), n, t, offsetof(QvCtlArgs, m), 0 }

static const Field fields[] = {
    F(DISK, "disk", FIELD_STRING, disk),
    F(BASE, "base", FIELD_STRING, base),
    F(TOP, "top", FIELD_STRING, top),
    F(FLAGS, "flags", FIELD_FLAGS, flags),
    F(BANDWIDTH, "bandwidth", FIELD_U64, bandwidth),
    F(GRANULARITY, "granularity", FIELD_U64, granularity),
    F(BUF_SIZE, "buf-size", FIELD_U64, buf_size),
    { K(GRACE), "grace", FIELD_U64, offsetof(QvCtlArgs, grace), offsetof(QvCtlArgs, has_grace) },
    F(DEST_PATH, "dest-path", FIELD_STRING, dest_path),
    F(DEST_FORMAT, "dest-format", FIELD_STRING, dest_format),
    F(DEST_BLOCK, "dest-block", FIELD_BOOL, dest_block),
    F(EXECUTE, "execute", FIELD_STRING, execute),
    F(ARGUMENTS, "arguments", FIELD_OBJECT, arguments),
    F(NAME, "name", FIELD_STRING, name),
    F(DISKS, "disks", FIELD_DISKS, disks),
    F(XML, "xml", FIELD_STRING, xml),
    { K(WAIT), "wait", FIELD_U64, offsetof(QvCtlArgs, wait), offsetof(QvCtlArgs, has_wait) },
};

#define AT(args, f, type) ((type *)((char *)(args) + (f)->offset))
#define CAT(args, f, type) ((const type *)((const char *)(args) + (f)->offset))

static void
snap_disk_free(QvCtlSnapDisk *d)
{
    g_free(d->disk);
    g_free(d->snapshot);
    g_free(d->file);
    g_free(d);
}

void
qv_ctl_args_clear(QvCtlArgs *args)
{
    g_free(args->disk);
    g_free(args->base);
    g_free(args->top);
    g_free(args->dest_path);
    g_free(args->dest_format);
    g_free(args->execute);
    json_object_put(args->arguments);
    g_free(args->name);
    g_free(args->xml);
    if (args->disks)
        g_ptr_array_free(args->disks, TRUE);
    memset(args, 0, sizeof(*args));
}

void
qv_ctl_args_add_snap_disk(QvCtlArgs *args, const char *disk, const char *snapshot,
                          const char *file)
{
    QvCtlSnapDisk *d = g_new0(QvCtlSnapDisk, 1);

    d->disk = g_strdup(disk);
    d->snapshot = g_strdup(snapshot);
    d->file = g_strdup(file);
    if (!args->disks)
        args->disks = g_ptr_array_new_with_free_func((GDestroyNotify)snap_disk_free);
    g_ptr_array_add(args->disks, d);
}

const QvCtlCommandSpec *
qv_ctl_command_spec(QvCtlCommand cmd)
{
    return cmd < QV_CTL_LAST ? &specs[cmd] : NULL;
}

const char *
qv_ctl_command_to_string(QvCtlCommand cmd)
{
    return cmd < QV_CTL_LAST ? specs[cmd].name : NULL;
}

int
qv_ctl_command_from_string(const char *s)
{
    for (int i = 0; s && i < QV_CTL_LAST; i++) {
        if (strcmp(specs[i].name, s) == 0)
            return i;
    }
    return -1;
}

/* Whether @f holds a value in @args (what the encoder sends) */
static bool
field_set(const QvCtlArgs *args, const Field *f)
{
    switch (f->type) {
    case FIELD_STRING:
        return *CAT(args, f, char *) != NULL;
    case FIELD_U64:
        if (f->present)
            return *(const bool *)((const char *)args + f->present);
        return *CAT(args, f, uint64_t) != 0;
    case FIELD_FLAGS:
        return *CAT(args, f, unsigned int) != 0;
    case FIELD_BOOL:
        return *CAT(args, f, bool);
    case FIELD_OBJECT:
        return *CAT(args, f, json_object *) != NULL;
    case FIELD_DISKS:
        return *CAT(args, f, GPtrArray *) != NULL;
    }
    return false;
}

static json_object *
field_to_json(const QvCtlArgs *args, const Field *f)
{
    switch (f->type) {
    case FIELD_STRING:
        return json_object_new_string(*CAT(args, f, char *));
    case FIELD_U64:
        return json_object_new_uint64(*CAT(args, f, uint64_t));
    case FIELD_FLAGS:
        return json_object_new_uint64(*CAT(args, f, unsigned int));
    case FIELD_BOOL:
        return json_object_new_boolean(*CAT(args, f, bool));
    case FIELD_OBJECT:
        return json_object_get((json_object *)*CAT(args, f, json_object *));
    case FIELD_DISKS: {
        const GPtrArray *disks = *CAT(args, f, GPtrArray *);
        json_object *list = json_object_new_array();

        for (guint i = 0; i < disks->len; i++) {
            const QvCtlSnapDisk *d = disks->pdata[i];
            json_object *o = json_object_new_object();

            json_object_object_add(o, "disk", json_object_new_string(d->disk));
            if (d->snapshot)
                json_object_object_add(o, "snapshot", json_object_new_string(d->snapshot));
            if (d->file)
                json_object_object_add(o, "file", json_object_new_string(d->file));
            json_object_array_add(list, o);
        }
        return list;
    }
    }
    return NULL;
}

static bool
check_flags(const QvCtlCommandSpec *spec, unsigned int flags, GError **error)
{
    if (flags & ~spec->flags) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "%s: unsupported flags 0x%x",
                    spec->what, flags & ~spec->flags);
        return false;
    }
    return true;
}

json_object *
qv_ctl_encode(QvCtlCommand cmd, const QvCtlArgs *args, GError **error)
{
    const QvCtlCommandSpec *spec = qv_ctl_command_spec(cmd);
    g_autoptr(json_object) req = NULL;

    g_return_val_if_fail(spec != NULL, NULL);
    if (!check_flags(spec, args->flags, error))
        return NULL;
    req = json_object_new_object();
    json_object_object_add(req, "cmd", json_object_new_string(spec->name));
    for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
        const Field *f = &fields[i];

        if (!field_set(args, f)) {
            if (spec->required & f->key) {
                g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "%s: '%s' is required",
                            spec->what, f->name);
                return NULL;
            }
            continue;
        }
        if (!(spec->keys & f->key)) {
            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "%s does not take '%s'",
                        spec->what, f->name);
            return NULL;
        }
        json_object_object_add(req, f->name, field_to_json(args, f));
    }
    return g_steal_pointer(&req);
}

static bool
decode_disks(json_object *list, QvCtlArgs *args, GError **error)
{
    if (!json_object_is_type(list, json_type_array)) {
        g_set_error(error, QV_ERROR, QV_ERR_PARSE, "'disks' must be an array");
        return false;
    }
    args->disks = g_ptr_array_new_with_free_func((GDestroyNotify)snap_disk_free);
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *o = json_object_array_get_idx(list, i);
        const char *disk = NULL, *snap = NULL, *file = NULL;

        if (!json_object_is_type(o, json_type_object) ||
            !qv_json_require_string(o, "disk", &disk, error) ||
            !qv_json_get_string(o, "snapshot", &snap, error) ||
            !qv_json_get_string(o, "file", &file, error)) {
            g_prefix_error(error, "'disks' item %zu: ", i);
            if (error && !*error)
                g_set_error(error, QV_ERROR, QV_ERR_PARSE, "'disks' item %zu is not an object", i);
            return false;
        }
        qv_ctl_args_add_snap_disk(args, disk, snap, file);
    }
    return true;
}

static bool
decode_field(json_object *msg, const Field *f, QvCtlArgs *args, GError **error)
{
    json_object *v = NULL;
    const char *s = NULL;
    uint64_t u = 0;
    bool found = false;

    switch (f->type) {
    case FIELD_STRING:
        if (!qv_json_require_string(msg, f->name, &s, error))
            return false;
        *AT(args, f, char *) = g_strdup(s);
        return true;
    case FIELD_U64:
    case FIELD_FLAGS:
        if (!qv_json_get_uint64(msg, f->name, &u, &found, error))
            return false;
        if (f->type == FIELD_FLAGS) {
            if (u > G_MAXUINT) {
                g_set_error(error, QV_ERROR, QV_ERR_PARSE, "'flags' out of range");
                return false;
            }
            *AT(args, f, unsigned int) = (unsigned int)u;
        } else {
            *AT(args, f, uint64_t) = u;
        }
        if (f->present && found)
            *(bool *)((char *)args + f->present) = true;
        return true;
    case FIELD_BOOL:
        json_object_object_get_ex(msg, f->name, &v);
        if (!json_object_is_type(v, json_type_boolean)) {
            g_set_error(error, QV_ERROR, QV_ERR_PARSE, "'%s' must be a boolean", f->name);
            return false;
        }
        *AT(args, f, bool) = json_object_get_boolean(v);
        return true;
    case FIELD_OBJECT:
        if (!qv_json_get_object(msg, f->name, &v, error))
            return false;
        *AT(args, f, json_object *) = json_object_get(v);
        return true;
    case FIELD_DISKS:
        json_object_object_get_ex(msg, f->name, &v);
        return decode_disks(v, args, error);
    }
    return false;
}

static const Field *
field_by_name(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
        if (strcmp(fields[i].name, name) == 0)
            return &fields[i];
    }
    return NULL;
}

bool
qv_ctl_decode(json_object *msg, QvCtlCommand *cmd, QvCtlArgs *args, GError **error)
{
    const QvCtlCommandSpec *spec;
    const char *name = NULL;
    struct json_object_iter it;
    unsigned int seen = 0;
    int c;

    if (!json_object_is_type(msg, json_type_object) ||
        !qv_json_require_string(msg, "cmd", &name, error)) {
        g_prefix_error(error, "control request: ");
        if (error && !*error)
            g_set_error(error, QV_ERROR, QV_ERR_PARSE, "control request: not a JSON object");
        return false;
    }
    if ((c = qv_ctl_command_from_string(name)) < 0) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "unknown control command '%s'", name);
        return false;
    }
    *cmd = (QvCtlCommand)c;
    spec = &specs[c];
    json_object_object_foreachC(msg, it) {
        const char *key = it.key;
        const Field *f;

        if (strcmp(key, "cmd") == 0)
            continue;
        if (!(f = field_by_name(key)) || !(spec->keys & f->key)) {
            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                        "control command '%s' does not take '%s'", spec->name, key);
            return false;
        }
        if (!decode_field(msg, f, args, error)) {
            g_prefix_error(error, "control command '%s': ", spec->name);
            return false;
        }
        seen |= f->key;
    }
    if (spec->required & ~seen) {
        for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
            if (spec->required & ~seen & fields[i].key) {
                g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                            "control command '%s' needs '%s'", spec->name, fields[i].name);
                return false;
            }
        }
    }
    return check_flags(spec, args->flags, error);
}

static const char *const job_type_names[QVIRT_DOMAIN_BLOCK_JOB_TYPE_LAST] = {
    [QVIRT_DOMAIN_BLOCK_JOB_TYPE_UNKNOWN] = "unknown",
    [QVIRT_DOMAIN_BLOCK_JOB_TYPE_PULL] = "pull",
    [QVIRT_DOMAIN_BLOCK_JOB_TYPE_COPY] = "copy",
    [QVIRT_DOMAIN_BLOCK_JOB_TYPE_COMMIT] = "commit",
    [QVIRT_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT] = "active-commit",
    [QVIRT_DOMAIN_BLOCK_JOB_TYPE_QUORUM_ADD] = "quorum-add",
    [QVIRT_DOMAIN_BLOCK_JOB_TYPE_QUORUM_REPLACE] = "quorum-replace",
    [QVIRT_DOMAIN_BLOCK_JOB_TYPE_QUORUM_SCRUB] = "quorum-scrub",
};

const char *
qv_ctl_job_type_to_string(int type)
{
    if (type < 0 || type >= QVIRT_DOMAIN_BLOCK_JOB_TYPE_LAST)
        return "unknown";
    return job_type_names[type];
}

int
qv_ctl_job_type_from_string(const char *s)
{
    for (int i = 0; s && i < QVIRT_DOMAIN_BLOCK_JOB_TYPE_LAST; i++) {
        if (strcmp(job_type_names[i], s) == 0)
            return i;
    }
    return QVIRT_DOMAIN_BLOCK_JOB_TYPE_UNKNOWN;
}

void
qv_ctl_job_info_clear(QvCtlJobInfo *info)
{
    g_free(info->id);
    g_free(info->status);
    memset(info, 0, sizeof(*info));
}

json_object *
qv_ctl_job_info_encode(const QvCtlJobInfo *info)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "type", json_object_new_string(qv_ctl_job_type_to_string(info->type)));
    json_object_object_add(o, "id", json_object_new_string(info->id ? info->id : ""));
    json_object_object_add(o, "ready", json_object_new_boolean(info->ready));
    json_object_object_add(o, "cur", json_object_new_uint64(info->cur));
    json_object_object_add(o, "end", json_object_new_uint64(info->end));
    json_object_object_add(o, "bandwidth", json_object_new_uint64(info->bandwidth));
    if (info->status)
        json_object_object_add(o, "status", json_object_new_string(info->status));
    return o;
}

bool
qv_ctl_job_info_decode(json_object *o, QvCtlJobInfo *info, GError **error)
{
    const char *type = NULL, *id = NULL, *status = NULL;
    json_object *ready = NULL;
    bool found;

    memset(info, 0, sizeof(*info));
    if (!qv_json_require_string(o, "type", &type, error) ||
        !qv_json_get_string(o, "id", &id, error) ||
        !qv_json_get_string(o, "status", &status, error) ||
        !qv_json_get_uint64(o, "cur", &info->cur, &found, error) ||
        !qv_json_get_uint64(o, "end", &info->end, &found, error) ||
        !qv_json_get_uint64(o, "bandwidth", &info->bandwidth, &found, error)) {
        g_prefix_error(error, "block job info: ");
        return false;
    }
    info->type = qv_ctl_job_type_from_string(type);
    info->id = g_strdup(id);
    info->status = g_strdup(status);
    info->ready = json_object_object_get_ex(o, "ready", &ready) && json_object_get_boolean(ready);
    return true;
}
