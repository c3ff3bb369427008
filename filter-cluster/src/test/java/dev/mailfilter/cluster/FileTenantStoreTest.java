package dev.mailfilter.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTenantStoreTest extends TenantStoreContract {
  @TempDir Path dir;

  @Override
  TenantStore openStore() {
    return FileTenantStore.open(dir);
  }

  @Override
  TenantStore reopen(TenantStore store) {
    store.close();
    return FileTenantStore.open(dir);
  }

  @Test
  void aSecondOpenOfTheSameDirectoryIsRefused() {
    assertThatThrownBy(() -> FileTenantStore.open(dir))
        .isInstanceOf(TenantStoreException.class)
        .hasMessageContaining("open in another process");
  }

  @Test
  void aPartialLastJournalLineFromACrashIsDroppedAtTheNextStart() throws Exception {
    bakeryTree();
    store.close();
    Path journal = dir.resolve("journal.jsonl");
    Files.writeString(
        journal,
        "{\"version\":5,\"at\":\"2026-",
        StandardCharsets.UTF_8,
        StandardOpenOption.APPEND);
    store = FileTenantStore.open(dir);
    assertThat(store.version()).isEqualTo(4);
    written(store.create(TenantPath.customer("next"), Settings.empty(), Optional.empty(), "op"));
    store = reopen(store);
    assertThat(store.version()).isEqualTo(5);
    assertThat(store.get(TenantPath.customer("next"))).isPresent();
  }

  @Test
  void aCorruptLineBeforeTheLastRefusesTheStartNamingTheLine() throws Exception {
    bakeryTree();
    store.close();
    Path journal = dir.resolve("journal.jsonl");
    List<String> lines = Files.readAllLines(journal, StandardCharsets.UTF_8);
    lines.set(1, "garbage");
    Files.write(journal, lines, StandardCharsets.UTF_8);
    assertThatThrownBy(() -> FileTenantStore.open(dir))
        .isInstanceOf(TenantStoreException.class)
        .hasMessageContaining("line 2");
    store = FileTenantStore.open(dir.resolve("other"));
  }

  @Test
  void aCompactedStoreStartsFromItsSnapshotAndKeepsTheWholeAuditLog() throws Exception {
    written(store.create(TenantPath.customer("c"), Settings.empty(), Optional.empty(), "op"));
    Tenant c = store.get(TenantPath.customer("c")).orElseThrow();
    for (int i = 0; i < FileTenantStore.COMPACT_EVERY + 5; i++) {
      c =
          written(
              store.update(
                  c.path(),
                  c.version(),
                  settings("{\"scores\":{\"GTUBE\":" + i + "}}"),
                  Optional.empty(),
                  "op"));
    }
    assertThat(dir.resolve("snapshot.json")).exists();
    Snapshot before = store.snapshot();
    store = reopen(store);
    assertThat(store.snapshot()).isEqualTo(before);
    assertThat(store.audit(TenantPath.root(), 0, 10_000))
        .hasSize(FileTenantStore.COMPACT_EVERY + 6);
    assertThat(store.changesSince(0)).isInstanceOf(ChangesSince.Trimmed.class);
    assertThat(((ChangesSince.Changes) store.changesSince(before.version() - 1)).changes())
        .hasSize(1);
  }
}
