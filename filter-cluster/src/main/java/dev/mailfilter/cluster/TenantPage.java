package dev.mailfilter.cluster;

import java.util.List;
import java.util.Optional;

/**
 * One page of a node's children, ordered by their written path.
 *
 * @param items at most the asked limit of children
 * @param next the cursor of the next page, empty on the last one
 */
public record TenantPage(List<Tenant> items, Optional<String> next) {
  /** Copies the list. */
  public TenantPage {
    items = List.copyOf(items);
  }
}
