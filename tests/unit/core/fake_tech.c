/* A fake channel technology for unit tests (see fake_tech.h). */
#include "fake_tech.h"

typedef struct {
    FakeBehaviour b;
    guint delay_ms;
} Endpoint;

typedef struct {
    PbxChannel *chan;          /* weak: the channel owns us */
    guint timer;
    FakeBehaviour b;
    guint delay_ms;
    const PbxAudioPortFuncs *port;
    gpointer port_data;
} FakePvt;

typedef struct {
    const PbxAudioPortFuncs *port;
    gpointer data;
} Release;

static PbxChannelTech fake;
static GHashTable *endpoints;
static void release_port(FakePvt *p);
static GString *log_buf;

static void
log_op(const char *verb, PbxChannel *chan, const char *detail)
{
    g_string_append_printf(log_buf, "%s:%s%s%s;", verb,
                           pbx_channel_get_callee(chan), detail ? ":" : "",
                           detail ? detail : "");
}

static FakePvt *
pvt_new(PbxChannel *chan)
{
    FakePvt *p = g_new0(FakePvt, 1);

    p->chan = chan;
    pbx_channel_set_tech_pvt(chan, p);
    return p;
}

static PbxChannel *
fake_request(const PbxChannelTech *tech, const char *target,
             PbxChannel *requester, const PbxDialOptions *options,
             GError **error)
{
    Endpoint *e = g_hash_table_lookup(endpoints, target);
    PbxChannel *chan;
    FakePvt *p;

    if (!e) {
        g_set_error(error, PBX_CHANNEL_ERROR, PBX_CHANNEL_ERROR_UNAVAILABLE,
                    "no endpoint %s", target);
        return NULL;
    }
    chan = pbx_channel_new_outbound(tech, NULL, target,
                                    options->caller_number ? options->caller_number
                                    : requester ? pbx_channel_get_caller_number(requester)
                                    : NULL, options->caller_name);
    p = pvt_new(chan);
    p->b = e->b;
    p->delay_ms = e->delay_ms;
    if (options->headers && g_hash_table_lookup(options->headers, "X-Test"))
        log_op("header", chan, g_hash_table_lookup(options->headers, "X-Test"));
    return chan;
}

static gboolean
outcome_due(gpointer data)
{
    FakePvt *p = data;

    p->timer = 0;
    switch (p->b) {
    case FAKE_ANSWER:
        pbx_channel_set_codec(p->chan, "PCMU");
        pbx_channel_set_state(p->chan, PBX_CHANNEL_UP);
        break;
    case FAKE_BUSY:
        pbx_channel_hangup_from_tech(p->chan, pbx_cause_from_sip(486));
        break;
    case FAKE_REJECT:
        pbx_channel_hangup_from_tech(p->chan, pbx_cause_from_sip(603));
        break;
    case FAKE_NOANSWER:
        break;
    }
    return G_SOURCE_REMOVE;
}

static gboolean
fake_call(PbxChannel *chan, guint timeout_ms, GError **error)
{
    FakePvt *p = pbx_channel_get_tech_pvt(chan);

    log_op("call", chan, NULL);
    if (p->b != FAKE_REJECT)
        pbx_channel_set_state(chan, PBX_CHANNEL_RINGING);
    if (p->b != FAKE_NOANSWER)
        p->timer = g_timeout_add(p->delay_ms, outcome_due, p);
    return TRUE;
}

static gboolean
fake_answer(PbxChannel *chan, GError **error)
{
    log_op("answer", chan, NULL);
    pbx_channel_set_state(chan, PBX_CHANNEL_UP);
    return TRUE;
}

static gboolean
fake_ring(PbxChannel *chan)
{
    log_op("ring", chan, NULL);
    return TRUE;
}

static void
fake_hangup(PbxChannel *chan, PbxCause cause)
{
    FakePvt *p = pbx_channel_get_tech_pvt(chan);
    char code[8];

    g_snprintf(code, sizeof code, "%u", pbx_cause_to_sip(cause));
    log_op("hangup", chan, code);
    if (p)
        g_clear_handle_id(&p->timer, g_source_remove);
    release_port(p);
}

static gboolean
released_later(gpointer data)
{
    Release *r = data;

    if (r->port->released)
        r->port->released(r->data);
    g_free(r);
    return G_SOURCE_REMOVE;
}

/* As a media thread would: the port goes back to the main context. */
static void
release_port(FakePvt *p)
{
    Release *r;

    if (!p || !p->port)
        return;
    r = g_new0(Release, 1);
    r->port = p->port;
    r->data = p->port_data;
    p->port = NULL;
    p->port_data = NULL;
    g_idle_add(released_later, r);
}

static gboolean
fake_set_audio_port(PbxChannel *chan, const PbxAudioPortFuncs *port, gpointer data,
                    GError **error)
{
    FakePvt *p = pbx_channel_get_tech_pvt(chan);

    if (!p)
        p = pvt_new(chan);          /* a channel made without one */
    release_port(p);
    p->port = port;
    p->port_data = data;
    log_op(port ? "port" : "unport", chan, NULL);
    return TRUE;
}

gboolean
fake_tech_port_tick(PbxChannel *chan, const PbxAudioFrame *in, PbxAudioFrame *out)
{
    FakePvt *p = pbx_channel_get_tech_pvt(chan);

    if (!p || !p->port)
        return FALSE;
    if (p->port->write)
        p->port->write(p->port_data, in);
    return p->port->read && p->port->read(p->port_data, out);
}

static gboolean
fake_bridge(PbxChannel *a, PbxChannel *b, GError **error)
{
    release_port(pbx_channel_get_tech_pvt(a));      /* a bridge takes the media */
    release_port(pbx_channel_get_tech_pvt(b));
    log_op("bridge", a, pbx_channel_get_callee(b));
    return TRUE;
}

static void
fake_unbridge(PbxChannel *a, PbxChannel *b)
{
    log_op("unbridge", a, pbx_channel_get_callee(b));
}

static gboolean
fake_send_dtmf(PbxChannel *chan, char digit, guint duration_ms, GError **error)
{
    g_autofree char *d = g_strdup_printf("%c:%u", digit, duration_ms);

    log_op("dtmf", chan, d);
    return TRUE;
}

static void
fake_destroy(PbxChannel *chan)
{
    FakePvt *p = pbx_channel_get_tech_pvt(chan);

    if (p)
        g_clear_handle_id(&p->timer, g_source_remove);
    g_free(p);
}

void
fake_tech_register(const char *name)
{
    fake = (PbxChannelTech) {
        .name = name,
        .description = "Fake phones for tests",
        .request = fake_request,
        .call = fake_call,
        .answer = fake_answer,
        .ring = fake_ring,
        .hangup = fake_hangup,
        .bridge_media = fake_bridge,
        .unbridge_media = fake_unbridge,
        .destroy = fake_destroy,
        .send_dtmf = fake_send_dtmf,
        .set_audio_port = fake_set_audio_port,
    };
    endpoints = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    log_buf = g_string_new(NULL);
    g_assert_true(pbx_channel_tech_register(NULL, &fake, NULL));
}

void
fake_tech_unregister(void)
{
    pbx_channel_tech_unregister(&fake);
    g_hash_table_unref(endpoints);
    g_string_free(log_buf, TRUE);
}

void
fake_tech_set(const char *target, FakeBehaviour b, guint delay_ms)
{
    Endpoint *e = g_new0(Endpoint, 1);

    e->b = b;
    e->delay_ms = delay_ms;
    g_hash_table_insert(endpoints, g_strdup(target), e);
}

PbxChannel *
fake_tech_call_in(const char *from, const char *to, const char *context)
{
    PbxChannel *chan = pbx_channel_new_inbound(&fake, NULL, from, from, to,
                                               context);

    pvt_new(chan);
    pbx_channel_dispatch(chan);
    return chan;
}

void
fake_tech_dtmf(PbxChannel *chan, char digit)
{
    PbxDtmf d = { digit, 120, PBX_DTMF_RFC4733 };

    pbx_channel_dtmf(chan, &d);
}

const char *
fake_tech_log(void)
{
    return log_buf->str;
}

void
fake_tech_clear_log(void)
{
    g_string_truncate(log_buf, 0);
}
