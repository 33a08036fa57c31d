-- Carillon sample dialplan for a small office.
--
-- Each endpoint in endpoints.conf names a context; a call from it runs that
-- context's on_invite(call) as a coroutine.  See dialplan/README.md for the
-- whole API.  `dialplan reload` loads a new version of this file for new
-- calls; calls in progress finish on the version they started with.

local RING_SECONDS = 20

-- What a failed dial tells the caller: the SIP status to hang up with.
local failure_status = {
    noanswer = 480,      -- Temporarily Unavailable
    unavailable = 480,   -- not registered
}

-- Test numbers (app_media): 600 echoes what you say back to you (# ends
-- it), 601 plays the milliwatt tone (1004 Hz at 0 dBm0) until you hang up.
local tests = {
    ["600"] = function(call) return call:echo() end,
    ["601"] = function(call) return call:milliwatt() end,
}

context("office", {
    on_invite = function(call)
        if tests[call.to] then
            call:answer()
            return tests[call.to](call)
        end
        local n = tonumber(call.to)
        if not (n and n >= 1001 and n <= 1010) then
            pbx.log("notice", call.from .. " dialed unknown number " .. call.to)
            return call:hangup(404)
        end
        local outcome, detail = call:dial(call.to, { timeout = RING_SECONDS })
        if outcome == "answered" or outcome == "cancelled" then
            return            -- talked (or the caller gave up): nothing left
        end
        pbx.log("info", string.format("%s -> %s: %s (%s)", call.from, call.to,
                                      outcome, detail.cause))
        -- busy and failed pass the callee's answer on (486, 603, ...).
        call:hangup(failure_status[outcome] or detail.code or 503)
    end,

    -- Every digit either leg of a call sends; returning true would keep
    -- it from the other party (feature codes).
    on_dtmf = function(leg, digit, info)
        pbx.log("debug", string.format("%s sent DTMF %s (%s, %d ms)", leg.name, digit,
                                       info.source, info.duration))
    end,

    -- Blind transfers are allowed to office extensions only.
    on_refer = function(call, refer)
        local n = tonumber(refer.target)
        return n ~= nil and n >= 1001 and n <= 1010
    end,
})
