/*
 * qv-api-domain: the definition calls of the public API: define,
 * undefine, lookup, list, the XML and what the definition says (info,
 * metadata, os type, disks).  They work on the files under the root;
 * only the state asks the supervisor.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/qv-api-priv.h"
#include "conf/qv-domain-xml.h"
#include "qemu/qv-disk-props.h"
#include "supervisor/qv-status.h"
#include "util/qv-error.h"
#include "util/qv-json.h"

QvirtDomain *
qv_api_domain_new(QvirtConnect *conn, const QvDomainDef *def)
{
    QvirtDomain *dom = g_new0(QvirtDomain, 1);

    dom->conn = conn;
    dom->name = g_strdup(def->name);
    g_strlcpy(dom->uuid, def->uuid, sizeof(dom->uuid));
    return dom;
}

QvirtDomain *
qvirt_domain_lookup(QvirtConnect *conn, const char *name, GError **error)
{
    g_autoptr(QvDomainDef) def = qv_conn_lookup(conn->conn, name, error);

    return def ? qv_api_domain_new(conn, def) : NULL;
}

/* qvirt_domain_lookup takes either; these say which they were given */
QvirtDomain *
qvirt_domain_lookup_by_name(QvirtConnect *conn, const char *name, GError **error)
{
    g_autoptr(QvirtDomain) dom = qvirt_domain_lookup(conn, name, error);

    if (dom && g_strcmp0(dom->name, name) != 0) {
        g_set_error(error, QV_ERROR, QV_ERR_NO_DOMAIN, "domain '%s' is not defined", name);
        return NULL;
    }
    return g_steal_pointer(&dom);
}

QvirtDomain *
qvirt_domain_lookup_by_uuid(QvirtConnect *conn, const char *uuid, GError **error)
{
    g_autoptr(QvirtDomain) dom = qvirt_domain_lookup(conn, uuid, error);

    if (dom && g_ascii_strcasecmp(dom->uuid, uuid ? uuid : "") != 0) {
        g_set_error(error, QV_ERROR, QV_ERR_NO_DOMAIN, "domain '%s' is not defined", uuid);
        return NULL;
    }
    return g_steal_pointer(&dom);
}

void
qvirt_domain_free(QvirtDomain *dom)
{
    if (!dom)
        return;
    g_free(dom->name);
    g_free(dom);
}

const char *
qvirt_domain_get_name(const QvirtDomain *dom)
{
    return dom->name;
}

const char *
qvirt_domain_get_uuid_string(const QvirtDomain *dom)
{
    return dom->uuid;
}

/* The elements kept verbatim (one line, ", "-joined), then one line per
 * disk setting qvirt keeps but does not pass to QEMU; NULL when none */
static char *
kept_notes(const QvDomainDef *def)
{
    g_autofree char *elements = qv_domain_kept_summary(def);
    g_auto(GStrv) disks = qv_qemu_unapplied(def);
    g_autoptr(GString) all = g_string_new(elements);

    for (size_t i = 0; disks && disks[i]; i++)
        g_string_append_printf(all, "%s%s", all->len ? "\n" : "", disks[i]);
    return all->len ? g_string_free(g_steal_pointer(&all), FALSE) : NULL;
}

QvirtDomain *
qv_api_define(QvirtConnect *conn, const char *xml, const char *origin,
              unsigned int flags, bool *created, char **kept, GError **error)
{
    g_autoptr(QvDomainDef) def = NULL;
    bool is_new = false;

    if (kept)
        *kept = NULL;
    if (!qv_api_check_flags(flags, QVIRT_DOMAIN_DEFINE_VALIDATE |
                            QVIRT_DOMAIN_DEFINE_VALIDATE_CHAINS, "define", error))
        return NULL;
    if (!(def = qv_conn_define_xml(conn->conn, xml, origin,
                                   flags & QVIRT_DOMAIN_DEFINE_VALIDATE_CHAINS ?
                                   QV_DEFINE_VALIDATE_CHAINS : 0, &is_new, error)))
        return NULL;
    if (created)
        *created = is_new;
    if (kept)
        *kept = kept_notes(def);
    return qv_api_domain_new(conn, def);
}

QvirtDomain *
qvirt_domain_define_xml(QvirtConnect *conn, const char *xml, unsigned int flags,
                        GError **error)
{
    return qv_api_define(conn, xml, "the domain XML", flags, NULL, NULL, error);
}

int
qvirt_domain_undefine(QvirtDomain *dom, GError **error)
{
    return qv_conn_undefine(dom->conn->conn, dom->name, error) ? 0 : -1;
}

/* Whether a domain in @state passes the filters of @flags */
static bool
list_match(unsigned int flags, int state)
{
    const unsigned int active = QVIRT_CONNECT_LIST_DOMAINS_ACTIVE | QVIRT_CONNECT_LIST_DOMAINS_INACTIVE;
    const unsigned int persist = QVIRT_CONNECT_LIST_DOMAINS_PERSISTENT | QVIRT_CONNECT_LIST_DOMAINS_TRANSIENT;
    const unsigned int states = QVIRT_CONNECT_LIST_DOMAINS_RUNNING | QVIRT_CONNECT_LIST_DOMAINS_PAUSED |
                                QVIRT_CONNECT_LIST_DOMAINS_SHUTOFF | QVIRT_CONNECT_LIST_DOMAINS_OTHER;
    unsigned int mine = QVIRT_CONNECT_LIST_DOMAINS_PERSISTENT;

    mine |= state == QVIRT_DOMAIN_SHUTOFF ? QVIRT_CONNECT_LIST_DOMAINS_INACTIVE
                                          : QVIRT_CONNECT_LIST_DOMAINS_ACTIVE;
    mine |= state == QVIRT_DOMAIN_RUNNING ? QVIRT_CONNECT_LIST_DOMAINS_RUNNING :
            state == QVIRT_DOMAIN_PAUSED ? QVIRT_CONNECT_LIST_DOMAINS_PAUSED :
            state == QVIRT_DOMAIN_SHUTOFF ? QVIRT_CONNECT_LIST_DOMAINS_SHUTOFF :
            QVIRT_CONNECT_LIST_DOMAINS_OTHER;
    return (!(flags & active) || (flags & mine & active)) &&
           (!(flags & persist) || (flags & mine & persist)) &&
           (!(flags & states) || (flags & mine & states));
}

int
qvirt_connect_list_all_domains(QvirtConnect *conn, QvirtDomain ***domains,
                               unsigned int flags, GError **error)
{
    /* only the persistent group can be decided without the state */
    const unsigned int need_state = QVIRT_CONNECT_LIST_DOMAINS_ACTIVE | QVIRT_CONNECT_LIST_DOMAINS_INACTIVE |
                                    QVIRT_CONNECT_LIST_DOMAINS_RUNNING | QVIRT_CONNECT_LIST_DOMAINS_PAUSED |
                                    QVIRT_CONNECT_LIST_DOMAINS_SHUTOFF | QVIRT_CONNECT_LIST_DOMAINS_OTHER;
    g_autoptr(GPtrArray) names = NULL;
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)qvirt_domain_free);
    int n;

    if (domains)
        *domains = NULL;
    if (!qv_api_check_flags(flags, need_state | QVIRT_CONNECT_LIST_DOMAINS_PERSISTENT |
                            QVIRT_CONNECT_LIST_DOMAINS_TRANSIENT, "list all domains", error) ||
        !(names = qv_conn_list(conn->conn, error)))
        return -1;
    for (guint i = 0; i < names->len; i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(QvDomainDef) def = qv_conn_lookup(conn->conn, names->pdata[i], &err);
        g_autoptr(QvirtDomain) dom = NULL;
        int state = QVIRT_DOMAIN_SHUTOFF;

        if (!def) {
            /* undefined since it was listed */
            if (g_error_matches(err, QV_ERROR, QV_ERR_NO_DOMAIN))
                continue;
            g_propagate_error(error, g_steal_pointer(&err));
            return -1;
        }
        dom = qv_api_domain_new(conn, def);
        if ((flags & need_state) && qvirt_domain_get_state(dom, &state, NULL, 0, error) < 0)
            return -1;
        if (list_match(flags, state))
            g_ptr_array_add(out, g_steal_pointer(&dom));
    }
    n = (int)out->len;
    if (domains) {
        g_ptr_array_add(out, NULL);
        g_ptr_array_set_free_func(out, NULL);
        *domains = (QvirtDomain **)g_ptr_array_free(g_steal_pointer(&out), FALSE);
    }
    return n;
}

/* The stored definition of @dom */
static QvDomainDef *
stored_def(QvirtDomain *dom, GError **error)
{
    return qv_conn_lookup(dom->conn->conn, dom->name, error);
}

static QvDiskHealth *
health_entry(json_object *e, unsigned int index)
{
    QvDiskHealth *h;
    json_object *v = NULL;

    if (!e || !json_object_is_type(e, json_type_object) ||
        !json_object_object_get_ex(e, "event", &v))
        return NULL;
    h = g_new0(QvDiskHealth, 1);
    h->index = index;
    h->event = g_strdup(json_object_get_string(v));
    if (json_object_object_get_ex(e, "type", &v))
        h->type = g_strdup(json_object_get_string(v));
    if (json_object_object_get_ex(e, "error", &v))
        h->error = g_strdup(json_object_get_string(v));
    if (json_object_object_get_ex(e, "time", &v))
        h->time = json_object_get_int64(v);
    if (json_object_object_get_ex(e, "sector", &v))
        h->sector = (uint64_t)json_object_get_int64(v);
    if (json_object_object_get_ex(e, "count", &v))
        h->sectors = (uint64_t)json_object_get_int64(v);
    return h;
}

/* The last errors the supervisor recorded (state/NAME.health.json), on
 * the disks of the live definition: the live XML's <health> */
static void
add_health(QvDomainDef *def, const QvGuestFiles *files)
{
    g_autofree char *data = NULL;
    g_autoptr(json_object) doc = NULL;

    if (!g_file_get_contents(files->health, &data, NULL, NULL) ||
        !(doc = json_tokener_parse(data)) || !json_object_is_type(doc, json_type_object))
        return;
    for (size_t i = 0; i < def->ndisks; i++) {
        QvDiskDef *disk = def->disks[i];
        json_object *d = NULL, *e = NULL, *kids = NULL;
        QvDiskHealth *h;

        if (!json_object_object_get_ex(doc, disk->dst, &d))
            continue;
        if (json_object_object_get_ex(d, "error", &e) && (h = health_entry(e, 0)))
            qv_disk_add_health(disk, h);
        if (!json_object_object_get_ex(d, "children", &kids) ||
            !json_object_is_type(kids, json_type_object))
            continue;
        {
            json_object_object_foreach(kids, node, entry) {
                const char *f = strrchr(node, 'f');
                unsigned int index = f ? (unsigned int)strtoul(f + 1, NULL, 10) : 0;

                /* a node qvirt did not name (added over QMP) has no vdb[N] */
                if (index && qv_disk_find_index(disk, index) && (h = health_entry(entry, index)))
                    qv_disk_add_health(disk, h);
            }
        }
    }
}

/* What @dom runs with when it runs (its status document), else its
 * stored definition with the chains read from the images; *@live says
 * which */
static QvDomainDef *
current_def(QvirtDomain *dom, bool *live, GError **error)
{
    g_autoptr(QvGuestFiles) files = qv_guest_files_new(dom->conn->conn->paths, dom->name);
    g_autoptr(QvDomainDef) def = NULL;
    int state;

    *live = false;
    if (!(def = stored_def(dom, error)) || qvirt_domain_get_state(dom, &state, NULL, 0, error) < 0)
        return NULL;
    if (state != QVIRT_DOMAIN_SHUTOFF) {
        QvDomainDef *running = qv_domain_parse_file(files->status, QV_DOMAIN_XML_STATUS, NULL);

        if (running) {
            *live = true;
            add_health(running, files);
            return running;
        }
    }
    qv_domain_probe_chains(def);
    return g_steal_pointer(&def);
}

char *
qvirt_domain_get_xml_desc(QvirtDomain *dom, unsigned int flags, GError **error)
{
    g_autoptr(QvDomainDef) def = NULL;
    unsigned int xml_flags = flags & QVIRT_DOMAIN_XML_FLAT_CHAINS ? QV_DOMAIN_XML_FLAT_CHAINS : 0;
    bool live = false;

    if (!qv_api_check_flags(flags, QVIRT_DOMAIN_XML_INACTIVE | QVIRT_DOMAIN_XML_FLAT_CHAINS,
                            "domain XML", error))
        return NULL;
    if (flags & QVIRT_DOMAIN_XML_INACTIVE)
        def = stored_def(dom, error);
    else
        def = current_def(dom, &live, error);
    if (!def)
        return NULL;
    /* the live XML shows what runs: aliases, <mirror> */
    if (live)
        xml_flags |= QV_DOMAIN_XML_STATUS;
    return qv_domain_format_xml(def, xml_flags);
}

char *
qvirt_domain_get_metadata(QvirtDomain *dom, int type, const char *uri, unsigned int flags,
                          GError **error)
{
    g_autoptr(QvDomainDef) def = NULL;
    const char *what = type == QVIRT_DOMAIN_METADATA_TITLE ? "title" : "description";
    char *val;

    if (!qv_api_check_flags(flags, 0, "metadata", error))
        return NULL;
    if ((type != QVIRT_DOMAIN_METADATA_TITLE && type != QVIRT_DOMAIN_METADATA_DESCRIPTION) || uri) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "metadata: qvirt has the title and the description only (type %d)", type);
        return NULL;
    }
    if (!(def = stored_def(dom, error)))
        return NULL;
    val = type == QVIRT_DOMAIN_METADATA_TITLE ? def->title : def->description;
    if (!val) {
        g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND, "domain '%s' has no %s", dom->name, what);
        return NULL;
    }
    return g_strdup(val);
}

char *
qvirt_domain_get_os_type(QvirtDomain *dom, GError **error)
{
    g_autoptr(QvDomainDef) def = stored_def(dom, error);

    if (!def)
        return NULL;
    return g_strdup(def->os_type ? def->os_type : "hvm");
}

int
qvirt_domain_get_info(QvirtDomain *dom, QvirtDomainInfo *info, GError **error)
{
    g_autoptr(QvDomainDef) def = NULL;
    int state;

    memset(info, 0, sizeof(*info));
    if (!(def = stored_def(dom, error)) ||
        qvirt_domain_get_state(dom, &state, NULL, 0, error) < 0)
        return -1;
    info->state = (unsigned char)state;
    info->max_mem = (unsigned long)def->memory_kib;
    info->memory = (unsigned long)(def->current_memory_kib ? def->current_memory_kib : def->memory_kib);
    info->nr_virt_cpu = (unsigned short)def->vcpus;
    return 0;
}

int
qvirt_domain_get_disks(QvirtDomain *dom, QvirtDomainDisk **disks, unsigned int flags,
                       GError **error)
{
    g_autoptr(QvDomainDef) def = NULL;
    QvirtDomainDisk *out;
    bool live;

    *disks = NULL;

    if (!qv_api_check_flags(flags, QVIRT_DOMAIN_XML_INACTIVE, "disks", error) ||
        !(def = flags & QVIRT_DOMAIN_XML_INACTIVE ? stored_def(dom, error) :
                current_def(dom, &live, error)))
        return -1;
    out = g_new0(QvirtDomainDisk, def->ndisks + 1);
    for (size_t i = 0; i < def->ndisks; i++) {
        const QvDiskDef *d = def->disks[i];
        bool none = d->src->type == QV_STORAGE_NONE;

        out[i].target = g_strdup(d->dst);
        /* a disk without a source (an empty cdrom) is a file disk */
        out[i].type = g_strdup(qv_storage_type_to_string(none ? QV_STORAGE_FILE : d->src->type));
        out[i].device = g_strdup(qv_disk_device_to_string(d->device));
        out[i].source = d->has_source && !none ? qv_source_describe(d->src) : NULL;
    }
    *disks = out;
    return (int)def->ndisks;
}

void
qvirt_domain_disks_free(QvirtDomainDisk *disks, int ndisks)
{
    for (int i = 0; disks && i < ndisks; i++) {
        g_free(disks[i].target);
        g_free(disks[i].type);
        g_free(disks[i].device);
        g_free(disks[i].source);
    }
    g_free(disks);
}
