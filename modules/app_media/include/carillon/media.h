/* Carillon - the API of app_media ("media"): what other modules may ask
 * of call:record().
 *
 * call:record(path) refuses absolute paths unless the administrator
 * allowed them (app_media.conf allow_absolute_paths).  A module that owns
 * a directory (app_voicemail: its spool) declares it a recording root,
 * and the dialplan may then record to plain absolute paths below it
 * (still no "..", no hidden file names):
 *
 *     const MediaApi *media = media_api_get(self, error);
 *     media->add_record_root(self, "/var/lib/carillon/spool/voicemail");
 *
 * The root goes away when the owner unloads (or with remove_record_root).
 * Consumers declare .requires = PBX_REQUIRES("app_media").
 *
 * Thread affinity: main context (asserted).
 */
#pragma once

#include <carillon/carillon.h>

G_BEGIN_DECLS

#define MEDIA_API_NAME "media"
#define MEDIA_API_VERSION 1u

typedef struct {
    guint version;              /* MEDIA_API_VERSION */
    /* `dir`: absolute; copied.  Recordings may go anywhere below it. */
    void (*add_record_root)(PbxModule *owner, const char *dir);
    void (*remove_record_root)(const char *dir);
} MediaApi;

#define media_api_get(self, error) \
    ((const MediaApi *) pbx_module_get_api_version((self), MEDIA_API_NAME, \
                                                   MEDIA_API_VERSION, (error)))

G_END_DECLS
