/* Carillon - pickup group lists ("1,3-5", numbers 0-63) as bit masks
 * (carillon/pickup.h).  Pure functions: any thread. */
#include <string.h>

#include <carillon/pickup.h>

G_DEFINE_QUARK(pbx-pickup-error-quark, pbx_pickup_error)

/* One number 0-63 of an item, all of `text`. */
static gboolean
parse_number(const char *text, guint *out)
{
    guint64 n;

    if (!*text || strspn(text, "0123456789") != strlen(text) ||
        !g_ascii_string_to_unsigned(text, 10, 0, PBX_PICKUP_GROUP_MAX, &n, NULL))
        return FALSE;
    *out = (guint) n;
    return TRUE;
}

/* "N" or "N-M" (N <= M) into *groups. */
static gboolean
parse_item(char *item, guint64 *groups)
{
    char *dash = strchr(g_strstrip(item), '-');
    guint first, last;

    if (dash)
        *dash = '\0';
    if (!parse_number(g_strstrip(item), &first))
        return FALSE;
    last = first;
    if (dash && (!parse_number(g_strstrip(dash + 1), &last) || last < first))
        return FALSE;
    for (guint g = first; g <= last; g++)
        *groups |= G_GUINT64_CONSTANT(1) << g;
    return TRUE;
}

gboolean
pbx_pickup_groups_parse(const char *text, guint64 *groups, GError **error)
{
    g_auto(GStrv) items = NULL;
    guint64 out = 0;

    g_return_val_if_fail(groups != NULL, FALSE);
    if (!text || strspn(text, " \t") == strlen(text)) {
        *groups = 0;
        return TRUE;
    }
    items = g_strsplit(text, ",", -1);
    for (guint i = 0; items[i]; i++) {
        if (!parse_item(items[i], &out)) {
            g_set_error(error, PBX_PICKUP_ERROR, PBX_PICKUP_ERROR_PARSE,
                        "'%s' is not a list of groups 0-%u (such as 1,3-5)", text,
                        PBX_PICKUP_GROUP_MAX);
            return FALSE;
        }
    }
    *groups = out;
    return TRUE;
}

static gboolean
has(guint64 groups, guint g)
{
    return g <= PBX_PICKUP_GROUP_MAX && (groups >> g) & 1;
}

char *
pbx_pickup_groups_to_string(guint64 groups)
{
    GString *out = g_string_new(NULL);

    for (guint g = 0; g <= PBX_PICKUP_GROUP_MAX; g++) {
        guint last = g;
        if (!has(groups, g))
            continue;
        while (has(groups, last + 1))
            last++;
        g_string_append_printf(out, "%s%u", out->len ? "," : "", g);
        if (last >= g + 2)
            g_string_append_printf(out, "-%u", last);
        else if (last == g + 1)
            g_string_append_printf(out, ",%u", last);
        g = last;
    }
    return g_string_free(out, FALSE);
}

gboolean
pbx_pickup_groups_meet(const char *pickup_group, const char *call_group)
{
    guint64 a, b;

    return pbx_pickup_groups_parse(pickup_group, &a, NULL) &&
           pbx_pickup_groups_parse(call_group, &b, NULL) && (a & b) != 0;
}
