/* Unit tests: the parking lot's slot allocator (dialplan/park_lot.c). */
#include "../../../dialplan/park_lot.h"

static int a, b, c;

static void
test_default_range(void)
{
    g_autoptr(GError) error = NULL;
    ParkLot *lot = park_lot_new();
    guint first, last;

    park_lot_get_range(lot, &first, &last);
    g_assert_cmpuint(first, ==, 701);
    g_assert_cmpuint(last, ==, 720);
    g_assert_cmpuint(park_lot_claim(lot, 0, &a, &error), ==, 701);
    g_assert_cmpuint(park_lot_claim(lot, 0, &b, &error), ==, 702);
    g_assert_no_error(error);
    g_assert_true(park_lot_get(lot, 701) == &a);
    g_assert_true(park_lot_get(lot, 702) == &b);
    g_assert_null(park_lot_get(lot, 703));
    g_assert_cmpuint(park_lot_count(lot), ==, 2);
    park_lot_free(lot);
}

static void
test_lowest_free_reused(void)
{
    ParkLot *lot = park_lot_new();

    g_assert_cmpuint(park_lot_claim(lot, 0, &a, NULL), ==, 701);
    g_assert_cmpuint(park_lot_claim(lot, 0, &b, NULL), ==, 702);
    g_assert_cmpuint(park_lot_claim(lot, 0, &c, NULL), ==, 703);
    g_assert_true(park_lot_release(lot, 702, &b));
    g_assert_cmpuint(park_lot_claim(lot, 0, &b, NULL), ==, 702);
    park_lot_free(lot);
}

static void
test_wanted_slot(void)
{
    g_autoptr(GError) error = NULL;
    ParkLot *lot = park_lot_new();

    g_assert_cmpuint(park_lot_claim(lot, 710, &a, &error), ==, 710);
    g_assert_cmpuint(park_lot_claim(lot, 710, &b, &error), ==, 0);
    g_assert_error(error, PARK_LOT_ERROR, PARK_LOT_ERROR_TAKEN);
    g_clear_error(&error);
    g_assert_cmpuint(park_lot_claim(lot, 700, &b, &error), ==, 0);
    g_assert_error(error, PARK_LOT_ERROR, PARK_LOT_ERROR_RANGE);
    g_clear_error(&error);
    g_assert_cmpuint(park_lot_claim(lot, 721, &b, &error), ==, 0);
    g_assert_error(error, PARK_LOT_ERROR, PARK_LOT_ERROR_RANGE);
    g_assert_cmpuint(park_lot_claim(lot, 0, &b, NULL), ==, 701);
    park_lot_free(lot);
}

static void
test_full(void)
{
    g_autoptr(GError) error = NULL;
    ParkLot *lot = park_lot_new();
    int vals[3];

    g_assert_true(park_lot_set_range(lot, 5, 7, NULL));
    for (guint i = 0; i < 3; i++)
        g_assert_cmpuint(park_lot_claim(lot, 0, &vals[i], NULL), ==, 5 + i);
    g_assert_cmpuint(park_lot_claim(lot, 0, &a, &error), ==, 0);
    g_assert_error(error, PARK_LOT_ERROR, PARK_LOT_ERROR_FULL);
    g_assert_true(park_lot_release(lot, 6, &vals[1]));
    g_assert_cmpuint(park_lot_claim(lot, 0, &a, NULL), ==, 6);
    park_lot_free(lot);
}

static void
test_release_checks_value(void)
{
    ParkLot *lot = park_lot_new();

    g_assert_cmpuint(park_lot_claim(lot, 705, &a, NULL), ==, 705);
    g_assert_false(park_lot_release(lot, 705, &b));     /* someone else's */
    g_assert_false(park_lot_release(lot, 706, &a));     /* empty slot */
    g_assert_false(park_lot_release(lot, 705, NULL));
    g_assert_true(park_lot_get(lot, 705) == &a);
    g_assert_true(park_lot_release(lot, 705, &a));
    g_assert_false(park_lot_release(lot, 705, &a));     /* twice */
    g_assert_cmpuint(park_lot_count(lot), ==, 0);
    park_lot_free(lot);
}

static void
test_bad_ranges(void)
{
    g_autoptr(GError) error = NULL;
    ParkLot *lot = park_lot_new();
    guint first, last;

    g_assert_false(park_lot_set_range(lot, 0, 10, &error));
    g_assert_error(error, PARK_LOT_ERROR, PARK_LOT_ERROR_RANGE);
    g_clear_error(&error);
    g_assert_false(park_lot_set_range(lot, 20, 10, &error));
    g_clear_error(&error);
    g_assert_false(park_lot_set_range(lot, 1, PARK_LOT_MAX_SLOTS + 1, &error));
    g_clear_error(&error);
    g_assert_false(park_lot_set_range(lot, PARK_LOT_MAX_NUMBER, PARK_LOT_MAX_NUMBER + 1,
                                      &error));
    park_lot_get_range(lot, &first, &last);
    g_assert_cmpuint(first, ==, 701);                   /* unchanged */
    g_assert_cmpuint(last, ==, 720);
    g_assert_true(park_lot_set_range(lot, 1, PARK_LOT_MAX_SLOTS, NULL));
    park_lot_free(lot);
}

static void
test_parse_slot(void)
{
    ParkLot *lot = park_lot_new();
    guint slot = 0;
    static const char *const bad[] = {
        NULL, "", "700", "721", "-701", "+701", " 701", "701 ", "7o1", "0x2bd",
        "701701701701", "99999999999999999999", "70.1",
    };

    g_assert_true(park_lot_parse_slot(lot, "701", &slot));
    g_assert_cmpuint(slot, ==, 701);
    g_assert_true(park_lot_parse_slot(lot, "0720", &slot));
    g_assert_cmpuint(slot, ==, 720);
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        slot = 0;
        g_assert_false(park_lot_parse_slot(lot, bad[i], &slot));
        g_assert_cmpuint(slot, ==, 0);
    }
    park_lot_free(lot);
}

static void
test_taken_sorted(void)
{
    ParkLot *lot = park_lot_new();
    g_autoptr(GArray) taken = NULL;

    park_lot_claim(lot, 715, &a, NULL);
    park_lot_claim(lot, 703, &b, NULL);
    park_lot_claim(lot, 709, &c, NULL);
    taken = park_lot_taken(lot);
    g_assert_cmpuint(taken->len, ==, 3);
    g_assert_cmpuint(g_array_index(taken, guint, 0), ==, 703);
    g_assert_cmpuint(g_array_index(taken, guint, 1), ==, 709);
    g_assert_cmpuint(g_array_index(taken, guint, 2), ==, 715);
    park_lot_free(lot);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/dialplan/park-lot/default-range", test_default_range);
    g_test_add_func("/dialplan/park-lot/lowest-free-reused", test_lowest_free_reused);
    g_test_add_func("/dialplan/park-lot/wanted-slot", test_wanted_slot);
    g_test_add_func("/dialplan/park-lot/full", test_full);
    g_test_add_func("/dialplan/park-lot/release-checks-value", test_release_checks_value);
    g_test_add_func("/dialplan/park-lot/bad-ranges", test_bad_ranges);
    g_test_add_func("/dialplan/park-lot/parse-slot", test_parse_slot);
    g_test_add_func("/dialplan/park-lot/taken-sorted", test_taken_sorted);
    return g_test_run();
}
