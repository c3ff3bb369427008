/** The {@code mailfilter} command. */
module dev.mailfilter.cli {
  requires dev.mailfilter.core;
  requires dev.mailfilter.smtp;
}
