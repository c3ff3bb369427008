-- Not a test of the milter: shows that a failing expectation fails the run, with its reason.
dofile(dir .. "/common.lua")
local conn = open(6, ALL_ACTIONS, ALL_STEPS)
envelope(conn, "192.0.2.14")
message(conn, CLEAN, "Hello\r\n")
expect(mt.getreply(conn) == SMFIR_REPLYCODE, "a refusal of a clean message")
