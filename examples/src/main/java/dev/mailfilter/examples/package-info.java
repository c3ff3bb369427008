/** Short, runnable examples of embedding mailfilter in a mail product. */
package dev.mailfilter.examples;
