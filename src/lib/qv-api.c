/*
 * qv-api: the public C API of include/qvirt/qvirt.h: connections,
 * domains, and the block job calls, which check their arguments the way
 * libvirt does and hand the work to the guest's supervisor.
 */
#include <string.h>

#include <libxml/tree.h>

#include "qvirt/qvirt.h"
#include "conf/qv-conn.h"
#include "util/qv-error.h"
#include "util/qv-json.h"
#include "lib/qv-launch.h"
#include "conf/qv-xml-util.h"

struct _QvirtConnect {
    QvConn *conn;
};

struct _QvirtDomain {
    QvirtConnect *conn;          /* borrowed: the connection outlives it */
    char *name;
};

/* Block jobs may take long to end after a pivot or abort */
#define QV_JOB_CALL_TIMEOUT_MS (600 * 1000)

QvirtConnect *
qvirt_connect_open(const char *root, GError **error)
{
    QvConn *conn = qv_conn_open(root, error);
    QvirtConnect *c;

    if (!conn)
        return NULL;
    c = g_new0(QvirtConnect, 1);
    c->conn = conn;
    return c;
}

void
qvirt_connect_close(QvirtConnect *conn)
{
    if (!conn)
        return;
    qv_conn_free(conn->conn);
    g_free(conn);
}

QvirtDomain *
qvirt_domain_lookup(QvirtConnect *conn, const char *name, GError **error)
{
    g_autoptr(QvDomainDef) def = qv_conn_lookup(conn->conn, name, error);
    QvirtDomain *dom;

    if (!def)
        return NULL;
    dom = g_new0(QvirtDomain, 1);
    dom->conn = conn;
    dom->name = g_strdup(def->name);
    return dom;
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

static json_object *
request(const char *cmd, const char *disk)
{
    json_object *req = json_object_new_object();

    json_object_object_add(req, "cmd", json_object_new_string(cmd));
    json_object_object_add(req, "disk", json_object_new_string(disk));
    return req;
}

static int
call(QvirtDomain *dom, json_object *req, json_object **ret, GError **error)
{
    json_object *dummy = NULL;
    bool ok = qv_guest_call(dom->conn->conn, dom->name, req, QV_JOB_CALL_TIMEOUT_MS,
                            ret ? ret : &dummy, error);

    json_object_put(dummy);
    return ok ? 0 : -1;
}

static void
add_u64(json_object *req, const char *key, unsigned long long v)
{
    json_object_object_add(req, key, json_object_new_int64((int64_t)v));
}

/* libvirt's bandwidth: MiB/s unless the call's BYTES flag is set */
static bool
bandwidth_bytes(unsigned long bw, bool bytes, unsigned long long *out, GError **error)
{
    if (bytes) {
        *out = bw;
        return true;
    }
    if (bw > (unsigned long)(G_MAXINT64 >> 20)) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "bandwidth %lu MiB/s is too large", bw);
        return false;
    }
    *out = (unsigned long long)bw << 20;
    return true;
}

static bool
check_flags(unsigned int flags, unsigned int known, const char *what, GError **error)
{
    if (flags & ~known) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "%s: unsupported flags 0x%x", what, flags & ~known);
        return false;
    }
    return true;
}

/* A copy's destination from libvirt's <disk> XML: type file or block,
 * <driver type=...> optional, <source file=...|dev=...> */
static json_object *
parse_destxml(const char *xml, GError **error)
{
    g_autoptr(QvXmlDoc) doc = qv_xml_read(xml, strlen(xml), "the destination XML", error);
    g_autofree char *type = NULL, *path = NULL, *fmt = NULL;
    xmlNodePtr root, n;
    json_object *dest;

    if (!doc)
        return NULL;
    root = xmlDocGetRootElement(doc);
    if (!root || !qv_xml_is(root, "disk")) {
        g_set_error(error, QV_ERROR, QV_ERR_XML, "the destination XML must be a <disk> element");
        return NULL;
    }
    type = qv_xml_prop(root, "type");
    if (!type || (strcmp(type, "file") != 0 && strcmp(type, "block") != 0)) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED, "the destination disk must have type 'file' or 'block', not '%s'", type ? type : "");
        return NULL;
    }
    for (n = qv_xml_element(root->children); n; n = qv_xml_element(n->next)) {
        if (qv_xml_is(n, "driver"))
            fmt = qv_xml_prop(n, "type");
        else if (qv_xml_is(n, "source"))
            path = qv_xml_prop(n, strcmp(type, "file") == 0 ? "file" : "dev");
    }
    if (!path || !path[0] || path[0] != '/') {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "the destination XML needs <source %s='/absolute/path'/>", strcmp(type, "file") == 0 ? "file" : "dev");
        return NULL;
    }
    dest = json_object_new_object();
    json_object_object_add(dest, "type", json_object_new_string(type));
    json_object_object_add(dest, "path", json_object_new_string(path));
    if (fmt)
        json_object_object_add(dest, "format", json_object_new_string(fmt));
    return dest;
}

int
qvirt_domain_block_copy(QvirtDomain *dom, const char *disk, const char *destxml,
                        const QvirtTypedParameter *params, int nparams,
                        unsigned int flags, GError **error)
{
    json_object *req, *dest;

    if (!check_flags(flags, QVIRT_DOMAIN_BLOCK_COPY_SHALLOW | QVIRT_DOMAIN_BLOCK_COPY_REUSE_EXT |
                     QVIRT_DOMAIN_BLOCK_COPY_TRANSIENT_JOB | QVIRT_DOMAIN_BLOCK_COPY_SYNCHRONOUS_WRITES,
                     "block copy", error) ||
        !(dest = parse_destxml(destxml, error)))
        return -1;
    req = request("block-copy", disk);
    json_object_object_add(req, "dest", dest);
    add_u64(req, "flags", flags);
    for (int i = 0; i < nparams; i++) {
        const char *f = params[i].field;

        if (strcmp(f, QVIRT_DOMAIN_BLOCK_COPY_BANDWIDTH) != 0 &&
            strcmp(f, QVIRT_DOMAIN_BLOCK_COPY_GRANULARITY) != 0 &&
            strcmp(f, QVIRT_DOMAIN_BLOCK_COPY_BUF_SIZE) != 0) {
            json_object_put(req);
            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "block copy: unknown parameter '%s'", f);
            return -1;
        }
        if (strcmp(f, QVIRT_DOMAIN_BLOCK_COPY_GRANULARITY) == 0 &&
            (params[i].value < 512 || params[i].value > 64 << 20 ||
             (params[i].value & (params[i].value - 1)))) {
            json_object_put(req);
            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "block copy: granularity %llu must be a power of two between 512 and 64 MiB", params[i].value);
            return -1;
        }
        add_u64(req, f, params[i].value);
    }
    return call(dom, req, NULL, error);
}

int
qvirt_domain_block_rebase(QvirtDomain *dom, const char *disk, const char *base,
                          unsigned long bandwidth, unsigned int flags, GError **error)
{
    unsigned long long bw = 0;

    if (!check_flags(flags, QVIRT_DOMAIN_BLOCK_REBASE_SHALLOW | QVIRT_DOMAIN_BLOCK_REBASE_REUSE_EXT |
                     QVIRT_DOMAIN_BLOCK_REBASE_COPY_RAW | QVIRT_DOMAIN_BLOCK_REBASE_COPY |
                     QVIRT_DOMAIN_BLOCK_REBASE_RELATIVE | QVIRT_DOMAIN_BLOCK_REBASE_BANDWIDTH_BYTES,
                     "block rebase", error) ||
        !bandwidth_bytes(bandwidth, flags & QVIRT_DOMAIN_BLOCK_REBASE_BANDWIDTH_BYTES, &bw, error))
        return -1;
    if (flags & QVIRT_DOMAIN_BLOCK_REBASE_COPY) {
        unsigned int cflags = 0;
        g_autofree char *xml = NULL;
        g_autofree char *esc = NULL;
        QvirtTypedParameter p = { QVIRT_DOMAIN_BLOCK_COPY_BANDWIDTH, bw };

        if (!base || base[0] != '/') {
            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "block rebase: a copy needs the destination's absolute path as base");
            return -1;
        }
        if (flags & QVIRT_DOMAIN_BLOCK_REBASE_RELATIVE) {
            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "block rebase: RELATIVE does not apply to a copy");
            return -1;
        }
        if (flags & QVIRT_DOMAIN_BLOCK_REBASE_SHALLOW)
            cflags |= QVIRT_DOMAIN_BLOCK_COPY_SHALLOW;
        if (flags & QVIRT_DOMAIN_BLOCK_REBASE_REUSE_EXT)
            cflags |= QVIRT_DOMAIN_BLOCK_COPY_REUSE_EXT;
        esc = g_markup_escape_text(base, -1);
        xml = g_strdup_printf("<disk type='file'>%s<source file='%s'/></disk>",
                              flags & QVIRT_DOMAIN_BLOCK_REBASE_COPY_RAW ? "<driver type='raw'/>" : "",
                              esc);
        return qvirt_domain_block_copy(dom, disk, xml, &p, bw ? 1 : 0, cflags, error);
    }
    if (flags & (QVIRT_DOMAIN_BLOCK_REBASE_SHALLOW | QVIRT_DOMAIN_BLOCK_REBASE_REUSE_EXT |
                 QVIRT_DOMAIN_BLOCK_REBASE_COPY_RAW)) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "block rebase: SHALLOW, REUSE_EXT and COPY_RAW: each requires a copy job (the COPY flag)");
        return -1;
    }
    {
        json_object *req = request("block-pull", disk);

        if (base)
            json_object_object_add(req, "base", json_object_new_string(base));
        add_u64(req, "bandwidth", bw);
        add_u64(req, "flags", flags);
        return call(dom, req, NULL, error);
    }
}

int
qvirt_domain_block_pull(QvirtDomain *dom, const char *disk, unsigned long bandwidth,
                        unsigned int flags, GError **error)
{
    if (!check_flags(flags, QVIRT_DOMAIN_BLOCK_PULL_BANDWIDTH_BYTES, "block pull", error))
        return -1;
    return qvirt_domain_block_rebase(dom, disk, NULL, bandwidth,
                                     flags & QVIRT_DOMAIN_BLOCK_PULL_BANDWIDTH_BYTES ?
                                     QVIRT_DOMAIN_BLOCK_REBASE_BANDWIDTH_BYTES : 0, error);
}

int
qvirt_domain_block_commit(QvirtDomain *dom, const char *disk, const char *base,
                          const char *top, unsigned long bandwidth, unsigned int flags,
                          GError **error)
{
    unsigned long long bw = 0;
    json_object *req;

    if (!check_flags(flags, QVIRT_DOMAIN_BLOCK_COMMIT_SHALLOW | QVIRT_DOMAIN_BLOCK_COMMIT_DELETE |
                     QVIRT_DOMAIN_BLOCK_COMMIT_ACTIVE | QVIRT_DOMAIN_BLOCK_COMMIT_RELATIVE |
                     QVIRT_DOMAIN_BLOCK_COMMIT_BANDWIDTH_BYTES, "block commit", error) ||
        !bandwidth_bytes(bandwidth, flags & QVIRT_DOMAIN_BLOCK_COMMIT_BANDWIDTH_BYTES, &bw, error))
        return -1;
    req = request("block-commit", disk);
    if (base)
        json_object_object_add(req, "base", json_object_new_string(base));
    if (top)
        json_object_object_add(req, "top", json_object_new_string(top));
    add_u64(req, "bandwidth", bw);
    add_u64(req, "flags", flags);
    return call(dom, req, NULL, error);
}

int
qvirt_domain_block_job_abort(QvirtDomain *dom, const char *disk, unsigned int flags,
                             GError **error)
{
    json_object *req;

    if (!check_flags(flags, QVIRT_DOMAIN_BLOCK_JOB_ABORT_ASYNC | QVIRT_DOMAIN_BLOCK_JOB_ABORT_PIVOT,
                     "block job abort", error))
        return -1;
    req = request("block-job-abort", disk);
    add_u64(req, "flags", flags);
    return call(dom, req, NULL, error);
}

int
qvirt_domain_get_block_job_info(QvirtDomain *dom, const char *disk,
                                QvirtDomainBlockJobInfo *info, unsigned int flags,
                                GError **error)
{
    g_autoptr(json_object) ret = NULL;
    static const char *const types[] = { "unknown", "pull", "copy", "commit", "active-commit" };
    const char *type = NULL;
    uint64_t v = 0;
    bool found = false;

    memset(info, 0, sizeof(*info));
    if (!check_flags(flags, QVIRT_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES, "block job info", error) ||
        call(dom, request("block-job-info", disk), &ret, error) < 0)
        return -1;
    if (!ret)
        return 0;
    qv_json_get_string(ret, "type", &type, NULL);
    for (int i = 0; type && i < (int)G_N_ELEMENTS(types); i++) {
        if (strcmp(types[i], type) == 0)
            info->type = i;
    }
    if (qv_json_get_uint64(ret, "cur", &v, &found, NULL) && found)
        info->cur = v;
    if (qv_json_get_uint64(ret, "end", &v, &found, NULL) && found)
        info->end = v;
    if (qv_json_get_uint64(ret, "bandwidth", &v, &found, NULL) && found)
        info->bandwidth = (flags & QVIRT_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES) ? v : v >> 20;
    /* as libvirt: for a copy or active commit, cur == end means ready
     * (pivot possible), and only then */
    if (info->type == QVIRT_DOMAIN_BLOCK_JOB_TYPE_COPY ||
        info->type == QVIRT_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT) {
        json_object *r = NULL;
        bool ready = json_object_object_get_ex(ret, "ready", &r) && json_object_get_boolean(r);

        if (ready)
            info->cur = info->end;
        else if (info->cur == info->end)
            info->end++;
    }
    return 1;
}

int
qvirt_domain_block_job_set_speed(QvirtDomain *dom, const char *disk, unsigned long bandwidth,
                                 unsigned int flags, GError **error)
{
    unsigned long long bw = 0;
    json_object *req;

    if (!check_flags(flags, QVIRT_DOMAIN_BLOCK_JOB_SPEED_BANDWIDTH_BYTES, "block job speed", error) ||
        !bandwidth_bytes(bandwidth, flags & QVIRT_DOMAIN_BLOCK_JOB_SPEED_BANDWIDTH_BYTES, &bw, error))
        return -1;
    req = request("block-job-speed", disk);
    add_u64(req, "bandwidth", bw);
    return call(dom, req, NULL, error);
}


int
qvirt_domain_snapshot_create_xml(QvirtDomain *dom, const char *xml, unsigned int flags,
                                 GError **error)
{
    g_autoptr(QvXmlDoc) doc = NULL;
    g_autofree char *name = NULL;
    json_object *req, *disks;
    xmlNodePtr root, n;

    if (!check_flags(flags, QVIRT_DOMAIN_SNAPSHOT_CREATE_NO_METADATA | QVIRT_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY |
                     QVIRT_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT | QVIRT_DOMAIN_SNAPSHOT_CREATE_ATOMIC,
                     "snapshot", error))
        return -1;
    if (!(flags & QVIRT_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY)) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED, "snapshot: only disk-only snapshots are supported (give DISK_ONLY, --disk-only)");
        return -1;
    }
    if (!(doc = qv_xml_read(xml, strlen(xml), "the snapshot XML", error)))
        return -1;
    root = xmlDocGetRootElement(doc);
    if (!root || !qv_xml_is(root, "domainsnapshot")) {
        g_set_error(error, QV_ERROR, QV_ERR_XML, "the snapshot XML must be a <domainsnapshot> element");
        return -1;
    }
    disks = json_object_new_array();
    for (n = qv_xml_element(root->children); n; n = qv_xml_element(n->next)) {
        if (qv_xml_is(n, "name")) {
            g_free(name);
            name = qv_xml_text(n);
        } else if (qv_xml_is(n, "disks")) {
            for (xmlNodePtr d = qv_xml_element(n->children); d; d = qv_xml_element(d->next)) {
                g_autofree char *dn = qv_xml_prop(d, "name");
                g_autofree char *mode = qv_xml_prop(d, "snapshot");
                json_object *o;

                if (!qv_xml_is(d, "disk") || !dn) {
                    json_object_put(disks);
                    g_set_error(error, QV_ERROR, QV_ERR_XML, "the snapshot XML: <disks> holds <disk name='...'> elements");
                    return -1;
                }
                o = json_object_new_object();
                json_object_object_add(o, "disk", json_object_new_string(dn));
                if (mode)
                    json_object_object_add(o, "snapshot", json_object_new_string(mode));
                for (xmlNodePtr s = qv_xml_element(d->children); s; s = qv_xml_element(s->next)) {
                    g_autofree char *file = qv_xml_is(s, "source") ? qv_xml_prop(s, "file") : NULL;

                    if (file)
                        json_object_object_add(o, "file", json_object_new_string(file));
                }
                json_object_array_add(disks, o);
            }
        }
    }
    if (!name) {
        g_autoptr(GDateTime) now = g_date_time_new_now_utc();

        name = g_strdup_printf("%" G_GINT64_FORMAT, g_date_time_to_unix(now));
    }
    req = json_object_new_object();
    json_object_object_add(req, "cmd", json_object_new_string("snapshot"));
    json_object_object_add(req, "name", json_object_new_string(name));
    json_object_object_add(req, "disks", disks);
    json_object_object_add(req, "reuse", json_object_new_boolean(!!(flags & QVIRT_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT)));
    json_object_object_add(req, "no-metadata", json_object_new_boolean(!!(flags & QVIRT_DOMAIN_SNAPSHOT_CREATE_NO_METADATA)));
    return call(dom, req, NULL, error);
}

int
qvirt_domain_block_job_wait(QvirtDomain *dom, const char *disk, unsigned int timeout_ms,
                            GError **error)
{
    g_autoptr(json_object) ret = NULL;
    json_object *v = NULL;

    if (!qv_guest_call(dom->conn->conn, dom->name, request("block-job-wait", disk),
                       timeout_ms ? timeout_ms : QV_JOB_CALL_TIMEOUT_MS, &ret, error))
        return -1;
    return ret && json_object_object_get_ex(ret, "ready", &v) && json_object_get_boolean(v);
}
