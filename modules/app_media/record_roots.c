/* app_media - recording roots (record_roots.h). */
#include <string.h>

#include "record_roots.h"

typedef struct {
    char *dir;                  /* canonical, no trailing '/' */
    PbxModule *owner;
    gpointer handle;            /* pbx_module_on_unload's */
} Root;

static GPtrArray *roots;        /* Root* */

static void
root_free(gpointer data)
{
    Root *r = data;

    if (r->owner && r->handle)
        pbx_module_forget(r->owner, r->handle);
    g_free(r->dir);
    g_free(r);
}

static void
root_forget(gpointer dir)
{
    for (guint i = 0; roots && i < roots->len; i++) {
        Root *r = g_ptr_array_index(roots, i);

        if (strcmp(r->dir, dir) == 0) {
            r->handle = NULL;   /* the loader is running it */
            g_ptr_array_remove_index(roots, i);
            return;
        }
    }
}

static void
add_record_root(PbxModule *owner, const char *dir)
{
    Root *r = g_new0(Root, 1);

    PBX_ASSERT_MAIN_CONTEXT();
    g_return_if_fail(g_path_is_absolute(dir));
    if (!roots)
        roots = g_ptr_array_new_with_free_func(root_free);
    r->dir = g_canonicalize_filename(dir, NULL);
    r->owner = owner;
    if (owner)
        r->handle = pbx_module_on_unload(owner, root_forget, r->dir);
    g_ptr_array_add(roots, r);
}

static void
remove_record_root(const char *dir)
{
    g_autofree char *canon = g_canonicalize_filename(dir, NULL);

    PBX_ASSERT_MAIN_CONTEXT();
    root_forget(canon);
}

gboolean
record_roots_allow(const char *path)
{
    PBX_ASSERT_MAIN_CONTEXT();
    for (guint i = 0; roots && i < roots->len; i++) {
        const char *dir = ((Root *) g_ptr_array_index(roots, i))->dir;
        gsize n = strlen(dir);

        if (strncmp(path, dir, n) == 0 && path[n] == '/')
            return TRUE;
    }
    return FALSE;
}

void
record_roots_clear(void)
{
    g_clear_pointer(&roots, g_ptr_array_unref);
}

const MediaApi media_api = {
    .version = MEDIA_API_VERSION,
    .add_record_root = add_record_root,
    .remove_record_root = remove_record_root,
};
