/* Carillon res_sip_blf - internals shared by its files.
 *
 *   devstate.c    the calls of each endpoint, from the core's channel
 *                 events: what a lamp shows;
 *   dialog_info.c the "dialog" event package (RFC 4235), for BLF keys;
 *   parked.c      parking slots as resources (confirmed while occupied);
 *   pidf.c        the "presence" event package (RFC 3863 PIDF with the
 *                 RFC 4480 on-the-phone activity), for buddy lists;
 *   module.c      the module.
 *
 * Thread affinity: main context only.
 */
#pragma once

#include <carillon/carillon.h>
#include <carillon/sip/api.h>
#include <carillon/sip/pubsub.h>
#include <carillon/registrar.h>

G_BEGIN_DECLS

/* One call of an endpoint, as its phone sees it. */
typedef struct {
    char *id;                   /* the channel id */
    char *state;                /* RFC 4235: trying, proceeding, early, confirmed */
    gboolean initiator;         /* the endpoint placed it */
    char *remote;               /* the other party's number, may be "" */
} BlfCall;

typedef struct {
    PbxModule *module;
    const SipApi *sip;
    const SipPubsubApi *pubsub;
    const RegistrarApi *registrar;
    PbxLogDomain *log;
    GHashTable *calls;          /* endpoint name -> GPtrArray of BlfCall* */
    GHashTable *channels;       /* channel id -> its BlfCall (in a list of calls) */
} Blf;

extern Blf blf;

void devstate_init(void);
void devstate_shutdown(void);
/* The endpoint's calls (borrowed, NULL when idle). */
const GPtrArray *devstate_calls(const char *endpoint);
void devstate_on_channel(const PbxEvent *ev, gpointer data);
/* A call of `resource` (an endpoint or a parking slot) appears (its id
 * unique among them all) or goes. */
BlfCall *devstate_add(const char *resource, const char *id, const char *state,
                      gboolean initiator, const char *remote);
void devstate_drop(const char *resource, BlfCall *c);

/* parked.c: parking slots as BLF resources (the park events): a parked
 * call is a confirmed dialog of its slot. */
void parked_on_event(const PbxEvent *ev, gpointer data);

/* Both packages accept an existing endpoint as resource. */
gboolean blf_subscribe(const char *resource, const SipEndpoint *subscriber, guint *code,
                       gpointer data);

extern const SipEventPackage blf_dialog_package;
extern const SipEventPackage blf_presence_package;

/* Appends s with XML's five special characters escaped. */
void blf_xml_escape(GString *out, const char *s);

G_END_DECLS
