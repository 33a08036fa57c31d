/* app_media - the media thread's side of a recording.
 *
 * A recording may start with a beep (played by its reads; what the caller
 * says meanwhile is not recorded).  Then each tick heard is brought to
 * the file's rate (resamplers for the other rates are made at init),
 * pushed into the ring the writer thread drains, and measured: the
 * recording is over when it holds `max_samples` (the tick is cut there,
 * so the file is exactly that long) or when its last `silence_samples`
 * were all silence (ticks whose mean square is below `threshold`).
 *
 * Thread affinity: init and clear on the main context (they allocate),
 * before the port is attached and after it is released; write and read
 * on the media thread; the getters on the media thread, and on the main
 * context once the port is released.  Nothing on the media thread
 * allocates, locks or logs.
 */
#pragma once

#include <carillon/carillon.h>

#include "ring.h"
#include "tones.h"

/* Seconds of audio the ring holds: the writer may fall this far behind. */
#define RECORD_RING_SECONDS 2

typedef enum {
    RECORD_GOING,
    RECORD_MAX,                 /* max_samples recorded */
    RECORD_SILENCE,             /* silence_samples of silence */
} RecordLimit;

typedef struct {
    guint rate;                 /* of the file: 8000, 16000 or 48000 */
    guint64 max_samples;        /* 0: no limit */
    guint64 silence_samples;    /* 0: no silence detection */
    double threshold;           /* mean square of a silent tick (below) */
    const ToneDef *beep;        /* played first; NULL: none */
} RecordPortParams;

typedef struct {
    RecordPortParams p;
    RecRing ring;
    PbxResampler *from[3];      /* from 8, 16, 48 kHz; NULL at the file's rate */
    TonePlayer *beep;           /* NULL: none, or it ended */
    PbxAudioFrame scratch;
    gboolean recording;         /* media thread: the beep is over */
    guint64 recorded;           /* media thread: samples pushed (or dropped) */
    guint64 lost;               /* media thread: of those, dropped (the ring was full) */
    guint64 silent_run;         /* media thread: trailing silent samples */
    RecordLimit limit;          /* media thread */
} RecordPort;

/* The mean square of a tick at `dbm0` (its RMS level). */
double record_threshold_from_dbm0(double dbm0);

gboolean record_port_init(RecordPort *rp, const RecordPortParams *p, GError **error);
void record_port_clear(RecordPort *rp);

void record_port_write(RecordPort *rp, const PbxAudioFrame *in);
/* The beep, while it lasts; FALSE (silence) afterwards. */
gboolean record_port_read(RecordPort *rp, PbxAudioFrame *out);
RecordLimit record_port_get_limit(const RecordPort *rp);
/* Samples of silence at the end of what was recorded. */
guint64 record_port_get_trailing_silence(const RecordPort *rp);
