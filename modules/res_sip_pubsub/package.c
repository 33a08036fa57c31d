/* Carillon res_sip_pubsub - registered event packages.
 *
 * A package registers once per name.  When it registers, the
 * subscriptions to it kept in the store are restored (a restart, or the
 * package's module loaded again); when its module unloads, its
 * subscriptions leave the tables without a NOTIFY but stay in the store,
 * so a daemon that stops does not tell every phone its watch is over.
 */
#include <string.h>
#include "pubsub_private.h"

static GString *allow_events;   /* cache of package_allow_events() */

void
package_init(void)
{
    pubsub.packages = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

void
package_shutdown(void)
{
    g_clear_pointer(&pubsub.packages, g_hash_table_unref);
    if (allow_events)
        g_string_free(g_steal_pointer(&allow_events), TRUE);
}

Package *
package_find(const char *name, gsize len)
{
    char buf[64];

    if (!pubsub.packages || len == 0 || len >= sizeof(buf))
        return NULL;
    for (gsize i = 0; i < len; i++)
        buf[i] = g_ascii_tolower(name[i]);
    buf[len] = '\0';
    return g_hash_table_lookup(pubsub.packages, buf);
}

const char *
package_allow_events(void)
{
    GHashTableIter it;
    gpointer key;

    if (allow_events)
        return allow_events->str;
    allow_events = g_string_new(NULL);
    g_hash_table_iter_init(&it, pubsub.packages);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        if (allow_events->len)
            g_string_append(allow_events, ", ");
        g_string_append(allow_events, key);
    }
    return allow_events->str;
}

/* The interval granted for a request of `asked` s (`given`: the request
 * named one); 0 stays 0 (a fetch or an unsubscribe).  *min is the
 * package's minimum: a non-zero result below it means 423 (conf.c
 * says where the limits come from). */
guint
package_expires(const Package *p, guint asked, gboolean given, guint *min)
{
    ExpiryConf e;

    conf_expiry(p, &e);
    *min = e.min;
    return MIN(given ? asked : e.dflt, e.max);
}

static void
detach_one(SipSubscription *sub, gpointer data)
{
    if (sub->package == data)
        subscription_detach(sub);
}

static void
package_gone(gpointer data)
{
    Package *p = data;
    g_autofree char *name = g_ascii_strdown(p->pkg->name, -1);

    subscription_foreach(detach_one, p);
    if (allow_events)
        g_string_free(g_steal_pointer(&allow_events), TRUE);
    pbx_debug(pubsub.log, "event package %s unregistered", name);
    if (pubsub.packages)
        g_hash_table_remove(pubsub.packages, name);     /* frees p */
}

gboolean
package_register(PbxModule *owner, const SipEventPackage *pkg, gpointer data, GError **error)
{
    g_autofree char *name = NULL;
    Package *p;

    g_return_val_if_fail(pkg && pkg->name && pkg->content_type && pkg->body, FALSE);
    name = g_ascii_strdown(pkg->name, -1);
    if (g_hash_table_contains(pubsub.packages, name)) {
        g_set_error(error, SIP_ERROR, SIP_ERROR_INVALID,
                    "event package '%s' is already registered", pkg->name);
        return FALSE;
    }
    p = g_new0(Package, 1);
    p->pkg = pkg;
    p->data = data;
    p->owner = owner;
    g_hash_table_insert(pubsub.packages, g_steal_pointer(&name), p);
    if (allow_events)
        g_string_free(g_steal_pointer(&allow_events), TRUE);
    pbx_module_on_unload(owner, package_gone, p);
    subscriptions_restore(p);
    return TRUE;
}
