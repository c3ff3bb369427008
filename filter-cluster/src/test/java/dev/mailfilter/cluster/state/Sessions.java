package dev.mailfilter.cluster.state;

import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Connection;
import dev.mailfilter.api.Decision;
import dev.mailfilter.api.FilterSession;
import java.net.InetAddress;

/** The SMTP steps the state checks' tests drive a filter through. */
final class Sessions {
  private Sessions() {}

  /** One session from {@code ip} up to its RCPT, whose decision it returns. */
  static Decision rcpt(MailFilter node, String ip, String sender, String rcpt) throws Exception {
    try (FilterSession s = node.open(Connection.of(InetAddress.getByName(ip)))) {
      s.helo("mx.sender.example");
      s.mailFrom(sender);
      return s.rcptTo(rcpt);
    }
  }
}
