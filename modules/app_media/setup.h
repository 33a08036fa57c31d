/* app_media - bringing the module up and down: its config, the writer
 * thread, the dialplan methods.  The descriptor's load and unload call
 * these; so do the unit tests and the benchmark, which link the module's
 * objects without its descriptor.
 *
 * Thread affinity: main context.
 */
#pragma once

#include <carillon/carillon.h>

/* Waits this long at unload for running apps to let go of their ports. */
#define MEDIA_UNLOAD_WAIT_MS 5000

/* Reads app_media.conf, starts the writer, registers the methods (owner
 * NULL in tests: nothing holds a module use). */
gboolean media_setup(PbxModule *owner, GError **error);
/* Ends the running apps (waiting for them, bounded), removes the
 * methods, stops the writer. */
void media_teardown(void);
/* Reads app_media.conf again and swaps it in when valid. */
gboolean media_reload(GError **error);
