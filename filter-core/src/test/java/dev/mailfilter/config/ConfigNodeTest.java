package dev.mailfilter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Key paths in errors, now that a node makes its path only when it is named. */
class ConfigNodeTest {
  private static ConfigNode root(String yaml) {
    return YamlTree.root(YamlTree.read(yaml, "t.yaml"));
  }

  @Test
  void nestedErrorsNameTheWholeKeyPath() {
    ConfigNode a = root("a:\n  b:\n    c: {port: high}\n").section("a");
    ConfigNode c = a.section("b").section("c");
    assertThat(c.path()).isEqualTo("a.b.c");
    assertThatThrownBy(() -> c.integer("port", 25, 1, 65535))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("a.b.c.port: expected an integer, got \"high\"");
  }

  @Test
  void nonStringKeyOfANestedMappingIsRefusedAtItsPath() {
    ConfigNode a = root("a:\n  b:\n    1: x\n").section("a");
    assertThatThrownBy(() -> a.section("b"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("a.b: keys must be strings, got 1 (quote it)");
  }

  @Test
  void unknownKeysAreRefusedInEmptyAndNonEmptySectionsAlike() {
    ConfigNode r = root("a: {}\nb: {known: 1, unknwn: 2}\n");
    assertThat(r.section("a").keys()).isEmpty();
    assertThat(r.section("a").path()).isEqualTo("a");
    r.section("b").number("known", 0);
    r.section("b").number("unknown", 0);
    assertThatThrownBy(() -> r.rejectUnread(List.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("b.unknwn: unknown key")
        .hasMessageContaining("unknown");
  }
}
