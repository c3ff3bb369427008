/** Examples of embedding mailfilter. */
module dev.mailfilter.examples {
  requires dev.mailfilter.core;
}
