/*
 * qv-source-tree: walking and editing the tree of storage sources under
 * a disk's top: a visitor that may change the elements and stop early,
 * lookups by index and by parent, and the cuts block jobs make when
 * layers leave a chain.
 *
 * A "chain" below means the single line of backing stores under an
 * element, stopping at a quorum (whose children are chains of their own)
 * or at the first missing backing store.
 */
#pragma once

#include "storage/qv-source.h"

G_BEGIN_DECLS

/*
 * Visit every element of the tree rooted at @top once, depth first (a
 * source before its backing stores), with a running index from 0, the
 * index of its parent (-1 for @top) and its depth.  @fn returns false to
 * stop the walk; qv_source_walk then returns false.
 */
typedef bool (*QvSourceWalkFunc)(QvStorageSource *src, size_t index,
                                 gssize parent, unsigned int depth,
                                 void *opaque);
bool qv_source_walk(QvStorageSource *top, QvSourceWalkFunc fn, void *opaque);

/* The element of the tree at @top whose index (vda[N]) is @index, or
 * NULL; index 0 (none) is never found */
QvStorageSource *qv_source_find_index(QvStorageSource *top, unsigned int index);

/* Elements of the tree at @top without an index get @last + 1, @last + 2,
 * ... top-down; returns the last index given (or @last) */
unsigned int qv_source_tree_assign_indexes(QvStorageSource *top, unsigned int last);

/* The parent of @child in the tree at @top, and its slot in the
 * parent's backing array (optional); NULL when @child is @top or absent */
QvStorageSource *qv_source_find_parent(QvStorageSource *top,
                                       const QvStorageSource *child,
                                       size_t *slot);

/* Whether @below is in the chain under @above (@above excluded) */
bool qv_source_chain_has(const QvStorageSource *above, const QvStorageSource *below);

/* The last element of the chain starting at @top (@top itself when it
 * has no single backing store) */
QvStorageSource *qv_source_chain_bottom(QvStorageSource *top);

/*
 * Detach @keep from its parent in the tree at @top, so that freeing @top
 * frees the elements above @keep but not @keep and what is below it.
 * Returns @top.  Nothing happens when @keep is NULL or not in the tree.
 */
QvStorageSource *qv_source_cut_above(QvStorageSource *top, QvStorageSource *keep);

/*
 * The backing string to write into @overlay when @base becomes its
 * backing store: @base's path, or with @relative the path relative to
 * @overlay's folder when @base lies inside it.  NULL when @base has no
 * path (a network source).
 */
char *qv_source_backing_string(const QvStorageSource *overlay,
                               const QvStorageSource *base, bool relative);

G_END_DECLS
