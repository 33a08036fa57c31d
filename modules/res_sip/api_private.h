/* Carillon - res_sip: the API struct it publishes (api.c). */
#pragma once

#include <carillon/sip/api.h>

extern const SipApi sip_api;
