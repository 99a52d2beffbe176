/*
 * qv-reader: bounded random access to the bytes of an image.
 *
 * Probes read image headers only through a reader, so that the same code
 * runs on a file descriptor and, in tests and fuzzing, on a memory buffer.
 * Every read is checked against the size of the image; a read past the end
 * is a short read, never undefined behaviour.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef struct _QvReader QvReader;

/* A reader over @fd (not owned).  @name is used in error messages. */
QvReader *qv_reader_new_fd(int fd, uint64_t size, const char *name);
/* A reader over @len bytes at @data (not owned, must outlive the reader) */
QvReader *qv_reader_new_mem(const void *data, size_t len, const char *name);
void qv_reader_free(QvReader *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvReader, qv_reader_free)

uint64_t qv_reader_size(const QvReader *r);
const char *qv_reader_name(const QvReader *r);

/*
 * Read up to @len bytes at @offset into @buf.  Returns the number of bytes
 * read (less than @len only at the end of the image), or -1 with @error
 * set when the read itself failed.
 */
gssize qv_reader_read(QvReader *r, uint64_t offset, void *buf, size_t len,
                      GError **error);

/*
 * Read exactly @len bytes at @offset.  A range that does not lie inside
 * the image is a QV_ERR_CORRUPT error naming @what.
 */
bool qv_reader_read_exact(QvReader *r, uint64_t offset, void *buf,
                          size_t len, const char *what, GError **error);

/* Unaligned little/big endian loads */
static inline uint16_t qv_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t qv_le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static inline uint64_t qv_le64(const uint8_t *p) { return (uint64_t)qv_le32(p) | (uint64_t)qv_le32(p + 4) << 32; }
static inline uint16_t qv_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t qv_be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3]; }
static inline uint64_t qv_be64(const uint8_t *p) { return (uint64_t)qv_be32(p) << 32 | qv_be32(p + 4); }

G_END_DECLS
