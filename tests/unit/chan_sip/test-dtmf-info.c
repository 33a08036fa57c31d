/* Carillon - unit tests of DTMF in SIP INFO bodies (chan_sip/dtmf_info.c):
 * application/dtmf-relay and application/dtmf as phones send them, and
 * hostile bodies. */
#include <string.h>

#define FUZZ_DTMF_INFO
#define FUZZ_DTMF_CHECK(cond) g_assert_true(cond)
#include "../../fuzz/fuzz-dtmf.h"

#define RELAY SIP_DTMF_INFO_RELAY_TYPE
#define DTMF SIP_DTMF_INFO_DTMF_TYPE

/* Parses body (as a string) under type; '\0' and 0 when refused. */
static char
parse(const char *type, const char *body, guint *ms)
{
    char digit = 0;

    *ms = 0;
    if (!sip_dtmf_info_parse(type, body, strlen(body), &digit, ms))
        return 0;
    return digit;
}

static void
assert_parses(const char *type, const char *body, char digit, guint ms)
{
    g_autofree char *escaped = g_strescape(body, NULL);
    guint got_ms;

    g_test_message("%s: %s", type, escaped);
    g_assert_cmpint(parse(type, body, &got_ms), ==, digit);
    g_assert_cmpuint(got_ms, ==, ms);
}

static void
assert_refused(const char *type, const char *body)
{
    g_autofree char *escaped = g_strescape(body, NULL);
    guint ms;

    g_test_message("%s: %s", type ? type : "(null)", escaped);
    g_assert_cmpint(parse(type, body, &ms), ==, 0);
}

static void
test_relay(void)
{
    assert_parses(RELAY, "Signal=5\r\nDuration=160\r\n", '5', 160);
    assert_parses(RELAY, "Signal=5\r\nDuration=160", '5', 160);
    assert_parses(RELAY, "signal= 9\nDURATION = 200\n", '9', 200);
    assert_parses(RELAY, "  Signal  =  #  \r\n\tDuration\t=\t120\t\r\n", '#', 120);
    assert_parses(RELAY, "Duration=300\r\nSignal=*\r\n", '*', 300);
    assert_parses("Application/DTMF-Relay; charset=utf-8", "Signal=d\r\n", 'D', 250);
    /* Event codes. */
    assert_parses(RELAY, "Signal=10\r\n", '*', 250);
    assert_parses(RELAY, "Signal=11\r\n", '#', 250);
    assert_parses(RELAY, "Signal=12\r\n", 'A', 250);
    assert_parses(RELAY, "Signal=15\r\n", 'D', 250);
    assert_parses(RELAY, "Signal=0\r\n", '0', 250);
    /* Durations: missing, 0 or not a number is the default; clamped. */
    assert_parses(RELAY, "Signal=1\r\n", '1', SIP_DTMF_INFO_DEFAULT_MS);
    assert_parses(RELAY, "Signal=1\r\nDuration=0\r\n", '1', SIP_DTMF_INFO_DEFAULT_MS);
    assert_parses(RELAY, "Signal=1\r\nDuration=abc\r\n", '1', SIP_DTMF_INFO_DEFAULT_MS);
    assert_parses(RELAY, "Signal=1\r\nDuration=-5\r\n", '1', SIP_DTMF_INFO_DEFAULT_MS);
    assert_parses(RELAY, "Signal=1\r\nDuration=10\r\n", '1', SIP_DTMF_INFO_MIN_MS);
    assert_parses(RELAY, "Signal=1\r\nDuration=4294967296\r\n", '1', SIP_DTMF_INFO_MAX_MS);
    assert_parses(RELAY, "Signal=1\r\nDuration=99999999999999999999999999\r\n", '1',
                  SIP_DTMF_INFO_MAX_MS);
    /* Other keys are ignored, the first Signal and Duration win. */
    assert_parses(RELAY, "Foo=bar\r\nSignal=2\r\nSignal=3\r\nDuration=100\r\nDuration=200\r\n", '2',
                  100);
    assert_parses(RELAY, "garbage line\r\nSignal=4\r\n", '4', 250);
}

static void
test_relay_refused(void)
{
    assert_refused(RELAY, "");
    assert_refused(RELAY, "Duration=160\r\n");
    assert_refused(RELAY, "Signal=\r\n");
    assert_refused(RELAY, "Signal=16\r\n"); /* flash */
    assert_refused(RELAY, "Signal=E\r\n");
    assert_refused(RELAY, "Signal=55\r\n");
    assert_refused(RELAY, "Signal=5 5\r\n");
    assert_refused(RELAY, "Signal=-1\r\n");
    assert_refused(RELAY, "Signal=99999999999999999999\r\n");
    assert_refused(RELAY, "Signals=5\r\n");
    assert_refused(RELAY, "Signal 5\r\n");
}

static void
test_dtmf(void)
{
    assert_parses(DTMF, "5", '5', SIP_DTMF_INFO_DEFAULT_MS);
    assert_parses(DTMF, "5\r\n", '5', 250);
    assert_parses(DTMF, "\r\n  # \r\n\r\n", '#', 250);
    assert_parses(DTMF, "b", 'B', 250);
    assert_parses(DTMF, "10", '*', 250);
    assert_parses(DTMF, "11\n", '#', 250);
    /* Phones that send a dtmf-relay body under application/dtmf. */
    assert_parses(DTMF, "Signal=7\r\nDuration=90\r\n", '7', 90);
    assert_parses("application/dtmf ; foo", "3", '3', 250);
    assert_refused(DTMF, "");
    assert_refused(DTMF, "\r\n");
    assert_refused(DTMF, "16");
    assert_refused(DTMF, "55");
    assert_refused(DTMF, "5\r\n6\r\n");
    assert_refused(DTMF, "x");
}

static void
test_types(void)
{
    g_assert_true(sip_dtmf_info_is_dtmf_type(RELAY));
    g_assert_true(sip_dtmf_info_is_dtmf_type(DTMF));
    g_assert_true(sip_dtmf_info_is_dtmf_type(" APPLICATION/DTMF ;x=y"));
    g_assert_false(sip_dtmf_info_is_dtmf_type("application/dtmf-relayx"));
    g_assert_false(sip_dtmf_info_is_dtmf_type("application/dtm"));
    g_assert_false(sip_dtmf_info_is_dtmf_type("text/plain"));
    g_assert_false(sip_dtmf_info_is_dtmf_type(""));
    g_assert_false(sip_dtmf_info_is_dtmf_type(NULL));
    assert_refused("text/plain", "Signal=5\r\n");
    assert_refused("application/dtmf-relayx", "Signal=5\r\n");
    assert_refused(NULL, "Signal=5\r\n");
    assert_refused("", "5");
}

/* A body given with its length only: nothing past it is read. */
static void
test_length_bounded(void)
{
    const char *body = "Signal=5\r\nDuration=1600";
    char digit = 0;
    guint ms = 0;

    g_assert_true(sip_dtmf_info_parse(RELAY, body, strlen(body) - 2, &digit, &ms));
    g_assert_cmpint(digit, ==, '5');
    g_assert_cmpuint(ms, ==, 40);                                     /* "16" */
    g_assert_false(sip_dtmf_info_parse(RELAY, body, 7, &digit, &ms)); /* "Signal=" */
    g_assert_true(sip_dtmf_info_parse(DTMF, "7xyz", 1, &digit, &ms));
    g_assert_cmpint(digit, ==, '7');
    /* A NUL inside is a character like any other. */
    g_assert_false(sip_dtmf_info_parse(RELAY, "Signal=\0", 8, &digit, &ms));
    g_assert_false(sip_dtmf_info_parse(DTMF, "\0", 1, &digit, &ms));
    g_assert_false(sip_dtmf_info_parse(RELAY, NULL, 0, &digit, &ms));
}

static void
test_body(void)
{
    const char *type = NULL;
    g_autofree char *body = sip_dtmf_info_body('5', 160, &type);
    const char *digits = "0123456789*#ABCD";

    g_assert_cmpstr(body, ==, "Signal=5\r\nDuration=160\r\n");
    g_assert_cmpstr(type, ==, "application/dtmf-relay");
    for (const char *d = digits; *d; d++) {
        g_autofree char *b = sip_dtmf_info_body(g_ascii_tolower(*d), 0, &type);
        guint ms;

        g_assert_cmpint(parse(type, b, &ms), ==, *d);
        g_assert_cmpuint(ms, ==, SIP_DTMF_INFO_DEFAULT_MS);
    }
    g_free(body);
    body = sip_dtmf_info_body('#', 100000, NULL);
    g_assert_cmpstr(body, ==, "Signal=#\r\nDuration=5000\r\n");
    g_assert_null(sip_dtmf_info_body('E', 100, &type));
    g_assert_null(sip_dtmf_info_body('\0', 100, &type));
}

/* Random bodies built from the pieces of real ones. */
static void
test_hostile(void)
{
    static const char *const pieces[] = {
        "Signal", "Duration", "=",           " ", "\t", "\r", "\n", "5", "#",
        "*",      "16",       "99999999999", "a", "x",  "=5", "\0", ";", "signal=1\r\n",
    };
    GRand *rand = g_rand_new_with_seed(2976);

    for (guint i = 0; i < 20000; i++) {
        GByteArray *b = g_byte_array_new();
        guint8 input[1] = { (guint8) (1 | (g_rand_int_range(rand, 0, 8) << 1)) };
        guint n = (guint) g_rand_int_range(rand, 0, 12);

        g_byte_array_append(b, input, 1);
        for (guint j = 0; j < n; j++) {
            const char *p = pieces[g_rand_int_range(rand, 0, G_N_ELEMENTS(pieces))];

            g_byte_array_append(b, (const guint8 *) p, *p ? (guint) strlen(p) : 1);
        }
        fuzz_dtmf_info(b->data, b->len);
        g_byte_array_unref(b);
    }
    g_rand_free(rand);
}

static const char *
data_dir(void)
{
    const char *dir = g_getenv("TEST_DATA_DIR");

    return dir && *dir ? dir : "tests/data";
}

static void
test_fuzz_regressions(void)
{
    g_autofree char *dir = g_build_filename(data_dir(), "fuzz-regressions", "fuzz-dtmf", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    if (d == NULL) {
        g_test_skip("no fuzz-dtmf regression directory");
        return;
    }
    while ((name = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_autofree char *data = NULL;
        gsize len;

        if (!g_file_get_contents(path, &data, &len, NULL) || len == 0
            || fuzz_dtmf_is_rtp((const guint8 *) data, len))
            continue;
        g_test_message("regression %s", name);
        fuzz_dtmf_info((const guint8 *) data, len);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("DTMF in SIP INFO: application/dtmf-relay and application/dtmf bodies");
    g_test_add_func("/sip/dtmf-info/relay", test_relay);
    g_test_add_func("/sip/dtmf-info/relay-refused", test_relay_refused);
    g_test_add_func("/sip/dtmf-info/dtmf", test_dtmf);
    g_test_add_func("/sip/dtmf-info/types", test_types);
    g_test_add_func("/sip/dtmf-info/length-bounded", test_length_bounded);
    g_test_add_func("/sip/dtmf-info/body", test_body);
    g_test_add_func("/sip/dtmf-info/hostile", test_hostile);
    g_test_add_func("/sip/dtmf-info/fuzz-regressions", test_fuzz_regressions);
    return g_test_run();
}
