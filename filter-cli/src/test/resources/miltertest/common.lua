-- Shared by the miltertest scripts: run with -D port=PORT (MiltertestIT does).
-- miltertest's constants are Lua floats; its functions want integers.
function int(x) return math.tointeger(x) end

function expect(cond, what)
  if not cond then error("expected " .. what, 2) end
end

-- What Postfix 3.7 offers: every action (SMFIF_*) and every protocol step (SMFIP_*) of version 6.
ALL_ACTIONS = int(0x1FF)
ALL_STEPS = int(0x1FFFFF)

-- Connects and negotiates at `version` offering `actions` and `steps`.
function open(version, actions, steps)
  local conn = mt.connect("inet:" .. port .. "@127.0.0.1", 20, 0.1)
  expect(conn ~= nil, "a connection to the milter on port " .. port)
  -- Debian 12's miltertest sends its third argument as the protocol mask and its fourth as the
  -- actions, the reverse of its manual page (seen on the wire with strace).
  local err = mt.negotiate(conn, int(version), int(steps), int(actions))
  expect(err == nil, "negotiation at version " .. version .. " to succeed: " .. tostring(err))
  return conn
end

-- With SMFIP_HDR_LEADSPC agreed, header values travel verbatim, the space after the colon
-- included, in both directions: what the milter adds then starts with its own space.
function lead(conn)
  if mt.test_option(conn, int(SMFIP_HDR_LEADSPC)) then return " " end
  return ""
end

-- One transaction up to the end of the header; returns nothing, fails on any refusal.
function envelope(conn, client_ip)
  expect(mt.conninfo(conn, "client.example.org", client_ip) == nil, "conninfo")
  expect(mt.getreply(conn) == SMFIR_CONTINUE, "CONTINUE after connect")
  expect(mt.helo(conn, "client.example.org") == nil, "helo")
  expect(mt.mailfrom(conn, "<alice@example.org>") == nil, "mailfrom")
  expect(mt.getreply(conn) == SMFIR_CONTINUE, "CONTINUE after MAIL")
  expect(mt.rcptto(conn, "<bob@example.test>") == nil, "rcptto")
  expect(mt.getreply(conn) == SMFIR_CONTINUE, "CONTINUE after RCPT")
end

-- Headers as {name, value} pairs, then end of header, body and end of message.
function message(conn, headers, body)
  for _, h in ipairs(headers) do
    expect(mt.header(conn, h[1], h[2]) == nil, "header " .. h[1])
  end
  expect(mt.eoh(conn) == nil, "eoh")
  expect(mt.bodystring(conn, body) == nil, "body")
  expect(mt.eom(conn) == nil, "eom")
end

CLEAN = {
  {"From", "Alice <alice@example.org>"},
  {"To", "Bob <bob@example.test>"},
  {"Subject", "lunch"},
  {"Date", "Mon, 7 Dec 2026 12:00:00 +0000"},
  {"Message-ID", "<lunch@example.org>"},
}
GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
