/* res_sounds - what a sound name may be, and where it is looked for.
 *
 * Names come from dialplans and so, indirectly, from callers (digits
 * typed into an IVR): a relative name must stay inside sounds_dir, so no
 * component may be empty, "." or "..".  An absolute path is the
 * dialplan's own choice (music on hold, recordings) and taken as is. */
#include <string.h>

#include "sounds_private.h"

static gboolean
component_ok(const char *c)
{
    return *c && strcmp(c, ".") != 0 && strcmp(c, "..") != 0;
}

static gboolean
relative_name_ok(const char *name)
{
    g_auto(GStrv) parts = g_strsplit(name, "/", -1);

    for (guint i = 0; parts[i]; i++) {
        if (!component_ok(parts[i]))
            return FALSE;
    }
    return TRUE;
}

gboolean
sound_name_check(const char *name, GError **error)
{
    if (name && g_path_is_absolute(name) && !g_str_has_suffix(name, "/"))
        return TRUE;
    if (name && *name && !g_path_is_absolute(name) && relative_name_ok(name))
        return TRUE;
    g_set_error(error, SOUNDS_ERROR, SOUNDS_ERROR_INVALID,
                "'%s' is not a sound name (a name such as vm-intro or digits/5, or an "
                "absolute path to a file)", name ? name : "(null)");
    return FALSE;
}

/* Adds l and, for "fr_CA" or "pt-BR", its base, unless already there. */
static void
add_language(GPtrArray *chain, const char *l)
{
    gsize base = strcspn(l, "_-");
    g_autofree char *b = g_strndup(l, base);

    if (!g_ptr_array_find_with_equal_func(chain, l, g_str_equal, NULL))
        g_ptr_array_add(chain, g_strdup(l));
    if (base > 0 && l[base] && !g_ptr_array_find_with_equal_func(chain, b, g_str_equal, NULL))
        g_ptr_array_add(chain, g_steal_pointer(&b));
}

GPtrArray *
sound_language_chain(const char *language, const char *default_language)
{
    GPtrArray *chain = g_ptr_array_new_with_free_func(g_free);

    if (language && *language)
        add_language(chain, language);
    if (default_language && *default_language)
        add_language(chain, default_language);
    add_language(chain, "en");
    return chain;
}

char *
sound_absolute_path(const char *name)
{
    g_autofree char *base = g_path_get_basename(name);

    if (strchr(base, '.') && base[0] != '.')
        return g_strdup(name);
    return g_strconcat(name, ".wav", NULL);
}

char *
sound_file_path(const char *dir, const char *language, const char *name)
{
    g_autofree char *file = g_strconcat(name, ".wav", NULL);

    return g_build_filename(dir, language, file, NULL);
}
