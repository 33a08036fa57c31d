/* app_playback - numbers and digits as English prompts, from the core
 * sound set (asterisk-core-sounds-en: digits/0 .. digits/19, digits/20,
 * 30, ... 90, hundred, thousand, million, billion, minus, star, pound).
 * The rules are Asterisk's for English (main/say.c): 42 is "forty two",
 * 999 "nine hundred ninety nine" (no "and"), 1001 "one thousand one". */
#include "app_playback.h"

static const char *const ones[] = {
    "digits/0",  "digits/1",  "digits/2",  "digits/3",  "digits/4",
    "digits/5",  "digits/6",  "digits/7",  "digits/8",  "digits/9",
    "digits/10", "digits/11", "digits/12", "digits/13", "digits/14",
    "digits/15", "digits/16", "digits/17", "digits/18", "digits/19",
};

static const char *const tens[] = {
    NULL, NULL, "digits/20", "digits/30", "digits/40",
    "digits/50", "digits/60", "digits/70", "digits/80", "digits/90",
};

/* Units of a thousand, largest first. */
static const struct {
    gint64 value;
    const char *name;
} scales[] = {
    { G_GINT64_CONSTANT(1000000000), "digits/billion" },
    { 1000000, "digits/million" },
    { 1000, "digits/thousand" },
};

static gboolean
add(const char *name, const char **names, guint *n, guint max)
{
    if (*n >= max)
        return FALSE;
    names[(*n)++] = name;
    return TRUE;
}

/* 1 .. 999 */
static gboolean
say_hundreds(gint64 n, const char **names, guint *count, guint max)
{
    if (n >= 100 && !(add(ones[n / 100], names, count, max)
                      && add("digits/hundred", names, count, max)))
        return FALSE;
    n %= 100;
    if (n >= 20 && !add(tens[n / 10], names, count, max))
        return FALSE;
    if (n >= 20)
        n %= 10;
    return n == 0 || add(ones[n], names, count, max);
}

gboolean
say_number_names(gint64 n, const char **names, guint *n_names, guint max)
{
    g_return_val_if_fail(n >= -SAY_NUMBER_MAX && n <= SAY_NUMBER_MAX, FALSE);
    if (n == 0)
        return add(ones[0], names, n_names, max);
    if (n < 0 && !add("digits/minus", names, n_names, max))
        return FALSE;
    n = n < 0 ? -n : n;
    for (guint i = 0; i < G_N_ELEMENTS(scales); i++) {
        if (n < scales[i].value)
            continue;
        if (!say_hundreds(n / scales[i].value, names, n_names, max)
            || !add(scales[i].name, names, n_names, max))
            return FALSE;
        n %= scales[i].value;
    }
    return n == 0 || say_hundreds(n, names, n_names, max);
}

const char *
say_digit_name(char c)
{
    if (c >= '0' && c <= '9')
        return ones[c - '0'];
    if (c == '*')
        return "digits/star";
    if (c == '#')
        return "digits/pound";
    return NULL;
}
