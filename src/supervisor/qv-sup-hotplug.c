/*
 * qv-sup-hotplug: disks plugged into a running guest and pulled out of
 * it, and media changes of its cdroms and floppies.
 *
 * Attach: the disk's files are checked as at start (startupPolicy), its
 * leases taken, its nodes added bottom-up with the very objects start
 * puts on QEMU's command line (qv-blockdev), the controller its bus
 * needs added when QEMU has none, then its front end (qv-command's
 * device object); any failure removes what was added, in reverse, and
 * lets the leases go.
 *
 * Detach: device_del, then the bookkeeping waits for QEMU's
 * DEVICE_DELETED of that device id: the nodes go top-down, the disk
 * leaves the live definition, its leases go.  A guest that has not let
 * go after the wait asked for is answered "not yet"; the unplug is
 * recorded in the runtime file, so the event (or, after a restart of
 * the supervisor, the device's absence from QEMU) finishes it later.
 *
 * Media changes are qv-sup-media.c's.
 */
#include <string.h>

#include "conf/qv-domain-validate.h"
#include "conf/qv-domain-xml.h"
#include "qemu/qv-blockdev.h"
#include "qemu/qv-secret-objects.h"
#include "qemu/qv-command.h"
#include "qemu/qv-disk-prepare.h"
#include "qemu/qv-qemu-validate.h"
#include "util/qv-error.h"
#include "util/qv-json-build.h"
#include "util/qv-json.h"
#include "supervisor/qv-sup-hotplug.h"

/* libvirt's QEMU_UNPLUG_TIMEOUT */
#define UNPLUG_WAIT_MS 5000

/* An unplug QEMU has not finished */
typedef struct {
    QvSupervisor *sup;
    char *alias;                 /* the device id */
    QvCtlRequest *req;           /* who waits for it, or NULL */
    guint timer;
} Unplug;

/* Never answers its waiter: whoever drops a record with one answers it
 * first (qv_sup_hotplug_clear, qv_sup_hotplug_qemu_gone) */
static void
unplug_free(Unplug *u)
{
    if (u->timer)
        g_source_remove(u->timer);
    g_free(u->alias);
    g_free(u);
}

static GHashTable *
unplugs(QvSupervisor *sup)
{
    if (!sup->unplugs)
        sup->unplugs = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                             (GDestroyNotify)unplug_free);
    return sup->unplugs;
}

QvDiskDef *
qv_sup_hp_disk_by_alias(QvSupervisor *sup, const char *alias)
{
    for (size_t i = 0; sup->live && i < sup->live->ndisks; i++) {
        if (g_strcmp0(sup->live->disks[i]->alias, alias) == 0)
            return sup->live->disks[i];
    }
    return NULL;
}

/* Another device operation's QMP calls let requests in meanwhile */
bool
qv_sup_hp_enter_op(QvSupervisor *sup, const char *what, GError **error)
{
    if (sup->device_op) {
        g_set_error(error, QV_ERROR, QV_ERR_BUSY, "domain '%s': %s is under way; try again",
                    sup->files->name, sup->device_op);
        return false;
    }
    /* a job's start holds the leases of what it is about to write as
     * "extra" wants, which an operation's end lets go */
    if (sup->lock_extra && sup->lock_extra->len) {
        g_set_error(error, QV_ERROR, QV_ERR_BUSY, "domain '%s': a block job or snapshot is "
                    "starting; try again", sup->files->name);
        return false;
    }
    sup->device_op = what;
    return true;
}

void
qv_sup_hp_leave_op(QvSupervisor *sup)
{
    sup->device_op = NULL;
}

json_object *
qv_sup_hp_reply_dropped(GPtrArray *dropped)
{
    json_object *o = json_object_new_object();

    if (dropped && dropped->len)
        json_object_object_add(o, QV_CTL_REPLY_DROPPED_LINE,
                               json_object_new_string(dropped->pdata[0]));
    return o;
}

/* The ids of QEMU's devices that have one (/machine/peripheral) */
static GHashTable *
peripheral_ids(QvSupervisor *sup, const char *path, GError **error)
{
    g_autoptr(json_object) list = NULL;
    json_object *args = qv_json_new(error, "s:path", path, NULL);
    GHashTable *ids;

    if (!args || !qv_qmp_command_sync(sup->qmp, "qom-list", &args, QV_QMP_TIMEOUT_MS, &list, error))
        return NULL;
    ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (size_t i = 0; list && i < json_object_array_length(list); i++) {
        json_object *p = json_object_array_get_idx(list, i), *name = NULL, *type = NULL;

        if (json_object_object_get_ex(p, "name", &name) &&
            json_object_object_get_ex(p, "type", &type) &&
            (g_str_has_prefix(json_object_get_string(type), "child<") ||
             g_str_has_prefix(json_object_get_string(type), "link<")))
            g_hash_table_add(ids, g_strdup(json_object_get_string(name)));
    }
    return ids;
}

/* A PCI bus a new device can be plugged into: pci.0 on a pc, else the
 * first root port with nothing on it */
static char *
free_pci_bus(QvSupervisor *sup, GHashTable *devices, const char *what, GError **error)
{
    unsigned int n = 0;

    if (!qv_qemu_machine_is_q35(sup->live))
        return g_strdup("pci.0");
    for (unsigned int i = 1;; i++) {
        g_autofree char *port = g_strdup_printf(QV_QEMU_ROOT_PORT_PREFIX "%u", i);
        g_autofree char *path = NULL;
        g_autoptr(GHashTable) kids = NULL;
        GHashTableIter it;
        gpointer name;
        bool used = false;

        if (!g_hash_table_contains(devices, port))
            break;
        n++;
        path = g_strdup_printf("/machine/peripheral/%s/%s", port, port);
        if (!(kids = peripheral_ids(sup, path, error)))
            return NULL;
        g_hash_table_iter_init(&it, kids);
        while (!used && g_hash_table_iter_next(&it, &name, NULL))
            used = g_str_has_prefix(name, "child[");
        if (!used)
            return g_steal_pointer(&port);
    }
    g_set_error(error, QV_ERROR, QV_ERR_OPERATION_INVALID,
                "domain '%s': no free PCIe root port for %s (the guest has %u; declare more "
                "with <controller type='pci' model='pcie-root-port'/>)",
                sup->files->name, what, n);
    return NULL;
}

static bool
device_add(QvSupervisor *sup, json_object **dev, GError **error)
{
    return qv_qmp_command_sync(sup->qmp, "device_add", dev, QV_QMP_TIMEOUT_MS, NULL, error);
}

/* The controller of @disk's bus, added when QEMU has none; *@added its id */
static bool
ensure_controller(QvSupervisor *sup, QvDiskDef *disk, GHashTable *devices, char **added,
                  GError **error)
{
    const char *driver = NULL;
    const char *id = qv_qemu_disk_controller(disk, &driver);
    g_autofree char *bus = NULL;
    g_autofree char *what = NULL;
    json_object *dev = NULL;

    if (!id || g_hash_table_contains(devices, id))
        return true;
    what = g_strdup_printf("controller '%s'", id);
    if (!(bus = free_pci_bus(sup, devices, what, error)) ||
        !qv_json_add(&dev, error, "s:driver", driver, "s:id", id, "s:bus", bus, NULL) ||
        !device_add(sup, &dev, error)) {
        g_prefix_error(error, "%s: ", what);
        return false;
    }
    *added = g_strdup(id);
    return true;
}

static bool
device_del(QvSupervisor *sup, const char *id, GError **error)
{
    json_object *args = qv_json_new(error, "s:id", id, NULL);

    return args && qv_qmp_command_sync(sup->qmp, "device_del", &args, QV_QMP_TIMEOUT_MS, NULL, error);
}

/* The node names of @props in reverse: top-down, as blockdev-del needs */
json_object *
qv_sup_hp_names_top_down(json_object *props)
{
    json_object *names = json_object_new_array();

    for (size_t i = json_object_array_length(props); i-- > 0;) {
        json_object *nn = NULL;

        if (json_object_object_get_ex(json_object_array_get_idx(props, i), "node-name", &nn))
            json_object_array_add(names, json_object_get(nn));
    }
    return names;
}

/* ---- attach ---- */

/* The index above every one in use and every one a disk that left had:
 * a disk plugged into a target again never gets the node names of
 * nodes QEMU may not have let go yet */
unsigned int
qv_sup_hp_next_index(QvSupervisor *sup)
{
    return MAX(qv_domain_assign_indexes(sup->live, false), sup->rt->index_hwm);
}

/* libvirt's refusals (qemuDomainAttachDeviceDiskLiveInternal) */
static bool
check_hotpluggable(QvSupervisor *sup, const QvDiskDef *disk, GError **error)
{
    QvDiskDef *other = qv_domain_find_disk(sup->live, disk->dst);

    if (other) {
        g_set_error(error, QV_ERROR, QV_ERR_OPERATION_INVALID, "target %s already exists", disk->dst);
        return false;
    }
    if (disk->alias && qv_sup_hp_disk_by_alias(sup, disk->alias)) {
        g_set_error(error, QV_ERROR, QV_ERR_OPERATION_INVALID, "non unique alias detected: %s", disk->alias);
        return false;
    }
    if (disk->device == QV_DISK_DEVICE_FLOPPY) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED, "floppy device hotplug isn't supported");
        return false;
    }
    switch (disk->bus) {
    case QV_DISK_BUS_VIRTIO:
    case QV_DISK_BUS_SCSI:
    case QV_DISK_BUS_USB:
        return true;
    case QV_DISK_BUS_IDE:
    case QV_DISK_BUS_SATA:
    case QV_DISK_BUS_FDC:
    case QV_DISK_BUS_SD:
    case QV_DISK_BUS_NONE:
    case QV_DISK_BUS_LAST:
        break;
    }
    g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED, "disk bus '%s' cannot be hotplugged.",
                disk->bus ? qv_disk_bus_to_string(disk->bus) : "none");
    return false;
}

/* The files of @disk's chain as at start: the chain discovered unless
 * given, every file there; *@dropped what startupPolicy dropped */
bool
qv_sup_hp_prepare_disk(QvDiskDef **disk, GPtrArray *dropped, GError **error)
{
    g_autoptr(QvDomainDef) one = qv_domain_def_new();
    bool ok;

    qv_domain_add_disk(one, disk);
    ok = qv_disks_prepare(one, QV_START_COLD, dropped, error);
    if (one->ndisks == 1) {
        *disk = one->disks[0];
        one->ndisks = 0;
    }
    if (ok && !*disk) {
        /* a hard disk that startupPolicy='optional' dropped */
        g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND, "%s",
                    dropped->len ? (const char *)dropped->pdata[0] : "the disk was dropped");
        return false;
    }
    return ok;
}

typedef struct {
    QvSupervisor *sup;
    QvDiskDef *disk;             /* in the live definition once added */
    json_object *props;          /* its nodes, bottom-up */
    char *controller;            /* a controller added for it */
    bool in_live, leased, secrets, nodes, device;
} Attach;

/* Undo what @a did, in reverse */
static void
attach_undo(Attach *a)
{
    QvSupervisor *sup = a->sup;
    g_autoptr(GError) err = NULL;

    if (a->device && !device_del(sup, a->disk->alias, &err))
        g_printerr("domain '%s': cannot remove device '%s' again: %s\n", sup->files->name,
                   a->disk->alias, err->message);
    if (a->nodes) {
        g_autoptr(json_object) names = qv_sup_hp_names_top_down(a->props);

        qv_sup_blockdev_del_all(sup, names);
    }
    if (a->secrets)
        qv_sup_secrets_del(sup, a->disk);
    if (a->controller) {
        g_clear_error(&err);
        if (!device_del(sup, a->controller, &err))
            g_printerr("domain '%s': cannot remove controller '%s' again: %s\n",
                       sup->files->name, a->controller, err->message);
    }
    if (a->in_live) {
        qv_disk_def_free(qv_domain_take_disk(sup->live, a->disk));
        a->disk = NULL;
    }
    if (a->leased) {
        g_clear_error(&err);
        qv_sup_locks_extra_done(sup);
        if (!qv_sup_locks_sync(sup, NULL, &err))
            g_printerr("domain '%s': %s\n", sup->files->name, err->message);
    }
}

static bool
attach_steps(Attach *a, GError **error)
{
    QvSupervisor *sup = a->sup;
    g_autoptr(GHashTable) devices = NULL;
    g_autoptr(GPtrArray) wants = qv_lock_wants_for_disk(a->disk);
    g_autofree char *bus = NULL;
    g_autofree char *what = g_strdup_printf("disk '%s'", a->disk->dst);
    json_object *dev;
    QvDiskDef *disk = a->disk;

    /* its leases before QEMU opens a file */
    qv_sup_locks_extra_add(sup, wants);
    a->leased = true;
    if (!qv_sup_locks_sync(sup, wants, error)) {
        g_prefix_error(error, "%s: leases: ", what);
        return false;
    }
    if (!(a->props = qv_blockdev_props_cwd(disk, sup->qemu_cwd, error)))
        return false;
    if (!qv_sup_secrets_add(sup, disk, error))
        return false;
    a->secrets = true;
    if (!qv_sup_blockdev_add_all(sup, a->props, error)) {
        g_prefix_error(error, "%s: blockdev-add: ", what);
        return false;
    }
    a->nodes = true;
    if (!(devices = peripheral_ids(sup, "/machine/peripheral", error)) ||
        !ensure_controller(sup, disk, devices, &a->controller, error))
        return false;
    if (disk->bus == QV_DISK_BUS_VIRTIO && !(bus = free_pci_bus(sup, devices, what, error)))
        return false;
    if (!(dev = qv_qemu_disk_device_props(sup->live, disk, bus, error)) ||
        !device_add(sup, &dev, error)) {
        g_prefix_error(error, "%s: device_add: ", what);
        return false;
    }
    a->device = true;
    return qv_sup_apply_iotune(sup, disk, error);
}

static void
do_attach(QvSupCall *call)
{
    QvSupervisor *sup = call->sup;
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) dropped = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(QvDiskDef) disk = NULL;
    Attach a = { sup };
    unsigned int last;

    if (!(disk = qv_disk_parse_xml(call->args->xml, "the disk XML", 0, &err)) ||
        !check_hotpluggable(sup, disk, &err) ||
        !qv_sup_hp_prepare_disk(&disk, dropped, &err))
        goto fail;
    /* its indexes follow the highest in use: node names never repeat */
    last = qv_sup_hp_next_index(sup);
    sup->rt->index_hwm = qv_disk_assign_indexes(disk, last);
    qv_sup_save_runtime(sup);
    a.disk = disk;
    qv_domain_add_disk(sup->live, &disk);
    a.in_live = true;
    if (!qv_qemu_assign_aliases(sup->live, &err) ||
        !qv_domain_validate(sup->live, &err) ||
        !qv_qemu_validate_def(sup->live, &err) ||
        !attach_steps(&a, &err)) {
        attach_undo(&a);
        qv_sup_save_status(sup, NULL);
        goto fail;
    }
    qv_sup_locks_extra_done(sup);
    if (!qv_sup_locks_sync(sup, NULL, &err) || !qv_sup_save_status(sup, &err) ||
        !qv_sup_check_live_graph(sup, &err)) {
        g_printerr("domain '%s': after the attach of '%s': %s\n", sup->files->name,
                   a.disk->dst, err->message);
        g_clear_error(&err);
    }
    g_printerr("domain '%s': disk '%s' attached as '%s'\n", sup->files->name, a.disk->dst,
               a.disk->alias);
    {
        json_object *out = qv_sup_hp_reply_dropped(dropped);

        json_object_object_add(out, QV_CTL_REPLY_ALIAS, json_object_new_string(a.disk->alias));
        json_object_put(a.props);
        g_free(a.controller);
        qv_sup_hp_leave_op(sup);
        qv_ctl_reply(call->req, out);
    }
    return;
 fail:
    json_object_put(a.props);
    g_free(a.controller);
    qv_sup_hp_leave_op(sup);
    qv_sup_call_fail(call, g_steal_pointer(&err));
}

void
qv_sup_do_attach(QvSupCall *call)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QvDiskDef) probe = qv_disk_parse_xml(call->args->xml, "the disk XML", 0, NULL);
    QvDiskDef *have = probe ? qv_domain_find_disk(call->sup->live, probe->dst) : NULL;

    /* a cdrom or floppy that is there already gets the new medium, as
     * libvirt's attach does */
    if (have && (have->device == QV_DISK_DEVICE_CDROM || have->device == QV_DISK_DEVICE_FLOPPY) &&
        probe->device == have->device) {
        call->disk = have;
        qv_sup_do_change_media(call);
        return;
    }

    if (!qv_sup_hp_enter_op(call->sup, "a disk attach", &err)) {
        qv_sup_call_fail(call, g_steal_pointer(&err));
        return;
    }
    do_attach(call);
}

/* ---- detach ---- */

static void cancel_retries(QvSupervisor *sup, const char *alias);

/* The unplug of @alias is over, or never began (device_del refused) */
static void
forget_unplug(QvSupervisor *sup, const char *alias)
{
    /* a retry left for it would finish the next disk of that id */
    cancel_retries(sup, alias);
    if (sup->unplugs)
        g_hash_table_remove(sup->unplugs, alias);
    for (guint i = 0; i < sup->rt->unplugging->len; i++) {
        if (strcmp(sup->rt->unplugging->pdata[i], alias) == 0)
            g_ptr_array_remove_index(sup->rt->unplugging, i--);
    }
    qv_sup_save_runtime(sup);
}

/* A device QEMU has taken out of its tree may hold its nodes a moment
 * longer (it is finalized after the unplug): a blockdev-del that finds
 * them in use is tried again, every RETRY_MS, RETRIES times */
#define RETRY_MS 100
#define RETRIES 50

typedef struct {
    QvSupervisor *sup;
    char *alias;
    int left;
    guint source;
} Retry;

static void
retry_free(Retry *r)
{
    g_free(r->alias);
    g_free(r);
}

static bool finish_unplug_try(QvSupervisor *sup, const char *alias, int left);

static void
cancel_retries(QvSupervisor *sup, const char *alias)
{
    GList *l = sup->unplug_retries;

    while (l) {
        GList *next = l->next;
        Retry *r = l->data;

        if (strcmp(r->alias, alias) == 0) {
            g_source_remove(r->source);
            sup->unplug_retries = g_list_delete_link(sup->unplug_retries, l);
            retry_free(r);
        }
        l = next;
    }
}

static gboolean
retry_finish(gpointer opaque)
{
    Retry *r = opaque;
    QvSupervisor *sup = r->sup;

    sup->unplug_retries = g_list_remove(sup->unplug_retries, r);
    finish_unplug_try(sup, r->alias, r->left);
    retry_free(r);
    return G_SOURCE_REMOVE;
}

/* Delete the nodes of @disk top-down; false when its top is still in
 * use (the device not yet finalized) and nothing was deleted */
static bool
delete_disk_nodes(QvSupervisor *sup, QvDiskDef *disk, bool last_try)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(json_object) props = qv_blockdev_props_cwd(disk, sup->qemu_cwd, &err);
    g_autoptr(json_object) names = props ? qv_sup_hp_names_top_down(props) : NULL;
    /* taken now: @disk may be freed while a QMP command below waits */
    g_autoptr(GPtrArray) secrets = qv_qemu_secret_ids(disk);
    json_object *args;

    if (!names || !json_object_array_length(names))
        return true;
    args = qv_json_new(&err, "s:node-name", json_object_get_string(json_object_array_get_idx(names, 0)), NULL);
    if (args && !qv_qmp_command_sync(sup->qmp, "blockdev-del", &args, QV_QMP_TIMEOUT_MS, NULL, &err) &&
        !last_try && err->message && strstr(err->message, "in use"))
        return false;
    if (err)
        g_printerr("domain '%s': cannot remove node '%s': %s\n", sup->files->name,
                   json_object_get_string(json_object_array_get_idx(names, 0)), err->message);
    json_object_array_del_idx(names, 0, 1);
    qv_sup_blockdev_del_all(sup, names);
    qv_sup_secrets_del_ids(sup, secrets);
    return true;
}

/* QEMU let go of the device: its nodes, the disk and its leases go;
 * false when that waits for QEMU to release the nodes */
static bool
finish_unplug_try(QvSupervisor *sup, const char *alias, int left)
{
    g_autoptr(GError) err = NULL;
    QvDiskDef *disk = qv_sup_hp_disk_by_alias(sup, alias);
    QvCtlRequest *req = NULL;
    Unplug *u;

    if (disk && !delete_disk_nodes(sup, disk, left <= 0)) {
        Retry *r = g_new0(Retry, 1);

        r->sup = sup;
        r->alias = g_strdup(alias);
        r->left = left - 1;
        r->source = g_timeout_add(RETRY_MS, retry_finish, r);
        sup->unplug_retries = g_list_prepend(sup->unplug_retries, r);
        return false;
    }
    /* the deletions are QMP calls: a DEVICE_DELETED handled meanwhile
     * (a reattach finds the device gone as its event comes) may have
     * finished this unplug and freed the disk */
    if (disk && qv_sup_hp_disk_by_alias(sup, alias) != disk)
        return true;
    if ((u = sup->unplugs ? g_hash_table_lookup(sup->unplugs, alias) : NULL))
        req = g_steal_pointer(&u->req);
    forget_unplug(sup, alias);
    if (disk) {
        g_printerr("domain '%s': disk '%s' (%s) unplugged\n", sup->files->name, disk->dst, alias);
        qv_disk_def_free(qv_domain_take_disk(sup->live, disk));
        if (!qv_sup_locks_sync(sup, NULL, &err) || !qv_sup_save_status(sup, &err) ||
            !qv_sup_check_live_graph(sup, &err))
            g_printerr("domain '%s': after the unplug of '%s': %s\n", sup->files->name, alias,
                       err->message);
    }
    if (req)
        qv_ctl_reply(req, json_object_new_boolean(true));
    return true;
}

static void
finish_unplug(QvSupervisor *sup, const char *alias)
{
    finish_unplug_try(sup, alias, RETRIES);
}

static gboolean
unplug_timeout(gpointer opaque)
{
    Unplug *u = opaque;

    u->timer = 0;
    if (u->req) {
        g_printerr("domain '%s': device '%s': unplug requested; the guest has not released it yet\n",
                   u->sup->files->name, u->alias);
        qv_ctl_reply(g_steal_pointer(&u->req), json_object_new_boolean(false));
    }
    return G_SOURCE_REMOVE;
}

/* libvirt's refusals (qemuDomainDetachPrepDisk) */
static bool
check_unpluggable(QvSupervisor *sup, const QvDiskDef *disk, GError **error)
{
    QvSupJob *job = qv_sup_job_find(sup, disk->dst);
    bool bus_ok = disk->bus == QV_DISK_BUS_SCSI || disk->bus == QV_DISK_BUS_USB ||
                  (disk->bus == QV_DISK_BUS_VIRTIO && disk->device != QV_DISK_DEVICE_CDROM);

    if (job) {
        g_set_error(error, QV_ERROR, QV_ERR_BUSY, "disk '%s' has a running %s job '%s': "
                    "no unplug until it ends", disk->dst, qv_job_type_to_string(job->type), job->id);
        return false;
    }
    if (disk->device == QV_DISK_DEVICE_FLOPPY ||
        (disk->device == QV_DISK_DEVICE_CDROM && !bus_ok)) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED, "disk device type '%s' cannot be detached",
                    qv_disk_device_to_string(disk->device));
        return false;
    }
    if (!bus_ok) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED, "This type of disk cannot be hot unplugged");
        return false;
    }
    if (!disk->alias) {
        g_set_error(error, QV_ERROR, QV_ERR_INTERNAL, "disk '%s' has no device id", disk->dst);
        return false;
    }
    return true;
}

void
qv_sup_do_detach(QvSupCall *call)
{
    QvSupervisor *sup = call->sup;
    g_autoptr(GError) err = NULL;
    g_autofree char *alias = NULL;
    uint64_t wait = call->args->has_wait ? call->args->wait : UNPLUG_WAIT_MS;
    Unplug *u;

    if (!check_unpluggable(sup, call->disk, &err)) {
        qv_sup_call_fail(call, g_steal_pointer(&err));
        return;
    }
    alias = g_strdup(call->disk->alias);
    u = sup->unplugs ? g_hash_table_lookup(sup->unplugs, alias) : NULL;
    if (u && u->req) {
        g_set_error(&err, QV_ERROR, QV_ERR_BUSY, "disk '%s': an unplug request for it is "
                    "waiting for the guest already", call->disk->dst);
        qv_sup_call_fail(call, g_steal_pointer(&err));
        return;
    }
    if (!qv_sup_hp_enter_op(sup, "a disk detach", &err)) {
        qv_sup_call_fail(call, g_steal_pointer(&err));
        return;
    }
    if (u) {
        /* asked again (a guest may have missed the first request): the
         * request goes to QEMU again, as libvirt sends it */
        u->req = call->req;
    } else {
        /* recorded first: DEVICE_DELETED may come during device_del */
        u = g_new0(Unplug, 1);
        u->sup = sup;
        u->alias = g_strdup(alias);
        u->req = call->req;
        g_hash_table_replace(unplugs(sup), u->alias, u);
        g_ptr_array_add(sup->rt->unplugging, g_strdup(alias));
        qv_sup_save_runtime(sup);
    }
    if (!device_del(sup, alias, &err)) {
        bool gone = g_error_matches(err, QV_ERROR, QV_ERR_NOT_FOUND);
        bool again = err->message && strstr(err->message, "already in the process of unplug");

        qv_sup_hp_leave_op(sup);
        if (gone) {
            /* QEMU has no such device any more: only the bookkeeping is left */
            finish_unplug(sup, alias);
            return;
        }
        if (again) {
            /* QEMU still waits for the guest's answer to the first one */
            if ((u = g_hash_table_lookup(sup->unplugs, alias)) && u->req && !u->timer)
                u->timer = g_timeout_add((guint)MIN(wait, G_MAXUINT), unplug_timeout, u);
            return;
        }
        /* the caller hears the error, not the record's "not yet" */
        if ((u = g_hash_table_lookup(sup->unplugs, alias)))
            u->req = NULL;
        forget_unplug(sup, alias);
        g_prefix_error(&err, "disk '%s': device_del: ", call->disk->dst);
        qv_sup_call_fail(call, g_steal_pointer(&err));
        return;
    }
    qv_sup_hp_leave_op(sup);
    /* the event may have come during the call */
    if ((u = g_hash_table_lookup(unplugs(sup), alias)) && u->req)
        u->timer = g_timeout_add((guint)MIN(wait, G_MAXUINT), unplug_timeout, u);
}

/* DEVICE_DELETED: {device?, path}; child objects send path-only ones */
void
qv_sup_hotplug_device_deleted(QvSupervisor *sup, json_object *data)
{
    json_object *dev = NULL;
    const char *id;

    if (!json_object_object_get_ex(data, "device", &dev) || !(id = json_object_get_string(dev)))
        return;
    if ((sup->unplugs && g_hash_table_contains(sup->unplugs, id)) || qv_sup_hp_disk_by_alias(sup, id))
        finish_unplug(sup, id);
}

/* A new supervisor: the unplugs the previous one left unfinished are
 * finished when QEMU no longer has the device, else followed */
void
qv_sup_hotplug_reattach(QvSupervisor *sup)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GHashTable) devices = NULL;
    g_autoptr(GPtrArray) ids = NULL;

    if (!sup->rt->unplugging->len || !sup->live)
        return;
    if (!(devices = peripheral_ids(sup, "/machine/peripheral", &err))) {
        g_printerr("domain '%s': cannot list QEMU's devices: %s\n", sup->files->name, err->message);
        return;
    }
    ids = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < sup->rt->unplugging->len; i++)
        g_ptr_array_add(ids, g_strdup(sup->rt->unplugging->pdata[i]));
    for (guint i = 0; i < ids->len; i++) {
        const char *id = ids->pdata[i];

        if (!g_hash_table_contains(devices, id)) {
            finish_unplug(sup, id);
        } else {
            Unplug *u = g_new0(Unplug, 1);

            u->sup = sup;
            u->alias = g_strdup(id);
            g_hash_table_replace(unplugs(sup), u->alias, u);
        }
    }
}

/* Drop every record and timer; a waiter hears @err, or "not yet" (the
 * unplug stays recorded for the next supervisor) when @err is NULL */
static void
drop_all(QvSupervisor *sup, const GError *err)
{
    GHashTableIter it;
    gpointer val;

    if (sup->unplugs) {
        g_hash_table_iter_init(&it, sup->unplugs);
        while (g_hash_table_iter_next(&it, NULL, &val)) {
            Unplug *u = val;

            if (!u->req)
                continue;
            if (err)
                qv_ctl_reply_error(u->req, err);
            else
                qv_ctl_reply(u->req, json_object_new_boolean(false));
            u->req = NULL;
        }
    }
    g_clear_pointer(&sup->unplugs, g_hash_table_unref);
    while (sup->unplug_retries) {
        Retry *r = sup->unplug_retries->data;

        g_source_remove(r->source);
        retry_free(r);
        sup->unplug_retries = g_list_delete_link(sup->unplug_retries, sup->unplug_retries);
    }
}

/* Before the control server goes: the waiters still have a connection */
void
qv_sup_hotplug_clear(QvSupervisor *sup)
{
    drop_all(sup, NULL);
}

void
qv_sup_hotplug_qemu_gone(QvSupervisor *sup, const char *reason)
{
    g_autoptr(GError) err = NULL;

    g_set_error(&err, QV_ERROR, QV_ERR_OPERATION_INVALID,
                "domain '%s': QEMU exited (%s) before the unplug finished", sup->files->name, reason);
    drop_all(sup, err);
}

bool
qv_sup_hotplug_unplugging(QvSupervisor *sup, const QvDiskDef *disk)
{
    return sup->unplugs && disk->alias && g_hash_table_contains(sup->unplugs, disk->alias);
}
