-- Unit tests of app_voicemail's flows.lua (test-vm-flows.c runs each
-- function of the returned table as one GLib test).  `flows` is the
-- module's table; the call and V are fakes:
--
--  * the call plays instantly, recording every sound it was asked to
--    play; the caller's keys are a queue: read_digits takes the next
--    entry, and an entry written "!d" is a key pressed during the next
--    interruptible play (which returns "d").  An empty queue is the
--    caller hanging up (nil, "hangup", "hangup").
--  * V keeps the boxes in memory: folders are lists of message names.

local T = {}
local current_v   -- the last fake_v(): the fake call resolves its paths

-- V.list gives positional paths, as the spool numbers messages: a
-- message's path is its place in its folder, "/pos/<box>/<folder>/<n>",
-- resolved to "/msg/<name>" of whatever is there when it is played (a
-- message leaving a folder renumbers the later ones, as the spool does).
local function resolve(sound)
    local id, f, i = sound:match("^/pos/([^/]+)/(%a+)/(%d+)$")
    if not id then return sound end
    return "/msg/" .. tostring(current_v.boxes[id].folders[f][tonumber(i)])
end

local function fake_call(keys)
    local c = { state = "UP", played = {}, keys = keys, recs = {}, dialed = {} }
    c.record_result = nil
    function c:play(sounds, opts)
        local list = type(sounds) == "table" and sounds or { sounds }
        for i, snd in ipairs(list) do list[i] = resolve(snd) end
        for _, s in ipairs(list) do
            if s:sub(1, 7) == "/spool/" and not self.files[s] then
                return nil, "sound " .. s .. " not found", "notfound"
            end
        end
        for _, s in ipairs(list) do self.played[#self.played + 1] = s end
        local head = self.keys[1]
        if head and head:sub(1, 1) == "!" and opts and opts.interrupt
           and opts.interrupt:find(head:sub(2), 1, true) then
            table.remove(self.keys, 1)
            return head:sub(2)
        end
        if #self.keys == 0 and self.hangup_in_play then return nil, "hangup", "hangup" end
        return true
    end
    function c:read_digits(o)
        if o.prompt then
            local list = type(o.prompt) == "table" and o.prompt or { o.prompt }
            for _, s in ipairs(list) do self.played[#self.played + 1] = s end
        end
        local k = table.remove(self.keys, 1)
        if k == nil then return nil, "hangup", "hangup" end
        return (k:gsub("^!", "")), "terminator"
    end
    function c:record(path, o)
        self.recs[#self.recs + 1] = { path = path, opts = o }
        if self.record_result then return table.unpack(self.record_result) end
        return path, 5, "#"
    end
    function c:answer() self.state = "UP" end
    function c:dial(to)
        self.dialed[#self.dialed + 1] = to
        return "answered"
    end
    c.files = {}
    return c
end

local function fake_v()
    local V = { general = { maxlogins = 3, lockout = 300, minsecs = 2, maxsilence = 5,
                            silence_dbm0 = -42, operator = "1003" },
                done = {} }
    local boxes = {}
    for _, n in ipairs({ "1001", "1002" }) do
        boxes[n] = { id = n .. "@office", number = n, context = "office",
                     dir = "/spool/" .. n, fullname = "Office " .. n, pin_fixed = false,
                     maxmsg = 100, maxsecs = 180, pin = n,
                     folders = { INBOX = {}, Old = {}, Work = {}, Family = {}, Friends = {} } }
        boxes[n .. "@office"] = boxes[n]
    end
    V.boxes = boxes
    current_v = V
    local function note(...) V.done[#V.done + 1] = table.concat({ ... }, " ") end
    function V.box(n) return boxes[n] end
    function V.counts(id) return #boxes[id].folders.INBOX, #boxes[id].folders.Old end
    function V.tmp_path(id) return boxes[id].dir .. "/tmp/rec" .. #V.done .. ".wav" end
    function V.login(n, pin)
        note("login", n, pin)
        local b = boxes[n]
        if b and b.pin == pin then return "ok", b end
        return "wrong"
    end
    function V.discard(id, path) note("discard", path) end
    V.files = {}
    function V.greetings(id)
        local d = boxes[id].dir
        return { unavail = V.files[d .. "/unavail"], busy = V.files[d .. "/busy"],
                 greet = V.files[d .. "/greet"] }
    end
    function V.list(id, folder)
        local out = {}
        for i, m in ipairs(boxes[id].folders[folder]) do
            out[i] = { path = "/pos/" .. id .. "/" .. folder .. "/" .. i, callerid = "\"A\" <1004>", duration = 7,
                       origtime = 1000 }
        end
        return out
    end
    -- when each message came: today 09:05 unless a test says otherwise
    V.when = { wday = 2, mon = 2, mday = 3, hour = 9, min = 5, ago = 0 }
    function V.date(t)
        if t ~= 1000 then error("V.date got " .. tostring(t) .. ", not the origtime") end
        return V.when
    end
    function V.leave(id, path, secs, call)
        note("leave", id, path, tostring(secs))
        table.insert(boxes[id].folders.INBOX, "new")
        return #boxes[id].folders.INBOX - 1
    end
    function V.delete(id, folder, i)
        note("delete", folder, tostring(i))
        table.remove(boxes[id].folders[folder], i + 1)
        return 0
    end
    function V.move(id, folder, i, to)
        note("move", folder, tostring(i), to)
        local m = table.remove(boxes[id].folders[folder], i + 1)
        table.insert(boxes[id].folders[to], m)
        return #boxes[id].folders[to] - 1
    end
    function V.forward(id, folder, i, to)
        note("forward", folder, tostring(i), to)
        if not boxes[to] then return nil, "no mailbox " .. to end
        table.insert(boxes[to].folders.INBOX, boxes[id].folders[folder][i + 1])
        return 0
    end
    function V.install(id, path, name) note("install", name) return 0 end
    function V.set_pin(id, pin)
        note("set_pin", pin)
        boxes[id].pin = pin
        return 0
    end
    return V
end

-- ---------------------------------------------------------------- checks

local function fail(fmt, ...) error(string.format(fmt, ...), 2) end

local function eq(a, b, what)
    if a ~= b then fail("%s: expected %s, got %s", what, tostring(b), tostring(a)) end
end

local function index_of(list, item, from)
    for i = from or 1, #list do if list[i] == item then return i end end
end

-- The sounds appear in this order (not necessarily next to each other).
local function played_in_order(c, sounds)
    local at = 1
    for _, s in ipairs(sounds) do
        local i = index_of(c.played, s, at)
        if not i then fail("%s not played (after #%d) in: %s", s, at, table.concat(c.played, " ")) end
        at = i + 1
    end
end

local function not_played(c, s)
    if index_of(c.played, s) then fail("%s played: %s", s, table.concat(c.played, " ")) end
end

local function did(V, action)
    if not index_of(V.done, action) then
        fail("V: %s not done: %s", action, table.concat(V.done, "; "))
    end
end

local function box_msgs(V, n, folder) return table.concat(V.boxes[n].folders[folder], ",") end

-- ---------------------------------------------------------------- leave

function T.leave_default_greeting()
    local c, V = fake_call({}), fake_v()
    local how = flows.leave(c, V, "1001", { greeting = "unavail" })
    eq(how, "saved", "result")
    played_in_order(c, { "vm-theperson", "digits/1", "digits/0", "digits/0", "digits/1",
                         "vm-isunavail", "vm-intro", "vm-msgsaved", "vm-goodbye" })
    eq(#c.recs, 1, "recordings")
    eq(c.recs[1].opts.max, 180, "max")
    eq(c.recs[1].opts.silence, 5, "silence")
    eq(c.recs[1].opts.silence_threshold, -42, "silence_threshold")
    eq(c.recs[1].opts.beep, true, "beep")
    eq(c.recs[1].opts.terminator, "#", "terminator")
    eq(box_msgs(V, "1001", "INBOX"), "new", "INBOX")
end

function T.leave_busy_default()
    local c, V = fake_call({}), fake_v()
    flows.leave(c, V, "1001", { greeting = "busy" })
    played_in_order(c, { "vm-theperson", "vm-isonphone", "vm-intro" })
    not_played(c, "vm-isunavail")
end

function T.leave_recorded_greeting()
    local c, V = fake_call({}), fake_v()
    c.files["/spool/1001/busy"] = true
    c.files["/spool/1001/greet"] = true
    V.files = c.files
    flows.leave(c, V, "1001", { greeting = "busy" })
    played_in_order(c, { "/spool/1001/busy", "vm-intro" })
    not_played(c, "vm-theperson")
    not_played(c, "/spool/1001/greet")
end

function T.leave_recorded_name()
    local c, V = fake_call({}), fake_v()
    c.files["/spool/1001/greet"] = true
    V.files = c.files
    flows.leave(c, V, "1001", {})
    played_in_order(c, { "/spool/1001/greet", "vm-isunavail", "vm-intro" })
    not_played(c, "vm-theperson")
end

function T.leave_short_discarded()
    local c, V = fake_call({}), fake_v()
    c.record_result = { "/spool/1001/tmp/x.wav", 1.5, "#" }
    eq(flows.leave(c, V, "1001", {}), "short", "result")
    did(V, "discard /spool/1001/tmp/x.wav")
    eq(box_msgs(V, "1001", "INBOX"), "", "INBOX")
end

function T.leave_hangup_keeps_message()
    local c, V = fake_call({}), fake_v()
    c.record_result = { "/spool/1001/tmp/x.wav", 4, "hangup" }
    eq(flows.leave(c, V, "1001", {}), "saved", "result")
    eq(box_msgs(V, "1001", "INBOX"), "new", "INBOX")
    not_played(c, "vm-msgsaved")
end

function T.leave_operator()
    local c, V = fake_call({ "!0" }), fake_v()
    eq(flows.leave(c, V, "1001", {}), "operator", "result")
    eq(c.dialed[1], "1003", "dialed")
    eq(#c.recs, 0, "recordings")
end

function T.leave_no_operator()
    local c, V = fake_call({ "!0" }), fake_v()
    V.general.operator = ""
    eq(flows.leave(c, V, "1001", {}), "saved", "result")
    eq(#c.dialed, 0, "dialed")
end

function T.leave_star_enters_menu()
    local c, V = fake_call({ "!*", "1001", "#" }), fake_v()
    local how, sub = flows.leave(c, V, "1001", {})
    eq(how, "menu", "result")
    eq(sub, "exit", "menu result")
    did(V, "login 1001 1001")
    eq(#c.recs, 0, "recordings")
end

function T.leave_full_box()
    local c, V = fake_call({}), fake_v()
    V.boxes["1001"].maxmsg = 1
    V.boxes["1001"].folders.INBOX = { "a" }
    eq(flows.leave(c, V, "1001", {}), "full", "result")
    played_in_order(c, { "vm-mailboxfull" })
end

function T.leave_unknown_box()
    local c, V = fake_call({}), fake_v()
    c.state = "RING"
    local r, msg, code = flows.leave(c, V, "4711", {})
    eq(r, nil, "result")
    eq(code, "nobox", "code")
    eq(c.state, "RING", "the call is not answered: the dialplan may still reject it")
end

function T.leave_answers()
    local c, V = fake_call({}), fake_v()
    c.state = "RING"
    flows.leave(c, V, "1001", {})
    eq(c.state, "UP", "state")
end

-- ---------------------------------------------------------------- login

function T.login_three_wrong()
    local c, V = fake_call({ "1", "2", "3", "1001" }), fake_v()
    eq(flows.main_entry(c, V, "1001"), "failed", "result")
    eq(#V.done, 3, "login attempts")
    played_in_order(c, { "vm-invalid-password", "vm-invalid-password", "vm-invalid-password",
                         "vm-goodbye" })
end

function T.login_asks_for_the_box()
    local c, V = fake_call({ "1002", "1002", "#" }), fake_v()
    eq(flows.main_entry(c, V, nil), "exit", "result")
    did(V, "login 1002 1002")
    played_in_order(c, { "vm-login", "vm-password", "vm-youhave", "vm-no", "vm-messages" })
end

function T.login_locked()
    local c, V = fake_call({ "1001" }), fake_v()
    V.login = function() return "locked" end
    eq(flows.main_entry(c, V, "1001"), "locked", "result")
    played_in_order(c, { "vm-incorrect", "vm-goodbye" })
end

-- ---------------------------------------------------------------- main menu

local function two_new()
    local V = fake_v()
    V.boxes["1001"].folders.INBOX = { "a", "b" }
    V.boxes["1001"].folders.Old = { "o" }
    return V
end

function T.announce_counts()
    local c, V = fake_call({ "1001", "#" }), two_new()
    flows.main_entry(c, V, "1001")
    played_in_order(c, { "vm-youhave", "digits/2", "vm-INBOX", "vm-messages", "vm-and",
                         "digits/1", "vm-Old", "vm-message", "vm-goodbye" })
end

function T.listen_all_moves_heard_to_old()
    local c, V = fake_call({ "1001", "!1", "6", "#", "#" }), two_new()
    eq(flows.main_entry(c, V, "1001"), "exit", "result")
    played_in_order(c, { "vm-first", "vm-message", "/msg/a", "vm-message", "digits/2", "/msg/b" })
    eq(box_msgs(V, "1001", "INBOX"), "", "INBOX")
    eq(box_msgs(V, "1001", "Old"), "o,b,a", "Old")
end

function T.listen_only_first_heard()
    local c, V = fake_call({ "1001", "1", "#", "#" }), two_new()
    flows.main_entry(c, V, "1001")
    eq(box_msgs(V, "1001", "INBOX"), "b", "INBOX")
    eq(box_msgs(V, "1001", "Old"), "o,a", "Old")
end

function T.listen_delete()
    local c, V = fake_call({ "1001", "1", "7", "#", "#" }), two_new()
    flows.main_entry(c, V, "1001")
    did(V, "delete INBOX 0")
    played_in_order(c, { "/msg/a", "vm-deleted", "/msg/b" })
    eq(box_msgs(V, "1001", "INBOX"), "", "INBOX")
    eq(box_msgs(V, "1001", "Old"), "o,b", "Old")
end

function T.listen_prev_repeat_next()
    local c, V = fake_call({ "1001", "1", "4", "5", "6", "6", "4", "#", "#" }), two_new()
    flows.main_entry(c, V, "1001")
    played_in_order(c, { "/msg/a", "vm-nomore", "/msg/a", "/msg/b", "vm-nomore", "/msg/a" })
end

function T.listen_save_to_folder()
    local c, V = fake_call({ "1001", "1", "9", "2", "#", "#" }), two_new()
    flows.main_entry(c, V, "1001")
    did(V, "move INBOX 0 Work")
    eq(box_msgs(V, "1001", "Work"), "a", "Work")
    played_in_order(c, { "vm-savefolder", "vm-savedto", "vm-Work", "/msg/b" })
end

-- The spool renumbers a folder when a message leaves it: the paths the
-- flows hold for the later messages must follow (V.list's paths are
-- positional, see resolve()).
function T.paths_follow_renumbering()
    local c, V = fake_call({ "1001", "!1", "9", "2", "7", "#", "#" }), fake_v()
    V.boxes["1001"].folders.INBOX = { "a", "b", "c" }
    flows.main_entry(c, V, "1001")
    played_in_order(c, { "/msg/a", "vm-savedto", "/msg/b", "vm-deleted", "/msg/c" })
    not_played(c, "/msg/nil")
    eq(box_msgs(V, "1001", "Work"), "a", "Work")
    eq(box_msgs(V, "1001", "Old"), "c", "Old")
end

function T.listen_forward()
    local c, V = fake_call({ "1001", "1", "8", "1002", "#", "#" }), two_new()
    flows.main_entry(c, V, "1001")
    did(V, "forward INBOX 0 1002")
    eq(box_msgs(V, "1002", "INBOX"), "a", "1002's INBOX")
    played_in_order(c, { "vm-extension", "vm-msgforwarded" })
end

function T.listen_forward_unknown_box()
    local c, V = fake_call({ "1001", "1", "8", "4711", "#", "#" }), two_new()
    flows.main_entry(c, V, "1001")
    played_in_order(c, { "vm-extension", "vm-nobox" })
end

function T.listen_envelope_and_callback()
    local c, V = fake_call({ "1001", "1", "3", "3", "3", "2", "#", "#" }), two_new()
    flows.main_entry(c, V, "1001")
    played_in_order(c, { "vm-advopts", "vm-received", "digits/today", "digits/at",
                         "digits/9", "digits/oh", "digits/5", "digits/a-m", "vm-from",
                         "digits/1", "digits/0", "digits/0", "digits/4", "vm-duration",
                         "digits/7", "vm-advopts" })
    eq(c.dialed[1], "1004", "called back")
end

function T.envelope_dates()
    local cases = {
        { { wday = 2, mon = 2, mday = 3, hour = 0, min = 0, ago = 1 },
          { "digits/yesterday", "digits/at", "digits/12", "digits/oclock", "digits/a-m" } },
        { { wday = 0, mon = 11, mday = 21, hour = 13, min = 45, ago = 5 },
          { "digits/day-0", "digits/mon-11", "digits/20", "digits/h-1", "digits/at",
            "digits/1", "digits/40", "digits/5", "digits/p-m" } },
        { { wday = 6, mon = 0, mday = 30, hour = 12, min = 10, ago = 40 },
          { "digits/day-6", "digits/mon-0", "digits/h-30", "digits/at", "digits/12",
            "digits/10", "digits/p-m" } },
    }
    for _, case in ipairs(cases) do
        local c, V = fake_call({ "1001", "1", "3", "3", "#", "#" }), two_new()
        V.when = case[1]
        flows.main_entry(c, V, "1001")
        local want = { "vm-received" }
        for _, x in ipairs(case[2]) do want[#want + 1] = x end
        want[#want + 1] = "vm-from"
        played_in_order(c, want)
    end
end

function T.change_folder()
    local c, V = fake_call({ "1001", "2", "1", "1", "#", "#" }), two_new()
    flows.main_entry(c, V, "1001")
    played_in_order(c, { "vm-changeto", "vm-youhave", "digits/1", "vm-Old", "vm-message",
                         "/msg/o" })
end

function T.help_and_invalid_keys()
    local c, V = fake_call({ "1001", "*", "x", "x", "x" }), two_new()
    eq(flows.main_entry(c, V, "1001"), "exit", "result")
    played_in_order(c, { "vm-onefor-full", "vm-opts-full", "vm-goodbye" })
end

function T.hangup_while_listening_files_heard()
    local c, V = fake_call({ "1001", "1" }), two_new()
    eq(flows.main_entry(c, V, "1001"), "hangup", "result")
    eq(box_msgs(V, "1001", "Old"), "o,a", "Old")
end

-- ---------------------------------------------------------------- options

function T.options_change_pin()
    local c, V = fake_call({ "1001", "0", "5", "4321", "4321", "#" }), two_new()
    flows.main_entry(c, V, "1001")
    did(V, "set_pin 4321")
    played_in_order(c, { "vm-newpassword", "vm-reenterpassword", "vm-passchanged" })
end

function T.options_change_pin_mismatch()
    local c, V = fake_call({ "1001", "0", "5", "4321", "4322", "#" }), two_new()
    flows.main_entry(c, V, "1001")
    eq(V.boxes["1001"].pin, "1001", "pin")
    played_in_order(c, { "vm-mismatch" })
end

function T.options_fixed_pin()
    local c, V = fake_call({ "1001", "0", "5", "#" }), two_new()
    V.boxes["1001"].pin_fixed = true
    flows.main_entry(c, V, "1001")
    played_in_order(c, { "vm-sorry" })
end

function T.options_greetings()
    for key, name in pairs({ ["1"] = "unavail", ["2"] = "busy", ["3"] = "greet" }) do
        local c, V = fake_call({ "1001", "0", key, "#" }), two_new()
        flows.main_entry(c, V, "1001")
        did(V, "install " .. name)
        eq(c.recs[1].opts.beep, true, "beep")
    end
end

return T
