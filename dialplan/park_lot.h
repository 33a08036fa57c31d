/* Carillon - the parking lot's slots: which numbers exist (a range,
 * 701-720 unless set), which are taken and by what.  Plain data: it
 * knows nothing of channels (park.c puts its parked calls in it), so the
 * unit tests drive it alone.
 *
 * Thread affinity: main context (not asserted: no state outside the lot).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PARK_LOT_FIRST 701
#define PARK_LOT_LAST 720
#define PARK_LOT_MAX_SLOTS 1000         /* slots in one range */
#define PARK_LOT_MAX_NUMBER 99999999u   /* the highest slot number */

#define PARK_LOT_ERROR (g_quark_from_static_string("carillon-park-lot-error"))
typedef enum {
    PARK_LOT_ERROR_RANGE,       /* not a slot of the lot, or a bad range */
    PARK_LOT_ERROR_TAKEN,       /* that slot holds a call already */
    PARK_LOT_ERROR_FULL,        /* every slot holds a call */
} ParkLotError;

typedef struct _ParkLot ParkLot;

ParkLot *park_lot_new(void);
void park_lot_free(ParkLot *lot);
/* first..last (at most PARK_LOT_MAX_SLOTS of them, none above
 * PARK_LOT_MAX_NUMBER, first >= 1); the calls parked outside it stay
 * where they are until retrieved. */
gboolean park_lot_set_range(ParkLot *lot, guint first, guint last, GError **error);
void park_lot_get_range(const ParkLot *lot, guint *first, guint *last);
/* TRUE when `slot` is in the range. */
gboolean park_lot_has_slot(const ParkLot *lot, guint slot);
/* A slot number written in decimal digits only ("0701" too), in the
 * range; FALSE otherwise (NULL, empty, signs, spaces, too long). */
gboolean park_lot_parse_slot(const ParkLot *lot, const char *s, guint *slot);
/* Puts `value` (not NULL) in slot `wanted` (0: the lowest free one).
 * Returns the slot, or 0 with error: RANGE, TAKEN, FULL. */
guint park_lot_claim(ParkLot *lot, guint wanted, gpointer value, GError **error);
/* What slot holds, or NULL. */
gpointer park_lot_get(const ParkLot *lot, guint slot);
/* Empties slot if it holds `value`; FALSE otherwise. */
gboolean park_lot_release(ParkLot *lot, guint slot, gpointer value);
guint park_lot_count(const ParkLot *lot);
/* The taken slots in increasing order (a new array of guint). */
GArray *park_lot_taken(const ParkLot *lot);

G_END_DECLS
