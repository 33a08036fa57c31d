/* A fake channel technology for unit tests: phones that answer, are
 * busy, never answer or reject after a delay, driven by g_timeout.
 *
 * The unit test Makefile links only test-*.c, so tests #include
 * "fake_tech.c" directly. */
#pragma once

#include <carillon/carillon.h>

typedef enum {
    FAKE_ANSWER,        /* ringing, then 200 after the delay */
    FAKE_BUSY,          /* ringing, then 486 after the delay */
    FAKE_NOANSWER,      /* ringing forever */
    FAKE_REJECT,        /* 603 after the delay */
} FakeBehaviour;

/* Registers the tech under `name` ("SIP" makes bare dial targets reach
 * it). */
void fake_tech_register(const char *name);
void fake_tech_unregister(void);
/* How the endpoint `target` behaves when dialed.  Unknown targets fail
 * the request as unavailable. */
void fake_tech_set(const char *target, FakeBehaviour b, guint delay_ms);
/* A new inbound call from `from` to `to` in `context`, dispatched;
 * returns a reference. */
PbxChannel *fake_tech_call_in(const char *from, const char *to,
                              const char *context);
/* One media tick of chan's audio port (if any): writes `in`, reads
 * `out`; FALSE when there is no port or it gave nothing.  A port taken
 * away (replaced, removed, bridged, hung up) is released from an idle
 * callback, as a media thread would. */
gboolean fake_tech_port_tick(PbxChannel *chan, const PbxAudioFrame *in, PbxAudioFrame *out);
/* The phone of chan sends `digit` (RFC 4733, 120 ms). */
void fake_tech_dtmf(PbxChannel *chan, char digit);
/* What the tech was asked to do, as "verb:channel-callee[:detail];". */
const char *fake_tech_log(void);
void fake_tech_clear_log(void);
