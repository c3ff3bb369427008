package dev.mailfilter.checks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class ReceivedCheckTest {
  private static final LocalChecks CHECKS =
      new LocalChecks(
          "  received:\n    local_names: [mx.ours.example]\n"
              + "    local_addresses: [\"198.51.100.25\"]\n");

  private static final String OURS =
      "Received: from client.example (client.example [203.0.113.7])\n"
          + "\tby mx.ours.example with ESMTP id 1; Sun, 1 Sep 2002 10:00:00 +0000";

  @AfterAll
  static void close() {
    CHECKS.close();
  }

  @Test
  void honestChainIsClean() {
    String m =
        CHECKS.message(
            OURS
                + "\nReceived: from laptop (laptop [10.0.0.2]) by client.example with SMTP;"
                + " Sun, 1 Sep 2002 09:59:00 +0000",
            "x\n");
    assertThat(CHECKS.symbols(m)).isEmpty();
  }

  @Test
  void lowerHopClaimingOurNameOrAddressIsForged() {
    String byUs =
        OURS
            + "\nReceived: from [192.0.2.66] by mx.ours.example with SMTP;"
            + " Sun, 1 Sep 2002 09:59:00 +0000";
    assertThat(CHECKS.symbols(CHECKS.message(byUs, "x\n"))).contains("FORGED_RECEIVED");
    String ourIp =
        "Received: from [198.51.100.25] by relay.example with SMTP;"
            + " Sun, 1 Sep 2002 09:59:00 +0000";
    assertThat(CHECKS.symbols(CHECKS.message(ourIp, "x\n"))).contains("FORGED_RECEIVED");
  }

  @Test
  void timestampsGoingBackwardsAreFlagged() {
    String m =
        CHECKS.message(
            OURS + "\nReceived: from a by client.example; Mon, 2 Sep 2002 10:00:00 +0000", "x\n");
    assertThat(CHECKS.symbols(m)).contains("RCVD_DATE_BACKWARDS");
  }

  @Test
  void fieldWithoutParseableDateIsMalformed() {
    String m =
        CHECKS.message(
            OURS + "\nReceived: from [106.226.127.61] by n7.groups.yahoo.com with local; Aug,",
            "x\n");
    assertThat(CHECKS.symbols(m)).contains("RCVD_MALFORMED");
  }
}
