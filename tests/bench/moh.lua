-- The dialplan of tests/bench/bench-moh.sh: a call to 1003 is answered
-- and hears the default music on hold class (call:moh) until rtpgen hangs
-- up; other numbers are dialed as the sample office does (the callee is
-- offered ulaw and alaw, answers PCMU, and the call is relayed).

context("office", {
    on_invite = function(call)
        if call.to == "1003" then
            call:answer()
            return call:moh("default")
        end
        local outcome, detail = call:dial(call.to, { timeout = 20 })
        if outcome ~= "answered" and outcome ~= "cancelled" then
            call:hangup(detail.code or 503)
        end
    end,
})
