package dev.mailfilter.learn;

/** The class a message is learned as. */
public enum Label {
  HAM,
  SPAM
}
