-- With actions.quarantine at 4 (MiltertestIT's configuration), a message missing its Subject,
-- Date and Message-ID (4.5 points) is held: QUARANTINE, then CONTINUE.
dofile(dir .. "/common.lua")
local conn = open(6, ALL_ACTIONS, ALL_STEPS)
envelope(conn, "192.0.2.13")
message(conn, {{"From", "Alice <alice@example.org>"}, {"To", "bob@example.test"}}, "hold me\r\n")
expect(mt.getreply(conn) == SMFIR_CONTINUE, "CONTINUE after the quarantine request")
expect(mt.eom_check(conn, int(MT_QUARANTINE)), "a quarantine request")
expect(mt.eom_check(conn, int(MT_HDRADD), "X-Spam-Flag", lead(conn) .. "YES"), "X-Spam-Flag: YES added")
mt.disconnect(conn)
print("quarantine: ok")
