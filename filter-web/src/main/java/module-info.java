/**
 * The web pages: a small server of server-rendered pages with sessions, CSRF tokens, a content
 * security policy and login rate limits ({@link dev.mailfilter.web.WebServer}), the pages that
 * features register with it ({@link dev.mailfilter.web.WebPage}), and the reseller panel. Every
 * action goes through the admin API in-process, with its authorisation.
 */
module dev.mailfilter.web {
  requires transitive dev.mailfilter.cluster;
  requires transitive dev.mailfilter.smtp;
  // The JDK's HTTP server, as the admin API: server-rendered pages need no framework.
  requires transitive jdk.httpserver;

  // The admin API's JSON (AdminClient): the quarantine pages change allow/block lists through it.
  requires com.fasterxml.jackson.databind;
  // The quarantine preview's HTML sanitiser.
  requires org.jsoup;

  exports dev.mailfilter.web;
  // The quarantine pages and the digest; the command runs the digest.
  exports dev.mailfilter.web.quarantine;
}
