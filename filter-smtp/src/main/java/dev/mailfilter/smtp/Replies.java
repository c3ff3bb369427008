package dev.mailfilter.smtp;

import dev.mailfilter.api.Reply;

/** The codec's own replies, with the text Postfix uses where it has one. */
final class Replies {
  private Replies() {}

  static final Reply LINE_TOO_LONG = Reply.of(500, "5.5.2", "Error: line too long");
  static final Reply BARE_LF = Reply.of(500, "5.5.2", "Error: bare <LF> received");
  static final Reply BARE_CR = Reply.of(500, "5.5.2", "Error: bare <CR> received");
  static final Reply INVALID_UTF8 = Reply.of(500, "5.5.2", "Error: invalid UTF-8 in command");
  static final Reply CONTROL_CHARACTER =
      Reply.of(500, "5.5.2", "Error: control character in command");
  static final Reply UNRECOGNIZED = Reply.of(500, "5.5.1", "Error: command not recognized");
  static final Reply NOT_IMPLEMENTED = Reply.of(502, "5.5.1", "Error: command not implemented");
  static final Reply HTTP = Reply.of(521, "5.5.1", "Protocol error: this is an SMTP server");

  static final Reply BARE_LINE_END_IN_DATA =
      Reply.of(550, "5.5.2", "Error: bare <CR> or <LF> in message content");
  static final Reply MESSAGE_TOO_BIG = Reply.of(552, "5.3.4", "Error: message file too big");
  static final Reply DECLARED_TOO_BIG = Reply.of(552, "5.3.4", "Message size exceeds fixed limit");

  static Reply syntax(String usage) {
    return Reply.of(501, "5.5.4", "Syntax: " + usage);
  }

  static Reply badSender(String why) {
    return Reply.of(501, "5.1.7", "Bad sender address syntax: " + why);
  }

  static Reply badRecipient(String why) {
    return Reply.of(501, "5.1.3", "Bad recipient address syntax: " + why);
  }

  static Reply badParameter(String why) {
    return Reply.of(501, "5.5.4", "Bad parameter: " + why);
  }

  static Reply unsupportedParameter(String keyword) {
    return Reply.of(555, "5.5.4", "Unsupported option: " + keyword);
  }

  static Reply utf8NotPermitted(String what) {
    return Reply.of(553, "5.6.7", "Non-ASCII " + what + " address needs SMTPUTF8");
  }
}
