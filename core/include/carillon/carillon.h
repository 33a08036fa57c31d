/* Carillon - the public API for modules.  Include this one header. */
#pragma once

#include <carillon/defs.h>
#include <carillon/log.h>
#include <carillon/config.h>
#include <carillon/module.h>
#include <carillon/event.h>
#include <carillon/cli.h>
#include <carillon/core.h>
#include <carillon/db.h>
#include <carillon/frame.h>
#include <carillon/resampler.h>
#include <carillon/codec.h>
#include <carillon/dtmf.h>
#include <carillon/channel.h>
#include <carillon/audio_task.h>
#include <carillon/bridge.h>
#include <carillon/dialplan.h>
#include <carillon/timer.h>
