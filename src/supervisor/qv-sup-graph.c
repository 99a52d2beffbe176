/*
 * qv-sup-graph: edits of QEMU's block graph while the guest runs
 * (blockdev-add of a new chain, blockdev-del of one that left,
 * blockdev-reopen of a layer that must be writable for a while), and
 * what follows every edit: the status document and jobs file saved, the
 * persistent definition updated when a chain changed for good, and
 * QEMU's graph compared with the live definition.  The node objects come
 * from qv-blockdev, the same builder start uses.
 */
#include <string.h>

#include "conf/qv-domain-xml.h"
#include "qemu/qv-blockdev.h"
#include "util/qv-error.h"
#include "util/qv-json-build.h"
#include "util/qv-json.h"
#include "supervisor/qv-supervisor-priv.h"

QvStorageSource *
qv_sup_chain_root(QvDiskDef *disk, QvStorageSource *elem)
{
    QvStorageSource *src = disk->src;

    while (src && src->type == QV_STORAGE_QUORUM) {
        QvStorageSource *in = NULL;

        if (elem == src)
            return NULL;
        for (size_t i = 0; i < src->nbacking && !in; i++) {
            if (src->backing[i] == elem || qv_source_chain_has(src->backing[i], elem))
                in = src->backing[i];
        }
        src = in;
    }
    return src;
}

bool
qv_sup_is_chain_root(QvDiskDef *disk, const QvStorageSource *src)
{
    QvStorageSource *parent;

    if (src == disk->src)
        return true;
    parent = qv_source_find_parent(disk->src, src, NULL);
    return parent && parent->type == QV_STORAGE_QUORUM;
}

char *
qv_sup_fmt_node(const QvDiskDef *disk, const QvStorageSource *src)
{
    return qv_blockdev_node_name(disk->dst, src->index, true);
}

static void
put_json(gpointer o)
{
    json_object_put(o);
}

/* A batch of commands sent together and answered together: QEMU runs
 * them in order, and no round trip waits between two of them (a chain
 * of 500 layers is 1,000 blockdev-adds) */
typedef struct {
    guint left;
    GError **errors;             /* per command, NULL: it worked */
} Batch;

typedef struct {
    Batch *batch;
    guint i;
} BatchCall;

static void
batch_done(QvQmp *qmp, json_object *ret, const GError *err, gpointer opaque)
{
    BatchCall *c = opaque;

    if (err)
        c->batch->errors[c->i] = g_error_copy(err);
    c->batch->left--;
    g_free(c);
}

/* Send @command once per object of @args (each a new reference) and wait
 * for every answer; returns the errors, one slot per command */
static GError **
batch_run(QvSupervisor *sup, const char *command, GPtrArray *args)
{
    Batch b = { args->len, g_new0(GError *, args->len + 1) };
    /* each command's clock starts when it is sent, and QEMU answers them
     * one after the other: the last waits for all before it */
    guint timeout = QV_QMP_TIMEOUT_MS + MIN(args->len, 100000u) * 100u;

    for (guint i = 0; i < args->len; i++) {
        BatchCall *c = g_new0(BatchCall, 1);

        c->batch = &b;
        c->i = i;
        qv_qmp_command(sup->qmp, command, args->pdata[i], timeout, batch_done, c);
        args->pdata[i] = NULL;
    }
    while (b.left > 0)
        g_main_context_iteration(sup->ctx, TRUE);
    return b.errors;
}

static void
errors_free(GError **errors, guint n)
{
    for (guint i = 0; i < n; i++)
        g_clear_error(&errors[i]);
    g_free(errors);
}

bool
qv_sup_blockdev_add_all(QvSupervisor *sup, json_object *props, GError **error)
{
    size_t n = json_object_array_length(props);
    g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(put_json);
    g_autoptr(json_object) added = json_object_new_array();
    GError **errors;
    GError *first = NULL;

    for (size_t i = 0; i < n; i++)
        g_ptr_array_add(args, json_object_get(json_object_array_get_idx(props, i)));
    errors = batch_run(sup, "blockdev-add", args);
    for (size_t i = 0; i < n; i++) {
        json_object *nn = NULL;

        if (!errors[i]) {
            json_object_object_get_ex(json_object_array_get_idx(props, i), "node-name", &nn);
            json_object_array_put_idx(added, json_object_array_length(added), json_object_get(nn));
        } else if (!first) {
            first = g_steal_pointer(&errors[i]);
        }
    }
    errors_free(errors, (guint)n);
    if (!first)
        return true;
    /* the nodes that were added go again, top-down */
    {
        g_autoptr(json_object) names = json_object_new_array();

        for (size_t j = json_object_array_length(added); j-- > 0;)
            json_object_array_add(names, json_object_get(json_object_array_get_idx(added, j)));
        qv_sup_blockdev_del_all(sup, names);
    }
    g_propagate_error(error, first);
    return false;
}

/* A node left open costs a file descriptor, not data: failures are
 * logged, not fatal */
void
qv_sup_blockdev_del_all(QvSupervisor *sup, json_object *names)
{
    size_t n = names ? json_object_array_length(names) : 0;
    g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(put_json);
    GError **errors;

    if (!n)
        return;
    for (size_t i = 0; i < n; i++)
        g_ptr_array_add(args, qv_json_new(NULL, "s:node-name",
                                          json_object_get_string(json_object_array_get_idx(names, i)),
                                          NULL));
    errors = batch_run(sup, "blockdev-del", args);
    for (size_t i = 0; i < n; i++) {
        if (errors[i])
            g_printerr("domain '%s': cannot remove node '%s': %s\n", sup->files->name,
                       json_object_get_string(json_object_array_get_idx(names, i)),
                       errors[i]->message);
    }
    errors_free(errors, (guint)n);
}

void
qv_sup_blockdev_del_chain(QvSupervisor *sup, const QvDiskDef *disk,
                          const QvStorageSource *top, const QvStorageSource *stop)
{
    g_autoptr(json_object) names = top ? qv_blockdev_del_list(disk, top, stop) : NULL;

    qv_sup_blockdev_del_all(sup, names);
}

bool
qv_sup_reopen(QvSupervisor *sup, QvDiskDef *disk, QvStorageSource *src, bool ro,
              GError **error)
{
    g_autoptr(json_object) props = qv_blockdev_props_cwd(disk, sup->qemu_cwd, error);
    g_autofree char *name = qv_sup_fmt_node(disk, src);
    json_object *found = NULL, *args = NULL, *opts;

    if (!props)
        return false;
    for (size_t i = 0; i < json_object_array_length(props) && !found; i++) {
        json_object *o = json_object_array_get_idx(props, i), *nn = NULL;

        if (json_object_object_get_ex(o, "node-name", &nn) &&
            g_strcmp0(json_object_get_string(nn), name) == 0)
            found = o;
    }
    if (!found) {
        g_set_error(error, QV_ERROR, QV_ERR_INTERNAL, "no node '%s' to reopen", name);
        return false;
    }
    json_object_object_add(found, "read-only", json_object_new_boolean(ro));
    opts = json_object_new_array();
    json_object_array_add(opts, json_object_get(found));
    return qv_json_add(&args, error, "a:options", &opts, NULL) &&
           qv_qmp_command_sync(sup->qmp, "blockdev-reopen", &args, QV_QMP_TIMEOUT_MS, NULL, error);
}

/* From QEMU, not from the image file: the file may have been unlinked
 * while in use, and QEMU knows the size it exposes */
bool
qv_sup_disk_capacity(QvSupervisor *sup, const QvDiskDef *disk, uint64_t *size,
                     GError **error)
{
    g_autoptr(json_object) nodes = NULL;
    g_autofree char *fmt = qv_sup_fmt_node(disk, disk->src);
    json_object *args = NULL;

    if (!qv_json_add(&args, error, "b:flat", true, NULL) ||
        !qv_qmp_command_sync(sup->qmp, "query-named-block-nodes", &args, QV_QMP_TIMEOUT_MS,
                             &nodes, error))
        return false;
    for (size_t i = 0; nodes && i < json_object_array_length(nodes); i++) {
        json_object *n = json_object_array_get_idx(nodes, i), *nn = NULL, *img = NULL;
        bool found = false;

        if (!json_object_object_get_ex(n, "node-name", &nn) ||
            g_strcmp0(json_object_get_string(nn), fmt) != 0 ||
            !json_object_object_get_ex(n, "image", &img))
            continue;
        if (!qv_json_get_uint64(img, "virtual-size", size, &found, error))
            return false;
        if (found)
            return true;
    }
    g_set_error(error, QV_ERROR, QV_ERR_INTERNAL,
                "domain '%s': QEMU has no node '%s' with a size for disk '%s'",
                sup->files->name, fmt, disk->dst);
    return false;
}

/* Jobs that still run have filter nodes of their own: checked when the
 * last one ends */
bool
qv_sup_check_live_graph(QvSupervisor *sup, GError **error)
{
    g_autoptr(json_object) all = json_object_new_array();

    if (sup->jobs && g_hash_table_size(sup->jobs) > 0)
        return true;
    for (size_t i = 0; i < sup->live->ndisks; i++) {
        g_autoptr(json_object) props = qv_blockdev_props_cwd(sup->live->disks[i], sup->qemu_cwd,
                                                             error);

        if (!props)
            return false;
        for (size_t j = 0; j < json_object_array_length(props); j++)
            json_object_array_add(all, json_object_get(json_object_array_get_idx(props, j)));
    }
    return qv_sup_verify_graph_props(sup, all, error);
}

bool
qv_sup_save_all(QvSupervisor *sup, GError **error)
{
    return qv_sup_save_status(sup, error) && qv_sup_jobs_save(sup, error);
}

void
qv_sup_update_definition(QvSupervisor *sup, QvDiskDef *live_disk)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QvDomainDef) def = qv_conn_lookup(sup->conn, sup->files->name, &err);
    g_autoptr(QvDomainDef) stored = NULL;
    g_autofree char *xml = NULL;
    QvDiskDef *disk;

    if (!def || !(disk = qv_domain_find_disk(def, live_disk->dst)))
        goto out;
    qv_source_free(disk->src);
    disk->src = qv_source_copy(live_disk->src);
    if (!disk->chain_given) {
        /* the chain stays discovered from the images at each start */
        for (size_t i = 0; i < disk->src->nbacking; i++)
            qv_source_free(disk->src->backing[i]);
        disk->src->nbacking = 0;
        disk->src->backing_known = false;
    }
    qv_domain_clear_indexes(def);
    xml = qv_domain_format_xml(def, 0);
    stored = qv_conn_define_xml(sup->conn, xml, "the definition after a block job", 0, NULL, &err);
 out:
    if (err)
        g_printerr("domain '%s': cannot update the definition after the block job: %s\n",
                   sup->files->name, err->message);
}
