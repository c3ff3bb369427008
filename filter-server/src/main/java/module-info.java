/**
 * Server plumbing that the milter and the SMTP servers share: the set of connections, each on its
 * virtual thread, and its graceful drain. Exported only to the two servers, which must not depend
 * on each other, while the core has no server code.
 */
// The qualified exports name sibling modules that a build of this module alone does not see.
@SuppressWarnings("module")
module dev.mailfilter.server {
  exports dev.mailfilter.server to
      dev.mailfilter.milter,
      dev.mailfilter.smtp;
}
