/* app_playback - the CLI: `playback show`. */
#include "app_playback.h"

static void
print_playback(const PlaybackInfo *info, gpointer data)
{
    PbxCliContext *ctx = data;

    pbx_cli_print(ctx, "%-28s %-8s %-24s %3u/%-3u %7.2f %7.2f %s\n", info->channel, info->stage,
                  info->sound ? info->sound : "-", info->sound ? info->index + 1 : 0,
                  info->n_sounds, info->played_ms / 1000.0, info->length_ms / 1000.0,
                  *info->interrupt ? info->interrupt : "-");
}

/* Live playbacks (those whose port is not released yet included) and
 * how many calls wait in read_digits. */
static gboolean
show_playbacks(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    if (argc != 0) {
        pbx_cli_usage(ctx);
        return FALSE;
    }
    pbx_cli_print(ctx, "%-28s %-8s %-24s %7s %7s %7s %s\n", "Channel", "Stage", "Sound", "#",
                  "Played", "Length", "Interrupt");
    playback_foreach(print_playback, ctx);
    pbx_cli_print(ctx, "%u playbacks, %u calls reading digits\n", playback_count(),
                  reader_count());
    return TRUE;
}

static const PbxCliCommand commands[] = {
    { "playback show", NULL, "Prompts being played and calls reading digits", show_playbacks,
      NULL },
};

gboolean
app_playback_register_cli(PbxModule *self, GError **error)
{
    return pbx_cli_register(self, commands, G_N_ELEMENTS(commands), NULL, error);
}
