/*
 * qv-disk-opts: string tables and life cycle of QvDiskOpts.
 */
#include "conf/qv-disk-opts.h"

#include <string.h>

#include "util/qv-enum.h"

#define TABLE(prefix, type, last, ...) \
    static const char *const prefix##_names[] = { __VA_ARGS__ }; \
    G_STATIC_ASSERT(G_N_ELEMENTS(prefix##_names) == last); \
    QV_ENUM_IMPL(prefix, type, prefix##_names)

TABLE(qv_disk_snapshot, QvDiskSnapshot, QV_SNAPSHOT_LAST,
      NULL, "no", "internal", "external", "manual")
TABLE(qv_error_policy, QvErrorPolicy, QV_ERROR_POLICY_LAST,
      NULL, "stop", "report", "ignore", "enospace")
TABLE(qv_geometry_trans, QvGeometryTrans, QV_GEOMETRY_TRANS_LAST,
      NULL, "none", "auto", "lba")
TABLE(qv_sgio, QvSgio, QV_SGIO_LAST, NULL, "filtered", "unfiltered")
TABLE(qv_disk_model, QvDiskModel, QV_DISK_MODEL_LAST,
      NULL, "virtio", "virtio-transitional", "virtio-non-transitional")

#define F(n) { #n, G_STRUCT_OFFSET(QvDiskIotune, n) }
/* libvirt's order (virDomainDiskDefFormatIotune) */
const QvIotuneField qv_iotune_fields[] = {
    F(total_bytes_sec), F(read_bytes_sec), F(write_bytes_sec),
    F(total_iops_sec), F(read_iops_sec), F(write_iops_sec),
    F(total_bytes_sec_max), F(read_bytes_sec_max), F(write_bytes_sec_max),
    F(total_iops_sec_max), F(read_iops_sec_max), F(write_iops_sec_max),
    F(size_iops_sec),
    F(total_bytes_sec_max_length), F(read_bytes_sec_max_length), F(write_bytes_sec_max_length),
    F(total_iops_sec_max_length), F(read_iops_sec_max_length), F(write_iops_sec_max_length),
};
#undef F
const size_t qv_iotune_nfields = G_N_ELEMENTS(qv_iotune_fields);

void
qv_disk_opts_clear(QvDiskOpts *o)
{
    g_free(o->iotune.group_name);
    g_free(o->wwn);
    g_free(o->vendor);
    g_free(o->product);
    g_free(o->addr_type);
    memset(o, 0, sizeof(*o));
}

void
qv_disk_iotune_merge(QvDiskIotune *t, const QvDiskIotune *given, const bool *set,
                     bool group_set)
{
    /* the first of each total, read, write triple in qv_iotune_fields */
    static const size_t triples[] = { 0, 3, 6, 9, 13, 16 };

    for (size_t k = 0; k < G_N_ELEMENTS(triples); k++) {
        size_t i = triples[k];
        bool total = set[i], rw = set[i + 1] || set[i + 2];

        if (total && !set[i + 1])
            QV_IOTUNE_VALUE(t, i + 1) = 0;
        if (total && !set[i + 2])
            QV_IOTUNE_VALUE(t, i + 2) = 0;
        if (rw && !total)
            QV_IOTUNE_VALUE(t, i) = 0;
    }
    for (size_t i = 0; i < qv_iotune_nfields; i++) {
        if (set[i])
            QV_IOTUNE_VALUE(t, i) = QV_IOTUNE_VALUE(given, i);
    }
    if (group_set) {
        g_free(t->group_name);
        t->group_name = given->group_name && *given->group_name ?
                        g_strdup(given->group_name) : NULL;
    }
}

bool
qv_disk_iotune_has_any(const QvDiskIotune *t)
{
    for (size_t i = 0; i < qv_iotune_nfields; i++) {
        if (QV_IOTUNE_VALUE(t, i))
            return true;
    }
    return false;
}

bool
qv_disk_iotune_equal(const QvDiskIotune *a, const QvDiskIotune *b)
{
    for (size_t i = 0; i < qv_iotune_nfields; i++) {
        if (QV_IOTUNE_VALUE(a, i) != QV_IOTUNE_VALUE(b, i))
            return false;
    }
    return g_strcmp0(a->group_name, b->group_name) == 0;
}

const char *
qv_disk_opts_diff(const QvDiskOpts *a, const QvDiskOpts *b)
{
    if (a->error_policy != b->error_policy)
        return "error_policy";
    if (a->rerror_policy != b->rerror_policy)
        return "rerror_policy";
    if (a->iothread != b->iothread)
        return "iothread";
    if (a->ioeventfd != b->ioeventfd)
        return "ioeventfd";
    if (a->event_idx != b->event_idx)
        return "event_idx";
    if (a->queues != b->queues)
        return "queues";
    if (a->queue_size != b->queue_size)
        return "queue_size";
    if (a->has_metadata_cache != b->has_metadata_cache ||
        a->metadata_cache_max != b->metadata_cache_max)
        return "metadata_cache";
    if (a->cyls != b->cyls || a->heads != b->heads || a->secs != b->secs ||
        a->trans != b->trans)
        return "geometry";
    if (a->logical_block_size != b->logical_block_size ||
        a->physical_block_size != b->physical_block_size)
        return "blockio";
    if (g_strcmp0(a->wwn, b->wwn) != 0)
        return "wwn";
    if (g_strcmp0(a->vendor, b->vendor) != 0)
        return "vendor";
    if (g_strcmp0(a->product, b->product) != 0)
        return "product";
    if (a->rotation_rate != b->rotation_rate)
        return "rotation_rate";
    if (a->removable != b->removable)
        return "removable";
    if (a->rawio != b->rawio)
        return "rawio";
    if (a->sgio != b->sgio)
        return "sgio";
    if (a->model != b->model)
        return "model";
    if (a->snapshot != b->snapshot)
        return "snapshot";
    if (a->share_backing != b->share_backing)
        return "transient shareBacking";
    if (!qv_disk_iotune_equal(&a->iotune, &b->iotune))
        return "iotune";
    return NULL;
}
