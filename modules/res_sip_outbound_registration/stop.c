/* Carillon res_sip_outbound_registration - removing the bindings when the
 * daemon stops (see outreg.h).
 *
 * `core/stopping` comes while the main loop still runs: each Registered
 * trunk sends REGISTER with Expires: 0 (the last credentials; a registrar
 * with one-time nonces challenges it again, and that challenge is answered
 * once) and holds a module use.  The daemon's stop waits for the uses
 * (graceful: until they end; forced: settle_uses' 2 s), so the answer is
 * awaited for OUTREG_STOP_DEADLINE_MS at most.  Main context. */
#include "outreg.h"

static void send_unregister(Outreg *reg);

/* Ends reg's unregister (answered, refused, timed out or not sent). */
static void
finish(Outreg *reg, guint code)
{
    if (!reg->stop_use)
        return;
    reg->stop_use = FALSE;
    pbx_timer_stop(&reg->stop_timer);
    reg->last_code = code;
    outreg_set_state(reg, OUTREG_UNREGISTERED);
    pbx_module_unuse(outreg.module);
}

void
outreg_stop_timer_fired(PbxTimer *timer, gpointer data)
{
    Outreg *reg = data;

    pbx_notice(outreg.log, "trunk %s: no answer to the unregister", reg->trunk->name);
    finish(reg, 408);
}

static gboolean
answer_challenge(Outreg *reg, const SipMsg *resp)
{
    const SipTrunk *t = reg->trunk->trunk;
    g_autoptr(GError) error = NULL;

    if (reg->stop_challenged)
        return FALSE;
    reg->stop_challenged = TRUE;
    reg->auth = outreg.sip->digest_answer(resp, "REGISTER", reg->ruri, t->username,
                                          t->password, &error);
    if (!reg->auth) {
        pbx_warning(outreg.log, "trunk %s: unregister: %s", reg->trunk->name,
                    error->message);
        return FALSE;
    }
    send_unregister(reg);
    return TRUE;
}

static void
on_response(SipClientTx *tx, const SipMsg *resp, guint code, gpointer data)
{
    Outreg *reg = data;

    PBX_ASSERT_MAIN_CONTEXT();
    if (reg->gone || code < 200 || !reg->stop_use)
        return;
    reg->tx = NULL;
    if (resp && (code == 401 || code == 407) && answer_challenge(reg, resp))
        return;
    if (code < 300)
        pbx_info(outreg.log, "trunk %s: unregistered (%u)", reg->trunk->name, code);
    else
        pbx_notice(outreg.log, "trunk %s: unregister failed with %u", reg->trunk->name, code);
    finish(reg, code);
}

static void
send_unregister(Outreg *reg)
{
    char ip[SIP_ADDR_STRLEN];
    SipTarget target;
    g_autoptr(GString) req = g_string_sized_new(800);
    g_autoptr(GError) error = NULL;
    gboolean built = outreg_build_to_current(reg, &target, ip, req);

    g_clear_pointer(&reg->auth, g_free);
    if (built)
        reg->tx = outreg.sip->send_request(outreg.module, &target, req->str, req->len,
                                           on_response, outreg_ref(reg), outreg_unref,
                                           &error);
    if (!built || !reg->tx) {
        if (built)
            outreg_unref(reg);
        pbx_warning(outreg.log, "trunk %s: unregister: %s", reg->trunk->name,
                    error ? error->message : "no address or transport");
        finish(reg, 503);
    }
}

static void
unregister(Outreg *reg)
{
    if (reg->state != OUTREG_REGISTERED)
        return;
    reg->stop_use = TRUE;
    pbx_module_use(outreg.module);
    pbx_timer_start(&reg->stop_timer, OUTREG_STOP_DEADLINE_MS);
    reg->expires = 0;
    reg->auth = g_strdup(reg->challenge);
    pbx_info(outreg.log, "trunk %s: daemon stopping, unregistering (Expires: 0)",
             reg->trunk->name);
    send_unregister(reg);
}

static void
on_stopping(const PbxEvent *ev, gpointer data)
{
    PBX_ASSERT_MAIN_CONTEXT();
    if (outreg.stopping)
        return;
    outreg.stopping = TRUE;
    for (guint i = 0; outreg.regs && i < outreg.regs->len; i++) {
        Outreg *reg = outreg.regs->pdata[i];
        pbx_timer_stop(&reg->timer);
        unregister(reg);
    }
}

void
outreg_stop_subscribe(PbxModule *self)
{
    pbx_event_subscribe(self, "core/stopping", on_stopping, NULL);
}
