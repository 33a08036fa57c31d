-- Carillon sample dialplan for a small office.
--
-- Each endpoint in endpoints.conf names a context; a call from it runs that
-- context's on_invite(call) as a coroutine.  See dialplan/README.md for the
-- whole API.  `dialplan reload` loads a new version of this file for new
-- calls; calls in progress finish on the version they started with.
--
--   1001-1010  the office phones call each other
--   600        echo: what you say comes back (# ends it)
--   601        the milliwatt test tone (1004 Hz at 0 dBm0) until you hang up
--   610        music on hold (the default class of moh.conf)
--   700        the conference room
--   701-720    parking slots: dial one to take the call parked there
--   800        the attendant (IVR): press 1 or 2 for 1001 or 1002, 0 for
--              the operator, or dial an extension at any time
--   **1002     directed pickup: answers the call ringing at 1002
--   *8         group pickup: answers the oldest call ringing at a phone of
--              your pickup group (endpoints.conf call_group/pickup_group)
--   9 + number the outside line, through the trunk `provider`
--              (endpoints.conf); calls from it land in "from-provider",
--              where the DID 5550100 rings 1001 and 5550800 is the IVR
--   *97        your voicemail (PIN: your extension number)
--   *98        any box's voicemail (it asks for the box and its PIN)
--
-- An office extension that is unregistered, busy or not answered within
-- 20 s sends the caller to its mailbox (app_voicemail, voicemail.conf).

local RING_SECONDS = 20
local OPERATOR = "1003"
-- Parking (see dialplan/README.md, call:park): a parked call that nobody
-- takes within PARK_TIMEOUT seconds rings its parker for PARK_RING
-- seconds, then, if it was the caller, goes to the operator.
local PARK_FIRST, PARK_LAST = 701, 720
local PARK_TIMEOUT, PARK_RING = 45, 20
pbx.set_parking{ first = PARK_FIRST, last = PARK_LAST }

local function park_slot(number)
    local n = tonumber(number)
    return n ~= nil and n >= PARK_FIRST and n <= PARK_LAST and number == tostring(n) and n
end

-- Parks leg's other party (in `slot`, or the first free one): leg hears
-- the slot, then is hung up.
local function park(leg, slot)
    local timeout = tonumber(leg.vars.PARK_TIMEOUT) or PARK_TIMEOUT
    local got, msg = leg:park{ slot = slot, timeout = timeout, ring = PARK_RING }
    pbx.log("info", string.format("%s parks the other party: %s", leg.name, got or msg))
    return got, msg
end

-- What a failed dial tells the caller: the SIP status to hang up with.
local failure_status = {
    noanswer = 480,      -- Temporarily Unavailable
    unavailable = 480,   -- not registered
}

local function office_extension(number)
    local n = tonumber(number)
    return n ~= nil and n >= 1001 and n <= 1010 and number == tostring(n)
end

-- The greeting a caller hears in the mailbox, by why the dial failed.
local VOICEMAIL_GREETING = { busy = "busy", noanswer = "unavail", unavailable = "unavail" }

-- Rings an office extension; one that does not answer sends the caller
-- to its mailbox (returning "voicemail"), else a caller who is not
-- answered yet gets the callee's failure as the SIP status of its own.
-- Returns the outcome.
local function ring(call, to)
    local outcome, detail = call:dial(to, { timeout = RING_SECONDS })
    if outcome == "park_timeout" then
        -- parked, and the parker did not take the call back
        outcome, detail = call:dial(OPERATOR, { timeout = RING_SECONDS })
    end
    if outcome == "answered" or outcome == "cancelled" then
        return outcome    -- talked (or the caller gave up): nothing left
    end
    pbx.log("info", string.format("%s -> %s: %s (%s)", call.from, to, outcome, detail.cause))
    if VOICEMAIL_GREETING[outcome] and call.voicemail then
        local how, msg = call:voicemail(to, { greeting = VOICEMAIL_GREETING[outcome] })
        pbx.log("info", string.format("%s -> %s: voicemail %s", call.from, to,
                                      tostring(how or msg)))
        if how then return "voicemail" end
    end
    if call.state ~= "UP" then
        -- busy and failed pass the callee's answer on (486, 603, ...).
        call:hangup(failure_status[outcome] or detail.code or 503)
    end
    return outcome
end

-- ---------------------------------------------------------------- the IVR
-- Built from the core English prompts (asterisk-core-sounds-en, which
-- contrib/scripts/install-prereq installs): "Hello.  Press 1 for extension
-- 1 0 0 1, press 2 for extension 1 0 0 2, press 0 to reach an operator."

local IVR_CHOICES = { ["1"] = "1001", ["2"] = "1002", ["0"] = OPERATOR }
local IVR_TRIES = 3

local function spelled(number, sounds)
    for d in number:gmatch("%d") do sounds[#sounds + 1] = "digits/" .. d end
    return sounds
end

local IVR_MENU = { "hello" }
for _, key in ipairs({ "1", "2" }) do
    for _, s in ipairs({ "vm-press", "digits/" .. key, "vm-for", "extension" }) do
        IVR_MENU[#IVR_MENU + 1] = s
    end
    spelled(IVR_CHOICES[key], IVR_MENU)
end
IVR_MENU[#IVR_MENU + 1] = "vm-reachoper"

-- "The person at extension 1 0 0 2 is in use / is unavailable."
local function say_failure(call, to, outcome)
    local sounds = spelled(to, { "vm-theperson" })
    sounds[#sounds + 1] = outcome == "busy" and "is-in-use" or "vm-isunavail"
    call:play(sounds)
end

-- A menu choice (one digit) or an office extension (four digits, dialed
-- at any time: after "1" the IVR waits 2 s for more digits).
local function ivr_target(digits)
    return IVR_CHOICES[digits] or (office_extension(digits) and digits) or nil
end

local function ivr(call)
    if not call.read_digits then
        pbx.log("warning", "800: module app_playback is not loaded")
        return call:hangup(503)
    end
    call:answer()
    for _ = 1, IVR_TRIES do
        local digits, how = call:read_digits{ prompt = IVR_MENU, max = 4, timeout = 5,
                                              inter_digit = 2 }
        if not digits then
            if how ~= "hangup" then pbx.log("warning", "800: " .. how) end
            return
        end
        local to = ivr_target(digits)
        if to then
            call:play("transfer")          -- "Please hold while I try that extension."
            local outcome = ring(call, to)
            if outcome == "answered" or outcome == "cancelled" or outcome == "voicemail" then
                return
            end
            say_failure(call, to, outcome)
            break
        elseif digits ~= "" then
            call:play("pm-invalid-option") -- "That option is invalid.  Please try again."
        end
    end
    call:play("vm-goodbye")
end

-- ---------------------------------------------------------- feature codes
-- Like Asterisk's features.conf: change the codes here.  During a call
-- either party keys a code, then the number; the digits are swallowed
-- (the other party never hears them).  The number ends when it is an
-- office extension or an application number, or with "#"; "*" gives up.
local FEATURES = {
    blind = "##",     -- blind transfer: the other party is sent to the number
                      -- (to a parking slot, 701-720: parked there)
    attended = "*2",  -- attended: the other party waits with music while you
                      -- talk to the number; hang up (or key complete) to hand
                      -- it over, key abort to take it back
    park = "#72",     -- park the other party in the first free slot
}
local ATTENDED_KEYS = { complete = "#", abort = "*" }
local NO_NUMBER = { park = true }   -- features that run as soon as keyed

-- Per leg (the call objects on_dtmf gets): the digits keyed so far and,
-- once a code is complete, which feature collects the number.
local keyed = setmetatable({}, { __mode = "k" })

local function feature_of(digits)
    for name, code in pairs(FEATURES) do
        if digits == code then return name, true end
        if code:sub(1, #digits) == digits then return name, false end
    end
end

local function complete_number(digits, apps)
    return office_extension(digits) or apps[digits] ~= nil
end

local function run_feature(leg, feature, number)
    if feature == "park" or park_slot(number) then
        return park(leg, park_slot(number) or nil)
    end
    local ok, msg
    if feature == "blind" then
        ok, msg = leg:transfer(number)
    elseif feature == "attended" then
        ok, msg = leg:attended_transfer(number, ATTENDED_KEYS)
    end
    pbx.log("info", string.format("%s: %s transfer to %s: %s", leg.name, feature, number,
                                  ok and "started" or msg))
end

-- TRUE when the digit belongs to a feature code (swallowed).  Only
-- while the leg talks to another party: at a prompt (the IVR, the echo
-- test) every digit is the application's.
local function feature_digit(leg, digit, apps)
    if not leg.bridged then
        keyed[leg] = nil
        return false
    end
    local k = keyed[leg] or { digits = "" }
    keyed[leg] = k
    if k.feature then
        if digit == "*" then
            keyed[leg] = nil            -- given up
            return true
        end
        if digit ~= "#" then k.digits = k.digits .. digit end
        if digit == "#" or complete_number(k.digits, apps) then
            keyed[leg] = nil
            run_feature(leg, k.feature, k.digits)
        elseif #k.digits > 4 then
            keyed[leg] = nil
        end
        return true
    end
    local feature, done = feature_of(k.digits .. digit)
    if not feature then
        keyed[leg] = nil
        return false
    end
    k.digits = done and "" or k.digits .. digit
    k.feature = done and feature or nil
    if done and NO_NUMBER[feature] then
        keyed[leg] = nil
        run_feature(leg, feature, "")
    end
    return true
end

-- Application numbers: each takes the call itself.
local apps = {
    -- 600 and 601: test numbers (app_media).
    ["600"] = function(call)
        call:answer()
        return call:echo()
    end,
    ["601"] = function(call)
        call:answer()
        return call:milliwatt()
    end,
    -- 610: music on hold (res_moh), the default class until the caller
    -- hangs up.
    ["610"] = function(call)
        if not call.moh then
            pbx.log("warning", "610: module res_moh is not loaded")
            return call:hangup(503)
        end
        call:answer()
        return call:moh("default")
    end,
    -- 700: the office conference room (the first caller opens it, the
    -- last one to hang up closes it).
    ["700"] = function(call)
        local reason, msg = call:conference("700")
        pbx.log("info", string.format("%s left room 700: %s", call.from, reason or msg))
    end,
    ["800"] = ivr,
    -- *97: the caller's own mailbox; *98: it asks which (app_voicemail).
    ["*97"] = function(call) return call:voicemail_main(call.from) end,
    ["*98"] = function(call) return call:voicemail_main() end,
}

-- ---------------------------------------------------------------- outside line
-- The trunks tried in order for an outside call: add a second one
-- ("backup", in endpoints.conf) after "provider" to fail over to it when
-- the first cannot take the call.  Only the "office" context may use
-- them (each trunk's outbound_contexts), so a caller from outside can
-- never be sent back out.
local OUTSIDE_TRUNKS = { "provider" }
local TRY_NEXT_TRUNK = { failed = true, unavailable = true }

local function outside_call(call, number)
    local outcome, detail
    for _, trunk in ipairs(OUTSIDE_TRUNKS) do
        outcome, detail = call:dial({ trunk = trunk, number = number }, { timeout = 60 })
        if not TRY_NEXT_TRUNK[outcome] or detail.cause == "OUTGOING_CALL_BARRED" then
            break
        end
        pbx.log("notice", string.format("%s: %s via %s: %s (%s)", call.from, number, trunk,
                                        outcome, detail.cause))
    end
    if outcome ~= "answered" and outcome ~= "cancelled" and call.state ~= "UP" then
        call:hangup(detail.code or 503)
    end
end

-- The office's DIDs (numbers the provider sends calls to).
local DIDS = {
    ["5550100"] = function(call) ring(call, "1001") end,
    ["5550800"] = ivr,
}

-- 701-720: the parking slots; dialing one takes the call parked there.
for slot = PARK_FIRST, PARK_LAST do
    apps[tostring(slot)] = function(call)
        local outcome, detail = call:unpark(slot)
        if not outcome then
            pbx.log("info", string.format("%s dialed %d: %s", call.from, slot, detail))
            call:hangup(404)
        end
    end
end

-- ---------------------------------------------------------------- pickup
local PICKUP_DIRECTED, PICKUP_GROUP = "**", "*8"

-- **<extension> or *8; nothing ringing: 404.  The caller is bridged to
-- this phone; call:pickup() returns when the call is over.
local function pickup(call, target)
    local outcome, detail = call:pickup(target)
    if not outcome then
        pbx.log("info", string.format("%s: pickup %s: %s", call.from, target or "(group)",
                                      detail))
        call:hangup(404)
    end
end

local function pickup_target(number)
    if number == PICKUP_GROUP then return true, nil end
    local ext = number:sub(1, #PICKUP_DIRECTED) == PICKUP_DIRECTED
                and number:sub(#PICKUP_DIRECTED + 1)
    if ext and office_extension(ext) then return true, ext end
    return false
end

context("office", {
    on_invite = function(call)
        local outside = call.to:match("^9(%+?%d+)$")
        if outside then
            return outside_call(call, outside)
        end
        local is_pickup, ext = pickup_target(call.to)
        if is_pickup then
            return pickup(call, ext)
        end
        if apps[call.to] then
            return apps[call.to](call)
        end
        if not office_extension(call.to) then
            pbx.log("notice", call.from .. " dialed unknown number " .. call.to)
            return call:hangup(404)
        end
        ring(call, call.to)
    end,

    -- Every digit either leg of a call sends; returning true keeps it
    -- from the other party (the feature codes above).
    on_dtmf = function(leg, digit, info)
        pbx.log("debug", string.format("%s sent DTMF %s (%s, %d ms)", leg.name, digit,
                                       info.source, info.duration))
        return feature_digit(leg, digit, apps)
    end,

    -- Blind transfers are allowed to office extensions only; one to a
    -- parking slot parks the other party there (the phone hangs up).
    on_refer = function(call, refer)
        local slot = park_slot(refer.target)
        if slot then
            return park(call, slot) and true or 486
        end
        return office_extension(refer.target)
    end,

    -- The transfer target did not take the call.  While the one who
    -- transferred is still there, the two are connected again (nil);
    -- when they have hung up, the caller goes to the operator instead of
    -- being cut off (voicemail, once there is one).
    on_transfer_failed = function(call, failure)
        pbx.log("info", string.format("transfer of %s to %s failed (%d)", failure.transferee,
                                      failure.target, failure.code))
        if not failure.referrer_up and failure.target ~= OPERATOR then
            return OPERATOR
        end
    end,
})

context("from-provider", {
    on_invite = function(call)
        local did = DIDS[call.to]
        if not did then
            pbx.log("notice", "call from outside to unknown DID " .. call.to)
            return call:hangup(404)
        end
        did(call)
    end,
})

-- Calls nobody authenticated (endpoints.conf [anonymous]: the Request-URI
-- users it lists, here sip:reception@...).  `public = true` is what lets
-- them in: without it they are challenged like everyone else.  call.from
-- is whatever their From says (unverified); call.vars.SIP_ANONYMOUS is
-- "yes".
context("public", {
    public = true,
    on_invite = function(call)
        if call.to == "reception" then
            return ivr(call)
        end
        call:hangup(404)
    end,
})
