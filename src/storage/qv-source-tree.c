/*
 * qv-source-tree: walks, lookups and cuts over the tree of storage
 * sources (see the header).  The walk goes down single chains in a loop
 * and recurses only into quorum children, so chains of any depth cost no
 * stack.
 */
#include "storage/qv-source-tree.h"

#include <string.h>

static bool
walk(QvStorageSource *src, size_t *index, gssize parent, unsigned int depth,
     QvSourceWalkFunc fn, void *opaque)
{
    while (src) {
        if (!fn(src, *index, parent, depth, opaque))
            return false;
        parent = (gssize)(*index)++;
        depth++;
        if (src->nbacking == 1) {
            src = src->backing[0];
            continue;
        }
        for (size_t i = 0; i < src->nbacking; i++) {
            if (!walk(src->backing[i], index, parent, depth, fn, opaque))
                return false;
        }
        break;
    }
    return true;
}

bool
qv_source_walk(QvStorageSource *top, QvSourceWalkFunc fn, void *opaque)
{
    size_t index = 0;

    return walk(top, &index, -1, 0, fn, opaque);
}

typedef struct {
    unsigned int index;
    QvStorageSource *found;
} FindIndex;

static bool
index_find(QvStorageSource *src, size_t i, gssize parent, unsigned int depth, void *opaque)
{
    FindIndex *f = opaque;

    if (src->index != f->index)
        return true;
    f->found = src;
    return false;
}

QvStorageSource *
qv_source_find_index(QvStorageSource *top, unsigned int index)
{
    FindIndex f = { index, NULL };

    if (top && index)
        qv_source_walk(top, index_find, &f);
    return f.found;
}

static bool
index_assign(QvStorageSource *src, size_t i, gssize parent, unsigned int depth, void *opaque)
{
    unsigned int *last = opaque;

    if (src->index == 0)
        src->index = ++*last;
    return true;
}

unsigned int
qv_source_tree_assign_indexes(QvStorageSource *top, unsigned int last)
{
    if (top)
        qv_source_walk(top, index_assign, &last);
    return last;
}

typedef struct {
    const QvStorageSource *child;
    QvStorageSource *parent;
    size_t slot;
} FindParent;

static bool
parent_find(QvStorageSource *src, size_t i, gssize parent, unsigned int depth, void *opaque)
{
    FindParent *f = opaque;

    for (size_t j = 0; j < src->nbacking; j++) {
        if (src->backing[j] == f->child) {
            f->parent = src;
            f->slot = j;
            return false;
        }
    }
    return true;
}

QvStorageSource *
qv_source_find_parent(QvStorageSource *top, const QvStorageSource *child, size_t *slot)
{
    FindParent f = { child, NULL, 0 };

    if (!top || !child || child == top)
        return NULL;
    qv_source_walk(top, parent_find, &f);
    if (f.parent && slot)
        *slot = f.slot;
    return f.parent;
}

bool
qv_source_chain_has(const QvStorageSource *above, const QvStorageSource *below)
{
    for (const QvStorageSource *s = above;
         s && s->nbacking == 1 && s->type != QV_STORAGE_QUORUM;) {
        s = s->backing[0];
        if (s && s == below)
            return true;
    }
    return false;
}

QvStorageSource *
qv_source_chain_bottom(QvStorageSource *top)
{
    QvStorageSource *s = top;

    while (s && s->nbacking == 1 && s->type != QV_STORAGE_QUORUM && s->backing[0])
        s = s->backing[0];
    return s;
}

QvStorageSource *
qv_source_cut_above(QvStorageSource *top, QvStorageSource *keep)
{
    size_t slot = 0;
    QvStorageSource *parent = keep ? qv_source_find_parent(top, keep, &slot) : NULL;

    if (parent)
        parent->backing[slot] = NULL;
    return top;
}

char *
qv_source_backing_string(const QvStorageSource *overlay, const QvStorageSource *base,
                         bool relative)
{
    g_autofree char *dir = NULL;
    size_t len;

    if (!base->path)
        return NULL;
    if (!relative || !overlay->path)
        return g_strdup(base->path);
    dir = g_path_get_dirname(overlay->path);
    len = strlen(dir);
    if (strncmp(base->path, dir, len) == 0 && base->path[len] == '/')
        return g_strdup(base->path + len + 1);
    return g_strdup(base->path);
}
