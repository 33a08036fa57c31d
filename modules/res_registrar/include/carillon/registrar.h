/* Carillon - the location service API of res_registrar ("registrar").
 *
 * chan_sip's call handling finds where an endpoint can be reached:
 *
 *     const RegistrarApi *reg = registrar_api_get(self, &error);
 *     GPtrArray *contacts = reg->lookup("1001");   // RegContact*, best q first
 *
 * (with .requires = PBX_REQUIRES("res_registrar") in the descriptor).
 *
 * Thread affinity: main context.
 */
#pragma once

#include <carillon/carillon.h>

G_BEGIN_DECLS

#define REGISTRAR_API_NAME "registrar"
#define REGISTRAR_API_VERSION 1u

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

typedef struct {
    guint version;              /* REGISTRAR_API_VERSION */
    /* Current contacts of an AOR (endpoint name), highest q first; an
     * empty array when none.  Free with g_ptr_array_unref (it frees the
     * contacts). */
    GPtrArray *(*lookup)(const char *aor);
    /* Number of current contacts of an AOR. */
    guint (*count)(const char *aor);
    const char *(*status_to_string)(RegStatus status);
} RegistrarApi;

#define registrar_api_get(self, error)                                         \
    ((const RegistrarApi *) pbx_module_get_api_version((self), REGISTRAR_API_NAME, \
                                                       REGISTRAR_API_VERSION, (error)))

G_END_DECLS
