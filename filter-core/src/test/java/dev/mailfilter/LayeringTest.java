package dev.mailfilter;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import com.tngtech.archunit.library.Architectures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering of filter-core, checked on its compiled classes (tests excluded). From the bottom:
 * the MIME parser; the API values; the configuration plumbing; the check SPI; the shared message
 * helpers; the features (checks, model, DNS, antivirus, URLs, tenants); the engine; and on top the
 * filter itself with the one place that wires the built-ins in. A package may use those below it,
 * never those above, and no two packages depend on each other.
 */
class LayeringTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.mailfilter");
    assertThat(classes).hasSizeGreaterThan(100);
  }

  @Test
  void noPackageCycles() {
    // "dev.(**)" makes one slice per package, the root package dev.mailfilter included.
    check(slices().matching("dev.(**)").should().beFreeOfCycles());
  }

  @Test
  void everyPackageUsesOnlyTheLayersBelowIt() {
    ArchRule layers =
        Architectures.layeredArchitecture()
            .consideringOnlyDependenciesInAnyPackage("dev.mailfilter..")
            .layer("filter")
            .definedBy(JavaClass.Predicates.resideInAPackage("dev.mailfilter"))
            .layer("engine")
            .definedBy("dev.mailfilter.engine..")
            .layer("features")
            .definedBy(
                "dev.mailfilter.checks..",
                "dev.mailfilter.learn..",
                "dev.mailfilter.dns..",
                "dev.mailfilter.auth..",
                "dev.mailfilter.av..",
                "dev.mailfilter.url..",
                "dev.mailfilter.tenant..",
                "dev.mailfilter.sa..",
                "dev.mailfilter.scores..")
            .layer("message")
            .definedBy("dev.mailfilter.message..")
            .layer("spi")
            .definedBy("dev.mailfilter.spi..")
            .layer("config")
            .definedBy("dev.mailfilter.config..")
            .layer("api")
            .definedBy("dev.mailfilter.api..")
            .layer("mime")
            .definedBy("dev.mailfilter.mime..")
            .whereLayer("filter")
            .mayNotBeAccessedByAnyLayer()
            .whereLayer("engine")
            .mayOnlyBeAccessedByLayers("filter")
            .whereLayer("features")
            .mayOnlyBeAccessedByLayers("filter", "engine", "features")
            .whereLayer("message")
            .mayOnlyBeAccessedByLayers("filter", "engine", "features")
            .whereLayer("spi")
            .mayOnlyBeAccessedByLayers("filter", "engine", "features", "message")
            .whereLayer("config")
            .mayOnlyBeAccessedByLayers("filter", "engine", "features", "message", "spi")
            .whereLayer("api")
            .mayOnlyBeAccessedByLayers("filter", "engine", "features", "message", "spi", "config")
            .withOptionalLayers(true);
    check(layers);
  }

  private static void check(ArchRule rule) {
    EvaluationResult result = rule.evaluate(classes);
    assertThat(result.getFailureReport().getDetails()).as(rule.getDescription()).isEmpty();
  }
}
