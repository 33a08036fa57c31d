/* Carillon - audio tasks: an application's audio on one channel, from
 * start to finish (a prompt, a recording, a tone, a conference seat).
 *
 * pbx_audio_task_start() attaches the application's audio port to the
 * channel (pbx_channel_set_audio_port) and watches the channel.  The task
 * ends once, for the first of:
 *  - the port says it is done: pbx_audio_task_complete() from its media
 *    thread (a prompt played to its end, a recording reached its limit);
 *  - a DTMF digit the `dtmf` callback accepts (interrupting a prompt);
 *  - the channel hangs up, or its media is bridged (the port let go);
 *  - pbx_audio_task_stop() from the main context (a timeout, a kick).
 * Then the port is detached, and once the media thread has let go of it
 * `done(task, end, digit, data)` runs on the main context: the port's
 * data may be freed there, and the task is freed after it returns.
 *
 * Thread affinity: main context, except pbx_audio_task_complete(), which
 * belongs to the port's media thread (it is the one call it may make,
 * once per task: it does not allocate, lock or log).
 */
#pragma once

#include <carillon/audio_port.h>
#include <carillon/channel.h>

G_BEGIN_DECLS

typedef struct _PbxAudioTask PbxAudioTask;

typedef enum {
    PBX_AUDIO_TASK_COMPLETE,    /* the port said it is done */
    PBX_AUDIO_TASK_DTMF,        /* a digit ended it */
    PBX_AUDIO_TASK_HANGUP,      /* the channel hung up */
    PBX_AUDIO_TASK_STOPPED,     /* pbx_audio_task_stop() */
    PBX_AUDIO_TASK_LOST,        /* the media was taken away (bridged) */
} PbxAudioTaskEnd;

typedef void (*PbxAudioTaskDone)(PbxAudioTask *task, PbxAudioTaskEnd end, char digit,
                                 gpointer data);
/* Main context: TRUE ends the task with PBX_AUDIO_TASK_DTMF. */
typedef gboolean (*PbxAudioTaskDtmf)(PbxAudioTask *task, char digit, gpointer data);

/* Starts the task; NULL with error when the port cannot be attached
 * (then nothing runs: neither the port nor done). */
PBX_API PbxAudioTask *pbx_audio_task_start(PbxChannel *chan, const PbxAudioPortFuncs *port,
                                           gpointer port_data, PbxAudioTaskDtmf dtmf,
                                           PbxAudioTaskDone done, gpointer data,
                                           GError **error);
/* Media thread: the port is done (once; later calls are ignored). */
PBX_API void pbx_audio_task_complete(PbxAudioTask *task);
/* Main context: ends the task with PBX_AUDIO_TASK_STOPPED (nothing if it
 * is ending already). */
PBX_API void pbx_audio_task_stop(PbxAudioTask *task);
PBX_API PbxChannel *pbx_audio_task_get_channel(const PbxAudioTask *task);
/* "complete", "dtmf", "hangup", "stopped", "lost". */
PBX_API const char *pbx_audio_task_end_to_string(PbxAudioTaskEnd end);

G_END_DECLS
