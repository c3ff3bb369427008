/**
 * JMH benchmarks of mailfilter against its peers, measured in the same run. Packages mirror the
 * core's; run them from the shaded jar: {@code java -jar benchmarks/target/benchmarks.jar NAME}.
 */
open module dev.mailfilter.benchmarks {
  requires dev.mailfilter.core;
  requires dev.mailfilter.cluster;
  requires com.google.common;
  // Thread and process CPU time for SpamAssassinRulesCpu and SpamAssassinClassifyCpu (the core
  // does not read the management beans).
  requires java.management;
  requires jdk.management;
  requires jmh.core;
  requires dev.mailfilter.testkit;
  requires dev.mailfilter.testfixtures;
  requires apache.mime4j.core;
  requires jakarta.mail;
  requires org.eclipse.angus.mail;
}
