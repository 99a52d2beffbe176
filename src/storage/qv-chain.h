/*
 * qv-chain: discover the backing chain of an image by reading headers.
 *
 * Starting from a local source, each element is opened, identified by
 * device and inode, probed natively, and its backing string parsed into
 * the next element.  Rules that protect the host:
 *  - raw is never inspected for a backing file;
 *  - an element whose format had to be guessed and that names a backing
 *    file is an error, never a silent follow;
 *  - loops are found by file identity, not by depth, and depth has no
 *    small limit: the walk is a loop, linear in depth;
 *  - a network element ends the walk (no probe runs over the network);
 *    it is reported as the last known element, not as an error.
 */
#pragma once

#include "storage/qv-source.h"

G_BEGIN_DECLS

/*
 * Discover the chain below @top, which must be a local source with ->path
 * set; ->format may be QV_FORMAT_NONE to have it guessed (and then it must
 * not name a backing file).  Fills in sizes, identity, format details and
 * ->backing of every element.  Existing backing stores of @top are
 * replaced.  On error @top is left with the elements read so far.
 */
bool qv_chain_discover(QvStorageSource *top, GError **error);

/* Convenience: a new FILE source for @path in @format, discovered */
QvStorageSource *qv_chain_open(const char *path, QvFormat format,
                               GError **error);

/*
 * Visit every element of the tree rooted at @top once, depth first (a
 * source before its backing stores), with a running index starting at 0
 * and the index of its parent (-1 for @top).
 */
typedef void (*QvChainVisitFunc)(const QvStorageSource *src, size_t index,
                                 gssize parent, unsigned int depth,
                                 void *opaque);
void qv_chain_foreach(const QvStorageSource *top, QvChainVisitFunc fn,
                      void *opaque);

G_END_DECLS
