/* Unit tests: which recording paths call:record() takes and where they
 * lead. */
#include <string.h>

#include <glib.h>

#include "../../../modules/app_media/record_path.h"

static const char *
problem(const char *path, gboolean allow_absolute)
{
    return record_path_problem(path, strlen(path), allow_absolute);
}

static void
test_accepted(void)
{
    static const char *const ok[] = {
        "a.wav", "voicemail/1001/msg0001.wav", "./a.wav", "a//b.wav", "a/./b.wav",
        "dots..in..name.wav", "name.with.dots", "é.wav",
    };

    for (guint i = 0; i < G_N_ELEMENTS(ok); i++)
        g_assert_null(problem(ok[i], FALSE));
    g_assert_null(problem("/var/spool/x.wav", TRUE));
}

static void
test_refused(void)
{
    static const struct {
        const char *path;
        gboolean allow_absolute;
        const char *why;
    } bad[] = {
        { "", FALSE, "the path is empty" },
        { "..", FALSE, "it leaves the recordings directory (..)" },
        { "../x.wav", FALSE, "it leaves the recordings directory (..)" },
        { "a/../b.wav", FALSE, "it leaves the recordings directory (..)" },
        { "a/..", FALSE, "it leaves the recordings directory (..)" },
        { "/tmp/x.wav", FALSE,
          "absolute paths are not allowed (app_media.conf allow_absolute_paths)" },
        { "/tmp/../etc/x.wav", TRUE, "it leaves the recordings directory (..)" },
        { "dir/", FALSE, "it names a directory, not a file" },
        { ".x.wav", FALSE, "the file name starts with '.'" },
        { "a/.", FALSE, "the file name starts with '.'" },
        { "a\tb.wav", FALSE, "the path holds a control character" },
        { "\xff.wav", FALSE, "the path is not UTF-8" },
    };
    char nul[] = "a\0b.wav";
    g_autofree char *long_path = g_strnfill(RECORD_PATH_MAX + 1, 'a');

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++)
        g_assert_cmpstr(problem(bad[i].path, bad[i].allow_absolute), ==, bad[i].why);
    g_assert_cmpstr(record_path_problem(nul, sizeof nul - 1, FALSE), ==,
                    "the path holds a NUL byte");
    g_assert_cmpstr(problem(long_path, FALSE), ==, "the path is too long (1024 bytes at most)");
}

static void
test_resolved(void)
{
    g_autofree char *a = record_path_resolve("a.wav", "/var/lib/carillon/recordings");
    g_autofree char *b = record_path_resolve("./vm//1001/./m.wav", "/var/rec");
    g_autofree char *c = record_path_resolve("/srv/x.wav", "/var/rec");

    g_assert_cmpstr(a, ==, "/var/lib/carillon/recordings/a.wav");
    g_assert_cmpstr(b, ==, "/var/rec/vm/1001/m.wav");
    g_assert_cmpstr(c, ==, "/srv/x.wav");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("app_media: recording paths");
    g_test_add_func("/app_media/record-path/accepted", test_accepted);
    g_test_add_func("/app_media/record-path/refused", test_refused);
    g_test_add_func("/app_media/record-path/resolved", test_resolved);
    return g_test_run();
}
