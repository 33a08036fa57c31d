/* Carillon - res_sip's timer set (see timer.h). */
#include "timer.h"

static PbxTimers *set;
static gboolean fake;

PbxTimers *
sip_timers(void)
{
    if (!set) {
        set = pbx_timers_new("sip-timers");
        if (fake)
            pbx_timers_use_fake_clock(set);
    }
    return set;
}

void
sip_timers_init(void)
{
    sip_timers();
}

void
sip_timers_shutdown(void)
{
    g_clear_pointer(&set, pbx_timers_free);
    fake = FALSE;
}

void
sip_timers_use_fake_clock(void)
{
    fake = TRUE;
    pbx_timers_use_fake_clock(sip_timers());
}

void
sip_timers_advance(guint ms)
{
    pbx_timers_advance(sip_timers(), ms);
}
