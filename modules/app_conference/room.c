/* app_conference - rooms: who is in, when they end, what the event bus
 * hears (see conference.h). */
#include <string.h>

#include "conference.h"

/* ------------------------------------------------------------ life */

static ConfRoom *
room_new(const char *name)
{
    ConfRoom *room = g_new0(ConfRoom, 1);

    room->name = g_strdup(name);
    room->refs = 1;
    room->mixer = conf_mixer_new();
    room->created = g_get_monotonic_time();
    g_queue_init(&room->seats);
    return room;
}

ConfRoom *
conf_room_find(const char *name)
{
    return g_hash_table_lookup(conf_app.rooms, name);
}

ConfRoom *
conf_room_get(const char *name)
{
    ConfRoom *room = conf_room_find(name);

    if (!room) {
        room = room_new(name);
        g_hash_table_insert(conf_app.rooms, room->name, room);
    }
    return room;
}

ConfRoom *
conf_room_ref(ConfRoom *room)
{
    room->refs++;
    return room;
}

/* The last reference goes once every port of the room was freed: the
 * mixer is no longer read by any media thread. */
void
conf_room_unref(ConfRoom *room)
{
    if (!room || --room->refs > 0)
        return;
    conf_mixer_free(room->mixer);
    g_free(room->name);
    g_free(room);
}

/* Out of the table (a new room of that name may start); the table's
 * reference goes. */
static void
forget(ConfRoom *room)
{
    g_hash_table_steal(conf_app.rooms, room->name);
    conf_room_unref(room);
}

void
conf_room_forget_if_empty(ConfRoom *room)
{
    if (!room->ended && room->seats.length == 0) {
        room->ended = TRUE;
        forget(room);
    }
}

gboolean
conf_room_is_full(const ConfRoom *room, guint max)
{
    return room && room->seats.length >= MIN(max, CONF_MAX_MEMBERS);
}

/* ------------------------------------------------------------ events */

static void
publish_seat(const char *type, ConfRoom *room, ConfSeat *seat, const char *reason)
{
    PbxEvent *ev = pbx_event_new(type);

    pbx_event_set(ev, "room", room->name);
    pbx_event_set(ev, "channel", pbx_channel_get_name(seat->chan));
    pbx_event_set(ev, "id", pbx_channel_get_id(seat->chan));
    if (reason) {
        pbx_event_set(ev, "reason", reason);
    } else {
        pbx_event_set(ev, "moderator", seat->opts.moderator ? "yes" : "no");
        pbx_event_set(ev, "muted", seat->opts.muted ? "yes" : "no");
    }
    pbx_event_setf(ev, "members", "%u", room->seats.length);
    pbx_event_publish(ev);
}

static void
publish_end(ConfRoom *room, const char *why)
{
    PbxEvent *ev = pbx_event_new("conference/end");

    pbx_event_set(ev, "room", room->name);
    pbx_event_set(ev, "reason", why);
    pbx_event_publish(ev);
}

/* ------------------------------------------------------------ members */

void
conf_room_add(ConfRoom *room, ConfSeat *seat)
{
    g_queue_push_tail(&room->seats, seat);
    pbx_info(conf_app.log, "%s joined room %s (%u in)", pbx_channel_get_name(seat->chan),
             room->name, room->seats.length);
    publish_seat("conference/join", room, seat, NULL);
    conf_mixer_play_tone(room->mixer, CONF_TONE_JOIN);
}

static gboolean
has_moderator(const ConfRoom *room)
{
    for (GList *l = room->seats.head; l; l = l->next)
        if (((ConfSeat *) l->data)->opts.moderator)
            return TRUE;
    return FALSE;
}

void
conf_room_remove(ConfRoom *room, ConfSeat *seat, const char *reason)
{
    if (!g_queue_remove(&room->seats, seat))
        return;
    pbx_info(conf_app.log, "%s left room %s: %s (%u in)", pbx_channel_get_name(seat->chan),
             room->name, reason, room->seats.length);
    publish_seat("conference/leave", room, seat, reason);
    if (room->ended)
        return;
    if (room->seats.length == 0)
        conf_room_end(room, "empty");
    else if (seat->opts.moderator && !has_moderator(room))
        conf_room_end(room, "moderator");
    else
        conf_mixer_play_tone(room->mixer, CONF_TONE_LEAVE);
}

void
conf_room_end(ConfRoom *room, const char *why)
{
    if (room->ended)
        return;
    room->ended = TRUE;
    conf_room_ref(room);
    while (room->seats.head)
        conf_seat_leave(room->seats.head->data, "ended");
    pbx_info(conf_app.log, "room %s ended: %s", room->name, why);
    publish_end(room, why);
    forget(room);
    conf_room_unref(room);
}

ConfSeat *
conf_room_find_seat(ConfRoom *room, const char *channel)
{
    for (GList *l = room->seats.head; l; l = l->next) {
        ConfSeat *seat = l->data;
        if (strcmp(pbx_channel_get_name(seat->chan), channel) == 0 ||
            strcmp(pbx_channel_get_id(seat->chan), channel) == 0)
            return seat;
    }
    return NULL;
}

static gint
by_name(gconstpointer a, gconstpointer b)
{
    return strcmp((*(ConfRoom *const *) a)->name, (*(ConfRoom *const *) b)->name);
}

GPtrArray *
conf_room_list(void)
{
    GPtrArray *list = g_ptr_array_new();
    GHashTableIter it;
    gpointer room;

    g_hash_table_iter_init(&it, conf_app.rooms);
    while (g_hash_table_iter_next(&it, NULL, &room))
        g_ptr_array_add(list, room);
    g_ptr_array_sort(list, by_name);
    return list;
}
