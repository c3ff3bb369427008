package dev.mailfilter.milter;

import dev.mailfilter.MailFilter;
import dev.mailfilter.testkit.PostfixInstance;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** What the Postfix interop tests share: our milter on loopback, Postfix in front of it. */
final class PostfixMilter {
  private PostfixMilter() {}

  /** A milter for {@code filter} on an ephemeral loopback port, started. */
  static MilterServer start(MailFilter filter) throws IOException {
    return MilterServer.builder()
        .filter(filter)
        .listen(new ListenAddress.Inet("127.0.0.1", 0))
        .build()
        .start();
  }

  /**
   * A Postfix that asks {@code server} over protocol 6 and tempfails mail when it cannot reach it
   * (so a broken milter shows as a 4xx, never as mail let through).
   */
  static PostfixInstance.Builder postfixFor(MilterServer server) {
    return PostfixInstance.builder()
        .milter("inet:127.0.0.1:" + ((ListenAddress.Inet) server.localAddress()).port())
        .milterDefaultAction("tempfail")
        .milterProtocol(6);
  }

  /** The header's fields, each unfolded (a fold's line break and indent become one space). */
  static List<String> unfoldedHeader(String message) {
    List<String> fields = new ArrayList<>();
    for (String line : message.substring(0, message.indexOf("\n\n")).split("\n")) {
      if (line.startsWith(" ") || line.startsWith("\t")) {
        int last = fields.size() - 1;
        fields.set(last, fields.get(last) + " " + line.strip());
      } else {
        fields.add(line);
      }
    }
    return fields;
  }
}
