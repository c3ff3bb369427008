package dev.mailfilter.engine;

import dev.mailfilter.api.Action;
import dev.mailfilter.api.Decision;
import dev.mailfilter.api.HeaderEdit;
import dev.mailfilter.api.Policy;
import dev.mailfilter.api.Reply;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.api.VerdictScope;
import dev.mailfilter.config.AccessList;
import dev.mailfilter.config.IpRange;
import dev.mailfilter.tenant.Recipient;
import dev.mailfilter.tenant.Route;
import dev.mailfilter.tenant.TenantDirectory;
import dev.mailfilter.tenant.TenantPolicy;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The tenant side of RCPT TO, kept out of {@link Session}: relay control, the recipient's effective
 * policy, the recipient grouping of the transaction, and the tenant's allow and block lists. One
 * per transaction.
 */
final class RecipientGate {
  static final Reply RELAY_DENIED = Reply.of(550, "5.7.1", "Relaying denied");
  static final Reply OTHER_GROUP =
      Reply.of(452, "4.5.3", "Too many recipients, send this one in a new transaction");

  private final VerdictScope scope;
  private TenantPolicy policy; // the group's, or the strictest merge of all accepted
  private Optional<Route> route;
  private boolean allowed = true; // every accepted recipient's tenant allow list matched
  private final List<Symbol> allowSymbols = new ArrayList<>();

  RecipientGate(VerdictScope scope) {
    this.scope = scope;
  }

  /** Where one recipient stands before its RCPT checks run. */
  sealed interface Admission {}

  /** Refused: not ours, another group, or on the tenant's block list. */
  record Refused(Decision.Refuse refusal, boolean log) implements Admission {}

  /**
   * Admitted with this policy; {@code allowed} when the tenant's allow list matched, so that its
   * checks are skipped.
   */
  record Admitted(TenantPolicy policy, Optional<Route> route, boolean allowed, List<Symbol> symbols)
      implements Admission {}

  /** Whether a recipient may join the transaction, and with which policy. */
  Admission admit(
      TenantDirectory dir,
      TenantPolicy fallback,
      String rcpt,
      InetAddress client,
      String sender,
      Reply blockedReply) {
    TenantPolicy tp = fallback;
    Optional<Route> r = Optional.empty();
    Optional<Recipient> found = dir.resolve(rcpt);
    if (found.isPresent()) {
      tp = found.get().policy();
      r = found.get().route();
    } else if (rcpt.equalsIgnoreCase("postmaster")) {
      // RFC 5321 4.5.1: the bare reserved mailbox must be accepted whatever relay control says;
      // it has the global policy and no route (the adapter delivers it to its own postmaster).
    } else if (!dir.trusted(client)) {
      return new Refused(
          new Decision.Refuse(
              Action.REJECT, RELAY_DENIED, List.of(Symbol.of("RELAY_DENIED", 0, rcpt))),
          true);
    }
    if (scope == VerdictScope.ONE_GROUP_PER_TRANSACTION
        && policy != null
        && !(tp.sameAs(policy) && r.equals(route))) {
      return new Refused(new Decision.Refuse(Action.SOFT_REJECT, OTHER_GROUP, List.of()), false);
    }
    List<Symbol> block = match(tp.block(), client, sender, "BLOCKLIST");
    if (!block.isEmpty()) {
      return new Refused(new Decision.Refuse(Action.REJECT, blockedReply, block), true);
    }
    List<Symbol> allow = match(tp.allow(), client, sender, "ALLOWLIST");
    return new Admitted(tp, r, !allow.isEmpty(), allow);
  }

  /** Records an admitted recipient that its RCPT checks did not refuse. */
  void accept(Admitted a) {
    if (policy == null) {
      policy = a.policy();
      route = a.route();
      allowed = a.allowed();
    } else {
      // Within one group the policy is the same; across groups (one verdict per message) the
      // strictest merge judges, and the allow list counts only when it matched every recipient.
      policy = policy.strictest(a.policy());
      allowed &= a.allowed();
    }
    for (Symbol s : a.symbols()) {
      if (!allowSymbols.contains(s)) {
        allowSymbols.add(s);
      }
    }
  }

  /** The policy that judges the message, or empty before a recipient was accepted. */
  Optional<Policy> policy() {
    return policy == null ? Optional.empty() : Optional.of(policy.policy());
  }

  /** Whether every accepted recipient's tenant allows the message without checks. */
  boolean allowed() {
    return policy != null && allowed;
  }

  List<Symbol> allowSymbols() {
    return allowSymbols;
  }

  private static List<Symbol> match(
      AccessList list, InetAddress client, String sender, String prefix) {
    if (list.isEmpty()) {
      return List.of();
    }
    Optional<IpRange> ip = list.matchClient(client);
    if (ip.isPresent()) {
      return List.of(Symbol.of(prefix + "_IP", 0, ip.get().toString()));
    }
    if (list.matchesSender(sender)) {
      return List.of(Symbol.of(prefix + "_SENDER", 0, sender));
    }
    int at = sender.lastIndexOf('@');
    if (at >= 0) {
      Optional<String> d = list.matchDomain(sender.substring(at + 1));
      if (d.isPresent()) {
        return List.of(Symbol.of(prefix + "_DOMAIN", 0, d.get()));
      }
    }
    return List.of();
  }

  /** The header edits without the result headers when the policy turned them off. */
  static List<HeaderEdit> headers(Policy policy, List<HeaderEdit> edits) {
    if (policy.resultHeaders()) {
      return edits;
    }
    List<HeaderEdit> out = new ArrayList<>(edits.size());
    for (HeaderEdit e : edits) {
      if (!(e instanceof HeaderEdit.Add)) {
        out.add(e); // removals of forged X-Spam-* fields and the subject tag stay
      }
    }
    return out;
  }
}
