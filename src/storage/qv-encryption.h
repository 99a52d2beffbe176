/*
 * qv-encryption: what a definition says about an image's encryption,
 * libvirt's <encryption format engine> with its <secret type='passphrase'
 * uuid|usage/> references and the LUKS <cipher>/<ivgen> a volume was
 * made with.  Kept apart from what probing reads (QvStorageSource's
 * encrypted/encryption): this is what the user gave.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

G_BEGIN_DECLS

typedef enum {
    QV_ENC_FORMAT_DEFAULT,
    QV_ENC_FORMAT_QCOW,      /* qcow/qcow2's legacy AES */
    QV_ENC_FORMAT_LUKS,
    QV_ENC_FORMAT_LUKS2,

    QV_ENC_FORMAT_LAST
} QvEncFormat;

typedef enum {
    QV_ENC_ENGINE_DEFAULT,   /* attribute absent */
    QV_ENC_ENGINE_QEMU,
    QV_ENC_ENGINE_LIBRBD,

    QV_ENC_ENGINE_LAST
} QvEncEngine;

/* A secret named by uuid or by usage (exactly one is set) */
typedef struct {
    char *uuid;
    char *usage;
} QvSecretRef;

typedef struct {
    QvEncFormat format;
    QvEncEngine engine;
    QvSecretRef *secrets;    /* all of type 'passphrase' */
    size_t nsecrets;
    /* <cipher name size mode hash/> and <ivgen name hash/>; NULL names
     * when absent */
    char *cipher_name;
    unsigned int cipher_size;
    char *cipher_mode;
    char *cipher_hash;
    char *ivgen_name;
    char *ivgen_hash;
} QvEncryption;

void qv_encryption_free(QvEncryption *enc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvEncryption, qv_encryption_free)
QvEncryption *qv_encryption_copy(const QvEncryption *enc);
/* NULL equals NULL */
bool qv_encryption_equal(const QvEncryption *a, const QvEncryption *b);
void qv_encryption_add_secret(QvEncryption *enc, const char *uuid, const char *usage);

/* "uuid 'X'" or "usage 'Y'", for messages */
char *qv_secret_ref_describe(const QvSecretRef *ref);

/* "default", "qcow", "luks", "luks2"; -1 when unknown */
const char *qv_enc_format_to_string(QvEncFormat f);
int qv_enc_format_from_string(const char *s);
/* NULL for DEFAULT, "qemu", "librbd" */
const char *qv_enc_engine_to_string(QvEncEngine e);
int qv_enc_engine_from_string(const char *s);

G_END_DECLS
