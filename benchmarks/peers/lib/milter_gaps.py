"""Find the stalls in a packet capture of milter traffic (tcpdump -i lo -w FILE port PORT).

Usage: milter_gaps.py FILE PORT [MIN_MS]

For every TCP connection to PORT (one per SMTP session), decodes the milter frames (4-byte
big-endian length, then a command byte) in both directions and prints each packet that came
MIN_MS (default 20) or more after the previous packet of its connection, with the packets around
it: which side waited, after what. A Nagle/delayed-ACK stall shows as a pure ACK about 40 ms
after a frame that got no reply, followed at once by the sender's next frame. "+m" after a
command means its macro frame came just before it in the same packet. Then how long the milter
took to answer each command (summed per connection), the median connection time and a count of
the pauses per kind.

Reads classic pcap files only (what tcpdump -w writes), with Ethernet, Linux cooked v1 or v2
link headers; IPv4 only (the benchmark listens on 127.0.0.1).
"""

import statistics
import struct
import sys
from collections import Counter, defaultdict

# Milter commands (MTA to milter) and replies (milter to MTA), libmilter's mfdef.h.
COMMANDS = {
    "A": "abort", "B": "body", "C": "connect", "D": "macro", "E": "end-of-body", "H": "helo",
    "L": "header", "M": "mail", "N": "end-of-headers", "O": "optneg", "Q": "quit", "R": "rcpt",
    "T": "data", "U": "unknown", "K": "quit-nc",
}
REPLIES = {
    "+": "addrcpt", "-": "delrcpt", "2": "addrcpt-par", "4": "shutdown", "a": "accept",
    "b": "replbody", "c": "continue", "d": "discard", "e": "chgfrom", "f": "conn-fail",
    "h": "addheader", "i": "insheader", "l": "setsymlist", "m": "chgheader", "p": "progress",
    "q": "quarantine", "r": "reject", "s": "skip", "t": "tempfail", "y": "replycode",
    "O": "optneg",
}


def packets(path):
    """Yields (seconds, src port, dst port, tcp flags, payload) per IPv4 TCP packet."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        sys.exit(f"{path}: not a pcap file (too short)")
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        sys.exit(f"{path}: not a classic pcap file (pcapng is not read; use tcpdump -w)")
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    link_len = {1: 14, 113: 16, 276: 20}.get(linktype)
    if link_len is None:
        sys.exit(f"{path}: link type {linktype} is not read (capture on lo gives Ethernet)")
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        ip = frame[link_len:]
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 6:
            continue
        ihl = (ip[0] & 15) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        tcp = ip[ihl:total]
        if len(tcp) < 20:
            continue
        sport, dport = struct.unpack(">HH", tcp[:4])
        doff = (tcp[12] >> 4) * 4
        yield sec + frac / (1e9 if nano else 1e6), sport, dport, tcp[13], tcp[doff:]


class Stream:
    """Splits one direction's bytes into milter frames."""

    def __init__(self, names):
        self.names = names
        self.buf = b""
        self.skip = 0  # bytes of a long frame (a body chunk) still to come

    def feed(self, payload):
        """Returns the names of the frames that start in this payload."""
        if self.skip:
            used = min(self.skip, len(payload))
            self.skip -= used
            payload = payload[used:]
        starts = []
        self.buf += payload
        while len(self.buf) >= 5:
            n = struct.unpack(">I", self.buf[:4])[0]
            code = chr(self.buf[4])
            name = self.names.get(code, repr(code))
            if code == "D" and n >= 2 and len(self.buf) >= 6:  # the stage a macro frame is for
                name += "(" + self.names.get(chr(self.buf[5]), repr(chr(self.buf[5]))) + ")"
            starts.append(name)
            if len(self.buf) < 4 + n:
                self.skip = 4 + n - len(self.buf)
                self.buf = b""
                break
            self.buf = self.buf[4 + n:]
        return starts


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__.split("\n\n")[1])
    path, port = sys.argv[1], int(sys.argv[2])
    min_ms = float(sys.argv[3]) if len(sys.argv) == 4 else 20.0
    conns = defaultdict(list)  # client port -> [(t, direction, flags, names, length)]
    streams = {}
    for t, sport, dport, flags, payload in packets(path):
        if dport == port:
            key, direction, names = sport, ">", COMMANDS
        elif sport == port:
            key, direction, names = dport, "<", REPLIES
        else:
            continue
        s = streams.setdefault((key, direction), Stream(names))
        frames = s.feed(payload) if payload else []
        conns[key].append((t, direction, flags, frames, len(payload)))

    def describe(p):
        t, direction, flags, frames, length = p
        who = "MTA -> milter" if direction == ">" else "milter -> MTA"
        if not frames:
            return f"{who}: " + ("FIN" if flags & 1 else "SYN" if flags & 2 else "pure ACK")
        # A command with the macro frame before it reads "+m"; repeats read "x N".
        tokens, i = [], 0
        while i < len(frames):
            f = frames[i]
            if f.startswith("macro(") and i + 1 < len(frames) and frames[i + 1] == f[6:-1]:
                f, i = frames[i + 1] + "+m", i + 1
            tokens.append(f)
            i += 1
        runs = []
        for f in tokens:
            if runs and runs[-1][0] == f:
                runs[-1][1] += 1
            else:
                runs.append([f, 1])
        what = ", ".join(f if n == 1 else f"{f} x{n}" for f, n in runs)
        return f"{who}: {what} ({length} bytes)"

    kinds = Counter()
    durations = []
    for key, ps in sorted(conns.items(), key=lambda kv: kv[1][0][0]):
        durations.append((ps[-1][0] - ps[0][0]) * 1000)
        for i in range(1, len(ps)):
            gap = (ps[i][0] - ps[i - 1][0]) * 1000
            if gap < min_ms:
                continue
            nxt = describe(ps[i + 1]) if i + 1 < len(ps) else "(end)"
            nxt_gap = (ps[i + 1][0] - ps[i][0]) * 1000 if i + 1 < len(ps) else 0
            print(f"conn :{key} +{(ps[i][0] - ps[0][0]) * 1000:7.1f} ms: {gap:5.1f} ms after "
                  f"[{describe(ps[i - 1])}] came [{describe(ps[i])}], then "
                  f"{nxt_gap:.1f} ms later [{nxt}]")
            kinds[f"[{describe(ps[i - 1])}] -> {gap // 10 * 10:.0f}+ ms -> [{describe(ps[i])}] -> [{nxt}]"] += 1
    # How long the milter took to answer each command: from the MTA's packet ending in that
    # command to the milter's next packet with a reply (pure ACKs skipped).
    answers = defaultdict(list)
    for ps in conns.values():
        asked = None
        for t, direction, flags, frames, length in ps:
            if direction == ">" and frames:
                asked = (t, frames[-1])
            elif direction == "<" and frames and asked:
                answers[asked[1]].append((t - asked[0]) * 1000)
                asked = None
    if answers:
        print("milter answer times (median ms; answers per connection; their sum per connection):")
        total = 0.0
        for name, v in sorted(answers.items(), key=lambda kv: -statistics.median(kv[1]) * len(kv[1])):
            per_conn = statistics.median(v) * len(v) / len(conns)
            total += per_conn
            print(f"  {name:16s} {statistics.median(v):7.3f} ms x {len(v) / len(conns):5.1f} = {per_conn:6.2f} ms")
        print(f"  {'all':16s} {total:6.2f} ms per connection waiting for the milter")
    print(f"\n{len(conns)} connections; median connection time "
          f"{statistics.median(durations) if durations else 0:.1f} ms; gaps of {min_ms:g} ms or more:")
    for k, n in kinds.most_common():
        print(f"  {n:4d} x {k}")
    if not kinds:
        print("  none")


if __name__ == "__main__":
    main()
