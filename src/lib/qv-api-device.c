/*
 * qv-api-device: the device calls of the public API for disks:
 * attach, detach (by target or alias) and update (media change), on the
 * running guest (its supervisor does the QMP work, qv-sup-hotplug.c), on
 * the definition, or both, with libvirt's impact flags.
 *
 * As libvirt does, a disk is checked for the definition before the live
 * guest is touched, and the definition is written only once the live
 * change worked: a failure leaves both as they were.
 */
#include <string.h>

#include "conf/qv-domain-xml.h"
#include "lib/qv-api-priv.h"
#include "lib/qv-launch.h"
#include "supervisor/qv-status.h"
#include "util/qv-error.h"
#include "util/qv-json.h"

/* A hotplug opens every layer of a chain: thousands take a while */
#define ATTACH_TIMEOUT_MS (10 * 60 * 1000)

#define IMPACT_FLAGS (QVIRT_DOMAIN_AFFECT_LIVE | QVIRT_DOMAIN_AFFECT_CONFIG)

/* What @flags ask for: *live and *config, as virsh and libvirt mean them */
static bool
impact(QvirtDomain *dom, unsigned int flags, unsigned int known, const char *what,
       bool *live, bool *config, GError **error)
{
    QvGuestState st;

    if (!qv_api_check_flags(flags, known | IMPACT_FLAGS, what, error) ||
        !qv_guest_state(dom->conn->conn, dom->name, &st, NULL, error))
        return false;
    if (!(flags & IMPACT_FLAGS)) {
        *live = st != QV_GUEST_SHUTOFF;
        *config = !*live;
    } else {
        *live = flags & QVIRT_DOMAIN_AFFECT_LIVE;
        *config = flags & QVIRT_DOMAIN_AFFECT_CONFIG;
    }
    if (*live && st == QV_GUEST_SHUTOFF) {
        g_set_error(error, QV_ERROR, QV_ERR_OPERATION_INVALID, "domain '%s' is not running",
                    dom->name);
        return false;
    }
    return true;
}

/* The one <disk> of @xml; other devices are not qvirt's to plug */
static QvDiskDef *
parse_disk(const char *xml, unsigned int flags, GError **error)
{
    if (!xml) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "no device XML given");
        return NULL;
    }
    return qv_disk_parse_xml(xml, "the device XML", flags, error);
}

/* A disk checked the way define checks one (schema, libvirt's rules,
 * QEMU's), inside a domain of its own */
static bool
check_alone(QvirtDomain *dom, const QvDiskDef *disk, const char *machine, GError **error)
{
    g_autoptr(QvDomainDef) checked = NULL;
    g_autofree char *xml = NULL;
    GString *buf = g_string_new(NULL);

    qv_disk_format(buf, disk, 0, 4);
    xml = g_strdup_printf("<domain type='qemu'><name>%s</name><memory>131072</memory>"
                          "<os><type%s%s%s>hvm</type></os><devices>\n%s</devices></domain>",
                          "qvirt-device-check", machine ? " machine='" : "", machine ? machine : "",
                          machine ? "'" : "", buf->str);
    g_string_free(buf, TRUE);
    checked = qv_conn_check_xml(xml, "the device XML", 0, dom->conn->conn->validate_def, error);
    return checked != NULL;
}

/* @def (changed) checked as define checks it, as XML */
static char *
checked_xml(QvirtDomain *dom, QvDomainDef *def, GError **error)
{
    g_autofree char *xml = qv_domain_format_xml(def, 0);
    g_autoptr(QvDomainDef) checked = qv_conn_check_xml(xml, "the definition", 0,
                                                       dom->conn->conn->validate_def, error);

    return checked ? g_steal_pointer(&xml) : NULL;
}

static bool
store(QvirtDomain *dom, const char *xml, GError **error)
{
    g_autoptr(QvDomainDef) def = qv_conn_define_xml(dom->conn->conn, xml, "the definition", 0,
                                                    NULL, error);

    return def != NULL;
}

/* ---- attach ---- */

int
qvirt_domain_attach_device_flags(QvirtDomain *dom, const char *xml, unsigned int flags,
                                 GError **error)
{
    g_autoptr(QvDiskDef) disk = NULL;
    g_autoptr(QvDomainDef) def = NULL;
    g_autofree char *newxml = NULL;
    bool live, config;

    if (!impact(dom, flags, 0, "attach device", &live, &config, error) ||
        !(disk = parse_disk(xml, 0, error)) ||
        !(def = qv_conn_lookup(dom->conn->conn, dom->name, error)) ||
        !check_alone(dom, disk, def->os_machine, error))
        return -1;
    if (config) {
        g_autoptr(QvDiskDef) copy = parse_disk(xml, 0, error);

        if (!copy)
            return -1;
        if (qv_domain_find_disk(def, disk->dst)) {
            g_set_error(error, QV_ERROR, QV_ERR_OPERATION_INVALID, "target %s already exists",
                        disk->dst);
            return -1;
        }
        qv_domain_add_disk(def, &copy);
        if (!(newxml = checked_xml(dom, def, error)))
            return -1;
    }
    if (live) {
        g_auto(QvCtlArgs) args = { .xml = g_strdup(xml) };

        if (!qv_api_call(dom, QV_CTL_ATTACH_DISK, &args, ATTACH_TIMEOUT_MS, NULL, error))
            return -1;
    }
    if (config && !store(dom, newxml, error))
        return -1;
    return 0;
}

/* ---- detach ---- */

/* The live definition (the supervisor's status document) */
static QvDomainDef *
live_def(QvirtDomain *dom, GError **error)
{
    g_autoptr(QvGuestFiles) files = qv_guest_files_new(dom->conn->conn->paths, dom->name);

    return qv_domain_parse_file(files->status, QV_DOMAIN_XML_STATUS | QV_DOMAIN_XML_NO_SCHEMA,
                                error);
}

/* Live: 0 gone, 1 not yet; -1 error */
static int
detach_live(QvirtDomain *dom, const char *dst, gint64 wait_ms, GError **error)
{
    g_auto(QvCtlArgs) args = { .disk = g_strdup(dst) };
    g_autoptr(json_object) ret = NULL;

    if (wait_ms >= 0) {
        args.wait = (uint64_t)wait_ms;
        args.has_wait = true;
    }
    if (!qv_api_call(dom, QV_CTL_DETACH_DISK, &args, QV_API_CALL_TIMEOUT_MS, &ret, error))
        return -1;
    return ret && json_object_get_boolean(ret) ? 0 : 1;
}

/* The definition without disk @dst, checked; NULL with libvirt's error */
static char *
config_without(QvirtDomain *dom, const char *dst, GError **error)
{
    g_autoptr(QvDomainDef) def = qv_conn_lookup(dom->conn->conn, dom->name, error);
    QvDiskDef *disk;

    if (!def)
        return NULL;
    if (!(disk = qv_domain_find_disk(def, dst))) {
        g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND, "no target device %s", dst);
        return NULL;
    }
    qv_disk_def_free(qv_domain_take_disk(def, disk));
    return checked_xml(dom, def, error);
}

static int
detach(QvirtDomain *dom, const char *dst, bool live, bool config, gint64 wait_ms,
       GError **error)
{
    g_autofree char *newxml = NULL;
    int r = 0;

    if (config && !(newxml = config_without(dom, dst, error)))
        return -1;
    if (live) {
        g_autoptr(QvDomainDef) ldef = live_def(dom, error);

        if (!ldef)
            return -1;
        if (!qv_domain_find_disk(ldef, dst)) {
            g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND, "disk %s not found", dst);
            return -1;
        }
        if ((r = detach_live(dom, dst, wait_ms, error)) < 0)
            return -1;
    }
    if (config && !store(dom, newxml, error))
        return -1;
    return r;
}

int
qvirt_domain_detach_device_flags(QvirtDomain *dom, const char *xml, unsigned int flags,
                                 GError **error)
{
    g_autoptr(QvDiskDef) disk = NULL;
    bool live, config;

    if (!impact(dom, flags, 0, "detach device", &live, &config, error) ||
        !(disk = parse_disk(xml, 0, error)))
        return -1;
    return detach(dom, disk->dst, live, config, -1, error);
}

int
qvirt_domain_detach_device_alias(QvirtDomain *dom, const char *alias, unsigned int flags,
                                 GError **error)
{
    g_autoptr(QvDomainDef) def = NULL;
    const char *dst = NULL;
    bool live, config;

    if (!impact(dom, flags, 0, "detach device alias", &live, &config, error))
        return -1;
    if (!alias || !*alias) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "no device alias given");
        return -1;
    }
    /* the live aliases name the live disks; the definition keeps only
     * the user's (ua-*) */
    if (!(def = live ? live_def(dom, error) : qv_conn_lookup(dom->conn->conn, dom->name, error)))
        return -1;
    for (size_t i = 0; i < def->ndisks && !dst; i++) {
        if (g_strcmp0(def->disks[i]->alias, alias) == 0)
            dst = def->disks[i]->dst;
    }
    if (!dst) {
        g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND, "no device found with alias %s", alias);
        return -1;
    }
    /* libvirt's detach by alias never waits for the guest */
    return detach(dom, dst, live, config, 0, error);
}

/* ---- update ---- */

/* The first field update-device may not change (libvirt's
 * qemuDomainDiskChangeSupported, for the fields qvirt models), or NULL */
static const char *
unchangeable(const QvDiskDef *a, const QvDiskDef *b)
{
    if (a->device != b->device)
        return "device";
    if (a->bus != b->bus)
        return "target bus";
    if (a->cache != b->cache)
        return "cache";
    if (a->io != b->io)
        return "io";
    if (a->discard != b->discard)
        return "discard";
    if (a->detect_zeroes != b->detect_zeroes)
        return "detect_zeroes";
    if (a->copy_on_read != b->copy_on_read)
        return "copy_on_read";
    if (a->readonly != b->readonly)
        return "readonly";
    if (a->shareable != b->shareable)
        return "shareable";
    if (a->transient != b->transient)
        return "transient";
    if (g_strcmp0(a->serial, b->serial) != 0)
        return "serial";
    if (a->boot_order != b->boot_order)
        return "boot order";
    if (g_strcmp0(a->address_xml, b->address_xml) != 0)
        return "address";
    return qv_disk_opts_diff(&a->opts, &b->opts);
}

/* The definition with @nd's source on its disk: the one thing (with its
 * startupPolicy) update-device changes; changing anything else is
 * refused, as libvirt refuses it */
static char *
config_updated(QvirtDomain *dom, QvDiskDef *nd, GError **error)
{
    g_autoptr(QvDomainDef) def = qv_conn_lookup(dom->conn->conn, dom->name, error);
    QvDiskDef *disk;
    const char *field;

    if (!def)
        return NULL;
    if (!(disk = qv_domain_find_disk(def, nd->dst))) {
        g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND, "target %s doesn't exist.", nd->dst);
        return NULL;
    }
    if ((field = unchangeable(disk, nd))) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED, "cannot modify field '%s' of the disk",
                    field);
        return NULL;
    }
    disk->startup_policy = nd->startup_policy;
    qv_source_free(disk->src);
    disk->src = qv_source_copy(nd->src);
    disk->has_source = nd->has_source;
    disk->chain_given = nd->chain_given;
    return checked_xml(dom, def, error);
}

int
qvirt_domain_update_device_flags(QvirtDomain *dom, const char *xml, unsigned int flags,
                                 GError **error)
{
    g_autoptr(QvDiskDef) nd = NULL;
    g_autofree char *newxml = NULL;
    bool live, config;

    if (!impact(dom, flags, QVIRT_DOMAIN_DEVICE_MODIFY_FORCE, "update device", &live, &config,
                error) ||
        !(nd = parse_disk(xml, 0, error)))
        return -1;
    if (config && !(newxml = config_updated(dom, nd, error)))
        return -1;
    if (live) {
        g_autoptr(QvDomainDef) ldef = live_def(dom, error);
        QvDiskDef *have = ldef ? qv_domain_find_disk(ldef, nd->dst) : NULL;
        const char *field;

        if (!ldef)
            return -1;
        if (!have) {
            g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND, "target %s doesn't exist.", nd->dst);
            return -1;
        }
        if ((field = unchangeable(have, nd))) {
            g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED, "cannot modify field '%s' of the disk",
                        field);
            return -1;
        }
    }
    if (live) {
        g_auto(QvCtlArgs) args = { .disk = g_strdup(nd->dst),
                                   .flags = flags & QVIRT_DOMAIN_DEVICE_MODIFY_FORCE };

        if (nd->has_source)
            args.xml = g_strdup(xml);
        if (!qv_api_call(dom, QV_CTL_CHANGE_MEDIA, &args, ATTACH_TIMEOUT_MS, NULL, error))
            return -1;
    }
    if (config && !store(dom, newxml, error))
        return -1;
    return 0;
}
