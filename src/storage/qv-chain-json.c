/*
 * qv-chain-json: JSON for chains.  Field names and order are part of the
 * command-line interface: scripts read them, so change them only by
 * adding.
 */
#include "qv-chain-json.h"

#include "qv-chain.h"

static void
add_str(struct json_object *o, const char *key, const char *val)
{
    json_object_object_add(o, key, val ? json_object_new_string(val) : NULL);
}

static void
add_u64(struct json_object *o, const char *key, uint64_t val)
{
    json_object_object_add(o, key, json_object_new_uint64(val));
}

static struct json_object *
hosts_to_json(const QvStorageSource *src)
{
    struct json_object *arr = json_object_new_array();

    for (size_t i = 0; i < src->nhosts; i++) {
        const QvStorageHost *h = &src->hosts[i];
        struct json_object *o = json_object_new_object();

        add_str(o, "transport", qv_transport_to_string(h->transport));
        if (h->transport == QV_TRANSPORT_UNIX) {
            add_str(o, "socket", h->socket);
        } else {
            add_str(o, "name", h->name);
            json_object_object_add(o, "port",
                                   json_object_new_int64(h->port ? h->port :
                                       qv_protocol_default_port(src->protocol)));
        }
        json_object_array_add(arr, o);
    }
    return arr;
}

static void
add_location(struct json_object *o, const QvStorageSource *src)
{
    g_autofree char *desc = NULL;

    switch (src->type) {
    case QV_STORAGE_FILE:
    case QV_STORAGE_BLOCK:
    case QV_STORAGE_DIR:
        add_str(o, "path", src->path);
        if (src->relpath)
            add_str(o, "relative-path", src->relpath);
        return;
    case QV_STORAGE_NETWORK:
        desc = qv_source_describe(src);
        add_str(o, "address", desc);
        add_str(o, "protocol", qv_protocol_to_string(src->protocol));
        add_str(o, "name", src->path);
        json_object_object_add(o, "hosts", hosts_to_json(src));
        if (src->query)
            add_str(o, "query", src->query);
        if (src->snapshot)
            add_str(o, "snapshot", src->snapshot);
        if (src->config)
            add_str(o, "config", src->config);
        if (src->user)
            add_str(o, "user", src->user);
        return;
    case QV_STORAGE_VOLUME:
        add_str(o, "pool", src->pool);
        add_str(o, "volume", src->path);
        return;
    case QV_STORAGE_QUORUM:
        add_u64(o, "threshold", src->threshold);
        return;
    case QV_STORAGE_NONE:
    case QV_STORAGE_LAST:
        return;
    }
}

struct json_object *
qv_source_to_json(const QvStorageSource *src)
{
    struct json_object *o = json_object_new_object();

    add_str(o, "type", qv_storage_type_to_string(src->type));
    add_location(o, src);
    if (src->type != QV_STORAGE_QUORUM) {
        add_str(o, "format", src->format == QV_FORMAT_NONE ? NULL :
                qv_format_to_string(src->format));
        json_object_object_add(o, "format-probed",
                               json_object_new_boolean(src->format_probed));
    }
    if (src->format_version)
        add_u64(o, "format-version", src->format_version);
    if (src->sizes_known) {
        add_u64(o, "virtual-size", src->capacity);
        add_u64(o, "allocation", src->allocation);
        add_u64(o, "physical", src->physical);
    }
    add_str(o, "backing-name", src->backing_name);
    add_str(o, "backing-format", src->backing_format == QV_FORMAT_NONE ?
            NULL : qv_format_to_string(src->backing_format));
    if (src->data_file) {
        add_str(o, "data-file", src->data_file);
        json_object_object_add(o, "data-file-raw",
                               json_object_new_boolean(src->data_file_raw));
    }
    json_object_object_add(o, "encrypted",
                           json_object_new_boolean(src->encrypted));
    if (src->encryption)
        add_str(o, "encryption", src->encryption);
    json_object_object_add(o, "read-only",
                           json_object_new_boolean(src->readonly));
    /* false: what lies below this element was not read (network) */
    json_object_object_add(o, "backing-known",
                           json_object_new_boolean(src->backing_known));
    return o;
}

static void
append_element(const QvStorageSource *src, size_t index, gssize parent,
               unsigned int depth, void *opaque)
{
    struct json_object *arr = opaque;
    struct json_object *el = json_object_new_object();
    struct json_object *body = qv_source_to_json(src);

    json_object_object_add(el, "index", json_object_new_uint64(index));
    json_object_object_add(el, "parent", parent < 0 ? NULL :
                           json_object_new_uint64((uint64_t)parent));
    {
        json_object_object_foreach(body, key, val) {
            json_object_object_add(el, key, json_object_get(val));
        }
    }
    json_object_put(body);
    json_object_array_add(arr, el);
}

struct json_object *
qv_chain_to_json(const QvStorageSource *top)
{
    struct json_object *root = json_object_new_object();
    struct json_object *arr = json_object_new_array();

    qv_chain_foreach(top, append_element, arr);
    json_object_object_add(root, "elements", arr);
    return root;
}

char *
qv_chain_format_json(const QvStorageSource *top)
{
    struct json_object *root = qv_chain_to_json(top);
    char *out = g_strdup_printf("%s\n",
        json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
                                             JSON_C_TO_STRING_SPACED |
                                             JSON_C_TO_STRING_NOSLASHESCAPE));

    json_object_put(root);
    return out;
}
