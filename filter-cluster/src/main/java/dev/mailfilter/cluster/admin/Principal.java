package dev.mailfilter.cluster.admin;

import dev.mailfilter.cluster.TenantPath;
import java.util.Objects;

/**
 * Who makes a request: an API key's holder.
 *
 * @param keyId the key's public id (in the audit log as {@code key:<id>})
 * @param name a label given when the key was made ({@code alice@acme.example})
 * @param role what it may do
 * @param scope the tree node its subtree starts at, of the role's level (the root for the operator)
 */
public record Principal(String keyId, String name, Role role, TenantPath scope) {
  /** Checks that the scope is of the role's level. */
  public Principal {
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(name, "name");
    if (!scope.kind().equals(role.level())) {
      throw new IllegalArgumentException(
          "a "
              + role.wireName()
              + " needs a scope of level "
              + role.level().map(Enum::name).orElse("root")
              + ", got \""
              + scope
              + "\"");
    }
  }

  /** Whether the node at {@code path} is this principal's own node or below it. */
  public boolean covers(TenantPath path) {
    return scope.contains(path);
  }

  /** How the store's audit log names this principal. */
  String auditName() {
    return "key:" + keyId + " " + role.wireName() + " " + name;
  }
}
