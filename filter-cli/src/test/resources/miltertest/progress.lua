-- A slow end-of-message check (a URL whose blocklist lookup goes unanswered until the DNS
-- deadline): the milter sends PROGRESS packets while it waits, then its final reply. miltertest
-- reads them without a word to the script; MiltertestIT counts them in its -vv output.
dofile(dir .. "/common.lua")
mt.set_timeout(30)
local conn = open(6, ALL_ACTIONS, ALL_STEPS)
envelope(conn, "192.0.2.15")
message(conn, CLEAN, "Minutes: http://slow.example/minutes\r\n")
expect(mt.getreply(conn) == SMFIR_CONTINUE, "CONTINUE after the slow check")
mt.disconnect(conn)
print("progress: ok")
