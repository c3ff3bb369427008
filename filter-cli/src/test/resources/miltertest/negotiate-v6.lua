-- Version 6 with everything offered: the milter takes the header actions and quarantine, and a
-- clean message gets our result headers while a forged X-Spam-Flag goes.
dofile(dir .. "/common.lua")
local conn = open(6, ALL_ACTIONS, ALL_STEPS)
expect(mt.test_action(conn, int(SMFIF_ADDHDRS)), "SMFIF_ADDHDRS agreed")
expect(mt.test_action(conn, int(SMFIF_CHGHDRS)), "SMFIF_CHGHDRS agreed")
expect(mt.test_action(conn, int(SMFIF_QUARANTINE)), "SMFIF_QUARANTINE agreed")
expect(not mt.test_action(conn, int(SMFIF_CHGBODY)), "no body replacement asked for")
expect(mt.test_option(conn, int(SMFIP_HDR_LEADSPC)), "SMFIP_HDR_LEADSPC agreed: values verbatim")
envelope(conn, "192.0.2.10")
local headers = {table.unpack(CLEAN)}
table.insert(headers, {"X-Spam-Flag", "YES"})
message(conn, headers, "Hello Bob, see you at lunch.\r\n")
expect(mt.getreply(conn) == SMFIR_CONTINUE, "CONTINUE at the end of a clean message")
expect(mt.eom_check(conn, int(MT_HDRADD), "X-Spam-Status"), "X-Spam-Status added")
expect(mt.eom_check(conn, int(MT_HDRDELETE), "X-Spam-Flag"), "the forged X-Spam-Flag deleted")
local status = mt.getheader(conn, "X-Spam-Status", 0)
expect(status ~= nil and string.find(status, "^ No, score=") ~= nil,
  "a ham status after its own space, got '" .. tostring(status) .. "'")
mt.disconnect(conn)
print("negotiate-v6: ok")
