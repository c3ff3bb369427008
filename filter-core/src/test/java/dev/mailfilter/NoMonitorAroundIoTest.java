package dev.mailfilter;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
// ArchUnit's own copy of ASM: the bytecode is the only place a synchronized block shows.
import com.tngtech.archunit.thirdparty.org.objectweb.asm.ClassReader;
import com.tngtech.archunit.thirdparty.org.objectweb.asm.ClassVisitor;
import com.tngtech.archunit.thirdparty.org.objectweb.asm.MethodVisitor;
import com.tngtech.archunit.thirdparty.org.objectweb.asm.Opcodes;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The packages whose code reads and writes files and sockets (the model, DNS with its mirror files,
 * clamd) and the reload mechanism hold no monitor: no {@code synchronized} method or block. On Java
 * 21 a virtual thread that blocks while it holds a monitor pins its carrier thread; Java 24 lifted
 * that (JEP 491), so on newer JDKs {@link VirtualThreadPinningTest} can no longer see this, and
 * this rule keeps it for Java 21. Locks there are {@link
 * java.util.concurrent.locks.ReentrantLock}s.
 */
class NoMonitorAroundIoTest {
  private static final String[] IO_PACKAGES = {
    "dev.mailfilter.learn", "dev.mailfilter.dns", "dev.mailfilter.av"
  };

  /** Methods of the class that are synchronized or enter a monitor, as "Class.method". */
  static List<String> monitors(Class<?> type) throws IOException {
    String resource = "/" + type.getName().replace('.', '/') + ".class";
    List<String> found = new ArrayList<>();
    try (InputStream in = type.getResourceAsStream(resource)) {
      new ClassReader(in)
          .accept(
              new ClassVisitor(Opcodes.ASM9) {
                @Override
                public MethodVisitor visitMethod(
                    int access, String name, String desc, String signature, String[] exceptions) {
                  String where = type.getSimpleName() + "." + name;
                  if ((access & Opcodes.ACC_SYNCHRONIZED) != 0) {
                    found.add(where + " (synchronized method)");
                  }
                  return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitInsn(int opcode) {
                      if (opcode == Opcodes.MONITORENTER) {
                        found.add(where + " (synchronized block)");
                      }
                    }
                  };
                }
              },
              ClassReader.SKIP_DEBUG);
    }
    return found;
  }

  @Test
  void ioPackagesAndTheReloaderHoldNoMonitor() throws IOException {
    JavaClasses classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(IO_PACKAGES);
    assertThat(classes).hasSizeGreaterThan(30);
    List<String> found = new ArrayList<>();
    for (JavaClass c : classes) {
      found.addAll(monitors(c.reflect()));
    }
    for (Class<?> c : List.of(FilterReloader.class, MailFilter.class)) {
      found.addAll(monitors(c));
    }
    assertThat(found).as("monitors in code that does I/O").isEmpty();
  }

  /** What the rule must catch. */
  static final class Offender {
    private final Object lock = new Object();
    private int n;

    void block() {
      synchronized (lock) {
        n++;
      }
    }

    synchronized void method() {
      n--;
    }
  }

  @Test
  void theScanSeesSynchronizedBlocksAndMethods() throws IOException {
    assertThat(monitors(Offender.class))
        .containsExactlyInAnyOrder(
            "Offender.block (synchronized block)", "Offender.method (synchronized method)");
  }
}
