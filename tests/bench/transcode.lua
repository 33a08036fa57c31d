-- The dialplan of tests/bench/bench-transcode.sh: a call to 1003, 1004 or
-- 1005 offers the callee one codec only (the dial option `codecs`), which
-- rtpgen --callee-codec answers; the caller (rtpgen, 1001) speaks PCMU,
-- so Carillon transcodes the call.  Calls to the other numbers are dialed
-- as the sample office does: the callee is offered the endpoint's codecs
-- (ulaw, alaw), answers PCMU, and the call is relayed.

local forced = { ["1003"] = "alaw", ["1004"] = "g722", ["1005"] = "opus" }

context("office", {
    on_invite = function(call)
        local codec = forced[call.to]
        local outcome, detail = call:dial(call.to, {
            timeout = 20,
            codecs = codec and { codec } or nil,
        })
        if outcome ~= "answered" and outcome ~= "cancelled" then
            call:hangup(detail.code or 503)
        end
    end,
})
