/* Carillon - the parking lot's slots (see park_lot.h). */
#include <string.h>

#include "park_lot.h"

struct _ParkLot {
    guint first, last;
    GHashTable *taken;          /* GUINT_TO_POINTER(slot) -> value */
};

ParkLot *
park_lot_new(void)
{
    ParkLot *lot = g_new0(ParkLot, 1);

    lot->first = PARK_LOT_FIRST;
    lot->last = PARK_LOT_LAST;
    lot->taken = g_hash_table_new(g_direct_hash, g_direct_equal);
    return lot;
}

void
park_lot_free(ParkLot *lot)
{
    if (!lot)
        return;
    g_hash_table_unref(lot->taken);
    g_free(lot);
}

gboolean
park_lot_set_range(ParkLot *lot, guint first, guint last, GError **error)
{
    if (first < 1 || last < first || last > PARK_LOT_MAX_NUMBER
        || last - first >= PARK_LOT_MAX_SLOTS) {
        g_set_error(error, PARK_LOT_ERROR, PARK_LOT_ERROR_RANGE,
                    "parking slots %u-%u: want 1 <= first <= last <= %u, at most %u slots",
                    first, last, PARK_LOT_MAX_NUMBER, PARK_LOT_MAX_SLOTS);
        return FALSE;
    }
    lot->first = first;
    lot->last = last;
    return TRUE;
}

void
park_lot_get_range(const ParkLot *lot, guint *first, guint *last)
{
    *first = lot->first;
    *last = lot->last;
}

gboolean
park_lot_has_slot(const ParkLot *lot, guint slot)
{
    return slot >= lot->first && slot <= lot->last;
}

gboolean
park_lot_parse_slot(const ParkLot *lot, const char *s, guint *slot)
{
    guint64 v;

    if (!s || !*s || strlen(s) > 9 || strspn(s, "0123456789") != strlen(s))
        return FALSE;
    if (!g_ascii_string_to_unsigned(s, 10, 0, PARK_LOT_MAX_NUMBER, &v, NULL)
        || !park_lot_has_slot(lot, (guint) v))
        return FALSE;
    *slot = (guint) v;
    return TRUE;
}

static guint
lowest_free(const ParkLot *lot)
{
    for (guint s = lot->first; s <= lot->last; s++) {
        if (!g_hash_table_contains(lot->taken, GUINT_TO_POINTER(s)))
            return s;
    }
    return 0;
}

guint
park_lot_claim(ParkLot *lot, guint wanted, gpointer value, GError **error)
{
    guint slot = wanted ? wanted : lowest_free(lot);

    g_return_val_if_fail(value != NULL, 0);
    if (wanted && !park_lot_has_slot(lot, wanted)) {
        g_set_error(error, PARK_LOT_ERROR, PARK_LOT_ERROR_RANGE,
                    "%u is not a parking slot (%u-%u)", wanted, lot->first, lot->last);
        return 0;
    }
    if (!slot) {
        g_set_error(error, PARK_LOT_ERROR, PARK_LOT_ERROR_FULL,
                    "every parking slot (%u-%u) is taken", lot->first, lot->last);
        return 0;
    }
    if (g_hash_table_contains(lot->taken, GUINT_TO_POINTER(slot))) {
        g_set_error(error, PARK_LOT_ERROR, PARK_LOT_ERROR_TAKEN,
                    "parking slot %u is taken", slot);
        return 0;
    }
    g_hash_table_insert(lot->taken, GUINT_TO_POINTER(slot), value);
    return slot;
}

gpointer
park_lot_get(const ParkLot *lot, guint slot)
{
    return g_hash_table_lookup(lot->taken, GUINT_TO_POINTER(slot));
}

gboolean
park_lot_release(ParkLot *lot, guint slot, gpointer value)
{
    if (!value || park_lot_get(lot, slot) != value)
        return FALSE;
    return g_hash_table_remove(lot->taken, GUINT_TO_POINTER(slot));
}

guint
park_lot_count(const ParkLot *lot)
{
    return g_hash_table_size(lot->taken);
}

static gint
compare_slots(gconstpointer a, gconstpointer b)
{
    guint x = *(const guint *) a, y = *(const guint *) b;

    return x < y ? -1 : x > y;
}

GArray *
park_lot_taken(const ParkLot *lot)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(guint));
    GHashTableIter it;
    gpointer key;

    g_hash_table_iter_init(&it, lot->taken);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        guint s = GPOINTER_TO_UINT(key);
        g_array_append_val(out, s);
    }
    g_array_sort(out, compare_slots);
    return out;
}
