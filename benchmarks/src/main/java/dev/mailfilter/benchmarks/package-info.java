/** JMH benchmarks; run with {@code java -jar benchmarks/target/benchmarks.jar NAME}. */
package dev.mailfilter.benchmarks;
