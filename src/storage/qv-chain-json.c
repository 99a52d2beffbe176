/*
 * qv-chain-json: JSON for chains.  Field names and order are part of the
 * command-line interface: scripts read them, so change them only by
 * adding.
 */
#include "storage/qv-chain-json.h"

#include "storage/qv-chain.h"

static void
write_hosts(QvJsonWriter *w, const QvStorageSource *src)
{
    qv_json_begin_array(w, "hosts");
    for (size_t i = 0; i < src->nhosts; i++) {
        const QvStorageHost *h = &src->hosts[i];

        qv_json_begin_object(w, NULL);
        qv_json_string(w, "transport", qv_transport_to_string(h->transport));
        if (h->transport == QV_TRANSPORT_UNIX) {
            qv_json_string(w, "socket", h->socket);
        } else {
            qv_json_string(w, "name", h->name);
            qv_json_uint(w, "port", h->port ? h->port :
                         qv_protocol_default_port(src->protocol));
        }
        qv_json_end_object(w);
    }
    qv_json_end_array(w);
}

static void
write_location(QvJsonWriter *w, const QvStorageSource *src)
{
    g_autofree char *desc = NULL;

    switch (src->type) {
    case QV_STORAGE_FILE:
    case QV_STORAGE_BLOCK:
    case QV_STORAGE_DIR:
        qv_json_string(w, "path", src->path);
        if (src->relpath)
            qv_json_string(w, "relative-path", src->relpath);
        return;
    case QV_STORAGE_NETWORK:
        desc = qv_source_describe(src);
        qv_json_string(w, "address", desc);
        qv_json_string(w, "protocol", qv_protocol_to_string(src->protocol));
        qv_json_string(w, "name", src->path);
        write_hosts(w, src);
        if (src->query)
            qv_json_string(w, "query", src->query);
        if (src->snapshot)
            qv_json_string(w, "snapshot", src->snapshot);
        if (src->config)
            qv_json_string(w, "config", src->config);
        if (src->user)
            qv_json_string(w, "user", src->user);
        return;
    case QV_STORAGE_VOLUME:
        qv_json_string(w, "pool", src->pool);
        qv_json_string(w, "volume", src->path);
        return;
    case QV_STORAGE_QUORUM:
        qv_json_uint(w, "threshold", src->threshold);
        return;
    case QV_STORAGE_NVME:
    case QV_STORAGE_VHOSTUSER:
        desc = qv_source_describe(src);
        qv_json_string(w, "address", desc);
        return;
    case QV_STORAGE_NONE:
    case QV_STORAGE_LAST:
        return;
    }
}

void
qv_source_write_json(QvJsonWriter *w, const QvStorageSource *src)
{
    qv_json_string(w, "type", qv_storage_type_to_string(src->type));
    write_location(w, src);
    if (src->type != QV_STORAGE_QUORUM) {
        qv_json_string(w, "format", src->format == QV_FORMAT_NONE ? NULL :
                       qv_format_to_string(src->format));
        qv_json_bool(w, "format-probed", src->format_probed);
    }
    if (src->format_version)
        qv_json_uint(w, "format-version", src->format_version);
    if (src->sizes_known) {
        qv_json_uint(w, "virtual-size", src->capacity);
        qv_json_uint(w, "allocation", src->allocation);
        qv_json_uint(w, "physical", src->physical);
    }
    qv_json_string(w, "backing-name", src->backing_name);
    qv_json_string(w, "backing-format", src->backing_format == QV_FORMAT_NONE ?
                   NULL : qv_format_to_string(src->backing_format));
    if (src->data_file) {
        qv_json_string(w, "data-file", src->data_file);
        qv_json_bool(w, "data-file-raw", src->data_file_raw);
    }
    qv_json_bool(w, "encrypted", src->encrypted);
    if (src->encryption)
        qv_json_string(w, "encryption", src->encryption);
    qv_json_bool(w, "read-only", src->readonly);
    /* false: what lies below this element was not read (network) */
    qv_json_bool(w, "backing-known", src->backing_known);
}

static void
write_element(const QvStorageSource *src, size_t index, gssize parent,
              unsigned int depth, void *opaque)
{
    QvJsonWriter *w = opaque;

    qv_json_begin_object(w, NULL);
    qv_json_uint(w, "index", index);
    if (parent < 0)
        qv_json_null(w, "parent");
    else
        qv_json_uint(w, "parent", (uint64_t)parent);
    qv_source_write_json(w, src);
    qv_json_end_object(w);
}

char *
qv_chain_format_json(const QvStorageSource *top)
{
    g_autoptr(QvJsonWriter) w = qv_json_writer_new();

    qv_json_begin_object(w, NULL);
    qv_json_begin_array(w, "elements");
    qv_chain_foreach(top, write_element, w);
    qv_json_end_array(w);
    qv_json_end_object(w);
    return qv_json_writer_finish(&w);
}
