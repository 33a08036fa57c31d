/* res_eventlog - keeps the most recent events of the bus for the CLI.
 *
 * Subscribes to every event and keeps the last `size` of them (default
 * 500, [general] size in eventlog.conf, optional) in a ring.  `event show
 * recent [N] [like TYPE]` prints them; admins use it to see registrations,
 * module loads and calls happen, tests use it to assert that events fire.
 */
#include <string.h>

#include <carillon/carillon.h>

typedef struct {
    gint64 when;          /* wall clock, microseconds */
    GString *text;        /* "type key=value ..." */
} Entry;

typedef struct {
    guint size;
} EventlogConf;

static const PbxOption conf_opts[] = {
    { "size", PBX_OPT_UINT, G_STRUCT_OFFSET(EventlogConf, size), "500", 1, 100000 },
};

static GQueue ring = G_QUEUE_INIT;
static guint ring_size = 500;
static guint64 total;

static void
entry_free(gpointer p)
{
    Entry *e = p;
    g_string_free(e->text, TRUE);
    g_free(e);
}

static void
append_field(const char *key, const char *value, gpointer data)
{
    GString *s = data;

    g_string_append_c(s, ' ');
    g_string_append(s, key);
    g_string_append_c(s, '=');
    g_string_append(s, value);
}

/* A full ring reuses its oldest entry (list link and text buffer): no
 * allocation per event once it has filled. */
static void
on_event(const PbxEvent *ev, gpointer data)
{
    GList *link;
    Entry *e;

    while (ring.length > ring_size)     /* the size was lowered by a reload */
        entry_free(g_queue_pop_head(&ring));
    if (ring.length == ring_size) {
        link = g_queue_pop_head_link(&ring);
        e = link->data;
        g_string_truncate(e->text, 0);
    } else {
        e = g_new(Entry, 1);
        e->text = g_string_sized_new(128);
        link = g_list_alloc();
        link->data = e;
    }
    g_string_append(e->text, pbx_event_get_type(ev));
    pbx_event_foreach(ev, append_field, e->text);
    e->when = g_get_real_time();
    g_queue_push_tail_link(&ring, link);
    total++;
}

static gboolean
show_recent(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    guint64 n = 20;
    const char *like = NULL;
    int i = 0;
    guint skip;

    if (i < argc && g_ascii_isdigit(argv[i][0]))
        n = g_ascii_strtoull(argv[i++], NULL, 10);
    if (i + 1 < argc && strcmp(argv[i], "like") == 0) {
        like = argv[i + 1];
        i += 2;
    }
    if (i != argc) {
        pbx_cli_usage(ctx);
        return FALSE;
    }
    skip = ring.length > n ? ring.length - (guint) n : 0;
    for (GList *l = ring.head; l; l = l->next) {
        Entry *e = l->data;
        g_autoptr(GDateTime) t = NULL;
        g_autofree char *ts = NULL;

        if (skip > 0) {
            skip--;
            continue;
        }
        if (like && !strstr(e->text->str, like))
            continue;
        t = g_date_time_new_from_unix_local(e->when / G_USEC_PER_SEC);
        ts = g_date_time_format(t, "%H:%M:%S");
        pbx_cli_print(ctx, "%s %s\n", ts, e->text->str);
    }
    pbx_cli_print(ctx, "%" G_GUINT64_FORMAT " events seen, %u kept\n", total,
                  ring.length);
    return TRUE;
}

static const PbxCliCommand commands[] = {
    { "event show recent", "[N] [like TEXT]", "Show the most recent events", show_recent, NULL },
};

/* eventlog.conf is optional: without it the defaults apply. */
static gboolean
apply_config(GError **error)
{
    g_autoptr(PbxConfig) cfg = NULL;
    g_autoptr(GError) local = NULL;
    EventlogConf conf = { 0 };

    cfg = pbx_core_load_config("eventlog.conf", &local);
    if (!cfg && !g_error_matches(local, PBX_CONFIG_ERROR, PBX_CONFIG_ERROR_IO)) {
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }
    if (!pbx_config_apply(cfg, "general", conf_opts, G_N_ELEMENTS(conf_opts),
                          &conf, FALSE, error))
        return FALSE;
    ring_size = conf.size;
    return TRUE;
}

static gboolean
eventlog_load(PbxModule *self, GError **error)
{
    if (!apply_config(error))
        return FALSE;
    if (!pbx_cli_register(self, commands, G_N_ELEMENTS(commands), NULL, error))
        return FALSE;
    pbx_event_subscribe(self, "*", on_event, NULL);
    return TRUE;
}

static void
eventlog_unload(PbxModule *self)
{
    g_queue_clear_full(&ring, entry_free);
    total = 0;
}

static gboolean
eventlog_reload(PbxModule *self, GError **error)
{
    return apply_config(error);
}

PBX_MODULE_DEFINE("res_eventlog", "Recent events for the CLI",
                  .load = eventlog_load,
                  .unload = eventlog_unload,
                  .reload = eventlog_reload);
