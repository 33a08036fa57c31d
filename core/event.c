/* Carillon - the event bus.
 *
 * Events are delivered synchronously on the main context.  A publisher
 * that does not own the main context (another thread, or the main thread
 * before it acquires the context) has its event queued to the main
 * context with an idle source, so subscribers never run concurrently and
 * never off the main context.
 */
#include <stdarg.h>
#include <string.h>

#include "core_private.h"

/* An event is one allocation in the common case: its type and fields are
 * NUL-terminated strings packed in `text` (inline until it outgrows it),
 * found by offset.  Events are published per registration and per call
 * state change, so they stay cheap. */
#define EVENT_INLINE_TEXT 320
#define EVENT_INLINE_FIELDS 12

struct _PbxEvent {
    char *text;                /* inline_text or g_malloc'ed */
    gsize len, cap;
    guint32 *off;              /* type, then key, value, key, value, ... */
    guint n_off, cap_off;
    guint32 inline_off[1 + 2 * EVENT_INLINE_FIELDS];
    char inline_text[EVENT_INLINE_TEXT];
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

static guint32
text_add(PbxEvent *ev, const char *s, gsize n)
{
    guint32 at = (guint32) ev->len;

    if (ev->len + n + 1 > ev->cap) {
        gsize cap = MAX(ev->cap * 2, ev->len + n + 1);
        if (ev->text == ev->inline_text)
            ev->text = memcpy(g_malloc(cap), ev->inline_text, ev->len);
        else
            ev->text = g_realloc(ev->text, cap);
        ev->cap = cap;
    }
    memcpy(ev->text + ev->len, s, n);
    ev->text[ev->len + n] = '\0';
    ev->len += n + 1;
    return at;
}

static void
off_add(PbxEvent *ev, guint32 at)
{
    if (ev->n_off == ev->cap_off) {
        ev->cap_off *= 2;
        if (ev->off == ev->inline_off)
            ev->off = g_memdup2(ev->inline_off, ev->n_off * sizeof(guint32));
        ev->off = g_renew(guint32, ev->off, ev->cap_off);
    }
    ev->off[ev->n_off++] = at;
}

#define EV_STR(ev, i) ((ev)->text + (ev)->off[i])

PbxEvent *
pbx_event_new(const char *type)
{
    PbxEvent *ev = g_new(PbxEvent, 1);

    ev->text = ev->inline_text;
    ev->len = 0;
    ev->cap = sizeof(ev->inline_text);
    ev->off = ev->inline_off;
    ev->n_off = 0;
    ev->cap_off = G_N_ELEMENTS(ev->inline_off);
    off_add(ev, text_add(ev, type, strlen(type)));
    return ev;
}

void
pbx_event_free(PbxEvent *ev)
{
    if (!ev)
        return;
    if (ev->text != ev->inline_text)
        g_free(ev->text);
    if (ev->off != ev->inline_off)
        g_free(ev->off);
    g_free(ev);
}

void
pbx_event_set(PbxEvent *ev, const char *key, const char *value)
{
    guint32 at;

    value = value ? value : "";
    at = text_add(ev, value, strlen(value));
    for (guint i = 1; i < ev->n_off; i += 2) {
        if (strcmp(EV_STR(ev, i), key) == 0) {
            ev->off[i + 1] = at;     /* the old value stays, unused */
            return;
        }
    }
    off_add(ev, text_add(ev, key, strlen(key)));
    off_add(ev, at);
}

void
pbx_event_setf(PbxEvent *ev, const char *key, const char *fmt, ...)
{
    va_list ap;
    char buf[256];
    int n;

    va_start(ap, fmt);
    n = g_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n >= 0 && (gsize) n < sizeof(buf)) {
        pbx_event_set(ev, key, buf);
    } else {
        g_autofree char *v = NULL;
        va_start(ap, fmt);
        v = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        pbx_event_set(ev, key, v);
    }
}

const char *
pbx_event_get_type(const PbxEvent *ev)
{
    return EV_STR(ev, 0);
}

const char *
pbx_event_get(const PbxEvent *ev, const char *key)
{
    for (guint i = 1; i < ev->n_off; i += 2) {
        if (strcmp(EV_STR(ev, i), key) == 0)
            return EV_STR(ev, i + 1);
    }
    return NULL;
}

void
pbx_event_foreach(const PbxEvent *ev,
                  void (*fn)(const char *key, const char *value, gpointer data),
                  gpointer data)
{
    for (guint i = 1; i < ev->n_off; i += 2)
        fn(EV_STR(ev, i), EV_STR(ev, i + 1), data);
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
        if (!s->dead && matches(s, pbx_event_get_type(ev)))
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
pbx_event_publish(PbxEvent *ev)
{
    g_return_if_fail(ev != NULL);
    if (g_main_context_is_owner(g_main_context_default()))
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

    PBX_ASSERT_MAIN_CONTEXT();
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
    PBX_ASSERT_MAIN_CONTEXT();
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
