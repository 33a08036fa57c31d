/* app_conference - CLI: conference show, kick, mute, unmute. */
#include <string.h>

#include "conference.h"

static void
print_seat(PbxCliContext *ctx, ConfSeat *seat, gint64 now)
{
    const char *codec = pbx_channel_get_codec(seat->chan);
    ConfMixStats st;

    conf_mix_port_get_stats(seat->port, &st);
    pbx_cli_print(ctx, "  %-28s %-6s %5u %-9s %-5s %6" G_GINT64_FORMAT " %8u %6u %6u %4u\n",
                  pbx_channel_get_name(seat->chan), codec ? codec : "-",
                  conf_mix_port_get_rate(seat->port), seat->opts.moderator ? "moderator" : "-",
                  conf_mix_port_get_muted(seat->port) ? "muted" : "-",
                  (now - seat->joined) / G_USEC_PER_SEC, st.mixed, st.take.empty,
                  st.take.skipped, st.take.torn);
}

static void
print_room(PbxCliContext *ctx, ConfRoom *room)
{
    gint64 now = g_get_monotonic_time();

    pbx_cli_print(ctx, "Room %s: %u participant%s, up %" G_GINT64_FORMAT " s\n", room->name,
                  room->seats.length, room->seats.length == 1 ? "" : "s",
                  (now - room->created) / G_USEC_PER_SEC);
    pbx_cli_print(ctx, "  %-28s %-6s %5s %-9s %-5s %6s %8s %6s %6s %4s\n", "Channel", "Codec",
                  "Rate", "Role", "Mic", "Secs", "Ticks", "Empty", "Skip", "Torn");
    for (GList *l = room->seats.head; l; l = l->next)
        print_seat(ctx, l->data, now);
}

static gboolean
show(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    g_autoptr(GPtrArray) rooms = NULL;
    guint members = 0, shown = 0;

    PBX_ASSERT_MAIN_CONTEXT();
    if (argc > 1) {
        pbx_cli_usage(ctx);
        return FALSE;
    }
    rooms = conf_room_list();
    for (guint i = 0; i < rooms->len; i++) {
        ConfRoom *room = rooms->pdata[i];
        members += room->seats.length;
        if (argc == 1 && strcmp(argv[0], room->name) != 0)
            continue;
        print_room(ctx, room);
        shown++;
    }
    if (argc == 1 && shown == 0) {
        pbx_cli_print(ctx, "No room '%s'\n", argv[0]);
        return FALSE;
    }
    pbx_cli_print(ctx, "%u room%s, %u participant%s\n", rooms->len, rooms->len == 1 ? "" : "s",
                  members, members == 1 ? "" : "s");
    return TRUE;
}

/* The room argv[0] and, unless argv[1] is "all", the seat argv[1] in it. */
static ConfRoom *
find_target(PbxCliContext *ctx, int argc, char **argv, ConfSeat **seat)
{
    ConfRoom *room;

    if (argc != 2) {
        pbx_cli_usage(ctx);
        return NULL;
    }
    if (!(room = conf_room_find(argv[0]))) {
        pbx_cli_print(ctx, "No room '%s'\n", argv[0]);
        return NULL;
    }
    *seat = strcmp(argv[1], "all") == 0 ? NULL : conf_room_find_seat(room, argv[1]);
    if (!*seat && strcmp(argv[1], "all") != 0) {
        pbx_cli_print(ctx, "No channel '%s' in room '%s'\n", argv[1], argv[0]);
        return NULL;
    }
    return room;
}

static ConfSeat *
first_seat(ConfRoom *room, gboolean moderator)
{
    for (GList *l = room->seats.head; l; l = l->next)
        if (((ConfSeat *) l->data)->opts.moderator == moderator)
            return l->data;
    return NULL;
}

/* Moderators last: the room ends empty, and everyone was "kicked"
 * (a moderator kicked first would end it with the others "ended"). */
static guint
kick_all(ConfRoom *room)
{
    ConfSeat *seat;
    guint n = 0;

    while ((seat = first_seat(room, FALSE))) {
        conf_seat_leave(seat, "kicked");
        n++;
    }
    while ((seat = first_seat(room, TRUE))) {
        conf_seat_leave(seat, "kicked");
        n++;
    }
    return n;
}

static gboolean
kick(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    ConfSeat *seat = NULL;
    ConfRoom *room;
    guint n = 0;

    PBX_ASSERT_MAIN_CONTEXT();
    if (!(room = find_target(ctx, argc, argv, &seat)))
        return FALSE;
    conf_room_ref(room);                    /* the last kick ends it */
    if (seat) {
        conf_seat_leave(seat, "kicked");
        n = 1;
    } else {
        n = kick_all(room);
    }
    pbx_cli_print(ctx, "Kicked %u from room %s\n", n, room->name);
    conf_room_unref(room);
    return TRUE;
}

static gboolean
set_muted(PbxCliContext *ctx, int argc, char **argv, gboolean muted)
{
    ConfSeat *seat = NULL;
    ConfRoom *room;
    guint n = 0;

    PBX_ASSERT_MAIN_CONTEXT();
    if (!(room = find_target(ctx, argc, argv, &seat)))
        return FALSE;
    for (GList *l = room->seats.head; l; l = l->next) {
        if (seat && l->data != seat)
            continue;
        conf_seat_set_muted(l->data, muted);
        n++;
    }
    pbx_cli_print(ctx, "%s %u in room %s\n", muted ? "Muted" : "Unmuted", n, room->name);
    return TRUE;
}

static gboolean
mute(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    return set_muted(ctx, argc, argv, TRUE);
}

static gboolean
unmute(PbxCliContext *ctx, int argc, char **argv, gpointer data)
{
    return set_muted(ctx, argc, argv, FALSE);
}

/* Room names for the first argument, the room's channels for the second. */
static void
complete(int argi, char **argv, GPtrArray *out, gpointer data)
{
    g_autoptr(GPtrArray) rooms = conf_room_list();
    ConfRoom *room = argi == 1 ? conf_room_find(argv[0]) : NULL;

    if (argi == 0)
        for (guint i = 0; i < rooms->len; i++)
            g_ptr_array_add(out, g_strdup(((ConfRoom *) rooms->pdata[i])->name));
    if (!room)
        return;
    g_ptr_array_add(out, g_strdup("all"));
    for (GList *l = room->seats.head; l; l = l->next)
        g_ptr_array_add(out, g_strdup(pbx_channel_get_name(((ConfSeat *) l->data)->chan)));
}

static const PbxCliCommand commands[] = {
    { "conference show", "[ROOM]", "Rooms and their participants", show, complete },
    { "conference kick", "ROOM CHANNEL|all", "Remove participants from a room", kick, complete },
    { "conference mute", "ROOM CHANNEL|all", "Stop the room hearing them", mute, complete },
    { "conference unmute", "ROOM CHANNEL|all", "Let the room hear them again", unmute,
      complete },
};

gboolean
conf_cli_register(PbxModule *self, GError **error)
{
    return pbx_cli_register(self, commands, G_N_ELEMENTS(commands), NULL, error);
}
