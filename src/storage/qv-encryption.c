/*
 * qv-encryption: the <encryption> of a storage source (see the header).
 */
#include "storage/qv-encryption.h"

#include <string.h>

#include "util/qv-enum.h"

static const char *const enc_format_names[] = {
    [QV_ENC_FORMAT_DEFAULT] = "default",
    [QV_ENC_FORMAT_QCOW] = "qcow",
    [QV_ENC_FORMAT_LUKS] = "luks",
    [QV_ENC_FORMAT_LUKS2] = "luks2",
};
G_STATIC_ASSERT(G_N_ELEMENTS(enc_format_names) == QV_ENC_FORMAT_LAST);
QV_ENUM_IMPL(qv_enc_format, QvEncFormat, enc_format_names)

static const char *const enc_engine_names[] = {
    [QV_ENC_ENGINE_DEFAULT] = NULL,
    [QV_ENC_ENGINE_QEMU] = "qemu",
    [QV_ENC_ENGINE_LIBRBD] = "librbd",
};
G_STATIC_ASSERT(G_N_ELEMENTS(enc_engine_names) == QV_ENC_ENGINE_LAST);
QV_ENUM_IMPL(qv_enc_engine, QvEncEngine, enc_engine_names)

void
qv_encryption_free(QvEncryption *enc)
{
    if (!enc)
        return;
    for (size_t i = 0; i < enc->nsecrets; i++) {
        g_free(enc->secrets[i].uuid);
        g_free(enc->secrets[i].usage);
    }
    g_free(enc->secrets);
    g_free(enc->cipher_name);
    g_free(enc->cipher_mode);
    g_free(enc->cipher_hash);
    g_free(enc->ivgen_name);
    g_free(enc->ivgen_hash);
    g_free(enc);
}

void
qv_encryption_add_secret(QvEncryption *enc, const char *uuid, const char *usage)
{
    enc->secrets = g_renew(QvSecretRef, enc->secrets, enc->nsecrets + 1);
    enc->secrets[enc->nsecrets].uuid = g_strdup(uuid);
    enc->secrets[enc->nsecrets].usage = g_strdup(usage);
    enc->nsecrets++;
}

QvEncryption *
qv_encryption_copy(const QvEncryption *enc)
{
    QvEncryption *c;

    if (!enc)
        return NULL;
    c = g_new0(QvEncryption, 1);
    c->format = enc->format;
    c->engine = enc->engine;
    for (size_t i = 0; i < enc->nsecrets; i++)
        qv_encryption_add_secret(c, enc->secrets[i].uuid, enc->secrets[i].usage);
    c->cipher_name = g_strdup(enc->cipher_name);
    c->cipher_size = enc->cipher_size;
    c->cipher_mode = g_strdup(enc->cipher_mode);
    c->cipher_hash = g_strdup(enc->cipher_hash);
    c->ivgen_name = g_strdup(enc->ivgen_name);
    c->ivgen_hash = g_strdup(enc->ivgen_hash);
    return c;
}

bool
qv_encryption_equal(const QvEncryption *a, const QvEncryption *b)
{
    if (!a || !b)
        return a == b;
    if (a->format != b->format || a->engine != b->engine ||
        a->nsecrets != b->nsecrets || a->cipher_size != b->cipher_size ||
        g_strcmp0(a->cipher_name, b->cipher_name) != 0 ||
        g_strcmp0(a->cipher_mode, b->cipher_mode) != 0 ||
        g_strcmp0(a->cipher_hash, b->cipher_hash) != 0 ||
        g_strcmp0(a->ivgen_name, b->ivgen_name) != 0 ||
        g_strcmp0(a->ivgen_hash, b->ivgen_hash) != 0)
        return false;
    for (size_t i = 0; i < a->nsecrets; i++) {
        if (g_strcmp0(a->secrets[i].uuid, b->secrets[i].uuid) != 0 ||
            g_strcmp0(a->secrets[i].usage, b->secrets[i].usage) != 0)
            return false;
    }
    return true;
}

char *
qv_secret_ref_describe(const QvSecretRef *ref)
{
    if (ref->uuid)
        return g_strdup_printf("uuid '%s'", ref->uuid);
    return g_strdup_printf("usage '%s'", ref->usage ? ref->usage : "");
}
