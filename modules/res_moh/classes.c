/* res_moh - the classes in force, by name (see classes.h). */
#include <string.h>

#include "classes.h"

static GPtrArray *classes;      /* MohClass *, a reference each, moh.conf's order */

void
moh_classes_clear(void)
{
    PBX_ASSERT_MAIN_CONTEXT();
    g_clear_pointer(&classes, g_ptr_array_unref);
}

void
moh_classes_set(const MohConf *conf, const SoundsApi *sounds)
{
    GPtrArray *fresh = g_ptr_array_new_with_free_func((GDestroyNotify) moh_class_unref);

    PBX_ASSERT_MAIN_CONTEXT();
    for (guint i = 0; i < conf->classes->len; i++)
        g_ptr_array_add(fresh, moh_class_new(conf->classes->pdata[i], sounds));
    moh_classes_clear();
    classes = fresh;
}

MohClass *
moh_classes_find(const char *name)
{
    PBX_ASSERT_MAIN_CONTEXT();
    for (guint i = 0; classes && name && i < classes->len; i++)
        if (strcmp(moh_class_get_name(classes->pdata[i]), name) == 0)
            return classes->pdata[i];
    return NULL;
}

const GPtrArray *
moh_classes_list(void)
{
    PBX_ASSERT_MAIN_CONTEXT();
    return classes;
}

MohClass *
moh_classes_for_channel(PbxChannel *chan, GError **error)
{
    const char *name = pbx_channel_get_var(chan, "MOH_CLASS");
    MohClass *cls = moh_classes_find(name ? name : "default");

    if (!cls && name && strcmp(name, "default") != 0) {
        pbx_notice(pbx_log_domain("moh"), "%s: no music on hold class '%s': default instead",
                   pbx_channel_get_name(chan), name);
        cls = moh_classes_find("default");
    }
    if (!cls)
        g_set_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_FAILED,
                    "no music on hold class 'default' (moh.conf)");
    return cls;
}
