/*
 * qv-sup-health: QEMU's error events become per-disk and per-child
 * state: QUORUM_REPORT_BAD (a child outvoted or failing), QUORUM_FAILURE
 * (the vote itself failed) and BLOCK_IO_ERROR (any disk).  The state is
 * the last error of each disk and child (type, message, time, sector
 * range), kept in state/NAME.health.json so that a new supervisor knows
 * it too (qv-sup-quorum.h describes the document); a scrub under way
 * also collects every bad range it meets.  domblkerror (disk-errors)
 * and blockquorum --info read it.
 */
#include <string.h>

#include "qemu/qv-blockdev.h"
#include "util/qv-error.h"
#include "util/qv-file.h"
#include "util/qv-json.h"
#include "supervisor/qv-sup-quorum.h"

static json_object *
health(QvSupervisor *sup)
{
    g_autofree char *data = NULL;

    if (sup->health)
        return sup->health;
    /* a new supervisor: what the previous one recorded */
    if (g_file_get_contents(sup->files->health, &data, NULL, NULL))
        sup->health = json_tokener_parse(data);
    if (!sup->health || !json_object_is_type(sup->health, json_type_object)) {
        g_clear_pointer(&sup->health, json_object_put);
        sup->health = json_object_new_object();
    }
    return sup->health;
}

void
qv_sup_health_save(QvSupervisor *sup)
{
    g_autoptr(GError) err = NULL;
    const char *text = json_object_to_json_string_ext(health(sup), JSON_C_TO_STRING_PRETTY);

    if (!qv_file_write_atomic(sup->files->health, text, strlen(text), 0600, &err))
        g_printerr("domain '%s': %s\n", sup->files->name, err->message);
}

static json_object *
member(json_object *o, const char *key, bool create)
{
    json_object *v = NULL;

    if (json_object_object_get_ex(o, key, &v) || !create)
        return v;
    v = json_object_new_object();
    json_object_object_add(o, key, v);
    return v;
}

json_object *
qv_sup_health_disk(QvSupervisor *sup, const char *dst, bool create)
{
    return member(health(sup), dst, create);
}

void
qv_sup_health_forget_child(QvSupervisor *sup, const char *dst, const char *node)
{
    json_object *d = qv_sup_health_disk(sup, dst, false);
    json_object *kids = d ? member(d, "children", false) : NULL;

    if (kids) {
        json_object_object_del(kids, node);
        qv_sup_health_save(sup);
    }
}

void
qv_sup_health_scrub(QvSupervisor *sup, const char *dst, const char *state)
{
    json_object *d = qv_sup_health_disk(sup, dst, true);
    json_object *s = member(d, "scrub", true);
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;

    json_object_object_add(s, "state", json_object_new_string(state));
    if (strcmp(state, "running") == 0) {
        json_object_object_add(s, "started", json_object_new_int64(now));
        json_object_object_del(s, "ended");
        json_object_object_add(s, "bad", json_object_new_array());
    } else {
        json_object_object_add(s, "ended", json_object_new_int64(now));
    }
    qv_sup_health_save(sup);
}

/* "vdb-f3" -> the disk vdb, if the live definition has that element */
static QvDiskDef *
disk_of_node(QvSupervisor *sup, const char *node)
{
    const char *f = node ? strrchr(node, '-') : NULL;
    g_autofree char *dst = NULL;
    QvDiskDef *disk;
    char *end = NULL;
    guint64 index;

    if (!f || f[1] != 'f' || !sup->live)
        return NULL;
    index = g_ascii_strtoull(f + 2, &end, 10);
    if (!end || *end || end == f + 2)
        return NULL;
    dst = g_strndup(node, (gsize)(f - node));
    if (!(disk = qv_domain_find_disk(sup->live, dst)) ||
        !qv_source_find_index(disk->src, (unsigned int)index))
        return NULL;
    return disk;
}

/* A node qvirt did not name (one added past it, with QMP): the disk of
 * the quorum it is a child of, from QEMU's graph */
static QvDiskDef *
disk_of_foreign_child(QvSupervisor *sup, const char *node)
{
    g_autoptr(json_object) graph = NULL;
    json_object *nodes = NULL, *edges = NULL;
    gint64 id = -1;

    if (!qv_qmp_command_sync(sup->qmp, "x-debug-query-block-graph", NULL, QV_QMP_TIMEOUT_MS,
                             &graph, NULL) ||
        !json_object_object_get_ex(graph, "nodes", &nodes) ||
        !json_object_object_get_ex(graph, "edges", &edges))
        return NULL;
    for (size_t i = 0; i < json_object_array_length(nodes) && id < 0; i++) {
        json_object *n = json_object_array_get_idx(nodes, i), *v = NULL;

        if (json_object_object_get_ex(n, "name", &v) &&
            g_strcmp0(json_object_get_string(v), node) == 0 &&
            json_object_object_get_ex(n, "id", &v))
            id = json_object_get_int64(v);
    }
    for (size_t i = 0; i < json_object_array_length(edges) && id >= 0; i++) {
        json_object *e = json_object_array_get_idx(edges, i), *c = NULL, *p = NULL;

        if (!json_object_object_get_ex(e, "child", &c) || json_object_get_int64(c) != id ||
            !json_object_object_get_ex(e, "parent", &p))
            continue;
        for (size_t j = 0; j < json_object_array_length(nodes); j++) {
            json_object *n = json_object_array_get_idx(nodes, j), *v = NULL, *nm = NULL;
            QvDiskDef *disk;

            if (json_object_object_get_ex(n, "id", &v) &&
                json_object_get_int64(v) == json_object_get_int64(p) &&
                json_object_object_get_ex(n, "name", &nm) &&
                (disk = disk_of_node(sup, json_object_get_string(nm))))
                return disk;
        }
    }
    return NULL;
}

static json_object *
entry(const char *event, const char *type, const char *error, bool nospace,
      gint64 seconds, json_object *data)
{
    json_object *e = json_object_new_object();
    uint64_t sector = 0, count = 0;
    bool found;

    qv_json_get_uint64(data, "sector-num", &sector, &found, NULL);
    qv_json_get_uint64(data, "sectors-count", &count, &found, NULL);
    json_object_object_add(e, "event", json_object_new_string(event));
    json_object_object_add(e, "type", json_object_new_string(type ? type : "unknown"));
    if (error)
        json_object_object_add(e, "error", json_object_new_string(error));
    if (nospace)
        json_object_object_add(e, "nospace", json_object_new_boolean(true));
    json_object_object_add(e, "time", json_object_new_int64(seconds));
    json_object_object_add(e, "sector", json_object_new_uint64(sector));
    json_object_object_add(e, "count", json_object_new_uint64(count));
    return e;
}

/* QUORUM_REPORT_BAD {type, error?, node-name, sector-num, sectors-count} */
static void
report_bad(QvSupervisor *sup, json_object *data, gint64 seconds)
{
    const char *node = NULL, *type = NULL, *error = NULL;
    QvDiskDef *disk;
    QvSupJob *job;
    json_object *d, *e;

    qv_json_get_string(data, "node-name", &node, NULL);
    qv_json_get_string(data, "type", &type, NULL);
    qv_json_get_string(data, "error", &error, NULL);
    if (!node || (!(disk = disk_of_node(sup, node)) && !(disk = disk_of_foreign_child(sup, node))))
        return;
    d = qv_sup_health_disk(sup, disk->dst, true);
    e = entry("QUORUM_REPORT_BAD", type, error,
              error && strstr(error, "No space left"), seconds, data);
    json_object_object_add(member(d, "children", true), node, e);
    job = qv_sup_job_find(sup, disk->dst);
    if (job && job->type == QVIRT_DOMAIN_BLOCK_JOB_TYPE_QUORUM_SCRUB) {
        json_object *bad = NULL, *b = json_object_new_object();

        json_object_object_get_ex(member(d, "scrub", true), "bad", &bad);
        if (!bad) {
            bad = json_object_new_array();
            json_object_object_add(member(d, "scrub", true), "bad", bad);
        }
        json_object_object_add(b, "node", json_object_new_string(node));
        json_object_object_add(b, "type", json_object_new_string(type ? type : "unknown"));
        json_object_object_add(b, "sector", json_object_get(json_object_object_get(e, "sector")));
        json_object_object_add(b, "count", json_object_get(json_object_object_get(e, "count")));
        json_object_array_add(bad, b);
    }
    qv_sup_health_save(sup);
}

/* QUORUM_FAILURE {reference, sector-num, sectors-count}: the quorum's node */
static void
quorum_failure(QvSupervisor *sup, json_object *data, gint64 seconds)
{
    const char *ref = NULL;
    QvDiskDef *disk;

    qv_json_get_string(data, "reference", &ref, NULL);
    if (!(disk = disk_of_node(sup, ref)))
        return;
    json_object_object_add(qv_sup_health_disk(sup, disk->dst, true), "error",
                           entry("QUORUM_FAILURE", "quorum",
                                 "the children did not reach the vote threshold", false,
                                 seconds, data));
    qv_sup_health_save(sup);
}

/* BLOCK_IO_ERROR {device, node-name?, operation, action, nospace?, reason} */
static void
io_error(QvSupervisor *sup, json_object *data, gint64 seconds)
{
    const char *node = NULL, *device = NULL, *op = NULL, *reason = NULL, *action = NULL;
    json_object *ns = NULL;
    QvDiskDef *disk = NULL;

    qv_json_get_string(data, "node-name", &node, NULL);
    qv_json_get_string(data, "device", &device, NULL);
    qv_json_get_string(data, "operation", &op, NULL);
    qv_json_get_string(data, "reason", &reason, NULL);
    json_object_object_get_ex(data, "nospace", &ns);
    /* error_policy/rerror_policy 'stop': QEMU pauses the guest next */
    qv_json_get_string(data, "action", &action, NULL);
    sup->ioerror_stop |= g_strcmp0(action, "stop") == 0;
    if (node)
        disk = disk_of_node(sup, node);
    for (size_t i = 0; !disk && device && *device && sup->live && i < sup->live->ndisks; i++) {
        if (g_strcmp0(sup->live->disks[i]->alias, device) == 0)
            disk = sup->live->disks[i];
    }
    if (!disk)
        return;
    json_object_object_add(qv_sup_health_disk(sup, disk->dst, true), "error",
                           entry("BLOCK_IO_ERROR", op, reason, ns && json_object_get_boolean(ns),
                                 seconds, data));
    qv_sup_health_save(sup);
}

void
qv_sup_health_event(QvSupervisor *sup, const char *name, json_object *data, gint64 seconds)
{
    if (strcmp(name, "QUORUM_REPORT_BAD") == 0)
        report_bad(sup, data, seconds);
    else if (strcmp(name, "QUORUM_FAILURE") == 0)
        quorum_failure(sup, data, seconds);
    else if (strcmp(name, "BLOCK_IO_ERROR") == 0)
        io_error(sup, data, seconds);
}

/* {"disks": [{"disk", "error"?, "children"?}]}: only disks with an error */
void
qv_sup_do_disk_errors(QvSupCall *call)
{
    QvSupervisor *sup = call->sup;
    json_object *out = json_object_new_object();
    json_object *list = json_object_new_array();

    for (size_t i = 0; i < sup->live->ndisks; i++) {
        const char *dst = sup->live->disks[i]->dst;
        json_object *d = qv_sup_health_disk(sup, dst, false), *err, *kids, *o;

        if (!d)
            continue;
        err = member(d, "error", false);
        kids = member(d, "children", false);
        if (!err && (!kids || json_object_object_length(kids) == 0))
            continue;
        o = json_object_new_object();
        json_object_object_add(o, "disk", json_object_new_string(dst));
        if (err)
            json_object_object_add(o, "error", json_object_get(err));
        if (kids)
            json_object_object_add(o, "children", json_object_get(kids));
        json_object_array_add(list, o);
    }
    json_object_object_add(out, "disks", list);
    qv_ctl_reply(call->req, out);
}
