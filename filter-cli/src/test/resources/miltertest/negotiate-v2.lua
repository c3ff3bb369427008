-- Version 2, as an old Sendmail offers it: only the header-adding action, no protocol steps. The
-- milter still judges the whole message and adds its headers with the one action it has.
dofile(dir .. "/common.lua")
local conn = open(2, SMFIF_ADDHDRS, 0)
expect(mt.test_action(conn, int(SMFIF_ADDHDRS)), "SMFIF_ADDHDRS agreed")
expect(not mt.test_action(conn, int(SMFIF_CHGHDRS)), "no SMFIF_CHGHDRS beyond the offer")
envelope(conn, "192.0.2.11")
message(conn, CLEAN, "Hello Bob, see you at lunch.\r\n")
expect(mt.getreply(conn) == SMFIR_CONTINUE, "CONTINUE at the end of a clean message")
expect(mt.eom_check(conn, int(MT_HDRADD), "X-Spam-Status"), "X-Spam-Status added at version 2")
local status = mt.getheader(conn, "X-Spam-Status", 0)
expect(status ~= nil and string.find(status, "^No, score=") ~= nil,
  "no leading space without SMFIP_HDR_LEADSPC, got '" .. tostring(status) .. "'")
expect(not mt.eom_check(conn, int(MT_HDRINSERT)), "no INSHEADER, which version 2 lacks")
-- A second message on the same connection is judged on its own: GTUBE now.
expect(mt.mailfrom(conn, "<winner@lottery.example>") == nil, "second mailfrom")
expect(mt.rcptto(conn, "<bob@example.test>") == nil, "second rcptto")
message(conn, CLEAN, GTUBE .. "\r\n")
expect(mt.getreply(conn) == SMFIR_REPLYCODE, "REPLYCODE for GTUBE at version 2")
mt.disconnect(conn)
print("negotiate-v2: ok")
