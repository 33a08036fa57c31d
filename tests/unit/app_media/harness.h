/* Unit test harness for app_media: the Lua dialplan with the module's
 * methods (set up without its descriptor) and the fake channel tech,
 * whose port ticks the test drives by hand (fake_tech_port_tick), as a
 * media thread would every 20 ms.
 *
 * The unit test Makefile links only test-*.c, so tests #include this. */
#pragma once

#include <string.h>

#include <glib/gstdio.h>

#include "../../../core/calls_private.h"
#include "../../../core/core_private.h"
#include "../../../core/module_private.h"
#include "../core/fake_tech.c"
#include "../../../modules/app_media/app.h"
#include "../../../modules/app_media/setup.h"
#include "../../../modules/app_media/tones.h"

static char *tmp_dir;
static GString *errors;
static guint error_sub;

static void
on_error(const PbxEvent *ev, gpointer data)
{
    g_string_append_printf(errors, "%s\n", pbx_event_get(ev, "message"));
}

static void
write_file(const char *name, const char *text)
{
    g_autofree char *path = g_build_filename(tmp_dir, name, NULL);

    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void
drain(void)
{
    while (g_main_context_iteration(NULL, FALSE))
        ;
}

/* on_invite answers, then runs `body` (Lua, `call` in scope, `show(...)`
 * turns results into "a,b,c"); app_media.conf holds `conf` (NULL: none).
 * Config and var_dir are a fresh temporary directory. */
static void
setup(const char *body, const char *conf)
{
    PbxPaths paths = { 0 };
    g_autoptr(GError) error = NULL;
    g_autofree char *script = g_strdup_printf(
        "local function show(...)\n"
        "  local t = table.pack(...)\n"
        "  for i = 1, t.n do t[i] = tostring(t[i]) end\n"
        "  return table.concat(t, ',')\n"
        "end\n"
        "context('test', { on_invite = function(call)\n"
        "  if call.to ~= 'unanswered' then call:answer() end\n"
        "%s\n"
        "end })\n", body);

    tmp_dir = g_dir_make_tmp("carillon-media-XXXXXX", NULL);
    g_assert_nonnull(tmp_dir);
    paths.config_dir = g_strdup(tmp_dir);
    paths.var_dir = g_strdup(tmp_dir);
    pbx_paths_set(&paths);
    write_file("extensions.lua", script);
    write_file("dialplan.conf", "[general]\nmax_instructions = 100000\n");
    if (conf)
        write_file("app_media.conf", conf);
    errors = g_string_new(NULL);
    error_sub = pbx_event_subscribe(NULL, "dialplan/error", on_error, NULL);
    fake_tech_register("SIP");
    g_assert_true(media_setup(NULL, &error));
    g_assert_no_error(error);
    g_assert_true(pbx_dialplan_init(&error));
    g_assert_no_error(error);
}

static void
remove_tree(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *p = g_build_filename(dir, name, NULL);
        if (g_file_test(p, G_FILE_TEST_IS_DIR))
            remove_tree(p);
        else
            g_unlink(p);
    }
    g_rmdir(dir);
}

/* As the daemon stops: the dialplan first, then the module. */
static void
teardown(void)
{
    drain();
    pbx_dialplan_shutdown();
    drain();
    media_teardown();
    drain();
    g_assert_cmpuint(media_apps_count(), ==, 0);
    g_assert_cmpuint(pbx_channel_count(), ==, 0);
    fake_tech_unregister();
    pbx_event_unsubscribe(error_sub);
    g_string_free(errors, TRUE);
    remove_tree(tmp_dir);
    g_clear_pointer(&tmp_dir, g_free);
}

/* Runs the main context until fn(data), 5 s at most. */
static gboolean
wait_until(gboolean (*fn)(gpointer), gpointer data)
{
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    while (!fn(data) && g_get_monotonic_time() < deadline)
        if (!g_main_context_iteration(NULL, FALSE))
            g_usleep(1000);         /* the writer thread's reply */
    return fn(data);
}

static gboolean
has_port(gpointer data)
{
    g_autofree char *mark = g_strdup_printf("port:%s;", (const char *) data);

    return strstr(fake_tech_log(), mark) != NULL;
}

static gboolean
script_done(gpointer data)
{
    PbxChannel *c = data;

    return pbx_channel_get_state(c) == PBX_CHANNEL_HANGUP && !pbx_channel_get_dialplan_data(c);
}

/* A call to `to`, once its app's port is attached. */
static PbxChannel *
call_with_port(const char *to)
{
    PbxChannel *c;

    fake_tech_clear_log();
    c = fake_tech_call_in("1001", to, "test");
    g_assert_true(wait_until(has_port, (gpointer) to));
    return c;
}

/* The call's script has ended; its result variable `r`. */
static const char *
result_of(PbxChannel *c)
{
    g_assert_true(wait_until(script_done, c));
    return pbx_channel_get_var(c, "r");
}

/* n ticks at `rate` of `in_fn` (NULL: silence) into the port; what it
 * played is appended to `played` (if given) at its own rate. */
typedef double (*Signal)(guint i, guint rate);

static guint
ticks(PbxChannel *c, guint n, guint rate, Signal in_fn, GArray *played)
{
    static PbxAudioFrame in, out;
    static guint pos;
    guint got = 0;

    for (guint k = 0; k < n; k++) {
        pbx_audio_frame_init(&in, rate);
        in.n_samples = pbx_audio_samples_for_ms(rate, PBX_AUDIO_TICK_MS);
        for (guint i = 0; i < in.n_samples; i++)
            in.samples[i] = in_fn ? (gint16) lrint(in_fn(pos + i, rate)) : 0;
        pos += in.n_samples;
        pbx_audio_frame_init(&out, 8000);
        if (fake_tech_port_tick(c, &in, &out)) {
            got++;
            if (played)
                g_array_append_vals(played, out.samples, out.n_samples);
        }
        drain();
    }
    return got;
}
