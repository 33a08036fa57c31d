/* Carillon - the event bus.
 *
 * Events are delivered synchronously on the main context.  A publisher on
 * another thread has its event queued to the main context with
 * g_main_context_invoke, so subscribers never run concurrently.
 */
#include <stdarg.h>
#include <string.h>

#include "core_private.h"

struct _PbxEvent {
    char *type;
    GPtrArray *fields;     /* key, value, key, value, ... (owned) */
};

typedef struct {
    guint id;
    PbxModule *owner;
    char *pattern;
    gboolean prefix;       /* pattern ended in '*' */
    PbxEventFunc fn;
    gpointer data;
    gpointer cleanup;      /* handle from pbx_module_on_unload */
    gboolean dead;
} Subscription;

static GPtrArray *subs;        /* Subscription* */
static guint next_id = 1;
static guint dispatch_depth;
static GThread *main_thread;   /* set by pbx_event_init() */

PbxEvent *
pbx_event_new(const char *type)
{
    PbxEvent *ev = g_new0(PbxEvent, 1);
    ev->type = g_strdup(type);
    ev->fields = g_ptr_array_new_with_free_func(g_free);
    return ev;
}

void
pbx_event_free(PbxEvent *ev)
{
    if (!ev)
        return;
    g_ptr_array_unref(ev->fields);
    g_free(ev->type);
    g_free(ev);
}

void
pbx_event_set(PbxEvent *ev, const char *key, const char *value)
{
    for (guint i = 0; i < ev->fields->len; i += 2) {
        if (strcmp(ev->fields->pdata[i], key) == 0) {
            g_free(ev->fields->pdata[i + 1]);
            ev->fields->pdata[i + 1] = g_strdup(value ? value : "");
            return;
        }
    }
    g_ptr_array_add(ev->fields, g_strdup(key));
    g_ptr_array_add(ev->fields, g_strdup(value ? value : ""));
}

void
pbx_event_setf(PbxEvent *ev, const char *key, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *v = NULL;

    va_start(ap, fmt);
    v = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    pbx_event_set(ev, key, v);
}

const char *
pbx_event_get_type(const PbxEvent *ev)
{
    return ev->type;
}

const char *
pbx_event_get(const PbxEvent *ev, const char *key)
{
    for (guint i = 0; i < ev->fields->len; i += 2) {
        if (strcmp(ev->fields->pdata[i], key) == 0)
            return ev->fields->pdata[i + 1];
    }
    return NULL;
}

void
pbx_event_foreach(const PbxEvent *ev,
                  void (*fn)(const char *key, const char *value, gpointer data),
                  gpointer data)
{
    for (guint i = 0; i < ev->fields->len; i += 2)
        fn(ev->fields->pdata[i], ev->fields->pdata[i + 1], data);
}

static gboolean
matches(const Subscription *s, const char *type)
{
    if (s->prefix)
        return strncmp(type, s->pattern, strlen(s->pattern)) == 0;
    return strcmp(type, s->pattern) == 0;
}

static void
sub_free(Subscription *s)
{
    g_free(s->pattern);
    g_free(s);
}

/* Drops subscriptions marked dead once no dispatch is walking the list. */
static void
sweep(void)
{
    if (dispatch_depth > 0 || !subs)
        return;
    for (guint i = subs->len; i > 0; i--) {
        Subscription *s = subs->pdata[i - 1];
        if (s->dead) {
            g_ptr_array_remove_index(subs, i - 1);
            sub_free(s);
        }
    }
}

static void
dispatch(PbxEvent *ev)
{
    dispatch_depth++;
    for (guint i = 0; subs && i < subs->len; i++) {
        Subscription *s = subs->pdata[i];
        if (!s->dead && matches(s, ev->type))
            s->fn(ev, s->data);
    }
    dispatch_depth--;
    sweep();
}

static gboolean
dispatch_queued(gpointer data)
{
    PbxEvent *ev = data;
    dispatch(ev);
    pbx_event_free(ev);
    return G_SOURCE_REMOVE;
}

void
pbx_event_init(void)
{
    main_thread = g_thread_self();
}

void
pbx_event_publish(PbxEvent *ev)
{
    g_return_if_fail(ev != NULL);
    if (!main_thread || g_thread_self() == main_thread)
        dispatch_queued(ev);
    else
        g_idle_add_full(G_PRIORITY_DEFAULT, dispatch_queued, ev, NULL);
}

static void
unsubscribe_cleanup(gpointer data)
{
    Subscription *s = data;
    s->cleanup = NULL;
    s->dead = TRUE;
    sweep();
}

guint
pbx_event_subscribe(PbxModule *owner, const char *pattern, PbxEventFunc fn,
                    gpointer data)
{
    Subscription *s;
    size_t n;

    g_return_val_if_fail(pattern != NULL && fn != NULL, 0);
    if (!subs)
        subs = g_ptr_array_new();
    s = g_new0(Subscription, 1);
    s->id = next_id++;
    s->owner = owner;
    n = strlen(pattern);
    s->prefix = n > 0 && pattern[n - 1] == '*';
    s->pattern = s->prefix ? g_strndup(pattern, n - 1) : g_strdup(pattern);
    s->fn = fn;
    s->data = data;
    s->cleanup = pbx_module_on_unload(owner, unsubscribe_cleanup, s);
    g_ptr_array_add(subs, s);
    return s->id;
}

void
pbx_event_unsubscribe(guint id)
{
    for (guint i = 0; subs && i < subs->len; i++) {
        Subscription *s = subs->pdata[i];
        if (s->id == id && !s->dead) {
            pbx_module_forget(s->owner, s->cleanup);
            s->cleanup = NULL;
            s->dead = TRUE;
            sweep();
            return;
        }
    }
}
