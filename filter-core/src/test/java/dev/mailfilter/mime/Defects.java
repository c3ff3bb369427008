package dev.mailfilter.mime;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Collects defects in tests. */
final class Defects implements Consumer<Defect> {
  final List<Defect> all = new ArrayList<>();

  @Override
  public void accept(Defect d) {
    all.add(d);
  }

  List<DefectType> types() {
    return all.stream().map(Defect::type).toList();
  }
}
