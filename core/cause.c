/* Carillon - hangup causes and their SIP status codes, in one table. */
#include <string.h>

#include <carillon/channel.h>

typedef struct {
    PbxCause cause;
    const char *name;
    guint to_sip;        /* status to reject an INVITE with */
} CauseInfo;

static const CauseInfo causes[] = {
    { PBX_CAUSE_NONE,                       "NONE",                       480 },
    { PBX_CAUSE_UNALLOCATED,                "UNALLOCATED",                404 },
    { PBX_CAUSE_NO_ROUTE_DESTINATION,       "NO_ROUTE_DESTINATION",       404 },
    { PBX_CAUSE_NORMAL_CLEARING,            "NORMAL_CLEARING",            480 },
    { PBX_CAUSE_USER_BUSY,                  "USER_BUSY",                  486 },
    { PBX_CAUSE_NO_USER_RESPONSE,           "NO_USER_RESPONSE",           480 },
    { PBX_CAUSE_NO_ANSWER,                  "NO_ANSWER",                  408 },
    { PBX_CAUSE_SUBSCRIBER_ABSENT,          "SUBSCRIBER_ABSENT",          480 },
    { PBX_CAUSE_CALL_REJECTED,              "CALL_REJECTED",              603 },
    { PBX_CAUSE_NUMBER_CHANGED,             "NUMBER_CHANGED",             410 },
    { PBX_CAUSE_ANSWERED_ELSEWHERE,         "ANSWERED_ELSEWHERE",         487 },
    { PBX_CAUSE_DESTINATION_OUT_OF_ORDER,   "DESTINATION_OUT_OF_ORDER",   502 },
    { PBX_CAUSE_INVALID_NUMBER_FORMAT,      "INVALID_NUMBER_FORMAT",      484 },
    { PBX_CAUSE_FACILITY_REJECTED,          "FACILITY_REJECTED",          501 },
    { PBX_CAUSE_NORMAL_UNSPECIFIED,         "NORMAL_UNSPECIFIED",         480 },
    { PBX_CAUSE_NORMAL_CIRCUIT_CONGESTION,  "NORMAL_CIRCUIT_CONGESTION",  503 },
    { PBX_CAUSE_NETWORK_OUT_OF_ORDER,       "NETWORK_OUT_OF_ORDER",       500 },
    { PBX_CAUSE_TEMPORARY_FAILURE,          "TEMPORARY_FAILURE",          500 },
    { PBX_CAUSE_SWITCH_CONGESTION,          "SWITCH_CONGESTION",          503 },
    { PBX_CAUSE_OUTGOING_CALL_BARRED,       "OUTGOING_CALL_BARRED",       403 },
    { PBX_CAUSE_SERVICE_UNAVAILABLE,        "SERVICE_UNAVAILABLE",        503 },
    { PBX_CAUSE_BEARERCAPABILITY_NOTAVAIL,  "BEARERCAPABILITY_NOTAVAIL",  488 },
    { PBX_CAUSE_INCOMPATIBLE_DESTINATION,   "INCOMPATIBLE_DESTINATION",   488 },
    { PBX_CAUSE_RECOVERY_ON_TIMER_EXPIRE,   "RECOVERY_ON_TIMER_EXPIRE",   408 },
    { PBX_CAUSE_INTERWORKING,               "INTERWORKING",               500 },
    { PBX_CAUSE_ORIGINATOR_CANCEL,          "ORIGINATOR_CANCEL",          487 },
};

/* SIP status -> cause, after RFC 3398 section 8.2.6.1. */
static const struct {
    guint status;
    PbxCause cause;
} from_sip[] = {
    { 400, PBX_CAUSE_INTERWORKING },
    { 401, PBX_CAUSE_CALL_REJECTED },
    { 402, PBX_CAUSE_CALL_REJECTED },
    { 403, PBX_CAUSE_CALL_REJECTED },
    { 404, PBX_CAUSE_UNALLOCATED },
    { 405, PBX_CAUSE_SERVICE_UNAVAILABLE },
    { 407, PBX_CAUSE_CALL_REJECTED },
    { 408, PBX_CAUSE_RECOVERY_ON_TIMER_EXPIRE },
    { 410, PBX_CAUSE_NUMBER_CHANGED },
    { 480, PBX_CAUSE_NO_USER_RESPONSE },
    { 484, PBX_CAUSE_INVALID_NUMBER_FORMAT },
    { 485, PBX_CAUSE_UNALLOCATED },
    { 486, PBX_CAUSE_USER_BUSY },
    { 487, PBX_CAUSE_ORIGINATOR_CANCEL },
    { 488, PBX_CAUSE_INCOMPATIBLE_DESTINATION },
    { 500, PBX_CAUSE_TEMPORARY_FAILURE },
    { 501, PBX_CAUSE_FACILITY_REJECTED },
    { 502, PBX_CAUSE_DESTINATION_OUT_OF_ORDER },
    { 503, PBX_CAUSE_NORMAL_CIRCUIT_CONGESTION },
    { 504, PBX_CAUSE_RECOVERY_ON_TIMER_EXPIRE },
    { 600, PBX_CAUSE_USER_BUSY },
    { 603, PBX_CAUSE_CALL_REJECTED },
    { 604, PBX_CAUSE_UNALLOCATED },
    { 606, PBX_CAUSE_BEARERCAPABILITY_NOTAVAIL },
};

static const CauseInfo *
find_cause(PbxCause cause)
{
    for (gsize i = 0; i < G_N_ELEMENTS(causes); i++) {
        if (causes[i].cause == cause)
            return &causes[i];
    }
    return NULL;
}

PbxCause
pbx_cause_from_sip(guint status)
{
    for (gsize i = 0; i < G_N_ELEMENTS(from_sip); i++) {
        if (from_sip[i].status == status)
            return from_sip[i].cause;
    }
    if (status >= 200 && status < 300)
        return PBX_CAUSE_NORMAL_CLEARING;
    if (status >= 600)
        return PBX_CAUSE_CALL_REJECTED;
    if (status >= 500)
        return PBX_CAUSE_TEMPORARY_FAILURE;
    return PBX_CAUSE_INTERWORKING;
}

guint
pbx_cause_to_sip(PbxCause cause)
{
    const CauseInfo *info = find_cause(cause);

    return info ? info->to_sip : 500;
}

const char *
pbx_cause_to_string(PbxCause cause)
{
    const CauseInfo *info = find_cause(cause);

    return info ? info->name : "UNKNOWN";
}

gboolean
pbx_cause_from_string(const char *s, PbxCause *out)
{
    char *end = NULL;
    guint64 n;

    g_return_val_if_fail(s != NULL && out != NULL, FALSE);
    for (gsize i = 0; i < G_N_ELEMENTS(causes); i++) {
        if (g_ascii_strcasecmp(causes[i].name, s) == 0) {
            *out = causes[i].cause;
            return TRUE;
        }
    }
    n = g_ascii_strtoull(s, &end, 10);
    if (end == s || *end || !find_cause((PbxCause) n))
        return FALSE;
    *out = (PbxCause) n;
    return TRUE;
}
