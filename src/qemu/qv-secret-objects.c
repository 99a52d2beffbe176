/*
 * qv-secret-objects: secrets for QEMU, encrypted (see the header).
 *
 * QEMU's secret object decrypts "data" with AES-256-CBC under the key
 * object named by "keyid" and the "iv", and strips PKCS#7 padding
 * (crypto/secret_common.c): exactly what OpenSSL's EVP gives by default.
 */
#include "qemu/qv-secret-objects.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/evp.h>

#include "storage/qv-source-tree.h"
#include "util/qv-error.h"
#include "util/qv-file.h"
#include "util/qv-json-build.h"
#include "util/qv-json.h"

#define IV_LEN 16

QvQemuSecrets *
qv_qemu_secrets_new(void)
{
    QvQemuSecrets *s = g_new0(QvQemuSecrets, 1);

    s->objects = json_object_new_array();
    return s;
}

void
qv_qemu_secrets_free(QvQemuSecrets *s)
{
    if (!s)
        return;
    explicit_bzero(s->key, sizeof(s->key));
    json_object_put(s->objects);
    g_free(s);
}

static bool
random_bytes(uint8_t *buf, size_t len, GError **error)
{
    size_t got = 0;

    while (got < len) {
        ssize_t n = getrandom(buf + got, len - got, 0);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            qv_error_set_errno(error, errno, "cannot read random bytes for a secret key");
            return false;
        }
        got += (size_t)n;
    }
    return true;
}

bool
qv_qemu_secrets_new_master_key(QvQemuSecrets *s, const char *path, GError **error)
{
    if (!random_bytes(s->key, sizeof(s->key), error) ||
        !qv_file_replace(path, (const char *)s->key, sizeof(s->key), 0600, error))
        return false;
    s->have_key = true;
    return true;
}

bool
qv_qemu_secrets_load_master_key(QvQemuSecrets *s, const char *path, GError **error)
{
    char *data = NULL;
    size_t len = 0;

    if (!qv_file_read_all(path, &data, &len, 1024, error))
        return false;
    if (len != sizeof(s->key)) {
        explicit_bzero(data, len);
        g_free(data);
        g_set_error(error, QV_ERROR, QV_ERR_CORRUPT, "master key '%s' is %zu bytes, not %d",
                    path, len, QV_QEMU_MASTER_KEY_LEN);
        return false;
    }
    memcpy(s->key, data, len);
    explicit_bzero(data, len);
    g_free(data);
    s->have_key = true;
    return true;
}

json_object *
qv_qemu_master_key_props(const char *path)
{
    return qv_json_new(NULL, "s:qom-type", "secret", "s:id", QV_QEMU_MASTER_KEY_ALIAS,
                       "s:format", "raw", "s:file", path, NULL);
}

/* AES-256-CBC of @value under @key, PKCS#7 padded; base64 of the
 * ciphertext and of the IV */
static bool
encrypt_value(const uint8_t *key, const uint8_t *value, size_t len, char **data_b64,
              char **iv_b64, GError **error)
{
    uint8_t iv[IV_LEN];
    g_autofree uint8_t *out = g_malloc(len + IV_LEN);
    EVP_CIPHER_CTX *ctx = NULL;
    int n1 = 0, n2 = 0;
    bool ok;

    if (!random_bytes(iv, sizeof(iv), error))
        return false;
    ok = (ctx = EVP_CIPHER_CTX_new()) &&
         EVP_EncryptInit_ex(ctx, EVP_aes_256_cbc(), NULL, key, iv) == 1 &&
         EVP_EncryptUpdate(ctx, out, &n1, value, (int)len) == 1 &&
         EVP_EncryptFinal_ex(ctx, out + n1, &n2) == 1;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok) {
        g_set_error(error, QV_ERROR, QV_ERR_INTERNAL, "cannot encrypt a secret for QEMU (OpenSSL AES-256-CBC failed)");
        return false;
    }
    *data_b64 = g_base64_encode(out, (gsize)(n1 + n2));
    *iv_b64 = g_base64_encode(iv, sizeof(iv));
    return true;
}

bool
qv_qemu_source_needs_key(const QvStorageSource *src)
{
    if (!src->enc)
        return false;
    if (src->type == QV_STORAGE_NETWORK && src->protocol == QV_PROTO_RBD &&
        src->enc->engine == QV_ENC_ENGINE_LIBRBD)
        return true;
    return src->format == QV_FORMAT_LUKS || src->format == QV_FORMAT_RAW ||
           src->format == QV_FORMAT_QCOW2;
}

bool
qv_qemu_validate_secrets(const QvDiskDef *disk, const QvStorageSource *src, GError **error)
{
    g_autofree char *what = qv_source_describe(src);
    const QvEncryption *enc = src->enc;
    bool librbd = enc && enc->engine == QV_ENC_ENGINE_LIBRBD;
    bool rbd = src->type == QV_STORAGE_NETWORK && src->protocol == QV_PROTO_RBD;

    if (src->type == QV_STORAGE_NETWORK && qv_source_has_auth(src) &&
        (src->protocol == QV_PROTO_SSH || src->protocol == QV_PROTO_NBD ||
         src->protocol == QV_PROTO_GLUSTER || src->protocol == QV_PROTO_NFS)) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "disk '%s': QEMU's %s driver takes no password; remove the <auth> of '%s'",
                    disk->dst, qv_protocol_to_string(src->protocol), what);
        return false;
    }
    if (!enc && src->encrypted && src->format != QV_FORMAT_LUKS) {
        /* read from the image itself at start: say it before QEMU does */
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "disk '%s': '%s' is encrypted (%s) but the definition gives no <encryption> for it; add <encryption format='luks'><secret type='passphrase' uuid='...'/></encryption> to its <source> (in a <backingStore> for a backing image)",
                    disk->dst, what, src->encryption ? src->encryption : "unknown method");
        return false;
    }
    if (!enc) {
        if (src->format != QV_FORMAT_LUKS)
            return true;
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "disk '%s': '%s' is a LUKS image: give <encryption format='luks'> with its <secret type='passphrase' uuid='...'/> in its <source>",
                    disk->dst, what);
        return false;
    }
    if (librbd && !rbd) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "disk '%s': engine='librbd' of the <encryption> of '%s' applies to rbd disks only; use engine='qemu'",
                    disk->dst, what);
        return false;
    }
    if (enc->format == QV_ENC_FORMAT_QCOW) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "disk '%s': '%s' has qcow's legacy AES encryption, which QEMU no longer opens for guests; convert it to LUKS (qemu-img convert --object secret,... -O qcow2 -o encrypt.format=luks,encrypt.key-secret=...) and use <encryption format='luks'>",
                    disk->dst, what);
        return false;
    }
    if (enc->format == QV_ENC_FORMAT_LUKS2 && !librbd) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "disk '%s': QEMU opens LUKS2 only through librbd (an rbd disk with <encryption engine='librbd'>); '%s' needs format='luks'",
                    disk->dst, what);
        return false;
    }
    if (!librbd && src->format != QV_FORMAT_NONE && src->format != QV_FORMAT_RAW &&
        src->format != QV_FORMAT_LUKS && src->format != QV_FORMAT_QCOW2) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "disk '%s': QEMU encrypts raw (LUKS) and qcow2 images, not the %s image '%s'; remove the <encryption>",
                    disk->dst, qv_format_to_string(src->format), what);
        return false;
    }
    if (enc->nsecrets == 0) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "disk '%s': the <encryption> of '%s' names no secret; add <secret type='passphrase' uuid='...'/> (see secret-list)",
                    disk->dst, what);
        return false;
    }
    return true;
}

static char *
secret_id(const QvDiskDef *disk, const QvStorageSource *src, bool auth)
{
    return g_strdup_printf(auth ? "%s-s%u-auth-secret0" : "%s-f%u-encryption-secret0",
                           disk->dst, src->index);
}

typedef struct {
    QvQemuSecrets *s;
    const QvDiskDef *disk;
    QvSecretStore *store;
    GPtrArray *ids;          /* qv_qemu_secret_ids: only the ids wanted */
    GError **error;
} AddCtx;

/* The value of the secret @uuid|@usage_id (of @usage) for @what of @src */
static bool
lookup_value(AddCtx *c, const QvStorageSource *src, const char *what, const char *uuid,
             QvSecretUsage usage, const char *usage_id, uint8_t **value, size_t *len)
{
    g_autoptr(QvSecretDef) def = NULL;
    g_autofree char *where = qv_source_describe(src);
    g_autoptr(GError) local = NULL;

    if (uuid)
        def = qv_secret_store_lookup_uuid(c->store, uuid, &local);
    else
        def = qv_secret_store_lookup_usage(c->store, usage, usage_id, &local);
    if (def)
        qv_secret_store_get_value(c->store, def->uuid, true, value, len, &local);
    if (local) {
        g_set_error(c->error, QV_ERROR, local->code, "disk '%s': the %s secret of '%s' (%s '%s') is not usable: %s",
                    c->disk->dst, what, where, uuid ? "uuid" : "usage", uuid ? uuid : usage_id,
                    local->message);
        return false;
    }
    return true;
}

static bool
add_object(AddCtx *c, const char *id, const uint8_t *value, size_t len)
{
    g_autofree char *data = NULL;
    g_autofree char *iv = NULL;
    json_object *obj;

    if (!c->s->have_key) {
        g_set_error(c->error, QV_ERROR, QV_ERR_INTERNAL, "disk '%s': no master key to encrypt secret '%s'",
                    c->disk->dst, id);
        return false;
    }
    if (!encrypt_value(c->s->key, value, len, &data, &iv, c->error) ||
        !(obj = qv_json_new(c->error, "s:qom-type", "secret", "s:id", id, "s:data", data,
                            "s:keyid", QV_QEMU_MASTER_KEY_ALIAS, "s:iv", iv,
                            "s:format", "base64", NULL)))
        return false;
    json_object_array_add(c->s->objects, obj);
    return true;
}

static bool
add_one(QvStorageSource *src, size_t index, gssize parent, unsigned int depth, void *opaque)
{
    AddCtx *c = opaque;
    uint8_t *value = NULL;
    size_t len = 0;
    bool ok = true;

    if (qv_source_has_auth(src) && src->type == QV_STORAGE_NETWORK) {
        g_autofree char *id = secret_id(c->disk, src, true);
        QvSecretUsage u = g_strcmp0(src->secret_type, "ceph") == 0 ? QV_SECRET_USAGE_CEPH :
                          QV_SECRET_USAGE_ISCSI;

        if (c->ids) {
            g_ptr_array_add(c->ids, g_steal_pointer(&id));
        } else {
            ok = lookup_value(c, src, "authentication", src->secret_uuid, u, src->secret_usage, &value, &len) &&
                 add_object(c, id, value, len);
            qv_secret_value_free(value, len);
            value = NULL;
        }
    }
    if (ok && qv_qemu_source_needs_key(src)) {
        g_autofree char *id = secret_id(c->disk, src, false);
        const QvSecretRef *ref = src->enc->nsecrets ? &src->enc->secrets[0] : NULL;
        g_autofree char *where = qv_source_describe(src);

        if (c->ids) {
            g_ptr_array_add(c->ids, g_steal_pointer(&id));
            return true;
        }
        if (!ref) {
            g_set_error(c->error, QV_ERROR, QV_ERR_INVALID_ARG,
                        "disk '%s': the <encryption> of '%s' names no secret; add <secret type='passphrase' uuid='...'/> (see secret-list)",
                        c->disk->dst, where);
            return false;
        }
        ok = lookup_value(c, src, "encryption", ref->uuid, QV_SECRET_USAGE_VOLUME, ref->usage, &value, &len) &&
             add_object(c, id, value, len);
        qv_secret_value_free(value, len);
    }
    return ok;
}

bool
qv_qemu_secrets_add_disk(QvQemuSecrets *s, const QvDiskDef *disk, QvSecretStore *store,
                         GError **error)
{
    AddCtx c = { s, disk, store, NULL, error };

    if (!disk->has_source)
        return true;
    return qv_source_walk(disk->src, add_one, &c);
}

GPtrArray *
qv_qemu_secret_ids(const QvDiskDef *disk)
{
    GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
    AddCtx c = { NULL, disk, NULL, ids, NULL };

    if (disk->has_source)
        qv_source_walk(disk->src, add_one, &c);
    return ids;
}

static bool
blockdev_auth(const QvDiskDef *disk, const QvStorageSource *src, json_object *proto,
              GError **error)
{
    g_autofree char *id = secret_id(disk, src, true);
    g_autoptr(json_object) methods = NULL;

    switch (src->protocol) {
    case QV_PROTO_RBD:
        methods = json_object_new_array();
        json_object_array_add(methods, json_object_new_string("cephx"));
        json_object_array_add(methods, json_object_new_string("none"));
        return qv_json_add(&proto, error, "S:user", src->auth_username, "s:key-secret", id,
                           "a:auth-client-required", &methods, NULL);
    case QV_PROTO_ISCSI:
        return qv_json_add(&proto, error, "S:user", src->auth_username, "s:password-secret", id, NULL);
    case QV_PROTO_HTTP:
    case QV_PROTO_HTTPS:
    case QV_PROTO_FTP:
    case QV_PROTO_FTPS:
        return qv_json_add(&proto, error, "S:username", src->auth_username, "s:password-secret", id, NULL);
    case QV_PROTO_SSH:
    case QV_PROTO_NBD:
    case QV_PROTO_GLUSTER:
    case QV_PROTO_NFS:
    case QV_PROTO_NONE:
    case QV_PROTO_LAST:
        break;
    }
    g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED, "disk '%s': QEMU's %s driver takes no password; remove the <auth>",
                disk->dst, qv_protocol_to_string(src->protocol));
    return false;
}

static const char *
luks_format(const QvStorageSource *src)
{
    return src->enc->format == QV_ENC_FORMAT_LUKS2 ? "luks2" : "luks";
}

bool
qv_qemu_secrets_blockdev(const QvDiskDef *disk, const QvStorageSource *src, json_object *proto,
                         json_object *fmt, GError **error)
{
    g_autofree char *id = NULL;
    g_autoptr(json_object) enc = NULL;

    if (qv_source_has_auth(src) && src->type == QV_STORAGE_NETWORK &&
        !blockdev_auth(disk, src, proto, error))
        return false;
    if (!qv_qemu_validate_secrets(disk, src, error))
        return false;
    if (!qv_qemu_source_needs_key(src))
        return true;
    id = secret_id(disk, src, false);
    if (src->type == QV_STORAGE_NETWORK && src->enc->engine == QV_ENC_ENGINE_LIBRBD) {
        return (enc = qv_json_new(error, "s:format", luks_format(src), "s:key-secret", id, NULL)) &&
               qv_json_add(&proto, error, "a:encrypt", &enc, NULL);
    }
    if (src->format == QV_FORMAT_QCOW2) {
        return (enc = qv_json_new(error, "s:format", "luks", "s:key-secret", id, NULL)) &&
               qv_json_add(&fmt, error, "a:encrypt", &enc, NULL);
    }
    /* a raw or luks image with LUKS encryption is opened by QEMU's luks driver */
    json_object_object_add(fmt, "driver", json_object_new_string("luks"));
    return qv_json_add(&fmt, error, "s:key-secret", id, NULL);
}

json_object *
qv_qemu_secrets_for_start(const QvDomainDef *def, QvSecretStore *store,
                          const char *master_key_path, GError **error)
{
    g_autoptr(QvQemuSecrets) s = qv_qemu_secrets_new();
    g_autoptr(json_object) all = json_object_new_array();

    /* always a master key: a disk plugged in later may need one */
    if (!qv_qemu_secrets_new_master_key(s, master_key_path, error))
        return NULL;
    json_object_array_add(all, qv_qemu_master_key_props(master_key_path));
    for (size_t i = 0; i < def->ndisks; i++) {
        if (!qv_qemu_secrets_add_disk(s, def->disks[i], store, error))
            return NULL;
    }
    for (size_t i = 0; i < json_object_array_length(s->objects); i++)
        json_object_array_add(all, json_object_get(json_object_array_get_idx(s->objects, i)));
    return g_steal_pointer(&all);
}

char *
qv_qemu_secrets_explain(const QvDomainDef *def, const char *qemu_message)
{
    static const char bad_key[] = "Invalid password, cannot unlock any keyslot";
    const char *nn = qemu_message ? strstr(qemu_message, "\"node-name\":\"") : NULL;
    g_autofree char *node = NULL;
    const char *end, *f;

    if (!nn || !strstr(qemu_message, bad_key))
        return NULL;
    nn += strlen("\"node-name\":\"");
    if (!(end = strchr(nn, '"')))
        return NULL;
    node = g_strndup(nn, end - nn);
    /* "<dst>-f<index>": the format node that holds the key */
    if (!(f = strrchr(node, '-')) || f[1] != 'f')
        return NULL;
    for (size_t i = 0; i < def->ndisks; i++) {
        const QvDiskDef *disk = def->disks[i];
        guint64 index;
        QvStorageSource *src;
        g_autofree char *what = NULL;
        g_autofree char *ref = NULL;

        if (strlen(disk->dst) != (size_t)(f - node) || strncmp(disk->dst, node, f - node) != 0 ||
            !g_ascii_string_to_unsigned(f + 2, 10, 1, G_MAXUINT, &index, NULL) ||
            !(src = qv_disk_find_index(disk, (unsigned int)index)) || !src->enc ||
            !src->enc->nsecrets)
            continue;
        what = qv_source_describe(src);
        ref = qv_secret_ref_describe(&src->enc->secrets[0]);
        return g_strdup_printf("disk '%s': the passphrase of the secret with %s does not unlock '%s' (QEMU: %s); set the right one with secret-set-value",
                               disk->dst, ref, what, bad_key);
    }
    return NULL;
}
