package dev.mailfilter.milter;

import java.util.Map;

/**
 * The outcome of option negotiation: the version and masks both sides agreed on.
 *
 * @param version the protocol version, {@link Milter#MIN_VERSION} to {@link Milter#VERSION}
 * @param actions the {@code SMFIF_*} actions we asked for and the MTA offered
 * @param protocol the {@code SMFIP_*} steps we asked for and the MTA offered
 * @param missingActions actions we wanted but the MTA did not offer
 * @param missingProtocol protocol steps we wanted but the MTA did not offer
 */
record Negotiation(
    int version, int actions, int protocol, int missingActions, int missingProtocol) {

  /**
   * Agrees on what to use: the lower of the two versions, and of the actions and protocol steps we
   * want only those the MTA offered. Asking for anything not offered makes the MTA drop the milter,
   * so nothing else is ever asked for.
   *
   * @param offered the MTA's {@code SMFIC_OPTNEG}
   * @param wantActions the {@code SMFIF_*} actions we would like
   * @param wantProtocol the {@code SMFIP_*} steps we would like
   * @throws MilterProtocolException if the MTA offers a version below 2
   */
  public static Negotiation agree(Command.OptNeg offered, int wantActions, int wantProtocol)
      throws MilterProtocolException {
    if (offered.version() < Milter.MIN_VERSION) {
      throw new MilterProtocolException(
          "SMFIC_OPTNEG: the MTA offers milter protocol version "
              + offered.version()
              + "; version "
              + Milter.MIN_VERSION
              + " or later is needed");
    }
    int version = Math.min(offered.version(), Milter.VERSION);
    int actions = wantActions & offered.actions();
    int protocol = wantProtocol & offered.protocol();
    return new Negotiation(
        version, actions, protocol, wantActions & ~actions, wantProtocol & ~protocol);
  }

  /**
   * The reply that tells the MTA what was agreed, with the macros wanted per {@code SMFIM_*} stage
   * when {@code SMFIF_SETSYMLIST} was agreed (otherwise the MTA sends its configured macros and the
   * list is left out).
   */
  public Response.OptNegReply reply(Map<Integer, String> macros) {
    boolean symlist = (actions & Milter.SMFIF_SETSYMLIST) != 0;
    return new Response.OptNegReply(version, actions, protocol, symlist ? macros : Map.of());
  }

  /** Whether the agreed protocol has a step bit, e.g. {@link Milter#SMFIP_HDR_LEADSPC}. */
  public boolean has(int protocolBit) {
    return (protocol & protocolBit) == protocolBit;
  }
}
