package dev.mailfilter.milter;

import static dev.mailfilter.milter.Milter.SMFIF_ADDHDRS;
import static dev.mailfilter.milter.Milter.SMFIF_CHGHDRS;
import static dev.mailfilter.milter.Milter.SMFIF_QUARANTINE;
import static dev.mailfilter.milter.Milter.SMFIF_SETSYMLIST;
import static dev.mailfilter.milter.Milter.SMFIP_HDR_LEADSPC;
import static dev.mailfilter.milter.Milter.SMFIP_NR_CONN;
import static dev.mailfilter.milter.Milter.SMFIP_NR_HELO;
import static dev.mailfilter.milter.Milter.SMFIP_SKIP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class NegotiationTest {
  private static final int WANT_ACTIONS =
      SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE | SMFIF_SETSYMLIST;
  private static final int WANT_PROTOCOL =
      SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_SKIP | SMFIP_HDR_LEADSPC;

  @Test
  void postfixVersion6OffersEverythingWeWant() throws MilterProtocolException {
    // Postfix 3.x: version 6, actions 0x1ff, protocol 0x1fffff.
    Negotiation n =
        Negotiation.agree(new Command.OptNeg(6, 0x1ff, 0x1fffff), WANT_ACTIONS, WANT_PROTOCOL);
    assertThat(n.version()).isEqualTo(6);
    assertThat(n.actions()).isEqualTo(WANT_ACTIONS);
    assertThat(n.protocol()).isEqualTo(WANT_PROTOCOL);
    assertThat(n.missingActions()).isZero();
    assertThat(n.missingProtocol()).isZero();
    assertThat(n.has(SMFIP_HDR_LEADSPC)).isTrue();
    assertThat(n.reply(Map.of(Milter.SMFIM_EOM, "i")))
        .isEqualTo(
            new Response.OptNegReply(
                6, WANT_ACTIONS, WANT_PROTOCOL, Map.of(Milter.SMFIM_EOM, "i")));
  }

  @Test
  void version2MtaGetsVersion2AndOnlyWhatItOffered() throws MilterProtocolException {
    // Postfix 2.5 as in the milter-manager dumps: version 2, actions 0x13f, protocol 0x7f.
    Negotiation n =
        Negotiation.agree(new Command.OptNeg(2, 0x13f, 0x7f), WANT_ACTIONS, WANT_PROTOCOL);
    assertThat(n.version()).isEqualTo(2);
    assertThat(n.actions()).isEqualTo(WANT_ACTIONS);
    assertThat(n.protocol()).isZero();
    assertThat(n.missingProtocol()).isEqualTo(WANT_PROTOCOL);
    assertThat(n.has(SMFIP_HDR_LEADSPC)).isFalse();
  }

  @Test
  void neverAsksForWhatWasNotOffered() throws MilterProtocolException {
    Negotiation n =
        Negotiation.agree(
            new Command.OptNeg(6, SMFIF_ADDHDRS, SMFIP_NR_CONN), WANT_ACTIONS, WANT_PROTOCOL);
    assertThat(n.actions()).isEqualTo(SMFIF_ADDHDRS);
    assertThat(n.protocol()).isEqualTo(SMFIP_NR_CONN);
    assertThat(n.missingActions()).isEqualTo(SMFIF_CHGHDRS | SMFIF_QUARANTINE | SMFIF_SETSYMLIST);
    // Without SMFIF_SETSYMLIST the macro list is left out of the reply.
    assertThat(n.reply(Map.of(Milter.SMFIM_EOM, "i")).macros()).isEmpty();
  }

  @Test
  void newerMtaVersionIsAnsweredWithOurs() throws MilterProtocolException {
    assertThat(Negotiation.agree(new Command.OptNeg(7, 0, 0), 0, 0).version()).isEqualTo(6);
    assertThat(Negotiation.agree(new Command.OptNeg(4, 0, 0), 0, 0).version()).isEqualTo(4);
  }

  @Test
  void versionBelow2IsRefused() {
    assertThatThrownBy(() -> Negotiation.agree(new Command.OptNeg(1, 0x3f, 0x3f), 0, 0))
        .isInstanceOf(MilterProtocolException.class)
        .hasMessage(
            "SMFIC_OPTNEG: the MTA offers milter protocol version 1; version 2 or later is needed");
  }
}
