-- app_voicemail - the call flows behind call:voicemail() and
-- call:voicemail_main(), built into the module (flows.c).
--
-- The chunk returns { leave = fn, main = fn }; each is called as
-- fn(call, V, box, opts) in the call's on_invite coroutine.  `call` is the
-- dialplan's call: the flows play, read digits and record with
-- app_playback's and app_media's methods (call:play, call:read_digits,
-- call:record), which wait in the coroutine.  `V` is the module's side
-- (flows.c; the unit tests give a fake one): the boxes, the PIN check
-- with its lockout, and the spool changes, which wait for the storage
-- thread.  A hangup anywhere unwinds as error(HANGUP) to the entry point,
-- which still files what needs filing.

local M = {}

local HANGUP = setmetatable({}, { __tostring = function() return "hangup" end })
local FOLDERS = { [0] = "INBOX", "Old", "Work", "Family", "Friends" }
local MENU_TRIES = 3

-- ---------------------------------------------------------------- media

local function check(r, msg, code)
    if r == nil and code == "hangup" then error(HANGUP, 0) end
    if r == nil and code ~= "notfound" then
        pbx.log("warning", "voicemail: " .. tostring(msg))
    end
    return r, msg, code
end

-- Plays sounds; returns true, the digit that interrupted, or nil.
local function play(call, sounds, interrupt)
    return check(call:play(sounds, { interrupt = interrupt }))
end

-- One key (after an optional prompt); "" when none came in `timeout` s.
local function key(call, prompt, timeout)
    local d = check(call:read_digits{ prompt = prompt, max = 1, terminator = "",
                                      timeout = timeout or 5 })
    return d or ""
end

-- Digits ended by # (a box number, a PIN).
local function digits(call, prompt)
    local d = check(call:read_digits{ prompt = prompt, max = 20, timeout = 6 })
    return d or ""
end

local function append(list, sound)
    list[#list + 1] = sound
    return list
end

local function spelled(number, list)
    for d in tostring(number):gmatch("[0-9]") do list[#list + 1] = "digits/" .. d end
    return list
end

-- A number as the core prompts say it (English): 0-20 and the tens as
-- single files, 21-99 as two, larger ones digit by digit.
local function number_sounds(n, list)
    if n <= 20 then
        list[#list + 1] = "digits/" .. n
    elseif n < 100 then
        list[#list + 1] = "digits/" .. (n // 10 * 10)
        if n % 10 > 0 then list[#list + 1] = "digits/" .. (n % 10) end
    else
        spelled(n, list)
    end
    return list
end

-- "you have 2 new messages and 1 old message" / "you have no messages"
local function count_sounds(n, what, list)
    number_sounds(n, list)
    list[#list + 1] = "vm-" .. what
    list[#list + 1] = n == 1 and "vm-message" or "vm-messages"
    return list
end

local function announce(call, V, box)
    local new, old = V.counts(box.id)
    local s = { "vm-youhave" }
    if new == 0 and old == 0 then
        s[#s + 1] = "vm-no"
        s[#s + 1] = "vm-messages"
    else
        if new > 0 then count_sounds(new, "INBOX", s) end
        if new > 0 and old > 0 then s[#s + 1] = "vm-and" end
        if old > 0 then count_sounds(old, "Old", s) end
    end
    return play(call, s, "0123456789*#")
end

-- ---------------------------------------------------------------- leave

-- The box's recorded greeting, else its name with the standard prompt,
-- else the number spoken; then "leave your message after the tone".
local function greet(call, V, box, kind)
    local any = "0*#"
    local what = kind == "busy" and "vm-isonphone" or "vm-isunavail"
    local have = V.greetings(box.id)
    local r
    if have[kind] then
        r = play(call, box.dir .. "/" .. kind, any)
    elseif have.greet then
        r = play(call, { box.dir .. "/greet", what }, any)
    else
        r = play(call, spelled(box.number, { "vm-theperson" }), any)
        if r == true then r = play(call, what, any) end
    end
    if r == true or r == nil then r = play(call, "vm-intro", any) end
    return r
end

local function operator(call, V)
    local op = V.general.operator
    play(call, "transfer")
    local outcome = call:dial(op, { timeout = 20 })
    return "operator", outcome
end

local function record_message(call, V, box)
    local g = V.general
    local path = V.tmp_path(box.id)
    local p, secs, reason = call:record(path, { max = box.maxsecs, silence = g.maxsilence,
                                                silence_threshold = g.silence_dbm0,
                                                beep = true, terminator = "#" })
    if not p then
        if secs == "hangup" then error(HANGUP, 0) end
        pbx.log("warning", "voicemail: " .. tostring(secs))
        return nil, secs, "record"
    end
    if secs < g.minsecs then
        V.discard(box.id, p)
        if reason == "hangup" then error(HANGUP, 0) end
        return "short"
    end
    local index, err = V.leave(box.id, p, secs, call)
    if not index then return nil, err, "store" end
    if reason == "hangup" then return "saved", index end
    play(call, { "vm-msgsaved", "vm-goodbye" })
    return "saved", index
end

local function leave(call, V, box, opts)
    local d = greet(call, V, box, opts.greeting or "unavail")
    if d == "0" and V.general.operator ~= "" then return operator(call, V) end
    if d == "*" then return "menu", M.main(call, V, box.number, { box = box }) end
    local new, old = V.counts(box.id)
    if new >= box.maxmsg then
        play(call, { "vm-mailboxfull", "vm-goodbye" })
        return "full"
    end
    return record_message(call, V, box)
end

-- ---------------------------------------------------------------- login

-- Asks for the box (unless given) and its PIN, maxlogins times at most.
local function login(call, V, number)
    local g = V.general
    for _ = 1, g.maxlogins do
        local n = number or digits(call, "vm-login")
        local pin = digits(call, "vm-password")
        local status, box = V.login(n, pin)
        if status == "ok" then return box end
        if status == "locked" then
            play(call, { "vm-incorrect", "vm-goodbye" })
            return nil, "locked"
        end
        play(call, number and "vm-invalid-password" or "vm-incorrect-mailbox")
    end
    play(call, "vm-goodbye")
    return nil, "failed"
end

-- ---------------------------------------------------------------- a folder

-- The session: the box, the folder being read, its messages and which
-- of them was heard (INBOX messages heard go to Old when the caller
-- leaves the folder).
local function open_folder(V, s, folder)
    s.folder = folder
    s.msgs = V.list(s.box.id, folder) or {}
    s.cur = 1
end

local function file_heard(V, s)
    if s.folder ~= "INBOX" or not s.msgs then return end
    for i = #s.msgs, 1, -1 do
        if s.msgs[i].heard then V.move(s.box.id, "INBOX", i - 1, "Old") end
    end
    s.msgs = nil
end

local function callback_number(msg)
    return (msg.callerid or ""):match("<([0-9*#+]+)>") or (msg.callerid or ""):match("^([0-9]+)$")
end

-- "the 21st" as the core prompts say it: h-1 .. h-20, h-30, else the
-- tens and an ordinal unit ("twenty" "first").
local function ordinal_sounds(n, list)
    if n <= 20 or n % 10 == 0 then
        list[#list + 1] = "digits/h-" .. n
    else
        list[#list + 1] = "digits/" .. (n // 10 * 10)
        list[#list + 1] = "digits/h-" .. (n % 10)
    end
    return list
end

-- When the message came (Asterisk's envelope, "Q 'digits/at' IMp"):
-- "today" / "yesterday" / "Tuesday, March 3rd", "at", "9 oh 5 a.m.".
local function date_sounds(d, list)
    if d.ago == 0 then list[#list + 1] = "digits/today"
    elseif d.ago == 1 then list[#list + 1] = "digits/yesterday"
    else
        list[#list + 1] = "digits/day-" .. d.wday
        list[#list + 1] = "digits/mon-" .. d.mon
        ordinal_sounds(d.mday, list)
    end
    list[#list + 1] = "digits/at"
    number_sounds((d.hour + 11) % 12 + 1, list)
    if d.min == 0 then list[#list + 1] = "digits/oclock"
    elseif d.min < 10 then
        list[#list + 1] = "digits/oh"
        list[#list + 1] = "digits/" .. d.min
    else number_sounds(d.min, list) end
    list[#list + 1] = d.hour < 12 and "digits/a-m" or "digits/p-m"
    return list
end

-- "received <date>, from <number>, duration <n> seconds"
local function envelope(call, V, msg)
    local n = callback_number(msg)
    local s = msg.origtime and date_sounds(V.date(msg.origtime), { "vm-received" }) or {}
    if n then spelled(n, append(s, "vm-from")) else append(s, "vm-unknown-caller") end
    s[#s + 1] = "vm-duration"
    number_sounds(msg.duration or 0, s)
    s[#s + 1] = "seconds"
    return play(call, s, "0123456789*#")
end

-- 3 while listening or in the main menu: 3 envelope, 2 call back.
local function advanced(call, V, s)
    local msg = s.msgs and s.msgs[s.cur]
    if not msg then return play(call, "vm-nomore") end
    local d = key(call, "vm-advopts")
    if d == "3" then return envelope(call, V, msg) end
    if d == "2" then
        local n = callback_number(msg)
        if not n then return play(call, "vm-nonumber") end
        return call:dial(n, { timeout = 30 })
    end
end

local function pick_folder(call, prompt)
    local d = key(call, { prompt, "vm-INBOX", "vm-Old", "vm-Work", "vm-Family",
                          "vm-Friends" }, 6)
    return FOLDERS[tonumber(d) or -1]
end

local function forward(V, call, s, msg)
    local to = digits(call, "vm-extension")
    if to == "" then return end
    local ok = V.forward(s.box.id, s.folder, s.cur - 1, to)
    play(call, ok and "vm-msgforwarded" or "vm-nobox")
end

-- Message cur left the folder: the spool renumbered the later ones
-- down (msg0002 is now msg0001), so each takes its predecessor's path.
local function drop_current(s)
    for i = #s.msgs, s.cur + 1, -1 do s.msgs[i].path = s.msgs[i - 1].path end
    table.remove(s.msgs, s.cur)
end

local function save_to(V, call, s)
    local to = pick_folder(call, "vm-savefolder")
    if not to or to == s.folder then return end
    if V.move(s.box.id, s.folder, s.cur - 1, to) then
        drop_current(s)
        play(call, { "vm-message", "vm-savedto", "vm-" .. to })
    end
end

local function delete(V, call, s)
    if V.delete(s.box.id, s.folder, s.cur - 1) then
        drop_current(s)
        play(call, { "vm-message", "vm-deleted" })
    end
end

-- Listening: plays message cur, then takes the keys of Asterisk's
-- message menu until # (back to the main menu) or no message is left.
local LISTEN_KEYS = "0123456789*#"

local function play_message(call, s)
    local msg = s.msgs[s.cur]
    local intro = s.cur == 1 and { "vm-first", "vm-message" } or { "vm-message" }
    if s.cur ~= 1 then number_sounds(s.cur, intro) end
    local d = play(call, intro, LISTEN_KEYS)
    if d == true then d = play(call, msg.path, LISTEN_KEYS) end
    msg.heard = true
    return d ~= true and d or nil
end

local listen_actions = {
    ["4"] = function(V, call, s)
        if s.cur > 1 then s.cur = s.cur - 1 return true end
        play(call, "vm-nomore")
    end,
    ["5"] = function() return true end,
    ["6"] = function(V, call, s)
        if s.cur < #s.msgs then s.cur = s.cur + 1 return true end
        play(call, "vm-nomore")
    end,
    ["7"] = function(V, call, s) delete(V, call, s) return s.msgs[s.cur] ~= nil end,
    ["8"] = function(V, call, s) forward(V, call, s, s.msgs[s.cur]) end,
    ["9"] = function(V, call, s) save_to(V, call, s) return s.msgs[s.cur] ~= nil end,
    ["3"] = function(V, call, s) advanced(call, V, s) end,
    ["*"] = function(V, call, s) play(call, "vm-msginstruct") end,
}

local function listen(call, V, s)
    if #s.msgs == 0 then return play(call, { "vm-no", "vm-messages" }) end
    s.cur = 1
    local d = play_message(call, s)
    for _ = 1, 100 do
        if not d or d == "" then d = key(call, nil, 6) end
        if d == "#" or d == "" then return end
        local act = listen_actions[d]
        local again = act and act(V, call, s)
        if #s.msgs == 0 then return play(call, { "vm-no", "vm-messages" }) end
        s.cur = math.min(s.cur, #s.msgs)
        d = again and play_message(call, s) or nil
    end
end

-- ---------------------------------------------------------------- options

local function record_greeting(call, V, s, prompt, name)
    play(call, prompt)
    local p, secs = call:record(V.tmp_path(s.box.id), { max = 60, beep = true,
                                                        silence = V.general.maxsilence })
    if not p then check(p, secs, secs) return end
    if V.install(s.box.id, p, name) then play(call, "vm-msgsaved") end
end

local function change_pin(call, V, s)
    if s.box.pin_fixed then return play(call, "vm-sorry") end
    local a = digits(call, "vm-newpassword")
    local b = digits(call, "vm-reenterpassword")
    if a == "" or a ~= b then return play(call, "vm-mismatch") end
    if V.set_pin(s.box.id, a) then play(call, "vm-passchanged") end
end

local function options(call, V, s)
    local d = key(call, "vm-options", 6)
    if d == "1" then record_greeting(call, V, s, "vm-rec-unv", "unavail")
    elseif d == "2" then record_greeting(call, V, s, "vm-rec-busy", "busy")
    elseif d == "3" then record_greeting(call, V, s, "vm-rec-name", "greet")
    elseif d == "5" then change_pin(call, V, s) end
end

-- ---------------------------------------------------------------- main

-- "press 1 for <folder> messages, 2 to change folders, 3 for advanced
-- options, 0 for mailbox options"
local function main_prompt(s)
    return { "vm-onefor", "vm-" .. s.folder, "vm-messages", "vm-opts" }
end

local function change_folder(call, V, s)
    local to = pick_folder(call, "vm-changeto")
    if not to then return end
    file_heard(V, s)
    open_folder(V, s, to)
    play(call, count_sounds(#s.msgs, to, { "vm-youhave" }))
end

local main_actions = {
    ["1"] = function(call, V, s) listen(call, V, s) end,
    ["2"] = change_folder,
    ["3"] = function(call, V, s) advanced(call, V, s) end,
    ["0"] = options,
    ["*"] = function(call) play(call, { "vm-onefor-full", "vm-opts-full", "vm-helpexit" }) end,
}

local function menu(call, V, s)
    local d = announce(call, V, s.box)
    local misses = 0
    while misses < MENU_TRIES do
        if type(d) ~= "string" or d == "" then d = key(call, main_prompt(s), 6) end
        if d == "#" then break end
        local act = main_actions[d]
        misses = act and 0 or misses + 1
        if act then act(call, V, s) end
        d = nil
    end
    file_heard(V, s)
    play(call, "vm-goodbye")
    return "exit"
end

local function main(call, V, number, opts)
    local box, why = login(call, V, number)
    if not box then return why end
    local s = { box = box }
    open_folder(V, s, "INBOX")
    local ok, r = pcall(menu, call, V, s)
    if not ok then file_heard(V, s) error(r, 0) end
    return r
end

-- ---------------------------------------------------------------- entries

local function answer(call)
    if call.state ~= "UP" then check(call:answer()) end
end

local function guarded(fn)
    return function(call, V, ...)
        local r = table.pack(pcall(fn, call, V, ...))
        if r[1] then return table.unpack(r, 2, r.n) end
        if r[2] == HANGUP then return "hangup" end
        error(r[2], 0)
    end
end

function M.leave_unguarded(call, V, number, opts)
    local box = V.box(number)
    if not box then return nil, "no mailbox " .. tostring(number), "nobox" end
    answer(call)
    return leave(call, V, box, opts or {})
end

M.leave = guarded(M.leave_unguarded)
M.main = main
M.main_entry = guarded(function(call, V, number, opts)
    answer(call)
    return main(call, V, number, opts)
end)

return M
