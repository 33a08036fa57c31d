/* res_sounds - the CLI: sounds show settings | cache | sound NAME,
 * sounds preload NAME. */
#include <string.h>

#include "sounds_private.h"

static gboolean
show_settings(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    SoundsEngine *engine = data;
    const SoundsConf *conf = sounds_engine_get_conf(engine);
    const SoundIndex *index = sounds_engine_get_index(engine);
    const SoundsStats *st = sounds_engine_get_stats(engine);
    SoundCache *cache = sounds_engine_get_cache(engine);
    g_auto(GStrv) langs = sound_index_dup_languages(index);
    g_autofree char *list = g_strjoinv(", ", langs);

    if (argc != 0) {
        pbx_cli_usage(ctx);
        return FALSE;
    }
    pbx_cli_print(ctx, "Sounds dir:     %s\n", conf->sounds_dir);
    pbx_cli_print(ctx, "Indexed:        %u sounds%s%s\n", sound_index_get_size(index),
                  strcmp(sound_index_get_dir(index), conf->sounds_dir) ? " in " : "",
                  strcmp(sound_index_get_dir(index), conf->sounds_dir)
                      ? sound_index_get_dir(index) : "");
    pbx_cli_print(ctx, "Languages:      %s\n", *list ? list : "-");
    pbx_cli_print(ctx, "Language:       %s (default)\n", conf->language);
    pbx_cli_print(ctx, "Cache:          %" G_GSIZE_FORMAT " KB of %u KB, %u sounds, %"
                  G_GUINT64_FORMAT " evicted\n", sound_cache_get_bytes(cache) / 1024,
                  conf->cache_max_kb, sound_cache_get_count(cache),
                  sound_cache_get_evictions(cache));
    pbx_cli_print(ctx, "Max length:     %u s\n", conf->max_seconds);
    pbx_cli_print(ctx, "Loader threads: %u (%u jobs)\n", conf->loader_threads,
                  sounds_engine_get_loader_busy(engine));
    pbx_cli_print(ctx, "Requests:       %" G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT
                  " from the cache, %" G_GUINT64_FORMAT " decoded, %" G_GUINT64_FORMAT
                  " failed, %u waiting)\n", st->requests, st->hits, st->decoded, st->failed,
                  sounds_engine_get_pending(engine));
    return TRUE;
}

static void
print_entry(const SoundCacheEntryInfo *info, gpointer data)
{
    PbxCliContext *ctx = data;
    const PbxSound *s = info->sound;
    g_autofree char *base = g_path_get_basename(s->name);

    /* A path is in the File column: its file name is enough here. */
    pbx_cli_print(ctx, "%-24s %6u %9.2f %8" G_GSIZE_FORMAT " %5u %7" G_GUINT64_FORMAT " %s\n",
                  g_path_is_absolute(s->name) ? base : s->name, s->rate,
                  s->n_samples / (double) s->rate,
                  sound_get_bytes(s) / 1024, info->users, info->hits, s->path);
}

static gboolean
show_cache(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    SoundsEngine *engine = data;
    SoundCache *cache = sounds_engine_get_cache(engine);

    if (argc != 0) {
        pbx_cli_usage(ctx);
        return FALSE;
    }
    pbx_cli_print(ctx, "%-24s %6s %9s %8s %5s %7s %s\n", "Sound", "Rate", "Seconds", "KB",
                  "Users", "Hits", "File");
    sound_cache_foreach(cache, print_entry, ctx);
    pbx_cli_print(ctx, "%u sounds, %" G_GSIZE_FORMAT " KB of %" G_GSIZE_FORMAT " KB\n",
                  sound_cache_get_count(cache), sound_cache_get_bytes(cache) / 1024,
                  sound_cache_get_max(cache) / 1024);
    return TRUE;
}

/* `sounds show sound NAME [LANGUAGE]`: the file a load would read. */
static gboolean
show_sound(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    SoundsEngine *engine = data;
    const SoundsConf *conf = sounds_engine_get_conf(engine);
    const char *language = argc == 2 ? argv[1] : conf->language;
    g_autofree char *path = NULL;
    g_autoptr(GPtrArray) chain = NULL;
    g_autofree char *tried = NULL;

    if (argc < 1 || argc > 2) {
        pbx_cli_usage(ctx);
        return FALSE;
    }
    path = sounds_engine_dup_path(engine, argv[0], language);
    if (path) {
        pbx_cli_print(ctx, "%s (language %s): %s\n", argv[0], language, path);
        return TRUE;
    }
    if (g_path_is_absolute(argv[0])) {
        pbx_cli_print(ctx, "%s: no such file\n", argv[0]);
        return FALSE;
    }
    chain = sound_language_chain(language, conf->language);
    g_ptr_array_add(chain, NULL);
    tried = g_strjoinv(", ", (char **) chain->pdata);
    pbx_cli_print(ctx, "%s (language %s): not found in %s (languages %s)\n", argv[0],
                  language, sound_index_get_dir(sounds_engine_get_index(engine)), tried);
    return FALSE;
}

static void
preloaded(PbxSound *sound, const GError *error, gpointer data)
{
    if (sound)
        pbx_notice(pbx_log_domain("sounds"), "preloaded %s at %u Hz: %u ms from %s",
                   sound->name, sound->rate, pbx_sound_get_duration_ms(sound), sound->path);
    pbx_sound_unref(sound);
}

/* `sounds preload NAME [LANGUAGE] [RATE]`: into the cache, in the
 * background; the result goes to the log. */
static gboolean
preload(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    const char *language = NULL;
    guint64 rate = 8000;
    int i;

    if (argc < 1 || argc > 3) {
        pbx_cli_usage(ctx);
        return FALSE;
    }
    for (i = 1; i < argc; i++) {
        if (!g_ascii_string_to_unsigned(argv[i], 10, 0, G_MAXUINT, &rate, NULL))
            language = argv[i];
    }
    sounds_engine_load(data, argv[0], language, (guint) rate, preloaded, NULL);
    pbx_cli_print(ctx, "Loading %s at %u Hz (the log says how it went)\n", argv[0],
                  (guint) rate);
    return TRUE;
}

static const PbxCliCommand commands[] = {
    { "sounds show settings", NULL, "Sounds dir, languages, cache use", show_settings, NULL },
    { "sounds show cache", NULL, "Decoded sounds in the cache, most recent first", show_cache,
      NULL },
    { "sounds show sound", "NAME [LANGUAGE]", "The file a sound name stands for", show_sound,
      NULL },
    { "sounds preload", "NAME [LANGUAGE] [RATE]", "Decode a sound into the cache", preload, NULL },
};

gboolean
sounds_cli_register(PbxModule *self, SoundsEngine *engine, GError **error)
{
    return pbx_cli_register(self, commands, G_N_ELEMENTS(commands), engine, error);
}
