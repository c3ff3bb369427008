/**
 * The learning spam model: a classifier trained on the user's own mail.
 *
 * <p>{@link dev.mailfilter.learn.SpamModel} scores a {@link dev.mailfilter.learn.Document} (the
 * decoded text of a message) with online logistic regression over hashed sparse-bigram features,
 * learns and unlearns single messages idempotently, and keeps its state in a {@link
 * dev.mailfilter.learn.ModelStore} (by default one crash-safe file, {@link
 * dev.mailfilter.learn.FileModelStore}).
 */
package dev.mailfilter.learn;
