/**
 * Test fixtures built on the core, shared by the servers' interop tests and the benchmarks; never
 * deployed. The core's implementation packages it drives are exported to it by name.
 */
module dev.mailfilter.testfixtures {
  requires dev.mailfilter.core;

  exports dev.mailfilter.testfixtures;
}
