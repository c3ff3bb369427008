package dev.mailfilter.web.quarantine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mailfilter.cluster.TenantPath;
import dev.mailfilter.cluster.admin.AdminClient;
import dev.mailfilter.cluster.admin.ApiException;
import dev.mailfilter.cluster.admin.Principal;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * Allowing or blocking a sender for a user or a domain: an entry in the node's {@code
 * lists.allow.senders} or {@code lists.block.senders}, written through the admin API as the
 * principal (so with its authorisation and its audit log), which the tenant store then brings to
 * every node of the cluster. The address leaves the opposite list of the same node, since an allow
 * entry is consulted before a block entry and would otherwise win.
 */
final class SenderLists {
  /** Which list. */
  enum Kind {
    ALLOW("allow"),
    BLOCK("block");

    final String key;

    Kind(String key) {
      this.key = key;
    }

    Kind opposite() {
      return this == ALLOW ? BLOCK : ALLOW;
    }
  }

  private SenderLists() {}

  /**
   * Adds the sender to the node's list, retrying when someone else changed the node meanwhile.
   *
   * @return false when it was listed already
   * @throws ApiException the API's refusal (404 outside the principal's subtree, 403)
   */
  static boolean add(AdminClient admin, Principal p, TenantPath node, Kind kind, String sender) {
    String path = QuarantineScope.apiPath(node) + "/lists";
    for (int attempt = 0; ; attempt++) {
      AdminClient.Reply r = admin.call(p, "GET", path, Map.of(), null, Optional.empty());
      JsonNode current = r.body().map(b -> b.get("lists")).orElse(null);
      ObjectNode lists =
          current instanceof ObjectNode o ? o.deepCopy() : JsonNodeFactory.instance.objectNode();
      ArrayNode target = senders(lists, kind);
      if (contains(target, sender)) {
        return false;
      }
      target.add(sender);
      ArrayNode other = senders(lists, kind.opposite());
      for (Iterator<JsonNode> it = other.iterator(); it.hasNext(); ) {
        if (it.next().asText().equalsIgnoreCase(sender)) {
          it.remove();
        }
      }
      ObjectNode body = AdminClient.object();
      body.set("lists", lists);
      try {
        admin.call(p, "PUT", path, Map.of(), body, r.version());
        return true;
      } catch (ApiException e) {
        if (e.status() != 409 || attempt >= 3) {
          throw e;
        }
        // changed meanwhile: read again and redo the change
      }
    }
  }

  private static ArrayNode senders(ObjectNode lists, Kind kind) {
    JsonNode section = lists.get(kind.key);
    ObjectNode s;
    if (section instanceof ObjectNode o) {
      s = o;
    } else {
      s = lists.putObject(kind.key);
    }
    JsonNode senders = s.get("senders");
    if (senders instanceof ArrayNode a) {
      return a;
    }
    return s.putArray("senders");
  }

  private static boolean contains(ArrayNode a, String sender) {
    for (JsonNode n : a) {
      if (n.asText().equalsIgnoreCase(sender)) {
        return true;
      }
    }
    return false;
  }
}
