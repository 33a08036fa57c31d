/* Carillon - the location service API of res_registrar ("registrar").
 *
 * chan_sip's call handling and the dialplan find where an endpoint can be
 * reached:
 *
 *     const RegistrarApi *reg = pbx_module_get_api(self, REGISTRAR_API_NAME, &error);
 *     GPtrArray *contacts = reg->lookup("1001");   // RegContact*, best q first
 *
 * Thread affinity: main context.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define REGISTRAR_API_NAME "registrar"

typedef enum {
    REG_STATUS_UNKNOWN,       /* not qualified (yet) */
    REG_STATUS_REACHABLE,
    REG_STATUS_UNREACHABLE,
} RegStatus;

/* One current contact of an address of record, with where to send
 * requests for it (its source address when it is behind NAT). */
typedef struct {
    char *aor;
    char *uri;                /* Contact URI as registered */
    char *transport;          /* "udp" or "tcp" */
    char *host;               /* IP literal (or name from the Contact) */
    guint16 port;
    gint q;                   /* q * 1000, -1 when not given */
    gint64 expires_in;        /* seconds */
    RegStatus status;
    gint64 rtt_us;            /* last qualify round trip, -1 unknown */
} RegContact;

void reg_contact_free(RegContact *c);

typedef struct {
    /* Current contacts of an AOR (endpoint name), highest q first; an
     * empty array when none.  Free with g_ptr_array_unref. */
    GPtrArray *(*lookup)(const char *aor);
    /* Number of current contacts of an AOR. */
    guint (*count)(const char *aor);
    const char *(*status_to_string)(RegStatus status);
} RegistrarApi;

G_END_DECLS
