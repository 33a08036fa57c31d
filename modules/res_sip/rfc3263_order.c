/* Carillon - res_sip: RFC 3263 / RFC 2782 ordering of NAPTR and SRV
 * records (see rfc3263.h). */
#include <string.h>
#include "rfc3263.h"

static guint32
default_rnd(guint32 n)
{
    return (guint32) g_random_int_range(0, (gint32) MIN(n, G_MAXINT32));
}

static int
by_priority(const void *a, const void *b)
{
    const SipSrvTarget *x = a, *y = b;

    /* weight 0 first within a priority, as RFC 2782 asks before the draw */
    if (x->priority != y->priority)
        return x->priority < y->priority ? -1 : 1;
    return (x->weight != 0) - (y->weight != 0);
}

/* RFC 2782: draws the order of t[0..n) (one priority) by weight. */
static void
draw_by_weight(SipSrvTarget *t, guint n, guint32 (*rnd)(guint32))
{
    for (guint done = 0; done + 1 < n; done++) {
        guint32 total = 0, sum = 0, pick;
        guint i;
        for (i = done; i < n; i++)
            total += t[i].weight;
        pick = rnd(total + 1);
        for (i = done; i < n - 1; i++) {
            sum += t[i].weight;
            if (sum >= pick)
                break;
        }
        SipSrvTarget chosen = t[i];
        memmove(&t[done + 1], &t[done], (i - done) * sizeof *t);
        t[done] = chosen;
    }
}

void
sip_srv_order(SipSrvTarget *t, guint n, guint32 (*rnd)(guint32 n))
{
    guint start = 0;

    qsort(t, n, sizeof *t, by_priority);
    for (guint i = 1; i <= n; i++) {
        if (i == n || t[i].priority != t[start].priority) {
            draw_by_weight(t + start, i - start, rnd ? rnd : default_rnd);
            start = i;
        }
    }
}

static const char *
naptr_service(SipTransport transport)
{
    switch (transport) {
    case SIP_TRANSPORT_UDP: return "SIP+D2U";
    case SIP_TRANSPORT_TCP: return "SIP+D2T";
    case SIP_TRANSPORT_TLS: return "SIPS+D2T";
    default:                return NULL;
    }
}

const char *
sip_srv_prefix(SipTransport transport)
{
    switch (transport) {
    case SIP_TRANSPORT_UDP: return "_sip._udp.";
    case SIP_TRANSPORT_TCP: return "_sip._tcp.";
    case SIP_TRANSPORT_TLS: return "_sips._tcp.";
    default:                return NULL;
    }
}

static int
by_order(const void *a, const void *b)
{
    const SipNaptrTarget *x = a, *y = b;

    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return (x->preference > y->preference) - (x->preference < y->preference);
}

guint
sip_naptr_select(SipNaptrTarget *t, guint n, SipTransport transport)
{
    const char *service = naptr_service(transport);
    guint kept = 0;

    for (guint i = 0; i < n && service; i++) {
        if (!t[i].flags || g_ascii_strcasecmp(t[i].flags, "s") != 0 || !t[i].service
            || g_ascii_strcasecmp(t[i].service, service) != 0
            || !t[i].replacement || !*t[i].replacement)
            continue;
        t[kept++] = t[i];
    }
    qsort(t, kept, sizeof *t, by_order);
    return kept;
}
