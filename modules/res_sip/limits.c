/* Carillon res_sip - abuse limits: the per-source table, the checks of
 * the receive path and the trip counters.  See sip_limits.h. */
#include <string.h>
#include <arpa/inet.h>
#include "sip_limits.h"

#define SWEEP_US (10 * G_USEC_PER_SEC)
#define EVENT_GAP_US (10 * G_USEC_PER_SEC)

typedef struct {
    guint8 len;                 /* 4 or 16; 0 = the overflow entry */
    guint8 bytes[16];
} Key;

typedef struct {
    Key key;
    gboolean exempt;
    double tokens;
    gint64 last_us;
    gint64 limited_until;
    guint tx;
    guint dialogs;
    guint64 trips;
    gint64 last_event[SIP_LIMIT_N];
} Source;

typedef struct {
    Key net;
    guint prefix;
} Prefix;

static SipLimitsConf conf;
static GArray *exempt;          /* Prefix */
static GHashTable *sources;     /* Key* -> Source* (owned) */
static Source overflow;
static gint64 next_sweep;
static guint64 trips[SIP_LIMIT_N];
static gint64 total_event[SIP_LIMIT_N];
static guint dialogs_total, tx_total;
static char retry_after[48];

static const char *const kind_names[SIP_LIMIT_N] = {
    [SIP_LIMIT_RATE] = "rate",
    [SIP_LIMIT_TX_SOURCE] = "transactions-per-source",
    [SIP_LIMIT_TX_TOTAL] = "transactions",
    [SIP_LIMIT_DIALOG_SOURCE] = "dialogs-per-source",
    [SIP_LIMIT_DIALOG_TOTAL] = "dialogs",
    [SIP_LIMIT_CONN_SOURCE] = "connections-per-source",
    [SIP_LIMIT_CONN_TOTAL] = "connections",
};

const char *
sip_limit_kind_name(SipLimitKind kind)
{
    return kind < SIP_LIMIT_N ? kind_names[kind] : "?";
}

static guint
key_hash(gconstpointer p)
{
    const Key *k = p;
    guint h = 5381;

    for (guint i = 0; i < k->len; i++)
        h = h * 33 + k->bytes[i];
    return h;
}

static gboolean
key_equal(gconstpointer a, gconstpointer b)
{
    const Key *x = a, *y = b;

    return x->len == y->len && memcmp(x->bytes, y->bytes, x->len) == 0;
}

static gboolean
key_of(const SipAddr *a, Key *k)
{
    memset(k, 0, sizeof(*k));
    if (a->u.sa.sa_family == AF_INET) {
        k->len = 4;
        memcpy(k->bytes, &a->u.sin.sin_addr, 4);
        return TRUE;
    }
    if (a->u.sa.sa_family == AF_INET6) {
        k->len = 16;
        memcpy(k->bytes, &a->u.sin6.sin6_addr, 16);
        return TRUE;
    }
    return FALSE;
}

static gboolean
prefix_match(const Prefix *p, const Key *k)
{
    guint full = p->prefix / 8, rest = p->prefix % 8;

    if (p->net.len != k->len || memcmp(p->net.bytes, k->bytes, full) != 0)
        return FALSE;
    return rest == 0 || ((p->net.bytes[full] ^ k->bytes[full]) & (0xff00 >> rest) & 0xff) == 0;
}

static gboolean
is_exempt(const Key *k)
{
    for (guint i = 0; exempt && i < exempt->len; i++) {
        if (prefix_match(&g_array_index(exempt, Prefix, i), k))
            return TRUE;
    }
    return FALSE;
}

/* ---------------------------------------------------------------- table */

static gboolean
idle(const Source *s, gint64 now)
{
    double full_after = conf.rate ? (double) conf.burst / conf.rate : 0;

    return s->tx == 0 && s->dialogs == 0 && s->limited_until <= now
           && (now - s->last_us) / (double) G_USEC_PER_SEC >= full_after;
}

static gboolean
sweep_one(gpointer key, gpointer value, gpointer data)
{
    return idle(value, *(gint64 *) data);
}

static void
sweep(gint64 now)
{
    next_sweep = now + SWEEP_US;
    if (sources)
        g_hash_table_foreach_remove(sources, sweep_one, &now);
}

static Source *
source_new(const Key *k, gint64 now)
{
    Source *s = g_new0(Source, 1);

    s->key = *k;
    s->exempt = is_exempt(k);
    s->tokens = conf.burst;
    s->last_us = now;
    g_hash_table_insert(sources, &s->key, s);
    return s;
}

/* The entry of src; a new one only when the table has room. */
static Source *
source_get(const SipAddr *src, gint64 now)
{
    Key k;
    Source *s;

    if (!sources)
        sources = g_hash_table_new_full(key_hash, key_equal, NULL, g_free);
    if (!key_of(src, &k))
        return &overflow;
    s = g_hash_table_lookup(sources, &k);
    if (s)
        return s;
    if (now >= next_sweep || g_hash_table_size(sources) >= conf.max_sources)
        sweep(now);
    if (g_hash_table_size(sources) >= conf.max_sources)
        return &overflow;
    return source_new(&k, now);
}

/* An existing entry (for counts going down); NULL when there is none. */
static Source *
source_find(const SipAddr *src)
{
    Key k;
    Source *s;

    if (!sources || !key_of(src, &k))
        return NULL;
    s = g_hash_table_lookup(sources, &k);
    return s ? s : &overflow;
}

/* ---------------------------------------------------------------- trips */

static void
publish(SipLimitKind kind, const char *ip, guint count)
{
    PbxEvent *ev = pbx_event_new("sip/limit-tripped");

    pbx_event_set(ev, "limit", kind_names[kind]);
    pbx_event_set(ev, "source", ip);
    pbx_event_setf(ev, "count", "%u", count);
    pbx_event_publish(ev);
    pbx_notice(pbx_log_domain("security"), "limit %s tripped by %s (%u)", kind_names[kind],
               ip, count);
}

/* Counts a trip; logs and publishes it at most every EVENT_GAP_US per
 * source and limit (per limit for the totals). */
static void
trip(Source *s, const SipAddr *src, SipLimitKind kind, guint count, gint64 now)
{
    gint64 *last = s ? &s->last_event[kind] : &total_event[kind];
    char ip[SIP_ADDR_STRLEN];

    trips[kind]++;
    if (s)
        s->trips++;
    if (*last && now - *last < EVENT_GAP_US)
        return;
    *last = now;
    publish(kind, sip_addr_ip_string(src, ip, sizeof(ip)), count);
}

static SipLimitVerdict
busy(void)
{
    return conf.busy_silent ? SIP_LIMIT_DROP : SIP_LIMIT_REFUSE;
}

/* ---------------------------------------------------------------- checks */

static void
refill(Source *s, gint64 now)
{
    s->tokens += (now - s->last_us) * (double) conf.rate / G_USEC_PER_SEC;
    if (s->tokens > conf.burst)
        s->tokens = conf.burst;
    s->last_us = now;
}

SipLimitVerdict
sip_limits_on_message(const SipAddr *src, gint64 now_us)
{
    SipLimitVerdict answer = conf.rate_silent ? SIP_LIMIT_DROP : SIP_LIMIT_REFUSE;
    Source *s;

    if (conf.rate == 0)
        return SIP_LIMIT_PASS;
    s = source_get(src, now_us);
    if (s->exempt)
        return SIP_LIMIT_PASS;
    if (s->limited_until > now_us) {
        trips[SIP_LIMIT_RATE]++;
        s->trips++;
        return answer;
    }
    s->limited_until = 0;
    refill(s, now_us);
    if (s->tokens >= 1) {
        s->tokens -= 1;
        return SIP_LIMIT_PASS;
    }
    s->limited_until = now_us + (gint64) conf.rate_block_time * G_USEC_PER_SEC;
    trip(s, src, SIP_LIMIT_RATE, conf.rate, now_us);
    return answer;
}

SipLimitVerdict
sip_limits_may_open_tx(const SipAddr *src, guint total, guint max_total)
{
    gint64 now = g_get_monotonic_time();
    Source *s = source_get(src, now);

    if (total >= max_total) {
        trip(NULL, src, SIP_LIMIT_TX_TOTAL, total, now);
        return busy();
    }
    if (s->exempt || s == &overflow || s->tx < conf.max_transactions_per_source)
        return SIP_LIMIT_PASS;
    trip(s, src, SIP_LIMIT_TX_SOURCE, s->tx, now);
    return busy();
}

SipLimitVerdict
sip_limits_may_open_dialog(const SipAddr *src)
{
    gint64 now = g_get_monotonic_time();
    Source *s = source_get(src, now);

    if (dialogs_total >= conf.max_dialogs) {
        trip(NULL, src, SIP_LIMIT_DIALOG_TOTAL, dialogs_total, now);
        return busy();
    }
    if (s->exempt || s == &overflow || s->dialogs < conf.max_dialogs_per_source)
        return SIP_LIMIT_PASS;
    trip(s, src, SIP_LIMIT_DIALOG_SOURCE, s->dialogs, now);
    return busy();
}

void
sip_limits_tx_opened(const SipAddr *src)
{
    source_get(src, g_get_monotonic_time())->tx++;
    tx_total++;
}

void
sip_limits_tx_closed(const SipAddr *src)
{
    Source *s = source_find(src);

    if (s && s->tx > 0)
        s->tx--;
    if (tx_total > 0)
        tx_total--;
}

void
sip_limits_dialog_opened(const SipAddr *src)
{
    source_get(src, g_get_monotonic_time())->dialogs++;
    dialogs_total++;
}

void
sip_limits_dialog_closed(const SipAddr *src)
{
    Source *s = source_find(src);

    if (s && s->dialogs > 0)
        s->dialogs--;
    if (dialogs_total > 0)
        dialogs_total--;
}

void
sip_limits_conn_refused(const SipAddr *src, gboolean total)
{
    gint64 now = g_get_monotonic_time();

    if (total)
        trip(NULL, src, SIP_LIMIT_CONN_TOTAL, sip_stack.settings.tcp_max_connections, now);
    else
        trip(source_get(src, now), src, SIP_LIMIT_CONN_SOURCE,
             sip_stack.settings.tcp_max_connections_per_ip, now);
}

/* ---------------------------------------------------------------- config */

static void
set_exempt(char **list)
{
    g_clear_pointer(&exempt, g_array_unref);
    exempt = g_array_new(FALSE, TRUE, sizeof(Prefix));
    for (guint i = 0; list && list[i]; i++) {
        Prefix p;
        if (sip_limits_parse_prefix(list[i], &p.net.len, p.net.bytes, &p.prefix))
            g_array_append_val(exempt, p);
    }
}

static void
refresh_exempt(gpointer key, gpointer value, gpointer data)
{
    Source *s = value;

    s->exempt = is_exempt(&s->key);
}

void
sip_limits_configure(const SipLimitsConf *c)
{
    g_strfreev(conf.exempt);
    conf = *c;
    conf.exempt = g_strdupv(c->exempt);
    set_exempt(conf.exempt);
    if (sources)
        g_hash_table_foreach(sources, refresh_exempt, NULL);
    g_snprintf(retry_after, sizeof(retry_after), "Retry-After: %u\r\n", conf.retry_after);
}

const SipLimitsConf *
sip_limits_conf(void)
{
    return &conf;
}

const char *
sip_limits_retry_after_header(void)
{
    return retry_after;
}

void
sip_limits_shutdown(void)
{
    g_clear_pointer(&sources, g_hash_table_unref);
    g_clear_pointer(&exempt, g_array_unref);
    g_clear_pointer(&conf.exempt, g_strfreev);
    memset(&overflow, 0, sizeof(overflow));
    memset(trips, 0, sizeof(trips));
    memset(total_event, 0, sizeof(total_event));
    dialogs_total = tx_total = 0;
    next_sweep = 0;
}

/* ---------------------------------------------------------------- reports */

guint64
sip_limits_trips(SipLimitKind kind)
{
    return kind < SIP_LIMIT_N ? trips[kind] : 0;
}

guint
sip_limits_dialogs(void)
{
    return dialogs_total;
}

guint
sip_limits_open_transactions(void)
{
    return tx_total;
}

guint
sip_limits_sources(void)
{
    return sources ? g_hash_table_size(sources) : 0;
}

void
sip_limits_foreach_source(SipLimitsSourceFunc fn, gpointer data)
{
    GHashTableIter it;
    gpointer v;
    gint64 now = g_get_monotonic_time();

    if (!sources)
        return;
    g_hash_table_iter_init(&it, sources);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        Source *s = v;
        char ip[SIP_ADDR_STRLEN];
        gint64 left = s->limited_until > now ? (s->limited_until - now) / G_USEC_PER_SEC + 1 : 0;
        if (!inet_ntop(s->key.len == 4 ? AF_INET : AF_INET6, s->key.bytes, ip, sizeof(ip)))
            continue;
        fn(ip, s->tx, s->dialogs, s->trips, left, data);
    }
}

gboolean
sip_limits_unlimit(const char *ip)
{
    Key k = { 0 };
    Source *s;

    if (inet_pton(AF_INET, ip, k.bytes) == 1)
        k.len = 4;
    else if (inet_pton(AF_INET6, ip, k.bytes) == 1)
        k.len = 16;
    s = k.len && sources ? g_hash_table_lookup(sources, &k) : NULL;
    if (!s || s->limited_until == 0)
        return FALSE;
    s->limited_until = 0;
    s->tokens = conf.burst;
    return TRUE;
}
