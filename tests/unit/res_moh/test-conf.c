/* Unit tests: moh.conf.  A class's directory is listed in name order,
 * one file per piece (a file with a header before a raw .gsm, then the
 * higher rate, then the first name), what libsndfile cannot read is
 * skipped, the rate the class needs comes from the headers; sort =
 * random shuffles; relative directories are taken from the config dir;
 * every error names file:line. */
#include <string.h>
#include <unistd.h>

#include "../res_sounds/wav.h"
#include "../../../modules/res_moh/conf.h"
#include "../../../modules/res_moh/scan.h"

#define GSM_RAW (SF_FORMAT_RAW | SF_FORMAT_GSM610)
#define FLAC_PCM16 (SF_FORMAT_FLAC | SF_FORMAT_PCM_16)

static char *root;              /* a temporary config dir */

static void
add_wav(const char *dir, const char *name, guint rate, guint ms)
{
    g_autofree char *d = g_build_filename(root, dir, NULL);
    g_autofree char *path = g_build_filename(d, name, NULL);

    g_assert_cmpint(g_mkdir_with_parents(d, 0755), ==, 0);
    wav_write_tone(path, WAV_PCM16, rate, 1, 440, 8000, ms);
}

/* A file libsndfile writes in `format` (a raw .gsm has no header). */
static void
add_sound(const char *dir, const char *name, int format, guint rate, guint ms)
{
    g_autofree char *d = g_build_filename(root, dir, NULL);
    g_autofree char *path = g_build_filename(d, name, NULL);

    g_assert_cmpint(g_mkdir_with_parents(d, 0755), ==, 0);
    wav_write_tone(path, format, rate, 1, 440, 8000, ms);
}

static void
add_file(const char *dir, const char *name, const char *text)
{
    g_autofree char *d = g_build_filename(root, dir, NULL);
    g_autofree char *path = g_build_filename(d, name, NULL);

    g_assert_cmpint(g_mkdir_with_parents(d, 0755), ==, 0);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static MohConf *
parse(const char *text, GError **error)
{
    g_autoptr(PbxConfig) cfg = pbx_config_load_data("moh.conf", text, -1, error);

    return cfg ? moh_conf_parse(cfg, root, error) : NULL;
}

static const char *
base(const MohClassDef *def, guint i)
{
    return strrchr(def->files->pdata[i], '/') + 1;
}

static void
setup(void)
{
    root = g_dir_make_tmp("moh-conf-XXXXXX", NULL);
    g_assert_nonnull(root);
    add_wav("music", "b-second.wav", 8000, 300);
    add_wav("music", "a-first.wav", 8000, 200);
    add_wav("music", "a-first.flac", 8000, 200);      /* the same piece again */
    add_wav("music", "c-third.wav", 8000, 500);
    add_file("music", "c-third.gsm", "raw GSM 06.10, 33-byte frames without a header: "
             "libsndfile goes by the extension and reads it at 8 kHz, ten frames..........."
             "......................................................................"
             "......................................................................"
             "......................................................................");
    add_file("music", "d-notes.txt", "not a sound");
    add_file("music", ".hidden.wav", "");
    add_file("music/sub.wav", "x.wav", "a directory named like a sound");
    add_wav("wide", "x.wav", 8000, 100);
    add_wav("wide", "y.wav", 44100, 100);
    add_wav("mid", "z.wav", 16000, 100);
    add_file("empty", ".nothing", "");
    add_file("raw", "only.ulaw", "raw");
}

static void
teardown(void)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", root);

    g_assert_cmpint(system(cmd), ==, 0);
    g_clear_pointer(&root, g_free);
}

static void
test_classes(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MohConf) conf = NULL;
    g_autofree char *abs = NULL, *text = NULL;
    const MohClassDef *def;

    setup();
    abs = g_build_filename(root, "wide", NULL);
    conf = parse("[general]\n"
                 "[default]\n"
                 "directory = music\n"
                 "[wide]\n"
                 "mode = files\n"
                 "sort = alpha\n"
                 "directory = ", &error);
    g_assert_null(conf);                /* an empty directory value */
    g_assert_true(g_error_matches(error, PBX_CONFIG_ERROR, PBX_CONFIG_ERROR_MISSING));
    g_clear_error(&error);
    text = g_strdup_printf("[default]\ndirectory = music\n[wide]\nmode = files\n"
                           "directory = %s\n[mid]\ndirectory=mid\n", abs);
    conf = parse(text, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(conf->classes->len, ==, 3);
    def = conf->classes->pdata[0];
    g_assert_cmpstr(def->name, ==, "default");
    g_assert_true(g_str_has_prefix(def->directory, root));
    g_assert_cmpuint(def->files->len, ==, 3);
    g_assert_cmpstr(base(def, 0), ==, "a-first.flac");     /* name order, one per piece */
    g_assert_cmpstr(base(def, 1), ==, "b-second.wav");
    g_assert_cmpstr(base(def, 2), ==, "c-third.wav");
    g_assert_cmpint(def->sort, ==, MOH_SORT_ALPHA);
    g_assert_cmpuint(def->rate, ==, 8000);
    g_assert_cmpfloat_with_epsilon(def->seconds, 1.0, 1e-9);
    def = conf->classes->pdata[1];
    g_assert_cmpstr(def->directory, ==, abs);
    g_assert_cmpuint(def->rate, ==, 48000);                 /* a 44.1 kHz file in it */
    def = conf->classes->pdata[2];
    g_assert_cmpuint(def->rate, ==, 16000);
    teardown();
}

/* Which file of a piece plays: a file with a header beats a raw .gsm
 * that comes first in name order, the higher rate beats the lower, an
 * equal one keeps the first name; a raw .gsm alone plays; a raw .ulaw
 * is skipped. */
static void
test_pieces(void)
{
    static const char *const kept[] = { "p.wav", "q.wav", "r.flac", "s.gsm", "t.wav" };
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = NULL;
    MohScan scan = { 0 };

    setup();
    add_sound("pieces", "p.gsm", GSM_RAW, 8000, 400);
    add_sound("pieces", "p.wav", WAV_PCM16, 8000, 200);
    add_sound("pieces", "q.flac", FLAC_PCM16, 8000, 200);
    add_sound("pieces", "q.wav", WAV_PCM16, 16000, 300);
    add_sound("pieces", "r.flac", FLAC_PCM16, 16000, 100);
    add_sound("pieces", "r.wav", WAV_PCM16, 16000, 100);
    add_sound("pieces", "s.gsm", GSM_RAW, 8000, 400);
    add_file("pieces", "t.ulaw", "raw");
    add_sound("pieces", "t.wav", WAV_PCM16, 8000, 100);
    dir = g_build_filename(root, "pieces", NULL);
    g_assert_true(moh_scan_directory(dir, &scan, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(scan.files->len, ==, G_N_ELEMENTS(kept));
    for (guint i = 0; i < G_N_ELEMENTS(kept); i++)
        g_assert_cmpstr(strrchr(scan.files->pdata[i], '/') + 1, ==, kept[i]);
    g_assert_cmpuint(scan.skipped->len, ==, 1);
    g_assert_cmpstr(scan.skipped->pdata[0], ==, "t.ulaw");
    g_assert_cmpuint(scan.rate, ==, 16000);
    g_assert_cmpfloat_with_epsilon(scan.seconds, 0.2 + 0.3 + 0.1 + 0.4 + 0.1, 1e-9);
    moh_scan_clear(&scan);
    teardown();
}

/* sort = random: the same files, shuffled at each load. */
static void
test_random(void)
{
    gboolean shuffled = FALSE;

    setup();
    for (guint i = 0; i < 40; i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(MohConf) conf = parse("[shuffled]\ndirectory = music\nsort = random\n",
                                        &error);
        const MohClassDef *def;

        g_assert_no_error(error);
        def = conf->classes->pdata[0];
        g_assert_cmpint(def->sort, ==, MOH_SORT_RANDOM);
        g_assert_cmpuint(def->files->len, ==, 3);
        g_assert_cmpint(base(def, 0)[0] + base(def, 1)[0] + base(def, 2)[0], ==,
                        'a' + 'b' + 'c');
        g_assert_true(base(def, 0)[0] != base(def, 1)[0]);
        shuffled |= base(def, 0)[0] != 'a' || base(def, 1)[0] != 'b';
    }
    g_assert_true(shuffled);        /* 40 times in name order: 1 chance in 6^40 */
    teardown();
}

static void
test_errors(void)
{
    static const struct {
        const char *text;
        const char *message;
    } cases[] = {
        { "[default]\nmode = mp3\ndirectory = music\n",
          "moh.conf:2: [default] mode: 'mp3' is not supported (only files)" },
        { "[default]\ndirectory = music\nsort = up\n",
          "moh.conf:3: [default] sort: 'up' is not alpha or random" },
        { "[default]\nsort = alpha\n",
          "moh.conf:1: [default]: a class of mode files needs a directory" },
        { "[default]\ndirectory = nowhere\n", "moh.conf:2: [default] directory: " },
        { "[default]\ndirectory = empty\n", "moh.conf:2: [default] directory: " },
        { "[default]\ndirectory = raw\n", "moh.conf:2: [default] directory: " },
        { "[default]\ndirectory = music\ncolour = blue\n",
          "moh.conf:3: [default] colour: unknown option" },
        { "[general]\ncachertclasses = yes\n",
          "moh.conf:2: [general] cachertclasses: unknown option" },
    };

    setup();
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(MohConf) conf = parse(cases[i].text, &error);

        g_assert_null(conf);
        g_assert_nonnull(error);
        if (!g_str_has_prefix(error->message, cases[i].message))
            g_error("case %u: '%s' lacks '%s'", i, error->message, cases[i].message);
    }
    teardown();
}

/* What the messages about a directory say. */
static void
test_directory_messages(void)
{
    g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL;
    g_autoptr(MohConf) c1 = NULL, c2 = NULL, c3 = NULL;

    setup();
    c1 = parse("[default]\ndirectory = nowhere\n", &e1);
    c2 = parse("[default]\ndirectory = empty\n", &e2);
    c3 = parse("[default]\ndirectory = raw\n", &e3);
    g_assert_nonnull(strstr(e1->message, "nowhere"));
    g_assert_nonnull(strstr(e2->message, "has no sound file libsndfile can read"));
    g_assert_nonnull(strstr(e3->message, "raw .ulaw, .alaw, .g722 files are not read"));
    teardown();
}

/* No moh.conf: no classes. */
static void
test_no_file(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MohConf) conf = moh_conf_parse(NULL, "/nowhere", &error);

    g_assert_no_error(error);
    g_assert_cmpuint(conf->classes->len, ==, 0);
}

/* Debian's music on hold, as the sample office's moh.conf names it. */
static void
test_debian(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MohConf) conf = NULL;
    const MohClassDef *def;

    if (!g_file_test("/usr/share/asterisk/moh/macroform-cold_day.wav", G_FILE_TEST_EXISTS)) {
        g_test_skip("asterisk-moh-opsound-wav is not installed");
        return;
    }
    conf = parse("[default]\nmode = files\ndirectory = /usr/share/asterisk/moh\n", &error);
    g_assert_no_error(error);
    def = conf->classes->pdata[0];
    g_assert_cmpuint(def->files->len, ==, 5);
    g_assert_cmpstr(base(def, 0), ==, "macroform-cold_day.wav");
    g_assert_cmpuint(def->rate, ==, 8000);
    g_assert_cmpfloat(def->seconds, >, 1000);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("res_moh: moh.conf and the classes' directories");
    g_assert_true(g_main_context_acquire(g_main_context_default()));
    g_test_add_func("/res_moh/conf/classes", test_classes);
    g_test_add_func("/res_moh/conf/pieces", test_pieces);
    g_test_add_func("/res_moh/conf/random", test_random);
    g_test_add_func("/res_moh/conf/errors", test_errors);
    g_test_add_func("/res_moh/conf/directory-messages", test_directory_messages);
    g_test_add_func("/res_moh/conf/no-file", test_no_file);
    g_test_add_func("/res_moh/conf/debian", test_debian);
    return g_test_run();
}
