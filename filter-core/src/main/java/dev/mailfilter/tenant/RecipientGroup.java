package dev.mailfilter.tenant;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Recipients that share one verdict and one delivery: the same route and the same effective policy.
 * The SMTP session keeps one group per transaction; a gateway relaying a message or a milter
 * reporting per recipient can group with {@link #of}.
 *
 * @param route the group's route
 * @param policy the group's effective policy
 * @param recipients the group's recipients, in the order given
 */
public record RecipientGroup(
    Optional<Route> route, TenantPolicy policy, List<Recipient> recipients) {
  public RecipientGroup {
    Objects.requireNonNull(route, "route");
    Objects.requireNonNull(policy, "policy");
    recipients = List.copyOf(recipients);
  }

  /**
   * The recipients grouped by route and policy, groups in the order of their first recipient.
   * Addresses the directory does not know are left out (the session refuses them).
   */
  public static List<RecipientGroup> of(TenantDirectory directory, List<String> addresses) {
    List<List<Recipient>> groups = new ArrayList<>();
    for (String a : addresses) {
      Optional<Recipient> r = directory.resolve(a);
      if (r.isEmpty()) {
        continue;
      }
      List<Recipient> home = null;
      for (List<Recipient> g : groups) {
        if (g.get(0).sameGroup(r.get())) {
          home = g;
          break;
        }
      }
      if (home == null) {
        home = new ArrayList<>();
        groups.add(home);
      }
      home.add(r.get());
    }
    List<RecipientGroup> out = new ArrayList<>(groups.size());
    for (List<Recipient> g : groups) {
      out.add(new RecipientGroup(g.get(0).route(), g.get(0).policy(), g));
    }
    return out;
  }
}
