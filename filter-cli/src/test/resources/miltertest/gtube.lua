-- GTUBE is refused at the end of the message with a reply code (554 5.7.1, see the milter's log).
dofile(dir .. "/common.lua")
local conn = open(6, ALL_ACTIONS, ALL_STEPS)
envelope(conn, "192.0.2.12")
message(conn, CLEAN, "Hello\r\n" .. GTUBE .. "\r\n")
expect(mt.getreply(conn) == SMFIR_REPLYCODE, "REPLYCODE for GTUBE")
expect(not mt.eom_check(conn, int(MT_HDRADD)), "no header added to a refused message")
mt.disconnect(conn)
print("gtube: ok")
