/* Unit tests: call:conference() in the Lua dialplan with the fake
 * channel tech: joining, hearing, muting, kicking, the moderator ending a
 * room, PINs, full rooms, bad arguments, events, the module's unload. */
#include <string.h>
#include <glib/gstdio.h>

#include "../../../core/core_private.h"
#include "../../../core/calls_private.h"
#include "../../../dialplan/dialplan_private.h"
#include "../../../modules/app_conference/conference.h"
#include "../core/fake_tech.c"

static char *conf_dir;
static GString *errors, *events;
static GHashTable *callers;             /* channel name -> caller number */
static guint subs[2];

static const char script[] =
    "local bad = {\n"
    "  ['bad-empty'] = function(call) return call:conference('') end,\n"
    "  ['bad-space'] = function(call) return call:conference('a b') end,\n"
    "  ['bad-long'] = function(call) return call:conference(string.rep('x', 65)) end,\n"
    "  ['bad-type'] = function(call) return call:conference({}) end,\n"
    "  ['bad-opts'] = function(call) return call:conference('700', 5) end,\n"
    "  ['bad-key'] = function(call) return call:conference('700', {mute = true}) end,\n"
    "  ['bad-muted'] = function(call) return call:conference('700', {muted = 'yes'}) end,\n"
    "  ['bad-max'] = function(call) return call:conference('700', {max = 0}) end,\n"
    "  ['bad-pin'] = function(call) return call:conference('700', {pin = '12a'}) end,\n"
    "  ['bad-pin-long'] = function(call) return call:conference('700', {pin = string.rep('1', 17)}) end,\n"
    "}\n"
    "local options = {\n"
    "  mod = {moderator = true}, muted = {muted = true}, pin = {pin = 1234},\n"
    "  pinstr = {pin = '0042'}, max2 = {max = 2},\n"
    "}\n"
    "context('office', {\n"
    "  on_invite = function(call)\n"
    "    if bad[call.to] then return bad[call.to](call) end\n"
    "    local r, msg, code = call:conference(call.headers['X-Room'] or '700', options[call.to])\n"
    "    call.vars.result = tostring(r) .. ',' .. tostring(msg) .. ',' .. tostring(code)\n"
    "  end,\n"
    "})\n";

/* ------------------------------------------------------------ harness */

static void
on_error(const PbxEvent *ev, gpointer data)
{
    g_string_append_printf(errors, "%s\n", pbx_event_get(ev, "message"));
}

/* "join 700 1001 members=1;" (the caller number for the channel) */
static void
on_conference(const PbxEvent *ev, gpointer data)
{
    const char *ch = pbx_event_get(ev, "channel");

    g_string_append_printf(events, "%s %s", pbx_event_get_type(ev) + strlen("conference/"),
                           pbx_event_get(ev, "room"));
    if (ch)
        g_string_append_printf(events, " %s", (char *) g_hash_table_lookup(callers, ch));
    if (pbx_event_get(ev, "reason"))
        g_string_append_printf(events, " %s", pbx_event_get(ev, "reason"));
    if (pbx_event_get(ev, "members"))
        g_string_append_printf(events, " members=%s", pbx_event_get(ev, "members"));
    g_string_append(events, ";");
}

static void
write_file(const char *name, const char *text)
{
    g_autofree char *path = g_build_filename(conf_dir, name, NULL);

    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void
setup(void)
{
    PbxPaths paths = { 0 };
    g_autoptr(GError) error = NULL;

    conf_dir = g_dir_make_tmp("carillon-conference-XXXXXX", NULL);
    paths.config_dir = g_strdup(conf_dir);
    pbx_paths_set(&paths);
    write_file("extensions.lua", script);
    write_file("dialplan.conf", "[general]\nmax_instructions = 100000\n");
    errors = g_string_new(NULL);
    events = g_string_new(NULL);
    callers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    subs[0] = pbx_event_subscribe(NULL, "dialplan/error", on_error, NULL);
    subs[1] = pbx_event_subscribe(NULL, "conference/*", on_conference, NULL);
    fake_tech_register("SIP");
    conf_app_start(NULL);
    g_assert_true(pbx_dialplan_init(&error));
    g_assert_no_error(error);
}

static void
drain(void)
{
    while (g_main_context_iteration(NULL, FALSE))
        ;
}

static void
teardown(void)
{
    g_autoptr(GDir) dir = NULL;
    const char *name;

    drain();
    pbx_dialplan_shutdown();
    conf_app_stop();
    drain();
    g_assert_cmpuint(pbx_channel_count(), ==, 0);
    fake_tech_unregister();
    for (guint i = 0; i < G_N_ELEMENTS(subs); i++)
        pbx_event_unsubscribe(subs[i]);
    g_string_free(errors, TRUE);
    g_string_free(events, TRUE);
    g_hash_table_unref(callers);
    dir = g_dir_open(conf_dir, 0, NULL);
    while ((name = g_dir_read_name(dir))) {
        g_autofree char *p = g_build_filename(conf_dir, name, NULL);
        g_unlink(p);
    }
    g_rmdir(conf_dir);
    g_clear_pointer(&conf_dir, g_free);
}

/* Runs the main loop until fn(data) holds (2 s at most). */
static gboolean
spin_until(gboolean (*fn)(gconstpointer), gconstpointer data)
{
    gint64 deadline = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;

    while (!fn(data) && g_get_monotonic_time() < deadline)
        g_main_context_iteration(NULL, FALSE);
    return fn(data);
}

static gboolean
room_has(gconstpointer data)
{
    const char *spec = data;            /* "700:3" */
    g_auto(GStrv) parts = g_strsplit(spec, ":", 2);
    ConfRoom *room = conf_room_find(parts[0]);

    return room && room->seats.length == (guint) atoi(parts[1]);
}

static gboolean
has_result(gconstpointer data)
{
    return pbx_channel_get_var(data, "result") != NULL;
}

static gboolean
script_over(gconstpointer data)
{
    return pbx_channel_get_state(data) == PBX_CHANNEL_HANGUP
           && !pbx_channel_get_dialplan_data(data);
}

static PbxChannel *
call_in(const char *from, const char *to, const char *room)
{
    PbxChannel *c = fake_tech_call_in(from, to, "office");

    g_hash_table_insert(callers, g_strdup(pbx_channel_get_name(c)), g_strdup(from));
    if (room)
        pbx_channel_set_request_header(c, "X-Room", room);
    return c;
}

static const char *
result_of(PbxChannel *c)
{
    g_assert_true(spin_until(has_result, c));
    return pbx_channel_get_var(c, "result");
}

static char *
cli(const char *line)
{
    GString *out = g_string_new(NULL);

    pbx_cli_execute(line, out);
    return g_string_free(out, FALSE);
}

/* One tick of a DC level from each channel, each written then read in
 * turn as if each sat on a media worker of its own; *heard gets the
 * level each hears (first sample), 0 for silence. */
static void
tick_levels(PbxChannel **chans, const gint16 *levels, gint16 *heard, guint n)
{
    static PbxAudioFrame in, out;

    for (guint i = 0; i < n; i++) {
        pbx_audio_frame_init(&in, 8000);
        in.n_samples = 160;
        for (guint k = 0; k < 160; k++)
            in.samples[k] = levels[i];
        heard[i] = fake_tech_port_tick(chans[i], &in, &out) ? out.samples[0] : 0;
    }
}

static void
ticks(PbxChannel **chans, const gint16 *levels, gint16 *heard, guint n, guint count)
{
    for (guint t = 0; t < count; t++)
        tick_levels(chans, levels, heard, n);
}

/* ------------------------------------------------------------ tests */

/* Three callers join room 700 (answered by it), each hears the sum of
 * the other two, a mute takes one out of the others' mix, a kick and
 * hangups take them out; the room ends with its last. */
static void
test_three_party(void)
{
    static const gint16 levels[] = { 100, 200, 400 };
    PbxChannel *c[3];
    gint16 heard[3];
    g_autofree char *show = NULL, *muted = NULL, *kicked = NULL, *mute_b = NULL, *kick_a = NULL;

    setup();
    c[0] = call_in("1001", "plain", NULL);
    c[1] = call_in("1002", "plain", NULL);
    c[2] = call_in("1003", "plain", NULL);
    g_assert_true(spin_until(room_has, "700:3"));
    g_assert_cmpint(pbx_channel_get_state(c[0]), ==, PBX_CHANNEL_UP);   /* it answered */
    ticks(c, levels, heard, 3, 12);             /* the join tones are over */
    g_assert_cmpint(heard[0], ==, 600);
    g_assert_cmpint(heard[1], ==, 500);
    g_assert_cmpint(heard[2], ==, 300);
    show = cli("conference show");
    g_assert_nonnull(strstr(show, "Room 700: 3 participants"));
    g_assert_nonnull(strstr(show, pbx_channel_get_name(c[1])));
    g_assert_nonnull(strstr(show, "1 room, 3 participants"));
    mute_b = g_strdup_printf("conference mute 700 %s", pbx_channel_get_name(c[1]));
    muted = cli(mute_b);
    g_assert_nonnull(strstr(muted, "Muted 1 in room 700"));
    ticks(c, levels, heard, 3, 2);
    g_assert_cmpint(heard[0], ==, 400);         /* 1002 is muted */
    g_assert_cmpint(heard[1], ==, 500);         /* but hears */
    kick_a = g_strdup_printf("conference kick 700 %s", pbx_channel_get_id(c[0]));
    kicked = cli(kick_a);
    g_assert_nonnull(strstr(kicked, "Kicked 1 from room 700"));
    g_assert_cmpstr(result_of(c[0]), ==, "kicked,nil,nil");
    pbx_channel_hangup_from_tech(c[1], PBX_CAUSE_NORMAL_CLEARING);
    g_assert_cmpstr(result_of(c[1]), ==, "hangup,nil,nil");
    pbx_channel_hangup_from_tech(c[2], PBX_CAUSE_NORMAL_CLEARING);
    g_assert_cmpstr(result_of(c[2]), ==, "hangup,nil,nil");
    g_assert_null(conf_room_find("700"));
    g_assert_cmpstr(events->str, ==,
                    "join 700 1001 members=1;join 700 1002 members=2;join 700 1003 members=3;"
                    "leave 700 1001 kicked members=2;leave 700 1002 hangup members=1;"
                    "leave 700 1003 hangup members=0;end 700 empty;");
    for (guint i = 0; i < 3; i++) {
        g_assert_true(spin_until(script_over, c[i]));
        pbx_channel_unref(c[i]);
    }
    g_assert_cmpstr(errors->str, ==, "");
    teardown();
}

/* The moderator leaves: everyone else leaves with "ended" and the room
 * ends; their scripts carry on (and hang up). */
static void
test_moderator(void)
{
    PbxChannel *mod, *b, *c;

    setup();
    mod = call_in("1001", "mod", "701");
    b = call_in("1002", "plain", "701");
    c = call_in("1003", "muted", "701");
    g_assert_true(spin_until(room_has, "701:3"));
    pbx_channel_hangup_from_tech(mod, PBX_CAUSE_NORMAL_CLEARING);
    g_assert_cmpstr(result_of(mod), ==, "hangup,nil,nil");
    g_assert_cmpstr(result_of(b), ==, "ended,nil,nil");
    g_assert_cmpstr(result_of(c), ==, "ended,nil,nil");
    g_assert_null(conf_room_find("701"));
    g_assert_cmpstr(events->str, ==,
                    "join 701 1001 members=1;join 701 1002 members=2;join 701 1003 members=3;"
                    "leave 701 1001 hangup members=2;leave 701 1002 ended members=1;"
                    "leave 701 1003 ended members=0;end 701 moderator;");
    g_assert_true(spin_until(script_over, b));
    g_assert_true(spin_until(script_over, c));
    pbx_channel_unref(mod);
    pbx_channel_unref(b);
    pbx_channel_unref(c);
    teardown();
}

/* `kick all` in a room with a moderator: everyone is "kicked" (the
 * moderator last), the room ends empty. */
static void
test_kick_all_moderated(void)
{
    PbxChannel *mod, *b;
    g_autofree char *out = NULL;

    setup();
    mod = call_in("1001", "mod", NULL);
    b = call_in("1002", "plain", NULL);
    g_assert_true(spin_until(room_has, "700:2"));
    out = cli("conference kick 700 all");
    g_assert_nonnull(strstr(out, "Kicked 2 from room 700"));
    g_assert_cmpstr(result_of(mod), ==, "kicked,nil,nil");
    g_assert_cmpstr(result_of(b), ==, "kicked,nil,nil");
    g_assert_nonnull(strstr(events->str, "end 700 empty;"));
    pbx_channel_unref(mod);
    pbx_channel_unref(b);
    teardown();
}

static void
press(PbxChannel *chan, const char *digits)
{
    for (const char *d = digits; *d; d++)
        fake_tech_dtmf(chan, *d);
    drain();
}

/* A PIN typed with # lets the caller in; * starts over; three wrong or
 * missing PINs (10 s each) refuse it with "pin". */
static void
test_pin(void)
{
    PbxChannel *right, *wrong, *slow;

    setup();
    pbx_timers_use_fake_clock(conf_app.timers);
    right = call_in("1001", "pin", NULL);
    wrong = call_in("1002", "pinstr", NULL);
    slow = call_in("1003", "pin", NULL);
    drain();
    g_assert_null(conf_room_find("700"));       /* nobody in before the PIN */
    press(right, "99*1234#");
    g_assert_true(spin_until(room_has, "700:1"));
    press(wrong, "42#");                         /* "0042" it is */
    press(wrong, "0041#");
    g_assert_null(pbx_channel_get_var(wrong, "result"));
    press(wrong, "00420#");
    g_assert_cmpstr(result_of(wrong), ==, "nil,wrong PIN,pin");
    pbx_timers_advance(conf_app.timers, 9999);
    press(slow, "12");                           /* the first try runs out */
    pbx_timers_advance(conf_app.timers, 1);
    press(slow, "34#");                          /* "34": wrong */
    g_assert_null(pbx_channel_get_var(slow, "result"));
    pbx_timers_advance(conf_app.timers, CONF_PIN_TRY_MS);
    g_assert_cmpstr(result_of(slow), ==, "nil,wrong PIN,pin");
    g_assert_true(room_has("700:1"));
    pbx_channel_hangup_from_tech(right, PBX_CAUSE_NORMAL_CLEARING);
    g_assert_cmpstr(result_of(right), ==, "hangup,nil,nil");
    pbx_channel_unref(right);
    pbx_channel_unref(wrong);
    pbx_channel_unref(slow);
    teardown();
}

/* A hangup before getting in (during the PIN) gives nil, msg, "hangup". */
static void
test_hangup_before_join(void)
{
    PbxChannel *c;

    setup();
    c = call_in("1001", "pin", NULL);
    drain();
    pbx_channel_hangup_from_tech(c, PBX_CAUSE_NORMAL_CLEARING);
    g_assert_cmpstr(result_of(c), ==, "nil,the caller hung up,hangup");
    g_assert_true(spin_until(script_over, c));
    g_assert_cmpstr(events->str, ==, "");
    pbx_channel_unref(c);
    teardown();
}

/* max = 2: a third caller is refused with "full", without an answer. */
static void
test_full(void)
{
    PbxChannel *a, *b, *c;

    setup();
    a = call_in("1001", "max2", NULL);
    b = call_in("1002", "max2", NULL);
    g_assert_true(spin_until(room_has, "700:2"));
    fake_tech_clear_log();
    c = call_in("1003", "max2", NULL);
    g_assert_cmpstr(result_of(c), ==, "nil,the room is full,full");
    g_assert_true(spin_until(script_over, c));
    g_assert_null(strstr(fake_tech_log(), "answer"));
    g_assert_cmpint(pbx_channel_get_answered(c), ==, 0);
    pbx_channel_hangup_from_tech(a, PBX_CAUSE_NORMAL_CLEARING);
    pbx_channel_hangup_from_tech(b, PBX_CAUSE_NORMAL_CLEARING);
    g_assert_true(spin_until(script_over, b));
    pbx_channel_unref(a);
    pbx_channel_unref(b);
    pbx_channel_unref(c);
    teardown();
}

/* Bad room names and options raise errors naming what is wrong; the
 * call is failed by the dialplan (500), nothing joins. */
static void
test_bad_arguments(void)
{
    static const struct {
        const char *to, *error;
    } cases[] = {
        { "bad-empty", "a room name is 1 to 64 letters" },
        { "bad-space", "a room name is 1 to 64 letters" },
        { "bad-long", "a room name is 1 to 64 letters" },
        { "bad-type", "string expected, got table" },
        { "bad-opts", "table expected, got number" },
        { "bad-key", "unknown option 'mute' (pin, muted, moderator, max)" },
        { "bad-muted", "option 'muted' must be a boolean" },
        { "bad-max", "option 'max' must be an integer from 1 to 64" },
        { "bad-pin", "option 'pin' must be 1 to 16 digits" },
        { "bad-pin-long", "option 'pin' must be 1 to 16 digits" },
    };

    setup();
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(PbxChannel) c = call_in("1001", cases[i].to, NULL);
        g_assert_true(spin_until(script_over, c));
        if (!strstr(errors->str, cases[i].error))
            g_error("%s: expected \"%s\" in:\n%s", cases[i].to, cases[i].error, errors->str);
        g_assert_cmpint(pbx_channel_get_hangup_cause(c), ==, PBX_CAUSE_TEMPORARY_FAILURE);
        g_string_truncate(errors, 0);
    }
    g_assert_cmpstr(events->str, ==, "");
    g_assert_cmpuint(conf_app.seats.length, ==, 0);
    teardown();
}

/* The CLI's refusals. */
static void
test_cli_errors(void)
{
    PbxChannel *a;
    g_autofree char *no_room = NULL, *no_chan = NULL, *usage = NULL, *all = NULL;

    setup();
    a = call_in("1001", "plain", NULL);
    g_assert_true(spin_until(room_has, "700:1"));
    no_room = cli("conference kick 999 all");
    g_assert_nonnull(strstr(no_room, "No room '999'"));
    no_chan = cli("conference mute 700 SIP/nobody");
    g_assert_nonnull(strstr(no_chan, "No channel 'SIP/nobody' in room '700'"));
    usage = cli("conference kick 700");
    g_assert_nonnull(strstr(usage, "Usage"));
    all = cli("conference kick 700 all");
    g_assert_nonnull(strstr(all, "Kicked 1 from room 700"));
    g_assert_cmpstr(result_of(a), ==, "kicked,nil,nil");
    g_assert_null(conf_room_find("700"));
    pbx_channel_unref(a);
    teardown();
}

/* The module goes: rooms end ("ended"), a caller typing its PIN gets
 * nil, msg, "failed", and every seat is gone once the ports are back. */
static void
test_stop(void)
{
    PbxChannel *a, *b, *p;

    setup();
    a = call_in("1001", "plain", NULL);
    b = call_in("1002", "plain", NULL);
    p = call_in("1003", "pin", NULL);
    g_assert_true(spin_until(room_has, "700:2"));
    conf_app_stop();
    g_assert_cmpuint(conf_app.seats.length, ==, 0);
    g_assert_cmpstr(result_of(a), ==, "ended,nil,nil");
    g_assert_cmpstr(result_of(b), ==, "ended,nil,nil");
    g_assert_cmpstr(result_of(p), ==, "nil,the conference module was unloaded,failed");
    g_assert_nonnull(strstr(events->str, "end 700 unloaded;"));
    conf_app_start(NULL);                       /* for teardown */
    pbx_channel_unref(a);
    pbx_channel_unref(b);
    pbx_channel_unref(p);
    teardown();
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("call:conference() with fake phones: rooms, PINs, kicks, events");
    g_assert_true(g_main_context_acquire(g_main_context_default()));
    g_assert_true(conf_method_register(NULL, NULL));
    g_assert_true(conf_cli_register(NULL, NULL));
    g_test_add_func("/conference/app/three-party", test_three_party);
    g_test_add_func("/conference/app/moderator", test_moderator);
    g_test_add_func("/conference/app/kick-all-moderated", test_kick_all_moderated);
    g_test_add_func("/conference/app/pin", test_pin);
    g_test_add_func("/conference/app/hangup-before-join", test_hangup_before_join);
    g_test_add_func("/conference/app/full", test_full);
    g_test_add_func("/conference/app/bad-arguments", test_bad_arguments);
    g_test_add_func("/conference/app/cli-errors", test_cli_errors);
    g_test_add_func("/conference/app/stop", test_stop);
    return g_test_run();
}
